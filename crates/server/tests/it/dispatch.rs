//! Dispatch (issue 8): technicians' bases and lines, the travel settings, the dispatcher's
//! board as `GET /api/v1/dispatch` and as `/dispatch`, sending a crew, and the job section
//! of a ticket's page — on both databases, with the refusals.

use crate::support::{TestApp, on_both_backends};
use crate::web::{location, signed_in};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// A fast, straight road, so that a base in 桐庐 reaches 杭州市西湖区 within the hour of an
/// emergency there and one in 温州 does not.
async fn fast_roads(app: &TestApp, boss: &str) {
    let r = app
        .call(
            "PUT",
            "/api/v1/field-settings",
            Some(boss),
            Some(json!({"road_kmh": 150, "road_factor_pct": 100, "setup_minutes": 0})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["version"], 1);
}

async fn base(app: &TestApp, boss: &str, id: i64, address: &str) -> Value {
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/technicians/{id}"),
            Some(boss),
            Some(json!({"base_address": address, "product_lines": []})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

/// An emergency in 杭州市西湖区 with its job open; answers (ticket, job).
async fn emergency_job(app: &TestApp, clerk: &str) -> (Value, Value) {
    let c = app
        .api_customer(clerk, "西湖电力", "浙江省杭州市西湖区文三路90号")
        .await;
    let t = app
        .api_ticket(clerk, &c, "emergency", "10kV 开关柜跳闸，全厂停电")
        .await;
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tickets/{}/jobs", t["id"]),
            Some(clerk),
            Some(json!({"contact_name": "王工", "contact_phone": "13800000001"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    (t, r.json())
}

on_both_backends!(
    dispatch_ranks_who_can_arrive_in_time_first_and_tells_the_crew,
    dispatch_ranks_who_can_arrive_in_time_first_and_tells_the_crew_on_postgres,
    ranks_and_tells
);
async fn ranks_and_tells(app: &TestApp) {
    let boss = app.token("boss", "service_manager").await;
    let clerk = app.token("clerk", "service_clerk").await;
    let far = app.token("far", "technician").await;
    let near = app.token("near", "technician").await;
    let users = app
        .call("GET", "/api/v1/technicians", Some(&boss), None)
        .await;
    assert_eq!(users.status, StatusCode::OK, "{}", users.text);
    let id_of = |name: &str| {
        users
            .json()
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == format!("{name}-name"))
            .unwrap()["user_id"]
            .as_i64()
            .unwrap()
    };
    let (near_id, far_id) = (id_of("near"), id_of("far"));
    assert_eq!(users.json()[0]["version"], 0, "never saved");
    let p = base(app, &boss, near_id, "浙江省杭州市桐庐县城南街道").await;
    assert_eq!(
        (p["base_place"].as_str(), p["version"].as_i64()),
        (Some("桐庐县"), Some(1))
    );
    base(app, &boss, far_id, "浙江省温州市鹿城区").await;
    fast_roads(app, &boss).await;
    let (t, job) = emergency_job(app, &clerk).await;

    let r = app
        .call("GET", "/api/v1/dispatch", Some(&clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let b = r.json();
    let w = &b["waiting"][0];
    assert_eq!(w["job_id"], job["id"]);
    assert_eq!(w["ticket_number"], t["number"]);
    assert_eq!(w["place"], "西湖区");
    assert!(
        w["deadline"].is_string(),
        "an emergency has an arrival deadline"
    );
    let names: Vec<&str> = w["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["near-name", "far-name"]);
    assert_eq!(w["proposals"][0]["reach"], "in_time");
    assert_eq!(w["proposals"][0]["from"], "桐庐县");
    assert_eq!(w["proposals"][0]["origin"], "base");
    assert_eq!(w["proposals"][1]["reach"], "late");
    assert!(w["proposals"][1]["slack_minutes"].as_i64().unwrap() < 0);

    // Both sent, the near one leading: the crew is told.
    let eta = w["proposals"][1]["eta"].clone();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/jobs/{}/dispatch", job["id"]),
            Some(&clerk),
            Some(
                json!({"version": w["version"], "technician_ids": [near_id, far_id],
                        "lead_id": near_id, "expected_at": eta}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let b = app
        .call("GET", "/api/v1/dispatch", Some(&clerk), None)
        .await
        .json();
    assert!(b["waiting"].as_array().unwrap().is_empty());
    assert_eq!(b["on_the_way"][0]["crew"], json!(["near-name", "far-name"]));
    assert_eq!(b["on_the_way"][0]["expected_at"], eta);
    sanbao_server::jobs::drain_outbox(&app.state, "runner-1")
        .await
        .unwrap();
    for token in [&near, &far] {
        let inbox = app
            .call("GET", "/api/v1/inbox", Some(token), None)
            .await
            .json();
        let items = inbox["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{inbox}");
        assert_eq!(items[0]["link"], format!("/field/jobs/{}", job["id"]));
    }
}

on_both_backends!(
    dispatch_refuses_bad_input_by_field_and_other_roles,
    dispatch_refuses_bad_input_by_field_and_other_roles_on_postgres,
    refusals
);
async fn refusals(app: &TestApp) {
    let boss = app.token("boss", "service_manager").await;
    let clerk = app.token("clerk", "service_clerk").await;
    let tech = app.token("tech", "technician").await;
    let sales = app.token("sales", "salesperson").await;
    let tech_id = app
        .call("GET", "/api/v1/me", Some(&tech), None)
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let put = |token: &str, uri: String, body: Value| {
        let token = token.to_string();
        async move { app.call("PUT", &uri, Some(&token), Some(body)).await }
    };
    // 422 naming the field; nothing written.
    let r = put(
        &boss,
        format!("/api/v1/technicians/{tech_id}"),
        json!({"base_address": "杭".repeat(201), "product_lines": ["pumps"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text.contains("base_address") && r.text.contains("product_lines"),
        "{}",
        r.text
    );
    let r = put(
        &boss,
        "/api/v1/field-settings".into(),
        json!({"road_kmh": 5, "road_factor_pct": 130, "setup_minutes": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text.contains("road_kmh") && r.text.contains("setup_minutes"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("road_factor_pct"), "{}", r.text);
    let s = app
        .call("GET", "/api/v1/field-settings", Some(&boss), None)
        .await
        .json();
    assert_eq!(
        (s["road_kmh"].as_i64(), s["version"].as_i64()),
        (Some(60), Some(0))
    );
    // 409 on a stale version.
    let r = put(
        &boss,
        format!("/api/v1/technicians/{tech_id}"),
        json!({"version": 3, "base_address": "桐庐县"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    // 404: nobody, or someone who does not go on site.
    let clerk_id = app
        .call("GET", "/api/v1/me", Some(&clerk), None)
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    for id in [9999, clerk_id] {
        let r = put(
            &boss,
            format!("/api/v1/technicians/{id}"),
            json!({"base_address": "桐庐县"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{id}: {}", r.text);
    }
    // 403 for a technician and a salesperson on every endpoint; the clerk dispatches but
    // does not manage technicians.
    for token in [&tech, &sales] {
        for (method, uri) in [
            ("GET", "/api/v1/dispatch".to_string()),
            ("GET", "/api/v1/technicians".to_string()),
            ("PUT", format!("/api/v1/technicians/{tech_id}")),
            ("GET", "/api/v1/field-settings".to_string()),
            ("PUT", "/api/v1/field-settings".to_string()),
        ] {
            let body = (method == "PUT").then(|| {
                json!({"base_address": "x", "road_kmh": 60, "road_factor_pct": 130, "setup_minutes": 15})
            });
            let body = body.map(|b| {
                if uri.contains("technicians") {
                    json!({"base_address": b["base_address"]})
                } else {
                    json!({"road_kmh": 60, "road_factor_pct": 130, "setup_minutes": 15})
                }
            });
            let r = app.call(method, &uri, Some(token), body).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{method} {uri}: {}",
                r.text
            );
        }
    }
    assert_eq!(
        app.call("GET", "/api/v1/dispatch", Some(&clerk), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.call("GET", "/api/v1/technicians", Some(&clerk), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Pages: the same refusals.
    for (who, role) in [("t2", "technician"), ("s2", "salesperson")] {
        let mut b = signed_in(app, who, role).await;
        for page in ["/dispatch", "/settings/technicians"] {
            assert_eq!(
                b.get(page).await.status,
                StatusCode::FORBIDDEN,
                "{role} {page}"
            );
        }
    }
}

on_both_backends!(
    dispatch_pages_open_a_job_send_a_crew_and_show_it_on_the_ticket,
    dispatch_pages_open_a_job_send_a_crew_and_show_it_on_the_ticket_on_postgres,
    pages
);
async fn pages(app: &TestApp) {
    let boss_token = app.token("boss", "service_manager").await;
    let clerk_token = app.token("clerk0", "service_clerk").await;
    app.user("near", "technician").await;
    app.user("far", "senior_engineer").await;
    let c = app
        .api_customer(&clerk_token, "西湖电力", "浙江省杭州市西湖区文三路90号")
        .await;
    let t = app
        .api_ticket(&clerk_token, &c, "emergency", "开关柜跳闸")
        .await;
    let ticket = format!("/tickets/{}", t["id"]);

    // The manager describes the technicians and the roads.
    let mut boss = signed_in(app, "boss2", "service_manager").await;
    let page = boss.get("/settings/technicians").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("near-name") && page.text.contains("far-name"));
    let techs = app
        .call("GET", "/api/v1/technicians", Some(&boss_token), None)
        .await
        .json();
    let near_id = techs
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "near-name")
        .unwrap()["user_id"]
        .as_i64()
        .unwrap();
    let far_id = techs
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "far-name")
        .unwrap()["user_id"]
        .as_i64()
        .unwrap();
    let r = boss
        .submit(
            "/settings/technicians",
            &format!("/settings/technicians/{near_id}"),
            &[("version", "0"), ("base_address", "浙江省杭州市桐庐县")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = boss.get("/settings/technicians").await;
    assert!(page.text.contains("桐庐县"), "the place found is shown");
    // Bad input: the page again, naming the field, keeping what was typed.
    let long = "杭".repeat(201);
    let r = boss
        .submit(
            "/settings/technicians",
            &format!("/settings/technicians/{far_id}"),
            &[("version", "0"), ("base_address", &long)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains(&format!("base-{far_id}-error")),
        "the field is named"
    );
    assert!(r.text.contains(&long), "what was typed is kept");
    let r = boss
        .submit(
            "/settings/technicians",
            &format!("/settings/technicians/{far_id}"),
            &[("version", "0"), ("base_address", "浙江省温州市鹿城区")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = boss
        .submit(
            "/settings/technicians",
            "/settings/technicians/travel",
            &[
                ("version", "0"),
                ("road_kmh", "999"),
                ("road_factor_pct", "100"),
                ("setup_minutes", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("road_kmh-error") && r.text.contains("999"));
    let r = boss
        .submit(
            "/settings/technicians",
            "/settings/technicians/travel",
            &[
                ("version", "0"),
                ("road_kmh", "150"),
                ("road_factor_pct", "100"),
                ("setup_minutes", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    // The clerk opens the job from the ticket's page.
    let mut clerk = signed_in(app, "clerk", "service_clerk").await;
    let page = clerk.get(&ticket).await;
    assert!(
        page.text.contains("id=\"job-form\""),
        "the form to open a job"
    );
    assert!(
        page.text.contains("id=\"action-dispatch\""),
        "without a job the ticket's own dispatch step is offered"
    );
    let r = clerk
        .submit(
            &ticket,
            &format!("{ticket}/job"),
            &[
                ("job_type", "repair"),
                ("contact_name", "王工"),
                ("contact_phone", "12"),
                ("problem", "跳闸"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("job-contact-phone-error") && r.text.contains("王工"));
    let r = clerk
        .submit(
            &ticket,
            &format!("{ticket}/job"),
            &[
                ("job_type", "repair"),
                ("contact_name", "王工"),
                ("contact_phone", "13800000001"),
                ("problem", "跳闸"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = clerk.get(&location(&r)).await;
    assert!(
        page.text.contains("data-job-status=\"open\""),
        "{}",
        page.text
    );
    assert!(page.text.contains("href=\"/dispatch#job-"));
    assert!(
        !page.text.contains("id=\"action-dispatch\"")
            && !page.text.contains("id=\"action-check_in\""),
        "with a job, the crew is sent and checks in through the job"
    );

    // The dispatch page proposes the near one first, ticked; both are sent.
    let page = clerk.get("/dispatch").await;
    assert_eq!(page.status, StatusCode::OK);
    let near_at = page.text.find("near-name").unwrap();
    let far_at = page.text.find("far-name").unwrap();
    assert!(near_at < far_at, "the one who can arrive in time first");
    let job_id = app
        .call("GET", "/api/v1/dispatch", Some(&clerk_token), None)
        .await
        .json()["waiting"][0]["job_id"]
        .as_i64()
        .unwrap();
    // Nobody ticked: named.
    let r = clerk
        .submit(
            "/dispatch",
            &format!("/dispatch/jobs/{job_id}"),
            &[("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("field-error"));
    let (n, f) = (near_id.to_string(), far_id.to_string());
    let r = clerk
        .submit(
            "/dispatch",
            &format!("/dispatch/jobs/{job_id}"),
            &[
                ("version", "1"),
                ("technician_ids", &n),
                ("technician_ids", &f),
                ("lead_id", &f),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = clerk.get(&location(&r)).await;
    assert!(page.text.contains("id=\"dispatch-sent\""), "{}", page.text);
    assert!(page.text.contains("far-name★"), "the lead is marked");
    let job = app
        .call(
            "GET",
            &format!("/api/v1/jobs/{job_id}"),
            Some(&clerk_token),
            None,
        )
        .await
        .json();
    assert_eq!(job["status"], "dispatched");
    assert!(
        job["trips"][0]["expected_at"].is_string(),
        "the promise is kept"
    );
    let page = clerk.get(&ticket).await;
    assert!(page.text.contains("data-job-status=\"dispatched\""));
    assert!(
        page.text
            .contains(&format!("href=\"/field/jobs/{job_id}\""))
    );

    // A job page's 404s.
    assert_eq!(
        clerk
            .submit(
                "/dispatch",
                "/dispatch/jobs/999999",
                &[("version", "1"), ("technician_ids", &n)]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        clerk
            .submit(
                "/dispatch",
                "/tickets/999999/job",
                &[("contact_name", "王工")]
            )
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
