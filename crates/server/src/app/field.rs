//! Field service (R4.1–R4.6): open a job on a ticket, send a crew, set off, arrive, take an
//! arrival back, ask for a follow-up trip, cancel. Each step is one transaction with its
//! audit entries; the first trip's steps move the ticket too (its arrival deadline, R3.4),
//! and the crew hears of a dispatch through the inbox and the outbox.

use super::idempotency::{Answer, Once, complete, replayed, result_id};
use super::notify::{Notice, notify};
use super::require;
use crate::app::AppState;
use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::field::{
    Candidate, DispatchInput, Job, JobFilter, JobInput, JobTicket, NewJob, Position, may_see,
};
use sanbao_domain::ticket::Ticket;
use sanbao_domain::user::User;
use sanbao_domain::{CustomerId, Error, JobId, Permission, TicketId, UserId};
use sanbao_store::Tx;
use std::collections::HashMap;

/// Open the on-site job of a ticket (R4.3). A ticket has one job at a time: another is
/// opened only once the last was cancelled (the store's one-open-job rule answers 409).
pub async fn open_job(
    state: &AppState,
    actor: &User,
    ticket_id: TicketId,
    input: &JobInput,
    now: DateTime<Utc>,
) -> Result<Job, Error> {
    require(actor, Permission::DispatchTechnicians)?;
    let mut tx = state.db.begin().await?;
    let ticket = tx
        .ticket(ticket_id)
        .await?
        .ok_or(Error::NotFound("ticket"))?;
    let job = open_job_in(&mut tx, actor, &ticket, input, now).await?;
    tx.commit().await?;
    tracing::info!(job_id = job.id.0, ticket_id = ticket_id.0, "job opened");
    Ok(job)
}

/// The job of `ticket` checked, written and audited in `tx`: the one way a job is opened,
/// from the ticket page or from a service request.
pub async fn open_job_in(
    tx: &mut Tx,
    actor: &User,
    ticket: &Ticket,
    input: &JobInput,
    now: DateTime<Utc>,
) -> Result<Job, Error> {
    require(actor, Permission::DispatchTechnicians)?;
    let new = NewJob::parse(input, JobTicket::from(ticket), actor.id, now)?;
    let job = tx.insert_job(&new).await?;
    tx.audit(&NewAuditEntry::created(
        "job",
        job.id.0,
        actor.id,
        new.created_at,
        job.audit_view(),
    ))
    .await?;
    Ok(job)
}

/// A job, if the actor may see it (the department every job, a technician only their own,
/// a salesperson their customers'). A job the actor may not see is answered as missing.
pub async fn job(state: &AppState, actor: &User, id: JobId) -> Result<Job, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let job = state.db.job(id).await?.ok_or(Error::NotFound("job"))?;
    if !may_see(
        &job,
        actor.id,
        actor.role,
        salesperson_of(state, actor, &job).await?,
    ) {
        return Err(Error::NotFound("job"));
    }
    Ok(job)
}

/// The salesperson of the job's customer, when it matters: for an actor who acts only for
/// their own customers.
async fn salesperson_of(
    state: &AppState,
    actor: &User,
    job: &Job,
) -> Result<Option<UserId>, Error> {
    if !actor.role.bound_to_own_customers() {
        return Ok(None);
    }
    Ok(state
        .db
        .customer(job.customer_id)
        .await?
        .and_then(|c| c.fields.salesperson_id))
}

/// Jobs newest first. Whoever goes on site sees only the jobs they are sent on, whatever
/// the filter asks.
pub async fn jobs(
    state: &AppState,
    actor: &User,
    filter: &JobFilter,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Vec<Job>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let mut filter = filter.clone();
    if actor.role.may(Permission::DoFieldWork) {
        filter.crew = Some(actor.id);
    } else if actor.role.bound_to_own_customers() {
        // A salesperson's jobs are those of their customers: read, then narrowed, each
        // customer looked up once.
        let found = state.db.jobs(&filter, limit, cursor).await?;
        let mut owners: HashMap<CustomerId, Option<UserId>> = HashMap::new();
        let mut mine = Vec::new();
        for j in found {
            let owner = match owners.get(&j.customer_id) {
                Some(o) => *o,
                None => {
                    let o = salesperson_of(state, actor, &j).await?;
                    owners.insert(j.customer_id, o);
                    o
                }
            };
            if may_see(&j, actor.id, actor.role, owner) {
                mine.push(j);
            }
        }
        return Ok(mine);
    }
    state.db.jobs(&filter, limit, cursor).await
}

/// What a step on a job is called in the audit, with its words and the version the actor
/// saw (when the step asks for one).
struct Act<'a> {
    action: &'a str,
    text: Option<String>,
    version: Option<i64>,
    /// The phone's `Idempotency-Key`: the step is done once however often it is sent.
    once: Option<&'a Once>,
}

impl<'a> Act<'a> {
    fn new(action: &'a str, once: Option<&'a Once>) -> Self {
        Act {
            action,
            text: None,
            version: None,
            once,
        }
    }
}

/// A step taken, or the answer of an earlier request with the same key. Returned once and
/// taken apart at once: its size does not matter.
#[allow(clippy::large_enum_variant)]
enum Stepped {
    Done { tx: Tx, before: Job, after: Job },
    Replayed(Job),
}

/// One step on a job, read and written in one transaction with its audit entry (and its
/// idempotency key, when the phone sent one).
async fn step(
    state: &AppState,
    actor: &User,
    id: JobId,
    act: Act<'_>,
    now: DateTime<Utc>,
    decide: impl FnOnce(&Job) -> Result<Job, Error>,
) -> Result<Stepped, Error> {
    let mut tx = state.db.begin().await?;
    let scope = format!("job.{}", act.action);
    if let Some(once) = act.once
        && let Some(done) = replayed(&mut tx, actor.id, once, &scope, now).await?
    {
        let job = tx
            .job(JobId(result_id(&done)?))
            .await?
            .ok_or(Error::NotFound("job"))?;
        return Ok(Stepped::Replayed(job));
    }
    let before = tx.job(id).await?.ok_or(Error::NotFound("job"))?;
    if !may_see(&before, actor.id, actor.role, None)
        && !actor.role.may(Permission::DispatchTechnicians)
    {
        return Err(Error::NotFound("job"));
    }
    if let Some(v) = act.version
        && v != before.version
    {
        return Err(Error::Conflict(format!(
            "job {} is at version {}, not {v}: reload and try again",
            before.id, before.version
        )));
    }
    let after = decide(&before)?;
    let after = tx.update_job(&before, &after).await?;
    if let Some(entry) = NewAuditEntry::changed(
        "job",
        id.0,
        act.action,
        actor.id,
        now,
        act.text,
        &before.audit_view(),
        &after.audit_view(),
    ) {
        tx.audit(&entry).await?;
    }
    if let Some(once) = act.once {
        complete(&mut tx, actor.id, once, &id.0.to_string()).await?;
    }
    Ok(Stepped::Done { tx, before, after })
}

/// Move the ticket as its job's first trip moved, with the ticket's own audit entry (its
/// timeline shows the dispatch and the arrival).
async fn follow_ticket(
    tx: &mut Tx,
    actor: &User,
    ticket_id: TicketId,
    action: &str,
    now: DateTime<Utc>,
    decide: impl FnOnce(&Ticket) -> Option<Ticket>,
) -> Result<Option<Ticket>, Error> {
    let before = tx
        .ticket(ticket_id)
        .await?
        .ok_or(Error::NotFound("ticket"))?;
    let Some(after) = decide(&before) else {
        return Ok(None);
    };
    tx.update_ticket(&before, &after).await?;
    if let Some(entry) = NewAuditEntry::changed(
        "ticket",
        ticket_id.0,
        action,
        actor.id,
        now,
        None,
        &before.audit_view(),
        &after.audit_view(),
    ) {
        tx.audit(&entry).await?;
    }
    Ok(Some(after))
}

/// Send a crew on the job's current trip (or change it before it sets off). The crew is
/// told at once through the inbox and the outbox; an emergency's notice is urgent.
pub async fn dispatch(
    state: &AppState,
    actor: &User,
    id: JobId,
    version: i64,
    input: &DispatchInput,
    now: DateTime<Utc>,
) -> Result<Job, Error> {
    require(actor, Permission::DispatchTechnicians)?;
    let mut people = Vec::new();
    for uid in &input.technician_ids {
        if let Some(u) = state.db.user(*uid).await? {
            people.push(Candidate {
                user_id: u.id,
                name: u.display_name.clone(),
                role: u.role,
                active: u.active,
            });
        }
    }
    let act = Act {
        version: Some(version),
        ..Act::new("dispatch", None)
    };
    let stepped = step(state, actor, id, act, now, |j| {
        j.dispatch(input, &people, actor.id, actor.role, now)
    })
    .await?;
    let Stepped::Done {
        mut tx,
        before,
        after,
    } = stepped
    else {
        return Err(Error::Internal("a dispatch is never replayed".into()));
    };
    let trip = after
        .current_trip()
        .ok_or_else(|| Error::Internal("a job without a trip".into()))?;
    let ticket = if trip.ordinal == 1
        && let Some(lead) = trip.lead()
    {
        let lead = lead.user_id;
        follow_ticket(&mut tx, actor, after.ticket_id, "dispatch", now, |t| {
            t.job_dispatched(lead, now)
        })
        .await?
    } else {
        None
    };
    let ticket = match ticket {
        Some(t) => t,
        None => tx
            .ticket(after.ticket_id)
            .await?
            .ok_or(Error::NotFound("ticket"))?,
    };
    // Tell those newly sent (not those who were already on the crew).
    let was: Vec<UserId> = before
        .current_trip()
        .map(|t| t.crew.iter().map(|c| c.user_id).collect())
        .unwrap_or_default();
    let to: Vec<UserId> = trip
        .crew
        .iter()
        .map(|c| c.user_id)
        .filter(|u| !was.contains(u))
        .collect();
    if !to.is_empty() {
        let customer = state
            .db
            .customer(after.customer_id)
            .await?
            .map(|c| c.fields.name)
            .unwrap_or_default();
        let lang = Lang::default();
        let notice = Notice {
            subject: lang.f(
                "field.notice.dispatched",
                &[
                    ("number", &ticket.number()),
                    ("customer", &customer),
                    ("trip", &trip.ordinal.to_string()),
                ],
            ),
            body: Some(after.problem.clone()),
            link: Some(format!("/field/jobs/{}", after.id)),
            urgent: ticket.kind == sanbao_domain::ticket::TicketKind::Emergency,
        };
        notify(
            &mut tx,
            &to,
            &notice,
            &format!("job:{}:trip:{}:v{}", after.id, trip.ordinal, after.version),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(job_id = id.0, crew = trip.crew.len(), "job dispatched");
    state.desk.changed();
    Ok(after)
}

/// The crew sets off.
pub async fn depart(
    state: &AppState,
    actor: &User,
    id: JobId,
    now: DateTime<Utc>,
) -> Result<Job, Error> {
    depart_once(state, actor, id, None, now)
        .await
        .map(|a| a.value)
}

/// [`depart`], done once per `Idempotency-Key`.
pub async fn depart_once(
    state: &AppState,
    actor: &User,
    id: JobId,
    once: Option<&Once>,
    now: DateTime<Utc>,
) -> Result<Answer<Job>, Error> {
    require(actor, Permission::DoFieldWork)?;
    match step(state, actor, id, Act::new("depart", once), now, |j| {
        j.depart(actor.id, actor.role, now)
    })
    .await?
    {
        Stepped::Replayed(job) => Ok(Answer::replay(job)),
        Stepped::Done { tx, after, .. } => {
            tx.commit().await?;
            Ok(Answer::new(after))
        }
    }
}

/// The crew is on site, stamped with the server's time; the first trip's arrival meets
/// the ticket's arrival deadline (R3.4).
pub async fn arrive(
    state: &AppState,
    actor: &User,
    id: JobId,
    position: Option<Position>,
    now: DateTime<Utc>,
) -> Result<Job, Error> {
    arrive_once(state, actor, id, position, None, now)
        .await
        .map(|a| a.value)
}

/// [`arrive`], done once per `Idempotency-Key`: a phone that sends "arrived" again after
/// losing the answer gets the first arrival, never a second one or a conflict.
pub async fn arrive_once(
    state: &AppState,
    actor: &User,
    id: JobId,
    position: Option<Position>,
    once: Option<&Once>,
    now: DateTime<Utc>,
) -> Result<Answer<Job>, Error> {
    require(actor, Permission::DoFieldWork)?;
    let stepped = step(state, actor, id, Act::new("arrive", once), now, |j| {
        j.arrive(actor.id, actor.role, position, now)
    })
    .await?;
    let (mut tx, after) = match stepped {
        Stepped::Replayed(job) => return Ok(Answer::replay(job)),
        Stepped::Done { tx, after, .. } => (tx, after),
    };
    if let Some(trip) = after.current_trip()
        && trip.ordinal == 1
        && let Some(at) = trip.arrived_at
    {
        follow_ticket(&mut tx, actor, after.ticket_id, "check_in", now, |t| {
            t.job_arrived(at, now)
        })
        .await?;
    }
    tx.commit().await?;
    tracing::info!(job_id = id.0, "crew arrived");
    state.desk.changed();
    Ok(Answer::new(after))
}

/// Take back an arrival recorded by mistake, within its window (audited); the ticket's
/// arrival deadline runs again.
pub async fn undo_arrival(
    state: &AppState,
    actor: &User,
    id: JobId,
    now: DateTime<Utc>,
) -> Result<Job, Error> {
    undo_arrival_once(state, actor, id, None, now)
        .await
        .map(|a| a.value)
}

/// [`undo_arrival`], done once per `Idempotency-Key`.
pub async fn undo_arrival_once(
    state: &AppState,
    actor: &User,
    id: JobId,
    once: Option<&Once>,
    now: DateTime<Utc>,
) -> Result<Answer<Job>, Error> {
    require(actor, Permission::DoFieldWork)?;
    let mut arrived = None;
    let stepped = step(state, actor, id, Act::new("undo_arrival", once), now, |j| {
        arrived = j
            .current_trip()
            .filter(|t| t.ordinal == 1)
            .and_then(|t| t.arrived_at);
        j.undo_arrival(actor.id, actor.role, now)
    })
    .await?;
    let (mut tx, after) = match stepped {
        Stepped::Replayed(job) => return Ok(Answer::replay(job)),
        Stepped::Done { tx, after, .. } => (tx, after),
    };
    if let Some(at) = arrived {
        follow_ticket(&mut tx, actor, after.ticket_id, "undo_check_in", now, |t| {
            t.job_arrival_undone(at, now)
        })
        .await?;
    }
    tx.commit().await?;
    state.desk.changed();
    Ok(Answer::new(after))
}

/// Another trip is needed; it waits for dispatch like the first.
pub async fn follow_up(
    state: &AppState,
    actor: &User,
    id: JobId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Job, Error> {
    follow_up_once(state, actor, id, reason, None, now)
        .await
        .map(|a| a.value)
}

/// [`follow_up`], done once per `Idempotency-Key`.
pub async fn follow_up_once(
    state: &AppState,
    actor: &User,
    id: JobId,
    reason: &str,
    once: Option<&Once>,
    now: DateTime<Utc>,
) -> Result<Answer<Job>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let act = Act {
        text: Some(reason.trim().to_string()),
        ..Act::new("follow_up", once)
    };
    match step(state, actor, id, act, now, |j| {
        j.follow_up(reason, actor.id, actor.role, now)
    })
    .await?
    {
        Stepped::Replayed(job) => Ok(Answer::replay(job)),
        Stepped::Done { tx, after, .. } => {
            tx.commit().await?;
            Ok(Answer::new(after))
        }
    }
}

/// Nothing will be done on site after all.
pub async fn cancel(
    state: &AppState,
    actor: &User,
    id: JobId,
    version: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Job, Error> {
    require(actor, Permission::DispatchTechnicians)?;
    let act = Act {
        text: Some(reason.trim().to_string()),
        version: Some(version),
        ..Act::new("cancel", None)
    };
    match step(state, actor, id, act, now, |j| {
        j.cancel(reason, actor.role, now)
    })
    .await?
    {
        Stepped::Replayed(job) => Ok(job),
        Stepped::Done { mut tx, after, .. } => {
            // Parts taken for the job are returned or written off first (R1.5).
            super::parts::require_settled(&mut tx, id).await?;
            tx.commit().await?;
            Ok(after)
        }
    }
}
