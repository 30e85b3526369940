//! The satisfaction survey (R5.3) through the API and its public link page, on both
//! databases: only after the form is signed, only by the crew on the phone, a link that
//! works once, expires and opens only its own job's survey.

use crate::support::{TestApp, on_both_backends};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

/// A job on a new repair ticket, its crew (the technician behind `tech`) on site.
pub async fn job_on_site(app: &TestApp, clerk: &str, tech: &str) -> i64 {
    let me = app.call("GET", "/api/v1/me", Some(tech), None).await;
    let tech_id = me.json()["id"].as_i64().unwrap();
    let c = app
        .api_customer(clerk, "桐庐水厂", "浙江省杭州市桐庐县城南街道")
        .await;
    let t = app.api_ticket(clerk, &c, "repair", "水泵跳闸").await;
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tickets/{}/jobs", t["id"]),
            Some(clerk),
            Some(json!({"contact_name": "王工", "contact_phone": "13800000000"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let job = r.json();
    let id = job["id"].as_i64().unwrap();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/jobs/{id}/dispatch"),
            Some(clerk),
            Some(json!({"version": job["version"], "technician_ids": [tech_id]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/jobs/{id}/depart"),
            Some(tech),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.clock.advance(Duration::minutes(40));
    let r = app
        .call(
            "POST",
            &format!("/api/v1/jobs/{id}/arrive"),
            Some(tech),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    id
}

/// The crew fills in the job's feedback form and the customer signs it, through the form's
/// API: the job then waits for review.
pub async fn sign(app: &TestApp, tech: &str, job: i64) {
    let r = app
        .call(
            "POST",
            &format!("/api/v1/jobs/{job}/forms"),
            Some(tech),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let form = r.json();
    let id = form["id"].as_i64().unwrap();
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/forms/{id}"),
            Some(tech),
            Some(json!({
                "version": form["version"],
                "service_content": "更换断路器，试运行正常",
                "handling": "更换同型号断路器并复测",
                "responsibility": "customer_operation",
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // A 3×2 PNG's header: what the server checks of a signature.
    let png: Vec<u8> = vec![
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
        0, 3, 0, 0, 0, 2, 8, 6, 0, 0, 0, 0, 0, 0, 0,
    ];
    use base64::Engine as _;
    let r = app
        .call(
            "POST",
            &format!("/api/v1/forms/{id}/sign"),
            Some(tech),
            Some(json!({
                "signer_name": "王工",
                "signature_png_base64": base64::engine::general_purpose::STANDARD.encode(png),
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// A new session for an account made earlier (after the clock moved past the last one).
pub async fn relogin(app: &TestApp, username: &str) -> String {
    let r = app
        .call(
            "POST",
            "/api/v1/sessions",
            None,
            Some(json!({"username": username, "password": crate::support::PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["token"].as_str().unwrap().to_string()
}

pub(crate) fn scores(v: i64) -> Value {
    json!({"on_time": v, "attitude": v, "competence": v, "solved": v, "overall": v})
}

/// The public page's form, sent without signing in.
async fn post_link(app: &TestApp, token: &str, body: &str) -> crate::support::Response {
    let req = Request::builder()
        .method("POST")
        .uri(format!("/survey/{token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap();
    app.send(req).await
}

async fn get_link(app: &TestApp, token: &str) -> crate::support::Response {
    app.call("GET", &format!("/survey/{token}"), None, None)
        .await
}

const ALL_FIVE: &str =
    "q.on_time=5&q.attitude=5&q.competence=4&q.solved=5&q.overall=5&comment=%E5%BE%88%E5%A5%BD";

async fn the_survey_is_answered_on_the_phone_by_the_crew_after_signing(app: &TestApp) {
    let clerk = app.token("clerk", "service_clerk").await;
    let tech = app.token("tech", "technician").await;
    let other = app.token("other", "technician").await;
    let job = job_on_site(app, &clerk, &tech).await;
    let path = format!("/api/v1/jobs/{job}/survey");

    // Before the customer signed the form: refused, nothing written.
    let r = app
        .call(
            "POST",
            &path,
            Some(&tech),
            Some(json!({"scores": scores(5)})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = app
        .call("POST", &format!("{path}/link"), Some(&clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    sign(app, &tech, job).await;

    // A technician not on the crew does not see the job at all.
    let r = app
        .call(
            "POST",
            &path,
            Some(&other),
            Some(json!({"scores": scores(5)})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    // The desk cannot answer for the customer on a phone it does not hold.
    let r = app
        .call(
            "POST",
            &path,
            Some(&clerk),
            Some(json!({"scores": scores(5)})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    // Each question missing or out of range is named.
    let r = app
        .call(
            "POST",
            &path,
            Some(&tech),
            Some(json!({"scores": {"on_time": 6, "attitude": 5, "competence": 0, "solved": 5}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    for q in ["on_time", "competence", "overall"] {
        assert!(r.text.contains(q), "{q} named: {}", r.text);
    }
    assert!(!r.text.contains("\"attitude\""), "{}", r.text);

    // Sent with an Idempotency-Key, and again after the answer was lost: done once.
    let body = json!({"scores": scores(4), "comment": "师傅很专业"});
    let with_key = || {
        Request::builder()
            .method("POST")
            .uri(&path)
            .header(header::AUTHORIZATION, format!("Bearer {tech}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", "survey-phone-1")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let r = app.send(with_key()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["answered_via"], "phone");
    assert_eq!(r.json()["scores"]["overall"], 4);
    let again = app.send(with_key()).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert_eq!(again.headers["idempotent-replay"], "true");
    assert_eq!(again.json()["version"], r.json()["version"]);
    // Once only.
    let r = app
        .call(
            "POST",
            &path,
            Some(&tech),
            Some(json!({"scores": scores(1)})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = app.call("GET", &path, Some(&clerk), None).await;
    assert_eq!(r.json()["comment"], "师傅很专业");

    // The month's results: per-question averages, for the department only.
    let month = sanbao_domain::time::Month::of(app.state.now()).to_string();
    let r = app
        .call(
            "GET",
            &format!("/api/v1/surveys?month={month}"),
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["questions"][0]["question"], "on_time");
    assert_eq!(body["questions"][0]["average"], 4.0);
    assert_eq!(body["surveys"][0]["job_href"], format!("/field/jobs/{job}"));
    let r = app
        .call(
            "GET",
            &format!("/api/v1/surveys?month={month}"),
            Some(&tech),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Audited.
    let trail = app.db.audit_trail("survey", 1).await.unwrap();
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].action, "answer");
}
on_both_backends!(
    r5_3_the_survey_is_answered_on_the_phone_by_the_crew_after_signing,
    r5_3_the_survey_is_answered_on_the_phone_by_the_crew_after_signing_on_postgres,
    the_survey_is_answered_on_the_phone_by_the_crew_after_signing
);

async fn issue(app: &TestApp, token: &str, job: i64) -> String {
    let r = app
        .call(
            "POST",
            &format!("/api/v1/jobs/{job}/survey/link"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let body = r.json();
    assert!(body["path"].as_str().unwrap().starts_with("/survey/"));
    let t = body["token"].as_str().unwrap().to_string();
    assert!(t.len() >= 32, "at least 128 bits");
    t
}

async fn a_survey_link_works_once_expires_and_opens_only_its_own_survey(app: &TestApp) {
    let clerk = app.token("clerk", "service_clerk").await;
    let tech = app.token("tech", "technician").await;
    let job_a = job_on_site(app, &clerk, &tech).await;
    let job_b = job_on_site(app, &clerk, &tech).await;
    sign(app, &tech, job_a).await;
    sign(app, &tech, job_b).await;
    let link_a = issue(app, &clerk, job_a).await;
    let link_b = issue(app, &tech, job_b).await;

    // The page shows the questions without signing in; a wrong token reveals nothing.
    let r = get_link(app, &link_a).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("survey-form"));
    assert!(!r.text.contains("桐庐水厂"), "nothing about the customer");
    let r = get_link(app, &"0".repeat(64)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.text.contains("survey-form"));

    // A question left out: 422 naming it, nothing written.
    let r = post_link(app, &link_a, "q.on_time=5&q.attitude=5").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("q-competence-error"), "{}", r.text);
    assert!(
        r.text.contains("value=\"5\" checked"),
        "what was chosen is kept"
    );

    // Answered once through its link: the answers are job A's, job B's survey untouched.
    let r = post_link(app, &link_a, ALL_FIVE).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("data-closed=\"thanks\""));
    let a = app
        .call(
            "GET",
            &format!("/api/v1/jobs/{job_a}/survey"),
            Some(&clerk),
            None,
        )
        .await
        .json();
    assert_eq!(
        (a["answered"].clone(), a["answered_via"].clone()),
        (json!(true), json!("link"))
    );
    assert_eq!(a["scores"]["competence"], 4);
    let b = app
        .call(
            "GET",
            &format!("/api/v1/jobs/{job_b}/survey"),
            Some(&clerk),
            None,
        )
        .await
        .json();
    assert_eq!(b["answered"], false);

    // The second time: gone.
    let r = post_link(app, &link_a, ALL_FIVE).await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.text);
    let r = get_link(app, &link_a).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(r.text.contains("data-closed=\"used\""));

    // Job B's link, 14 days on: expired.
    app.clock.advance(Duration::days(14));
    let clerk = relogin(app, "clerk").await;
    let r = get_link(app, &link_b).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(r.text.contains("data-closed=\"expired\""));
    let r = post_link(app, &link_b, ALL_FIVE).await;
    assert_eq!(r.status, StatusCode::GONE);
    let b = app
        .call(
            "GET",
            &format!("/api/v1/jobs/{job_b}/survey"),
            Some(&clerk),
            None,
        )
        .await
        .json();
    assert_eq!(b["answered"], false);
    let expires: DateTime<Utc> = b["link_expires_at"].as_str().unwrap().parse().unwrap();
    assert!(expires <= app.state.now());

    // A new link for B replaces the old one; only B's survey is answered through it.
    let again = issue(app, &clerk, job_b).await;
    // The old link is not known at all any more.
    assert_eq!(
        post_link(app, &link_b, ALL_FIVE).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post_link(app, &again, ALL_FIVE).await.status,
        StatusCode::OK
    );
    // Audited: issue and answer, the answer without a signed-in person.
    let trail = app.db.audit_trail("survey", 1).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"issue_link") && actions.contains(&"answer"),
        "{actions:?}"
    );
}
on_both_backends!(
    r5_3_a_survey_link_works_once_expires_and_opens_only_its_own_survey,
    r5_3_a_survey_link_works_once_expires_and_opens_only_its_own_survey_on_postgres,
    a_survey_link_works_once_expires_and_opens_only_its_own_survey
);
