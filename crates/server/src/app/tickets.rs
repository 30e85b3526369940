//! Tickets: recording a contact, each workflow step, the lists and the service desk.

use super::require;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use sanbao_domain::ticket::{
    DUE_SOON, EventInput, NewTicket, Ticket, TicketEvent, TicketInput, may_go_on_site, may_own,
};
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission, Problem, TicketId, UserId};
use sanbao_store::{AuditEntry, Dashboard, TicketFilter, TicketRow};

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
    state.db.create_ticket(&new).await
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
            check_person(state, *assignee, "assignee_id", may_own).await?
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
    Ok(after)
}

async fn check_person(
    state: &AppState,
    id: UserId,
    field: &str,
    allowed: fn(sanbao_domain::Role) -> bool,
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
pub async fn dashboard(
    state: &AppState,
    actor: &User,
    person: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<Dashboard, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.dashboard(now, DUE_SOON, person, 50).await
}
