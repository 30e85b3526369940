//! Reading an archive file into a [`Table`]: rows of text keyed by canonical [`Field`].
//!
//! The format is told by the content, not the name: a zip is a workbook (XLSX, else ODS
//! or XLSB), a compound document is an XLS, anything else is CSV — UTF-8 with or without
//! a byte-order mark, UTF-16 with one, else GB18030. The header is the first row, among
//! the first few that are not blank, that names every required column, so a title row
//! above it ("客户档案表") does no harm.

use super::progress::EVERY;
use super::{Field, ImportKind, Progress, Stage, fold_width, is_invisible};
use calamine::{Data, DataRef, ExcelDateTime, Reader, Sheets, Xlsx, open_workbook_auto_from_rs};
use chrono::{Days, NaiveDate};
use std::borrow::Cow;
use std::fmt;
use std::io::Cursor;

/// How much a file may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Size of the file, in bytes.
    pub max_bytes: usize,
    /// Rows of data, not counting the header and blank rows.
    pub max_rows: usize,
}

impl Limits {
    pub const DEFAULT_MAX_BYTES: usize = 50 * 1024 * 1024;
    pub const DEFAULT_MAX_ROWS: usize = 200_000;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: Limits::DEFAULT_MAX_BYTES,
            max_rows: Limits::DEFAULT_MAX_ROWS,
        }
    }
}

/// What the file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    /// Comma- or tab-separated text in the named encoding (`UTF-8`, `GB18030`, `UTF-16LE`…).
    Csv {
        encoding: &'static str,
    },
    Xlsx,
    Xls,
    Xlsb,
    Ods,
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceFormat::Csv { encoding } => write!(f, "CSV ({encoding})"),
            SourceFormat::Xlsx => f.write_str("XLSX"),
            SourceFormat::Xls => f.write_str("XLS"),
            SourceFormat::Xlsb => f.write_str("XLSB"),
            SourceFormat::Ods => f.write_str("ODS"),
        }
    }
}

/// A named column of the header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// 1-based, as a spreadsheet counts (A = 1).
    pub number: u32,
    /// The header as written (cleaned of control characters and outer spaces).
    pub header: String,
    /// What it means; `None` for a column that is ignored.
    pub field: Option<Field>,
}

/// Something the reader ignored, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// A header that names no known field: its column is ignored.
    UnknownColumn { column: u32, header: String },
    /// A column with data but no header: ignored.
    UnnamedColumn { column: u32 },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::UnknownColumn { column, header } => {
                write!(f, "column {column} '{header}' is not known and was ignored")
            }
            Warning::UnnamedColumn { column } => {
                write!(f, "column {column} has data but no header and was ignored")
            }
        }
    }
}

/// Why a file cannot be read at all. Problems with single rows are not read errors: they
/// are the import's business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    TooLarge {
        bytes: usize,
        max_bytes: usize,
    },
    TooManyRows {
        max_rows: usize,
    },
    /// Text that is neither UTF-8 nor GB18030.
    Encoding,
    /// A workbook (or a file named as one) that cannot be opened.
    Unreadable {
        reason: String,
    },
    /// A workbook without a worksheet.
    NoSheet,
    /// Nothing but blank rows.
    NoHeader,
    /// The header row (the best candidate for it) lacks required columns.
    MissingColumns {
        row: u32,
        missing: Vec<Field>,
    },
    /// Two columns mean the same field.
    DuplicateColumn {
        field: Field,
        first: String,
        second: String,
    },
}

impl ReadError {
    /// A stable code for pages to translate.
    pub fn code(&self) -> &'static str {
        match self {
            ReadError::TooLarge { .. } => "too_large",
            ReadError::TooManyRows { .. } => "too_many_rows",
            ReadError::Encoding => "encoding",
            ReadError::Unreadable { .. } => "unreadable",
            ReadError::NoSheet => "no_sheet",
            ReadError::NoHeader => "no_header",
            ReadError::MissingColumns { .. } => "missing_columns",
            ReadError::DuplicateColumn { .. } => "duplicate_column",
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::TooLarge { bytes, max_bytes } => write!(
                f,
                "the file has {bytes} bytes, more than the {max_bytes} an import takes; split it"
            ),
            ReadError::TooManyRows { max_rows } => write!(
                f,
                "the file has more than {max_rows} rows, more than an import takes; split it"
            ),
            ReadError::Encoding => f.write_str(
                "the file is neither UTF-8 nor GB18030 text, nor an Excel workbook; \
                 save it as CSV (UTF-8) or XLSX",
            ),
            ReadError::Unreadable { reason } => write!(f, "the workbook cannot be read: {reason}"),
            ReadError::NoSheet => f.write_str("the workbook has no worksheet"),
            ReadError::NoHeader => f.write_str("the file is empty: no header row"),
            ReadError::MissingColumns { row, missing } => {
                f.write_str("the header row lacks the column")?;
                if missing.len() > 1 {
                    f.write_str("s")?;
                }
                for (i, m) in missing.iter().enumerate() {
                    let sep = if i == 0 { " " } else { ", " };
                    write!(f, "{sep}{} ({})", m.header_zh(), m.as_str())?;
                }
                write!(f, " (read as the header: row {row})")
            }
            ReadError::DuplicateColumn {
                field,
                first,
                second,
            } => write!(
                f,
                "the columns '{first}' and '{second}' both mean {} ({field}); keep one",
                field.header_zh()
            ),
        }
    }
}

impl std::error::Error for ReadError {}

/// One row of data: its row number in the file and its cells by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    number: u32,
    /// The cells one after the other, in the order of `Field::ALL`; `ends[slot]` is where
    /// the cell of that slot ends. One allocation per row keeps 100,000 rows small.
    ends: [u32; Field::COUNT],
    text: Box<str>,
}

impl Row {
    /// The row's number as a spreadsheet shows it (the header is usually row 1).
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The cell of a field: trimmed text, `""` when empty or when the file has no such
    /// column. Dates are `YYYY-MM-DD` when they could be read as dates.
    pub fn get(&self, field: Field) -> &str {
        let slot = field.slot();
        let start = if slot == 0 { 0 } else { self.ends[slot - 1] };
        self.text
            .get(start as usize..self.ends[slot] as usize)
            .unwrap_or("")
    }

    fn pack(number: u32, values: &[String; Field::COUNT]) -> Row {
        let mut text = String::with_capacity(values.iter().map(String::len).sum());
        let mut ends = [0u32; Field::COUNT];
        for (end, v) in ends.iter_mut().zip(values) {
            text.push_str(v);
            *end = u32::try_from(text.len()).unwrap_or(u32::MAX);
        }
        Row {
            number,
            ends,
            text: text.into_boxed_str(),
        }
    }

    /// A row built by hand, for tests of what comes after reading.
    pub fn from_cells(number: u32, cells: &[(Field, &str)]) -> Row {
        let mut values: [String; Field::COUNT] = Default::default();
        for (f, v) in cells {
            values[f.slot()] = (*v).to_string();
        }
        Row::pack(number, &values)
    }
}

/// A file read: its header and its rows of data, blank rows left out.
#[derive(Debug, Clone)]
pub struct Table {
    kind: ImportKind,
    format: SourceFormat,
    header_row: u32,
    columns: Vec<Column>,
    warnings: Vec<Warning>,
    rows: Vec<Row>,
}

impl Table {
    /// Read a file of `kind` with the default [`Limits`] and no progress report.
    /// `file_name` is used only to tell a tab-separated file and to explain a workbook
    /// that cannot be opened.
    pub fn from_bytes(kind: ImportKind, file_name: &str, bytes: &[u8]) -> Result<Table, ReadError> {
        Table::read(kind, file_name, bytes, &Limits::default(), &())
    }

    /// Read a file of `kind`, within `limits`, telling `progress` how far it is.
    pub fn read(
        kind: ImportKind,
        file_name: &str,
        bytes: &[u8],
        limits: &Limits,
        progress: &dyn Progress,
    ) -> Result<Table, ReadError> {
        if bytes.len() > limits.max_bytes {
            return Err(ReadError::TooLarge {
                bytes: bytes.len(),
                max_bytes: limits.max_bytes,
            });
        }
        let mut b = Builder::new(kind, limits);
        let format = if bytes.starts_with(ZIP_MAGIC) {
            read_zip_workbook(&mut b, bytes, progress)?
        } else if bytes.starts_with(CFB_MAGIC) {
            read_other_workbook(&mut b, bytes, progress)?
        } else if is_workbook_name(file_name) {
            return Err(ReadError::Unreadable {
                reason: format!("'{file_name}' is named as a workbook but is not one"),
            });
        } else {
            read_csv(&mut b, file_name, bytes, progress)?
        };
        b.finish(format)
    }

    pub fn kind(&self) -> ImportKind {
        self.kind
    }
    pub fn format(&self) -> SourceFormat {
        self.format
    }
    /// The row number of the header.
    pub fn header_row(&self) -> u32 {
        self.header_row
    }
    /// The header's named columns, in file order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }
    /// The fields the file has columns for, in file order.
    pub fn fields(&self) -> Vec<Field> {
        self.columns.iter().filter_map(|c| c.field).collect()
    }
    /// Whether the file has a column for `field`.
    pub fn has(&self, field: Field) -> bool {
        self.columns.iter().any(|c| c.field == Some(field))
    }
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
    pub fn into_rows(self) -> Vec<Row> {
        self.rows
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

fn is_workbook_name(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    [".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// A cell as the file holds it, before it becomes text.
#[derive(Debug, Clone, Copy)]
enum Value<'v> {
    Text(&'v str),
    Int(i64),
    Float(f64),
    Bool(bool),
    DateTime(&'v ExcelDateTime),
    Error(&'v calamine::CellErrorType),
    Empty,
}

impl<'v> From<&'v DataRef<'_>> for Value<'v> {
    fn from(d: &'v DataRef<'_>) -> Self {
        match d {
            DataRef::Int(i) => Value::Int(*i),
            DataRef::Float(f) => Value::Float(*f),
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                Value::Text(s)
            }
            DataRef::SharedString(s) => Value::Text(s),
            DataRef::Bool(b) => Value::Bool(*b),
            DataRef::DateTime(d) => Value::DateTime(d),
            DataRef::Error(e) => Value::Error(e),
            DataRef::Empty => Value::Empty,
        }
    }
}

impl<'v> From<&'v Data> for Value<'v> {
    fn from(d: &'v Data) -> Self {
        match d {
            Data::Int(i) => Value::Int(*i),
            Data::Float(f) => Value::Float(*f),
            Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Value::Text(s),
            Data::Bool(b) => Value::Bool(*b),
            Data::DateTime(d) => Value::DateTime(d),
            Data::Error(e) => Value::Error(e),
            Data::Empty => Value::Empty,
        }
    }
}

/// A cell as text: cleaned, dates as `YYYY-MM-DD` in date columns, whole numbers without
/// a decimal point or an exponent (a serial or a phone number stored as a number).
fn render(v: Value<'_>, date: bool) -> String {
    match v {
        Value::Text(s) => {
            let s = clean(s);
            if date { normalize_date(&s) } else { s }
        }
        Value::Int(i) => {
            if date {
                normalize_date(&i.to_string())
            } else {
                i.to_string()
            }
        }
        Value::Float(f) => {
            let s = number_text(f);
            if date { normalize_date(&s) } else { s }
        }
        Value::Bool(b) => (if b { "TRUE" } else { "FALSE" }).to_string(),
        Value::DateTime(d) if d.is_duration() => number_text(d.as_f64()),
        Value::DateTime(d) => {
            let (y, m, day, h, mi, s, _) = d.to_ymd_hms_milli();
            if date || (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{m:02}-{day:02}")
            } else {
                format!("{y:04}-{m:02}-{day:02} {h:02}:{mi:02}:{s:02}")
            }
        }
        Value::Error(e) => e.to_string(),
        Value::Empty => String::new(),
    }
}

/// A number as people wrote it: `13812345678`, not `1.3812345678e10`; `123`, not `123.0`.
fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        #[allow(clippy::cast_possible_truncation)]
        let i = f as i64;
        i.to_string()
    } else {
        // Rust writes the shortest text that reads back as the same number, never with
        // an exponent.
        format!("{f}")
    }
}

/// Trimmed, without control or invisible characters (tabs and line breaks become spaces),
/// and without the apostrophe that kept a spreadsheet from reading `=…` as a formula.
pub(crate) fn clean(s: &str) -> String {
    let needs_work = s
        .chars()
        .any(|c| c.is_control() || is_invisible(c) || c == '\'')
        || s.trim().len() != s.len();
    if !needs_work {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() || is_invisible(c) => {}
            c => out.push(c),
        }
    }
    let t = out.trim();
    let t = match t.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => t,
    };
    t.to_string()
}

/// Serials from 1 January 1950 to 31 December 2099 are taken for dates in a date column;
/// a smaller number is more likely a year or a mistake than a date.
const SERIAL_DATES: std::ops::RangeInclusive<i64> = 18_264..=73_050;

/// An Excel serial day (1900 system) as a date.
fn serial_to_date(serial: i64) -> Option<NaiveDate> {
    // Excel counts a 29 February 1900 that never was; from serial 61 on, day 0 is
    // 30 December 1899.
    let base = NaiveDate::from_ymd_opt(1899, 12, if serial >= 61 { 30 } else { 31 })?;
    base.checked_add_days(Days::new(u64::try_from(serial).ok()?))
}

/// A date written as people write them — `2023-5-6`, `2023/05/06`, `2023.5.6`,
/// `2023年5月6日`, `20230506`, `2023-05-06 00:00:00`, an Excel serial — as `2023-05-06`.
/// Text that is not a date is returned unchanged, for the import to reject by value.
pub(crate) fn normalize_date(s: &str) -> String {
    let folded: String = s.chars().map(fold_width).collect();
    let t = folded.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        if t.len() == 8 {
            return format!("{}-{}-{}", &t[..4], &t[4..6], &t[6..]);
        }
        if let Ok(n) = t.parse::<i64>()
            && SERIAL_DATES.contains(&n)
            && let Some(d) = serial_to_date(n)
        {
            return d.format("%Y-%m-%d").to_string();
        }
        return s.to_string();
    }
    // Year, month, day: numbers separated by one of - / . or written with 年 月 日; what
    // follows after a space or a T (a time of day) is dropped.
    let date_part = t.split([' ', 'T']).next().unwrap_or(t);
    let parts: Vec<&str> = date_part
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|p| !p.is_empty())
        .collect();
    let ok_shape = parts.len() == 3
        && parts[0].len() == 4
        && (1..=2).contains(&parts[1].len())
        && (1..=2).contains(&parts[2].len())
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        && !date_part.ends_with(['-', '/', '.']);
    if ok_shape {
        format!("{}-{:0>2}-{:0>2}", parts[0], parts[1], parts[2])
    } else {
        s.to_string()
    }
}

/// Where a column's cells go, once the header is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColumnUse {
    Field(Field),
    /// A header that names nothing known (already warned about).
    Unknown,
    /// No header.
    Blank,
}

struct Header {
    row: u32,
    columns: Vec<Column>,
    uses: Vec<ColumnUse>,
}

/// Rows come in one cell at a time, from whichever reader; the builder finds the header,
/// maps the cells and packs the rows.
struct Builder<'l> {
    kind: ImportKind,
    limits: &'l Limits,
    header: Option<Header>,
    /// Rows read while looking for the header, and the best of them so far (the one with
    /// the most known columns).
    candidates: u32,
    best: Option<(u32, Vec<Field>, usize)>,
    rows: Vec<Row>,
    warnings: Vec<Warning>,
    row_number: u32,
    /// Cells of the current row while the header is not known yet.
    raw: Vec<(u32, String)>,
    /// Cells of the current row by field, once it is.
    values: [String; Field::COUNT],
}

/// A header is looked for among this many rows that are not blank.
const HEADER_SEARCH_ROWS: u32 = 10;

impl<'l> Builder<'l> {
    fn new(kind: ImportKind, limits: &'l Limits) -> Self {
        Builder {
            kind,
            limits,
            header: None,
            candidates: 0,
            best: None,
            rows: Vec::new(),
            warnings: Vec::new(),
            row_number: 0,
            raw: Vec::new(),
            values: Default::default(),
        }
    }

    fn begin_row(&mut self, number: u32) {
        self.row_number = number;
    }

    fn cell(&mut self, column: u32, v: Value<'_>) {
        let Some(header) = &self.header else {
            if !matches!(v, Value::Empty) {
                self.raw.push((column, render(v, false)));
            }
            return;
        };
        let use_ = header
            .uses
            .get(column as usize)
            .copied()
            .unwrap_or(ColumnUse::Blank);
        match use_ {
            ColumnUse::Field(f) => self.values[f.slot()] = render(v, f.is_date()),
            ColumnUse::Unknown => {}
            ColumnUse::Blank => {
                if !matches!(v, Value::Empty) && !render(v, false).is_empty() {
                    self.warn_unnamed(column + 1);
                }
            }
        }
    }

    fn warn_unnamed(&mut self, column: u32) {
        let w = Warning::UnnamedColumn { column };
        if !self.warnings.contains(&w) {
            self.warnings.push(w);
        }
    }

    fn end_row(&mut self) -> Result<(), ReadError> {
        if self.header.is_none() {
            let raw = std::mem::take(&mut self.raw);
            return self.consider_header(raw);
        }
        if self.values.iter().all(String::is_empty) {
            return Ok(());
        }
        if self.rows.len() >= self.limits.max_rows {
            return Err(ReadError::TooManyRows {
                max_rows: self.limits.max_rows,
            });
        }
        self.rows.push(Row::pack(self.row_number, &self.values));
        for v in &mut self.values {
            v.clear();
        }
        Ok(())
    }

    /// Take the row as the header if it names every required column; remember it as the
    /// best candidate otherwise.
    fn consider_header(&mut self, raw: Vec<(u32, String)>) -> Result<(), ReadError> {
        if raw.iter().all(|(_, s)| s.is_empty()) {
            return Ok(());
        }
        let mut columns: Vec<Column> = Vec::new();
        for (col, text) in raw {
            if text.is_empty() {
                continue;
            }
            let field = self.kind.field_of_header(&text);
            if let Some(f) = field
                && let Some(first) = columns.iter().find(|c| c.field == Some(f))
            {
                return Err(ReadError::DuplicateColumn {
                    field: f,
                    first: first.header.clone(),
                    second: text,
                });
            }
            columns.push(Column {
                number: col + 1,
                header: text,
                field,
            });
        }
        let missing: Vec<Field> = self
            .kind
            .required()
            .iter()
            .copied()
            .filter(|f| !columns.iter().any(|c| c.field == Some(*f)))
            .collect();
        if missing.is_empty() {
            let width = columns.iter().map(|c| c.number as usize).max().unwrap_or(0);
            let mut uses = vec![ColumnUse::Blank; width];
            for c in &columns {
                uses[c.number as usize - 1] = match c.field {
                    Some(f) => ColumnUse::Field(f),
                    None => {
                        self.warnings.push(Warning::UnknownColumn {
                            column: c.number,
                            header: c.header.clone(),
                        });
                        ColumnUse::Unknown
                    }
                };
            }
            self.header = Some(Header {
                row: self.row_number,
                columns,
                uses,
            });
            return Ok(());
        }
        let known = columns.iter().filter(|c| c.field.is_some()).count();
        if self.best.as_ref().is_none_or(|(_, _, k)| known > *k) {
            self.best = Some((self.row_number, missing, known));
        }
        self.candidates += 1;
        if self.candidates >= HEADER_SEARCH_ROWS {
            return Err(self.missing_columns());
        }
        Ok(())
    }

    fn missing_columns(&mut self) -> ReadError {
        match self.best.take() {
            Some((row, missing, _)) => ReadError::MissingColumns { row, missing },
            None => ReadError::NoHeader,
        }
    }

    fn finish(mut self, format: SourceFormat) -> Result<Table, ReadError> {
        let Some(header) = self.header.take() else {
            return Err(self.missing_columns());
        };
        self.warnings.sort_by_key(|w| match w {
            Warning::UnknownColumn { column, .. } | Warning::UnnamedColumn { column } => *column,
        });
        self.rows.shrink_to_fit();
        Ok(Table {
            kind: self.kind,
            format,
            header_row: header.row,
            columns: header.columns,
            warnings: self.warnings,
            rows: self.rows,
        })
    }
}

/// Text in UTF-8 (a byte-order mark is dropped), UTF-16 with a byte-order mark, else
/// GB18030; the name of the encoding with it.
fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str), ReadError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|s| (Cow::Borrowed(s), "UTF-8"))
            .map_err(|_| ReadError::Encoding);
    }
    for (bom, encoding) in [
        (b"\xFF\xFE", encoding_rs::UTF_16LE),
        (b"\xFE\xFF", encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return encoding
                .decode_without_bom_handling_and_without_replacement(rest)
                .map(|s| (Cow::Owned(s.into_owned()), encoding.name()))
                .ok_or(ReadError::Encoding);
        }
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((Cow::Borrowed(s), "UTF-8"));
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| (Cow::Owned(s.into_owned()), "GB18030"))
        .ok_or(ReadError::Encoding)
}

/// Tab-separated when named so or when the first line has more tabs than commas.
fn delimiter(file_name: &str, text: &str) -> u8 {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".tsv") || lower.ends_with(".tab") {
        return b'\t';
    }
    let first = text.lines().next().unwrap_or("");
    let count = |d: char| first.chars().filter(|c| *c == d).count();
    if count('\t') > count(',') {
        b'\t'
    } else {
        b','
    }
}

fn read_csv(
    b: &mut Builder<'_>,
    file_name: &str,
    bytes: &[u8],
    progress: &dyn Progress,
) -> Result<SourceFormat, ReadError> {
    let (text, encoding) = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(file_name, &text))
        .from_reader(text.as_bytes());
    progress.stage(Stage::Reading, text.len() as u64);
    let mut record = csv::StringRecord::new();
    // A record's row is its line, counted here (the reader's own count is not a line
    // number), less the line breaks inside quoted cells before it: a spreadsheet shows a
    // record on one row whatever its cells hold.
    let bytes = text.as_bytes();
    let mut counted_to = 0usize;
    let mut line_breaks = 0u64;
    let mut breaks_inside = 0u64;
    let mut records = 0u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(ReadError::Unreadable {
                    reason: e.to_string(),
                });
            }
        }
        let mut start = record
            .position()
            .map_or(counted_to, |p| {
                usize::try_from(p.byte()).unwrap_or(counted_to)
            })
            .max(counted_to);
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let start = start.min(bytes.len());
        line_breaks += bytes[counted_to..start]
            .iter()
            .filter(|c| **c == b'\n')
            .count() as u64;
        counted_to = start;
        let row = line_breaks + 1 - breaks_inside;
        b.begin_row(u32::try_from(row).unwrap_or(u32::MAX));
        for (i, cell) in record.iter().enumerate() {
            breaks_inside += cell.bytes().filter(|c| *c == b'\n').count() as u64;
            b.cell(u32::try_from(i).unwrap_or(u32::MAX), Value::Text(cell));
        }
        b.end_row()?;
        records += 1;
        if records.is_multiple_of(EVERY) {
            progress.done(record.position().map_or(0, csv::Position::byte));
        }
    }
    progress.done(text.len() as u64);
    Ok(SourceFormat::Csv { encoding })
}

fn unreadable(e: impl fmt::Display) -> ReadError {
    ReadError::Unreadable {
        reason: e.to_string(),
    }
}

/// XLSX, streamed cell by cell from the first worksheet; another zipped workbook (ODS,
/// XLSB) through [`read_other_workbook`].
fn read_zip_workbook(
    b: &mut Builder<'_>,
    bytes: &[u8],
    progress: &dyn Progress,
) -> Result<SourceFormat, ReadError> {
    let Ok(mut workbook) = Xlsx::new(Cursor::new(bytes)) else {
        return read_other_workbook(b, bytes, progress);
    };
    let name = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or(ReadError::NoSheet)?;
    let mut cells = workbook.worksheet_cells_reader(&name).map_err(unreadable)?;
    progress.stage(Stage::Reading, u64::from(cells.dimensions().end.0) + 1);
    let mut current: Option<u32> = None;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, col) = cell.get_position();
        if current != Some(row) {
            if current.is_some() {
                b.end_row()?;
            }
            b.begin_row(row.saturating_add(1));
            current = Some(row);
            if u64::from(row).is_multiple_of(EVERY) {
                progress.done(u64::from(row));
            }
        }
        b.cell(col, Value::from(cell.get_value()));
    }
    if current.is_some() {
        b.end_row()?;
    }
    Ok(SourceFormat::Xlsx)
}

/// XLS, XLSB or ODS: the first worksheet read whole, then row by row.
fn read_other_workbook(
    b: &mut Builder<'_>,
    bytes: &[u8],
    progress: &dyn Progress,
) -> Result<SourceFormat, ReadError> {
    let mut workbook =
        open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|_| ReadError::Unreadable {
            reason: "not a workbook that can be opened (XLSX, XLS, XLSB or ODS)".to_string(),
        })?;
    let format = match &workbook {
        Sheets::Xls(_) => SourceFormat::Xls,
        Sheets::Xlsx(_) => SourceFormat::Xlsx,
        Sheets::Xlsb(_) => SourceFormat::Xlsb,
        Sheets::Ods(_) => SourceFormat::Ods,
    };
    let range = workbook
        .worksheet_range_at(0)
        .ok_or(ReadError::NoSheet)?
        .map_err(unreadable)?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    progress.stage(Stage::Reading, range.height() as u64);
    for (i, cells) in range.rows().enumerate() {
        let i = u32::try_from(i).unwrap_or(u32::MAX);
        b.begin_row(row0.saturating_add(i).saturating_add(1));
        for (j, cell) in cells.iter().enumerate() {
            let j = u32::try_from(j).unwrap_or(u32::MAX);
            b.cell(col0.saturating_add(j), Value::from(cell));
        }
        b.end_row()?;
        if u64::from(i).is_multiple_of(EVERY) {
            progress.done(u64::from(i));
        }
    }
    Ok(format)
}

#[cfg(test)]
mod tests;
