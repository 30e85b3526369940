//! The installed base through the API: models, policy versions, sites, units, coverage,
//! and tickets whose deadlines and coverage follow the unit.

use crate::support::{TestApp, on_both_backends};
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

async fn model(app: &TestApp, token: &str, code: &str, line: &str) -> Value {
    let r = app
        .call(
            "POST",
            "/api/v1/product-models",
            Some(token),
            Some(json!({"code": code, "name": "中置式开关柜", "product_line": line})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

async fn unit(app: &TestApp, token: &str, body: Value) -> Value {
    let r = app
        .call("POST", "/api/v1/units", Some(token), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()
}

fn fields(r: &crate::support::Response) -> Vec<String> {
    r.json()["error"]["fields"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

on_both_backends!(
    models_and_units_are_recorded_with_their_coverage,
    models_and_units_are_recorded_with_their_coverage_on_postgres,
    models_and_units_are_recorded_with_their_coverage_on
);
async fn models_and_units_are_recorded_with_their_coverage_on(app: &TestApp) {
    let manager = app.token("manager", "service_manager").await;
    let clerk = app.token("clerk", "service_clerk").await;
    let m = model(app, &manager, "kyn28a-12", "中压开关柜").await;
    assert_eq!(m["code"], "KYN28A-12");
    let c = app
        .api_customer(&clerk, "杭州港务", "浙江省杭州市西湖区文三路1号")
        .await;
    let u = unit(
        app,
        &clerk,
        json!({"customer_id": c["id"], "model_code": "KYN28A-12", "serial_no": "sb-0001",
               "shipped_on": "2025-03-01", "accepted_on": "2025-03-10", "commissioned_on": "2025-03-15"}),
    )
    .await;
    assert_eq!(u["serial_no"], "SB-0001");
    assert_eq!(
        u["site_address"], "浙江省杭州市西湖区文三路1号",
        "the customer's own address"
    );
    assert_eq!(u["site_region"], "hangzhou_urban");
    let id = u["id"].as_i64().unwrap();
    // Coverage on the boundaries, with the reason.
    for (on, want, ends) in [
        ("2027-03-14", "warranty", "2027-03-14"),
        ("2027-03-15", "free_repair", "2027-03-14"),
        ("2030-03-14", "free_repair", "2027-03-14"),
        ("2030-03-15", "paid", "2027-03-14"),
    ] {
        let r = app
            .call(
                "GET",
                &format!("/api/v1/units/{id}/coverage?on={on}"),
                Some(&clerk),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let c = r.json();
        assert_eq!(c["coverage"], want, "{on}");
        assert_eq!(c["warranty_ends_on"], ends);
        assert_eq!(c["free_repair_ends_on"], "2030-03-14");
        assert!(
            c["reason"].as_str().unwrap().contains("2025-03-15"),
            "{}",
            c["reason"]
        );
    }
    // The reason in English when asked.
    let r = app
        .send(
            axum::http::Request::builder()
                .uri(format!("/api/v1/units/{id}/coverage?on=2026-01-01"))
                .header("authorization", format!("Bearer {clerk}"))
                .header("accept-language", "en")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert!(
        r.json()["reason"]
            .as_str()
            .unwrap()
            .starts_with("In warranty")
    );
    // A bad date is named.
    let r = app
        .call(
            "GET",
            &format!("/api/v1/units/{id}/coverage?on=2026-02-30"),
            Some(&clerk),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&r), ["on"]);
    // Found in the list by serial number.
    let r = app
        .call("GET", "/api/v1/units?q=sb-00", Some(&clerk), None)
        .await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 1);
}

on_both_backends!(
    bad_units_are_refused_by_field,
    bad_units_are_refused_by_field_on_postgres,
    bad_units_are_refused_by_field_on
);
async fn bad_units_are_refused_by_field_on(app: &TestApp) {
    let manager = app.token("manager", "service_manager").await;
    let clerk = app.token("clerk", "service_clerk").await;
    model(app, &manager, "XGN15-12", "环网柜").await;
    let c = app
        .api_customer(&clerk, "宁波甲", "浙江省宁波市北仑区1号")
        .await;
    let other = app
        .api_customer(&clerk, "温州乙", "浙江省温州市鹿城区1号")
        .await;
    unit(
        app,
        &clerk,
        json!({"customer_id": c["id"], "model_code": "XGN15-12", "serial_no": "A1"}),
    )
    .await;
    let tomorrow = (app.state.now() + Duration::days(2))
        .date_naive()
        .to_string();
    let other_site = app
        .call(
            "GET",
            &format!("/api/v1/customers/{}/sites", other["id"]),
            Some(&clerk),
            None,
        )
        .await
        .json()[0]["id"]
        .clone();
    let cases = [
        (
            json!({"customer_id": c["id"], "model_code": "NOPE-1", "serial_no": "A2"}),
            "model_code",
        ),
        (
            json!({"customer_id": c["id"], "model_code": "xgn15-12", "serial_no": "a1"}),
            "serial_no",
        ),
        (
            json!({"customer_id": c["id"], "model_code": "XGN15-12", "serial_no": "A3",
                   "shipped_on": "2026-03-01", "accepted_on": "2026-02-01"}),
            "accepted_on",
        ),
        (
            json!({"customer_id": c["id"], "model_code": "XGN15-12", "serial_no": "A4",
                   "commissioned_on": tomorrow}),
            "commissioned_on",
        ),
        (
            json!({"customer_id": c["id"], "model_code": "XGN15-12", "serial_no": "A5",
                   "site_id": other_site}),
            "site_id",
        ),
        (
            json!({"customer_id": 999_999, "model_code": "XGN15-12", "serial_no": "A6"}),
            "customer_id",
        ),
        (
            json!({"customer_id": c["id"], "model_code": "XGN15-12", "serial_no": "A\u{0}7"}),
            "serial_no",
        ),
    ];
    for (body, field) in cases {
        let r = app
            .call("POST", "/api/v1/units", Some(&clerk), Some(body.clone()))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text
        );
        assert_eq!(fields(&r), [field], "{body}");
    }
    // Nothing of the refused ones was written.
    let r = app.call("GET", "/api/v1/units", Some(&clerk), None).await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 1);
    // Bad models and policies name their fields too.
    let r = app
        .call(
            "POST",
            "/api/v1/product-models",
            Some(&manager),
            Some(json!({"code": "XGN15-12", "name": "again", "product_line": "环网柜"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&r), ["code"]);
    let r = app
        .call(
            "POST",
            "/api/v1/warranty-policies",
            Some(&manager),
            Some(json!({"product_line": "环网柜", "effective_from": "2026-13-01", "warranty_months": -1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        fields(&r),
        ["effective_from", "free_repair_months", "warranty_months"]
    );
}

on_both_backends!(
    installed_base_roles_are_enforced,
    installed_base_roles_are_enforced_on_postgres,
    installed_base_roles_are_enforced_on
);
async fn installed_base_roles_are_enforced_on(app: &TestApp) {
    let clerk = app.token("clerk", "service_clerk").await;
    let tech = app.token("tech", "technician").await;
    let manager = app.token("manager", "service_manager").await;
    // Only managers add models and policies.
    let r = app
        .call(
            "POST",
            "/api/v1/product-models",
            Some(&clerk),
            Some(json!({"code": "KYN28A-12", "name": "x", "product_line": "y"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    model(app, &manager, "KYN28A-12", "中压开关柜").await;
    let c = app.api_customer(&clerk, "杭州甲", "杭州市上城区1号").await;
    // A technician reads units but does not record them.
    let r = app
        .call(
            "POST",
            "/api/v1/units",
            Some(&tech),
            Some(json!({"customer_id": c["id"], "model_code": "KYN28A-12", "serial_no": "T1"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/customers/{}/sites", c["id"]),
            Some(&tech),
            Some(json!({"address": "浙江省宁波市1号"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .call("GET", "/api/v1/product-models", Some(&tech), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // Without a session, nothing.
    let r = app.call("GET", "/api/v1/units", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

on_both_backends!(
    an_emergency_on_a_unit_in_ningbo_for_a_hangzhou_customer_is_due_in_6_hours,
    an_emergency_on_a_unit_in_ningbo_for_a_hangzhou_customer_is_due_in_6_hours_on_postgres,
    an_emergency_on_a_unit_in_ningbo_for_a_hangzhou_customer_is_due_in_6_hours_on
);
async fn an_emergency_on_a_unit_in_ningbo_for_a_hangzhou_customer_is_due_in_6_hours_on(
    app: &TestApp,
) {
    let manager = app.token("manager", "service_manager").await;
    let clerk = app.token("clerk", "service_clerk").await;
    model(app, &manager, "KYN28A-12", "中压开关柜").await;
    let c = app
        .api_customer(&clerk, "杭州总部", "浙江省杭州市西湖区文三路1号")
        .await;
    let u = unit(
        app,
        &clerk,
        json!({"customer_id": c["id"], "model_code": "KYN28A-12", "serial_no": "NB-1",
               "site_address": "浙江省宁波市北仑区明州路1号", "commissioned_on": "2025-06-01"}),
    )
    .await;
    assert_eq!(u["site_region"], "zhejiang");
    // A second unit at the same address reuses the site.
    let u2 = unit(
        app,
        &clerk,
        json!({"customer_id": c["id"], "model_code": "KYN28A-12", "serial_no": "NB-2",
               "site_address": " 浙江省宁波市北仑区明州路1号 "}),
    )
    .await;
    assert_eq!(u2["site_id"], u["site_id"]);
    let sites = app
        .call(
            "GET",
            &format!("/api/v1/customers/{}/sites", c["id"]),
            Some(&clerk),
            None,
        )
        .await
        .json();
    assert_eq!(sites.as_array().unwrap().len(), 2);
    let received = Utc::now() - Duration::minutes(5);
    let received = received - Duration::nanoseconds(i64::from(received.timestamp_subsec_nanos()));
    let r = app
        .call(
            "POST",
            "/api/v1/tickets",
            Some(&clerk),
            Some(
                json!({"kind": "emergency", "channel": "phone", "customer_id": c["id"],
                        "unit_id": u["id"], "received_at": received.to_rfc3339(),
                        "summary": "进线柜冒烟，全站停电"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let t = r.json();
    assert_eq!(t["site_region"], "zhejiang");
    assert_eq!(t["site_id"], u["site_id"]);
    let due = chrono::DateTime::parse_from_rfc3339(t["deadlines"][0]["due_at"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        (due.with_timezone(&Utc) - received).num_minutes(),
        6 * 60,
        "6 hours in Zhejiang, not 1 as at the head office"
    );
    assert_eq!(t["coverage"]["coverage"], "warranty");
    // Without a unit, the customer's first site: Hangzhou, 1 hour.
    let r = app
        .call(
            "POST",
            "/api/v1/tickets",
            Some(&clerk),
            Some(
                json!({"kind": "emergency", "channel": "phone", "customer_id": c["id"],
                        "summary": "总部配电室停电"}),
            ),
        )
        .await;
    assert_eq!(r.json()["site_region"], "hangzhou_urban");
    assert!(r.json()["coverage"].is_null());
    // Another customer's unit is refused by name, and nothing is written.
    let other = app.api_customer(&clerk, "温州乙", "浙江省温州市1号").await;
    let r = app
        .call(
            "POST",
            "/api/v1/tickets",
            Some(&clerk),
            Some(
                json!({"kind": "repair", "channel": "phone", "customer_id": other["id"],
                        "unit_id": u["id"], "summary": "x"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(fields(&r), ["unit_id"]);
}

on_both_backends!(
    coverage_recorded_on_a_ticket_survives_a_policy_change,
    coverage_recorded_on_a_ticket_survives_a_policy_change_on_postgres,
    coverage_recorded_on_a_ticket_survives_a_policy_change_on
);
async fn coverage_recorded_on_a_ticket_survives_a_policy_change_on(app: &TestApp) {
    let manager = app.token("manager", "service_manager").await;
    let clerk = app.token("clerk", "service_clerk").await;
    model(app, &manager, "ZW32-12", "户外断路器").await;
    let c = app
        .api_customer(&clerk, "嘉兴丙", "浙江省嘉兴市南湖区1号")
        .await;
    // Commissioned 26 months ago: out of the default 24-month warranty.
    let commissioned = (app.state.now() - Duration::days(800)).date_naive();
    let u = unit(
        app,
        &clerk,
        json!({"customer_id": c["id"], "model_code": "ZW32-12", "serial_no": "Z1",
               "commissioned_on": commissioned.to_string()}),
    )
    .await;
    assert_eq!(u["coverage"]["coverage"], "free_repair");
    let t = app
        .call(
            "POST",
            "/api/v1/tickets",
            Some(&clerk),
            Some(
                json!({"kind": "repair", "channel": "phone", "customer_id": c["id"],
                        "unit_id": u["id"], "summary": "分闸线圈烧毁"}),
            ),
        )
        .await
        .json();
    assert_eq!(t["coverage"]["coverage"], "free_repair");
    // A new version, back-dated to cover this unit: 36 months of warranty.
    let r = app
        .call(
            "POST",
            "/api/v1/warranty-policies",
            Some(&manager),
            Some(
                json!({"product_line": "户外断路器", "effective_from": "2020-01-01",
                        "warranty_months": 36, "free_repair_months": 24}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // The unit's coverage today follows the new version …
    let now = app
        .call(
            "GET",
            &format!("/api/v1/units/{}/coverage", u["id"]),
            Some(&clerk),
            None,
        )
        .await
        .json();
    assert_eq!(now["coverage"], "warranty");
    // … and the ticket keeps what was decided when it was received.
    let again = app
        .call(
            "GET",
            &format!("/api/v1/tickets/{}", t["id"]),
            Some(&clerk),
            None,
        )
        .await
        .json();
    assert_eq!(again["coverage"]["coverage"], "free_repair");
    // A ticket recorded without the unit names it later: coverage computed then, for the
    // day the contact was received.
    let plain = app.api_ticket(&clerk, &c, "repair", "柜门变形").await;
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tickets/{}/events", plain["id"]),
            Some(&clerk),
            Some(json!({"type": "link_unit", "version": plain["version"], "unit_id": u["id"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let linked = r.json();
    assert_eq!(linked["unit_id"], u["id"]);
    assert_eq!(linked["coverage"]["coverage"], "warranty");
    // The same request again is stale.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tickets/{}/events", plain["id"]),
            Some(&clerk),
            Some(json!({"type": "link_unit", "version": plain["version"], "unit_id": u["id"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

on_both_backends!(
    a_unit_is_commissioned_later_and_sites_are_edited_with_their_version,
    a_unit_is_commissioned_later_and_sites_are_edited_with_their_version_on_postgres,
    a_unit_is_commissioned_later_and_sites_are_edited_with_their_version_on
);
async fn a_unit_is_commissioned_later_and_sites_are_edited_with_their_version_on(app: &TestApp) {
    let manager = app.token("manager", "service_manager").await;
    let clerk = app.token("clerk", "service_clerk").await;
    let sales = app.token("sales", "salesperson").await;
    model(app, &manager, "KYN28A-12", "中压开关柜").await;
    // The salesperson follows this customer (only then may they add its sites).
    let sales_id = app
        .call("GET", "/api/v1/me", Some(&sales), None)
        .await
        .json()["id"]
        .clone();
    let r = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(&clerk),
            Some(json!({"name": "湖州甲", "address": "浙江省湖州市吴兴区1号", "salesperson_id": sales_id,
                        "contacts": [{"name": "王工", "phone": "0571-8888 6666"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let c = r.json();
    let u = unit(
        app,
        &clerk,
        json!({"customer_id": c["id"], "model_code": "KYN28A-12", "serial_no": "H1",
               "shipped_on": "2026-01-05", "accepted_on": "2026-01-20"}),
    )
    .await;
    assert_eq!(u["coverage"]["basis"], "accepted_not_commissioned");
    let put = |version: &Value, commissioned: &str| {
        json!({"version": version, "shipped_on": "2026-01-05", "accepted_on": "2026-01-20",
               "commissioned_on": commissioned})
    };
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/units/{}", u["id"]),
            Some(&clerk),
            Some(put(&u["version"], "2026-02-01")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let after = r.json();
    assert_eq!(after["coverage"]["basis"], "commissioned");
    assert_eq!(after["coverage"]["warranty_ends_on"], "2028-01-31");
    // The same change from the old version is stale; a commissioning before shipment is
    // named.
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/units/{}", u["id"]),
            Some(&clerk),
            Some(put(&u["version"], "2026-02-02")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/units/{}", u["id"]),
            Some(&clerk),
            Some(put(&after["version"], "2025-12-31")),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&r), ["commissioned_on"]);
    // Sites: a salesperson adds one; its region is derived; editing needs the version.
    let r = app
        .call(
            "POST",
            &format!("/api/v1/customers/{}/sites", c["id"]),
            Some(&sales),
            Some(
                json!({"name": "2号变电所", "address": "浙江省湖州市长兴县1号",
                        "contact_name": "沈工", "contact_phone": "0572-1234567"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let site = r.json();
    assert_eq!(
        (site["ordinal"].as_i64(), site["region"].as_str()),
        (Some(2), Some("zhejiang"))
    );
    // A salesperson may not correct a region.
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/sites/{}", site["id"]),
            Some(&sales),
            Some(
                json!({"version": site["version"], "address": "浙江省湖州市长兴县1号",
                        "region": "out_of_province", "region_reason": "x"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/sites/{}", site["id"]),
            Some(&clerk),
            Some(
                json!({"version": site["version"], "address": "浙江省湖州市长兴县1号",
                        "contact_phone": "call the guard"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&r), ["contact_phone"]);
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/sites/{}", site["id"]),
            Some(&clerk),
            Some(json!({"version": site["version"], "name": "2号变电所",
                        "address": "江苏省苏州市工业园区1号", "contact_name": "沈工"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["region"], "out_of_province");
    // The first site changes with the customer only.
    let first = app
        .call(
            "GET",
            &format!("/api/v1/customers/{}/sites", c["id"]),
            Some(&clerk),
            None,
        )
        .await
        .json()[0]
        .clone();
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/sites/{}", first["id"]),
            Some(&clerk),
            Some(json!({"version": first["version"], "address": "浙江省杭州市1号"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&r), ["address"]);
    // Moving the unit to the new site.
    let r = app
        .call(
            "PUT",
            &format!("/api/v1/units/{}", u["id"]),
            Some(&clerk),
            Some(json!({"version": after["version"], "site_id": site["id"],
                        "shipped_on": "2026-01-05", "accepted_on": "2026-01-20",
                        "commissioned_on": "2026-02-01"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["site_region"], "out_of_province");
}
