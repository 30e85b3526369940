//! The audit trail (R1.4): append-only, written in the same transaction as the change.

use crate::{Db, at, internal, read};
use chrono::{DateTime, Utc};
use sanbao_domain::{Error, UserId};
use serde_json::Value;
use tracing::instrument;

/// One recorded change: who, when, what before, what after.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub entity: String,
    pub entity_id: i64,
    pub action: String,
    pub actor_id: Option<UserId>,
    pub actor_name: Option<String>,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
    pub before: Value,
    pub after: Value,
}

/// Insert one audit record inside the transaction `$tx`.
macro_rules! insert_audit {
    ($tx:expr, $entity:expr, $entity_id:expr, $action:expr, $actor:expr, $at:expr, $note:expr, $before:expr, $after:expr) => {
        sqlx::query(
            "INSERT INTO audit_log (entity, entity_id, action, actor_id, at, note, before, after)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind($entity)
        .bind($entity_id)
        .bind($action)
        .bind($actor)
        .bind($at)
        .bind($note)
        .bind($before)
        .bind($after)
        .execute(&mut *$tx)
        .await
        .map_err($crate::db_err)
    };
}
pub(crate) use insert_audit;

/// JSON text for the audit columns; `null` stays SQL NULL.
pub(crate) fn json_text(v: &Value) -> Option<String> {
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
        let parse = |s: Option<String>| {
            s.and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or(Value::Null)
        };
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
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
            })
            .collect())
    }
}
