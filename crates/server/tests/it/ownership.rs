//! Permissions on the record, not only the role (issue 12, item 3): a salesperson edits
//! only the customers they follow, with their sites and units, and never makes a customer
//! theirs or hands it on; the service manager assigns customers.

use crate::support::{TestApp, on_both_backends};
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn me(app: &TestApp, token: &str) -> i64 {
    app.call("GET", "/api/v1/me", Some(token), None)
        .await
        .json()["id"]
        .as_i64()
        .unwrap()
}

fn body(name: &str, salesperson: Option<i64>, version: Option<i64>) -> Value {
    let mut b = json!({"name": name, "address": "浙江省杭州市西湖区文三路90号",
                       "contacts": [{"name": "王工", "phone": "0571-8888 6666"}]});
    if let Some(s) = salesperson {
        b["salesperson_id"] = json!(s);
    }
    if let Some(v) = version {
        b["version"] = json!(v);
    }
    b
}

async fn create(app: &TestApp, token: &str, b: Value) -> crate::support::Response {
    app.call("POST", "/api/v1/customers", Some(token), Some(b))
        .await
}

async fn put(app: &TestApp, token: &str, id: i64, b: Value) -> crate::support::Response {
    app.call(
        "PUT",
        &format!("/api/v1/customers/{id}"),
        Some(token),
        Some(b),
    )
    .await
}

on_both_backends!(
    r1_4_a_salesperson_edits_only_their_own_customers,
    r1_4_a_salesperson_edits_only_their_own_customers_on_postgres,
    own_customers_on
);

async fn own_customers_on(app: &TestApp) {
    let manager = app.token("boss", "service_manager").await;
    let sales = app.token("zhao", "salesperson").await;
    let other = app.token("qian", "salesperson").await;
    let (sales_id, other_id) = (me(app, &sales).await, me(app, &other).await);
    // A salesperson records a customer as theirs, or as no one's; never as someone else's.
    let r = create(app, &sales, body("赵的客户", Some(sales_id), None)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let mine = r.json()["id"].as_i64().unwrap();
    let r = create(app, &sales, body("给别人", Some(other_id), None)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.json()["error"]["fields"]["salesperson_id"].is_string());
    let r = create(app, &manager, body("钱的客户", Some(other_id), None)).await;
    let theirs = r.json()["id"].as_i64().unwrap();
    let r = create(app, &manager, body("无人跟进", None, None)).await;
    let nobodys = r.json()["id"].as_i64().unwrap();

    // Their own: saved.
    let r = put(
        app,
        &sales,
        mine,
        body("赵的客户（新名）", Some(sales_id), Some(1)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Someone else's, or no one's: refused, and nothing changes.
    for id in [theirs, nobodys] {
        let r = put(app, &sales, id, body("抢来的", Some(sales_id), Some(1))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        let c = app
            .call(
                "GET",
                &format!("/api/v1/customers/{id}"),
                Some(&manager),
                None,
            )
            .await;
        assert_eq!(c.json()["version"], 1);
    }
    // Handing their own to someone else, or dropping it: only the manager does that.
    let r = put(
        app,
        &sales,
        mine,
        body("赵的客户（新名）", Some(other_id), Some(2)),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.json()["error"]["fields"]["salesperson_id"].is_string());
    // The manager reassigns.
    let r = put(
        app,
        &manager,
        nobodys,
        body("无人跟进", Some(sales_id), Some(1)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = put(
        app,
        &sales,
        nobodys,
        body("现在是赵的", Some(sales_id), Some(2)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // Sites and units of someone else's customer are not theirs to change either.
    let site = json!({"address": "浙江省宁波市北仑区新碶街道1号", "name": "二厂"});
    let r = app
        .call(
            "POST",
            &format!("/api/v1/customers/{theirs}/sites"),
            Some(&sales),
            Some(site.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/customers/{mine}/sites"),
            Some(&sales),
            Some(site),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .call(
            "POST",
            "/api/v1/product-models",
            Some(&manager),
            Some(json!({"code": "KYN28A-12", "name": "铠装移开式开关柜", "product_line": "switchgear"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let unit = |customer: i64, serial: &str| json!({"customer_id": customer, "model_code": "KYN28A-12", "serial_no": serial, "shipped_on": "2025-01-10"});
    let r = app
        .call(
            "POST",
            "/api/v1/units",
            Some(&sales),
            Some(unit(theirs, "S-1")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .call(
            "POST",
            "/api/v1/units",
            Some(&sales),
            Some(unit(mine, "S-2")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .call(
            "POST",
            "/api/v1/units",
            Some(&manager),
            Some(unit(theirs, "S-3")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let their_unit = r.json()["id"].as_i64().unwrap();
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/units/{their_unit}"),
            Some(&sales),
            Some(json!({"version": 1, "commissioned_on": "2025-02-01"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
}

async fn event(app: &TestApp, token: &str, t: &Value, mut body: Value) -> crate::support::Response {
    body["version"] = t["version"].clone();
    app.call(
        "POST",
        &format!("/api/v1/tickets/{}/events", t["id"]),
        Some(token),
        Some(body),
    )
    .await
}

on_both_backends!(
    r3_4_a_technician_reports_arrival_only_on_their_own_dispatched_ticket,
    r3_4_a_technician_reports_arrival_only_on_their_own_dispatched_ticket_on_postgres,
    own_arrival_on
);

async fn own_arrival_on(app: &TestApp) {
    let clerk = app.token("clerk", "service_clerk").await;
    let li = app.token("li", "technician").await;
    let wu = app.token("wu", "technician").await;
    let li_id = me(app, &li).await;
    let c = app
        .api_customer(&clerk, "余杭配电", "浙江省杭州市余杭区仓前街道1号")
        .await;
    let t = app
        .api_ticket(&clerk, &c, "emergency", "10kV 进线柜跳闸")
        .await;
    let dispatched = app.state.now();
    let r = event(
        app,
        &clerk,
        &t,
        json!({"type": "dispatch", "technician_id": li_id}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let t = r.json();
    let rfc = |d: chrono::DateTime<chrono::Utc>| d.to_rfc3339();
    // Not Wu's job: refused, nothing changes.
    let r = event(app, &wu, &t, json!({"type": "check_in"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // Two hours on, Li reports he arrived 100 minutes ago.
    app.clock.advance(chrono::Duration::hours(2));
    let before = rfc(dispatched - chrono::Duration::minutes(10));
    let r = event(
        app,
        &li,
        &t,
        json!({"type": "check_in", "at": before, "reason": "补报"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.json()["error"]["fields"]["at"].is_string(), "{}", r.text);
    let arrived = rfc(dispatched + chrono::Duration::minutes(20));
    let r = event(app, &li, &t, json!({"type": "check_in", "at": arrived})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.json()["error"]["fields"]["reason"].is_string(),
        "{}",
        r.text
    );
    let r = event(
        app,
        &li,
        &t,
        json!({"type": "check_in", "at": arrived, "reason": "山区无信号，下山后补报"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "on_site");
    // The reason is shown with the step on the ticket's history.
    let events = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{}/events", t["id"]),
            Some(&clerk),
            None,
        )
        .await;
    assert!(
        events.text.contains("山区无信号，下山后补报"),
        "{}",
        events.text
    );
}
