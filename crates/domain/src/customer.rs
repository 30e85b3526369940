//! The customer archive (R5.2): who the customer is, where the site is, whom to call.

use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{CustomerId, UserId};
use crate::region::Region;
use crate::text::{self, Phone};
use chrono::{DateTime, Utc};
use serde::Serialize;

pub const NAME_MAX: usize = 200;
pub const ADDRESS_MAX: usize = 500;
pub const NOTES_MAX: usize = 2000;
pub const REASON_MAX: usize = 500;
pub const CONTACTS_MAX: usize = 20;

/// A contact person as submitted.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub position: Option<String>,
}

/// A customer as submitted, before validation.
#[derive(Debug, Clone, Default)]
pub struct CustomerInput {
    pub name: String,
    pub address: String,
    pub salesperson_id: Option<UserId>,
    pub notes: Option<String>,
    pub contacts: Vec<ContactInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub name: String,
    pub phone: Option<String>,
    /// Digits of the phone, for search.
    #[serde(skip)]
    pub phone_digits: Option<String>,
    pub email: Option<String>,
    pub position: Option<String>,
}

/// How the region was set: derived from the address, or corrected by hand with a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionCorrection {
    pub region: Region,
    pub reason: String,
}

/// A valid customer's fields: what is written to the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerFields {
    pub name: String,
    pub address: String,
    pub salesperson_id: Option<UserId>,
    pub notes: Option<String>,
    pub contacts: Vec<Contact>,
}

impl CustomerFields {
    /// Validate everything at once, so the caller sees every problem in one answer.
    pub fn parse(input: &CustomerInput) -> Result<CustomerFields, Error> {
        let mut errs = FieldErrors::new();
        let name = errs.take("name", text::required(&input.name, NAME_MAX));
        let address = errs.take("address", text::required(&input.address, ADDRESS_MAX));
        let notes = errs.take("notes", text::optional(input.notes.as_deref(), NOTES_MAX));
        if input.contacts.len() > CONTACTS_MAX {
            errs.add(
                "contacts",
                Problem::invalid(format!("at most {CONTACTS_MAX} contacts")),
            );
        }
        let mut contacts = Vec::with_capacity(input.contacts.len());
        for (i, c) in input.contacts.iter().enumerate() {
            let f = |field: &str| format!("contacts[{i}].{field}");
            let name = errs.take(&f("name"), text::required(&c.name, 100));
            let phone = match c.phone.as_deref().map(str::trim) {
                None | Some("") => Some(None),
                Some(p) => errs.take(&f("phone"), Phone::parse(p)).map(Some),
            };
            let email = match c.email.as_deref().map(str::trim) {
                None | Some("") => Some(None),
                Some(e) => errs.take(&f("email"), text::email(e)).map(Some),
            };
            let position = errs.take(&f("position"), text::optional(c.position.as_deref(), 100));
            if let (Some(name), Some(phone), Some(email), Some(position)) =
                (name, phone, email, position)
            {
                contacts.push(Contact {
                    name,
                    phone_digits: phone.as_ref().map(|p| p.digits.clone()),
                    phone: phone.map(|p| p.display),
                    email,
                    position,
                });
            }
        }
        match (name, address, notes) {
            (Some(name), Some(address), Some(notes)) if errs.is_empty() => Ok(CustomerFields {
                name,
                address,
                salesperson_id: input.salesperson_id,
                notes,
                contacts,
            }),
            _ => Err(Error::Validation(errs)),
        }
    }

    /// The region the archive records: the hand correction if there is one, else derived.
    pub fn region(&self, correction: Option<&RegionCorrection>) -> Region {
        correction.map_or_else(|| Region::of_address(&self.address), |c| c.region)
    }
}

impl RegionCorrection {
    /// A hand correction needs a known region and a reason (R3 decision).
    pub fn parse(region: &str, reason: &str) -> Result<RegionCorrection, Error> {
        let mut errs = FieldErrors::new();
        let region = match Region::parse(region.trim()) {
            Some(Region::Unknown) | None => {
                errs.add(
                    "region",
                    Problem::invalid("one of hangzhou_urban, zhejiang, out_of_province"),
                );
                None
            }
            Some(r) => Some(r),
        };
        let reason = errs.take("region_reason", text::required(reason, REASON_MAX));
        match (region, reason) {
            (Some(region), Some(reason)) => Ok(RegionCorrection { region, reason }),
            _ => Err(Error::Validation(errs)),
        }
    }
}

/// A customer as the archive holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Customer {
    pub id: CustomerId,
    #[serde(flatten)]
    pub fields: CustomerFields,
    pub region: Region,
    /// Set when the region was corrected by hand.
    pub region_correction: Option<RegionCorrection>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Customer {
    /// The fields an audit record compares (R1.4).
    pub fn audit_view(&self) -> serde_json::Value {
        crate::audit::record_view(self)
    }

    /// The record after an edit: new fields and region, the next version. The region is
    /// the correction if one is given, else derived from the new address.
    pub fn edited(
        &self,
        fields: CustomerFields,
        correction: Option<RegionCorrection>,
        now: DateTime<Utc>,
    ) -> Customer {
        Customer {
            region: fields.region(correction.as_ref()),
            fields,
            region_correction: correction,
            updated_at: crate::time::to_store_precision(now),
            version: self.version + 1,
            ..self.clone()
        }
    }

    /// The audit action of going from `self` to `after`: `update_region` when how the
    /// region was set changes, `update` otherwise.
    pub fn edit_action(&self, after: &Customer) -> &'static str {
        if self.region_changes(after) {
            "update_region"
        } else {
            "update"
        }
    }

    /// Whether going from `self` to `after` changes how the region was set.
    pub fn region_changes(&self, after: &Customer) -> bool {
        self.region != after.region || self.region_correction != after.region_correction
    }
}

/// A line of the customer list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerSummary {
    pub id: CustomerId,
    pub name: String,
    pub address: String,
    pub region: Region,
    pub region_corrected: bool,
    pub salesperson_id: Option<UserId>,
    pub salesperson_name: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// Tickets still being worked on.
    pub open_tickets: i64,
}

/// Customer list filters: text (name, address, contact name or phone), region, salesperson.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    pub q: Option<String>,
    pub region: Option<Region>,
    pub salesperson_id: Option<UserId>,
}

impl CustomerFilter {
    /// The digits of the search text, when there are enough of them to look for a phone
    /// number however it was typed.
    pub fn phone_digits(&self) -> Option<String> {
        let digits: String = self
            .q
            .as_deref()?
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        (digits.len() >= 3).then_some(digits)
    }
}

/// Whose customer it is, as a salesperson may change it: a salesperson edits only the
/// customers they follow, and may not make a customer theirs or hand it to someone else
/// (the service manager assigns customers). A new customer a salesperson records is theirs
/// or no one's. Other roles that may edit customers edit any.
///
/// `before` is the customer's salesperson as stored (`None` for a new customer), `after`
/// the one sent.
pub fn check_ownership(
    actor: UserId,
    role: crate::role::Role,
    before: Option<Option<UserId>>,
    after: Option<UserId>,
) -> Result<(), Error> {
    if role != crate::role::Role::Salesperson {
        return Ok(());
    }
    let reassigned = || {
        Error::field(
            "salesperson_id",
            Problem::new(
                "not_allowed",
                "only the service manager assigns a customer to a salesperson",
            ),
        )
    };
    match before {
        // A new customer: theirs, or no one's yet.
        None if after.is_none() || after == Some(actor) => Ok(()),
        None => Err(reassigned()),
        Some(owner) => {
            // Someone else's (or no one's): not theirs to edit.
            if !crate::role::may_for_customer(
                role,
                crate::role::Permission::EditCustomers,
                actor,
                owner,
            ) {
                return Err(Error::Forbidden);
            }
            if after == owner {
                Ok(())
            } else {
                Err(reassigned())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> CustomerInput {
        CustomerInput {
            name: " 杭州某某电力设备有限公司 ".into(),
            address: "浙江省杭州市萧山区建设一路66号".into(),
            contacts: vec![ContactInput {
                name: "王工".into(),
                phone: Some("0571-8888 6666".into()),
                ..ContactInput::default()
            }],
            ..CustomerInput::default()
        }
    }

    #[test]
    fn r5_2_valid_customer_is_trimmed_and_phone_kept_with_digits() {
        let c = CustomerFields::parse(&input()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.name, "杭州某某电力设备有限公司");
        assert_eq!(c.contacts[0].phone.as_deref(), Some("0571-8888 6666"));
        assert_eq!(c.contacts[0].phone_digits.as_deref(), Some("057188886666"));
    }

    #[test]
    fn r5_2_every_bad_field_is_named() {
        let mut i = input();
        i.name = "  ".into();
        i.address = String::new();
        i.contacts.push(ContactInput {
            name: String::new(),
            phone: Some("call me".into()),
            email: Some("nope".into()),
            position: None,
        });
        let Err(Error::Validation(f)) = CustomerFields::parse(&i) else {
            panic!("expected validation error")
        };
        let keys: Vec<&str> = f.0.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "address",
                "contacts[1].email",
                "contacts[1].name",
                "contacts[1].phone",
                "name"
            ]
        );
    }

    #[test]
    fn r3_region_correction_needs_a_known_region_and_a_reason() {
        assert!(RegionCorrection::parse("zhejiang", "site is in Tonglu").is_ok());
        let Err(Error::Validation(f)) = RegionCorrection::parse("unknown", " ") else {
            panic!("expected validation error")
        };
        assert!(f.get("region").is_some() && f.get("region_reason").is_some());
        assert!(RegionCorrection::parse("mars", "x").is_err());
    }

    #[test]
    fn r1_4_a_salesperson_edits_only_their_own_customers_and_never_reassigns() {
        use crate::role::Role;
        let (me, other) = (UserId(7), UserId(8));
        let forbidden = |r: Result<(), Error>| matches!(r, Err(Error::Forbidden));
        let named = |r: Result<(), Error>| matches!(r, Err(Error::Validation(f)) if f.0.contains_key("salesperson_id"));
        // (role, stored salesperson (None = new), sent salesperson, outcome)
        type Case = (Role, Option<Option<UserId>>, Option<UserId>, &'static str);
        let table: [Case; 11] = [
            (Role::Salesperson, None, None, "ok"),
            (Role::Salesperson, None, Some(me), "ok"),
            (Role::Salesperson, None, Some(other), "named"),
            (Role::Salesperson, Some(Some(me)), Some(me), "ok"),
            (Role::Salesperson, Some(Some(me)), Some(other), "named"),
            (Role::Salesperson, Some(Some(me)), None, "named"),
            (
                Role::Salesperson,
                Some(Some(other)),
                Some(other),
                "forbidden",
            ),
            (Role::Salesperson, Some(Some(other)), Some(me), "forbidden"),
            (Role::Salesperson, Some(None), Some(me), "forbidden"),
            (Role::ServiceManager, Some(Some(other)), Some(me), "ok"),
            (Role::ServiceClerk, Some(None), Some(other), "ok"),
        ];
        for (role, before, after, want) in table {
            let r = check_ownership(me, role, before, after);
            let got = if r.is_ok() {
                "ok"
            } else if forbidden(r.clone()) {
                "forbidden"
            } else if named(r) {
                "named"
            } else {
                "other"
            };
            assert_eq!(got, want, "{role:?} {before:?} -> {after:?}");
        }
    }
}
