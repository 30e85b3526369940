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
use sanbao_domain::{CustomerId, Error, Permission, Problem, SiteId, UnitId};
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
    let model = tx.insert_model(&fields, now).await?;
    tx.audit(&NewAuditEntry::created(
        "product_model",
        model.id.0,
        actor.id,
        model.created_at,
        serde_json::to_value(&model.fields).unwrap_or_default(),
    ))
    .await?;
    tx.commit().await?;
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
    let id = write_unit(&mut tx, actor, &fields, None, now).await?;
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
    delivery: Option<sanbao_domain::DeliveryId>,
    now: DateTime<Utc>,
) -> Result<UnitId, Error> {
    let model = tx.model_by_code(&fields.model_code).await?.ok_or_else(|| {
        Error::field(
            "model_code",
            Problem::new("not_found", "no product model with this code"),
        )
    })?;
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
                model_id: model.id,
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
