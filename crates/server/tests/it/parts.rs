//! Parts by API (R1.5): the catalogue, receipts, a requisition approved and issued, parts
//! fitted on a job with serials and the rest returned, the job's reconciliation; bad input
//! named and writing nothing, refused roles, one requisition for a key sent twice, two
//! issues of the last piece at once, and the close gate while a part is out.

use crate::on_site::{field_named, job_on_site, me, signed_form};
use crate::support::{Response, TestApp, http, on_both_backends};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::Barrier;

async fn new_part(app: &TestApp, token: &str, code: &str, serialised: bool) -> i64 {
    let r = app
        .call(
            "POST",
            "/api/v1/parts",
            Some(token),
            Some(
                json!({"code": code, "name": format!("断路器 {code}"), "unit": "个",
                "unit_cost_fen": 12_050, "list_price_fen": 19_900, "serialised": serialised,
                "models": ["KYN28", "XGN15"], "reorder_level": 3}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

async fn receive(app: &TestApp, token: &str, part: i64, quantity: i64) -> Response {
    app.call(
        "POST",
        "/api/v1/stock/receipts",
        Some(token),
        Some(json!({"part_id": part, "quantity": quantity, "note": "供应商送货单 A-1"})),
    )
    .await
}

async fn store_id(app: &TestApp, token: &str) -> i64 {
    let r = app
        .call("GET", "/api/v1/stock-locations", Some(token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "store")
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// On hand of `part` in the central store.
async fn in_store(app: &TestApp, token: &str, part: i64) -> i64 {
    let store = store_id(app, token).await;
    let r = app
        .call(
            "GET",
            &format!("/api/v1/stock-locations/{store}/stock"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["part_id"] == part)
        .map(|s| s["on_hand"].as_i64().unwrap())
        .sum()
}

async fn ledger_len(app: &TestApp, token: &str) -> usize {
    app.call("GET", "/api/v1/parts-ledger?limit=500", Some(token), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .len()
}

/// A requisition of `lines` for `holder`'s van (for `job` when given), approved by the
/// manager; answers it.
async fn approved(
    app: &TestApp,
    asker: &str,
    manager: &str,
    job: Option<i64>,
    lines: Value,
) -> Value {
    let r = app
        .call(
            "POST",
            "/api/v1/requisitions",
            Some(asker),
            Some(json!({"job_id": job, "note": "换断路器", "lines": lines})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let req = r.json();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/requisitions/{}/approve", req["id"]),
            Some(manager),
            Some(json!({"version": req["version"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "approved");
    r.json()
}

async fn issue(app: &TestApp, token: &str, req: &Value) -> Response {
    app.call(
        "POST",
        &format!("/api/v1/requisitions/{}/issue", req["id"]),
        Some(token),
        Some(json!({"version": req["version"]})),
    )
    .await
}

async fn use_on(app: &TestApp, token: &str, job: i64, body: Value) -> Response {
    app.call(
        "POST",
        &format!("/api/v1/jobs/{job}/parts/use"),
        Some(token),
        Some(body),
    )
    .await
}

async fn job_parts(app: &TestApp, token: &str, job: i64) -> Value {
    let r = app
        .call(
            "GET",
            &format!("/api/v1/jobs/{job}/parts"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

async fn requisition_to_use_and_return(app: &TestApp) {
    let manager = app.token("boss", "service_manager").await;
    let clerk = app.token("store", "service_clerk").await;
    let tech = app.token("tech", "technician").await;
    let job = job_on_site(app, &manager, &tech).await;

    // The catalogue: a part added, found by code, name and model.
    let part = new_part(app, &clerk, "QF-630", true).await;
    let r = app
        .call("GET", "/api/v1/parts?q=qf-6&model=KYN28", Some(&tech), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let items = r.json()["items"].clone();
    assert_eq!(items.as_array().unwrap().len(), 1, "{items}");
    assert_eq!(items[0]["unit_cost_fen"], 12_050);
    assert_eq!(items[0]["models"], json!(["KYN28", "XGN15"]));
    let r = app
        .call("GET", "/api/v1/parts?model=GIS", Some(&tech), None)
        .await;
    assert_eq!(r.json()["items"], json!([]));

    // Changed on its version; a stale version is refused.
    let r = app
        .call(
            "PATCH",
            &format!("/api/v1/parts/{part}"),
            Some(&clerk),
            Some(json!({"version": 1, "list_price_fen": 21_000})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["list_price_fen"], 21_000);
    assert_eq!(r.json()["code"], "QF-630", "fields not sent are kept");
    assert_eq!(r.json()["version"], 2);
    let r = app
        .call(
            "PATCH",
            &format!("/api/v1/parts/{part}"),
            Some(&clerk),
            Some(json!({"version": 1, "name": "别的"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // Received; below the reorder level until then.
    let r = app
        .call("GET", "/api/v1/stock/below-reorder", Some(&clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("QF-630"), "{}", r.text);
    let r = receive(app, &clerk, part, 5).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["kind"], "receive");
    assert_eq!(r.json()["part_code"], "QF-630");
    assert_eq!(in_store(app, &clerk, part).await, 5);
    let r = app
        .call("GET", "/api/v1/stock/below-reorder", Some(&clerk), None)
        .await;
    assert!(!r.text.contains("QF-630"), "{}", r.text);

    // Asked for the job, approved, issued into the technician's van under the job.
    let req = approved(
        app,
        &tech,
        &manager,
        Some(job),
        json!([{"part_id": part, "quantity": 3}]),
    )
    .await;
    let r = issue(app, &clerk, &req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "issued");
    assert_eq!(in_store(app, &clerk, part).await, 2);
    let tech_id = me(app, &tech).await;
    let r = app
        .call(
            "GET",
            &format!("/api/v1/users/{tech_id}/holdings"),
            Some(&tech),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let held = r.json()["items"][0].clone();
    assert_eq!(held["on_hand"], 3);
    assert_eq!(held["job_id"], job);

    // Fitted with its serial and the faulty one's; the same serial twice is refused.
    let r = use_on(
        app,
        &tech,
        job,
        json!({"part_id": part, "quantity": 1, "serial": "SN-0001", "faulty_serial": "F-77"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["items"][0]["kind"], "use");
    assert_eq!(r.json()["items"][0]["serial"], "SN-0001");
    assert_eq!(r.json()["items"][0]["part_code"], "QF-630");
    assert_eq!(r.json()["items"][0]["by_name"], "tech-name");
    let before = ledger_len(app, &clerk).await;
    let r = use_on(
        app,
        &tech,
        job,
        json!({"part_id": part, "quantity": 1, "serial": "SN-0001"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "serial"), "{}", r.text);
    assert_eq!(ledger_len(app, &clerk).await, before, "nothing written");

    // Still out: 2. The rest returned to the store.
    let p = job_parts(app, &tech, job).await;
    assert_eq!(p["reconciliation"]["outstanding"], 2, "{p}");
    assert_eq!(p["reconciliation"]["settled"], false);
    let r = app
        .call(
            "POST",
            "/api/v1/stock/returns",
            Some(&tech),
            Some(json!({"part_id": part, "quantity": 2, "job_id": job})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["kind"], "return");
    assert_eq!(r.json()["part_code"], "QF-630");
    assert_eq!(in_store(app, &clerk, part).await, 4);

    // Reconciled: issued 3 = used 1 + returned 2.
    let p = job_parts(app, &manager, job).await;
    let line = &p["reconciliation"]["lines"][0];
    assert_eq!(line["issued"], 3, "{p}");
    assert_eq!(line["used"], 1);
    assert_eq!(line["returned"], 2);
    assert_eq!(line["outstanding"], 0);
    assert_eq!(p["reconciliation"]["settled"], true);
    assert_eq!(p["requisitions"][0]["status"], "issued");
    assert_eq!(p["held"], json!([]));
    assert!(p["ledger"].as_array().unwrap().len() >= 3, "{p}");

    // The ledger, newest first, filtered by job; a row reversed once by the manager.
    let r = app
        .call(
            "GET",
            &format!("/api/v1/parts-ledger?job={job}"),
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rows = r.json()["items"].clone();
    assert_eq!(rows[0]["kind"], "return", "{rows}");
    let receipt = app
        .call(
            "GET",
            &format!("/api/v1/parts-ledger?part={part}&limit=500"),
            Some(&clerk),
            None,
        )
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "receive")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let rev = format!("/api/v1/parts-ledger/{receipt}/reverse");
    let r = app
        .call("POST", &rev, Some(&clerk), Some(json!({"reason": "录错"})))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .call("POST", &rev, Some(&manager), Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "reason"), "{}", r.text);
    // The receipt of 5 is not undone while only 4 are in the store.
    let r = app
        .call(
            "POST",
            &rev,
            Some(&manager),
            Some(json!({"reason": "送货单录错"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "quantity"), "{}", r.text);
    assert_eq!(in_store(app, &clerk, part).await, 4);
}

on_both_backends!(
    r1_5_a_part_requisitioned_issued_fitted_with_its_serial_and_the_rest_returned_reconciles,
    r1_5_a_part_requisitioned_issued_fitted_with_its_serial_and_the_rest_returned_reconciles_on_postgres,
    requisition_to_use_and_return
);

async fn bad_input_and_refused_roles(app: &TestApp) {
    let manager = app.token("boss", "service_manager").await;
    let clerk = app.token("store", "service_clerk").await;
    let tech = app.token("tech", "technician").await;
    let other = app.token("other", "technician").await;
    let sales = app.token("sales", "salesperson").await;
    let job = job_on_site(app, &manager, &tech).await;
    let part = new_part(app, &clerk, "FU-10", false).await;
    let spare = new_part(app, &clerk, "FU-20", false).await;
    assert_eq!(
        receive(app, &clerk, part, 4).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        receive(app, &clerk, spare, 4).await.status,
        StatusCode::CREATED
    );
    let before = ledger_len(app, &clerk).await;

    // A NUL byte in a code is refused before anything else is read; a negative price and
    // an empty code are named together. Nothing added.
    let r = app
        .call(
            "POST",
            "/api/v1/parts",
            Some(&clerk),
            Some(json!({"code": "AB\u{0}C", "name": "熔断器", "unit": "个",
                "unit_cost_fen": -1, "list_price_fen": 100})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "code"), "{}", r.text);
    let r = app
        .call(
            "POST",
            "/api/v1/parts",
            Some(&clerk),
            Some(json!({"code": "", "name": "熔断器", "unit": "个",
                "unit_cost_fen": -1, "list_price_fen": 100})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "code"), "{}", r.text);
    assert!(field_named(&r, "unit_cost_fen"), "{}", r.text);
    let r = app
        .call(
            "GET",
            "/api/v1/parts?include_inactive=true",
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 2);
    // Only the store adds parts.
    let r = app
        .call(
            "POST",
            "/api/v1/parts",
            Some(&tech),
            Some(json!({"code": "X-1", "name": "x", "unit": "个"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    // A negative quantity; an unknown part.
    let r = receive(app, &clerk, part, -2).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "quantity"), "{}", r.text);
    let r = receive(app, &clerk, 999_999, 2).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "part_id"), "{}", r.text);
    let r = app
        .call(
            "POST",
            "/api/v1/requisitions",
            Some(&tech),
            Some(
                json!({"job_id": job, "lines": [{"part_id": 999_999, "quantity": 1},
                {"part_id": part, "quantity": -1}]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "lines[0].part_id"), "{}", r.text);
    assert!(field_named(&r, "lines[1].quantity"), "{}", r.text);
    let r = app
        .call(
            "GET",
            &format!("/api/v1/requisitions?job={job}"),
            Some(&manager),
            None,
        )
        .await;
    assert_eq!(r.json()["items"], json!([]), "no requisition written");

    // A technician neither approves nor issues.
    let req = app
        .call(
            "POST",
            "/api/v1/requisitions",
            Some(&tech),
            Some(json!({"job_id": job, "lines": [{"part_id": part, "quantity": 2}]})),
        )
        .await
        .json();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/requisitions/{}/approve", req["id"]),
            Some(&tech),
            Some(json!({"version": req["version"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/requisitions/{}/approve", req["id"]),
            Some(&manager),
            Some(json!({"version": req["version"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let req = r.json();
    let r = issue(app, &tech, &req).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(issue(app, &clerk, &req).await.status, StatusCode::OK);
    let before_use = ledger_len(app, &clerk).await;
    assert_eq!(before_use, before + 1, "only the issue was written");

    // Fitting: a negative quantity, a part not issued to the job nor held, more than held.
    let r = use_on(app, &tech, job, json!({"part_id": part, "quantity": -1})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "quantity"), "{}", r.text);
    let r = use_on(app, &tech, job, json!({"part_id": spare, "quantity": 1})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "quantity"), "{}", r.text);
    let r = use_on(app, &tech, job, json!({"part_id": part, "quantity": 3})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "quantity"), "{}", r.text);
    let r = use_on(app, &tech, job, json!({"part_id": 999_999, "quantity": 1})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "part_id"), "{}", r.text);
    // Returning what is not held.
    let r = app
        .call(
            "POST",
            "/api/v1/stock/returns",
            Some(&tech),
            Some(json!({"part_id": spare, "quantity": 1, "job_id": job})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "quantity"), "{}", r.text);
    // A technician not on the crew does not fit parts on the job.
    let r = use_on(app, &other, job, json!({"part_id": part, "quantity": 1})).await;
    assert!(
        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{} {}",
        r.status,
        r.text
    );
    assert_eq!(ledger_len(app, &clerk).await, before_use, "nothing written");

    // Holdings: one's own; a salesperson does not read another's.
    let tech_id = me(app, &tech).await;
    let holdings = format!("/api/v1/users/{tech_id}/holdings");
    let r = app.call("GET", &holdings, Some(&sales), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app.call("GET", &holdings, Some(&other), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app.call("GET", &holdings, Some(&clerk), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["items"][0]["on_hand"], 2);
    // Write-offs and corrections are the manager's.
    let store = store_id(app, &clerk).await;
    let r = app
        .call(
            "POST",
            "/api/v1/stock/adjustments",
            Some(&clerk),
            Some(json!({"part_id": part, "location_id": store, "delta": -1, "reason": "盘点"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .call(
            "POST",
            "/api/v1/stock/adjustments",
            Some(&manager),
            Some(json!({"part_id": part, "location_id": store, "delta": 0})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "delta"), "{}", r.text);
    assert!(field_named(&r, "reason"), "{}", r.text);
    let r = app
        .call(
            "POST",
            "/api/v1/stock/adjustments",
            Some(&manager),
            Some(
                json!({"part_id": part, "location_id": store, "delta": -1, "reason": "盘点少一个"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(in_store(app, &clerk, part).await, 1);
    // The ledger is the store's.
    let r = app
        .call("GET", "/api/v1/parts-ledger", Some(&tech), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
}

on_both_backends!(
    r1_5_bad_parts_input_is_named_and_writes_nothing_and_roles_are_refused,
    r1_5_bad_parts_input_is_named_and_writes_nothing_and_roles_are_refused_on_postgres,
    bad_input_and_refused_roles
);

async fn one_requisition_for_one_key(app: &TestApp) {
    let manager = app.token("boss", "service_manager").await;
    let clerk = app.token("store", "service_clerk").await;
    let tech = app.token("tech", "technician").await;
    let job = job_on_site(app, &manager, &tech).await;
    let part = new_part(app, &clerk, "KM-1", false).await;
    let body = json!({"job_id": job, "lines": [{"part_id": part, "quantity": 2}]});
    let send = || async {
        let req = Request::builder()
            .method("POST")
            .uri("/api/v1/requisitions")
            .header(header::AUTHORIZATION, format!("Bearer {tech}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", "phone-req-0001")
            .body(Body::from(body.to_string()))
            .unwrap();
        app.send(req).await
    };
    let first = send().await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert!(first.headers.get("idempotent-replay").is_none());
    let again = send().await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert_eq!(again.headers["idempotent-replay"], "true");
    assert_eq!(first.json()["id"], again.json()["id"]);
    let r = app
        .call(
            "GET",
            &format!("/api/v1/requisitions?job={job}"),
            Some(&manager),
            None,
        )
        .await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 1, "{}", r.text);
    // The technician sees their own.
    let r = app
        .call(
            "GET",
            &format!("/api/v1/requisitions/{}", first.json()["id"]),
            Some(&tech),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["lines"][0]["code"], "KM-1");
}

on_both_backends!(
    r1_5_a_requisition_sent_twice_with_one_key_is_one_requisition,
    r1_5_a_requisition_sent_twice_with_one_key_is_one_requisition_on_postgres,
    one_requisition_for_one_key
);

/// Two technicians' requisitions for the last piece, issued at the same moment.
async fn last_piece_issued_twice_at_once(app: &TestApp) {
    let manager = app.token("boss", "service_manager").await;
    let clerk = app.token("store", "service_clerk").await;
    let ta = app.token("ta", "technician").await;
    let tb = app.token("tb", "technician").await;
    let part = new_part(app, &clerk, "CT-1", false).await;
    assert_eq!(
        receive(app, &clerk, part, 1).await.status,
        StatusCode::CREATED
    );
    let lines = json!([{"part_id": part, "quantity": 1}]);
    let ra = approved(app, &ta, &manager, None, lines.clone()).await;
    let rb = approved(app, &tb, &manager, None, lines).await;
    let addr = app.serve().await;
    let barrier = Arc::new(Barrier::new(2));
    let tasks: Vec<_> = [ra, rb]
        .into_iter()
        .map(|req| {
            let (barrier, token) = (barrier.clone(), clerk.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                http(
                    addr,
                    "POST",
                    &format!("/api/v1/requisitions/{}/issue", req["id"]),
                    &token,
                    Some(&json!({"version": req["version"]})),
                )
                .await
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let won = results.iter().filter(|(s, _)| *s == 200).count();
    let refused: Vec<&String> = results
        .iter()
        .filter(|(s, _)| *s == 422)
        .map(|(_, b)| b)
        .collect();
    assert_eq!((won, refused.len()), (1, 1), "{results:?}");
    let body: Value = serde_json::from_str(refused[0]).unwrap();
    assert!(
        body["error"]["fields"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.ends_with("quantity")),
        "{body}"
    );
    assert_eq!(in_store(app, &clerk, part).await, 0);
    let stock = app
        .call(
            "GET",
            &format!("/api/v1/parts-ledger?part={part}"),
            Some(&clerk),
            None,
        )
        .await
        .json();
    let issues = stock["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "issue")
        .count();
    assert_eq!(issues, 1, "{stock}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn r1_5_two_issues_of_the_last_piece_at_once_one_wins_the_other_is_told_quantity() {
    last_piece_issued_twice_at_once(&TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn r1_5_two_issues_of_the_last_piece_at_once_one_wins_the_other_is_told_quantity_on_postgres()
{
    if let Some(app) = TestApp::postgres_with_pool(8).await {
        last_piece_issued_twice_at_once(&app).await;
    }
}

/// Issue `quantity` of a new part to `tech` for `job`.
async fn issued_for(
    app: &TestApp,
    manager: &str,
    clerk: &str,
    tech: &str,
    job: i64,
    code: &str,
) -> i64 {
    let part = new_part(app, clerk, code, false).await;
    assert_eq!(
        receive(app, clerk, part, 2).await.status,
        StatusCode::CREATED
    );
    let req = approved(
        app,
        tech,
        manager,
        Some(job),
        json!([{"part_id": part, "quantity": 1}]),
    )
    .await;
    assert_eq!(issue(app, clerk, &req).await.status, StatusCode::OK);
    part
}

async fn write_off_what_is_out(app: &TestApp, manager: &str, tech: &str, job: i64, part: i64) {
    let tech_id = me(app, tech).await;
    let held = app
        .call(
            "GET",
            &format!("/api/v1/users/{tech_id}/holdings"),
            Some(manager),
            None,
        )
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["job_id"] == job && s["part_id"] == part)
        .cloned()
        .unwrap();
    let r = app
        .call(
            "POST",
            "/api/v1/stock/write-offs",
            Some(manager),
            Some(
                json!({"part_id": part, "quantity": 1, "location_id": held["location_id"],
                "job_id": job, "cause": "weather"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "cause"), "{}", r.text);
    assert!(field_named(&r, "reason"), "{}", r.text);
    let r = app
        .call(
            "POST",
            "/api/v1/stock/write-offs",
            Some(manager),
            Some(
                json!({"part_id": part, "quantity": 1, "location_id": held["location_id"],
                "job_id": job, "cause": "lost", "reason": "现场遗失"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["kind"], "write_off");
}

async fn the_close_gate(app: &TestApp) {
    let manager = app.token("boss", "service_manager").await;
    let clerk = app.token("store", "service_clerk").await;
    let tech = app.token("tech", "technician").await;

    // Accepting the signed form of a job with a part still out.
    let job = job_on_site(app, &manager, &tech).await;
    let part = issued_for(app, &manager, &clerk, &tech, job, "GATE-1").await;
    let form = signed_form(app, &tech, job).await;
    let review = format!("/api/v1/forms/{form}/review");
    let r = app
        .call(
            "POST",
            &review,
            Some(&manager),
            Some(json!({"accept": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "parts"), "{}", r.text);
    let status = app
        .call("GET", &format!("/api/v1/jobs/{job}"), Some(&manager), None)
        .await
        .json()["status"]
        .clone();
    assert_eq!(status, "submitted");
    write_off_what_is_out(app, &manager, &tech, job, part).await;
    let r = app
        .call(
            "POST",
            &review,
            Some(&manager),
            Some(json!({"accept": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let p = job_parts(app, &manager, job).await;
    assert_eq!(p["reconciliation"]["lines"][0]["written_off"], 1, "{p}");
    assert_eq!(p["reconciliation"]["settled"], true);

    // Cancelling a job with a part still out.
    let job = job_on_site(app, &manager, &tech).await;
    let part = issued_for(app, &manager, &clerk, &tech, job, "GATE-2").await;
    let url = format!("/api/v1/jobs/{job}/cancel");
    let cancel = |version: Value| {
        app.call(
            "POST",
            &url,
            Some(&manager),
            Some(json!({"reason": "客户取消", "version": version})),
        )
    };
    let version = app
        .call("GET", &format!("/api/v1/jobs/{job}"), Some(&manager), None)
        .await
        .json()["version"]
        .clone();
    let r = cancel(version.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "parts"), "{}", r.text);
    write_off_what_is_out(app, &manager, &tech, job, part).await;
    let r = cancel(version).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "cancelled");
}

on_both_backends!(
    r1_5_a_job_is_not_closed_while_a_part_is_out_until_the_manager_writes_it_off,
    r1_5_a_job_is_not_closed_while_a_part_is_out_until_the_manager_writes_it_off_on_postgres,
    the_close_gate
);
