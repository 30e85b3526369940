//! Service requests (R4.1–R4.3) through the API, on both databases: a salesperson files for
//! their own customer (the ticket opened with it), never for another's; bad input names its
//! fields and writes nothing; the department sends someone or answers remotely; nobody sees
//! another salesperson's customers' requests.

use crate::support::{TestApp, on_both_backends};
use axum::http::StatusCode;
use serde_json::{Value, json};

struct World {
    admin: String,
    clerk: String,
    sales: String,
    mine: Value,
    theirs: Value,
    unit: Value,
}

async fn world(app: &TestApp) -> World {
    let admin = app.token("admin1", "admin").await;
    let clerk = app.token("clerk1", "service_clerk").await;
    let sales = app.token("sales1", "salesperson").await;
    let me = app
        .call("GET", "/api/v1/me", Some(&sales), None)
        .await
        .json();
    let r = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(&clerk),
            Some(
                json!({"name": "杭州电力", "address": "杭州市西湖区文三路1号",
                    "salesperson_id": me["id"],
                    "contacts": [{"name": "王工", "phone": "138 0000 0001"}]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let mine = r.json();
    let theirs = app
        .api_customer(&clerk, "宁波港", "宁波市北仑区明州路1号")
        .await;
    let r = app
        .call(
            "POST",
            "/api/v1/product-models",
            Some(&admin),
            Some(
                json!({"code": "KYN28A-12", "name": "中置式开关柜", "product_line": "中压开关柜"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .call(
            "POST",
            "/api/v1/units",
            Some(&admin),
            Some(json!({"customer_id": mine["id"], "model_code": "KYN28A-12",
                    "serial_no": "S-0001", "shipped_on": "2026-01-05",
                    "commissioned_on": "2026-02-01"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    World {
        admin,
        clerk,
        sales,
        mine,
        theirs,
        unit: r.json(),
    }
}

fn body(customer: &Value, unit: Option<&Value>, kind: &str) -> Value {
    json!({
        "customer_id": customer["id"],
        "unit_id": unit.map(|u| u["id"].clone()),
        "model_code": if unit.is_none() { json!("ZW32-12") } else { Value::Null },
        "contact_name": "王工",
        "contact_phone": "138 0000 0001",
        "kind": kind,
        "problem": "断路器跳闸后无法合闸",
    })
}

async fn file(app: &TestApp, token: &str, b: Value) -> crate::support::Response {
    app.call("POST", "/api/v1/service-requests", Some(token), Some(b))
        .await
}

async fn count(app: &TestApp, token: &str, uri: &str) -> usize {
    let r = app.call("GET", uri, Some(token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["items"].as_array().unwrap().len()
}

async fn filing(app: &TestApp) {
    let w = world(app).await;
    // Filed for one's own customer: the ticket comes with it, from the salesperson, with
    // its deadlines running from now (an emergency's arrival promise).
    let r = file(app, &w.sales, body(&w.mine, Some(&w.unit), "emergency")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let req = r.json();
    assert_eq!(req["status"], "new");
    assert_eq!(req["model_code"], "KYN28A-12");
    assert_eq!(req["unit_serial"], "S-0001");
    let t = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{}", req["ticket_id"]),
            Some(&w.clerk),
            None,
        )
        .await
        .json();
    assert_eq!(t["channel"], "salesperson");
    assert_eq!(t["kind"], "emergency");
    assert_eq!(t["unit_id"], w.unit["id"]);
    let deadlines = t["deadlines"].as_array().unwrap();
    assert!(
        deadlines.iter().any(|d| d["kind"] == "arrival"),
        "{deadlines:?}"
    );
    // The model when the serial is not known.
    let r = file(app, &w.sales, body(&w.mine, None, "repair")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["model_code"], "ZW32-12");

    let tickets_before = count(app, &w.clerk, "/api/v1/tickets").await;
    let requests_before = count(app, &w.clerk, "/api/v1/service-requests").await;
    // Another salesperson's customer: refused.
    let r = file(app, &w.sales, body(&w.theirs, None, "repair")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // A technician files nothing.
    let tech = app.token("tech1", "technician").await;
    let r = file(app, &tech, body(&w.mine, None, "repair")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // Bad input: every field named, nothing written (no ticket either).
    let r = file(app, &w.sales, json!({"customer_id": w.mine["id"]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    for f in [
        "contact_name",
        "contact_phone",
        "kind",
        "problem",
        "unit_id",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} in {}", r.text);
    }
    // A unit of another customer is named.
    let r = file(app, &w.admin, body(&w.theirs, Some(&w.unit), "repair")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.json()["error"]["fields"]["unit_id"].is_string(),
        "{}",
        r.text
    );
    assert_eq!(
        count(app, &w.clerk, "/api/v1/tickets").await,
        tickets_before
    );
    assert_eq!(
        count(app, &w.clerk, "/api/v1/service-requests").await,
        requests_before
    );
    // The admin files for anyone.
    let r = file(app, &w.admin, body(&w.theirs, None, "training")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

on_both_backends!(
    a_salesperson_files_for_their_own_customer_with_its_ticket,
    a_salesperson_files_for_their_own_customer_with_its_ticket_on_postgres,
    filing
);

async fn handling(app: &TestApp) {
    let w = world(app).await;
    let sent = file(app, &w.sales, body(&w.mine, Some(&w.unit), "repair"))
        .await
        .json();
    let repair = file(app, &w.sales, body(&w.mine, None, "repair"))
        .await
        .json();
    let emergency = file(app, &w.sales, body(&w.mine, Some(&w.unit), "emergency"))
        .await
        .json();
    // New first.
    let list = app
        .call(
            "GET",
            "/api/v1/service-requests?status=new",
            Some(&w.clerk),
            None,
        )
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), 3);

    // The salesperson may not send anyone.
    let uri = |r: &Value, what: &str| format!("/api/v1/service-requests/{}/{what}", r["id"]);
    let r = app
        .call("POST", &uri(&sent, "job"), Some(&w.sales), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // The department sends someone: the ticket's job, with the request's contact.
    let r = app
        .call("POST", &uri(&sent, "job"), Some(&w.clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let out = r.json();
    assert_eq!(out["request"]["status"], "on_site");
    assert_eq!(out["request"]["job_status"], "open");
    assert_eq!(out["job"]["ticket_id"], sent["ticket_id"]);
    assert_eq!(out["job"]["contact_name"], "王工");
    assert_eq!(out["job"]["contact_phone"], "138 0000 0001");
    assert_eq!(out["job"]["model_code"], "KYN28A-12");
    assert_eq!(out["job"]["problem"], "断路器跳闸后无法合闸");
    let job = app
        .call(
            "GET",
            &format!("/api/v1/jobs/{}", out["job"]["id"]),
            Some(&w.clerk),
            None,
        )
        .await;
    assert_eq!(job.status, StatusCode::OK, "{}", job.text);
    // Not twice.
    let r = app
        .call("POST", &uri(&sent, "job"), Some(&w.clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // Answered remotely: a missing method and answer are named.
    let r = app
        .call(
            "POST",
            &uri(&repair, "remote-answer"),
            Some(&w.clerk),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    for f in ["method", "answer"] {
        assert!(
            r.json()["error"]["fields"][f].is_string(),
            "{f}: {}",
            r.text
        );
    }
    // A repair's ticket is resolved with the answer, and its timeline has it.
    let r = app
        .call(
            "POST",
            &uri(&repair, "remote-answer"),
            Some(&w.clerk),
            Some(json!({"method": "phone", "answer": "指导客户复位后合闸正常"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let out = r.json();
    assert_eq!(out["ticket_resolved"], true, "{out}");
    assert_eq!(out["request"]["status"], "answered_remotely");
    assert_eq!(out["request"]["remote"]["method"], "phone");
    let t = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{}", repair["ticket_id"]),
            Some(&w.clerk),
            None,
        )
        .await
        .json();
    assert_eq!(t["status"], "resolved");
    assert_eq!(t["resolution"], "指导客户复位后合闸正常");
    let events = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{}/events", repair["ticket_id"]),
            Some(&w.clerk),
            None,
        )
        .await
        .json();
    let events = events.as_array().unwrap();
    assert!(
        events.iter().any(|e| e["action"] == "note"
            && e["note"]
                .as_str()
                .is_some_and(|n| n.contains("指导客户复位后合闸正常"))),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| e["action"] == "resolve"),
        "{events:?}"
    );
    // An emergency's arrival deadline still stands: the ticket stays open.
    let r = app
        .call(
            "POST",
            &uri(&emergency, "remote-answer"),
            Some(&w.clerk),
            Some(json!({"method": "video", "answer": "远程指导隔离故障回路"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let out = r.json();
    assert_eq!(out["ticket_resolved"], false, "{out}");
    assert_eq!(out["unmet_deadlines"], json!(["arrival"]));
    let t = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{}", emergency["ticket_id"]),
            Some(&w.clerk),
            None,
        )
        .await
        .json();
    assert_eq!(t["status"], "open");
    let events = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{}/events", emergency["ticket_id"]),
            Some(&w.clerk),
            None,
        )
        .await
        .json();
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "note"),
        "{events}"
    );
    // Answered once only.
    let r = app
        .call(
            "POST",
            &uri(&emergency, "remote-answer"),
            Some(&w.clerk),
            Some(json!({"method": "phone", "answer": "again"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
}

on_both_backends!(
    the_department_sends_someone_or_answers_remotely,
    the_department_sends_someone_or_answers_remotely_on_postgres,
    handling
);

async fn visibility(app: &TestApp) {
    let w = world(app).await;
    let mine = file(app, &w.sales, body(&w.mine, None, "repair"))
        .await
        .json();
    let theirs = file(app, &w.clerk, body(&w.theirs, None, "repair"))
        .await
        .json();
    // Another salesperson sees neither mine nor, in their list, anything.
    let other = app.token("sales2", "salesperson").await;
    let r = app
        .call(
            "GET",
            &format!("/api/v1/service-requests/{}", mine["id"]),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert_eq!(count(app, &other, "/api/v1/service-requests").await, 0);
    // The salesperson sees their own, not the other customer's.
    let r = app
        .call(
            "GET",
            &format!("/api/v1/service-requests/{}", theirs["id"]),
            Some(&w.sales),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let list = app
        .call("GET", "/api/v1/service-requests", Some(&w.sales), None)
        .await
        .json();
    let ids: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["id"])
        .collect();
    assert_eq!(ids, [&mine["id"]]);
    // The department sees both; a technician none.
    assert_eq!(count(app, &w.clerk, "/api/v1/service-requests").await, 2);
    let tech = app.token("tech1", "technician").await;
    let r = app
        .call("GET", "/api/v1/service-requests", Some(&tech), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .call(
            "GET",
            "/api/v1/service-requests?status=lost",
            Some(&w.clerk),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
}

on_both_backends!(
    a_salesperson_never_sees_another_salespersons_requests,
    a_salesperson_never_sees_another_salespersons_requests_on_postgres,
    visibility
);

fn keyed(token: &str, key: &str, b: &Value) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/service-requests")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("Idempotency-Key", key)
        .body(axum::body::Body::from(b.to_string()))
        .unwrap()
}

/// A phone that loses the answer and sends the request again files it once.
async fn retried(app: &TestApp) {
    let w = world(app).await;
    let key = "7d0c2f7e-3b1a-4e55-9a0e-5c1f2d3e4a5b";
    let b = body(&w.mine, Some(&w.unit), "repair");
    let first = app.send(keyed(&w.sales, key, &b)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert!(first.headers.get("idempotent-replay").is_none());
    let second = app.send(keyed(&w.sales, key, &b)).await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.text);
    assert_eq!(
        second
            .headers
            .get("idempotent-replay")
            .map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
    assert_eq!(first.json()["id"], second.json()["id"]);
    assert_eq!(first.json()["ticket_id"], second.json()["ticket_id"]);
    assert_eq!(count(app, &w.clerk, "/api/v1/service-requests").await, 1);
    assert_eq!(count(app, &w.clerk, "/api/v1/tickets").await, 1);
    // The key with another request is refused and writes nothing.
    let other = app
        .send(keyed(&w.sales, key, &body(&w.mine, None, "training")))
        .await;
    assert_eq!(
        other.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other.text
    );
    assert_eq!(count(app, &w.clerk, "/api/v1/service-requests").await, 1);
}

on_both_backends!(
    a_request_sent_again_with_its_key_is_filed_once,
    a_request_sent_again_with_its_key_is_filed_once_on_postgres,
    retried
);
