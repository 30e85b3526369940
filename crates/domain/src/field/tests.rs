use super::*;
use chrono::TimeZone;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 6, 0, 0).unwrap()
}

fn ticket(kind: TicketKind) -> JobTicket<'static> {
    JobTicket {
        id: TicketId(1),
        kind,
        finished: false,
        customer_id: CustomerId(2),
        site_id: Some(SiteId(3)),
        unit_id: None,
        summary: "switchgear trips on load",
    }
}

fn input() -> JobInput {
    JobInput {
        contact_name: Some("王工".into()),
        contact_phone: Some("138 0000 0000".into()),
        ..JobInput::default()
    }
}

const TECH: UserId = UserId(10);
const TECH2: UserId = UserId(11);
const CLERK: UserId = UserId(5);

fn people() -> Vec<Candidate> {
    vec![
        Candidate {
            user_id: TECH,
            name: "李师傅".into(),
            role: Role::Technician,
            active: true,
        },
        Candidate {
            user_id: TECH2,
            name: "赵工".into(),
            role: Role::SeniorEngineer,
            active: true,
        },
        Candidate {
            user_id: UserId(12),
            name: "离职".into(),
            role: Role::Technician,
            active: false,
        },
        Candidate {
            user_id: CLERK,
            name: "前台".into(),
            role: Role::ServiceClerk,
            active: true,
        },
    ]
}

fn job() -> Job {
    NewJob::parse(&input(), ticket(TicketKind::Emergency), CLERK, t0())
        .unwrap()
        .into_job(JobId(1), TripId(1))
}

fn dispatched() -> Job {
    let d = DispatchInput {
        technician_ids: vec![TECH, TECH2],
        lead_id: None,
        expected_at: Some(t0() + Duration::hours(1)),
    };
    job()
        .dispatch(&d, &people(), CLERK, Role::ServiceClerk, t0())
        .unwrap()
}

#[test]
fn r4_3_job_takes_its_work_from_the_ticket_kind() {
    let table = [
        (TicketKind::Emergency, JobType::Repair),
        (TicketKind::Repair, JobType::Repair),
        (TicketKind::Installation, JobType::Installation),
        (TicketKind::Training, JobType::Training),
        (TicketKind::TechnicalGuidance, JobType::TechnicalGuidance),
        (TicketKind::ComplaintQuality, JobType::Inspection),
    ];
    for (kind, want) in table {
        let j = NewJob::parse(&input(), ticket(kind), CLERK, t0()).unwrap();
        assert_eq!(j.job_type, want, "{kind:?}");
        assert_eq!(j.problem, "switchgear trips on load");
    }
}

#[test]
fn r4_1_replies_are_not_work_on_site() {
    for kind in [TicketKind::Consultation, TicketKind::Correspondence] {
        assert!(matches!(
            NewJob::parse(&input(), ticket(kind), CLERK, t0()),
            Err(Error::Conflict(_))
        ));
    }
}

#[test]
fn r4_2_job_bad_input_names_each_field() {
    let bad = JobInput {
        job_type: Some("picnic".into()),
        contact_name: Some("  ".into()),
        contact_phone: Some("call me".into()),
        problem: Some("x".repeat(4001)),
        model_code: None,
    };
    let Err(Error::Validation(f)) = NewJob::parse(&bad, ticket(TicketKind::Repair), CLERK, t0())
    else {
        panic!("expected field errors");
    };
    for field in ["job_type", "contact_name", "contact_phone", "problem"] {
        assert!(f.get(field).is_some(), "{field} named");
    }
}

#[test]
fn dispatch_names_a_crew_with_its_lead() {
    let j = dispatched();
    assert_eq!(j.status, JobStatus::Dispatched);
    let trip = j.current_trip().unwrap();
    assert_eq!(trip.crew.len(), 2);
    assert_eq!(trip.lead().unwrap().user_id, TECH);
    assert_eq!(j.version, 2);
}

#[test]
fn dispatch_refuses_people_who_do_not_go_on_site() {
    let table: &[(&[UserId], Option<UserId>, &str)] = &[
        (&[], None, "technician_ids"),
        (&[UserId(12)], None, "technician_ids"),
        (&[CLERK], None, "technician_ids"),
        (&[UserId(99)], None, "technician_ids"),
        (&[TECH, TECH], None, "technician_ids"),
        (&[TECH], Some(TECH2), "lead_id"),
    ];
    for (ids, lead, field) in table {
        let d = DispatchInput {
            technician_ids: ids.to_vec(),
            lead_id: *lead,
            expected_at: None,
        };
        match job().dispatch(&d, &people(), CLERK, Role::ServiceClerk, t0()) {
            Err(Error::Validation(f)) => assert!(f.get(field).is_some(), "{ids:?}: {f:?}"),
            other => panic!("{ids:?}: {other:?}"),
        }
    }
    let d = DispatchInput {
        technician_ids: vec![TECH],
        ..DispatchInput::default()
    };
    assert_eq!(
        job().dispatch(&d, &people(), TECH, Role::Technician, t0()),
        Err(Error::Forbidden)
    );
}

#[test]
fn r4_4_only_the_crew_sets_off_and_arrives() {
    let j = dispatched();
    // Someone not on the crew, even a technician, is refused on the record.
    assert_eq!(
        j.depart(UserId(12), Role::Technician, t0()),
        Err(Error::Forbidden)
    );
    // The desk does not set off for the crew.
    assert_eq!(
        j.arrive(CLERK, Role::ServiceClerk, None, t0()),
        Err(Error::Forbidden)
    );
    let j = j.depart(TECH2, Role::SeniorEngineer, t0()).unwrap();
    assert_eq!(j.status, JobStatus::Underway);
    let at = t0() + Duration::minutes(50);
    let pos = Position::parse(30.27, 120.15, Some(12.0)).unwrap();
    let j = j.arrive(TECH, Role::Technician, Some(pos), at).unwrap();
    assert_eq!(j.status, JobStatus::OnSite);
    assert_eq!(j.first_arrival(), Some(at));
    assert_eq!(j.current_trip().unwrap().position, Some(pos));
}

#[test]
fn arrival_can_be_undone_only_within_its_window_by_whoever_recorded_it() {
    let j = dispatched();
    let at = t0() + Duration::minutes(30);
    let on = j.arrive(TECH, Role::Technician, None, at).unwrap();
    // (who, minutes after the arrival, allowed)
    let table = [
        (TECH, 0, true),
        (TECH, 10, true),
        (TECH, 11, false),
        (TECH2, 1, false),
        (UserId(12), 1, false),
    ];
    for (who, after, ok) in table {
        let r = on.undo_arrival(who, Role::Technician, at + Duration::minutes(after));
        assert_eq!(r.is_ok(), ok, "{who:?} after {after} min: {r:?}");
    }
    let back = on.undo_arrival(TECH, Role::Technician, at).unwrap();
    assert_eq!(back.status, JobStatus::Dispatched);
    assert_eq!(back.first_arrival(), None);
    // Set off first: the undo goes back to under way.
    let on = j
        .depart(TECH, Role::Technician, t0())
        .unwrap()
        .arrive(TECH, Role::Technician, None, at)
        .unwrap();
    assert_eq!(
        on.undo_arrival(TECH, Role::Technician, at).unwrap().status,
        JobStatus::Underway
    );
}

#[test]
fn follow_up_trip_is_dispatched_like_the_first_and_keeps_the_first_arrival() {
    let at = t0() + Duration::minutes(30);
    let on = dispatched()
        .arrive(TECH, Role::Technician, None, at)
        .unwrap();
    assert!(on.follow_up("", TECH, Role::Technician, at).is_err());
    let next = on
        .follow_up("breaker on order", TECH, Role::Technician, at)
        .unwrap();
    assert_eq!(next.status, JobStatus::Open);
    assert_eq!(next.trips.len(), 2);
    assert_eq!(next.current_trip().unwrap().ordinal, 2);
    assert!(next.current_trip().unwrap().crew.is_empty());
    assert_eq!(
        next.first_arrival(),
        Some(at),
        "the deadline's arrival stays"
    );
    // The former crew no longer acts on the new trip until sent again.
    assert_eq!(
        next.depart(TECH, Role::Technician, at),
        Err(Error::Forbidden)
    );
    assert!(next.crew_member(TECH), "but still sees the job");
    let d = DispatchInput {
        technician_ids: vec![TECH2],
        ..DispatchInput::default()
    };
    let again = next
        .dispatch(&d, &people(), CLERK, Role::ServiceManager, at)
        .unwrap();
    assert_eq!(again.status, JobStatus::Dispatched);
}

#[test]
fn position_bad_input_names_each_part() {
    let Err(Error::Validation(f)) = Position::parse(91.0, f64::NAN, Some(-1.0)) else {
        panic!("expected field errors");
    };
    for field in ["lat", "lon", "accuracy_m"] {
        assert!(f.get(field).is_some(), "{field}");
    }
}

#[test]
fn cancel_needs_a_reason_and_the_desk() {
    let j = dispatched();
    assert_eq!(
        j.cancel("dup", Role::Technician, t0()),
        Err(Error::Forbidden)
    );
    assert!(j.cancel(" ", Role::ServiceClerk, t0()).is_err());
    let c = j.cancel("opened twice", Role::ServiceClerk, t0()).unwrap();
    assert_eq!(c.status, JobStatus::Cancelled);
    assert!(c.cancel("again", Role::ServiceClerk, t0()).is_err());
}

#[test]
fn r4_4_technicians_see_only_the_jobs_they_are_sent_on() {
    let j = dispatched();
    let sales = UserId(30);
    // (user, role, the customer's salesperson, sees)
    let table = [
        (TECH, Role::Technician, None, true),
        (TECH2, Role::SeniorEngineer, None, true),
        (UserId(12), Role::Technician, None, false),
        (CLERK, Role::ServiceClerk, None, true),
        (UserId(1), Role::ServiceManager, None, true),
        (UserId(2), Role::QualityEngineer, None, true),
        (sales, Role::Salesperson, Some(sales), true),
        (sales, Role::Salesperson, Some(UserId(31)), false),
        (UserId(40), Role::Customer, None, false),
    ];
    for (user, role, owner, want) in table {
        assert_eq!(may_see(&j, user, role, owner), want, "{user:?} {role:?}");
    }
    // Before dispatch no technician sees it.
    assert!(!may_see(&job(), TECH, Role::Technician, None));
}
