//! `/visits`: the register of visitors and customer trainees (R3.6) — the list, newest
//! first, by month and host; the form to register one with its questions and answers;
//! a visit's page, printable for the archive.

use super::extract::Pairs;
use super::view::{
    Choice, ErrorSummary, FormField, Messages, datetime_local, full_time, parse_datetime_local,
};
use super::{
    Layout, QueryParams, WebError, WebForm, WebResult, WebUser, render, render_with, see_other,
    url_with,
};
use crate::app;
use crate::app::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::replies::Month;
use sanbao_domain::visit::{QuestionAnswer, VisitFilter, VisitInput, VisitPurpose};
use sanbao_domain::{CustomerId, Error, FieldErrors, Permission, Problem, UserId, VisitId};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/visits", get(list).post(create))
        .route("/visits/new", get(new_form))
        .route("/visits/{id}", get(detail))
}

const PAGE: i64 = 25;
/// Question rows the form starts with.
const QA_ROWS: usize = 3;
/// The fields of a row of the questions: `qas[0].question`, `qas[0].answer`.
const QUESTION: &str = "question";
const ANSWER: &str = "answer";

fn qa_field(i: usize, part: &str) -> String {
    format!("qas[{i}].{part}")
}

struct VisitLine {
    href: String,
    visitors: String,
    from_where: String,
    arrived: String,
    host: String,
    purpose: &'static str,
    purpose_label: String,
    questions: i64,
}

#[derive(Template)]
#[template(path = "visits_list.html")]
struct ListPage {
    l: Layout,
    month: String,
    hosts: Vec<Choice>,
    rows: Vec<VisitLine>,
    may_record: bool,
    next_href: Option<String>,
    first_href: Option<String>,
    done: Option<String>,
}

fn host_choices(
    u: &WebUser,
    hosts: &[sanbao_domain::user::User],
    current: &str,
    first: &str,
) -> Vec<Choice> {
    let mut v = vec![Choice::new("", first, current)];
    v.extend(
        hosts
            .iter()
            .map(|h| Choice::new(h.id.0.to_string(), h.display_name.clone(), current)),
    );
    let _ = u;
    v
}

/// `GET /visits?month=YYYY-MM&host_id=&cursor=`
pub async fn list(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let month = p.filled("month").and_then(|m| Month::parse(m).ok());
    let host = p
        .filled("host_id")
        .and_then(|h| h.parse::<i64>().ok())
        .map(UserId);
    let cursor = p.filled("cursor").and_then(|c| c.parse::<i64>().ok());
    let filter = VisitFilter {
        month,
        host_id: host,
    };
    let mut rows = app::visits::visits(&state, &u.user, &filter, PAGE + 1, cursor).await?;
    let more = rows.len() > PAGE as usize;
    rows.truncate(PAGE as usize);
    let month_code = month.map(|m| m.to_string()).unwrap_or_default();
    let host_code = host.map(|h| h.0.to_string()).unwrap_or_default();
    let base = [
        ("month", month_code.as_str()),
        ("host_id", host_code.as_str()),
    ];
    let next_href = more
        .then(|| rows.last().map(|r| r.id.0.to_string()))
        .flatten()
        .map(|c| {
            let mut pairs = base.to_vec();
            pairs.push(("cursor", &c));
            url_with("/visits", &pairs)
        });
    let hosts = app::visits::hosts(&state, &u.user).await?;
    render(&ListPage {
        hosts: host_choices(&u, &hosts, &host_code, u.t("visits.host_any")),
        rows: rows
            .into_iter()
            .map(|v| VisitLine {
                href: format!("/visits/{}", v.id.0),
                from_where: v.from_where().to_string(),
                arrived: full_time(v.arrived_at),
                host: v.host_name.clone(),
                purpose: v.purpose.as_str(),
                purpose_label: u.t(&format!("visit_purpose.{}", v.purpose)).to_string(),
                questions: v.questions,
                visitors: v.visitors,
            })
            .collect(),
        may_record: u.may(Permission::RecordVisits),
        first_href: cursor.map(|_| url_with("/visits", &base)),
        next_href,
        month: month_code,
        done: p.get("created").map(|_| u.t("visits.created").to_string()),
        l: u.layout("visits", u.t("visits.title")),
    })
}

/// The form as typed.
#[derive(Default)]
struct VisitForm {
    visitors: String,
    organisation: String,
    customer_id: String,
    arrived_at: String,
    left_at: String,
    host_id: String,
    purpose: String,
    qas: Vec<(String, String)>,
}

impl VisitForm {
    fn read(p: &Pairs) -> Self {
        let mut qas = Vec::new();
        for i in 0..=sanbao_domain::visit::QAS_MAX {
            let (q, a) = (p.get(&qa_field(i, QUESTION)), p.get(&qa_field(i, ANSWER)));
            if q.is_none() && a.is_none() {
                break;
            }
            qas.push((
                q.unwrap_or_default().to_string(),
                a.unwrap_or_default().to_string(),
            ));
        }
        VisitForm {
            visitors: p.text("visitors"),
            organisation: p.text("organisation"),
            customer_id: p.text("customer_id"),
            arrived_at: p.text("arrived_at"),
            left_at: p.text("left_at"),
            host_id: p.text("host_id"),
            purpose: p.text("purpose"),
            qas,
        }
    }

    /// The visit as the use case takes it, or the problems of what could not be read.
    fn input(&self) -> (VisitInput, FieldErrors) {
        let mut errs = FieldErrors::new();
        let mut instant = |name: &str, s: &str| match s.trim() {
            "" => None,
            t => parse_datetime_local(t).or_else(|| {
                errs.add(name, Problem::invalid("not a date and time"));
                None
            }),
        };
        let arrived_at = instant("arrived_at", &self.arrived_at);
        let left_at = instant("left_at", &self.left_at);
        let id = |s: &str| s.trim().parse::<i64>().ok();
        let host_id = match self.host_id.trim() {
            "" => None,
            s => id(s).map(UserId).or_else(|| {
                errs.add("host_id", Problem::invalid("not a person"));
                None
            }),
        };
        let customer_id = match self.customer_id.trim() {
            "" => None,
            s => id(s).map(CustomerId).or_else(|| {
                errs.add("customer_id", Problem::new("not_found", "no such customer"));
                None
            }),
        };
        let input = VisitInput {
            visitors: self.visitors.clone(),
            organisation: Some(self.organisation.clone()),
            customer_id,
            arrived_at,
            left_at,
            host_id,
            purpose: Some(self.purpose.clone()),
            qas: self
                .qas
                .iter()
                .map(|(q, a)| QuestionAnswer {
                    question: q.clone(),
                    answer: a.clone(),
                })
                .collect(),
        };
        (input, errs)
    }
}

struct QaRow {
    i: usize,
    question: String,
    answer: String,
    q_error: Option<String>,
    a_error: Option<String>,
}

#[derive(Template)]
#[template(path = "visits_new.html")]
struct NewPage {
    l: Layout,
    f: VisitForm,
    customer_name: Option<String>,
    hosts: Vec<Choice>,
    purposes: Vec<Choice>,
    rows: Vec<QaRow>,
    errors: Messages,
    form_errors: ErrorSummary,
}

async fn new_page(
    state: &AppState,
    u: &WebUser,
    mut f: VisitForm,
    errors: &FieldErrors,
) -> WebResult<NewPage> {
    let mut errors = errors.clone();
    let customer_name = match f.customer_id.trim().parse::<i64>() {
        Ok(id) => match app::customers::customer(state, &u.user, CustomerId(id)).await {
            Ok(c) => Some(c.fields.name),
            Err(Error::NotFound(_)) => {
                errors.add("customer_id", Problem::new("not_found", "no such customer"));
                f.customer_id.clear();
                None
            }
            Err(e) => return Err(e.into()),
        },
        Err(_) => None,
    };
    let hosts = app::visits::hosts(state, &u.user).await?;
    if f.host_id.is_empty() && sanbao_domain::visit::may_host(u.user.role) {
        f.host_id = u.user.id.0.to_string();
    }
    while f.qas.len() < QA_ROWS {
        f.qas.push((String::new(), String::new()));
    }
    let messages = Messages::new(u.lang, &errors);
    let rows = f
        .qas
        .iter()
        .enumerate()
        .map(|(i, (q, a))| QaRow {
            i,
            question: q.clone(),
            answer: a.clone(),
            q_error: messages.get(&qa_field(i, QUESTION)).map(str::to_string),
            a_error: messages.get(&qa_field(i, ANSWER)).map(str::to_string),
        })
        .collect();
    let mut fields = vec![
        FormField::new("visitors", "visitors", u.t("visits.visitors")),
        FormField::new("organisation", "organisation", u.t("visits.organisation")),
        FormField::new("customer_id", "organisation", u.t("visits.customer")),
        FormField::new("arrived_at", "arrived_at", u.t("visits.arrived_at")),
        FormField::new("left_at", "left_at", u.t("visits.left_at")),
        FormField::new("host_id", "host_id", u.t("visits.host")),
        FormField::new("purpose", "purpose-visit", u.t("visits.purpose")),
        FormField::new("qas", "qa-0-q", u.t("visits.qas")),
    ];
    for i in 0..f.qas.len() {
        fields.push(FormField::new(
            qa_field(i, QUESTION),
            format!("qa-{i}-q"),
            u.lang.f("visits.question_n", &[("n", &(i + 1))]),
        ));
        fields.push(FormField::new(
            qa_field(i, ANSWER),
            format!("qa-{i}-a"),
            u.lang.f("visits.answer_n", &[("n", &(i + 1))]),
        ));
    }
    let purposes = VisitPurpose::ALL
        .iter()
        .map(|p| {
            Choice::new(
                p.as_str(),
                u.t(&format!("visit_purpose.{p}")),
                f.purpose.trim(),
            )
        })
        .collect();
    Ok(NewPage {
        form_errors: ErrorSummary::new(u.lang, &messages, &fields, None),
        hosts: host_choices(u, &hosts, f.host_id.trim(), u.t("action.pick_person")),
        l: u.layout("visits", u.t("visits.new_title")),
        customer_name,
        purposes,
        rows,
        errors: messages,
        f,
    })
}

/// `GET /visits/new?customer_id=`
pub async fn new_form(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    app::require(&u.user, Permission::RecordVisits)?;
    let f = VisitForm {
        customer_id: p.text("customer_id"),
        arrived_at: datetime_local(state.now()),
        purpose: VisitPurpose::Visit.as_str().into(),
        ..VisitForm::default()
    };
    render(&new_page(&state, &u, f, &FieldErrors::new()).await?)
}

/// `POST /visits`: register it and go to its page, or come back with every problem named
/// and everything typed kept. `intent=more` adds a row of question and answer.
pub async fn create(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    app::require(&u.user, Permission::RecordVisits)?;
    let mut f = VisitForm::read(&form);
    if form.get("intent") == Some("more") {
        if f.qas.len() < sanbao_domain::visit::QAS_MAX {
            f.qas.push((String::new(), String::new()));
        }
        return render(&new_page(&state, &u, f, &FieldErrors::new()).await?);
    }
    let (input, errs) = f.input();
    let result = if errs.is_empty() {
        app::visits::record(&state, &u.user, &input, state.now()).await
    } else {
        // Name the rest of the problems too, in the same answer.
        let mut all = errs;
        // (the domain's check only: nothing is written while a field could not be read)
        if let Err(Error::Validation(more)) = sanbao_domain::visit::NewVisit::parse(
            &VisitInput {
                arrived_at: input.arrived_at.or(Some(state.now())),
                ..input
            },
            u.user.id,
            state.now(),
        ) {
            for (k, p) in more.0 {
                if all.get(&k).is_none() {
                    all.add(k, p);
                }
            }
        }
        Err(Error::Validation(all))
    };
    match result {
        Ok(v) => Ok(see_other(&format!("/visits/{}?created=1", v.id.0))),
        Err(Error::Validation(errs)) => {
            let page = new_page(&state, &u, f, &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "visits_detail.html")]
struct DetailPage {
    l: Layout,
    id: i64,
    visitors: String,
    organisation: Option<String>,
    customer: Option<(String, String)>,
    arrived: String,
    left: Option<String>,
    host: String,
    purpose: &'static str,
    purpose_label: String,
    qas: Vec<QuestionAnswer>,
    notice: Option<String>,
}

/// `GET /visits/{id}`
pub async fn detail(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let id = id
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| WebError::not_found("visit"))?;
    let v = app::visits::visit(&state, &u.user, VisitId(id)).await?;
    render(&DetailPage {
        l: u.layout("visits", u.lang.f("visits.detail_title", &[("n", &id)])),
        id,
        customer: v
            .customer_id
            .zip(v.customer_name.clone())
            .map(|(c, n)| (format!("/customers/{}", c.0), n)),
        organisation: v.organisation.clone(),
        arrived: full_time(v.arrived_at),
        left: v.left_at.map(full_time),
        host: v.host_name.clone(),
        purpose: v.purpose.as_str(),
        purpose_label: u.t(&format!("visit_purpose.{}", v.purpose)).to_string(),
        visitors: v.visitors,
        qas: v.qas,
        notice: p.get("created").map(|_| u.t("visits.created").to_string()),
    })
}
