//! The satisfaction survey of a job (R5.3): `/field/jobs/{id}/survey` — the crew hands
//! the phone to the customer, or the crew or the department hands out a link with its QR
//! code — and `/survey/{token}`, the page the link opens, without signing in.
//!
//! The public form carries no CSRF token: the link's token in its address is itself the
//! secret no other site can know, and it works once.

use super::extract::{LangPref, Pairs};
use super::view::{Messages, full_time};
use super::{
    Layout, QueryParams, WebError, WebForm, WebResult, WebUser, render, render_with, see_other,
};
use crate::app;
use crate::app::AppState;
use crate::app::surveys::LinkView;
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use sanbao_domain::field::survey::{LinkState, Question, Survey, SurveyInput};
use sanbao_domain::field::{Job, JobType};
use sanbao_domain::time::local;
use sanbao_domain::{Error, FieldErrors, JobId, Permission};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/field/jobs/{id}/survey", get(page).post(answer))
        .route("/field/jobs/{id}/survey/link", post(issue_link))
        .route("/survey/{token}", get(public_page).post(public_answer))
}

/// The catalogue key of a question's text.
pub fn question_key(q: Question) -> &'static str {
    match q {
        Question::OnTime => "survey.q.on_time",
        Question::Attitude => "survey.q.attitude",
        Question::Competence => "survey.q.competence",
        Question::Solved => "survey.q.solved",
        Question::Overall => "survey.q.overall",
    }
}

/// The catalogue key of a kind of work on site.
pub fn job_type_key(t: JobType) -> &'static str {
    match t {
        JobType::Installation => "report.job_type.installation",
        JobType::Repair => "report.job_type.repair",
        JobType::TechnicalGuidance => "report.job_type.technical_guidance",
        JobType::Training => "report.job_type.training",
        JobType::Inspection => "report.job_type.inspection",
    }
}

/// One question of the form as shown: its field, text, the score chosen and its error.
pub struct QuestionRow {
    pub name: &'static str,
    pub text: String,
    pub chosen: String,
    pub error: Option<String>,
}

impl QuestionRow {
    pub fn is(&self, score: &i64) -> bool {
        self.chosen == score.to_string()
    }
}

/// The form as typed: a score per question (`q.on_time`), a comment.
struct Typed {
    scores: Vec<(Question, String)>,
    comment: String,
}

impl Typed {
    fn read(p: &Pairs) -> Typed {
        Typed {
            scores: Question::ALL
                .iter()
                .map(|q| (*q, p.text(&format!("q.{}", q.as_str()))))
                .collect(),
            comment: p.text("comment"),
        }
    }

    fn empty() -> Typed {
        Typed {
            scores: Question::ALL.iter().map(|q| (*q, String::new())).collect(),
            comment: String::new(),
        }
    }

    /// What the domain checks; a score that is not a number counts as out of range.
    fn input(&self) -> SurveyInput {
        SurveyInput {
            scores: self
                .scores
                .iter()
                .filter(|(_, s)| !s.trim().is_empty())
                .map(|(q, s)| (q.as_str().to_string(), s.trim().parse().unwrap_or(0)))
                .collect(),
            comment: Some(self.comment.clone()),
        }
    }

    fn rows(&self, lang: Lang, errors: &Messages) -> Vec<QuestionRow> {
        self.scores
            .iter()
            .map(|(q, s)| QuestionRow {
                name: q.as_str(),
                text: lang.t(question_key(*q)).to_string(),
                chosen: s.clone(),
                error: errors.get(q.as_str()).map(str::to_string),
            })
            .collect()
    }
}

/// The scores a question offers.
pub const SCORES: [i64; 5] = [1, 2, 3, 4, 5];

/// A survey's answers as shown: question, score.
pub struct AnswerRow {
    pub text: String,
    pub score: u8,
}

pub fn answer_rows(lang: Lang, s: &Survey) -> Vec<AnswerRow> {
    s.answers
        .as_ref()
        .map(|a| {
            a.scores
                .iter()
                .map(|(q, v)| AnswerRow {
                    text: lang.t(question_key(*q)).to_string(),
                    score: *v,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A link handed out, as the issuing page shows it.
struct LinkShown {
    url: String,
    expires: String,
    qr: String,
    qr_width: usize,
}

#[derive(Template)]
#[template(path = "field_survey.html")]
struct SurveyPage {
    l: Layout,
    job_id: i64,
    ticket: String,
    job_type: String,
    customer: String,
    day: String,
    may_answer: bool,
    may_issue: bool,
    /// The form is signed: the survey may be answered.
    open: bool,
    answered: bool,
    via: String,
    answered_at: String,
    answers: Vec<AnswerRow>,
    comment: Option<String>,
    rows: Vec<QuestionRow>,
    scores: [i64; 5],
    typed_comment: String,
    errors: Messages,
    link: Option<LinkShown>,
    notice: Option<String>,
}

/// The day a job is dated by: its first arrival, else when it was opened.
fn job_day(job: &Job) -> String {
    local(job.first_arrival().unwrap_or(job.created_at))
        .format("%Y-%m-%d")
        .to_string()
}

fn job_id(id: &str) -> WebResult<JobId> {
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(JobId)
        .ok_or_else(|| WebError::not_found("job"))
}

async fn survey_page(
    state: &AppState,
    u: &WebUser,
    id: JobId,
    typed: Typed,
    errors: &FieldErrors,
    link: Option<LinkShown>,
    notice: Option<String>,
) -> WebResult<SurveyPage> {
    let (job, survey) = app::surveys::of_job(state, &u.user, id).await?;
    let customer = app::customers::customer(state, &u.user, job.customer_id)
        .await?
        .fields
        .name;
    let messages = Messages::new(u.lang, errors);
    let open = sanbao_domain::field::survey::may_be_answered(job.status);
    let answered = survey.as_ref().is_some_and(Survey::is_answered);
    Ok(SurveyPage {
        l: u.layout("", u.t("survey.title")),
        job_id: id.0,
        ticket: sanbao_domain::ticket::ticket_number(job.ticket_id),
        job_type: u.t(job_type_key(job.job_type)).to_string(),
        customer,
        day: job_day(&job),
        may_answer: job.crew_member(u.user.id) && u.may(Permission::DoFieldWork),
        may_issue: sanbao_domain::field::survey::may_issue_link(&job, u.user.id, u.user.role),
        open,
        answered,
        via: survey
            .as_ref()
            .and_then(|s| s.answered_via)
            .map(|v| match v {
                sanbao_domain::field::survey::AnsweredVia::Phone => u.t("survey.via.phone"),
                sanbao_domain::field::survey::AnsweredVia::Link => u.t("survey.via.link"),
            })
            .unwrap_or_default()
            .to_string(),
        answered_at: survey
            .as_ref()
            .and_then(|s| s.answered_at)
            .map(full_time)
            .unwrap_or_default(),
        answers: survey
            .as_ref()
            .map(|s| answer_rows(u.lang, s))
            .unwrap_or_default(),
        comment: survey
            .as_ref()
            .and_then(|s| s.answers.as_ref())
            .and_then(|a| a.comment.clone()),
        rows: typed.rows(u.lang, &messages),
        scores: SCORES,
        typed_comment: typed.comment,
        errors: messages,
        link,
        notice,
    })
}

/// `GET /field/jobs/{id}/survey`
pub async fn page(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let id = job_id(&id)?;
    let notice = p.get("answered").map(|_| u.t("survey.thanks").to_string());
    render(
        &survey_page(
            &state,
            &u,
            id,
            Typed::empty(),
            &FieldErrors::new(),
            None,
            notice,
        )
        .await?,
    )
}

/// `POST /field/jobs/{id}/survey`: the customer's answers on the crew's phone.
pub async fn answer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = job_id(&id)?;
    let typed = Typed::read(&form);
    match app::surveys::answer_on_phone(&state, &u.user, id, &typed.input(), state.now()).await {
        Ok(_) => Ok(see_other(&format!(
            "/field/jobs/{}/survey?answered=1",
            id.0
        ))),
        Err(Error::Validation(errs)) => {
            let page = survey_page(&state, &u, id, typed, &errs, None, None).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// `https://host` of this request, for a link to show the customer.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
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

/// A QR code as an SVG path in module units, and its width in modules.
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

/// `POST /field/jobs/{id}/survey/link`: hand out a link and show it with its QR code
/// (shown once: only its hash is kept).
pub async fn issue_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    WebForm { user: u, .. }: WebForm,
) -> WebResult<Response> {
    let id = job_id(&id)?;
    let issued = app::surveys::issue_link(&state, &u.user, id, state.now()).await?;
    let url = format!("{}/survey/{}", base_url(&state, &headers), issued.token);
    let (qr, qr_width) = qr_path(&url)?;
    let link = LinkShown {
        url,
        expires: full_time(issued.expires_at),
        qr,
        qr_width,
    };
    render(
        &survey_page(
            &state,
            &u,
            id,
            Typed::empty(),
            &FieldErrors::new(),
            Some(link),
            None,
        )
        .await?,
    )
}

#[derive(Template)]
#[template(path = "survey_public.html")]
struct PublicPage {
    l: Layout,
    token: String,
    job_type: String,
    day: String,
    rows: Vec<QuestionRow>,
    scores: [i64; 5],
    typed_comment: String,
    errors: Messages,
    /// Why the link shows no form: `unknown`, `expired`, `used`, `thanks`; empty while
    /// it is open.
    closed: &'static str,
}

fn closed_status(s: LinkState) -> (StatusCode, &'static str) {
    match s {
        LinkState::Open | LinkState::Unknown => (StatusCode::NOT_FOUND, "unknown"),
        LinkState::Expired => (StatusCode::GONE, "expired"),
        LinkState::Used => (StatusCode::GONE, "used"),
    }
}

/// A token as it may appear in a link: hex, of a sane length. Anything else is unknown
/// without asking the database.
fn plausible(token: &str) -> bool {
    (32..=128).contains(&token.len()) && token.chars().all(|c| c.is_ascii_hexdigit())
}

fn public_layout(lang: Lang, title: &str, here: String) -> Layout {
    Layout::anonymous(lang, title.to_string(), here)
}

async fn public(
    state: &AppState,
    lang: Lang,
    token: &str,
    typed: Typed,
    errors: &FieldErrors,
) -> WebResult<(StatusCode, PublicPage)> {
    let view = if plausible(token) {
        app::surveys::open_link(state, token, state.now()).await?
    } else {
        LinkView::Closed(LinkState::Unknown)
    };
    let messages = Messages::new(lang, errors);
    let here = format!("/survey/{token}");
    let mut page = PublicPage {
        l: public_layout(lang, lang.t("survey.public_title"), here),
        token: token.to_string(),
        job_type: String::new(),
        day: String::new(),
        rows: typed.rows(lang, &messages),
        scores: SCORES,
        typed_comment: typed.comment,
        errors: messages,
        closed: "",
    };
    match view {
        LinkView::Open { job } => {
            page.job_type = lang.t(job_type_key(job.job_type)).to_string();
            page.day = job_day(&job);
            Ok((StatusCode::OK, page))
        }
        LinkView::Closed(s) => {
            let (status, why) = closed_status(s);
            page.closed = why;
            page.token.clear();
            Ok((status, page))
        }
    }
}

/// `GET /survey/{token}`: the survey a link opens, no sign-in.
pub async fn public_page(
    State(state): State<AppState>,
    LangPref(lang): LangPref,
    Path(token): Path<String>,
) -> WebResult<Response> {
    let (status, page) = public(&state, lang, &token, Typed::empty(), &FieldErrors::new()).await?;
    render_with(status, &page)
}

/// `POST /survey/{token}`: the customer's answers through the link.
pub async fn public_answer(
    State(state): State<AppState>,
    LangPref(lang): LangPref,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let form = Pairs::parse(&body);
    let typed = Typed::read(&form);
    if !plausible(&token) {
        let (status, page) = public(&state, lang, &token, typed, &FieldErrors::new()).await?;
        return render_with(status, &page);
    }
    match app::surveys::answer_by_link(&state, &token, &typed.input(), state.now()).await {
        Ok(Ok(_)) => {
            let page = PublicPage {
                l: public_layout(lang, lang.t("survey.public_title"), "/".into()),
                token: String::new(),
                job_type: String::new(),
                day: String::new(),
                rows: Vec::new(),
                scores: SCORES,
                typed_comment: String::new(),
                errors: Messages::new(lang, &FieldErrors::new()),
                closed: "thanks",
            };
            render(&page)
        }
        Ok(Err(_)) => {
            let (status, page) = public(&state, lang, &token, typed, &FieldErrors::new()).await?;
            render_with(status, &page)
        }
        Err(Error::Validation(errs)) => {
            let (_, page) = public(&state, lang, &token, typed, &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
