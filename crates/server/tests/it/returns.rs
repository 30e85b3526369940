//! Returns through the API (R2.2, R2.5): requests on units, eligibility from the unit's
//! coverage on the request date, the service manager's decision, the losses borne.

use crate::support::{TestApp, on_both_backends};
use axum::http::StatusCode;
use chrono::{Days, Months, NaiveDate};
use serde_json::{Value, json};

/// Today in the company's calendar, as the app sees it.
fn today(app: &TestApp) -> NaiveDate {
    sanbao_domain::time::local_date(app.state.now())
}

/// A model and a unit of `customer` commissioned on `commissioned`, through the API.
async fn unit(
    app: &TestApp,
    admin: &str,
    customer: &Value,
    serial: &str,
    commissioned: NaiveDate,
) -> Value {
    let r = app
        .call(
            "POST",
            "/api/v1/product-models",
            Some(admin),
            Some(json!({"code": format!("KYN-{serial}"), "name": "中置式开关柜", "product_line": "中压开关柜"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .call(
            "POST",
            "/api/v1/units",
            Some(admin),
            Some(json!({
                "customer_id": customer["id"],
                "model_code": format!("KYN-{serial}"),
                "serial_no": serial,
                "shipped_on": (commissioned - Days::new(20)).to_string(),
                "commissioned_on": commissioned.to_string(),
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

struct World {
    admin: String,
    clerk: String,
    manager: String,
    customer: Value,
    /// Commissioned a year ago: in warranty.
    young: Value,
    /// Commissioned 2 years ago to the day: warranty ended yesterday.
    old: Value,
}

async fn world(app: &TestApp) -> World {
    let admin = app.token("admin1", "admin").await;
    let clerk = app.token("clerk1", "service_clerk").await;
    let manager = app.token("manager1", "service_manager").await;
    let customer = app
        .api_customer(&clerk, "杭州电力", "杭州市西湖区文三路1号")
        .await;
    let t = today(app);
    let young = unit(app, &admin, &customer, "Y-1", t - Months::new(12)).await;
    let old = unit(app, &admin, &customer, "O-1", t - Months::new(24)).await;
    World {
        admin,
        clerk,
        manager,
        customer,
        young,
        old,
    }
}

async fn request(
    app: &TestApp,
    token: &str,
    unit: &Value,
    body: Value,
) -> crate::support::Response {
    app.call(
        "POST",
        &format!("/api/v1/units/{}/returns", unit["id"]),
        Some(token),
        Some(body),
    )
    .await
}

on_both_backends!(
    r2_returns_are_decided_by_the_rule_and_closed_with_their_losses,
    r2_returns_are_decided_by_the_rule_and_closed_with_their_losses_on_postgres,
    returns_flow
);

async fn returns_flow(app: &TestApp) {
    let w = world(app).await;
    // R2.2 within warranty: eligible.
    let r = request(
        app,
        &w.clerk,
        &w.young,
        json!({"ground": "not_meeting_requirements", "description": "容量不够"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let young = r.json();
    assert_eq!(young["status"], "requested");
    assert_eq!(young["eligible"], true);
    assert_eq!(young["rule"], "r2_2_within_warranty");
    assert_eq!(young["coverage"]["coverage"], "warranty");
    assert_eq!(young["requested_on"], today(app).to_string());

    // R2.2 the first day after the warranty: refused by the rule, named with the end date.
    let r = request(
        app,
        &w.clerk,
        &w.old,
        json!({"ground": "not_meeting_requirements", "description": "不满足要求"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let old = r.json();
    assert_eq!(old["eligible"], false);
    assert_eq!(old["rule"], "r2_2_outside_warranty");
    let ended = old["coverage"]["warranty_ends_on"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        ended,
        (today(app) - Days::new(1)).to_string(),
        "the first day after"
    );
    assert!(
        old["rule_text"].as_str().unwrap().contains(&ended),
        "{}",
        old["rule_text"]
    );

    // The same unit, asked on the last day of its warranty: eligible.
    let r = request(
        app,
        &w.clerk,
        &w.old,
        json!({"ground": "not_meeting_requirements", "description": "不满足要求", "requested_on": ended}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["rule"], "r2_2_within_warranty");

    // R2.5 a confirmed quality problem out of warranty: unconditional.
    let ticket = app
        .api_ticket(&w.clerk, &w.customer, "complaint_quality", "断路器拒合")
        .await;
    let r = request(
        app,
        &w.clerk,
        &w.old,
        json!({"ground": "quality_problem", "description": "断路器拒合",
               "confirmation": "质检部检验报告 QC-118", "ticket_id": ticket["id"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let quality = r.json();
    assert_eq!(
        (quality["eligible"].clone(), quality["rule"].clone()),
        (json!(true), json!("r2_5_confirmed_quality_problem"))
    );
    assert_eq!(quality["ticket_number"], ticket["number"]);

    // The manager's queue: awaiting decision, oldest first.
    let r = app
        .call(
            "GET",
            "/api/v1/returns?status=requested",
            Some(&w.manager),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let ids: Vec<i64> = r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 4);
    assert!(ids.windows(2).all(|p| p[0] < p[1]), "{ids:?}");

    // Approving the ineligible one is refused, naming the rule; nothing changes.
    let decide = |id: &Value, version: &Value, approve: bool, reason: &str| {
        (
            format!("/api/v1/returns/{id}/decision"),
            json!({"version": version, "approve": approve, "reason": reason}),
        )
    };
    let (uri, body) = decide(&old["id"], &old["version"], true, "客户坚持");
    let r = app.call("POST", &uri, Some(&w.manager), Some(body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.json()["error"]["fields"]["approve"]
            .as_str()
            .unwrap()
            .contains("r2_2_outside_warranty"),
        "{}",
        r.text
    );
    // A clerk may not decide.
    let (uri, body) = decide(&old["id"], &old["version"], false, "过保");
    let r = app
        .call("POST", &uri, Some(&w.clerk), Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // The manager refuses it, with a reason.
    let r = app
        .call("POST", &uri, Some(&w.manager), Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let refused = r.json();
    assert_eq!(refused["status"], "refused");
    assert_eq!(refused["decision_reason"], "过保");
    assert_eq!(refused["decided_by_name"], "manager1-name");
    // The same decision on the version read before: stale.
    let r = app.call("POST", &uri, Some(&w.manager), Some(body)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // Approve the quality one, then record its losses: the company bears them (R2.5).
    let (uri, body) = decide(&quality["id"], &quality["version"], true, "质量问题已确认");
    let r = app.call("POST", &uri, Some(&w.manager), Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let approved = r.json();
    assert_eq!(approved["status"], "approved");
    // ---- quality ----
    // The approved return became a quality item in the same step, once (R7.1); the
    // refused one did not.
    let month = sanbao_domain::time::Month::of(app.state.now());
    let r = app
        .call(
            "GET",
            &format!("/api/v1/quality-reviews/{month}"),
            Some(&w.manager),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let from_returns: Vec<Value> = r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["item"]["source_kind"] == "return")
        .map(|row| row["item"]["source_id"].clone())
        .collect();
    assert_eq!(from_returns, vec![quality["id"].clone()]);
    // ---- end quality ----
    let losses = format!("/api/v1/returns/{}/losses", quality["id"]);
    let r = app
        .call(
            "POST",
            &losses,
            Some(&w.manager),
            Some(json!({"version": approved["version"], "amount_fen": 1_250_000, "note": "运费与更换", "borne_by": "customer"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.json()["error"]["fields"]["borne_by"].is_string(),
        "{}",
        r.text
    );
    let r = app
        .call(
            "POST",
            &losses,
            Some(&w.manager),
            Some(json!({"version": approved["version"], "amount_fen": 1_250_000, "note": "运费与更换"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let closed = r.json();
    assert_eq!(closed["status"], "closed");
    assert_eq!(
        closed["losses"],
        json!({"amount_fen": 1_250_000, "note": "运费与更换", "borne_by": "company"})
    );

    // One request read back, and the audit trail of each step.
    let r = app
        .call(
            "GET",
            &format!("/api/v1/returns/{}", quality["id"]),
            Some(&w.clerk),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["version"], 3);
    let trail = app
        .db
        .audit_trail("return", quality["id"].as_i64().unwrap())
        .await
        .unwrap();
    let actions: Vec<&str> = trail.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["create", "approve", "record_losses"]);
    let _ = &w.admin;
}

on_both_backends!(
    r2_bad_return_requests_name_the_field_and_write_nothing,
    r2_bad_return_requests_name_the_field_and_write_nothing_on_postgres,
    bad_requests
);

async fn bad_requests(app: &TestApp) {
    let w = world(app).await;
    // A quality problem not confirmed; a ground that is not one; a date in the future.
    for (body, field) in [
        (
            json!({"ground": "quality_problem", "description": "漏油"}),
            "confirmation",
        ),
        (
            json!({"ground": "changed_mind", "description": "x"}),
            "ground",
        ),
        (
            json!({"ground": "not_meeting_requirements", "description": " "}),
            "description",
        ),
        (
            json!({"ground": "not_meeting_requirements", "description": "x",
                   "requested_on": (today(app) + Days::new(1)).to_string()}),
            "requested_on",
        ),
        (
            json!({"ground": "not_meeting_requirements", "description": "x", "ticket_id": 999}),
            "ticket_id",
        ),
    ] {
        let r = request(app, &w.clerk, &w.young, body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            r.text
        );
        assert!(
            r.json()["error"]["fields"][field].is_string(),
            "{field}: {}",
            r.text
        );
    }
    let r = app
        .call("GET", "/api/v1/returns?status=all", Some(&w.clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .call("GET", "/api/v1/returns", Some(&w.clerk), None)
        .await;
    assert_eq!(r.json()["items"], json!([]), "nothing was written");
    // An unknown unit, an unknown return.
    let r = app
        .call(
            "POST",
            "/api/v1/units/9999/returns",
            Some(&w.clerk),
            Some(json!({"ground": "not_meeting_requirements", "description": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .call("GET", "/api/v1/returns/9999", Some(&w.clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A decision without a reason.
    let r = request(
        app,
        &w.clerk,
        &w.young,
        json!({"ground": "not_meeting_requirements", "description": "x"}),
    )
    .await;
    let ret = r.json();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/returns/{}/decision", ret["id"]),
            Some(&w.manager),
            Some(json!({"version": ret["version"], "approve": true, "reason": ""})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.json()["error"]["fields"]["reason"].is_string());
    // Losses before approval: the request is not there yet.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/returns/{}/losses", ret["id"]),
            Some(&w.manager),
            Some(json!({"version": ret["version"], "amount_fen": 100, "note": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
}

on_both_backends!(
    r2_only_those_allowed_request_and_decide_returns,
    r2_only_those_allowed_request_and_decide_returns_on_postgres,
    roles
);

async fn roles(app: &TestApp) {
    let w = world(app).await;
    let body = json!({"ground": "not_meeting_requirements", "description": "x"});
    // A technician may not record a request.
    let tech = app.token("tech1", "technician").await;
    let r = request(app, &tech, &w.young, body.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // A salesperson may, only for their own customers' units.
    let sales = app.token("sales1", "salesperson").await;
    let r = request(app, &sales, &w.young, body.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let me = app
        .call("GET", "/api/v1/me", Some(&sales), None)
        .await
        .json();
    let r = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(&w.clerk),
            Some(
                json!({"name": "宁波港", "address": "浙江省宁波市北仑区明州路1号",
                        "salesperson_id": me["id"], "contacts": []}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let theirs = r.json();
    let u = unit(app, &w.admin, &theirs, "S-1", today(app) - Months::new(3)).await;
    let r = request(app, &sales, &u, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // Nor may a salesperson decide it.
    let ret = r.json();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/returns/{}/decision", ret["id"]),
            Some(&sales),
            Some(json!({"version": ret["version"], "approve": true, "reason": "ok"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
}
