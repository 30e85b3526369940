//! The tools register (R1.5) through the API, on both databases: a keeper registers, lends,
//! takes back, calibrates and retires tools, each on the version read; bad input names its
//! field and writes nothing; a technician sees only the tools they hold and lends nothing
//! to anyone else; a tool past its calibration date is not lent; two clerks lending one
//! tool at once: one succeeds; the sweep tells of an overdue tool and of a calibration
//! falling due once each.

use crate::support::{PASSWORD, TestApp, on_both_backends};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sanbao_domain::UserId;
use sanbao_server::app::{outbox, tools};
use serde_json::{Value, json};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("{s}: {e}"))
}

struct Shop {
    clerk: String,
    clerk2: String,
    manager_id: UserId,
    tech: String,
    tech_id: i64,
    tech2: String,
    tech2_id: i64,
}

/// Staff, with the clock at 2026-11-27 10:00 in Shanghai.
async fn shop(app: &TestApp) -> Shop {
    app.clock.set(at("2026-11-27T10:00:00+08:00"));
    let clerk = app.token("clerk1", "service_clerk").await;
    let clerk2 = app.token("clerk2", "service_clerk").await;
    let manager_id = app.user("boss", "service_manager").await.id;
    let tech = app.token("tech1", "technician").await;
    let tech2 = app.token("tech2", "technician").await;
    let id_of = |t: &str| {
        let t = t.to_string();
        async move {
            app.call("GET", "/api/v1/me", Some(&t), None).await.json()["id"]
                .as_i64()
                .unwrap()
        }
    };
    let tech_id = id_of(&tech).await;
    let tech2_id = id_of(&tech2).await;
    Shop {
        clerk,
        clerk2,
        manager_id,
        tech,
        tech_id,
        tech2,
        tech2_id,
    }
}

async fn register(app: &TestApp, token: &str, code: &str, due: Option<&str>) -> Value {
    let r = app
        .call(
            "POST",
            "/api/v1/tools",
            Some(token),
            Some(
                json!({"asset_code": code, "name": "绝缘电阻测试仪", "category": "测量仪表",
                "calibration_interval_months": 12, "calibration_due_on": due}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

fn fields(v: &Value) -> Vec<String> {
    let mut f: Vec<String> = v["error"]["fields"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    f.sort();
    f
}

async fn a_tool_is_registered_lent_returned_calibrated_and_retired_scenario(app: &TestApp) {
    let s = shop(app).await;
    // Bad input: every field named, nothing written.
    let r = app
        .call(
            "POST",
            "/api/v1/tools",
            Some(&s.clerk),
            Some(
                json!({"asset_code": "T 1", "name": "", "calibration_interval_months": 0,
                "calibration_due_on": "2027-02-30"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(
        fields(&r.json()),
        [
            "asset_code",
            "calibration_due_on",
            "calibration_interval_months",
            "name"
        ]
    );
    let r = app.call("GET", "/api/v1/tools", Some(&s.clerk), None).await;
    assert_eq!(r.json()["items"], json!([]));
    // A technician registers nothing.
    let r = app
        .call(
            "POST",
            "/api/v1/tools",
            Some(&s.tech),
            Some(json!({"asset_code": "T-9", "name": "万用表"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    let tool = register(app, &s.clerk, "T-0001", Some("2027-06-01")).await;
    assert_eq!(tool["status"], "available");
    assert_eq!(tool["calibration_state"], "current");
    let id = tool["id"].as_i64().unwrap();
    // The same identifier again.
    let r = app
        .call(
            "POST",
            "/api/v1/tools",
            Some(&s.clerk),
            Some(json!({"asset_code": "T-0001", "name": "万用表"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r.json()), ["asset_code"]);

    // A technician lends nothing to someone else, and checks nothing in.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/checkout"),
            Some(&s.tech),
            Some(
                json!({"version": 1, "holder_id": s.tech2_id, "expected_return_on": "2026-11-30"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // Bad check-outs: named.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/checkout"),
            Some(&s.clerk),
            Some(json!({"version": 1, "out_on": "2026-11-25", "expected_return_on": "2026-11-24"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r.json()), ["expected_return_on", "holder_id"]);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/checkout"),
            Some(&s.clerk),
            Some(json!({"holder_id": s.tech_id, "expected_return_on": "2026-11-30"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r.json()), ["version"]);
    // A stale version.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/checkout"),
            Some(&s.clerk),
            Some(json!({"version": 7, "holder_id": s.tech_id, "expected_return_on": "2026-11-30"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/checkout"),
            Some(&s.clerk),
            Some(
                json!({"version": 1, "holder_id": s.tech_id, "expected_return_on": "2026-11-30",
                "purpose": "萧山变电所年检"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let lent = r.json();
    assert_eq!(lent["status"], "checked_out");
    assert_eq!(lent["checkout"]["holder_id"], s.tech_id);
    assert_eq!(lent["checkout"]["out_on"], "2026-11-27");
    assert_eq!(lent["overdue"], false);

    // The holder sees it; the other technician does not.
    let mine = app
        .call("GET", "/api/v1/tools", Some(&s.tech), None)
        .await
        .json();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let theirs = app
        .call("GET", "/api/v1/tools", Some(&s.tech2), None)
        .await
        .json();
    assert_eq!(theirs["items"], json!([]));
    let r = app
        .call("GET", &format!("/api/v1/tools/{id}"), Some(&s.tech2), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = app
        .call(
            "GET",
            &format!("/api/v1/tools?holder={}", s.tech_id),
            Some(&s.clerk),
            None,
        )
        .await;
    assert_eq!(r.json()["items"][0]["asset_code"], "T-0001");
    let r = app
        .call("GET", "/api/v1/tools?overdue=maybe", Some(&s.clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r.json()), ["overdue"]);

    // Lent already: 409; checked in by the technician: 403.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/checkout"),
            Some(&s.clerk2),
            Some(
                json!({"version": 2, "holder_id": s.tech2_id, "expected_return_on": "2026-11-30"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/checkin"),
            Some(&s.tech),
            Some(json!({"version": 2, "condition": "good"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/checkin"),
            Some(&s.clerk),
            Some(json!({"version": 2, "condition": "damaged"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r.json()), ["remark"]);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/checkin"),
            Some(&s.clerk),
            Some(json!({"version": 2, "condition": "damaged", "remark": "表笔断裂"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "needs_repair");

    // Repaired, then calibrated: the next due date follows the interval.
    let r = app
        .call(
            "PATCH",
            &format!("/api/v1/tools/{id}"),
            Some(&s.clerk),
            Some(json!({"version": 3, "status": "available", "location": "工具柜 A-3"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let t = r.json();
    assert_eq!(
        (&t["status"], &t["location"], &t["name"]),
        (
            &json!("available"),
            &json!("工具柜 A-3"),
            &json!("绝缘电阻测试仪")
        )
    );
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/calibration"),
            Some(&s.clerk),
            Some(json!({"version": 4, "calibrated_on": "2026-11-28"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r.json()), ["calibrated_on"]);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/calibration"),
            Some(&s.clerk),
            Some(json!({"version": 4, "calibrated_on": "2026-11-25", "note": "证书 JJ-118"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["calibration_due_on"], "2027-11-25");

    // Retired with a reason; the history keeps everything.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/retire"),
            Some(&s.clerk),
            Some(json!({"version": 5, "reason": ""})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r.json()), ["reason"]);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/retire"),
            Some(&s.clerk),
            Some(json!({"version": 5, "reason": "量程漂移"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .call("GET", &format!("/api/v1/tools/{id}"), Some(&s.clerk), None)
        .await;
    let t = r.json();
    assert_eq!(t["status"], "retired");
    assert_eq!(t["checkouts"].as_array().unwrap().len(), 1);
    assert_eq!(t["checkouts"][0]["condition"], "damaged");
    assert_eq!(t["calibrations"][0]["next_due_on"], "2027-11-25");
    let r = app.call("GET", "/api/v1/tools", Some(&s.clerk), None).await;
    assert_eq!(r.json()["items"], json!([]), "retired tools are left out");
}

on_both_backends!(
    a_tool_is_registered_lent_returned_calibrated_and_retired,
    a_tool_is_registered_lent_returned_calibrated_and_retired_on_postgres,
    a_tool_is_registered_lent_returned_calibrated_and_retired_scenario
);

async fn a_tool_past_its_calibration_date_is_refused_at_check_out_scenario(app: &TestApp) {
    let s = shop(app).await;
    let tool = register(app, &s.clerk, "T-0002", Some("2026-11-26")).await;
    assert_eq!(tool["calibration_state"], "overdue");
    let id = tool["id"].as_i64().unwrap();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/checkout"),
            Some(&s.clerk),
            Some(json!({"version": 1, "holder_id": s.tech_id, "expected_return_on": "2026-11-30"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r.json()), ["calibration_due_on"]);
    // Nor may the technician take it themself.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/checkout"),
            Some(&s.tech),
            Some(json!({"version": 1, "expected_return_on": "2026-11-30"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let listed = app
        .call(
            "GET",
            "/api/v1/tools?calibration_due=true",
            Some(&s.clerk),
            None,
        )
        .await
        .json();
    assert_eq!(listed["items"][0]["asset_code"], "T-0002");
    // Calibrated: it goes out, the technician taking it themself.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/calibration"),
            Some(&s.clerk),
            Some(json!({"version": 1, "calibrated_on": "2026-11-27"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/checkout"),
            Some(&s.tech),
            Some(json!({"version": 2, "expected_return_on": "2026-11-30"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["checkout"]["holder_id"], s.tech_id);
}

on_both_backends!(
    a_tool_past_its_calibration_date_is_refused_at_check_out,
    a_tool_past_its_calibration_date_is_refused_at_check_out_on_postgres,
    a_tool_past_its_calibration_date_is_refused_at_check_out_scenario
);

async fn two_clerks_lending_one_tool_at_once_one_succeeds_scenario(app: &TestApp) {
    let s = shop(app).await;
    let tool = register(app, &s.clerk, "T-0003", None).await;
    let id = tool["id"].as_i64().unwrap();
    let path = format!("/api/v1/tools/{id}/checkout");
    let (a, b) = tokio::join!(
        app.call(
            "POST",
            &path,
            Some(&s.clerk),
            Some(json!({"version": 1, "holder_id": s.tech_id, "expected_return_on": "2026-11-30"})),
        ),
        app.call(
            "POST",
            &path,
            Some(&s.clerk2),
            Some(
                json!({"version": 1, "holder_id": s.tech2_id, "expected_return_on": "2026-11-30"})
            ),
        ),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::CONFLICT],
        "{} | {}",
        a.text,
        b.text
    );
    let t = app
        .call("GET", &format!("/api/v1/tools/{id}"), Some(&s.clerk), None)
        .await
        .json();
    assert_eq!(t["checkouts"].as_array().unwrap().len(), 1);
}

on_both_backends!(
    two_clerks_lending_one_tool_at_once_one_succeeds,
    two_clerks_lending_one_tool_at_once_one_succeeds_on_postgres,
    two_clerks_lending_one_tool_at_once_one_succeeds_scenario
);

/// Messages in a person's inbox after the outbox is sent, by subject.
async fn inbox(app: &TestApp, user: UserId) -> Vec<String> {
    sanbao_server::jobs::drain_outbox(&app.state, "test")
        .await
        .unwrap();
    outbox::inbox(&app.state, user, 500)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.subject)
        .collect()
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

async fn the_sweep_tells_of_an_overdue_tool_and_a_calibration_due_once_scenario(app: &TestApp) {
    let s = shop(app).await;
    let clerk_id = UserId(
        app.call("GET", "/api/v1/me", Some(&s.clerk), None)
            .await
            .json()["id"]
            .as_i64()
            .unwrap(),
    );
    let tech = UserId(s.tech_id);
    let lent = register(app, &s.clerk, "T-0004", Some("2027-06-01")).await;
    let soon = register(app, &s.clerk, "T-0005", Some("2026-12-20")).await;
    let id = lent["id"].as_i64().unwrap();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tools/{id}/checkout"),
            Some(&s.clerk),
            Some(json!({"version": 1, "holder_id": s.tech_id, "expected_return_on": "2026-11-28"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // The 28th, late: due back today, not overdue; the calibration 22 days away.
    app.clock.set(at("2026-11-28T23:59:00+08:00"));
    let pass = tools::sweep(&app.state, app.state.now()).await.unwrap();
    assert_eq!(pass, tools::Sweep::default());
    assert!(inbox(app, tech).await.is_empty());

    // The 29th: overdue. The holder and the manager are told, once.
    app.clock.set(at("2026-11-29T00:01:00+08:00"));
    let pass = tools::sweep(&app.state, app.state.now()).await.unwrap();
    assert_eq!(pass.overdue, 1);
    let again = tools::sweep(&app.state, app.state.now()).await.unwrap();
    assert_eq!(again, tools::Sweep::default());
    let told = inbox(app, tech).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("T-0004"), "{told:?}");
    assert_eq!(inbox(app, s.manager_id).await.len(), 1);
    assert!(inbox(app, clerk_id).await.is_empty());
    let clerk = sign_in(app, "clerk1").await;
    let overdue = app
        .call("GET", "/api/v1/tools?overdue=true", Some(&clerk), None)
        .await
        .json();
    assert_eq!(overdue["items"][0]["asset_code"], "T-0004");
    assert_eq!(overdue["items"][0]["overdue"], true);

    // 14 days before the calibration: the keepers are warned, once.
    app.clock.set(at("2026-12-06T09:00:00+08:00"));
    let pass = tools::sweep(&app.state, app.state.now()).await.unwrap();
    assert_eq!(pass.calibrations, 1);
    app.clock.set(at("2026-12-06T09:05:00+08:00"));
    assert_eq!(
        tools::sweep(&app.state, app.state.now()).await.unwrap(),
        tools::Sweep::default()
    );
    let clerk_inbox = inbox(app, clerk_id).await;
    assert_eq!(clerk_inbox.len(), 1, "{clerk_inbox:?}");
    assert!(clerk_inbox[0].contains("T-0005"), "{clerk_inbox:?}");
    assert_eq!(inbox(app, s.manager_id).await.len(), 2);
    assert_eq!(
        inbox(app, tech).await.len(),
        1,
        "the holder hears only of theirs"
    );
    let _ = soon;
}

on_both_backends!(
    the_sweep_tells_of_an_overdue_tool_and_a_calibration_due_once,
    the_sweep_tells_of_an_overdue_tool_and_a_calibration_due_once_on_postgres,
    the_sweep_tells_of_an_overdue_tool_and_a_calibration_due_once_scenario
);

/// The pages: who sees which, a form sent back keeps what was typed (422), a form from a
/// page read before someone else's change says so and writes nothing (409).
async fn the_tools_pages_keep_what_was_typed_and_refuse_a_stale_form_scenario(app: &TestApp) {
    use crate::web::{location, signed_in};
    app.clock.set(at("2026-11-27T10:00:00+08:00"));
    let mut clerk = signed_in(app, "clerk1", "service_clerk").await;
    let mut tech = signed_in(app, "tech1", "technician").await;
    let mut sales = signed_in(app, "sales1", "salesperson").await;
    let r = tech.get("/tools").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/tools/mine");
    assert_eq!(tech.get("/tools/mine").await.status, StatusCode::OK);
    assert_eq!(sales.get("/tools").await.status, StatusCode::FORBIDDEN);
    let page = clerk.get("/tools").await;
    assert!(page.text.contains("id=\"nav-tools\""), "{}", page.text);

    let r = clerk
        .submit(
            "/tools",
            "/tools",
            &[
                ("asset_code", "T-0100"),
                ("name", " "),
                ("calibration_interval_months", "abc"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"new-name-error\""), "{}", r.text);
    assert!(r.text.contains("value=\"T-0100\""), "{}", r.text);
    assert!(
        r.text
            .contains("id=\"new-calibration_interval_months-error\"")
    );
    let r = clerk
        .submit(
            "/tools",
            "/tools",
            &[
                ("asset_code", "T-0100"),
                ("name", "力矩扳手"),
                ("location", "B-1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let path = location(&r).split('?').next().unwrap().to_string();
    let r = clerk.get(&path).await;
    assert!(
        r.text.contains("data-tool-status=\"available\""),
        "{}",
        r.text
    );

    // Read at version 1, then someone edits: the stale check-out is refused, nothing lent.
    let stale_page = clerk.get(&path).await;
    let token = crate::web::csrf(&stale_page.text);
    let r = clerk
        .submit(
            &path,
            &format!("{path}/edit"),
            &[
                ("version", "1"),
                ("asset_code", "T-0100"),
                ("name", "力矩扳手 20-100N·m"),
                ("status", "available"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let tech_id = app
        .db
        .users(Some(sanbao_domain::Role::Technician))
        .await
        .unwrap()[0]
        .id
        .0
        .to_string();
    let r = clerk
        .post(
            &format!("{path}/checkout"),
            &[
                ("_csrf", token.as_str()),
                ("version", "1"),
                ("holder_id", tech_id.as_str()),
                ("expected_return_on", "2026-11-30"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("data-conflict"), "{}", r.text);
    // A check-out with its return forgotten: named, the holder chosen kept.
    let r = clerk
        .submit(
            &path,
            &format!("{path}/checkout"),
            &[
                ("version", "2"),
                ("holder_id", tech_id.as_str()),
                ("expected_return_on", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text.contains("id=\"expected_return_on-error\""),
        "{}",
        r.text
    );
    assert!(
        r.text.contains(&format!("value=\"{tech_id}\" selected")),
        "{}",
        r.text
    );
    let r = clerk
        .submit(
            &path,
            &format!("{path}/checkout"),
            &[
                ("version", "2"),
                ("holder_id", tech_id.as_str()),
                ("expected_return_on", "2026-11-30"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // The holder sees it on their phone and on its page, without the keepers' forms.
    let mine = tech.get("/tools/mine").await;
    assert!(mine.text.contains("T-0100"), "{}", mine.text);
    let theirs = tech.get(&path).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.text.contains("checkin-form"));
    let r = clerk
        .submit(
            &path,
            &format!("{path}/checkin"),
            &[("version", "3"), ("condition", "good")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = clerk
        .submit(
            &path,
            &format!("{path}/retire"),
            &[("version", "4"), ("reason", "丢失")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = clerk.get("/tools?show=retired").await;
    assert!(r.text.contains("T-0100"), "{}", r.text);
    // Once back, the holder no longer sees it.
    assert_eq!(tech.get(&path).await.status, StatusCode::NOT_FOUND);
}

on_both_backends!(
    the_tools_pages_keep_what_was_typed_and_refuse_a_stale_form,
    the_tools_pages_keep_what_was_typed_and_refuse_a_stale_form_on_postgres,
    the_tools_pages_keep_what_was_typed_and_refuse_a_stale_form_scenario
);
