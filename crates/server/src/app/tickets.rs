//! Tickets: recording a contact, each workflow step, the lists and the service desk.

use super::idempotency::{self, Answer, Once};
use super::require;
use super::state::AppState;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::{AuditEntry, NewAuditEntry};
use sanbao_domain::quality::SourceKind;
use sanbao_domain::replies::Answers;
use sanbao_domain::ticket::{
    Dashboard, EventInput, NewTicket, Ticket, TicketEvent, TicketFilter, TicketInput, TicketStatus,
    TicketSummary, may_go_on_site, may_own_kind,
};
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission, Problem, TicketId, UserId};
use sanbao_store::{DecideTicket, PlaceOf};

/// Record an incoming contact (R1.4); its deadlines come from its kind and the site's region.
/// A complaint, a consultation or a letter gets its owner at once (see [`intake_owner`]).
pub async fn open_ticket(
    state: &AppState,
    actor: &User,
    input: TicketInput,
    now: DateTime<Utc>,
) -> Result<Ticket, Error> {
    open_owned_ticket(state, actor, input, None, now).await
}

// --- replies (issue 7, part 4): the owner at intake ---

/// The owner of a new ticket: the one the desk chose (who must be able to own that kind),
/// otherwise for complaints, consultations and letters the one proposed by load
/// ([`super::replies::proposed_owner`]); a complaint for which nobody fits (no active
/// service manager) goes to the person recording it if they may own it, so that no
/// complaint is ever unowned (R3.10).
pub async fn intake_owner(
    state: &AppState,
    actor: &User,
    kind: sanbao_domain::ticket::TicketKind,
    chosen: Option<UserId>,
) -> Result<Option<UserId>, Error> {
    if let Some(who) = chosen {
        check_person(state, who, "assignee_id", |r| may_own_kind(r, kind)).await?;
        return Ok(Some(who));
    }
    if sanbao_domain::replies::intake_owner_role(kind).is_none() {
        return Ok(None);
    }
    match super::replies::proposed_owner(state, actor, kind).await? {
        Some(who) => Ok(Some(who)),
        // No service manager at all: the complaint is not left unowned (R3.10).
        None if kind.is_complaint() => Ok(may_own_kind(actor.role, kind).then_some(actor.id)),
        None => Ok(None),
    }
}

/// [`open_ticket`] with the owner the desk chose, if any.
pub async fn open_owned_ticket(
    state: &AppState,
    actor: &User,
    input: TicketInput,
    owner: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<Ticket, Error> {
    open_ticket_once(state, actor, input, owner, None, now)
        .await
        .map(|a| a.value)
}

// --- idempotency keys ---
/// The scopes of the requests a ticket's idempotency key may be claimed for.
pub const SCOPE_OPEN: &str = "tickets.open";
pub const SCOPE_EVENT: &str = "tickets.event";
// --- end idempotency keys ---

/// [`open_owned_ticket`], once per idempotency key when `once` is given: a request sent
/// again with the key answers the ticket the first one opened (as it is now), marked
/// replayed, and opens nothing.
pub async fn open_ticket_once(
    state: &AppState,
    actor: &User,
    input: TicketInput,
    owner: Option<UserId>,
    once: Option<&Once>,
    now: DateTime<Utc>,
) -> Result<Answer<Ticket>, Error> {
    require(actor, Permission::OpenTickets)?;
    let owner = intake_owner(state, actor, input.kind, owner).await?;
    // --- end replies ---
    let place = PlaceOf {
        customer: input.customer_id,
        unit: input.unit_id,
        site: input.site_id,
    };
    let by = actor.id;
    let input_kind = input.kind;
    // The site (the unit's, the named one, or the customer's first) is read in the
    // transaction that writes the ticket, and the domain computes the deadlines and the
    // unit's coverage from it there.
    let decide: DecideTicket = Box::new(move |place, policy| {
        NewTicket::parse(input, place, policy, by, now).map(|mut t| {
            t.assignee_id = owner;
            t
        })
    });
    // A complaint about quality is flagged for the review at intake, and its quality item
    // is written with it: such a ticket, like one sent with a key, takes a transaction of
    // its own rather than the batched writer (whose transaction other requests share).
    let flagged = Answers::flagged_at_intake(input_kind);
    if once.is_none() && !flagged {
        let ticket = state.db.create_ticket(place, decide).await?;
        state.desk.changed();
        return Ok(Answer::new(ticket));
    }
    // The key, the ticket, its quality item and the key's result in one transaction.
    let mut tx = state.db.begin().await?;
    if let Some(once) = once
        && let Some(done) = idempotency::replayed(&mut tx, actor.id, once, SCOPE_OPEN, now).await?
    {
        let id = TicketId(idempotency::result_id(&done)?);
        let ticket = tx.ticket(id).await?.ok_or(Error::NotFound("ticket"))?;
        tx.rollback().await?;
        return Ok(Answer::replay(ticket));
    }
    let ticket = tx.create_ticket(place, decide).await?;
    if ticket.answers.quality_review.is_some() {
        super::quality::capture(&mut tx, SourceKind::Complaint, ticket.id.0, by, now).await?;
    }
    if let Some(once) = once {
        idempotency::complete(&mut tx, actor.id, once, &ticket.id.0.to_string()).await?;
    }
    tx.commit().await?;
    tracing::info!(ticket_id = ticket.id.0, "ticket opened");
    state.desk.changed();
    Ok(Answer::new(ticket))
}

pub async fn ticket(state: &AppState, actor: &User, id: TicketId) -> Result<Ticket, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.ticket(id).await?.ok_or(Error::NotFound("ticket"))
}

/// One step of the workflow. `version` is the one the actor saw: a stale one is refused.
/// The ticket is read, changed and written with its audit record in one transaction.
pub async fn record_event(
    state: &AppState,
    actor: &User,
    id: TicketId,
    version: i64,
    input: &EventInput,
    now: DateTime<Utc>,
) -> Result<Ticket, Error> {
    record_event_once(state, actor, id, version, input, None, now)
        .await
        .map(|a| a.value)
}

/// [`record_event`], once per idempotency key when `once` is given: a request sent again
/// with the key answers the ticket as it is now, marked replayed, and changes nothing (no
/// 409 for the version the first request moved on).
pub async fn record_event_once(
    state: &AppState,
    actor: &User,
    id: TicketId,
    version: i64,
    input: &EventInput,
    once: Option<&Once>,
    now: DateTime<Utc>,
) -> Result<Answer<Ticket>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let event = TicketEvent::parse(input, now)?;
    let mut tx = state.db.begin().await?;
    if let Some(once) = once
        && let Some(done) = idempotency::replayed(&mut tx, actor.id, once, SCOPE_EVENT, now).await?
    {
        let id = TicketId(idempotency::result_id(&done)?);
        let ticket = tx.ticket(id).await?.ok_or(Error::NotFound("ticket"))?;
        tx.rollback().await?;
        return Ok(Answer::replay(ticket));
    }
    let before = tx.ticket(id).await?.ok_or(Error::NotFound("ticket"))?;
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
            .await?;
        }
        TicketEvent::Dispatch { technician } => {
            check_person(state, *technician, "technician_id", may_go_on_site).await?;
        }
        TicketEvent::CheckIn { .. } => {
            let dispatched_at = tx.last_audited_at("ticket", id.0, "dispatch").await?;
            before.check_arrival_report(&event, actor.id, actor.role, dispatched_at, now)?;
        }
        _ => {}
    }
    // Steps that recompute deadlines do it under the policy in force, read here.
    let policy = tx.current_policy().await?;
    let after = match &event {
        // Naming the unit needs its site and dates, read in this transaction.
        TicketEvent::LinkUnit { unit } => {
            let place = tx
                .ticket_place(before.customer_id, Some(*unit), None)
                .await?;
            before.link_unit(&place, actor.role, now, &policy)?
        }
        // --- replies (issue 7): steps that depend on who takes them ---
        e if e.needs_actor() => before.answer(e, actor.id, actor.role, now, &policy)?,
        // --- end replies ---
        _ => before.apply(&event, actor.role, now, &policy)?,
    };
    tx.update_ticket(&before, &after).await?;
    // ---- similar cases: a resolved ticket becomes a case ----
    if after.status == TicketStatus::Resolved && before.status != TicketStatus::Resolved {
        super::similar::index_case(&mut tx, id).await?;
    }
    // ---- end similar cases ----
    if let Some(entry) = NewAuditEntry::changed(
        "ticket",
        id.0,
        event.event_type().as_str(),
        actor.id,
        now,
        event.text().map(str::to_string),
        &before.audit_view(),
        &after.audit_view(),
    ) {
        tx.audit(&entry).await?;
    }
    // ---- quality ----
    // A complaint flagged for the quality review becomes a quality item (R7.1).
    if after.answers.quality_review.is_some() && before.answers.quality_review.is_none() {
        super::quality::capture(&mut tx, SourceKind::Complaint, id.0, actor.id, now).await?;
    }
    // ---- end quality ----
    if let Some(once) = once {
        idempotency::complete(&mut tx, actor.id, once, &id.0.to_string()).await?;
    }
    tx.commit().await?;
    tracing::info!(
        ticket_id = id.0,
        event = event.event_type().as_str(),
        "ticket event recorded"
    );
    state.desk.changed();
    Ok(Answer::new(after))
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
) -> Result<Vec<TicketSummary>, Error> {
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
/// looking at it meanwhile (see [`super::desk`]).
pub async fn dashboard(
    state: &AppState,
    actor: &User,
    person: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<Dashboard, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    if person.is_some() {
        return state.db.dashboard(now, person, DESK_ROWS).await;
    }
    state
        .desk
        .get_or_compute(state.db.dashboard(now, None, DESK_ROWS))
        .await
}

/// Rows in each list of the service desk.
const DESK_ROWS: i64 = 50;
