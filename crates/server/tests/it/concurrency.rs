//! Two people saving the same record at once: conflicting writes fired at the served app
//! over real connections, all at the same moment. Exactly one wins; the others get 409 and
//! change nothing. On PostgreSQL (several connections writing truly at once) and SQLite.

use crate::support::{TestApp, http};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::Barrier;

const WRITERS: usize = 8;

/// Fire `bodies` at `path` at once; returns the statuses in order.
async fn at_once(
    addr: std::net::SocketAddr,
    method: &'static str,
    path: String,
    token: String,
    bodies: Vec<Value>,
) -> Vec<(u16, String)> {
    let barrier = Arc::new(Barrier::new(bodies.len()));
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|b| {
            let (barrier, path, token) = (barrier.clone(), path.clone(), token.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                http(addr, method, &path, &token, Some(&b)).await
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn tally(results: &[(u16, String)]) -> (usize, usize) {
    let won = results.iter().filter(|(s, _)| *s == 200).count();
    let refused = results.iter().filter(|(s, _)| *s == 409).count();
    assert_eq!(won + refused, results.len(), "only 200 or 409: {results:?}");
    (won, refused)
}

async fn same_customer_saved_at_once(app: &TestApp) {
    let token = app.token("clerk", "service_clerk").await;
    let r = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(&token),
            Some(json!({"name": "杭州甲", "address": "杭州市西湖区文三路1号", "contacts": [{"name": "王工", "phone": "13800000000"}]})),
        )
        .await;
    let c = r.json();
    let id = c["id"].as_i64().unwrap();
    let bodies = (0..WRITERS)
        .map(|i| {
            json!({"version": 1, "name": format!("杭州甲{i}"), "address": "杭州市西湖区文三路1号",
                   "contacts": [{"name": "王工", "phone": "13800000000"}]})
        })
        .collect();
    let addr = app.serve().await;
    let results = at_once(
        addr,
        "PUT",
        format!("/api/v1/customers/{id}"),
        token.clone(),
        bodies,
    )
    .await;
    assert_eq!(tally(&results), (1, WRITERS - 1), "{results:?}");
    let winner: Value = results
        .iter()
        .find(|(s, _)| *s == 200)
        .map(|(_, b)| serde_json::from_str(b).unwrap())
        .unwrap();
    let now = app
        .call(
            "GET",
            &format!("/api/v1/customers/{id}"),
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(
        (now["version"].as_i64(), &now["name"]),
        (Some(2), &winner["name"])
    );
    let history = app
        .call(
            "GET",
            &format!("/api/v1/customers/{id}/history"),
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(
        history.as_array().map(Vec::len),
        Some(2),
        "create + one update: {history}"
    );
}

async fn same_ticket_stepped_at_once(app: &TestApp) {
    let token = app.token("boss", "service_manager").await;
    let c = app
        .api_customer(&token, "杭州乙", "杭州市滨江区江南大道1号")
        .await;
    let t = app
        .api_ticket(&token, &c, "complaint_quality", "柜门变形")
        .await;
    let id = t["id"].as_i64().unwrap();
    let bodies = (0..WRITERS)
        .map(|i| json!({"version": 1, "type": "give_opinion", "opinion": format!("处理意见{i}")}))
        .collect();
    let addr = app.serve().await;
    let results = at_once(
        addr,
        "POST",
        format!("/api/v1/tickets/{id}/events"),
        token.clone(),
        bodies,
    )
    .await;
    assert_eq!(tally(&results), (1, WRITERS - 1), "{results:?}");
    let events = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{id}/events"),
            Some(&token),
            None,
        )
        .await
        .json();
    let opinions = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "give_opinion")
        .count();
    assert_eq!(opinions, 1, "{events}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_of_a_customer_one_wins_the_rest_get_409() {
    same_customer_saved_at_once(&TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_of_a_customer_one_wins_the_rest_get_409_on_postgres() {
    if let Some(app) = TestApp::postgres_with_pool(8).await {
        same_customer_saved_at_once(&app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_steps_on_a_ticket_one_wins_the_rest_get_409() {
    same_ticket_stepped_at_once(&TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_steps_on_a_ticket_one_wins_the_rest_get_409_on_postgres() {
    if let Some(app) = TestApp::postgres_with_pool(8).await {
        same_ticket_stepped_at_once(&app).await;
    }
}

/// Units recorded at once at the same new address of one customer: one site, not several;
/// the same unit saved at once from one version: one wins.
async fn units_at_a_new_site_and_the_same_unit_saved_at_once(app: &TestApp) {
    let manager = app.token("boss", "service_manager").await;
    let token = app.token("clerk", "service_clerk").await;
    app.call(
        "POST",
        "/api/v1/product-models",
        Some(&manager),
        Some(json!({"code": "KYN28A-12", "name": "中置式开关柜", "product_line": "switchgear"})),
    )
    .await;
    let c = app
        .api_customer(&token, "杭州总部", "浙江省杭州市西湖区文三路1号")
        .await;
    let addr = app.serve().await;
    let bodies = (0..WRITERS)
        .map(|i| {
            json!({"customer_id": c["id"], "model_code": "KYN28A-12", "serial_no": format!("C-{i}"),
                   "site_address": "浙江省宁波市北仑区明州路1号"})
        })
        .collect();
    let results = at_once(addr, "POST", "/api/v1/units".into(), token.clone(), bodies).await;
    assert!(results.iter().all(|(s, _)| *s == 201), "{results:?}");
    let sites = app
        .call(
            "GET",
            &format!("/api/v1/customers/{}/sites", c["id"]),
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(
        sites.as_array().unwrap().len(),
        2,
        "the customer's own address and one Ningbo site: {sites}"
    );
    // The same unit, its commissioning recorded by several people from version 1.
    let unit: Value = serde_json::from_str(&results[0].1).unwrap();
    let bodies = (0..WRITERS)
        .map(|i| json!({"version": 1, "commissioned_on": format!("2026-01-{:02}", i + 1)}))
        .collect();
    let results = at_once(
        addr,
        "PUT",
        format!("/api/v1/units/{}", unit["id"]),
        token.clone(),
        bodies,
    )
    .await;
    assert_eq!(tally(&results), (1, WRITERS - 1), "{results:?}");
}

#[tokio::test]
async fn concurrent_units_share_one_new_site_and_one_edit_wins() {
    units_at_a_new_site_and_the_same_unit_saved_at_once(&TestApp::new().await).await;
}

#[tokio::test]
async fn concurrent_units_share_one_new_site_and_one_edit_wins_on_postgres() {
    if let Some(app) = TestApp::postgres_with_pool(8).await {
        units_at_a_new_site_and_the_same_unit_saved_at_once(&app).await;
    }
}
