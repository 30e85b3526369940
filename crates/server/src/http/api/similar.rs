//! Similar past cases (issue 11, part 5): `GET /api/v1/tickets/{id}/similar`.

use super::error::{ApiResult, ErrorBody};
use super::extract::ApiUser;
use super::extract::Path;
use super::ts;
use crate::app;
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use sanbao_domain::TicketId;
use sanbao_domain::similar::Similar;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(similar_cases))
}

#[derive(Serialize, ToSchema)]
pub struct SimilarCaseOut {
    pub ticket_id: i64,
    /// The past ticket's kind (`repair`, `emergency`, `complaint_quality`, …).
    pub kind: String,
    #[schema(nullable)]
    pub model_code: Option<String>,
    /// The first part replaced, when the form names one.
    #[schema(nullable)]
    pub component: Option<String>,
    pub summary: String,
    pub fault_cause: String,
    pub cause_analysis: String,
    /// How it was solved: the form's handling process, else the ticket's resolution.
    pub handling: String,
    /// When it was finished (RFC 3339).
    pub finished_at: String,
    /// Why it is here: `model_and_component`, `same_model`, `same_component`, `text`.
    pub matched: String,
    /// The text score the database gave (higher is closer; 0 when found by model only).
    pub score: f64,
}

impl SimilarCaseOut {
    fn new(s: &Similar) -> Self {
        let matched = serde_json::to_value(s.matched)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        SimilarCaseOut {
            ticket_id: s.case.ticket_id.0,
            kind: s.case.kind.as_str().to_string(),
            model_code: s.case.model_code.clone(),
            component: s.case.component.clone(),
            summary: s.case.summary.clone(),
            fault_cause: s.case.fault_cause.clone(),
            cause_analysis: s.case.cause_analysis.clone(),
            handling: s.case.handling.clone(),
            finished_at: ts(s.case.finished_at),
            matched,
            score: s.score,
        }
    }
}

/// The past repairs, emergencies and complaints closest to this ticket's fault, at most
/// five: the same model first (and the same component when the ticket names it), then
/// by the words of their summary, cause and handling.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/similar", params(("id" = i64, Path)), tag = "tickets", security(("bearer" = [])),
    responses((status = 200, body = Vec<SimilarCaseOut>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn similar_cases(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<SimilarCaseOut>>> {
    let found = app::similar::for_ticket(&state, &actor, TicketId(id)).await?;
    Ok(Json(found.iter().map(SimilarCaseOut::new).collect()))
}
