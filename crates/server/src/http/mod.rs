//! HTTP: `fn app(state) -> Router`; each feature module brings its own router.

pub mod api;
pub mod session;
pub mod web;

use crate::app::{self, AppState};
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::time::Instant;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Request bodies larger than this are refused before they are read.
pub const BODY_LIMIT: usize = 256 * 1024;

/// The whole application: pages, API, health and metrics.
///
/// `/metrics` is served only when a metrics token is configured, and then only to a
/// request bearing it; without a token it is an address like any unknown one (404).
pub fn app(state: AppState) -> Router {
    crate::metrics::install();
    let x_request_id = header::HeaderName::from_static("x-request-id");
    let mut router = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));
    if state.config.serves_metrics() {
        router = router.route("/metrics", get(metrics));
    }
    router
        .merge(api::router())
        .merge(web::router())
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(observe))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map_or(req.uri().path(), |m| m.as_str());
            tracing::info_span!("request", method = %req.method(), route, request_id = id)
        }))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
        .with_state(state)
}

/// Count and time every request by its route; add the headers every answer carries.
async fn observe(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let mut res = next.run(req).await;
    crate::metrics::record_request(
        method.as_str(),
        &route,
        res.status().as_u16(),
        start.elapsed(),
    );
    let h = res.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.entry("x-frame-options")
        .or_insert(HeaderValue::from_static("DENY"));
    res
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match app::health::ready(&state).await {
        Ok(()) => "ready".into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response(),
    }
}

/// The Prometheus exposition, for the bearer of the metrics token; anyone else gets the
/// API's 401 problem.
async fn metrics(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: axum::http::HeaderMap,
) -> Response {
    if !app::health::may_read_metrics(&state, session::bearer(&headers)) {
        return api::error::ApiError(sanbao_domain::Error::Unauthenticated)
            .response_in(api::error::lang_of(&headers));
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::metrics::render(),
    )
        .into_response()
}
