//! The field-service core through the API (R4.3, R4.4, R3.4): a job opened on a ticket,
//! a crew sent, set off, arrived (server-stamped, with the phone's position), the arrival
//! taken back within its window, a follow-up trip, a cancel; who may do what, and a job
//! seen only by whom it concerns.

use crate::on_site::field_named;
use crate::replies::login;
use crate::support::{TestApp, on_both_backends};
use axum::http::StatusCode;
use chrono::Duration;
use serde_json::{Value, json};

/// A clerk's token, a Hangzhou customer and an emergency ticket on it (with its arrival
/// deadline).
pub(crate) async fn emergency(app: &TestApp, clerk: &str) -> Value {
    let c = app
        .api_customer(clerk, "杭州电力设备厂", "杭州市西湖区文三路1号")
        .await;
    app.api_ticket(clerk, &c, "emergency", "配电柜跳闸，全厂停电")
        .await
}

pub(crate) async fn open_job(app: &TestApp, clerk: &str, ticket: &Value) -> Value {
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tickets/{}/jobs", ticket["id"]),
            Some(clerk),
            Some(json!({"contact_name": "张工", "contact_phone": "13800138000"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

pub(crate) async fn dispatch(app: &TestApp, clerk: &str, job: &Value, crew: &[i64]) -> Value {
    let r = app
        .call(
            "POST",
            &format!("/api/v1/jobs/{}/dispatch", job["id"]),
            Some(clerk),
            Some(json!({"version": job["version"], "technician_ids": crew})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

async fn post(
    app: &TestApp,
    token: &str,
    job: &Value,
    step: &str,
    body: Value,
) -> crate::support::Response {
    app.call(
        "POST",
        &format!("/api/v1/jobs/{}/{step}", job["id"]),
        Some(token),
        Some(body),
    )
    .await
}

async fn ticket(app: &TestApp, token: &str, id: &Value) -> Value {
    app.call("GET", &format!("/api/v1/tickets/{id}"), Some(token), None)
        .await
        .json()
}

fn arrival(t: &Value) -> Value {
    t["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "arrival")
        .cloned()
        .unwrap_or_else(|| panic!("no arrival deadline: {t}"))
}

/// Make a user inactive, as an administrator would (there is no API for it yet).
async fn deactivate(app: &TestApp, id: i64) {
    if app.database_url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
        sqlx::query("UPDATE users SET active = 0 WHERE id = $1")
            .bind(id)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
        sqlx::query("UPDATE users SET active = FALSE WHERE id = $1")
            .bind(id)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
}

on_both_backends!(
    r4_3_a_job_is_opened_on_a_ticket_with_the_tickets_defaults,
    r4_3_a_job_is_opened_on_a_ticket_with_the_tickets_defaults_on_postgres,
    opening_scenario
);

async fn opening_scenario(app: &TestApp) {
    let clerk = app.token("clerk", "service_clerk").await;
    let tech = app.token("tech", "technician").await;
    let sales = app.token("sales", "salesperson").await;
    let t = emergency(app, &clerk).await;
    let path = format!("/api/v1/tickets/{}/jobs", t["id"]);
    // Whoever does not dispatch may not open one.
    for who in [&tech, &sales] {
        let r = app
            .call(
                "POST",
                &path,
                Some(who),
                Some(json!({"contact_name": "张工", "contact_phone": "13800138000"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    }
    // The contact's phone is needed; nothing is written without it.
    let r = app
        .call(
            "POST",
            &path,
            Some(&clerk),
            Some(json!({"contact_name": "张工"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "contact_phone"), "{}", r.text);
    let none = app.call("GET", "/api/v1/jobs", Some(&clerk), None).await;
    assert_eq!(none.json()["items"].as_array().unwrap().len(), 0);
    // Opened: the kind of work, the problem and the customer come from the ticket.
    let j = open_job(app, &clerk, &t).await;
    assert_eq!(j["ticket_id"], t["id"]);
    assert_eq!(j["customer_id"], t["customer_id"]);
    assert_eq!(j["job_type"], "repair");
    assert_eq!(j["status"], "open");
    assert_eq!(j["problem"], "配电柜跳闸，全厂停电");
    assert_eq!(j["trips"].as_array().unwrap().len(), 1);
    assert_eq!(j["trips"][0]["ordinal"], 1);
    let trail = app
        .db
        .audit_trail("job", j["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(trail.len(), 1);
    // One job at a time on a ticket.
    let r = app
        .call(
            "POST",
            &path,
            Some(&clerk),
            Some(json!({"contact_name": "李工", "contact_phone": "13900139000"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    // A consultation is answered by a reply, not on site.
    let c = app
        .api_customer(&clerk, "宁波客户", "宁波市海曙区1号")
        .await;
    let q = app
        .api_ticket(&clerk, &c, "consultation", "参数怎么设置")
        .await;
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tickets/{}/jobs", q["id"]),
            Some(&clerk),
            Some(json!({"contact_name": "王工", "contact_phone": "13700137000"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
}

on_both_backends!(
    r4_4_a_technician_sees_only_the_jobs_they_are_sent_on,
    r4_4_a_technician_sees_only_the_jobs_they_are_sent_on_on_postgres,
    visibility_scenario
);

async fn visibility_scenario(app: &TestApp) {
    let clerk = app.token("clerk", "service_clerk").await;
    let a = app.user("tech_a", "technician").await;
    let b = app.user("tech_b", "technician").await;
    let (ta, tb) = (login(app, "tech_a").await, login(app, "tech_b").await);
    let t1 = emergency(app, &clerk).await;
    let j1 = open_job(app, &clerk, &t1).await;
    dispatch(app, &clerk, &j1, &[a.id.0]).await;
    let c = app
        .api_customer(&clerk, "湖州客户", "湖州市吴兴区1号")
        .await;
    let t2 = app
        .api_ticket(&clerk, &c, "installation", "新设备安装")
        .await;
    let j2 = open_job(app, &clerk, &t2).await;
    dispatch(app, &clerk, &j2, &[b.id.0]).await;
    // The department sees both.
    let all = app
        .call("GET", "/api/v1/jobs", Some(&clerk), None)
        .await
        .json();
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    // A sees their own; B's is missing to them, even asked for by B's id.
    let mine = app
        .call("GET", "/api/v1/jobs", Some(&ta), None)
        .await
        .json();
    let ids: Vec<&Value> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| &j["id"])
        .collect();
    assert_eq!(ids, vec![&j1["id"]]);
    let narrowed = app
        .call(
            "GET",
            &format!("/api/v1/jobs?technician_id={}", b.id.0),
            Some(&ta),
            None,
        )
        .await
        .json();
    let ids: Vec<&Value> = narrowed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| &j["id"])
        .collect();
    assert!(ids.iter().all(|id| **id == j1["id"]), "{narrowed}");
    let r = app
        .call(
            "GET",
            &format!("/api/v1/jobs/{}", j2["id"]),
            Some(&ta),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = app
        .call(
            "GET",
            &format!("/api/v1/jobs/{}", j2["id"]),
            Some(&tb),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["job_type"], "installation");
}

on_both_backends!(
    r4_3_a_crew_of_two_is_sent_with_its_lead_and_only_people_who_go_on_site,
    r4_3_a_crew_of_two_is_sent_with_its_lead_and_only_people_who_go_on_site_on_postgres,
    dispatch_scenario
);

async fn dispatch_scenario(app: &TestApp) {
    let clerk = app.token("clerk", "service_clerk").await;
    let a = app.user("tech_a", "technician").await;
    let s = app.user("senior", "senior_engineer").await;
    let other_clerk = app.user("clerk2", "service_clerk").await;
    let gone = app.user("gone", "technician").await;
    deactivate(app, gone.id.0).await;
    let t = emergency(app, &clerk).await;
    let j = open_job(app, &clerk, &t).await;
    let path = format!("/api/v1/jobs/{}/dispatch", j["id"]);
    for bad in [other_clerk.id.0, gone.id.0] {
        let r = app
            .call(
                "POST",
                &path,
                Some(&clerk),
                Some(json!({"version": j["version"], "technician_ids": [a.id.0, bad]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(field_named(&r, "technician_ids"), "{}", r.text);
    }
    let r = app
        .call(
            "POST",
            &path,
            Some(&clerk),
            Some(json!({"version": j["version"], "technician_ids": [a.id.0, s.id.0], "lead_id": s.id.0})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let d = r.json();
    assert_eq!(d["status"], "dispatched");
    let crew = d["trips"][0]["crew"].as_array().unwrap();
    assert_eq!(crew.len(), 2);
    let lead: Vec<&Value> = crew.iter().filter(|c| c["lead"] == true).collect();
    assert_eq!(lead.len(), 1);
    assert_eq!(lead[0]["user_id"], s.id.0);
    // The ticket has its lead as technician.
    let tk = ticket(app, &clerk, &t["id"]).await;
    assert_eq!(tk["status"], "dispatched", "{tk}");
    // The old version is stale now.
    let r = app
        .call(
            "POST",
            &path,
            Some(&clerk),
            Some(json!({"version": j["version"], "technician_ids": [a.id.0]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
}

on_both_backends!(
    r3_4_arrival_by_the_crew_meets_the_arrival_deadline_and_can_be_undone_within_its_window,
    r3_4_arrival_by_the_crew_meets_the_arrival_deadline_and_can_be_undone_within_its_window_on_postgres,
    arrival_scenario
);

async fn arrival_scenario(app: &TestApp) {
    let clerk = app.token("clerk", "service_clerk").await;
    let a = app.user("tech_a", "technician").await;
    app.user("tech_b", "technician").await;
    let (ta, tb) = (login(app, "tech_a").await, login(app, "tech_b").await);
    let t = emergency(app, &clerk).await;
    let j = open_job(app, &clerk, &t).await;
    let j = dispatch(app, &clerk, &j, &[a.id.0]).await;
    // Someone not on the crew may not move it.
    // (a job they are not sent on is missing to them)
    for step in ["depart", "arrive"] {
        let r = post(app, &tb, &j, step, json!({})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{step}: {}", r.text);
    }
    let r = post(app, &ta, &j, "depart", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "underway");
    // A latitude off the globe is named, and nothing is recorded.
    let r = post(app, &ta, &j, "arrive", json!({"lat": 91.0, "lon": 120.1})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "lat"), "{}", r.text);
    app.clock.advance(Duration::minutes(20));
    let r = post(
        app,
        &ta,
        &j,
        "arrive",
        json!({"lat": 30.2741, "lon": 120.1551, "accuracy_m": 12.0}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let on = r.json();
    assert_eq!(on["status"], "on_site");
    let trip = &on["trips"][0];
    assert_eq!(trip["position"]["lat"], 30.2741);
    assert_eq!(trip["position"]["accuracy_m"], 12.0);
    assert_eq!(trip["arrived_by"], a.id.0);
    let arrived_at = trip["arrived_at"].as_str().unwrap().to_string();
    // The ticket's arrival deadline is met at the arrival's time.
    let tk = ticket(app, &clerk, &t["id"]).await;
    let d = arrival(&tk);
    assert_eq!(d["state"], "met", "{tk}");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(d["met_at"].as_str().unwrap()).unwrap(),
        chrono::DateTime::parse_from_rfc3339(&arrived_at).unwrap()
    );
    // Taken back within the window: the deadline runs again; both steps audited.
    app.clock.advance(Duration::minutes(5));
    let r = post(app, &ta, &j, "undo-arrival", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let back = r.json();
    assert_eq!(back["status"], "underway");
    assert!(back["trips"][0]["arrived_at"].is_null());
    assert!(back["trips"][0]["position"].is_null());
    let tk = ticket(app, &clerk, &t["id"]).await;
    let d = arrival(&tk);
    assert!(d["met_at"].is_null(), "{tk}");
    assert_ne!(d["state"], "met");
    let job_trail = app
        .db
        .audit_trail("job", j["id"].as_i64().unwrap())
        .await
        .unwrap();
    let actions: Vec<&str> = job_trail.iter().map(|e| e.action.as_str()).collect();
    for want in ["arrive", "undo_arrival"] {
        assert!(actions.contains(&want), "{actions:?}");
    }
    let ticket_trail = app
        .db
        .audit_trail("ticket", t["id"].as_i64().unwrap())
        .await
        .unwrap();
    let actions: Vec<&str> = ticket_trail.iter().map(|e| e.action.as_str()).collect();
    for want in ["check_in", "undo_check_in"] {
        assert!(actions.contains(&want), "{actions:?}");
    }
    // Arrived again; past the window it stays.
    let r = post(app, &ta, &j, "arrive", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json()["trips"][0]["position"].is_null());
    app.clock.advance(Duration::minutes(11));
    let r = post(app, &ta, &j, "undo-arrival", json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let tk = ticket(app, &clerk, &t["id"]).await;
    assert!(arrival(&tk)["met_at"].is_string(), "{tk}");
}

on_both_backends!(
    r4_6_a_follow_up_trip_keeps_the_first_arrival_and_a_job_can_be_cancelled,
    r4_6_a_follow_up_trip_keeps_the_first_arrival_and_a_job_can_be_cancelled_on_postgres,
    follow_up_scenario
);

async fn follow_up_scenario(app: &TestApp) {
    let clerk = app.token("clerk", "service_clerk").await;
    let a = app.user("tech_a", "technician").await;
    let b = app.user("tech_b", "technician").await;
    let (ta, tb) = (login(app, "tech_a").await, login(app, "tech_b").await);
    let t = emergency(app, &clerk).await;
    let j = open_job(app, &clerk, &t).await;
    let j = dispatch(app, &clerk, &j, &[a.id.0]).await;
    let r = post(app, &ta, &j, "arrive", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let first = r.json()["trips"][0]["arrived_at"].clone();
    // A reason is needed.
    let r = post(app, &ta, &j, "follow-up", json!({"reason": " "})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "reason"), "{}", r.text);
    let r = post(app, &ta, &j, "follow-up", json!({"reason": "需订购断路器"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let f = r.json();
    assert_eq!(f["status"], "open");
    let trips = f["trips"].as_array().unwrap();
    assert_eq!(trips.len(), 2);
    assert_eq!(trips[1]["ordinal"], 2);
    assert_eq!(trips[1]["reason"], "需订购断路器");
    assert_eq!(trips[0]["arrived_at"], first);
    // The second trip is dispatched like the first; the ticket keeps the first arrival.
    let f = dispatch(app, &clerk, &f, &[b.id.0]).await;
    app.clock.advance(Duration::hours(2));
    // A, who sees the job from the first trip, is not on this one's crew.
    let r = post(app, &ta, &f, "arrive", json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = post(app, &tb, &f, "arrive", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let tk = ticket(app, &clerk, &t["id"]).await;
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(arrival(&tk)["met_at"].as_str().unwrap()).unwrap(),
        chrono::DateTime::parse_from_rfc3339(first.as_str().unwrap()).unwrap()
    );
    // Cancel: the department only, with a reason and the version.
    let now = app
        .call(
            "GET",
            &format!("/api/v1/jobs/{}", f["id"]),
            Some(&clerk),
            None,
        )
        .await
        .json();
    let r = post(
        app,
        &ta,
        &now,
        "cancel",
        json!({"reason": "客户自行解决", "version": now["version"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = post(
        app,
        &clerk,
        &now,
        "cancel",
        json!({"reason": "客户自行解决", "version": now["version"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "cancelled");
    // Once cancelled, the ticket may get another job.
    open_job(app, &clerk, &t).await;
}

/// Two crew members press "arrived" at the same moment on PostgreSQL: exactly one arrival
/// is recorded; the other gets the job as it is or a clear 409, never a 500.
#[tokio::test]
async fn two_crew_members_arriving_at_once_record_one_arrival_on_postgres() {
    let Some(app) = TestApp::postgres_with_pool(4).await else {
        return;
    };
    let clerk = app.token("clerk", "service_clerk").await;
    let a = app.user("tech_a", "technician").await;
    let b = app.user("tech_b", "technician").await;
    let (ta, tb) = (login(&app, "tech_a").await, login(&app, "tech_b").await);
    for round in 0..5 {
        let c = app
            .api_customer(&clerk, &format!("客户{round}"), "杭州市上城区解放路1号")
            .await;
        let t = app.api_ticket(&clerk, &c, "emergency", "停电").await;
        let j = open_job(&app, &clerk, &t).await;
        let j = dispatch(&app, &clerk, &j, &[a.id.0, b.id.0]).await;
        let (ra, rb) = tokio::join!(
            post(&app, &ta, &j, "arrive", json!({"lat": 30.1, "lon": 120.1})),
            post(&app, &tb, &j, "arrive", json!({"lat": 30.2, "lon": 120.2})),
        );
        let statuses = [ra.status, rb.status];
        assert!(
            statuses
                .iter()
                .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
            "{statuses:?}: {} / {}",
            ra.text,
            rb.text
        );
        assert!(statuses.contains(&StatusCode::OK), "{statuses:?}");
        let now = app
            .call(
                "GET",
                &format!("/api/v1/jobs/{}", j["id"]),
                Some(&clerk),
                None,
            )
            .await
            .json();
        assert_eq!(now["status"], "on_site");
        let trail = app
            .db
            .audit_trail("job", j["id"].as_i64().unwrap())
            .await
            .unwrap();
        let arrivals = trail.iter().filter(|e| e.action == "arrive").count();
        assert_eq!(arrivals, 1, "round {round}");
        let tt = app
            .db
            .audit_trail("ticket", t["id"].as_i64().unwrap())
            .await
            .unwrap();
        assert_eq!(tt.iter().filter(|e| e.action == "check_in").count(), 1);
    }
}

async fn post_with_key(
    app: &TestApp,
    token: &str,
    job: &Value,
    step: &str,
    key: &str,
    body: Value,
) -> crate::support::Response {
    use axum::body::Body;
    use axum::http::{Request, header};
    let req = Request::builder()
        .method("POST")
        .uri(format!("/api/v1/jobs/{}/{step}", job["id"]))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header("Idempotency-Key", key)
        .body(Body::from(body.to_string()))
        .unwrap();
    app.send(req).await
}

on_both_backends!(
    r4_9_a_crew_step_sent_again_with_its_idempotency_key_is_done_once,
    r4_9_a_crew_step_sent_again_with_its_idempotency_key_is_done_once_on_postgres,
    idempotent_steps_scenario
);

async fn idempotent_steps_scenario(app: &TestApp) {
    let clerk = app.token("clerk", "service_clerk").await;
    let a = app.user("tech_a", "technician").await;
    let ta = login(app, "tech_a").await;
    let t = emergency(app, &clerk).await;
    let j = open_job(app, &clerk, &t).await;
    let j = dispatch(app, &clerk, &j, &[a.id.0]).await;
    let here = json!({"lat": 30.27, "lon": 120.15});
    let first = post_with_key(app, &ta, &j, "arrive", "phone-arrive-1", here.clone()).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    app.clock.advance(Duration::seconds(30));
    let again = post_with_key(app, &ta, &j, "arrive", "phone-arrive-1", here.clone()).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.headers["idempotent-replay"], "true");
    assert_eq!(
        again.json()["trips"][0]["arrived_at"],
        first.json()["trips"][0]["arrived_at"]
    );
    let trail = app
        .db
        .audit_trail("job", j["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(trail.iter().filter(|e| e.action == "arrive").count(), 1);
    // The key with another request is refused by name.
    let r = post_with_key(
        app,
        &ta,
        &j,
        "arrive",
        "phone-arrive-1",
        json!({"lat": 1.0, "lon": 2.0}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "Idempotency-Key"), "{}", r.text);
    // Without a key, arriving again is a clear 409.
    let r = post(app, &ta, &j, "arrive", json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
}
