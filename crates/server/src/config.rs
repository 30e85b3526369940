//! One typed configuration: defaults, then an optional TOML file, then `SANBAO_*`
//! environment variables and command-line flags (clap reads both; flags win).

use serde::Deserialize;
use std::fmt;
use std::path::Path;

/// A secret: `Debug` and `Display` never print it.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to serve on.
    pub listen: String,
    /// `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    /// Password of the `admin` created on an empty database.
    pub admin_password: Option<Secret>,
    /// PostgreSQL pool size, or SQLite's reader pool.
    pub max_connections: u32,
    /// SQLite durability: `normal` (WAL; survives a process crash) or `full` (also power loss).
    pub sqlite_synchronous: String,
    /// How long a sign-in lasts, in hours.
    pub session_hours: i64,
    /// Mark cookies `Secure` (serve behind HTTPS).
    pub secure_cookies: bool,
    /// Log filter, as `RUST_LOG` takes it.
    pub log: String,
    /// The background jobs this instance runs: `all`, `none`, or a comma-separated list
    /// of `outbox`, `watcher`, `sessions` (e.g. one instance dedicated to them).
    pub jobs: String,
    /// Served behind a reverse proxy that appends the client's address to
    /// `X-Forwarded-For`: the sign-in throttle counts that address instead of the proxy's.
    pub trust_proxy: bool,
    /// The bearer token `/metrics` asks for; without one `/metrics` is not served.
    pub metrics_token: Option<Secret>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://data/sanbao.db".into(),
            admin_password: None,
            max_connections: 8,
            sqlite_synchronous: "normal".into(),
            session_hours: 12,
            secure_cookies: false,
            log: "info,sqlx=warn,tower_http=warn".into(),
            jobs: "all".into(),
            trust_proxy: false,
            metrics_token: None,
        }
    }
}

impl Config {
    /// Defaults, overlaid by the TOML file if one is given.
    pub fn load(file: Option<&Path>) -> Result<Config, String> {
        let Some(path) = file else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("config file {}: {e}", path.display()))
    }

    pub fn check(&self) -> Result<(), String> {
        if !matches!(self.sqlite_synchronous.as_str(), "normal" | "full") {
            return Err(format!(
                "sqlite_synchronous must be normal or full, not {:?}",
                self.sqlite_synchronous
            ));
        }
        if !(1..=24 * 30).contains(&self.session_hours) {
            return Err("session_hours must be between 1 and 720".into());
        }
        if self.max_connections == 0 {
            return Err("max_connections must be at least 1".into());
        }
        self.job_names()?;
        if let Some(t) = &self.metrics_token {
            check_metrics_token(t.expose())?;
        }
        Ok(())
    }

    /// The jobs this instance runs, by name.
    pub fn job_names(&self) -> Result<Vec<&'static str>, String> {
        const ALL: [&str; 3] = ["outbox", "watcher", "sessions"];
        match self.jobs.trim() {
            "all" => Ok(ALL.to_vec()),
            "none" | "" => Ok(Vec::new()),
            list => list
                .split(',')
                .map(|j| {
                    ALL.iter().copied().find(|a| *a == j.trim()).ok_or_else(|| {
                        format!("jobs: unknown job {j:?}; give all, none, or some of outbox, watcher, sessions")
                    })
                })
                .collect(),
        }
    }

    /// `/metrics` is served: a token is set.
    pub fn serves_metrics(&self) -> bool {
        self.metrics_token.is_some()
    }

    pub fn db_options(&self) -> sanbao_store::DbOptions {
        sanbao_store::DbOptions {
            max_connections: self.max_connections,
            sqlite_synchronous_full: self.sqlite_synchronous == "full",
        }
    }
}

/// A metrics token is sent in a header by a scraper: 16 to 200 visible ASCII characters,
/// so that it cannot be guessed and fits any client.
fn check_metrics_token(t: &str) -> Result<(), String> {
    if !(16..=200).contains(&t.len()) || !t.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(
            "metrics_token must be 16 to 200 visible ASCII characters (e.g. `openssl rand -hex 32`)"
                .into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_overrides_defaults_and_secrets_stay_hidden() {
        let dir = std::env::temp_dir().join(format!("sanbao-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("sanbao.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\nadmin_password = \"s3cret-pass\"\nmetrics_token = \"s3cret-metrics-token\"\n",
        )
        .unwrap();
        let c = Config::load(Some(&path)).unwrap();
        assert_eq!(c.listen, "0.0.0.0:9000");
        assert_eq!(c.database_url, Config::default().database_url);
        assert_eq!(
            c.metrics_token.as_ref().map(Secret::expose),
            Some("s3cret-metrics-token")
        );
        assert!(!format!("{c:?}").contains("s3cret"));
        std::fs::write(&path, "lisen = 1\n").unwrap();
        assert!(Config::load(Some(&path)).unwrap_err().contains("lisen"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bad_settings_are_named() {
        let c = Config {
            sqlite_synchronous: "off".into(),
            ..Config::default()
        };
        assert!(c.check().unwrap_err().contains("sqlite_synchronous"));
        let jobs = |s: &str| {
            Config {
                jobs: s.into(),
                ..Config::default()
            }
            .job_names()
        };
        assert_eq!(jobs("all").unwrap(), ["outbox", "watcher", "sessions"]);
        assert_eq!(jobs("none").unwrap(), Vec::<&str>::new());
        assert_eq!(jobs("watcher, outbox").unwrap(), ["watcher", "outbox"]);
        assert!(jobs("watcher,mail").unwrap_err().contains("mail"));
        let token = |s: &str| {
            Config {
                metrics_token: Some(Secret::new(s)),
                ..Config::default()
            }
            .check()
        };
        assert!(token("short").unwrap_err().contains("metrics_token"));
        assert!(token("with a space inside it").is_err());
        assert!(token("0123456789abcdef").is_ok());
    }
}
