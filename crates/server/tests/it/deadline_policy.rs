//! The deadline policy as data (issue 7, part 1): the API to read, version, save and try a
//! policy, and the settings page, on both backends.

use crate::support::{TestApp, on_both_backends};
use crate::web::{csrf, signed_in};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Friday 12 February 2027, 10:00 in China: inside the holidays of the calendar below.
const ON_HOLIDAY: &str = "2027-02-12T10:00:00+08:00";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn week() -> Value {
    let day = "08:30-12:00, 13:00-17:30";
    json!([day, day, day, day, day, "", ""])
}

/// The built-in policy with consultations counted in office hours, over `base`.
async fn office_hours_policy(app: &TestApp, token: &str, base: i64) -> Value {
    let r = app
        .call("GET", "/api/v1/deadline-policy", Some(token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut p = r.json();
    for t in p["targets"].as_array_mut().unwrap() {
        if t["ticket_kind"] == "consultation" {
            t["calendar"] = json!("办公时间");
        }
    }
    json!({
        "base_version": base,
        "note": "咨询按办公时间计算",
        "targets": p["targets"],
        "calendars": [{"name": "办公时间", "week": week(), "holidays": ["2027-02-10..2027-02-16"], "workdays": ["2027-02-20"]}],
        "warn_pct": p["warn_pct"],
        "escalate_again_minutes": p["escalate_again_minutes"],
        "quiet_hours": p["quiet_hours"],
        "head_id": null,
    })
}

async fn due_at(app: &TestApp, token: &str, id: &Value) -> String {
    let r = app
        .call("GET", &format!("/api/v1/tickets/{id}"), Some(token), None)
        .await;
    r.json()["deadlines"][0]["due_at"]
        .as_str()
        .unwrap()
        .to_string()
}

/// How many versions are stored (version 0, the built-in one, is always there).
async fn policy_rows(app: &TestApp) -> usize {
    app.db.policy_versions().await.unwrap().len()
}

on_both_backends!(
    saving_a_calendar_moves_open_consultations_into_working_hours_and_leaves_closed_ones,
    saving_a_calendar_moves_open_consultations_into_working_hours_and_leaves_closed_ones_on_postgres,
    saving_a_calendar_moves_open_consultations_into_working_hours_and_leaves_closed_ones_on
);
async fn saving_a_calendar_moves_open_consultations_into_working_hours_and_leaves_closed_ones_on(
    app: &TestApp,
) {
    app.clock.set(at(ON_HOLIDAY));
    let boss = app.token("boss", "service_manager").await;
    let c = app
        .api_customer(&boss, "杭州电力", "杭州市西湖区文三路 1 号")
        .await;
    let open = app
        .api_ticket(&boss, &c, "consultation", "问保护定值")
        .await;
    let closed = app.api_ticket(&boss, &c, "consultation", "问价格").await;
    // Wall clock, version 0: due twelve hours later.
    assert_eq!(
        due_at(app, &boss, &open["id"]).await,
        "2027-02-12T22:00:00+08:00"
    );
    let r = app
        .call(
            "POST",
            &format!("/api/v1/tickets/{}/events", closed["id"]),
            Some(&boss),
            Some(json!({"type": "cancel", "reason": "客户撤回", "version": closed["version"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let body = office_hours_policy(app, &boss, 0).await;
    let r = app
        .call("PUT", "/api/v1/deadline-policy", Some(&boss), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let saved = r.json();
    assert_eq!(saved["policy"]["version"], 1);
    assert_eq!(saved["recomputed"], 1);
    // Holidays to the 16th; then 8 h on the 17th and 4 h on the 18th.
    assert_eq!(
        due_at(app, &boss, &open["id"]).await,
        "2027-02-18T13:30:00+08:00"
    );
    assert_eq!(
        due_at(app, &boss, &closed["id"]).await,
        "2027-02-12T22:00:00+08:00"
    );

    // The deadline names the version and the calendar, in both languages.
    let manager =
        sanbao_server::app::users::users(&app.state, &app.user("reader", "admin").await, None)
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.username == "boss")
            .unwrap();
    let t = sanbao_server::app::tickets::ticket(
        &app.state,
        &manager,
        sanbao_domain::TicketId(open["id"].as_i64().unwrap()),
    )
    .await
    .unwrap();
    assert_eq!(t.deadlines[0].basis.policy_version, 1);
    assert_eq!(t.deadlines[0].basis.calendar.as_deref(), Some("办公时间"));
    let mut b = signed_in(app, "clerk", "service_clerk").await;
    let page = b.get(&format!("/tickets/{}", open["id"])).await;
    assert!(page.text.contains("时限政策第 1 版"), "{}", page.text);
    assert!(page.text.contains("按工作日历「办公时间」的工作时间计"));

    // The version is listed with who saved it and why, and can be read back.
    let r = app
        .call("GET", "/api/v1/deadline-policy/versions", Some(&boss), None)
        .await;
    let versions = r.json();
    assert_eq!(versions[0]["version"], 1);
    assert_eq!(versions[0]["note"], "咨询按办公时间计算");
    assert_eq!(versions[0]["created_by"], "boss-name");
    let r = app
        .call(
            "GET",
            "/api/v1/deadline-policy/versions/1",
            Some(&boss),
            None,
        )
        .await;
    assert_eq!(r.json()["calendars"][0]["name"], "办公时间");
    assert_eq!(r.json()["calendars"][0]["workdays"][0], "2027-02-20");
    let r = app
        .call(
            "GET",
            "/api/v1/deadline-policy/versions/9",
            Some(&boss),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // A customer's page quotes the arrival promise of the policy in force.
    let mut body = office_hours_policy(app, &boss, 1).await;
    for t in body["targets"].as_array_mut().unwrap() {
        if t["ticket_kind"] == "emergency" && t["region"] == "hangzhou_urban" {
            t["minutes"] = json!(90);
        }
    }
    let r = app
        .call("PUT", "/api/v1/deadline-policy", Some(&boss), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let page = b.get(&format!("/customers/{}", c["id"])).await;
    assert!(
        page.text.contains("紧急抢修到场时限：1 小时 30 分"),
        "{}",
        page.text
    );
    let r = app
        .call(
            "POST",
            "/api/v1/regions/derive",
            Some(&boss),
            Some(json!({"address": "杭州市西湖区文三路 1 号"})),
        )
        .await;
    assert_eq!(r.json()["arrival_minutes"], 90);
}

on_both_backends!(
    a_stale_base_version_is_refused_and_writes_nothing,
    a_stale_base_version_is_refused_and_writes_nothing_on_postgres,
    a_stale_base_version_is_refused_and_writes_nothing_on
);
async fn a_stale_base_version_is_refused_and_writes_nothing_on(app: &TestApp) {
    let boss = app.token("boss", "service_manager").await;
    let body = office_hours_policy(app, &boss, 0).await;
    let r = app
        .call(
            "PUT",
            "/api/v1/deadline-policy",
            Some(&boss),
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let before = policy_rows(app).await;
    let r = app
        .call("PUT", "/api/v1/deadline-policy", Some(&boss), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(policy_rows(app).await, before);
    let r = app
        .call("GET", "/api/v1/deadline-policy", Some(&boss), None)
        .await;
    assert_eq!(r.json()["version"], 1);
}

/// A change that spoils a good policy.
type Change = Box<dyn Fn(&mut Value)>;

on_both_backends!(
    bad_policies_are_refused_by_field_and_write_nothing,
    bad_policies_are_refused_by_field_and_write_nothing_on_postgres,
    bad_policies_are_refused_by_field_and_write_nothing_on
);
async fn bad_policies_are_refused_by_field_and_write_nothing_on(app: &TestApp) {
    let boss = app.token("boss", "service_manager").await;
    let good = office_hours_policy(app, &boss, 0).await;
    let before = policy_rows(app).await;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|b| b["targets"][2]["minutes"] = json!(0)),
            "targets[2].minutes",
        ),
        (
            Box::new(|b| b["targets"][0]["ticket_kind"] = json!("picnic")),
            "targets[0].ticket_kind",
        ),
        (
            Box::new(|b| b["targets"][0]["calendar"] = json!("夜班")),
            "targets[0].calendar",
        ),
        (
            Box::new(|b| b["calendars"][0]["week"][1] = json!("9点到5点")),
            "calendars[0].week[1]",
        ),
        (
            Box::new(|b| b["calendars"][0]["holidays"] = json!(["2027-02-30"])),
            "calendars[0].holidays",
        ),
        (Box::new(|b| b["warn_pct"] = json!(100)), "warn_pct"),
        (
            Box::new(|b| b["quiet_hours"] = json!("晚上")),
            "quiet_hours",
        ),
        (Box::new(|b| b["head_id"] = json!(9999)), "head_id"),
    ];
    for (change, field) in cases {
        let mut body = good.clone();
        change(&mut body);
        let r = app
            .call("PUT", "/api/v1/deadline-policy", Some(&boss), Some(body))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            r.text
        );
        let fields = r.json()["error"]["fields"].clone();
        assert!(fields.get(field).is_some(), "{field}: {fields}");
    }
    assert_eq!(policy_rows(app).await, before);
}

on_both_backends!(
    a_technician_may_not_read_versions_save_or_try_a_policy,
    a_technician_may_not_read_versions_save_or_try_a_policy_on_postgres,
    a_technician_may_not_read_versions_save_or_try_a_policy_on
);
async fn a_technician_may_not_read_versions_save_or_try_a_policy_on(app: &TestApp) {
    let boss = app.token("boss", "service_manager").await;
    let tech = app.token("tech", "technician").await;
    let body = office_hours_policy(app, &boss, 0).await;
    let r = app
        .call(
            "PUT",
            "/api/v1/deadline-policy",
            Some(&tech),
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .call("GET", "/api/v1/deadline-policy/versions", Some(&tech), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let preview =
        json!({"policy": strip(&body), "ticket_kind": "consultation", "received_at": ON_HOLIDAY});
    let r = app
        .call(
            "POST",
            "/api/v1/deadline-policy/preview",
            Some(&tech),
            Some(preview),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut b = signed_in(app, "tech2", "technician").await;
    assert_eq!(
        b.get("/settings/deadlines").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(policy_rows(app).await, 1);
}

/// A save body without `base_version` and `note`: a draft for the preview.
fn strip(body: &Value) -> Value {
    let mut d = body.clone();
    let o = d.as_object_mut().unwrap();
    o.remove("base_version");
    o.remove("note");
    d
}

on_both_backends!(
    the_preview_answers_due_times_under_a_draft_without_writing,
    the_preview_answers_due_times_under_a_draft_without_writing_on_postgres,
    the_preview_answers_due_times_under_a_draft_without_writing_on
);
async fn the_preview_answers_due_times_under_a_draft_without_writing_on(app: &TestApp) {
    let boss = app.token("boss", "service_manager").await;
    let body = office_hours_policy(app, &boss, 0).await;
    let preview = json!({"policy": strip(&body), "ticket_kind": "consultation", "region": "zhejiang", "received_at": ON_HOLIDAY});
    let r = app
        .call(
            "POST",
            "/api/v1/deadline-policy/preview",
            Some(&boss),
            Some(preview),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let d = &r.json()["deadlines"][0];
    assert_eq!(d["kind"], "reply");
    assert_eq!(d["due_at"], "2027-02-18T13:30:00+08:00");
    assert_eq!(d["calendar"], "办公时间");
    assert_eq!(d["policy_version"], 1);
    assert!(d["explanation"].as_str().unwrap().contains("办公时间"));
    // A repair gets no deadline; a bad draft is named by field.
    let mut bad = strip(&body);
    bad["warn_pct"] = json!(0);
    let r = app
        .call(
            "POST",
            "/api/v1/deadline-policy/preview",
            Some(&boss),
            Some(json!({"policy": bad, "ticket_kind": "consultation", "received_at": ON_HOLIDAY})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["error"]["fields"].get("policy.warn_pct").is_some(),
        "{}",
        r.text
    );
    let r = app
        .call("GET", "/api/v1/deadline-policy", Some(&boss), None)
        .await;
    assert_eq!(r.json()["version"], 0);
    assert_eq!(policy_rows(app).await, 1);
}

/// The page's form fields as the editor shows them for the built-in policy, with the
/// consultation counted on `calendar`.
fn page_fields(html: &str) -> Vec<(String, String)> {
    // Read every input/select/textarea name and its current value from the page.
    let mut out = Vec::new();
    let doc = html;
    let mut rest = doc;
    while let Some(i) = rest.find("name=\"") {
        let tag_start = rest[..i].rfind('<').unwrap();
        let tag = &rest[tag_start..];
        let name_end = rest[i + 6..].find('"').unwrap() + i + 6;
        let name = rest[i + 6..name_end].to_string();
        let close = tag.find('>').unwrap();
        let open_tag = &tag[..close];
        if open_tag.starts_with("<input") {
            let ty = attr(open_tag, "type").unwrap_or_default();
            let value = attr(open_tag, "value").unwrap_or_default();
            if ty == "checkbox" {
                if open_tag.contains(" checked") {
                    out.push((name, value));
                }
            } else if ty != "submit" {
                out.push((name, value));
            }
        } else if open_tag.starts_with("<select") {
            let body = &tag[close..tag.find("</select>").unwrap()];
            let value = body
                .split("<option")
                .find(|o| o.contains(" selected"))
                .or_else(|| body.split("<option").nth(1))
                .and_then(|o| attr(o, "value"))
                .unwrap_or_default();
            out.push((name, value));
        } else if open_tag.starts_with("<textarea") {
            let body = &tag[close + 1..tag.find("</textarea>").unwrap()];
            out.push((name, body.replace("&#x2d;", "-")));
        }
        rest = &rest[name_end..];
    }
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    Some(
        tag[i..]
            .split('"')
            .next()?
            .replace("&#x2d;", "-")
            .replace("&#43;", "+"),
    )
}

fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    match fields.iter_mut().find(|(k, _)| k == name) {
        Some(f) => f.1 = value.to_string(),
        None => fields.push((name.to_string(), value.to_string())),
    }
}

on_both_backends!(
    the_settings_page_saves_a_calendar_tries_it_and_keeps_a_mistake,
    the_settings_page_saves_a_calendar_tries_it_and_keeps_a_mistake_on_postgres,
    the_settings_page_saves_a_calendar_tries_it_and_keeps_a_mistake_on
);
async fn the_settings_page_saves_a_calendar_tries_it_and_keeps_a_mistake_on(app: &TestApp) {
    let mut b = signed_in(app, "boss", "service_manager").await;
    let page = b.get("/settings/deadlines").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("href=\"/settings/deadlines\""),
        "nav entry"
    );
    let token = csrf(&page.text);
    let mut fields = page_fields(&page.text);
    fields.retain(|(k, _)| k != "_csrf");
    // The built-in policy: the consultation is the 7th line (after 2 complaints and 4
    // emergency regions).
    let consult = fields
        .iter()
        .find(|(k, v)| k.ends_with(".ticket_kind") && v == "consultation")
        .map(|(k, _)| k.trim_end_matches(".ticket_kind").to_string())
        .unwrap();
    let blank_cal = "calendars[0]";
    set(&mut fields, &format!("{blank_cal}.name"), "办公时间");
    set(
        &mut fields,
        &format!("{blank_cal}.holidays"),
        "2027-02-10..2027-02-16",
    );
    set(&mut fields, &format!("{consult}.calendar"), "办公时间");
    set(&mut fields, "note", "咨询按办公时间计算");
    // A mistake first: the hours of Tuesday, and a quiet time that is no time.
    set(&mut fields, &format!("{blank_cal}.week[1]"), "九点到五点");
    set(&mut fields, "quiet_hours", "晚上");
    let post = |fields: &Vec<(String, String)>, op: &str| {
        let mut all: Vec<(String, String)> =
            vec![("_csrf".into(), token.clone()), ("op".into(), op.into())];
        all.extend(fields.iter().cloned());
        all
    };
    let send = post(&fields, "save");
    let pairs: Vec<(&str, &str)> = send.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = b.post("/settings/deadlines", &pairs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("九点到五点") && r.text.contains("2027-02-10..2027-02-16"));
    assert!(r.text.contains("value=\"晚上\""));
    assert!(
        r.text.contains("工作时间如 08:30-12:00"),
        "message at the day"
    );
    assert!(r.text.contains("时段如 22:00-08:00"));
    assert_eq!(policy_rows(app).await, 1);

    // Corrected, tried on a contact received on the holiday.
    set(
        &mut fields,
        &format!("{blank_cal}.week[1]"),
        "08:30-12:00, 13:00-17:30",
    );
    set(&mut fields, "quiet_hours", "22:00-08:00");
    set(&mut fields, "try_kind", "consultation");
    set(&mut fields, "try_region", "hangzhou_urban");
    set(&mut fields, "try_received_at", "2027-02-12T10:00");
    let send = post(&fields, "try");
    let pairs: Vec<(&str, &str)> = send.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = b.post("/settings/deadlines", &pairs).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("2027-02-18 13:30"), "{}", r.text);
    assert!(r.text.contains("时限政策第 1 版"));
    assert_eq!(policy_rows(app).await, 1, "trying writes nothing");

    // Saved: version 1 is in force and listed with its note.
    let send = post(&fields, "save");
    let pairs: Vec<(&str, &str)> = send.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = b.post("/settings/deadlines", &pairs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = b.get(&crate::web::location(&r)).await;
    assert!(page.text.contains("第 1 版已保存"), "{}", page.text);
    assert!(page.text.contains("咨询按办公时间计算"));
    assert!(page.text.contains("/settings/deadlines/versions/1"));
    let v = b.get("/settings/deadlines/versions/1").await;
    assert_eq!(v.status, StatusCode::OK);
    assert!(v.text.contains("办公时间") && v.text.contains("2027-02-16"));

    // The same form again, over version 0: stale, kept as typed, nothing written.
    let send = post(&fields, "save");
    let pairs: Vec<(&str, &str)> = send.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = b.post("/settings/deadlines", &pairs).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("咨询按办公时间计算") && r.text.contains("现为第 1 版"));
    assert_eq!(policy_rows(app).await, 2);
}
