//! The yearly customer visit campaign (R3.9): `/campaigns` (the campaigns, and a new one
//! defined on the same page), `/campaigns/{id}` (its definition, launch, the targets with
//! their assignee and status, a response recorded, a link issued, the summary per question
//! and per region with the verbatim suggestions; printable) and `/q/{token}`, the
//! customer's questionnaire, on a phone, without signing in.
//!
//! The public form carries no CSRF token: the link's token in its address is itself the
//! secret no other site can know, and it works once.

use super::export::download_rows;
use super::extract::{LangPref, Pairs};
use super::view::{Messages, full_time};
use super::{
    Layout, QueryParams, WebError, WebForm, WebResult, WebUser, render, render_with, see_other,
};
use crate::app;
use crate::app::AppState;
use crate::app::campaigns::LinkView;
use crate::app::export::{ExportKind, Format};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::campaign::{
    Campaign, CampaignInput, CampaignStatus, Channel, LinkState, Question, QuestionInput,
    QuestionKind, ResponseInput, Target, may_record, summarize,
};
use sanbao_domain::time::local_date;
use sanbao_domain::{CampaignId, CustomerId, Error, FieldErrors, Permission, Region, Role, UserId};
use std::collections::BTreeMap;

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/campaigns", get(list).post(create))
        .route("/campaigns/{id}", get(detail))
        .route("/campaigns/{id}/launch", post(launch))
        .route("/campaigns/{id}/targets/{customer}/response", post(respond))
        .route("/campaigns/{id}/targets/{customer}/link", post(issue_link))
        .route("/campaigns/{id}/targets/{customer}/assign", post(assign))
        .route("/q/{token}", get(public_page).post(public_answer))
        // ---- campaigns 2 ----
        .route("/campaigns/{id}/close", post(close))
        .route("/campaigns/{id}/export", get(export))
    // ---- end campaigns 2 ----
}

/// How many question rows the new-campaign form offers.
const QUESTION_ROWS: usize = 5;

pub fn channel_key(c: Channel) -> &'static str {
    match c {
        Channel::Visit => "campaign.channel.visit",
        Channel::Phone => "campaign.channel.phone",
        Channel::Questionnaire => "campaign.channel.questionnaire",
        Channel::Meeting => "campaign.channel.meeting",
    }
}

fn status_key(s: CampaignStatus) -> &'static str {
    match s {
        CampaignStatus::Draft => "campaign.status.draft",
        CampaignStatus::Running => "campaign.status.running",
        CampaignStatus::Closed => "campaign.status.closed",
    }
}

fn kind_key(k: QuestionKind) -> &'static str {
    match k {
        QuestionKind::Rating => "campaign.kind.rating",
        QuestionKind::Choice => "campaign.kind.choice",
        QuestionKind::Text => "campaign.kind.text",
    }
}

fn region_key(r: Region) -> &'static str {
    match r {
        Region::HangzhouUrban => "region.hangzhou_urban",
        Region::Zhejiang => "region.zhejiang",
        Region::OutOfProvince => "region.out_of_province",
        Region::Unknown => "region.unknown",
    }
}

fn id_of(s: &str) -> WebResult<i64> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| WebError::not_found("campaign"))
}

/// A box to tick or an option to pick: value, label, whether chosen.
pub struct Pick {
    pub value: String,
    pub label: String,
    pub on: bool,
}

/// A question row of the new-campaign form, as typed.
pub struct QuestionTyped {
    pub i: usize,
    pub kind: String,
    pub label: String,
    pub options: String,
    pub error: Option<String>,
}

struct ListRow {
    href: String,
    year: i32,
    name: String,
    status: &'static str,
    status_label: String,
    channels: String,
}

#[derive(Template)]
#[template(path = "campaigns_list.html")]
struct ListPage {
    l: Layout,
    rows: Vec<ListRow>,
    may_define: bool,
    year: String,
    name: String,
    channels: Vec<Pick>,
    regions: Vec<Pick>,
    models: Vec<Pick>,
    salespeople: Vec<Pick>,
    questions: Vec<QuestionTyped>,
    errors: Messages,
}

fn all_of(p: &Pairs, name: &str) -> Vec<String> {
    p.0.iter()
        .filter(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_string())
        .collect()
}

fn split_options(s: &str) -> Vec<String> {
    s.split([',', '，', '、', ';', '；', '\n'])
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .collect()
}

/// The new-campaign form as typed: the campaign's input, and the question rows.
fn typed_input(p: &Pairs) -> (CampaignInput, Vec<(usize, String, String, String)>) {
    let rows: Vec<(usize, String, String, String)> = (1..=QUESTION_ROWS)
        .map(|i| {
            (
                i,
                p.text(&format!("q{i}.kind")),
                p.text(&format!("q{i}.label")),
                p.text(&format!("q{i}.options")),
            )
        })
        .collect();
    let input = CampaignInput {
        year: p.filled("year").map(|y| y.parse::<i64>().unwrap_or(-1)),
        name: p.text("name"),
        channels: all_of(p, "channel"),
        regions: all_of(p, "region"),
        model_ids: all_of(p, "model")
            .iter()
            .filter_map(|m| m.parse().ok())
            .collect(),
        salesperson_ids: all_of(p, "salesperson")
            .iter()
            .filter_map(|m| m.parse().ok())
            .collect(),
        questions: rows
            .iter()
            .filter(|(_, k, l, _)| !k.trim().is_empty() || !l.trim().is_empty())
            .map(|(_, k, l, o)| QuestionInput {
                kind: k.clone(),
                label: l.clone(),
                options: split_options(o),
            })
            .collect(),
    };
    (input, rows)
}

async fn list_page(
    state: &AppState,
    u: &WebUser,
    typed: Option<&Pairs>,
    errors: &FieldErrors,
) -> WebResult<ListPage> {
    let campaigns = app::campaigns::list(state, &u.user).await?;
    let rows = campaigns
        .iter()
        .map(|c| ListRow {
            href: format!("/campaigns/{}", c.id.0),
            year: c.fields.year,
            name: c.fields.name.clone(),
            status: c.status.as_str(),
            status_label: u.t(status_key(c.status)).to_string(),
            channels: c
                .fields
                .channels
                .iter()
                .map(|x| u.t(channel_key(*x)))
                .collect::<Vec<_>>()
                .join("、"),
        })
        .collect();
    let may_define = u.may(Permission::ManageCampaigns);
    let empty = Pairs::default();
    let p = typed.unwrap_or(&empty);
    let chosen = |name: &str| all_of(p, name);
    let (models, salespeople) = if may_define {
        let models = app::units::models(state, &u.user).await?;
        let people = app::users::users(state, &u.user, Some(Role::Salesperson)).await?;
        let cm = chosen("model");
        let cs = chosen("salesperson");
        (
            models
                .into_iter()
                .map(|m| Pick {
                    on: cm.contains(&m.id.0.to_string()),
                    value: m.id.0.to_string(),
                    label: format!("{} {}", m.fields.code, m.fields.name),
                })
                .collect(),
            people
                .into_iter()
                .map(|x| Pick {
                    on: cs.contains(&x.id.0.to_string()),
                    value: x.id.0.to_string(),
                    label: x.display_name,
                })
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let messages = Messages::new(u.lang, errors);
    let (_, qrows) = typed_input(p);
    // A typed row's error is named by its place among the rows given.
    let mut given = 0;
    let questions = qrows
        .into_iter()
        .map(|(i, kind, label, options)| {
            let error = if !kind.trim().is_empty() || !label.trim().is_empty() {
                let at = given;
                given += 1;
                ["kind", "label", "options"]
                    .iter()
                    .find_map(|f| messages.get(&format!("questions[{at}].{f}")))
                    .map(str::to_string)
            } else {
                None
            };
            QuestionTyped {
                i,
                kind: if typed.is_none() && i == 1 {
                    "rating".into()
                } else {
                    kind
                },
                label,
                options,
                error,
            }
        })
        .collect();
    let cc = chosen("channel");
    let cr = chosen("region");
    Ok(ListPage {
        l: u.layout("campaigns", u.t("campaign.title")),
        rows,
        may_define,
        year: typed
            .map(|p| p.text("year"))
            .unwrap_or_else(|| local_date(state.now()).format("%Y").to_string()),
        name: p.text("name"),
        channels: Channel::ALL
            .iter()
            .map(|c| Pick {
                value: c.as_str().into(),
                label: u.t(channel_key(*c)).into(),
                on: cc.iter().any(|x| x == c.as_str()),
            })
            .collect(),
        regions: Region::ALL
            .iter()
            .map(|r| Pick {
                value: r.as_str().into(),
                label: u.t(region_key(*r)).into(),
                on: cr.iter().any(|x| x == r.as_str()),
            })
            .collect(),
        models,
        salespeople,
        questions,
        errors: messages,
    })
}

/// `GET /campaigns`
pub async fn list(State(state): State<AppState>, u: WebUser) -> WebResult<Response> {
    render(&list_page(&state, &u, None, &FieldErrors::new()).await?)
}

/// `POST /campaigns`: define a campaign; bad input re-renders the form as typed.
pub async fn create(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let (input, _) = typed_input(&form);
    match app::campaigns::create(&state, &u.user, &input, state.now()).await {
        Ok(c) => Ok(see_other(&format!("/campaigns/{}", c.id.0))),
        Err(Error::Validation(errs)) => {
            let page = list_page(&state, &u, Some(&form), &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

struct QuestionShown {
    key: String,
    label: String,
    kind: String,
    options: String,
}

struct TargetRow {
    customer_id: i64,
    customer: String,
    region: String,
    assignee: String,
    assignee_id: i64,
    responded: bool,
    channel: String,
    date: String,
    via_link: bool,
    link_until: Option<String>,
    may_record: bool,
    version: i64,
}

struct CountBar {
    value: String,
    count: usize,
    pct: usize,
}

struct QuestionResult {
    label: String,
    kind: String,
    count: usize,
    mean: Option<String>,
    bars: Vec<CountBar>,
    texts: Vec<String>,
}

struct RegionResult {
    region: String,
    targets: usize,
    responded: usize,
    mean: Option<String>,
}

/// A question of the response form, as typed.
pub struct AnswerField {
    pub key: String,
    pub label: String,
    pub kind: &'static str,
    pub options: Vec<String>,
    pub value: String,
    pub error: Option<String>,
}

impl AnswerField {
    pub fn is(&self, v: &str) -> bool {
        self.value == v
    }
}

struct RespondForm {
    customer_id: i64,
    customer: String,
    channels: Vec<Pick>,
    date: String,
}

struct LinkShown {
    customer: String,
    url: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "campaigns_detail.html")]
struct DetailPage {
    l: Layout,
    id: i64,
    year: i32,
    name: String,
    status: &'static str,
    status_label: String,
    channels: String,
    targeting: String,
    questions: Vec<QuestionShown>,
    may_manage: bool,
    draft: bool,
    targets: Vec<TargetRow>,
    assignees: Vec<Pick>,
    respond: Option<RespondForm>,
    /// The response form's questions and suggestions, as typed.
    fields: Vec<AnswerField>,
    suggestions: String,
    suggestions_label: &'static str,
    link: Option<LinkShown>,
    show_summary: bool,
    total: usize,
    responded: usize,
    results: Vec<QuestionResult>,
    regions: Vec<RegionResult>,
    /// (customer, suggestion), word for word.
    verbatim: Vec<(String, String)>,
    errors: Messages,
    notice: Option<String>,
    // ---- campaigns 2 ----
    /// The campaign's version, for closing it.
    version: i64,
    may_close: bool,
    /// Who closed it and when (a closed campaign).
    closed_by: String,
    closed_at: Option<String>,
    /// The share of target customers who answered, in whole percent.
    coverage_pct: usize,
    may_export: bool,
    // ---- end campaigns 2 ----
}

fn answer_fields(
    lang: Lang,
    c: &Campaign,
    typed: &BTreeMap<String, String>,
    messages: &Messages,
) -> Vec<AnswerField> {
    let _ = lang;
    c.fields
        .questions
        .iter()
        .map(|q: &Question| AnswerField {
            key: q.key.clone(),
            label: q.label.clone(),
            kind: q.kind.as_str(),
            options: q.options.clone(),
            value: typed.get(&q.key).cloned().unwrap_or_default(),
            error: messages.get(&q.key).map(str::to_string),
        })
        .collect()
}

fn answers_typed(p: &Pairs, c: &Campaign) -> BTreeMap<String, String> {
    c.fields
        .questions
        .iter()
        .filter_map(|q| {
            p.get(&format!("a.{}", q.key))
                .map(|v| (q.key.clone(), v.to_string()))
        })
        .collect()
}

fn fmt_mean(m: Option<f64>) -> Option<String> {
    m.map(|x| format!("{x:.2}"))
}

#[allow(clippy::too_many_arguments)]
async fn detail_page(
    state: &AppState,
    u: &WebUser,
    id: CampaignId,
    respond_to: Option<CustomerId>,
    typed: Option<&Pairs>,
    errors: &FieldErrors,
    link: Option<LinkShown>,
    notice: Option<String>,
) -> WebResult<DetailPage> {
    let (c, targets) = app::campaigns::get(state, &u.user, id).await?;
    let department = u.may(Permission::SeeAllCampaignTargets);
    let may_manage = u.may(Permission::ManageCampaigns);
    let running = c.status == CampaignStatus::Running;
    let messages = Messages::new(u.lang, errors);
    let mut targeting = Vec::new();
    let t = &c.fields.targeting;
    if !t.regions.is_empty() {
        targeting.push(
            t.regions
                .iter()
                .map(|r| u.t(region_key(*r)))
                .collect::<Vec<_>>()
                .join("、"),
        );
    }
    if !t.model_ids.is_empty() {
        let models = app::units::models(state, &u.user).await.unwrap_or_default();
        targeting.push(
            t.model_ids
                .iter()
                .map(|m| {
                    models
                        .iter()
                        .find(|x| x.id == *m)
                        .map(|x| x.fields.code.clone())
                        .unwrap_or_else(|| m.0.to_string())
                })
                .collect::<Vec<_>>()
                .join("、"),
        );
    }
    if !t.salesperson_ids.is_empty() {
        let people = app::users::users(state, &u.user, Some(Role::Salesperson))
            .await
            .unwrap_or_default();
        targeting.push(
            t.salesperson_ids
                .iter()
                .map(|s| {
                    people
                        .iter()
                        .find(|x| x.id == *s)
                        .map(|x| x.display_name.clone())
                        .unwrap_or_else(|| s.0.to_string())
                })
                .collect::<Vec<_>>()
                .join("、"),
        );
    }
    let targeting = if targeting.is_empty() {
        u.t("campaign.all_customers").to_string()
    } else {
        targeting.join(" · ")
    };
    let rows: Vec<TargetRow> = targets
        .iter()
        .map(|tg: &Target| TargetRow {
            customer_id: tg.customer_id.0,
            customer: tg.customer_name.clone(),
            region: u.t(region_key(tg.region)).to_string(),
            assignee: tg.assignee_name.clone().unwrap_or_default(),
            assignee_id: tg.assignee_id.map(|x| x.0).unwrap_or(0),
            responded: tg.response.is_some(),
            channel: tg
                .response
                .as_ref()
                .map(|r| u.t(channel_key(r.channel)).to_string())
                .unwrap_or_default(),
            date: tg
                .response
                .as_ref()
                .map(|r| r.date.to_string())
                .unwrap_or_default(),
            via_link: tg
                .response
                .as_ref()
                .is_some_and(|r| r.recorded_by.is_none()),
            link_until: tg
                .token_expires_at
                .filter(|_| tg.response.is_none())
                .map(full_time),
            may_record: running && tg.response.is_none() && may_record(tg, u.user.id, u.user.role),
            version: tg.version,
        })
        .collect();
    let assignees = if may_manage && running {
        let mut people = Vec::new();
        for role in [
            Role::Salesperson,
            Role::ServiceClerk,
            Role::SeniorEngineer,
            Role::ServiceManager,
        ] {
            for x in app::users::users(state, &u.user, Some(role)).await? {
                people.push(Pick {
                    value: x.id.0.to_string(),
                    label: format!(
                        "{} · {}",
                        x.display_name,
                        u.t(&format!("role.{}", role.as_str()))
                    ),
                    on: false,
                });
            }
        }
        people
    } else {
        Vec::new()
    };
    let respond = match respond_to {
        Some(cid) => targets
            .iter()
            .find(|tg| tg.customer_id == cid)
            .filter(|tg| running && tg.response.is_none() && may_record(tg, u.user.id, u.user.role))
            .map(|tg| {
                let empty = Pairs::default();
                let p = typed.unwrap_or(&empty);
                let ch = p.text("channel");
                RespondForm {
                    customer_id: tg.customer_id.0,
                    customer: tg.customer_name.clone(),
                    channels: c
                        .fields
                        .channels
                        .iter()
                        .map(|x| Pick {
                            value: x.as_str().into(),
                            label: u.t(channel_key(*x)).into(),
                            on: ch == x.as_str(),
                        })
                        .collect(),
                    date: typed
                        .map(|p| p.text("date"))
                        .unwrap_or_else(|| local_date(state.now()).to_string()),
                }
            }),
        None => None,
    };
    let empty = Pairs::default();
    let p = typed.unwrap_or(&empty);
    let fields = if respond.is_some() {
        answer_fields(u.lang, &c, &answers_typed(p, &c), &messages)
    } else {
        Vec::new()
    };
    let suggestions = p.text("suggestions");
    let s = summarize(&c, &targets);
    let closing = app::campaigns::closing(state, &c).await?;
    Ok(DetailPage {
        version: c.version,
        may_close: may_manage && running,
        closed_by: closing
            .as_ref()
            .and_then(|x| x.by.clone())
            .unwrap_or_default(),
        closed_at: closing.map(|x| full_time(x.at)),
        coverage_pct: (s.responded * 100).checked_div(s.targets).unwrap_or(0),
        may_export: department && c.status != CampaignStatus::Draft,
        fields,
        suggestions,
        suggestions_label: "campaign.suggestions",
        l: u.layout("campaigns", c.fields.name.clone()),
        id: c.id.0,
        year: c.fields.year,
        name: c.fields.name.clone(),
        status: c.status.as_str(),
        status_label: u.t(status_key(c.status)).to_string(),
        channels: c
            .fields
            .channels
            .iter()
            .map(|x| u.t(channel_key(*x)))
            .collect::<Vec<_>>()
            .join("、"),
        targeting,
        questions: c
            .fields
            .questions
            .iter()
            .map(|q| QuestionShown {
                key: q.key.clone(),
                label: q.label.clone(),
                kind: u.t(kind_key(q.kind)).to_string(),
                options: q.options.join("、"),
            })
            .collect(),
        may_manage,
        draft: c.status == CampaignStatus::Draft,
        targets: rows,
        assignees,
        respond,
        link,
        show_summary: department && c.status != CampaignStatus::Draft,
        total: s.targets,
        responded: s.responded,
        results: s
            .questions
            .into_iter()
            .map(|q| {
                let max = q.count.max(1);
                QuestionResult {
                    label: q.label,
                    kind: q.kind.as_str().into(),
                    count: q.count,
                    mean: fmt_mean(q.mean),
                    bars: q
                        .distribution
                        .into_iter()
                        .map(|(value, count)| CountBar {
                            value,
                            count,
                            pct: count * 100 / max,
                        })
                        .collect(),
                    texts: q.texts,
                }
            })
            .collect(),
        regions: s
            .regions
            .into_iter()
            .map(|r| RegionResult {
                region: u.t(region_key(r.region)).to_string(),
                targets: r.targets,
                responded: r.responded,
                mean: fmt_mean(r.mean_rating),
            })
            .collect(),
        verbatim: s.suggestions,
        errors: messages,
        notice,
    })
}

/// `GET /campaigns/{id}` (`?respond={customer}` opens the response form for a target).
pub async fn detail(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let id = CampaignId(id_of(&id)?);
    let respond = p
        .filled("respond")
        .and_then(|s| s.parse::<i64>().ok())
        .map(CustomerId);
    let notice = if p.get("recorded").is_some() {
        Some(u.t("campaign.recorded").to_string())
    } else if p.get("launched").is_some() {
        Some(u.t("campaign.launched").to_string())
    } else if p.get("assigned").is_some() {
        Some(u.t("campaign.assigned").to_string())
    } else if p.get("closed").is_some() {
        Some(u.t("campaign.closed_notice").to_string())
    } else {
        None
    };
    render(
        &detail_page(
            &state,
            &u,
            id,
            respond,
            None,
            &FieldErrors::new(),
            None,
            notice,
        )
        .await?,
    )
}

/// `POST /campaigns/{id}/launch`
pub async fn launch(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, .. }: WebForm,
) -> WebResult<Response> {
    let cid = CampaignId(id_of(&id)?);
    match app::campaigns::launch(&state, &u.user, cid, state.now()).await {
        Ok(_) => Ok(see_other(&format!("/campaigns/{}?launched=1", cid.0))),
        Err(Error::Validation(errs)) => {
            let page = detail_page(&state, &u, cid, None, None, &errs, None, None).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

fn ids(id: &str, customer: &str) -> WebResult<(CampaignId, CustomerId)> {
    Ok((CampaignId(id_of(id)?), CustomerId(id_of(customer)?)))
}

/// `POST /campaigns/{id}/targets/{customer}/response`: bad input re-renders the form as
/// typed.
pub async fn respond(
    State(state): State<AppState>,
    Path((id, customer)): Path<(String, String)>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let (cid, cust) = ids(&id, &customer)?;
    let (c, _) = app::campaigns::get(&state, &u.user, cid).await?;
    let input = ResponseInput {
        channel: form.filled("channel").map(str::to_string),
        date: form.filled("date").map(str::to_string),
        answers: answers_typed(&form, &c),
        suggestions: Some(form.text("suggestions")),
    };
    match app::campaigns::record_response(&state, &u.user, cid, cust, &input, state.now()).await {
        Ok(_) => Ok(see_other(&format!("/campaigns/{}?recorded=1", cid.0))),
        Err(Error::Validation(errs)) => {
            let page =
                detail_page(&state, &u, cid, Some(cust), Some(&form), &errs, None, None).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// `https://host` of this request, for a link to show the customer.
fn base_url(state: &AppState, headers: &axum::http::HeaderMap) -> String {
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

/// `POST /campaigns/{id}/targets/{customer}/link`: issue a link and show it once.
pub async fn issue_link(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path((id, customer)): Path<(String, String)>,
    WebForm { user: u, .. }: WebForm,
) -> WebResult<Response> {
    let (cid, cust) = ids(&id, &customer)?;
    let issued = app::campaigns::issue_link(&state, &u.user, cid, cust, state.now()).await?;
    let (_, targets) = app::campaigns::get(&state, &u.user, cid).await?;
    let name = targets
        .iter()
        .find(|t| t.customer_id == cust)
        .map(|t| t.customer_name.clone())
        .unwrap_or_default();
    let link = LinkShown {
        customer: name,
        url: format!("{}/q/{}", base_url(&state, &headers), issued.token),
        expires: full_time(issued.expires_at),
    };
    render(
        &detail_page(
            &state,
            &u,
            cid,
            None,
            None,
            &FieldErrors::new(),
            Some(link),
            None,
        )
        .await?,
    )
}

/// `POST /campaigns/{id}/targets/{customer}/assign` (the manager).
pub async fn assign(
    State(state): State<AppState>,
    Path((id, customer)): Path<(String, String)>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let (cid, cust) = ids(&id, &customer)?;
    let to = UserId(
        form.filled("assignee_id")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
    );
    let version = form.filled("version").and_then(|s| s.parse().ok());
    match app::campaigns::assign(&state, &u.user, cid, cust, to, version, state.now()).await {
        Ok(_) => Ok(see_other(&format!("/campaigns/{}?assigned=1", cid.0))),
        Err(Error::Validation(errs)) => {
            let page = detail_page(&state, &u, cid, None, None, &errs, None, None).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

// ---- campaigns 2 ----

/// `POST /campaigns/{id}/close` (the manager, on the version shown).
pub async fn close(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let cid = CampaignId(id_of(&id)?);
    let version = form
        .filled("version")
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| Error::field("version", sanbao_domain::Problem::required()))?;
    app::campaigns::close(&state, &u.user, cid, version, state.now()).await?;
    Ok(see_other(&format!("/campaigns/{}?closed=1", cid.0)))
}

/// `GET /campaigns/{id}/export?format=csv|xlsx`: one row per target customer. A download
/// changes nothing, so it is a plain link.
pub async fn export(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let cid = CampaignId(id_of(&id)?);
    let format = Format::parse(p.get("format"))?;
    let (headers, rows) = app::campaigns::export(&state, &u.user, cid, u.lang).await?;
    download_rows(&state, &u, ExportKind::Campaign, headers, rows, format).await
}
// ---- end campaigns 2 ----

#[derive(Template)]
#[template(path = "campaigns_public.html")]
struct PublicPage {
    l: Layout,
    token: String,
    name: String,
    customer: String,
    fields: Vec<AnswerField>,
    suggestions: String,
    suggestions_label: &'static str,
    errors: Messages,
    /// Why the link shows no form: `unknown`, `expired`, `used`, `closed`, `thanks`;
    /// empty while it is open.
    closed: &'static str,
}

fn plausible(token: &str) -> bool {
    (32..=128).contains(&token.len()) && token.chars().all(|c| c.is_ascii_hexdigit())
}

fn closed_status(s: LinkState) -> (StatusCode, &'static str) {
    match s {
        LinkState::Open | LinkState::Unknown => (StatusCode::NOT_FOUND, "unknown"),
        LinkState::Expired => (StatusCode::GONE, "expired"),
        LinkState::Used => (StatusCode::GONE, "used"),
        LinkState::Closed => (StatusCode::GONE, "closed"),
    }
}

fn public_shell(lang: Lang, here: String, closed: &'static str) -> PublicPage {
    PublicPage {
        l: Layout::anonymous(lang, lang.t("campaign.public_title").to_string(), here),
        token: String::new(),
        name: String::new(),
        customer: String::new(),
        fields: Vec::new(),
        suggestions: String::new(),
        suggestions_label: "campaign.public_suggestions",
        errors: Messages::new(lang, &FieldErrors::new()),
        closed,
    }
}

async fn public(
    state: &AppState,
    lang: Lang,
    token: &str,
    typed: Option<&Pairs>,
    errors: &FieldErrors,
) -> WebResult<(StatusCode, PublicPage)> {
    let view = if plausible(token) {
        app::campaigns::open_link(state, token, state.now()).await?
    } else {
        LinkView::Closed(LinkState::Unknown)
    };
    match view {
        LinkView::Open { campaign, target } => {
            let messages = Messages::new(lang, errors);
            let empty = Pairs::default();
            let p = typed.unwrap_or(&empty);
            let mut page = public_shell(lang, format!("/q/{token}"), "");
            page.token = token.to_string();
            page.name = campaign.fields.name.clone();
            page.customer = target.customer_name.clone();
            page.fields = answer_fields(lang, &campaign, &answers_typed(p, &campaign), &messages);
            page.suggestions = p.text("suggestions");
            page.errors = messages;
            Ok((StatusCode::OK, page))
        }
        LinkView::Closed(s) => {
            let (status, why) = closed_status(s);
            Ok((status, public_shell(lang, format!("/q/{token}"), why)))
        }
    }
}

/// `GET /q/{token}`: the customer's questionnaire, no sign-in.
pub async fn public_page(
    State(state): State<AppState>,
    LangPref(lang): LangPref,
    Path(token): Path<String>,
) -> WebResult<Response> {
    let (status, page) = public(&state, lang, &token, None, &FieldErrors::new()).await?;
    render_with(status, &page)
}

/// `POST /q/{token}`: the customer's answers; a second submission is refused with a
/// page that says the questionnaire was already answered.
pub async fn public_answer(
    State(state): State<AppState>,
    LangPref(lang): LangPref,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let form = Pairs::parse(&body);
    if !plausible(&token) {
        let (status, page) = public(&state, lang, &token, None, &FieldErrors::new()).await?;
        return render_with(status, &page);
    }
    let answers: BTreeMap<String, String> = form
        .0
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("a.").map(|q| (q.to_string(), v.clone())))
        .collect();
    let input = ResponseInput {
        channel: None,
        date: None,
        answers,
        suggestions: Some(form.text("suggestions")),
    };
    match app::campaigns::answer_by_link(&state, &token, &input, state.now()).await {
        Ok(Ok(_)) => render(&public_shell(lang, "/".into(), "thanks")),
        Ok(Err(s)) => {
            let (status, why) = closed_status(s);
            render_with(status, &public_shell(lang, format!("/q/{token}"), why))
        }
        Err(Error::Validation(errs)) => {
            let (_, page) = public(&state, lang, &token, Some(&form), &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
