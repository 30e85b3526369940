//! Training records (R1.6, R1.7) and the document library: sessions with their attendees
//! and materials, the requirement settings, documents and their numbered versions, whose
//! files are kept in `files` like the forms' photos.

use crate::{Db, Tx, at, db_err, internal, ms, on_tx, parse, read};
use chrono::NaiveDate;
use sanbao_domain::documents::{
    DocKind, DocVersion, Document, DocumentView, NewDocument, NewVersion, Retirement,
};
use sanbao_domain::training::{
    Attendee, Audience, NewSession, Requirement, Session, SessionView, Topic,
};
use sanbao_domain::{CustomerId, DocumentId, Error, FileId, Problem, Role, TrainingId, UserId};

/// At most this many sessions in a list, documents in the library.
const LIST_MAX: i64 = 1000;

fn date(what: &str, s: &str) -> Result<NaiveDate, Error> {
    parse(what, s, |v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
}

fn text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Constraint violations of this slice named by their field; the rest as everywhere.
fn training_err(e: sqlx::Error) -> Error {
    if let sqlx::Error::Database(d) = &e {
        let name = d.constraint().unwrap_or_default().to_string();
        let msg = d.message().to_string();
        let mentions = |s: &str| name.contains(s) || msg.contains(s);
        if d.is_unique_violation() && mentions("documents") {
            return Error::field(
                "code",
                Problem::new("taken", "another document has this code"),
            );
        }
        if d.is_unique_violation() && mentions("document_versions") {
            return Error::Conflict("another version was published at the same time".into());
        }
        if d.is_foreign_key_violation() {
            for (key, field) in [
                ("documents_model", "model_code"),
                ("training_sessions_customer", "customer_id"),
                ("training_attendees_attendee", "attendee_ids"),
                ("training_materials_document", "document_ids"),
            ] {
                if name.contains(key) {
                    return Error::field(field, Problem::new("not_found", "no such record"));
                }
            }
        }
    }
    db_err(e)
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    audience: String,
    topic: String,
    held_on: String,
    trainer: String,
    place: String,
    duration_minutes: i64,
    customer_id: Option<i64>,
    customer_name: Option<String>,
    note: Option<String>,
    recorded_by: i64,
    recorded_at: i64,
}

const SESSION: &str = "SELECT s.id, s.audience, s.topic, s.held_on, s.trainer, s.place,
       s.duration_minutes, s.customer_id, c.name AS customer_name, s.note, s.recorded_by,
       s.recorded_at
     FROM training_sessions s LEFT JOIN customers c ON c.id = s.customer_id";

impl TryFrom<SessionRow> for Session {
    type Error = Error;
    fn try_from(r: SessionRow) -> Result<Session, Error> {
        Ok(Session {
            id: TrainingId(r.id),
            audience: parse("audience", &r.audience, Audience::parse)?,
            topic: parse("topic", &r.topic, Topic::parse)?,
            held_on: date("held on", &r.held_on)?,
            trainer: r.trainer,
            place: r.place,
            duration_minutes: r.duration_minutes,
            customer_id: r.customer_id.map(CustomerId),
            customer_name: r.customer_name,
            note: r.note,
            recorded_by: UserId(r.recorded_by),
            recorded_at: at(r.recorded_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct DocRow {
    id: i64,
    kind: String,
    code: String,
    title: String,
    model_code: Option<String>,
    created_by: i64,
    created_at: i64,
    retired_at: Option<i64>,
    retired_by: Option<i64>,
    retired_by_name: Option<String>,
    retired_reason: Option<String>,
}

impl TryFrom<DocRow> for Document {
    type Error = Error;
    fn try_from(r: DocRow) -> Result<Document, Error> {
        Ok(Document {
            id: DocumentId(r.id),
            kind: parse("document kind", &r.kind, DocKind::parse)?,
            code: r.code,
            title: r.title,
            model_code: r.model_code,
            created_by: UserId(r.created_by),
            created_at: at(r.created_at),
            retired: match (r.retired_at, r.retired_by) {
                (Some(when), Some(by)) => Some(Retirement {
                    at: at(when),
                    by: UserId(by),
                    by_name: r.retired_by_name.unwrap_or_default(),
                    reason: r.retired_reason.unwrap_or_default(),
                }),
                _ => None,
            },
        })
    }
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    document_id: i64,
    n: i64,
    label: String,
    effective_on: String,
    file_id: i64,
    file_name: String,
    content_type: String,
    size: i64,
    published_by: i64,
    published_by_name: String,
    published_at: i64,
}

impl TryFrom<VersionRow> for DocVersion {
    type Error = Error;
    fn try_from(r: VersionRow) -> Result<DocVersion, Error> {
        Ok(DocVersion {
            document_id: DocumentId(r.document_id),
            n: r.n,
            label: r.label,
            effective_on: date("effective on", &r.effective_on)?,
            file_id: FileId(r.file_id),
            file_name: r.file_name,
            content_type: r.content_type,
            size: r.size,
            published_by: UserId(r.published_by),
            published_by_name: r.published_by_name,
            published_at: at(r.published_at),
        })
    }
}

const DOC: &str = "SELECT d.id, d.kind, d.code, d.title, d.model_code, d.created_by, d.created_at,
       d.retired_at, d.retired_by, r.display_name AS retired_by_name, d.retired_reason
     FROM documents d LEFT JOIN users r ON r.id = d.retired_by";
const VERSION: &str = "SELECT v.document_id, v.n, v.label, v.effective_on, v.file_id,
       v.file_name, v.content_type, v.size, v.published_by, u.display_name AS published_by_name,
       v.published_at
     FROM document_versions v JOIN users u ON u.id = v.published_by";

fn with_versions(docs: Vec<Document>, versions: Vec<DocVersion>) -> Vec<DocumentView> {
    docs.into_iter()
        .map(|d| {
            let versions = versions
                .iter()
                .filter(|v| v.document_id == d.id)
                .cloned()
                .collect();
            DocumentView {
                document: d,
                versions,
            }
        })
        .collect()
}

impl Tx {
    // ---- training 2 ----
    /// Replace the requirement settings with `set` (the use case checked it).
    pub async fn replace_training_requirements(
        &mut self,
        set: &[Requirement],
    ) -> Result<(), Error> {
        on_tx!(self, c => sqlx::query("DELETE FROM training_requirements")
            .execute(c)
            .await
            .map(|_| ())
            .map_err(db_err))?;
        for r in set {
            on_tx!(self, c => sqlx::query(
                "INSERT INTO training_requirements (role, topic, period_months) VALUES ($1, $2, $3)")
                .bind(r.role.as_str())
                .bind(r.topic.as_str())
                .bind(i64::from(r.period_months))
                .execute(c)
                .await
                .map(|_| ())
                .map_err(db_err))?;
        }
        Ok(())
    }

    /// Retire a document; false when it was retired already (or is not there).
    pub async fn retire_document(
        &mut self,
        id: DocumentId,
        by: UserId,
        when: chrono::DateTime<chrono::Utc>,
        reason: &str,
    ) -> Result<bool, Error> {
        let rows = on_tx!(self, c => sqlx::query(
            "UPDATE documents SET retired_at = $2, retired_by = $3, retired_reason = $4
             WHERE id = $1 AND retired_at IS NULL")
            .bind(id.0)
            .bind(ms(when))
            .bind(by.0)
            .bind(reason)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        Ok(rows == 1)
    }
    // ---- end training 2 ----

    /// Write a session with its attendees (a staff attendee's name as their account has
    /// it) and its materials.
    pub async fn insert_session(&mut self, s: &NewSession) -> Result<TrainingId, Error> {
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO training_sessions (audience, topic, held_on, trainer, place,
               duration_minutes, customer_id, note, recorded_by, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
            .bind(s.audience.as_str())
            .bind(s.topic.as_str())
            .bind(text(s.held_on))
            .bind(&s.trainer)
            .bind(&s.place)
            .bind(s.duration_minutes)
            .bind(s.customer_id.map(|c| c.0))
            .bind(&s.note)
            .bind(s.recorded_by.0)
            .bind(ms(s.recorded_at))
            .fetch_one(c)
            .await
            .map_err(training_err))?;
        for u in &s.attendee_ids {
            let rows = on_tx!(self, c => sqlx::query(
                "INSERT INTO training_attendees (session_id, user_id, name)
                 SELECT $1, id, display_name FROM users WHERE id = $2 AND role <> 'customer'")
                .bind(id)
                .bind(u.0)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
                .map_err(training_err))?;
            if rows == 0 {
                return Err(Error::field(
                    "attendee_ids",
                    Problem::new("not_found", format!("no staff member {u}")),
                ));
            }
        }
        for n in &s.attendee_names {
            on_tx!(self, c => sqlx::query(
                "INSERT INTO training_attendees (session_id, user_id, name) VALUES ($1, NULL, $2)")
                .bind(id)
                .bind(n)
                .execute(c)
                .await
                .map(|_| ())
                .map_err(training_err))?;
        }
        for d in &s.document_ids {
            on_tx!(self, c => sqlx::query(
                "INSERT INTO training_materials (session_id, document_id) VALUES ($1, $2)")
                .bind(id)
                .bind(d.0)
                .execute(c)
                .await
                .map(|_| ())
                .map_err(training_err))?;
        }
        Ok(TrainingId(id))
    }

    /// Write a document (no version yet).
    pub async fn insert_document(&mut self, d: &NewDocument) -> Result<DocumentId, Error> {
        if let Some(code) = &d.model_code {
            // SQLite does not name a broken foreign key: the model is looked up first.
            let found: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
                "SELECT id FROM product_models WHERE code = $1")
                .bind(code)
                .fetch_optional(c)
                .await
                .map_err(internal))?;
            if found.is_none() {
                return Err(Error::field(
                    "model_code",
                    Problem::new("not_found", "no such product model"),
                ));
            }
        }
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO documents (kind, code, title, model_code, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(d.kind.as_str())
            .bind(&d.code)
            .bind(&d.title)
            .bind(&d.model_code)
            .bind(d.created_by.0)
            .bind(ms(d.created_at))
            .fetch_one(c)
            .await
            .map_err(training_err))?;
        Ok(DocumentId(id))
    }

    /// Publish a version: its file stored, numbered after the document's last.
    pub async fn insert_version(&mut self, doc: DocumentId, v: &NewVersion) -> Result<i64, Error> {
        let file_id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO files (content_type, bytes, size, sha256, width, height, created_by,
               created_at) VALUES ($1, $2, $3, $4, NULL, NULL, $5, $6) RETURNING id")
            .bind(v.content_type)
            .bind(&v.bytes)
            .bind(i64::try_from(v.bytes.len()).unwrap_or(i64::MAX))
            .bind(&v.sha256)
            .bind(v.published_by.0)
            .bind(ms(v.published_at))
            .fetch_one(c)
            .await
            .map_err(db_err))?;
        let n: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO document_versions (document_id, n, label, effective_on, file_id,
               file_name, content_type, size, published_by, published_at)
             SELECT $1, COALESCE(MAX(n), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9
               FROM document_versions WHERE document_id = $1
             RETURNING n")
            .bind(doc.0)
            .bind(&v.label)
            .bind(text(v.effective_on))
            .bind(file_id)
            .bind(&v.file_name)
            .bind(v.content_type)
            .bind(i64::try_from(v.bytes.len()).unwrap_or(i64::MAX))
            .bind(v.published_by.0)
            .bind(ms(v.published_at))
            .fetch_one(c)
            .await
            .map_err(training_err))?;
        Ok(n)
    }
}

impl Db {
    /// A session with its attendees and materials.
    pub async fn training_session(&self, id: TrainingId) -> Result<Option<SessionView>, Error> {
        let sql = format!("{SESSION} WHERE s.id = $1");
        let row: Option<SessionRow> = read!(self, c => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(c).await.map_err(internal))?;
        let Some(row) = row else { return Ok(None) };
        let session = Session::try_from(row)?;
        let people: Vec<(Option<i64>, String)> = read!(self, c => sqlx::query_as(
            "SELECT user_id, name FROM training_attendees WHERE session_id = $1 ORDER BY id")
            .bind(id.0).fetch_all(c).await.map_err(internal))?;
        let docs: Vec<(i64, String, String)> = read!(self, c => sqlx::query_as(
            "SELECT d.id, d.code, d.title FROM training_materials m
               JOIN documents d ON d.id = m.document_id WHERE m.session_id = $1 ORDER BY d.code")
            .bind(id.0).fetch_all(c).await.map_err(internal))?;
        Ok(Some(SessionView {
            session,
            attendees: people
                .into_iter()
                .map(|(u, name)| Attendee {
                    user_id: u.map(UserId),
                    name,
                })
                .collect(),
            materials: docs
                .into_iter()
                .map(|(id, code, title)| (DocumentId(id), code, title))
                .collect(),
        }))
    }

    /// Sessions, newest first, with their number of attendees.
    pub async fn training_sessions(&self) -> Result<Vec<(Session, i64)>, Error> {
        let sql = format!(
            "SELECT x.*, (SELECT COUNT(*) FROM training_attendees a WHERE a.session_id = x.id)
               AS attendees FROM ({SESSION}) x ORDER BY x.held_on DESC, x.id DESC LIMIT $1"
        );
        let rows: Vec<SessionRowCount> = read!(self, c => sqlx::query_as(&sql)
            .bind(LIST_MAX).fetch_all(c).await.map_err(internal))?;
        rows.into_iter()
            .map(|r| Ok((Session::try_from(r.s)?, r.attendees)))
            .collect()
    }

    /// The sessions a staff member attended, newest first.
    pub async fn training_of(&self, user: UserId) -> Result<Vec<Session>, Error> {
        let sql = format!(
            "{SESSION} WHERE s.id IN (SELECT session_id FROM training_attendees WHERE user_id = $1)
             ORDER BY s.held_on DESC, s.id DESC LIMIT $2"
        );
        let rows: Vec<SessionRow> = read!(self, c => sqlx::query_as(&sql)
            .bind(user.0).bind(LIST_MAX).fetch_all(c).await.map_err(internal))?;
        rows.into_iter().map(Session::try_from).collect()
    }

    /// Every staff attendance: (person, topic, date held).
    pub async fn staff_attendance(&self) -> Result<Vec<(UserId, Topic, NaiveDate)>, Error> {
        let rows: Vec<(i64, String, String)> = read!(self, c => sqlx::query_as(
            "SELECT a.user_id, s.topic, MAX(s.held_on) FROM training_attendees a
               JOIN training_sessions s ON s.id = a.session_id
             WHERE a.user_id IS NOT NULL GROUP BY a.user_id, s.topic")
            .fetch_all(c).await.map_err(internal))?;
        rows.into_iter()
            .map(|(u, t, d)| {
                Ok((
                    UserId(u),
                    parse("topic", &t, Topic::parse)?,
                    date("held on", &d)?,
                ))
            })
            .collect()
    }

    /// The requirement settings, by role and topic.
    pub async fn training_requirements(&self) -> Result<Vec<Requirement>, Error> {
        let rows: Vec<(String, String, i64)> = read!(self, c => sqlx::query_as(
            "SELECT role, topic, period_months FROM training_requirements ORDER BY role, topic")
            .fetch_all(c).await.map_err(internal))?;
        rows.into_iter()
            .map(|(r, t, m)| {
                Ok(Requirement {
                    role: parse("role", &r, Role::parse)?,
                    topic: parse("topic", &t, Topic::parse)?,
                    period_months: u32::try_from(m).map_err(internal)?,
                })
            })
            .collect()
    }

    /// The library, by kind and code, each document with its versions; `model_code`
    /// narrows to one model's documents; `retired` chooses the documents in use (false)
    /// or those retired (true).
    pub async fn documents(
        &self,
        model_code: Option<&str>,
        retired: bool,
    ) -> Result<Vec<DocumentView>, Error> {
        let which = if retired { "NOT NULL" } else { "NULL" };
        let sql = format!(
            "{DOC} WHERE ($1 = '' OR d.model_code = $1) AND d.retired_at IS {which}
             ORDER BY d.kind, d.code LIMIT $2"
        );
        let rows: Vec<DocRow> = read!(self, c => sqlx::query_as(&sql)
            .bind(model_code.unwrap_or("")).bind(LIST_MAX).fetch_all(c).await.map_err(internal))?;
        let docs = rows
            .into_iter()
            .map(Document::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let vsql = format!(
            "{VERSION} WHERE v.document_id IN (SELECT id FROM documents WHERE ($1 = '' OR model_code = $1))
             ORDER BY v.document_id, v.n"
        );
        let vrows: Vec<VersionRow> = read!(self, c => sqlx::query_as(&vsql)
            .bind(model_code.unwrap_or("")).fetch_all(c).await.map_err(internal))?;
        let versions = vrows
            .into_iter()
            .map(DocVersion::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(with_versions(docs, versions))
    }

    /// A document with its versions, oldest first.
    pub async fn document(&self, id: DocumentId) -> Result<Option<DocumentView>, Error> {
        let sql = format!("{DOC} WHERE d.id = $1");
        let row: Option<DocRow> = read!(self, c => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(c).await.map_err(internal))?;
        let Some(row) = row else { return Ok(None) };
        let vsql = format!("{VERSION} WHERE v.document_id = $1 ORDER BY v.n");
        let vrows: Vec<VersionRow> = read!(self, c => sqlx::query_as(&vsql)
            .bind(id.0).fetch_all(c).await.map_err(internal))?;
        let versions = vrows
            .into_iter()
            .map(DocVersion::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(with_versions(vec![Document::try_from(row)?], versions).pop())
    }

    /// A version's file's bytes.
    pub async fn document_file(&self, file: FileId) -> Result<Option<Vec<u8>>, Error> {
        read!(self, c => sqlx::query_scalar("SELECT bytes FROM files WHERE id = $1")
            .bind(file.0).fetch_optional(c).await.map_err(internal))
    }
}

#[derive(sqlx::FromRow)]
struct SessionRowCount {
    #[sqlx(flatten)]
    s: SessionRow,
    attendees: i64,
}
