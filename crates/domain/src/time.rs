//! The company's clock: instants are UTC; dates and wall-clock times shown to people are in
//! Asia/Shanghai. China has kept UTC+8 without daylight saving since 1991, so a fixed
//! offset is exact for every date the system handles.

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};

/// Asia/Shanghai.
pub fn company_offset() -> FixedOffset {
    // 8 h is within the ±24 h that FixedOffset accepts, so this is always Some.
    FixedOffset::east_opt(8 * 3600).unwrap_or(Utc.fix())
}

/// An instant as the company's wall clock shows it.
pub fn local(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&company_offset())
}

/// The company's calendar date at an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    local(at).date_naive()
}

/// The same instant at the store's precision (milliseconds), so what is answered right
/// after a write equals what is read back later.
pub fn to_store_precision(at: DateTime<Utc>) -> DateTime<Utc> {
    from_millis(to_millis(at))
}

/// Epoch milliseconds, the store's representation of an instant.
pub fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// From epoch milliseconds; out-of-range values clamp to the epoch (the store never
/// writes them).
pub fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_clock_is_utc_plus_8() {
        let at = DateTime::parse_from_rfc3339("2026-03-01T17:30:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(local(at).to_rfc3339(), "2026-03-02T01:30:00+08:00");
        assert_eq!(local_date(at).to_string(), "2026-03-02");
        assert_eq!(from_millis(to_millis(at)), at);
    }
}
