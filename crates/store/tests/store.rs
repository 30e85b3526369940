//! The store suite: written once, run on SQLite always and on PostgreSQL whenever
//! `SANBAO_TEST_POSTGRES_URL` is set (`SANBAO_REQUIRE_POSTGRES=1` makes its absence a
//! failure, as in CI). Every test gets its own fresh database.

#![allow(clippy::unwrap_used, clippy::expect_used)]
use chrono::{DateTime, Duration, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::customer::{ContactInput, CustomerFields, CustomerInput, RegionCorrection};
use sanbao_domain::customer::{Customer, CustomerFilter};
use sanbao_domain::deadline::DeadlinePolicy;
use sanbao_domain::ticket::{
    Channel, EventInput, EventType, NewTicket, TicketEvent, TicketInput, TicketKind, TicketStatus,
};
use sanbao_domain::ticket::{Ticket, TicketFilter};
use sanbao_domain::unit::TicketPlace;
use sanbao_domain::user::NewUser;
use sanbao_domain::user::{Session, User};
use sanbao_domain::{CustomerId, Error, Region, Role, TicketId, UserId};
use sanbao_store::{Claim, Db, DbOptions, PlaceOf};
use std::sync::atomic::{AtomicU32, Ordering};

static SEQ: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    let nanos = Utc::now().timestamp_subsec_nanos();
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

struct Harness {
    db: Db,
    /// The database's URL, for the tests that go behind the store's back ([`raw_url`]).
    url: String,
    cleanup: Cleanup,
}

tokio::task_local! {
    static URL: String;
}

/// The URL of the database the running store test was given.
fn raw_url() -> String {
    URL.with(String::clone)
}

enum Cleanup {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Harness {
    async fn done(self) {
        self.db.close().await;
        match self.cleanup {
            Cleanup::Sqlite(path) => {
                for ext in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                // FORCE ends sessions left in the database; a server worker attached to it
                // for a moment (autovacuum) cannot be ended by a role without superuser, so
                // retry briefly, and rather leave the database than fail the test.
                let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
                let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                for attempt in 1..=5 {
                    match sqlx::query(&drop).execute(&admin).await {
                        Ok(_) => break,
                        Err(e) if attempt == 5 => eprintln!("could not drop {name}: {e}"),
                        Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
                    }
                }
                admin.close().await;
            }
        }
    }
}

async fn sqlite() -> Harness {
    let path = std::env::temp_dir().join(format!("{}.db", unique("sanbao_store")));
    let url = format!("sqlite://{}", path.display());
    let db = Db::connect(&url, &DbOptions::default()).await.unwrap();
    db.migrate().await.unwrap();
    Harness {
        db,
        url,
        cleanup: Cleanup::Sqlite(path),
    }
}

async fn postgres() -> Option<Harness> {
    let Ok(admin_url) = std::env::var("SANBAO_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("SANBAO_REQUIRE_POSTGRES").is_err(),
            "SANBAO_REQUIRE_POSTGRES is set but SANBAO_TEST_POSTGRES_URL is not"
        );
        eprintln!("skipped on PostgreSQL: SANBAO_TEST_POSTGRES_URL is not set");
        return None;
    };
    let name = unique("sanbao_t");
    let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    let url = format!("{base}/{name}");
    let db = Db::connect(
        &url,
        &DbOptions {
            max_connections: 4,
            ..DbOptions::default()
        },
    )
    .await
    .unwrap();
    db.migrate().await.unwrap();
    Some(Harness {
        db,
        url,
        cleanup: Cleanup::Postgres { admin_url, name },
    })
}

macro_rules! store_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                let h = super::sqlite().await;
                super::URL.scope(h.url.clone(), super::$name(&h.db)).await;
                h.done().await;
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                let Some(h) = super::postgres().await else { return };
                super::URL.scope(h.url.clone(), super::$name(&h.db)).await;
                h.done().await;
            })*
        }
    };
}

store_tests!(
    migrations_run_twice,
    a_transaction_dropped_without_commit_writes_nothing,
    outbox_messages_are_claimed_once_and_sent_once,
    job_leases_are_held_until_they_run_out,
    an_update_from_a_stale_read_changes_nothing,
    users_are_unique_and_sessions_expire,
    sign_in_attempts_are_counted_before_checking_and_parallel_ones_take_turns,
    accounts_change_on_their_version_and_end_their_sessions,
    customers_round_trip_with_contacts_and_audit,
    customer_update_refuses_a_stale_version,
    customers_are_found_by_name_phone_address_and_region,
    unknown_salesperson_is_a_field_error,
    tickets_are_written_with_deadlines_and_audit,
    ticket_events_are_saved_once_per_version,
    ticket_list_filters_and_pages,
    dashboard_counts_breached_and_due_soon,
    tickets_written_at_once_are_all_kept_and_a_bad_one_fails_alone,
    a_customers_first_site_follows_its_address,
    units_are_unique_per_model_and_tickets_take_the_units_site,
    policy_versions_are_unique_per_line_and_date,
    // Returns (R2.2, R2.5).
    returns_keep_their_eligibility_and_refuse_a_stale_decision,
    // A unit's history (R3.8).
    a_units_tickets_and_visits_are_found_by_the_unit,
    // Deliveries (R3.2).
    deliveries_step_on_their_version_and_the_board_shows_open_ones_oldest_first,
    // Archive import.
    customer_names_are_listed_for_an_import_in_the_order_recorded,
    // --- Archive export ---
    exports_hold_every_match_of_the_lists_filters_oldest_first,
    // --- end archive export ---
    // --- Deadline engine ---
    deadlines_keep_their_basis_pauses_and_what_the_watcher_did,
    deadline_policy_versions_follow_one_another,
    // --- end deadline engine ---
    // ---- Where notifications go ----
    the_inbox_is_read_and_marked_by_its_person_only_and_secrets_are_kept_apart,
    // ---- end where notifications go ----
    // --- replies and visits (issue 7, parts 4-6) ---
    ticket_answers_round_trip_and_feed_the_rates_the_queue_and_the_load,
    visits_are_written_with_their_questions_and_listed_newest_first,
    // --- end replies and visits ---
    // --- The manager's board (R6.1–R6.3) ---
    the_board_pages_open_deadlines_by_due_time_counts_states_and_keeps_breach_causes,
    // --- end the manager's board ---
    // ---- dispatch (issue 8) ----
    technician_profiles_and_travel_settings_are_written_on_their_version,
    // ---- end dispatch ----
    // --- service requests (issue 8, part 1) ---
    a_request_is_written_with_its_ticket_listed_new_first_and_narrowed_to_the_salesperson,
    // --- end service requests ---
    // ---- field form ----
    feedback_forms_round_trip_with_photos_signature_and_review,
    // ---- end field form ----
    // ---- survey and daily report (issue 8) ----
    a_survey_is_found_by_its_job_and_its_token_and_written_on_its_version,
    daily_reports_are_one_per_person_and_day_and_trips_are_found_by_crew_and_day,
    // ---- end survey and daily report ----
    // ---- Idempotency keys ----
    idempotency_key_is_new_then_done_with_its_result,
    idempotency_key_with_another_request_is_reused_and_changes_nothing,
    idempotency_key_claimed_in_a_rolled_back_transaction_is_not_kept,
    idempotency_keys_are_per_user_and_old_ones_are_purged,
    // ---- end idempotency keys ----
    // ---- tools ----
    a_tool_is_lent_once_at_a_time_even_to_two_clerks_at_once,
    tools_are_listed_by_holder_overdue_and_calibration_due_and_the_sweep_claims_each_once,
    // ---- end tools ----
    // ---- parts core (issue 9) ----
    parts_move_between_buckets_and_a_job_reconciles,
    two_issues_of_the_last_piece_at_once_one_succeeds_and_stock_never_goes_negative,
    a_serial_number_is_fitted_once_until_its_fitting_is_reversed,
    // ---- end parts core ----
    // ---- settlement (issue 9, part 5) ----
    rates_and_quotations_are_written_on_their_version_and_months_find_jobs_by_first_arrival,
    // ---- end settlement ----
    // ---- follow-ups ----
    follow_ups_are_written_listed_linked_once_and_months_close_once,
    // ---- end follow-ups ----
    // ---- campaigns ----
    a_campaign_is_launched_with_its_targets_and_a_link_is_answered_once_of_two_at_once,
    // ---- end campaigns ----
    // ---- campaigns 2 ----
    a_campaign_is_closed_once_and_its_targets_are_read_in_the_closing_transaction,
    // ---- end campaigns 2 ----
    // ---- training ----
    training_sessions_keep_attendees_and_materials_and_documents_number_their_versions,
    // ---- end training ----
    // ---- quality ----
    quality_items_are_made_once_per_source_classified_on_their_version_and_months_close_once,
    // ---- end quality ----
    // ---- similar cases ----
    similar_cases_are_found_by_chinese_words_and_model_alike_on_both_backends,
    // ---- end similar cases ----
    // ---- audit chain ----
    the_audit_log_refuses_update_delete_truncate_and_overwrite,
    appends_at_once_keep_one_chain,
    an_audit_entry_changed_behind_the_servers_back_is_reported_by_its_id,
    // ---- end audit chain ----
);

// ---- audit chain ----
#[path = "store/audit_chain.rs"]
mod audit_chain;
use audit_chain::{
    an_audit_entry_changed_behind_the_servers_back_is_reported_by_its_id,
    appends_at_once_keep_one_chain, the_audit_log_refuses_update_delete_truncate_and_overwrite,
};
// ---- end audit chain ----

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

async fn user(db: &Db, name: &str, role: Role) -> UserId {
    let u = NewUser::parse(name, &format!("{name} 名"), role.as_str(), "long enough").unwrap();
    db.create_user(&u, "hash", t("2026-01-01T00:00:00Z"))
        .await
        .unwrap()
        .id
}

fn customer_fields(name: &str, address: &str, phone: &str) -> CustomerFields {
    CustomerFields::parse(&CustomerInput {
        name: name.into(),
        address: address.into(),
        contacts: vec![ContactInput {
            name: "王工".into(),
            phone: Some(phone.into()),
            ..ContactInput::default()
        }],
        ..CustomerInput::default()
    })
    .unwrap()
}

/// A customer written as the use case writes it: the record and its audit entry in one
/// transaction.
async fn create_customer(
    db: &Db,
    f: &CustomerFields,
    corr: Option<&RegionCorrection>,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<Customer, Error> {
    let mut tx = db.begin().await?;
    let c = tx.insert_customer(f, corr, now).await?;
    tx.audit(&NewAuditEntry::created(
        "customer",
        c.id.0,
        actor,
        c.created_at,
        c.audit_view(),
    ))
    .await?;
    tx.commit().await?;
    Ok(c)
}

/// An edit written as the use case writes it: read in the transaction, refused when the
/// version is stale, nothing written when nothing changed.
async fn update_customer(
    db: &Db,
    id: CustomerId,
    version: i64,
    f: &CustomerFields,
    corr: Option<&RegionCorrection>,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<Customer, Error> {
    let mut tx = db.begin().await?;
    let before = tx.customer(id).await?.ok_or(Error::NotFound("customer"))?;
    if before.version != version {
        return Err(Error::Conflict("stale".into()));
    }
    let after = before.edited(f.clone(), corr.cloned(), now);
    let Some(entry) = NewAuditEntry::changed(
        "customer",
        id.0,
        before.edit_action(&after),
        actor,
        after.updated_at,
        corr.map(|c| c.reason.clone()),
        &before.audit_view(),
        &after.audit_view(),
    )
    .filter(|e| e.after.as_object().is_some_and(|o| !o.is_empty())) else {
        return Ok(before);
    };
    tx.update_customer(&before, &after).await?;
    tx.audit(&entry).await?;
    tx.commit().await?;
    Ok(after)
}

/// The handling opinion given by the service manager at `at`: the step and the ticket after.
fn opinion(before: &Ticket, text: &str, at: DateTime<Utc>) -> (TicketEvent, Ticket) {
    let e = TicketEvent::parse(
        &EventInput {
            event_type: Some(EventType::GiveOpinion),
            opinion: Some(text.into()),
            ..EventInput::default()
        },
        at,
    )
    .unwrap();
    let after = before
        .apply(&e, Role::ServiceManager, at, &DeadlinePolicy::company())
        .unwrap();
    (e, after)
}

/// A workflow step written as the use case writes it.
async fn save_event(
    db: &Db,
    before: &Ticket,
    after: &Ticket,
    event: EventType,
    note: Option<&str>,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    tx.update_ticket(before, after).await?;
    if let Some(e) = NewAuditEntry::changed(
        "ticket",
        before.id.0,
        event.as_str(),
        actor,
        now,
        note.map(str::to_string),
        &before.audit_view(),
        &after.audit_view(),
    ) {
        tx.audit(&e).await?;
    }
    tx.commit().await
}

async fn customer(db: &Db, actor: UserId, name: &str, address: &str) -> CustomerId {
    create_customer(
        db,
        &customer_fields(name, address, "0571-8888 6666"),
        None,
        actor,
        t("2026-01-02T00:00:00Z"),
    )
    .await
    .unwrap()
    .id
}

async fn ticket(
    db: &Db,
    actor: UserId,
    c: CustomerId,
    kind: TicketKind,
    received: &str,
) -> TicketId {
    let input = TicketInput {
        kind,
        channel: Channel::Phone,
        customer_id: c,
        unit_id: None,
        site_id: None,
        unit_text: Some("KYN28-12 #A001".into()),
        summary: format!("{kind} 配电柜故障"),
        received_at: t(received),
    };
    let at = t(received);
    db.create_ticket(
        PlaceOf {
            customer: c,
            unit: None,
            site: None,
        },
        Box::new(move |place, policy| NewTicket::parse(input, place, policy, actor, at)),
    )
    .await
    .unwrap()
    .id
}

async fn migrations_run_twice(db: &Db) {
    db.migrate().await.unwrap();
    db.ping().await.unwrap();
}

async fn users_are_unique_and_sessions_expire(db: &Db) {
    let id = user(db, "clerk", Role::ServiceClerk).await;
    user(db, "tech", Role::Technician).await;
    let dup = NewUser::parse("CLERK", "x", "admin", "long enough").unwrap();
    let Err(Error::Validation(f)) = db.create_user(&dup, "h", Utc::now()).await else {
        panic!()
    };
    assert_eq!(f.get("username").map(|p| p.code), Some("taken"));
    let (u, hash) = db.user_for_login("clerk").await.unwrap().unwrap();
    assert_eq!(
        (u.id, u.role, hash.as_str()),
        (id, Role::ServiceClerk, "hash")
    );
    assert_eq!(db.users(Some(Role::Technician)).await.unwrap().len(), 1);
    assert_eq!(db.count_users().await.unwrap(), 2);

    let now = t("2026-03-01T00:00:00Z");
    let s = Session {
        token_hash: "abc".into(),
        user_id: id,
        csrf_token: "csrf".into(),
        created_at: now,
        expires_at: now + Duration::hours(8),
    };
    db.create_session(&s).await.unwrap();
    let (found, who) = db
        .session("abc", now + Duration::hours(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.csrf_token.as_str(), who.id), ("csrf", id));
    assert!(
        db.session("abc", now + Duration::hours(9))
            .await
            .unwrap()
            .is_none()
    );
    assert!(db.session("nope", now).await.unwrap().is_none());
    assert_eq!(
        db.delete_expired_sessions(now + Duration::hours(9))
            .await
            .unwrap(),
        1
    );
    assert!(db.session("abc", now).await.unwrap().is_none());
}

async fn sign_in_attempts_are_counted_before_checking_and_parallel_ones_take_turns(db: &Db) {
    use sanbao_domain::signin::Scope;
    let now = t("2026-03-01T00:00:00Z");
    let keys = |name: &str, addr: &str| -> Vec<(Scope, String)> {
        Scope::ALL.iter().map(|s| (*s, s.key(name, addr))).collect()
    };
    let k = keys("wang", "10.0.0.1");
    assert_eq!(db.claim_login_attempt(&k, now).await.unwrap(), Ok(()));
    assert_eq!(db.claim_login_attempt(&k, now).await.unwrap(), Ok(()));
    assert_eq!(
        db.login_counter(&k[0].1).await.unwrap().unwrap().failures,
        2
    );
    // Success clears the name's counters and takes the attempt back from the address.
    db.login_succeeded(&k).await.unwrap();
    assert!(db.login_counter(&k[0].1).await.unwrap().is_none());
    assert!(db.login_counter(&k[2].1).await.unwrap().is_none());
    assert_eq!(
        db.login_counter(&k[1].1).await.unwrap().unwrap().failures,
        1
    );

    // An attempt never checked (the server too busy) is taken back.
    assert_eq!(db.claim_login_attempt(&k, now).await.unwrap(), Ok(()));
    db.take_back_login_attempt(&k).await.unwrap();
    assert_eq!(
        db.login_counter(&k[1].1).await.unwrap().unwrap().failures,
        1
    );
    assert_eq!(
        db.login_counter(&k[0].1).await.unwrap().map(|c| c.failures),
        Some(0)
    );

    // Sixteen guesses at once: only the free ones are counted and checked.
    let g = keys("li", "10.0.0.2");
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (db, g) = (db.clone(), g.clone());
            tokio::spawn(async move { db.claim_login_attempt(&g, now).await.unwrap() })
        })
        .collect();
    let mut admitted = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => admitted += 1,
            Err(wait) => assert!(wait >= 1),
        }
    }
    assert_eq!(admitted, Scope::NameAtAddress.policy().free);
    assert_eq!(
        db.login_counter(&g[0].1).await.unwrap().unwrap().failures,
        5
    );
    // From another address the name is only slowed down, never locked by these.
    let elsewhere = keys("li", "10.0.0.3");
    assert_eq!(
        db.claim_login_attempt(&elsewhere, now).await.unwrap(),
        Ok(())
    );
    // A run gone quiet for the window starts again; quiet counters are forgotten.
    let later = now + Duration::minutes(16);
    assert_eq!(db.claim_login_attempt(&g, later).await.unwrap(), Ok(()));
    assert_eq!(
        db.login_counter(&g[0].1).await.unwrap().unwrap().failures,
        1
    );
    assert!(db.delete_stale_login_counters(now).await.unwrap() >= 3);
    assert!(db.login_counter(&k[1].1).await.unwrap().is_none());
    assert!(db.login_counter(&g[0].1).await.unwrap().is_some());
}

async fn accounts_change_on_their_version_and_end_their_sessions(db: &Db) {
    let now = t("2026-03-01T00:00:00Z");
    let admin = user(db, "boss", Role::Admin).await;
    let clerk = user(db, "clerk", Role::ServiceClerk).await;
    for (token, who) in [("s1", clerk), ("s2", clerk), ("s3", admin)] {
        db.create_session(&Session {
            token_hash: token.into(),
            user_id: who,
            csrf_token: "c".into(),
            created_at: now,
            expires_at: now + Duration::hours(1),
        })
        .await
        .unwrap();
    }
    let mut tx = db.begin().await.unwrap();
    assert_eq!(tx.count_active_admins().await.unwrap(), 1);
    let (before, hash) = tx.lock_user(clerk).await.unwrap().unwrap();
    assert_eq!(hash, "hash");
    let after = User {
        role: Role::Technician,
        active: false,
        display_name: "小王".into(),
        ..before.clone()
    };
    let saved = tx
        .update_user(&before, &after, Some("new-hash"), now)
        .await
        .unwrap();
    assert_eq!(
        (saved.role, saved.active, saved.version),
        (Role::Technician, false, before.version + 1)
    );
    let stale = tx.update_user(&before, &after, None, now).await;
    assert!(matches!(stale, Err(Error::Conflict(_))), "{stale:?}");
    let ended = tx.delete_sessions_of(clerk, Some("s2")).await.unwrap();
    assert_eq!(ended, vec!["s1".to_string()]);
    tx.commit().await.unwrap();
    assert!(db.session("s1", now).await.unwrap().is_none());
    assert!(db.session("s3", now).await.unwrap().is_some());
    let (_, hash) = db.user_for_login("clerk").await.unwrap().unwrap();
    assert_eq!(hash, "new-hash");
    assert!(tx_missing_user(db).await);
}

async fn tx_missing_user(db: &Db) -> bool {
    let mut tx = db.begin().await.unwrap();
    tx.lock_user(UserId(999_999)).await.unwrap().is_none()
}

async fn customers_round_trip_with_contacts_and_audit(db: &Db) {
    let actor = user(db, "clerk", Role::ServiceClerk).await;
    let sales = user(db, "sales", Role::Salesperson).await;
    let mut f = customer_fields(
        "萧山配电公司",
        "浙江省杭州市萧山区建设一路66号",
        "0571-8888 6666",
    );
    f.salesperson_id = Some(sales);
    let c = create_customer(db, &f, None, actor, t("2026-01-02T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(c.region, Region::HangzhouUrban);
    let back = db.customer(c.id).await.unwrap().unwrap();
    assert_eq!(back, c);
    assert_eq!(
        back.fields.contacts[0].phone_digits.as_deref(),
        Some("057188886666")
    );
    let fix = RegionCorrection::parse("zhejiang", "现场实际在桐庐").unwrap();
    let updated = update_customer(
        db,
        c.id,
        1,
        &f,
        Some(&fix),
        actor,
        t("2026-01-03T00:00:00Z"),
    )
    .await
    .unwrap();
    assert_eq!((updated.region, updated.version), (Region::Zhejiang, 2));
    assert_eq!(db.customer(c.id).await.unwrap().unwrap(), updated);
    let trail = db.audit_trail("customer", c.id.0).await.unwrap();
    assert_eq!(trail.len(), 2);
    assert_eq!(trail[0].action, "create");
    assert_eq!(trail[1].action, "update_region");
    assert_eq!(trail[1].actor_id, Some(actor));
    assert_eq!(trail[1].before["region"], "hangzhou_urban");
    assert_eq!(trail[1].after["region"], "zhejiang");
    assert_eq!(trail[1].note.as_deref(), Some("现场实际在桐庐"));
    // Saving the same fields again changes nothing and records nothing.
    update_customer(
        db,
        c.id,
        2,
        &f,
        Some(&fix),
        actor,
        t("2026-01-04T00:00:00Z"),
    )
    .await
    .unwrap();
    assert_eq!(db.audit_trail("customer", c.id.0).await.unwrap().len(), 2);
}

async fn customer_update_refuses_a_stale_version(db: &Db) {
    let actor = user(db, "clerk", Role::ServiceClerk).await;
    let id = customer(db, actor, "甲", "杭州市西湖区文三路1号").await;
    let f = customer_fields("甲二", "杭州市西湖区文三路1号", "13800000000");
    update_customer(db, id, 1, &f, None, actor, Utc::now())
        .await
        .unwrap();
    let stale = update_customer(db, id, 1, &f, None, actor, Utc::now()).await;
    assert!(matches!(stale, Err(Error::Conflict(_))), "{stale:?}");
    assert!(matches!(
        update_customer(db, CustomerId(999), 1, &f, None, actor, Utc::now()).await,
        Err(Error::NotFound(_))
    ));
}

async fn customers_are_found_by_name_phone_address_and_region(db: &Db) {
    let actor = user(db, "clerk", Role::ServiceClerk).await;
    customer(db, actor, "杭州西湖电气", "浙江省杭州市西湖区文三路478号").await;
    create_customer(
        db,
        &customer_fields("宁波港务", "宁波市北仑区", "0574-1234 5678"),
        None,
        actor,
        Utc::now(),
    )
    .await
    .unwrap();
    customer(
        db,
        actor,
        "Suzhou Grid 100%",
        "江苏省苏州市工业园区星湖街328号",
    )
    .await;
    let find = |q: &str, region: Option<Region>| CustomerFilter {
        q: Some(q.into()),
        region,
        ..CustomerFilter::default()
    };
    let names = |v: Vec<sanbao_domain::customer::CustomerSummary>| {
        v.into_iter().map(|c| c.name).collect::<Vec<_>>()
    };
    assert_eq!(
        names(db.customers(&find("西湖", None), 10, None).await.unwrap()),
        ["杭州西湖电气"]
    );
    assert_eq!(
        names(
            db.customers(&find("12345678", None), 10, None)
                .await
                .unwrap()
        ),
        ["宁波港务"]
    );
    assert_eq!(
        names(
            db.customers(&find("0574-1234", None), 10, None)
                .await
                .unwrap()
        ),
        ["宁波港务"]
    );
    assert_eq!(
        names(db.customers(&find("星湖街", None), 10, None).await.unwrap()),
        ["Suzhou Grid 100%"]
    );
    assert_eq!(
        names(
            db.customers(&find("suzhou grid", None), 10, None)
                .await
                .unwrap()
        ),
        ["Suzhou Grid 100%"]
    );
    assert_eq!(
        names(db.customers(&find("100%", None), 10, None).await.unwrap()),
        ["Suzhou Grid 100%"]
    );
    assert!(
        db.customers(&find("%", None), 10, None)
            .await
            .unwrap()
            .len()
            == 1,
        "% is literal"
    );
    assert_eq!(
        names(
            db.customers(&find("", Some(Region::Zhejiang)), 10, None)
                .await
                .unwrap()
        ),
        ["宁波港务"]
    );
    let all = db
        .customers(&CustomerFilter::default(), 2, None)
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let rest = db
        .customers(&CustomerFilter::default(), 2, Some(all[1].id.0))
        .await
        .unwrap();
    assert_eq!(names(rest), ["杭州西湖电气"]);
}

async fn unknown_salesperson_is_a_field_error(db: &Db) {
    let actor = user(db, "clerk", Role::ServiceClerk).await;
    let mut f = customer_fields("甲", "杭州市", "13800000000");
    f.salesperson_id = Some(UserId(4242));
    let Err(Error::Validation(errs)) = create_customer(db, &f, None, actor, Utc::now()).await
    else {
        panic!()
    };
    assert!(
        errs.get("salesperson_id").is_some() || errs.get("id").is_some(),
        "{errs:?}"
    );
    assert!(
        db.customers(&CustomerFilter::default(), 10, None)
            .await
            .unwrap()
            .is_empty(),
        "nothing written"
    );
}

async fn tickets_are_written_with_deadlines_and_audit(db: &Db) {
    let actor = user(db, "clerk", Role::ServiceClerk).await;
    let c = customer(db, actor, "桐庐水厂", "浙江省杭州市桐庐县城南街道").await;
    let id = ticket(
        db,
        actor,
        c,
        TicketKind::Emergency,
        "2026-05-10T23:30:00+08:00",
    )
    .await;
    let tk = db.ticket(id).await.unwrap().unwrap();
    assert_eq!(
        (tk.site_region, tk.status, tk.version),
        (Region::Zhejiang, TicketStatus::Open, 1)
    );
    assert_eq!(tk.deadlines.len(), 1);
    assert_eq!(tk.deadlines[0].due_at, t("2026-05-11T05:30:00+08:00"));
    let trail = db.audit_trail("ticket", id.0).await.unwrap();
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].after["kind"], "emergency");
    assert!(db.ticket(TicketId(id.0 + 100)).await.unwrap().is_none());
}

async fn ticket_events_are_saved_once_per_version(db: &Db) {
    let actor = user(db, "boss", Role::ServiceManager).await;
    let c = customer(db, actor, "甲", "杭州市滨江区江南大道1号").await;
    let id = ticket(
        db,
        actor,
        c,
        TicketKind::ComplaintQuality,
        "2026-05-10T09:00:00+08:00",
    )
    .await;
    let before = db.ticket(id).await.unwrap().unwrap();
    let now = t("2026-05-10T10:00:00+08:00");
    let (e, after) = opinion(&before, "更换互感器", now);
    save_event(
        db,
        &before,
        &after,
        EventType::GiveOpinion,
        e.text(),
        actor,
        now,
    )
    .await
    .unwrap();
    let stored = db.ticket(id).await.unwrap().unwrap();
    assert_eq!(stored, after);
    assert_eq!(stored.deadlines[0].met_at, Some(now));
    let again = save_event(
        db,
        &before,
        &after,
        EventType::GiveOpinion,
        e.text(),
        actor,
        now,
    )
    .await;
    assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
    let trail = db.audit_trail("ticket", id.0).await.unwrap();
    assert_eq!(trail.len(), 2);
    assert_eq!(trail[1].action, "give_opinion");
    assert_eq!(trail[1].before["status"], "open");
    assert_eq!(trail[1].after["opinion"], "更换互感器");
    assert_eq!(trail[1].actor_name.as_deref(), Some("boss 名"));
}

async fn ticket_list_filters_and_pages(db: &Db) {
    let actor = user(db, "clerk", Role::ServiceClerk).await;
    let tech = user(db, "tech", Role::Technician).await;
    let hz = customer(db, actor, "杭州甲", "杭州市上城区解放路1号").await;
    let sh = customer(db, actor, "上海乙", "上海市普陀区1号").await;
    let a = ticket(
        db,
        actor,
        hz,
        TicketKind::Emergency,
        "2026-05-10T09:00:00+08:00",
    )
    .await;
    let b = ticket(
        db,
        actor,
        sh,
        TicketKind::Consultation,
        "2026-05-10T10:00:00+08:00",
    )
    .await;
    let c = ticket(
        db,
        actor,
        sh,
        TicketKind::Repair,
        "2026-05-10T11:00:00+08:00",
    )
    .await;
    let ids = |v: Vec<sanbao_domain::ticket::TicketSummary>| {
        v.into_iter().map(|r| r.id.0).collect::<Vec<_>>()
    };
    let all = TicketFilter::default();
    assert_eq!(
        ids(db.tickets(&all, 10, None).await.unwrap()),
        [c.0, b.0, a.0]
    );
    assert_eq!(ids(db.tickets(&all, 2, None).await.unwrap()), [c.0, b.0]);
    assert_eq!(ids(db.tickets(&all, 2, Some(b.0)).await.unwrap()), [a.0]);
    let f = |f: TicketFilter| f;
    assert_eq!(
        ids(db
            .tickets(
                &f(TicketFilter {
                    kind: Some(TicketKind::Emergency),
                    ..all.clone()
                }),
                10,
                None
            )
            .await
            .unwrap()),
        [a.0]
    );
    assert_eq!(
        ids(db
            .tickets(
                &f(TicketFilter {
                    region: Some(Region::OutOfProvince),
                    ..all.clone()
                }),
                10,
                None
            )
            .await
            .unwrap()),
        [c.0, b.0]
    );
    assert_eq!(
        ids(db
            .tickets(
                &f(TicketFilter {
                    customer_id: Some(hz),
                    ..all.clone()
                }),
                10,
                None
            )
            .await
            .unwrap()),
        [a.0]
    );
    assert_eq!(
        ids(db
            .tickets(
                &f(TicketFilter {
                    q: Some("上海".into()),
                    ..all.clone()
                }),
                10,
                None
            )
            .await
            .unwrap()),
        [c.0, b.0]
    );
    assert_eq!(
        ids(db
            .tickets(
                &f(TicketFilter {
                    q: Some(sanbao_domain::ticket::ticket_number(b)),
                    ..all.clone()
                }),
                10,
                None
            )
            .await
            .unwrap()),
        [b.0]
    );
    let overdue = TicketFilter {
        overdue_at: Some(t("2026-05-10T22:30:00+08:00")),
        ..all.clone()
    };
    assert_eq!(
        ids(db.tickets(&overdue, 10, None).await.unwrap()),
        [b.0, a.0]
    );
    // Dispatch the emergency to the technician: it is now his work.
    let before = db.ticket(a).await.unwrap().unwrap();
    let now = t("2026-05-10T09:10:00+08:00");
    let e = TicketEvent::Dispatch { technician: tech };
    let after = before
        .apply(&e, Role::ServiceClerk, now, &DeadlinePolicy::company())
        .unwrap();
    save_event(db, &before, &after, EventType::Dispatch, None, actor, now)
        .await
        .unwrap();
    let mine = TicketFilter {
        person_id: Some(tech),
        ..all.clone()
    };
    let rows = db.tickets(&mine, 10, None).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].technician_name.as_deref(), Some("tech 名"));
    assert_eq!(
        ids(db
            .tickets(
                &f(TicketFilter {
                    status: Some(TicketStatus::Dispatched),
                    ..all.clone()
                }),
                10,
                None
            )
            .await
            .unwrap()),
        [a.0]
    );
    assert_eq!(
        db.tickets(&f(TicketFilter { open: true, ..all }), 10, None)
            .await
            .unwrap()
            .len(),
        3
    );
}

async fn dashboard_counts_breached_and_due_soon(db: &Db) {
    let actor = user(db, "clerk", Role::ServiceClerk).await;
    let hz = customer(db, actor, "杭州甲", "杭州市上城区解放路1号").await;
    let far = customer(db, actor, "成都丙", "四川省成都市武侯区1号").await;
    // At 12:00: the 10:00 emergency (due 11:00) breached; the 11:30 one (due 12:30) is due soon;
    // the out-of-province one (due 23:00) is pending; the repair has no deadline.
    let breached = ticket(
        db,
        actor,
        hz,
        TicketKind::Emergency,
        "2026-05-10T10:00:00+08:00",
    )
    .await;
    let soon = ticket(
        db,
        actor,
        hz,
        TicketKind::Emergency,
        "2026-05-10T11:30:00+08:00",
    )
    .await;
    let later = ticket(
        db,
        actor,
        far,
        TicketKind::Emergency,
        "2026-05-10T11:00:00+08:00",
    )
    .await;
    let repair = ticket(
        db,
        actor,
        far,
        TicketKind::Repair,
        "2026-05-10T11:00:00+08:00",
    )
    .await;
    // A complaint whose handling opinion was given: its deadline is met, the work goes on.
    let answered = ticket(
        db,
        actor,
        far,
        TicketKind::ComplaintOther,
        "2026-05-10T10:00:00+08:00",
    )
    .await;
    let before = db.ticket(answered).await.unwrap().unwrap();
    let at = t("2026-05-10T10:30:00+08:00");
    let (_, after) = opinion(&before, "退换", at);
    save_event(db, &before, &after, EventType::GiveOpinion, None, actor, at)
        .await
        .unwrap();
    let d = db
        .dashboard(t("2026-05-10T12:00:00+08:00"), None, 50)
        .await
        .unwrap();
    assert_eq!((d.open, d.breached, d.due_soon), (5, 1, 1));
    assert_eq!(
        d.deadlines_met.iter().map(|r| r.id.0).collect::<Vec<_>>(),
        [answered.0],
        "a met deadline is not \"without deadline\""
    );
    let order: Vec<i64> = d.by_deadline.iter().map(|r| r.id.0).collect();
    assert_eq!(order, [breached.0, soon.0, later.0]);
    assert_eq!(
        d.by_deadline[0].next_due_kind,
        Some(sanbao_domain::ticket::DeadlineKind::Arrival)
    );
    assert_eq!(d.by_deadline[0].customer_name, "杭州甲");
    assert_eq!(
        d.without_deadline
            .iter()
            .map(|r| r.id.0)
            .collect::<Vec<_>>(),
        [repair.0]
    );
    let nobody = db
        .dashboard(t("2026-05-10T12:00:00+08:00"), Some(UserId(999)), 50)
        .await
        .unwrap();
    assert_eq!((nobody.open, nobody.by_deadline.len()), (0, 0));
}

async fn tickets_written_at_once_are_all_kept_and_a_bad_one_fails_alone(db: &Db) {
    let actor = user(db, "clerk", Role::ServiceClerk).await;
    let c = customer(db, actor, "杭州甲", "杭州市上城区解放路1号").await;
    let new = |customer_id: CustomerId, i: usize| {
        NewTicket::parse(
            TicketInput {
                kind: if i.is_multiple_of(2) {
                    TicketKind::Emergency
                } else {
                    TicketKind::Repair
                },
                channel: Channel::Phone,
                customer_id,
                unit_id: None,
                site_id: None,
                unit_text: None,
                summary: format!("第{i}号"),
                received_at: t("2026-05-10T09:00:00+08:00"),
            },
            &TicketPlace::region_only(Region::HangzhouUrban),
            &DeadlinePolicy::company(),
            actor,
            t("2026-05-10T09:00:00+08:00"),
        )
        .unwrap()
    };
    let mut tickets: Vec<NewTicket> = (0..60).map(|i| new(c, i)).collect();
    tickets.insert(30, new(CustomerId(999_999), 999));
    let results = futures_join_all(db, &tickets).await;
    let failed: Vec<usize> = results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_err())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(failed, [30], "only the ticket of a missing customer fails");
    let mut ids: Vec<i64> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|t| t.id.0)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 60, "every ticket has its own id");
    for r in results.iter().filter_map(|r| r.as_ref().ok()) {
        let stored = db.ticket(r.id).await.unwrap().unwrap();
        assert_eq!(&stored, r, "what was answered is what was written");
        assert_eq!(db.audit_trail("ticket", r.id.0).await.unwrap().len(), 1);
    }
}

/// Write all tickets at the same moment, as concurrent requests would.
async fn futures_join_all(
    db: &Db,
    tickets: &[NewTicket],
) -> Vec<Result<sanbao_domain::ticket::Ticket, Error>> {
    let mut set = tokio::task::JoinSet::new();
    for (i, t) in tickets.iter().cloned().enumerate() {
        let db = db.clone();
        set.spawn(async move {
            (
                i,
                db.create_ticket(
                    PlaceOf {
                        customer: t.customer_id,
                        unit: None,
                        site: None,
                    },
                    // The place read in the writer's transaction is the customer's
                    // first site.
                    Box::new(move |place, _| {
                        Ok(NewTicket {
                            site_id: place.site_id,
                            ..t
                        })
                    }),
                )
                .await,
            )
        });
    }
    let mut out: Vec<_> = set.join_all().await;
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

async fn outbox_messages_are_claimed_once_and_sent_once(db: &Db) {
    use sanbao_store::NewOutboxMessage;
    let boss = user(db, "boss", Role::ServiceManager).await;
    let now = t("2026-06-01T08:00:00+08:00");
    let mut tx = db.begin().await.unwrap();
    for i in 0..5 {
        let m = NewOutboxMessage {
            kind: "inbox".into(),
            payload: serde_json::json!({"i": i}),
            dedupe_key: Some(format!("k{i}")),
            not_before: now,
        };
        assert!(tx.enqueue(&m, now).await.unwrap().is_some());
    }
    let again = NewOutboxMessage {
        kind: "inbox".into(),
        payload: serde_json::json!({}),
        dedupe_key: Some("k0".into()),
        not_before: now,
    };
    assert_eq!(
        tx.enqueue(&again, now).await.unwrap(),
        None,
        "same key, same message"
    );
    tx.commit().await.unwrap();
    // A rolled-back transaction enqueues nothing.
    let mut tx = db.begin().await.unwrap();
    let lost = NewOutboxMessage {
        dedupe_key: Some("rolled-back".into()),
        ..again.clone()
    };
    tx.enqueue(&lost, now).await.unwrap();
    drop(tx);

    let lease = now + Duration::seconds(60);
    let a = db.claim_outbox("a", now, lease, 3).await.unwrap();
    let b = db.claim_outbox("b", now, lease, 10).await.unwrap();
    assert_eq!((a.len(), b.len()), (3, 2));
    assert!(a.iter().all(|m| b.iter().all(|n| n.id != m.id)));
    assert!(
        db.claim_outbox("c", now, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Sending needs the lease: b cannot mark a's message.
    let mut tx = db.begin().await.unwrap();
    assert!(!tx.outbox_sent(a[0].id, "b", now).await.unwrap());
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    tx.deliver_to_inbox(a[0].id, boss, "主题", None, None, now)
        .await
        .unwrap();
    assert!(tx.outbox_sent(a[0].id, "a", now).await.unwrap());
    tx.commit().await.unwrap();
    // A failure waits for its retry time; the lease is released.
    db.outbox_failed(
        a[1].id,
        "a",
        "smtp down",
        Some(now + Duration::seconds(30)),
        now,
    )
    .await
    .unwrap();
    let later = now + Duration::seconds(61);
    let retaken = db
        .claim_outbox("c", later, later + Duration::seconds(60), 10)
        .await
        .unwrap();
    // a[1] after its retry time, and the three whose lease ran out (a[2], b's two).
    assert_eq!(retaken.len(), 4);
    assert!(retaken.iter().all(|m| m.attempts == 2));
    let stats = db.outbox_stats().await.unwrap();
    assert_eq!((stats.sent, stats.pending, stats.failed), (1, 4, 0));
    assert_eq!(db.inbox(boss, 10).await.unwrap().len(), 1);
}

async fn job_leases_are_held_until_they_run_out(db: &Db) {
    let now = t("2026-06-01T08:00:00+08:00");
    let until = now + Duration::minutes(10);
    assert!(db.try_lease("sessions", "a", now, until).await.unwrap());
    assert!(
        !db.try_lease("sessions", "b", now + Duration::minutes(5), until)
            .await
            .unwrap()
    );
    assert!(
        db.try_lease("other", "b", now, until).await.unwrap(),
        "one lease per job"
    );
    assert!(
        db.try_lease("sessions", "b", until, until + Duration::minutes(10))
            .await
            .unwrap()
    );
}

async fn an_update_from_a_stale_read_changes_nothing(db: &Db) {
    let actor = user(db, "boss", Role::ServiceManager).await;
    let c = customer(db, actor, "甲", "杭州市滨江区江南大道1号").await;
    let id = ticket(
        db,
        actor,
        c,
        TicketKind::ComplaintOther,
        "2026-05-10T09:00:00+08:00",
    )
    .await;
    let before = db.ticket(id).await.unwrap().unwrap();
    let now = t("2026-05-10T10:00:00+08:00");
    let (_, after) = opinion(&before, "退换", now);
    // Two transactions read version 1; the first to write wins.
    let mut first = db.begin().await.unwrap();
    first.update_ticket(&before, &after).await.unwrap();
    first.commit().await.unwrap();
    let mut second = db.begin().await.unwrap();
    let stale = second.update_ticket(&before, &after).await;
    assert!(matches!(stale, Err(Error::Conflict(_))), "{stale:?}");
    drop(second);
    assert_eq!(db.ticket(id).await.unwrap().unwrap().version, after.version);
    // Customers too.
    let cust = db.customer(c).await.unwrap().unwrap();
    let edited = cust.edited(cust.fields.clone(), None, now);
    let mut tx = db.begin().await.unwrap();
    tx.update_customer(&cust, &edited).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let stale = tx.update_customer(&cust, &edited).await;
    assert!(matches!(stale, Err(Error::Conflict(_))), "{stale:?}");
}

async fn a_transaction_dropped_without_commit_writes_nothing(db: &Db) {
    let f = customer_fields("甲", "杭州市西湖区文三路1号", "13800000000");
    let now = t("2026-06-01T08:00:00+08:00");
    for _ in 0..3 {
        let mut tx = db.begin().await.unwrap();
        tx.insert_customer(&f, None, now).await.unwrap();
        drop(tx);
    }
    // The writer is free again and in no transaction: this one commits alone.
    let mut tx = db.begin().await.unwrap();
    let kept = tx.insert_customer(&f, None, now).await.unwrap();
    tx.commit().await.unwrap();
    let all = db
        .customers(&CustomerFilter::default(), 10, None)
        .await
        .unwrap();
    assert_eq!(all.iter().map(|c| c.id).collect::<Vec<_>>(), [kept.id]);
}

async fn a_customers_first_site_follows_its_address(db: &Db) {
    let actor = user(db, "clerk", Role::ServiceClerk).await;
    let f = customer_fields("杭州甲", "杭州市西湖区文三路1号", "0571-88886666");
    let c = create_customer(db, &f, None, actor, t("2026-05-01T00:00:00Z"))
        .await
        .unwrap();
    let sites = db.sites_of(c.id).await.unwrap();
    assert_eq!(sites.len(), 1);
    assert_eq!(
        (
            sites[0].ordinal,
            sites[0].fields.address.as_str(),
            sites[0].region
        ),
        (1, "杭州市西湖区文三路1号", Region::HangzhouUrban)
    );
    assert_eq!(sites[0].fields.contact_name.as_deref(), Some("王工"));
    // A second site: the next ordinal, its own region.
    let mut tx = db.begin().await.unwrap();
    let ningbo = sanbao_domain::site::SiteFields::parse(&sanbao_domain::site::SiteInput {
        name: Some("北仑变电所".into()),
        address: "浙江省宁波市北仑区明州路1号".into(),
        ..Default::default()
    })
    .unwrap();
    let s2 = tx
        .insert_site(c.id, &ningbo, None, t("2026-05-02T00:00:00Z"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((s2.ordinal, s2.region), (2, Region::Zhejiang));
    // The customer moves: its first site moves with it, the second stays.
    let moved = customer_fields("杭州甲", "上海市浦东新区世纪大道1号", "0571-88886666");
    update_customer(
        db,
        c.id,
        c.version,
        &moved,
        None,
        actor,
        t("2026-05-03T00:00:00Z"),
    )
    .await
    .unwrap();
    let sites = db.sites_of(c.id).await.unwrap();
    assert_eq!(sites[0].fields.address, "上海市浦东新区世纪大道1号");
    assert_eq!(sites[0].region, Region::OutOfProvince);
    assert_eq!(sites[1], s2);
    // A site for a customer that does not exist is refused.
    let mut tx = db.begin().await.unwrap();
    assert!(
        tx.insert_site(
            CustomerId(999_999),
            &ningbo,
            None,
            t("2026-05-02T00:00:00Z")
        )
        .await
        .is_err()
    );
}

async fn model(db: &Db, code: &str) -> sanbao_domain::product::ProductModel {
    let f = sanbao_domain::product::ModelFields::parse(&sanbao_domain::product::ModelInput {
        code: code.into(),
        name: "中置式开关柜".into(),
        product_line: "switchgear".into(),
    })
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    let m = tx
        .insert_model(&f, t("2026-01-01T00:00:00Z"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    m
}

async fn units_are_unique_per_model_and_tickets_take_the_units_site(db: &Db) {
    use sanbao_domain::coverage::UnitDates;
    use sanbao_store::NewUnit;
    let actor = user(db, "clerk", Role::ServiceClerk).await;
    let c = customer(db, actor, "杭州甲", "杭州市西湖区文三路1号").await;
    let other = customer(db, actor, "温州乙", "温州市鹿城区1号").await;
    let kyn = model(db, "KYN28A-12").await;
    let xgn = model(db, "XGN15-12").await;
    let mut tx = db.begin().await.unwrap();
    let ningbo = sanbao_domain::site::SiteFields::parse(&sanbao_domain::site::SiteInput {
        address: "浙江省宁波市北仑区明州路1号".into(),
        ..Default::default()
    })
    .unwrap();
    let site = tx
        .insert_site(c, &ningbo, None, t("2026-05-02T00:00:00Z"))
        .await
        .unwrap();
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let unit = |model, serial| NewUnit {
        customer_id: c,
        model_id: model,
        serial_no: serial,
        site_id: site.id,
        delivery_id: None,
        dates: UnitDates {
            shipped_on: Some(d("2025-04-01")),
            accepted_on: Some(d("2025-04-20")),
            commissioned_on: Some(d("2025-05-10")),
        },
        notes: None,
    };
    let id = tx
        .insert_unit(&unit(kyn.id, "SB-0001"), t("2026-05-02T00:00:00Z"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // The same serial number of another model is another unit; of the same model, refused.
    let mut tx = db.begin().await.unwrap();
    tx.insert_unit(&unit(xgn.id, "SB-0001"), t("2026-05-02T00:00:00Z"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let Err(Error::Validation(f)) = tx
        .insert_unit(&unit(kyn.id, "SB-0001"), t("2026-05-02T00:00:00Z"))
        .await
    else {
        panic!("a second unit with the same model and serial was written")
    };
    assert_eq!(f.get("serial_no").map(|p| p.code), Some("taken"));
    drop(tx);
    let u = db.unit(id).await.unwrap().unwrap();
    assert_eq!(
        (u.model_code.as_str(), u.serial_no.as_str(), u.site_id),
        ("KYN28A-12", "SB-0001", site.id)
    );
    assert_eq!(u.site_region, Region::Zhejiang);
    assert_eq!(u.dates.commissioned_on, Some(d("2025-05-10")));
    // A ticket naming the unit takes its site; one naming nothing, the customer's first.
    let mut tx = db.begin().await.unwrap();
    let place = tx.ticket_place(c, Some(id), None).await.unwrap();
    assert_eq!(
        (place.site_id, place.region),
        (Some(site.id), Region::Zhejiang)
    );
    assert_eq!(place.unit.as_ref().map(|f| f.id), Some(id));
    let first = tx.ticket_place(c, None, None).await.unwrap();
    assert_eq!(first.region, Region::HangzhouUrban);
    // Another customer's unit or site is refused by name.
    let Err(Error::Validation(f)) = tx.ticket_place(other, Some(id), None).await else {
        panic!("another customer's unit accepted")
    };
    assert_eq!(f.get("unit_id").map(|p| p.code), Some("other_customer"));
    let Err(Error::Validation(f)) = tx.ticket_place(other, None, Some(site.id)).await else {
        panic!("another customer's site accepted")
    };
    assert_eq!(f.get("site_id").map(|p| p.code), Some("other_customer"));
    drop(tx);
    // Found by serial number, model or site address.
    let found = db
        .units(
            &sanbao_domain::unit::UnitFilter {
                q: Some("sb-0001".into()),
                ..Default::default()
            },
            10,
            None,
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
    let at_site = db
        .units(
            &sanbao_domain::unit::UnitFilter {
                q: Some("北仑".into()),
                customer_id: Some(c),
                ..Default::default()
            },
            10,
            None,
        )
        .await
        .unwrap();
    assert_eq!(at_site.len(), 2);
}

async fn policy_versions_are_unique_per_line_and_date(db: &Db) {
    use sanbao_domain::product::PolicyInput;
    let actor = user(db, "manager", Role::ServiceManager).await;
    let p = PolicyInput {
        product_line: "switchgear".into(),
        effective_from: "2026-07-01".into(),
        warranty_months: Some(36),
        free_repair_months: Some(24),
        after_free_repair: None,
    }
    .parse()
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    let saved = tx
        .insert_policy(&p, actor, t("2026-06-01T00:00:00Z"))
        .await
        .unwrap();
    assert!(saved.id.is_some());
    let Err(Error::Validation(f)) = tx.insert_policy(&p, actor, t("2026-06-01T00:00:00Z")).await
    else {
        panic!("a second version from the same date was written")
    };
    assert_eq!(f.get("effective_from").map(|p| p.code), Some("taken"));
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    tx.insert_policy(&p, actor, t("2026-06-01T00:00:00Z"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let all = db.policies_of("switchgear").await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].warranty_months, 36);
}

// ---------------------------------------------------------------------------------------
// Returns (R2.2, R2.5).

async fn returns_keep_their_eligibility_and_refuse_a_stale_decision(db: &Db) {
    use sanbao_domain::coverage::{UnitDates, coverage_on};
    use sanbao_domain::returns::{
        Bearer, Ground, LossesInput, ReturnFields, ReturnFilter, ReturnInput, ReturnStatus, Rule,
    };
    use sanbao_store::NewUnit;
    let clerk = user(db, "clerk", Role::ServiceClerk).await;
    let manager = user(db, "manager", Role::ServiceManager).await;
    let c = customer(db, clerk, "杭州甲", "杭州市西湖区文三路1号").await;
    let kyn = model(db, "KYN28A-12").await;
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let now = t("2027-03-01T02:00:00Z");
    let dates = UnitDates {
        shipped_on: Some(d("2025-02-01")),
        accepted_on: Some(d("2025-02-20")),
        commissioned_on: Some(d("2025-03-01")),
    };
    let mut tx = db.begin().await.unwrap();
    let site = tx.first_site(c).await.unwrap().unwrap();
    let unit = tx
        .insert_unit(
            &NewUnit {
                customer_id: c,
                model_id: kyn.id,
                serial_no: "SB-0001",
                site_id: site.id,
                delivery_id: None,
                dates,
                notes: None,
            },
            now,
        )
        .await
        .unwrap();
    // Asked on the first day after the warranty: R2.2 refuses, R2.5 grants.
    let mut ids = Vec::new();
    for (ground, confirmation) in [
        ("not_meeting_requirements", None),
        ("quality_problem", Some("质检部 检验报告 QC-118")),
    ] {
        let f = ReturnFields::parse(
            &ReturnInput {
                ground: ground.into(),
                description: "不能满足要求".into(),
                confirmation: confirmation.map(Into::into),
                ticket_id: None,
                requested_on: Some("2027-03-01".into()),
            },
            d("2027-03-01"),
        )
        .unwrap();
        let cov = coverage_on(&dates, "switchgear", &[], f.requested_on);
        let n = f.into_new(unit, &cov, clerk, now);
        ids.push(tx.insert_return(&n).await.unwrap());
    }
    tx.commit().await.unwrap();
    let refused = db.return_request(ids[0]).await.unwrap().unwrap();
    assert_eq!(refused.ground, Ground::NotMeetingRequirements);
    assert_eq!(
        (refused.eligibility.eligible, refused.eligibility.rule),
        (false, Rule::R2_2OutsideWarranty)
    );
    assert_eq!(
        refused.eligibility.coverage.warranty_ends_on,
        Some(d("2027-02-28"))
    );
    assert_eq!(
        (refused.serial_no.as_str(), refused.customer_id),
        ("SB-0001", c)
    );
    assert_eq!(refused.requested_by_name, "clerk 名");
    let quality = db.return_request(ids[1]).await.unwrap().unwrap();
    assert!(quality.eligibility.eligible);
    assert_eq!(
        quality.confirmation.as_deref(),
        Some("质检部 检验报告 QC-118")
    );

    // Waiting for a decision: oldest first.
    let waiting = db
        .returns(
            &ReturnFilter {
                status: Some(ReturnStatus::Requested),
                ..ReturnFilter::default()
            },
            10,
            None,
        )
        .await
        .unwrap();
    assert_eq!(waiting.iter().map(|r| r.id).collect::<Vec<_>>(), ids);

    // Approve the quality one; a decision on the version read a second time is stale.
    let approved = quality.decide(true, "确认质量问题", manager, now).unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.update_return(&quality, &approved).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let again = quality.decide(false, "重复", manager, now).unwrap();
    assert!(matches!(
        tx.update_return(&quality, &again).await,
        Err(Error::Conflict(_))
    ));
    drop(tx);
    let read = db.return_request(ids[1]).await.unwrap().unwrap();
    assert_eq!(read.status, ReturnStatus::Approved);
    assert_eq!(read.decided_by_name.as_deref(), Some("manager 名"));
    assert_eq!(read.version, 2);

    // Its losses close it.
    let closed = read
        .record_losses(
            &LossesInput {
                amount_fen: Some(1_250_000),
                note: "运费与更换".into(),
                borne_by: None,
            },
            now,
        )
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.update_return(&read, &closed).await.unwrap();
    tx.commit().await.unwrap();
    let read = db.return_request(ids[1]).await.unwrap().unwrap();
    assert_eq!(read.status, ReturnStatus::Closed);
    let losses = read.losses.unwrap();
    assert_eq!(
        (losses.amount_fen, losses.borne_by),
        (1_250_000, Bearer::Company)
    );

    let of_unit = db
        .returns_of_unit(sanbao_domain::UnitId(unit.0))
        .await
        .unwrap();
    assert_eq!(of_unit.len(), 2);
    let closed_only = db
        .returns(
            &ReturnFilter {
                status: Some(ReturnStatus::Closed),
                ..ReturnFilter::default()
            },
            10,
            None,
        )
        .await
        .unwrap();
    assert_eq!(closed_only.len(), 1);
}

// ---------------------------------------------------------------------------------------
// A unit's history (R3.8).

async fn a_units_tickets_and_visits_are_found_by_the_unit(db: &Db) {
    use sanbao_domain::coverage::{CoverageKind, UnitDates};
    use sanbao_store::NewUnit;
    let actor = user(db, "clerk", Role::ServiceClerk).await;
    let c = customer(db, actor, "杭州甲", "杭州市西湖区文三路1号").await;
    let kyn = model(db, "KYN28A-12").await;
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let mut tx = db.begin().await.unwrap();
    let site = tx.first_site(c).await.unwrap().unwrap();
    let unit = tx
        .insert_unit(
            &NewUnit {
                customer_id: c,
                model_id: kyn.id,
                serial_no: "SB-0009",
                site_id: site.id,
                delivery_id: None,
                dates: UnitDates {
                    commissioned_on: Some(d("2025-05-10")),
                    ..UnitDates::default()
                },
                notes: None,
            },
            t("2026-05-02T00:00:00Z"),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Two tickets name the unit (received out of id order), one does not.
    let named = |received: &'static str| {
        let input = TicketInput {
            kind: TicketKind::Repair,
            channel: Channel::Phone,
            customer_id: c,
            unit_id: Some(unit),
            site_id: None,
            unit_text: None,
            summary: "柜门无法关闭".into(),
            received_at: t(received),
        };
        db.create_ticket(
            PlaceOf {
                customer: c,
                unit: Some(unit),
                site: None,
            },
            Box::new(move |place, policy| {
                NewTicket::parse(input, place, policy, actor, t(received))
            }),
        )
    };
    let later = named("2026-06-02T00:00:00Z").await.unwrap();
    let earlier = named("2026-06-01T00:00:00Z").await.unwrap();
    let other = ticket(db, actor, c, TicketKind::Repair, "2026-06-03T00:00:00Z").await;
    let found = db.tickets_of_unit(unit).await.unwrap();
    assert_eq!(
        found.iter().map(|t| t.id).collect::<Vec<_>>(),
        [earlier.id, later.id]
    );
    assert_eq!(
        found[0].coverage.as_ref().map(|c| c.coverage),
        Some(CoverageKind::Warranty)
    );
    // A check-in on the unit's ticket is a visit to the unit; on another ticket, not.
    let mut tx = db.begin().await.unwrap();
    for (id, at) in [
        (later.id, "2026-06-02T03:00:00Z"),
        (other, "2026-06-03T03:00:00Z"),
    ] {
        let e = NewAuditEntry::changed(
            "ticket",
            id.0,
            "check_in",
            actor,
            t(at),
            None,
            &serde_json::json!({"status": "dispatched"}),
            &serde_json::json!({"status": "on_site"}),
        )
        .unwrap();
        tx.audit(&e).await.unwrap();
    }
    tx.commit().await.unwrap();
    // The unit's life story: its commissioning, its two tickets and the visit on its own
    // ticket, newest first; the other ticket's visit belongs to the customer's story only.
    use sanbao_domain::life::{self, LifeEvent, LifeFilter, LifeKind, Scope};
    let all = LifeFilter::default();
    let unit_story = life::story(
        LifeKind::of_scope(Scope::Unit(unit)),
        db.life_entries(
            Scope::Unit(unit),
            &LifeKind::of_scope(Scope::Unit(unit)),
            &all,
        )
        .await
        .unwrap(),
        &all,
    );
    let names: Vec<_> = unit_story.entries.iter().map(|e| e.event.name()).collect();
    assert_eq!(
        names,
        ["check_in", "ticket", "ticket", "recorded", "commissioned"]
    );
    match &unit_story.entries[0].event {
        LifeEvent::CheckIn { ticket_id, .. } => assert_eq!(*ticket_id, later.id),
        other => panic!("{other:?}"),
    }
    assert!(
        unit_story
            .entries
            .iter()
            .all(|e| e.unit.as_ref().map(|u| u.serial_no.as_str()) == Some("SB-0009"))
    );
    let customer_story = life::story(
        LifeKind::of_scope(Scope::Customer(c)),
        db.life_entries(
            Scope::Customer(c),
            &LifeKind::of_scope(Scope::Customer(c)),
            &all,
        )
        .await
        .unwrap(),
        &all,
    );
    let visits = customer_story
        .entries
        .iter()
        .filter(|e| e.event.name() == "check_in")
        .count();
    assert_eq!((customer_story.entries.len(), visits), (7, 2));
    // Dates are company days: 2 June (+08:00) holds the later ticket and its visit only.
    let june2 = LifeFilter::parse(&[], Some("2026-06-02"), Some("2026-06-02")).unwrap();
    let day = life::story(
        LifeKind::of_scope(Scope::Unit(unit)),
        db.life_entries(
            Scope::Unit(unit),
            &LifeKind::of_scope(Scope::Unit(unit)),
            &june2,
        )
        .await
        .unwrap(),
        &june2,
    );
    assert_eq!(
        day.entries
            .iter()
            .map(|e| e.event.name())
            .collect::<Vec<_>>(),
        ["check_in", "ticket"]
    );
    // Another unit's story is empty.
    let none = db
        .life_entries(
            Scope::Unit(sanbao_domain::UnitId(unit.0 + 100)),
            &LifeKind::ALL,
            &all,
        )
        .await
        .unwrap();
    assert!(none.is_empty());
    assert!(
        db.tickets_of_unit(sanbao_domain::UnitId(unit.0 + 100))
            .await
            .unwrap()
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------
// Deliveries (R3.2).

async fn deliveries_step_on_their_version_and_the_board_shows_open_ones_oldest_first(db: &Db) {
    use sanbao_domain::delivery::{
        CountInput, DeliveryFields, DeliveryFilter, DeliveryInput, DeliveryStatus, LineInput,
        StepInput,
    };
    use sanbao_store::NewDelivery;
    let clerk = user(db, "clerk", Role::ServiceClerk).await;
    let sp = user(db, "sales", Role::Salesperson).await;
    let theirs = create_customer(
        db,
        &CustomerFields {
            salesperson_id: Some(sp),
            ..customer_fields("宁波甲", "浙江省宁波市北仑区1号", "0574-8888 6666")
        },
        None,
        clerk,
        t("2026-01-02T00:00:00Z"),
    )
    .await
    .unwrap()
    .id;
    let other = customer(db, clerk, "温州乙", "温州市鹿城区1号").await;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    let fields = |customer, reference: &str, shipped: &str| {
        DeliveryFields::parse(
            &DeliveryInput {
                customer_id: Some(customer),
                reference: reference.into(),
                shipped_on: shipped.into(),
                lines: vec![
                    LineInput {
                        model_code: Some("KYN28A-12".into()),
                        quantity: Some(3),
                        ..LineInput::default()
                    },
                    LineInput {
                        description: Some("备件".into()),
                        quantity: Some(1),
                        ..LineInput::default()
                    },
                ],
                ..DeliveryInput::default()
            },
            today,
        )
        .unwrap()
    };
    let mut ids = Vec::new();
    for (customer, reference, shipped) in [
        (theirs, "DN-2", "2026-11-20"),
        (theirs, "DN-1", "2026-11-10"),
        (other, "DN-3", "2026-11-01"),
    ] {
        let f = fields(customer, reference, shipped);
        let mut tx = db.begin().await.unwrap();
        let site = tx.first_site(customer).await.unwrap().unwrap().id;
        let id = tx
            .insert_delivery(
                &NewDelivery {
                    fields: &f,
                    site_id: site,
                    salesperson_id: Some(sp),
                    created_by: clerk,
                },
                t("2026-11-20T02:00:00Z"),
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        ids.push(id);
    }
    let d = db.delivery(ids[0]).await.unwrap().unwrap();
    assert_eq!(
        (
            d.status,
            d.reference.as_str(),
            d.lines.len(),
            d.salesperson_id
        ),
        (DeliveryStatus::Shipped, "DN-2", 2, Some(sp))
    );
    assert_eq!(d.lines[1].description.as_deref(), Some("备件"));

    // Arrive, then count one line short: written with the lines, on the version read.
    let now = t("2026-11-21T02:00:00Z");
    let step = |kind: &str| StepInput {
        kind: kind.into(),
        ..StepInput::default()
    };
    let arrived = d.apply(&step("arrive"), now).unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.update_delivery(&d, &arrived).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let again = d.apply(&step("arrive"), now).unwrap();
    assert!(matches!(
        tx.update_delivery(&d, &again).await,
        Err(Error::Conflict(_))
    ));
    drop(tx);
    let count = StepInput {
        kind: "count".into(),
        lines: vec![
            CountInput {
                received: Some(2),
                damaged: Some(1),
                note: Some("缺一台".into()),
            },
            CountInput {
                received: Some(1),
                ..CountInput::default()
            },
        ],
        confirmed_by: None,
    };
    let counted = arrived.apply(&count, now).unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.update_delivery(&arrived, &counted).await.unwrap();
    tx.commit().await.unwrap();
    let read = db.delivery(ids[0]).await.unwrap().unwrap();
    assert_eq!(read, counted);
    assert_eq!(read.lines[0].shortage(), 1);

    // The board: theirs, open, oldest shipment first; everyone's with the filter off.
    let board = |salesperson_id, open_only| DeliveryFilter {
        salesperson_id,
        open_only,
    };
    let refs = |v: Vec<sanbao_domain::delivery::Delivery>| {
        v.into_iter().map(|d| d.reference).collect::<Vec<_>>()
    };
    assert_eq!(
        refs(db.deliveries(&board(Some(sp), true), 50).await.unwrap()),
        ["DN-1", "DN-2"]
    );
    assert_eq!(
        refs(db.deliveries(&board(None, true), 50).await.unwrap()),
        ["DN-3", "DN-1", "DN-2"]
    );
    let accept = StepInput {
        kind: "accept".into(),
        confirmed_by: Some("李工".into()),
        ..StepInput::default()
    };
    let accepted = read.apply(&accept, now).unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.update_delivery(&read, &accepted).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        refs(db.deliveries(&board(Some(sp), true), 50).await.unwrap()),
        ["DN-1"]
    );
    let all = db.deliveries(&board(Some(sp), false), 50).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].accepted_by.as_deref(), Some("李工"));
    assert_eq!(all[1].lines[0].note.as_deref(), Some("缺一台"));
}

// ---------------------------------------------------------------------------------------
// Archive import.

async fn customer_names_are_listed_for_an_import_in_the_order_recorded(db: &Db) {
    let actor = user(db, "manager", Role::ServiceManager).await;
    let mut tx = db.begin().await.unwrap();
    assert!(tx.customer_names().await.unwrap().is_empty());
    drop(tx);
    let a = customer(db, actor, "杭州西湖电气", "浙江省杭州市西湖区文三路478号").await;
    let b = customer(db, actor, "宁波港务", "宁波市北仑区").await;
    let mut tx = db.begin().await.unwrap();
    assert_eq!(
        tx.customer_names().await.unwrap(),
        [
            (
                a,
                "杭州西湖电气".to_string(),
                "浙江省杭州市西湖区文三路478号".to_string()
            ),
            (b, "宁波港务".to_string(), "宁波市北仑区".to_string()),
        ]
    );
}

// --- Archive export ---------------------------------------------------------------------

async fn exports_hold_every_match_of_the_lists_filters_oldest_first(db: &Db) {
    use sanbao_domain::coverage::UnitDates;
    use sanbao_domain::export::{CustomerRecord, SiteRecord};
    use sanbao_domain::unit::UnitFilter;
    use sanbao_store::NewUnit;
    let actor = user(db, "clerk", Role::ServiceClerk).await;
    let li = user(db, "li", Role::Salesperson).await;
    // Two salespeople share a name: the export names the second by username.
    let wang = db
        .create_user(
            &NewUser::parse("wang", "王五", "salesperson", "long enough").unwrap(),
            "hash",
            t("2026-01-01T00:00:00Z"),
        )
        .await
        .unwrap()
        .id;
    db.create_user(
        &NewUser::parse("wang2", "王五", "salesperson", "long enough").unwrap(),
        "hash",
        t("2026-01-01T00:00:00Z"),
    )
    .await
    .unwrap();
    let mut hz = CustomerFields::parse(&CustomerInput {
        name: "杭州甲".into(),
        address: "杭州市西湖区文三路1号".into(),
        contacts: vec![
            ContactInput {
                name: "王工".into(),
                phone: Some("0571-8888 6666".into()),
                email: Some("wang@example.com".into()),
                ..ContactInput::default()
            },
            ContactInput {
                name: "赵工".into(),
                phone: Some("0571-8888 7777".into()),
                ..ContactInput::default()
            },
        ],
        notes: Some("老客户".into()),
        ..CustomerInput::default()
    })
    .unwrap();
    hz.salesperson_id = Some(li);
    let now = t("2026-01-02T00:00:00Z");
    let a = create_customer(db, &hz, None, actor, now).await.unwrap().id;
    let mut nb = customer_fields("宁波乙", "宁波市北仑区明州路8号", "0574-8888 1234");
    nb.salesperson_id = Some(wang);
    let b = create_customer(db, &nb, None, actor, now).await.unwrap().id;
    let c = customer(db, actor, "温州丙", "温州市鹿城区1号").await;

    // Customers: all of them, oldest first, the first contact and the salesperson joined.
    let all = db
        .export_customers(&CustomerFilter::default())
        .await
        .unwrap();
    let names: Vec<&str> = all.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["杭州甲", "宁波乙", "温州丙"]);
    assert_eq!(
        all[0],
        CustomerRecord {
            name: "杭州甲".into(),
            address: "杭州市西湖区文三路1号".into(),
            contact_name: Some("王工".into()),
            contact_phone: Some("0571-8888 6666".into()),
            contact_email: Some("wang@example.com".into()),
            salesperson: Some("li 名".into()),
            notes: Some("老客户".into()),
        }
    );
    assert_eq!(all[1].salesperson.as_deref(), Some("wang"));
    assert_eq!(all[2].salesperson, None);
    // The list's filters: text (name, address, contact, phone digits), region, salesperson.
    let names_of =
        |rows: Vec<CustomerRecord>| -> Vec<String> { rows.into_iter().map(|r| r.name).collect() };
    for (filter, expected) in [
        (
            CustomerFilter {
                q: Some("赵工".into()),
                ..CustomerFilter::default()
            },
            vec!["杭州甲"],
        ),
        (
            CustomerFilter {
                q: Some("8888 1234".into()),
                ..CustomerFilter::default()
            },
            vec!["宁波乙"],
        ),
        (
            CustomerFilter {
                region: Some(Region::Zhejiang),
                ..CustomerFilter::default()
            },
            vec!["宁波乙", "温州丙"],
        ),
        (
            CustomerFilter {
                region: Some(Region::OutOfProvince),
                ..CustomerFilter::default()
            },
            vec![],
        ),
        (
            CustomerFilter {
                salesperson_id: Some(wang),
                ..CustomerFilter::default()
            },
            vec!["宁波乙"],
        ),
        (
            CustomerFilter {
                q: Some("100%_".into()),
                ..CustomerFilter::default()
            },
            vec![],
        ),
    ] {
        assert_eq!(
            names_of(db.export_customers(&filter).await.unwrap()),
            expected,
            "{filter:?}"
        );
        let list: Vec<String> = db
            .customers(&filter, 100, None)
            .await
            .unwrap()
            .into_iter()
            .rev()
            .map(|r| r.name)
            .collect();
        assert_eq!(list, expected, "the list and the export match alike");
    }

    // Sites: those of the matching customers, customer by customer, in their order.
    let mut tx = db.begin().await.unwrap();
    let site = tx
        .insert_site(
            a,
            &sanbao_domain::site::SiteFields::parse(&sanbao_domain::site::SiteInput {
                name: Some("1号变电所".into()),
                address: "浙江省宁波市北仑区明州路1号".into(),
                contact_name: Some("钱工".into()),
                contact_phone: Some("0574-1234 5678".into()),
            })
            .unwrap(),
            None,
            now,
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let sites = db.export_sites(&CustomerFilter::default()).await.unwrap();
    let places: Vec<(&str, i64, &str)> = sites
        .iter()
        .map(|s| (s.customer_name.as_str(), s.ordinal, s.address.as_str()))
        .collect();
    assert_eq!(
        places,
        [
            ("杭州甲", 1, "杭州市西湖区文三路1号"),
            ("杭州甲", 2, "浙江省宁波市北仑区明州路1号"),
            ("宁波乙", 1, "宁波市北仑区明州路8号"),
            ("温州丙", 1, "温州市鹿城区1号"),
        ]
    );
    assert_eq!(
        sites[1],
        SiteRecord {
            customer_name: "杭州甲".into(),
            ordinal: 2,
            name: Some("1号变电所".into()),
            address: "浙江省宁波市北仑区明州路1号".into(),
            region: site.region,
            contact_name: Some("钱工".into()),
            contact_phone: Some("0574-1234 5678".into()),
        }
    );
    let of_b = db
        .export_sites(&CustomerFilter {
            q: Some("宁波乙".into()),
            ..CustomerFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(of_b.len(), 1);
    assert_eq!(of_b[0].customer_name, "宁波乙");

    // Units: every match of the unit list's filters, oldest first, model and site joined.
    let kyn = model(db, "KYN28A-12").await;
    let first_of = |id| async move { db.sites_of(id).await.unwrap()[0].id };
    let (site_b, site_c) = (first_of(b).await, first_of(c).await);
    let mut tx = db.begin().await.unwrap();
    for (customer_id, site_id, serial) in [
        (a, site.id, "SB-0001"),
        (b, site_b, "SB-0002"),
        (c, site_c, "SB-0003"),
        (a, site.id, "SB-0004"),
    ] {
        tx.insert_unit(
            &NewUnit {
                customer_id,
                model_id: kyn.id,
                serial_no: serial,
                site_id,
                delivery_id: None,
                dates: UnitDates {
                    shipped_on: chrono::NaiveDate::from_ymd_opt(2025, 4, 1),
                    accepted_on: None,
                    commissioned_on: None,
                },
                notes: None,
            },
            now,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let serials = |rows: Vec<sanbao_domain::unit::UnitSummary>| -> Vec<String> {
        rows.into_iter().map(|u| u.serial_no).collect()
    };
    let all = db.export_units(&UnitFilter::default()).await.unwrap();
    assert_eq!(all[0].model_code, "KYN28A-12");
    assert_eq!(all[0].site_address, "浙江省宁波市北仑区明州路1号");
    assert_eq!(
        all[0].dates.shipped_on,
        chrono::NaiveDate::from_ymd_opt(2025, 4, 1)
    );
    assert_eq!(serials(all), ["SB-0001", "SB-0002", "SB-0003", "SB-0004"]);
    for (filter, expected) in [
        (
            UnitFilter {
                q: Some("杭州甲".into()),
                ..UnitFilter::default()
            },
            vec!["SB-0001", "SB-0004"],
        ),
        (
            UnitFilter {
                q: Some("sb-0003".into()),
                ..UnitFilter::default()
            },
            vec!["SB-0003"],
        ),
        (
            UnitFilter {
                customer_id: Some(b),
                ..UnitFilter::default()
            },
            vec!["SB-0002"],
        ),
        (
            UnitFilter {
                site_id: Some(site.id),
                ..UnitFilter::default()
            },
            vec!["SB-0001", "SB-0004"],
        ),
    ] {
        assert_eq!(
            serials(db.export_units(&filter).await.unwrap()),
            expected,
            "{filter:?}"
        );
    }
}
// --- end archive export -----------------------------------------------------------------

// --- Deadline engine ---

async fn deadlines_keep_their_basis_pauses_and_what_the_watcher_did(db: &Db) {
    use sanbao_domain::deadline::Alarms;
    let actor = user(db, "clerk", Role::ServiceManager).await;
    let c = customer(db, actor, "之江变电站", "浙江省杭州市西湖区转塘街道 1 号").await;
    let id = ticket(
        db,
        actor,
        c,
        TicketKind::ComplaintOther,
        "2026-05-10T09:00:00+08:00",
    )
    .await;
    let before = db.ticket(id).await.unwrap().unwrap();
    let d = &before.deadlines[0];
    assert_eq!(d.basis.policy_version, 0);
    assert_eq!(d.basis.minutes, 12 * 60);
    assert_eq!(d.warn_at, t("2026-05-10T18:00:00+08:00"));
    // Paused for the customer: the pause and the stopped clock are kept.
    let pause = sanbao_domain::ticket::TicketEvent::Pause {
        reason: "等待客户提供照片".into(),
    };
    let waiting = before
        .apply(
            &pause,
            Role::ServiceManager,
            t("2026-05-10T10:00:00+08:00"),
            &DeadlinePolicy::company(),
        )
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.update_ticket(&before, &waiting).await.unwrap();
    tx.commit().await.unwrap();
    let read = db.ticket(id).await.unwrap().unwrap();
    assert_eq!(read, waiting);
    assert_eq!(read.pauses.len(), 1);
    // Nothing for the watcher while paused.
    let mut tx = db.begin().await.unwrap();
    assert!(
        tx.claim_alarms(t("2026-05-20T00:00:00Z"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    tx.commit().await.unwrap();
    // Resumed: the pause is closed; the due time moves by the wait.
    let back = read
        .apply(
            &sanbao_domain::ticket::TicketEvent::Resume,
            Role::ServiceManager,
            t("2026-05-10T12:00:00+08:00"),
            &DeadlinePolicy::company(),
        )
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.update_ticket(&read, &back).await.unwrap();
    tx.commit().await.unwrap();
    let read = db.ticket(id).await.unwrap().unwrap();
    assert_eq!(read, back);
    assert_eq!(read.deadlines[0].due_at, t("2026-05-10T23:00:00+08:00"));
    // The watcher claims it when its warning is due, and records what it did.
    let mut tx = db.begin().await.unwrap();
    assert!(
        tx.claim_alarms(t("2026-05-10T19:59:00+08:00"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let claimed = tx
        .claim_alarms(t("2026-05-10T20:00:00+08:00"), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].ticket_id, id);
    assert_eq!(claimed[0].customer_name, "之江变电站");
    let alarms = Alarms {
        warned_at: Some(t("2026-05-10T20:00:00+08:00")),
        ..Alarms::default()
    };
    tx.record_alarms(
        id,
        claimed[0].deadline.kind,
        &alarms,
        Some(read.deadlines[0].due_at),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let read = db.ticket(id).await.unwrap().unwrap();
    assert_eq!(read.deadlines[0].alarms, alarms);
    let mut tx = db.begin().await.unwrap();
    assert!(
        tx.claim_alarms(t("2026-05-10T22:59:00+08:00"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    tx.commit().await.unwrap();
}

async fn deadline_policy_versions_follow_one_another(db: &Db) {
    let actor = user(db, "boss", Role::ServiceManager).await;
    assert_eq!(
        db.current_policy().await.unwrap(),
        DeadlinePolicy::company()
    );
    let mut tx = db.begin().await.unwrap();
    let v0 = tx.lock_policy().await.unwrap();
    let mut v1 = v0.clone();
    v1.version = 1;
    v1.targets[0].minutes = 90;
    tx.insert_deadline_policy(
        &v1,
        Some("质量投诉 90 分钟"),
        actor,
        t("2026-05-01T00:00:00Z"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.current_policy().await.unwrap(), v1);
    assert_eq!(db.policy_version(0).await.unwrap(), Some(v0));
    let versions = db.policy_versions().await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 0]
    );
    assert_eq!(versions[0].note.as_deref(), Some("质量投诉 90 分钟"));
    assert_eq!(versions[0].created_by.as_deref(), Some("boss 名"));
    // The same version twice is refused, and nothing is written.
    let mut tx = db.begin().await.unwrap();
    assert!(
        tx.insert_deadline_policy(&v1, None, actor, t("2026-05-02T00:00:00Z"))
            .await
            .is_err()
    );
    drop(tx);
    assert_eq!(db.policy_versions().await.unwrap().len(), 2);
}
// --- end deadline engine ---

// ---- Where notifications go ----

async fn the_inbox_is_read_and_marked_by_its_person_only_and_secrets_are_kept_apart(db: &Db) {
    use sanbao_domain::notify::{MailSettingsInput, RobotInput};
    use sanbao_store::NewOutboxMessage;
    let me = user(db, "me", Role::ServiceClerk).await;
    let other = user(db, "other", Role::Technician).await;
    let now = t("2026-06-01T08:00:00+08:00");
    let mut tx = db.begin().await.unwrap();
    for (i, u) in [me, me, me, other].into_iter().enumerate() {
        let m = NewOutboxMessage {
            kind: "inbox".into(),
            payload: serde_json::json!({}),
            dedupe_key: Some(format!("k{i}")),
            not_before: now,
        };
        let id = tx.enqueue(&m, now).await.unwrap().unwrap();
        tx.deliver_to_inbox(id, u, &format!("m{i}"), None, Some("/tickets/1"), now)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(db.inbox_unread(me).await.unwrap(), 3);
    let page = db.inbox_page(me, None, 2).await.unwrap();
    let subjects: Vec<&str> = page.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(subjects, ["m2", "m1"], "newest first");
    let rest = db.inbox_page(me, Some(page[1].id), 2).await.unwrap();
    assert_eq!(rest.len(), 1);
    let theirs = db.inbox_page(other, None, 10).await.unwrap()[0].id;
    assert!(
        !db.inbox_mark_read(me, theirs, now).await.unwrap(),
        "not mine"
    );
    assert_eq!(db.inbox_unread(other).await.unwrap(), 1);
    assert!(db.inbox_mark_read(me, page[0].id, now).await.unwrap());
    let later = now + Duration::hours(1);
    assert!(db.inbox_mark_read(me, page[0].id, later).await.unwrap());
    let read = db.inbox_message(me, page[0].id).await.unwrap().unwrap();
    assert_eq!(read.read_at, Some(now), "kept at the first reading");
    assert_eq!(db.inbox_mark_all_read(me, later).await.unwrap(), 2);
    assert_eq!(db.inbox_unread(me).await.unwrap(), 0);

    // Mail settings: an empty password keeps the stored one; pages see only that it is set.
    let input = |password: &str, port: &str| {
        MailSettingsInput::parse(
            "smtp.example.com",
            port,
            "starttls",
            "desk",
            password,
            "desk@example.com",
            true,
            "",
        )
        .unwrap()
    };
    let mut tx = db.begin().await.unwrap();
    assert!(!tx.mail_enabled().await.unwrap());
    let first = input("pw-1", "587");
    tx.save_mail_settings(&first.settings, first.password.as_ref(), now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let second = input("", "465");
    tx.save_mail_settings(&second.settings, second.password.as_ref(), now)
        .await
        .unwrap();
    assert!(tx.mail_enabled().await.unwrap());
    tx.commit().await.unwrap();
    let shown = db.mail_settings().await.unwrap().unwrap();
    assert!(shown.password_set);
    assert_eq!(shown.port, 465);
    let (_, pw) = db.mail_for_sending().await.unwrap().unwrap();
    assert_eq!(pw.unwrap().expose(), "pw-1");

    // Robots: a person's and the department's; a person's address.
    let mut tx = db.begin().await.unwrap();
    let mine = RobotInput::parse(
        "dingtalk",
        "mine",
        "https://oapi.dingtalk.com/robot/send?access_token=a",
        "SECx",
        Some(me),
        true,
    )
    .unwrap();
    let dept = RobotInput::parse(
        "wecom",
        "dept",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        "",
        None,
        true,
    )
    .unwrap();
    let theirs = RobotInput::parse(
        "feishu",
        "theirs",
        "https://open.feishu.cn/open-apis/bot/v2/hook/h",
        "",
        Some(other),
        true,
    )
    .unwrap();
    let mine = tx.insert_robot(&mine, now).await.unwrap();
    tx.insert_robot(&dept, now).await.unwrap();
    tx.insert_robot(&theirs, now).await.unwrap();
    let names: Vec<String> = tx
        .robots_of(&[me])
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["mine", "dept"]);
    assert_eq!(
        tx.set_user_email(me, Some("me@example.com"), now)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        tx.emails_of(&[me, other]).await.unwrap(),
        [(me, "me@example.com".to_string())]
    );
    tx.set_robot_enabled(mine.id, false, now).await.unwrap();
    assert_eq!(tx.robots_of(&[me]).await.unwrap().len(), 1);
    tx.commit().await.unwrap();
    assert!(mine.secret_set);
    let listed = db.robots().await.unwrap();
    assert_eq!(listed[0].name, "dept", "the department's first");
    let (_, secret) = db.robot_for_sending(mine.id).await.unwrap().unwrap();
    assert_eq!(secret.unwrap().expose(), "SECx");
    assert_eq!(
        db.user_email(me).await.unwrap().as_deref(),
        Some("me@example.com")
    );
}
// ---- end where notifications go ----
// --- replies and visits (issue 7, parts 4-6) ---

/// A step that needs its actor (a reply, a response, a review), written as the use case
/// writes it.
async fn answer(
    db: &Db,
    id: TicketId,
    input: EventInput,
    actor: UserId,
    role: Role,
    at: &str,
) -> Ticket {
    let before = db.ticket(id).await.unwrap().unwrap();
    let e = TicketEvent::parse(&input, t(at)).unwrap();
    let policy = sanbao_domain::ticket::DeadlinePolicy::company();
    let after = before.answer(&e, actor, role, t(at), &policy).unwrap();
    save_event(db, &before, &after, e.event_type(), e.text(), actor, t(at))
        .await
        .unwrap();
    db.ticket(id).await.unwrap().unwrap()
}

async fn ticket_answers_round_trip_and_feed_the_rates_the_queue_and_the_load(db: &Db) {
    use sanbao_domain::replies::{Month, OpinionResponse, ReplyMedium};
    let clerk = user(db, "clerk", Role::ServiceClerk).await;
    let eng = user(db, "eng", Role::SeniorEngineer).await;
    let qe = user(db, "qe", Role::QualityEngineer).await;
    let c = customer(db, clerk, "杭州电力", "杭州市西湖区文三路1号").await;
    // A quality complaint is flagged from the moment it is written; the list finds it.
    let q = ticket(
        db,
        clerk,
        c,
        TicketKind::ComplaintQuality,
        "2026-11-02T01:00:00Z",
    )
    .await;
    let other = ticket(
        db,
        clerk,
        c,
        TicketKind::ComplaintOther,
        "2026-11-02T01:10:00Z",
    )
    .await;
    assert!(
        db.ticket(q)
            .await
            .unwrap()
            .unwrap()
            .answers
            .quality_review
            .is_some()
    );
    let flagged = TicketFilter {
        quality_review: true,
        ..TicketFilter::default()
    };
    let ids: Vec<TicketId> = db
        .tickets(&flagged, 10, None)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, vec![q]);
    // The customer's response round-trips.
    let before = db.ticket(other).await.unwrap().unwrap();
    let (e, after) = opinion(&before, "复查", t("2026-11-02T02:00:00Z"));
    save_event(
        db,
        &before,
        &after,
        e.event_type(),
        e.text(),
        clerk,
        t("2026-11-02T02:00:00Z"),
    )
    .await
    .unwrap();
    let o = answer(
        db,
        other,
        EventInput {
            event_type: Some(EventType::RespondToOpinion),
            response: Some("disputed".into()),
            text: Some("不同意".into()),
            ..EventInput::default()
        },
        clerk,
        Role::ServiceClerk,
        "2026-11-02T03:00:00Z",
    )
    .await;
    let r = o.answers.opinion_response.unwrap();
    assert_eq!(
        (r.response, r.text.as_str(), r.by),
        (OpinionResponse::Disputed, "不同意", clerk)
    );
    // Two consultations owned by the engineer: the load counts the unanswered ones.
    let mk = |received: &'static str| {
        let input = TicketInput {
            kind: TicketKind::Consultation,
            channel: Channel::Phone,
            customer_id: c,
            unit_id: None,
            site_id: None,
            unit_text: None,
            summary: "保护定值".into(),
            received_at: t(received),
        };
        Box::new(
            move |place: &sanbao_domain::unit::TicketPlace,
                  policy: &sanbao_domain::ticket::DeadlinePolicy| {
                NewTicket::parse(input, place, policy, clerk, t(received)).map(|mut n| {
                    n.assignee_id = Some(eng);
                    n
                })
            },
        ) as sanbao_store::DecideTicket
    };
    let place = PlaceOf {
        customer: c,
        unit: None,
        site: None,
    };
    let a = db
        .create_ticket(place, mk("2026-11-03T01:00:00Z"))
        .await
        .unwrap();
    let b = db
        .create_ticket(place, mk("2026-11-04T01:00:00Z"))
        .await
        .unwrap();
    assert_eq!(a.assignee_id, Some(eng));
    let load = db
        .owner_load(
            &[TicketKind::Consultation, TicketKind::Correspondence],
            true,
        )
        .await
        .unwrap();
    assert_eq!(load, vec![(eng, 2)]);
    let a = answer(
        db,
        a.id,
        EventInput {
            event_type: Some(EventType::Reply),
            reply: Some("见说明书".into()),
            sent_via: Some("email".into()),
            ..EventInput::default()
        },
        eng,
        Role::SeniorEngineer,
        "2026-11-03T05:00:00Z",
    )
    .await;
    assert_eq!(a.answers.reply_sent_via, Some(ReplyMedium::Email));
    assert_eq!(a.answers.reply_by, Some(eng));
    let load = db
        .owner_load(&[TicketKind::Consultation], true)
        .await
        .unwrap();
    assert_eq!(load, vec![(eng, 1)]);
    let queue = db.review_queue(10).await.unwrap();
    assert_eq!(
        queue.iter().map(|i| i.ticket_id).collect::<Vec<_>>(),
        vec![a.id]
    );
    assert_eq!(queue[0].sent_via, Some(ReplyMedium::Email));
    let a = answer(
        db,
        a.id,
        EventInput {
            event_type: Some(EventType::ReviewReply),
            correct: Some(true),
            comment: Some("正确".into()),
            ..EventInput::default()
        },
        qe,
        Role::QualityEngineer,
        "2026-11-03T06:00:00Z",
    )
    .await;
    let rv = a.answers.reply_review.clone().unwrap();
    assert_eq!(
        (rv.correct, rv.comment.as_str(), rv.by, rv.at),
        (true, "正确", qe, t("2026-11-03T06:00:00Z"))
    );
    assert!(db.review_queue(10).await.unwrap().is_empty());
    // The month's facts: both consultations, one replied and judged correct.
    let (from, to) = Month::parse("2026-11").unwrap().bounds();
    let facts = db.reply_facts(from, to).await.unwrap();
    let seen: Vec<_> = facts
        .iter()
        .map(|f| (f.ticket_id, f.owner, f.replied_at.is_some(), f.correct))
        .collect();
    assert_eq!(
        seen,
        vec![
            (a.id, Some(eng), true, Some(true)),
            (b.id, Some(eng), false, None)
        ]
    );
    let (from, to) = Month::parse("2026-10").unwrap().bounds();
    assert!(db.reply_facts(from, to).await.unwrap().is_empty());
}

async fn visits_are_written_with_their_questions_and_listed_newest_first(db: &Db) {
    use sanbao_domain::replies::Month;
    use sanbao_domain::visit::{NewVisit, QuestionAnswer, VisitFilter, VisitInput};
    let clerk = user(db, "clerk", Role::ServiceClerk).await;
    let eng = user(db, "eng", Role::SeniorEngineer).await;
    let eng2 = user(db, "eng2", Role::SeniorEngineer).await;
    let c = customer(db, clerk, "杭州电力", "杭州市西湖区文三路1号").await;
    let write = |host: UserId, arrived: &'static str, customer: Option<CustomerId>, qas: usize| {
        let input = VisitInput {
            visitors: "李工".into(),
            organisation: customer.is_none().then(|| "嘉兴供电".to_string()),
            customer_id: customer,
            arrived_at: Some(t(arrived)),
            left_at: None,
            host_id: Some(host),
            purpose: Some("visit".into()),
            qas: (0..qas)
                .map(|i| QuestionAnswer {
                    question: format!("问{i}"),
                    answer: format!("答{i}"),
                })
                .collect(),
        };
        NewVisit::parse(&input, clerk, t("2026-12-01T00:00:00Z")).unwrap()
    };
    let mut ids = Vec::new();
    for v in [
        write(eng, "2026-11-05T01:00:00Z", None, 2),
        write(eng2, "2026-11-20T01:00:00Z", Some(c), 0),
        write(eng, "2026-10-20T01:00:00Z", None, 1),
    ] {
        let mut tx = db.begin().await.unwrap();
        ids.push(tx.insert_visit(&v).await.unwrap());
        tx.commit().await.unwrap();
    }
    let v = db.visit(ids[0]).await.unwrap().unwrap();
    assert_eq!(v.qas.len(), 2);
    assert_eq!(
        v.qas[1],
        QuestionAnswer {
            question: "问1".into(),
            answer: "答1".into()
        }
    );
    assert_eq!(v.host_id, eng);
    let v = db.visit(ids[1]).await.unwrap().unwrap();
    assert_eq!(v.customer_name.as_deref(), Some("杭州电力"));
    let all = db.visits(&VisitFilter::default(), 10, None).await.unwrap();
    assert_eq!(
        all.iter().map(|v| v.id).collect::<Vec<_>>(),
        vec![ids[1], ids[0], ids[2]]
    );
    assert_eq!(all[1].questions, 2);
    let page = db
        .visits(&VisitFilter::default(), 10, Some(ids[1].0))
        .await
        .unwrap();
    assert_eq!(
        page.iter().map(|v| v.id).collect::<Vec<_>>(),
        vec![ids[0], ids[2]]
    );
    let nov = VisitFilter {
        month: Some(Month::parse("2026-11").unwrap()),
        host_id: Some(eng),
    };
    assert_eq!(
        db.visits(&nov, 10, None)
            .await
            .unwrap()
            .iter()
            .map(|v| v.id)
            .collect::<Vec<_>>(),
        vec![ids[0]]
    );
    assert!(
        db.visit(sanbao_domain::VisitId(999_999))
            .await
            .unwrap()
            .is_none()
    );
}
// --- end replies and visits ---
// ---------------------------------------------------------------------------------------
// The manager's board (R6.1–R6.3).

async fn the_board_pages_open_deadlines_by_due_time_counts_states_and_keeps_breach_causes(db: &Db) {
    use sanbao_domain::deadline::DeadlineState;
    use sanbao_domain::deadline::board::{
        BoardFilter, BreachCategory, BreachCause, Month, Outcome, figures,
    };
    use sanbao_domain::ticket::DeadlineKind;
    let actor = user(db, "clerk", Role::ServiceClerk).await;
    let hz = customer(db, actor, "杭州甲", "杭州市上城区解放路1号").await;
    let far = customer(db, actor, "成都丙", "四川省成都市武侯区1号").await;
    // At 12:00: the 10:00 emergency (due 11:00) breached; the 11:30 one (due 12:30) due soon;
    // the out-of-province one (due 23:00) pending.
    let breached = ticket(
        db,
        actor,
        hz,
        TicketKind::Emergency,
        "2026-05-10T10:00:00+08:00",
    )
    .await;
    let soon = ticket(
        db,
        actor,
        hz,
        TicketKind::Emergency,
        "2026-05-10T11:30:00+08:00",
    )
    .await;
    let later = ticket(
        db,
        actor,
        far,
        TicketKind::Emergency,
        "2026-05-10T11:00:00+08:00",
    )
    .await;
    let now = t("2026-05-10T12:00:00+08:00");
    let all = BoardFilter::default();
    let lines = db.board_lines(&all, now, None, 10).await.unwrap();
    let ids: Vec<TicketId> = lines.iter().map(|l| l.ticket_id).collect();
    assert_eq!(ids, [breached, soon, later], "most urgent first");
    let states: Vec<DeadlineState> = lines.iter().map(|l| l.state(now)).collect();
    assert_eq!(
        states,
        [
            DeadlineState::Breached,
            DeadlineState::DueSoon,
            DeadlineState::Pending
        ]
    );
    // A page of one, then the next after its cursor.
    let first = db.board_lines(&all, now, None, 1).await.unwrap();
    let next = db
        .board_lines(&all, now, Some(&first[0].cursor()), 1)
        .await
        .unwrap();
    assert_eq!(next[0].ticket_id, soon);
    // Filters: by state (the domain's windows), region, deadline kind.
    for (state, want) in [
        (DeadlineState::Breached, vec![breached]),
        (DeadlineState::DueSoon, vec![soon]),
        (DeadlineState::Pending, vec![later]),
        (DeadlineState::Warning, vec![]),
        (DeadlineState::Paused, vec![]),
    ] {
        let f = BoardFilter {
            state: Some(state),
            ..BoardFilter::default()
        };
        let got: Vec<TicketId> = db
            .board_lines(&f, now, None, 10)
            .await
            .unwrap()
            .iter()
            .map(|l| l.ticket_id)
            .collect();
        assert_eq!(got, want, "{state:?}");
    }
    let out = BoardFilter {
        region: Some(sanbao_domain::Region::OutOfProvince),
        ..BoardFilter::default()
    };
    assert_eq!(db.board_lines(&out, now, None, 10).await.unwrap().len(), 1);
    let replies = BoardFilter {
        deadline_kind: Some(DeadlineKind::Reply),
        ..BoardFilter::default()
    };
    assert!(
        db.board_lines(&replies, now, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let counts = db.board_counts(&all, now).await.unwrap();
    assert_eq!(
        (
            counts.breached,
            counts.due_soon,
            counts.pending,
            counts.total()
        ),
        (1, 1, 1, 3)
    );
    // Nobody owns the work yet: one line of unowned load.
    let load = db.board_load(now).await.unwrap();
    assert_eq!(load.len(), 1);
    assert_eq!(
        (
            load[0].user_id,
            load[0].running,
            load[0].breaches,
            load[0].open_tickets
        ),
        (None, 3, 1, 3)
    );
    // The month: one late (breached), two not yet due; a cause recorded for the breach.
    let may = Month::parse("2026-05").unwrap();
    let mut tx = db.begin().await.unwrap();
    let (times, status) = tx
        .deadline_times(breached, DeadlineKind::Arrival)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(times.state(now, status), DeadlineState::Breached);
    let cause = BreachCause::parse("travel", "绕城高速堵车").unwrap();
    assert_eq!(
        tx.put_breach_cause(breached, DeadlineKind::Arrival, &cause, actor, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        tx.put_breach_cause(breached, DeadlineKind::Arrival, &cause, actor, now)
            .await
            .unwrap(),
        2,
        "a cause recorded again replaces the first"
    );
    tx.commit().await.unwrap();
    let lines = db
        .deadlines_due_between(may.start(), may.end())
        .await
        .unwrap();
    assert_eq!(lines.len(), 3);
    let late: Vec<_> = lines
        .iter()
        .filter(|l| l.outcome(now) == Outcome::Late)
        .collect();
    assert_eq!(late.len(), 1);
    assert_eq!(
        late[0].cause.as_ref().unwrap().category,
        BreachCategory::Travel
    );
    let f = figures(may, &lines, now);
    assert_eq!((f.total.late, f.total.running), (1, 2));
    assert!(
        db.deadlines_due_between(may.next().start(), may.next().end())
            .await
            .unwrap()
            .is_empty()
    );
}

// ---- dispatch (issue 8) ----

async fn technician_profiles_and_travel_settings_are_written_on_their_version(db: &Db) {
    use sanbao_domain::dispatch::{ProfileFields, TechnicianProfile};
    use sanbao_domain::travel::TravelSettings;
    let boss = user(db, "boss", Role::ServiceManager).await;
    let tech = user(db, "tech", Role::Technician).await;
    model(db, "KYN28").await;
    assert_eq!(db.product_lines().await.unwrap(), ["switchgear"]);
    assert!(db.technician_profiles().await.unwrap().is_empty());
    let now = t("2026-03-02T08:00:00Z");
    let blank = TechnicianProfile::blank(tech);
    let fields = ProfileFields::parse(
        Some("浙江省杭州市桐庐县"),
        &["switchgear".to_string()],
        &db.product_lines().await.unwrap(),
    )
    .unwrap();
    let first = blank.with(fields.clone(), boss, now);
    let mut tx = db.begin().await.unwrap();
    assert_eq!(tx.technician_profile(tech).await.unwrap(), None);
    tx.save_technician_profile(&blank, &first).await.unwrap();
    assert_eq!(
        tx.technician_profile(tech).await.unwrap().as_ref(),
        Some(&first)
    );
    tx.commit().await.unwrap();
    assert_eq!(
        db.technician_profiles().await.unwrap(),
        std::slice::from_ref(&first)
    );
    // A second writer who also read it as never stored: refused.
    let mut tx = db.begin().await.unwrap();
    let Err(Error::Conflict(_)) = tx.save_technician_profile(&blank, &first).await else {
        panic!("a second insert over a blank profile was accepted");
    };
    drop(tx);
    let second = first.with(
        ProfileFields {
            base_address: None,
            product_lines: vec![],
        },
        boss,
        now,
    );
    let mut tx = db.begin().await.unwrap();
    tx.save_technician_profile(&first, &second).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let Err(Error::Conflict(_)) = tx.save_technician_profile(&first, &second).await else {
        panic!("a stale profile was written");
    };
    drop(tx);
    let stored = db.technician_profiles().await.unwrap();
    assert_eq!(
        (stored[0].version, stored[0].base_address.clone()),
        (2, None)
    );
    assert!(stored[0].product_lines.is_empty());

    // Travel settings: none stored, then version 1, 2; a stale write is refused.
    assert_eq!(db.field_settings().await.unwrap(), None);
    let s = TravelSettings {
        road_kmh: 50,
        road_factor_pct: 140,
        setup_minutes: 20,
    };
    let mut tx = db.begin().await.unwrap();
    assert_eq!(tx.save_field_settings(0, &s, boss, now).await.unwrap(), 1);
    tx.commit().await.unwrap();
    let got = db.field_settings().await.unwrap().unwrap();
    assert_eq!((got.settings, got.version, got.updated_by), (s, 1, boss));
    let mut tx = db.begin().await.unwrap();
    assert_eq!(tx.field_settings().await.unwrap().unwrap().version, 1);
    let Err(Error::Conflict(_)) = tx.save_field_settings(0, &s, boss, now).await else {
        panic!("settings inserted twice");
    };
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    let faster = TravelSettings { road_kmh: 80, ..s };
    assert_eq!(
        tx.save_field_settings(1, &faster, boss, now).await.unwrap(),
        2
    );
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let Err(Error::Conflict(_)) = tx.save_field_settings(1, &s, boss, now).await else {
        panic!("stale settings written");
    };
    drop(tx);
    assert_eq!(db.field_settings().await.unwrap().unwrap().settings, faster);
}
// ---- end dispatch ----
// --- service requests (issue 8, part 1) ---

/// A request and its ticket in one transaction, as the use case writes them; nothing of
/// either when the transaction is dropped.
async fn a_request_is_written_with_its_ticket_listed_new_first_and_narrowed_to_the_salesperson(
    db: &Db,
) {
    use sanbao_domain::request::{
        NamedPlaces, NewRequest, RequestFilter, RequestInput, RequestStatus,
    };
    let clerk = user(db, "clerk", Role::ServiceClerk).await;
    let sales = user(db, "sales", Role::Salesperson).await;
    let mut fields = customer_fields("杭州甲", "杭州市西湖区文三路1号", "0571-8888 6666");
    fields.salesperson_id = Some(sales);
    let mine = create_customer(db, &fields, None, clerk, t("2026-01-02T00:00:00Z"))
        .await
        .unwrap()
        .id;
    let other = customer(db, clerk, "宁波乙", "宁波市鄞州区中山路2号").await;
    let now = t("2026-11-27T02:00:00Z");
    let file = |c: CustomerId, kind: &str| {
        let input = RequestInput {
            customer_id: Some(c),
            model_code: Some("KYN28A-12".into()),
            contact_name: "王工".into(),
            contact_phone: "138 0000 0000".into(),
            kind: Some(kind.into()),
            problem: "断路器无法合闸".into(),
            ..RequestInput::default()
        };
        NewRequest::parse(&input, &NamedPlaces::default(), sales, now).unwrap()
    };
    let write = |n: NewRequest, commit: bool| async move {
        let mut tx = db.begin().await.unwrap();
        let place = tx.ticket_place(n.customer_id, None, None).await.unwrap();
        let policy = tx.current_policy().await.unwrap();
        let ticket = NewTicket::parse(
            TicketInput {
                kind: n.kind.ticket_kind(),
                channel: Channel::Salesperson,
                customer_id: n.customer_id,
                unit_id: None,
                site_id: None,
                unit_text: n.model_code.clone(),
                summary: n.problem.clone(),
                received_at: now,
            },
            &place,
            &policy,
            sales,
            now,
        )
        .unwrap();
        let t = tx.insert_tickets(&[&ticket]).await.unwrap().pop().unwrap();
        let r = tx.insert_request(&n, t.id).await.unwrap();
        if commit {
            tx.commit().await.unwrap();
        }
        (t, r)
    };
    // Dropped: neither the ticket nor the request is kept.
    let (lost_ticket, lost) = write(file(mine, "repair"), false).await;
    assert!(db.ticket(lost_ticket.id).await.unwrap().is_none());
    assert!(db.request(lost.id).await.unwrap().is_none());

    let (t1, first) = write(file(mine, "emergency"), true).await;
    let (_, second) = write(file(other, "repair"), true).await;
    let (_, third) = write(file(mine, "training"), true).await;
    assert_eq!(t1.channel, Channel::Salesperson);
    assert!(
        t1.deadline(sanbao_domain::ticket::DeadlineKind::Arrival)
            .is_some()
    );
    let got = db.request(first.id).await.unwrap().unwrap();
    assert_eq!(got.request, first);
    assert_eq!(got.customer_name, "杭州甲");
    assert_eq!(got.salesperson_id, Some(sales));
    assert_eq!(got.ticket_status, TicketStatus::Open);
    assert_eq!(got.job_status, None);

    // Answered: a stale second answer changes nothing.
    let answered = first
        .answered_remotely(Some("phone"), "复位后正常", clerk, Role::ServiceClerk, now)
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.update_request(&first, &answered).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        tx.update_request(&first, &answered).await,
        Err(Error::Conflict(_))
    ));
    drop(tx);
    let got = db.request(first.id).await.unwrap().unwrap();
    assert_eq!(got.request.status, RequestStatus::AnsweredRemotely);
    assert_eq!(got.request.remote, answered.remote);
    assert_eq!(got.remote_by_name.as_deref(), Some("clerk 名"));

    // New first (oldest of them first), then the rest; a salesperson's only theirs.
    let all = db.requests(&RequestFilter::default(), 10).await.unwrap();
    let ids: Vec<_> = all.iter().map(|v| v.request.id).collect();
    assert_eq!(ids, [second.id, third.id, first.id]);
    let theirs = db
        .requests(
            &RequestFilter {
                salesperson: Some(sales),
                ..RequestFilter::default()
            },
            10,
        )
        .await
        .unwrap();
    let ids: Vec<_> = theirs.iter().map(|v| v.request.id).collect();
    assert_eq!(ids, [third.id, first.id]);
    let new_only = db
        .requests(
            &RequestFilter {
                status: Some(RequestStatus::New),
                ..RequestFilter::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(new_only.len(), 2);
}
// --- end service requests ---
// ---- field form ----
async fn feedback_forms_round_trip_with_photos_signature_and_review(db: &Db) {
    use sanbao_domain::field::form::{
        FilePurpose, FormFields, FormInput, FormStatus, NewFile, NewForm, PartInput, SignInput,
    };
    use sanbao_domain::field::{CrewMember, JobInput, JobStatus, JobTicket, NewJob};
    let clerk = user(db, "clerk", Role::ServiceClerk).await;
    let tech = user(db, "tech", Role::Technician).await;
    let boss = user(db, "boss", Role::ServiceManager).await;
    let c = customer(db, clerk, "甲", "杭州市滨江区江南大道1号").await;
    let tid = ticket(
        db,
        clerk,
        c,
        TicketKind::Repair,
        "2026-05-10T09:00:00+08:00",
    )
    .await;
    let now = t("2026-05-10T10:00:00+08:00");
    let input = JobInput {
        contact_name: Some("王工".into()),
        contact_phone: Some("13800000000".into()),
        ..JobInput::default()
    };
    let jt = JobTicket {
        id: tid,
        kind: TicketKind::Repair,
        finished: false,
        customer_id: c,
        site_id: None,
        unit_id: None,
        summary: "跳闸",
    };
    let new = NewJob::parse(&input, jt, clerk, now).unwrap();
    let mut tx = db.begin().await.unwrap();
    let job = tx.insert_job(&new).await.unwrap();
    let mut on_site = job.clone();
    on_site.trips[0].crew = vec![CrewMember {
        user_id: tech,
        name: "tech".into(),
        lead: true,
    }];
    on_site.trips[0].arrived_at = Some(now);
    on_site.status = JobStatus::OnSite;
    on_site.version += 1;
    let job = tx.update_job(&job, &on_site).await.unwrap();
    let nf = NewForm::start(&job, None, tech, Role::Technician, now).unwrap();
    let form = tx.insert_form(&nf).await.unwrap();
    tx.commit().await.unwrap();
    // One draft per trip.
    let mut tx = db.begin().await.unwrap();
    let again = tx.insert_form(&nf).await;
    assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
    drop(tx);
    let png = vec![
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
        0, 4, 0, 0, 0, 3, 8, 6, 0, 0, 0, 0, 0, 0, 0,
    ];
    let mut tx = db.begin().await.unwrap();
    let photo = tx
        .insert_file(&NewFile::check(FilePurpose::Photo, png.clone(), tech, now).unwrap())
        .await
        .unwrap();
    let sig = tx
        .insert_file(&NewFile::check(FilePurpose::Signature, png.clone(), tech, now).unwrap())
        .await
        .unwrap();
    let fields = FormFields::parse(
        &FormInput {
            service_content: Some("更换断路器".into()),
            responsibility: Some("manufacturing".into()),
            parts: vec![PartInput {
                name: Some("断路器".into()),
                quantity: Some(2),
                faulty_serial: Some("F1".into()),
                replacement_serial: Some("R1".into()),
            }],
            ..FormInput::default()
        },
        now,
    )
    .unwrap();
    let edited = form
        .edit(fields, &job, tech, Role::Technician, now)
        .unwrap()
        .add_photo(photo, Some("铭牌"), &job, tech, Role::Technician, now)
        .unwrap();
    let edited = tx.update_form(&form, &edited).await.unwrap();
    // A stale write changes nothing.
    let stale = tx.update_form(&form, &edited).await;
    assert!(matches!(stale, Err(Error::Conflict(_))), "{stale:?}");
    assert_eq!(
        tx.open_draft(job.trips[0].id, None)
            .await
            .unwrap()
            .unwrap()
            .id,
        form.id
    );
    let signing = SignInput {
        signer_name: Some("王工".into()),
        signature: Some(sig),
        customer_opinion: Some("满意".into()),
        ..SignInput::default()
    };
    let signed = edited
        .sign(&signing, &job, tech, Role::Technician, now)
        .unwrap();
    tx.update_form(&edited, &signed).await.unwrap();
    tx.commit().await.unwrap();
    let back = db.form(form.id).await.unwrap().unwrap();
    assert_eq!(back, signed);
    assert_eq!(back.photos[0].caption.as_deref(), Some("铭牌"));
    assert_eq!(back.parts[0].quantity, 2);
    assert_eq!(db.forms_to_review(10).await.unwrap().len(), 1);
    assert_eq!(db.forms_of_job(job.id).await.unwrap().len(), 1);
    assert_eq!(db.jobs_holding_file(photo).await.unwrap(), vec![job.id]);
    assert_eq!(db.jobs_holding_file(sig).await.unwrap(), vec![job.id]);
    let f = db.file(photo).await.unwrap().unwrap();
    assert_eq!((f.content_type.as_str(), f.bytes), ("image/png", png));
    let reviewed = back
        .review(false, Some("缺照片"), boss, Role::ServiceManager, now)
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.update_form(&back, &reviewed).await.unwrap();
    tx.commit().await.unwrap();
    let back = db.form(form.id).await.unwrap().unwrap();
    assert_eq!(back.status, FormStatus::Returned);
    assert_eq!(back, reviewed);
    assert!(db.forms_to_review(10).await.unwrap().is_empty());
}
// ---- end field form ----
// ---- survey and daily report (issue 8) ----

/// A repair job on a new ticket of `c`, its first trip sent with `crew`, set off and
/// arrived at the given instants.
async fn job_on_trip(
    db: &Db,
    actor: UserId,
    c: CustomerId,
    crew: UserId,
    departed: &str,
    arrived: &str,
) -> sanbao_domain::field::Job {
    use sanbao_domain::field::{CrewMember, JobStatus, JobType, NewJob};
    let tk = ticket(
        db,
        actor,
        c,
        TicketKind::Repair,
        "2026-11-27T08:00:00+08:00",
    )
    .await;
    let mut tx = db.begin().await.unwrap();
    let job = tx
        .insert_job(&NewJob {
            ticket_id: tk,
            job_type: JobType::Repair,
            customer_id: c,
            site_id: None,
            unit_id: None,
            model_code: None,
            contact_name: "王工".into(),
            contact_phone: "13800000000".into(),
            problem: "跳闸".into(),
            created_by: actor,
            created_at: t("2026-11-27T08:00:00+08:00"),
        })
        .await
        .unwrap();
    let mut after = job.clone();
    after.status = JobStatus::Submitted;
    after.version += 1;
    after.trips[0].crew = vec![CrewMember {
        user_id: crew,
        name: String::new(),
        lead: true,
    }];
    after.trips[0].departed_at = Some(t(departed));
    after.trips[0].arrived_at = Some(t(arrived));
    let job = tx.update_job(&job, &after).await.unwrap();
    tx.commit().await.unwrap();
    job
}

async fn a_survey_is_found_by_its_job_and_its_token_and_written_on_its_version(db: &Db) {
    use sanbao_domain::field::survey::{Survey, SurveyInput};
    let clerk = user(db, "clerk", Role::ServiceClerk).await;
    let tech = user(db, "tech", Role::Technician).await;
    let c = customer(db, clerk, "桐庐水厂", "浙江省杭州市桐庐县城南街道").await;
    let job = job_on_trip(
        db,
        clerk,
        c,
        tech,
        "2026-11-27T09:00:00+08:00",
        "2026-11-27T10:00:00+08:00",
    )
    .await;
    let now = t("2026-11-27T12:00:00+08:00");
    assert!(db.survey_of_job(job.id).await.unwrap().is_none());
    let blank = Survey::blank(job.id, now);
    let issued = blank
        .issue_link(&job, clerk, Role::ServiceClerk, "hash-1".into(), now)
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    let issued = tx.save_survey(&blank, &issued).await.unwrap();
    tx.commit().await.unwrap();
    let found = db.survey_by_token("hash-1").await.unwrap().unwrap();
    assert_eq!(found, issued);
    assert!(db.survey_by_token("hash-2").await.unwrap().is_none());
    let input = SurveyInput {
        scores: ["on_time", "attitude", "competence", "solved", "overall"]
            .iter()
            .map(|q| (q.to_string(), 4))
            .collect(),
        comment: Some("及时".into()),
    };
    let answered = found.answer_by_link("hash-1", &input, now).unwrap();
    let mut tx = db.begin().await.unwrap();
    let answered = tx.save_survey(&found, &answered).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.survey_of_job(job.id).await.unwrap().unwrap(), answered);
    // Written again from the stale read: refused.
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        tx.save_survey(&found, &answered).await,
        Err(Error::Conflict(_))
    ));
    drop(tx);
    let month = db
        .surveys_answered(
            t("2026-11-01T00:00:00+08:00"),
            t("2026-12-01T00:00:00+08:00"),
        )
        .await
        .unwrap();
    assert_eq!(month.len(), 1);
    assert_eq!(
        month[0].answers.as_ref().unwrap().comment.as_deref(),
        Some("及时")
    );
}

async fn daily_reports_are_one_per_person_and_day_and_trips_are_found_by_crew_and_day(db: &Db) {
    use sanbao_domain::field::report::{ReportInput, ReportLine, day_bounds, parse_day, submit};
    let clerk = user(db, "clerk", Role::ServiceClerk).await;
    let tech = user(db, "tech", Role::Technician).await;
    let other = user(db, "other", Role::Technician).await;
    let c = customer(db, clerk, "桐庐水厂", "浙江省杭州市桐庐县城南街道").await;
    // 23:30 local on the 27th: the 27th's report, though 15:30 UTC.
    let job = job_on_trip(
        db,
        clerk,
        c,
        tech,
        "2026-11-27T23:00:00+08:00",
        "2026-11-27T23:30:00+08:00",
    )
    .await;
    let day = parse_day("2026-11-27").unwrap();
    let (from, to) = day_bounds(day);
    let trips = db.day_trips(tech, from, to).await.unwrap();
    assert_eq!(trips.len(), 1);
    assert_eq!(trips[0].job_id, job.id);
    assert_eq!(trips[0].place, "浙江省杭州市桐庐县城南街道");
    assert_eq!(trips[0].customer, "桐庐水厂");
    let (from28, to28) = day_bounds(parse_day("2026-11-28").unwrap());
    assert!(db.day_trips(tech, from28, to28).await.unwrap().is_empty());
    assert!(db.day_trips(other, from, to).await.unwrap().is_empty());

    let now = t("2026-11-27T23:45:00+08:00");
    let input = ReportInput {
        lines: vec![ReportLine {
            job_id: Some(job.id.0),
            place: trips[0].place.clone(),
            work: "更换断路器".into(),
            ..ReportLine::default()
        }],
        travel_km: Some(85.0),
        notes: None,
        late_reason: None,
    };
    let r = submit(None, tech, "tech", Role::Technician, day, &input, now).unwrap();
    let mut tx = db.begin().await.unwrap();
    let r = tx.save_daily_report(None, &r).await.unwrap();
    tx.commit().await.unwrap();
    let stored = db.daily_report(tech, day).await.unwrap().unwrap();
    assert_eq!(stored.lines, r.lines);
    assert_eq!(stored.travel_km, Some(85.0));
    assert_eq!(stored.user_name, "tech 名");
    // A second first report of the same day: refused by the store.
    let mut tx = db.begin().await.unwrap();
    assert!(tx.save_daily_report(None, &r).await.is_err());
    drop(tx);
    let amended = submit(
        Some(&stored),
        tech,
        "tech",
        Role::Technician,
        day,
        &input,
        now,
    )
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    let amended = tx.save_daily_report(Some(&stored), &amended).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(amended.version, 2);
    let all = db.daily_reports(day).await.unwrap();
    assert_eq!(all.len(), 1);
    assert!(
        db.daily_reports(parse_day("2026-11-28").unwrap())
            .await
            .unwrap()
            .is_empty()
    );
}
// ---- end survey and daily report ----
// ---- Idempotency keys ----

fn reused_field(r: Result<Claim, Error>) -> Option<&'static str> {
    match r {
        Err(Error::Validation(f)) => f.get("Idempotency-Key").map(|p| p.code),
        other => panic!("not a validation error: {other:?}"),
    }
}

async fn idempotency_key_is_new_then_done_with_its_result(db: &Db) {
    let me = user(db, "tech", Role::Technician).await;
    let now = t("2026-06-01T08:00:00Z");
    let mut tx = db.begin().await.unwrap();
    let first = tx.claim_key(me, "k-1", "tickets.open", "fp", now).await;
    assert_eq!(first.unwrap(), Claim::New);
    tx.complete_key(me, "k-1", "42").await.unwrap();
    tx.commit().await.unwrap();
    for _ in 0..2 {
        let mut tx = db.begin().await.unwrap();
        let again = tx.claim_key(me, "k-1", "tickets.open", "fp", now).await;
        assert_eq!(again.unwrap(), Claim::Done("42".into()));
        tx.rollback().await.unwrap();
    }
    // Completing a key nobody claimed is the use case's mistake, not a silent success.
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        tx.complete_key(me, "never-claimed", "1").await,
        Err(Error::Internal(_))
    ));
}

async fn idempotency_key_with_another_request_is_reused_and_changes_nothing(db: &Db) {
    let me = user(db, "tech", Role::Technician).await;
    let now = t("2026-06-01T08:00:00Z");
    let mut tx = db.begin().await.unwrap();
    tx.claim_key(me, "k", "tickets.open", "fp-a", now)
        .await
        .unwrap();
    tx.complete_key(me, "k", "7").await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    let other_body = tx.claim_key(me, "k", "tickets.open", "fp-b", now).await;
    assert_eq!(reused_field(other_body), Some("reused"));
    // The refusal leaves the transaction usable (no aborted transaction on PostgreSQL).
    let other_scope = tx.claim_key(me, "k", "tickets.event", "fp-a", now).await;
    assert_eq!(reused_field(other_scope), Some("reused"));
    assert_eq!(
        tx.claim_key(me, "k2", "tickets.open", "fp-b", now)
            .await
            .unwrap(),
        Claim::New
    );
    tx.rollback().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    assert_eq!(
        tx.claim_key(me, "k", "tickets.open", "fp-a", now)
            .await
            .unwrap(),
        Claim::Done("7".into()),
        "the first request's result is untouched"
    );
}

async fn idempotency_key_claimed_in_a_rolled_back_transaction_is_not_kept(db: &Db) {
    let me = user(db, "tech", Role::Technician).await;
    let now = t("2026-06-01T08:00:00Z");
    let mut tx = db.begin().await.unwrap();
    assert_eq!(
        tx.claim_key(me, "k", "tickets.open", "fp", now)
            .await
            .unwrap(),
        Claim::New
    );
    tx.rollback().await.unwrap();
    // Dropped without commit (a crash in the middle of the work): nothing kept either.
    let mut tx = db.begin().await.unwrap();
    assert_eq!(
        tx.claim_key(me, "k", "tickets.open", "another", now)
            .await
            .unwrap(),
        Claim::New,
        "the key is free again, even for another request"
    );
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    assert_eq!(
        tx.claim_key(me, "k", "tickets.open", "fp", now)
            .await
            .unwrap(),
        Claim::New
    );
    tx.rollback().await.unwrap();
    assert_eq!(db.purge_keys(now + Duration::days(1)).await.unwrap(), 0);
}

async fn idempotency_keys_are_per_user_and_old_ones_are_purged(db: &Db) {
    let a = user(db, "tech_a", Role::Technician).await;
    let b = user(db, "tech_b", Role::Technician).await;
    let old = t("2026-06-01T08:00:00Z");
    let new = t("2026-06-08T09:00:00Z");
    let mut tx = db.begin().await.unwrap();
    for (who, key, at, result) in [(a, "k", old, "1"), (b, "k", new, "2"), (a, "k2", new, "3")] {
        assert_eq!(
            tx.claim_key(who, key, "tickets.open", "fp", at)
                .await
                .unwrap(),
            Claim::New,
            "one key per user: {key} of {who}"
        );
        tx.complete_key(who, key, result).await.unwrap();
    }
    tx.commit().await.unwrap();
    let cutoff = new - Duration::days(7);
    assert_eq!(db.purge_keys(cutoff).await.unwrap(), 1);
    assert_eq!(db.purge_keys(cutoff).await.unwrap(), 0);
    let mut tx = db.begin().await.unwrap();
    assert_eq!(
        tx.claim_key(a, "k", "tickets.open", "other", new)
            .await
            .unwrap(),
        Claim::New,
        "a purged key is new again"
    );
    assert_eq!(
        tx.claim_key(b, "k", "tickets.open", "fp", new)
            .await
            .unwrap(),
        Claim::Done("2".into())
    );
    tx.rollback().await.unwrap();
}
// ---- end idempotency keys ----

// ---- tools ----
mod tools_support {
    use super::*;
    use sanbao_domain::tools::{CheckoutInput, NewTool, Tool, ToolInput};

    pub fn now() -> DateTime<Utc> {
        t("2026-11-27T08:00:00Z")
    }

    pub fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    pub async fn register(db: &Db, by: UserId, code: &str, due: Option<&str>) -> Tool {
        let n = NewTool::parse(
            &ToolInput {
                asset_code: code.into(),
                name: "绝缘电阻测试仪".into(),
                calibration_interval_months: Some("12".into()),
                calibration_due_on: due.map(str::to_string),
                ..ToolInput::default()
            },
            by,
            Role::ServiceClerk,
            now(),
        )
        .unwrap();
        let mut tx = db.begin().await.unwrap();
        let tool = tx.insert_tool(&n).await.unwrap();
        tx.commit().await.unwrap();
        tool
    }

    /// A check-out as the use case writes it: the tool read in the transaction, the
    /// domain's decision, the tool and the check-out written together.
    pub async fn lend(
        db: &Db,
        tool: sanbao_domain::ToolId,
        clerk: UserId,
        holder: UserId,
        expected: &str,
    ) -> Result<(), Error> {
        let mut tx = db.begin().await?;
        let before = tx.tool(tool).await?.unwrap().tool;
        let h = tx.holder(holder).await?;
        let (after, n) = before.check_out(
            &CheckoutInput {
                holder_id: Some(holder),
                out_on: Some("2026-11-20".into()),
                expected_return_on: Some(expected.into()),
                ..CheckoutInput::default()
            },
            h.as_ref(),
            false,
            clerk,
            Role::ServiceClerk,
            today(),
            now(),
        )?;
        tx.update_tool(&before, &after).await?;
        tx.insert_checkout(&n).await?;
        tx.commit().await
    }
}

async fn a_tool_is_lent_once_at_a_time_even_to_two_clerks_at_once(db: &Db) {
    use sanbao_domain::tools::ToolStatus;
    use tools_support::*;
    let clerk_a = user(db, "clerk_a", Role::ServiceClerk).await;
    let clerk_b = user(db, "clerk_b", Role::ServiceClerk).await;
    let tech_a = user(db, "tech_a", Role::Technician).await;
    let tech_b = user(db, "tech_b", Role::Technician).await;
    let tool = register(db, clerk_a, "T-0001", Some("2027-06-01")).await;
    // The same identifier again is named.
    let n = sanbao_domain::tools::NewTool::parse(
        &sanbao_domain::tools::ToolInput {
            asset_code: "T-0001".into(),
            name: "万用表".into(),
            ..Default::default()
        },
        clerk_a,
        Role::ServiceClerk,
        now(),
    )
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    match tx.insert_tool(&n).await {
        Err(Error::Validation(f)) => assert!(f.get("asset_code").is_some(), "{f:?}"),
        other => panic!("expected asset_code taken, got {other:?}"),
    }
    tx.rollback().await.unwrap();

    // Two clerks lend the same tool at the same moment: one succeeds.
    let (a, b) = tokio::join!(
        lend(db, tool.id, clerk_a, tech_a, "2026-11-30"),
        lend(db, tool.id, clerk_b, tech_b, "2026-11-30"),
    );
    let won = [&a, &b].iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{a:?} {b:?}");
    for r in [&a, &b] {
        if let Err(e) = r {
            assert!(matches!(e, Error::Conflict(_)), "{e:?}");
        }
    }
    let v = db.tool(tool.id).await.unwrap().unwrap();
    assert_eq!(v.tool.status, ToolStatus::CheckedOut);
    assert_eq!(v.tool.version, 2);
    let open = v.open.clone().unwrap();
    assert!(open.holder_id == tech_a || open.holder_id == tech_b);

    // The store alone refuses a second open check-out, whatever the tool's row says.
    let mut tx = db.begin().await.unwrap();
    let again = sanbao_domain::tools::NewCheckout {
        tool_id: tool.id,
        holder_id: tech_b,
        job_id: None,
        purpose: None,
        out_on: today(),
        expected_return_on: today(),
        out_by: clerk_b,
        out_at: now(),
    };
    assert!(matches!(
        tx.insert_checkout(&again).await,
        Err(Error::Conflict(_))
    ));
    tx.rollback().await.unwrap();

    // Back in: closed once; then it may go out again.
    let (after, closed) = v
        .tool
        .check_in(
            &open,
            Some("good"),
            None,
            clerk_a,
            Role::ServiceClerk,
            now(),
        )
        .unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.update_tool(&v.tool, &after).await.unwrap();
    tx.close_checkout(&closed).await.unwrap();
    assert!(matches!(
        tx.close_checkout(&closed).await,
        Err(Error::Conflict(_))
    ));
    tx.commit().await.unwrap();
    lend(db, tool.id, clerk_b, tech_b, "2026-12-05")
        .await
        .unwrap();
    let (history, _) = db.tool_history(tool.id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].checkout.holder_id, tech_b);
    assert!(history[0].checkout.is_open());
    assert!(!history[1].checkout.is_open());
    assert_eq!(history[1].returned_by_name.as_deref(), Some("clerk_a 名"));
}

async fn tools_are_listed_by_holder_overdue_and_calibration_due_and_the_sweep_claims_each_once(
    db: &Db,
) {
    use sanbao_domain::tools::{ToolFilter, calibration_window_end};
    use tools_support::*;
    let clerk = user(db, "clerk_a", Role::ServiceClerk).await;
    let tech = user(db, "tech_a", Role::Technician).await;
    let late = register(db, clerk, "T-0001", Some("2027-06-01")).await;
    let soon = register(db, clerk, "T-0002", Some("2026-12-05")).await;
    let fine = register(db, clerk, "T-0003", None).await;
    lend(db, late.id, clerk, tech, "2026-11-26").await.unwrap();
    lend(db, fine.id, clerk, tech, "2026-11-27").await.unwrap();
    let end = calibration_window_end(today());
    let codes = |v: Vec<sanbao_domain::tools::ToolView>| {
        v.into_iter().map(|t| t.tool.asset_code).collect::<Vec<_>>()
    };
    let list = |f: ToolFilter| async move { codes(db.tools(&f, today(), end, 50).await.unwrap()) };
    assert_eq!(
        list(ToolFilter::default()).await,
        ["T-0001", "T-0002", "T-0003"]
    );
    assert_eq!(
        list(ToolFilter {
            holder: Some(tech),
            ..ToolFilter::default()
        })
        .await,
        ["T-0001", "T-0003"]
    );
    assert_eq!(
        list(ToolFilter {
            overdue: true,
            ..ToolFilter::default()
        })
        .await,
        ["T-0001"]
    );
    assert_eq!(
        list(ToolFilter {
            calibration_due: true,
            ..ToolFilter::default()
        })
        .await,
        ["T-0002"]
    );
    assert_eq!(
        list(ToolFilter {
            checked_out: true,
            ..ToolFilter::default()
        })
        .await,
        ["T-0001", "T-0003"]
    );

    // A tool already sent for calibration is not warned of.
    let sent = register(db, clerk, "T-0004", Some("2026-12-01")).await;
    let mut away = sent.clone();
    away.status = sanbao_domain::tools::ToolStatus::InCalibration;
    away.version = 2;
    let mut tx = db.begin().await.unwrap();
    tx.update_tool(&sent, &away).await.unwrap();
    tx.commit().await.unwrap();

    // The sweep's claims: each occasion once, and none again once marked.
    let mut tx = db.begin().await.unwrap();
    let overdue = tx.claim_overdue_tools(today(), 10).await.unwrap();
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].tool_id, late.id);
    assert_eq!(overdue[0].holder_id, tech);
    assert!(
        tx.mark_overdue_notified(overdue[0].checkout_id, now())
            .await
            .unwrap()
    );
    assert!(
        !tx.mark_overdue_notified(overdue[0].checkout_id, now())
            .await
            .unwrap()
    );
    let due = tx.claim_calibrations_due(end, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].tool_id, due[0].due_on.to_string().as_str()),
        (soon.id, "2026-12-05")
    );
    assert!(
        tx.mark_calibration_warned(soon.id, due[0].due_on)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    assert!(
        tx.claim_overdue_tools(today(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(tx.claim_calibrations_due(end, 10).await.unwrap().is_empty());
    tx.rollback().await.unwrap();
    // A new due date is a new occasion; the tool's version is not touched by the marks.
    let v = db.tool(soon.id).await.unwrap().unwrap().tool;
    assert_eq!(v.version, 1);
    let mut moved = v.clone();
    moved.calibration_due_on = chrono::NaiveDate::from_ymd_opt(2026, 12, 10);
    moved.version = 2;
    let mut tx = db.begin().await.unwrap();
    tx.update_tool(&v, &moved).await.unwrap();
    // A stale write is refused.
    assert!(matches!(
        tx.update_tool(&v, &moved).await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(tx.claim_calibrations_due(end, 10).await.unwrap().len(), 1);
    tx.commit().await.unwrap();
}
// ---- end tools ----
// ---- parts core (issue 9) ----

async fn a_part(db: &Db, code: &str, serialised: bool) -> sanbao_domain::parts::Part {
    use sanbao_domain::parts::{PartFields, PartInput};
    let f = PartFields::parse(&PartInput {
        code: Some(code.into()),
        name: Some(format!("{code} 名")),
        unit: Some("个".into()),
        unit_cost_fen: Some(10_000),
        list_price_fen: Some(15_000),
        serialised: Some(serialised),
        models: Some("KYN28 XGN15".into()),
        reorder_level: Some(3),
        ..PartInput::default()
    })
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    let p = tx.insert_part(&f, t("2026-11-27T00:00:00Z")).await.unwrap();
    tx.commit().await.unwrap();
    p
}

async fn receive_into_store(db: &Db, by: UserId, part: sanbao_domain::PartId, n: i64) {
    use sanbao_domain::parts::{LocationKind, ReceiveInput, receive};
    let mut tx = db.begin().await.unwrap();
    let store = tx.location_of_kind(LocationKind::Store).await.unwrap();
    let m = receive(
        &ReceiveInput {
            part_id: Some(part),
            quantity: Some(n),
            note: None,
        },
        store,
        by,
        t("2026-11-27T01:00:00Z"),
    )
    .unwrap();
    tx.apply_move(&m).await.unwrap();
    tx.commit().await.unwrap();
}

/// A requisition approved for `holder`'s van, for `job` when given.
async fn approved_requisition(
    db: &Db,
    holder: UserId,
    manager: UserId,
    part: &sanbao_domain::parts::Part,
    n: i64,
    job: Option<&sanbao_domain::field::Job>,
) -> sanbao_domain::parts::Requisition {
    use sanbao_domain::parts::{LineInput, NewRequisition, RequisitionInput};
    let new = NewRequisition::parse(
        &RequisitionInput {
            job_id: job.map(|j| j.id),
            lines: vec![LineInput {
                part_id: Some(part.id),
                quantity: Some(n),
            }],
            ..RequisitionInput::default()
        },
        std::slice::from_ref(part),
        job,
        Some(Role::Technician),
        holder,
        Role::Technician,
        t("2026-11-27T02:00:00Z"),
    )
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    let r = tx.insert_requisition(&new).await.unwrap();
    let a = r
        .approve(
            None,
            manager,
            Role::ServiceManager,
            t("2026-11-27T02:10:00Z"),
        )
        .unwrap();
    tx.update_requisition(&r, &a).await.unwrap();
    tx.commit().await.unwrap();
    a
}

/// Issue `r` in one transaction, as the store does.
async fn issue_it(
    db: &Db,
    r: &sanbao_domain::parts::Requisition,
    clerk: UserId,
) -> Result<(), Error> {
    use sanbao_domain::parts::LocationKind;
    let now = t("2026-11-27T02:20:00Z");
    let mut tx = db.begin().await?;
    let store = tx.location_of_kind(LocationKind::Store).await?;
    let van = tx.van_of(r.holder, "van", now).await?;
    let (after, moves) = r.issue(store, van, clerk, Role::ServiceClerk, now)?;
    for m in &moves {
        tx.apply_move(m).await?;
    }
    tx.update_requisition(r, &after).await?;
    tx.commit().await
}

async fn parts_move_between_buckets_and_a_job_reconciles(db: &Db) {
    use sanbao_domain::parts::{
        Held, LedgerFilter, PartFilter, Reconciliation, ReturnInput, UseInput, return_to_store,
        use_on_job,
    };
    let clerk = user(db, "clerk", Role::ServiceClerk).await;
    let manager = user(db, "manager", Role::ServiceManager).await;
    let tech = user(db, "tech", Role::Technician).await;
    let c = customer(db, clerk, "桐庐水厂", "浙江省杭州市桐庐县城南街道").await;
    let mut job = job_on_trip(
        db,
        clerk,
        c,
        tech,
        "2026-11-27T09:00:00+08:00",
        "2026-11-27T10:00:00+08:00",
    )
    .await;
    let p = a_part(db, "VCB-1", false).await;
    let found = db
        .parts(
            &PartFilter {
                model: Some("XGN15".into()),
                ..PartFilter::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].models, vec!["KYN28", "XGN15"]);
    assert_eq!(db.below_reorder(10).await.unwrap()[0].on_hand, 0);
    receive_into_store(db, clerk, p.id, 10).await;
    assert!(db.below_reorder(10).await.unwrap().is_empty());

    let r = approved_requisition(db, tech, manager, &p, 4, Some(&job)).await;
    issue_it(db, &r, clerk).await.unwrap();
    assert!(issue_it(db, &r, clerk).await.is_err(), "issued once");
    let held = db.holdings(tech).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!((held[0].job_id, held[0].on_hand), (Some(job.id), 4));
    assert_eq!(db.held_for_job(job.id).await.unwrap()[0].on_hand, 4);

    // Fit 3, return 1: settled.
    job.status = sanbao_domain::field::JobStatus::OnSite;
    let now = t("2026-11-27T03:00:00Z");
    let mut tx = db.begin().await.unwrap();
    let van = tx.van_of(tech, "van", now).await.unwrap();
    let h = tx.held(p.id, van, job.id).await.unwrap();
    assert_eq!(
        h,
        Held {
            for_job: 4,
            van_stock: 0
        }
    );
    for m in use_on_job(
        &UseInput {
            part_id: Some(p.id),
            quantity: Some(3),
            ..UseInput::default()
        },
        Some(&p),
        &job,
        van,
        h,
        tech,
        Role::Technician,
        now,
    )
    .unwrap()
    {
        tx.apply_move(&m).await.unwrap();
    }
    let store = tx
        .location_of_kind(sanbao_domain::parts::LocationKind::Store)
        .await
        .unwrap();
    let back = return_to_store(
        &ReturnInput {
            part_id: Some(p.id),
            quantity: Some(2),
            job_id: Some(job.id),
            note: None,
        },
        van,
        store,
        tech,
        now,
    )
    .unwrap();
    // Only 1 is left for the job: refused, nothing written.
    let e = tx.apply_move(&back).await.unwrap_err();
    assert!(
        matches!(e, Error::Validation(ref f) if f.get("quantity").is_some()),
        "{e:?}"
    );
    tx.rollback().await.unwrap();
    assert_eq!(
        db.held_for_job(job.id).await.unwrap()[0].on_hand,
        4,
        "rolled back"
    );

    let mut tx = db.begin().await.unwrap();
    for m in use_on_job(
        &UseInput {
            part_id: Some(p.id),
            quantity: Some(3),
            ..UseInput::default()
        },
        Some(&p),
        &job,
        van,
        h,
        tech,
        Role::Technician,
        now,
    )
    .unwrap()
    {
        tx.apply_move(&m).await.unwrap();
    }
    let mut one = back.clone();
    one.quantity = 1;
    tx.apply_move(&one).await.unwrap();
    let moves = tx.job_moves(job.id).await.unwrap();
    tx.commit().await.unwrap();
    let rec = Reconciliation::of(job.id, &moves);
    assert_eq!(
        (
            rec.lines[0].issued,
            rec.lines[0].used,
            rec.lines[0].returned
        ),
        (4, 3, 1)
    );
    assert!(rec.require_settled().is_ok());
    assert!(db.held_for_job(job.id).await.unwrap().is_empty());
    let used = db.parts_used_on_job(job.id).await.unwrap();
    assert_eq!(used.len(), 1);
    assert_eq!(
        (
            used[0].quantity,
            used[0].unit_cost_fen,
            used[0].list_price_fen
        ),
        (3, 10_000, 15_000)
    );
    let store_stock = db.stock_at(store).await.unwrap();
    assert_eq!(store_stock[0].on_hand, 7, "10 received, 4 issued, 1 back");
    let ledger = db.ledger(&LedgerFilter::default(), 10, None).await.unwrap();
    assert_eq!(ledger.len(), 4, "receive, issue, use, return");
    assert_eq!(ledger[0].part_code, "VCB-1");
    assert!(ledger.iter().all(|m| m.reversed_by.is_none()));
    assert_eq!(db.job_ledger(job.id).await.unwrap().len(), 3);
    let rs = db
        .requisitions(&sanbao_domain::parts::RequisitionFilter::default(), 10)
        .await
        .unwrap();
    assert_eq!(rs[0].lines[0].in_store, 7);
    assert_eq!(rs[0].holder_name, "tech 名");
}

async fn two_issues_of_the_last_piece_at_once_one_succeeds_and_stock_never_goes_negative(db: &Db) {
    use sanbao_domain::parts::LocationKind;
    let clerk = user(db, "clerk", Role::ServiceClerk).await;
    let manager = user(db, "manager", Role::ServiceManager).await;
    let a = user(db, "tech_a", Role::Technician).await;
    let b = user(db, "tech_b", Role::Technician).await;
    let p = a_part(db, "FUSE-1", false).await;
    receive_into_store(db, clerk, p.id, 1).await;
    let ra = approved_requisition(db, a, manager, &p, 1, None).await;
    let rb = approved_requisition(db, b, manager, &p, 1, None).await;
    let (x, y) = tokio::join!(issue_it(db, &ra, clerk), issue_it(db, &rb, clerk));
    let oks = [x.is_ok(), y.is_ok()].iter().filter(|ok| **ok).count();
    assert_eq!(oks, 1, "{x:?} {y:?}");
    let e = x.err().or(y.err()).unwrap();
    assert!(
        matches!(e, Error::Validation(ref f) if f.get("quantity").is_some()),
        "a clear error naming the quantity: {e:?}"
    );
    let mut tx = db.begin().await.unwrap();
    let store = tx.location_of_kind(LocationKind::Store).await.unwrap();
    tx.rollback().await.unwrap();
    assert!(
        db.stock_at(store).await.unwrap().is_empty(),
        "0 left, not -1"
    );
    let vans = db.holdings(a).await.unwrap().len() + db.holdings(b).await.unwrap().len();
    assert_eq!(vans, 1, "one van has it");
}

async fn a_serial_number_is_fitted_once_until_its_fitting_is_reversed(db: &Db) {
    use sanbao_domain::parts::{UseInput, reverse, use_on_job};
    let clerk = user(db, "clerk", Role::ServiceClerk).await;
    let manager = user(db, "manager", Role::ServiceManager).await;
    let tech = user(db, "tech", Role::Technician).await;
    let c = customer(db, clerk, "桐庐水厂", "浙江省杭州市桐庐县城南街道").await;
    let mut job = job_on_trip(
        db,
        clerk,
        c,
        tech,
        "2026-11-27T09:00:00+08:00",
        "2026-11-27T10:00:00+08:00",
    )
    .await;
    job.status = sanbao_domain::field::JobStatus::OnSite;
    let p = a_part(db, "RELAY-1", true).await;
    receive_into_store(db, clerk, p.id, 3).await;
    let r = approved_requisition(db, tech, manager, &p, 3, Some(&job)).await;
    issue_it(db, &r, clerk).await.unwrap();
    let now = t("2026-11-27T03:00:00Z");
    let fit = |serial: &'static str, held| {
        use_on_job(
            &UseInput {
                part_id: Some(p.id),
                quantity: Some(1),
                serial: Some(serial.into()),
                faulty_serial: Some("OLD".into()),
                note: None,
            },
            Some(&p),
            &job,
            sanbao_domain::LocationId(0),
            held,
            tech,
            Role::Technician,
            now,
        )
    };
    let mut tx = db.begin().await.unwrap();
    let van = tx.van_of(tech, "van", now).await.unwrap();
    let held = tx.held(p.id, van, job.id).await.unwrap();
    let mut m = fit("SN-1", held).unwrap().remove(0);
    m.from = Some(sanbao_domain::parts::Bucket::for_job(van, job.id));
    let first = tx.apply_move(&m).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = db.begin().await.unwrap();
    let e = tx.apply_move(&m).await.unwrap_err();
    assert!(
        matches!(e, Error::Validation(ref f) if f.get("serial").is_some()),
        "{e:?}"
    );
    tx.rollback().await.unwrap();

    // Reversed, the serial may be fitted again; a row is reversed once.
    let mut tx = db.begin().await.unwrap();
    let (orig, reversed) = tx.ledger_row(first.id).await.unwrap().unwrap();
    assert!(!reversed);
    let undo = reverse(
        &orig,
        reversed,
        Some("记错"),
        Role::ServiceManager,
        manager,
        now,
    )
    .unwrap();
    tx.apply_move(&undo).await.unwrap();
    assert!(matches!(
        tx.apply_move(&undo).await,
        Err(Error::Conflict(_))
    ));
    tx.rollback().await.unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.apply_move(&undo).await.unwrap();
    assert!(tx.ledger_row(first.id).await.unwrap().unwrap().1);
    tx.apply_move(&m).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.parts_used_on_job(job.id).await.unwrap()[0].quantity, 1);
    assert_eq!(
        db.unit_parts(sanbao_domain::UnitId(0), 10)
            .await
            .unwrap()
            .len(),
        0
    );
}
// ---- end parts core ----
// ---- settlement (issue 9, part 5) ----
async fn rates_and_quotations_are_written_on_their_version_and_months_find_jobs_by_first_arrival(
    db: &Db,
) {
    use sanbao_domain::field::JobStatus;
    use sanbao_domain::settlement::{
        AnswerInput, NewQuote, QuoteInput, QuotePartInput, QuoteStatus, Rates,
    };
    use sanbao_domain::time::Month;
    let clerk = user(db, "clerk", Role::ServiceClerk).await;
    let tech = user(db, "tech", Role::Technician).await;
    let c = customer(db, clerk, "甲", "杭州市滨江区江南大道1号").await;
    let now = t("2026-11-27T10:00:00+08:00");
    // Rates: none stored, then version 1, then a stale write is refused.
    assert_eq!(db.rates().await.unwrap(), None);
    let r = Rates {
        labour_fen_per_hour: 20_000,
        travel_fen_per_km: 250,
        call_out_fen: 3_000,
    };
    let mut tx = db.begin().await.unwrap();
    assert_eq!(tx.save_rates(0, &r, clerk, now).await.unwrap(), 1);
    tx.commit().await.unwrap();
    let stored = db.rates().await.unwrap().unwrap();
    assert_eq!((stored.rates, stored.version), (r, 1));
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        tx.save_rates(0, &r, clerk, now).await,
        Err(Error::Conflict(_))
    ));
    drop(tx);
    // A quotation with its lines, answered once.
    let job = job_on_trip(
        db,
        clerk,
        c,
        tech,
        "2026-11-27T08:30:00+08:00",
        "2026-11-27T09:10:00+08:00",
    )
    .await;
    assert_eq!(job.status, JobStatus::Submitted);
    let input = QuoteInput {
        parts: vec![QuotePartInput {
            description: Some("QF-1 断路器".into()),
            quantity: Some(2),
            unit_price_fen: Some(12_000),
        }],
        labour_hours: Some(1.5),
        travel_km: Some(20.0),
        trips: Some(1),
        note: Some("三日内有效".into()),
    };
    let nq = NewQuote::parse(&job, &input, r, clerk, now).unwrap();
    let mut tx = db.begin().await.unwrap();
    let q = tx.insert_quote(&nq).await.unwrap();
    tx.commit().await.unwrap();
    let back = db.quote(q.id).await.unwrap().unwrap();
    assert_eq!(back, q);
    assert_eq!(back.lines.len(), 4);
    assert_eq!(back.total_fen, 24_000 + 30_000 + 5_000 + 3_000);
    let yes = AnswerInput {
        by_name: Some("王工".into()),
        method: Some("signature".into()),
        note: None,
    };
    let accepted = back.answer(true, &yes, clerk, now).unwrap();
    let mut tx = db.begin().await.unwrap();
    let written = tx.answer_quote(&back, &accepted).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(written.version, 2);
    let again = db.quote(q.id).await.unwrap().unwrap();
    assert_eq!(again, written);
    assert_eq!(again.status, QuoteStatus::Accepted);
    // A second answer from the same stale read changes nothing.
    let refused = back.answer(false, &yes, clerk, now).unwrap();
    let mut tx = db.begin().await.unwrap();
    assert!(matches!(
        tx.answer_quote(&back, &refused).await,
        Err(Error::Conflict(_))
    ));
    drop(tx);
    assert_eq!(db.quotes_of_job(job.id).await.unwrap(), vec![written]);
    // The month of a job is the month of its first arrival (company time).
    let nov = Month::parse("2026-11").unwrap();
    assert_eq!(
        db.jobs_begun_between(nov.start(), nov.end()).await.unwrap(),
        vec![job.id]
    );
    let dec = nov.next();
    assert!(
        db.jobs_begun_between(dec.start(), dec.end())
            .await
            .unwrap()
            .is_empty()
    );
    // The same reads for many jobs at once agree with those of one (and skip what is not).
    let many = db
        .jobs_by_ids(&[job.id, sanbao_domain::JobId(999_999)])
        .await
        .unwrap();
    assert_eq!(many, vec![db.job(job.id).await.unwrap().unwrap()]);
    assert_eq!(
        db.forms_of_jobs(&[job.id]).await.unwrap(),
        db.forms_of_job(job.id).await.unwrap()
    );
    assert_eq!(
        db.quotes_of_jobs(&[job.id, sanbao_domain::JobId(999_999)])
            .await
            .unwrap(),
        db.quotes_of_job(job.id).await.unwrap()
    );
    assert_eq!(
        db.parts_used_on_jobs(&[job.id])
            .await
            .unwrap()
            .remove(&job.id)
            .unwrap_or_default(),
        db.parts_used_on_job(job.id).await.unwrap()
    );
    if let Some(u) = job.unit_id {
        assert_eq!(
            db.units_by_ids(&[u]).await.unwrap(),
            vec![db.unit(u).await.unwrap().unwrap()]
        );
    }
    let names = db.customer_names_of(&[job.customer_id]).await.unwrap();
    assert!(!names[&job.customer_id].is_empty());
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert!(
        db.daily_reports_between(day("2026-11-01"), day("2026-11-30"))
            .await
            .unwrap()
            .iter()
            .all(|r| r.day.to_string().starts_with("2026-11"))
    );
    // The monthly report reads the same jobs with their type, customer and start.
    let facts = db
        .job_facts_begun_between(nov.start(), nov.end())
        .await
        .unwrap();
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0].job_id, job.id);
    assert_eq!(facts[0].job_type, job.job_type);
    assert_eq!(facts[0].customer_id, job.customer_id);
    assert!(!facts[0].customer_name.is_empty());
    assert!(facts[0].began_at >= nov.start() && facts[0].began_at < nov.end());
    assert!(
        db.job_facts_begun_between(dec.start(), dec.end())
            .await
            .unwrap()
            .is_empty()
    );
}
// ---- end settlement ----

// ---- follow-ups ----
async fn follow_ups_are_written_listed_linked_once_and_months_close_once(db: &Db) {
    use sanbao_domain::followup::{Closing, FollowUpInput, NewFollowUp, month_status};
    use sanbao_domain::time::Month;
    use sanbao_store::FollowUpFilter;
    let clerk = user(db, "fu_clerk", Role::ServiceClerk).await;
    let sa = user(db, "fu_sa", Role::Salesperson).await;
    let sb = user(db, "fu_sb", Role::Salesperson).await;
    let c = customer(db, clerk, "钱江电力", "浙江省杭州市西湖区文三路1号").await;
    // The salesperson assigned, then changed mid-March: the database keeps who held it.
    let mut f = customer_fields("钱江电力", "浙江省杭州市西湖区文三路1号", "0571-8888 6666");
    f.salesperson_id = Some(sa);
    let v = db.customer(c).await.unwrap().unwrap().version;
    update_customer(db, c, v, &f, None, clerk, t("2026-02-01T00:00:00Z"))
        .await
        .unwrap();
    f.salesperson_id = Some(sb);
    let v = db.customer(c).await.unwrap().unwrap().version;
    update_customer(db, c, v, &f, None, clerk, t("2026-03-15T00:00:00Z"))
        .await
        .unwrap();
    let held = db.customer_holdings().await.unwrap();
    let mine = held.iter().find(|h| h.customer_id == c).unwrap();
    assert_eq!(
        mine.salespeople.iter().map(|(_, s)| *s).collect::<Vec<_>>(),
        vec![None, Some(sa), Some(sb)]
    );
    let march = Month::parse("2026-03").unwrap();
    // A follow-up recorded by the first salesperson before the change.
    let n = NewFollowUp::parse(
        &FollowUpInput {
            customer_id: Some(c),
            date: Some("2026-03-05".into()),
            method: Some("visit".into()),
            remarks: Some("2号柜有异响".into()),
            remark_class: Some("quality".into()),
            ..FollowUpInput::default()
        },
        sa,
        |_| false,
        t("2026-03-05T06:00:00Z"),
    )
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    let fu = tx.insert_follow_up(&n).await.unwrap();
    tx.commit().await.unwrap();
    let got = db.follow_up(fu.id).await.unwrap().unwrap();
    assert_eq!(got.follow_up, fu);
    assert_eq!(got.customer_name, "钱江电力");
    let filter = |m: &str, s: Option<UserId>| FollowUpFilter {
        month: Some(Month::parse(m).unwrap()),
        salesperson: s,
        customer: None,
    };
    assert_eq!(
        db.follow_ups(&filter("2026-03", Some(sb)), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        db.follow_ups(&filter("2026-03", Some(sa)), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        db.follow_ups(&filter("2026-04", None), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let dates = db.follow_up_dates(march).await.unwrap();
    let s = month_status(&held, &dates, march, t("2026-04-02T00:00:00Z"));
    let o = s.iter().find(|o| o.customer_id == c).unwrap();
    assert_eq!((o.salesperson_id, o.done), (Some(sb), 1));

    // The remark's ticket is linked once.
    let tk = ticket(
        db,
        clerk,
        c,
        TicketKind::ComplaintQuality,
        "2026-03-05T07:00:00Z",
    )
    .await;
    let mut tx = db.begin().await.unwrap();
    tx.link_follow_up_ticket(fu.id, tk).await.unwrap();
    assert!(matches!(
        tx.link_follow_up_ticket(fu.id, tk).await,
        Err(Error::Conflict(_))
    ));
    tx.commit().await.unwrap();
    assert_eq!(
        db.follow_up(fu.id)
            .await
            .unwrap()
            .unwrap()
            .follow_up
            .ticket_id,
        Some(tk)
    );

    // A month closes once; a salesperson is reminded once a month.
    let k = Closing {
        month: march.to_string(),
        closed_by: clerk,
        closed_at: t("2026-04-02T00:00:00Z"),
        owed: 1,
        done: 1,
    };
    let mut tx = db.begin().await.unwrap();
    tx.insert_follow_up_closing(&k).await.unwrap();
    assert!(matches!(
        tx.insert_follow_up_closing(&k).await,
        Err(Error::Conflict(_))
    ));
    let when = t("2026-03-25T01:00:00Z");
    assert!(tx.mark_follow_up_reminded(march, sb, when).await.unwrap());
    assert!(!tx.mark_follow_up_reminded(march, sb, when).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(db.follow_up_closing(march).await.unwrap(), Some(k));
    assert_eq!(db.follow_up_closing(march.next()).await.unwrap(), None);
}
// ---- end follow-ups ----
// ---- campaigns ----
/// Answer the target of `hash` as the link does: read it in the transaction, check the
/// link, write the response on its version.
async fn answer_campaign_link(
    db: &Db,
    campaign: &sanbao_domain::campaign::Campaign,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    use sanbao_domain::campaign::{LinkState, Response, ResponseInput};
    let mut tx = db.begin().await?;
    let before = tx
        .campaign_target_by_token(hash)
        .await?
        .ok_or(Error::NotFound("target"))?;
    if before.link_state(campaign, hash, now) != LinkState::Open {
        return Err(Error::Conflict("used".into()));
    }
    let input = ResponseInput {
        answers: [("q1".to_string(), "4".to_string())].into(),
        suggestions: Some("更快的备件".into()),
        ..ResponseInput::default()
    };
    let r = Response::parse(campaign, &input, None, now.date_naive(), now)?;
    let after = before.answered(campaign, r)?;
    tx.update_campaign_target(&before, &after).await?;
    tx.commit().await
}

async fn a_campaign_is_launched_with_its_targets_and_a_link_is_answered_once_of_two_at_once(
    db: &Db,
) {
    use sanbao_domain::campaign::{
        Campaign, CampaignFields, CampaignInput, CampaignStatus, QuestionInput,
    };
    use sanbao_store::NewTarget;
    let now = t("2026-03-01T02:00:00Z");
    let m = user(db, "cm_mgr", Role::ServiceManager).await;
    let a = customer(db, m, "甲公司", "杭州市西湖区文三路1号").await;
    let b = customer(db, m, "乙公司", "宁波市鄞州区1号").await;
    let fields = CampaignFields::parse(&CampaignInput {
        year: Some(2026),
        name: "2026 年度走访".into(),
        channels: vec!["visit".into(), "questionnaire".into()],
        regions: vec!["zhejiang".into()],
        questions: vec![QuestionInput {
            kind: "rating".into(),
            label: "质量".into(),
            options: vec![],
        }],
        ..CampaignInput::default()
    })
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    let c = tx
        .insert_campaign(&Campaign::new(fields, m, now))
        .await
        .unwrap();
    let cands = tx.campaign_candidates().await.unwrap();
    let targets = c.fields.targeting.targets(&cands);
    assert_eq!(targets, vec![b], "only the Zhejiang customer");
    let launched = c.launched(targets.len(), now).unwrap();
    let launched = tx.update_campaign(&c, &launched).await.unwrap();
    tx.insert_campaign_targets(
        c.id,
        &[NewTarget {
            customer_id: b,
            region: Region::Zhejiang,
            assignee_id: Some(m),
        }],
    )
    .await
    .unwrap();
    // A stale write of the campaign changes nothing.
    assert!(matches!(
        tx.update_campaign(&c, &launched).await,
        Err(Error::Conflict(_))
    ));
    tx.commit().await.unwrap();
    let _ = a;
    let got = db.campaign(c.id).await.unwrap().unwrap();
    assert_eq!(got.status, CampaignStatus::Running);
    assert_eq!(got.fields, launched.fields);
    assert_eq!(db.campaigns().await.unwrap().len(), 1);

    let mut tx = db.begin().await.unwrap();
    let target = tx.campaign_target(c.id, b).await.unwrap().unwrap();
    assert_eq!(target.customer_name, "乙公司");
    let issued = target.link_issued(&got, "hash-1".into(), now).unwrap();
    tx.update_campaign_target(&target, &issued).await.unwrap();
    tx.commit().await.unwrap();

    let (x, y) = tokio::join!(
        answer_campaign_link(db, &got, "hash-1", now),
        answer_campaign_link(db, &got, "hash-1", now)
    );
    assert_eq!(
        [x.is_ok(), y.is_ok()].iter().filter(|ok| **ok).count(),
        1,
        "one of two answers at once is kept: {x:?} {y:?}"
    );
    let targets = db.campaign_targets(c.id).await.unwrap();
    assert_eq!(targets.len(), 1);
    let r = targets[0].response.as_ref().unwrap();
    assert_eq!(r.suggestions.as_deref(), Some("更快的备件"));
    assert_eq!(r.recorded_by, None);
    assert!(
        db.campaign_target_by_token("hash-1")
            .await
            .unwrap()
            .is_some()
    );
    assert!(matches!(
        answer_campaign_link(db, &got, "hash-1", now).await,
        Err(Error::Conflict(_))
    ));
}
// ---- end campaigns ----
// ---- campaigns 2 ----
async fn a_campaign_is_closed_once_and_its_targets_are_read_in_the_closing_transaction(db: &Db) {
    use sanbao_domain::campaign::{
        Campaign, CampaignFields, CampaignInput, CampaignStatus, QuestionInput,
    };
    use sanbao_store::NewTarget;
    let now = t("2026-11-27T02:00:00Z");
    let m = user(db, "cc_mgr", Role::ServiceManager).await;
    let a = customer(db, m, "丙公司", "杭州市西湖区文三路2号").await;
    let b = customer(db, m, "丁公司", "宁波市鄞州区2号").await;
    let fields = CampaignFields::parse(&CampaignInput {
        year: Some(2026),
        name: "2026 年度走访".into(),
        channels: vec!["visit".into()],
        questions: vec![QuestionInput {
            kind: "rating".into(),
            label: "质量".into(),
            options: vec![],
        }],
        ..CampaignInput::default()
    })
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    let c = tx
        .insert_campaign(&Campaign::new(fields, m, now))
        .await
        .unwrap();
    let running = tx
        .update_campaign(&c, &c.launched(2, now).unwrap())
        .await
        .unwrap();
    let targets: Vec<NewTarget> = [(a, Region::HangzhouUrban), (b, Region::Zhejiang)]
        .into_iter()
        .map(|(customer_id, region)| NewTarget {
            customer_id,
            region,
            assignee_id: Some(m),
        })
        .collect();
    tx.insert_campaign_targets(c.id, &targets).await.unwrap();
    // Read in the same transaction, by customer name.
    let seen = tx.campaign_targets(c.id).await.unwrap();
    assert_eq!(
        seen.iter().map(|t| t.customer_id).collect::<Vec<_>>(),
        vec![b, a]
    );
    tx.commit().await.unwrap();

    let later = now + chrono::Duration::hours(3);
    let mut tx = db.begin().await.unwrap();
    let closed = tx
        .update_campaign(&running, &running.closed(later).unwrap())
        .await
        .unwrap();
    // The same read closing again changes nothing.
    assert!(matches!(
        tx.update_campaign(&running, &running.closed(later).unwrap())
            .await,
        Err(Error::Conflict(_))
    ));
    tx.commit().await.unwrap();
    let got = db.campaign(c.id).await.unwrap().unwrap();
    assert_eq!(got.status, CampaignStatus::Closed);
    assert_eq!(got.version, closed.version);
    assert_eq!(got.updated_at, later);
    assert_eq!(got.launched_at, running.launched_at);
    assert!(got.closed(later).is_err(), "closed once");
}
// ---- end campaigns 2 ----
// ---- training ----
async fn training_sessions_keep_attendees_and_materials_and_documents_number_their_versions(
    db: &Db,
) {
    use sanbao_domain::documents::{DocumentInput, NewDocument, NewVersion, VersionInput};
    use sanbao_domain::training::{NewSession, SessionInput, Topic};
    let now = t("2026-11-27T02:00:00Z");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    let manager = user(db, "mgr_t", Role::ServiceManager).await;
    let tech = user(db, "tech_t", Role::Technician).await;
    model(db, "KYN28").await;
    let doc = |kind: &str, code: &str, model: Option<&str>| DocumentInput {
        kind: kind.into(),
        code: code.into(),
        title: format!("{code} 标题"),
        model_code: model.map(str::to_string),
    };
    let mut tx = db.begin().await.unwrap();
    let manual = tx
        .insert_document(
            &NewDocument::parse(
                &doc("product_manual", "SM-KYN28", Some("KYN28")),
                manager,
                now,
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let spec = tx
        .insert_document(
            &NewDocument::parse(&doc("technical_specification", "TS-01", None), manager, now)
                .unwrap(),
        )
        .await
        .unwrap();
    for (label, on) in [("A", "2026-01-01"), ("B", "2027-01-01")] {
        let v = NewVersion::parse(
            &VersionInput {
                label: label.into(),
                effective_on: on.into(),
                file_name: "m.pdf".into(),
            },
            b"%PDF-1.4 test".to_vec(),
            manager,
            now,
        )
        .unwrap();
        tx.insert_version(manual, &v).await.unwrap();
    }
    tx.commit().await.unwrap();
    // A code already used, a model that does not exist: named by their fields.
    let mut tx = db.begin().await.unwrap();
    let taken = tx
        .insert_document(&NewDocument::parse(&doc("other", "TS-01", None), manager, now).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(taken, Error::Validation(f) if f.get("code").is_some()));
    drop(tx);
    let mut tx = db.begin().await.unwrap();
    let no_model = tx
        .insert_document(
            &NewDocument::parse(&doc("product_manual", "SM-X", Some("NOPE")), manager, now)
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert!(matches!(no_model, Error::Validation(f) if f.get("model_code").is_some()));
    drop(tx);

    let view = db.document(manual).await.unwrap().unwrap();
    assert_eq!(
        view.versions.iter().map(|v| v.n).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(view.current_on(today).unwrap().label, "A");
    let bytes = db
        .document_file(view.versions[0].file_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bytes, b"%PDF-1.4 test");
    assert_eq!(db.documents(Some("KYN28"), false).await.unwrap().len(), 1);
    assert_eq!(db.documents(None, false).await.unwrap().len(), 2);

    let input = SessionInput {
        audience: "staff".into(),
        topic: "technical_specification".into(),
        held_on: "2026-11-20".into(),
        trainer: "张经理".into(),
        place: "会议室".into(),
        duration_minutes: "120".into(),
        attendee_ids: vec![tech.0],
        document_ids: vec![spec.0],
        ..SessionInput::default()
    };
    let mut tx = db.begin().await.unwrap();
    let id = tx
        .insert_session(&NewSession::parse(&input, today, manager, now).unwrap())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let s = db.training_session(id).await.unwrap().unwrap();
    assert_eq!(s.attendees.len(), 1);
    assert_eq!(s.attendees[0].user_id, Some(tech));
    assert_eq!(s.materials[0].1, "TS-01");
    assert_eq!(db.training_of(tech).await.unwrap().len(), 1);
    assert_eq!(db.training_sessions().await.unwrap()[0].1, 1);
    assert_eq!(
        db.staff_attendance().await.unwrap(),
        [(
            tech,
            Topic::TechnicalSpecification,
            today - Duration::days(7)
        )]
    );
    assert_eq!(db.training_requirements().await.unwrap().len(), 8);
    // An attendee who is not a staff member writes nothing.
    let bad = SessionInput {
        attendee_ids: vec![999_999],
        ..input
    };
    let mut tx = db.begin().await.unwrap();
    let e = tx
        .insert_session(&NewSession::parse(&bad, today, manager, now).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Validation(f) if f.get("attendee_ids").is_some()));
    drop(tx);
    assert_eq!(db.training_sessions().await.unwrap().len(), 1);

    // ---- training 2 ----
    // The requirement settings replaced as a whole.
    use sanbao_domain::training::{RequirementInput, parse_requirements};
    let set = parse_requirements(&[RequirementInput {
        role: "technician".into(),
        topic: "quality_awareness".into(),
        period_months: "6".into(),
    }])
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.replace_training_requirements(&set).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.training_requirements().await.unwrap(), set);
    // A retired document leaves the list in use, keeps its versions, is retired once.
    let mut tx = db.begin().await.unwrap();
    assert!(
        tx.retire_document(manual, manager, now, "2027版替代")
            .await
            .unwrap()
    );
    assert!(
        !tx.retire_document(manual, manager, now, "again")
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    assert_eq!(db.documents(None, false).await.unwrap().len(), 1);
    let retired = db.documents(None, true).await.unwrap();
    assert_eq!(retired.len(), 1);
    assert_eq!(retired[0].versions.len(), 2);
    let r = retired[0].document.retired.clone().unwrap();
    assert_eq!((r.by, r.reason.as_str()), (manager, "2027版替代"));
    assert_eq!(r.by_name, "mgr_t 名");
    // ---- end training 2 ----
}
// ---- end training ----

// ---- quality ----
async fn quality_items_are_made_once_per_source_classified_on_their_version_and_months_close_once(
    db: &Db,
) {
    use sanbao_domain::followup::{FollowUpInput, NewFollowUp};
    use sanbao_domain::quality::{
        ActionInput, Classification, ClassifyInput, Closing, NewAction, SourceKind, carried_over,
    };
    use sanbao_domain::time::Month;
    let clerk = user(db, "q_clerk", Role::ServiceClerk).await;
    let sa = user(db, "q_sa", Role::Salesperson).await;
    let qe = user(db, "q_qe", Role::QualityEngineer).await;
    let c = customer(db, clerk, "钱江电力", "浙江省杭州市西湖区文三路1号").await;
    let n = NewFollowUp::parse(
        &FollowUpInput {
            customer_id: Some(c),
            date: Some("2026-02-27".into()),
            method: Some("visit".into()),
            remarks: Some("2号柜有异响".into()),
            remark_class: Some("quality".into()),
            ..FollowUpInput::default()
        },
        sa,
        |_| false,
        t("2026-03-05T06:00:00Z"),
    )
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    let fu = tx.insert_follow_up(&n).await.unwrap();
    // The source's facts: the month is that of the follow-up's date.
    let facts = tx
        .quality_source(SourceKind::FollowUp, fu.id.0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(facts.month, Month::parse("2026-02").unwrap());
    assert_eq!(facts.summary, "2号柜有异响");
    facts.check_qualifies(SourceKind::FollowUp).unwrap();
    // Every kind's query runs on this backend; a missing record has no facts.
    for kind in SourceKind::ALL {
        assert!(tx.quality_source(*kind, 999_999).await.unwrap().is_none());
    }
    let new = facts.into_item(SourceKind::FollowUp, fu.id.0, qe, t("2026-03-05T07:00:00Z"));
    let item = tx.insert_quality_item_once(&new).await.unwrap().unwrap();
    // The same source again makes nothing.
    assert!(tx.insert_quality_item_once(&new).await.unwrap().is_none());
    let mut other = new.clone();
    other.source_id = fu.id.0 + 1000;
    let second = tx.insert_quality_item_once(&other).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert_eq!(item.month, "2026-02");
    assert_eq!(
        db.quality_items(Month::parse("2026-02").unwrap())
            .await
            .unwrap()
            .len(),
        2
    );
    // The monthly report's window: both ends included.
    let m = |s: &str| Month::parse(s).unwrap();
    assert_eq!(
        db.quality_items_between(m("2025-09"), m("2026-02"))
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        db.quality_items_between(m("2026-03"), m("2026-08"))
            .await
            .unwrap()
            .is_empty()
    );

    // Classified on the version read; a stale version is refused.
    let k = Classification::parse(&ClassifyInput {
        product_model: Some("KYN28".into()),
        cause: Some("端子松动".into()),
        responsibility: Some("manufacturing".into()),
        summary: Some("2号柜有异响".into()),
        root_cause: Some("力矩未复核".into()),
        method: Some("five_why".into()),
        ..ClassifyInput::default()
    })
    .unwrap();
    let mut tx = db.begin().await.unwrap();
    tx.classify_quality_item(item.id, item.version, &k, t("2026-03-06T00:00:00Z"))
        .await
        .unwrap();
    assert!(matches!(
        tx.classify_quality_item(item.id, item.version, &k, t("2026-03-06T00:00:00Z"))
            .await,
        Err(Error::Conflict(_))
    ));
    // Merged once into the item kept.
    tx.merge_quality_item(second.id, item.id, t("2026-03-06T00:00:00Z"))
        .await
        .unwrap();
    assert!(matches!(
        tx.merge_quality_item(second.id, item.id, t("2026-03-06T00:00:00Z"))
            .await,
        Err(Error::Conflict(_))
    ));
    let a = NewAction::parse(&ActionInput {
        kind: Some("corrective".into()),
        description: Some("出厂前复核端子力矩".into()),
        owner_user_id: Some(qe),
        due_on: Some("2026-03-20".into()),
        ..ActionInput::default()
    })
    .unwrap();
    let action = tx
        .insert_quality_action(item.id, &a, qe, t("2026-03-06T00:00:00Z"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let got = db.quality_item(item.id).await.unwrap().unwrap();
    assert_eq!(got.cause.as_deref(), Some("端子松动"));
    assert_eq!(got.version, item.version + 1);
    assert_eq!(
        db.quality_items_merged_into(item.id).await.unwrap()[0].id,
        second.id
    );
    assert_eq!(action.owner_name.as_deref(), Some("q_qe 名"));
    assert_eq!(action.month, "2026-02");

    // The open action carries over to March's review.
    let march = Month::parse("2026-03").unwrap();
    let review = db.quality_actions_for_review(march).await.unwrap();
    assert_eq!(carried_over(&review, march).len(), 1);
    // Overdue from the 21st; the warning is noted once.
    let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 21).unwrap();
    assert_eq!(db.overdue_quality_actions(day).await.unwrap().len(), 1);
    let mut tx = db.begin().await.unwrap();
    assert!(
        tx.mark_quality_action_warned(action.id, t("2026-03-21T00:00:00Z"))
            .await
            .unwrap()
    );
    assert!(
        !tx.mark_quality_action_warned(action.id, t("2026-03-21T00:00:00Z"))
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    assert!(db.overdue_quality_actions(day).await.unwrap().is_empty());
    // Verified once: then it no longer carries over.
    let mut tx = db.begin().await.unwrap();
    tx.verify_quality_action(
        action.id,
        action.version,
        qe,
        "三个月无复发",
        t("2026-03-25T00:00:00Z"),
    )
    .await
    .unwrap();
    assert!(matches!(
        tx.verify_quality_action(
            action.id,
            action.version,
            qe,
            "again",
            t("2026-03-25T00:00:00Z")
        )
        .await,
        Err(Error::Conflict(_))
    ));
    tx.commit().await.unwrap();
    assert!(
        db.quality_actions_for_review(march)
            .await
            .unwrap()
            .is_empty()
    );
    let feb = Month::parse("2026-02").unwrap();
    assert!(db.quality_actions_of_item(item.id).await.unwrap()[0].verified());
    // The month closes once.
    let k = Closing {
        month: "2026-02".into(),
        closed_by: qe,
        closed_at: t("2026-03-26T00:00:00Z"),
        items: 1,
    };
    let mut tx = db.begin().await.unwrap();
    assert_eq!(tx.quality_items_of_month(feb).await.unwrap().len(), 2);
    assert_eq!(tx.quality_actions_of_month(feb).await.unwrap().len(), 1);
    tx.insert_quality_closing(&k).await.unwrap();
    assert!(matches!(
        tx.insert_quality_closing(&k).await,
        Err(Error::Conflict(_))
    ));
    tx.commit().await.unwrap();
    assert_eq!(db.quality_closing(feb).await.unwrap().unwrap().items, 1);
}
// ---- end quality ----
// ---- similar cases ----
async fn similar_cases_are_found_by_chinese_words_and_model_alike_on_both_backends(db: &Db) {
    use sanbao_domain::similar::{Case, Query, rank};
    let u = user(db, "simclerk", Role::ServiceClerk).await;
    let c = customer(db, u, "相似案例客户", "浙江省杭州市西湖区文三路1号").await;
    let cases = [
        (
            "10kV断路器合闸时拒合",
            "合闸线圈烧毁",
            "更换合闸线圈",
            "KYN28A-12",
        ),
        ("变压器温度过高", "风机故障", "更换风机", "SCB11"),
        ("开关柜柜门无法关闭", "门锁变形", "校正门锁", "KYN28A-12"),
        ("断路器分闸失败", "分闸弹簧疲劳", "更换弹簧", "XGN15"),
    ];
    let mut ids = Vec::new();
    for (i, (summary, cause, handling, model)) in cases.iter().enumerate() {
        let id = ticket(db, u, c, TicketKind::Repair, "2026-01-05T08:00:00Z").await;
        let case = Case {
            ticket_id: id,
            kind: TicketKind::Repair,
            model_code: Some(model.to_string()),
            component: None,
            summary: summary.to_string(),
            fault_cause: cause.to_string(),
            cause_analysis: String::new(),
            handling: handling.to_string(),
            finished_at: t(&format!("2026-01-1{i}T00:00:00Z")),
        };
        let mut tx = db.begin().await.unwrap();
        tx.put_case(&case, &case.terms()).await.unwrap();
        tx.commit().await.unwrap();
        ids.push(id);
    }
    let top = |q: Query| async move {
        let found = db
            .similar_candidates(&q.terms(), q.model_code.as_deref(), 50)
            .await
            .unwrap();
        rank(&q, found, 5)
            .iter()
            .map(|s| s.case.ticket_id)
            .collect::<Vec<_>>()
    };
    // Words found inside longer texts, best match first; unrelated cases not at all.
    let q = Query {
        text: "断路器拒合".into(),
        ..Query::default()
    };
    assert_eq!(top(q).await, vec![ids[0], ids[3]]);
    // The same model first, then by text.
    let q = Query {
        model_code: Some("kyn28a-12".into()),
        text: "断路器分闸失败".into(),
        ..Query::default()
    };
    assert_eq!(top(q).await, vec![ids[0], ids[2], ids[3]]);
    // A model code is one word.
    let q = Query {
        text: "KYN28A-12 柜".into(),
        ..Query::default()
    };
    let mut got = top(q).await;
    got.sort_by_key(|t| t.0);
    assert_eq!(got, vec![ids[0], ids[2]]);
    // Rewriting a case replaces its words in the index.
    let mut tx = db.begin().await.unwrap();
    let mut case = tx.case_source(ids[1]).await.unwrap().unwrap();
    assert_eq!(case.summary, "repair 配电柜故障");
    case.summary = "断路器拒合".into();
    tx.put_case(&case, &case.terms()).await.unwrap();
    tx.commit().await.unwrap();
    let q = Query {
        text: "变压器".into(),
        ..Query::default()
    };
    assert_eq!(top(q).await, Vec::<TicketId>::new());
    // Punctuation, quotes and operators in a query are only words or nothing.
    let q = Query {
        text: "\"断路器\" OR NEAR( ' | & ! :* \0".into(),
        ..Query::default()
    };
    assert_eq!(top(q).await.len(), 3);
    // Every finished repair is listed for a reindex: none here is resolved.
    assert!(db.finished_case_tickets().await.unwrap().is_empty());
}
// ---- end similar cases ----
