//! Signing in and out, and who a request's token belongs to: passwords (Argon2id, on the
//! bounded [`HashPool`](super::hashing::HashPool)), session tokens (only their SHA-256 is
//! stored), failed sign-ins slowed down per name, address and both
//! ([`sanbao_domain::signin`]).

pub use super::session_cache::SessionCache;
use super::state::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Argon2, password_hash::rand_core::OsRng};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::signin::{self, Scope};
use sanbao_domain::user::{Session, User};
use sanbao_domain::{Error, Problem};
use sanbao_store::Heard;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Hash a new password with Argon2id, on a hashing thread.
pub async fn hash_password(state: &AppState, password: &str) -> Result<String, Error> {
    let password = password.to_string();
    state.hashing.run(move || hash_now(&password)).await?
}

fn hash_now(password: &str) -> Result<String, Error> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("hashing failed: {e}")))
}

/// Check a password against its hash, on a hashing thread.
async fn verify_password(state: &AppState, hash: String, password: &str) -> Result<bool, Error> {
    let password = password.to_string();
    state
        .hashing
        .run(move || verify_now(&hash, &password))
        .await
}

thread_local! {
    /// Argon2's working memory (19 MiB with the default parameters), kept by each hashing
    /// thread and used again for every check: allocated afresh each time, a flood of
    /// checks left the allocator's heaps fragmented and the server at four times its size.
    static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Check a password against an Argon2 PHC string, in this thread's working memory.
fn verify_now(hash: &str, password: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(params), Some(salt), Some(expected)) =
        (argon2::Params::try_from(&parsed), parsed.salt, parsed.hash)
    else {
        return false;
    };
    let Ok(algorithm) = argon2::Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let Ok(version) = parsed
        .version
        .map(argon2::Version::try_from)
        .transpose()
        .map(Option::unwrap_or_default)
    else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let count = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    let done = BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() < count {
            blocks.resize(count, argon2::Block::default());
        }
        argon.hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut out,
            &mut blocks[..count],
        )
    });
    done.is_ok() && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
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

/// The throttle's counters for a sign-in name from a client address.
fn throttle_keys(username: &str, address: &str) -> Vec<(Scope, String)> {
    Scope::ALL
        .iter()
        .map(|s| (*s, s.key(username, address)))
        .collect()
}

/// Check a password for a name, counted by the throttle first: a locked counter answers
/// 429 without checking, a full hashing queue 503.
async fn check_password(
    state: &AppState,
    username: &str,
    password: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<Option<User>, Error> {
    let keys = throttle_keys(username, address);
    // The same name from the same address waits for the attempt before it to finish.
    let _turn = state
        .signin_turns
        .turn(&Scope::NameAtAddress.key(username, address))
        .await;
    if let Err(retry_after_secs) = state.db.claim_login_attempt(&keys, now).await? {
        crate::metrics::add_counter("sanbao_sign_ins_throttled_total", 1);
        return Err(Error::TooManyAttempts { retry_after_secs });
    }
    let found = state.db.user_for_login(username).await?;
    let (user, hash) = match found {
        Some((u, h)) if u.active => (Some(u), h),
        _ => (None, DUMMY_HASH.to_string()),
    };
    let ok = match verify_password(state, hash, password).await {
        Ok(ok) => ok,
        Err(e) => {
            // Not checked (the hashing queue was full): the attempt does not count.
            state.db.take_back_login_attempt(&keys).await?;
            return Err(e);
        }
    };
    match user {
        Some(u) if ok => {
            state.db.login_succeeded(&keys).await?;
            Ok(Some(u))
        }
        _ => Ok(None),
    }
}

/// The longest sign-in name looked at (account names are at most 32 characters).
const USERNAME_SEEN_MAX: usize = 64;

/// Check a user name and password from a client address.
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<User, Error> {
    let username = username.trim().to_ascii_lowercase();
    if username.is_empty() {
        return Err(Error::field("username", Problem::required()));
    }
    // No account has a longer name; a longer one would only bloat the throttle's keys.
    if username.chars().count() > USERNAME_SEEN_MAX {
        return Err(Error::field(
            "username",
            Problem::too_long(USERNAME_SEEN_MAX),
        ));
    }
    if password.is_empty() {
        return Err(Error::field("password", Problem::required()));
    }
    match check_password(state, &username, password, address, now).await? {
        Some(u) => {
            tracing::info!(user_id = u.id.0, "signed in");
            Ok(u)
        }
        None => {
            tracing::warn!(%address, "failed sign-in");
            Err(Error::Unauthenticated)
        }
    }
}

/// A signed-in user changes their own password: the current one is checked (and counted
/// by the throttle like a sign-in), the new one must pass the password rules. Every other
/// session of the account ends; this one stays.
pub async fn change_password(
    state: &AppState,
    user: &User,
    session_hash: &str,
    current: &str,
    new: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if current.is_empty() {
        return Err(Error::field("current_password", Problem::required()));
    }
    sanbao_domain::user::password(new, &user.username)
        .map_err(|p| Error::field("new_password", p))?;
    if current == new {
        return Err(Error::field(
            "new_password",
            Problem::new("same_as_old", "must differ from the current password"),
        ));
    }
    if check_password(state, &user.username, current, address, now)
        .await?
        .is_none()
    {
        return Err(Error::field(
            "current_password",
            Problem::new("wrong", "not the current password"),
        ));
    }
    let hash = hash_password(state, new).await?;
    let mut tx = state.db.begin().await?;
    let Some((before, _)) = tx.lock_user(user.id).await? else {
        return Err(Error::NotFound("user"));
    };
    tx.update_user(&before, &before, Some(&hash), now).await?;
    let ended = tx.delete_sessions_of(user.id, Some(session_hash)).await?;
    tx.announce_sessions_ended(user.id).await?;
    tx.audit(&NewAuditEntry {
        entity: "user",
        entity_id: user.id.0,
        action: "change_password".into(),
        actor_id: Some(user.id),
        at: now,
        note: Some(format!("sessions_ended={}", ended.len())),
        before: serde_json::Value::Null,
        after: serde_json::Value::Null,
    })
    .await?;
    tx.commit().await?;
    for h in &ended {
        state.sessions.forget(h);
    }
    tracing::info!(user_id = user.id.0, "password changed");
    Ok(())
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

/// Remove sessions that have expired, and sign-in counters quiet for the throttle's
/// window; returns how many sessions.
pub async fn remove_expired(state: &AppState, now: DateTime<Utc>) -> Result<u64, Error> {
    state
        .db
        .delete_stale_login_counters(now - signin::WINDOW)
        .await?;
    state.db.delete_expired_sessions(now).await
}

/// Listen for sessions ended on other instances (PostgreSQL) and forget them here at
/// once. Listening has begun when this returns; `None` on SQLite.
pub async fn listen_for_ended_sessions(
    state: &AppState,
) -> Result<Option<tokio::task::JoinHandle<()>>, Error> {
    let Some(mut endings) = state.db.session_endings().await? else {
        return Ok(None);
    };
    let cache = std::sync::Arc::clone(&state.sessions);
    Ok(Some(tokio::spawn(async move {
        loop {
            match endings.next().await {
                Ok(Heard::User(id)) => cache.forget_user(id),
                Ok(Heard::Missed) => cache.forget_all(),
                Err(e) => {
                    tracing::warn!(error = %e, "listening for ended sessions; retrying");
                    cache.forget_all();
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        }
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_now("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_now(&h, "correct horse"));
        assert!(!verify_now(&h, "wrong horse"));
        assert!(!verify_now(DUMMY_HASH, "anything"));
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
