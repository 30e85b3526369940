//! Who is calling: a bearer token (API) or the session cookie (pages).

use crate::auth::token_hash;
use crate::state::AppState;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use chrono::Utc;
use sanbao_domain::Error;
use sanbao_domain::user::User;
use sanbao_store::Session;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "sanbao_session";

/// The session and its user, if the request carries a live one.
#[derive(Clone, Debug)]
pub struct Current {
    pub session: Session,
    pub user: User,
    /// Signed in by cookie (pages), so changes need the CSRF token.
    pub by_cookie: bool,
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The value of one cookie.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Look up the caller's session (cached per request in the extensions).
pub async fn current(parts: &mut Parts, state: &AppState) -> Result<Option<Current>, Error> {
    if let Some(c) = parts.extensions.get::<Current>() {
        return Ok(Some(c.clone()));
    }
    let (token, by_cookie) = match bearer(&parts.headers) {
        Some(t) => (t.to_string(), false),
        None => match cookie(&parts.headers, SESSION_COOKIE) {
            Some(t) => (t.to_string(), true),
            None => return Ok(None),
        },
    };
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let hash = token_hash(&token);
    let now = Utc::now();
    let found = match state.sessions.get(&hash, now) {
        Some(hit) => Some(hit),
        None => {
            let found = state.db.session(&hash, now).await?;
            if let Some((s, u)) = &found {
                state.sessions.put(s, u);
            }
            found
        }
    };
    Ok(found.map(|(session, user)| {
        let c = Current {
            session,
            user,
            by_cookie,
        };
        parts.extensions.insert(c.clone());
        c
    }))
}

/// Sessions checked in the last few seconds, so a burst of requests does not ask the
/// database each time. Signing out here forgets at once; a sign-out or a deactivated
/// account on another instance takes effect within [`SessionCache::TTL`].
#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, (Instant, Session, User)>>,
}

impl SessionCache {
    pub const TTL: Duration = Duration::from_secs(5);
    const MAX_ENTRIES: usize = 10_000;

    fn get(&self, hash: &str, now: chrono::DateTime<Utc>) -> Option<(Session, User)> {
        let entries = self.entries.lock().ok()?;
        let (at, s, u) = entries.get(hash)?;
        (at.elapsed() < Self::TTL && s.expires_at > now).then(|| (s.clone(), u.clone()))
    }

    fn put(&self, s: &Session, u: &User) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= Self::MAX_ENTRIES {
                entries.retain(|_, (at, _, _)| at.elapsed() < Self::TTL);
                if entries.len() >= Self::MAX_ENTRIES {
                    entries.clear();
                }
            }
            entries.insert(s.token_hash.clone(), (Instant::now(), s.clone(), u.clone()));
        }
    }

    pub fn forget(&self, hash: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(hash);
        }
    }
}

/// `Set-Cookie` for the session cookie (HttpOnly, SameSite=Lax).
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}
