//! The installed base's pages (R2, R3.8): the unit list and form, a unit's page with its
//! coverage today and its whole history, its printable label with a QR code, the label
//! sheets, a customer's sites, and the product models with their warranty policies.

use super::view::{Choice, ErrorSummary, FormField, Messages, RegionBadge, clip};
use super::{
    Layout, QueryParams, WebError, WebForm, WebResult, WebUser, render, render_with, see_other,
    url_with,
};
use crate::app;
use crate::app::AppState;
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sanbao_domain::coverage::{Coverage, CoverageKind};
use sanbao_domain::customer::CustomerFilter;
use sanbao_domain::product::{ModelInput, PolicyInput};
use sanbao_domain::site::SiteInput;
use sanbao_domain::unit::{Unit, UnitFilter, UnitInput, UnitSummary};
use sanbao_domain::{CustomerId, Error, FieldErrors, Permission, UnitId};

/// `/units…`, `/product-models…` and the sites of a customer.
pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/units", get(list).post(create))
        .route("/units/new", get(new_form))
        .route("/units/labels", get(labels))
        .route("/units/{id}", get(detail))
        .route("/units/{id}/label.svg", get(label_svg))
        .route("/product-models", get(models_page).post(create_model))
        .route("/product-models/policies", post(create_policy))
        .route("/customers/{id}/sites", post(create_site))
}

/// Units per page.
const PAGE: i64 = 25;
/// Labels on one sheet request at most.
const LABELS_MAX: usize = 200;

pub fn unit_id(s: &str) -> WebResult<UnitId> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(UnitId)
        .ok_or_else(|| WebError::not_found("unit"))
}

fn date_text(d: Option<chrono::NaiveDate>, lang: Lang) -> String {
    d.map_or_else(|| lang.t("common.none").to_string(), |d| d.to_string())
}

/// The words of a coverage kind.
pub fn coverage_label(lang: Lang, k: CoverageKind) -> &'static str {
    match k {
        CoverageKind::Warranty => lang.t("unit.coverage.warranty"),
        CoverageKind::FreeRepair => lang.t("unit.coverage.free_repair"),
        CoverageKind::Paid => lang.t("unit.coverage.paid"),
    }
}

/// A coverage as a page shows it: its kind in large words (and colour), the sentence
/// explaining it, both end dates.
pub struct CoverageView {
    /// `warranty`, `free_repair`, `paid`: also the CSS class.
    pub kind: &'static str,
    pub label: String,
    pub reason: String,
    pub on: String,
    pub warranty_ends: String,
    pub free_repair_ends: String,
}

impl CoverageView {
    pub fn new(lang: Lang, c: &Coverage) -> Self {
        CoverageView {
            kind: c.coverage.as_str(),
            label: coverage_label(lang, c.coverage).to_string(),
            reason: lang.coverage_reason(c),
            on: c.on.to_string(),
            warranty_ends: date_text(c.warranty_ends_on, lang),
            free_repair_ends: c.free_repair_ends_on.map_or_else(
                || {
                    if c.warranty_ends_on.is_some() {
                        lang.t("unit.free_for_life").to_string()
                    } else {
                        lang.t("common.none").to_string()
                    }
                },
                |d| d.to_string(),
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The list.

struct UnitLine {
    href: String,
    model_code: String,
    serial_no: String,
    customer_name: String,
    customer_href: String,
    site_address: String,
    badge: RegionBadge,
    commissioned: String,
}

impl UnitLine {
    fn new(lang: Lang, u: UnitSummary) -> Self {
        UnitLine {
            href: format!("/units/{}", u.id),
            customer_href: format!("/customers/{}", u.customer_id),
            badge: RegionBadge::new(lang, u.site_region, false),
            commissioned: date_text(u.dates.commissioned_on, lang),
            model_code: u.model_code,
            serial_no: u.serial_no,
            customer_name: u.customer_name,
            site_address: u.site_address,
        }
    }
}

#[derive(Template)]
#[template(path = "units_list.html")]
struct ListPage {
    l: Layout,
    q: String,
    rows: Vec<UnitLine>,
    next_href: Option<String>,
    first_href: Option<String>,
    labels_href: Option<String>,
    may_edit: bool,
    /// Downloads of every unit the filters match.
    export_csv_href: String,
    export_xlsx_href: String,
}

/// `GET /units?q=&cursor=`
pub async fn list(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let q = p.text("q");
    let cursor = p.filled("cursor").and_then(|c| c.parse::<i64>().ok());
    let filter = UnitFilter {
        q: Some(q.clone()).filter(|s| !s.trim().is_empty()),
        ..UnitFilter::default()
    };
    let mut rows = app::units::units(&state, &u.user, &filter, PAGE + 1, cursor).await?;
    let more = rows.len() > PAGE as usize;
    rows.truncate(PAGE as usize);
    let next_href = more
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten()
        .map(|c| url_with("/units", &[("q", &q), ("cursor", &c)]));
    let first_href = cursor.map(|_| url_with("/units", &[("q", &q)]));
    let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
    let labels_href =
        (!ids.is_empty()).then(|| url_with("/units/labels", &[("ids", &ids.join(","))]));
    let export_csv_href = url_with("/units/export", &[("format", "csv"), ("q", &q)]);
    let export_xlsx_href = url_with("/units/export", &[("format", "xlsx"), ("q", &q)]);
    render(&ListPage {
        l: u.layout("units", u.t("units.title")),
        export_csv_href,
        export_xlsx_href,
        rows: rows.into_iter().map(|r| UnitLine::new(u.lang, r)).collect(),
        q,
        next_href,
        first_href,
        labels_href,
        may_edit: u.may(Permission::EditInstalledBase),
    })
}

// ---------------------------------------------------------------------------------------
// The form.

#[derive(Default)]
struct UnitForm {
    cq: String,
    customer_id: String,
    model_code: String,
    serial_no: String,
    site_address: String,
    shipped_on: String,
    accepted_on: String,
    commissioned_on: String,
    notes: String,
}

impl UnitForm {
    fn read(p: &super::extract::Pairs) -> Self {
        UnitForm {
            cq: p.text("cq"),
            customer_id: p.text("customer_id"),
            model_code: p.text("model_code"),
            serial_no: p.text("serial_no"),
            site_address: p.text("site_address"),
            shipped_on: p.text("shipped_on"),
            accepted_on: p.text("accepted_on"),
            commissioned_on: p.text("commissioned_on"),
            notes: p.text("notes"),
        }
    }

    fn customer(&self) -> Option<CustomerId> {
        self.customer_id
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(CustomerId)
    }

    fn input(&self) -> UnitInput {
        let opt = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
        UnitInput {
            customer_id: self.customer(),
            model_code: self.model_code.clone(),
            serial_no: self.serial_no.clone(),
            site_id: None,
            site_address: opt(&self.site_address),
            shipped_on: opt(&self.shipped_on),
            accepted_on: opt(&self.accepted_on),
            commissioned_on: opt(&self.commissioned_on),
            notes: opt(&self.notes),
        }
    }
}

struct PickedCustomer {
    id: i64,
    name: String,
    address: String,
}

#[derive(Template)]
#[template(path = "units_form.html")]
struct FormPage {
    l: Layout,
    f: UnitForm,
    picked: Option<PickedCustomer>,
    matches: Vec<Choice>,
    searched: bool,
    models: Vec<Choice>,
    /// The three dates: field name, label, value as typed.
    dates: Vec<(&'static str, String, String)>,
    errors: Messages,
    form_errors: ErrorSummary,
}

fn unit_form_fields(u: &WebUser, picked: bool) -> Vec<FormField> {
    vec![
        FormField::new(
            "customer_id",
            if picked { "" } else { "cq" },
            u.t("unit.customer"),
        ),
        FormField::new("model_code", "model_code", u.t("unit.model")),
        FormField::new("serial_no", "serial_no", u.t("unit.serial_no")),
        FormField::new("site_address", "site_address", u.t("unit.site_address")),
        FormField::new("shipped_on", "shipped_on", u.t("unit.shipped_on")),
        FormField::new("accepted_on", "accepted_on", u.t("unit.accepted_on")),
        FormField::new(
            "commissioned_on",
            "commissioned_on",
            u.t("unit.commissioned_on"),
        ),
        FormField::new("notes", "notes", u.t("unit.notes")),
    ]
}

async fn form_page(
    state: &AppState,
    u: &WebUser,
    f: UnitForm,
    errors: &FieldErrors,
) -> WebResult<FormPage> {
    let picked = match f.customer() {
        Some(id) => match app::customers::customer(state, &u.user, id).await {
            Ok(c) => Some(PickedCustomer {
                id: c.id.0,
                name: c.fields.name,
                address: c.fields.address,
            }),
            Err(Error::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let searched = picked.is_none() && !f.cq.trim().is_empty();
    let matches = if searched {
        let filter = CustomerFilter {
            q: Some(f.cq.trim().to_string()),
            ..CustomerFilter::default()
        };
        app::customers::customers(state, &u.user, &filter, 20, None)
            .await?
            .into_iter()
            .map(|c| {
                Choice::new(
                    c.id.0.to_string(),
                    format!("{} · {}", c.name, c.address),
                    "",
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut models = vec![Choice::new("", u.t("unit.model_pick"), &f.model_code)];
    models.extend(
        app::units::models(state, &u.user)
            .await?
            .into_iter()
            .map(|m| {
                let label = format!("{} · {}", m.fields.code, m.fields.name);
                Choice::new(m.fields.code, label, &f.model_code.trim().to_uppercase())
            }),
    );
    let messages = Messages::new(u.lang, errors);
    let form_errors = ErrorSummary::new(
        u.lang,
        &messages,
        &unit_form_fields(u, picked.is_some()),
        None,
    );
    let dates = vec![
        (
            "shipped_on",
            u.t("unit.shipped_on").to_string(),
            f.shipped_on.clone(),
        ),
        (
            "accepted_on",
            u.t("unit.accepted_on").to_string(),
            f.accepted_on.clone(),
        ),
        (
            "commissioned_on",
            u.t("unit.commissioned_on").to_string(),
            f.commissioned_on.clone(),
        ),
    ];
    Ok(FormPage {
        l: u.layout("units", u.t("unit.new_title")),
        dates,
        f,
        picked,
        matches,
        searched,
        models,
        errors: messages,
        form_errors,
    })
}

/// `GET /units/new?customer_id=`
pub async fn new_form(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    app::require(&u.user, Permission::EditInstalledBase)?;
    let f = UnitForm {
        customer_id: p.text("customer_id"),
        ..UnitForm::default()
    };
    render(&form_page(&state, &u, f, &FieldErrors::new()).await?)
}

/// `POST /units`: record the unit and go to its page; or, for `intent=search` (finding
/// the customer without script) or bad input, the form again with what was typed.
pub async fn create(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    app::require(&u.user, Permission::EditInstalledBase)?;
    let mut f = UnitForm::read(&form);
    match form.get("intent") {
        Some("search") => {
            f.customer_id.clear();
            return render(&form_page(&state, &u, f, &FieldErrors::new()).await?);
        }
        Some("change_customer") => {
            f.customer_id.clear();
            return render(&form_page(&state, &u, f, &FieldErrors::new()).await?);
        }
        _ => {}
    }
    match app::units::create_unit(&state, &u.user, &f.input(), state.now()).await {
        Ok(unit) => Ok(see_other(&format!("/units/{}?saved=1", unit.id))),
        Err(Error::Validation(errs)) => {
            let page = form_page(&state, &u, f, &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// A unit's page.

#[derive(Template)]
#[template(path = "units_detail.html")]
struct DetailPage {
    l: Layout,
    id: i64,
    customer_id: i64,
    model_code: String,
    model_name: String,
    serial_no: String,
    customer_name: String,
    customer_href: String,
    site_name: Option<String>,
    site_address: String,
    badge: RegionBadge,
    contact: String,
    phone: String,
    tel: String,
    coverage: CoverageView,
    shipped_on: String,
    accepted_on: String,
    commissioned_on: String,
    delivery: Option<String>,
    /// Deliveries are the salespeople's and the desk's: others see the number only.
    may_open_delivery: bool,
    notes: Option<String>,
    /// The latest entries of its life story.
    history: Vec<super::life::LifeLine>,
    saved: bool,
    may_open: bool,
    may_return: bool,
    // ---- parts field ----
    /// Parts fitted and faulty parts removed, from the parts ledger.
    parts: Vec<UnitPart>,
    // ---- end parts field ----
}

// ---- parts field ----
pub(crate) struct UnitPart {
    at: String,
    fitted: bool,
    part: String,
    quantity: i64,
    serial: String,
    faulty_serial: String,
    job_href: Option<String>,
    job: String,
    reversed: bool,
}

async fn unit_parts(state: &AppState, u: &WebUser, id: UnitId) -> WebResult<Vec<UnitPart>> {
    use sanbao_domain::parts::MoveKind;
    Ok(app::parts::unit_parts(state, &u.user, id)
        .await?
        .into_iter()
        .map(|m| UnitPart {
            at: super::view::full_time(m.mv.m.at),
            fitted: m.mv.m.kind == MoveKind::Use,
            part: format!("{} {}", m.part_code, m.part_name),
            quantity: m.mv.m.quantity,
            serial: m.mv.m.serial.clone().unwrap_or_default(),
            faulty_serial: m.mv.m.faulty_serial.clone().unwrap_or_default(),
            job_href: m.mv.m.job_id.map(|j| format!("/field/jobs/{}/parts", j.0)),
            job: m
                .mv
                .m
                .job_id
                .map(|j| format!("#{}", j.0))
                .unwrap_or_default(),
            reversed: m.reversed_by.is_some(),
        })
        .collect())
}
// ---- end parts field ----

/// Entries of a unit's story its page shows; the rest is one click away.
const RECENT: usize = 8;

/// The latest `n` entries of a unit's life story, in words, newest first.
pub async fn recent_story(
    state: &AppState,
    u: &WebUser,
    id: UnitId,
    n: usize,
) -> WebResult<Vec<super::life::LifeLine>> {
    let filter = sanbao_domain::life::LifeFilter::default();
    let (_, story) = app::life::unit_story(state, &u.user, id, &filter).await?;
    let mut lines = super::life::lines(u.lang, &story, false);
    lines.truncate(n);
    Ok(lines)
}

/// `GET /units/{id}`
pub async fn detail(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let id = unit_id(&id)?;
    let (unit, coverage) = app::units::coverage(&state, &u.user, id, None, state.now()).await?;
    let history = recent_story(&state, &u, id, RECENT).await?;
    let lang = u.lang;
    let none = || lang.t("common.none").to_string();
    let parts = unit_parts(&state, &u, id).await?;
    render(&DetailPage {
        parts,
        l: u.layout("units", format!("{} {}", unit.model_code, unit.serial_no)),
        id: unit.id.0,
        customer_id: unit.customer_id.0,
        coverage: CoverageView::new(lang, &coverage),
        badge: RegionBadge::new(lang, unit.site_region, false),
        customer_href: format!("/customers/{}", unit.customer_id),
        contact: unit.site_contact_name.clone().unwrap_or_else(none),
        tel: tel(unit.site_contact_phone.as_deref().unwrap_or_default()),
        phone: unit.site_contact_phone.clone().unwrap_or_default(),
        shipped_on: date_text(unit.dates.shipped_on, lang),
        accepted_on: date_text(unit.dates.accepted_on, lang),
        commissioned_on: date_text(unit.dates.commissioned_on, lang),
        delivery: unit.delivery_id.map(|d| d.to_string()),
        may_open_delivery: u.may(Permission::TrackDeliveries),
        history,
        saved: p.get("saved").is_some(),
        may_open: u.may(Permission::OpenTickets),
        may_return: u.may(Permission::RequestReturns),
        model_code: unit.model_code,
        model_name: unit.model_name,
        serial_no: unit.serial_no,
        customer_name: unit.customer_name,
        site_name: unit.site_name,
        site_address: unit.site_address,
        notes: unit.notes,
    })
}

// ---------------------------------------------------------------------------------------
// Labels.

/// The address the pages are reached at, as this request reached them: the `Host` header
/// the browser sent, `https` when the cookies are marked secure (served behind HTTPS).
pub(crate) fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// A QR code as an SVG path in module units (one unit per module), and its width in
/// modules: the label places and scales it.
fn qr_path(url: &str) -> WebResult<(String, usize)> {
    let code = qrcode::QrCode::with_error_correction_level(url, qrcode::EcLevel::M)
        .map_err(|e| WebError::internal(format!("qr code: {e}")))?;
    let width = code.width();
    let mut d = String::new();
    for (i, c) in code.to_colors().into_iter().enumerate() {
        if c == qrcode::Color::Dark {
            d.push_str(&format!("M{} {}h1v1h-1z", i % width, i / width));
        }
    }
    Ok((d, width))
}

/// What a label shows.
pub struct Label {
    pub model: String,
    pub model_name: String,
    pub serial_no: String,
    pub customer: String,
    pub site: String,
    pub url: String,
    /// The QR code's path, in modules, and its width in modules.
    pub qr: String,
    pub qr_width: usize,
}

impl Label {
    fn new(unit: &Unit, base: &str) -> WebResult<Label> {
        let url = format!("{base}/units/{}", unit.id);
        let (qr, qr_width) = qr_path(&url)?;
        Ok(Label {
            qr,
            qr_width,
            model: clip(&unit.model_code, 16),
            model_name: clip(&unit.model_name, 11),
            serial_no: clip(&unit.serial_no, 18),
            customer: clip(&unit.customer_name, 11),
            site: match &unit.site_name {
                Some(name) => clip(name, 11),
                None => clip_start(&unit.site_address, 11),
            },
            url,
        })
    }
}

/// The last `n` characters, with "…" before when cut: an address's end (street, building)
/// is what tells sites apart.
fn clip_start(s: &str, n: usize) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    if chars.len() <= n {
        chars.into_iter().collect()
    } else {
        let mut t = String::from("…");
        t.extend(&chars[chars.len() - n..]);
        t
    }
}

/// A label of about 70 × 40 mm as an SVG document.
#[derive(Template)]
#[template(path = "units_label.svg.html")]
struct LabelSvg<'a> {
    l: &'a Label,
    lang: Lang,
}

/// `GET /units/{id}/label.svg`
pub async fn label_svg(
    State(state): State<AppState>,
    u: WebUser,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = unit_id(&id)?;
    let unit = app::units::unit(&state, &u.user, id).await?;
    let label = Label::new(&unit, &base_url(&state, &headers))?;
    let svg = LabelSvg {
        l: &label,
        lang: u.lang,
    }
    .render()
    .map_err(|e| WebError::internal(format!("template: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "units_labels.html")]
struct LabelsPage {
    l: Layout,
    labels: Vec<String>,
    back_href: String,
}

/// An A4 sheet of labels for `units` (a delivery's, a chosen few), each as its SVG.
pub fn labels_page(
    u: &WebUser,
    base: &str,
    units: &[Unit],
    back_href: String,
) -> WebResult<Response> {
    let labels = units
        .iter()
        .map(|unit| {
            let label = Label::new(unit, base)?;
            LabelSvg {
                l: &label,
                lang: u.lang,
            }
            .render()
            .map_err(|e| WebError::internal(format!("template: {e}")))
        })
        .collect::<WebResult<Vec<String>>>()?;
    render(&LabelsPage {
        l: u.layout("units", u.t("units.labels_title")),
        labels,
        back_href,
    })
}

/// `GET /units/labels?ids=1,2,3`
pub async fn labels(
    State(state): State<AppState>,
    u: WebUser,
    headers: HeaderMap,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let mut units = Vec::new();
    for part in p
        .text("ids")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if units.len() >= LABELS_MAX {
            break;
        }
        let id = unit_id(part)?;
        units.push(app::units::unit(&state, &u.user, id).await?);
    }
    labels_page(
        &u,
        &base_url(&state, &headers),
        &units,
        "/units".to_string(),
    )
}

// ---------------------------------------------------------------------------------------
// A customer's sites.

#[derive(Default)]
pub struct SiteForm {
    pub name: String,
    pub address: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub region: String,
    pub region_reason: String,
}

#[derive(Template)]
#[template(path = "units_site_form.html")]
struct SiteFormPage {
    l: Layout,
    customer_id: i64,
    customer_name: String,
    f: SiteForm,
    regions: Vec<Choice>,
    may_correct: bool,
    errors: Messages,
    form_errors: ErrorSummary,
}

/// `POST /customers/{id}/sites`: add a site and go back to the customer; or the form
/// again with what was typed and the problem named.
pub async fn create_site(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = super::customers::customer_id(&id)?;
    let f = SiteForm {
        name: form.text("name"),
        address: form.text("address"),
        contact_name: form.text("contact_name"),
        contact_phone: form.text("contact_phone"),
        region: form.text("region"),
        region_reason: form.text("region_reason"),
    };
    let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let input = SiteInput {
        name: opt(&f.name),
        address: f.address.clone(),
        contact_name: opt(&f.contact_name),
        contact_phone: opt(&f.contact_phone),
    };
    let correction = (!f.region.trim().is_empty() || !f.region_reason.trim().is_empty())
        .then_some((f.region.trim(), f.region_reason.trim()));
    match app::units::create_site(&state, &u.user, id, &input, correction, state.now()).await {
        Ok(_) => Ok(see_other(&format!("/customers/{id}?site_added=1#sites"))),
        Err(Error::Validation(errs)) => {
            let c = app::customers::customer(&state, &u.user, id).await?;
            let may_correct = u.may(Permission::CorrectRegion);
            let messages = Messages::new(u.lang, &errs);
            let mut fields = vec![
                FormField::new("name", "site-name", u.t("site.name")),
                FormField::new("address", "site-address", u.t("site.address")),
                FormField::new("contact_name", "site-contact", u.t("site.contact")),
                FormField::new("contact_phone", "site-phone", u.t("site.phone")),
            ];
            if may_correct {
                fields.push(FormField::new("region", "site-region", u.t("site.region")));
                fields.push(FormField::new(
                    "region_reason",
                    "site-region-reason",
                    u.t("site.region_reason"),
                ));
            }
            let form_errors = ErrorSummary::new(u.lang, &messages, &fields, None);
            let page = SiteFormPage {
                l: u.layout("customers", u.t("site.add")),
                customer_id: id.0,
                customer_name: c.fields.name,
                regions: site_regions(u.lang, &f.region),
                f,
                may_correct,
                errors: messages,
                form_errors,
            };
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(WebError::from(e).back(format!("/customers/{id}"))),
    }
}

/// A site as a customer's page lists it.
pub struct SiteLine {
    pub name: Option<String>,
    pub address: String,
    pub badge: RegionBadge,
    pub contact: String,
    pub phone: String,
    pub tel: String,
    /// The customer's own address (its first site).
    pub first: bool,
}

/// A unit as a customer's page lists it.
pub struct CustomerUnitLine {
    pub href: String,
    pub model_code: String,
    pub serial_no: String,
    pub site_address: String,
    pub commissioned: String,
}

fn tel(phone: &str) -> String {
    phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect()
}

/// A customer's sites and units, for its page.
pub async fn customer_base(
    state: &AppState,
    u: &WebUser,
    id: CustomerId,
) -> WebResult<(Vec<SiteLine>, Vec<CustomerUnitLine>)> {
    let sites = app::units::sites(state, &u.user, id)
        .await?
        .into_iter()
        .map(|s| SiteLine {
            first: s.is_first(),
            badge: RegionBadge::new(u.lang, s.region, s.region_correction.is_some()),
            tel: tel(s.fields.contact_phone.as_deref().unwrap_or_default()),
            phone: s.fields.contact_phone.unwrap_or_default(),
            contact: s.fields.contact_name.unwrap_or_default(),
            name: s.fields.name,
            address: s.fields.address,
        })
        .collect();
    let filter = UnitFilter {
        customer_id: Some(id),
        ..UnitFilter::default()
    };
    let units = app::units::units(state, &u.user, &filter, app::MAX_LIMIT, None)
        .await?
        .into_iter()
        .map(|r| CustomerUnitLine {
            href: format!("/units/{}", r.id),
            commissioned: date_text(r.dates.commissioned_on, u.lang),
            model_code: r.model_code,
            serial_no: r.serial_no,
            site_address: r.site_address,
        })
        .collect();
    Ok((sites, units))
}

/// A ticket's place as its page shows it: the site's address, contact and phone (the
/// ticket's site, else the customer's first), the unit named (link and words) and the
/// coverage recorded on the ticket.
pub async fn ticket_place(
    state: &AppState,
    u: &WebUser,
    t: &sanbao_domain::ticket::Ticket,
) -> WebResult<(
    Option<SiteLine>,
    Option<(String, String)>,
    Option<CoverageView>,
)> {
    let site = match t.site_id {
        Some(id) => Some(app::units::site(state, &u.user, id).await?),
        None => app::units::sites(state, &u.user, t.customer_id)
            .await?
            .into_iter()
            .next(),
    };
    let place = site.map(|s| SiteLine {
        first: s.is_first(),
        badge: RegionBadge::new(u.lang, s.region, s.region_correction.is_some()),
        tel: tel(s.fields.contact_phone.as_deref().unwrap_or_default()),
        phone: s.fields.contact_phone.unwrap_or_default(),
        contact: s.fields.contact_name.unwrap_or_default(),
        name: s.fields.name,
        address: s.fields.address,
    });
    let unit_link = match t.unit_id {
        Some(id) => {
            let unit = app::units::unit(state, &u.user, id).await?;
            Some((
                format!("/units/{id}"),
                format!("{} · {}", unit.model_code, unit.serial_no),
            ))
        }
        None => None,
    };
    let coverage = t.coverage.as_ref().map(|c| CoverageView::new(u.lang, c));
    Ok((place, unit_link, coverage))
}

/// The region choices of a site's correction: derived (none chosen), or one of them.
pub fn site_regions(lang: Lang, current: &str) -> Vec<Choice> {
    let mut v = vec![Choice::new("", lang.t("site.region_derived"), current)];
    for r in sanbao_domain::Region::ALL {
        if r != sanbao_domain::Region::Unknown {
            v.push(Choice::new(
                r.as_str(),
                lang.t(&format!("region.{}", r.as_str())),
                current,
            ));
        }
    }
    v
}

// ---------------------------------------------------------------------------------------
// Product models and warranty policies.

#[derive(Default)]
struct ModelForm {
    code: String,
    name: String,
    product_line: String,
}

#[derive(Default)]
struct PolicyForm {
    product_line: String,
    effective_from: String,
    warranty_months: String,
    free_repair_months: String,
    after_free_repair: String,
}

struct ModelLine {
    code: String,
    name: String,
    product_line: String,
}

struct PolicyLine {
    product_line: String,
    effective_from: String,
    warranty_months: u32,
    free_repair_months: u32,
    after: String,
}

#[derive(Template)]
#[template(path = "units_models.html")]
struct ModelsPage {
    l: Layout,
    models: Vec<ModelLine>,
    policies: Vec<PolicyLine>,
    may_manage: bool,
    mf: ModelForm,
    pf: PolicyForm,
    after_choices: Vec<Choice>,
    model_errors: Messages,
    policy_errors: Messages,
    form_errors: ErrorSummary,
    saved: bool,
}

async fn models_view(
    state: &AppState,
    u: &WebUser,
    mf: ModelForm,
    pf: PolicyForm,
    model_errors: &FieldErrors,
    policy_errors: &FieldErrors,
    saved: bool,
) -> WebResult<ModelsPage> {
    let models = app::units::models(state, &u.user).await?;
    let policies = app::units::policies(state, &u.user).await?;
    let model_errors = Messages::new(u.lang, model_errors);
    let policy_errors = Messages::new(u.lang, policy_errors);
    let form_errors = if model_errors.is_empty() {
        ErrorSummary::new(
            u.lang,
            &policy_errors,
            &[
                FormField::new("product_line", "p-line", u.t("model.product_line")),
                FormField::new("effective_from", "p-from", u.t("model.effective_from")),
                FormField::new(
                    "warranty_months",
                    "p-warranty",
                    u.t("model.warranty_months"),
                ),
                FormField::new(
                    "free_repair_months",
                    "p-free",
                    u.t("model.free_repair_months"),
                ),
                FormField::new(
                    "after_free_repair",
                    "p-after",
                    u.t("model.after_free_repair"),
                ),
            ],
            None,
        )
    } else {
        ErrorSummary::new(
            u.lang,
            &model_errors,
            &[
                FormField::new("code", "m-code", u.t("model.code")),
                FormField::new("name", "m-name", u.t("model.name")),
                FormField::new("product_line", "m-line", u.t("model.product_line")),
            ],
            None,
        )
    };
    let after_label = |s: &str| match s {
        "free" => u.t("model.after.free"),
        _ => u.t("model.after.paid"),
    };
    Ok(ModelsPage {
        l: u.layout("models", u.t("models.title")),
        models: models
            .into_iter()
            .map(|m| ModelLine {
                code: m.fields.code,
                name: m.fields.name,
                product_line: m.fields.product_line,
            })
            .collect(),
        policies: policies
            .into_iter()
            .map(|p| PolicyLine {
                after: after_label(p.after_free_repair.as_str()).to_string(),
                product_line: p.product_line,
                effective_from: p.effective_from.to_string(),
                warranty_months: p.warranty_months,
                free_repair_months: p.free_repair_months,
            })
            .collect(),
        may_manage: u.may(Permission::ManageProducts),
        after_choices: vec![
            Choice::new("paid", u.t("model.after.paid"), &pf.after_free_repair),
            Choice::new("free", u.t("model.after.free"), &pf.after_free_repair),
        ],
        mf,
        pf,
        model_errors,
        policy_errors,
        form_errors,
        saved,
    })
}

/// `GET /product-models`
pub async fn models_page(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let pf = PolicyForm {
        warranty_months: "24".into(),
        free_repair_months: "36".into(),
        after_free_repair: "paid".into(),
        ..PolicyForm::default()
    };
    let none = FieldErrors::new();
    let page = models_view(
        &state,
        &u,
        ModelForm::default(),
        pf,
        &none,
        &none,
        p.get("saved").is_some(),
    )
    .await?;
    render(&page)
}

/// `POST /product-models`: add a model.
pub async fn create_model(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let mf = ModelForm {
        code: form.text("code"),
        name: form.text("name"),
        product_line: form.text("product_line"),
    };
    let input = ModelInput {
        code: mf.code.clone(),
        name: mf.name.clone(),
        product_line: mf.product_line.clone(),
    };
    match app::units::create_model(&state, &u.user, &input, state.now()).await {
        Ok(_) => Ok(see_other("/product-models?saved=1")),
        Err(Error::Validation(errs)) => {
            let pf = PolicyForm::default();
            let page = models_view(&state, &u, mf, pf, &errs, &FieldErrors::new(), false).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(WebError::from(e).back("/product-models".to_string())),
    }
}

/// `POST /product-models/policies`: add a policy version.
pub async fn create_policy(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let pf = PolicyForm {
        product_line: form.text("product_line"),
        effective_from: form.text("effective_from"),
        warranty_months: form.text("warranty_months"),
        free_repair_months: form.text("free_repair_months"),
        after_free_repair: form.text("after_free_repair"),
    };
    let mut errs = FieldErrors::new();
    let mut months = |field: &str, v: &str| -> Option<i64> {
        match v.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errs.add(
                        field,
                        sanbao_domain::Problem::invalid("a whole number of months"),
                    );
                    None
                }
            },
        }
    };
    let input = PolicyInput {
        product_line: pf.product_line.clone(),
        effective_from: pf.effective_from.clone(),
        warranty_months: months("warranty_months", &pf.warranty_months),
        free_repair_months: months("free_repair_months", &pf.free_repair_months),
        after_free_repair: Some(pf.after_free_repair.clone()).filter(|s| !s.is_empty()),
    };
    let result = if errs.is_empty() {
        app::units::create_policy(&state, &u.user, &input, state.now()).await
    } else {
        app::require(&u.user, Permission::ManageProducts).and(Err(Error::Validation(errs)))
    };
    match result {
        Ok(_) => Ok(see_other("/product-models?saved=1")),
        Err(Error::Validation(errs)) => {
            let page = models_view(
                &state,
                &u,
                ModelForm::default(),
                pf,
                &FieldErrors::new(),
                &errs,
                false,
            )
            .await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(WebError::from(e).back("/product-models".to_string())),
    }
}
