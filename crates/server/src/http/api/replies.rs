//! `/api/v1/replies`: the monthly reply rates (R3.5, R3.7, R6.2) and the queue of replies
//! waiting for their review.

use super::error::{ApiResult, ErrorBody};
use super::extract::{ApiQuery, ApiUser};
use super::ts;
use crate::app::AppState;
use crate::app::{self, clamp_limit};
use axum::Json;
use axum::extract::State;
use sanbao_domain::replies::{Month, ReplyCounts, ReplyRates, ReviewItem};
use sanbao_domain::{Error, TicketId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(rates))
        .routes(routes!(review_queue))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RatesQuery {
    /// `YYYY-MM`, company time; the current month if omitted.
    pub month: Option<String>,
}

/// Counts and rates of a month. Rates are fractions (0.9 = 90%), null when their
/// denominator is zero.
#[derive(Serialize, ToSchema)]
#[schema(as = ReplyCountsOut)]
pub struct CountsOut {
    /// Consultations and letters received in the month (cancelled ones left out).
    pub received: i64,
    /// Of those, replied to (whenever).
    pub replied: i64,
    /// Of those, replied to by the due time.
    pub on_time: i64,
    /// Replies a reviewer has judged.
    pub reviewed: i64,
    /// Replies judged correct.
    pub correct: i64,
    /// Replies not reviewed yet.
    pub awaiting_review: i64,
    /// replied / received
    pub reply_rate: Option<f64>,
    /// on_time / received
    pub on_time_rate: Option<f64>,
    /// correct / reviewed
    pub correct_rate: Option<f64>,
}

impl From<ReplyCounts> for CountsOut {
    fn from(c: ReplyCounts) -> Self {
        CountsOut {
            reply_rate: c.reply_rate(),
            on_time_rate: c.on_time_rate(),
            correct_rate: c.correct_rate(),
            received: c.received,
            replied: c.replied,
            on_time: c.on_time,
            reviewed: c.reviewed,
            correct: c.correct,
            awaiting_review: c.awaiting_review,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EngineerCountsOut {
    /// The owner; null for work nobody owned.
    pub user_id: Option<i64>,
    #[serde(flatten)]
    pub counts: CountsOut,
}

#[derive(Serialize, ToSchema)]
pub struct RatesOut {
    /// `YYYY-MM`
    pub month: String,
    pub all: CountsOut,
    pub consultation: CountsOut,
    pub correspondence: CountsOut,
    pub per_engineer: Vec<EngineerCountsOut>,
}

impl From<ReplyRates> for RatesOut {
    fn from(r: ReplyRates) -> Self {
        RatesOut {
            month: r.month,
            all: r.all.into(),
            consultation: r.consultation.into(),
            correspondence: r.correspondence.into(),
            per_engineer: r
                .per_engineer
                .into_iter()
                .map(|(u, c)| EngineerCountsOut {
                    user_id: u.map(|u| u.0),
                    counts: c.into(),
                })
                .collect(),
        }
    }
}

/// The month's reply rate, on-time reply rate and correct-reply rate: for the department,
/// per kind and per engineer (by owner).
#[utoipa::path(get, path = "/api/v1/replies/rates", params(RatesQuery), tag = "replies", security(("bearer" = [])),
    responses((status = 200, body = RatesOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rates(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<RatesQuery>,
) -> ApiResult<Json<RatesOut>> {
    let month = match q.month.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => app::replies::this_month(state.now()),
        Some(m) => Month::parse(m).map_err(|p| Error::field("month", p))?,
    };
    Ok(Json(
        app::replies::rates(&state, &actor, month).await?.into(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewItemOut {
    pub ticket_id: i64,
    pub number: String,
    pub kind: String,
    pub customer_name: String,
    pub summary: String,
    pub reply: String,
    pub sent_via: Option<String>,
    pub reply_by: i64,
    pub reply_by_name: String,
    pub replied_at: Option<String>,
    pub received_at: String,
    /// The ticket's version, for `review_reply`.
    pub version: i64,
}

impl From<ReviewItem> for ReviewItemOut {
    fn from(r: ReviewItem) -> Self {
        ReviewItemOut {
            number: sanbao_domain::ticket::ticket_number(TicketId(r.ticket_id.0)),
            ticket_id: r.ticket_id.0,
            kind: r.kind.as_str().into(),
            customer_name: r.customer_name,
            summary: r.summary,
            reply: r.reply,
            sent_via: r.sent_via.map(|m| m.as_str().into()),
            reply_by: r.reply_by.0,
            reply_by_name: r.reply_by_name,
            replied_at: r.replied_at.map(ts),
            received_at: ts(r.received_at),
            version: r.version,
        }
    }
}

/// Replies waiting for their review, oldest reply first (R3.7). Review one with
/// `POST /api/v1/tickets/{id}/events {"type": "review_reply", "correct": …, "comment": …}`.
#[utoipa::path(get, path = "/api/v1/replies/review-queue", params(QueueQuery), tag = "replies", security(("bearer" = [])),
    responses((status = 200, body = [ReviewItemOut]), (status = 403, body = ErrorBody)))]
pub async fn review_queue(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> ApiResult<Json<Vec<ReviewItemOut>>> {
    let items = app::replies::review_queue(&state, &actor, clamp_limit(q.limit)).await?;
    Ok(Json(items.into_iter().map(Into::into).collect()))
}
