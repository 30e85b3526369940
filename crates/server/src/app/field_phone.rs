//! What the technician's phone reads besides the job itself (R4.4).

use super::require;
use crate::app::AppState;
use sanbao_domain::unit::UnitTicket;
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission, UnitId};

/// The unit's tickets, newest first, with the coverage each recorded: its history as the
/// crew reads it before going in.
pub async fn tickets_of_unit(
    state: &AppState,
    actor: &User,
    unit: UnitId,
) -> Result<Vec<UnitTicket>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let mut v = state.db.tickets_of_unit(unit).await?;
    v.reverse();
    Ok(v)
}
