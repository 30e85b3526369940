//! Quality items and the monthly quality review (R7.1, R7.2): `POST /api/v1/quality-items`
//! (made from a source, once), `GET/PUT /api/v1/quality-items/{id}`,
//! `POST /api/v1/quality-items/{id}/actions`,
//! `POST /api/v1/quality-items/{id}/actions/{action_id}/verify`,
//! `POST /api/v1/quality-items/{id}/merge`, `GET /api/v1/quality-reviews/{month}`,
//! `POST /api/v1/quality-reviews/{month}/close`.

use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiJson, ApiUser};
use super::ts;
use crate::app;
use crate::app::AppState;
use crate::app::quality::{ItemView, Review};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sanbao_domain::ids::{QualityActionId, QualityItemId};
use sanbao_domain::quality::{ActionInput, ClassifyInput, Closing, QualityAction, QualityItem};
use sanbao_domain::{Error, Problem, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(make))
        .routes(routes!(get_item, classify))
        .routes(routes!(add_action))
        .routes(routes!(verify))
        .routes(routes!(merge))
        .routes(routes!(review))
        .routes(routes!(close))
}

#[derive(Serialize, ToSchema)]
pub struct ItemOut {
    pub id: i64,
    /// complaint, field_form, faulty_part, follow_up, return
    pub source_kind: String,
    pub source_id: i64,
    /// `YYYY-MM` of its source on the company calendar.
    pub month: String,
    pub product_model: Option<String>,
    pub component: Option<String>,
    pub fault_category: Option<String>,
    pub cause: Option<String>,
    /// product_design, manufacturing, purchased_component, transport, installation,
    /// customer_operation, external, undetermined
    pub responsibility: Option<String>,
    pub summary: String,
    pub root_cause: Option<String>,
    /// five_why, man, machine, material, method, measurement, environment
    pub method: Option<String>,
    pub merged_into: Option<i64>,
    pub created_at: String,
    pub version: i64,
}

impl From<QualityItem> for ItemOut {
    fn from(i: QualityItem) -> Self {
        ItemOut {
            id: i.id.0,
            source_kind: i.source_kind.as_str().into(),
            source_id: i.source_id,
            month: i.month,
            product_model: i.product_model,
            component: i.component,
            fault_category: i.fault_category,
            cause: i.cause,
            responsibility: i.responsibility.map(|r| r.as_str().into()),
            summary: i.summary,
            root_cause: i.root_cause,
            method: i.method.map(|m| m.as_str().into()),
            merged_into: i.merged_into.map(|m| m.0),
            created_at: ts(i.created_at),
            version: i.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ActionOut {
    pub id: i64,
    pub item_id: i64,
    /// The month of its item.
    pub month: String,
    /// corrective, preventive
    pub kind: String,
    pub description: String,
    pub owner_department: Option<String>,
    pub owner_user_id: Option<i64>,
    pub owner_name: Option<String>,
    pub due_on: String,
    pub verified_by: Option<i64>,
    pub verified_at: Option<String>,
    pub verification_note: Option<String>,
    pub version: i64,
}

impl From<QualityAction> for ActionOut {
    fn from(a: QualityAction) -> Self {
        ActionOut {
            id: a.id.0,
            item_id: a.item_id.0,
            month: a.month,
            kind: a.kind.as_str().into(),
            description: a.description,
            owner_department: a.owner_department,
            owner_user_id: a.owner_user_id.map(|u| u.0),
            owner_name: a.owner_name,
            due_on: a.due_on.to_string(),
            verified_by: a.verified_by.map(|u| u.0),
            verified_at: a.verified_at.map(ts),
            verification_note: a.verification_note,
            version: a.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ItemDetailOut {
    pub item: ItemOut,
    /// open, acting, done, merged
    pub status: String,
    pub actions: Vec<ActionOut>,
    /// The items merged into this one.
    pub merged: Vec<ItemOut>,
    /// Whether its month's review is closed.
    pub closed: bool,
}

impl From<ItemView> for ItemDetailOut {
    fn from(v: ItemView) -> Self {
        ItemDetailOut {
            item: v.item.into(),
            status: v.status.as_str().into(),
            actions: v.actions.into_iter().map(Into::into).collect(),
            merged: v.merged.into_iter().map(Into::into).collect(),
            closed: v.closed,
        }
    }
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct MakeIn {
    /// complaint, field_form, faulty_part, follow_up, return
    pub source_kind: Option<String>,
    /// The source record's id (a ticket, a form, a ledger row, a follow-up, a return).
    pub source_id: Option<i64>,
}

/// Make a quality item from a quality record, without retyping (R7.1): 201 with the item;
/// the same source again answers the item already made (200) and makes nothing.
#[utoipa::path(post, path = "/api/v1/quality-items", request_body = MakeIn, tag = "quality", security(("bearer" = [])),
    responses((status = 201, body = ItemOut), (status = 200, body = ItemOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn make(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<MakeIn>,
) -> ApiResult<(StatusCode, Json<ItemOut>)> {
    let (item, made) = app::quality::make_item(
        &state,
        &actor,
        b.source_kind.as_deref(),
        b.source_id,
        state.now(),
    )
    .await?;
    let code = if made {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((code, Json(item.into())))
}

/// A quality item with its actions and the items merged into it.
#[utoipa::path(get, path = "/api/v1/quality-items/{id}", params(("id" = i64, Path)), tag = "quality", security(("bearer" = [])),
    responses((status = 200, body = ItemDetailOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_item(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ItemDetailOut>> {
    let v = app::quality::item(&state, &actor, QualityItemId(id)).await?;
    Ok(Json(v.into()))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ClassifyIn {
    /// The version read (409 when someone changed it since).
    #[schema(value_type = i64, required)]
    pub version: Option<i64>,
    pub product_model: Option<String>,
    pub component: Option<String>,
    pub fault_category: Option<String>,
    pub cause: Option<String>,
    /// One of R7.1's responsibilities.
    pub responsibility: Option<String>,
    pub summary: Option<String>,
    /// The investigation: the root cause found.
    pub root_cause: Option<String>,
    /// five_why or a fishbone category (man, machine, material, method, measurement,
    /// environment); required with a root cause.
    pub method: Option<String>,
}

fn version(v: Option<i64>) -> Result<i64, Error> {
    v.ok_or_else(|| Error::field("version", Problem::required()))
}

/// Classify and investigate an item on the version read (409 when stale; 422 names the
/// field).
#[utoipa::path(put, path = "/api/v1/quality-items/{id}", params(("id" = i64, Path)), request_body = ClassifyIn, tag = "quality", security(("bearer" = [])),
    responses((status = 200, body = ItemOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn classify(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ClassifyIn>,
) -> ApiResult<Json<ItemOut>> {
    let input = ClassifyInput {
        product_model: b.product_model,
        component: b.component,
        fault_category: b.fault_category,
        cause: b.cause,
        responsibility: b.responsibility,
        summary: b.summary,
        root_cause: b.root_cause,
        method: b.method,
    };
    let v = version(b.version)?;
    let item =
        app::quality::classify(&state, &actor, QualityItemId(id), v, &input, state.now()).await?;
    Ok(Json(item.into()))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ActionIn {
    /// corrective, preventive
    pub kind: Option<String>,
    pub description: Option<String>,
    /// The owning department, when the owner is not a person.
    pub owner_department: Option<String>,
    /// The owning person (warned when the action is overdue).
    pub owner_user_id: Option<i64>,
    /// `YYYY-MM-DD`
    pub due_on: Option<String>,
}

/// Add a corrective or preventive action to an item, with its owner and due date.
#[utoipa::path(post, path = "/api/v1/quality-items/{id}/actions", params(("id" = i64, Path)), request_body = ActionIn, tag = "quality", security(("bearer" = [])),
    responses((status = 201, body = ActionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_action(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ActionIn>,
) -> ApiResult<(StatusCode, Json<ActionOut>)> {
    let input = ActionInput {
        kind: b.kind,
        description: b.description,
        owner_department: b.owner_department,
        owner_user_id: b.owner_user_id.map(UserId),
        due_on: b.due_on,
    };
    let a =
        app::quality::add_action(&state, &actor, QualityItemId(id), &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct VerifyIn {
    #[schema(value_type = i64, required)]
    pub version: Option<i64>,
    /// What was seen of the action's effect.
    pub note: Option<String>,
}

/// Record the verification of an action's effect (by the caller, now), once.
#[utoipa::path(post, path = "/api/v1/quality-items/{id}/actions/{action_id}/verify", params(("id" = i64, Path), ("action_id" = i64, Path)), request_body = VerifyIn, tag = "quality", security(("bearer" = [])),
    responses((status = 200, body = ActionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, action_id)): Path<(i64, i64)>,
    ApiJson(b): ApiJson<VerifyIn>,
) -> ApiResult<Json<ActionOut>> {
    let v = version(b.version)?;
    let item = app::quality::item(&state, &actor, QualityItemId(id)).await?;
    if !item.actions.iter().any(|a| a.id.0 == action_id) {
        return Err(Error::NotFound("quality action").into());
    }
    let a = app::quality::verify_action(
        &state,
        &actor,
        QualityActionId(action_id),
        v,
        b.note.as_deref(),
        state.now(),
    )
    .await?;
    Ok(Json(a.into()))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct MergeIn {
    /// The items that are the same problem as this one: they point to it.
    pub items: Vec<i64>,
}

/// Merge items found to be the same problem into this one.
#[utoipa::path(post, path = "/api/v1/quality-items/{id}/merge", params(("id" = i64, Path)), request_body = MergeIn, tag = "quality", security(("bearer" = [])),
    responses((status = 200, body = ItemOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn merge(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<MergeIn>,
) -> ApiResult<Json<ItemOut>> {
    let others: Vec<QualityItemId> = b.items.into_iter().map(QualityItemId).collect();
    let i = app::quality::merge(&state, &actor, QualityItemId(id), &others, state.now()).await?;
    Ok(Json(i.into()))
}

#[derive(Serialize, ToSchema)]
pub struct RowOut {
    pub item: ItemOut,
    /// open, acting, done, merged
    pub status: String,
    pub actions: Vec<ActionOut>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = QualityClosingOut)]
pub struct ClosingOut {
    pub month: String,
    pub closed_by: i64,
    pub closed_at: String,
    pub items: i64,
}

impl From<Closing> for ClosingOut {
    fn from(k: Closing) -> Self {
        ClosingOut {
            month: k.month,
            closed_by: k.closed_by.0,
            closed_at: ts(k.closed_at),
            items: k.items,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[schema(as = QualityReviewOut)]
pub struct ReviewOut {
    pub month: String,
    pub items: Vec<RowOut>,
    /// Unverified actions of earlier months, shown until verified.
    pub carried_over: Vec<ActionOut>,
    /// Items (not merged) lacking an investigation.
    pub uninvestigated: Vec<i64>,
    /// Items (not merged) lacking an action.
    pub without_action: Vec<i64>,
    pub closed: Option<ClosingOut>,
}

impl From<Review> for ReviewOut {
    fn from(r: Review) -> Self {
        ReviewOut {
            month: r.month,
            items: r
                .rows
                .into_iter()
                .map(|row| RowOut {
                    item: row.item.into(),
                    status: row.status.as_str().into(),
                    actions: row.actions.into_iter().map(Into::into).collect(),
                })
                .collect(),
            carried_over: r.carried_over.into_iter().map(Into::into).collect(),
            uninvestigated: r.blockers.uninvestigated.iter().map(|i| i.0).collect(),
            without_action: r.blockers.without_action.iter().map(|i| i.0).collect(),
            closed: r.closing.map(Into::into),
        }
    }
}

/// The month's quality review: every item, the actions carried over, what blocks closing.
#[utoipa::path(get, path = "/api/v1/quality-reviews/{month}", params(("month" = String, Path, description = "YYYY-MM")), tag = "quality", security(("bearer" = [])),
    responses((status = 200, body = ReviewOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(month): Path<String>,
) -> ApiResult<Json<ReviewOut>> {
    let m = sanbao_domain::time::month_field(&month)?;
    let r = app::quality::review(&state, &actor, m).await?;
    Ok(Json(r.into()))
}

/// Close the month's review, once: refused (422 on `month`) while any item lacks its
/// investigation or an action; 409 the second time.
#[utoipa::path(post, path = "/api/v1/quality-reviews/{month}/close", params(("month" = String, Path, description = "YYYY-MM")), tag = "quality", security(("bearer" = [])),
    responses((status = 201, body = ClosingOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(month): Path<String>,
) -> ApiResult<(StatusCode, Json<ClosingOut>)> {
    let m = sanbao_domain::time::month_field(&month)?;
    let k = app::quality::close(&state, &actor, m, state.now()).await?;
    Ok((StatusCode::CREATED, Json(k.into())))
}
