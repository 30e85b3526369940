//! `/api/v1/customers`: the customer archive (R5.2).

use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser};
use super::{Page, cursor, ts};
use crate::app::AppState;
use crate::app::customers::CorrectionInput;
use crate::app::{self, clamp_limit};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sanbao_domain::customer::{ContactInput, Customer, CustomerInput};
use sanbao_domain::customer::{CustomerFilter, CustomerSummary};
use sanbao_domain::{CustomerId, Error, Problem, Region, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/api/v1/customers` and `/api/v1/regions/derive`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get, update))
        .routes(routes!(history))
        .routes(routes!(derive_region))
}

#[derive(Deserialize, ToSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct ContactIn {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Job title, e.g. 电工班长.
    pub position: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerIn {
    pub name: String,
    /// The site address as the customer writes it; the region is derived from it.
    pub address: String,
    pub salesperson_id: Option<i64>,
    pub notes: Option<String>,
    #[serde(default)]
    pub contacts: Vec<ContactIn>,
    /// A hand correction of the derived region (`hangzhou_urban`, `zhejiang`,
    /// `out_of_province`); needs `region_reason`.
    pub region: Option<String>,
    pub region_reason: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerUpdate {
    /// The version you read: a stale one is refused with 409.
    pub version: i64,
    pub name: String,
    pub address: String,
    pub salesperson_id: Option<i64>,
    pub notes: Option<String>,
    #[serde(default)]
    pub contacts: Vec<ContactIn>,
    /// Omit both to go back to the region derived from the address.
    pub region: Option<String>,
    pub region_reason: Option<String>,
}

fn input(
    name: String,
    address: String,
    salesperson_id: Option<i64>,
    notes: Option<String>,
    contacts: Vec<ContactIn>,
) -> CustomerInput {
    CustomerInput {
        name,
        address,
        salesperson_id: salesperson_id.map(UserId),
        notes,
        contacts: contacts
            .into_iter()
            .map(|c| ContactInput {
                name: c.name,
                phone: c.phone,
                email: c.email,
                position: c.position,
            })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ContactOut {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub position: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CustomerOut {
    pub id: i64,
    pub name: String,
    pub address: String,
    /// `hangzhou_urban`, `zhejiang`, `out_of_province` or `unknown`.
    pub region: String,
    /// `derived` from the address, or `corrected` by hand.
    pub region_source: String,
    pub region_reason: Option<String>,
    /// What the address alone gives, and the place name that decided it.
    pub derived_region: String,
    pub derived_from: Option<String>,
    pub salesperson_id: Option<i64>,
    pub notes: Option<String>,
    pub contacts: Vec<ContactOut>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<Customer> for CustomerOut {
    fn from(c: Customer) -> Self {
        let (derived, from) = Region::explain_address(&c.fields.address);
        CustomerOut {
            id: c.id.0,
            region: c.region.as_str().into(),
            region_source: if c.region_correction.is_some() {
                "corrected"
            } else {
                "derived"
            }
            .into(),
            region_reason: c.region_correction.map(|r| r.reason),
            derived_region: derived.as_str().into(),
            derived_from: from.map(str::to_string),
            name: c.fields.name,
            address: c.fields.address,
            salesperson_id: c.fields.salesperson_id.map(|u| u.0),
            notes: c.fields.notes,
            contacts: c
                .fields
                .contacts
                .into_iter()
                .map(|k| ContactOut {
                    name: k.name,
                    phone: k.phone,
                    email: k.email,
                    position: k.position,
                })
                .collect(),
            created_at: ts(c.created_at),
            updated_at: ts(c.updated_at),
            version: c.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CustomerListItem {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub region: String,
    pub region_corrected: bool,
    pub salesperson_id: Option<i64>,
    pub salesperson_name: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// Tickets still being worked on.
    pub open_tickets: i64,
}

impl From<CustomerSummary> for CustomerListItem {
    fn from(c: CustomerSummary) -> Self {
        CustomerListItem {
            id: c.id.0,
            name: c.name,
            address: c.address,
            region: c.region.as_str().into(),
            region_corrected: c.region_corrected,
            salesperson_id: c.salesperson_id.map(|u| u.0),
            salesperson_name: c.salesperson_name,
            contact_name: c.contact_name,
            contact_phone: c.contact_phone,
            open_tickets: c.open_tickets,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CustomerQuery {
    /// Name, address, contact name or phone (digits match however they are written).
    pub q: Option<String>,
    pub region: Option<String>,
    pub salesperson_id: Option<i64>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub fn parse_region_filter(r: Option<&str>) -> Result<Option<Region>, Error> {
    match r.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Region::parse(s)
            .map(Some)
            .ok_or_else(|| Error::field("region", Problem::invalid("not a known region"))),
    }
}

/// Find customers.
#[utoipa::path(get, path = "/api/v1/customers", params(CustomerQuery), tag = "customers", security(("bearer" = [])),
    responses((status = 200, body = Page<CustomerListItem>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<CustomerQuery>,
) -> ApiResult<Json<Page<CustomerListItem>>> {
    let filter = CustomerFilter {
        q: q.q,
        region: parse_region_filter(q.region.as_deref())?,
        salesperson_id: q.salesperson_id.map(UserId),
    };
    let limit = clamp_limit(q.limit);
    let rows = app::customers::customers(
        &state,
        &actor,
        &filter,
        limit + 1,
        cursor(q.cursor.as_deref())?,
    )
    .await?;
    let items = rows.into_iter().map(CustomerListItem::from).collect();
    Ok(Json(Page::from_rows(items, limit, |c| c.id)))
}

/// Add a customer; the region is derived from the address.
#[utoipa::path(post, path = "/api/v1/customers", request_body = CustomerIn, tag = "customers", security(("bearer" = [])),
    responses((status = 201, body = CustomerOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<CustomerIn>,
) -> ApiResult<(StatusCode, Json<CustomerOut>)> {
    let correction = CorrectionInput {
        region: b.region,
        reason: b.region_reason,
    };
    let i = input(b.name, b.address, b.salesperson_id, b.notes, b.contacts);
    let c = app::customers::create_customer(&state, &actor, &i, &correction, state.now()).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// One customer with contacts.
#[utoipa::path(get, path = "/api/v1/customers/{id}", params(("id" = i64, Path)), tag = "customers", security(("bearer" = [])),
    responses((status = 200, body = CustomerOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<CustomerOut>> {
    Ok(Json(
        app::customers::customer(&state, &actor, CustomerId(id))
            .await?
            .into(),
    ))
}

/// Replace a customer's record (and its contacts).
#[utoipa::path(put, path = "/api/v1/customers/{id}", params(("id" = i64, Path)), request_body = CustomerUpdate, tag = "customers", security(("bearer" = [])),
    responses((status = 200, body = CustomerOut), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<CustomerUpdate>,
) -> ApiResult<Json<CustomerOut>> {
    let correction = CorrectionInput {
        region: b.region,
        reason: b.region_reason,
    };
    let i = input(b.name, b.address, b.salesperson_id, b.notes, b.contacts);
    let c = app::customers::update_customer(
        &state,
        &actor,
        CustomerId(id),
        b.version,
        &i,
        &correction,
        state.now(),
    )
    .await?;
    Ok(Json(c.into()))
}

#[derive(Serialize, ToSchema)]
pub struct AuditOut {
    pub action: String,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub at: String,
    pub note: Option<String>,
    /// The record as it was; `null` when this created it.
    #[schema(value_type = Option<Object>)]
    pub before: serde_json::Value,
    /// The record as it became; `null` when nothing of it is kept (an action that
    /// changed no field).
    #[schema(value_type = Option<Object>)]
    pub after: serde_json::Value,
}

impl From<sanbao_domain::audit::AuditEntry> for AuditOut {
    fn from(a: sanbao_domain::audit::AuditEntry) -> Self {
        AuditOut {
            action: a.action,
            actor_id: a.actor_id.map(|u| u.0),
            actor_name: a.actor_name,
            at: ts(a.at),
            note: a.note,
            before: a.before,
            after: a.after,
        }
    }
}

/// Every recorded change of a customer (R1.4).
#[utoipa::path(get, path = "/api/v1/customers/{id}/history", params(("id" = i64, Path)), tag = "customers", security(("bearer" = [])),
    responses((status = 200, body = [AuditOut]), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<AuditOut>>> {
    let trail = app::customers::history(&state, &actor, CustomerId(id)).await?;
    Ok(Json(trail.into_iter().map(AuditOut::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressIn {
    pub address: String,
}

#[derive(Serialize, ToSchema)]
pub struct RegionOut {
    pub region: String,
    /// The place name that decided it.
    pub derived_from: Option<String>,
    /// Whole hours to be on site for an emergency there under the deadline policy in
    /// force (R3.4), rounded down so that it never promises more than the policy.
    pub arrival_hours: i64,
    /// Minutes to be on site for an emergency there under the deadline policy in force.
    pub arrival_minutes: i64,
}

/// What region an address gives (for forms that show it as you type).
#[utoipa::path(post, path = "/api/v1/regions/derive", request_body = AddressIn, tag = "customers", security(("bearer" = [])),
    responses((status = 200, body = RegionOut)))]
pub async fn derive_region(
    State(state): State<AppState>,
    ApiUser(_): ApiUser,
    ApiJson(b): ApiJson<AddressIn>,
) -> ApiResult<Json<RegionOut>> {
    let (region, from) = Region::explain_address(&b.address);
    let minutes = app::deadlines::arrival_promises(&state)
        .await?
        .minutes(region);
    Ok(Json(RegionOut {
        region: region.as_str().into(),
        derived_from: from.map(str::to_string),
        arrival_hours: minutes / 60,
        arrival_minutes: minutes,
    }))
}
