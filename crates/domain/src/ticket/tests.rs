use super::*;
use crate::audit::changed_fields;
use crate::time::local;

fn company() -> DeadlinePolicy {
    DeadlinePolicy::company()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn due(kind: TicketKind, region: Region, received: &str) -> Vec<(DeadlineKind, String)> {
    deadlines_for(kind, region, at(received))
        .into_iter()
        .map(|d| (d.kind, local(d.due_at).to_rfc3339()))
        .collect()
}

#[test]
fn r3_every_deadline_rule() {
    use DeadlineKind::*;
    use TicketKind as K;
    let r = "2026-05-10T09:00:00+08:00";
    type Case = (TicketKind, Region, Option<(DeadlineKind, &'static str)>);
    let cases: &[Case] = &[
        (
            K::ComplaintQuality,
            Region::Zhejiang,
            Some((HandlingOpinion, "2026-05-10T11:00:00+08:00")),
        ),
        (
            K::ComplaintOther,
            Region::Zhejiang,
            Some((HandlingOpinion, "2026-05-10T21:00:00+08:00")),
        ),
        (
            K::Emergency,
            Region::HangzhouUrban,
            Some((Arrival, "2026-05-10T10:00:00+08:00")),
        ),
        (
            K::Emergency,
            Region::Zhejiang,
            Some((Arrival, "2026-05-10T15:00:00+08:00")),
        ),
        (
            K::Emergency,
            Region::OutOfProvince,
            Some((Arrival, "2026-05-10T21:00:00+08:00")),
        ),
        (
            K::Emergency,
            Region::Unknown,
            Some((Arrival, "2026-05-10T10:00:00+08:00")),
        ),
        (
            K::Consultation,
            Region::OutOfProvince,
            Some((Reply, "2026-05-10T21:00:00+08:00")),
        ),
        (
            K::Correspondence,
            Region::HangzhouUrban,
            Some((Reply, "2026-05-11T09:00:00+08:00")),
        ),
        (K::Repair, Region::HangzhouUrban, None),
        (K::Installation, Region::Zhejiang, None),
        (K::TechnicalGuidance, Region::Zhejiang, None),
        (K::Training, Region::Zhejiang, None),
        (K::ReturnRequest, Region::Zhejiang, None),
    ];
    for (kind, region, want) in cases {
        let want: Vec<(DeadlineKind, String)> =
            want.iter().map(|(k, s)| (*k, (*s).to_string())).collect();
        assert_eq!(due(*kind, *region, r), want, "{kind} in {region:?}");
    }
}

#[test]
fn r3_3_complaint_handling_opinion_deadlines_do_not_depend_on_region() {
    for region in Region::ALL {
        assert_eq!(
            due(TicketKind::ComplaintQuality, region, "2026-01-01T00:00:00Z")[0].1,
            "2026-01-01T10:00:00+08:00"
        );
    }
}

#[test]
fn r3_4_arrival_hours_by_region() {
    assert_eq!(arrival_hours(Region::HangzhouUrban), 1);
    assert_eq!(arrival_hours(Region::Zhejiang), 6);
    assert_eq!(arrival_hours(Region::OutOfProvince), 12);
    assert_eq!(
        arrival_hours(Region::Unknown),
        1,
        "unknown gets the strictest promise"
    );
}

#[test]
fn r3_received_at_in_another_offset_is_the_same_instant() {
    // 21:30 in New York (UTC-5) is 10:30 next morning in Hangzhou.
    let a = due(
        TicketKind::ComplaintQuality,
        Region::Zhejiang,
        "2026-11-26T21:30:00-05:00",
    );
    let b = due(
        TicketKind::ComplaintQuality,
        Region::Zhejiang,
        "2026-11-27T10:30:00+08:00",
    );
    let c = due(
        TicketKind::ComplaintQuality,
        Region::Zhejiang,
        "2026-11-27T02:30:00Z",
    );
    assert_eq!(a, b);
    assert_eq!(b, c);
    assert_eq!(a[0].1, "2026-11-27T12:30:00+08:00");
}

#[test]
fn r3_deadlines_cross_midnight_and_month_and_year_ends() {
    let cases = [
        (
            TicketKind::Emergency,
            Region::HangzhouUrban,
            "2026-03-31T23:30:00+08:00",
            "2026-04-01T00:30:00+08:00",
        ),
        (
            TicketKind::Emergency,
            Region::OutOfProvince,
            "2026-12-31T20:00:00+08:00",
            "2027-01-01T08:00:00+08:00",
        ),
        (
            TicketKind::Correspondence,
            Region::Zhejiang,
            "2028-02-28T23:59:00+08:00",
            "2028-02-29T23:59:00+08:00",
        ),
        (
            TicketKind::ComplaintQuality,
            Region::Zhejiang,
            "2026-06-30T22:15:00+08:00",
            "2026-07-01T00:15:00+08:00",
        ),
        (
            TicketKind::Consultation,
            Region::Zhejiang,
            "2026-11-27T15:00:00+08:00",
            "2026-11-28T03:00:00+08:00",
        ),
    ];
    for (kind, region, received, want) in cases {
        assert_eq!(
            due(kind, region, received)[0].1,
            want,
            "{kind} from {received}"
        );
    }
}

#[test]
fn r3_deadline_states() {
    let d = deadlines_for(
        TicketKind::Emergency,
        Region::HangzhouUrban,
        at("2026-05-10T09:00:00Z"),
    )
    .remove(0);
    let open = TicketStatus::Dispatched;
    assert_eq!(
        d.state(at("2026-05-10T08:00:00Z"), open),
        DeadlineState::Pending
    );
    assert_eq!(
        d.state(at("2026-05-10T09:00:00Z"), open),
        DeadlineState::DueSoon
    );
    assert_eq!(
        d.state(at("2026-05-10T10:00:00Z"), open),
        DeadlineState::DueSoon,
        "due at the minute is not late"
    );
    assert_eq!(
        d.state(at("2026-05-10T10:00:01Z"), open),
        DeadlineState::Breached
    );
    assert!(d.breached(at("2026-05-10T10:00:01Z")));
    assert_eq!(
        d.state(at("2026-05-10T11:00:00Z"), TicketStatus::Cancelled),
        DeadlineState::Void
    );
    let met = Deadline {
        met_at: Some(at("2026-05-10T09:59:00Z")),
        ..d.clone()
    };
    assert_eq!(
        met.state(at("2026-06-01T00:00:00Z"), open),
        DeadlineState::Met
    );
    assert!(!met.breached(at("2026-06-01T00:00:00Z")));
    let late = Deadline {
        met_at: Some(at("2026-05-10T10:05:00Z")),
        ..d
    };
    assert_eq!(
        late.state(at("2026-05-10T10:06:00Z"), open),
        DeadlineState::MetLate
    );
    assert!(late.breached(at("2026-05-10T10:06:00Z")));
}

fn new_ticket(kind: TicketKind, received: &str, now: &str) -> Result<NewTicket, Error> {
    NewTicket::parse(
        TicketInput {
            kind,
            channel: Channel::Phone,
            customer_id: CustomerId(1),
            unit_id: None,
            site_id: None,
            unit_text: None,
            summary: "配电柜跳闸，全厂停电".into(),
            received_at: at(received),
        },
        &TicketPlace::region_only(Region::HangzhouUrban),
        &company(),
        UserId(1),
        at(now),
    )
}

fn ticket(kind: TicketKind) -> Ticket {
    new_ticket(
        kind,
        "2026-05-10T09:00:00+08:00",
        "2026-05-10T09:01:00+08:00",
    )
    .unwrap()
    .into_ticket(TicketId(7))
}

#[test]
fn r3_received_at_may_not_be_in_the_future() {
    let Err(Error::Validation(f)) = new_ticket(
        TicketKind::Emergency,
        "2026-05-10T12:00:00+08:00",
        "2026-05-10T09:00:00+08:00",
    ) else {
        panic!("future contact accepted")
    };
    assert_eq!(f.get("received_at").map(|p| p.code), Some("in_future"));
    // A little clock skew between a phone and the server is fine.
    assert!(
        new_ticket(
            TicketKind::Emergency,
            "2026-05-10T09:03:00+08:00",
            "2026-05-10T09:00:00+08:00"
        )
        .is_ok()
    );
}

#[test]
fn r1_4_empty_summary_is_refused_by_name() {
    let mut input = TicketInput {
        kind: TicketKind::Repair,
        channel: Channel::Phone,
        customer_id: CustomerId(1),
        unit_id: None,
        site_id: None,
        unit_text: Some("x".repeat(UNIT_TEXT_MAX + 1)),
        summary: "  ".into(),
        received_at: at("2026-05-10T09:00:00Z"),
    };
    let Err(Error::Validation(f)) = NewTicket::parse(
        input.clone(),
        &TicketPlace::region_only(Region::Zhejiang),
        &company(),
        UserId(1),
        at("2026-05-10T10:00:00Z"),
    ) else {
        panic!()
    };
    assert_eq!(f.get("summary").map(|p| p.code), Some("required"));
    assert_eq!(f.get("unit_text").map(|p| p.code), Some("too_long"));
    input.summary = "ok".into();
    input.unit_text = None;
    assert!(
        NewTicket::parse(
            input,
            &TicketPlace::region_only(Region::Zhejiang),
            &company(),
            UserId(1),
            at("2026-05-10T10:00:00Z")
        )
        .is_ok()
    );
}

fn ev(input: EventInput) -> TicketEvent {
    TicketEvent::parse(&input, at("2026-05-10T09:30:00+08:00")).unwrap()
}

#[test]
fn r3_3_handling_opinion_meets_the_complaint_deadline() {
    let t = ticket(TicketKind::ComplaintQuality);
    let now = at("2026-05-10T10:30:00+08:00");
    let e = ev(EventInput {
        event_type: Some(EventType::GiveOpinion),
        opinion: Some("更换断路器".into()),
        ..Default::default()
    });
    let t2 = t.apply(&e, Role::ServiceManager, now, &company()).unwrap();
    assert_eq!(t2.status, TicketStatus::InProgress);
    assert_eq!(t2.deadlines[0].met_at, Some(now));
    assert!(!t2.deadlines[0].breached(at("2026-05-11T00:00:00Z")));
    assert_eq!(t2.version, 2);
    assert_eq!(t2.next_due_at(), None);
    // A second opinion is refused: the first one met the deadline.
    assert!(matches!(
        t2.apply(&e, Role::ServiceManager, now, &company()),
        Err(Error::Conflict(_))
    ));
    // Opinions are for complaints only.
    assert!(matches!(
        ticket(TicketKind::Repair).apply(&e, Role::ServiceManager, now, &company()),
        Err(Error::Conflict(_))
    ));
}

#[test]
fn r3_4_emergency_arrival_is_met_by_check_in_on_site() {
    let t = ticket(TicketKind::Emergency);
    assert_eq!(t.next_due_at(), Some(at("2026-05-10T10:00:00+08:00")));
    let check_in = ev(EventInput {
        event_type: Some(EventType::CheckIn),
        ..Default::default()
    });
    assert!(
        matches!(
            t.apply(
                &check_in,
                Role::Technician,
                at("2026-05-10T09:40:00+08:00"),
                &company()
            ),
            Err(Error::Conflict(_))
        ),
        "not dispatched yet"
    );
    let dispatch = ev(EventInput {
        event_type: Some(EventType::Dispatch),
        technician_id: Some(UserId(5)),
        ..Default::default()
    });
    assert_eq!(
        t.apply(
            &dispatch,
            Role::Technician,
            at("2026-05-10T09:10:00+08:00"),
            &company()
        ),
        Err(Error::Forbidden)
    );
    let t = t
        .apply(
            &dispatch,
            Role::ServiceClerk,
            at("2026-05-10T09:10:00+08:00"),
            &company(),
        )
        .unwrap();
    assert_eq!(
        (t.status, t.technician_id),
        (TicketStatus::Dispatched, Some(UserId(5)))
    );
    let resolve = ev(EventInput {
        event_type: Some(EventType::Resolve),
        resolution: Some("done".into()),
        ..Default::default()
    });
    assert!(matches!(
        t.apply(
            &resolve,
            Role::Technician,
            at("2026-05-10T09:20:00+08:00"),
            &company()
        ),
        Err(Error::Conflict(_))
    ));
    let late = at("2026-05-10T10:20:00+08:00");
    let check_in = TicketEvent::parse(
        &EventInput {
            event_type: Some(EventType::CheckIn),
            ..Default::default()
        },
        late,
    )
    .unwrap();
    let t = t
        .apply(&check_in, Role::Technician, late, &company())
        .unwrap();
    assert_eq!(t.status, TicketStatus::OnSite);
    assert_eq!(t.deadlines[0].state(late, t.status), DeadlineState::MetLate);
    let t = t
        .apply(&resolve, Role::Technician, late, &company())
        .unwrap();
    assert_eq!(t.status, TicketStatus::Resolved);
    let close = ev(EventInput {
        event_type: Some(EventType::Close),
        ..Default::default()
    });
    assert_eq!(
        t.apply(&close, Role::Technician, late, &company()),
        Err(Error::Forbidden)
    );
    let t = t
        .apply(&close, Role::ServiceManager, late, &company())
        .unwrap();
    assert_eq!((t.status, t.version), (TicketStatus::Closed, 5));
}

#[test]
fn r3_4_check_in_reported_later_keeps_its_own_time() {
    let t = ticket(TicketKind::Emergency);
    let dispatch = ev(EventInput {
        event_type: Some(EventType::Dispatch),
        technician_id: Some(UserId(5)),
        ..Default::default()
    });
    let t = t
        .apply(
            &dispatch,
            Role::ServiceClerk,
            at("2026-05-10T09:10:00+08:00"),
            &company(),
        )
        .unwrap();
    let on_site = at("2026-05-10T09:50:00+08:00");
    let now = at("2026-05-10T10:30:00+08:00");
    let e = TicketEvent::parse(
        &EventInput {
            event_type: Some(EventType::CheckIn),
            at: Some(on_site),
            ..Default::default()
        },
        now,
    )
    .unwrap();
    let t2 = t.apply(&e, Role::ServiceClerk, now, &company()).unwrap();
    assert_eq!(t2.deadlines[0].state(now, t2.status), DeadlineState::Met);
    let before_received = TicketEvent::parse(
        &EventInput {
            event_type: Some(EventType::CheckIn),
            at: Some(at("2026-05-10T08:00:00+08:00")),
            ..Default::default()
        },
        now,
    )
    .unwrap();
    assert!(matches!(
        t.apply(&before_received, Role::ServiceClerk, now, &company()),
        Err(Error::Validation(_))
    ));
    let future = EventInput {
        event_type: Some(EventType::CheckIn),
        at: Some(at("2026-05-10T12:00:00+08:00")),
        ..Default::default()
    };
    assert!(matches!(
        TicketEvent::parse(&future, now),
        Err(Error::Validation(_))
    ));
}

#[test]
fn r3_5_reply_meets_the_consultation_deadline() {
    let t = ticket(TicketKind::Consultation);
    let e = ev(EventInput {
        event_type: Some(EventType::Reply),
        reply: Some("按说明书第5章操作".into()),
        ..Default::default()
    });
    assert_eq!(
        t.apply(
            &e,
            Role::Technician,
            at("2026-05-10T10:00:00+08:00"),
            &company()
        ),
        Err(Error::Forbidden)
    );
    let t = t
        .apply(
            &e,
            Role::SeniorEngineer,
            at("2026-05-10T10:00:00+08:00"),
            &company(),
        )
        .unwrap();
    assert!(t.deadlines[0].met_at.is_some());
    let dispatch = ev(EventInput {
        event_type: Some(EventType::Dispatch),
        technician_id: Some(UserId(5)),
        ..Default::default()
    });
    assert!(matches!(
        t.apply(
            &dispatch,
            Role::ServiceClerk,
            at("2026-05-10T10:00:00+08:00"),
            &company()
        ),
        Err(Error::Conflict(_))
    ));
}

#[test]
fn r1_4_cancel_voids_deadlines_and_finished_tickets_take_no_work() {
    let t = ticket(TicketKind::Emergency);
    let cancel = ev(EventInput {
        event_type: Some(EventType::Cancel),
        reason: Some("重复登记".into()),
        ..Default::default()
    });
    let t = t
        .apply(
            &cancel,
            Role::ServiceClerk,
            at("2026-05-10T09:05:00+08:00"),
            &company(),
        )
        .unwrap();
    assert_eq!(t.next_due_at(), None);
    assert_eq!(
        t.deadlines[0].state(at("2026-05-11T00:00:00Z"), t.status),
        DeadlineState::Void
    );
    let assign = ev(EventInput {
        event_type: Some(EventType::Assign),
        assignee_id: Some(UserId(3)),
        ..Default::default()
    });
    assert!(matches!(
        t.apply(
            &assign,
            Role::ServiceManager,
            at("2026-05-10T09:06:00+08:00"),
            &company()
        ),
        Err(Error::Conflict(_))
    ));
    // Notes are always welcome and do not bump the version.
    let note = ev(EventInput {
        event_type: Some(EventType::Note),
        text: Some("客户来电确认".into()),
        ..Default::default()
    });
    assert_eq!(
        t.apply(
            &note,
            Role::Salesperson,
            at("2026-05-10T09:06:00+08:00"),
            &company()
        )
        .unwrap()
        .version,
        t.version
    );
}

#[test]
fn r3_10_assign_makes_an_owner_and_starts_work() {
    let t = ticket(TicketKind::ComplaintOther);
    let assign = ev(EventInput {
        event_type: Some(EventType::Assign),
        assignee_id: Some(UserId(3)),
        ..Default::default()
    });
    let t = t
        .apply(
            &assign,
            Role::ServiceManager,
            at("2026-05-10T09:05:00+08:00"),
            &company(),
        )
        .unwrap();
    assert_eq!(
        (t.status, t.assignee_id),
        (TicketStatus::InProgress, Some(UserId(3)))
    );
    assert!(may_own(Role::SeniorEngineer) && !may_own(Role::Customer));
    assert!(may_go_on_site(Role::Technician) && !may_go_on_site(Role::Salesperson));
}

/// Who may own which kind of ticket, role by role: a = admin, m = service manager,
/// c = service clerk, e = senior engineer, t = technician, s = salesperson,
/// q = quality engineer, u = customer. A letter means allowed, '.' means refused.
#[test]
fn r3_10_owners_are_staff_who_work_no_admin_and_no_salesperson_for_a_complaint() {
    let table: &[(TicketKind, &str)] = &[
        (TicketKind::Consultation, ".mcetsq."),
        (TicketKind::Correspondence, ".mcetsq."),
        (TicketKind::ComplaintQuality, ".mcet.q."),
        (TicketKind::ComplaintOther, ".mcet.q."),
        (TicketKind::Emergency, ".mcetsq."),
        (TicketKind::Repair, ".mcetsq."),
        (TicketKind::Installation, ".mcetsq."),
        (TicketKind::TechnicalGuidance, ".mcetsq."),
        (TicketKind::Training, ".mcetsq."),
        (TicketKind::ReturnRequest, ".mcetsq."),
    ];
    assert_eq!(
        table.len(),
        TicketKind::ALL.len(),
        "every kind is in the table"
    );
    for (kind, row) in table {
        for (role, mark) in Role::ALL.iter().zip(row.chars()) {
            assert_eq!(may_own_kind(*role, *kind), mark != '.', "{role:?} {kind:?}");
        }
    }
    for role in Role::ALL {
        assert_eq!(
            may_go_on_site(role),
            matches!(role, Role::Technician | Role::SeniorEngineer),
            "{role:?}"
        );
    }
}

#[test]
fn events_name_missing_and_stray_fields() {
    let now = at("2026-05-10T10:00:00Z");
    let cases: &[(EventInput, &[&str])] = &[
        (EventInput::default(), &["type"]),
        (
            EventInput {
                event_type: Some(EventType::GiveOpinion),
                ..Default::default()
            },
            &["opinion"],
        ),
        (
            EventInput {
                event_type: Some(EventType::GiveOpinion),
                opinion: Some(" ".into()),
                ..Default::default()
            },
            &["opinion"],
        ),
        (
            EventInput {
                event_type: Some(EventType::Assign),
                text: Some("x".into()),
                ..Default::default()
            },
            &["assignee_id", "text"],
        ),
        (
            EventInput {
                event_type: Some(EventType::Dispatch),
                ..Default::default()
            },
            &["technician_id"],
        ),
        (
            EventInput {
                event_type: Some(EventType::Close),
                reason: Some("x".into()),
                ..Default::default()
            },
            &["reason"],
        ),
        (
            EventInput {
                event_type: Some(EventType::Note),
                at: Some(now),
                text: Some("x".into()),
                ..Default::default()
            },
            &["at"],
        ),
    ];
    for (input, fields) in cases {
        let Err(Error::Validation(f)) = TicketEvent::parse(input, now) else {
            panic!("{input:?} accepted")
        };
        let got: Vec<&str> = f.0.keys().map(String::as_str).collect();
        assert_eq!(got, *fields, "{input:?}");
    }
}

#[test]
fn ticket_numbers_round_trip() {
    assert_eq!(ticket_number(TicketId(42)), "SB00000042");
    assert_eq!(parse_ticket_number("SB00000042"), Some(TicketId(42)));
    assert_eq!(parse_ticket_number(" sb42 "), Some(TicketId(42)));
    assert_eq!(parse_ticket_number("42"), Some(TicketId(42)));
    for bad in ["", "SB", "SB-1", "0", "SBx1", "99999999999999999999999"] {
        assert_eq!(parse_ticket_number(bad), None, "{bad}");
    }
}

#[test]
fn r1_4_audit_keeps_only_what_changed() {
    let t = ticket(TicketKind::ComplaintQuality);
    let e = ev(EventInput {
        event_type: Some(EventType::GiveOpinion),
        opinion: Some("换件".into()),
        ..Default::default()
    });
    let t2 = t
        .apply(
            &e,
            Role::ServiceManager,
            at("2026-05-10T10:00:00+08:00"),
            &company(),
        )
        .unwrap();
    let (b, a) = changed_fields(&t.audit_view(), &t2.audit_view());
    let mut keys: Vec<&String> = a.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["deadlines", "opinion", "status"]);
    assert_eq!(b["status"], "open");
    assert_eq!(a["status"], "in_progress");
}

#[test]
fn r6_1_desk_lane_says_running_no_deadline_met_or_finished() {
    let now = at("2026-05-10T10:00:00+08:00");
    let opinion = ev(EventInput {
        event_type: Some(EventType::GiveOpinion),
        opinion: Some("更换".into()),
        ..EventInput::default()
    });
    let complaint = ticket(TicketKind::ComplaintOther);
    let answered = complaint
        .apply(&opinion, Role::ServiceManager, now, &company())
        .unwrap();
    let cancel = ev(EventInput {
        event_type: Some(EventType::Cancel),
        reason: Some("重复登记".into()),
        ..EventInput::default()
    });
    let cancelled = complaint
        .apply(&cancel, Role::ServiceManager, now, &company())
        .unwrap();
    let cases = [
        (
            &complaint,
            DeskLane::Running,
            Some(DeadlineKind::HandlingOpinion),
        ),
        (&answered, DeskLane::DeadlinesMet, None),
        (&ticket(TicketKind::Repair), DeskLane::NoDeadline, None),
        (&cancelled, DeskLane::Finished, None),
    ];
    for (t, lane, next) in cases {
        assert_eq!(t.desk_lane(), lane, "{:?} {:?}", t.kind, t.status);
        assert_eq!(t.next_due().map(|d| d.kind), next);
        assert_eq!(t.next_due_at().is_some(), lane == DeskLane::Running);
    }
}

fn ningbo_unit_place() -> TicketPlace {
    use crate::coverage::UnitDates;
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    TicketPlace {
        site_id: Some(SiteId(12)),
        region: Region::of_address("浙江省宁波市北仑区新碶街道明州路1号"),
        unit: Some(crate::unit::UnitFacts {
            id: UnitId(3),
            dates: UnitDates {
                shipped_on: Some(d("2025-04-01")),
                accepted_on: Some(d("2025-04-20")),
                commissioned_on: Some(d("2025-05-10")),
            },
            product_line: "switchgear".into(),
            policies: Vec::new(),
        }),
    }
}

#[test]
fn r3_4_emergency_on_a_unit_in_ningbo_for_a_hangzhou_customer_is_due_in_6_hours() {
    // The customer's head office is in Hangzhou; the unit's site decides.
    let new = NewTicket::parse(
        TicketInput {
            kind: TicketKind::Emergency,
            channel: Channel::Phone,
            customer_id: CustomerId(1),
            unit_id: Some(UnitId(3)),
            site_id: None,
            unit_text: None,
            summary: "进线柜冒烟，全站停电".into(),
            received_at: at("2026-05-10T09:00:00+08:00"),
        },
        &ningbo_unit_place(),
        &company(),
        UserId(1),
        at("2026-05-10T09:01:00+08:00"),
    )
    .unwrap();
    assert_eq!(new.site_region, Region::Zhejiang);
    assert_eq!(new.site_id, Some(SiteId(12)));
    assert_eq!(new.unit_id, Some(UnitId(3)));
    assert_eq!(
        new.deadlines[0].due_at,
        at("2026-05-10T15:00:00+08:00"),
        "6 hours in Zhejiang"
    );
    let cov = new.coverage.as_ref().unwrap();
    assert_eq!(cov.coverage, crate::coverage::CoverageKind::Warranty);
    assert_eq!(cov.on.to_string(), "2026-05-10", "on the received date");
}

#[test]
fn r2_linking_a_unit_later_records_coverage_at_the_received_date_and_moves_running_deadlines() {
    let t = ticket(TicketKind::Emergency);
    assert_eq!(t.site_region, Region::HangzhouUrban);
    let linked = t
        .link_unit(
            &ningbo_unit_place(),
            Role::ServiceClerk,
            at("2026-05-11T09:00:00+08:00"),
            &company(),
        )
        .unwrap();
    assert_eq!(linked.unit_id, Some(UnitId(3)));
    assert_eq!(linked.site_region, Region::Zhejiang);
    assert_eq!(linked.deadlines[0].due_at, at("2026-05-10T15:00:00+08:00"));
    assert_eq!(
        linked.coverage.as_ref().map(|c| c.on.to_string()),
        Some("2026-05-10".into()),
        "computed for the day the contact was received"
    );
    assert_eq!(linked.version, t.version + 1);
    // A met deadline stays as it was.
    let met = t
        .apply(
            &TicketEvent::Dispatch {
                technician: UserId(5),
            },
            Role::ServiceClerk,
            at("2026-05-10T09:10:00+08:00"),
            &company(),
        )
        .unwrap()
        .apply(
            &TicketEvent::CheckIn {
                at: at("2026-05-10T09:40:00+08:00"),
                reason: None,
            },
            Role::ServiceClerk,
            at("2026-05-10T09:40:00+08:00"),
            &company(),
        )
        .unwrap();
    let relinked = met
        .link_unit(
            &ningbo_unit_place(),
            Role::Technician,
            at("2026-05-10T10:00:00+08:00"),
            &company(),
        )
        .unwrap();
    assert_eq!(relinked.deadlines, met.deadlines);
    // Refused: a role that may not, a finished ticket, the same unit again.
    assert_eq!(
        t.link_unit(
            &ningbo_unit_place(),
            Role::QualityEngineer,
            at("2026-05-11T09:00:00+08:00"),
            &company()
        ),
        Err(Error::Forbidden)
    );
    assert!(
        linked
            .link_unit(
                &ningbo_unit_place(),
                Role::ServiceClerk,
                at("2026-05-11T10:00:00+08:00"),
                &company()
            )
            .is_err()
    );
}

fn step(t: &Ticket, ty: EventType, f: impl FnOnce(&mut EventInput), now: &str) -> Ticket {
    let mut input = EventInput {
        event_type: Some(ty),
        ..EventInput::default()
    };
    f(&mut input);
    let e = TicketEvent::parse(&input, at(now)).unwrap_or_else(|e| panic!("{ty}: {e:?}"));
    t.apply(&e, Role::ServiceManager, at(now), &company())
        .unwrap_or_else(|e| panic!("{ty}: {e:?}"))
}

fn due_of(t: &Ticket, kind: DeadlineKind) -> String {
    let d = t.deadline(kind).unwrap_or_else(|| panic!("no {kind}"));
    local(d.due_at).format("%Y-%m-%d %H:%M").to_string()
}

#[test]
fn r3_pause_and_resume_across_days_move_the_due_time_by_the_wait() {
    // A complaint about something else, 12 h from 09:00: due 21:00.
    let t = ticket(TicketKind::ComplaintOther);
    let waiting = step(
        &t,
        EventType::Pause,
        |e| e.reason = Some("等待客户提供照片".into()),
        "2026-05-10T11:00:00+08:00",
    );
    assert_eq!(waiting.status, TicketStatus::Waiting);
    let d = waiting.deadline(DeadlineKind::HandlingOpinion).unwrap();
    assert_eq!(d.paused_since, Some(at("2026-05-10T11:00:00+08:00")));
    assert_eq!(
        d.state(at("2026-05-11T09:00:00+08:00"), waiting.status),
        DeadlineState::Paused,
        "no breach while paused"
    );
    assert_eq!(
        d.next_alarm(waiting.status),
        None,
        "the watcher leaves it alone"
    );
    // Only waiting steps are allowed: an opinion needs the clock running again.
    let opinion = ev(EventInput {
        event_type: Some(EventType::GiveOpinion),
        opinion: Some("更换锁具".into()),
        ..EventInput::default()
    });
    assert!(matches!(
        waiting.apply(
            &opinion,
            Role::ServiceManager,
            at("2026-05-11T09:00:00+08:00"),
            &company()
        ),
        Err(Error::Conflict(_))
    ));
    // Back the next morning at 09:00 after 22 h: due 22 h later than first promised.
    let back = step(
        &waiting,
        EventType::Resume,
        |_| {},
        "2026-05-11T09:00:00+08:00",
    );
    assert_eq!(back.status, TicketStatus::Open);
    assert_eq!(
        due_of(&back, DeadlineKind::HandlingOpinion),
        "2026-05-11 19:00"
    );
    assert_eq!(back.pauses.len(), 1);
    assert_eq!(back.pauses[0].to, Some(at("2026-05-11T09:00:00+08:00")));
    let d = back.deadline(DeadlineKind::HandlingOpinion).unwrap();
    assert_eq!(d.basis.paused_minutes, 22 * 60);
    // Resume without a pause is refused.
    assert!(matches!(
        back.apply(
            &ev(EventInput {
                event_type: Some(EventType::Resume),
                ..EventInput::default()
            }),
            Role::ServiceManager,
            at("2026-05-11T09:05:00+08:00"),
            &company()
        ),
        Err(Error::Conflict(_))
    ));
}

#[test]
fn r3_3_a_complaint_found_to_be_about_quality_is_due_2_hours_from_receipt() {
    let t = ticket(TicketKind::ComplaintOther);
    assert_eq!(
        due_of(&t, DeadlineKind::HandlingOpinion),
        "2026-05-10 21:00"
    );
    let q = step(
        &t,
        EventType::Reclassify,
        |e| {
            e.kind = Some(TicketKind::ComplaintQuality);
            e.reason = Some("现场确认为产品质量问题".into());
        },
        "2026-05-10T10:30:00+08:00",
    );
    assert_eq!(q.kind, TicketKind::ComplaintQuality);
    // From the received time, not from the change: 11:00, so it is already due soon.
    assert_eq!(
        due_of(&q, DeadlineKind::HandlingOpinion),
        "2026-05-10 11:00"
    );
    // Found later still, after 11:00: breached at once.
    let late = step(
        &t,
        EventType::Reclassify,
        |e| {
            e.kind = Some(TicketKind::ComplaintQuality);
            e.reason = Some("质量问题".into());
        },
        "2026-05-10T12:00:00+08:00",
    );
    assert!(
        late.deadline(DeadlineKind::HandlingOpinion)
            .unwrap()
            .breached(at("2026-05-10T12:00:00+08:00"))
    );
    // A consultation that turns out to be an emergency: the reply deadline goes, the
    // arrival deadline comes.
    let c = ticket(TicketKind::Consultation);
    let e = step(
        &c,
        EventType::Reclassify,
        |e| {
            e.kind = Some(TicketKind::Emergency);
            e.reason = Some("客户来电说明已全厂停电".into());
        },
        "2026-05-10T09:20:00+08:00",
    );
    let kinds: Vec<DeadlineKind> = e.deadlines.iter().map(|d| d.kind).collect();
    assert_eq!(kinds, [DeadlineKind::Arrival]);
    assert_eq!(due_of(&e, DeadlineKind::Arrival), "2026-05-10 10:00");
    // Unchanged kind and missing fields are named.
    let same = EventInput {
        event_type: Some(EventType::Reclassify),
        kind: Some(TicketKind::ComplaintOther),
        reason: Some("x".into()),
        ..EventInput::default()
    };
    assert!(matches!(
        t.apply(&ev(same), Role::ServiceManager, at("2026-05-10T10:00:00+08:00"), &company()),
        Err(Error::Validation(f)) if f.get("kind").is_some()
    ));
    let missing = TicketEvent::parse(
        &EventInput {
            event_type: Some(EventType::Reclassify),
            ..EventInput::default()
        },
        at("2026-05-10T10:00:00+08:00"),
    );
    assert!(
        matches!(missing, Err(Error::Validation(f)) if f.get("kind").is_some() && f.get("reason").is_some())
    );
    // A technician may not change the kind.
    let tech = t.apply(
        &ev(EventInput {
            event_type: Some(EventType::Reclassify),
            kind: Some(TicketKind::ComplaintQuality),
            reason: Some("x".into()),
            ..EventInput::default()
        }),
        Role::Technician,
        at("2026-05-10T10:00:00+08:00"),
        &company(),
    );
    assert!(matches!(tech, Err(Error::Forbidden)));
}

#[test]
fn r3_a_reopened_ticket_keeps_the_deadlines_it_met() {
    let t = ticket(TicketKind::ComplaintQuality);
    let answered = step(
        &t,
        EventType::GiveOpinion,
        |e| e.opinion = Some("换件".into()),
        "2026-05-10T10:00:00+08:00",
    );
    let resolved = step(
        &answered,
        EventType::Resolve,
        |e| e.resolution = Some("已更换".into()),
        "2026-05-10T15:00:00+08:00",
    );
    let closed = step(
        &resolved,
        EventType::Close,
        |_| {},
        "2026-05-11T09:00:00+08:00",
    );
    let reopened = step(
        &closed,
        EventType::Reopen,
        |e| e.reason = Some("客户反映问题复现".into()),
        "2026-05-20T09:00:00+08:00",
    );
    assert_eq!(reopened.status, TicketStatus::InProgress);
    assert_eq!(
        reopened.deadlines, answered.deadlines,
        "met deadlines are history"
    );
    let d = reopened.deadline(DeadlineKind::HandlingOpinion).unwrap();
    assert_eq!(d.next_alarm(reopened.status), None, "nothing to warn about");
    // Under a new policy, a reopened ticket's met deadline stays as it was.
    let mut stricter = company();
    stricter.version = 2;
    stricter.targets[0].minutes = 30;
    assert_eq!(
        reopened.relocated(
            reopened.site_id,
            reopened.site_region,
            &stricter,
            at("2026-05-20T10:00:00+08:00")
        ),
        None
    );
}

#[test]
fn r3_a_policy_change_recomputes_open_tickets_and_never_closed_ones() {
    let mut v2 = company();
    v2.version = 2;
    for t in &mut v2.targets {
        if t.ticket_kind == TicketKind::ComplaintOther {
            t.minutes = 8 * 60;
        }
    }
    let now = at("2026-05-10T12:00:00+08:00");
    let open = ticket(TicketKind::ComplaintOther);
    let after = open
        .relocated(open.site_id, open.site_region, &v2, now)
        .expect("recomputed");
    assert_eq!(
        due_of(&after, DeadlineKind::HandlingOpinion),
        "2026-05-10 17:00"
    );
    let d = after.deadline(DeadlineKind::HandlingOpinion).unwrap();
    assert_eq!(d.basis.policy_version, 2);
    assert_eq!(after.version, open.version + 1);
    // The same policy again changes nothing.
    assert_eq!(
        after.relocated(after.site_id, after.site_region, &v2, now),
        None
    );
    // Closed and cancelled tickets keep what they were judged by.
    let cancelled = step(
        &open,
        EventType::Cancel,
        |e| e.reason = Some("重复".into()),
        "2026-05-10T09:30:00+08:00",
    );
    assert_eq!(
        cancelled.relocated(cancelled.site_id, cancelled.site_region, &v2, now),
        None
    );
}

#[test]
fn r3_4_a_region_corrected_on_an_open_emergency_moves_its_arrival_deadline() {
    // Recorded as Hangzhou (1 h, due 10:00); the site is found to be in Wenzhou (6 h).
    let t = ticket(TicketKind::Emergency);
    assert_eq!(due_of(&t, DeadlineKind::Arrival), "2026-05-10 10:00");
    let moved = t
        .relocated(
            t.site_id,
            Region::Zhejiang,
            &company(),
            at("2026-05-10T09:10:00+08:00"),
        )
        .expect("recomputed");
    assert_eq!(moved.site_region, Region::Zhejiang);
    assert_eq!(due_of(&moved, DeadlineKind::Arrival), "2026-05-10 15:00");
    assert_eq!(
        moved.deadline(DeadlineKind::Arrival).unwrap().basis.region,
        Some(Region::Zhejiang)
    );
    // Once the technician is on site, the met deadline no longer moves.
    let dispatched = step(
        &moved,
        EventType::Dispatch,
        |e| e.technician_id = Some(UserId(3)),
        "2026-05-10T09:20:00+08:00",
    );
    let on_site = step(
        &dispatched,
        EventType::CheckIn,
        |e| e.at = Some(at("2026-05-10T13:00:00+08:00")),
        "2026-05-10T13:00:00+08:00",
    );
    let back = on_site.relocated(
        on_site.site_id,
        Region::HangzhouUrban,
        &company(),
        at("2026-05-10T13:30:00+08:00"),
    );
    let d = back
        .as_ref()
        .unwrap_or(&on_site)
        .deadline(DeadlineKind::Arrival)
        .unwrap();
    assert_eq!(local(d.due_at).format("%H:%M").to_string(), "15:00");
    assert_eq!(d.met_at, Some(at("2026-05-10T13:00:00+08:00")));
}
// --- replies (issue 7, parts 4-5) ---

fn answer_ev(ty: EventType, f: impl FnOnce(&mut EventInput)) -> Result<TicketEvent, Error> {
    let mut input = EventInput {
        event_type: Some(ty),
        ..Default::default()
    };
    f(&mut input);
    TicketEvent::parse(&input, at("2026-05-10T09:30:00+08:00"))
}

#[test]
fn r3_3_a_disputed_opinion_lets_a_new_one_be_given_and_the_deadline_stays_met() {
    let (me, desk) = (UserId(3), UserId(4));
    let first = at("2026-05-10T10:00:00+08:00");
    let later = at("2026-05-10T15:00:00+08:00");
    let opinion = |text: &str| TicketEvent::GiveOpinion {
        opinion: text.into(),
    };
    let t = ticket(TicketKind::ComplaintOther)
        .apply(
            &opinion("更换断路器"),
            Role::ServiceManager,
            first,
            &DeadlinePolicy::company(),
        )
        .unwrap();
    let disputed = answer_ev(EventType::RespondToOpinion, |i| {
        i.response = Some("disputed".into());
        i.text = Some("客户要求退货".into());
    })
    .unwrap();
    // Only the desk records the customer's response.
    assert!(matches!(
        t.answer(
            &disputed,
            me,
            Role::Technician,
            later,
            &DeadlinePolicy::company()
        ),
        Err(Error::Forbidden)
    ));
    let t2 = t
        .answer(
            &disputed,
            desk,
            Role::ServiceClerk,
            later,
            &DeadlinePolicy::company(),
        )
        .unwrap();
    assert!(t2.answers.opinion_disputed());
    // A second response to the same opinion is refused.
    assert!(matches!(
        t2.answer(
            &disputed,
            desk,
            Role::ServiceClerk,
            later,
            &DeadlinePolicy::company()
        ),
        Err(Error::Conflict(_))
    ));
    let t3 = t2
        .apply(
            &opinion("同意退货"),
            Role::ServiceManager,
            later,
            &DeadlinePolicy::company(),
        )
        .unwrap();
    assert_eq!(t3.opinion.as_deref(), Some("同意退货"));
    assert_eq!(t3.answers.opinion_response, None);
    assert_eq!(
        t3.deadlines[0].met_at,
        Some(first),
        "met by the first opinion"
    );
    let accepted = answer_ev(EventType::RespondToOpinion, |i| {
        i.response = Some("accepted".into());
        i.text = Some("客户同意".into());
    })
    .unwrap();
    let t4 = t3
        .answer(
            &accepted,
            desk,
            Role::ServiceClerk,
            later,
            &DeadlinePolicy::company(),
        )
        .unwrap();
    // An accepted opinion is final.
    assert!(matches!(
        t4.apply(
            &opinion("x"),
            Role::ServiceManager,
            later,
            &DeadlinePolicy::company()
        ),
        Err(Error::Conflict(_))
    ));
    // No response before an opinion, none on a consultation.
    let fresh = ticket(TicketKind::ComplaintOther);
    assert!(
        fresh
            .answer(
                &accepted,
                desk,
                Role::ServiceClerk,
                later,
                &DeadlinePolicy::company()
            )
            .is_err()
    );
    let c = ticket(TicketKind::Consultation);
    assert!(
        c.answer(
            &accepted,
            desk,
            Role::ServiceClerk,
            later,
            &DeadlinePolicy::company()
        )
        .is_err()
    );
}

#[test]
fn r3_3_responses_and_reviews_name_their_missing_fields() {
    let codes = |r: Result<TicketEvent, Error>| match r {
        Err(Error::Validation(f)) => f.0.into_iter().map(|(k, p)| (k, p.code)).collect(),
        _ => vec![],
    };
    type Case = (
        Result<TicketEvent, Error>,
        Vec<(&'static str, &'static str)>,
    );
    let table: Vec<Case> = vec![
        (
            answer_ev(EventType::RespondToOpinion, |_| {}),
            vec![("response", "required"), ("text", "required")],
        ),
        (
            answer_ev(EventType::RespondToOpinion, |i| {
                i.response = Some("maybe".into());
                i.text = Some("x".into());
            }),
            vec![("response", "invalid")],
        ),
        (
            answer_ev(EventType::ReviewReply, |i| i.comment = Some("好".into())),
            vec![("correct", "required")],
        ),
        (
            answer_ev(EventType::ReviewReply, |i| {
                i.correct = Some(true);
                i.comment = Some("a\u{0}".into());
            }),
            vec![("comment", "invalid")],
        ),
        (
            answer_ev(EventType::Reply, |i| {
                i.reply = Some("x".into());
                i.sent_via = Some("pigeon".into());
            }),
            vec![("sent_via", "invalid")],
        ),
        (
            answer_ev(EventType::Note, |i| {
                i.text = Some("x".into());
                i.correct = Some(true);
            }),
            vec![("correct", "not_allowed")],
        ),
    ];
    for (i, (got, want)) in table.into_iter().enumerate() {
        let want: Vec<(String, &str)> = want.into_iter().map(|(k, c)| (k.into(), c)).collect();
        assert_eq!(codes(got), want, "case {i}");
    }
}

#[test]
fn r3_7_a_reply_says_how_it_was_sent_and_is_reviewed_by_someone_else() {
    let (author, reviewer) = (UserId(5), UserId(2));
    let now = at("2026-05-10T10:00:00+08:00");
    let reply = answer_ev(EventType::Reply, |i| {
        i.reply = Some("请检查接线".into());
        i.sent_via = Some("wechat".into());
    })
    .unwrap();
    let t = ticket(TicketKind::Consultation)
        .answer(
            &reply,
            author,
            Role::SeniorEngineer,
            now,
            &DeadlinePolicy::company(),
        )
        .unwrap();
    assert_eq!(t.answers.reply_sent_via, Some(ReplyMedium::Wechat));
    assert_eq!(t.answers.reply_by, Some(author));
    assert_eq!(t.deadlines[0].met_at, Some(now));
    // Not said: back the way it came in (the test ticket came by phone).
    let plain = answer_ev(EventType::Reply, |i| i.reply = Some("x".into())).unwrap();
    let t0 = ticket(TicketKind::Consultation)
        .answer(
            &plain,
            author,
            Role::SeniorEngineer,
            now,
            &DeadlinePolicy::company(),
        )
        .unwrap();
    assert_eq!(
        t0.answers.reply_sent_via,
        Some(ReplyMedium::answering(t0.channel))
    );
    let review = answer_ev(EventType::ReviewReply, |i| {
        i.correct = Some(false);
        i.comment = Some("型号答错".into());
    })
    .unwrap();
    // (who, role, allowed)
    let table = [
        (author, Role::ServiceManager, false),
        (reviewer, Role::SeniorEngineer, false),
        (reviewer, Role::ServiceClerk, false),
        (reviewer, Role::QualityEngineer, true),
        (reviewer, Role::ServiceManager, true),
    ];
    for (who, role, ok) in table {
        assert_eq!(
            t.answer(&review, who, role, now, &DeadlinePolicy::company())
                .is_ok(),
            ok,
            "{role:?}"
        );
    }
    let t2 = t
        .answer(
            &review,
            reviewer,
            Role::ServiceManager,
            now,
            &DeadlinePolicy::company(),
        )
        .unwrap();
    assert_eq!(
        t2.answers.reply_review.as_ref().map(|r| r.correct),
        Some(false)
    );
    assert!(matches!(
        t2.answer(
            &review,
            reviewer,
            Role::ServiceManager,
            now,
            &DeadlinePolicy::company()
        ),
        Err(Error::Conflict(_))
    ));
    // No review before a reply.
    assert!(
        ticket(TicketKind::Consultation)
            .answer(
                &review,
                reviewer,
                Role::ServiceManager,
                now,
                &DeadlinePolicy::company()
            )
            .is_err()
    );
}

#[test]
fn r3_10_the_owner_or_the_manager_flags_a_complaint_for_the_quality_review() {
    let (owner, other) = (UserId(7), UserId(8));
    let now = at("2026-05-10T10:00:00+08:00");
    let flag = answer_ev(EventType::FlagQuality, |i| {
        i.reason = Some("断路器批次问题".into())
    })
    .unwrap();
    let mut t = ticket(TicketKind::ComplaintOther);
    t.assignee_id = Some(owner);
    // (who, role, allowed)
    let table = [
        (owner, Role::SeniorEngineer, true),
        (other, Role::SeniorEngineer, false),
        (other, Role::ServiceClerk, false),
        (other, Role::ServiceManager, true),
        (owner, Role::Technician, false),
    ];
    for (who, role, ok) in table {
        assert_eq!(
            t.answer(&flag, who, role, now, &DeadlinePolicy::company())
                .is_ok(),
            ok,
            "{role:?}"
        );
    }
    let t2 = t
        .answer(
            &flag,
            owner,
            Role::SeniorEngineer,
            now,
            &DeadlinePolicy::company(),
        )
        .unwrap();
    assert!(t2.answers.quality_review.is_some());
    assert!(
        t2.answer(
            &flag,
            owner,
            Role::SeniorEngineer,
            now,
            &DeadlinePolicy::company()
        )
        .is_err()
    );
    // A quality complaint is flagged from intake; a consultation never.
    assert!(
        ticket(TicketKind::ComplaintQuality)
            .answers
            .quality_review
            .is_some()
    );
    assert!(
        ticket(TicketKind::Consultation)
            .answer(
                &flag,
                owner,
                Role::ServiceManager,
                now,
                &DeadlinePolicy::company()
            )
            .is_err()
    );
}

#[test]
fn r3_3_a_complaint_found_to_be_about_quality_goes_to_the_quality_review() {
    let now = at("2026-05-10T10:00:00+08:00");
    let policy = DeadlinePolicy::company();
    let e = TicketEvent::parse(
        &EventInput {
            event_type: Some(EventType::Reclassify),
            kind: Some(TicketKind::ComplaintQuality),
            reason: Some("断路器批次缺陷".into()),
            ..Default::default()
        },
        now,
    )
    .unwrap();
    assert!(e.needs_actor());
    let t = ticket(TicketKind::ComplaintOther)
        .answer(&e, UserId(3), Role::ServiceClerk, now, &policy)
        .unwrap();
    let flag = t.answers.quality_review.unwrap();
    assert_eq!(
        (flag.by, flag.reason.as_deref()),
        (UserId(3), Some("断路器批次缺陷"))
    );
}

#[test]
fn r3_4_an_arrival_is_reported_by_its_technician_after_the_dispatch_and_late_only_with_a_reason() {
    let dispatched_at = at("2026-05-10T09:10:00+08:00");
    let t = ticket(TicketKind::Emergency)
        .apply(
            &ev(EventInput {
                event_type: Some(EventType::Dispatch),
                technician_id: Some(UserId(5)),
                ..Default::default()
            }),
            Role::ServiceClerk,
            dispatched_at,
            &company(),
        )
        .unwrap();
    let now = at("2026-05-10T11:00:00+08:00");
    let check_in = |on_site: &str, reason: Option<&str>| {
        TicketEvent::parse(
            &EventInput {
                event_type: Some(EventType::CheckIn),
                at: Some(at(on_site)),
                reason: reason.map(str::to_string),
                ..Default::default()
            },
            now,
        )
        .unwrap()
    };
    let outcome = |r: Result<(), Error>| match r {
        Ok(()) => "ok".to_string(),
        Err(Error::Forbidden) => "forbidden".to_string(),
        Err(Error::Validation(f)) => f.0.keys().cloned().collect::<Vec<_>>().join(","),
        Err(e) => format!("{e:?}"),
    };
    // (who, role, reported arrival, reason, outcome)
    let table = [
        (5, Role::Technician, "2026-05-10T10:45:00+08:00", None, "ok"),
        (
            6,
            Role::Technician,
            "2026-05-10T10:45:00+08:00",
            None,
            "forbidden",
        ),
        (
            9,
            Role::ServiceClerk,
            "2026-05-10T10:45:00+08:00",
            None,
            "ok",
        ),
        (
            5,
            Role::Technician,
            "2026-05-10T09:05:00+08:00",
            Some("忘了报"),
            "at",
        ),
        (
            5,
            Role::Technician,
            "2026-05-10T09:50:00+08:00",
            None,
            "reason",
        ),
        (
            5,
            Role::Technician,
            "2026-05-10T09:50:00+08:00",
            Some("山区无信号，下山后补报"),
            "ok",
        ),
        (
            9,
            Role::ServiceClerk,
            "2026-05-10T09:50:00+08:00",
            None,
            "reason",
        ),
        (5, Role::Technician, "2026-05-10T10:30:00+08:00", None, "ok"),
    ];
    for (who, role, on_site, reason, want) in table {
        let e = check_in(on_site, reason);
        let got = outcome(t.check_arrival_report(&e, UserId(who), role, Some(dispatched_at), now));
        assert_eq!(got, want, "{who} {role:?} {on_site} {reason:?}");
    }
    // The reason is what the step says, kept with it.
    assert_eq!(
        check_in("2026-05-10T09:50:00+08:00", Some("山区无信号，下山后补报")).text(),
        Some("山区无信号，下山后补报")
    );
}
