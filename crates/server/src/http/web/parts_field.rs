//! Parts on the technician's phone (R1.5): `/field/parts`, what I hold (grouped by the
//! job it was issued for, then my van stock), with returns to the store and a request for
//! van stock; `/field/jobs/{id}/parts`, one job's parts: what is held for it, fitting a
//! part with its serial numbers, a faulty part to inspection, unused parts back, a request
//! for the job, the reconciliation (issued = used + returned + written off), and for the
//! manager a write-off of what is still out. Every form is a plain form; the fitting and
//! the requests carry the page's random key, so a form sent twice is done once.

use super::extract::Pairs;
use super::view::{Messages, full_time};
use super::{Layout, QueryParams, WebForm, WebResult, WebUser, render_with, see_other};
use crate::app;
use crate::app::AppState;
use crate::app::idempotency::Once;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::field::Job;
use sanbao_domain::idempotency::IdempotencyKey;
use sanbao_domain::parts::{
    FaultyInput, LineInput, MoveKind, PartFilter, RequisitionFilter, RequisitionInput, ReturnInput,
    StockLine, UseInput, WriteOffCause, WriteOffInput, holds_van, may_use_on,
};
use sanbao_domain::{Error, FieldErrors, JobId, LocationId, PartId, Permission};
use std::collections::BTreeMap;

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/field/parts", get(mine))
        .route("/field/parts/return", post(mine_return))
        .route("/field/parts/request", post(mine_request))
        .route("/field/jobs/{id}/parts", get(job_page_get))
        .route("/field/jobs/{id}/parts/use", post(job_use))
        .route("/field/jobs/{id}/parts/faulty", post(job_faulty))
        .route("/field/jobs/{id}/parts/return", post(job_return))
        .route("/field/jobs/{id}/parts/request", post(job_request))
        .route("/field/jobs/{id}/parts/write-off", post(job_write_off))
}

/// Lines a request form offers.
const REQUEST_LINES: usize = 3;

/// What a re-rendered page keeps of the form that failed: which one, what was typed, and
/// the problems by field.
#[derive(Default)]
pub(crate) struct Typed {
    form: &'static str,
    /// The write-off form's line (`{part}-{location}`), when several are on the page.
    line: String,
    values: Pairs,
    msgs: Messages,
}

impl Typed {
    fn new(lang: crate::i18n::Lang, form: &'static str, values: Pairs, e: &FieldErrors) -> Typed {
        Typed {
            form,
            line: values.text("line"),
            values,
            msgs: Messages::new(lang, e),
        }
    }

    /// What was typed in `name` of `form`, or `default`.
    pub(crate) fn v(&self, form: &str, name: &str, default: &str) -> String {
        if self.form == form {
            self.values.text(name)
        } else {
            default.to_string()
        }
    }

    /// The problem of `name` in `form`.
    pub(crate) fn err(&self, form: &str, name: &str) -> Option<&str> {
        if self.form == form {
            self.msgs.get(name)
        } else {
            None
        }
    }

    pub(crate) fn failed(&self, form: &str) -> bool {
        self.form == form
    }

    /// `selected` for an option whose value was sent.
    pub(crate) fn sel(&self, form: &str, name: &str, value: &str) -> bool {
        self.form == form && self.values.get(name) == Some(value)
    }

    /// Whether the write-off form of `line` failed.
    pub(crate) fn line_failed(&self, line: &str) -> bool {
        self.form == "write_off" && self.line == line
    }
}

fn job_id(s: &str) -> WebResult<JobId> {
    s.parse::<i64>()
        .map(JobId)
        .map_err(|_| super::WebError::not_found("job"))
}

fn num(form: &Pairs, name: &str) -> Option<i64> {
    form.filled(name).map(|s| s.parse::<i64>().unwrap_or(-1))
}

fn part_of(form: &Pairs, name: &str) -> Option<PartId> {
    form.filled(name)
        .and_then(|s| s.split('-').next())
        .and_then(|s| s.parse::<i64>().ok())
        .map(PartId)
}

/// `"{part}-{job}"` (job 0 for van stock), as a holding's select offers it.
fn held_value(l: &StockLine) -> String {
    format!("{}-{}", l.part_id.0, l.job_id.map_or(0, |j| j.0))
}

fn held_job(form: &Pairs, name: &str) -> Option<JobId> {
    form.filled(name)
        .and_then(|s| s.split('-').nth(1))
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|j| *j > 0)
        .map(JobId)
}

fn once_of(form: &Pairs, what: &str) -> Option<Once> {
    let body: String = form
        .0
        .iter()
        .filter(|(k, _)| k != "_csrf" && k != "idem")
        .map(|(k, v)| format!("{k}={v}&"))
        .collect();
    form.filled("idem")
        .and_then(|k| IdempotencyKey::parse(k).ok())
        .map(|k| Once::new(k, &[what, &body]))
}

/// The request lines as typed (`part_id_0`, `quantity_0`, …): empty rows are skipped.
fn request_lines(form: &Pairs) -> Vec<LineInput> {
    (0..REQUEST_LINES)
        .filter_map(|i| {
            let p = form.filled(&format!("part_id_{i}"));
            let q = form.filled(&format!("quantity_{i}"));
            if p.is_none() && q.is_none() {
                return None;
            }
            Some(LineInput {
                part_id: part_of(form, &format!("part_id_{i}")),
                quantity: num(form, &format!("quantity_{i}")),
            })
        })
        .collect()
}

/// A request's problems as the form shows them: `lines[i].x` is the i-th filled row,
/// which is the row it was typed in when the rows above are filled.
fn request_errors(form: &Pairs, e: FieldErrors) -> FieldErrors {
    let filled: Vec<usize> = (0..REQUEST_LINES)
        .filter(|i| {
            form.filled(&format!("part_id_{i}")).is_some()
                || form.filled(&format!("quantity_{i}")).is_some()
        })
        .collect();
    let mut out = FieldErrors::new();
    for (k, p) in e.0 {
        let renamed = k
            .strip_prefix("lines[")
            .and_then(|rest| rest.split_once("]."))
            .and_then(|(i, f)| {
                let i = i.parse::<usize>().ok()?;
                Some(format!("{f}_{}", filled.get(i).copied().unwrap_or(i)))
            });
        out.add(renamed.unwrap_or(k), p);
    }
    out
}

/// The names of one row of a request form.
struct RowNames {
    pn: String,
    qn: String,
    n: usize,
}

fn row_names() -> Vec<RowNames> {
    (0..REQUEST_LINES)
        .map(|i| RowNames {
            pn: format!("part_id_{i}"),
            qn: format!("quantity_{i}"),
            n: i + 1,
        })
        .collect()
}

struct Opt {
    value: String,
    label: String,
}

struct HeldLine {
    code: String,
    name: String,
    unit: String,
    on_hand: i64,
}

impl HeldLine {
    fn of(l: &StockLine) -> HeldLine {
        HeldLine {
            code: l.code.clone(),
            name: l.name.clone(),
            unit: l.unit.clone(),
            on_hand: l.on_hand,
        }
    }
}

struct ReqLine {
    href: String,
    label: String,
    status: &'static str,
    status_label: String,
    lines: String,
}

async fn catalogue(state: &AppState, u: &WebUser, model: Option<&str>) -> WebResult<Vec<Opt>> {
    let f = PartFilter {
        model: model.map(str::to_string),
        ..PartFilter::default()
    };
    let mut found = app::parts::parts(state, &u.user, &f, 300).await?;
    if found.is_empty() && model.is_some() {
        found = app::parts::parts(state, &u.user, &PartFilter::default(), 300).await?;
    }
    Ok(found
        .into_iter()
        .map(|p| Opt {
            value: p.id.0.to_string(),
            label: format!("{} {} ({})", p.code, p.name, p.unit),
        })
        .collect())
}

fn req_lines(u: &WebUser, found: &[sanbao_domain::parts::RequisitionView]) -> Vec<ReqLine> {
    found
        .iter()
        .map(|v| {
            let r = &v.requisition;
            ReqLine {
                href: format!("/parts/requisitions/{}", r.id.0),
                label: u.lang.f("parts.req.number", &[("id", &r.id.0)]),
                status: r.status.as_str(),
                status_label: super::requisitions::status_label(u.lang, r.status).to_string(),
                lines: v
                    .lines
                    .iter()
                    .map(|l| format!("{} × {}{}", l.name, l.quantity, l.unit))
                    .collect::<Vec<_>>()
                    .join("; "),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// What I hold.

struct Group {
    href: String,
    title: String,
    customer: String,
    lines: Vec<HeldLine>,
}

#[derive(Template)]
#[template(path = "parts_field_mine.html")]
struct MinePage {
    l: Layout,
    groups: Vec<Group>,
    van: Vec<HeldLine>,
    /// Every holding, for the return form.
    held: Vec<(String, String)>,
    catalogue: Vec<Opt>,
    requisitions: Vec<ReqLine>,
    rows: Vec<RowNames>,
    notice: Option<String>,
    t: Typed,
    idem: String,
}

async fn mine_page(
    state: &AppState,
    u: &WebUser,
    notice: Option<String>,
    t: Typed,
) -> WebResult<MinePage> {
    let holdings = app::parts::holdings(state, &u.user, u.user.id).await?;
    let mut by_job: BTreeMap<i64, Vec<&StockLine>> = BTreeMap::new();
    let mut van = Vec::new();
    for l in &holdings {
        match l.job_id {
            Some(j) => by_job.entry(j.0).or_default().push(l),
            None => van.push(HeldLine::of(l)),
        }
    }
    let mut groups = Vec::new();
    for (j, lines) in by_job {
        let (title, customer) = match app::field::job(state, &u.user, JobId(j)).await {
            Ok(job) => job_title(state, u, &job).await?,
            Err(_) => (u.lang.f("parts.field.job_n", &[("id", &j)]), String::new()),
        };
        groups.push(Group {
            href: format!("/field/jobs/{j}/parts"),
            title,
            customer,
            lines: lines.into_iter().map(HeldLine::of).collect(),
        });
    }
    let held = holdings
        .iter()
        .map(|l| {
            let whose = match l.job_id {
                Some(j) => u.lang.f("parts.field.job_n", &[("id", &j.0)]),
                None => u.t("parts.field.van_stock").to_string(),
            };
            (
                held_value(l),
                format!(
                    "{} {} · {} · {}{}",
                    l.code, l.name, whose, l.on_hand, l.unit
                ),
            )
        })
        .collect();
    let mine = RequisitionFilter {
        holder: Some(u.user.id),
        ..RequisitionFilter::default()
    };
    let reqs = app::parts::requisitions(state, &u.user, &mine, 20).await?;
    Ok(MinePage {
        groups,
        van,
        held,
        catalogue: catalogue(state, u, None).await?,
        requisitions: req_lines(u, &reqs),
        rows: row_names(),
        notice,
        t,
        idem: app::sessions::random_token(),
        l: u.layout("field_parts", u.t("parts.field.mine_title")),
    })
}

/// (ticket number · job type, customer) of a job.
async fn job_title(state: &AppState, u: &WebUser, job: &Job) -> WebResult<(String, String)> {
    let t = app::tickets::ticket(state, &u.user, job.ticket_id).await?;
    let c = app::customers::customer(state, &u.user, job.customer_id).await?;
    Ok((
        format!(
            "{} · {}",
            t.number(),
            u.lang.f("parts.field.job_n", &[("id", &job.id.0)])
        ),
        c.fields.name,
    ))
}

fn done_notice(u: &WebUser, p: &Pairs) -> Option<String> {
    let key = match p.get("done")? {
        "use" => "parts.field.done.use",
        "faulty" => "parts.field.done.faulty",
        "return" => "parts.field.done.return",
        "request" => "parts.field.done.request",
        "write_off" => "parts.field.done.write_off",
        _ => return None,
    };
    Some(u.t(key).to_string())
}

/// `GET /field/parts`
pub async fn mine(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let notice = done_notice(&u, &p);
    render_with(
        StatusCode::OK,
        &mine_page(&state, &u, notice, Typed::default()).await?,
    )
}

/// `POST /field/parts/return` with `held` (`{part}-{job}`), `quantity`.
pub async fn mine_return(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let input = ReturnInput {
        part_id: part_of(&form, "held"),
        quantity: num(&form, "quantity"),
        job_id: held_job(&form, "held"),
        note: form.filled("note").map(str::to_string),
    };
    match app::parts::return_part(&state, &u.user, None, &input, state.now()).await {
        Ok(_) => Ok(see_other("/field/parts?done=return")),
        Err(Error::Validation(e)) => {
            let e = rename(e, "part_id", "held");
            let t = Typed::new(u.lang, "return", form, &e);
            render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &mine_page(&state, &u, None, t).await?,
            )
        }
        Err(e) => Err(super::WebError::from(e).back("/field/parts")),
    }
}

fn rename(e: FieldErrors, from: &str, to: &str) -> FieldErrors {
    let mut out = FieldErrors::new();
    for (k, p) in e.0 {
        out.add(if k == from { to.to_string() } else { k }, p);
    }
    out
}

/// `POST /field/parts/request` with `part_id_i`, `quantity_i`, `note`, `idem`: van stock.
pub async fn mine_request(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let input = RequisitionInput {
        job_id: None,
        holder: None,
        note: form.filled("note").map(str::to_string),
        lines: request_lines(&form),
    };
    let once = once_of(&form, "POST /field/parts/request");
    match app::parts::request_parts(&state, &u.user, &input, once.as_ref(), state.now()).await {
        Ok(_) => Ok(see_other("/field/parts?done=request")),
        Err(Error::Validation(e)) => {
            let e = request_errors(&form, e);
            let t = Typed::new(u.lang, "request", form, &e);
            render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &mine_page(&state, &u, None, t).await?,
            )
        }
        Err(e) => Err(super::WebError::from(e).back("/field/parts")),
    }
}

// ---------------------------------------------------------------------------------------
// One job's parts.

struct TallyRow {
    code: String,
    name: String,
    issued: i64,
    used: i64,
    returned: i64,
    written_off: i64,
    outstanding: i64,
    /// "3 from van stock", "1 faulty to inspection".
    extra: Vec<String>,
}

/// A part held for the job in someone's van, with the manager's write-off form.
struct OutLine {
    /// `{part}-{location}`: which write-off form this is.
    line: String,
    code: String,
    name: String,
    unit: String,
    on_hand: i64,
    location: String,
}

struct LedgerRow {
    at: String,
    kind: String,
    part: String,
    quantity: i64,
    serials: String,
    by: String,
    reversed: bool,
}

#[derive(Template)]
#[template(path = "parts_field_job.html")]
struct JobPartsPage {
    l: Layout,
    id: i64,
    title: String,
    customer: String,
    model: String,
    still_out: Option<String>,
    tallies: Vec<TallyRow>,
    out: Vec<OutLine>,
    /// What I hold for this job (for the return form).
    mine_for_job: Vec<(String, String)>,
    /// Choices for fitting: held for the job, my van stock, the catalogue.
    use_held: Vec<Opt>,
    use_van: Vec<Opt>,
    catalogue: Vec<Opt>,
    requisitions: Vec<ReqLine>,
    ledger: Vec<LedgerRow>,
    rows: Vec<RowNames>,
    causes: Vec<Opt>,
    crew: bool,
    may_write_off: bool,
    may_faulty: bool,
    notice: Option<String>,
    warning: Option<String>,
    t: Typed,
    idem: String,
}

fn kind_label(u: &WebUser, kind: MoveKind) -> String {
    u.t(match kind {
        MoveKind::Receive => "parts.field.kind.receive",
        MoveKind::Issue => "parts.field.kind.issue",
        MoveKind::Use => "parts.field.kind.use",
        MoveKind::Return => "parts.field.kind.return",
        MoveKind::FaultyReturn => "parts.field.kind.faulty_return",
        MoveKind::WriteOff => "parts.field.kind.write_off",
        MoveKind::Adjust => "parts.field.kind.adjust",
        MoveKind::Reversal => "parts.field.kind.reversal",
    })
    .to_string()
}

fn cause_label(u: &WebUser, c: WriteOffCause) -> String {
    u.t(match c {
        WriteOffCause::Lost => "parts.field.cause.lost",
        WriteOffCause::Scrapped => "parts.field.cause.scrapped",
        WriteOffCause::UsedUnrecorded => "parts.field.cause.used_unrecorded",
    })
    .to_string()
}

async fn job_parts_page(
    state: &AppState,
    u: &WebUser,
    id: JobId,
    notice: Option<String>,
    warning: Option<String>,
    t: Typed,
) -> WebResult<JobPartsPage> {
    let job = app::field::job(state, &u.user, id).await?;
    let jp = app::parts::job_parts(state, &u.user, id).await?;
    let (title, customer) = job_title(state, u, &job).await?;
    let mut names: BTreeMap<i64, (String, String)> = BTreeMap::new();
    for m in &jp.ledger {
        names
            .entry(m.mv.m.part_id.0)
            .or_insert_with(|| (m.part_code.clone(), m.part_name.clone()));
    }
    let tallies = jp
        .reconciliation
        .lines
        .iter()
        .map(|x| {
            let (code, name) = names.get(&x.part_id.0).cloned().unwrap_or_default();
            TallyRow {
                code,
                name,
                issued: x.issued,
                used: x.used,
                returned: x.returned,
                written_off: x.written_off,
                outstanding: x.outstanding,
                extra: [
                    ("parts.field.from_van", x.used_from_van),
                    ("parts.field.faulty_n", x.faulty_returned),
                ]
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(k, n)| u.lang.f(k, &[("n", &n)]))
                .collect(),
            }
        })
        .collect();
    let crew = may_use_on(&job, u.user.id, u.user.role);
    let mine = if holds_van(u.user.role) {
        app::parts::holdings(state, &u.user, u.user.id).await?
    } else {
        Vec::new()
    };
    let opt = |l: &StockLine| Opt {
        value: l.part_id.0.to_string(),
        label: format!("{} {} · {}{}", l.code, l.name, l.on_hand, l.unit),
    };
    let use_held = mine
        .iter()
        .filter(|l| l.job_id == Some(id))
        .map(opt)
        .collect();
    let use_van = mine
        .iter()
        .filter(|l| l.job_id.is_none())
        .map(opt)
        .collect();
    let mine_for_job = mine
        .iter()
        .filter(|l| l.job_id == Some(id))
        .map(|l| {
            (
                held_value(l),
                format!("{} {} · {}{}", l.code, l.name, l.on_hand, l.unit),
            )
        })
        .collect();
    let out = jp
        .held
        .iter()
        .map(|l| OutLine {
            line: format!("{}-{}", l.part_id.0, l.location_id.0),
            code: l.code.clone(),
            name: l.name.clone(),
            unit: l.unit.clone(),
            on_hand: l.on_hand,
            location: l.location.clone(),
        })
        .collect();
    let ledger = jp
        .ledger
        .iter()
        .map(|m| {
            let mut serials = Vec::new();
            if let Some(s) = &m.mv.m.serial {
                serials.push(u.lang.f("parts.field.fitted_serial", &[("s", s)]));
            }
            if let Some(s) = &m.mv.m.faulty_serial {
                serials.push(u.lang.f("parts.field.removed_serial", &[("s", s)]));
            }
            LedgerRow {
                at: full_time(m.mv.m.at),
                kind: kind_label(u, m.mv.m.kind),
                part: format!("{} {}", m.part_code, m.part_name),
                quantity: m.mv.m.quantity,
                serials: serials.join(" · "),
                by: m.by_name.clone(),
                reversed: m.reversed_by.is_some(),
            }
        })
        .collect();
    let causes = WriteOffCause::ALL
        .iter()
        .map(|c| Opt {
            value: c.as_str().to_string(),
            label: cause_label(u, *c),
        })
        .collect();
    Ok(JobPartsPage {
        id: id.0,
        title,
        customer,
        model: job.model_code.clone().unwrap_or_default(),
        still_out: Some(jp.reconciliation.outstanding())
            .filter(|n| *n > 0)
            .map(|n| u.lang.f("parts.field.still_out", &[("n", &n)])),
        tallies,
        out,
        mine_for_job,
        use_held,
        use_van,
        catalogue: catalogue(state, u, job.model_code.as_deref()).await?,
        requisitions: req_lines(u, &jp.requisitions),
        ledger,
        rows: row_names(),
        causes,
        crew,
        may_write_off: u.may(Permission::WriteOffParts),
        may_faulty: job.crew_member(u.user.id) && holds_van(u.user.role)
            || u.may(Permission::KeepStock),
        notice,
        warning,
        t,
        idem: app::sessions::random_token(),
        l: u.layout("field_parts", u.t("parts.field.job_title")),
    })
}

/// `GET /field/jobs/{id}/parts?done=use`
pub async fn job_page_get(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let id = job_id(&id)?;
    let notice = done_notice(&u, &p);
    render_with(
        StatusCode::OK,
        &job_parts_page(&state, &u, id, notice, None, Typed::default()).await?,
    )
}

/// What one of the job page's forms did.
async fn answer(
    state: &AppState,
    u: &WebUser,
    id: JobId,
    form: Pairs,
    which: &'static str,
    result: Result<(), Error>,
) -> WebResult<Response> {
    match result {
        Ok(()) => Ok(see_other(&format!(
            "/field/jobs/{}/parts?done={which}",
            id.0
        ))),
        Err(Error::Validation(e)) => {
            let e = match which {
                "request" => request_errors(&form, e),
                "return" => rename(e, "part_id", "held"),
                _ => e,
            };
            let t = Typed::new(u.lang, which, form, &e);
            render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &job_parts_page(state, u, id, None, None, t).await?,
            )
        }
        Err(Error::Conflict(why)) => {
            tracing::info!(job_id = id.0, %why, "parts step refused");
            let warning = Some(u.t("parts.field.refused").to_string());
            render_with(
                StatusCode::CONFLICT,
                &job_parts_page(state, u, id, None, warning, Typed::default()).await?,
            )
        }
        Err(e) => Err(super::WebError::from(e).back(format!("/field/jobs/{}/parts", id.0))),
    }
}

/// `POST /field/jobs/{id}/parts/use` with `part_id`, `quantity`, `serial`,
/// `faulty_serial`, `note`, `idem`.
pub async fn job_use(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = job_id(&id)?;
    let input = UseInput {
        part_id: part_of(&form, "part_id"),
        quantity: num(&form, "quantity"),
        serial: form.filled("serial").map(str::to_string),
        faulty_serial: form.filled("faulty_serial").map(str::to_string),
        note: form.filled("note").map(str::to_string),
    };
    let once = once_of(&form, &format!("POST /field/jobs/{}/parts/use", id.0));
    let r = app::parts::use_part(&state, &u.user, id, &input, once.as_ref(), state.now())
        .await
        .map(|_| ());
    answer(&state, &u, id, form, "use", r).await
}

/// `POST /field/jobs/{id}/parts/faulty` with `part_id`, `quantity`, `faulty_serial`, `note`.
pub async fn job_faulty(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = job_id(&id)?;
    let input = FaultyInput {
        part_id: part_of(&form, "part_id"),
        quantity: num(&form, "quantity"),
        faulty_serial: form.filled("faulty_serial").map(str::to_string),
        note: form.filled("note").map(str::to_string),
    };
    let r = app::parts::return_faulty(&state, &u.user, id, &input, state.now())
        .await
        .map(|_| ());
    answer(&state, &u, id, form, "faulty", r).await
}

/// `POST /field/jobs/{id}/parts/return` with `held`, `quantity`: unused parts of this job
/// back to the store.
pub async fn job_return(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = job_id(&id)?;
    let input = ReturnInput {
        part_id: part_of(&form, "held"),
        quantity: num(&form, "quantity"),
        job_id: Some(id),
        note: form.filled("note").map(str::to_string),
    };
    let r = app::parts::return_part(&state, &u.user, None, &input, state.now())
        .await
        .map(|_| ());
    answer(&state, &u, id, form, "return", r).await
}

/// `POST /field/jobs/{id}/parts/request` with `part_id_i`, `quantity_i`, `note`, `idem`.
pub async fn job_request(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = job_id(&id)?;
    let input = RequisitionInput {
        job_id: Some(id),
        holder: None,
        note: form.filled("note").map(str::to_string),
        lines: request_lines(&form),
    };
    let once = once_of(&form, &format!("POST /field/jobs/{}/parts/request", id.0));
    let r = app::parts::request_parts(&state, &u.user, &input, once.as_ref(), state.now())
        .await
        .map(|_| ());
    answer(&state, &u, id, form, "request", r).await
}

/// `POST /field/jobs/{id}/parts/write-off` with `line` (`{part}-{location}`), `quantity`,
/// `cause`, `reason`: the manager accounts for parts of this job still out.
pub async fn job_write_off(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = job_id(&id)?;
    // The job must be one the manager may see.
    app::field::job(&state, &u.user, id).await?;
    let mut parts = form
        .text("line")
        .split('-')
        .map(|s| s.parse::<i64>().ok())
        .collect::<Vec<_>>();
    parts.resize(2, None);
    let input = WriteOffInput {
        part_id: parts[0].map(PartId),
        quantity: num(&form, "quantity"),
        location_id: parts[1].map(LocationId),
        job_id: Some(id),
        cause: form.filled("cause").map(str::to_string),
        reason: form.filled("reason").map(str::to_string),
    };
    let r = app::parts::write_off(&state, &u.user, &input, state.now())
        .await
        .map(|_| ());
    answer(&state, &u, id, form, "write_off", r).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The problems of the parts forms that have their own words (beyond the common ones).
    const PROBLEM_WORDS: [&str; 2] = ["err.not_held", "err.not_enough"];

    #[test]
    fn the_parts_problems_have_words_in_both_languages() {
        for key in PROBLEM_WORDS {
            assert!(crate::i18n::Lang::has(key), "{key}");
        }
    }

    #[test]
    fn request_problems_name_the_row_they_were_typed_in() {
        let form = Pairs(vec![
            ("part_id_0".into(), "".into()),
            ("quantity_0".into(), "".into()),
            ("part_id_1".into(), "4".into()),
            ("quantity_1".into(), "0".into()),
        ]);
        let e = FieldErrors::single("lines[0].quantity", sanbao_domain::Problem::required());
        let out = request_errors(&form, e);
        assert!(out.get("quantity_1").is_some());
    }
}
