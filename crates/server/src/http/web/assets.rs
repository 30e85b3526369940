//! The pages' stylesheet, script and icon, embedded in the binary (the plant may have no
//! internet) and served with long cache lifetimes; their addresses carry a hash of the
//! content, so a new release is fetched at once. The icon also answers `/favicon.ico`,
//! where browsers look for it unasked.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// `/static/…` and `/favicon.ico`.
pub fn router() -> axum::Router<crate::app::AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/static/{file}", get(serve))
        .route("/favicon.ico", get(favicon))
}

pub const CSS: &str = include_str!("../../../static/app.css");
pub const JS: &str = include_str!("../../../static/app.js");
/// A blue rounded square with 三 in white.
pub const FAVICON: &str = include_str!("../../../static/favicon.svg");

fn versioned(name: &str, content: &str) -> String {
    let hash = hex::encode(Sha256::digest(content.as_bytes()));
    format!("/static/{name}?v={}", &hash[..12])
}

static CSS_URL: LazyLock<String> = LazyLock::new(|| versioned("app.css", CSS));
static JS_URL: LazyLock<String> = LazyLock::new(|| versioned("app.js", JS));
static FAVICON_URL: LazyLock<String> = LazyLock::new(|| versioned("favicon.svg", FAVICON));

pub fn css_url() -> &'static str {
    &CSS_URL
}

pub fn js_url() -> &'static str {
    &JS_URL
}

pub fn favicon_url() -> &'static str {
    &FAVICON_URL
}

pub async fn serve(Path(file): Path<String>) -> Response {
    let (body, content_type) = match file.as_str() {
        "app.css" => (CSS, "text/css; charset=utf-8"),
        "app.js" => (JS, "text/javascript; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    res
}

/// `GET /favicon.ico`: the icon, for browsers that ask for it at its old address. Its
/// address carries no hash, so it is kept for a day only.
pub async fn favicon() -> Response {
    let mut res = FAVICON.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    res
}
