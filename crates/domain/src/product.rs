//! Product models and the warranty policy of each product line (R2).
//!
//! A policy is data, not code: how many months of full warranty, how many of free repair
//! after it, and whether service after that is charged (R2.4). Policies are versioned by
//! the date from which they apply; the version in force on a unit's commissioning date is
//! the one that covers it, so a new version never rewrites a decision already made.

use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{PolicyId, ProductModelId};
use crate::text;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub const CODE_MAX: usize = 64;
pub const NAME_MAX: usize = 200;
pub const LINE_MAX: usize = 100;
/// Longer than any policy the company would write (50 years).
pub const MONTHS_MAX: u32 = 600;

/// A product model as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ModelInput {
    pub code: String,
    pub name: String,
    pub product_line: String,
}

/// A checked product model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelFields {
    /// As written on the nameplate, upper-cased so `kyn28a-12` and `KYN28A-12` are one.
    pub code: String,
    pub name: String,
    pub product_line: String,
}

impl ModelFields {
    pub fn parse(input: &ModelInput) -> Result<ModelFields, Error> {
        let mut errs = FieldErrors::new();
        let code = errs.take("code", model_code(&input.code));
        let name = errs.take("name", text::required(&input.name, NAME_MAX));
        let line = errs.take(
            "product_line",
            text::required(&input.product_line, LINE_MAX),
        );
        match (code, name, line) {
            (Some(code), Some(name), Some(product_line)) if errs.is_empty() => Ok(ModelFields {
                code,
                name,
                product_line,
            }),
            _ => Err(Error::Validation(errs)),
        }
    }
}

/// A model code: letters, digits and the punctuation nameplates use (`-`, `/`, `.`, `_`,
/// `(`, `)`), upper-cased.
pub fn model_code(s: &str) -> Result<String, Problem> {
    let code = text::required(s, CODE_MAX)?.to_uppercase();
    if code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-/._()".contains(c))
    {
        Ok(code)
    } else {
        Err(Problem::invalid(
            "letters, digits and - / . _ ( ) only, as on the nameplate",
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductModel {
    pub id: ProductModelId,
    #[serde(flatten)]
    pub fields: ModelFields,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

/// What a unit's owner pays once free repair has ended (R2.4: lifetime service; the
/// policy does not say who pays, so by default the customer does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AfterFreeRepair {
    #[default]
    Paid,
    Free,
}

impl AfterFreeRepair {
    pub fn as_str(self) -> &'static str {
        match self {
            AfterFreeRepair::Paid => "paid",
            AfterFreeRepair::Free => "free",
        }
    }
    pub fn parse(s: &str) -> Option<AfterFreeRepair> {
        match s {
            "paid" => Some(AfterFreeRepair::Paid),
            "free" => Some(AfterFreeRepair::Free),
            _ => None,
        }
    }
}

/// One version of a product line's warranty policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WarrantyPolicy {
    /// `None` for the built-in default, which applies where no version was recorded.
    pub id: Option<PolicyId>,
    pub product_line: String,
    /// Applies to units commissioned on or after this date.
    pub effective_from: NaiveDate,
    /// Full warranty from commissioning (R2.1: 24).
    pub warranty_months: u32,
    /// Free repair after the warranty ends (R2.3: 36).
    pub free_repair_months: u32,
    pub after_free_repair: AfterFreeRepair,
}

impl WarrantyPolicy {
    /// The policy as written (R2.1, R2.3, R2.4): 24 months, then 36 of free repair, then
    /// paid service for life. It applies to every unit a recorded version does not cover.
    pub fn default_for(product_line: &str) -> WarrantyPolicy {
        WarrantyPolicy {
            id: None,
            product_line: product_line.to_string(),
            effective_from: NaiveDate::MIN,
            warranty_months: 24,
            free_repair_months: 36,
            after_free_repair: AfterFreeRepair::Paid,
        }
    }

    /// The version in force on `date` among `versions` (of one product line): the latest
    /// that took effect on or before it, else the default.
    pub fn in_force(versions: &[WarrantyPolicy], product_line: &str, date: NaiveDate) -> Self {
        versions
            .iter()
            .filter(|p| p.product_line == product_line && p.effective_from <= date)
            .max_by_key(|p| p.effective_from)
            .cloned()
            .unwrap_or_else(|| WarrantyPolicy::default_for(product_line))
    }
}

/// A new policy version as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PolicyInput {
    pub product_line: String,
    pub effective_from: String,
    pub warranty_months: Option<i64>,
    pub free_repair_months: Option<i64>,
    pub after_free_repair: Option<String>,
}

impl PolicyInput {
    pub fn parse(&self) -> Result<WarrantyPolicy, Error> {
        let mut errs = FieldErrors::new();
        let line = errs.take("product_line", text::required(&self.product_line, LINE_MAX));
        let from = errs.take("effective_from", parse_date(&self.effective_from));
        let months = |v: Option<i64>| match v {
            None => Err(Problem::required()),
            Some(m) if (0..=i64::from(MONTHS_MAX)).contains(&m) => Ok(m as u32),
            Some(_) => Err(Problem::invalid(format!("0 to {MONTHS_MAX} months"))),
        };
        let warranty = errs.take("warranty_months", months(self.warranty_months));
        let free = errs.take("free_repair_months", months(self.free_repair_months));
        let after = errs.take(
            "after_free_repair",
            match self.after_free_repair.as_deref().map(str::trim) {
                None | Some("") => Ok(AfterFreeRepair::Paid),
                Some(s) => {
                    AfterFreeRepair::parse(s).ok_or_else(|| Problem::invalid("paid or free"))
                }
            },
        );
        match (line, from, warranty, free, after) {
            (Some(product_line), Some(effective_from), Some(w), Some(f), Some(a))
                if errs.is_empty() =>
            {
                Ok(WarrantyPolicy {
                    id: None,
                    product_line,
                    effective_from,
                    warranty_months: w,
                    free_repair_months: f,
                    after_free_repair: a,
                })
            }
            _ => Err(Error::Validation(errs)),
        }
    }
}

/// A calendar date as `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<NaiveDate, Problem> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Problem::required());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2200).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| Problem::invalid("a date as YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn r2_model_codes_are_upper_cased_and_checked() {
        assert_eq!(model_code(" kyn28a-12 ").as_deref(), Ok("KYN28A-12"));
        assert_eq!(model_code("ZW32-12/T630").as_deref(), Ok("ZW32-12/T630"));
        assert!(model_code("KYN 28").is_err());
        assert!(model_code("").is_err());
        assert!(model_code("型号").is_err());
    }

    #[test]
    fn r2_every_bad_model_field_is_named() {
        let Err(Error::Validation(f)) = ModelFields::parse(&ModelInput::default()) else {
            panic!("expected validation error")
        };
        let keys: Vec<&str> = f.0.keys().map(String::as_str).collect();
        assert_eq!(keys, ["code", "name", "product_line"]);
    }

    #[test]
    fn r2_policy_in_force_is_the_latest_version_from_before_the_date() {
        let v = |from: &str, months: u32| WarrantyPolicy {
            id: Some(PolicyId(1)),
            effective_from: d(from),
            warranty_months: months,
            ..WarrantyPolicy::default_for("switchgear")
        };
        let versions = [v("2024-01-01", 24), v("2026-07-01", 36)];
        let in_force = |date| WarrantyPolicy::in_force(&versions, "switchgear", d(date));
        assert_eq!(
            in_force("2023-12-31").id,
            None,
            "before any version: default"
        );
        assert_eq!(in_force("2026-06-30").warranty_months, 24);
        assert_eq!(in_force("2026-07-01").warranty_months, 36);
        assert_eq!(
            WarrantyPolicy::in_force(&versions, "transformers", d("2027-01-01")).id,
            None,
            "another line's versions do not apply"
        );
    }

    #[test]
    fn r2_policy_input_is_checked_field_by_field() {
        let ok = PolicyInput {
            product_line: "switchgear".into(),
            effective_from: "2026-07-01".into(),
            warranty_months: Some(36),
            free_repair_months: Some(24),
            after_free_repair: None,
        };
        assert_eq!(ok.parse().map(|p| p.warranty_months), Ok(36));
        let bad = PolicyInput {
            effective_from: "2026-13-01".into(),
            warranty_months: Some(-1),
            after_free_repair: Some("maybe".into()),
            ..PolicyInput::default()
        };
        let Err(Error::Validation(f)) = bad.parse() else {
            panic!("expected validation error")
        };
        let keys: Vec<&str> = f.0.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "after_free_repair",
                "effective_from",
                "free_repair_months",
                "product_line",
                "warranty_months"
            ]
        );
    }
}
