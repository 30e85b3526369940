//! Returns (R2.2, R2.5): a customer's request to return a unit, on a ground, decided by the
//! service manager, with the losses the return costs and who bears them.
//!
//! Eligibility is decided here, from the unit's coverage on the request date, never typed:
//! a confirmed product-quality problem may always be returned and the company bears every
//! loss (R2.5); a product that cannot meet the user's requirements may be returned only
//! within warranty (R2.2). A request that is not eligible cannot be approved, and its
//! refusal names the rule. States: `requested` → `approved` | `refused`; an approved return
//! is `closed` when its losses are recorded.

use crate::coverage::{Coverage, CoverageKind};
use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{CustomerId, ReturnId, TicketId, UnitId, UserId};
use crate::product::parse_date;
use crate::text;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub const DESCRIPTION_MAX: usize = 4000;
pub const CONFIRMATION_MAX: usize = 1000;
pub const REASON_MAX: usize = 2000;
pub const LOSSES_NOTE_MAX: usize = 2000;
/// A loss larger than this (100 million yuan, in fen) is a typing mistake.
pub const LOSSES_MAX_FEN: i64 = 10_000_000_000;

macro_rules! names {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),* }
            }
            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s.trim())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names!(
    /// Why the customer wants to return the unit.
    Ground {
        /// A product-quality problem, confirmed (R2.5).
        QualityProblem = "quality_problem",
        /// The product cannot meet the user's requirements (R2.2).
        NotMeetingRequirements = "not_meeting_requirements",
    }
);

names!(
    /// Where a return request stands.
    ReturnStatus {
        Requested = "requested",
        Approved = "approved",
        Refused = "refused",
        /// Approved, and the losses it cost recorded.
        Closed = "closed",
    }
);

names!(
    /// Who bears the losses of a return.
    Bearer {
        Company = "company",
        Customer = "customer",
    }
);

names!(
    /// The rule that decided a request's eligibility.
    Rule {
        /// R2.5: a confirmed quality problem is returned unconditionally.
        R2_5ConfirmedQualityProblem = "r2_5_confirmed_quality_problem",
        /// R2.2: within warranty, a product not meeting requirements may be returned.
        R2_2WithinWarranty = "r2_2_within_warranty",
        /// R2.2: outside warranty it may not.
        R2_2OutsideWarranty = "r2_2_outside_warranty",
    }
);

/// The domain's decision on a request, with the coverage it rests on (kept as it was on
/// the request date: a later policy change never rewrites it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
    pub eligible: bool,
    pub rule: Rule,
    pub coverage: Coverage,
}

/// Whether a return on `ground` may be granted, given the unit's coverage on the request
/// date (R2.2, R2.5).
pub fn eligibility(ground: Ground, coverage: &Coverage) -> Eligibility {
    let rule = match ground {
        Ground::QualityProblem => Rule::R2_5ConfirmedQualityProblem,
        Ground::NotMeetingRequirements if coverage.coverage == CoverageKind::Warranty => {
            Rule::R2_2WithinWarranty
        }
        Ground::NotMeetingRequirements => Rule::R2_2OutsideWarranty,
    };
    Eligibility {
        eligible: rule != Rule::R2_2OutsideWarranty,
        rule,
        coverage: coverage.clone(),
    }
}

impl Eligibility {
    /// The catalogue key of the sentence that explains the decision, and its arguments.
    pub fn reason(&self) -> (&'static str, Vec<(&'static str, String)>) {
        let on = ("on", self.coverage.on.to_string());
        match (self.rule, self.coverage.warranty_ends_on) {
            (Rule::R2_5ConfirmedQualityProblem, _) => {
                ("return.rule.r2_5_confirmed_quality_problem", vec![on])
            }
            (Rule::R2_2WithinWarranty, Some(end)) => (
                "return.rule.r2_2_within_warranty",
                vec![on, ("warranty_ends", end.to_string())],
            ),
            (Rule::R2_2WithinWarranty, None) => (
                "return.rule.r2_2_within_warranty_not_commissioned",
                vec![on],
            ),
            (Rule::R2_2OutsideWarranty, Some(end)) => (
                "return.rule.r2_2_outside_warranty",
                vec![on, ("warranty_ends", end.to_string())],
            ),
            (Rule::R2_2OutsideWarranty, None) => {
                ("return.rule.r2_2_outside_warranty_no_dates", vec![on])
            }
        }
    }

    /// Who must bear the losses, when the rule says: the company for R2.5.
    pub fn bearer_required(&self) -> Option<Bearer> {
        (self.rule == Rule::R2_5ConfirmedQualityProblem).then_some(Bearer::Company)
    }
}

/// A return request as submitted.
#[derive(Debug, Clone, Default)]
pub struct ReturnInput {
    pub ground: String,
    pub description: String,
    /// For a quality problem: who confirmed it and on what evidence (an inspection note,
    /// a test report).
    pub confirmation: Option<String>,
    pub ticket_id: Option<TicketId>,
    /// The day the customer asked (`YYYY-MM-DD`); today when empty.
    pub requested_on: Option<String>,
}

/// A checked request, before its eligibility is decided against the unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnFields {
    pub ground: Ground,
    pub description: String,
    pub confirmation: Option<String>,
    pub ticket_id: Option<TicketId>,
    pub requested_on: NaiveDate,
}

impl ReturnFields {
    /// Check every field. A quality problem must say how it was confirmed (R2.5 speaks of
    /// a *confirmed* problem); the request date is not after `today`.
    pub fn parse(input: &ReturnInput, today: NaiveDate) -> Result<ReturnFields, Error> {
        let mut errs = FieldErrors::new();
        let ground = errs.take(
            "ground",
            match input.ground.trim() {
                "" => Err(Problem::required()),
                g => Ground::parse(g)
                    .ok_or_else(|| Problem::invalid("quality_problem or not_meeting_requirements")),
            },
        );
        let description = errs.take(
            "description",
            text::required(&input.description, DESCRIPTION_MAX),
        );
        let confirmation = errs.take(
            "confirmation",
            text::optional(input.confirmation.as_deref(), CONFIRMATION_MAX),
        );
        if ground == Some(Ground::QualityProblem) && confirmation == Some(None) {
            errs.add(
                "confirmation",
                Problem::new(
                    "required",
                    "a quality problem must be confirmed: say by whom and on what evidence",
                ),
            );
        }
        let requested_on = match input.requested_on.as_deref().map(str::trim) {
            None | Some("") => Some(today),
            Some(s) => match errs.take("requested_on", parse_date(s)) {
                Some(d) if d > today => {
                    errs.add(
                        "requested_on",
                        Problem::new("in_future", "must not be in the future"),
                    );
                    None
                }
                d => d,
            },
        };
        match (ground, description, confirmation, requested_on) {
            (Some(ground), Some(description), Some(confirmation), Some(requested_on))
                if errs.is_empty() =>
            {
                Ok(ReturnFields {
                    ground,
                    description,
                    confirmation,
                    ticket_id: input.ticket_id,
                    requested_on,
                })
            }
            _ => Err(Error::Validation(errs)),
        }
    }

    /// The request as it will be written: its eligibility decided from the unit's
    /// coverage on the request date.
    pub fn into_new(
        self,
        unit_id: UnitId,
        coverage: &Coverage,
        by: UserId,
        now: DateTime<Utc>,
    ) -> NewReturn {
        NewReturn {
            unit_id,
            eligibility: eligibility(self.ground, coverage),
            fields: self,
            requested_by: by,
            created_at: now,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReturn {
    pub unit_id: UnitId,
    pub fields: ReturnFields,
    pub eligibility: Eligibility,
    pub requested_by: UserId,
    pub created_at: DateTime<Utc>,
}

/// The losses a return cost, and who bears them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Losses {
    /// Freight, replacement, refund…, in fen.
    pub amount_fen: i64,
    pub note: String,
    pub borne_by: Bearer,
}

/// Losses as submitted.
#[derive(Debug, Clone, Default)]
pub struct LossesInput {
    pub amount_fen: Option<i64>,
    pub note: String,
    /// `company` or `customer`; the company when empty.
    pub borne_by: Option<String>,
}

/// A return request, with what its pages show of the unit and the people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnRequest {
    pub id: ReturnId,
    pub unit_id: UnitId,
    pub serial_no: String,
    pub model_code: String,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub ticket_id: Option<TicketId>,
    pub ground: Ground,
    pub description: String,
    pub confirmation: Option<String>,
    pub requested_on: NaiveDate,
    pub requested_by: UserId,
    pub requested_by_name: String,
    pub status: ReturnStatus,
    pub eligibility: Eligibility,
    pub decided_by: Option<UserId>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
    pub losses: Option<Losses>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl ReturnRequest {
    /// Approve or refuse a request still awaiting a decision, with a reason. A request the
    /// rules make ineligible cannot be approved: the refusal names the rule.
    pub fn decide(
        &self,
        approve: bool,
        reason: &str,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<ReturnRequest, Error> {
        if self.status != ReturnStatus::Requested {
            return Err(Error::Conflict(format!(
                "return {} is already {}",
                self.id, self.status
            )));
        }
        let reason = text::required(reason, REASON_MAX).map_err(|p| Error::field("reason", p))?;
        if approve && !self.eligibility.eligible {
            // The problem's code is the rule, so that every reader is told which one.
            return Err(Error::field(
                "approve",
                Problem::new(
                    self.eligibility.rule.as_str(),
                    format!(
                        "not eligible under rule {}: a product not meeting the user's \
                         requirements may be returned only within warranty{}",
                        self.eligibility.rule,
                        self.eligibility
                            .coverage
                            .warranty_ends_on
                            .map(|d| format!(", which ended on {d}"))
                            .unwrap_or_default()
                    ),
                ),
            ));
        }
        Ok(ReturnRequest {
            status: if approve {
                ReturnStatus::Approved
            } else {
                ReturnStatus::Refused
            },
            decided_by: Some(by),
            decided_at: Some(now),
            decision_reason: Some(reason),
            updated_at: now,
            version: self.version + 1,
            ..self.clone()
        })
    }

    /// Record what an approved return cost, and who bears it; the return is then closed.
    /// For a confirmed quality problem the company bears everything (R2.5).
    pub fn record_losses(
        &self,
        input: &LossesInput,
        now: DateTime<Utc>,
    ) -> Result<ReturnRequest, Error> {
        if self.status != ReturnStatus::Approved {
            return Err(Error::Conflict(format!(
                "return {} is {}, not approved",
                self.id, self.status
            )));
        }
        let mut errs = FieldErrors::new();
        let amount = errs.take(
            "amount_fen",
            match input.amount_fen {
                None => Err(Problem::required()),
                Some(n) if !(0..=LOSSES_MAX_FEN).contains(&n) => Err(Problem::invalid(
                    "an amount in fen, from 0 to 10,000,000,000",
                )),
                Some(n) => Ok(n),
            },
        );
        let note = errs.take("note", text::required(&input.note, LOSSES_NOTE_MAX));
        let bearer = errs.take(
            "borne_by",
            match input.borne_by.as_deref().map(str::trim) {
                None | Some("") => Ok(Bearer::Company),
                Some(b) => Bearer::parse(b).ok_or_else(|| Problem::invalid("company or customer")),
            },
        );
        if let (Some(b), Some(required)) = (bearer, self.eligibility.bearer_required())
            && b != required
        {
            errs.add(
                "borne_by",
                Problem::new(
                    "not_allowed",
                    "a confirmed quality problem: the company bears all losses (r2_5)",
                ),
            );
        }
        match (amount, note, bearer) {
            (Some(amount_fen), Some(note), Some(borne_by)) if errs.is_empty() => {
                Ok(ReturnRequest {
                    status: ReturnStatus::Closed,
                    losses: Some(Losses {
                        amount_fen,
                        note,
                        borne_by,
                    }),
                    updated_at: now,
                    version: self.version + 1,
                    ..self.clone()
                })
            }
            _ => Err(Error::Validation(errs)),
        }
    }

    /// The fields an audit record compares (R1.4).
    pub fn audit_view(&self) -> serde_json::Value {
        serde_json::json!({
            "unit_id": self.unit_id,
            "ticket_id": self.ticket_id,
            "ground": self.ground,
            "description": self.description,
            "confirmation": self.confirmation,
            "requested_on": self.requested_on,
            "status": self.status,
            "eligible": self.eligibility.eligible,
            "rule": self.eligibility.rule,
            "decision_reason": self.decision_reason,
            "losses": self.losses,
        })
    }
}

/// Return list filters.
#[derive(Debug, Clone, Default)]
pub struct ReturnFilter {
    pub status: Option<ReturnStatus>,
    pub unit_id: Option<UnitId>,
}

/// Money in fen as yuan with two decimals: `123456` → `1234.56`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    format!("{sign}{}.{:02}", f / 100, f % 100)
}

/// Yuan as typed (`1234.5`, `1,234.56`, `¥800`) to fen; at most two decimals.
pub fn parse_yuan(s: &str) -> Result<i64, Problem> {
    let t: String = s
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
        .collect();
    if t.is_empty() {
        return Err(Problem::required());
    }
    let bad = || Problem::invalid("an amount in yuan, e.g. 1234.50");
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let w: i64 = whole.parse().map_err(|_| bad())?;
    let f: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    w.checked_mul(100)
        .and_then(|v| v.checked_add(f))
        .filter(|v| *v <= LOSSES_MAX_FEN)
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::{UnitDates, coverage_on};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn commissioned(on: &str) -> UnitDates {
        UnitDates {
            shipped_on: Some(d(on) - chrono::Days::new(30)),
            accepted_on: Some(d(on) - chrono::Days::new(10)),
            commissioned_on: Some(d(on)),
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2030-01-01T02:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn request(ground: Ground, dates: &UnitDates, on: &str) -> ReturnRequest {
        let c = coverage_on(dates, "switchgear", &[], d(on));
        ReturnRequest {
            id: ReturnId(1),
            unit_id: UnitId(1),
            serial_no: "SB1".into(),
            model_code: "KYN28A-12".into(),
            customer_id: CustomerId(1),
            customer_name: "-".into(),
            ticket_id: None,
            ground,
            description: "-".into(),
            confirmation: None,
            requested_on: d(on),
            requested_by: UserId(1),
            requested_by_name: "-".into(),
            status: ReturnStatus::Requested,
            eligibility: eligibility(ground, &c),
            decided_by: None,
            decided_by_name: None,
            decided_at: None,
            decision_reason: None,
            losses: None,
            created_at: now(),
            updated_at: now(),
            version: 1,
        }
    }

    /// (rule, ground, commissioned on, requested on, eligible, rule applied)
    #[test]
    fn r2_return_eligibility_at_every_boundary() {
        use Ground::*;
        let table = [
            (
                "r2_2_not_meeting_requirements_within_warranty",
                NotMeetingRequirements,
                "2025-03-01",
                "2026-01-10",
                true,
                Rule::R2_2WithinWarranty,
            ),
            (
                "r2_2_last_day_of_warranty_is_eligible",
                NotMeetingRequirements,
                "2025-03-01",
                "2027-02-28",
                true,
                Rule::R2_2WithinWarranty,
            ),
            (
                "r2_2_first_day_after_warranty_is_refused",
                NotMeetingRequirements,
                "2025-03-01",
                "2027-03-01",
                false,
                Rule::R2_2OutsideWarranty,
            ),
            (
                "r2_2_in_paid_service_is_refused",
                NotMeetingRequirements,
                "2020-03-01",
                "2029-12-01",
                false,
                Rule::R2_2OutsideWarranty,
            ),
            (
                "r2_2_leap_day_unit_last_day_27_feb",
                NotMeetingRequirements,
                "2024-02-29",
                "2026-02-27",
                true,
                Rule::R2_2WithinWarranty,
            ),
            (
                "r2_2_leap_day_unit_refused_from_28_feb",
                NotMeetingRequirements,
                "2024-02-29",
                "2026-02-28",
                false,
                Rule::R2_2OutsideWarranty,
            ),
            (
                "r2_5_quality_problem_within_warranty",
                QualityProblem,
                "2025-03-01",
                "2027-02-28",
                true,
                Rule::R2_5ConfirmedQualityProblem,
            ),
            (
                "r2_5_quality_problem_first_day_after_warranty",
                QualityProblem,
                "2025-03-01",
                "2027-03-01",
                true,
                Rule::R2_5ConfirmedQualityProblem,
            ),
            (
                "r2_5_quality_problem_in_paid_service_is_unconditional",
                QualityProblem,
                "2010-01-01",
                "2029-12-01",
                true,
                Rule::R2_5ConfirmedQualityProblem,
            ),
        ];
        for (name, ground, from, on, eligible, rule) in table {
            let r = request(ground, &commissioned(from), on);
            assert_eq!(
                (r.eligibility.eligible, r.eligibility.rule),
                (eligible, rule),
                "{name}"
            );
        }
    }

    #[test]
    fn r2_2_accepted_not_commissioned_is_within_warranty() {
        let dates = UnitDates {
            accepted_on: Some(d("2026-01-20")),
            ..UnitDates::default()
        };
        let r = request(Ground::NotMeetingRequirements, &dates, "2026-06-01");
        assert!(r.eligibility.eligible);
        assert_eq!(
            r.eligibility.reason().0,
            "return.rule.r2_2_within_warranty_not_commissioned"
        );
        // No dates at all: nothing shows the unit in warranty.
        let none = request(
            Ground::NotMeetingRequirements,
            &UnitDates::default(),
            "2026-06-01",
        );
        assert!(!none.eligibility.eligible);
        assert_eq!(
            none.eligibility.reason().0,
            "return.rule.r2_2_outside_warranty_no_dates"
        );
    }

    #[test]
    fn r2_2_refusal_names_the_rule_and_the_warranty_end() {
        let r = request(
            Ground::NotMeetingRequirements,
            &commissioned("2025-03-01"),
            "2027-03-01",
        );
        let (key, args) = r.eligibility.reason();
        assert_eq!(key, "return.rule.r2_2_outside_warranty");
        assert!(args.contains(&("warranty_ends", "2027-02-28".to_string())));
        match r.decide(true, "customer insists", UserId(2), now()) {
            Err(Error::Validation(f)) => {
                let p = f.get("approve").cloned().unwrap_or_else(|| panic!("{f:?}"));
                assert_eq!(p.code, "r2_2_outside_warranty");
                assert!(p.message.contains("2027-02-28"), "{}", p.message);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        // Refusing it is what the manager can do.
        let refused = r
            .decide(false, "outside warranty", UserId(2), now())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(refused.status, ReturnStatus::Refused);
        assert_eq!(refused.version, 2);
    }

    #[test]
    fn r2_5_approved_quality_return_closes_with_company_bearing_losses() {
        let r = request(
            Ground::QualityProblem,
            &commissioned("2015-03-01"),
            "2027-03-01",
        );
        let approved = r
            .decide(true, "confirmed by QC", UserId(2), now())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(approved.status, ReturnStatus::Approved);
        // The customer cannot be made to bear them.
        let customer = LossesInput {
            amount_fen: Some(150_000),
            note: "freight and replacement".into(),
            borne_by: Some("customer".into()),
        };
        match approved.record_losses(&customer, now()) {
            Err(Error::Validation(f)) => {
                assert_eq!(f.get("borne_by").map(|p| p.code), Some("not_allowed"))
            }
            other => panic!("expected refusal, got {other:?}"),
        }
        let closed = approved
            .record_losses(
                &LossesInput {
                    borne_by: None,
                    ..customer
                },
                now(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(closed.status, ReturnStatus::Closed);
        assert_eq!(
            closed.losses,
            Some(Losses {
                amount_fen: 150_000,
                note: "freight and replacement".into(),
                borne_by: Bearer::Company
            })
        );
        // Once closed, nothing more.
        assert!(matches!(
            closed.decide(false, "x", UserId(2), now()),
            Err(Error::Conflict(_))
        ));
        assert!(matches!(
            closed.record_losses(&LossesInput::default(), now()),
            Err(Error::Conflict(_))
        ));
    }

    #[test]
    fn r2_2_losses_may_be_borne_by_the_customer_and_need_an_amount_and_note() {
        let r = request(
            Ground::NotMeetingRequirements,
            &commissioned("2025-03-01"),
            "2026-01-01",
        )
        .decide(true, "ok", UserId(2), now())
        .unwrap_or_else(|e| panic!("{e}"));
        match r.record_losses(
            &LossesInput {
                amount_fen: Some(-1),
                ..LossesInput::default()
            },
            now(),
        ) {
            Err(Error::Validation(f)) => {
                let keys: Vec<&str> = f.0.keys().map(String::as_str).collect();
                assert_eq!(keys, ["amount_fen", "note"]);
            }
            other => panic!("{other:?}"),
        }
        let closed = r
            .record_losses(
                &LossesInput {
                    amount_fen: Some(0),
                    note: "customer pays the freight".into(),
                    borne_by: Some("customer".into()),
                },
                now(),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(closed.losses.map(|l| l.borne_by), Some(Bearer::Customer));
    }

    #[test]
    fn r2_decision_needs_a_reason_and_a_pending_request() {
        let r = request(
            Ground::QualityProblem,
            &commissioned("2025-03-01"),
            "2026-01-01",
        );
        match r.decide(true, "  ", UserId(2), now()) {
            Err(Error::Validation(f)) => {
                assert_eq!(f.get("reason").map(|p| p.code), Some("required"))
            }
            other => panic!("{other:?}"),
        }
        // Losses only after approval.
        assert!(matches!(
            r.record_losses(&LossesInput::default(), now()),
            Err(Error::Conflict(_))
        ));
    }

    #[test]
    fn r2_5_a_quality_problem_must_say_how_it_was_confirmed() {
        let today = d("2026-11-27");
        let input = ReturnInput {
            ground: "quality_problem".into(),
            description: "breaker fails to close".into(),
            ..ReturnInput::default()
        };
        match ReturnFields::parse(&input, today) {
            Err(Error::Validation(f)) => {
                assert_eq!(f.get("confirmation").map(|p| p.code), Some("required"))
            }
            other => panic!("{other:?}"),
        }
        let ok = ReturnFields::parse(
            &ReturnInput {
                confirmation: Some("QC inspection note QC-118, Zhang".into()),
                ..input
            },
            today,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (ok.ground, ok.requested_on),
            (Ground::QualityProblem, today)
        );
        // Not meeting requirements needs no confirmation.
        let nmr = ReturnInput {
            ground: "not_meeting_requirements".into(),
            description: "too small for the new load".into(),
            ..ReturnInput::default()
        };
        assert!(ReturnFields::parse(&nmr, today).is_ok());
    }

    #[test]
    fn r2_every_bad_return_field_is_named() {
        let input = ReturnInput {
            ground: "changed_mind".into(),
            description: " ".into(),
            requested_on: Some("2026-11-28".into()),
            ..ReturnInput::default()
        };
        match ReturnFields::parse(&input, d("2026-11-27")) {
            Err(Error::Validation(f)) => {
                let keys: Vec<(&str, &str)> =
                    f.0.iter().map(|(k, p)| (k.as_str(), p.code)).collect();
                assert_eq!(
                    keys,
                    [
                        ("description", "required"),
                        ("ground", "invalid"),
                        ("requested_on", "in_future")
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn money_reads_and_writes_in_yuan() {
        assert_eq!(yuan(123_456), "1234.56");
        assert_eq!(yuan(5), "0.05");
        for (typed, fen) in [
            ("1234.5", 123_450),
            ("1,234.56", 123_456),
            ("¥800", 80_000),
            ("0", 0),
        ] {
            assert_eq!(parse_yuan(typed), Ok(fen), "{typed}");
        }
        for bad in ["", "1.234", "-5", "abc", "1e3", "999999999999"] {
            assert!(parse_yuan(bad).is_err(), "{bad}");
        }
    }
}
