//! Feedback forms (R1.2, R4.5) with their photos, and the stored files they hold.

use crate::sql::{ID_CHUNK, id_list};
use crate::{Db, Tx, at, db_err, internal, ms, on_tx, parse, read};
use sanbao_domain::field::form::{
    FeedbackForm, FormStatus, NewFile, NewForm, PartLine, PhotoRef, Responsibility, Review,
    Signature, StoredFile,
};
use sanbao_domain::{Error, FileId, FormId, JobId, TripId, UserId};
use std::collections::HashMap;
use tracing::instrument;

#[derive(sqlx::FromRow)]
struct FormRow {
    id: i64,
    job_id: i64,
    trip_id: i64,
    corrects: Option<i64>,
    status: String,
    service_content: String,
    fault_cause: String,
    cause_analysis: String,
    handling: String,
    responsibility: Option<String>,
    parts: String,
    started_at: Option<i64>,
    ended_at: Option<i64>,
    signer_name: Option<String>,
    signature_file_id: Option<i64>,
    signed_at: Option<i64>,
    customer_absent: i64,
    customer_opinion: Option<String>,
    stamp_file_id: Option<i64>,
    review_accepted: Option<i64>,
    review_reason: Option<String>,
    reviewed_by: Option<i64>,
    reviewed_at: Option<i64>,
    created_by: i64,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

#[derive(sqlx::FromRow)]
struct PhotoRow {
    form_id: i64,
    file_id: i64,
    caption: Option<String>,
}

const SELECT_FORM: &str = "SELECT id, job_id, trip_id, corrects, status, service_content, \
     fault_cause, cause_analysis, handling, responsibility, parts, started_at, ended_at, \
     signer_name, signature_file_id, signed_at, customer_absent, customer_opinion, \
     stamp_file_id, review_accepted, review_reason, reviewed_by, reviewed_at, created_by, \
     created_at, updated_at, version FROM feedback_forms";

impl TryFrom<FormRow> for FeedbackForm {
    type Error = Error;
    fn try_from(r: FormRow) -> Result<FeedbackForm, Error> {
        let parts: Vec<PartLine> = serde_json::from_str(&r.parts).map_err(internal)?;
        let responsibility = match r.responsibility.as_deref() {
            None => None,
            Some(s) => Some(parse("responsibility", s, Responsibility::parse)?),
        };
        let signature = match (r.signer_name, r.signature_file_id, r.signed_at) {
            (Some(signer_name), Some(file), Some(signed)) => Some(Signature {
                signer_name,
                file_id: FileId(file),
                signed_at: at(signed),
            }),
            _ => None,
        };
        let review = match (r.review_accepted, r.reviewed_by, r.reviewed_at) {
            (Some(acc), Some(by), Some(when)) => Some(Review {
                accepted: acc != 0,
                reason: r.review_reason,
                by: UserId(by),
                at: at(when),
            }),
            _ => None,
        };
        Ok(FeedbackForm {
            id: FormId(r.id),
            job_id: JobId(r.job_id),
            trip_id: TripId(r.trip_id),
            corrects: r.corrects.map(FormId),
            status: parse("form status", &r.status, FormStatus::parse)?,
            service_content: r.service_content,
            fault_cause: r.fault_cause,
            cause_analysis: r.cause_analysis,
            handling: r.handling,
            responsibility,
            parts,
            started_at: r.started_at.map(at),
            ended_at: r.ended_at.map(at),
            photos: Vec::new(),
            signature,
            customer_absent: r.customer_absent != 0,
            customer_opinion: r.customer_opinion,
            stamp_file_id: r.stamp_file_id.map(FileId),
            review,
            created_by: UserId(r.created_by),
            created_at: at(r.created_at),
            updated_at: at(r.updated_at),
            version: r.version,
        })
    }
}

fn assemble(rows: Vec<FormRow>, photos: Vec<PhotoRow>) -> Result<Vec<FeedbackForm>, Error> {
    let mut by_form: HashMap<i64, Vec<PhotoRef>> = HashMap::new();
    for p in photos {
        by_form.entry(p.form_id).or_default().push(PhotoRef {
            file_id: FileId(p.file_id),
            caption: p.caption,
        });
    }
    rows.into_iter()
        .map(|r| {
            let id = r.id;
            let mut f = FeedbackForm::try_from(r)?;
            f.photos = by_form.remove(&id).unwrap_or_default();
            Ok(f)
        })
        .collect()
}

const PHOTOS_SQL: &str = "SELECT form_id, file_id, caption FROM form_photos WHERE form_id IN ";

fn parts_json(parts: &[PartLine]) -> Result<String, Error> {
    serde_json::to_string(parts).map_err(internal)
}

impl Tx {
    /// Store a checked file; answers its id.
    #[instrument(skip_all, fields(size = f.bytes.len()))]
    pub async fn insert_file(&mut self, f: &NewFile) -> Result<FileId, Error> {
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO files (content_type, bytes, size, sha256, width, height, created_by,
               created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
            .bind(f.kind.as_str())
            .bind(&f.bytes)
            .bind(i64::try_from(f.bytes.len()).unwrap_or(i64::MAX))
            .bind(&f.sha256)
            .bind(f.width.map(i64::from))
            .bind(f.height.map(i64::from))
            .bind(f.created_by.0)
            .bind(ms(f.created_at))
            .fetch_one(c)
            .await
            .map_err(db_err))?;
        Ok(FileId(id))
    }

    /// Drop a file nothing refers to any more (a photo taken off a draft).
    pub async fn delete_file(&mut self, id: FileId) -> Result<(), Error> {
        on_tx!(self, c => sqlx::query("DELETE FROM files WHERE id = $1")
            .bind(id.0)
            .execute(c)
            .await
            .map(|_| ())
            .map_err(db_err))
    }

    /// Write a new form; answers it as written.
    #[instrument(skip_all, fields(job_id = %f.job_id))]
    pub async fn insert_form(&mut self, f: &NewForm) -> Result<FeedbackForm, Error> {
        let d = &f.fields;
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO feedback_forms (job_id, trip_id, corrects, status, service_content,
               fault_cause, cause_analysis, handling, responsibility, parts, started_at, ended_at,
               created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id")
            .bind(f.job_id.0)
            .bind(f.trip_id.0)
            .bind(f.corrects.map(|c| c.0))
            .bind(FormStatus::Draft.as_str())
            .bind(&d.service_content)
            .bind(&d.fault_cause)
            .bind(&d.cause_analysis)
            .bind(&d.handling)
            .bind(d.responsibility.map(|r| r.as_str()))
            .bind(parts_json(&d.parts)?)
            .bind(d.started_at.map(ms))
            .bind(d.ended_at.map(ms))
            .bind(f.created_by.0)
            .bind(ms(f.created_at))
            .fetch_one(c)
            .await
            .map_err(db_err))?;
        Ok(f.clone().into_form(FormId(id)))
    }

    /// A form with its photos, as this transaction sees it.
    pub async fn form(&mut self, id: FormId) -> Result<Option<FeedbackForm>, Error> {
        let rows: Vec<FormRow> = on_tx!(self, c => sqlx::query_as(&format!("{SELECT_FORM} WHERE id = $1"))
            .bind(id.0)
            .fetch_all(c)
            .await
            .map_err(internal))?;
        if rows.is_empty() {
            return Ok(None);
        }
        let photos: Vec<PhotoRow> = on_tx!(self, c => sqlx::query_as(
            &format!("{PHOTOS_SQL}({}) ORDER BY ordinal", id.0))
            .fetch_all(c)
            .await
            .map_err(internal))?;
        Ok(assemble(rows, photos)?.pop())
    }

    /// Write `after` over `before`, whose version must still be current; the photos are
    /// rewritten when they changed.
    #[instrument(skip_all, fields(form_id = %before.id))]
    pub async fn update_form(
        &mut self,
        before: &FeedbackForm,
        after: &FeedbackForm,
    ) -> Result<FeedbackForm, Error> {
        let sig = after.signature.as_ref();
        let rev = after.review.as_ref();
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE feedback_forms SET status = $1, service_content = $2, fault_cause = $3,
               cause_analysis = $4, handling = $5, responsibility = $6, parts = $7,
               started_at = $8, ended_at = $9, signer_name = $10, signature_file_id = $11,
               signed_at = $12, customer_absent = $13, customer_opinion = $14, stamp_file_id = $15,
               review_accepted = $16, review_reason = $17, reviewed_by = $18, reviewed_at = $19,
               updated_at = $20, version = $21
             WHERE id = $22 AND version = $23")
            .bind(after.status.as_str())
            .bind(&after.service_content)
            .bind(&after.fault_cause)
            .bind(&after.cause_analysis)
            .bind(&after.handling)
            .bind(after.responsibility.map(|r| r.as_str()))
            .bind(parts_json(&after.parts)?)
            .bind(after.started_at.map(ms))
            .bind(after.ended_at.map(ms))
            .bind(sig.map(|s| s.signer_name.clone()))
            .bind(sig.map(|s| s.file_id.0))
            .bind(sig.map(|s| ms(s.signed_at)).or_else(|| {
                // A correction submitted without the customer: when it was submitted.
                after.customer_absent.then(|| ms(after.updated_at))
            }))
            .bind(i64::from(after.customer_absent))
            .bind(&after.customer_opinion)
            .bind(after.stamp_file_id.map(|f| f.0))
            .bind(rev.map(|r| i64::from(r.accepted)))
            .bind(rev.and_then(|r| r.reason.clone()))
            .bind(rev.map(|r| r.by.0))
            .bind(rev.map(|r| ms(r.at)))
            .bind(ms(after.updated_at))
            .bind(after.version)
            .bind(before.id.0)
            .bind(before.version)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        crate::changed_one(n, &format!("form {}", before.id), before.version)?;
        if before.photos != after.photos {
            on_tx!(self, c => sqlx::query("DELETE FROM form_photos WHERE form_id = $1")
                .bind(before.id.0)
                .execute(c)
                .await
                .map(|_| ())
                .map_err(db_err))?;
            for (i, p) in after.photos.iter().enumerate() {
                on_tx!(self, c => sqlx::query(
                    "INSERT INTO form_photos (form_id, file_id, ordinal, caption)
                     VALUES ($1, $2, $3, $4)")
                    .bind(before.id.0)
                    .bind(p.file_id.0)
                    .bind(i as i64)
                    .bind(&p.caption)
                    .execute(c)
                    .await
                    .map(|_| ())
                    .map_err(db_err))?;
            }
        }
        Ok(after.clone())
    }

    /// The draft of a trip (a new form, or the correction of `corrects`), if one is open.
    pub async fn open_draft(
        &mut self,
        trip: TripId,
        corrects: Option<FormId>,
    ) -> Result<Option<FeedbackForm>, Error> {
        let id: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT id FROM feedback_forms WHERE trip_id = $1 AND status = 'draft'
               AND COALESCE(corrects, 0) = $2")
            .bind(trip.0)
            .bind(corrects.map_or(0, |c| c.0))
            .fetch_optional(c)
            .await
            .map_err(internal))?;
        match id {
            Some(id) => self.form(FormId(id)).await,
            None => Ok(None),
        }
    }
}

impl Db {
    /// A form with its photos.
    pub async fn form(&self, id: FormId) -> Result<Option<FeedbackForm>, Error> {
        Ok(self
            .forms_where(&format!("{SELECT_FORM} WHERE id = $1"), id.0)
            .await?
            .pop())
    }

    /// A job's forms, oldest first.
    pub async fn forms_of_job(&self, job: JobId) -> Result<Vec<FeedbackForm>, Error> {
        self.forms_where(
            &format!("{SELECT_FORM} WHERE job_id = $1 ORDER BY id"),
            job.0,
        )
        .await
    }

    /// Signed forms waiting for review, signed longest ago first.
    pub async fn forms_to_review(&self, limit: i64) -> Result<Vec<FeedbackForm>, Error> {
        self.forms_where(
            &format!("{SELECT_FORM} WHERE status = 'signed' ORDER BY signed_at, id LIMIT $1"),
            limit,
        )
        .await
    }

    /// The forms of the jobs of `ids`, oldest first within a job (a few queries for many
    /// jobs).
    pub async fn forms_of_jobs(&self, ids: &[JobId]) -> Result<Vec<FeedbackForm>, Error> {
        let mut out = Vec::new();
        for chunk in ids.chunks(ID_CHUNK) {
            let list: Vec<i64> = chunk.iter().map(|j| j.0).collect();
            let rows: Vec<FormRow> = read!(self, c => sqlx::query_as(
                &format!("{SELECT_FORM} WHERE job_id IN {} ORDER BY id", id_list(&list)))
                .fetch_all(c)
                .await
                .map_err(internal)?);
            out.extend(self.with_photos(rows).await?);
        }
        Ok(out)
    }

    async fn forms_where(&self, sql: &str, arg: i64) -> Result<Vec<FeedbackForm>, Error> {
        let rows: Vec<FormRow> = read!(self, c => sqlx::query_as(sql)
            .bind(arg)
            .fetch_all(c)
            .await
            .map_err(internal)?);
        self.with_photos(rows).await
    }

    async fn with_photos(&self, rows: Vec<FormRow>) -> Result<Vec<FeedbackForm>, Error> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let photos: Vec<PhotoRow> = read!(self, c => sqlx::query_as(
            &format!("{PHOTOS_SQL}{} ORDER BY form_id, ordinal", id_list(&ids)))
            .fetch_all(c)
            .await
            .map_err(internal)?);
        assemble(rows, photos)
    }

    /// A stored file with its bytes.
    pub async fn file(&self, id: FileId) -> Result<Option<StoredFile>, Error> {
        let row: Option<(i64, String, Vec<u8>, i64)> = read!(self, c => sqlx::query_as(
            "SELECT id, content_type, bytes, created_by FROM files WHERE id = $1")
            .bind(id.0)
            .fetch_optional(c)
            .await
            .map_err(internal)?);
        Ok(row.map(|(id, content_type, bytes, by)| StoredFile {
            id: FileId(id),
            content_type,
            bytes,
            created_by: UserId(by),
        }))
    }

    /// The jobs whose forms hold a file (as a photo, a signature or a stamp): who may see
    /// one of them may see the file.
    pub async fn jobs_holding_file(&self, id: FileId) -> Result<Vec<JobId>, Error> {
        let ids: Vec<i64> = read!(self, c => sqlx::query_scalar(
            "SELECT job_id FROM feedback_forms WHERE signature_file_id = $1 OR stamp_file_id = $1
             UNION SELECT f.job_id FROM form_photos p JOIN feedback_forms f ON f.id = p.form_id
               WHERE p.file_id = $1")
            .bind(id.0)
            .fetch_all(c)
            .await
            .map_err(internal)?);
        Ok(ids.into_iter().map(JobId).collect())
    }
}
