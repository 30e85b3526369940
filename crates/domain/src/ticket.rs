//! Tickets: every incoming contact recorded (R1.4), its deadlines (R3.3–R3.7) and the
//! workflow that meets them (R4.1).

use crate::coverage::Coverage;
use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{CustomerId, SiteId, TicketId, UnitId, UserId};
use crate::region::Region;
use crate::replies::{Answers, OpinionResponse, ReplyMedium};
use crate::role::{Permission, Role};
use crate::text;
use crate::time::{local_date, to_store_precision};
use crate::unit::TicketPlace;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{Value, json};

pub use crate::deadline::{
    DUE_SOON, Deadline, DeadlinePolicy, DeadlineState, Pause, arrival_hours, compute, recompute,
};
pub use crate::terms::{Channel, DeadlineKind, EventType, TicketKind, TicketStatus};

/// The deadlines a ticket of `kind` at a site in `region`, received at `received_at`,
/// starts with under the company's built-in policy (see [`compute`] for any policy).
pub fn deadlines_for(
    kind: TicketKind,
    region: crate::region::Region,
    received_at: DateTime<Utc>,
) -> Vec<Deadline> {
    compute(&DeadlinePolicy::company(), kind, region, received_at, &[])
}

/// The number people quote on the phone: `SB` and the id, zero-padded to eight digits.
pub fn ticket_number(id: TicketId) -> String {
    format!("SB{:08}", id.0)
}

/// Reads a quoted ticket number back (`SB00000042`, `sb42`, `42`).
pub fn parse_ticket_number(s: &str) -> Option<TicketId> {
    let t = s.trim();
    let digits = t
        .strip_prefix("SB")
        .or_else(|| t.strip_prefix("sb"))
        .or_else(|| t.strip_prefix("Sb"))
        .unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0).map(TicketId)
}

pub const SUMMARY_MAX: usize = 4000;
pub const UNIT_TEXT_MAX: usize = 200;
pub const NOTE_MAX: usize = 4000;
/// A contact received more than this far in the future is a typing mistake.
pub const CLOCK_SKEW: Duration = Duration::minutes(5);
/// An arrival reported longer than this after it happened needs a reason (issue 12): the
/// arrival deadline is met by the time reported, so a late report must say why.
pub const LATE_ARRIVAL_REPORT: Duration = Duration::minutes(30);

/// A contact as submitted, typed but not yet checked.
#[derive(Debug, Clone)]
pub struct TicketInput {
    pub kind: TicketKind,
    pub channel: Channel,
    pub customer_id: CustomerId,
    /// The unit the contact is about, if known: its site sets the region.
    pub unit_id: Option<UnitId>,
    /// The site, when no unit is named; the customer's first site otherwise.
    pub site_id: Option<SiteId>,
    pub unit_text: Option<String>,
    pub summary: String,
    pub received_at: DateTime<Utc>,
}

/// A checked new ticket with its deadlines, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    pub kind: TicketKind,
    pub channel: Channel,
    pub customer_id: CustomerId,
    pub unit_text: Option<String>,
    pub summary: String,
    pub received_at: DateTime<Utc>,
    pub site_region: Region,
    pub site_id: Option<SiteId>,
    pub unit_id: Option<UnitId>,
    /// The unit's coverage on the received date, recorded once (R2 decision).
    pub coverage: Option<Coverage>,
    pub deadlines: Vec<Deadline>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    /// The owner from the moment it is recorded (R3.10: complaints are never unowned).
    pub assignee_id: Option<UserId>,
}

impl NewTicket {
    /// Check the contact and compute its deadlines from the region of the site where the
    /// work is, and the named unit's coverage on the day it was received.
    pub fn parse(
        input: TicketInput,
        place: &TicketPlace,
        policy: &DeadlinePolicy,
        created_by: UserId,
        now: DateTime<Utc>,
    ) -> Result<NewTicket, Error> {
        let (now, received_at) = (
            to_store_precision(now),
            to_store_precision(input.received_at),
        );
        let mut errs = FieldErrors::new();
        let summary = errs.take("summary", text::required(&input.summary, SUMMARY_MAX));
        let unit_text = errs.take(
            "unit_text",
            text::optional(input.unit_text.as_deref(), UNIT_TEXT_MAX),
        );
        errs.take("received_at", check_received_at(received_at, now));
        match (summary, unit_text) {
            (Some(summary), Some(unit_text)) if errs.is_empty() => Ok(NewTicket {
                deadlines: compute(policy, input.kind, place.region, received_at, &[]),
                site_id: place.site_id,
                unit_id: place.unit.as_ref().map(|u| u.id),
                coverage: place
                    .unit
                    .as_ref()
                    .map(|u| u.coverage_on(local_date(received_at))),
                kind: input.kind,
                channel: input.channel,
                customer_id: input.customer_id,
                unit_text,
                summary,
                received_at,
                site_region: place.region,
                created_by,
                created_at: now,
                assignee_id: None,
            }),
            _ => Err(Error::Validation(errs)),
        }
    }

    /// The ticket this becomes once the store has given it an id.
    pub fn into_ticket(self, id: TicketId) -> Ticket {
        Ticket {
            answers: Answers::at_intake(self.kind, self.created_by, self.created_at),
            id,
            kind: self.kind,
            channel: self.channel,
            customer_id: self.customer_id,
            unit_text: self.unit_text,
            summary: self.summary,
            status: TicketStatus::Open,
            received_at: self.received_at,
            site_region: self.site_region,
            site_id: self.site_id,
            unit_id: self.unit_id,
            coverage: self.coverage,
            assignee_id: self.assignee_id,
            technician_id: None,
            opinion: None,
            reply: None,
            resolution: None,
            deadlines: self.deadlines,
            pauses: Vec::new(),
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.created_at,
            version: 1,
        }
    }
}

fn check_received_at(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), Problem> {
    if at > now + CLOCK_SKEW {
        return Err(Problem::new("in_future", "must not be in the future"));
    }
    if at.timestamp() < 946_684_800 {
        return Err(Problem::invalid("must be after 2000-01-01"));
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ticket {
    pub id: TicketId,
    pub kind: TicketKind,
    pub channel: Channel,
    pub customer_id: CustomerId,
    pub unit_text: Option<String>,
    pub summary: String,
    pub status: TicketStatus,
    pub received_at: DateTime<Utc>,
    /// The site's region when the contact was received; the arrival deadline used it.
    pub site_region: Region,
    /// Where the work is: the unit's site, the named site, or the customer's first site.
    pub site_id: Option<SiteId>,
    pub unit_id: Option<UnitId>,
    /// The unit's coverage on the received date, as recorded when the unit was named.
    pub coverage: Option<Coverage>,
    /// Who owns the ticket (R3.10).
    pub assignee_id: Option<UserId>,
    /// Who was sent to site.
    pub technician_id: Option<UserId>,
    pub opinion: Option<String>,
    pub reply: Option<String>,
    pub resolution: Option<String>,
    pub deadlines: Vec<Deadline>,
    /// The stretches the ticket waited for the customer, oldest first.
    pub pauses: Vec<Pause>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// The opinion's response, the quality flag, the reply's medium and review.
    pub answers: Answers,
}

/// One step of the workflow, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketEvent {
    Assign {
        assignee: UserId,
    },
    GiveOpinion {
        opinion: String,
    },
    Reply {
        reply: String,
        /// How it was sent; the way the contact came in when not said.
        sent_via: Option<ReplyMedium>,
    },
    Dispatch {
        technician: UserId,
    },
    CheckIn {
        at: DateTime<Utc>,
        /// Why the arrival is reported late ([`LATE_ARRIVAL_REPORT`]), shown with it.
        reason: Option<String>,
    },
    Note {
        text: String,
    },
    Resolve {
        resolution: String,
    },
    Close,
    Reopen {
        reason: String,
    },
    Cancel {
        reason: String,
    },
    /// Name the unit the ticket is about, when it was not known at first: see
    /// [`Ticket::link_unit`].
    LinkUnit {
        unit: UnitId,
    },
    /// Wait for the customer: the deadlines whose target says so stop.
    Pause {
        reason: String,
    },
    /// The customer is back: the stopped deadlines run on from where they stood.
    Resume,
    /// The contact turned out to be of another kind (a complaint found to be about
    /// quality): the running deadlines are recomputed for it from the received time.
    Reclassify {
        kind: TicketKind,
        reason: String,
    },
    // --- replies (issue 7, parts 4-5): applied by [`Ticket::answer`] ---
    /// The customer's response to the handling opinion, recorded by the desk.
    RespondToOpinion {
        response: OpinionResponse,
        text: String,
    },
    /// Mark a complaint for the quality review.
    FlagQuality {
        reason: String,
    },
    /// A reviewer's verdict on the reply (R3.7).
    ReviewReply {
        correct: bool,
        comment: String,
    },
    // --- end replies ---
}

/// An event as submitted: its type and whichever fields came with it.
#[derive(Debug, Clone, Default)]
pub struct EventInput {
    pub event_type: Option<EventType>,
    pub assignee_id: Option<UserId>,
    pub technician_id: Option<UserId>,
    pub unit_id: Option<UnitId>,
    /// The new kind (only for `reclassify`).
    pub kind: Option<TicketKind>,
    pub opinion: Option<String>,
    pub reply: Option<String>,
    pub text: Option<String>,
    pub resolution: Option<String>,
    pub reason: Option<String>,
    /// When it happened, if not now (only for `check_in`, reported by phone).
    pub at: Option<DateTime<Utc>>,
    // --- replies (issue 7, parts 4-5) ---
    /// `reply`: how it was sent (`phone`, `email`, …).
    pub sent_via: Option<String>,
    /// `respond_to_opinion`: `accepted` or `disputed`.
    pub response: Option<String>,
    /// `review_reply`: whether the reply was correct.
    pub correct: Option<bool>,
    /// `review_reply`: the reviewer's comment.
    pub comment: Option<String>,
    // --- end replies ---
}

impl TicketEvent {
    /// Each type takes exactly its own fields: a missing one or a stray one is named.
    pub fn parse(input: &EventInput, now: DateTime<Utc>) -> Result<TicketEvent, Error> {
        let Some(ty) = input.event_type else {
            return Err(Error::field("type", Problem::required()));
        };
        let wanted: &[&str] = match ty {
            EventType::Assign => &["assignee_id"],
            EventType::GiveOpinion => &["opinion"],
            EventType::Reply => &["reply", "sent_via"],
            EventType::Dispatch => &["technician_id"],
            EventType::CheckIn => &["at", "reason"],
            EventType::Note => &["text"],
            EventType::Resolve => &["resolution"],
            EventType::Close => &[],
            EventType::LinkUnit => &["unit_id"],
            EventType::Reopen | EventType::Cancel | EventType::Pause => &["reason"],
            EventType::Resume => &[],
            EventType::Reclassify => &["kind", "reason"],
            EventType::RespondToOpinion => &["response", "text"],
            EventType::FlagQuality => &["reason"],
            EventType::ReviewReply => &["correct", "comment"],
        };

        let mut errs = FieldErrors::new();
        let present = [
            ("assignee_id", input.assignee_id.is_some()),
            ("technician_id", input.technician_id.is_some()),
            ("unit_id", input.unit_id.is_some()),
            ("kind", input.kind.is_some()),
            ("opinion", input.opinion.is_some()),
            ("reply", input.reply.is_some()),
            ("text", input.text.is_some()),
            ("resolution", input.resolution.is_some()),
            ("reason", input.reason.is_some()),
            ("at", input.at.is_some()),
            ("sent_via", input.sent_via.is_some()),
            ("response", input.response.is_some()),
            ("correct", input.correct.is_some()),
            ("comment", input.comment.is_some()),
        ];
        for (field, is_present) in present {
            if is_present && !wanted.contains(&field) {
                errs.add(
                    field,
                    Problem::new("not_allowed", format!("not used by {}", ty.as_str())),
                );
            }
        }
        let mut text_of = |field: &str, v: &Option<String>| {
            errs.take(field, text::required(v.as_deref().unwrap_or(""), NOTE_MAX))
        };
        let event = match ty {
            EventType::GiveOpinion => text_of("opinion", &input.opinion)
                .map(|opinion| TicketEvent::GiveOpinion { opinion }),
            EventType::Reply => text_of("reply", &input.reply).map(|reply| TicketEvent::Reply {
                reply,
                sent_via: None,
            }),
            EventType::Note => text_of("text", &input.text).map(|text| TicketEvent::Note { text }),
            EventType::Resolve => text_of("resolution", &input.resolution)
                .map(|resolution| TicketEvent::Resolve { resolution }),
            EventType::Reopen => {
                text_of("reason", &input.reason).map(|reason| TicketEvent::Reopen { reason })
            }
            EventType::Cancel => {
                text_of("reason", &input.reason).map(|reason| TicketEvent::Cancel { reason })
            }
            EventType::Close => Some(TicketEvent::Close),
            EventType::Pause => {
                text_of("reason", &input.reason).map(|reason| TicketEvent::Pause { reason })
            }
            EventType::Resume => Some(TicketEvent::Resume),
            EventType::Reclassify => {
                let reason = text_of("reason", &input.reason);
                if input.kind.is_none() {
                    errs.add("kind", Problem::required());
                }
                match (input.kind, reason) {
                    (Some(kind), Some(reason)) => Some(TicketEvent::Reclassify { kind, reason }),
                    _ => None,
                }
            }
            EventType::Assign => match input.assignee_id {
                Some(assignee) => Some(TicketEvent::Assign { assignee }),
                None => {
                    errs.add("assignee_id", Problem::required());
                    None
                }
            },
            EventType::LinkUnit => match input.unit_id {
                Some(unit) => Some(TicketEvent::LinkUnit { unit }),
                None => {
                    errs.add("unit_id", Problem::required());
                    None
                }
            },
            EventType::Dispatch => match input.technician_id {
                Some(technician) => Some(TicketEvent::Dispatch { technician }),
                None => {
                    errs.add("technician_id", Problem::required());
                    None
                }
            },
            EventType::RespondToOpinion => {
                let text = text_of("text", &input.text);
                let response = match input.response.as_deref().map(str::trim) {
                    None | Some("") => {
                        errs.add("response", Problem::required());
                        None
                    }
                    Some(r) => OpinionResponse::parse(r).or_else(|| {
                        errs.add("response", Problem::invalid("accepted or disputed"));
                        None
                    }),
                };
                text.zip(response)
                    .map(|(text, response)| TicketEvent::RespondToOpinion { response, text })
            }
            EventType::FlagQuality => {
                text_of("reason", &input.reason).map(|reason| TicketEvent::FlagQuality { reason })
            }
            EventType::ReviewReply => {
                let comment = errs.take(
                    "comment",
                    text::required(
                        input.comment.as_deref().unwrap_or(""),
                        crate::replies::COMMENT_MAX,
                    ),
                );
                if input.correct.is_none() {
                    errs.add("correct", Problem::required());
                }
                comment
                    .zip(input.correct)
                    .map(|(comment, correct)| TicketEvent::ReviewReply { correct, comment })
            }
            EventType::CheckIn => {
                let at = to_store_precision(input.at.unwrap_or(now));
                if at > now + CLOCK_SKEW {
                    errs.add("at", Problem::new("in_future", "must not be in the future"));
                }
                let reason = match input.reason.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(r) => errs.take("reason", text::required(r, NOTE_MAX)),
                };
                Some(TicketEvent::CheckIn {
                    at: at.min(to_store_precision(now)),
                    reason,
                })
            }
        };
        // How a reply was sent, when said.
        let event = match (event, input.sent_via.as_deref().map(str::trim)) {
            (Some(TicketEvent::Reply { reply, .. }), Some(s)) if !s.is_empty() => {
                match ReplyMedium::parse(s) {
                    Some(m) => Some(TicketEvent::Reply {
                        reply,
                        sent_via: Some(m),
                    }),
                    None => {
                        errs.add("sent_via", Problem::invalid("not a way of sending a reply"));
                        None
                    }
                }
            }
            (e, _) => e,
        };
        match event {
            Some(e) if errs.is_empty() => Ok(e),
            _ => Err(Error::Validation(errs)),
        }
    }

    pub fn event_type(&self) -> EventType {
        match self {
            TicketEvent::Assign { .. } => EventType::Assign,
            TicketEvent::GiveOpinion { .. } => EventType::GiveOpinion,
            TicketEvent::Reply { .. } => EventType::Reply,
            TicketEvent::Dispatch { .. } => EventType::Dispatch,
            TicketEvent::CheckIn { .. } => EventType::CheckIn,
            TicketEvent::Note { .. } => EventType::Note,
            TicketEvent::Resolve { .. } => EventType::Resolve,
            TicketEvent::Close => EventType::Close,
            TicketEvent::Reopen { .. } => EventType::Reopen,
            TicketEvent::Cancel { .. } => EventType::Cancel,
            TicketEvent::LinkUnit { .. } => EventType::LinkUnit,
            TicketEvent::Pause { .. } => EventType::Pause,
            TicketEvent::Resume => EventType::Resume,
            TicketEvent::Reclassify { .. } => EventType::Reclassify,
            TicketEvent::RespondToOpinion { .. } => EventType::RespondToOpinion,
            TicketEvent::FlagQuality { .. } => EventType::FlagQuality,
            TicketEvent::ReviewReply { .. } => EventType::ReviewReply,
        }
    }

    /// The words that go on the timeline with this step, if any.
    pub fn text(&self) -> Option<&str> {
        match self {
            TicketEvent::GiveOpinion { opinion: t }
            | TicketEvent::Reply { reply: t, .. }
            | TicketEvent::RespondToOpinion { text: t, .. }
            | TicketEvent::FlagQuality { reason: t }
            | TicketEvent::ReviewReply { comment: t, .. }
            | TicketEvent::Note { text: t }
            | TicketEvent::Resolve { resolution: t }
            | TicketEvent::Reopen { reason: t }
            | TicketEvent::Cancel { reason: t }
            | TicketEvent::Pause { reason: t }
            | TicketEvent::Reclassify { reason: t, .. } => Some(t),
            TicketEvent::CheckIn { reason, .. } => reason.as_deref(),
            _ => None,
        }
    }
}

impl EventType {
    pub fn permission(self) -> Permission {
        match self {
            EventType::Assign => Permission::AssignTickets,
            EventType::GiveOpinion => Permission::GiveOpinion,
            EventType::Reply => Permission::ReplyToCustomer,
            EventType::Dispatch => Permission::DispatchTechnicians,
            EventType::CheckIn => Permission::CheckInOnSite,
            EventType::Note => Permission::AddNotes,
            EventType::Resolve => Permission::ResolveTickets,
            EventType::Close | EventType::Reopen => Permission::CloseTickets,
            EventType::Cancel => Permission::CancelTickets,
            EventType::LinkUnit => Permission::LinkUnits,
            EventType::Pause | EventType::Resume => Permission::PauseDeadlines,
            EventType::Reclassify => Permission::ReclassifyTickets,
            EventType::RespondToOpinion => Permission::RecordOpinionResponses,
            EventType::FlagQuality => Permission::FlagForQualityReview,
            EventType::ReviewReply => Permission::ReviewReplies,
        }
    }
}

/// Who may own work at all (R3.10: the manager or someone the manager appoints): staff who
/// do the department's work. The administrator keeps the system, not tickets.
pub fn may_own(role: Role) -> bool {
    role.is_staff() && role != Role::Admin
}

/// Who may own a ticket of this kind: someone who may own work, except that a salesperson
/// does not own a complaint (the customer complains about what the salesperson sold).
pub fn may_own_kind(role: Role, kind: TicketKind) -> bool {
    may_own(role) && !(role == Role::Salesperson && kind.is_complaint())
}

/// Who may be sent to site: technicians and senior engineers.
pub fn may_go_on_site(role: Role) -> bool {
    crate::field::may_go_on_site(role)
}

fn refuse(ticket: &Ticket, ty: EventType) -> Error {
    Error::Conflict(format!(
        "cannot {} a {} ticket that is {}",
        ty.as_str(),
        ticket.kind.as_str(),
        ticket.status.as_str()
    ))
}

impl Ticket {
    pub fn number(&self) -> String {
        ticket_number(self.id)
    }

    /// The nearest unmet deadline while work is still going on: what the desk watches.
    pub fn next_due_at(&self) -> Option<DateTime<Utc>> {
        self.next_due().map(|d| d.due_at)
    }

    /// The deadline [`Ticket::next_due_at`] names: the nearest unmet one whose clock runs,
    /// while work goes on. A paused deadline is not due: it is not counted, listed or
    /// shown as breached while the ticket waits for the customer.
    pub fn next_due(&self) -> Option<&Deadline> {
        if self.status.is_finished() {
            return None;
        }
        self.deadlines
            .iter()
            .filter(|d| d.met_at.is_none() && d.paused_since.is_none())
            .min_by_key(|d| d.due_at)
    }

    /// Where the ticket stands on the service desk: what the store records beside it so
    /// lists can filter without re-deriving the rule.
    pub fn desk_lane(&self) -> DeskLane {
        if self.status.is_finished() {
            DeskLane::Finished
        } else if self.next_due().is_some() {
            DeskLane::Running
        } else if self.status == TicketStatus::Waiting {
            DeskLane::Waiting
        } else if self.deadlines.is_empty() {
            DeskLane::NoDeadline
        } else {
            DeskLane::DeadlinesMet
        }
    }

    pub fn deadline(&self, kind: DeadlineKind) -> Option<&Deadline> {
        self.deadlines.iter().find(|d| d.kind == kind)
    }

    fn meet(&mut self, kind: DeadlineKind, at: DateTime<Utc>) {
        for d in &mut self.deadlines {
            if d.kind == kind && d.met_at.is_none() {
                d.met_at = Some(at);
            }
        }
    }

    /// Who may report the crew's arrival, and what arrival they may report: a technician
    /// only on a ticket dispatched to them (the desk records it for whoever phones in); not
    /// before the dispatch (`dispatched_at`, when known) nor after now (checked when the
    /// step is read); and reported more than [`LATE_ARRIVAL_REPORT`] after the arrival, only
    /// with a reason, which is kept and shown with the step.
    pub fn check_arrival_report(
        &self,
        event: &TicketEvent,
        actor: UserId,
        role: Role,
        dispatched_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let TicketEvent::CheckIn { at, reason } = event else {
            return Ok(());
        };
        if role == Role::Technician && self.technician_id != Some(actor) {
            return Err(Error::Forbidden);
        }
        if let Some(sent) = dispatched_at
            && *at < to_store_precision(sent)
        {
            return Err(Error::field(
                "at",
                Problem::new("before_dispatch", "must not be before the dispatch"),
            ));
        }
        if now - *at > LATE_ARRIVAL_REPORT && reason.is_none() {
            return Err(Error::field(
                "reason",
                Problem::new(
                    "required_late",
                    "an arrival reported this late needs a reason",
                ),
            ));
        }
        Ok(())
    }

    /// Apply one step of the workflow: who may, in which state, with what effect. Returns
    /// the ticket after the step; the caller writes it with its audit record.
    pub fn apply(
        &self,
        event: &TicketEvent,
        role: Role,
        now: DateTime<Utc>,
        policy: &DeadlinePolicy,
    ) -> Result<Ticket, Error> {
        use TicketStatus as S;
        let ty = event.event_type();
        if !role.may(ty.permission()) {
            return Err(Error::Forbidden);
        }
        let now = to_store_precision(now);
        let mut t = self.clone();
        let working = matches!(
            self.status,
            S::Open | S::InProgress | S::Dispatched | S::OnSite
        );
        let open_to_progress = |s: S| if s == S::Open { S::InProgress } else { s };
        match event {
            TicketEvent::Assign { assignee } => {
                if !working && self.status != S::Waiting {
                    return Err(refuse(self, ty));
                }
                t.assignee_id = Some(*assignee);
                t.status = open_to_progress(self.status);
            }
            TicketEvent::GiveOpinion { opinion } => {
                // A disputed opinion may be followed by a new one (see `replies`).
                if !working
                    || !self.kind.is_complaint()
                    || (self.opinion.is_some() && !self.answers.opinion_disputed())
                {
                    return Err(refuse(self, ty));
                }
                t.opinion = Some(opinion.clone());
                t.answers.opinion_response = None;
                t.meet(DeadlineKind::HandlingOpinion, now);
                t.status = open_to_progress(self.status);
            }
            TicketEvent::Reply { reply, sent_via } => {
                if !working || !self.kind.is_answered_by_reply() || self.reply.is_some() {
                    return Err(refuse(self, ty));
                }
                t.reply = Some(reply.clone());
                t.answers.reply_sent_via =
                    Some(sent_via.unwrap_or(ReplyMedium::answering(self.channel)));
                t.meet(DeadlineKind::Reply, now);
                t.status = open_to_progress(self.status);
            }
            TicketEvent::Dispatch { technician } => {
                if !matches!(self.status, S::Open | S::InProgress | S::Dispatched)
                    || self.kind.is_answered_by_reply()
                {
                    return Err(refuse(self, ty));
                }
                t.technician_id = Some(*technician);
                t.status = S::Dispatched;
            }
            TicketEvent::CheckIn { at, .. } => {
                if self.status != S::Dispatched {
                    return Err(refuse(self, ty));
                }
                if *at < self.received_at {
                    return Err(Error::field(
                        "at",
                        Problem::invalid("must not be before the contact was received"),
                    ));
                }
                t.meet(DeadlineKind::Arrival, *at);
                t.status = S::OnSite;
            }
            TicketEvent::Note { .. } => {}
            TicketEvent::Resolve { resolution } => {
                if !matches!(self.status, S::InProgress | S::OnSite) {
                    return Err(refuse(self, ty));
                }
                if let Some(d) = self.deadlines.iter().find(|d| d.met_at.is_none()) {
                    return Err(Error::Conflict(format!(
                        "the {} deadline has not been met yet",
                        d.kind.as_str()
                    )));
                }
                t.resolution = Some(resolution.clone());
                t.status = S::Resolved;
            }
            TicketEvent::Close => {
                if self.status != S::Resolved {
                    return Err(refuse(self, ty));
                }
                t.status = S::Closed;
            }
            TicketEvent::Reopen { .. } => {
                if !matches!(self.status, S::Resolved | S::Closed) {
                    return Err(refuse(self, ty));
                }
                t.status = S::InProgress;
            }
            TicketEvent::Cancel { .. } => {
                if !working && self.status != S::Waiting {
                    return Err(refuse(self, ty));
                }
                if let Some(p) = t.pauses.iter_mut().find(|p| p.to.is_none()) {
                    p.to = Some(now);
                }
                t.status = S::Cancelled;
            }
            TicketEvent::Pause { reason } => {
                if !working {
                    return Err(refuse(self, ty));
                }
                t.pauses.push(Pause {
                    from: now,
                    to: None,
                    reason: reason.clone(),
                    resume_to: self.status,
                });
                t.status = S::Waiting;
                t.deadlines = t.recomputed(policy);
            }
            TicketEvent::Resume => {
                let Some(p) = t.pauses.iter_mut().find(|p| p.to.is_none()) else {
                    return Err(refuse(self, ty));
                };
                p.to = Some(now);
                t.status = p.resume_to;
                t.deadlines = t.recomputed(policy);
            }
            TicketEvent::Reclassify { kind, .. } => {
                if self.status.is_finished() {
                    return Err(refuse(self, ty));
                }
                if *kind == self.kind {
                    return Err(Error::field(
                        "kind",
                        Problem::new("unchanged", "the ticket is already of this kind"),
                    ));
                }
                if kind.is_answered_by_reply() && matches!(self.status, S::Dispatched | S::OnSite) {
                    return Err(Error::field(
                        "kind",
                        Problem::invalid("a technician is already sent: it is work on site"),
                    ));
                }
                t.kind = *kind;
                t.deadlines = t.recomputed(policy);
            }
            TicketEvent::LinkUnit { .. } => {
                return Err(Error::Internal(
                    "link_unit is applied with the unit's place: Ticket::link_unit".into(),
                ));
            }
            TicketEvent::RespondToOpinion { .. }
            | TicketEvent::FlagQuality { .. }
            | TicketEvent::ReviewReply { .. } => {
                return Err(Error::Internal(
                    "answers are applied with the actor: Ticket::answer".into(),
                ));
            }
        }
        if !matches!(event, TicketEvent::Note { .. }) {
            t.version += 1;
        }
        t.updated_at = now;
        Ok(t)
    }

    /// Name the unit the ticket is about (R4.1: the unit is looked up once known). The
    /// ticket moves to the unit's site; its coverage is computed now, for the day the
    /// contact was received, and recorded. Deadlines still running follow the site's
    /// region; deadlines already met stay as they were.
    pub fn link_unit(
        &self,
        place: &TicketPlace,
        role: Role,
        now: DateTime<Utc>,
        policy: &DeadlinePolicy,
    ) -> Result<Ticket, Error> {
        let ty = EventType::LinkUnit;
        if !role.may(ty.permission()) {
            return Err(Error::Forbidden);
        }
        let Some(unit) = &place.unit else {
            return Err(Error::field("unit_id", Problem::required()));
        };
        if self.status.is_finished() {
            return Err(refuse(self, ty));
        }
        if self.unit_id == Some(unit.id) {
            return Err(Error::field(
                "unit_id",
                Problem::new("unchanged", "the ticket already names this unit"),
            ));
        }
        let mut t = self.clone();
        t.unit_id = Some(unit.id);
        t.site_id = place.site_id;
        t.coverage = Some(unit.coverage_on(local_date(self.received_at)));
        if place.region != self.site_region {
            t.site_region = place.region;
            t.deadlines = t.recomputed(policy);
        }
        t.version += 1;
        t.updated_at = to_store_precision(now);
        Ok(t)
    }

    /// The running deadlines computed afresh under `policy` for the ticket as it stands
    /// (its kind, its site's region, its pauses); met ones stay as they were.
    fn recomputed(&self, policy: &DeadlinePolicy) -> Vec<Deadline> {
        recompute(
            &self.deadlines,
            compute(
                policy,
                self.kind,
                self.site_region,
                self.received_at,
                &self.pauses,
            ),
        )
    }

    /// The ticket with its running deadlines recomputed because the policy changed, its
    /// site's region was corrected, or its unit moved to another site; `None` when it is
    /// finished (a closed ticket keeps the deadlines it was judged by) or nothing changes.
    pub fn relocated(
        &self,
        site: Option<SiteId>,
        region: crate::region::Region,
        policy: &DeadlinePolicy,
        now: DateTime<Utc>,
    ) -> Option<Ticket> {
        if self.status.is_finished() {
            return None;
        }
        let mut t = self.clone();
        t.site_id = site;
        t.site_region = region;
        t.deadlines = t.recomputed(policy);
        if t.deadlines == self.deadlines
            && t.site_region == self.site_region
            && t.site_id == self.site_id
        {
            return None;
        }
        t.version += 1;
        t.updated_at = to_store_precision(now);
        Some(t)
    }

    // --- field service (issue 8): the ticket follows its job's first trip ---
    /// The job's first trip got its crew: the ticket is dispatched, its technician the
    /// lead. `None` when the ticket's own workflow is past that step already.
    pub fn job_dispatched(&self, lead: UserId, now: DateTime<Utc>) -> Option<Ticket> {
        use TicketStatus as S;
        if !matches!(self.status, S::Open | S::InProgress | S::Dispatched) {
            return None;
        }
        if self.status == S::Dispatched && self.technician_id == Some(lead) {
            return None;
        }
        let mut t = self.clone();
        t.technician_id = Some(lead);
        t.status = S::Dispatched;
        t.version += 1;
        t.updated_at = to_store_precision(now);
        Some(t)
    }

    /// The job's first trip arrived at `at`: the arrival deadline is met (R3.4) and the
    /// ticket is on site. `None` when there is nothing to change.
    pub fn job_arrived(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> Option<Ticket> {
        use TicketStatus as S;
        if !matches!(self.status, S::Open | S::InProgress | S::Dispatched) {
            return None;
        }
        let mut t = self.clone();
        t.meet(DeadlineKind::Arrival, at);
        t.status = S::OnSite;
        t.version += 1;
        t.updated_at = to_store_precision(now);
        Some(t)
    }

    /// The technician took back the first trip's arrival recorded at `at`: the arrival
    /// deadline runs again, as if it had never been met.
    pub fn job_arrival_undone(&self, at: DateTime<Utc>, now: DateTime<Utc>) -> Option<Ticket> {
        if self.status != TicketStatus::OnSite {
            return None;
        }
        let mut t = self.clone();
        for d in &mut t.deadlines {
            if d.kind == DeadlineKind::Arrival && d.met_at == Some(at) {
                d.met_at = None;
            }
        }
        t.status = TicketStatus::Dispatched;
        t.version += 1;
        t.updated_at = to_store_precision(now);
        Some(t)
    }
    // --- end field service ---

    /// The fields an audit record compares (R1.4).
    pub fn audit_view(&self) -> Value {
        json!({
            "kind": self.kind,
            "channel": self.channel,
            "customer_id": self.customer_id,
            "unit_text": self.unit_text,
            "summary": self.summary,
            "status": self.status,
            "received_at": self.received_at,
            "site_region": self.site_region,
            "site_id": self.site_id,
            "unit_id": self.unit_id,
            "coverage": self.coverage.as_ref().map(|c| c.coverage),
            "assignee_id": self.assignee_id,
            "technician_id": self.technician_id,
            "opinion": self.opinion,
            "reply": self.reply,
            "resolution": self.resolution,
            "deadlines": self.deadlines.iter().map(|d| json!({
                "kind": d.kind, "due_at": d.due_at, "met_at": d.met_at,
                "paused_since": d.paused_since, "policy_version": d.basis.policy_version,
            })).collect::<Vec<_>>(),
            // --- replies (issue 7, parts 4-5) ---
            "opinion_response": self.answers.opinion_response.as_ref().map(|r| r.response),
            "quality_review": self.answers.quality_review.is_some(),
            "reply_sent_via": self.answers.reply_sent_via,
            "reply_review": self.answers.reply_review.as_ref().map(|r| r.correct),
        })
    }
}

// --- replies (issue 7, parts 4-5) ---
mod answers;
// --- end replies ---

mod list;
pub use list::{Dashboard, DeskBounds, DeskLane, TicketFilter, TicketSummary};

#[cfg(test)]
mod tests;
