//! The yearly customer visit campaign (R3.9) through the API and the questionnaire link,
//! on both databases: the manager defines (bad input named, a salesperson refused),
//! launches and the targets are the customers matched, each assigned to its salesperson;
//! a salesperson records a response for their own customer and is refused another's; a
//! customer answers once through the link without signing in, a second submission is
//! refused; the summary shows both answers per question and per region with the
//! suggestions word for word.

use crate::support::{TestApp, on_both_backends};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("{s}: {e}"))
}

async fn id_of(app: &TestApp, token: &str) -> i64 {
    app.call("GET", "/api/v1/me", Some(token), None)
        .await
        .json()["id"]
        .as_i64()
        .unwrap()
}

async fn customer(app: &TestApp, token: &str, name: &str, address: &str, sp: i64) -> i64 {
    let r = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(token),
            Some(json!({"name": name, "address": address, "contacts": [], "salesperson_id": sp})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

fn fields(v: &Value) -> Vec<String> {
    v["error"]["fields"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

async fn post_link(app: &TestApp, path: &str, body: &str) -> crate::support::Response {
    let req = Request::builder()
        .method("POST")
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap();
    app.send(req).await
}

fn definition() -> Value {
    json!({
        "year": 2026,
        "name": "2026 年度客户走访",
        "channels": ["visit", "phone", "questionnaire"],
        "regions": ["hangzhou_urban", "zhejiang"],
        "questions": [
            {"kind": "rating", "label": "产品质量"},
            {"kind": "choice", "label": "是否会再次选用", "options": ["会", "不会"]},
            {"kind": "text", "label": "其他意见"}
        ]
    })
}

async fn a_campaign_is_defined_launched_answered_and_summarised_scenario(app: &TestApp) {
    app.clock.set(at("2026-11-27T10:00:00+08:00"));
    let boss = app.token("boss", "service_manager").await;
    let sp1 = app.token("sp1", "salesperson").await;
    let sp2 = app.token("sp2", "salesperson").await;
    let (sp1_id, sp2_id) = (id_of(app, &sp1).await, id_of(app, &sp2).await);
    let a = customer(app, &boss, "西湖电力", "杭州市西湖区文三路 1 号", sp1_id).await;
    let b = customer(app, &boss, "宁波港务", "浙江省宁波市北仑区 2 号", sp2_id).await;
    let _far = customer(app, &boss, "上海机电", "上海市普陀区 3 号", sp1_id).await;

    // A salesperson does not define campaigns.
    let r = app
        .call("POST", "/api/v1/campaigns", Some(&sp1), Some(definition()))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // Bad input: each field named, nothing written.
    let r = app
        .call(
            "POST",
            "/api/v1/campaigns",
            Some(&boss),
            Some(
                json!({"year": 1990, "name": " ", "channels": ["fax"], "regions": ["mars"],
                "questions": [{"kind": "choice", "label": "x", "options": ["a"]}]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let f = fields(&r.json());
    for name in [
        "year",
        "name",
        "channels",
        "regions",
        "questions[0].options",
    ] {
        assert!(f.contains(&name.to_string()), "{name} in {f:?}");
    }
    let r = app
        .call("GET", "/api/v1/campaigns", Some(&boss), None)
        .await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 0);

    let r = app
        .call("POST", "/api/v1/campaigns", Some(&boss), Some(definition()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let c = r.json();
    let id = c["id"].as_i64().unwrap();
    assert_eq!(c["status"], "draft");
    assert_eq!(c["questions"][1]["key"], "q2");
    // Edited while a draft, on its version.
    let mut patch = definition();
    patch["name"] = json!("2026 年度客户走访（浙江）");
    patch["version"] = json!(c["version"]);
    let r = app
        .call(
            "PATCH",
            &format!("/api/v1/campaigns/{id}"),
            Some(&boss),
            Some(patch.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .call(
            "PATCH",
            &format!("/api/v1/campaigns/{id}"),
            Some(&boss),
            Some(patch),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "stale version: {}", r.text);

    let r = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{id}/launch"),
            Some(&sp1),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{id}/launch"),
            Some(&boss),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json()["targets"],
        2,
        "Hangzhou and Zhejiang, not Shanghai"
    );
    assert_eq!(r.json()["campaign"]["status"], "running");

    let r = app
        .call(
            "GET",
            &format!("/api/v1/campaigns/{id}/targets"),
            Some(&boss),
            None,
        )
        .await;
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    let of = |cid: i64| {
        items
            .iter()
            .find(|t| t["customer_id"] == cid)
            .unwrap()
            .clone()
    };
    assert_eq!(of(a)["assignee_id"], sp1_id);
    assert_eq!(of(b)["assignee_id"], sp2_id);
    assert_eq!(of(a)["region"], "hangzhou_urban");
    // A salesperson sees only the targets assigned to them.
    let r = app
        .call(
            "GET",
            &format!("/api/v1/campaigns/{id}/targets"),
            Some(&sp1),
            None,
        )
        .await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 1);

    let answer = json!({"channel": "visit", "date": "2026-11-26",
        "answers": {"q1": "4", "q2": "会", "q3": "服务及时"}, "suggestions": "希望增加培训"});
    // Not their customer: refused, nothing written.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{id}/targets/{b}/response"),
            Some(&sp1),
            Some(answer.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // Bad answers named.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{id}/targets/{a}/response"),
            Some(&sp1),
            Some(json!({"channel": "meeting", "date": "2026-11-28", "answers": {"q1": "9"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let f = fields(&r.json());
    for name in ["channel", "date", "q1", "q2"] {
        assert!(f.contains(&name.to_string()), "{name} in {f:?}");
    }
    let r = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{id}/targets/{a}/response"),
            Some(&sp1),
            Some(answer.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["response"]["recorded_by"], sp1_id);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{id}/targets/{a}/response"),
            Some(&boss),
            Some(answer),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "recorded once: {}", r.text);

    // The customer of sp2 answers through a link the department issues.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{id}/targets/{b}/link"),
            Some(&sp1),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{id}/targets/{b}/link"),
            Some(&boss),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let url = r.json()["url"].as_str().unwrap().to_string();
    assert!(url.starts_with("/q/"));
    let page = app.call("GET", &url, None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("2026 年度客户走访（浙江）"));
    assert!(page.text.contains("宁波港务"));
    // Bad input keeps what was typed and names the question.
    let r = post_link(app, &url, "a.q2=%E4%BC%9A&suggestions=abc").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("a-q1-error"));
    assert!(r.text.contains(">abc</textarea>"));
    let body = "a.q1=2&a.q2=%E4%B8%8D%E4%BC%9A&suggestions=%E5%A4%87%E4%BB%B6%E5%A4%AA%E6%85%A2";
    let r = post_link(app, &url, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("data-closed=\"thanks\""));
    // The link is used: a second submission is refused with a clear page.
    let r = post_link(app, &url, body).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(r.text.contains("data-closed=\"used\""));
    let r = app.call("GET", &url, None, None).await;
    assert_eq!(r.status, StatusCode::GONE);

    // The summary: per question, per region, the suggestions word for word.
    let r = app
        .call(
            "GET",
            &format!("/api/v1/campaigns/{id}/summary"),
            Some(&sp1),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .call(
            "GET",
            &format!("/api/v1/campaigns/{id}/summary"),
            Some(&boss),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s = r.json();
    assert_eq!(
        (s["targets"].as_i64(), s["responded"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(s["questions"][0]["mean"], 3.0);
    assert_eq!(s["questions"][1]["distribution"][0]["count"], 1);
    assert_eq!(s["questions"][2]["texts"][0], "服务及时");
    assert_eq!(s["regions"][0]["region"], "hangzhou_urban");
    assert_eq!(s["regions"][0]["mean_rating"], 4.0);
    assert_eq!(s["regions"][1]["mean_rating"], 2.0);
    let sugg: Vec<&str> = s["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["text"].as_str().unwrap())
        .collect();
    assert!(
        sugg.contains(&"希望增加培训") && sugg.contains(&"备件太慢"),
        "{sugg:?}"
    );
    // A launched campaign is not edited.
    let mut patch = definition();
    patch["version"] = json!(3);
    let r = app
        .call(
            "PATCH",
            &format!("/api/v1/campaigns/{id}"),
            Some(&boss),
            Some(patch),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

on_both_backends!(
    a_campaign_is_defined_launched_answered_and_summarised,
    a_campaign_is_defined_launched_answered_and_summarised_on_postgres,
    a_campaign_is_defined_launched_answered_and_summarised_scenario
);

async fn a_questionnaire_link_is_refused_when_unknown_replaced_or_reused_scenario(app: &TestApp) {
    app.clock.set(at("2026-11-27T10:00:00+08:00"));
    let boss = app.token("boss", "service_manager").await;
    let sp = app.token("sp", "salesperson").await;
    let sp_id = id_of(app, &sp).await;
    let a = customer(app, &boss, "甲", "杭州市滨江区 1 号", sp_id).await;
    let mut d = definition();
    d["regions"] = json!([]);
    d["questions"] = json!([{"kind": "rating", "label": "质量"}]);
    let id = app
        .call("POST", "/api/v1/campaigns", Some(&boss), Some(d))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    app.call(
        "POST",
        &format!("/api/v1/campaigns/{id}/launch"),
        Some(&boss),
        None,
    )
    .await;
    let r = app
        .call("GET", &format!("/q/{}", "ab".repeat(32)), None, None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text.contains("data-closed=\"unknown\""));
    // The assignee issues a link, then a second: the first stops working.
    let first = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{id}/targets/{a}/link"),
            Some(&sp),
            None,
        )
        .await
        .json()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let second = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{id}/targets/{a}/link"),
            Some(&sp),
            None,
        )
        .await
        .json()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let r = post_link(app, &first, "a.q1=5").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = post_link(app, &second, "a.q1=5").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = post_link(app, &second, "a.q1=1").await;
    assert_eq!(r.status, StatusCode::GONE);
    let t = app
        .call(
            "GET",
            &format!("/api/v1/campaigns/{id}/targets"),
            Some(&boss),
            None,
        )
        .await
        .json();
    assert_eq!(
        t["items"][0]["response"]["answers"]["q1"], "5",
        "the first answer kept"
    );
    assert_eq!(t["items"][0]["response"]["channel"], "questionnaire");
    assert!(t["items"][0]["response"]["recorded_by"].is_null());
    // No more links once answered.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{id}/targets/{a}/link"),
            Some(&sp),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

on_both_backends!(
    a_questionnaire_link_is_refused_when_unknown_replaced_or_reused,
    a_questionnaire_link_is_refused_when_unknown_replaced_or_reused_on_postgres,
    a_questionnaire_link_is_refused_when_unknown_replaced_or_reused_scenario
);

// ---- campaigns 2 ----
// Closing a campaign, assigning a target through the API, and the export of the results:
// a salesperson may do none of it; an assignee who may not record responses is named; a
// stale version is refused; after closing no response is recorded and the customer's
// link answers 410; the page shows who closed it and the final coverage; the export has
// one row per target with each answer in its own column and formula-like text defused.

async fn targets_of(app: &TestApp, token: &str, id: i64) -> Vec<Value> {
    app.call(
        "GET",
        &format!("/api/v1/campaigns/{id}/targets"),
        Some(token),
        None,
    )
    .await
    .json()["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn target_of(items: &[Value], customer: i64) -> Value {
    items
        .iter()
        .find(|t| t["customer_id"] == customer)
        .unwrap()
        .clone()
}

async fn a_campaign_is_assigned_closed_and_exported_scenario(app: &TestApp) {
    app.clock.set(at("2026-11-27T10:00:00+08:00"));
    let boss = app.token("boss", "service_manager").await;
    let sp1 = app.token("sp1", "salesperson").await;
    let sp2 = app.token("sp2", "salesperson").await;
    let tech = app.token("tech", "technician").await;
    let (sp1_id, sp2_id, tech_id) = (
        id_of(app, &sp1).await,
        id_of(app, &sp2).await,
        id_of(app, &tech).await,
    );
    let a = customer(app, &boss, "西湖电力", "杭州市西湖区文三路 1 号", sp1_id).await;
    let b = customer(app, &boss, "宁波港务", "浙江省宁波市北仑区 2 号", sp1_id).await;
    let c = app
        .call("POST", "/api/v1/campaigns", Some(&boss), Some(definition()))
        .await
        .json();
    let id = c["id"].as_i64().unwrap();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{id}/launch"),
            Some(&boss),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let link = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{id}/targets/{b}/link"),
            Some(&boss),
            None,
        )
        .await
        .json()["url"]
        .as_str()
        .unwrap()
        .to_string();

    // Assigning through the API: the manager only, to a person who records responses,
    // on the target's version.
    let assignee = format!("/api/v1/campaigns/{id}/targets/{a}/assignee");
    let v = target_of(&targets_of(app, &boss, id).await, a)["version"].clone();
    let r = app
        .call(
            "PUT",
            &assignee,
            Some(&sp1),
            Some(json!({"assignee_id": sp2_id, "version": v})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .call(
            "PUT",
            &assignee,
            Some(&boss),
            Some(json!({"assignee_id": tech_id, "version": v})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r.json()), vec!["assignee_id".to_string()]);
    let r = app
        .call("PUT", &assignee, Some(&boss), Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let f = fields(&r.json());
    assert!(f.contains(&"assignee_id".to_string()) && f.contains(&"version".to_string()));
    let r = app
        .call(
            "PUT",
            &assignee,
            Some(&boss),
            Some(json!({"assignee_id": sp2_id, "version": v.as_i64().unwrap() + 5})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "stale: {}", r.text);
    assert_eq!(
        target_of(&targets_of(app, &boss, id).await, a)["assignee_id"],
        sp1_id,
        "nothing written"
    );
    let r = app
        .call(
            "PUT",
            &assignee,
            Some(&boss),
            Some(json!({"assignee_id": sp2_id, "version": v})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["assignee_id"], sp2_id);
    assert_eq!(r.json()["assignee_name"], "sp2-name");
    // The new assignee records the answer; text that a spreadsheet would run as a
    // formula is kept as typed here.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{id}/targets/{a}/response"),
            Some(&sp2),
            Some(json!({"channel": "phone", "date": "2026-11-26",
                "answers": {"q1": "5", "q2": "会", "q3": "+1 很好"},
                "suggestions": "=HYPERLINK(\"http://x\",\"点我\")"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // Closing: the manager only, on the version read.
    let close = format!("/api/v1/campaigns/{id}/close");
    let version = app
        .call("GET", &format!("/api/v1/campaigns/{id}"), Some(&boss), None)
        .await
        .json()["version"]
        .as_i64()
        .unwrap();
    let r = app
        .call(
            "POST",
            &close,
            Some(&sp1),
            Some(json!({"version": version})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app.call("POST", &close, Some(&boss), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r.json()), vec!["version".to_string()]);
    let r = app
        .call(
            "POST",
            &close,
            Some(&boss),
            Some(json!({"version": version - 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "stale: {}", r.text);
    let r = app
        .call("GET", &format!("/api/v1/campaigns/{id}"), Some(&boss), None)
        .await;
    assert_eq!(r.json()["status"], "running", "nothing written");
    app.clock.set(at("2026-11-27T16:30:00+08:00"));
    let r = app
        .call(
            "POST",
            &close,
            Some(&boss),
            Some(json!({"version": version})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let closed = r.json();
    assert_eq!(closed["campaign"]["status"], "closed");
    assert_eq!(closed["campaign"]["version"], version + 1);
    assert_eq!(
        (closed["responded"].as_i64(), closed["targets"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(closed["closed_by"], id_of(app, &boss).await);
    assert_eq!(
        at(closed["closed_at"].as_str().unwrap()),
        at("2026-11-27T16:30:00+08:00")
    );
    let r = app
        .call(
            "POST",
            &close,
            Some(&boss),
            Some(json!({"version": version + 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "closed once: {}", r.text);

    // After closing: no response, with a clear reason; no assignment; the link is gone.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{id}/targets/{b}/response"),
            Some(&boss),
            Some(json!({"channel": "visit", "date": "2026-11-27", "answers": {"q1": "3", "q2": "会"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("closed"), "{}", r.text);
    // Even a response with bad answers is told the campaign is closed.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{id}/targets/{b}/response"),
            Some(&boss),
            Some(json!({"answers": {}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let v = target_of(&targets_of(app, &boss, id).await, b)["version"].clone();
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/campaigns/{id}/targets/{b}/assignee"),
            Some(&boss),
            Some(json!({"assignee_id": sp2_id, "version": v})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = app.call("GET", &link, None, None).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(r.text.contains("data-closed=\"closed\""));
    let r = post_link(app, &link, "a.q1=5&a.q2=%E4%BC%9A").await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(r.text.contains("data-closed=\"closed\""));
    assert!(
        !target_of(&targets_of(app, &boss, id).await, b)["responded"]
            .as_bool()
            .unwrap()
    );

    // The page: closed, by whom, when, with the final coverage; no close button left.
    let mut mgr = crate::web::signed_in(app, "mgr", "service_manager").await;
    let page = mgr.get(&format!("/campaigns/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("data-status=\"closed\""));
    assert!(
        page.text.contains("id=\"campaign-closed-by\">boss-name<"),
        "{}",
        page.text
    );
    assert!(page.text.contains("2026-11-27 16:30"));
    assert!(page.text.contains("<strong>1</strong> / 2"));
    assert!(!page.text.contains("id=\"campaign-close\""));
    assert!(
        page.text
            .contains(&format!("/campaigns/{id}/export?format=csv"))
    );

    // The export: one row per target, each answer in its column, formulas defused.
    let r = mgr.get(&format!("/campaigns/{id}/export?format=csv")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        r.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("campaign-2026-11-27.csv")
    );
    let text = r.text.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(
        lines[0],
        "客户,区域,负责人,方式,日期,产品质量,是否会再次选用,其他意见,建议"
    );
    let row_a = lines.iter().find(|l| l.starts_with("西湖电力")).unwrap();
    assert!(row_a.contains(",sp2-name,"), "{row_a}");
    assert!(row_a.contains(",2026-11-26,5,会,"), "{row_a}");
    assert!(row_a.contains("'+1 很好"), "defused: {row_a}");
    assert!(
        row_a.ends_with("\"'=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\""),
        "defused: {row_a}"
    );
    let row_b = lines.iter().find(|l| l.starts_with("宁波港务")).unwrap();
    assert!(row_b.ends_with(",,,,,,"), "no answer: {row_b}");
    let r = mgr
        .get(&format!("/campaigns/{id}/export?format=xlsx"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.bytes.starts_with(b"PK\x03\x04"));
    let r = mgr.get(&format!("/campaigns/{id}/export?format=pdf")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A salesperson does not export.
    let mut sp = crate::web::signed_in(app, "sp3", "salesperson").await;
    let r = sp.get(&format!("/campaigns/{id}/export?format=csv")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

on_both_backends!(
    a_campaign_is_assigned_closed_and_exported,
    a_campaign_is_assigned_closed_and_exported_on_postgres,
    a_campaign_is_assigned_closed_and_exported_scenario
);

async fn the_page_closes_a_campaign_on_the_version_shown_scenario(app: &TestApp) {
    app.clock.set(at("2026-11-27T10:00:00+08:00"));
    let boss = app.token("boss", "service_manager").await;
    let sp = app.token("sp", "salesperson").await;
    let sp_id = id_of(app, &sp).await;
    customer(app, &boss, "甲", "杭州市滨江区 1 号", sp_id).await;
    let mut d = definition();
    d["regions"] = json!([]);
    let id = app
        .call("POST", "/api/v1/campaigns", Some(&boss), Some(d))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    app.call(
        "POST",
        &format!("/api/v1/campaigns/{id}/launch"),
        Some(&boss),
        None,
    )
    .await;
    let path = format!("/campaigns/{id}");
    let mut mgr = crate::web::signed_in(app, "mgr", "service_manager").await;
    let page = mgr.get(&path).await;
    assert!(page.text.contains("id=\"campaign-close\""));
    // A stale version (the page shown before a change) is refused.
    let r = mgr
        .submit(
            &path,
            &format!("/campaigns/{id}/close"),
            &[("version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = mgr
        .submit(
            &path,
            &format!("/campaigns/{id}/close"),
            &[("version", "2")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        crate::web::location(&r),
        format!("/campaigns/{id}?closed=1")
    );
    let page = mgr.get(&crate::web::location(&r)).await;
    assert!(page.text.contains("id=\"campaign-notice\""));
    assert!(page.text.contains("id=\"campaign-closed-by\">mgr-name<"));
    assert!(page.text.contains("<strong>0</strong> / 1"));
    // A salesperson's page has no close button, and the close is refused.
    let mut s = crate::web::signed_in(app, "sp9", "salesperson").await;
    let p = s.get("/campaigns").await;
    assert_eq!(p.status, StatusCode::OK);
    let r = s
        .submit(
            "/campaigns",
            &format!("/campaigns/{id}/close"),
            &[("version", "3")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

on_both_backends!(
    the_page_closes_a_campaign_on_the_version_shown,
    the_page_closes_a_campaign_on_the_version_shown_on_postgres,
    the_page_closes_a_campaign_on_the_version_shown_scenario
);
// ---- end campaigns 2 ----
