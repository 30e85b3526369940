//! Training records (R1.6, R1.7) and the document library through the API, on both
//! databases: bad input names its field and writes nothing; a salesperson may not record a
//! session; a technician reads their own history and not another's; who is missing or
//! expired; a document's file of a wrong type is refused; the current version follows the
//! effective date; a download carries a safe name.

use crate::support::{TestApp, on_both_backends};
use axum::http::{StatusCode, header};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn fields(v: &Value) -> Vec<String> {
    let mut f: Vec<String> = v["error"]["fields"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    f.sort();
    f
}

async fn me(app: &TestApp, token: &str) -> i64 {
    app.call("GET", "/api/v1/me", Some(token), None)
        .await
        .json()["id"]
        .as_i64()
        .unwrap()
}

async fn training_is_recorded_checked_and_read_by_whom_it_concerns_scenario(app: &TestApp) {
    app.clock.set(at("2026-11-27T10:00:00+08:00"));
    let clerk = app.token("clerk1", "service_clerk").await;
    let sales = app.token("sales1", "salesperson").await;
    let tech = app.token("tech1", "technician").await;
    let tech2 = app.token("tech2", "technician").await;
    let (tech_id, tech2_id) = (me(app, &tech).await, me(app, &tech2).await);

    // Bad input: every field named, nothing written.
    let r = app
        .call(
            "POST",
            "/api/v1/training-sessions",
            Some(&clerk),
            Some(
                json!({"audience": "staff", "topic": "product_use", "held_on": "2026-12-30",
                "trainer": "", "place": "会议室", "duration_minutes": 0}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(
        fields(&r.json()),
        [
            "attendee_ids",
            "duration_minutes",
            "held_on",
            "topic",
            "trainer"
        ]
    );
    // An attendee who does not exist is named too.
    let good = json!({"audience": "staff", "topic": "service_awareness", "held_on": "2026-11-20",
        "trainer": "张经理", "place": "二楼会议室", "duration_minutes": 90,
        "attendee_ids": [tech_id]});
    let mut ghost = good.clone();
    ghost["attendee_ids"] = json!([999_999]);
    let r = app
        .call(
            "POST",
            "/api/v1/training-sessions",
            Some(&clerk),
            Some(ghost),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r.json()), ["attendee_ids"]);
    let r = app
        .call("GET", "/api/v1/training-sessions", Some(&clerk), None)
        .await;
    assert_eq!(r.json()["items"], json!([]), "nothing written");

    // A salesperson may not record a session.
    let r = app
        .call(
            "POST",
            "/api/v1/training-sessions",
            Some(&sales),
            Some(good.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    let r = app
        .call(
            "POST",
            "/api/v1/training-sessions",
            Some(&clerk),
            Some(good),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let s = r.json();
    assert_eq!(s["attendees"][0]["user_id"], tech_id);
    assert_eq!(s["attendees"][0]["name"], "tech1-name");
    let id = s["id"].as_i64().unwrap();
    let r = app
        .call(
            "GET",
            &format!("/api/v1/training-sessions/{id}"),
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(r.json()["topic"], "service_awareness");

    // A technician reads their own history, not another's.
    let r = app
        .call(
            "GET",
            &format!("/api/v1/users/{tech_id}/training"),
            Some(&tech),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["items"][0]["id"], id);
    let r = app
        .call(
            "GET",
            &format!("/api/v1/users/{tech_id}/training"),
            Some(&tech2),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .call("GET", "/api/v1/training/missing", Some(&tech), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    // Who is missing: the accounts were made today, so they are new hires a while; three
    // months and a day on, the technician who had the service awareness still lacks the
    // quality awareness and the specification, the other lacks all three.
    app.clock.set(at("2027-03-01T10:00:00+08:00"));
    // (Signed in again: a token does not outlive months.)
    let clerk = app.token("clerk_march", "service_clerk").await;
    let r = app
        .call("GET", "/api/v1/training/missing", Some(&clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let gaps: Vec<(i64, String, String)> = r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["user_id"] == tech_id || g["user_id"] == tech2_id)
        .map(|g| {
            (
                g["user_id"].as_i64().unwrap(),
                g["topic"].as_str().unwrap().to_string(),
                g["standing"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = |u: i64, t: &str| (u, t.to_string(), "missing".to_string());
    assert!(
        gaps.contains(&want(tech_id, "quality_awareness")),
        "{gaps:?}"
    );
    assert!(
        !gaps
            .iter()
            .any(|g| g.0 == tech_id && g.1 == "service_awareness")
    );
    assert!(
        gaps.contains(&want(tech2_id, "service_awareness")),
        "{gaps:?}"
    );
    // Two years and a day after the session it has expired.
    app.clock.set(at("2028-11-21T10:00:00+08:00"));
    let clerk = app.token("clerk_2028", "service_clerk").await;
    let r = app
        .call("GET", "/api/v1/training/missing", Some(&clerk), None)
        .await;
    assert!(
        r.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["user_id"] == tech_id
                && g["topic"] == "service_awareness"
                && g["standing"] == "expired"
                && g["due_on"] == "2028-11-20"),
        "{}",
        r.text
    );
}

on_both_backends!(
    training_is_recorded_checked_and_read_by_whom_it_concerns,
    training_is_recorded_checked_and_read_by_whom_it_concerns_on_postgres,
    training_is_recorded_checked_and_read_by_whom_it_concerns_scenario
);

async fn publish(
    app: &TestApp,
    token: &str,
    id: i64,
    label: &str,
    on: &str,
    name: &str,
    body: Vec<u8>,
) -> crate::support::Response {
    app.call_raw(
        "POST",
        &format!(
            "/api/v1/documents/{id}/versions?label={label}&effective_on={on}&file_name={name}"
        ),
        token,
        "application/octet-stream",
        body,
    )
    .await
}

async fn documents_are_published_checked_and_current_by_effective_date_scenario(app: &TestApp) {
    app.clock.set(at("2026-11-27T10:00:00+08:00"));
    let manager = app.token("boss", "service_manager").await;
    let tech = app.token("tech1", "technician").await;
    app.call(
        "POST",
        "/api/v1/product-models",
        Some(&manager),
        Some(json!({"code": "KYN28A-12", "name": "中置式开关柜", "product_line": "switchgear"})),
    )
    .await;
    // Bad input named; a manual without its model; a technician may not add one.
    let r = app
        .call(
            "POST",
            "/api/v1/documents",
            Some(&manager),
            Some(json!({"kind": "poster", "code": "A B", "title": ""})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r.json()), ["code", "kind", "title"]);
    let manual = json!({"kind": "product_manual", "code": "SM-KYN28", "title": "KYN28 使用说明书",
        "model_code": "KYN28A-12"});
    let r = app
        .call(
            "POST",
            "/api/v1/documents",
            Some(&tech),
            Some(manual.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .call("POST", "/api/v1/documents", Some(&manager), Some(manual))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();

    // A file of the wrong type is refused, whatever its name says.
    let r = publish(
        app,
        &manager,
        id,
        "A",
        "2026-01-01",
        "manual.pdf",
        b"MZ\x90\x00 not a pdf".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r.json()), ["file"]);
    let r = publish(
        app,
        &manager,
        id,
        "",
        "someday",
        "manual.pdf",
        b"%PDF-1.4".to_vec(),
    )
    .await;
    assert_eq!(fields(&r.json()), ["effective_on", "label"]);
    let r = app
        .call("GET", &format!("/api/v1/documents/{id}"), Some(&tech), None)
        .await;
    assert_eq!(r.json()["versions"], json!([]), "nothing written");
    // A technician may not publish.
    let r = publish(
        app,
        &tech,
        id,
        "A",
        "2026-01-01",
        "m.pdf",
        b"%PDF-1.4 a".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Version A in force, version B from next year: A is current until then.
    let r = publish(
        app,
        &manager,
        id,
        "A",
        "2026-01-01",
        "%E6%89%8B%E5%86%8C.pdf",
        b"%PDF-1.4 a".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = publish(
        app,
        &manager,
        id,
        "B",
        "2027-01-01",
        "m2.pdf",
        b"%PDF-1.4 b".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let d = r.json();
    assert_eq!(d["current"]["label"], "A");
    assert_eq!(d["versions"].as_array().unwrap().len(), 2);
    let r = app
        .call(
            "GET",
            "/api/v1/documents?model_code=KYN28A-12",
            Some(&tech),
            None,
        )
        .await;
    assert_eq!(r.json()["items"][0]["current"]["n"], 1);
    app.clock.set(at("2027-01-01T08:00:00+08:00"));
    let tech = app.token("tech_2027", "technician").await;
    let r = app
        .call("GET", &format!("/api/v1/documents/{id}"), Some(&tech), None)
        .await;
    assert_eq!(r.json()["current"]["label"], "B");

    // The download: the bytes, its type, a name that cannot break the header.
    let r = app
        .call(
            "GET",
            &format!("/api/v1/documents/{id}/versions/1/file"),
            Some(&tech),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.bytes, b"%PDF-1.4 a");
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(
        r.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E6%89%8B%E5%86%8C.pdf"
    );
    let r = app
        .call(
            "GET",
            &format!("/api/v1/documents/{id}/versions/9/file"),
            Some(&tech),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

on_both_backends!(
    documents_are_published_checked_and_current_by_effective_date,
    documents_are_published_checked_and_current_by_effective_date_on_postgres,
    documents_are_published_checked_and_current_by_effective_date_scenario
);

/// The pages: a session recorded from its form (bad input comes back named, with what was
/// typed), a technician sent to their own history and refused another's, the library and
/// a document's page.
async fn training_pages_record_name_problems_and_refuse_another_history_scenario(app: &TestApp) {
    use crate::web::{location, signed_in};
    app.clock.set(at("2026-11-27T10:00:00+08:00"));
    let tech = app.token("tech1", "technician").await;
    let tech_id = me(app, &tech).await;
    let mut clerk = signed_in(app, "clerk_w", "service_clerk").await;
    let id = tech_id.to_string();
    let r = clerk
        .submit(
            "/training",
            "/training",
            &[
                ("audience", "staff"),
                ("topic", "service_awareness"),
                ("held_on", "2026-11-20"),
                ("trainer", ""),
                ("place", "二楼会议室"),
                ("duration_minutes", "90"),
                ("attendee_ids", &id),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("error-summary") && r.text.contains("value=\"二楼会议室\""));
    let r = clerk
        .submit(
            "/training",
            "/training",
            &[
                ("audience", "staff"),
                ("topic", "service_awareness"),
                ("held_on", "2026-11-20"),
                ("trainer", "张经理"),
                ("place", "二楼会议室"),
                ("duration_minutes", "90"),
                ("attendee_ids", &id),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let session = location(&r);
    let r = clerk.get(&session).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("tech1-name"));

    let mut t = signed_in(app, "tech_w", "technician").await;
    let r = t.get("/training").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mine = location(&r);
    assert_eq!(t.get(&mine).await.status, StatusCode::OK);
    let r = t.get(&format!("/people/{tech_id}/training")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t.get("/documents").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        !r.text.contains("id=\"new-document\""),
        "a technician adds nothing"
    );
    let r = t.get(&session).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "not one of its attendees");
}

on_both_backends!(
    training_pages_record_name_problems_and_refuse_another_history,
    training_pages_record_name_problems_and_refuse_another_history_on_postgres,
    training_pages_record_name_problems_and_refuse_another_history_scenario
);
