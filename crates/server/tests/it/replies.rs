//! Complaints, consultations and letters after their first answer (R1.3, R3.3, R3.5, R3.7,
//! R3.10), through the API and the pages: owners at intake by load, the customer's
//! response to an opinion, the quality-review flag, a reply with how it was sent, its
//! review, the review queue and the month's rates.

use crate::support::{TestApp, on_both_backends};
use crate::web::{location, signed_in};
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn event(app: &TestApp, token: &str, t: &Value, body: Value) -> crate::support::Response {
    let mut body = body;
    body["version"] = t["version"].clone();
    app.call(
        "POST",
        &format!("/api/v1/tickets/{}/events", t["id"]),
        Some(token),
        Some(body),
    )
    .await
}

/// A bearer token for an account that exists already.
pub(crate) async fn login(app: &TestApp, username: &str) -> String {
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

async fn ticket(app: &TestApp, token: &str, id: &Value) -> Value {
    app.call("GET", &format!("/api/v1/tickets/{id}"), Some(token), None)
        .await
        .json()
}

async fn r3_10_complaints_are_owned_at_once_and_opinions_get_the_customers_response_scenario(
    app: &TestApp,
) {
    let clerk = app.token("clerk1", "service_clerk").await;
    let tech = app.token("tech1", "technician").await;
    let m1 = app.user("mgr_a", "service_manager").await;
    let m2 = app.user("mgr_b", "service_manager").await;
    let boss = login(app, "mgr_a").await;
    let c = app
        .api_customer(&clerk, "杭州电力", "杭州市西湖区文三路1号")
        .await;
    // Recorded without an owner: the managers take complaints in turn, by load.
    let first = app
        .api_ticket(&clerk, &c, "complaint_other", "安装不规范")
        .await;
    assert_eq!(first["assignee_id"], json!(m1.id.0), "{first}");
    let second = app
        .api_ticket(&clerk, &c, "complaint_other", "服务态度")
        .await;
    assert_eq!(second["assignee_id"], json!(m2.id.0));
    // The desk may choose; someone who may not own a complaint is refused by field.
    let sales = app.user("sales1", "salesperson").await;
    let r = app
        .call("POST", "/api/v1/tickets", Some(&clerk), Some(json!({"kind": "complaint_other", "channel": "phone", "customer_id": c["id"], "summary": "x", "assignee_id": sales.id.0})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.json()["error"]["fields"]["assignee_id"].is_string());

    // The opinion meets the deadline; the customer disputes it.
    let r = event(
        app,
        &boss,
        &first,
        json!({"type": "give_opinion", "opinion": "派人复查安装"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let t = r.json();
    assert!(t["deadlines"][0]["met_at"].is_string());
    let met_at = t["deadlines"][0]["met_at"].clone();
    let r = event(
        app,
        &tech,
        &t,
        json!({"type": "respond_to_opinion", "response": "disputed", "text": "要求更换"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Bad input is refused by field and changes nothing.
    for (body, field) in [
        (
            json!({"type": "respond_to_opinion", "response": "maybe", "text": "x"}),
            "response",
        ),
        (
            json!({"type": "respond_to_opinion", "response": "accepted", "text": "a\u{0}b"}),
            "text",
        ),
        (
            json!({"type": "respond_to_opinion", "response": "accepted", "text": "长".repeat(4001)}),
            "text",
        ),
        (
            json!({"type": "respond_to_opinion", "response": "accepted"}),
            "text",
        ),
    ] {
        let r = event(app, &clerk, &t, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.json()["error"]["fields"][field].is_string(), "{}", r.text);
    }
    assert_eq!(ticket(app, &clerk, &t["id"]).await["version"], t["version"]);
    let r = event(
        app,
        &clerk,
        &t,
        json!({"type": "respond_to_opinion", "response": "disputed", "text": "要求更换整柜"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let t = r.json();
    assert_eq!(t["answers"]["opinion_response"]["response"], "disputed");
    // A disputed opinion lets a new one be given; the deadline stays met by the first.
    let r = event(
        app,
        &boss,
        &t,
        json!({"type": "give_opinion", "opinion": "同意更换整柜"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let t = r.json();
    assert_eq!(t["opinion"], "同意更换整柜");
    assert_eq!(t["deadlines"][0]["met_at"], met_at);
    assert!(t["answers"]["opinion_response"].is_null());
    let r = event(
        app,
        &clerk,
        &t,
        json!({"type": "respond_to_opinion", "response": "accepted", "text": "客户同意"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let t = r.json();
    // The history keeps both opinions and both responses.
    let trail = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{}/events", t["id"]),
            Some(&clerk),
            None,
        )
        .await
        .text;
    for words in [
        "派人复查安装",
        "同意更换整柜",
        "要求更换整柜",
        "客户同意",
        "respond_to_opinion",
    ] {
        assert!(trail.contains(words), "{words}: {trail}");
    }
    let r = event(
        app,
        &boss,
        &t,
        json!({"type": "give_opinion", "opinion": "again"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}
on_both_backends!(
    r3_10_complaints_are_owned_at_once_and_opinions_get_the_customers_response,
    r3_10_complaints_are_owned_at_once_and_opinions_get_the_customers_response_on_postgres,
    r3_10_complaints_are_owned_at_once_and_opinions_get_the_customers_response_scenario
);

async fn r3_3_quality_complaints_are_flagged_for_the_quality_review_scenario(app: &TestApp) {
    let clerk = app.token("clerk1", "service_clerk").await;
    let boss = app.token("mgr1", "service_manager").await;
    let other_engineer = app.token("eng2", "senior_engineer").await;
    let c = app
        .api_customer(&clerk, "嘉兴供电", "浙江省嘉兴市南湖区1号")
        .await;
    let q = app
        .api_ticket(&clerk, &c, "complaint_quality", "断路器拒动")
        .await;
    assert!(q["answers"]["quality_review"].is_object(), "{q}");
    let other = app
        .api_ticket(&clerk, &c, "complaint_other", "柜体划伤")
        .await;
    assert!(other["answers"]["quality_review"].is_null());
    let listed = |v: Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect()
    };
    let r = app
        .call(
            "GET",
            "/api/v1/tickets?quality_review=true",
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(listed(r.json()), vec![q["id"].as_i64().unwrap()]);
    // Someone else's complaint: a senior engineer who does not own it may not flag it.
    let r = event(
        app,
        &other_engineer,
        &other,
        json!({"type": "flag_quality", "reason": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = event(
        app,
        &boss,
        &other,
        json!({"type": "flag_quality", "reason": ""}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = event(
        app,
        &boss,
        &other,
        json!({"type": "flag_quality", "reason": "划伤来自包装，属运输质量"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // ---- quality ----
    // Flagged, the complaint became a quality item in the same step, beside the quality
    // complaint flagged at intake (R7.1).
    let month = sanbao_domain::time::Month::of(app.state.now());
    let r = app
        .call(
            "GET",
            &format!("/api/v1/quality-reviews/{month}"),
            Some(&boss),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut sources: Vec<i64> = r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["item"]["source_id"].as_i64().unwrap())
        .collect();
    sources.sort_unstable();
    assert_eq!(
        sources,
        vec![q["id"].as_i64().unwrap(), other["id"].as_i64().unwrap()]
    );
    // ---- end quality ----
    let r = app
        .call(
            "GET",
            "/api/v1/tickets?quality_review=true",
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(listed(r.json()).len(), 2);
    // The ticket page shows the flag; the list filters by it.
    let mut b = signed_in(app, "clerk_web", "service_clerk").await;
    let page = b.get(&format!("/tickets/{}", q["id"])).await;
    assert!(page.text.contains("id=\"quality-review\""), "{}", page.text);
    let page = b.get("/tickets?quality_review=1").await;
    assert!(page.text.contains("断路器拒动") && page.text.contains("柜体划伤"));
}
on_both_backends!(
    r3_3_quality_complaints_are_flagged_for_the_quality_review,
    r3_3_quality_complaints_are_flagged_for_the_quality_review_on_postgres,
    r3_3_quality_complaints_are_flagged_for_the_quality_review_scenario
);

async fn r3_7_replies_say_how_they_were_sent_are_reviewed_and_counted_scenario(app: &TestApp) {
    let clerk = app.token("clerk1", "service_clerk").await;
    let e1 = app.user("eng_a", "senior_engineer").await;
    let e2 = app.user("eng_b", "senior_engineer").await;
    let eng = login(app, "eng_a").await;
    let boss = app.token("mgr1", "service_manager").await;
    let quality = app.token("qe1", "quality_engineer").await;
    let c = app
        .api_customer(&clerk, "宁波港", "浙江省宁波市北仑区1号")
        .await;
    let a = app
        .api_ticket(&clerk, &c, "consultation", "如何设置保护定值")
        .await;
    assert_eq!(a["assignee_id"], json!(e1.id.0));
    let b = app
        .api_ticket(&clerk, &c, "correspondence", "来函询问备件")
        .await;
    assert_eq!(b["assignee_id"], json!(e2.id.0), "the one with fewer open");
    // A bad medium is refused by field; the ticket is unchanged.
    let r = event(
        app,
        &eng,
        &a,
        json!({"type": "reply", "reply": "见说明书第5章", "sent_via": "pigeon"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["fields"]["sent_via"].is_string());
    let r = event(
        app,
        &eng,
        &a,
        json!({"type": "reply", "reply": "见说明书第5章", "sent_via": "wechat"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let a = r.json();
    assert_eq!(a["answers"]["reply_sent_via"], "wechat");
    assert_eq!(a["answers"]["reply_by"], json!(e1.id.0));
    // The queue lists it; the rates count it.
    let q = app
        .call("GET", "/api/v1/replies/review-queue", Some(&clerk), None)
        .await
        .json();
    assert_eq!(q.as_array().unwrap().len(), 1);
    assert_eq!(q[0]["sent_via"], "wechat");
    // Reviews: a clerk may not; the author may not; a bad verdict is named.
    let r = event(
        app,
        &clerk,
        &a,
        json!({"type": "review_reply", "correct": true, "comment": "好"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for (body, field) in [
        (json!({"type": "review_reply", "comment": "好"}), "correct"),
        (
            json!({"type": "review_reply", "correct": true, "comment": "x".repeat(2001)}),
            "comment",
        ),
        (
            json!({"type": "review_reply", "correct": true, "comment": "\u{0}"}),
            "comment",
        ),
    ] {
        let r = event(app, &quality, &a, body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.json()["error"]["fields"][field].is_string(), "{}", r.text);
    }
    let r = event(
        app,
        &quality,
        &a,
        json!({"type": "review_reply", "correct": false, "comment": "定值范围答错"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let a = r.json();
    assert_eq!(a["answers"]["reply_review"]["correct"], false);
    let r = event(
        app,
        &boss,
        &a,
        json!({"type": "review_reply", "correct": true, "comment": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "reviewed once");
    let q = app
        .call("GET", "/api/v1/replies/review-queue", Some(&clerk), None)
        .await
        .json();
    assert_eq!(q.as_array().unwrap().len(), 0);
    // The month: 2 received, 1 replied on time, 1 reviewed, 0 correct.
    let r = app
        .call("GET", "/api/v1/replies/rates", Some(&clerk), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let rates = r.json();
    assert_eq!(rates["all"]["received"], 2);
    assert_eq!(rates["all"]["replied"], 1);
    assert_eq!(rates["all"]["on_time"], 1);
    assert_eq!(rates["all"]["reply_rate"], 0.5);
    assert_eq!(rates["all"]["correct_rate"], 0.0);
    assert_eq!(rates["consultation"]["received"], 1);
    let per = rates["per_engineer"].as_array().unwrap();
    let of = |id: i64| {
        per.iter()
            .find(|p| p["user_id"] == json!(id))
            .unwrap()
            .clone()
    };
    assert_eq!(of(e1.id.0)["reply_rate"], 1.0);
    assert_eq!(of(e2.id.0)["reply_rate"], 0.0);
    let month = rates["month"].as_str().unwrap().to_string();
    let r = app
        .call(
            "GET",
            "/api/v1/replies/rates?month=2001-01",
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(r.json()["all"]["received"], 0);
    assert!(r.json()["all"]["reply_rate"].is_null());
    let r = app
        .call(
            "GET",
            "/api/v1/replies/rates?month=2026-13",
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["fields"]["month"].is_string());
    // The page shows the month's figures and the (empty) queue.
    let mut web = signed_in(app, "clerk_web", "service_clerk").await;
    let p = web.get(&format!("/replies?month={month}")).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.text.contains("50%") && p.text.contains("eng_a-name"),
        "{}",
        p.text
    );
    let p = web.get("/replies?month=oops").await;
    assert_eq!(p.status, StatusCode::OK);
}
on_both_backends!(
    r3_7_replies_say_how_they_were_sent_are_reviewed_and_counted,
    r3_7_replies_say_how_they_were_sent_are_reviewed_and_counted_on_postgres,
    r3_7_replies_say_how_they_were_sent_are_reviewed_and_counted_scenario
);

async fn r3_5_the_intake_form_proposes_an_engineer_and_the_ticket_page_records_a_reply_scenario(
    app: &TestApp,
) {
    let e1 = app.user("eng_a", "senior_engineer").await;
    app.user("mgr1", "service_manager").await;
    let mut b = signed_in(app, "clerk_web", "service_clerk").await;
    let clerk = login(app, "clerk_web").await;
    let c = app
        .api_customer(&clerk, "绍兴水务", "浙江省绍兴市越城区1号")
        .await;
    let cid = c["id"].to_string();
    let page = b.get(&format!("/tickets/new?customer_id={cid}")).await;
    assert!(
        page.text
            .contains(&format!("data-propose-reply=\"{}\"", e1.id.0)),
        "{}",
        page.text
    );
    // A bad owner is named and what was typed is kept.
    let r = b
        .submit(
            &format!("/tickets/new?customer_id={cid}"),
            "/tickets",
            &[
                ("customer_id", &cid),
                ("kind", "consultation"),
                ("channel", "phone"),
                ("received_at", "2026-01-05T09:00"),
                ("summary", "保护定值怎么设"),
                ("assignee_id", "abc"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("保护定值怎么设") && r.text.contains("assignee_id-error"));
    let r = b
        .submit(
            &format!("/tickets/new?customer_id={cid}"),
            "/tickets",
            &[
                ("customer_id", &cid),
                ("kind", "consultation"),
                ("channel", "phone"),
                ("received_at", "2026-01-05T09:00"),
                ("summary", "保护定值怎么设"),
                ("assignee_id", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let href = location(&r);
    let id: i64 = href
        .trim_start_matches("/tickets/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let t = ticket(app, &clerk, &json!(id)).await;
    assert_eq!(t["assignee_id"], json!(e1.id.0));
    // The reply with how it was sent, from the ticket's page.
    let page = b.get(&format!("/tickets/{id}")).await;
    assert!(page.text.contains("name=\"sent_via\""));
    let version = t["version"].to_string();
    let r = b
        .submit(
            &format!("/tickets/{id}"),
            &format!("/tickets/{id}/events"),
            &[
                ("type", "reply"),
                ("version", &version),
                ("reply", "按说明书设置"),
                ("sent_via", "letter"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = b.get(&format!("/tickets/{id}")).await;
    assert!(page.text.contains("id=\"reply-sent-via\""), "{}", page.text);
}
on_both_backends!(
    r3_5_the_intake_form_proposes_an_engineer_and_the_ticket_page_records_a_reply,
    r3_5_the_intake_form_proposes_an_engineer_and_the_ticket_page_records_a_reply_on_postgres,
    r3_5_the_intake_form_proposes_an_engineer_and_the_ticket_page_records_a_reply_scenario
);
