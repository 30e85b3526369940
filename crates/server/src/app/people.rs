//! The people a ticket's forms offer: who may own a kind of work, who may be sent to site.
//! Only active accounts, sorted by the pinyin of their names.

use super::require;
use crate::app::AppState;
use sanbao_domain::people::sort_by_pinyin;
use sanbao_domain::ticket::{TicketKind, may_go_on_site, may_own_kind};
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission};

/// Everyone who may own a ticket of this kind (R3.10).
pub async fn owners_for(
    state: &AppState,
    actor: &User,
    kind: TicketKind,
) -> Result<Vec<User>, Error> {
    people(state, actor, |u| may_own_kind(u.role, kind)).await
}

/// Everyone who may be sent to site.
pub async fn technicians(state: &AppState, actor: &User) -> Result<Vec<User>, Error> {
    people(state, actor, |u| may_go_on_site(u.role)).await
}

async fn people(
    state: &AppState,
    actor: &User,
    fits: impl Fn(&User) -> bool,
) -> Result<Vec<User>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let mut found: Vec<User> = state
        .db
        .users(None)
        .await?
        .into_iter()
        .filter(|u| u.active && fits(u))
        .collect();
    sort_by_pinyin(&mut found, |u| u.display_name.as_str());
    Ok(found)
}
