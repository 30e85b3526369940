//! The monthly report (R6.2, R6.3, R7.3): `GET /api/v1/reports/{month}` — every figure
//! with the key of its records — and `GET /api/v1/reports/{month}/records?figure=` — the
//! records behind one figure.

use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiQuery, ApiUser};
use super::{cursor, ts};
use crate::app::report::{Record, RecordKind};
use crate::app::{self, AppState, clamp_limit};
use axum::Json;
use axum::extract::State;
use sanbao_domain::Error;
use sanbao_domain::report::{Drill, Figure, Sum};
use sanbao_domain::time::Month;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report))
        .routes(routes!(records))
}

#[derive(Serialize, ToSchema)]
pub struct FigureOut {
    /// The key of the records behind it: `section.group.measure`.
    pub figure: String,
    pub value: i64,
    /// How the records add up to the value: `count` (how many), `amount` (the sum of
    /// their `value`, fen), `mean_centi` (the mean of their `value`, in hundredths).
    pub sum: String,
    /// Where the records are.
    pub records: String,
}

impl FigureOut {
    fn new(month: Month, f: Figure) -> Self {
        FigureOut {
            records: format!(
                "/api/v1/reports/{month}/records?figure={}",
                encode(&f.figure)
            ),
            sum: match f.sum {
                Sum::Count => "count",
                Sum::Amount => "amount",
                Sum::MeanCenti => "mean_centi",
            }
            .to_string(),
            figure: f.figure,
            value: f.value,
        }
    }
}

fn encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(Serialize, ToSchema)]
#[schema(as = MonthlyReportOut)]
pub struct ReportOut {
    /// `YYYY-MM`.
    pub month: String,
    /// Every figure of the report, table by table.
    pub figures: Vec<FigureOut>,
    /// The tables themselves (complaints, emergencies, replies, jobs, satisfaction,
    /// follow_ups, warranty_cost — null for a reader who may not see costs — pareto,
    /// recurring, open_actions).
    #[schema(value_type = Object)]
    pub tables: serde_json::Value,
}

/// The month's report: every figure with its drill-down (admin, manager, quality
/// engineer; the warranty cost only for those who may see the settlement).
#[utoipa::path(get, path = "/api/v1/reports/{month}", params(("month" = String, Path, description = "YYYY-MM")), tag = "quality", security(("bearer" = [])),
    responses((status = 200, body = ReportOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(month): Path<String>,
) -> ApiResult<Json<ReportOut>> {
    let m = sanbao_domain::time::month_field(&month)?;
    let r = app::report::month(&state, &actor, m, state.now()).await?;
    let tables = serde_json::to_value(&r.report)
        .map_err(|e| Error::Internal(format!("the report as JSON: {e}")))?;
    Ok(Json(ReportOut {
        month: m.to_string(),
        figures: r
            .report
            .figures()
            .into_iter()
            .map(|f| FigureOut::new(m, f))
            .collect(),
        tables,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RecordsQuery {
    /// The figure's key, as the report gives it (`emergencies.zhejiang.late`).
    pub figure: Option<String>,
    pub limit: Option<i64>,
    /// Where the previous page ended (its `next_cursor`).
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RecordOut {
    /// `ticket`, `job`, `customer` or `quality_item`.
    pub kind: String,
    pub id: i64,
    pub reference: String,
    #[schema(nullable)]
    pub customer: Option<String>,
    #[schema(nullable)]
    pub at: Option<String>,
    pub note: String,
    /// The amount (fen) or score it adds to the figure.
    #[schema(nullable)]
    pub value: Option<i64>,
}

impl From<Record> for RecordOut {
    fn from(r: Record) -> Self {
        RecordOut {
            kind: match r.kind {
                RecordKind::Ticket => "ticket",
                RecordKind::Job => "job",
                RecordKind::Customer => "customer",
                RecordKind::QualityItem => "quality_item",
            }
            .to_string(),
            id: r.id,
            reference: r.reference,
            customer: r.customer,
            at: r.at.map(ts),
            note: r.note,
            value: r.value,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RecordsOut {
    pub figure: String,
    /// How many records stand behind the figure, over every page.
    pub total: i64,
    pub items: Vec<RecordOut>,
    #[schema(nullable)]
    pub next_cursor: Option<String>,
}

/// The records behind one figure of the month's report, in the order they happened.
#[utoipa::path(get, path = "/api/v1/reports/{month}/records", params(("month" = String, Path, description = "YYYY-MM"), RecordsQuery), tag = "quality", security(("bearer" = [])),
    responses((status = 200, body = RecordsOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn records(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(month): Path<String>,
    ApiQuery(q): ApiQuery<RecordsQuery>,
) -> ApiResult<Json<RecordsOut>> {
    let m = sanbao_domain::time::month_field(&month)?;
    let drill = Drill::parse(q.figure.as_deref().unwrap_or(""))?;
    let from = usize::try_from(cursor(q.cursor.as_deref())?.unwrap_or(0)).unwrap_or(0);
    let limit = usize::try_from(clamp_limit(q.limit)).unwrap_or(1);
    let all = app::report::records(&state, &actor, m, &drill, state.now()).await?;
    let total = all.len();
    let items: Vec<RecordOut> = all
        .into_iter()
        .skip(from)
        .take(limit)
        .map(Into::into)
        .collect();
    let end = from + items.len();
    Ok(Json(RecordsOut {
        figure: drill.key(),
        total: i64::try_from(total).unwrap_or(i64::MAX),
        next_cursor: (end < total).then(|| end.to_string()),
        items,
    }))
}
