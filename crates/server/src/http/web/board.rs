//! The manager's board (R6.1–R6.3), for those who watch deadlines (admin, service
//! manager, quality engineer):
//! - `GET /board`: the department's open deadlines, most urgent first, counted per state,
//!   filtered by deadline kind, ticket kind, region, owner and state, a page at a time;
//!   each person's load beside them. `GET /board/export?format=csv|xlsx` with the same
//!   filters downloads the list.
//! - `GET /board/months/{month}`: the month's on-time rates per deadline kind and region,
//!   and its breaches with their causes; each figure links to
//!   `GET /board/months/{month}/deadlines?kind=&region=&outcome=`, the deadlines behind it.
//!   `GET /board/months/{month}/export?what=figures|breaches&format=csv|xlsx`.
//! - `GET|POST /board/causes/{ticket}/{kind}`: record why a breached deadline was breached.

use super::export::download_sheet;
use super::extract::Pairs;
use super::view::{Choice, ErrorSummary, FormField, Messages, full_time};
use super::{Layout, QueryParams, WebForm, WebResult, WebUser, render, see_other, url_with};
use crate::app;
use crate::app::AppState;
use crate::app::export::{ExportKind, Format, Sheet};
use crate::http::api::board::{parse_cursor, parse_filter, parse_month_filter};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use sanbao_domain::deadline::DeadlineState;
use sanbao_domain::deadline::board::{
    BoardFilter, BoardLine, BreachCategory, BreachCause, Month, MonthFilter, MonthLine,
    OPEN_STATES, Outcome, Tally,
};
use sanbao_domain::ticket::{DeadlineKind, TicketKind};
use sanbao_domain::{Error, FieldErrors, Region, TicketId};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/board", get(board))
        .route("/board/export", get(board_export))
        .route("/board/months/{month}", get(month))
        .route("/board/months/{month}/deadlines", get(behind))
        .route("/board/months/{month}/export", get(month_export))
        .route(
            "/board/causes/{ticket}/{kind}",
            get(cause_form).post(save_cause),
        )
}

fn state_label(lang: Lang, s: DeadlineState) -> String {
    lang.t(&format!("deadline_state.{}", s.as_str()))
        .to_string()
}

fn kind_label(lang: Lang, k: DeadlineKind) -> String {
    lang.t(&format!("deadline.{}", k.as_str())).to_string()
}

fn region_label(lang: Lang, r: Region) -> String {
    lang.t(&format!("region.{}", r.as_str())).to_string()
}

fn rate_text(t: &Tally) -> String {
    t.rate_permille()
        .map_or_else(|| "—".to_string(), |p| format!("{}.{}%", p / 10, p % 10))
}

/// A time left (or overdue) in words.
fn relative(lang: Lang, minutes: i64) -> String {
    if minutes < 0 {
        lang.f("deadline.overdue", &[("d", &lang.duration(-minutes))])
    } else {
        lang.f("deadline.left", &[("d", &lang.duration(minutes))])
    }
}

/// The filters as typed, to fill the form and the links again.
struct Typed {
    deadline_kind: String,
    ticket_kind: String,
    region: String,
    owner_id: String,
    state: String,
}

impl Typed {
    fn of(p: &Pairs) -> Typed {
        Typed {
            deadline_kind: p.text("deadline_kind"),
            ticket_kind: p.text("ticket_kind"),
            region: p.text("region"),
            owner_id: p.text("owner_id"),
            state: p.text("state"),
        }
    }

    fn filter(&self) -> Result<BoardFilter, Error> {
        parse_filter(
            Some(&self.deadline_kind),
            Some(&self.ticket_kind),
            Some(&self.region),
            Some(&self.owner_id),
            Some(&self.state),
        )
    }

    fn pairs<'a>(&'a self, state: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("deadline_kind", self.deadline_kind.as_str()),
            ("ticket_kind", self.ticket_kind.as_str()),
            ("region", self.region.as_str()),
            ("owner_id", self.owner_id.as_str()),
            ("state", state),
        ]
    }
}

struct LineView {
    href: String,
    number: String,
    ticket_kind: String,
    customer: String,
    summary: String,
    region: String,
    kind: String,
    owner: String,
    due: String,
    state: &'static str,
    state_text: String,
    relative: String,
}

impl LineView {
    fn new(lang: Lang, l: &BoardLine, now: DateTime<Utc>) -> Self {
        let state = l.state(now);
        LineView {
            href: format!("/tickets/{}", l.ticket_id.0),
            number: l.number(),
            ticket_kind: lang
                .t(&format!("kind.{}", l.ticket_kind.as_str()))
                .to_string(),
            customer: l.customer_name.clone(),
            summary: l.summary.clone(),
            region: region_label(lang, l.region),
            kind: kind_label(lang, l.kind),
            owner: l
                .owner_name
                .clone()
                .unwrap_or_else(|| lang.t("board.nobody").to_string()),
            due: full_time(l.times.due_at),
            state: state.as_str(),
            state_text: state_label(lang, state),
            relative: relative(lang, l.minutes_left(now)),
        }
    }
}

struct CountView {
    state: &'static str,
    label: String,
    n: i64,
    href: String,
    current: bool,
}

struct LoadView {
    name: String,
    href: Option<String>,
    open_tickets: i64,
    running: i64,
    warnings: i64,
    breaches: i64,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    l: Layout,
    counts: Vec<CountView>,
    total: i64,
    rows: Vec<LineView>,
    loads: Vec<LoadView>,
    deadline_kinds: Vec<Choice>,
    ticket_kinds: Vec<Choice>,
    regions: Vec<Choice>,
    owners: Vec<Choice>,
    states: Vec<Choice>,
    next_href: Option<String>,
    first_href: Option<String>,
    export_csv_href: String,
    export_xlsx_href: String,
    month_href: String,
    as_of: String,
}

fn choices<T: Copy>(
    lang: Lang,
    all: &[T],
    value: impl Fn(T) -> &'static str,
    key: &str,
    current: &str,
) -> Vec<Choice> {
    let mut v = vec![Choice::new("", lang.t("board.any"), current)];
    v.extend(all.iter().map(|x| {
        let s = value(*x);
        Choice::new(s, lang.t(&format!("{key}.{s}")), current)
    }));
    v
}

/// `GET /board`
pub async fn board(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let now = state.now();
    let typed = Typed::of(&p);
    let filter = typed.filter()?;
    let cursor = parse_cursor(p.get("cursor"))?;
    let limit = app::DEFAULT_LIMIT * 2;
    let mut lines =
        app::board::lines(&state, &u.user, &filter, cursor.as_ref(), Some(limit), now).await?;
    let counts = app::board::counts(&state, &u.user, &filter, now).await?;
    let loads = app::board::load(&state, &u.user, now).await?;
    let more = lines.len() > usize::try_from(limit).unwrap_or(0);
    lines.truncate(usize::try_from(limit).unwrap_or(0));
    let lang = u.lang;
    let next_href = if more {
        lines.last().map(|l| {
            let c = l.cursor().encode();
            let mut pairs = typed.pairs(&typed.state);
            pairs.push(("cursor", &c));
            url_with("/board", &pairs)
        })
    } else {
        None
    };
    let people = app::users::users(&state, &u.user, None).await?;
    let mut owners = vec![Choice::new("", lang.t("board.anyone"), &typed.owner_id)];
    owners.extend(
        people
            .iter()
            .filter(|p| p.active)
            .map(|p| Choice::new(p.id.0.to_string(), p.display_name.clone(), &typed.owner_id)),
    );
    let export = |format: &str| {
        let mut pairs = typed.pairs(&typed.state);
        pairs.push(("format", format));
        url_with("/board/export", &pairs)
    };
    render(&BoardPage {
        counts: OPEN_STATES
            .iter()
            .map(|s| CountView {
                state: s.as_str(),
                label: state_label(lang, *s),
                n: counts.of(*s),
                href: url_with("/board", &typed.pairs(s.as_str())),
                current: filter.state == Some(*s),
            })
            .collect(),
        total: counts.total(),
        rows: lines.iter().map(|l| LineView::new(lang, l, now)).collect(),
        loads: loads
            .into_iter()
            .map(|l| LoadView {
                name: l
                    .name
                    .clone()
                    .unwrap_or_else(|| lang.t("board.nobody").to_string()),
                href: l
                    .user_id
                    .map(|id| url_with("/board", &[("owner_id", &id.0.to_string())])),
                open_tickets: l.open_tickets,
                running: l.running,
                warnings: l.warnings,
                breaches: l.breaches,
            })
            .collect(),
        deadline_kinds: choices(
            lang,
            DeadlineKind::ALL,
            DeadlineKind::as_str,
            "deadline",
            &typed.deadline_kind,
        ),
        ticket_kinds: choices(
            lang,
            TicketKind::ALL,
            TicketKind::as_str,
            "kind",
            &typed.ticket_kind,
        ),
        regions: choices(lang, &Region::ALL, Region::as_str, "region", &typed.region),
        owners,
        states: choices(
            lang,
            &OPEN_STATES,
            DeadlineState::as_str,
            "deadline_state",
            &typed.state,
        ),
        first_href: cursor
            .is_some()
            .then(|| url_with("/board", &typed.pairs(&typed.state))),
        next_href,
        export_csv_href: export("csv"),
        export_xlsx_href: export("xlsx"),
        month_href: format!("/board/months/{}", Month::of(now)),
        as_of: lang.f("dashboard.as_of", &[("t", &full_time(now))]),
        l: u.layout("board", u.t("board.title")),
    })
}

/// The headers of the open-deadline export.
const LINE_HEADERS: [&str; 11] = [
    "工单号",
    "工单类型",
    "客户",
    "地区",
    "期限",
    "负责人",
    "到期时间",
    "状态",
    "剩余（分钟）",
    "摘要",
    "工单链接",
];

/// `GET /board/export?format=&…filters`: every open deadline the filters keep (up to the
/// export bound), in the board's order.
pub async fn board_export(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let now = state.now();
    let format = Format::parse(p.get("format"))?;
    let filter = Typed::of(&p).filter()?;
    let zh = Lang::Zh;
    let mut rows = Vec::new();
    let mut cursor = None;
    loop {
        let page = app::board::lines(
            &state,
            &u.user,
            &filter,
            cursor.as_ref(),
            Some(app::MAX_LIMIT),
            now,
        )
        .await?;
        let more = page.len() > usize::try_from(app::MAX_LIMIT).unwrap_or(0);
        for l in page
            .iter()
            .take(usize::try_from(app::MAX_LIMIT).unwrap_or(0))
        {
            let st = l.state(now);
            rows.push(vec![
                l.number(),
                zh.t(&format!("kind.{}", l.ticket_kind.as_str()))
                    .to_string(),
                l.customer_name.clone(),
                region_label(zh, l.region),
                kind_label(zh, l.kind),
                l.owner_name.clone().unwrap_or_default(),
                full_time(l.times.due_at),
                state_label(zh, st),
                l.minutes_left(now).to_string(),
                l.summary.clone(),
                format!("/tickets/{}", l.ticket_id.0),
            ]);
            cursor = Some(l.cursor());
        }
        sanbao_domain::export::within_bound(rows.len())?;
        if !more {
            break;
        }
    }
    let sheet = Sheet {
        kind: ExportKind::BoardDeadlines,
        headers: LINE_HEADERS.to_vec(),
        rows,
    };
    download_sheet(&state, &u, sheet, format).await
}

// ---------------------------------------------------------------------------------------
// The month.

struct FigureView {
    label: String,
    due: i64,
    on_time: i64,
    late: i64,
    running: i64,
    rate: String,
    /// Low: under 90 %.
    low: bool,
    href_all: String,
    href_late: String,
    href_on_time: String,
}

fn figure(label: String, t: &Tally, base: &str, pairs: &[(&str, &str)]) -> FigureView {
    let with = |outcome: &str| {
        let mut p = pairs.to_vec();
        p.push(("outcome", outcome));
        url_with(base, &p)
    };
    FigureView {
        label,
        due: t.due(),
        on_time: t.on_time,
        late: t.late,
        running: t.running,
        rate: rate_text(t),
        low: t.rate_permille().is_some_and(|p| p < 900),
        href_all: url_with(base, pairs),
        href_late: with("late"),
        href_on_time: with("on_time"),
    }
}

struct MonthLineView {
    href: String,
    number: String,
    customer: String,
    region: String,
    kind: String,
    owner: String,
    due: String,
    met: String,
    state: &'static str,
    state_text: String,
    cause: String,
    cause_note: String,
    cause_href: Option<String>,
}

impl MonthLineView {
    fn new(lang: Lang, l: &MonthLine, now: DateTime<Utc>, may_record: bool) -> Self {
        let st = l.state(now);
        let late = Outcome::of(st) == Outcome::Late;
        MonthLineView {
            href: format!("/tickets/{}", l.ticket_id.0),
            number: l.number(),
            customer: l.customer_name.clone(),
            region: region_label(lang, l.region),
            kind: kind_label(lang, l.kind),
            owner: l
                .owner_name
                .clone()
                .unwrap_or_else(|| lang.t("board.nobody").to_string()),
            due: full_time(l.due_at),
            met: l.met_at.map(full_time).unwrap_or_default(),
            state: st.as_str(),
            state_text: state_label(lang, st),
            cause: l.cause.as_ref().map_or_else(String::new, |c| {
                lang.t(&format!("board.cause.{}", c.category.as_str()))
                    .to_string()
            }),
            cause_note: l
                .cause
                .as_ref()
                .and_then(|c| c.note.clone())
                .unwrap_or_default(),
            cause_href: (late && may_record)
                .then(|| format!("/board/causes/{}/{}", l.ticket_id.0, l.kind.as_str())),
        }
    }
}

#[derive(Template)]
#[template(path = "board_month.html")]
struct MonthPage {
    l: Layout,
    previous_href: String,
    next_href: String,
    total: FigureView,
    by_kind: Vec<FigureView>,
    by_region: Vec<FigureView>,
    breaches: Vec<MonthLineView>,
    export_figures_csv: String,
    export_figures_xlsx: String,
    export_breaches_csv: String,
    export_breaches_xlsx: String,
    /// The month's reply rates (R3.5, R3.7), per kind and in all, and where their
    /// details are.
    reply_rates: Vec<super::replies::RateLine>,
    replies_href: String,
}

fn parse_month(s: &str) -> WebResult<Month> {
    Ok(Month::parse(s).map_err(|p| Error::field("month", p))?)
}

/// `GET /board/months/{month}`
pub async fn month(
    State(state): State<AppState>,
    u: WebUser,
    Path(m): Path<String>,
) -> WebResult<Response> {
    let now = state.now();
    let m = parse_month(&m)?;
    let (f, lines) = app::board::month(&state, &u.user, m, now).await?;
    let rates = app::replies::rates(&state, &u.user, m).await?;
    let lang = u.lang;
    let reply_rates = vec![
        super::replies::RateLine::new(lang.t("kind.consultation").to_string(), rates.consultation),
        super::replies::RateLine::new(
            lang.t("kind.correspondence").to_string(),
            rates.correspondence,
        ),
        super::replies::RateLine::new(lang.t("board.all_replies").to_string(), rates.all),
    ];
    let base = format!("/board/months/{m}/deadlines");
    let export = |what: &str, format: &str| {
        url_with(
            &format!("/board/months/{m}/export"),
            &[("what", what), ("format", format)],
        )
    };
    render(&MonthPage {
        previous_href: format!("/board/months/{}", m.previous()),
        next_href: format!("/board/months/{}", m.next()),
        total: figure(
            lang.t("board.all_deadlines").to_string(),
            &f.total,
            &base,
            &[],
        ),
        by_kind: f
            .by_kind
            .iter()
            .map(|(k, t)| figure(kind_label(lang, *k), t, &base, &[("kind", k.as_str())]))
            .collect(),
        by_region: f
            .by_region
            .iter()
            .map(|(r, t)| figure(region_label(lang, *r), t, &base, &[("region", r.as_str())]))
            .collect(),
        breaches: lines
            .iter()
            .filter(|l| l.outcome(now) == Outcome::Late)
            .map(|l| MonthLineView::new(lang, l, now, true))
            .collect(),
        export_figures_csv: export("figures", "csv"),
        export_figures_xlsx: export("figures", "xlsx"),
        export_breaches_csv: export("breaches", "csv"),
        export_breaches_xlsx: export("breaches", "xlsx"),
        reply_rates,
        replies_href: format!("/replies?month={m}"),
        l: u.layout("board", lang.f("board.month_title", &[("month", &m)])),
    })
}

#[derive(Template)]
#[template(path = "board_behind.html")]
struct BehindPage {
    l: Layout,
    month_href: String,
    what: String,
    rows: Vec<MonthLineView>,
}

/// What a drill-down's filter stands for, in words.
fn filter_words(lang: Lang, f: &MonthFilter) -> String {
    let mut parts = Vec::new();
    if let Some(k) = f.kind {
        parts.push(kind_label(lang, k));
    }
    if let Some(r) = f.region {
        parts.push(region_label(lang, r));
    }
    if let Some(o) = f.outcome {
        parts.push(lang.t(&format!("board.outcome.{}", o.as_str())).to_string());
    }
    if parts.is_empty() {
        lang.t("board.all_deadlines").to_string()
    } else {
        parts.join(" · ")
    }
}

/// `GET /board/months/{month}/deadlines?kind=&region=&outcome=`
pub async fn behind(
    State(state): State<AppState>,
    u: WebUser,
    Path(m): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let now = state.now();
    let m = parse_month(&m)?;
    let filter = parse_month_filter(p.get("kind"), p.get("region"), p.get("outcome"))?;
    let lines = app::board::behind(&state, &u.user, m, &filter, now).await?;
    let lang = u.lang;
    render(&BehindPage {
        month_href: format!("/board/months/{m}"),
        what: filter_words(lang, &filter),
        rows: lines
            .iter()
            .map(|l| MonthLineView::new(lang, l, now, true))
            .collect(),
        l: u.layout("board", lang.f("board.behind_title", &[("month", &m)])),
    })
}

const FIGURE_HEADERS: [&str; 8] = [
    "月份",
    "分组",
    "项目",
    "到期（已定）",
    "按时",
    "超期",
    "未到期",
    "按时率",
];
const BREACH_HEADERS: [&str; 11] = [
    "工单号",
    "客户",
    "地区",
    "期限",
    "负责人",
    "到期时间",
    "完成时间",
    "状态",
    "超期原因",
    "原因说明",
    "工单链接",
];

/// `GET /board/months/{month}/export?what=figures|breaches&format=csv|xlsx`
pub async fn month_export(
    State(state): State<AppState>,
    u: WebUser,
    Path(m): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let now = state.now();
    let m = parse_month(&m)?;
    let format = Format::parse(p.get("format"))?;
    let (f, lines) = app::board::month(&state, &u.user, m, now).await?;
    let zh = Lang::Zh;
    let sheet = if p.get("what") == Some("breaches") {
        Sheet {
            kind: ExportKind::BoardBreaches,
            headers: BREACH_HEADERS.to_vec(),
            rows: lines
                .iter()
                .filter(|l| l.outcome(now) == Outcome::Late)
                .map(|l| {
                    let v = MonthLineView::new(zh, l, now, false);
                    vec![
                        v.number,
                        v.customer,
                        v.region,
                        v.kind,
                        v.owner,
                        v.due,
                        v.met,
                        v.state_text,
                        v.cause,
                        v.cause_note,
                        v.href,
                    ]
                })
                .collect(),
        }
    } else {
        let month = m.to_string();
        let row = |group: &str, label: String, t: &Tally| {
            vec![
                month.clone(),
                group.to_string(),
                label,
                t.due().to_string(),
                t.on_time.to_string(),
                t.late.to_string(),
                t.running.to_string(),
                rate_text(t),
            ]
        };
        let mut rows = vec![row(
            "合计",
            zh.t("board.all_deadlines").to_string(),
            &f.total,
        )];
        rows.extend(
            f.by_kind
                .iter()
                .map(|(k, t)| row("期限类型", kind_label(zh, *k), t)),
        );
        rows.extend(
            f.by_region
                .iter()
                .map(|(r, t)| row("地区", region_label(zh, *r), t)),
        );
        Sheet {
            kind: ExportKind::BoardFigures,
            headers: FIGURE_HEADERS.to_vec(),
            rows,
        }
    };
    download_sheet(&state, &u, sheet, format).await
}

// ---------------------------------------------------------------------------------------
// A breach's cause.

#[derive(Template)]
#[template(path = "board_cause.html")]
struct CausePage {
    l: Layout,
    action: String,
    back_href: String,
    ticket_href: String,
    number: String,
    kind: String,
    categories: Vec<Choice>,
    note: String,
    errors: Messages,
    form_errors: ErrorSummary,
}

fn cause_page(
    u: &WebUser,
    ticket: TicketId,
    kind: DeadlineKind,
    month: Month,
    category: &str,
    note: &str,
    errors: &FieldErrors,
) -> CausePage {
    let lang = u.lang;
    let messages = Messages::new(lang, errors);
    let fields = [
        FormField::new("category", "category", lang.t("board.cause_category")),
        FormField::new("note", "note", lang.t("board.cause_note")),
    ];
    let form_errors = ErrorSummary::new(lang, &messages, &fields, None);
    let mut categories = vec![Choice::new("", lang.t("common.choose"), category)];
    categories.extend(BreachCategory::ALL.iter().map(|c| {
        Choice::new(
            c.as_str(),
            lang.t(&format!("board.cause.{}", c.as_str())),
            category,
        )
    }));
    CausePage {
        action: format!("/board/causes/{}/{}", ticket.0, kind.as_str()),
        back_href: format!("/board/months/{month}"),
        ticket_href: format!("/tickets/{}", ticket.0),
        number: sanbao_domain::ticket::ticket_number(ticket),
        kind: kind_label(lang, kind),
        categories,
        note: note.to_string(),
        errors: messages,
        form_errors,
        l: u.layout("board", lang.t("board.cause_title")),
    }
}

fn cause_target(ticket: i64, kind: &str) -> WebResult<(TicketId, DeadlineKind)> {
    let kind = DeadlineKind::parse(kind).ok_or(Error::NotFound("deadline"))?;
    Ok((TicketId(ticket), kind))
}

/// The month the deadline was due in, to go back to.
async fn month_of_deadline(
    state: &AppState,
    u: &WebUser,
    ticket: TicketId,
    kind: DeadlineKind,
) -> WebResult<Month> {
    let t = app::tickets::ticket(state, &u.user, ticket).await?;
    let d = t.deadline(kind).ok_or(Error::NotFound("deadline"))?;
    Ok(Month::of(d.due_at))
}

/// `GET /board/causes/{ticket}/{kind}`
pub async fn cause_form(
    State(state): State<AppState>,
    u: WebUser,
    Path((ticket, kind)): Path<(i64, String)>,
) -> WebResult<Response> {
    let (ticket, kind) = cause_target(ticket, &kind)?;
    app::require(&u.user, sanbao_domain::Permission::WatchDeadlines)?;
    let month = month_of_deadline(&state, &u, ticket, kind).await?;
    let lines =
        app::board::behind(&state, &u.user, month, &MonthFilter::default(), state.now()).await?;
    let current = lines
        .iter()
        .find(|l| l.ticket_id == ticket && l.kind == kind)
        .and_then(|l| l.cause.clone());
    let (category, note) = current.map_or((String::new(), String::new()), |c| {
        (c.category.as_str().to_string(), c.note.unwrap_or_default())
    });
    render(&cause_page(
        &u,
        ticket,
        kind,
        month,
        &category,
        &note,
        &FieldErrors::new(),
    ))
}

/// `POST /board/causes/{ticket}/{kind}`: saved, back to the month's breaches; bad input,
/// the form again with what was typed.
pub async fn save_cause(
    State(state): State<AppState>,
    Path((ticket, kind)): Path<(i64, String)>,
    form: WebForm,
) -> WebResult<Response> {
    let u = form.user;
    let (ticket, kind) = cause_target(ticket, &kind)?;
    let category = form.form.text("category");
    let note = form.form.text("note");
    let month = month_of_deadline(&state, &u, ticket, kind).await?;
    let saved = match BreachCause::parse(&category, &note) {
        Ok(cause) => {
            app::board::record_cause(&state, &u.user, ticket, kind, &cause, state.now()).await
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(see_other(&format!("/board/months/{month}#breaches"))),
        Err(Error::Validation(errors)) => super::render_with(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            &cause_page(&u, ticket, kind, month, &category, &note, &errors),
        ),
        Err(e) => Err(e.into()),
    }
}
