//! Downloads of the archive (R5.2): `GET /customers/export`, `/customers/sites/export` and
//! `/units/export`, with the list page's filters and `format=csv|xlsx`. A download changes
//! nothing, so it is a plain link (no form, no CSRF token).

use super::extract::Pairs;
use super::{QueryParams, WebResult, WebUser};
use crate::app;
use crate::app::AppState;
use crate::app::export::{ExportKind, Format, Sheet};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sanbao_domain::customer::CustomerFilter;
use sanbao_domain::export::filter_text;
use sanbao_domain::time::local_date;
use sanbao_domain::unit::UnitFilter;
use sanbao_domain::{CustomerId, Region, SiteId, UserId};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/customers/export", get(customers))
        .route("/customers/sites/export", get(sites))
        .route("/units/export", get(units))
}

fn id_of(p: &Pairs, name: &str) -> Option<i64> {
    p.filled(name)
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|n| *n > 0)
}

/// The customer list's filters, read as the list reads them (`q`, `region`, and the
/// `salesperson_id` the API's list also takes); the search text checked.
fn customer_filter(p: &Pairs) -> WebResult<CustomerFilter> {
    Ok(CustomerFilter {
        q: filter_text(&p.text("q"))?,
        region: p.filled("region").and_then(Region::parse),
        salesperson_id: id_of(p, "salesperson_id").map(UserId),
    })
}

/// The unit list's filters: `q`, `customer_id`, `site_id`.
fn unit_filter(p: &Pairs) -> WebResult<UnitFilter> {
    Ok(UnitFilter {
        q: filter_text(&p.text("q"))?,
        customer_id: id_of(p, "customer_id").map(CustomerId),
        site_id: id_of(p, "site_id").map(SiteId),
    })
}

/// `GET /customers/export?format=&q=&region=`
pub async fn customers(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let format = Format::parse(p.get("format"))?;
    let sheet = app::export::customers(&state, &u.user, &customer_filter(&p)?).await?;
    download(&state, &u, sheet, format).await
}

/// `GET /customers/sites/export?format=&q=&region=`: the sites of the customers the
/// customer list shows.
pub async fn sites(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let format = Format::parse(p.get("format"))?;
    let sheet = app::export::sites(&state, &u.user, &customer_filter(&p)?).await?;
    download(&state, &u, sheet, format).await
}

/// `GET /units/export?format=&q=&customer_id=&site_id=`
pub async fn units(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let format = Format::parse(p.get("format"))?;
    let sheet = app::export::units(&state, &u.user, &unit_filter(&p)?).await?;
    download(&state, &u, sheet, format).await
}

/// The file as a download named after what it holds and the company's date: an ASCII name
/// (`customers-2026-11-27.xlsx`) and the name in the reader's language (`filename*`).
pub async fn download_sheet(
    state: &AppState,
    u: &WebUser,
    sheet: Sheet,
    format: Format,
) -> WebResult<Response> {
    download(state, u, sheet, format).await
}

async fn download(
    state: &AppState,
    u: &WebUser,
    sheet: Sheet,
    format: Format,
) -> WebResult<Response> {
    let kind = sheet.kind;
    let bytes = sheet.write(format).await?;
    attachment(state, u, kind, format, bytes)
}

// ---- campaigns 2 ----
/// Rows under headers known only at run time (a campaign's questions) as a download,
/// written and named as a [`Sheet`] is.
pub async fn download_rows(
    state: &AppState,
    u: &WebUser,
    kind: ExportKind,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    format: Format,
) -> WebResult<Response> {
    let bytes = app::export::write_rows(kind, headers, rows, format).await?;
    attachment(state, u, kind, format, bytes)
}
// ---- end campaigns 2 ----

/// Bytes already written (a workbook of several sheets) as a download, named as a
/// [`Sheet`] is.
pub fn download_bytes(
    state: &AppState,
    u: &WebUser,
    kind: ExportKind,
    format: Format,
    bytes: Vec<u8>,
) -> WebResult<Response> {
    attachment(state, u, kind, format, bytes)
}

fn attachment(
    state: &AppState,
    u: &WebUser,
    kind: ExportKind,
    format: Format,
    bytes: Vec<u8>,
) -> WebResult<Response> {
    let on = local_date(state.now());
    let ext = format.extension();
    let ascii = format!("{}-{on}.{ext}", kind.as_str());
    let stem = u.t(match kind {
        ExportKind::Customers => "export.file_customers",
        ExportKind::Sites => "export.file_sites",
        ExportKind::Units => "export.file_units",
        ExportKind::BoardDeadlines => "board.file_deadlines",
        ExportKind::BoardFigures => "board.file_figures",
        ExportKind::BoardBreaches => "board.file_breaches",
        // ---- settlement (issue 9, part 5) ----
        ExportKind::Settlements => "settlement.file",
        // ---- end settlement ----
        // ---- follow-ups ----
        ExportKind::FollowUps => "collation.file",
        // ---- end follow-ups ----
        // ---- campaigns 2 ----
        ExportKind::Campaign => "campaign.file",
        // ---- end campaigns 2 ----
        ExportKind::MonthlyReport => "monthly.file",
    });
    let local = format!("{stem}-{on}.{ext}");
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        rfc5987(&local)
    );
    let disposition = HeaderValue::from_str(&disposition)
        .map_err(|e| super::WebError::internal(e.to_string()))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A value for `filename*` (RFC 5987): UTF-8, every byte but letters, digits and `-._~`
/// percent-encoded.
fn rfc5987(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_percent_encoded_utf8() {
        assert_eq!(rfc5987("units-2026-11-27.csv"), "units-2026-11-27.csv");
        assert_eq!(rfc5987("设备-1.xlsx"), "%E8%AE%BE%E5%A4%87-1.xlsx");
        assert_eq!(rfc5987("a b\"c"), "a%20b%22c");
    }
}
