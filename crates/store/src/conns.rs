//! SQLite connections handed out without sqlx's pool.
//!
//! sqlx 0.8 pings a connection each time it goes back to its pool. For SQLite a ping is one
//! more round trip to the connection's own thread — two more thread switches for every
//! query, on a 2-core machine the largest single cost of a read (seen with `perf`: most of
//! the time went to waking threads). An embedded connection cannot go stale, so here a
//! connection simply waits in a list between uses; a semaphore makes callers queue when all
//! are busy.

use crate::internal;
use sanbao_domain::Error;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteTransactionManager};
use sqlx::{ConnectOptions, Connection, TransactionManager};
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a caller waits for a connection before giving up.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub(crate) struct Conns {
    idle: Mutex<Vec<SqliteConnection>>,
    permits: Arc<Semaphore>,
    size: u32,
}

impl Conns {
    /// Open `size` connections with `options`.
    pub(crate) async fn open(
        options: &SqliteConnectOptions,
        size: u32,
    ) -> Result<Arc<Conns>, Error> {
        let size = size.max(1);
        let mut idle = Vec::with_capacity(size as usize);
        for _ in 0..size {
            idle.push(options.connect().await.map_err(internal)?);
        }
        Ok(Arc::new(Conns {
            idle: Mutex::new(idle),
            permits: Arc::new(Semaphore::new(size as usize)),
            size,
        }))
    }

    /// A connection of one's own until the guard is dropped.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Result<Conn, Error> {
        let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| Error::Internal("timed out waiting for a database connection".into()))?
            .map_err(|_| Error::Internal("the database is closed".into()))?;
        let conn = self
            .idle
            .lock()
            .map_err(|_| Error::Internal("connection list poisoned".into()))?
            .pop()
            .ok_or_else(|| Error::Internal("no idle connection under a permit".into()))?;
        Ok(Conn {
            conn: Some(conn),
            owner: Arc::clone(self),
            _permit: permit,
        })
    }

    /// Wait for every connection to come back, then close them all.
    pub(crate) async fn close(&self) {
        let Ok(all) = self.permits.acquire_many(self.size).await else {
            return;
        };
        let conns: Vec<SqliteConnection> = self
            .idle
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default();
        for c in conns {
            let _ = c.close().await;
        }
        all.forget();
        self.permits.close();
    }
}

/// A borrowed connection; back in the list when dropped.
#[derive(Debug)]
pub(crate) struct Conn {
    conn: Option<SqliteConnection>,
    owner: Arc<Conns>,
    _permit: OwnedSemaphorePermit,
}

impl Deref for Conn {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        // Present from acquire until drop.
        self.conn.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.conn.as_mut().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let (Some(c), Ok(mut idle)) = (self.conn.take(), self.owner.idle.lock()) {
            idle.push(c);
        }
        // The permit is released after this, when the field drops.
    }
}

/// A transaction on a connection of one's own: rolled back if dropped before
/// [`SqliteTx::commit`] (the rollback is queued on the connection's thread before anyone
/// else can use it).
#[derive(Debug)]
pub struct SqliteTx {
    conn: Conn,
    open: bool,
}

impl SqliteTx {
    pub(crate) async fn begin(conn: Conn) -> Result<SqliteTx, Error> {
        // The guard exists before BEGIN is sent: if this future is dropped half-way (a
        // client gone), the rollback queued by the guard runs after the BEGIN on the
        // connection's thread, so the connection never goes back inside a transaction.
        let mut tx = SqliteTx { conn, open: true };
        SqliteTransactionManager::begin(&mut tx.conn, None)
            .await
            .map_err(internal)?;
        Ok(tx)
    }

    pub(crate) async fn commit(mut self) -> Result<(), Error> {
        SqliteTransactionManager::commit(&mut self.conn)
            .await
            .map_err(internal)?;
        self.open = false;
        Ok(())
    }

    pub(crate) async fn rollback(mut self) -> Result<(), Error> {
        SqliteTransactionManager::rollback(&mut self.conn)
            .await
            .map_err(internal)?;
        self.open = false;
        Ok(())
    }
}

impl Deref for SqliteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.conn
    }
}

impl DerefMut for SqliteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        if self.open {
            SqliteTransactionManager::start_rollback(&mut self.conn);
        }
    }
}
