//! Parts, materials and their ledger (R1.5): the catalogue, receipts into the store,
//! requisitions (asked by the technician, approved by the manager, issued by the store),
//! fitting on a job with serial numbers, returns, faulty parts to inspection, write-offs,
//! corrections and reversals. Each movement is one ledger row written with its audit entry
//! in one transaction; each job's reconciliation is computed by the domain, and a job is
//! not closed while parts taken for it are still out.

use super::idempotency::{self, Answer, Once};
use super::notify::{Notice, notify};
use super::require;
use crate::app::AppState;
use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::field::Job;
use sanbao_domain::parts::{
    self, AdjustInput, FaultyInput, LedgerFilter, Location, LocationKind, Move, MoveView, NewMove,
    NewRequisition, Part, PartFields, PartFilter, PartInput, ReceiveInput, Reconciliation,
    Requisition, RequisitionFilter, RequisitionInput, RequisitionView, ReturnInput, StockLine,
    UseInput, WriteOffInput, holds_van, may_use_on,
};
use sanbao_domain::user::User;
use sanbao_domain::{
    Error, JobId, LocationId, MoveId, PartId, Permission, Problem, RequisitionId, Role, UserId,
};
use sanbao_store::Tx;

/// At most this many rows in a list.
pub const LIST_MAX: i64 = 500;

const PART: &str = "part";
const MOVE: &str = "part_move";
const REQUISITION: &str = "requisition";

/// Rows just written by a use case of this module, with the names a client shows: the
/// writer sees what they wrote, whatever else they may read of the ledger.
pub async fn written_rows(state: &AppState, rows: &[Move]) -> Result<Vec<MoveView>, Error> {
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        out.push(
            state
                .db
                .ledger_view(m.id)
                .await?
                .ok_or(Error::NotFound("ledger row"))?,
        );
    }
    Ok(out)
}

/// Write a ledger row and its audit entry (the row's whole content: it is never edited).
async fn record(tx: &mut Tx, actor: &User, m: &NewMove) -> Result<Move, Error> {
    let written = tx.apply_move(m).await?;
    tx.audit(&NewAuditEntry {
        entity: MOVE,
        entity_id: written.id.0,
        action: m.kind.as_str().to_string(),
        actor_id: Some(actor.id),
        at: m.at,
        note: m.reason.clone(),
        before: serde_json::Value::Null,
        after: m.audit_view(),
    })
    .await?;
    Ok(written)
}

// ---- the catalogue ----

/// The catalogue, for everyone on the desk (a technician looks a part up on site).
pub async fn parts(
    state: &AppState,
    actor: &User,
    f: &PartFilter,
    limit: i64,
) -> Result<Vec<Part>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    if f.q.as_deref().is_some_and(|q| q.chars().count() > 100) {
        return Err(Error::field("q", Problem::too_long(100)));
    }
    state.db.parts(f, limit.clamp(1, LIST_MAX)).await
}

pub async fn part(state: &AppState, actor: &User, id: PartId) -> Result<Part, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.part(id).await?.ok_or(Error::NotFound("part"))
}

/// Add a part to the catalogue (the store keeps it).
pub async fn create_part(
    state: &AppState,
    actor: &User,
    input: &PartInput,
    now: DateTime<Utc>,
) -> Result<Part, Error> {
    require(actor, Permission::KeepStock)?;
    let fields = PartFields::parse(input)?;
    let mut tx = state.db.begin().await?;
    let part = tx.insert_part(&fields, now).await?;
    tx.audit(&NewAuditEntry::created(
        PART,
        part.id.0,
        actor.id,
        now,
        part.audit_view(),
    ))
    .await?;
    tx.commit().await?;
    Ok(part)
}

/// Change a part (on the version read). Its ledger rows keep their quantities; the prices
/// a settlement uses are the catalogue's at the time it is drawn up.
pub async fn update_part(
    state: &AppState,
    actor: &User,
    id: PartId,
    version: i64,
    input: &PartInput,
    now: DateTime<Utc>,
) -> Result<Part, Error> {
    require(actor, Permission::KeepStock)?;
    let fields = PartFields::parse(input)?;
    let mut tx = state.db.begin().await?;
    let before = tx.part(id).await?.ok_or(Error::NotFound("part"))?;
    if before.version != version {
        return Err(stale("part", id.0, before.version, version));
    }
    let after = tx.update_part(&before, &fields, now).await?;
    if let Some(e) = NewAuditEntry::changed(
        PART,
        id.0,
        "update",
        actor.id,
        now,
        None,
        &before.audit_view(),
        &after.audit_view(),
    ) {
        tx.audit(&e).await?;
    }
    tx.commit().await?;
    Ok(after)
}

fn stale(what: &str, id: i64, at: i64, sent: i64) -> Error {
    Error::Conflict(format!(
        "{what} {id} is at version {at}, not {sent}: reload and try again"
    ))
}

// ---- stock ----

/// Every place that holds stock.
pub async fn locations(state: &AppState, actor: &User) -> Result<Vec<Location>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.locations().await
}

/// What a location holds. A van's stock is its holder's or the department's to see.
pub async fn stock_at(
    state: &AppState,
    actor: &User,
    location: LocationId,
) -> Result<Vec<StockLine>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let loc = state
        .db
        .locations()
        .await?
        .into_iter()
        .find(|l| l.id == location)
        .ok_or(Error::NotFound("location"))?;
    if loc.holder.is_some_and(|h| h != actor.id) && !actor.role.may(Permission::KeepStock) {
        return Err(Error::NotFound("location"));
    }
    state.db.stock_at(location).await
}

/// What `holder` holds in their van, for which job: one's own, or anyone's for the store.
pub async fn holdings(
    state: &AppState,
    actor: &User,
    holder: UserId,
) -> Result<Vec<StockLine>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    if holder != actor.id && !actor.role.may(Permission::KeepStock) {
        return Err(Error::Forbidden);
    }
    state.db.holdings(holder).await
}

/// Parts below their reorder level in the central store.
pub async fn below_reorder(state: &AppState, actor: &User) -> Result<Vec<StockLine>, Error> {
    require(actor, Permission::KeepStock)?;
    state.db.below_reorder(LIST_MAX).await
}

/// The ledger, newest first.
pub async fn ledger(
    state: &AppState,
    actor: &User,
    f: &LedgerFilter,
    limit: i64,
    before: Option<MoveId>,
) -> Result<Vec<MoveView>, Error> {
    require(actor, Permission::KeepStock)?;
    state.db.ledger(f, limit.clamp(1, LIST_MAX), before).await
}

/// Parts received into the central store.
pub async fn receive(
    state: &AppState,
    actor: &User,
    input: &ReceiveInput,
    now: DateTime<Utc>,
) -> Result<Move, Error> {
    require(actor, Permission::KeepStock)?;
    let mut tx = state.db.begin().await?;
    let store = tx.location_of_kind(LocationKind::Store).await?;
    let m = parts::receive(input, store, actor.id, now)?;
    existing_part(&mut tx, m.part_id).await?;
    let written = record(&mut tx, actor, &m).await?;
    tx.commit().await?;
    Ok(written)
}

async fn existing_part(tx: &mut Tx, id: PartId) -> Result<Part, Error> {
    tx.part(id)
        .await?
        .ok_or_else(|| Error::field("part_id", Problem::new("not_found", "no such part")))
}

// ---- requisitions ----

const SCOPE_REQUEST: &str = "requisitions.create";

/// Ask for parts, for a job or as van stock. The managers are told. With `once`, a phone
/// that sends the same request again gets the first requisition back.
pub async fn request_parts(
    state: &AppState,
    actor: &User,
    input: &RequisitionInput,
    once: Option<&Once>,
    now: DateTime<Utc>,
) -> Result<Answer<Requisition>, Error> {
    require(actor, Permission::RequisitionParts)?;
    let holder_id = input.holder.unwrap_or(actor.id);
    let holder = state.db.user(holder_id).await?.filter(|u| u.active);
    let job = match input.job_id {
        Some(id) => state.db.job(id).await?,
        None => None,
    };
    if let Some(j) = &job
        && super::field::job(state, actor, j.id).await.is_err()
    {
        return Err(Error::field(
            "job_id",
            Problem::new("not_found", "no such job"),
        ));
    }
    let mut tx = state.db.begin().await?;
    if let Some(once) = once
        && let Some(done) =
            idempotency::replayed(&mut tx, actor.id, once, SCOPE_REQUEST, now).await?
    {
        let id = RequisitionId(idempotency::result_id(&done)?);
        let r = tx
            .requisition(id)
            .await?
            .ok_or(Error::NotFound("requisition"))?;
        tx.rollback().await?;
        return Ok(Answer::replay(r));
    }
    let ids: Vec<PartId> = input.lines.iter().filter_map(|l| l.part_id).collect();
    let known = tx.parts_by_id(&ids).await?;
    let new = NewRequisition::parse(
        input,
        &known,
        job.as_ref(),
        holder.as_ref().map(|u| u.role),
        actor.id,
        actor.role,
        now,
    )?;
    let r = tx.insert_requisition(&new).await?;
    tx.audit(&NewAuditEntry::created(
        REQUISITION,
        r.id.0,
        actor.id,
        now,
        r.audit_view(),
    ))
    .await?;
    let managers: Vec<UserId> = state
        .db
        .users(Some(Role::ServiceManager))
        .await?
        .into_iter()
        .filter(|u| u.active)
        .map(|u| u.id)
        .collect();
    let lang = Lang::default();
    let who = holder.as_ref().map_or("", |u| u.display_name.as_str());
    // Made before the await: the `&dyn Display` arguments are not `Send`.
    let subject = lang.f(
        "parts.notice.requested",
        &[("id", &r.id.0.to_string()), ("who", &who)],
    );
    notify(
        &mut tx,
        &managers,
        &Notice {
            subject,
            body: r.note.clone(),
            link: Some(format!("/parts/requisitions/{}", r.id.0)),
            urgent: false,
        },
        &format!("requisition:{}:requested", r.id.0),
        now,
    )
    .await?;
    if let Some(once) = once {
        idempotency::complete(&mut tx, actor.id, once, &r.id.0.to_string()).await?;
    }
    tx.commit().await?;
    Ok(Answer::new(r))
}

/// One requisition: for the department, and for whoever asked or holds it.
pub async fn requisition(
    state: &AppState,
    actor: &User,
    id: RequisitionId,
) -> Result<RequisitionView, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let r = state
        .db
        .requisition(id)
        .await?
        .ok_or(Error::NotFound("requisition"))?;
    let own = r.requisition.holder == actor.id || r.requisition.requested_by == actor.id;
    if !own && !actor.role.may(Permission::KeepStock) {
        return Err(Error::NotFound("requisition"));
    }
    Ok(r)
}

/// Requisitions: the department's all, others' their own (as holder).
pub async fn requisitions(
    state: &AppState,
    actor: &User,
    f: &RequisitionFilter,
    limit: i64,
) -> Result<Vec<RequisitionView>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let mut f = *f;
    if !actor.role.may(Permission::KeepStock) {
        f.holder = Some(actor.id);
    }
    state.db.requisitions(&f, limit.clamp(1, LIST_MAX)).await
}

enum Decision<'a> {
    Approve(Option<&'a str>),
    Refuse(Option<&'a str>),
    Cancel,
}

async fn decide(
    state: &AppState,
    actor: &User,
    id: RequisitionId,
    version: i64,
    d: Decision<'_>,
    now: DateTime<Utc>,
) -> Result<Requisition, Error> {
    let mut tx = state.db.begin().await?;
    let before = tx
        .requisition(id)
        .await?
        .ok_or(Error::NotFound("requisition"))?;
    if before.version != version {
        return Err(stale("requisition", id.0, before.version, version));
    }
    let (after, action, key) = match d {
        Decision::Approve(note) => (
            before.approve(note, actor.id, actor.role, now)?,
            "approve",
            "parts.notice.approved",
        ),
        Decision::Refuse(reason) => (
            before.refuse(reason, actor.id, actor.role, now)?,
            "refuse",
            "parts.notice.refused",
        ),
        Decision::Cancel => (
            before.cancel(actor.id, actor.role, now)?,
            "cancel",
            "parts.notice.cancelled",
        ),
    };
    tx.update_requisition(&before, &after).await?;
    if let Some(e) = NewAuditEntry::changed(
        REQUISITION,
        id.0,
        action,
        actor.id,
        now,
        after.decision_note.clone().filter(|_| action != "cancel"),
        &before.audit_view(),
        &after.audit_view(),
    ) {
        tx.audit(&e).await?;
    }
    let mut to = vec![after.holder, after.requested_by];
    to.retain(|u| *u != actor.id);
    if !to.is_empty() {
        let subject = Lang::default().f(key, &[("id", &id.0.to_string())]);
        notify(
            &mut tx,
            &to,
            &Notice {
                subject,
                body: after.decision_note.clone(),
                link: Some(format!("/parts/requisitions/{}", id.0)),
                urgent: false,
            },
            &format!("requisition:{}:{action}", id.0),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// The manager approves a requisition; its holder is told.
pub async fn approve(
    state: &AppState,
    actor: &User,
    id: RequisitionId,
    version: i64,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Requisition, Error> {
    require(actor, Permission::ApproveRequisitions)?;
    decide(state, actor, id, version, Decision::Approve(note), now).await
}

/// The manager refuses a requisition, saying why; its holder is told.
pub async fn refuse(
    state: &AppState,
    actor: &User,
    id: RequisitionId,
    version: i64,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Requisition, Error> {
    require(actor, Permission::ApproveRequisitions)?;
    decide(state, actor, id, version, Decision::Refuse(reason), now).await
}

/// Withdraw a requisition not yet issued (who asked, or the manager).
pub async fn cancel_requisition(
    state: &AppState,
    actor: &User,
    id: RequisitionId,
    version: i64,
    now: DateTime<Utc>,
) -> Result<Requisition, Error> {
    require(actor, Permission::RequisitionParts)?;
    decide(state, actor, id, version, Decision::Cancel, now).await
}

/// The store issues an approved requisition in full into the holder's van: one ledger
/// row per line, all or nothing (a line the store cannot fill refuses the whole issue,
/// naming the line).
pub async fn issue(
    state: &AppState,
    actor: &User,
    id: RequisitionId,
    version: i64,
    now: DateTime<Utc>,
) -> Result<Requisition, Error> {
    require(actor, Permission::KeepStock)?;
    let mut tx = state.db.begin().await?;
    let before = tx
        .requisition(id)
        .await?
        .ok_or(Error::NotFound("requisition"))?;
    if before.version != version {
        return Err(stale("requisition", id.0, before.version, version));
    }
    let holder = state
        .db
        .user(before.holder)
        .await?
        .ok_or(Error::NotFound("user"))?;
    let store = tx.location_of_kind(LocationKind::Store).await?;
    let van = tx.van_of(holder.id, &holder.display_name, now).await?;
    let (after, moves) = before.issue(store, van, actor.id, actor.role, now)?;
    for (i, m) in moves.iter().enumerate() {
        record(&mut tx, actor, m).await.map_err(|e| match e {
            Error::Validation(errs) => Error::Validation(sanbao_domain::FieldErrors(
                errs.0
                    .into_iter()
                    .map(|(k, v)| (format!("lines[{i}].{k}"), v))
                    .collect(),
            )),
            other => other,
        })?;
    }
    tx.update_requisition(&before, &after).await?;
    if let Some(e) = NewAuditEntry::changed(
        REQUISITION,
        id.0,
        "issue",
        actor.id,
        now,
        None,
        &before.audit_view(),
        &after.audit_view(),
    ) {
        tx.audit(&e).await?;
    }
    tx.commit().await?;
    Ok(after)
}

// ---- on a job ----

/// A job's parts: its reconciliation, its ledger rows, and what is still held for it.
#[derive(Debug, Clone)]
pub struct JobParts {
    pub reconciliation: Reconciliation,
    pub ledger: Vec<MoveView>,
    pub held: Vec<StockLine>,
    pub requisitions: Vec<RequisitionView>,
}

/// The parts of a job, for whoever may see the job.
pub async fn job_parts(state: &AppState, actor: &User, id: JobId) -> Result<JobParts, Error> {
    let job = super::field::job(state, actor, id).await?;
    let moves = state.db.job_moves(job.id).await?;
    Ok(JobParts {
        reconciliation: Reconciliation::of(job.id, &moves),
        ledger: state.db.job_ledger(job.id).await?,
        held: state.db.held_for_job(job.id).await?,
        requisitions: state
            .db
            .requisitions(
                &RequisitionFilter {
                    job: Some(job.id),
                    ..RequisitionFilter::default()
                },
                LIST_MAX,
            )
            .await?,
    })
}

/// Refused while parts taken for `job` are still out: used where a job is closed
/// (accepted or cancelled), in the transaction that closes it.
pub async fn require_settled(tx: &mut Tx, job: JobId) -> Result<(), Error> {
    let moves = tx.job_moves(job).await?;
    Reconciliation::of(job, &moves).require_settled()
}

async fn job_for_work(state: &AppState, actor: &User, id: JobId) -> Result<Job, Error> {
    let job = super::field::job(state, actor, id).await?;
    if !may_use_on(&job, actor.id, actor.role) {
        tracing::info!(user_id = actor.id.0, job_id = id.0, "not on the job's crew");
        return Err(Error::Forbidden);
    }
    Ok(job)
}

const SCOPE_USE: &str = "parts.use";

/// Fit a part on a job (the crew, from their van: the job's parts first, then van
/// stock). With `once`, a phone that sends it again gets the first rows back.
pub async fn use_part(
    state: &AppState,
    actor: &User,
    job_id: JobId,
    input: &UseInput,
    once: Option<&Once>,
    now: DateTime<Utc>,
) -> Result<Answer<Vec<Move>>, Error> {
    require(actor, Permission::DoFieldWork)?;
    let job = job_for_work(state, actor, job_id).await?;
    let mut tx = state.db.begin().await?;
    if let Some(once) = once
        && let Some(done) = idempotency::replayed(&mut tx, actor.id, once, SCOPE_USE, now).await?
    {
        let ids: Vec<i64> = done
            .split(',')
            .map(idempotency::result_id)
            .collect::<Result<_, _>>()?;
        let rows: Vec<Move> = tx
            .job_moves(job.id)
            .await?
            .into_iter()
            .filter(|m| ids.contains(&m.id.0))
            .collect();
        tx.rollback().await?;
        return Ok(Answer::replay(rows));
    }
    let part = match input.part_id {
        Some(id) => tx.part(id).await?,
        None => None,
    };
    let van = tx.van_of(actor.id, &actor.display_name, now).await?;
    let held = match &part {
        Some(p) => tx.held(p.id, van, job.id).await?,
        None => parts::Held::default(),
    };
    let moves = parts::use_on_job(
        input,
        part.as_ref(),
        &job,
        van,
        held,
        actor.id,
        actor.role,
        now,
    )?;
    let mut written = Vec::new();
    for m in &moves {
        written.push(record(&mut tx, actor, m).await?);
    }
    if let Some(once) = once {
        let ids: Vec<String> = written.iter().map(|m| m.id.0.to_string()).collect();
        idempotency::complete(&mut tx, actor.id, once, &ids.join(",")).await?;
    }
    tx.commit().await?;
    state.desk.changed();
    Ok(Answer::new(written))
}

/// Unused parts back from a van to the store: the holder hands them in, or the store
/// records it for them. `holder` is whose van (one's own when none).
pub async fn return_part(
    state: &AppState,
    actor: &User,
    holder: Option<UserId>,
    input: &ReturnInput,
    now: DateTime<Utc>,
) -> Result<Move, Error> {
    let holder = holder.unwrap_or(actor.id);
    if holder == actor.id {
        if !holds_van(actor.role) {
            return Err(Error::Forbidden);
        }
    } else {
        require(actor, Permission::KeepStock)?;
    }
    if let Some(j) = input.job_id {
        state
            .db
            .job(j)
            .await?
            .ok_or_else(|| Error::field("job_id", Problem::new("not_found", "no such job")))?;
    }
    let person = state
        .db
        .user(holder)
        .await?
        .ok_or_else(|| Error::field("holder", Problem::new("not_found", "no such person")))?;
    let mut tx = state.db.begin().await?;
    let store = tx.location_of_kind(LocationKind::Store).await?;
    let van = tx.van_of(person.id, &person.display_name, now).await?;
    let m = parts::return_to_store(input, van, store, actor.id, now)?;
    existing_part(&mut tx, m.part_id).await?;
    let written = record(&mut tx, actor, &m).await?;
    tx.commit().await?;
    state.desk.changed();
    Ok(written)
}

/// A faulty part removed on a job, brought to inspection (the crew, or the store).
pub async fn return_faulty(
    state: &AppState,
    actor: &User,
    job_id: JobId,
    input: &FaultyInput,
    now: DateTime<Utc>,
) -> Result<Move, Error> {
    let job = super::field::job(state, actor, job_id).await?;
    let mut tx = state.db.begin().await?;
    let part = match input.part_id {
        Some(id) => tx.part(id).await?,
        None => None,
    };
    let inspection = tx.location_of_kind(LocationKind::Inspection).await?;
    let m = parts::faulty_return(
        input,
        part.as_ref(),
        &job,
        inspection,
        actor.id,
        actor.role,
        now,
    )?;
    let written = record(&mut tx, actor, &m).await?;
    // ---- quality ----
    // A faulty part brought to inspection becomes a quality item (R7.1).
    super::quality::capture(
        &mut tx,
        sanbao_domain::quality::SourceKind::FaultyPart,
        written.id.0,
        actor.id,
        now,
    )
    .await?;
    // ---- end quality ----
    tx.commit().await?;
    Ok(written)
}

/// The manager writes parts off (lost, scrapped), saying why: a job's parts so accounted
/// for no longer keep it open.
pub async fn write_off(
    state: &AppState,
    actor: &User,
    input: &WriteOffInput,
    now: DateTime<Utc>,
) -> Result<Move, Error> {
    require(actor, Permission::WriteOffParts)?;
    let m = parts::write_off(input, actor.role, actor.id, now)?;
    let mut tx = state.db.begin().await?;
    existing_part(&mut tx, m.part_id).await?;
    let written = record(&mut tx, actor, &m).await?;
    tx.commit().await?;
    state.desk.changed();
    Ok(written)
}

/// The manager corrects a count, saying why.
pub async fn adjust(
    state: &AppState,
    actor: &User,
    input: &AdjustInput,
    now: DateTime<Utc>,
) -> Result<Move, Error> {
    require(actor, Permission::WriteOffParts)?;
    let m = parts::adjust(input, actor.role, actor.id, now)?;
    let mut tx = state.db.begin().await?;
    existing_part(&mut tx, m.part_id).await?;
    let written = record(&mut tx, actor, &m).await?;
    tx.commit().await?;
    Ok(written)
}

/// The manager undoes a ledger row by a new row that moves its quantity back.
pub async fn reverse(
    state: &AppState,
    actor: &User,
    id: MoveId,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Move, Error> {
    require(actor, Permission::WriteOffParts)?;
    let mut tx = state.db.begin().await?;
    let (original, reversed) = tx
        .ledger_row(id)
        .await?
        .ok_or(Error::NotFound("ledger row"))?;
    let m = parts::reverse(&original, reversed, reason, actor.role, actor.id, now)?;
    let written = record(&mut tx, actor, &m).await?;
    tx.commit().await?;
    state.desk.changed();
    Ok(written)
}

/// Parts fitted on a unit and faulty parts taken out of it, newest first (its page).
pub async fn unit_parts(
    state: &AppState,
    actor: &User,
    unit: sanbao_domain::UnitId,
) -> Result<Vec<MoveView>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.unit_parts(unit, LIST_MAX).await
}
