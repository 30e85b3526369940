//! `sanbao audit verify` (R1.4): the command walks the audit chain, says how many entries
//! held, and names the entry changed behind the server's back with a non-zero exit status.

use crate::support::TestApp;
use sanbao_domain::customer::CustomerInput;
use sanbao_server::app;
use std::process::{Command, Output};

fn verify(app: &TestApp) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sanbao"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", &app.database_url)
        .env("SANBAO_LOG", "warn")
        .env_remove("SANBAO_CONFIG")
        .output()
        .unwrap()
}

async fn an_edited_entry_is_named_and_the_command_fails(app: TestApp) {
    let now = app.state.now();
    let clerk = app.user("clerk", "service_clerk").await;
    for name in ["之江变电站", "富阳开关厂", "临安供电所"] {
        app::customers::create_customer(
            &app.state,
            &clerk,
            &CustomerInput {
                name: name.into(),
                address: "浙江省杭州市西湖区转塘街道 1 号".into(),
                ..CustomerInput::default()
            },
            &app::customers::CorrectionInput::default(),
            now,
        )
        .await
        .unwrap();
    }
    let out = verify(&app);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("audit trail intact"), "{stdout}");
    assert!(stdout.contains("entries checked"), "{stdout}");

    // The second customer's entry edited behind the server's back, its trigger taken away
    // by the table's owner.
    let sql = "SELECT id FROM audit_log WHERE entity = 'customer' ORDER BY id LIMIT 1 OFFSET 1";
    let edit = "UPDATE audit_log SET after = replace(after, '富阳', '余杭') WHERE id = ";
    let id: i64 = if app.database_url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&app.database_url).await.unwrap();
        let id = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        sqlx::raw_sql(&format!("DROP TRIGGER audit_log_no_update; {edit}{id}"))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        id
    } else {
        let pool = sqlx::PgPool::connect(&app.database_url).await.unwrap();
        let id = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        sqlx::raw_sql(&format!(
            "ALTER TABLE audit_log DISABLE TRIGGER USER; {edit}{id}; \
             ALTER TABLE audit_log ENABLE TRIGGER USER;"
        ))
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
        id
    };
    let out = verify(&app);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("audit entry #{id} was changed")),
        "{stderr}"
    );
}

#[tokio::test]
async fn audit_verify_names_an_entry_edited_behind_the_servers_back() {
    an_edited_entry_is_named_and_the_command_fails(TestApp::new().await).await;
}

#[tokio::test]
async fn audit_verify_names_an_entry_edited_behind_the_servers_back_on_postgres() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    an_edited_entry_is_named_and_the_command_fails(app).await;
}
