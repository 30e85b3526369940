//! Field reliability (R5.1) through the API and the pages, on both databases: a small
//! fleet with checked figures — units in service, failures by months in service, the rate
//! per 1,000 units, the early-life alarm and the Weibull fit (against SciPy) — the units
//! behind each figure, the roles refused, a bad setting named.

use crate::support::{TestApp, on_both_backends};
use crate::web::signed_in;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let r = app.call("POST", path, Some(token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.text);
    r.json()
}

/// Model RA-10: ten units commissioned 10 January 2025, repairs reported 20 January
/// (month 0), 15 March (month 2) and 1 August 2025 (month 6) on three of them, and a
/// consultation (not a failure) on a fourth. Model RB-5: five units commissioned 1 June
/// 2025, one emergency. Model RC (no unit) is not listed. Today is 15 January 2026.
async fn fleet(app: &TestApp, token: &str) -> Vec<i64> {
    app.clock.set(at("2025-06-02T09:00:00+08:00"));
    let c = app
        .api_customer(token, "富阳水务集团", "浙江省杭州市富阳区富春街道1号")
        .await;
    for (code, name) in [
        ("RA-10", "箱式变电站"),
        ("RB-5", "环网柜"),
        ("RC", "开关柜"),
    ] {
        created(
            app,
            token,
            "/api/v1/product-models",
            json!({"code": code, "name": name, "product_line": "成套设备"}),
        )
        .await;
    }
    let mut a = Vec::new();
    for i in 0..10 {
        let u = created(
            app,
            token,
            "/api/v1/units",
            json!({"customer_id": c["id"], "model_code": "RA-10", "serial_no": format!("RA{i:03}"),
                   "commissioned_on": "2025-01-10"}),
        )
        .await;
        a.push(u["id"].as_i64().unwrap());
    }
    let mut b = Vec::new();
    for i in 0..5 {
        let u = created(
            app,
            token,
            "/api/v1/units",
            json!({"customer_id": c["id"], "model_code": "RB-5", "serial_no": format!("RB{i:03}"),
                   "commissioned_on": "2025-06-01"}),
        )
        .await;
        b.push(u["id"].as_i64().unwrap());
    }
    for (unit, kind, when) in [
        (a[0], "repair", "2025-01-20T10:00:00+08:00"),
        (a[1], "repair", "2025-03-15T10:00:00+08:00"),
        (a[2], "complaint_quality", "2025-08-01T10:00:00+08:00"),
        (a[3], "consultation", "2025-09-01T10:00:00+08:00"),
        (b[0], "emergency", "2025-10-01T10:00:00+08:00"),
    ] {
        app.clock.set(at(when));
        created(
            app,
            token,
            "/api/v1/tickets",
            json!({"kind": kind, "channel": "phone", "customer_id": c["id"], "unit_id": unit,
                   "received_at": when, "summary": "运行中跳闸"}),
        )
        .await;
    }
    app.clock.set(at("2026-01-15T10:00:00+08:00"));
    a
}

fn close(v: &Value, expected: f64, rel: f64) -> bool {
    v.as_f64()
        .is_some_and(|x| ((x - expected) / expected).abs() <= rel)
}

async fn the_fleet_figures_scenario(app: &TestApp) {
    let boss = app.token("rl_boss", "service_manager").await;
    let a = fleet(app, &boss).await;
    let quality = app.token("rl_quality", "quality_engineer").await;
    let r = app
        .call("GET", "/api/v1/reliability", Some(&quality), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["on"], "2026-01-15");
    let models = body["models"].as_array().unwrap();
    let codes: Vec<&str> = models
        .iter()
        .map(|m| m["model_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["RA-10", "RB-5"]);
    let ra = &models[0];
    assert_eq!(ra["units_commissioned"], 10);
    assert_eq!(ra["units_in_service"], 10);
    assert_eq!(ra["failures"], 3);
    assert_eq!(ra["failed_units"], 3);
    assert_eq!(ra["by_months_in_service"], json!([1, 0, 1, 0, 0, 0, 1]));
    // February 2025 – January 2026: March and August over 12 × 10 unit-months.
    assert!(
        close(&ra["rate_per_thousand_12m"], 2000.0 / 120.0, 1e-12),
        "{ra}"
    );
    assert_eq!(ra["monthly"].as_array().unwrap().len(), 12);
    // Early life: 2 failures in the first 3 months of 10 units = 200 per 1,000 > 20.
    assert_eq!(ra["early_life"]["failures"], 2);
    assert_eq!(ra["early_life"]["alarm"], true);
    // The fit: first failures at 10.5, 64.5 and 203.5 days, seven units running at 370.5
    // days. SciPy 1.17.1, `stats.weibull_min.fit(stats.CensoredData(uncensored=[10.5,
    // 64.5, 203.5], right=[370.5] * 7), floc=0, optimizer=tight_fmin)` (the optimizer of
    // bench/reliability/weibull_reference.py): shape 0.5617670782113745, scale
    // 2230.4120244758856.
    let w = &ra["weibull"];
    assert!(close(&w["shape"], 0.561_767_078_211_374_5, 1e-6), "{w}");
    assert!(
        close(&w["scale_days"], 2_230.412_024_475_885_6, 1e-6),
        "{w}"
    );
    assert_eq!(w["reading"], "early_life");
    assert_eq!(
        (w["failures"].as_u64(), w["censored"].as_u64()),
        (Some(3), Some(7))
    );
    let rb = &models[1];
    assert_eq!(rb["failures"], 1);
    assert_eq!(rb["units_in_service"], 5);
    assert_eq!(rb["weibull"]["no_fit"], "too_few_failures");
    assert_eq!(rb["early_life"]["alarm"], false);

    // A tighter setting and a bad one.
    let r = app
        .call(
            "GET",
            "/api/v1/reliability?early_months=1&early_limit=150",
            Some(&quality),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let ra = &r.json()["models"][0];
    assert_eq!(ra["early_life"]["failures"], 1);
    assert_eq!(ra["early_life"]["alarm"], false);
    let r = app
        .call(
            "GET",
            "/api/v1/reliability?early_months=99",
            Some(&quality),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("early_months"), "{}", r.text);
    // Roles that do not watch the department's figures are refused.
    for role in ["technician", "salesperson", "service_clerk"] {
        let t = app.token(&format!("rl_{role}"), role).await;
        let r = app.call("GET", "/api/v1/reliability", Some(&t), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
    }

    // The page shows the figures, the chart and the alarm; each figure opens its units.
    let mut page = signed_in(app, "rl_quality_web", "quality_engineer").await;
    let r = page.get("/reliability").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for want in ["RA-10", "RB-5", "<svg", "early-alarm", "0.56", "month=6\""] {
        assert!(r.text.contains(want), "{want} not on the page");
    }
    let r = page
        .get("/reliability/units?model=RA-10&show=failures")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.text.matches("/tickets/").count(), 3);
    let r = page
        .get("/reliability/units?model=RA-10&show=failures&within=3")
        .await;
    assert_eq!(r.text.matches("/tickets/").count(), 2);
    let r = page
        .get("/reliability/units?model=RA-10&show=failures&month=6")
        .await;
    assert_eq!(r.text.matches("/tickets/").count(), 1);
    assert!(r.text.contains(&format!("/units/{}", a[2])));
    let r = page
        .get("/reliability/units?model=RA-10&show=in_service")
        .await;
    assert_eq!(r.text.matches("href=\"/units/").count(), 10);
    let r = page.get("/reliability/units?model=NOPE").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = page.get("/reliability?early_limit=abc").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("value=\"abc\""), "the typed value is kept");
    let mut tech = signed_in(app, "rl_tech_web", "technician").await;
    let r = tech.get("/reliability").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

on_both_backends!(
    r5_1_fleet_figures,
    r5_1_fleet_figures_on_postgres,
    the_fleet_figures_scenario
);

/// A faulty part brought back from a unit names the component that failed.
async fn the_component_figures_scenario(app: &TestApp) {
    app.clock.set(at("2026-01-15T10:00:00+08:00"));
    let boss = app.token("rc_boss", "service_manager").await;
    let clerk = app.token("rc_clerk", "service_clerk").await;
    let tech = app.token("rc_tech", "technician").await;
    let (job, _unit) =
        crate::on_site::job_on_unit(app, &boss, &tech, ("RK-1", "K-001"), Some("2025-11-01")).await;
    let part = created(
        app,
        &clerk,
        "/api/v1/parts",
        json!({"code": "VCB-12", "name": "真空断路器", "unit": "台",
               "unit_cost_fen": 10_000, "list_price_fen": 15_000}),
    )
    .await;
    created(
        app,
        &tech,
        &format!("/api/v1/jobs/{}/parts/faulty", job["id"]),
        json!({"part_id": part["id"], "quantity": 1, "faulty_serial": "F-1"}),
    )
    .await;
    let r = app
        .call("GET", "/api/v1/reliability", Some(&boss), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let m = &r.json()["models"][0];
    assert_eq!(m["model_code"], "RK-1");
    // Commissioned 1 November 2025, brought back 15 January 2026: 2 whole months.
    assert_eq!(
        m["components"],
        json!([{"part_code": "VCB-12", "part_name": "真空断路器", "failures": 1,
                "per_thousand": 1000.0, "by_months_in_service": [0, 0, 1]}])
    );
    let mut page = signed_in(app, "rc_boss_web", "service_manager").await;
    let r = page.get("/reliability").await;
    assert!(r.text.contains("VCB-12 真空断路器"), "{}", r.text);
}

on_both_backends!(
    r5_1_component_figures,
    r5_1_component_figures_on_postgres,
    the_component_figures_scenario
);

/// The warranty cost per model per year (R5.1): a warranty job with a manufacturing fault
/// counts what the company bore under its model; each figure opens its jobs and units;
/// another year and bad years; who may read it.
async fn the_warranty_cost_scenario(app: &TestApp) {
    app.clock.set(at("2026-05-12T10:00:00+08:00"));
    let boss = app.token("wc_boss", "service_manager").await;
    let tech = app.token("wc_tech", "technician").await;
    let (job, unit) = crate::on_site::job_on_unit(
        app,
        &boss,
        &tech,
        ("KYN28-12", "WC-0001"),
        Some("2025-08-20"),
    )
    .await;
    crate::settlement::form(app, &tech, job["id"].as_i64().unwrap(), "manufacturing").await;
    let r = app
        .call(
            "GET",
            "/api/v1/reliability/warranty-cost?year=2026",
            Some(&boss),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let c = r.json();
    assert_eq!(c["year"], 2026);
    assert_eq!(c["models"][0]["model_code"], "KYN28-12");
    assert_eq!(c["models"][0]["jobs"], 1);
    assert_eq!(c["models"][0]["total_fen"], 30_000);
    // The figure adds up from the jobs behind it, each with its unit.
    let jobs = c["jobs"].as_array().unwrap();
    assert_eq!(
        jobs.iter()
            .map(|j| j["borne_fen"].as_i64().unwrap())
            .sum::<i64>(),
        30_000
    );
    assert_eq!(jobs[0]["unit_id"], unit["id"]);
    // Last year: nothing; the default is this year.
    let r = app
        .call(
            "GET",
            "/api/v1/reliability/warranty-cost?year=2025",
            Some(&boss),
            None,
        )
        .await;
    assert!(r.json()["models"].as_array().unwrap().is_empty());
    let r = app
        .call(
            "GET",
            "/api/v1/reliability/warranty-cost",
            Some(&boss),
            None,
        )
        .await;
    assert_eq!(r.json()["year"], 2026);
    for bad in ["abc", "1999", "2027", "2026%00"] {
        let r = app
            .call(
                "GET",
                &format!("/api/v1/reliability/warranty-cost?year={bad}"),
                Some(&boss),
                None,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.text
        );
        assert!(r.json()["error"]["fields"]["year"].is_string(), "{bad}");
    }
    for role in ["technician", "salesperson", "service_clerk"] {
        let t = app.token(&format!("wc_{role}"), role).await;
        let r = app
            .call("GET", "/api/v1/reliability/warranty-cost", Some(&t), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
    }
    // The page: the models' table and chart; a model's figure opens its jobs and units.
    let mut page = signed_in(app, "wc_boss_web", "service_manager").await;
    let r = page.get("/reliability").await;
    assert!(r.text.contains("href=\"/reliability/warranty\""));
    let r = page.get("/reliability/warranty").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("KYN28-12") && r.text.contains("300.00") && r.text.contains("<svg"));
    let r = page
        .get("/reliability/warranty?year=2026&model=KYN28-12")
        .await;
    assert_eq!(r.text.matches("data-job").count(), 1);
    assert!(r.text.contains(&format!("/units/{}", unit["id"])));
    let r = page.get("/reliability/warranty?year=1999").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

on_both_backends!(
    r5_1_warranty_cost_per_model_and_year,
    r5_1_warranty_cost_per_model_and_year_on_postgres,
    the_warranty_cost_scenario
);
