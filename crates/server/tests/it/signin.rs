//! Sign-in under attack (issue 12, item 1): the throttle counts each attempt before its
//! password is checked, per name and address; password rules; changing one's password;
//! administrators changing and deactivating accounts, which ends their sessions on every
//! instance at once; every account change audited.

use crate::support::{PASSWORD, Response, TestApp, http, on_both_backends};
use crate::web::signed_in;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use sanbao_server::i18n::Lang;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::Barrier;

/// A sign-in from a client address.
async fn sign_in_from(app: &TestApp, addr: &str, username: &str, password: &str) -> Response {
    let peer: SocketAddr = format!("{addr}:40000").parse().unwrap();
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/sessions")
        .header(header::CONTENT_TYPE, "application/json")
        .extension(ConnectInfo(peer))
        .body(Body::from(
            json!({"username": username, "password": password}).to_string(),
        ))
        .unwrap();
    app.send(req).await
}

/// The problem code whose words the answer gives on `field`.
fn field_code(r: &Response, field: &str) -> String {
    let said = r.json()["error"]["fields"][field]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no problem on {field}: {}", r.text));
    let codes = [
        "required",
        "invalid",
        "too_short",
        "too_long",
        "too_common",
        "same_as_name",
        "same_as_old",
        "wrong",
        "last_admin",
    ];
    codes
        .iter()
        .find(|c| Lang::default().problem(c, field) == said)
        .map_or(said, |c| (*c).to_string())
}

on_both_backends!(
    r1_4_parallel_guesses_get_only_the_free_attempts,
    r1_4_parallel_guesses_get_only_the_free_attempts_on_postgres,
    parallel_guesses_on
);

/// `n` sign-ins sent at the same moment over real connections: their statuses.
async fn sign_ins_at_once(
    addr: std::net::SocketAddr,
    n: usize,
    username: &'static str,
    password: &'static str,
) -> Vec<u16> {
    let barrier = Arc::new(Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let body = json!({"username": username, "password": password});
                http(addr, "POST", "/api/v1/sessions", "", Some(&body))
                    .await
                    .0
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    statuses
}

async fn parallel_guesses_on(app: &TestApp) {
    app.user("clerk", "service_clerk").await;
    let addr = app.serve().await;
    let statuses = sign_ins_at_once(addr, 16, "clerk", "wrong-password").await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (5, 11), "{statuses:?}");
}

on_both_backends!(
    r1_4_a_guesser_elsewhere_slows_the_user_but_cannot_lock_them_out,
    r1_4_a_guesser_elsewhere_slows_the_user_but_cannot_lock_them_out_on_postgres,
    guesser_elsewhere_on
);

async fn guesser_elsewhere_on(app: &TestApp) {
    app.user("clerk", "service_clerk").await;
    // One address guessing is locked out for this name...
    for _ in 0..5 {
        let r = sign_in_from(app, "203.0.113.7", "clerk", "wrong-password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = sign_in_from(app, "203.0.113.7", "clerk", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    // ... while the real user, at their own desk, signs in.
    let r = sign_in_from(app, "10.0.0.20", "clerk", PASSWORD).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // Guessers at many addresses slow the name down by seconds, no more.
    for i in 1..=2 {
        for _ in 0..5 {
            let r = sign_in_from(app, &format!("198.51.100.{i}"), "clerk", "wrong").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
        }
    }
    let r = sign_in_from(app, "10.0.0.20", "clerk", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    let wait: i64 = r.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&wait), "{wait}");
    app.clock.advance(chrono::Duration::seconds(wait));
    let r = sign_in_from(app, "10.0.0.20", "clerk", PASSWORD).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // The guessing address stays locked for this name.
    let r = sign_in_from(app, "203.0.113.7", "clerk", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    // One address trying many names is stopped too.
    for i in 0..20 {
        let r = sign_in_from(app, "192.0.2.9", &format!("nobody{i}"), "wrong").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    }
    let r = sign_in_from(app, "192.0.2.9", "nobody99", "wrong").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    // A name longer than any account's is refused before it is counted.
    let r = sign_in_from(app, "192.0.2.10", &"x".repeat(65), "wrong").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(field_code(&r, "username"), "too_long");
}

on_both_backends!(
    r1_4_people_change_their_password_and_their_other_sessions_end,
    r1_4_people_change_their_password_and_their_other_sessions_end_on_postgres,
    change_password_on
);

async fn change_password_on(app: &TestApp) {
    let phone = app.token("clerk", "service_clerk").await;
    let change = |current: &str, new: &str| {
        app.call(
            "POST",
            "/api/v1/me/password",
            Some(&phone),
            Some(json!({"current_password": current, "new_password": new})),
        )
    };
    let r = change("not-my-password", "a much better one").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(field_code(&r, "current_password"), "wrong");
    for (new, code) in [
        ("short", "too_short"),
        ("password123", "too_common"),
        ("clerk123", "same_as_name"),
        (PASSWORD, "same_as_old"),
    ] {
        let r = change(PASSWORD, new).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{new}: {}",
            r.text
        );
        assert_eq!(field_code(&r, "new_password"), code, "{new}");
    }
    let r = change(PASSWORD, "电力 设备 售后 2026").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    // This session stays; the old password no longer opens a new one.
    let me = app.call("GET", "/api/v1/me", Some(&phone), None).await;
    assert_eq!(me.status, StatusCode::OK);
    let old = app
        .call(
            "POST",
            "/api/v1/sessions",
            None,
            Some(json!({"username": "clerk", "password": PASSWORD})),
        )
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = app
        .call(
            "POST",
            "/api/v1/sessions",
            None,
            Some(json!({"username": "clerk", "password": "电力 设备 售后 2026"})),
        )
        .await;
    assert_eq!(new.status, StatusCode::CREATED, "{}", new.text);
    let trail = app
        .db
        .audit_trail("user", me.json()["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert!(
        trail.iter().any(|e| e.action == "change_password"),
        "{trail:?}"
    );
    // Not signed in: 401.
    let anon = app
        .call(
            "POST",
            "/api/v1/me/password",
            None,
            Some(json!({"current_password": "x", "new_password": "y"})),
        )
        .await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
}

on_both_backends!(
    r1_4_other_sessions_end_when_the_password_changes,
    r1_4_other_sessions_end_when_the_password_changes_on_postgres,
    other_sessions_end_on
);

async fn other_sessions_end_on(app: &TestApp) {
    let first = app.token("clerk", "service_clerk").await;
    let second = app
        .call(
            "POST",
            "/api/v1/sessions",
            None,
            Some(json!({"username": "clerk", "password": PASSWORD})),
        )
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    // Both are in use (and cached).
    for t in [&first, &second] {
        assert_eq!(
            app.call("GET", "/api/v1/me", Some(t), None).await.status,
            StatusCode::OK
        );
    }
    let r = app
        .call(
            "POST",
            "/api/v1/me/password",
            Some(&first),
            Some(json!({"current_password": PASSWORD, "new_password": "a new pass phrase"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(
        app.call("GET", "/api/v1/me", Some(&first), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.call("GET", "/api/v1/me", Some(&second), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

async fn patch(app: &TestApp, token: &str, id: i64, body: Value) -> Response {
    app.call(
        "PATCH",
        &format!("/api/v1/users/{id}"),
        Some(token),
        Some(body),
    )
    .await
}

on_both_backends!(
    r1_4_administrators_change_and_deactivate_accounts_audited,
    r1_4_administrators_change_and_deactivate_accounts_audited_on_postgres,
    admins_change_accounts_on
);

async fn admins_change_accounts_on(app: &TestApp) {
    let admin = app.token("boss", "admin").await;
    let clerk_token = app.token("clerk", "service_clerk").await;
    let me = app
        .call("GET", "/api/v1/me", Some(&admin), None)
        .await
        .json();
    let admin_id = me["id"].as_i64().unwrap();
    // Creating an account is audited, with the administrator as its author.
    let r = app
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(json!({"username": "li.tech", "display_name": "李师傅", "role": "technician", "password": "Li.Tech1"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(field_code(&r, "password"), "same_as_name");
    let r = app
        .call(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(json!({"username": "li.tech", "display_name": "李师傅", "role": "technician", "password": "going on site"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let tech = r.json();
    let tech_id = tech["id"].as_i64().unwrap();
    let trail = app.db.audit_trail("user", tech_id).await.unwrap();
    assert_eq!(trail.len(), 1);
    assert_eq!(
        (trail[0].action.as_str(), trail[0].actor_id.map(|u| u.0)),
        ("create", Some(admin_id))
    );

    // Only administrators change accounts; others get 403 and change nothing.
    let clerk_id = app
        .call("GET", "/api/v1/me", Some(&clerk_token), None)
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let r = patch(
        app,
        &clerk_token,
        clerk_id,
        json!({"version": 1, "role": "admin"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(
        app.call(
            "GET",
            &format!("/api/v1/users/{tech_id}"),
            Some(&clerk_token),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // Bad input is named and changes nothing.
    let v = tech["version"].as_i64().unwrap();
    let r = patch(
        app,
        &admin,
        tech_id,
        json!({"version": v, "role": "boss", "display_name": ""}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(field_code(&r, "role"), "invalid");
    assert_eq!(field_code(&r, "display_name"), "required");
    let r = patch(app, &admin, 999_999, json!({"version": 1, "active": false})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

    // A role change ends the account's sessions.
    let tech_token = app
        .call(
            "POST",
            "/api/v1/sessions",
            None,
            Some(json!({"username": "li.tech", "password": "going on site"})),
        )
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.call("GET", "/api/v1/me", Some(&tech_token), None)
            .await
            .status,
        StatusCode::OK
    );
    let r = patch(
        app,
        &admin,
        tech_id,
        json!({"version": v, "role": "senior_engineer"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["role"], "senior_engineer");
    assert_eq!(
        app.call("GET", "/api/v1/me", Some(&tech_token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Sending back what is there changes nothing: no new version.
    let r = patch(
        app,
        &admin,
        tech_id,
        json!({"version": v + 1, "role": "senior_engineer", "active": true}),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["version"].as_i64()),
        (StatusCode::OK, Some(v + 1)),
        "{}",
        r.text
    );
    // A stale version is refused.
    let r = patch(
        app,
        &admin,
        tech_id,
        json!({"version": v, "display_name": "李工"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // Deactivated: the clerk is signed out at once and cannot sign in.
    assert_eq!(
        app.call("GET", "/api/v1/me", Some(&clerk_token), None)
            .await
            .status,
        StatusCode::OK
    );
    let r = patch(
        app,
        &admin,
        clerk_id,
        json!({"version": 1, "active": false}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["active"], false);
    assert_eq!(
        app.call("GET", "/api/v1/me", Some(&clerk_token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let again = app
        .call(
            "POST",
            "/api/v1/sessions",
            None,
            Some(json!({"username": "clerk", "password": PASSWORD})),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    let trail = app.db.audit_trail("user", clerk_id).await.unwrap();
    let last = trail.last().unwrap();
    assert_eq!(last.action, "deactivate");
    assert_eq!(last.after["active"], false);
    assert_eq!(last.note.as_deref(), Some("sessions_ended=1"));

    // An administrator cannot lock themselves or the department out.
    let r = patch(
        app,
        &admin,
        admin_id,
        json!({"version": 1, "active": false}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(field_code(&r, "active"), "last_admin");
    let r = patch(
        app,
        &admin,
        admin_id,
        json!({"version": 1, "role": "service_manager"}),
    )
    .await;
    assert_eq!(field_code(&r, "role"), "last_admin");

    // A password reset by the administrator ends the sessions and must pass the rules.
    let r = patch(
        app,
        &admin,
        tech_id,
        json!({"version": v + 1, "password": "12345678"}),
    )
    .await;
    assert_eq!(field_code(&r, "password"), "too_common");
    let r = patch(
        app,
        &admin,
        tech_id,
        json!({"version": v + 1, "password": "reset by the office"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let trail = app.db.audit_trail("user", tech_id).await.unwrap();
    assert_eq!(
        trail.last().unwrap().note.as_deref(),
        Some("password_reset;sessions_ended=0")
    );
}

#[tokio::test]
async fn r1_4_a_deactivated_account_is_signed_out_on_every_instance_at_once() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    let admin = app.token("boss", "admin").await;
    let clerk = app.token("clerk", "service_clerk").await;
    let clerk_id = app
        .call("GET", "/api/v1/me", Some(&clerk), None)
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    // A second instance behind the same load balancer, listening for ended sessions.
    let other = app.another_instance().await;
    let _listening = sanbao_server::app::sessions::listen_for_ended_sessions(&other)
        .await
        .unwrap()
        .expect("PostgreSQL listens");
    let other_router = sanbao_server::app(other.clone());
    let me_on_other = || {
        let router = other_router.clone();
        let clerk = clerk.clone();
        async move {
            use tower::ServiceExt;
            let req = Request::builder()
                .uri("/api/v1/me")
                .header(header::AUTHORIZATION, format!("Bearer {clerk}"))
                .body(Body::empty())
                .unwrap();
            router.oneshot(req).await.unwrap().status()
        }
    };
    // The other instance has checked (and cached) the clerk's session.
    assert_eq!(me_on_other().await, StatusCode::OK);
    let mut heard = other.session_cache().forgotten();
    heard.borrow_and_update();
    let r = patch(
        &app,
        &admin,
        clerk_id,
        json!({"version": 1, "active": false}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The other instance hears it from the database, not from its cache expiring.
    tokio::time::timeout(std::time::Duration::from_secs(10), heard.changed())
        .await
        .expect("the other instance heard of the deactivation")
        .unwrap();
    assert_eq!(me_on_other().await, StatusCode::UNAUTHORIZED);
}

on_both_backends!(
    r1_4_the_accounts_pages_add_change_and_keep_what_was_typed,
    r1_4_the_accounts_pages_add_change_and_keep_what_was_typed_on_postgres,
    accounts_pages_on
);

async fn accounts_pages_on(app: &TestApp) {
    let mut b = signed_in(app, "boss", "admin").await;
    let list = b.get("/settings/users").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert!(list.text.contains("boss-name"));
    // A weak first password: sent back with what was typed, the field named.
    let r = b
        .submit(
            "/settings/users",
            "/settings/users",
            &[
                ("display_name", "王丽"),
                ("username", "wang.li"),
                ("role", "service_clerk"),
                ("password", "88888888"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("value=\"王丽\"") && r.text.contains("value=\"wang.li\""));
    assert!(r.text.contains("password-error"));
    let r = b
        .submit(
            "/settings/users",
            "/settings/users",
            &[
                ("display_name", "王丽"),
                ("username", "wang.li"),
                ("role", "service_clerk"),
                ("password", "front desk 2026"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let list = b.get("/settings/users").await;
    assert!(list.text.contains("data-account=\"wang.li\""));
    let wang = app.db.user_for_login("wang.li").await.unwrap().unwrap().0;
    // Deactivate her on her page; the history says so.
    let page = format!("/settings/users/{}", wang.id.0);
    let r = b
        .submit(
            &page,
            &page,
            &[
                ("version", &wang.version.to_string()),
                ("display_name", "王丽"),
                ("role", "service_clerk"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let detail = b.get(&page).await;
    assert!(detail.text.contains("停用"), "{}", detail.text);
    assert!(!app.db.user(wang.id).await.unwrap().unwrap().active);
    // Field staff cannot open the accounts.
    let mut tech = signed_in(app, "tech", "technician").await;
    assert_eq!(
        tech.get("/settings/users").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(tech.get(&page).await.status, StatusCode::FORBIDDEN);
    // Everyone changes their own password; a mismatch is named.
    let r = tech
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "up the pole again"),
                ("repeat", "up the pole agian"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("repeat-error"));
    let r = tech
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "up the pole again"),
                ("repeat", "up the pole again"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let done = tech.get("/account/password?done=1").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
}

on_both_backends!(
    r1_4_several_sign_ins_at_once_with_the_right_password_all_succeed,
    r1_4_several_sign_ins_at_once_with_the_right_password_all_succeed_on_postgres,
    right_passwords_at_once_on
);

/// A script or a phone signing in several times at once is not throttled for attempts
/// still being checked: each waits for the one before it, and a success clears the count.
async fn right_passwords_at_once_on(app: &TestApp) {
    app.user("clerk", "service_clerk").await;
    let addr = app.serve().await;
    let statuses = sign_ins_at_once(addr, 8, "clerk", PASSWORD).await;
    assert_eq!(statuses, [201; 8]);
}
