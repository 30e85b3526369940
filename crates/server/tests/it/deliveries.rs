//! Deliveries (R3.2) through the API: recorded when shipped, stepped to acceptance by the
//! customer's salesperson, the units covered from acceptance. On both databases.

use crate::support::{PASSWORD, TestApp, on_both_backends};
use axum::http::StatusCode;
use serde_json::{Value, json};

fn fields(r: &crate::support::Response) -> Vec<String> {
    let v = r.json();
    let mut f: Vec<String> = v["error"]["fields"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    f.sort();
    f
}

/// A salesperson's id and token.
async fn salesperson(app: &TestApp, name: &str) -> (i64, String) {
    let u = app.user(name, "salesperson").await;
    let r = app
        .call(
            "POST",
            "/api/v1/sessions",
            None,
            Some(json!({"username": name, "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    (u.id.0, r.json()["token"].as_str().unwrap().to_string())
}

async fn customer_of(app: &TestApp, token: &str, name: &str, salesperson: i64) -> i64 {
    let r = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(token),
            Some(json!({"name": name, "address": "浙江省杭州市西湖区文三路1号", "contacts": [], "salesperson_id": salesperson})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

fn today(app: &TestApp) -> chrono::NaiveDate {
    sanbao_domain::time::local_date(app.state.now())
}

fn delivery_body(customer: i64, shipped_on: &str) -> Value {
    json!({
        "customer_id": customer,
        "site_address": "浙江省宁波市北仑区明州路1号 2号变电所",
        "reference": "DN-2026-0042",
        "shipped_on": shipped_on,
        "lines": [
            {"model_code": "KYN28A-12", "description": "中置柜", "quantity": 2},
            {"description": "备品备件箱", "quantity": 1}
        ],
        "units": [{"model_code": "kyn28a-12", "serial_no": "sb-0001"}]
    })
}

struct World {
    manager: String,
    clerk: String,
    tech: String,
    sp: (i64, String),
    other_sp: (i64, String),
    customer: i64,
    others_customer: i64,
}

async fn world(app: &TestApp) -> World {
    let manager = app.token("manager", "service_manager").await;
    let clerk = app.token("clerk", "service_clerk").await;
    let tech = app.token("tech", "technician").await;
    let sp = salesperson(app, "zhang").await;
    let other_sp = salesperson(app, "li").await;
    let customer = customer_of(app, &clerk, "宁波港务", sp.0).await;
    let others_customer = customer_of(app, &clerk, "温州电力", other_sp.0).await;
    let r = app
        .call(
            "POST",
            "/api/v1/product-models",
            Some(&manager),
            Some(
                json!({"code": "KYN28A-12", "name": "中置式开关柜", "product_line": "中压开关柜"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    World {
        manager,
        clerk,
        tech,
        sp,
        other_sp,
        customer,
        others_customer,
    }
}

async fn step(app: &TestApp, token: &str, id: i64, body: Value) -> crate::support::Response {
    app.call(
        "POST",
        &format!("/api/v1/deliveries/{id}/events"),
        Some(token),
        Some(body),
    )
    .await
}

on_both_backends!(
    r3_2_a_salesperson_records_a_delivery_through_to_acceptance,
    r3_2_a_salesperson_records_a_delivery_through_to_acceptance_on_postgres,
    r3_2_a_salesperson_records_a_delivery_through_to_acceptance_on
);

async fn r3_2_a_salesperson_records_a_delivery_through_to_acceptance_on(app: &TestApp) {
    let w = world(app).await;
    let sp = &w.sp.1;
    let shipped = (today(app) - chrono::Duration::days(3)).to_string();
    let r = app
        .call(
            "POST",
            "/api/v1/deliveries",
            Some(sp),
            Some(delivery_body(w.customer, &shipped)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let d = r.json();
    let id = d["id"].as_i64().unwrap();
    assert_eq!(d["status"], "shipped");
    assert_eq!(d["next_step"], "arrive");
    assert_eq!(d["salesperson_id"], w.sp.0);
    assert_eq!(d["lines"].as_array().unwrap().len(), 2);
    assert_eq!(d["units"][0]["serial_no"], "SB-0001");
    assert_eq!(d["units"][0]["shipped_on"], shipped.as_str());
    assert_eq!(d["units"][0]["accepted_on"], Value::Null);
    assert!(d["waited_minutes"].as_i64().unwrap() >= 3 * 24 * 60);
    let unit_id = d["units"][0]["id"].as_i64().unwrap();
    // The site at the address was added to the customer, and the unit is there.
    let u = app
        .call("GET", &format!("/api/v1/units/{unit_id}"), Some(sp), None)
        .await
        .json();
    assert_eq!(u["site_id"], d["site_id"]);
    assert_eq!(u["delivery_id"], id);
    assert_eq!(u["coverage"]["basis"], "in_delivery");

    // On the board, for them and for the department.
    let board = app
        .call("GET", "/api/v1/deliveries", Some(sp), None)
        .await
        .json();
    assert_eq!(board.as_array().unwrap().len(), 1);
    let all = app
        .call(
            "GET",
            &format!("/api/v1/deliveries?salesperson_id={}", w.sp.0),
            Some(&w.clerk),
            None,
        )
        .await
        .json();
    assert_eq!(all.as_array().unwrap().len(), 1);

    let r = step(app, sp, id, json!({"type": "arrive", "version": 1})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "arrived");
    assert!(r.json()["arrived_at"].is_string());
    let r = step(
        app,
        sp,
        id,
        json!({"type": "count", "version": 2, "lines": [
            {"received": 1, "damaged": 0, "note": "少一台"},
            {"received": 1, "damaged": 1}
        ]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let c = r.json();
    assert_eq!(c["status"], "counted");
    assert_eq!(c["lines"][0]["shortage"], 1);
    assert_eq!(c["lines"][0]["note"], "少一台");
    assert_eq!(c["lines"][1]["damaged"], 1);
    let r = step(
        app,
        sp,
        id,
        json!({"type": "accept", "version": 3, "confirmed_by": "李工"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let a = r.json();
    assert_eq!(a["status"], "accepted");
    assert_eq!(a["accepted_by"], "李工");
    assert_eq!(a["next_step"], Value::Null);
    let on = today(app).to_string();
    assert_eq!(a["accepted_on"], on.as_str());
    assert_eq!(a["units"][0]["accepted_on"], on.as_str());
    // Covered from acceptance (R2 decision).
    let u = app
        .call("GET", &format!("/api/v1/units/{unit_id}"), Some(sp), None)
        .await
        .json();
    assert_eq!(u["accepted_on"], on.as_str());
    assert_eq!(u["coverage"]["basis"], "accepted_not_commissioned");
    // Off the board; still listed with all=true.
    let board = app
        .call("GET", "/api/v1/deliveries", Some(sp), None)
        .await
        .json();
    assert!(board.as_array().unwrap().is_empty());
    let all = app
        .call("GET", "/api/v1/deliveries?all=true", Some(sp), None)
        .await
        .json();
    assert_eq!(all.as_array().unwrap().len(), 1);
    // Every step audited.
    let trail = app.db.audit_trail("delivery", id).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "arrive", "count", "accept"]);
}

on_both_backends!(
    r3_2_deliveries_refuse_bad_input_roles_strangers_stale_versions_and_repeated_steps,
    r3_2_deliveries_refuse_bad_input_roles_strangers_stale_versions_and_repeated_steps_on_postgres,
    r3_2_deliveries_refuse_bad_input_roles_strangers_stale_versions_and_repeated_steps_on
);

async fn r3_2_deliveries_refuse_bad_input_roles_strangers_stale_versions_and_repeated_steps_on(
    app: &TestApp,
) {
    let w = world(app).await;
    let sp = &w.sp.1;
    let shipped = today(app).to_string();

    // Bad input: each field named, nothing written.
    let mut bad = delivery_body(w.customer, "2099-01-01");
    bad["reference"] = json!(" ");
    bad["lines"][1] = json!({"quantity": 0});
    bad["units"][0]["serial_no"] = json!("序列号");
    let r = app
        .call("POST", "/api/v1/deliveries", Some(sp), Some(bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(
        fields(&r),
        [
            "lines[1].description",
            "lines[1].quantity",
            "reference",
            "shipped_on",
            "units[0].serial_no"
        ]
    );
    // An unknown model among the units is named by its row.
    let mut bad = delivery_body(w.customer, &shipped);
    bad["units"][0]["model_code"] = json!("NO-SUCH");
    let r = app
        .call("POST", "/api/v1/deliveries", Some(sp), Some(bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r), ["units[0].model_code"]);
    let all = app
        .call("GET", "/api/v1/deliveries?all=true", Some(&w.manager), None)
        .await
        .json();
    assert!(all.as_array().unwrap().is_empty(), "nothing written");

    // A technician does not track deliveries.
    let r = app
        .call(
            "POST",
            "/api/v1/deliveries",
            Some(&w.tech),
            Some(delivery_body(w.customer, &shipped)),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .call("GET", "/api/v1/deliveries", Some(&w.tech), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A salesperson does not record deliveries of another salesperson's customer…
    let r = app
        .call(
            "POST",
            "/api/v1/deliveries",
            Some(sp),
            Some(delivery_body(w.others_customer, &shipped)),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // …nor sees or steps one the department recorded for them.
    let r = app
        .call(
            "POST",
            "/api/v1/deliveries",
            Some(&w.clerk),
            Some(delivery_body(w.others_customer, &shipped)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let theirs = r.json()["id"].as_i64().unwrap();
    let r = app
        .call(
            "GET",
            &format!("/api/v1/deliveries/{theirs}"),
            Some(sp),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = step(app, sp, theirs, json!({"type": "arrive", "version": 1})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let board = app
        .call("GET", "/api/v1/deliveries", Some(sp), None)
        .await
        .json();
    assert!(board.as_array().unwrap().is_empty());
    // The other salesperson sees it.
    let board = app
        .call("GET", "/api/v1/deliveries", Some(&w.other_sp.1), None)
        .await
        .json();
    assert_eq!(board.as_array().unwrap().len(), 1);

    // Stale version, the same step twice, a step skipped, a bad count.
    let r = step(
        app,
        &w.other_sp.1,
        theirs,
        json!({"type": "arrive", "version": 7}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = step(
        app,
        &w.other_sp.1,
        theirs,
        json!({"type": "accept", "version": 1, "confirmed_by": "王"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = step(
        app,
        &w.other_sp.1,
        theirs,
        json!({"type": "arrive", "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = step(
        app,
        &w.other_sp.1,
        theirs,
        json!({"type": "arrive", "version": 2}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = step(
        app,
        &w.other_sp.1,
        theirs,
        json!({"type": "arrive", "version": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = step(
        app,
        &w.other_sp.1,
        theirs,
        json!({"type": "count", "version": 2, "lines": [{"received": 2}, {"received": 1, "damaged": 3}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r), ["lines[1].damaged"]);
    let r = step(
        app,
        &w.other_sp.1,
        theirs,
        json!({"type": "ship", "version": 2}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r), ["type"]);
    let r = app
        .call(
            "GET",
            &format!("/api/v1/deliveries/{theirs}"),
            Some(&w.manager),
            None,
        )
        .await;
    assert_eq!(r.json()["status"], "arrived");
    assert_eq!(r.json()["version"], 2);
    let r = app
        .call("GET", "/api/v1/deliveries/999999", Some(&w.manager), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
