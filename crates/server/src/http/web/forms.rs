//! The service feedback form's pages (R1.2, R4.5): the phone form a crew fills on site and
//! the customer signs (kept on the phone as it is typed, sent when the network returns),
//! a form's read-only page, its A4 print in Chinese, and the department's review queue.
//! Also the small service worker that lets the phone form reload without a network.

use super::view::full_time;
use super::{Layout, WebError, WebForm, WebResult, WebUser, render, render_with, see_other};
use crate::app::forms::JobFacts;
use crate::app::{self, AppState};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sanbao_domain::field::form::{FeedbackForm, FormStatus, Responsibility};
use sanbao_domain::field::{Job, JobStatus};
use sanbao_domain::{Error, FormId, JobId, Permission};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/field/jobs/{id}/form", get(phone_form))
        .route("/field/forms/{id}", get(view))
        .route("/field/forms/{id}/print", get(print))
        .route("/field/forms/{id}/review", post(review))
        .route("/field/review", get(queue))
        .route("/field/sw.js", get(service_worker))
        .route("/field/form.js", get(script))
        .route("/field/form.css", get(style))
}

const SW: &str = include_str!("../../../static/field-sw.js");
const JS: &str = include_str!("../../../static/field-form.js");
const CSS: &str = include_str!("../../../static/field-form.css");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

/// `GET /field/sw.js`: the service worker of `/field/` (network first, the form page and
/// its files kept for a reload without a network; never the API, never a POST).
pub async fn service_worker() -> Response {
    asset(SW, "text/javascript; charset=utf-8")
}

pub async fn script() -> Response {
    asset(JS, "text/javascript; charset=utf-8")
}

pub async fn style() -> Response {
    asset(CSS, "text/css; charset=utf-8")
}

/// A responsibility choice of the form.
struct Choice {
    value: &'static str,
    label: String,
    selected: bool,
}

fn responsibilities(lang: Lang, current: Option<Responsibility>) -> Vec<Choice> {
    Responsibility::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str(),
            label: lang
                .t(&format!("form.responsibility.{}", r.as_str()))
                .to_string(),
            selected: current == Some(*r),
        })
        .collect()
}

pub(crate) struct PartRow {
    pub(crate) name: String,
    pub(crate) quantity: String,
    pub(crate) faulty_serial: String,
    pub(crate) replacement_serial: String,
}

pub(crate) struct PhotoView {
    pub(crate) file_id: i64,
    pub(crate) url: String,
    pub(crate) caption: String,
}

fn part_rows(f: &FeedbackForm) -> Vec<PartRow> {
    f.parts
        .iter()
        .map(|p| PartRow {
            name: p.name.clone(),
            quantity: p.quantity.to_string(),
            faulty_serial: p.faulty_serial.clone().unwrap_or_default(),
            replacement_serial: p.replacement_serial.clone().unwrap_or_default(),
        })
        .collect()
}

fn photo_views(f: &FeedbackForm) -> Vec<PhotoView> {
    f.photos
        .iter()
        .map(|p| PhotoView {
            file_id: p.file_id.0,
            url: format!("/api/v1/files/{}", p.file_id.0),
            caption: p.caption.clone().unwrap_or_default(),
        })
        .collect()
}

/// A `datetime-local` value, empty when unknown.
fn local_input(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map(super::view::datetime_local).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "form_phone.html")]
struct PhoneForm {
    l: Layout,
    job_id: i64,
    facts: JobFacts,
    contact: String,
    problem: String,
    /// The draft being filled, if the trip has one.
    form_id: Option<i64>,
    version: i64,
    /// The form a new draft corrects (the job was returned).
    corrects: Option<i64>,
    /// Why the reviewer sent the last form back.
    returned_reason: Option<String>,
    may_fill: bool,
    /// Why the form cannot be filled now, when it cannot.
    closed: Option<String>,
    /// The last locked form of the job, to read.
    last_href: Option<String>,
    service_content: String,
    fault_cause: String,
    cause_analysis: String,
    handling: String,
    responsibilities: Vec<Choice>,
    parts: Vec<PartRow>,
    started_at: String,
    ended_at: String,
    photos: Vec<PhotoView>,
}

/// `GET /field/jobs/{id}/form`: the phone form of the job's current trip.
pub async fn phone_form(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let (job, facts, forms) = app::forms::job_page(&state, &u.user, JobId(id)).await?;
    let trip = job.current_trip();
    let draft = trip.and_then(|t| {
        forms
            .iter()
            .rev()
            .find(|f| f.trip_id == t.id && f.status == FormStatus::Draft)
    });
    let last_locked = forms.iter().rev().find(|f| f.status.is_locked());
    let returned = last_locked.filter(|f| f.status == FormStatus::Returned);
    let works = job.may_work(u.user.id, u.user.role);
    let open = match job.status {
        JobStatus::OnSite => true,
        JobStatus::Returned => returned.is_some() || draft.is_some(),
        _ => draft.is_some(),
    };
    let may_fill = works && open;
    let closed = (!may_fill).then(|| {
        if !works {
            u.t("form.closed_not_crew").to_string()
        } else {
            u.t(closed_reason(&job)).to_string()
        }
    });
    let base = draft.or(returned);
    let (fields_from, photos) = match draft {
        Some(d) => (Some(d), photo_views(d)),
        None => (returned, Vec::new()),
    };
    let arrival = trip.and_then(|t| t.arrived_at);
    render(&PhoneForm {
        job_id: id,
        contact: format!("{} {}", job.contact_name, job.contact_phone),
        problem: job.problem.clone(),
        form_id: draft.map(|d| d.id.0),
        version: draft.map_or(0, |d| d.version),
        corrects: if draft.is_some() {
            draft.and_then(|d| d.corrects.map(|c| c.0))
        } else {
            returned.map(|r| r.id.0)
        },
        returned_reason: returned
            .and_then(|r| r.review.as_ref())
            .and_then(|r| r.reason.clone()),
        may_fill,
        closed,
        last_href: last_locked.map(|f| format!("/field/forms/{}", f.id.0)),
        service_content: fields_from
            .map(|f| f.service_content.clone())
            .unwrap_or_default(),
        fault_cause: fields_from
            .map(|f| f.fault_cause.clone())
            .unwrap_or_default(),
        cause_analysis: fields_from
            .map(|f| f.cause_analysis.clone())
            .unwrap_or_default(),
        handling: fields_from.map(|f| f.handling.clone()).unwrap_or_default(),
        responsibilities: responsibilities(u.lang, base.and_then(|f| f.responsibility)),
        parts: fields_from.map(part_rows).unwrap_or_default(),
        started_at: local_input(fields_from.and_then(|f| f.started_at).or(arrival)),
        ended_at: local_input(fields_from.and_then(|f| f.ended_at)),
        photos,
        facts,
        l: u.layout("field", u.t("form.title")),
    })
}

fn closed_reason(job: &Job) -> &'static str {
    match job.status {
        JobStatus::Submitted => "form.closed_submitted",
        JobStatus::Done => "form.closed_done",
        JobStatus::Cancelled => "form.closed_cancelled",
        _ => "form.closed_not_on_site",
    }
}

/// A form as its pages show it.
pub(crate) struct Sheet {
    pub(crate) id: i64,
    pub(crate) job_id: i64,
    pub(crate) status: &'static str,
    pub(crate) status_label: String,
    pub(crate) corrects: Option<i64>,
    pub(crate) facts: JobFacts,
    pub(crate) contact_name: String,
    pub(crate) contact_phone: String,
    pub(crate) job_type: String,
    pub(crate) problem: String,
    pub(crate) service_content: String,
    pub(crate) fault_cause: String,
    pub(crate) cause_analysis: String,
    pub(crate) handling: String,
    pub(crate) responsibility: String,
    pub(crate) parts: Vec<PartRow>,
    pub(crate) started_at: String,
    pub(crate) ended_at: String,
    pub(crate) photos: Vec<PhotoView>,
    pub(crate) signer_name: String,
    pub(crate) signature_url: Option<String>,
    pub(crate) signed_at: String,
    pub(crate) customer_absent: bool,
    pub(crate) opinion: String,
    pub(crate) stamp_url: Option<String>,
    pub(crate) review_reason: Option<String>,
    pub(crate) reviewed: Option<String>,
}

pub(crate) async fn sheet(
    state: &AppState,
    u: &WebUser,
    id: i64,
) -> WebResult<(Sheet, FeedbackForm)> {
    let (form, job) = app::forms::form(state, &u.user, FormId(id)).await?;
    let facts = app::forms::facts(state, &job, Some(form.trip_id)).await?;
    let opt = |at: Option<chrono::DateTime<chrono::Utc>>| at.map(full_time).unwrap_or_default();
    let reviewed = form.review.as_ref().map(|r| {
        let key = if r.accepted {
            "form.review_accepted_at"
        } else {
            "form.review_returned_at"
        };
        u.lang.f(key, &[("at", &full_time(r.at))])
    });
    let s = Sheet {
        id,
        job_id: job.id.0,
        status: form.status.as_str(),
        status_label: u
            .t(&format!("form.status.{}", form.status.as_str()))
            .to_string(),
        corrects: form.corrects.map(|c| c.0),
        facts,
        contact_name: job.contact_name.clone(),
        contact_phone: job.contact_phone.clone(),
        job_type: u
            .t(&format!("form.job_type.{}", job.job_type.as_str()))
            .to_string(),
        problem: job.problem.clone(),
        service_content: form.service_content.clone(),
        fault_cause: form.fault_cause.clone(),
        cause_analysis: form.cause_analysis.clone(),
        handling: form.handling.clone(),
        responsibility: form
            .responsibility
            .map(|r| {
                u.t(&format!("form.responsibility.{}", r.as_str()))
                    .to_string()
            })
            .unwrap_or_default(),
        parts: part_rows(&form),
        started_at: opt(form.started_at),
        ended_at: opt(form.ended_at),
        photos: photo_views(&form),
        signer_name: form
            .signature
            .as_ref()
            .map(|s| s.signer_name.clone())
            .unwrap_or_default(),
        signature_url: form
            .signature
            .as_ref()
            .map(|s| format!("/api/v1/files/{}", s.file_id.0)),
        signed_at: opt(form.signature.as_ref().map(|s| s.signed_at)),
        customer_absent: form.customer_absent,
        opinion: form.customer_opinion.clone().unwrap_or_default(),
        stamp_url: form.stamp_file_id.map(|f| format!("/api/v1/files/{}", f.0)),
        review_reason: form.review.as_ref().and_then(|r| r.reason.clone()),
        reviewed,
    };
    Ok((s, form))
}

#[derive(Template)]
#[template(path = "form_view.html")]
struct ViewPage {
    l: Layout,
    s: Sheet,
    may_review: bool,
    may_correct: bool,
}

/// `GET /field/forms/{id}`: a form as it was signed, with the reviewer's reason when it
/// was sent back.
pub async fn view(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let (s, form) = sheet(&state, &u, id).await?;
    let may_review = u.may(Permission::ReviewFeedbackForms)
        && form.status == FormStatus::Signed
        && form.created_by != u.user.id;
    let may_correct = form.status == FormStatus::Returned && u.may(Permission::DoFieldWork);
    render(&ViewPage {
        l: u.layout("field", u.lang.f("form.number", &[("id", &id)])),
        s,
        may_review,
        may_correct,
    })
}

#[derive(Template)]
#[template(path = "form_print.html")]
struct PrintPage {
    l: Layout,
    s: Sheet,
    // ---- parts field ----
    /// The job's parts fitted, from the parts ledger (beside the form's own table).
    fitted: Vec<PartRow>,
    // ---- end parts field ----
}

// ---- parts field ----
/// Parts fitted on a job as the ledger has them (reversed fittings left out).
async fn fitted_parts(state: &AppState, u: &WebUser, job: JobId) -> WebResult<Vec<PartRow>> {
    use sanbao_domain::parts::MoveKind;
    let jp = app::parts::job_parts(state, &u.user, job).await?;
    Ok(jp
        .ledger
        .iter()
        .filter(|m| m.mv.m.kind == MoveKind::Use && m.reversed_by.is_none())
        .map(|m| PartRow {
            name: format!("{} {}", m.part_code, m.part_name),
            quantity: format!("{}{}", m.mv.m.quantity, m.unit),
            faulty_serial: m.mv.m.faulty_serial.clone().unwrap_or_default(),
            replacement_serial: m.mv.m.serial.clone().unwrap_or_default(),
        })
        .collect())
}
// ---- end parts field ----

/// `GET /field/forms/{id}/print`: the form on one A4 page, in Chinese, laid out like the
/// paper form.
pub async fn print(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let mut zh = WebUser {
        lang: Lang::Zh,
        ..u
    };
    zh.here = format!("/field/forms/{id}/print");
    let (s, _) = sheet(&state, &zh, id).await?;
    let fitted = fitted_parts(&state, &zh, JobId(s.job_id)).await?;
    render(&PrintPage {
        l: zh.layout("field", zh.lang.f("form.number", &[("id", &id)])),
        s,
        fitted,
    })
}

struct QueueLine {
    id: i64,
    href: String,
    print_href: String,
    customer: String,
    job_type: String,
    signed: String,
    signer: String,
    crew: String,
    service_content: String,
    correction: bool,
    reason: String,
    error: Option<String>,
    // ---- parts field ----
    /// The job's parts page, when acceptance was refused for parts still out.
    parts_href: Option<String>,
    // ---- end parts field ----
}

#[derive(Template)]
#[template(path = "form_review.html")]
struct QueuePage {
    l: Layout,
    rows: Vec<QueueLine>,
    done: Option<String>,
}

async fn queue_page(
    state: &AppState,
    u: &WebUser,
    failed: Option<(i64, String, String)>,
    done: Option<String>,
    parts_gate: Option<i64>,
) -> WebResult<QueuePage> {
    let forms = app::forms::to_review(state, &u.user, 100).await?;
    let mut rows = Vec::new();
    for f in forms {
        let Ok((_, job)) = app::forms::form(state, &u.user, f.id).await else {
            continue;
        };
        let facts = app::forms::facts(state, &job, Some(f.trip_id)).await?;
        let (reason, error) = match &failed {
            Some((id, reason, error)) if *id == f.id.0 => (reason.clone(), Some(error.clone())),
            _ => (String::new(), None),
        };
        // ---- parts field ----
        let parts_href = error
            .as_ref()
            .filter(|_| parts_gate == Some(f.id.0))
            .map(|_| format!("/field/jobs/{}/parts", job.id.0));
        // ---- end parts field ----
        rows.push(QueueLine {
            id: f.id.0,
            href: format!("/field/forms/{}", f.id.0),
            print_href: format!("/field/forms/{}/print", f.id.0),
            customer: facts.customer.clone(),
            job_type: u
                .t(&format!("form.job_type.{}", job.job_type.as_str()))
                .to_string(),
            signed: f
                .signature
                .as_ref()
                .map(|s| full_time(s.signed_at))
                .unwrap_or_else(|| full_time(f.updated_at)),
            signer: f
                .signature
                .as_ref()
                .map(|s| s.signer_name.clone())
                .unwrap_or_else(|| u.t("form.customer_absent_short").to_string()),
            crew: facts.crew.join("、"),
            service_content: f.service_content.clone(),
            correction: f.corrects.is_some(),
            reason,
            error,
            parts_href,
        });
    }
    Ok(QueuePage {
        rows,
        done,
        l: u.layout("form_review", u.t("form.review_title")),
    })
}

/// `GET /field/review`: signed forms waiting for review, signed longest ago first.
pub async fn queue(
    State(state): State<AppState>,
    u: WebUser,
    super::QueryParams(p): super::QueryParams,
) -> WebResult<Response> {
    let done = p.get("done").map(|d| {
        if d == "accepted" {
            u.t("form.done_accepted").to_string()
        } else {
            u.t("form.done_returned").to_string()
        }
    });
    let page = queue_page(&state, &u, None, done, None).await?;
    render(&page)
}

/// `POST /field/forms/{id}/review`: accept, or return with a reason (a missing reason
/// shows the queue again with the problem under the form's reason box).
pub async fn review(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let accept = form.get("decision") == Some("accept");
    let reason = form.text("reason");
    let r = app::forms::review(
        &state,
        &u.user,
        FormId(id),
        accept,
        Some(reason.as_str()),
        state.now(),
    )
    .await;
    match r {
        Ok(_) => Ok(see_other(if accept {
            "/field/review?done=accepted"
        } else {
            "/field/review?done=returned"
        })),
        Err(Error::Validation(f)) => {
            let mut error =
                f.0.iter()
                    .next()
                    .map(|(field, p)| u.lang.problem(p.code, field))
                    .unwrap_or_default();
            // ---- parts field ----
            // Parts taken for the job still out: say how many, and link to them.
            let gate = f.get("parts").is_some();
            if gate {
                let (_, job) = app::forms::form(&state, &u.user, FormId(id)).await?;
                let n = app::parts::job_parts(&state, &u.user, job.id)
                    .await?
                    .reconciliation
                    .outstanding();
                error = u.lang.f("parts.field.gate", &[("n", &n)]);
            }
            let page = queue_page(
                &state,
                &u,
                Some((id, reason, error)),
                None,
                gate.then_some(id),
            )
            .await?;
            // ---- end parts field ----
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(WebError::from(e).back("/field/review")),
    }
}
