//! Exports of the archive (R5.2): the customers, their sites or the units a list's filters
//! match, as a sheet of rows under Chinese headers, then written as CSV or XLSX.
//!
//! Reading is allowed to whoever may read the lists (`ViewServiceDesk`: every member of
//! staff, not a customer), since an export shows nothing the list pages do not. An export
//! changes nothing and writes no audit entry.
//!
//! Customers and units are written under the headers their import reads
//! ([`Field::header_zh`]), column for column, so an exported file imports back unchanged.

use super::{AppState, require};
use crate::archive::write::{self, WriteError};
use crate::archive::{Field, ImportKind};
use crate::i18n::Lang;
use sanbao_domain::customer::CustomerFilter;
use sanbao_domain::unit::UnitFilter;
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission, Problem};

/// What is exported: it names the file and its worksheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Customers,
    Sites,
    Units,
    /// The manager's board: open deadlines as filtered.
    BoardDeadlines,
    /// A month's on-time figures.
    BoardFigures,
    /// A month's breaches with their causes.
    BoardBreaches,
    // ---- settlement (issue 9, part 5) ----
    /// A month's settlement for finance: one row per job and line.
    Settlements,
    // ---- end settlement ----
    // ---- follow-ups ----
    /// A month's follow-up report: one row per follow-up.
    FollowUps,
    // ---- end follow-ups ----
    // ---- campaigns 2 ----
    /// A campaign's results: one row per target customer.
    Campaign,
    // ---- end campaigns 2 ----
    /// A month's report: one sheet per table.
    MonthlyReport,
}

impl ExportKind {
    /// The file name's stem in ASCII (`customers-2026-11-27.xlsx`).
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::Customers => "customers",
            ExportKind::Sites => "sites",
            ExportKind::Units => "units",
            ExportKind::BoardDeadlines => "open-deadlines",
            ExportKind::BoardFigures => "on-time-figures",
            ExportKind::BoardBreaches => "breaches",
            // ---- settlement (issue 9, part 5) ----
            ExportKind::Settlements => "settlement",
            // ---- end settlement ----
            // ---- follow-ups ----
            ExportKind::FollowUps => "follow-ups",
            // ---- end follow-ups ----
            // ---- campaigns 2 ----
            ExportKind::Campaign => "campaign",
            // ---- end campaigns 2 ----
            ExportKind::MonthlyReport => "monthly-report",
        }
    }

    fn sheet_name(self) -> &'static str {
        match self {
            ExportKind::Customers => "客户",
            ExportKind::Sites => "站点",
            ExportKind::Units => "设备",
            ExportKind::BoardDeadlines => "未完成期限",
            ExportKind::BoardFigures => "按时率",
            ExportKind::BoardBreaches => "超期",
            // ---- settlement (issue 9, part 5) ----
            ExportKind::Settlements => "结算",
            // ---- end settlement ----
            // ---- follow-ups ----
            ExportKind::FollowUps => "客户走访",
            // ---- end follow-ups ----
            // ---- campaigns 2 ----
            ExportKind::Campaign => "年度走访",
            // ---- end campaigns 2 ----
            ExportKind::MonthlyReport => "月度报告",
        }
    }
}

/// The file format asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// `csv` or `xlsx` (the workbook when nothing is asked); anything else names the
    /// field `format`.
    pub fn parse(s: Option<&str>) -> Result<Format, Error> {
        match s.map(str::trim) {
            None | Some("" | "xlsx") => Ok(Format::Xlsx),
            Some("csv") => Ok(Format::Csv),
            Some(_) => Err(Error::field(
                "format",
                Problem::new("unknown", "csv or xlsx"),
            )),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// Rows under their headers, ready to be written.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub kind: ExportKind,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Sheet {
    /// The file's bytes, written off the async threads (a long workbook takes a while).
    pub async fn write(self, format: Format) -> Result<Vec<u8>, Error> {
        let headers = self.headers.iter().map(|h| (*h).to_string()).collect();
        write_rows(self.kind, headers, self.rows, format).await
    }
}

/// Rows under headers known only at run time (a campaign's questions), written as a
/// [`Sheet`] is: the same writers, the same defusing of formula-like cells.
pub async fn write_rows(
    kind: ExportKind,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    format: Format,
) -> Result<Vec<u8>, Error> {
    let written = tokio::task::spawn_blocking(move || {
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        match format {
            Format::Csv => write::csv(&headers, &rows),
            Format::Xlsx => write::xlsx_named(kind.sheet_name(), &headers, &rows),
        }
    })
    .await
    .map_err(|e| Error::Internal(format!("the export's writer stopped: {e}")))?;
    written.map_err(|e| match e {
        WriteError::TooManyRows { .. } => {
            Error::field("filters", Problem::new("too_many_rows", e.to_string()))
        }
        WriteError::Failed(why) => Error::Internal(why),
    })
}

fn text(s: Option<String>) -> String {
    s.unwrap_or_default()
}

/// Every customer the customer list's filter matches, under the customer import's headers.
pub async fn customers(
    state: &AppState,
    actor: &User,
    filter: &CustomerFilter,
) -> Result<Sheet, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let records = state.db.export_customers(filter).await?;
    let rows = records
        .into_iter()
        .map(|c| {
            ImportKind::Customers
                .fields()
                .map(|f| match f {
                    Field::Name => c.name.clone(),
                    Field::Address => c.address.clone(),
                    Field::ContactName => text(c.contact_name.clone()),
                    Field::ContactPhone => text(c.contact_phone.clone()),
                    Field::ContactEmail => text(c.contact_email.clone()),
                    Field::Salesperson => text(c.salesperson.clone()),
                    Field::Notes => text(c.notes.clone()),
                    _ => String::new(),
                })
                .collect()
        })
        .collect();
    tracing::info!(user_id = actor.id.0, "customers exported");
    Ok(Sheet {
        kind: ExportKind::Customers,
        headers: ImportKind::Customers
            .fields()
            .map(Field::header_zh)
            .collect(),
        rows,
    })
}

/// The sites export's headers: the customer, the site's number among the customer's
/// (1 is the customer's own address), its name, address, region and contact.
pub const SITE_HEADERS: [&str; 7] = [
    "客户名称",
    "序号",
    "站点名称",
    "安装地址",
    "地区",
    "联系人",
    "联系电话",
];

/// Every site of the customers the customer list's filter matches.
pub async fn sites(
    state: &AppState,
    actor: &User,
    filter: &CustomerFilter,
) -> Result<Sheet, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let records = state.db.export_sites(filter).await?;
    let rows = records
        .into_iter()
        .map(|s| {
            vec![
                s.customer_name,
                s.ordinal.to_string(),
                text(s.name),
                s.address,
                Lang::Zh
                    .t(&format!("region.{}", s.region.as_str()))
                    .to_string(),
                text(s.contact_name),
                text(s.contact_phone),
            ]
        })
        .collect();
    tracing::info!(user_id = actor.id.0, "sites exported");
    Ok(Sheet {
        kind: ExportKind::Sites,
        headers: SITE_HEADERS.to_vec(),
        rows,
    })
}

/// Every unit the unit list's filter matches, under the unit import's headers.
pub async fn units(state: &AppState, actor: &User, filter: &UnitFilter) -> Result<Sheet, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let records = state.db.export_units(filter).await?;
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let rows = records
        .into_iter()
        .map(|u| {
            ImportKind::Units
                .fields()
                .map(|f| match f {
                    Field::CustomerName => u.customer_name.clone(),
                    Field::ModelCode => u.model_code.clone(),
                    Field::SerialNo => u.serial_no.clone(),
                    Field::SiteAddress => u.site_address.clone(),
                    Field::ShippedOn => date(u.dates.shipped_on),
                    Field::AcceptedOn => date(u.dates.accepted_on),
                    Field::CommissionedOn => date(u.dates.commissioned_on),
                    _ => String::new(),
                })
                .collect()
        })
        .collect();
    tracing::info!(user_id = actor.id.0, "units exported");
    Ok(Sheet {
        kind: ExportKind::Units,
        headers: ImportKind::Units.fields().map(Field::header_zh).collect(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_csv_or_xlsx_and_nothing_else() {
        assert_eq!(Format::parse(None).unwrap(), Format::Xlsx);
        assert_eq!(Format::parse(Some("csv")).unwrap(), Format::Csv);
        assert_eq!(Format::parse(Some("xlsx")).unwrap(), Format::Xlsx);
        assert!(Format::parse(Some("pdf")).is_err());
    }

    #[test]
    fn site_headers_that_units_know_mean_the_same_there() {
        let k = ImportKind::Units;
        assert_eq!(
            k.field_of_header(SITE_HEADERS[0]),
            Some(Field::CustomerName)
        );
        assert_eq!(k.field_of_header(SITE_HEADERS[3]), Some(Field::SiteAddress));
    }
}
