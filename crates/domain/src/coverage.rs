//! Warranty coverage of a unit on a date (R2 and its decisions in REQUIREMENTS.md).
//!
//! Computed, never typed: from the unit's dates and the policy version in force on its
//! commissioning date. Periods end the day before the anniversary (so a unit commissioned
//! on 29 February reaches its anniversary on 28 February and its warranty ends on the
//! 27th). A unit accepted but not yet commissioned is covered from acceptance until
//! commissioning. Dates are the company's (Asia/Shanghai).

use crate::ids::PolicyId;
use crate::product::{AfterFreeRepair, WarrantyPolicy};
use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// What the company owes on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageKind {
    /// Faulty components replaced free; a product not meeting the user's requirements may
    /// be returned (R2.1, R2.2).
    Warranty,
    /// Quality problems repaired free (R2.3).
    FreeRepair,
    /// Service for life, charged (R2.4 decision).
    Paid,
}

impl CoverageKind {
    pub const ALL: [CoverageKind; 3] = [
        CoverageKind::Warranty,
        CoverageKind::FreeRepair,
        CoverageKind::Paid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CoverageKind::Warranty => "warranty",
            CoverageKind::FreeRepair => "free_repair",
            CoverageKind::Paid => "paid",
        }
    }

    pub fn parse(s: &str) -> Option<CoverageKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The dates coverage is computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UnitDates {
    pub shipped_on: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    pub commissioned_on: Option<NaiveDate>,
}

/// Which fact of the unit the decision rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "basis", rename_all = "snake_case")]
pub enum Basis {
    /// Energized on this date: the periods run from it.
    Commissioned { commissioned_on: NaiveDate },
    /// Accepted by the customer, not yet energized on the date asked about: covered from
    /// acceptance until commissioning.
    AcceptedNotCommissioned { accepted_on: NaiveDate },
    /// Shipped, not yet accepted: still in delivery, the company's to put right.
    InDelivery { shipped_on: NaiveDate },
    /// No shipment, acceptance or commissioning on record by that date: nothing to count
    /// from, so the chargeable default applies until the dates are recorded.
    NoDates,
}

/// The policy version a decision used, kept with it so the decision can be explained later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyUsed {
    pub id: Option<PolicyId>,
    pub product_line: String,
    /// `None` for the built-in default.
    pub effective_from: Option<NaiveDate>,
    pub warranty_months: u32,
    pub free_repair_months: u32,
    pub after_free_repair: AfterFreeRepair,
}

impl From<&WarrantyPolicy> for PolicyUsed {
    fn from(p: &WarrantyPolicy) -> Self {
        PolicyUsed {
            id: p.id,
            product_line: p.product_line.clone(),
            effective_from: p.id.map(|_| p.effective_from),
            warranty_months: p.warranty_months,
            free_repair_months: p.free_repair_months,
            after_free_repair: p.after_free_repair,
        }
    }
}

/// The decision for a unit on a date, with what it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub coverage: CoverageKind,
    /// The date asked about.
    pub on: NaiveDate,
    /// Last day of full warranty; unknown until the unit is commissioned.
    pub warranty_ends_on: Option<NaiveDate>,
    /// Last day of free repair; unknown until commissioned, none when the policy makes
    /// repair free for life.
    pub free_repair_ends_on: Option<NaiveDate>,
    #[serde(flatten)]
    pub basis: Basis,
    pub policy: PolicyUsed,
}

/// The day before the anniversary `months` after `start` (chrono's month arithmetic
/// clamps 29 February to 28 February in a common year).
pub fn period_end(start: NaiveDate, months: u32) -> NaiveDate {
    start
        .checked_add_months(Months::new(months))
        .and_then(|a| a.checked_sub_days(Days::new(1)))
        .unwrap_or(NaiveDate::MAX)
}

/// The coverage of a unit of `product_line` on `on`. `policies` are the recorded versions
/// (of any line; the line's own are picked); the version in force on the date the periods
/// count from applies.
pub fn coverage_on(
    dates: &UnitDates,
    product_line: &str,
    policies: &[WarrantyPolicy],
    on: NaiveDate,
) -> Coverage {
    let commissioned = dates.commissioned_on.filter(|c| *c <= on);
    let accepted = dates.accepted_on.filter(|a| *a <= on);
    let shipped = dates.shipped_on.filter(|s| *s <= on);
    // The policy follows the date the periods count from: commissioning, else the first
    // date on record.
    let policy_date = dates
        .commissioned_on
        .or(dates.accepted_on)
        .or(dates.shipped_on)
        .unwrap_or(on);
    let policy = WarrantyPolicy::in_force(policies, product_line, policy_date);
    let used = PolicyUsed::from(&policy);
    let undecided = |kind, basis| Coverage {
        coverage: kind,
        on,
        warranty_ends_on: None,
        free_repair_ends_on: None,
        basis,
        policy: used.clone(),
    };
    let Some(start) = commissioned else {
        return match (accepted, shipped) {
            (Some(accepted_on), _) => undecided(
                CoverageKind::Warranty,
                Basis::AcceptedNotCommissioned { accepted_on },
            ),
            (None, Some(shipped_on)) => {
                undecided(CoverageKind::Warranty, Basis::InDelivery { shipped_on })
            }
            (None, None) => undecided(CoverageKind::Paid, Basis::NoDates),
        };
    };
    let warranty_ends_on = period_end(start, policy.warranty_months);
    let free_repair_ends_on = match policy.after_free_repair {
        AfterFreeRepair::Paid => Some(period_end(
            start,
            policy.warranty_months + policy.free_repair_months,
        )),
        AfterFreeRepair::Free => None,
    };
    let coverage = if on <= warranty_ends_on {
        CoverageKind::Warranty
    } else if free_repair_ends_on.is_none_or(|end| on <= end) {
        CoverageKind::FreeRepair
    } else {
        CoverageKind::Paid
    };
    Coverage {
        coverage,
        on,
        warranty_ends_on: Some(warranty_ends_on),
        free_repair_ends_on,
        basis: Basis::Commissioned {
            commissioned_on: start,
        },
        policy: used,
    }
}

impl Coverage {
    /// The catalogue key of the sentence that explains the decision, and its arguments
    /// (dates as `YYYY-MM-DD`). The sentence itself is in the reader's language.
    pub fn reason(&self) -> (&'static str, Vec<(&'static str, String)>) {
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let ends = vec![
            ("warranty_ends", date(self.warranty_ends_on)),
            ("free_repair_ends", date(self.free_repair_ends_on)),
        ];
        match self.basis {
            Basis::Commissioned { commissioned_on } => {
                let mut args = vec![("commissioned", commissioned_on.to_string())];
                args.extend(ends);
                let key = match (self.coverage, self.free_repair_ends_on) {
                    (CoverageKind::Warranty, _) => "coverage.reason.warranty",
                    (CoverageKind::FreeRepair, Some(_)) => "coverage.reason.free_repair",
                    (CoverageKind::FreeRepair, None) => "coverage.reason.free_for_life",
                    (CoverageKind::Paid, _) => "coverage.reason.paid",
                };
                (key, args)
            }
            Basis::AcceptedNotCommissioned { accepted_on } => (
                "coverage.reason.accepted",
                vec![("accepted", accepted_on.to_string())],
            ),
            Basis::InDelivery { shipped_on } => (
                "coverage.reason.in_delivery",
                vec![("shipped", shipped_on.to_string())],
            ),
            Basis::NoDates => ("coverage.reason.no_dates", vec![]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn commissioned(on: &str) -> UnitDates {
        UnitDates {
            shipped_on: Some(d(on) - Days::new(30)),
            accepted_on: Some(d(on) - Days::new(10)),
            commissioned_on: Some(d(on)),
        }
    }

    fn kind(dates: &UnitDates, on: &str) -> CoverageKind {
        coverage_on(dates, "switchgear", &[], d(on)).coverage
    }

    /// (rule, commissioned on, asked on, expected coverage)
    #[test]
    fn r2_coverage_at_every_boundary() {
        let table = [
            (
                "r2_1_commissioning_day_is_warranty",
                "2025-03-01",
                "2025-03-01",
                "warranty",
            ),
            (
                "r2_1_last_day_of_warranty",
                "2025-03-01",
                "2027-02-28",
                "warranty",
            ),
            (
                "r2_3_first_day_of_free_repair",
                "2025-03-01",
                "2027-03-01",
                "free_repair",
            ),
            (
                "r2_3_last_day_of_free_repair",
                "2025-03-01",
                "2030-02-28",
                "free_repair",
            ),
            ("r2_4_first_paid_day", "2025-03-01", "2030-03-01", "paid"),
            ("r2_4_paid_for_life", "2025-03-01", "2060-01-01", "paid"),
            (
                "r2_1_leap_day_warranty_ends_27_feb",
                "2024-02-29",
                "2026-02-27",
                "warranty",
            ),
            (
                "r2_3_leap_day_anniversary_is_28_feb",
                "2024-02-29",
                "2026-02-28",
                "free_repair",
            ),
            (
                "r2_3_leap_day_free_repair_ends_27_feb",
                "2024-02-29",
                "2029-02-27",
                "free_repair",
            ),
            (
                "r2_4_leap_day_paid_from_28_feb",
                "2024-02-29",
                "2029-02-28",
                "paid",
            ),
        ];
        for (rule, from, on, want) in table {
            assert_eq!(kind(&commissioned(from), on).as_str(), want, "{rule}");
        }
    }

    #[test]
    fn r2_end_dates_are_the_day_before_the_anniversary() {
        let c = coverage_on(
            &commissioned("2025-03-01"),
            "switchgear",
            &[],
            d("2026-01-01"),
        );
        assert_eq!(c.warranty_ends_on, Some(d("2027-02-28")));
        assert_eq!(c.free_repair_ends_on, Some(d("2030-02-28")));
        assert_eq!(c.policy.effective_from, None, "the built-in default");
        let leap = coverage_on(
            &commissioned("2024-02-29"),
            "switchgear",
            &[],
            d("2024-03-01"),
        );
        assert_eq!(leap.warranty_ends_on, Some(d("2026-02-27")));
        assert_eq!(leap.free_repair_ends_on, Some(d("2029-02-27")));
        // A leap anniversary stays on the 29th.
        assert_eq!(period_end(d("2024-02-29"), 48), d("2028-02-28"));
    }

    #[test]
    fn r2_decision_accepted_not_commissioned_is_covered_from_acceptance() {
        let dates = UnitDates {
            shipped_on: Some(d("2026-01-05")),
            accepted_on: Some(d("2026-01-20")),
            commissioned_on: None,
        };
        let c = coverage_on(&dates, "switchgear", &[], d("2026-11-27"));
        assert_eq!(c.coverage, CoverageKind::Warranty);
        assert_eq!(
            c.warranty_ends_on, None,
            "counted from commissioning, not yet known"
        );
        assert_eq!(
            c.basis,
            Basis::AcceptedNotCommissioned {
                accepted_on: d("2026-01-20")
            }
        );
        assert_eq!(c.reason().0, "coverage.reason.accepted");
        // Years later, still not energized: still covered, as the decision says.
        assert_eq!(kind(&dates, "2031-01-01"), CoverageKind::Warranty);
        // Asked about a day before commissioning that came later: acceptance covered it.
        let later = UnitDates {
            commissioned_on: Some(d("2026-06-01")),
            ..dates
        };
        let before = coverage_on(&later, "switchgear", &[], d("2026-05-31"));
        assert_eq!(before.coverage, CoverageKind::Warranty);
        assert!(matches!(
            before.basis,
            Basis::AcceptedNotCommissioned { .. }
        ));
    }

    #[test]
    fn r2_unit_in_delivery_or_without_dates() {
        let shipped = UnitDates {
            shipped_on: Some(d("2026-11-01")),
            ..UnitDates::default()
        };
        assert_eq!(kind(&shipped, "2026-11-27"), CoverageKind::Warranty);
        let c = coverage_on(&UnitDates::default(), "switchgear", &[], d("2026-11-27"));
        assert_eq!((c.coverage, c.basis), (CoverageKind::Paid, Basis::NoDates));
        assert_eq!(c.reason().0, "coverage.reason.no_dates");
    }

    fn version(from: &str, warranty: u32, free: u32) -> WarrantyPolicy {
        WarrantyPolicy {
            id: Some(PolicyId(7)),
            effective_from: d(from),
            warranty_months: warranty,
            free_repair_months: free,
            ..WarrantyPolicy::default_for("switchgear")
        }
    }

    #[test]
    fn r2_policy_version_follows_the_commissioning_date() {
        let v2 = [version("2026-07-01", 36, 24)];
        // Commissioned the day before the new version: the default still covers it.
        let old = coverage_on(
            &commissioned("2026-06-30"),
            "switchgear",
            &v2,
            d("2028-07-01"),
        );
        assert_eq!(old.coverage, CoverageKind::FreeRepair);
        assert_eq!(old.warranty_ends_on, Some(d("2028-06-29")));
        // Commissioned on the effective date: the new version, 36 months of warranty.
        let new = coverage_on(
            &commissioned("2026-07-01"),
            "switchgear",
            &v2,
            d("2028-07-01"),
        );
        assert_eq!(new.coverage, CoverageKind::Warranty);
        assert_eq!(new.warranty_ends_on, Some(d("2029-06-30")));
        assert_eq!(new.free_repair_ends_on, Some(d("2031-06-30")));
        assert_eq!(new.policy.effective_from, Some(d("2026-07-01")));
        // Another line's policy does not apply.
        let other = coverage_on(
            &commissioned("2026-07-01"),
            "transformers",
            &v2,
            d("2028-07-01"),
        );
        assert_eq!(other.coverage, CoverageKind::FreeRepair);
    }

    #[test]
    fn r2_decision_made_before_a_policy_change_is_kept_as_recorded() {
        // A ticket records the decision on its received date; a later retroactive version
        // changes what is computed now, never what was recorded.
        let unit = commissioned("2024-01-10");
        let recorded = coverage_on(&unit, "switchgear", &[], d("2026-03-01"));
        assert_eq!(recorded.coverage, CoverageKind::FreeRepair);
        let stored = serde_json::to_string(&recorded).unwrap_or_default();
        let retro = [version("2024-01-01", 36, 24)];
        let now = coverage_on(&unit, "switchgear", &retro, d("2026-03-01"));
        assert_eq!(now.coverage, CoverageKind::Warranty);
        let read_back: Coverage = serde_json::from_str(&stored).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            read_back, recorded,
            "the recorded decision reads back unchanged"
        );
    }

    #[test]
    fn r2_4_a_policy_may_make_service_free_for_life() {
        let free = [WarrantyPolicy {
            after_free_repair: AfterFreeRepair::Free,
            ..version("2020-01-01", 24, 36)
        }];
        let c = coverage_on(
            &commissioned("2021-01-01"),
            "switchgear",
            &free,
            d("2060-01-01"),
        );
        assert_eq!(c.coverage, CoverageKind::FreeRepair);
        assert_eq!(c.free_repair_ends_on, None);
        assert_eq!(c.reason().0, "coverage.reason.free_for_life");
    }

    #[test]
    fn r2_reason_names_the_dates() {
        let c = coverage_on(
            &commissioned("2025-03-01"),
            "switchgear",
            &[],
            d("2026-01-01"),
        );
        let (key, args) = c.reason();
        assert_eq!(key, "coverage.reason.warranty");
        assert!(args.contains(&("commissioned", "2025-03-01".to_string())));
        assert!(args.contains(&("warranty_ends", "2027-02-28".to_string())));
    }
}
