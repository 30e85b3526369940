//! The customer archive (R5.2).

use super::require;
use super::state::AppState;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::{AuditEntry, NewAuditEntry};
use sanbao_domain::customer::{
    Customer, CustomerFields, CustomerFilter, CustomerInput, CustomerSummary, RegionCorrection,
    check_ownership,
};
use sanbao_domain::user::User;
use sanbao_domain::{CustomerId, Error, FieldErrors, Permission, Problem, Role, UserId};
use sanbao_store::Tx;

/// A hand correction of the region as submitted: both parts or none.
#[derive(Debug, Clone, Default)]
pub struct CorrectionInput {
    pub region: Option<String>,
    pub reason: Option<String>,
}

/// Validate the fields and the correction together, so every problem is named at once.
pub(super) async fn check(
    state: &AppState,
    actor: &User,
    input: &CustomerInput,
    correction: &CorrectionInput,
) -> Result<(CustomerFields, Option<RegionCorrection>), Error> {
    let fields = CustomerFields::parse(input);
    let region = correction
        .region
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let corr = match (region, correction.reason.as_deref()) {
        (None, None) => Ok(None),
        (None, Some(r)) if r.trim().is_empty() => Ok(None),
        (region, reason) => {
            if actor.role.may(Permission::CorrectRegion) {
                RegionCorrection::parse(region.unwrap_or(""), reason.unwrap_or("")).map(Some)
            } else {
                Err(Error::Forbidden)
            }
        }
    };
    let salesperson = match input.salesperson_id {
        Some(id) => salesperson_problem(state, id).await?,
        None => None,
    };
    let mut errs = FieldErrors::new();
    let fields = match fields {
        Ok(f) => Some(f),
        Err(Error::Validation(f)) => {
            errs.0.extend(f.0);
            None
        }
        Err(e) => return Err(e),
    };
    let corr = match corr {
        Ok(c) => Some(c),
        Err(Error::Validation(f)) => {
            errs.0.extend(f.0);
            None
        }
        Err(e) => return Err(e),
    };
    if let Some(p) = salesperson {
        errs.add("salesperson_id", p);
    }
    match (fields, corr) {
        (Some(f), Some(c)) if errs.is_empty() => Ok((f, c)),
        _ => Err(Error::Validation(errs)),
    }
}

async fn salesperson_problem(state: &AppState, id: UserId) -> Result<Option<Problem>, Error> {
    Ok(match state.db.user(id).await? {
        Some(u) if u.role == Role::Salesperson && u.active => None,
        Some(_) => Some(Problem::invalid("is not an active salesperson")),
        None => Some(Problem::new("not_found", "no such user")),
    })
}

pub async fn create_customer(
    state: &AppState,
    actor: &User,
    input: &CustomerInput,
    correction: &CorrectionInput,
    now: DateTime<Utc>,
) -> Result<Customer, Error> {
    require(actor, Permission::EditCustomers)?;
    check_ownership(actor.id, actor.role, None, input.salesperson_id)?;
    let (fields, corr) = check(state, actor, input, correction).await?;
    let mut tx = state.db.begin().await?;
    let created = write_new(&mut tx, actor, &fields, corr.as_ref(), now).await?;
    tx.commit().await?;
    Ok(created)
}

/// Write a checked new customer and its audit record in the caller's transaction.
pub(super) async fn write_new(
    tx: &mut Tx,
    actor: &User,
    fields: &CustomerFields,
    corr: Option<&RegionCorrection>,
    now: DateTime<Utc>,
) -> Result<Customer, Error> {
    let created = tx.insert_customer(fields, corr, now).await?;
    tx.audit(&NewAuditEntry::created(
        "customer",
        created.id.0,
        actor.id,
        created.created_at,
        created.audit_view(),
    ))
    .await?;
    Ok(created)
}

/// Replace a customer's record; `version` is the one the editor read. Read, compared and
/// written with its audit record in one transaction; saving what is already there changes
/// nothing and records nothing.
pub async fn update_customer(
    state: &AppState,
    actor: &User,
    id: CustomerId,
    version: i64,
    input: &CustomerInput,
    correction: &CorrectionInput,
    now: DateTime<Utc>,
) -> Result<Customer, Error> {
    require(actor, Permission::EditCustomers)?;
    let (fields, corr) = check(state, actor, input, correction).await?;
    let mut tx = state.db.begin().await?;
    let before = tx.customer(id).await?.ok_or(Error::NotFound("customer"))?;
    // Removing a correction is a correction too.
    if before.region_correction.is_some()
        && corr.is_none()
        && !actor.role.may(Permission::CorrectRegion)
    {
        return Err(Error::Forbidden);
    }
    check_ownership(
        actor.id,
        actor.role,
        Some(before.fields.salesperson_id),
        fields.salesperson_id,
    )?;
    if before.version != version {
        return Err(Error::Conflict(format!(
            "customer {id} was changed by someone else (version {} now, {version} given)",
            before.version
        )));
    }
    let note = corr.as_ref().map(|c| c.reason.clone());
    let after = before.edited(fields, corr, now);
    let entry = NewAuditEntry::changed(
        "customer",
        id.0,
        before.edit_action(&after),
        actor.id,
        after.updated_at,
        note,
        &before.audit_view(),
        &after.audit_view(),
    );
    // A correction's reason alone is not a change.
    let Some(entry) = entry.filter(|e| e.after.as_object().is_some_and(|o| !o.is_empty())) else {
        return Ok(before);
    };
    tx.update_customer(&before, &after).await?;
    tx.audit(&entry).await?;
    // The customer's own address is its first site: open tickets there follow its region.
    if after.region != before.region
        && let Some(first) = tx.first_site(id).await?
    {
        super::deadlines::follow_site(&mut tx, first.id, first.region, actor.id, now).await?;
    }
    tx.commit().await?;
    // The desk shows customers' names.
    state.desk.changed();
    Ok(after)
}

pub async fn customer(state: &AppState, actor: &User, id: CustomerId) -> Result<Customer, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state
        .db
        .customer(id)
        .await?
        .ok_or(Error::NotFound("customer"))
}

pub async fn customers(
    state: &AppState,
    actor: &User,
    filter: &CustomerFilter,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Vec<CustomerSummary>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.customers(filter, limit, cursor).await
}

/// Every recorded change of a customer, oldest first (R1.4).
pub async fn history(
    state: &AppState,
    actor: &User,
    id: CustomerId,
) -> Result<Vec<AuditEntry>, Error> {
    customer(state, actor, id).await?;
    state.db.audit_trail("customer", id.0).await
}
