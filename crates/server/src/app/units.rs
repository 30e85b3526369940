//! The installed base (R2, R3.8, R5.2): product models and their warranty policies, sites,
//! units, and a unit's coverage and history.

use super::require;
use super::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::coverage::Coverage;
use sanbao_domain::customer::RegionCorrection;
use sanbao_domain::product::{ModelFields, ModelInput, PolicyInput, ProductModel, WarrantyPolicy};
use sanbao_domain::site::{Site, SiteFields, SiteInput};
use sanbao_domain::time::local_date;
use sanbao_domain::unit::{Unit, UnitFields, UnitFilter, UnitInput, UnitSummary};
use sanbao_domain::user::User;
use sanbao_domain::{CustomerId, Error, Permission, Problem, ProductModelId, SiteId, UnitId};
use sanbao_store::{NewUnit, Tx};

pub async fn create_model(
    state: &AppState,
    actor: &User,
    input: &ModelInput,
    now: DateTime<Utc>,
) -> Result<ProductModel, Error> {
    require(actor, Permission::ManageProducts)?;
    let fields = ModelFields::parse(input)?;
    let mut tx = state.db.begin().await?;
    let model = write_model(&mut tx, actor, &fields, now).await?;
    tx.commit().await?;
    Ok(model)
}

/// Write a checked model and its audit record in the caller's transaction.
pub(super) async fn write_model(
    tx: &mut Tx,
    actor: &User,
    fields: &ModelFields,
    now: DateTime<Utc>,
) -> Result<ProductModel, Error> {
    let model = tx.insert_model(fields, now).await?;
    tx.audit(&NewAuditEntry::created(
        "product_model",
        model.id.0,
        actor.id,
        model.created_at,
        serde_json::to_value(&model.fields).unwrap_or_default(),
    ))
    .await?;
    Ok(model)
}

pub async fn models(state: &AppState, actor: &User) -> Result<Vec<ProductModel>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.models().await
}

/// Add a version of a product line's policy; it covers units commissioned from its date.
pub async fn create_policy(
    state: &AppState,
    actor: &User,
    input: &PolicyInput,
    now: DateTime<Utc>,
) -> Result<WarrantyPolicy, Error> {
    require(actor, Permission::ManageProducts)?;
    let policy = input.parse()?;
    let mut tx = state.db.begin().await?;
    let saved = tx.insert_policy(&policy, actor.id, now).await?;
    tx.audit(&NewAuditEntry::created(
        "warranty_policy",
        saved.id.map_or(0, |p| p.0),
        actor.id,
        now,
        serde_json::to_value(&saved).unwrap_or_default(),
    ))
    .await?;
    tx.commit().await?;
    Ok(saved)
}

pub async fn policies(state: &AppState, actor: &User) -> Result<Vec<WarrantyPolicy>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.policies().await
}

/// The installed base of a customer is the actor's to change: for a salesperson, only of
/// the customers they follow ([`sanbao_domain::role::may_for_customer`]). A customer that
/// does not exist is left to the caller's own check, which names it.
async fn require_own_customer(tx: &mut Tx, actor: &User, id: CustomerId) -> Result<(), Error> {
    match tx.customer(id).await? {
        Some(c)
            if !sanbao_domain::role::may_for_customer(
                actor.role,
                Permission::EditInstalledBase,
                actor.id,
                c.fields.salesperson_id,
            ) =>
        {
            Err(Error::Forbidden)
        }
        _ => Ok(()),
    }
}

/// Add a site to a customer; its region is derived from the address, or corrected with a
/// reason by those allowed to.
pub async fn create_site(
    state: &AppState,
    actor: &User,
    customer: CustomerId,
    input: &SiteInput,
    correction: Option<(&str, &str)>,
    now: DateTime<Utc>,
) -> Result<Site, Error> {
    require(actor, Permission::EditInstalledBase)?;
    let fields = SiteFields::parse(input)?;
    let corr = match correction {
        None => None,
        Some(_) if !actor.role.may(Permission::CorrectRegion) => return Err(Error::Forbidden),
        Some((region, reason)) => Some(RegionCorrection::parse(region, reason)?),
    };
    let mut tx = state.db.begin().await?;
    if tx.customer(customer).await?.is_none() {
        return Err(Error::NotFound("customer"));
    }
    require_own_customer(&mut tx, actor, customer).await?;
    let site = tx
        .insert_site(customer, &fields, corr.as_ref(), now)
        .await?;
    tx.audit(&NewAuditEntry::created(
        "site",
        site.id.0,
        actor.id,
        site.created_at,
        site.audit_view(),
    ))
    .await?;
    tx.commit().await?;
    Ok(site)
}

pub async fn sites(
    state: &AppState,
    actor: &User,
    customer: CustomerId,
) -> Result<Vec<Site>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.sites_of(customer).await
}

pub async fn site(state: &AppState, actor: &User, id: SiteId) -> Result<Site, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.site(id).await?.ok_or(Error::NotFound("site"))
}

/// Record an installed unit. Its site is the one at `site_address` (added to the customer
/// if it has none there), else the named site, else the customer's first site.
pub async fn create_unit(
    state: &AppState,
    actor: &User,
    input: &UnitInput,
    now: DateTime<Utc>,
) -> Result<Unit, Error> {
    require(actor, Permission::EditInstalledBase)?;
    let fields = UnitFields::parse(input, local_date(now))?;
    let mut tx = state.db.begin().await?;
    require_own_customer(&mut tx, actor, fields.customer_id).await?;
    let model = model_id(&mut tx, &fields.model_code).await?;
    let id = write_unit(&mut tx, actor, &fields, model, None, now).await?;
    let unit = tx
        .unit(id)
        .await?
        .ok_or_else(|| Error::Internal("unit not found after writing it".into()))?;
    tx.commit().await?;
    tracing::info!(unit_id = id.0, "unit recorded");
    Ok(unit)
}

/// Write a checked unit and its audit record in the caller's transaction: the model must
/// exist, the site must be the customer's.
pub async fn write_unit(
    tx: &mut Tx,
    actor: &User,
    fields: &UnitFields,
    model: ProductModelId,
    delivery: Option<sanbao_domain::DeliveryId>,
    now: DateTime<Utc>,
) -> Result<UnitId, Error> {
    let site = resolve_site(
        tx,
        actor,
        fields.customer_id,
        fields.site_address.as_deref(),
        fields.site_id,
        now,
    )
    .await?;
    let id = tx
        .insert_unit(
            &NewUnit {
                customer_id: fields.customer_id,
                model_id: model,
                serial_no: &fields.serial_no,
                site_id: site,
                delivery_id: delivery,
                dates: fields.dates,
                notes: fields.notes.as_deref(),
            },
            now,
        )
        .await?;
    tx.audit(&NewAuditEntry::created(
        "unit",
        id.0,
        actor.id,
        now,
        serde_json::json!({
            "customer_id": fields.customer_id,
            "model_code": fields.model_code,
            "serial_no": fields.serial_no,
            "site_id": site,
            "delivery_id": delivery,
            "shipped_on": fields.dates.shipped_on,
            "accepted_on": fields.dates.accepted_on,
            "commissioned_on": fields.dates.commissioned_on,
            "notes": fields.notes,
        }),
    ))
    .await?;
    Ok(id)
}

/// The model with this code, named as the unit's `model_code` when there is none. (An
/// import, which knows every model already, passes its own.)
pub async fn model_id(tx: &mut Tx, code: &str) -> Result<ProductModelId, Error> {
    tx.model_by_code(code).await?.map(|m| m.id).ok_or_else(|| {
        Error::field(
            "model_code",
            Problem::new("not_found", "no product model with this code"),
        )
    })
}

/// The unit's site: at the address given (reused, or added with its audit record), the
/// site named (which must be the customer's), or the customer's first site.
pub(super) async fn resolve_site(
    tx: &mut Tx,
    actor: &User,
    customer: CustomerId,
    site_address: Option<&str>,
    site_id: Option<SiteId>,
    now: DateTime<Utc>,
) -> Result<SiteId, Error> {
    if let Some(address) = site_address {
        // Looked up and added under the customer's lock: units recorded at once at the
        // same new address share one site.
        tx.lock_customer(customer).await?;
        if let Some(site) = tx.site_at(customer, address).await? {
            return Ok(site.id);
        }
        let new = SiteFields {
            name: None,
            address: address.to_string(),
            contact_name: None,
            contact_phone: None,
        };
        let site = tx.insert_site(customer, &new, None, now).await?;
        tx.audit(&NewAuditEntry::created(
            "site",
            site.id.0,
            actor.id,
            site.created_at,
            site.audit_view(),
        ))
        .await?;
        return Ok(site.id);
    }
    if let Some(id) = site_id {
        return match tx.site(id).await? {
            Some(s) if s.customer_id == customer => Ok(s.id),
            Some(_) => Err(Error::field(
                "site_id",
                Problem::new("other_customer", "this site belongs to another customer"),
            )),
            None => Err(Error::field(
                "site_id",
                Problem::new("not_found", "no such site"),
            )),
        };
    }
    tx.first_site(customer)
        .await?
        .map(|s| s.id)
        .ok_or_else(|| Error::field("customer_id", Problem::new("not_found", "no such customer")))
}

pub async fn unit(state: &AppState, actor: &User, id: UnitId) -> Result<Unit, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.unit(id).await?.ok_or(Error::NotFound("unit"))
}

pub async fn units(
    state: &AppState,
    actor: &User,
    filter: &UnitFilter,
    limit: i64,
    cursor: Option<i64>,
) -> Result<Vec<UnitSummary>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.units(filter, limit, cursor).await
}

/// A unit's coverage on a date (today, the company's, when none is given).
pub async fn coverage(
    state: &AppState,
    actor: &User,
    id: UnitId,
    on: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<(Unit, Coverage), Error> {
    let unit = unit(state, actor, id).await?;
    let policies = state.db.policies_of(&unit.product_line).await?;
    let on = on.unwrap_or_else(|| local_date(now));
    let c = unit.coverage_on(&policies, on);
    Ok((unit, c))
}

/// Change a site's name, address, contact or region (R5.2). The first site is the
/// customer's own address and changes with the customer, not here. `version` is the one
/// the editor read.
#[allow(clippy::too_many_arguments)]
pub async fn update_site(
    state: &AppState,
    actor: &User,
    id: SiteId,
    version: i64,
    input: &SiteInput,
    correction: Option<(&str, &str)>,
    now: DateTime<Utc>,
) -> Result<Site, Error> {
    require(actor, Permission::EditInstalledBase)?;
    let fields = SiteFields::parse(input)?;
    let corr = match correction {
        None => None,
        Some(_) if !actor.role.may(Permission::CorrectRegion) => return Err(Error::Forbidden),
        Some((region, reason)) => Some(RegionCorrection::parse(region, reason)?),
    };
    let mut tx = state.db.begin().await?;
    let before = tx.site(id).await?.ok_or(Error::NotFound("site"))?;
    require_own_customer(&mut tx, actor, before.customer_id).await?;
    if before.is_first() {
        return Err(Error::field(
            "address",
            Problem::new(
                "first_site",
                "this is the customer's own address: change it on the customer",
            ),
        ));
    }
    if before.region_correction.is_some()
        && corr.is_none()
        && !actor.role.may(Permission::CorrectRegion)
    {
        return Err(Error::Forbidden);
    }
    if before.version != version {
        return Err(Error::Conflict(format!(
            "site {id} was changed by someone else (version {} now, {version} given)",
            before.version
        )));
    }
    let note = corr.as_ref().map(|c| c.reason.clone());
    let after = before.edited(fields, corr, now);
    let Some(entry) = NewAuditEntry::changed(
        "site",
        id.0,
        "update",
        actor.id,
        after.updated_at,
        note,
        &before.audit_view(),
        &after.audit_view(),
    )
    .filter(|e| e.after.as_object().is_some_and(|o| !o.is_empty())) else {
        return Ok(before);
    };
    tx.update_site(&before, &after).await?;
    tx.audit(&entry).await?;
    // Open tickets there are due by the corrected region.
    if after.region != before.region {
        super::deadlines::follow_site(&mut tx, id, after.region, actor.id, now).await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// A unit's dates, site and notes as submitted for a change; its customer, model and
/// serial number are what the unit is, and do not change.
#[derive(Debug, Clone, Default)]
pub struct UnitChange {
    pub site_id: Option<SiteId>,
    pub site_address: Option<String>,
    pub shipped_on: Option<String>,
    pub accepted_on: Option<String>,
    pub commissioned_on: Option<String>,
    pub notes: Option<String>,
}

/// Record a unit's commissioning date once it is energized, a move to another site, or a
/// correction of its dates. Coverage already recorded on tickets stays as it was.
pub async fn update_unit(
    state: &AppState,
    actor: &User,
    id: UnitId,
    version: i64,
    change: &UnitChange,
    now: DateTime<Utc>,
) -> Result<Unit, Error> {
    require(actor, Permission::EditInstalledBase)?;
    let mut tx = state.db.begin().await?;
    let before = tx.unit(id).await?.ok_or(Error::NotFound("unit"))?;
    require_own_customer(&mut tx, actor, before.customer_id).await?;
    let input = UnitInput {
        customer_id: Some(before.customer_id),
        model_code: before.model_code.clone(),
        serial_no: before.serial_no.clone(),
        site_id: change.site_id.or(Some(before.site_id)),
        site_address: change.site_address.clone(),
        shipped_on: change.shipped_on.clone(),
        accepted_on: change.accepted_on.clone(),
        commissioned_on: change.commissioned_on.clone(),
        notes: change.notes.clone(),
    };
    let fields = UnitFields::parse(&input, local_date(now))?;
    if before.version != version {
        return Err(Error::Conflict(format!(
            "unit {id} was changed by someone else (version {} now, {version} given)",
            before.version
        )));
    }
    let site = resolve_site(
        &mut tx,
        actor,
        fields.customer_id,
        fields.site_address.as_deref(),
        fields.site_id,
        now,
    )
    .await?;
    let moved = site != before.site_id;
    let after = Unit {
        site_id: site,
        dates: fields.dates,
        notes: fields.notes.clone(),
        updated_at: sanbao_domain::time::to_store_precision(now),
        version: before.version + 1,
        ..before.clone()
    };
    let Some(entry) = NewAuditEntry::changed(
        "unit",
        id.0,
        if moved { "move" } else { "update" },
        actor.id,
        after.updated_at,
        None,
        &before.audit_view(),
        &after.audit_view(),
    )
    .filter(|e| e.after.as_object().is_some_and(|o| !o.is_empty())) else {
        return Ok(before);
    };
    tx.update_unit(&before, &after).await?;
    tx.audit(&entry).await?;
    // Read back: the site's address and region come with it.
    let saved = tx
        .unit(id)
        .await?
        .ok_or_else(|| Error::Internal("unit not found after writing it".into()))?;
    // Open tickets about the unit go with it: their work is where the unit is.
    if moved {
        super::deadlines::follow_unit(&mut tx, id, saved.site_id, saved.site_region, actor.id, now)
            .await?;
    }
    tx.commit().await?;
    Ok(saved)
}
