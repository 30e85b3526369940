//! Parts through the pages (R1.5): the technician asks for parts for a job on the phone,
//! the manager approves, the store issues, the technician fits one with its serials and
//! returns the rest; bad input re-renders naming the field and keeping what was typed;
//! another technician's job parts are missing; a fitting sent twice with one key is
//! written once; the reviewer is told in words while parts are out, and the manager's
//! write-off lets the job close.

use crate::on_site::{job_on_site, job_on_unit, signed_form};
use crate::support::{PASSWORD, TestApp, on_both_backends};
use crate::web::{Browser, location};
use axum::http::StatusCode;
use sanbao_domain::parts::{PartInput, ReceiveInput, RequisitionFilter};
use sanbao_domain::user::User;
use sanbao_domain::{JobId, PartId};
use sanbao_server::app;
use serde_json::json;

async fn browser_of<'a>(app: &'a TestApp, name: &str) -> Browser<'a> {
    let mut b = Browser::new(app);
    let r = b
        .submit(
            "/login",
            "/login",
            &[("username", name), ("password", PASSWORD), ("next", "/")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    b
}

async fn token_of(app: &TestApp, name: &str) -> String {
    let r = app
        .call(
            "POST",
            "/api/v1/sessions",
            None,
            Some(json!({"username": name, "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["token"].as_str().unwrap().to_string()
}

/// A part in the catalogue with `n` in the central store.
async fn part(app: &TestApp, keeper: &User, code: &str, serialised: bool, n: i64) -> PartId {
    let now = app.state.now();
    let p = app::parts::create_part(
        &app.state,
        keeper,
        &PartInput {
            code: Some(code.into()),
            name: Some(format!("{code}-名称")),
            unit: Some("个".into()),
            unit_cost_fen: Some(1000),
            list_price_fen: Some(2000),
            serialised: Some(serialised),
            ..PartInput::default()
        },
        now,
    )
    .await
    .unwrap();
    app::parts::receive(
        &app.state,
        keeper,
        &ReceiveInput {
            part_id: Some(p.id),
            quantity: Some(n),
            note: None,
        },
        now,
    )
    .await
    .unwrap();
    p.id
}

async fn job_status(app: &TestApp, token: &str, job: i64) -> String {
    app.call("GET", &format!("/api/v1/jobs/{job}"), Some(token), None)
        .await
        .json()["status"]
        .as_str()
        .unwrap()
        .to_string()
}

on_both_backends!(
    r1_5_parts_asked_approved_issued_fitted_and_returned_on_the_pages,
    r1_5_parts_asked_approved_issued_fitted_and_returned_on_the_pages_on_postgres,
    phone_scenario
);

async fn phone_scenario(app: &TestApp) {
    let manager = app.user("boss", "service_manager").await;
    let keeper = app.user("store", "service_clerk").await;
    app.user("tech", "technician").await;
    app.user("other", "technician").await;
    let (mt, tt) = (token_of(app, "boss").await, token_of(app, "tech").await);
    let (job, unit) = job_with_unit(app, &mt, &tt).await;
    let breaker = part(app, &keeper, "BRK-1", true, 5).await;
    let fuse = part(app, &keeper, "FUSE-1", false, 10).await;
    let (mut tech, mut other) = (
        browser_of(app, "tech").await,
        browser_of(app, "other").await,
    );
    let mut boss = browser_of(app, "boss").await;
    let mut store = browser_of(app, "store").await;
    let page = format!("/field/jobs/{job}/parts");

    // Another technician's job parts are missing to me.
    assert_eq!(other.get(&page).await.status, StatusCode::NOT_FOUND);
    let r = tech.get(&page).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("id=\"form-use\""), "{}", r.text);

    // Asking: a bad quantity re-renders naming it, keeping what was typed; nothing written.
    let (b, f) = (breaker.0.to_string(), fuse.0.to_string());
    let r = tech
        .submit(
            &page,
            &format!("{page}/request"),
            &[
                ("idem", "ask-1"),
                ("part_id_0", &f),
                ("quantity_0", "0"),
                ("note", "急用"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("field-error"), "{}", r.text);
    assert!(r.text.contains("急用"));
    assert!(
        r.text
            .contains("name=\"quantity_0\" inputmode=\"numeric\" value=\"0\"")
    );
    let filter = RequisitionFilter {
        job: Some(JobId(job)),
        ..RequisitionFilter::default()
    };
    let none = app::parts::requisitions(&app.state, &manager, &filter, 10)
        .await
        .unwrap();
    assert!(none.is_empty());
    let r = tech
        .submit(
            &page,
            &format!("{page}/request"),
            &[
                ("idem", "ask-2"),
                ("part_id_0", &b),
                ("quantity_0", "1"),
                ("part_id_1", &f),
                ("quantity_1", "3"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(location(&r), format!("{page}?done=request"));
    let reqs = app::parts::requisitions(&app.state, &manager, &filter, 10)
        .await
        .unwrap();
    assert_eq!(reqs.len(), 1);
    let rid = reqs[0].requisition.id.0;
    let rpage = format!("/parts/requisitions/{rid}");

    // The queue: the manager sees it waiting; the technician has no approve button.
    let q = boss.get("/parts/requisitions").await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(
        q.text.contains(&format!("data-req=\"{rid}\"")),
        "{}",
        q.text
    );
    assert!(q.text.contains("id=\"nav-requisitions\""));
    let mine = tech.get(&rpage).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(!mine.text.contains("id=\"btn-approve\""));
    // Refusing needs a reason, kept on the page with the note.
    let r = boss
        .submit(
            &rpage,
            &format!("{rpage}/refuse"),
            &[("version", "1"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"reason-error\""), "{}", r.text);
    let r = boss
        .submit(
            &rpage,
            &format!("{rpage}/approve"),
            &[("version", "1"), ("note", "同意")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = store
        .submit(&rpage, &format!("{rpage}/issue"), &[("version", "2")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(store.get(&rpage).await.text.contains("status-issued"));

    // What I hold, by job.
    let r = tech.get("/field/parts").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("BRK-1") && r.text.contains("萧山配电公司"),
        "{}",
        r.text
    );

    // Fitting a serialised part without its serial: named, what was typed kept.
    let r = tech
        .submit(
            &page,
            &format!("{page}/use"),
            &[
                ("idem", "use-1"),
                ("part_id", &b),
                ("quantity", "1"),
                ("faulty_serial", "OLD-77"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"use-serial-error\""), "{}", r.text);
    assert!(r.text.contains("value=\"OLD-77\""));
    // The same fitting sent twice with one key is written once.
    let fit = [
        ("idem", "use-2"),
        ("part_id", b.as_str()),
        ("quantity", "1"),
        ("serial", "NEW-88"),
        ("faulty_serial", "OLD-77"),
    ];
    for _ in 0..2 {
        let r = tech.submit(&page, &format!("{page}/use"), &fit).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    }
    let jp = app::parts::job_parts(&app.state, &manager, JobId(job))
        .await
        .unwrap();
    let used: i64 = jp.reconciliation.lines.iter().map(|t| t.used).sum();
    assert_eq!(used, 1);
    assert_eq!(jp.reconciliation.outstanding(), 3);
    let r = tech.get(&format!("/field/jobs/{job}")).await;
    assert!(r.text.contains("id=\"job-parts-out\""), "{}", r.text);

    // Returning more than is held: named; then the rest goes back.
    let held = format!("{}-{job}", fuse.0);
    let r = tech
        .submit(
            &page,
            &format!("{page}/return"),
            &[("held", &held), ("quantity", "9")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text.contains("id=\"return-quantity-error\""),
        "{}",
        r.text
    );
    let r = tech
        .submit(
            &page,
            &format!("{page}/return"),
            &[("held", &held), ("quantity", "3")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let jp = app::parts::job_parts(&app.state, &manager, JobId(job))
        .await
        .unwrap();
    assert_eq!(jp.reconciliation.outstanding(), 0);
    let r = tech.get(&page).await;
    assert!(r.text.contains("NEW-88") && !r.text.contains("id=\"parts-out\""));

    // The faulty breaker to inspection: its serial is needed, then it is recorded.
    let r = tech
        .submit(
            &page,
            &format!("{page}/faulty"),
            &[("part_id", &b), ("quantity", "1"), ("note", "触头烧蚀")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("触头烧蚀") && r.text.contains("field-error"));
    let r = tech
        .submit(
            &page,
            &format!("{page}/faulty"),
            &[
                ("part_id", &b),
                ("quantity", "1"),
                ("faulty_serial", "OLD-77"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // The unit's page lists the part fitted and the part removed, with serials and job.
    let r = boss.get(&format!("/units/{unit}")).await;
    assert!(r.text.contains("id=\"unit-parts\""), "{}", r.text);
    assert!(r.text.contains("NEW-88") && r.text.contains("OLD-77"));
    assert!(r.text.contains(&format!("href=\"{page}\"")));
    // ---- quality ----
    // The faulty part brought to inspection became a quality item of the month (R7.1).
    let r = boss.get("/quality").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.text.matches("返回的故障件").count(), 1, "{}", r.text);
    // ---- end quality ----

    // Van stock: asked on the phone (a line without a part is named), issued, returned.
    let r = tech
        .submit(
            "/field/parts",
            "/field/parts/request",
            &[("idem", "van-1"), ("quantity_0", "2"), ("note", "备用")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text.contains("备用") && r.text.contains("field-error"),
        "{}",
        r.text
    );
    let r = tech
        .submit(
            "/field/parts",
            "/field/parts/request",
            &[("idem", "van-2"), ("part_id_0", &f), ("quantity_0", "2")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let van = app::parts::requisitions(&app.state, &manager, &RequisitionFilter::default(), 10)
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.requisition.job_id.is_none())
        .unwrap()
        .requisition;
    let now = app.state.now();
    let van = app::parts::approve(&app.state, &manager, van.id, van.version, None, now)
        .await
        .unwrap();
    app::parts::issue(&app.state, &keeper, van.id, van.version, now)
        .await
        .unwrap();
    let r = tech.get("/field/parts").await;
    assert!(r.text.contains("id=\"van-stock\""), "{}", r.text);
    let held = format!("{}-0", fuse.0);
    let r = tech
        .submit(
            "/field/parts",
            "/field/parts/return",
            &[("held", &held), ("quantity", "2")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(location(&r), "/field/parts?done=return");

    // The form signed, the reviewer accepts and the job closes; the print lists the part.
    let form = signed_form(app, &tt, job).await;
    let r = boss
        .submit(
            "/field/review",
            &format!("/field/forms/{form}/review"),
            &[("decision", "accept")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(job_status(app, &mt, job).await, "done");
    let r = boss.get(&format!("/field/forms/{form}/print")).await;
    assert!(r.text.contains("id=\"print-fitted\"") && r.text.contains("NEW-88"));
}

on_both_backends!(
    r1_5_a_job_with_parts_out_is_not_accepted_until_the_manager_writes_them_off,
    r1_5_a_job_with_parts_out_is_not_accepted_until_the_manager_writes_them_off_on_postgres,
    gate_scenario
);

async fn gate_scenario(app: &TestApp) {
    let manager = app.user("boss", "service_manager").await;
    let keeper = app.user("store", "service_clerk").await;
    let tech_user = app.user("tech", "technician").await;
    let (mt, tt) = (token_of(app, "boss").await, token_of(app, "tech").await);
    let job = job_on_site(app, &mt, &tt).await;
    let fuse = part(app, &keeper, "FUSE-2", false, 10).await;
    let now = app.state.now();
    // Two fuses asked, approved and issued for the job.
    let r = app::parts::request_parts(
        &app.state,
        &tech_user,
        &sanbao_domain::parts::RequisitionInput {
            job_id: Some(JobId(job)),
            holder: None,
            note: None,
            lines: vec![sanbao_domain::parts::LineInput {
                part_id: Some(fuse),
                quantity: Some(2),
            }],
        },
        None,
        now,
    )
    .await
    .unwrap()
    .value;
    let r = app::parts::approve(&app.state, &manager, r.id, r.version, None, now)
        .await
        .unwrap();
    app::parts::issue(&app.state, &keeper, r.id, r.version, now)
        .await
        .unwrap();
    // A second request for more than the store holds: the store's issue is refused on
    // its page, naming the line.
    let short = app::parts::request_parts(
        &app.state,
        &tech_user,
        &sanbao_domain::parts::RequisitionInput {
            job_id: Some(JobId(job)),
            holder: None,
            note: None,
            lines: vec![sanbao_domain::parts::LineInput {
                part_id: Some(fuse),
                quantity: Some(50),
            }],
        },
        None,
        now,
    )
    .await
    .unwrap()
    .value;
    let short = app::parts::approve(&app.state, &manager, short.id, short.version, None, now)
        .await
        .unwrap();
    let mut store = browser_of(app, "store").await;
    let spage = format!("/parts/requisitions/{}", short.id.0);
    let r = store
        .submit(
            &spage,
            &format!("{spage}/issue"),
            &[("version", &short.version.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("中心库 FUSE-2 只有 8 件"), "{}", r.text);
    assert!(r.text.contains("id=\"req-warning\""));
    let r = store
        .submit(&spage, &format!("{spage}/cancel"), &[("version", "2")])
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "the store does not withdraw"
    );
    let mut tech = browser_of(app, "tech").await;
    let r = tech
        .submit(&spage, &format!("{spage}/cancel"), &[("version", "2")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let form = signed_form(app, &tt, job).await;

    // The reviewer is told in words, with a link to the job's parts.
    let mut boss = browser_of(app, "boss").await;
    let r = boss
        .submit(
            "/field/review",
            &format!("/field/forms/{form}/review"),
            &[("decision", "accept")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("2 件未归还"), "{}", r.text);
    let page = format!("/field/jobs/{job}/parts");
    assert!(r.text.contains(&format!("href=\"{page}\"")));
    assert_eq!(job_status(app, &mt, job).await, "submitted");

    // The manager writes them off from the job's parts page: a reason is needed.
    let r = boss.get(&page).await;
    assert!(r.text.contains("form-write-off"), "{}", r.text);
    let jp = app::parts::job_parts(&app.state, &manager, JobId(job))
        .await
        .unwrap();
    let line = format!("{}-{}", fuse.0, jp.held[0].location_id.0);
    let r = boss
        .submit(
            &page,
            &format!("{page}/write-off"),
            &[("line", &line), ("quantity", "2"), ("cause", "lost")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("field-error"), "{}", r.text);
    let r = boss
        .submit(
            &page,
            &format!("{page}/write-off"),
            &[
                ("line", &line),
                ("quantity", "2"),
                ("cause", "lost"),
                ("reason", "现场遗失"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = boss
        .submit(
            "/field/review",
            &format!("/field/forms/{form}/review"),
            &[("decision", "accept")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(job_status(app, &mt, job).await, "done");
}

/// A repair job on a unit (model KYN28A-12) with `tech` on site; answers the job's and
/// the unit's ids.
async fn job_with_unit(app: &TestApp, manager: &str, tech: &str) -> (i64, i64) {
    let (job, unit) = job_on_unit(app, manager, tech, ("KYN28A-12", "KY-2024-0001"), None).await;
    (job["id"].as_i64().unwrap(), unit["id"].as_i64().unwrap())
}
