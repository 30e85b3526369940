//! Tickets as lists and the service desk show them (R6.1), and the bounds the desk counts
//! by: the rules are here, the store only filters by the columns these rules wrote.

use super::{Channel, DUE_SOON, DeadlineKind, TicketKind, TicketStatus, ticket_number};
use crate::ids::{CustomerId, TicketId, UserId};
use crate::region::Region;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Where a ticket stands on the service desk; kept beside the ticket (`desk_lane`) so
/// lists filter by it instead of re-deriving it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeskLane {
    /// Work going on with a deadline still running (`next_due_at` is set).
    Running,
    /// Work going on for a kind that has no deadline.
    NoDeadline,
    /// Work going on whose every deadline was met.
    DeadlinesMet,
    /// Waiting for the customer with every running deadline paused.
    Waiting,
    /// Resolved, closed or cancelled: no longer work.
    Finished,
}

impl DeskLane {
    pub const ALL: &'static [DeskLane] = &[
        DeskLane::Running,
        DeskLane::NoDeadline,
        DeskLane::DeadlinesMet,
        DeskLane::Waiting,
        DeskLane::Finished,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeskLane::Running => "running",
            DeskLane::NoDeadline => "no_deadline",
            DeskLane::DeadlinesMet => "deadlines_met",
            DeskLane::Waiting => "waiting",
            DeskLane::Finished => "finished",
        }
    }

    pub fn parse(s: &str) -> Option<DeskLane> {
        DeskLane::ALL.iter().copied().find(|l| l.as_str() == s)
    }

    /// Still work: what the desk and "open" filters count.
    pub fn is_work(self) -> bool {
        self != DeskLane::Finished
    }

    /// The lanes that are still work, for filters.
    pub fn working() -> impl Iterator<Item = DeskLane> {
        DeskLane::ALL.iter().copied().filter(|l| l.is_work())
    }
}

/// The instants the desk counts by at `now`: a running deadline due before
/// `breached_before` is breached, one due up to `due_soon_until` is due soon. These are
/// [`super::Deadline::state`]'s rules, written as bounds on the stored `next_due_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeskBounds {
    pub breached_before: DateTime<Utc>,
    pub due_soon_until: DateTime<Utc>,
}

impl DeskBounds {
    pub fn at(now: DateTime<Utc>) -> DeskBounds {
        DeskBounds {
            breached_before: now,
            due_soon_until: now + DUE_SOON,
        }
    }

    /// A running deadline due at `due_at` is breached.
    pub fn breached(&self, due_at: DateTime<Utc>) -> bool {
        due_at < self.breached_before
    }

    pub fn due_soon(&self, due_at: DateTime<Utc>) -> bool {
        !self.breached(due_at) && due_at <= self.due_soon_until
    }
}

/// A line of a ticket list or of the service desk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketSummary {
    pub id: TicketId,
    pub kind: TicketKind,
    pub channel: Channel,
    pub status: TicketStatus,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub summary: String,
    pub site_region: Region,
    pub received_at: DateTime<Utc>,
    /// The nearest unmet deadline while work goes on.
    pub next_due_at: Option<DateTime<Utc>>,
    pub next_due_kind: Option<DeadlineKind>,
    pub desk_lane: DeskLane,
    pub assignee_id: Option<UserId>,
    pub assignee_name: Option<String>,
    pub technician_name: Option<String>,
}

impl TicketSummary {
    pub fn number(&self) -> String {
        ticket_number(self.id)
    }

    /// The nearest deadline has passed unmet.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        self.next_due_at
            .is_some_and(|d| DeskBounds::at(now).breached(d))
    }
}

/// Ticket list filters. `open` keeps tickets still being worked on; `overdue_at` those
/// whose nearest deadline had passed unmet at that instant.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub q: Option<String>,
    pub kind: Option<TicketKind>,
    pub status: Option<TicketStatus>,
    pub open: bool,
    pub overdue_at: Option<DateTime<Utc>>,
    pub region: Option<Region>,
    pub customer_id: Option<CustomerId>,
    /// Assigned to, or sent to site: one person's work (R6.1).
    pub person_id: Option<UserId>,
}

/// The service desk (R6.1): what breached, what is due within the hour, the open work by
/// nearest deadline, open work of kinds without a deadline, and open work whose deadlines
/// were all met.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Dashboard {
    pub open: i64,
    pub breached: i64,
    pub due_soon: i64,
    pub by_deadline: Vec<TicketSummary>,
    pub without_deadline: Vec<TicketSummary>,
    pub deadlines_met: Vec<TicketSummary>,
    /// Waiting for the customer, their clocks stopped.
    pub waiting: Vec<TicketSummary>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn r6_1_desk_bounds_agree_with_deadline_states() {
        use super::super::DeadlineState;
        let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let b = DeskBounds::at(now);
        for (offset_min, state) in [
            (-1, DeadlineState::Breached),
            (0, DeadlineState::DueSoon),
            (30, DeadlineState::DueSoon),
            (60, DeadlineState::DueSoon),
            (61, DeadlineState::Pending),
        ] {
            let due_at = now + Duration::minutes(offset_min);
            let d = crate::ticket::deadlines_for(
                TicketKind::Emergency,
                crate::region::Region::HangzhouUrban,
                due_at - Duration::hours(1),
            )
            .remove(0);
            assert_eq!(d.state(now, TicketStatus::Open), state, "{offset_min}");
            assert_eq!(
                b.breached(due_at),
                state == DeadlineState::Breached,
                "{offset_min}"
            );
            assert_eq!(
                b.due_soon(due_at),
                state == DeadlineState::DueSoon,
                "{offset_min}"
            );
        }
    }

    #[test]
    fn desk_lanes_round_trip_and_finished_is_not_work() {
        for l in DeskLane::ALL {
            assert_eq!(DeskLane::parse(l.as_str()), Some(*l));
        }
        assert_eq!(DeskLane::working().count(), 4);
        assert!(!DeskLane::Finished.is_work());
    }
}
