//! Exports of the archive (R5.2): every customer, site or unit a list's filters match,
//! written out as a file. The records here are what such a file holds, one per row; the
//! rules are how many rows one export may hold and which filter text is acceptable.

use crate::error::{Error, Problem};
use crate::region::Region;

/// The most rows one export holds: more is refused, and the clerk narrows the filters.
pub const EXPORT_MAX_ROWS: usize = 200_000;

/// The longest search text a filter takes, in characters.
pub const FILTER_TEXT_MAX: usize = 200;

/// A customer as an export writes it: the columns the customer import reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRecord {
    pub name: String,
    pub address: String,
    /// The first contact.
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    /// The salesperson's name, or the username when another user has the same name (so
    /// that an import finds exactly that salesperson again).
    pub salesperson: Option<String>,
    pub notes: Option<String>,
}

/// A customer's site as an export writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteRecord {
    pub customer_name: String,
    /// 1 for the customer's own address.
    pub ordinal: i64,
    pub name: Option<String>,
    pub address: String,
    pub region: Region,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
}

/// Refuse an export of more than [`EXPORT_MAX_ROWS`] rows (`found` is how many were read,
/// at most one more than the bound).
pub fn within_bound(found: usize) -> Result<(), Error> {
    if found > EXPORT_MAX_ROWS {
        return Err(Error::field(
            "filters",
            Problem::new(
                "too_many_rows",
                format!("more than {EXPORT_MAX_ROWS} rows match: narrow the filters"),
            ),
        ));
    }
    Ok(())
}

/// A filter's search text as a query takes it: control characters (a NUL byte among them)
/// dropped, blank as none, too long refused (naming the field `q`).
pub fn filter_text(q: &str) -> Result<Option<String>, Error> {
    let clean: String = q.chars().filter(|c| !c.is_control()).collect();
    let clean = clean.trim();
    if clean.chars().count() > FILTER_TEXT_MAX {
        return Err(Error::field(
            "q",
            Problem::new("too_long", format!("at most {FILTER_TEXT_MAX} characters")),
        ));
    }
    Ok(Some(clean.to_string()).filter(|s| !s.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r5_2_an_export_holds_at_most_the_bound() {
        assert!(within_bound(0).is_ok());
        assert!(within_bound(EXPORT_MAX_ROWS).is_ok());
        let Err(Error::Validation(e)) = within_bound(EXPORT_MAX_ROWS + 1) else {
            panic!("more than the bound must be refused");
        };
        assert_eq!(e.get("filters").map(|p| p.code), Some("too_many_rows"));
    }

    #[test]
    fn r5_2_filter_text_drops_control_characters_and_refuses_what_is_too_long() {
        assert_eq!(filter_text("").unwrap(), None);
        assert_eq!(filter_text(" \0 ").unwrap(), None);
        assert_eq!(filter_text(" 杭\0州 ").unwrap().as_deref(), Some("杭州"));
        assert_eq!(
            filter_text(&"宁".repeat(FILTER_TEXT_MAX))
                .unwrap()
                .map(|s| s.chars().count()),
            Some(FILTER_TEXT_MAX)
        );
        let Err(Error::Validation(e)) = filter_text(&"x".repeat(50_000)) else {
            panic!("50 kB of search text must be refused");
        };
        assert_eq!(e.get("q").map(|p| p.code), Some("too_long"));
    }
}
