//! Deliveries (R3.2): recorded when shipped, then stepped by the customer's salesperson —
//! arrived, counted against the packing list, accepted with the customer's confirmation.
//! Acceptance starts the coverage of the delivery's units (R2 decision: covered from
//! acceptance).

use super::require;
use super::state::AppState;
use super::units::{model_id, resolve_site, write_unit};
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::coverage::UnitDates;
use sanbao_domain::delivery::{
    Delivery, DeliveryFields, DeliveryFilter, DeliveryInput, DeliveryStatus, StepInput, may_track,
};
use sanbao_domain::time::{local_date, to_store_precision};
use sanbao_domain::unit::{Unit, UnitFields};
use sanbao_domain::user::User;
use sanbao_domain::{DeliveryId, Error, FieldErrors, Permission, Problem, UserId};
use sanbao_store::{NewDelivery, Tx};

/// The most deliveries a board shows.
pub const BOARD_MAX: i64 = 200;

/// A use case's problems of one shipped unit, named as the delivery's (`units[2].serial_no`).
fn of_unit(i: usize, e: Error) -> Error {
    match e {
        Error::Validation(f) => {
            let mut out = FieldErrors::new();
            for (field, p) in f.0 {
                let field = match field.as_str() {
                    "model_code" | "serial_no" => format!("units[{i}].{field}"),
                    _ => field,
                };
                out.add(field, p);
            }
            Error::Validation(out)
        }
        other => other,
    }
}

fn refuse_unless_tracking(actor: &User, d: &Delivery) -> Result<(), Error> {
    if may_track(actor.role, actor.id, d.salesperson_id) {
        Ok(())
    } else {
        tracing::info!(
            user_id = actor.id.0,
            delivery_id = d.id.0,
            "refused: not theirs"
        );
        Err(Error::Forbidden)
    }
}

/// Record a shipped delivery with its packing list and, if given, the units shipped (each
/// written to the installed base with the delivery and its shipment date).
pub async fn create_delivery(
    state: &AppState,
    actor: &User,
    input: &DeliveryInput,
    now: DateTime<Utc>,
) -> Result<Delivery, Error> {
    require(actor, Permission::TrackDeliveries)?;
    let fields = DeliveryFields::parse(input, local_date(now))?;
    let now = to_store_precision(now);
    let mut tx = state.db.begin().await?;
    let customer = tx.customer(fields.customer_id).await?.ok_or_else(|| {
        Error::field("customer_id", Problem::new("not_found", "no such customer"))
    })?;
    let salesperson = customer.fields.salesperson_id;
    if !may_track(actor.role, actor.id, salesperson) {
        tracing::info!(user_id = actor.id.0, "refused: not their customer");
        return Err(Error::Forbidden);
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
    let id = tx
        .insert_delivery(
            &NewDelivery {
                fields: &fields,
                site_id: site,
                salesperson_id: salesperson,
                created_by: actor.id,
            },
            now,
        )
        .await?;
    for (i, u) in fields.units.iter().enumerate() {
        let unit = UnitFields {
            customer_id: fields.customer_id,
            model_code: u.model_code.clone(),
            serial_no: u.serial_no.clone(),
            site_id: Some(site),
            site_address: None,
            dates: UnitDates {
                shipped_on: Some(fields.shipped_on),
                ..UnitDates::default()
            },
            notes: None,
        };
        let model = model_id(&mut tx, &unit.model_code)
            .await
            .map_err(|e| of_unit(i, e))?;
        write_unit(&mut tx, actor, &unit, model, Some(id), now)
            .await
            .map_err(|e| of_unit(i, e))?;
    }
    let delivery = tx
        .delivery(id)
        .await?
        .ok_or_else(|| Error::Internal("delivery not found after writing it".into()))?;
    tx.audit(&NewAuditEntry::created(
        "delivery",
        id.0,
        actor.id,
        now,
        delivery.audit_view(),
    ))
    .await?;
    tx.commit().await?;
    tracing::info!(delivery_id = id.0, "delivery recorded");
    Ok(delivery)
}

/// A delivery, for those who may track it.
pub async fn delivery(state: &AppState, actor: &User, id: DeliveryId) -> Result<Delivery, Error> {
    require(actor, Permission::TrackDeliveries)?;
    let d = state
        .db
        .delivery(id)
        .await?
        .ok_or(Error::NotFound("delivery"))?;
    refuse_unless_tracking(actor, &d)?;
    Ok(d)
}

/// The units shipped with a delivery.
pub async fn delivery_units(
    state: &AppState,
    actor: &User,
    id: DeliveryId,
) -> Result<Vec<Unit>, Error> {
    delivery(state, actor, id).await?;
    state.db.units_of_delivery(id).await
}

/// The board: a salesperson sees their customers' deliveries; the service department
/// everyone's, or one salesperson's. Oldest shipment first.
pub async fn deliveries(
    state: &AppState,
    actor: &User,
    salesperson: Option<UserId>,
    open_only: bool,
) -> Result<Vec<Delivery>, Error> {
    require(actor, Permission::TrackDeliveries)?;
    let salesperson_id = if actor.role.bound_to_own_customers() {
        Some(actor.id)
    } else {
        salesperson
    };
    state
        .db
        .deliveries(
            &DeliveryFilter {
                salesperson_id,
                open_only,
            },
            BOARD_MAX,
        )
        .await
}

/// Record the next step of a delivery read at `version`: arrival, the count, or the
/// acceptance — which sets the acceptance date of its units not yet accepted, so that
/// their coverage starts.
pub async fn record_step(
    state: &AppState,
    actor: &User,
    id: DeliveryId,
    version: i64,
    input: &StepInput,
    now: DateTime<Utc>,
) -> Result<Delivery, Error> {
    require(actor, Permission::TrackDeliveries)?;
    let mut tx = state.db.begin().await?;
    let before = tx.delivery(id).await?.ok_or(Error::NotFound("delivery"))?;
    refuse_unless_tracking(actor, &before)?;
    if before.version != version {
        return Err(Error::Conflict(format!(
            "delivery {id} is at version {}, not {version}",
            before.version
        )));
    }
    let after = before.apply(input, now)?;
    tx.update_delivery(&before, &after).await?;
    tx.audit(&NewAuditEntry {
        entity: "delivery",
        entity_id: id.0,
        action: input.kind.trim().to_string(),
        actor_id: Some(actor.id),
        at: after.updated_at,
        note: None,
        before: before.audit_view(),
        after: after.audit_view(),
    })
    .await?;
    if after.status == DeliveryStatus::Accepted {
        accept_units(&mut tx, actor, &after).await?;
    }
    tx.commit().await?;
    tracing::info!(
        delivery_id = id.0,
        status = after.status.as_str(),
        "delivery step"
    );
    Ok(after)
}

/// The delivery's units not yet accepted are accepted on its date.
async fn accept_units(tx: &mut Tx, actor: &User, d: &Delivery) -> Result<(), Error> {
    let (Some(on), Some(at)) = (d.accepted_on, d.accepted_at) else {
        return Ok(());
    };
    for u in tx.units_of_delivery(d.id).await? {
        if u.dates.accepted_on.is_some() {
            continue;
        }
        let after = Unit {
            dates: UnitDates {
                accepted_on: Some(on),
                ..u.dates
            },
            updated_at: at,
            version: u.version + 1,
            ..u.clone()
        };
        tx.update_unit(&u, &after).await?;
        if let Some(entry) = NewAuditEntry::changed(
            "unit",
            u.id.0,
            "accept",
            actor.id,
            at,
            None,
            &u.audit_view(),
            &after.audit_view(),
        ) {
            tx.audit(&entry).await?;
        }
    }
    Ok(())
}
