//! The import page for the service manager (R5.2): choose what the file holds, upload it,
//! see the first rows and every problem, then confirm. Nothing is written before the
//! confirmation; a file is imported once however often it is confirmed.

use super::view::{ErrorSummary, FormField, Messages};
use super::{Layout, WebError, WebForm, WebResult, WebUser, render, render_with};
use crate::app;
use crate::app::AppState;
use crate::app::imports::{Imported, Staged};
use crate::archive::{Field, ImportKind};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sanbao_domain::{Error, FieldErrors, Permission, Problem};

/// The largest file the page takes (the reader's own limit), with room for the form.
const UPLOAD_LIMIT: usize = 50 * 1024 * 1024 + 64 * 1024;
/// Problems listed on the preview and the result; the count says how many more.
const PROBLEMS_SHOWN: usize = 200;

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/imports",
            get(form)
                .post(upload)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/imports/template", get(template))
        .route("/imports/{id}/confirm", post(confirm))
}

/// A kind of file as the page offers it, with the columns it reads.
struct KindChoice {
    value: &'static str,
    label: String,
    checked: bool,
    columns: Vec<ColumnHelp>,
}

struct ColumnHelp {
    header: &'static str,
    required: bool,
}

fn kinds(lang: Lang, current: ImportKind) -> Vec<KindChoice> {
    ImportKind::ALL
        .iter()
        .map(|k| KindChoice {
            value: k.as_str(),
            label: lang.t(kind_key(*k)).to_string(),
            checked: *k == current,
            columns: k
                .fields()
                .map(|f| ColumnHelp {
                    header: f.header_zh(),
                    required: k.required().contains(&f),
                })
                .collect(),
        })
        .collect()
}

fn kind_key(k: ImportKind) -> &'static str {
    match k {
        ImportKind::Models => "import.kind.models",
        ImportKind::Customers => "import.kind.customers",
        ImportKind::Units => "import.kind.units",
    }
}

#[derive(Template)]
#[template(path = "imports_form.html")]
struct FormPage {
    l: Layout,
    kinds: Vec<KindChoice>,
    errors: Messages,
    form_errors: ErrorSummary,
}

fn form_page(u: &WebUser, kind: ImportKind, errors: &FieldErrors) -> FormPage {
    let messages = file_messages(u.lang, errors);
    let fields = [
        FormField::new("kind", "kind-units", u.t("import.what")),
        FormField::new("file", "file", u.t("import.file")),
    ];
    FormPage {
        l: u.layout("imports", u.t("import.title")),
        kinds: kinds(u.lang, kind),
        form_errors: ErrorSummary::new(u.lang, &messages, &fields, None),
        errors: messages,
    }
}

/// The file's problems in words: the reader's own (`import.error.CODE`) or a form one.
fn file_messages(lang: Lang, errors: &FieldErrors) -> Messages {
    Messages(
        errors
            .0
            .iter()
            .map(|(field, p)| {
                let key = format!("import.error.{}", p.code);
                // The reader's reason names what it found (the columns missing, the size).
                let text = if field == "file" && Lang::has(&key) {
                    format!("{} — {}", lang.t(&key), p.message)
                } else {
                    lang.problem(p.code, field)
                };
                (field.clone(), text)
            })
            .collect(),
    )
}

/// `GET /imports`
pub async fn form(u: WebUser) -> WebResult<Response> {
    if !u.may(Permission::ImportArchive) {
        return Err(WebError::from(Error::Forbidden));
    }
    render(&form_page(&u, ImportKind::Units, &FieldErrors::new()))
}

#[derive(Template)]
#[template(path = "imports_preview.html")]
struct PreviewPage {
    l: Layout,
    upload_id: i64,
    file_name: String,
    format: String,
    kind_label: String,
    headers: Vec<&'static str>,
    rows: Vec<(u32, Vec<String>)>,
    total: usize,
    added: usize,
    unchanged: usize,
    rejected_rows: usize,
    problems: Vec<ProblemLine>,
    more_label: Option<String>,
    confirm_label: String,
    warnings: Vec<String>,
}

/// One problem of one row, in words.
struct ProblemLine {
    row: u32,
    column: String,
    message: String,
    /// The cell as read.
    value: String,
    /// The reason in English, naming the record a row disagrees with (English pages).
    detail: String,
}

fn problem_line(
    lang: Lang,
    row: u32,
    field: Option<Field>,
    code: &str,
    reason: &str,
    value: &str,
) -> ProblemLine {
    let column = field.map_or("", Field::header_zh).to_string();
    let key = format!("import.code.{code}");
    let message = if Lang::has(&key) {
        lang.t(&key).to_string()
    } else {
        lang.problem(code, field.map_or("", Field::as_str))
    };
    ProblemLine {
        row,
        column,
        message,
        value: value.to_string(),
        detail: if lang == Lang::En {
            reason.to_string()
        } else {
            String::new()
        },
    }
}

/// `POST /imports` (multipart: `_csrf`, `kind`, `file`): read and check the file, keep it,
/// and show what importing it would do.
pub async fn upload(
    State(state): State<AppState>,
    u: WebUser,
    mut multipart: Multipart,
) -> WebResult<Response> {
    let mut csrf = String::new();
    let mut kind = None;
    let mut kind_text = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut errs = FieldErrors::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                tracing::info!(error = %e, "import upload unreadable");
                errs.add("file", Problem::new("too_large", e.body_text()));
                break;
            }
        };
        match field.name().unwrap_or_default() {
            "_csrf" => csrf = field.text().await.unwrap_or_default(),
            "kind" => {
                kind_text = field.text().await.unwrap_or_default();
                kind = kind_text.parse::<ImportKind>().ok();
            }
            "file" => {
                let name = field.file_name().unwrap_or_default().to_string();
                match field.bytes().await {
                    Ok(b) if !b.is_empty() => file = Some((name, b.to_vec())),
                    Ok(_) => {}
                    Err(e) => {
                        tracing::info!(error = %e, "import upload cut short");
                        errs.add("file", Problem::new("too_large", e.body_text()));
                    }
                }
            }
            _ => {}
        }
    }
    if !crate::app::sessions::same_token(&csrf, &u.csrf) {
        tracing::warn!(
            user_id = u.user.id.0,
            "upload refused: CSRF token missing or wrong"
        );
        return Err(WebError::csrf());
    }
    if !u.may(Permission::ImportArchive) {
        return Err(WebError::from(Error::Forbidden));
    }
    if kind.is_none() {
        errs.add("kind", Problem::required());
    }
    if file.is_none() && errs.get("file").is_none() {
        errs.add("file", Problem::required());
    }
    let (Some(kind), Some((name, bytes))) = (kind, file) else {
        let shown = kind_text.parse().unwrap_or(ImportKind::Units);
        return render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&u, shown, &errs),
        );
    };
    match app::imports::stage(&state, &u.user, kind, &name, bytes, state.now()).await {
        Ok(staged) => render(&preview_page(&u, kind, staged)),
        Err(Error::Validation(errs)) => render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&u, kind, &errs),
        ),
        Err(e) => Err(e.into()),
    }
}

fn preview_page(u: &WebUser, kind: ImportKind, s: Staged) -> PreviewPage {
    let rejected_rows = s.report.rejected_rows();
    let more = s.report.rejected.len().saturating_sub(PROBLEMS_SHOWN);
    PreviewPage {
        more_label: more_label(u.lang, more),
        confirm_label: u.lang.f("import.confirm", &[("n", &s.report.added)]),
        l: u.layout("imports", u.t("import.preview_title")),
        upload_id: s.upload_id,
        file_name: s.file_name,
        format: s.format,
        kind_label: u.t(kind_key(kind)).to_string(),
        headers: s.fields.iter().map(|f| f.header_zh()).collect(),
        rows: s.preview,
        total: s.report.rows,
        added: s.report.added,
        unchanged: s.report.unchanged,
        rejected_rows,
        problems: s
            .report
            .rejected
            .iter()
            .take(PROBLEMS_SHOWN)
            .map(|r| problem_line(u.lang, r.row, Some(r.field), &r.code, &r.reason, &r.value))
            .collect(),
        warnings: s.report.warnings,
    }
}

#[derive(Template)]
#[template(path = "imports_done.html")]
struct DonePage {
    l: Layout,
    file_name: String,
    kind_label: String,
    list_href: &'static str,
    total: usize,
    added: usize,
    unchanged: usize,
    rejected_rows: usize,
    problems: Vec<ProblemLine>,
    more_label: Option<String>,
    again: bool,
}

fn more_label(lang: Lang, more: usize) -> Option<String> {
    (more > 0).then(|| lang.f("import.more_problems", &[("n", &more)]))
}

/// `POST /imports/{id}/confirm`: import the file kept for the preview.
pub async fn confirm(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, .. }: WebForm,
) -> WebResult<Response> {
    let id: i64 = id.parse().map_err(|_| WebError::not_found("upload"))?;
    let done = app::imports::confirm(&state, &u.user, id, state.now()).await?;
    render(&done_page(&u, done))
}

fn done_page(u: &WebUser, d: Imported) -> DonePage {
    let rows: std::collections::BTreeSet<u32> = d.rejected.iter().map(|r| r.row).collect();
    DonePage {
        l: u.layout("imports", u.t("import.done_title")),
        kind_label: u.t(kind_key(d.kind)).to_string(),
        list_href: match d.kind {
            ImportKind::Models => "/product-models",
            ImportKind::Customers => "/customers",
            ImportKind::Units => "/units",
        },
        file_name: d.file_name,
        total: d.rows,
        added: d.added,
        unchanged: d.unchanged,
        rejected_rows: rows.len(),
        more_label: more_label(u.lang, d.rejected.len().saturating_sub(PROBLEMS_SHOWN)),
        problems: d
            .rejected
            .iter()
            .take(PROBLEMS_SHOWN)
            .map(|p| problem_line(u.lang, p.row, p.field, &p.code, &p.reason, &p.value))
            .collect(),
        again: d.again,
    }
}

/// `GET /imports/template?kind=units`: an empty workbook with the columns a file of that
/// kind is read by, to fill in.
pub async fn template(
    u: WebUser,
    super::QueryParams(p): super::QueryParams,
) -> WebResult<Response> {
    if !u.may(Permission::ImportArchive) {
        return Err(WebError::from(Error::Forbidden));
    }
    let kind: ImportKind = p
        .text("kind")
        .parse()
        .map_err(|_| WebError::not_found("template"))?;
    let headers: Vec<&str> = kind.fields().map(Field::header_zh).collect();
    let bytes =
        crate::archive::write::xlsx_named(kind.as_str(), &headers, Vec::<Vec<String>>::new())
            .map_err(|e| WebError::internal(format!("template: {e:?}")))?;
    let name = format!("sanbao-{}-template.xlsx", kind.as_str());
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
