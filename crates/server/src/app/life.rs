//! The life story of a unit and of a customer (R3.8, R5.2): everything known of it, in one
//! timeline, read from every record that names it.

use sanbao_domain::customer::Customer;
use sanbao_domain::life::{self, LifeFilter, LifeKind, Scope, Story};
use sanbao_domain::unit::Unit;
use sanbao_domain::user::User;
use sanbao_domain::{CustomerId, Error, UnitId};

use super::state::AppState;

/// A unit's story: the unit (whoever may see it), and its entries the filter admits.
pub async fn unit_story(
    state: &AppState,
    actor: &User,
    id: UnitId,
    filter: &LifeFilter,
) -> Result<(Unit, Story), Error> {
    let unit = super::units::unit(state, actor, id).await?;
    let scope = Scope::Unit(id);
    let kinds = LifeKind::readable(scope, actor.role, false);
    let entries = state.db.life_entries(scope, &kinds, filter).await?;
    Ok((unit, life::story(kinds, entries, filter)))
}

/// A customer's story: their own records and every one of their units', of the kinds the
/// actor reads (a salesperson reads follow-ups and campaign answers of their own customers
/// only).
pub async fn customer_story(
    state: &AppState,
    actor: &User,
    id: CustomerId,
    filter: &LifeFilter,
) -> Result<(Customer, Story), Error> {
    let customer = super::customers::customer(state, actor, id).await?;
    let scope = Scope::Customer(id);
    let own = customer.fields.salesperson_id == Some(actor.id);
    let kinds = LifeKind::readable(scope, actor.role, own);
    let entries = state.db.life_entries(scope, &kinds, filter).await?;
    Ok((customer, life::story(kinds, entries, filter)))
}
