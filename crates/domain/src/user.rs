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

/// Passwords too common to keep anyone out: the first ones tried by any guesser, and the
/// ones people here are known to pick. Compared without case and spaces.
const COMMON_PASSWORDS: &[&str] = &[
    "00000000",
    "11111111",
    "12341234",
    "12344321",
    "123123123",
    "12345678",
    "123456789",
    "1234567890",
    "123456abc",
    "1q2w3e4r",
    "1qaz2wsx",
    "5201314520",
    "66666666",
    "87654321",
    "88888888",
    "99999999",
    "a1234567",
    "a12345678",
    "a1b2c3d4",
    "aa123456",
    "abc12345",
    "abc123456",
    "abcd1234",
    "admin123",
    "admin1234",
    "administrator",
    "asdfghjkl",
    "changeme",
    "dragon123",
    "football",
    "iloveyou",
    "letmein1",
    "passw0rd",
    "password",
    "password1",
    "password123",
    "qazwsxedc",
    "qwer1234",
    "qwerty12",
    "qwerty123",
    "qwertyui",
    "sanbao123",
    "sanbao2026",
    "sunshine",
    "superman",
    "trustno1",
    "welcome1",
    "woaini1314",
    "zxcvbnm1",
    "zxcvbnm123",
];

/// A new password: long enough to resist guessing, short enough to hash quickly, not the
/// account's name and not one of the passwords every guesser tries first.
pub fn password(s: &str, username: &str) -> Result<(), Problem> {
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
    let plain: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let name = username.trim().to_lowercase();
    if !name.is_empty() && (plain == name || plain.contains(&name) && plain.len() < name.len() + 4)
    {
        return Err(Problem::new(
            "same_as_name",
            "must not be the user name, or the user name with a few characters added",
        ));
    }
    let one_char = plain.chars().all(|c| plain.starts_with(c));
    if one_char || COMMON_PASSWORDS.contains(&plain.as_str()) {
        return Err(Problem::new(
            "too_common",
            "one of the passwords guessed first; choose another",
        ));
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
        errs.take("password", password(password_in, username_in));
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

/// What an administrator changes on an account: its name, role, whether it may sign in,
/// and a new password. Each field left out stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChange {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// Set by the administrator (the person is told it, and changes it after signing in).
    pub password: Option<String>,
}

impl UserChange {
    /// Check what was sent, naming each bad field.
    pub fn parse(
        target: &User,
        display_name: Option<&str>,
        role: Option<&str>,
        active: Option<bool>,
        password_in: Option<&str>,
    ) -> Result<UserChange, Error> {
        let mut errs = FieldErrors::new();
        let display_name =
            display_name.and_then(|d| errs.take("display_name", text::required(d, 100)));
        let role = role.and_then(|r| {
            errs.take(
                "role",
                Role::parse(r.trim()).ok_or_else(|| Problem::invalid("not a known role")),
            )
        });
        let password = password_in.and_then(|p| {
            errs.take("password", password(p, &target.username))
                .map(|()| p.to_string())
        });
        if !errs.is_empty() {
            return Err(Error::Validation(errs));
        }
        Ok(UserChange {
            display_name,
            role,
            active,
            password,
        })
    }

    /// Whether saving it changes the account: a password set always does; the same name,
    /// role and state sent back do not.
    pub fn changes(&self, before: &User) -> bool {
        self.password.is_some() || self.apply(before) != *before
    }

    /// The account as it will be.
    pub fn apply(&self, u: &User) -> User {
        User {
            display_name: self
                .display_name
                .clone()
                .unwrap_or_else(|| u.display_name.clone()),
            role: self.role.unwrap_or(u.role),
            active: self.active.unwrap_or(u.active),
            ..u.clone()
        }
    }

    /// Whether the account's sessions must end: it may no longer sign in, its password
    /// was reset, or its role changed (what it may do changes at once, not at its next
    /// sign-in).
    pub fn ends_sessions(&self, before: &User) -> bool {
        let after = self.apply(before);
        self.password.is_some() || after.role != before.role || (before.active && !after.active)
    }

    /// An administrator may not lock themselves out, and the last active administrator
    /// stays one: `active_admins` counts the active administrators before the change.
    pub fn check(&self, actor: &User, before: &User, active_admins: i64) -> Result<(), Error> {
        let after = self.apply(before);
        let loses_admin = before.role == Role::Admin
            && before.active
            && !(after.role == Role::Admin && after.active);
        if loses_admin && actor.id == before.id {
            let field = if after.active { "role" } else { "active" };
            return Err(Error::field(
                field,
                Problem::new("last_admin", "you cannot take away your own administration"),
            ));
        }
        if loses_admin && active_admins <= 1 {
            let field = if after.active { "role" } else { "active" };
            return Err(Error::field(
                field,
                Problem::new("last_admin", "the last active administrator must stay one"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn r1_4_password_rules_table() {
        let table: [(&str, &str, Option<&str>); 12] = [
            ("correct horse", "wang", None),
            ("short", "wang", Some("too_short")),
            ("wang.li.ok", "wang.li", Some("same_as_name")),
            ("WANG.LI", "wang.li", Some("too_short")),
            ("Wang.Li1", "wang.li", Some("same_as_name")),
            ("my wang.li password", "wang.li", None),
            ("password", "wang", Some("too_common")),
            ("Pass Word", "wang", Some("too_common")),
            ("12345678", "wang", Some("too_common")),
            ("zzzzzzzzzz", "wang", Some("too_common")),
            ("电力设备售后服务", "wang", None),
            ("x", "wang", Some("too_short")),
        ];
        for (pw, name, code) in table {
            assert_eq!(password(pw, name).err().map(|p| p.code), code, "{pw}");
        }
        assert_eq!(
            password(&"a".repeat(129), "wang").err().map(|p| p.code),
            Some("too_long")
        );
    }

    fn someone(id: i64, role: Role) -> User {
        User {
            id: UserId(id),
            username: format!("u{id}"),
            display_name: format!("U{id}"),
            role,
            active: true,
            created_at: DateTime::<Utc>::from_timestamp(0, 0).unwrap_or_default(),
            version: 1,
        }
    }

    #[test]
    fn r1_4_administrators_cannot_lock_the_department_out() {
        let admin = someone(1, Role::Admin);
        let other_admin = someone(2, Role::Admin);
        let clerk = someone(3, Role::ServiceClerk);
        let off = UserChange {
            active: Some(false),
            ..UserChange::default()
        };
        let demote = UserChange {
            role: Some(Role::ServiceManager),
            ..UserChange::default()
        };
        let field = |r: Result<(), Error>| match r {
            Err(Error::Validation(f)) => f.0.keys().next().cloned(),
            _ => None,
        };
        // (change, target, active admins, field refused)
        let table = [
            (&off, &admin, 2, Some("active")),
            (&demote, &admin, 2, Some("role")),
            (&off, &other_admin, 2, None),
            (&off, &other_admin, 1, Some("active")),
            (&demote, &other_admin, 1, Some("role")),
            (&off, &clerk, 1, None),
            (&demote, &clerk, 1, None),
        ];
        for (change, target, admins, refused) in table {
            assert_eq!(
                field(change.check(&admin, target, admins)).as_deref(),
                refused,
                "{change:?} {} {admins}",
                target.id.0
            );
        }
    }

    #[test]
    fn r1_4_sessions_end_when_access_changes() {
        let u = someone(3, Role::ServiceClerk);
        let table = [
            (UserChange::default(), false),
            (
                UserChange {
                    display_name: Some("新名".into()),
                    ..UserChange::default()
                },
                false,
            ),
            (
                UserChange {
                    active: Some(true),
                    ..UserChange::default()
                },
                false,
            ),
            (
                UserChange {
                    active: Some(false),
                    ..UserChange::default()
                },
                true,
            ),
            (
                UserChange {
                    role: Some(Role::ServiceClerk),
                    ..UserChange::default()
                },
                false,
            ),
            (
                UserChange {
                    role: Some(Role::Technician),
                    ..UserChange::default()
                },
                true,
            ),
            (
                UserChange {
                    password: Some("new password".into()),
                    ..UserChange::default()
                },
                true,
            ),
        ];
        for (change, ends) in table {
            assert_eq!(change.ends_sessions(&u), ends, "{change:?}");
        }
        assert!(!UserChange::default().changes(&u));
        let same = UserChange {
            role: Some(u.role),
            active: Some(true),
            display_name: Some(u.display_name.clone()),
            password: None,
        };
        assert!(!same.changes(&u));
        let reset = UserChange {
            password: Some("new password".into()),
            ..UserChange::default()
        };
        assert!(reset.changes(&u));
        let bad = UserChange::parse(&u, Some(""), Some("boss"), None, Some("u3"));
        let Err(Error::Validation(f)) = bad else {
            panic!()
        };
        let keys: Vec<&str> = f.0.keys().map(String::as_str).collect();
        assert_eq!(keys, ["display_name", "password", "role"]);
    }
}
