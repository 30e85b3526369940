//! Consultations, correspondence and complaints after their first answer (R3.3, R3.5, R3.7,
//! R3.10): who owns new work by load, the review queue, the quality-review list and the
//! monthly reply rates. The rules are in `sanbao_domain::replies`.

use super::require;
use crate::app::AppState;
use chrono::{DateTime, Utc};
use sanbao_domain::people::sort_by_pinyin;
use sanbao_domain::replies::{
    Candidate, Month, ReplyRates, ReviewItem, intake_owner_role, pick_by_load, reply_rates,
};
use sanbao_domain::ticket::{TicketFilter, TicketKind, TicketSummary};
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission, UserId};

/// The kinds whose open load counts when a new ticket of `kind` is given an owner, and
/// whether only unanswered ones count (consultations and letters: an answered one is no
/// longer anyone's load).
fn load_kinds(kind: TicketKind) -> (&'static [TicketKind], bool) {
    if kind.is_complaint() {
        (
            &[TicketKind::ComplaintQuality, TicketKind::ComplaintOther],
            false,
        )
    } else {
        (
            &[TicketKind::Consultation, TicketKind::Correspondence],
            true,
        )
    }
}

/// The people who may own new work of this kind at intake, each with their open load,
/// sorted by pinyin; empty for kinds that are not given an owner at intake.
pub async fn intake_candidates(
    state: &AppState,
    actor: &User,
    kind: TicketKind,
) -> Result<Vec<Candidate>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let Some(role) = intake_owner_role(kind) else {
        return Ok(Vec::new());
    };
    let (kinds, unanswered) = load_kinds(kind);
    let load = state.db.owner_load(kinds, unanswered).await?;
    let mut people: Vec<User> = state
        .db
        .users(Some(role))
        .await?
        .into_iter()
        .filter(|u| u.active)
        .collect();
    sort_by_pinyin(&mut people, |u| u.display_name.as_str());
    Ok(people
        .into_iter()
        .map(|u| Candidate {
            load: load
                .iter()
                .find(|(id, _)| *id == u.id)
                .map_or(0, |(_, n)| *n),
            id: u.id,
            name: u.display_name,
        })
        .collect())
}

/// The owner a new ticket of this kind gets when the desk names nobody (R3.10, R3.5,
/// R3.7): see [`pick_by_load`]. None for other kinds, or when nobody fits.
pub async fn proposed_owner(
    state: &AppState,
    actor: &User,
    kind: TicketKind,
) -> Result<Option<UserId>, Error> {
    Ok(pick_by_load(&intake_candidates(state, actor, kind).await?))
}

/// Replies waiting for their review, oldest first (R3.7).
pub async fn review_queue(
    state: &AppState,
    actor: &User,
    limit: i64,
) -> Result<Vec<ReviewItem>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.review_queue(limit).await
}

/// Complaints flagged for the quality review, newest first: what the monthly quality
/// review picks up (R3.11, R7).
pub async fn quality_review(
    state: &AppState,
    actor: &User,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Vec<TicketSummary>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let filter = TicketFilter {
        quality_review: true,
        ..TicketFilter::default()
    };
    state.db.tickets(&filter, limit, cursor).await
}

/// The month's reply rate, on-time reply rate and correct-reply rate, for the department,
/// per kind and per engineer (R3.5, R3.7, R6.2). One store query; the domain counts.
pub async fn rates(state: &AppState, actor: &User, month: Month) -> Result<ReplyRates, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let (from, to) = month.bounds();
    let facts = state.db.reply_facts(from, to).await?;
    Ok(reply_rates(month, &facts))
}

/// The month a page or a call shows when none is asked for: the current one.
pub fn this_month(now: DateTime<Utc>) -> Month {
    Month::of(now)
}
