//! The settlement basis of a job (R1.5): what the work cost the company and what the
//! customer is charged, line by line, each line with its reason; and the quotation given
//! to a customer before paid work.
//!
//! A job's settlement is computed, never typed, from
//! - the parts used on it (at cost and at list price),
//! - labour: each trip's time on site from its feedback form (`started_at` to `ended_at`)
//!   times the trip's crew size — labour is counted **per person-hour**, since a crew of
//!   two on site for three hours is six hours of the company's people;
//! - travel: the kilometres the daily reports give the job (see [`travel_of_job`]), and a
//!   call-out fee per trip when the price list has one;
//! - the coverage of the unit on the job's date (the first arrival on site), and
//! - the responsibility found on the feedback form.
//!
//! Who pays follows ONE rule, [`charge_rule`]:
//! - warranty and a quality problem (product design, manufacturing, a purchased
//!   component): nothing is charged — parts, labour or travel (R2.1: the company puts it
//!   right);
//! - free repair and a quality problem: parts and labour free (R2.3); travel and the
//!   call-out fee per the price list (what distinguishes free repair from warranty);
//! - paid coverage, or a fault that is not the company's quality problem: everything per
//!   the price list — parts at list price, labour at the labour rate, travel at the travel
//!   rate.
//!
//! When the rule cannot be decided — no feedback form yet, responsibility undetermined, no
//! unit on the job so no coverage — the settlement says so (`provisional`, with why) and
//! charges per the price list until the facts are recorded: never a silent guess.
//!
//! Quantities are in hundredths (`qty_centi`: 1 part = 100, 2.5 hours = 250, 37.5 km =
//! 3750) so every amount is exact integer fen: `amount = qty_centi × unit_fen / 100`,
//! rounded half up.

use crate::coverage::CoverageKind;
use crate::error::{Error, FieldErrors, Problem};
use crate::field::form::{FeedbackForm, Responsibility};
use crate::field::report::DailyReport;
use crate::field::{Job, JobStatus};
use crate::ids::{JobId, QuoteId, UserId};
use crate::parts::UsedPart;
use crate::terms::str_enum;
use crate::text::{optional, required};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A reason: a catalogue key and its arguments, as [`crate::coverage::Coverage::reason`].
pub type Reason = (&'static str, Vec<(&'static str, String)>);

// ---------------------------------------------------------------------------------------
// Rates
// ---------------------------------------------------------------------------------------

/// The price list's rates for work and travel (the parts' prices are in the catalogue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rates {
    /// Per person-hour on site, in fen. Default 150.00 yuan.
    pub labour_fen_per_hour: i64,
    /// Per kilometre travelled, in fen. Default 3.00 yuan.
    pub travel_fen_per_km: i64,
    /// Per trip to site, in fen, charged with travel. Default none.
    pub call_out_fen: i64,
}

impl Default for Rates {
    fn default() -> Self {
        Rates {
            labour_fen_per_hour: 15_000,
            travel_fen_per_km: 300,
            call_out_fen: 0,
        }
    }
}

/// The most any rate may be: 100,000.00 yuan.
pub const RATE_MAX_FEN: i64 = 10_000_000;

/// The rates as typed: yuan with at most two decimals.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RatesInput {
    pub labour_per_hour: Option<String>,
    pub travel_per_km: Option<String>,
    pub call_out: Option<String>,
}

/// Yuan as typed (`150`, `150.5`, `150.50`) to fen; none for blank.
pub fn parse_yuan(s: &str) -> Result<Option<i64>, Problem> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || Problem::invalid("an amount in yuan, e.g. 150.00");
    if t.starts_with('-') {
        return Err(Problem::new("invalid", "may not be negative"));
    }
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || whole.len() > 9
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let w: i64 = whole.parse().map_err(|_| bad())?;
    let f: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().map_err(|_| bad())?
    };
    Ok(Some(w * 100 + f))
}

/// Fen as yuan with two decimals: `15000` → `150.00`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

impl Rates {
    /// Each rate required, in yuan, 0 to [`RATE_MAX_FEN`]; every field named.
    pub fn parse(input: &RatesInput) -> Result<Rates, Error> {
        let mut errs = FieldErrors::new();
        let mut one = |field: &str, s: &Option<String>| -> i64 {
            let r = parse_yuan(s.as_deref().unwrap_or("")).and_then(|v| {
                let v = v.ok_or_else(Problem::required)?;
                if v > RATE_MAX_FEN {
                    return Err(Problem::new("invalid", "at most 100000.00"));
                }
                Ok(v)
            });
            errs.take(field, r).unwrap_or(0)
        };
        let rates = Rates {
            labour_fen_per_hour: one("labour_per_hour", &input.labour_per_hour),
            travel_fen_per_km: one("travel_per_km", &input.travel_per_km),
            call_out_fen: one("call_out", &input.call_out),
        };
        errs.into_result()?;
        Ok(rates)
    }

    pub fn audit_view(&self) -> Value {
        json!({
            "labour_fen_per_hour": self.labour_fen_per_hour,
            "travel_fen_per_km": self.travel_fen_per_km,
            "call_out_fen": self.call_out_fen,
        })
    }
}

/// `qty_centi × unit_fen / 100`, rounded half up (quantities and prices are never negative).
pub fn amount(qty_centi: i64, unit_fen: i64) -> i64 {
    (qty_centi.saturating_mul(unit_fen).saturating_add(50)) / 100
}

// ---------------------------------------------------------------------------------------
// The charge rule
// ---------------------------------------------------------------------------------------

/// Whether the responsibility found is the company's quality problem (R7.1): product
/// design, manufacturing, a purchased component. `None` while undetermined.
pub fn is_quality_problem(r: Responsibility) -> Option<bool> {
    match r {
        Responsibility::ProductDesign
        | Responsibility::Manufacturing
        | Responsibility::PurchasedComponent => Some(true),
        Responsibility::Transport
        | Responsibility::Installation
        | Responsibility::CustomerOperation
        | Responsibility::External => Some(false),
        Responsibility::Undetermined => None,
    }
}

/// Who pays what, for one coverage and responsibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChargeRule {
    /// The customer pays for the parts (at list price).
    pub parts: bool,
    /// The customer pays for the labour (at the labour rate).
    pub labour: bool,
    /// The customer pays for travel and the call-out fee.
    pub travel: bool,
    /// The facts to decide are missing: charged per the price list until they are.
    pub provisional: bool,
    /// The catalogue key of the sentence saying why.
    pub reason: &'static str,
}

/// THE charge rule (R1.5): what the customer is charged for a job of `coverage` (none: no
/// unit, so no coverage) whose fault was found to be `responsibility` (none: no form, or
/// not yet filled in).
pub fn charge_rule(
    coverage: Option<CoverageKind>,
    responsibility: Option<Responsibility>,
) -> ChargeRule {
    let all = |provisional, reason| ChargeRule {
        parts: true,
        labour: true,
        travel: true,
        provisional,
        reason,
    };
    let Some(coverage) = coverage else {
        return all(true, "settlement.rule.coverage_unknown");
    };
    if coverage == CoverageKind::Paid {
        return all(false, "settlement.rule.paid");
    }
    match responsibility.and_then(is_quality_problem) {
        None => all(true, "settlement.rule.responsibility_unknown"),
        Some(false) => all(false, "settlement.rule.not_quality"),
        Some(true) if coverage == CoverageKind::Warranty => ChargeRule {
            parts: false,
            labour: false,
            travel: false,
            provisional: false,
            reason: "settlement.rule.warranty_quality",
        },
        Some(true) => ChargeRule {
            parts: false,
            labour: false,
            travel: true,
            provisional: false,
            reason: "settlement.rule.free_repair_quality",
        },
    }
}

// ---------------------------------------------------------------------------------------
// The facts a settlement is computed from
// ---------------------------------------------------------------------------------------

/// One visit on site: a trip's time from its form, and its crew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Visit {
    pub trip_ordinal: i64,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// People on the trip's crew (at least one).
    pub crew: i64,
}

impl Visit {
    /// Minutes on site, when both times are known and in order.
    pub fn minutes(&self) -> Option<i64> {
        match (self.started_at, self.ended_at) {
            (Some(s), Some(e)) if e >= s => Some((e - s).num_minutes()),
            _ => None,
        }
    }
}

/// The form that speaks for each trip: its latest (a correction supersedes what it
/// corrects), and the responsibility from the latest form that names one. Also whether any
/// form exists at all.
pub fn visits_of(job: &Job, forms: &[FeedbackForm]) -> (Vec<Visit>, Option<Responsibility>) {
    let mut visits = Vec::new();
    let mut latest: Option<&FeedbackForm> = None;
    for trip in &job.trips {
        let form = forms
            .iter()
            .filter(|f| f.trip_id == trip.id)
            .max_by_key(|f| f.id.0);
        if let Some(f) = form {
            visits.push(Visit {
                trip_ordinal: trip.ordinal,
                started_at: f.started_at,
                ended_at: f.ended_at,
                crew: i64::try_from(trip.crew.len()).unwrap_or(1).max(1),
            });
            if f.responsibility.is_some() && latest.is_none_or(|l| l.id.0 < f.id.0) {
                latest = Some(f);
            }
        }
    }
    (visits, latest.and_then(|f| f.responsibility))
}

/// The travel the daily reports give one job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Travel {
    /// Kilometres in hundredths.
    pub km_centi: i64,
    /// The days the job was reported on.
    pub days: Vec<NaiveDate>,
}

/// The kilometres the submitted daily reports give `job`. Each report's line for the job
/// carries an estimated distance; when the person typed the day's total (`travel_km`), the
/// day's estimates are scaled to it, so a job gets its share of what was confirmed. A crew
/// travels together: on each day the largest figure among the crew's reports counts, not
/// their sum.
pub fn travel_of_job(job: JobId, reports: &[DailyReport]) -> Travel {
    let mut per_day: BTreeMap<NaiveDate, f64> = BTreeMap::new();
    for r in reports.iter().filter(|r| r.submitted_at.is_some()) {
        let mine: Vec<_> = r.lines.iter().filter(|l| l.job_id == Some(job.0)).collect();
        if mine.is_empty() {
            continue;
        }
        let est: f64 = mine.iter().filter_map(|l| l.est_km).sum();
        let all_est: f64 = r.lines.iter().filter_map(|l| l.est_km).sum();
        let km = match r.travel_km {
            Some(typed) if all_est > 0.0 => est * typed / all_est,
            _ => est,
        };
        let day = per_day.entry(r.day).or_insert(0.0);
        if km > *day {
            *day = km;
        }
    }
    let total: f64 = per_day.values().sum();
    // At most a few thousand km: the conversion cannot overflow.
    #[allow(clippy::cast_possible_truncation)]
    let km_centi = (total * 100.0).round().max(0.0) as i64;
    Travel {
        km_centi,
        days: per_day.into_keys().collect(),
    }
}

// ---------------------------------------------------------------------------------------
// The settlement
// ---------------------------------------------------------------------------------------

str_enum!(
    /// What a line is for.
    LineKind {
        Part = "part",
        Labour = "labour",
        Travel = "travel",
        CallOut = "call_out",
    }
);

/// One line of a settlement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub kind: LineKind,
    /// A part's code and name; empty for labour and travel (their kind says it).
    pub description: String,
    /// Unit of measure of a part (`个`); hours and km are the kind's own.
    pub unit: String,
    pub qty_centi: i64,
    /// What the quantity costs the company (parts at cost; labour and travel at the rate).
    pub cost_fen: i64,
    /// What the price list asks for the quantity.
    pub list_fen: i64,
    /// What the customer is charged: the list amount, or nothing.
    pub charged_fen: i64,
    pub reason_key: &'static str,
    pub reason_args: Vec<(&'static str, String)>,
}

impl Line {
    /// What the company bears: the cost of what it does not charge.
    pub fn borne_fen(&self) -> i64 {
        if self.charged_fen == 0 {
            self.cost_fen
        } else {
            0
        }
    }
}

/// Why a settlement is not final yet.
pub const NO_FORM: &str = "settlement.provisional.no_form";
pub const RESPONSIBILITY_UNKNOWN: &str = "settlement.provisional.responsibility_unknown";
pub const COVERAGE_UNKNOWN: &str = "settlement.provisional.coverage_unknown";
pub const TIMES_MISSING: &str = "settlement.provisional.times_missing";
pub const TRAVEL_UNREPORTED: &str = "settlement.provisional.travel_unreported";

/// Every catalogue key this module names (rules, line reasons, why provisional), so the
/// catalogue can be checked against them.
pub const KEYS: [&str; 13] = [
    "settlement.rule.coverage_unknown",
    "settlement.rule.paid",
    "settlement.rule.responsibility_unknown",
    "settlement.rule.not_quality",
    "settlement.rule.warranty_quality",
    "settlement.rule.free_repair_quality",
    "settlement.line.charged",
    "settlement.line.free",
    NO_FORM,
    RESPONSIBILITY_UNKNOWN,
    COVERAGE_UNKNOWN,
    TIMES_MISSING,
    TRAVEL_UNREPORTED,
];

/// Everything a job's settlement is computed from.
#[derive(Debug, Clone)]
pub struct Basis<'a> {
    pub coverage: Option<CoverageKind>,
    pub responsibility: Option<Responsibility>,
    /// Whether the job has any feedback form.
    pub has_form: bool,
    pub parts: &'a [UsedPart],
    pub visits: &'a [Visit],
    pub travel: &'a Travel,
    /// Trips that reached the site (each may carry a call-out fee).
    pub trips_on_site: i64,
    pub rates: Rates,
}

/// A job's settlement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settlement {
    pub coverage: Option<CoverageKind>,
    pub responsibility: Option<Responsibility>,
    pub rule: ChargeRule,
    pub lines: Vec<Line>,
    pub cost_fen: i64,
    pub list_fen: i64,
    pub charged_fen: i64,
    /// The company's share: the cost of what is not charged.
    pub borne_fen: i64,
    /// Why the figures may still change (catalogue keys); empty when final.
    pub provisional: Vec<&'static str>,
}

impl Settlement {
    pub fn is_provisional(&self) -> bool {
        !self.provisional.is_empty()
    }
}

fn line_reason(
    rule: &ChargeRule,
    charged: bool,
    coverage: Option<CoverageKind>,
    responsibility: Option<Responsibility>,
) -> Reason {
    let key = if charged {
        "settlement.line.charged"
    } else {
        "settlement.line.free"
    };
    (
        key,
        vec![
            ("rule", rule.reason.to_string()),
            (
                "coverage",
                coverage.map(|c| c.as_str().to_string()).unwrap_or_default(),
            ),
            (
                "responsibility",
                responsibility
                    .map(|r| r.as_str().to_string())
                    .unwrap_or_default(),
            ),
        ],
    )
}

/// The settlement of a job from its facts: a line per part, one for labour (person-hours
/// over every visit), one for travel, one for call-out fees when the price list has one.
pub fn settle(b: &Basis<'_>) -> Settlement {
    let rule = charge_rule(b.coverage, b.responsibility);
    let mut lines = Vec::new();
    let mut push =
        |kind, description: String, unit: String, qty_centi, cost_fen, list_fen, charged| {
            let (reason_key, reason_args) =
                line_reason(&rule, charged, b.coverage, b.responsibility);
            lines.push(Line {
                kind,
                description,
                unit,
                qty_centi,
                cost_fen,
                list_fen,
                charged_fen: if charged { list_fen } else { 0 },
                reason_key,
                reason_args,
            });
        };
    for p in b.parts.iter().filter(|p| p.quantity > 0) {
        let q = p.quantity.saturating_mul(100);
        push(
            LineKind::Part,
            format!("{} {}", p.code, p.name),
            p.unit.clone(),
            q,
            amount(q, p.unit_cost_fen),
            amount(q, p.list_price_fen),
            rule.parts,
        );
    }
    let person_minutes: i64 = b
        .visits
        .iter()
        .filter_map(|v| v.minutes().map(|m| m.saturating_mul(v.crew)))
        .sum();
    if !b.visits.is_empty() {
        let q = (person_minutes.saturating_mul(100) + 30) / 60;
        let labour = amount(q, b.rates.labour_fen_per_hour);
        push(
            LineKind::Labour,
            String::new(),
            String::new(),
            q,
            labour,
            labour,
            rule.labour,
        );
    }
    if b.travel.km_centi > 0 {
        let t = amount(b.travel.km_centi, b.rates.travel_fen_per_km);
        push(
            LineKind::Travel,
            String::new(),
            String::new(),
            b.travel.km_centi,
            t,
            t,
            rule.travel,
        );
    }
    if b.rates.call_out_fen > 0 && b.trips_on_site > 0 {
        let q = b.trips_on_site.saturating_mul(100);
        let c = amount(q, b.rates.call_out_fen);
        push(
            LineKind::CallOut,
            String::new(),
            String::new(),
            q,
            c,
            c,
            rule.travel,
        );
    }
    let mut provisional = Vec::new();
    if !b.has_form {
        provisional.push(NO_FORM);
    } else if rule.provisional && b.coverage.is_some() {
        provisional.push(RESPONSIBILITY_UNKNOWN);
    }
    if b.coverage.is_none() {
        provisional.push(COVERAGE_UNKNOWN);
    }
    if b.visits.iter().any(|v| v.minutes().is_none()) {
        provisional.push(TIMES_MISSING);
    }
    if b.trips_on_site > 0 && b.travel.days.is_empty() {
        provisional.push(TRAVEL_UNREPORTED);
    }
    Settlement {
        coverage: b.coverage,
        responsibility: b.responsibility,
        rule,
        cost_fen: lines.iter().map(|l| l.cost_fen).sum(),
        list_fen: lines.iter().map(|l| l.list_fen).sum(),
        charged_fen: lines.iter().map(|l| l.charged_fen).sum(),
        borne_fen: lines.iter().map(Line::borne_fen).sum(),
        lines,
        provisional,
    }
}

// ---------------------------------------------------------------------------------------
// Quotations
// ---------------------------------------------------------------------------------------

str_enum!(
    /// Where a quotation stands.
    QuoteStatus {
        /// Given to the customer, waiting for an answer.
        Given = "given",
        Accepted = "accepted",
        Refused = "refused",
    }
);

str_enum!(
    /// How the customer answered a quotation.
    AnswerMethod {
        /// Signed on paper or on the phone's pad; the signer's name is recorded.
        Signature = "signature",
        /// Said so on the telephone.
        Phone = "phone",
        /// In writing: a letter, an e-mail, a message.
        Written = "written",
    }
);

/// One line of a quotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    pub kind: LineKind,
    pub description: String,
    pub qty_centi: i64,
    pub unit_fen: i64,
    pub amount_fen: i64,
}

/// The customer's answer to a quotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub accepted: bool,
    /// Who answered for the customer.
    pub by_name: String,
    pub method: AnswerMethod,
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: UserId,
    pub at: DateTime<Utc>,
}

/// A quotation for a job, given before paid work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quote {
    pub id: QuoteId,
    pub job_id: JobId,
    pub status: QuoteStatus,
    pub lines: Vec<QuoteLine>,
    pub total_fen: i64,
    pub note: Option<String>,
    pub given_by: UserId,
    pub given_at: DateTime<Utc>,
    pub answer: Option<Answer>,
    pub version: i64,
}

/// A part line of a quotation as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QuotePartInput {
    pub description: Option<String>,
    pub quantity: Option<i64>,
    /// List price of one, in fen.
    pub unit_price_fen: Option<i64>,
}

/// A quotation as typed: parts at list price, an estimate of person-hours and of km.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QuoteInput {
    #[serde(default)]
    pub parts: Vec<QuotePartInput>,
    pub labour_hours: Option<f64>,
    pub travel_km: Option<f64>,
    /// Trips to site the work needs (call-out fees); one when not given.
    pub trips: Option<i64>,
    pub note: Option<String>,
}

/// A quotation checked, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuote {
    pub job_id: JobId,
    pub lines: Vec<QuoteLine>,
    pub total_fen: i64,
    pub note: Option<String>,
    pub given_by: UserId,
    pub given_at: DateTime<Utc>,
}

pub const QUOTE_PARTS_MAX: usize = 30;
pub const QUOTE_HOURS_MAX: f64 = 1000.0;
pub const QUOTE_KM_MAX: f64 = 5000.0;
pub const QUOTE_QTY_MAX: i64 = 9999;
pub const NOTE_MAX: usize = 1000;
pub const NAME_MAX: usize = 100;

fn centi(errs: &mut FieldErrors, field: &str, v: Option<f64>, max: f64) -> i64 {
    let Some(v) = v else { return 0 };
    if !v.is_finite() {
        errs.add(field, Problem::invalid("a number"));
        return 0;
    }
    if v < 0.0 {
        errs.add(field, Problem::new("invalid", "may not be negative"));
        return 0;
    }
    if v > max {
        errs.add(field, Problem::new("invalid", format!("at most {max}")));
        return 0;
    }
    // Bounded above: the conversion cannot overflow.
    #[allow(clippy::cast_possible_truncation)]
    let c = (v * 100.0).round() as i64;
    c
}

impl NewQuote {
    /// A quotation for `job` at `rates`: only before the job is finished (done or
    /// cancelled); every field named (`parts[0].quantity`, `labour_hours`, `travel_km`).
    pub fn parse(
        job: &Job,
        input: &QuoteInput,
        rates: Rates,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<NewQuote, Error> {
        if matches!(job.status, JobStatus::Done | JobStatus::Cancelled) {
            return Err(Error::field(
                "job",
                Problem::new(
                    "not_allowed",
                    "a quotation is given before the work: this job is finished",
                ),
            ));
        }
        let mut errs = FieldErrors::new();
        let mut lines = Vec::new();
        if input.parts.len() > QUOTE_PARTS_MAX {
            errs.add(
                "parts",
                Problem::new("invalid", format!("at most {QUOTE_PARTS_MAX} lines")),
            );
        }
        for (i, p) in input.parts.iter().enumerate().take(QUOTE_PARTS_MAX) {
            let f = |n: &str| format!("parts[{i}].{n}");
            let description = errs.take(
                &f("description"),
                required(p.description.as_deref().unwrap_or(""), NAME_MAX * 2),
            );
            let qty = match p.quantity {
                None => {
                    errs.add(f("quantity"), Problem::required());
                    None
                }
                Some(q) if !(1..=QUOTE_QTY_MAX).contains(&q) => {
                    errs.add(
                        f("quantity"),
                        Problem::new("invalid", format!("1 to {QUOTE_QTY_MAX}")),
                    );
                    None
                }
                Some(q) => Some(q),
            };
            let price = match p.unit_price_fen {
                None => {
                    errs.add(f("unit_price_fen"), Problem::required());
                    None
                }
                Some(v) if !(0..=RATE_MAX_FEN).contains(&v) => {
                    errs.add(
                        f("unit_price_fen"),
                        Problem::new("invalid", "0 to 100000.00 yuan"),
                    );
                    None
                }
                Some(v) => Some(v),
            };
            if let (Some(d), Some(q), Some(u)) = (description, qty, price) {
                let qc = q * 100;
                lines.push(QuoteLine {
                    kind: LineKind::Part,
                    description: d,
                    qty_centi: qc,
                    unit_fen: u,
                    amount_fen: amount(qc, u),
                });
            }
        }
        let hours = centi(
            &mut errs,
            "labour_hours",
            input.labour_hours,
            QUOTE_HOURS_MAX,
        );
        let km = centi(&mut errs, "travel_km", input.travel_km, QUOTE_KM_MAX);
        let trips = match input.trips {
            None => 1,
            Some(t) if (0..=20).contains(&t) => t,
            Some(_) => {
                errs.add("trips", Problem::new("invalid", "0 to 20"));
                0
            }
        };
        let note = errs
            .take("note", optional(input.note.as_deref(), NOTE_MAX))
            .flatten();
        errs.into_result()?;
        let mut push = |kind, qty_centi: i64, unit_fen: i64| {
            if qty_centi > 0 {
                lines.push(QuoteLine {
                    kind,
                    description: String::new(),
                    qty_centi,
                    unit_fen,
                    amount_fen: amount(qty_centi, unit_fen),
                });
            }
        };
        push(LineKind::Labour, hours, rates.labour_fen_per_hour);
        push(LineKind::Travel, km, rates.travel_fen_per_km);
        if rates.call_out_fen > 0 {
            push(LineKind::CallOut, trips * 100, rates.call_out_fen);
        }
        if lines.is_empty() {
            return Err(Error::field(
                "parts",
                Problem::new("required", "a quotation needs parts, hours or travel"),
            ));
        }
        Ok(NewQuote {
            job_id: job.id,
            total_fen: lines.iter().map(|l| l.amount_fen).sum(),
            lines,
            note,
            given_by: by,
            given_at: now,
        })
    }
}

/// An answer as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AnswerInput {
    /// Who answered for the customer.
    pub by_name: Option<String>,
    /// `signature`, `phone` or `written`.
    pub method: Option<String>,
    pub note: Option<String>,
}

impl Quote {
    /// Record the customer's answer: only once, while the quotation is given.
    pub fn answer(
        &self,
        accepted: bool,
        input: &AnswerInput,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<Quote, Error> {
        if self.status != QuoteStatus::Given {
            return Err(Error::Conflict(format!(
                "the quotation was already {}",
                self.status.as_str()
            )));
        }
        let mut errs = FieldErrors::new();
        let by_name = errs.take(
            "by_name",
            required(input.by_name.as_deref().unwrap_or(""), NAME_MAX),
        );
        let method = match input.method.as_deref().map(str::trim) {
            None | Some("") => {
                errs.add("method", Problem::required());
                None
            }
            Some(m) => {
                let parsed = AnswerMethod::parse(m);
                if parsed.is_none() {
                    errs.add(
                        "method",
                        Problem::new("invalid", "signature, phone or written"),
                    );
                }
                parsed
            }
        };
        let note = errs
            .take("note", optional(input.note.as_deref(), NOTE_MAX))
            .flatten();
        errs.into_result()?;
        let (Some(by_name), Some(method)) = (by_name, method) else {
            return Err(Error::Internal("answer fields checked".into()));
        };
        Ok(Quote {
            status: if accepted {
                QuoteStatus::Accepted
            } else {
                QuoteStatus::Refused
            },
            answer: Some(Answer {
                accepted,
                by_name,
                method,
                note,
                recorded_by: by,
                at: now,
            }),
            ..self.clone()
        })
    }

    pub fn audit_view(&self) -> Value {
        json!({
            "job_id": self.job_id.0,
            "status": self.status.as_str(),
            "total_fen": self.total_fen,
            "lines": self.lines,
            "note": self.note,
            "answered_by": self.answer.as_ref().map(|a| a.by_name.clone()),
            "method": self.answer.as_ref().map(|a| a.method.as_str()),
            "answer_note": self.answer.as_ref().and_then(|a| a.note.clone()),
        })
    }
}

// ---------------------------------------------------------------------------------------
// The month
// ---------------------------------------------------------------------------------------

/// What the company bore on one product model's warranty and free-repair jobs in a month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WarrantyCost {
    pub model_code: String,
    pub jobs: i64,
    /// Parts not charged, at cost.
    pub parts_fen: i64,
    /// Labour not charged, at the labour rate.
    pub labour_fen: i64,
    /// Travel and call-out fees not charged.
    pub travel_fen: i64,
    pub total_fen: i64,
}

/// Whether a job's settlement counts in the warranty cost: the job was under warranty or
/// free repair and the company bore part of it.
pub fn is_warranty_cost(s: &Settlement) -> bool {
    matches!(
        s.coverage,
        Some(CoverageKind::Warranty | CoverageKind::FreeRepair)
    ) && s.borne_fen != 0
}

/// The month's warranty cost per model, from each job's model and settlement: only jobs
/// under warranty or free repair count, and only what was not charged. By model code.
pub fn warranty_cost(jobs: &[(String, &Settlement)]) -> Vec<WarrantyCost> {
    let mut by: BTreeMap<String, WarrantyCost> = BTreeMap::new();
    for (model, s) in jobs {
        if !is_warranty_cost(s) {
            continue;
        }
        let borne: i64 = s.borne_fen;
        let w = by.entry(model.clone()).or_insert_with(|| WarrantyCost {
            model_code: model.clone(),
            ..WarrantyCost::default()
        });
        w.jobs += 1;
        for l in &s.lines {
            let b = l.borne_fen();
            match l.kind {
                LineKind::Part => w.parts_fen += b,
                LineKind::Labour => w.labour_fen += b,
                LineKind::Travel | LineKind::CallOut => w.travel_fen += b,
            }
        }
        w.total_fen += borne;
    }
    by.into_values().collect()
}

#[cfg(test)]
mod tests;
