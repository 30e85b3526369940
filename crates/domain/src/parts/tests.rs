use super::*;
use crate::field::{Candidate, DispatchInput, JobInput, JobTicket, NewJob};
use crate::ids::{CustomerId, SiteId, TicketId, TripId};
use crate::terms::TicketKind;
use chrono::{Duration, TimeZone};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 6, 0, 0).unwrap()
}

const TECH: UserId = UserId(10);
const OTHER_TECH: UserId = UserId(11);
const CLERK: UserId = UserId(5);
const MANAGER: UserId = UserId(4);
const STORE: LocationId = LocationId(1);
const INSPECTION: LocationId = LocationId(2);
const VAN: LocationId = LocationId(3);

fn job() -> Job {
    let t = JobTicket {
        id: TicketId(1),
        kind: TicketKind::Repair,
        finished: false,
        customer_id: CustomerId(2),
        site_id: Some(SiteId(3)),
        unit_id: Some(UnitId(7)),
        summary: "breaker will not close",
    };
    let input = JobInput {
        contact_name: Some("王工".into()),
        contact_phone: Some("138 0000 0000".into()),
        ..JobInput::default()
    };
    let people = [Candidate {
        user_id: TECH,
        name: "李师傅".into(),
        role: Role::Technician,
        active: true,
    }];
    NewJob::parse(&input, t, CLERK, t0())
        .unwrap()
        .into_job(JobId(9), TripId(1))
        .dispatch(
            &DispatchInput {
                technician_ids: vec![TECH],
                lead_id: None,
                expected_at: Some(t0() + Duration::hours(1)),
            },
            &people,
            CLERK,
            Role::ServiceClerk,
            t0(),
        )
        .unwrap()
}

fn part(id: i64, serialised: bool) -> Part {
    Part {
        id: PartId(id),
        code: format!("P-{id}"),
        name: "真空断路器灭弧室".into(),
        unit: "个".into(),
        unit_cost_fen: 12_000,
        list_price_fen: 20_000,
        serialised,
        models: vec!["KYN28".into()],
        reorder_level: 2,
        active: true,
        created_at: t0(),
        updated_at: t0(),
        version: 1,
    }
}

fn mv(id: i64, m: NewMove) -> Move {
    Move { id: MoveId(id), m }
}

fn requisition() -> Requisition {
    let input = RequisitionInput {
        job_id: Some(JobId(9)),
        lines: vec![LineInput {
            part_id: Some(PartId(1)),
            quantity: Some(3),
        }],
        ..RequisitionInput::default()
    };
    NewRequisition::parse(
        &input,
        &[part(1, false)],
        Some(&job()),
        Some(Role::Technician),
        TECH,
        Role::Technician,
        t0(),
    )
    .unwrap()
    .into_requisition(RequisitionId(1))
}

fn field_of(e: Error) -> Vec<String> {
    match e {
        Error::Validation(f) => f.0.keys().cloned().collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn r1_5_part_fields_are_checked_and_named() {
    let bad = PartInput {
        code: Some("P 1".into()),
        unit_cost_fen: Some(-1),
        list_price_fen: None,
        reorder_level: Some(-3),
        ..PartInput::default()
    };
    let fields = field_of(PartFields::parse(&bad).unwrap_err());
    for f in [
        "code",
        "name",
        "unit",
        "unit_cost_fen",
        "list_price_fen",
        "reorder_level",
    ] {
        assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
    }
    let ok = PartFields::parse(&PartInput {
        code: Some("VCB-630".into()),
        name: Some("灭弧室".into()),
        unit: Some("个".into()),
        unit_cost_fen: Some(100),
        list_price_fen: Some(150),
        models: Some("KYN28， XGN15 KYN28".into()),
        ..PartInput::default()
    })
    .unwrap();
    assert_eq!(ok.models, vec!["KYN28".to_string(), "XGN15".to_string()]);
    assert!(ok.active);
}

#[test]
fn r1_5_a_technician_asks_for_their_own_van_only() {
    let input = RequisitionInput {
        holder: Some(OTHER_TECH),
        lines: vec![LineInput {
            part_id: Some(PartId(1)),
            quantity: Some(1),
        }],
        ..RequisitionInput::default()
    };
    let r = NewRequisition::parse(
        &input,
        &[part(1, false)],
        None,
        Some(Role::Technician),
        TECH,
        Role::Technician,
        t0(),
    );
    assert_eq!(r.unwrap_err(), Error::Forbidden);
    // The department may ask for a technician's van.
    let r = NewRequisition::parse(
        &input,
        &[part(1, false)],
        None,
        Some(Role::Technician),
        CLERK,
        Role::ServiceClerk,
        t0(),
    )
    .unwrap();
    assert_eq!(r.holder, OTHER_TECH);
    // Nobody asks for a salesperson's van.
    let r = NewRequisition::parse(
        &input,
        &[part(1, false)],
        None,
        Some(Role::Salesperson),
        CLERK,
        Role::ServiceClerk,
        t0(),
    );
    assert_eq!(field_of(r.unwrap_err()), vec!["holder".to_string()]);
}

#[test]
fn r1_5_requisition_lines_are_checked_one_by_one() {
    let mut inactive = part(2, false);
    inactive.active = false;
    let input = RequisitionInput {
        lines: vec![
            LineInput {
                part_id: Some(PartId(1)),
                quantity: Some(0),
            },
            LineInput {
                part_id: Some(PartId(2)),
                quantity: Some(1),
            },
            LineInput {
                part_id: Some(PartId(99)),
                quantity: Some(-4),
            },
            LineInput {
                part_id: None,
                quantity: Some(1),
            },
        ],
        ..RequisitionInput::default()
    };
    let fields = field_of(
        NewRequisition::parse(
            &input,
            &[part(1, false), inactive],
            None,
            Some(Role::Technician),
            TECH,
            Role::Technician,
            t0(),
        )
        .unwrap_err(),
    );
    assert_eq!(
        fields,
        vec![
            "lines[0].quantity",
            "lines[1].part_id",
            "lines[2].part_id",
            "lines[2].quantity",
            "lines[3].part_id"
        ]
    );
    let empty = RequisitionInput::default();
    let fields = field_of(
        NewRequisition::parse(
            &empty,
            &[],
            None,
            Some(Role::Technician),
            TECH,
            Role::Technician,
            t0(),
        )
        .unwrap_err(),
    );
    assert_eq!(fields, vec!["lines"]);
}

#[test]
fn r1_5_a_jobs_parts_go_to_its_crew_while_it_is_open() {
    let input = RequisitionInput {
        job_id: Some(JobId(9)),
        holder: Some(OTHER_TECH),
        lines: vec![LineInput {
            part_id: Some(PartId(1)),
            quantity: Some(1),
        }],
        ..RequisitionInput::default()
    };
    let r = NewRequisition::parse(
        &input,
        &[part(1, false)],
        Some(&job()),
        Some(Role::Technician),
        CLERK,
        Role::ServiceClerk,
        t0(),
    );
    assert_eq!(field_of(r.unwrap_err()), vec!["holder"]);
    let mut done = job();
    done.status = crate::field::JobStatus::Done;
    let r = NewRequisition::parse(
        &RequisitionInput {
            holder: None,
            ..input
        },
        &[part(1, false)],
        Some(&done),
        Some(Role::Technician),
        TECH,
        Role::Technician,
        t0(),
    );
    assert_eq!(field_of(r.unwrap_err()), vec!["job_id"]);
}

#[test]
fn r1_5_requisition_is_approved_by_the_manager_then_issued_by_the_store() {
    let r = requisition();
    assert_eq!(
        r.approve(None, TECH, Role::Technician, t0()).unwrap_err(),
        Error::Forbidden,
        "a technician does not approve"
    );
    assert_eq!(
        r.issue(STORE, VAN, CLERK, Role::ServiceClerk, t0())
            .unwrap_err(),
        Error::Conflict("the requisition is requested, not approved".into()),
        "nothing is issued before approval"
    );
    let a = r
        .approve(Some("ok"), MANAGER, Role::ServiceManager, t0())
        .unwrap();
    assert_eq!(a.status, RequisitionStatus::Approved);
    assert_eq!(a.version, 2);
    assert_eq!(
        a.issue(STORE, VAN, TECH, Role::Technician, t0())
            .unwrap_err(),
        Error::Forbidden,
        "a technician does not issue to themselves"
    );
    let (issued, moves) = a
        .issue(STORE, VAN, CLERK, Role::ServiceClerk, t0())
        .unwrap();
    assert_eq!(issued.status, RequisitionStatus::Issued);
    assert_eq!(moves.len(), 1);
    let m = &moves[0];
    assert_eq!(m.kind, MoveKind::Issue);
    assert_eq!(m.from, Some(Bucket::at(STORE)));
    assert_eq!(m.to, Some(Bucket::for_job(VAN, JobId(9))));
    assert_eq!(m.quantity, 3);
    assert!(issued.cancel(TECH, Role::Technician, t0()).is_err());
}

#[test]
fn r1_5_a_refusal_says_why() {
    let r = requisition();
    let e = r
        .refuse(Some("  "), MANAGER, Role::ServiceManager, t0())
        .unwrap_err();
    assert_eq!(field_of(e), vec!["reason"]);
    let x = r
        .refuse(Some("用库存"), MANAGER, Role::ServiceManager, t0())
        .unwrap();
    assert_eq!(x.status, RequisitionStatus::Refused);
    assert_eq!(x.decision_note.as_deref(), Some("用库存"));
}

#[test]
fn r1_5_use_draws_from_the_jobs_parts_before_van_stock() {
    let p = part(1, false);
    let input = UseInput {
        part_id: Some(p.id),
        quantity: Some(3),
        ..UseInput::default()
    };
    let table = [
        // held for the job, van stock → draws (job, van)
        (
            Held {
                for_job: 5,
                van_stock: 0,
            },
            vec![(Some(JobId(9)), 3)],
        ),
        (
            Held {
                for_job: 1,
                van_stock: 4,
            },
            vec![(Some(JobId(9)), 1), (None, 2)],
        ),
        (
            Held {
                for_job: 0,
                van_stock: 3,
            },
            vec![(None, 3)],
        ),
    ];
    for (held, want) in table {
        let moves = use_on_job(
            &input,
            Some(&p),
            &job(),
            VAN,
            held,
            TECH,
            Role::Technician,
            t0(),
        )
        .unwrap();
        let got: Vec<_> = moves
            .iter()
            .map(|m| (m.from.and_then(|b| b.job), m.quantity))
            .collect();
        assert_eq!(got, want, "{held:?}");
        assert!(
            moves.iter().all(|m| m.to.is_none()
                && m.job_id == Some(JobId(9))
                && m.unit_id == Some(UnitId(7)))
        );
    }
    let e = use_on_job(
        &input,
        Some(&p),
        &job(),
        VAN,
        Held {
            for_job: 1,
            van_stock: 1,
        },
        TECH,
        Role::Technician,
        t0(),
    )
    .unwrap_err();
    assert_eq!(field_of(e), vec!["quantity"]);
}

#[test]
fn r1_5_a_serialised_part_is_fitted_one_at_a_time_with_its_serial() {
    let p = part(1, true);
    let held = Held {
        for_job: 2,
        van_stock: 0,
    };
    let table: [(Option<i64>, Option<&str>, &[&str]); 4] = [
        (Some(2), Some("SN-1"), &["quantity"]),
        (Some(1), None, &["serial"]),
        (Some(1), Some("SN 1"), &["serial"]),
        (Some(0), Some("SN-1"), &["quantity"]),
    ];
    for (q, s, want) in table {
        let input = UseInput {
            part_id: Some(p.id),
            quantity: q,
            serial: s.map(str::to_string),
            ..UseInput::default()
        };
        let e = use_on_job(
            &input,
            Some(&p),
            &job(),
            VAN,
            held,
            TECH,
            Role::Technician,
            t0(),
        )
        .unwrap_err();
        assert_eq!(field_of(e), want, "{q:?} {s:?}");
    }
    let ok = use_on_job(
        &UseInput {
            part_id: Some(p.id),
            quantity: Some(1),
            serial: Some("SN-1".into()),
            faulty_serial: Some("OLD-7".into()),
            note: None,
        },
        Some(&p),
        &job(),
        VAN,
        held,
        TECH,
        Role::Technician,
        t0(),
    )
    .unwrap();
    assert_eq!(ok[0].serial.as_deref(), Some("SN-1"));
    assert_eq!(ok[0].faulty_serial.as_deref(), Some("OLD-7"));
}

#[test]
fn r1_5_only_the_jobs_crew_fits_parts_on_it() {
    let p = part(1, false);
    let input = UseInput {
        part_id: Some(p.id),
        quantity: Some(1),
        ..UseInput::default()
    };
    let held = Held {
        for_job: 1,
        van_stock: 0,
    };
    for (who, role) in [
        (OTHER_TECH, Role::Technician),
        (CLERK, Role::ServiceClerk),
        (TECH, Role::Salesperson),
    ] {
        assert_eq!(
            use_on_job(&input, Some(&p), &job(), VAN, held, who, role, t0()).unwrap_err(),
            Error::Forbidden,
            "{who:?} {role:?}"
        );
    }
}

#[test]
fn r1_5_issued_equals_used_plus_returned_per_job() {
    let j = JobId(9);
    let p = PartId(1);
    let base = |kind, q, from: Option<Bucket>, to: Option<Bucket>| {
        let mut m = NewMove::new(kind, p, q, TECH, t0());
        m.from = from;
        m.to = to;
        m.job_id = Some(j);
        m
    };
    let issue = mv(
        1,
        base(
            MoveKind::Issue,
            5,
            Some(Bucket::at(STORE)),
            Some(Bucket::for_job(VAN, j)),
        ),
    );
    let used = mv(
        2,
        base(MoveKind::Use, 2, Some(Bucket::for_job(VAN, j)), None),
    );
    let from_van = mv(3, base(MoveKind::Use, 1, Some(Bucket::at(VAN)), None));
    let returned = mv(
        4,
        base(
            MoveKind::Return,
            1,
            Some(Bucket::for_job(VAN, j)),
            Some(Bucket::at(STORE)),
        ),
    );
    let r = Reconciliation::of(
        j,
        &[
            issue.clone(),
            used.clone(),
            from_van.clone(),
            returned.clone(),
        ],
    );
    let t = &r.lines[0];
    assert_eq!(
        (
            t.issued,
            t.used,
            t.returned,
            t.written_off,
            t.outstanding,
            t.used_from_van
        ),
        (5, 2, 1, 0, 2, 1)
    );
    assert_eq!(r.outstanding(), 2);
    assert_eq!(field_of(r.require_settled().unwrap_err()), vec!["parts"]);

    // The rest is written off by the manager: settled.
    let lost = mv(
        5,
        write_off(
            &WriteOffInput {
                part_id: Some(p),
                quantity: Some(2),
                location_id: Some(VAN),
                job_id: Some(j),
                cause: Some("lost".into()),
                reason: Some("掉在现场".into()),
            },
            Role::ServiceManager,
            MANAGER,
            t0(),
        )
        .unwrap(),
    );
    let r = Reconciliation::of(
        j,
        &[
            issue.clone(),
            used.clone(),
            from_van.clone(),
            returned.clone(),
            lost.clone(),
        ],
    );
    assert_eq!(r.lines[0].written_off, 2);
    assert!(r.require_settled().is_ok());

    // A use reversed puts the part back out: not settled again.
    let undo = mv(
        6,
        reverse(
            &used,
            false,
            Some("记错了"),
            Role::ServiceManager,
            MANAGER,
            t0(),
        )
        .unwrap(),
    );
    assert_eq!(undo.m.to, Some(Bucket::for_job(VAN, j)));
    let r = Reconciliation::of(j, &[issue, used, from_van, returned, lost, undo]);
    assert_eq!((r.lines[0].used, r.lines[0].outstanding), (0, 2));
    assert!(r.require_settled().is_err());
}

#[test]
fn r1_5_a_job_with_nothing_issued_is_settled() {
    assert!(Reconciliation::of(JobId(9), &[]).require_settled().is_ok());
}

#[test]
fn r1_5_rows_are_never_edited_only_reversed_once() {
    let m = mv(
        1,
        receive(
            &ReceiveInput {
                part_id: Some(PartId(1)),
                quantity: Some(10),
                note: None,
            },
            STORE,
            CLERK,
            t0(),
        )
        .unwrap(),
    );
    assert_eq!(
        reverse(&m, false, Some("x"), Role::ServiceClerk, CLERK, t0()).unwrap_err(),
        Error::Forbidden
    );
    assert!(matches!(
        reverse(&m, true, Some("x"), Role::ServiceManager, MANAGER, t0()),
        Err(Error::Conflict(_))
    ));
    assert_eq!(
        field_of(reverse(&m, false, None, Role::ServiceManager, MANAGER, t0()).unwrap_err()),
        vec!["reason"]
    );
    let r = mv(
        2,
        reverse(
            &m,
            false,
            Some("重复入库"),
            Role::ServiceManager,
            MANAGER,
            t0(),
        )
        .unwrap(),
    );
    assert_eq!(r.m.from, Some(Bucket::at(STORE)));
    assert_eq!(r.m.to, None);
    assert!(matches!(
        reverse(&r, false, Some("x"), Role::ServiceManager, MANAGER, t0()),
        Err(Error::Conflict(_))
    ));
}

#[test]
fn r1_5_write_offs_and_corrections_are_the_managers_with_a_reason() {
    let input = WriteOffInput {
        part_id: Some(PartId(1)),
        quantity: Some(1),
        location_id: Some(VAN),
        job_id: None,
        cause: Some("stolen".into()),
        reason: None,
    };
    assert_eq!(
        write_off(&input, Role::ServiceClerk, CLERK, t0()).unwrap_err(),
        Error::Forbidden
    );
    assert_eq!(
        field_of(write_off(&input, Role::ServiceManager, MANAGER, t0()).unwrap_err()),
        vec!["cause", "reason"]
    );
    let down = adjust(
        &AdjustInput {
            part_id: Some(PartId(1)),
            location_id: Some(STORE),
            delta: Some(-2),
            reason: Some("盘点".into()),
        },
        Role::ServiceManager,
        MANAGER,
        t0(),
    )
    .unwrap();
    assert_eq!(
        (down.from, down.to, down.quantity),
        (Some(Bucket::at(STORE)), None, 2)
    );
    let zero = adjust(
        &AdjustInput {
            part_id: Some(PartId(1)),
            location_id: Some(STORE),
            delta: Some(0),
            reason: Some("盘点".into()),
        },
        Role::ServiceManager,
        MANAGER,
        t0(),
    );
    assert_eq!(field_of(zero.unwrap_err()), vec!["delta"]);
    // Beyond the limit either way, to the ends of the number's range, is refused by name
    // (the smallest i64 has no positive counterpart: it once overflowed).
    for delta in [100_001, -100_001, i64::MAX, i64::MIN] {
        let far = adjust(
            &AdjustInput {
                part_id: Some(PartId(1)),
                location_id: Some(STORE),
                delta: Some(delta),
                reason: Some("盘点".into()),
            },
            Role::ServiceManager,
            MANAGER,
            t0(),
        );
        assert_eq!(field_of(far.unwrap_err()), vec!["delta"], "{delta}");
    }
}

#[test]
fn r1_5_a_faulty_part_goes_to_inspection_with_its_serial() {
    let p = part(1, true);
    let input = FaultyInput {
        part_id: Some(p.id),
        quantity: Some(1),
        faulty_serial: None,
        note: Some("触头烧蚀".into()),
    };
    assert_eq!(
        field_of(
            faulty_return(
                &input,
                Some(&p),
                &job(),
                INSPECTION,
                TECH,
                Role::Technician,
                t0()
            )
            .unwrap_err()
        ),
        vec!["faulty_serial"]
    );
    let ok = faulty_return(
        &FaultyInput {
            faulty_serial: Some("OLD-7".into()),
            ..input
        },
        Some(&p),
        &job(),
        INSPECTION,
        TECH,
        Role::Technician,
        t0(),
    )
    .unwrap();
    assert_eq!(ok.to, Some(Bucket::at(INSPECTION)));
    assert_eq!(ok.from, None);
    assert_eq!(ok.unit_id, Some(UnitId(7)));
}
