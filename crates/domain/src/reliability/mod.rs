//! Field reliability (R5.1, issue 11 item 4): what the installed base says about each
//! product model — failures by months in service, the failure rate per 1,000 units in
//! service, a Weibull fit of the time to first failure, and the early-life alarm.
//!
//! Everything here is pure arithmetic on counts the store aggregates in SQL (units by
//! commissioning month, failures by months in service, units by age): the store never has
//! to hand a fleet of 200,000 units to the application one by one.
//!
//! Decisions, so the figures mean one thing:
//! - **Months in service** of a failure are the whole calendar months completed between the
//!   commissioning date and the failure date ([`months_in_service`]): a failure within the
//!   first month is in month 0.
//! - **Population at risk** ([`Population`]): a unit counts from the month it was
//!   commissioned in (mid-month counts from that month) up to and including the month it
//!   left service (a unit returned and replaced leaves at its return; its replacement is
//!   another unit, entering from its own commissioning date). [`ServiceLife`] makes this
//!   explicit per unit; the store gives the same thing as counts per month
//!   ([`Population::from_counts`]).
//! - **Weibull fit** ([`fit_weibull`]): time to a unit's *first* failure, in days. A unit
//!   that has not failed is right-censored at its age on the day of the analysis (or on the
//!   day it left service). The fit needs at least [`MIN_FAILURES_FOR_FIT`] failures at two
//!   different ages; otherwise it answers why not ([`NoFit`]).
//! - **Early-life alarm** ([`early_life_alarm`]): failures in the first N months of service
//!   per 1,000 units commissioned, against a set rate.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::time::Month;

#[cfg(test)]
mod tests;

/// The fewest failures a Weibull fit is made from. With two parameters, two failures
/// always fit exactly and say nothing about the spread; three is the least that gives an
/// estimate at all (the page says how few they are), and reliability handbooks ask for
/// the same minimum before quoting a shape.
pub const MIN_FAILURES_FOR_FIT: u64 = 3;

/// Mean length of a month in days (365.25 / 12), to show a scale in days as months.
pub const DAYS_PER_MONTH: f64 = 30.4375;

/// Whole calendar months completed between `commissioned_on` and `on` (0 within the first
/// month of service); `None` when `on` is before commissioning (a data error the caller
/// lists rather than counts).
pub fn months_in_service(commissioned_on: NaiveDate, on: NaiveDate) -> Option<u32> {
    if on < commissioned_on {
        return None;
    }
    let months = (on.year() - commissioned_on.year()) * 12 + on.month() as i32
        - commissioned_on.month() as i32
        - i32::from(on.day() < commissioned_on.day());
    u32::try_from(months).ok()
}

/// How a unit's service ends, as far as the population at risk is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Still running at the customer's site.
    Running,
    /// Returned (and, when replaced, the replacement is another [`ServiceLife`] with its
    /// own commissioning date): the unit leaves the population after this day's month.
    Returned(NaiveDate),
}

/// One unit's time in service: from its commissioning date to its exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceLife {
    pub commissioned_on: NaiveDate,
    pub exit: Exit,
}

/// Units in service per calendar month, built from entries (commissioning) and exits
/// (returns) per month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Population {
    entries: BTreeMap<Month, u64>,
    exits: BTreeMap<Month, u64>,
}

fn month_of(d: NaiveDate) -> Month {
    Month {
        year: d.year(),
        month: d.month(),
    }
}

impl Population {
    /// From each unit's own life: explicit, for tests and small fleets.
    pub fn from_lives(lives: &[ServiceLife]) -> Population {
        let mut p = Population::default();
        for life in lives {
            *p.entries.entry(month_of(life.commissioned_on)).or_default() += 1;
            if let Exit::Returned(on) = life.exit {
                // A unit returned before its commissioning month is a data error; it still
                // leaves no earlier than it entered.
                let m = month_of(on.max(life.commissioned_on));
                *p.exits.entry(m).or_default() += 1;
            }
        }
        p
    }

    /// From counts per month, as the store aggregates them: units commissioned in each
    /// month, and units that left service (returned) in each month.
    pub fn from_counts(
        entries: impl IntoIterator<Item = (Month, u64)>,
        exits: impl IntoIterator<Item = (Month, u64)>,
    ) -> Population {
        let mut p = Population::default();
        for (m, n) in entries {
            *p.entries.entry(m).or_default() += n;
        }
        for (m, n) in exits {
            *p.exits.entry(m).or_default() += n;
        }
        p
    }

    /// Units in service during `month`: commissioned in or before it, and not returned
    /// before it (a unit returned during the month was at risk in it).
    pub fn in_service(&self, month: Month) -> u64 {
        let entered: u64 = self.entries.range(..=month).map(|(_, n)| n).sum();
        let left: u64 = self.exits.range(..month).map(|(_, n)| n).sum();
        entered.saturating_sub(left)
    }

    /// All units ever commissioned.
    pub fn commissioned(&self) -> u64 {
        self.entries.values().sum()
    }

    /// The first month any unit was in service.
    pub fn first_month(&self) -> Option<Month> {
        self.entries.keys().next().copied()
    }
}

/// The failure rate of one calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MonthlyRate {
    pub month: Month,
    pub units_in_service: u64,
    pub failures: u64,
    /// Failures per 1,000 units in service in the month; `None` with no unit in service.
    pub per_thousand: Option<f64>,
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// Failures per 1,000 units; `None` when there are no units.
pub fn per_thousand(failures: u64, units: u64) -> Option<f64> {
    (units > 0).then(|| failures as f64 * 1000.0 / units as f64)
}

/// The failure rate per 1,000 units in service for each month from `from` to `to`
/// (inclusive), with `failures` counted by the calendar month they happened in.
pub fn monthly_rates(
    population: &Population,
    failures: &BTreeMap<Month, u64>,
    from: Month,
    to: Month,
) -> Vec<MonthlyRate> {
    let mut out = Vec::new();
    let mut m = from;
    while m <= to {
        let units = population.in_service(m);
        let f = failures.get(&m).copied().unwrap_or(0);
        out.push(MonthlyRate {
            month: m,
            units_in_service: units,
            failures: f,
            per_thousand: per_thousand(f, units),
        });
        m = m.next();
    }
    out
}

/// The early-life alarm setting: failures in the first `months` months of service must not
/// exceed `max_per_thousand` per 1,000 units commissioned.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EarlyLifeSetting {
    pub months: u32,
    pub max_per_thousand: f64,
}

impl Default for EarlyLifeSetting {
    /// Three months, 20 per 1,000 (2 %): a model that loses more than one unit in fifty
    /// within its first quarter in service has a design, manufacturing or purchasing
    /// problem worth the quality engineer's attention.
    fn default() -> Self {
        EarlyLifeSetting {
            months: 3,
            max_per_thousand: 20.0,
        }
    }
}

impl EarlyLifeSetting {
    /// The setting as typed (`early_months`, `early_limit`; empty keeps the default): the
    /// first 1–24 months, a limit of 0–1,000 per 1,000 units.
    pub fn parse(months: &str, limit: &str) -> Result<EarlyLifeSetting, crate::Error> {
        let d = EarlyLifeSetting::default();
        let mut errs = crate::FieldErrors::new();
        let months = match months.trim() {
            "" => Some(d.months),
            s => errs.take(
                "early_months",
                s.parse::<u32>()
                    .ok()
                    .filter(|m| (1..=24).contains(m))
                    .ok_or_else(|| crate::Problem::invalid("a whole number of months, 1 to 24")),
            ),
        };
        let limit = match limit.trim() {
            "" => Some(d.max_per_thousand),
            s => errs.take(
                "early_limit",
                s.parse::<f64>()
                    .ok()
                    .filter(|l| l.is_finite() && (0.0..=1000.0).contains(l))
                    .ok_or_else(|| crate::Problem::invalid("failures per 1,000 units, 0 to 1000")),
            ),
        };
        errs.into_result()?;
        Ok(EarlyLifeSetting {
            months: months.unwrap_or(d.months),
            max_per_thousand: limit.unwrap_or(d.max_per_thousand),
        })
    }
}

/// What the early-life check found for a model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EarlyLife {
    pub months: u32,
    /// Failures in months 0 .. `months` − 1 of service.
    pub failures: u64,
    pub units: u64,
    pub per_thousand: Option<f64>,
    pub limit_per_thousand: f64,
    pub alarm: bool,
}

/// The early-life check: failures by months in service (`by_months[k]` = failures in
/// month k of service) against the units commissioned. The alarm sounds when the rate is
/// strictly above the limit.
pub fn early_life_alarm(by_months: &[u64], units: u64, setting: EarlyLifeSetting) -> EarlyLife {
    let failures: u64 = by_months.iter().take(setting.months as usize).sum();
    let rate = per_thousand(failures, units);
    EarlyLife {
        months: setting.months,
        failures,
        units,
        per_thousand: rate,
        limit_per_thousand: setting.max_per_thousand,
        alarm: rate.is_some_and(|r| r > setting.max_per_thousand),
    }
}

/// Failures by months in service as a dense vector (index = months in service), from the
/// store's sparse counts.
pub fn by_months_dense(counts: &BTreeMap<u32, u64>) -> Vec<u64> {
    let len = counts.keys().next_back().map_or(0, |m| *m as usize + 1);
    let mut v = vec![0; len];
    for (m, n) in counts {
        v[*m as usize] += n;
    }
    v
}

/// One group of identical observations: `count` units with the same time (days in
/// service), either all failed at it or all still running (censored) at it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    pub days: f64,
    pub failed: bool,
    pub count: u64,
}

impl Observation {
    pub fn failure(days: f64) -> Observation {
        Observation {
            days,
            failed: true,
            count: 1,
        }
    }
    pub fn censored(days: f64) -> Observation {
        Observation {
            days,
            failed: false,
            count: 1,
        }
    }
}

/// A two-parameter Weibull fitted by maximum likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WeibullFit {
    /// β: below 1 failures come early in life (infant mortality), near 1 at random, above
    /// 1 with wear-out.
    pub shape: f64,
    /// η, in days: the age by which 63.2 % of units have failed.
    pub scale_days: f64,
    pub failures: u64,
    pub censored: u64,
}

impl WeibullFit {
    pub fn scale_months(&self) -> f64 {
        self.scale_days / DAYS_PER_MONTH
    }

    /// The plain-language reading of β.
    pub fn reading(&self) -> Reading {
        Reading::of(self.shape)
    }
}

/// What a shape β says, in words the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reading {
    /// β < 0.9: failures concentrate early in life.
    EarlyLife,
    /// 0.9 ≤ β ≤ 1.1: failures come at random, at a steady rate.
    Random,
    /// β > 1.1: failures grow with age.
    WearOut,
}

impl Reading {
    /// The band around 1 where a fit from field data cannot tell a rising or falling rate
    /// from a steady one is ±0.1.
    pub fn of(shape: f64) -> Reading {
        if shape < 0.9 {
            Reading::EarlyLife
        } else if shape <= 1.1 {
            Reading::Random
        } else {
            Reading::WearOut
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Reading::EarlyLife => "early_life",
            Reading::Random => "random",
            Reading::WearOut => "wear_out",
        }
    }
}

/// Why no Weibull fit is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoFit {
    /// Fewer than [`MIN_FAILURES_FOR_FIT`] failures.
    TooFewFailures,
    /// All failures at one age with no unit running beyond it: the shape is unbounded.
    NoSpread,
    /// A time that is not a positive finite number of days.
    InvalidTime,
    /// The root find did not settle within its iterations.
    NotConverged,
}

impl NoFit {
    pub fn as_str(self) -> &'static str {
        match self {
            NoFit::TooFewFailures => "too_few_failures",
            NoFit::NoSpread => "no_spread",
            NoFit::InvalidTime => "invalid_time",
            NoFit::NotConverged => "not_converged",
        }
    }
}

/// Bounds of the shape searched: far beyond any physical product (β of 0.01 or 200).
const SHAPE_MIN: f64 = 0.01;
const SHAPE_MAX: f64 = 200.0;

/// Maximum-likelihood fit of a two-parameter Weibull to failure times with right-censored
/// units.
///
/// With r failures at times tᵢ (i ∈ F) and every unit's time tⱼ (failed or censored), the
/// likelihood's maximum over η for a given β is at ηᵝ = Σⱼ tⱼᵝ / r, and β solves the profile
/// equation
///
/// g(β) = Σⱼ tⱼᵝ ln tⱼ / Σⱼ tⱼᵝ − 1/β − (1/r) Σᵢ∈F ln tᵢ = 0,
///
/// where g rises strictly with β (its derivative is a variance plus 1/β²), so the root is
/// unique. It is found by Newton's method kept inside a bracket that bisection narrows
/// (never leaving it, so it always converges), on times divided by the largest time (g does
/// not change, and tᵝ cannot overflow).
pub fn fit_weibull(observations: &[Observation]) -> Result<WeibullFit, NoFit> {
    let obs: Vec<Observation> = observations
        .iter()
        .copied()
        .filter(|o| o.count > 0)
        .collect();
    if obs.iter().any(|o| !(o.days.is_finite() && o.days > 0.0)) {
        return Err(NoFit::InvalidTime);
    }
    let failures: u64 = obs.iter().filter(|o| o.failed).map(|o| o.count).sum();
    let censored: u64 = obs.iter().filter(|o| !o.failed).map(|o| o.count).sum();
    if failures < MIN_FAILURES_FOR_FIT {
        return Err(NoFit::TooFewFailures);
    }
    let t_max = obs.iter().map(|o| o.days).fold(0.0_f64, f64::max);
    // (ln s, weight, failed) with s = t / t_max ≤ 1.
    let pts: Vec<(f64, f64, bool)> = obs
        .iter()
        .map(|o| ((o.days / t_max).ln(), o.count as f64, o.failed))
        .collect();
    let r = failures as f64;
    let mean_ln_failed: f64 = pts.iter().filter(|p| p.2).map(|p| p.0 * p.1).sum::<f64>() / r;
    // g(∞) = ln s_max − mean ln s over failures = −mean_ln_failed: no root when every
    // failure is at the largest time.
    if mean_ln_failed > -1e-12 {
        return Err(NoFit::NoSpread);
    }
    // g and g' at β.
    let g = |beta: f64| -> (f64, f64) {
        let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
        for &(l, w, _) in &pts {
            let x = w * (beta * l).exp();
            s0 += x;
            s1 += x * l;
            s2 += x * l * l;
        }
        let m1 = s1 / s0;
        let value = m1 - 1.0 / beta - mean_ln_failed;
        let slope = s2 / s0 - m1 * m1 + 1.0 / (beta * beta);
        (value, slope)
    };
    let (mut lo, mut hi) = (SHAPE_MIN, SHAPE_MAX);
    if g(lo).0 > 0.0 || g(hi).0 < 0.0 {
        return Err(NoFit::NotConverged);
    }
    let mut beta = 1.0;
    let mut converged = false;
    for _ in 0..200 {
        let (value, slope) = g(beta);
        if value == 0.0 {
            converged = true;
            break;
        }
        if value < 0.0 {
            lo = beta;
        } else {
            hi = beta;
        }
        let newton = beta - value / slope;
        let next = if slope > 0.0 && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        let step = (next - beta).abs();
        beta = next;
        if step <= 1e-13 * beta || hi - lo <= 1e-13 * beta {
            converged = true;
            break;
        }
    }
    if !converged {
        return Err(NoFit::NotConverged);
    }
    let sum_s_beta: f64 = pts.iter().map(|&(l, w, _)| w * (beta * l).exp()).sum();
    let scale_days = t_max * (sum_s_beta / r).powf(1.0 / beta);
    if !(scale_days.is_finite() && beta.is_finite()) {
        return Err(NoFit::NotConverged);
    }
    Ok(WeibullFit {
        shape: beta,
        scale_days,
        failures,
        censored,
    })
}

// ---------------------------------------------------------------------------------------
// What counts as a failure, and the analysis of one model from the store's counts.

/// Tickets that report a failure of the unit they name (R5.1): a repair, an emergency, a
/// quality complaint. Consultations, installations, training and the like are not
/// failures; a return request follows a failure already reported (or is not one).
pub const FAILURE_TICKET_KINDS: [crate::terms::TicketKind; 3] = [
    crate::terms::TicketKind::Repair,
    crate::terms::TicketKind::Emergency,
    crate::terms::TicketKind::ComplaintQuality,
];

/// A failure ticket is not counted when the signed feedback form of its on-site job finds
/// the fault outside the product (R7.1): transport, installation, the customer's
/// operation, the grid or the weather. Product design, manufacturing, purchased
/// components and undetermined faults count; so does a ticket with no form yet.
pub const OUTSIDE_PRODUCT: [crate::field::form::Responsibility; 4] = [
    crate::field::form::Responsibility::Transport,
    crate::field::form::Responsibility::Installation,
    crate::field::form::Responsibility::CustomerOperation,
    crate::field::form::Responsibility::External,
];

/// One failure ticket on a commissioned unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureRecord {
    pub unit: crate::ids::UnitId,
    pub commissioned_on: NaiveDate,
    /// The company's calendar date the failure was reported.
    pub on: NaiveDate,
}

/// `count` units commissioned on one day that have not failed, still running
/// (`left_on` = `None`) or returned on `left_on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunningGroup {
    pub commissioned_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    pub count: u64,
}

/// Everything the store knows of one model's fleet, aggregated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FleetFacts {
    /// Units commissioned per month.
    pub entries: Vec<(Month, u64)>,
    /// Units returned per month.
    pub exits: Vec<(Month, u64)>,
    /// Every failure ticket on a commissioned unit.
    pub failures: Vec<FailureRecord>,
    /// The units that never failed, grouped by commissioning and return date.
    pub running: Vec<RunningGroup>,
    /// Faulty parts removed from the model's units and returned (R7.1: they name the
    /// component that failed).
    pub components: Vec<ComponentFailure>,
}

/// A faulty part removed from a commissioned unit and brought back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentFailure {
    pub part_code: String,
    pub part_name: String,
    pub commissioned_on: NaiveDate,
    /// The company date it was brought back.
    pub on: NaiveDate,
}

/// One component's failures on a model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentFigures {
    pub part_code: String,
    pub part_name: String,
    pub failures: u64,
    /// Per 1,000 units of the model commissioned.
    pub per_thousand: Option<f64>,
    /// By whole months in service of the unit.
    pub by_months: Vec<u64>,
}

/// Each component's failures on a model with `units` commissioned, most failures first
/// (then by part code); removals dated before commissioning or after `today` are left out.
pub fn by_component(
    failures: &[ComponentFailure],
    units: u64,
    today: NaiveDate,
) -> Vec<ComponentFigures> {
    let mut by: BTreeMap<(&str, &str), BTreeMap<u32, u64>> = BTreeMap::new();
    for f in failures {
        if f.on > today {
            continue;
        }
        let Some(k) = months_in_service(f.commissioned_on, f.on) else {
            continue;
        };
        *by.entry((f.part_code.as_str(), f.part_name.as_str()))
            .or_default()
            .entry(k)
            .or_default() += 1;
    }
    let mut out: Vec<ComponentFigures> = by
        .into_iter()
        .map(|((code, name), months)| {
            let failures = months.values().sum();
            ComponentFigures {
                part_code: code.to_string(),
                part_name: name.to_string(),
                failures,
                per_thousand: per_thousand(failures, units),
                by_months: by_months_dense(&months),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.failures
            .cmp(&a.failures)
            .then(a.part_code.cmp(&b.part_code))
    });
    out
}

/// The figures of one model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelReliability {
    pub units_commissioned: u64,
    /// In service in the month of the analysis.
    pub units_in_service: u64,
    /// Failures counted (on or after commissioning).
    pub failures: u64,
    /// Units with at least one failure.
    pub failed_units: u64,
    /// Failures by months in service (index = months in service).
    pub by_months: Vec<u64>,
    /// The last twelve months, oldest first.
    pub monthly: Vec<MonthlyRate>,
    /// Failures per 1,000 units in service per month over the last twelve months: the
    /// twelve months' failures over their unit-months.
    pub rate_12m: Option<f64>,
    pub early_life: EarlyLife,
    pub weibull: Result<WeibullFit, NoFit>,
    /// Per component, where returned faulty parts name it.
    pub components: Vec<ComponentFigures>,
}

/// Days in service as the fit reads them: a failure (or an age) on day k of service is
/// taken at the middle of that day, k + ½, so a unit failing on its commissioning day is
/// at half a day, not at zero.
pub fn age_days(commissioned_on: NaiveDate, on: NaiveDate) -> f64 {
    (on - commissioned_on).num_days() as f64 + 0.5
}

/// The figures of one model on `today`.
pub fn analyse(
    facts: &FleetFacts,
    today: NaiveDate,
    setting: EarlyLifeSetting,
) -> ModelReliability {
    let population =
        Population::from_counts(facts.entries.iter().copied(), facts.exits.iter().copied());
    let this_month = month_of(today);
    let mut by_months_sparse: BTreeMap<u32, u64> = BTreeMap::new();
    let mut by_calendar: BTreeMap<Month, u64> = BTreeMap::new();
    // First failure of each unit: the event of the Weibull fit.
    let mut first: BTreeMap<crate::ids::UnitId, (NaiveDate, NaiveDate)> = BTreeMap::new();
    let mut failures = 0;
    for f in &facts.failures {
        let Some(k) = months_in_service(f.commissioned_on, f.on) else {
            continue;
        };
        if f.on > today {
            continue;
        }
        failures += 1;
        *by_months_sparse.entry(k).or_default() += 1;
        *by_calendar.entry(month_of(f.on)).or_default() += 1;
        first
            .entry(f.unit)
            .and_modify(|e| e.1 = e.1.min(f.on))
            .or_insert((f.commissioned_on, f.on));
    }
    let mut obs: Vec<Observation> = first
        .values()
        .map(|(c, on)| Observation::failure(age_days(*c, *on)))
        .collect();
    obs.extend(facts.running.iter().filter_map(|g| {
        let end = g.left_on.map_or(today, |l| l.min(today));
        (end >= g.commissioned_on).then(|| Observation {
            days: age_days(g.commissioned_on, end),
            failed: false,
            count: g.count,
        })
    }));
    let mut from = this_month;
    for _ in 0..11 {
        from = from.previous();
    }
    let monthly = monthly_rates(&population, &by_calendar, from, this_month);
    let unit_months: u64 = monthly.iter().map(|r| r.units_in_service).sum();
    let failures_12m: u64 = monthly.iter().map(|r| r.failures).sum();
    let by_months = by_months_dense(&by_months_sparse);
    let units_commissioned = population.commissioned();
    ModelReliability {
        units_commissioned,
        units_in_service: population.in_service(this_month),
        failures,
        failed_units: first.len() as u64,
        early_life: early_life_alarm(&by_months, units_commissioned, setting),
        by_months,
        monthly,
        rate_12m: per_thousand(failures_12m, unit_months),
        weibull: fit_weibull(&obs),
        components: by_component(&facts.components, units_commissioned, today),
    }
}

/// A product model as the reliability figures name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelRef {
    pub id: crate::ids::ProductModelId,
    pub code: String,
    pub name: String,
}

/// A unit behind a figure: where it is and when it began and (for a failure) failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitBehind {
    pub unit: crate::ids::UnitId,
    pub serial_no: String,
    pub customer_id: crate::ids::CustomerId,
    pub customer_name: String,
    pub commissioned_on: NaiveDate,
    /// For a failure: its ticket and date.
    pub ticket: Option<crate::ids::TicketId>,
    pub failed_on: Option<NaiveDate>,
}
