//! The deadline engine (R3.3–R3.7, R6.1): what a ticket's deadlines are, computed in one
//! place from the policy in force, the clock each target counts on and the pauses while
//! the ticket waits for the customer; and what the watcher does about them — warn the
//! owner, escalate at a breach, escalate again later — each step exactly once.

pub mod board;
mod calendar;
mod policy;

pub use calendar::{BusinessCalendar, Clock, DAY_MINUTES, Span, hhmm, minute_of_day};
pub use policy::{
    CalendarInput, DeadlinePolicy, MAX_TARGET_MINUTES, PolicyInput, Quiet, Target, TargetInput,
    WatchRules, arrival_hours, date_ranges, deadline_fits, parse_dates, parse_day,
};

use crate::ids::UserId;
use crate::region::Region;
use crate::terms::{DeadlineKind, TicketKind, TicketStatus};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// "Due soon" on the service desk: within the hour.
pub const DUE_SOON: Duration = Duration::hours(1);

/// What a deadline was computed from, stored with it: the ticket page explains the due
/// time from it in one sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Basis {
    pub policy_version: i64,
    pub ticket_kind: TicketKind,
    /// The region the target was chosen for; `None`: the same in every region.
    pub region: Option<Region>,
    pub minutes: i64,
    /// The business calendar counted on; `None`: the wall clock.
    pub calendar: Option<String>,
    /// When the clock started: the moment the contact was received.
    pub started_at: DateTime<Utc>,
    pub pauses: bool,
    /// Wall-clock minutes of the pauses that stopped this clock so far.
    pub paused_minutes: i64,
    pub warn_pct: u8,
    pub escalate_again_minutes: i64,
}

impl Basis {
    /// What a deadline written before policies were versioned was computed from: the
    /// built-in policy, on the wall clock from the received time.
    pub fn built_in(
        ticket_kind: TicketKind,
        region: Region,
        started_at: DateTime<Utc>,
        due_at: DateTime<Utc>,
    ) -> Basis {
        let company = DeadlinePolicy::company();
        Basis {
            policy_version: 0,
            ticket_kind,
            region: (ticket_kind == TicketKind::Emergency).then_some(region),
            minutes: (due_at - started_at).num_minutes(),
            calendar: None,
            started_at,
            pauses: true,
            paused_minutes: 0,
            warn_pct: company.watch.warn_pct,
            escalate_again_minutes: company.watch.escalate_again_minutes,
        }
    }
}

/// What the watcher has done about a deadline. Each step happens once; a recomputed
/// deadline keeps what was already done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alarms {
    pub warned_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub escalated_again_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub kind: DeadlineKind,
    /// While paused: the due time as it stood when the pause began.
    pub due_at: DateTime<Utc>,
    pub met_at: Option<DateTime<Utc>>,
    /// When the owner is warned.
    pub warn_at: DateTime<Utc>,
    /// The clock is stopped since then (the ticket waits for the customer).
    pub paused_since: Option<DateTime<Utc>>,
    pub basis: Basis,
    pub alarms: Alarms,
}

/// How a deadline looks at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    Pending,
    /// The warning share of the time has run.
    Warning,
    DueSoon,
    Breached,
    Paused,
    Met,
    MetLate,
    /// The ticket was cancelled before the deadline was met.
    Void,
}

impl DeadlineState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineState::Pending => "pending",
            DeadlineState::Warning => "warning",
            DeadlineState::DueSoon => "due_soon",
            DeadlineState::Breached => "breached",
            DeadlineState::Paused => "paused",
            DeadlineState::Met => "met",
            DeadlineState::MetLate => "met_late",
            DeadlineState::Void => "void",
        }
    }
}

/// How a running deadline due at `due_at` looks at `now`, from its due time alone (lists
/// that know no more of it): breached, due within the hour, or pending.
pub fn running_state(due_at: DateTime<Utc>, now: DateTime<Utc>) -> DeadlineState {
    if now > due_at {
        DeadlineState::Breached
    } else if due_at - now <= DUE_SOON {
        DeadlineState::DueSoon
    } else {
        DeadlineState::Pending
    }
}

/// The instants a deadline's state is read from, as stored beside it: lists (the manager's
/// board, the month's figures) read these and ask [`Times::state`], the one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    pub due_at: DateTime<Utc>,
    pub met_at: Option<DateTime<Utc>>,
    pub warn_at: DateTime<Utc>,
    pub paused_since: Option<DateTime<Utc>>,
}

impl Times {
    /// Late: met after it was due, or still unmet and past due.
    pub fn breached(&self, now: DateTime<Utc>) -> bool {
        match self.met_at {
            Some(met) => met > self.due_at,
            None => self.paused_since.map_or(now, |p| p.min(now)) > self.due_at,
        }
    }

    pub fn state(&self, now: DateTime<Utc>, status: TicketStatus) -> DeadlineState {
        match self.met_at {
            Some(met) if met > self.due_at => DeadlineState::MetLate,
            Some(_) => DeadlineState::Met,
            None if status == TicketStatus::Cancelled => DeadlineState::Void,
            None if self.breached(now) => DeadlineState::Breached,
            None if self.paused_since.is_some() => DeadlineState::Paused,
            None => match running_state(self.due_at, now) {
                DeadlineState::Pending if now >= self.warn_at => DeadlineState::Warning,
                s => s,
            },
        }
    }
}

/// A stretch of time the ticket waited for the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: DateTime<Utc>,
    /// `None`: still waiting.
    pub to: Option<DateTime<Utc>>,
    pub reason: String,
    /// The status the ticket goes back to when it resumes.
    pub resume_to: TicketStatus,
}

impl Deadline {
    /// The stored instants the deadline's state is read from.
    pub fn times(&self) -> Times {
        Times {
            due_at: self.due_at,
            met_at: self.met_at,
            warn_at: self.warn_at,
            paused_since: self.paused_since,
        }
    }

    /// Late: met after it was due, or still unmet and past due.
    pub fn breached(&self, now: DateTime<Utc>) -> bool {
        self.times().breached(now)
    }

    pub fn state(&self, now: DateTime<Utc>, status: TicketStatus) -> DeadlineState {
        self.times().state(now, status)
    }

    /// The watcher's next step on this deadline and when it falls due; `None` once met,
    /// while paused, when the ticket is finished, or when every step is done.
    pub fn next_alarm(&self, status: TicketStatus) -> Option<(Alarm, DateTime<Utc>)> {
        if status.is_finished() || self.met_at.is_some() || self.paused_since.is_some() {
            return None;
        }
        let a = &self.alarms;
        if a.warned_at.is_none() && a.escalated_at.is_none() && self.warn_at < self.due_at {
            Some((Alarm::Warn, self.warn_at))
        } else if a.escalated_at.is_none() {
            // Breached from the first instant after the due time (the store counts ms).
            Some((Alarm::Escalate, self.due_at + Duration::milliseconds(1)))
        } else if a.escalated_again_at.is_none() {
            Some((
                Alarm::EscalateAgain,
                self.due_at + Duration::minutes(self.basis.escalate_again_minutes),
            ))
        } else {
            None
        }
    }

    /// The one sentence the ticket page gives for the due time.
    pub fn explain(&self) -> Explanation {
        Explanation {
            kind: self.kind,
            due_at: self.due_at,
            ticket_kind: self.basis.ticket_kind,
            region: self.basis.region,
            minutes: self.basis.minutes,
            calendar: self.basis.calendar.clone(),
            started_at: self.basis.started_at,
            paused_minutes: self.basis.paused_minutes,
            paused_since: self.paused_since,
            policy_version: self.basis.policy_version,
        }
    }
}

/// Why a deadline is due when it is, for one sentence on the ticket page: "due 14:40: a
/// quality complaint gets a handling opinion within 2 h on the wall clock from 12:40, when
/// the contact was received, plus 30 min paused (policy version 3)".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub kind: DeadlineKind,
    pub due_at: DateTime<Utc>,
    pub ticket_kind: TicketKind,
    pub region: Option<Region>,
    pub minutes: i64,
    pub calendar: Option<String>,
    pub started_at: DateTime<Utc>,
    pub paused_minutes: i64,
    pub paused_since: Option<DateTime<Utc>>,
    pub policy_version: i64,
}

/// Where `amount` of the clock's time is reached, counting from `start` and stopping for
/// `pauses` (sorted by start).
enum Reach {
    At(DateTime<Utc>),
    /// Not reached before a pause that has not ended: the instant it would have been
    /// reached had the pause not begun.
    Paused {
        since: DateTime<Utc>,
        frozen: DateTime<Utc>,
    },
    /// The calendar has no working time ahead.
    Never,
}

fn reach(clock: Clock<'_>, start: DateTime<Utc>, amount: Duration, pauses: &[&Pause]) -> Reach {
    let mut cur = start;
    let mut left = amount;
    for p in pauses {
        if p.from > cur {
            let run = clock.between(cur, p.from);
            if run >= left {
                return clock.add(cur, left).map_or(Reach::Never, Reach::At);
            }
            left -= run;
        }
        match p.to {
            Some(to) => cur = cur.max(to),
            None => {
                let from = p.from.max(cur);
                return clock
                    .add(from, left)
                    .map_or(Reach::Never, |frozen| Reach::Paused {
                        since: from,
                        frozen,
                    });
            }
        }
    }
    clock.add(cur, left).map_or(Reach::Never, Reach::At)
}

/// The latest instant the store can hold: a deadline on a calendar without working time
/// ahead is due then (the policy editor refuses such calendars; this only keeps old data
/// readable).
fn far_future() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(253_402_300_799_000).unwrap_or_default()
}

/// The deadlines a ticket of `kind` at a site in `region`, received at `started_at`,
/// carries under `policy`, counted with `pauses`. The one place a due time is computed.
pub fn compute(
    policy: &DeadlinePolicy,
    kind: TicketKind,
    region: Region,
    started_at: DateTime<Utc>,
    pauses: &[Pause],
) -> Vec<Deadline> {
    policy
        .targets_for(kind, region)
        .into_iter()
        .map(|t| {
            let clock = policy.clock(t);
            let stops: Vec<&Pause> = if t.pauses {
                let mut v: Vec<&Pause> = pauses.iter().filter(|p| p.from >= started_at).collect();
                v.sort_by_key(|p| p.from);
                v
            } else {
                Vec::new()
            };
            let budget = Duration::minutes(t.minutes);
            let warn_budget = budget * i32::from(policy.watch.warn_pct) / 100;
            let (due_at, paused_since) = match reach(clock, started_at, budget, &stops) {
                Reach::At(at) => (at, None),
                Reach::Paused { since, frozen } => (frozen, Some(since)),
                Reach::Never => (far_future(), None),
            };
            let warn_at = match reach(clock, started_at, warn_budget, &stops) {
                Reach::At(at) | Reach::Paused { frozen: at, .. } => at,
                Reach::Never => far_future(),
            };
            let paused_minutes = stops
                .iter()
                .filter_map(|p| p.to.map(|to| (to - p.from).num_minutes()))
                .sum();
            Deadline {
                kind: t.deadline,
                due_at: crate::time::to_store_precision(due_at),
                met_at: None,
                warn_at: crate::time::to_store_precision(warn_at),
                paused_since,
                basis: Basis {
                    policy_version: policy.version,
                    ticket_kind: kind,
                    region: t.region,
                    minutes: t.minutes,
                    calendar: t.calendar.clone(),
                    started_at,
                    pauses: t.pauses,
                    paused_minutes,
                    warn_pct: policy.watch.warn_pct,
                    escalate_again_minutes: policy.watch.escalate_again_minutes,
                },
                alarms: Alarms::default(),
            }
        })
        .collect()
}

/// Recomputed deadlines over the ones a ticket has: a deadline already met stays as it
/// was (its due time is history); a running one takes its fresh due time and keeps what
/// the watcher already did; a running one the ticket no longer carries (its kind changed)
/// is dropped.
pub fn recompute(existing: &[Deadline], fresh: Vec<Deadline>) -> Vec<Deadline> {
    let mut out: Vec<Deadline> = existing
        .iter()
        .filter(|d| d.met_at.is_some())
        .cloned()
        .collect();
    for mut f in fresh {
        if out.iter().any(|d| d.kind == f.kind) {
            continue;
        }
        if let Some(old) = existing.iter().find(|d| d.kind == f.kind) {
            f.alarms = old.alarms;
        }
        out.push(f);
    }
    out.sort_by_key(|d| d.due_at);
    out
}

/// A step of the watcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Alarm {
    /// The warning share of the time has run: the owner is told.
    Warn,
    /// The deadline is breached: the service managers (and the owner) are told.
    Escalate,
    /// Still unmet a while after the breach: the department head is told.
    EscalateAgain,
}

impl Alarm {
    pub const ALL: [Alarm; 3] = [Alarm::Warn, Alarm::Escalate, Alarm::EscalateAgain];

    pub fn as_str(self) -> &'static str {
        match self {
            Alarm::Warn => "warn",
            Alarm::Escalate => "escalate",
            Alarm::EscalateAgain => "escalate_again",
        }
    }
}

/// Who hears of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Whoever owns the work: see [`owner`].
    Owner,
    /// Every active service manager.
    Managers,
    /// The department head of the policy (the managers when none is named).
    Head,
}

impl Alarm {
    pub fn audience(self) -> &'static [Audience] {
        match self {
            Alarm::Warn => &[Audience::Owner],
            Alarm::Escalate => &[Audience::Managers, Audience::Owner],
            Alarm::EscalateAgain => &[Audience::Head, Audience::Owner],
        }
    }

    /// Sent at once, even in quiet hours.
    pub fn is_urgent(self, ticket_kind: TicketKind) -> bool {
        self != Alarm::Warn || ticket_kind == TicketKind::Emergency
    }
}

/// Who owns the work a deadline waits for: for the arrival the technician sent (else the
/// ticket's owner), for the rest the ticket's owner. `None`: nobody yet — the managers
/// are told instead.
pub fn owner(
    kind: DeadlineKind,
    assignee: Option<UserId>,
    technician: Option<UserId>,
) -> Option<UserId> {
    match kind {
        DeadlineKind::Arrival => technician.or(assignee),
        _ => assignee,
    }
}

/// What the watcher does about one deadline at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Steps to send now, in order.
    pub send: Vec<Alarm>,
    /// Steps passed over: a warning still held when the deadline was breached.
    pub skip: Vec<Alarm>,
    /// The alarms as they stand after this pass.
    pub alarms: Alarms,
    /// When to look again; `None`: nothing more to do.
    pub next_at: Option<DateTime<Utc>>,
}

/// The watcher's rule for one deadline: every step whose time has come is sent once; a
/// warning that falls in quiet hours waits for their end, unless the ticket is an
/// emergency; a warning still waiting when the deadline is breached is passed over (the
/// escalation says more).
pub fn decide(
    d: &Deadline,
    status: TicketStatus,
    ticket_kind: TicketKind,
    quiet: Option<&Quiet>,
    now: DateTime<Utc>,
) -> Decision {
    let now = crate::time::to_store_precision(now);
    let mut cur = d.clone();
    let (mut send, mut skip) = (Vec::new(), Vec::new());
    let next_at = loop {
        let Some((alarm, at)) = cur.next_alarm(status) else {
            break None;
        };
        if at > now {
            break Some(at);
        }
        let mark = match alarm {
            Alarm::Warn => &mut cur.alarms.warned_at,
            Alarm::Escalate => &mut cur.alarms.escalated_at,
            Alarm::EscalateAgain => &mut cur.alarms.escalated_again_at,
        };
        if alarm == Alarm::Warn && now >= cur.due_at {
            *mark = Some(now);
            skip.push(alarm);
            continue;
        }
        if let Some(q) = quiet
            && !alarm.is_urgent(ticket_kind)
            && q.contains(now)
        {
            break Some(q.end_after(now).min(cur.due_at));
        }
        *mark = Some(now);
        send.push(alarm);
    };
    Decision {
        send,
        skip,
        alarms: cur.alarms,
        next_at,
    }
}

#[cfg(test)]
mod tests;
