use super::*;
use crate::role::Role;
use crate::time::company_offset;
use chrono::TimeZone;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

fn ticket(id: i64) -> LifeEvent {
    LifeEvent::Ticket {
        ticket_id: TicketId(id),
        kind: "fault".into(),
        status: "open".into(),
        summary: format!("ticket {id}"),
        coverage: None,
    }
}

fn follow_up(id: i64) -> LifeEvent {
    LifeEvent::FollowUp {
        follow_up_id: FollowUpId(id),
        method: "visit".into(),
        salesperson: "王五".into(),
        met: None,
        usage: None,
        remarks: Some("柜门异响".into()),
        remark_class: Some("quality".into()),
        requests: None,
        ticket_id: None,
    }
}

fn fields(r: Result<LifeFilter, Error>) -> Vec<String> {
    match r {
        Err(Error::Validation(f)) => f.0.into_keys().collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn r3_8_a_filter_reads_kinds_and_dates_and_names_each_bad_field() {
    let f = LifeFilter::parse(
        &["ticket", " part ", "ticket", ""],
        Some("2026-01-01"),
        Some(""),
    )
    .expect("a good filter");
    assert_eq!(f.kinds, vec![LifeKind::Ticket, LifeKind::Part]);
    assert_eq!(f.from, Some(d("2026-01-01")));
    assert_eq!(f.to, None);
    assert_eq!(
        LifeFilter::parse(&[], None, None),
        Ok(LifeFilter::default())
    );

    type Case<'a> = (
        &'a [&'a str],
        Option<&'a str>,
        Option<&'a str>,
        &'a [&'a str],
    );
    let cases: [Case; 5] = [
        (&["tickets"], None, None, &["kind"]),
        (&["ticket\0"], None, None, &["kind"]),
        (&[], Some("2026-13-01"), None, &["from"]),
        (&[], None, Some("yesterday"), &["to"]),
        (&[], Some("2026-05-02"), Some("2026-05-01"), &["to"]),
    ];
    for (kinds, from, to, want) in cases {
        assert_eq!(
            fields(LifeFilter::parse(kinds, from, to)),
            want.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            "{kinds:?} {from:?} {to:?}"
        );
    }
    // One day is a window.
    assert!(LifeFilter::parse(&[], Some("2026-05-01"), Some("2026-05-01")).is_ok());
}

#[test]
fn r3_8_dates_are_company_days_so_an_evening_in_utc_is_the_next_day() {
    // 16:30 UTC on 31 March is 00:30 on 1 April in +08:00.
    let late = LifeEntry::at(utc("2026-03-31T16:30:00Z"), None, ticket(1));
    let early = LifeEntry::at(utc("2026-03-31T15:59:59Z"), None, ticket(2));
    let april = LifeFilter::parse(&[], Some("2026-04-01"), None).expect("filter");
    let march = LifeFilter::parse(&[], None, Some("2026-03-31")).expect("filter");
    assert!(april.admits(&late) && !april.admits(&early));
    assert!(march.admits(&early) && !march.admits(&late));

    let (from, to) = LifeFilter::parse(&[], Some("2026-04-01"), Some("2026-04-30"))
        .expect("filter")
        .window();
    assert_eq!(from, Some(utc("2026-03-31T16:00:00Z")));
    assert_eq!(to, Some(utc("2026-04-30T16:00:00Z")));

    // A dated entry stands at the start of its company day and keeps that date.
    let on = LifeEntry::on(d("2026-04-01"), None, LifeEvent::Commissioned);
    assert!(on.dated);
    assert_eq!(
        on.at,
        company_offset()
            .with_ymd_and_hms(2026, 4, 1, 0, 0, 0)
            .unwrap()
    );
    assert_eq!(on.date(), d("2026-04-01"));
}

#[test]
fn r3_8_the_story_is_newest_first_and_counts_every_kind_within_the_dates() {
    let entries = vec![
        LifeEntry::on(d("2025-01-10"), None, LifeEvent::Commissioned),
        LifeEntry::at(utc("2026-02-01T02:00:00Z"), None, ticket(1)),
        LifeEntry::on(d("2026-02-05"), None, follow_up(1)),
        LifeEntry::at(utc("2026-03-01T02:00:00Z"), None, ticket(2)),
        LifeEntry::at(utc("2026-03-01T02:00:00Z"), None, ticket(3)),
    ];
    let all = story(
        LifeKind::ALL.to_vec(),
        entries.clone(),
        &LifeFilter::default(),
    );
    let order: Vec<_> = all
        .entries
        .iter()
        .map(|e| (e.event.name(), e.date().to_string()))
        .collect();
    assert_eq!(
        order,
        vec![
            ("ticket", "2026-03-01".to_string()),
            ("ticket", "2026-03-01".to_string()),
            ("follow_up", "2026-02-05".to_string()),
            ("ticket", "2026-02-01".to_string()),
            ("commissioned", "2025-01-10".to_string()),
        ]
    );
    // At one moment, the later-read entry comes first (the reverse of reading order).
    assert_eq!(all.entries[0].event, ticket(3));
    assert!(!all.truncated);

    // Tickets only, in 2026: the counts still offer the follow-up, not what is out of dates.
    let f = LifeFilter::parse(&["ticket"], Some("2026-01-01"), None).expect("filter");
    let s = story(LifeKind::ALL.to_vec(), entries, &f);
    assert_eq!(s.entries.len(), 3);
    assert!(s.entries.iter().all(|e| e.kind() == LifeKind::Ticket));
    assert_eq!(s.counts.get(&LifeKind::Ticket), Some(&3));
    assert_eq!(s.counts.get(&LifeKind::FollowUp), Some(&1));
    assert_eq!(s.counts.get(&LifeKind::Commissioning), None);
}

#[test]
fn r3_8_a_long_life_is_cut_to_the_newest_and_says_so() {
    let start = utc("2020-01-01T00:00:00Z");
    let entries: Vec<_> = (0..(MAX_ENTRIES as i64 + 3))
        .map(|i| LifeEntry::at(start + chrono::Duration::hours(i), None, ticket(i)))
        .collect();
    let s = story(LifeKind::ALL.to_vec(), entries, &LifeFilter::default());
    assert!(s.truncated);
    assert_eq!(s.entries.len(), MAX_ENTRIES);
    assert_eq!(s.entries[0].event, ticket(MAX_ENTRIES as i64 + 2));
    assert_eq!(s.counts.get(&LifeKind::Ticket), Some(&(MAX_ENTRIES + 3)));
}

#[test]
fn r5_2_a_units_story_holds_no_customer_only_kinds_and_every_event_has_one_kind() {
    let unit = LifeKind::of_scope(Scope::Unit(UnitId(1)));
    let customer = LifeKind::of_scope(Scope::Customer(CustomerId(1)));
    assert_eq!(customer, LifeKind::ALL.to_vec());
    for k in [LifeKind::FollowUp, LifeKind::Campaign, LifeKind::Training] {
        assert!(!unit.contains(&k) && customer.contains(&k));
    }
    for k in LifeKind::ALL {
        assert_eq!(LifeKind::parse(k.as_str()), Some(k));
    }
    let table = [
        (LifeEvent::Shipped, LifeKind::Delivery, "shipped"),
        (LifeEvent::Recorded, LifeKind::Commissioning, "recorded"),
        (ticket(1), LifeKind::Ticket, "ticket"),
        (
            LifeEvent::CheckIn {
                ticket_id: TicketId(1),
                technician: None,
            },
            LifeKind::Visit,
            "check_in",
        ),
        (
            LifeEvent::Part {
                job_id: None,
                move_kind: "faulty_return".into(),
                code: "FUSE-2".into(),
                name: "熔断器".into(),
                quantity: 1,
                serial: None,
                serial_removed: Some("F1".into()),
            },
            LifeKind::Part,
            "part_removed",
        ),
        (follow_up(1), LifeKind::FollowUp, "follow_up"),
        (
            LifeEvent::Changed { fields: vec![] },
            LifeKind::Change,
            "changed",
        ),
    ];
    for (event, kind, name) in table {
        assert_eq!((event.kind(), event.name()), (kind, name));
        assert!(LifeEvent::NAMES.contains(&name));
    }
}

#[test]
fn r3_1_a_salesperson_reads_follow_ups_and_answers_of_their_own_customers_only() {
    let c = Scope::Customer(CustomerId(1));
    let has = |role, own, k| LifeKind::readable(c, role, own).contains(&k);
    let table = [
        (Role::Salesperson, true, LifeKind::FollowUp, true),
        (Role::Salesperson, false, LifeKind::FollowUp, false),
        (Role::Salesperson, false, LifeKind::Campaign, false),
        (Role::Salesperson, true, LifeKind::Training, true),
        (Role::Salesperson, false, LifeKind::Training, false),
        (Role::Salesperson, false, LifeKind::Ticket, true),
        (Role::ServiceClerk, false, LifeKind::FollowUp, true),
        (Role::QualityEngineer, false, LifeKind::FollowUp, true),
        (Role::Technician, false, LifeKind::FollowUp, false),
        (Role::Technician, false, LifeKind::Campaign, false),
        (Role::Technician, false, LifeKind::Form, true),
        (Role::ServiceManager, false, LifeKind::Campaign, true),
        (Role::ServiceManager, false, LifeKind::Training, true),
        (Role::Customer, true, LifeKind::Ticket, false),
    ];
    for (role, own, kind, want) in table {
        assert_eq!(has(role, own, kind), want, "{role:?} own={own} {kind:?}");
    }
    // A story read for some kinds holds only those, whatever was read.
    let s = story(
        vec![LifeKind::Ticket],
        vec![
            LifeEntry::at(utc("2026-01-01T00:00:00Z"), None, ticket(1)),
            LifeEntry::on(d("2026-01-02"), None, follow_up(1)),
        ],
        &LifeFilter::default(),
    );
    assert_eq!(s.entries.len(), 1);
    assert_eq!(s.counts.get(&LifeKind::FollowUp), None);
}
