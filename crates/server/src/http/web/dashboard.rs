//! `GET /`: the service desk (R6.1) — what has breached, what is due within the hour, the
//! open work by nearest deadline, and open work without one; the whole department's or
//! one's own.

use super::view::{TicketLine, TicketTable, full_time};
use super::{QueryParams, WebResult, WebUser, render, render_partial};
use crate::app;
use crate::app::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use sanbao_domain::ticket::TicketSummary;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: super::Layout,
    mine: bool,
    breached: i64,
    due_soon: i64,
    open: i64,
    by_deadline: String,
    without_deadline: String,
    without_count: usize,
    as_of: String,
}

pub async fn page(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(q): QueryParams,
) -> WebResult<Response> {
    let now = state.now();
    let mine = q.filled("mine").is_some_and(|v| v != "0");
    let d = app::tickets::dashboard(&state, &u.user, mine.then_some(u.user.id), now).await?;
    let l = u.layout("dashboard", u.t("dashboard.title"));
    let lines = |rows: Vec<TicketSummary>| -> Vec<TicketLine> {
        rows.into_iter()
            .map(|r| TicketLine::new(u.lang, r, now))
            .collect()
    };
    let by_deadline = lines(d.by_deadline);
    let without = lines(d.without_deadline);
    let by_deadline = render_partial(&TicketTable {
        l: &l,
        rows: &by_deadline,
        by_deadline: true,
        deadline_column: true,
        customer_column: true,
        empty: u.t("dashboard.empty").to_string(),
    })?;
    let without_count = without.len();
    let without_deadline = render_partial(&TicketTable {
        l: &l,
        rows: &without,
        by_deadline: false,
        deadline_column: false,
        customer_column: true,
        empty: u.t("dashboard.empty_without").to_string(),
    })?;
    render(&DashboardPage {
        as_of: u.lang.f("dashboard.as_of", &[("t", &full_time(now))]),
        l,
        mine,
        breached: d.breached,
        due_soon: d.due_soon,
        open: d.open,
        by_deadline,
        without_deadline,
        without_count,
    })
}
