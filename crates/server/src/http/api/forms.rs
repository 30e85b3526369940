//! `/api/v1/forms`: the service feedback form (R1.2, R4.5) — started on site, saved as a
//! draft, photos attached, signed by the customer, reviewed by the department — and
//! `/api/v1/files/{id}`, the stored photos and signatures.

use super::error::{ApiError, ApiResult, ErrorBody, problem, request_lang};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser, IdemKey, read_json, replayable};
use super::ts;
use crate::app::{self, AppState};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, FixedOffset, Utc};
use sanbao_domain::field::form::{
    FeedbackForm, FilePurpose, FormInput, MAX_PHOTO_BYTES, MAX_SIGNATURE_BYTES, PartInput,
};
use sanbao_domain::{Error, FileId, FormId, JobId, Problem};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start, list))
        .routes(routes!(get, save))
        .routes(routes!(add_photo))
        .routes(routes!(remove_photo))
        .routes(routes!(sign))
        .routes(routes!(review))
        .routes(routes!(file))
}

#[derive(Serialize, ToSchema)]
#[schema(as = FormPartOut)]
pub struct PartOut {
    pub name: String,
    pub quantity: i64,
    pub faulty_serial: Option<String>,
    pub replacement_serial: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PhotoOut {
    pub file_id: i64,
    pub caption: Option<String>,
    /// Where the image is served.
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct SignatureOut {
    pub signer_name: String,
    pub file_id: i64,
    pub url: String,
    pub signed_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewOut {
    pub accepted: bool,
    pub reason: Option<String>,
    pub by: i64,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct FormOut {
    pub id: i64,
    pub job_id: i64,
    pub trip_id: i64,
    /// The signed form this one corrects.
    pub corrects: Option<i64>,
    /// draft, signed, accepted, returned
    pub status: String,
    pub service_content: String,
    pub fault_cause: String,
    pub cause_analysis: String,
    pub handling: String,
    /// product_design, manufacturing, purchased_component, transport, installation,
    /// customer_operation, external, undetermined (R7.1)
    pub responsibility: Option<String>,
    pub parts: Vec<PartOut>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub photos: Vec<PhotoOut>,
    pub signature: Option<SignatureOut>,
    /// A correction submitted without the customer's new signature.
    pub customer_absent: bool,
    pub customer_opinion: Option<String>,
    pub stamp_file_id: Option<i64>,
    pub review: Option<ReviewOut>,
    pub created_by: i64,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

fn file_url(id: FileId) -> String {
    format!("/api/v1/files/{}", id.0)
}

impl From<FeedbackForm> for FormOut {
    fn from(f: FeedbackForm) -> Self {
        FormOut {
            id: f.id.0,
            job_id: f.job_id.0,
            trip_id: f.trip_id.0,
            corrects: f.corrects.map(|c| c.0),
            status: f.status.as_str().into(),
            service_content: f.service_content,
            fault_cause: f.fault_cause,
            cause_analysis: f.cause_analysis,
            handling: f.handling,
            responsibility: f.responsibility.map(|r| r.as_str().into()),
            parts: f
                .parts
                .into_iter()
                .map(|p| PartOut {
                    name: p.name,
                    quantity: p.quantity,
                    faulty_serial: p.faulty_serial,
                    replacement_serial: p.replacement_serial,
                })
                .collect(),
            started_at: f.started_at.map(ts),
            ended_at: f.ended_at.map(ts),
            photos: f
                .photos
                .into_iter()
                .map(|p| PhotoOut {
                    file_id: p.file_id.0,
                    caption: p.caption,
                    url: file_url(p.file_id),
                })
                .collect(),
            signature: f.signature.map(|s| SignatureOut {
                signer_name: s.signer_name,
                file_id: s.file_id.0,
                url: file_url(s.file_id),
                signed_at: ts(s.signed_at),
            }),
            customer_absent: f.customer_absent,
            customer_opinion: f.customer_opinion,
            stamp_file_id: f.stamp_file_id.map(|s| s.0),
            review: f.review.map(|r| ReviewOut {
                accepted: r.accepted,
                reason: r.reason,
                by: r.by.0,
                at: ts(r.at),
            }),
            created_by: f.created_by.0,
            created_at: ts(f.created_at),
            updated_at: ts(f.updated_at),
            version: f.version,
        }
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct StartIn {
    /// The signed form to correct; a new form of the current trip when not given.
    pub corrects: Option<i64>,
}

/// Start the feedback form of the job's current trip (only its crew, while on site), or a
/// correction of a signed form (`corrects`). When that draft already exists it is
/// answered with 200: a phone's retry never makes a second form.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/forms", params(("id" = i64, Path)), request_body = StartIn,
    tag = "forms", security(("bearer" = [])),
    responses((status = 201, body = FormOut), (status = 200, body = FormOut), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<StartIn>,
) -> ApiResult<(StatusCode, Json<FormOut>)> {
    let (form, created) = app::forms::start(
        &state,
        &actor,
        JobId(id),
        b.corrects.map(FormId),
        state.now(),
    )
    .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(form.into())))
}

#[derive(Serialize, ToSchema)]
pub struct FormsOut {
    pub items: Vec<FormOut>,
}

/// A job's forms, oldest first (corrections after what they correct).
#[utoipa::path(get, path = "/api/v1/jobs/{id}/forms", params(("id" = i64, Path)), tag = "forms",
    security(("bearer" = [])),
    responses((status = 200, body = FormsOut), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<FormsOut>> {
    let forms = app::forms::forms_of_job(&state, &actor, JobId(id)).await?;
    Ok(Json(FormsOut {
        items: forms.into_iter().map(FormOut::from).collect(),
    }))
}

/// One form. A form of a job the caller may not see answers 404.
#[utoipa::path(get, path = "/api/v1/forms/{id}", params(("id" = i64, Path)), tag = "forms",
    security(("bearer" = [])),
    responses((status = 200, body = FormOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<FormOut>> {
    let (form, _) = app::forms::form(&state, &actor, FormId(id)).await?;
    Ok(Json(form.into()))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = FormPartIn)]
pub struct PartIn {
    pub name: Option<String>,
    /// 1 to 999; 1 when not given.
    pub quantity: Option<i64>,
    pub faulty_serial: Option<String>,
    pub replacement_serial: Option<String>,
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormIn {
    /// The form's version as last read.
    pub version: i64,
    pub service_content: Option<String>,
    pub fault_cause: Option<String>,
    pub cause_analysis: Option<String>,
    pub handling: Option<String>,
    pub responsibility: Option<String>,
    #[serde(default)]
    pub parts: Vec<PartIn>,
    #[schema(value_type = Option<String>)]
    pub started_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>)]
    pub ended_at: Option<DateTime<FixedOffset>>,
}

/// Save a draft (only the current trip's crew). A signed form answers 409: it is
/// corrected by a new form. Sending again what is stored answers 200.
#[utoipa::path(put, path = "/api/v1/forms/{id}",
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = super::tickets::IDEMPOTENCY_KEY_DOC)),
    request_body = FormIn, tag = "forms", security(("bearer" = [])),
    responses((status = 200, body = FormOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    key: IdemKey,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<FormIn>,
) -> ApiResult<Response> {
    let once = key.once(&format!("PUT /api/v1/forms/{id}"), &b)?;
    let input = FormInput {
        service_content: b.service_content,
        fault_cause: b.fault_cause,
        cause_analysis: b.cause_analysis,
        handling: b.handling,
        responsibility: b.responsibility,
        parts: b
            .parts
            .into_iter()
            .map(|p| PartInput {
                name: p.name,
                quantity: p.quantity,
                faulty_serial: p.faulty_serial,
                replacement_serial: p.replacement_serial,
            })
            .collect(),
        started_at: b.started_at.map(|a| a.with_timezone(&Utc)),
        ended_at: b.ended_at.map(|a| a.with_timezone(&Utc)),
    };
    let a = app::forms::save(
        &state,
        &actor,
        FormId(id),
        b.version,
        &input,
        once.as_ref(),
        state.now(),
    )
    .await?;
    Ok(replayable(a.replayed, Json(FormOut::from(a.value))))
}

/// 413 naming the field whose upload is over its limit.
fn too_large(field: &str, limit: usize) -> Response {
    let lang = request_lang();
    let mut f = BTreeMap::new();
    f.insert(field.to_string(), lang.problem("too_long", field));
    problem(
        StatusCode::PAYLOAD_TOO_LARGE,
        "validation",
        lang.f("api.too_large", &[("n", &(limit / 1024))]),
        f,
    )
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PhotoQuery {
    pub caption: Option<String>,
}

/// Attach a photo to a draft: the image itself as the body (JPEG, PNG or WebP, told by
/// its bytes), at most 1.5 MB (the phone resizes it first), at most 12 on a form.
#[utoipa::path(post, path = "/api/v1/forms/{id}/photos",
    params(("id" = i64, Path), PhotoQuery, ("Idempotency-Key" = Option<String>, Header, description = super::tickets::IDEMPOTENCY_KEY_DOC)),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    tag = "forms", security(("bearer" = [])),
    responses((status = 201, body = FormOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_photo(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    key: IdemKey,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<PhotoQuery>,
    body: Body,
) -> Result<Response, Response> {
    let bytes = axum::body::to_bytes(body, MAX_PHOTO_BYTES)
        .await
        .map_err(|_| too_large(FilePurpose::Photo.field(), MAX_PHOTO_BYTES))?;
    // The photo is fingerprinted by its digest and caption: the same upload sent again.
    let digest = hex::encode(sha2::Sha256::digest(&bytes));
    let once = key
        .once(
            &format!("POST /api/v1/forms/{id}/photos"),
            &(q.caption.as_deref(), digest.as_str()),
        )
        .map_err(IntoResponse::into_response)?;
    let a = app::forms::add_photo(
        &state,
        &actor,
        FormId(id),
        bytes.to_vec(),
        q.caption.as_deref(),
        once.as_ref(),
        state.now(),
    )
    .await
    .map_err(|e| ApiError(e).into_response())?;
    Ok(replayable(
        a.replayed,
        (StatusCode::CREATED, Json(FormOut::from(a.value))),
    ))
}

/// Take a photo off a draft.
#[utoipa::path(delete, path = "/api/v1/forms/{id}/photos/{file_id}",
    params(("id" = i64, Path), ("file_id" = i64, Path)), tag = "forms", security(("bearer" = [])),
    responses((status = 200, body = FormOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn remove_photo(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, file_id)): Path<(i64, i64)>,
) -> ApiResult<Json<FormOut>> {
    let form =
        app::forms::remove_photo(&state, &actor, FormId(id), FileId(file_id), state.now()).await?;
    Ok(Json(form.into()))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// Who signs for the customer.
    pub signer_name: Option<String>,
    /// The signature drawn on the screen, a PNG (at most 300 kB), base64 (a `data:` URL
    /// is accepted).
    pub signature_png_base64: Option<String>,
    pub customer_opinion: Option<String>,
    /// A photo of the company stamp (JPEG, PNG or WebP), base64.
    pub stamp_png_base64: Option<String>,
    /// A correction submitted when the customer can no longer sign: no signature.
    #[serde(default)]
    pub customer_absent: bool,
}

/// The signing body holds two images: larger than other bodies.
const SIGN_BODY_LIMIT: usize = (MAX_SIGNATURE_BYTES + MAX_PHOTO_BYTES) * 4 / 3 + 64 * 1024;

fn decode(field: &str, s: Option<String>) -> Result<Option<Vec<u8>>, Error> {
    let Some(s) = s.filter(|s| !s.trim().is_empty()) else {
        return Ok(None);
    };
    let data = match s.split_once(";base64,") {
        Some((_, d)) => d,
        None => s.as_str(),
    };
    base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map(Some)
        .map_err(|_| Error::field(field, Problem::invalid("not base64")))
}

/// The customer signs the form on the phone: the form is locked and the job goes to the
/// department for review. A correction may instead be submitted with `customer_absent`.
#[utoipa::path(post, path = "/api/v1/forms/{id}/sign",
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = super::tickets::IDEMPOTENCY_KEY_DOC)),
    request_body = SignIn, tag = "forms", security(("bearer" = [])),
    responses((status = 200, body = FormOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sign(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    key: IdemKey,
    Path(id): Path<i64>,
    body: Body,
) -> Result<Response, Response> {
    let bytes = axum::body::to_bytes(body, SIGN_BODY_LIMIT)
        .await
        .map_err(|_| too_large("signature", SIGN_BODY_LIMIT))?;
    let b: SignIn = read_json(&bytes)?;
    // Fingerprinted by the body's digest: the signing sent again, byte for byte.
    let digest = hex::encode(sha2::Sha256::digest(&bytes));
    let once = key
        .once(&format!("POST /api/v1/forms/{id}/sign"), &digest)
        .map_err(IntoResponse::into_response)?;
    let api = |e: Error| ApiError(e).into_response();
    let signing = app::forms::Signing {
        signer_name: b.signer_name,
        signature_png: decode("signature", b.signature_png_base64).map_err(api)?,
        customer_opinion: b.customer_opinion,
        stamp: decode("stamp", b.stamp_png_base64).map_err(api)?,
        customer_absent: b.customer_absent,
    };
    if signing
        .signature_png
        .as_ref()
        .is_some_and(|s| s.len() > MAX_SIGNATURE_BYTES)
    {
        return Err(too_large("signature", MAX_SIGNATURE_BYTES));
    }
    if signing
        .stamp
        .as_ref()
        .is_some_and(|s| s.len() > MAX_PHOTO_BYTES)
    {
        return Err(too_large("stamp", MAX_PHOTO_BYTES));
    }
    let a = app::forms::sign(
        &state,
        &actor,
        FormId(id),
        signing,
        once.as_ref(),
        state.now(),
    )
    .await
    .map_err(api)?;
    Ok(replayable(a.replayed, Json(FormOut::from(a.value))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewIn {
    pub accept: bool,
    /// Why the form is sent back (required then).
    pub reason: Option<String>,
}

/// The department reviews a signed form (never its author): accepted, the job is done;
/// returned with a reason, the technician sees why.
#[utoipa::path(post, path = "/api/v1/forms/{id}/review", params(("id" = i64, Path)), request_body = ReviewIn,
    tag = "forms", security(("bearer" = [])),
    responses((status = 200, body = FormOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ReviewIn>,
) -> ApiResult<Json<FormOut>> {
    let form = app::forms::review(
        &state,
        &actor,
        FormId(id),
        b.accept,
        b.reason.as_deref(),
        state.now(),
    )
    .await?;
    Ok(Json(form.into()))
}

/// A stored photo or signature, for whoever may see a job whose form holds it.
#[utoipa::path(get, path = "/api/v1/files/{id}", params(("id" = i64, Path)), tag = "forms",
    security(("bearer" = [])),
    responses((status = 200, content_type = "image/jpeg", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let f = app::forms::file(&state, &actor, FileId(id)).await?;
    Ok(file_response(f.content_type, f.bytes))
}

/// An image answered privately, never sniffed as anything else.
pub fn file_response(content_type: String, bytes: Vec<u8>) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    res
}
