//! The monthly report (R6.2, R6.3, R7.3) through the API and the pages, on both
//! databases: a month with complaints, emergencies, a consultation, jobs, a survey, a
//! warranty job and a quality item with its action — every figure reconciles with the
//! records it opens (the count of the list, the sum of its amounts, the mean of its
//! scores); bad months and figures named; the roles that may not read it refused; the
//! page, its drill-down and its exports.

use crate::support::{TestApp, on_both_backends};
use crate::web::signed_in;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn named(r: &crate::support::Response, field: &str) -> bool {
    r.status == StatusCode::UNPROCESSABLE_ENTITY && r.json()["error"]["fields"][field].is_string()
}

/// Every record behind `figure`, over every page of `limit`.
async fn all_records(app: &TestApp, token: &str, month: &str, figure: &str) -> (i64, Vec<Value>) {
    let mut out = Vec::new();
    let mut cursor = String::new();
    let total;
    loop {
        let url = format!(
            "/api/v1/reports/{month}/records?figure={}&limit=2{}",
            figure.replace('~', "%7E"),
            if cursor.is_empty() {
                String::new()
            } else {
                format!("&cursor={cursor}")
            }
        );
        let r = app.call("GET", &url, Some(token), None).await;
        assert_eq!(r.status, StatusCode::OK, "{figure}: {}", r.text);
        let page = r.json();
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => {
                total = page["total"].as_i64().unwrap();
                break;
            }
        }
    }
    (total, out)
}

async fn month_scenario(app: &TestApp) {
    app.clock.set(at("2026-03-10T09:00:00+08:00"));
    let manager = app.token("r_boss", "service_manager").await;
    let clerk = app.token("r_clerk", "service_clerk").await;
    let tech = app.token("r_tech", "technician").await;
    let qe = app.token("r_qe", "quality_engineer").await;

    // A warranty job: a manufacturing fault, two hours on site, borne by the company.
    let on = "2025-08-20";
    let (job, _) =
        crate::on_site::job_on_unit(app, &manager, &tech, ("KYN28-12", "R-0001"), Some(on)).await;
    crate::settlement::form(app, &tech, job["id"].as_i64().unwrap(), "manufacturing").await;
    // A job signed by the customer, who answers the survey on the technician's phone.
    let surveyed = crate::surveys::job_on_site(app, &clerk, &tech).await;
    crate::surveys::sign(app, &tech, surveyed).await;
    let r = app
        .call(
            "POST",
            &format!("/api/v1/jobs/{surveyed}/survey"),
            Some(&tech),
            Some(json!({"scores": crate::surveys::scores(4)})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);

    // Complaints, emergencies and a consultation received on the 10th.
    let c = app
        .api_customer(&clerk, "海宁电力", "浙江省嘉兴市海宁市海州街道1号")
        .await;
    let quality = app
        .api_ticket(&clerk, &c, "complaint_quality", "柜门变形")
        .await;
    app.api_ticket(&clerk, &c, "complaint_quality", "母排发热")
        .await;
    app.api_ticket(&clerk, &c, "complaint_other", "发票延误")
        .await;
    app.api_ticket(&clerk, &c, "emergency", "10kV 进线柜停电")
        .await;
    app.api_ticket(&clerk, &c, "emergency", "变压器跳闸").await;
    app.api_ticket(&clerk, &c, "consultation", "保修期怎么算")
        .await;

    // A quality complaint is an item from its intake; this one is classified and acted upon.
    let r = app
        .call(
            "POST",
            "/api/v1/quality-items",
            Some(&qe),
            Some(json!({"source_kind": "complaint", "source_id": quality["id"]})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let item = r.json();
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/quality-items/{}", item["id"]),
            Some(&qe),
            Some(
                json!({"version": item["version"], "product_model": "KYN28-12",
                "component": "柜门", "fault_category": "变形", "cause": "钣金厚度不足",
                "responsibility": "product_design", "summary": "柜门变形",
                "root_cause": "设计选用 1.5 mm 板材", "method": "five_why"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/quality-items/{}/actions", item["id"]),
            Some(&qe),
            Some(
                json!({"kind": "corrective", "description": "改用 2.0 mm 板材",
                "owner_department": "技术部", "due_on": "2026-03-31"}),
            ),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);

    // Three hours on: the complaints' two-hour handling opinions are late.
    app.clock.advance(Duration::hours(3));
    let r = app
        .call("GET", "/api/v1/reports/2026-03", Some(&manager), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let report = r.json();
    let figures: HashMap<String, i64> = report["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["figure"].as_str().unwrap().to_string(),
                f["value"].as_i64().unwrap(),
            )
        })
        .collect();
    for (figure, want) in [
        ("complaints.all.all", 3),
        ("complaints.complaint_quality.late", 2),
        ("complaints.complaint_other.all", 1),
        ("emergencies.all.all", 2),
        ("emergencies.zhejiang.all", 2),
        ("replies.all.received", 1),
        ("satisfaction.all.answered", 1),
        ("satisfaction.all.overall", 400),
        ("warranty_cost.all.cost", 30_000),
        ("warranty_cost.KYN28-12.cost", 30_000),
        ("quality_causes.product_design.items", 1),
        // The other quality complaint became an item by itself, not classified yet.
        ("quality_causes.none.items", 1),
        ("quality_causes.all.items", 2),
        ("open_actions.all.open", 1),
        ("open_actions.all.overdue", 0),
    ] {
        assert_eq!(figures.get(figure).copied(), Some(want), "{figure}");
    }
    assert!(figures["jobs.all.all"] >= 2, "{figures:?}");

    // Every figure reconciles with the records it opens.
    for f in report["figures"].as_array().unwrap() {
        let key = f["figure"].as_str().unwrap();
        let value = f["value"].as_i64().unwrap();
        let (total, records) = all_records(app, &manager, "2026-03", key).await;
        assert_eq!(total, records.len() as i64, "{key}: pages add up");
        let values: Vec<i64> = records.iter().filter_map(|r| r["value"].as_i64()).collect();
        match f["sum"].as_str().unwrap() {
            "count" => assert_eq!(total, value, "{key}"),
            "amount" => assert_eq!(values.iter().sum::<i64>(), value, "{key}"),
            "mean_centi" => {
                let mean = values.iter().sum::<i64>() as f64 / values.len() as f64;
                assert_eq!((mean * 100.0).round() as i64, value, "{key}");
            }
            other => panic!("{key}: {other}"),
        }
    }
    let (_, late) = all_records(
        app,
        &manager,
        "2026-03",
        "complaints.complaint_quality.late",
    )
    .await;
    assert!(
        late.iter()
            .all(|r| r["kind"] == "ticket" && r["customer"] == "海宁电力"),
        "{late:?}"
    );

    // Bad input is named; nothing else to change.
    let r = app
        .call("GET", "/api/v1/reports/2026-13", Some(&manager), None)
        .await;
    assert!(named(&r, "month"), "{}", r.text);
    for bad in [
        "",
        "nothing.all.all",
        "complaints.emergency.all",
        "jobs.repair.late",
        "a%00b",
    ] {
        let r = app
            .call(
                "GET",
                &format!("/api/v1/reports/2026-03/records?figure={bad}"),
                Some(&manager),
                None,
            )
            .await;
        assert!(named(&r, "figure"), "{bad}: {}", r.text);
    }
    let long = "x".repeat(50_000);
    let r = app
        .call(
            "GET",
            &format!("/api/v1/reports/2026-03/records?figure={long}"),
            Some(&manager),
            None,
        )
        .await;
    assert!(named(&r, "figure"), "{}", r.status);
    let r = app
        .call(
            "GET",
            "/api/v1/reports/2026-03/records?figure=jobs.all.all&cursor=abc",
            Some(&manager),
            None,
        )
        .await;
    assert!(named(&r, "cursor"), "{}", r.text);

    // Who may read it: the manager, the quality engineer; not the desk, the field or sales.
    let r = app
        .call("GET", "/api/v1/reports/2026-03", Some(&qe), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    for role in ["service_clerk", "technician", "salesperson"] {
        let t = app.token(&format!("r_{role}"), role).await;
        let r = app
            .call("GET", "/api/v1/reports/2026-03", Some(&t), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
        let r = app
            .call(
                "GET",
                "/api/v1/reports/2026-03/records?figure=jobs.all.all",
                Some(&t),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
    }

    // The page: every table, its charts, every figure a link; the drill-down; the exports.
    let mut page = signed_in(app, "r_boss_web", "service_manager").await;
    let r = page.get("/reports/2026-03").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for want in [
        "<svg",
        "chart-pareto",
        "id=\"warranty_cost\"",
        "figure=complaints.complaint_quality.late",
        "figure=quality_causes.product_design.items",
        "/quality/items/",
    ] {
        assert!(r.text.contains(want), "{want} not on the page");
    }
    assert!(!r.text.contains("<script>alert"), "escaped");
    let r = page
        .get("/reports/2026-03/records?figure=complaints.complaint_quality.late")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.text.matches("data-record").count(), 2);
    let r = page.get("/reports/2026-03/records?figure=nope").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = page.get("/reports/2026-03/export?format=xlsx").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.bytes.starts_with(b"PK"), "a workbook");
    let r = page
        .get("/reports/2026-03/export?format=csv&table=emergencies")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("浙江省内"), "{}", r.text);
    let r = page.get("/reports/2026-03/export?format=csv").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = page.get("/reports").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut desk = signed_in(app, "r_clerk_web", "service_clerk").await;
    assert_eq!(
        desk.get("/reports/2026-03").await.status,
        StatusCode::FORBIDDEN
    );
}

on_both_backends!(
    r6_3_monthly_report_reconciles,
    r6_3_monthly_report_reconciles_on_postgres,
    month_scenario
);
