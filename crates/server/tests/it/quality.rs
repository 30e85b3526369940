//! Quality items and the monthly quality review (R7.1, R7.2) through the API, on both
//! databases: a flagged complaint becomes an item by itself; a source made an item once
//! even when sent twice; bad input named; technicians and salespeople refused; a stale
//! classification refused; the month cannot close while an item lacks its action, then
//! closes once; merged items leave the review; open actions carry over and warn their
//! owner once when overdue.

use crate::support::{PASSWORD, TestApp, on_both_backends};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sanbao_server::app::quality;
use serde_json::{Value, json};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn named(r: &crate::support::Response, field: &str) -> bool {
    r.status == StatusCode::UNPROCESSABLE_ENTITY && r.json()["error"]["fields"][field].is_string()
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

async fn make(app: &TestApp, token: &str, kind: &str, id: &Value) -> crate::support::Response {
    app.call(
        "POST",
        "/api/v1/quality-items",
        Some(token),
        Some(json!({"source_kind": kind, "source_id": id})),
    )
    .await
}

async fn review(app: &TestApp, token: &str, month: &str) -> Value {
    let r = app
        .call(
            "GET",
            &format!("/api/v1/quality-reviews/{month}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

async fn follow_up(app: &TestApp, token: &str, customer: &Value, remark: &str) -> Value {
    let r = app
        .call(
            "POST",
            "/api/v1/follow-ups",
            Some(token),
            Some(json!({"customer_id": customer["id"], "method": "phone",
                "remarks": remark, "remark_class": "quality"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

async fn classify(
    app: &TestApp,
    token: &str,
    item: &Value,
    version: &Value,
) -> crate::support::Response {
    app.call(
        "PUT",
        &format!("/api/v1/quality-items/{}", item["id"]),
        Some(token),
        Some(
            json!({"version": version, "product_model": "KYN28-12", "component": "断路器",
            "fault_category": "拒动", "cause": "操作机构卡滞", "responsibility": "manufacturing",
            "summary": "断路器拒动", "root_cause": "装配时润滑脂漏涂", "method": "method"}),
        ),
    )
    .await
}

async fn action(app: &TestApp, token: &str, item: &Value, body: Value) -> crate::support::Response {
    app.call(
        "POST",
        &format!("/api/v1/quality-items/{}/actions", item["id"]),
        Some(token),
        Some(body),
    )
    .await
}

async fn items_scenario(app: &TestApp) {
    app.clock.set(at("2026-03-10T10:00:00+08:00"));
    let clerk = app.token("q_clerk", "service_clerk").await;
    let qe = app.token("q_eng", "quality_engineer").await;
    let tech = app.token("q_tech", "technician").await;
    let sales = app.token("q_sales", "salesperson").await;
    let qe_me = app.call("GET", "/api/v1/me", Some(&qe), None).await.json();
    let c = app
        .api_customer(&clerk, "嘉兴供电", "浙江省嘉兴市南湖区1号")
        .await;

    // A quality complaint becomes an item by itself, in its month.
    let t = app
        .api_ticket(&clerk, &c, "complaint_quality", "断路器拒动")
        .await;
    let r = review(app, &qe, "2026-03").await;
    let rows = r["items"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{r}");
    assert_eq!(rows[0]["item"]["source_kind"], "complaint");
    assert_eq!(rows[0]["item"]["source_id"], t["id"]);
    assert_eq!(rows[0]["item"]["summary"], "断路器拒动");
    assert_eq!(rows[0]["status"], "open");
    let first = rows[0]["item"].clone();

    // The same source sent twice (again): the item already made, nothing more.
    for _ in 0..2 {
        let again = make(app, &qe, "complaint", &t["id"]).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text);
        assert_eq!(again.json()["id"], first["id"]);
    }
    // A follow-up remark about quality: made in one step, once.
    let fu = follow_up(app, &clerk, &c, "3号柜温升偏高").await;
    let made = make(app, &qe, "follow_up", &fu["id"]).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let second = made.json();
    assert_eq!(second["month"], "2026-03");
    let again = make(app, &qe, "follow_up", &fu["id"]).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["id"], second["id"]);
    assert_eq!(
        review(app, &qe, "2026-03").await["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Bad input named; a record that is not about quality refused.
    assert!(named(&make(app, &qe, "", &json!(1)).await, "source_kind"));
    assert!(named(
        &make(app, &qe, "rumour", &json!(1)).await,
        "source_kind"
    ));
    assert!(named(
        &make(app, &qe, "return", &json!(999_999)).await,
        "source_id"
    ));
    let other = app
        .api_ticket(&clerk, &c, "complaint_other", "柜体划伤")
        .await;
    assert!(named(
        &make(app, &qe, "complaint", &other["id"]).await,
        "source_id"
    ));
    let r = app
        .call(
            "POST",
            "/api/v1/quality-items",
            Some(&qe),
            Some(json!({"source_kind": "complaint"})),
        )
        .await;
    assert!(named(&r, "source_id"));

    // Technicians and salespeople are refused.
    for who in [&tech, &sales] {
        assert_eq!(
            make(app, who, "follow_up", &fu["id"]).await.status,
            StatusCode::FORBIDDEN
        );
        let r = app
            .call("GET", "/api/v1/quality-reviews/2026-03", Some(who), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(
            classify(app, who, &first, &first["version"]).await.status,
            StatusCode::FORBIDDEN
        );
    }

    // Classified on the version read; the same version again is stale.
    let r = classify(app, &qe, &first, &first["version"]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["cause"], "操作机构卡滞");
    assert_eq!(
        classify(app, &qe, &first, &first["version"]).await.status,
        StatusCode::CONFLICT
    );
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/quality-items/{}", first["id"]),
            Some(&qe),
            Some(json!({"version": 2, "summary": "x", "responsibility": "weather"})),
        )
        .await;
    assert!(named(&r, "responsibility"));
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/quality-items/{}", first["id"]),
            Some(&qe),
            Some(json!({"summary": "x"})),
        )
        .await;
    assert!(named(&r, "version"));

    // Actions: the owner and due date are required.
    let r = action(
        app,
        &qe,
        &first,
        json!({"kind": "corrective", "description": "补涂润滑脂", "due_on": "2026-03-15"}),
    )
    .await;
    assert!(named(&r, "owner"), "{}", r.text);
    let r = action(app, &qe, &first, json!({"kind": "corrective", "description": "补涂", "owner_user_id": 999_999, "due_on": "2026-03-15"})).await;
    assert!(named(&r, "owner_user_id"), "{}", r.text);
    let r = action(
        app,
        &qe,
        &first,
        json!({"kind": "corrective", "description": "装配工序增加润滑检查",
        "owner_user_id": qe_me["id"], "due_on": "2026-03-15"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let act = r.json();

    // The month cannot close while the follow-up's item lacks investigation and action.
    let r = app
        .call(
            "POST",
            "/api/v1/quality-reviews/2026-03/close",
            Some(&qe),
            None,
        )
        .await;
    assert!(named(&r, "month"), "{}", r.text);
    let rv = review(app, &qe, "2026-03").await;
    assert_eq!(rv["without_action"], json!([second["id"]]));
    // A third item, the same problem as the first: merged, it leaves the review.
    let fu3 = follow_up(app, &clerk, &c, "断路器又拒动").await;
    let third = make(app, &qe, "follow_up", &fu3["id"]).await.json();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/quality-items/{}/merge", first["id"]),
            Some(&qe),
            Some(json!({"items": [third["id"]]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/quality-items/{}/merge", first["id"]),
            Some(&qe),
            Some(json!({"items": [third["id"]]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let detail = app
        .call(
            "GET",
            &format!("/api/v1/quality-items/{}", first["id"]),
            Some(&qe),
            None,
        )
        .await
        .json();
    assert_eq!(detail["merged"][0]["id"], third["id"]);
    let merged = app
        .call(
            "GET",
            &format!("/api/v1/quality-items/{}", third["id"]),
            Some(&qe),
            None,
        )
        .await
        .json();
    assert_eq!(merged["status"], "merged");
    assert_eq!(merged["item"]["merged_into"], first["id"]);

    // Done with the second: the month closes, once.
    assert_eq!(
        classify(app, &qe, &second, &second["version"]).await.status,
        StatusCode::OK
    );
    let r = action(
        app,
        &qe,
        &second,
        json!({"kind": "preventive", "description": "温升试验加严",
        "owner_department": "技术部", "due_on": "2026-04-30"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .call(
            "POST",
            "/api/v1/quality-reviews/2026-03/close",
            Some(&qe),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["items"], 2);
    let r = app
        .call(
            "POST",
            "/api/v1/quality-reviews/2026-03/close",
            Some(&qe),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(review(app, &qe, "2026-03").await["closed"].is_object());

    // Overdue: the person owning the action is warned once; the department's is not.
    app.clock.set(at("2026-04-02T09:00:00+08:00"));
    assert_eq!(
        quality::sweep(&app.state, app.state.now()).await.unwrap(),
        1
    );
    assert_eq!(
        quality::sweep(&app.state, app.state.now()).await.unwrap(),
        0
    );
    sanbao_server::jobs::drain_outbox(&app.state, "test")
        .await
        .unwrap();
    let owner = sanbao_domain::UserId(qe_me["id"].as_i64().unwrap());
    let told: Vec<String> = sanbao_server::app::outbox::inbox(&app.state, owner, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.subject)
        .collect();
    assert_eq!(
        told.iter().filter(|s| s.contains("2026-03-15")).count(),
        1,
        "{told:?}"
    );
    // The open actions carry over to April until verified.
    let qe = sign_in(app, "q_eng").await;
    let april = review(app, &qe, "2026-04").await;
    assert_eq!(
        april["carried_over"].as_array().unwrap().len(),
        2,
        "{april}"
    );
    let verify = |v: Value| {
        let qe = qe.clone();
        let path = format!(
            "/api/v1/quality-items/{}/actions/{}/verify",
            first["id"], act["id"]
        );
        async move { app.call("POST", &path, Some(&qe), Some(v)).await }
    };
    assert!(named(
        &verify(json!({"version": act["version"], "note": " "})).await,
        "note"
    ));
    let r = verify(json!({"version": act["version"], "note": "连续三周无拒动"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json()["verified_at"].is_string());
    assert_eq!(
        verify(json!({"version": act["version"], "note": "again"}))
            .await
            .status,
        StatusCode::CONFLICT
    );
    let april = review(app, &qe, "2026-04").await;
    assert_eq!(
        april["carried_over"].as_array().unwrap().len(),
        1,
        "{april}"
    );
}
on_both_backends!(
    r7_the_quality_engineer_makes_classifies_acts_merges_and_closes_the_month,
    r7_the_quality_engineer_makes_classifies_acts_merges_and_closes_the_month_on_postgres,
    items_scenario
);

async fn pages_scenario(app: &TestApp) {
    app.clock.set(at("2026-03-10T10:00:00+08:00"));
    let clerk = app.token("qw_clerk", "service_clerk").await;
    let c = app
        .api_customer(&clerk, "湖州供电", "浙江省湖州市吴兴区1号")
        .await;
    app.api_ticket(&clerk, &c, "complaint_quality", "柜门变形")
        .await;
    // Technicians and salespeople are refused the review.
    for (name, role) in [("qw_tech", "technician"), ("qw_sales", "salesperson")] {
        let mut b = crate::web::signed_in(app, name, role).await;
        assert_eq!(b.get("/quality").await.status, StatusCode::FORBIDDEN);
    }
    let mut b = crate::web::signed_in(app, "qw_eng", "quality_engineer").await;
    let r = b.get("/quality?month=2026-03").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("柜门变形"), "{}", r.text);
    assert!(
        b.get("/quality?month=2026-13")
            .await
            .status
            .is_client_error()
    );
    let item = review(
        app,
        &app.token("qw_eng2", "quality_engineer").await,
        "2026-03",
    )
    .await["items"][0]["item"]["id"]
        .as_i64()
        .unwrap();
    // An action without its owner: the page again, the owner named, the text kept.
    let r = b
        .submit(
            &format!("/quality/items/{item}"),
            &format!("/quality/items/{item}/actions"),
            &[
                ("kind", "corrective"),
                ("description", "柜门加强筋"),
                ("due_on", "2026-03-31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("owner-error") && r.text.contains("柜门加强筋"));
    // Closing refused while the item lacks its investigation and action.
    let r = b
        .submit(
            "/quality?month=2026-03",
            "/quality/close",
            &[("month", "2026-03")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("quality-close-error"));
}
on_both_backends!(
    r7_2_the_review_pages_refuse_field_staff_and_keep_what_was_typed,
    r7_2_the_review_pages_refuse_field_staff_and_keep_what_was_typed_on_postgres,
    pages_scenario
);

/// An on-site form accepted with the company's responsibility becomes a quality item in the
/// review's own transaction, classified from the form (model, responsibility), once.
async fn accepted_form_scenario(app: &TestApp) {
    app.clock.set(at("2026-03-12T10:00:00+08:00"));
    let manager = app.token("qf_boss", "service_manager").await;
    let tech = app.token("qf_tech", "technician").await;
    let qe = app.token("qf_qe", "quality_engineer").await;
    let (job, _) = crate::on_site::job_on_unit(
        app,
        &manager,
        &tech,
        ("KYN28-12", "QF-0001"),
        Some("2025-08-20"),
    )
    .await;
    let form =
        crate::settlement::form(app, &tech, job["id"].as_i64().unwrap(), "manufacturing").await;
    let id = form["id"].as_i64().unwrap();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/forms/{id}/sign"),
            Some(&tech),
            Some(json!({"signer_name": "王工",
                "signature_png_base64": crate::on_site::png_b64()})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Nothing before the review accepts it.
    assert!(
        review(app, &qe, "2026-03").await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let review_url = format!("/api/v1/forms/{id}/review");
    let accept = || {
        app.call(
            "POST",
            &review_url,
            Some(&manager),
            Some(json!({"accept": true})),
        )
    };
    let r = accept().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rv = review(app, &qe, "2026-03").await;
    let rows = rv["items"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rv}");
    let item = &rows[0]["item"];
    assert_eq!(item["source_kind"], "field_form");
    assert_eq!(item["source_id"], id);
    assert_eq!(item["responsibility"], "manufacturing");
    assert_eq!(item["product_model"], "KYN28-12");
    // Accepted again (a retry): still one item.
    let _ = accept().await;
    assert_eq!(
        review(app, &qe, "2026-03").await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The engineer's button answers the item already made.
    let r = make(app, &qe, "field_form", &json!(id)).await;
    assert!(r.status.is_success(), "{}", r.text);
    assert_eq!(r.json()["id"], item["id"]);
}

on_both_backends!(
    r7_1_an_accepted_form_with_the_company_responsibility_is_an_item,
    r7_1_an_accepted_form_with_the_company_responsibility_is_an_item_on_postgres,
    accepted_form_scenario
);
