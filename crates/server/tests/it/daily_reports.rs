//! The daily work report (R4.6) through the API and the pages, on both databases:
//! prefilled from the day's trips, submitted and amended on its day, the department's
//! list of who has not submitted, refused to a salesperson.

use crate::support::{TestApp, on_both_backends};
use crate::surveys::{job_on_site, relogin};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::json;

async fn reports_are_prefilled_submitted_and_missing_ones_listed(app: &TestApp) {
    // 09:00 on 27 November, company time.
    let start: DateTime<Utc> = "2026-11-27T01:00:00Z".parse().unwrap();
    app.clock.set(start);
    let clerk = app.token("clerk", "service_clerk").await;
    let boss = app.token("boss", "service_manager").await;
    let tech = app.token("tech", "technician").await;
    let _senior = app.token("senior", "senior_engineer").await;
    app.token("sales", "salesperson").await;
    let job = job_on_site(app, &clerk, &tech).await;

    let r = app
        .call("GET", "/api/v1/daily-reports/2026-11-27", Some(&tech), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let draft = r.json();
    assert_eq!(draft["submitted"], false);
    let lines = draft["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{draft}");
    assert_eq!(lines[0]["job_id"], job);
    assert_eq!(lines[0]["departed"], "09:00");
    assert_eq!(lines[0]["arrived"], "09:40");
    assert_eq!(lines[0]["travel_minutes"], 40);
    assert_eq!(lines[0]["place"], "浙江省杭州市桐庐县城南街道");
    assert!(
        lines[0]["est_km"].as_f64().unwrap() > 50.0,
        "from the company's base in Hangzhou"
    );
    // Once the technician's own base is known (in 桐庐 itself), the trip counts from there.
    let tech_id = app
        .call("GET", "/api/v1/me", Some(&tech), None)
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/technicians/{tech_id}"),
            Some(&boss),
            Some(json!({"base_address": "浙江省杭州市桐庐县", "product_lines": []})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .call("GET", "/api/v1/daily-reports/2026-11-27", Some(&tech), None)
        .await;
    assert!(
        r.json()["lines"][0]["est_km"].as_f64().unwrap() < 5.0,
        "from their own base: {}",
        r.text
    );
    // Another day has none.
    let r = app
        .call("GET", "/api/v1/daily-reports/2026-11-26", Some(&tech), None)
        .await;
    assert!(r.json()["lines"].as_array().unwrap().is_empty());

    // The department: both people who report are missing.
    let r = app
        .call(
            "GET",
            "/api/v1/daily-reports/missing?day=2026-11-27",
            Some(&boss),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["missing"].as_array().unwrap().len(), 2);

    // The line's work is typed: missing, it is named.
    let mut line = lines[0].clone();
    let put = |body| {
        app.call(
            "PUT",
            "/api/v1/daily-reports/2026-11-27",
            Some(&tech),
            Some(body),
        )
    };
    let r = put(json!({"lines": [line.clone()], "travel_km": 90})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("lines[0].work"), "{}", r.text);
    line["work"] = json!("更换接触器，试运行正常");
    let r = put(
        json!({"lines": [line.clone(), {"place": "办公室", "work": "整理备件"}], "travel_km": 90}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["version"], 1);
    // Amended the same day.
    app.clock.advance(chrono::Duration::hours(8));
    let r = put(json!({"lines": [line.clone()], "travel_km": 95.5, "notes": "加班"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["version"], 2);
    assert_eq!(r.json()["travel_km"], 95.5);

    let r = app
        .call(
            "GET",
            "/api/v1/daily-reports/missing?day=2026-11-27",
            Some(&boss),
            None,
        )
        .await;
    let roll = r.json();
    assert_eq!(roll["missing"].as_array().unwrap().len(), 1);
    assert_eq!(roll["missing"][0]["name"], "senior-name");
    assert_eq!(roll["submitted"][0]["name"], "tech-name");
    let r = app
        .call(
            "GET",
            "/api/v1/daily-reports?day=2026-11-27",
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(r.json().as_array().unwrap().len(), 1);

    // The next day: the 27th's report is locked; the 26th needs a reason.
    app.clock.advance(chrono::Duration::hours(16));
    let tech = relogin(app, "tech").await;
    let sales = relogin(app, "sales").await;
    let put = |body| {
        app.call(
            "PUT",
            "/api/v1/daily-reports/2026-11-27",
            Some(&tech),
            Some(body),
        )
    };
    let r = put(json!({"lines": [line.clone()], "travel_km": 1})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = app
        .call(
            "PUT",
            "/api/v1/daily-reports/2026-11-26",
            Some(&tech),
            Some(json!({"lines": [{"place": "办公室", "work": "培训"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("late_reason"));

    // A salesperson neither reports nor sees the department's lists.
    for (m, p) in [
        ("GET", "/api/v1/daily-reports/2026-11-27"),
        ("GET", "/api/v1/daily-reports/missing?day=2026-11-27"),
        ("GET", "/api/v1/daily-reports?day=2026-11-27"),
    ] {
        let r = app.call(m, p, Some(&sales), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{m} {p}");
    }
    // Nor does a technician see the department's list.
    let r = app
        .call(
            "GET",
            "/api/v1/daily-reports/missing?day=2026-11-27",
            Some(&tech),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let trail = app.db.audit_trail("daily_report", 1).await.unwrap();
    assert_eq!(trail.len(), 2, "submitted, then amended");
}
on_both_backends!(
    r4_6_reports_are_prefilled_submitted_and_missing_ones_listed,
    r4_6_reports_are_prefilled_submitted_and_missing_ones_listed_on_postgres,
    reports_are_prefilled_submitted_and_missing_ones_listed
);
