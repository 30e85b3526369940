//! The life story of a unit and of a customer (R3.8, R5.2) through the API and the pages,
//! on both databases: every source of the customer's records lands on their story, the
//! unit's holds only its own, filters by kind and company dates, bad filters named.

use crate::on_site::{job_on_unit, me, signed_form};
use crate::support::{TestApp, on_both_backends};
use crate::web::signed_in;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn events(story: &Value) -> Vec<String> {
    story["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect()
}

async fn story(app: &TestApp, token: &str, path: &str) -> Value {
    let r = app.call("GET", path, Some(token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    r.json()
}

async fn the_story_gathers_every_record_scenario(app: &TestApp) {
    app.clock.set(at("2026-06-10T10:00:00+08:00"));
    let boss = app.token("ls_boss", "service_manager").await;
    let tech = app.token("ls_tech", "technician").await;
    // A unit commissioned last year, a repair job on it with the technician on site, and
    // the form the customer signed.
    let (job, unit) =
        job_on_unit(app, &boss, &tech, ("KYN-L1", "L-0001"), Some("2025-05-10")).await;
    let job_id = job["id"].as_i64().unwrap();
    let form = signed_form(app, &tech, job_id).await;
    let (u, c) = (
        unit["id"].as_i64().unwrap(),
        unit["customer_id"].as_i64().unwrap(),
    );

    // The customer's own records: a follow-up with a quality remark, a campaign answer, a
    // training session held for them.
    let r = app
        .call(
            "POST",
            "/api/v1/follow-ups",
            Some(&boss),
            Some(
                json!({"customer_id": c, "method": "visit", "date": "2026-06-09",
                "met": "李科长", "usage": "运行正常", "remarks": "2号柜门把手松动",
                "remark_class": "quality", "requests": "希望年底前来一次巡检"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .call(
            "POST",
            "/api/v1/campaigns",
            Some(&boss),
            Some(
                json!({"year": 2026, "name": "2026 年度客户走访", "channels": ["visit"],
                "regions": [], "questions": [{"kind": "rating", "label": "产品质量"}]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let campaign = r.json()["id"].as_i64().unwrap();
    let r = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{campaign}/launch"),
            Some(&boss),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .call(
            "POST",
            &format!("/api/v1/campaigns/{campaign}/targets/{c}/response"),
            Some(&boss),
            Some(
                json!({"channel": "visit", "date": "2026-06-10", "answers": {"q1": "5"},
                "suggestions": "希望增加操作培训"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .call(
            "POST",
            "/api/v1/training-sessions",
            Some(&boss),
            Some(
                json!({"audience": "customer", "customer_id": c, "topic": "routine_maintenance",
                "held_on": "2026-06-08", "trainer": "张工", "place": "客户配电室",
                "duration_minutes": 120, "attendee_names": ["李科长", "值班电工"]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // The customer's story holds all of it, newest first; the unit and its entries named.
    let s = story(app, &boss, &format!("/api/v1/customers/{c}/story")).await;
    let ev = events(&s);
    for want in [
        "recorded",
        "commissioned",
        "ticket",
        "arrived",
        "form",
        "follow_up",
        "campaign",
        "training",
    ] {
        assert!(ev.contains(&want.to_string()), "{want} in {ev:?}");
    }
    let ats: Vec<&str> = s["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["at"].as_str().unwrap())
        .collect();
    let mut sorted = ats.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(ats, sorted, "newest first");
    let entry = |name: &str| {
        s["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["event"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(entry("form")["record"]["form_id"], form);
    assert_eq!(entry("form")["unit"]["serial_no"], "L-0001");
    assert_eq!(entry("follow_up")["record"]["remark_class"], "quality");
    assert_eq!(entry("follow_up")["dated"], true);
    assert_eq!(
        entry("campaign")["record"]["suggestions"],
        "希望增加操作培训"
    );
    assert_eq!(entry("training")["record"]["attendees"], 2);
    assert_eq!(entry("commissioned")["at"], "2025-05-10T00:00:00+08:00");
    assert_eq!(s["counts"]["follow_up"], 1);
    assert_eq!(s["truncated"], false);

    // The unit's story: its own records, not the customer's.
    let us = story(app, &boss, &format!("/api/v1/units/{u}/story")).await;
    let uev = events(&us);
    for want in ["commissioned", "ticket", "arrived", "form"] {
        assert!(uev.contains(&want.to_string()), "{want} in {uev:?}");
    }
    for not in ["follow_up", "campaign", "training"] {
        assert!(!uev.contains(&not.to_string()), "{not} in {uev:?}");
    }

    // Filters: one kind, the counts still offer the others; company dates.
    let f = story(
        app,
        &boss,
        &format!("/api/v1/customers/{c}/story?kind=follow_up,training"),
    )
    .await;
    assert_eq!(events(&f), ["follow_up", "training"]);
    assert_eq!(f["counts"]["ticket"], 1);
    let d = story(
        app,
        &boss,
        &format!("/api/v1/customers/{c}/story?from=2026-06-09&to=2026-06-09"),
    )
    .await;
    assert_eq!(events(&d), ["follow_up"]);
    let old = story(
        app,
        &boss,
        &format!("/api/v1/units/{u}/story?to=2025-12-31"),
    )
    .await;
    assert_eq!(events(&old), ["commissioned"]);

    // Bad filters are named and refused; strangers are not found; no token, no story.
    let long = "a".repeat(50_000);
    for (query, field) in [
        ("kind=tickets".to_string(), "kind"),
        ("kind=ticket%00".to_string(), "kind"),
        (format!("kind={long}"), "kind"),
        ("from=2026-02-30".to_string(), "from"),
        ("from=2026-06-10&to=2026-06-01".to_string(), "to"),
    ] {
        let r = app
            .call(
                "GET",
                &format!("/api/v1/customers/{c}/story?{query}"),
                Some(&boss),
                None,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {}",
            r.text
        );
        assert!(
            r.json()["error"]["fields"][field].is_string(),
            "{query}: {}",
            r.text
        );
    }
    let r = app
        .call("GET", "/api/v1/units/999999/story", Some(&boss), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .call("GET", "/api/v1/customers/999999/story", Some(&tech), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .call("GET", &format!("/api/v1/customers/{c}/story"), None, None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // Whose records: a salesperson reads another's customer's tickets and visits, not its
    // follow-ups, campaign answers or training; a technician neither follow-ups nor answers.
    let sales = app.token("ls_sales", "salesperson").await;
    let theirs = story(app, &sales, &format!("/api/v1/customers/{c}/story")).await;
    let tev = events(&theirs);
    assert!(tev.contains(&"ticket".to_string()) && tev.contains(&"form".to_string()));
    for not in ["follow_up", "campaign", "training"] {
        assert!(!tev.contains(&not.to_string()), "{not} in {tev:?}");
        assert!(!theirs["kinds"].as_array().unwrap().contains(&json!(not)));
        assert!(theirs["counts"][not].is_null());
    }
    let r = app
        .call(
            "GET",
            &format!("/api/v1/customers/{c}/story?kind=follow_up"),
            Some(&sales),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["entries"], json!([]));
    let tech_view = events(&story(app, &tech, &format!("/api/v1/customers/{c}/story")).await);
    assert!(
        !tech_view.contains(&"follow_up".to_string())
            && !tech_view.contains(&"campaign".to_string())
    );
    assert!(tech_view.contains(&"arrived".to_string()));
    assert!(me(app, &tech).await > 0);

    // The pages: the customer's story with its chips and entries, printable; a bad date
    // named beside its field, the whole story still shown.
    let mut b = signed_in(app, "ls_clerk", "service_clerk").await;
    let r = b.get(&format!("/customers/{c}/story")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for want in [
        "客户履历",
        "name=\"kind\" value=\"follow_up\"",
        "tl-follow_up",
        "2号柜门把手松动",
        "希望增加操作培训",
        "tl-arrived",
        &format!("/field/forms/{form}"),
        "KYN-L1 L-0001",
        "data-print",
    ] {
        assert!(r.text.contains(want), "{want}: {}", r.text);
    }
    let r = b
        .get(&format!(
            "/customers/{c}/story?kind=training&from=2026-06-01"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("tl-training") && !r.text.contains("tl-ticket"));
    let r = b.get(&format!("/units/{u}/story?from=yesterday")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("from-error") && r.text.contains("tl-commissioned"));
    // The unit's page shows the latest entries and opens the whole story.
    let r = b.get(&format!("/units/{u}")).await;
    assert!(r.text.contains(&format!("/units/{u}/story")) && r.text.contains("tl-form"));
    let r = b.get(&format!("/customers/{c}")).await;
    assert!(r.text.contains(&format!("/customers/{c}/story")));
    let r = b.get("/units/999999/story").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

on_both_backends!(
    the_story_gathers_every_record,
    the_story_gathers_every_record_on_postgres,
    the_story_gathers_every_record_scenario
);
