//! The document library: `/api/v1/documents` lists (by model) and adds documents,
//! `/api/v1/documents/{id}` reads one with its versions, `…/versions` publishes a version
//! (the file itself as the body, like a form's photo), `…/versions/{n}/file` downloads it.

use super::error::{ApiError, ApiResult, ErrorBody, problem, request_lang};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser};
use super::ts;
use crate::app;
use crate::app::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sanbao_domain::DocumentId;
use sanbao_domain::documents::{
    DocVersion, DocumentInput, DocumentView, MAX_DOCUMENT_BYTES, VersionInput, content_disposition,
};
use sanbao_domain::time::local_date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(publish))
        .routes(routes!(file))
        // ---- training 2 ----
        .routes(routes!(retire))
    // ---- end training 2 ----
}

#[derive(Serialize, ToSchema)]
#[schema(as = DocumentVersionOut)]
pub struct VersionOut {
    pub n: i64,
    pub label: String,
    pub effective_on: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub published_by: i64,
    pub published_by_name: String,
    pub published_at: String,
    /// Where the file is downloaded.
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct DocumentOut {
    pub id: i64,
    /// service_procedure, technical_specification, product_manual, training_material, other
    pub kind: String,
    pub code: String,
    pub title: String,
    pub model_code: Option<String>,
    pub created_at: String,
    /// The version current today (Asia/Shanghai): the latest effective on or before it.
    pub current: Option<VersionOut>,
    /// Every version, oldest first.
    pub versions: Vec<VersionOut>,
    /// When it was retired (withdrawn from use); absent while in use.
    pub retired_at: Option<String>,
    pub retired_by: Option<i64>,
    pub retired_reason: Option<String>,
}

fn version_out(v: &DocVersion) -> VersionOut {
    VersionOut {
        n: v.n,
        label: v.label.clone(),
        effective_on: v.effective_on.to_string(),
        file_name: v.file_name.clone(),
        content_type: v.content_type.clone(),
        size: v.size,
        published_by: v.published_by.0,
        published_by_name: v.published_by_name.clone(),
        published_at: ts(v.published_at),
        url: format!("/api/v1/documents/{}/versions/{}/file", v.document_id, v.n),
    }
}

fn document_out(d: DocumentView, today: chrono::NaiveDate) -> DocumentOut {
    let retired = d.document.retired.clone();
    DocumentOut {
        retired_at: retired.as_ref().map(|r| ts(r.at)),
        retired_by: retired.as_ref().map(|r| r.by.0),
        retired_reason: retired.map(|r| r.reason),
        current: d.current_on(today).map(version_out),
        versions: d.versions.iter().map(version_out).collect(),
        id: d.document.id.0,
        kind: d.document.kind.as_str().into(),
        code: d.document.code,
        title: d.document.title,
        model_code: d.document.model_code,
        created_at: ts(d.document.created_at),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LibraryQuery {
    /// A product model's code: that model's documents only.
    pub model_code: Option<String>,
    /// `true`: the retired documents instead of those in use.
    pub retired: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct DocumentList {
    pub items: Vec<DocumentOut>,
}

/// The library by kind and code, the documents in use or (`retired=true`) those retired
/// (any staff member).
#[utoipa::path(get, path = "/api/v1/documents", params(LibraryQuery), tag = "documents",
    security(("bearer" = [])),
    responses((status = 200, body = DocumentList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<LibraryQuery>,
) -> ApiResult<Json<DocumentList>> {
    let today = local_date(state.now());
    let docs = app::documents::library(
        &state,
        &actor,
        q.model_code.as_deref(),
        q.retired.unwrap_or(false),
    )
    .await?;
    Ok(Json(DocumentList {
        items: docs.into_iter().map(|d| document_out(d, today)).collect(),
    }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DocumentIn {
    /// See `DocumentOut.kind`.
    pub kind: String,
    /// Unique, no spaces.
    pub code: String,
    pub title: String,
    /// A product manual names its model.
    pub model_code: Option<String>,
}

/// Add a document (admin, service manager). Every bad field is named (422).
#[utoipa::path(post, path = "/api/v1/documents", request_body = DocumentIn, tag = "documents",
    security(("bearer" = [])),
    responses((status = 201, body = DocumentOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<DocumentIn>,
) -> ApiResult<(StatusCode, Json<DocumentOut>)> {
    let input = DocumentInput {
        kind: b.kind,
        code: b.code,
        title: b.title,
        model_code: b.model_code,
    };
    let now = state.now();
    let d = app::documents::create(&state, &actor, &input, now).await?;
    Ok((StatusCode::CREATED, Json(document_out(d, local_date(now)))))
}

/// One document with its versions.
#[utoipa::path(get, path = "/api/v1/documents/{id}", params(("id" = i64, Path)), tag = "documents",
    security(("bearer" = [])),
    responses((status = 200, body = DocumentOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<DocumentOut>> {
    let d = app::documents::document(&state, &actor, DocumentId(id)).await?;
    Ok(Json(document_out(d, local_date(state.now()))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VersionQuery {
    /// The version's label (`A/1`, `2026版`).
    pub label: Option<String>,
    /// `YYYY-MM-DD`: from when it is the current version.
    pub effective_on: Option<String>,
    /// The file's name; its extension must match the content.
    pub file_name: Option<String>,
}

fn too_large() -> Response {
    let lang = request_lang();
    let mut f = BTreeMap::new();
    f.insert("file".to_string(), lang.problem("too_long", "file"));
    problem(
        StatusCode::PAYLOAD_TOO_LARGE,
        "validation",
        lang.f("api.too_large", &[("n", &(MAX_DOCUMENT_BYTES / 1024))]),
        f,
    )
}

/// Publish a version (admin, service manager): the file itself as the body — a PDF, an
/// image (JPEG, PNG, WebP) or an office document, told by its bytes, at most 20 MB.
#[utoipa::path(post, path = "/api/v1/documents/{id}/versions",
    params(("id" = i64, Path), VersionQuery),
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    tag = "documents", security(("bearer" = [])),
    responses((status = 201, body = DocumentOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiQuery(q): ApiQuery<VersionQuery>,
    body: Body,
) -> Result<Response, Response> {
    let bytes = axum::body::to_bytes(body, MAX_DOCUMENT_BYTES)
        .await
        .map_err(|_| too_large())?;
    let input = VersionInput {
        label: q.label.unwrap_or_default(),
        effective_on: q.effective_on.unwrap_or_default(),
        file_name: q.file_name.unwrap_or_default(),
    };
    let now = state.now();
    let d = app::documents::publish(&state, &actor, DocumentId(id), &input, bytes.to_vec(), now)
        .await
        .map_err(|e| ApiError(e).into_response())?;
    Ok((StatusCode::CREATED, Json(document_out(d, local_date(now)))).into_response())
}

/// A version's file, as an attachment with its name (any staff member).
#[utoipa::path(get, path = "/api/v1/documents/{id}/versions/{n}/file",
    params(("id" = i64, Path), ("n" = i64, Path)), tag = "documents", security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, n)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    let (v, bytes) = app::documents::file(&state, &actor, DocumentId(id), n).await?;
    Ok(file_response(&v, bytes))
}

/// A document's file answered privately as an attachment, never sniffed as anything else.
pub fn file_response(v: &DocVersion, bytes: Vec<u8>) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    if let Ok(ct) = HeaderValue::from_str(&v.content_type) {
        h.insert(header::CONTENT_TYPE, ct);
    }
    if let Ok(cd) = HeaderValue::from_str(&content_disposition(&v.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, cd);
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

// ---- training 2 ----

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RetireIn {
    /// Why it is withdrawn from use (required).
    pub reason: String,
}

/// Retire a document (admin, service manager): it leaves the list in use and the jobs'
/// documents; its versions stay downloadable. 409 when retired already.
#[utoipa::path(post, path = "/api/v1/documents/{id}/retire", params(("id" = i64, Path)), request_body = RetireIn,
    tag = "documents", security(("bearer" = [])),
    responses((status = 200, body = DocumentOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn retire(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<RetireIn>,
) -> ApiResult<Json<DocumentOut>> {
    let now = state.now();
    let d = app::documents::retire(&state, &actor, DocumentId(id), &b.reason, now).await?;
    Ok(Json(document_out(d, local_date(now))))
}
// ---- end training 2 ----
