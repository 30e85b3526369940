//! Signing in and out, and who a request's token belongs to: passwords (Argon2id),
//! session tokens (only their SHA-256 is stored), failed sign-ins slowed down.

pub use super::session_cache::SessionCache;
use super::state::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, password_hash::rand_core::OsRng};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sanbao_domain::user::{LOGIN_FAILURE_WINDOW, Session, User};
use sanbao_domain::{Error, Problem};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Hash a password with Argon2id (off the async threads: it is slow on purpose).
pub async fn hash_password(password: &str) -> Result<String, Error> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("hashing failed: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
}

async fn verify_password(hash: String, password: &str) -> bool {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Verified against when the user name does not exist, so both answers take as long.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FuYmFvLWR1bW15LXNhbHQ$1gsnZ1kXUlW7vH9Qb6pbHnQb1pI3cYF1xW3n6FvH1kQ";

/// A random token, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the database keeps of a token: its SHA-256, so a leaked table opens nothing.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Constant-time comparison, for CSRF tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Check a user name and password; repeated failures for a name are slowed down.
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<User, Error> {
    let username = username.trim().to_ascii_lowercase();
    if username.is_empty() {
        return Err(Error::field("username", Problem::required()));
    }
    if password.is_empty() {
        return Err(Error::field("password", Problem::required()));
    }
    if let Some(f) = state.db.login_failure(&username).await?
        && let Some(retry_after_secs) = f.retry_after_secs(now)
    {
        return Err(Error::TooManyAttempts { retry_after_secs });
    }
    let found = state.db.user_for_login(&username).await?;
    let (user, hash) = match found {
        Some((u, h)) if u.active => (Some(u), h),
        _ => (None, DUMMY_HASH.to_string()),
    };
    let ok = verify_password(hash, password).await;
    match user {
        Some(u) if ok => {
            state.db.clear_login_failures(&username).await?;
            tracing::info!(user_id = u.id.0, "signed in");
            Ok(u)
        }
        _ => {
            let n = state
                .db
                .record_login_failure(&username, now, now - LOGIN_FAILURE_WINDOW)
                .await?;
            tracing::warn!(failures = n, "failed sign-in");
            Err(Error::Unauthenticated)
        }
    }
}

/// Start a session for a signed-in user; returns the token (shown once) and the session.
pub async fn start_session(
    state: &AppState,
    user: &User,
    now: DateTime<Utc>,
) -> Result<(String, Session), Error> {
    let token = random_token();
    let session = Session {
        token_hash: token_hash(&token),
        user_id: user.id,
        csrf_token: random_token(),
        created_at: now,
        expires_at: now + Duration::hours(state.config.session_hours),
    };
    state.db.create_session(&session).await?;
    Ok((token, session))
}

/// End the session this token opened (sign out), here and in the session cache.
pub async fn end_session(state: &AppState, token: &str) -> Result<(), Error> {
    let hash = token_hash(token);
    state.sessions.forget(&hash);
    state.db.delete_session(&hash).await
}

/// The live session a token opened, and its user; `None` for an unknown, expired or
/// malformed token, or a deactivated user.
pub async fn current(state: &AppState, token: &str) -> Result<Option<(Session, User)>, Error> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let hash = token_hash(token);
    let now = state.now();
    if let Some(hit) = state.sessions.get(&hash, now) {
        return Ok(Some(hit));
    }
    let found = state.db.session(&hash, now).await?;
    if let Some((s, u)) = &found {
        state.sessions.put(s, u);
    }
    Ok(found)
}

/// Remove sessions that have expired; returns how many.
pub async fn remove_expired(state: &AppState, now: DateTime<Utc>) -> Result<u64, Error> {
    state.db.delete_expired_sessions(now).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(h.clone(), "correct horse").await);
        assert!(!verify_password(h, "wrong horse").await);
        assert!(!verify_password(DUMMY_HASH.into(), "anything").await);
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(token_hash(&a), a);
        assert!(same_token(&a, &a.clone()) && !same_token(&a, &b));
        assert!(!same_token(&a, &a[..10]));
    }
}
