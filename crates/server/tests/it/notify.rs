//! Where notifications go: a notice reaches the inbox, the mail server and the robots
//! exactly once per key; a mail server that is down and a robot that answers an error are
//! retried until the message gets through, nothing lost; the inbox API shows and marks a
//! person's own messages only; the settings page never shows a secret again. The mail
//! server and the robots are real listeners on loopback (`loopback.rs`).

use crate::loopback::{SmtpServer, WebhookReceiver};
use crate::support::{TestApp, on_both_backends};
use crate::web::{location, signed_in};
use axum::http::StatusCode;
use chrono::Duration;
use sanbao_domain::UserId;
use sanbao_domain::notify::{MailSettingsInput, RobotInput};
use sanbao_domain::user::User;
use sanbao_server::app::notify::{Notice, notify};
use sanbao_server::app::{notify_settings, outbox};
use sanbao_server::jobs;

const DING_SECRET: &str = "SECdingtalk-loopback-0123456789";

async fn configure_mail(app: &TestApp, admin: &User, smtp: &SmtpServer) {
    let input = MailSettingsInput::parse(
        "127.0.0.1",
        &smtp.addr.port().to_string(),
        "none",
        "",
        "",
        "desk@sanbao.example",
        true,
        "https://sanbao.example",
    )
    .unwrap();
    notify_settings::save_mail(&app.state, admin, &input, app.state.now())
        .await
        .unwrap();
}

async fn add_robot(
    app: &TestApp,
    admin: &User,
    kind: &str,
    url: &str,
    secret: &str,
    user: Option<UserId>,
) -> i64 {
    let input = RobotInput::parse(kind, &format!("{kind} robot"), url, secret, user, true).unwrap();
    notify_settings::add_robot(&app.state, admin, &input, app.state.now())
        .await
        .unwrap()
        .id
}

async fn set_email(app: &TestApp, admin: &User, user: UserId, email: &str) {
    sanbao_server::app::inbox::set_email(&app.state, admin, user, email, app.state.now())
        .await
        .unwrap();
}

async fn tell(app: &TestApp, to: &[UserId], subject: &str, urgent: bool, key: &str) -> usize {
    let notice = Notice {
        subject: subject.into(),
        body: Some("SB00000042 超时未到场".into()),
        link: Some("/tickets/42".into()),
        urgent,
    };
    let mut tx = app.db.begin().await.unwrap();
    let n = notify(&mut tx, to, &notice, key, app.state.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    n
}

async fn drain(app: &TestApp) -> usize {
    jobs::drain_outbox(&app.state, "runner-1").await.unwrap()
}

async fn a_notice_reaches_inbox_mail_and_robots_exactly_once_on(app: &TestApp) {
    let smtp = SmtpServer::start().await;
    let hooks = WebhookReceiver::start(Some(DING_SECRET)).await;
    let admin = app.user("root", "admin").await;
    let boss = app.user("boss", "service_manager").await;
    let clerk = app.user("clerk", "service_clerk").await;
    configure_mail(app, &admin, &smtp).await;
    set_email(app, &admin, boss.id, "boss@example.com").await;
    let ding = add_robot(
        app,
        &admin,
        "dingtalk",
        &hooks.url("dingtalk/robot/send?access_token=t0k"),
        DING_SECRET,
        None,
    )
    .await;
    add_robot(
        app,
        &admin,
        "wecom",
        &hooks.url("wecom/cgi-bin/webhook/send?key=k3y"),
        "",
        None,
    )
    .await;
    add_robot(
        app,
        &admin,
        "feishu",
        &hooks.url("feishu/open-apis/bot/v2/hook/h00k"),
        DING_SECRET,
        Some(boss.id),
    )
    .await;

    // Escalated to the manager and the clerk, twice under one key (a rerun of the watcher).
    let first = tell(
        app,
        &[boss.id, clerk.id],
        "SB00000042 到场超时",
        true,
        "deadline:42:escalate",
    )
    .await;
    let again = tell(
        app,
        &[boss.id, clerk.id],
        "SB00000042 到场超时",
        true,
        "deadline:42:escalate",
    )
    .await;
    // 2 inboxes, 1 mail (the clerk has no address), 2 department robots, the boss's robot.
    assert_eq!((first, again), (6, 0));
    assert_eq!(drain(app).await, 6);
    assert_eq!(drain(app).await, 0);

    for u in [&boss, &clerk] {
        let inbox = outbox::inbox(&app.state, u.id, 10).await.unwrap();
        assert_eq!(inbox.len(), 1, "{}", u.username);
        assert_eq!(inbox[0].link.as_deref(), Some("/tickets/42"));
    }
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, ["boss@example.com"]);
    assert_eq!(mails[0].from, "desk@sanbao.example");
    let id = mails[0].header("Message-ID").unwrap();
    assert!(
        id.starts_with("<sanbao-outbox-") && id.ends_with("@sanbao.example>"),
        "{id}"
    );
    assert!(
        mails[0].data.contains("https://sanbao.example/tickets/42"),
        "{}",
        mails[0].data
    );

    let calls = hooks.calls();
    let mut tools: Vec<&str> = calls.iter().map(|c| c.tool.as_str()).collect();
    tools.sort_unstable();
    assert_eq!(tools, ["dingtalk", "feishu", "wecom"], "each robot once");
    assert!(calls.iter().all(|c| c.accepted));
    let d = calls.iter().find(|c| c.tool == "dingtalk").unwrap();
    assert_eq!(d.signature_ok, Some(true));
    assert!(
        d.query.starts_with("access_token=t0k&timestamp="),
        "{}",
        d.query
    );
    assert_eq!(d.body["msgtype"], "markdown");
    assert!(
        d.body["markdown"]["text"]
            .as_str()
            .unwrap()
            .contains("https://sanbao.example/tickets/42")
    );
    let f = calls.iter().find(|c| c.tool == "feishu").unwrap();
    assert_eq!(f.signature_ok, Some(true));
    assert_eq!(f.body["msg_type"], "text");
    let w = calls.iter().find(|c| c.tool == "wecom").unwrap();
    assert_eq!(w.signature_ok, None);
    assert_eq!(w.query, "key=k3y");

    // A routine notice: the department's groups are not told, the person's robot is.
    let n = tell(
        app,
        &[boss.id],
        "预警：SB00000043 还剩 15 分钟",
        false,
        "deadline:43:warn",
    )
    .await;
    assert_eq!(n, 3, "inbox, mail, the boss's robot");
    assert_eq!(drain(app).await, 3);
    assert_eq!(hooks.calls().len(), 4);
    assert!(hooks.calls()[3].tool == "feishu");
    assert_eq!(smtp.mails().len(), 2);

    // A robot turned off is not called.
    notify_settings::set_robot_enabled(&app.state, &admin, ding, false, app.state.now())
        .await
        .unwrap();
    tell(app, &[clerk.id], "紧急", true, "deadline:44:escalate").await;
    drain(app).await;
    assert_eq!(
        hooks
            .calls()
            .iter()
            .filter(|c| c.tool == "dingtalk")
            .count(),
        1
    );
    let stats = outbox::stats(&app.state).await.unwrap();
    assert_eq!((stats.pending, stats.failed), (0, 0));
}

on_both_backends!(
    a_notice_reaches_inbox_mail_and_robots_exactly_once,
    a_notice_reaches_inbox_mail_and_robots_exactly_once_on_postgres,
    a_notice_reaches_inbox_mail_and_robots_exactly_once_on
);

async fn mail_is_retried_while_the_server_is_down_and_delivered_once_it_is_up_on(app: &TestApp) {
    let smtp = SmtpServer::start().await;
    smtp.set_down(true);
    let admin = app.user("root", "admin").await;
    let boss = app.user("boss", "service_manager").await;
    configure_mail(app, &admin, &smtp).await;
    set_email(app, &admin, boss.id, "boss@example.com").await;
    assert_eq!(
        tell(app, &[boss.id], "到场超时", true, "deadline:7:escalate").await,
        2
    );

    // The inbox gets it; the mail waits.
    assert_eq!(drain(app).await, 1);
    assert_eq!(
        outbox::inbox(&app.state, boss.id, 10).await.unwrap().len(),
        1
    );
    assert!(smtp.mails().is_empty());
    let stats = outbox::stats(&app.state).await.unwrap();
    assert_eq!((stats.pending, stats.failed), (1, 0));

    // Not before its backoff; then again while still down.
    assert_eq!(drain(app).await, 0);
    app.clock.advance(Duration::seconds(31));
    assert_eq!(drain(app).await, 0);
    assert!(smtp.mails().is_empty());

    // The server is back: the next retry (60 s after the second attempt) delivers it once.
    smtp.set_down(false);
    app.clock.advance(Duration::seconds(30));
    assert_eq!(drain(app).await, 0, "still inside the backoff");
    app.clock.advance(Duration::seconds(31));
    assert_eq!(drain(app).await, 1);
    app.clock.advance(Duration::hours(2));
    assert_eq!(drain(app).await, 0);
    assert_eq!(smtp.mails().len(), 1);
    let stats = outbox::stats(&app.state).await.unwrap();
    assert_eq!((stats.pending, stats.failed, stats.sent), (0, 0, 2));
}

on_both_backends!(
    mail_is_retried_while_the_server_is_down_and_delivered_once_it_is_up,
    mail_is_retried_while_the_server_is_down_and_delivered_once_it_is_up_on_postgres,
    mail_is_retried_while_the_server_is_down_and_delivered_once_it_is_up_on
);

async fn a_robot_answering_an_error_code_is_retried_until_it_takes_the_message_on(app: &TestApp) {
    let hooks = WebhookReceiver::start(Some(DING_SECRET)).await;
    let admin = app.user("root", "admin").await;
    let tech = app.user("tech", "technician").await;
    add_robot(
        app,
        &admin,
        "dingtalk",
        &hooks.url("dingtalk/robot/send?access_token=t"),
        DING_SECRET,
        Some(tech.id),
    )
    .await;
    add_robot(
        app,
        &admin,
        "feishu",
        &hooks.url("feishu/hook/x"),
        DING_SECRET,
        Some(tech.id),
    )
    .await;
    hooks.fail_next(2);
    assert_eq!(
        tell(app, &[tech.id], "派单", false, "ticket:9:dispatch").await,
        3
    );
    assert_eq!(
        drain(app).await,
        1,
        "the inbox; both robots answered an error"
    );
    assert_eq!(hooks.calls().len(), 2);
    assert!(hooks.calls().iter().all(|c| !c.accepted));
    let stats = outbox::stats(&app.state).await.unwrap();
    assert_eq!(stats.pending, 2);

    app.clock.advance(Duration::seconds(31));
    assert_eq!(drain(app).await, 2);
    assert_eq!(hooks.accepted().len(), 2);
    assert_eq!(
        hooks.calls().len(),
        4,
        "each robot called twice, taken once"
    );
    app.clock.advance(Duration::hours(1));
    assert_eq!(drain(app).await, 0);
    let stats = outbox::stats(&app.state).await.unwrap();
    assert_eq!((stats.pending, stats.failed), (0, 0));
}

on_both_backends!(
    a_robot_answering_an_error_code_is_retried_until_it_takes_the_message,
    a_robot_answering_an_error_code_is_retried_until_it_takes_the_message_on_postgres,
    a_robot_answering_an_error_code_is_retried_until_it_takes_the_message_on
);

async fn the_inbox_api_shows_and_marks_only_the_persons_own_messages_on(app: &TestApp) {
    let me = app.token("me", "service_clerk").await;
    let other = app.token("other", "technician").await;
    let users = app.db.users(None).await.unwrap();
    let id_of = |name: &str| users.iter().find(|u| u.username == name).unwrap().id;
    for i in 0..3 {
        tell(
            app,
            &[id_of("me")],
            &format!("消息 {i}"),
            false,
            &format!("k:{i}"),
        )
        .await;
    }
    tell(app, &[id_of("other")], "别人的", false, "k:other").await;
    drain(app).await;

    let r = app
        .call("GET", "/api/v1/inbox?limit=2", Some(&me), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let page = r.json();
    assert_eq!(page["unread"], 3);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["subject"], "消息 2", "newest first");
    assert!(items[0]["read_at"].is_null());
    let cursor = page["next_cursor"].as_str().unwrap();
    let r = app
        .call(
            "GET",
            &format!("/api/v1/inbox?limit=2&cursor={cursor}"),
            Some(&me),
            None,
        )
        .await;
    assert_eq!(r.json()["items"][0]["subject"], "消息 0");
    assert!(r.json()["next_cursor"].is_null());

    // Another's message is not found, and stays unread.
    let theirs = app
        .call("GET", "/api/v1/inbox", Some(&other), None)
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/inbox/{theirs}/read"),
            Some(&me),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert_eq!(
        app.call("GET", "/api/v1/inbox", Some(&other), None)
            .await
            .json()["unread"],
        1
    );
    let r = app
        .call("POST", "/api/v1/inbox/x/read", Some(&me), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let mine = items[0]["id"].as_i64().unwrap();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/inbox/{mine}/read"),
            Some(&me),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json()["read_at"].is_string());
    assert_eq!(
        app.call("GET", "/api/v1/inbox", Some(&me), None)
            .await
            .json()["unread"],
        2
    );
    let r = app
        .call("POST", "/api/v1/inbox/read-all", Some(&me), None)
        .await;
    assert_eq!(r.json()["marked"], 2);
    assert_eq!(
        app.call("GET", "/api/v1/inbox", Some(&me), None)
            .await
            .json()["unread"],
        0
    );
    assert_eq!(
        app.call("GET", "/api/v1/inbox", Some(&other), None)
            .await
            .json()["unread"],
        1
    );
    assert_eq!(
        app.call("GET", "/api/v1/inbox", None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

on_both_backends!(
    the_inbox_api_shows_and_marks_only_the_persons_own_messages,
    the_inbox_api_shows_and_marks_only_the_persons_own_messages_on_postgres,
    the_inbox_api_shows_and_marks_only_the_persons_own_messages_on
);

async fn the_bell_counts_unread_messages_and_opening_one_marks_it_read_on(app: &TestApp) {
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let clerk = app
        .db
        .users(None)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "clerk")
        .unwrap();
    tell(app, &[clerk.id], "新派单 SB00000042", false, "a").await;
    tell(app, &[clerk.id], "预警 SB00000043", false, "b").await;
    drain(app).await;
    let home = b.get("/").await;
    assert!(home.text.contains("data-unread=\"2\""), "the bell shows 2");
    let page = b.get("/inbox").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("新派单 SB00000042"));
    let id = outbox::inbox(&app.state, clerk.id, 10).await.unwrap()[1].id;
    let r = b
        .submit("/inbox", &format!("/inbox/{id}/read"), &[("open", "1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/tickets/42");
    assert!(b.get("/inbox").await.text.contains("data-unread=\"1\""));
    let r = b.submit("/inbox", "/inbox/read-all", &[]).await;
    assert_eq!(location(&r), "/inbox?done=all");
    assert!(!b.get("/inbox").await.text.contains("data-unread="));

    // The person's own address: a bad one is named and kept, a good one saved.
    let r = b
        .submit("/inbox", "/inbox/email", &[("email", "not-an-address")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("value=\"not-an-address\"") && r.text.contains("id=\"email-error\""));
    assert_eq!(app.db.user_email(clerk.id).await.unwrap(), None);
    let r = b
        .submit("/inbox", "/inbox/email", &[("email", "clerk@example.com")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.db.user_email(clerk.id).await.unwrap().as_deref(),
        Some("clerk@example.com")
    );
    // Someone else's address is the administrator's to set.
    let r = b
        .submit(
            "/inbox",
            &format!("/settings/notifications/users/{}/email", clerk.id.0 + 100),
            &[("email", "x@example.com")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        b.get("/settings/notifications").await.status,
        StatusCode::FORBIDDEN
    );
}

on_both_backends!(
    the_bell_counts_unread_messages_and_opening_one_marks_it_read,
    the_bell_counts_unread_messages_and_opening_one_marks_it_read_on_postgres,
    the_bell_counts_unread_messages_and_opening_one_marks_it_read_on
);

async fn secrets_are_never_shown_again_nor_audited_and_bad_input_is_named_on(app: &TestApp) {
    const PASSWORD: &str = "smtp-pa55-S3CRET";
    const SECRET: &str = "SECrobot-S3CRET-0042";
    const TOKEN: &str = "tok-S3CRET-77";
    let hooks = WebhookReceiver::start(Some(SECRET)).await;
    let mut b = signed_in(app, "root", "admin").await;
    let page = "/settings/notifications";
    // Bad input: each field named, what was typed kept, nothing stored.
    let r = b
        .submit(
            page,
            "/settings/notifications/mail",
            &[
                ("host", "smtp example"),
                ("port", "99999"),
                ("security", "starttls"),
                ("username", "desk"),
                ("password", PASSWORD),
                ("from_address", "nobody"),
                ("site_url", ""),
                ("enabled", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in ["host-error", "port-error", "from_address-error"] {
        assert!(r.text.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(r.text.contains("value=\"smtp example\"") && r.text.contains("value=\"99999\""));
    assert!(
        !r.text.contains(PASSWORD),
        "a password is never put back in a page"
    );
    assert!(app.db.mail_settings().await.unwrap().is_none());

    let r = b
        .submit(
            page,
            "/settings/notifications/mail",
            &[
                ("host", "smtp.example.com"),
                ("port", "587"),
                ("security", "starttls"),
                ("username", "desk"),
                ("password", PASSWORD),
                ("from_address", "desk@example.com"),
                ("site_url", "https://sanbao.example.com"),
                ("enabled", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // Saved again with the password left empty: kept.
    let r = b
        .submit(
            page,
            "/settings/notifications/mail",
            &[
                ("host", "smtp.example.com"),
                ("port", "465"),
                ("security", "tls"),
                ("username", "desk"),
                ("password", ""),
                ("from_address", "desk@example.com"),
                ("site_url", ""),
                ("enabled", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let (mail, password) = app.db.mail_for_sending().await.unwrap().unwrap();
    assert_eq!((mail.port, password.unwrap().expose()), (465, PASSWORD));

    let url = hooks.url(&format!("dingtalk/robot/send?access_token={TOKEN}"));
    let r = b
        .submit(
            page,
            "/settings/notifications/robots",
            &[
                ("kind", "wecom"),
                ("name", ""),
                ("url", "ftp://x"),
                ("secret", SECRET),
                ("user_id", ""),
                ("enabled", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for id in ["robot_name-error", "robot_url-error", "robot_secret-error"] {
        assert!(r.text.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(r.text.contains("value=\"ftp://x\"") && !r.text.contains(SECRET));
    let r = b
        .submit(
            page,
            "/settings/notifications/robots",
            &[
                ("kind", "dingtalk"),
                ("name", "售后值班群"),
                ("url", &url),
                ("secret", SECRET),
                ("user_id", ""),
                ("enabled", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    let html = b.get(page).await.text;
    assert!(html.contains("售后值班群"));
    for secret in [PASSWORD, SECRET, TOKEN] {
        assert!(!html.contains(secret), "{secret} in the page");
    }
    assert!(
        html.contains("data-secret-state"),
        "the page says a password is set"
    );

    // The audit records say what changed, never the secrets.
    let mut audit = app.db.audit_trail("notify_mail", 1).await.unwrap();
    let robot = app.db.robots().await.unwrap()[0].id;
    audit.extend(app.db.audit_trail("notify_robot", robot).await.unwrap());
    assert_eq!(audit.len(), 3);
    let text = format!("{audit:?}");
    for secret in [PASSWORD, SECRET, TOKEN] {
        assert!(!text.contains(secret), "{secret} in the audit: {text}");
    }
    assert!(text.contains("\"set\""));

    // The test button reaches the robot, signed.
    let r = b
        .submit(
            page,
            &format!("/settings/notifications/robots/{robot}/test"),
            &[],
        )
        .await;
    assert_eq!(
        location(&r),
        "/settings/notifications?done=robot_test#robots"
    );
    drain(app).await;
    assert_eq!(hooks.accepted().len(), 1);
    assert_eq!(hooks.calls()[0].signature_ok, Some(true));

    // No API answer carries them either.
    let token = app.token("api-admin", "admin").await;
    for path in [
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/inbox",
        "/api/openapi.json",
    ] {
        let r = app.call("GET", path, Some(&token), None).await;
        for secret in [PASSWORD, SECRET, TOKEN] {
            assert!(!r.text.contains(secret), "{secret} in {path}");
        }
    }

    // An administrator sets a person's address; a bad one is named on its row.
    let clerk = app.user("clerk", "service_clerk").await;
    let action = format!("/settings/notifications/users/{}/email", clerk.id.0);
    let r = b.submit(page, &action, &[("email", "clerk@")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains(&format!("id=\"email-{}-error\"", clerk.id.0))
    );
    let r = b
        .submit(page, &action, &[("email", "clerk@example.com")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.db.user_email(clerk.id).await.unwrap().as_deref(),
        Some("clerk@example.com")
    );

    let r = b
        .submit(
            page,
            &format!("/settings/notifications/robots/{robot}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.db.robots().await.unwrap().is_empty());
}

on_both_backends!(
    secrets_are_never_shown_again_nor_audited_and_bad_input_is_named,
    secrets_are_never_shown_again_nor_audited_and_bad_input_is_named_on_postgres,
    secrets_are_never_shown_again_nor_audited_and_bad_input_is_named_on
);
