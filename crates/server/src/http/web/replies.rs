//! `/replies`: the month's reply rate, on-time reply rate and correct-reply rate for the
//! department, per kind and per engineer (R3.5, R3.7, R6.2), with the queue of replies
//! waiting for their review.

use super::view::{clip, full_time};
use super::{Layout, QueryParams, WebResult, WebUser, render, url_with};
use crate::app;
use crate::app::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use sanbao_domain::replies::{Month, ReplyCounts, percent};
use sanbao_domain::ticket::ticket_number;
use std::collections::HashMap;

pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new().route("/replies", get(page))
}

/// One line of figures: counts and their rates in words (also on the manager's board).
pub(crate) struct RateLine {
    pub label: String,
    pub received: i64,
    pub replied: i64,
    pub awaiting: i64,
    pub reply_rate: String,
    pub on_time_rate: String,
    pub correct_rate: String,
    /// Below the policy's 100% target.
    pub short: bool,
}

impl RateLine {
    pub(crate) fn new(label: String, c: ReplyCounts) -> Self {
        let below = |r: Option<f64>| r.is_some_and(|v| v < 1.0);
        RateLine {
            short: below(c.reply_rate()) || below(c.on_time_rate()) || below(c.correct_rate()),
            label,
            received: c.received,
            replied: c.replied,
            awaiting: c.awaiting_review,
            reply_rate: percent(c.reply_rate()),
            on_time_rate: percent(c.on_time_rate()),
            correct_rate: percent(c.correct_rate()),
        }
    }
}

struct QueueLine {
    kind: &'static str,
    number: String,
    href: String,
    kind_label: String,
    customer: String,
    summary: String,
    reply: String,
    sent_via: String,
    by: String,
    replied_at: String,
}

#[derive(Template)]
#[template(path = "replies_page.html")]
struct Page {
    l: Layout,
    month: String,
    month_label: String,
    prev_href: String,
    next_href: Option<String>,
    all: RateLine,
    kinds: Vec<RateLine>,
    engineers: Vec<RateLine>,
    queue: Vec<QueueLine>,
    may_review: bool,
    reply_hint: String,
    on_time_hint: String,
    correct_hint: String,
}

/// Replies listed in the queue at most.
const QUEUE: i64 = 100;

/// `GET /replies?month=YYYY-MM`: the current month when none (or a bad one) is asked for.
pub async fn page(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let now = state.now();
    let this = app::replies::this_month(now);
    let month = p
        .filled("month")
        .and_then(|m| Month::parse(m).ok())
        .unwrap_or(this);
    let rates = app::replies::rates(&state, &u.user, month).await?;
    let people = app::users::users(&state, &u.user, None).await?;
    let names: HashMap<i64, String> = people
        .into_iter()
        .map(|p| (p.id.0, p.display_name))
        .collect();
    let queue = app::replies::review_queue(&state, &u.user, QUEUE).await?;
    let href = |m: Month| url_with("/replies", &[("month", &m.to_string())]);
    let mut engineers: Vec<RateLine> = rates
        .per_engineer
        .iter()
        .map(|(who, c)| {
            let name = who.map_or_else(
                || u.t("replies.unowned").to_string(),
                |w| names.get(&w.0).cloned().unwrap_or_else(|| w.0.to_string()),
            );
            RateLine::new(name, *c)
        })
        .collect();
    sanbao_domain::people::sort_by_pinyin(&mut engineers, |l| l.label.as_str());
    let a = rates.all;
    render(&Page {
        reply_hint: u.lang.f(
            "replies.reply_rate_hint",
            &[("n", &a.replied), ("d", &a.received)],
        ),
        on_time_hint: u.lang.f(
            "replies.on_time_rate_hint",
            &[("n", &a.on_time), ("d", &a.received)],
        ),
        correct_hint: u.lang.f(
            "replies.correct_rate_hint",
            &[
                ("n", &a.correct),
                ("d", &a.reviewed),
                ("w", &a.awaiting_review),
            ],
        ),
        l: u.layout("replies", u.t("replies.title")),
        month: month.to_string(),
        month_label: u.lang.f(
            "replies.month_label",
            &[("y", &month.year), ("m", &month.month)],
        ),
        prev_href: href(month.previous()),
        next_href: (month < this).then(|| href(month.next())),
        all: RateLine::new(u.t("replies.department").to_string(), rates.all),
        kinds: vec![
            RateLine::new(u.t("kind.consultation").to_string(), rates.consultation),
            RateLine::new(u.t("kind.correspondence").to_string(), rates.correspondence),
        ],
        engineers,
        queue: queue
            .into_iter()
            .map(|q| QueueLine {
                kind: q.kind.as_str(),
                number: ticket_number(q.ticket_id),
                href: format!("/tickets/{}#action-review_reply", q.ticket_id.0),
                kind_label: u.t(&format!("kind.{}", q.kind)).to_string(),
                customer: q.customer_name,
                summary: clip(&q.summary, 60),
                reply: clip(&q.reply, 80),
                sent_via: q
                    .sent_via
                    .map(|m| u.t(&format!("medium.{m}")).to_string())
                    .unwrap_or_default(),
                by: q.reply_by_name,
                replied_at: q.replied_at.map(full_time).unwrap_or_default(),
            })
            .collect(),
        may_review: u.may(sanbao_domain::Permission::ReviewReplies),
    })
}
