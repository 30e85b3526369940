//! The deadline watcher with the test clock: a warning before the deadline, exactly one
//! escalation at a breach and one more later, none for a deadline met a second before,
//! quiet hours holding warnings but never emergencies; two instances on one database
//! escalating each breach once, even when one dies mid-pass; running deadlines that follow
//! a corrected region, a moved unit, a pause for the customer.

use crate::support::{TestApp, on_both_backends};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use sanbao_domain::UserId;
use sanbao_server::app::{outbox, watcher};
use serde_json::{Value, json};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Staff, one customer in Hangzhou, and the clock at `start`.
struct Desk {
    clerk: String,
    manager: UserId,
    owner: UserId,
    owner_token: String,
    customer: Value,
}

async fn desk(app: &TestApp, start: &str) -> Desk {
    app.clock.set(at(start));
    let clerk = app.token("clerk", "service_clerk").await;
    let manager = app.user("boss", "service_manager").await.id;
    let owner_token = app.token("eng", "senior_engineer").await;
    let owner = app
        .db
        .users(None)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "eng")
        .unwrap()
        .id;
    let customer = app
        .api_customer(&clerk, "杭州之江变电站", "浙江省杭州市西湖区转塘街道 1 号")
        .await;
    Desk {
        clerk,
        manager,
        owner,
        owner_token,
        customer,
    }
}

async fn event(app: &TestApp, token: &str, t: &Value, body: Value) -> Value {
    let id = t["id"].as_i64().unwrap();
    let fresh = app
        .call("GET", &format!("/api/v1/tickets/{id}"), Some(token), None)
        .await
        .json();
    let mut body = body;
    body["version"] = fresh["version"].clone();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tickets/{id}/events"),
            Some(token),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

/// A fresh token (the test clock jumps past a session's life).
async fn sign_in(app: &TestApp, username: &str) -> String {
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

async fn pass(app: &TestApp) -> watcher::Pass {
    watcher::pass(&app.state, app.state.now(), watcher::BATCH)
        .await
        .unwrap()
}

/// Messages in a person's inbox after the outbox is sent, by subject.
async fn inbox(app: &TestApp, user: UserId) -> Vec<String> {
    sanbao_server::jobs::drain_outbox(&app.state, "test")
        .await
        .unwrap();
    let mut v: Vec<String> = outbox::inbox(&app.state, user, 500)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.subject)
        .collect();
    v.reverse();
    v
}

async fn breach_is_escalated_exactly_once(app: &TestApp) {
    // 10:00 in Hangzhou: a quality complaint is due at 12:00, warned at 11:30.
    let d = desk(app, "2026-11-27T10:00:00+08:00").await;
    let t = app
        .api_ticket(&d.clerk, &d.customer, "complaint_quality", "开关柜局放告警")
        .await;
    event(
        app,
        &d.clerk,
        &t,
        json!({"type": "assign", "assignee_id": d.owner.0}),
    )
    .await;
    assert_eq!(pass(app).await, watcher::Pass::default(), "nothing due yet");

    app.clock.set(at("2026-11-27T11:29:59+08:00"));
    assert_eq!(pass(app).await.warned, 0);
    app.clock.set(at("2026-11-27T11:30:00+08:00"));
    let p = pass(app).await;
    assert_eq!((p.warned, p.escalated), (1, 0));
    assert_eq!(pass(app).await.warned, 0, "the same warning never twice");
    let owner_inbox = inbox(app, d.owner).await;
    assert_eq!(owner_inbox.len(), 1, "{owner_inbox:?}");
    assert!(
        owner_inbox[0].starts_with("【时限提醒】SB"),
        "{owner_inbox:?}"
    );
    assert!(
        inbox(app, d.manager).await.is_empty(),
        "a warning goes to the owner only"
    );

    // At the due minute it is not breached; a second later it is, once.
    app.clock.set(at("2026-11-27T12:00:00+08:00"));
    assert_eq!(pass(app).await.escalated, 0);
    app.clock.set(at("2026-11-27T12:00:01+08:00"));
    assert_eq!(pass(app).await.escalated, 1);
    for _ in 0..3 {
        assert_eq!(pass(app).await, watcher::Pass::default());
    }
    let boss = inbox(app, d.manager).await;
    assert_eq!(boss.len(), 1, "{boss:?}");
    assert!(boss[0].starts_with("【超时上报】"), "{boss:?}");
    assert_eq!(
        inbox(app, d.owner).await.len(),
        2,
        "the owner hears of the breach too"
    );

    // Two hours after the breach, once more (no department head named: the managers).
    app.clock.set(at("2026-11-27T14:00:01+08:00"));
    assert_eq!(pass(app).await.escalated_again, 1);
    assert_eq!(pass(app).await, watcher::Pass::default());
    assert_eq!(inbox(app, d.manager).await.len(), 2);
    app.clock.set(at("2026-11-30T14:00:00+08:00"));
    assert_eq!(
        pass(app).await,
        watcher::Pass::default(),
        "nothing more, ever"
    );

    // The ticket says what the watcher did, and its timeline shows each step once.
    let id = t["id"].as_i64().unwrap();
    let clerk = sign_in(app, "clerk").await;
    let got = app
        .call("GET", &format!("/api/v1/tickets/{id}"), Some(&clerk), None)
        .await
        .json();
    let dl = &got["deadlines"][0];
    assert_eq!(dl["state"], "breached");
    assert!(dl["warned_at"].is_string() && dl["escalated_at"].is_string());
    assert!(dl["escalated_again_at"].is_string());
    assert_eq!(dl["policy_version"], 0);
    assert_eq!(dl["minutes"], 120);
    let trail = app.db.audit_trail("ticket", id).await.unwrap();
    let alarms: Vec<&str> = trail
        .iter()
        .map(|e| e.action.as_str())
        .filter(|a| a.starts_with("alarm_"))
        .collect();
    assert_eq!(
        alarms,
        ["alarm_warn", "alarm_escalate", "alarm_escalate_again"]
    );
}

on_both_backends!(
    a_breach_is_escalated_exactly_once,
    a_breach_is_escalated_exactly_once_on_postgres,
    breach_is_escalated_exactly_once
);

async fn met_a_second_before_is_never_escalated(app: &TestApp) {
    let d = desk(app, "2026-11-27T10:00:00+08:00").await;
    let t = app
        .api_ticket(&d.clerk, &d.customer, "complaint_quality", "柜门无法关闭")
        .await;
    app.clock.set(at("2026-11-27T11:59:59+08:00"));
    event(
        app,
        &d.clerk,
        &t,
        json!({"type": "give_opinion", "opinion": "派技术员今日到场更换门锁"}),
    )
    .await;
    // The watcher had not run since 10:00: the warning and the breach were both due in
    // its absence, but the deadline is met.
    app.clock.set(at("2026-11-27T18:00:00+08:00"));
    assert_eq!(pass(app).await, watcher::Pass::default());
    assert!(inbox(app, d.manager).await.is_empty());
    let id = t["id"].as_i64().unwrap();
    let got = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{id}"),
            Some(&d.clerk),
            None,
        )
        .await
        .json();
    assert_eq!(got["deadlines"][0]["state"], "met");
    assert!(got["deadlines"][0]["escalated_at"].is_null());
}

on_both_backends!(
    a_deadline_met_a_second_before_is_never_escalated,
    a_deadline_met_a_second_before_is_never_escalated_on_postgres,
    met_a_second_before_is_never_escalated
);

async fn quiet_hours_hold_warnings_never_emergencies(app: &TestApp) {
    // 22:30: a complaint (12 h, warned at 07:30, due 10:30) and an emergency in
    // Hangzhou (1 h, warned at 23:15).
    let d = desk(app, "2026-11-27T22:30:00+08:00").await;
    let complaint = app
        .api_ticket(&d.clerk, &d.customer, "complaint_other", "客服电话无人接听")
        .await;
    let emergency = app
        .api_ticket(&d.clerk, &d.customer, "emergency", "进线柜跳闸，全站失电")
        .await;
    for t in [&complaint, &emergency] {
        event(
            app,
            &d.clerk,
            t,
            json!({"type": "assign", "assignee_id": d.owner.0}),
        )
        .await;
    }
    app.clock.set(at("2026-11-27T23:15:00+08:00"));
    assert_eq!(
        pass(app).await.warned,
        1,
        "the emergency's warning goes at night"
    );
    app.clock.set(at("2026-11-28T07:30:00+08:00"));
    let p = pass(app).await;
    assert_eq!(p.warned, 0, "the complaint's warning waits for 08:00");
    app.clock.set(at("2026-11-28T08:00:00+08:00"));
    assert_eq!(pass(app).await.warned, 1);
    let owner = inbox(app, d.owner).await;
    // The emergency: warned, escalated at 23:30, again at 01:30; the complaint: warned.
    assert_eq!(owner.len(), 4, "{owner:?}");
    assert!(owner[3].contains("其他投诉"), "{owner:?}");
}

on_both_backends!(
    quiet_hours_hold_warnings_but_never_emergencies,
    quiet_hours_hold_warnings_but_never_emergencies_on_postgres,
    quiet_hours_hold_warnings_never_emergencies
);

async fn two_instances_escalate_each_breach_once(app: TestApp) {
    let d = desk(&app, "2026-11-27T10:00:00+08:00").await;
    let n = 30;
    for i in 0..n {
        app.api_ticket(&d.clerk, &d.customer, "emergency", &format!("失电 {i}"))
            .await;
    }
    app.clock.set(at("2026-11-27T11:00:01+08:00"));
    if app.db.backend() == "sqlite" {
        // One process is the only runner on SQLite: its passes, run at once, share the
        // single writer.
        let (pa, pb) = tokio::join!(
            watcher::pass(&app.state, app.state.now(), 7),
            watcher::pass(&app.state, app.state.now(), 7)
        );
        assert_eq!(pa.unwrap().escalated + pb.unwrap().escalated, n);
    } else {
        // An instance that dies mid-pass: it claimed a batch and never committed.
        let dead =
            sanbao_store::Db::connect(&app.database_url, &sanbao_store::DbOptions::default())
                .await
                .unwrap();
        let mut tx = dead.begin().await.unwrap();
        let claimed = tx.claim_alarms(app.state.now(), 10).await.unwrap();
        assert_eq!(claimed.len(), 10);
        // Two live instances pass at the same time, skipping the dead one's locked rows.
        let (a, b) = (app.another_instance().await, app.another_instance().await);
        let (pa, pb) = tokio::join!(watcher::pass(&a, a.now(), 7), watcher::pass(&b, b.now(), 7));
        let (pa, pb) = (pa.unwrap(), pb.unwrap());
        assert_eq!(
            pa.escalated + pb.escalated,
            n - 10,
            "all but the dead one's"
        );
        // It dies: its transaction is rolled back, its rows are free again.
        drop(tx);
        dead.close().await;
        let (pa, pb) = tokio::join!(watcher::pass(&a, a.now(), 7), watcher::pass(&b, b.now(), 7));
        assert_eq!(
            pa.unwrap().escalated + pb.unwrap().escalated,
            10,
            "the dead instance's rows, once"
        );
        let (pa, pb) = tokio::join!(watcher::pass(&a, a.now(), 7), watcher::pass(&b, b.now(), 7));
        assert_eq!(pa.unwrap().escalated + pb.unwrap().escalated, 0);
        a.close().await;
        b.close().await;
    }
    // Each breach reached the manager once (and the managers' notices are all there is:
    // nobody owns these emergencies yet).
    let boss = inbox(&app, d.manager).await;
    let escalations = boss
        .iter()
        .filter(|s| s.starts_with("【超时上报】"))
        .count();
    assert_eq!(escalations, n, "{boss:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_escalate_each_breach_once_even_when_one_dies() {
    two_instances_escalate_each_breach_once(TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_escalate_each_breach_once_even_when_one_dies_on_postgres() {
    if let Some(app) = TestApp::postgres().await {
        two_instances_escalate_each_breach_once(app).await;
    }
}

async fn corrected_region_moves_an_open_emergency(app: &TestApp) {
    let d = desk(app, "2026-11-27T10:00:00+08:00").await;
    let id = d.customer["id"].as_i64().unwrap();
    // A second site whose address does not say where it is: the strictest promise, 1 h.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/customers/{id}/sites"),
            Some(&d.clerk),
            Some(json!({"name": "二号站", "address": "开发区 8 号路"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let site = r.json();
    let r = app
        .call(
            "POST",
            "/api/v1/tickets",
            Some(&d.clerk),
            Some(
                json!({"kind": "emergency", "channel": "phone", "customer_id": id,
                        "site_id": site["id"], "summary": "二号站失电"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let t = r.json();
    assert_eq!(t["deadlines"][0]["due_at"], "2026-11-27T11:00:00+08:00");
    // The desk learns the site is in Wenzhou: 6 h from the call.
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/sites/{}", site["id"]),
            Some(&d.clerk),
            Some(
                json!({"version": site["version"], "name": "二号站", "address": "开发区 8 号路",
                        "region": "zhejiang", "region_reason": "客户确认在温州经济开发区"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let tid = t["id"].as_i64().unwrap();
    let got = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{tid}"),
            Some(&d.clerk),
            None,
        )
        .await
        .json();
    assert_eq!(got["site_region"], "zhejiang");
    assert_eq!(got["deadlines"][0]["due_at"], "2026-11-27T16:00:00+08:00");
    assert_eq!(got["deadlines"][0]["region"], "zhejiang");
    let trail = app.db.audit_trail("ticket", tid).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "recompute"));
    // Nothing escalates at the old due time.
    app.clock.set(at("2026-11-27T11:00:01+08:00"));
    assert_eq!(pass(app).await.escalated, 0);
}

on_both_backends!(
    a_corrected_region_moves_an_open_emergency_deadline,
    a_corrected_region_moves_an_open_emergency_deadline_on_postgres,
    corrected_region_moves_an_open_emergency
);

async fn pause_stops_the_watcher(app: &TestApp) {
    let d = desk(app, "2026-11-27T10:00:00+08:00").await;
    let t = app
        .api_ticket(&d.clerk, &d.customer, "consultation", "询问断路器操作寿命")
        .await;
    app.clock.set(at("2026-11-27T11:00:00+08:00"));
    let paused = event(
        app,
        &d.owner_token,
        &t,
        json!({"type": "pause", "reason": "等待客户提供铭牌照片"}),
    )
    .await;
    assert_eq!(paused["status"], "waiting");
    assert_eq!(paused["deadlines"][0]["state"], "paused");
    // A day later nothing was warned or escalated.
    app.clock.set(at("2026-11-28T11:00:00+08:00"));
    assert_eq!(pass(app).await, watcher::Pass::default());
    // Back: 11 h were left; due at 22:00 the same day; the warning comes at 19:00.
    let owner_token = sign_in(app, "eng").await;
    let back = event(app, &owner_token, &t, json!({"type": "resume"})).await;
    assert_eq!(back["status"], "open");
    assert_eq!(back["deadlines"][0]["due_at"], "2026-11-28T22:00:00+08:00");
    assert_eq!(back["deadlines"][0]["paused_minutes"], 24 * 60);
    app.clock.set(at("2026-11-28T19:00:00+08:00"));
    assert_eq!(pass(app).await.warned, 1);
    // Bad input names its field and changes nothing.
    let id = t["id"].as_i64().unwrap();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tickets/{id}/events"),
            Some(&owner_token),
            Some(json!({"type": "pause", "version": back["version"], "reason": "a\u{0}b"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("reason"), "{}", r.text);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tickets/{id}/events"),
            Some(&owner_token),
            Some(json!({"type": "reclassify", "version": back["version"], "kind": "emergency", "reason": "x"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a senior engineer does not reclassify"
    );
}

on_both_backends!(
    a_pause_for_the_customer_stops_the_watcher,
    a_pause_for_the_customer_stops_the_watcher_on_postgres,
    pause_stops_the_watcher
);
