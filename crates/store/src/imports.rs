//! Archive files uploaded from the import page, kept between their preview and the
//! confirmation.

use crate::{Db, at, internal, ms, read, write};
use chrono::{DateTime, Utc};
use sanbao_domain::{Error, UserId};

/// An uploaded archive file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub id: i64,
    /// `models`, `customers` or `units`.
    pub kind: String,
    pub file_name: String,
    /// Empty once imported.
    pub content: Vec<u8>,
    pub uploaded_by: UserId,
    pub created_at: DateTime<Utc>,
    pub imported_at: Option<DateTime<Utc>>,
    /// The import's report (JSON), once imported.
    pub report: Option<String>,
}

#[derive(sqlx::FromRow)]
struct UploadRow {
    id: i64,
    kind: String,
    file_name: String,
    content: Vec<u8>,
    uploaded_by: i64,
    created_at: i64,
    imported_at: Option<i64>,
    report: Option<String>,
}

impl From<UploadRow> for Upload {
    fn from(r: UploadRow) -> Self {
        Upload {
            id: r.id,
            kind: r.kind,
            file_name: r.file_name,
            content: r.content,
            uploaded_by: UserId(r.uploaded_by),
            created_at: at(r.created_at),
            imported_at: r.imported_at.map(at),
            report: r.report,
        }
    }
}

const SELECT_UPLOAD: &str = "SELECT id, kind, file_name, content, uploaded_by, created_at, \
     imported_at, report FROM import_uploads WHERE id = $1";

impl Db {
    /// Keep an uploaded file until it is confirmed; answers its id.
    pub async fn insert_upload(
        &self,
        kind: &str,
        file_name: &str,
        content: &[u8],
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<i64, Error> {
        write!(self, p => sqlx::query_scalar(
            "INSERT INTO import_uploads (kind, file_name, content, uploaded_by, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(kind)
            .bind(file_name)
            .bind(content)
            .bind(by.0)
            .bind(ms(now))
            .fetch_one(p)
            .await
            .map_err(internal))
    }

    pub async fn upload(&self, id: i64) -> Result<Option<Upload>, Error> {
        let row: Option<UploadRow> = read!(self, p => sqlx::query_as(SELECT_UPLOAD)
            .bind(id).fetch_optional(p).await.map_err(internal))?;
        Ok(row.map(Into::into))
    }

    /// Forget files uploaded before `before` and never imported.
    pub async fn drop_stale_uploads(&self, before: DateTime<Utc>) -> Result<u64, Error> {
        write!(self, p => sqlx::query(
            "DELETE FROM import_uploads WHERE imported_at IS NULL AND created_at < $1")
            .bind(ms(before))
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(internal))
    }
}

impl Db {
    /// Take the upload for importing: true for the one caller that finds it not yet taken
    /// (a second confirmation of the same file finds it taken and imports nothing).
    pub async fn claim_upload(&self, id: i64, now: DateTime<Utc>) -> Result<bool, Error> {
        write!(self, p => sqlx::query(
            "UPDATE import_uploads SET imported_at = $1 WHERE id = $2 AND imported_at IS NULL")
            .bind(ms(now))
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(internal))
    }

    /// The import failed: the upload may be confirmed again.
    pub async fn release_upload(&self, id: i64) -> Result<(), Error> {
        write!(self, p => sqlx::query(
            "UPDATE import_uploads SET imported_at = NULL WHERE id = $1 AND report IS NULL")
            .bind(id)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(internal))
    }

    /// The file was imported: drop its content, keep the report.
    pub async fn finish_upload(&self, id: i64, report: &str) -> Result<(), Error> {
        write!(self, p => sqlx::query(
            "UPDATE import_uploads SET report = $1, content = $2 WHERE id = $3")
            .bind(report)
            .bind(Vec::<u8>::new())
            .bind(id)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(internal))
    }
}
