//! The document library: the managers add controlled documents and publish their versions
//! (each audited); every staff member reads the library — the version current today, the
//! history — and downloads a version's file. A job's page lists its model's manuals and
//! the general service documents.

use super::{AppState, require};
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::documents::{
    DocVersion, DocumentInput, DocumentView, NewDocument, NewVersion, VersionInput,
};
use sanbao_domain::time::local_date;
use sanbao_domain::user::User;
use sanbao_domain::{DocumentId, Error, Permission};
use serde_json::json;

fn require_staff(actor: &User) -> Result<(), Error> {
    require(actor, Permission::ViewServiceDesk)
}

/// Add a document to the library (no version yet).
pub async fn create(
    state: &AppState,
    actor: &User,
    input: &DocumentInput,
    now: DateTime<Utc>,
) -> Result<DocumentView, Error> {
    require(actor, Permission::ManageDocuments)?;
    let new = NewDocument::parse(input, actor.id, now)?;
    let mut tx = state.db.begin().await?;
    let id = tx.insert_document(&new).await?;
    tx.audit(&NewAuditEntry::created(
        "document",
        id.0,
        actor.id,
        new.created_at,
        json!({
            "kind": new.kind.as_str(),
            "code": new.code,
            "title": new.title,
            "model_code": new.model_code,
        }),
    ))
    .await?;
    tx.commit().await?;
    tracing::info!(document_id = id.0, "document added");
    document(state, actor, id).await
}

/// Publish a version of a document: its file checked by its bytes (audited). A retired
/// document takes no new version (409).
pub async fn publish(
    state: &AppState,
    actor: &User,
    id: DocumentId,
    input: &VersionInput,
    bytes: Vec<u8>,
    now: DateTime<Utc>,
) -> Result<DocumentView, Error> {
    require(actor, Permission::ManageDocuments)?;
    let d = state
        .db
        .document(id)
        .await?
        .ok_or(Error::NotFound("document"))?;
    if d.document.retired.is_some() {
        return Err(Error::Conflict(
            "the document is retired: no new version".into(),
        ));
    }
    let v = NewVersion::parse(input, bytes, actor.id, now)?;
    let mut tx = state.db.begin().await?;
    let n = tx.insert_version(id, &v).await?;
    tx.audit(&NewAuditEntry {
        entity: "document",
        entity_id: id.0,
        action: "publish".into(),
        actor_id: Some(actor.id),
        at: v.published_at,
        note: None,
        before: serde_json::Value::Null,
        after: json!({
            "n": n,
            "label": v.label,
            "effective_on": v.effective_on,
            "file_name": v.file_name,
            "content_type": v.content_type,
            "size": v.bytes.len(),
            "sha256": v.sha256,
        }),
    })
    .await?;
    tx.commit().await?;
    tracing::info!(document_id = id.0, n, "document version published");
    document(state, actor, id).await
}

/// A document with its versions (any staff member).
pub async fn document(
    state: &AppState,
    actor: &User,
    id: DocumentId,
) -> Result<DocumentView, Error> {
    require_staff(actor)?;
    state
        .db
        .document(id)
        .await?
        .ok_or(Error::NotFound("document"))
}

/// The library (any staff member); `model_code` narrows to one model's documents;
/// `retired` lists the retired documents instead of those in use.
pub async fn library(
    state: &AppState,
    actor: &User,
    model_code: Option<&str>,
    retired: bool,
) -> Result<Vec<DocumentView>, Error> {
    require_staff(actor)?;
    state
        .db
        .documents(model_code.filter(|m| !m.is_empty()), retired)
        .await
}

// ---- training 2 ----

/// Retire a document (admin, service manager) with a reason, audited: it leaves the
/// library's list in use and the jobs' documents; its versions stay readable. A document
/// retired already is a conflict.
pub async fn retire(
    state: &AppState,
    actor: &User,
    id: DocumentId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<DocumentView, Error> {
    require(actor, Permission::ManageDocuments)?;
    let d = state
        .db
        .document(id)
        .await?
        .ok_or(Error::NotFound("document"))?;
    let reason = sanbao_domain::documents::retire_reason(reason)?;
    if d.document.retired.is_some() {
        return Err(Error::Conflict("the document was retired already".into()));
    }
    let at = sanbao_domain::time::to_store_precision(now);
    let mut tx = state.db.begin().await?;
    if !tx.retire_document(id, actor.id, at, &reason).await? {
        return Err(Error::Conflict("the document was retired already".into()));
    }
    tx.audit(&NewAuditEntry {
        entity: "document",
        entity_id: id.0,
        action: "retire".into(),
        actor_id: Some(actor.id),
        at,
        note: Some(reason.clone()),
        before: json!({"retired": false}),
        after: json!({"retired": true, "reason": reason}),
    })
    .await?;
    tx.commit().await?;
    tracing::info!(document_id = id.0, "document retired");
    document(state, actor, id).await
}
// ---- end training 2 ----

/// The documents a technician takes to a job on a model: the model's documents and the
/// general service documents, each with the version current today (those with none yet
/// are left out).
pub async fn for_job(
    state: &AppState,
    actor: &User,
    model_code: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<(DocumentView, DocVersion)>, Error> {
    require_staff(actor)?;
    let today = local_date(now);
    let all = state.db.documents(None, false).await?;
    Ok(all
        .into_iter()
        .filter(|d| {
            d.document.kind.is_general_service()
                || (model_code.is_some() && d.document.model_code.as_deref() == model_code)
        })
        .filter_map(|d| {
            let v = d.current_on(today)?.clone();
            Some((d, v))
        })
        .collect())
}

/// A version's file and its record (any staff member).
pub async fn file(
    state: &AppState,
    actor: &User,
    id: DocumentId,
    n: i64,
) -> Result<(DocVersion, Vec<u8>), Error> {
    let d = document(state, actor, id).await?;
    let v = d
        .versions
        .into_iter()
        .find(|v| v.n == n)
        .ok_or(Error::NotFound("document version"))?;
    let bytes = state
        .db
        .document_file(v.file_id)
        .await?
        .ok_or(Error::NotFound("file"))?;
    Ok((v, bytes))
}
