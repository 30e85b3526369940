//! Chat tools' group robots (企业微信, 钉钉, 飞书): an HTTPS POST of the tool's JSON, signed
//! when the robot has a secret. Redirects are never followed; a call takes at most a few
//! seconds. A non-2xx answer or a non-zero `errcode`/`code` is a failure to retry. Errors
//! never carry the robot's address (its key or token) or its secret.

use super::outbox::WebhookMessage;
use super::state::AppState;
use sanbao_domain::Error;
use sanbao_domain::notify::{RobotKind, absolute_link, dingtalk_url, robot_answer, robot_body};
use std::sync::LazyLock;
use std::time::Duration;

/// How long a robot may take to answer.
const TIMEOUT: Duration = Duration::from_secs(5);

static CLIENT: LazyLock<Result<reqwest::Client, String>> = LazyLock::new(|| {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(3))
        .build()
        .map_err(|e| e.to_string())
});

fn failed(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("robot: {e}"))
}

/// Post `m` to its robot. A robot removed or turned off since the message was enqueued is
/// not called (the message counts as handled).
pub async fn send(state: &AppState, m: &WebhookMessage) -> Result<(), Error> {
    let Some((robot, secret)) = state.db.robot_for_sending(m.robot_id).await? else {
        tracing::info!(robot_id = m.robot_id, "robot removed: message dropped");
        return Ok(());
    };
    if !robot.enabled {
        tracing::info!(robot_id = m.robot_id, "robot turned off: message dropped");
        return Ok(());
    }
    let site = state.db.mail_settings().await?.and_then(|s| s.site_url);
    let link = m.link.as_deref().map(|l| absolute_link(site.as_deref(), l));
    let secret = secret.as_ref().map(|s| s.expose());
    let now = state.now();
    let body = robot_body(
        robot.kind,
        &m.subject,
        m.body.as_deref(),
        link.as_deref(),
        secret,
        now,
    );
    let url = match robot.kind {
        RobotKind::Dingtalk => dingtalk_url(&robot.url, secret, now.timestamp_millis()),
        RobotKind::Wecom | RobotKind::Feishu => robot.url.clone(),
    };
    let client = CLIENT.as_ref().map_err(failed)?;
    let res = client
        .post(url)
        .header("content-type", "application/json; charset=utf-8")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| failed(e.without_url()))?;
    let status = res.status().as_u16();
    let text = res.text().await.map_err(|e| failed(e.without_url()))?;
    robot_answer(status, &text).map_err(failed)
}
