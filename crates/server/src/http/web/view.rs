//! What the pages show, prepared for the templates: times on the company's clock, deadline
//! states in words and colours, ticket lines, field messages.

use super::Layout;
use crate::i18n::Lang;
use askama::Template;
use chrono::{DateTime, NaiveDateTime, Utc};
use sanbao_domain::deadline::running_state;
use sanbao_domain::ticket::TicketSummary;
use sanbao_domain::ticket::{Deadline, DeadlineKind, DeadlineState, TicketStatus};
use sanbao_domain::time::{company_offset, local};
use sanbao_domain::{FieldErrors, Region};
use std::collections::BTreeMap;

/// `11-27 14:30`, Asia/Shanghai.
pub fn short_time(at: DateTime<Utc>) -> String {
    local(at).format("%m-%d %H:%M").to_string()
}

/// `2026-11-27 14:30`, Asia/Shanghai.
pub fn full_time(at: DateTime<Utc>) -> String {
    local(at).format("%Y-%m-%d %H:%M").to_string()
}

/// The value of a `datetime-local` input: `2026-11-27T14:30`, Asia/Shanghai.
pub fn datetime_local(at: DateTime<Utc>) -> String {
    local(at).format("%Y-%m-%dT%H:%M").to_string()
}

/// A `datetime-local` value read as the company's wall clock (+08:00).
pub fn parse_datetime_local(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M"))
        .ok()?;
    naive
        .and_local_timezone(company_offset())
        .single()
        .map(|d| d.with_timezone(&Utc))
}

/// Whole minutes from `a` to `b`, rounded up (30 s left reads "1 minute left").
fn minutes_between(a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
    let secs = (b - a).num_seconds().max(0);
    (secs + 59) / 60
}

pub fn state_name(s: DeadlineState) -> &'static str {
    s.as_str()
}

/// A deadline as a page shows it.
pub struct DeadlineView {
    pub kind_label: String,
    /// `pending`, `due_soon`, `breached`, `met`, `met_late`, `void`: also the CSS class.
    pub state: &'static str,
    pub state_label: String,
    /// "还剩 35 分钟", "超时 1 小时 5 分", or how early/late it was met.
    pub relative: String,
    pub due_short: String,
    pub due_full: String,
    /// "11-27 14:30 到期".
    pub due_text: String,
    /// Epoch ms, for the script that keeps `relative` current.
    pub due_ms: i64,
    /// Still running: the script updates it.
    pub live: bool,
    pub met_full: Option<String>,
    /// Why it is due when it is, in one sentence (the ticket page).
    pub explain: Option<String>,
}

impl DeadlineView {
    pub fn new(lang: Lang, d: &Deadline, status: TicketStatus, now: DateTime<Utc>) -> Self {
        Self::from_parts(lang, d.kind, d.due_at, d.met_at, d.state(now, status), now)
    }

    /// A deadline known by its kind, due time, meeting and state.
    pub fn from_parts(
        lang: Lang,
        kind: DeadlineKind,
        due_at: DateTime<Utc>,
        met_at: Option<DateTime<Utc>>,
        state: DeadlineState,
        now: DateTime<Utc>,
    ) -> Self {
        let relative = match (state, met_at) {
            (DeadlineState::Breached, _) => lang.f(
                "deadline.overdue",
                &[("d", &lang.duration(minutes_between(due_at, now)))],
            ),
            (DeadlineState::Pending | DeadlineState::DueSoon | DeadlineState::Warning, _) => lang
                .f(
                    "deadline.left",
                    &[("d", &lang.duration(minutes_between(now, due_at)))],
                ),
            (DeadlineState::MetLate, Some(met)) => lang.f(
                "deadline.met_late_by",
                &[("d", &lang.duration(minutes_between(due_at, met)))],
            ),
            (DeadlineState::Met, Some(met)) => lang.f(
                "deadline.met_early_by",
                &[("d", &lang.duration((due_at - met).num_minutes()))],
            ),
            _ => String::new(),
        };
        DeadlineView {
            kind_label: lang.t(&format!("deadline.{}", kind.as_str())).to_string(),
            state: state_name(state),
            state_label: lang
                .t(&format!("deadline_state.{}", state_name(state)))
                .to_string(),
            relative,
            due_short: short_time(due_at),
            due_full: full_time(due_at),
            due_text: lang.f("deadline.due_at", &[("t", &short_time(due_at))]),
            due_ms: due_at.timestamp_millis(),
            live: matches!(
                state,
                DeadlineState::Pending
                    | DeadlineState::Warning
                    | DeadlineState::DueSoon
                    | DeadlineState::Breached
            ),
            met_full: met_at.map(full_time),
            explain: None,
        }
    }
}

/// A line of a ticket table (service desk, ticket list, a customer's tickets).
pub struct TicketLine {
    pub href: String,
    pub number: String,
    pub kind: String,
    pub kind_label: String,
    pub status: String,
    pub status_label: String,
    pub customer_name: String,
    pub customer_href: String,
    pub region: String,
    pub region_label: String,
    pub summary: String,
    pub received: String,
    pub deadline: Option<DeadlineView>,
    pub people: String,
    /// Someone owns it or was sent: the phone layout hides the line otherwise.
    pub has_people: bool,
}

impl TicketLine {
    pub fn new(lang: Lang, r: TicketSummary, now: DateTime<Utc>) -> Self {
        let deadline = match (r.next_due_at, r.next_due_kind) {
            (Some(due_at), Some(kind)) if r.desk_lane.is_work() => Some(DeadlineView::from_parts(
                lang,
                kind,
                due_at,
                None,
                running_state(due_at, now),
                now,
            )),
            _ => None,
        };
        let has_people = r.assignee_name.is_some() || r.technician_name.is_some();
        let number = r.number();
        let people = match (r.assignee_name, r.technician_name) {
            (Some(a), Some(t)) if a != t => format!("{a} / {t}"),
            (Some(a), _) => a,
            (None, Some(t)) => t,
            (None, None) => lang.t("common.none").to_string(),
        };
        TicketLine {
            href: format!("/tickets/{}", r.id),
            number,
            kind_label: lang.t(&format!("kind.{}", r.kind)).to_string(),
            kind: r.kind.as_str().to_string(),
            status_label: lang.t(&format!("status.{}", r.status)).to_string(),
            status: r.status.as_str().to_string(),
            customer_href: format!("/customers/{}", r.customer_id),
            customer_name: r.customer_name,
            region_label: lang
                .t(&format!("region.{}", r.site_region.as_str()))
                .to_string(),
            region: r.site_region.as_str().to_string(),
            summary: clip(&r.summary, 60),
            received: short_time(r.received_at),
            deadline,
            people,
            has_people,
        }
    }
}

/// At most `n` characters, with "…" when cut.
pub fn clip(s: &str, n: usize) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= n {
        one_line
    } else {
        let mut t: String = one_line.chars().take(n).collect();
        t.push('…');
        t
    }
}

/// A table of tickets, shared by the service desk and the lists.
#[derive(Template)]
#[template(path = "ticket_table_partial.html")]
pub struct TicketTable<'a> {
    pub l: &'a Layout,
    pub rows: &'a [TicketLine],
    /// Show the deadline column first (the service desk).
    pub by_deadline: bool,
    /// Show the deadline column at all (not for work that has none).
    pub deadline_column: bool,
    /// Show the customer column (not on a customer's own page).
    pub customer_column: bool,
    pub empty: String,
}

/// A region as a badge: its words and CSS class.
pub struct RegionBadge {
    pub region: &'static str,
    pub label: String,
    pub corrected: bool,
}

impl RegionBadge {
    pub fn new(lang: Lang, region: Region, corrected: bool) -> Self {
        RegionBadge {
            region: region.as_str(),
            label: lang.t(&format!("region.{}", region.as_str())).to_string(),
            corrected,
        }
    }
}

/// Field → message in the page's language.
#[derive(Debug, Default, Clone)]
pub struct Messages(pub BTreeMap<String, String>);

impl Messages {
    pub fn new(lang: Lang, errors: &FieldErrors) -> Self {
        Messages(
            errors
                .0
                .iter()
                .map(|(field, p)| (field.clone(), lang.problem(p.code, field)))
                .collect(),
        )
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// `class` of a field's wrapper.
    pub fn class(&self, field: &str) -> &'static str {
        if self.0.contains_key(field) {
            "field has-error"
        } else {
            "field"
        }
    }
}

/// A field of a form as its error summary names it: the field's name in the form data, the
/// id of its input (its message's id is `{id}-error`; empty when the input is not on the
/// page), and its label.
pub struct FormField {
    pub name: String,
    pub id: String,
    pub label: String,
}

impl FormField {
    pub fn new(name: impl Into<String>, id: impl Into<String>, label: impl Into<String>) -> Self {
        FormField {
            name: name.into(),
            id: id.into(),
            label: label.into(),
        }
    }
}

/// One problem in a form's error summary.
pub struct ErrorLink {
    /// `#id` of the field; none when the field is not on the page.
    pub href: Option<String>,
    pub label: String,
    pub message: String,
}

/// The summary atop a form sent back with problems (`form_errors_partial.html`): how many,
/// and each field's label and message, linked to the field, in the form's order.
#[derive(Default)]
pub struct ErrorSummary {
    pub heading: String,
    pub items: Vec<ErrorLink>,
}

impl ErrorSummary {
    /// `fields` in the order the form shows them; a problem of a field not among them is
    /// listed after them under its own name, linked to `elsewhere` if given.
    pub fn new(
        lang: Lang,
        messages: &Messages,
        fields: &[FormField],
        elsewhere: Option<&str>,
    ) -> Self {
        let mut items: Vec<ErrorLink> = fields
            .iter()
            .filter_map(|f| {
                messages.get(&f.name).map(|m| ErrorLink {
                    href: (!f.id.is_empty()).then(|| format!("#{}", f.id)),
                    label: f.label.clone(),
                    message: m.to_string(),
                })
            })
            .collect();
        for (name, message) in &messages.0 {
            if !fields.iter().any(|f| &f.name == name) {
                items.push(ErrorLink {
                    href: elsewhere.map(str::to_string),
                    label: name.clone(),
                    message: message.clone(),
                });
            }
        }
        let heading = match items.len() {
            0 => String::new(),
            1 => lang.t("form.errors_one").to_string(),
            n => lang.f("form.errors_many", &[("n", &n)]),
        };
        ErrorSummary { heading, items }
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// An option of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Self {
        let value = value.into();
        Choice {
            selected: value == current,
            value,
            label: label.into(),
        }
    }
}

/// One recorded change of a record (R1.4), in words, as a record's history shows it
/// (`history_partial.html`).
pub struct HistoryLine {
    pub at: String,
    pub who: String,
    pub action: String,
    pub note: Option<String>,
    pub changes: Vec<String>,
}

/// A record's audit trail, newest first: each entry's action and note in words, and
/// for a change each changed field, said by `change(field, before, after)`. `nobody`
/// names an entry without an author.
pub fn history_lines(
    trail: Vec<sanbao_domain::audit::AuditEntry>,
    nobody: &str,
    action: impl Fn(&str) -> String,
    note: impl Fn(&str) -> String,
    change: impl Fn(&str, &serde_json::Value, &serde_json::Value) -> String,
) -> Vec<HistoryLine> {
    trail
        .into_iter()
        .rev()
        .map(|e| {
            let changes = match e.after.as_object() {
                Some(after) if e.action != "create" => after
                    .iter()
                    .map(|(field, a)| {
                        let b = e.before.get(field).unwrap_or(&serde_json::Value::Null);
                        change(field, b, a)
                    })
                    .collect(),
                _ => Vec::new(),
            };
            HistoryLine {
                at: full_time(e.at),
                who: e.actor_name.unwrap_or_else(|| nobody.to_string()),
                action: action(&e.action),
                note: e.note.as_deref().map(&note),
                changes,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sanbao_domain::ticket::TicketKind;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap()
    }

    #[test]
    fn local_input_is_read_as_beijing_time() {
        let t = parse_datetime_local("2026-11-27T14:30").unwrap();
        assert_eq!(t, at("2026-11-27T06:30:00Z"));
        assert_eq!(datetime_local(t), "2026-11-27T14:30");
        assert_eq!(short_time(t), "11-27 14:30");
        assert_eq!(full_time(t), "2026-11-27 14:30");
        assert!(parse_datetime_local("yesterday").is_none());
    }

    #[test]
    fn deadlines_read_as_the_desk_says_them() {
        let now = at("2026-11-27T06:00:00Z");
        let d = |due: &str| {
            sanbao_domain::ticket::deadlines_for(
                TicketKind::Emergency,
                sanbao_domain::Region::HangzhouUrban,
                at(due) - chrono::Duration::hours(1),
            )
            .remove(0)
        };
        let v = DeadlineView::new(
            Lang::Zh,
            &d("2026-11-27T06:35:00Z"),
            TicketStatus::Open,
            now,
        );
        assert_eq!((v.state, v.relative.as_str()), ("due_soon", "还剩 35 分钟"));
        let v = DeadlineView::new(
            Lang::Zh,
            &d("2026-11-27T04:55:00Z"),
            TicketStatus::Open,
            now,
        );
        assert_eq!(
            (v.state, v.relative.as_str()),
            ("breached", "超时 1 小时 5 分")
        );
        let v = DeadlineView::new(
            Lang::En,
            &d("2026-11-27T09:00:00Z"),
            TicketStatus::Open,
            now,
        );
        assert_eq!(
            (v.state, v.due_text.as_str()),
            ("pending", "due 11-27 17:00")
        );
    }

    #[test]
    fn long_text_is_clipped_on_one_line() {
        assert_eq!(clip("a\nb  c", 10), "a b c");
        assert_eq!(clip("一二三四五", 3), "一二三…");
    }
}
