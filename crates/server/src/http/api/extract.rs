//! Extractors that answer bad input the API's way: the field named, nothing written.

use super::error::{ApiError, problem, request_lang};
use crate::app::AppState;
use crate::app::idempotency::Once;
use crate::http::BODY_LIMIT;
use crate::http::session::{Current, current};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sanbao_domain::Error;
use sanbao_domain::idempotency::{self, IdempotencyKey};
use sanbao_domain::user::User;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

/// The signed-in caller. Bearer tokens as the API uses them; a page's session cookie is
/// accepted too, but then changes need the `X-CSRF-Token` header.
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(Current {
            session,
            user,
            by_cookie,
        }) = current(parts, state).await?
        else {
            return Err(ApiError(Error::Unauthenticated));
        };
        if by_cookie && !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !crate::app::sessions::same_token(sent, &session.csrf_token) {
                return Err(ApiError(Error::Forbidden));
            }
        }
        // The API serves the department's staff: an account of another kind (a customer's,
        // for the portal) is refused before any operation reads its input.
        if !user.role.is_staff() {
            return Err(ApiError(Error::Forbidden));
        }
        Ok(ApiUser(user))
    }
}

/// A path's parameters. One that cannot be read as its type (an id that is no number, or
/// beyond any id) names no record: 404, in the API's JSON like every other answer.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        use axum::extract::rejection::PathRejection;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(PathRejection::FailedToDeserializePathParams(_)) => {
                Err(ApiError(Error::NotFound("record")))
            }
            Err(e) => Err(ApiError(Error::Internal(format!("path parameters: {e}")))),
        }
    }
}

// ---- Idempotency keys ----
/// The `Idempotency-Key` header, when the client sent one: absent is `None`; empty, over
/// 200 characters, not visible ASCII or sent twice is a 422 naming `Idempotency-Key`.
pub struct IdemKey(pub Option<IdempotencyKey>);

impl<S: Send + Sync> FromRequestParts<S> for IdemKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let mut values = parts.headers.get_all(idempotency::HEADER).iter();
        let Some(value) = values.next() else {
            return Ok(IdemKey(None));
        };
        let bad = || {
            Error::field(
                idempotency::HEADER,
                sanbao_domain::Problem::invalid("must be one value of visible ASCII characters"),
            )
        };
        if values.next().is_some() {
            return Err(ApiError(bad()));
        }
        let text = value.to_str().map_err(|_| ApiError(bad()))?;
        Ok(IdemKey(Some(IdempotencyKey::parse(text)?)))
    }
}

impl IdemKey {
    /// The key with the fingerprint of the request it came with: `route` (method and
    /// path, e.g. `POST /api/v1/tickets/42/events`) and the body as parsed, written out
    /// again (so spacing and the order of fields do not matter; the same body is the same
    /// request).
    pub fn once<T: Serialize>(self, route: &str, body: &T) -> Result<Option<Once>, ApiError> {
        let Some(key) = self.0 else {
            return Ok(None);
        };
        let body = serde_json::to_string(body)
            .map_err(|e| ApiError(Error::Internal(format!("body not serialisable: {e}"))))?;
        Ok(Some(Once::new(key, &[route, &body])))
    }
}

/// A 2xx answer, with `Idempotent-Replay: true` when it repeats an earlier request's.
pub fn replayable(replayed: bool, answer: impl IntoResponse) -> Response {
    let mut r = answer.into_response();
    if replayed {
        r.headers_mut()
            .insert("idempotent-replay", HeaderValue::from_static("true"));
    }
    r
}
// ---- end idempotency keys ----

/// Field path and message from serde, with "unknown field `x`" / "missing field `x`"
/// turned into the field's own name.
pub fn field_of(path: &str, message: &str) -> String {
    let parent = if path == "." { "" } else { path };
    for marker in ["unknown field `", "missing field `"] {
        if let Some(rest) = message.strip_prefix(marker) {
            let name = rest.split('`').next().unwrap_or_default();
            // Unknown fields come with their own name as the path already.
            let own = parent == name || parent.ends_with(&format!(".{name}"));
            return if parent.is_empty() || own {
                parent_or(name, parent)
            } else {
                format!("{parent}.{name}")
            };
        }
    }
    if parent.is_empty() {
        "body".into()
    } else {
        parent.to_string()
    }
}

fn parent_or(name: &str, parent: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        parent.to_string()
    }
}

fn clean_message(message: &str) -> String {
    // serde_json appends " at line 1 column 42"; the field name already says where.
    match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// A 422 for a value serde could not read: the field with its problem in words, and
/// serde's own explanation in the message.
fn validation(field: String, message: &str) -> Response {
    let lang = request_lang();
    let code = if message.starts_with("missing field") {
        "required"
    } else if message.starts_with("unknown field") {
        "not_allowed"
    } else {
        "invalid"
    };
    let mut fields = BTreeMap::new();
    fields.insert(field.clone(), lang.problem(code, &field));
    problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        lang.f("api.unreadable", &[("field", &field), ("why", &message)]),
        fields,
    )
}

/// A JSON body: syntax errors are 400, type errors, unknown and missing fields are 422
/// with the field named, bodies over the limit are 413.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Response> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json_type);
        let lang = request_lang();
        if !is_json {
            return Err(problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "bad_request",
                lang.t("api.json_only"),
                BTreeMap::new(),
            ));
        }
        let bytes = axum::body::to_bytes(req.into_body(), BODY_LIMIT)
            .await
            .map_err(|_| {
                let too_large = lang.f("api.too_large", &[("n", &(BODY_LIMIT / 1024))]);
                let mut f = BTreeMap::new();
                f.insert("body".into(), too_large.clone());
                problem(StatusCode::PAYLOAD_TOO_LARGE, "bad_request", too_large, f)
            })?;
        read_json(&bytes).map(ApiJson)
    }
}

/// Whether a `Content-Type` is JSON: `application/json`, with parameters or none
/// (`; charset=utf-8`), in any case — nothing else (`application/jsonx`, `text/json`).
pub fn is_json_type(v: &str) -> bool {
    v.split(';')
        .next()
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// A 422 naming `field` with its problem `code`.
fn field_problem(field: &str, code: &str, why: &str) -> Response {
    let lang = request_lang();
    let mut fields = BTreeMap::new();
    fields.insert(field.to_string(), lang.problem(code, field));
    problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        lang.f("api.unreadable", &[("field", &field), ("why", &why)]),
        fields,
    )
}

/// The field of a JSON body holding a refused control character (a NUL byte…), if any:
/// such text never reaches a handler or the database. Only bodies that could hold one
/// (an escape, a DEL or a C1 character) are walked.
fn control_field(bytes: &[u8]) -> Option<String> {
    let maybe = bytes.contains(&0x7f)
        || bytes
            .windows(2)
            .any(|w| w == b"\\u" || (w[0] == 0xc2 && (0x80..=0x9f).contains(&w[1])));
    if !maybe {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    sanbao_domain::text::control_in_json(&v)
}

/// A JSON body already read: syntax errors are 400, type errors, unknown and missing
/// fields 422 with the field named (as [`ApiJson`] answers), and so is text holding a
/// control character.
#[allow(clippy::result_large_err)] // a rejection, as extractors answer
pub fn read_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Response> {
    if let Some(field) = control_field(bytes) {
        return Err(field_problem(
            &field,
            "invalid",
            "contains a control character",
        ));
    }
    let lang = request_lang();
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let first = serde_path_to_error::deserialize(de);
    // A whole number written with a fraction (`7.0`, `1e3`) is a whole number, as JSON
    // Schema counts it: read it so where a field takes an integer. Only when the first
    // reading failed on a float, so a body is read once in the ordinary case.
    let read = match first {
        Err(e)
            if e.inner()
                .to_string()
                .starts_with("invalid type: floating point") =>
        {
            match serde_json::from_slice::<serde_json::Value>(bytes) {
                Ok(mut v) => {
                    whole_numbers(&mut v);
                    serde_path_to_error::deserialize(v).map_err(|e| {
                        let path = e.path().to_string();
                        (path, e.into_inner().to_string(), false)
                    })
                }
                Err(_) => Err((e.path().to_string(), e.into_inner().to_string(), false)),
            }
        }
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let syntax = inner.is_syntax() || inner.is_eof();
            Err((path, inner.to_string(), syntax))
        }
    };
    match read {
        Ok(v) => Ok(v),
        Err((path, message, syntax)) => {
            let message = clean_message(&message);
            if syntax {
                let mut f = BTreeMap::new();
                f.insert("body".into(), lang.problem("invalid", "body"));
                Err(problem(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    lang.f("api.malformed", &[("why", &message)]),
                    f,
                ))
            } else {
                Err(validation(field_of(&path, &message), &message))
            }
        }
    }
}

/// Turn every number with a zero fraction that fits an `i64` into that integer.
fn whole_numbers(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|f| n.is_f64() && f.fract() == 0.0)
                && (-9_007_199_254_740_992.0..=9_007_199_254_740_992.0).contains(&f)
            {
                // Within ±2^53 every whole f64 is exact, so the cast loses nothing.
                #[allow(clippy::cast_possible_truncation)]
                let i = f as i64;
                *v = Value::from(i);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        Value::Object(fields) => fields.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// Query parameters, with the same field-naming answers as [`ApiJson`].
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        let q = parts.uri.query().unwrap_or_default();
        for (k, v) in form_urlencoded_parse(q) {
            if let Err((code, why)) = check_param(&k, &v) {
                let field = if sanbao_domain::text::has_control(&k) {
                    "query".into()
                } else {
                    k.into_owned()
                };
                return Err(field_problem(&field, code, why));
            }
        }
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(q));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                validation(field_of(&path, &message), &message)
            })
    }
}

/// A query or form parameter as every reader takes it: no control characters in its name
/// or value; a search text (`q`) of at most `FILTER_TEXT_MAX` characters, any other value
/// of at most `PARAM_MAX`. The refusal's problem code and words.
pub fn check_param(name: &str, value: &str) -> Result<(), (&'static str, &'static str)> {
    use sanbao_domain::export::FILTER_TEXT_MAX;
    use sanbao_domain::text::{PARAM_MAX, has_control};
    if has_control(name) || has_control(value) {
        return Err(("invalid", "contains a control character"));
    }
    let max = if name == "q" {
        FILTER_TEXT_MAX
    } else {
        PARAM_MAX
    };
    if value.chars().count() > max {
        return Err(("too_long", "too long"));
    }
    Ok(())
}

fn form_urlencoded_parse(q: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(q.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::{field_of, read_json};

    #[test]
    fn a_whole_number_written_with_a_fraction_is_read_as_an_integer() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct In {
            n: i64,
            list: Vec<i64>,
        }
        let read = |b: &str| read_json::<In>(b.as_bytes()).map_err(|r| r.status());
        assert_eq!(
            read(r#"{"n": 7.0, "list": [1e3, -2.0, 3]}"#),
            Ok(In {
                n: 7,
                list: vec![1000, -2, 3]
            })
        );
        for refused in [
            r#"{"n": 7.5, "list": []}"#,
            r#"{"n": 1e300, "list": []}"#,
            r#"{"n": 1, "list": [0.5]}"#,
        ] {
            assert_eq!(
                read(refused),
                Err(axum::http::StatusCode::UNPROCESSABLE_ENTITY),
                "{refused}"
            );
        }
    }

    #[test]
    fn serde_messages_name_the_field() {
        assert_eq!(
            field_of(".", "unknown field `colour`, expected one of `name`"),
            "colour"
        );
        assert_eq!(field_of(".", "missing field `name`"), "name");
        assert_eq!(
            field_of("contacts[0]", "unknown field `fax`"),
            "contacts[0].fax"
        );
        assert_eq!(
            field_of("contacts[0].fax", "unknown field `fax`"),
            "contacts[0].fax"
        );
        assert_eq!(field_of("colour", "unknown field `colour`"), "colour");
        assert_eq!(
            field_of("received_at", "premature end of input"),
            "received_at"
        );
        assert_eq!(field_of(".", "invalid type: string"), "body");
    }
}
