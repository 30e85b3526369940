//! The technician's phone through its pages (R4.4): a technician lands on their jobs
//! today, sees only theirs, and sets off, arrives (with the phone's position) and takes
//! the arrival back through plain forms; a form sent twice shows the job as it is.

use crate::field::{dispatch, emergency, open_job};
use crate::support::{TestApp, on_both_backends};
use crate::web::{Browser, csrf, location, signed_in};
use axum::http::StatusCode;
use chrono::Duration;
use serde_json::{Value, json};

on_both_backends!(
    r4_4_a_technician_signs_in_to_their_jobs_today,
    r4_4_a_technician_signs_in_to_their_jobs_today_on_postgres,
    landing_scenario
);

async fn landing_scenario(app: &TestApp) {
    app.user("tech", "technician").await;
    app.user("clerk", "service_clerk").await;
    let mut tech = Browser::new(app);
    let mut clerk = Browser::new(app);
    for (b, name, to) in [
        (&mut tech, "tech", "/field/today"),
        (&mut clerk, "clerk", "/"),
    ] {
        let r = b
            .submit(
                "/login",
                "/login",
                &[
                    ("username", name),
                    ("password", crate::support::PASSWORD),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        assert_eq!(location(&r), to, "{name}");
    }
    // `/` is the desk for the clerk, the day's jobs for the technician, whose desk is one
    // tap away.
    assert_eq!(clerk.get("/").await.status, StatusCode::OK);
    let r = tech.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/field/today");
    let today = tech.get("/field/today").await;
    assert_eq!(today.status, StatusCode::OK);
    assert!(today.text.contains("href=\"/?desk=1\""), "{}", today.text);
    assert!(today.text.contains("id=\"today-empty\""));
    let desk = tech.get("/?desk=1").await;
    assert_eq!(desk.status, StatusCode::OK);
    assert!(desk.text.contains("id=\"desk-live\""), "{}", desk.text);
}

/// A browser signed in as an existing account.
async fn browser_of<'a>(app: &'a TestApp, name: &str) -> Browser<'a> {
    let mut b = Browser::new(app);
    let r = b
        .submit(
            "/login",
            "/login",
            &[
                ("username", name),
                ("password", crate::support::PASSWORD),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    b
}

/// A clerk's token, two technicians' browsers and a job for each (A's is an emergency in
/// Hangzhou, B's an installation).
async fn two_jobs(app: &TestApp) -> (Browser<'_>, Browser<'_>, Value, Value, String) {
    let clerk = app.token("clerk", "service_clerk").await;
    let a = app.user("tech_a", "technician").await;
    let b = app.user("tech_b", "technician").await;
    let (ta, tb) = (
        browser_of(app, "tech_a").await,
        browser_of(app, "tech_b").await,
    );
    let t = emergency(app, &clerk).await;
    let ja = open_job(app, &clerk, &t).await;
    let ja = dispatch(app, &clerk, &ja, &[a.id.0]).await;
    let c = app
        .api_customer(&clerk, "湖州安装客户", "湖州市吴兴区1号")
        .await;
    let t2 = app
        .api_ticket(&clerk, &c, "installation", "新设备安装")
        .await;
    let jb = open_job(app, &clerk, &t2).await;
    let jb = dispatch(app, &clerk, &jb, &[b.id.0]).await;
    (ta, tb, ja, jb, clerk)
}

on_both_backends!(
    r4_4_the_days_page_lists_only_my_jobs_and_anothers_job_is_missing,
    r4_4_the_days_page_lists_only_my_jobs_and_anothers_job_is_missing_on_postgres,
    only_mine_scenario
);

async fn only_mine_scenario(app: &TestApp) {
    let (mut ta, mut tb, ja, jb, _) = two_jobs(app).await;
    let today = ta.get("/field/today").await;
    assert_eq!(today.status, StatusCode::OK);
    assert!(today.text.contains("杭州电力设备厂"), "{}", today.text);
    assert!(today.text.contains(&format!("/field/jobs/{}", ja["id"])));
    assert!(!today.text.contains("湖州安装客户"));
    // The arrival deadline counts down (the script keeps it current).
    assert!(today.text.contains("data-due="));
    let theirs = tb.get("/field/today").await;
    assert!(theirs.text.contains("湖州安装客户"));
    assert!(!theirs.text.contains("杭州电力设备厂"));
    // Another's job is missing to me; mine opens with what I need on the road.
    let r = ta.get(&format!("/field/jobs/{}", jb["id"])).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = ta.get(&format!("/field/jobs/{}", ja["id"])).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("href=\"tel:13800138000\""), "{}", r.text);
    assert!(r.text.contains("href=\"geo:0,0?q=%E6%9D%AD"), "{}", r.text);
    assert!(r.text.contains("id=\"btn-depart\""));
    assert!(r.text.contains("id=\"btn-arrive\""));
    assert!(!r.text.contains("id=\"btn-undo\""));
    assert!(!r.text.contains("id=\"link-dispatch\""));
}

on_both_backends!(
    r4_4_the_crew_departs_arrives_and_takes_the_arrival_back_through_the_forms,
    r4_4_the_crew_departs_arrives_and_takes_the_arrival_back_through_the_forms_on_postgres,
    buttons_scenario
);

async fn buttons_scenario(app: &TestApp) {
    let (mut ta, _tb, ja, _jb, clerk) = two_jobs(app).await;
    let page = format!("/field/jobs/{}", ja["id"]);
    let r = ta
        .submit(&page, &format!("{page}/depart"), &[("idem", "k1")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(location(&r), format!("{page}?done=depart"));
    let p = ta.get(&location(&r)).await;
    assert!(p.text.contains("id=\"job-notice\""));
    assert!(!p.text.contains("id=\"btn-depart\""));
    // Arrived, with the phone's position as the page's script puts it in the form.
    let arrive = format!("{page}/arrive");
    let fields = [
        ("idem", "k2"),
        ("lat", "30.27415"),
        ("lon", "120.15515"),
        ("accuracy_m", "15"),
    ];
    let r = ta.submit(&page, &arrive, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let p = ta.get(&location(&r)).await;
    assert!(p.text.contains("id=\"job-arrival\""), "{}", p.text);
    assert!(p.text.contains("arrival-met"), "{}", p.text);
    assert!(p.text.contains("30.27415, 120.15515"), "{}", p.text);
    assert!(p.text.contains("id=\"btn-undo\""));
    assert!(p.text.contains("/field/jobs/") && p.text.contains("id=\"link-form\""));
    let api = app
        .call(
            "GET",
            &format!("/api/v1/jobs/{}", ja["id"]),
            Some(&clerk),
            None,
        )
        .await
        .json();
    assert_eq!(api["trips"][0]["position"]["lat"], 30.27415);
    // The same form sent again (its page's key): done once, answered as the first time.
    let token = csrf(&p.text);
    let mut again = vec![("_csrf", token.as_str())];
    again.extend_from_slice(&fields);
    let r = ta.post(&arrive, &again).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(location(&r), format!("{page}?done=arrive"));
    // From another page (another key), or without one: the job as it is, with a notice,
    // not an error page.
    let r = ta
        .post(&arrive, &[("_csrf", token.as_str()), ("idem", "k2-other")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("id=\"job-notice\""), "{}", r.text);
    let r = ta.post(&arrive, &[("_csrf", token.as_str())]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let trail = app
        .db
        .audit_trail("job", ja["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(trail.iter().filter(|e| e.action == "arrive").count(), 1);
    // Undo within the window.
    app.clock.advance(Duration::minutes(3));
    let r = ta
        .submit(&page, &format!("{page}/undo-arrival"), &[("idem", "k3")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let p = ta.get(&location(&r)).await;
    assert!(!p.text.contains("id=\"job-arrival\""));
    assert!(p.text.contains("id=\"btn-arrive\""));
    // Arrived again; past the window the undo button is gone, and a late undo is refused
    // with the page, not an error.
    let r = ta.submit(&page, &arrive, &[("idem", "k4")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let p = ta.get(&page).await;
    assert!(p.text.contains("id=\"btn-undo\""));
    app.clock.advance(Duration::minutes(11));
    let p = ta.get(&page).await;
    assert!(!p.text.contains("id=\"btn-undo\""), "{}", p.text);
    let token = csrf(&p.text);
    let r = ta
        .post(
            &format!("{page}/undo-arrival"),
            &[("_csrf", token.as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("id=\"job-warning\""), "{}", r.text);
    // Another trip, with a reason (an empty one is named and keeps the form open).
    let r = ta
        .submit(&page, &format!("{page}/follow-up"), &[("reason", "")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"reason-error\""));
    let r = ta
        .submit(
            &page,
            &format!("{page}/follow-up"),
            &[("reason", "需订购断路器")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let p = ta.get(&location(&r)).await;
    assert!(p.text.contains("需订购断路器"));
    assert!(!p.text.contains("id=\"btn-arrive\""));
    // The department sees the same page, with the way to dispatch and no buttons.
    let mut desk = signed_in(app, "clerk_web", "service_clerk").await;
    let p = desk.get(&page).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.text.contains("id=\"link-dispatch\""));
    assert!(!p.text.contains("id=\"btn-arrive\""));
}

on_both_backends!(
    r4_4_the_job_page_shows_the_unit_its_coverage_and_its_history_newest_first,
    r4_4_the_job_page_shows_the_unit_its_coverage_and_its_history_newest_first_on_postgres,
    unit_scenario
);

async fn unit_scenario(app: &TestApp) {
    let manager = app.token("manager", "service_manager").await;
    let clerk = app.token("clerk", "service_clerk").await;
    let a = app.user("tech_a", "technician").await;
    let mut ta = browser_of(app, "tech_a").await;
    let r = app
        .call(
            "POST",
            "/api/v1/product-models",
            Some(&manager),
            Some(json!({"code": "ZW32-12", "name": "户外断路器", "product_line": "户外断路器"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let c = app
        .api_customer(&clerk, "嘉兴供电", "浙江省嘉兴市南湖区1号")
        .await;
    // Commissioned 26 months ago: out of the 24-month warranty, still free to repair.
    let commissioned = (app.state.now() - Duration::days(800)).date_naive();
    let r = app
        .call(
            "POST",
            "/api/v1/units",
            Some(&clerk),
            Some(
                json!({"customer_id": c["id"], "model_code": "ZW32-12", "serial_no": "ZW-0042",
                        "commissioned_on": commissioned.to_string()}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let u = r.json();
    let ticket_on_unit = |summary: &'static str| {
        let (clerk, c, u) = (clerk.clone(), c.clone(), u.clone());
        async move {
            let r = app
                .call(
                    "POST",
                    "/api/v1/tickets",
                    Some(&clerk),
                    Some(
                        json!({"kind": "repair", "channel": "phone", "customer_id": c["id"],
                                "unit_id": u["id"], "summary": summary}),
                    ),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            r.json()
        }
    };
    let old = ticket_on_unit("去年分闸线圈烧毁").await;
    app.clock.advance(Duration::minutes(1));
    let t = ticket_on_unit("合闸不到位").await;
    let j = open_job(app, &clerk, &t).await;
    dispatch(app, &clerk, &j, &[a.id.0]).await;
    let p = ta.get(&format!("/field/jobs/{}", j["id"])).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text);
    assert!(p.text.contains("ZW32-12 · ZW-0042"), "{}", p.text);
    assert!(p.text.contains("coverage-free_repair"), "{}", p.text);
    let history = &p.text[p.text.find("id=\"job-history\"").unwrap()..];
    let (new_at, old_at) = (
        history
            .find(&t["number"].as_str().unwrap().to_string())
            .unwrap(),
        history
            .find(&old["number"].as_str().unwrap().to_string())
            .unwrap(),
    );
    assert!(new_at < old_at, "newest first");
    assert!(history.contains("去年分闸线圈烧毁"));
}
