//! The API's adapter of the domain error: a JSON problem with the right status, its
//! `message` and field messages in the language the request's `Accept-Language` prefers
//! (Simplified Chinese unless it prefers English). The codes and field names never change
//! with the language.

use crate::i18n::Lang;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sanbao_domain::Error;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// `{"error": {"code", "message", "fields"}}`
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable: `not_found`, `conflict`, `forbidden`, `unauthenticated`, `too_many_attempts`,
    /// `validation`, `bad_request`, `internal`.
    pub code: &'static str,
    /// In words, in the language `Accept-Language` prefers (Simplified Chinese by default).
    pub message: String,
    /// Field (API name, e.g. `contacts[0].phone`) → what is wrong with it, in words.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

/// Any error an API handler returns.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

tokio::task_local! {
    /// The language of the request being answered.
    static REQUEST_LANG: Lang;
}

/// Remember the language the request prefers while it is answered, so that problems are
/// told in it wherever they arise (handlers, extractors).
pub async fn language(req: Request, next: Next) -> Response {
    let lang = lang_of(req.headers());
    REQUEST_LANG.scope(lang, next.run(req)).await
}

/// The language an `Accept-Language` header prefers.
pub fn lang_of(headers: &axum::http::HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or_else(Lang::default, Lang::from_accept_language)
}

/// The language of the request being answered (Chinese outside a request).
pub fn request_lang() -> Lang {
    REQUEST_LANG.try_with(|l| *l).unwrap_or_default()
}

pub fn problem(
    status: StatusCode,
    code: &'static str,
    message: impl Into<String>,
    fields: BTreeMap<String, String>,
) -> Response {
    (
        status,
        axum::Json(ErrorBody {
            error: ErrorDetail {
                code,
                message: message.into(),
                fields,
            },
        }),
    )
        .into_response()
}

/// A 422 naming each field with its problem in words.
fn validation_problem(lang: Lang, fields: &[(String, &str)]) -> Response {
    let names: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
    let message = lang.f("api.validation", &[("fields", &names.join(", "))]);
    let fields = fields
        .iter()
        .map(|(field, code)| (field.clone(), lang.problem(code, field)))
        .collect();
    problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        message,
        fields,
    )
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.response_in(request_lang())
    }
}

impl ApiError {
    /// The problem told in `lang`.
    pub fn response_in(self, lang: Lang) -> Response {
        let none = BTreeMap::new;
        match self.0 {
            Error::NotFound(what) => problem(
                StatusCode::NOT_FOUND,
                "not_found",
                lang.f("api.not_found", &[("what", &what)]),
                none(),
            ),
            Error::Conflict(why) => problem(
                StatusCode::CONFLICT,
                "conflict",
                lang.f("api.conflict", &[("why", &why)]),
                none(),
            ),
            Error::Forbidden => problem(
                StatusCode::FORBIDDEN,
                "forbidden",
                lang.t("api.forbidden"),
                none(),
            ),
            Error::Unauthenticated => {
                let mut r = problem(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    lang.t("api.unauthenticated"),
                    none(),
                );
                r.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                r
            }
            Error::TooManyAttempts { retry_after_secs } => {
                let mut r = problem(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    lang.f("login.too_many", &[("n", &retry_after_secs)]),
                    none(),
                );
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
            Error::Busy { retry_after_secs } => {
                let mut r = problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    lang.f("login.busy", &[("n", &retry_after_secs)]),
                    none(),
                );
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
            Error::Validation(fields) => {
                let fields: Vec<(String, &str)> =
                    fields.0.into_iter().map(|(k, p)| (k, p.code)).collect();
                validation_problem(lang, &fields)
            }
            Error::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    lang.t("api.internal"),
                    none(),
                )
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
