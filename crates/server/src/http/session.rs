//! Who is calling: a bearer token (API) or the session cookie (pages).

use crate::auth::token_hash;
use crate::state::AppState;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use chrono::Utc;
use sanbao_domain::Error;
use sanbao_domain::user::User;
use sanbao_store::Session;

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
    let found = state.db.session(&token_hash(&token), Utc::now()).await?;
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

/// `Set-Cookie` for the session cookie (HttpOnly, SameSite=Lax).
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}
