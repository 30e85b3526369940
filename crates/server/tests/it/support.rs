//! Test support: a fresh database per test and the app driven in-process with `oneshot`.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use http_body_util::BodyExt;
use sanbao_domain::user::{NewUser, User};
use sanbao_server::config::Config;
use sanbao_server::{AppState, app};
use serde_json::Value;
use std::sync::atomic::{AtomicU32, Ordering};
use tower::ServiceExt;

static SEQ: AtomicU32 = AtomicU32::new(0);

pub const PASSWORD: &str = "test-password-1";

/// The app on a fresh SQLite database of its own.
pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    path: std::path::PathBuf,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", self.path.display()));
        }
    }
}

pub struct Response {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub text: String,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

impl TestApp {
    pub async fn new() -> TestApp {
        let path = std::env::temp_dir().join(format!(
            "sanbao_it_{}_{}_{}.db",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed),
            Utc::now().timestamp_subsec_nanos()
        ));
        let config = Config {
            database_url: format!("sqlite://{}", path.display()),
            max_connections: 2,
            ..Config::default()
        };
        let db = sanbao_server::cli::open_db(&config).await.unwrap();
        let state = AppState::new(db, config);
        let router = app(state.clone());
        TestApp {
            state,
            router,
            path,
        }
    }

    /// An account with [`PASSWORD`].
    pub async fn user(&self, username: &str, role: &str) -> User {
        let u = NewUser::parse(username, &format!("{username}-name"), role, PASSWORD).unwrap();
        sanbao_server::app::users::add_user(&self.state, &u, PASSWORD, Utc::now())
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
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Response {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
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
