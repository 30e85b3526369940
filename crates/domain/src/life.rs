//! The life story of a unit and of a customer (R3.8, R5.2): one timeline of everything
//! known — delivery, commissioning, tickets, visits on site, feedback forms, parts fitted
//! and removed, returns, follow-up remarks, campaign answers, training attended and
//! changes of the record — filtered by kind and by dates.
//!
//! The store reads each source; this module says what an entry is, which kind it belongs
//! to, what a filter admits, and how the story is ordered and cut.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{
    CampaignId, CustomerId, DeliveryId, FollowUpId, FormId, JobId, TicketId, TrainingId, UnitId,
};
use crate::role::{Permission, Role};

/// Whose story: one unit's, or a customer's (all its units and the customer's own records).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Unit(UnitId),
    Customer(CustomerId),
}

/// The kinds a story is filtered by. Each event belongs to exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LifeKind {
    /// Shipped with its delivery note, arrived, accepted.
    Delivery,
    /// Recorded in the archive, commissioned (energized).
    Commissioning,
    Ticket,
    /// A technician on site.
    Visit,
    /// A feedback form signed on site and reviewed.
    Form,
    /// Parts fitted and faulty parts removed.
    Part,
    Return,
    /// A salesperson's monthly follow-up and its remarks.
    FollowUp,
    /// An answer to a yearly customer campaign.
    Campaign,
    /// A training session held for the customer.
    Training,
    /// A change of the unit's or customer's record.
    Change,
}

impl LifeKind {
    pub const ALL: [LifeKind; 11] = [
        LifeKind::Delivery,
        LifeKind::Commissioning,
        LifeKind::Ticket,
        LifeKind::Visit,
        LifeKind::Form,
        LifeKind::Part,
        LifeKind::Return,
        LifeKind::FollowUp,
        LifeKind::Campaign,
        LifeKind::Training,
        LifeKind::Change,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LifeKind::Delivery => "delivery",
            LifeKind::Commissioning => "commissioning",
            LifeKind::Ticket => "ticket",
            LifeKind::Visit => "visit",
            LifeKind::Form => "form",
            LifeKind::Part => "part",
            LifeKind::Return => "return",
            LifeKind::FollowUp => "follow_up",
            LifeKind::Campaign => "campaign",
            LifeKind::Training => "training",
            LifeKind::Change => "change",
        }
    }

    pub fn parse(s: &str) -> Option<LifeKind> {
        LifeKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// Whether a unit's own story can hold this kind: follow-ups, campaigns and training
    /// are the customer's, not one unit's.
    pub fn in_unit_story(self) -> bool {
        !matches!(
            self,
            LifeKind::FollowUp | LifeKind::Campaign | LifeKind::Training
        )
    }

    /// The kinds a scope's story can hold, in display order.
    pub fn of_scope(scope: Scope) -> Vec<LifeKind> {
        LifeKind::ALL
            .into_iter()
            .filter(|k| matches!(scope, Scope::Customer(_)) || k.in_unit_story())
            .collect()
    }

    /// Whether `role` reads entries of this kind on a customer's story; `own`: the
    /// customer is the actor's (their salesperson's). The story shows what each record's
    /// own pages show: follow-ups to those who record or collate them (a salesperson only
    /// their own customers'), campaign answers to those who run or record them (a
    /// salesperson only their own customers'), customer training to those who keep the
    /// training records (and a salesperson for their own customers); the rest to all staff.
    pub fn readable_by(self, role: Role, own: bool) -> bool {
        let mine = !role.bound_to_own_customers() || own;
        match self {
            LifeKind::FollowUp => {
                (role.may(Permission::RecordFollowUps) || role.may(Permission::CollateFollowUps))
                    && mine
            }
            LifeKind::Campaign => {
                (role.may(Permission::ManageCampaigns)
                    || role.may(Permission::RecordCampaignResponses))
                    && mine
            }
            LifeKind::Training => {
                crate::training::may_view_training(role) || (role.bound_to_own_customers() && own)
            }
            _ => role.is_staff(),
        }
    }

    /// The kinds of a scope's story `role` reads, in display order.
    pub fn readable(scope: Scope, role: Role, own: bool) -> Vec<LifeKind> {
        LifeKind::of_scope(scope)
            .into_iter()
            .filter(|k| k.readable_by(role, own))
            .collect()
    }
}

/// The unit an entry is about, as the customer's story names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitRef {
    pub id: UnitId,
    pub model_code: String,
    pub serial_no: String,
}

/// One entry of the story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LifeEntry {
    /// When it happened. For what is known only by its date, the start of that day in the
    /// company's time zone, with `dated` set.
    pub at: DateTime<Utc>,
    /// Known by its date only (shipped on, commissioned on, a follow-up's visit date).
    pub dated: bool,
    /// The unit it is about, if any.
    pub unit: Option<UnitRef>,
    #[serde(flatten)]
    pub event: LifeEvent,
}

impl LifeEntry {
    /// An entry that happened at a moment.
    pub fn at(at: DateTime<Utc>, unit: Option<UnitRef>, event: LifeEvent) -> Self {
        LifeEntry {
            at,
            dated: false,
            unit,
            event,
        }
    }

    /// An entry known by its company date only.
    pub fn on(on: NaiveDate, unit: Option<UnitRef>, event: LifeEvent) -> Self {
        LifeEntry {
            at: day_start(on),
            dated: true,
            unit,
            event,
        }
    }

    pub fn kind(&self) -> LifeKind {
        self.event.kind()
    }

    /// The company date it happened on.
    pub fn date(&self) -> NaiveDate {
        crate::time::local_date(self.at)
    }
}

/// The start of a company calendar day.
pub fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(chrono::NaiveTime::MIN)
        .and_local_timezone(crate::time::company_offset())
        .single()
        .map_or_else(
            || d.and_time(chrono::NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

/// What happened. Statuses and kinds are the records' own codes; pages translate them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LifeEvent {
    /// Recorded in the archive.
    Recorded,
    /// A delivery note for the customer (or the unit's own delivery), on its ship date.
    Delivery {
        delivery_id: DeliveryId,
        reference: String,
        status: String,
    },
    Shipped,
    Accepted,
    Commissioned,
    /// A ticket, with the coverage it recorded when the unit was named.
    Ticket {
        ticket_id: TicketId,
        kind: String,
        status: String,
        summary: String,
        coverage: Option<String>,
    },
    /// A technician checked in on a ticket (before jobs existed), with their name.
    CheckIn {
        ticket_id: TicketId,
        technician: Option<String>,
    },
    /// A job's trip arrived on site.
    Arrived {
        job_id: JobId,
        ticket_id: TicketId,
        job_type: String,
        trip: i64,
        problem: String,
    },
    /// A feedback form signed (or marked customer absent), and its review.
    Form {
        form_id: FormId,
        job_id: JobId,
        status: String,
        signer: Option<String>,
        fault_cause: String,
        handling: String,
        responsibility: Option<String>,
    },
    /// A part fitted, or a faulty part removed to inspection.
    Part {
        job_id: Option<JobId>,
        /// `use` or `faulty_return`.
        move_kind: String,
        code: String,
        name: String,
        quantity: i64,
        serial: Option<String>,
        serial_removed: Option<String>,
    },
    /// A return asked for, or decided (with the reason).
    Return {
        return_id: i64,
        status: String,
        reason: Option<String>,
    },
    /// A salesperson's follow-up, with its remarks and requests.
    FollowUp {
        follow_up_id: FollowUpId,
        method: String,
        salesperson: String,
        met: Option<String>,
        usage: Option<String>,
        remarks: Option<String>,
        remark_class: Option<String>,
        requests: Option<String>,
        ticket_id: Option<TicketId>,
    },
    /// The customer's answer to a yearly campaign, with the suggestions given.
    Campaign {
        campaign_id: CampaignId,
        year: i32,
        name: String,
        channel: Option<String>,
        suggestions: Option<String>,
    },
    /// A training session held for the customer.
    Training {
        session_id: TrainingId,
        topic: String,
        trainer: String,
        attendees: i64,
    },
    /// A change of the record, with the fields that changed.
    Changed {
        fields: Vec<String>,
    },
}

impl LifeEvent {
    /// Every name [`LifeEvent::name`] gives (pages translate each).
    pub const NAMES: [&'static str; 16] = [
        "recorded",
        "delivery",
        "shipped",
        "accepted",
        "commissioned",
        "ticket",
        "check_in",
        "arrived",
        "form",
        "part_fitted",
        "part_removed",
        "return",
        "follow_up",
        "campaign",
        "training",
        "changed",
    ];

    pub fn kind(&self) -> LifeKind {
        match self {
            LifeEvent::Delivery { .. } | LifeEvent::Shipped | LifeEvent::Accepted => {
                LifeKind::Delivery
            }
            LifeEvent::Recorded | LifeEvent::Commissioned => LifeKind::Commissioning,
            LifeEvent::Ticket { .. } => LifeKind::Ticket,
            LifeEvent::CheckIn { .. } | LifeEvent::Arrived { .. } => LifeKind::Visit,
            LifeEvent::Form { .. } => LifeKind::Form,
            LifeEvent::Part { .. } => LifeKind::Part,
            LifeEvent::Return { .. } => LifeKind::Return,
            LifeEvent::FollowUp { .. } => LifeKind::FollowUp,
            LifeEvent::Campaign { .. } => LifeKind::Campaign,
            LifeEvent::Training { .. } => LifeKind::Training,
            LifeEvent::Changed { .. } => LifeKind::Change,
        }
    }

    /// The name of the event (for translation keys and CSS classes).
    pub fn name(&self) -> &'static str {
        match self {
            LifeEvent::Recorded => "recorded",
            LifeEvent::Delivery { .. } => "delivery",
            LifeEvent::Shipped => "shipped",
            LifeEvent::Accepted => "accepted",
            LifeEvent::Commissioned => "commissioned",
            LifeEvent::Ticket { .. } => "ticket",
            LifeEvent::CheckIn { .. } => "check_in",
            LifeEvent::Arrived { .. } => "arrived",
            LifeEvent::Form { .. } => "form",
            LifeEvent::Part { move_kind, .. } if move_kind == "faulty_return" => "part_removed",
            LifeEvent::Part { .. } => "part_fitted",
            LifeEvent::Return { .. } => "return",
            LifeEvent::FollowUp { .. } => "follow_up",
            LifeEvent::Campaign { .. } => "campaign",
            LifeEvent::Training { .. } => "training",
            LifeEvent::Changed { .. } => "changed",
        }
    }
}

/// What the reader asked for: some kinds (none named = all), between two company dates
/// (both included).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LifeFilter {
    pub kinds: Vec<LifeKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The most entries one story shows; a longer life is narrowed by dates or kinds.
pub const MAX_ENTRIES: usize = 500;

impl LifeFilter {
    /// Read a filter from a form or query: `kind` named any number of times, `from` and
    /// `to` as `YYYY-MM-DD` (empty = open). Errors name the field.
    pub fn parse(kinds: &[&str], from: Option<&str>, to: Option<&str>) -> Result<Self, Error> {
        let mut errors = FieldErrors::new();
        let mut parsed = Vec::new();
        for k in kinds.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
            match LifeKind::parse(k) {
                Some(kind) if !parsed.contains(&kind) => parsed.push(kind),
                Some(_) => {}
                None => errors.add(
                    "kind",
                    Problem::invalid(format!(
                        "not a kind of entry: {}",
                        k.chars().take(40).collect::<String>()
                    )),
                ),
            }
        }
        parsed.sort();
        let date = |s: Option<&str>| match s.map(str::trim) {
            None | Some("") => Ok(None),
            Some(t) => crate::product::parse_date(t).map(Some),
        };
        let from = errors.take("from", date(from)).flatten();
        let to = errors.take("to", date(to)).flatten();
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            errors.add("to", Problem::invalid("the end is before the start"));
        }
        errors.into_result()?;
        Ok(LifeFilter {
            kinds: parsed,
            from,
            to,
        })
    }

    /// The moments the dates stand for: from the start of `from` to the end of `to`
    /// (exclusive), in the company's time zone.
    pub fn window(&self) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        (
            self.from.map(day_start),
            self.to.and_then(|t| t.succ_opt()).map(day_start),
        )
    }

    /// Whether the filter names this kind (all kinds when it names none).
    pub fn wants(&self, kind: LifeKind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }

    fn in_window(&self, e: &LifeEntry) -> bool {
        let d = e.date();
        self.from.is_none_or(|f| d >= f) && self.to.is_none_or(|t| d <= t)
    }

    pub fn admits(&self, e: &LifeEntry) -> bool {
        self.wants(e.kind()) && self.in_window(e)
    }
}

/// A story as shown: newest first, at most [`MAX_ENTRIES`], with how many entries of each
/// kind lie within the dates (whatever kinds are chosen, so the filter can offer them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Story {
    /// The kinds the story was read for (those its reader may read), in display order.
    pub kinds: Vec<LifeKind>,
    pub entries: Vec<LifeEntry>,
    pub counts: BTreeMap<LifeKind, usize>,
    /// More entries matched than are shown.
    pub truncated: bool,
}

/// Order and cut the entries read from the sources of `kinds`. Entries at the same moment
/// keep the order they were read in (sources are read oldest record first), reversed with
/// the rest.
pub fn story(kinds: Vec<LifeKind>, mut entries: Vec<LifeEntry>, filter: &LifeFilter) -> Story {
    entries.retain(|e| filter.in_window(e) && kinds.contains(&e.kind()));
    let mut counts = BTreeMap::new();
    for e in &entries {
        *counts.entry(e.kind()).or_insert(0) += 1;
    }
    entries.retain(|e| filter.wants(e.kind()));
    entries.sort_by_key(|e| e.at);
    entries.reverse();
    let truncated = entries.len() > MAX_ENTRIES;
    entries.truncate(MAX_ENTRIES);
    Story {
        kinds,
        entries,
        counts,
        truncated,
    }
}

#[cfg(test)]
mod tests;
