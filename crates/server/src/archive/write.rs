//! Writing a list out: CSV that Excel opens in Chinese (UTF-8 with a byte-order mark), or
//! XLSX with a bold header row, the header frozen and filters on it. Every cell is text,
//! dates included (`YYYY-MM-DD`), so codes keep their leading zeros.

use rust_xlsxwriter::{Format, Workbook};
use std::borrow::Cow;
use std::fmt;

/// Rows in a worksheet, the header included.
pub const XLSX_MAX_ROWS: usize = 1_048_576;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteError {
    /// More rows than a worksheet holds.
    TooManyRows { max_rows: usize },
    /// The writer failed (a temporary file, most likely).
    Failed(String),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::TooManyRows { max_rows } => write!(
                f,
                "more than {max_rows} rows do not fit in a worksheet; export as CSV"
            ),
            WriteError::Failed(why) => write!(f, "the file could not be written: {why}"),
        }
    }
}

impl std::error::Error for WriteError {}

impl From<rust_xlsxwriter::XlsxError> for WriteError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        WriteError::Failed(e.to_string())
    }
}

impl From<csv::Error> for WriteError {
    fn from(e: csv::Error) -> Self {
        WriteError::Failed(e.to_string())
    }
}

/// A cell a spreadsheet would take for a formula (`=…`, `+…`, `-…`, `@…`) gets a leading
/// apostrophe, unless it is only a number or a phone number; reading the file back drops
/// the apostrophe again.
fn defuse(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
        && cell
            .chars()
            .any(|c| !(c.is_ascii_digit() || " +-()./:".contains(c)));
    if risky {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// CSV in UTF-8 with a byte-order mark and CRLF line ends, as Excel writes it.
pub fn csv<R, S>(headers: &[&str], rows: impl IntoIterator<Item = R>) -> Result<Vec<u8>, WriteError>
where
    R: AsRef<[S]>,
    S: AsRef<str>,
{
    let mut out = Vec::with_capacity(64 * 1024);
    out.extend_from_slice(b"\xEF\xBB\xBF");
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(true)
        .from_writer(out);
    w.write_record(headers.iter().map(|h| defuse(h).into_owned()))?;
    for row in rows {
        w.write_record(row.as_ref().iter().map(|c| defuse(c.as_ref()).into_owned()))?;
    }
    w.into_inner()
        .map_err(|e| WriteError::Failed(e.to_string()))
}

/// XLSX with one worksheet named `Sheet1`; see [`xlsx_named`].
pub fn xlsx<R, S>(
    headers: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> Result<Vec<u8>, WriteError>
where
    R: AsRef<[S]>,
    S: AsRef<str>,
{
    xlsx_named("Sheet1", headers, rows)
}

/// How wide a text shows, in Excel's character units: Chinese characters count two.
fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

/// XLSX with one worksheet: the header row bold, frozen and with filters, each column as
/// wide as its widest cell (within reason). Written row by row to a temporary file, so a
/// long list does not stay in memory.
pub fn xlsx_named<R, S>(
    sheet_name: &str,
    headers: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> Result<Vec<u8>, WriteError>
where
    R: AsRef<[S]>,
    S: AsRef<str>,
{
    let mut workbook = Workbook::new();
    write_sheet(&mut workbook, sheet_name, headers, rows)?;
    Ok(workbook.save_to_buffer()?)
}

/// One worksheet of a workbook's tables.
pub struct Table {
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// XLSX with one worksheet per table, each written as [`xlsx_named`] writes its one.
pub fn xlsx_tables(tables: &[Table]) -> Result<Vec<u8>, WriteError> {
    let mut workbook = Workbook::new();
    for t in tables {
        let headers: Vec<&str> = t.headers.iter().map(String::as_str).collect();
        write_sheet(&mut workbook, &t.name, &headers, &t.rows)?;
    }
    Ok(workbook.save_to_buffer()?)
}

fn write_sheet<R, S>(
    workbook: &mut Workbook,
    sheet_name: &str,
    headers: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> Result<(), WriteError>
where
    R: AsRef<[S]>,
    S: AsRef<str>,
{
    const MIN_WIDTH: usize = 8;
    const MAX_WIDTH: usize = 60;
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(sheet_name)?;
    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col_num(c)?, *h, &bold)?;
    }
    let mut last_row = 0u32;
    for (r, row) in rows.into_iter().enumerate() {
        if r + 1 >= XLSX_MAX_ROWS {
            return Err(WriteError::TooManyRows {
                max_rows: XLSX_MAX_ROWS - 1,
            });
        }
        last_row = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, cell) in row.as_ref().iter().enumerate() {
            let cell = cell.as_ref();
            if cell.is_empty() {
                continue;
            }
            sheet.write_string(last_row, col_num(c)?, cell)?;
            let w = display_width(cell);
            match widths.get_mut(c) {
                Some(width) => *width = (*width).max(w),
                None => {
                    widths.resize(c, 0);
                    widths.push(w);
                }
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        let w = (w + 2).clamp(MIN_WIDTH, MAX_WIDTH);
        #[allow(clippy::cast_precision_loss)]
        sheet.set_column_width(col_num(c)?, w as f64)?;
    }
    if !headers.is_empty() {
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofilter(0, 0, last_row, col_num(headers.len() - 1)?)?;
    }
    Ok(())
}

fn col_num(c: usize) -> Result<u16, WriteError> {
    u16::try_from(c).map_err(|_| WriteError::Failed(format!("too many columns ({c})")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::read::Table;
    use crate::archive::{Field, ImportKind};

    #[test]
    fn csv_starts_with_a_byte_order_mark_and_quotes_what_needs_it() {
        let bytes = csv(
            &["客户名称", "地址"],
            vec![
                vec![
                    "杭州恒达电气有限公司".to_string(),
                    "杭州市西湖区文三路 1 号".to_string(),
                ],
                vec![
                    "宁波, \"东海\" 配电".to_string(),
                    "宁波市\n鄞州区".to_string(),
                ],
            ],
        )
        .unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert!(text.starts_with("客户名称,地址\r\n"), "{text}");
        assert!(text.contains("\"宁波, \"\"东海\"\" 配电\""), "{text}");
    }

    #[test]
    fn formulas_are_defused_and_phone_numbers_are_not() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("-2+3+cmd|' /C calc'!A0"), "'-2+3+cmd|' /C calc'!A0");
        assert_eq!(defuse("+86 138 0000 0000"), "+86 138 0000 0000");
        assert_eq!(defuse("-12.5"), "-12.5");
        assert_eq!(defuse("0571-88886666"), "0571-88886666");
        assert_eq!(defuse("杭州"), "杭州");
    }

    #[test]
    fn a_written_csv_reads_back_the_same() {
        let rows = vec![
            vec!["'=1+1", "杭州市西湖区"],
            vec!["=1+1", "宁波市\n鄞州区"],
        ];
        let bytes = csv(&["客户名称", "地址"], &rows).unwrap();
        let t = Table::from_bytes(ImportKind::Customers, "x.csv", &bytes).unwrap();
        let names: Vec<&str> = t.rows().iter().map(|r| r.get(Field::Name)).collect();
        // A name that really began with an apostrophe loses it: the price of the defence.
        assert_eq!(names, ["=1+1", "=1+1"]);
        assert_eq!(t.rows()[1].get(Field::Address), "宁波市 鄞州区");
    }

    #[test]
    fn a_written_xlsx_reads_back_the_same() {
        let headers: Vec<&str> = ImportKind::Units.fields().map(Field::header_zh).collect();
        let rows = (0..3).map(|i| {
            vec![
                format!("客户{i}"),
                "KYN28-12".to_string(),
                format!("00{i}"),
                String::new(),
                "2024-03-01".to_string(),
            ]
        });
        let bytes = xlsx_named("设备", &headers, rows).unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"));
        let t = Table::from_bytes(ImportKind::Units, "units.xlsx", &bytes).unwrap();
        assert_eq!(t.len(), 3);
        assert!(t.warnings().is_empty());
        let r = &t.rows()[2];
        assert_eq!(r.number(), 4);
        assert_eq!(r.get(Field::CustomerName), "客户2");
        assert_eq!(r.get(Field::SerialNo), "002");
        assert_eq!(r.get(Field::SiteAddress), "");
        assert_eq!(r.get(Field::ShippedOn), "2024-03-01");
    }

    #[test]
    fn an_xlsx_of_no_rows_has_its_header() {
        let bytes = xlsx(&["客户名称", "地址"], Vec::<Vec<String>>::new()).unwrap();
        let t = Table::from_bytes(ImportKind::Customers, "x.xlsx", &bytes).unwrap();
        assert!(t.is_empty());
        assert_eq!(t.fields(), [Field::Name, Field::Address]);
    }

    #[test]
    fn chinese_text_counts_double_in_column_widths() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("杭州"), 4);
    }
}
