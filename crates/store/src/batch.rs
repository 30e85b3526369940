//! Group commit of new tickets on SQLite.
//!
//! SQLite has one writer at a time, so the tickets recorded at the same moment queue for it.
//! Instead of one transaction each (BEGIN, a read of the customer's region, three INSERTs,
//! COMMIT — and under `synchronous=FULL` one fsync each), one task takes every ticket
//! waiting and writes them in one transaction: one read of the customers' first sites (and
//! of any unit or site a ticket names), then
//! each ticket decided by the use case's rule, then one multi-row INSERT per table through
//! the same [`Tx::insert_tickets`] a ticket alone uses. Each caller is answered after the
//! COMMIT, so an acknowledged ticket is as durable as before. A ticket refused by its rule
//! (or naming no customer) fails alone; if the batch's INSERT fails, each of its tickets is
//! written again in a transaction of its own, so one bad ticket only fails itself.

use crate::conns::{Conns, SqliteTx};
use crate::tickets::{DecideTicket, PlaceOf};
use crate::{Tx, internal};
use sanbao_domain::Error;
use sanbao_domain::ticket::{NewTicket, Ticket};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// At most this many tickets in one transaction.
const MAX_BATCH: usize = 64;

type Answer = oneshot::Sender<Result<Ticket, Error>>;

struct Job {
    place: PlaceOf,
    decide: DecideTicket,
    done: Answer,
}

/// The queue to the task that writes new tickets.
#[derive(Clone, Debug)]
pub(crate) struct TicketWriter {
    queue: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

impl TicketWriter {
    pub(crate) fn start(pool: Arc<Conns>) -> TicketWriter {
        let (queue, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(pool, rx));
        TicketWriter { queue }
    }

    /// Write one ticket; answers with it once it is committed.
    pub(crate) async fn create(
        &self,
        place: PlaceOf,
        decide: DecideTicket,
    ) -> Result<Ticket, Error> {
        let (done, answer) = oneshot::channel();
        self.queue
            .send(Job {
                place,
                decide,
                done,
            })
            .await
            .map_err(|_| Error::Internal("the ticket writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| Error::Internal("the ticket writer dropped a ticket".into()))?
    }
}

async fn run(pool: Arc<Conns>, mut rx: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let jobs = std::mem::take(&mut batch);
        if let Err((e, decided)) = write_batch(&pool, jobs).await {
            tracing::warn!(error = %e, size = decided.len(), "ticket batch failed; writing one by one");
            for (new, done) in decided {
                let r = write_one(&pool, &new).await;
                let _ = done.send(r);
            }
        }
    }
}

/// Decide and write the batch in one transaction. Tickets refused by their rule are
/// answered at once; if writing fails, the decided tickets come back to be written one
/// by one.
async fn write_batch(
    pool: &Arc<Conns>,
    jobs: Vec<Job>,
) -> Result<(), (Error, Vec<(NewTicket, Answer)>)> {
    let mut tx = match begin(pool).await {
        Ok(tx) => tx,
        Err(e) => {
            for job in jobs {
                let _ = job.done.send(Err(e.clone()));
            }
            return Ok(());
        }
    };
    let of: Vec<PlaceOf> = jobs.iter().map(|j| j.place).collect();
    let places = match tx.places(&of).await {
        Ok(r) => r,
        Err(e) => {
            for job in jobs {
                let _ = job.done.send(Err(e.clone()));
            }
            return Ok(());
        }
    };
    let policy = match tx.current_policy().await {
        Ok(p) => p,
        Err(e) => {
            for job in jobs {
                let _ = job.done.send(Err(e.clone()));
            }
            return Ok(());
        }
    };
    let mut decided: Vec<(NewTicket, Answer)> = Vec::with_capacity(jobs.len());
    for (job, place) in jobs.into_iter().zip(places) {
        let new = place.and_then(|place| (job.decide)(&place, &policy));
        match new {
            Ok(new) => decided.push((new, job.done)),
            Err(e) => {
                let _ = job.done.send(Err(e));
            }
        }
    }
    if decided.is_empty() {
        return Ok(());
    }
    let tickets: Vec<&NewTicket> = decided.iter().map(|(n, _)| n).collect();
    let written = match tx.insert_tickets(&tickets).await {
        Ok(w) => w,
        Err(e) => {
            drop(tx);
            return Err((e, decided));
        }
    };
    if let Err(e) = tx.commit().await {
        return Err((e, decided));
    }
    for ((_, done), t) in decided.into_iter().zip(written) {
        let _ = done.send(Ok(t));
    }
    Ok(())
}

async fn begin(pool: &Arc<Conns>) -> Result<Tx, Error> {
    Ok(Tx::Sqlite(SqliteTx::begin(pool.acquire().await?).await?))
}

/// One decided ticket in a transaction of its own.
async fn write_one(pool: &Arc<Conns>, new: &NewTicket) -> Result<Ticket, Error> {
    let mut tx = begin(pool).await?;
    let mut written = tx.insert_tickets(&[new]).await?;
    tx.commit().await?;
    written.pop().ok_or_else(|| internal("no ticket written"))
}
