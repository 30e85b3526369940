//! The translation catalogue: every string people read, in Simplified Chinese and English.
//!
//! The texts live in one file per language, `i18n/zh-CN.toml` and `i18n/en.toml`, which
//! translators edit; they are compiled into the binary and read once. Keys are in the
//! domain's words (`kind.emergency`, `deadline.arrival`, `status.on_site`, `err.required`),
//! the same names the code, the database and the API use. A key missing from the catalogue
//! shows as itself. The tests make sure both files parse, hold the same keys with the same
//! `{name}` placeholders and no empty text, that every key the code asks for exists and
//! that every key is asked for.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::LazyLock;

/// The language a page is shown in. Simplified Chinese unless the person chose English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// `zh` or `en`, as the language switch and its cookie carry it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == s.trim())
    }

    /// The language an `Accept-Language` header prefers: the supported language with the
    /// highest `q` (the first listed on a tie), Chinese when it names neither.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let primary = tag.split('-').next().unwrap_or_default();
            let lang = if primary.eq_ignore_ascii_case("zh") {
                Lang::Zh
            } else if primary.eq_ignore_ascii_case("en") {
                Lang::En
            } else {
                continue;
            };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|v| v.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map_or_else(Lang::default, |(_, lang)| lang)
    }

    /// The value of `<html lang>`.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The text for `key`; the Chinese text when the English lacks it; the key itself when
    /// the catalogue lacks it.
    pub fn t(self, key: &str) -> &str {
        let texts = match self {
            Lang::Zh => &CATALOGUE.zh,
            Lang::En => &CATALOGUE.en,
        };
        texts
            .get(key)
            .or_else(|| CATALOGUE.zh.get(key))
            .map_or(key, String::as_str)
    }

    /// Whether the catalogue has `key`.
    pub fn has(key: &str) -> bool {
        CATALOGUE.zh.contains_key(key)
    }

    /// The text for `key` with each `{name}` replaced by its value.
    pub fn f(self, key: &str, args: &[(&str, &dyn Display)]) -> String {
        let mut s = self.t(key).to_string();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), &value.to_string());
        }
        s
    }

    /// Why a unit has the coverage it has, in a sentence with its dates (R2 decision).
    pub fn coverage_reason(self, c: &sanbao_domain::coverage::Coverage) -> String {
        let (key, args) = c.reason();
        let args: Vec<(&str, &dyn Display)> =
            args.iter().map(|(k, v)| (*k, v as &dyn Display)).collect();
        self.f(key, &args)
    }

    /// Why a return is or is not allowed, in a sentence naming the rule (R2.2, R2.5).
    pub fn return_rule(self, e: &sanbao_domain::returns::Eligibility) -> String {
        let (key, args) = e.reason();
        let args: Vec<(&str, &dyn Display)> =
            args.iter().map(|(k, v)| (*k, v as &dyn Display)).collect();
        self.f(key, &args)
    }

    /// A span of time in words, to the minute: "35 分钟", "1 小时 5 分", "2 天 3 小时".
    pub fn duration(self, minutes: i64) -> String {
        let m = minutes.max(0);
        let (d, h, min) = (m / 1440, (m % 1440) / 60, m % 60);
        if d > 0 {
            self.f("dur.d_h", &[("d", &d), ("h", &h)])
        } else if h > 0 && min > 0 {
            self.f("dur.h_min", &[("h", &h), ("m", &min)])
        } else if h > 0 {
            self.f("dur.h", &[("h", &h)])
        } else {
            self.f("dur.min", &[("n", &min)])
        }
    }

    /// A validation problem's words: `err.CODE.FIELD` when the field has its own, else
    /// `err.CODE`. `field` is the API's name (`contacts[2].phone` reads as `phone`).
    pub fn problem(self, code: &str, field: &str) -> String {
        let base = field.rsplit('.').next().unwrap_or(field);
        let specific = format!("err.{code}.{base}");
        if Lang::has(&specific) {
            return self.t(&specific).to_string();
        }
        let general = format!("err.{code}");
        if Lang::has(&general) {
            self.t(&general).to_string()
        } else {
            self.t("err.invalid").to_string()
        }
    }
}

/// The catalogue's files, as translators edit them.
const ZH_CN_TOML: &str = include_str!("../i18n/zh-CN.toml");
const EN_TOML: &str = include_str!("../i18n/en.toml");

/// Key → text, for each language.
struct Catalogue {
    zh: HashMap<String, String>,
    en: HashMap<String, String>,
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| Catalogue {
    zh: read_texts("zh-CN.toml", ZH_CN_TOML),
    en: read_texts("en.toml", EN_TOML),
});

/// A catalogue file's texts. One that cannot be read (the tests make sure none is shipped)
/// is logged and leaves its language showing keys, rather than stopping the service.
fn read_texts(file: &str, text: &str) -> HashMap<String, String> {
    toml::from_str(text).unwrap_or_else(|e| {
        tracing::error!(file, error = %e, "translation catalogue unreadable");
        HashMap::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::web::view::state_name;
    use chrono::Utc;
    use sanbao_domain::customer::{Customer, CustomerFields};
    use sanbao_domain::ticket::{
        Channel, DeadlineKind, DeadlineState, EventType, NewTicket, TicketKind, TicketStatus,
    };
    use sanbao_domain::{CustomerId, Region, Role, TicketId, UserId};
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    /// The codes a validation problem carries (`err.CODE`).
    const PROBLEM_CODES: [&str; 18] = [
        "required",
        "too_long",
        "too_short",
        "invalid",
        "in_future",
        "taken",
        "not_found",
        "not_allowed",
        // An idempotency key sent again with another request.
        "reused",
        // Passwords.
        "too_common",
        "same_as_name",
        "same_as_old",
        "wrong",
        "mismatch",
        "too_many",
        // Accounts: the last administrator stays one.
        "last_admin",
        // A reported arrival: not before the dispatch; late only with a reason.
        "before_dispatch",
        "required_late",
    ];

    fn file(name: &str, text: &str) -> BTreeMap<String, String> {
        toml::from_str(text).unwrap_or_else(|e| panic!("{name} does not parse: {e}"))
    }

    /// The `{name}`s of a text.
    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.match_indices('{')
            .filter_map(|(i, _)| text[i + 1..].split_once('}').map(|(name, _)| name))
            .filter(|name| name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            .collect()
    }

    #[test]
    fn both_files_parse_with_the_same_keys_placeholders_and_no_empty_text() {
        let zh = file("zh-CN.toml", ZH_CN_TOML);
        let en = file("en.toml", EN_TOML);
        assert!(zh.len() > 100, "zh-CN.toml holds only {} texts", zh.len());
        let only_zh: Vec<&String> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
        let only_en: Vec<&String> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
        assert!(only_zh.is_empty(), "missing from en.toml: {only_zh:?}");
        assert!(only_en.is_empty(), "missing from zh-CN.toml: {only_en:?}");
        for (key, z) in &zh {
            let e = &en[key];
            assert!(
                !z.trim().is_empty() && !e.trim().is_empty(),
                "{key}: empty text"
            );
            assert_eq!(
                placeholders(z),
                placeholders(e),
                "{key}: placeholders differ"
            );
        }
        assert_eq!(
            (CATALOGUE.zh.len(), CATALOGUE.en.len()),
            (zh.len(), en.len())
        );
    }

    /// Every file that asks for keys: the templates, the Rust sources (this one without
    /// its tests) and the script.
    fn sources() -> Vec<(PathBuf, String)> {
        fn collect(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    collect(&path, ext, out);
                } else if path.extension().is_some_and(|x| x == ext) {
                    out.push(path);
                }
            }
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths = Vec::new();
        collect(&root.join("templates"), "html", &mut paths);
        collect(&root.join("src"), "rs", &mut paths);
        paths.push(root.join("static/app.js"));
        paths
            .into_iter()
            .map(|path| {
                let mut text = std::fs::read_to_string(&path).unwrap();
                if path.ends_with("src/i18n.rs")
                    && let Some(i) = text.find("#[cfg(test)]")
                {
                    text.truncate(i);
                }
                (path, text)
            })
            .collect()
    }

    fn deadline_states() -> [DeadlineState; 8] {
        use DeadlineState::*;
        // A new state fails to compile here until it is listed below.
        let _every_state_listed = |s: DeadlineState| match s {
            Pending | Warning | DueSoon | Breached | Paused | Met | MetLate | Void => (),
        };
        [
            Pending, Warning, DueSoon, Breached, Paused, Met, MetLate, Void,
        ]
    }

    /// The fields a ticket's audit record compares, as its timeline names them (the
    /// deadlines are shown by their own names).
    /// Every sentence the domain explains a coverage decision with: one unit at each stage
    /// of its life, under the default policy and one that repairs free for life.
    fn coverage_reason_keys() -> BTreeSet<String> {
        use sanbao_domain::coverage::{UnitDates, coverage_on};
        use sanbao_domain::product::{AfterFreeRepair, WarrantyPolicy};
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let life = WarrantyPolicy {
            after_free_repair: AfterFreeRepair::Free,
            ..WarrantyPolicy::default_for("free")
        };
        let commissioned = UnitDates {
            commissioned_on: Some(d("2020-01-01")),
            ..UnitDates::default()
        };
        let accepted = UnitDates {
            accepted_on: Some(d("2020-01-01")),
            ..UnitDates::default()
        };
        let shipped = UnitDates {
            shipped_on: Some(d("2020-01-01")),
            ..UnitDates::default()
        };
        let mut out = BTreeSet::new();
        for (dates, line, on) in [
            (commissioned, "x", "2020-06-01"),
            (commissioned, "x", "2023-01-01"),
            (commissioned, "x", "2030-01-01"),
            (commissioned, "free", "2030-01-01"),
            (accepted, "x", "2021-01-01"),
            (shipped, "x", "2021-01-01"),
            (UnitDates::default(), "x", "2021-01-01"),
        ] {
            let c = coverage_on(&dates, line, std::slice::from_ref(&life), d(on));
            out.insert(c.reason().0.to_string());
        }
        assert_eq!(out.len(), 7, "each stage has its own sentence");
        out
    }

    fn ticket_audit_fields() -> Vec<String> {
        let now = Utc::now();
        let ticket = NewTicket {
            kind: TicketKind::Emergency,
            channel: Channel::Phone,
            customer_id: CustomerId(1),
            unit_text: None,
            summary: "-".into(),
            received_at: now,
            site_region: Region::Zhejiang,
            site_id: None,
            unit_id: None,
            coverage: None,
            deadlines: Vec::new(),
            created_by: UserId(1),
            created_at: now,
            assignee_id: None,
        }
        .into_ticket(TicketId(1));
        let view = ticket.audit_view();
        view.as_object()
            .unwrap()
            .keys()
            .filter(|k| *k != "deadlines")
            .cloned()
            .collect()
    }

    /// The fields a customer's audit record compares: the customer as it serializes,
    /// without its id, instants and version.
    fn customer_audit_fields() -> Vec<String> {
        let customer = Customer {
            id: CustomerId(1),
            fields: CustomerFields {
                name: "-".into(),
                address: "-".into(),
                salesperson_id: None,
                notes: None,
                contacts: Vec::new(),
            },
            region: Region::Unknown,
            region_correction: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            version: 1,
        };
        let view = serde_json::to_value(&customer).unwrap();
        view.as_object()
            .unwrap()
            .keys()
            .filter(|k| !["id", "created_at", "updated_at", "version"].contains(&k.as_str()))
            .cloned()
            .collect()
    }

    /// Keys the code builds from domain names (`kind.{kind}`, `field.{field}`, …): every
    /// value of each enum, every field of the audit records, the problems' codes.
    fn built_keys() -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        keys.extend(Region::ALL.iter().map(|r| format!("region.{}", r.as_str())));
        keys.extend(Role::ALL.iter().map(|r| format!("role.{}", r.as_str())));
        keys.extend(TicketKind::ALL.iter().map(|k| format!("kind.{k}")));
        keys.extend(Channel::ALL.iter().map(|k| format!("channel.{k}")));
        keys.extend(TicketStatus::ALL.iter().map(|k| format!("status.{k}")));
        keys.extend(DeadlineKind::ALL.iter().map(|k| format!("deadline.{k}")));
        keys.extend(
            DeadlineKind::ALL
                .iter()
                .map(|k| format!("deadline.goal.{k}")),
        );
        // What the watcher and a recomputation write on a ticket's timeline.
        for a in sanbao_domain::deadline::Alarm::ALL {
            keys.insert(format!("event.alarm_{}", a.as_str()));
            keys.insert(format!("alarm.{}.subject", a.as_str()));
            keys.insert(format!("alarm.{}.body", a.as_str()));
        }
        keys.insert("event.recompute".to_string());
        // An account's history: its actions and the fields it shows.
        for a in [
            "create",
            "update",
            "deactivate",
            "reactivate",
            "change_password",
        ] {
            keys.insert(format!("users.action.{a}"));
        }
        for f in ["display_name", "role", "active", "username"] {
            keys.insert(format!("users.field.{f}"));
        }
        keys.insert("error.busy.title".to_string());
        keys.insert("error.busy.body".to_string());
        // The life story: its kinds (the filter) and its events (the lines).
        for k in sanbao_domain::life::LifeKind::ALL {
            keys.insert(format!("life.kind.{}", k.as_str()));
        }
        for e in sanbao_domain::life::LifeEvent::NAMES {
            keys.insert(format!("life.event.{e}"));
        }
        // The monthly report: its tables, their notes, and what each figure counts.
        for s in sanbao_domain::report::Section::ALL {
            keys.insert(format!("monthly.section.{}", s.as_str()));
            keys.insert(format!("monthly.note.{}", s.as_str()));
            for m in sanbao_domain::report::measures(*s) {
                let question = *s == sanbao_domain::report::Section::Satisfaction
                    && sanbao_domain::field::survey::Question::parse(m).is_some();
                if !question {
                    keys.insert(format!("monthly.measure.{m}"));
                }
            }
        }
        // The manager's board: breach causes and how a deadline counts in the month.
        for c in sanbao_domain::deadline::board::BreachCategory::ALL {
            keys.insert(format!("board.cause.{}", c.as_str()));
        }
        for o in sanbao_domain::deadline::board::Outcome::ALL {
            keys.insert(format!("board.outcome.{}", o.as_str()));
        }
        keys.extend(
            deadline_states()
                .into_iter()
                .map(|s| format!("deadline_state.{}", state_name(s))),
        );
        keys.extend(coverage_reason_keys());
        // The import page: the reader's codes (`ReadError::code`) and the import's own.
        for code in [
            "too_large",
            "too_many_rows",
            "encoding",
            "unreadable",
            "no_sheet",
            "no_header",
            "missing_columns",
            "duplicate_column",
        ] {
            keys.insert(format!("import.error.{code}"));
        }
        for code in [
            "not_found",
            "ambiguous",
            "recorded_differently",
            "duplicate",
        ] {
            keys.insert(format!("import.code.{code}"));
        }
        // A ticket's timeline: its recording, each step of the workflow, each field.
        keys.insert("event.create".to_string());
        for e in EventType::ALL {
            keys.insert(format!("event.{e}"));
            keys.insert(format!("action.{e}"));
            keys.insert(format!("action.{e}.submit"));
        }
        keys.extend(ticket_audit_fields().iter().map(|f| format!("field.{f}")));
        // --- replies and visits (issue 7) ---
        keys.extend(
            sanbao_domain::replies::ReplyMedium::ALL
                .iter()
                .map(|m| format!("medium.{m}")),
        );
        keys.extend(
            sanbao_domain::replies::OpinionResponse::ALL
                .iter()
                .map(|r| format!("opinion_response.{}", r.as_str())),
        );
        keys.extend(
            sanbao_domain::visit::VisitPurpose::ALL
                .iter()
                .map(|p| format!("visit_purpose.{p}")),
        );
        // A customer's history: the actions the store records, each field.
        for action in ["create", "update", "update_region"] {
            keys.insert(format!("customer.history_action.{action}"));
        }
        keys.extend(
            customer_audit_fields()
                .iter()
                .map(|f| format!("customer.history_field.{f}")),
        );
        // ---- field form ----
        {
            use sanbao_domain::field::JobType;
            use sanbao_domain::field::form::{FormStatus, Responsibility};
            keys.extend(
                FormStatus::ALL
                    .iter()
                    .map(|s| format!("form.status.{}", s.as_str())),
            );
            keys.extend(
                JobType::ALL
                    .iter()
                    .map(|t| format!("form.job_type.{}", t.as_str())),
            );
            keys.extend(
                Responsibility::ALL
                    .iter()
                    .map(|r| format!("form.responsibility.{}", r.as_str())),
            );
        }
        // ---- end field form ----
        // ---- settlement (issue 9, part 5) ----
        {
            use sanbao_domain::coverage::CoverageKind;
            use sanbao_domain::settlement::{AnswerMethod, LineKind, QuoteStatus};
            keys.extend(
                sanbao_domain::settlement::KEYS
                    .iter()
                    .map(|k| (*k).to_string()),
            );
            for k in LineKind::ALL {
                keys.insert(format!("settlement.kind.{}", k.as_str()));
                keys.insert(format!("settlement.unit.{}", k.as_str()));
            }
            keys.extend(
                CoverageKind::ALL
                    .iter()
                    .map(|c| format!("settlement.coverage.{}", c.as_str())),
            );
            keys.extend(
                AnswerMethod::ALL
                    .iter()
                    .map(|m| format!("settlement.method.{}", m.as_str())),
            );
            keys.extend(
                QuoteStatus::ALL
                    .iter()
                    .map(|s| format!("settlement.quote_status.{}", s.as_str())),
            );
        }
        // ---- end settlement ----
        keys.extend(PROBLEM_CODES.iter().map(|c| format!("err.{c}")));
        keys
    }

    #[test]
    fn every_domain_name_is_translated() {
        let missing: Vec<String> = built_keys().into_iter().filter(|k| !Lang::has(k)).collect();
        assert!(missing.is_empty(), "missing: {missing:?}");
    }

    /// Every literal key the templates and the code ask for is in the catalogue.
    #[test]
    fn every_key_used_in_templates_and_pages_exists() {
        let mut missing = Vec::new();
        for (file, text) in sources() {
            for marker in ["t(\"", "f(\"", "page(\"", "title(\""] {
                for (i, _) in text.match_indices(marker) {
                    let rest = &text[i + marker.len()..];
                    let key = rest.split('"').next().unwrap_or_default();
                    let looks_like_key = key.contains('.')
                        && key.split('.').all(|part| !part.is_empty())
                        && key.bytes().all(|b| {
                            b.is_ascii_lowercase() || b.is_ascii_digit() || b"._".contains(&b)
                        });
                    if looks_like_key && !Lang::has(key) {
                        missing.push(format!("{}: {key}", file.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "missing keys:\n{}", missing.join("\n"));
    }

    /// Every key of the catalogue is asked for: literally (`"ticket.summary"`) in a
    /// template, the code or the script; built from a domain name; or, for a problem's
    /// own words `err.CODE.FIELD` and an error page's `error.KIND.title`, with the field or
    /// kind named in the code.
    #[test]
    fn every_key_is_used() {
        let code: String = sources().into_iter().map(|(_, text)| text).collect();
        let quoted = |s: &str| code.contains(&format!("\"{s}\""));
        let built = built_keys();
        let unused: Vec<&String> = CATALOGUE
            .zh
            .keys()
            .filter(|key| {
                let parts: Vec<&str> = key.split('.').collect();
                let named = match parts.as_slice() {
                    ["err", c, field] => PROBLEM_CODES.contains(c) && quoted(field),
                    ["error", kind, "title" | "body"] => quoted(kind),
                    _ => false,
                };
                !(quoted(key) || built.contains(*key) || named)
            })
            .collect();
        assert!(unused.is_empty(), "keys nothing asks for: {unused:?}");
    }

    #[test]
    fn accept_language_chooses_by_quality() {
        for (header, want) in [
            ("en-US,en;q=0.9", Lang::En),
            ("zh-CN,zh;q=0.9,en;q=0.8", Lang::Zh),
            ("en;q=0.5, zh-TW;q=0.8", Lang::Zh),
            ("fr-FR, en-GB;q=0.7", Lang::En),
            ("EN", Lang::En),
            ("en;q=0, zh;q=0.1", Lang::Zh),
            ("en;q=0", Lang::Zh),
            ("de, *;q=0.5", Lang::Zh),
            ("", Lang::Zh),
            ("en;q=oops", Lang::En),
        ] {
            assert_eq!(Lang::from_accept_language(header), want, "{header}");
        }
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(Lang::Zh.duration(35), "35 分钟");
        assert_eq!(Lang::Zh.duration(65), "1 小时 5 分");
        assert_eq!(Lang::Zh.duration(120), "2 小时");
        assert_eq!(Lang::Zh.duration(60 * 27), "1 天 3 小时");
        assert_eq!(Lang::En.duration(65), "1 h 5 min");
        assert_eq!(Lang::En.duration(-5), "0 min");
    }

    #[test]
    fn problems_prefer_the_field_own_words() {
        assert_eq!(
            Lang::Zh.problem("invalid", "contacts[2].phone"),
            "电话号码应为 5–20 位数字"
        );
        assert_eq!(Lang::En.problem("required", "name"), "Required");
        assert_eq!(Lang::En.problem("weird", "name"), "Not valid");
        assert_eq!(Lang::Zh.t("no.such.key"), "no.such.key");
        assert_eq!(
            Lang::En.f("login.too_many", &[("n", &30)]),
            "Too many failed sign-ins. Please wait 30 seconds and try again."
        );
    }
}
