//! Tickets: recording a contact, each workflow step, the lists and the service desk.

use super::require;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use sanbao_domain::ticket::{
    DUE_SOON, EventInput, NewTicket, Ticket, TicketEvent, TicketInput, may_go_on_site, may_own_kind,
};
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission, Problem, TicketId, UserId};
use sanbao_store::{AuditEntry, Dashboard, TicketFilter, TicketRow};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Record an incoming contact (R1.4); its deadlines come from its kind and the site's region.
pub async fn open_ticket(
    state: &AppState,
    actor: &User,
    input: TicketInput,
    now: DateTime<Utc>,
) -> Result<Ticket, Error> {
    require(actor, Permission::OpenTickets)?;
    let region = state
        .db
        .customer_region(input.customer_id)
        .await?
        .ok_or_else(|| {
            Error::field("customer_id", Problem::new("not_found", "no such customer"))
        })?;
    let new = NewTicket::parse(input, region, actor.id, now)?;
    let ticket = state.db.create_ticket(&new).await?;
    state.desk.changed();
    Ok(ticket)
}

pub async fn ticket(state: &AppState, actor: &User, id: TicketId) -> Result<Ticket, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.ticket(id).await?.ok_or(Error::NotFound("ticket"))
}

/// One step of the workflow. `version` is the one the actor saw: a stale one is refused.
pub async fn record_event(
    state: &AppState,
    actor: &User,
    id: TicketId,
    version: i64,
    input: &EventInput,
    now: DateTime<Utc>,
) -> Result<Ticket, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let event = TicketEvent::parse(input, now)?;
    let before = state
        .db
        .ticket(id)
        .await?
        .ok_or(Error::NotFound("ticket"))?;
    if before.version != version {
        return Err(Error::Conflict(format!(
            "ticket {} is at version {}, not {version}: reload and try again",
            before.number(),
            before.version
        )));
    }
    match &event {
        TicketEvent::Assign { assignee } => {
            check_person(state, *assignee, "assignee_id", |r| {
                may_own_kind(r, before.kind)
            })
            .await?
        }
        TicketEvent::Dispatch { technician } => {
            check_person(state, *technician, "technician_id", may_go_on_site).await?;
        }
        _ => {}
    }
    let after = before.apply(&event, actor.role, now)?;
    state
        .db
        .save_ticket_event(
            &before,
            &after,
            event.event_type(),
            event.text(),
            actor.id,
            now,
        )
        .await?;
    state.desk.changed();
    Ok(after)
}

async fn check_person(
    state: &AppState,
    id: UserId,
    field: &str,
    allowed: impl Fn(sanbao_domain::Role) -> bool,
) -> Result<(), Error> {
    match state.db.user(id).await? {
        Some(u) if u.active && allowed(u.role) => Ok(()),
        Some(_) => Err(Error::field(
            field,
            Problem::invalid("this person cannot take this work"),
        )),
        None => Err(Error::field(
            field,
            Problem::new("not_found", "no such user"),
        )),
    }
}

pub async fn tickets(
    state: &AppState,
    actor: &User,
    filter: &TicketFilter,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Vec<TicketRow>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.tickets(filter, limit, cursor).await
}

/// The ticket's recorded history, oldest first (R1.4).
pub async fn timeline(
    state: &AppState,
    actor: &User,
    id: TicketId,
) -> Result<Vec<AuditEntry>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.audit_trail("ticket", id.0).await
}

/// The service desk (R6.1); `person` narrows it to one person's work.
///
/// The whole department's desk is computed at most once a second and shared by everyone
/// looking at it meanwhile; a ticket written through this instance makes the next look
/// compute it afresh, and other instances' writes show within the second.
pub async fn dashboard(
    state: &AppState,
    actor: &User,
    person: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<Dashboard, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    if person.is_some() {
        return state.db.dashboard(now, DUE_SOON, person, DESK_ROWS).await;
    }
    let generation = state.desk.generation.load(Ordering::Acquire);
    let mut cached = state.desk.last.lock().await;
    if let Some(c) = cached.as_ref()
        && c.generation == generation
        && c.at.elapsed() < DESK_MAX_AGE
    {
        return Ok(c.desk.clone());
    }
    let desk = state.db.dashboard(now, DUE_SOON, None, DESK_ROWS).await?;
    *cached = Some(CachedDesk {
        at: Instant::now(),
        generation,
        desk: desk.clone(),
    });
    Ok(desk)
}

/// Rows in each list of the service desk.
const DESK_ROWS: i64 = 50;
/// How long one computation of the department's desk is shared.
const DESK_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(1);

/// The last computed desk, and a counter of ticket writes that outdates it.
#[derive(Default)]
pub struct DeskCache {
    generation: AtomicU64,
    last: tokio::sync::Mutex<Option<CachedDesk>>,
}

impl DeskCache {
    /// A ticket or customer changed: the next look at the desk recomputes it.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::Release);
    }
}

struct CachedDesk {
    at: Instant,
    generation: u64,
    desk: Dashboard,
}
