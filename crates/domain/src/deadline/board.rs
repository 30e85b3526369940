//! The manager's board (R6.1–R6.3): the department's open deadlines by state, each
//! person's load, the month's on-time rates, and the cause recorded for each breach.
//!
//! The rules stay here: which stored instants make each state ([`windows`], the same rule
//! as [`Times::state`] written as bounds the store filters by), whose work a deadline is
//! ([`owner_sources`], the same rule as [`super::owner`]), how a deadline counts in the
//! month's figures ([`Outcome`]), and what a breach's cause may be ([`BreachCause`]).

use super::{DUE_SOON, DeadlineState, Times};
use crate::error::{Error, FieldErrors, Problem};
use crate::region::Region;
use crate::terms::{DeadlineKind, TicketKind, TicketStatus};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// The states an open deadline (unmet, on unfinished work) can be in, most urgent first:
/// the board counts and filters by these.
pub const OPEN_STATES: [DeadlineState; 5] = [
    DeadlineState::Breached,
    DeadlineState::DueSoon,
    DeadlineState::Warning,
    DeadlineState::Pending,
    DeadlineState::Paused,
];

/// A state by its stored name, among the open ones.
pub fn parse_open_state(s: &str) -> Option<DeadlineState> {
    OPEN_STATES.iter().copied().find(|st| st.as_str() == s)
}

/// Bounds on an open deadline's stored columns (`due_at`, `warn_at`, `paused_since`), all
/// inclusive, at the store's millisecond precision. A deadline is in a state at `now`
/// exactly when it falls in one of the state's windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    /// `paused_since` is set (`true`) or not (`false`).
    pub paused: bool,
    pub due_min: Option<DateTime<Utc>>,
    pub due_max: Option<DateTime<Utc>>,
    pub warn_min: Option<DateTime<Utc>>,
    pub warn_max: Option<DateTime<Utc>>,
    /// Paused after it was due (`paused_since > due_at`: `Some(true)`), or before or at it
    /// (`Some(false)`).
    pub paused_past_due: Option<bool>,
}

impl Window {
    /// Whether the stored instants of an open deadline fall in this window.
    pub fn contains(&self, t: &Times) -> bool {
        let within = |v: DateTime<Utc>, min: Option<DateTime<Utc>>, max: Option<DateTime<Utc>>| {
            min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m)
        };
        t.paused_since.is_some() == self.paused
            && within(t.due_at, self.due_min, self.due_max)
            && within(t.warn_at, self.warn_min, self.warn_max)
            && self
                .paused_past_due
                .is_none_or(|past| t.paused_since.is_some_and(|p| (p > t.due_at) == past))
    }
}

/// The windows of an open deadline in `state` at `now` ([`Times::state`]'s rule as bounds:
/// a pause never starts after `now`). No window for a state an open deadline cannot be in.
pub fn windows(state: DeadlineState, now: DateTime<Utc>) -> Vec<Window> {
    let now = crate::time::to_store_precision(now);
    let ms = Duration::milliseconds(1);
    let soon = now + DUE_SOON;
    let running = Window::default();
    match state {
        DeadlineState::Breached => vec![
            Window {
                due_max: Some(now - ms),
                ..running
            },
            Window {
                paused: true,
                paused_past_due: Some(true),
                ..running
            },
        ],
        DeadlineState::Paused => vec![Window {
            paused: true,
            paused_past_due: Some(false),
            ..running
        }],
        DeadlineState::DueSoon => vec![Window {
            due_min: Some(now),
            due_max: Some(soon),
            ..running
        }],
        DeadlineState::Warning => vec![Window {
            due_min: Some(soon + ms),
            warn_max: Some(now),
            ..running
        }],
        DeadlineState::Pending => vec![Window {
            due_min: Some(soon + ms),
            warn_min: Some(now + ms),
            ..running
        }],
        DeadlineState::Met | DeadlineState::MetLate | DeadlineState::Void => Vec::new(),
    }
}

/// A column of the ticket that names a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonColumn {
    /// `assignee_id`: the ticket's owner.
    Assignee,
    /// `technician_id`: who was sent on site.
    Technician,
}

/// Whose work a deadline of `kind` is, as the columns to read in order (the first one set
/// names the owner): [`super::owner`]'s rule for lists that filter and group by it.
pub fn owner_sources(kind: DeadlineKind) -> &'static [PersonColumn] {
    match kind {
        DeadlineKind::Arrival => &[PersonColumn::Technician, PersonColumn::Assignee],
        _ => &[PersonColumn::Assignee],
    }
}

/// The board's filters. Every one is optional; together they narrow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoardFilter {
    pub deadline_kind: Option<DeadlineKind>,
    pub ticket_kind: Option<TicketKind>,
    pub region: Option<Region>,
    pub owner: Option<crate::ids::UserId>,
    /// One of [`OPEN_STATES`].
    pub state: Option<DeadlineState>,
}

/// Where a page of the board starts: after this deadline in the board's order (due time,
/// then ticket, then kind).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardCursor {
    pub due_at: DateTime<Utc>,
    pub ticket_id: i64,
    pub kind: DeadlineKind,
}

impl BoardCursor {
    /// `due-ms.ticket.kind`, as a page hands it on.
    pub fn encode(&self) -> String {
        format!(
            "{}.{}.{}",
            self.due_at.timestamp_millis(),
            self.ticket_id,
            self.kind.as_str()
        )
    }

    pub fn decode(s: &str) -> Option<BoardCursor> {
        let mut parts = s.trim().splitn(3, '.');
        let due = parts.next()?.parse::<i64>().ok()?;
        let ticket_id = parts.next()?.parse::<i64>().ok()?;
        let kind = DeadlineKind::parse(parts.next()?)?;
        Some(BoardCursor {
            due_at: DateTime::from_timestamp_millis(due)?,
            ticket_id,
            kind,
        })
    }
}

/// One open deadline on the board.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardLine {
    pub ticket_id: crate::ids::TicketId,
    pub ticket_kind: TicketKind,
    pub status: TicketStatus,
    pub customer_name: String,
    pub summary: String,
    pub region: Region,
    pub kind: DeadlineKind,
    pub times: BoardTimes,
    pub owner_id: Option<crate::ids::UserId>,
    pub owner_name: Option<String>,
}

/// [`Times`] as serialized on a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BoardTimes {
    pub due_at: DateTime<Utc>,
    pub warn_at: DateTime<Utc>,
    pub paused_since: Option<DateTime<Utc>>,
}

impl BoardLine {
    pub fn times(&self) -> Times {
        Times {
            due_at: self.times.due_at,
            met_at: None,
            warn_at: self.times.warn_at,
            paused_since: self.times.paused_since,
        }
    }

    pub fn state(&self, now: DateTime<Utc>) -> DeadlineState {
        self.times().state(now, self.status)
    }

    pub fn number(&self) -> String {
        crate::ticket::ticket_number(self.ticket_id)
    }

    pub fn cursor(&self) -> BoardCursor {
        BoardCursor {
            due_at: self.times.due_at,
            ticket_id: self.ticket_id.0,
            kind: self.kind,
        }
    }

    /// Minutes to the due time (negative: overdue); for a paused deadline, as it stood
    /// when the pause began.
    pub fn minutes_left(&self, now: DateTime<Utc>) -> i64 {
        let from = self.times.paused_since.map_or(now, |p| p.min(now));
        (self.times.due_at - from).num_minutes()
    }
}

/// How many open deadlines are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StateCounts {
    pub breached: i64,
    pub due_soon: i64,
    pub warning: i64,
    pub pending: i64,
    pub paused: i64,
}

impl StateCounts {
    pub fn of(&self, state: DeadlineState) -> i64 {
        match state {
            DeadlineState::Breached => self.breached,
            DeadlineState::DueSoon => self.due_soon,
            DeadlineState::Warning => self.warning,
            DeadlineState::Pending => self.pending,
            DeadlineState::Paused => self.paused,
            _ => 0,
        }
    }

    pub fn set(&mut self, state: DeadlineState, n: i64) {
        match state {
            DeadlineState::Breached => self.breached = n,
            DeadlineState::DueSoon => self.due_soon = n,
            DeadlineState::Warning => self.warning = n,
            DeadlineState::Pending => self.pending = n,
            DeadlineState::Paused => self.paused = n,
            _ => {}
        }
    }

    pub fn total(&self) -> i64 {
        self.breached + self.due_soon + self.warning + self.pending + self.paused
    }
}

/// One person's load: open tickets they own, and the open deadlines that are their work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Load {
    /// `None`: work nobody owns yet.
    pub user_id: Option<crate::ids::UserId>,
    pub name: Option<String>,
    pub open_tickets: i64,
    pub running: i64,
    pub warnings: i64,
    pub breaches: i64,
}

// ---------------------------------------------------------------------------------------
// The month's figures (R6.2, R6.3).

pub use crate::time::Month;

/// How a deadline due in the month counts in its figures. The on-time rate is
/// `on time / (on time + late)`: a deadline met by its due time is on time; one met after
/// it, or still unmet past it (breached), is late. One still running (not yet due, or
/// paused before its due time) is not counted yet; one whose ticket was cancelled is not
/// counted at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    OnTime,
    Late,
    Running,
    Void,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::OnTime,
        Outcome::Late,
        Outcome::Running,
        Outcome::Void,
    ];

    pub fn of(state: DeadlineState) -> Outcome {
        match state {
            DeadlineState::Met => Outcome::OnTime,
            DeadlineState::MetLate | DeadlineState::Breached => Outcome::Late,
            DeadlineState::Void => Outcome::Void,
            DeadlineState::Pending
            | DeadlineState::Warning
            | DeadlineState::DueSoon
            | DeadlineState::Paused => Outcome::Running,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::OnTime => "on_time",
            Outcome::Late => "late",
            Outcome::Running => "running",
            Outcome::Void => "void",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// On time and late among a group of deadlines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub on_time: i64,
    pub late: i64,
    pub running: i64,
}

impl Tally {
    pub fn add(&mut self, o: Outcome) {
        match o {
            Outcome::OnTime => self.on_time += 1,
            Outcome::Late => self.late += 1,
            Outcome::Running => self.running += 1,
            Outcome::Void => {}
        }
    }

    /// Deadlines decided: on time or late.
    pub fn due(&self) -> i64 {
        self.on_time + self.late
    }

    /// On time per decided deadline, in per mille (so 1000 is 100 %); `None` when none was
    /// decided.
    pub fn rate_permille(&self) -> Option<i64> {
        (self.due() > 0).then(|| (self.on_time * 1000 + self.due() / 2) / self.due())
    }
}

/// A deadline due in the month, as the figures count it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthLine {
    pub ticket_id: crate::ids::TicketId,
    pub ticket_kind: TicketKind,
    pub status: TicketStatus,
    pub customer_name: String,
    pub region: Region,
    pub kind: DeadlineKind,
    pub due_at: DateTime<Utc>,
    pub met_at: Option<DateTime<Utc>>,
    pub warn_at: DateTime<Utc>,
    pub paused_since: Option<DateTime<Utc>>,
    pub owner_name: Option<String>,
    pub cause: Option<BreachCause>,
}

impl MonthLine {
    pub fn state(&self, now: DateTime<Utc>) -> DeadlineState {
        Times {
            due_at: self.due_at,
            met_at: self.met_at,
            warn_at: self.warn_at,
            paused_since: self.paused_since,
        }
        .state(now, self.status)
    }

    pub fn outcome(&self, now: DateTime<Utc>) -> Outcome {
        Outcome::of(self.state(now))
    }

    pub fn number(&self) -> String {
        crate::ticket::ticket_number(self.ticket_id)
    }
}

/// The month's figures: on-time per deadline kind and per region, and overall.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthFigures {
    pub month: String,
    pub total: Tally,
    pub by_kind: Vec<(DeadlineKind, Tally)>,
    pub by_region: Vec<(Region, Tally)>,
}

/// Count `lines` at `now`: every deadline kind and every region appears, in their
/// catalogue order, even with nothing due.
pub fn figures(month: Month, lines: &[MonthLine], now: DateTime<Utc>) -> MonthFigures {
    let mut total = Tally::default();
    let mut by_kind: Vec<(DeadlineKind, Tally)> = DeadlineKind::ALL
        .iter()
        .map(|k| (*k, Tally::default()))
        .collect();
    let mut by_region: Vec<(Region, Tally)> =
        Region::ALL.iter().map(|r| (*r, Tally::default())).collect();
    for l in lines {
        let o = l.outcome(now);
        total.add(o);
        if let Some((_, t)) = by_kind.iter_mut().find(|(k, _)| *k == l.kind) {
            t.add(o);
        }
        if let Some((_, t)) = by_region.iter_mut().find(|(r, _)| *r == l.region) {
            t.add(o);
        }
    }
    MonthFigures {
        month: month.to_string(),
        total,
        by_kind,
        by_region,
    }
}

/// Which deadlines of the month a figure stands for: the drill-down's filter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonthFilter {
    pub kind: Option<DeadlineKind>,
    pub region: Option<Region>,
    pub outcome: Option<Outcome>,
}

impl MonthFilter {
    pub fn matches(&self, l: &MonthLine, now: DateTime<Utc>) -> bool {
        self.kind.is_none_or(|k| k == l.kind)
            && self.region.is_none_or(|r| r == l.region)
            && self.outcome.is_none_or(|o| o == l.outcome(now))
    }
}

// ---------------------------------------------------------------------------------------
// Why a deadline was breached.

/// What a breach is put down to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreachCategory {
    NoTechnicianFree,
    Travel,
    CustomerUnreachable,
    WaitingForParts,
    WrongRegion,
    RecordedLate,
    Other,
}

impl BreachCategory {
    pub const ALL: [BreachCategory; 7] = [
        BreachCategory::NoTechnicianFree,
        BreachCategory::Travel,
        BreachCategory::CustomerUnreachable,
        BreachCategory::WaitingForParts,
        BreachCategory::WrongRegion,
        BreachCategory::RecordedLate,
        BreachCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BreachCategory::NoTechnicianFree => "no_technician_free",
            BreachCategory::Travel => "travel",
            BreachCategory::CustomerUnreachable => "customer_unreachable",
            BreachCategory::WaitingForParts => "waiting_for_parts",
            BreachCategory::WrongRegion => "wrong_region",
            BreachCategory::RecordedLate => "recorded_late",
            BreachCategory::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<BreachCategory> {
        BreachCategory::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The longest note on a breach's cause.
pub const CAUSE_NOTE_MAX: usize = 500;

/// The cause recorded for a breached deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct BreachCause {
    pub category: BreachCategory,
    pub note: Option<String>,
}

impl BreachCause {
    /// A category from the list, and a note of at most [`CAUSE_NOTE_MAX`] characters —
    /// required when the category is "other", which says nothing by itself.
    pub fn parse(category: &str, note: &str) -> Result<BreachCause, Error> {
        let mut errors = FieldErrors::new();
        let category = match category.trim() {
            "" => {
                errors.add("category", Problem::required());
                None
            }
            c => {
                let parsed = BreachCategory::parse(c);
                if parsed.is_none() {
                    errors.add("category", Problem::invalid("not a breach cause"));
                }
                parsed
            }
        };
        let clean: String = note
            .chars()
            .filter(|c| !c.is_control() || *c == '\n')
            .collect();
        let note = Some(clean.trim().to_string()).filter(|n| !n.is_empty());
        if note
            .as_ref()
            .is_some_and(|n| n.chars().count() > CAUSE_NOTE_MAX)
        {
            errors.add("note", Problem::too_long(CAUSE_NOTE_MAX));
        } else if category == Some(BreachCategory::Other) && note.is_none() {
            errors.add("note", Problem::new("required", "say what the cause was"));
        }
        match (category, errors.is_empty()) {
            (Some(category), true) => Ok(BreachCause { category, note }),
            _ => Err(Error::Validation(errors)),
        }
    }
}

/// A cause is recorded only for a deadline that was breached: met late, or still unmet
/// past its due time.
pub fn may_have_cause(state: DeadlineState) -> Result<(), Error> {
    match state {
        DeadlineState::Breached | DeadlineState::MetLate => Ok(()),
        _ => Err(Error::field(
            "deadline",
            Problem::new("not_breached", "only a breached deadline has a cause"),
        )),
    }
}

#[cfg(test)]
mod tests;
