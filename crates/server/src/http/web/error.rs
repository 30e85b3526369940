//! The web's adapter of the domain error: an HTML page with the right status and a link
//! back. Handlers return [`WebError`]; the [`pages`] middleware, which knows the request's
//! language, turns it into the page. Internal causes are logged, never shown.

use super::Layout;
use crate::http::session::cookie;
use crate::i18n::Lang;
use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use sanbao_domain::Error;

pub const LANG_COOKIE: &str = "sanbao_lang";

/// The language the request asks for: the `sanbao_lang` cookie, else Chinese.
pub fn lang_of(headers: &axum::http::HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(|c| Lang::parse(&c))
        .unwrap_or_default()
}

#[derive(Debug)]
enum Kind {
    Domain(Error),
    /// The form's `_csrf` is missing or wrong.
    Csrf,
    /// The request could not be read (a body too large, a path that is no id).
    BadRequest,
    /// Not signed in: go to the sign-in page, then come back here.
    Login {
        next: String,
    },
}

/// Anything a page handler can fail with.
#[derive(Debug)]
pub struct WebError {
    kind: Kind,
    /// Where the page's link leads back to (the service desk if not given).
    back: Option<String>,
}

pub type WebResult<T> = Result<T, WebError>;

impl From<Error> for WebError {
    fn from(e: Error) -> Self {
        WebError {
            kind: Kind::Domain(e),
            back: None,
        }
    }
}

impl WebError {
    pub fn internal(cause: impl Into<String>) -> Self {
        Error::Internal(cause.into()).into()
    }
    pub fn not_found(what: &'static str) -> Self {
        Error::NotFound(what).into()
    }
    pub fn csrf() -> Self {
        WebError {
            kind: Kind::Csrf,
            back: None,
        }
    }
    pub fn bad_request() -> Self {
        WebError {
            kind: Kind::BadRequest,
            back: None,
        }
    }
    pub fn login(next: String) -> Self {
        WebError {
            kind: Kind::Login { next },
            back: None,
        }
    }
    /// The page's link leads here instead of the service desk.
    #[must_use]
    pub fn back(mut self, to: impl Into<String>) -> Self {
        self.back = Some(to.into());
        self
    }
}

/// What the middleware needs to draw the page; carried in the response's extensions.
#[derive(Clone, Debug)]
struct ErrorPageInfo {
    key: &'static str,
    fields: Vec<(String, &'static str)>,
    back: Option<String>,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, key, fields) = match self.kind {
            Kind::Login { next } => {
                let to = super::url_with("/login", &[("next", &next)]);
                return super::see_other(&to);
            }
            Kind::Csrf => (StatusCode::FORBIDDEN, "csrf", Vec::new()),
            Kind::BadRequest => (StatusCode::BAD_REQUEST, "bad_request", Vec::new()),
            Kind::Domain(e) => match e {
                Error::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", Vec::new()),
                Error::Forbidden => (StatusCode::FORBIDDEN, "forbidden", Vec::new()),
                Error::Conflict(why) => {
                    tracing::info!(%why, "conflict");
                    (StatusCode::CONFLICT, "conflict", Vec::new())
                }
                Error::Unauthenticated => {
                    return super::see_other("/login");
                }
                Error::TooManyAttempts { .. } => {
                    return super::see_other("/login");
                }
                Error::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "busy", Vec::new()),
                Error::Validation(f) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation",
                    f.0.into_iter().map(|(k, p)| (k, p.code)).collect(),
                ),
                Error::Internal(cause) => {
                    tracing::error!(%cause, "internal error");
                    (StatusCode::INTERNAL_SERVER_ERROR, "internal", Vec::new())
                }
            },
        };
        let mut res = status.into_response();
        res.extensions_mut().insert(ErrorPageInfo {
            key,
            fields,
            back: self.back,
        });
        res
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    heading: String,
    body: String,
    fields: Vec<String>,
    back: String,
    back_label: String,
    reference: Option<String>,
}

/// Draw error pages in the request's language, and mark every page as private and
/// confined to this site's own scripts and styles.
pub async fn pages(req: Request, next: Next) -> Response {
    let lang = lang_of(req.headers());
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let here = if req.method() == axum::http::Method::GET {
        req.uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string()
    } else {
        "/".to_string()
    };
    let is_static = req.uri().path().starts_with("/static/") || req.uri().path() == "/favicon.ico";
    let mut res = next.run(req).await;
    if let Some(info) = res.extensions_mut().remove::<ErrorPageInfo>() {
        let status = res.status();
        res = draw(lang, status, info, request_id, here);
    }
    if !is_static {
        let h = res.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(
            "content-security-policy",
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                 form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
    }
    res
}

fn draw(
    lang: Lang,
    status: StatusCode,
    info: ErrorPageInfo,
    request_id: Option<String>,
    here: String,
) -> Response {
    let t = |k: String| lang.t(&k).to_string();
    let fields = info
        .fields
        .iter()
        .map(|(field, code)| format!("{}: {}", field, lang.problem(code, field)))
        .collect();
    let (back, back_label) = match (info.key, info.back) {
        ("conflict", Some(b)) => (b, lang.t("error.reload").to_string()),
        (_, Some(b)) => (b, lang.t("error.back").to_string()),
        (_, None) => ("/".to_string(), lang.t("error.back_home").to_string()),
    };
    let page = ErrorPage {
        l: Layout::anonymous(lang, t(format!("error.{}.title", info.key)), here),
        heading: t(format!("error.{}.title", info.key)),
        body: t(format!("error.{}.body", info.key)),
        fields,
        back,
        back_label,
        reference: (info.key == "internal")
            .then_some(request_id)
            .flatten()
            .map(|id| lang.f("error.reference", &[("id", &id)])),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            (status, lang.t("error.internal.title").to_string()).into_response()
        }
    }
}
