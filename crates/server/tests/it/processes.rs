//! Two `sanbao serve` processes on one PostgreSQL, one killed (SIGKILL) while its watcher
//! is escalating: every breach is escalated once, and each e-mail and each chat-robot
//! call reaches the loopback receivers exactly once.
//!
//! The killed instance runs only the watcher (`SANBAO_JOBS=watcher`), the other everything:
//! a kill while *escalating* loses nothing and doubles nothing, because each step is
//! written with its messages in the transaction that claims the deadline. (A kill in the
//! instant between handing a message to the mail server and marking it sent would send it
//! again after the lease: delivery that leaves the database is at least once, and the
//! Message-ID names the outbox message so a mail server can tell.)

use crate::loopback::{SmtpServer, WebhookReceiver};
use crate::support::TestApp;
use chrono::Duration;
use sanbao_domain::customer::CustomerInput;
use sanbao_domain::notify::{MailSettingsInput, RobotInput};
use sanbao_domain::ticket::{Channel, TicketInput, TicketKind};
use sanbao_server::app;
use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

const DING_SECRET: &str = "SECdingtalk-two-instances-0123456789";
const BREACHES: usize = 450;

fn spawn(app: &TestApp, jobs: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sanbao"))
        .arg("serve")
        .env("DATABASE_URL", &app.database_url)
        .env("SANBAO_LISTEN", "127.0.0.1:0")
        .env("SANBAO_JOBS", jobs)
        .env("SANBAO_LOG", "warn")
        .env("SANBAO_MAX_CONNECTIONS", "4")
        .env_remove("SANBAO_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
    let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

/// Wait (polling, at most two minutes) until `sql` counts at least `n`.
async fn until(app: &TestApp, sql: &str, n: i64) -> i64 {
    let started = Instant::now();
    loop {
        let got = count(app, sql).await;
        if got >= n || started.elapsed().as_secs() > 120 {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_one_killed_while_escalating_send_each_mail_and_robot_call_once_on_postgres() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    let smtp = SmtpServer::start().await;
    let hooks = WebhookReceiver::start(Some(DING_SECRET)).await;
    let now = app.state.now();
    let admin = app.user("root", "admin").await;
    let mail = MailSettingsInput::parse(
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
    app::notify_settings::save_mail(&app.state, &admin, &mail, now)
        .await
        .unwrap();
    let robot = RobotInput::parse(
        "dingtalk",
        "服务部群",
        &hooks.url("dingtalk/robot/send?access_token=t"),
        DING_SECRET,
        None,
        true,
    )
    .unwrap();
    app::notify_settings::add_robot(&app.state, &admin, &robot, now)
        .await
        .unwrap();
    for name in ["zhou"] {
        let m = app.user(name, "service_manager").await;
        app::inbox::set_email(
            &app.state,
            &admin,
            m.id,
            &format!("{name}@sanbao.example"),
            now,
        )
        .await
        .unwrap();
    }
    let clerk = app.user("clerk", "service_clerk").await;
    let customer = app::customers::create_customer(
        &app.state,
        &clerk,
        &CustomerInput {
            name: "之江变电站".into(),
            address: "浙江省杭州市西湖区转塘街道 1 号".into(),
            contacts: Vec::new(),
            ..CustomerInput::default()
        },
        &app::customers::CorrectionInput::default(),
        now,
    )
    .await
    .unwrap();
    // Emergencies in Hangzhou received 2 h ago: due an hour ago, not yet escalated, the
    // second escalation an hour away.
    for i in 0..BREACHES {
        app::tickets::open_ticket(
            &app.state,
            &clerk,
            TicketInput {
                kind: TicketKind::Emergency,
                channel: Channel::Phone,
                customer_id: customer.id,
                unit_id: None,
                site_id: None,
                unit_text: None,
                summary: format!("{i} 号出线柜失电"),
                received_at: now - Duration::hours(2),
            },
            now,
        )
        .await
        .unwrap();
    }

    let escalated = "SELECT COUNT(*) FROM audit_log WHERE action = 'alarm_escalate'";
    // The instance that runs only the watcher starts first, and is killed once its first
    // batch is written — in the middle of its pass; the other starts as it dies.
    let mut watcher_only = spawn(&app, "watcher");
    let at_kill = until(&app, escalated, 1).await;
    let mut everything = spawn(&app, "all");
    watcher_only.kill().unwrap();
    watcher_only.wait().unwrap();
    assert!(
        (1..BREACHES as i64).contains(&at_kill),
        "killed mid-pass: {at_kill} of {BREACHES} escalated"
    );

    // The survivor finishes: every breach escalated, every message sent.
    let n = BREACHES as i64;
    assert_eq!(until(&app, escalated, n).await, n);
    let unsent = "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL";
    let started = Instant::now();
    while count(&app, unsent).await > 0 && started.elapsed().as_secs() < 120 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(count(&app, unsent).await, 0, "everything sent");
    everything.kill().unwrap();
    everything.wait().unwrap();

    assert_eq!(
        count(&app, escalated).await,
        n,
        "each breach escalated once"
    );
    // The manager has an address: one mail per breach, each once.
    let mails = smtp.mails();
    let distinct: HashSet<(String, String)> = mails
        .iter()
        .map(|m| (m.to.join(","), m.header("Subject").unwrap_or_default()))
        .collect();
    assert_eq!(mails.len(), BREACHES, "one mail per breach");
    assert_eq!(distinct.len(), BREACHES);
    // The department's robot: one call per breach (urgent notices, once per key).
    let calls = hooks.calls();
    assert!(calls.iter().all(|c| c.signature_ok == Some(true)));
    let texts: HashSet<String> = calls.iter().map(|c| c.body.to_string()).collect();
    assert_eq!(calls.len(), BREACHES, "one robot call per breach");
    assert_eq!(texts.len(), BREACHES);
}
