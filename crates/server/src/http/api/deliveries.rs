//! Deliveries (R3.2): `/api/v1/deliveries`, a delivery, and its steps.

use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser};
use super::ts;
use crate::app;
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sanbao_domain::delivery::{
    CountInput, Delivery, DeliveryInput, LineInput, ShippedUnitInput, StepInput,
};
use sanbao_domain::unit::Unit;
use sanbao_domain::{CustomerId, DeliveryId, SiteId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_deliveries, create_delivery))
        .routes(routes!(get_delivery))
        .routes(routes!(record_step))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineIn {
    /// The model code, or a `description`, or both.
    pub model_code: Option<String>,
    pub description: Option<String>,
    /// Pieces on the packing list.
    pub quantity: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShippedUnitIn {
    pub model_code: String,
    pub serial_no: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryIn {
    pub customer_id: i64,
    /// Where it goes, if not the customer's own address: a site of the customer at this
    /// address is reused, or added.
    pub site_address: Option<String>,
    /// One of the customer's sites, instead of `site_address`.
    pub site_id: Option<i64>,
    /// The delivery-note number.
    pub reference: String,
    /// `YYYY-MM-DD`
    pub shipped_on: String,
    pub notes: Option<String>,
    /// The packing list.
    pub lines: Vec<LineIn>,
    /// The units shipped, recorded in the installed base with this delivery.
    #[serde(default)]
    pub units: Vec<ShippedUnitIn>,
}

#[derive(Serialize, ToSchema)]
pub struct LineOut {
    pub ordinal: i64,
    pub model_code: Option<String>,
    pub description: Option<String>,
    pub expected: i64,
    /// `null` until counted.
    pub received: Option<i64>,
    pub damaged: Option<i64>,
    /// Pieces missing against the packing list.
    pub shortage: i64,
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryUnitOut {
    pub id: i64,
    pub model_code: String,
    pub serial_no: String,
    pub shipped_on: Option<String>,
    pub accepted_on: Option<String>,
}

impl From<Unit> for DeliveryUnitOut {
    fn from(u: Unit) -> Self {
        DeliveryUnitOut {
            id: u.id.0,
            model_code: u.model_code,
            serial_no: u.serial_no,
            shipped_on: u.dates.shipped_on.map(|d| d.to_string()),
            accepted_on: u.dates.accepted_on.map(|d| d.to_string()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryOut {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub salesperson_id: Option<i64>,
    pub salesperson_name: Option<String>,
    pub site_id: i64,
    pub site_name: Option<String>,
    pub site_address: String,
    pub reference: String,
    /// shipped, arrived, counted, accepted
    pub status: String,
    /// arrive, count, accept; `null` once accepted.
    pub next_step: Option<String>,
    pub shipped_on: String,
    pub arrived_at: Option<String>,
    pub counted_at: Option<String>,
    pub accepted_at: Option<String>,
    /// The customer's person who confirmed acceptance.
    pub accepted_by: Option<String>,
    /// The company's date of acceptance: the units' coverage starts.
    pub accepted_on: Option<String>,
    /// Minutes since the shipment day began (Asia/Shanghai).
    pub waited_minutes: i64,
    /// Minutes since the last step.
    pub waited_at_step_minutes: i64,
    pub notes: Option<String>,
    pub lines: Vec<LineOut>,
    /// Only in the answer for one delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<Vec<DeliveryUnitOut>>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl DeliveryOut {
    fn new(d: Delivery, units: Option<Vec<Unit>>, now: DateTime<Utc>) -> Self {
        let w = d.waited(now);
        DeliveryOut {
            id: d.id.0,
            customer_id: d.customer_id.0,
            customer_name: d.customer_name,
            salesperson_id: d.salesperson_id.map(|u| u.0),
            salesperson_name: d.salesperson_name,
            site_id: d.site_id.0,
            site_name: d.site_name,
            site_address: d.site_address,
            reference: d.reference,
            status: d.status.as_str().into(),
            next_step: d.status.next_step().map(|s| s.as_str().into()),
            shipped_on: d.shipped_on.to_string(),
            arrived_at: d.arrived_at.map(ts),
            counted_at: d.counted_at.map(ts),
            accepted_at: d.accepted_at.map(ts),
            accepted_by: d.accepted_by,
            accepted_on: d.accepted_on.map(|x| x.to_string()),
            waited_minutes: w.since_shipment,
            waited_at_step_minutes: w.since_last_step,
            notes: d.notes,
            lines: d
                .lines
                .into_iter()
                .map(|l| LineOut {
                    shortage: l.shortage(),
                    ordinal: l.ordinal,
                    model_code: l.model_code,
                    description: l.description,
                    expected: l.expected,
                    received: l.received,
                    damaged: l.damaged,
                    note: l.note,
                })
                .collect(),
            units: units.map(|v| v.into_iter().map(Into::into).collect()),
            created_at: ts(d.created_at),
            updated_at: ts(d.updated_at),
            version: d.version,
        }
    }
}

/// Record a shipped delivery: its packing list and the units shipped.
#[utoipa::path(post, path = "/api/v1/deliveries", request_body = DeliveryIn, tag = "deliveries", security(("bearer" = [])),
    responses((status = 201, body = DeliveryOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_delivery(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<DeliveryIn>,
) -> ApiResult<(StatusCode, Json<DeliveryOut>)> {
    let input = DeliveryInput {
        customer_id: Some(CustomerId(b.customer_id)),
        site_id: b.site_id.map(SiteId),
        site_address: b.site_address,
        reference: b.reference,
        shipped_on: b.shipped_on,
        notes: b.notes,
        lines: b
            .lines
            .into_iter()
            .map(|l| LineInput {
                model_code: l.model_code,
                description: l.description,
                quantity: Some(l.quantity),
            })
            .collect(),
        units: b
            .units
            .into_iter()
            .map(|u| ShippedUnitInput {
                model_code: u.model_code,
                serial_no: u.serial_no,
            })
            .collect(),
    };
    let now = state.now();
    let d = app::deliveries::create_delivery(&state, &actor, &input, now).await?;
    let units = app::deliveries::delivery_units(&state, &actor, d.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(DeliveryOut::new(d, Some(units), now)),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// One salesperson's (a salesperson always sees their own).
    pub salesperson_id: Option<i64>,
    /// `true` for accepted ones too; by default only those not yet accepted.
    pub all: Option<bool>,
}

/// The board: deliveries not yet accepted, oldest shipment first, with how long each has
/// waited.
#[utoipa::path(get, path = "/api/v1/deliveries", params(DeliveryQuery), tag = "deliveries", security(("bearer" = [])),
    responses((status = 200, body = Vec<DeliveryOut>), (status = 403, body = ErrorBody)))]
pub async fn list_deliveries(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<DeliveryQuery>,
) -> ApiResult<Json<Vec<DeliveryOut>>> {
    let now = state.now();
    let list = app::deliveries::deliveries(
        &state,
        &actor,
        q.salesperson_id.map(UserId),
        !q.all.unwrap_or(false),
    )
    .await?;
    Ok(Json(
        list.into_iter()
            .map(|d| DeliveryOut::new(d, None, now))
            .collect(),
    ))
}

/// One delivery with its packing list and units.
#[utoipa::path(get, path = "/api/v1/deliveries/{id}", params(("id" = i64, Path)), tag = "deliveries", security(("bearer" = [])),
    responses((status = 200, body = DeliveryOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_delivery(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<DeliveryOut>> {
    let d = app::deliveries::delivery(&state, &actor, DeliveryId(id)).await?;
    let units = app::deliveries::delivery_units(&state, &actor, d.id).await?;
    Ok(Json(DeliveryOut::new(d, Some(units), state.now())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountLineIn {
    pub received: i64,
    #[serde(default)]
    pub damaged: Option<i64>,
    pub note: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepIn {
    /// arrive, count, accept — only the next step is allowed.
    #[serde(rename = "type")]
    pub step: String,
    /// The delivery version you read: a stale one is refused with 409.
    pub version: i64,
    /// `count`: one entry per packing-list line, in its order.
    #[serde(default)]
    pub lines: Vec<CountLineIn>,
    /// `accept`: the name of the customer's person who confirmed acceptance.
    pub confirmed_by: Option<String>,
}

/// Record the next step: arrived on site, counted against the packing list, or accepted.
#[utoipa::path(post, path = "/api/v1/deliveries/{id}/events", params(("id" = i64, Path)), request_body = StepIn, tag = "deliveries", security(("bearer" = [])),
    responses((status = 200, body = DeliveryOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_step(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<StepIn>,
) -> ApiResult<Json<DeliveryOut>> {
    let input = StepInput {
        kind: b.step,
        lines: b
            .lines
            .into_iter()
            .map(|l| CountInput {
                received: Some(l.received),
                damaged: l.damaged,
                note: l.note,
            })
            .collect(),
        confirmed_by: b.confirmed_by,
    };
    let now = state.now();
    let d = app::deliveries::record_step(&state, &actor, DeliveryId(id), b.version, &input, now)
        .await?;
    let units = app::deliveries::delivery_units(&state, &actor, d.id).await?;
    Ok(Json(DeliveryOut::new(d, Some(units), now)))
}
