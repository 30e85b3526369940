//! Where "now" comes from: the system clock in production, a settable one in tests, so a
//! test can move time forward and see a deadline breached. Handlers and jobs take `now`
//! from the state's clock, never from `Utc::now()`.

use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until it is set or moved.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> ManualClock {
        ManualClock(Mutex::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut now) = self.0.lock() {
            *now = at;
        }
    }

    pub fn advance(&self, by: Duration) {
        if let Ok(mut now) = self.0.lock() {
            *now += by;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.lock().map(|n| *n).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let start = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let c = ManualClock::new(start);
        assert_eq!(c.now(), start);
        c.advance(Duration::hours(2));
        assert_eq!(c.now(), start + Duration::hours(2));
        c.set(start);
        assert_eq!(c.now(), start);
    }
}
