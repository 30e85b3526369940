//! Similar past cases (issue 11, part 5): a finished repair, emergency or complaint is
//! indexed in the transaction that finishes it; a ticket or job page asks for the cases
//! closest to its own fault. The domain cuts the words and orders the cases; the store
//! fetches candidates by its full-text index.

use super::field;
use super::require;
use super::state::AppState;
use sanbao_domain::similar::{self, CANDIDATES, Query, SHOWN, Similar};
use sanbao_domain::user::User;
use sanbao_domain::{Error, JobId, Permission, TicketId};
use sanbao_store::Tx;

/// Write the ticket's case into the index as it stands in `tx` (a ticket of another kind
/// is left out). Called by the use cases that finish a case: a form accepted, a ticket
/// resolved.
pub(crate) async fn index_case(tx: &mut Tx, ticket: TicketId) -> Result<(), Error> {
    let Some(case) = tx.case_source(ticket).await? else {
        return Ok(());
    };
    if similar::is_case_kind(case.kind) {
        let terms = case.terms();
        tx.put_case(&case, &terms).await?;
    }
    Ok(())
}

/// The cases closest to a ticket's fault, best first. Every staff member who may read
/// the ticket may read the cases: they are tickets too, shown as their summaries.
pub async fn for_ticket(
    state: &AppState,
    actor: &User,
    id: TicketId,
) -> Result<Vec<Similar>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let ticket = state
        .db
        .ticket(id)
        .await?
        .ok_or(Error::NotFound("ticket"))?;
    let text = [
        ticket.summary.as_str(),
        ticket.unit_text.as_deref().unwrap_or(""),
    ]
    .join("\n");
    find(state, id, text).await
}

/// The cases closest to a job's fault (the job's own rules decide who sees it).
pub async fn for_job(state: &AppState, actor: &User, id: JobId) -> Result<Vec<Similar>, Error> {
    let job = field::job(state, actor, id).await?;
    let ticket = state.db.ticket(job.ticket_id).await?;
    let summary = ticket.map(|t| t.summary).unwrap_or_default();
    find(
        state,
        job.ticket_id,
        [summary.as_str(), &job.problem].join("\n"),
    )
    .await
}

async fn find(state: &AppState, id: TicketId, text: String) -> Result<Vec<Similar>, Error> {
    let query = Query {
        ticket_id: Some(id),
        model_code: state.db.ticket_model_code(id).await?,
        text,
    };
    let candidates = state
        .db
        .similar_candidates(&query.terms(), query.model_code.as_deref(), CANDIDATES)
        .await?;
    Ok(similar::rank(&query, candidates, SHOWN))
}

/// `sanbao reindex-cases`: every finished case written into the index again, a hundred
/// per transaction. Answers how many tickets were looked at.
pub async fn reindex(state: &AppState) -> Result<usize, Error> {
    let ids = state.db.finished_case_tickets().await?;
    for chunk in ids.chunks(100) {
        let mut tx = state.db.begin().await?;
        for id in chunk {
            index_case(&mut tx, *id).await?;
        }
        tx.commit().await?;
    }
    Ok(ids.len())
}
