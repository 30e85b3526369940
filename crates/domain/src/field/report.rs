//! The daily work report (R4.6): at the day's end each technician and senior engineer
//! reports what they did, where and how far they travelled.
//!
//! The report is prefilled from the day's trips they were on — times, places, the job,
//! travel time, and a distance ESTIMATED from the previous place (their base, then the
//! last site) with the offline seat table of [`crate::travel`] — and completed by hand.
//! A day is the company's calendar day (UTC+08:00).

use super::JobType;
use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{JobId, TicketId, UserId};
use crate::role::{Permission, Role};
use crate::text::{optional, required};
use crate::ticket::ticket_number;
use crate::time::{company_offset, local, local_date, to_store_precision};
use crate::travel::{TravelSettings, distance_km, locate};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Where a day's first trip is counted from when the person's own base is not known.
pub const COMPANY_BASE: &str = "浙江省杭州市";

/// At most this many lines in one report.
pub const LINES_MAX: usize = 30;
/// The longest text of a line's work, of the notes, of the reason for a late report.
pub const TEXT_MAX: usize = 2000;
/// The most kilometres one report may claim.
pub const KM_MAX: f64 = 3000.0;

/// What [`parse_day`] takes, for the API's document: this pattern, and a real date
/// (`format: date`).
pub const DAY_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// `YYYY-MM-DD`, a day of the company's calendar.
pub fn parse_day(s: &str) -> Result<NaiveDate, Problem> {
    let t = s.trim();
    if t.len() != 10 {
        return Err(Problem::invalid("a day is written YYYY-MM-DD"));
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map_err(|_| Problem::invalid("a day is written YYYY-MM-DD"))
}

/// The instants a company day runs between: local midnight to the next.
pub fn day_bounds(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |d: NaiveDate| {
        company_offset()
            .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    };
    (start(day), start(day.succ_opt().unwrap_or(day)))
}

/// A trip as the report is prefilled from it.
#[derive(Debug, Clone, PartialEq)]
pub struct DayTrip {
    pub job_id: JobId,
    pub ticket_id: TicketId,
    pub job_type: JobType,
    pub problem: String,
    pub customer: String,
    /// The site's address, else the customer's.
    pub place: String,
    pub departed_at: Option<DateTime<Utc>>,
    pub arrived_at: Option<DateTime<Utc>>,
}

impl DayTrip {
    /// When the trip counts: its departure, else its arrival.
    pub fn at(&self) -> Option<DateTime<Utc>> {
        self.departed_at.or(self.arrived_at)
    }

    /// Whether the trip belongs to the report of `day` (company time).
    pub fn on_day(&self, day: NaiveDate) -> bool {
        self.at().is_some_and(|t| local_date(t) == day)
    }
}

/// One line of a report: a trip (prefilled) or other work (typed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportLine {
    pub job_id: Option<i64>,
    pub ticket: Option<String>,
    pub job_type: Option<String>,
    pub customer: Option<String>,
    #[serde(default)]
    pub place: String,
    pub problem: Option<String>,
    /// `HH:MM`, company time.
    pub departed: Option<String>,
    pub arrived: Option<String>,
    pub travel_minutes: Option<i64>,
    /// Estimated from the seat table, never measured.
    pub est_km: Option<f64>,
    /// What was done.
    #[serde(default)]
    pub work: String,
}

impl ReportLine {
    pub fn is_trip(&self) -> bool {
        self.job_id.is_some()
    }
}

fn hhmm(at: DateTime<Utc>) -> String {
    local(at).format("%H:%M").to_string()
}

/// The estimated road distance between two addresses: straight line between their seats
/// times the road factor, whole km. None when either is not recognised.
pub fn estimated_km(from: &str, to: &str) -> Option<f64> {
    let (a, b) = (locate(from)?, locate(to)?);
    let factor = f64::from(TravelSettings::default().road_factor_pct) / 100.0;
    Some((distance_km(a.coord, b.coord) * factor).round())
}

/// The report of `day` as prefilled from the trips: those of the day (company time),
/// in order, each with its times, place, job, travel time and a distance estimated from
/// the previous place (`base` for the first).
pub fn prefill(day: NaiveDate, trips: &[DayTrip], base: &str) -> Vec<ReportLine> {
    let mut todays: Vec<&DayTrip> = trips.iter().filter(|t| t.on_day(day)).collect();
    todays.sort_by_key(|t| (t.at(), t.job_id.0));
    let mut from = base.to_string();
    todays
        .into_iter()
        .map(|t| {
            let travel_minutes = match (t.departed_at, t.arrived_at) {
                (Some(d), Some(a)) if a >= d => Some((a - d).num_minutes()),
                _ => None,
            };
            let est_km = estimated_km(&from, &t.place);
            from = t.place.clone();
            ReportLine {
                job_id: Some(t.job_id.0),
                ticket: Some(ticket_number(t.ticket_id)),
                job_type: Some(t.job_type.as_str().to_string()),
                customer: Some(t.customer.clone()),
                place: t.place.clone(),
                problem: Some(t.problem.clone()),
                departed: t.departed_at.map(hhmm),
                arrived: t.arrived_at.map(hhmm),
                travel_minutes,
                est_km,
                work: String::new(),
            }
        })
        .collect()
}

/// The estimated kilometres of the lines.
pub fn estimated_total_km(lines: &[ReportLine]) -> f64 {
    lines.iter().filter_map(|l| l.est_km).sum()
}

/// A report as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportInput {
    #[serde(default)]
    pub lines: Vec<ReportLine>,
    pub travel_km: Option<f64>,
    pub notes: Option<String>,
    /// Why a past day is reported only now.
    pub late_reason: Option<String>,
}

/// A person's report of a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyReport {
    pub id: i64,
    pub user_id: UserId,
    pub user_name: String,
    pub day: NaiveDate,
    pub lines: Vec<ReportLine>,
    pub travel_km: Option<f64>,
    pub notes: Option<String>,
    pub late_reason: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl DailyReport {
    /// The fields an audit record compares (R1.4).
    pub fn audit_view(&self) -> Value {
        json!({
            "day": self.day.to_string(),
            "lines": self.lines,
            "travel_km": self.travel_km,
            "notes": self.notes,
            "late_reason": self.late_reason,
            "submitted_at": self.submitted_at,
        })
    }
}

/// Submit (or amend) the report of `day`: `before` is the one already submitted, if any.
/// Only whoever goes on site reports; not a day ahead; a past day only with a reason; a
/// submitted report only amended on the day it was submitted. Every problem is named by
/// its field (`lines[2].work`, `travel_km`, …); blank extra lines are dropped.
pub fn submit(
    before: Option<&DailyReport>,
    user: UserId,
    user_name: &str,
    role: Role,
    day: NaiveDate,
    input: &ReportInput,
    now: DateTime<Utc>,
) -> Result<DailyReport, Error> {
    if !role.may(Permission::SubmitDailyReports) {
        return Err(Error::Forbidden);
    }
    let now = to_store_precision(now);
    let today = local_date(now);
    if let Some(b) = before
        && b.submitted_at.is_some_and(|s| local_date(s) != today)
    {
        return Err(Error::Conflict(
            "a submitted report can be amended only on the day it was submitted".into(),
        ));
    }
    let mut errs = FieldErrors::new();
    if day > today {
        errs.add(
            "day",
            Problem::invalid("a day not yet over cannot be reported"),
        );
    }
    let late_reason = errs
        .take(
            "late_reason",
            optional(input.late_reason.as_deref(), TEXT_MAX),
        )
        .flatten();
    if day < today && late_reason.is_none() && before.is_none() {
        errs.add(
            "late_reason",
            Problem::new("required", "say why the day is reported late"),
        );
    }
    let mut lines = Vec::new();
    for (i, l) in input.lines.iter().enumerate() {
        let blank = !l.is_trip() && l.place.trim().is_empty() && l.work.trim().is_empty();
        if blank {
            continue;
        }
        let mut line = l.clone();
        match required(&l.work, TEXT_MAX) {
            Ok(w) => line.work = w,
            Err(p) => errs.add(format!("lines[{i}].work"), p),
        }
        if !l.is_trip() {
            line.place = l.place.trim().chars().take(200).collect();
        }
        lines.push(line);
    }
    if lines.len() > LINES_MAX {
        errs.add(
            "lines",
            Problem::invalid(format!("at most {LINES_MAX} lines")),
        );
    }
    if let Some(km) = input.travel_km
        && (!km.is_finite() || !(0.0..=KM_MAX).contains(&km))
    {
        errs.add(
            "travel_km",
            Problem::invalid(format!("kilometres from 0 to {KM_MAX}")),
        );
    }
    let notes = errs
        .take("notes", optional(input.notes.as_deref(), TEXT_MAX))
        .flatten();
    errs.into_result()?;
    Ok(DailyReport {
        id: before.map_or(0, |b| b.id),
        user_id: user,
        user_name: user_name.to_string(),
        day,
        lines,
        travel_km: input.travel_km.map(|k| (k * 10.0).round() / 10.0),
        notes,
        late_reason: late_reason.or_else(|| before.and_then(|b| b.late_reason.clone())),
        submitted_at: Some(now),
        created_at: before.map_or(now, |b| b.created_at),
        updated_at: now,
        version: before.map_or(1, |b| b.version + 1),
    })
}

/// Who sees everyone's reports and who has not submitted: the department — staff who
/// see the service desk, neither report themselves nor act only for their own customers.
/// The one place this is decided.
pub fn sees_everyones_reports(role: Role) -> bool {
    role.may(Permission::ViewServiceDesk)
        && !role.may(Permission::SubmitDailyReports)
        && !role.bound_to_own_customers()
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_documented_day_pattern_with_a_real_date_is_what_the_parser_takes() {
        let re = regex_automata::meta::Regex::new(DAY_PATTERN).unwrap();
        let real = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok();
        for s in [
            "2026-03-02",
            "0001-01-01",
            "9999-12-31",
            "2026-02-30",
            "2026-3-2",
            "20260302",
            "2026-03-02T00:00",
            "",
            "2026-13-01",
        ] {
            assert_eq!(re.is_match(s) && real(s), parse_day(s).is_ok(), "{s:?}");
        }
    }
    use super::*;
    use chrono::Duration;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn d(s: &str) -> NaiveDate {
        parse_day(s).unwrap()
    }

    fn trip(job: i64, place: &str, departed: &str, arrived: &str) -> DayTrip {
        DayTrip {
            job_id: JobId(job),
            ticket_id: TicketId(job * 10),
            job_type: JobType::Repair,
            problem: format!("故障 {job}"),
            customer: format!("客户 {job}"),
            place: place.into(),
            departed_at: Some(t(departed)),
            arrived_at: Some(t(arrived)),
        }
    }

    #[test]
    fn r4_6_report_prefilled_from_the_days_trips() {
        let trips = [
            trip(
                2,
                "浙江省杭州市桐庐县城南街道",
                "2026-11-27T13:00:00+08:00",
                "2026-11-27T14:10:00+08:00",
            ),
            trip(
                1,
                "浙江省杭州市西湖区文三路1号",
                "2026-11-27T08:30:00+08:00",
                "2026-11-27T09:05:00+08:00",
            ),
            // Yesterday's: not in today's report.
            trip(
                3,
                "浙江省宁波市",
                "2026-11-26T09:00:00+08:00",
                "2026-11-26T11:00:00+08:00",
            ),
        ];
        let lines = prefill(d("2026-11-27"), &trips, COMPANY_BASE);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].job_id, Some(1), "in order of departure");
        assert_eq!(lines[0].ticket.as_deref(), Some("SB00000010"));
        assert_eq!(lines[0].departed.as_deref(), Some("08:30"));
        assert_eq!(lines[0].arrived.as_deref(), Some("09:05"));
        assert_eq!(lines[0].travel_minutes, Some(35));
        assert_eq!(lines[0].place, "浙江省杭州市西湖区文三路1号");
        assert_eq!(lines[0].problem.as_deref(), Some("故障 1"));
        // From the base (杭州市) to 西湖区: a few km; from there to 桐庐县: far more.
        let first = lines[0].est_km.unwrap();
        let second = lines[1].est_km.unwrap();
        assert!(first < 20.0, "{first}");
        assert!(second > 50.0 && second < 150.0, "{second}");
        assert_eq!(lines[1].travel_minutes, Some(70));
        assert!((estimated_total_km(&lines) - first - second).abs() < 1e-9);
        assert!(lines.iter().all(|l| l.work.is_empty()), "work is typed");
    }

    #[test]
    fn r4_6_a_late_evening_trip_belongs_to_its_local_day() {
        // 23:30 on the 27th in company time is 15:30 UTC on the 27th; 00:30 on the 28th is
        // still the 27th in UTC.
        let late = trip(
            1,
            "浙江省杭州市",
            "2026-11-27T23:30:00+08:00",
            "2026-11-27T23:55:00+08:00",
        );
        let after_midnight = trip(
            2,
            "浙江省杭州市",
            "2026-11-28T00:30:00+08:00",
            "2026-11-28T01:00:00+08:00",
        );
        let trips = [late, after_midnight];
        let on_27 = prefill(d("2026-11-27"), &trips, COMPANY_BASE);
        assert_eq!(on_27.len(), 1);
        assert_eq!(on_27[0].job_id, Some(1));
        let on_28 = prefill(d("2026-11-28"), &trips, COMPANY_BASE);
        assert_eq!(
            on_28.iter().map(|l| l.job_id).collect::<Vec<_>>(),
            [Some(2)]
        );
        let (start, end) = day_bounds(d("2026-11-27"));
        assert_eq!(start, t("2026-11-26T16:00:00Z"));
        assert_eq!(end, t("2026-11-27T16:00:00Z"));
    }

    fn input(work: &str) -> ReportInput {
        ReportInput {
            lines: vec![
                ReportLine {
                    job_id: Some(1),
                    place: "杭州".into(),
                    work: work.into(),
                    ..ReportLine::default()
                },
                ReportLine::default(),
                ReportLine {
                    place: "办公室".into(),
                    work: "整理备件".into(),
                    ..ReportLine::default()
                },
            ],
            travel_km: Some(42.0),
            notes: None,
            late_reason: None,
        }
    }

    #[test]
    fn r4_6_report_completed_by_hand_and_checked() {
        let now = t("2026-11-27T18:00:00+08:00");
        let day = d("2026-11-27");
        let r = submit(
            None,
            UserId(7),
            "李",
            Role::Technician,
            day,
            &input("换压缩机"),
            now,
        )
        .unwrap();
        assert_eq!(r.lines.len(), 2, "the blank line is dropped");
        assert_eq!(r.submitted_at, Some(now));
        let Err(Error::Validation(errs)) = submit(
            None,
            UserId(7),
            "李",
            Role::Technician,
            day,
            &input(" "),
            now,
        ) else {
            panic!("refused")
        };
        assert!(errs.get("lines[0].work").is_some(), "{errs:?}");
        let mut far = input("x");
        far.travel_km = Some(-1.0);
        let Err(Error::Validation(errs)) =
            submit(None, UserId(7), "李", Role::Technician, day, &far, now)
        else {
            panic!("refused")
        };
        assert!(errs.get("travel_km").is_some());
        assert_eq!(
            submit(
                None,
                UserId(3),
                "张",
                Role::Salesperson,
                day,
                &input("x"),
                now
            ),
            Err(Error::Forbidden)
        );
    }

    #[test]
    fn r4_6_a_past_day_needs_a_reason_and_amendment_is_on_the_same_day() {
        let now = t("2026-11-27T18:00:00+08:00");
        let yesterday = d("2026-11-26");
        let Err(Error::Validation(errs)) = submit(
            None,
            UserId(7),
            "李",
            Role::Technician,
            yesterday,
            &input("x"),
            now,
        ) else {
            panic!("refused")
        };
        assert!(errs.get("late_reason").is_some());
        let mut why = input("x");
        why.late_reason = Some("昨晚无信号".into());
        assert!(
            submit(
                None,
                UserId(7),
                "李",
                Role::Technician,
                yesterday,
                &why,
                now
            )
            .is_ok()
        );
        let Err(Error::Validation(errs)) = submit(
            None,
            UserId(7),
            "李",
            Role::Technician,
            d("2026-11-28"),
            &input("x"),
            now,
        ) else {
            panic!("refused")
        };
        assert!(errs.get("day").is_some());

        let day = d("2026-11-27");
        let first = submit(
            None,
            UserId(7),
            "李",
            Role::Technician,
            day,
            &input("a"),
            now,
        )
        .unwrap();
        let later = now + Duration::hours(3);
        let amended = submit(
            Some(&first),
            UserId(7),
            "李",
            Role::Technician,
            day,
            &input("b"),
            later,
        )
        .unwrap();
        assert_eq!(amended.version, 2);
        assert_eq!(amended.lines[0].work, "b");
        let next_day = now + Duration::hours(7);
        assert!(matches!(
            submit(
                Some(&amended),
                UserId(7),
                "李",
                Role::Technician,
                day,
                &input("c"),
                next_day
            ),
            Err(Error::Conflict(_))
        ));
    }

    #[test]
    fn r4_6_the_department_sees_everyones_reports() {
        // (role, sees)
        let table = [
            (Role::Admin, true),
            (Role::ServiceManager, true),
            (Role::ServiceClerk, true),
            (Role::QualityEngineer, true),
            (Role::Technician, false),
            (Role::SeniorEngineer, false),
            (Role::Salesperson, false),
            (Role::Customer, false),
        ];
        for (role, want) in table {
            assert_eq!(sees_everyones_reports(role), want, "{role:?}");
        }
    }
}
