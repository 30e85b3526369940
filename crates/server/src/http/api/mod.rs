//! The JSON API under `/api/v1`, and its OpenAPI document at `/api/openapi.json`.

pub mod customers;
pub mod error;
pub mod extract;
pub mod sessions;
pub mod tickets;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi))
        .route("/api/v1/sessions", post(sessions::create))
        .route(
            "/api/v1/sessions/current",
            axum::routing::delete(sessions::delete),
        )
        .route("/api/v1/me", get(sessions::me))
        .route(
            "/api/v1/users",
            get(sessions::list_users).post(sessions::create_user),
        )
        .route(
            "/api/v1/customers",
            get(customers::list).post(customers::create),
        )
        .route(
            "/api/v1/customers/{id}",
            get(customers::get).put(customers::update),
        )
        .route("/api/v1/customers/{id}/history", get(customers::history))
        .route("/api/v1/tickets", get(tickets::list).post(tickets::create))
        .route("/api/v1/tickets/{id}", get(tickets::get))
        .route(
            "/api/v1/tickets/{id}/events",
            get(tickets::events).post(tickets::record_event),
        )
        .route("/api/v1/dashboard", get(tickets::dashboard))
        .route("/api/v1/regions/derive", post(customers::derive_region))
        .layer(axum::middleware::from_fn(error::language))
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
    paths(
        sessions::create, sessions::delete, sessions::me, sessions::list_users, sessions::create_user,
        customers::list, customers::create, customers::get, customers::update, customers::history,
        customers::derive_region,
        tickets::list, tickets::create, tickets::get, tickets::events, tickets::record_event,
        tickets::dashboard,
    ),
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

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(ApiDoc::openapi())
}
