use super::*;
use crate::field::survey::{AnsweredVia, Answers};
use crate::ids::{QualityActionId, QualityItemId};
use crate::quality::{ActionKind, Method, SourceKind};
use crate::ticket::TicketStatus;
use chrono::TimeZone;

fn at(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap()
}

fn now() -> DateTime<Utc> {
    at(20, 0)
}

fn march() -> Month {
    Month::parse("2026-03").unwrap()
}

/// A deadline due on the 10th: met `met` hours after 08:00 (due at 10:00), or not met.
fn line(
    id: i64,
    ticket_kind: TicketKind,
    kind: DeadlineKind,
    region: Region,
    met: Option<u32>,
) -> MonthLine {
    MonthLine {
        ticket_id: TicketId(id),
        ticket_kind,
        status: if met.is_some() {
            TicketStatus::Resolved
        } else {
            TicketStatus::Open
        },
        customer_name: "c".into(),
        region,
        kind,
        due_at: at(10, 10),
        met_at: met.map(|h| at(10, 8 + h)),
        warn_at: at(10, 9),
        paused_since: None,
        owner_name: None,
        cause: None,
    }
}

fn lines() -> Vec<MonthLine> {
    use DeadlineKind::{Arrival, HandlingOpinion, Reply};
    use Region::{HangzhouUrban, OutOfProvince, Zhejiang};
    use TicketKind::{ComplaintOther, ComplaintQuality, Consultation, Emergency};
    vec![
        line(1, ComplaintQuality, HandlingOpinion, Zhejiang, Some(1)),
        line(2, ComplaintQuality, HandlingOpinion, Zhejiang, Some(5)),
        line(3, ComplaintOther, HandlingOpinion, HangzhouUrban, None),
        line(4, Emergency, Arrival, HangzhouUrban, Some(1)),
        line(5, Emergency, Arrival, Zhejiang, Some(3)),
        line(6, Emergency, Arrival, OutOfProvince, None),
        // A reply deadline is in neither table.
        line(7, Consultation, Reply, Zhejiang, Some(1)),
    ]
}

#[test]
fn r6_2_complaints_by_kind_count_their_handling_opinion_deadlines() {
    let rows = complaints(&lines(), now());
    let get = |g: &str| rows.iter().find(|r| r.group == g).unwrap().tally;
    assert_eq!(
        get("complaint_quality"),
        Tally {
            on_time: 1,
            late: 1,
            running: 0
        }
    );
    // Not met and past due: late.
    assert_eq!(
        get("complaint_other"),
        Tally {
            on_time: 0,
            late: 1,
            running: 0
        }
    );
    assert_eq!(
        get(ALL),
        Tally {
            on_time: 1,
            late: 2,
            running: 0
        }
    );
    assert_eq!(rows.last().unwrap().group, ALL);
}

#[test]
fn r6_2_emergencies_by_region_list_every_region() {
    let rows = emergencies(&lines(), now());
    assert_eq!(rows.len(), Region::ALL.len() + 1);
    let get = |g: &str| rows.iter().find(|r| r.group == g).unwrap().tally;
    assert_eq!(get("hangzhou_urban").on_time, 1);
    assert_eq!(get("zhejiang").late, 1);
    assert_eq!(get("out_of_province").late, 1);
    assert_eq!(get("unknown"), Tally::default());
    assert_eq!(get(ALL).due(), 3);
}

#[test]
fn r6_3_drill_keys_read_back_and_bad_ones_name_the_field() {
    for key in [
        "complaints.all.late",
        "emergencies.zhejiang.on_time",
        "replies.consultation.correct",
        "jobs.repair.all",
        "satisfaction.all.overall",
        "follow_ups.12.overdue",
        "follow_ups.none.owed",
        "warranty_cost.KYN28A-12.cost",
        "warranty_cost.1.5-MW.x.cost",
        "quality_causes.manufacturing.items",
        "recurring_causes.KYN28A~断路器~none.items",
        "open_actions.all.overdue",
    ] {
        let d = Drill::parse(key).unwrap_or_else(|e| panic!("{key}: {e:?}"));
        assert_eq!(d.key(), key);
    }
    assert_eq!(
        Drill::parse("warranty_cost.1.5-MW.x.cost").unwrap().group,
        "1.5-MW.x"
    );
    for bad in [
        "",
        "complaints",
        "complaints.all",
        "nothing.all.all",
        "complaints.emergency.all",
        "emergencies.mars.late",
        "jobs.repair.late",
        "follow_ups.-3.owed",
        "follow_ups.abc.owed",
        "satisfaction.13.answered",
        "recurring_causes.all.items",
        "warranty_cost.a\u{0}b.cost",
    ] {
        match Drill::parse(bad) {
            Err(Error::Validation(f)) => assert!(f.get("figure").is_some(), "{bad}"),
            other => panic!("{bad:?} gave {other:?}"),
        }
    }
    let long = format!("warranty_cost.{}.cost", "x".repeat(50_000));
    assert!(Drill::parse(&long).is_err());
}

#[test]
fn r6_3_deadline_figures_reconcile_with_their_lines() {
    let ls = lines();
    let report = MonthReport {
        month: "2026-03".into(),
        complaints: complaints(&ls, now()),
        emergencies: emergencies(&ls, now()),
        replies: vec![],
        jobs: vec![],
        satisfaction: satisfaction(&[]),
        follow_ups: vec![],
        warranty_cost: None,
        pareto: vec![],
        recurring: vec![],
        open_actions: OpenActions::default(),
    };
    let mut checked = 0;
    for f in report.figures() {
        let d = Drill::parse(&f.figure).unwrap();
        if matches!(d.section, Section::Complaints | Section::Emergencies) {
            let n = ls.iter().filter(|l| d.matches_line(l, now())).count() as i64;
            assert_eq!(n, f.value, "{}", f.figure);
            checked += 1;
        }
    }
    assert_eq!(checked, 4 * (3 + Region::ALL.len() + 1));
}

fn fact(id: i64, kind: TicketKind, replied: Option<u32>, correct: Option<bool>) -> ReplyFact {
    ReplyFact {
        ticket_id: TicketId(id),
        kind,
        owner: None,
        received_at: at(3, 8),
        due_at: at(3, 12),
        replied_at: replied.map(|h| at(3, h)),
        correct,
        cancelled: false,
    }
}

#[test]
fn r3_7_reply_figures_reconcile_with_their_facts() {
    let mut facts = vec![
        fact(1, TicketKind::Consultation, Some(10), Some(true)),
        fact(2, TicketKind::Consultation, Some(14), Some(false)),
        fact(3, TicketKind::Correspondence, Some(11), None),
        fact(4, TicketKind::Correspondence, None, None),
    ];
    let mut cancelled = fact(5, TicketKind::Consultation, Some(9), Some(true));
    cancelled.cancelled = true;
    facts.push(cancelled);
    let mut april = fact(6, TicketKind::Consultation, Some(9), Some(true));
    april.received_at = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
    facts.push(april);
    let rates = crate::replies::reply_rates(march(), &facts);
    let rows = replies(&rates);
    assert_eq!(rows[2].1.received, 4);
    assert_eq!(rows[0].1.correct, 1);
    for (g, c) in &rows {
        for m in ReplyMeasure::ALL {
            let d = Drill::new(Section::Replies, g.clone(), m.as_str());
            let n = facts.iter().filter(|f| d.matches_reply(f, march())).count() as i64;
            assert_eq!(n, c.get(*m), "{}", d.key());
        }
    }
}

fn job(id: i64, t: JobType) -> JobFact {
    JobFact {
        job_id: JobId(id),
        ticket_id: TicketId(id),
        job_type: t,
        status: JobStatus::Done,
        customer_id: CustomerId(1),
        customer_name: "c".into(),
        model_code: None,
        began_at: at(4, 9),
    }
}

#[test]
fn r6_2_jobs_by_type_list_every_type_and_the_total() {
    let facts = vec![
        job(1, JobType::Repair),
        job(2, JobType::Repair),
        job(3, JobType::Inspection),
    ];
    let rows = jobs(&facts);
    assert_eq!(rows.len(), JobType::ALL.len() + 1);
    assert_eq!(rows.iter().find(|(g, _)| g == "repair").unwrap().1, 2);
    assert_eq!(rows.iter().find(|(g, _)| g == "training").unwrap().1, 0);
    assert_eq!(rows.last().unwrap(), &(ALL.to_string(), 3));
}

fn survey(id: i64, overall: Option<u8>) -> Survey {
    Survey {
        id,
        job_id: JobId(id),
        answers: overall.map(|s| Answers {
            scores: vec![(Question::Overall, s)],
            comment: None,
        }),
        answered_at: overall.map(|_| at(5, 9)),
        answered_via: overall.map(|_| AnsweredVia::Phone),
        token_hash: None,
        token_expires_at: None,
        token_used_at: None,
        issued_by: None,
        issued_at: None,
        created_at: at(5, 8),
        version: 1,
    }
}

#[test]
fn r5_3_satisfaction_counts_answered_surveys_only() {
    let s = satisfaction(&[survey(1, Some(5)), survey(2, Some(4)), survey(3, None)]);
    assert_eq!(s.answered, 2);
    let overall = s
        .questions
        .iter()
        .find(|q| q.question == Question::Overall)
        .unwrap();
    assert_eq!(overall.average, Some(4.5));
    assert!(
        Drill::parse("satisfaction.all.overall")
            .unwrap()
            .matches_survey(&survey(1, Some(5)))
    );
    assert!(
        !Drill::parse("satisfaction.all.answered")
            .unwrap()
            .matches_survey(&survey(3, None))
    );
}

fn item(
    id: i64,
    month: &str,
    model: Option<&str>,
    component: Option<&str>,
    r: Option<Responsibility>,
) -> QualityItem {
    QualityItem {
        id: QualityItemId(id),
        source_kind: SourceKind::Complaint,
        source_id: id,
        month: month.into(),
        product_model: model.map(Into::into),
        component: component.map(Into::into),
        fault_category: None,
        cause: None,
        responsibility: r,
        summary: "s".into(),
        root_cause: Some("loose terminal".into()),
        method: Some(Method::FiveWhy),
        merged_into: None,
        created_by: UserId(1),
        created_at: now(),
        version: 1,
    }
}

#[test]
fn r7_3_pareto_orders_causes_largest_first_with_the_running_share() {
    use Responsibility::{Installation, Manufacturing, ProductDesign};
    let mut merged = item(9, "2026-03", None, None, Some(ProductDesign));
    merged.merged_into = Some(QualityItemId(1));
    let items = vec![
        item(1, "2026-03", None, None, Some(Installation)),
        item(2, "2026-03", None, None, Some(Manufacturing)),
        item(3, "2026-03", None, None, Some(Manufacturing)),
        item(4, "2026-03", None, None, None),
        item(5, "2026-03", None, None, Some(ProductDesign)),
        // Another month, and a merged item: not counted.
        item(6, "2026-02", None, None, Some(Installation)),
        merged,
    ];
    let bars = pareto(&items, march());
    let causes: Vec<Option<Responsibility>> = bars.iter().map(|b| b.cause).collect();
    // Manufacturing (2) first; the ties in catalogue order; the unclassified last.
    assert_eq!(
        causes,
        vec![
            Some(Manufacturing),
            Some(ProductDesign),
            Some(Installation),
            None
        ]
    );
    let shares: Vec<i64> = bars.iter().map(|b| b.cumulative_permille).collect();
    assert_eq!(shares, vec![400, 600, 800, 1000]);
    let d = Drill::parse("quality_causes.manufacturing.items").unwrap();
    assert_eq!(
        items.iter().filter(|i| d.matches_item(i, march())).count(),
        2
    );
    let none = Drill::parse("quality_causes.none.items").unwrap();
    assert_eq!(
        items
            .iter()
            .filter(|i| none.matches_item(i, march()))
            .count(),
        1
    );
    assert!(pareto(&[], march()).is_empty());
}

#[test]
fn r3_11_a_problem_seen_in_two_months_of_the_window_recurs() {
    use Responsibility::Manufacturing;
    let items = vec![
        item(
            1,
            "2026-03",
            Some("KYN28A"),
            Some("断路器"),
            Some(Manufacturing),
        ),
        item(
            2,
            "2026-01",
            Some("KYN28A"),
            Some("断路器"),
            Some(Manufacturing),
        ),
        item(
            3,
            "2026-01",
            Some("KYN28A"),
            Some("断路器"),
            Some(Manufacturing),
        ),
        // Same problem, but seven months back: out of the six-month window.
        item(4, "2025-09", Some("XGN15"), Some("母排"), None),
        item(5, "2026-03", Some("XGN15"), Some("母排"), None),
        // Twice in one month only: not recurring.
        item(6, "2026-02", Some("GCS"), None, None),
        item(7, "2026-02", Some("GCS"), None, None),
        // Nothing known: never grouped.
        item(8, "2026-02", None, None, None),
        item(9, "2026-03", None, None, None),
    ];
    let r = recurring(&items, march());
    assert_eq!(r.len(), 1);
    assert_eq!(
        r[0].months,
        vec!["2026-01".to_string(), "2026-03".to_string()]
    );
    assert_eq!(r[0].items, 3);
    assert_eq!(r[0].key.group(), "KYN28A~断路器~manufacturing");
    let d = Drill::parse(&format!("recurring_causes.{}.items", r[0].key.group())).unwrap();
    assert_eq!(
        items.iter().filter(|i| d.matches_item(i, march())).count(),
        3
    );
    // Seen from February, March's items are not there yet: nothing recurs.
    assert!(recurring(&items, Month::parse("2026-02").unwrap()).is_empty());
    // October 2025 is the window's first month for March 2026.
    let mut more = items.clone();
    more.push(item(10, "2025-10", Some("XGN15"), Some("母排"), None));
    let r = recurring(&more, march());
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].key.group(), "XGN15~母排~none");
    assert_eq!(r[1].items, 2);
}

fn action(id: i64, month: &str, due: (u32, u32), verified: bool) -> QualityAction {
    QualityAction {
        id: QualityActionId(id),
        item_id: QualityItemId(id),
        month: month.into(),
        kind: ActionKind::Corrective,
        description: "torque check".into(),
        owner_department: Some("生产部".into()),
        owner_user_id: None,
        owner_name: None,
        due_on: NaiveDate::from_ymd_opt(2026, due.0, due.1).unwrap(),
        verified_by: verified.then_some(UserId(2)),
        verified_at: verified.then(now),
        verification_note: verified.then(|| "no recurrence".into()),
        created_at: now(),
        version: 1,
    }
}

#[test]
fn r7_2_open_actions_carry_over_until_verified() {
    let today = NaiveDate::from_ymd_opt(2026, 3, 20).unwrap();
    let actions = vec![
        action(1, "2026-01", (2, 28), false), // carried over, overdue
        action(2, "2026-03", (4, 30), false), // this month's, not due yet
        action(3, "2026-02", (2, 28), true),  // verified: closed
        action(4, "2026-04", (4, 30), false), // a later month's: not in March's report
    ];
    let o = open_actions(&actions, march(), today);
    assert_eq!(
        o,
        OpenActions {
            open: 2,
            overdue: 1
        }
    );
    let d = Drill::parse("open_actions.all.overdue").unwrap();
    let ids: Vec<i64> = actions
        .iter()
        .filter(|a| d.matches_action(a, march(), today))
        .map(|a| a.id.0)
        .collect();
    assert_eq!(ids, vec![1]);
}

#[test]
fn r6_3_every_figure_has_a_key_that_reads_back() {
    let report = MonthReport {
        month: "2026-03".into(),
        complaints: complaints(&lines(), now()),
        emergencies: emergencies(&lines(), now()),
        replies: replies(&crate::replies::reply_rates(march(), &[])),
        jobs: jobs(&[]),
        satisfaction: satisfaction(&[survey(1, Some(5))]),
        follow_ups: vec![Coverage {
            salesperson_id: Some(UserId(7)),
            owed: 2,
            done: 1,
            due: 0,
            overdue: 1,
        }],
        warranty_cost: Some(vec![WarrantyCost {
            model_code: String::new(),
            jobs: 1,
            total_fen: 100,
            ..WarrantyCost::default()
        }]),
        pareto: pareto(&[item(1, "2026-03", None, None, None)], march()),
        recurring: vec![],
        open_actions: OpenActions::default(),
    };
    let figures = report.figures();
    for f in &figures {
        assert_eq!(
            Drill::parse(&f.figure).map(|d| d.key()).ok().as_deref(),
            Some(f.figure.as_str())
        );
    }
    assert!(
        figures
            .iter()
            .any(|f| f.figure == "warranty_cost.none.cost" && f.value == 100)
    );
    assert!(
        figures
            .iter()
            .any(|f| f.figure == "warranty_cost.all.cost" && f.value == 100)
    );
    assert!(
        figures
            .iter()
            .any(|f| f.figure == "follow_ups.all.overdue" && f.value == 1)
    );
    assert!(
        figures
            .iter()
            .any(|f| f.figure == "satisfaction.all.overall" && f.value == 500)
    );
}
