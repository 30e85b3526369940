use super::*;
use chrono::TimeZone;

#[test]
fn r7_similar_terms_table() {
    // (text, terms that must be there, terms that must not)
    let table: &[(&str, &[&str], &[&str])] = &[
        (
            "10kV断路器合闸时拒合",
            &["10kv", "断路器", "断路", "拒合", "合闸"],
            &["时"],
        ),
        ("断路器拒合", &["断路器", "拒合"], &[]),
        (
            "KYN28A-12 开关柜 柜门无法关闭",
            &["kyn28a-12", "开关柜", "柜门", "关闭"],
            &["kyn28a", "12"],
        ),
        (
            "客户的问题，已经处理了。",
            &["处理"],
            &["的", "了", "，", "。", "客户"],
        ),
        (
            "The breaker and the relay",
            &["breaker", "relay"],
            &["the", "and"],
        ),
        ("", &[], &[]),
        ("，。！？", &[], &["，"]),
        ("控制\0回路", &["控制", "回路"], &["\0"]),
    ];
    for (text, must, must_not) in table {
        let terms = search_terms(text);
        for m in *must {
            assert!(
                terms.iter().any(|t| t == m),
                "{text:?}: {m:?} missing in {terms:?}"
            );
        }
        for m in *must_not {
            assert!(
                !terms.iter().any(|t| t == m),
                "{text:?}: {m:?} kept in {terms:?}"
            );
        }
        for t in &terms {
            assert!(
                !t.contains(' ') && !t.contains('\'') && !t.contains('"'),
                "{t:?}"
            );
        }
    }
}

#[test]
fn r7_similar_terms_are_capped() {
    let long: String = "断路器拒合，电机烧毁，ABC-123 控制回路故障。".repeat(2000);
    assert!(long.len() > 50_000);
    let terms = search_terms(&long);
    assert!(terms.len() <= MAX_TERMS);
    // Each term once.
    let set: HashSet<_> = terms.iter().collect();
    assert_eq!(set.len(), terms.len());
    let many: String = (0..20_000).map(|i| format!("X{i} ")).collect();
    assert_eq!(search_terms(&many).len(), MAX_TERMS);
    let huge_word = "a".repeat(100);
    assert!(search_terms(&huge_word).is_empty());
}

#[test]
fn r7_similar_case_kinds() {
    for (kind, case) in [
        (TicketKind::Repair, true),
        (TicketKind::Emergency, true),
        (TicketKind::ComplaintQuality, true),
        (TicketKind::ComplaintOther, true),
        (TicketKind::Consultation, false),
        (TicketKind::Installation, false),
        (TicketKind::ReturnRequest, false),
    ] {
        assert_eq!(is_case_kind(kind), case, "{kind}");
    }
}

fn case(id: i64, model: Option<&str>, component: Option<&str>, day: u32) -> Case {
    Case {
        ticket_id: TicketId(id),
        kind: TicketKind::Repair,
        model_code: model.map(str::to_string),
        component: component.map(str::to_string),
        summary: format!("case {id}"),
        fault_cause: String::new(),
        cause_analysis: String::new(),
        handling: String::new(),
        finished_at: Utc.with_ymd_and_hms(2026, 1, day, 0, 0, 0).unwrap(),
    }
}

fn cand(id: i64, model: Option<&str>, component: Option<&str>, day: u32, score: f64) -> Candidate {
    Candidate {
        case: case(id, model, component, day),
        score,
    }
}

#[test]
fn r7_similar_ranking_table() {
    let query = Query {
        ticket_id: Some(TicketId(99)),
        model_code: Some("KYN28A-12".into()),
        text: "开关柜断路器拒合，操作机构卡涩".into(),
    };
    // (name, candidates, expected order)
    let table: Vec<(&str, Vec<Candidate>, Vec<i64>)> = vec![
        (
            "same model before a better text score",
            vec![
                cand(1, Some("XGN15"), None, 1, 9.0),
                cand(2, Some("kyn28a-12"), None, 1, 1.0),
            ],
            vec![2, 1],
        ),
        (
            "same model and named component first",
            vec![
                cand(1, Some("KYN28A-12"), None, 1, 5.0),
                cand(2, Some("KYN28A-12"), Some("操作机构"), 1, 1.0),
                cand(3, Some("XGN15"), Some("操作机构"), 1, 8.0),
                cand(4, None, None, 1, 9.0),
            ],
            vec![2, 1, 3, 4],
        ),
        (
            "then text score, then newest",
            vec![
                cand(1, None, None, 1, 2.0),
                cand(2, None, None, 3, 2.0),
                cand(3, None, None, 1, 4.0),
            ],
            vec![3, 2, 1],
        ),
        (
            "the ticket itself, no-match and NaN never",
            vec![
                cand(99, Some("KYN28A-12"), None, 1, 9.0),
                cand(5, Some("XGN15"), None, 1, 0.0),
                cand(6, None, None, 1, f64::NAN),
                cand(7, None, None, 1, 0.5),
            ],
            vec![7],
        ),
        (
            "a case found twice counts once with its best score",
            vec![
                cand(1, None, None, 1, 1.0),
                cand(2, None, None, 1, 2.0),
                cand(1, None, None, 1, 3.0),
            ],
            vec![1, 2],
        ),
        (
            "at most five",
            (1..=8).map(|i| cand(i, None, None, 1, i as f64)).collect(),
            vec![8, 7, 6, 5, 4],
        ),
    ];
    for (name, candidates, expected) in table {
        let got: Vec<i64> = rank(&query, candidates, SHOWN)
            .iter()
            .map(|s| s.case.ticket_id.0)
            .collect();
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn r7_similar_without_model_ranks_by_text() {
    let query = Query {
        text: "拒合".into(),
        ..Query::default()
    };
    let got = rank(
        &query,
        vec![
            cand(1, Some("A"), None, 1, 1.0),
            cand(2, Some("B"), None, 1, 2.0),
        ],
        SHOWN,
    );
    assert_eq!(got[0].case.ticket_id, TicketId(2));
    assert_eq!(got[0].matched, Match::Text);
}

#[test]
fn r7_similar_case_terms_join_every_text() {
    let mut c = case(1, Some("KYN28A-12"), Some("真空断路器"), 1);
    c.summary = "10kV断路器合闸时拒合".into();
    c.handling = "更换合闸线圈".into();
    let t = c.terms();
    for w in ["拒合", "线圈", "kyn28a-12", "断路器"] {
        assert!(t.split(' ').any(|x| x == w), "{w} in {t}");
    }
}
