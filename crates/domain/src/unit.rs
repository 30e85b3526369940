//! Installed units (R3.8, R4.1): a product model with a serial number, at a customer's
//! site, with the dates its warranty counts from, and its whole life in one timeline.

use crate::coverage::{Coverage, UnitDates, coverage_on};
use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{CustomerId, DeliveryId, ProductModelId, SiteId, TicketId, UnitId};
use crate::product::{WarrantyPolicy, model_code, parse_date};
use crate::region::Region;
use crate::text;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

pub const SERIAL_MAX: usize = 64;
pub const UNIT_NOTES_MAX: usize = 2000;

/// A serial number as on the nameplate: letters, digits and `- / . _ #`, upper-cased so
/// the same unit typed twice is one. Unique per model.
pub fn serial_no(s: &str) -> Result<String, Problem> {
    let t = text::required(s, SERIAL_MAX)?.to_uppercase();
    if t.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-/._#".contains(c))
    {
        Ok(t)
    } else {
        Err(Problem::invalid(
            "letters, digits and - / . _ # only, as on the nameplate",
        ))
    }
}

/// A unit as submitted. The site is the one at `site_address` (created for the customer
/// if it has none there), else `site_id`, else the customer's first site.
#[derive(Debug, Clone, Default)]
pub struct UnitInput {
    pub customer_id: Option<CustomerId>,
    pub model_code: String,
    pub serial_no: String,
    pub site_id: Option<SiteId>,
    pub site_address: Option<String>,
    pub shipped_on: Option<String>,
    pub accepted_on: Option<String>,
    pub commissioned_on: Option<String>,
    pub notes: Option<String>,
}

/// A unit's checked fields (the model still as its code; the store resolves it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFields {
    pub customer_id: CustomerId,
    pub model_code: String,
    pub serial_no: String,
    pub site_id: Option<SiteId>,
    pub site_address: Option<String>,
    pub dates: UnitDates,
    pub notes: Option<String>,
}

impl UnitFields {
    /// Check every field; dates are calendar dates, in order (shipped, then accepted and
    /// commissioned), none after `today` (the company's date).
    pub fn parse(input: &UnitInput, today: NaiveDate) -> Result<UnitFields, Error> {
        let mut errs = FieldErrors::new();
        let customer = match input.customer_id {
            Some(c) => Some(c),
            None => {
                errs.add("customer_id", Problem::required());
                None
            }
        };
        let code = errs.take("model_code", model_code(&input.model_code));
        let serial = errs.take("serial_no", serial_no(&input.serial_no));
        let site_address = errs.take(
            "site_address",
            match input.site_address.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(a) => crate::site::site_address(a).map(Some),
            },
        );
        let notes = errs.take(
            "notes",
            text::optional(input.notes.as_deref(), UNIT_NOTES_MAX),
        );
        let mut date = |field: &str, v: &Option<String>| -> Option<NaiveDate> {
            match v.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(s) => {
                    let d = errs.take(field, parse_date(s))?;
                    if d > today {
                        errs.add(
                            field,
                            Problem::new("in_future", "must not be in the future"),
                        );
                        return None;
                    }
                    Some(d)
                }
            }
        };
        let dates = UnitDates {
            shipped_on: date("shipped_on", &input.shipped_on),
            accepted_on: date("accepted_on", &input.accepted_on),
            commissioned_on: date("commissioned_on", &input.commissioned_on),
        };
        if let Err(more) = dates_in_order(&dates) {
            errs.0.extend(more.0);
        }
        match (customer, code, serial, site_address, notes) {
            (
                Some(customer_id),
                Some(model_code),
                Some(serial_no),
                Some(site_address),
                Some(notes),
            ) if errs.is_empty() => Ok(UnitFields {
                customer_id,
                model_code,
                serial_no,
                site_id: input.site_id,
                site_address,
                dates,
                notes,
            }),
            _ => Err(Error::Validation(errs)),
        }
    }
}

/// Acceptance and commissioning come after shipment (R3.2: a unit is accepted on site
/// once it has arrived). Commissioning may precede the formal acceptance.
pub fn dates_in_order(d: &UnitDates) -> Result<(), FieldErrors> {
    let mut errs = FieldErrors::new();
    if let Some(shipped) = d.shipped_on {
        if d.accepted_on.is_some_and(|a| a < shipped) {
            errs.add(
                "accepted_on",
                Problem::new("before_shipment", "must not be before the shipment date"),
            );
        }
        if d.commissioned_on.is_some_and(|c| c < shipped) {
            errs.add(
                "commissioned_on",
                Problem::new("before_shipment", "must not be before the shipment date"),
            );
        }
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

/// A unit as the archive holds it, with its model and site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub id: UnitId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub model_id: ProductModelId,
    pub model_code: String,
    pub model_name: String,
    pub product_line: String,
    pub serial_no: String,
    pub site_id: SiteId,
    pub site_name: Option<String>,
    pub site_address: String,
    pub site_region: Region,
    pub site_contact_name: Option<String>,
    pub site_contact_phone: Option<String>,
    #[serde(flatten)]
    pub dates: UnitDates,
    pub delivery_id: Option<DeliveryId>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Unit {
    /// Its coverage on `on` under the recorded policy versions (R2).
    pub fn coverage_on(&self, policies: &[WarrantyPolicy], on: NaiveDate) -> Coverage {
        coverage_on(&self.dates, &self.product_line, policies, on)
    }

    /// The fields an audit record compares (R1.4).
    pub fn audit_view(&self) -> serde_json::Value {
        serde_json::json!({
            "customer_id": self.customer_id,
            "model_code": self.model_code,
            "serial_no": self.serial_no,
            "site_id": self.site_id,
            "shipped_on": self.dates.shipped_on,
            "accepted_on": self.dates.accepted_on,
            "commissioned_on": self.dates.commissioned_on,
            "delivery_id": self.delivery_id,
            "notes": self.notes,
        })
    }
}

/// A line of the unit list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitSummary {
    pub id: UnitId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub model_code: String,
    pub product_line: String,
    pub serial_no: String,
    pub site_id: SiteId,
    pub site_address: String,
    pub site_region: Region,
    #[serde(flatten)]
    pub dates: UnitDates,
}

/// Unit list filters: text (serial number, model, customer, site address), customer, site.
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    pub q: Option<String>,
    pub customer_id: Option<CustomerId>,
    pub site_id: Option<SiteId>,
}

/// What a new ticket needs to know of where the work is: the site (and so the region its
/// deadlines follow) and, when a unit is named, what its coverage is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketPlace {
    /// `None` only where no site is known yet (checking a form before writing).
    pub site_id: Option<SiteId>,
    pub region: Region,
    pub unit: Option<UnitFacts>,
}

impl TicketPlace {
    /// A place known only by its region (a customer not yet written, a form being checked).
    pub fn region_only(region: Region) -> TicketPlace {
        TicketPlace {
            site_id: None,
            region,
            unit: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFacts {
    pub id: UnitId,
    pub dates: UnitDates,
    pub product_line: String,
    pub policies: Vec<WarrantyPolicy>,
}

impl UnitFacts {
    pub fn coverage_on(&self, on: NaiveDate) -> Coverage {
        coverage_on(&self.dates, &self.product_line, &self.policies, on)
    }
}

/// A ticket naming a unit, as the unit's timeline shows it (with the coverage recorded
/// when the unit was named).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitTicket {
    pub id: TicketId,
    pub kind: crate::ticket::TicketKind,
    pub status: crate::ticket::TicketStatus,
    pub summary: String,
    pub received_at: DateTime<Utc>,
    pub coverage: Option<Coverage>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn input() -> UnitInput {
        UnitInput {
            customer_id: Some(CustomerId(1)),
            model_code: "kyn28a-12".into(),
            serial_no: " sb2024-0001 ".into(),
            shipped_on: Some("2026-01-05".into()),
            accepted_on: Some("2026-01-20".into()),
            commissioned_on: Some("2026-02-01".into()),
            ..UnitInput::default()
        }
    }

    fn problems(input: &UnitInput) -> Vec<(String, &'static str)> {
        match UnitFields::parse(input, d("2026-11-27")) {
            Err(Error::Validation(f)) => f.0.into_iter().map(|(k, p)| (k, p.code)).collect(),
            other => panic!("expected validation error, got {other:?}"),
        }
    }

    #[test]
    fn r3_8_unit_fields_are_normalised() {
        let u = UnitFields::parse(&input(), d("2026-11-27")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(u.model_code, "KYN28A-12");
        assert_eq!(u.serial_no, "SB2024-0001");
        assert_eq!(u.dates.commissioned_on, Some(d("2026-02-01")));
    }

    #[test]
    fn r3_2_acceptance_before_shipment_is_refused() {
        let i = UnitInput {
            accepted_on: Some("2026-01-01".into()),
            commissioned_on: Some("2025-12-31".into()),
            ..input()
        };
        assert_eq!(
            problems(&i),
            [
                ("accepted_on".into(), "before_shipment"),
                ("commissioned_on".into(), "before_shipment")
            ]
        );
    }

    #[test]
    fn r2_commissioning_in_the_future_is_refused() {
        let i = UnitInput {
            commissioned_on: Some("2026-11-28".into()),
            ..input()
        };
        assert_eq!(problems(&i), [("commissioned_on".into(), "in_future")]);
        // Today, in the company's calendar, is fine.
        let today = UnitInput {
            commissioned_on: Some("2026-11-27".into()),
            ..input()
        };
        assert!(UnitFields::parse(&today, d("2026-11-27")).is_ok());
    }

    #[test]
    fn r3_8_every_bad_unit_field_is_named() {
        let i = UnitInput {
            customer_id: None,
            model_code: "KYN 28".into(),
            serial_no: "序列号".into(),
            shipped_on: Some("2026-02-30".into()),
            site_address: Some("\u{0}".into()),
            ..UnitInput::default()
        };
        let keys: Vec<String> = problems(&i).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            [
                "customer_id",
                "model_code",
                "serial_no",
                "shipped_on",
                "site_address"
            ]
        );
    }
}
