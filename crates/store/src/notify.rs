//! Where notifications go: the in-app inbox as its person reads it, people's e-mail
//! addresses, the mail server's settings and the chat robots. Secrets (the mail password, a
//! robot's signing secret) are written here and read back only by the senders
//! ([`Db::mail_for_sending`], [`Db::robot_for_sending`]); every other read says only
//! whether one is set.

use crate::{Db, Tx, at, db_err, internal, ms, on_tx, parse, read, write};
use chrono::{DateTime, Utc};
use sanbao_domain::notify::{
    InboxEntry, MailSettings, Robot, RobotInput, RobotKind, Secret, SmtpSecurity,
};
use sanbao_domain::{Error, UserId};
use tracing::instrument;

type InboxRow = (
    i64,
    Option<i64>,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
);

fn inbox_entry(r: InboxRow) -> InboxEntry {
    let (id, outbox_id, subject, body, link, created, read_at) = r;
    InboxEntry {
        id,
        outbox_id,
        subject,
        body,
        link,
        created_at: at(created),
        read_at: read_at.map(at),
    }
}

#[derive(sqlx::FromRow)]
struct MailRow {
    host: String,
    port: i64,
    security: String,
    username: Option<String>,
    password: Option<String>,
    from_address: String,
    enabled: bool,
    site_url: Option<String>,
}

impl MailRow {
    fn split(self) -> Result<(MailSettings, Option<Secret>), Error> {
        Ok((
            MailSettings {
                host: self.host,
                port: u16::try_from(self.port).map_err(|_| crate::corrupt("port", "range"))?,
                security: parse("security", &self.security, SmtpSecurity::parse)?,
                username: self.username,
                password_set: self.password.is_some(),
                from_address: self.from_address,
                enabled: self.enabled,
                site_url: self.site_url,
            },
            self.password.map(Secret::new),
        ))
    }
}

const MAIL_COLS: &str = "host, port, security, username, password, from_address, enabled, site_url";

#[derive(sqlx::FromRow)]
struct RobotRow {
    id: i64,
    kind: String,
    name: String,
    url: String,
    secret: Option<String>,
    user_id: Option<i64>,
    enabled: bool,
}

impl RobotRow {
    fn split(self) -> Result<(Robot, Option<Secret>), Error> {
        Ok((
            Robot {
                id: self.id,
                kind: parse("robot kind", &self.kind, RobotKind::parse)?,
                name: self.name,
                url: self.url,
                secret_set: self.secret.is_some(),
                user_id: self.user_id.map(UserId),
                enabled: self.enabled,
            },
            self.secret.map(Secret::new),
        ))
    }
}

const ROBOT_COLS: &str = "id, kind, name, url, secret, user_id, enabled";

impl Db {
    /// A person's in-app messages, newest first, older than `before` (an id) when given.
    #[instrument(skip_all, fields(user = user.0))]
    pub async fn inbox_page(
        &self,
        user: UserId,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<InboxEntry>, Error> {
        let rows: Vec<InboxRow> = read!(self, p => sqlx::query_as(
            "SELECT id, outbox_id, subject, body, link, created_at, read_at FROM inbox_messages
             WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3")
            .bind(user.0)
            .bind(before.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        Ok(rows.into_iter().map(inbox_entry).collect())
    }

    /// How many of a person's messages are unread (one indexed count: every page asks).
    pub async fn inbox_unread(&self, user: UserId) -> Result<i64, Error> {
        read!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM inbox_messages WHERE user_id = $1 AND read_at IS NULL")
            .bind(user.0)
            .fetch_one(p)
            .await
            .map_err(internal))
    }

    /// One of a person's messages; `None` when it is not theirs or does not exist.
    pub async fn inbox_message(&self, user: UserId, id: i64) -> Result<Option<InboxEntry>, Error> {
        let row: Option<InboxRow> = read!(self, p => sqlx::query_as(
            "SELECT id, outbox_id, subject, body, link, created_at, read_at FROM inbox_messages
             WHERE user_id = $1 AND id = $2")
            .bind(user.0)
            .bind(id)
            .fetch_optional(p)
            .await
            .map_err(internal))?;
        Ok(row.map(inbox_entry))
    }

    /// Mark one of a person's messages read (kept at the first reading). False when it is
    /// not theirs.
    pub async fn inbox_mark_read(
        &self,
        user: UserId,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let n = write!(self, p => sqlx::query(
            "UPDATE inbox_messages SET read_at = COALESCE(read_at, $1) WHERE user_id = $2 AND id = $3")
            .bind(ms(now))
            .bind(user.0)
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(internal))?;
        Ok(n == 1)
    }

    /// Mark all of a person's messages read; returns how many were unread.
    pub async fn inbox_mark_all_read(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<u64, Error> {
        write!(self, p => sqlx::query(
            "UPDATE inbox_messages SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(ms(now))
            .bind(user.0)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(internal))
    }

    /// A person's e-mail address.
    pub async fn user_email(&self, user: UserId) -> Result<Option<String>, Error> {
        let row: Option<Option<String>> = read!(self, p => sqlx::query_scalar(
            "SELECT email FROM users WHERE id = $1")
            .bind(user.0)
            .fetch_optional(p)
            .await
            .map_err(internal))?;
        row.ok_or(Error::NotFound("user"))
    }

    /// Every account's e-mail address, by id.
    pub async fn user_emails(&self) -> Result<Vec<(UserId, Option<String>)>, Error> {
        let rows: Vec<(i64, Option<String>)> = read!(self, p => sqlx::query_as(
            "SELECT id, email FROM users ORDER BY id")
            .fetch_all(p)
            .await
            .map_err(internal))?;
        Ok(rows.into_iter().map(|(id, e)| (UserId(id), e)).collect())
    }

    /// The mail settings as a page shows them (no password).
    pub async fn mail_settings(&self) -> Result<Option<MailSettings>, Error> {
        Ok(self.mail_for_sending().await?.map(|(s, _)| s))
    }

    /// The mail settings with the password, for the sender only.
    pub async fn mail_for_sending(&self) -> Result<Option<(MailSettings, Option<Secret>)>, Error> {
        let sql = format!("SELECT {MAIL_COLS} FROM notify_mail WHERE id = 1");
        let row: Option<MailRow> = read!(self, p => sqlx::query_as(&sql)
            .fetch_optional(p)
            .await
            .map_err(internal))?;
        row.map(MailRow::split).transpose()
    }

    /// Every robot, the department's first, then by name.
    pub async fn robots(&self) -> Result<Vec<Robot>, Error> {
        let sql = format!(
            "SELECT {ROBOT_COLS} FROM notify_robots ORDER BY (user_id IS NOT NULL), name, id"
        );
        let rows: Vec<RobotRow> = read!(self, p => sqlx::query_as(&sql)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter()
            .map(|r| r.split().map(|(r, _)| r))
            .collect()
    }

    /// A robot with its secret, for the sender only.
    pub async fn robot_for_sending(
        &self,
        id: i64,
    ) -> Result<Option<(Robot, Option<Secret>)>, Error> {
        let sql = format!("SELECT {ROBOT_COLS} FROM notify_robots WHERE id = $1");
        let row: Option<RobotRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(p)
            .await
            .map_err(internal))?;
        row.map(RobotRow::split).transpose()
    }

    /// Keep a claimed outbox message this runner's until `until`, if it still holds it:
    /// called before a delivery that leaves the database, so that no other runner takes
    /// the message over while it is being sent. False when the lease was lost.
    pub async fn renew_outbox_lease(
        &self,
        id: i64,
        holder: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let n = write!(self, p => sqlx::query(
            "UPDATE outbox SET locked_until = $1 WHERE id = $2 AND locked_by = $3 AND sent_at IS NULL")
            .bind(ms(until))
            .bind(id)
            .bind(holder)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(internal))?;
        Ok(n == 1)
    }
}

impl Tx {
    /// Whether mail can be sent: the server is configured and enabled.
    pub async fn mail_enabled(&mut self) -> Result<bool, Error> {
        let row: Option<bool> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT enabled FROM notify_mail WHERE id = 1")
            .fetch_optional(c)
            .await
            .map_err(internal))?;
        Ok(row.unwrap_or(false))
    }

    /// The e-mail addresses of those of `users` who have one.
    pub async fn emails_of(&mut self, users: &[UserId]) -> Result<Vec<(UserId, String)>, Error> {
        let mut out = Vec::new();
        for u in users {
            let e: Option<Option<String>> = on_tx!(self, c => sqlx::query_scalar(
                "SELECT email FROM users WHERE id = $1 AND active = $2")
                .bind(u.0)
                .bind(true)
                .fetch_optional(c)
                .await
                .map_err(internal))?;
            if let Some(Some(e)) = e {
                out.push((*u, e));
            }
        }
        Ok(out)
    }

    /// The enabled robots of `users`, and the department's (`user_id` `None`).
    pub async fn robots_of(&mut self, users: &[UserId]) -> Result<Vec<Robot>, Error> {
        let sql = format!("SELECT {ROBOT_COLS} FROM notify_robots WHERE enabled = $1 ORDER BY id");
        let rows: Vec<RobotRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(true)
            .fetch_all(c)
            .await
            .map_err(internal))?;
        let mut out = Vec::new();
        for r in rows {
            let (robot, _) = r.split()?;
            if robot.user_id.is_none_or(|u| users.contains(&u)) {
                out.push(robot);
            }
        }
        Ok(out)
    }

    /// Set a person's e-mail address; returns the one it replaces.
    pub async fn set_user_email(
        &mut self,
        user: UserId,
        email: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, Error> {
        let before: Option<Option<String>> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT email FROM users WHERE id = $1")
            .bind(user.0)
            .fetch_optional(c)
            .await
            .map_err(internal))?;
        let Some(before) = before else {
            return Err(Error::NotFound("user"));
        };
        on_tx!(self, c => sqlx::query(
            "UPDATE users SET email = $1, updated_at = $2, version = version + 1 WHERE id = $3")
            .bind(email)
            .bind(ms(now))
            .bind(user.0)
            .execute(c)
            .await
            .map(|_| ())
            .map_err(db_err))?;
        Ok(before)
    }

    /// Store the mail settings; `password: None` keeps the stored one.
    pub async fn save_mail_settings(
        &mut self,
        s: &MailSettings,
        password: Option<&Secret>,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        on_tx!(self, c => sqlx::query(
            "INSERT INTO notify_mail (id, host, port, security, username, password, from_address, enabled, site_url, updated_at)
             VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (id) DO UPDATE SET host = $1, port = $2, security = $3, username = $4,
               password = COALESCE($5, notify_mail.password), from_address = $6, enabled = $7,
               site_url = $8, updated_at = $9")
            .bind(&s.host)
            .bind(i64::from(s.port))
            .bind(s.security.as_str())
            .bind(&s.username)
            .bind(password.map(Secret::expose))
            .bind(&s.from_address)
            .bind(s.enabled)
            .bind(&s.site_url)
            .bind(ms(now))
            .execute(c)
            .await
            .map(|_| ())
            .map_err(db_err))
    }

    pub async fn insert_robot(
        &mut self,
        r: &RobotInput,
        now: DateTime<Utc>,
    ) -> Result<Robot, Error> {
        let sql = format!(
            "INSERT INTO notify_robots (kind, name, url, secret, user_id, enabled, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING {ROBOT_COLS}"
        );
        let row: RobotRow = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(r.kind.as_str())
            .bind(&r.name)
            .bind(&r.url)
            .bind(r.secret.as_ref().map(Secret::expose))
            .bind(r.user_id.map(|u| u.0))
            .bind(r.enabled)
            .bind(ms(now))
            .fetch_one(c)
            .await
            .map_err(db_err))?;
        row.split().map(|(r, _)| r)
    }

    /// A robot as it is now (for the audit's "before"), without its secret.
    pub async fn robot(&mut self, id: i64) -> Result<Robot, Error> {
        let sql = format!("SELECT {ROBOT_COLS} FROM notify_robots WHERE id = $1");
        let row: Option<RobotRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(c)
            .await
            .map_err(internal))?;
        row.ok_or(Error::NotFound("robot"))?.split().map(|(r, _)| r)
    }

    pub async fn set_robot_enabled(
        &mut self,
        id: i64,
        enabled: bool,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        on_tx!(self, c => sqlx::query(
            "UPDATE notify_robots SET enabled = $1, updated_at = $2 WHERE id = $3")
            .bind(enabled)
            .bind(ms(now))
            .bind(id)
            .execute(c)
            .await
            .map(|_| ())
            .map_err(internal))
    }

    pub async fn delete_robot(&mut self, id: i64) -> Result<(), Error> {
        on_tx!(self, c => sqlx::query("DELETE FROM notify_robots WHERE id = $1")
            .bind(id)
            .execute(c)
            .await
            .map(|_| ())
            .map_err(internal))
    }
}
