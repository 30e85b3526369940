//! The steps many field-service tests start from, through the API and written once: a job
//! opened on a ticket with a technician sent and arrived on site, on a unit when the test
//! needs coverage or the unit's history, and the job's feedback form signed.

use crate::support::{Response, TestApp};
use axum::http::StatusCode;
use base64::Engine;
use serde_json::{Value, json};

/// The signed-in user's id.
pub async fn me(app: &TestApp, token: &str) -> i64 {
    app.call("GET", "/api/v1/me", Some(token), None)
        .await
        .json()["id"]
        .as_i64()
        .unwrap()
}

/// The smallest PNG the form's checks accept.
pub fn png() -> Vec<u8> {
    vec![
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
        0, 3, 0, 0, 0, 2, 8, 6, 0, 0, 0, 0, 0, 0, 0,
    ]
}

pub fn png_b64() -> String {
    base64::engine::general_purpose::STANDARD.encode(png())
}

/// Whether a 422 names `field`.
pub fn field_named(r: &Response, field: &str) -> bool {
    r.json()["error"]["fields"].get(field).is_some()
}

/// Open the job of `ticket`, send `tech` and have them arrive; answers the job on site.
pub async fn on_site(app: &TestApp, dispatcher: &str, tech: &str, ticket: &Value) -> Value {
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tickets/{}/jobs", ticket["id"]),
            Some(dispatcher),
            Some(json!({"contact_name": "王工", "contact_phone": "138 0000 0000"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let job = r.json();
    let id = job["id"].as_i64().unwrap();
    let tech_id = me(app, tech).await;
    let r = app
        .call(
            "POST",
            &format!("/api/v1/jobs/{id}/dispatch"),
            Some(dispatcher),
            Some(json!({"version": job["version"], "technician_ids": [tech_id]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/jobs/{id}/arrive"),
            Some(tech),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

/// A repair job of a new customer with `tech` on site; answers the job's id.
pub async fn job_on_site(app: &TestApp, dispatcher: &str, tech: &str) -> i64 {
    let c = app
        .api_customer(dispatcher, "萧山配电公司", "浙江省杭州市萧山区建设一路66号")
        .await;
    let t = app.api_ticket(dispatcher, &c, "repair", "开关柜跳闸").await;
    on_site(app, dispatcher, tech, &t).await["id"]
        .as_i64()
        .unwrap()
}

/// A unit of a new model (`model`, `serial`, commissioned on `commissioned_on` when given)
/// at a new customer's, and a repair job on it with `tech` on site; answers the job on site
/// and the unit.
pub async fn job_on_unit(
    app: &TestApp,
    manager: &str,
    tech: &str,
    (model, serial): (&str, &str),
    commissioned_on: Option<&str>,
) -> (Value, Value) {
    let c = app
        .api_customer(manager, "萧山配电公司", "浙江省杭州市萧山区建设一路66号")
        .await;
    let r = app
        .call(
            "POST",
            "/api/v1/product-models",
            Some(manager),
            Some(json!({"code": model, "name": "中置式开关柜", "product_line": "开关柜"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .call(
            "POST",
            "/api/v1/units",
            Some(manager),
            Some(
                json!({"customer_id": c["id"], "model_code": model, "serial_no": serial,
                "commissioned_on": commissioned_on}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let unit = r.json();
    let r = app
        .call(
            "POST",
            "/api/v1/tickets",
            Some(manager),
            Some(
                json!({"kind": "repair", "channel": "phone", "customer_id": c["id"],
                "unit_id": unit["id"], "summary": "开关柜跳闸"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let job = on_site(app, manager, tech, &r.json()).await;
    (job, unit)
}

/// The crew fills in the job's form (the customer's operation found responsible) and the
/// customer signs it; answers the form's id. The job then waits for review.
pub async fn signed_form(app: &TestApp, tech: &str, job: i64) -> i64 {
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
            Some(
                json!({"version": form["version"], "service_content": "更换断路器",
                "fault_cause": "触头烧蚀", "cause_analysis": "长期过载", "handling": "更换并试验",
                "responsibility": "customer_operation"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/forms/{id}/sign"),
            Some(tech),
            Some(json!({"signer_name": "王工",
                "signature_png_base64": format!("data:image/png;base64,{}", png_b64())})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    id
}
