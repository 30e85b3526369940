//! The visit register (R3.6) through the API and the pages: who came, from where, when,
//! received by which senior engineer, the questions asked and the answers given.

use crate::replies::login;
use crate::support::{TestApp, on_both_backends};
use crate::web::{location, signed_in};
use axum::http::StatusCode;
use serde_json::{Value, json};

fn body(host: i64) -> Value {
    json!({
        "visitors": "李工、张工",
        "organisation": "嘉兴供电公司",
        "arrived_at": "2026-01-05T09:30:00+08:00",
        "left_at": "2026-01-05T11:00:00+08:00",
        "host_id": host,
        "purpose": "training",
        "qas": [
            {"question": "柜门联锁怎么解除？", "answer": "先断开主开关，再用专用钥匙。"},
            {"question": "", "answer": ""},
            {"question": "保护定值由谁设置？", "answer": "由供电公司按整定单设置。"},
        ],
    })
}

async fn count(app: &TestApp, token: &str) -> usize {
    let r = app.call("GET", "/api/v1/visits", Some(token), None).await;
    r.json()["items"].as_array().unwrap().len()
}

async fn r3_6_a_visit_is_registered_with_its_questions_and_answers_scenario(app: &TestApp) {
    let clerk = app.token("clerk1", "service_clerk").await;
    let host = app.user("eng_a", "senior_engineer").await;
    let other = app.user("eng_b", "senior_engineer").await;
    let tech = app.user("tech1", "technician").await;
    let tech_token = login(app, "tech1").await;
    let quality = app.token("qe1", "quality_engineer").await;
    let r = app
        .call(
            "POST",
            "/api/v1/visits",
            Some(&clerk),
            Some(body(host.id.0)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let v = r.json();
    assert_eq!(v["questions"], 2);
    assert_eq!(v["qas"][1]["question"], "保护定值由谁设置？");
    assert_eq!(v["host_name"], "eng_a-name");
    let id = v["id"].clone();
    // Others read it; the audit trail has it.
    let r = app
        .call("GET", &format!("/api/v1/visits/{id}"), Some(&quality), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["qas"].as_array().unwrap().len(), 2);
    let trail = app
        .db
        .audit_trail("visit", id.as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(trail.len(), 1);
    // A customer from the archive instead of an organisation.
    let c = app
        .api_customer(&clerk, "杭州电力", "杭州市西湖区文三路1号")
        .await;
    let mut b = body(other.id.0);
    b["organisation"] = Value::Null;
    b["customer_id"] = c["id"].clone();
    b["arrived_at"] = json!("2025-12-20T09:30:00+08:00");
    b["left_at"] = Value::Null;
    b["purpose"] = json!("visit");
    let r = app
        .call("POST", "/api/v1/visits", Some(&clerk), Some(b))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["customer_name"], "杭州电力");
    // Newest first; by month; by host.
    let r = app
        .call("GET", "/api/v1/visits", Some(&clerk), None)
        .await
        .json();
    assert_eq!(r["items"][0]["id"], id);
    let r = app
        .call("GET", "/api/v1/visits?month=2025-12", Some(&clerk), None)
        .await
        .json();
    assert_eq!(r["items"].as_array().unwrap().len(), 1);
    let r = app
        .call(
            "GET",
            &format!("/api/v1/visits?host_id={}", host.id.0),
            Some(&clerk),
            None,
        )
        .await
        .json();
    assert_eq!(r["items"].as_array().unwrap().len(), 1);
    let r = app
        .call("GET", "/api/v1/visits?month=2025-13", Some(&clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["fields"]["month"].is_string());
    // Bad input is refused by field and writes nothing.
    let before = count(app, &clerk).await;
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Change, &str)> = vec![
        (Box::new(|b| b["visitors"] = json!("a\u{0}b")), "visitors"),
        (
            Box::new(|b| b["visitors"] = json!("名".repeat(201))),
            "visitors",
        ),
        (
            Box::new(|b| b["organisation"] = Value::Null),
            "organisation",
        ),
        (
            Box::new(move |b| b["host_id"] = json!(tech.id.0)),
            "host_id",
        ),
        (Box::new(|b| b["host_id"] = json!(999_999)), "host_id"),
        (
            Box::new(|b| b["customer_id"] = json!(999_999)),
            "customer_id",
        ),
        (Box::new(|b| b["purpose"] = json!("party")), "purpose"),
        (
            Box::new(|b| b["left_at"] = json!("2026-01-05T08:00:00+08:00")),
            "left_at",
        ),
        (
            Box::new(|b| b["arrived_at"] = json!("2099-01-05T08:00:00+08:00")),
            "arrived_at",
        ),
        (
            Box::new(|b| b["qas"][0]["answer"] = json!("")),
            "qas[0].answer",
        ),
        (
            Box::new(|b| b["qas"][2]["question"] = json!("问".repeat(2001))),
            "qas[2].question",
        ),
    ];
    for (change, field) in cases {
        let mut b = body(host.id.0);
        change(&mut b);
        let r = app
            .call("POST", "/api/v1/visits", Some(&clerk), Some(b))
            .await;
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
    // A role that does not register visits.
    let r = app
        .call(
            "POST",
            "/api/v1/visits",
            Some(&tech_token),
            Some(body(host.id.0)),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(count(app, &clerk).await, before);
    let r = app
        .call("GET", "/api/v1/visits/999999", Some(&clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
on_both_backends!(
    r3_6_a_visit_is_registered_with_its_questions_and_answers,
    r3_6_a_visit_is_registered_with_its_questions_and_answers_on_postgres,
    r3_6_a_visit_is_registered_with_its_questions_and_answers_scenario
);

async fn r3_6_the_visit_pages_register_list_and_show_a_visit_scenario(app: &TestApp) {
    let host = app.user("eng_a", "senior_engineer").await;
    let hid = host.id.0.to_string();
    let mut b = signed_in(app, "clerk_web", "service_clerk").await;
    let p = b.get("/visits").await;
    assert_eq!(p.status, StatusCode::OK);
    // Problems are named, what was typed is kept, nothing is written.
    let r = b
        .submit(
            "/visits/new",
            "/visits",
            &[
                ("visitors", ""),
                ("organisation", "嘉兴供电公司"),
                ("arrived_at", "2026-01-05T09:30"),
                ("host_id", &hid),
                ("purpose", "visit"),
                ("qas[0].question", "为什么跳闸？"),
                ("qas[0].answer", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("visitors-error") && r.text.contains("qa-0-a-error"));
    assert!(r.text.contains("为什么跳闸？") && r.text.contains("嘉兴供电公司"));
    // One more row without losing what was typed.
    let r = b
        .submit(
            "/visits/new",
            "/visits",
            &[
                ("visitors", "李工"),
                ("intent", "more"),
                ("qas[0].question", "q"),
                ("qas[0].answer", "a"),
                ("qas[1].question", ""),
                ("qas[1].answer", ""),
                ("qas[2].question", ""),
                ("qas[2].answer", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("qas[3].question") && r.text.contains("李工"));
    let r = b
        .submit(
            "/visits/new",
            "/visits",
            &[
                ("visitors", "李工"),
                ("organisation", "嘉兴供电公司"),
                ("arrived_at", "2026-01-05T09:30"),
                ("left_at", "2026-01-05T11:00"),
                ("host_id", &hid),
                ("purpose", "training"),
                ("qas[0].question", "为什么跳闸？"),
                ("qas[0].answer", "过流保护动作。"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let p = b.get(&location(&r)).await;
    assert!(p.text.contains("过流保护动作。") && p.text.contains("eng_a-name"));
    let p = b.get("/visits?month=2026-01").await;
    assert!(p.text.contains("李工"));
    let p = b.get("/visits?month=2025-01").await;
    assert!(!p.text.contains("李工"));
    // From a customer's page: the visit names the customer.
    let clerk = crate::replies::login(app, "clerk_web").await;
    let c = app
        .api_customer(&clerk, "杭州电力", "杭州市西湖区文三路1号")
        .await;
    let page = b.get(&format!("/customers/{}", c["id"])).await;
    assert!(
        page.text
            .contains(&format!("/visits/new?customer_id={}", c["id"]))
    );
    let form = format!("/visits/new?customer_id={}", c["id"]);
    let cid = c["id"].to_string();
    let r = b
        .submit(
            &form,
            "/visits",
            &[
                ("visitors", "周工"),
                ("customer_id", &cid),
                ("organisation", ""),
                ("arrived_at", "2026-01-06T09:30"),
                ("host_id", &hid),
                ("purpose", "visit"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let p = b.get(&location(&r)).await;
    assert!(p.text.contains("杭州电力"));
    // A technician reads the register but is not offered the form.
    let mut t = signed_in(app, "tech_web", "technician").await;
    let p = t.get("/visits").await;
    assert!(!p.text.contains("id=\"new-visit\""));
    assert_eq!(t.get("/visits/new").await.status, StatusCode::FORBIDDEN);
}
on_both_backends!(
    r3_6_the_visit_pages_register_list_and_show_a_visit,
    r3_6_the_visit_pages_register_list_and_show_a_visit_on_postgres,
    r3_6_the_visit_pages_register_list_and_show_a_visit_scenario
);
