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

/// The client's address, as the sign-in throttle counts it: the connection's peer, or,
/// behind a trusted reverse proxy, the last address it appended to `X-Forwarded-For`.
/// `unknown` when neither is known (a request made in-process).
pub fn client_address(parts: &Parts, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(addr) = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter_map(|a| a.parse::<std::net::IpAddr>().ok())
            .next_back()
    {
        return addr.to_string();
    }
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string())
}

/// The client's address (see [`client_address`]), as an extractor.
pub struct ClientAddress(pub String);

impl axum::extract::FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(client_address(
            parts,
            state.config.trust_proxy,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(forwarded: &[&str], peer: Option<&str>) -> Parts {
        let mut b = axum::http::Request::builder();
        for f in forwarded {
            b = b.header("x-forwarded-for", *f);
        }
        let (mut parts, ()) = b.body(()).unwrap_or_default().into_parts();
        if let Some(p) = peer {
            parts.extensions.insert(axum::extract::ConnectInfo(
                p.parse::<std::net::SocketAddr>().unwrap(),
            ));
        }
        parts
    }

    #[test]
    fn the_client_address_is_the_peer_unless_a_trusted_proxy_says_otherwise() {
        // (X-Forwarded-For headers, peer, trust the proxy, address counted)
        let table: [(&[&str], Option<&str>, bool, &str); 6] = [
            (&[], Some("10.1.2.3:5000"), false, "10.1.2.3"),
            (&["1.1.1.1"], Some("10.1.2.3:5000"), false, "10.1.2.3"),
            (
                &["6.6.6.6, 1.1.1.1"],
                Some("127.0.0.1:5000"),
                true,
                "1.1.1.1",
            ),
            (
                &["6.6.6.6", "2.2.2.2"],
                Some("127.0.0.1:5000"),
                true,
                "2.2.2.2",
            ),
            (
                &["not an address"],
                Some("127.0.0.1:5000"),
                true,
                "127.0.0.1",
            ),
            (&[], None, false, "unknown"),
        ];
        for (fwd, peer, trust, want) in table {
            assert_eq!(
                client_address(&parts(fwd, peer), trust),
                want,
                "{fwd:?} {peer:?}"
            );
        }
    }
}
