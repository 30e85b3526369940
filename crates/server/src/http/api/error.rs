//! The API's adapter of the domain error: a JSON problem with the right status.

use axum::http::{HeaderValue, StatusCode, header};
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
    pub message: String,
    /// Field (API name, e.g. `contacts[0].phone`) → what is wrong with it.
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let none = BTreeMap::new;
        match self.0 {
            Error::NotFound(what) => problem(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
                none(),
            ),
            Error::Conflict(why) => problem(StatusCode::CONFLICT, "conflict", why, none()),
            Error::Forbidden => problem(
                StatusCode::FORBIDDEN,
                "forbidden",
                "your role may not do this",
                none(),
            ),
            Error::Unauthenticated => {
                let mut r = problem(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "sign in first: POST /api/v1/sessions, then Authorization: Bearer <token>",
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
                    format!("too many failed sign-ins; try again in {retry_after_secs} s"),
                    none(),
                );
                if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
            Error::Validation(fields) => {
                let message = format!(
                    "invalid: {}",
                    fields.0.keys().cloned().collect::<Vec<_>>().join(", ")
                );
                let fields = fields.0.into_iter().map(|(k, p)| (k, p.message)).collect();
                problem(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation",
                    message,
                    fields,
                )
            }
            Error::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "something went wrong on our side; it has been logged",
                    none(),
                )
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
