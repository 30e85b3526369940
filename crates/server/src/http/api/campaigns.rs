//! `/api/v1/campaigns`: the yearly customer visit campaign (R3.9). The manager defines a
//! campaign (a draft, editable on its `version`), launches it (its targets are computed
//! then), each target's assignee (or the department) records the customer's response or
//! issues a questionnaire link, and the summary gives the results per question and per
//! region with the verbatim suggestions.

use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiJson, ApiUser};
use super::ts;
use crate::app;
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sanbao_domain::campaign::{
    Campaign, CampaignInput, QuestionInput, Response, ResponseInput, Summary, Target,
};
use sanbao_domain::{CampaignId, CustomerId, Error, Problem, UserId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, edit))
        .routes(routes!(launch))
        .routes(routes!(targets))
        .routes(routes!(respond))
        .routes(routes!(issue_link))
        .routes(routes!(summary))
        // ---- campaigns 2 ----
        .routes(routes!(close))
        .routes(routes!(assign))
    // ---- end campaigns 2 ----
}

#[derive(Deserialize, Serialize, ToSchema, Default, Clone)]
#[serde(deny_unknown_fields, default)]
pub struct QuestionIn {
    /// rating (1–5), choice, text
    pub kind: String,
    pub label: String,
    /// The options of a choice (2 to 8).
    pub options: Vec<String>,
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CampaignIn {
    pub year: Option<i64>,
    pub name: String,
    /// visit, phone, questionnaire, meeting (at least one)
    pub channels: Vec<String>,
    /// Target customers in these regions (hangzhou_urban, zhejiang, out_of_province,
    /// unknown); none: any region.
    pub regions: Vec<String>,
    /// Target customers with a unit of one of these product models; none: any.
    pub model_ids: Vec<i64>,
    /// Target the customers of these salespeople; none: any.
    pub salesperson_ids: Vec<i64>,
    /// The questionnaire (1 to 12 questions); answers are keyed q1, q2, … in this order.
    pub questions: Vec<QuestionIn>,
}

impl CampaignIn {
    fn input(self) -> CampaignInput {
        CampaignInput {
            year: self.year,
            name: self.name,
            channels: self.channels,
            regions: self.regions,
            model_ids: self.model_ids,
            salesperson_ids: self.salesperson_ids,
            questions: self
                .questions
                .into_iter()
                .map(|q| QuestionInput {
                    kind: q.kind,
                    label: q.label,
                    options: q.options,
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct QuestionOut {
    /// q1, q2, …: the key of its answer.
    pub key: String,
    pub kind: String,
    pub label: String,
    pub options: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CampaignOut {
    pub id: i64,
    pub year: i32,
    pub name: String,
    pub channels: Vec<String>,
    pub regions: Vec<String>,
    pub model_ids: Vec<i64>,
    pub salesperson_ids: Vec<i64>,
    pub questions: Vec<QuestionOut>,
    /// draft, running, closed
    pub status: String,
    pub launched_at: Option<String>,
    pub created_by: i64,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<Campaign> for CampaignOut {
    fn from(c: Campaign) -> Self {
        let f = c.fields;
        CampaignOut {
            id: c.id.0,
            year: f.year,
            name: f.name,
            channels: f.channels.iter().map(|x| x.as_str().into()).collect(),
            regions: f
                .targeting
                .regions
                .iter()
                .map(|x| x.as_str().into())
                .collect(),
            model_ids: f.targeting.model_ids.iter().map(|m| m.0).collect(),
            salesperson_ids: f.targeting.salesperson_ids.iter().map(|u| u.0).collect(),
            questions: f
                .questions
                .into_iter()
                .map(|q| QuestionOut {
                    key: q.key,
                    kind: q.kind.as_str().into(),
                    label: q.label,
                    options: q.options,
                })
                .collect(),
            status: c.status.as_str().into(),
            launched_at: c.launched_at.map(ts),
            created_by: c.created_by.0,
            created_at: ts(c.created_at),
            updated_at: ts(c.updated_at),
            version: c.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ResponseOut {
    /// visit, phone, questionnaire, meeting
    pub channel: String,
    pub date: String,
    /// Question key → answer (a rating as "1".."5").
    pub answers: BTreeMap<String, String>,
    pub suggestions: Option<String>,
    /// Who recorded it; none when the customer answered through the link.
    pub recorded_by: Option<i64>,
    pub recorded_at: String,
}

impl From<Response> for ResponseOut {
    fn from(r: Response) -> Self {
        ResponseOut {
            channel: r.channel.as_str().into(),
            date: r.date.to_string(),
            answers: r.answers,
            suggestions: r.suggestions,
            recorded_by: r.recorded_by.map(|u| u.0),
            recorded_at: ts(r.recorded_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TargetOut {
    pub customer_id: i64,
    pub customer_name: String,
    pub region: String,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub responded: bool,
    pub response: Option<ResponseOut>,
    /// Until when the last questionnaire link handed out works.
    pub link_expires_at: Option<String>,
    pub version: i64,
}

impl From<Target> for TargetOut {
    fn from(t: Target) -> Self {
        TargetOut {
            customer_id: t.customer_id.0,
            customer_name: t.customer_name,
            region: t.region.as_str().into(),
            assignee_id: t.assignee_id.map(|u| u.0),
            assignee_name: t.assignee_name,
            responded: t.response.is_some(),
            response: t.response.map(ResponseOut::from),
            link_expires_at: t.token_expires_at.map(ts),
            version: t.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CampaignList {
    pub items: Vec<CampaignOut>,
}

#[derive(Serialize, ToSchema)]
pub struct TargetList {
    pub items: Vec<TargetOut>,
}

/// Every campaign, newest year first.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = CampaignList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> ApiResult<Json<CampaignList>> {
    let rows = app::campaigns::list(&state, &actor).await?;
    Ok(Json(CampaignList {
        items: rows.into_iter().map(CampaignOut::from).collect(),
    }))
}

/// Define a campaign (the manager): a draft. Every bad field is named (422).
#[utoipa::path(post, path = "/api/v1/campaigns", request_body = CampaignIn, tag = "campaigns", security(("bearer" = [])),
    responses((status = 201, body = CampaignOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<CampaignIn>,
) -> ApiResult<(StatusCode, Json<CampaignOut>)> {
    let c = app::campaigns::create(&state, &actor, &b.input(), state.now()).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// One campaign.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", params(("id" = i64, Path)), tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = CampaignOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<CampaignOut>> {
    let (c, _) = app::campaigns::get(&state, &actor, CampaignId(id)).await?;
    Ok(Json(c.into()))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CampaignPatch {
    /// The version read: a stale one is refused with 409.
    pub version: Option<i64>,
    /// The whole new definition.
    #[serde(flatten)]
    pub definition: CampaignIn,
}

/// Change a draft's definition (the manager); a launched campaign is refused with 409.
#[utoipa::path(patch, path = "/api/v1/campaigns/{id}", params(("id" = i64, Path)), request_body = CampaignPatch, tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = CampaignOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<CampaignPatch>,
) -> ApiResult<Json<CampaignOut>> {
    let version = b
        .version
        .ok_or_else(|| Error::field("version", Problem::required()))?;
    let c = app::campaigns::edit(
        &state,
        &actor,
        CampaignId(id),
        version,
        &b.definition.input(),
        state.now(),
    )
    .await?;
    Ok(Json(c.into()))
}

#[derive(Serialize, ToSchema)]
pub struct Launched {
    pub campaign: CampaignOut,
    /// How many customers were targeted.
    pub targets: usize,
}

/// Launch a draft (the manager): its targets are computed and stored now, each assigned
/// to the customer's salesperson.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/launch", params(("id" = i64, Path)), tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = Launched), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn launch(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Launched>> {
    let (c, n) = app::campaigns::launch(&state, &actor, CampaignId(id), state.now()).await?;
    Ok(Json(Launched {
        campaign: c.into(),
        targets: n,
    }))
}

/// The campaign's targets: all of them for the department, else those assigned to the
/// caller.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/targets", params(("id" = i64, Path)), tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = TargetList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn targets(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<TargetList>> {
    let (_, ts) = app::campaigns::get(&state, &actor, CampaignId(id)).await?;
    Ok(Json(TargetList {
        items: ts.into_iter().map(TargetOut::from).collect(),
    }))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ResponseIn {
    /// A channel of the campaign.
    pub channel: Option<String>,
    /// The day of the contact, `YYYY-MM-DD`, not after today.
    pub date: Option<String>,
    /// Question key (q1, …) → answer: a rating "1".."5", a choice's option, free text.
    pub answers: BTreeMap<String, String>,
    /// The customer's suggestions, word for word.
    pub suggestions: Option<String>,
}

/// Record a customer's response: the target's assignee, or the department (403 for
/// anyone else); once (409 after).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/targets/{customer_id}/response", params(("id" = i64, Path), ("customer_id" = i64, Path)), request_body = ResponseIn, tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = TargetOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn respond(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, customer)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<ResponseIn>,
) -> ApiResult<Json<TargetOut>> {
    let input = ResponseInput {
        channel: b.channel,
        date: b.date,
        answers: b.answers,
        suggestions: b.suggestions,
    };
    let t = app::campaigns::record_response(
        &state,
        &actor,
        CampaignId(id),
        CustomerId(customer),
        &input,
        state.now(),
    )
    .await?;
    Ok(Json(t.into()))
}

#[derive(Serialize, ToSchema)]
pub struct LinkOut {
    /// Shown once: the link's token.
    pub token: String,
    /// The questionnaire page, to send to the customer.
    pub url: String,
    pub expires_at: String,
}

/// Issue a questionnaire link for a target (who may record its response). An earlier
/// link stops working; the link works once, without signing in.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/targets/{customer_id}/link", params(("id" = i64, Path), ("customer_id" = i64, Path)), tag = "campaigns", security(("bearer" = [])),
    responses((status = 201, body = LinkOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn issue_link(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, customer)): Path<(i64, i64)>,
) -> ApiResult<(StatusCode, Json<LinkOut>)> {
    let l = app::campaigns::issue_link(
        &state,
        &actor,
        CampaignId(id),
        CustomerId(customer),
        state.now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(LinkOut {
            url: format!("/q/{}", l.token),
            token: l.token,
            expires_at: ts(l.expires_at),
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct CountOut {
    /// A score ("1".."5") or an option.
    pub value: String,
    pub count: usize,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionSummaryOut {
    pub key: String,
    pub label: String,
    pub kind: String,
    pub count: usize,
    pub mean: Option<f64>,
    pub distribution: Vec<CountOut>,
    pub texts: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RegionSummaryOut {
    pub region: String,
    pub targets: usize,
    pub responded: usize,
    pub mean_rating: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct SuggestionOut {
    pub customer_name: String,
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct SummaryOut {
    pub targets: usize,
    pub responded: usize,
    pub questions: Vec<QuestionSummaryOut>,
    pub regions: Vec<RegionSummaryOut>,
    pub suggestions: Vec<SuggestionOut>,
}

impl From<Summary> for SummaryOut {
    fn from(s: Summary) -> Self {
        SummaryOut {
            targets: s.targets,
            responded: s.responded,
            questions: s
                .questions
                .into_iter()
                .map(|q| QuestionSummaryOut {
                    key: q.key,
                    label: q.label,
                    kind: q.kind.as_str().into(),
                    count: q.count,
                    mean: q.mean,
                    distribution: q
                        .distribution
                        .into_iter()
                        .map(|(value, count)| CountOut { value, count })
                        .collect(),
                    texts: q.texts,
                })
                .collect(),
            regions: s
                .regions
                .into_iter()
                .map(|r| RegionSummaryOut {
                    region: r.region.as_str().into(),
                    targets: r.targets,
                    responded: r.responded,
                    mean_rating: r.mean_rating,
                })
                .collect(),
            suggestions: s
                .suggestions
                .into_iter()
                .map(|(customer_name, text)| SuggestionOut {
                    customer_name,
                    text,
                })
                .collect(),
        }
    }
}

/// The results (the department): per question, per region, and the verbatim suggestions.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/summary", params(("id" = i64, Path)), tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = SummaryOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<SummaryOut>> {
    let (_, s) = app::campaigns::summary(&state, &actor, CampaignId(id)).await?;
    Ok(Json(s.into()))
}

// ---- campaigns 2 ----

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CloseIn {
    /// The campaign's version read: a stale one is refused with 409.
    #[schema(value_type = i64, required)]
    pub version: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ClosedOut {
    pub campaign: CampaignOut,
    /// The final coverage: how many target customers answered, of how many.
    pub responded: usize,
    pub targets: usize,
    pub closed_by: i64,
    pub closed_at: String,
}

/// Close a running campaign (the manager), on its version (409 when stale or not
/// running). After it no response is recorded and a questionnaire link answers 410.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/close", params(("id" = i64, Path)), request_body = CloseIn, tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = ClosedOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<CloseIn>,
) -> ApiResult<Json<ClosedOut>> {
    let version = b
        .version
        .ok_or_else(|| Error::field("version", Problem::required()))?;
    let now = state.now();
    let (c, s) = app::campaigns::close(&state, &actor, CampaignId(id), version, now).await?;
    Ok(Json(ClosedOut {
        closed_at: ts(c.updated_at),
        campaign: c.into(),
        responded: s.responded,
        targets: s.targets,
        closed_by: actor.id.0,
    }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AssigneeIn {
    /// A person who records campaign responses (a salesperson, the service desk, a senior
    /// engineer, the manager); anyone else is refused with 422 naming `assignee_id`.
    pub assignee_id: Option<i64>,
    /// The target's version read: a stale one is refused with 409.
    #[schema(value_type = i64, required)]
    pub version: Option<i64>,
}

/// Assign a target customer to a person (the manager), while the campaign runs and the
/// customer has not answered.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}/targets/{customer_id}/assignee", params(("id" = i64, Path), ("customer_id" = i64, Path)), request_body = AssigneeIn, tag = "campaigns", security(("bearer" = [])),
    responses((status = 200, body = TargetOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, customer)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<AssigneeIn>,
) -> ApiResult<Json<TargetOut>> {
    let mut errs = sanbao_domain::FieldErrors::new();
    if b.assignee_id.is_none() {
        errs.add("assignee_id", Problem::required());
    }
    if b.version.is_none() {
        errs.add("version", Problem::required());
    }
    errs.into_result()?;
    let t = app::campaigns::assign(
        &state,
        &actor,
        CampaignId(id),
        CustomerId(customer),
        UserId(b.assignee_id.unwrap_or(0)),
        b.version,
        state.now(),
    )
    .await?;
    Ok(Json(t.into()))
}
// ---- end campaigns 2 ----
