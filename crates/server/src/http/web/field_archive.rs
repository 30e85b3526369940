//! `/field/jobs/{id}/archive`: everything about a job kept together (R4.6) — the job,
//! every trip with its crew and times, the feedback forms, the survey's answers and the
//! crew's daily reports of the trip days (their lines about this job). Printable on A4;
//! `?download=1` gives it as one self-contained HTML file.

use super::surveys::{AnswerRow, answer_rows, job_type_key};
use super::view::full_time;
use super::{Layout, QueryParams, WebError, WebResult, WebUser, render_partial};
use crate::app;
use crate::app::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use sanbao_domain::field::Job;
use sanbao_domain::time::local_date;
use sanbao_domain::{JobId, UserId};

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/field/jobs/{id}/archive", axum::routing::get(archive))
}

pub struct TripShown {
    pub ordinal: i64,
    pub reason: Option<String>,
    pub crew: String,
    pub dispatched: String,
    pub departed: String,
    pub arrived: String,
}

pub struct ReportShown {
    pub name: String,
    pub day: String,
    pub submitted: String,
    pub lines: Vec<super::daily_reports::TripRow>,
}

/// The archive's content: the same in the page and in the downloaded file.
#[derive(Template)]
#[template(path = "field_archive_body_partial.html")]
struct Body {
    l: Layout,
    ticket: String,
    job_type: String,
    status: String,
    customer: String,
    site: String,
    unit: String,
    contact: String,
    problem: String,
    trips: Vec<TripShown>,
    survey_answered: Option<String>,
    answers: Vec<AnswerRow>,
    comment: Option<String>,
    reports: Vec<ReportShown>,
    printed: String,
    /// The job's feedback forms, drafts left out, oldest first.
    forms: Vec<super::forms::Sheet>,
}

#[derive(Template)]
#[template(path = "field_archive.html")]
struct Page {
    l: Layout,
    job_id: i64,
    body: String,
}

#[derive(Template)]
#[template(path = "field_archive_download.html")]
struct Download {
    l: Layout,
    body: String,
}

fn dash(at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    at.map(full_time).unwrap_or_else(|| "—".into())
}

/// The days a job's trips went out or arrived on (company time).
fn trip_days(job: &Job) -> Vec<NaiveDate> {
    let mut days: Vec<NaiveDate> = job
        .trips
        .iter()
        .flat_map(|t| [t.departed_at, t.arrived_at])
        .flatten()
        .map(local_date)
        .collect();
    days.sort();
    days.dedup();
    days
}

async fn body(state: &AppState, u: &WebUser, id: JobId) -> WebResult<Body> {
    let (job, survey) = app::surveys::of_job(state, &u.user, id).await?;
    let customer = app::customers::customer(state, &u.user, job.customer_id).await?;
    let site = match job.site_id {
        Some(s) => {
            let s = app::units::site(state, &u.user, s).await?;
            match &s.fields.name {
                Some(n) => format!("{n} · {}", s.fields.address),
                None => s.fields.address.clone(),
            }
        }
        None => customer.fields.address.clone(),
    };
    let unit = match job.unit_id {
        Some(un) => {
            let un = app::units::unit(state, &u.user, un).await?;
            format!("{} {} · {}", un.model_code, un.model_name, un.serial_no)
        }
        None => job.model_code.clone().unwrap_or_else(|| "—".into()),
    };
    let mut crew: Vec<UserId> = job
        .trips
        .iter()
        .flat_map(|t| t.crew.iter().map(|c| c.user_id))
        .collect();
    crew.sort_by_key(|c| c.0);
    crew.dedup();
    let reports = app::daily_reports::covering(state, &crew, &trip_days(&job)).await?;
    let reports = reports
        .into_iter()
        .filter_map(|r| {
            let lines: Vec<_> = r
                .lines
                .iter()
                .filter(|l| l.job_id == Some(job.id.0))
                .enumerate()
                .map(|(i, l)| super::daily_reports::trip_row(u.lang, i, l))
                .collect();
            (!lines.is_empty()).then(|| ReportShown {
                name: r.user_name.clone(),
                day: r.day.to_string(),
                submitted: dash(r.submitted_at),
                lines,
            })
        })
        .collect();
    let mut forms = Vec::new();
    for f in app::forms::forms_of_job(state, &u.user, job.id).await? {
        if f.status != sanbao_domain::field::form::FormStatus::Draft {
            forms.push(super::forms::sheet(state, u, f.id.0).await?.0);
        }
    }
    forms.sort_by_key(|f| f.id);
    Ok(Body {
        forms,
        l: u.layout("", u.t("archive.title")),
        ticket: sanbao_domain::ticket::ticket_number(job.ticket_id),
        job_type: u.t(job_type_key(job.job_type)).to_string(),
        status: u.t(status_key(job.status)).to_string(),
        customer: customer.fields.name.clone(),
        site,
        unit,
        contact: format!("{} {}", job.contact_name, job.contact_phone),
        problem: job.problem.clone(),
        trips: job
            .trips
            .iter()
            .map(|t| TripShown {
                ordinal: t.ordinal,
                reason: t.reason.clone(),
                crew: t
                    .crew
                    .iter()
                    .map(|c| {
                        if c.lead {
                            format!("{} ({})", c.name, u.t("archive.lead"))
                        } else {
                            c.name.clone()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("、"),
                dispatched: dash(t.dispatched_at),
                departed: dash(t.departed_at),
                arrived: dash(t.arrived_at),
            })
            .collect(),
        survey_answered: survey.as_ref().and_then(|s| s.answered_at).map(full_time),
        answers: survey
            .as_ref()
            .map(|s| answer_rows(u.lang, s))
            .unwrap_or_default(),
        comment: survey
            .as_ref()
            .and_then(|s| s.answers.as_ref())
            .and_then(|a| a.comment.clone()),
        reports,
        printed: full_time(state.now()),
    })
}

/// The catalogue key of a job's status.
fn status_key(s: sanbao_domain::field::JobStatus) -> &'static str {
    use sanbao_domain::field::JobStatus as S;
    match s {
        S::Open => "archive.status.open",
        S::Dispatched => "archive.status.dispatched",
        S::Underway => "archive.status.underway",
        S::OnSite => "archive.status.on_site",
        S::Submitted => "archive.status.submitted",
        S::Returned => "archive.status.returned",
        S::Done => "archive.status.done",
        S::Cancelled => "archive.status.cancelled",
    }
}

/// The file behind `/api/v1/files/{id}` as a `data:` URL.
async fn inline(state: &AppState, u: &WebUser, url: &str) -> WebResult<String> {
    let Some(id) = url.rsplit('/').next().and_then(|s| s.parse::<i64>().ok()) else {
        return Ok(url.to_string());
    };
    let file = app::forms::file(state, &u.user, sanbao_domain::FileId(id)).await?;
    use base64::Engine as _;
    Ok(format!(
        "data:{};base64,{}",
        file.content_type,
        base64::engine::general_purpose::STANDARD.encode(&file.bytes)
    ))
}

/// `GET /field/jobs/{id}/archive[?download=1]`
pub async fn archive(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let id = id
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(JobId)
        .ok_or_else(|| WebError::not_found("job"))?;
    let mut b = body(&state, &u, id).await?;
    let ticket = b.ticket.clone();
    if p.get("download").is_some() {
        // The downloaded file stands alone: its photos and signatures go inside it.
        for f in &mut b.forms {
            for url in f
                .photos
                .iter_mut()
                .map(|p| &mut p.url)
                .chain(f.signature_url.iter_mut())
                .chain(f.stamp_url.iter_mut())
            {
                *url = inline(&state, &u, url).await?;
            }
        }
    }
    let html = render_partial(&b)?;
    if p.get("download").is_some() {
        let page = Download {
            l: u.layout("", format!("{} · {}", u.t("archive.title"), ticket)),
            body: html,
        };
        let text = render_partial(&page)?;
        let name = format!("attachment; filename=\"archive-{ticket}.html\"");
        return Ok((
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, name),
            ],
            text,
        )
            .into_response());
    }
    let page = Page {
        l: u.layout("", format!("{} · {}", u.t("archive.title"), ticket)),
        job_id: id.0,
        body: html,
    };
    Ok(Html(render_partial(&page)?).into_response())
}
