//! Dispatch (issue 8): the dispatcher's page (`/dispatch`) — jobs waiting for a crew, most
//! urgent arrival deadline first, each with the technicians proposed and the promise they
//! imply, and the crews on their way; the technicians' bases, product lines and the travel
//! settings (`/settings/technicians`); and the on-site job section of a ticket's page,
//! with the form that opens a job (`POST /tickets/{id}/job`).

use super::extract::Pairs;
use super::view::{Choice, ErrorSummary, FormField, Messages, short_time};
use super::{
    Layout, QueryParams, WebError, WebForm, WebResult, WebUser, render, render_with, see_other,
};
use crate::app::dispatch::{Board, OnTheWay, Proposed, Waiting};
use crate::app::{self, AppState};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use sanbao_domain::field::{Job, JobFilter, JobInput, JobStatus, JobType, may_have_job};
use sanbao_domain::time::local;
use sanbao_domain::travel::{self, Origin, Reach, TravelSettings};
use sanbao_domain::{Error, FieldErrors, JobId, Permission, Problem, TicketId, UserId};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/dispatch", get(page))
        .route("/dispatch/jobs/{id}", post(send))
        .route("/settings/technicians", get(technicians_page))
        .route("/settings/technicians/travel", post(save_travel))
        .route("/settings/technicians/{id}", post(save_technician))
        .route("/tickets/{id}/job", post(open_job))
}

/// How many proposals a job shows.
const SHOWN: usize = 5;

fn job_type_label(lang: Lang, t: JobType) -> &'static str {
    lang.t(match t {
        JobType::Installation => "dispatch.job_type.installation",
        JobType::Repair => "dispatch.job_type.repair",
        JobType::TechnicalGuidance => "dispatch.job_type.technical_guidance",
        JobType::Training => "dispatch.job_type.training",
        JobType::Inspection => "dispatch.job_type.inspection",
    })
}

fn job_status_label(lang: Lang, s: JobStatus) -> &'static str {
    lang.t(match s {
        JobStatus::Open => "dispatch.job_status.open",
        JobStatus::Dispatched => "dispatch.job_status.dispatched",
        JobStatus::Underway => "dispatch.job_status.underway",
        JobStatus::OnSite => "dispatch.job_status.on_site",
        JobStatus::Submitted => "dispatch.job_status.submitted",
        JobStatus::Returned => "dispatch.job_status.returned",
        JobStatus::Done => "dispatch.job_status.done",
        JobStatus::Cancelled => "dispatch.job_status.cancelled",
    })
}

fn reach_label(lang: Lang, r: Reach) -> &'static str {
    lang.t(match r {
        Reach::InTime => "dispatch.reach.in_time",
        Reach::Late => "dispatch.reach.late",
        Reach::NoDeadline => "dispatch.reach.no_deadline",
        Reach::Unknown => "dispatch.reach.unknown",
    })
}

/// `14:40` today, `11-28 09:10` another day (Asia/Shanghai).
fn clock(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if local(at).date_naive() == local(now).date_naive() {
        local(at).format("%H:%M").to_string()
    } else {
        short_time(at)
    }
}

/// `2 小时 05 分` / `35 分钟`.
fn span(lang: Lang, minutes: i64) -> String {
    let m = minutes.abs();
    if m >= 60 {
        lang.f(
            "dispatch.hours_minutes",
            &[("h", &(m / 60)), ("m", &format!("{:02}", m % 60))],
        )
    } else {
        lang.f("dispatch.minutes", &[("m", &m)])
    }
}

/// The deadline with the time left: (time, "还剩 …" / "已超时 …", late).
fn deadline_words(lang: Lang, due: DateTime<Utc>, now: DateTime<Utc>) -> (String, String, bool) {
    let left = (due - now).num_minutes();
    let words = if left >= 0 {
        lang.f("dispatch.time_left", &[("t", &span(lang, left))])
    } else {
        lang.f("dispatch.overdue", &[("t", &span(lang, left))])
    };
    (clock(due, now), words, left < 0)
}

/// "到达约 14:40，时限 15:10" / "arrives ≈ 14:40, deadline 15:10".
fn promise(
    lang: Lang,
    eta: Option<DateTime<Utc>>,
    deadline: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> String {
    match (eta, deadline) {
        (Some(e), Some(d)) => lang.f(
            "dispatch.promise",
            &[("eta", &clock(e, now)), ("deadline", &clock(d, now))],
        ),
        (Some(e), None) => lang.f("dispatch.promise_no_deadline", &[("eta", &clock(e, now))]),
        (None, Some(d)) => lang.f("dispatch.promise_unknown", &[("deadline", &clock(d, now))]),
        (None, None) => lang.t("dispatch.promise_none").to_string(),
    }
}

struct ProposalRow {
    id: i64,
    name: String,
    from: String,
    travel: String,
    eta: String,
    reach: &'static str,
    reach_label: &'static str,
    load: String,
    knows_line: bool,
    promise: String,
    ticked: bool,
    lead: bool,
}

struct WaitingCard {
    job_id: i64,
    version: i64,
    ticket_href: String,
    number: String,
    kind: &'static str,
    kind_label: String,
    job_type: &'static str,
    customer: String,
    address: String,
    place: String,
    place_known: bool,
    unit: String,
    problem: String,
    /// (time, time left, late)
    deadline: Option<(String, String, bool)>,
    proposals: Vec<ProposalRow>,
    /// "…and 3 more, further down the ranking".
    more: Option<String>,
    /// The problems of a dispatch of this job that was refused.
    error: Option<String>,
}

struct OnTheWayRow {
    ticket_href: String,
    number: String,
    customer: String,
    address: String,
    status_label: &'static str,
    crew: String,
    expected: String,
    deadline: String,
    late: bool,
    job_href: String,
}

#[derive(Template)]
#[template(path = "dispatch_board.html")]
struct BoardPage {
    l: Layout,
    notice: Option<String>,
    waiting: Vec<WaitingCard>,
    on_the_way: Vec<OnTheWayRow>,
    settings_line: String,
    may_manage: bool,
}

fn from_words(lang: Lang, p: &Proposed) -> String {
    let place = p.proposal.from.unwrap_or("");
    match p.proposal.origin {
        Origin::Base => lang.f("dispatch.from_base", &[("place", &place)]),
        Origin::Job => lang.f("dispatch.from_job", &[("place", &place)]),
        Origin::Unknown => lang.t("dispatch.from_unknown").to_string(),
    }
}

/// What a refused dispatch sent, to be shown again.
struct Sent {
    job: JobId,
    ticked: Vec<UserId>,
    lead: Option<UserId>,
    errors: Messages,
}

fn waiting_card(lang: Lang, w: Waiting, now: DateTime<Utc>, sent: Option<&Sent>) -> WaitingCard {
    let sent = sent.filter(|s| s.job == w.job.id);
    let total = w.proposals.len();
    let proposals = w
        .proposals
        .iter()
        .take(SHOWN)
        .enumerate()
        .map(|(i, p)| {
            let id = p.proposal.technician;
            let ticked = match sent {
                Some(s) => s.ticked.contains(&id),
                None => i == 0 && p.proposal.reach != Reach::Late,
            };
            ProposalRow {
                id: id.0,
                name: p.name.clone(),
                from: from_words(lang, p),
                travel: p
                    .proposal
                    .travel_minutes
                    .map_or_else(|| "—".to_string(), |m| span(lang, i64::from(m))),
                eta: p
                    .proposal
                    .eta
                    .map_or_else(|| "—".to_string(), |e| clock(e, now)),
                reach: p.proposal.reach.as_str(),
                reach_label: reach_label(lang, p.proposal.reach),
                load: lang.f("dispatch.load_jobs", &[("n", &p.proposal.open_jobs)]),
                knows_line: p.proposal.knows_line,
                promise: promise(lang, p.proposal.eta, w.deadline, now),
                ticked,
                lead: sent.is_some_and(|s| s.lead == Some(id)),
            }
        })
        .collect();
    let unit = match (&w.unit, &w.job.model_code) {
        (Some((serial, model)), _) => format!("{model} · {serial}"),
        (None, Some(model)) => model.clone(),
        (None, None) => String::new(),
    };
    WaitingCard {
        job_id: w.job.id.0,
        version: w.job.version,
        ticket_href: format!("/tickets/{}", w.ticket.id.0),
        number: w.ticket.number(),
        kind: w.ticket.kind.as_str(),
        kind_label: lang.t(&format!("kind.{}", w.ticket.kind)).to_string(),
        job_type: job_type_label(lang, w.job.job_type),
        customer: w.customer_name,
        address: w.address.unwrap_or_default(),
        place_known: w.place.is_some(),
        place: w.place.map_or_else(
            || lang.t("dispatch.not_recognised").to_string(),
            |p| p.name.to_string(),
        ),
        unit,
        problem: w.job.problem,
        deadline: w.deadline.map(|d| deadline_words(lang, d, now)),
        proposals,
        more: (total > SHOWN).then(|| lang.f("dispatch.more_hidden", &[("n", &(total - SHOWN))])),
        error: sent.map(|s| s.errors.0.values().cloned().collect::<Vec<_>>().join("；")),
    }
}

fn on_the_way_row(lang: Lang, o: OnTheWay, now: DateTime<Utc>) -> OnTheWayRow {
    let trip = o.job.current_trip();
    let expected = trip.and_then(|t| t.expected_at);
    OnTheWayRow {
        ticket_href: format!("/tickets/{}", o.ticket.id.0),
        number: o.ticket.number(),
        customer: o.customer_name,
        address: o.address.unwrap_or_default(),
        status_label: job_status_label(lang, o.job.status),
        crew: trip.map(crew_words).unwrap_or_default(),
        expected: expected.map_or_else(|| "—".to_string(), |e| clock(e, now)),
        deadline: o
            .deadline
            .map_or_else(|| "—".to_string(), |d| clock(d, now)),
        late: matches!((expected, o.deadline), (Some(e), Some(d)) if e > d),
        job_href: format!("/field/jobs/{}", o.job.id.0),
    }
}

fn crew_words(t: &sanbao_domain::field::Trip) -> String {
    t.crew
        .iter()
        .map(|c| {
            if c.lead {
                format!("{}★", c.name)
            } else {
                c.name.clone()
            }
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn settings_words(lang: Lang, s: &TravelSettings) -> String {
    lang.f(
        "dispatch.settings_line",
        &[
            ("kmh", &s.road_kmh),
            ("pct", &s.road_factor_pct),
            ("setup", &s.setup_minutes),
        ],
    )
}

fn board_page(
    u: &WebUser,
    board: Board,
    now: DateTime<Utc>,
    notice: Option<String>,
    sent: Option<&Sent>,
) -> BoardPage {
    let lang = u.lang;
    BoardPage {
        l: u.layout("dispatch", u.t("dispatch.title")),
        notice,
        settings_line: settings_words(lang, &board.settings),
        waiting: board
            .waiting
            .into_iter()
            .map(|w| waiting_card(lang, w, now, sent))
            .collect(),
        on_the_way: board
            .on_the_way
            .into_iter()
            .map(|o| on_the_way_row(lang, o, now))
            .collect(),
        may_manage: u.may(Permission::ManageTechnicians),
    }
}

fn guard(u: &WebUser, p: Permission) -> WebResult<()> {
    if u.may(p) {
        Ok(())
    } else {
        Err(Error::Forbidden.into())
    }
}

/// `GET /dispatch`
pub async fn page(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    guard(&u, Permission::DispatchTechnicians)?;
    let now = state.now();
    let board = app::dispatch::board(&state, &u.user, now).await?;
    let notice = match p.filled("sent").and_then(|s| s.parse::<i64>().ok()) {
        Some(id) => board.on_the_way.iter().find(|o| o.job.id.0 == id).map(|o| {
            let trip = o.job.current_trip();
            u.lang.f(
                "dispatch.sent",
                &[
                    ("number", &o.ticket.number()),
                    ("crew", &trip.map(crew_words).unwrap_or_default()),
                    (
                        "promise",
                        &promise(u.lang, trip.and_then(|t| t.expected_at), o.deadline, now),
                    ),
                ],
            )
        }),
        None => None,
    };
    render(&board_page(&u, board, now, notice, None))
}

fn job_id(s: &str) -> WebResult<JobId> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(JobId)
        .ok_or_else(|| WebError::not_found("job"))
}

fn people(form: &Pairs, name: &str, errs: &mut FieldErrors) -> Vec<UserId> {
    form.0
        .iter()
        .filter(|(k, _)| k == name)
        .filter_map(|(_, v)| match v.trim().parse::<i64>() {
            Ok(n) => Some(UserId(n)),
            Err(_) => {
                errs.add(name, Problem::invalid("not a person"));
                None
            }
        })
        .collect()
}

/// `POST /dispatch/jobs/{id}`: send the ticked technicians (`technician_ids`), led by
/// `lead_id` (else the first ticked), expected on site at the latest eta among them.
pub async fn send(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: mut u, form }: WebForm,
) -> WebResult<Response> {
    guard(&u, Permission::DispatchTechnicians)?;
    let id = job_id(&id)?;
    let Some(version) = form.filled("version").and_then(|v| v.parse::<i64>().ok()) else {
        return Err(WebError::bad_request().back("/dispatch"));
    };
    let mut errs = FieldErrors::new();
    let ticked = people(&form, "technician_ids", &mut errs);
    let lead = people(&form, "lead_id", &mut errs).first().copied();
    // A lead who is not ticked is taken as ticked too: the radio says who goes first.
    let mut chosen = ticked.clone();
    if let Some(l) = lead
        && !chosen.contains(&l)
    {
        chosen.insert(0, l);
    }
    let now = state.now();
    let result = if errs.is_empty() {
        app::dispatch::send_crew(&state, &u.user, id, version, &chosen, lead, now).await
    } else {
        Err(Error::Validation(errs))
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/dispatch?sent={}#on-the-way", id.0))),
        Err(Error::Validation(errs)) => {
            u.unread = app::inbox::unread(&state, u.user.id).await?;
            let board = app::dispatch::board(&state, &u.user, now).await?;
            let sent = Sent {
                job: id,
                ticked,
                lead,
                errors: Messages::new(u.lang, &errs),
            };
            let page = board_page(&u, board, now, None, Some(&sent));
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(WebError::from(e).back("/dispatch")),
    }
}

// ---- the technicians and the travel settings ----

struct LineBox {
    code: String,
    checked: bool,
}

struct TechnicianCard {
    id: i64,
    name: String,
    role: String,
    version: i64,
    base_address: String,
    place: Option<&'static str>,
    lines: Vec<LineBox>,
    /// The problems of this technician's form, when it was sent back.
    errors: Messages,
}

#[derive(Template)]
#[template(path = "dispatch_technicians.html")]
struct TechniciansPage {
    l: Layout,
    done: Option<&'static str>,
    technicians: Vec<TechnicianCard>,
    no_lines: bool,
    road_kmh: String,
    road_factor_pct: String,
    setup_minutes: String,
    settings_version: i64,
    travel_errors: Messages,
    form_errors: ErrorSummary,
}

/// What was typed into one of the page's forms.
#[derive(Default)]
struct TechTyped {
    /// The technician's form: (id, base address, lines).
    technician: Option<(i64, String, Vec<String>)>,
    /// The travel form: (road speed, factor, setup).
    travel: Option<(String, String, String)>,
    errors: Messages,
}

async fn technicians_view(
    state: &AppState,
    u: &WebUser,
    typed: TechTyped,
    done: Option<&'static str>,
) -> WebResult<TechniciansPage> {
    let lang = u.lang;
    let lines = app::dispatch::technicians(state, &u.user).await?;
    let known = app::dispatch::product_lines(state, &u.user).await?;
    let (settings, settings_version) = app::dispatch::field_settings(state, &u.user).await?;
    let technicians = lines
        .into_iter()
        .map(|t| {
            let here = typed
                .technician
                .as_ref()
                .filter(|(id, _, _)| *id == t.user.id.0);
            let base = here.map_or_else(
                || t.profile.base_address.clone().unwrap_or_default(),
                |(_, b, _)| b.clone(),
            );
            let mine = here.map_or_else(|| t.profile.product_lines.clone(), |(_, _, l)| l.clone());
            TechnicianCard {
                id: t.user.id.0,
                name: t.user.display_name.clone(),
                role: lang
                    .t(&format!("role.{}", t.user.role.as_str()))
                    .to_string(),
                version: t.profile.version,
                place: t
                    .profile
                    .base_address
                    .as_deref()
                    .and_then(travel::locate)
                    .map(|l| l.name),
                base_address: base,
                lines: known
                    .iter()
                    .map(|code| LineBox {
                        code: code.clone(),
                        checked: mine.contains(code),
                    })
                    .collect(),
                errors: if here.is_some() {
                    typed.errors.clone()
                } else {
                    Messages::default()
                },
            }
        })
        .collect();
    let (road_kmh, road_factor_pct, setup_minutes) = typed.travel.clone().unwrap_or_else(|| {
        (
            settings.road_kmh.to_string(),
            settings.road_factor_pct.to_string(),
            settings.setup_minutes.to_string(),
        )
    });
    let travel_errors = if typed.travel.is_some() {
        typed.errors.clone()
    } else {
        Messages::default()
    };
    let tech_id = typed.technician.as_ref().map_or(0, |(id, _, _)| *id);
    let fields = [
        FormField::new(
            "base_address",
            format!("base-{tech_id}"),
            u.t("dispatch.base_address"),
        ),
        FormField::new(
            "product_lines",
            format!("lines-{tech_id}"),
            u.t("dispatch.product_lines"),
        ),
        FormField::new("road_kmh", "road_kmh", u.t("dispatch.road_kmh")),
        FormField::new(
            "road_factor_pct",
            "road_factor_pct",
            u.t("dispatch.road_factor_pct"),
        ),
        FormField::new(
            "setup_minutes",
            "setup_minutes",
            u.t("dispatch.setup_minutes"),
        ),
    ];
    let form_errors = ErrorSummary::new(lang, &typed.errors, &fields, None);
    Ok(TechniciansPage {
        l: u.layout("dispatch", u.t("dispatch.technicians_title")),
        done: done.map(|k| u.t(k)),
        no_lines: known.is_empty(),
        technicians,
        road_kmh,
        road_factor_pct,
        setup_minutes,
        settings_version,
        travel_errors,
        form_errors,
    })
}

/// `GET /settings/technicians`
pub async fn technicians_page(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    guard(&u, Permission::ManageTechnicians)?;
    let done = match p.filled("done") {
        Some("technician") => Some("dispatch.done.technician"),
        Some("travel") => Some("dispatch.done.travel"),
        _ => None,
    };
    render(&technicians_view(&state, &u, TechTyped::default(), done).await?)
}

async fn technicians_sent_back(
    state: &AppState,
    mut u: WebUser,
    mut typed: TechTyped,
    errs: &FieldErrors,
) -> WebResult<Response> {
    u.unread = app::inbox::unread(state, u.user.id).await?;
    typed.errors = Messages::new(u.lang, errs);
    let page = technicians_view(state, &u, typed, None).await?;
    render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// `POST /settings/technicians/{id}`: `base_address`, `product_lines` (one per ticked box),
/// `version`.
pub async fn save_technician(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    guard(&u, Permission::ManageTechnicians)?;
    let id = id
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| WebError::not_found("technician"))?;
    let base = form.text("base_address");
    let lines: Vec<String> = form
        .0
        .iter()
        .filter(|(k, _)| k == "product_lines")
        .map(|(_, v)| v.clone())
        .collect();
    let version = form.filled("version").and_then(|v| v.parse::<i64>().ok());
    let back = "/settings/technicians";
    match app::dispatch::save_technician(
        &state,
        &u.user,
        UserId(id),
        version,
        Some(base.as_str()),
        &lines,
        state.now(),
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!("{back}?done=technician#tech-{id}"))),
        Err(Error::Validation(errs)) => {
            let typed = TechTyped {
                technician: Some((id, base, lines)),
                ..TechTyped::default()
            };
            technicians_sent_back(&state, u, typed, &errs).await
        }
        Err(e) => Err(WebError::from(e).back(back)),
    }
}

/// `POST /settings/technicians/travel`: `road_kmh`, `road_factor_pct`, `setup_minutes`,
/// `version`.
pub async fn save_travel(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    guard(&u, Permission::ManageTechnicians)?;
    let typed = (
        form.text("road_kmh"),
        form.text("road_factor_pct"),
        form.text("setup_minutes"),
    );
    let version = form.filled("version").and_then(|v| v.parse::<i64>().ok());
    let back = "/settings/technicians";
    let result = match TravelSettings::parse(&typed.0, &typed.1, &typed.2) {
        Ok(s) => app::dispatch::save_field_settings(&state, &u.user, version, &s, state.now())
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("{back}?done=travel#travel"))),
        Err(Error::Validation(errs)) => {
            let t = TechTyped {
                travel: Some(typed),
                ..TechTyped::default()
            };
            technicians_sent_back(&state, u, t, &errs).await
        }
        Err(e) => Err(WebError::from(e).back(back)),
    }
}

// ---- the job section of a ticket's page ----

/// One trip as the ticket's page shows it.
pub struct TripLine {
    /// "第 1 次上门" / "Visit 1".
    pub label: String,
    pub reason: Option<String>,
    pub crew: String,
    pub dispatched: String,
    pub expected: String,
    pub departed: String,
    pub arrived: String,
    /// A map of the position the phone gave at arrival.
    pub position: Option<String>,
}

/// The job form as typed (or prefilled).
pub struct JobTyped {
    pub job_type: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub problem: String,
    pub model_code: String,
}

/// The "On-site job" section of a ticket's page.
pub struct JobSection {
    pub ticket_id: i64,
    /// The job in progress (not cancelled): (id, status, status words, job type words,
    /// contact, problem, model).
    pub job: Option<JobLine>,
    pub trips: Vec<TripLine>,
    /// Jobs of this ticket that were cancelled: "#id · cancelled at".
    pub cancelled: Vec<String>,
    /// The form that opens a job, when one may be opened here.
    pub form: Option<JobTyped>,
    pub job_types: Vec<Choice>,
    pub errors: Messages,
    pub may_dispatch: bool,
}

pub struct JobLine {
    pub id: i64,
    pub status: &'static str,
    pub status_label: &'static str,
    pub job_type: &'static str,
    pub contact: String,
    pub problem: String,
    pub model_code: Option<String>,
}

fn time_or_dash(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(|| "—".to_string(), short_time)
}

fn trip_line(lang: Lang, t: &sanbao_domain::field::Trip) -> TripLine {
    TripLine {
        label: lang.f("dispatch.trip_n", &[("n", &t.ordinal)]),
        reason: t.reason.clone(),
        crew: crew_words(t),
        dispatched: time_or_dash(t.dispatched_at),
        expected: time_or_dash(t.expected_at),
        departed: time_or_dash(t.departed_at),
        arrived: time_or_dash(t.arrived_at),
        position: t.position.map(|p| {
            format!(
                "https://www.openstreetmap.org/?mlat={:.6}&mlon={:.6}#map=16/{:.6}/{:.6}",
                p.lat, p.lon, p.lat, p.lon
            )
        }),
    }
}

/// The ticket's job section; None for a ticket answered by a reply. `typed` is the job
/// form as sent back with its problems.
pub async fn job_section(
    state: &AppState,
    u: &WebUser,
    ticket: &sanbao_domain::ticket::Ticket,
    contact: (String, String),
    typed: Option<(JobTyped, Messages)>,
) -> WebResult<Option<JobSection>> {
    if !may_have_job(ticket.kind) {
        return Ok(None);
    }
    let lang = u.lang;
    let jobs: Vec<Job> = app::field::jobs(
        state,
        &u.user,
        &JobFilter {
            ticket: Some(ticket.id),
            ..JobFilter::default()
        },
        app::MAX_LIMIT,
        None,
    )
    .await?;
    let current = jobs.iter().find(|j| j.status != JobStatus::Cancelled);
    let may_dispatch = u.may(Permission::DispatchTechnicians);
    let cancelled = jobs
        .iter()
        .filter(|j| j.status == JobStatus::Cancelled)
        .map(|j| {
            lang.f(
                "dispatch.job_cancelled_line",
                &[("id", &j.id.0), ("at", &short_time(j.updated_at))],
            )
        })
        .collect();
    let (typed, errors) = match typed {
        Some((t, m)) => (Some(t), m),
        None => (None, Messages::default()),
    };
    let form = (current.is_none() && may_dispatch && !ticket.status.is_finished()).then(|| {
        typed.unwrap_or_else(|| JobTyped {
            job_type: JobType::for_ticket(ticket.kind).as_str().to_string(),
            contact_name: contact.0.clone(),
            contact_phone: contact.1.clone(),
            problem: ticket.summary.clone(),
            model_code: String::new(),
        })
    });
    let chosen = form.as_ref().map_or("", |f| f.job_type.as_str());
    let job_types = JobType::ALL
        .iter()
        .map(|t| Choice::new(t.as_str(), job_type_label(lang, *t), chosen))
        .collect();
    Ok(Some(JobSection {
        ticket_id: ticket.id.0,
        job: current.map(|j| JobLine {
            id: j.id.0,
            status: j.status.as_str(),
            status_label: job_status_label(lang, j.status),
            job_type: job_type_label(lang, j.job_type),
            contact: format!("{} · {}", j.contact_name, j.contact_phone),
            problem: j.problem.clone(),
            model_code: j.model_code.clone(),
        }),
        trips: current
            .map(|j| j.trips.iter().map(|t| trip_line(lang, t)).collect())
            .unwrap_or_default(),
        cancelled,
        form,
        job_types,
        errors,
        may_dispatch,
    }))
}

/// `POST /tickets/{id}/job`: open the ticket's on-site job. Problems: the ticket's page
/// again with what was typed (422).
pub async fn open_job(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: mut u, form }: WebForm,
) -> WebResult<Response> {
    let id = id
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(TicketId)
        .ok_or_else(|| WebError::not_found("ticket"))?;
    let back = format!("/tickets/{}", id.0);
    guard(&u, Permission::DispatchTechnicians)?;
    let typed = JobTyped {
        job_type: form.text("job_type"),
        contact_name: form.text("contact_name"),
        contact_phone: form.text("contact_phone"),
        problem: form.text("problem"),
        model_code: form.text("model_code"),
    };
    let input = JobInput {
        job_type: Some(typed.job_type.clone()),
        contact_name: Some(typed.contact_name.clone()),
        contact_phone: Some(typed.contact_phone.clone()),
        // Left empty: the ticket's summary.
        problem: Some(typed.problem.clone()),
        model_code: Some(typed.model_code.clone()),
    };
    match app::field::open_job(&state, &u.user, id, &input, state.now()).await {
        Ok(_) => Ok(see_other(&format!("{back}?job=opened#job"))),
        Err(Error::Validation(errs)) => {
            u.unread = app::inbox::unread(&state, u.user.id).await?;
            let messages = Messages::new(u.lang, &errs);
            super::tickets::job_sent_back(&state, &u, id, (typed, messages)).await
        }
        Err(e) => Err(WebError::from(e).back(back)),
    }
}
