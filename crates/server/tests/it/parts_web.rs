//! The parts desk's pages (R1.5): the catalogue's add form and a part's edit form, the
//! receive, correct and write-off forms (the last prefilled for a job's part still out),
//! each checked against CSRF, sent back naming the field and keeping what was typed, and
//! refused to the roles not allowed.

use crate::on_site::job_on_site;
use crate::support::{PASSWORD, TestApp, on_both_backends};
use crate::web::{location, signed_in};
use axum::http::StatusCode;
use serde_json::json;

async fn token_of(app: &TestApp, username: &str) -> String {
    let r = app
        .call(
            "POST",
            "/api/v1/sessions",
            None,
            Some(json!({"username": username, "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["token"].as_str().unwrap().to_string()
}

async fn parts_count(app: &TestApp, token: &str) -> usize {
    app.call(
        "GET",
        "/api/v1/parts?include_inactive=true",
        Some(token),
        None,
    )
    .await
    .json()["items"]
        .as_array()
        .unwrap()
        .len()
}

async fn the_desk_pages(app: &TestApp) {
    let mut clerk = signed_in(app, "store", "service_clerk").await;
    let mut manager = signed_in(app, "boss", "service_manager").await;
    let mut tech = signed_in(app, "tech", "technician").await;
    let ct = token_of(app, "store").await;
    let mt = token_of(app, "boss").await;
    let tt = token_of(app, "tech").await;

    // The catalogue, with 备件 in the store's navigation only.
    let r = clerk.get("/parts").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("href=\"/parts\" class=\"active\""), "nav");
    let r = tech.get("/?desk=1").await;
    assert!(!r.text.contains("href=\"/parts\""));

    // Adding: a NUL byte in the code and a price that is not an amount are named, what
    // was typed is kept, nothing is added.
    let bad = [
        ("code", "QF\u{0}630"),
        ("name", "真空断路器"),
        ("unit", "台"),
        ("cost", "一百"),
        ("price", "1980"),
        ("models", "KYN28A-12"),
        ("reorder_level", "5"),
    ];
    let r = clerk.submit("/parts", "/parts", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"code-error\""), "{}", r.text);
    assert!(r.text.contains("id=\"cost-error\""), "{}", r.text);
    assert!(r.text.contains("value=\"真空断路器\""));
    assert!(r.text.contains("value=\"一百\""));
    assert_eq!(parts_count(app, &ct).await, 0);
    // Without the form's CSRF token: refused.
    let r = clerk.post("/parts", &bad[1..]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let good = [
        ("code", "QF-630"),
        ("name", "真空断路器"),
        ("unit", "台"),
        ("cost", "1250.5"),
        ("price", "¥1,980"),
        ("models", "KYN28A-12 XGN15"),
        ("reorder_level", "5"),
        ("active", "1"),
    ];
    let r = clerk.submit("/parts", "/parts", &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = location(&r);
    assert!(page.ends_with("?saved=created"), "{page}");
    let href = page.split('?').next().unwrap().to_string();
    let part = href.trim_start_matches("/parts/").to_string();
    let p = app
        .call("GET", &format!("/api/v1/parts/{part}"), Some(&ct), None)
        .await
        .json();
    assert_eq!(p["unit_cost_fen"], 125_050);
    assert_eq!(p["list_price_fen"], 198_000);
    assert_eq!(p["models"], json!(["KYN28A-12", "XGN15"]));
    // Technicians may not add.
    let r = tech.submit("/parts", "/parts", &good).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Editing on the version read: a bad level named; a stale version refused.
    let mut edit: Vec<(&str, &str)> = good.to_vec();
    edit.push(("version", "1"));
    edit[6] = ("reorder_level", "-1");
    let r = clerk.submit(&href, &href, &edit).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"reorder_level-error\""), "{}", r.text);
    edit[6] = ("reorder_level", "2");
    let r = clerk.submit(&href, &href, &edit).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = clerk.submit(&href, &href, &edit).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // Receiving: a negative quantity named; then 3 in.
    let r = clerk
        .submit(
            "/parts/receive",
            "/parts/receive",
            &[("part_id", &part), ("quantity", "-3"), ("note", "A-1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"quantity-error\""), "{}", r.text);
    assert!(r.text.contains("value=\"-3\""));
    let r = clerk
        .submit(
            "/parts/receive",
            "/parts/receive",
            &[("part_id", &part), ("quantity", "3"), ("note", "A-1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(location(&r), "/parts/stock?saved=received");
    let r = clerk.get("/parts/stock").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("data-stock=\"QF-630\""));
    let r = clerk.get(&href).await;
    assert!(r.text.contains("data-in-store>3<"), "{}", r.text);

    // The store's pages are not the technician's; corrections not the clerk's.
    for page in ["/parts/stock", "/parts/ledger", "/parts/receive"] {
        assert_eq!(tech.get(page).await.status, StatusCode::FORBIDDEN, "{page}");
    }
    for page in ["/parts/adjust", "/parts/write-off"] {
        assert_eq!(
            clerk.get(page).await.status,
            StatusCode::FORBIDDEN,
            "{page}"
        );
    }

    // A job's part still out: the write-off form linked for it is filled in.
    let job = job_on_site(app, &mt, &tt).await;
    let r = app
        .call(
            "POST",
            "/api/v1/requisitions",
            Some(&tt),
            Some(json!({"job_id": job, "lines": [{"part_id": p["id"], "quantity": 1}]})),
        )
        .await;
    let req = r.json();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/requisitions/{}/approve", req["id"]),
            Some(&mt),
            Some(json!({"version": req["version"]})),
        )
        .await;
    let r = app
        .call(
            "POST",
            &format!("/api/v1/requisitions/{}/issue", req["id"]),
            Some(&ct),
            Some(json!({"version": r.json()["version"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = manager.get("/parts/stock").await;
    let link = r
        .text
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .map(|h| h.replace("&amp;", "&").replace("&#38;", "&"))
        .find(|h| h.starts_with("/parts/write-off?") && h.contains("job="))
        .expect("a write-off link for the job's part");
    assert!(link.contains(&format!("job={job}")), "{link}");
    let r = manager.get(&link).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains(&format!("value=\"{job}\"")));
    assert!(r.text.contains(&format!("value=\"{part}\" selected")));
    let loc = link
        .split("location=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let job_s = job.to_string();
    let fields = |reason: &'static str| {
        vec![
            ("part_id", part.clone()),
            ("location_id", loc.clone()),
            ("job_id", job_s.clone()),
            ("quantity", "1".to_string()),
            ("cause", "lost".to_string()),
            ("reason", reason.to_string()),
        ]
    };
    let f = fields("");
    let borrowed: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = manager.submit(&link, "/parts/write-off", &borrowed).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"reason-error\""), "{}", r.text);
    let f = fields("现场遗失");
    let borrowed: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = manager.submit(&link, "/parts/write-off", &borrowed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(location(&r), format!("/field/jobs/{job}"));
    let p = app
        .call("GET", &format!("/api/v1/jobs/{job}/parts"), Some(&mt), None)
        .await
        .json();
    assert_eq!(p["reconciliation"]["settled"], true, "{p}");

    // The ledger: the manager reverses a row, giving a reason.
    let r = manager.get("/parts/ledger").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("data-move=\"write_off\""));
    let rows = app
        .call("GET", "/api/v1/parts-ledger", Some(&mt), None)
        .await
        .json();
    let receipt = rows["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "receive")
        .unwrap()["id"]
        .clone();
    let action = format!("/parts/ledger/{receipt}/reverse");
    let r = manager
        .submit("/parts/ledger", &action, &[("reason", " ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains(&format!("id=\"reason-{receipt}-error\"")));
}

on_both_backends!(
    r1_5_the_parts_desk_pages_check_their_forms_and_roles,
    r1_5_the_parts_desk_pages_check_their_forms_and_roles_on_postgres,
    the_desk_pages
);
