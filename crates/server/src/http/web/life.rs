//! The life story pages (R3.8, R5.2): `/units/{id}/story` and `/customers/{id}/story`,
//! one timeline of everything known, filtered by kind and dates, printable; and the lines
//! the unit's page and a service request show of it.

use super::extract::Pairs;
use super::view::{Messages, clip, full_time};
use super::{QueryParams, WebResult, WebUser, render_with};
use crate::app;
use crate::app::AppState;
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::coverage::CoverageKind;
use sanbao_domain::life::{LifeEntry, LifeEvent, LifeFilter, Scope, Story};
use sanbao_domain::ticket::ticket_number;
use sanbao_domain::{Error, FieldErrors};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/units/{id}/story", get(unit_story))
        .route("/customers/{id}/story", get(customer_story))
}

/// One entry of a story, in words.
pub struct LifeLine {
    pub at: String,
    /// The event's name: also its CSS class (`tl-…`).
    pub event: &'static str,
    pub kind: &'static str,
    pub title: String,
    pub text: String,
    /// Longer words under the line (a form's cause and handling, a remark, a suggestion).
    pub detail: Option<String>,
    pub href: Option<String>,
    pub coverage: Option<(&'static str, String)>,
    /// The unit, named on a customer's story.
    pub unit: Option<(String, String)>,
}

/// What a filter's kind choice shows.
pub struct KindChoice {
    pub value: &'static str,
    pub label: String,
    pub count: usize,
    pub checked: bool,
}

fn none(lang: Lang) -> String {
    lang.t("common.none").to_string()
}

/// Parts of a line joined by ` · `, leaving out the empty ones.
fn joined(parts: impl IntoIterator<Item = Option<String>>) -> String {
    parts
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

fn label(lang: Lang, prefix: &str, code: &str) -> String {
    lang.t(&format!("{prefix}.{code}")).to_string()
}

/// An entry in words. `with_unit`: name its unit (a customer's story).
pub fn line(lang: Lang, e: &LifeEntry, with_unit: bool) -> LifeLine {
    let at = if e.dated {
        e.date().to_string()
    } else {
        full_time(e.at)
    };
    let event = e.event.name();
    let mut l = LifeLine {
        at,
        event,
        kind: e.kind().as_str(),
        title: lang.t(&format!("life.event.{event}")).to_string(),
        text: String::new(),
        detail: None,
        href: None,
        coverage: None,
        unit: e.unit.as_ref().filter(|_| with_unit).map(|u| {
            (
                format!("/units/{}", u.id),
                format!("{} {}", u.model_code, u.serial_no),
            )
        }),
    };
    match &e.event {
        LifeEvent::Recorded
        | LifeEvent::Shipped
        | LifeEvent::Accepted
        | LifeEvent::Commissioned => {}
        LifeEvent::Delivery {
            delivery_id,
            reference,
            status,
        } => {
            l.text = joined([
                Some(reference.clone()),
                Some(label(lang, "delivery.status", status)),
            ]);
            l.href = Some(format!("/deliveries/{delivery_id}"));
        }
        LifeEvent::Ticket {
            ticket_id,
            kind,
            status,
            summary,
            coverage,
        } => {
            l.text = joined([
                Some(ticket_number(*ticket_id)),
                Some(label(lang, "kind", kind)),
                Some(label(lang, "status", status)),
                Some(clip(summary, 80)),
            ]);
            l.href = Some(format!("/tickets/{ticket_id}"));
            l.coverage = coverage.as_deref().and_then(CoverageKind::parse).map(|k| {
                (
                    k.as_str(),
                    super::units::coverage_label(lang, k).to_string(),
                )
            });
        }
        LifeEvent::CheckIn {
            ticket_id,
            technician,
        } => {
            l.text = joined([
                Some(ticket_number(*ticket_id)),
                Some(technician.clone().unwrap_or_else(|| none(lang))),
            ]);
            l.href = Some(format!("/tickets/{ticket_id}"));
        }
        LifeEvent::Arrived {
            job_id,
            ticket_id,
            job_type,
            trip,
            problem,
        } => {
            l.text = joined([
                Some(ticket_number(*ticket_id)),
                Some(label(lang, "dispatch.job_type", job_type)),
                Some(lang.f("life.trip", &[("n", &trip.to_string())])),
                Some(clip(problem, 80)),
            ]);
            l.href = Some(format!("/field/jobs/{job_id}"));
        }
        LifeEvent::Form {
            form_id,
            status,
            signer,
            fault_cause,
            handling,
            responsibility,
            ..
        } => {
            l.text = joined([
                Some(label(lang, "form.status", status)),
                signer
                    .as_ref()
                    .map(|s| lang.f("life.signed_by", &[("name", s)])),
                responsibility
                    .as_deref()
                    .map(|r| label(lang, "form.responsibility", r)),
            ]);
            l.detail = Some(joined([
                Some(clip(fault_cause, 120)),
                Some(clip(handling, 120)),
            ]))
            .filter(|d| !d.is_empty());
            l.href = Some(format!("/field/forms/{form_id}"));
        }
        LifeEvent::Part {
            job_id,
            code,
            name,
            quantity,
            serial,
            serial_removed,
            ..
        } => {
            l.text = joined([
                Some(format!("{code} {name} × {quantity}")),
                serial
                    .as_ref()
                    .map(|s| lang.f("life.serial_fitted", &[("serial", s)])),
                serial_removed
                    .as_ref()
                    .map(|s| lang.f("life.serial_removed", &[("serial", s)])),
            ]);
            l.href = job_id.map(|j| format!("/field/jobs/{j}/parts"));
        }
        LifeEvent::Return {
            return_id,
            status,
            reason,
        } => {
            l.text = joined([
                Some(label(lang, "return.status", status)),
                reason.as_ref().map(|r| clip(r, 80)),
            ]);
            l.href = Some(format!("/returns/{return_id}"));
        }
        LifeEvent::FollowUp {
            follow_up_id,
            method,
            salesperson,
            met,
            usage,
            remarks,
            remark_class,
            requests,
            ticket_id,
        } => {
            l.text = joined([
                Some(label(lang, "followup.method", method)),
                Some(salesperson.clone()),
                met.as_ref().map(|m| lang.f("life.met", &[("who", m)])),
                remark_class
                    .as_deref()
                    .map(|c| label(lang, "followup.class", c)),
                ticket_id.map(ticket_number),
            ]);
            l.detail = Some(joined([
                usage.as_ref().map(|u| clip(u, 160)),
                remarks.as_ref().map(|r| clip(r, 160)),
                requests
                    .as_ref()
                    .map(|r| lang.f("life.requests", &[("text", &clip(r, 160))])),
            ]))
            .filter(|d| !d.is_empty());
            l.href = Some(format!("/follow-ups/{follow_up_id}"));
        }
        LifeEvent::Campaign {
            campaign_id,
            year,
            name,
            channel,
            suggestions,
        } => {
            l.text = joined([
                Some(format!("{year} {name}")),
                channel
                    .as_deref()
                    .map(|c| label(lang, "campaign.channel", c)),
            ]);
            l.detail = suggestions.as_ref().map(|s| clip(s, 200));
            l.href = Some(format!("/campaigns/{campaign_id}"));
        }
        LifeEvent::Training {
            session_id,
            topic,
            trainer,
            attendees,
        } => {
            l.text = joined([
                Some(label(lang, "training.topic", topic)),
                Some(trainer.clone()),
                Some(lang.f("life.attendees", &[("n", &attendees.to_string())])),
            ]);
            l.href = Some(format!("/training/{session_id}"));
        }
        LifeEvent::Changed { fields } => {
            l.text = fields.join(", ");
        }
    }
    l
}

/// A story's lines, newest first.
pub fn lines(lang: Lang, story: &Story, with_unit: bool) -> Vec<LifeLine> {
    story
        .entries
        .iter()
        .map(|e| line(lang, e, with_unit))
        .collect()
}

#[derive(Template)]
#[template(path = "life_story.html")]
struct StoryPage {
    l: super::Layout,
    heading: String,
    /// The record the story is of (the unit's or the customer's page) and its name.
    back_href: String,
    back_label: String,
    action: String,
    kinds: Vec<KindChoice>,
    from: String,
    to: String,
    errors: Messages,
    lines: Vec<LifeLine>,
    /// "Showing n of m", and that older entries are left out.
    count: String,
    truncated: bool,
    filtered: bool,
    printed_at: String,
}

/// The kinds a query names.
fn kinds_of(p: &Pairs) -> Vec<&str> {
    p.0.iter()
        .filter(|(k, _)| k == "kind")
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The filter a query asks for, or its problems (each naming its field).
fn filter_of(p: &Pairs) -> Result<LifeFilter, FieldErrors> {
    match LifeFilter::parse(&kinds_of(p), p.get("from"), p.get("to")) {
        Ok(f) => Ok(f),
        Err(Error::Validation(errs)) => Err(errs),
        Err(_) => Err(FieldErrors::new()),
    }
}

struct Subject {
    heading: String,
    back_href: String,
    back_label: String,
    action: String,
    scope: Scope,
}

/// The filter a page's query asks for. When some of it is unreadable, the problems are
/// named beside their fields (422) and the story shows what could be read of the kinds.
fn read_filter(p: &Pairs) -> (LifeFilter, FieldErrors) {
    match filter_of(p) {
        Ok(f) => (f, FieldErrors::new()),
        Err(e) => {
            let kinds = kinds_of(p);
            let fallback = LifeFilter::parse(&kinds, None, None).unwrap_or_default();
            (fallback, e)
        }
    }
}

fn story_page(
    state: &AppState,
    u: &WebUser,
    p: &Pairs,
    (filter, errors): (LifeFilter, FieldErrors),
    s: Subject,
    story: &Story,
) -> WebResult<Response> {
    let kinds = story
        .kinds
        .iter()
        .map(|&k| KindChoice {
            value: k.as_str(),
            label: u.t(&format!("life.kind.{}", k.as_str())).to_string(),
            count: story.counts.get(&k).copied().unwrap_or(0),
            checked: filter.kinds.contains(&k),
        })
        .collect();
    let with_unit = matches!(s.scope, Scope::Customer(_));
    let page = StoryPage {
        l: u.layout(
            if with_unit { "customers" } else { "units" },
            s.heading.clone(),
        ),
        heading: s.heading,
        back_href: s.back_href,
        back_label: s.back_label,
        action: s.action,
        kinds,
        from: p.text("from"),
        to: p.text("to"),
        count: u.lang.f(
            "life.count",
            &[
                ("shown", &story.entries.len().to_string()),
                ("total", &story.counts.values().sum::<usize>().to_string()),
            ],
        ),
        lines: lines(u.lang, story, with_unit),
        truncated: story.truncated,
        filtered: filter != LifeFilter::default(),
        printed_at: u
            .lang
            .f("life.printed_at", &[("at", &full_time(state.now()))]),
        errors: Messages::new(u.lang, &errors),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_with(status, &page)
}

/// `GET /units/{id}/story`
async fn unit_story(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let id = super::units::unit_id(&id)?;
    let read = read_filter(&p);
    let (unit, story) = app::life::unit_story(&state, &u.user, id, &read.0).await?;
    let name = format!("{} {}", unit.model_code, unit.serial_no);
    let subject = Subject {
        heading: u.lang.f("life.unit_title", &[("unit", &name)]),
        back_href: format!("/units/{id}"),
        back_label: name,
        action: format!("/units/{id}/story"),
        scope: Scope::Unit(id),
    };
    story_page(&state, &u, &p, read, subject, &story)
}

/// `GET /customers/{id}/story`
async fn customer_story(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let id = super::customers::customer_id(&id)?;
    let read = read_filter(&p);
    let (c, story) = app::life::customer_story(&state, &u.user, id, &read.0).await?;
    let subject = Subject {
        heading: u
            .lang
            .f("life.customer_title", &[("customer", &c.fields.name)]),
        back_href: format!("/customers/{id}"),
        back_label: c.fields.name.clone(),
        action: format!("/customers/{id}/story"),
        scope: Scope::Customer(id),
    };
    story_page(&state, &u, &p, read, subject, &story)
}
