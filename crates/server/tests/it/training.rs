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

// ---- training 2 ----

fn requirement(role: &str, topic: &str, months: i64) -> Value {
    json!({"role": role, "topic": topic, "period_months": months})
}

/// The requirement settings: read by the staff, replaced as a whole by the managers only
/// (403 for a technician); bad items named by their place with nothing written; a save is
/// audited and the missing list follows it at once.
async fn training_requirements_are_set_by_the_managers_and_decide_who_is_missing_scenario(
    app: &TestApp,
) {
    app.clock.set(at("2026-11-27T10:00:00+08:00"));
    let clerk = app.token("clerk1", "service_clerk").await;
    let tech = app.token("tech1", "technician").await;
    let tech_id = me(app, &tech).await;
    let r = app
        .call(
            "POST",
            "/api/v1/training-sessions",
            Some(&clerk),
            Some(
                json!({"audience": "staff", "topic": "quality_awareness", "held_on": "2026-11-20",
                "trainer": "张经理", "place": "会议室", "duration_minutes": 60,
                "attendee_ids": [tech_id]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // Half a year on, past a new hire's grace: under the 24 months the technician's quality
    // awareness is current.
    app.clock.set(at("2027-06-01T10:00:00+08:00"));
    let boss = app.token("boss", "service_manager").await;
    let tech = app.token("tech1_june", "technician").await;
    let quality_gap = |v: &Value| {
        v["items"].as_array().unwrap().iter().any(|g| {
            g["user_id"] == tech_id
                && g["topic"] == "quality_awareness"
                && g["standing"] == "expired"
        })
    };
    let r = app
        .call("GET", "/api/v1/training/missing", Some(&boss), None)
        .await;
    assert!(!quality_gap(&r.json()), "{}", r.text);
    let r = app
        .call("GET", "/api/v1/training-requirements", Some(&tech), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let before = r.json();
    assert_eq!(before["requirements"].as_array().unwrap().len(), 8);

    // A technician may not change them.
    let six_months = json!({"requirements": [
        requirement("technician", "quality_awareness", 6),
        requirement("technician", "service_awareness", 24),
    ]});
    let r = app
        .call(
            "PUT",
            "/api/v1/training-requirements",
            Some(&tech),
            Some(six_months.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    // Bad items named by their place; nothing written.
    let r = app
        .call(
            "PUT",
            "/api/v1/training-requirements",
            Some(&boss),
            Some(json!({"requirements": [
                requirement("technician", "quality_awareness", 6),
                requirement("technician", "service_awareness", 121),
                requirement("salesperson", "service_awareness", 12),
                requirement("technician", "product_use", 12),
                requirement("technician", "quality_awareness", 12),
            ]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(
        fields(&r.json()),
        [
            "requirements[1].period_months",
            "requirements[2].role",
            "requirements[3].topic",
            "requirements[4].topic",
        ]
    );
    let r = app
        .call("GET", "/api/v1/training-requirements", Some(&boss), None)
        .await;
    assert_eq!(r.json(), before, "nothing written");

    // Saved: the technician's quality awareness of six months and more ago has expired.
    let r = app
        .call(
            "PUT",
            "/api/v1/training-requirements",
            Some(&boss),
            Some(six_months),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["requirements"].as_array().unwrap().len(), 2);
    let r = app
        .call("GET", "/api/v1/training/missing", Some(&boss), None)
        .await;
    assert!(quality_gap(&r.json()), "{}", r.text);
    assert!(
        !r.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["role"] == "service_clerk"),
        "the clerk's requirement was dropped: {}",
        r.text
    );
    let trail = app.db.audit_trail("training_requirement", 0).await.unwrap();
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].after.as_array().unwrap().len(), 2);
    assert_eq!(trail[0].before.as_array().unwrap().len(), 8);
}

on_both_backends!(
    training_requirements_are_set_by_the_managers_and_decide_who_is_missing,
    training_requirements_are_set_by_the_managers_and_decide_who_is_missing_on_postgres,
    training_requirements_are_set_by_the_managers_and_decide_who_is_missing_scenario
);

/// The settings page: refused to a technician, in the manager's settings menu; a wrong
/// period comes back named with what was typed kept; a removed row and an added one are
/// saved, and the training page's missing list follows.
async fn training_settings_page_changes_the_requirements_scenario(app: &TestApp) {
    use crate::web::{location, signed_in};
    app.clock.set(at("2026-11-27T10:00:00+08:00"));
    app.user("clerk_s", "service_clerk").await;
    let mut t = signed_in(app, "tech_s", "technician").await;
    assert_eq!(
        t.get("/settings/training").await.status,
        StatusCode::FORBIDDEN
    );
    let mut boss = signed_in(app, "boss_s", "service_manager").await;
    let r = boss.get("/training").await;
    assert!(
        r.text.contains("href=\"/settings/training\""),
        "in the menu"
    );
    let r = boss.get("/settings/training").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("data-req=\"technician.quality_awareness\""));
    // The page lists the eight requirements in role order (technician first), then the row
    // to add one (index 8). Row 0 is the technician's quality awareness.
    let fixed = |i: usize, role: &str, topic: &str, months: &str| {
        vec![
            (format!("requirements[{i}].fixed"), "1".to_string()),
            (format!("requirements[{i}].role"), role.to_string()),
            (format!("requirements[{i}].topic"), topic.to_string()),
            (
                format!("requirements[{i}].period_months"),
                months.to_string(),
            ),
        ]
    };
    let mut bad = fixed(0, "technician", "quality_awareness", "0");
    bad.extend(fixed(1, "service_clerk", "service_awareness", "24"));
    let pairs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = boss
        .submit("/settings/training", "/settings/training", &pairs)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("error-summary"));
    assert!(r.text.contains("href=\"#rq-0-period\""), "{}", r.text);
    assert!(
        r.text
            .contains("name=\"requirements[0].period_months\" value=\"0\"")
    );
    assert_eq!(app.db.training_requirements().await.unwrap().len(), 8);

    // Keep the technician's quality awareness (12 months), remove the clerk's, add the
    // senior engineer's management methods.
    let mut good = fixed(0, "technician", "quality_awareness", "12");
    good.extend(fixed(1, "service_clerk", "service_awareness", "24"));
    good.push(("requirements[1].remove".into(), "1".into()));
    good.push(("requirements[2].role".into(), "senior_engineer".into()));
    good.push(("requirements[2].topic".into(), "management_methods".into()));
    good.push(("requirements[2].period_months".into(), "36".into()));
    let pairs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = boss
        .submit("/settings/training", "/settings/training", &pairs)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(location(&r), "/settings/training?saved=1");
    let set = app.db.training_requirements().await.unwrap();
    let got: Vec<(&str, &str, u32)> = set
        .iter()
        .map(|r| (r.role.as_str(), r.topic.as_str(), r.period_months))
        .collect();
    assert_eq!(
        got,
        [
            ("senior_engineer", "management_methods", 36),
            ("technician", "quality_awareness", 12),
        ]
    );
    let r = boss.get("/settings/training?saved=1").await;
    assert!(r.text.contains("id=\"req-saved\""));

    // The missing list on the page follows: months on, the clerk is no longer listed.
    app.clock.set(at("2027-06-01T10:00:00+08:00"));
    let mut boss = signed_in(app, "boss_s2", "service_manager").await;
    let r = boss.get("/training").await;
    assert_eq!(r.status, StatusCode::OK);
    let gaps = r
        .text
        .split("id=\"training-gaps\"")
        .nth(1)
        .and_then(|s| s.split("id=\"training-sessions\"").next())
        .unwrap_or_default();
    assert!(gaps.contains("tech_s-name"), "{gaps}");
    assert!(!gaps.contains("clerk_s-name"), "{gaps}");
}

on_both_backends!(
    training_settings_page_changes_the_requirements,
    training_settings_page_changes_the_requirements_on_postgres,
    training_settings_page_changes_the_requirements_scenario
);

/// A customer training's customer is found by a search (without script: the search and
/// pick buttons), and the session's page names it with a link.
async fn customer_training_picks_its_customer_by_search_scenario(app: &TestApp) {
    use crate::web::{location, signed_in};
    app.clock.set(at("2026-11-27T10:00:00+08:00"));
    let clerk_token = app.token("clerk_api", "service_clerk").await;
    let c = app
        .api_customer(
            &clerk_token,
            "杭州萧山供电所",
            "浙江省杭州市萧山区市心中路1号",
        )
        .await;
    let cid = c["id"].as_i64().unwrap().to_string();
    let mut clerk = signed_in(app, "clerk_c", "service_clerk").await;
    let typed = [
        ("audience", "customer"),
        ("topic", "routine_maintenance"),
        ("held_on", "2026-11-26"),
        ("trainer", "李工"),
        ("place", "用户配电房"),
        ("duration_minutes", "120"),
        ("attendee_names", "刘工\n陈工"),
    ];
    let mut search = typed.to_vec();
    search.extend([("cq", "萧山"), ("intent", "search")]);
    let r = clerk.submit("/training", "/training", &search).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text.contains(&format!("name=\"pick\" value=\"{cid}\"")),
        "{}",
        r.text
    );
    assert!(r.text.contains("用户配电房"), "what was typed is kept");
    let mut pick = typed.to_vec();
    pick.push(("pick", &cid));
    let r = clerk.submit("/training", "/training", &pick).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains(&format!(
        "name=\"customer_id\" id=\"customer_id\" value=\"{cid}\""
    )));
    assert!(r.text.contains("id=\"picked-name\" href=\"/customers/"));
    let mut save = typed.to_vec();
    save.push(("customer_id", &cid));
    let r = clerk.submit("/training", "/training", &save).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = clerk.get(&location(&r)).await;
    assert!(
        r.text.contains(&format!(
            "href=\"/customers/{cid}\" id=\"training-customer\">杭州萧山供电所"
        )),
        "{}",
        r.text
    );
    // A customer training without a customer is named on the customer's search.
    let r = clerk.submit("/training", "/training", &typed).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("href=\"#cq\""), "{}", r.text);
}

on_both_backends!(
    customer_training_picks_its_customer_by_search,
    customer_training_picks_its_customer_by_search_on_postgres,
    customer_training_picks_its_customer_by_search_scenario
);

/// Retiring a document: the managers only (403), with a reason (422 names it), once (409);
/// it leaves the library in use and the job's page, is listed among the retired, and its
/// versions stay downloadable.
async fn a_retired_document_leaves_the_library_and_the_job_page_scenario(app: &TestApp) {
    use crate::web::signed_in;
    app.clock.set(at("2026-11-27T10:00:00+08:00"));
    let manager = app.token("boss", "service_manager").await;
    let tech = app.token("tech1", "technician").await;
    let r = app
        .call(
            "POST",
            "/api/v1/documents",
            Some(&manager),
            Some(json!({"kind": "technical_specification", "code": "TS-01", "title": "技术服务规范"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    let r = publish(
        app,
        &manager,
        id,
        "A",
        "2026-01-01",
        "ts.pdf",
        b"%PDF-1.4 ts".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let c = app
        .api_customer(&manager, "杭州电力设备厂", "杭州市西湖区文三路1号")
        .await;
    let ticket = app
        .api_ticket(&manager, &c, "repair", "开关柜合闸不到位")
        .await;
    let job = crate::field::open_job(app, &manager, &ticket).await;
    let job_page = format!("/field/jobs/{}", job["id"]);
    let mut boss = signed_in(app, "boss_web", "service_manager").await;
    let r = boss.get(&job_page).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("data-doc=\"TS-01\""), "{}", r.text);

    let retire = format!("/api/v1/documents/{id}/retire");
    let r = app
        .call(
            "POST",
            &retire,
            Some(&tech),
            Some(json!({"reason": "作废"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .call(
            "POST",
            &retire,
            Some(&manager),
            Some(json!({"reason": " "})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r.json()), ["reason"]);
    let r = app
        .call(
            "POST",
            &retire,
            Some(&manager),
            Some(json!({"reason": "2027版规范替代"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["retired_reason"], "2027版规范替代");
    let r = app
        .call(
            "POST",
            &retire,
            Some(&manager),
            Some(json!({"reason": "again"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let trail = app.db.audit_trail("document", id).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "retire"));
    // A retired document takes no new version.
    let r = publish(
        app,
        &manager,
        id,
        "B",
        "2026-11-27",
        "ts2.pdf",
        b"%PDF-1.4 ts2".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // Gone from the list in use and the job's page; among the retired; still downloadable.
    let r = app
        .call("GET", "/api/v1/documents", Some(&tech), None)
        .await;
    assert_eq!(r.json()["items"], json!([]), "{}", r.text);
    let r = app
        .call("GET", "/api/v1/documents?retired=true", Some(&tech), None)
        .await;
    assert_eq!(r.json()["items"][0]["id"], id, "{}", r.text);
    let r = boss.get(&job_page).await;
    assert!(!r.text.contains("data-doc=\"TS-01\""), "{}", r.text);
    let r = boss.get("/documents").await;
    assert!(!r.text.contains("data-doc=\"TS-01\""));
    let r = boss.get("/documents?retired=1").await;
    assert!(r.text.contains("data-doc=\"TS-01\""));
    let r = boss.get(&format!("/documents/{id}")).await;
    assert!(r.text.contains("id=\"doc-retired\"") && r.text.contains("2027版规范替代"));
    assert!(!r.text.contains("id=\"retire-document\""));
    let r = app
        .call(
            "GET",
            &format!("/api/v1/documents/{id}/versions/1/file"),
            Some(&tech),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.bytes, b"%PDF-1.4 ts");

    // The page's form: a technician is refused, a missing reason is named.
    let r = app
        .call(
            "POST",
            "/api/v1/documents",
            Some(&manager),
            Some(json!({"kind": "service_procedure", "code": "SP-01", "title": "服务控制程序"})),
        )
        .await;
    let sp = r.json()["id"].as_i64().unwrap();
    let page = format!("/documents/{sp}");
    let action = format!("/documents/{sp}/retire");
    let mut t = signed_in(app, "tech_web", "technician").await;
    let r = t.submit(&page, &action, &[("reason", "x")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = boss.submit(&page, &action, &[("reason", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("href=\"#r-reason\""), "{}", r.text);
    let r = boss.submit(&page, &action, &[("reason", "改版")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
}

on_both_backends!(
    a_retired_document_leaves_the_library_and_the_job_page,
    a_retired_document_leaves_the_library_and_the_job_page_on_postgres,
    a_retired_document_leaves_the_library_and_the_job_page_scenario
);
// ---- end training 2 ----
