//! The audit trail (R1.4): append-only (the database refuses to change or remove an entry),
//! written in the same transaction as the change, each entry chained to the one before it.

use crate::{Db, Tx, at, db_err, internal, ms, on_tx, read};
use sanbao_domain::audit::chain::{
    ChainBreak, ChainCheck, ChainHead, ChainSummary, GENESIS, HashedFields, StoredEntry, entry_hash,
};
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

/// Entries per INSERT (well under either backend's limit on bound values).
const CHUNK: usize = 500;

/// The chain's head, read in the appending transaction. On PostgreSQL its row is locked
/// until the transaction ends, so two transactions appending at once take turns and never
/// both follow the same entry; on SQLite the one writer connection already serialises them.
const HEAD_FOR_APPEND_PG: &str = "SELECT hash FROM audit_head WHERE id = 1 FOR UPDATE";
const HEAD_FOR_APPEND_SQLITE: &str = "SELECT hash FROM audit_head WHERE id = 1";

impl Tx {
    /// When the latest entry of this action on this record was made (e.g. a ticket's
    /// last dispatch), read in this transaction.
    pub async fn last_audited_at(
        &mut self,
        entity: &str,
        entity_id: i64,
        action: &str,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, Error> {
        let found: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT at FROM audit_log WHERE entity = $1 AND entity_id = $2 AND action = $3
             ORDER BY id DESC LIMIT 1")
            .bind(entity)
            .bind(entity_id)
            .bind(action)
            .fetch_optional(c)
            .await
            .map_err(internal))?;
        Ok(found.map(at))
    }

    /// Record changes, in this transaction, each chained to the entry before it
    /// ([`sanbao_domain::audit::chain`]): one read of the chain's head, the entries, one
    /// update of the head.
    ///
    /// On PostgreSQL the entries are appended when the transaction commits (so the head's
    /// lock is the last one it takes); on SQLite at once.
    pub async fn audit_many(&mut self, entries: &[NewAuditEntry]) -> Result<(), Error> {
        match self {
            Tx::Postgres(t) => {
                t.pending_audit.extend_from_slice(entries);
                Ok(())
            }
            Tx::Sqlite(_) => self.append_audit(entries).await,
        }
    }

    /// Append entries to the chain now, in this transaction.
    pub(crate) async fn append_audit(&mut self, entries: &[NewAuditEntry]) -> Result<(), Error> {
        if entries.is_empty() {
            return Ok(());
        }
        let head_sql = match self {
            Tx::Sqlite(_) => HEAD_FOR_APPEND_SQLITE,
            Tx::Postgres(_) => HEAD_FOR_APPEND_PG,
        };
        on_tx!(self, c, B => {
            let head: Option<Option<String>> = sqlx::query_scalar(head_sql)
                .fetch_optional(&mut *c)
                .await
                .map_err(internal)?;
            let head_hash =
                head.ok_or_else(|| Error::Internal("the audit chain has no head row".into()))?;
            let chained = chain(entries, head_hash.as_deref().unwrap_or(GENESIS));
            let mut last_id = None;
            for part in chained.chunks(CHUNK) {
                let mut q = sqlx::QueryBuilder::<B>::new(
                    "INSERT INTO audit_log (entity, entity_id, action, actor_id, at, note, \
                     before, after, prev_hash, hash) ",
                );
                q.push_values(part, |mut b, (e, p)| {
                    b.push_bind(e.entity)
                        .push_bind(e.entity_id)
                        .push_bind(e.action.as_str())
                        .push_bind(e.actor_id.map(|u| u.0))
                        .push_bind(ms(e.at))
                        .push_bind(e.note.as_deref())
                        .push_bind(p.before.as_deref())
                        .push_bind(p.after.as_deref())
                        .push_bind(p.prev_hash.as_str())
                        .push_bind(p.hash.as_str());
                });
                q.push(" RETURNING id");
                let ids: Vec<i64> = q
                    .build_query_scalar()
                    .fetch_all(&mut *c)
                    .await
                    .map_err(db_err)?;
                // The chain's order is the ids' order: the rows must have taken their ids
                // in the order they were listed.
                for id in ids {
                    if last_id.is_some_and(|l| id <= l) {
                        return Err(Error::Internal(
                            "audit entries were not numbered in the order written".into(),
                        ));
                    }
                    last_id = Some(id);
                }
            }
            let hash = chained.last().map(|(_, p)| p.hash.as_str());
            sqlx::query("UPDATE audit_head SET last_id = $1, hash = $2 WHERE id = 1")
                .bind(last_id)
                .bind(hash)
                .execute(&mut *c)
                .await
                .map_err(internal)?;
        });
        Ok(())
    }

    /// Record one change, in this transaction.
    pub async fn audit(&mut self, entry: &NewAuditEntry) -> Result<(), Error> {
        self.audit_many(std::slice::from_ref(entry)).await
    }
}

/// An entry's stored text and its place in the chain.
struct Chained {
    before: Option<String>,
    after: Option<String>,
    prev_hash: String,
    hash: String,
}

/// Each entry hashed after the one before it, the first after `prev`.
fn chain<'a>(entries: &'a [NewAuditEntry], prev: &str) -> Vec<(&'a NewAuditEntry, Chained)> {
    let mut prev = prev.to_string();
    entries
        .iter()
        .map(|e| {
            let before = json_text(&e.before);
            let after = json_text(&e.after);
            let fields = HashedFields {
                entity: e.entity,
                entity_id: e.entity_id,
                action: &e.action,
                actor_id: e.actor_id.map(|u| u.0),
                at: ms(e.at),
                note: e.note.as_deref(),
                before: before.as_deref(),
                after: after.as_deref(),
            };
            let hash = entry_hash(&fields, &prev);
            let prev_hash = std::mem::replace(&mut prev, hash.clone());
            (
                e,
                Chained {
                    before,
                    after,
                    prev_hash,
                    hash,
                },
            )
        })
        .collect()
}

/// Entries read per page while verifying.
const PAGE: i64 = 1000;

#[derive(sqlx::FromRow)]
struct ChainRow {
    id: i64,
    entity: String,
    entity_id: i64,
    action: String,
    actor_id: Option<i64>,
    at: i64,
    note: Option<String>,
    before: Option<String>,
    after: Option<String>,
    prev_hash: Option<String>,
    hash: Option<String>,
}

impl From<ChainRow> for StoredEntry {
    fn from(r: ChainRow) -> StoredEntry {
        StoredEntry {
            id: r.id,
            entity: r.entity,
            entity_id: r.entity_id,
            action: r.action,
            actor_id: r.actor_id,
            at: r.at,
            note: r.note,
            before: r.before,
            after: r.after,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
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

    /// Walk the whole audit chain in id order, a page at a time, in one snapshot (so
    /// entries appended meanwhile neither count nor break it): the first entry that breaks
    /// the chain, or what the intact chain held.
    #[instrument(skip_all)]
    pub async fn verify_audit_chain(&self) -> Result<Result<ChainSummary, ChainBreak>, Error> {
        let postgres = matches!(self, Db::Postgres(_));
        read!(self, p => {
            let mut tx = sqlx::Connection::begin(p).await.map_err(internal)?;
            if postgres {
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .execute(&mut *tx)
                    .await
                    .map_err(internal)?;
            }
            let (last_id, hash, pre_chain_through): (Option<i64>, Option<String>, Option<i64>) =
                sqlx::query_as("SELECT last_id, hash, pre_chain_through FROM audit_head WHERE id = 1")
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(internal)?
                    .unwrap_or_default();
            let mut check = ChainCheck::new(ChainHead {
                last_id,
                hash,
                pre_chain_through,
            });
            let mut after = i64::MIN;
            loop {
                let rows: Vec<ChainRow> = sqlx::query_as(
                    "SELECT id, entity, entity_id, action, actor_id, at, note, before, after,
                            prev_hash, hash
                     FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(after)
                    .bind(PAGE)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(internal)?;
                let Some(last) = rows.last() else { break };
                after = last.id;
                let full = rows.len() as i64 == PAGE;
                for r in rows {
                    if let Err(b) = check.push(&r.into()) {
                        return Ok(Err(b));
                    }
                }
                if !full {
                    break;
                }
            }
            tx.rollback().await.map_err(internal)?;
            Ok(check.finish())
        })
    }
}
