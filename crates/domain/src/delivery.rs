//! Deliveries (R3.2): from shipment to site, the customer's salesperson tracks each delivery
//! to the end — shipped → arrived on site → unpacked and counted against the packing list
//! (shortages and damage recorded line by line) → accepted, with the customer's
//! confirmation. Steps go forward one at a time, never skipped and never undone; each keeps
//! its instant. Acceptance starts the coverage of the delivery's units (R2 decision).

use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{CustomerId, DeliveryId, SiteId, UserId};
use crate::product::{model_code, parse_date};
use crate::role::{Permission, Role};
use crate::text;
use crate::time::{company_offset, local_date, to_store_precision};
use crate::unit::serial_no;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

pub const REFERENCE_MAX: usize = 64;
pub const DESCRIPTION_MAX: usize = 200;
pub const LINE_NOTE_MAX: usize = 500;
pub const NOTES_MAX: usize = 2000;
pub const CONFIRMED_BY_MAX: usize = 100;
/// A packing list longer than any the company ships.
pub const LINES_MAX: usize = 100;
pub const UNITS_MAX: usize = 500;
/// More pieces of one line than any delivery holds.
pub const QUANTITY_MAX: i64 = 100_000;

/// Where a delivery stands. The order of the variants is the order of the steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Shipped,
    Arrived,
    Counted,
    Accepted,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 4] = [
        DeliveryStatus::Shipped,
        DeliveryStatus::Arrived,
        DeliveryStatus::Counted,
        DeliveryStatus::Accepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Shipped => "shipped",
            DeliveryStatus::Arrived => "arrived",
            DeliveryStatus::Counted => "counted",
            DeliveryStatus::Accepted => "accepted",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        DeliveryStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The step that comes next, none once accepted.
    pub fn next_step(self) -> Option<StepKind> {
        match self {
            DeliveryStatus::Shipped => Some(StepKind::Arrive),
            DeliveryStatus::Arrived => Some(StepKind::Count),
            DeliveryStatus::Counted => Some(StepKind::Accept),
            DeliveryStatus::Accepted => None,
        }
    }
}

/// The steps a salesperson records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Arrive,
    Count,
    Accept,
}

impl StepKind {
    pub const ALL: [StepKind; 3] = [StepKind::Arrive, StepKind::Count, StepKind::Accept];

    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Arrive => "arrive",
            StepKind::Count => "count",
            StepKind::Accept => "accept",
        }
    }

    pub fn parse(s: &str) -> Option<StepKind> {
        StepKind::ALL.into_iter().find(|v| v.as_str() == s.trim())
    }

    /// Where the delivery stands after this step.
    pub fn result(self) -> DeliveryStatus {
        match self {
            StepKind::Arrive => DeliveryStatus::Arrived,
            StepKind::Count => DeliveryStatus::Counted,
            StepKind::Accept => DeliveryStatus::Accepted,
        }
    }
}

/// Who may record or look at a delivery: those who track deliveries (R3.2), and of
/// salespeople only the one the customer is assigned to.
pub fn may_track(role: Role, actor: UserId, customer_salesperson: Option<UserId>) -> bool {
    crate::role::may_for_customer(
        role,
        Permission::TrackDeliveries,
        actor,
        customer_salesperson,
    )
}

/// A packing-list line as submitted.
#[derive(Debug, Clone, Default)]
pub struct LineInput {
    pub model_code: Option<String>,
    pub description: Option<String>,
    pub quantity: Option<i64>,
}

/// A unit shipped, as submitted: its model and nameplate serial number.
#[derive(Debug, Clone, Default)]
pub struct ShippedUnitInput {
    pub model_code: String,
    pub serial_no: String,
}

/// A delivery as submitted. The site is the one at `site_address` (created for the
/// customer if it has none there), else `site_id`, else the customer's first site.
#[derive(Debug, Clone, Default)]
pub struct DeliveryInput {
    pub customer_id: Option<CustomerId>,
    pub site_id: Option<SiteId>,
    pub site_address: Option<String>,
    /// The delivery-note number.
    pub reference: String,
    pub shipped_on: String,
    pub notes: Option<String>,
    pub lines: Vec<LineInput>,
    pub units: Vec<ShippedUnitInput>,
}

/// A checked packing-list line, before counting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewLine {
    pub model_code: Option<String>,
    pub description: Option<String>,
    pub expected: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShippedUnit {
    pub model_code: String,
    pub serial_no: String,
}

/// A delivery's checked fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryFields {
    pub customer_id: CustomerId,
    pub site_id: Option<SiteId>,
    pub site_address: Option<String>,
    pub reference: String,
    pub shipped_on: NaiveDate,
    pub notes: Option<String>,
    pub lines: Vec<NewLine>,
    pub units: Vec<ShippedUnit>,
}

fn quantity(v: Option<i64>, min: i64) -> Result<i64, Problem> {
    match v {
        None => Err(Problem::required()),
        Some(n) if (min..=QUANTITY_MAX).contains(&n) => Ok(n),
        Some(_) => Err(Problem::invalid(format!("{min} to {QUANTITY_MAX}"))),
    }
}

impl DeliveryFields {
    /// Check every field, naming each problem (`lines[1].quantity`, `units[0].serial_no`).
    /// The shipment date is a calendar date, not after `today` (the company's date).
    pub fn parse(input: &DeliveryInput, today: NaiveDate) -> Result<DeliveryFields, Error> {
        let mut errs = FieldErrors::new();
        if input.customer_id.is_none() {
            errs.add("customer_id", Problem::required());
        }
        let site_address = errs.take(
            "site_address",
            match input.site_address.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(a) => crate::site::site_address(a).map(Some),
            },
        );
        let reference = errs.take("reference", text::required(&input.reference, REFERENCE_MAX));
        let shipped_on = errs
            .take("shipped_on", parse_date(&input.shipped_on))
            .and_then(|d| {
                if d > today {
                    errs.add(
                        "shipped_on",
                        Problem::new("in_future", "must not be in the future"),
                    );
                    None
                } else {
                    Some(d)
                }
            });
        let notes = errs.take("notes", text::optional(input.notes.as_deref(), NOTES_MAX));
        if input.lines.is_empty() {
            errs.add(
                "lines",
                Problem::new("required", "a delivery has at least one packing-list line"),
            );
        } else if input.lines.len() > LINES_MAX {
            errs.add(
                "lines",
                Problem::invalid(format!("at most {LINES_MAX} lines")),
            );
        }
        let mut lines = Vec::new();
        for (i, l) in input.lines.iter().enumerate() {
            let f = |name: &str| format!("lines[{i}].{name}");
            let code = errs.take(
                &f("model_code"),
                match l.model_code.as_deref().map(str::trim) {
                    None | Some("") => Ok(None),
                    Some(c) => model_code(c).map(Some),
                },
            );
            let description = errs.take(
                &f("description"),
                text::optional(l.description.as_deref(), DESCRIPTION_MAX),
            );
            if let (Some(None), Some(None)) = (&code, &description) {
                errs.add(
                    f("description"),
                    Problem::new("required", "give the model code or a description"),
                );
            }
            let expected = errs.take(&f("quantity"), quantity(l.quantity, 1));
            if let (Some(model_code), Some(description), Some(expected)) =
                (code, description, expected)
            {
                lines.push(NewLine {
                    model_code,
                    description,
                    expected,
                });
            }
        }
        if input.units.len() > UNITS_MAX {
            errs.add(
                "units",
                Problem::invalid(format!("at most {UNITS_MAX} units")),
            );
        }
        let mut units: Vec<ShippedUnit> = Vec::new();
        for (i, u) in input.units.iter().enumerate() {
            let code = errs.take(&format!("units[{i}].model_code"), model_code(&u.model_code));
            let serial = errs.take(&format!("units[{i}].serial_no"), serial_no(&u.serial_no));
            if let (Some(model_code), Some(serial_no)) = (code, serial) {
                if units
                    .iter()
                    .any(|x| x.model_code == model_code && x.serial_no == serial_no)
                {
                    errs.add(
                        format!("units[{i}].serial_no"),
                        Problem::new("taken", "this unit is listed twice"),
                    );
                } else {
                    units.push(ShippedUnit {
                        model_code,
                        serial_no,
                    });
                }
            }
        }
        match (
            input.customer_id,
            site_address,
            reference,
            shipped_on,
            notes,
        ) {
            (
                Some(customer_id),
                Some(site_address),
                Some(reference),
                Some(shipped_on),
                Some(notes),
            ) if errs.is_empty() => Ok(DeliveryFields {
                customer_id,
                site_id: input.site_id,
                site_address,
                reference,
                shipped_on,
                notes,
                lines,
                units,
            }),
            _ => Err(Error::Validation(errs)),
        }
    }
}

/// A packing-list line with what the count found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryLine {
    /// 1, 2, … in the order of the packing list.
    pub ordinal: i64,
    pub model_code: Option<String>,
    pub description: Option<String>,
    pub expected: i64,
    /// `None` until counted.
    pub received: Option<i64>,
    pub damaged: Option<i64>,
    pub note: Option<String>,
}

impl DeliveryLine {
    /// Pieces missing against the packing list (0 when complete or not yet counted).
    pub fn shortage(&self) -> i64 {
        self.received.map_or(0, |r| (self.expected - r).max(0))
    }

    /// Counted with a shortage, an excess or damage.
    pub fn has_discrepancy(&self) -> bool {
        self.received.is_some_and(|r| r != self.expected) || self.damaged.unwrap_or(0) > 0
    }

    /// What the line is: model code and description, whichever are given.
    pub fn label(&self) -> String {
        match (&self.model_code, &self.description) {
            (Some(c), Some(d)) => format!("{c} {d}"),
            (Some(c), None) => c.clone(),
            (None, Some(d)) => d.clone(),
            (None, None) => String::new(),
        }
    }
}

/// One line's count as submitted.
#[derive(Debug, Clone, Default)]
pub struct CountInput {
    pub received: Option<i64>,
    pub damaged: Option<i64>,
    pub note: Option<String>,
}

/// A step as submitted.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub kind: String,
    /// For `count`: one entry per packing-list line, in its order.
    pub lines: Vec<CountInput>,
    /// For `accept`: the name of the customer's person who confirmed acceptance.
    pub confirmed_by: Option<String>,
}

/// A delivery as the archive holds it, with its customer, site and packing list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub id: DeliveryId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    /// The customer's salesperson, who tracks it.
    pub salesperson_id: Option<UserId>,
    pub salesperson_name: Option<String>,
    pub site_id: SiteId,
    pub site_name: Option<String>,
    pub site_address: String,
    pub reference: String,
    pub status: DeliveryStatus,
    pub shipped_on: NaiveDate,
    pub arrived_at: Option<DateTime<Utc>>,
    pub counted_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// The customer's person who confirmed acceptance.
    pub accepted_by: Option<String>,
    /// The company's date of acceptance: the delivery's units are covered from it.
    pub accepted_on: Option<NaiveDate>,
    pub notes: Option<String>,
    pub lines: Vec<DeliveryLine>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// How long a delivery has waited, for the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waited {
    /// Minutes since the start of the shipment day (company time).
    pub since_shipment: i64,
    /// Minutes since the last step (the shipment for a delivery not yet arrived).
    pub since_last_step: i64,
}

/// The first instant of a calendar date in the company's time zone.
pub fn start_of(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .and_then(|n| n.and_local_timezone(company_offset()).single())
        .map_or_else(DateTime::<Utc>::default, |t| t.with_timezone(&Utc))
}

fn conflict(d: &Delivery, step: StepKind) -> Error {
    Error::Conflict(format!(
        "cannot {} a delivery that is {}",
        step.as_str(),
        d.status.as_str()
    ))
}

impl Delivery {
    /// The instant of the last step taken (the start of the shipment day before arrival).
    pub fn last_step_at(&self) -> DateTime<Utc> {
        self.accepted_at
            .or(self.counted_at)
            .or(self.arrived_at)
            .unwrap_or_else(|| start_of(self.shipped_on))
    }

    /// How long it has waited at `now`: since shipment, and since its last step.
    pub fn waited(&self, now: DateTime<Utc>) -> Waited {
        let mins = |from: DateTime<Utc>| (now - from).num_minutes().max(0);
        Waited {
            since_shipment: mins(start_of(self.shipped_on)),
            since_last_step: mins(self.last_step_at()),
        }
    }

    pub fn is_open(&self) -> bool {
        self.status != DeliveryStatus::Accepted
    }

    /// The delivery after a step taken at `now`: only the next step is allowed (no
    /// skipping, no going back, no step twice); a count covers every line; an acceptance
    /// names the customer's person who confirmed it.
    pub fn apply(&self, input: &StepInput, now: DateTime<Utc>) -> Result<Delivery, Error> {
        let Some(step) = StepKind::parse(&input.kind) else {
            return Err(Error::field(
                "type",
                Problem::invalid("arrive, count or accept"),
            ));
        };
        if self.status.next_step() != Some(step) {
            return Err(conflict(self, step));
        }
        let now = to_store_precision(now);
        let mut d = self.clone();
        d.status = step.result();
        d.updated_at = now;
        d.version = self.version + 1;
        match step {
            StepKind::Arrive => d.arrived_at = Some(now),
            StepKind::Count => {
                d.lines = self.counted(&input.lines)?;
                d.counted_at = Some(now);
            }
            StepKind::Accept => {
                let by = text::required(
                    input.confirmed_by.as_deref().unwrap_or_default(),
                    CONFIRMED_BY_MAX,
                )
                .map_err(|p| Error::field("confirmed_by", p))?;
                let on = local_date(now);
                if on < self.shipped_on {
                    return Err(Error::field(
                        "accepted_on",
                        Problem::new("before_shipment", "must not be before the shipment date"),
                    ));
                }
                d.accepted_at = Some(now);
                d.accepted_by = Some(by);
                d.accepted_on = Some(on);
            }
        }
        Ok(d)
    }

    /// The packing list with the count recorded line by line.
    fn counted(&self, counts: &[CountInput]) -> Result<Vec<DeliveryLine>, Error> {
        let mut errs = FieldErrors::new();
        if counts.len() != self.lines.len() {
            errs.add(
                "lines",
                Problem::invalid(format!(
                    "count every line of the packing list: {} lines, {} counted",
                    self.lines.len(),
                    counts.len()
                )),
            );
            return Err(Error::Validation(errs));
        }
        let mut out = Vec::with_capacity(self.lines.len());
        for (i, (line, c)) in self.lines.iter().zip(counts).enumerate() {
            let f = |name: &str| format!("lines[{i}].{name}");
            let received = errs.take(&f("received"), quantity(c.received, 0));
            let damaged = errs.take(&f("damaged"), quantity(Some(c.damaged.unwrap_or(0)), 0));
            if let (Some(r), Some(dm)) = (received, damaged)
                && dm > r
            {
                errs.add(
                    f("damaged"),
                    Problem::invalid("cannot be more than were received"),
                );
            }
            let note = errs.take(&f("note"), text::optional(c.note.as_deref(), LINE_NOTE_MAX));
            if let (Some(r), Some(dm), Some(note)) = (received, damaged, note) {
                out.push(DeliveryLine {
                    received: Some(r),
                    damaged: Some(dm),
                    note,
                    ..line.clone()
                });
            }
        }
        errs.into_result()?;
        Ok(out)
    }

    /// The fields an audit record compares (R1.4).
    pub fn audit_view(&self) -> serde_json::Value {
        serde_json::json!({
            "customer_id": self.customer_id,
            "site_id": self.site_id,
            "reference": self.reference,
            "status": self.status,
            "shipped_on": self.shipped_on,
            "arrived_at": self.arrived_at,
            "counted_at": self.counted_at,
            "accepted_at": self.accepted_at,
            "accepted_by": self.accepted_by,
            "accepted_on": self.accepted_on,
            "notes": self.notes,
            "lines": self.lines,
        })
    }
}

/// Board filters: the open deliveries of one salesperson, or of everyone.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeliveryFilter {
    pub salesperson_id: Option<UserId>,
    /// Only those not yet accepted.
    pub open_only: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn input() -> DeliveryInput {
        DeliveryInput {
            customer_id: Some(CustomerId(1)),
            reference: " DN-2026-0042 ".into(),
            shipped_on: "2026-11-20".into(),
            lines: vec![
                LineInput {
                    model_code: Some("kyn28a-12".into()),
                    description: Some("中置柜".into()),
                    quantity: Some(4),
                },
                LineInput {
                    description: Some("备品备件箱".into()),
                    quantity: Some(2),
                    ..LineInput::default()
                },
            ],
            units: vec![ShippedUnitInput {
                model_code: "KYN28A-12".into(),
                serial_no: "sb-001".into(),
            }],
            ..DeliveryInput::default()
        }
    }

    fn problems(r: Result<impl std::fmt::Debug, Error>) -> Vec<(String, &'static str)> {
        match r {
            Err(Error::Validation(f)) => f.0.into_iter().map(|(k, p)| (k, p.code)).collect(),
            other => panic!("expected validation error, got {other:?}"),
        }
    }

    fn delivery() -> Delivery {
        let f = DeliveryFields::parse(&input(), d("2026-11-27")).unwrap_or_else(|e| panic!("{e}"));
        Delivery {
            id: DeliveryId(1),
            customer_id: f.customer_id,
            customer_name: "宁波港务".into(),
            salesperson_id: Some(UserId(7)),
            salesperson_name: None,
            site_id: SiteId(1),
            site_name: None,
            site_address: "宁波".into(),
            reference: f.reference,
            status: DeliveryStatus::Shipped,
            shipped_on: f.shipped_on,
            arrived_at: None,
            counted_at: None,
            accepted_at: None,
            accepted_by: None,
            accepted_on: None,
            notes: None,
            lines: f
                .lines
                .into_iter()
                .enumerate()
                .map(|(i, l)| DeliveryLine {
                    ordinal: i as i64 + 1,
                    model_code: l.model_code,
                    description: l.description,
                    expected: l.expected,
                    received: None,
                    damaged: None,
                    note: None,
                })
                .collect(),
            created_by: UserId(7),
            created_at: at("2026-11-20T02:00:00Z"),
            updated_at: at("2026-11-20T02:00:00Z"),
            version: 1,
        }
    }

    fn step(kind: &str) -> StepInput {
        StepInput {
            kind: kind.into(),
            ..StepInput::default()
        }
    }

    fn count(rows: &[(Option<i64>, Option<i64>)]) -> StepInput {
        StepInput {
            kind: "count".into(),
            lines: rows
                .iter()
                .map(|(r, dm)| CountInput {
                    received: *r,
                    damaged: *dm,
                    note: None,
                })
                .collect(),
            confirmed_by: None,
        }
    }

    #[test]
    fn r3_2_delivery_fields_are_normalised() {
        let f = DeliveryFields::parse(&input(), d("2026-11-27")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.reference, "DN-2026-0042");
        assert_eq!(f.lines[0].model_code.as_deref(), Some("KYN28A-12"));
        assert_eq!(f.lines[1].model_code, None);
        assert_eq!(f.units[0].serial_no, "SB-001");
    }

    #[test]
    fn r3_2_every_bad_delivery_field_is_named() {
        let i = DeliveryInput {
            customer_id: None,
            reference: " ".into(),
            shipped_on: "2026-11-28".into(),
            lines: vec![
                LineInput::default(),
                LineInput {
                    model_code: Some("KYN 28".into()),
                    quantity: Some(0),
                    ..LineInput::default()
                },
            ],
            units: vec![
                ShippedUnitInput {
                    model_code: "X1".into(),
                    serial_no: "A1".into(),
                },
                ShippedUnitInput {
                    model_code: "x1".into(),
                    serial_no: "a1".into(),
                },
            ],
            ..DeliveryInput::default()
        };
        assert_eq!(
            problems(DeliveryFields::parse(&i, d("2026-11-27"))),
            [
                ("customer_id".into(), "required"),
                ("lines[0].description".into(), "required"),
                ("lines[0].quantity".into(), "required"),
                ("lines[1].model_code".into(), "invalid"),
                ("lines[1].quantity".into(), "invalid"),
                ("reference".into(), "required"),
                ("shipped_on".into(), "in_future"),
                ("units[1].serial_no".into(), "taken"),
            ]
        );
    }

    #[test]
    fn r3_2_a_delivery_has_a_packing_list() {
        let i = DeliveryInput {
            lines: Vec::new(),
            ..input()
        };
        assert_eq!(
            problems(DeliveryFields::parse(&i, d("2026-11-27"))),
            [("lines".into(), "required")]
        );
    }

    #[test]
    fn r3_2_steps_go_shipped_arrived_counted_accepted_each_with_its_instant() {
        let t1 = at("2026-11-21T01:00:00Z");
        let t2 = at("2026-11-21T03:00:00Z");
        let t3 = at("2026-11-22T05:00:00Z");
        let a = delivery()
            .apply(&step("arrive"), t1)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (a.status, a.arrived_at, a.version),
            (DeliveryStatus::Arrived, Some(t1), 2)
        );
        let c = a
            .apply(&count(&[(Some(3), Some(1)), (Some(2), None)]), t2)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (c.status, c.counted_at),
            (DeliveryStatus::Counted, Some(t2))
        );
        assert_eq!(c.lines[0].shortage(), 1);
        assert_eq!(c.lines[0].damaged, Some(1));
        assert!(c.lines[0].has_discrepancy());
        assert_eq!((c.lines[1].shortage(), c.lines[1].damaged), (0, Some(0)));
        assert!(!c.lines[1].has_discrepancy());
        let accept = StepInput {
            confirmed_by: Some(" 李工 ".into()),
            ..step("accept")
        };
        let done = c.apply(&accept, t3).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(done.status, DeliveryStatus::Accepted);
        assert_eq!(done.accepted_at, Some(t3));
        assert_eq!(done.accepted_by.as_deref(), Some("李工"));
        // 05:00 UTC is 13:00 in Hangzhou: the company's date.
        assert_eq!(done.accepted_on, Some(d("2026-11-22")));
        assert!(!done.is_open());
    }

    #[test]
    fn r3_2_no_step_is_skipped_repeated_or_undone() {
        let now = at("2026-11-21T01:00:00Z");
        let shipped = delivery();
        for s in ["count", "accept"] {
            assert!(
                matches!(shipped.apply(&step(s), now), Err(Error::Conflict(_))),
                "{s} before arrival"
            );
        }
        let arrived = shipped
            .apply(&step("arrive"), now)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            arrived.apply(&step("arrive"), now),
            Err(Error::Conflict(_))
        ));
        assert!(matches!(
            arrived.apply(
                &StepInput {
                    confirmed_by: Some("李工".into()),
                    ..step("accept")
                },
                now
            ),
            Err(Error::Conflict(_))
        ));
        assert_eq!(
            problems(shipped.apply(&step("ship"), now)),
            [("type".into(), "invalid")]
        );
    }

    #[test]
    fn r3_2_a_count_names_each_bad_line() {
        let now = at("2026-11-21T01:00:00Z");
        let arrived = delivery()
            .apply(&step("arrive"), now)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            problems(arrived.apply(&count(&[(Some(4), None)]), now)),
            [("lines".into(), "invalid")]
        );
        assert_eq!(
            problems(arrived.apply(&count(&[(None, None), (Some(1), Some(2))]), now)),
            [
                ("lines[0].received".into(), "required"),
                ("lines[1].damaged".into(), "invalid"),
            ]
        );
        assert_eq!(
            problems(arrived.apply(&count(&[(Some(-1), None), (Some(2), Some(-1))]), now)),
            [
                ("lines[0].received".into(), "invalid"),
                ("lines[1].damaged".into(), "invalid"),
            ]
        );
    }

    #[test]
    fn r3_2_acceptance_needs_the_customers_confirmation() {
        let now = at("2026-11-21T01:00:00Z");
        let counted = delivery()
            .apply(&step("arrive"), now)
            .and_then(|a| a.apply(&count(&[(Some(4), None), (Some(2), None)]), now))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            problems(counted.apply(&step("accept"), now)),
            [("confirmed_by".into(), "required")]
        );
    }

    #[test]
    fn r3_2_a_salesperson_tracks_only_their_customers_deliveries() {
        let me = UserId(7);
        assert!(may_track(Role::Salesperson, me, Some(me)));
        assert!(!may_track(Role::Salesperson, me, Some(UserId(8))));
        assert!(!may_track(Role::Salesperson, me, None));
        assert!(may_track(Role::ServiceClerk, me, Some(UserId(8))));
        assert!(may_track(Role::ServiceManager, me, None));
        assert!(!may_track(Role::Technician, me, Some(me)));
        assert!(!may_track(Role::Customer, me, Some(me)));
    }

    #[test]
    fn r3_2_the_board_shows_how_long_a_delivery_has_waited() {
        let shipped = delivery();
        // Shipped 2026-11-20: the day starts at 16:00 UTC the day before.
        let now = at("2026-11-21T16:30:00Z");
        let w = shipped.waited(now);
        assert_eq!(w.since_shipment, 48 * 60 + 30);
        assert_eq!(w.since_last_step, w.since_shipment);
        let arrived = shipped
            .apply(&step("arrive"), at("2026-11-21T14:00:00Z"))
            .unwrap_or_else(|e| panic!("{e}"));
        let w = arrived.waited(now);
        assert_eq!((w.since_shipment, w.since_last_step), (48 * 60 + 30, 150));
        // A clock behind the record never shows a negative wait.
        assert_eq!(
            arrived.waited(at("2026-11-01T00:00:00Z")).since_last_step,
            0
        );
    }
}
