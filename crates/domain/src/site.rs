//! A customer's sites (R5.2): the substations, plants and buildings where its units are
//! installed. Each site has its own region, derived from its address by the same rule as
//! a customer's ([`Region::of_address`]) and corrected only with a reason; a ticket's
//! deadlines follow the site where the work is (R3.4 decision).
//!
//! A customer's own address is its first site (ordinal 1): it is written with the customer
//! and follows the customer's address and region when they change.

use crate::customer::{ADDRESS_MAX, CustomerFields, RegionCorrection};
use crate::error::{Error, FieldErrors};
use crate::ids::{CustomerId, SiteId};
use crate::region::Region;
use crate::text::{self, Phone};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const SITE_NAME_MAX: usize = 200;
pub const CONTACT_MAX: usize = 100;

/// A site as submitted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SiteInput {
    pub name: Option<String>,
    pub address: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

/// A valid site's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteFields {
    /// What people call it (`1号变电所`); the address when there is no name.
    pub name: Option<String>,
    pub address: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

impl SiteFields {
    pub fn parse(input: &SiteInput) -> Result<SiteFields, Error> {
        let mut errs = FieldErrors::new();
        let name = errs.take("name", text::optional(input.name.as_deref(), SITE_NAME_MAX));
        let address = errs.take("address", site_address(&input.address));
        let contact_name = errs.take(
            "contact_name",
            text::optional(input.contact_name.as_deref(), CONTACT_MAX),
        );
        let contact_phone = match input.contact_phone.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(p) => errs.take("contact_phone", Phone::parse(p).map(|p| Some(p.display))),
        };
        match (name, address, contact_name, contact_phone) {
            (Some(name), Some(address), Some(contact_name), Some(contact_phone))
                if errs.is_empty() =>
            {
                Ok(SiteFields {
                    name,
                    address,
                    contact_name,
                    contact_phone,
                })
            }
            _ => Err(Error::Validation(errs)),
        }
    }

    /// The customer's first site: its address, and its first contact as the site contact.
    pub fn first_of(customer: &CustomerFields) -> SiteFields {
        let contact = customer.contacts.first();
        SiteFields {
            name: None,
            address: customer.address.clone(),
            contact_name: contact.map(|c| c.name.clone()),
            contact_phone: contact.and_then(|c| c.phone.clone()),
        }
    }

    /// The region the archive records: the hand correction if any, else derived.
    pub fn region(&self, correction: Option<&RegionCorrection>) -> Region {
        correction.map_or_else(|| Region::of_address(&self.address), |c| c.region)
    }
}

/// A site address: required text, with runs of white space made one, so the same address
/// typed twice names the same site.
pub fn site_address(s: &str) -> Result<String, crate::error::Problem> {
    let t = text::required(s, ADDRESS_MAX)?;
    Ok(t.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// A site as the archive holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Site {
    pub id: SiteId,
    pub customer_id: CustomerId,
    /// 1 for the customer's own address, then in the order the sites were added.
    pub ordinal: i64,
    #[serde(flatten)]
    pub fields: SiteFields,
    pub region: Region,
    pub region_correction: Option<RegionCorrection>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Site {
    pub fn is_first(&self) -> bool {
        self.ordinal == 1
    }

    /// What people call the site: its name, else its address.
    pub fn label(&self) -> &str {
        self.fields.name.as_deref().unwrap_or(&self.fields.address)
    }

    /// The fields an audit record compares (R1.4).
    pub fn audit_view(&self) -> serde_json::Value {
        crate::audit::record_view(self)
    }

    /// The site after an edit.
    pub fn edited(
        &self,
        fields: SiteFields,
        correction: Option<RegionCorrection>,
        now: DateTime<Utc>,
    ) -> Site {
        Site {
            region: fields.region(correction.as_ref()),
            fields,
            region_correction: correction,
            updated_at: crate::time::to_store_precision(now),
            version: self.version + 1,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::{ContactInput, CustomerInput};

    #[test]
    fn r3_4_site_region_is_derived_from_its_address_by_the_customer_rule() {
        let f = SiteFields::parse(&SiteInput {
            address: "浙江省宁波市北仑区新碶街道 1号变电所".into(),
            ..SiteInput::default()
        })
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.region(None), Region::Zhejiang);
        assert_eq!(f.region(None), Region::of_address(&f.address));
        let corr = RegionCorrection::parse("hangzhou_urban", "the plant is in Xiaoshan")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.region(Some(&corr)), Region::HangzhouUrban);
    }

    #[test]
    fn r5_2_the_same_address_typed_twice_is_one_site() {
        assert_eq!(
            site_address("  浙江省宁波市   北仑区 1号 ").as_deref(),
            Ok("浙江省宁波市 北仑区 1号")
        );
    }

    #[test]
    fn r5_2_bad_site_fields_are_named() {
        let Err(Error::Validation(f)) = SiteFields::parse(&SiteInput {
            address: " ".into(),
            contact_phone: Some("call the guard".into()),
            ..SiteInput::default()
        }) else {
            panic!("expected validation error")
        };
        let keys: Vec<&str> = f.0.keys().map(String::as_str).collect();
        assert_eq!(keys, ["address", "contact_phone"]);
    }

    #[test]
    fn r5_2_a_customers_first_site_is_its_own_address() {
        let c = CustomerFields::parse(&CustomerInput {
            name: "宁波港务".into(),
            address: "浙江省杭州市西湖区文三路1号".into(),
            contacts: vec![ContactInput {
                name: "李工".into(),
                phone: Some("0571-8888 0000".into()),
                ..ContactInput::default()
            }],
            ..CustomerInput::default()
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let s = SiteFields::first_of(&c);
        assert_eq!(s.address, c.address);
        assert_eq!(s.contact_name.as_deref(), Some("李工"));
        assert_eq!(s.contact_phone.as_deref(), Some("0571-8888 0000"));
    }
}
