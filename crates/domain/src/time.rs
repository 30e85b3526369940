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

/// A calendar month of the company's calendar (Asia/Shanghai): what monthly figures,
/// reports and registers are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// What [`Month::parse`] takes, as a regular expression for the API's document (the
    /// years 2000 to 2999, months 01 to 12).
    pub const PATTERN: &'static str = "^2[0-9]{3}-(0[1-9]|1[0-2])$";

    /// `YYYY-MM`.
    pub fn parse(s: &str) -> Result<Month, crate::error::Problem> {
        let bad = || crate::error::Problem::invalid("a month is written YYYY-MM");
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        if !(2000..=2999).contains(&year) || NaiveDate::from_ymd_opt(year, month, 1).is_none() {
            return Err(bad());
        }
        Ok(Month { year, month })
    }

    /// The month an instant falls in, on the company's calendar.
    pub fn of(at: DateTime<Utc>) -> Month {
        let d = local_date(at);
        Month {
            year: chrono::Datelike::year(&d),
            month: chrono::Datelike::month(&d),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn previous(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The instant the month begins on the company's clock.
    pub fn start(self) -> DateTime<Utc> {
        let midnight = self.first_day().and_hms_opt(0, 0, 0).unwrap_or_default();
        chrono::TimeZone::from_local_datetime(&company_offset(), &midnight)
            .single()
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    /// The instant the next month begins (the end, exclusive).
    pub fn end(self) -> DateTime<Utc> {
        self.next().start()
    }

    /// `[start, end)`.
    pub fn bounds(self) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.start(), self.end())
    }
}

/// A month as a request names it (`YYYY-MM`); anything else is refused on the field
/// `month`.
pub fn month_field(s: &str) -> Result<Month, crate::error::Error> {
    Month::parse(s).map_err(|p| crate::error::Error::field("month", p))
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_documented_month_pattern_takes_what_the_parser_takes() {
        let re = regex_automata::meta::Regex::new(Month::PATTERN).unwrap();
        for s in [
            "2026-03",
            "2000-01",
            "2999-12",
            "1999-12",
            "3000-01",
            "2026-00",
            "2026-13",
            "2026-3",
            "26-03",
            "2026/03",
            "",
            "abcd-ef",
            "2026-03-01",
            "+202-03",
        ] {
            assert_eq!(re.is_match(s), Month::parse(s).is_ok(), "{s:?}");
        }
    }
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
