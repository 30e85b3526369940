//! Accounts, sessions and the sign-in throttle.

use crate::{Db, Tx, at, db_err, internal, ms, on_tx, read, write};
use chrono::{DateTime, Utc};
use sanbao_domain::signin::{self, Counter, OnSuccess, Scope};
use sanbao_domain::user::{NewUser, Session, User};
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

/// One attempt taken back from a sign-in counter (never below zero).
const TAKE_BACK_ATTEMPT: &str =
    "UPDATE login_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0";

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
    /// Create an account in a transaction of its own (tests and tools; the application
    /// creates accounts through [`Tx::insert_user`], with their audit entry).
    pub async fn create_user(
        &self,
        user: &NewUser,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<User, Error> {
        let mut tx = self.begin().await?;
        let created = tx.insert_user(user, password_hash, now).await?;
        tx.commit().await?;
        Ok(created)
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

    /// Count a sign-in attempt against its counters, before its password is checked:
    /// `Err(secs)` (nothing counted) when one of them is locked. The counters are read and
    /// written in one transaction, row-locked on PostgreSQL (SQLite has one writer), so
    /// attempts sent at once are counted one after another and only the free ones pass.
    #[instrument(skip_all)]
    pub async fn claim_login_attempt(
        &self,
        keys: &[(Scope, String)],
        now: DateTime<Utc>,
    ) -> Result<Result<(), i64>, Error> {
        let mut tx = self.begin().await?;
        let mut counters = Vec::with_capacity(keys.len());
        for (scope, key) in keys {
            counters.push((*scope, tx.login_counter(key).await?));
        }
        if let Err(wait) = signin::admit(&counters, now) {
            tx.rollback().await?;
            return Ok(Err(wait));
        }
        for ((_, key), (_, counter)) in keys.iter().zip(&counters) {
            let next = Counter::after_attempt(*counter, now);
            on_tx!(&mut tx, c => sqlx::query(
                "UPDATE login_throttle SET failures = $1, last_at = $2 WHERE key = $3")
                .bind(next.failures)
                .bind(ms(next.last_at))
                .bind(key)
                .execute(c)
                .await
                .map(|_| ())
                .map_err(internal))?;
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// A sign-in succeeded: the name's counters start again; the address only takes this
    /// attempt back.
    pub async fn login_succeeded(&self, keys: &[(Scope, String)]) -> Result<(), Error> {
        let mut tx = self.begin().await?;
        for (scope, key) in keys {
            let sql = match scope.on_success() {
                OnSuccess::Clear => "DELETE FROM login_throttle WHERE key = $1",
                OnSuccess::TakeBack => TAKE_BACK_ATTEMPT,
            };
            on_tx!(&mut tx, c => sqlx::query(sql)
                .bind(key)
                .execute(c)
                .await
                .map(|_| ())
                .map_err(internal))?;
        }
        tx.commit().await
    }

    /// An attempt counted but never checked (the server was too busy): taken back from
    /// every counter.
    pub async fn take_back_login_attempt(&self, keys: &[(Scope, String)]) -> Result<(), Error> {
        let mut tx = self.begin().await?;
        for (_, key) in keys {
            on_tx!(&mut tx, c => sqlx::query(TAKE_BACK_ATTEMPT)
                .bind(key)
                .execute(c)
                .await
                .map(|_| ())
                .map_err(internal))?;
        }
        tx.commit().await
    }

    /// A throttle counter as it stands.
    pub async fn login_counter(&self, key: &str) -> Result<Option<Counter>, Error> {
        let row: Option<(i64, i64)> = read!(self, p => sqlx::query_as(
            "SELECT failures, last_at FROM login_throttle WHERE key = $1")
            .bind(key)
            .fetch_optional(p)
            .await
            .map_err(internal))?;
        Ok(row.map(|(failures, last)| Counter {
            failures,
            last_at: at(last),
        }))
    }

    /// Hear of sessions ended on other instances (PostgreSQL; `None` on SQLite, which
    /// one process serves). Listening has begun when this returns.
    pub async fn session_endings(&self) -> Result<Option<SessionEndings>, Error> {
        match self {
            Db::Sqlite(_) => Ok(None),
            Db::Postgres(pool) => {
                let mut l = sqlx::postgres::PgListener::connect_with(pool)
                    .await
                    .map_err(internal)?;
                l.listen(SESSIONS_ENDED).await.map_err(internal)?;
                Ok(Some(SessionEndings(l)))
            }
        }
    }

    /// Forget counters quiet since `before`; returns how many.
    pub async fn delete_stale_login_counters(&self, before: DateTime<Utc>) -> Result<u64, Error> {
        write!(self, p => sqlx::query("DELETE FROM login_throttle WHERE last_at <= $1")
            .bind(ms(before))
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(internal))
    }
}

/// The channel on which an account's ended sessions are announced.
const SESSIONS_ENDED: &str = "sanbao_sessions_ended";

/// What a listener heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heard {
    /// This account's sessions ended.
    User(UserId),
    /// The connection was lost and is made again: messages may have been missed.
    Missed,
}

/// A connection listening for ended sessions.
pub struct SessionEndings(sqlx::postgres::PgListener);

impl SessionEndings {
    pub async fn next(&mut self) -> Result<Heard, Error> {
        Ok(match self.0.try_recv().await.map_err(internal)? {
            Some(n) => n
                .payload()
                .parse::<i64>()
                .map_or(Heard::Missed, |id| Heard::User(UserId(id))),
            None => Heard::Missed,
        })
    }
}

impl Tx {
    /// Tell every instance, when this transaction commits, that an account's sessions
    /// ended (PostgreSQL `NOTIFY`; SQLite has one instance).
    pub async fn announce_sessions_ended(&mut self, user: UserId) -> Result<(), Error> {
        if let Tx::Postgres(c) = self {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(SESSIONS_ENDED)
                .bind(user.0.to_string())
                .execute(&mut **c)
                .await
                .map_err(internal)?;
        }
        Ok(())
    }

    /// The counter under `key`, made if missing and held (row-locked on PostgreSQL) until
    /// the transaction ends.
    async fn login_counter(&mut self, key: &str) -> Result<Option<Counter>, Error> {
        on_tx!(self, c => sqlx::query(
            "INSERT INTO login_throttle (key, failures, last_at) VALUES ($1, 0, 0)
             ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .execute(c)
            .await
            .map(|_| ())
            .map_err(internal))?;
        let sql = match self {
            Tx::Sqlite(_) => "SELECT failures, last_at FROM login_throttle WHERE key = $1",
            Tx::Postgres(_) => {
                "SELECT failures, last_at FROM login_throttle WHERE key = $1 FOR UPDATE"
            }
        };
        let (failures, last): (i64, i64) = on_tx!(self, c => sqlx::query_as(sql)
            .bind(key)
            .fetch_one(c)
            .await
            .map_err(internal))?;
        Ok((failures > 0).then(|| Counter {
            failures,
            last_at: at(last),
        }))
    }

    #[instrument(skip_all, fields(username = %user.username))]
    pub async fn insert_user(
        &mut self,
        user: &NewUser,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<User, Error> {
        let sql = format!(
            "INSERT INTO users (username, display_name, role, password_hash, active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {USER_COLS}"
        );
        let row: UserRow = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(&user.username)
            .bind(&user.display_name)
            .bind(user.role.as_str())
            .bind(password_hash)
            .bind(true)
            .bind(ms(now))
            .fetch_one(c)
            .await
            .map_err(db_err))?;
        row.try_into()
    }

    /// The account and its password hash, held (row-locked on PostgreSQL) until the
    /// transaction ends.
    pub async fn lock_user(&mut self, id: UserId) -> Result<Option<(User, String)>, Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: String,
        }
        let lock = match self {
            Tx::Sqlite(_) => "",
            Tx::Postgres(_) => " FOR UPDATE",
        };
        let sql = format!("SELECT {USER_COLS}, password_hash FROM users WHERE id = $1{lock}");
        let row: Option<Row> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.0)
            .fetch_optional(c)
            .await
            .map_err(internal))?;
        row.map(|r| Ok((r.user.try_into()?, r.password_hash)))
            .transpose()
    }

    /// Write an account's name, role and whether it may sign in (and its password hash
    /// when given), if it is still at `before.version`; 409 otherwise.
    #[instrument(skip_all, fields(id = %after.id))]
    pub async fn update_user(
        &mut self,
        before: &User,
        after: &User,
        password_hash: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<User, Error> {
        let sql = format!(
            "UPDATE users SET display_name = $1, role = $2, active = $3,
                    password_hash = COALESCE($4, password_hash), updated_at = $5,
                    version = version + 1
             WHERE id = $6 AND version = $7 RETURNING {USER_COLS}"
        );
        let row: Option<UserRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(&after.display_name)
            .bind(after.role.as_str())
            .bind(after.active)
            .bind(password_hash)
            .bind(ms(now))
            .bind(before.id.0)
            .bind(before.version)
            .fetch_optional(c)
            .await
            .map_err(db_err))?;
        match row {
            Some(r) => r.try_into(),
            None => Err(Error::Conflict(
                "the account changed since it was read".into(),
            )),
        }
    }

    /// Active administrators (the last one must stay).
    pub async fn count_active_admins(&mut self) -> Result<i64, Error> {
        on_tx!(self, c => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM users WHERE role = $1 AND active = $2")
            .bind(Role::Admin.as_str())
            .bind(true)
            .fetch_one(c)
            .await
            .map_err(internal))
    }

    /// End an account's sessions, all but the one whose token hash is `keep`; returns the
    /// token hashes ended (for the session caches).
    pub async fn delete_sessions_of(
        &mut self,
        user: UserId,
        keep: Option<&str>,
    ) -> Result<Vec<String>, Error> {
        on_tx!(self, c => sqlx::query_scalar::<_, String>(
            "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2 RETURNING token_hash")
            .bind(user.0)
            .bind(keep.unwrap_or(""))
            .fetch_all(c)
            .await
            .map_err(internal))
    }
}
