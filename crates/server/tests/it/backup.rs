//! `sanbao backup` and `sanbao restore` (issue 12, operations): a SQLite database full of
//! every kind of record, backed up while the app has it open and a transaction is under
//! way, restored elsewhere, compared table by table, row by row; what is refused is
//! refused without changing a file; PostgreSQL is pointed to its own tools.

use crate::support::{TestApp, send_to};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_server::app::backup::{BackupError, backup, restore};
use sanbao_server::config::Config;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

static SEQ: AtomicU32 = AtomicU32::new(0);

/// A directory of the test's own, removed afterwards.
struct Dir(PathBuf);

impl Dir {
    fn new() -> Dir {
        let dir = std::env::temp_dir().join(format!(
            "sanbao_backup_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }
    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sqlite_config(path: &Path) -> Config {
    Config {
        database_url: format!("sqlite://{}", path.display()),
        max_connections: 2,
        ..Config::default()
    }
}

fn path_of(app: &TestApp) -> PathBuf {
    PathBuf::from(app.database_url.strip_prefix("sqlite://").unwrap())
}

/// Every table's rows (with their rowid where the table has one), each row written out
/// with SQLite's `quote()` so that text, numbers, NULL and blobs compare exactly, sorted;
/// and the schema itself under `sqlite_master`.
async fn contents(path: &Path) -> BTreeMap<String, Vec<String>> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .unwrap();
    let schema: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    let mut out = BTreeMap::new();
    out.insert(
        "sqlite_master".to_string(),
        schema.iter().map(|s| format!("{s:?}")).collect(),
    );
    for (kind, table, _) in &schema {
        if kind != "table" {
            continue;
        }
        let columns: Vec<String> =
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(&mut conn)
                .await
                .unwrap();
        assert!(!columns.is_empty(), "{table} has no columns");
        let row = columns
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || ',' || ");
        let with_rowid = format!("SELECT quote(rowid) || ':' || {row} FROM \"{table}\"");
        let mut rows: Vec<String> = match sqlx::query_scalar(&with_rowid).fetch_all(&mut conn).await
        {
            Ok(rows) => rows,
            // WITHOUT ROWID: the columns are the row.
            Err(_) => sqlx::query_scalar(&format!("SELECT {row} FROM \"{table}\""))
                .fetch_all(&mut conn)
                .await
                .unwrap(),
        };
        rows.sort();
        out.insert(table.clone(), rows);
    }
    conn.close().await.unwrap();
    out
}

async fn count(path: &Path, table: &str) -> i64 {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .unwrap();
    let n = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    n
}

/// The demo data set (staff, customers in every region, units at every stage, tickets in
/// every state, deliveries, returns, quality items, similar cases and their full-text
/// index) on a fresh SQLite database, and a field job on a unit with its form signed
/// (trips, crews, the signature as a stored file: blobs), a service tool, sign-ins and
/// notifications.
async fn full_database() -> TestApp {
    let app = TestApp::new().await;
    sanbao_server::cli::ensure_admin(&app.state).await.unwrap();
    sanbao_server::demo::load(&app.state, app.state.now())
        .await
        .unwrap()
        .expect("the demo loads on an empty database");
    let manager = app.token("backup_manager", "service_manager").await;
    let tech = app.token("backup_tech", "technician").await;
    let (job, _unit) = crate::on_site::job_on_unit(
        &app,
        &manager,
        &tech,
        ("KYN28A-BK", "BK-2026-0001"),
        Some("2025-06-01"),
    )
    .await;
    crate::on_site::signed_form(&app, &tech, job["id"].as_i64().unwrap()).await;
    let r = app
        .call(
            "POST",
            "/api/v1/tools",
            Some(&manager),
            Some(
                serde_json::json!({"asset_code": "BK-T1", "name": "绝缘电阻测试仪",
                "category": "测量仪表", "calibration_interval_months": 12,
                "calibration_due_on": "2026-12-31"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    app
}

#[tokio::test]
async fn backup_while_in_use_and_restore_bring_back_every_row_of_every_table() {
    let app = full_database().await;
    let live = path_of(&app);
    let dir = Dir::new();
    let file = dir.join("sanbao-backup.db");

    // A use case is under way, holding the writer, with a change not yet committed: the
    // backup neither waits for it nor contains it.
    let audits_before = count(&live, "audit_log").await;
    let mut tx = app.db.begin().await.unwrap();
    tx.audit(&NewAuditEntry {
        entity: "customer",
        entity_id: 1,
        action: "update".into(),
        actor_id: None,
        at: app.state.now(),
        note: Some("not committed when the backup is taken".into()),
        before: serde_json::Value::Null,
        after: serde_json::json!({"name": "uncommitted"}),
    })
    .await
    .unwrap();
    let done = backup(&app.state.config, &file).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(done.path, file);
    assert_eq!(done.bytes, std::fs::metadata(&file).unwrap().len());
    assert_eq!(count(&file, "audit_log").await, audits_before);

    // Restored into another place (a directory that does not exist yet).
    let restored_path = dir.join("restored/sanbao.db");
    let restored_config = sqlite_config(&restored_path);
    let r = restore(&restored_config, &file).await.unwrap();
    assert_eq!((r.path.clone(), r.pending), (restored_path.clone(), 0));
    assert!(r.migrations > 10, "{r:?}");

    let (before, after) = (contents(&live).await, contents(&restored_path).await);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for (table, rows) in &before {
        assert!(
            rows == &after[table],
            "{table}: {} rows before, {} after the round trip",
            rows.len(),
            after[table].len()
        );
    }
    // Data of every kind was there to compare.
    let filled: Vec<&String> = before
        .iter()
        .filter(|(t, rows)| *t != "sqlite_master" && !rows.is_empty())
        .map(|(t, _)| t)
        .collect();
    for table in [
        "users",
        "customers",
        "units",
        "tickets",
        "ticket_deadlines",
        "audit_log",
        "jobs",
        "trips",
        "feedback_forms",
        "files",
        "sessions",
        "tools",
        "similar_cases_fts_data",
        "_sqlx_migrations",
    ] {
        assert!(
            filled.iter().any(|t| *t == table),
            "{table} is empty: {filled:?}"
        );
    }
    assert!(filled.len() >= 30, "{} tables hold rows", filled.len());

    // The restored database serves: a demo account signs in and sees the same tickets.
    let db = sanbao_server::cli::open_db(&restored_config).await.unwrap();
    let router = sanbao_server::app(sanbao_server::AppState::new(db.clone(), restored_config));
    let login = serde_json::json!({"username": "chen.jianguo", "password": sanbao_server::demo::DEMO_PASSWORD});
    let r = send_to(
        &router,
        Request::post("/api/v1/sessions")
            .header("content-type", "application/json")
            .body(Body::from(login.to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let token = r.json()["token"].as_str().unwrap().to_string();
    let tickets = |router: axum::Router, token: String| async move {
        send_to(
            &router,
            Request::get("/api/v1/tickets?limit=200")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .json()["items"]
            .clone()
    };
    let there = tickets(router.clone(), token).await;
    let original_token = app.token("backup_reader", "admin").await;
    let here = tickets(app.router.clone(), original_token).await;
    assert!(there.as_array().is_some_and(|a| !a.is_empty()), "{there}");
    assert_eq!(
        there.as_array().map(Vec::len),
        here.as_array().map(Vec::len)
    );
    db.close().await;
}

#[tokio::test]
async fn backup_never_overwrites_and_a_refused_restore_changes_nothing() {
    let app = full_database().await;
    let dir = Dir::new();

    // A backup onto an existing file is refused, and the file is left as it was.
    let existing = dir.join("precious.txt");
    std::fs::write(&existing, "keep me").unwrap();
    let e = backup(&app.state.config, &existing).await.unwrap_err();
    assert!(matches!(e, BackupError::Exists(_)), "{e}");
    assert!(e.to_string().contains("already exists"), "{e}");
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep me");
    // Nor is anything left behind beside it.
    assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 1);
    // A directory that does not exist is named.
    let e = backup(&app.state.config, &dir.join("nowhere/b.db"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("nowhere"), "{e}");

    // A good backup, restored once to make a target with data in it.
    let file = dir.join("good.db");
    backup(&app.state.config, &file).await.unwrap();
    let target = dir.join("target.db");
    let config = sqlite_config(&target);
    restore(&config, &file).await.unwrap();
    let target_bytes = std::fs::read(&target).unwrap();

    // What is not a Sanbao database is refused, and the target is untouched.
    let text = dir.join("notes.db");
    std::fs::write(&text, "SQLite format 2, honestly ".repeat(100)).unwrap();
    let empty = dir.join("empty.db");
    std::fs::write(&empty, "").unwrap();
    let truncated = dir.join("truncated.db");
    let good = std::fs::read(&file).unwrap();
    std::fs::write(&truncated, &good[..good.len() / 2]).unwrap();
    let foreign = dir.join("foreign.db");
    {
        let mut c = SqliteConnectOptions::new()
            .filename(&foreign)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        sqlx::query("CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT)")
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
    }
    for (bad, what) in [
        (&text, "not SQLite"),
        (&empty, "empty"),
        (&truncated, "cut short"),
        (&foreign, "another application's database"),
        (&dir.join("missing.db"), "missing"),
    ] {
        let e = restore(&config, bad).await.unwrap_err();
        match what {
            "not SQLite" | "empty" => {
                assert!(matches!(e, BackupError::NotSqlite(_)), "{what}: {e}")
            }
            "cut short" => assert!(
                matches!(e, BackupError::Damaged(..) | BackupError::NotSqlite(_)),
                "{what}: {e}"
            ),
            "another application's database" => {
                assert!(matches!(e, BackupError::NotSanbao(..)), "{what}: {e}");
                assert!(e.to_string().contains("migrations"), "{e}");
            }
            _ => assert!(matches!(e, BackupError::Io(..)), "{what}: {e}"),
        }
        assert!(
            e.to_string().contains(&*bad.display().to_string()),
            "{what}: the message names the file: {e}"
        );
        assert_eq!(
            std::fs::read(&target).unwrap(),
            target_bytes,
            "{what}: the target changed"
        );
    }
    // No temporary copy was left beside the target.
    let left: Vec<String> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn restore_refuses_a_database_in_use() {
    let app = full_database().await;
    let dir = Dir::new();
    let file = dir.join("b.db");
    backup(&app.state.config, &file).await.unwrap();
    let live = path_of(&app);
    let before = contents(&live).await;
    // The app still has it open, as a running server would.
    let e = restore(&app.state.config, &file).await.unwrap_err();
    assert!(matches!(e, BackupError::InUse(_)), "{e}");
    assert!(e.to_string().contains("stop the server"), "{e}");
    assert_eq!(contents(&live).await, before);
    // Closed, it is restored over (its `-wal` and `-shm` go with it).
    app.db.close().await;
    let r = restore(&app.state.config, &file).await.unwrap();
    assert_eq!(r.path, live);
    for suffix in ["-wal", "-shm"] {
        assert!(!Path::new(&format!("{}{suffix}", live.display())).exists());
    }
    assert_eq!(contents(&live).await, before);
}

#[tokio::test]
async fn backup_and_restore_point_postgres_to_pg_dump_on_postgres() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    let token = app.token("pg_admin", "admin").await;
    let dir = Dir::new();
    let file = dir.join("pg.db");
    let e = backup(&app.state.config, &file).await.unwrap_err();
    assert!(matches!(e, BackupError::Postgres), "{e}");
    assert!(e.to_string().contains("pg_dump -Fc"), "{e}");
    assert!(!file.exists());
    std::fs::write(&file, "anything").unwrap();
    let e = restore(&app.state.config, &file).await.unwrap_err();
    assert!(e.to_string().contains("pg_restore"), "{e}");
    // The database is as it was.
    let me = app.call("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(me.status, StatusCode::OK);
}
