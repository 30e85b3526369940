//! The salesperson's monthly follow-ups (R3.1) and the month-end collation through the API,
//! on both databases: bad input named and nothing written; a salesperson refused for
//! another salesperson's customer; one key, one follow-up; a quality remark made a ticket
//! once; reminders once; a month closed once; a late visit marked late.

use crate::support::{PASSWORD, TestApp, on_both_backends};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, Utc};
use sanbao_domain::UserId;
use sanbao_server::app::{followups, outbox};
use serde_json::{Value, json};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

struct World {
    clerk: String,
    sales: String,
    sales_id: i64,
    other: String,
    mine: Value,
    theirs: Value,
}

async fn world(app: &TestApp) -> World {
    app.clock.set(at("2026-02-10T10:00:00+08:00"));
    let clerk = app.token("fu_clerk", "service_clerk").await;
    let sales = app.token("fu_sales", "salesperson").await;
    let other = app.token("fu_other", "salesperson").await;
    let me = app
        .call("GET", "/api/v1/me", Some(&sales), None)
        .await
        .json();
    let them = app
        .call("GET", "/api/v1/me", Some(&other), None)
        .await
        .json();
    let mut made = Vec::new();
    for (name, sp) in [("钱江电力", &me), ("宁波港务", &them)] {
        let r = app
            .call(
                "POST",
                "/api/v1/customers",
                Some(&clerk),
                Some(json!({"name": name, "address": "杭州市西湖区文三路1号",
                    "salesperson_id": sp["id"],
                    "contacts": [{"name": "王工", "phone": "138 0000 0001"}]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        made.push(r.json());
    }
    let theirs = made.pop().unwrap();
    let mine = made.pop().unwrap();
    World {
        clerk,
        sales,
        sales_id: me["id"].as_i64().unwrap(),
        other,
        mine,
        theirs,
    }
}

async fn sign_in(app: &TestApp, username: &str) -> String {
    let r = app
        .call(
            "POST",
            "/api/v1/sessions",
            None,
            Some(json!({"username": username, "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["token"].as_str().unwrap().to_string()
}

impl World {
    /// Sign in again after the clock moved (sessions run out).
    async fn again(&mut self, app: &TestApp) {
        self.clerk = sign_in(app, "fu_clerk").await;
        self.sales = sign_in(app, "fu_sales").await;
        self.other = sign_in(app, "fu_other").await;
    }
}

async fn post(app: &TestApp, token: &str, key: Option<&str>, b: Value) -> crate::support::Response {
    let mut req = Request::builder()
        .method("POST")
        .uri("/api/v1/follow-ups")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    app.send(req.body(Body::from(b.to_string())).unwrap()).await
}

fn named(r: &crate::support::Response, field: &str) -> bool {
    r.status == StatusCode::UNPROCESSABLE_ENTITY && r.json()["error"]["fields"][field].is_string()
}

async fn count(app: &TestApp, token: &str) -> usize {
    let r = app
        .call("GET", "/api/v1/follow-ups?month=2026-03", Some(token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["items"].as_array().unwrap().len()
}

async fn recording_scenario(app: &TestApp) {
    let mut w = world(app).await;
    app.clock.set(at("2026-03-20T10:00:00+08:00"));
    w.again(app).await;
    // Bad input: every field named, nothing written.
    let r = post(
        app,
        &w.sales,
        None,
        json!({"customer_id": w.mine["id"], "method": "fax", "date": "2026-03-21",
               "remarks": "2号柜有异响"}),
    )
    .await;
    for f in ["method", "date", "remark_class"] {
        assert!(named(&r, f), "{f}: {}", r.text);
    }
    let r = post(
        app,
        &w.sales,
        None,
        json!({"customer_id": 999_999, "method": "visit", "usage": "ok"}),
    )
    .await;
    assert!(named(&r, "customer_id"), "{}", r.text);
    assert_eq!(count(app, &w.clerk).await, 0);

    // Another salesperson's customer is refused.
    let r = post(
        app,
        &w.other,
        None,
        json!({"customer_id": w.mine["id"], "method": "visit", "usage": "运行正常"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    // The phone sends the same follow-up twice with one key: one follow-up.
    let b = json!({"customer_id": w.mine["id"], "method": "visit", "met": "王工",
        "usage": "两台变压器负载60%", "remarks": "2号柜有异响", "remark_class": "quality",
        "requests": "希望安排一次培训"});
    let first = post(app, &w.sales, Some("fu-key-1"), b.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let again = post(app, &w.sales, Some("fu-key-1"), b).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert_eq!(again.json()["id"], first.json()["id"]);
    assert_eq!(count(app, &w.clerk).await, 1);
    let f = first.json();
    assert_eq!(f["date"], "2026-03-20");
    assert_eq!(f["late"], false);
    // The other salesperson does not see it.
    assert_eq!(count(app, &w.other).await, 0);

    // The remark becomes a ticket in one step, once.
    let path = format!("/api/v1/follow-ups/{}/ticket", f["id"]);
    let r = app.call("POST", &path, Some(&w.other), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = app.call("POST", &path, Some(&w.sales), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let made = r.json();
    assert_eq!(made["follow_up"]["ticket_id"], made["ticket_id"]);
    let t = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{}", made["ticket_id"]),
            Some(&w.clerk),
            None,
        )
        .await
        .json();
    assert_eq!(t["kind"], "complaint_quality");
    assert_eq!(t["summary"], "2号柜有异响");
    assert_eq!(t["customer_id"], w.mine["id"]);
    let r = app.call("POST", &path, Some(&w.sales), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // The salesperson's month: their customer done; the other's not theirs to see.
    let r = app
        .call(
            "GET",
            "/api/v1/follow-ups/due?month=2026-03",
            Some(&w.sales),
            None,
        )
        .await;
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{}", r.text);
    assert_eq!(items[0]["state"], "done");
    let _ = &w.theirs;
}

on_both_backends!(
    r3_1_a_salesperson_records_for_their_own_customer_once_per_key_and_makes_a_ticket,
    r3_1_a_salesperson_records_for_their_own_customer_once_per_key_and_makes_a_ticket_on_postgres,
    recording_scenario
);

async fn inbox(app: &TestApp, user: UserId) -> Vec<String> {
    sanbao_server::jobs::drain_outbox(&app.state, "test")
        .await
        .unwrap();
    outbox::inbox(&app.state, user, 500)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.subject)
        .collect()
}

async fn collation_scenario(app: &TestApp) {
    let mut w = world(app).await;
    // Before the 25th nobody is reminded; from the 25th once per salesperson and month.
    app.clock.set(at("2026-03-24T23:00:00+08:00"));
    w.again(app).await;
    assert_eq!(
        followups::sweep(&app.state, app.state.now()).await.unwrap(),
        0
    );
    app.clock.set(at("2026-03-25T09:00:00+08:00"));
    w.again(app).await;
    assert_eq!(
        followups::sweep(&app.state, app.state.now()).await.unwrap(),
        2
    );
    assert_eq!(
        followups::sweep(&app.state, app.state.now()).await.unwrap(),
        0
    );
    let told = inbox(app, UserId(w.sales_id)).await;
    assert_eq!(told.len(), 1, "{told:?}");

    let r = post(
        app,
        &w.other,
        None,
        json!({"customer_id": w.theirs["id"], "method": "phone", "usage": "运行正常",
               "requests": "报价"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // The month cannot be closed before it ends; a salesperson may not close it.
    let close = "/api/v1/collations/2026-03/close";
    let r = app.call("POST", close, Some(&w.clerk), None).await;
    assert!(named(&r, "month"), "{}", r.text);
    app.clock.set(at("2026-04-02T09:00:00+08:00"));
    w.again(app).await;
    let r = app.call("POST", close, Some(&w.sales), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .call("GET", "/api/v1/collations/2026-3", Some(&w.clerk), None)
        .await;
    assert!(named(&r, "month"), "{}", r.text);

    // The collation: one salesperson covered, the other overdue; the open request listed.
    let r = app
        .call("GET", "/api/v1/collations/2026-03", Some(&w.clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let c = r.json();
    assert_eq!(c["missing"].as_array().unwrap().len(), 1, "{c}");
    assert_eq!(c["missing"][0]["state"], "overdue");
    assert_eq!(c["missing"][0]["customer_id"], w.mine["id"]);
    assert_eq!(c["open_requests"].as_array().unwrap().len(), 1);
    let percents: Vec<i64> = c["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["percent"].as_i64().unwrap())
        .collect();
    assert_eq!(percents.iter().sum::<i64>(), 100, "{c}");
    assert!(c["closed"].is_null());

    // Closed once; the second time refused.
    let r = app.call("POST", close, Some(&w.clerk), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["owed"], 2);
    assert_eq!(r.json()["done"], 1);
    let r = app.call("POST", close, Some(&w.clerk), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // A visit of March recorded after the closing is late; one of April is not.
    let r = post(
        app,
        &w.sales,
        None,
        json!({"customer_id": w.mine["id"], "method": "visit", "date": "2026-03-31",
               "usage": "运行正常"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["late"], true);
    let r = post(
        app,
        &w.sales,
        None,
        json!({"customer_id": w.mine["id"], "method": "visit", "usage": "运行正常"}),
    )
    .await;
    assert_eq!(r.json()["late"], false, "{}", r.text);
    let c = app
        .call("GET", "/api/v1/collations/2026-03", Some(&w.clerk), None)
        .await
        .json();
    assert!(c["missing"].as_array().unwrap().is_empty(), "{c}");
    assert!(c["closed"]["closed_by_name"].is_string());
}

on_both_backends!(
    r3_1_the_month_is_collated_closed_once_reminded_once_and_late_visits_marked,
    r3_1_the_month_is_collated_closed_once_reminded_once_and_late_visits_marked_on_postgres,
    collation_scenario
);
