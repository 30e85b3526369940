//! The document library: controlled documents (service control procedures, the technical
//! service specification, product manuals per model, training materials), each with its
//! versions, and the rule for which version is current on a date.

use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{DocumentId, FileId, UserId};
use crate::text::{optional, required};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub const CODE_MAX: usize = 60;
pub const TITLE_MAX: usize = 200;
pub const LABEL_MAX: usize = 40;
pub const FILE_NAME_MAX: usize = 200;
/// A document's file is at most 20 MB.
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1000 * 1000;

/// What a controlled document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    ServiceProcedure,
    TechnicalSpecification,
    ProductManual,
    TrainingMaterial,
    Other,
}

impl DocKind {
    pub const ALL: [DocKind; 5] = [
        DocKind::ServiceProcedure,
        DocKind::TechnicalSpecification,
        DocKind::ProductManual,
        DocKind::TrainingMaterial,
        DocKind::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::ServiceProcedure => "service_procedure",
            DocKind::TechnicalSpecification => "technical_specification",
            DocKind::ProductManual => "product_manual",
            DocKind::TrainingMaterial => "training_material",
            DocKind::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
    /// The general service documents a technician carries to every job.
    pub fn is_general_service(self) -> bool {
        matches!(
            self,
            DocKind::ServiceProcedure | DocKind::TechnicalSpecification
        )
    }
}

/// A document as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct DocumentInput {
    pub kind: String,
    pub code: String,
    pub title: String,
    /// The product model's code (a product manual names one).
    pub model_code: Option<String>,
}

/// A document checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocument {
    pub kind: DocKind,
    pub code: String,
    pub title: String,
    pub model_code: Option<String>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

impl NewDocument {
    /// Check a document: a product manual names its model, the others may.
    pub fn parse(
        input: &DocumentInput,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<NewDocument, Error> {
        let mut errs = FieldErrors::new();
        let kind = DocKind::parse(&input.kind);
        if kind.is_none() {
            errs.add("kind", Problem::invalid("not a kind of document"));
        }
        let code = errs.take("code", required(&input.code, CODE_MAX));
        if code
            .as_deref()
            .is_some_and(|c| c.chars().any(|ch| ch.is_whitespace() || ch.is_control()))
        {
            errs.add("code", Problem::invalid("a code has no spaces"));
        }
        let title = errs.take("title", required(&input.title, TITLE_MAX));
        let model_code = errs
            .take(
                "model_code",
                optional(input.model_code.as_deref(), CODE_MAX),
            )
            .flatten();
        if kind == Some(DocKind::ProductManual) && model_code.is_none() {
            errs.add(
                "model_code",
                Problem::new("required", "a product manual names its model"),
            );
        }
        errs.into_result()?;
        match (kind, code, title) {
            (Some(kind), Some(code), Some(title)) => Ok(NewDocument {
                kind,
                code,
                title,
                model_code,
                created_by: by,
                created_at: crate::time::to_store_precision(now),
            }),
            _ => Err(Error::Internal("document fields checked".into())),
        }
    }
}

/// A controlled document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    pub id: DocumentId,
    pub kind: DocKind,
    pub code: String,
    pub title: String,
    pub model_code: Option<String>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    /// Withdrawn from use (training 2): no longer offered as current, its versions kept.
    pub retired: Option<Retirement>,
}

// ---- training 2: retiring a document ----

/// A retired reason is at most this long.
pub const REASON_MAX: usize = 500;

/// A document withdrawn from use: when, by whom, why. It leaves the library's current list
/// and the jobs' documents; its versions stay downloadable for the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retirement {
    pub at: DateTime<Utc>,
    pub by: UserId,
    pub by_name: String,
    pub reason: String,
}

/// Check why a document is retired: a reason is required.
pub fn retire_reason(reason: &str) -> Result<String, Error> {
    required(reason, REASON_MAX).map_err(|p| Error::field("reason", p))
}

// ---- end training 2 ----

/// One published version of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocVersion {
    pub document_id: DocumentId,
    /// 1, 2, … in the order published.
    pub n: i64,
    pub label: String,
    pub effective_on: NaiveDate,
    pub file_id: FileId,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub published_by: UserId,
    pub published_by_name: String,
    pub published_at: DateTime<Utc>,
}

/// A document with its versions (oldest first) and the one current today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentView {
    pub document: Document,
    pub versions: Vec<DocVersion>,
}

impl DocumentView {
    pub fn current_on(&self, on: NaiveDate) -> Option<&DocVersion> {
        current_on(&self.versions, on)
    }
}

/// The version current on a date: of those effective on or before it, the latest
/// effective (of two effective the same day, the one published later). A version whose
/// effective date is still ahead is not yet current.
pub fn current_on(versions: &[DocVersion], on: NaiveDate) -> Option<&DocVersion> {
    versions
        .iter()
        .filter(|v| v.effective_on <= on)
        .max_by_key(|v| (v.effective_on, v.n))
}

/// The kinds of file a document may be, told by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocFileType {
    Pdf,
    Png,
    Jpeg,
    Webp,
    /// Word, Excel, PowerPoint of 2007 on (a zip container).
    OfficeOpenXml,
    /// Word, Excel, PowerPoint 97–2003 (a compound file).
    OfficeLegacy,
}

impl DocFileType {
    /// The type the bytes are, if accepted.
    pub fn sniff(b: &[u8]) -> Option<DocFileType> {
        if b.starts_with(b"%PDF-") {
            Some(DocFileType::Pdf)
        } else if b.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(DocFileType::Png)
        } else if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(DocFileType::Jpeg)
        } else if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
            Some(DocFileType::Webp)
        } else if b.starts_with(b"PK\x03\x04") {
            Some(DocFileType::OfficeOpenXml)
        } else if b.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            Some(DocFileType::OfficeLegacy)
        } else {
            None
        }
    }

    /// The extensions a file of this type may carry.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            DocFileType::Pdf => &["pdf"],
            DocFileType::Png => &["png"],
            DocFileType::Jpeg => &["jpg", "jpeg"],
            DocFileType::Webp => &["webp"],
            DocFileType::OfficeOpenXml => &["docx", "xlsx", "pptx"],
            DocFileType::OfficeLegacy => &["doc", "xls", "ppt"],
        }
    }

    /// The content type served, from the type and the name's extension.
    pub fn content_type(self, ext: &str) -> &'static str {
        match (self, ext) {
            (DocFileType::Pdf, _) => "application/pdf",
            (DocFileType::Png, _) => "image/png",
            (DocFileType::Jpeg, _) => "image/jpeg",
            (DocFileType::Webp, _) => "image/webp",
            (DocFileType::OfficeOpenXml, "docx") => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            (DocFileType::OfficeOpenXml, "xlsx") => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            (DocFileType::OfficeOpenXml, _) => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            (DocFileType::OfficeLegacy, "doc") => "application/msword",
            (DocFileType::OfficeLegacy, "xls") => "application/vnd.ms-excel",
            (DocFileType::OfficeLegacy, _) => "application/vnd.ms-powerpoint",
        }
    }
}

/// A file name as kept: no folders, no control characters or quotes, at most
/// [`FILE_NAME_MAX`] characters.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    base.chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | '/' | ';'))
        .take(FILE_NAME_MAX)
        .collect::<String>()
        .trim()
        .to_string()
}

/// A version's file, checked: not empty, at most [`MAX_DOCUMENT_BYTES`], a PDF, an image
/// or an office file by its bytes, and named with an extension of that type.
/// Answers the cleaned name and the content type.
pub fn check_file(name: &str, bytes: &[u8]) -> Result<(String, &'static str), Problem> {
    if bytes.is_empty() {
        return Err(Problem::required());
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(Problem::new(
            "too_large",
            format!("at most {} MB", MAX_DOCUMENT_BYTES / 1_000_000),
        ));
    }
    let Some(kind) = DocFileType::sniff(bytes) else {
        return Err(Problem::invalid(
            "not a PDF, an image (JPEG, PNG, WebP) or an office document",
        ));
    };
    let name = clean_file_name(name);
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !kind.extensions().contains(&ext.as_str()) {
        return Err(Problem::invalid(format!(
            "the file's name does not match its content (.{})",
            kind.extensions()[0]
        )));
    }
    Ok((name, kind.content_type(&ext)))
}

/// A version about to be published, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct VersionInput {
    pub label: String,
    pub effective_on: String,
    pub file_name: String,
}

/// A version checked, with its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVersion {
    pub label: String,
    pub effective_on: NaiveDate,
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub published_by: UserId,
    pub published_at: DateTime<Utc>,
}

impl NewVersion {
    pub fn parse(
        input: &VersionInput,
        bytes: Vec<u8>,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<NewVersion, Error> {
        use sha2::Digest as _;
        let mut errs = FieldErrors::new();
        let label = errs.take("label", required(&input.label, LABEL_MAX));
        let effective_on = errs.take(
            "effective_on",
            crate::training::parse_date(&input.effective_on),
        );
        let file = errs.take("file", check_file(&input.file_name, &bytes));
        errs.into_result()?;
        match (label, effective_on, file) {
            (Some(label), Some(effective_on), Some((file_name, content_type))) => {
                let sha256 = sha2::Sha256::digest(&bytes)
                    .iter()
                    .map(|x| format!("{x:02x}"))
                    .collect();
                Ok(NewVersion {
                    label,
                    effective_on,
                    file_name,
                    content_type,
                    bytes,
                    sha256,
                    published_by: by,
                    published_at: crate::time::to_store_precision(now),
                })
            }
            _ => Err(Error::Internal("version fields checked".into())),
        }
    }
}

/// A `Content-Disposition` for a download: the name's ASCII letters as `filename`, the
/// whole name percent-encoded as `filename*` (RFC 5987), nothing that could end the
/// header's value.
pub fn content_disposition(name: &str) -> String {
    let name = clean_file_name(name);
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut enc = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            enc.push(b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{enc}")
}

#[cfg(test)]
mod tests {
    use super::*;

    // ---- training 2 ----
    #[test]
    fn r1_7_a_document_is_retired_with_a_reason() {
        let long = "理".repeat(REASON_MAX + 1);
        let table = [
            ("a reason", "2027版已替代", Some("2027版已替代")),
            ("trimmed", "  作废  ", Some("作废")),
            ("blank", "   ", None),
            ("too long", long.as_str(), None),
        ];
        for (case, reason, want) in table {
            match (retire_reason(reason), want) {
                (Ok(r), Some(w)) => assert_eq!(r, w, "{case}"),
                (Err(Error::Validation(f)), None) => {
                    assert!(f.get("reason").is_some(), "{case}")
                }
                (got, _) => panic!("{case}: {got:?}"),
            }
        }
    }
    // ---- end training 2 ----

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn v(n: i64, effective: &str) -> DocVersion {
        DocVersion {
            document_id: DocumentId(1),
            n,
            label: format!("A/{n}"),
            effective_on: d(effective),
            file_id: FileId(n),
            file_name: "m.pdf".into(),
            content_type: "application/pdf".into(),
            size: 1,
            published_by: UserId(1),
            published_by_name: "x".into(),
            published_at: Utc::now(),
        }
    }

    #[test]
    fn current_version_is_the_latest_effective_on_or_before_the_date() {
        let versions = [
            v(1, "2025-01-01"),
            v(2, "2026-06-01"),
            v(3, "2027-01-01"),
            // Published later with an earlier effective date: a correction of 2025's.
            v(4, "2025-03-01"),
            v(5, "2026-06-01"),
        ];
        // (case, date, current version n)
        let table = [
            ("before the first", "2024-12-31", None),
            ("the first's effective day", "2025-01-01", Some(1)),
            ("a correction effective later", "2025-06-01", Some(4)),
            (
                "two effective the same day: the later published",
                "2026-06-01",
                Some(5),
            ),
            ("a future version is not yet current", "2026-12-31", Some(5)),
            ("the future version's day", "2027-01-01", Some(3)),
        ];
        for (case, on, want) in table {
            assert_eq!(current_on(&versions, d(on)).map(|v| v.n), want, "{case}");
        }
        assert_eq!(current_on(&[], d("2026-01-01")), None);
    }

    #[test]
    fn a_document_file_is_checked_by_its_bytes_not_only_its_name() {
        let pdf = b"%PDF-1.7\n...".to_vec();
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0].to_vec();
        let docx = b"PK\x03\x04rest".to_vec();
        // (case, name, bytes, accepted content type)
        let table: [(&str, &str, Vec<u8>, Option<&str>); 7] = [
            ("a pdf", "手册.pdf", pdf.clone(), Some("application/pdf")),
            ("a png", "photo.PNG", png.clone(), Some("image/png")),
            (
                "a word file",
                "spec.docx",
                docx.clone(),
                Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ),
            ("a script named pdf", "x.pdf", b"#!/bin/sh".to_vec(), None),
            ("a pdf named exe", "x.exe", pdf.clone(), None),
            ("empty", "x.pdf", vec![], None),
            (
                "too large",
                "x.pdf",
                [b"%PDF-".to_vec(), vec![0; MAX_DOCUMENT_BYTES]].concat(),
                None,
            ),
        ];
        for (case, name, bytes, want) in table {
            assert_eq!(check_file(name, &bytes).ok().map(|r| r.1), want, "{case}");
        }
    }

    #[test]
    fn a_download_name_cannot_break_the_header() {
        let h = content_disposition("../a\"b;\r\n手册.pdf");
        assert!(!h.contains('\r') && !h.contains('\n'));
        assert_eq!(
            h,
            "attachment; filename=\"ab__.pdf\"; filename*=UTF-8''ab%E6%89%8B%E5%86%8C.pdf"
        );
    }

    #[test]
    fn a_product_manual_names_its_model() {
        let i = DocumentInput {
            kind: "product_manual".into(),
            code: "SM-KYN28".into(),
            title: "KYN28 使用说明书".into(),
            model_code: None,
        };
        match NewDocument::parse(&i, UserId(1), Utc::now()) {
            Err(Error::Validation(f)) => assert!(f.get("model_code").is_some()),
            other => panic!("{other:?}"),
        }
        let bad = DocumentInput {
            kind: "poster".into(),
            code: "A B".into(),
            title: "".into(),
            model_code: None,
        };
        match NewDocument::parse(&bad, UserId(1), Utc::now()) {
            Err(Error::Validation(f)) => {
                for field in ["kind", "code", "title"] {
                    assert!(f.get(field).is_some(), "{field}");
                }
            }
            other => panic!("{other:?}"),
        }
    }
}
