//! The settlement basis by API (R1.5): a job's settlement from its form's times and
//! responsibility and its unit's coverage; a quotation given, accepted once; the month's
//! settlement and warranty cost; bad input and refused roles.

use crate::on_site::{field_named, png_b64};
use crate::support::{TestApp, on_both_backends};
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

/// The crew's form: `responsibility`, on site from the arrival for two hours.
pub(crate) async fn form(app: &TestApp, tech: &str, job: i64, responsibility: &str) -> Value {
    let r = app
        .call(
            "POST",
            &format!("/api/v1/jobs/{job}/forms"),
            Some(tech),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let f = r.json();
    let started: chrono::DateTime<Utc> = f["started_at"].as_str().unwrap().parse().unwrap();
    app.clock.advance(Duration::hours(3));
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/forms/{}", f["id"]),
            Some(tech),
            Some(
                json!({"version": f["version"], "service_content": "更换断路器",
                "responsibility": responsibility,
                "started_at": started.to_rfc3339(),
                "ended_at": (started + Duration::hours(2)).to_rfc3339()}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

async fn settlement_follows_coverage_and_responsibility(app: &TestApp) {
    let manager = app.token("boss", "service_manager").await;
    let clerk = app.token("clerk", "service_clerk").await;
    let quality = app.token("qe", "quality_engineer").await;
    let tech = app.token("tech", "technician").await;
    let sales = app.token("sales", "salesperson").await;
    // Commissioned a year ago: in warranty.
    let on = (Utc::now() - Duration::days(365)).date_naive().to_string();
    let job = job_on_unit(app, &manager, &tech, &on).await;
    let id = job["id"].as_i64().unwrap();
    let url = format!("/api/v1/jobs/{id}/settlement");

    // No form yet: provisional, and it says why.
    let r = app.call("GET", &url, Some(&clerk), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s = r.json();
    assert_eq!(s["coverage"], "warranty");
    assert_eq!(s["ticket_number"].as_str().unwrap().len(), 10);
    assert!(
        s["provisional"]
            .as_array()
            .unwrap()
            .contains(&json!("settlement.provisional.no_form")),
        "{s}"
    );

    // A manufacturing fault in warranty: two hours on site, nothing charged.
    form(app, &tech, id, "manufacturing").await;
    let s = app.call("GET", &url, Some(&quality), None).await.json();
    assert_eq!(s["responsibility"], "manufacturing");
    assert_eq!(s["rule"], "settlement.rule.warranty_quality");
    let labour = &s["lines"][0];
    assert_eq!(labour["kind"], "labour");
    assert_eq!(labour["qty_centi"], 200);
    assert_eq!(labour["list_fen"], 30_000, "2 h × 150.00 by default");
    assert_eq!(labour["charged_fen"], 0);
    assert_eq!(labour["reason"], "settlement.line.free");
    assert_eq!(s["charged_fen"], 0);
    assert_eq!(s["borne_fen"], 30_000);

    // Refused roles: a technician or a salesperson does not read settlements.
    for who in [&tech, &sales] {
        let r = app.call("GET", &url, Some(who), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    }
    let r = app
        .call("GET", "/api/v1/jobs/999999/settlement", Some(&clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The month: the job is there, and its warranty cost under its model.
    let month = Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m")
        .to_string();
    let r = app
        .call(
            "GET",
            &format!("/api/v1/settlements?month={month}"),
            Some(&manager),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let m = r.json();
    assert_eq!(m["jobs"].as_array().unwrap().len(), 1, "{m}");
    assert_eq!(m["borne_fen"], 30_000);
    let r = app
        .call(
            "GET",
            &format!("/api/v1/settlements/warranty-cost?month={month}"),
            Some(&manager),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let w = r.json();
    assert_eq!(w[0]["model_code"], "KYN28-12");
    assert_eq!(w[0]["labour_fen"], 30_000);
    for bad in ["2026-13", "2026-1", "", "november"] {
        let r = app
            .call(
                "GET",
                &format!("/api/v1/settlements?month={bad}"),
                Some(&manager),
                None,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.text
        );
        assert!(field_named(&r, "month"), "{}", r.text);
    }
    let r = app
        .call(
            "GET",
            &format!("/api/v1/settlements?month={month}"),
            Some(&tech),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

on_both_backends!(
    the_settlement_follows_coverage_and_responsibility,
    the_settlement_follows_coverage_and_responsibility_on_postgres,
    settlement_follows_coverage_and_responsibility
);

async fn quotation_given_and_answered_once(app: &TestApp) {
    let manager = app.token("boss", "service_manager").await;
    let clerk = app.token("clerk", "service_clerk").await;
    let quality = app.token("qe", "quality_engineer").await;
    let tech = app.token("tech", "technician").await;
    // Commissioned ten years ago: paid.
    let on = (Utc::now() - Duration::days(3650)).date_naive().to_string();
    let job = job_on_unit(app, &manager, &tech, &on).await;
    let id = job["id"].as_i64().unwrap();
    let quotes = format!("/api/v1/jobs/{id}/quotes");
    let body = json!({"parts": [{"description": "QF-1 断路器", "quantity": 2, "unit_price_fen": 12000}],
        "labour_hours": 2.5, "travel_km": 40, "note": "报价三日内有效"});

    // Bad input names the field and writes nothing.
    let mut neg = body.clone();
    neg["labour_hours"] = json!(-1);
    let r = app.call("POST", &quotes, Some(&clerk), Some(neg)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "labour_hours"), "{}", r.text);
    let mut zero = body.clone();
    zero["parts"][0]["quantity"] = json!(0);
    let r = app.call("POST", &quotes, Some(&clerk), Some(zero)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "parts[0].quantity"), "{}", r.text);
    // Refused roles: a quality engineer reads but does not quote; a technician neither.
    for who in [&quality, &tech] {
        let r = app
            .call("POST", &quotes, Some(who), Some(body.clone()))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    }
    let s = app
        .call(
            "GET",
            &format!("/api/v1/jobs/{id}/settlement"),
            Some(&clerk),
            None,
        )
        .await
        .json();
    assert!(s["quotes"].as_array().unwrap().is_empty());

    // Given: parts at list price, labour and travel at the default rates.
    let r = app
        .call("POST", &quotes, Some(&clerk), Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let q = r.json();
    assert_eq!(q["status"], "given");
    assert_eq!(q["total_fen"], 24_000 + 37_500 + 12_000);
    let qid = q["id"].as_i64().unwrap();

    // The answer needs who and how.
    let accept = format!("/api/v1/quotes/{qid}/accept");
    let r = app
        .call(
            "POST",
            &accept,
            Some(&clerk),
            Some(json!({"method": "fax"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        field_named(&r, "by_name") && field_named(&r, "method"),
        "{}",
        r.text
    );
    let yes = json!({"by_name": "王工", "method": "signature", "note": "现场签字"});
    let r = app
        .call("POST", &accept, Some(&tech), Some(yes.clone()))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .call("POST", &accept, Some(&clerk), Some(yes.clone()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let a = r.json();
    assert_eq!(a["status"], "accepted");
    assert_eq!(a["answer"]["by_name"], "王工");
    assert_eq!(a["answer"]["method"], "signature");
    // Accepting twice, or refusing after: a conflict, nothing changes.
    let r = app
        .call("POST", &accept, Some(&clerk), Some(yes.clone()))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/quotes/{qid}/refuse"),
            Some(&clerk),
            Some(yes.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = app
        .call(
            "POST",
            "/api/v1/quotes/999999/accept",
            Some(&clerk),
            Some(yes.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Given and accepted, each audited with who; the failed attempts wrote nothing.
    let trail = app.db.audit_trail("quote", qid).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "accept"]);
    assert_eq!(trail[1].after["answered_by"], "王工");
    assert_eq!(trail[1].after["method"], "signature");
    assert!(trail[1].actor_id.is_some());

    // A second quotation refused by phone.
    let r = app
        .call("POST", &quotes, Some(&manager), Some(body.clone()))
        .await;
    let q2 = r.json()["id"].as_i64().unwrap();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/quotes/{q2}/refuse"),
            Some(&manager),
            Some(json!({"by_name": "李经理", "method": "phone"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "refused");
    let s = app
        .call(
            "GET",
            &format!("/api/v1/jobs/{id}/settlement"),
            Some(&clerk),
            None,
        )
        .await
        .json();
    let statuses: Vec<_> = s["quotes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["status"].clone())
        .collect();
    assert_eq!(statuses, vec![json!("refused"), json!("accepted")]);

    // A paid unit with a signed form: charged per the price list, whoever is responsible.
    let f = form(app, &tech, id, "manufacturing").await;
    let s = app
        .call(
            "GET",
            &format!("/api/v1/jobs/{id}/settlement"),
            Some(&clerk),
            None,
        )
        .await
        .json();
    assert_eq!(s["coverage"], "paid");
    assert_eq!(s["rule"], "settlement.rule.paid");
    assert_eq!(s["charged_fen"], s["list_fen"]);

    // The job done (signed, accepted): no quotation any more.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/forms/{}/sign", f["id"]),
            Some(&tech),
            Some(json!({"signer_name": "王工",
                "signature_png_base64": png_b64()})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/forms/{}/review", f["id"]),
            Some(&manager),
            Some(json!({"accept": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app.call("POST", &quotes, Some(&clerk), Some(body)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "job"), "{}", r.text);
}

on_both_backends!(
    a_quotation_is_given_and_answered_once,
    a_quotation_is_given_and_answered_once_on_postgres,
    quotation_given_and_answered_once
);

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

async fn parts_settled_at_cost_and_list_price(app: &TestApp) {
    use sanbao_domain::parts::{LineInput, PartInput, ReceiveInput, RequisitionInput, UseInput};
    use sanbao_domain::{JobId, PartId};
    use sanbao_server::app::parts;
    let boss = app.user("boss", "service_manager").await;
    let tech_user = app.user("tech", "technician").await;
    let manager = sign_in(app, "boss").await;
    let tech = sign_in(app, "tech").await;
    let on = (Utc::now() - Duration::days(365)).date_naive().to_string();
    let job = job_on_unit(app, &manager, &tech, &on).await;
    let id = JobId(job["id"].as_i64().unwrap());
    form(app, &tech, id.0, "purchased_component").await;
    let now = app.state.now();
    let part = parts::create_part(
        &app.state,
        &boss,
        &PartInput {
            code: Some("QF-1".into()),
            name: Some("断路器".into()),
            unit: Some("个".into()),
            unit_cost_fen: Some(8_000),
            list_price_fen: Some(12_000),
            serialised: Some(false),
            ..PartInput::default()
        },
        now,
    )
    .await
    .unwrap();
    let pid: PartId = part.id;
    parts::receive(
        &app.state,
        &boss,
        &ReceiveInput {
            part_id: Some(pid),
            quantity: Some(5),
            note: None,
        },
        now,
    )
    .await
    .unwrap();
    let req = parts::request_parts(
        &app.state,
        &tech_user,
        &RequisitionInput {
            job_id: Some(id),
            lines: vec![LineInput {
                part_id: Some(pid),
                quantity: Some(2),
            }],
            ..RequisitionInput::default()
        },
        None,
        now,
    )
    .await
    .unwrap()
    .value;
    let req = parts::approve(&app.state, &boss, req.id, req.version, None, now)
        .await
        .unwrap();
    parts::issue(&app.state, &boss, req.id, req.version, now)
        .await
        .unwrap();
    parts::use_part(
        &app.state,
        &tech_user,
        id,
        &UseInput {
            part_id: Some(pid),
            quantity: Some(2),
            ..UseInput::default()
        },
        None,
        now,
    )
    .await
    .unwrap();

    // A purchased component failed in warranty: the parts cost the company 160.00 and
    // the customer nothing.
    let s = app
        .call(
            "GET",
            &format!("/api/v1/jobs/{}/settlement", id.0),
            Some(&manager),
            None,
        )
        .await
        .json();
    let part_line = s["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "part")
        .unwrap_or_else(|| panic!("{s}"))
        .clone();
    assert_eq!(part_line["qty_centi"], 200);
    assert_eq!(part_line["cost_fen"], 16_000);
    assert_eq!(part_line["list_fen"], 24_000);
    assert_eq!(part_line["charged_fen"], 0);
    assert_eq!(s["charged_fen"], 0);
    let month = Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m")
        .to_string();
    let w = app
        .call(
            "GET",
            &format!("/api/v1/settlements/warranty-cost?month={month}"),
            Some(&manager),
            None,
        )
        .await
        .json();
    assert_eq!(w[0]["parts_fen"], 16_000, "{w}");
}

on_both_backends!(
    parts_used_on_the_job_are_settled_at_cost_and_list_price,
    parts_used_on_the_job_are_settled_at_cost_and_list_price_on_postgres,
    parts_settled_at_cost_and_list_price
);

async fn pages_refuse(app: &TestApp) {
    use crate::web::{location, signed_in};
    let mut boss = signed_in(app, "boss", "service_manager").await;
    let r = boss
        .submit(
            "/settings/rates",
            "/settings/rates",
            &[
                ("version", "0"),
                ("labour_per_hour", "-5"),
                ("travel_per_km", "abc"),
                ("call_out", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    for f in ["labour_per_hour-error", "travel_per_km-error"] {
        assert!(r.text.contains(f), "{f}");
    }
    assert!(r.text.contains("value=\"abc\""), "what was typed is kept");
    let r = boss
        .submit(
            "/settings/rates",
            "/settings/rates",
            &[
                ("version", "0"),
                ("labour_per_hour", "180"),
                ("travel_per_km", "2.5"),
                ("call_out", "50"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(location(&r), "/settings/rates?done=1");
    let r = boss.get("/settings/rates?done=1").await;
    assert!(r.text.contains("value=\"180.00\"") && r.text.contains("value=\"2.50\""));

    let mut clerk = signed_in(app, "clerk", "service_clerk").await;
    assert_eq!(
        clerk.get("/settings/rates").await.status,
        StatusCode::FORBIDDEN
    );
    let r = clerk.get("/settlements").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("/settlements/export?month="));
    let r = clerk.get("/settlements?month=2026-13").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = clerk
        .get("/settlements/export?month=2026-11&format=csv")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(r.text.contains("工单号,作业号"));

    let mut tech = signed_in(app, "tech", "technician").await;
    for page in [
        "/settlements",
        "/settings/rates",
        "/field/jobs/1/settlement",
    ] {
        assert_eq!(tech.get(page).await.status, StatusCode::FORBIDDEN, "{page}");
    }
}

on_both_backends!(
    pages_refuse_who_may_not_and_keep_what_was_typed,
    pages_refuse_who_may_not_and_keep_what_was_typed_on_postgres,
    pages_refuse
);

/// A repair job on a unit commissioned `commissioned_on`, with `tech` on site; answers the
/// job.
async fn job_on_unit(app: &TestApp, manager: &str, tech: &str, commissioned_on: &str) -> Value {
    crate::on_site::job_on_unit(
        app,
        manager,
        tech,
        ("KYN28-12", "KYN-0001"),
        Some(commissioned_on),
    )
    .await
    .0
}
