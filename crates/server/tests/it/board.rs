//! The manager's board (R6.1–R6.3) through the API and the pages, on both databases: open
//! deadlines by state with counts and pages, each person's load, the month's figures and
//! the deadlines behind them, breach causes, exports; refused to technicians and
//! salespeople.

use crate::support::{TestApp, on_both_backends};
use crate::web::{csrf, location, signed_in};
use axum::http::StatusCode;
use chrono::{Duration, SecondsFormat};
use sanbao_domain::deadline::board::Month;
use serde_json::{Value, json};

fn field_names(r: &crate::support::Response) -> Vec<String> {
    r.json()["error"]["fields"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

struct World {
    manager: String,
    breached: Value,
    complaint: Value,
    month: String,
}

/// An emergency in Hangzhou received three hours ago (its arrival breached) and a quality
/// complaint received now (its handling opinion pending).
async fn world(app: &TestApp) -> World {
    let manager = app.token("manager", "service_manager").await;
    let clerk = app.token("clerk", "service_clerk").await;
    let c = app
        .api_customer(&clerk, "杭州电力设备厂", "浙江省杭州市上城区解放路1号")
        .await;
    let received =
        (app.state.now() - Duration::hours(3)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let r = app
        .call(
            "POST",
            "/api/v1/tickets",
            Some(&clerk),
            Some(
                json!({"kind": "emergency", "channel": "phone", "customer_id": c["id"],
                        "received_at": received, "summary": "10kV 开关柜跳闸"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let breached = r.json();
    let complaint = app
        .api_ticket(&clerk, &c, "complaint_quality", "断路器异响")
        .await;
    World {
        manager,
        breached,
        complaint,
        month: Month::of(app.state.now()).to_string(),
    }
}

/// The ticket numbers the board lists for query `q`.
async fn only(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    let r = app
        .call(
            "GET",
            &format!("/api/v1/board/deadlines?{q}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text);
    r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap().to_string())
        .collect()
}

async fn the_board_lists_open_deadlines_most_urgent_first_with_counts_and_pages_on(app: &TestApp) {
    let w = world(app).await;
    let r = app
        .call("GET", "/api/v1/board/deadlines", Some(&w.manager), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let b = r.json();
    assert_eq!(b["counts"]["breached"], 1);
    assert_eq!(b["counts"]["pending"], 1);
    assert_eq!(b["counts"]["total"], 2);
    assert_eq!(b["items"][0]["number"], w.breached["number"]);
    assert_eq!(b["items"][0]["state"], "breached");
    assert_eq!(b["items"][0]["kind"], "arrival");
    assert!(b["items"][0]["minutes_left"].as_i64().unwrap() < 0);
    assert_eq!(b["items"][1]["number"], w.complaint["number"]);
    assert_eq!(b["items"][1]["state"], "pending");
    // Filters.
    assert_eq!(
        only(app, &w.manager, "state=breached").await,
        [w.breached["number"].as_str().unwrap()]
    );
    assert_eq!(
        only(app, &w.manager, "deadline_kind=handling_opinion").await,
        [w.complaint["number"].as_str().unwrap()]
    );
    assert_eq!(
        only(
            app,
            &w.manager,
            "ticket_kind=emergency&region=hangzhou_urban"
        )
        .await,
        [w.breached["number"].as_str().unwrap()]
    );
    assert!(
        only(app, &w.manager, "region=out_of_province")
            .await
            .is_empty()
    );
    // Pages: one at a time, the cursor leads on.
    let r = app
        .call(
            "GET",
            "/api/v1/board/deadlines?limit=1",
            Some(&w.manager),
            None,
        )
        .await;
    let cursor = r.json()["next_cursor"].as_str().unwrap().to_string();
    let r = app
        .call(
            "GET",
            &format!("/api/v1/board/deadlines?limit=1&cursor={cursor}"),
            Some(&w.manager),
            None,
        )
        .await;
    assert_eq!(r.json()["items"][0]["number"], w.complaint["number"]);
    assert!(r.json()["next_cursor"].is_null());
    // Bad filters name their field.
    for (q, field) in [
        ("deadline_kind=lunch", "deadline_kind"),
        ("state=met", "state"),
        ("region=mars", "region"),
        ("owner_id=x", "owner_id"),
        ("cursor=nope", "cursor"),
    ] {
        let r = app
            .call(
                "GET",
                &format!("/api/v1/board/deadlines?{q}"),
                Some(&w.manager),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}");
        assert_eq!(field_names(&r), [field], "{q}");
    }
    // The load: the complaint went to the service manager at intake (R3.10); nobody owns
    // the emergency yet.
    let r = app
        .call("GET", "/api/v1/board/load", Some(&w.manager), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let load = r.json();
    let lines = load.as_array().unwrap();
    let unowned = lines.iter().find(|l| l["user_id"].is_null()).unwrap();
    assert_eq!(
        (unowned["running"].as_i64(), unowned["breaches"].as_i64()),
        (Some(1), Some(1))
    );
    let owned: i64 = lines
        .iter()
        .filter(|l| !l["user_id"].is_null())
        .map(|l| l["running"].as_i64().unwrap())
        .sum();
    assert_eq!(owned, 1);
}
on_both_backends!(
    the_board_lists_open_deadlines_most_urgent_first_with_counts_and_pages,
    the_board_lists_open_deadlines_most_urgent_first_with_counts_and_pages_on_postgres,
    the_board_lists_open_deadlines_most_urgent_first_with_counts_and_pages_on
);

async fn a_breach_takes_a_cause_shown_in_the_months_figures_and_their_drill_down_on(app: &TestApp) {
    let w = world(app).await;
    let cause_uri = |t: &Value, kind: &str| {
        format!("/api/v1/tickets/{}/deadlines/{kind}/breach-cause", t["id"])
    };
    let put = |uri: String, body: Value| {
        let token = w.manager.clone();
        async move { app.call("PUT", &uri, Some(&token), Some(body)).await }
    };
    let r = put(
        cause_uri(&w.breached, "arrival"),
        json!({"category": "travel", "note": "绕城高速堵车"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["version"], 1);
    // Bad input names its field and writes nothing; a deadline not breached takes none.
    for (body, field) in [
        (json!({"category": "weather"}), "category"),
        (json!({"category": "other", "note": " "}), "note"),
    ] {
        let r = put(cause_uri(&w.breached, "arrival"), body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_names(&r), [field]);
    }
    let r = put(
        cause_uri(&w.complaint, "handling_opinion"),
        json!({"category": "travel"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(field_names(&r), ["deadline"]);
    let r = put(
        cause_uri(&w.complaint, "arrival"),
        json!({"category": "travel"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The month's figures: the breach, late, with its cause; the rule stated.
    let r = app
        .call(
            "GET",
            &format!("/api/v1/board/months/{}", w.month),
            Some(&w.manager),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let m = r.json();
    assert!(m["definition"].as_str().unwrap().contains("on-time rate"));
    let arrival = m["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key"] == "arrival")
        .unwrap()
        .clone();
    assert_eq!(
        (arrival["late"].as_i64(), arrival["on_time_rate"].as_f64()),
        (Some(1), Some(0.0))
    );
    assert_eq!(m["breaches"][0]["number"], w.breached["number"]);
    assert_eq!(m["breaches"][0]["cause"], "travel");
    assert_eq!(m["breaches"][0]["cause_note"], "绕城高速堵车");
    let r = app
        .call(
            "GET",
            &format!(
                "/api/v1/board/months/{}/deadlines?kind=arrival&outcome=late",
                w.month
            ),
            Some(&w.manager),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    for bad in ["2026-13", "26-01", "x"] {
        let r = app
            .call(
                "GET",
                &format!("/api/v1/board/months/{bad}"),
                Some(&w.manager),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(field_names(&r), ["month"]);
    }
}
on_both_backends!(
    a_breach_takes_a_cause_shown_in_the_months_figures_and_their_drill_down,
    a_breach_takes_a_cause_shown_in_the_months_figures_and_their_drill_down_on_postgres,
    a_breach_takes_a_cause_shown_in_the_months_figures_and_their_drill_down_on
);

async fn technicians_and_salespeople_are_refused_the_board_on(app: &TestApp) {
    let w = world(app).await;
    for role in ["technician", "salesperson"] {
        let token = app.token(role, role).await;
        for (method, uri, body) in [
            ("GET", "/api/v1/board/deadlines".to_string(), None),
            ("GET", "/api/v1/board/load".to_string(), None),
            ("GET", format!("/api/v1/board/months/{}", w.month), None),
            (
                "PUT",
                format!(
                    "/api/v1/tickets/{}/deadlines/arrival/breach-cause",
                    w.breached["id"]
                ),
                Some(json!({"category": "travel"})),
            ),
        ] {
            let r = app.call(method, &uri, Some(&token), body).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{role} {method} {uri}");
        }
        let mut b = signed_in(app, &format!("{role}-web"), role).await;
        for uri in ["/board", "/board/export?format=csv"] {
            assert_eq!(
                b.get(uri).await.status,
                StatusCode::FORBIDDEN,
                "{role} {uri}"
            );
        }
        let home = b.get("/").await;
        assert!(
            !home.text.contains("href=\"/board\""),
            "no board in {role}'s menu"
        );
    }
}
on_both_backends!(
    technicians_and_salespeople_are_refused_the_board,
    technicians_and_salespeople_are_refused_the_board_on_postgres,
    technicians_and_salespeople_are_refused_the_board_on
);

async fn the_board_pages_show_filter_record_causes_and_export_on(app: &TestApp) {
    let w = world(app).await;
    let mut b = signed_in(app, "boss", "service_manager").await;
    let number = w.breached["number"].as_str().unwrap();
    let page = b.get("/board").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("href=\"/board\""), "in the menu");
    assert!(page.text.contains(number));
    assert!(page.text.contains("row-breached"));
    let page = b.get("/board?state=pending").await;
    assert!(!page.text.contains(number));
    let bad = b.get("/board?state=met").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The list as CSV, as filtered.
    let csv = b.get("/board/export?format=csv&state=breached").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(csv.text.contains(number));
    assert!(!csv.text.contains(w.complaint["number"].as_str().unwrap()));
    // The month: the breach with a link to record its cause.
    let month = b.get(&format!("/board/months/{}", w.month)).await;
    assert_eq!(month.status, StatusCode::OK);
    assert!(month.text.contains("reply-rates"));
    let form_uri = format!("/board/causes/{}/arrival", w.breached["id"]);
    assert!(month.text.contains(&form_uri));
    let form = b.get(&form_uri).await;
    assert_eq!(form.status, StatusCode::OK);
    let token = csrf(&form.text);
    let r = b
        .post(
            &form_uri,
            &[("_csrf", &token), ("category", "other"), ("note", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("value=\"other\" selected"),
        "keeps what was chosen"
    );
    let r = b
        .post(
            &form_uri,
            &[
                ("_csrf", &token),
                ("category", "customer_unreachable"),
                ("note", "电话无人接听"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(location(&r).starts_with(&format!("/board/months/{}", w.month)));
    let month = b.get(&format!("/board/months/{}", w.month)).await;
    assert!(month.text.contains("电话无人接听"));
    let behind = b
        .get(&format!("/board/months/{}/deadlines?outcome=late", w.month))
        .await;
    assert_eq!(behind.status, StatusCode::OK);
    assert!(behind.text.contains(number));
    for what in ["figures", "breaches"] {
        for format in ["csv", "xlsx"] {
            let r = b
                .get(&format!(
                    "/board/months/{}/export?what={what}&format={format}",
                    w.month
                ))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{what} {format}");
            assert!(
                r.headers["content-disposition"]
                    .to_str()
                    .unwrap()
                    .contains(format)
            );
        }
    }
    let breaches = b
        .get(&format!(
            "/board/months/{}/export?what=breaches&format=csv",
            w.month
        ))
        .await;
    assert!(breaches.text.contains("联系不上客户"));
}
on_both_backends!(
    the_board_pages_show_filter_record_causes_and_export,
    the_board_pages_show_filter_record_causes_and_export_on_postgres,
    the_board_pages_show_filter_record_causes_and_export_on
);
