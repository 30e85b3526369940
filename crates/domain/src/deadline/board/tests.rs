use super::*;
use crate::deadline::owner;
use crate::ids::{TicketId, UserId};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn times(due: &str, warn: &str, paused: Option<&str>) -> Times {
    Times {
        due_at: t(due),
        met_at: None,
        warn_at: t(warn),
        paused_since: paused.map(t),
    }
}

#[test]
fn r6_1_board_windows_say_exactly_what_the_deadline_state_says() {
    let now = t("2026-11-27T10:00:00Z");
    // Every edge: due a millisecond before/at/after now, at/after now + 1 h, warned or
    // not, paused before, at and after the due time.
    let dues = [
        "2026-11-27T09:59:59.999Z",
        "2026-11-27T10:00:00Z",
        "2026-11-27T10:00:00.001Z",
        "2026-11-27T11:00:00Z",
        "2026-11-27T11:00:00.001Z",
        "2026-11-28T10:00:00Z",
        "2026-11-26T10:00:00Z",
    ];
    let warns = [
        "2026-11-27T09:00:00Z",
        "2026-11-27T10:00:00Z",
        "2026-11-27T10:00:00.001Z",
        "2026-11-27T20:00:00Z",
    ];
    let pauses = [
        None,
        Some("2026-11-26T09:00:00Z"),
        Some("2026-11-27T09:59:59.999Z"),
        Some("2026-11-27T10:00:00Z"),
        Some("2026-11-26T10:00:00Z"),
    ];
    let mut seen = std::collections::HashSet::new();
    for due in dues {
        for warn in warns {
            for paused in pauses {
                let d = times(due, warn, paused);
                for status in [
                    TicketStatus::Open,
                    TicketStatus::Waiting,
                    TicketStatus::OnSite,
                ] {
                    let state = d.state(now, status);
                    seen.insert(state);
                    for s in OPEN_STATES {
                        let inside = windows(s, now).iter().any(|w| w.contains(&d));
                        assert_eq!(
                            inside,
                            s == state,
                            "{s:?} vs {state:?}: due {due} warn {warn} paused {paused:?}"
                        );
                    }
                }
            }
        }
    }
    assert_eq!(seen.len(), OPEN_STATES.len(), "every open state was tried");
}

#[test]
fn r6_1_only_open_states_have_windows() {
    let now = t("2026-11-27T10:00:00Z");
    for s in [
        DeadlineState::Met,
        DeadlineState::MetLate,
        DeadlineState::Void,
    ] {
        assert!(windows(s, now).is_empty());
        assert_eq!(parse_open_state(s.as_str()), None);
    }
    for s in OPEN_STATES {
        assert_eq!(parse_open_state(s.as_str()), Some(s));
    }
}

#[test]
fn r6_1_the_board_names_the_owner_as_the_watcher_does() {
    let (a, te) = (Some(UserId(1)), Some(UserId(2)));
    for kind in DeadlineKind::ALL {
        for (assignee, technician) in [(a, te), (a, None), (None, te), (None, None)] {
            let by_columns = owner_sources(*kind).iter().find_map(|c| match c {
                PersonColumn::Assignee => assignee,
                PersonColumn::Technician => technician,
            });
            assert_eq!(by_columns, owner(*kind, assignee, technician), "{kind:?}");
        }
    }
}

#[test]
fn r6_1_board_cursor_round_trips_and_refuses_junk() {
    let c = BoardCursor {
        due_at: t("2026-11-27T10:00:00.123Z"),
        ticket_id: 42,
        kind: DeadlineKind::Arrival,
    };
    assert_eq!(BoardCursor::decode(&c.encode()), Some(c));
    for bad in ["", "x.1.arrival", "1.x.arrival", "1.2.lunch", "1.2"] {
        assert_eq!(BoardCursor::decode(bad), None, "{bad}");
    }
}

#[test]
fn r6_2_a_month_runs_midnight_to_midnight_in_shanghai() {
    let m = Month::parse("2026-12").unwrap();
    assert_eq!(m.start(), t("2026-11-30T16:00:00Z"));
    assert_eq!(m.end(), t("2026-12-31T16:00:00Z"));
    assert_eq!(m.next().to_string(), "2027-01");
    assert_eq!(Month::parse("2027-01").unwrap().previous(), m);
    // The first of the month at 07:59 in Shanghai's morning is still… the first.
    assert_eq!(Month::of(t("2026-11-30T16:00:00Z")), m);
    assert_eq!(Month::of(t("2026-11-30T15:59:59Z")).to_string(), "2026-11");
    for bad in [
        "2026-13", "2026-1", "26-01", "2026/01", "", "1999-12", "abcd-ef",
    ] {
        assert!(Month::parse(bad).is_err(), "{bad}");
    }
}

fn line(kind: DeadlineKind, region: Region, due: &str, met: Option<&str>) -> MonthLine {
    MonthLine {
        ticket_id: TicketId(1),
        ticket_kind: TicketKind::Emergency,
        status: TicketStatus::Open,
        customer_name: "c".into(),
        region,
        kind,
        due_at: t(due),
        met_at: met.map(t),
        warn_at: t(due),
        paused_since: None,
        owner_name: None,
        cause: None,
    }
}

#[test]
fn r6_2_on_time_rate_counts_met_in_time_over_decided_and_open_breaches_as_late() {
    let now = t("2026-11-20T00:00:00Z");
    let a = DeadlineKind::Arrival;
    let h = DeadlineKind::HandlingOpinion;
    let mut cancelled = line(a, Region::Zhejiang, "2026-11-03T00:00:00Z", None);
    cancelled.status = TicketStatus::Cancelled;
    let lines = vec![
        // Met on time, to the millisecond.
        line(
            a,
            Region::HangzhouUrban,
            "2026-11-02T00:00:00Z",
            Some("2026-11-02T00:00:00Z"),
        ),
        // Met a millisecond late.
        line(
            a,
            Region::HangzhouUrban,
            "2026-11-02T00:00:00Z",
            Some("2026-11-02T00:00:00.001Z"),
        ),
        // Still open, past due: late.
        line(a, Region::Zhejiang, "2026-11-05T00:00:00Z", None),
        // Still open, due later this month: not counted yet.
        line(h, Region::Zhejiang, "2026-11-25T00:00:00Z", None),
        // Cancelled: not counted.
        cancelled,
    ];
    let f = figures(Month::parse("2026-11").unwrap(), &lines, now);
    assert_eq!(
        f.total,
        Tally {
            on_time: 1,
            late: 2,
            running: 1
        }
    );
    assert_eq!(f.total.rate_permille(), Some(333));
    let arrival = f.by_kind.iter().find(|(k, _)| *k == a).unwrap().1;
    assert_eq!(arrival.due(), 3);
    let opinion = f.by_kind.iter().find(|(k, _)| *k == h).unwrap().1;
    assert_eq!(opinion.rate_permille(), None, "nothing decided yet");
    let urban = f
        .by_region
        .iter()
        .find(|(r, _)| *r == Region::HangzhouUrban)
        .unwrap()
        .1;
    assert_eq!(urban.rate_permille(), Some(500));
    assert_eq!(f.by_region.len(), Region::ALL.len());
    // The drill-down finds the same deadlines the figure counts.
    let late_urban = MonthFilter {
        region: Some(Region::HangzhouUrban),
        outcome: Some(Outcome::Late),
        ..MonthFilter::default()
    };
    assert_eq!(
        lines.iter().filter(|l| late_urban.matches(l, now)).count(),
        1
    );
}

#[test]
fn r6_2_every_state_has_one_outcome() {
    for (state, outcome) in [
        (DeadlineState::Met, Outcome::OnTime),
        (DeadlineState::MetLate, Outcome::Late),
        (DeadlineState::Breached, Outcome::Late),
        (DeadlineState::Pending, Outcome::Running),
        (DeadlineState::Warning, Outcome::Running),
        (DeadlineState::DueSoon, Outcome::Running),
        (DeadlineState::Paused, Outcome::Running),
        (DeadlineState::Void, Outcome::Void),
    ] {
        assert_eq!(Outcome::of(state), outcome, "{state:?}");
        assert_eq!(Outcome::parse(outcome.as_str()), Some(outcome));
    }
}

#[test]
fn r6_2_breach_cause_is_a_listed_category_with_a_note_required_for_other() {
    for c in BreachCategory::ALL {
        assert_eq!(BreachCategory::parse(c.as_str()), Some(c));
    }
    let ok = BreachCause::parse("travel", "  堵车 2 小时 ").unwrap();
    assert_eq!(ok.category, BreachCategory::Travel);
    assert_eq!(ok.note.as_deref(), Some("堵车 2 小时"));
    assert_eq!(BreachCause::parse("wrong_region", "").unwrap().note, None);
    let field_of = |r: Result<BreachCause, Error>| match r {
        Err(Error::Validation(f)) => {
            let mut names: Vec<String> = ["category", "note"]
                .iter()
                .filter(|n| f.get(n).is_some())
                .map(|n| (*n).to_string())
                .collect();
            names.sort();
            names
        }
        other => panic!("not a validation error: {other:?}"),
    };
    assert_eq!(field_of(BreachCause::parse("", "x")), ["category"]);
    assert_eq!(field_of(BreachCause::parse("weather", "x")), ["category"]);
    assert_eq!(field_of(BreachCause::parse("other", " ")), ["note"]);
    assert_eq!(
        field_of(BreachCause::parse(
            "travel",
            &"长".repeat(CAUSE_NOTE_MAX + 1)
        )),
        ["note"]
    );
    assert!(BreachCause::parse("travel", &"长".repeat(CAUSE_NOTE_MAX)).is_ok());
}

#[test]
fn r6_2_only_a_breached_deadline_takes_a_cause() {
    for s in [DeadlineState::Breached, DeadlineState::MetLate] {
        assert!(may_have_cause(s).is_ok());
    }
    for s in [
        DeadlineState::Met,
        DeadlineState::Pending,
        DeadlineState::Warning,
        DeadlineState::DueSoon,
        DeadlineState::Paused,
        DeadlineState::Void,
    ] {
        assert!(may_have_cause(s).is_err(), "{s:?}");
    }
}
