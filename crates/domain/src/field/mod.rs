//! Field service (R4.1–R4.6): an on-site job on a ticket, and its trips to site.
//!
//! A ticket whose work is done on site (an emergency, a repair, an installation…) gets one
//! job. The job holds who to meet and what is wrong; each trip to site holds who was sent
//! (one or several technicians, one of them leading), when they set off and when they
//! arrived. The first trip's arrival meets the ticket's arrival deadline (R3.4); a job that
//! needs parts or whose fault comes back gets a follow-up trip, dispatched like the first.
//!
//! Who may act is decided here, on the record: a technician sets off, arrives and undoes
//! an arrival only on a trip they are sent on ([`Job::crew_member`]).

use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{CustomerId, JobId, SiteId, TicketId, TripId, UnitId, UserId};
use crate::role::{Permission, Role};
use crate::terms::{TicketKind, str_enum};
use crate::text::{Phone, optional, required};
use crate::time::to_store_precision;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

// ---- field form ----
pub mod form;
// ---- end field form ----
// ---- survey and daily report (issue 8, parts 5 and 8) ----
pub mod report;
pub mod survey;
// ---- end survey and daily report ----

#[cfg(test)]
mod tests;

/// How long after recording an arrival its technician may take it back (a tap on the
/// wrong job, a button pressed in the car park).
pub const ARRIVAL_UNDO: Duration = Duration::minutes(10);

/// At most this many people on one trip.
pub const MAX_CREW: usize = 6;

str_enum!(
    /// The kind of work on site (R1.1).
    JobType {
        Installation = "installation",
        Repair = "repair",
        TechnicalGuidance = "technical_guidance",
        Training = "training",
        Inspection = "inspection",
    }
);

str_enum!(
    /// Where a job stands.
    JobStatus {
        /// Waiting for a technician: new, or a follow-up trip not yet dispatched.
        Open = "open",
        /// A crew is named for the current trip.
        Dispatched = "dispatched",
        /// The crew has set off.
        Underway = "underway",
        /// The crew is on site.
        OnSite = "on_site",
        /// The customer signed the feedback form; the department reviews it.
        Submitted = "submitted",
        /// The reviewer sent the form back with a reason.
        Returned = "returned",
        /// The form was accepted: the job is done and archived.
        Done = "done",
        Cancelled = "cancelled",
    }
);

impl JobType {
    /// The work a ticket of this kind asks for, when the desk does not say.
    pub fn for_ticket(kind: TicketKind) -> JobType {
        match kind {
            TicketKind::Installation => JobType::Installation,
            TicketKind::TechnicalGuidance => JobType::TechnicalGuidance,
            TicketKind::Training => JobType::Training,
            TicketKind::ComplaintQuality | TicketKind::ComplaintOther => JobType::Inspection,
            _ => JobType::Repair,
        }
    }
}

impl JobStatus {
    /// Nothing more happens on site.
    pub fn is_finished(self) -> bool {
        matches!(self, JobStatus::Done | JobStatus::Cancelled)
    }
    /// A crew is on its way or on site.
    pub fn is_out(self) -> bool {
        matches!(
            self,
            JobStatus::Dispatched | JobStatus::Underway | JobStatus::OnSite
        )
    }
}

/// Whether a ticket of this kind may have work on site: everything but the contacts
/// answered by a reply (R3.5, R3.7).
pub fn may_have_job(kind: TicketKind) -> bool {
    !kind.is_answered_by_reply()
}

/// Who may be sent to site.
pub fn may_go_on_site(role: Role) -> bool {
    role.may(Permission::DoFieldWork)
}

/// Who may see a job (the permission on the record): the department every job; whoever
/// goes on site only the jobs they are sent on; a salesperson the jobs of their own
/// customers (R3.1). The one place this is decided.
pub fn may_see(job: &Job, user: UserId, role: Role, customer_salesperson: Option<UserId>) -> bool {
    if role.may(Permission::DoFieldWork) {
        return job.crew_member(user);
    }
    if role.bound_to_own_customers() {
        return customer_salesperson == Some(user);
    }
    role.may(Permission::ViewServiceDesk)
}

/// A phone's position when it records an arrival, as it gave it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub lat: f64,
    pub lon: f64,
    /// Metres, as the phone estimated.
    pub accuracy_m: Option<f64>,
}

impl Position {
    /// A position from the phone, checked: latitude −90…90, longitude −180…180, accuracy
    /// 0…100 km. Each wrong part is named.
    pub fn parse(lat: f64, lon: f64, accuracy_m: Option<f64>) -> Result<Position, Error> {
        let mut errs = FieldErrors::new();
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            errs.add("lat", Problem::invalid("a latitude is between -90 and 90"));
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            errs.add(
                "lon",
                Problem::invalid("a longitude is between -180 and 180"),
            );
        }
        if let Some(a) = accuracy_m
            && (!a.is_finite() || !(0.0..=100_000.0).contains(&a))
        {
            errs.add(
                "accuracy_m",
                Problem::invalid("an accuracy is 0 to 100,000 metres"),
            );
        }
        errs.into_result()?;
        Ok(Position {
            lat,
            lon,
            accuracy_m,
        })
    }
}

/// One person on a trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrewMember {
    pub user_id: UserId,
    pub name: String,
    /// The one who leads on site and answers for the form.
    pub lead: bool,
}

/// One trip of a job to site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trip {
    pub id: TripId,
    /// 1 for the first trip; follow-ups count on.
    pub ordinal: i64,
    /// Why a follow-up trip is needed (parts ordered, the fault came back).
    pub reason: Option<String>,
    pub crew: Vec<CrewMember>,
    pub dispatched_at: Option<DateTime<Utc>>,
    pub dispatched_by: Option<UserId>,
    /// When the dispatcher expected the crew on site, as proposed at dispatch.
    pub expected_at: Option<DateTime<Utc>>,
    pub departed_at: Option<DateTime<Utc>>,
    /// Stamped by the server when the technician says they are there.
    pub arrived_at: Option<DateTime<Utc>>,
    pub arrived_by: Option<UserId>,
    pub position: Option<Position>,
    pub created_at: DateTime<Utc>,
}

impl Trip {
    pub fn lead(&self) -> Option<&CrewMember> {
        self.crew.iter().find(|c| c.lead)
    }
    pub fn has(&self, user: UserId) -> bool {
        self.crew.iter().any(|c| c.user_id == user)
    }
}

/// An on-site job (R4.3).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    pub id: JobId,
    pub ticket_id: TicketId,
    pub job_type: JobType,
    pub status: JobStatus,
    pub customer_id: CustomerId,
    pub site_id: Option<SiteId>,
    pub unit_id: Option<UnitId>,
    /// The model, when the unit's serial number is not known.
    pub model_code: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub problem: String,
    /// Oldest first; the last is the current one.
    pub trips: Vec<Trip>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A job as submitted: from the ticket page or from a service request.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct JobInput {
    pub job_type: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub problem: Option<String>,
    pub model_code: Option<String>,
}

/// A job checked and ready to be written, with its first trip.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub ticket_id: TicketId,
    pub job_type: JobType,
    pub customer_id: CustomerId,
    pub site_id: Option<SiteId>,
    pub unit_id: Option<UnitId>,
    pub model_code: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub problem: String,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

/// What a job is opened on: its ticket as it stands.
#[derive(Debug, Clone, Copy)]
pub struct JobTicket<'a> {
    pub id: TicketId,
    pub kind: TicketKind,
    pub finished: bool,
    pub customer_id: CustomerId,
    pub site_id: Option<SiteId>,
    pub unit_id: Option<UnitId>,
    pub summary: &'a str,
}

impl<'a> From<&'a crate::ticket::Ticket> for JobTicket<'a> {
    fn from(t: &'a crate::ticket::Ticket) -> Self {
        JobTicket {
            id: t.id,
            kind: t.kind,
            finished: t.status.is_finished(),
            customer_id: t.customer_id,
            site_id: t.site_id,
            unit_id: t.unit_id,
            summary: &t.summary,
        }
    }
}

impl NewJob {
    /// Every problem is named by its field. The problem defaults to the ticket's summary.
    pub fn parse(
        input: &JobInput,
        ticket: JobTicket<'_>,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<NewJob, Error> {
        if !may_have_job(ticket.kind) {
            return Err(Error::Conflict(format!(
                "a {} is answered by a reply, not on site",
                ticket.kind.as_str()
            )));
        }
        if ticket.finished {
            return Err(Error::Conflict("the ticket is finished".into()));
        }
        let mut errs = FieldErrors::new();
        let job_type = match input.job_type.as_deref().map(str::trim) {
            None | Some("") => Some(JobType::for_ticket(ticket.kind)),
            Some(s) => {
                let t = JobType::parse(s);
                if t.is_none() {
                    errs.add("job_type", Problem::invalid("not a kind of work on site"));
                }
                t
            }
        };
        let contact_name = errs.take(
            "contact_name",
            required(input.contact_name.as_deref().unwrap_or(""), 100),
        );
        let contact_phone = errs.take(
            "contact_phone",
            Phone::parse(input.contact_phone.as_deref().unwrap_or("")),
        );
        let problem = match input.problem.as_deref().map(str::trim) {
            None | Some("") => Some(ticket.summary.to_string()),
            Some(p) => errs.take("problem", required(p, 4000)),
        };
        let model_code = errs
            .take("model_code", optional(input.model_code.as_deref(), 50))
            .flatten();
        errs.into_result()?;
        let (Some(job_type), Some(contact_name), Some(contact_phone), Some(problem)) =
            (job_type, contact_name, contact_phone, problem)
        else {
            return Err(Error::Internal("job fields checked but missing".into()));
        };
        Ok(NewJob {
            ticket_id: ticket.id,
            job_type,
            customer_id: ticket.customer_id,
            site_id: ticket.site_id,
            unit_id: ticket.unit_id,
            model_code,
            contact_name,
            contact_phone: contact_phone.display,
            problem,
            created_by: by,
            created_at: to_store_precision(now),
        })
    }
}

/// A person who may be put on a crew, as the store knows them now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: UserId,
    pub name: String,
    pub role: Role,
    pub active: bool,
}

/// A dispatch as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DispatchInput {
    /// Everyone sent, the lead first unless `lead_id` says otherwise.
    #[serde(default)]
    pub technician_ids: Vec<UserId>,
    pub lead_id: Option<UserId>,
    /// The arrival the dispatcher expects (from the proposal).
    pub expected_at: Option<DateTime<Utc>>,
}

/// Each step a trip takes after dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Dispatch,
    Depart,
    Arrive,
    UndoArrival,
    FollowUp,
    Cancel,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Dispatch => "dispatch",
            Step::Depart => "depart",
            Step::Arrive => "arrive",
            Step::UndoArrival => "undo_arrival",
            Step::FollowUp => "follow_up",
            Step::Cancel => "cancel",
        }
    }
}

fn refuse(job: &Job, step: Step) -> Error {
    Error::Conflict(format!(
        "cannot {} a job that is {}",
        step.as_str(),
        job.status.as_str()
    ))
}

impl Job {
    /// The trip under way or waiting to be dispatched: the last one.
    pub fn current_trip(&self) -> Option<&Trip> {
        self.trips.last()
    }

    fn current_trip_mut(&mut self) -> Result<&mut Trip, Error> {
        self.trips
            .last_mut()
            .ok_or_else(|| Error::Internal("a job without a trip".into()))
    }

    /// The first trip's arrival: what the ticket's arrival deadline is met by (R3.4).
    pub fn first_arrival(&self) -> Option<DateTime<Utc>> {
        self.trips.first().and_then(|t| t.arrived_at)
    }

    /// Whether `user` is on the crew of any trip of this job: who may see it on a phone.
    pub fn crew_member(&self, user: UserId) -> bool {
        self.trips.iter().any(|t| t.has(user))
    }

    /// Whether `user` may act on the current trip as its crew (R4.4): the permission on
    /// the record, not only the role.
    pub fn may_work(&self, user: UserId, role: Role) -> bool {
        role.may(Permission::DoFieldWork) && self.current_trip().is_some_and(|t| t.has(user))
    }

    fn require_crew(&self, user: UserId, role: Role) -> Result<(), Error> {
        if !role.may(Permission::DoFieldWork) {
            return Err(Error::Forbidden);
        }
        if !self.current_trip().is_some_and(|t| t.has(user)) {
            return Err(Error::Forbidden);
        }
        Ok(())
    }

    fn stepped(mut self, now: DateTime<Utc>) -> Job {
        self.version += 1;
        self.updated_at = now;
        self
    }

    /// Send a crew on the current trip, or change the crew before it sets off. Every
    /// person is checked: active, and one who goes on site; the lead is one of them.
    pub fn dispatch(
        &self,
        input: &DispatchInput,
        people: &[Candidate],
        by: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<Job, Error> {
        if !role.may(Permission::DispatchTechnicians) {
            return Err(Error::Forbidden);
        }
        if !matches!(self.status, JobStatus::Open | JobStatus::Dispatched) {
            return Err(refuse(self, Step::Dispatch));
        }
        let now = to_store_precision(now);
        let mut errs = FieldErrors::new();
        let mut ids = input.technician_ids.clone();
        let n = ids.len();
        ids.sort_by_key(|u| u.0);
        ids.dedup();
        if input.technician_ids.is_empty() {
            errs.add("technician_ids", Problem::required());
        } else if ids.len() != n {
            errs.add(
                "technician_ids",
                Problem::invalid("each person is named once"),
            );
        } else if n > MAX_CREW {
            errs.add(
                "technician_ids",
                Problem::invalid(format!("at most {MAX_CREW} people on one trip")),
            );
        }
        let mut crew = Vec::new();
        for id in &input.technician_ids {
            match people.iter().find(|p| p.user_id == *id) {
                Some(p) if p.active && may_go_on_site(p.role) => crew.push(CrewMember {
                    user_id: p.user_id,
                    name: p.name.clone(),
                    lead: false,
                }),
                Some(p) => errs.add(
                    "technician_ids",
                    Problem::invalid(format!("{} does not go on site", p.name)),
                ),
                None => errs.add(
                    "technician_ids",
                    Problem::new("not_found", format!("no such user: {id}")),
                ),
            }
        }
        let lead = input
            .lead_id
            .or_else(|| input.technician_ids.first().copied());
        if let Some(l) = input.lead_id
            && !input.technician_ids.contains(&l)
        {
            errs.add(
                "lead_id",
                Problem::invalid("the lead is one of the people sent"),
            );
        }
        if let Some(at) = input.expected_at
            && at < now - Duration::minutes(5)
        {
            errs.add(
                "expected_at",
                Problem::invalid("the expected arrival is not in the past"),
            );
        }
        errs.into_result()?;
        for c in &mut crew {
            c.lead = Some(c.user_id) == lead;
        }
        let mut job = self.clone();
        let trip = job.current_trip_mut()?;
        trip.crew = crew;
        trip.dispatched_at = Some(now);
        trip.dispatched_by = Some(by);
        trip.expected_at = input.expected_at.map(to_store_precision);
        job.status = JobStatus::Dispatched;
        Ok(job.stepped(now))
    }

    /// The crew sets off.
    pub fn depart(&self, user: UserId, role: Role, now: DateTime<Utc>) -> Result<Job, Error> {
        self.require_crew(user, role)?;
        if self.status != JobStatus::Dispatched {
            return Err(refuse(self, Step::Depart));
        }
        let now = to_store_precision(now);
        let mut job = self.clone();
        job.current_trip_mut()?.departed_at = Some(now);
        job.status = JobStatus::Underway;
        Ok(job.stepped(now))
    }

    /// The crew is on site: stamped with the server's time, with the phone's position when
    /// it gave one. A crew that did not say it set off has set off at dispatch.
    pub fn arrive(
        &self,
        user: UserId,
        role: Role,
        position: Option<Position>,
        now: DateTime<Utc>,
    ) -> Result<Job, Error> {
        self.require_crew(user, role)?;
        if !matches!(self.status, JobStatus::Dispatched | JobStatus::Underway) {
            return Err(refuse(self, Step::Arrive));
        }
        let now = to_store_precision(now);
        let mut job = self.clone();
        let trip = job.current_trip_mut()?;
        trip.arrived_at = Some(now);
        trip.arrived_by = Some(user);
        trip.position = position;
        job.status = JobStatus::OnSite;
        Ok(job.stepped(now))
    }

    /// Take back an arrival recorded by mistake: only by whoever recorded it, within
    /// [`ARRIVAL_UNDO`], while nothing else has happened on site.
    pub fn undo_arrival(&self, user: UserId, role: Role, now: DateTime<Utc>) -> Result<Job, Error> {
        self.require_crew(user, role)?;
        let trip = self
            .current_trip()
            .ok_or_else(|| Error::Internal("a job without a trip".into()))?;
        let Some(arrived) = trip.arrived_at else {
            return Err(refuse(self, Step::UndoArrival));
        };
        if self.status != JobStatus::OnSite {
            return Err(refuse(self, Step::UndoArrival));
        }
        if trip.arrived_by != Some(user) {
            return Err(Error::Conflict(
                "only whoever recorded the arrival may take it back".into(),
            ));
        }
        if now - arrived > ARRIVAL_UNDO {
            return Err(Error::Conflict(format!(
                "an arrival can be taken back within {} minutes of recording it",
                ARRIVAL_UNDO.num_minutes()
            )));
        }
        let now = to_store_precision(now);
        let mut job = self.clone();
        let trip = job.current_trip_mut()?;
        trip.arrived_at = None;
        trip.arrived_by = None;
        trip.position = None;
        job.status = if trip.departed_at.is_some() {
            JobStatus::Underway
        } else {
            JobStatus::Dispatched
        };
        Ok(job.stepped(now))
    }

    /// Another trip is needed (parts to order, the fault came back): a new trip waits for
    /// dispatch. Asked by the crew on site, or by the department once the work was
    /// reported.
    pub fn follow_up(
        &self,
        reason: &str,
        user: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<Job, Error> {
        let desk = role.may(Permission::DispatchTechnicians);
        if !desk {
            self.require_crew(user, role)?;
        }
        let allowed = match self.status {
            JobStatus::OnSite => true,
            JobStatus::Submitted | JobStatus::Returned | JobStatus::Done => desk,
            _ => false,
        };
        if !allowed {
            return Err(refuse(self, Step::FollowUp));
        }
        let reason = required(reason, 2000).map_err(|p| Error::field("reason", p))?;
        let now = to_store_precision(now);
        let mut job = self.clone();
        let ordinal = self.trips.len() as i64 + 1;
        job.trips.push(Trip {
            id: TripId(0),
            ordinal,
            reason: Some(reason),
            crew: Vec::new(),
            dispatched_at: None,
            dispatched_by: None,
            expected_at: None,
            departed_at: None,
            arrived_at: None,
            arrived_by: None,
            position: None,
            created_at: now,
        });
        job.status = JobStatus::Open;
        Ok(job.stepped(now))
    }

    /// Nothing will be done on site after all (the customer fixed it, the job was opened
    /// twice).
    pub fn cancel(&self, reason: &str, role: Role, now: DateTime<Utc>) -> Result<Job, Error> {
        if !role.may(Permission::DispatchTechnicians) {
            return Err(Error::Forbidden);
        }
        if self.status.is_finished() || self.status == JobStatus::Submitted {
            return Err(refuse(self, Step::Cancel));
        }
        required(reason, 2000).map_err(|p| Error::field("reason", p))?;
        let mut job = self.clone();
        job.status = JobStatus::Cancelled;
        Ok(job.stepped(to_store_precision(now)))
    }

    /// The fields an audit record compares (R1.4).
    pub fn audit_view(&self) -> Value {
        json!({
            "ticket_id": self.ticket_id,
            "job_type": self.job_type,
            "status": self.status,
            "site_id": self.site_id,
            "unit_id": self.unit_id,
            "model_code": self.model_code,
            "contact_name": self.contact_name,
            "contact_phone": self.contact_phone,
            "problem": self.problem,
            "trips": self.trips.iter().map(|t| json!({
                "ordinal": t.ordinal,
                "reason": t.reason,
                "crew": t.crew.iter().map(|c| json!({"user_id": c.user_id, "lead": c.lead})).collect::<Vec<_>>(),
                "dispatched_at": t.dispatched_at,
                "expected_at": t.expected_at,
                "departed_at": t.departed_at,
                "arrived_at": t.arrived_at,
                "arrived_by": t.arrived_by,
                "position": t.position,
            })).collect::<Vec<_>>(),
        })
    }
}

impl NewJob {
    /// The job as it is once written, with its id and the first trip's.
    pub fn into_job(self, id: JobId, trip: TripId) -> Job {
        Job {
            id,
            ticket_id: self.ticket_id,
            job_type: self.job_type,
            status: JobStatus::Open,
            customer_id: self.customer_id,
            site_id: self.site_id,
            unit_id: self.unit_id,
            model_code: self.model_code,
            contact_name: self.contact_name,
            contact_phone: self.contact_phone,
            problem: self.problem,
            trips: vec![Trip {
                id: trip,
                ordinal: 1,
                reason: None,
                crew: Vec::new(),
                dispatched_at: None,
                dispatched_by: None,
                expected_at: None,
                departed_at: None,
                arrived_at: None,
                arrived_by: None,
                position: None,
                created_at: self.created_at,
            }],
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.created_at,
            version: 1,
        }
    }
}

/// What the jobs lists are narrowed by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    pub status: Option<JobStatus>,
    /// Jobs whose crew (any trip) includes this person.
    pub crew: Option<UserId>,
    pub ticket: Option<TicketId>,
    /// Only jobs not finished.
    pub open_only: bool,
}
