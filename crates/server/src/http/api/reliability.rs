//! Field reliability (R5.1): `GET /api/v1/reliability`.

use super::error::{ApiResult, ErrorBody};
use super::extract::{ApiQuery, ApiUser};
use crate::app;
use crate::app::AppState;
use crate::app::reliability::ModelFigures;
use axum::Json;
use axum::extract::State;
use sanbao_domain::reliability::EarlyLifeSetting;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(reliability))
        .routes(routes!(warranty_cost))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReliabilityQuery {
    /// The early-life alarm's months in service (1–24; default 3).
    pub early_months: Option<String>,
    /// The early-life alarm's limit, failures per 1,000 units commissioned (0–1000;
    /// default 20).
    pub early_limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = ReliabilityMonthOut)]
pub struct MonthOut {
    /// `YYYY-MM`.
    pub month: String,
    pub units_in_service: u64,
    pub failures: u64,
    #[schema(nullable)]
    pub per_thousand: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct EarlyLifeOut {
    pub months: u32,
    pub failures: u64,
    pub units: u64,
    #[schema(nullable)]
    pub per_thousand: Option<f64>,
    pub limit_per_thousand: f64,
    pub alarm: bool,
}

#[derive(Serialize, ToSchema)]
pub struct WeibullOut {
    /// β.
    #[schema(nullable)]
    pub shape: Option<f64>,
    /// η in days.
    #[schema(nullable)]
    pub scale_days: Option<f64>,
    /// `early_life` (β < 0.9), `random`, `wear_out` (β > 1.1).
    #[schema(nullable)]
    pub reading: Option<String>,
    /// Why there is no fit: `too_few_failures` (fewer than 3), `no_spread`,
    /// `invalid_time`, `not_converged`.
    #[schema(nullable)]
    pub no_fit: Option<String>,
    /// First failures (events) and units still running (censored) the fit used.
    pub failures: u64,
    pub censored: u64,
}

#[derive(Serialize, ToSchema)]
pub struct ComponentOut {
    pub part_code: String,
    pub part_name: String,
    /// Faulty parts of this kind removed from the model's units and returned.
    pub failures: u64,
    /// Per 1,000 units of the model commissioned.
    #[schema(nullable)]
    pub per_thousand: Option<f64>,
    pub by_months_in_service: Vec<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct ModelOut {
    pub model_id: i64,
    pub model_code: String,
    pub model_name: String,
    pub units_commissioned: u64,
    pub units_in_service: u64,
    pub failures: u64,
    pub failed_units: u64,
    /// Failures by whole months in service (index 0 = the first month).
    pub by_months_in_service: Vec<u64>,
    /// Failures per 1,000 units in service per month over the last twelve months.
    #[schema(nullable)]
    pub rate_per_thousand_12m: Option<f64>,
    pub monthly: Vec<MonthOut>,
    pub early_life: EarlyLifeOut,
    pub weibull: WeibullOut,
    /// Per component, where returned faulty parts name it; most failures first.
    pub components: Vec<ComponentOut>,
}

impl ModelOut {
    fn new(m: &ModelFigures) -> Self {
        let f = &m.figures;
        let weibull = match &f.weibull {
            Ok(w) => WeibullOut {
                shape: Some(w.shape),
                scale_days: Some(w.scale_days),
                reading: Some(w.reading().as_str().into()),
                no_fit: None,
                failures: w.failures,
                censored: w.censored,
            },
            Err(e) => WeibullOut {
                shape: None,
                scale_days: None,
                reading: None,
                no_fit: Some(e.as_str().into()),
                failures: f.failed_units,
                censored: 0,
            },
        };
        ModelOut {
            model_id: m.model.id.0,
            model_code: m.model.code.clone(),
            model_name: m.model.name.clone(),
            units_commissioned: f.units_commissioned,
            units_in_service: f.units_in_service,
            failures: f.failures,
            failed_units: f.failed_units,
            by_months_in_service: f.by_months.clone(),
            rate_per_thousand_12m: f.rate_12m,
            monthly: f
                .monthly
                .iter()
                .map(|r| MonthOut {
                    month: r.month.to_string(),
                    units_in_service: r.units_in_service,
                    failures: r.failures,
                    per_thousand: r.per_thousand,
                })
                .collect(),
            early_life: EarlyLifeOut {
                months: f.early_life.months,
                failures: f.early_life.failures,
                units: f.early_life.units,
                per_thousand: f.early_life.per_thousand,
                limit_per_thousand: f.early_life.limit_per_thousand,
                alarm: f.early_life.alarm,
            },
            weibull,
            components: f
                .components
                .iter()
                .map(|c| ComponentOut {
                    part_code: c.part_code.clone(),
                    part_name: c.part_name.clone(),
                    failures: c.failures,
                    per_thousand: c.per_thousand,
                    by_months_in_service: c.by_months.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReliabilityOut {
    /// The company date the figures are computed on.
    pub on: String,
    pub models: Vec<ModelOut>,
}

/// Field reliability per product model: units in service, failures by months in service,
/// the failure rate per 1,000 units in service, the Weibull fit of the time to first
/// failure (units still running censored) and the early-life alarm.
#[utoipa::path(get, path = "/api/v1/reliability", params(ReliabilityQuery), tag = "quality", security(("bearer" = [])),
    responses((status = 200, body = ReliabilityOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reliability(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ReliabilityQuery>,
) -> ApiResult<Json<ReliabilityOut>> {
    let setting = EarlyLifeSetting::parse(
        q.early_months.as_deref().unwrap_or(""),
        q.early_limit.as_deref().unwrap_or(""),
    )?;
    let report = app::reliability::report(&state, &actor, setting).await?;
    Ok(Json(ReliabilityOut {
        on: report.today.to_string(),
        models: report.models.iter().map(ModelOut::new).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WarrantyQuery {
    /// This year or one of the four before (default: this year).
    pub year: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ModelCostOut {
    /// Empty for jobs naming no model.
    pub model_code: String,
    pub jobs: i64,
    pub parts_fen: i64,
    pub labour_fen: i64,
    pub travel_fen: i64,
    pub total_fen: i64,
}

#[derive(Serialize, ToSchema)]
pub struct CostedJobOut {
    pub job_id: i64,
    pub ticket_number: String,
    pub customer_name: String,
    pub model_code: String,
    #[schema(nullable)]
    pub unit_id: Option<i64>,
    #[schema(nullable)]
    pub serial_no: Option<String>,
    /// `YYYY-MM-DD`: the job's first arrival on site.
    pub on: String,
    pub borne_fen: i64,
}

#[derive(Serialize, ToSchema)]
pub struct WarrantyOut {
    pub year: i32,
    pub models: Vec<ModelCostOut>,
    /// The jobs behind the figures.
    pub jobs: Vec<CostedJobOut>,
}

/// What the company bore on warranty and free-repair jobs begun in a year, per product
/// model, with the jobs behind each figure (admin, manager, quality engineer).
#[utoipa::path(get, path = "/api/v1/reliability/warranty-cost", params(WarrantyQuery), tag = "quality", security(("bearer" = [])),
    responses((status = 200, body = WarrantyOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn warranty_cost(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<WarrantyQuery>,
) -> ApiResult<Json<WarrantyOut>> {
    let today = sanbao_domain::time::local_date(state.now());
    let year = match q.year.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => app::reliability::cost_years(today)[0],
        Some(s) => s.parse().map_err(|_| {
            sanbao_domain::Error::field("year", sanbao_domain::Problem::invalid("a year"))
        })?,
    };
    let c = app::reliability::warranty_year(&state, &actor, year).await?;
    Ok(Json(WarrantyOut {
        year: c.year,
        models: c
            .models
            .into_iter()
            .map(|w| ModelCostOut {
                model_code: w.model_code,
                jobs: w.jobs,
                parts_fen: w.parts_fen,
                labour_fen: w.labour_fen,
                travel_fen: w.travel_fen,
                total_fen: w.total_fen,
            })
            .collect(),
        jobs: c
            .jobs
            .into_iter()
            .map(|j| CostedJobOut {
                job_id: j.job.0,
                ticket_number: j.ticket_number,
                customer_name: j.customer_name,
                model_code: j.model_code,
                unit_id: j.unit.as_ref().map(|(u, _)| u.0),
                serial_no: j.unit.map(|(_, s)| s),
                on: j.on.to_string(),
                borne_fen: j.borne_fen,
            })
            .collect(),
    }))
}
