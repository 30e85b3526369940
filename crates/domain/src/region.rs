//! R3.4 / R3 decision: the region of a customer site, derived from its address.
//!
//! The address is normalised (whitespace dropped, full-width ASCII made half-width,
//! traditional characters made simplified) and scanned for known place names. A name
//! directly followed by a street or feature word ("杭州路", "杭州湾", "钱塘江") is not an
//! administrative use and is passed over. The earliest administrative name decides,
//! the longest one winning at the same position:
//!
//! - a province, city or district outside Zhejiang → [`Region::OutOfProvince`], whatever
//!   follows ("上海市普陀区" is Shanghai, "重庆市江北区" is Chongqing);
//! - 浙江 is refined by the next Zhejiang place (names of other provinces after it are
//!   ignored), else [`Region::Zhejiang`];
//! - 杭州 is refined by the Hangzhou district or county that follows: an urban district →
//!   [`Region::HangzhouUrban`], 桐庐/淳安/建德 → [`Region::Zhejiang`], none →
//!   [`Region::Unknown`] (the address does not tell urban from county);
//! - a Hangzhou urban district, current or former, → [`Region::HangzhouUrban`];
//! - any other Zhejiang city, district or county → [`Region::Zhejiang`]. A district name
//!   with no city before it is read the Zhejiang way ("普陀区" is Zhoushan's).
//!
//! Names that are also everyday words or common street names (中山, 大同, 南阳, 朝阳,
//! 阿里, …) count only when 市/区/县/州/… follows them. The tables are in
//! `region_data.rs`.

use serde::{Deserialize, Serialize};

#[path = "region_data.rs"]
mod data;

use data::{Kind, Place};

/// Where a customer site lies, as far as the arrival deadline (R3.4) is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// Hangzhou's urban districts (上城, 拱墅, 西湖, 滨江, 萧山, 余杭, 临平, 钱塘, 富阳, 临安).
    HangzhouUrban,
    /// Elsewhere in Zhejiang, including Hangzhou's counties (桐庐, 淳安, 建德).
    Zhejiang,
    /// Outside Zhejiang province.
    OutOfProvince,
    /// The address does not tell.
    Unknown,
}

impl Region {
    pub const ALL: [Region; 4] = [
        Region::HangzhouUrban,
        Region::Zhejiang,
        Region::OutOfProvince,
        Region::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Region::HangzhouUrban => "hangzhou_urban",
            Region::Zhejiang => "zhejiang",
            Region::OutOfProvince => "out_of_province",
            Region::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Region> {
        Region::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Derive the region from an address as customers write it.
    pub fn of_address(address: &str) -> Region {
        Region::explain_address(address).0
    }

    /// Derive the region from an address, together with the place name (simplified,
    /// with its administrative suffix, e.g. "萧山区") that decided it, for showing
    /// "derived from 萧山区". The name is `None` when no place was recognised; it is
    /// "杭州市" with [`Region::Unknown`] when the address names Hangzhou but no district
    /// or county of it.
    pub fn explain_address(address: &str) -> (Region, Option<&'static str>) {
        let text = normalise(address);
        let mut places = Scanner::new(&text);
        match places.next() {
            Some(first) => resolve(first, &mut places),
            None => (Region::Unknown, None),
        }
    }
}

/// The administrative places an address names, left to right, by their full names
/// ("杭州市", "桐庐县"), read exactly as [`Region::of_address`] reads them (normalised,
/// streets and rivers passed over). For `travel::locate`.
pub(crate) fn place_names(address: &str) -> Vec<&'static str> {
    let text = normalise(address);
    Scanner::new(&text).map(|p| p.name).collect()
}

/// The names of every administrative place the tables know (not rivers or bays).
#[cfg(test)]
pub(crate) fn administrative_place_names() -> impl Iterator<Item = &'static str> {
    data::PLACES
        .iter()
        .filter(|p| p.kind != Kind::Feature)
        .map(|p| p.name)
}

/// Decide from the first administrative place, refining 浙江 and 杭州 by what follows.
fn resolve(place: &'static Place, rest: &mut Scanner<'_>) -> (Region, Option<&'static str>) {
    match place.kind {
        Kind::OutOfProvince => (Region::OutOfProvince, Some(place.name)),
        Kind::HangzhouUrban => (Region::HangzhouUrban, Some(place.name)),
        Kind::HangzhouCounty | Kind::ZhejiangOther => (Region::Zhejiang, Some(place.name)),
        // Never yielded by the scanner.
        Kind::Feature => (Region::Unknown, None),
        Kind::HangzhouCity => {
            match rest.find(|p| matches!(p.kind, Kind::HangzhouUrban | Kind::HangzhouCounty)) {
                Some(district) => resolve(district, rest),
                None => (Region::Unknown, Some(place.name)),
            }
        }
        Kind::ZhejiangProvince => {
            match rest.find(|p| !matches!(p.kind, Kind::ZhejiangProvince | Kind::OutOfProvince)) {
                Some(inner) => resolve(inner, rest),
                None => (Region::Zhejiang, Some(place.name)),
            }
        }
    }
}

/// Trim, drop all whitespace (including the ideographic space), make full-width ASCII
/// half-width and traditional characters simplified.
fn normalise(address: &str) -> String {
    address
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| simplify(half_width(c)))
        .collect()
}

fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

fn simplify(c: char) -> char {
    match data::TRAD_TO_SIMP.binary_search_by_key(&c, |&(t, _)| t) {
        Ok(i) => data::TRAD_TO_SIMP.get(i).map_or(c, |&(_, s)| s),
        Err(_) => c,
    }
}

/// The longest place whose key starts `text`.
fn longest_place_at(text: &str) -> Option<&'static Place> {
    data::PLACES
        .iter()
        .filter(|p| text.starts_with(p.key))
        .max_by_key(|p| p.key.len())
}

/// Whether a place name followed by `after` is used as an administrative division.
fn is_administrative_use(place: &Place, after: &str) -> bool {
    if place.kind == Kind::Feature {
        return false;
    }
    if place.strict {
        return data::ADMIN_SUFFIXES.iter().any(|s| after.starts_with(s))
            || names_autonomous_prefecture(after);
    }
    // A feature word that itself starts a place name is that place, not a feature:
    // "杭州江干区", "宁波江北区", "衢州江山市", "台州路桥区".
    !names_a_feature(after) || longest_place_at(after).is_some()
}

/// Whether `after` starts with the peoples of an autonomous prefecture: "哈尼族彝族自治州".
fn names_autonomous_prefecture(after: &str) -> bool {
    after
        .find("自治")
        .and_then(|i| after.get(..i))
        .is_some_and(|peoples| peoples.ends_with('族') && peoples.chars().count() <= 8)
}

/// Whether `after` starts with a street or feature word ("路", "湾", "南路", "大厦", …).
/// "街道" is a sub-district, not a street.
fn names_a_feature(after: &str) -> bool {
    if after.starts_with("街道") {
        return false;
    }
    if data::FEATURE_SUFFIXES.iter().any(|s| after.starts_with(s)) {
        return true;
    }
    let mut chars = after.chars();
    match chars.next() {
        Some(d) if data::DIRECTIONS.contains(&d) => {
            let street = chars.as_str();
            !street.starts_with("街道") && data::STREET_WORDS.iter().any(|s| street.starts_with(s))
        }
        _ => false,
    }
}

/// Yields, left to right, the places of a normalised address used as administrative
/// divisions. A place name that is passed over (a street, a bay, …) is consumed whole,
/// so that no shorter name is found inside it.
struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner { text, pos: 0 }
    }
}

impl Iterator for Scanner<'_> {
    type Item = &'static Place;

    fn next(&mut self) -> Option<&'static Place> {
        while let Some(rest) = self.text.get(self.pos..) {
            let first = rest.chars().next()?;
            match longest_place_at(rest) {
                Some(place) => {
                    self.pos += place.key.len();
                    let after = rest.get(place.key.len()..).unwrap_or("");
                    if is_administrative_use(place, after) {
                        return Some(place);
                    }
                }
                None => self.pos += first.len_utf8(),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts every (address, expected region) pair, reporting all failures at once.
    fn check(cases: &[(&str, Region)]) {
        let failures: Vec<String> = cases
            .iter()
            .filter_map(|&(address, expected)| {
                let (got, name) = Region::explain_address(address);
                (got != expected).then(|| {
                    format!("{address:?}: expected {expected:?}, got {got:?} via {name:?}")
                })
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{} failure(s):\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    /// Asserts the place name that decided each address.
    fn check_names(cases: &[(&str, Region, Option<&str>)]) {
        let failures: Vec<String> = cases
            .iter()
            .filter_map(|&(address, region, name)| {
                let got = Region::explain_address(address);
                (got != (region, name))
                    .then(|| format!("{address:?}: expected {:?}, got {got:?}", (region, name)))
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{} failure(s):\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    const HANGZHOU_URBAN: [&str; 10] = [
        "上城", "拱墅", "西湖", "滨江", "萧山", "余杭", "临平", "钱塘", "富阳", "临安",
    ];

    #[test]
    fn region_strings_round_trip() {
        for r in Region::ALL {
            assert_eq!(Region::parse(r.as_str()), Some(r));
        }
        assert_eq!(Region::parse("hangzhou"), None);
    }

    #[test]
    fn r3_4_every_hangzhou_urban_district() {
        for d in HANGZHOU_URBAN {
            let forms = [
                format!("{d}区"),
                d.to_string(),
                format!("{d}区某某街道100号"),
                format!("杭州市{d}区"),
                format!("杭州{d}"),
                format!("浙江省杭州市{d}区某某路8号"),
                format!("浙江杭州{d}区"),
                format!("浙江省{d}区"),
                format!("中国浙江省杭州市{d}区（邮编310000）"),
            ];
            for a in &forms {
                assert_eq!(Region::of_address(a), Region::HangzhouUrban, "{a}");
            }
            assert_eq!(
                Region::explain_address(&format!("浙江省杭州市{d}区")).1,
                Some(format!("{d}区").as_str()),
                "{d}"
            );
        }
        check(&[
            ("浙江省杭州市西湖区文三路478号", Region::HangzhouUrban),
            ("杭州市余杭区仓前街道良睦路1399号", Region::HangzhouUrban),
            ("杭州市萧山区宁围街道市心北路", Region::HangzhouUrban),
            ("杭州市滨江区江南大道3588号", Region::HangzhouUrban),
            ("杭州市临平区南苑街道人民大道", Region::HangzhouUrban),
            ("杭州市钱塘区下沙街道", Region::HangzhouUrban),
            ("杭州市拱墅区湖墅南路", Region::HangzhouUrban),
            ("杭州市上城区解放路", Region::HangzhouUrban),
            ("杭州市富阳区富春街道", Region::HangzhouUrban),
            ("杭州市临安区锦城街道", Region::HangzhouUrban),
            ("西湖区文三路", Region::HangzhouUrban),
            ("萧山区北干街道", Region::HangzhouUrban),
            ("杭州西湖风景名胜区", Region::HangzhouUrban),
            ("杭州经济技术开发区白杨街道", Region::HangzhouUrban),
            ("杭州高新区（滨江）物联网街", Region::HangzhouUrban),
            ("杭州市余杭塘路", Region::HangzhouUrban),
            ("杭州市临平区临平街道", Region::HangzhouUrban),
        ]);
    }

    #[test]
    fn r3_4_hangzhou_counties_count_as_zhejiang() {
        for (county, suffix) in [("桐庐", "县"), ("淳安", "县"), ("建德", "市")] {
            let forms = [
                format!("{county}{suffix}"),
                county.to_string(),
                format!("杭州市{county}{suffix}"),
                format!("杭州{county}"),
                format!("浙江省杭州市{county}{suffix}某某镇"),
                format!("浙江省{county}{suffix}"),
            ];
            for a in &forms {
                assert_eq!(Region::of_address(a), Region::Zhejiang, "{a}");
            }
        }
        check(&[
            ("桐庐县城南街道", Region::Zhejiang),
            ("杭州市淳安县千岛湖镇", Region::Zhejiang),
            ("淳安县千岛湖镇梦姑路", Region::Zhejiang),
            ("千岛湖镇", Region::Zhejiang),
            ("建德市新安江街道", Region::Zhejiang),
            ("浙江省杭州市建德市洋溪街道", Region::Zhejiang),
            ("桐庐", Region::Zhejiang),
        ]);
    }

    #[test]
    fn r3_4_pre_2021_district_names() {
        check(&[
            ("杭州市下城区武林街道", Region::HangzhouUrban),
            ("浙江省杭州市下城区延安路", Region::HangzhouUrban),
            ("杭州市江干区凯旋街道", Region::HangzhouUrban),
            ("江干区九堡", Region::HangzhouUrban),
            ("下城区", Region::HangzhouUrban),
            ("杭州下沙经济技术开发区", Region::HangzhouUrban),
            ("下沙高教园区", Region::HangzhouUrban),
            ("杭州大江东产业集聚区", Region::HangzhouUrban),
            ("大江东", Region::HangzhouUrban),
            ("萧山市城厢镇", Region::HangzhouUrban),
            ("浙江省萧山市", Region::HangzhouUrban),
            ("余杭市临平镇", Region::HangzhouUrban),
            ("富阳市富春街道", Region::HangzhouUrban),
            ("临安市锦城镇", Region::HangzhouUrban),
            ("杭州市余杭区临平街道", Region::HangzhouUrban),
            ("杭州钱塘新区", Region::HangzhouUrban),
            ("浙江省杭州市江干区", Region::HangzhouUrban),
            ("杭州江干", Region::HangzhouUrban),
        ]);
        check_names(&[
            ("杭州市下城区", Region::HangzhouUrban, Some("下城区")),
            ("萧山市", Region::HangzhouUrban, Some("萧山区")),
        ]);
    }

    #[test]
    fn r3_4_traditional_characters() {
        check(&[
            ("浙江省杭州市蕭山區寧圍街道市心北路", Region::HangzhouUrban),
            ("杭州市餘杭區倉前街道良睦路1399號", Region::HangzhouUrban),
            ("浙江省杭州市濱江區長河街道", Region::HangzhouUrban),
            ("杭州市臨平區南苑街道", Region::HangzhouUrban),
            ("杭州市錢塘區下沙街道", Region::HangzhouUrban),
            ("浙江省杭州市富陽區", Region::HangzhouUrban),
            ("浙江省杭州市臨安區錦城街道", Region::HangzhouUrban),
            ("杭州市下城區", Region::HangzhouUrban),
            ("浙江省杭州市桐廬縣城南街道", Region::Zhejiang),
            ("杭州市淳安縣千島湖鎮", Region::Zhejiang),
            ("浙江省溫州市樂清市柳市鎮", Region::Zhejiang),
            ("浙江省温州市龍灣區", Region::Zhejiang),
            ("浙江省寧波市鄞州區", Region::Zhejiang),
            ("浙江省紹興市柯橋區", Region::Zhejiang),
            ("浙江省嘉興市海寧市", Region::Zhejiang),
            ("浙江省麗水市縉雲縣", Region::Zhejiang),
            ("浙江省台州市黃巖區", Region::Zhejiang),
            ("浙江省臺州市黃岩區", Region::Zhejiang),
            ("浙江省金華市義烏市", Region::Zhejiang),
            ("浙江省衢州市龍游縣", Region::Zhejiang),
            ("浙江省湖州市長興縣", Region::Zhejiang),
            ("寧波杭州灣新區", Region::Zhejiang),
            ("臺灣台北市", Region::OutOfProvince),
            ("台灣台北市", Region::OutOfProvince),
            ("廣東省廣州市天河區", Region::OutOfProvince),
            ("遼寧省瀋陽市", Region::OutOfProvince),
            ("黑龍江省哈爾濱市", Region::OutOfProvince),
            ("陝西省西安市", Region::OutOfProvince),
            ("貴州省貴陽市", Region::OutOfProvince),
            ("澳門", Region::OutOfProvince),
            ("江蘇省蘇州市", Region::OutOfProvince),
            ("雲南省昆明市", Region::OutOfProvince),
            ("重慶市江北區", Region::OutOfProvince),
            ("上海市普陀區", Region::OutOfProvince),
        ]);
        check_names(&[("浙江省杭州市蕭山區", Region::HangzhouUrban, Some("萧山区"))]);
    }

    #[test]
    fn r3_4_full_width_and_spaces() {
        check(&[
            (
                "  浙江省 杭州市 西湖区 文三路４７８号  ",
                Region::HangzhouUrban,
            ),
            ("浙江省\u{3000}杭州市\u{3000}萧山区", Region::HangzhouUrban),
            ("杭州市\t余杭区\n仓前街道", Region::HangzhouUrban),
            ("杭 州 市 桐 庐 县", Region::Zhejiang),
            ("（３１００００）浙江省杭州市滨江区", Region::HangzhouUrban),
            ("310012 杭州市西湖区", Region::HangzhouUrban),
            ("中国 江苏省 南京市", Region::OutOfProvince),
            ("上海市ＸＸ路１２３号", Region::OutOfProvince),
        ]);
    }

    #[test]
    fn r3_4_other_zhejiang_cities_and_counties() {
        let cities = [
            (
                "宁波",
                [
                    "海曙区",
                    "江北区",
                    "北仑区",
                    "镇海区",
                    "鄞州区",
                    "奉化区",
                    "余姚市",
                    "慈溪市",
                    "象山县",
                    "宁海县",
                ]
                .as_slice(),
            ),
            (
                "温州",
                &[
                    "鹿城区",
                    "龙湾区",
                    "瓯海区",
                    "洞头区",
                    "瑞安市",
                    "乐清市",
                    "龙港市",
                    "永嘉县",
                    "平阳县",
                    "苍南县",
                    "文成县",
                    "泰顺县",
                ],
            ),
            (
                "嘉兴",
                &[
                    "南湖区",
                    "秀洲区",
                    "海宁市",
                    "平湖市",
                    "桐乡市",
                    "嘉善县",
                    "海盐县",
                ],
            ),
            ("湖州", &["吴兴区", "南浔区", "德清县", "长兴县", "安吉县"]),
            (
                "绍兴",
                &["越城区", "柯桥区", "上虞区", "诸暨市", "嵊州市", "新昌县"],
            ),
            (
                "金华",
                &[
                    "婺城区",
                    "金东区",
                    "兰溪市",
                    "义乌市",
                    "东阳市",
                    "永康市",
                    "武义县",
                    "浦江县",
                    "磐安县",
                ],
            ),
            (
                "衢州",
                &["柯城区", "衢江区", "江山市", "龙游县", "常山县", "开化县"],
            ),
            ("舟山", &["定海区", "普陀区", "岱山县", "嵊泗县"]),
            (
                "台州",
                &[
                    "椒江区",
                    "黄岩区",
                    "路桥区",
                    "临海市",
                    "温岭市",
                    "玉环市",
                    "三门县",
                    "天台县",
                    "仙居县",
                ],
            ),
            (
                "丽水",
                &[
                    "莲都区",
                    "龙泉市",
                    "青田县",
                    "缙云县",
                    "遂昌县",
                    "松阳县",
                    "云和县",
                    "庆元县",
                    "景宁畲族自治县",
                ],
            ),
        ];
        for (city, counties) in cities {
            for a in [
                format!("{city}市"),
                city.to_string(),
                format!("浙江省{city}市某某路1号"),
            ] {
                assert_eq!(Region::of_address(&a), Region::Zhejiang, "{a}");
            }
            for county in counties {
                for a in [
                    format!("{county}某某街道"),
                    format!("{city}市{county}"),
                    format!("浙江省{city}市{county}某某路"),
                    format!("浙江{county}"),
                ] {
                    assert_eq!(Region::of_address(&a), Region::Zhejiang, "{a}");
                }
            }
        }
        check(&[
            ("浙江", Region::Zhejiang),
            ("浙江省", Region::Zhejiang),
            ("浙江省某某镇工业园区", Region::Zhejiang),
            ("浙江省宁波市北仑区新碶街道", Region::Zhejiang),
            ("浙江省温州市乐清市柳市镇", Region::Zhejiang),
            ("义乌市稠城街道", Region::Zhejiang),
            ("慈溪市杭州湾新区滨海二路", Region::Zhejiang),
            ("普陀区沈家门街道", Region::Zhejiang),
            ("江北区慈城镇", Region::Zhejiang),
            ("宁波市江东区", Region::Zhejiang),
            ("绍兴县柯桥镇", Region::Zhejiang),
            ("浙江大学玉泉校区", Region::Zhejiang),
            ("浙江中医药大学", Region::Zhejiang),
        ]);
        check_names(&[
            ("浙江省", Region::Zhejiang, Some("浙江省")),
            ("浙江省台州市玉环市", Region::Zhejiang, Some("台州市")),
            ("景宁县", Region::Zhejiang, Some("景宁畲族自治县")),
        ]);
    }

    #[test]
    fn r3_4_other_provinces() {
        let provinces = [
            "北京市",
            "天津市",
            "上海市",
            "重庆市",
            "河北省",
            "山西省",
            "内蒙古自治区",
            "辽宁省",
            "吉林省",
            "黑龙江省",
            "江苏省",
            "安徽省",
            "福建省",
            "江西省",
            "山东省",
            "河南省",
            "湖北省",
            "湖南省",
            "广东省",
            "广西壮族自治区",
            "海南省",
            "四川省",
            "贵州省",
            "云南省",
            "西藏自治区",
            "陕西省",
            "甘肃省",
            "青海省",
            "宁夏回族自治区",
            "新疆维吾尔自治区",
            "香港特别行政区",
            "澳门特别行政区",
            "台湾省",
        ];
        for p in provinces {
            for a in [
                p.to_string(),
                format!("{p}某某市某某区人民路1号"),
                format!("中国{p}"),
                // A Zhejiang-looking name after the province does not move it.
                format!("{p}西湖区"),
            ] {
                assert_eq!(Region::of_address(&a), Region::OutOfProvince, "{a}");
            }
        }
        let cities = [
            "南京",
            "苏州",
            "无锡",
            "常州",
            "南通",
            "扬州",
            "镇江",
            "泰州",
            "徐州",
            "盐城",
            "淮安",
            "连云港",
            "宿迁",
            "合肥",
            "芜湖",
            "马鞍山",
            "黄山",
            "福州",
            "厦门",
            "泉州",
            "宁德",
            "南昌",
            "上饶",
            "景德镇",
            "济南",
            "青岛",
            "烟台",
            "潍坊",
            "郑州",
            "武汉",
            "长沙",
            "广州",
            "深圳",
            "东莞",
            "佛山",
            "成都",
            "西安",
            "昆明",
            "贵阳",
            "南宁",
            "石家庄",
            "太原",
            "沈阳",
            "大连",
            "长春",
            "哈尔滨",
            "兰州",
            "乌鲁木齐",
            "呼和浩特",
            "银川",
            "西宁",
            "拉萨",
            "海口",
            "三亚",
            "中山",
            "大同",
            "南阳",
            "三门峡",
        ];
        for c in cities {
            for a in [format!("{c}市"), format!("{c}市某某区某某路100号")] {
                assert_eq!(Region::of_address(&a), Region::OutOfProvince, "{a}");
            }
        }
        check(&[
            ("江苏省苏州市工业园区星湖街328号", Region::OutOfProvince),
            ("上海市普陀区真如镇", Region::OutOfProvince),
            ("南昌市西湖区", Region::OutOfProvince),
            ("江西省南昌市西湖区", Region::OutOfProvince),
            ("重庆市江北区观音桥", Region::OutOfProvince),
            ("重庆江北区", Region::OutOfProvince),
            ("上海浦东新区张江镇", Region::OutOfProvince),
            ("浦东新区世纪大道", Region::OutOfProvince),
            ("北京市海淀区中关村大街1号", Region::OutOfProvince),
            ("广东省中山市石岐区", Region::OutOfProvince),
            ("昆山市花桥镇", Region::OutOfProvince),
            ("河南省三门峡市", Region::OutOfProvince),
            ("成都市龙泉驿区", Region::OutOfProvince),
            ("龙泉驿区", Region::OutOfProvince),
            ("南京市江北新区", Region::OutOfProvince),
            ("桂林市象山区", Region::OutOfProvince),
            ("葫芦岛市龙港区", Region::OutOfProvince),
            ("苏州市吴江区", Region::OutOfProvince),
            ("香港九龙", Region::OutOfProvince),
            ("闵行区", Region::OutOfProvince),
            ("台北市信义区", Region::OutOfProvince),
            ("高雄市", Region::OutOfProvince),
            ("北京市朝阳区", Region::OutOfProvince),
            ("辽宁省朝阳市", Region::OutOfProvince),
            ("天津市滨海新区", Region::OutOfProvince),
        ]);
        check_names(&[
            ("上海市普陀区", Region::OutOfProvince, Some("上海市")),
            ("广西南宁", Region::OutOfProvince, Some("广西壮族自治区")),
            ("朝阳区", Region::OutOfProvince, Some("朝阳区")),
            (
                "云南省大理白族自治州",
                Region::OutOfProvince,
                Some("云南省"),
            ),
            (
                "大理白族自治州",
                Region::OutOfProvince,
                Some("大理白族自治州"),
            ),
        ]);
    }

    #[test]
    fn r3_4_mentions_hangzhou_but_elsewhere() {
        check(&[
            ("上海市杭州路", Region::OutOfProvince),
            ("青岛市杭州路10号", Region::OutOfProvince),
            ("南京市鼓楼区杭州南路", Region::OutOfProvince),
            ("天津市河西区杭州道", Region::OutOfProvince),
            ("宁波杭州湾新区", Region::Zhejiang),
            ("慈溪市杭州湾新区", Region::Zhejiang),
            ("杭州湾上虞经济技术开发区", Region::Zhejiang),
            ("杭州湾新区滨海二路", Region::Zhejiang),
            ("浙江省嘉兴市海盐县杭州湾大桥", Region::Zhejiang),
            // A street named after Hangzhou tells nothing by itself.
            ("杭州路10号", Region::Unknown),
            ("杭州南路88号", Region::Unknown),
            ("杭州中路", Region::Unknown),
            ("杭州湾跨海大桥", Region::Unknown),
            // Streets named after other places, inside a Zhejiang address.
            ("杭州市西湖区南京路", Region::HangzhouUrban),
            ("宁波市海曙区上海路", Region::Zhejiang),
            ("杭州市上城区延安路", Region::HangzhouUrban),
            ("浙江省杭州市建德路", Region::Unknown),
            // Rivers and roads that carry a place name.
            ("钱塘江", Region::Unknown),
            ("钱塘江北岸", Region::Unknown),
            ("运河南岸", Region::Unknown),
            ("杭州市拱墅区运河南岸", Region::HangzhouUrban),
            ("杭州湾", Region::Unknown),
            ("杭州大厦", Region::Unknown),
            ("中山北路100号", Region::Unknown),
            ("延安路", Region::Unknown),
            ("上海市浙江中路", Region::OutOfProvince),
            ("浙江中路", Region::Unknown),
            ("上海市虹口区嘉兴路街道", Region::OutOfProvince),
        ]);
        check_names(&[("杭州湾上虞经济技术开发区", Region::Zhejiang, Some("上虞区"))]);
    }

    #[test]
    fn r3_4_unknown_when_address_does_not_tell() {
        check(&[
            ("", Region::Unknown),
            ("   ", Region::Unknown),
            ("某某路123号", Region::Unknown),
            ("123456", Region::Unknown),
            ("中国", Region::Unknown),
            ("unknown address", Region::Unknown),
            ("杭州", Region::Unknown),
            ("杭州市", Region::Unknown),
            ("浙江省杭州市", Region::Unknown),
            ("杭州市文三路478号", Region::Unknown),
            ("中国杭州", Region::Unknown),
            ("杭州市某某街道某某村", Region::Unknown),
        ]);
        check_names(&[
            ("", Region::Unknown, None),
            ("某某路123号", Region::Unknown, None),
            ("浙江省杭州市", Region::Unknown, Some("杭州市")),
        ]);
    }

    #[test]
    fn r3_4_place_tables_are_consistent() {
        // Keys are simplified, distinct, and each place's own name resolves to it.
        let mut keys: Vec<&str> = data::PLACES.iter().map(|p| p.key).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len(), "duplicate keys");
        let mut failures = Vec::new();
        for p in data::PLACES {
            assert_eq!(normalise(p.key), p.key, "key not simplified: {}", p.key);
            assert_eq!(normalise(p.name), p.name, "name not simplified: {}", p.name);
            let expected = match p.kind {
                Kind::HangzhouUrban => Region::HangzhouUrban,
                Kind::HangzhouCounty | Kind::ZhejiangOther | Kind::ZhejiangProvince => {
                    Region::Zhejiang
                }
                Kind::OutOfProvince => Region::OutOfProvince,
                Kind::HangzhouCity | Kind::Feature => Region::Unknown,
            };
            let name = (p.kind != Kind::Feature).then_some(p.name);
            let got = Region::explain_address(p.name);
            if got != (expected, name) {
                failures.push(format!("{}: got {got:?}", p.name));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // The traditional table is sorted, has no chains and leaves no traditional key.
        assert!(
            data::TRAD_TO_SIMP
                .windows(2)
                .all(|w| matches!(w, [a, b] if a.0 < b.0))
        );
        for &(t, s) in data::TRAD_TO_SIMP {
            assert_eq!(simplify(s), s, "{t} → {s} maps again");
        }
    }
}
