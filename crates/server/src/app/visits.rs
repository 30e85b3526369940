//! The visit register (R3.6): visitors and customer trainees received by a senior
//! engineer, with the questions asked and the answers given. Audited.

use super::require;
use crate::app::AppState;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::people::sort_by_pinyin;
use sanbao_domain::user::User;
use sanbao_domain::visit::{NewVisit, Visit, VisitFilter, VisitInput, may_host};
use sanbao_domain::{Error, FieldErrors, Permission, Problem, VisitId};

/// Register a visit. The host must be an active senior engineer and a named customer must
/// exist; every problem is named by its field and nothing is written.
pub async fn record(
    state: &AppState,
    actor: &User,
    input: &VisitInput,
    now: DateTime<Utc>,
) -> Result<Visit, Error> {
    require(actor, Permission::RecordVisits)?;
    let mut errs = match NewVisit::parse(input, actor.id, now) {
        Ok(_) => FieldErrors::new(),
        Err(Error::Validation(f)) => f,
        Err(e) => return Err(e),
    };
    if let Some(host) = input.host_id {
        match state.db.user(host).await? {
            Some(u) if u.active && may_host(u.role) => {}
            Some(_) => errs.add(
                "host_id",
                Problem::invalid("visitors are received by a senior engineer"),
            ),
            None => errs.add("host_id", Problem::new("not_found", "no such user")),
        }
    }
    if let Some(c) = input.customer_id
        && state.db.customer(c).await?.is_none()
    {
        errs.add("customer_id", Problem::new("not_found", "no such customer"));
    }
    errs.into_result()?;
    let new = NewVisit::parse(input, actor.id, now)?;
    let mut tx = state.db.begin().await?;
    let id = tx.insert_visit(&new).await?;
    let visit = tx.visit(id).await?.ok_or(Error::NotFound("visit"))?;
    tx.audit(&NewAuditEntry::created(
        "visit",
        id.0,
        actor.id,
        new.created_at,
        visit.audit_view(),
    ))
    .await?;
    tx.commit().await?;
    tracing::info!(visit_id = id.0, "visit registered");
    Ok(visit)
}

pub async fn visit(state: &AppState, actor: &User, id: VisitId) -> Result<Visit, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.visit(id).await?.ok_or(Error::NotFound("visit"))
}

/// Visits newest first, by month of arrival and host.
pub async fn visits(
    state: &AppState,
    actor: &User,
    filter: &VisitFilter,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Vec<Visit>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.visits(filter, limit, cursor).await
}

/// The senior engineers who may host, sorted by pinyin.
pub async fn hosts(state: &AppState, actor: &User) -> Result<Vec<User>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let mut found: Vec<User> = state
        .db
        .users(None)
        .await?
        .into_iter()
        .filter(|u| u.active && may_host(u.role))
        .collect();
    sort_by_pinyin(&mut found, |u| u.display_name.as_str());
    Ok(found)
}
