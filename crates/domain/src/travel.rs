//! Dispatch (issue 8): where a place is, how long the road there takes, and which
//! technicians to propose for an on-site job.
//!
//! Everything is estimated offline. A site or a technician's base is placed at the seat
//! of the most specific division its address names ([`locate`], read by the same scanner
//! as [`Region::of_address`](crate::Region::of_address)); the road is the straight line
//! lengthened by a factor and driven at a configured speed, after a setup time
//! ([`travel_minutes`]). [`rank`] is the one place that decides the order in which
//! technicians are proposed: whoever can arrive before the deadline comes first.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

use crate::error::{Error, FieldErrors, Problem};
use crate::ids::UserId;
use crate::region;

#[path = "travel_data.rs"]
mod data;

/// A point on the earth, in degrees (WGS 84).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Coord {
    pub lat: f64,
    pub lon: f64,
}

/// A recognised place and the approximate seat of its government.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Located {
    /// The place's name with its suffix, as the region rules show it ("桐庐县").
    pub name: &'static str,
    pub coord: Coord,
}

/// A row of the seat table: (name, latitude, longitude, the division it lies in).
type Seat = (&'static str, f64, f64, &'static str);

fn seat(name: &str) -> Option<&'static Seat> {
    data::SEATS.iter().find(|s| s.0 == name)
}

fn located(s: &'static Seat) -> Located {
    Located {
        name: s.0,
        coord: Coord { lat: s.1, lon: s.2 },
    }
}

/// Whether `inner` lies (directly or further down) in the division named `outer`.
fn lies_in(inner: &Seat, outer: &str) -> bool {
    let mut within = inner.3;
    // The tables are at most four levels deep; the bound only guards against a cycle.
    for _ in 0..8 {
        if within.is_empty() {
            return false;
        }
        if within == outer {
            return true;
        }
        match seat(within) {
            Some(up) => within = up.3,
            None => return false,
        }
    }
    false
}

/// The most specific place an address names (county/district seat, else city, else
/// province capital), using the same normalisation/scanner as `Region::of_address`
/// (traditional→simplified, suffix rules, features like 钱塘江 never decide). None when
/// nothing is recognised.
///
/// The first place named decides, as for the region; a later place refines it only when
/// it lies in it ("浙江省杭州市桐庐县" → 桐庐县, but "上海市普陀区" stays 上海市 and
/// "南昌市西湖区" stays 南昌市).
pub fn locate(address: &str) -> Option<Located> {
    let mut best: Option<&'static Seat> = None;
    for name in region::place_names(address) {
        let Some(found) = seat(name) else { continue };
        match best {
            Some(current) if !lies_in(found, current.0) => {}
            _ => best = Some(found),
        }
    }
    best.map(located)
}

/// How road time is estimated. Kept in the settings; the defaults suit Zhejiang's roads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TravelSettings {
    /// Average road speed, km/h.
    pub road_kmh: u32,
    /// Road distance as a percentage of the straight line.
    pub road_factor_pct: u32,
    /// Minutes from being told to setting off.
    pub setup_minutes: u32,
}

impl Default for TravelSettings {
    fn default() -> Self {
        TravelSettings {
            road_kmh: 60,
            road_factor_pct: 130,
            setup_minutes: 15,
        }
    }
}

impl TravelSettings {
    pub const ROAD_KMH: (u32, u32) = (10, 150);
    pub const ROAD_FACTOR_PCT: (u32, u32) = (100, 300);
    pub const SETUP_MINUTES: (u32, u32) = (0, 240);

    /// The settings as typed; every bad field is named (`road_kmh`, `road_factor_pct`,
    /// `setup_minutes`).
    pub fn parse(
        road_kmh: &str,
        road_factor_pct: &str,
        setup_minutes: &str,
    ) -> Result<TravelSettings, Error> {
        let mut errs = FieldErrors::new();
        let road_kmh = errs.take("road_kmh", whole_in(road_kmh, Self::ROAD_KMH));
        let road_factor_pct = errs.take(
            "road_factor_pct",
            whole_in(road_factor_pct, Self::ROAD_FACTOR_PCT),
        );
        let setup_minutes = errs.take(
            "setup_minutes",
            whole_in(setup_minutes, Self::SETUP_MINUTES),
        );
        match (road_kmh, road_factor_pct, setup_minutes) {
            (Some(road_kmh), Some(road_factor_pct), Some(setup_minutes)) if errs.is_empty() => {
                Ok(TravelSettings {
                    road_kmh,
                    road_factor_pct,
                    setup_minutes,
                })
            }
            _ => Err(Error::Validation(errs)),
        }
    }
}

fn whole_in(typed: &str, (min, max): (u32, u32)) -> Result<u32, Problem> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(Problem::required());
    }
    typed
        .parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| Problem::invalid(format!("a whole number from {min} to {max}")))
}

/// Mean earth radius, km.
const EARTH_RADIUS_KM: f64 = 6371.0;

/// Great-circle (haversine) distance, km.
pub fn distance_km(a: Coord, b: Coord) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// The road time of a trip within one place (same seat), and the least any trip takes.
pub const LOCAL_TRIP_MINUTES: u32 = 10;

/// Setup + road distance (straight line × factor) at the road speed, rounded up to the
/// minute. A trip within one place (same seat) counts [`LOCAL_TRIP_MINUTES`], and no
/// trip counts less.
pub fn travel_minutes(from: Coord, to: Coord, s: &TravelSettings) -> u32 {
    let road_km = distance_km(from, to) * f64::from(s.road_factor_pct) / 100.0;
    let hours = road_km / f64::from(s.road_kmh.max(1));
    let minutes = (hours * 60.0).ceil();
    let road = if minutes.is_finite() && minutes > 0.0 {
        // Saturating float-to-int: at most u32::MAX.
        minutes as u32
    } else {
        0
    };
    s.setup_minutes.saturating_add(road.max(LOCAL_TRIP_MINUTES))
}

/// Where a technician sets off from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Their base (office or home).
    Base,
    /// The site of the job they are on.
    Job,
    /// Neither is known.
    Unknown,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Base => "base",
            Origin::Job => "job",
            Origin::Unknown => "unknown",
        }
    }
}

/// A technician who could be sent, as the dispatcher's page knows them.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub technician: UserId,
    /// Where they set off: the current job's site, else their base.
    pub from: Option<Located>,
    pub origin: Origin,
    /// Now, or when their current job is expected to end.
    pub free_at: DateTime<Utc>,
    /// Current load.
    pub open_jobs: u32,
    /// Skilled for the unit's product line (true when the line is unknown).
    pub knows_line: bool,
}

/// Whether a proposed technician would arrive before the job's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    InTime,
    Late,
    /// The job has no arrival deadline.
    NoDeadline,
    /// Where they are or where the site is is not known.
    Unknown,
}

impl Reach {
    pub fn as_str(self) -> &'static str {
        match self {
            Reach::InTime => "in_time",
            Reach::Late => "late",
            Reach::NoDeadline => "no_deadline",
            Reach::Unknown => "unknown",
        }
    }

    /// In time, then unknown, then late.
    fn rank(self) -> u8 {
        match self {
            Reach::InTime | Reach::NoDeadline => 0,
            Reach::Unknown => 1,
            Reach::Late => 2,
        }
    }
}

/// One technician proposed for a job, with the promise they imply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub technician: UserId,
    pub origin: Origin,
    /// The name of the place they set off from.
    pub from: Option<&'static str>,
    pub travel_minutes: Option<u32>,
    /// max(now, free_at) + travel time; None when a place is unknown.
    pub eta: Option<DateTime<Utc>>,
    pub reach: Reach,
    /// Deadline − eta, in minutes (negative when late).
    pub slack_minutes: Option<i64>,
    pub open_jobs: u32,
    pub knows_line: bool,
}

fn propose(
    c: &Candidate,
    site: Option<Coord>,
    deadline: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    s: &TravelSettings,
) -> Proposal {
    let travel = match (c.from, site) {
        (Some(from), Some(site)) => Some(travel_minutes(from.coord, site, s)),
        _ => None,
    };
    let eta = travel.and_then(|m| {
        now.max(c.free_at)
            .checked_add_signed(Duration::minutes(i64::from(m)))
    });
    let slack_minutes = match (deadline, eta) {
        (Some(deadline), Some(eta)) => Some((deadline - eta).num_minutes()),
        _ => None,
    };
    let reach = match (deadline, eta) {
        (None, _) => Reach::NoDeadline,
        (Some(_), None) => Reach::Unknown,
        (Some(deadline), Some(eta)) if eta <= deadline => Reach::InTime,
        (Some(_), Some(_)) => Reach::Late,
    };
    Proposal {
        technician: c.technician,
        origin: c.origin,
        from: c.from.map(|l| l.name),
        travel_minutes: travel,
        eta,
        reach,
        slack_minutes,
        open_jobs: c.open_jobs,
        knows_line: c.knows_line,
    }
}

/// Earlier first, unknown last.
fn by_eta(a: &Proposal, b: &Proposal) -> Ordering {
    (a.eta.is_none(), a.eta).cmp(&(b.eta.is_none(), b.eta))
}

/// Rank candidates for a job at `site` with arrival `deadline` (None for jobs without
/// one). Rule (the one place it is decided): every candidate who can arrive in time ranks
/// above every candidate who cannot or whose eta is unknown; then Unknown above Late;
/// within a group: skilled for the line first, then fewer open jobs, then earlier eta,
/// then technician id (stable). With no deadline: skilled first, then eta, then load.
///
/// eta = max(now, free_at) + travel_minutes(from, site); Unknown when either place is
/// unknown.
pub fn rank(
    site: Option<Coord>,
    deadline: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    candidates: &[Candidate],
    s: &TravelSettings,
) -> Vec<Proposal> {
    let mut proposals: Vec<Proposal> = candidates
        .iter()
        .map(|c| propose(c, site, deadline, now, s))
        .collect();
    proposals.sort_by(|a, b| {
        let skilled_first = b.knows_line.cmp(&a.knows_line);
        let load = a.open_jobs.cmp(&b.open_jobs);
        let within = if deadline.is_some() {
            skilled_first.then(load).then_with(|| by_eta(a, b))
        } else {
            skilled_first.then_with(|| by_eta(a, b)).then(load)
        };
        a.reach
            .rank()
            .cmp(&b.reach.rank())
            .then(within)
            .then(a.technician.cmp(&b.technician))
    });
    proposals
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
    }

    fn place(address: &str) -> Located {
        locate(address).unwrap_or_else(|| panic!("{address} not located"))
    }

    fn km(a: &str, b: &str) -> f64 {
        distance_km(place(a).coord, place(b).coord)
    }

    // ---- the seat table ----

    #[test]
    fn travel_every_region_place_has_a_seat() {
        let missing: Vec<&str> = region::administrative_place_names()
            .filter(|name| seat(name).is_none())
            .collect();
        assert!(missing.is_empty(), "no coordinate for {missing:?}");
        // And nothing stray: every row is a place of the region tables.
        let known: Vec<&str> = region::administrative_place_names().collect();
        let stray: Vec<&str> = data::SEATS
            .iter()
            .map(|s| s.0)
            .filter(|n| !known.contains(n))
            .collect();
        assert!(stray.is_empty(), "rows for unknown places {stray:?}");
        let mut names: Vec<&str> = data::SEATS.iter().map(|s| s.0).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "a place has two rows");
    }

    #[test]
    fn travel_every_place_located_by_its_own_name() {
        let failures: Vec<String> = region::administrative_place_names()
            .filter_map(|name| {
                let got = locate(name).map(|l| l.name);
                (got != Some(name)).then(|| format!("{name}: got {got:?}"))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn travel_seats_are_plausible() {
        let mut failures = Vec::new();
        for row @ &(name, lat, lon, within) in data::SEATS {
            if !(15.0..54.0).contains(&lat) || !(73.0..136.0).contains(&lon) {
                failures.push(format!("{name}: ({lat}, {lon}) is not in China"));
            }
            if within.is_empty() {
                continue;
            }
            let Some(up) = seat(within) else {
                failures.push(format!("{name}: lies in unknown {within}"));
                continue;
            };
            if lies_in(up, name) {
                failures.push(format!("{name}: lies in itself"));
            }
            // A district or county lies near its city, a city within its province.
            let limit = if up.3.is_empty() { 1500.0 } else { 150.0 };
            let d = distance_km(located(row).coord, located(up).coord);
            if d > limit {
                failures.push(format!("{name}: {d:.0} km from {within}"));
            }
            let in_zhejiang = lies_in(row, "浙江省");
            if in_zhejiang && (!(27.0..31.5).contains(&lat) || !(118.0..123.0).contains(&lon)) {
                failures.push(format!("{name}: ({lat}, {lon}) is not in Zhejiang"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn travel_known_straight_line_distances() {
        let cases = [
            ("杭州市上城区", "温州市鹿城区", 250.0, 280.0),
            ("杭州市", "桐庐县", 70.0, 85.0),
            ("杭州市", "上海市", 160.0, 175.0),
            ("杭州市上城区", "宁波市海曙区", 130.0, 150.0),
            ("杭州市", "北京市", 1100.0, 1150.0),
            ("杭州市", "广州市", 1000.0, 1080.0),
            ("杭州市西湖区", "杭州市西湖区", 0.0, 0.001),
        ];
        for (a, b, min, max) in cases {
            let d = km(a, b);
            assert!((min..=max).contains(&d), "{a} → {b}: {d:.1} km");
            assert!((km(b, a) - d).abs() < 1e-9, "{a} ↔ {b} not symmetric");
        }
    }

    // ---- locate ----

    fn check_locate(cases: &[(&str, Option<&str>)]) {
        let failures: Vec<String> = cases
            .iter()
            .filter_map(|&(address, expected)| {
                let got = locate(address).map(|l| l.name);
                (got != expected)
                    .then(|| format!("{address:?}: expected {expected:?}, got {got:?}"))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn locate_prefers_county_over_city() {
        check_locate(&[
            ("浙江省杭州市桐庐县城南街道", Some("桐庐县")),
            ("杭州市淳安县千岛湖镇", Some("千岛湖")),
            ("浙江省温州市乐清市柳市镇", Some("乐清市")),
            ("浙江省宁波市北仑区新碶街道", Some("北仑区")),
            ("杭州市西湖区文三路478号", Some("西湖区")),
            ("浙江省萧山市", Some("萧山区")),
            ("江苏省苏州市昆山市花桥镇", Some("昆山市")),
            ("北京市朝阳区", Some("朝阳区")),
            ("辽宁省朝阳市", Some("朝阳市")),
            // Only a city, or only a province (at its capital).
            ("杭州市文三路478号", Some("杭州市")),
            ("浙江省杭州市", Some("杭州市")),
            ("浙江省某某镇工业园区", Some("浙江省")),
            ("江苏省苏州市工业园区星湖街328号", Some("苏州市")),
            ("广东省", Some("广东省")),
            // A place named after the district is not moved back to its city.
            ("西湖区文三路, 杭州市, 浙江省", Some("西湖区")),
        ]);
        // A province lies at its capital.
        assert!(km("浙江省", "杭州市") < 10.0);
        assert!(km("江苏省", "南京市") < 10.0);
    }

    #[test]
    fn locate_traditional_address() {
        check_locate(&[
            ("浙江省杭州市桐廬縣城南街道", Some("桐庐县")),
            ("浙江省杭州市蕭山區寧圍街道市心北路", Some("萧山区")),
            ("浙江省溫州市樂清市柳市鎮", Some("乐清市")),
            ("浙江省臺州市黃岩區", Some("黄岩区")),
            ("杭州市錢塘區下沙街道", Some("钱塘区")),
            ("上海市普陀區", Some("上海市")),
            ("　杭州市　西湖区　", Some("西湖区")),
        ]);
    }

    #[test]
    fn locate_follows_the_region_rules() {
        check_locate(&[
            // A Zhejiang-looking district after another city does not move it.
            ("上海市普陀区真如镇", Some("上海市")),
            ("南昌市西湖区", Some("南昌市")),
            ("重庆市江北区观音桥", Some("重庆市")),
            ("桂林市象山区", Some("桂林市")),
            // Rivers, bays and streets never decide.
            ("钱塘江北岸", None),
            ("杭州湾跨海大桥", None),
            ("杭州市拱墅区运河南岸", Some("拱墅区")),
            ("杭州湾上虞经济技术开发区", Some("上虞区")),
            ("宁波市海曙区上海路", Some("海曙区")),
            ("杭州路10号", None),
            // Nothing recognised.
            ("", None),
            ("某某路123号", None),
            ("unknown address", None),
        ]);
    }

    // ---- settings and road time ----

    #[test]
    fn travel_settings_default_and_parse() {
        let d = TravelSettings::default();
        assert_eq!(
            (d.road_kmh, d.road_factor_pct, d.setup_minutes),
            (60, 130, 15)
        );
        assert_eq!(TravelSettings::parse("60", "130", "15"), Ok(d));
        assert_eq!(
            TravelSettings::parse(" 10 ", "300", "0"),
            Ok(TravelSettings {
                road_kmh: 10,
                road_factor_pct: 300,
                setup_minutes: 0
            })
        );
        assert!(TravelSettings::parse("150", "100", "240").is_ok());
    }

    #[test]
    fn travel_settings_bad_input_names_field() {
        /// (road_kmh, road_factor_pct, setup_minutes, the (field, code) problems expected)
        type Case = (
            &'static str,
            &'static str,
            &'static str,
            &'static [(&'static str, &'static str)],
        );
        let cases: [Case; 10] = [
            ("", "130", "15", &[("road_kmh", "required")]),
            ("9", "130", "15", &[("road_kmh", "invalid")]),
            ("151", "130", "15", &[("road_kmh", "invalid")]),
            ("fast", "130", "15", &[("road_kmh", "invalid")]),
            ("60.5", "130", "15", &[("road_kmh", "invalid")]),
            ("60", "99", "15", &[("road_factor_pct", "invalid")]),
            ("60", "301", "15", &[("road_factor_pct", "invalid")]),
            ("60", "130", "-1", &[("setup_minutes", "invalid")]),
            ("60", "130", "241", &[("setup_minutes", "invalid")]),
            (
                "0",
                "",
                "1000",
                &[
                    ("road_kmh", "invalid"),
                    ("road_factor_pct", "required"),
                    ("setup_minutes", "invalid"),
                ],
            ),
        ];
        for (kmh, factor, setup, expected) in cases {
            let Err(Error::Validation(errs)) = TravelSettings::parse(kmh, factor, setup) else {
                panic!("{kmh:?} {factor:?} {setup:?} accepted");
            };
            let got: Vec<(&str, &str)> = errs.0.iter().map(|(f, p)| (f.as_str(), p.code)).collect();
            let mut want = expected.to_vec();
            want.sort_unstable();
            assert_eq!(got, want, "{kmh:?} {factor:?} {setup:?}");
        }
    }

    #[test]
    fn travel_minutes_is_setup_plus_road_rounded_up() {
        let s = TravelSettings::default();
        let hz = place("杭州市上城区").coord;
        let tl = place("桐庐县").coord;
        let wz = place("温州市鹿城区").coord;
        // Same place: setup + the local trip.
        assert_eq!(travel_minutes(hz, hz, &s), 15 + LOCAL_TRIP_MINUTES);
        // At 60 km/h and the straight line, a minute per km, rounded up.
        let straight = TravelSettings {
            road_kmh: 60,
            road_factor_pct: 100,
            setup_minutes: 0,
        };
        for (a, b) in [(hz, tl), (hz, wz), (tl, wz)] {
            let d = distance_km(a, b);
            assert_eq!(f64::from(travel_minutes(a, b, &straight)), d.ceil(), "{d}");
        }
        // The defaults: 130 % of the line at 60 km/h plus 15 minutes.
        let m = travel_minutes(hz, wz, &s);
        assert_eq!(f64::from(m), 15.0 + (distance_km(hz, wz) * 1.3).ceil());
        assert!((340..=380).contains(&m), "{m}");
        // Faster roads, shorter trips; a longer setup, a longer trip; symmetric.
        let fast = TravelSettings { road_kmh: 120, ..s };
        assert!(travel_minutes(hz, wz, &fast) < m);
        let slow_start = TravelSettings {
            setup_minutes: 60,
            ..s
        };
        assert_eq!(travel_minutes(hz, wz, &slow_start), m + 45);
        assert_eq!(travel_minutes(wz, hz, &s), m);
        // Two seats a kilometre apart take no less than one place's local trip.
        let near = Coord {
            lat: hz.lat + 0.009,
            lon: hz.lon,
        };
        assert_eq!(travel_minutes(hz, near, &s), 15 + LOCAL_TRIP_MINUTES);
    }

    // ---- ranking ----

    fn tech(
        id: i64,
        from: Option<&str>,
        free_at: DateTime<Utc>,
        open_jobs: u32,
        knows_line: bool,
    ) -> Candidate {
        let from = from.map(place);
        Candidate {
            technician: UserId(id),
            from,
            origin: if from.is_some() {
                Origin::Base
            } else {
                Origin::Unknown
            },
            free_at,
            open_jobs,
            knows_line,
        }
    }

    fn ids(ps: &[Proposal]) -> Vec<i64> {
        ps.iter().map(|p| p.technician.0).collect()
    }

    /// Every ordering of `0..n` (Heap's algorithm).
    fn permutations(n: usize) -> Vec<Vec<usize>> {
        fn go(k: usize, v: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
            if k <= 1 {
                out.push(v.clone());
                return;
            }
            for i in 0..k {
                go(k - 1, v, out);
                let j = if k.is_multiple_of(2) { i } else { 0 };
                v.swap(j, k - 1);
            }
        }
        let mut out = Vec::new();
        go(n, &mut (0..n).collect(), &mut out);
        out
    }

    /// A small, varied crew: near and far, idle and busy, skilled or not, place unknown.
    fn crew() -> Vec<Candidate> {
        let now = at(9, 0);
        vec![
            tech(1, Some("温州市鹿城区"), now, 0, true),
            tech(2, Some("杭州市西湖区"), at(11, 0), 3, false),
            tech(3, Some("桐庐县"), now, 1, true),
            tech(4, None, now, 0, true),
            tech(5, Some("杭州市萧山区"), at(9, 30), 5, true),
            tech(6, Some("上海市"), now, 0, false),
            tech(7, Some("杭州市上城区"), now, 2, false),
        ]
    }

    #[test]
    fn dispatch_in_time_technician_never_ranked_below_late_one() {
        let s = TravelSettings::default();
        let now = at(9, 0);
        let crew = crew();
        let site = Some(place("杭州市滨江区").coord);
        let perms = permutations(crew.len());
        assert_eq!(perms.len(), 5040);
        let mut groups_seen = Vec::new();
        for deadline_min in (0..=8 * 60).step_by(20) {
            let deadline = Some(now + Duration::minutes(deadline_min));
            let expected = rank(site, deadline, now, &crew, &s);
            groups_seen.push(expected.iter().map(|p| p.reach).collect::<Vec<_>>());
            for (i, p) in expected.iter().enumerate() {
                for q in &expected[i + 1..] {
                    assert!(
                        p.reach.rank() <= q.reach.rank(),
                        "deadline +{deadline_min}: {p:?} above {q:?}"
                    );
                }
                // The reach agrees with the promise.
                match (p.reach, p.slack_minutes) {
                    (Reach::InTime, Some(slack)) => assert!(slack >= 0),
                    (Reach::Late, Some(slack)) => assert!(slack < 0),
                    (Reach::Unknown, None) => assert!(p.eta.is_none()),
                    other => panic!("{other:?} for {p:?}"),
                }
            }
            // The order does not depend on the order candidates come in.
            for perm in perms.iter().step_by(7) {
                let shuffled: Vec<Candidate> = perm.iter().map(|&i| crew[i].clone()).collect();
                assert_eq!(
                    ids(&rank(site, deadline, now, &shuffled, &s)),
                    ids(&expected),
                    "deadline +{deadline_min}, order {perm:?}"
                );
            }
        }
        // The deadlines swept from everyone late to everyone in time.
        assert!(groups_seen.iter().any(|g| !g.contains(&Reach::InTime)));
        assert!(groups_seen.iter().any(|g| !g.contains(&Reach::Late)));
        assert!(
            groups_seen
                .iter()
                .any(|g| g.contains(&Reach::InTime) && g.contains(&Reach::Late))
        );
    }

    #[test]
    fn dispatch_in_time_beats_skill_and_load() {
        let s = TravelSettings::default();
        let now = at(9, 0);
        let site = Some(place("杭州市滨江区").coord);
        // A busy, unskilled technician next door against an idle, skilled one far away.
        let crew = [
            tech(1, Some("温州市鹿城区"), now, 0, true),
            tech(2, Some("杭州市上城区"), now, 9, false),
        ];
        let ranked = rank(site, Some(at(10, 30)), now, &crew, &s);
        assert_eq!(ids(&ranked), [2, 1]);
        assert_eq!(ranked[0].reach, Reach::InTime);
        assert_eq!(ranked[1].reach, Reach::Late);
    }

    #[test]
    fn dispatch_unknown_place_ranks_between_in_time_and_late() {
        let s = TravelSettings::default();
        let now = at(9, 0);
        let site = Some(place("杭州市滨江区").coord);
        let crew = [
            tech(1, Some("温州市鹿城区"), now, 0, true),
            tech(2, None, now, 0, true),
            tech(3, Some("杭州市上城区"), now, 4, false),
        ];
        let ranked = rank(site, Some(at(10, 30)), now, &crew, &s);
        assert_eq!(ids(&ranked), [3, 2, 1]);
        assert_eq!(
            ranked.iter().map(|p| p.reach).collect::<Vec<_>>(),
            [Reach::InTime, Reach::Unknown, Reach::Late]
        );
        assert_eq!(
            (ranked[1].eta, ranked[1].travel_minutes, ranked[1].from),
            (None, None, None)
        );
        // An unknown site leaves everyone unknown, ranked by skill, then load.
        let ranked = rank(None, Some(at(10, 30)), now, &crew, &s);
        assert!(
            ranked
                .iter()
                .all(|p| p.reach == Reach::Unknown && p.eta.is_none())
        );
        assert_eq!(ids(&ranked), [1, 2, 3]);
    }

    #[test]
    fn dispatch_skilled_first_within_group() {
        let s = TravelSettings::default();
        let now = at(9, 0);
        let site = Some(place("杭州市滨江区").coord);
        let crew = [
            tech(1, Some("杭州市上城区"), now, 0, false),
            tech(2, Some("杭州市萧山区"), now, 3, true),
            tech(3, Some("杭州市西湖区"), now, 1, true),
            tech(4, Some("杭州市拱墅区"), now, 1, true),
            tech(5, Some("杭州市滨江区"), now, 1, true),
        ];
        // All in time: skilled first, then fewer open jobs, then earlier eta.
        let ranked = rank(site, Some(at(17, 0)), now, &crew, &s);
        assert!(ranked.iter().all(|p| p.reach == Reach::InTime));
        assert_eq!(ids(&ranked), [5, 3, 4, 2, 1]);
        // Same load and same place: the technician id settles it.
        let twins = [
            tech(9, Some("杭州市西湖区"), now, 1, true),
            tech(8, Some("杭州市西湖区"), now, 1, true),
        ];
        assert_eq!(ids(&rank(site, Some(at(17, 0)), now, &twins, &s)), [8, 9]);
        // All late: the same order inside the late group.
        let ranked = rank(site, Some(at(9, 5)), now, &crew, &s);
        assert!(ranked.iter().all(|p| p.reach == Reach::Late));
        assert_eq!(ids(&ranked), [5, 3, 4, 2, 1]);
    }

    #[test]
    fn dispatch_without_deadline_skilled_then_eta_then_load() {
        let s = TravelSettings::default();
        let now = at(9, 0);
        let site = Some(place("杭州市滨江区").coord);
        let crew = [
            tech(1, Some("杭州市滨江区"), now, 0, false),
            tech(2, Some("桐庐县"), now, 0, true),
            tech(3, Some("杭州市滨江区"), now, 4, true),
            tech(4, Some("杭州市滨江区"), now, 2, true),
            tech(5, None, now, 0, true),
        ];
        let ranked = rank(site, None, now, &crew, &s);
        assert_eq!(ids(&ranked), [4, 3, 2, 5, 1]);
        assert!(
            ranked
                .iter()
                .all(|p| p.reach == Reach::NoDeadline && p.slack_minutes.is_none())
        );
    }

    #[test]
    fn dispatch_eta_counts_from_when_the_technician_is_free() {
        let s = TravelSettings::default();
        let now = at(9, 0);
        let site = place("杭州市滨江区").coord;
        let from = place("杭州市西湖区");
        let trip = travel_minutes(from.coord, site, &s);
        let cases = [
            // free_at, deadline, when the trip starts, reach
            (now, at(12, 0), now, Reach::InTime),
            (at(8, 0), at(12, 0), now, Reach::InTime),
            (at(11, 0), at(12, 0), at(11, 0), Reach::InTime),
            (at(11, 50), at(12, 0), at(11, 50), Reach::Late),
        ];
        for (free_at, deadline, start, reach) in cases {
            let c = Candidate {
                technician: UserId(1),
                from: Some(from),
                origin: Origin::Job,
                free_at,
                open_jobs: 1,
                knows_line: true,
            };
            let [p] = rank(Some(site), Some(deadline), now, &[c], &s)
                .try_into()
                .unwrap();
            let eta = start + Duration::minutes(i64::from(trip));
            assert_eq!(
                p,
                Proposal {
                    technician: UserId(1),
                    origin: Origin::Job,
                    from: Some("西湖区"),
                    travel_minutes: Some(trip),
                    eta: Some(eta),
                    reach,
                    slack_minutes: Some((deadline - eta).num_minutes()),
                    open_jobs: 1,
                    knows_line: true,
                },
                "free at {free_at}"
            );
        }
        // Arriving exactly at the deadline is in time.
        let c = tech(1, Some("杭州市西湖区"), now, 0, true);
        let deadline = now + Duration::minutes(i64::from(trip));
        let [p] = rank(Some(site), Some(deadline), now, &[c], &s)
            .try_into()
            .unwrap();
        assert_eq!((p.reach, p.slack_minutes), (Reach::InTime, Some(0)));
    }

    #[test]
    fn dispatch_enums_serialise_snake_case() {
        for r in [
            Reach::InTime,
            Reach::Late,
            Reach::NoDeadline,
            Reach::Unknown,
        ] {
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        for o in [Origin::Base, Origin::Job, Origin::Unknown] {
            assert_eq!(serde_json::to_value(o).unwrap(), o.as_str());
        }
    }
}
