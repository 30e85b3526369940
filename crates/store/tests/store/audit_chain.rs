//! The audit trail is append-only and chained (R1.4): the database refuses to change or
//! remove an entry, appends at once keep one chain, and an entry changed, removed or
//! slipped in behind the server's back is named by the verification.

use super::{create_customer, customer_fields, raw_url, t, user};
use sanbao_domain::Role;
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::audit::chain::{ChainBreak, ChainSummary};
use sanbao_store::{Db, DbOptions};
use serde_json::json;
use sqlx::{Connection, PgConnection, SqliteConnection};
use std::sync::Arc;
use tokio::sync::Barrier;

/// A connection of its own to the test's database, beside the store: what someone with
/// the database's password (or the SQLite file) could do.
enum Raw {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

impl Raw {
    async fn open(db: &Db) -> Raw {
        match db.backend() {
            "sqlite" => Raw::Sqlite(SqliteConnection::connect(&raw_url()).await.unwrap()),
            _ => Raw::Postgres(PgConnection::connect(&raw_url()).await.unwrap()),
        }
    }

    /// Run `sql` (one or more statements); the database's refusal as text.
    async fn exec(&mut self, sql: &str) -> Result<u64, String> {
        match self {
            Raw::Sqlite(c) => sqlx::raw_sql(sql)
                .execute(c)
                .await
                .map(|r| r.rows_affected()),
            Raw::Postgres(c) => sqlx::raw_sql(sql)
                .execute(c)
                .await
                .map(|r| r.rows_affected()),
        }
        .map_err(|e| e.to_string())
    }

    async fn ids(&mut self) -> Vec<i64> {
        let sql = "SELECT id FROM audit_log ORDER BY id";
        match self {
            Raw::Sqlite(c) => sqlx::query_scalar(sql).fetch_all(c).await,
            Raw::Postgres(c) => sqlx::query_scalar(sql).fetch_all(c).await,
        }
        .unwrap()
    }

    async fn count(&mut self, sql: &str) -> i64 {
        match self {
            Raw::Sqlite(c) => sqlx::query_scalar(sql).fetch_one(c).await,
            Raw::Postgres(c) => sqlx::query_scalar(sql).fetch_one(c).await,
        }
        .unwrap()
    }
}

fn entry(n: i64) -> NewAuditEntry {
    NewAuditEntry {
        entity: "ticket",
        entity_id: n,
        action: "update".into(),
        actor_id: None,
        at: t("2026-06-01T08:00:00+08:00"),
        note: (n % 2 == 0).then(|| format!("note {n}")),
        before: json!({"status": "new"}),
        after: json!({"status": "assigned", "n": n}),
    }
}

async fn append(db: &Db, entries: &[NewAuditEntry]) {
    let mut tx = db.begin().await.unwrap();
    tx.audit_many(entries).await.unwrap();
    tx.commit().await.unwrap();
}

async fn intact(db: &Db) -> ChainSummary {
    match db.verify_audit_chain().await.unwrap() {
        Ok(s) => s,
        Err(b) => panic!("the chain should hold: {b}"),
    }
}

async fn broken(db: &Db) -> ChainBreak {
    match db.verify_audit_chain().await.unwrap() {
        Ok(s) => panic!("the chain should be broken, but {} entries held", s.checked),
        Err(b) => b,
    }
}

pub(crate) async fn the_audit_log_refuses_update_delete_truncate_and_overwrite(db: &Db) {
    append(db, &[entry(1), entry(2), entry(3)]).await;
    let mut raw = Raw::open(db).await;
    let ids = raw.ids().await;
    let first = ids[0];
    let append_only = "audit_log is append-only";
    let one_row = "audit_head has one row";
    let forward = "the audit head only moves forward";
    let mut refused = vec![
        (
            format!("UPDATE audit_log SET note = 'quietly' WHERE id = {first}"),
            append_only,
        ),
        (
            "UPDATE audit_log SET hash = prev_hash".to_string(),
            append_only,
        ),
        (
            format!("DELETE FROM audit_log WHERE id = {first}"),
            append_only,
        ),
        ("DELETE FROM audit_log".into(), append_only),
        // An upsert over an entry is an update of it.
        (
            format!(
                "INSERT INTO audit_log (id, entity, entity_id, action, at) \
                 VALUES ({first}, 'ticket', 1, 'x', 0) ON CONFLICT (id) DO UPDATE SET note = 'x'"
            ),
            append_only,
        ),
        ("DELETE FROM audit_head".into(), one_row),
        ("INSERT INTO audit_head (id) VALUES (2)".into(), one_row),
        (
            "UPDATE audit_head SET last_id = NULL, hash = NULL".into(),
            forward,
        ),
        (
            "UPDATE audit_head SET last_id = last_id - 1".into(),
            forward,
        ),
        (
            "UPDATE audit_head SET pre_chain_through = last_id".into(),
            forward,
        ),
    ];
    if db.backend() == "sqlite" {
        // REPLACE deletes the entry it replaces without firing the delete trigger.
        for verb in ["REPLACE", "INSERT OR REPLACE"] {
            refused.push((
                format!(
                    "{verb} INTO audit_log (id, entity, entity_id, action, at) \
                     VALUES ({first}, 'ticket', 1, 'x', 0)"
                ),
                append_only,
            ));
        }
        refused.push((
            "REPLACE INTO audit_head (id, last_id, hash) VALUES (1, NULL, NULL)".into(),
            one_row,
        ));
    } else {
        refused.push(("TRUNCATE audit_log".into(), append_only));
        refused.push(("TRUNCATE audit_log CASCADE".into(), append_only));
        refused.push(("TRUNCATE audit_head".into(), one_row));
    }
    for (sql, why) in &refused {
        match raw.exec(sql).await {
            Ok(n) => panic!("{sql} was allowed ({n} rows)"),
            Err(e) => assert!(e.contains(why), "{sql}: {e}"),
        }
    }
    assert_eq!(raw.ids().await, ids, "nothing changed");
    assert_eq!(intact(db).await.checked, 3);
    // Appending stays allowed, and the chain goes on.
    append(db, &[entry(4)]).await;
    assert_eq!(intact(db).await.checked, 4);
}

pub(crate) async fn appends_at_once_keep_one_chain(db: &Db) {
    // Four transactions append at once (on PostgreSQL all four are open before any of them
    // appends), two appends each, and one of them rolls back; ten times over.
    const WRITERS: usize = 4;
    const ROUNDS: usize = 10;
    let postgres = db.backend() == "postgres";
    for round in 0..ROUNDS {
        let barrier = Arc::new(Barrier::new(WRITERS));
        let tasks: Vec<_> = (0..WRITERS)
            .map(|w| {
                let db = db.clone();
                let barrier = Arc::clone(&barrier);
                tokio::spawn(async move {
                    let n = (round * WRITERS + w) as i64 * 10;
                    // SQLite has one writer: open transactions cannot meet there.
                    if !postgres {
                        barrier.wait().await;
                    }
                    let mut tx = db.begin().await.unwrap();
                    if postgres {
                        barrier.wait().await;
                    }
                    tx.audit_many(&[entry(n), entry(n + 1)]).await.unwrap();
                    tokio::task::yield_now().await;
                    tx.audit(&entry(n + 2)).await.unwrap();
                    if w == 0 {
                        tx.rollback().await.unwrap();
                    } else {
                        tx.commit().await.unwrap();
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    }
    let kept = (ROUNDS * (WRITERS - 1) * 3) as u64;
    let s = intact(db).await;
    assert_eq!(s.checked, kept);
    let mut raw = Raw::open(db).await;
    assert_eq!(
        raw.count("SELECT COUNT(DISTINCT prev_hash) FROM audit_log")
            .await,
        kept as i64,
        "no two entries follow the same one"
    );
    assert_eq!(
        // The first writer of each round wrote entity ids 40 × round + 0, 1, 2.
        raw.count("SELECT COUNT(*) FROM audit_log WHERE entity_id % 40 < 3")
            .await,
        0,
        "the rolled-back appends left nothing"
    );
}

pub(crate) async fn an_audit_entry_changed_behind_the_servers_back_is_reported_by_its_id(db: &Db) {
    let actor = user(db, "clerk", Role::ServiceClerk).await;
    for (i, name) in ["甲", "乙", "丙", "丁", "戊"].iter().enumerate() {
        let f = customer_fields(
            &format!("杭州{name}公司"),
            "杭州市西湖区文三路1号",
            &format!("1380000000{i}"),
        );
        create_customer(db, &f, None, actor, t("2026-05-01T00:00:00Z"))
            .await
            .unwrap();
    }
    let s = intact(db).await;
    assert_eq!((s.checked, s.pre_chain), (5, 0));
    let mut raw = Raw::open(db).await;
    let ids = raw.ids().await;
    let [e1, e2, e3, e4, e5] = ids[..] else {
        panic!("{ids:?}")
    };
    assert_eq!(s.head.map(|h| h.0), Some(e5));

    // The triggers taken away, as the table's owner (or the SQLite file's) can.
    let (off, on) = if db.backend() == "sqlite" {
        (
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
            "",
        )
    } else {
        (
            "ALTER TABLE audit_log DISABLE TRIGGER USER",
            "ALTER TABLE audit_log ENABLE TRIGGER USER",
        )
    };
    raw.exec(off).await.unwrap();

    // Edited: a customer's name changed in the entry that recorded its creation.
    let after: String = match &mut raw {
        Raw::Sqlite(c) => sqlx::query_scalar("SELECT after FROM audit_log WHERE id = $1")
            .bind(e3)
            .fetch_one(c)
            .await
            .unwrap(),
        Raw::Postgres(c) => sqlx::query_scalar("SELECT after FROM audit_log WHERE id = $1")
            .bind(e3)
            .fetch_one(c)
            .await
            .unwrap(),
    };
    let forged = after.replace("杭州丙公司", "杭州某公司");
    assert_ne!(forged, after);
    let set = |v: &str| {
        format!(
            "UPDATE audit_log SET after = '{}' WHERE id = {e3}",
            v.replace('\'', "''")
        )
    };
    raw.exec(&set(&forged)).await.unwrap();
    let b = broken(db).await;
    assert_eq!(b, ChainBreak::Edited { id: e3 });
    assert!(b.to_string().contains(&format!("#{e3}")), "{b}");
    raw.exec(&set(&after)).await.unwrap();
    assert_eq!(intact(db).await.checked, 5, "put back as it was");

    // Inserted: an entry written past the chain, then taken out again.
    raw.exec(
        "INSERT INTO audit_log (entity, entity_id, action, at) VALUES ('customer', 1, 'update', 0)",
    )
    .await
    .unwrap();
    let slipped_in = *raw.ids().await.last().unwrap();
    assert!(slipped_in > e5);
    assert_eq!(broken(db).await, ChainBreak::Inserted { id: slipped_in });
    raw.exec(&format!("DELETE FROM audit_log WHERE id = {slipped_in}"))
        .await
        .unwrap();
    assert_eq!(intact(db).await.checked, 5);

    // Deleted at the end: the head still names the last entry.
    raw.exec(&format!("DELETE FROM audit_log WHERE id = {e5}"))
        .await
        .unwrap();
    assert_eq!(
        broken(db).await,
        ChainBreak::Truncated {
            after: Some(e4),
            head: e5
        }
    );
    // Deleted in the middle: the first break is where the gap is.
    raw.exec(&format!("DELETE FROM audit_log WHERE id = {e3}"))
        .await
        .unwrap();
    assert_eq!(
        broken(db).await,
        ChainBreak::Deleted {
            after: Some(e2),
            before: e4
        }
    );
    // At the start.
    raw.exec(&format!("DELETE FROM audit_log WHERE id = {e1}"))
        .await
        .unwrap();
    assert_eq!(
        broken(db).await,
        ChainBreak::Deleted {
            after: None,
            before: e2
        }
    );
    raw.exec(on).await.unwrap();
}

/// On PostgreSQL the server may run as a role that can only read and append the audit log
/// (`roles/postgres_server_role.sql`, quoted in the README): an update or removal is
/// refused by privilege, whatever triggers say, while the server's own writes go through.
/// Needs a test role allowed to create roles (CI's is); skipped with a note otherwise.
#[tokio::test]
async fn postgres_a_server_role_may_read_and_append_the_audit_log_but_not_change_it() {
    let script = include_str!("../../roles/postgres_server_role.sql");
    let readme = include_str!("../../../../README.md");
    assert!(
        readme.contains(script),
        "the README quotes roles/postgres_server_role.sql as it is"
    );
    let Some(h) = super::postgres().await else {
        return;
    };
    let mut owner = PgConnection::connect(&h.url).await.unwrap();
    let may: bool = sqlx::query_scalar(
        "SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(&mut owner)
    .await
    .unwrap();
    if !may {
        eprintln!("skipped: the test role may not create roles (ALTER ROLE … CREATEROLE)");
        owner.close().await.unwrap();
        h.done().await;
        return;
    }
    // Owner's work, as the operator would do it.
    append(&h.db, &[entry(1)]).await;
    let role = super::unique("sanbao_server");
    sqlx::raw_sql(&format!(
        "CREATE ROLE {role} LOGIN PASSWORD 'server-secret'"
    ))
    .execute(&mut owner)
    .await
    .unwrap();
    sqlx::raw_sql(&script.replace("sanbao_server", &role))
        .execute(&mut owner)
        .await
        .unwrap();

    // The server, as that role: the schema is up to date, so starting needs no DDL.
    let (scheme, rest) = h.url.split_once("://").unwrap();
    let (_, host_db) = rest.split_once('@').unwrap();
    let url = format!("{scheme}://{role}:server-secret@{host_db}");
    let server = Db::connect(&url, &DbOptions::default()).await.unwrap();
    server.migrate().await.unwrap();
    append(&server, &[entry(2), entry(3)]).await;
    let clerk = user(&server, "clerk", Role::ServiceClerk).await;
    let f = customer_fields("杭州甲公司", "杭州市西湖区文三路1号", "13800000000");
    create_customer(&server, &f, None, clerk, t("2026-05-01T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(intact(&server).await.checked, 4);

    // Even with the triggers off, the role's privileges refuse.
    sqlx::raw_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        .execute(&mut owner)
        .await
        .unwrap();
    let mut conn = PgConnection::connect(&url).await.unwrap();
    for sql in [
        "UPDATE audit_log SET note = 'quietly'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "DELETE FROM audit_head",
        "UPDATE audit_head SET pre_chain_through = 0",
        "ALTER TABLE audit_log DISABLE TRIGGER USER",
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (9999, 'x', true, '\\x00', 0)",
    ] {
        let e = sqlx::raw_sql(sql).execute(&mut conn).await.unwrap_err();
        let e = e.to_string();
        assert!(
            e.contains("permission denied") || e.contains("must be owner"),
            "{sql}: {e}"
        );
    }
    sqlx::raw_sql("ALTER TABLE audit_log ENABLE TRIGGER USER")
        .execute(&mut owner)
        .await
        .unwrap();
    assert_eq!(intact(&server).await.checked, 4);

    conn.close().await.unwrap();
    server.close().await;
    owner.close().await.unwrap();
    let admin_url = std::env::var("SANBAO_TEST_POSTGRES_URL").unwrap();
    h.done().await;
    // The role's privileges went with the database; the role goes now.
    let mut admin = PgConnection::connect(&admin_url).await.unwrap();
    sqlx::raw_sql(&format!("DROP ROLE {role}"))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
}
