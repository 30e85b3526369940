//! Sign-in attempts for one name from one address, one at a time on an instance.

use std::sync::Arc;

/// Sign-in attempts for the same name from the same address, taken one at a time on this
/// instance: each then sees the one before it finished (a success clears the counters), so
/// a phone or a script that signs in several times at once is not throttled for attempts
/// still being checked. Guesses sent at once are still counted before they are checked.
#[derive(Default)]
pub struct KeyLocks {
    held: std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// A turn taken with [`KeyLocks::turn`]; the entry goes when the last holder leaves.
pub struct Turn<'a> {
    locks: &'a KeyLocks,
    key: String,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl KeyLocks {
    pub async fn turn(&self, key: &str) -> Turn<'_> {
        let lock = {
            let mut held = self
                .held
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(held.entry(key.to_string()).or_default())
        };
        Turn {
            locks: self,
            key: key.to_string(),
            guard: Some(lock.lock_owned().await),
        }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut held = self
            .locks
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if held
            .get(&self.key)
            .is_some_and(|l| Arc::strong_count(l) == 1)
        {
            held.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn turns_on_one_key_come_one_at_a_time_and_leave_nothing_behind() {
        let locks = Arc::new(KeyLocks::default());
        let first = locks.turn("na:wang@10.0.0.1").await;
        let other = locks.turn("na:li@10.0.0.1").await;
        // The same key waits for the first turn to end.
        let second = {
            let locks = Arc::clone(&locks);
            tokio::spawn(async move {
                let _turn = locks.turn("na:wang@10.0.0.1").await;
            })
        };
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(!second.is_finished(), "a second turn on one key must wait");
        drop(first);
        second.await.unwrap();
        drop(other);
        assert!(locks.held.lock().unwrap().is_empty());
    }
}
