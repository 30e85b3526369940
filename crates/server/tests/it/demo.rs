//! The demo data set (`serve --demo`) and the load-test seeding (`bench-seed`).

use crate::support::TestApp;
use chrono::Utc;
use sanbao_domain::Region;
use sanbao_domain::customer::CustomerFilter;
use sanbao_domain::ticket::TicketFilter;
use sanbao_domain::ticket::{DeadlineState, TicketKind, TicketStatus};
use sanbao_server::demo;
use std::collections::HashSet;

async fn customer_count(app: &TestApp) -> usize {
    app.db
        .customers(&CustomerFilter::default(), 200, None)
        .await
        .unwrap()
        .len()
}

async fn all_tickets(app: &TestApp) -> Vec<sanbao_domain::ticket::TicketSummary> {
    app.db
        .tickets(&TicketFilter::default(), 200, None)
        .await
        .unwrap()
}

#[tokio::test]
async fn demo_loads_on_an_empty_database_with_every_region_kind_and_status() {
    demo_loads_with_every_region_kind_and_status(TestApp::new().await).await;
}

#[tokio::test]
async fn demo_loads_on_postgres_with_every_region_kind_and_status() {
    if let Some(app) = TestApp::postgres().await {
        demo_loads_with_every_region_kind_and_status(app).await;
    }
}

async fn demo_loads_with_every_region_kind_and_status(app: TestApp) {
    let now = Utc::now();
    let said = demo::load(&app.state, now).await.unwrap().expect("loaded");
    assert!(
        said.contains(demo::DEMO_PASSWORD) && said.contains("chen.jianguo"),
        "{said}"
    );

    let customers = app
        .db
        .customers(&CustomerFilter::default(), 200, None)
        .await
        .unwrap();
    assert!((20..=30).contains(&customers.len()), "{}", customers.len());
    let regions: HashSet<&str> = customers.iter().map(|c| c.region.as_str()).collect();
    for r in Region::ALL {
        assert!(regions.contains(r.as_str()), "no customer in {r:?}");
    }
    assert!(
        customers.iter().any(|c| c.region_corrected),
        "one region is corrected by hand"
    );
    // The archive as it really is: one address that does not tell its district, one
    // corrected by hand because the address alone would not tell, an address from before
    // the 2021 district changes, one in traditional characters.
    let unknown = customers
        .iter()
        .filter(|c| c.region.as_str() == Region::Unknown.as_str())
        .count();
    assert_eq!(unknown, 1);
    let corrected: Vec<_> = customers.iter().filter(|c| c.region_corrected).collect();
    assert_eq!(corrected.len(), 1);
    assert_eq!(Region::of_address(&corrected[0].address), Region::Unknown);
    let old_district = customers
        .iter()
        .find(|c| c.address.contains("江干区"))
        .expect("an address from before 2021");
    assert_eq!(old_district.region.as_str(), Region::HangzhouUrban.as_str());
    assert!(customers.iter().any(|c| c.address.contains("濱江區")));

    let rows = all_tickets(&app).await;
    assert!((50..=80).contains(&rows.len()), "{}", rows.len());
    for k in TicketKind::ALL {
        assert!(rows.iter().any(|t| t.kind == *k), "no {k} ticket");
    }
    for s in TicketStatus::ALL {
        assert!(rows.iter().any(|t| t.status == *s), "no {s} ticket");
    }
    let ten_days_ago = (now - chrono::Duration::days(11)).timestamp_millis();
    assert!(
        rows.iter()
            .all(|t| t.received_at.timestamp_millis() >= ten_days_ago && t.received_at <= now)
    );

    // Every state a deadline can be in, as the desk sees it now.
    let mut states = Vec::new();
    for r in &rows {
        let t = app.db.ticket(r.id).await.unwrap().unwrap();
        for d in &t.deadlines {
            states.push(d.state(now, t.status));
        }
    }
    for s in [
        DeadlineState::Pending,
        DeadlineState::DueSoon,
        DeadlineState::Breached,
        DeadlineState::Met,
        DeadlineState::MetLate,
        DeadlineState::Void,
        DeadlineState::Paused,
    ] {
        assert!(states.contains(&s), "no deadline {s:?}: {states:?}");
    }

    // Some emergencies are live: one has a technician on site, others are on the way.
    assert!(
        rows.iter()
            .any(|t| t.kind == TicketKind::Emergency && t.status == TicketStatus::OnSite)
    );

    // The staff are people with names; the role is shown beside the name, not as it.
    let staff = app.db.users(None).await.unwrap();
    assert_eq!(staff.len(), 10);
    for u in &staff {
        let n = u.display_name.chars().count();
        assert!(
            (2..=3).contains(&n)
                && !["经理", "主管", "师傅", "工程师", "文员", "业务员"]
                    .iter()
                    .any(|title| u.display_name.contains(title)),
            "{} is shown as {:?}",
            u.username,
            u.display_name
        );
    }
    assert!(said.contains("陈建国"), "{said}");

    // The service desk shows breached and due-soon work.
    let manager = app
        .db
        .user_for_login("chen.jianguo")
        .await
        .unwrap()
        .unwrap()
        .0;
    let desk = sanbao_server::app::tickets::dashboard(&app.state, &manager, None, now)
        .await
        .unwrap();
    assert!(
        desk.breached >= 1 && desk.due_soon >= 1,
        "breached {} due soon {}",
        desk.breached,
        desk.due_soon
    );
    assert!(!desk.by_deadline.is_empty() && !desk.without_deadline.is_empty());

    // Steps carry the actor and the moment they happened: a closed ticket's timeline.
    let closed = rows
        .iter()
        .find(|t| t.status == TicketStatus::Closed)
        .unwrap();
    let trail = app.db.audit_trail("ticket", closed.id.0).await.unwrap();
    assert!(trail.len() >= 3, "{trail:?}");
    assert!(trail.windows(2).all(|w| w[0].at <= w[1].at));
    assert!(trail.iter().all(|e| e.actor_name.is_some()));
    assert!(trail.last().unwrap().at < now);

    // The installed base: units at every stage of their coverage, a unit at a site away
    // from its customer's address, and tickets that name their unit.
    let units = app
        .db
        .units(&sanbao_domain::unit::UnitFilter::default(), 200, None)
        .await
        .unwrap();
    let mut stages = HashSet::new();
    for u in &units {
        let unit = app.db.unit(u.id).await.unwrap().unwrap();
        let policies = app.db.policies_of(&unit.product_line).await.unwrap();
        let c = unit.coverage_on(&policies, sanbao_domain::time::local_date(now));
        stages.insert(serde_json::to_value(&c).unwrap()["basis"].to_string());
        stages.insert(c.coverage.as_str().to_string());
    }
    for want in [
        "warranty",
        "free_repair",
        "paid",
        "\"accepted_not_commissioned\"",
        "\"in_delivery\"",
        "\"no_dates\"",
    ] {
        assert!(stages.contains(want), "no demo unit is {want}: {stages:?}");
    }
    assert!(
        units
            .iter()
            .any(|u| u.site_address.contains("宁波") && u.customer_name.contains("万联"))
    );
    let named = rows
        .iter()
        .filter(|t| t.summary.contains("局放"))
        .map(|t| t.id)
        .next()
        .unwrap();
    let t = app.db.ticket(named).await.unwrap().unwrap();
    assert!(t.unit_id.is_some() && t.coverage.is_some());
    // Deliveries at every step (R3.2), the open ones on the board oldest first.
    let all = sanbao_server::app::deliveries::deliveries(&app.state, &manager, None, false)
        .await
        .unwrap();
    for s in sanbao_domain::delivery::DeliveryStatus::ALL {
        assert!(all.iter().any(|d| d.status == s), "no delivery {s:?}");
    }
    let board = sanbao_server::app::deliveries::deliveries(&app.state, &manager, None, true)
        .await
        .unwrap();
    assert!(board.iter().all(|d| d.is_open()));
    assert!(board.windows(2).all(|w| w[0].shipped_on <= w[1].shipped_on));
    // The month's quality review under way: items classified and acted upon, two still to
    // do, so the review cannot close yet and the report's Pareto has causes.
    let month = sanbao_domain::time::Month::of(app.state.now());
    let items = app
        .db
        .quality_items_between(month.previous(), month)
        .await
        .unwrap();
    assert!(items.len() > 2, "{}", items.len());
    let classified = items.iter().filter(|i| i.responsibility.is_some()).count();
    assert_eq!(classified, items.len() - 2);
    let actions = app.db.quality_actions_for_review(month).await.unwrap();
    assert_eq!(actions.len(), classified);
    assert!(!sanbao_domain::quality::blockers(&items, &actions).is_empty());
}

#[tokio::test]
async fn demo_loads_once_only_and_its_accounts_sign_in() {
    let app = TestApp::new().await;
    demo::load_if_empty(&app.state).await.unwrap();
    let (customers, tickets) = (customer_count(&app).await, all_tickets(&app).await.len());
    assert!(customers > 0 && tickets > 0);

    assert!(demo::load(&app.state, Utc::now()).await.unwrap().is_none());
    demo::load_if_empty(&app.state).await.unwrap();
    assert_eq!(customer_count(&app).await, customers);
    assert_eq!(all_tickets(&app).await.len(), tickets);

    let r = app
        .call(
            "POST",
            "/api/v1/sessions",
            None,
            Some(serde_json::json!({"username": "wang.li", "password": demo::DEMO_PASSWORD})),
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::CREATED, "{}", r.text);
}

#[tokio::test]
async fn bench_seed_fills_an_empty_database_with_tickets_and_their_deadlines() {
    let app = TestApp::new().await;
    let admin = app.user("admin", "admin").await;
    let done = demo::bench_seed(&app.state, &admin, 30, 200, 3)
        .await
        .unwrap();
    assert_eq!((done.customers, done.tickets), (30, 200));
    let rows = app
        .db
        .tickets(&TicketFilter::default(), 200, None)
        .await
        .unwrap();
    assert_eq!(rows.len(), 200);
    // Half the kinds carry a deadline; the audit record is written with each ticket.
    let with_deadline = rows.iter().filter(|t| t.next_due_at.is_some()).count();
    assert_eq!(with_deadline, 100);
    let trail = app.db.audit_trail("ticket", rows[0].id.0).await.unwrap();
    assert_eq!(trail.len(), 1);

    // Only on an empty database.
    assert!(demo::bench_seed(&app.state, &admin, 1, 1, 1).await.is_err());
}

/// The embedded demo file, as the loader reads it.
const DEMO_FILE: &str = include_str!("../../demo/demo.toml");

/// `DEMO_FILE` with the first `from` replaced by `to`.
fn demo_file_with(from: &str, to: &str) -> String {
    assert!(DEMO_FILE.contains(from), "{from}");
    DEMO_FILE.replacen(from, to, 1)
}

#[tokio::test]
async fn a_mistake_in_the_demo_data_is_named_and_nothing_is_written() {
    let app = TestApp::new().await;
    let now = Utc::now();
    let refused = |source: String| {
        let state = app.state.clone();
        async move {
            demo::load_from(&state, &source, now)
                .await
                .expect_err("refused")
                .to_string()
        }
    };

    // A step by someone who is not on the staff: the ticket, its step and the name.
    let e = refused(demo_file_with(
        r#"{ after = "6m", by = "wang.li", note = "已电话告知值班员"#,
        r#"{ after = "6m", by = "wang.lee", note = "已电话告知值班员"#,
    ))
    .await;
    assert!(
        e.starts_with(
            "internal error: demo data: ticket 1 (\"10kV Ⅱ段进线柜断路器跳闸，Ⅱ段母线失电"
        ) && e.contains("), step 2: by: unknown user \"wang.lee\""),
        "{e}"
    );

    // An unknown kind.
    let e = refused(demo_file_with(r#"kind = "repair""#, r#"kind = "repairs""#)).await;
    assert!(
        e.contains("ticket 10 (\"综保装置通讯中断，后台无法读取")
            && e.contains("): unknown kind \"repairs\"; one of consultation,"),
        "{e}"
    );

    // A technician sent who does not exist, a customer key that is not there, a salesperson
    // who does not exist.
    let e = refused(demo_file_with(
        r#"dispatch = "zhang.wei""#,
        r#"dispatch = "zhang.wie""#,
    ))
    .await;
    assert!(
        e.contains("ticket 1 ") && e.contains("step 1: dispatch: unknown user \"zhang.wie\""),
        "{e}"
    );
    let e = refused(demo_file_with(
        r#"customer = "zhijiang-substation""#,
        r#"customer = "zhijiang""#,
    ))
    .await;
    // The first record naming it is now the customer's oldest unit.
    assert!(
        e.contains("unit 1 (\"2011-0345\")") && e.contains("unknown customer \"zhijiang\""),
        "{e}"
    );
    let e = refused(demo_file_with(
        r#"salesperson = "xu.jing""#,
        r#"salesperson = "xu""#,
    ))
    .await;
    assert!(
        e.contains("customer 3 (\"chengbei-hospital\"): salesperson: unknown user \"xu\""),
        "{e}"
    );

    // A field the format does not have, and a moment that is not one: TOML names the line.
    let e = refused(demo_file_with("summary = ", "sumary = ")).await;
    assert!(e.contains("line ") && e.contains("sumary"), "{e}");
    let e = refused(demo_file_with(
        r#"received = "-25m""#,
        r#"received = "25m""#,
    ))
    .await;
    assert!(
        e.contains("ticket 1 ") && e.contains("received: \"25m\" is not a moment"),
        "{e}"
    );

    // Nothing was written: no customers, no demo accounts.
    assert_eq!(customer_count(&app).await, 0);
    assert!(app.db.user_for_login("wang.li").await.unwrap().is_none());
    // The file as it is loads.
    assert!(demo::load(&app.state, now).await.unwrap().is_some());
}
