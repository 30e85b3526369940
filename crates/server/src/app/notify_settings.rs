//! The administrator's settings of where notifications go: the mail server, the chat
//! robots, people's e-mail addresses, and a test message per channel. Secrets (the mail
//! password, robots' signing secrets) are written, never read back: a page or an answer
//! says only whether one is set, and audit records carry `"set"` in their place. A robot's
//! address carries its key or token in its query, so records and pages show it masked.

use super::outbox::{EmailMessage, WebhookMessage, email_message, webhook_message};
use super::require;
use super::state::AppState;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::notify::{MailSettings, MailSettingsInput, Robot, RobotInput, masked_url};
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission};
use serde_json::{Value, json};

/// What the settings page shows.
pub struct Settings {
    pub mail: Option<MailSettings>,
    pub robots: Vec<Robot>,
    /// Every account with its address.
    pub people: Vec<(User, Option<String>)>,
}

pub async fn settings(state: &AppState, actor: &User) -> Result<Settings, Error> {
    require(actor, Permission::ManageNotifications)?;
    let mail = state.db.mail_settings().await?;
    let robots = state.db.robots().await?;
    let emails = state.db.user_emails().await?;
    let people = state
        .db
        .users(None)
        .await?
        .into_iter()
        .map(|u| {
            let e = emails
                .iter()
                .find(|(id, _)| *id == u.id)
                .and_then(|(_, e)| e.clone());
            (u, e)
        })
        .collect();
    Ok(Settings {
        mail,
        robots,
        people,
    })
}

fn mail_view(s: &MailSettings) -> Value {
    json!({
        "host": s.host, "port": s.port, "security": s.security.as_str(),
        "username": s.username, "password": if s.password_set { "set" } else { "" },
        "from_address": s.from_address, "enabled": s.enabled, "site_url": s.site_url,
    })
}

fn robot_view(r: &Robot) -> Value {
    json!({
        "kind": r.kind.as_str(), "name": r.name, "url": masked_url(&r.url),
        "secret": if r.secret_set { "set" } else { "" },
        "user_id": r.user_id.map(|u| u.0), "enabled": r.enabled,
    })
}

/// Save the mail server's settings; an empty password keeps the stored one.
pub async fn save_mail(
    state: &AppState,
    actor: &User,
    input: &MailSettingsInput,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    require(actor, Permission::ManageNotifications)?;
    let before = state.db.mail_settings().await?;
    let mut tx = state.db.begin().await?;
    tx.save_mail_settings(&input.settings, input.password.as_ref(), now)
        .await?;
    let after = MailSettings {
        password_set: input.password.is_some() || before.as_ref().is_some_and(|b| b.password_set),
        ..input.settings.clone()
    };
    let mut entry = NewAuditEntry {
        entity: "notify_mail",
        entity_id: 1,
        action: "update".into(),
        actor_id: Some(actor.id),
        at: now,
        note: input
            .password
            .is_some()
            .then(|| "password changed".to_string()),
        before: before.as_ref().map_or(Value::Null, mail_view),
        after: mail_view(&after),
    };
    if before.is_none() {
        entry.action = "create".into();
    }
    tx.audit(&entry).await?;
    tx.commit().await?;
    tracing::info!(user_id = actor.id.0, "mail settings saved");
    Ok(())
}

/// Add a robot.
pub async fn add_robot(
    state: &AppState,
    actor: &User,
    input: &RobotInput,
    now: DateTime<Utc>,
) -> Result<Robot, Error> {
    require(actor, Permission::ManageNotifications)?;
    if let Some(u) = input.user_id
        && state.db.user(u).await?.is_none()
    {
        return Err(Error::field(
            "user_id",
            sanbao_domain::Problem::new("not_found", "no such person"),
        ));
    }
    let mut tx = state.db.begin().await?;
    let robot = tx.insert_robot(input, now).await?;
    tx.audit(&NewAuditEntry::created(
        "notify_robot",
        robot.id,
        actor.id,
        now,
        robot_view(&robot),
    ))
    .await?;
    tx.commit().await?;
    Ok(robot)
}

/// Turn a robot on or off.
pub async fn set_robot_enabled(
    state: &AppState,
    actor: &User,
    id: i64,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    require(actor, Permission::ManageNotifications)?;
    let mut tx = state.db.begin().await?;
    let before = tx.robot(id).await?;
    tx.set_robot_enabled(id, enabled, now).await?;
    tx.audit(&NewAuditEntry {
        entity: "notify_robot",
        entity_id: id,
        action: "update".into(),
        actor_id: Some(actor.id),
        at: now,
        note: None,
        before: json!({ "enabled": before.enabled }),
        after: json!({ "enabled": enabled }),
    })
    .await?;
    tx.commit().await
}

/// Remove a robot (messages still waiting for it are dropped when their turn comes).
pub async fn remove_robot(
    state: &AppState,
    actor: &User,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    require(actor, Permission::ManageNotifications)?;
    let mut tx = state.db.begin().await?;
    let before = tx.robot(id).await?;
    tx.delete_robot(id).await?;
    tx.audit(&NewAuditEntry {
        entity: "notify_robot",
        entity_id: id,
        action: "delete".into(),
        actor_id: Some(actor.id),
        at: now,
        note: None,
        before: robot_view(&before),
        after: Value::Null,
    })
    .await?;
    tx.commit().await
}

fn test_subject(actor: &User) -> String {
    format!("Sanbao 测试消息 / test message ({})", actor.display_name)
}

/// Enqueue a test e-mail to `to` (checked as an address).
pub async fn test_mail(
    state: &AppState,
    actor: &User,
    to: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    require(actor, Permission::ManageNotifications)?;
    let to = sanbao_domain::text::email(to).map_err(|p| Error::field("to", p))?;
    if state.db.mail_settings().await?.is_none() {
        return Err(Error::field("host", sanbao_domain::Problem::required()));
    }
    let m = EmailMessage {
        to,
        user_id: None,
        subject: test_subject(actor),
        body: Some("这是一封测试邮件。This is a test message.".into()),
        link: Some("/inbox".into()),
    };
    let key = format!("test:email:{}:{}", actor.id.0, now.timestamp_millis());
    super::outbox::enqueue(state, &email_message(&m, Some(key), now), now)
        .await
        .map(|_| ())
}

/// Enqueue a test message to robot `id`.
pub async fn test_robot(
    state: &AppState,
    actor: &User,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    require(actor, Permission::ManageNotifications)?;
    if state.db.robot_for_sending(id).await?.is_none() {
        return Err(Error::NotFound("robot"));
    }
    let m = WebhookMessage {
        robot_id: id,
        subject: test_subject(actor),
        body: Some("这是一条测试消息。This is a test message.".into()),
        link: Some("/inbox".into()),
    };
    let key = format!("test:webhook:{id}:{}", now.timestamp_millis());
    super::outbox::enqueue(state, &webhook_message(&m, Some(key), now), now)
        .await
        .map(|_| ())
}

/// Send the actor a test notice through [`super::notify::notify`], as the deadline watcher
/// would: their inbox, their mail and their own robots.
pub async fn test_notice(
    state: &AppState,
    actor: &User,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    require(actor, Permission::ManageNotifications)?;
    let notice = super::notify::Notice {
        subject: test_subject(actor),
        body: Some("这是一条测试提醒。This is a test notice.".into()),
        link: Some("/settings/notifications".into()),
        urgent: false,
    };
    let key = format!("test:notice:{}:{}", actor.id.0, now.timestamp_millis());
    let mut tx = state.db.begin().await?;
    let n = super::notify::notify(&mut tx, &[actor.id], &notice, &key, now).await?;
    tx.commit().await?;
    Ok(n)
}
