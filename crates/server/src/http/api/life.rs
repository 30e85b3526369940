//! The life story of a unit and of a customer (R3.8, R5.2):
//! `GET /api/v1/units/{id}/story` and `GET /api/v1/customers/{id}/story`.

use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiQuery, ApiUser};
use super::ts;
use crate::app;
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use sanbao_domain::life::{LifeEntry, LifeFilter, Story};
use sanbao_domain::{CustomerId, UnitId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(unit_story))
        .routes(routes!(customer_story))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StoryQuery {
    /// Kinds to show, comma-separated (`delivery`, `commissioning`, `ticket`, `visit`,
    /// `form`, `part`, `return`, `follow_up`, `campaign`, `training`, `change`); all if
    /// omitted.
    pub kind: Option<String>,
    /// First company date (`YYYY-MM-DD`, Asia/Shanghai), included.
    pub from: Option<String>,
    /// Last company date, included.
    pub to: Option<String>,
}

impl StoryQuery {
    fn filter(&self) -> Result<LifeFilter, sanbao_domain::Error> {
        let kinds: Vec<&str> = self
            .kind
            .as_deref()
            .map(|k| k.split(',').collect())
            .unwrap_or_default();
        LifeFilter::parse(&kinds, self.from.as_deref(), self.to.as_deref())
    }
}

#[derive(Serialize, ToSchema)]
pub struct UnitRefOut {
    pub id: i64,
    pub model_code: String,
    pub serial_no: String,
}

#[derive(Serialize, ToSchema)]
pub struct EntryOut {
    /// When it happened (RFC 3339); for what is known by its date only, the start of
    /// that company day.
    pub at: String,
    /// Known by its date only.
    pub dated: bool,
    /// The kind the filter names it by.
    pub kind: String,
    /// What happened: `recorded`, `delivery`, `shipped`, `accepted`, `commissioned`,
    /// `ticket`, `check_in`, `arrived`, `form`, `part_fitted`, `part_removed`, `return`,
    /// `follow_up`, `campaign`, `training`, `changed`.
    pub event: String,
    #[schema(nullable)]
    pub unit: Option<UnitRefOut>,
    /// The record's own fields (ids, statuses, texts), as the event names them.
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
}

impl EntryOut {
    fn new(e: &LifeEntry) -> Self {
        let mut record = serde_json::to_value(&e.event).unwrap_or_default();
        if let Some(o) = record.as_object_mut() {
            o.remove("event");
        }
        EntryOut {
            at: ts(e.at),
            dated: e.dated,
            kind: e.kind().as_str().to_string(),
            event: e.event.name().to_string(),
            unit: e.unit.as_ref().map(|u| UnitRefOut {
                id: u.id.0,
                model_code: u.model_code.clone(),
                serial_no: u.serial_no.clone(),
            }),
            record,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StoryOut {
    /// The kinds the caller reads on this story (a salesperson reads follow-ups and
    /// campaign answers of their own customers only).
    pub kinds: Vec<String>,
    /// Newest first, at most 500.
    pub entries: Vec<EntryOut>,
    /// Entries of each kind within the dates, whatever kinds were asked for.
    pub counts: BTreeMap<String, usize>,
    /// More entries matched than are given: narrow the dates.
    pub truncated: bool,
}

impl StoryOut {
    fn new(s: &Story) -> Self {
        StoryOut {
            kinds: s.kinds.iter().map(|k| k.as_str().to_string()).collect(),
            entries: s.entries.iter().map(EntryOut::new).collect(),
            counts: s
                .counts
                .iter()
                .map(|(k, n)| (k.as_str().to_string(), *n))
                .collect(),
            truncated: s.truncated,
        }
    }
}

/// A unit's life story: delivery, commissioning, tickets, visits, forms, parts, returns and
/// changes of its record, newest first.
#[utoipa::path(get, path = "/api/v1/units/{id}/story", params(("id" = i64, Path), StoryQuery), tag = "installed base", security(("bearer" = [])),
    responses((status = 200, body = StoryOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn unit_story(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<StoryQuery>,
) -> ApiResult<Json<StoryOut>> {
    let filter = q.filter()?;
    let (_, story) = app::life::unit_story(&state, &actor, UnitId(id), &filter).await?;
    Ok(Json(StoryOut::new(&story)))
}

/// A customer's life story: every one of their units' entries, and their follow-ups,
/// campaign answers, training and changes of their record, newest first.
#[utoipa::path(get, path = "/api/v1/customers/{id}/story", params(("id" = i64, Path), StoryQuery), tag = "customers", security(("bearer" = [])),
    responses((status = 200, body = StoryOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn customer_story(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<StoryQuery>,
) -> ApiResult<Json<StoryOut>> {
    let filter = q.filter()?;
    let (_, story) = app::life::customer_story(&state, &actor, CustomerId(id), &filter).await?;
    Ok(Json(StoryOut::new(&story)))
}
