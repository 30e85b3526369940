//! `GET /`: the service desk (R6.1) — what has breached, what is due within the hour, the
//! open work by nearest deadline, and open work without one; the whole department's or
//! one's own. `GET /desk/fragment` is the same desk without the page around it: the page's
//! script fetches it every few seconds and puts it in place, so the desk stays current
//! without a reload.

use super::view::{TicketLine, TicketTable, full_time};
use super::{Layout, QueryParams, WebResult, WebUser, render, render_partial};
use crate::app;
use crate::app::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

/// `/`, the service desk, and its changing part for the script.
pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/", get(page))
        .route("/desk/fragment", get(fragment))
}

/// How often the page fetches the desk again, unless `?poll_ms=` asks otherwise.
const POLL_MS: u64 = 5_000;

/// One list of the desk: a heading, how many rows, and the table.
struct DeskList {
    /// The section's `id`, an anchor the figures link to.
    id: &'static str,
    title: String,
    count: Option<usize>,
    table: String,
    /// A secondary list shows only when it holds something.
    hide_when_empty: bool,
}

/// The part of the desk that changes: the figures, the lists and the time they were read.
#[derive(Template)]
#[template(path = "dashboard_live_partial.html")]
struct DeskLive<'a> {
    l: &'a Layout,
    breached: i64,
    due_soon: i64,
    open: i64,
    lists: Vec<DeskList>,
    as_of: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    mine: bool,
    live: String,
    fragment_href: String,
    refresh_href: String,
    /// The whole department's desk (`/?desk=1` for whoever lands on their jobs at `/`).
    everyone_href: &'static str,
    poll_ms: u64,
}

/// The desk's changing part as HTML, for the page or for the script.
async fn desk_live(state: &AppState, u: &WebUser, l: &Layout, mine: bool) -> WebResult<String> {
    let now = state.now();
    let d = app::tickets::dashboard(state, &u.user, mine.then_some(u.user.id), now).await?;
    let lines = |rows: Vec<sanbao_domain::ticket::TicketSummary>| -> Vec<TicketLine> {
        rows.into_iter()
            .map(|r| TicketLine::new(u.lang, r, now))
            .collect()
    };
    let by_deadline = lines(d.by_deadline);
    let without = lines(d.without_deadline);
    let met = lines(d.deadlines_met);
    let waiting = lines(d.waiting);
    let lists = vec![
        DeskList {
            id: "by-deadline",
            title: u.t("dashboard.by_deadline").to_string(),
            count: None,
            table: render_partial(&TicketTable {
                l,
                rows: &by_deadline,
                by_deadline: true,
                deadline_column: true,
                customer_column: true,
                empty: u.t("dashboard.empty").to_string(),
            })?,
            hide_when_empty: false,
        },
        DeskList {
            id: "without-deadline",
            title: u.t("dashboard.without_deadline").to_string(),
            count: Some(without.len()),
            table: render_partial(&TicketTable {
                l,
                rows: &without,
                by_deadline: false,
                deadline_column: false,
                customer_column: true,
                empty: u.t("dashboard.empty_without").to_string(),
            })?,
            hide_when_empty: false,
        },
        DeskList {
            id: "deadlines-met",
            title: u.t("dashboard.deadlines_met").to_string(),
            count: Some(met.len()),
            table: render_partial(&TicketTable {
                l,
                rows: &met,
                by_deadline: false,
                deadline_column: false,
                customer_column: true,
                empty: u.t("dashboard.empty_met").to_string(),
            })?,
            hide_when_empty: true,
        },
        DeskList {
            id: "waiting",
            title: u.t("dashboard.waiting").to_string(),
            count: Some(waiting.len()),
            table: render_partial(&TicketTable {
                l,
                rows: &waiting,
                by_deadline: false,
                deadline_column: false,
                customer_column: true,
                empty: String::new(),
            })?,
            hide_when_empty: true,
        },
    ];
    render_partial(&DeskLive {
        l,
        breached: d.breached,
        due_soon: d.due_soon,
        open: d.open,
        lists,
        as_of: u.lang.f("dashboard.as_of", &[("t", &full_time(now))]),
    })
}

fn mine_of(q: &super::extract::Pairs) -> bool {
    q.filled("mine").is_some_and(|v| v != "0")
}

pub async fn page(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(q): QueryParams,
) -> WebResult<Response> {
    // ---- The technician's phone (issue 8) ----
    // Whoever goes on site starts from their jobs today; the desk stays one tap away
    // (`/?desk=1`, or any of the desk's own filters).
    if q.0.is_empty() && u.may(sanbao_domain::Permission::DoFieldWork) {
        return Ok(super::see_other(super::field_phone::TODAY));
    }
    // ---- end the technician's phone ----
    let everyone_href = if u.may(sanbao_domain::Permission::DoFieldWork) {
        "/?desk=1"
    } else {
        "/"
    };
    let mine = mine_of(&q);
    let l = u.layout("dashboard", u.t("dashboard.title"));
    let live = desk_live(&state, &u, &l, mine).await?;
    let poll_ms = q
        .filled("poll_ms")
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(POLL_MS, |ms| ms.clamp(500, 60_000));
    render(&DashboardPage {
        l,
        mine,
        live,
        fragment_href: if mine {
            "/desk/fragment?mine=1".into()
        } else {
            "/desk/fragment".into()
        },
        refresh_href: if mine {
            "/?mine=1".into()
        } else {
            everyone_href.into()
        },
        everyone_href,
        poll_ms,
    })
}

/// `GET /desk/fragment?mine=1`: the desk's changing part alone, never cached.
pub async fn fragment(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(q): QueryParams,
) -> WebResult<Response> {
    let l = u.layout("dashboard", u.t("dashboard.title"));
    let live = desk_live(&state, &u, &l, mine_of(&q)).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(live)).into_response())
}
