//! Sanbao's store: the same queries on SQLite (embedded) and PostgreSQL (scaled out).
//!
//! Every query is written once in portable SQL (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`) and compiled for both pools by the [`read!`]/[`write!`] macros. Instants
//! are `i64` epoch milliseconds. Errors come back as the domain's [`Error`]; database
//! causes are logged here and never leave as text.

use sanbao_domain::Error;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

mod audit;
pub mod backup;
mod batch;
mod board;
// ---- campaigns ----
mod campaigns;
pub use campaigns::NewTarget;
// ---- end campaigns ----
mod conns;
mod customers;
mod deadlines;
mod deliveries;
// ---- dispatch (issue 8) ----
mod dispatch;
pub use dispatch::StoredFieldSettings;
// ---- end dispatch ----
mod export;
mod field;
// ---- follow-ups ----
mod followups;
pub use sanbao_domain::followup::FollowUpFilter;
// ---- end follow-ups ----
// ---- field form ----
mod forms;
// ---- end field form ----
// ---- Idempotency keys ----
mod idempotency;
// ---- end idempotency keys ----
mod imports;
mod leases;
mod life;
// ---- Where notifications go ----
mod notify;
// ---- end where notifications go ----
mod outbox;
// ---- parts, materials and tools (issue 9) ----
mod parts;
mod quality;
// ---- end parts ----
// ---- reliability ----
mod reliability;
mod report;
// ---- end reliability ----
mod replies;
// --- service requests (issue 8, part 1) ---
mod requests;
// --- end service requests ---
mod returns;
// ---- settlement (issue 9, part 5) ----
mod settlement;
pub use settlement::StoredRates;
// ---- end settlement ----
// ---- similar cases ----
mod similar;
// ---- end similar cases ----
mod sites;
mod sql;
// ---- survey and daily report (issue 8) ----
mod surveys;
// ---- end survey and daily report ----
mod tickets;
// ---- training ----
mod training;
// ---- end training ----
// ---- tools ----
mod tools;
pub use tools::{CalibrationDue, OverdueTool};
// ---- end tools ----
mod units;
mod users;
pub use users::{Heard, SessionEndings};
mod visits;

pub use deadlines::{PolicyVersion, Watched};
pub use deliveries::NewDelivery;
pub use idempotency::Claim;
pub use imports::Upload;
pub use outbox::{NewOutboxMessage, OutboxMessage};
pub use tickets::{DecideTicket, PlaceOf};
pub use units::NewUnit;

/// Run `$body` with `$p` bound to the pool that reads.
macro_rules! read {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite(s) => {
                let mut conn = s.read.acquire().await?;
                let $p = &mut *conn;
                $body
            }
            $crate::Db::Postgres(pool) => {
                let mut conn = pool.acquire().await.map_err($crate::internal)?;
                let $p = &mut *conn;
                $body
            }
        }
    };
}

/// Run `$body` with `$p` bound to the pool that writes (SQLite has one writer connection,
/// so writers queue in the pool instead of spinning on `SQLITE_BUSY`).
macro_rules! write {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite(s) => {
                let mut conn = s.write.acquire().await?;
                let $p = &mut *conn;
                $body
            }
            $crate::Db::Postgres($p) => $body,
        }
    };
}
/// Run `$body` with `$c` bound to the transaction's connection (and, in the second form,
/// `$db` to the backend's sqlx type, for `QueryBuilder::<$db>`).
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        $crate::on_tx!($tx, $c, _Backend => $body)
    };
    ($tx:expr, $c:ident, $db:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                #[allow(dead_code)]
                type $db = sqlx::Sqlite;
                let $c = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                #[allow(dead_code)]
                type $db = sqlx::Postgres;
                let $c = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use {on_tx, read, write};

/// One transaction, whichever backend: a use case loads, decides, and writes its records,
/// their audit entries and their outbox messages through it, then commits. Dropped without
/// [`Tx::commit`], it rolls back.
///
/// On SQLite a `Tx` holds the one writer connection until it ends: while it is open, write
/// through it, never through [`Db`]'s own write methods (they would wait for the writer
/// this transaction holds). Reads through [`Db`] use the readers and are fine.
#[derive(Debug)]
pub enum Tx {
    Sqlite(conns::SqliteTx),
    Postgres(PgTx),
}

/// A PostgreSQL transaction, and the audit entries it appends to the chain as it commits.
///
/// Appending takes the chain's head row lock (see [`Tx::audit_many`]); taken last, just
/// before `COMMIT`, it is held for the shortest time, and a transaction holding it never
/// waits for another row lock, so it can never be part of a deadlock. (SQLite's one
/// writer appends at once.)
#[derive(Debug)]
pub struct PgTx {
    conn: sqlx::Transaction<'static, sqlx::Postgres>,
    pending_audit: Vec<sanbao_domain::audit::NewAuditEntry>,
}

impl std::ops::Deref for PgTx {
    type Target = sqlx::PgConnection;
    fn deref(&self) -> &sqlx::PgConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for PgTx {
    fn deref_mut(&mut self) -> &mut sqlx::PgConnection {
        &mut self.conn
    }
}

impl Tx {
    pub async fn commit(self) -> Result<(), Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(mut t) => {
                let pending = std::mem::take(&mut t.pending_audit);
                let mut tx = Tx::Postgres(t);
                tx.append_audit(&pending).await?;
                let Tx::Postgres(t) = tx else {
                    return Err(internal("a PostgreSQL transaction changed backend"));
                };
                t.conn.commit().await.map_err(internal)
            }
        }
    }

    /// Undo everything written in this transaction now (dropping it undoes it too, but
    /// only when the connection is next used).
    pub async fn rollback(self) -> Result<(), Error> {
        match self {
            Tx::Sqlite(t) => t.rollback().await,
            Tx::Postgres(t) => t.conn.rollback().await.map_err(internal),
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Tx::Sqlite(_) => "sqlite",
            Tx::Postgres(_) => "postgres",
        }
    }
}

#[derive(Clone, Debug)]
pub struct SqliteDb {
    read: Arc<conns::Conns>,
    write: Arc<conns::Conns>,
    tickets: batch::TicketWriter,
}

/// The database, whichever backend the URL chose.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqliteDb),
    Postgres(PgPool),
}

/// How to open the database.
#[derive(Clone, Debug)]
pub struct DbOptions {
    /// Connections of the PostgreSQL pool, or SQLite's reader pool.
    pub max_connections: u32,
    /// SQLite `synchronous`: `NORMAL` (default; durable across process crashes, WAL) or
    /// `FULL` (also across power loss).
    pub sqlite_synchronous_full: bool,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            max_connections: 8,
            sqlite_synchronous_full: false,
        }
    }
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Open `sqlite://PATH` (the file is created) or `postgres://…`.
    pub async fn connect(url: &str, opts: &DbOptions) -> Result<Db, Error> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url).map_err(internal)?;
            let pool = PgPoolOptions::new()
                .max_connections(opts.max_connections.max(1))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(internal)?;
            Ok(Db::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let base = SqliteConnectOptions::from_str(url)
                .map_err(internal)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(if opts.sqlite_synchronous_full {
                    SqliteSynchronous::Full
                } else {
                    SqliteSynchronous::Normal
                })
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("temp_store", "memory");
            // Page caches are per connection: 8 MiB for the writer, 4 MiB per reader keeps
            // the whole process well under 100 MB with the default pool.
            // Connections are held in [`conns::Conns`], not sqlx's pool: an embedded
            // connection cannot go stale, and sqlx's pool pings each one on its way back,
            // a round trip to the connection's thread that costs as much as a query.
            let write = conns::Conns::open(&base.clone().pragma("cache_size", "-8000"), 1).await?;
            let read = conns::Conns::open(
                &base.read_only(true).pragma("cache_size", "-4000"),
                opts.max_connections,
            )
            .await?;
            let tickets = batch::TicketWriter::start(write.clone());
            Ok(Db::Sqlite(SqliteDb {
                read,
                write,
                tickets,
            }))
        } else {
            Err(Error::Internal(format!(
                "DATABASE_URL must start with sqlite: or postgres://, not {:?}",
                url.split(':').next().unwrap_or_default()
            )))
        }
    }

    /// Bring the schema up to date; safe to run on every start and from several instances.
    ///
    /// On PostgreSQL a schema already up to date is left alone without the migrator's DDL,
    /// so the server may connect as a role that cannot change the schema (nor update or
    /// delete audit entries) once the owner has migrated it (`sanbao migrate`).
    pub async fn migrate(&self) -> Result<(), Error> {
        match self {
            Db::Sqlite(s) => {
                let mut conn = s.write.acquire().await?;
                SQLITE_MIGRATIONS.run(&mut *conn).await.map_err(internal)
            }
            Db::Postgres(p) => {
                if postgres_up_to_date(p).await {
                    return Ok(());
                }
                POSTGRES_MIGRATIONS.run(p).await.map_err(|e| {
                    internal(format!(
                        "{e} (migrations run as the schema's owner: `sanbao migrate` with its URL)"
                    ))
                })
            }
        }
    }

    /// Start a transaction for one use case (on SQLite, on the one writer connection).
    pub async fn begin(&self) -> Result<Tx, Error> {
        match self {
            Db::Sqlite(s) => Ok(Tx::Sqlite(
                conns::SqliteTx::begin(s.write.acquire().await?).await?,
            )),
            Db::Postgres(p) => p
                .begin()
                .await
                .map(|conn| {
                    Tx::Postgres(PgTx {
                        conn,
                        pending_audit: Vec::new(),
                    })
                })
                .map_err(internal),
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// `/readyz`: the database answers.
    pub async fn ping(&self) -> Result<(), Error> {
        read!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()).map_err(internal))
    }

    /// Close the pools, letting running queries finish (graceful shutdown).
    pub async fn close(&self) {
        match self {
            Db::Sqlite(s) => {
                s.read.close().await;
                s.write.close().await;
            }
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// Every migration this build knows has been applied, successfully and as this build has
/// it, and no other. Anything else (no migrations table yet, a failed or unknown one) is
/// left to the migrator to do or to report.
async fn postgres_up_to_date(p: &PgPool) -> bool {
    let Ok(applied) = sqlx::query_as::<_, (i64, Vec<u8>, bool)>(
        "SELECT version, checksum, success FROM _sqlx_migrations",
    )
    .fetch_all(p)
    .await
    else {
        return false;
    };
    let known: Vec<_> = POSTGRES_MIGRATIONS
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .collect();
    applied.len() == known.len()
        && known.iter().all(|m| {
            applied.iter().any(|(version, checksum, success)| {
                *version == m.version && *success && checksum[..] == m.checksum[..]
            })
        })
}

/// Any database failure that is not the caller's fault: logged with its cause.
pub(crate) fn internal<E: std::fmt::Display>(e: E) -> Error {
    tracing::error!(error = %e, "database error");
    Error::Internal(e.to_string())
}

/// Turn constraint violations into the domain's errors, in one place (field names are the
/// API's); everything else is internal.
pub(crate) fn db_err(e: sqlx::Error) -> Error {
    use sanbao_domain::Problem;
    if let sqlx::Error::Database(d) = &e {
        let name = d.constraint().unwrap_or_default().to_string();
        let msg = d.message().to_string();
        let mentions = |s: &str| name.contains(s) || msg.contains(s);
        if d.is_unique_violation() && mentions("username") {
            return Error::field(
                "username",
                Problem::new("taken", "this user name is already in use"),
            );
        }
        // --- field service (issue 8) ---
        if d.is_unique_violation()
            && (mentions("jobs_one_open_per_ticket") || mentions("jobs.ticket_id"))
        {
            return Error::Conflict("the ticket already has a job".into());
        }
        // --- end field service ---
        // ---- field form ----
        if d.is_unique_violation() && mentions("feedback_forms") {
            return Error::Conflict("the trip already has a draft form".into());
        }
        // ---- end field form ----
        if d.is_foreign_key_violation() {
            // SQLite does not say which key; PostgreSQL names the constraint.
            for (key, field) in [
                ("salesperson", "salesperson_id"),
                ("assignee", "assignee_id"),
                ("technician", "technician_id"),
                ("customer", "customer_id"),
                ("host", "host_id"),
            ] {
                if name.contains(key) {
                    return Error::field(field, Problem::new("not_found", "no such record"));
                }
            }
            return Error::Validation(sanbao_domain::FieldErrors::single(
                "id",
                Problem::new("not_found", "refers to a record that does not exist"),
            ));
        }
    }
    internal(e)
}

pub(crate) fn ms(at: chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp_millis()
}

pub(crate) fn at(ms: i64) -> chrono::DateTime<chrono::Utc> {
    sanbao_domain::time::from_millis(ms)
}

/// A stored enum value the domain no longer knows: the database was written by something
/// else. Internal, never the caller's fault.
pub(crate) fn corrupt(what: &str, value: &str) -> Error {
    internal(format!("stored {what} {value:?} is not known"))
}

/// An `UPDATE … WHERE id = … AND version = $n` that changed no row: someone else wrote the
/// record since `version` was read. Every versioned update goes through this check.
pub(crate) fn changed_one(rows: u64, what: &str, version: i64) -> Result<(), Error> {
    if rows == 0 {
        return Err(Error::Conflict(format!(
            "{what} was changed by someone else since version {version}"
        )));
    }
    Ok(())
}

/// A stored name read back through the domain's `parse`.
pub(crate) fn parse<T>(what: &str, s: &str, f: impl Fn(&str) -> Option<T>) -> Result<T, Error> {
    f(s).ok_or_else(|| corrupt(what, s))
}
