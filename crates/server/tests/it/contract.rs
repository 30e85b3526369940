//! The API's contract: the OpenAPI document is built from the same route definitions as
//! the router, so every documented operation answers (never 404/405), and every route the
//! API serves is documented.

use crate::support::TestApp;
use axum::http::StatusCode;
use std::collections::BTreeSet;

/// Every operation the API serves today, as `METHOD path`.
const SERVED: &[&str] = &[
    "POST /api/v1/sessions",
    "DELETE /api/v1/sessions/current",
    "GET /api/v1/me",
    "POST /api/v1/me/password",
    "GET /api/v1/users",
    "POST /api/v1/users",
    "GET /api/v1/users/{id}",
    "PATCH /api/v1/users/{id}",
    "GET /api/v1/customers",
    "POST /api/v1/customers",
    "GET /api/v1/customers/{id}",
    "PUT /api/v1/customers/{id}",
    "GET /api/v1/customers/{id}/history",
    "POST /api/v1/regions/derive",
    "GET /api/v1/tickets",
    "POST /api/v1/tickets",
    "GET /api/v1/tickets/{id}",
    "GET /api/v1/tickets/{id}/events",
    "POST /api/v1/tickets/{id}/events",
    "GET /api/v1/dashboard",
    // The installed base.
    "GET /api/v1/product-models",
    "POST /api/v1/product-models",
    "GET /api/v1/warranty-policies",
    "POST /api/v1/warranty-policies",
    "GET /api/v1/customers/{id}/sites",
    "POST /api/v1/customers/{id}/sites",
    "GET /api/v1/units",
    "POST /api/v1/units",
    "GET /api/v1/units/{id}",
    "PUT /api/v1/units/{id}",
    "PUT /api/v1/sites/{id}",
    "GET /api/v1/units/{id}/coverage",
    "GET /api/v1/units/{id}/story",
    "GET /api/v1/customers/{id}/story",
    // ---- similar cases ----
    "GET /api/v1/tickets/{id}/similar",
    // ---- end similar cases ----
    // Returns (R2.2, R2.5).
    "POST /api/v1/units/{id}/returns",
    "GET /api/v1/returns",
    "GET /api/v1/returns/{id}",
    "POST /api/v1/returns/{id}/decision",
    "POST /api/v1/returns/{id}/losses",
    // End of returns.
    // Deliveries (R3.2).
    // Where notifications go: the in-app inbox.
    "GET /api/v1/inbox",
    "POST /api/v1/inbox/{id}/read",
    "POST /api/v1/inbox/read-all",
    // End of the inbox.
    "GET /api/v1/deliveries",
    "POST /api/v1/deliveries",
    "GET /api/v1/deliveries/{id}",
    "POST /api/v1/deliveries/{id}/events",
    // Replies and visits (issue 7, parts 4-6).
    "GET /api/v1/replies/rates",
    "GET /api/v1/replies/review-queue",
    "GET /api/v1/visits",
    "POST /api/v1/visits",
    "GET /api/v1/visits/{id}",
    // End of replies and visits.
    // Field service (issue 8).
    "POST /api/v1/tickets/{id}/jobs",
    "GET /api/v1/jobs",
    "GET /api/v1/jobs/{id}",
    "POST /api/v1/jobs/{id}/dispatch",
    "POST /api/v1/jobs/{id}/depart",
    "POST /api/v1/jobs/{id}/arrive",
    "POST /api/v1/jobs/{id}/undo-arrival",
    "POST /api/v1/jobs/{id}/follow-up",
    "POST /api/v1/jobs/{id}/cancel",
    // ---- field form ----
    "POST /api/v1/jobs/{id}/forms",
    "GET /api/v1/jobs/{id}/forms",
    "GET /api/v1/forms/{id}",
    "PUT /api/v1/forms/{id}",
    "POST /api/v1/forms/{id}/photos",
    "DELETE /api/v1/forms/{id}/photos/{file_id}",
    "POST /api/v1/forms/{id}/sign",
    "POST /api/v1/forms/{id}/review",
    "GET /api/v1/files/{id}",
    // ---- end field form ----
    // End of field service.
    // --- service requests (issue 8, part 1) ---
    "POST /api/v1/service-requests",
    "GET /api/v1/service-requests",
    "GET /api/v1/service-requests/{id}",
    "POST /api/v1/service-requests/{id}/job",
    "POST /api/v1/service-requests/{id}/remote-answer",
    // --- end service requests ---
    // ---- campaigns ----
    "GET /api/v1/campaigns",
    "POST /api/v1/campaigns",
    "GET /api/v1/campaigns/{id}",
    "PATCH /api/v1/campaigns/{id}",
    "POST /api/v1/campaigns/{id}/launch",
    "GET /api/v1/campaigns/{id}/targets",
    "POST /api/v1/campaigns/{id}/targets/{customer_id}/response",
    "POST /api/v1/campaigns/{id}/targets/{customer_id}/link",
    "GET /api/v1/campaigns/{id}/summary",
    // ---- end campaigns ----
    // ---- campaigns 2 ----
    "POST /api/v1/campaigns/{id}/close",
    "PUT /api/v1/campaigns/{id}/targets/{customer_id}/assignee",
    // ---- end campaigns 2 ----
    // ---- tools ----
    "GET /api/v1/tools",
    "POST /api/v1/tools",
    "GET /api/v1/tools/{id}",
    "PATCH /api/v1/tools/{id}",
    "POST /api/v1/tools/{id}/checkout",
    "POST /api/v1/tools/{id}/checkin",
    "POST /api/v1/tools/{id}/calibration",
    "POST /api/v1/tools/{id}/retire",
    // ---- end tools ----
    // ---- follow-ups ----
    "POST /api/v1/follow-ups",
    "GET /api/v1/follow-ups",
    "GET /api/v1/follow-ups/due",
    "POST /api/v1/follow-ups/{id}/ticket",
    "GET /api/v1/collations/{month}",
    "POST /api/v1/collations/{month}/close",
    // ---- end follow-ups ----
    // ---- quality ----
    "POST /api/v1/quality-items",
    "GET /api/v1/quality-items/{id}",
    "PUT /api/v1/quality-items/{id}",
    "POST /api/v1/quality-items/{id}/actions",
    "POST /api/v1/quality-items/{id}/actions/{action_id}/verify",
    "POST /api/v1/quality-items/{id}/merge",
    "GET /api/v1/quality-reviews/{month}",
    "POST /api/v1/quality-reviews/{month}/close",
    // ---- end quality ----
    // ---- training ----
    "GET /api/v1/training-sessions",
    "POST /api/v1/training-sessions",
    "GET /api/v1/training-sessions/{id}",
    "GET /api/v1/users/{id}/training",
    "GET /api/v1/training/missing",
    "GET /api/v1/documents",
    "POST /api/v1/documents",
    "GET /api/v1/documents/{id}",
    "POST /api/v1/documents/{id}/versions",
    "GET /api/v1/documents/{id}/versions/{n}/file",
    // ---- end training ----
    // ---- training 2 ----
    "GET /api/v1/training-requirements",
    "PUT /api/v1/training-requirements",
    "POST /api/v1/documents/{id}/retire",
    // ---- end training 2 ----
    // Deadline policy as data (issue 7).
    "GET /api/v1/deadline-policy",
    "PUT /api/v1/deadline-policy",
    "GET /api/v1/deadline-policy/versions",
    "GET /api/v1/deadline-policy/versions/{version}",
    "POST /api/v1/deadline-policy/preview",
    // End of deadline policy.
    // The manager's board (R6.1–R6.3).
    "GET /api/v1/board/deadlines",
    "GET /api/v1/board/load",
    "GET /api/v1/board/months/{month}",
    "GET /api/v1/board/months/{month}/deadlines",
    "PUT /api/v1/tickets/{id}/deadlines/{kind}/breach-cause",
    // End of the manager's board.
    // ---- dispatch (issue 8) ----
    "GET /api/v1/dispatch",
    "GET /api/v1/technicians",
    "PUT /api/v1/technicians/{id}",
    "GET /api/v1/field-settings",
    "PUT /api/v1/field-settings",
    // ---- end dispatch ----
    // ---- survey and daily report (issue 8) ----
    "GET /api/v1/jobs/{id}/survey",
    "POST /api/v1/jobs/{id}/survey",
    "POST /api/v1/jobs/{id}/survey/link",
    "GET /api/v1/surveys",
    "GET /api/v1/daily-reports",
    "GET /api/v1/daily-reports/missing",
    "GET /api/v1/daily-reports/{day}",
    "PUT /api/v1/daily-reports/{day}",
    // ---- end survey and daily report ----
    // ---- parts desk ----
    "GET /api/v1/parts",
    "POST /api/v1/parts",
    "GET /api/v1/parts/{id}",
    "PATCH /api/v1/parts/{id}",
    "GET /api/v1/stock-locations",
    "GET /api/v1/stock-locations/{id}/stock",
    "GET /api/v1/stock/below-reorder",
    "GET /api/v1/parts-ledger",
    "POST /api/v1/parts-ledger/{id}/reverse",
    "POST /api/v1/stock/receipts",
    "POST /api/v1/stock/adjustments",
    "POST /api/v1/stock/write-offs",
    "POST /api/v1/stock/returns",
    "GET /api/v1/users/{id}/holdings",
    "GET /api/v1/requisitions",
    "POST /api/v1/requisitions",
    "GET /api/v1/requisitions/{id}",
    "POST /api/v1/requisitions/{id}/approve",
    "POST /api/v1/requisitions/{id}/refuse",
    "POST /api/v1/requisitions/{id}/cancel",
    "POST /api/v1/requisitions/{id}/issue",
    "GET /api/v1/jobs/{id}/parts",
    "POST /api/v1/jobs/{id}/parts/use",
    "POST /api/v1/jobs/{id}/parts/faulty",
    // ---- end parts desk ----
    // ---- settlement (issue 9, part 5) ----
    "GET /api/v1/jobs/{id}/settlement",
    "POST /api/v1/jobs/{id}/quotes",
    "POST /api/v1/quotes/{id}/accept",
    "POST /api/v1/quotes/{id}/refuse",
    "GET /api/v1/settlements",
    "GET /api/v1/settlements/warranty-cost",
    // ---- end settlement ----
    // ---- reliability ----
    "GET /api/v1/reliability",
    "GET /api/v1/reliability/warranty-cost",
    // ---- end reliability ----
    "GET /api/v1/reports/{month}",
    "GET /api/v1/reports/{month}/records",
];

#[tokio::test]
async fn every_api_route_is_in_the_openapi_document_and_every_documented_one_answers() {
    let app = TestApp::new().await;
    let r = app.call("GET", "/api/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("operations").keys() {
            documented.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    let served: BTreeSet<String> = SERVED.iter().map(|s| (*s).to_string()).collect();
    assert_eq!(documented, served, "documented vs served");
    for op in &documented {
        let (method, path) = op.split_once(' ').unwrap();
        let uri = path.replace("{id}", "1");
        let res = app.call(method, &uri, None, None).await;
        assert!(
            res.status != StatusCode::NOT_FOUND && res.status != StatusCode::METHOD_NOT_ALLOWED,
            "{op} answers {}: documented but not routed",
            res.status
        );
    }
    // And an operation that is not documented is not served.
    let res = app.call("DELETE", "/api/v1/tickets/1", None, None).await;
    assert!(matches!(
        res.status,
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
    ));
}

/// The answer's status is one the document states for the operation (issue 12, an
/// exact contract): the sweeps below check every answer they get.
fn assert_documented(
    doc: &serde_json::Value,
    path: &str,
    method: &str,
    r: &crate::support::Response,
) {
    let op = &doc["paths"][path][method.to_lowercase()];
    assert!(
        op["responses"].get(r.status.as_str()).is_some(),
        "{method} {path} answered {}, which its document does not state: {}",
        r.status,
        r.text
    );
}

/// The document states what the API's common parts answer, on every operation, and
/// names each thing once: each answer described, each `operationId` unique, every error
/// answer the one error body.
#[tokio::test]
async fn the_document_states_every_status_the_common_parts_answer() {
    use sanbao_server::http::api::doc::{common_statuses, shape_of};
    let app = TestApp::new().await;
    let doc = app
        .call("GET", "/api/openapi.json", None, None)
        .await
        .json();
    let mut ids = BTreeSet::new();
    let mut ops = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops += 1;
            let id = op["operationId"].as_str().expect("operationId");
            assert!(ids.insert(id.to_string()), "{id} twice");
            assert!(
                id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{id}: a word a command line can take"
            );
            for (key, v) in op.as_object().unwrap() {
                assert!(!v.is_null(), "{method} {path}: {key} is null");
            }
            for p in op["parameters"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                let name = p["name"].as_str().unwrap();
                // Query parameters are documented as such, not as parts of the path.
                assert_eq!(
                    p["in"] == "path",
                    path.contains(&format!("{{{name}}}")),
                    "{method} {path}: {name} is in the {}",
                    p["in"]
                );
            }
            let responses = op["responses"].as_object().unwrap();
            for status in common_statuses(&shape_of(method, op)) {
                assert!(
                    responses.contains_key(&status.to_string()),
                    "{method} {path} does not state {status}"
                );
            }
            for (status, answer) in responses {
                assert!(
                    answer["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{method} {path} {status}: no words"
                );
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        answer["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    assert_eq!(ops, SERVED.len());
    // The contract run's list of operations not yet exact names operations that exist.
    let inexact = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../contract/inexact.txt"),
    )
    .unwrap();
    for line in inexact
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let id = line.split_whitespace().next().unwrap();
        assert!(
            ids.contains(id),
            "contract/inexact.txt names {id}, which is no operation"
        );
    }
    // Signing in is the one operation without a session; it states its throttle.
    let signin = &doc["paths"]["/api/v1/sessions"]["post"]["responses"];
    for status in ["401", "422", "429", "503"] {
        assert!(signin.get(status).is_some(), "sign-in: {status}");
    }
    assert!(signin["429"]["headers"]["Retry-After"].is_object());
    assert!(doc["paths"]["/api/v1/sessions"]["post"]["responses"]["403"].is_null());
}

/// Each schema name in the document is one Rust type: two types of one name would share
/// one schema, and one of the two operations would be documented with the other's body.
/// Read off the API's sources, where each `ToSchema` type's name (or its `as =` name) is.
#[test]
fn every_schema_name_is_one_type() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/api");
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    let mut count = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !(line.trim_start().starts_with("#[derive(") && line.contains("ToSchema")) {
                continue;
            }
            let mut renamed = None;
            for next in &lines[i + 1..] {
                let t = next.trim();
                if let Some(rest) = t.strip_prefix("#[schema(as = ") {
                    renamed = Some(rest.trim_end_matches(")]").to_string());
                } else if let Some(rest) = t
                    .strip_prefix("pub struct ")
                    .or_else(|| t.strip_prefix("pub enum "))
                    .or_else(|| t.strip_prefix("struct "))
                    .or_else(|| t.strip_prefix("enum "))
                {
                    let own: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    let name = renamed.take().unwrap_or(own);
                    let here = file.file_name().unwrap().to_string_lossy().to_string();
                    if let Some(there) = seen.insert(name.clone(), here.clone()) {
                        panic!("schema {name} is a type in {there} and in {here}");
                    }
                    count += 1;
                    break;
                }
            }
        }
    }
    assert!(count > 200, "{count} schemas read");
}

/// No input makes a 500 (issue 12, input limits): every documented operation, called by
/// an admin, with a NUL byte in the search text, with a 50 kB search text, with a JSON body
/// whose text holds a NUL byte, and with a body that is not JSON — on both databases.
async fn no_input_makes_a_server_error(app: &TestApp) {
    use serde_json::json;
    let admin = app.token("sweep_admin", "admin").await;
    let r = app.call("GET", "/api/openapi.json", None, None).await;
    let doc = r.json();
    let long = "x".repeat(50_000);
    let nul = json!({"name": "a\u{0}b", "summary": "a\u{0}b", "username": "a\u{0}b",
        "password": "a\u{0}b", "address": "a\u{0}b", "q": "a\u{0}b", "description": "a\u{0}b",
        "contacts": [{"name": "a\u{0}b"}]});
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let uri = path
            .replace("{month}", "2026-03")
            .split('/')
            .map(|seg| if seg.starts_with('{') { "1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().unwrap().keys() {
            let method = method.to_uppercase();
            if uri == "/api/v1/sessions/current" {
                continue; // would sign the sweep out
            }
            let mut answers = vec![
                app.call(&method, &format!("{uri}?q=a%00b"), Some(&admin), None)
                    .await,
                app.call(&method, &format!("{uri}?q={long}"), Some(&admin), None)
                    .await,
            ];
            if method != "GET" {
                answers.push(
                    app.call(&method, &uri, Some(&admin), Some(nul.clone()))
                        .await,
                );
                answers.push(
                    app.call_raw(&method, &uri, &admin, "text/plain", "a\u{0}b")
                        .await,
                );
            }
            for r in answers {
                assert!(
                    r.status.as_u16() < 500,
                    "{method} {uri} answered {}: {}",
                    r.status,
                    r.text
                );
                assert_documented(&doc, path, &method, &r);
            }
            checked += 1;
        }
    }
    assert!(checked > 150, "{checked} operations");
    // And what they answer: the field named, or the media type refused.
    let r = app
        .call(
            "POST",
            "/api/v1/sessions",
            None,
            Some(json!({"username": "ad\u{0}min", "password": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.json()["error"]["fields"]["username"].is_string());
    let r = app
        .call("POST", "/api/v1/customers", Some(&admin), Some(nul.clone()))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = app
        .call(
            "GET",
            &format!("/api/v1/customers?q={long}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["fields"]["q"].is_string());
    let r = app
        .call("GET", "/api/v1/tickets?q=a%00b", Some(&admin), None)
        .await;
    assert!(r.json()["error"]["fields"]["q"].is_string(), "{}", r.text);
    for ct in [
        "application/jsonx",
        "text/json",
        "application/x-www-form-urlencoded",
    ] {
        let r = app
            .call_raw("POST", "/api/v1/customers", &admin, ct, "{}")
            .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct}");
    }
    let r = app
        .call_raw(
            "POST",
            "/api/v1/customers",
            &admin,
            "Application/JSON; charset=utf-8",
            "{}",
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "JSON in any case, with a charset"
    );
    // Text with line breaks and tabs is text, not control characters.
    let r = app
        .call(
            "POST",
            "/api/v1/customers",
            Some(&admin),
            Some(json!({"name": "两行\n客户", "address": "浙江省杭州市西湖区1号", "contacts": [{"name": "王\t工"}]})),
        )
        .await;
    assert_ne!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.text);

    // The pages alike: a search, a form, the sign-in form.
    let mut page = crate::web::signed_in(app, "sweep_clerk", "service_clerk").await;
    for uri in [
        "/customers?q=a%00b",
        "/tickets?q=a%00b",
        "/units?q=a%00b",
        "/customers?q=%1b",
    ] {
        let r = page.get(uri).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
    }
    let r = page
        .get(&format!("/customers?q={}", "x".repeat(5_000)))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = page
        .submit(
            "/customers/new",
            "/customers",
            &[("name", "a\u{0}b"), ("address", "浙江省杭州市西湖区1号")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let mut anon = crate::web::Browser::new(app);
    let r = anon
        .submit(
            "/login",
            "/login",
            &[("username", "ad\u{0}min"), ("password", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
}

crate::support::on_both_backends!(
    no_input_makes_a_server_error_anywhere,
    no_input_makes_a_server_error_anywhere_on_postgres,
    no_input_makes_a_server_error
);

/// Whether the roles an operation or a page lets in are the roles of one permission of
/// the domain's table, of two at once (an act on a record that needs both), or all staff.
fn named_by_the_permission_table(allowed: &BTreeSet<&str>) -> bool {
    let table: Vec<BTreeSet<&str>> = sanbao_domain::Role::grants()
        .iter()
        .map(|(_, roles)| roles.iter().map(|r| r.as_str()).collect())
        .collect();
    let staff: BTreeSet<&str> = sanbao_domain::Role::ALL
        .iter()
        .filter(|r| r.is_staff())
        .map(|r| r.as_str())
        .collect();
    *allowed == staff
        || table.contains(allowed)
        || table.iter().enumerate().any(|(i, a)| {
            table[i + 1..]
                .iter()
                .any(|b| a.intersection(b).copied().collect::<BTreeSet<_>>() == *allowed)
        })
}

/// Every operation or page (`what`) lets in the roles of the permission table, each
/// named in the failure with the roles it let in.
fn assert_named_by_the_permission_table(
    what: &str,
    allowed: &std::collections::BTreeMap<String, BTreeSet<&str>>,
) {
    let unexplained: Vec<String> = allowed
        .iter()
        .filter(|(_, roles)| !named_by_the_permission_table(roles))
        .map(|(name, roles)| format!("{name}: {roles:?}"))
        .collect();
    assert!(
        unexplained.is_empty(),
        "{} {what} let in roles that no permission names:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
}

/// Every role on every documented operation (issue 12, permissions): generated from the
/// OpenAPI document, so a new operation is covered the day it is added. Whoever calls,
/// nothing answers a server error; without a session every operation but signing in
/// answers 401; and a customer's account (the portal's, not staff) is refused every staff
/// operation.
async fn every_role_on_every_operation(app: &TestApp) {
    // Record 1 exists for the operations on a customer.
    app.api_customer(
        &app.token("seed_clerk", "service_clerk").await,
        "甲",
        "浙江省杭州市上城区1号",
    )
    .await;
    let roles = sanbao_domain::Role::ALL;
    let mut tokens = Vec::new();
    for role in roles {
        let name = format!("role_{}", role.as_str());
        let token = if role == sanbao_domain::Role::Customer {
            // A portal account signs in too, but it is no member of staff.
            app.user(&name, role.as_str()).await;
            let r = app
                .call(
                    "POST",
                    "/api/v1/sessions",
                    None,
                    Some(
                        serde_json::json!({"username": name, "password": crate::support::PASSWORD}),
                    ),
                )
                .await;
            r.json()["token"].as_str().map(str::to_string)
        } else {
            Some(app.token(&name, role.as_str()).await)
        };
        tokens.push((role, token));
    }
    let doc = app
        .call("GET", "/api/openapi.json", None, None)
        .await
        .json();
    let mut calls = 0;
    let mut allowed_by_op: std::collections::BTreeMap<String, BTreeSet<&str>> = Default::default();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let uri = path
            .replace("{month}", "2026-03")
            .replace("{day}", "2026-03-02")
            .split('/')
            .map(|seg| if seg.starts_with('{') { "1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().unwrap().keys() {
            let method = method.to_uppercase();
            if uri == "/api/v1/sessions/current" || uri == "/api/v1/me/password" {
                continue; // would sign the sweep out, or change its password
            }
            let body = (method != "GET").then(|| serde_json::json!({}));
            let anon = app.call(&method, &uri, None, body.clone()).await;
            assert_documented(&doc, path, &method, &anon);
            if uri == "/api/v1/sessions" {
                assert_ne!(anon.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
            } else {
                assert_eq!(
                    anon.status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {uri} without a session: {}",
                    anon.text
                );
            }
            let allowed = allowed_by_op.entry(format!("{method} {path}")).or_default();
            for (role, token) in &tokens {
                let Some(token) = token else { continue };
                let r = app.call(&method, &uri, Some(token), body.clone()).await;
                if role.is_staff() && r.status != StatusCode::FORBIDDEN {
                    allowed.insert(role.as_str());
                }
                calls += 1;
                assert!(
                    r.status.as_u16() < 500,
                    "{method} {uri} as {role:?} answered {}: {}",
                    r.status,
                    r.text
                );
                assert_documented(&doc, path, &method, &r);
                if *role == sanbao_domain::Role::Customer
                    && uri != "/api/v1/sessions"
                    && uri != "/api/v1/me"
                {
                    assert!(
                        matches!(r.status, StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED),
                        "{method} {uri} answered a customer's account {}: {}",
                        r.status,
                        r.text
                    );
                }
            }
        }
    }
    assert!(calls > 1000, "{calls} calls");
    // Who may call each operation, as answered (everything but 403), is who holds some
    // permission of the domain's table (or several at once), or every member of staff.
    assert_named_by_the_permission_table("operations", &allowed_by_op);
}

crate::support::on_both_backends!(
    every_role_on_every_operation_is_answered_as_its_permissions_say,
    every_role_on_every_operation_is_answered_as_its_permissions_say_on_postgres,
    every_role_on_every_operation
);

/// An id in a path that is no number, or beyond any id, names no record: 404 in the API's
/// JSON, as the document states, not the router's plain-text 400.
#[tokio::test]
async fn an_id_that_is_no_number_names_no_record() {
    let app = TestApp::new().await;
    let admin = app.token("path_admin", "admin").await;
    for uri in [
        "/api/v1/customers/abc",
        "/api/v1/customers/186262347719177273344",
        "/api/v1/customers/1.5",
        "/api/v1/tickets/-",
    ] {
        let r = app.call("GET", uri, Some(&admin), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}: {}", r.text);
        assert_eq!(r.json()["error"]["code"], "not_found", "{uri}");
    }
}

/// Every page the web router serves (`GET`), read off its sources: `.route("/…", get(…))`.
fn page_routes() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/web");
    let mut pages = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for part in text.split(".route(\"").skip(1) {
            let Some((route, rest)) = part.split_once('"') else {
                continue;
            };
            let handler = rest.trim_start_matches([',', ' ', '\n']);
            if handler.starts_with("get(") {
                pages.insert(route.to_string());
            }
        }
    }
    pages.into_iter().collect()
}

/// Every role on every page (issue 12, permissions), as on the API: generated from the
/// web router's routes, so a new page is covered the day it is added. No page answers a
/// server error to anyone; a customer's account sees no staff page; and who may open
/// each page (anything but 403) is who holds some permission of the domain's table, or
/// two at once, or every member of staff.
async fn every_role_on_every_page(app: &TestApp) {
    let pages = page_routes();
    assert!(pages.len() > 80, "{} pages read", pages.len());
    app.api_customer(
        &app.token("page_seed", "service_clerk").await,
        "甲",
        "浙江省杭州市上城区1号",
    )
    .await;
    let mut browsers = Vec::new();
    for role in sanbao_domain::Role::ALL {
        let name = format!("page_{}", role.as_str());
        browsers.push((role, crate::web::signed_in(app, &name, role.as_str()).await));
    }
    let mut allowed_by_page: std::collections::BTreeMap<String, BTreeSet<&str>> =
        Default::default();
    for page in &pages {
        let uri = page
            .replace("{month}", "2026-03")
            .replace("{day}", "2026-03-02")
            .replace("{file}", "app.css")
            .split('/')
            .map(|seg| if seg.starts_with('{') { "1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let mut allowed = BTreeSet::new();
        for (role, browser) in &mut browsers {
            let r = browser.get(&uri).await;
            assert!(
                r.status.as_u16() < 500,
                "{uri} as {role:?} answered {}: {}",
                r.status,
                r.text
            );
            if !role.is_staff() {
                // A customer's account opens only what anyone may (the sign-in page, the
                // style sheets and scripts).
                if r.status == StatusCode::OK {
                    let anon = crate::web::Browser::new(app).get(&uri).await;
                    assert_eq!(anon.status, StatusCode::OK, "{uri} opens to a customer");
                }
                continue;
            }
            if r.status != StatusCode::FORBIDDEN {
                allowed.insert(role.as_str());
            }
        }
        allowed_by_page.insert(page.clone(), allowed);
    }
    assert_named_by_the_permission_table("pages", &allowed_by_page);
}

crate::support::on_both_backends!(
    every_role_on_every_page_is_answered_as_its_permissions_say,
    every_role_on_every_page_is_answered_as_its_permissions_say_on_postgres,
    every_role_on_every_page
);
