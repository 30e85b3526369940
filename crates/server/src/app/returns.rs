//! Returns (R2.2, R2.5): a request on a unit, the service manager's decision, the losses
//! borne. Eligibility is the domain's, from the unit's coverage on the request date.

use super::require;
use super::state::AppState;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::returns::{LossesInput, ReturnFields, ReturnFilter, ReturnInput, ReturnRequest};
use sanbao_domain::role::may_for_customer;
use sanbao_domain::time::local_date;
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission, Problem, ReturnId, UnitId};
use sanbao_store::Tx;

/// Record a customer's request to return a unit. A salesperson records them only for
/// their own customers' units.
pub async fn request_return(
    state: &AppState,
    actor: &User,
    unit_id: UnitId,
    input: &ReturnInput,
    now: DateTime<Utc>,
) -> Result<ReturnRequest, Error> {
    require(actor, Permission::RequestReturns)?;
    let fields = ReturnFields::parse(input, local_date(now))?;
    let mut tx = state.db.begin().await?;
    let unit = tx.unit(unit_id).await?.ok_or(Error::NotFound("unit"))?;
    let customer = tx
        .customer(unit.customer_id)
        .await?
        .ok_or(Error::NotFound("customer"))?;
    if !may_for_customer(
        actor.role,
        Permission::RequestReturns,
        actor.id,
        customer.fields.salesperson_id,
    ) {
        tracing::info!(
            user_id = actor.id.0,
            unit_id = unit_id.0,
            "not their customer"
        );
        return Err(Error::Forbidden);
    }
    if let Some(ticket_id) = fields.ticket_id {
        match tx.ticket(ticket_id).await? {
            Some(t) if t.customer_id == unit.customer_id => {}
            Some(_) => {
                return Err(Error::field(
                    "ticket_id",
                    Problem::invalid("this ticket is another customer's"),
                ));
            }
            None => {
                return Err(Error::field(
                    "ticket_id",
                    Problem::new("not_found", "no such ticket"),
                ));
            }
        }
    }
    let policies = tx.policies_of(&unit.product_line).await?;
    let coverage = unit.coverage_on(&policies, fields.requested_on);
    let new = fields.into_new(unit.id, &coverage, actor.id, now);
    let id = tx.insert_return(&new).await?;
    let saved = tx
        .return_request(id)
        .await?
        .ok_or_else(|| Error::Internal("return not found after writing it".into()))?;
    tx.audit(&NewAuditEntry::created(
        "return",
        id.0,
        actor.id,
        now,
        saved.audit_view(),
    ))
    .await?;
    tx.commit().await?;
    tracing::info!(return_id = id.0, rule = %saved.eligibility.rule, "return requested");
    Ok(saved)
}

/// Load a request for a change on the version the caller read.
async fn load(tx: &mut Tx, id: ReturnId, version: i64) -> Result<ReturnRequest, Error> {
    let r = tx
        .return_request(id)
        .await?
        .ok_or(Error::NotFound("return"))?;
    if r.version != version {
        return Err(Error::Conflict(format!(
            "return {id} is at version {}, not {version}",
            r.version
        )));
    }
    Ok(r)
}

async fn save(
    mut tx: Tx,
    actor: &User,
    action: &str,
    before: &ReturnRequest,
    after: &ReturnRequest,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<ReturnRequest, Error> {
    tx.update_return(before, after).await?;
    // ---- quality ----
    // An approved return becomes a quality item (R7.1), once.
    super::quality::capture(
        &mut tx,
        sanbao_domain::quality::SourceKind::Return,
        before.id.0,
        actor.id,
        now,
    )
    .await?;
    // ---- end quality ----
    if let Some(entry) = NewAuditEntry::changed(
        "return",
        before.id.0,
        action,
        actor.id,
        now,
        note,
        &before.audit_view(),
        &after.audit_view(),
    ) {
        tx.audit(&entry).await?;
    }
    let saved = tx
        .return_request(before.id)
        .await?
        .ok_or_else(|| Error::Internal("return not found after writing it".into()))?;
    tx.commit().await?;
    Ok(saved)
}

/// Approve or refuse a request, with a reason (R2.2, R2.5). An ineligible request cannot
/// be approved.
pub async fn decide_return(
    state: &AppState,
    actor: &User,
    id: ReturnId,
    version: i64,
    approve: bool,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<ReturnRequest, Error> {
    require(actor, Permission::DecideReturns)?;
    let mut tx = state.db.begin().await?;
    let before = load(&mut tx, id, version).await?;
    let after = before.decide(approve, reason, actor.id, now)?;
    let action = if approve { "approve" } else { "refuse" };
    let saved = save(tx, actor, action, &before, &after, None, now).await?;
    tracing::info!(return_id = id.0, action, "return decided");
    Ok(saved)
}

/// Record the losses an approved return cost and who bears them; the return is closed.
pub async fn record_losses(
    state: &AppState,
    actor: &User,
    id: ReturnId,
    version: i64,
    input: &LossesInput,
    now: DateTime<Utc>,
) -> Result<ReturnRequest, Error> {
    require(actor, Permission::DecideReturns)?;
    let mut tx = state.db.begin().await?;
    let before = load(&mut tx, id, version).await?;
    let after = before.record_losses(input, now)?;
    save(tx, actor, "record_losses", &before, &after, None, now).await
}

pub async fn return_request(
    state: &AppState,
    actor: &User,
    id: ReturnId,
) -> Result<ReturnRequest, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state
        .db
        .return_request(id)
        .await?
        .ok_or(Error::NotFound("return"))
}

pub async fn returns(
    state: &AppState,
    actor: &User,
    filter: &ReturnFilter,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Vec<ReturnRequest>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.returns(filter, limit, cursor).await
}

/// A unit's return requests, oldest first, for its timeline.
pub async fn returns_of_unit(
    state: &AppState,
    actor: &User,
    unit: UnitId,
) -> Result<Vec<ReturnRequest>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.returns_of_unit(unit).await
}
