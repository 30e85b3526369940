//! Sessions checked in the last few seconds (see [`SessionCache`]).

use chrono::{DateTime, Utc};
use moka::sync::Cache;
use sanbao_domain::user::{Session, User};

/// Sessions checked in the last few seconds, so a burst of requests does not ask the
/// database each time. Signing out here forgets at once; a sign-out or a deactivated
/// account on another instance takes effect within [`SessionCache::TTL`].
pub struct SessionCache {
    entries: Cache<String, (Session, User)>,
}

impl Default for SessionCache {
    fn default() -> Self {
        SessionCache {
            entries: Cache::builder()
                .max_capacity(Self::MAX_ENTRIES)
                .time_to_live(Self::TTL)
                .build(),
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
}
