//! Group commit of new tickets on SQLite.
//!
//! SQLite has one writer at a time, so the tickets recorded at the same moment queue for it.
//! Instead of one transaction each (BEGIN, three INSERTs, COMMIT — and under
//! `synchronous=FULL` one fsync each), one task takes every ticket waiting and writes them
//! in one transaction through the same [`Tx::insert_tickets`] a ticket alone uses: one
//! multi-row INSERT per table. Each caller is answered after the COMMIT, so an acknowledged
//! ticket is as durable as before. If the batch fails, each of its tickets is written again
//! in a batch of its own, so one bad ticket only fails itself.

use crate::conns::{Conns, SqliteTx};
use crate::{Tx, internal};
use sanbao_domain::Error;
use sanbao_domain::ticket::{NewTicket, Ticket};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// At most this many tickets in one transaction.
const MAX_BATCH: usize = 64;

struct Job {
    ticket: NewTicket,
    done: oneshot::Sender<Result<Ticket, Error>>,
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
    pub(crate) async fn create(&self, ticket: NewTicket) -> Result<Ticket, Error> {
        let (done, answer) = oneshot::channel();
        self.queue
            .send(Job { ticket, done })
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
        let tickets: Vec<&NewTicket> = jobs.iter().map(|j| &j.ticket).collect();
        match write_batch(&pool, &tickets).await {
            Ok(written) => {
                for (job, t) in jobs.into_iter().zip(written) {
                    let _ = job.done.send(Ok(t));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, size = jobs.len(), "ticket batch failed; writing one by one");
                for job in jobs {
                    let r = write_batch(&pool, &[&job.ticket])
                        .await
                        .and_then(|mut w| w.pop().ok_or_else(|| internal("no ticket written")));
                    let _ = job.done.send(r);
                }
            }
        }
    }
}

/// Write the batch in one transaction (rolled back if any part fails).
async fn write_batch(pool: &Arc<Conns>, tickets: &[&NewTicket]) -> Result<Vec<Ticket>, Error> {
    let mut tx = Tx::Sqlite(SqliteTx::begin(pool.acquire().await?).await?);
    let written = tx.insert_tickets(tickets).await?;
    tx.commit().await?;
    Ok(written)
}
