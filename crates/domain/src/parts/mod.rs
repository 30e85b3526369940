//! Parts, materials and their ledger (R1.5): the catalogue, where stock is held, every
//! movement of stock as one ledger row never edited, requisitions, and each job's
//! reconciliation ("如數帶回": issued = used + returned, per job).
//!
//! Stock is held in *buckets*: a location (the central store, a technician's van,
//! inspection) and, for parts issued for a job, that job. Parts issued for a job sit in the
//! holder's van under the job until they are used on it, returned to the store, or written
//! off by the manager; parts issued as van stock sit in the van under no job and may be
//! used on any job of the holder. Every movement is a [`NewMove`] planned here and written
//! by the store as one ledger row, which takes the quantity out of one bucket and puts it
//! into another; the store refuses a movement that would take a bucket below zero, so stock
//! never goes negative however many people draw at once. A row is never edited: a mistake
//! is undone by a reversal, a new row that moves the quantity back.

use crate::error::{Error, FieldErrors, Problem};
use crate::field::Job;
use crate::ids::{JobId, LocationId, MoveId, PartId, RequisitionId, UnitId, UserId};
use crate::role::{Permission, Role};
use crate::terms::str_enum;
use crate::text::{optional, required};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[cfg(test)]
mod tests;

/// The most of one part in one movement or requisition line.
pub const MAX_QUANTITY: i64 = 100_000;
/// Lines on one requisition.
pub const MAX_LINES: usize = 30;
/// A price or cost above this (1 million yuan, in fen) is a typing mistake.
pub const MAX_PRICE_FEN: i64 = 100_000_000;
pub const MAX_CODE: usize = 40;
pub const MAX_NAME: usize = 200;
pub const MAX_UNIT: usize = 10;
pub const MAX_SERIAL: usize = 50;
pub const MAX_NOTE: usize = 1000;
/// Product models one part may fit.
pub const MAX_MODELS: usize = 50;

str_enum!(
    /// What kind of place holds stock.
    LocationKind {
        /// The central store: parts are received into it and issued from it.
        Store = "store",
        /// A technician's van or bag.
        Van = "van",
        /// Faulty parts brought back, waiting for the quality review's inspection.
        Inspection = "inspection",
    }
);

/// A place that holds stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub id: LocationId,
    pub kind: LocationKind,
    pub name: String,
    /// Whose van.
    pub holder: Option<UserId>,
}

/// A part or material in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    pub id: PartId,
    pub code: String,
    pub name: String,
    /// Unit of measure: 个, 米, 套.
    pub unit: String,
    /// What one costs the company, in fen.
    pub unit_cost_fen: i64,
    /// What one costs a customer per the price list, in fen.
    pub list_price_fen: i64,
    /// Each piece has its own serial number, recorded when it is fitted.
    pub serialised: bool,
    /// The product models it fits (their codes); empty for general materials.
    pub models: Vec<String>,
    /// Below this many in the central store, it is to be reordered.
    pub reorder_level: i64,
    /// No longer requisitioned (kept for the ledger's history).
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Part {
    /// What the audit log keeps of a part.
    pub fn audit_view(&self) -> Value {
        json!({
            "code": self.code,
            "name": self.name,
            "unit": self.unit,
            "unit_cost_fen": self.unit_cost_fen,
            "list_price_fen": self.list_price_fen,
            "serialised": self.serialised,
            "models": self.models,
            "reorder_level": self.reorder_level,
            "active": self.active,
        })
    }
}

/// A part as typed: every field optional so that each missing one is named.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PartInput {
    pub code: Option<String>,
    pub name: Option<String>,
    pub unit: Option<String>,
    pub unit_cost_fen: Option<i64>,
    pub list_price_fen: Option<i64>,
    pub serialised: Option<bool>,
    /// Model codes, separated by commas, spaces or new lines.
    pub models: Option<String>,
    pub reorder_level: Option<i64>,
    pub active: Option<bool>,
}

/// A part's fields, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartFields {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub unit_cost_fen: i64,
    pub list_price_fen: i64,
    pub serialised: bool,
    pub models: Vec<String>,
    pub reorder_level: i64,
    pub active: bool,
}

fn money(errs: &mut FieldErrors, field: &str, v: Option<i64>) -> i64 {
    match v {
        None => {
            errs.add(field, Problem::required());
            0
        }
        Some(v) if !(0..=MAX_PRICE_FEN).contains(&v) => {
            errs.add(
                field,
                Problem::invalid("an amount in fen, from 0 to 100,000,000"),
            );
            0
        }
        Some(v) => v,
    }
}

impl PartFields {
    /// Check a part as typed; every problem named by its field.
    pub fn parse(input: &PartInput) -> Result<PartFields, Error> {
        let mut errs = FieldErrors::new();
        let code = errs
            .take(
                "code",
                required(input.code.as_deref().unwrap_or(""), MAX_CODE),
            )
            .unwrap_or_default();
        if code.chars().any(char::is_whitespace) {
            errs.add("code", Problem::invalid("a code has no spaces"));
        }
        let name = errs
            .take(
                "name",
                required(input.name.as_deref().unwrap_or(""), MAX_NAME),
            )
            .unwrap_or_default();
        let unit = errs
            .take(
                "unit",
                required(input.unit.as_deref().unwrap_or(""), MAX_UNIT),
            )
            .unwrap_or_default();
        let unit_cost_fen = money(&mut errs, "unit_cost_fen", input.unit_cost_fen);
        let list_price_fen = money(&mut errs, "list_price_fen", input.list_price_fen);
        let reorder_level = match input.reorder_level {
            None => 0,
            Some(v) if (0..=MAX_QUANTITY).contains(&v) => v,
            Some(_) => {
                errs.add(
                    "reorder_level",
                    Problem::invalid("a whole number from 0 to 100,000"),
                );
                0
            }
        };
        let mut models: Vec<String> = input
            .models
            .as_deref()
            .unwrap_or("")
            .split([',', '，', ';', '；', ' ', '\n', '\r', '\t', '、'])
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .collect();
        models.sort();
        models.dedup();
        if models.len() > MAX_MODELS {
            errs.add("models", Problem::invalid("at most 50 models"));
        }
        if models
            .iter()
            .any(|m| m.chars().count() > MAX_CODE || m.chars().any(char::is_control))
        {
            errs.add(
                "models",
                Problem::invalid("a model code of up to 40 characters"),
            );
        }
        errs.into_result()?;
        Ok(PartFields {
            code,
            name,
            unit,
            unit_cost_fen,
            list_price_fen,
            serialised: input.serialised.unwrap_or(false),
            models,
            reorder_level,
            active: input.active.unwrap_or(true),
        })
    }
}

/// A place and, for parts issued for a job, the job: where a quantity sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Bucket {
    pub location: LocationId,
    pub job: Option<JobId>,
}

impl Bucket {
    pub fn at(location: LocationId) -> Bucket {
        Bucket {
            location,
            job: None,
        }
    }
    pub fn for_job(location: LocationId, job: JobId) -> Bucket {
        Bucket {
            location,
            job: Some(job),
        }
    }
}

str_enum!(
    /// What a ledger row records.
    MoveKind {
        /// Into the central store from a supplier.
        Receive = "receive",
        /// Out of the store into a holder's van, for a job or as van stock, against an
        /// approved requisition.
        Issue = "issue",
        /// Fitted on a job's unit (with serial numbers for serialised parts).
        Use = "use",
        /// Unused, from a van back to the store.
        Return = "return",
        /// A faulty part removed on a job, brought back to inspection (the quality review
        /// looks at it).
        FaultyReturn = "faulty_return",
        /// Lost or scrapped, recorded by the manager with the reason.
        WriteOff = "write_off",
        /// A count corrected by the manager, with the reason.
        Adjust = "adjust",
        /// An earlier row undone: its quantity moved back.
        Reversal = "reversal",
    }
);

/// One movement, as planned: what the store writes as one ledger row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewMove {
    pub kind: MoveKind,
    pub part_id: PartId,
    /// Always more than zero: the direction is `from` → `to`.
    pub quantity: i64,
    /// Where it is taken from; none when it comes from outside (received, a faulty part
    /// brought back, a count corrected upwards).
    pub from: Option<Bucket>,
    /// Where it is put; none when it leaves (fitted, lost, scrapped).
    pub to: Option<Bucket>,
    /// The job it is for.
    pub job_id: Option<JobId>,
    pub requisition_id: Option<RequisitionId>,
    /// The unit it was fitted on or removed from.
    pub unit_id: Option<UnitId>,
    /// The serial number fitted (or received).
    pub serial: Option<String>,
    /// The serial number of the faulty part removed.
    pub faulty_serial: Option<String>,
    /// Why: the reason of a write-off, a correction or a reversal, or a note.
    pub reason: Option<String>,
    /// The row this one undoes.
    pub reverses: Option<MoveId>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// A ledger row as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Move {
    pub id: MoveId,
    #[serde(flatten)]
    pub m: NewMove,
}

impl NewMove {
    fn new(kind: MoveKind, part: PartId, quantity: i64, by: UserId, at: DateTime<Utc>) -> Self {
        NewMove {
            kind,
            part_id: part,
            quantity,
            from: None,
            to: None,
            job_id: None,
            requisition_id: None,
            unit_id: None,
            serial: None,
            faulty_serial: None,
            reason: None,
            reverses: None,
            by,
            at,
        }
    }

    /// What the audit log keeps of a row (its whole content: rows are never edited).
    pub fn audit_view(&self) -> Value {
        json!({
            "kind": self.kind,
            "part_id": self.part_id,
            "quantity": self.quantity,
            "from": self.from,
            "to": self.to,
            "job_id": self.job_id,
            "requisition_id": self.requisition_id,
            "unit_id": self.unit_id,
            "serial": self.serial,
            "faulty_serial": self.faulty_serial,
            "reason": self.reason,
            "reverses": self.reverses,
        })
    }
}

fn quantity(errs: &mut FieldErrors, field: &str, q: Option<i64>) -> i64 {
    match q {
        None => {
            errs.add(field, Problem::required());
            0
        }
        Some(q) if !(1..=MAX_QUANTITY).contains(&q) => {
            errs.add(field, Problem::invalid("a whole number from 1 to 100,000"));
            0
        }
        Some(q) => q,
    }
}

fn serial(errs: &mut FieldErrors, field: &str, s: Option<&str>) -> Option<String> {
    let s = errs.take(field, optional(s, MAX_SERIAL)).flatten()?;
    if s.chars().any(char::is_whitespace) {
        errs.add(field, Problem::invalid("a serial number has no spaces"));
    }
    Some(s)
}

fn reason(errs: &mut FieldErrors, s: Option<&str>) -> String {
    errs.take("reason", required(s.unwrap_or(""), MAX_NOTE))
        .unwrap_or_default()
}

/// The part, quantity and note of a receipt or a return, checked together.
fn part_quantity_note(
    part: Option<PartId>,
    q: Option<i64>,
    note: Option<&str>,
) -> Result<(PartId, i64, Option<String>), Error> {
    let mut errs = FieldErrors::new();
    if part.is_none() {
        errs.add("part_id", Problem::required());
    }
    let q = quantity(&mut errs, "quantity", q);
    let note = errs.take("note", optional(note, MAX_NOTE)).flatten();
    errs.into_result()?;
    let part = part.ok_or(Error::Internal("checked".into()))?;
    Ok((part, q, note))
}

/// Parts received into the central store from a supplier.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReceiveInput {
    pub part_id: Option<PartId>,
    pub quantity: Option<i64>,
    /// The delivery note, the supplier.
    pub note: Option<String>,
}

/// Plan a receipt into the store.
pub fn receive(
    input: &ReceiveInput,
    store: LocationId,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<NewMove, Error> {
    let (part, q, note) = part_quantity_note(input.part_id, input.quantity, input.note.as_deref())?;
    let mut m = NewMove::new(MoveKind::Receive, part, q, by, at);
    m.to = Some(Bucket::at(store));
    m.reason = note;
    Ok(m)
}

str_enum!(
    /// Where a requisition stands.
    RequisitionStatus {
        /// Waiting for the manager.
        Requested = "requested",
        /// Approved: the store may issue it.
        Approved = "approved",
        Refused = "refused",
        /// Issued from the store into the holder's van.
        Issued = "issued",
        /// Withdrawn before it was issued.
        Cancelled = "cancelled",
    }
);

impl RequisitionStatus {
    pub fn is_open(self) -> bool {
        matches!(
            self,
            RequisitionStatus::Requested | RequisitionStatus::Approved
        )
    }
}

/// One line of a requisition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequisitionLine {
    pub part_id: PartId,
    pub quantity: i64,
}

/// A request for parts, for a job or as van stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requisition {
    pub id: RequisitionId,
    /// The job the parts are for; none for van stock.
    pub job_id: Option<JobId>,
    /// Whose van the parts go into.
    pub holder: UserId,
    pub requested_by: UserId,
    pub note: Option<String>,
    pub status: RequisitionStatus,
    pub lines: Vec<RequisitionLine>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was refused, or the manager's remark on approving.
    pub decision_note: Option<String>,
    pub issued_by: Option<UserId>,
    pub issued_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A requisition line as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LineInput {
    pub part_id: Option<PartId>,
    pub quantity: Option<i64>,
}

/// A requisition as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RequisitionInput {
    /// The job the parts are for; none for van stock.
    pub job_id: Option<JobId>,
    /// Whose van; the person asking when none.
    pub holder: Option<UserId>,
    pub note: Option<String>,
    #[serde(default)]
    pub lines: Vec<LineInput>,
}

/// A requisition checked, before it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequisition {
    pub job_id: Option<JobId>,
    pub holder: UserId,
    pub requested_by: UserId,
    pub note: Option<String>,
    pub lines: Vec<RequisitionLine>,
    pub created_at: DateTime<Utc>,
}

/// Whether `role` holds parts in a van: who goes to site.
pub fn holds_van(role: Role) -> bool {
    role.may(Permission::DoFieldWork)
}

impl NewRequisition {
    /// Check a requisition. `parts` are the catalogue entries of its lines (those that
    /// exist), `job` the job it names (when it exists), `holder_role` the role of the
    /// person whose van the parts go into. Someone who goes to site asks for their own van
    /// only; the department may ask for any technician's; a job's parts go to someone on
    /// its crew, while the job is not finished.
    pub fn parse(
        input: &RequisitionInput,
        parts: &[Part],
        job: Option<&Job>,
        holder_role: Option<Role>,
        actor: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<NewRequisition, Error> {
        if !role.may(Permission::RequisitionParts) {
            return Err(Error::Forbidden);
        }
        let holder = input.holder.unwrap_or(actor);
        if holds_van(role) && holder != actor {
            return Err(Error::Forbidden);
        }
        let mut errs = FieldErrors::new();
        if !holder_role.is_some_and(holds_van) {
            errs.add(
                "holder",
                Problem::invalid("parts go to someone who goes to site"),
            );
        }
        if let Some(id) = input.job_id {
            match job {
                None => errs.add("job_id", Problem::new("not_found", "no such job")),
                Some(j) if j.status.is_finished() => errs.add(
                    "job_id",
                    Problem::invalid("the job is finished or cancelled"),
                ),
                Some(j) if !j.crew_member(holder) => errs.add(
                    "holder",
                    Problem::invalid("parts for a job go to someone on its crew"),
                ),
                Some(j) if j.id != id => errs.add("job_id", Problem::invalid("another job")),
                Some(_) => {}
            }
        }
        let note = errs
            .take("note", optional(input.note.as_deref(), MAX_NOTE))
            .flatten();
        if input.lines.is_empty() {
            errs.add("lines", Problem::required());
        }
        if input.lines.len() > MAX_LINES {
            errs.add("lines", Problem::invalid("at most 30 lines"));
        }
        let mut lines: Vec<RequisitionLine> = Vec::new();
        for (i, l) in input.lines.iter().enumerate() {
            let q = quantity(&mut errs, &format!("lines[{i}].quantity"), l.quantity);
            let field = format!("lines[{i}].part_id");
            match l.part_id {
                None => errs.add(field, Problem::required()),
                Some(id) => match parts.iter().find(|p| p.id == id) {
                    None => errs.add(field, Problem::new("not_found", "no such part")),
                    Some(p) if !p.active => {
                        errs.add(field, Problem::invalid("no longer requisitioned"))
                    }
                    Some(_) if lines.iter().any(|x| x.part_id == id) => {
                        errs.add(field, Problem::invalid("the part is on another line"))
                    }
                    Some(_) => lines.push(RequisitionLine {
                        part_id: id,
                        quantity: q,
                    }),
                },
            }
        }
        errs.into_result()?;
        Ok(NewRequisition {
            job_id: input.job_id,
            holder,
            requested_by: actor,
            note,
            lines,
            created_at: now,
        })
    }

    pub fn into_requisition(self, id: RequisitionId) -> Requisition {
        Requisition {
            id,
            job_id: self.job_id,
            holder: self.holder,
            requested_by: self.requested_by,
            note: self.note,
            status: RequisitionStatus::Requested,
            lines: self.lines,
            decided_by: None,
            decided_at: None,
            decision_note: None,
            issued_by: None,
            issued_at: None,
            created_at: self.created_at,
            updated_at: self.created_at,
            version: 1,
        }
    }
}

impl Requisition {
    fn expect(&self, status: RequisitionStatus) -> Result<(), Error> {
        if self.status != status {
            return Err(Error::Conflict(format!(
                "the requisition is {}, not {}",
                self.status, status
            )));
        }
        Ok(())
    }

    fn next(&self, now: DateTime<Utc>) -> Requisition {
        let mut r = self.clone();
        r.updated_at = now;
        r.version += 1;
        r
    }

    /// The manager approves (never their own request for their own van).
    pub fn approve(
        &self,
        note: Option<&str>,
        by: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<Requisition, Error> {
        if !role.may(Permission::ApproveRequisitions) {
            return Err(Error::Forbidden);
        }
        self.expect(RequisitionStatus::Requested)?;
        let note = optional(note, MAX_NOTE).map_err(|p| Error::field("note", p))?;
        let mut r = self.next(now);
        r.status = RequisitionStatus::Approved;
        r.decided_by = Some(by);
        r.decided_at = Some(now);
        r.decision_note = note;
        Ok(r)
    }

    /// The manager refuses, saying why.
    pub fn refuse(
        &self,
        reason: Option<&str>,
        by: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<Requisition, Error> {
        if !role.may(Permission::ApproveRequisitions) {
            return Err(Error::Forbidden);
        }
        self.expect(RequisitionStatus::Requested)?;
        let reason =
            required(reason.unwrap_or(""), MAX_NOTE).map_err(|p| Error::field("reason", p))?;
        let mut r = self.next(now);
        r.status = RequisitionStatus::Refused;
        r.decided_by = Some(by);
        r.decided_at = Some(now);
        r.decision_note = Some(reason);
        Ok(r)
    }

    /// Withdrawn before it is issued: by who asked, or by the manager.
    pub fn cancel(&self, by: UserId, role: Role, now: DateTime<Utc>) -> Result<Requisition, Error> {
        if by != self.requested_by && !role.may(Permission::ApproveRequisitions) {
            return Err(Error::Forbidden);
        }
        if !self.status.is_open() {
            return Err(Error::Conflict(format!(
                "the requisition is {}, no longer open",
                self.status
            )));
        }
        let mut r = self.next(now);
        r.status = RequisitionStatus::Cancelled;
        Ok(r)
    }

    /// The store issues an approved requisition in full: one ledger row per line, from the
    /// store into the holder's van (under the job, when it is for one).
    pub fn issue(
        &self,
        store: LocationId,
        van: LocationId,
        by: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<(Requisition, Vec<NewMove>), Error> {
        if !role.may(Permission::KeepStock) {
            return Err(Error::Forbidden);
        }
        self.expect(RequisitionStatus::Approved)?;
        let to = Bucket {
            location: van,
            job: self.job_id,
        };
        let moves = self
            .lines
            .iter()
            .map(|l| {
                let mut m = NewMove::new(MoveKind::Issue, l.part_id, l.quantity, by, now);
                m.from = Some(Bucket::at(store));
                m.to = Some(to);
                m.job_id = self.job_id;
                m.requisition_id = Some(self.id);
                m
            })
            .collect();
        let mut r = self.next(now);
        r.status = RequisitionStatus::Issued;
        r.issued_by = Some(by);
        r.issued_at = Some(now);
        Ok((r, moves))
    }

    /// What the audit log keeps of a requisition.
    pub fn audit_view(&self) -> Value {
        json!({
            "job_id": self.job_id,
            "holder": self.holder,
            "note": self.note,
            "status": self.status,
            "lines": self.lines,
            "decision_note": self.decision_note,
        })
    }
}

/// How much of a part a van holds for one job and as van stock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Held {
    pub for_job: i64,
    pub van_stock: i64,
}

/// A part used on a job, as typed on the phone.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct UseInput {
    pub part_id: Option<PartId>,
    pub quantity: Option<i64>,
    /// The serial number of the part fitted (serialised parts).
    pub serial: Option<String>,
    /// The serial number of the faulty part taken out.
    pub faulty_serial: Option<String>,
    pub note: Option<String>,
}

/// Whether `user` (of `role`) may move parts on `job`: someone of its crew who goes to
/// site, while the job is not finished.
pub fn may_use_on(job: &Job, user: UserId, role: Role) -> bool {
    holds_van(role) && job.crew_member(user) && !job.status.is_finished()
}

/// Plan fitting a part on a job: drawn from what the van holds for the job first, then
/// from its van stock. A serialised part is fitted one at a time with its serial number.
/// The parts come off the holder's van; they belong to the job's unit from then on.
#[allow(clippy::too_many_arguments)]
pub fn use_on_job(
    input: &UseInput,
    part: Option<&Part>,
    job: &Job,
    van: LocationId,
    held: Held,
    by: UserId,
    role: Role,
    now: DateTime<Utc>,
) -> Result<Vec<NewMove>, Error> {
    if !may_use_on(job, by, role) {
        return Err(Error::Forbidden);
    }
    let mut errs = FieldErrors::new();
    let q = quantity(&mut errs, "quantity", input.quantity);
    let fitted = serial(&mut errs, "serial", input.serial.as_deref());
    let removed = serial(&mut errs, "faulty_serial", input.faulty_serial.as_deref());
    let note = errs
        .take("note", optional(input.note.as_deref(), MAX_NOTE))
        .flatten();
    match part {
        None if input.part_id.is_none() => errs.add("part_id", Problem::required()),
        None => errs.add("part_id", Problem::new("not_found", "no such part")),
        Some(p) if p.serialised => {
            if q > 1 {
                errs.add(
                    "quantity",
                    Problem::invalid("a serialised part is fitted one at a time"),
                );
            }
            if fitted.is_none() {
                errs.add(
                    "serial",
                    Problem::new("required", "the serial number of the part fitted"),
                );
            }
        }
        Some(_) => {
            if fitted.is_some() {
                errs.add("serial", Problem::invalid("the part has no serial numbers"));
            }
        }
    }
    if q > 0 && errs.get("quantity").is_none() && held.for_job + held.van_stock < q {
        errs.add(
            "quantity",
            Problem::new(
                "not_held",
                format!(
                    "only {} held for this job and {} as van stock",
                    held.for_job, held.van_stock
                ),
            ),
        );
    }
    errs.into_result()?;
    let part = part.ok_or(Error::Internal("checked".into()))?;
    let from_job = q.min(held.for_job);
    let draws = [
        (Bucket::for_job(van, job.id), from_job),
        (Bucket::at(van), q - from_job),
    ];
    Ok(draws
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(from, n)| {
            let mut m = NewMove::new(MoveKind::Use, part.id, n, by, now);
            m.from = Some(from);
            m.job_id = Some(job.id);
            m.unit_id = job.unit_id;
            m.serial = fitted.clone();
            m.faulty_serial = removed.clone();
            m.reason = note.clone();
            m
        })
        .collect())
}

/// Unused parts brought back to the store, or a faulty part brought to inspection.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReturnInput {
    pub part_id: Option<PartId>,
    pub quantity: Option<i64>,
    /// The job they were issued for; none for van stock.
    pub job_id: Option<JobId>,
    pub note: Option<String>,
}

/// Plan the return of unused parts from `van` (under `input.job_id`) to the store.
pub fn return_to_store(
    input: &ReturnInput,
    van: LocationId,
    store: LocationId,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<NewMove, Error> {
    let (part, q, note) = part_quantity_note(input.part_id, input.quantity, input.note.as_deref())?;
    let mut m = NewMove::new(MoveKind::Return, part, q, by, now);
    m.from = Some(Bucket {
        location: van,
        job: input.job_id,
    });
    m.to = Some(Bucket::at(store));
    m.job_id = input.job_id;
    m.reason = note;
    Ok(m)
}

/// A faulty part removed on a job, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FaultyInput {
    pub part_id: Option<PartId>,
    pub quantity: Option<i64>,
    pub faulty_serial: Option<String>,
    /// What was wrong with it, as found.
    pub note: Option<String>,
}

/// Plan bringing a faulty part removed on `job` to inspection, where the quality review
/// finds it (R7). A serialised part comes back one at a time with its serial number.
pub fn faulty_return(
    input: &FaultyInput,
    part: Option<&Part>,
    job: &Job,
    inspection: LocationId,
    by: UserId,
    role: Role,
    now: DateTime<Utc>,
) -> Result<NewMove, Error> {
    if !holds_van(role) && !role.may(Permission::KeepStock) {
        return Err(Error::Forbidden);
    }
    if holds_van(role) && !job.crew_member(by) {
        return Err(Error::Forbidden);
    }
    let mut errs = FieldErrors::new();
    let q = quantity(&mut errs, "quantity", input.quantity);
    let removed = serial(&mut errs, "faulty_serial", input.faulty_serial.as_deref());
    let note = errs
        .take("note", optional(input.note.as_deref(), MAX_NOTE))
        .flatten();
    match part {
        None if input.part_id.is_none() => errs.add("part_id", Problem::required()),
        None => errs.add("part_id", Problem::new("not_found", "no such part")),
        Some(p) if p.serialised => {
            if q > 1 {
                errs.add(
                    "quantity",
                    Problem::invalid("a serialised part comes back one at a time"),
                );
            }
            if removed.is_none() {
                errs.add(
                    "faulty_serial",
                    Problem::new("required", "the serial number of the faulty part"),
                );
            }
        }
        Some(_) => {}
    }
    errs.into_result()?;
    let part = part.ok_or(Error::Internal("checked".into()))?;
    let mut m = NewMove::new(MoveKind::FaultyReturn, part.id, q, by, now);
    m.to = Some(Bucket::at(inspection));
    m.job_id = Some(job.id);
    m.unit_id = job.unit_id;
    m.faulty_serial = removed;
    m.reason = note;
    Ok(m)
}

str_enum!(
    /// Why parts are written off.
    WriteOffCause {
        Lost = "lost",
        Scrapped = "scrapped",
        /// Fitted without being recorded, found afterwards.
        UsedUnrecorded = "used_unrecorded",
    }
);

/// Parts written off, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WriteOffInput {
    pub part_id: Option<PartId>,
    pub quantity: Option<i64>,
    pub location_id: Option<LocationId>,
    /// The job they were issued for; none for van or store stock.
    pub job_id: Option<JobId>,
    pub cause: Option<String>,
    pub reason: Option<String>,
}

/// Plan a write-off by the manager: parts lost or scrapped leave the bucket they sat in,
/// with the cause and reason on the row (and so in the audit log).
pub fn write_off(
    input: &WriteOffInput,
    role: Role,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<NewMove, Error> {
    if !role.may(Permission::WriteOffParts) {
        return Err(Error::Forbidden);
    }
    let mut errs = FieldErrors::new();
    if input.part_id.is_none() {
        errs.add("part_id", Problem::required());
    }
    if input.location_id.is_none() {
        errs.add("location_id", Problem::required());
    }
    let q = quantity(&mut errs, "quantity", input.quantity);
    let cause = match input.cause.as_deref().map(str::trim) {
        None | Some("") => {
            errs.add("cause", Problem::required());
            None
        }
        Some(c) => {
            let c = WriteOffCause::parse(c);
            if c.is_none() {
                errs.add(
                    "cause",
                    Problem::invalid("lost, scrapped or used_unrecorded"),
                );
            }
            c
        }
    };
    let why = reason(&mut errs, input.reason.as_deref());
    errs.into_result()?;
    let (Some(part), Some(location), Some(cause)) = (input.part_id, input.location_id, cause)
    else {
        return Err(Error::Internal("checked".into()));
    };
    let mut m = NewMove::new(MoveKind::WriteOff, part, q, by, now);
    m.from = Some(Bucket {
        location,
        job: input.job_id,
    });
    m.job_id = input.job_id;
    m.reason = Some(format!("{}: {why}", cause.as_str()));
    Ok(m)
}

/// A count corrected, as typed: `delta` more (positive) or fewer (negative) than the books
/// say.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AdjustInput {
    pub part_id: Option<PartId>,
    pub location_id: Option<LocationId>,
    pub delta: Option<i64>,
    pub reason: Option<String>,
}

/// Plan a count correction by the manager.
pub fn adjust(
    input: &AdjustInput,
    role: Role,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<NewMove, Error> {
    if !role.may(Permission::WriteOffParts) {
        return Err(Error::Forbidden);
    }
    let mut errs = FieldErrors::new();
    if input.part_id.is_none() {
        errs.add("part_id", Problem::required());
    }
    if input.location_id.is_none() {
        errs.add("location_id", Problem::required());
    }
    let delta = match input.delta {
        None => {
            errs.add("delta", Problem::required());
            0
        }
        // A range, not `abs()`: the smallest i64 has no positive counterpart.
        Some(d) if d == 0 || !(-MAX_QUANTITY..=MAX_QUANTITY).contains(&d) => {
            errs.add(
                "delta",
                Problem::invalid("a whole number from -100,000 to 100,000, not 0"),
            );
            0
        }
        Some(d) => d,
    };
    let why = reason(&mut errs, input.reason.as_deref());
    errs.into_result()?;
    let (Some(part), Some(location)) = (input.part_id, input.location_id) else {
        return Err(Error::Internal("checked".into()));
    };
    let mut m = NewMove::new(MoveKind::Adjust, part, delta.abs(), by, now);
    if delta > 0 {
        m.to = Some(Bucket::at(location));
    } else {
        m.from = Some(Bucket::at(location));
    }
    m.reason = Some(why);
    Ok(m)
}

/// Plan undoing `original`: the same quantity moved back, with the reason. A reversal is
/// not itself reversed (the original is recorded again instead), and a row is reversed
/// once.
pub fn reverse(
    original: &Move,
    already_reversed: bool,
    reason_text: Option<&str>,
    role: Role,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<NewMove, Error> {
    if !role.may(Permission::WriteOffParts) {
        return Err(Error::Forbidden);
    }
    if original.m.kind == MoveKind::Reversal {
        return Err(Error::Conflict(
            "a reversal is not reversed: record the original again".into(),
        ));
    }
    if already_reversed {
        return Err(Error::Conflict(format!(
            "ledger row {} is already reversed",
            original.id
        )));
    }
    let mut errs = FieldErrors::new();
    let why = reason(&mut errs, reason_text);
    errs.into_result()?;
    let o = &original.m;
    let mut m = NewMove::new(MoveKind::Reversal, o.part_id, o.quantity, by, now);
    m.from = o.to;
    m.to = o.from;
    m.job_id = o.job_id;
    m.requisition_id = o.requisition_id;
    m.unit_id = o.unit_id;
    m.serial = o.serial.clone();
    m.faulty_serial = o.faulty_serial.clone();
    m.reverses = Some(original.id);
    m.reason = Some(why);
    Ok(m)
}

/// One part's account on a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub part_id: PartId,
    /// Issued from the store for the job.
    pub issued: i64,
    /// Of those, fitted on the job.
    pub used: i64,
    /// Of those, brought back to the store.
    pub returned: i64,
    /// Of those, written off by the manager (lost, scrapped).
    pub written_off: i64,
    /// Still out: issued − used − returned − written off.
    pub outstanding: i64,
    /// Fitted on the job from the holder's van stock (not issued for the job).
    pub used_from_van: i64,
    /// Faulty parts removed on the job and brought to inspection.
    pub faulty_returned: i64,
}

/// A job's parts account ("如數帶回"): for each part, issued = used + returned + written
/// off + still out. The job closes only when nothing is still out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    pub job_id: Option<JobId>,
    pub lines: Vec<Tally>,
}

impl Reconciliation {
    /// The account of `job` from its ledger rows (every row whose `job_id` is the job,
    /// reversals included).
    pub fn of(job: JobId, moves: &[Move]) -> Reconciliation {
        let by_id: BTreeMap<MoveId, &Move> = moves.iter().map(|m| (m.id, m)).collect();
        let mut lines: BTreeMap<PartId, Tally> = BTreeMap::new();
        for mv in moves.iter().filter(|m| m.m.job_id == Some(job)) {
            // A reversal counts against what it undoes.
            let (m, sign) = match mv.m.reverses.and_then(|id| by_id.get(&id)) {
                Some(orig) if mv.m.kind == MoveKind::Reversal => (&orig.m, -1),
                _ => (&mv.m, 1),
            };
            let q = sign * mv.m.quantity;
            let t = lines.entry(m.part_id).or_insert_with(|| Tally {
                part_id: m.part_id,
                issued: 0,
                used: 0,
                returned: 0,
                written_off: 0,
                outstanding: 0,
                used_from_van: 0,
                faulty_returned: 0,
            });
            let from_job = m.from.is_some_and(|b| b.job == Some(job));
            match m.kind {
                MoveKind::Issue => t.issued += q,
                MoveKind::Use if from_job => t.used += q,
                MoveKind::Use => t.used_from_van += q,
                MoveKind::Return if from_job => t.returned += q,
                MoveKind::WriteOff if from_job => t.written_off += q,
                MoveKind::FaultyReturn => t.faulty_returned += q,
                _ => {}
            }
        }
        let lines = lines
            .into_values()
            .map(|mut t| {
                t.outstanding = t.issued - t.used - t.returned - t.written_off;
                t
            })
            .collect();
        Reconciliation {
            job_id: Some(job),
            lines,
        }
    }

    /// Pieces still out, all parts together.
    pub fn outstanding(&self) -> i64 {
        self.lines.iter().map(|t| t.outstanding.max(0)).sum()
    }

    /// Refused while parts taken for the job are unaccounted for: they are returned, or
    /// the manager writes them off saying why.
    pub fn require_settled(&self) -> Result<(), Error> {
        let out = self.outstanding();
        if out > 0 {
            return Err(Error::field(
                "parts",
                Problem::new(
                    "parts_out",
                    format!(
                        "{out} part(s) taken for this job are still out: return them, or have \
                         the service manager write them off"
                    ),
                ),
            ));
        }
        Ok(())
    }
}

/// What is in a bucket: a line of a location's stock or of someone's holdings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockLine {
    pub part_id: PartId,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub location_id: LocationId,
    pub location: String,
    pub job_id: Option<JobId>,
    pub on_hand: i64,
    pub reorder_level: i64,
}

/// Ledger list filters.
#[derive(Debug, Clone, Copy, Default)]
pub struct LedgerFilter {
    pub part: Option<PartId>,
    pub location: Option<LocationId>,
    pub job: Option<JobId>,
}

/// Requisition list filters.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequisitionFilter {
    pub status: Option<RequisitionStatus>,
    pub holder: Option<UserId>,
    pub job: Option<JobId>,
}

/// Catalogue search.
#[derive(Debug, Clone, Default)]
pub struct PartFilter {
    /// Code or name contains.
    pub q: Option<String>,
    /// Fits this model.
    pub model: Option<String>,
    pub include_inactive: bool,
}

/// A part as used on a job, all its uses on the job together (net of reversals), with
/// what it costs the company and what the price list asks of a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsedPart {
    pub part_id: PartId,
    pub code: String,
    pub name: String,
    /// Unit of measure: 个, 米, 套.
    pub unit: String,
    pub quantity: i64,
    /// What one costs the company, in fen.
    pub unit_cost_fen: i64,
    /// What one costs a customer per the price list, in fen.
    pub list_price_fen: i64,
}

/// A ledger row with the names a page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MoveView {
    #[serde(flatten)]
    pub mv: Move,
    pub part_code: String,
    pub part_name: String,
    pub unit: String,
    pub from_name: Option<String>,
    pub to_name: Option<String>,
    pub by_name: String,
    /// Undone by a later row.
    pub reversed_by: Option<MoveId>,
}

/// A requisition line with the part's names and what the store holds of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineView {
    pub part_id: PartId,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub quantity: i64,
    /// In the central store now.
    pub in_store: i64,
}

/// A requisition with the names a page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequisitionView {
    pub requisition: Requisition,
    pub holder_name: String,
    pub requested_by_name: String,
    pub decided_by_name: Option<String>,
    pub lines: Vec<LineView>,
}
