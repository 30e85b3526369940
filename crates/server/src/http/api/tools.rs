//! The tools register (R1.5): `/api/v1/tools` lists and registers tools;
//! `/api/v1/tools/{id}` reads (with its history) and edits one; `…/checkout`, `…/checkin`,
//! `…/calibration` and `…/retire` are the steps of its life. Every change names the
//! `version` read: a stale one is refused with 409.

use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser};
use super::ts;
use crate::app;
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sanbao_domain::tools::{
    CalibrationInput, CalibrationView, CheckoutInput, CheckoutView, ToolFilter, ToolInput, ToolView,
};
use sanbao_domain::user::User;
use sanbao_domain::{Error, JobId, Problem, ToolId, UserId};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, register))
        .routes(routes!(get, edit))
        .routes(routes!(check_out))
        .routes(routes!(check_in))
        .routes(routes!(calibration))
        .routes(routes!(retire))
}

#[derive(Serialize, ToSchema)]
pub struct CheckoutOut {
    pub id: i64,
    pub holder_id: i64,
    pub holder_name: Option<String>,
    pub job_id: Option<i64>,
    pub purpose: Option<String>,
    /// The day it left the store.
    pub out_on: String,
    pub expected_return_on: String,
    pub out_by: i64,
    pub out_at: String,
    pub returned_at: Option<String>,
    pub returned_by: Option<i64>,
    /// good, damaged
    pub condition: Option<String>,
    pub remark: Option<String>,
    /// Still out, and the day it was expected back has passed (Asia/Shanghai).
    pub overdue: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CalibrationOut {
    pub calibrated_on: String,
    pub next_due_on: String,
    pub note: Option<String>,
    pub recorded_by: i64,
    pub recorded_by_name: String,
    pub recorded_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ToolOut {
    pub id: i64,
    pub asset_code: String,
    pub name: String,
    pub category: Option<String>,
    pub serial_no: Option<String>,
    pub location: Option<String>,
    pub calibration_interval_months: Option<u32>,
    pub calibration_due_on: Option<String>,
    /// not_tracked, current, due_soon (within 14 days), overdue (may not be lent)
    pub calibration_state: String,
    /// available, checked_out, in_calibration, needs_repair, retired
    pub status: String,
    /// The open check-out, while it is lent.
    pub checkout: Option<CheckoutOut>,
    pub overdue: bool,
    pub retired_reason: Option<String>,
    pub retired_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
    /// On `GET /api/v1/tools/{id}`: every check-out, newest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkouts: Option<Vec<CheckoutOut>>,
    /// On `GET /api/v1/tools/{id}`: every calibration recorded, newest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibrations: Option<Vec<CalibrationOut>>,
}

fn checkout_out(
    c: &sanbao_domain::tools::Checkout,
    holder_name: Option<String>,
    today: chrono::NaiveDate,
) -> CheckoutOut {
    CheckoutOut {
        id: c.id.0,
        holder_id: c.holder_id.0,
        holder_name,
        job_id: c.job_id.map(|j| j.0),
        purpose: c.purpose.clone(),
        out_on: c.out_on.to_string(),
        expected_return_on: c.expected_return_on.to_string(),
        out_by: c.out_by.0,
        out_at: ts(c.out_at),
        returned_at: c.returned_at.map(ts),
        returned_by: c.returned_by.map(|u| u.0),
        condition: c.condition.map(|x| x.as_str().to_string()),
        remark: c.remark.clone(),
        overdue: c.is_overdue(today),
    }
}

impl ToolOut {
    fn new(v: ToolView, today: chrono::NaiveDate) -> ToolOut {
        let t = v.tool;
        let checkout = v
            .open
            .as_ref()
            .map(|c| checkout_out(c, v.holder_name.clone(), today));
        ToolOut {
            id: t.id.0,
            calibration_state: t.calibration(today).name().into(),
            asset_code: t.asset_code,
            name: t.name,
            category: t.category,
            serial_no: t.serial_no,
            location: t.location,
            calibration_interval_months: t.calibration_interval_months,
            calibration_due_on: t.calibration_due_on.map(|d| d.to_string()),
            status: t.status.as_str().into(),
            overdue: checkout.as_ref().is_some_and(|c| c.overdue),
            checkout,
            retired_reason: t.retired_reason,
            retired_at: t.retired_at.map(ts),
            created_at: ts(t.created_at),
            updated_at: ts(t.updated_at),
            version: t.version,
            checkouts: None,
            calibrations: None,
        }
    }

    fn with_history(
        mut self,
        outs: Vec<CheckoutView>,
        cals: Vec<CalibrationView>,
        today: chrono::NaiveDate,
    ) -> ToolOut {
        self.checkouts = Some(
            outs.into_iter()
                .map(|c| checkout_out(&c.checkout, Some(c.holder_name), today))
                .collect(),
        );
        self.calibrations = Some(
            cals.into_iter()
                .map(|k| CalibrationOut {
                    calibrated_on: k.calibration.calibrated_on.to_string(),
                    next_due_on: k.calibration.next_due_on.to_string(),
                    note: k.calibration.note,
                    recorded_by: k.calibration.recorded_by.0,
                    recorded_by_name: k.recorded_by_name,
                    recorded_at: ts(k.calibration.recorded_at),
                })
                .collect(),
        );
        self
    }
}

/// The tool as the actor sees it now.
async fn answer(state: &AppState, actor: &User, id: ToolId) -> ApiResult<Json<ToolOut>> {
    let v = app::tools::tool(state, actor, id).await?;
    Ok(Json(ToolOut::new(v, app::tools::today(state.now()))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ToolQuery {
    /// `me`, or a person's id: the tools they hold now.
    pub holder: Option<String>,
    /// `true`: only the tools not back by the day expected.
    pub overdue: Option<String>,
    /// `true`: only the tools whose calibration is due within 14 days or past.
    pub calibration_due: Option<String>,
    /// `true`: only the tools lent now.
    pub checked_out: Option<String>,
    /// `true`: retired tools too.
    pub retired: Option<String>,
    /// At most this many (500).
    pub limit: Option<i64>,
}

fn flag(name: &str, v: Option<&str>) -> Result<bool, Error> {
    match v.map(str::trim) {
        None | Some("" | "false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(_) => Err(Error::field(name, Problem::invalid("true or false"))),
    }
}

#[derive(Serialize, ToSchema)]
pub struct ToolList {
    pub items: Vec<ToolOut>,
}

/// Tools by identifier, retired ones left out unless asked for; a technician sees only
/// the tools they hold.
#[utoipa::path(get, path = "/api/v1/tools", params(ToolQuery), tag = "tools", security(("bearer" = [])),
    responses((status = 200, body = ToolList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ToolQuery>,
) -> ApiResult<Json<ToolList>> {
    let holder = match q.holder.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("me") => Some(actor.id),
        Some(s) => Some(
            s.parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .map(UserId)
                .ok_or_else(|| Error::field("holder", Problem::invalid("`me` or a person's id")))?,
        ),
    };
    let filter = ToolFilter {
        holder,
        overdue: flag("overdue", q.overdue.as_deref())?,
        calibration_due: flag("calibration_due", q.calibration_due.as_deref())?,
        checked_out: flag("checked_out", q.checked_out.as_deref())?,
        retired: flag("retired", q.retired.as_deref())?,
    };
    let now = state.now();
    let rows = app::tools::tools(
        &state,
        &actor,
        &filter,
        q.limit.unwrap_or(app::tools::LIST_MAX),
        now,
    )
    .await?;
    let today = app::tools::today(now);
    Ok(Json(ToolList {
        items: rows.into_iter().map(|v| ToolOut::new(v, today)).collect(),
    }))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ToolIn {
    /// The identifier on the tool (`T-0012`); unique, no spaces.
    pub asset_code: String,
    pub name: String,
    /// What kind of tool (万用表, 绝缘电阻测试仪).
    pub category: Option<String>,
    pub serial_no: Option<String>,
    /// Where it is kept.
    pub location: Option<String>,
    /// 1 to 120.
    pub calibration_interval_months: Option<i64>,
    /// `YYYY-MM-DD`: the date by which it must be calibrated.
    pub calibration_due_on: Option<String>,
}

/// Register a tool (admin, service manager, clerk). Every bad field is named (422); an
/// identifier already used is `asset_code` taken.
#[utoipa::path(post, path = "/api/v1/tools", request_body = ToolIn, tag = "tools", security(("bearer" = [])),
    responses((status = 201, body = ToolOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<ToolIn>,
) -> ApiResult<(StatusCode, Json<ToolOut>)> {
    let input = ToolInput {
        asset_code: b.asset_code,
        name: b.name,
        category: b.category,
        serial_no: b.serial_no,
        location: b.location,
        calibration_interval_months: b.calibration_interval_months.map(|n| n.to_string()),
        calibration_due_on: b.calibration_due_on,
        status: None,
    };
    let t = app::tools::register(&state, &actor, &input, state.now()).await?;
    let Json(out) = answer(&state, &actor, t.id).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// One tool with its check-outs and calibrations (404 for a technician not holding it).
#[utoipa::path(get, path = "/api/v1/tools/{id}", params(("id" = i64, Path)), tag = "tools", security(("bearer" = [])),
    responses((status = 200, body = ToolOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ToolOut>> {
    let id = ToolId(id);
    let v = app::tools::tool(&state, &actor, id).await?;
    let (outs, cals) = app::tools::history(&state, &actor, id).await?;
    let today = app::tools::today(state.now());
    Ok(Json(ToolOut::new(v, today).with_history(outs, cals, today)))
}

/// A field given as `null` (cleared) apart from a field left out (kept).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ToolPatch {
    /// The version read: a stale one is refused with 409.
    #[schema(value_type = i64, required)]
    pub version: Option<i64>,
    pub asset_code: Option<String>,
    pub name: Option<String>,
    #[serde(deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub category: Option<Option<String>>,
    #[serde(deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub serial_no: Option<Option<String>>,
    #[serde(deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub location: Option<Option<String>>,
    #[serde(deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub calibration_interval_months: Option<Option<i64>>,
    #[serde(deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub calibration_due_on: Option<Option<String>>,
    /// available, in_calibration (sent out), needs_repair; not while it is lent.
    pub status: Option<String>,
}

fn version_of(v: Option<i64>) -> Result<i64, Error> {
    v.ok_or_else(|| Error::field("version", Problem::required()))
}

/// Edit a tool's register fields: those given change, `null` clears one, the rest stay.
#[utoipa::path(patch, path = "/api/v1/tools/{id}", params(("id" = i64, Path)), request_body = ToolPatch, tag = "tools", security(("bearer" = [])),
    responses((status = 200, body = ToolOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ToolPatch>,
) -> ApiResult<Json<ToolOut>> {
    let id = ToolId(id);
    let version = version_of(b.version)?;
    let t = app::tools::tool(&state, &actor, id).await?.tool;
    let keep = |given: Option<Option<String>>, current: Option<String>| match given {
        Some(v) => v,
        None => current,
    };
    let input = ToolInput {
        asset_code: b.asset_code.unwrap_or(t.asset_code),
        name: b.name.unwrap_or(t.name),
        category: keep(b.category, t.category),
        serial_no: keep(b.serial_no, t.serial_no),
        location: keep(b.location, t.location),
        calibration_interval_months: keep(
            b.calibration_interval_months
                .map(|m| m.map(|n| n.to_string())),
            t.calibration_interval_months.map(|n| n.to_string()),
        ),
        calibration_due_on: keep(
            b.calibration_due_on,
            t.calibration_due_on.map(|d| d.to_string()),
        ),
        status: b.status,
    };
    app::tools::edit(&state, &actor, id, version, &input, state.now()).await?;
    answer(&state, &actor, id).await
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CheckoutIn {
    #[schema(value_type = i64, required)]
    pub version: Option<i64>,
    /// Whom it is lent to (a technician or senior engineer); left out, the caller.
    pub holder_id: Option<i64>,
    /// The job it is taken for.
    pub job_id: Option<i64>,
    pub purpose: Option<String>,
    /// `YYYY-MM-DD`, the day it left; left out: today (up to 31 days back, for a paper
    /// register written up late).
    pub out_on: Option<String>,
    /// `YYYY-MM-DD`.
    pub expected_return_on: Option<String>,
}

/// Lend a tool: a keeper to a technician or senior engineer, one of them to themself only
/// (403 otherwise). A tool not available is 409; one past its calibration date is 422
/// (`calibration_due_on`). Two clerks at once: one succeeds, the other gets a 409.
#[utoipa::path(post, path = "/api/v1/tools/{id}/checkout", params(("id" = i64, Path)), request_body = CheckoutIn, tag = "tools", security(("bearer" = [])),
    responses((status = 201, body = ToolOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check_out(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<CheckoutIn>,
) -> ApiResult<(StatusCode, Json<ToolOut>)> {
    let id = ToolId(id);
    let version = version_of(b.version)?;
    let input = CheckoutInput {
        holder_id: b.holder_id.map(UserId),
        job_id: b.job_id.map(JobId),
        purpose: b.purpose,
        out_on: b.out_on,
        expected_return_on: b.expected_return_on,
    };
    app::tools::check_out(&state, &actor, id, version, &input, state.now()).await?;
    let Json(out) = answer(&state, &actor, id).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CheckinIn {
    #[schema(value_type = i64, required)]
    pub version: Option<i64>,
    /// good, damaged (then it needs repair, and `remark` says what is wrong)
    pub condition: Option<String>,
    pub remark: Option<String>,
}

/// Take a tool back (a keeper).
#[utoipa::path(post, path = "/api/v1/tools/{id}/checkin", params(("id" = i64, Path)), request_body = CheckinIn, tag = "tools", security(("bearer" = [])),
    responses((status = 200, body = ToolOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check_in(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<CheckinIn>,
) -> ApiResult<Json<ToolOut>> {
    let id = ToolId(id);
    let version = version_of(b.version)?;
    app::tools::check_in(
        &state,
        &actor,
        id,
        version,
        b.condition.as_deref(),
        b.remark.as_deref(),
        state.now(),
    )
    .await?;
    answer(&state, &actor, id).await
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CalibrationIn {
    #[schema(value_type = i64, required)]
    pub version: Option<i64>,
    /// `YYYY-MM-DD`, not after today.
    pub calibrated_on: Option<String>,
    /// `YYYY-MM-DD`; left out: the calibration date plus the tool's interval.
    pub next_due_on: Option<String>,
    /// The certificate's number, the laboratory.
    pub note: Option<String>,
}

/// Record a calibration (a keeper): the tool's next due date moves on.
#[utoipa::path(post, path = "/api/v1/tools/{id}/calibration", params(("id" = i64, Path)), request_body = CalibrationIn, tag = "tools", security(("bearer" = [])),
    responses((status = 200, body = ToolOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn calibration(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<CalibrationIn>,
) -> ApiResult<Json<ToolOut>> {
    let id = ToolId(id);
    let version = version_of(b.version)?;
    let input = CalibrationInput {
        calibrated_on: b.calibrated_on,
        next_due_on: b.next_due_on,
        note: b.note,
    };
    app::tools::record_calibration(&state, &actor, id, version, &input, state.now()).await?;
    answer(&state, &actor, id).await
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
#[schema(as = ToolRetireIn)]
pub struct RetireIn {
    #[schema(value_type = i64, required)]
    pub version: Option<i64>,
    pub reason: String,
}

/// Retire a tool for good, with the reason (a keeper; not while it is lent).
#[utoipa::path(post, path = "/api/v1/tools/{id}/retire", params(("id" = i64, Path)), request_body = RetireIn, tag = "tools", security(("bearer" = [])),
    responses((status = 200, body = ToolOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn retire(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<RetireIn>,
) -> ApiResult<Json<ToolOut>> {
    let id = ToolId(id);
    let version = version_of(b.version)?;
    app::tools::retire(&state, &actor, id, version, &b.reason, state.now()).await?;
    answer(&state, &actor, id).await
}
