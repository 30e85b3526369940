//! Sessions checked in the last few seconds (see [`SessionCache`]).

use chrono::{DateTime, Utc};
use moka::sync::Cache;
use sanbao_domain::UserId;
use sanbao_domain::user::{Session, User};

/// Sessions checked in the last few seconds, so a burst of requests does not ask the
/// database each time. Signing out, a deactivated account, a changed role or password
/// forget at once here; on PostgreSQL the other instances hear of it from the database
/// (`LISTEN`) and forget at once too. Anything missed (a listener reconnecting) lasts at
/// most [`SessionCache::TTL`].
pub struct SessionCache {
    entries: Cache<String, (Session, User)>,
    heard: tokio::sync::watch::Sender<u64>,
}

impl Default for SessionCache {
    fn default() -> Self {
        SessionCache {
            entries: Cache::builder()
                .max_capacity(Self::MAX_ENTRIES)
                .time_to_live(Self::TTL)
                .build(),
            heard: tokio::sync::watch::Sender::new(0),
        }
    }
}

impl SessionCache {
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(5);
    const MAX_ENTRIES: u64 = 10_000;

    pub(super) fn get(&self, hash: &str, now: DateTime<Utc>) -> Option<(Session, User)> {
        self.entries.get(hash).filter(|(s, _)| s.expires_at > now)
    }

    pub(super) fn put(&self, s: &Session, u: &User) {
        self.entries
            .insert(s.token_hash.clone(), (s.clone(), u.clone()));
    }

    pub(super) fn forget(&self, hash: &str) {
        self.entries.invalidate(hash);
    }

    /// Forget every cached session of one account.
    pub(super) fn forget_user(&self, user: UserId) {
        for (hash, (_, u)) in &self.entries {
            if u.id == user {
                self.entries.invalidate(hash.as_str());
            }
        }
        self.heard.send_modify(|n| *n += 1);
    }

    /// Forget everything (a listener that missed messages).
    pub(super) fn forget_all(&self) {
        self.entries.invalidate_all();
        self.heard.send_modify(|n| *n += 1);
    }

    /// Counts what was forgotten by account or wholesale, for tests that wait until
    /// another instance has heard.
    pub fn forgotten(&self) -> tokio::sync::watch::Receiver<u64> {
        self.heard.subscribe()
    }
}
