//! Deadline policies as data: which targets a ticket of each kind carries (per region where
//! it matters), how long each is, on which clock, whether waiting for the customer pauses
//! it, and how the watcher warns and escalates. Every saved change is a new version; the
//! built-in version 0 is the company's policy (R3.3–R3.7, counted on the wall clock).

use super::calendar::{BusinessCalendar, Clock, DAY_MINUTES, Span, minute_of_day};
use crate::error::{Error, FieldErrors, Problem};
use crate::ids::UserId;
use crate::region::Region;
use crate::terms::{DeadlineKind, TicketKind};
use crate::text;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// R3.4: hours to be on site, by the site's region, in the company's policy. An unknown
/// region gets the strictest promise (1 h) so that no emergency is ever given more time
/// than the policy allows; the desk is asked to correct the region.
pub fn arrival_hours(region: Region) -> i64 {
    match region {
        Region::HangzhouUrban | Region::Unknown => 1,
        Region::Zhejiang => 6,
        Region::OutOfProvince => 12,
    }
}

/// One promise: a ticket of `ticket_kind` (at a site in `region`, or anywhere) gets its
/// `deadline` within `minutes` of `calendar` time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub ticket_kind: TicketKind,
    /// `None`: every region without a target of its own.
    #[serde(default)]
    pub region: Option<Region>,
    pub deadline: DeadlineKind,
    pub minutes: i64,
    /// A business calendar of the policy by name; `None`: the wall clock.
    #[serde(default)]
    pub calendar: Option<String>,
    /// Whether the clock stops while the ticket waits for the customer.
    #[serde(default)]
    pub pauses: bool,
}

/// Quiet hours, in the company's local time: warnings wait until they end (escalations
/// and anything about an emergency never wait).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quiet {
    /// Minutes after local midnight; `from > to` spans midnight (22:00–08:00).
    pub from: u16,
    pub to: u16,
}

impl Quiet {
    /// Whether `at` falls in quiet hours.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        let m = minute_in_company_day(at);
        if self.from <= self.to {
            self.from <= m && m < self.to
        } else {
            m >= self.from || m < self.to
        }
    }

    /// When the quiet hours around `at` end.
    pub fn end_after(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let day = crate::time::local_date(at);
        let day = if self.to > minute_in_company_day(at) {
            day
        } else {
            day.succ_opt().unwrap_or(day)
        };
        let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        let offset = crate::time::company_offset();
        chrono::TimeZone::from_local_datetime(&offset, &midnight)
            .single()
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or(at)
            + Duration::minutes(i64::from(self.to))
    }
}

fn minute_in_company_day(at: DateTime<Utc>) -> u16 {
    let l = crate::time::local(at);
    u16::try_from(chrono::Timelike::hour(&l) * 60 + chrono::Timelike::minute(&l)).unwrap_or(0)
}

/// How the watcher acts on a running deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchRules {
    /// The owner is warned when this share of the time has run (75: at three quarters).
    pub warn_pct: u8,
    /// After a breach the service managers are told at once, and the department head this
    /// long after.
    pub escalate_again_minutes: i64,
    #[serde(default)]
    pub quiet: Option<Quiet>,
    /// The department head told at the second escalation; `None`: the service managers
    /// are told again.
    #[serde(default)]
    pub head_id: Option<UserId>,
}

/// A version of the deadline policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlinePolicy {
    /// 0: the built-in company policy; saved versions count up from 1.
    #[serde(default)]
    pub version: i64,
    pub targets: Vec<Target>,
    #[serde(default)]
    pub calendars: Vec<BusinessCalendar>,
    pub watch: WatchRules,
}

impl DeadlinePolicy {
    /// The company's policy (R3.3–R3.7 with the R3 decision: 24 hours a day), with
    /// warnings at three quarters of the time, the department head told two hours after a
    /// breach, and quiet hours from 22:00 to 08:00.
    pub fn company() -> DeadlinePolicy {
        let t = |ticket_kind, region, deadline, hours: i64| Target {
            ticket_kind,
            region,
            deadline,
            minutes: hours * 60,
            calendar: None,
            pauses: true,
        };
        use DeadlineKind as D;
        use TicketKind as K;
        let mut targets = vec![
            t(K::ComplaintQuality, None, D::HandlingOpinion, 2),
            t(K::ComplaintOther, None, D::HandlingOpinion, 12),
        ];
        for r in Region::ALL {
            targets.push(t(K::Emergency, Some(r), D::Arrival, arrival_hours(r)));
        }
        targets.push(t(K::Consultation, None, D::Reply, 12));
        targets.push(t(K::Correspondence, None, D::Reply, 24));
        DeadlinePolicy {
            version: 0,
            targets,
            calendars: Vec::new(),
            watch: WatchRules {
                warn_pct: 75,
                escalate_again_minutes: 120,
                quiet: Some(Quiet {
                    from: 22 * 60,
                    to: 8 * 60,
                }),
                head_id: None,
            },
        }
    }

    /// The targets a ticket of `kind` at a site in `region` carries: per deadline, the
    /// region's own target, else the one for every region.
    pub fn targets_for(&self, kind: TicketKind, region: Region) -> Vec<&Target> {
        DeadlineKind::ALL
            .iter()
            .filter_map(|d| {
                let of = |r: Option<Region>| {
                    self.targets
                        .iter()
                        .find(|t| t.ticket_kind == kind && t.deadline == *d && t.region == r)
                };
                of(Some(region)).or_else(|| of(None))
            })
            .collect()
    }

    /// The clock a target counts on.
    pub fn clock(&self, target: &Target) -> Clock<'_> {
        target
            .calendar
            .as_deref()
            .and_then(|name| self.calendars.iter().find(|c| c.name == name))
            .map_or(Clock::Wall, Clock::Business)
    }

    /// The promised time to be on site in `region`, for pages that quote it.
    pub fn arrival_minutes(&self, region: Region) -> Option<i64> {
        self.targets_for(TicketKind::Emergency, region)
            .into_iter()
            .find(|t| t.deadline == DeadlineKind::Arrival)
            .map(|t| t.minutes)
    }
}

/// The longest target: a month.
pub const MAX_TARGET_MINUTES: i64 = 31 * 24 * 60;
pub const CALENDAR_NAME_MAX: usize = 60;

/// A policy as typed on the policy page or sent to the API: checked by
/// [`PolicyInput::parse`].
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PolicyInput {
    pub targets: Vec<TargetInput>,
    #[serde(default)]
    pub calendars: Vec<CalendarInput>,
    pub warn_pct: Option<i64>,
    pub escalate_again_minutes: Option<i64>,
    /// `22:00-08:00`, or empty for none.
    #[serde(default)]
    pub quiet_hours: Option<String>,
    #[serde(default)]
    pub head_id: Option<UserId>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TargetInput {
    pub ticket_kind: Option<TicketKind>,
    #[serde(default)]
    pub region: Option<Region>,
    pub deadline: Option<DeadlineKind>,
    pub minutes: Option<i64>,
    #[serde(default)]
    pub calendar: Option<String>,
    #[serde(default)]
    pub pauses: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CalendarInput {
    pub name: String,
    /// Minutes east of UTC; 480 (China) when absent.
    pub utc_offset_minutes: Option<i32>,
    /// Monday to Sunday, each `08:30-12:00, 13:00-17:30` or empty for a day off.
    pub week: Vec<String>,
    /// Dates or ranges (`2027-02-10..2027-02-16`), separated by commas, spaces or lines.
    #[serde(default)]
    pub holidays: String,
    #[serde(default)]
    pub workdays: String,
}

/// Reads `08:30-12:00, 13:00-17:30` into sorted, non-overlapping spans.
pub fn parse_day(s: &str) -> Result<Vec<Span>, Problem> {
    let mut spans = Vec::new();
    for part in s
        .split([',', '，', ';', ' '])
        .filter(|p| !p.trim().is_empty())
    {
        spans.push(Span::parse(part).ok_or_else(|| {
            Problem::invalid(format!("{part:?} is not working hours like 08:30-12:00"))
        })?);
    }
    spans.sort();
    if spans.windows(2).any(|w| w[0].end > w[1].start) {
        return Err(Problem::new("overlap", "working hours overlap"));
    }
    Ok(spans)
}

/// Reads dates and date ranges (`2027-02-10..2027-02-16`, at most a year each).
pub fn parse_dates(s: &str) -> Result<BTreeSet<NaiveDate>, Problem> {
    let mut out = BTreeSet::new();
    for part in s
        .split([',', '，', ';', ' ', '\n', '\r', '\t'])
        .filter(|p| !p.trim().is_empty())
    {
        let date = |d: &str| {
            NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                .map_err(|_| Problem::invalid(format!("{d:?} is not a date like 2027-02-10")))
        };
        match part.split_once("..") {
            Some((a, b)) => {
                let (a, b) = (date(a)?, date(b)?);
                if b < a || (b - a).num_days() > 366 {
                    return Err(Problem::invalid(format!(
                        "{part:?} is not a range of dates"
                    )));
                }
                out.extend(a.iter_days().take_while(|d| *d <= b));
            }
            None => {
                out.insert(date(part)?);
            }
        }
    }
    Ok(out)
}

impl PolicyInput {
    /// Check a policy by field (`targets[2].minutes`, `calendars[0].week[5]`, `warn_pct`).
    /// The version is given by the store when it is saved.
    pub fn parse(&self) -> Result<DeadlinePolicy, Error> {
        let mut errs = FieldErrors::new();
        let mut calendars: Vec<BusinessCalendar> = Vec::new();
        for (i, c) in self.calendars.iter().enumerate() {
            let f = |name: &str| format!("calendars[{i}].{name}");
            let name = errs.take(&f("name"), text::required(&c.name, CALENDAR_NAME_MAX));
            if let Some(n) = &name
                && calendars.iter().any(|o| &o.name == n)
            {
                errs.add(
                    f("name"),
                    Problem::new("taken", "another calendar has this name"),
                );
            }
            let offset = c.utc_offset_minutes.unwrap_or(480);
            if !(-720..=840).contains(&offset) {
                errs.add(
                    f("utc_offset_minutes"),
                    Problem::invalid("must be within UTC-12 to UTC+14"),
                );
            }
            if c.week.len() != 7 {
                errs.add(f("week"), Problem::invalid("must give Monday to Sunday"));
            }
            let mut week: [Vec<Span>; 7] = Default::default();
            for (d, day) in c.week.iter().take(7).enumerate() {
                if let Some(spans) = errs.take(&format!("calendars[{i}].week[{d}]"), parse_day(day))
                {
                    week[d] = spans;
                }
            }
            let holidays = errs.take(&f("holidays"), parse_dates(&c.holidays));
            let workdays = errs.take(&f("workdays"), parse_dates(&c.workdays));
            if c.week.len() == 7 && week.iter().all(Vec::is_empty) {
                errs.add(
                    f("week"),
                    Problem::invalid("needs working hours on at least one day"),
                );
            }
            if let (Some(h), Some(w)) = (&holidays, &workdays)
                && let Some(both) = h.intersection(w).next()
            {
                errs.add(
                    f("workdays"),
                    Problem::invalid(format!("{both} is also a holiday")),
                );
            }
            if let (Some(name), Some(holidays), Some(workdays)) = (name, holidays, workdays) {
                calendars.push(BusinessCalendar {
                    name,
                    utc_offset_minutes: offset,
                    week,
                    holidays,
                    workdays,
                });
            }
        }
        let mut targets: Vec<Target> = Vec::new();
        for (i, t) in self.targets.iter().enumerate() {
            let f = |name: &str| format!("targets[{i}].{name}");
            let (Some(ticket_kind), Some(deadline)) = (t.ticket_kind, t.deadline) else {
                if t.ticket_kind.is_none() {
                    errs.add(f("ticket_kind"), Problem::required());
                }
                if t.deadline.is_none() {
                    errs.add(f("deadline"), Problem::required());
                }
                continue;
            };
            match t.minutes {
                None => errs.add(f("minutes"), Problem::required()),
                Some(m) if !(1..=MAX_TARGET_MINUTES).contains(&m) => errs.add(
                    f("minutes"),
                    Problem::invalid(format!("must be 1 to {MAX_TARGET_MINUTES} minutes")),
                ),
                Some(_) => {}
            }
            let calendar = t
                .calendar
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned);
            if let Some(c) = &calendar
                && !self.calendars.iter().any(|k| k.name.trim() == c)
            {
                errs.add(
                    f("calendar"),
                    Problem::new("not_found", "no calendar of that name"),
                );
            }
            if !deadline_fits(ticket_kind, deadline) {
                errs.add(
                    f("deadline"),
                    Problem::invalid(format!(
                        "a {} ticket has no {} step to meet it",
                        ticket_kind.as_str(),
                        deadline.as_str()
                    )),
                );
            }
            if targets.iter().any(|o| {
                o.ticket_kind == ticket_kind && o.deadline == deadline && o.region == t.region
            }) {
                errs.add(
                    f("region"),
                    Problem::new("duplicate", "this target is already given"),
                );
            }
            targets.push(Target {
                ticket_kind,
                region: t.region,
                deadline,
                minutes: t.minutes.unwrap_or(0),
                calendar,
                pauses: t.pauses,
            });
        }
        // A target given per region must reach every region.
        for t in targets.iter().filter(|t| t.region.is_some()) {
            let same = |r: Option<Region>| {
                targets.iter().any(|o| {
                    o.ticket_kind == t.ticket_kind && o.deadline == t.deadline && o.region == r
                })
            };
            if !same(None)
                && let Some(missing) = Region::ALL.into_iter().find(|r| !same(Some(*r)))
            {
                errs.add(
                    "targets",
                    Problem::new(
                        "incomplete",
                        format!(
                            "{} {}: no target for region {} and none for every region",
                            t.ticket_kind.as_str(),
                            t.deadline.as_str(),
                            missing.as_str()
                        ),
                    ),
                );
                break;
            }
        }
        let warn_pct = match self.warn_pct {
            Some(p) if (1..=99).contains(&p) => u8::try_from(p).unwrap_or(75),
            Some(_) => {
                errs.add("warn_pct", Problem::invalid("must be 1 to 99 percent"));
                75
            }
            None => {
                errs.add("warn_pct", Problem::required());
                75
            }
        };
        let escalate_again_minutes = match self.escalate_again_minutes {
            Some(m) if (1..=MAX_TARGET_MINUTES).contains(&m) => m,
            Some(_) => {
                errs.add(
                    "escalate_again_minutes",
                    Problem::invalid(format!("must be 1 to {MAX_TARGET_MINUTES} minutes")),
                );
                0
            }
            None => {
                errs.add("escalate_again_minutes", Problem::required());
                0
            }
        };
        let quiet = match self.quiet_hours.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(q) => match q
                .split_once('-')
                .and_then(|(a, b)| Some((minute_of_day(a)?, minute_of_day(b)?)))
            {
                Some((from, to)) if from != to && from < DAY_MINUTES && to < DAY_MINUTES => {
                    Some(Quiet { from, to })
                }
                _ => {
                    errs.add("quiet_hours", Problem::invalid("must be like 22:00-08:00"));
                    None
                }
            },
        };
        if !errs.is_empty() {
            return Err(Error::Validation(errs));
        }
        Ok(DeadlinePolicy {
            version: 0,
            targets,
            calendars,
            watch: WatchRules {
                warn_pct,
                escalate_again_minutes,
                quiet,
                head_id: self.head_id,
            },
        })
    }
}

/// Dates as the editor shows them: a run of consecutive days as one range
/// (`2027-02-10..2027-02-16`), a lone day as itself.
pub fn date_ranges(dates: &BTreeSet<NaiveDate>) -> Vec<String> {
    let mut out = Vec::new();
    let mut run: Option<(NaiveDate, NaiveDate)> = None;
    for d in dates {
        run = match run {
            Some((a, b)) if b.succ_opt() == Some(*d) => Some((a, *d)),
            Some(r) => {
                out.push(range_text(r));
                Some((*d, *d))
            }
            None => Some((*d, *d)),
        };
    }
    out.extend(run.map(range_text));
    out
}

fn range_text((a, b): (NaiveDate, NaiveDate)) -> String {
    if a == b {
        a.to_string()
    } else {
        format!("{a}..{b}")
    }
}

/// Whether a ticket of this kind has a step that meets this deadline: a complaint its
/// handling opinion, a consultation or letter its reply, and any work on site its arrival.
pub fn deadline_fits(kind: TicketKind, deadline: DeadlineKind) -> bool {
    match deadline {
        DeadlineKind::HandlingOpinion => kind.is_complaint(),
        DeadlineKind::Reply => kind.is_answered_by_reply(),
        DeadlineKind::Arrival => !kind.is_answered_by_reply(),
    }
}

impl DeadlinePolicy {
    /// The policy as the editor shows it, to be changed and saved again.
    pub fn to_input(&self) -> PolicyInput {
        let days = |c: &BusinessCalendar| {
            c.week
                .iter()
                .map(|d| d.iter().map(Span::to_string).collect::<Vec<_>>().join(", "))
                .collect()
        };
        let dates = |s: &BTreeSet<NaiveDate>| date_ranges(s).join("\n");
        PolicyInput {
            targets: self
                .targets
                .iter()
                .map(|t| TargetInput {
                    ticket_kind: Some(t.ticket_kind),
                    region: t.region,
                    deadline: Some(t.deadline),
                    minutes: Some(t.minutes),
                    calendar: t.calendar.clone(),
                    pauses: t.pauses,
                })
                .collect(),
            calendars: self
                .calendars
                .iter()
                .map(|c| CalendarInput {
                    name: c.name.clone(),
                    utc_offset_minutes: Some(c.utc_offset_minutes),
                    week: days(c),
                    holidays: dates(&c.holidays),
                    workdays: dates(&c.workdays),
                })
                .collect(),
            warn_pct: Some(i64::from(self.watch.warn_pct)),
            escalate_again_minutes: Some(self.watch.escalate_again_minutes),
            quiet_hours: self.watch.quiet.map(|q| {
                format!(
                    "{}-{}",
                    super::calendar::hhmm(q.from),
                    super::calendar::hhmm(q.to)
                )
            }),
            head_id: self.watch.head_id,
        }
    }
}
