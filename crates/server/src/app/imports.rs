//! Importing an archive from the page: upload, preview (a check that writes nothing),
//! confirm. The file is kept in the database between the preview and the confirmation, so
//! any instance can finish what another began; a file is imported once, however often
//! its confirmation is sent.

use super::archive::{ImportMode, ImportReport, import};
use super::require;
use super::state::AppState;
use crate::archive::{Field, ImportKind, Limits, ReadError, Table};
use chrono::{DateTime, Duration, Utc};
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission};
use serde::Deserialize;

/// Rows of the file shown in the preview.
pub const PREVIEW_ROWS: usize = 10;
/// How long an uploaded file waits for its confirmation.
pub const UPLOAD_KEPT: Duration = Duration::hours(24);

/// An uploaded file, checked: what it holds and what importing it would do.
#[derive(Debug)]
pub struct Staged {
    pub upload_id: i64,
    pub file_name: String,
    /// `CSV (GB18030)`, `XLSX`, …
    pub format: String,
    /// The fields the file's columns were read as, in the file's order.
    pub fields: Vec<Field>,
    /// The first rows: their row number and each field's cell.
    pub preview: Vec<(u32, Vec<String>)>,
    pub report: ImportReport,
}

/// Read the file as an archive of `kind`, check every row as an import would (writing
/// nothing), and keep the file for the confirmation.
pub async fn stage(
    state: &AppState,
    actor: &User,
    kind: ImportKind,
    file_name: &str,
    bytes: Vec<u8>,
    now: DateTime<Utc>,
) -> Result<Staged, Error> {
    require(actor, Permission::ImportArchive)?;
    let file_name = clean_name(file_name);
    let (table, bytes) = read(kind, &file_name, bytes).await?;
    let report = import(state, actor, &table, ImportMode::Check, &(), now).await?;
    // Files never confirmed are forgotten after a day.
    state.db.drop_stale_uploads(now - UPLOAD_KEPT).await?;
    let upload_id = state
        .db
        .insert_upload(kind.as_str(), &file_name, &bytes, actor.id, now)
        .await?;
    let fields = table.fields();
    let preview = table
        .rows()
        .iter()
        .take(PREVIEW_ROWS)
        .map(|r| {
            (
                r.number(),
                fields.iter().map(|f| r.get(*f).to_string()).collect(),
            )
        })
        .collect();
    Ok(Staged {
        upload_id,
        file_name,
        format: table.format().to_string(),
        fields,
        preview,
        report,
    })
}

/// What a confirmed import did.
/// One problem of one row, as the result page lists it.
#[derive(Debug)]
pub struct Problem {
    pub row: u32,
    pub field: Option<Field>,
    pub code: String,
    /// In English, naming the record it disagrees with.
    pub reason: String,
    /// The cell as read.
    pub value: String,
}

#[derive(Debug)]
pub struct Imported {
    pub file_name: String,
    pub kind: ImportKind,
    pub rows: usize,
    pub added: usize,
    pub unchanged: usize,
    pub rejected: Vec<Problem>,
    /// This confirmation found the file already imported (a second click, a retry): the
    /// report is the first import's, and nothing more was written.
    pub again: bool,
}

/// Import the file uploaded as `upload_id`. Only its uploader may; a second confirmation
/// answers with the first one's report and writes nothing.
pub async fn confirm(
    state: &AppState,
    actor: &User,
    upload_id: i64,
    now: DateTime<Utc>,
) -> Result<Imported, Error> {
    require(actor, Permission::ImportArchive)?;
    let upload = state
        .db
        .upload(upload_id)
        .await?
        .filter(|u| u.uploaded_by == actor.id)
        .ok_or(Error::NotFound("upload"))?;
    let kind: ImportKind = upload
        .kind
        .parse()
        .map_err(|e: String| Error::Internal(e))?;
    if let Some(report) = &upload.report {
        return stored(&upload.file_name, kind, report);
    }
    if !state.db.claim_upload(upload_id, now).await? {
        return Err(Error::Conflict(
            "this file is being imported: wait a moment and reload".into(),
        ));
    }
    let result = async {
        let (table, _) = read(kind, &upload.file_name, upload.content).await?;
        import(state, actor, &table, ImportMode::Write, &(), now).await
    }
    .await;
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            state.db.release_upload(upload_id).await?;
            return Err(e);
        }
    };
    let json = serde_json::to_string(&report).map_err(|e| Error::Internal(e.to_string()))?;
    state.db.finish_upload(upload_id, &json).await?;
    Ok(Imported {
        file_name: upload.file_name,
        kind,
        rows: report.rows,
        added: report.added,
        unchanged: report.unchanged,
        rejected: report
            .rejected
            .into_iter()
            .map(|r| Problem {
                row: r.row,
                field: Some(r.field),
                code: r.code,
                reason: r.reason,
                value: r.value,
            })
            .collect(),
        again: false,
    })
}

/// A report as stored with the upload.
#[derive(Deserialize)]
struct StoredReport {
    rows: usize,
    added: usize,
    unchanged: usize,
    rejected: Vec<StoredRejection>,
}

#[derive(Deserialize)]
struct StoredRejection {
    row: u32,
    field: String,
    code: String,
    reason: String,
    #[serde(default)]
    value: String,
}

fn stored(file_name: &str, kind: ImportKind, json: &str) -> Result<Imported, Error> {
    let r: StoredReport =
        serde_json::from_str(json).map_err(|e| Error::Internal(format!("stored report: {e}")))?;
    Ok(Imported {
        file_name: file_name.to_string(),
        kind,
        rows: r.rows,
        added: r.added,
        unchanged: r.unchanged,
        rejected: r
            .rejected
            .into_iter()
            .map(|x| Problem {
                row: x.row,
                field: kind.fields().find(|f| f.as_str() == x.field),
                code: x.code,
                reason: x.reason,
                value: x.value,
            })
            .collect(),
        again: true,
    })
}

/// Read the file off the async threads (a large workbook takes a while); answers the
/// table and the bytes back.
async fn read(
    kind: ImportKind,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<(Table, Vec<u8>), Error> {
    let name = file_name.to_string();
    tokio::task::spawn_blocking(move || {
        let table = Table::read(kind, &name, &bytes, &Limits::default(), &());
        (table, bytes)
    })
    .await
    .map_err(|e| Error::Internal(format!("reading the file: {e}")))
    .and_then(|(t, b)| match t {
        Ok(t) => Ok((t, b)),
        Err(e) => Err(file_problem(&e)),
    })
}

/// A file that cannot be read is the `file` field's problem, with the reason.
pub fn file_problem(e: &ReadError) -> Error {
    Error::field("file", sanbao_domain::Problem::new(e.code(), e.to_string()))
}

/// The file's own name, without any path a browser sent, at most 200 characters.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if clean.trim().is_empty() {
        "upload".to_string()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploaded_file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_name("C:\\Users\\王\\客户档案.xlsx"), "客户档案.xlsx");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\u{0}b.csv"), "ab.csv");
        assert_eq!(clean_name(""), "upload");
    }
}
