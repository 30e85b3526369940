//! Similar past cases (issue 11, part 5) through the API and the pages, on both
//! databases: a form accepted and a ticket resolved each make a case at once; a new fault
//! finds them by the Chinese words of its summary; huge or odd text never fails; every
//! member of staff who may read tickets reads the cases, nobody else.

use crate::on_site::{job_on_unit, on_site, signed_form};
use crate::support::{TestApp, on_both_backends};
use crate::web::signed_in;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn similar(app: &TestApp, token: &str, ticket: &Value) -> Vec<Value> {
    let r = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{}/similar", ticket["id"]),
            Some(token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json().as_array().unwrap().clone()
}

/// One workflow step that must succeed; answers the ticket after it.
async fn step(app: &TestApp, token: &str, t: &Value, mut body: Value) -> Value {
    body["version"] = t["version"].clone();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tickets/{}/events", t["id"]),
            Some(token),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

fn ids(cases: &[Value]) -> Vec<i64> {
    cases
        .iter()
        .map(|c| c["ticket_id"].as_i64().unwrap())
        .collect()
}

async fn similar_cases_scenario(app: &TestApp) {
    app.clock.set(at("2026-06-10T10:00:00+08:00"));
    let boss = app.token("sim_boss", "service_manager").await;
    let tech = app.token("sim_tech", "technician").await;
    let sales = app.token("sim_sales", "salesperson").await;

    // A repair on a KYN28A-12 unit: its form accepted makes the first case.
    let (job, unit) = job_on_unit(
        app,
        &boss,
        &tech,
        ("KYN28A-12", "S-0001"),
        Some("2025-05-10"),
    )
    .await;
    let form = signed_form(app, &tech, job["id"].as_i64().unwrap()).await;
    let r = app
        .call(
            "POST",
            &format!("/api/v1/forms/{form}/review"),
            Some(&boss),
            Some(json!({"accept": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let repaired = job["ticket_id"].as_i64().unwrap();

    // A complaint resolved makes the second case, its resolution how it was solved.
    let c = app
        .api_customer(&boss, "拱墅供电所", "浙江省杭州市拱墅区湖墅南路1号")
        .await;
    let complaint = app
        .api_ticket(&boss, &c, "complaint_quality", "10kV断路器合闸时拒合")
        .await;
    let complaint = step(
        app,
        &boss,
        &complaint,
        json!({"type": "give_opinion", "opinion": "派员检查合闸回路"}),
    )
    .await;
    step(
        app,
        &boss,
        &complaint,
        json!({"type": "resolve", "resolution": "更换合闸线圈，恢复送电"}),
    )
    .await;

    // A new fault: the words inside the longer summary find the complaint.
    let fault = app.api_ticket(&boss, &c, "repair", "断路器拒合").await;
    let found = similar(app, &boss, &fault).await;
    assert_eq!(ids(&found), vec![complaint["id"].as_i64().unwrap()]);
    assert_eq!(found[0]["handling"], "更换合闸线圈，恢复送电");
    assert_eq!(found[0]["matched"], "text");

    // A new fault on a unit of the same model: the accepted repair first, with its cause.
    let r = app
        .call(
            "POST",
            "/api/v1/tickets",
            Some(&boss),
            Some(json!({"kind": "emergency", "channel": "phone",
                "customer_id": unit["customer_id"], "unit_id": unit["id"],
                "summary": "断路器合闸拒合，开关柜无法送电"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let same_model = r.json();
    let found = similar(app, &boss, &same_model).await;
    assert_eq!(
        ids(&found),
        vec![repaired, complaint["id"].as_i64().unwrap()]
    );
    assert_eq!(found[0]["matched"], "same_model");
    assert_eq!(found[0]["fault_cause"], "触头烧蚀");
    assert_eq!(found[0]["handling"], "更换并试验");

    // Whoever may read tickets reads the cases: a salesperson and a technician alike;
    // nobody signed out.
    assert_eq!(ids(&similar(app, &sales, &same_model).await), ids(&found));
    assert_eq!(ids(&similar(app, &tech, &same_model).await), ids(&found));
    let r = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{}/similar", same_model["id"]),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    let r = app
        .call("GET", "/api/v1/tickets/999999/similar", Some(&boss), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

    // A 50 kB summary and a NUL byte: refused or taken, never a failure.
    let huge = "断路器拒合，".repeat(3000);
    assert!(huge.len() > 50_000);
    for summary in [huge.as_str(), "断路器\u{0}拒合", "\"' OR NEAR( | & ! :*"] {
        let r = app
            .call(
                "POST",
                "/api/v1/tickets",
                Some(&boss),
                Some(
                    json!({"kind": "repair", "channel": "phone", "customer_id": c["id"],
                    "summary": summary}),
                ),
            )
            .await;
        assert!(
            r.status.is_client_error() || r.status.is_success(),
            "{}",
            r.status
        );
        if r.status.is_success() {
            similar(app, &boss, &r.json()).await;
        }
    }
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tickets/{}/events", fault["id"]),
            Some(&boss),
            Some(json!({"type": "resolve", "version": fault["version"], "resolution": huge})),
        )
        .await;
    assert!(
        r.status.is_client_error() || r.status.is_success(),
        "{}",
        r.status
    );

    // The ticket page of the open fault shows the panel; a resolved one does not.
    let mut b = signed_in(app, "sim_clerk", "service_clerk").await;
    let r = b.get(&format!("/tickets/{}", same_model["id"])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for want in [
        "相似历史案例",
        "触头烧蚀",
        "更换并试验",
        "更换合闸线圈",
        "同型号",
    ] {
        assert!(r.text.contains(want), "{want} missing");
    }
    let r = b.get(&format!("/tickets/{}", complaint["id"])).await;
    assert!(!r.text.contains("相似历史案例"));

    // The job sent for the open fault shows the same cases on its page; another
    // technician, not on the job, cannot open it.
    let job2 = on_site(app, &boss, &tech, &same_model).await;
    let r = b.get(&format!("/field/jobs/{}", job2["id"])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for want in ["相似历史案例", "触头烧蚀", "更换合闸线圈"] {
        assert!(r.text.contains(want), "job page: {want} missing");
    }
    let mut other = signed_in(app, "sim_tech2", "technician").await;
    let r = other.get(&format!("/field/jobs/{}", job2["id"])).await;
    assert!(!r.text.contains("触头烧蚀"), "{}", r.status);
    assert!(r.status.is_client_error(), "{}", r.status);

    // `sanbao reindex-cases` writes the same cases again: the same answers after it.
    let n = sanbao_server::app::similar::reindex(&app.state)
        .await
        .unwrap();
    assert!(n >= 2, "{n}");
    assert_eq!(ids(&similar(app, &boss, &same_model).await), ids(&found));
}

on_both_backends!(
    similar_cases_are_indexed_when_finished_and_found_by_their_words,
    similar_cases_are_indexed_when_finished_and_found_by_their_words_on_postgres,
    similar_cases_scenario
);
