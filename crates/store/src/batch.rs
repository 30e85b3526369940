//! Group commit of new tickets on SQLite.
//!
//! SQLite has one writer at a time, so the tickets recorded at the same moment queue for it.
//! Instead of one transaction each (BEGIN, three INSERTs, COMMIT — and under
//! `synchronous=FULL` one fsync each), one task takes every ticket waiting and writes them
//! in one transaction with one multi-row INSERT per table. Each caller is answered after
//! the COMMIT, so an acknowledged ticket is as durable as before. If the batch fails, each
//! of its tickets is written again in a batch of its own, so one bad ticket only fails
//! itself.

use crate::audit::json_text;
use crate::{db_err, internal, ms};
use sanbao_domain::Error;
use sanbao_domain::TicketId;
use sanbao_domain::ticket::{NewTicket, TicketStatus};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use tokio::sync::{mpsc, oneshot};

/// At most this many tickets in one transaction.
const MAX_BATCH: usize = 64;

struct Job {
    ticket: NewTicket,
    done: oneshot::Sender<Result<i64, Error>>,
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
    pub(crate) fn start(pool: SqlitePool) -> TicketWriter {
        let (queue, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(pool, rx));
        TicketWriter { queue }
    }

    /// Write one ticket; answers with its id once it is committed.
    pub(crate) async fn create(&self, ticket: NewTicket) -> Result<i64, Error> {
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

async fn run(pool: SqlitePool, mut rx: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let jobs = std::mem::take(&mut batch);
        let tickets: Vec<&NewTicket> = jobs.iter().map(|j| &j.ticket).collect();
        match write_batch(&pool, &tickets).await {
            Ok(first_id) => {
                for (i, job) in jobs.into_iter().enumerate() {
                    let _ = job.done.send(Ok(first_id + i64::try_from(i).unwrap_or(0)));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, size = jobs.len(), "ticket batch failed; writing one by one");
                for job in jobs {
                    let r = write_batch(&pool, &[&job.ticket]).await;
                    let _ = job.done.send(r);
                }
            }
        }
    }
}

/// Write the batch in one transaction; returns the id of its first ticket (the others
/// follow in order: ids are given here, on the only writer connection, inside the
/// transaction that holds SQLite's write lock).
async fn write_batch(pool: &SqlitePool, tickets: &[&NewTicket]) -> Result<i64, Error> {
    let mut conn = pool.acquire().await.map_err(internal)?;
    // IMMEDIATE takes the write lock now, so the ids read next stay ours.
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *conn)
        .await
        .map_err(internal)?;
    let result = async {
        let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM tickets")
            .fetch_one(&mut *conn)
            .await
            .map_err(internal)?;
        let first = last + 1;
        let ids = (first..).take(tickets.len());

        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO tickets (id, kind, channel, customer_id, unit_text, summary, status, \
             received_at, site_region, next_due_at, created_by, created_at, updated_at) ",
        );
        q.push_values(ids.clone().zip(tickets), |mut b, (id, t)| {
            b.push_bind(id)
                .push_bind(t.kind.as_str())
                .push_bind(t.channel.as_str())
                .push_bind(t.customer_id.0)
                .push_bind(t.unit_text.clone())
                .push_bind(t.summary.clone())
                .push_bind(TicketStatus::Open.as_str())
                .push_bind(ms(t.received_at))
                .push_bind(t.site_region.as_str())
                .push_bind(t.deadlines.iter().map(|d| ms(d.due_at)).min())
                .push_bind(t.created_by.0)
                .push_bind(ms(t.created_at))
                .push_bind(ms(t.created_at));
        });
        q.build().execute(&mut *conn).await.map_err(db_err)?;

        let deadlines: Vec<(i64, &sanbao_domain::ticket::Deadline)> = ids
            .clone()
            .zip(tickets)
            .flat_map(|(id, t)| t.deadlines.iter().map(move |d| (id, d)))
            .collect();
        if !deadlines.is_empty() {
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("INSERT INTO ticket_deadlines (ticket_id, kind, due_at) ");
            q.push_values(deadlines, |mut b, (id, d)| {
                b.push_bind(id)
                    .push_bind(d.kind.as_str())
                    .push_bind(ms(d.due_at));
            });
            q.build().execute(&mut *conn).await.map_err(db_err)?;
        }

        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO audit_log (entity, entity_id, action, actor_id, at, note, before, after) ",
        );
        q.push_values(ids.zip(tickets), |mut b, (id, t)| {
            let view = (*t).clone().into_ticket(TicketId(id)).audit_view();
            b.push_bind("ticket")
                .push_bind(id)
                .push_bind("create")
                .push_bind(t.created_by.0)
                .push_bind(ms(t.created_at))
                .push_bind(None::<String>)
                .push_bind(None::<String>)
                .push_bind(json_text(&view));
        });
        q.build().execute(&mut *conn).await.map_err(db_err)?;
        Ok(first)
    }
    .await;
    let committed = match result {
        Ok(first) => sqlx::query("COMMIT")
            .execute(&mut *conn)
            .await
            .map(|_| first)
            .map_err(internal),
        Err(e) => Err(e),
    };
    if committed.is_err() {
        // Leave the connection clean for the one-by-one retry and for other writers.
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
    }
    committed
}
