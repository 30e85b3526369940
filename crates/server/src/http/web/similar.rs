//! The panel of similar past cases (issue 11, part 5) on an open fault's ticket page and
//! on the technician's job page: how the same problem was solved before.

use super::WebResult;
use super::extract::WebUser;
use super::view::full_time;
use crate::app;
use crate::app::AppState;
use sanbao_domain::JobId;
use sanbao_domain::similar::{Match, Similar};
use sanbao_domain::ticket::{Ticket, TicketStatus};

/// One past case as the panel shows it.
pub struct CaseView {
    pub href: String,
    pub number: String,
    pub summary: String,
    pub cause: String,
    pub handling: String,
    pub date: String,
    pub model: String,
    /// Why it is shown (the words for same model, same component or similar text).
    pub why: String,
}

/// The panel; an empty list shows the words for "none yet".
pub struct SimilarPanel {
    pub cases: Vec<CaseView>,
}

fn view(u: &WebUser, s: &Similar) -> CaseView {
    let c = &s.case;
    let cause = [c.fault_cause.trim(), c.cause_analysis.trim()]
        .into_iter()
        .filter(|x| !x.is_empty())
        .collect::<Vec<_>>()
        .join(" — ");
    let why = match s.matched {
        Match::ModelAndComponent => "similar.why.model_and_component",
        Match::SameModel => "similar.why.same_model",
        Match::SameComponent => "similar.why.same_component",
        Match::Text => "similar.why.text",
    };
    CaseView {
        href: format!("/tickets/{}", c.ticket_id.0),
        number: sanbao_domain::ticket::ticket_number(c.ticket_id),
        summary: c.summary.clone(),
        cause,
        handling: c.handling.clone(),
        date: full_time(c.finished_at),
        model: c.model_code.clone().unwrap_or_default(),
        why: u.t(why).to_string(),
    }
}

/// The panel for a ticket that is an open fault or complaint; `None` for other tickets.
pub async fn for_ticket(
    state: &AppState,
    u: &WebUser,
    t: &Ticket,
) -> WebResult<Option<SimilarPanel>> {
    let open = !matches!(
        t.status,
        TicketStatus::Resolved | TicketStatus::Closed | TicketStatus::Cancelled
    );
    if !open || !sanbao_domain::similar::is_case_kind(t.kind) {
        return Ok(None);
    }
    let found = app::similar::for_ticket(state, &u.user, t.id).await?;
    Ok(Some(SimilarPanel {
        cases: found.iter().map(|s| view(u, s)).collect(),
    }))
}

/// The panel for a technician's job.
pub async fn for_job(state: &AppState, u: &WebUser, id: JobId) -> WebResult<SimilarPanel> {
    let found = app::similar::for_job(state, &u.user, id).await?;
    Ok(SimilarPanel {
        cases: found.iter().map(|s| view(u, s)).collect(),
    })
}
