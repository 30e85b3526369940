//! The installed base: `/api/v1/product-models`, `/api/v1/warranty-policies`,
//! `/api/v1/customers/{id}/sites`, `/api/v1/units` and a unit's coverage (R2, R3.8, R5.2).

use super::error::{ApiResult, ErrorBody, request_lang};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser};
use super::{Page, cursor, ts};
use crate::app::AppState;
use crate::app::{self, clamp_limit};
use crate::i18n::Lang;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sanbao_domain::coverage::Coverage;
use sanbao_domain::product::{ModelInput, PolicyInput, ProductModel, WarrantyPolicy, parse_date};
use sanbao_domain::site::{Site, SiteInput};
use sanbao_domain::unit::{Unit, UnitFilter, UnitInput, UnitSummary};
use sanbao_domain::{CustomerId, Error, SiteId, UnitId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_models, create_model))
        .routes(routes!(list_policies, create_policy))
        .routes(routes!(list_sites, create_site))
        .routes(routes!(update_site))
        .routes(routes!(list_units, create_unit))
        .routes(routes!(get_unit, update_unit))
        .routes(routes!(coverage))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelIn {
    /// As on the nameplate, e.g. `KYN28A-12`.
    pub code: String,
    pub name: String,
    /// The product line, which carries the warranty policy (e.g. `中压开关柜`).
    pub product_line: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = UnitModelOut)]
pub struct ModelOut {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub product_line: String,
    pub created_at: String,
    pub version: i64,
}

impl From<ProductModel> for ModelOut {
    fn from(m: ProductModel) -> Self {
        ModelOut {
            id: m.id.0,
            code: m.fields.code,
            name: m.fields.name,
            product_line: m.fields.product_line,
            created_at: ts(m.created_at),
            version: m.version,
        }
    }
}

/// Add a product model.
#[utoipa::path(post, path = "/api/v1/product-models", request_body = ModelIn, tag = "installed base", security(("bearer" = [])),
    responses((status = 201, body = ModelOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_model(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<ModelIn>,
) -> ApiResult<(StatusCode, Json<ModelOut>)> {
    let input = ModelInput {
        code: b.code,
        name: b.name,
        product_line: b.product_line,
    };
    let m = app::units::create_model(&state, &actor, &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// Every product model, by code.
#[utoipa::path(get, path = "/api/v1/product-models", tag = "installed base", security(("bearer" = [])),
    responses((status = 200, body = Vec<ModelOut>)))]
pub async fn list_models(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> ApiResult<Json<Vec<ModelOut>>> {
    let models = app::units::models(&state, &actor).await?;
    Ok(Json(models.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyIn {
    pub product_line: String,
    /// Applies to units commissioned on or after this date (`YYYY-MM-DD`).
    pub effective_from: String,
    /// Full warranty from commissioning (the policy's default is 24).
    pub warranty_months: Option<i64>,
    /// Free repair after the warranty (the policy's default is 36).
    pub free_repair_months: Option<i64>,
    /// After free repair: `paid` (default) or `free`.
    pub after_free_repair: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = UnitPolicyOut)]
pub struct PolicyOut {
    pub id: Option<i64>,
    pub product_line: String,
    /// `null` for the built-in default.
    pub effective_from: Option<String>,
    pub warranty_months: u32,
    pub free_repair_months: u32,
    pub after_free_repair: String,
}

impl From<WarrantyPolicy> for PolicyOut {
    fn from(p: WarrantyPolicy) -> Self {
        PolicyOut {
            id: p.id.map(|i| i.0),
            effective_from: p.id.map(|_| p.effective_from.to_string()),
            product_line: p.product_line,
            warranty_months: p.warranty_months,
            free_repair_months: p.free_repair_months,
            after_free_repair: p.after_free_repair.as_str().into(),
        }
    }
}

/// Add a version of a product line's warranty policy.
#[utoipa::path(post, path = "/api/v1/warranty-policies", request_body = PolicyIn, tag = "installed base", security(("bearer" = [])),
    responses((status = 201, body = PolicyOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_policy(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<PolicyIn>,
) -> ApiResult<(StatusCode, Json<PolicyOut>)> {
    let input = PolicyInput {
        product_line: b.product_line,
        effective_from: b.effective_from,
        warranty_months: b.warranty_months,
        free_repair_months: b.free_repair_months,
        after_free_repair: b.after_free_repair,
    };
    let p = app::units::create_policy(&state, &actor, &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// Every recorded policy version, by product line and date.
#[utoipa::path(get, path = "/api/v1/warranty-policies", tag = "installed base", security(("bearer" = [])),
    responses((status = 200, body = Vec<PolicyOut>)))]
pub async fn list_policies(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> ApiResult<Json<Vec<PolicyOut>>> {
    let list = app::units::policies(&state, &actor).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteIn {
    /// What people call it, e.g. `1号变电所`.
    pub name: Option<String>,
    pub address: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// A hand correction of the derived region; needs `region_reason`.
    pub region: Option<String>,
    pub region_reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SiteOut {
    pub id: i64,
    pub customer_id: i64,
    /// 1 for the customer's own address.
    pub ordinal: i64,
    pub name: Option<String>,
    pub address: String,
    /// hangzhou_urban, zhejiang, out_of_province, unknown
    pub region: String,
    pub region_reason: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub version: i64,
}

impl From<Site> for SiteOut {
    fn from(s: Site) -> Self {
        SiteOut {
            id: s.id.0,
            customer_id: s.customer_id.0,
            ordinal: s.ordinal,
            region: s.region.as_str().into(),
            region_reason: s.region_correction.map(|c| c.reason),
            name: s.fields.name,
            address: s.fields.address,
            contact_name: s.fields.contact_name,
            contact_phone: s.fields.contact_phone,
            version: s.version,
        }
    }
}

/// Add a site to a customer.
#[utoipa::path(post, path = "/api/v1/customers/{id}/sites", params(("id" = i64, Path)), request_body = SiteIn, tag = "installed base", security(("bearer" = [])),
    responses((status = 201, body = SiteOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_site(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<SiteIn>,
) -> ApiResult<(StatusCode, Json<SiteOut>)> {
    let input = SiteInput {
        name: b.name,
        address: b.address,
        contact_name: b.contact_name,
        contact_phone: b.contact_phone,
    };
    let correction = match (b.region.as_deref(), b.region_reason.as_deref()) {
        (None, None) => None,
        (r, reason) => Some((r.unwrap_or(""), reason.unwrap_or(""))),
    };
    let s = app::units::create_site(
        &state,
        &actor,
        CustomerId(id),
        &input,
        correction,
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(s.into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteUpdate {
    /// The version you read: a stale one is refused with 409.
    pub version: i64,
    pub name: Option<String>,
    pub address: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub region: Option<String>,
    pub region_reason: Option<String>,
}

/// Change a site (not the first, which is the customer's own address).
#[utoipa::path(put, path = "/api/v1/sites/{id}", params(("id" = i64, Path)), request_body = SiteUpdate, tag = "installed base", security(("bearer" = [])),
    responses((status = 200, body = SiteOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_site(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<SiteUpdate>,
) -> ApiResult<Json<SiteOut>> {
    let input = SiteInput {
        name: b.name,
        address: b.address,
        contact_name: b.contact_name,
        contact_phone: b.contact_phone,
    };
    let correction = match (b.region.as_deref(), b.region_reason.as_deref()) {
        (None, None) => None,
        (r, reason) => Some((r.unwrap_or(""), reason.unwrap_or(""))),
    };
    let s = app::units::update_site(
        &state,
        &actor,
        SiteId(id),
        b.version,
        &input,
        correction,
        state.now(),
    )
    .await?;
    Ok(Json(s.into()))
}

/// A customer's sites, its own address first.
#[utoipa::path(get, path = "/api/v1/customers/{id}/sites", params(("id" = i64, Path)), tag = "installed base", security(("bearer" = [])),
    responses((status = 200, body = Vec<SiteOut>)))]
pub async fn list_sites(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<SiteOut>>> {
    let sites = app::units::sites(&state, &actor, CustomerId(id)).await?;
    Ok(Json(sites.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitIn {
    pub customer_id: i64,
    pub model_code: String,
    pub serial_no: String,
    /// Where it is installed, if not at the customer's own address: a site of the
    /// customer at this address is reused, or added.
    pub site_address: Option<String>,
    /// One of the customer's sites, instead of `site_address`.
    pub site_id: Option<i64>,
    /// `YYYY-MM-DD`
    pub shipped_on: Option<String>,
    pub accepted_on: Option<String>,
    /// The commissioning (energizing) date: the warranty counts from it.
    pub commissioned_on: Option<String>,
    pub notes: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UnitOut {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub model_code: String,
    pub model_name: String,
    pub product_line: String,
    pub serial_no: String,
    pub site_id: i64,
    pub site_name: Option<String>,
    pub site_address: String,
    pub site_region: String,
    pub site_contact_name: Option<String>,
    pub site_contact_phone: Option<String>,
    pub shipped_on: Option<String>,
    pub accepted_on: Option<String>,
    pub commissioned_on: Option<String>,
    pub delivery_id: Option<i64>,
    pub notes: Option<String>,
    /// Today's coverage.
    pub coverage: CoverageOut,
    pub created_at: String,
    pub version: i64,
}

fn date(d: Option<chrono::NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

impl UnitOut {
    fn new(u: Unit, coverage: &Coverage, lang: Lang) -> Self {
        UnitOut {
            id: u.id.0,
            customer_id: u.customer_id.0,
            customer_name: u.customer_name,
            model_code: u.model_code,
            model_name: u.model_name,
            product_line: u.product_line,
            serial_no: u.serial_no,
            site_id: u.site_id.0,
            site_name: u.site_name,
            site_address: u.site_address,
            site_region: u.site_region.as_str().into(),
            site_contact_name: u.site_contact_name,
            site_contact_phone: u.site_contact_phone,
            shipped_on: date(u.dates.shipped_on),
            accepted_on: date(u.dates.accepted_on),
            commissioned_on: date(u.dates.commissioned_on),
            delivery_id: u.delivery_id.map(|d| d.0),
            notes: u.notes,
            coverage: CoverageOut::new(coverage, lang),
            created_at: ts(u.created_at),
            version: u.version,
        }
    }
}

/// Record an installed unit.
#[utoipa::path(post, path = "/api/v1/units", request_body = UnitIn, tag = "installed base", security(("bearer" = [])),
    responses((status = 201, body = UnitOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_unit(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<UnitIn>,
) -> ApiResult<(StatusCode, Json<UnitOut>)> {
    let input = UnitInput {
        customer_id: Some(CustomerId(b.customer_id)),
        model_code: b.model_code,
        serial_no: b.serial_no,
        site_id: b.site_id.map(SiteId),
        site_address: b.site_address,
        shipped_on: b.shipped_on,
        accepted_on: b.accepted_on,
        commissioned_on: b.commissioned_on,
        notes: b.notes,
    };
    let now = state.now();
    let u = app::units::create_unit(&state, &actor, &input, now).await?;
    let (u, c) = app::units::coverage(&state, &actor, u.id, None, now).await?;
    Ok((
        StatusCode::CREATED,
        Json(UnitOut::new(u, &c, request_lang())),
    ))
}

/// One unit with today's coverage.
#[utoipa::path(get, path = "/api/v1/units/{id}", params(("id" = i64, Path)), tag = "installed base", security(("bearer" = [])),
    responses((status = 200, body = UnitOut), (status = 404, body = ErrorBody)))]
pub async fn get_unit(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<UnitOut>> {
    let (u, c) = app::units::coverage(&state, &actor, UnitId(id), None, state.now()).await?;
    Ok(Json(UnitOut::new(u, &c, request_lang())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitUpdate {
    /// The version you read: a stale one is refused with 409.
    pub version: i64,
    /// Moved to a site of the customer at this address (reused, or added).
    pub site_address: Option<String>,
    /// Moved to this site of the customer; the unit stays where it is when neither is given.
    pub site_id: Option<i64>,
    /// The whole set of dates, as after the change (a date left out is cleared).
    pub shipped_on: Option<String>,
    pub accepted_on: Option<String>,
    pub commissioned_on: Option<String>,
    pub notes: Option<String>,
}

/// Change a unit's dates (e.g. record its commissioning), site or notes.
#[utoipa::path(put, path = "/api/v1/units/{id}", params(("id" = i64, Path)), request_body = UnitUpdate, tag = "installed base", security(("bearer" = [])),
    responses((status = 200, body = UnitOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_unit(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<UnitUpdate>,
) -> ApiResult<Json<UnitOut>> {
    let change = app::units::UnitChange {
        site_id: b.site_id.map(SiteId),
        site_address: b.site_address,
        shipped_on: b.shipped_on,
        accepted_on: b.accepted_on,
        commissioned_on: b.commissioned_on,
        notes: b.notes,
    };
    let now = state.now();
    let u = app::units::update_unit(&state, &actor, UnitId(id), b.version, &change, now).await?;
    let (u, c) = app::units::coverage(&state, &actor, u.id, None, now).await?;
    Ok(Json(UnitOut::new(u, &c, request_lang())))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UnitQuery {
    /// Serial number, model code, customer name or site address (any part).
    pub q: Option<String>,
    pub customer_id: Option<i64>,
    pub site_id: Option<i64>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UnitListItem {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub model_code: String,
    pub product_line: String,
    pub serial_no: String,
    pub site_id: i64,
    pub site_address: String,
    pub site_region: String,
    pub shipped_on: Option<String>,
    pub accepted_on: Option<String>,
    pub commissioned_on: Option<String>,
}

impl From<UnitSummary> for UnitListItem {
    fn from(u: UnitSummary) -> Self {
        UnitListItem {
            id: u.id.0,
            customer_id: u.customer_id.0,
            customer_name: u.customer_name,
            model_code: u.model_code,
            product_line: u.product_line,
            serial_no: u.serial_no,
            site_id: u.site_id.0,
            site_address: u.site_address,
            site_region: u.site_region.as_str().into(),
            shipped_on: date(u.dates.shipped_on),
            accepted_on: date(u.dates.accepted_on),
            commissioned_on: date(u.dates.commissioned_on),
        }
    }
}

/// Find units.
#[utoipa::path(get, path = "/api/v1/units", params(UnitQuery), tag = "installed base", security(("bearer" = [])),
    responses((status = 200, body = Page<UnitListItem>), (status = 422, body = ErrorBody)))]
pub async fn list_units(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<UnitQuery>,
) -> ApiResult<Json<Page<UnitListItem>>> {
    let filter = UnitFilter {
        q: q.q,
        customer_id: q.customer_id.map(CustomerId),
        site_id: q.site_id.map(SiteId),
    };
    let limit = clamp_limit(q.limit);
    let rows = app::units::units(
        &state,
        &actor,
        &filter,
        limit + 1,
        cursor(q.cursor.as_deref())?,
    )
    .await?;
    let items = rows.into_iter().map(UnitListItem::from).collect();
    Ok(Json(Page::from_rows(items, limit, |u| u.id)))
}

/// A coverage decision: what the company owes on a date, and why.
#[derive(Serialize, ToSchema)]
#[schema(as = UnitCoverageOut)]
pub struct CoverageOut {
    /// warranty, free_repair, paid
    pub coverage: String,
    /// The date asked about.
    pub on: String,
    /// `null` until the unit is commissioned.
    pub warranty_ends_on: Option<String>,
    /// `null` until commissioned, or when the policy makes repair free for life.
    pub free_repair_ends_on: Option<String>,
    /// commissioned, accepted_not_commissioned, in_delivery, no_dates
    pub basis: String,
    /// The decision in a sentence, in the request's language.
    pub reason: String,
}

impl CoverageOut {
    pub fn new(c: &Coverage, lang: Lang) -> Self {
        let basis = serde_json::to_value(c)
            .ok()
            .and_then(|v| v.get("basis").and_then(|b| b.as_str()).map(str::to_string))
            .unwrap_or_default();
        CoverageOut {
            coverage: c.coverage.as_str().into(),
            on: c.on.to_string(),
            warranty_ends_on: date(c.warranty_ends_on),
            free_repair_ends_on: date(c.free_repair_ends_on),
            basis,
            reason: lang.coverage_reason(c),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    /// `YYYY-MM-DD`; today (Asia/Shanghai) if omitted.
    pub on: Option<String>,
}

/// A unit's coverage on a date, with the reason.
#[utoipa::path(get, path = "/api/v1/units/{id}/coverage", params(("id" = i64, Path), CoverageQuery), tag = "installed base", security(("bearer" = [])),
    responses((status = 200, body = CoverageOut), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn coverage(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<CoverageQuery>,
) -> ApiResult<Json<CoverageOut>> {
    let on =
        q.on.as_deref()
            .map(|s| parse_date(s).map_err(|p| Error::field("on", p)))
            .transpose()?;
    let (_, c) = app::units::coverage(&state, &actor, UnitId(id), on, state.now()).await?;
    Ok(Json(CoverageOut::new(&c, request_lang())))
}
