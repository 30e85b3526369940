//! API tests: for every endpoint, success, bad input (the field named, nothing written) and
//! a refused role. Each scenario that touches the database runs on SQLite and, through the
//! same router, on PostgreSQL (`on_both_backends!`).

use crate::support::{TestApp, on_both_backends};
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

fn customer_body(name: &str, address: &str) -> Value {
    json!({"name": name, "address": address, "contacts": [{"name": "王工", "phone": "0571-8888 6666"}]})
}

async fn customer(app: &TestApp, token: &str, address: &str) -> i64 {
    let r = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(token),
            Some(customer_body("客户", address)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

fn fields(r: &crate::support::Response) -> Vec<String> {
    let v = r.json();
    let mut f: Vec<String> = v["error"]["fields"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    f.sort();
    f
}

on_both_backends!(
    health_ready_metrics_and_openapi,
    health_ready_metrics_and_openapi_on_postgres,
    health_ready_metrics_and_openapi_on
);

async fn health_ready_metrics_and_openapi_on(app: &TestApp) {
    assert_eq!(
        app.call("GET", "/healthz", None, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.call("GET", "/readyz", None, None).await.status,
        StatusCode::OK
    );
    // No metrics token configured: `/metrics` is not served at all.
    let m = app.call("GET", "/metrics", None, None).await;
    assert_eq!(m.status, StatusCode::NOT_FOUND);
    assert!(!m.text.contains("sanbao_http_requests_total"));
    // With one, only its bearer reads them.
    let token = "metrics-token-0123456789";
    let scraper = app.router_with(|c| {
        c.metrics_token = Some(sanbao_server::config::Secret::new(token));
    });
    let scrape = |sent: Option<&str>| {
        let mut req = axum::http::Request::get("/metrics");
        if let Some(t) = sent {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        crate::support::send_to(&scraper, req.body(axum::body::Body::empty()).unwrap())
    };
    for (sent, what) in [
        (None, "no token"),
        (Some("metrics-token-0123456780"), "a wrong token"),
        (Some("metrics-token"), "a prefix of the token"),
    ] {
        let m = scrape(sent).await;
        assert_eq!(m.status, StatusCode::UNAUTHORIZED, "{what}");
        assert_eq!(m.json()["error"]["code"], "unauthenticated", "{what}");
        assert_eq!(m.headers["www-authenticate"], "Bearer");
        assert!(!m.text.contains("sanbao_http_requests_total"), "{what}");
    }
    // A session token of a signed-in user is not the metrics token either.
    let session = app.token("metrics_reader", "admin").await;
    let m = scrape(Some(&session)).await;
    assert_eq!(m.status, StatusCode::UNAUTHORIZED);
    let m = scrape(Some(token)).await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(
        m.headers[axum::http::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain"),
    );
    assert!(m.text.contains("sanbao_http_requests_total"), "{}", m.text);
    let doc = app
        .call("GET", "/api/openapi.json", None, None)
        .await
        .json();
    for path in [
        "/api/v1/customers",
        "/api/v1/tickets",
        "/api/v1/tickets/{id}/events",
        "/api/v1/sessions",
        "/api/v1/dashboard",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from OpenAPI"
        );
    }
    assert!(doc["components"]["schemas"]["TicketIn"].is_object());
    assert!(
        doc["paths"]["/metrics"].is_null(),
        "/metrics is for operations, not part of the API"
    );
}

on_both_backends!(
    sessions_sign_in_out_and_refuse_bad_passwords,
    sessions_sign_in_out_and_refuse_bad_passwords_on_postgres,
    sessions_sign_in_out_and_refuse_bad_passwords_on
);

async fn sessions_sign_in_out_and_refuse_bad_passwords_on(app: &TestApp) {
    let token = app.token("clerk", "service_clerk").await;
    let me = app.call("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(me.json()["role"], "service_clerk");
    assert_eq!(
        app.call("GET", "/api/v1/me", None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.call("GET", "/api/v1/me", Some("forged"), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let bad = app
        .call(
            "POST",
            "/api/v1/sessions",
            None,
            Some(json!({"username": "clerk", "password": "nope"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    let missing = app
        .call(
            "POST",
            "/api/v1/sessions",
            None,
            Some(json!({"username": "clerk"})),
        )
        .await;
    assert_eq!(
        (missing.status, fields(&missing)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["password".to_string()]
        )
    );
    assert_eq!(
        app.call("DELETE", "/api/v1/sessions/current", Some(&token), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call("GET", "/api/v1/me", Some(&token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

on_both_backends!(
    repeated_failed_sign_ins_are_slowed,
    repeated_failed_sign_ins_are_slowed_on_postgres,
    repeated_failed_sign_ins_are_slowed_on
);

async fn repeated_failed_sign_ins_are_slowed_on(app: &TestApp) {
    app.user("clerk", "service_clerk").await;
    let attempt = || {
        app.call(
            "POST",
            "/api/v1/sessions",
            None,
            Some(json!({"username": "clerk", "password": "wrong-password"})),
        )
    };
    for _ in 0..5 {
        assert_eq!(attempt().await.status, StatusCode::UNAUTHORIZED);
    }
    let r = attempt().await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert!(r.headers.get("retry-after").is_some());
    // Even the right password waits until the lock passes.
    let right = app
        .call(
            "POST",
            "/api/v1/sessions",
            None,
            Some(json!({"username": "clerk", "password": crate::support::PASSWORD})),
        )
        .await;
    assert_eq!(right.status, StatusCode::TOO_MANY_REQUESTS);
}

on_both_backends!(
    users_are_created_by_admins_only,
    users_are_created_by_admins_only_on_postgres,
    users_are_created_by_admins_only_on
);

async fn users_are_created_by_admins_only_on(app: &TestApp) {
    let admin = app.token("boss", "admin").await;
    let clerk = app.token("clerk", "service_clerk").await;
    let body = json!({"username": "tech1", "display_name": "李师傅", "role": "technician", "password": "long enough"});
    assert_eq!(
        app.call("POST", "/api/v1/users", Some(&clerk), Some(body.clone()))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .call("POST", "/api/v1/users", Some(&admin), Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let dup = app
        .call("POST", "/api/v1/users", Some(&admin), Some(body))
        .await;
    assert_eq!(
        (dup.status, fields(&dup)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["username".to_string()]
        )
    );
    let bad = app
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(
                json!({"username": "x y", "display_name": "", "role": "boss", "password": "short"}),
            ),
        )
        .await;
    assert_eq!(
        fields(&bad),
        ["display_name", "password", "role", "username"]
    );
    let techs = app
        .call("GET", "/api/v1/users?role=technician", Some(&clerk), None)
        .await
        .json();
    assert_eq!(techs.as_array().unwrap().len(), 1);
    let r = app
        .call("GET", "/api/v1/users?role=wizard", Some(&clerk), None)
        .await;
    assert_eq!(
        (r.status, fields(&r)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["role".to_string()])
    );
}

on_both_backends!(
    customers_are_created_with_a_derived_region,
    customers_are_created_with_a_derived_region_on_postgres,
    customers_are_created_with_a_derived_region_on
);

async fn customers_are_created_with_a_derived_region_on(app: &TestApp) {
    let token = app.token("clerk", "service_clerk").await;
    let r = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(&token),
            Some(customer_body("萧山配电", "浙江省杭州市蕭山區建設一路66號")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let c = r.json();
    assert_eq!(
        (c["region"].as_str(), c["region_source"].as_str()),
        (Some("hangzhou_urban"), Some("derived"))
    );
    assert_eq!(c["contacts"][0]["phone"], "0571-8888 6666");
    let id = c["id"].as_i64().unwrap();
    let got = app
        .call(
            "GET",
            &format!("/api/v1/customers/{id}"),
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(got["name"], "萧山配电");
    for (address, region) in [
        ("桐庐县城南街道", "zhejiang"),
        ("上海市杭州路100号", "out_of_province"),
        ("某某路1号", "unknown"),
    ] {
        let r = app
            .call(
                "POST",
                "/api/v1/customers",
                Some(&token),
                Some(customer_body("x", address)),
            )
            .await;
        assert_eq!(r.json()["region"], region, "{address}");
    }
    assert_eq!(
        app.call("GET", "/api/v1/customers/9999", Some(&token), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

on_both_backends!(
    bad_customers_are_refused_by_field_and_nothing_is_written,
    bad_customers_are_refused_by_field_and_nothing_is_written_on_postgres,
    bad_customers_are_refused_by_field_and_nothing_is_written_on
);

async fn bad_customers_are_refused_by_field_and_nothing_is_written_on(app: &TestApp) {
    let token = app.token("clerk", "service_clerk").await;
    let cases: Vec<(Value, StatusCode, Vec<&str>)> = vec![
        (
            json!({"name": " ", "address": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["address", "name"],
        ),
        (
            json!({"name": "a", "address": "b", "colour": "red"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["colour"],
        ),
        (
            json!({"name": 5, "address": "b"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["name"],
        ),
        (
            json!({"address": "b"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["name"],
        ),
        (
            json!({"name": "a", "address": "b", "contacts": [{"name": "x", "phone": "call me"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["contacts[0].phone"],
        ),
        (
            json!({"name": "a", "address": "b", "contacts": [{"name": "x", "fax": "1"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["contacts[0].fax"],
        ),
        (
            json!({"name": "a", "address": "b", "salesperson_id": 999}),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["salesperson_id"],
        ),
        (
            json!({"name": "a", "address": "b", "region": "zhejiang"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["region_reason"],
        ),
        (
            json!({"name": "a", "address": "b", "region": "moon", "region_reason": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["region"],
        ),
        (
            json!({"name": "a".repeat(201), "address": "b"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["name"],
        ),
    ];
    for (body, status, want) in cases {
        let r = app
            .call(
                "POST",
                "/api/v1/customers",
                Some(&token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            (r.status, fields(&r)),
            (
                status,
                want.iter().map(|s| s.to_string()).collect::<Vec<_>>()
            ),
            "{body}"
        );
    }
    let malformed = app
        .call_raw(
            "POST",
            "/api/v1/customers",
            &token,
            "application/json",
            "{\"name\": ",
        )
        .await;
    assert_eq!(
        (malformed.status, fields(&malformed)),
        (StatusCode::BAD_REQUEST, vec!["body".to_string()])
    );
    let not_json = app
        .call_raw("POST", "/api/v1/customers", &token, "text/plain", "name=a")
        .await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = format!(
        "{{\"name\": \"{}\", \"address\": \"b\"}}",
        "x".repeat(400 * 1024)
    );
    let r = app
        .call_raw(
            "POST",
            "/api/v1/customers",
            &token,
            "application/json",
            huge,
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let list = app
        .call("GET", "/api/v1/customers", Some(&token), None)
        .await
        .json();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "nothing was written"
    );
}

on_both_backends!(
    customer_roles_and_region_corrections,
    customer_roles_and_region_corrections_on_postgres,
    customer_roles_and_region_corrections_on
);

async fn customer_roles_and_region_corrections_on(app: &TestApp) {
    let tech = app.token("tech", "technician").await;
    let sales = app.token("sales", "salesperson").await;
    let clerk = app.token("clerk", "service_clerk").await;
    let body = customer_body("甲", "浙江省杭州市桐庐县");
    assert_eq!(
        app.call("POST", "/api/v1/customers", Some(&tech), Some(body.clone()))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut corrected = body.clone();
    corrected["region"] = json!("hangzhou_urban");
    corrected["region_reason"] = json!("site is in the Fuyang plant");
    assert_eq!(
        app.call(
            "POST",
            "/api/v1/customers",
            Some(&sales),
            Some(corrected.clone())
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .call("POST", "/api/v1/customers", Some(&clerk), Some(corrected))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let c = r.json();
    assert_eq!(
        (
            c["region"].as_str(),
            c["region_source"].as_str(),
            c["derived_region"].as_str()
        ),
        (Some("hangzhou_urban"), Some("corrected"), Some("zhejiang"))
    );
    let id = c["id"].as_i64().unwrap();
    // Update: back to the derived region; a stale version is refused.
    let mut upd = body.clone();
    upd["version"] = json!(1);
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/customers/{id}"),
            Some(&clerk),
            Some(upd.clone()),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["region"].as_str()),
        (StatusCode::OK, Some("zhejiang")),
        "{}",
        r.text
    );
    let stale = app
        .call(
            "PUT",
            &format!("/api/v1/customers/{id}"),
            Some(&clerk),
            Some(upd),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let history = app
        .call(
            "GET",
            &format!("/api/v1/customers/{id}/history"),
            Some(&clerk),
            None,
        )
        .await
        .json();
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert_eq!(history[1]["action"], "update_region");
    assert_eq!(history[1]["before"]["region"], "hangzhou_urban");
    assert_eq!(history[1]["actor_name"], "clerk-name");
}

on_both_backends!(
    customers_are_searched_and_paged,
    customers_are_searched_and_paged_on_postgres,
    customers_are_searched_and_paged_on
);

async fn customers_are_searched_and_paged_on(app: &TestApp) {
    let token = app.token("clerk", "service_clerk").await;
    for i in 0..3 {
        customer(app, &token, &format!("杭州市西湖区文三路{i}号")).await;
    }
    customer(app, &token, "江苏省南京市").await;
    let page = app
        .call("GET", "/api/v1/customers?limit=2", Some(&token), None)
        .await
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let next = page["next_cursor"].as_str().unwrap().to_string();
    let page2 = app
        .call(
            "GET",
            &format!("/api/v1/customers?limit=2&cursor={next}"),
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(page2["items"].as_array().unwrap().len(), 2);
    assert!(page2["next_cursor"].is_null());
    let r = app
        .call(
            "GET",
            "/api/v1/customers?region=out_of_province",
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(r["items"].as_array().unwrap().len(), 1);
    let r = app
        .call("GET", "/api/v1/customers?q=88886666", Some(&token), None)
        .await
        .json();
    assert_eq!(r["items"].as_array().unwrap().len(), 4);
    for bad in ["region=mars", "limit=abc", "cursor=zz", "colour=red"] {
        let r = app
            .call(
                "GET",
                &format!("/api/v1/customers?{bad}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.text
        );
        assert_eq!(fields(&r), [bad.split('=').next().unwrap()], "{bad}");
    }
}

on_both_backends!(
    tickets_get_their_deadlines_from_kind_and_region,
    tickets_get_their_deadlines_from_kind_and_region_on_postgres,
    tickets_get_their_deadlines_from_kind_and_region_on
);

async fn tickets_get_their_deadlines_from_kind_and_region_on(app: &TestApp) {
    let token = app.token("clerk", "service_clerk").await;
    let hz = customer(app, &token, "杭州市滨江区江南大道").await;
    let tonglu = customer(app, &token, "浙江省杭州市桐庐县").await;
    let received = Utc::now() - Duration::minutes(10);
    let received = received - Duration::nanoseconds(i64::from(received.timestamp_subsec_nanos()));
    // Given in New York time: the same instant.
    let ny = received
        .with_timezone(&chrono::FixedOffset::west_opt(5 * 3600).unwrap())
        .to_rfc3339();
    let cases = [
        (hz, "emergency", "arrival", 1),
        (tonglu, "emergency", "arrival", 6),
        (hz, "complaint_quality", "handling_opinion", 2),
        (hz, "complaint_other", "handling_opinion", 12),
        (hz, "consultation", "reply", 12),
        (hz, "correspondence", "reply", 24),
    ];
    for (customer_id, kind, deadline, hours) in cases {
        let r = app
            .call(
                "POST",
                "/api/v1/tickets",
                Some(&token),
                Some(json!({
                "kind": kind, "channel": "phone", "customer_id": customer_id,
                "received_at": ny, "summary": "开关柜跳闸"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let t = r.json();
        assert_eq!(t["status"], "open");
        assert!(t["number"].as_str().unwrap().starts_with("SB"));
        assert_eq!(t["deadlines"][0]["kind"], deadline, "{kind}");
        let due =
            chrono::DateTime::parse_from_rfc3339(t["deadlines"][0]["due_at"].as_str().unwrap())
                .unwrap();
        assert!(
            t["deadlines"][0]["due_at"]
                .as_str()
                .unwrap()
                .ends_with("+08:00")
        );
        assert_eq!(
            (due.with_timezone(&Utc) - received).num_seconds(),
            hours * 3600,
            "{kind}"
        );
        assert_eq!(t["deadlines"][0]["breached"], false);
    }
    let repair = app
        .call(
            "POST",
            "/api/v1/tickets",
            Some(&token),
            Some(json!({"kind": "repair", "channel": "visit", "customer_id": hz, "summary": "x"})),
        )
        .await
        .json();
    assert_eq!(repair["deadlines"].as_array().unwrap().len(), 0);
}

on_both_backends!(
    bad_tickets_are_refused_by_field_and_nothing_is_written,
    bad_tickets_are_refused_by_field_and_nothing_is_written_on_postgres,
    bad_tickets_are_refused_by_field_and_nothing_is_written_on
);

async fn bad_tickets_are_refused_by_field_and_nothing_is_written_on(app: &TestApp) {
    let token = app.token("clerk", "service_clerk").await;
    let tech = app.token("tech", "technician").await;
    let c = customer(app, &token, "杭州市上城区").await;
    let ok = json!({"kind": "emergency", "channel": "phone", "customer_id": c, "summary": "停电"});
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    let future = (Utc::now() + Duration::hours(3)).to_rfc3339();
    let cases = [
        (with("kind", json!("alien")), "kind"),
        (with("channel", json!("pigeon")), "channel"),
        (
            with("received_at", json!("2026-02-30T10:00:00+08:00")),
            "received_at",
        ),
        (with("received_at", json!("yesterday")), "received_at"),
        (with("received_at", json!(future)), "received_at"),
        (with("summary", json!("  ")), "summary"),
        (with("customer_id", json!(424242)), "customer_id"),
        (with("customer_id", json!("one")), "customer_id"),
        (with("unit_id", json!(1)), "unit_id"),
        (with("priority", json!(1)), "priority"),
    ];
    for (body, field) in cases {
        let r = app
            .call("POST", "/api/v1/tickets", Some(&token), Some(body.clone()))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text
        );
        assert_eq!(fields(&r), [field], "{body}");
    }
    assert_eq!(
        app.call("POST", "/api/v1/tickets", Some(&tech), Some(ok.clone()))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call("POST", "/api/v1/tickets", None, Some(ok))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let list = app
        .call("GET", "/api/v1/tickets", Some(&token), None)
        .await
        .json();
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        0,
        "nothing was written"
    );
}

async fn ticket(app: &TestApp, token: &str, customer_id: i64, kind: &str) -> Value {
    let r = app.call("POST", "/api/v1/tickets", Some(token), Some(json!({"kind": kind, "channel": "phone", "customer_id": customer_id, "summary": "综保装置告警"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

async fn event(app: &TestApp, token: &str, t: &Value, body: Value) -> crate::support::Response {
    let mut b = body;
    b["version"] = t["version"].clone();
    app.call(
        "POST",
        &format!("/api/v1/tickets/{}/events", t["id"]),
        Some(token),
        Some(b),
    )
    .await
}

on_both_backends!(
    emergency_workflow_meets_the_arrival_deadline_at_check_in,
    emergency_workflow_meets_the_arrival_deadline_at_check_in_on_postgres,
    emergency_workflow_meets_the_arrival_deadline_at_check_in_on
);

async fn emergency_workflow_meets_the_arrival_deadline_at_check_in_on(app: &TestApp) {
    let clerk = app.token("clerk", "service_clerk").await;
    let tech_token = app.token("tech", "technician").await;
    let boss = app.token("boss", "service_manager").await;
    let tech_id = app
        .call("GET", "/api/v1/me", Some(&tech_token), None)
        .await
        .json()["id"]
        .clone();
    let c = customer(app, &clerk, "杭州市余杭区仓前街道").await;
    let t = ticket(app, &clerk, c, "emergency").await;
    // A technician may not dispatch; a clerk may.
    let dispatch = json!({"type": "dispatch", "technician_id": tech_id});
    assert_eq!(
        event(app, &tech_token, &t, dispatch.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    let r = event(app, &clerk, &t, dispatch.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let t2 = r.json();
    assert_eq!(
        (t2["status"].as_str(), t2["version"].as_i64()),
        (Some("dispatched"), Some(2))
    );
    // The old version is stale now.
    assert_eq!(
        event(app, &clerk, &t, json!({"type": "note", "text": "x"}))
            .await
            .status,
        StatusCode::CONFLICT
    );
    let r = event(app, &tech_token, &t2, json!({"type": "check_in"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let t3 = r.json();
    assert_eq!(t3["status"], "on_site");
    assert_eq!(t3["deadlines"][0]["state"], "met");
    assert!(t3["deadlines"][0]["met_at"].is_string());
    let t4 = event(
        app,
        &tech_token,
        &t3,
        json!({"type": "resolve", "resolution": "更换断路器，恢复送电"}),
    )
    .await
    .json();
    assert_eq!(t4["status"], "resolved");
    assert_eq!(
        event(app, &clerk, &t4, json!({"type": "close"}))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let t5 = event(app, &boss, &t4, json!({"type": "close"}))
        .await
        .json();
    assert_eq!(t5["status"], "closed");
    let timeline = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{}/events", t["id"]),
            Some(&clerk),
            None,
        )
        .await
        .json();
    let actions: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["create", "dispatch", "check_in", "resolve", "close"]
    );
    assert_eq!(timeline[2]["before"]["status"], "dispatched");
    assert_eq!(timeline[2]["after"]["status"], "on_site");
    assert_eq!(timeline[2]["actor_name"], "tech-name");
}

on_both_backends!(
    events_refuse_bad_input_by_field,
    events_refuse_bad_input_by_field_on_postgres,
    events_refuse_bad_input_by_field_on
);

async fn events_refuse_bad_input_by_field_on(app: &TestApp) {
    let clerk = app.token("clerk", "service_clerk").await;
    let sales = app.token("sales", "salesperson").await;
    let sales_id = app
        .call("GET", "/api/v1/me", Some(&sales), None)
        .await
        .json()["id"]
        .clone();
    let admin_id = app.user("boss", "admin").await.id.0;
    let c = customer(app, &clerk, "杭州市西湖区").await;
    let t = ticket(app, &clerk, c, "complaint_quality").await;
    let cases = [
        (json!({"type": "give_opinion"}), "opinion"),
        (
            json!({"type": "give_opinion", "opinion": "x", "text": "y"}),
            "text",
        ),
        (json!({"type": "teleport"}), "type"),
        (
            json!({"type": "dispatch", "technician_id": sales_id}),
            "technician_id",
        ),
        (json!({"type": "assign", "assignee_id": 777}), "assignee_id"),
        // A salesperson does not own a complaint; the administrator owns no work.
        (
            json!({"type": "assign", "assignee_id": sales_id}),
            "assignee_id",
        ),
        (
            json!({"type": "assign", "assignee_id": admin_id}),
            "assignee_id",
        ),
        (json!({"type": "note", "text": "x", "mood": "calm"}), "mood"),
    ];
    for (body, field) in cases {
        let r = event(app, &clerk, &t, body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text
        );
        assert_eq!(fields(&r), [field], "{body}");
    }
    let no_version = app
        .call(
            "POST",
            &format!("/api/v1/tickets/{}/events", t["id"]),
            Some(&clerk),
            Some(json!({"type": "note", "text": "x"})),
        )
        .await;
    assert_eq!(fields(&no_version), ["version"]);
    // A reply is for consultations: the complaint refuses it as a conflict with its state.
    assert_eq!(
        event(app, &clerk, &t, json!({"type": "reply", "reply": "x"}))
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.call(
            "POST",
            "/api/v1/tickets/999/events",
            Some(&clerk),
            Some(json!({"type": "note", "text": "x", "version": 1}))
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    let r = event(
        app,
        &clerk,
        &t,
        json!({"type": "give_opinion", "opinion": "退回工厂检测"}),
    )
    .await;
    assert_eq!(r.json()["deadlines"][0]["state"], "met");
    let timeline = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{}/events", t["id"]),
            Some(&clerk),
            None,
        )
        .await
        .json();
    assert_eq!(
        timeline.as_array().unwrap().len(),
        2,
        "refused events wrote nothing"
    );
}

on_both_backends!(
    ticket_list_filters_and_dashboard,
    ticket_list_filters_and_dashboard_on_postgres,
    ticket_list_filters_and_dashboard_on
);

async fn ticket_list_filters_and_dashboard_on(app: &TestApp) {
    let clerk = app.token("clerk", "service_clerk").await;
    let hz = customer(app, &clerk, "杭州市拱墅区").await;
    let far = customer(app, &clerk, "广东省广州市天河区").await;
    // Breached: an emergency in Hangzhou received 2 h ago (due 1 h after).
    let old = (Utc::now() - Duration::hours(2)).to_rfc3339();
    let breached = app.call("POST", "/api/v1/tickets", Some(&clerk), Some(json!({"kind": "emergency", "channel": "phone", "customer_id": hz, "received_at": old, "summary": "全厂停电"}))).await.json();
    // Due soon: a quality complaint received 90 min ago (due 2 h after).
    let soon_at = (Utc::now() - Duration::minutes(90)).to_rfc3339();
    let soon = app.call("POST", "/api/v1/tickets", Some(&clerk), Some(json!({"kind": "complaint_quality", "channel": "phone", "customer_id": far, "received_at": soon_at, "summary": "柜体锈蚀"}))).await.json();
    let pending = ticket(app, &clerk, far, "emergency").await;
    let repair = ticket(app, &clerk, hz, "repair").await;
    let d = app
        .call("GET", "/api/v1/dashboard", Some(&clerk), None)
        .await
        .json();
    assert_eq!(
        (
            d["open"].as_i64(),
            d["breached"].as_i64(),
            d["due_soon"].as_i64()
        ),
        (Some(4), Some(1), Some(1)),
        "{d}"
    );
    let order: Vec<i64> = d["by_deadline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            breached["id"].as_i64().unwrap(),
            soon["id"].as_i64().unwrap(),
            pending["id"].as_i64().unwrap()
        ]
    );
    assert_eq!(d["by_deadline"][0]["overdue"], true);
    assert_eq!(d["without_deadline"][0]["id"], repair["id"]);
    let overdue = app
        .call("GET", "/api/v1/tickets?overdue=true", Some(&clerk), None)
        .await
        .json();
    assert_eq!(overdue["items"].as_array().unwrap().len(), 1);
    let far_only = app
        .call(
            "GET",
            "/api/v1/tickets?region=out_of_province&status=open",
            Some(&clerk),
            None,
        )
        .await
        .json();
    assert_eq!(far_only["items"].as_array().unwrap().len(), 2);
    let by_number = app
        .call(
            "GET",
            &format!("/api/v1/tickets?q={}", soon["number"].as_str().unwrap()),
            Some(&clerk),
            None,
        )
        .await
        .json();
    assert_eq!(by_number["items"][0]["id"], soon["id"]);
    let page = app
        .call("GET", "/api/v1/tickets?limit=3", Some(&clerk), None)
        .await
        .json();
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let rest = app
        .call(
            "GET",
            &format!("/api/v1/tickets?limit=3&cursor={cursor}"),
            Some(&clerk),
            None,
        )
        .await
        .json();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    for bad in ["kind=alien", "status=lost", "overdue=maybe"] {
        let r = app
            .call("GET", &format!("/api/v1/tickets?{bad}"), Some(&clerk), None)
            .await;
        assert_eq!(
            fields(&r),
            [bad.split('=').next().unwrap()],
            "{bad}: {}",
            r.text
        );
    }
    let one = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{}", breached["id"]),
            Some(&clerk),
            None,
        )
        .await
        .json();
    assert_eq!(one["deadlines"][0]["breached"], true);
    assert_eq!(one["deadlines"][0]["state"], "breached");
    let customer_role = app.token("cust", "customer").await;
    assert_eq!(
        app.call("GET", "/api/v1/dashboard", Some(&customer_role), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.call("GET", "/api/v1/tickets", Some(&customer_role), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// A customer with no name and a phone that is no number, sent with `Accept-Language`.
async fn bad_customer_in(app: &TestApp, token: &str, accept_language: Option<&str>) -> Value {
    let mut req = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/customers")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json");
    if let Some(l) = accept_language {
        req = req.header("accept-language", l);
    }
    let body =
        json!({"name": " ", "address": "杭州市", "contacts": [{"name": "x", "phone": "call me"}]});
    let r = app
        .send(req.body(axum::body::Body::from(body.to_string())).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    r.json()
}

on_both_backends!(
    problems_are_told_in_the_language_the_request_prefers,
    problems_are_told_in_the_language_the_request_prefers_on_postgres,
    problems_are_told_in_the_language_the_request_prefers_on
);

async fn problems_are_told_in_the_language_the_request_prefers_on(app: &TestApp) {
    let token = app.token("clerk", "service_clerk").await;
    let zh = bad_customer_in(app, &token, None).await;
    assert_eq!(zh["error"]["code"], "validation");
    assert_eq!(zh["error"]["fields"]["name"], "必填");
    assert_eq!(
        zh["error"]["fields"]["contacts[0].phone"],
        "电话号码应为 5–20 位数字"
    );
    let message = zh["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("以下字段有误") && message.contains("contacts[0].phone"),
        "{message}"
    );
    for chinese_first in ["zh-CN,zh;q=0.9,en;q=0.8", "fr, en;q=0.3, zh;q=0.5"] {
        let again = bad_customer_in(app, &token, Some(chinese_first)).await;
        assert_eq!(again, zh, "{chinese_first}");
    }
    let en = bad_customer_in(app, &token, Some("en-US,en;q=0.9")).await;
    assert_eq!(en["error"]["code"], "validation");
    let keys = |v: &Value| -> Vec<String> {
        v["error"]["fields"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(keys(&en), keys(&zh), "the same fields, by the same names");
    assert_eq!(en["error"]["fields"]["name"], "Required");
    assert_eq!(
        en["error"]["fields"]["contacts[0].phone"],
        "A phone number has 5 to 20 digits"
    );
    assert!(
        en["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Not valid: ")
    );
    // What serde refuses, and what is not there, too.
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/customers")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("accept-language", "en");
    let r = app
        .send(
            req.body(axum::body::Body::from(r#"{"name": 5, "address": "b"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(r.json()["error"]["fields"]["name"], "Not valid");
    let r = app
        .send(
            axum::http::Request::builder()
                .uri("/api/v1/nothing-here")
                .header("accept-language", "en-GB")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.json()["error"]["message"], "Not found: resource.");
    let r = app.call("GET", "/api/v1/me", None, None).await;
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("请先登录")
    );
}

#[tokio::test]
async fn unknown_addresses_are_404_as_json_under_api_and_as_a_page_elsewhere() {
    let app = TestApp::new().await;
    let api = app.call("GET", "/api/v1/nothing-here", None, None).await;
    assert_eq!(
        (api.status, api.json()["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let page = app.call("GET", "/no/such/page", None, None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.text.contains("<html"), "{}", page.text);
}

on_both_backends!(
    what_a_write_answers_is_what_a_later_read_returns,
    what_a_write_answers_is_what_a_later_read_returns_on_postgres,
    what_a_write_answers_is_what_a_later_read_returns_on
);

async fn what_a_write_answers_is_what_a_later_read_returns_on(app: &TestApp) {
    let token = app.token("clerk", "service_clerk").await;
    let created = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(&token),
            Some(customer_body("甲", "杭州市上城区")),
        )
        .await
        .json();
    let read = app
        .call(
            "GET",
            &format!("/api/v1/customers/{}", created["id"]),
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(created, read);
    let c = created["id"].as_i64().unwrap();
    let t = ticket(app, &token, c, "emergency").await;
    let read = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{}", t["id"]),
            Some(&token),
            None,
        )
        .await
        .json();
    assert_eq!(t, read);
}
