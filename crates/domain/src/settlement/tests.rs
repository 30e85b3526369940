use super::*;
use crate::field::JobType;
use crate::field::report::ReportLine;
use crate::ids::{CustomerId, PartId, TicketId};
use chrono::TimeZone;

use CoverageKind::{FreeRepair, Paid, Warranty};
use Responsibility as R;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap()
}

/// (rule name, coverage, responsibility, parts charged, labour charged, travel charged,
/// provisional, reason key)
#[test]
fn r1_5_charge_for_every_coverage_and_responsibility() {
    type Row = (
        &'static str,
        Option<CoverageKind>,
        Option<Responsibility>,
        bool,
        bool,
        bool,
        bool,
        &'static str,
    );
    let table: Vec<Row> = vec![
        // Warranty: a quality problem costs the customer nothing.
        (
            "r1_5_warranty_product_design_charges_nothing",
            Some(Warranty),
            Some(R::ProductDesign),
            false,
            false,
            false,
            false,
            "settlement.rule.warranty_quality",
        ),
        (
            "r1_5_warranty_manufacturing_charges_nothing",
            Some(Warranty),
            Some(R::Manufacturing),
            false,
            false,
            false,
            false,
            "settlement.rule.warranty_quality",
        ),
        (
            "r1_5_warranty_purchased_component_charges_nothing",
            Some(Warranty),
            Some(R::PurchasedComponent),
            false,
            false,
            false,
            false,
            "settlement.rule.warranty_quality",
        ),
        (
            "r1_5_warranty_transport_damage_is_charged",
            Some(Warranty),
            Some(R::Transport),
            true,
            true,
            true,
            false,
            "settlement.rule.not_quality",
        ),
        (
            "r1_5_warranty_installation_is_charged",
            Some(Warranty),
            Some(R::Installation),
            true,
            true,
            true,
            false,
            "settlement.rule.not_quality",
        ),
        (
            "r1_5_warranty_customer_operation_is_charged",
            Some(Warranty),
            Some(R::CustomerOperation),
            true,
            true,
            true,
            false,
            "settlement.rule.not_quality",
        ),
        (
            "r1_5_warranty_external_cause_is_charged",
            Some(Warranty),
            Some(R::External),
            true,
            true,
            true,
            false,
            "settlement.rule.not_quality",
        ),
        (
            "r1_5_warranty_undetermined_is_provisional",
            Some(Warranty),
            Some(R::Undetermined),
            true,
            true,
            true,
            true,
            "settlement.rule.responsibility_unknown",
        ),
        (
            "r1_5_warranty_no_form_is_provisional",
            Some(Warranty),
            None,
            true,
            true,
            true,
            true,
            "settlement.rule.responsibility_unknown",
        ),
        // Free repair: parts and labour free for a quality problem; travel charged.
        (
            "r1_5_free_repair_product_design_parts_and_labour_free",
            Some(FreeRepair),
            Some(R::ProductDesign),
            false,
            false,
            true,
            false,
            "settlement.rule.free_repair_quality",
        ),
        (
            "r1_5_free_repair_manufacturing_parts_and_labour_free",
            Some(FreeRepair),
            Some(R::Manufacturing),
            false,
            false,
            true,
            false,
            "settlement.rule.free_repair_quality",
        ),
        (
            "r1_5_free_repair_purchased_component_parts_and_labour_free",
            Some(FreeRepair),
            Some(R::PurchasedComponent),
            false,
            false,
            true,
            false,
            "settlement.rule.free_repair_quality",
        ),
        (
            "r1_5_free_repair_transport_is_charged",
            Some(FreeRepair),
            Some(R::Transport),
            true,
            true,
            true,
            false,
            "settlement.rule.not_quality",
        ),
        (
            "r1_5_free_repair_installation_is_charged",
            Some(FreeRepair),
            Some(R::Installation),
            true,
            true,
            true,
            false,
            "settlement.rule.not_quality",
        ),
        (
            "r1_5_free_repair_customer_operation_is_charged",
            Some(FreeRepair),
            Some(R::CustomerOperation),
            true,
            true,
            true,
            false,
            "settlement.rule.not_quality",
        ),
        (
            "r1_5_free_repair_external_cause_is_charged",
            Some(FreeRepair),
            Some(R::External),
            true,
            true,
            true,
            false,
            "settlement.rule.not_quality",
        ),
        (
            "r1_5_free_repair_undetermined_is_provisional",
            Some(FreeRepair),
            Some(R::Undetermined),
            true,
            true,
            true,
            true,
            "settlement.rule.responsibility_unknown",
        ),
        (
            "r1_5_free_repair_no_form_is_provisional",
            Some(FreeRepair),
            None,
            true,
            true,
            true,
            true,
            "settlement.rule.responsibility_unknown",
        ),
        // Paid: all per the price list, whoever is responsible.
        (
            "r1_5_paid_product_design_is_charged",
            Some(Paid),
            Some(R::ProductDesign),
            true,
            true,
            true,
            false,
            "settlement.rule.paid",
        ),
        (
            "r1_5_paid_manufacturing_is_charged",
            Some(Paid),
            Some(R::Manufacturing),
            true,
            true,
            true,
            false,
            "settlement.rule.paid",
        ),
        (
            "r1_5_paid_purchased_component_is_charged",
            Some(Paid),
            Some(R::PurchasedComponent),
            true,
            true,
            true,
            false,
            "settlement.rule.paid",
        ),
        (
            "r1_5_paid_transport_is_charged",
            Some(Paid),
            Some(R::Transport),
            true,
            true,
            true,
            false,
            "settlement.rule.paid",
        ),
        (
            "r1_5_paid_installation_is_charged",
            Some(Paid),
            Some(R::Installation),
            true,
            true,
            true,
            false,
            "settlement.rule.paid",
        ),
        (
            "r1_5_paid_customer_operation_is_charged",
            Some(Paid),
            Some(R::CustomerOperation),
            true,
            true,
            true,
            false,
            "settlement.rule.paid",
        ),
        (
            "r1_5_paid_external_cause_is_charged",
            Some(Paid),
            Some(R::External),
            true,
            true,
            true,
            false,
            "settlement.rule.paid",
        ),
        (
            "r1_5_paid_undetermined_is_charged_and_final",
            Some(Paid),
            Some(R::Undetermined),
            true,
            true,
            true,
            false,
            "settlement.rule.paid",
        ),
        (
            "r1_5_paid_no_form_is_charged",
            Some(Paid),
            None,
            true,
            true,
            true,
            false,
            "settlement.rule.paid",
        ),
        // No unit on the job: no coverage to decide with.
        (
            "r1_5_no_coverage_quality_problem_is_provisional",
            None,
            Some(R::Manufacturing),
            true,
            true,
            true,
            true,
            "settlement.rule.coverage_unknown",
        ),
        (
            "r1_5_no_coverage_no_form_is_provisional",
            None,
            None,
            true,
            true,
            true,
            true,
            "settlement.rule.coverage_unknown",
        ),
    ];
    // Every coverage × responsibility (and none) appears.
    for c in CoverageKind::ALL {
        for r in Responsibility::ALL.iter().copied().map(Some).chain([None]) {
            assert!(
                table.iter().any(|row| row.1 == Some(c) && row.2 == r),
                "{c:?} × {r:?} missing from the table"
            );
        }
    }
    for (name, c, r, parts, labour, travel, provisional, reason) in table {
        let got = charge_rule(c, r);
        assert_eq!(
            (
                got.parts,
                got.labour,
                got.travel,
                got.provisional,
                got.reason
            ),
            (parts, labour, travel, provisional, reason),
            "{name}"
        );
    }
}

#[test]
fn r1_5_quality_problems_are_design_manufacturing_and_purchased_components() {
    let quality: Vec<_> = Responsibility::ALL
        .iter()
        .filter(|r| is_quality_problem(**r) == Some(true))
        .collect();
    assert_eq!(
        quality,
        [&R::ProductDesign, &R::Manufacturing, &R::PurchasedComponent]
    );
    assert_eq!(is_quality_problem(R::Undetermined), None);
}

fn part(code: &str, qty: i64, cost: i64, list: i64) -> UsedPart {
    UsedPart {
        part_id: PartId(1),
        code: code.into(),
        name: "断路器".into(),
        unit: "个".into(),
        quantity: qty,
        unit_cost_fen: cost,
        list_price_fen: list,
    }
}

fn visit(from: (u32, u32), to: (u32, u32), crew: i64) -> Visit {
    Visit {
        trip_ordinal: 1,
        started_at: Some(t(from.0, from.1)),
        ended_at: Some(t(to.0, to.1)),
        crew,
    }
}

fn rates() -> Rates {
    Rates {
        labour_fen_per_hour: 15_000,
        travel_fen_per_km: 300,
        call_out_fen: 5_000,
    }
}

fn basis<'a>(
    coverage: Option<CoverageKind>,
    responsibility: Option<Responsibility>,
    parts: &'a [UsedPart],
    visits: &'a [Visit],
    travel: &'a Travel,
) -> Basis<'a> {
    Basis {
        coverage,
        responsibility,
        has_form: true,
        parts,
        visits,
        travel,
        trips_on_site: 1,
        rates: rates(),
    }
}

fn travel(km_centi: i64) -> Travel {
    Travel {
        km_centi,
        days: vec![NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()],
    }
}

#[test]
fn r1_5_warranty_quality_problem_charges_nothing() {
    let parts = [part("QF-1", 2, 8_000, 12_000)];
    let visits = [visit((9, 0), (11, 30), 2)];
    let tr = travel(4_000);
    let s = settle(&basis(
        Some(Warranty),
        Some(R::Manufacturing),
        &parts,
        &visits,
        &tr,
    ));
    assert_eq!(s.charged_fen, 0);
    assert!(!s.is_provisional(), "{:?}", s.provisional);
    // Parts at cost 160.00, labour 5 person-hours 750.00, travel 40 km 120.00, call-out 50.00.
    assert_eq!(
        s.lines
            .iter()
            .map(|l| (l.kind, l.qty_centi, l.cost_fen, l.list_fen))
            .collect::<Vec<_>>(),
        vec![
            (LineKind::Part, 200, 16_000, 24_000),
            (LineKind::Labour, 500, 75_000, 75_000),
            (LineKind::Travel, 4_000, 12_000, 12_000),
            (LineKind::CallOut, 100, 5_000, 5_000),
        ]
    );
    assert_eq!(s.borne_fen, 16_000 + 75_000 + 12_000 + 5_000);
    assert!(
        s.lines
            .iter()
            .all(|l| l.reason_key == "settlement.line.free")
    );
    assert!(
        s.lines[0]
            .reason_args
            .contains(&("rule", "settlement.rule.warranty_quality".to_string()))
    );
}

#[test]
fn r1_5_free_repair_quality_problem_charges_travel_only() {
    let parts = [part("QF-1", 1, 8_000, 12_000)];
    let visits = [visit((9, 0), (10, 0), 1)];
    let tr = travel(1_000);
    let s = settle(&basis(
        Some(FreeRepair),
        Some(R::PurchasedComponent),
        &parts,
        &visits,
        &tr,
    ));
    let charged: Vec<_> = s.lines.iter().map(|l| (l.kind, l.charged_fen)).collect();
    assert_eq!(
        charged,
        vec![
            (LineKind::Part, 0),
            (LineKind::Labour, 0),
            (LineKind::Travel, 3_000),
            (LineKind::CallOut, 5_000),
        ]
    );
    assert_eq!(s.charged_fen, 8_000);
    assert_eq!(s.borne_fen, 8_000 + 15_000);
}

#[test]
fn r1_5_paid_or_not_quality_charges_all_per_price_list() {
    let parts = [part("QF-1", 3, 8_000, 12_000)];
    let visits = [visit((9, 0), (9, 45), 1)];
    let tr = travel(2_550);
    for (c, r) in [
        (Paid, Some(R::Manufacturing)),
        (Warranty, Some(R::CustomerOperation)),
    ] {
        let s = settle(&basis(Some(c), r, &parts, &visits, &tr));
        // Parts at list 360.00; 0.75 h × 150.00 = 112.50; 25.5 km × 3.00 = 76.50; 50.00.
        assert_eq!(
            s.charged_fen,
            36_000 + 11_250 + 7_650 + 5_000,
            "{c:?} {r:?}"
        );
        assert_eq!(s.charged_fen, s.list_fen);
        assert_eq!(s.borne_fen, 0);
    }
}

#[test]
fn r1_5_undetermined_or_missing_facts_are_said_not_guessed() {
    let tr = Travel {
        km_centi: 0,
        days: vec![],
    };
    let s = settle(&basis(Some(Warranty), Some(R::Undetermined), &[], &[], &tr));
    assert_eq!(
        s.provisional,
        vec![RESPONSIBILITY_UNKNOWN, TRAVEL_UNREPORTED]
    );
    let no_form = Basis {
        has_form: false,
        ..basis(Some(Warranty), None, &[], &[], &tr)
    };
    assert_eq!(settle(&no_form).provisional[0], NO_FORM);
    let no_unit = settle(&basis(None, Some(R::Manufacturing), &[], &[], &tr));
    assert!(no_unit.provisional.contains(&COVERAGE_UNKNOWN));
    let open = [Visit {
        ended_at: None,
        ..visit((9, 0), (10, 0), 1)
    }];
    let s = settle(&basis(Some(Paid), None, &[], &open, &travel(100)));
    assert_eq!(s.provisional, vec![TIMES_MISSING]);
    assert_eq!(
        s.lines[0].qty_centi, 0,
        "an unfinished visit counts no hours"
    );
}

#[test]
fn r1_5_labour_is_per_person_hour_over_every_visit() {
    let visits = [visit((9, 0), (10, 0), 2), visit((14, 0), (14, 20), 3)];
    let s = settle(&basis(Some(Paid), None, &[], &visits, &travel(0)));
    // 2 × 60 + 3 × 20 = 180 person-minutes = 3 hours.
    assert_eq!(s.lines[0].qty_centi, 300);
    assert_eq!(s.lines[0].charged_fen, 45_000);
}

fn report(user: i64, km: Option<f64>, lines: &[(Option<i64>, f64)]) -> DailyReport {
    DailyReport {
        id: user,
        user_id: UserId(user),
        user_name: String::new(),
        day: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        lines: lines
            .iter()
            .map(|(job, est)| ReportLine {
                job_id: *job,
                est_km: Some(*est),
                ..ReportLine::default()
            })
            .collect(),
        travel_km: km,
        notes: None,
        late_reason: None,
        submitted_at: Some(t(20, 0)),
        created_at: t(20, 0),
        updated_at: t(20, 0),
        version: 1,
    }
}

#[test]
fn r1_5_travel_comes_from_the_daily_reports() {
    let job = JobId(7);
    // One technician: 30 km estimated to this job and 10 to another, 60 typed for the day:
    // this job's share is 45 km.
    let one = [report(1, Some(60.0), &[(Some(7), 30.0), (Some(8), 10.0)])];
    assert_eq!(travel_of_job(job, &one).km_centi, 4_500);
    // A crew of two reporting the same trip: the larger counts, not the sum.
    let crew = [
        report(1, None, &[(Some(7), 30.0)]),
        report(2, None, &[(Some(7), 32.0)]),
    ];
    assert_eq!(travel_of_job(job, &crew).km_centi, 3_200);
    // A draft report does not count.
    let mut draft = report(1, None, &[(Some(7), 30.0)]);
    draft.submitted_at = None;
    let none = travel_of_job(job, &[draft]);
    assert_eq!((none.km_centi, none.days.len()), (0, 0));
}

fn job(status: JobStatus) -> Job {
    Job {
        id: JobId(7),
        ticket_id: TicketId(1),
        job_type: JobType::Repair,
        status,
        customer_id: CustomerId(2),
        site_id: None,
        unit_id: None,
        model_code: None,
        contact_name: "王工".into(),
        contact_phone: "13800000000".into(),
        problem: "trips".into(),
        trips: vec![],
        created_by: UserId(1),
        created_at: t(8, 0),
        updated_at: t(8, 0),
        version: 1,
    }
}

fn quote_input() -> QuoteInput {
    QuoteInput {
        parts: vec![QuotePartInput {
            description: Some("QF-1 断路器".into()),
            quantity: Some(2),
            unit_price_fen: Some(12_000),
        }],
        labour_hours: Some(2.5),
        travel_km: Some(40.0),
        trips: None,
        note: None,
    }
}

#[test]
fn r1_5_quotation_lines_are_at_list_price_and_rates() {
    let q = NewQuote::parse(
        &job(JobStatus::Dispatched),
        &quote_input(),
        rates(),
        UserId(1),
        t(9, 0),
    )
    .unwrap();
    let lines: Vec<_> = q
        .lines
        .iter()
        .map(|l| (l.kind, l.qty_centi, l.amount_fen))
        .collect();
    assert_eq!(
        lines,
        vec![
            (LineKind::Part, 200, 24_000),
            (LineKind::Labour, 250, 37_500),
            (LineKind::Travel, 4_000, 12_000),
            (LineKind::CallOut, 100, 5_000),
        ]
    );
    assert_eq!(q.total_fen, 78_500);
}

#[test]
fn r1_5_quotation_bad_input_names_the_field() {
    let bad = QuoteInput {
        labour_hours: Some(-1.0),
        ..quote_input()
    };
    let Err(Error::Validation(e)) =
        NewQuote::parse(&job(JobStatus::Open), &bad, rates(), UserId(1), t(9, 0))
    else {
        panic!("a negative hour is refused");
    };
    assert!(e.get("labour_hours").is_some());
    let mut zero = quote_input();
    zero.parts[0].quantity = Some(0);
    let Err(Error::Validation(e)) =
        NewQuote::parse(&job(JobStatus::Open), &zero, rates(), UserId(1), t(9, 0))
    else {
        panic!("quantity 0 is refused");
    };
    assert!(e.get("parts[0].quantity").is_some());
    for done in [JobStatus::Done, JobStatus::Cancelled] {
        let Err(Error::Validation(e)) =
            NewQuote::parse(&job(done), &quote_input(), rates(), UserId(1), t(9, 0))
        else {
            panic!("no quotation on a finished job");
        };
        assert!(e.get("job").is_some());
    }
}

#[test]
fn r1_5_a_quotation_is_answered_once() {
    let n = NewQuote::parse(
        &job(JobStatus::Open),
        &quote_input(),
        rates(),
        UserId(1),
        t(9, 0),
    )
    .unwrap();
    let q = Quote {
        id: QuoteId(1),
        job_id: n.job_id,
        status: QuoteStatus::Given,
        lines: n.lines,
        total_fen: n.total_fen,
        note: None,
        given_by: UserId(1),
        given_at: t(9, 0),
        answer: None,
        version: 1,
    };
    let yes = AnswerInput {
        by_name: Some("王工".into()),
        method: Some("phone".into()),
        note: None,
    };
    let a = q.answer(true, &yes, UserId(3), t(10, 0)).unwrap();
    assert_eq!(a.status, QuoteStatus::Accepted);
    assert_eq!(
        a.answer.as_ref().map(|a| a.method),
        Some(AnswerMethod::Phone)
    );
    assert!(matches!(
        a.answer(true, &yes, UserId(3), t(10, 5)),
        Err(Error::Conflict(_))
    ));
    let Err(Error::Validation(e)) = q.answer(false, &AnswerInput::default(), UserId(3), t(10, 0))
    else {
        panic!("who and how are required");
    };
    assert!(e.get("by_name").is_some() && e.get("method").is_some());
}

#[test]
fn r1_5_yuan_is_typed_and_shown_with_two_decimals() {
    assert_eq!(parse_yuan("150"), Ok(Some(15_000)));
    assert_eq!(parse_yuan("3.5"), Ok(Some(350)));
    assert_eq!(parse_yuan(" 0.05 "), Ok(Some(5)));
    assert_eq!(parse_yuan(""), Ok(None));
    assert!(parse_yuan("-1").is_err());
    assert!(parse_yuan("1.234").is_err());
    assert!(parse_yuan("abc").is_err());
    assert_eq!(yuan(15_000), "150.00");
    assert_eq!(yuan(5), "0.05");
    assert_eq!(amount(250, 15_000), 37_500);
    assert_eq!(amount(1, 1), 0);
    assert_eq!(amount(50, 1), 1, "half a fen rounds up");
}

#[test]
fn r1_5_warranty_cost_counts_what_the_company_bears_per_model() {
    let parts = [part("QF-1", 1, 8_000, 12_000)];
    let visits = [visit((9, 0), (10, 0), 1)];
    let tr = travel(1_000);
    let w = settle(&basis(
        Some(Warranty),
        Some(R::Manufacturing),
        &parts,
        &visits,
        &tr,
    ));
    let f = settle(&basis(
        Some(FreeRepair),
        Some(R::Manufacturing),
        &parts,
        &visits,
        &tr,
    ));
    let p = settle(&basis(
        Some(Paid),
        Some(R::Manufacturing),
        &parts,
        &visits,
        &tr,
    ));
    let cost = warranty_cost(&[
        ("KYN28".to_string(), &w),
        ("KYN28".to_string(), &f),
        ("XGN15".to_string(), &p),
    ]);
    assert_eq!(cost.len(), 1, "paid work costs the company nothing here");
    let k = &cost[0];
    assert_eq!((k.model_code.as_str(), k.jobs), ("KYN28", 2));
    assert_eq!(k.parts_fen, 16_000);
    assert_eq!(k.labour_fen, 30_000);
    assert_eq!(
        k.travel_fen,
        3_000 + 5_000,
        "only warranty's travel is borne"
    );
    assert_eq!(k.total_fen, k.parts_fen + k.labour_fen + k.travel_fen);
}

#[test]
fn r1_5_every_reason_key_is_listed() {
    for c in CoverageKind::ALL.iter().copied().map(Some).chain([None]) {
        for r in Responsibility::ALL.iter().copied().map(Some).chain([None]) {
            assert!(KEYS.contains(&charge_rule(c, r).reason));
        }
    }
}
