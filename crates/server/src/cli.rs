//! The command line: `serve` (default), `migrate`, `user add`, `import`, `backup`,
//! `restore`, `audit verify`.

use crate::app::AppState;
use crate::app::sessions::random_token;
use crate::app::users::add_user;
use crate::archive::{ImportKind, Limits, ReadError, Table};
use crate::config::{Config, Secret};
use clap::{Args, Parser, Subcommand};
use sanbao_domain::user::NewUser;
use sanbao_store::Db;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

/// Sanbao (三包): after-sales service for power-distribution equipment — customers,
/// tickets and the deadlines promised to them.
#[derive(Parser, Debug)]
#[command(name = "sanbao", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Settings: flag, else environment variable, else config file, else default.
#[derive(Args, Debug, Default)]
pub struct Settings {
    /// TOML file with any of the settings below (keys: listen, database_url, admin_password,
    /// max_connections, sqlite_synchronous, session_hours, secure_cookies, trust_proxy, log,
    /// jobs, metrics_token).
    #[arg(long, global = true, env = "SANBAO_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to serve on [default: 127.0.0.1:8080].
    #[arg(long, global = true, env = "SANBAO_LISTEN")]
    pub listen: Option<String>,
    /// sqlite://PATH (embedded; the file is created) or postgres://USER:PASS@HOST/DB
    /// [default: sqlite://data/sanbao.db].
    #[arg(long, global = true, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Password for the `admin` account created on an empty database; without it a random
    /// one is printed once.
    #[arg(
        long,
        global = true,
        env = "SANBAO_ADMIN_PASSWORD",
        hide_env_values = true
    )]
    pub admin_password: Option<String>,
    /// PostgreSQL pool size, or SQLite's reader connections [default: 8].
    #[arg(long, global = true, env = "SANBAO_MAX_CONNECTIONS")]
    pub max_connections: Option<u32>,
    /// SQLite durability: `normal` (survives a process crash) or `full` (also a power
    /// loss) [default: normal].
    #[arg(long, global = true, env = "SANBAO_SQLITE_SYNCHRONOUS")]
    pub sqlite_synchronous: Option<String>,
    /// How long a sign-in lasts, in hours [default: 12].
    #[arg(long, global = true, env = "SANBAO_SESSION_HOURS")]
    pub session_hours: Option<i64>,
    /// Background jobs this instance runs: all, none, or some of outbox, watcher,
    /// sessions [default: all].
    #[arg(long, global = true, env = "SANBAO_JOBS")]
    pub jobs: Option<String>,
    /// Mark cookies Secure (when served behind HTTPS).
    #[arg(long, global = true, env = "SANBAO_SECURE_COOKIES")]
    pub secure_cookies: Option<bool>,
    /// Served behind a reverse proxy that appends the client's address to
    /// X-Forwarded-For: failed sign-ins are counted per that address.
    #[arg(long, global = true, env = "SANBAO_TRUST_PROXY")]
    pub trust_proxy: Option<bool>,
    /// Log filter, e.g. `info` or `debug,sqlx=warn` [default: info].
    #[arg(long, global = true, env = "SANBAO_LOG")]
    pub log: Option<String>,
    /// The bearer token a scraper sends to read `/metrics` (16 to 200 visible ASCII
    /// characters); without one `/metrics` is not served. Prefer the variable or the
    /// config file: a flag is visible to everyone on the machine.
    #[arg(
        long,
        global = true,
        env = "SANBAO_METRICS_TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web pages and the API (the default).
    Serve {
        /// On an empty database, load a realistic demo data set first.
        #[arg(long)]
        demo: bool,
    },
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Write every finished repair, emergency and complaint into the index of similar
    /// past cases again (after an upgrade, or to pick up a changed word list).
    ReindexCases,
    /// Copy the SQLite database into FILE, consistent as at one moment, while the server
    /// keeps serving. FILE must not exist. For PostgreSQL use `pg_dump -Fc` (see the
    /// README).
    Backup {
        /// The new file to write.
        file: PathBuf,
    },
    /// Replace the SQLite database with the backup FILE. Stop the server first (every
    /// instance): a database in use is refused. FILE is checked (a SQLite database, intact,
    /// of this version of Sanbao) before anything is replaced; a refused file changes
    /// nothing. For PostgreSQL use `pg_restore` (see the README).
    Restore {
        /// The backup to bring back.
        file: PathBuf,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Check the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Bring a company's archive in from a CSV (UTF-8 or GB18030) or Excel file, headers
    /// in Chinese or English: product models, then customers, then units. Records already
    /// there are left as they are, so running a file twice adds nothing the second time;
    /// every rejected row is reported with its reason. All good rows are written in one
    /// transaction.
    Import {
        /// models, customers or units.
        kind: ImportKind,
        file: PathBuf,
        /// The account the import is recorded under (an admin or a service manager).
        #[arg(long, default_value = "admin")]
        by: String,
        /// Check the file and report what an import would do, writing nothing.
        #[arg(long)]
        check: bool,
    },
    /// Run the deadline watcher once and say what it did: the warnings and escalations
    /// due are written with their messages (sent by a running server's outbox job). For
    /// operators, and for `bench/watcher.sh`.
    Watch {
        /// Watch as at this instant (RFC 3339, e.g. 2026-11-27T10:00:00+08:00) instead of
        /// now.
        #[arg(long)]
        at: Option<String>,
    },
    /// Fill an empty database with generated customers and tickets for load tests
    /// (`bench/load.sh`); the `admin` account opens them.
    #[command(hide = true)]
    BenchSeed {
        #[arg(long, default_value_t = 100_000)]
        tickets: u64,
        #[arg(long, default_value_t = 2_000)]
        customers: u32,
        /// Writers running at once.
        #[arg(long, default_value_t = 4)]
        tasks: u32,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the audit chain in order and report the first entry changed, deleted or
    /// inserted behind the server's back (exit status 1), or how many entries held and the
    /// chain's last hash (keep it somewhere safe to compare with later).
    Verify,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add an account. The password is read from standard input (one line) with
    /// --password-stdin, else a random one is printed.
    Add {
        #[arg(long)]
        username: String,
        /// Name shown to colleagues, e.g. 王丽.
        #[arg(long)]
        display_name: String,
        /// admin, service_manager, service_clerk, senior_engineer, technician, salesperson,
        /// quality_engineer or customer.
        #[arg(long)]
        role: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

impl Settings {
    /// The configuration: defaults < file < environment and flags.
    pub fn resolve(&self) -> Result<Config, String> {
        let mut c = Config::load(self.config.as_deref())?;
        if let Some(v) = &self.listen {
            c.listen.clone_from(v);
        }
        if let Some(v) = &self.database_url {
            c.database_url.clone_from(v);
        }
        if let Some(v) = &self.admin_password {
            c.admin_password = Some(Secret::new(v.clone()));
        }
        if let Some(v) = self.max_connections {
            c.max_connections = v;
        }
        if let Some(v) = &self.sqlite_synchronous {
            c.sqlite_synchronous = v.to_ascii_lowercase();
        }
        if let Some(v) = self.session_hours {
            c.session_hours = v;
        }
        if let Some(v) = &self.jobs {
            c.jobs.clone_from(v);
        }
        if let Some(v) = self.secure_cookies {
            c.secure_cookies = v;
        }
        if let Some(v) = &self.log {
            c.log.clone_from(v);
        }
        if let Some(v) = self.trust_proxy {
            c.trust_proxy = v;
        }
        if let Some(v) = &self.metrics_token {
            c.metrics_token = Some(Secret::new(v.clone()));
        }
        c.check()?;
        Ok(c)
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match cli.settings.resolve() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("sanbao: {e}");
            return ExitCode::from(2);
        }
    };
    // An import writes a log line per record; its report says what happened.
    let log = match cli.command {
        Some(Command::Import { .. }) => format!("{},sanbao_store=warn", config.log),
        _ => config.log.clone(),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&log));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sanbao: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(
        cli.command.unwrap_or(Command::Serve { demo: false }),
        config,
    )) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sanbao: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Open the database (creating `./data/` for the embedded default) and migrate it.
pub async fn open_db(config: &Config) -> Result<Db, String> {
    if let Some(path) = config.database_url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or(path);
        if let Some(dir) = std::path::Path::new(path)
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
    }
    let db = Db::connect(&config.database_url, &config.db_options())
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    db.migrate()
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    Ok(db)
}

async fn run(command: Command, config: Config) -> Result<(), String> {
    // Neither opens the database as the server does: a backup only reads it, and a restore
    // replaces the file.
    match command {
        Command::Backup { file } => return backup(&config, &file).await,
        Command::Restore { file } => return restore(&config, &file).await,
        _ => {}
    }
    let db = open_db(&config).await?;
    let state = AppState::new(db.clone(), config);
    match command {
        Command::Migrate => {
            println!("database is up to date ({})", db.backend());
            Ok(())
        }
        Command::ReindexCases => {
            let n = crate::app::similar::reindex(&state)
                .await
                .map_err(|e| format!("reindex failed: {e}"))?;
            println!("{n} cases indexed");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    display_name,
                    role,
                    password_stdin,
                },
        } => {
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .map_err(|e| e.to_string())?;
                line.trim_end_matches(['\r', '\n']).to_string()
            } else {
                random_token()[..16].to_string()
            };
            let new = NewUser::parse(&username, &display_name, &role, &password)
                .map_err(|e| e.to_string())?;
            let user = add_user(&state, &new, &password, state.now())
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "added {} ({}) as {}",
                user.username,
                user.display_name,
                user.role.as_str()
            );
            if !password_stdin {
                println!("password: {password}");
            }
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => audit_verify(&state).await,
        Command::Serve { demo } => serve(state, demo).await,
        Command::Import {
            kind,
            file,
            by,
            check,
        } => import(&state, kind, &file, &by, check).await,
        Command::BenchSeed {
            tickets,
            customers,
            tasks,
        } => bench_seed(&state, tickets, customers, tasks).await,
        Command::Watch { at } => watch(&state, at.as_deref()).await,
        Command::Backup { .. } | Command::Restore { .. } => Ok(()),
    }
}

async fn backup(config: &Config, file: &std::path::Path) -> Result<(), String> {
    let done = crate::app::backup::backup(config, file)
        .await
        .map_err(|e| format!("backup refused: {e}"))?;
    println!(
        "backed up to {} ({:.1} MB)",
        done.path.display(),
        done.bytes as f64 / 1e6
    );
    Ok(())
}

async fn restore(config: &Config, file: &std::path::Path) -> Result<(), String> {
    let done = crate::app::backup::restore(config, file)
        .await
        .map_err(|e| format!("restore refused: {e}"))?;
    println!(
        "restored {} into {} ({:.1} MB, {} migrations)",
        file.display(),
        done.path.display(),
        done.bytes as f64 / 1e6,
        done.migrations
    );
    if done.pending > 0 {
        println!(
            "the backup lacks {} migrations of this version: the next start (or `sanbao migrate`) applies them",
            done.pending
        );
    }
    Ok(())
}

async fn audit_verify(state: &AppState) -> Result<(), String> {
    let summary = crate::app::audit::verify(state)
        .await
        .map_err(|e| format!("cannot read the audit trail: {e}"))?
        .map_err(|b| format!("the audit trail was tampered with: {b}"))?;
    println!("audit trail intact: {} entries checked", summary.checked);
    if summary.pre_chain > 0 {
        println!(
            "{} entries written before the chain was kept are not covered",
            summary.pre_chain
        );
    }
    if let Some((id, hash)) = summary.head {
        println!("last entry #{id}, hash {hash}");
    }
    Ok(())
}

async fn watch(state: &AppState, at: Option<&str>) -> Result<(), String> {
    let now = match at {
        None => state.now(),
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map_err(|e| format!("--at {s:?}: {e}"))?
            .with_timezone(&chrono::Utc),
    };
    let started = std::time::Instant::now();
    let pass = crate::app::watcher::pass(state, now, crate::app::watcher::BATCH)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "looked at {} deadlines: {} warned, {} escalated, {} escalated again, {} warnings passed over, in {:.2} s",
        pass.looked_at,
        pass.warned,
        pass.escalated,
        pass.escalated_again,
        pass.skipped,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn bench_seed(
    state: &AppState,
    tickets: u64,
    customers: u32,
    tasks: u32,
) -> Result<(), String> {
    ensure_admin(state).await?;
    let admin = state
        .db
        .user_for_login("admin")
        .await
        .map_err(|e| e.to_string())?
        .ok_or("bench-seed needs the `admin` account")?
        .0;
    let done = crate::demo::bench_seed(state, &admin, customers.max(1), tickets, tasks)
        .await
        .map_err(|e| format!("bench-seed: {e}"))?;
    println!(
        "seeded {} tickets over {} customers in {:.1} s ({:.0} tickets/s)",
        done.tickets,
        done.customers,
        done.seconds,
        done.tickets as f64 / done.seconds.max(0.001)
    );
    Ok(())
}

/// `sanbao import KIND FILE`: read the file, check and write its rows with a progress
/// bar, print the report.
async fn import(
    state: &AppState,
    kind: ImportKind,
    file: &std::path::Path,
    by: &str,
    check: bool,
) -> Result<(), String> {
    use crate::app::archive::{ImportMode, import};
    ensure_admin(state).await?;
    let actor = state
        .db
        .user_for_login(by)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no account '{by}' (--by names the importing account)"))?
        .0;
    let shown = file.display();
    let limits = Limits::default();
    let size = std::fs::metadata(file)
        .map_err(|e| format!("{shown}: {e}"))?
        .len();
    if size > limits.max_bytes as u64 {
        let e = ReadError::TooLarge {
            bytes: usize::try_from(size).unwrap_or(usize::MAX),
            max_bytes: limits.max_bytes,
        };
        return Err(format!("{shown}: {e}"));
    }
    let started = std::time::Instant::now();
    let bytes = std::fs::read(file).map_err(|e| format!("{shown}: {e}"))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bar = crate::archive::progress::terminal_bar();
    let table = Table::read(kind, &name, &bytes, &limits, &bar).map_err(|e| {
        bar.finish_and_clear();
        format!("{shown}: {e}")
    })?;
    drop(bytes);
    println!(
        "{shown}: {}, header on row {}, {} rows of {kind}",
        table.format(),
        table.header_row(),
        table.len()
    );
    for w in table.warnings() {
        println!("  note: {w}");
    }
    let mode = if check {
        ImportMode::Check
    } else {
        ImportMode::Write
    };
    let report = import(state, &actor, &table, mode, &bar, state.now())
        .await
        .map_err(|e| {
            bar.finish_and_clear();
            format!("import failed, nothing was written: {e}")
        })?;
    let verb = if check { "would add" } else { "added" };
    println!(
        "{verb} {}, unchanged {}, rejected {} rows ({:.1} s)",
        report.added,
        report.unchanged,
        report.rejected_rows(),
        started.elapsed().as_secs_f64()
    );
    for r in &report.rejected {
        let mut value: String = r.value.chars().take(40).collect();
        if value.len() < r.value.len() {
            value.push('…');
        }
        println!(
            "  row {:>6}  {} ({}): {} [{}] '{value}'",
            r.row,
            r.field.header_zh(),
            r.field,
            r.reason,
            r.code,
        );
    }
    Ok(())
}

/// Create `admin` on an empty database.
pub async fn ensure_admin(state: &AppState) -> Result<(), String> {
    if crate::app::users::any_user(state)
        .await
        .map_err(|e| e.to_string())?
    {
        return Ok(());
    }
    let (password, shown) = match &state.config.admin_password {
        Some(p) => (p.expose().to_string(), false),
        None => (random_token()[..16].to_string(), true),
    };
    let admin = NewUser::parse("admin", "Administrator", "admin", &password)
        .map_err(|e| format!("SANBAO_ADMIN_PASSWORD: {e}"))?;
    add_user(state, &admin, &password, state.now())
        .await
        .map_err(|e| e.to_string())?;
    if shown {
        eprintln!(
            "\n  Created user `admin` with password: {password}\n  (shown once; set SANBAO_ADMIN_PASSWORD to choose it)\n"
        );
    }
    Ok(())
}

async fn serve(state: AppState, demo: bool) -> Result<(), String> {
    ensure_admin(&state).await?;
    if demo {
        crate::demo::load_if_empty(&state)
            .await
            .map_err(|e| format!("demo data: {e}"))?;
    }
    let listener = tokio::net::TcpListener::bind(&state.config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", state.config.listen))?;
    tracing::info!(listen = %state.config.listen, backend = state.backend(), "sanbao is serving");
    println!("Sanbao is serving on http://{}", state.config.listen);
    let jobs = crate::jobs::Runner::start(
        state.clone(),
        crate::jobs::instance_name(),
        &crate::jobs::Schedule::default(),
    );
    let app_state = state.clone();
    let _listening = crate::app::sessions::listen_for_ended_sessions(&state)
        .await
        .map_err(|e| format!("listening for ended sessions: {e}"))?;
    axum::serve(
        listener,
        crate::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| e.to_string())?;
    jobs.stop().await;
    app_state.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn import_names_its_kind_and_file() {
        let cli =
            Cli::try_parse_from(["sanbao", "import", "units", "设备.xlsx", "--check"]).unwrap();
        match cli.command {
            Some(Command::Import {
                kind,
                file,
                by,
                check,
            }) => {
                assert_eq!(kind, ImportKind::Units);
                assert_eq!(file, PathBuf::from("设备.xlsx"));
                assert_eq!(by, "admin");
                assert!(check);
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["sanbao", "import", "tickets", "x.csv"]).is_err());
    }

    #[test]
    fn backup_and_restore_name_their_file() {
        let cli = Cli::try_parse_from(["sanbao", "backup", "b.db"]).unwrap();
        assert!(
            matches!(cli.command, Some(Command::Backup { file }) if file.as_path() == std::path::Path::new("b.db"))
        );
        let cli = Cli::try_parse_from(["sanbao", "restore", "b.db"]).unwrap();
        assert!(
            matches!(cli.command, Some(Command::Restore { file }) if file.as_path() == std::path::Path::new("b.db"))
        );
        assert!(Cli::try_parse_from(["sanbao", "backup"]).is_err());
    }

    #[test]
    fn the_metrics_token_is_a_setting_and_stays_hidden() {
        let cli = Cli::try_parse_from([
            "sanbao",
            "--metrics-token",
            "scrape-me-0123456789",
            "migrate",
        ])
        .unwrap();
        let config = cli.settings.resolve().unwrap();
        assert_eq!(
            config.metrics_token.as_ref().map(Secret::expose),
            Some("scrape-me-0123456789")
        );
        assert!(!format!("{config:?}").contains("scrape-me"));
        let cli = Cli::try_parse_from(["sanbao", "--metrics-token", "short", "migrate"]).unwrap();
        assert!(
            cli.settings
                .resolve()
                .unwrap_err()
                .contains("metrics_token")
        );
    }
}
