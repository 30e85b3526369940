//! The service feedback form by API (R1.2, R4.5): the whole path from a job on site to a
//! signed, reviewed form, with every refusal on the way.

use crate::on_site::{field_named, job_on_site, png};
use crate::support::{Response, TestApp, on_both_backends};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use serde_json::{Value, json};

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

async fn upload(
    app: &TestApp,
    token: &str,
    form: i64,
    content_type: &str,
    body: Vec<u8>,
) -> Response {
    let req = Request::builder()
        .method("POST")
        .uri(format!(
            "/api/v1/forms/{form}/photos?caption=%E9%93%AD%E7%89%8C"
        ))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

async fn job_status(app: &TestApp, token: &str, job: i64) -> String {
    app.call("GET", &format!("/api/v1/jobs/{job}"), Some(token), None)
        .await
        .json()["status"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn the_whole_path_with_its_refusals(app: &TestApp) {
    let manager = app.token("boss", "service_manager").await;
    let clerk = app.token("clerk", "service_clerk").await;
    let tech = app.token("tech", "technician").await;
    let other = app.token("other", "technician").await;
    let job = job_on_site(app, &manager, &tech).await;
    let start = format!("/api/v1/jobs/{job}/forms");

    // Only the crew starts it: another technician does not even see the job.
    let r = app
        .call("POST", &start, Some(&other), Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = app
        .call("POST", &start, Some(&clerk), Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app.call("POST", &start, Some(&tech), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let form = r.json();
    let id = form["id"].as_i64().unwrap();
    assert_eq!(form["status"], "draft");
    assert!(form["started_at"].is_string(), "starts at the arrival");
    // A retry answers the same draft.
    let r = app.call("POST", &start, Some(&tech), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["id"], id);

    // Saving: every field checked and named.
    let url = format!("/api/v1/forms/{id}");
    let bad = json!({"version": 1, "responsibility": "weather",
        "parts": [{"name": "断路器", "quantity": 0, "faulty_serial": "S".repeat(51)}]});
    let r = app.call("PUT", &url, Some(&tech), Some(bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    for f in [
        "responsibility",
        "parts[0].quantity",
        "parts[0].faulty_serial",
    ] {
        assert!(field_named(&r, f), "{f}: {}", r.text);
    }
    let fields = json!({"version": 1, "service_content": "更换断路器", "fault_cause": "触头烧蚀",
        "cause_analysis": "长期过载", "handling": "更换并试验", "responsibility": "customer_operation",
        "parts": [{"name": "断路器", "quantity": 1, "faulty_serial": "F-1", "replacement_serial": "R-1"}]});
    let r = app
        .call("PUT", &url, Some(&tech), Some(fields.clone()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["version"], 2);
    // Sent twice (the answer was lost): the same form, no 409.
    let r = app
        .call("PUT", &url, Some(&tech), Some(fields.clone()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["version"], 2);
    // Another change on the old version is stale.
    let mut stale = fields.clone();
    stale["handling"] = json!("别的");
    let r = app.call("PUT", &url, Some(&tech), Some(stale)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = app
        .call("PUT", &url, Some(&other), Some(fields.clone()))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Photos: told by their bytes, within the limit.
    let r = upload(app, &tech, id, "image/png", png()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let photo = r.json()["photos"][0].clone();
    assert_eq!(photo["caption"], "铭牌");
    let r = upload(
        app,
        &tech,
        id,
        "image/jpeg",
        b"<html>not a photo</html>".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "photo"), "{}", r.text);
    let mut big = png();
    big.resize(1_500_001, 0);
    let r = upload(app, &tech, id, "image/png", big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    assert!(field_named(&r, "photo"), "{}", r.text);

    // Files: to those who may see the job, privately.
    let file_url = photo["url"].as_str().unwrap().to_string();
    let r = app.call("GET", &file_url, Some(&tech), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.bytes, png());
    assert_eq!(r.headers[header::CONTENT_TYPE], "image/png");
    assert!(
        r.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .starts_with("private")
    );
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert_eq!(
        app.call("GET", &file_url, Some(&manager), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.call("GET", &file_url, Some(&other), None).await.status,
        StatusCode::NOT_FOUND
    );

    // Signing needs a signature; then the form is locked and the job submitted.
    let sign = format!("/api/v1/forms/{id}/sign");
    let r = app
        .call(
            "POST",
            &sign,
            Some(&tech),
            Some(json!({"signer_name": "王工"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "signature"), "{}", r.text);
    let r = app
        .call(
            "POST",
            &sign,
            Some(&tech),
            Some(json!({"signer_name": "王工",
            "signature_png_base64": b64(b"GIF89a")})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "signature"), "{}", r.text);
    let signing = json!({"signer_name": "王工",
        "signature_png_base64": format!("data:image/png;base64,{}", b64(&png())),
        "customer_opinion": "服务及时", "stamp_png_base64": b64(&png())});
    let r = app
        .call("POST", &sign, Some(&tech), Some(signing.clone()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let signed = r.json();
    assert_eq!(signed["status"], "signed");
    assert_eq!(signed["signature"]["signer_name"], "王工");
    assert!(signed["stamp_file_id"].is_i64());
    assert_eq!(job_status(app, &manager, job).await, "submitted");
    // Signed again (a retry): the same answer.
    let r = app.call("POST", &sign, Some(&tech), Some(signing)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // A signed form is not edited.
    let mut change = fields.clone();
    change["version"] = signed["version"].clone();
    change["handling"] = json!("改一下");
    let r = app.call("PUT", &url, Some(&tech), Some(change)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = upload(app, &tech, id, "image/png", png()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let sig_url = signed["signature"]["url"].as_str().unwrap();
    assert_eq!(
        app.call("GET", sig_url, Some(&other), None).await.status,
        StatusCode::NOT_FOUND
    );

    // Review: not by the technician who wrote it, a return needs a reason.
    let review = format!("/api/v1/forms/{id}/review");
    let r = app
        .call("POST", &review, Some(&tech), Some(json!({"accept": true})))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .call("POST", &review, Some(&clerk), Some(json!({"accept": true})))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .call(
            "POST",
            &review,
            Some(&manager),
            Some(json!({"accept": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(field_named(&r, "reason"), "{}", r.text);
    let r = app
        .call(
            "POST",
            &review,
            Some(&manager),
            Some(json!({"accept": false, "reason": "缺少故障部位照片"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(job_status(app, &manager, job).await, "returned");
    // The technician sees why.
    let r = app.call("GET", &url, Some(&tech), None).await;
    assert_eq!(r.json()["status"], "returned");
    assert_eq!(r.json()["review"]["reason"], "缺少故障部位照片");

    // A correction: a new form referring to the returned one, submitted without the
    // customer (gone by now), then accepted.
    let r = app
        .call("POST", &start, Some(&tech), Some(json!({"corrects": id})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let c = r.json();
    let cid = c["id"].as_i64().unwrap();
    assert_eq!(c["corrects"], id);
    assert_eq!(c["service_content"], "更换断路器", "starts as a copy");
    let r = upload(app, &tech, cid, "image/png", png()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/forms/{cid}/sign"),
            Some(&tech),
            Some(json!({"customer_absent": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["customer_absent"], true);
    assert_eq!(job_status(app, &manager, job).await, "submitted");
    let r = app
        .call(
            "POST",
            &format!("/api/v1/forms/{cid}/review"),
            Some(&manager),
            Some(json!({"accept": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(job_status(app, &manager, job).await, "done");
    let r = app.call("GET", &start, Some(&manager), None).await;
    let items: Vec<Value> = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1]["status"], "accepted");
    // ---- quality ----
    // Accepted with the customer's responsibility, the form is no quality item (R7.1):
    // none made, and the quality engineer's button refuses it by name.
    let month = sanbao_domain::time::Month::of(app.state.now());
    let r = app
        .call(
            "GET",
            &format!("/api/v1/quality-reviews/{month}"),
            Some(&manager),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        !r.text.contains("\"field_form\""),
        "no item from a customer-caused fault: {}",
        r.text
    );
    let r = app
        .call(
            "POST",
            "/api/v1/quality-items",
            Some(&manager),
            Some(json!({"source_kind": "field_form", "source_id": cid})),
        )
        .await;
    assert!(field_named(&r, "source_id"), "{}", r.text);
    // ---- end quality ----
    let r = app.call("GET", &start, Some(&other), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

on_both_backends!(
    feedback_form_whole_path_with_its_refusals,
    feedback_form_whole_path_with_its_refusals_on_postgres,
    the_whole_path_with_its_refusals
);

async fn pages_of_the_form_answer_the_crew_and_the_reviewer(app: &TestApp) {
    let manager = app.token("boss", "service_manager").await;
    let tech = app.token("tech", "technician").await;
    let job = job_on_site(app, &manager, &tech).await;
    let r = app
        .call(
            "POST",
            &format!("/api/v1/jobs/{job}/forms"),
            Some(&tech),
            Some(json!({})),
        )
        .await;
    let id = r.json()["id"].as_i64().unwrap();
    for path in ["/field/sw.js", "/field/form.js", "/field/form.css"] {
        let r = app.call("GET", path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }
    let r = app
        .call("GET", &format!("/field/forms/{id}"), None, None)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "pages need a session");
}

on_both_backends!(
    feedback_form_pages_answer,
    feedback_form_pages_answer_on_postgres,
    pages_of_the_form_answer_the_crew_and_the_reviewer
);

/// A phone that uploads a photo again with its `Idempotency-Key` after losing the answer
/// gets the first answer: one photo on the form, never two (issue 8, part 9).
async fn a_photo_or_a_save_sent_again_with_its_key_is_done_once(app: &TestApp) {
    let manager = app.token("boss", "service_manager").await;
    let tech = app.token("tech", "technician").await;
    let job = job_on_site(app, &manager, &tech).await;
    let r = app
        .call(
            "POST",
            &format!("/api/v1/jobs/{job}/forms"),
            Some(&tech),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let form = r.json()["id"].as_i64().unwrap();
    let send = |key: &'static str| {
        Request::builder()
            .method("POST")
            .uri(format!("/api/v1/forms/{form}/photos"))
            .header(header::AUTHORIZATION, format!("Bearer {tech}"))
            .header(header::CONTENT_TYPE, "image/png")
            .header("idempotency-key", key)
            .body(Body::from(png()))
            .unwrap()
    };
    let first = app.send(send("photo-1")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert!(first.headers.get("idempotent-replay").is_none());
    let again = app.send(send("photo-1")).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text);
    assert_eq!(again.headers["idempotent-replay"], "true");
    assert_eq!(again.json()["photos"].as_array().unwrap().len(), 1);
    // Another key is another upload.
    let other = app.send(send("photo-2")).await;
    assert_eq!(other.json()["photos"].as_array().unwrap().len(), 2);

    // A save whose answer was lost, sent again with its key after the form moved on: the
    // form as it is, not a 409 on the version it was sent with.
    let version = other.json()["version"].as_i64().unwrap();
    let save = |key: &'static str, text: &'static str| {
        Request::builder()
            .method("PUT")
            .uri(format!("/api/v1/forms/{form}"))
            .header(header::AUTHORIZATION, format!("Bearer {tech}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", key)
            .body(Body::from(
                json!({"version": version, "service_content": text}).to_string(),
            ))
            .unwrap()
    };
    let first = app.send(save("save-1", "更换断路器")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let again = app.send(save("save-1", "更换断路器")).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.headers["idempotent-replay"], "true");
    assert_eq!(again.json()["version"], first.json()["version"]);
    // The key with another body is refused, naming the header; nothing is written.
    let reused = app.send(save("save-1", "别的内容")).await;
    assert_eq!(
        reused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reused.text
    );
    assert!(field_named(&reused, "Idempotency-Key"), "{}", reused.text);
}

on_both_backends!(
    photo_or_save_sent_again_with_its_key_is_done_once,
    photo_or_save_sent_again_with_its_key_is_done_once_on_postgres,
    a_photo_or_a_save_sent_again_with_its_key_is_done_once
);
