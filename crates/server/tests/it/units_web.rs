//! The installed base's pages: the unit list, form and page (coverage, history), its label
//! and label sheet, a customer's sites and units, the ticket page's place, and the product
//! models page — each rendered, each form checked, each refused to the roles not allowed.

use crate::support::{TestApp, on_both_backends};
use crate::web::{add_customer, location, signed_in};
use axum::http::{StatusCode, header};
use serde_json::{Value, json};

/// A model through the API (as the service manager).
async fn api_model(app: &TestApp, token: &str, code: &str) {
    let r = app
        .call(
            "POST",
            "/api/v1/product-models",
            Some(token),
            Some(json!({"code": code, "name": "中置式开关柜", "product_line": "switchgear"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

async fn api_event(app: &TestApp, token: &str, t: &Value, mut body: Value) -> Value {
    body["version"] = t["version"].clone();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tickets/{}/events", t["id"]),
            Some(token),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

on_both_backends!(
    a_clerk_records_a_unit_and_sees_its_coverage_and_history,
    a_clerk_records_a_unit_and_sees_its_coverage_and_history_on_postgres,
    a_clerk_records_a_unit_and_sees_its_coverage_and_history_on
);

async fn a_clerk_records_a_unit_and_sees_its_coverage_and_history_on(app: &TestApp) {
    let manager = app.token("boss", "service_manager").await;
    api_model(app, &manager, "KYN28A-12").await;
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let customer = add_customer(
        &mut b,
        "宁波港务",
        "浙江省宁波市北仑区明州路8号",
        "0574-8888 1234",
    )
    .await;
    let cid = customer.trim_start_matches("/customers/").to_string();
    // Finding the customer without script: the form comes back with the matches.
    let r = b
        .submit(
            "/units/new",
            "/units",
            &[
                ("intent", "search"),
                ("cq", "宁波港务"),
                ("serial_no", "sb-7"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text.contains("宁波港务")
            && r.text.contains("value=\"SB-7\"") | r.text.contains("value=\"sb-7\"")
    );
    // Bad input: the form again, with what was typed and each field named.
    let r = b
        .submit(
            &format!("/units/new?customer_id={cid}"),
            "/units",
            &[
                ("customer_id", &cid),
                ("model_code", "KYN28A-12"),
                ("serial_no", "序列号"),
                ("shipped_on", "2025-03-01"),
                ("accepted_on", "2025-02-01"),
                ("commissioned_on", "2099-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    for id in [
        "serial_no-error",
        "accepted_on-error",
        "commissioned_on-error",
    ] {
        assert!(r.text.contains(&format!("id=\"{id}\"")), "{id}: {}", r.text);
    }
    assert!(r.text.contains("value=\"序列号\"") && r.text.contains("value=\"2025-02-01\""));
    assert_eq!(
        app.call("GET", "/api/v1/units", Some(&manager), None)
            .await
            .json()["items"]
            .as_array()
            .map(Vec::len),
        Some(0),
        "nothing written"
    );
    // Good input: on to the unit's page.
    let r = b
        .submit(
            &format!("/units/new?customer_id={cid}"),
            "/units",
            &[
                ("customer_id", &cid),
                ("model_code", "KYN28A-12"),
                ("serial_no", "sb2025-0007"),
                ("site_address", "浙江省宁波市北仑区港区一路1号变电所"),
                ("shipped_on", "2025-03-01"),
                ("accepted_on", "2025-03-20"),
                ("commissioned_on", "2025-04-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = location(&r);
    assert!(
        page.starts_with("/units/") && page.ends_with("?saved=1"),
        "{page}"
    );
    let unit_page = page.trim_end_matches("?saved=1").to_string();
    let unit_id: i64 = unit_page.trim_start_matches("/units/").parse().unwrap();
    // A ticket naming the unit, a technician sent and on site.
    let clerk_token = app.token("clerk2", "service_clerk").await;
    let tech = app.token("tech", "technician").await;
    let tech_id = app
        .call("GET", "/api/v1/me", Some(&tech), None)
        .await
        .json()["id"]
        .clone();
    let r = app
        .call(
            "POST",
            "/api/v1/tickets",
            Some(&clerk_token),
            Some(json!({"kind": "repair", "channel": "phone", "customer_id": cid.parse::<i64>().unwrap(), "unit_id": unit_id, "summary": "柜门无法关闭"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let t = r.json();
    let t = api_event(
        app,
        &clerk_token,
        &t,
        json!({"type": "dispatch", "technician_id": tech_id}),
    )
    .await;
    api_event(app, &tech, &t, json!({"type": "check_in"})).await;
    // A return asked for on the unit.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/units/{unit_id}/returns"),
            Some(&clerk_token),
            Some(
                json!({"ground": "not_meeting_requirements", "description": "容量不满足扩建需要"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // The unit's page: coverage in words with its reason and dates, the site, the history.
    let r = b.get(&unit_page).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for want in [
        "SB2025-0007",
        "KYN28A-12",
        "coverage-box coverage-warranty",
        "保修期内",
        "2027-03-31",
        "港区一路1号变电所",
        "2025-03-20",
        "柜门无法关闭",
        "技术员到场",
        "tech-name",
        "容量不满足扩建需要",
        "tl-return",
        "/units/labels?ids=",
        &customer,
    ] {
        assert!(r.text.contains(want), "{want}: {}", r.text);
    }
    // The story runs newest first: the visit before the ticket, the ticket before shipping.
    let pos = |s: &str| r.text.find(s).unwrap_or_else(|| panic!("{s}"));
    assert!(pos("tl-check_in") < pos("tl-ticket") && pos("tl-ticket") < pos("tl-shipped"));
    // The list finds it by serial number and by site address.
    for q in ["sb2025", "港区一路"] {
        let r = b.get(&format!("/units?q={}", urlencode(q))).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text.contains(&unit_page), "{q}: {}", r.text);
    }
    let r = b.get("/units?q=nothing-like-this").await;
    assert!(!r.text.contains(&unit_page));
    // The ticket page names the site with its contact, the unit and the coverage recorded.
    let r = b.get(&format!("/tickets/{}", t["id"])).await;
    assert_eq!(r.status, StatusCode::OK);
    for want in [
        "港区一路1号变电所",
        &unit_page,
        "coverage-warranty",
        "保修期内",
    ] {
        assert!(r.text.contains(want), "{want}: {}", r.text);
    }
    // The customer's page lists its sites (the first is its own address) and its units.
    let r = b.get(&customer).await;
    for want in [
        "明州路8号",
        "本身地址",
        "港区一路1号变电所",
        "SB2025-0007",
        &unit_page,
    ] {
        assert!(r.text.contains(want), "{want}: {}", r.text);
    }
    // The label: an SVG with a QR code of the page's absolute address and the unit in text.
    let req = axum::http::Request::builder()
        .uri(format!("{unit_page}/label.svg"))
        .header(header::COOKIE, cookie(&b))
        .header(header::HOST, "sanbao.example.cn:8080")
        .body(axum::body::Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("image/svg+xml")
    );
    assert!(r.text.starts_with("<svg") && r.text.contains("width=\"70mm\""));
    assert!(r.text.contains("SB2025-0007") && r.text.contains("宁波港务"));
    assert!(r.text.contains("<path fill=\"#000\" d=\"M"));
    // The sheet of labels for A4.
    let r = b.get(&format!("/units/labels?ids={unit_id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("label-sheet") && r.text.matches("class=\"unit-label\"").count() == 1);
    assert_eq!(
        b.get("/units/labels?ids=x").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(b.get("/units/999999").await.status, StatusCode::NOT_FOUND);
    // The intake form names the unit at once when the customer is known.
    let form = format!("/tickets/new?customer_id={cid}&unit_id={unit_id}");
    let r = b.get(&form).await;
    assert!(
        r.text
            .contains(&format!("<option value=\"{unit_id}\" selected>")),
        "{}",
        r.text
    );
    let received = chrono::Utc::now()
        .with_timezone(&sanbao_domain::time::company_offset())
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let uid = unit_id.to_string();
    let fields = [
        ("customer_id", cid.as_str()),
        ("unit_id", uid.as_str()),
        ("kind", "repair"),
        ("channel", "phone"),
        ("received_at", received.as_str()),
        ("summary", "温升报警"),
    ];
    let r = b.submit(&form, "/tickets", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = b.get(location(&r).trim_end_matches("?created=1")).await;
    assert!(r.text.contains(&unit_page) && r.text.contains("coverage-warranty"));
    // A unit that is not a number is named as the problem, nothing written.
    let mut bad = fields;
    bad[1] = ("unit_id", "x");
    let r = b.submit(&form, "/tickets", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"unit_id-error\""), "{}", r.text);
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn cookie(b: &crate::web::Browser<'_>) -> String {
    b.cookie_header()
}

on_both_backends!(
    sites_are_added_from_the_customer_page,
    sites_are_added_from_the_customer_page_on_postgres,
    sites_are_added_from_the_customer_page_on
);

async fn sites_are_added_from_the_customer_page_on(app: &TestApp) {
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let customer = add_customer(
        &mut b,
        "杭州电力",
        "杭州市西湖区文三路1号",
        "0571-8888 6666",
    )
    .await;
    let action = format!("{customer}/sites");
    // Bad input comes back with what was typed and the field named.
    let r = b
        .submit(
            &customer,
            &action,
            &[
                ("name", "2号站"),
                ("address", " "),
                ("contact_phone", "abc"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"site-address-error\"") && r.text.contains("value=\"2号站\""));
    // A correction needs its reason.
    let r = b
        .submit(
            &customer,
            &action,
            &[
                ("address", "宁波市北仑区1号"),
                ("region", "hangzhou_urban"),
                ("region_reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text.contains("id=\"site-region-reason-error\""),
        "{}",
        r.text
    );
    let r = b
        .submit(
            &customer,
            &action,
            &[
                ("name", "北仑变电所"),
                ("address", "浙江省宁波市北仑区明州路1号"),
                ("contact_name", "李工"),
                ("contact_phone", "0574-1234 5678"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = b.get(&location(&r)).await;
    for want in ["北仑变电所", "李工", "tel:057412345678", "现场已添加"] {
        assert!(r.text.contains(want), "{want}: {}", r.text);
    }
    // A technician sees the sites but is offered no form, and is refused if posting one.
    let mut t = signed_in(app, "tech", "technician").await;
    let r = t.get(&customer).await;
    assert!(r.text.contains("北仑变电所") && !r.text.contains(&format!("action=\"{action}\"")));
    let r = t
        .submit(&customer, &action, &[("address", "浙江省宁波市北仑区2号")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
}

on_both_backends!(
    the_service_manager_adds_models_and_policies,
    the_service_manager_adds_models_and_policies_on_postgres,
    the_service_manager_adds_models_and_policies_on
);

async fn the_service_manager_adds_models_and_policies_on(app: &TestApp) {
    let mut m = signed_in(app, "boss", "service_manager").await;
    let r = m.get("/").await;
    assert!(r.text.contains("href=\"/product-models\"") && r.text.contains("href=\"/units\""));
    let r = m
        .submit(
            "/product-models",
            "/product-models",
            &[
                ("code", "KYN 28"),
                ("name", "开关柜"),
                ("product_line", "switchgear"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"m-code-error\"") && r.text.contains("value=\"KYN 28\""));
    let r = m
        .submit(
            "/product-models",
            "/product-models",
            &[
                ("code", "xgn15-12"),
                ("name", "环网柜"),
                ("product_line", "switchgear"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = m
        .submit(
            "/product-models",
            "/product-models/policies",
            &[
                ("product_line", "switchgear"),
                ("effective_from", "2026-01-01"),
                ("warranty_months", "two"),
                ("free_repair_months", "36"),
                ("after_free_repair", "paid"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"p-warranty-error\"") && r.text.contains("value=\"two\""));
    let r = m
        .submit(
            "/product-models",
            "/product-models/policies",
            &[
                ("product_line", "switchgear"),
                ("effective_from", "2026-01-01"),
                ("warranty_months", "30"),
                ("free_repair_months", "36"),
                ("after_free_repair", "free"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = m.get("/product-models").await;
    for want in ["XGN15-12", "环网柜", "2026-01-01", "终身免费"] {
        assert!(r.text.contains(want), "{want}: {}", r.text);
    }
    // A clerk sees the models but has no forms and no menu entry, and is refused.
    let mut c = signed_in(app, "clerk", "service_clerk").await;
    let r = c.get("/product-models").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("XGN15-12") && !r.text.contains("id=\"model-form\""));
    assert!(!r.text.contains("href=\"/product-models\""));
    let r = c
        .submit(
            "/units",
            "/product-models",
            &[("code", "ABC-1"), ("name", "x"), ("product_line", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // A technician may look at units but not add one.
    let mut t = signed_in(app, "tech", "technician").await;
    assert_eq!(t.get("/units").await.status, StatusCode::OK);
    assert_eq!(t.get("/units/new").await.status, StatusCode::FORBIDDEN);
    // Signed out: to the sign-in page.
    let mut anon = crate::web::Browser::new(app);
    let r = anon.get("/units").await;
    assert!(r.status.is_redirection(), "{}", r.status);
}
