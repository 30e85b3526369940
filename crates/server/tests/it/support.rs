//! Test support: a fresh database per test and the app driven in-process with `oneshot`.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use http_body_util::BodyExt;
use sanbao_domain::user::{NewUser, User};
use sanbao_server::app::ManualClock;
use sanbao_server::config::Config;
use sanbao_server::{AppState, app};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tower::ServiceExt;

static SEQ: AtomicU32 = AtomicU32::new(0);

pub const PASSWORD: &str = "test-password-1";

/// The app on a fresh database of its own: SQLite ([`TestApp::new`]) or PostgreSQL
/// ([`TestApp::postgres`]).
pub struct TestApp {
    pub state: AppState,
    /// The store under the app, for tests that check what was written.
    pub db: sanbao_store::Db,
    /// The app's clock: tests move it to make deadlines fall due.
    pub clock: Arc<ManualClock>,
    pub database_url: String,
    pub router: Router,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestApp {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Sqlite(path) => {
                for ext in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                let (url, sql) = (
                    admin_url.clone(),
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                );
                // Drop cannot await: drop the database from a thread with its own runtime.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        if let Ok(admin) = sqlx::PgPool::connect(&url).await {
                            let _ = sqlx::query(&sql).execute(&admin).await;
                            admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed),
        Utc::now().timestamp_subsec_nanos()
    )
}

pub struct Response {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
    /// The body as sent (a download's bytes; `text` is it read as UTF-8).
    pub bytes: Vec<u8>,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

impl TestApp {
    /// The app on a fresh SQLite database.
    pub async fn new() -> TestApp {
        let path = std::env::temp_dir().join(format!("{}.db", unique("sanbao_it")));
        Self::with_url(
            format!("sqlite://{}", path.display()),
            Cleanup::Sqlite(path),
            2,
        )
        .await
    }

    /// The app on a fresh PostgreSQL database, when `SANBAO_TEST_POSTGRES_URL` is set
    /// (`SANBAO_REQUIRE_POSTGRES=1` makes its absence a failure, as in CI).
    pub async fn postgres() -> Option<TestApp> {
        Self::postgres_with_pool(2).await
    }

    /// On PostgreSQL with a pool of `connections`, so that writes really run at once.
    pub async fn postgres_with_pool(connections: u32) -> Option<TestApp> {
        let Ok(admin_url) = std::env::var("SANBAO_TEST_POSTGRES_URL") else {
            assert!(
                std::env::var("SANBAO_REQUIRE_POSTGRES").is_err(),
                "SANBAO_REQUIRE_POSTGRES is set but SANBAO_TEST_POSTGRES_URL is not"
            );
            eprintln!("skipped on PostgreSQL: SANBAO_TEST_POSTGRES_URL is not set");
            return None;
        };
        let name = unique("sanbao_it");
        let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let (base, _) = admin_url.rsplit_once('/').unwrap();
        let url = format!("{base}/{name}");
        Some(Self::with_url(url, Cleanup::Postgres { admin_url, name }, connections).await)
    }

    async fn with_url(database_url: String, cleanup: Cleanup, connections: u32) -> TestApp {
        let config = Config {
            database_url: database_url.clone(),
            max_connections: connections,
            ..Config::default()
        };
        let db = sanbao_server::cli::open_db(&config).await.unwrap();
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let state = AppState::with_clock(db.clone(), config, clock.clone());
        let router = app(state.clone());
        TestApp {
            state,
            db,
            clock,
            database_url,
            router,
            cleanup,
        }
    }

    /// A second instance on the same database (PostgreSQL: as behind a load balancer),
    /// with its own pool and caches, on the same clock.
    pub async fn another_instance(&self) -> AppState {
        let config = Config {
            database_url: self.database_url.clone(),
            max_connections: 4,
            ..Config::default()
        };
        let db = sanbao_server::cli::open_db(&config).await.unwrap();
        AppState::with_clock(db, config, self.clock.clone())
    }

    /// The app served on a real socket (port 0), as `sanbao serve` serves it.
    pub async fn serve(&self) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = self.router.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        addr
    }

    /// An account with [`PASSWORD`].
    pub async fn user(&self, username: &str, role: &str) -> User {
        let u = NewUser::parse(username, &format!("{username}-name"), role, PASSWORD).unwrap();
        sanbao_server::app::users::add_user(&self.state, &u, PASSWORD, self.state.now())
            .await
            .unwrap()
    }

    /// An account and a bearer token for it.
    pub async fn token(&self, username: &str, role: &str) -> String {
        self.user(username, role).await;
        let r = self
            .call(
                "POST",
                "/api/v1/sessions",
                None,
                Some(serde_json::json!({"username": username, "password": PASSWORD})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json()["token"].as_str().unwrap().to_string()
    }

    pub async fn send(&self, req: Request<Body>) -> Response {
        send_to(&self.router, req).await
    }

    /// This test's database and clock behind an app built on other settings (e.g. a
    /// metrics token), for what only the settings change.
    pub fn router_with(&self, settings: impl FnOnce(&mut Config)) -> Router {
        let mut config = (*self.state.config).clone();
        settings(&mut config);
        app(AppState::with_clock(
            self.db.clone(),
            config,
            self.clock.clone(),
        ))
    }

    /// A customer with no contacts, through the API; answers its JSON.
    pub async fn api_customer(&self, token: &str, name: &str, address: &str) -> Value {
        let r = self
            .call(
                "POST",
                "/api/v1/customers",
                Some(token),
                Some(serde_json::json!({"name": name, "address": address, "contacts": []})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json()
    }

    /// A ticket received now, by phone, through the API; answers its JSON.
    pub async fn api_ticket(
        &self,
        token: &str,
        customer: &Value,
        kind: &str,
        summary: &str,
    ) -> Value {
        let r = self
            .call(
                "POST",
                "/api/v1/tickets",
                Some(token),
                Some(serde_json::json!({"kind": kind, "channel": "phone", "customer_id": customer["id"], "summary": summary})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json()
    }

    /// A JSON API call.
    pub async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        };
        self.send(req.unwrap()).await
    }

    /// A raw body, for malformed input.
    pub async fn call_raw(
        &self,
        method: &str,
        uri: &str,
        token: &str,
        content_type: &str,
        body: impl Into<Body>,
    ) -> Response {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(body.into())
            .unwrap();
        self.send(req).await
    }
}

/// One request to `router`, in process.
pub async fn send_to(router: &Router, req: Request<Body>) -> Response {
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Response {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
        bytes: bytes.to_vec(),
    }
}

/// One HTTP/1.1 request over a fresh connection to a served app: (status, body).
pub async fn http(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let body = body.map(Value::to_string).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// One scenario as two tests through the same router: `$sqlite` on a fresh SQLite
/// database and `$postgres` on a fresh PostgreSQL one (skipped, or failed under
/// `SANBAO_REQUIRE_POSTGRES`, when `SANBAO_TEST_POSTGRES_URL` is unset). `$body` is an
/// `async fn(&TestApp)`. The PostgreSQL test must be named `<sqlite name>_on_postgres`
/// (checked when compiling), so that one filter finds both and the names never drift.
macro_rules! on_both_backends {
    ($sqlite:ident, $postgres:ident, $body:path) => {
        const _: () = assert!(
            $crate::support::same_str(
                stringify!($postgres),
                concat!(stringify!($sqlite), "_on_postgres")
            ),
            concat!(
                "the PostgreSQL twin of ",
                stringify!($sqlite),
                " must be named ",
                stringify!($sqlite),
                "_on_postgres"
            )
        );

        #[tokio::test]
        async fn $sqlite() {
            $body(&$crate::support::TestApp::new().await).await;
        }

        #[tokio::test]
        async fn $postgres() {
            if let Some(app) = $crate::support::TestApp::postgres().await {
                $body(&app).await;
            }
        }
    };
}
pub(crate) use on_both_backends;

/// `a == b`, at compile time (for [`on_both_backends`]).
pub const fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}
