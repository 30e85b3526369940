//! Parts, materials and their ledger (R1.5): the catalogue (`/api/v1/parts`), where stock
//! is held (`/api/v1/stock-locations`), the ledger (`/api/v1/parts-ledger`), the store's
//! movements (`/api/v1/stock/…`), requisitions (`/api/v1/requisitions`) and a job's parts
//! (`/api/v1/jobs/{id}/parts`). Money is in fen; quantities are whole pieces.

use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser, IdemKey, replayable};
use super::tickets::IDEMPOTENCY_KEY_DOC;
use super::ts;
use crate::app;
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::parts::{
    AdjustInput, FaultyInput, LedgerFilter, LineInput, Location, Move, MoveView, Part, PartFilter,
    PartInput, ReceiveInput, RequisitionFilter, RequisitionInput, RequisitionStatus,
    RequisitionView, ReturnInput, StockLine, Tally, UseInput, WriteOffInput,
};
use sanbao_domain::{Error, JobId, LocationId, MoveId, PartId, Problem, RequisitionId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_parts, create_part))
        .routes(routes!(get_part, update_part))
        .routes(routes!(locations))
        .routes(routes!(stock_at))
        .routes(routes!(below_reorder))
        .routes(routes!(ledger))
        .routes(routes!(reverse))
        .routes(routes!(receive))
        .routes(routes!(adjust))
        .routes(routes!(write_off))
        .routes(routes!(return_to_store))
        .routes(routes!(holdings))
        .routes(routes!(list_requisitions, request_parts))
        .routes(routes!(get_requisition))
        .routes(routes!(approve))
        .routes(routes!(refuse))
        .routes(routes!(cancel))
        .routes(routes!(issue))
        .routes(routes!(job_parts))
        .routes(routes!(use_part))
        .routes(routes!(faulty))
}

// ---- the catalogue ----

#[derive(Serialize, ToSchema)]
pub struct PartOut {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// Unit of measure: 个, 米, 套.
    pub unit: String,
    /// What one costs the company, in fen.
    pub unit_cost_fen: i64,
    /// What one costs a customer per the price list, in fen.
    pub list_price_fen: i64,
    /// Fitted one at a time with its serial number.
    pub serialised: bool,
    /// The product models it fits.
    pub models: Vec<String>,
    /// Below this in the central store it is listed for reordering.
    pub reorder_level: i64,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<Part> for PartOut {
    fn from(p: Part) -> Self {
        PartOut {
            id: p.id.0,
            code: p.code,
            name: p.name,
            unit: p.unit,
            unit_cost_fen: p.unit_cost_fen,
            list_price_fen: p.list_price_fen,
            serialised: p.serialised,
            models: p.models,
            reorder_level: p.reorder_level,
            active: p.active,
            created_at: ts(p.created_at),
            updated_at: ts(p.updated_at),
            version: p.version,
        }
    }
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PartIn {
    pub code: Option<String>,
    pub name: Option<String>,
    pub unit: Option<String>,
    pub unit_cost_fen: Option<i64>,
    pub list_price_fen: Option<i64>,
    pub serialised: Option<bool>,
    /// The product models it fits.
    pub models: Option<Vec<String>>,
    pub reorder_level: Option<i64>,
    pub active: Option<bool>,
}

impl PartIn {
    fn input(self) -> PartInput {
        PartInput {
            code: self.code,
            name: self.name,
            unit: self.unit,
            unit_cost_fen: self.unit_cost_fen,
            list_price_fen: self.list_price_fen,
            serialised: self.serialised,
            models: self.models.map(|m| m.join(",")),
            reorder_level: self.reorder_level,
            active: self.active,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PartQuery {
    /// Code or name contains.
    pub q: Option<String>,
    /// Fits this product model.
    pub model: Option<String>,
    /// Parts no longer stocked too.
    pub include_inactive: Option<bool>,
    /// At most this many (500).
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PartList {
    pub items: Vec<PartOut>,
}

/// The catalogue, by code: searched by code or name and by the model a part fits.
#[utoipa::path(get, path = "/api/v1/parts", params(PartQuery), tag = "parts", security(("bearer" = [])),
    responses((status = 200, body = PartList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_parts(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<PartQuery>,
) -> ApiResult<Json<PartList>> {
    let filter = PartFilter {
        q: q.q.filter(|s| !s.trim().is_empty()),
        model: q.model.filter(|s| !s.trim().is_empty()),
        include_inactive: q.include_inactive.unwrap_or(false),
    };
    let rows = app::parts::parts(
        &state,
        &actor,
        &filter,
        q.limit.unwrap_or(app::parts::LIST_MAX),
    )
    .await?;
    Ok(Json(PartList {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

/// Add a part to the catalogue (the store: KeepStock). Every bad field is named.
#[utoipa::path(post, path = "/api/v1/parts", request_body = PartIn, tag = "parts", security(("bearer" = [])),
    responses((status = 201, body = PartOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_part(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<PartIn>,
) -> ApiResult<(StatusCode, Json<PartOut>)> {
    let p = app::parts::create_part(&state, &actor, &b.input(), state.now()).await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// One part.
#[utoipa::path(get, path = "/api/v1/parts/{id}", params(("id" = i64, Path)), tag = "parts", security(("bearer" = [])),
    responses((status = 200, body = PartOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_part(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<PartOut>> {
    Ok(Json(
        app::parts::part(&state, &actor, PartId(id)).await?.into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartPatch {
    /// The version read (409 when the part changed since).
    pub version: i64,
    pub code: Option<String>,
    pub name: Option<String>,
    pub unit: Option<String>,
    pub unit_cost_fen: Option<i64>,
    pub list_price_fen: Option<i64>,
    pub serialised: Option<bool>,
    pub models: Option<Vec<String>>,
    pub reorder_level: Option<i64>,
    pub active: Option<bool>,
}

/// Change a part on the version read: the fields sent are changed, the others kept.
#[utoipa::path(patch, path = "/api/v1/parts/{id}", params(("id" = i64, Path)), request_body = PartPatch, tag = "parts", security(("bearer" = [])),
    responses((status = 200, body = PartOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_part(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<PartPatch>,
) -> ApiResult<Json<PartOut>> {
    let now = app::parts::part(&state, &actor, PartId(id)).await?;
    let f = b;
    let input = PartInput {
        code: Some(f.code.unwrap_or(now.code)),
        name: Some(f.name.unwrap_or(now.name)),
        unit: Some(f.unit.unwrap_or(now.unit)),
        unit_cost_fen: Some(f.unit_cost_fen.unwrap_or(now.unit_cost_fen)),
        list_price_fen: Some(f.list_price_fen.unwrap_or(now.list_price_fen)),
        serialised: Some(f.serialised.unwrap_or(now.serialised)),
        models: Some(f.models.unwrap_or(now.models).join(",")),
        reorder_level: Some(f.reorder_level.unwrap_or(now.reorder_level)),
        active: Some(f.active.unwrap_or(now.active)),
    };
    let p =
        app::parts::update_part(&state, &actor, PartId(id), f.version, &input, state.now()).await?;
    Ok(Json(p.into()))
}

// ---- stock ----

#[derive(Serialize, ToSchema)]
pub struct LocationOut {
    pub id: i64,
    /// store, van, inspection
    pub kind: String,
    pub name: String,
    /// Whose van.
    pub holder: Option<i64>,
}

impl From<Location> for LocationOut {
    fn from(l: Location) -> Self {
        LocationOut {
            id: l.id.0,
            kind: l.kind.as_str().into(),
            name: l.name,
            holder: l.holder.map(|u| u.0),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LocationList {
    pub items: Vec<LocationOut>,
}

/// Every place that holds stock: the central store, inspection, each technician's van.
#[utoipa::path(get, path = "/api/v1/stock-locations", tag = "parts", security(("bearer" = [])),
    responses((status = 200, body = LocationList), (status = 403, body = ErrorBody)))]
pub async fn locations(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> ApiResult<Json<LocationList>> {
    let rows = app::parts::locations(&state, &actor).await?;
    Ok(Json(LocationList {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct StockLineOut {
    pub part_id: i64,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub location_id: i64,
    pub location: String,
    /// The job the pieces were issued for; none for the location's own stock.
    pub job_id: Option<i64>,
    pub on_hand: i64,
    pub reorder_level: i64,
}

impl From<StockLine> for StockLineOut {
    fn from(s: StockLine) -> Self {
        StockLineOut {
            part_id: s.part_id.0,
            code: s.code,
            name: s.name,
            unit: s.unit,
            location_id: s.location_id.0,
            location: s.location,
            job_id: s.job_id.map(|j| j.0),
            on_hand: s.on_hand,
            reorder_level: s.reorder_level,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StockList {
    pub items: Vec<StockLineOut>,
}

fn stock(rows: Vec<StockLine>) -> Json<StockList> {
    Json(StockList {
        items: rows.into_iter().map(Into::into).collect(),
    })
}

/// What a location holds, by part and job. A van is its holder's or the store's to see.
#[utoipa::path(get, path = "/api/v1/stock-locations/{id}/stock", params(("id" = i64, Path)), tag = "parts", security(("bearer" = [])),
    responses((status = 200, body = StockList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn stock_at(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<StockList>> {
    Ok(stock(
        app::parts::stock_at(&state, &actor, LocationId(id)).await?,
    ))
}

/// Parts below their reorder level in the central store.
#[utoipa::path(get, path = "/api/v1/stock/below-reorder", tag = "parts", security(("bearer" = [])),
    responses((status = 200, body = StockList), (status = 403, body = ErrorBody)))]
pub async fn below_reorder(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> ApiResult<Json<StockList>> {
    Ok(stock(app::parts::below_reorder(&state, &actor).await?))
}

/// What someone holds in their van, for which job: one's own, or anyone's for the store.
#[utoipa::path(get, path = "/api/v1/users/{id}/holdings", params(("id" = i64, Path)), tag = "parts", security(("bearer" = [])),
    responses((status = 200, body = StockList), (status = 403, body = ErrorBody)))]
pub async fn holdings(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<StockList>> {
    Ok(stock(
        app::parts::holdings(&state, &actor, UserId(id)).await?,
    ))
}

// ---- the ledger ----

#[derive(Serialize, ToSchema)]
pub struct MoveOut {
    pub id: i64,
    /// receive, issue, use, return, faulty_return, write_off, adjust, reversal
    pub kind: String,
    pub part_id: i64,
    pub part_code: String,
    pub part_name: String,
    pub unit: String,
    /// Always more than zero: the direction is from → to.
    pub quantity: i64,
    pub from_location_id: Option<i64>,
    pub from_job_id: Option<i64>,
    pub from_name: Option<String>,
    pub to_location_id: Option<i64>,
    pub to_job_id: Option<i64>,
    pub to_name: Option<String>,
    /// The job it is for.
    pub job_id: Option<i64>,
    pub requisition_id: Option<i64>,
    /// The unit it was fitted on or removed from.
    pub unit_id: Option<i64>,
    /// The serial number fitted.
    pub serial: Option<String>,
    /// The serial number of the faulty part removed.
    pub faulty_serial: Option<String>,
    /// Why: a write-off's cause and reason, a correction's or reversal's reason, a note.
    pub reason: Option<String>,
    /// The row this one undoes.
    pub reverses: Option<i64>,
    /// The later row that undid this one.
    pub reversed_by: Option<i64>,
    pub by: i64,
    pub by_name: String,
    pub at: String,
}

impl From<MoveView> for MoveOut {
    fn from(v: MoveView) -> Self {
        let Move { id, m } = v.mv;
        MoveOut {
            id: id.0,
            kind: m.kind.as_str().into(),
            part_id: m.part_id.0,
            part_code: v.part_code,
            part_name: v.part_name,
            unit: v.unit,
            quantity: m.quantity,
            from_location_id: m.from.map(|b| b.location.0),
            from_job_id: m.from.and_then(|b| b.job).map(|j| j.0),
            from_name: v.from_name,
            to_location_id: m.to.map(|b| b.location.0),
            to_job_id: m.to.and_then(|b| b.job).map(|j| j.0),
            to_name: v.to_name,
            job_id: m.job_id.map(|j| j.0),
            requisition_id: m.requisition_id.map(|r| r.0),
            unit_id: m.unit_id.map(|u| u.0),
            serial: m.serial,
            faulty_serial: m.faulty_serial,
            reason: m.reason,
            reverses: m.reverses.map(|r| r.0),
            reversed_by: v.reversed_by.map(|r| r.0),
            by: m.by.0,
            by_name: v.by_name,
            at: ts(m.at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MoveList {
    pub items: Vec<MoveOut>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LedgerQuery {
    pub part: Option<i64>,
    pub location: Option<i64>,
    pub job: Option<i64>,
    /// Rows older than this row id (the last id of the previous page).
    pub before: Option<i64>,
    /// At most this many (500).
    pub limit: Option<i64>,
}

/// The ledger, newest first (the store).
#[utoipa::path(get, path = "/api/v1/parts-ledger", params(LedgerQuery), tag = "parts", security(("bearer" = [])),
    responses((status = 200, body = MoveList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ledger(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> ApiResult<Json<MoveList>> {
    let f = LedgerFilter {
        part: q.part.map(PartId),
        location: q.location.map(LocationId),
        job: q.job.map(JobId),
    };
    let rows = app::parts::ledger(
        &state,
        &actor,
        &f,
        q.limit.unwrap_or(100),
        q.before.map(MoveId),
    )
    .await?;
    Ok(Json(MoveList {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

/// A row just written, with the names a client shows.
async fn row_out(state: &AppState, m: Move) -> Result<MoveOut, Error> {
    let mut v = app::parts::written_rows(state, std::slice::from_ref(&m)).await?;
    v.pop().map(Into::into).ok_or(Error::NotFound("ledger row"))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
#[schema(as = PartsReasonIn)]
pub struct ReasonIn {
    pub reason: Option<String>,
}

/// The manager undoes a ledger row by a new row that moves its quantity back, saying why.
#[utoipa::path(post, path = "/api/v1/parts-ledger/{id}/reverse", params(("id" = i64, Path)), request_body = ReasonIn, tag = "parts", security(("bearer" = [])),
    responses((status = 201, body = MoveOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reverse(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ReasonIn>,
) -> ApiResult<(StatusCode, Json<MoveOut>)> {
    let m =
        app::parts::reverse(&state, &actor, MoveId(id), b.reason.as_deref(), state.now()).await?;
    Ok((StatusCode::CREATED, Json(row_out(&state, m).await?)))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ReceiptIn {
    pub part_id: Option<i64>,
    pub quantity: Option<i64>,
    /// The delivery note, the supplier.
    pub note: Option<String>,
}

/// Parts received into the central store (the store).
#[utoipa::path(post, path = "/api/v1/stock/receipts", request_body = ReceiptIn, tag = "parts", security(("bearer" = [])),
    responses((status = 201, body = MoveOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn receive(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<ReceiptIn>,
) -> ApiResult<(StatusCode, Json<MoveOut>)> {
    let input = ReceiveInput {
        part_id: b.part_id.map(PartId),
        quantity: b.quantity,
        note: b.note,
    };
    let m = app::parts::receive(&state, &actor, &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(row_out(&state, m).await?)))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AdjustmentIn {
    pub part_id: Option<i64>,
    pub location_id: Option<i64>,
    /// More (positive) or fewer (negative) than the books say; not 0.
    pub delta: Option<i64>,
    pub reason: Option<String>,
}

/// The manager corrects a count, saying why.
#[utoipa::path(post, path = "/api/v1/stock/adjustments", request_body = AdjustmentIn, tag = "parts", security(("bearer" = [])),
    responses((status = 201, body = MoveOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn adjust(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<AdjustmentIn>,
) -> ApiResult<(StatusCode, Json<MoveOut>)> {
    let input = AdjustInput {
        part_id: b.part_id.map(PartId),
        location_id: b.location_id.map(LocationId),
        delta: b.delta,
        reason: b.reason,
    };
    let m = app::parts::adjust(&state, &actor, &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(row_out(&state, m).await?)))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct WriteOffIn {
    pub part_id: Option<i64>,
    pub quantity: Option<i64>,
    /// Where the pieces sat.
    pub location_id: Option<i64>,
    /// The job they were issued for; none for van or store stock.
    pub job_id: Option<i64>,
    /// lost, scrapped, used_unrecorded
    pub cause: Option<String>,
    pub reason: Option<String>,
}

/// The manager writes parts off, saying why: a job's parts so accounted for no longer keep
/// it open.
#[utoipa::path(post, path = "/api/v1/stock/write-offs", request_body = WriteOffIn, tag = "parts", security(("bearer" = [])),
    responses((status = 201, body = MoveOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn write_off(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<WriteOffIn>,
) -> ApiResult<(StatusCode, Json<MoveOut>)> {
    let input = WriteOffInput {
        part_id: b.part_id.map(PartId),
        quantity: b.quantity,
        location_id: b.location_id.map(LocationId),
        job_id: b.job_id.map(JobId),
        cause: b.cause,
        reason: b.reason,
    };
    let m = app::parts::write_off(&state, &actor, &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(row_out(&state, m).await?)))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
#[schema(as = StockReturnIn)]
pub struct ReturnIn {
    /// Whose van (one's own when not given; the store's for anyone).
    pub holder: Option<i64>,
    pub part_id: Option<i64>,
    pub quantity: Option<i64>,
    /// The job they were issued for; none for van stock.
    pub job_id: Option<i64>,
    pub note: Option<String>,
}

/// Unused parts from a van back to the central store.
#[utoipa::path(post, path = "/api/v1/stock/returns", request_body = ReturnIn, tag = "parts", security(("bearer" = [])),
    responses((status = 201, body = MoveOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn return_to_store(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<ReturnIn>,
) -> ApiResult<(StatusCode, Json<MoveOut>)> {
    let input = ReturnInput {
        part_id: b.part_id.map(PartId),
        quantity: b.quantity,
        job_id: b.job_id.map(JobId),
        note: b.note,
    };
    let m =
        app::parts::return_part(&state, &actor, b.holder.map(UserId), &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(row_out(&state, m).await?)))
}

// ---- requisitions ----

#[derive(Serialize, ToSchema)]
pub struct RequisitionLineOut {
    pub part_id: i64,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub quantity: i64,
    /// In the central store now.
    pub in_store: i64,
}

#[derive(Serialize, ToSchema)]
pub struct RequisitionOut {
    pub id: i64,
    /// The job the parts are for; none for van stock.
    pub job_id: Option<i64>,
    /// Whose van they go into.
    pub holder: i64,
    pub holder_name: String,
    pub requested_by: i64,
    pub requested_by_name: String,
    pub note: Option<String>,
    /// requested, approved, refused, issued, cancelled
    pub status: String,
    pub lines: Vec<RequisitionLineOut>,
    pub decided_by: Option<i64>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
    pub issued_by: Option<i64>,
    pub issued_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<RequisitionView> for RequisitionOut {
    fn from(v: RequisitionView) -> Self {
        let r = v.requisition;
        RequisitionOut {
            id: r.id.0,
            job_id: r.job_id.map(|j| j.0),
            holder: r.holder.0,
            holder_name: v.holder_name,
            requested_by: r.requested_by.0,
            requested_by_name: v.requested_by_name,
            note: r.note,
            status: r.status.as_str().into(),
            lines: v
                .lines
                .into_iter()
                .map(|l| RequisitionLineOut {
                    part_id: l.part_id.0,
                    code: l.code,
                    name: l.name,
                    unit: l.unit,
                    quantity: l.quantity,
                    in_store: l.in_store,
                })
                .collect(),
            decided_by: r.decided_by.map(|u| u.0),
            decided_by_name: v.decided_by_name,
            decided_at: r.decided_at.map(ts),
            decision_note: r.decision_note,
            issued_by: r.issued_by.map(|u| u.0),
            issued_at: r.issued_at.map(ts),
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
            version: r.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RequisitionList {
    pub items: Vec<RequisitionOut>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequisitionQuery {
    /// requested, approved, refused, issued, cancelled
    pub status: Option<String>,
    /// Whose van (the store only; others see their own).
    pub holder: Option<i64>,
    pub job: Option<i64>,
    pub limit: Option<i64>,
}

/// Requisitions, newest first: the store's all, others' their own.
#[utoipa::path(get, path = "/api/v1/requisitions", params(RequisitionQuery), tag = "parts", security(("bearer" = [])),
    responses((status = 200, body = RequisitionList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_requisitions(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<RequisitionQuery>,
) -> ApiResult<Json<RequisitionList>> {
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(RequisitionStatus::parse(s).ok_or_else(|| {
            Error::field(
                "status",
                Problem::invalid("requested, approved, refused, issued or cancelled"),
            )
        })?),
    };
    let f = RequisitionFilter {
        status,
        holder: q.holder.map(UserId),
        job: q.job.map(JobId),
    };
    let rows =
        app::parts::requisitions(&state, &actor, &f, q.limit.unwrap_or(app::parts::LIST_MAX))
            .await?;
    Ok(Json(RequisitionList {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
#[schema(as = PartsLineIn)]
pub struct LineIn {
    pub part_id: Option<i64>,
    pub quantity: Option<i64>,
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RequisitionIn {
    /// The job the parts are for; none for van stock.
    pub job_id: Option<i64>,
    /// Whose van they go into (one's own when not given).
    pub holder: Option<i64>,
    pub note: Option<String>,
    pub lines: Vec<LineIn>,
}

/// Ask for parts, for a job or as van stock; the managers are told. A phone sends an
/// `Idempotency-Key`: sent again, the first requisition is answered.
#[utoipa::path(post, path = "/api/v1/requisitions", request_body = RequisitionIn, tag = "parts", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY_DOC)),
    responses((status = 201, body = RequisitionOut, headers(("Idempotent-Replay" = String, description = "`true` when this is the answer of an earlier request with the same `Idempotency-Key`"))),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_parts(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    key: IdemKey,
    ApiJson(b): ApiJson<RequisitionIn>,
) -> ApiResult<Response> {
    let once = key.once("POST /api/v1/requisitions", &b)?;
    let input = RequisitionInput {
        job_id: b.job_id.map(JobId),
        holder: b.holder.map(UserId),
        note: b.note,
        lines: b
            .lines
            .into_iter()
            .map(|l| LineInput {
                part_id: l.part_id.map(PartId),
                quantity: l.quantity,
            })
            .collect(),
    };
    let a = app::parts::request_parts(&state, &actor, &input, once.as_ref(), state.now()).await?;
    let v = app::parts::requisition(&state, &actor, a.value.id).await?;
    Ok(replayable(
        a.replayed,
        (StatusCode::CREATED, Json(RequisitionOut::from(v))),
    ))
}

/// One requisition: the store's, or its holder's and asker's.
#[utoipa::path(get, path = "/api/v1/requisitions/{id}", params(("id" = i64, Path)), tag = "parts", security(("bearer" = [])),
    responses((status = 200, body = RequisitionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_requisition(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<RequisitionOut>> {
    Ok(Json(
        app::parts::requisition(&state, &actor, RequisitionId(id))
            .await?
            .into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = RequisitionDecisionIn)]
pub struct DecisionIn {
    /// The version read (409 when it changed since).
    pub version: i64,
    /// A note with an approval.
    pub note: Option<String>,
    /// Why it is refused (required to refuse).
    pub reason: Option<String>,
}

async fn view(
    state: &AppState,
    actor: &sanbao_domain::user::User,
    id: RequisitionId,
) -> ApiResult<Json<RequisitionOut>> {
    Ok(Json(
        app::parts::requisition(state, actor, id).await?.into(),
    ))
}

/// The manager approves a requisition; its holder is told.
#[utoipa::path(post, path = "/api/v1/requisitions/{id}/approve", params(("id" = i64, Path)), request_body = DecisionIn, tag = "parts", security(("bearer" = [])),
    responses((status = 200, body = RequisitionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn approve(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<DecisionIn>,
) -> ApiResult<Json<RequisitionOut>> {
    let id = RequisitionId(id);
    app::parts::approve(
        &state,
        &actor,
        id,
        b.version,
        b.note.as_deref(),
        state.now(),
    )
    .await?;
    view(&state, &actor, id).await
}

/// The manager refuses a requisition, saying why; its holder is told.
#[utoipa::path(post, path = "/api/v1/requisitions/{id}/refuse", params(("id" = i64, Path)), request_body = DecisionIn, tag = "parts", security(("bearer" = [])),
    responses((status = 200, body = RequisitionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn refuse(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<DecisionIn>,
) -> ApiResult<Json<RequisitionOut>> {
    let id = RequisitionId(id);
    app::parts::refuse(
        &state,
        &actor,
        id,
        b.version,
        b.reason.as_deref(),
        state.now(),
    )
    .await?;
    view(&state, &actor, id).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionIn {
    /// The version read (409 when it changed since).
    pub version: i64,
}

/// Withdraw a requisition not yet issued (who asked, or the manager).
#[utoipa::path(post, path = "/api/v1/requisitions/{id}/cancel", params(("id" = i64, Path)), request_body = VersionIn, tag = "parts", security(("bearer" = [])),
    responses((status = 200, body = RequisitionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<VersionIn>,
) -> ApiResult<Json<RequisitionOut>> {
    let id = RequisitionId(id);
    app::parts::cancel_requisition(&state, &actor, id, b.version, state.now()).await?;
    view(&state, &actor, id).await
}

/// The store issues an approved requisition in full into the holder's van, all lines or
/// none (a line the store cannot fill is named: `lines[i].quantity`).
#[utoipa::path(post, path = "/api/v1/requisitions/{id}/issue", params(("id" = i64, Path)), request_body = VersionIn, tag = "parts", security(("bearer" = [])),
    responses((status = 200, body = RequisitionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<VersionIn>,
) -> ApiResult<Json<RequisitionOut>> {
    let id = RequisitionId(id);
    app::parts::issue(&state, &actor, id, b.version, state.now()).await?;
    view(&state, &actor, id).await
}

// ---- on a job ----

#[derive(Serialize, ToSchema)]
#[schema(as = PartsTallyOut)]
pub struct TallyOut {
    pub part_id: i64,
    /// Issued for the job.
    pub issued: i64,
    /// Fitted from what was issued for the job.
    pub used: i64,
    /// Brought back to the store.
    pub returned: i64,
    /// Written off by the manager.
    pub written_off: i64,
    /// Still out: issued − used − returned − written off.
    pub outstanding: i64,
    /// Fitted from the van's own stock.
    pub used_from_van: i64,
    /// Faulty parts removed and brought to inspection.
    pub faulty_returned: i64,
}

impl From<Tally> for TallyOut {
    fn from(t: Tally) -> Self {
        TallyOut {
            part_id: t.part_id.0,
            issued: t.issued,
            used: t.used,
            returned: t.returned,
            written_off: t.written_off,
            outstanding: t.outstanding,
            used_from_van: t.used_from_van,
            faulty_returned: t.faulty_returned,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReconciliationOut {
    pub lines: Vec<TallyOut>,
    /// Pieces still out, all parts together: the job does not close while above 0.
    pub outstanding: i64,
    /// Nothing is out.
    pub settled: bool,
}

#[derive(Serialize, ToSchema)]
pub struct JobPartsOut {
    pub job_id: i64,
    pub reconciliation: ReconciliationOut,
    /// The job's ledger rows, newest first.
    pub ledger: Vec<MoveOut>,
    /// What is still held in vans for the job.
    pub held: Vec<StockLineOut>,
    pub requisitions: Vec<RequisitionOut>,
}

/// A job's parts: issued = used + returned (+ written off), its rows, what is still out.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/parts", params(("id" = i64, Path)), tag = "parts", security(("bearer" = [])),
    responses((status = 200, body = JobPartsOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn job_parts(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<JobPartsOut>> {
    let p = app::parts::job_parts(&state, &actor, JobId(id)).await?;
    let outstanding = p.reconciliation.outstanding();
    Ok(Json(JobPartsOut {
        job_id: id,
        reconciliation: ReconciliationOut {
            lines: p.reconciliation.lines.into_iter().map(Into::into).collect(),
            outstanding,
            settled: outstanding == 0,
        },
        ledger: p.ledger.into_iter().map(Into::into).collect(),
        held: p.held.into_iter().map(Into::into).collect(),
        requisitions: p.requisitions.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct UseIn {
    pub part_id: Option<i64>,
    pub quantity: Option<i64>,
    /// The serial number of the part fitted (serialised parts: one at a time).
    pub serial: Option<String>,
    /// The serial number of the faulty part taken out.
    pub faulty_serial: Option<String>,
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UsedOut {
    /// The rows written: the job's parts first, then van stock.
    pub items: Vec<MoveOut>,
}

/// Fit a part on a job (its crew, from their van). A phone sends an `Idempotency-Key`:
/// sent again, the first rows are answered and nothing is fitted twice.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/parts/use", params(("id" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY_DOC)),
    request_body = UseIn, tag = "parts", security(("bearer" = [])),
    responses((status = 201, body = UsedOut, headers(("Idempotent-Replay" = String, description = "`true` when this is the answer of an earlier request with the same `Idempotency-Key`"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn use_part(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    key: IdemKey,
    ApiJson(b): ApiJson<UseIn>,
) -> ApiResult<Response> {
    let once = key.once(&format!("POST /api/v1/jobs/{id}/parts/use"), &b)?;
    let input = UseInput {
        part_id: b.part_id.map(PartId),
        quantity: b.quantity,
        serial: b.serial,
        faulty_serial: b.faulty_serial,
        note: b.note,
    };
    let a = app::parts::use_part(
        &state,
        &actor,
        JobId(id),
        &input,
        once.as_ref(),
        state.now(),
    )
    .await?;
    let items = app::parts::written_rows(&state, &a.value)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(replayable(
        a.replayed,
        (StatusCode::CREATED, Json(UsedOut { items })),
    ))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct FaultyIn {
    pub part_id: Option<i64>,
    pub quantity: Option<i64>,
    /// The serial number of the faulty part (serialised parts: one at a time).
    pub faulty_serial: Option<String>,
    /// What was wrong with it, as found.
    pub note: Option<String>,
}

/// A faulty part removed on a job, brought to inspection (the quality review looks at it).
#[utoipa::path(post, path = "/api/v1/jobs/{id}/parts/faulty", params(("id" = i64, Path)), request_body = FaultyIn, tag = "parts", security(("bearer" = [])),
    responses((status = 201, body = MoveOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn faulty(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<FaultyIn>,
) -> ApiResult<(StatusCode, Json<MoveOut>)> {
    let input = FaultyInput {
        part_id: b.part_id.map(PartId),
        quantity: b.quantity,
        faulty_serial: b.faulty_serial,
        note: b.note,
    };
    let m = app::parts::return_faulty(&state, &actor, JobId(id), &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(row_out(&state, m).await?)))
}
