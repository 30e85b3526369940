//! Dispatch (issue 8): who each technician is to the dispatcher — where they are based and
//! which product lines they know — and the pure assembly of the candidates that
//! [`travel::rank`] orders, from what the store reads: their profile and the jobs they are
//! on now.
//!
//! Where a technician sets off is the site of their latest job with a crew out
//! (dispatched, underway, on site), else their base; when they are free is now, or that
//! job's expected end ([`TIME_TO_FINISH`] after they are there).

use crate::error::{Error, FieldErrors, Problem};
use crate::field::JobStatus;
use crate::ids::UserId;
use crate::text::optional;
use crate::travel::{Candidate, Origin, locate};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{Value, json};

/// The longest base address.
pub const BASE_ADDRESS_MAX: usize = 200;

/// How long a job on site is expected to take from arrival: a technician on site (or on
/// the way) is counted free this long after they are (expected) there.
pub const TIME_TO_FINISH: Duration = Duration::minutes(60);

/// A technician's dispatch profile. One that was never saved has no base, no lines and
/// version 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TechnicianProfile {
    pub user_id: UserId,
    /// Office or home: where they set off when not on a job.
    pub base_address: Option<String>,
    /// Product-line codes (as the product models name them), sorted.
    pub product_lines: Vec<String>,
    pub updated_by: Option<UserId>,
    pub updated_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl TechnicianProfile {
    /// The profile of a technician nobody has described yet.
    pub fn blank(user_id: UserId) -> TechnicianProfile {
        TechnicianProfile {
            user_id,
            base_address: None,
            product_lines: Vec::new(),
            updated_by: None,
            updated_at: None,
            version: 0,
        }
    }

    /// The profile with `fields` written by `by` at `now` (version counted on).
    pub fn with(&self, fields: ProfileFields, by: UserId, now: DateTime<Utc>) -> TechnicianProfile {
        TechnicianProfile {
            user_id: self.user_id,
            base_address: fields.base_address,
            product_lines: fields.product_lines,
            updated_by: Some(by),
            updated_at: Some(crate::time::to_store_precision(now)),
            version: self.version + 1,
        }
    }

    /// What the audit trail records of a profile.
    pub fn audit_view(&self) -> Value {
        json!({ "base_address": self.base_address, "product_lines": self.product_lines })
    }
}

/// A profile as checked: what may be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileFields {
    pub base_address: Option<String>,
    pub product_lines: Vec<String>,
}

impl ProfileFields {
    /// The base address is optional and at most [`BASE_ADDRESS_MAX`] characters; each
    /// product line must be one of `known` (the lines the product models name). Lines are
    /// kept once each, sorted. Problems are named `base_address` and `product_lines`.
    pub fn parse(
        base_address: Option<&str>,
        product_lines: &[String],
        known: &[String],
    ) -> Result<ProfileFields, Error> {
        let mut errs = FieldErrors::new();
        let base_address = errs
            .take("base_address", optional(base_address, BASE_ADDRESS_MAX))
            .flatten();
        let mut lines: Vec<String> = product_lines
            .iter()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        lines.sort();
        lines.dedup();
        let unknown: Vec<&str> = lines
            .iter()
            .filter(|l| !known.contains(l))
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            errs.add(
                "product_lines",
                Problem::new(
                    "not_found",
                    format!("no product line {}", unknown.join(", ")),
                ),
            );
        }
        errs.into_result()?;
        Ok(ProfileFields {
            base_address,
            product_lines: lines,
        })
    }
}

/// A job a technician is on the current crew of, as the dispatcher needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentJob {
    pub status: JobStatus,
    /// The site's address (else the customer's).
    pub address: Option<String>,
    /// When the current trip was dispatched (which job is the latest).
    pub dispatched_at: Option<DateTime<Utc>>,
    /// When the crew is expected on site, as promised at dispatch.
    pub expected_at: Option<DateTime<Utc>>,
}

/// Whether a job counts as the technician's load: a crew is out, or the form was sent
/// back to them.
fn is_load(status: JobStatus) -> bool {
    status.is_out() || status == JobStatus::Returned
}

/// One candidate for a job of product line `job_line` (None when unknown), from the
/// technician's profile and the jobs they are on:
/// - from: the site of their latest job with a crew out (dispatched/underway/on site),
///   else their base; Unknown when that place is not recognised;
/// - free at: now when no crew of theirs is out; on site: now + [`TIME_TO_FINISH`];
///   dispatched or underway: their trip's expected arrival (now when none) +
///   [`TIME_TO_FINISH`];
/// - open jobs: the jobs out or returned to them;
/// - knows the line: true when the job's line is unknown; otherwise when it is one of
///   theirs (no lines = knows none).
pub fn candidate(
    profile: &TechnicianProfile,
    jobs: &[CurrentJob],
    job_line: Option<&str>,
    now: DateTime<Utc>,
) -> Candidate {
    let current = jobs
        .iter()
        .filter(|j| j.status.is_out())
        .max_by_key(|j| j.dispatched_at);
    let (from, origin, free_at) = match current {
        Some(j) => {
            let from = j.address.as_deref().and_then(locate);
            let origin = if from.is_some() {
                Origin::Job
            } else {
                Origin::Unknown
            };
            let there = match j.status {
                JobStatus::OnSite => now,
                _ => j.expected_at.unwrap_or(now).max(now),
            };
            (from, origin, there + TIME_TO_FINISH)
        }
        None => {
            let from = profile.base_address.as_deref().and_then(locate);
            let origin = if from.is_some() {
                Origin::Base
            } else {
                Origin::Unknown
            };
            (from, origin, now)
        }
    };
    let open_jobs = jobs.iter().filter(|j| is_load(j.status)).count();
    Candidate {
        technician: profile.user_id,
        from,
        origin,
        free_at,
        open_jobs: u32::try_from(open_jobs).unwrap_or(u32::MAX),
        knows_line: job_line.is_none_or(|l| profile.product_lines.iter().any(|p| p == l)),
    }
}

/// The order jobs wait in: the most urgent arrival deadline first; jobs without one after,
/// oldest first. The key sorts ascending.
pub fn urgency(
    deadline: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
) -> (bool, Option<DateTime<Utc>>, DateTime<Utc>) {
    (deadline.is_none(), deadline, created_at)
}

/// When a crew arrives: together, so at the latest eta among them; None when anyone's is
/// unknown or nobody is chosen.
pub fn crew_eta(etas: &[Option<DateTime<Utc>>]) -> Option<DateTime<Utc>> {
    if etas.is_empty() || etas.iter().any(Option::is_none) {
        return None;
    }
    etas.iter().flatten().max().copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
    }

    fn profile(base: Option<&str>, lines: &[&str]) -> TechnicianProfile {
        TechnicianProfile {
            base_address: base.map(str::to_string),
            product_lines: lines.iter().map(|s| s.to_string()).collect(),
            ..TechnicianProfile::blank(UserId(7))
        }
    }

    fn job(status: JobStatus, address: &str, dispatched: u32, expected: Option<u32>) -> CurrentJob {
        CurrentJob {
            status,
            address: Some(address.to_string()),
            dispatched_at: Some(at(dispatched, 0)),
            expected_at: expected.map(|h| at(h, 0)),
        }
    }

    fn known() -> Vec<String> {
        vec!["switchgear".into(), "transformer".into()]
    }

    #[test]
    fn dispatch_profile_base_is_optional_and_lines_are_kept_once_sorted() {
        let lines = vec![
            "transformer".into(),
            " switchgear ".into(),
            "transformer".into(),
        ];
        let p = ProfileFields::parse(Some("  "), &lines, &known()).unwrap();
        assert_eq!(p.base_address, None);
        assert_eq!(p.product_lines, ["switchgear", "transformer"]);
        let p = ProfileFields::parse(Some(" 浙江省桐庐县 "), &[], &known()).unwrap();
        assert_eq!(p.base_address.as_deref(), Some("浙江省桐庐县"));
        assert!(p.product_lines.is_empty());
    }

    #[test]
    fn dispatch_profile_names_each_bad_field() {
        let long = "杭".repeat(BASE_ADDRESS_MAX + 1);
        let cases: [(&str, Vec<String>, &[&str]); 3] = [
            (&long, vec![], &["base_address"]),
            ("杭州", vec!["pumps".into()], &["product_lines"]),
            (
                &long,
                vec!["pumps".into()],
                &["base_address", "product_lines"],
            ),
        ];
        for (base, lines, fields) in cases {
            match ProfileFields::parse(Some(base), &lines, &known()) {
                Err(Error::Validation(errs)) => {
                    let named: Vec<&str> = errs.0.keys().map(String::as_str).collect();
                    assert_eq!(named, fields, "{base:.10} {lines:?}");
                }
                other => panic!("{other:?}"),
            }
        }
        let base = "杭".repeat(BASE_ADDRESS_MAX);
        assert!(ProfileFields::parse(Some(&base), &[], &known()).is_ok());
    }

    #[test]
    fn dispatch_sets_off_from_the_latest_job_out_else_the_base() {
        let p = profile(Some("浙江省杭州市桐庐县"), &[]);
        let now = at(9, 0);
        let cases = [
            (vec![], Some("桐庐县"), Origin::Base),
            (
                vec![job(JobStatus::OnSite, "浙江省温州市鹿城区", 8, Some(8))],
                Some("鹿城区"),
                Origin::Job,
            ),
            (
                vec![
                    job(JobStatus::OnSite, "浙江省温州市鹿城区", 7, Some(8)),
                    job(JobStatus::Dispatched, "浙江省宁波市北仑区", 8, Some(10)),
                ],
                Some("北仑区"),
                Origin::Job,
            ),
            // A job not out (submitted, returned) is not where they are.
            (
                vec![job(JobStatus::Submitted, "浙江省温州市鹿城区", 8, Some(8))],
                Some("桐庐县"),
                Origin::Base,
            ),
            (
                vec![job(JobStatus::Underway, "无法识别的地方", 8, Some(10))],
                None,
                Origin::Unknown,
            ),
        ];
        for (jobs, place, origin) in cases {
            let c = candidate(&p, &jobs, None, now);
            assert_eq!(c.from.map(|l| l.name), place, "{jobs:?}");
            assert_eq!(c.origin, origin, "{jobs:?}");
        }
        let nowhere = candidate(&profile(None, &[]), &[], None, now);
        assert_eq!((nowhere.from, nowhere.origin), (None, Origin::Unknown));
    }

    #[test]
    fn dispatch_free_now_or_an_hour_after_being_on_site() {
        let p = profile(Some("杭州市"), &[]);
        let now = at(9, 0);
        let cases = [
            (vec![], now),
            (
                vec![job(JobStatus::OnSite, "杭州市", 7, Some(8))],
                at(10, 0),
            ),
            (
                vec![job(JobStatus::Dispatched, "杭州市", 8, Some(11))],
                at(12, 0),
            ),
            (
                vec![job(JobStatus::Underway, "杭州市", 8, Some(11))],
                at(12, 0),
            ),
            // Expected already past, or not said: counted from now.
            (
                vec![job(JobStatus::Underway, "杭州市", 7, Some(8))],
                at(10, 0),
            ),
            (
                vec![job(JobStatus::Dispatched, "杭州市", 7, None)],
                at(10, 0),
            ),
            (vec![job(JobStatus::Returned, "杭州市", 7, None)], now),
        ];
        for (jobs, free) in cases {
            assert_eq!(candidate(&p, &jobs, None, now).free_at, free, "{jobs:?}");
        }
        assert_eq!(TIME_TO_FINISH, Duration::minutes(60));
    }

    #[test]
    fn dispatch_load_counts_jobs_out_and_sent_back() {
        let p = profile(None, &[]);
        let jobs = [
            job(JobStatus::OnSite, "杭州市", 7, None),
            job(JobStatus::Dispatched, "杭州市", 8, None),
            job(JobStatus::Returned, "杭州市", 6, None),
            job(JobStatus::Submitted, "杭州市", 5, None),
            job(JobStatus::Done, "杭州市", 4, None),
        ];
        assert_eq!(candidate(&p, &jobs, None, at(9, 0)).open_jobs, 3);
    }

    #[test]
    fn dispatch_knows_the_line_when_it_is_theirs_or_the_job_line_is_unknown() {
        let now = at(9, 0);
        let cases = [
            (vec!["switchgear"], Some("switchgear"), true),
            (vec!["switchgear"], Some("transformer"), false),
            (vec![], Some("switchgear"), false),
            (vec![], None, true),
            (vec!["transformer"], None, true),
        ];
        for (lines, line, knows) in cases {
            let c = candidate(&profile(None, &lines), &[], line, now);
            assert_eq!(c.knows_line, knows, "{lines:?} {line:?}");
        }
    }

    #[test]
    fn dispatch_most_urgent_deadline_first_then_oldest_without_one() {
        let mut jobs = [
            ("no deadline, newer", None, at(8, 0)),
            ("due 15:00", Some(at(15, 0)), at(7, 0)),
            ("no deadline, older", None, at(6, 0)),
            ("due 11:00", Some(at(11, 0)), at(8, 30)),
        ];
        jobs.sort_by_key(|(_, d, c)| urgency(*d, *c));
        let order: Vec<&str> = jobs.iter().map(|j| j.0).collect();
        assert_eq!(
            order,
            [
                "due 11:00",
                "due 15:00",
                "no deadline, older",
                "no deadline, newer"
            ]
        );
    }

    #[test]
    fn dispatch_crew_arrives_together_at_the_latest_eta() {
        assert_eq!(
            crew_eta(&[Some(at(10, 0)), Some(at(11, 5))]),
            Some(at(11, 5))
        );
        assert_eq!(crew_eta(&[Some(at(10, 0))]), Some(at(10, 0)));
        assert_eq!(crew_eta(&[Some(at(10, 0)), None]), None);
        assert_eq!(crew_eta(&[]), None);
    }
}
