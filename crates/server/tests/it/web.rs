//! Web page tests: each page's main path, driven like a browser (cookies kept, forms
//! posted with their CSRF token), in-process with `oneshot`. Each page scenario runs on
//! SQLite and, through the same router, on PostgreSQL (`on_both_backends!`).

use crate::support::{PASSWORD, Response, TestApp, on_both_backends};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use sanbao_domain::Role;
use std::collections::BTreeMap;

/// A browser of one person: keeps the cookies the server sets.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    cookies: BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Browser {
            app,
            cookies: BTreeMap::new(),
        }
    }

    fn keep_cookies(&mut self, r: &Response) {
        for v in r.headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
    }

    pub(crate) fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub(crate) async fn get(&mut self, uri: &str) -> Response {
        let req = Request::builder()
            .uri(uri)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        let r = self.app.send(req).await;
        self.keep_cookies(&r);
        r
    }

    pub(crate) async fn post(&mut self, uri: &str, fields: &[(&str, &str)]) -> Response {
        let mut body = form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields {
            body.append_pair(k, v);
        }
        let req = Request::builder()
            .method("POST")
            .uri(uri)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.finish()))
            .unwrap();
        let r = self.app.send(req).await;
        self.keep_cookies(&r);
        r
    }

    /// Load `page`, then post `fields` to `action` with the page's `_csrf`.
    pub(crate) async fn submit(
        &mut self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let p = self.get(page).await;
        assert_eq!(p.status, StatusCode::OK, "{page}: {}", p.text);
        let token = csrf(&p.text);
        let mut all = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }
}

/// The `_csrf` value of the first form on a page.
pub(crate) fn csrf(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let i = html
        .find(marker)
        .unwrap_or_else(|| panic!("no _csrf in page:\n{html}"))
        + marker.len();
    html[i..].split('"').next().unwrap().to_string()
}

pub(crate) fn location(r: &Response) -> String {
    r.headers
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// A browser signed in as a new account of this role.
pub(crate) async fn signed_in<'a>(app: &'a TestApp, username: &str, role: &str) -> Browser<'a> {
    app.user(username, role).await;
    sign_in(app, username).await
}

/// A browser signed in as an existing account.
async fn sign_in<'a>(app: &'a TestApp, username: &str) -> Browser<'a> {
    let mut b = Browser::new(app);
    let r = b
        .submit(
            "/login",
            "/login",
            &[
                ("username", username),
                ("password", PASSWORD),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(b.cookies.contains_key("sanbao_session"));
    b
}

/// Add a customer through the form; returns its page's address.
pub(crate) async fn add_customer(
    b: &mut Browser<'_>,
    name: &str,
    address: &str,
    phone: &str,
) -> String {
    let r = b
        .submit(
            "/customers/new",
            "/customers",
            &[
                ("name", name),
                ("address", address),
                ("salesperson_id", ""),
                ("notes", ""),
                ("contacts[0].name", "王工"),
                ("contacts[0].phone", phone),
                ("contacts[0].email", ""),
                ("contacts[0].position", "电工班长"),
                ("contacts[1].name", ""),
                ("contacts[1].phone", ""),
                ("contacts[2].name", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let to = location(&r);
    assert!(
        to.starts_with("/customers/") && to.ends_with("?saved=1"),
        "{to}"
    );
    to.trim_end_matches("?saved=1").to_string()
}

/// Record a contact through the intake form; returns the ticket page's address.
/// A contact for `customer_page` with three bad fields: no kind, a time in the future and a
/// blank summary.
async fn submit_bad_contact(b: &mut Browser<'_>, customer_page: &str) -> crate::support::Response {
    let id = customer_page.trim_start_matches("/customers/");
    b.submit(
        &format!("/tickets/new?customer_id={id}"),
        "/tickets",
        &[
            ("customer_id", id),
            ("kind", ""),
            ("channel", "phone"),
            ("received_at", "2099-01-01T10:00"),
            ("summary", " "),
        ],
    )
    .await
}

/// Record a ticket of `kind` for the customer at `customer_page`, received now by the app's
/// clock, and return its page.
async fn record(b: &mut Browser<'_>, customer_page: &str, kind: &str, summary: &str) -> String {
    let customer_id = customer_page.trim_start_matches("/customers/");
    let received = received_now(b.app);
    let r = b
        .submit(
            &format!("/tickets/new?customer_id={customer_id}"),
            "/tickets",
            &[
                ("customer_id", customer_id),
                ("kind", kind),
                ("channel", "phone"),
                ("received_at", &received),
                ("unit_text", "KYN28-12 #3"),
                ("summary", summary),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let to = location(&r);
    assert!(to.ends_with("?created=1"), "{to}");
    to.trim_end_matches("?created=1").to_string()
}

async fn customers_in_archive(app: &TestApp) -> usize {
    static AUDITORS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = AUDITORS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let admin = app.user(&format!("auditor{n}"), "admin").await;
    sanbao_server::app::customers::customers(&app.state, &admin, &Default::default(), 100, None)
        .await
        .unwrap()
        .len()
}

on_both_backends!(
    login_page_signs_in_and_goes_where_the_person_was_going,
    login_page_signs_in_and_goes_where_the_person_was_going_on_postgres,
    login_page_signs_in_and_goes_where_the_person_was_going_on
);

async fn login_page_signs_in_and_goes_where_the_person_was_going_on(app: &TestApp) {
    app.user("clerk", "service_clerk").await;
    let mut b = Browser::new(app);
    let r = b.get("/customers?q=x").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login?next=%2Fcustomers%3Fq%3Dx");
    let page = b.get("/login?next=%2Fcustomers%3Fq%3Dx").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("用户名") && page.text.contains("name=\"password\""));
    assert!(b.cookies.contains_key("sanbao_login_csrf"));
    let token = csrf(&page.text);
    let r = b
        .post(
            "/login",
            &[
                ("_csrf", &token),
                ("next", "/customers?q=x"),
                ("username", "clerk"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(location(&r), "/customers?q=x");
    let cookie = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("sanbao_session="))
        .unwrap()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let desk = b.get("/").await;
    assert_eq!(desk.status, StatusCode::OK);
    assert!(desk.text.contains("服务台") && desk.text.contains("clerk-name"));
}

on_both_backends!(
    login_with_a_wrong_password_shows_the_form_again_with_a_message,
    login_with_a_wrong_password_shows_the_form_again_with_a_message_on_postgres,
    login_with_a_wrong_password_shows_the_form_again_with_a_message_on
);

async fn login_with_a_wrong_password_shows_the_form_again_with_a_message_on(app: &TestApp) {
    app.user("clerk", "service_clerk").await;
    let mut b = Browser::new(app);
    let r = b
        .submit(
            "/login",
            "/login",
            &[("username", "clerk"), ("password", "wrong-password")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text.contains("用户名或密码不正确"));
    assert!(r.text.contains("value=\"clerk\""), "the name typed is kept");
    assert!(!b.cookies.contains_key("sanbao_session"));
}

on_both_backends!(
    login_after_too_many_failures_says_how_long_to_wait,
    login_after_too_many_failures_says_how_long_to_wait_on_postgres,
    login_after_too_many_failures_says_how_long_to_wait_on
);

async fn login_after_too_many_failures_says_how_long_to_wait_on(app: &TestApp) {
    app.user("clerk", "service_clerk").await;
    let mut b = Browser::new(app);
    let mut last = None;
    for _ in 0..7 {
        last = Some(
            b.submit(
                "/login",
                "/login",
                &[("username", "clerk"), ("password", "wrong-password")],
            )
            .await,
        );
    }
    let r = last.unwrap();
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    assert!(r.text.contains("秒后再试"));
}

on_both_backends!(
    login_without_its_csrf_cookie_is_refused,
    login_without_its_csrf_cookie_is_refused_on_postgres,
    login_without_its_csrf_cookie_is_refused_on
);

async fn login_without_its_csrf_cookie_is_refused_on(app: &TestApp) {
    app.user("clerk", "service_clerk").await;
    let mut b = Browser::new(app);
    let r = b
        .post(
            "/login",
            &[
                ("_csrf", "forged"),
                ("username", "clerk"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("登录页面已过期"));
    assert!(!b.cookies.contains_key("sanbao_session"));
}

on_both_backends!(
    logout_ends_the_session,
    logout_ends_the_session_on_postgres,
    logout_ends_the_session_on
);

async fn logout_ends_the_session_on(app: &TestApp) {
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let r = b.submit("/", "/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/login"));
    assert!(!b.cookies.contains_key("sanbao_session"));
    assert_eq!(b.get("/").await.status, StatusCode::SEE_OTHER);
}

on_both_backends!(
    a_customer_is_added_through_the_form_and_found_in_the_list,
    a_customer_is_added_through_the_form_and_found_in_the_list_on_postgres,
    a_customer_is_added_through_the_form_and_found_in_the_list_on
);

async fn a_customer_is_added_through_the_form_and_found_in_the_list_on(app: &TestApp) {
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let form = b.get("/customers/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.text.contains("name=\"contacts[2].phone\""),
        "three blank contact rows"
    );
    assert!(
        form.text.contains("name=\"region_reason\""),
        "a clerk may correct the region"
    );
    let page = add_customer(
        &mut b,
        "杭州滨江配电设备厂",
        "浙江省杭州市西湖区文三路478号",
        "0571-8888 6666",
    )
    .await;
    let detail = b.get(&format!("{page}?saved=1")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.text.contains("客户档案已保存"));
    assert!(
        detail.text.contains("杭州市区") && detail.text.contains("西湖区"),
        "region and the place that decided it"
    );
    assert!(detail.text.contains("紧急抢修到场时限：1 小时"));
    assert!(detail.text.contains("tel:057188886666"));
    let list = b.get("/customers").await;
    assert!(
        list.text.contains("杭州滨江配电设备厂") && list.text.contains("region-hangzhou_urban")
    );
    let by_phone = b.get("/customers?q=88886666").await;
    assert!(by_phone.text.contains("杭州滨江配电设备厂"));
    let other_region = b.get("/customers?region=out_of_province").await;
    assert!(!other_region.text.contains("杭州滨江配电设备厂"));
}

on_both_backends!(
    a_customer_form_with_bad_input_names_each_field_and_writes_nothing,
    a_customer_form_with_bad_input_names_each_field_and_writes_nothing_on_postgres,
    a_customer_form_with_bad_input_names_each_field_and_writes_nothing_on
);

async fn a_customer_form_with_bad_input_names_each_field_and_writes_nothing_on(app: &TestApp) {
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let r = b
        .submit(
            "/customers/new",
            "/customers",
            &[
                ("name", "  "),
                ("address", "宁波市北仑区"),
                ("contacts[0].name", ""),
                ("contacts[0].phone", ""),
                ("contacts[1].name", "李工"),
                ("contacts[1].phone", "call me"),
                ("region", "zhejiang"),
                ("region_reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("请更正以下"));
    assert!(
        r.text.contains("必填"),
        "name and region reason are required"
    );
    assert!(
        r.text.contains("电话号码应为 5–20 位数字"),
        "the phone's own message"
    );
    assert!(
        r.text.contains("value=\"宁波市北仑区\""),
        "what was typed is kept"
    );
    assert!(r.text.contains("value=\"call me\""));
    // The message sits next to the row it belongs to (the second row, index 1).
    let row = r.text.find("name=\"contacts[1].phone\"").unwrap();
    let msg = r.text[row..].find("电话号码应为").unwrap();
    assert!(msg < 400);
    assert_eq!(customers_in_archive(app).await, 0);
}

/// The values of `attr="…"` on a page.
fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let marker = format!(" {attr}=\"");
    html.match_indices(&marker)
        .map(|(i, _)| html[i + marker.len()..].split('"').next().unwrap())
        .collect()
}

/// The error summary atop a form: its heading and its lines.
fn error_summary(html: &str) -> (String, Vec<String>) {
    let start = html
        .find("class=\"error-summary\"")
        .unwrap_or_else(|| panic!("no error summary:\n{html}"));
    let block = &html[start..start + html[start..].find("</div>").unwrap()];
    assert!(block.contains("role=\"alert\""), "{block}");
    let heading = block.split("<h2").nth(1).unwrap();
    let heading =
        heading[heading.find('>').unwrap() + 1..heading.find("</h2>").unwrap()].to_string();
    let lines = block
        .split("<li>")
        .skip(1)
        .map(|li| li.split("</li>").next().unwrap().trim().to_string())
        .collect();
    (heading, lines)
}

/// Each field marked invalid is described by a message that is on the page, and each
/// description points at an element that exists.
fn assert_invalid_fields_are_described(html: &str, want: &[&str]) {
    let ids = attr_values(html, "id");
    for described in attr_values(html, "aria-describedby") {
        assert!(
            ids.contains(&described),
            "aria-describedby=\"{described}\" has no element"
        );
    }
    let invalid: Vec<&str> = html
        .match_indices("aria-invalid=\"true\"")
        .map(|(i, _)| {
            let tag_start = html[..i].rfind('<').unwrap();
            let tag = &html[tag_start..i + html[i..].find('>').unwrap()];
            let id = attr_values(tag, "id")[0];
            assert_eq!(
                attr_values(tag, "aria-describedby"),
                vec![format!("{id}-error").as_str()],
                "{tag}"
            );
            id
        })
        .collect();
    assert_eq!(invalid, want);
}

on_both_backends!(
    a_form_sent_back_sums_up_its_problems_linked_to_fields_that_say_they_are_invalid,
    a_form_sent_back_sums_up_its_problems_linked_to_fields_that_say_they_are_invalid_on_postgres,
    a_form_sent_back_sums_up_its_problems_linked_to_fields_that_say_they_are_invalid_on
);

async fn a_form_sent_back_sums_up_its_problems_linked_to_fields_that_say_they_are_invalid_on(
    app: &TestApp,
) {
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let r = b
        .submit(
            "/customers/new",
            "/customers",
            &[
                ("name", " "),
                ("address", "宁波市北仑区"),
                ("contacts[0].name", ""),
                ("contacts[1].name", "李工"),
                ("contacts[1].phone", "call me"),
                ("region", "zhejiang"),
                ("region_reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (heading, lines) = error_summary(&r.text);
    assert_eq!(heading, "请更正以下 3 处");
    assert_eq!(
        lines,
        [
            "<a href=\"#name\">客户名称：必填</a>",
            "<a href=\"#c1-phone\">联系人 2 · 电话：电话号码应为 5–20 位数字</a>",
            "<a href=\"#region_reason\">修正原因：必填</a>",
        ]
    );
    assert!(
        r.text.find("error-summary").unwrap()
            < r.text
                .find("<form method=\"post\" action=\"/customers\"")
                .unwrap(),
        "the summary comes before the form"
    );
    assert_invalid_fields_are_described(&r.text, &["name", "c1-phone", "region_reason"]);
    assert!(
        !r.text.contains(" autofocus"),
        "nothing takes the focus from the summary"
    );
    // A form without problems has no summary and no field marked invalid.
    let fresh = b.get("/customers/new").await;
    assert!(!fresh.text.contains("error-summary") && !fresh.text.contains("aria-invalid"));
}

on_both_backends!(
    the_sign_in_and_intake_forms_sum_up_their_problems_too,
    the_sign_in_and_intake_forms_sum_up_their_problems_too_on_postgres,
    the_sign_in_and_intake_forms_sum_up_their_problems_too_on
);

async fn the_sign_in_and_intake_forms_sum_up_their_problems_too_on(app: &TestApp) {
    app.user("clerk", "service_clerk").await;
    let mut b = Browser::new(app);
    b.post("/lang", &[("lang", "en"), ("next", "/login")]).await;
    let r = b
        .submit("/login", "/login", &[("username", " "), ("password", "x")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let (heading, lines) = error_summary(&r.text);
    assert_eq!(heading, "Please correct 1 field");
    assert_eq!(lines, ["<a href=\"#username\">User name: Required</a>"]);
    assert_invalid_fields_are_described(&r.text, &["username"]);

    let mut b = sign_in(app, "clerk").await;
    let customer = add_customer(&mut b, "湖州客户", "浙江省湖州市吴兴区", "0572-1234567").await;
    let r = submit_bad_contact(&mut b, &customer).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (heading, lines) = error_summary(&r.text);
    assert_eq!(heading, "请更正以下 3 处");
    assert_eq!(
        lines,
        [
            "<a href=\"#kind\">类型：必填</a>",
            "<a href=\"#received_at\">接收时间：不能晚于当前时间</a>",
            "<a href=\"#summary\">内容摘要：必填</a>",
        ]
    );
    assert_invalid_fields_are_described(&r.text, &["kind", "received_at", "summary"]);

    // A step of the workflow refused for its input.
    let ticket = record(&mut b, &customer, "complaint_quality", "断路器频繁跳闸").await;
    let page = b.get(&ticket).await;
    let r = b
        .post(
            &format!("{ticket}/events"),
            &[
                ("_csrf", &csrf(&page.text)),
                ("type", "give_opinion"),
                ("version", "1"),
                ("opinion", " "),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (heading, lines) = error_summary(&r.text);
    assert_eq!(heading, "请更正以下 1 处");
    assert_eq!(lines, ["<a href=\"#f-give_opinion\">处理意见：必填</a>"]);
    assert_invalid_fields_are_described(&r.text, &["f-give_opinion"]);
}

on_both_backends!(
    a_salesperson_sees_no_region_correction_and_a_stale_edit_is_a_conflict,
    a_salesperson_sees_no_region_correction_and_a_stale_edit_is_a_conflict_on_postgres,
    a_salesperson_sees_no_region_correction_and_a_stale_edit_is_a_conflict_on
);

async fn a_salesperson_sees_no_region_correction_and_a_stale_edit_is_a_conflict_on(app: &TestApp) {
    let mut clerk = signed_in(app, "clerk", "service_clerk").await;
    let page = add_customer(&mut clerk, "温州电气", "浙江省温州市鹿城区", "0577-1234567").await;
    let mut sales = signed_in(app, "sales", "salesperson").await;
    // The customer is the salesperson's (a salesperson edits only their own).
    let sales_id = app
        .db
        .user_for_login("sales")
        .await
        .unwrap()
        .unwrap()
        .0
        .id
        .0
        .to_string();
    let form = sales.get(&format!("{page}/edit")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(!form.text.contains("name=\"region_reason\""));
    // The clerk saves first; the salesperson's form still carries version 1.
    let r = clerk
        .submit(
            &format!("{page}/edit"),
            &page,
            &[
                ("version", "1"),
                ("name", "温州电气有限公司"),
                ("address", "浙江省温州市鹿城区"),
                ("salesperson_id", &sales_id),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let token = csrf(&form.text);
    let r = sales
        .post(
            &page,
            &[
                ("_csrf", &token),
                ("version", "1"),
                ("name", "温州电气（新）"),
                ("address", "浙江省温州市鹿城区"),
                ("salesperson_id", &sales_id),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("刚被其他人修改过") && r.text.contains("重新加载"));
    assert!(
        r.text.contains("value=\"温州电气（新）\""),
        "what was typed is kept"
    );
    assert!(clerk.get(&page).await.text.contains("温州电气有限公司"));
}

on_both_backends!(
    an_emergency_recorded_on_the_intake_form_shows_its_arrival_deadline_on_the_desk,
    an_emergency_recorded_on_the_intake_form_shows_its_arrival_deadline_on_the_desk_on_postgres,
    an_emergency_recorded_on_the_intake_form_shows_its_arrival_deadline_on_the_desk_on
);

async fn an_emergency_recorded_on_the_intake_form_shows_its_arrival_deadline_on_the_desk_on(
    app: &TestApp,
) {
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let customer = add_customer(&mut b, "萧山变电站", "杭州市萧山区市心北路", "13800000000").await;
    let search = b.get("/tickets/new?cq=13800000000").await;
    assert!(
        search.text.contains("萧山变电站")
            && search.text.contains(&format!(
                "name=\"pick\" value=\"{}\"",
                customer.trim_start_matches("/customers/")
            ))
    );
    let form = b
        .get(&format!(
            "/tickets/new?customer_id={}",
            customer.trim_start_matches("/customers/")
        ))
        .await;
    assert!(form.text.contains("type=\"datetime-local\""));
    assert!(form.text.contains("紧急抢修到场时限：1 小时"));
    assert!(
        form.text.contains("<h1>登记工单</h1>") && !form.text.contains("来电"),
        "a letter, an e-mail or a visit is recorded too, not only a call"
    );
    let ticket = record(&mut b, &customer, "emergency", "10kV 开关柜跳闸，整厂停电").await;
    let page = b.get(&format!("{ticket}?created=1")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("已登记为工单 SB"));
    assert!(page.text.contains("到场时限") && page.text.contains("data-due="));
    let desk = b.get("/").await;
    assert!(desk.text.contains("萧山变电站"));
    assert!(desk.text.contains("到场时限"));
    assert!(
        desk.text.contains("dl-due_soon") && desk.text.contains("还剩"),
        "due within the hour"
    );
    assert!(desk.text.contains("id=\"fig-due-soon\">1<"));
    let mine = b.get("/?mine=1").await;
    assert!(!mine.text.contains("萧山变电站"), "nobody owns it yet");
    let list = b.get("/tickets?kind=emergency&status=open").await;
    assert!(list.text.contains("萧山变电站"));
    let none = b.get("/tickets?kind=consultation").await;
    assert!(!none.text.contains("萧山变电站"));
}

on_both_backends!(
    an_intake_form_with_bad_input_names_each_field_and_records_nothing,
    an_intake_form_with_bad_input_names_each_field_and_records_nothing_on_postgres,
    an_intake_form_with_bad_input_names_each_field_and_records_nothing_on
);

async fn an_intake_form_with_bad_input_names_each_field_and_records_nothing_on(app: &TestApp) {
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let customer = add_customer(&mut b, "嘉兴客户", "浙江省嘉兴市南湖区", "0573-1234567").await;
    let r = submit_bad_contact(&mut b, &customer).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("必填") && r.text.contains("不能晚于当前时间"));
    assert!(r.text.contains("value=\"2099-01-01T10:00\""));
    assert!(!b.get("/tickets").await.text.contains("嘉兴客户</a></td>"));
}

/// Now by the app's clock, as the intake form's `received_at` takes it (to the minute).
/// Not the machine's clock: the app's stands still from when the test app was made, and a
/// received time taken from the machine's clock a minute boundary later would start the
/// deadlines later than the app's "now", so a one-hour deadline would read as more than an
/// hour away.
fn received_now(app: &TestApp) -> String {
    app.state
        .now()
        .with_timezone(&sanbao_domain::time::company_offset())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

on_both_backends!(
    intake_without_script_finds_an_existing_customer_and_keeps_what_was_typed,
    intake_without_script_finds_an_existing_customer_and_keeps_what_was_typed_on_postgres,
    intake_without_script_finds_an_existing_customer_and_keeps_what_was_typed_on
);

async fn intake_without_script_finds_an_existing_customer_and_keeps_what_was_typed_on(
    app: &TestApp,
) {
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let customer = add_customer(&mut b, "富阳水厂", "杭州市富阳区富春街道", "0571-6333 1234").await;
    let id = customer.trim_start_matches("/customers/");
    let received = received_now(app);
    let form = b.get("/tickets/new").await;
    let token = csrf(&form.text);
    let typed = [
        ("_csrf", token.as_str()),
        ("customer_id", ""),
        ("customer_mode", ""),
        ("kind", "repair"),
        ("channel", "phone"),
        ("received_at", received.as_str()),
        ("unit_text", "KYN28 #7"),
        ("summary", "二号泵房开关柜有异响"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut v: Vec<(&str, &str)> = typed.to_vec();
        v.extend_from_slice(extra);
        v
    };
    // The search button, and Enter in the search box (which sends the form's save).
    for intent in ["search", "save"] {
        let r = b
            .post("/tickets", &with(&[("cq", "6333"), ("intent", intent)]))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{intent}: {}", r.text);
        assert!(r.text.contains("富阳水厂"), "{intent}");
        assert!(r.text.contains(&format!("name=\"pick\" value=\"{id}\"")));
        assert!(r.text.contains("二号泵房开关柜有异响") && r.text.contains("value=\"KYN28 #7\""));
        assert!(r.text.contains(&format!("value=\"{received}\"")));
        assert!(r.text.contains("<option value=\"repair\" selected>"));
    }
    // Picking a match shows the customer with everything typed still there.
    let mut picking = with(&[("cq", "6333")]);
    picking.push(("pick", id));
    let r = b.post("/tickets", &picking).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("id=\"picked-name\">富阳水厂<"));
    assert!(r.text.contains(&format!(
        "name=\"customer_id\" id=\"customer_id\" value=\"{id}\""
    )));
    assert!(r.text.contains("二号泵房开关柜有异响") && r.text.contains("紧急抢修到场时限：1 小时"));
    // Saved: one ticket, for that customer.
    let mut saving = typed.to_vec();
    saving.retain(|(k, _)| *k != "customer_id");
    saving.extend_from_slice(&[("customer_id", id), ("cq", ""), ("intent", "save")]);
    let r = b.post("/tickets", &saving).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let ticket = location(&r);
    let page = b.get(&ticket).await;
    assert!(page.text.contains("富阳水厂") && page.text.contains("二号泵房开关柜有异响"));
    // Without a customer and without a search, the form says which is missing.
    let r = b
        .post("/tickets", &with(&[("cq", ""), ("intent", "save")]))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("请先选择客户"));
}

on_both_backends!(
    intake_with_a_new_customer_and_a_bad_phone_keeps_everything_and_writes_nothing,
    intake_with_a_new_customer_and_a_bad_phone_keeps_everything_and_writes_nothing_on_postgres,
    intake_with_a_new_customer_and_a_bad_phone_keeps_everything_and_writes_nothing_on
);

async fn intake_with_a_new_customer_and_a_bad_phone_keeps_everything_and_writes_nothing_on(
    app: &TestApp,
) {
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let form = b.get("/tickets/new").await;
    let token = csrf(&form.text);
    let received = received_now(app);
    let ticket_fields = [
        ("_csrf", token.as_str()),
        ("customer_id", ""),
        ("kind", "emergency"),
        ("channel", "phone"),
        ("received_at", received.as_str()),
        ("unit_text", ""),
        ("summary", "配电房冒烟，已拉闸"),
    ];
    // The searched phone number goes to the new customer's phone.
    let mut opening = ticket_fields.to_vec();
    opening.extend_from_slice(&[("cq", "0571-8765 4321"), ("intent", "new_customer")]);
    let r = b.post("/tickets", &opening).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text
            .contains("name=\"customer.contacts[0].phone\" type=\"tel\" value=\"0571-8765 4321\"")
    );
    assert!(r.text.contains("id=\"customer_mode\" value=\"new\""));
    assert!(r.text.contains("配电房冒烟，已拉闸"));

    let mut bad = ticket_fields.to_vec();
    bad.extend_from_slice(&[
        ("customer_mode", "new"),
        ("cq", ""),
        ("customer.name", "滨江某数据中心"),
        ("customer.address", "杭州市滨江区网商路"),
        ("customer.contacts[0].name", "周工"),
        ("customer.contacts[0].phone", "call me"),
        ("intent", "save"),
    ]);
    let r = b.post("/tickets", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("电话号码应为"), "the phone is named");
    for kept in [
        "滨江某数据中心",
        "杭州市滨江区网商路",
        "周工",
        "call me",
        "配电房冒烟，已拉闸",
    ] {
        assert!(r.text.contains(kept), "{kept} kept");
    }
    assert!(r.text.contains("<option value=\"emergency\" selected>"));
    assert!(
        r.text.contains("杭州市区"),
        "the region of the typed address is shown"
    );
    assert_eq!(customers_in_archive(app).await, 0, "nothing written");

    // Put right: the customer and the ticket in one submission.
    let good: Vec<(&str, &str)> = bad
        .iter()
        .map(|(k, v)| {
            if *k == "customer.contacts[0].phone" {
                (*k, "0571-8765 4321")
            } else {
                (*k, *v)
            }
        })
        .collect();
    let r = b.post("/tickets", &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = b.get(&location(&r)).await;
    assert!(page.text.contains("滨江某数据中心") && page.text.contains("到场时限"));
    assert!(page.text.contains("0571-8765 4321"));
    assert_eq!(customers_in_archive(app).await, 1);

    // Bad ticket fields with a good new customer: nothing written either.
    let mut half = good.clone();
    half.retain(|(k, _)| *k != "summary");
    half.push(("summary", " "));
    half.retain(|(k, _)| *k != "customer.name");
    half.push(("customer.name", "另一家客户"));
    let r = b.post("/tickets", &half).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("另一家客户") && r.text.contains("必填"));
    assert_eq!(customers_in_archive(app).await, 1);
}

// PostgreSQL refuses a NUL byte in text outright: its twin shows the search never sends one.
on_both_backends!(
    the_customer_search_fragment_escapes_html_and_caps_what_it_reads,
    the_customer_search_fragment_escapes_html_and_caps_what_it_reads_on_postgres,
    search_fragment_story
);

async fn search_fragment_story(app: &TestApp) {
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    add_customer(
        &mut b,
        "<script>alert(1)</script>公司",
        "杭州市上城区",
        "0571-1111 2222",
    )
    .await;
    let r = b.get("/tickets/new/customers?q=%3Cscript").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("role=\"listbox\"") && r.text.contains("role=\"option\""));
    assert!(
        r.text
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;公司"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("<script>"), "{}", r.text);
    assert!(!r.text.contains("<html"), "a fragment, not a page");
    assert_eq!(r.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");
    let by_phone = b.get("/tickets/new/customers?q=1111").await;
    assert!(by_phone.text.contains("公司"));
    // Very long text or a NUL byte: refused, naming the search text (the page's script
    // shows no fragment then), never a server error.
    let long = format!("/tickets/new/customers?q={}", "x".repeat(50_000));
    for uri in [
        long.as_str(),
        "/tickets/new/customers?q=a%00b",
        "/tickets/new/customers?q=%00",
    ] {
        let r = b.get(uri).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            &uri[..40.min(uri.len())]
        );
    }
    let empty = b.get("/tickets/new/customers?q=").await;
    assert_eq!((empty.status, empty.text.trim()), (StatusCode::OK, ""));
    let none = b.get("/tickets/new/customers?q=zzzz").await;
    assert!(none.text.contains("没有找到客户"));
    // The form's own search is refused the same way: 422, the field named.
    let page = b
        .get(&format!("/tickets/new?cq={}", "x%00".repeat(12_000)))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The region of an address being typed.
    let region = b
        .get("/tickets/new/region?address=%E6%B5%99%E6%B1%9F%E7%9C%81%E6%A1%90%E5%BA%90%E5%8E%BF")
        .await;
    assert!(region.text.contains("region-zhejiang") && region.text.contains("6 小时"));
    // Someone who may not record contacts gets nothing.
    let mut t = signed_in(app, "tech", "technician").await;
    assert_eq!(
        t.get("/tickets/new/customers?q=%3C").await.status,
        StatusCode::FORBIDDEN
    );
}

on_both_backends!(
    the_desk_fragment_is_the_desk_without_the_page_and_follows_mine_only,
    the_desk_fragment_is_the_desk_without_the_page_and_follows_mine_only_on_postgres,
    the_desk_fragment_is_the_desk_without_the_page_and_follows_mine_only_on
);

async fn the_desk_fragment_is_the_desk_without_the_page_and_follows_mine_only_on(app: &TestApp) {
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let desk = b.get("/?poll_ms=10").await;
    assert!(
        desk.text.contains("data-src=\"/desk/fragment\"")
            && desk.text.contains("data-poll-ms=\"500\"")
    );
    let mine = b.get("/?mine=1").await;
    assert!(
        mine.text.contains("data-src=\"/desk/fragment?mine=1\"")
            && mine.text.contains("data-poll-ms=\"5000\"")
    );
    let customer = add_customer(&mut b, "海宁客户", "浙江省嘉兴市海宁市", "0573-8888 1234").await;
    record(&mut b, &customer, "consultation", "询问保修期").await;
    let f = b.get("/desk/fragment").await;
    assert_eq!(f.status, StatusCode::OK);
    assert!(f.text.contains("id=\"fig-open\">1<") && f.text.contains("海宁客户"));
    assert!(!f.text.contains("<html"));
    let f = b.get("/desk/fragment?mine=1").await;
    assert!(f.text.contains("id=\"fig-open\">0<") && !f.text.contains("海宁客户"));
    let stranger = Browser::new(app).get("/desk/fragment").await;
    assert_eq!(stranger.status, StatusCode::SEE_OTHER);
}

on_both_backends!(
    owner_lists_offer_only_people_who_can_own_the_work_sorted_by_pinyin,
    owner_lists_offer_only_people_who_can_own_the_work_sorted_by_pinyin_on_postgres,
    owner_lists_offer_only_people_who_can_own_the_work_sorted_by_pinyin_on
);

async fn owner_lists_offer_only_people_who_can_own_the_work_sorted_by_pinyin_on(app: &TestApp) {
    for (username, name, role) in [
        ("zhou", "周涛", "technician"),
        ("an", "安然", "service_manager"),
        ("boss", "系统管理员", "admin"),
        ("zhao", "赵敏", "salesperson"),
        ("li", "李军", "technician"),
    ] {
        let u = sanbao_domain::user::NewUser::parse(username, name, role, PASSWORD).unwrap();
        sanbao_server::app::users::add_user(&app.state, &u, PASSWORD, chrono::Utc::now())
            .await
            .unwrap();
    }
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let customer = add_customer(&mut b, "余杭客户", "杭州市余杭区", "0571-2222 3333").await;
    let complaint = record(&mut b, &customer, "complaint_quality", "断路器频繁跳闸").await;
    let page = b.get(&complaint).await.text;
    let assign = &page[page.find("name=\"assignee_id\"").unwrap()..];
    let assign = &assign[..assign.find("</select>").unwrap()];
    assert!(
        !assign.contains("系统管理员") && !assign.contains("赵敏"),
        "{assign}"
    );
    let order: Vec<usize> = ["安然", "李军", "周涛"]
        .iter()
        .map(|n| assign.find(n).unwrap_or_else(|| panic!("{n} in {assign}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "by pinyin: {assign}");

    let repair = record(&mut b, &customer, "repair", "更换电容").await;
    let page = b.get(&repair).await.text;
    let assign = &page[page.find("name=\"assignee_id\"").unwrap()..];
    let assign = &assign[..assign.find("</select>").unwrap()];
    assert!(assign.contains("赵敏") && !assign.contains("系统管理员"));
    let dispatch = &page[page.find("name=\"technician_id\"").unwrap()..];
    let dispatch = &dispatch[..dispatch.find("</select>").unwrap()];
    assert!(dispatch.find("李军").unwrap() < dispatch.find("周涛").unwrap());
    assert!(!dispatch.contains("安然") && !dispatch.contains("赵敏"));
}

on_both_backends!(
    a_post_without_or_with_a_wrong_csrf_token_is_refused,
    a_post_without_or_with_a_wrong_csrf_token_is_refused_on_postgres,
    a_post_without_or_with_a_wrong_csrf_token_is_refused_on
);

async fn a_post_without_or_with_a_wrong_csrf_token_is_refused_on(app: &TestApp) {
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let fields = [("name", "无令牌客户"), ("address", "杭州市上城区")];
    let r = b.post("/customers", &fields).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("表单已过期") && r.text.contains("<html"));
    let mut with_wrong = vec![("_csrf", "0000")];
    with_wrong.extend_from_slice(&fields);
    assert_eq!(
        b.post("/customers", &with_wrong).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        b.post("/logout", &[("_csrf", "0000")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(customers_in_archive(app).await, 0);
}

on_both_backends!(
    the_ticket_page_offers_each_role_its_own_steps_and_records_them,
    the_ticket_page_offers_each_role_its_own_steps_and_records_them_on_postgres,
    the_ticket_page_offers_each_role_its_own_steps_and_records_them_on
);

async fn the_ticket_page_offers_each_role_its_own_steps_and_records_them_on(app: &TestApp) {
    let tech = app.user("tech", "technician").await;
    let mut clerk = signed_in(app, "clerk", "service_clerk").await;
    let customer = add_customer(
        &mut clerk,
        "临平开关厂",
        "杭州市临平区南苑街道",
        "0571-86001234",
    )
    .await;
    let ticket = record(&mut clerk, &customer, "emergency", "母线失电").await;

    let mut t = sign_in(app, "tech").await;
    let seen = t.get(&ticket).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(
        !seen.text.contains("value=\"dispatch\""),
        "a technician cannot dispatch"
    );
    assert!(seen.text.contains("value=\"note\""));

    let page = clerk.get(&ticket).await;
    assert!(page.text.contains("value=\"dispatch\""));
    assert!(
        !page.text.contains("value=\"give_opinion\""),
        "no opinion on an emergency"
    );
    assert!(
        page.text
            .contains(&format!("<option value=\"{}\"", tech.id))
    );
    let events = format!("{ticket}/events");
    let token = csrf(&page.text);
    let tech_id = tech.id.to_string();
    let r = clerk
        .post(
            &events,
            &[
                ("_csrf", &token),
                ("type", "dispatch"),
                ("version", "1"),
                ("technician_id", &tech_id),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(location(&r), format!("{ticket}?done=dispatch"));

    let seen = t.get(&ticket).await;
    assert!(
        seen.text.contains("value=\"check_in\""),
        "the technician checks in once dispatched"
    );
    let r = t
        .post(
            &events,
            &[
                ("_csrf", &csrf(&seen.text)),
                ("type", "check_in"),
                ("version", "2"),
                ("at", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let done = t.get(&format!("{ticket}?done=check_in")).await;
    assert!(done.text.contains("已记录：到场签到"));
    assert!(done.text.contains("dl-met") && done.text.contains("按时完成"));
    assert!(
        done.text.contains("已派工") && done.text.contains("已到场"),
        "before → after in words"
    );
    assert!(done.text.contains("tech-name"));

    // The same step again, on the version read before: the desk is told to reload.
    let r = clerk
        .post(
            &events,
            &[
                ("_csrf", &token),
                ("type", "dispatch"),
                ("version", "1"),
                ("technician_id", &tech_id),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("重新加载") && r.text.contains(&format!("href=\"{ticket}\"")));
}

on_both_backends!(
    an_empty_opinion_comes_back_with_its_message,
    an_empty_opinion_comes_back_with_its_message_on_postgres,
    an_empty_opinion_comes_back_with_its_message_on
);

async fn an_empty_opinion_comes_back_with_its_message_on(app: &TestApp) {
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let customer = add_customer(&mut b, "绍兴客户", "浙江省绍兴市越城区", "0575-1234567").await;
    let ticket = record(&mut b, &customer, "complaint_quality", "断路器频繁跳闸").await;
    let page = b.get(&ticket).await;
    assert!(page.text.contains("value=\"give_opinion\"") && page.text.contains("处理意见时限"));
    let r = b
        .post(
            &format!("{ticket}/events"),
            &[
                ("_csrf", &csrf(&page.text)),
                ("type", "give_opinion"),
                ("version", "1"),
                ("opinion", "  "),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("field-error") && r.text.contains("必填"));
    let r = b
        .post(
            &format!("{ticket}/events"),
            &[
                ("_csrf", &csrf(&page.text)),
                ("type", "give_opinion"),
                ("version", "1"),
                ("opinion", "明日派技术员检查"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(b.get(&ticket).await.text.contains("明日派技术员检查"));
}

on_both_backends!(
    a_customer_account_gets_403_pages,
    a_customer_account_gets_403_pages_on_postgres,
    a_customer_account_gets_403_pages_on
);

async fn a_customer_account_gets_403_pages_on(app: &TestApp) {
    let mut b = signed_in(app, "buyer", Role::Customer.as_str()).await;
    for page in ["/", "/customers", "/tickets", "/tickets/new"] {
        let r = b.get(page).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{page}");
        assert!(r.text.contains("无权访问"), "{page}");
    }
}

on_both_backends!(
    a_technician_gets_403_on_forms_of_others_and_404_for_what_does_not_exist,
    a_technician_gets_403_on_forms_of_others_and_404_for_what_does_not_exist_on_postgres,
    a_technician_gets_403_on_forms_of_others_and_404_for_what_does_not_exist_on
);

async fn a_technician_gets_403_on_forms_of_others_and_404_for_what_does_not_exist_on(
    app: &TestApp,
) {
    let mut b = signed_in(app, "tech", "technician").await;
    assert_eq!(b.get("/customers/new").await.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/tickets/new").await.status, StatusCode::FORBIDDEN);
    assert!(
        !b.get("/").await.text.contains("href=\"/tickets/new\""),
        "no intake link for a technician"
    );
    let r = b.get("/tickets/999").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text.contains("找不到") && r.text.contains("返回服务台"));
    assert_eq!(b.get("/customers/abc").await.status, StatusCode::NOT_FOUND);
}

on_both_backends!(
    the_english_switch_renders_english,
    the_english_switch_renders_english_on_postgres,
    the_english_switch_renders_english_on
);

async fn the_english_switch_renders_english_on(app: &TestApp) {
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let r = b
        .post("/lang", &[("lang", "en"), ("next", "/customers")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/customers");
    assert_eq!(b.cookies.get("sanbao_lang").map(String::as_str), Some("en"));
    let desk = b.get("/").await;
    assert!(desk.text.contains("<html lang=\"en\">"));
    assert!(desk.text.contains("Service desk") && desk.text.contains("Due within the hour"));
    assert!(!desk.text.contains("服务台"));
    let customer = add_customer(
        &mut b,
        "Hangzhou Works",
        "杭州市滨江区江南大道3588号",
        "0571-12345678",
    )
    .await;
    assert!(b.get(&customer).await.text.contains("Hangzhou urban"));
    let off_site = b
        .post("/lang", &[("lang", "en"), ("next", "//evil.example")])
        .await;
    assert_eq!(location(&off_site), "/");
}

#[tokio::test]
async fn the_stylesheet_and_script_are_embedded_and_cached_long() {
    let app = TestApp::new().await;
    let mut b = Browser::new(&app);
    let login = b.get("/login").await;
    let css = login
        .text
        .split("href=\"/static/app.css")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let r = b.get(&format!("/static/app.css{css}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(r.text.contains("@media print"));
    let js = b.get("/static/app.js").await;
    assert!(
        js.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(
        b.get("/static/other.js").await.status,
        StatusCode::NOT_FOUND
    );
    let icon = attr_values(&login.text, "href")
        .into_iter()
        .find(|h| h.starts_with("/static/favicon.svg?v="))
        .expect("the page links its icon")
        .to_string();
    for (path, cache) in [
        (icon.as_str(), "immutable"),
        ("/favicon.ico", "max-age=86400"),
    ] {
        let r = b.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.headers[header::CONTENT_TYPE], "image/svg+xml", "{path}");
        assert!(
            r.headers[header::CACHE_CONTROL]
                .to_str()
                .unwrap()
                .contains(cache),
            "{path}"
        );
        assert!(r.text.starts_with("<svg"), "{path}");
    }
    assert!(css_has_a_visible_focus_ring(
        &b.get(&format!("/static/app.css{css}")).await.text
    ));
    assert!(
        login.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
}

/// The value of a CSS colour variable (`--name: #rrggbb;`) as linear-light luminance.
fn luminance(css: &str, var: &str) -> f64 {
    let marker = format!("--{var}: #");
    let i = css
        .find(&marker)
        .unwrap_or_else(|| panic!("--{var} missing"))
        + marker.len();
    let hex = &css[i..i + 6];
    let channel = |k: usize| {
        let c = f64::from(u8::from_str_radix(&hex[k..k + 2], 16).unwrap()) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

fn contrast(a: f64, b: f64) -> f64 {
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

/// Every focusable thing gets a 3px ring when the keyboard is on it, in a colour of at
/// least 3:1 against each background it can sit on (WCAG 2.2, 1.4.11 and 2.4.13).
fn css_has_a_visible_focus_ring(css: &str) -> bool {
    assert!(
        css.contains(":focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }")
    );
    let focus = luminance(css, "focus");
    for bg in [
        "bg",
        "panel",
        "accent-weak",
        "red-bg",
        "amber-bg",
        "green-bg",
    ] {
        let c = contrast(focus, luminance(css, bg));
        assert!(c >= 3.0, "focus ring on --{bg}: {c:.2}:1");
    }
    // Inside the blue "on" segment the ring is white.
    assert!(css.contains(".segmented a.on:focus-visible { outline-color: #fff; }"));
    contrast(1.0, luminance(css, "accent")) >= 3.0
}

on_both_backends!(
    a_customer_page_shows_its_change_history_with_before_and_after,
    a_customer_page_shows_its_change_history_with_before_and_after_on_postgres,
    a_customer_page_shows_its_change_history_with_before_and_after_on
);

async fn a_customer_page_shows_its_change_history_with_before_and_after_on(app: &TestApp) {
    let mut clerk = signed_in(app, "clerk", "service_clerk").await;
    let page = add_customer(
        &mut clerk,
        "桐庐水厂",
        "浙江省杭州市桐庐县城南街道",
        "0571-6460 1234",
    )
    .await;
    let r = clerk
        .submit(
            &format!("{page}/edit"),
            &page,
            &[
                ("version", "1"),
                ("name", "桐庐水厂"),
                ("address", "浙江省杭州市桐庐县城南街道"),
                ("region", "hangzhou_urban"),
                ("region_reason", "取水泵站在富阳区"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let text = clerk.get(&page).await.text;
    for want in [
        "档案变更记录",
        "建档",
        "修正区域",
        "取水泵站在富阳区",
        "区域: 浙江省内 → 杭州市区",
    ] {
        assert!(text.contains(want), "{want} missing");
    }
}

on_both_backends!(
    the_desk_lists_work_whose_deadline_was_met_apart_from_work_without_one,
    the_desk_lists_work_whose_deadline_was_met_apart_from_work_without_one_on_postgres,
    the_desk_lists_work_whose_deadline_was_met_apart_from_work_without_one_on
);

async fn the_desk_lists_work_whose_deadline_was_met_apart_from_work_without_one_on(app: &TestApp) {
    let boss = app.token("boss", "service_manager").await;
    let c = app
        .api_customer(&boss, "嘉兴客户", "浙江省嘉兴市南湖区")
        .await;
    let answered = app
        .api_ticket(&boss, &c, "complaint_other", "柜门异响")
        .await;
    let repair = app.api_ticket(&boss, &c, "repair", "柜门异响").await;
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tickets/{}/events", answered["id"]),
            Some(&boss),
            Some(serde_json::json!({"type": "give_opinion", "opinion": "更换门铰链", "version": answered["version"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let desk = b.get("/desk/fragment").await.text;
    let section = |id: &str| {
        let start = desk
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no {id}"));
        let end = desk[start..]
            .find("</section>")
            .map_or(desk.len(), |e| start + e);
        desk[start..end].to_string()
    };
    let (met, without) = (section("deadlines-met"), section("without-deadline"));
    let (a, rp) = (
        answered["number"].as_str().unwrap(),
        repair["number"].as_str().unwrap(),
    );
    assert!(met.contains(a) && !met.contains(rp), "{met}");
    assert!(without.contains(rp) && !without.contains(a), "{without}");
    assert!(!section("by-deadline").contains(a));
}
