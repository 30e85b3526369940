//! The technician's phone (R4.4): `/field/today`, the jobs a technician is sent on today,
//! most urgent arrival deadline first; `/field/jobs/{id}`, one job with everything needed
//! on the road (where, whom to call, the unit and its coverage, its history, the deadline)
//! and the crew's buttons: set off, arrived (with the phone's position when it gives one),
//! take the arrival back within its window, ask for another trip. The department sees the
//! same page without the buttons. Every button is a plain form: the page works without
//! script, and a form sent twice shows the job as it is rather than an error.

use super::units::CoverageView;
use super::view::{DeadlineView, Messages, full_time, short_time};
use super::{Layout, QueryParams, WebForm, WebResult, WebUser, render_with, see_other};
use crate::app;
use crate::app::AppState;
use crate::app::idempotency::Once;
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use sanbao_domain::field::{ARRIVAL_UNDO, Job, JobFilter, JobStatus, JobType, Position};
use sanbao_domain::idempotency::IdempotencyKey;
use sanbao_domain::ticket::{DeadlineKind, Ticket};
use sanbao_domain::time::local_date;
use sanbao_domain::{Error, FieldErrors, JobId, Permission, Problem};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/field/today", get(today))
        .route("/field/jobs/{id}", get(detail))
        .route("/field/jobs/{id}/depart", post(depart))
        .route("/field/jobs/{id}/arrive", post(arrive))
        .route("/field/jobs/{id}/undo-arrival", post(undo_arrival))
        .route("/field/jobs/{id}/follow-up", post(follow_up))
}

/// Where someone who goes on site lands after signing in.
pub const TODAY: &str = "/field/today";

/// How many of one's jobs the day's page reads (newest first) before sorting them.
const READ: i64 = 200;

fn type_label(lang: Lang, t: JobType) -> &'static str {
    lang.t(match t {
        JobType::Installation => "phone.type.installation",
        JobType::Repair => "phone.type.repair",
        JobType::TechnicalGuidance => "phone.type.technical_guidance",
        JobType::Training => "phone.type.training",
        JobType::Inspection => "phone.type.inspection",
    })
}

fn status_label(lang: Lang, s: JobStatus) -> &'static str {
    lang.t(match s {
        JobStatus::Open => "phone.status.open",
        JobStatus::Dispatched => "phone.status.dispatched",
        JobStatus::Underway => "phone.status.underway",
        JobStatus::OnSite => "phone.status.on_site",
        JobStatus::Submitted => "phone.status.submitted",
        JobStatus::Returned => "phone.status.returned",
        JobStatus::Done => "phone.status.done",
        JobStatus::Cancelled => "phone.status.cancelled",
    })
}

/// The ticket's arrival deadline as the page shows it, with why it is due when it is.
fn arrival_deadline(lang: Lang, t: &Ticket, now: DateTime<Utc>) -> Option<DeadlineView> {
    t.deadline(DeadlineKind::Arrival).map(|d| {
        let mut v = DeadlineView::new(lang, d, t.status, now);
        v.explain = Some(super::deadlines::explain(lang, &d.explain()));
        v
    })
}

/// Where the job is: its site, else the customer's first site, else the customer's
/// address; (site name, address).
async fn place_of(
    state: &AppState,
    u: &WebUser,
    job: &Job,
    customer_address: &str,
) -> WebResult<(Option<String>, String)> {
    let site = match job.site_id {
        Some(id) => Some(app::units::site(state, &u.user, id).await?),
        None => app::units::sites(state, &u.user, job.customer_id)
            .await?
            .into_iter()
            .next(),
    };
    Ok(match site {
        Some(s) => (s.fields.name, s.fields.address),
        None => (None, customer_address.to_string()),
    })
}

// ---------------------------------------------------------------------------------------
// My jobs today.

struct JobCard {
    href: String,
    customer: String,
    place: String,
    type_label: String,
    status: &'static str,
    status_label: String,
    deadline: Option<DeadlineView>,
    /// Epoch ms of the arrival deadline, for the order (none last).
    due_ms: i64,
    /// "Trip 2" on a follow-up.
    trip: Option<String>,
}

#[derive(Template)]
#[template(path = "field_phone_today.html")]
struct TodayPage {
    l: Layout,
    date: String,
    active: Vec<JobCard>,
    finished: Vec<JobCard>,
}

/// `GET /field/today`: the jobs whose current trip's crew includes me and that are not
/// finished, most urgent arrival deadline first; then the jobs finished today.
pub async fn today(State(state): State<AppState>, u: WebUser) -> WebResult<Response> {
    let now = state.now();
    let filter = JobFilter {
        crew: Some(u.user.id),
        ..JobFilter::default()
    };
    let jobs = app::field::jobs(&state, &u.user, &filter, READ, None).await?;
    let today = local_date(now);
    let (mut active, mut finished) = (Vec::new(), Vec::new());
    for job in jobs {
        let mine_now = job
            .current_trip()
            .is_some_and(|t| t.has(u.user.id) && !t.crew.is_empty());
        let done_today = job.status.is_finished() && local_date(job.updated_at) == today;
        let working = mine_now && !job.status.is_finished();
        if !working && !done_today {
            continue;
        }
        let t = app::tickets::ticket(&state, &u.user, job.ticket_id).await?;
        let c = app::customers::customer(&state, &u.user, job.customer_id).await?;
        let (site_name, address) = place_of(&state, &u, &job, &c.fields.address).await?;
        let deadline = arrival_deadline(u.lang, &t, now);
        let card = JobCard {
            href: format!("/field/jobs/{}", job.id),
            customer: c.fields.name,
            place: match site_name {
                Some(n) => format!("{n} · {address}"),
                None => address,
            },
            type_label: type_label(u.lang, job.job_type).to_string(),
            status: job.status.as_str(),
            status_label: status_label(u.lang, job.status).to_string(),
            due_ms: deadline.as_ref().map_or(i64::MAX, |d| d.due_ms),
            deadline,
            trip: job
                .current_trip()
                .filter(|t| t.ordinal > 1)
                .map(|t| u.lang.f("phone.trip_n", &[("n", &t.ordinal)])),
        };
        if job.status.is_finished() {
            finished.push(card);
        } else {
            active.push(card);
        }
    }
    active.sort_by_key(|c| c.due_ms);
    render_with(
        StatusCode::OK,
        &TodayPage {
            date: today.to_string(),
            active,
            finished,
            l: u.layout("field_today", u.t("phone.today_title")),
        },
    )
}

// ---------------------------------------------------------------------------------------
// One job.

struct HistoryLine {
    href: String,
    number: String,
    date: String,
    kind_label: String,
    status_label: String,
    summary: String,
    coverage: Option<String>,
    this: bool,
}

struct TripView {
    ordinal: i64,
    reason: Option<String>,
    crew: String,
    dispatched: Option<String>,
    expected: Option<String>,
    departed: Option<String>,
    arrived: Option<String>,
    position: Option<String>,
}

/// The first trip's arrival and what it did to the arrival deadline.
struct ArrivalView {
    at: String,
    /// `met`, `met_late`, or empty when the ticket has no arrival deadline.
    state: &'static str,
    text: String,
}

#[derive(Template)]
#[template(path = "field_phone_job.html")]
struct JobPage {
    l: Layout,
    id: i64,
    number: String,
    ticket_href: String,
    type_label: String,
    status: &'static str,
    status_label: String,
    customer: String,
    site_name: Option<String>,
    address: String,
    map_href: String,
    contact_name: String,
    contact_phone: String,
    tel: String,
    problem: String,
    unit: Option<(String, String, String)>,
    model_code: Option<String>,
    coverage: Option<CoverageView>,
    history: Vec<HistoryLine>,
    deadline: Option<DeadlineView>,
    arrival: Option<ArrivalView>,
    trips: Vec<TripView>,
    may_depart: bool,
    may_arrive: bool,
    may_undo: bool,
    undo_until: String,
    may_follow_up: bool,
    /// The crew may open the feedback form (on site or later).
    show_form: bool,
    show_survey: bool,
    /// The department: a link to the dispatch page.
    department: bool,
    notice: Option<String>,
    warning: Option<String>,
    reason: String,
    reason_error: Option<String>,
    /// A fresh random key for each page: a form sent twice carries the same one.
    idem: String,
    // ---- similar cases ----
    /// How the same fault was solved before (while the job is not finished).
    similar: Option<super::similar::SimilarPanel>,
    // ---- end similar cases ----
    // ---- parts field ----
    /// "2 parts still out" when parts taken for the job are not yet accounted for.
    parts_out: Option<String>,
    // ---- end parts field ----
    // ---- training ----
    /// The current documents of the job's model and the general service documents:
    /// (file href, code, title, version label).
    docs: Vec<(String, String, String, String)>,
    // ---- end training ----
}

/// What a page shows besides the job itself.
#[derive(Default)]
struct Said {
    notice: Option<String>,
    warning: Option<String>,
    reason: String,
    errors: FieldErrors,
}

fn tel(phone: &str) -> String {
    phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect()
}

/// `geo:0,0?q=<address>`: opens the address in the phone's map app.
fn map_href(address: &str) -> String {
    let q: String = form_urlencoded::byte_serialize(address.as_bytes()).collect();
    format!("geo:0,0?q={}", q.replace('+', "%20"))
}

fn position_text(lang: Lang, p: &Position) -> String {
    match p.accuracy_m {
        Some(a) => lang.f(
            "phone.position_accuracy",
            &[
                ("lat", &format!("{:.5}", p.lat)),
                ("lon", &format!("{:.5}", p.lon)),
                ("m", &format!("{a:.0}")),
            ],
        ),
        None => format!("{:.5}, {:.5}", p.lat, p.lon),
    }
}

async fn job_page(state: &AppState, u: &WebUser, id: JobId, said: Said) -> WebResult<JobPage> {
    let job = app::field::job(state, &u.user, id).await?;
    let now = state.now();
    let lang = u.lang;
    let t = app::tickets::ticket(state, &u.user, job.ticket_id).await?;
    let c = app::customers::customer(state, &u.user, job.customer_id).await?;
    let (site_name, address) = place_of(state, u, &job, &c.fields.address).await?;
    let unit = match job.unit_id {
        Some(uid) => Some(app::units::unit(state, &u.user, uid).await?),
        None => None,
    };
    let mut history = Vec::new();
    if let Some(unit) = &unit {
        for h in app::field_phone::tickets_of_unit(state, &u.user, unit.id).await? {
            history.push(HistoryLine {
                href: format!("/tickets/{}", h.id.0),
                number: sanbao_domain::ticket::ticket_number(h.id),
                date: local_date(h.received_at).to_string(),
                kind_label: lang.t(&format!("kind.{}", h.kind)).to_string(),
                status_label: lang.t(&format!("status.{}", h.status)).to_string(),
                summary: super::view::clip(&h.summary, 80),
                coverage: h
                    .coverage
                    .map(|c| super::units::coverage_label(lang, c.coverage).to_string()),
                this: h.id == job.ticket_id,
            });
        }
    }
    let arrival = job.first_arrival().map(|at| {
        let met = t.deadline(DeadlineKind::Arrival).map(|d| d.due_at >= at);
        ArrivalView {
            at: full_time(at),
            state: match met {
                Some(true) => "met",
                Some(false) => "met_late",
                None => "",
            },
            text: match met {
                Some(true) => lang.t("phone.arrival_in_time").to_string(),
                Some(false) => lang.t("phone.arrival_late").to_string(),
                None => String::new(),
            },
        }
    });
    let trip = job.current_trip();
    let crew = job.may_work(u.user.id, u.user.role);
    let undo_until = trip
        .filter(|t| t.arrived_by == Some(u.user.id))
        .and_then(|t| t.arrived_at)
        .map(|at| at + ARRIVAL_UNDO);
    let may_undo =
        crew && job.status == JobStatus::OnSite && undo_until.is_some_and(|until| now <= until);
    let messages = Messages::new(lang, &said.errors);
    let department = u.may(Permission::DispatchTechnicians);
    let on_site_once = job.first_arrival().is_some() || job.status == JobStatus::OnSite;
    // ---- parts field ----
    let out = app::parts::job_parts(state, &u.user, job.id)
        .await?
        .reconciliation
        .outstanding();
    let parts_out = (out > 0).then(|| lang.f("parts.field.still_out_short", &[("n", &out)]));
    // ---- training ----
    let model = unit
        .as_ref()
        .map(|x| x.model_code.clone())
        .or_else(|| job.model_code.clone());
    let docs = app::documents::for_job(state, &u.user, model.as_deref(), now)
        .await?
        .into_iter()
        .map(|(d, v)| {
            (
                format!("/documents/{}/versions/{}/file", d.document.id, v.n),
                d.document.code,
                d.document.title,
                v.label,
            )
        })
        .collect();
    // ---- end training ----
    // ---- end parts field ----
    // ---- similar cases ----
    let similar = if job.status.is_finished() {
        None
    } else {
        Some(super::similar::for_job(state, u, job.id).await?)
    };
    // ---- end similar cases ----
    Ok(JobPage {
        similar,
        id: job.id.0,
        number: t.number(),
        ticket_href: format!("/tickets/{}", t.id.0),
        type_label: type_label(lang, job.job_type).to_string(),
        status: job.status.as_str(),
        status_label: status_label(lang, job.status).to_string(),
        customer: c.fields.name.clone(),
        map_href: map_href(&address),
        site_name,
        address,
        tel: tel(&job.contact_phone),
        contact_name: job.contact_name.clone(),
        contact_phone: job.contact_phone.clone(),
        problem: job.problem.clone(),
        coverage: t.coverage.as_ref().map(|c| CoverageView::new(lang, c)),
        unit: unit.as_ref().map(|x| {
            (
                format!("/units/{}", x.id.0),
                x.model_code.clone(),
                x.serial_no.clone(),
            )
        }),
        model_code: job.model_code.clone(),
        history,
        deadline: arrival_deadline(lang, &t, now),
        arrival,
        trips: job
            .trips
            .iter()
            .map(|tr| TripView {
                ordinal: tr.ordinal,
                reason: tr.reason.clone(),
                crew: tr
                    .crew
                    .iter()
                    .map(|m| {
                        if m.lead {
                            lang.f("phone.lead", &[("name", &m.name)])
                        } else {
                            m.name.clone()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("、"),
                dispatched: tr.dispatched_at.map(short_time),
                expected: tr.expected_at.map(short_time),
                departed: tr.departed_at.map(short_time),
                arrived: tr.arrived_at.map(full_time),
                position: tr.position.as_ref().map(|p| position_text(lang, p)),
            })
            .collect(),
        may_depart: crew && job.status == JobStatus::Dispatched,
        may_arrive: crew && matches!(job.status, JobStatus::Dispatched | JobStatus::Underway),
        may_undo,
        undo_until: undo_until.map(short_time).unwrap_or_default(),
        may_follow_up: crew && job.status == JobStatus::OnSite,
        show_form: (job.crew_member(u.user.id) || department) && on_site_once,
        show_survey: (job.crew_member(u.user.id) || department) && on_site_once,
        department,
        notice: said.notice,
        warning: said.warning,
        reason: said.reason,
        reason_error: messages.get("reason").map(str::to_string),
        idem: app::sessions::random_token(),
        parts_out,
        // ---- training ----
        docs,
        // ---- end training ----
        l: u.layout("field_today", format!("{} · {}", t.number(), c.fields.name)),
    })
}

fn job_id(s: &str) -> WebResult<JobId> {
    s.parse::<i64>()
        .map(JobId)
        .map_err(|_| super::WebError::not_found("job"))
}

/// `GET /field/jobs/{id}?done=arrive`
pub async fn detail(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let id = job_id(&id)?;
    let notice = match p.get("done") {
        Some("depart") => Some(u.t("phone.done.depart").to_string()),
        Some("arrive") => Some(u.t("phone.done.arrive").to_string()),
        Some("undo") => Some(u.t("phone.done.undo").to_string()),
        Some("follow_up") => Some(u.t("phone.done.follow_up").to_string()),
        _ => None,
    };
    let said = Said {
        notice,
        ..Said::default()
    };
    render_with(StatusCode::OK, &job_page(&state, &u, id, said).await?)
}

/// What a button asked for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Depart,
    Arrive,
    Undo,
    FollowUp,
}

impl Step {
    fn done(self) -> &'static str {
        match self {
            Step::Depart => "depart",
            Step::Arrive => "arrive",
            Step::Undo => "undo",
            Step::FollowUp => "follow_up",
        }
    }

    /// Whether the job already is where this step would take it: the same form sent
    /// again (a double tap, a retry on a poor connection).
    fn already(self, job: &Job, user: sanbao_domain::UserId) -> bool {
        let trip = job.current_trip();
        match self {
            Step::Depart => {
                matches!(job.status, JobStatus::Underway | JobStatus::OnSite)
                    && trip.is_some_and(|t| t.departed_at.is_some() || t.arrived_at.is_some())
            }
            Step::Arrive => {
                job.status == JobStatus::OnSite && trip.is_some_and(|t| t.arrived_at.is_some())
            }
            Step::Undo => {
                matches!(job.status, JobStatus::Dispatched | JobStatus::Underway)
                    && trip.is_some_and(|t| t.has(user) && t.arrived_at.is_none())
            }
            Step::FollowUp => false,
        }
    }
}

/// The phone's position from the arrival form's hidden fields (filled by the page's
/// script when the phone gives one; empty otherwise).
fn position(form: &super::extract::Pairs) -> Result<Option<Position>, Error> {
    let num = |name: &'static str| -> Result<Option<f64>, Error> {
        match form.filled(name) {
            None => Ok(None),
            Some(s) => s
                .parse::<f64>()
                .map(Some)
                .map_err(|_| Error::field(name, Problem::invalid("not a number"))),
        }
    };
    let (lat, lon, acc) = (num("lat")?, num("lon")?, num("accuracy_m")?);
    match (lat, lon) {
        (Some(lat), Some(lon)) => Position::parse(lat, lon, acc).map(Some),
        // Half a position is no position: arrive without one.
        _ => Ok(None),
    }
}

async fn step(state: AppState, form: WebForm, id: &str, step: Step) -> WebResult<Response> {
    let WebForm { user: u, form } = form;
    let id = job_id(id)?;
    let now = state.now();
    let reason = form.text("reason");
    // The page's own random key: the same form sent again (a double tap, a retry on a
    // poor connection) is done once and answered as the first time.
    let once = form
        .filled("idem")
        .and_then(|k| IdempotencyKey::parse(k).ok())
        .map(|k| Once::new(k, &[&format!("POST /field/jobs/{id}/{}", step.done())]));
    let once = once.as_ref();
    let result = match step {
        Step::Depart => app::field::depart_once(&state, &u.user, id, once, now).await,
        Step::Arrive => match position(&form) {
            Ok(p) => app::field::arrive_once(&state, &u.user, id, p, once, now).await,
            Err(e) => Err(e),
        },
        Step::Undo => app::field::undo_arrival_once(&state, &u.user, id, once, now).await,
        Step::FollowUp => app::field::follow_up_once(&state, &u.user, id, &reason, once, now).await,
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/field/jobs/{id}?done={}", step.done()))),
        Err(Error::Conflict(why)) => {
            // Sent twice, or overtaken by a colleague: show the job as it is.
            let job = app::field::job(&state, &u.user, id).await?;
            let (status, said) = if step.already(&job, u.user.id) {
                (
                    StatusCode::OK,
                    Said {
                        notice: Some(u.t("phone.already").to_string()),
                        ..Said::default()
                    },
                )
            } else {
                tracing::info!(job_id = id.0, %why, "phone step refused");
                (
                    StatusCode::CONFLICT,
                    Said {
                        warning: Some(refused_words(u.lang, step, &job, now)),
                        ..Said::default()
                    },
                )
            };
            render_with(status, &job_page(&state, &u, id, said).await?)
        }
        Err(Error::Validation(errors)) => {
            let warning = (step == Step::Arrive).then(|| u.t("phone.bad_position").to_string());
            let said = Said {
                warning,
                reason,
                errors,
                ..Said::default()
            };
            render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &job_page(&state, &u, id, said).await?,
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// Why a step could not be taken, in the technician's words.
fn refused_words(lang: Lang, step: Step, job: &Job, now: DateTime<Utc>) -> String {
    let arrived = job.current_trip().and_then(|t| t.arrived_at);
    match (step, arrived) {
        (Step::Undo, Some(at)) if now - at > ARRIVAL_UNDO => lang.f(
            "phone.undo_too_late",
            &[("n", &ARRIVAL_UNDO.num_minutes().to_string())],
        ),
        (Step::Undo, Some(_)) => lang.t("phone.undo_not_yours").to_string(),
        _ => lang.f(
            "phone.not_now",
            &[("status", &status_label(lang, job.status).to_string())],
        ),
    }
}

/// `POST /field/jobs/{id}/depart`
pub async fn depart(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm,
) -> WebResult<Response> {
    step(state, form, &id, Step::Depart).await
}

/// `POST /field/jobs/{id}/arrive` with `lat`, `lon`, `accuracy_m` when the phone gave them.
pub async fn arrive(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm,
) -> WebResult<Response> {
    step(state, form, &id, Step::Arrive).await
}

/// `POST /field/jobs/{id}/undo-arrival`
pub async fn undo_arrival(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm,
) -> WebResult<Response> {
    step(state, form, &id, Step::Undo).await
}

/// `POST /field/jobs/{id}/follow-up` with `reason`.
pub async fn follow_up(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm,
) -> WebResult<Response> {
    step(state, form, &id, Step::FollowUp).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_link_carries_the_whole_address() {
        assert_eq!(
            map_href("杭州市 文三路1号"),
            "geo:0,0?q=%E6%9D%AD%E5%B7%9E%E5%B8%82%20%E6%96%87%E4%B8%89%E8%B7%AF1%E5%8F%B7"
        );
        assert_eq!(tel("0571-8888 1234"), "057188881234");
    }
}
