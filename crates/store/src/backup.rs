//! Backing up and restoring the embedded (SQLite) database.
//!
//! A backup is `VACUUM INTO` a new file: one read transaction, so the copy is the
//! database as it stood at one moment, taken while the server keeps serving (readers and
//! the writer carry on; WAL mode lets them). The copy is written beside its destination,
//! synced, then renamed into place, so a failed backup leaves no half-written file under
//! the name asked for.
//!
//! A restore checks the file first (a SQLite database, `PRAGMA integrity_check` clean,
//! Sanbao's migrations and no other), copies it beside the database it replaces, syncs it
//! and renames it over that database, removing the old database's `-wal` and `-shm`. It
//! refuses while the database is open elsewhere (a running server). A file that does not
//! pass leaves the database as it was.
//!
//! PostgreSQL is backed up with its own tools (`pg_dump -Fc`, `pg_restore`).

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteLockingMode};
use sqlx::{ConnectOptions, Connection, Row};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Why a backup or a restore was refused or failed. Every refusal leaves the files as they
/// were.
#[derive(Debug)]
pub enum BackupError {
    /// The database is PostgreSQL: its own tools back it up.
    Postgres,
    /// The database URL names no file (an in-memory database, or not SQLite).
    NotAFile(String),
    /// There is no database at the configured path.
    NoDatabase(PathBuf),
    /// The backup's destination already exists; a backup never overwrites.
    Exists(PathBuf),
    /// The file given is not a SQLite database.
    NotSqlite(PathBuf),
    /// The file is a SQLite database, but damaged (what `integrity_check` said).
    Damaged(PathBuf, String),
    /// The file is a SQLite database, but not one of this version of Sanbao.
    NotSanbao(PathBuf, String),
    /// The database to replace is open elsewhere (a server is running on it).
    InUse(PathBuf),
    /// Reading or writing a file failed.
    Io(PathBuf, std::io::Error),
    /// SQLite failed.
    Sqlite(String),
}

impl fmt::Display for BackupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackupError::Postgres => f.write_str(
                "the database is PostgreSQL: back it up with `pg_dump -Fc -f FILE \"$DATABASE_URL\"` \
                 and restore it with `pg_restore` (see \"Backup and restore\" in the README)",
            ),
            BackupError::NotAFile(url) => {
                write!(f, "{url:?} names no database file to back up or restore")
            }
            BackupError::NoDatabase(p) => write!(f, "there is no database at {}", p.display()),
            BackupError::Exists(p) => write!(
                f,
                "{} already exists: a backup never overwrites a file; choose a new name",
                p.display()
            ),
            BackupError::NotSqlite(p) => {
                write!(f, "{} is not a SQLite database; nothing was changed", p.display())
            }
            BackupError::Damaged(p, why) => write!(
                f,
                "{} is damaged (integrity check: {why}); nothing was changed",
                p.display()
            ),
            BackupError::NotSanbao(p, why) => write!(
                f,
                "{} is not a database of this version of Sanbao ({why}); nothing was changed",
                p.display()
            ),
            BackupError::InUse(p) => write!(
                f,
                "{} is in use: stop the server (every instance) before restoring; nothing was changed",
                p.display()
            ),
            BackupError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            BackupError::Sqlite(e) => write!(f, "SQLite: {e}"),
        }
    }
}

impl std::error::Error for BackupError {}

fn sqlite(e: sqlx::Error) -> BackupError {
    BackupError::Sqlite(e.to_string())
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackedUp {
    pub path: PathBuf,
    pub bytes: u64,
}

/// What a restore brought back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// The database file replaced.
    pub path: PathBuf,
    pub bytes: u64,
    /// Migrations the backup carries.
    pub migrations: usize,
    /// Migrations of this version it lacks: the next start (or `sanbao migrate`) applies
    /// them.
    pub pending: usize,
}

/// The file a `sqlite:` URL names; a PostgreSQL URL, an in-memory database or anything
/// else is refused.
pub fn sqlite_path(url: &str) -> Result<PathBuf, BackupError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(BackupError::Postgres);
    }
    if !url.starts_with("sqlite:") {
        return Err(BackupError::NotAFile(url.to_string()));
    }
    let options = SqliteConnectOptions::from_str(url).map_err(sqlite)?;
    let path = options.get_filename();
    let in_memory = url
        .split_once('?')
        .is_some_and(|(_, q)| q.split('&').any(|kv| kv == "mode=memory"));
    if path.as_os_str().is_empty() || path == Path::new(":memory:") || in_memory {
        return Err(BackupError::NotAFile(url.to_string()));
    }
    Ok(path.to_path_buf())
}

/// Copy the database `url` names into the new file `to`, consistent as at one moment,
/// while other connections (a running server) read and write it.
pub async fn sqlite_backup(url: &str, to: &Path) -> Result<BackedUp, BackupError> {
    let source = sqlite_path(url)?;
    if !source.is_file() {
        return Err(BackupError::NoDatabase(source));
    }
    if to.symlink_metadata().is_ok() {
        return Err(BackupError::Exists(to.to_path_buf()));
    }
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(BackupError::Io(
            dir.to_path_buf(),
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such directory"),
        ));
    }
    let partial = beside(to, "partial")?;
    remove_if_there(&partial)?;
    let target = partial
        .to_str()
        .ok_or_else(|| {
            BackupError::Io(
                to.to_path_buf(),
                std::io::Error::other("the path must be valid UTF-8"),
            )
        })?
        .to_string();
    // A reader: it takes no write lock, so the server's writer is never held up.
    let mut conn = SqliteConnectOptions::from_str(url)
        .map_err(sqlite)?
        .read_only(true)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(30))
        .connect()
        .await
        .map_err(sqlite)?;
    let vacuumed = sqlx::query("VACUUM INTO $1")
        .bind(&target)
        .execute(&mut conn)
        .await
        .map_err(sqlite);
    let _ = conn.close().await;
    if let Err(e) = vacuumed {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    let to = to.to_path_buf();
    blocking(move || {
        let done = (|| {
            let bytes = sync_file(&partial)?;
            // Checked again: the destination may have appeared while the copy was made.
            if to.symlink_metadata().is_ok() {
                return Err(BackupError::Exists(to.clone()));
            }
            std::fs::rename(&partial, &to).map_err(|e| BackupError::Io(to.clone(), e))?;
            sync_dir(&to)?;
            Ok(BackedUp {
                path: to.clone(),
                bytes,
            })
        })();
        if done.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        done
    })
    .await
}

/// Replace the database `url` names with the backup `from`, after checking it. Refused
/// while the database is open elsewhere; anything refused leaves the database as it was.
pub async fn sqlite_restore(from: &Path, url: &str) -> Result<Restored, BackupError> {
    let target = sqlite_path(url)?;
    let source = from.to_path_buf();
    {
        let source = source.clone();
        blocking(move || is_sqlite_file(&source)).await?;
    }
    if target.is_file() && in_use(&target).await? {
        return Err(BackupError::InUse(target));
    }
    let partial = beside(&target, "restoring")?;
    let bytes = {
        let (source, partial, target) = (source.clone(), partial.clone(), target.clone());
        blocking(move || {
            if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| BackupError::Io(dir.to_path_buf(), e))?;
            }
            remove_if_there(&partial)?;
            let copied = std::fs::copy(&source, &partial)
                .map_err(|e| BackupError::Io(partial.clone(), e))
                .and_then(|_| sync_file(&partial));
            if copied.is_err() {
                let _ = std::fs::remove_file(&partial);
            }
            copied
        })
        .await?
    };
    // What is checked is the copy about to be put in place, byte for byte.
    let checked = match check(&partial).await {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(relabel(e, &source));
        }
    };
    let path = target.clone();
    blocking(move || {
        // The old database's log and index belong to it: left beside the new file they
        // would be replayed into it. They go first; a crash before the rename leaves the
        // old database as of its last checkpoint, never a mixture.
        let done = (|| {
            for suffix in ["-wal", "-shm", "-journal"] {
                let mut side = target.clone().into_os_string();
                side.push(suffix);
                remove_if_there(Path::new(&side))?;
            }
            std::fs::rename(&partial, &target).map_err(|e| BackupError::Io(target.clone(), e))?;
            sync_dir(&target)
        })();
        if done.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        done
    })
    .await?;
    Ok(Restored {
        path,
        bytes,
        migrations: checked.applied,
        pending: checked.known - checked.applied,
    })
}

struct Checked {
    applied: usize,
    known: usize,
}

/// A SQLite database, intact, carrying Sanbao's migrations (each as this version has it,
/// none this version does not know).
async fn check(path: &Path) -> Result<Checked, BackupError> {
    // Immutable: read as the bytes stand, no locks, no `-wal` or `-shm` made beside it.
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(true)
        .connect()
        .await
        .map_err(|e| not_sqlite_or(path, e))?;
    let checked = check_on(&mut conn, path).await;
    let _ = conn.close().await;
    checked
}

async fn check_on(conn: &mut SqliteConnection, path: &Path) -> Result<Checked, BackupError> {
    let problems: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| not_sqlite_or(path, e))?;
    if problems.as_slice() != ["ok"] {
        let shown: Vec<&str> = problems.iter().take(3).map(String::as_str).collect();
        return Err(BackupError::Damaged(path.to_path_buf(), shown.join("; ")));
    }
    let has_migrations: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| not_sqlite_or(path, e))?;
    if has_migrations == 0 {
        return Err(BackupError::NotSanbao(
            path.to_path_buf(),
            "it has no migrations table".into(),
        ));
    }
    let applied =
        sqlx::query("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| not_sqlite_or(path, e))?;
    let known: Vec<&sqlx::migrate::Migration> = crate::SQLITE_MIGRATIONS
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .collect();
    if applied.is_empty() {
        return Err(BackupError::NotSanbao(
            path.to_path_buf(),
            "no migration was ever applied to it".into(),
        ));
    }
    for row in &applied {
        let version: i64 = row.try_get("version").map_err(sqlite)?;
        let success: bool = row.try_get("success").map_err(sqlite)?;
        let checksum: Vec<u8> = row.try_get("checksum").map_err(sqlite)?;
        let why = match known.iter().find(|m| m.version == version) {
            None => {
                format!("migration {version} is not one of this version's: a newer Sanbao wrote it")
            }
            Some(_) if !success => format!("migration {version} failed on it"),
            Some(m) if *m.checksum != *checksum => {
                format!("migration {version} differs from this version's")
            }
            Some(_) => continue,
        };
        return Err(BackupError::NotSanbao(path.to_path_buf(), why));
    }
    Ok(Checked {
        applied: applied.len(),
        known: known.len(),
    })
}

/// The database is open elsewhere: an exclusive lock cannot be had at once.
async fn in_use(path: &Path) -> Result<bool, BackupError> {
    let probe = async {
        let mut conn = SqliteConnectOptions::new()
            .filename(path)
            .locking_mode(SqliteLockingMode::Exclusive)
            .busy_timeout(Duration::ZERO)
            .foreign_keys(false)
            .connect()
            .await?;
        let locked = sqlx::raw_sql("BEGIN EXCLUSIVE; COMMIT")
            .execute(&mut conn)
            .await
            .map(|_| ());
        let _ = conn.close().await;
        locked
    };
    match probe.await {
        Ok(()) => Ok(false),
        Err(sqlx::Error::Database(d))
            if d.code()
                .and_then(|c| c.parse::<i32>().ok())
                .is_some_and(|c| matches!(c & 0xff, 5 | 6)) =>
        {
            Ok(true)
        }
        // Anything else (the file damaged, not a database): it is being replaced anyway.
        Err(_) => Ok(false),
    }
}

/// The 16-byte header every SQLite 3 database starts with.
fn is_sqlite_file(path: &Path) -> Result<(), BackupError> {
    let mut header = [0u8; 16];
    let mut file = std::fs::File::open(path).map_err(|e| BackupError::Io(path.to_path_buf(), e))?;
    match file.read_exact(&mut header) {
        Ok(()) if &header == b"SQLite format 3\0" => Ok(()),
        Ok(()) => Err(BackupError::NotSqlite(path.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Err(BackupError::NotSqlite(path.to_path_buf()))
        }
        Err(e) => Err(BackupError::Io(path.to_path_buf(), e)),
    }
}

/// SQLite's "not a database" as [`BackupError::NotSqlite`], "malformed" as
/// [`BackupError::Damaged`]; anything else as it is.
fn not_sqlite_or(path: &Path, e: sqlx::Error) -> BackupError {
    if let sqlx::Error::Database(d) = &e {
        match d
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .map(|c| c & 0xff)
        {
            Some(26) => return BackupError::NotSqlite(path.to_path_buf()),
            Some(11) => return BackupError::Damaged(path.to_path_buf(), d.message().to_string()),
            _ => {}
        }
    }
    sqlite(e)
}

/// A refusal about the temporary copy, told about the file the operator gave.
fn relabel(e: BackupError, source: &Path) -> BackupError {
    let source = source.to_path_buf();
    match e {
        BackupError::NotSqlite(_) => BackupError::NotSqlite(source),
        BackupError::Damaged(_, why) => BackupError::Damaged(source, why),
        BackupError::NotSanbao(_, why) => BackupError::NotSanbao(source, why),
        other => other,
    }
}

/// A hidden file beside `path`, of this process, for a copy on its way there.
fn beside(path: &Path, what: &str) -> Result<PathBuf, BackupError> {
    let name = path.file_name().ok_or_else(|| {
        BackupError::Io(
            path.to_path_buf(),
            std::io::Error::other("a file name is needed"),
        )
    })?;
    let mut hidden = std::ffi::OsString::from(".");
    hidden.push(name);
    hidden.push(format!(".{}.{what}", std::process::id()));
    Ok(path.with_file_name(hidden))
}

fn remove_if_there(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(BackupError::Io(path.to_path_buf(), e)),
    }
}

/// Flush a file to the disk; its size.
fn sync_file(path: &Path) -> Result<u64, BackupError> {
    let io = |e| BackupError::Io(path.to_path_buf(), e);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(file.metadata().map_err(io)?.len())
}

/// Flush the directory holding `path`, so that a rename into it survives a power loss.
fn sync_dir(path: &Path) -> Result<(), BackupError> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| BackupError::Io(dir.to_path_buf(), e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// File work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BackupError> + Send + 'static,
) -> Result<T, BackupError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| BackupError::Sqlite(format!("file work stopped: {e}")))?
}
