//! The jobs runner and the outbox: each message delivered exactly once with two runners on
//! one database, even when a runner dies holding messages; failures retried with backoff;
//! the runner stops cleanly; the clock moves deadlines into breach.

use crate::support::TestApp;
use chrono::Duration;
use sanbao_domain::UserId;
use sanbao_server::app::outbox::{self, InboxMessage};
use sanbao_server::jobs;

async fn enqueue(app: &TestApp, user: UserId, n: usize) {
    let now = app.state.now();
    for i in 0..n {
        let m = outbox::inbox_message(
            &InboxMessage {
                user_id: user,
                subject: format!("消息 {i}"),
                body: None,
                link: Some(format!("/tickets/{i}")),
            },
            Some(format!("test:{i}")),
            now,
        );
        outbox::enqueue(&app.state, &m, now).await.unwrap();
    }
}

async fn two_runners_deliver_each_message_once(app: TestApp) {
    let user = app.user("boss", "service_manager").await;
    enqueue(&app, user.id, 120).await;
    // The same key again is the same message.
    enqueue(&app, user.id, 10).await;

    // A runner that claims a batch and dies before delivering it.
    let now = app.state.now();
    let dead = app
        .db
        .claim_outbox("dead-runner", now, now + outbox::LEASE, 15)
        .await
        .unwrap();
    assert_eq!(dead.len(), 15);

    // Two live instances, each with its own pool, drain at the same time.
    let (a, b) = (app.another_instance().await, app.another_instance().await);
    let (sent_a, sent_b) = tokio::join!(
        jobs::drain_outbox(&a, "runner-a"),
        jobs::drain_outbox(&b, "runner-b")
    );
    let (sent_a, sent_b) = (sent_a.unwrap(), sent_b.unwrap());
    assert_eq!(
        sent_a + sent_b,
        105,
        "all but the dead runner's: {sent_a} + {sent_b}"
    );

    // The dead runner's lease runs out: the messages are taken over, once.
    app.clock.advance(outbox::LEASE + Duration::seconds(1));
    let (late_a, late_b) = tokio::join!(
        jobs::drain_outbox(&a, "runner-a"),
        jobs::drain_outbox(&b, "runner-b")
    );
    assert_eq!(late_a.unwrap() + late_b.unwrap(), 15);

    let inbox = outbox::inbox(&app.state, user.id, 500).await.unwrap();
    assert_eq!(inbox.len(), 120, "each message once in the inbox");
    let mut ids: Vec<i64> = inbox.iter().filter_map(|m| m.outbox_id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 120);
    let stats = outbox::stats(&app.state).await.unwrap();
    assert_eq!((stats.sent, stats.pending, stats.failed), (120, 0, 0));
    a.close().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_runners_deliver_each_message_exactly_once() {
    two_runners_deliver_each_message_once(TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_runners_deliver_each_message_exactly_once_on_postgres() {
    if let Some(app) = TestApp::postgres().await {
        two_runners_deliver_each_message_once(app).await;
    }
}

async fn failures_are_retried_with_backoff_then_given_up(app: TestApp) {
    // A message for someone who does not exist cannot be delivered.
    enqueue(&app, UserId(424_242), 1).await;
    let first = outbox::send_due(&app.state, "r", app.state.now(), 10)
        .await
        .unwrap();
    assert_eq!((first.sent, first.retried), (0, 1));
    // Not again before its time…
    let early = outbox::send_due(&app.state, "r", app.state.now(), 10)
        .await
        .unwrap();
    assert_eq!(early, outbox::Sent::default());
    // …then again after 30 s, 60 s, …, until the attempts are spent.
    let mut given_up = 0;
    for _ in 1..outbox::MAX_ATTEMPTS {
        app.clock.advance(Duration::hours(1));
        given_up += outbox::send_due(&app.state, "r", app.state.now(), 10)
            .await
            .unwrap()
            .given_up;
    }
    assert_eq!(given_up, 1);
    let stats = outbox::stats(&app.state).await.unwrap();
    assert_eq!((stats.pending, stats.failed), (0, 1));
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_backoff_then_given_up() {
    failures_are_retried_with_backoff_then_given_up(TestApp::new().await).await;
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_backoff_then_given_up_on_postgres() {
    if let Some(app) = TestApp::postgres().await {
        failures_are_retried_with_backoff_then_given_up(app).await;
    }
}

#[tokio::test]
async fn the_runner_sends_what_is_enqueued_and_stops_when_told() {
    let app = TestApp::new().await;
    let user = app.user("boss", "service_manager").await;
    let runner = jobs::Runner::start(
        app.state.clone(),
        "runner".into(),
        &jobs::Schedule {
            outbox_every: std::time::Duration::from_millis(20),
            watcher_every: std::time::Duration::from_secs(3600),
            sessions_every: std::time::Duration::from_secs(60),
        },
    );
    enqueue(&app, user.id, 3).await;
    let delivered = async {
        loop {
            if outbox::inbox(&app.state, user.id, 10).await.unwrap().len() == 3 {
                break;
            }
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), delivered)
        .await
        .expect("delivered by the runner");
    tokio::time::timeout(std::time::Duration::from_secs(10), runner.stop())
        .await
        .expect("the runner stops");
}

#[tokio::test]
async fn a_periodic_job_runs_once_per_interval_across_instances() {
    let app = TestApp::new().await;
    let now = app.state.now();
    let until = now + Duration::minutes(10);
    let take = |holder: &'static str, at| {
        sanbao_server::app::jobs::take_lease(&app.state, "sessions", holder, at, until)
    };
    assert!(take("a", now).await.unwrap());
    assert!(!take("b", now).await.unwrap(), "held by a");
    assert!(take("b", until).await.unwrap(), "a's lease ran out");
}

async fn moving_the_clock_breaches_a_deadline(app: TestApp) {
    let token = app.token("clerk", "service_clerk").await;
    let c = app
        .api_customer(&token, "杭州丙", "杭州市上城区解放路1号")
        .await;
    let t = app.api_ticket(&token, &c, "emergency", "全厂停电").await;
    assert_eq!(t["deadlines"][0]["breached"], false);
    let path = format!("/api/v1/tickets/{}", t["id"]);
    app.clock.advance(Duration::minutes(61));
    let later = app.call("GET", &path, Some(&token), None).await.json();
    assert_eq!(later["deadlines"][0]["breached"], true, "{later}");
    assert_eq!(later["deadlines"][0]["state"], "breached");
    let desk = app
        .call("GET", "/api/v1/dashboard", Some(&token), None)
        .await
        .json();
    assert_eq!(desk["breached"], 1, "{desk}");
}

#[tokio::test]
async fn moving_the_clock_an_hour_on_breaches_a_hangzhou_emergency() {
    moving_the_clock_breaches_a_deadline(TestApp::new().await).await;
}

#[tokio::test]
async fn moving_the_clock_an_hour_on_breaches_a_hangzhou_emergency_on_postgres() {
    if let Some(app) = TestApp::postgres().await {
        moving_the_clock_breaches_a_deadline(app).await;
    }
}
