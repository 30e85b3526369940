//! Accounts: staff of the service department and, later, customers of the portal.

use crate::error::{Error, FieldErrors, Problem};
use crate::ids::UserId;
use crate::role::Role;
use crate::text;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

/// A signed-in session: web (cookie + CSRF token) or API (bearer token). Only the token's
/// hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Failed sign-ins in a row for a user name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailure {
    pub failures: i64,
    pub last_failed_at: DateTime<Utc>,
}

pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 128;

/// A sign-in name: 2 to 32 of `a-z 0-9 . _ -`, stored in lower case.
pub fn username(s: &str) -> Result<String, Problem> {
    let t = s.trim().to_ascii_lowercase();
    if t.is_empty() {
        return Err(Problem::required());
    }
    if !(2..=32).contains(&t.len())
        || !t
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        return Err(Problem::invalid(
            "2 to 32 letters, digits, dots, dashes or underscores",
        ));
    }
    Ok(t)
}

/// A new password: long enough to resist guessing, short enough to hash quickly.
pub fn password(s: &str) -> Result<(), Problem> {
    let n = s.chars().count();
    if n < PASSWORD_MIN {
        return Err(Problem::new(
            "too_short",
            format!("must be at least {PASSWORD_MIN} characters"),
        ));
    }
    if n > PASSWORD_MAX {
        return Err(Problem::too_long(PASSWORD_MAX));
    }
    Ok(())
}

/// A new account, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

impl NewUser {
    pub fn parse(
        username_in: &str,
        display_name: &str,
        role: &str,
        password_in: &str,
    ) -> Result<NewUser, Error> {
        let mut errs = FieldErrors::new();
        let username = errs.take("username", username(username_in));
        let display_name = errs.take("display_name", text::required(display_name, 100));
        let role = errs.take(
            "role",
            Role::parse(role.trim()).ok_or_else(|| Problem::invalid("not a known role")),
        );
        errs.take("password", password(password_in));
        match (username, display_name, role) {
            (Some(username), Some(display_name), Some(role)) if errs.is_empty() => Ok(NewUser {
                username,
                display_name,
                role,
            }),
            _ => Err(Error::Validation(errs)),
        }
    }
}

/// R1.4 / security: after this many failed sign-ins in a row, each further attempt waits.
pub const FREE_LOGIN_FAILURES: i64 = 5;

/// How long a name is locked after `failures` failed sign-ins in a row: nothing for the
/// first few, then 2 s doubling up to 15 minutes.
pub fn login_lockout_secs(failures: i64) -> i64 {
    if failures < FREE_LOGIN_FAILURES {
        return 0;
    }
    let steps = (failures - FREE_LOGIN_FAILURES).min(10);
    (2_i64 << steps).min(15 * 60)
}

/// Failed sign-ins older than this no longer count.
pub const LOGIN_FAILURE_WINDOW: chrono::Duration = chrono::Duration::minutes(15);

impl LoginFailure {
    /// Seconds to wait before the next attempt may be checked, if the name is locked now.
    pub fn retry_after_secs(&self, now: DateTime<Utc>) -> Option<i64> {
        let until =
            self.last_failed_at + chrono::Duration::seconds(login_lockout_secs(self.failures));
        (self.last_failed_at > now - LOGIN_FAILURE_WINDOW && until > now)
            .then(|| (until - now).num_seconds().max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_locked_only_within_the_window_and_after_free_failures() {
        let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let f = |failures, secs_ago| LoginFailure {
            failures,
            last_failed_at: now - chrono::Duration::seconds(secs_ago),
        };
        assert_eq!(f(4, 0).retry_after_secs(now), None);
        assert_eq!(f(5, 0).retry_after_secs(now), Some(2));
        assert_eq!(f(5, 1).retry_after_secs(now), Some(1));
        assert_eq!(f(5, 2).retry_after_secs(now), None);
        assert_eq!(f(15, 60).retry_after_secs(now), Some(15 * 60 - 60));
        assert_eq!(f(15, 16 * 60).retry_after_secs(now), None);
    }

    #[test]
    fn usernames() {
        assert_eq!(username(" Wang.Li "), Ok("wang.li".into()));
        for bad in ["", "a", "王丽", "has space", &"x".repeat(33)] {
            assert!(username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn new_user_names_every_bad_field() {
        let Err(Error::Validation(f)) = NewUser::parse("", "", "boss", "short") else {
            panic!()
        };
        let keys: Vec<&str> = f.0.keys().map(String::as_str).collect();
        assert_eq!(keys, ["display_name", "password", "role", "username"]);
        assert!(NewUser::parse("clerk", "前台小王", "service_clerk", "correct horse").is_ok());
    }

    #[test]
    fn failed_logins_are_slowed_progressively() {
        let table = [
            (0, 0),
            (4, 0),
            (5, 2),
            (6, 4),
            (7, 8),
            (12, 256),
            (14, 900),
            (100, 900),
        ];
        for (failures, secs) in table {
            assert_eq!(login_lockout_secs(failures), secs, "{failures}");
        }
    }
}
