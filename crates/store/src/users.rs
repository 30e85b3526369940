//! Accounts, sessions and failed sign-ins.

use crate::{Db, at, db_err, internal, ms, read, write};
use chrono::{DateTime, Utc};
use sanbao_domain::user::{LoginFailure, NewUser, Session, User};
use sanbao_domain::{Error, Role, UserId};
use tracing::instrument;

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    active: bool,
    created_at: i64,
    version: i64,
}

const USER_COLS: &str = "id, username, display_name, role, active, created_at, version";

impl TryFrom<UserRow> for User {
    type Error = Error;
    fn try_from(r: UserRow) -> Result<User, Error> {
        Ok(User {
            id: UserId(r.id),
            role: crate::parse("role", &r.role, Role::parse)?,
            username: r.username,
            display_name: r.display_name,
            active: r.active,
            created_at: at(r.created_at),
            version: r.version,
        })
    }
}

impl Db {
    #[instrument(skip_all, fields(username = %user.username))]
    pub async fn create_user(
        &self,
        user: &NewUser,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<User, Error> {
        let sql = format!(
            "INSERT INTO users (username, display_name, role, password_hash, active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {USER_COLS}"
        );
        let row: UserRow = write!(self, p => sqlx::query_as(&sql)
            .bind(&user.username)
            .bind(&user.display_name)
            .bind(user.role.as_str())
            .bind(password_hash)
            .bind(true)
            .bind(ms(now))
            .fetch_one(p)
            .await
            .map_err(db_err))?;
        row.try_into()
    }

    #[instrument(skip_all, fields(%id))]
    pub async fn user(&self, id: UserId) -> Result<Option<User>, Error> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
        let row: Option<UserRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(id.0)
            .fetch_optional(p)
            .await
            .map_err(internal))?;
        row.map(TryInto::try_into).transpose()
    }

    /// The account and its password hash, for signing in.
    #[instrument(skip_all)]
    pub async fn user_for_login(&self, username: &str) -> Result<Option<(User, String)>, Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let sql = format!("SELECT {USER_COLS}, password_hash FROM users WHERE username = $1");
        let row: Option<Row> = read!(self, p => sqlx::query_as(&sql)
            .bind(username)
            .fetch_optional(p)
            .await
            .map_err(internal))?;
        row.map(|r| Ok((r.user.try_into()?, r.password_hash)))
            .transpose()
    }

    /// All accounts, by name; `role` narrows to one role.
    #[instrument(skip_all)]
    pub async fn users(&self, role: Option<Role>) -> Result<Vec<User>, Error> {
        let sql = format!(
            "SELECT {USER_COLS} FROM users WHERE ($1 = '' OR role = $1) ORDER BY display_name, id"
        );
        let rows: Vec<UserRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(role.map_or("", Role::as_str))
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    pub async fn count_users(&self) -> Result<i64, Error> {
        read!(self, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users")
            .fetch_one(p)
            .await
            .map_err(internal))
    }

    #[instrument(skip_all, fields(%id))]
    pub async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let n = write!(self, p => sqlx::query(
            "UPDATE users SET password_hash = $1, updated_at = $2, version = version + 1 WHERE id = $3")
            .bind(password_hash)
            .bind(ms(now))
            .bind(id.0)
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(internal))?;
        if n == 0 {
            return Err(Error::NotFound("user"));
        }
        Ok(())
    }

    #[instrument(skip_all, fields(user_id = %s.user_id))]
    pub async fn create_session(&self, s: &Session) -> Result<(), Error> {
        write!(self, p => sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)")
            .bind(&s.token_hash)
            .bind(s.user_id.0)
            .bind(&s.csrf_token)
            .bind(ms(s.created_at))
            .bind(ms(s.expires_at))
            .execute(p)
            .await
            .map(|_| ())
            .map_err(db_err))
    }

    /// The live session with this token hash and its active user.
    #[instrument(skip_all)]
    pub async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, User)>, Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            csrf_token: String,
            s_created_at: i64,
            expires_at: i64,
        }
        let row: Option<Row> = read!(self, p => sqlx::query_as(
            "SELECT u.id, u.username, u.display_name, u.role, u.active, u.created_at, u.version,
                    s.csrf_token, s.created_at AS s_created_at, s.expires_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = $3")
            .bind(token_hash)
            .bind(ms(now))
            .bind(true)
            .fetch_optional(p)
            .await
            .map_err(internal))?;
        let Some(r) = row else { return Ok(None) };
        let user: User = r.user.try_into()?;
        Ok(Some((
            Session {
                token_hash: token_hash.to_string(),
                user_id: user.id,
                csrf_token: r.csrf_token,
                created_at: at(r.s_created_at),
                expires_at: at(r.expires_at),
            },
            user,
        )))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), Error> {
        write!(self, p => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(internal))
    }

    /// Forget expired sessions; returns how many.
    pub async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, Error> {
        write!(self, p => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(ms(now))
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(internal))
    }

    pub async fn login_failure(&self, username: &str) -> Result<Option<LoginFailure>, Error> {
        let row: Option<(i64, i64)> = read!(self, p => sqlx::query_as(
            "SELECT failures, last_failed_at FROM login_failures WHERE username = $1")
            .bind(username)
            .fetch_optional(p)
            .await
            .map_err(internal))?;
        Ok(row.map(|(failures, last)| LoginFailure {
            failures,
            last_failed_at: at(last),
        }))
    }

    /// Count one more failure; a run older than `window_start` starts again at one.
    pub async fn record_login_failure(
        &self,
        username: &str,
        now: DateTime<Utc>,
        window_start: DateTime<Utc>,
    ) -> Result<i64, Error> {
        write!(self, p => sqlx::query_scalar::<_, i64>(
            "INSERT INTO login_failures (username, failures, last_failed_at) VALUES ($1, 1, $2)
             ON CONFLICT (username) DO UPDATE SET
               failures = CASE WHEN login_failures.last_failed_at < $3 THEN 1
                               ELSE login_failures.failures + 1 END,
               last_failed_at = $2
             RETURNING failures")
            .bind(username)
            .bind(ms(now))
            .bind(ms(window_start))
            .fetch_one(p)
            .await
            .map_err(internal))
    }

    pub async fn clear_login_failures(&self, username: &str) -> Result<(), Error> {
        write!(self, p => sqlx::query("DELETE FROM login_failures WHERE username = $1")
            .bind(username)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(internal))
    }
}
