//! Returns (R2.2, R2.5): the service manager's list of requests awaiting a decision, with
//! the rule that decides each one's eligibility; a request's page with its decision and
//! the losses borne; the form to record a request on a unit.

use super::extract::Pairs;
use super::view::{Choice, ErrorSummary, FormField, Messages, full_time};
use super::{
    Layout, QueryParams, WebError, WebForm, WebResult, WebUser, render, render_with, see_other,
    url_with,
};
use crate::app;
use crate::app::AppState;
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::coverage::Coverage;
use sanbao_domain::returns::{
    Bearer, Ground, LossesInput, ReturnFilter, ReturnInput, ReturnRequest, ReturnStatus,
    eligibility, parse_yuan, yuan,
};
use sanbao_domain::ticket::{parse_ticket_number, ticket_number};
use sanbao_domain::time::local_date;
use sanbao_domain::{Error, FieldErrors, Permission, Problem, ReturnId, UnitId};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/returns", get(list))
        .route("/returns/{id}", get(detail))
        .route("/returns/{id}/decision", post(decide))
        .route("/returns/{id}/losses", post(losses))
        .route("/units/{id}/returns/new", get(new_form))
        .route("/units/{id}/returns", post(create))
}

const PAGE: i64 = 25;

fn id_of(s: &str, what: &'static str) -> WebResult<i64> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| WebError::not_found(what))
}

fn ground_label(lang: Lang, g: Ground) -> &'static str {
    match g {
        Ground::QualityProblem => lang.t("return.ground.quality_problem"),
        Ground::NotMeetingRequirements => lang.t("return.ground.not_meeting_requirements"),
    }
}

fn status_label(lang: Lang, s: ReturnStatus) -> &'static str {
    match s {
        ReturnStatus::Requested => lang.t("return.status.requested"),
        ReturnStatus::Approved => lang.t("return.status.approved"),
        ReturnStatus::Refused => lang.t("return.status.refused"),
        ReturnStatus::Closed => lang.t("return.status.closed"),
    }
}

fn bearer_label(lang: Lang, b: Bearer) -> &'static str {
    match b {
        Bearer::Company => lang.t("return.bearer.company"),
        Bearer::Customer => lang.t("return.bearer.customer"),
    }
}

/// What was typed into a decision or losses form sent back with problems.
#[derive(Default)]
struct Typed {
    reason: String,
    amount: String,
    note: String,
    borne_by: String,
    errors: Messages,
}

/// A request as its pages show it.
struct ReturnView {
    id: i64,
    href: String,
    unit_href: String,
    unit: String,
    customer_name: String,
    customer_href: String,
    ticket: Option<(String, String)>,
    ground: &'static str,
    ground_label: &'static str,
    description: String,
    confirmation: Option<String>,
    requested_on: String,
    requested_by: String,
    status: &'static str,
    status_label: &'static str,
    eligible: bool,
    rule: &'static str,
    rule_text: String,
    coverage_text: String,
    decided: Option<String>,
    decision_reason: Option<String>,
    losses: Option<String>,
    losses_note: Option<String>,
    version: i64,
    /// The manager may decide it now.
    may_decide: bool,
    /// The manager may record its losses now.
    may_record_losses: bool,
    /// Borne by whom, when the rule says (R2.5: the company).
    bearers: Vec<Choice>,
    typed: Typed,
}

impl ReturnView {
    fn new(u: &WebUser, r: ReturnRequest, typed: Typed) -> Self {
        let lang = u.lang;
        let decides = u.may(Permission::DecideReturns);
        let required = r.eligibility.bearer_required();
        let current = if typed.borne_by.is_empty() {
            "company"
        } else {
            typed.borne_by.as_str()
        };
        let bearers = Bearer::ALL
            .iter()
            .filter(|b| required.is_none_or(|req| req == **b))
            .map(|b| Choice::new(b.as_str(), bearer_label(lang, *b), current))
            .collect();
        ReturnView {
            id: r.id.0,
            href: format!("/returns/{}", r.id),
            unit_href: format!("/units/{}", r.unit_id),
            unit: format!("{} · {}", r.model_code, r.serial_no),
            customer_href: format!("/customers/{}", r.customer_id),
            customer_name: r.customer_name,
            ticket: r
                .ticket_id
                .map(|t| (ticket_number(t), format!("/tickets/{t}"))),
            ground: r.ground.as_str(),
            ground_label: ground_label(lang, r.ground),
            description: r.description,
            confirmation: r.confirmation,
            requested_on: r.requested_on.to_string(),
            requested_by: r.requested_by_name,
            status: r.status.as_str(),
            status_label: status_label(lang, r.status),
            eligible: r.eligibility.eligible,
            rule: r.eligibility.rule.as_str(),
            rule_text: lang.return_rule(&r.eligibility),
            coverage_text: lang.coverage_reason(&r.eligibility.coverage),
            decided: match (r.decided_by_name, r.decided_at) {
                (Some(who), Some(at)) => Some(lang.f(
                    "return.decided_by",
                    &[("who", &who), ("at", &full_time(at))],
                )),
                _ => None,
            },
            decision_reason: r.decision_reason,
            losses: r.losses.as_ref().map(|l| {
                lang.f(
                    "return.losses_line",
                    &[
                        ("amount", &yuan(l.amount_fen)),
                        ("who", &bearer_label(lang, l.borne_by)),
                    ],
                )
            }),
            losses_note: r.losses.map(|l| l.note),
            version: r.version,
            may_decide: decides && r.status == ReturnStatus::Requested,
            may_record_losses: decides && r.status == ReturnStatus::Approved,
            bearers,
            typed,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The list.

struct Tab {
    href: String,
    label: &'static str,
    on: bool,
}

#[derive(Template)]
#[template(path = "returns_list.html")]
struct ListPage {
    l: Layout,
    tabs: Vec<Tab>,
    rows: Vec<ReturnView>,
    awaiting: bool,
    next_href: Option<String>,
    done: Option<&'static str>,
    from: &'static str,
}

/// `GET /returns?status=` — those awaiting a decision unless another status (or `all`) is
/// asked for.
pub async fn list(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let chosen = p.filled("status").unwrap_or("requested");
    let status = ReturnStatus::parse(chosen);
    let chosen = status.map_or("all", ReturnStatus::as_str);
    let cursor = p.filled("cursor").and_then(|c| c.parse::<i64>().ok());
    let filter = ReturnFilter {
        status,
        unit_id: None,
    };
    let mut rows = app::returns::returns(&state, &u.user, &filter, PAGE + 1, cursor).await?;
    let more = rows.len() > PAGE as usize;
    rows.truncate(PAGE as usize);
    let next_href = more
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten()
        .map(|c| url_with("/returns", &[("status", chosen), ("cursor", &c)]));
    let mut tabs = vec![Tab {
        href: "/returns".into(),
        label: u.t("return.tab.awaiting"),
        on: chosen == "requested",
    }];
    for s in [
        ReturnStatus::Approved,
        ReturnStatus::Refused,
        ReturnStatus::Closed,
    ] {
        tabs.push(Tab {
            href: format!("/returns?status={s}"),
            label: status_label(u.lang, s),
            on: chosen == s.as_str(),
        });
    }
    tabs.push(Tab {
        href: "/returns?status=all".into(),
        label: u.t("return.tab.all"),
        on: chosen == "all",
    });
    let done = match p.filled("done") {
        Some("approved") => Some("return.done.approved"),
        Some("refused") => Some("return.done.refused"),
        _ => None,
    };
    render(&ListPage {
        l: u.layout("returns", u.t("return.list_title")),
        tabs,
        awaiting: chosen == "requested",
        rows: rows
            .into_iter()
            .map(|r| ReturnView::new(&u, r, Typed::default()))
            .collect(),
        next_href,
        done: done.map(|k| u.t(k)),
        from: "list",
    })
}

// ---------------------------------------------------------------------------------------
// A request's page, its decision and its losses.

#[derive(Template)]
#[template(path = "returns_detail.html")]
struct DetailPage {
    l: Layout,
    r: ReturnView,
    saved: Option<&'static str>,
    form_errors: ErrorSummary,
    from: &'static str,
}

async fn detail_page(
    state: &AppState,
    u: &WebUser,
    id: ReturnId,
    typed: Typed,
    saved: Option<&'static str>,
) -> WebResult<DetailPage> {
    let r = app::returns::return_request(state, &u.user, id).await?;
    let fields = [
        FormField::new("reason", format!("reason-{}", id), u.t("return.reason")),
        FormField::new("approve", "", u.t("return.decision")),
        FormField::new("amount", "amount", u.t("return.losses_amount")),
        FormField::new("note", "note", u.t("return.losses_note")),
        FormField::new("borne_by", "borne_by", u.t("return.borne_by")),
    ];
    let form_errors = ErrorSummary::new(u.lang, &typed.errors, &fields, None);
    Ok(DetailPage {
        l: u.layout("returns", u.lang.f("return.detail_title", &[("id", &id)])),
        r: ReturnView::new(u, r, typed),
        saved,
        form_errors,
        from: "detail",
    })
}

/// `GET /returns/{id}`
pub async fn detail(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let id = ReturnId(id_of(&id, "return")?);
    let saved = match p.filled("saved") {
        Some("requested") => Some("return.saved.requested"),
        Some("approved") => Some("return.done.approved"),
        Some("refused") => Some("return.done.refused"),
        Some("losses") => Some("return.saved.losses"),
        _ => None,
    };
    let saved = saved.map(|k| u.t(k));
    render(&detail_page(&state, &u, id, Typed::default(), saved).await?)
}

fn version_of(form: &Pairs) -> WebResult<i64> {
    form.text("version")
        .trim()
        .parse::<i64>()
        .map_err(|_| WebError::bad_request())
}

/// A form's problems: back to the request's page with what was typed (422).
async fn sent_back(
    state: &AppState,
    u: &WebUser,
    id: ReturnId,
    mut typed: Typed,
    errs: &FieldErrors,
) -> WebResult<Response> {
    typed.errors = Messages::new(u.lang, errs);
    let page = detail_page(state, u, id, typed, None).await?;
    render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// `POST /returns/{id}/decision`: `approve` is `1` or `0`, with a reason. From the list,
/// back to the list; problems come back on the request's page.
pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = ReturnId(id_of(&id, "return")?);
    let version = version_of(&form)?;
    let approve = match form.filled("approve") {
        Some("1") => true,
        Some("0") => false,
        _ => return Err(WebError::bad_request()),
    };
    let reason = form.text("reason");
    match app::returns::decide_return(&state, &u.user, id, version, approve, &reason, state.now())
        .await
    {
        Ok(_) => {
            let done = if approve { "approved" } else { "refused" };
            Ok(if form.filled("from") == Some("list") {
                see_other(&format!("/returns?done={done}"))
            } else {
                see_other(&format!("/returns/{id}?saved={done}"))
            })
        }
        Err(Error::Validation(errs)) => {
            let typed = Typed {
                reason,
                ..Typed::default()
            };
            sent_back(&state, &u, id, typed, &errs).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /returns/{id}/losses`: the amount in yuan, what it is made of, who bears it.
pub async fn losses(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = ReturnId(id_of(&id, "return")?);
    let version = version_of(&form)?;
    let typed = Typed {
        amount: form.text("amount"),
        note: form.text("note"),
        borne_by: form.text("borne_by"),
        ..Typed::default()
    };
    let amount = parse_yuan(&typed.amount);
    let input = LossesInput {
        amount_fen: amount.as_ref().ok().copied(),
        note: typed.note.clone(),
        borne_by: Some(typed.borne_by.clone()),
    };
    let result = match amount {
        Err(p) => Err(Error::field("amount", p)),
        Ok(_) => {
            app::returns::record_losses(&state, &u.user, id, version, &input, state.now()).await
        }
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/returns/{id}?saved=losses"))),
        Err(Error::Validation(errs)) => {
            let mut renamed = FieldErrors::new();
            for (k, p) in errs.0 {
                renamed.add(
                    if k == "amount_fen" {
                        "amount".into()
                    } else {
                        k
                    },
                    p,
                );
            }
            sent_back(&state, &u, id, typed, &renamed).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// Recording a request on a unit.

#[derive(Default)]
struct NewForm {
    ground: String,
    description: String,
    confirmation: String,
    ticket_id: String,
    requested_on: String,
}

impl NewForm {
    fn read(p: &Pairs) -> Self {
        NewForm {
            ground: p.text("ground"),
            description: p.text("description"),
            confirmation: p.text("confirmation"),
            ticket_id: p.text("ticket_id"),
            requested_on: p.text("requested_on"),
        }
    }
}

/// A ground to choose, with what the rules would say today.
struct GroundChoice {
    value: &'static str,
    label: &'static str,
    hint: &'static str,
    checked: bool,
    eligible: bool,
    rule_text: String,
}

#[derive(Template)]
#[template(path = "returns_new.html")]
struct NewPage {
    l: Layout,
    unit_id: i64,
    unit: String,
    customer_name: String,
    customer_href: String,
    site_address: String,
    coverage_text: String,
    grounds: Vec<GroundChoice>,
    f: NewForm,
    errors: Messages,
    form_errors: ErrorSummary,
}

async fn new_page(
    state: &AppState,
    u: &WebUser,
    unit_id: UnitId,
    f: NewForm,
    errors: &FieldErrors,
) -> WebResult<NewPage> {
    app::require(&u.user, Permission::RequestReturns)?;
    let (unit, coverage): (_, Coverage) =
        app::units::coverage(state, &u.user, unit_id, None, state.now()).await?;
    let grounds = Ground::ALL
        .iter()
        .map(|g| {
            let e = eligibility(*g, &coverage);
            GroundChoice {
                value: g.as_str(),
                label: ground_label(u.lang, *g),
                hint: match g {
                    Ground::QualityProblem => u.t("return.ground_hint.quality_problem"),
                    Ground::NotMeetingRequirements => {
                        u.t("return.ground_hint.not_meeting_requirements")
                    }
                },
                checked: f.ground == g.as_str(),
                eligible: e.eligible,
                rule_text: u.lang.return_rule(&e),
            }
        })
        .collect();
    let messages = Messages::new(u.lang, errors);
    let fields = [
        FormField::new("ground", "ground-quality_problem", u.t("return.ground")),
        FormField::new("description", "description", u.t("return.description")),
        FormField::new("confirmation", "confirmation", u.t("return.confirmation")),
        FormField::new("ticket_id", "ticket_id", u.t("return.ticket")),
        FormField::new("requested_on", "requested_on", u.t("return.requested_on")),
    ];
    let form_errors = ErrorSummary::new(u.lang, &messages, &fields, None);
    let f = NewForm {
        requested_on: if f.requested_on.trim().is_empty() {
            local_date(state.now()).to_string()
        } else {
            f.requested_on
        },
        ..f
    };
    Ok(NewPage {
        l: u.layout("returns", u.t("return.new_title")),
        unit_id: unit.id.0,
        unit: format!("{} · {}", unit.model_code, unit.serial_no),
        customer_href: format!("/customers/{}", unit.customer_id),
        customer_name: unit.customer_name,
        site_address: unit.site_address,
        coverage_text: u.lang.coverage_reason(&coverage),
        grounds,
        f,
        errors: messages,
        form_errors,
    })
}

/// `GET /units/{id}/returns/new`
pub async fn new_form(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = UnitId(id_of(&id, "unit")?);
    render(&new_page(&state, &u, id, NewForm::default(), &FieldErrors::new()).await?)
}

/// `POST /units/{id}/returns`: on to the request's page, or back with every problem named.
pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let unit_id = UnitId(id_of(&id, "unit")?);
    let f = NewForm::read(&form);
    let ticket = match f.ticket_id.trim() {
        "" => Ok(None),
        t => parse_ticket_number(t).map(Some).ok_or_else(|| {
            Error::field(
                "ticket_id",
                Problem::invalid("a ticket number such as SB00000042"),
            )
        }),
    };
    let opt = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
    let result = match ticket {
        Err(e) => Err(e),
        Ok(ticket_id) => {
            let input = ReturnInput {
                ground: f.ground.clone(),
                description: f.description.clone(),
                confirmation: opt(&f.confirmation),
                ticket_id,
                requested_on: opt(&f.requested_on),
            };
            app::returns::request_return(&state, &u.user, unit_id, &input, state.now()).await
        }
    };
    match result {
        Ok(r) => Ok(see_other(&format!("/returns/{}?saved=requested", r.id))),
        Err(Error::Validation(errs)) => {
            let page = new_page(&state, &u, unit_id, f, &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every sentence a return's eligibility is explained with is in the catalogue.
    #[test]
    fn every_return_rule_sentence_is_translated() {
        for key in [
            "return.rule.r2_5_confirmed_quality_problem",
            "return.rule.r2_2_within_warranty",
            "return.rule.r2_2_within_warranty_not_commissioned",
            "return.rule.r2_2_outside_warranty",
            "return.rule.r2_2_outside_warranty_no_dates",
            "err.r2_2_outside_warranty",
        ] {
            assert!(Lang::has(key), "{key}");
        }
    }
}
