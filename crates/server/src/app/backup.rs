//! `sanbao backup` and `sanbao restore`: the embedded database copied out while the server
//! runs, and brought back while it is stopped. PostgreSQL is refused with the way to do it
//! there (`pg_dump -Fc`, `pg_restore`).

use crate::config::Config;
pub use sanbao_store::backup::{BackedUp, BackupError, Restored};
use std::path::Path;

/// A consistent copy of the configured SQLite database in the new file `to` (never
/// overwritten), taken while the server may be serving.
pub async fn backup(config: &Config, to: &Path) -> Result<BackedUp, BackupError> {
    let done = sanbao_store::backup::sqlite_backup(&config.database_url, to).await?;
    tracing::info!(to = %done.path.display(), bytes = done.bytes, "database backed up");
    Ok(done)
}

/// The backup `from`, once checked, in place of the configured SQLite database. The
/// server must be stopped: a database open elsewhere is refused, and so is a file that is
/// not an intact database of this version; a refusal changes nothing.
pub async fn restore(config: &Config, from: &Path) -> Result<Restored, BackupError> {
    let done = sanbao_store::backup::sqlite_restore(from, &config.database_url).await?;
    tracing::info!(
        from = %from.display(),
        to = %done.path.display(),
        bytes = done.bytes,
        "database restored"
    );
    Ok(done)
}
