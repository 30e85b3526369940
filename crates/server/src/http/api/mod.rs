//! The JSON API under `/api/v1`, and its OpenAPI document at `/api/openapi.json`.

pub mod board;
pub mod customers;
pub mod deadline_policy;
pub mod deliveries;
pub mod doc;
pub mod error;
pub mod extract;
pub mod field;
// ---- dispatch (issue 8) ----
pub mod dispatch;
// ---- end dispatch ----
// ---- field form ----
pub mod forms;
// ---- end field form ----
// ---- Where notifications go ----
pub mod inbox;
// ---- end where notifications go ----
pub mod replies;
// --- service requests (issue 8, part 1) ---
pub mod requests;
// --- end service requests ---
// ---- parts desk ----
pub mod parts;
// ---- end parts desk ----
pub mod returns;
// ---- settlement (issue 9, part 5) ----
pub mod settlement;
// ---- end settlement ----
pub mod sessions;
pub mod tickets;
// ---- follow-ups ----
pub mod followups;
pub mod quality;
// ---- end follow-ups ----
// ---- campaigns ----
pub mod campaigns;
// ---- end campaigns ----
// ---- tools ----
pub mod tools;
// ---- end tools ----
// ---- training ----
pub mod documents;
pub mod training;
// ---- end training ----
pub mod life;
// ---- reliability ----
pub mod reliability;
// ---- end reliability ----
pub mod report;
// ---- similar cases ----
pub mod similar;
// ---- end similar cases ----
pub mod units;
pub mod visits;
// ---- survey and daily report (issue 8) ----
pub mod daily_reports;
pub mod surveys;
// ---- end survey and daily report ----

use crate::app::AppState;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use std::sync::Arc;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;

/// The API: every feature's routes, and the OpenAPI document built from the same
/// definitions (a route cannot exist without its documentation, nor the other way round).
pub fn router() -> Router<AppState> {
    let (router, doc) = routes().split_for_parts();
    let doc = Arc::new(exact(doc));
    router
        .route(
            "/api/openapi.json",
            get(move || {
                let doc = Arc::clone(&doc);
                async move { Json(doc) }
            }),
        )
        .layer(axum::middleware::from_fn(error::language))
}

/// The API's routes with their documentation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(sessions::router())
        .merge(customers::router())
        .merge(tickets::router())
        .merge(units::router())
        .merge(life::router())
        // ---- reliability ----
        .merge(reliability::router())
        // ---- end reliability ----
        .merge(report::router())
        // ---- similar cases ----
        .merge(similar::router())
        // ---- end similar cases ----
        .merge(returns::router())
        .merge(deliveries::router())
        // ---- Where notifications go ----
        .merge(inbox::router())
        // ---- end where notifications go ----
        // --- replies and visits (issue 7, parts 4-6) ---
        .merge(replies::router())
        .merge(visits::router())
        .merge(field::router())
        // ---- dispatch (issue 8) ----
        .merge(dispatch::router())
        // ---- end dispatch ----
        // ---- field form ----
        .merge(forms::router())
        // ---- end field form ----
        .merge(deadline_policy::router())
        // The manager's board (R6.1–R6.3).
        .merge(board::router())
        // --- service requests (issue 8, part 1) ---
        .merge(requests::router())
        // --- end service requests ---
        // ---- survey and daily report (issue 8) ----
        .merge(surveys::router())
        .merge(daily_reports::router())
        // ---- end survey and daily report ----
        // ---- parts desk ----
        .merge(parts::router())
        // ---- end parts desk ----
        // ---- campaigns ----
        .merge(campaigns::router())
        // ---- end campaigns ----
        // ---- tools ----
        .merge(tools::router())
        // ---- end tools ----
        // ---- training ----
        .merge(training::router())
        .merge(documents::router())
        // ---- end training ----
        // ---- settlement (issue 9, part 5) ----
        .merge(settlement::router())
        // ---- end settlement ----
        // ---- follow-ups ----
        .merge(followups::router())
        .merge(quality::router())
    // ---- end follow-ups ----
}

/// The OpenAPI document, as served: built from the routes, then made exact
/// ([`doc::complete`]).
pub fn openapi() -> serde_json::Value {
    exact(routes().split_for_parts().1)
}

/// The document utoipa built, completed by [`doc::complete`].
fn exact(built: utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut doc = serde_json::to_value(built).unwrap_or_default();
    doc::complete(&mut doc);
    doc
}

/// An instant as the API writes it: RFC 3339 in the company's offset (+08:00).
pub fn ts(at: DateTime<Utc>) -> String {
    sanbao_domain::time::local(at).to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

pub fn ts_ms(ms: i64) -> String {
    ts(sanbao_domain::time::from_millis(ms))
}

/// A page of a list: `next_cursor` goes into `?cursor=` for the next page.
#[derive(Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Page<T> {
    /// Build from `limit + 1` fetched rows: the extra row only says there is more.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> i64) -> Self {
        let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        let next_cursor = if more {
            rows.last().map(|r| id(r).to_string())
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
        }
    }
}

/// `?cursor=` as an id; anything else is a 422 naming `cursor`.
pub fn cursor(c: Option<&str>) -> Result<Option<i64>, sanbao_domain::Error> {
    match c.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
            sanbao_domain::Error::field(
                "cursor",
                sanbao_domain::Problem::invalid("not a cursor from a previous page"),
            )
        }),
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Sanbao", description = "After-sales service: customers, tickets and their deadlines."),
    components(schemas(error::ErrorBody, error::ErrorDetail)),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}
