//! Sign-in under attack: how failed sign-ins are slowed down.
//!
//! Every attempt is counted *before* its password is checked, against three counters:
//! the name from this address, this address for any name, and the name from any address.
//! An attempt that finds any of them locked is refused unchecked. Counting first is what
//! makes the throttle hold when many guesses arrive at once: each one takes its place in
//! the count, so a lock period lets through only the free attempts, never as many as were
//! sent in parallel. A successful sign-in takes its own attempt back.
//!
//! The counters differ in how hard they lock, so that nobody can lock a known user out:
//! - **the name from this address** locks hard (up to 15 minutes): it is the guesser;
//! - **this address**, for any name, locks hard too, after more free attempts (an office
//!   behind one address shares it);
//! - **the name from any address** only slows down (at most [`NAME_MAX_WAIT_SECS`]), so a
//!   guesser elsewhere can delay the real user by seconds but never lock them out.

use chrono::{DateTime, Duration, Utc};

/// Failed sign-ins older than this no longer count.
pub const WINDOW: Duration = Duration::minutes(15);

/// The longest a name is held back because of failures from other addresses.
pub const NAME_MAX_WAIT_SECS: i64 = 10;

/// One of the three counters an attempt is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// This name from this client address.
    NameAtAddress,
    /// This client address, whatever the name.
    Address,
    /// This name, whatever the address.
    Name,
}

/// How a counter slows down: `free` failures in a row pass, then each further attempt
/// waits `base` seconds, doubling with each failure, up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub free: i64,
    pub base_secs: i64,
    pub max_secs: i64,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::NameAtAddress, Scope::Address, Scope::Name];

    pub fn policy(self) -> Policy {
        match self {
            Scope::NameAtAddress => Policy {
                free: 5,
                base_secs: 2,
                max_secs: 15 * 60,
            },
            Scope::Address => Policy {
                free: 20,
                base_secs: 2,
                max_secs: 15 * 60,
            },
            Scope::Name => Policy {
                free: 10,
                base_secs: 1,
                max_secs: NAME_MAX_WAIT_SECS,
            },
        }
    }

    /// The counter's key for a sign-in name (lower case) from a client address.
    pub fn key(self, username: &str, address: &str) -> String {
        match self {
            Scope::NameAtAddress => format!("na:{username}@{address}"),
            Scope::Address => format!("a:{address}"),
            Scope::Name => format!("n:{username}"),
        }
    }
}

impl Policy {
    /// How long the next attempt waits after `failures` failures in a row.
    pub fn lockout_secs(self, failures: i64) -> i64 {
        if failures < self.free {
            return 0;
        }
        let steps = (failures - self.free).min(20);
        self.base_secs
            .saturating_mul(1_i64 << steps)
            .min(self.max_secs)
    }
}

/// A counter as stored: failures in a row (attempts in progress included), and when the
/// last one was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub failures: i64,
    pub last_at: DateTime<Utc>,
}

impl Counter {
    /// Seconds to wait before the next attempt may be checked, if locked now.
    pub fn retry_after_secs(self, policy: Policy, now: DateTime<Utc>) -> Option<i64> {
        if self.last_at <= now - WINDOW {
            return None;
        }
        let until = self.last_at + Duration::seconds(policy.lockout_secs(self.failures));
        (until > now).then(|| (until - now).num_seconds().max(1))
    }

    /// The counter after one more attempt at `now`; a run gone quiet for the window starts
    /// again at one.
    pub fn after_attempt(counter: Option<Counter>, now: DateTime<Utc>) -> Counter {
        let failures = match counter {
            Some(c) if c.last_at > now - WINDOW => c.failures + 1,
            _ => 1,
        };
        Counter {
            failures,
            last_at: now,
        }
    }
}

/// Whether an attempt may be checked, given the counters as they are: `Err(secs)` with
/// the longest wait of the locked ones.
pub fn admit(counters: &[(Scope, Option<Counter>)], now: DateTime<Utc>) -> Result<(), i64> {
    let wait = counters
        .iter()
        .filter_map(|(scope, c)| c.and_then(|c| c.retry_after_secs(scope.policy(), now)))
        .max();
    match wait {
        Some(secs) => Err(secs),
        None => Ok(()),
    }
}

/// What a successful sign-in does to each counter: the name's counters start again, the
/// address only takes this attempt back (signing in to one's own account must not
/// clear a guesser's address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnSuccess {
    Clear,
    TakeBack,
}

impl Scope {
    pub fn on_success(self) -> OnSuccess {
        match self {
            Scope::NameAtAddress | Scope::Name => OnSuccess::Clear,
            Scope::Address => OnSuccess::TakeBack,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default()
    }

    fn counter(failures: i64, secs_ago: i64) -> Option<Counter> {
        Some(Counter {
            failures,
            last_at: now() - Duration::seconds(secs_ago),
        })
    }

    #[test]
    fn r1_4_each_scope_slows_down_as_documented() {
        // (scope, failures in a row, seconds the next attempt waits)
        let table = [
            (Scope::NameAtAddress, 0, 0),
            (Scope::NameAtAddress, 4, 0),
            (Scope::NameAtAddress, 5, 2),
            (Scope::NameAtAddress, 6, 4),
            (Scope::NameAtAddress, 7, 8),
            (Scope::NameAtAddress, 12, 256),
            (Scope::NameAtAddress, 14, 900),
            (Scope::NameAtAddress, 1_000, 900),
            (Scope::Address, 19, 0),
            (Scope::Address, 20, 2),
            (Scope::Address, 30, 900),
            (Scope::Name, 9, 0),
            (Scope::Name, 10, 1),
            (Scope::Name, 11, 2),
            (Scope::Name, 13, 8),
            (Scope::Name, 14, 10),
            (Scope::Name, i64::MAX, 10),
        ];
        for (scope, failures, secs) in table {
            assert_eq!(
                scope.policy().lockout_secs(failures),
                secs,
                "{scope:?} {failures}"
            );
        }
    }

    #[test]
    fn r1_4_a_name_is_never_held_back_long_by_failures_from_elsewhere() {
        for failures in 0..10_000 {
            assert!(Scope::Name.policy().lockout_secs(failures) <= NAME_MAX_WAIT_SECS);
        }
    }

    #[test]
    fn r1_4_a_counter_locks_only_within_the_window_and_after_its_free_failures() {
        let p = Scope::NameAtAddress.policy();
        let table = [
            (counter(4, 0), None),
            (counter(5, 0), Some(2)),
            (counter(5, 1), Some(1)),
            (counter(5, 2), None),
            (counter(15, 60), Some(15 * 60 - 60)),
            (counter(15, 15 * 60), None),
        ];
        for (c, wait) in table {
            assert_eq!(c.and_then(|c| c.retry_after_secs(p, now())), wait, "{c:?}");
        }
    }

    #[test]
    fn r1_4_attempts_are_counted_and_a_quiet_run_starts_again() {
        let n = now();
        assert_eq!(Counter::after_attempt(None, n).failures, 1);
        assert_eq!(Counter::after_attempt(counter(7, 10), n).failures, 8);
        assert_eq!(Counter::after_attempt(counter(7, 15 * 60), n).failures, 1);
        assert_eq!(Counter::after_attempt(counter(7, 10), n).last_at, n);
    }

    #[test]
    fn r1_4_an_attempt_waits_for_the_longest_locked_counter() {
        let n = now();
        assert_eq!(admit(&[], n), Ok(()));
        let free = [
            (Scope::NameAtAddress, counter(4, 0)),
            (Scope::Address, counter(19, 0)),
            (Scope::Name, None),
        ];
        assert_eq!(admit(&free, n), Ok(()));
        let locked = [
            (Scope::NameAtAddress, counter(6, 0)),
            (Scope::Address, counter(20, 0)),
            (Scope::Name, counter(10, 0)),
        ];
        assert_eq!(admit(&locked, n), Err(4));
    }

    #[test]
    fn r1_4_parallel_guesses_get_only_the_free_attempts() {
        // Sixteen guesses at once, counted one after another before any is checked.
        let n = now();
        let mut counters: Vec<(Scope, Option<Counter>)> =
            Scope::ALL.iter().map(|s| (*s, None)).collect();
        let mut checked = 0;
        for _ in 0..16 {
            if admit(&counters, n).is_ok() {
                checked += 1;
                for (_, c) in &mut counters {
                    *c = Some(Counter::after_attempt(*c, n));
                }
            }
        }
        assert_eq!(checked, Scope::NameAtAddress.policy().free);
    }

    #[test]
    fn r1_4_keys_keep_names_and_addresses_apart() {
        assert_eq!(
            Scope::NameAtAddress.key("wang", "10.0.0.1"),
            "na:wang@10.0.0.1"
        );
        assert_eq!(Scope::Address.key("wang", "10.0.0.1"), "a:10.0.0.1");
        assert_eq!(Scope::Name.key("wang", "10.0.0.1"), "n:wang");
        assert_eq!(Scope::Address.on_success(), OnSuccess::TakeBack);
        assert_eq!(Scope::Name.on_success(), OnSuccess::Clear);
    }
}
