//! Deadline pages: the sentence that explains a due time, and the policy editor.

use super::extract::Pairs;
use super::view::{ErrorSummary, FormField, Messages, full_time, parse_datetime_local};
use super::{
    Layout, QueryParams, WebError, WebForm, WebResult, WebUser, render, render_with, see_other,
};
use crate::app;
use crate::app::AppState;
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::deadline::{
    CalendarInput, DeadlinePolicy, Explanation, PolicyInput, TargetInput,
};
use sanbao_domain::terms::{DeadlineKind, TicketKind};
use sanbao_domain::{Error, FieldErrors, Permission, Problem, Region, UserId};

/// One sentence: "Due 2026-11-27 14:40: a quality complaint gets its handling opinion
/// within 2 h on the wall clock, counted from 12:40, plus 30 min paused (the company's
/// built-in policy)."
pub fn explain(lang: Lang, e: &Explanation) -> String {
    let clock = match &e.calendar {
        None => lang.t("deadline.clock_wall").to_string(),
        Some(name) => lang.f("deadline.clock_calendar", &[("name", name)]),
    };
    let mut paused = String::new();
    if e.paused_minutes > 0 {
        paused.push_str(&lang.f(
            "deadline.explain_paused",
            &[("d", &lang.duration(e.paused_minutes))],
        ));
    }
    if let Some(since) = e.paused_since {
        paused.push_str(&lang.f("deadline.explain_paused_since", &[("t", &full_time(since))]));
    }
    let policy = if e.policy_version == 0 {
        lang.t("deadline.policy_built_in").to_string()
    } else {
        lang.f("deadline.policy_version", &[("v", &e.policy_version)])
    };
    let region = e
        .region
        .map(|r| {
            lang.f(
                "deadline.explain_region",
                &[("region", &lang.t(&format!("region.{}", r.as_str())))],
            )
        })
        .unwrap_or_default();
    lang.f(
        "deadline.explain",
        &[
            ("due", &full_time(e.due_at)),
            ("kind", &lang.t(&format!("kind.{}", e.ticket_kind))),
            ("goal", &lang.t(&format!("deadline.goal.{}", e.kind))),
            ("d", &lang.duration(e.minutes)),
            ("clock", &clock),
            ("start", &full_time(e.started_at)),
            ("paused", &paused),
            ("policy", &policy),
            ("region", &region),
        ],
    )
}

// ---- The deadline policy editor: `/settings/deadlines` (issue 7, part 1) ----

/// `/settings/deadlines…`: the policy in force as an editable form, its versions, and the
/// "try it" box.
pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/settings/deadlines", get(editor).post(submit))
        .route("/settings/deadlines/versions/{version}", get(version_page))
}

/// Time zones a calendar may be in, minutes east of UTC (China's first).
const OFFSETS: &[i32] = &[
    480, -720, -660, -600, -540, -480, -420, -360, -300, -240, -180, -120, -60, 0, 60, 120, 180,
    210, 240, 270, 300, 330, 345, 360, 390, 420, 540, 570, 600, 660, 720, 780, 840,
];

/// The standard working hours a new calendar starts with, Monday to Sunday.
const STANDARD_WEEK: [&str; 7] = [
    "08:30-12:00, 13:00-17:30",
    "08:30-12:00, 13:00-17:30",
    "08:30-12:00, 13:00-17:30",
    "08:30-12:00, 13:00-17:30",
    "08:30-12:00, 13:00-17:30",
    "",
    "",
];

const WEEKDAY_KEYS: [&str; 7] = [
    "policy.day.mon",
    "policy.day.tue",
    "policy.day.wed",
    "policy.day.thu",
    "policy.day.fri",
    "policy.day.sat",
    "policy.day.sun",
];

/// A target as typed: every value kept as text so that a mistake is shown as typed.
#[derive(Debug, Clone, Default)]
pub struct TargetRow {
    pub ticket_kind: String,
    pub region: String,
    pub deadline: String,
    pub hours: String,
    pub mins: String,
    pub calendar: String,
    pub pauses: bool,
}

/// A business calendar as typed.
#[derive(Debug, Clone, Default)]
pub struct CalendarBlock {
    pub name: String,
    pub offset: String,
    pub week: Vec<String>,
    pub holidays: String,
    pub workdays: String,
}

/// The whole policy as typed on the page.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub base_version: i64,
    pub targets: Vec<TargetRow>,
    pub calendars: Vec<CalendarBlock>,
    pub warn_pct: String,
    pub escalate_again_minutes: String,
    pub quiet_hours: String,
    pub head_id: String,
    pub note: String,
}

fn blank_calendar() -> CalendarBlock {
    CalendarBlock {
        offset: "480".into(),
        week: STANDARD_WEEK.iter().map(|s| (*s).to_string()).collect(),
        ..CalendarBlock::default()
    }
}

impl Draft {
    /// A saved policy, ready to be edited.
    pub fn of(p: &DeadlinePolicy) -> Draft {
        let i = p.to_input();
        Draft {
            base_version: p.version,
            targets: i
                .targets
                .iter()
                .map(|t| {
                    let m = t.minutes.unwrap_or(0);
                    TargetRow {
                        ticket_kind: t.ticket_kind.map(|k| k.as_str()).unwrap_or("").into(),
                        region: t.region.map(|r| r.as_str()).unwrap_or("").into(),
                        deadline: t.deadline.map(|d| d.as_str()).unwrap_or("").into(),
                        hours: (m / 60).to_string(),
                        mins: (m % 60).to_string(),
                        calendar: t.calendar.clone().unwrap_or_default(),
                        pauses: t.pauses,
                    }
                })
                .collect(),
            calendars: i
                .calendars
                .into_iter()
                .map(|c| CalendarBlock {
                    name: c.name,
                    offset: c.utc_offset_minutes.unwrap_or(480).to_string(),
                    week: c.week,
                    holidays: c.holidays,
                    workdays: c.workdays,
                })
                .collect(),
            warn_pct: i.warn_pct.map(|n| n.to_string()).unwrap_or_default(),
            escalate_again_minutes: i
                .escalate_again_minutes
                .map(|n| n.to_string())
                .unwrap_or_default(),
            quiet_hours: i.quiet_hours.unwrap_or_default(),
            head_id: i.head_id.map(|h| h.0.to_string()).unwrap_or_default(),
            note: String::new(),
        }
    }

    /// The form as posted. Rows marked for removal and rows left blank are dropped, so
    /// the rows kept are numbered as the policy's targets and calendars are.
    pub fn from_form(f: &Pairs) -> Draft {
        let mut targets = Vec::new();
        for i in 0..MAX_ROWS {
            let k = |name: &str| format!("targets[{i}].{name}");
            if f.get(&k("ticket_kind")).is_none() {
                break;
            }
            let row = TargetRow {
                ticket_kind: f.text(&k("ticket_kind")).trim().into(),
                region: f.text(&k("region")).trim().into(),
                deadline: f.text(&k("deadline")).trim().into(),
                hours: f.text(&k("hours")).trim().into(),
                mins: f.text(&k("mins")).trim().into(),
                calendar: f.text(&k("calendar")).trim().into(),
                pauses: f.get(&k("pauses")).is_some(),
            };
            let blank = row.ticket_kind.is_empty()
                && row.deadline.is_empty()
                && row.hours.is_empty()
                && row.mins.is_empty();
            if f.get(&k("remove")).is_none() && !blank {
                targets.push(row);
            }
        }
        let mut calendars = Vec::new();
        for i in 0..MAX_ROWS {
            let k = |name: &str| format!("calendars[{i}].{name}");
            if f.get(&k("name")).is_none() {
                break;
            }
            let c = CalendarBlock {
                name: f.text(&k("name")).trim().into(),
                offset: f.text(&k("utc_offset_minutes")).trim().into(),
                week: (0..7).map(|d| f.text(&k(&format!("week[{d}]")))).collect(),
                holidays: f.text(&k("holidays")),
                workdays: f.text(&k("workdays")),
            };
            let blank =
                c.name.is_empty() && c.holidays.trim().is_empty() && c.workdays.trim().is_empty();
            if f.get(&k("remove")).is_none() && !blank {
                calendars.push(c);
            }
        }
        Draft {
            base_version: f
                .filled("base_version")
                .and_then(|v| v.parse().ok())
                .unwrap_or(-1),
            targets,
            calendars,
            warn_pct: f.text("warn_pct").trim().into(),
            escalate_again_minutes: f.text("escalate_again_minutes").trim().into(),
            quiet_hours: f.text("quiet_hours").trim().into(),
            head_id: f.text("head_id").trim().into(),
            note: f.text("note"),
        }
    }

    /// The draft as the domain reads it; numbers that are not numbers are named here, the
    /// rest by [`PolicyInput::parse`].
    pub fn input(&self) -> (PolicyInput, FieldErrors) {
        let mut errs = FieldErrors::new();
        let mut number = |field: String, s: &str| -> Option<i64> {
            if s.is_empty() {
                return None;
            }
            let n = s.parse::<i64>().ok().filter(|n| *n >= 0);
            if n.is_none() {
                errs.add(field, Problem::invalid("not a whole number"));
            }
            n
        };
        let mut targets = Vec::new();
        for (i, t) in self.targets.iter().enumerate() {
            let field = format!("targets[{i}].minutes");
            let h = number(field.clone(), &t.hours);
            let m = number(field, &t.mins);
            let minutes = match (h, m) {
                (None, None) => None,
                (h, m) => Some(
                    h.unwrap_or(0)
                        .saturating_mul(60)
                        .saturating_add(m.unwrap_or(0)),
                ),
            };
            targets.push(TargetInput {
                ticket_kind: TicketKind::parse(&t.ticket_kind),
                region: Region::parse(&t.region),
                deadline: DeadlineKind::parse(&t.deadline),
                minutes,
                calendar: Some(t.calendar.clone()).filter(|c| !c.is_empty()),
                pauses: t.pauses,
            });
        }
        let warn_pct = number("warn_pct".into(), &self.warn_pct);
        let escalate_again_minutes = number(
            "escalate_again_minutes".into(),
            &self.escalate_again_minutes,
        );
        let head_id = match self.head_id.as_str() {
            "" => None,
            s => {
                let id = s.parse::<i64>().ok().map(UserId);
                if id.is_none() {
                    errs.add("head_id", Problem::invalid("not a member of staff"));
                }
                id
            }
        };
        let mut calendars = Vec::new();
        for (i, c) in self.calendars.iter().enumerate() {
            let offset = c.offset.parse::<i32>().ok();
            if offset.is_none() && !c.offset.is_empty() {
                errs.add(
                    format!("calendars[{i}].utc_offset_minutes"),
                    Problem::invalid("not a time zone"),
                );
            }
            calendars.push(CalendarInput {
                name: c.name.clone(),
                utc_offset_minutes: offset,
                week: c.week.clone(),
                holidays: c.holidays.clone(),
                workdays: c.workdays.clone(),
            });
        }
        (
            PolicyInput {
                targets,
                calendars,
                warn_pct,
                escalate_again_minutes,
                quiet_hours: Some(self.quiet_hours.clone()),
                head_id,
            },
            errs,
        )
    }
}

/// Rows read from one form at most.
const MAX_ROWS: usize = 200;

/// Every problem of a draft: the page's own (numbers) and the domain's.
fn check(draft: &Draft) -> Result<PolicyInput, FieldErrors> {
    let (input, mut errs) = draft.input();
    if let Err(Error::Validation(more)) = input.parse() {
        for (f, p) in more.0 {
            if !errs.0.contains_key(&f) {
                errs.add(f, p);
            }
        }
    }
    if errs.is_empty() {
        Ok(input)
    } else {
        Err(errs)
    }
}

/// A problem in the page's words, naming what is wrong where it is shown.
fn message(lang: Lang, field: &str, p: &Problem) -> String {
    let base = field.rsplit('.').next().unwrap_or(field);
    let base = base.split('[').next().unwrap_or(base);
    let key = match (p.code, base) {
        ("required", "minutes") => "policy.err.minutes_required",
        ("invalid", "minutes") => "policy.err.minutes",
        ("required", "ticket_kind") => "policy.err.kind_required",
        ("required", "deadline") => "policy.err.deadline_required",
        ("invalid", "deadline") => "policy.err.deadline_fits",
        ("duplicate", _) => "policy.err.duplicate",
        ("incomplete", _) => "policy.err.incomplete",
        ("not_found", "calendar") => "policy.err.calendar",
        ("taken", "name") => "policy.err.calendar_name_taken",
        ("required", "name") => "policy.err.calendar_name",
        ("overlap", "week") => "policy.err.overlap",
        ("invalid", "week") => "policy.err.week",
        ("invalid", "holidays" | "workdays") => "policy.err.dates",
        ("invalid", "utc_offset_minutes") => "policy.err.offset",
        ("invalid" | "required", "warn_pct") => "policy.err.warn_pct",
        ("invalid" | "required", "escalate_again_minutes") => "policy.err.escalate",
        ("invalid", "quiet_hours") => "policy.err.quiet",
        (_, "head_id") => "policy.err.head",
        _ => return lang.problem(p.code, field),
    };
    let text = lang.t(key).to_string();
    // The domain's words say which date or hours; the English page shows them too.
    if lang == Lang::En && matches!(base, "week" | "holidays" | "workdays" | "targets") {
        format!("{text} ({})", p.message)
    } else {
        text
    }
}

fn messages(lang: Lang, errs: &FieldErrors) -> Messages {
    Messages(
        errs.0
            .iter()
            .map(|(f, p)| (f.clone(), message(lang, f, p)))
            .collect(),
    )
}

/// A choice of a select, as the page shows it.
pub struct Opt {
    pub value: String,
    pub label: String,
}

impl Opt {
    fn new(value: impl Into<String>, label: impl Into<String>) -> Opt {
        Opt {
            value: value.into(),
            label: label.into(),
        }
    }
}

fn offset_label(m: i32) -> String {
    let sign = if m < 0 { '-' } else { '+' };
    let a = m.abs();
    if a % 60 == 0 {
        format!("UTC{sign}{}", a / 60)
    } else {
        format!("UTC{sign}{}:{:02}", a / 60, a % 60)
    }
}

/// One target row of the form with its labels and its messages' ids.
pub struct RowView {
    pub i: usize,
    pub row: TargetRow,
    pub blank: bool,
    pub err_kind: Option<String>,
    pub err_region: Option<String>,
    pub err_deadline: Option<String>,
    pub err_minutes: Option<String>,
    pub err_calendar: Option<String>,
}

impl RowView {
    fn new(i: usize, row: TargetRow, blank: bool, m: &Messages) -> RowView {
        let e = |f: &str| m.get(&format!("targets[{i}].{f}")).map(str::to_string);
        RowView {
            err_kind: e("ticket_kind"),
            err_region: e("region"),
            err_deadline: e("deadline"),
            err_minutes: e("minutes"),
            err_calendar: e("calendar"),
            i,
            row,
            blank,
        }
    }

    pub fn has_error(&self) -> bool {
        self.err_kind.is_some()
            || self.err_region.is_some()
            || self.err_deadline.is_some()
            || self.err_minutes.is_some()
            || self.err_calendar.is_some()
    }
}

/// A day of a calendar's week on the form.
pub struct DayView {
    pub label: String,
    pub d: usize,
    pub value: String,
    pub err: Option<String>,
}

pub struct CalendarView {
    pub i: usize,
    pub c: CalendarBlock,
    pub days: Vec<DayView>,
    pub blank: bool,
    pub err_name: Option<String>,
    pub err_offset: Option<String>,
    pub err_week: Option<String>,
    pub err_holidays: Option<String>,
    pub err_workdays: Option<String>,
}

pub struct VersionLine {
    pub version: i64,
    pub by: String,
    pub at: String,
    pub note: String,
    pub current: bool,
}

/// The answer of the "try it" box.
pub struct Tried {
    pub sentences: Vec<String>,
}

pub struct TryForm {
    pub kind: String,
    pub region: String,
    pub received_at: String,
}

#[derive(Template)]
#[template(path = "deadlines_policy.html")]
struct EditorPage {
    l: Layout,
    version: i64,
    draft: Draft,
    rows: Vec<RowView>,
    calendars: Vec<CalendarView>,
    kinds: Vec<Opt>,
    regions: Vec<Opt>,
    deadlines: Vec<Opt>,
    clocks: Vec<Opt>,
    offsets: Vec<Opt>,
    heads: Vec<Opt>,
    errors: Messages,
    form_errors: ErrorSummary,
    conflict: Option<String>,
    saved: Option<String>,
    versions: Vec<VersionLine>,
    try_form: TryForm,
    try_errors: Messages,
    tried: Option<Tried>,
}

struct Shown {
    draft: Draft,
    errs: FieldErrors,
    conflict: Option<String>,
    saved: Option<String>,
    try_form: TryForm,
    try_errs: FieldErrors,
    tried: Option<Tried>,
}

impl Shown {
    fn of(draft: Draft) -> Self {
        Shown {
            draft,
            errs: FieldErrors::new(),
            conflict: None,
            saved: None,
            try_form: TryForm {
                kind: "consultation".into(),
                region: String::new(),
                received_at: String::new(),
            },
            try_errs: FieldErrors::new(),
            tried: None,
        }
    }
}

async fn editor_page(
    state: &AppState,
    u: &WebUser,
    s: Shown,
    status: StatusCode,
) -> WebResult<Response> {
    let lang = u.lang;
    let current = app::deadlines::policy(state, &u.user).await?;
    let versions = app::deadlines::versions(state, &u.user).await?;
    let people = app::deadlines::head_candidates(state, &u.user).await?;
    let mut draft = s.draft;
    let errors = messages(lang, &s.errs);
    let mut rows: Vec<RowView> = draft
        .targets
        .iter()
        .enumerate()
        .map(|(i, r)| RowView::new(i, r.clone(), false, &errors))
        .collect();
    let blank_row = TargetRow {
        pauses: true,
        ..TargetRow::default()
    };
    rows.push(RowView::new(rows.len(), blank_row, true, &errors));
    let mut calendars: Vec<CalendarView> = draft
        .calendars
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, c)| calendar_view(lang, i, c, false, &errors))
        .collect();
    calendars.push(calendar_view(
        lang,
        calendars.len(),
        blank_calendar(),
        true,
        &errors,
    ));
    let mut clocks = vec![Opt::new("", lang.t("policy.clock.wall"))];
    for c in draft.calendars.iter().filter(|c| !c.name.is_empty()) {
        clocks.push(Opt::new(
            c.name.clone(),
            lang.f("policy.clock.calendar", &[("name", &c.name)]),
        ));
    }
    let mut fields = Vec::new();
    for r in &rows {
        for (f, id, key) in [
            ("ticket_kind", "kind", "policy.ticket_kind"),
            ("region", "region", "policy.region"),
            ("deadline", "deadline", "policy.deadline"),
            ("minutes", "hours", "policy.duration"),
            ("calendar", "calendar", "policy.clock"),
        ] {
            fields.push(FormField::new(
                format!("targets[{}].{f}", r.i),
                format!("t{}-{id}", r.i),
                lang.f(
                    "policy.target_n",
                    &[("n", &(r.i + 1)), ("what", &lang.t(key))],
                ),
            ));
        }
    }
    fields.push(FormField::new(
        "targets",
        "targets",
        lang.t("policy.targets"),
    ));
    for c in &calendars {
        let name = if c.c.name.is_empty() {
            lang.f("policy.calendar_n", &[("n", &(c.i + 1))])
        } else {
            c.c.name.clone()
        };
        let mut add = |f: String, id: String, key: &str| {
            fields.push(FormField::new(
                f,
                id,
                format!("{name}{}{}", lang.t("policy.sep"), lang.t(key)),
            ));
        };
        add(
            format!("calendars[{}].name", c.i),
            format!("c{}-name", c.i),
            "policy.calendar_name",
        );
        add(
            format!("calendars[{}].utc_offset_minutes", c.i),
            format!("c{}-offset", c.i),
            "policy.offset",
        );
        add(
            format!("calendars[{}].week", c.i),
            format!("c{}-day0", c.i),
            "policy.week",
        );
        for (d, key) in WEEKDAY_KEYS.iter().enumerate() {
            add(
                format!("calendars[{}].week[{d}]", c.i),
                format!("c{}-day{d}", c.i),
                key,
            );
        }
        add(
            format!("calendars[{}].holidays", c.i),
            format!("c{}-holidays", c.i),
            "policy.holidays",
        );
        add(
            format!("calendars[{}].workdays", c.i),
            format!("c{}-workdays", c.i),
            "policy.workdays",
        );
    }
    for (f, id, key) in [
        ("warn_pct", "warn-pct", "policy.warn_pct"),
        (
            "escalate_again_minutes",
            "escalate",
            "policy.escalate_again",
        ),
        ("quiet_hours", "quiet", "policy.quiet_hours"),
        ("head_id", "head", "policy.head"),
        ("note", "note", "policy.note"),
    ] {
        fields.push(FormField::new(f, id, lang.t(key)));
    }
    let form_errors = ErrorSummary::new(lang, &errors, &fields, None);
    let heads = std::iter::once(Opt::new("", lang.t("policy.head_none")))
        .chain(people.iter().map(|p| {
            Opt::new(
                p.id.0.to_string(),
                format!(
                    "{} · {}",
                    p.display_name,
                    lang.t(&format!("role.{}", p.role.as_str()))
                ),
            )
        }))
        .collect();
    if draft.base_version < 0 {
        draft.base_version = current.version;
    }
    let page = EditorPage {
        l: u.layout("deadline_policy", lang.t("policy.title")),
        version: current.version,
        kinds: TicketKind::ALL
            .iter()
            .map(|k| Opt::new(k.as_str(), lang.t(&format!("kind.{}", k.as_str()))))
            .collect(),
        regions: std::iter::once(Opt::new("", lang.t("policy.every_region")))
            .chain(
                Region::ALL
                    .iter()
                    .map(|r| Opt::new(r.as_str(), lang.t(&format!("region.{}", r.as_str())))),
            )
            .collect(),
        deadlines: DeadlineKind::ALL
            .iter()
            .map(|d| Opt::new(d.as_str(), lang.t(&format!("deadline.{}", d.as_str()))))
            .collect(),
        clocks,
        offsets: OFFSETS
            .iter()
            .map(|m| {
                let label = if *m == 480 {
                    lang.t("policy.offset_china").to_string()
                } else {
                    offset_label(*m)
                };
                Opt::new(m.to_string(), label)
            })
            .collect(),
        heads,
        form_errors,
        errors,
        conflict: s.conflict,
        saved: s.saved,
        versions: versions
            .into_iter()
            .map(|v| VersionLine {
                current: v.version == current.version,
                version: v.version,
                by: v
                    .created_by
                    .unwrap_or_else(|| lang.t("policy.built_in_by").to_string()),
                // The built-in version was never saved by anyone.
                at: if v.version == 0 {
                    String::new()
                } else {
                    full_time(v.created_at)
                },
                note: v.note.unwrap_or_default(),
            })
            .collect(),
        try_form: s.try_form,
        try_errors: messages(lang, &s.try_errs),
        tried: s.tried,
        rows,
        calendars,
        draft,
    };
    render_with(status, &page)
}

fn calendar_view(
    lang: Lang,
    i: usize,
    c: CalendarBlock,
    blank: bool,
    m: &Messages,
) -> CalendarView {
    let e = |f: &str| m.get(&format!("calendars[{i}].{f}")).map(str::to_string);
    let days = (0..7)
        .map(|d| DayView {
            label: lang.t(WEEKDAY_KEYS[d]).to_string(),
            d,
            value: c.week.get(d).cloned().unwrap_or_default(),
            err: e(&format!("week[{d}]")),
        })
        .collect();
    CalendarView {
        err_name: e("name"),
        err_offset: e("utc_offset_minutes"),
        err_week: e("week"),
        err_holidays: e("holidays"),
        err_workdays: e("workdays"),
        i,
        c,
        days,
        blank,
    }
}

fn refuse_unless_manager(u: &WebUser) -> WebResult<()> {
    if u.may(Permission::ManageDeadlinePolicy) {
        Ok(())
    } else {
        Err(WebError::from(Error::Forbidden))
    }
}

/// `GET /settings/deadlines`
pub async fn editor(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(q): QueryParams,
) -> WebResult<Response> {
    refuse_unless_manager(&u)?;
    let current = app::deadlines::policy(&state, &u.user).await?;
    let mut shown = Shown::of(Draft::of(&current));
    if let Some(v) = q.filled("saved").and_then(|v| v.parse::<i64>().ok()) {
        let n = q
            .filled("recomputed")
            .and_then(|n| n.parse::<i64>().ok())
            .unwrap_or(0);
        shown.saved = Some(u.lang.f("policy.saved", &[("v", &v), ("n", &n)]));
    }
    editor_page(&state, &u, shown, StatusCode::OK).await
}

/// `POST /settings/deadlines`: `op=save` saves the next version; `op=try` answers the "try
/// it" box under the policy as typed; `op=refresh` shows the form again with what was typed
/// (a calendar just named appears among the clocks).
pub async fn submit(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    refuse_unless_manager(&u)?;
    let draft = Draft::from_form(&form);
    let op = form.text("op");
    let mut shown = Shown::of(draft.clone());
    shown.try_form = TryForm {
        kind: form.text("try_kind"),
        region: form.text("try_region"),
        received_at: form.text("try_received_at"),
    };
    match op.as_str() {
        "save" => {}
        "try" => {
            shown.tried = None;
            let input = match check(&draft) {
                Ok(i) => i,
                Err(errs) => {
                    shown.errs = errs;
                    return editor_page(&state, &u, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
                }
            };
            let mut try_errs = FieldErrors::new();
            let kind = TicketKind::parse(shown.try_form.kind.trim());
            if kind.is_none() {
                try_errs.add("try_kind", Problem::required());
            }
            let region = Region::parse(shown.try_form.region.trim()).unwrap_or(Region::Unknown);
            let at = parse_datetime_local(shown.try_form.received_at.trim());
            if at.is_none() {
                try_errs.add("try_received_at", Problem::invalid("not a date and time"));
            }
            let (Some(kind), Some(at)) = (kind, at) else {
                shown.try_errs = try_errs;
                return editor_page(&state, &u, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
            };
            let found = app::deadlines::preview(&state, &u.user, &input, kind, region, at).await;
            match found {
                Ok(ds) => {
                    shown.tried = Some(Tried {
                        sentences: ds.iter().map(|d| explain(u.lang, &d.explain())).collect(),
                    });
                }
                Err(Error::Validation(errs)) => shown.errs = errs,
                Err(e) => return Err(e.into()),
            }
            return editor_page(&state, &u, shown, StatusCode::OK).await;
        }
        _ => return editor_page(&state, &u, shown, StatusCode::OK).await,
    }
    let input = match check(&draft) {
        Ok(i) => i,
        Err(errs) => {
            shown.errs = errs;
            return editor_page(&state, &u, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let note = Some(draft.note.as_str()).filter(|n| !n.trim().is_empty());
    match app::deadlines::save_policy(
        &state,
        &u.user,
        &input,
        draft.base_version,
        note,
        state.now(),
    )
    .await
    {
        Ok(saved) => Ok(see_other(&format!(
            "/settings/deadlines?saved={}&recomputed={}",
            saved.policy.version, saved.recomputed
        ))),
        Err(Error::Validation(errs)) => {
            shown.errs = errs;
            editor_page(&state, &u, shown, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(Error::Conflict(_)) => {
            let now_at = app::deadlines::policy(&state, &u.user).await?.version;
            shown.conflict = Some(u.lang.f(
                "policy.conflict",
                &[("read", &draft.base_version), ("now", &now_at)],
            ));
            // Saving again replaces that version knowingly: the page now says which one.
            shown.draft.base_version = now_at;
            editor_page(&state, &u, shown, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "deadlines_version.html")]
struct VersionPage {
    l: Layout,
    version: i64,
    current: i64,
    by: String,
    at: String,
    note: String,
    targets: Vec<TargetLine>,
    calendars: Vec<CalendarLine>,
    warn_pct: u8,
    escalate_again: String,
    quiet_hours: String,
    head: String,
}

struct TargetLine {
    kind: String,
    region: String,
    deadline: String,
    duration: String,
    clock: String,
    pauses: bool,
}

struct CalendarLine {
    name: String,
    offset: String,
    days: Vec<(String, String)>,
    holidays: String,
    workdays: String,
}

/// `GET /settings/deadlines/versions/{version}`: one version, read only.
pub async fn version_page(
    State(state): State<AppState>,
    u: WebUser,
    Path(version): Path<String>,
) -> WebResult<Response> {
    refuse_unless_manager(&u)?;
    let lang = u.lang;
    let version: i64 = version
        .parse()
        .map_err(|_| WebError::not_found("deadline policy version"))?;
    let p = app::deadlines::policy_version(&state, &u.user, version).await?;
    let current = app::deadlines::policy(&state, &u.user).await?.version;
    let listed = app::deadlines::versions(&state, &u.user).await?;
    let line = listed.into_iter().find(|v| v.version == version);
    let people = app::deadlines::head_candidates(&state, &u.user).await?;
    let i = p.to_input();
    let page = VersionPage {
        l: u.layout(
            "deadline_policy",
            lang.f("policy.version_title", &[("v", &version)]),
        ),
        version,
        current,
        by: line
            .as_ref()
            .and_then(|l| l.created_by.clone())
            .unwrap_or_else(|| lang.t("policy.built_in_by").to_string()),
        at: line
            .as_ref()
            .filter(|l| l.version > 0)
            .map(|l| full_time(l.created_at))
            .unwrap_or_default(),
        note: line.and_then(|l| l.note).unwrap_or_default(),
        targets: p
            .targets
            .iter()
            .map(|t| TargetLine {
                kind: lang.t(&format!("kind.{}", t.ticket_kind.as_str())).into(),
                region: t.region.map_or_else(
                    || lang.t("policy.every_region").to_string(),
                    |r| lang.t(&format!("region.{}", r.as_str())).to_string(),
                ),
                deadline: lang.t(&format!("deadline.{}", t.deadline.as_str())).into(),
                duration: lang.duration(t.minutes),
                clock: t.calendar.as_ref().map_or_else(
                    || lang.t("policy.clock.wall").to_string(),
                    |c| lang.f("policy.clock.calendar", &[("name", c)]),
                ),
                pauses: t.pauses,
            })
            .collect(),
        calendars: i
            .calendars
            .into_iter()
            .map(|c| CalendarLine {
                offset: offset_label(c.utc_offset_minutes.unwrap_or(480)),
                days: (0..7)
                    .map(|d| {
                        let v = c.week.get(d).cloned().unwrap_or_default();
                        (
                            lang.t(WEEKDAY_KEYS[d]).to_string(),
                            if v.is_empty() {
                                lang.t("policy.day_off").to_string()
                            } else {
                                v
                            },
                        )
                    })
                    .collect(),
                holidays: c.holidays.replace('\n', ", "),
                workdays: c.workdays.replace('\n', ", "),
                name: c.name,
            })
            .collect(),
        warn_pct: p.watch.warn_pct,
        escalate_again: lang.duration(p.watch.escalate_again_minutes),
        quiet_hours: i.quiet_hours.unwrap_or_default(),
        head: p.watch.head_id.map_or_else(
            || lang.t("policy.head_none").to_string(),
            |h| {
                people
                    .iter()
                    .find(|u| u.id == h)
                    .map_or_else(|| format!("#{}", h.0), |u| u.display_name.clone())
            },
        ),
    };
    render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// After a policy change the sentence names the version and the calendar, in both
    /// languages, with no placeholder left.
    #[test]
    fn the_sentence_names_the_version_and_the_calendar() {
        let e = Explanation {
            kind: DeadlineKind::Reply,
            due_at: at("2027-02-18T13:30:00+08:00"),
            ticket_kind: TicketKind::Consultation,
            region: None,
            minutes: 720,
            calendar: Some("办公时间".into()),
            started_at: at("2027-02-12T10:00:00+08:00"),
            paused_minutes: 30,
            paused_since: None,
            policy_version: 3,
        };
        let en = explain(Lang::En, &e);
        assert_eq!(
            en,
            "Due 2027-02-18 13:30: Consultation — reply to the customer within 12 h \
             (in the working hours of calendar “办公时间”, counted from 2027-02-12 10:00 when \
             it was received, plus 30 min paused while waiting for the customer; deadline \
             policy version 3)."
        );
        let zh = explain(Lang::Zh, &e);
        assert!(
            zh.contains("时限政策第 3 版") && zh.contains("「办公时间」"),
            "{zh}"
        );
        assert!(!zh.contains('{') && !en.contains('{'));
    }
}
