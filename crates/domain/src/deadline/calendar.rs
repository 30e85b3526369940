//! The clocks a deadline can run on: the wall clock (24 hours a day, the company's policy)
//! or a business calendar — weekly working hours, public holidays and the make-up working
//! days China moves around them (调休), in a fixed time zone.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// Minutes in a day: a span may end at 24:00.
pub const DAY_MINUTES: u16 = 24 * 60;

/// How far ahead a business clock looks for working time before it gives up (a calendar
/// whose weeks have working hours always finds some well within this).
const HORIZON_DAYS: u32 = 3 * 366;

/// Working hours within one day, in minutes after local midnight: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span {
    pub start: u16,
    pub end: u16,
}

impl Span {
    /// Reads `08:30-12:00`.
    pub fn parse(s: &str) -> Option<Span> {
        let (a, b) = s.trim().split_once('-')?;
        let (start, end) = (minute_of_day(a)?, minute_of_day(b)?);
        (start < end).then_some(Span { start, end })
    }

    pub fn minutes(self) -> i64 {
        i64::from(self.end - self.start)
    }
}

/// `HH:MM` (00:00 to 24:00) as minutes after midnight.
pub fn minute_of_day(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let v = h.checked_mul(60)?.checked_add(m)?;
    (m < 60 && v <= DAY_MINUTES).then_some(v)
}

/// Minutes after midnight as `HH:MM`.
pub fn hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", hhmm(self.start), hhmm(self.end))
    }
}

impl Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Span, D::Error> {
        let s = String::deserialize(d)?;
        Span::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a span: {s:?}")))
    }
}

/// A business calendar: when work counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessCalendar {
    /// Named by targets (`办公时间`).
    pub name: String,
    /// The calendar's time zone as a fixed offset east of UTC, in minutes (China: 480;
    /// it has no daylight saving).
    pub utc_offset_minutes: i32,
    /// Working hours Monday (index 0) to Sunday (index 6), sorted and not overlapping.
    pub week: [Vec<Span>; 7],
    /// Days off although the week says work (public holidays).
    #[serde(default)]
    pub holidays: BTreeSet<NaiveDate>,
    /// Days of work although the week says rest (调休 make-up days); they keep Monday's
    /// hours.
    #[serde(default)]
    pub workdays: BTreeSet<NaiveDate>,
}

impl BusinessCalendar {
    pub fn offset(&self) -> FixedOffset {
        FixedOffset::east_opt(self.utc_offset_minutes * 60)
            .unwrap_or_else(crate::time::company_offset)
    }

    /// Working hours on a local date.
    pub fn hours_on(&self, day: NaiveDate) -> &[Span] {
        if self.workdays.contains(&day) {
            &self.week[0]
        } else if self.holidays.contains(&day) {
            &[]
        } else {
            &self.week[day.weekday().num_days_from_monday() as usize]
        }
    }

    /// The instant a local date's minute falls on.
    fn instant(&self, day: NaiveDate, minute: u16) -> DateTime<Utc> {
        let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        let local = self
            .offset()
            .from_local_datetime(&midnight)
            .single()
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        local + Duration::minutes(i64::from(minute))
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.offset()).date_naive()
    }

    /// The working intervals from the local date of `from` onwards, clipped to start no
    /// earlier than `from`.
    fn intervals_from(
        &self,
        from: DateTime<Utc>,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let first = self.local_date(from);
        first
            .iter_days()
            .take(HORIZON_DAYS as usize)
            .flat_map(move |day| {
                self.hours_on(day)
                    .iter()
                    .map(move |s| (self.instant(day, s.start), self.instant(day, s.end)))
            })
            .filter_map(move |(a, b)| {
                let a = a.max(from);
                (a < b).then_some((a, b))
            })
    }

    /// The instant when `amount` of working time has passed since `from`.
    pub fn add(&self, from: DateTime<Utc>, amount: Duration) -> Option<DateTime<Utc>> {
        if amount <= Duration::zero() {
            return Some(from);
        }
        let mut left = amount;
        for (a, b) in self.intervals_from(from) {
            if b - a >= left {
                return Some(a + left);
            }
            left -= b - a;
        }
        None
    }

    /// Working time in `[from, to)`.
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        let mut sum = Duration::zero();
        if to <= from {
            return sum;
        }
        for (a, b) in self.intervals_from(from) {
            if a >= to {
                break;
            }
            sum += b.min(to) - a;
        }
        sum
    }
}

/// What a deadline's time is counted on.
#[derive(Debug, Clone, Copy)]
pub enum Clock<'a> {
    /// Every minute counts, day and night, weekday and holiday.
    Wall,
    Business(&'a BusinessCalendar),
}

impl Clock<'_> {
    /// The instant when `amount` of this clock's time has passed since `from`; `None` when
    /// the calendar has no working time ahead.
    pub fn add(&self, from: DateTime<Utc>, amount: Duration) -> Option<DateTime<Utc>> {
        match self {
            Clock::Wall => Some(from + amount),
            Clock::Business(c) => c.add(from, amount),
        }
    }

    /// This clock's time in `[from, to)`.
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        match self {
            Clock::Wall => (to - from).max(Duration::zero()),
            Clock::Business(c) => c.between(from, to),
        }
    }
}
