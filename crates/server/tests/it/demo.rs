//! The demo data set (`serve --demo`) and the load-test seeding (`bench-seed`).

use crate::support::TestApp;
use chrono::Utc;
use sanbao_domain::ticket::{DeadlineState, TicketKind, TicketStatus};
use sanbao_domain::{Region, TicketId};
use sanbao_server::demo;
use sanbao_store::{CustomerFilter, TicketFilter};
use std::collections::HashSet;

async fn customer_count(app: &TestApp) -> usize {
    app.state
        .db
        .customers(&CustomerFilter::default(), 200, None)
        .await
        .unwrap()
        .len()
}

async fn all_tickets(app: &TestApp) -> Vec<sanbao_store::TicketRow> {
    app.state
        .db
        .tickets(&TicketFilter::default(), 200, None)
        .await
        .unwrap()
}

#[tokio::test]
async fn demo_loads_on_an_empty_database_with_every_region_kind_and_status() {
    let app = TestApp::new().await;
    let now = Utc::now();
    let said = demo::load(&app.state, now).await.unwrap().expect("loaded");
    assert!(
        said.contains(demo::DEMO_PASSWORD) && said.contains("chen.jianguo"),
        "{said}"
    );

    let customers = app
        .state
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

    let rows = all_tickets(&app).await;
    assert!((50..=80).contains(&rows.len()), "{}", rows.len());
    for k in TicketKind::ALL {
        assert!(rows.iter().any(|t| t.kind == k.as_str()), "no {k} ticket");
    }
    for s in TicketStatus::ALL {
        assert!(rows.iter().any(|t| t.status == s.as_str()), "no {s} ticket");
    }
    let ten_days_ago = (now - chrono::Duration::days(11)).timestamp_millis();
    assert!(
        rows.iter()
            .all(|t| t.received_at >= ten_days_ago && t.received_at <= now.timestamp_millis())
    );

    // Every state a deadline can be in, as the desk sees it now.
    let mut states = Vec::new();
    for r in &rows {
        let t = app.state.db.ticket(TicketId(r.id)).await.unwrap().unwrap();
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
    ] {
        assert!(states.contains(&s), "no deadline {s:?}: {states:?}");
    }

    // The service desk shows breached and due-soon work.
    let manager = app
        .state
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
    let closed = rows.iter().find(|t| t.status == "closed").unwrap();
    let trail = app.state.db.audit_trail("ticket", closed.id).await.unwrap();
    assert!(trail.len() >= 3, "{trail:?}");
    assert!(trail.windows(2).all(|w| w[0].at <= w[1].at));
    assert!(trail.iter().all(|e| e.actor_name.is_some()));
    assert!(trail.last().unwrap().at < now);
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
        .state
        .db
        .tickets(&TicketFilter::default(), 200, None)
        .await
        .unwrap();
    assert_eq!(rows.len(), 200);
    // Half the kinds carry a deadline; the audit record is written with each ticket.
    let with_deadline = rows.iter().filter(|t| t.next_due_at.is_some()).count();
    assert_eq!(with_deadline, 100);
    let trail = app
        .state
        .db
        .audit_trail("ticket", rows[0].id)
        .await
        .unwrap();
    assert_eq!(trail.len(), 1);

    // Only on an empty database.
    assert!(demo::bench_seed(&app.state, &admin, 1, 1, 1).await.is_err());
}
