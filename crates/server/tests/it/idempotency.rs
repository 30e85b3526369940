//! `Idempotency-Key` on ticket creation and ticket events: a request sent again with its
//! key is done once and answered as the first time (with `Idempotent-Replay: true`); the
//! key with another request, or a malformed key, is a 422 naming `Idempotency-Key` that
//! writes nothing. On both databases, and at once on PostgreSQL.

use crate::support::{Response, TestApp, on_both_backends};
use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;

const KEY: &str = "3f2b9c1e-8d4a-4b7e-9c1d-2a6e5f7b8c90";

fn request(uri: &str, token: &str, key: Option<&[u8]>, body: &str) -> Request<Body> {
    let mut b = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(k) = key {
        b = b.header("Idempotency-Key", HeaderValue::from_bytes(k).unwrap());
    }
    b.body(Body::from(body.to_string())).unwrap()
}

async fn post(app: &TestApp, uri: &str, token: &str, key: Option<&str>, body: &Value) -> Response {
    app.send(request(
        uri,
        token,
        key.map(str::as_bytes),
        &body.to_string(),
    ))
    .await
}

fn replayed(r: &Response) -> bool {
    match r.headers.get("idempotent-replay") {
        None => false,
        Some(v) => {
            assert_eq!(v, "true");
            true
        }
    }
}

fn names_the_key(r: &Response, code_text: &str) {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let body = r.json();
    assert_eq!(body["error"]["code"], "validation", "{body}");
    assert!(
        body["error"]["fields"]["Idempotency-Key"].is_string(),
        "names Idempotency-Key: {body}"
    );
    if !code_text.is_empty() {
        assert_eq!(
            body["error"]["fields"]["Idempotency-Key"], code_text,
            "{body}"
        );
    }
}

async fn tickets_of(app: &TestApp, token: &str, customer: &Value) -> Vec<i64> {
    let r = app
        .call(
            "GET",
            &format!("/api/v1/tickets?customer_id={}", customer["id"]),
            Some(token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

async fn timeline(app: &TestApp, token: &str, id: i64) -> Vec<String> {
    let r = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{id}/events"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

fn repair(customer: &Value, summary: &str) -> Value {
    json!({"kind": "repair", "channel": "phone", "customer_id": customer["id"], "summary": summary})
}

async fn ticket_sent_twice(app: &TestApp) {
    let token = app.token("clerk", "service_clerk").await;
    let c = app
        .api_customer(&token, "杭州甲", "杭州市西湖区文三路1号")
        .await;
    let body = repair(&c, "柜内异响");
    let first = post(app, "/api/v1/tickets", &token, Some(KEY), &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert!(!replayed(&first));
    let second = post(app, "/api/v1/tickets", &token, Some(KEY), &body).await;
    assert_eq!(second.status, StatusCode::CREATED, "{}", second.text);
    assert!(replayed(&second));
    let (a, b) = (first.json(), second.json());
    assert_eq!(a["id"], b["id"]);
    assert_eq!(a["number"], b["number"]);
    // The same body written differently (other order, spacing) is the same request.
    let reordered = format!(
        r#"{{ "summary": "柜内异响", "customer_id": {}, "channel": "phone", "kind": "repair" }}"#,
        c["id"]
    );
    let third = app
        .send(request(
            "/api/v1/tickets",
            &token,
            Some(KEY.as_bytes()),
            &reordered,
        ))
        .await;
    assert_eq!(third.status, StatusCode::CREATED, "{}", third.text);
    assert!(replayed(&third));
    assert_eq!(third.json()["id"], a["id"]);
    let id = a["id"].as_i64().unwrap();
    assert_eq!(tickets_of(app, &token, &c).await, vec![id]);
    assert_eq!(timeline(app, &token, id).await.len(), 1, "one audit entry");
    // Without a key, the same body is another ticket, as before.
    let plain = post(app, "/api/v1/tickets", &token, None, &body).await;
    assert_eq!(plain.status, StatusCode::CREATED, "{}", plain.text);
    assert!(!replayed(&plain));
    assert_eq!(tickets_of(app, &token, &c).await.len(), 2);
}
on_both_backends!(
    a_ticket_sent_twice_with_one_key_is_opened_once,
    a_ticket_sent_twice_with_one_key_is_opened_once_on_postgres,
    ticket_sent_twice
);

async fn key_with_another_request(app: &TestApp) {
    let token = app.token("clerk", "service_clerk").await;
    let c = app
        .api_customer(&token, "杭州乙", "杭州市滨江区江南大道1号")
        .await;
    let first = post(app, "/api/v1/tickets", &token, Some(KEY), &repair(&c, "甲")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let other = post(app, "/api/v1/tickets", &token, Some(KEY), &repair(&c, "乙")).await;
    names_the_key(&other, "");
    let en = app
        .send({
            let mut r = request(
                "/api/v1/tickets",
                &token,
                Some(KEY.as_bytes()),
                &repair(&c, "乙").to_string(),
            );
            r.headers_mut()
                .insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("en"));
            r
        })
        .await;
    names_the_key(&en, "Already used for a different request");
    assert_eq!(
        tickets_of(app, &token, &c).await.len(),
        1,
        "nothing written"
    );
    // Another user's key of the same text is theirs: two tickets.
    let other_clerk = app.token("clerk2", "service_clerk").await;
    let theirs = post(
        app,
        "/api/v1/tickets",
        &other_clerk,
        Some(KEY),
        &repair(&c, "甲"),
    )
    .await;
    assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.text);
    assert!(!replayed(&theirs));
    assert_ne!(theirs.json()["id"], first.json()["id"]);
    assert_eq!(tickets_of(app, &token, &c).await.len(), 2);
}
on_both_backends!(
    a_key_sent_with_another_request_is_refused_and_writes_nothing,
    a_key_sent_with_another_request_is_refused_and_writes_nothing_on_postgres,
    key_with_another_request
);

async fn malformed_keys(app: &TestApp) {
    let token = app.token("clerk", "service_clerk").await;
    let c = app
        .api_customer(&token, "杭州丙", "杭州市上城区解放路1号")
        .await;
    let body = repair(&c, "柜门变形").to_string();
    let long = "k".repeat(300);
    for key in [
        &b""[..],
        long.as_bytes(),
        b"a\tb",
        b"with space",
        "键".as_bytes(),
    ] {
        let r = app
            .send(request("/api/v1/tickets", &token, Some(key), &body))
            .await;
        names_the_key(&r, "");
    }
    // The key sent twice in one request.
    let mut twice = request("/api/v1/tickets", &token, Some(b"a"), &body);
    twice
        .headers_mut()
        .append("Idempotency-Key", HeaderValue::from_static("b"));
    names_the_key(&app.send(twice).await, "");
    assert!(
        tickets_of(app, &token, &c).await.is_empty(),
        "nothing written"
    );
    // 200 characters is the most.
    let r = app
        .send(request(
            "/api/v1/tickets",
            &token,
            Some("k".repeat(200).as_bytes()),
            &body,
        ))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}
on_both_backends!(
    a_malformed_key_is_a_422_naming_the_header,
    a_malformed_key_is_a_422_naming_the_header_on_postgres,
    malformed_keys
);

async fn step_sent_twice(app: &TestApp) {
    let token = app.token("boss", "service_manager").await;
    let c = app
        .api_customer(&token, "杭州丁", "杭州市拱墅区莫干山路1号")
        .await;
    let t = app.api_ticket(&token, &c, "repair", "跳闸").await;
    let id = t["id"].as_i64().unwrap();
    let uri = format!("/api/v1/tickets/{id}/events");
    let note = json!({"type": "note", "version": t["version"], "text": "客户来电催促"});
    let first = post(app, &uri, &token, Some(KEY), &note).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert!(!replayed(&first));
    // Sent again from the version it read: no 409, the ticket as it is now.
    let second = post(app, &uri, &token, Some(KEY), &note).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    assert!(replayed(&second));
    assert_eq!(second.json()["version"], first.json()["version"]);
    let notes = timeline(app, &token, id)
        .await
        .into_iter()
        .filter(|a| a == "note")
        .count();
    assert_eq!(notes, 1, "one timeline entry");
    // Without the key, the same step is taken again, as before.
    let plain = post(app, &uri, &token, None, &note).await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.text);
    assert!(!replayed(&plain));
    let notes = timeline(app, &token, id)
        .await
        .into_iter()
        .filter(|a| a == "note")
        .count();
    assert_eq!(notes, 2);
    // The same key on another ticket is another request.
    let t2 = app.api_ticket(&token, &c, "repair", "漏电").await;
    let note2 = json!({"type": "note", "version": t2["version"], "text": "客户来电催促"});
    let elsewhere = post(
        app,
        &format!("/api/v1/tickets/{}/events", t2["id"]),
        &token,
        Some(KEY),
        &note2,
    )
    .await;
    names_the_key(&elsewhere, "");
    assert!(
        !timeline(app, &token, t2["id"].as_i64().unwrap())
            .await
            .contains(&"note".to_string())
    );
    // A key used for a step is not one for opening a ticket either.
    let open = post(app, "/api/v1/tickets", &token, Some(KEY), &repair(&c, "x")).await;
    names_the_key(&open, "");
}
on_both_backends!(
    a_step_sent_twice_with_one_key_is_taken_once,
    a_step_sent_twice_with_one_key_is_taken_once_on_postgres,
    step_sent_twice
);

/// Eight phones' worth of retries of one request, all at the same moment.
async fn the_same_key_sent_at_once_opens_one_ticket(app: &TestApp) {
    const AT_ONCE: usize = 8;
    let token = app.token("clerk", "service_clerk").await;
    let c = app
        .api_customer(&token, "杭州戊", "杭州市余杭区文一西路1号")
        .await;
    let body = repair(&c, "断路器拒动").to_string();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(AT_ONCE));
    let tasks: Vec<_> = (0..AT_ONCE)
        .map(|_| {
            let (router, barrier) = (app.router.clone(), barrier.clone());
            let req = request("/api/v1/tickets", &token, Some(KEY.as_bytes()), &body);
            tokio::spawn(async move {
                barrier.wait().await;
                let res = router.oneshot(req).await.unwrap();
                let status = res.status();
                let replay = res.headers().contains_key("idempotent-replay");
                let bytes = http_body_util::BodyExt::collect(res.into_body())
                    .await
                    .unwrap()
                    .to_bytes();
                let v: Value = serde_json::from_slice(&bytes).unwrap();
                (status, replay, v)
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    assert!(
        answers.iter().all(|(s, _, _)| *s == StatusCode::CREATED),
        "{answers:?}"
    );
    let ids: std::collections::BTreeSet<i64> = answers
        .iter()
        .map(|(_, _, v)| v["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "one ticket id for all: {answers:?}");
    let firsts = answers.iter().filter(|(_, replay, _)| !replay).count();
    assert_eq!(firsts, 1, "one opened it, the others replayed: {answers:?}");
    assert_eq!(tickets_of(app, &token, &c).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_key_sent_at_once_opens_one_ticket_on_sqlite() {
    the_same_key_sent_at_once_opens_one_ticket(&TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_key_sent_at_once_opens_one_ticket_on_postgres() {
    if let Some(app) = TestApp::postgres_with_pool(8).await {
        the_same_key_sent_at_once_opens_one_ticket(&app).await;
    }
}

/// The OpenAPI document tells clients about the header on both operations.
#[tokio::test]
async fn the_openapi_document_names_the_header() {
    let app = TestApp::new().await;
    let doc = app
        .call("GET", "/api/openapi.json", None, None)
        .await
        .json();
    for (path, status) in [
        ("/api/v1/tickets", "201"),
        ("/api/v1/tickets/{id}/events", "200"),
    ] {
        let op = &doc["paths"][path]["post"];
        let header = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "Idempotency-Key")
            .unwrap_or_else(|| panic!("{path}: {op}"));
        assert_eq!(header["in"], "header");
        assert_eq!(header["required"], false);
        assert!(
            op["responses"][status]["headers"]["Idempotent-Replay"].is_object(),
            "{path}: {op}"
        );
    }
}
