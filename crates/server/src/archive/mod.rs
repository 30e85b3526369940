//! Archive files: reading a company's customer and unit archive from CSV (UTF-8 or
//! GB18030) or a workbook (XLSX, also XLS and ODS), and writing lists out as CSV or XLSX.
//!
//! This is the file-format layer only: it knows columns, encodings and cell types, not the
//! database. A header row in Chinese or English is mapped to canonical field names
//! ([`Field`]) through a table of synonyms per kind of import ([`ImportKind`]); every cell
//! comes out as trimmed text, dates as `YYYY-MM-DD` where they can be read as dates,
//! numbers that are really codes as their digits. Whether a value is *valid* is the
//! domain's business, decided by the import use cases.

pub mod progress;
pub mod read;
pub mod write;

pub use progress::{Progress, Stage};
pub use read::{Column, Limits, ReadError, Row, SourceFormat, Table, Warning};

use std::fmt;

/// What a file brings in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    /// Product models (a file of them usually comes first: units name their model).
    Models,
    Customers,
    Units,
}

/// A canonical column of an archive file. The name (`as_str`) is the API's field name, so
/// a rejected row can name the field the same way everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    // Customers
    Name,
    Address,
    ContactName,
    ContactPhone,
    ContactEmail,
    Salesperson,
    Notes,
    // Units
    CustomerName,
    ModelCode,
    SerialNo,
    SiteAddress,
    ShippedOn,
    AcceptedOn,
    CommissionedOn,
    // Product models
    Code,
    ModelName,
    ProductLine,
}

impl Field {
    /// Every field, in declaration order (the index of a field in this list is its slot).
    pub const ALL: [Field; 17] = [
        Field::Name,
        Field::Address,
        Field::ContactName,
        Field::ContactPhone,
        Field::ContactEmail,
        Field::Salesperson,
        Field::Notes,
        Field::CustomerName,
        Field::ModelCode,
        Field::SerialNo,
        Field::SiteAddress,
        Field::ShippedOn,
        Field::AcceptedOn,
        Field::CommissionedOn,
        Field::Code,
        Field::ModelName,
        Field::ProductLine,
    ];
    pub const COUNT: usize = Field::ALL.len();

    pub(crate) fn slot(self) -> usize {
        self as usize
    }

    /// The field's name in the API and in reports (`serial_no`).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Address => "address",
            Field::ContactName => "contact_name",
            Field::ContactPhone => "contact_phone",
            Field::ContactEmail => "contact_email",
            Field::Salesperson => "salesperson",
            Field::Notes => "notes",
            Field::CustomerName => "customer_name",
            Field::ModelCode => "model_code",
            Field::SerialNo => "serial_no",
            Field::SiteAddress => "site_address",
            Field::ShippedOn => "shipped_on",
            Field::AcceptedOn => "accepted_on",
            Field::CommissionedOn => "commissioned_on",
            Field::Code => "code",
            Field::ModelName => "name",
            Field::ProductLine => "product_line",
        }
    }

    /// The Chinese column header an export writes, and the first synonym an import knows.
    pub fn header_zh(self) -> &'static str {
        match self {
            Field::Name => "客户名称",
            Field::Address => "地址",
            Field::ContactName => "联系人",
            Field::ContactPhone => "联系电话",
            Field::ContactEmail => "电子邮箱",
            Field::Salesperson => "业务员",
            Field::Notes => "备注",
            Field::CustomerName => "客户名称",
            Field::ModelCode => "型号",
            Field::SerialNo => "出厂编号",
            Field::SiteAddress => "安装地址",
            Field::ShippedOn => "发货日期",
            Field::AcceptedOn => "验收日期",
            Field::CommissionedOn => "投运日期",
            Field::Code => "型号",
            Field::ModelName => "名称",
            Field::ProductLine => "产品线",
        }
    }

    /// A calendar date: its cells are written `YYYY-MM-DD` when they can be read as one.
    pub fn is_date(self) -> bool {
        matches!(
            self,
            Field::ShippedOn | Field::AcceptedOn | Field::CommissionedOn
        )
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Header names per field, as people write them. Compared after [`normalize_header`], so
/// case, spaces, underscores, full-width letters, a `*` marking a required column and a
/// note in brackets (`发货日期（年-月-日）`) do not matter.
type Synonyms = &'static [(Field, &'static [&'static str])];

const CUSTOMER_COLUMNS: Synonyms = &[
    (
        Field::Name,
        &[
            "客户名称",
            "客户",
            "名称",
            "客户名",
            "客户全称",
            "单位名称",
            "公司名称",
            "用户名称",
            "用户单位",
            "name",
            "customer",
            "customer_name",
            "company",
        ],
    ),
    (
        Field::Address,
        &[
            "地址",
            "客户地址",
            "详细地址",
            "单位地址",
            "公司地址",
            "通讯地址",
            "联系地址",
            "address",
            "customer_address",
        ],
    ),
    (
        Field::ContactName,
        &[
            "联系人",
            "联系人姓名",
            "contact",
            "contact_name",
            "contact_person",
        ],
    ),
    (
        Field::ContactPhone,
        &[
            "电话",
            "联系电话",
            "手机",
            "手机号",
            "手机号码",
            "电话号码",
            "联系方式",
            "联系人电话",
            "客户电话",
            "phone",
            "contact_phone",
            "tel",
            "telephone",
            "mobile",
        ],
    ),
    (
        Field::ContactEmail,
        &[
            "邮箱",
            "电子邮箱",
            "电子邮件",
            "email",
            "e-mail",
            "mail",
            "contact_email",
        ],
    ),
    (
        Field::Salesperson,
        &[
            "业务员",
            "销售员",
            "销售",
            "销售人员",
            "负责业务员",
            "客户经理",
            "salesperson",
            "sales",
            "salesman",
        ],
    ),
    (
        Field::Notes,
        &["备注", "说明", "notes", "note", "remark", "remarks"],
    ),
];

const UNIT_COLUMNS: Synonyms = &[
    (
        Field::CustomerName,
        &[
            "客户名称",
            "客户",
            "客户名",
            "客户全称",
            "用户",
            "用户名称",
            "用户单位",
            "单位名称",
            "customer",
            "customer_name",
        ],
    ),
    (
        Field::ModelCode,
        &[
            "型号",
            "产品型号",
            "规格型号",
            "型号代码",
            "model",
            "model_code",
            "model_no",
        ],
    ),
    (
        Field::SerialNo,
        &[
            "出厂编号",
            "序列号",
            "编号",
            "产品编号",
            "出厂序号",
            "出厂号",
            "serial",
            "serial_no",
            "serial_number",
            "sn",
        ],
    ),
    (
        Field::SiteAddress,
        &[
            "安装地址",
            "站点地址",
            "安装地点",
            "使用地点",
            "站点",
            "地址",
            "site_address",
            "site",
            "address",
        ],
    ),
    (
        Field::ShippedOn,
        &[
            "发货日期",
            "发货时间",
            "出货日期",
            "发运日期",
            "shipped_on",
            "shipped",
            "ship_date",
            "shipping_date",
        ],
    ),
    (
        Field::AcceptedOn,
        &[
            "验收日期",
            "验收时间",
            "accepted_on",
            "accepted",
            "acceptance_date",
        ],
    ),
    (
        Field::CommissionedOn,
        &[
            "投运日期",
            "调试送电日期",
            "送电日期",
            "投运时间",
            "投运",
            "commissioned_on",
            "commissioned",
            "commissioning_date",
            "energized_on",
        ],
    ),
];

const MODEL_COLUMNS: Synonyms = &[
    (
        Field::Code,
        &[
            "型号",
            "产品型号",
            "规格型号",
            "型号代码",
            "code",
            "model",
            "model_code",
        ],
    ),
    (
        Field::ModelName,
        &["名称", "产品名称", "型号名称", "品名", "name", "model_name"],
    ),
    (
        Field::ProductLine,
        &[
            "产品线",
            "产品类别",
            "产品系列",
            "产品大类",
            "类别",
            "product_line",
            "line",
            "category",
        ],
    ),
];

impl ImportKind {
    pub const ALL: [ImportKind; 3] = [ImportKind::Models, ImportKind::Customers, ImportKind::Units];

    /// `models`, `customers` or `units`, as the command line names them.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Models => "models",
            ImportKind::Customers => "customers",
            ImportKind::Units => "units",
        }
    }

    fn columns(self) -> Synonyms {
        match self {
            ImportKind::Models => MODEL_COLUMNS,
            ImportKind::Customers => CUSTOMER_COLUMNS,
            ImportKind::Units => UNIT_COLUMNS,
        }
    }

    /// The fields a file of this kind may have, in the order an export writes them.
    pub fn fields(self) -> impl Iterator<Item = Field> {
        self.columns().iter().map(|(f, _)| *f)
    }

    /// The columns a file of this kind must have.
    pub fn required(self) -> &'static [Field] {
        match self {
            ImportKind::Models => &[Field::Code, Field::ModelName, Field::ProductLine],
            ImportKind::Customers => &[Field::Name, Field::Address],
            ImportKind::Units => &[Field::CustomerName, Field::ModelCode, Field::SerialNo],
        }
    }

    /// The field a column header means in a file of this kind, if any.
    pub fn field_of_header(self, header: &str) -> Option<Field> {
        let h = normalize_header(header);
        if h.is_empty() {
            return None;
        }
        self.columns()
            .iter()
            .find(|(_, names)| names.iter().any(|n| normalize_header(n) == h))
            .map(|(f, _)| *f)
    }
}

impl fmt::Display for ImportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ImportKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::str::FromStr for ImportKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "models" => Ok(ImportKind::Models),
            "customers" => Ok(ImportKind::Customers),
            "units" => Ok(ImportKind::Units),
            _ => Err(format!(
                "unknown import kind '{s}': models, customers or units"
            )),
        }
    }
}

/// A header as compared: full-width forms folded to ASCII, lower case, without spaces,
/// `_`, `-`, `.`, `*`, a trailing colon, or a note in brackets.
pub fn normalize_header(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut depth = 0u32;
    for c in header.chars() {
        let c = fold_width(c);
        match c {
            '(' | '[' | '【' | '〔' => depth += 1,
            ')' | ']' | '】' | '〕' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            '_' | '-' | '.' | '*' | ':' | '：' => {}
            c if c.is_whitespace() || c.is_control() || is_invisible(c) => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Full-width ASCII (`Ａ`, `（`, `＊`) to its half-width form, the ideographic space to a
/// space; anything else unchanged.
pub(crate) fn fold_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        c => c,
    }
}

/// Characters that show nothing: byte-order marks and zero-width spaces and joiners.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(c, '\u{FEFF}' | '\u{200B}'..='\u{200D}' | '\u{2060}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_headers_in_chinese_and_english_map_to_fields() {
        let k = ImportKind::Customers;
        for (header, field) in [
            ("客户名称", Field::Name),
            ("客户", Field::Name),
            ("名称", Field::Name),
            ("Name", Field::Name),
            ("  NAME ", Field::Name),
            ("Customer Name", Field::Name),
            ("客户名称*", Field::Name),
            ("＊客户名称", Field::Name),
            ("地址", Field::Address),
            ("客户地址", Field::Address),
            ("ADDRESS", Field::Address),
            ("联系人", Field::ContactName),
            ("Contact", Field::ContactName),
            ("电话", Field::ContactPhone),
            ("联系电话", Field::ContactPhone),
            ("手机", Field::ContactPhone),
            ("ｐｈｏｎｅ", Field::ContactPhone),
            ("Phone", Field::ContactPhone),
            ("电话（手机）", Field::ContactPhone),
            ("业务员", Field::Salesperson),
            ("salesperson", Field::Salesperson),
            ("E-mail", Field::ContactEmail),
            ("备注", Field::Notes),
        ] {
            assert_eq!(k.field_of_header(header), Some(field), "{header}");
        }
        for unknown in ["", "  ", "型号", "序号", "region", "客户档案"] {
            assert_eq!(k.field_of_header(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn unit_headers_in_chinese_and_english_map_to_fields() {
        let k = ImportKind::Units;
        for (header, field) in [
            ("客户名称", Field::CustomerName),
            ("客户", Field::CustomerName),
            ("customer", Field::CustomerName),
            ("型号", Field::ModelCode),
            ("产品型号", Field::ModelCode),
            ("Model", Field::ModelCode),
            ("model_code", Field::ModelCode),
            ("Model Code", Field::ModelCode),
            ("出厂编号", Field::SerialNo),
            ("序列号", Field::SerialNo),
            ("编号", Field::SerialNo),
            ("Serial", Field::SerialNo),
            ("serial_no", Field::SerialNo),
            ("Serial No.", Field::SerialNo),
            ("SERIAL-NO", Field::SerialNo),
            ("安装地址", Field::SiteAddress),
            ("站点地址", Field::SiteAddress),
            ("site_address", Field::SiteAddress),
            ("发货日期", Field::ShippedOn),
            ("shipped_on", Field::ShippedOn),
            ("验收日期", Field::AcceptedOn),
            ("投运日期", Field::CommissionedOn),
            ("调试送电日期", Field::CommissionedOn),
            ("发货日期（年-月-日）", Field::ShippedOn),
            ("commissioned_on", Field::CommissionedOn),
        ] {
            assert_eq!(k.field_of_header(header), Some(field), "{header}");
        }
        // "名称" alone is a customer's name in a customer file, nothing in a unit file.
        assert_eq!(k.field_of_header("名称"), None);
    }

    #[test]
    fn model_headers_map_to_fields() {
        let k = ImportKind::Models;
        for (header, field) in [
            ("型号", Field::Code),
            ("Code", Field::Code),
            ("名称", Field::ModelName),
            ("产品名称", Field::ModelName),
            ("产品线", Field::ProductLine),
            ("product_line", Field::ProductLine),
        ] {
            assert_eq!(k.field_of_header(header), Some(field), "{header}");
        }
    }

    #[test]
    fn every_export_header_reads_back_as_its_field() {
        for kind in ImportKind::ALL {
            for field in kind.fields() {
                assert_eq!(kind.field_of_header(field.header_zh()), Some(field));
                assert_eq!(kind.field_of_header(field.as_str()), Some(field));
            }
            for field in kind.required() {
                assert!(kind.fields().any(|f| f == *field));
            }
        }
    }

    #[test]
    fn no_header_means_two_fields_of_one_kind() {
        for kind in ImportKind::ALL {
            let mut seen = std::collections::HashMap::new();
            for (field, names) in kind.columns() {
                for n in *names {
                    let other = seen.insert(normalize_header(n), *field);
                    if let Some(other) = other.filter(|o| o != field) {
                        panic!("{kind}: '{n}' means both {other} and {field}");
                    }
                }
            }
        }
    }

    #[test]
    fn slots_follow_the_list_of_all_fields() {
        for (i, f) in Field::ALL.iter().enumerate() {
            assert_eq!(f.slot(), i);
        }
    }

    #[test]
    fn import_kind_parses_its_own_name() {
        for k in ImportKind::ALL {
            assert_eq!(k.as_str().parse::<ImportKind>(), Ok(k));
        }
        assert!("tickets".parse::<ImportKind>().is_err());
    }
}
