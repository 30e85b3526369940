//! The audit trail (R1.4): append-only, written in the same transaction as the change.

use crate::{Db, Tx, at, db_err, internal, ms, on_tx, read};
use sanbao_domain::audit::{AuditEntry, NewAuditEntry};
use sanbao_domain::{Error, UserId};
use serde_json::Value;
use tracing::instrument;

/// JSON text for the audit columns; `null` stays SQL NULL.
fn json_text(v: &Value) -> Option<String> {
    (!v.is_null()).then(|| v.to_string())
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    entity: String,
    entity_id: i64,
    action: String,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    at: i64,
    note: Option<String>,
    before: Option<String>,
    after: Option<String>,
}

impl Tx {
    /// Record changes, in this transaction.
    pub async fn audit_many(&mut self, entries: &[NewAuditEntry]) -> Result<(), Error> {
        if entries.is_empty() {
            return Ok(());
        }
        on_tx!(self, c, B => {
            let mut q = sqlx::QueryBuilder::<B>::new(
                "INSERT INTO audit_log (entity, entity_id, action, actor_id, at, note, before, after) ",
            );
            q.push_values(entries, |mut b, e| {
                b.push_bind(e.entity)
                    .push_bind(e.entity_id)
                    .push_bind(e.action.clone())
                    .push_bind(e.actor_id.map(|u| u.0))
                    .push_bind(ms(e.at))
                    .push_bind(e.note.clone())
                    .push_bind(json_text(&e.before))
                    .push_bind(json_text(&e.after));
            });
            q.build().execute(c).await.map_err(db_err)?;
        });
        Ok(())
    }

    /// Record one change, in this transaction.
    pub async fn audit(&mut self, entry: &NewAuditEntry) -> Result<(), Error> {
        self.audit_many(std::slice::from_ref(entry)).await
    }
}

fn entry(r: Row) -> AuditEntry {
    let parse = |s: Option<String>| {
        s.and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null)
    };
    AuditEntry {
        id: r.id,
        entity: r.entity,
        entity_id: r.entity_id,
        action: r.action,
        actor_id: r.actor_id.map(UserId),
        actor_name: r.actor_name,
        at: at(r.at),
        note: r.note,
        before: parse(r.before),
        after: parse(r.after),
    }
}

impl Db {
    /// Every recorded change of one record, oldest first.
    #[instrument(skip_all, fields(entity, entity_id))]
    pub async fn audit_trail(
        &self,
        entity: &str,
        entity_id: i64,
    ) -> Result<Vec<AuditEntry>, Error> {
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(
            "SELECT a.id, a.entity, a.entity_id, a.action, a.actor_id, u.display_name AS actor_name,
                    a.at, a.note, a.before, a.after
             FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
             WHERE a.entity = $1 AND a.entity_id = $2 ORDER BY a.id")
            .bind(entity)
            .bind(entity_id)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        Ok(rows.into_iter().map(entry).collect())
    }
}
