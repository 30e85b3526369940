//! The parts desk (R1.5): the catalogue (`/parts`, searched by code, name and model, with
//! what the central store holds), a part's page (its fields on its version, its stock by
//! location and job, its ledger rows), stock per location with the list below the reorder
//! level (`/parts/stock`), the ledger with the manager's reversals (`/parts/ledger`), and
//! the store's forms: receive, correct a count, write off (the last also for a job's
//! parts still out, `?job=&part=&location=`). Money is typed in yuan and kept in fen.

use super::extract::Pairs;
use super::view::{Choice, ErrorSummary, FormField, Messages, full_time};
use super::{Layout, QueryParams, WebError, WebForm, WebResult, WebUser, render, render_with};
use super::{see_other, url_with};
use crate::app;
use crate::app::AppState;
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::parts::{
    AdjustInput, LedgerFilter, Location, LocationKind, MoveKind, MoveView, Part, PartFilter,
    PartInput, ReceiveInput, StockLine, WriteOffInput,
};
use sanbao_domain::returns::{parse_yuan, yuan};
use sanbao_domain::{Error, FieldErrors, JobId, LocationId, MoveId, PartId, Permission, Problem};
use std::collections::BTreeMap;

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/parts", get(list).post(create))
        .route("/parts/stock", get(stock))
        .route("/parts/ledger", get(ledger))
        .route("/parts/ledger/{id}/reverse", post(reverse))
        .route("/parts/receive", get(receive_form).post(receive))
        .route("/parts/adjust", get(adjust_form).post(adjust))
        .route("/parts/write-off", get(write_off_form).post(write_off))
        .route("/parts/{id}", get(detail).post(update))
}

const NAV: &str = "parts";

fn id_of(s: &str, what: &'static str) -> WebResult<i64> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| WebError::not_found(what))
}

/// A form's problems in words: the stock's own problems (not enough, not held, parts out)
/// in the desk's words, the rest as everywhere.
fn messages(lang: Lang, errs: &FieldErrors) -> Messages {
    Messages(
        errs.0
            .iter()
            .map(|(field, p)| {
                let text = match p.code {
                    "not_enough" => lang.t("parts.err.not_enough").to_string(),
                    "not_held" => lang.t("parts.err.not_held").to_string(),
                    "parts_out" => lang.t("parts.err.parts_out").to_string(),
                    code => lang.problem(code, field),
                };
                (field.clone(), text)
            })
            .collect(),
    )
}

fn kind_label(lang: Lang, k: MoveKind) -> &'static str {
    match k {
        MoveKind::Receive => lang.t("parts.kind.receive"),
        MoveKind::Issue => lang.t("parts.kind.issue"),
        MoveKind::Use => lang.t("parts.kind.use"),
        MoveKind::Return => lang.t("parts.kind.return"),
        MoveKind::FaultyReturn => lang.t("parts.kind.faulty_return"),
        MoveKind::WriteOff => lang.t("parts.kind.write_off"),
        MoveKind::Adjust => lang.t("parts.kind.adjust"),
        MoveKind::Reversal => lang.t("parts.kind.reversal"),
    }
}

fn location_label(lang: Lang, l: &Location) -> String {
    match l.kind {
        LocationKind::Store => lang.t("parts.loc.store").to_string(),
        LocationKind::Inspection => lang.t("parts.loc.inspection").to_string(),
        LocationKind::Van => lang.f("parts.loc.van", &[("name", &l.name)]),
    }
}

fn job_href(j: JobId) -> String {
    format!("/field/jobs/{j}")
}

// ---------------------------------------------------------------------------------------
// The catalogue and a part's fields.

/// A part's fields as typed (prices in yuan).
#[derive(Default)]
struct PartForm {
    code: String,
    name: String,
    unit: String,
    cost: String,
    price: String,
    serialised: bool,
    models: String,
    reorder_level: String,
    active: bool,
}

impl PartForm {
    fn blank() -> Self {
        PartForm {
            unit: "个".into(),
            reorder_level: "0".into(),
            active: true,
            ..PartForm::default()
        }
    }

    fn of(p: &Part) -> Self {
        PartForm {
            code: p.code.clone(),
            name: p.name.clone(),
            unit: p.unit.clone(),
            cost: yuan(p.unit_cost_fen),
            price: yuan(p.list_price_fen),
            serialised: p.serialised,
            models: p.models.join(", "),
            reorder_level: p.reorder_level.to_string(),
            active: p.active,
        }
    }

    fn read(f: &Pairs) -> Self {
        PartForm {
            code: f.text("code"),
            name: f.text("name"),
            unit: f.text("unit"),
            cost: f.text("cost"),
            price: f.text("price"),
            serialised: f.filled("serialised").is_some(),
            models: f.text("models"),
            reorder_level: f.text("reorder_level"),
            active: f.filled("active").is_some(),
        }
    }

    /// The domain's input, with the problems of the yuan amounts and the level as typed.
    fn input(&self) -> (PartInput, FieldErrors) {
        let mut errs = FieldErrors::new();
        let mut money = |field: &str, s: &str| match parse_yuan(s) {
            Ok(v) => Some(v),
            Err(p) => {
                errs.add(field, p);
                None
            }
        };
        let cost = money("cost", &self.cost);
        let price = money("price", &self.price);
        let level = match self.reorder_level.trim() {
            "" => Some(0),
            s => match s.parse::<i64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errs.add(
                        "reorder_level",
                        Problem::invalid("a whole number from 0 to 100,000"),
                    );
                    None
                }
            },
        };
        (
            PartInput {
                code: Some(self.code.clone()),
                name: Some(self.name.clone()),
                unit: Some(self.unit.clone()),
                unit_cost_fen: cost.or(Some(0)),
                list_price_fen: price.or(Some(0)),
                serialised: Some(self.serialised),
                models: Some(self.models.clone()),
                reorder_level: level.or(Some(0)),
                active: Some(self.active),
            },
            errs,
        )
    }
}

/// The domain's problems under the form's names (prices are typed in yuan).
fn renamed(errs: FieldErrors, mut into: FieldErrors) -> FieldErrors {
    for (k, p) in errs.0 {
        let k = match k.as_str() {
            "unit_cost_fen" => "cost".to_string(),
            "list_price_fen" => "price".to_string(),
            _ => k,
        };
        if !into.0.contains_key(&k) {
            into.add(k, p);
        }
    }
    into
}

fn part_fields(u: &WebUser) -> Vec<FormField> {
    vec![
        FormField::new("code", "code", u.t("parts.code")),
        FormField::new("name", "name", u.t("parts.name")),
        FormField::new("unit", "unit", u.t("parts.unit")),
        FormField::new("cost", "cost", u.t("parts.cost")),
        FormField::new("price", "price", u.t("parts.price")),
        FormField::new("models", "models", u.t("parts.models")),
        FormField::new("reorder_level", "reorder_level", u.t("parts.reorder_level")),
    ]
}

/// A catalogue line.
struct PartRow {
    href: String,
    code: String,
    name: String,
    unit: String,
    cost: String,
    price: String,
    serialised: bool,
    models: String,
    active: bool,
    in_store: i64,
    reorder_level: i64,
    below: bool,
}

impl PartRow {
    fn new(p: &Part, in_store: i64) -> Self {
        PartRow {
            href: format!("/parts/{}", p.id),
            code: p.code.clone(),
            name: p.name.clone(),
            unit: p.unit.clone(),
            cost: yuan(p.unit_cost_fen),
            price: yuan(p.list_price_fen),
            serialised: p.serialised,
            models: p.models.join(", "),
            active: p.active,
            in_store,
            reorder_level: p.reorder_level,
            below: p.active && p.reorder_level > 0 && in_store < p.reorder_level,
        }
    }
}

async fn store_location(state: &AppState, u: &WebUser) -> WebResult<Option<Location>> {
    Ok(app::parts::locations(state, &u.user)
        .await?
        .into_iter()
        .find(|l| l.kind == LocationKind::Store))
}

/// On hand in the central store, by part.
async fn in_store(state: &AppState, u: &WebUser) -> WebResult<BTreeMap<PartId, i64>> {
    let mut on_hand = BTreeMap::new();
    if let Some(store) = store_location(state, u).await? {
        for s in app::parts::stock_at(state, &u.user, store.id).await? {
            *on_hand.entry(s.part_id).or_insert(0) += s.on_hand;
        }
    }
    Ok(on_hand)
}

#[derive(Template)]
#[template(path = "parts_list.html")]
struct ListPage {
    l: Layout,
    q: String,
    model: String,
    inactive: bool,
    rows: Vec<PartRow>,
    may_keep_stock: bool,
    may_write_off: bool,
    f: PartForm,
    errors: Messages,
    form_errors: ErrorSummary,
    /// The add form is open (it was sent back with problems).
    adding: bool,
    saved: Option<&'static str>,
}

async fn list_page(
    state: &AppState,
    u: &WebUser,
    p: &Pairs,
    f: PartForm,
    errs: &FieldErrors,
) -> WebResult<ListPage> {
    let q = p.text("q");
    let model = p.text("model");
    let inactive = p.filled("inactive").is_some();
    let filter = PartFilter {
        q: Some(q.trim().to_string()).filter(|s| !s.is_empty()),
        model: Some(model.trim().to_string()).filter(|s| !s.is_empty()),
        include_inactive: inactive,
    };
    let parts = match app::parts::parts(state, &u.user, &filter, app::parts::LIST_MAX).await {
        Err(Error::Validation(_)) => Vec::new(),
        other => other?,
    };
    let on_hand = in_store(state, u).await?;
    let rows = parts
        .iter()
        .map(|p| PartRow::new(p, on_hand.get(&p.id).copied().unwrap_or(0)))
        .collect();
    let errors = messages(u.lang, errs);
    let form_errors = ErrorSummary::new(u.lang, &errors, &part_fields(u), None);
    Ok(ListPage {
        l: u.layout(NAV, u.t("parts.title")),
        q,
        model,
        inactive,
        rows,
        may_keep_stock: u.may(Permission::KeepStock),
        may_write_off: u.may(Permission::WriteOffParts),
        adding: !errs.0.is_empty(),
        f,
        errors,
        form_errors,
        saved: None,
    })
}

/// `GET /parts?q=&model=&inactive=1`
pub async fn list(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let mut page = list_page(&state, &u, &p, PartForm::blank(), &FieldErrors::new()).await?;
    page.saved = match p.filled("saved") {
        Some("received") => Some(u.t("parts.saved.received")),
        Some("adjusted") => Some(u.t("parts.saved.adjusted")),
        Some("written_off") => Some(u.t("parts.saved.written_off")),
        _ => None,
    };
    render(&page)
}

/// `POST /parts`: a part added; on to its page, or back with every problem named.
pub async fn create(State(state): State<AppState>, form: WebForm) -> WebResult<Response> {
    let WebForm { user: u, form } = form;
    let f = PartForm::read(&form);
    let (input, errs) = f.input();
    let result = if errs.0.is_empty() {
        app::parts::create_part(&state, &u.user, &input, state.now()).await
    } else {
        // The rest of the form checked too, so every problem is named at once.
        match sanbao_domain::parts::PartFields::parse(&input) {
            Err(Error::Validation(more)) => Err(Error::Validation(renamed(more, errs))),
            _ => Err(Error::Validation(errs)),
        }
    };
    match result {
        Ok(p) => Ok(see_other(&format!("/parts/{}?saved=created", p.id))),
        Err(Error::Validation(errs)) => {
            let errs = renamed(errs, FieldErrors::new());
            let page = list_page(&state, &u, &Pairs(Vec::new()), f, &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// A line of stock as the pages show it.
struct StockRow {
    part_href: String,
    code: String,
    name: String,
    unit: String,
    location: String,
    job: Option<(String, String)>,
    /// In a technician's van (van stock when under no job).
    van: bool,
    on_hand: i64,
    reorder_level: i64,
    /// The manager's write-off form, filled in for this line.
    write_off_href: Option<String>,
}

impl StockRow {
    fn new(lang: Lang, s: &StockLine, location: &Location, may_write_off: bool) -> Self {
        StockRow {
            part_href: format!("/parts/{}", s.part_id),
            code: s.code.clone(),
            name: s.name.clone(),
            unit: s.unit.clone(),
            location: location_label(lang, location),
            van: location.kind == LocationKind::Van,
            job: s
                .job_id
                .map(|j| (lang.f("parts.job_label", &[("id", &j.0)]), job_href(j))),
            on_hand: s.on_hand,
            reorder_level: s.reorder_level,
            write_off_href: (may_write_off && s.on_hand > 0).then(|| {
                let job = s.job_id.map(|j| j.0.to_string()).unwrap_or_default();
                url_with(
                    "/parts/write-off",
                    &[
                        ("part", &s.part_id.0.to_string()),
                        ("location", &s.location_id.0.to_string()),
                        ("job", &job),
                    ],
                )
            }),
        }
    }
}

/// A ledger row as the pages show it.
struct MoveRow {
    id: i64,
    at: String,
    kind: &'static str,
    kind_label: &'static str,
    part_href: String,
    code: String,
    name: String,
    quantity: String,
    from: String,
    to: String,
    job: Option<(String, String)>,
    serial: Option<String>,
    faulty_serial: Option<String>,
    reason: Option<String>,
    by: String,
    reverses: Option<i64>,
    reversed_by: Option<i64>,
    may_reverse: bool,
    /// What was typed in its reversal form, and its problem.
    typed_reason: String,
    error: Option<String>,
}

impl MoveRow {
    fn new(lang: Lang, v: MoveView, may_reverse: bool) -> Self {
        let m = &v.mv.m;
        let none = || lang.t("common.none").to_string();
        MoveRow {
            id: v.mv.id.0,
            at: full_time(m.at),
            kind: m.kind.as_str(),
            kind_label: kind_label(lang, m.kind),
            part_href: format!("/parts/{}", m.part_id),
            code: v.part_code.clone(),
            name: v.part_name.clone(),
            quantity: format!("{} {}", m.quantity, v.unit),
            from: v.from_name.clone().unwrap_or_else(none),
            to: v.to_name.clone().unwrap_or_else(none),
            job: m
                .job_id
                .map(|j| (lang.f("parts.job_label", &[("id", &j.0)]), job_href(j))),
            serial: m.serial.clone(),
            faulty_serial: m.faulty_serial.clone(),
            reason: m.reason.clone(),
            by: v.by_name.clone(),
            reverses: m.reverses.map(|r| r.0),
            reversed_by: v.reversed_by.map(|r| r.0),
            may_reverse: may_reverse && v.reversed_by.is_none() && m.kind != MoveKind::Reversal,
            typed_reason: String::new(),
            error: None,
        }
    }
}

#[derive(Template)]
#[template(path = "parts_detail.html")]
struct DetailPage {
    l: Layout,
    id: i64,
    row: PartRow,
    version: i64,
    updated: String,
    may_keep_stock: bool,
    f: PartForm,
    errors: Messages,
    form_errors: ErrorSummary,
    stock: Vec<StockRow>,
    moves: Vec<MoveRow>,
    ledger_href: String,
    saved: Option<&'static str>,
}

async fn detail_page(
    state: &AppState,
    u: &WebUser,
    id: PartId,
    typed: Option<PartForm>,
    errs: &FieldErrors,
) -> WebResult<DetailPage> {
    let p = app::parts::part(state, &u.user, id).await?;
    let keeps = u.may(Permission::KeepStock);
    let may_write_off = u.may(Permission::WriteOffParts);
    let mut stock = Vec::new();
    let mut store_on_hand = 0;
    let mut moves = Vec::new();
    if keeps {
        for loc in app::parts::locations(state, &u.user).await? {
            for s in app::parts::stock_at(state, &u.user, loc.id).await? {
                if s.part_id == id && s.on_hand != 0 {
                    if loc.kind == LocationKind::Store && s.job_id.is_none() {
                        store_on_hand += s.on_hand;
                    }
                    stock.push(StockRow::new(u.lang, &s, &loc, may_write_off));
                }
            }
        }
        let f = LedgerFilter {
            part: Some(id),
            ..LedgerFilter::default()
        };
        moves = app::parts::ledger(state, &u.user, &f, 100, None)
            .await?
            .into_iter()
            .map(|v| MoveRow::new(u.lang, v, false))
            .collect();
    }
    let errors = messages(u.lang, errs);
    let form_errors = ErrorSummary::new(u.lang, &errors, &part_fields(u), None);
    Ok(DetailPage {
        l: u.layout(NAV, format!("{} {}", p.code, p.name)),
        id: id.0,
        row: PartRow::new(&p, store_on_hand),
        version: p.version,
        updated: u.lang.f(
            "parts.version_line",
            &[("version", &p.version), ("at", &full_time(p.updated_at))],
        ),
        may_keep_stock: keeps,
        f: typed.unwrap_or_else(|| PartForm::of(&p)),
        errors,
        form_errors,
        stock,
        moves,
        ledger_href: format!("/parts/ledger?part={id}"),
        saved: None,
    })
}

/// `GET /parts/{id}`
pub async fn detail(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let id = PartId(id_of(&id, "part")?);
    let mut page = detail_page(&state, &u, id, None, &FieldErrors::new()).await?;
    page.saved = match p.filled("saved") {
        Some("created") => Some(u.t("parts.saved.created")),
        Some("updated") => Some(u.t("parts.saved.updated")),
        _ => None,
    };
    render(&page)
}

/// `POST /parts/{id}`: the part's fields on the version read.
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = PartId(id_of(&id, "part")?);
    let version = form
        .text("version")
        .trim()
        .parse::<i64>()
        .map_err(|_| WebError::bad_request())?;
    let f = PartForm::read(&form);
    let (input, errs) = f.input();
    let result = if errs.0.is_empty() {
        app::parts::update_part(&state, &u.user, id, version, &input, state.now()).await
    } else {
        match sanbao_domain::parts::PartFields::parse(&input) {
            Err(Error::Validation(more)) => Err(Error::Validation(renamed(more, errs))),
            _ => Err(Error::Validation(errs)),
        }
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/parts/{id}?saved=updated"))),
        Err(Error::Validation(errs)) => {
            let errs = renamed(errs, FieldErrors::new());
            let page = detail_page(&state, &u, id, Some(f), &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// Stock per location.

struct LocationSection {
    name: String,
    kind: &'static str,
    rows: Vec<StockRow>,
}

#[derive(Template)]
#[template(path = "parts_stock.html")]
struct StockPage {
    l: Layout,
    below: Vec<StockRow>,
    sections: Vec<LocationSection>,
    may_write_off: bool,
}

/// `GET /parts/stock`
pub async fn stock(State(state): State<AppState>, u: WebUser) -> WebResult<Response> {
    app::require(&u.user, Permission::KeepStock)?;
    let may_write_off = u.may(Permission::WriteOffParts);
    let store = in_store(&state, &u).await?;
    let locations = app::parts::locations(&state, &u.user).await?;
    let mut below = Vec::new();
    if let Some(central) = locations.iter().find(|l| l.kind == LocationKind::Store) {
        for s in app::parts::below_reorder(&state, &u.user).await? {
            let mut s = s.clone();
            s.on_hand = store.get(&s.part_id).copied().unwrap_or(0);
            below.push(StockRow::new(u.lang, &s, central, false));
        }
    }
    let mut sections = Vec::new();
    for loc in locations {
        let name = location_label(u.lang, &loc);
        let rows = app::parts::stock_at(&state, &u.user, loc.id)
            .await?
            .iter()
            .filter(|s| s.on_hand != 0)
            .map(|s| StockRow::new(u.lang, s, &loc, may_write_off))
            .collect();
        sections.push(LocationSection {
            name,
            kind: loc.kind.as_str(),
            rows,
        });
    }
    render(&StockPage {
        l: u.layout(NAV, u.t("parts.stock_title")),
        below,
        sections,
        may_write_off,
    })
}

// ---------------------------------------------------------------------------------------
// The ledger.

#[derive(Template)]
#[template(path = "parts_ledger.html")]
struct LedgerPage {
    l: Layout,
    parts: Vec<Choice>,
    locations: Vec<Choice>,
    job: String,
    moves: Vec<MoveRow>,
    next_href: Option<String>,
    first_href: Option<String>,
    saved: Option<&'static str>,
}

const LEDGER_PAGE: i64 = 50;

fn parse_id(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok().filter(|n| *n > 0)
}

async fn part_choices(state: &AppState, u: &WebUser, current: &str) -> WebResult<Vec<Choice>> {
    let filter = PartFilter {
        include_inactive: true,
        ..PartFilter::default()
    };
    Ok(
        app::parts::parts(state, &u.user, &filter, app::parts::LIST_MAX)
            .await?
            .into_iter()
            .map(|p| {
                Choice::new(
                    p.id.0.to_string(),
                    format!("{} {}", p.code, p.name),
                    current,
                )
            })
            .collect(),
    )
}

async fn location_choices(state: &AppState, u: &WebUser, current: &str) -> WebResult<Vec<Choice>> {
    Ok(app::parts::locations(state, &u.user)
        .await?
        .iter()
        .map(|l| Choice::new(l.id.0.to_string(), location_label(u.lang, l), current))
        .collect())
}

async fn ledger_page(
    state: &AppState,
    u: &WebUser,
    p: &Pairs,
    failed: Option<(i64, String, String)>,
) -> WebResult<LedgerPage> {
    app::require(&u.user, Permission::KeepStock)?;
    let part = p.text("part");
    let location = p.text("location");
    let job = p.text("job");
    let f = LedgerFilter {
        part: parse_id(&part).map(PartId),
        location: parse_id(&location).map(LocationId),
        job: parse_id(&job).map(JobId),
    };
    let before = p.filled("before").and_then(parse_id).map(MoveId);
    let mut views = app::parts::ledger(state, &u.user, &f, LEDGER_PAGE + 1, before).await?;
    let more = views.len() > LEDGER_PAGE as usize;
    views.truncate(LEDGER_PAGE as usize);
    let may_reverse = u.may(Permission::WriteOffParts);
    let rows: Vec<MoveRow> = views
        .into_iter()
        .map(|v| {
            let mut r = MoveRow::new(u.lang, v, may_reverse);
            if let Some((id, typed, msg)) = &failed
                && *id == r.id
            {
                r.typed_reason = typed.clone();
                r.error = Some(msg.clone());
            }
            r
        })
        .collect();
    let here = |before: &str| {
        url_with(
            "/parts/ledger",
            &[
                ("part", &part),
                ("location", &location),
                ("job", &job),
                ("before", before),
            ],
        )
    };
    let next_href = more
        .then(|| rows.last().map(|r| here(&r.id.to_string())))
        .flatten();
    let first_href = before.map(|_| here(""));
    Ok(LedgerPage {
        l: u.layout(NAV, u.t("parts.ledger_title")),
        parts: part_choices(state, u, &part).await?,
        locations: location_choices(state, u, &location).await?,
        job,
        moves: rows,
        next_href,
        first_href,
        saved: None,
    })
}

/// `GET /parts/ledger?part=&location=&job=&before=`
pub async fn ledger(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let mut page = ledger_page(&state, &u, &p, None).await?;
    if p.filled("saved") == Some("reversed") {
        page.saved = Some(u.t("parts.saved.reversed"));
    }
    render(&page)
}

/// `POST /parts/ledger/{id}/reverse`: the manager undoes a row, saying why.
pub async fn reverse(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = id_of(&id, "ledger row")?;
    let reason = form.text("reason");
    match app::parts::reverse(&state, &u.user, MoveId(id), Some(&reason), state.now()).await {
        Ok(_) => Ok(see_other("/parts/ledger?saved=reversed")),
        Err(Error::Validation(errs)) => {
            let msg = messages(u.lang, &errs)
                .0
                .into_values()
                .collect::<Vec<_>>()
                .join(" ");
            let page = ledger_page(&state, &u, &Pairs(Vec::new()), Some((id, reason, msg))).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// The store's forms: receive, correct a count, write off.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Receive,
    Adjust,
    WriteOff,
}

impl Form {
    fn action(self) -> &'static str {
        match self {
            Form::Receive => "/parts/receive",
            Form::Adjust => "/parts/adjust",
            Form::WriteOff => "/parts/write-off",
        }
    }

    fn title(self, lang: Lang) -> &'static str {
        match self {
            Form::Receive => lang.t("parts.receive_title"),
            Form::Adjust => lang.t("parts.adjust_title"),
            Form::WriteOff => lang.t("parts.write_off_title"),
        }
    }

    fn permission(self) -> Permission {
        match self {
            Form::Receive => Permission::KeepStock,
            Form::Adjust | Form::WriteOff => Permission::WriteOffParts,
        }
    }
}

/// A movement form as typed.
#[derive(Default)]
struct MoveForm {
    part_id: String,
    location_id: String,
    job_id: String,
    quantity: String,
    delta: String,
    cause: String,
    note: String,
    reason: String,
}

impl MoveForm {
    fn read(f: &Pairs) -> Self {
        MoveForm {
            part_id: f.text("part_id"),
            location_id: f.text("location_id"),
            job_id: f.text("job_id"),
            quantity: f.text("quantity"),
            delta: f.text("delta"),
            cause: f.text("cause"),
            note: f.text("note"),
            reason: f.text("reason"),
        }
    }
}

/// A whole number as typed: `Err` names the field when it is not one.
fn number(errs: &mut FieldErrors, field: &str, s: &str) -> Option<i64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    match t.parse::<i64>() {
        Ok(v) => Some(v),
        Err(_) => {
            errs.add(field, Problem::invalid("a whole number"));
            None
        }
    }
}

#[derive(Template)]
#[template(path = "parts_move.html")]
struct MovePage {
    l: Layout,
    kind: &'static str,
    action: &'static str,
    intro: &'static str,
    parts: Vec<Choice>,
    locations: Vec<Choice>,
    causes: Vec<Choice>,
    f: MoveForm,
    errors: Messages,
    form_errors: ErrorSummary,
    job_href: Option<String>,
}

async fn move_page(
    state: &AppState,
    u: &WebUser,
    form: Form,
    f: MoveForm,
    errs: &FieldErrors,
) -> WebResult<MovePage> {
    app::require(&u.user, form.permission())?;
    let errors = messages(u.lang, errs);
    let mut fields = vec![FormField::new("part_id", "part_id", u.t("parts.part"))];
    if form != Form::Receive {
        fields.push(FormField::new(
            "location_id",
            "location_id",
            u.t("parts.location"),
        ));
    }
    if form == Form::WriteOff {
        fields.push(FormField::new("job_id", "job_id", u.t("parts.job")));
        fields.push(FormField::new("cause", "cause", u.t("parts.cause")));
    }
    if form == Form::Adjust {
        fields.push(FormField::new("delta", "delta", u.t("parts.delta")));
    } else {
        fields.push(FormField::new(
            "quantity",
            "quantity",
            u.t("parts.quantity"),
        ));
    }
    fields.push(FormField::new("note", "note", u.t("parts.note")));
    fields.push(FormField::new("reason", "reason", u.t("parts.reason")));
    let form_errors = ErrorSummary::new(u.lang, &errors, &fields, None);
    let causes = [
        ("lost", u.t("parts.cause.lost")),
        ("scrapped", u.t("parts.cause.scrapped")),
        ("used_unrecorded", u.t("parts.cause.used_unrecorded")),
    ]
    .into_iter()
    .map(|(v, label)| Choice::new(v, label, &f.cause))
    .collect();
    Ok(MovePage {
        l: u.layout(NAV, form.title(u.lang)),
        kind: match form {
            Form::Receive => "receive",
            Form::Adjust => "adjust",
            Form::WriteOff => "write_off",
        },
        action: form.action(),
        intro: match form {
            Form::Receive => u.t("parts.receive_intro"),
            Form::Adjust => u.t("parts.adjust_intro"),
            Form::WriteOff => u.t("parts.write_off_intro"),
        },
        parts: part_choices(state, u, &f.part_id).await?,
        locations: location_choices(state, u, &f.location_id).await?,
        causes,
        job_href: parse_id(&f.job_id).map(|j| job_href(JobId(j))),
        f,
        errors,
        form_errors,
    })
}

/// The form first shown: prefilled from `?part=&location=&job=` (the write-off of a job's
/// part still out is linked so), the store for a receipt.
async fn move_form(state: &AppState, u: &WebUser, form: Form, p: &Pairs) -> WebResult<Response> {
    let mut f = MoveForm {
        part_id: p.text("part"),
        location_id: p.text("location"),
        job_id: p.text("job"),
        ..MoveForm::default()
    };
    if form == Form::WriteOff && f.quantity.is_empty() && !f.job_id.is_empty() {
        f.quantity = "1".into();
    }
    if f.location_id.is_empty()
        && form == Form::Adjust
        && let Some(store) = store_location(state, u).await?
    {
        f.location_id = store.id.0.to_string();
    }
    render(&move_page(state, u, form, f, &FieldErrors::new()).await?)
}

/// `GET /parts/receive`
pub async fn receive_form(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    move_form(&state, &u, Form::Receive, &p).await
}

/// `GET /parts/adjust`
pub async fn adjust_form(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    move_form(&state, &u, Form::Adjust, &p).await
}

/// `GET /parts/write-off?job=&part=&location=`
pub async fn write_off_form(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    move_form(&state, &u, Form::WriteOff, &p).await
}

async fn moved(
    state: &AppState,
    u: &WebUser,
    form: Form,
    f: MoveForm,
    result: Result<(), Error>,
    done: &str,
) -> WebResult<Response> {
    match result {
        Ok(()) => {
            let to = match parse_id(&f.job_id) {
                Some(j) if form == Form::WriteOff => job_href(JobId(j)),
                _ => format!("/parts/stock?saved={done}"),
            };
            Ok(see_other(&to))
        }
        Err(Error::Validation(errs)) => {
            let page = move_page(state, u, form, f, &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /parts/receive`
pub async fn receive(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let f = MoveForm::read(&form);
    let mut errs = FieldErrors::new();
    let input = ReceiveInput {
        part_id: number(&mut errs, "part_id", &f.part_id).map(PartId),
        quantity: number(&mut errs, "quantity", &f.quantity),
        note: Some(f.note.clone()),
    };
    let result = if errs.0.is_empty() {
        app::parts::receive(&state, &u.user, &input, state.now())
            .await
            .map(|_| ())
    } else {
        Err(Error::Validation(errs))
    };
    moved(&state, &u, Form::Receive, f, result, "received").await
}

/// `POST /parts/adjust`
pub async fn adjust(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let f = MoveForm::read(&form);
    let mut errs = FieldErrors::new();
    let input = AdjustInput {
        part_id: number(&mut errs, "part_id", &f.part_id).map(PartId),
        location_id: number(&mut errs, "location_id", &f.location_id).map(LocationId),
        delta: number(&mut errs, "delta", &f.delta),
        reason: Some(f.reason.clone()),
    };
    let result = if errs.0.is_empty() {
        app::parts::adjust(&state, &u.user, &input, state.now())
            .await
            .map(|_| ())
    } else {
        Err(Error::Validation(errs))
    };
    moved(&state, &u, Form::Adjust, f, result, "adjusted").await
}

/// `POST /parts/write-off`: back to the job when it was one's part, else to the stock.
pub async fn write_off(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let f = MoveForm::read(&form);
    let mut errs = FieldErrors::new();
    let input = WriteOffInput {
        part_id: number(&mut errs, "part_id", &f.part_id).map(PartId),
        quantity: number(&mut errs, "quantity", &f.quantity),
        location_id: number(&mut errs, "location_id", &f.location_id).map(LocationId),
        job_id: number(&mut errs, "job_id", &f.job_id).map(JobId),
        cause: Some(f.cause.clone()),
        reason: Some(f.reason.clone()),
    };
    let result = if errs.0.is_empty() {
        app::parts::write_off(&state, &u.user, &input, state.now())
            .await
            .map(|_| ())
    } else {
        Err(Error::Validation(errs))
    };
    moved(&state, &u, Form::WriteOff, f, result, "written_off").await
}
