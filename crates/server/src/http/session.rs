//! Who is calling: a bearer token (API) or the session cookie (pages). The check itself is
//! the use case [`crate::app::sessions::current`].

use crate::app::{self, AppState};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use sanbao_domain::Error;
use sanbao_domain::user::{Session, User};

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
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(name)
        .map(|c| c.value().to_string())
}

/// The token the request carries: bearer first, else the session cookie.
pub fn token(headers: &HeaderMap) -> Option<(String, bool)> {
    match bearer(headers) {
        Some(t) => Some((t.to_string(), false)),
        None => cookie(headers, SESSION_COOKIE).map(|t| (t, true)),
    }
}

/// Look up the caller's session (cached per request in the extensions).
pub async fn current(parts: &mut Parts, state: &AppState) -> Result<Option<Current>, Error> {
    if let Some(c) = parts.extensions.get::<Current>() {
        return Ok(Some(c.clone()));
    }
    let Some((token, by_cookie)) = token(&parts.headers) else {
        return Ok(None);
    };
    let found = app::sessions::current(state, &token).await?;
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
    Cookie::build((SESSION_COOKIE, token.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(time_secs(max_age_secs))
        .secure(secure)
        .build()
        .to_string()
}

fn time_secs(secs: i64) -> cookie::time::Duration {
    cookie::time::Duration::seconds(secs)
}
