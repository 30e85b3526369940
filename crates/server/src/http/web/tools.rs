//! The tools register (R1.5): `/tools` (the register, filtered to what is overdue, due
//! for calibration or lent; a tool registered from the same page), `/tools/{id}` (the
//! tool, its check-outs and calibrations, and the forms of its life: lend, take back,
//! calibrate, edit, retire) and `/tools/mine` (a technician's tools, on the phone).

use super::view::{Choice, ErrorSummary, FormField, Messages, full_time};
use super::{
    Layout, QueryParams, WebError, WebForm, WebResult, WebUser, render, render_with, see_other,
};
use crate::app;
use crate::app::AppState;
use crate::app::tools::{condition_label, status_label, today};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use sanbao_domain::tools::{
    CalibrationInput, CalibrationState, CheckoutInput, Condition, ToolFilter, ToolInput,
    ToolStatus, ToolView, may_keep_tools,
};
use sanbao_domain::{Error, FieldErrors, JobId, Permission, ToolId, UserId};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/tools", get(list).post(register))
        .route("/tools/mine", get(mine))
        .route("/tools/{id}", get(detail))
        .route("/tools/{id}/checkout", post(check_out))
        .route("/tools/{id}/checkin", post(check_in))
        .route("/tools/{id}/calibration", post(calibrate))
        .route("/tools/{id}/edit", post(edit))
        .route("/tools/{id}/retire", post(retire))
}

fn id_of(s: &str) -> WebResult<ToolId> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(ToolId)
        .ok_or_else(|| WebError::not_found("tool"))
}

fn opt_id(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok().filter(|n| *n > 0)
}

/// A tool as the lists and its page show it.
struct Row {
    href: String,
    asset_code: String,
    name: String,
    category: String,
    location: String,
    status: &'static str,
    status_label: &'static str,
    holder: Option<String>,
    expected: Option<String>,
    purpose: Option<String>,
    job_href: Option<String>,
    job: Option<String>,
    /// "3 days overdue", when it is.
    overdue: Option<String>,
    /// `not_tracked`, `current`, `due_soon`, `overdue`.
    cal_state: &'static str,
    cal_label: String,
    cal_due: String,
}

fn calibration_words(u: &WebUser, s: CalibrationState) -> String {
    match s {
        CalibrationState::NotTracked => u.t("tools.cal.not_tracked").to_string(),
        CalibrationState::Current => u.t("tools.cal.current").to_string(),
        CalibrationState::DueSoon { days_left: 0 } => u.t("tools.cal.due_today").to_string(),
        CalibrationState::DueSoon { days_left } => {
            u.lang.f("tools.cal.due_soon", &[("days", &days_left)])
        }
        CalibrationState::Overdue { days } => u.lang.f("tools.cal.overdue", &[("days", &days)]),
    }
}

impl Row {
    fn new(u: &WebUser, v: &ToolView, today: NaiveDate) -> Row {
        let t = &v.tool;
        let cal = t.calibration(today);
        let open = v.open.as_ref();
        Row {
            href: format!("/tools/{}", t.id),
            asset_code: t.asset_code.clone(),
            name: t.name.clone(),
            category: t.category.clone().unwrap_or_default(),
            location: t.location.clone().unwrap_or_default(),
            status: t.status.as_str(),
            status_label: status_label(u.lang, t.status),
            holder: v.holder_name.clone(),
            expected: open.map(|c| c.expected_return_on.to_string()),
            purpose: open.and_then(|c| c.purpose.clone()),
            job_href: open
                .and_then(|c| c.job_id)
                .map(|j| format!("/field/jobs/{j}")),
            job: open
                .and_then(|c| c.job_id)
                .map(|j| u.lang.f("tools.job_n", &[("id", &j)])),
            overdue: open.filter(|c| c.is_overdue(today)).map(|c| {
                u.lang.f(
                    "tools.overdue_days",
                    &[("days", &(today - c.expected_return_on).num_days())],
                )
            }),
            cal_state: cal.name(),
            cal_label: calibration_words(u, cal),
            cal_due: t
                .calibration_due_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The register.

/// The register fields as typed, kept when a form comes back with problems.
#[derive(Default, Clone)]
struct Typed {
    asset_code: String,
    name: String,
    category: String,
    serial_no: String,
    location: String,
    interval: String,
    due: String,
    status: String,
}

impl Typed {
    fn read(form: &super::extract::Pairs) -> Typed {
        Typed {
            asset_code: form.text("asset_code"),
            name: form.text("name"),
            category: form.text("category"),
            serial_no: form.text("serial_no"),
            location: form.text("location"),
            interval: form.text("calibration_interval_months"),
            due: form.text("calibration_due_on"),
            status: form.text("status"),
        }
    }

    fn input(&self) -> ToolInput {
        ToolInput {
            asset_code: self.asset_code.clone(),
            name: self.name.clone(),
            category: Some(self.category.clone()),
            serial_no: Some(self.serial_no.clone()),
            location: Some(self.location.clone()),
            calibration_interval_months: Some(self.interval.clone()),
            calibration_due_on: Some(self.due.clone()),
            status: Some(self.status.clone()),
        }
    }
}

fn tool_fields(u: &WebUser, prefix: &str) -> Vec<FormField> {
    [
        ("asset_code", "tools.asset_code"),
        ("name", "tools.name"),
        ("category", "tools.category"),
        ("serial_no", "tools.serial_no"),
        ("location", "tools.location"),
        (
            "calibration_interval_months",
            "tools.calibration_interval_months",
        ),
        ("calibration_due_on", "tools.calibration_due_on"),
        ("status", "tools.status"),
    ]
    .into_iter()
    .map(|(name, key)| FormField::new(name, format!("{prefix}{name}"), u.t(key)))
    .collect()
}

struct Tab {
    href: &'static str,
    label: &'static str,
    on: bool,
}

#[derive(Template)]
#[template(path = "tools_list.html")]
struct ListPage {
    l: Layout,
    tabs: Vec<Tab>,
    rows: Vec<Row>,
    may_keep: bool,
    f: Typed,
    errors: Messages,
    form_errors: ErrorSummary,
    empty: &'static str,
}

async fn list_page(
    state: &AppState,
    u: &WebUser,
    show: &str,
    f: Typed,
    errs: &FieldErrors,
) -> WebResult<ListPage> {
    let filter = ToolFilter {
        overdue: show == "overdue",
        calibration_due: show == "calibration_due",
        checked_out: show == "checked_out",
        retired: show == "retired",
        holder: None,
    };
    let now = state.now();
    let views = app::tools::tools(state, &u.user, &filter, app::tools::LIST_MAX, now).await?;
    let day = today(now);
    let rows = views
        .iter()
        .filter(|v| show != "retired" || v.tool.status == ToolStatus::Retired)
        .map(|v| Row::new(u, v, day))
        .collect();
    let tabs = [
        ("", "/tools", "tools.tab.all"),
        ("overdue", "/tools?show=overdue", "tools.tab.overdue"),
        (
            "calibration_due",
            "/tools?show=calibration_due",
            "tools.tab.calibration_due",
        ),
        (
            "checked_out",
            "/tools?show=checked_out",
            "tools.tab.checked_out",
        ),
        ("retired", "/tools?show=retired", "tools.tab.retired"),
    ]
    .into_iter()
    .map(|(key, href, label)| Tab {
        href,
        label: u.t(label),
        on: key == show,
    })
    .collect();
    let errors = Messages::new(u.lang, errs);
    let form_errors = ErrorSummary::new(u.lang, &errors, &tool_fields(u, "new-"), None);
    let empty = match show {
        "overdue" => u.t("tools.none_overdue"),
        "calibration_due" => u.t("tools.none_calibration_due"),
        "checked_out" => u.t("tools.none_checked_out"),
        _ => u.t("tools.none"),
    };
    Ok(ListPage {
        l: u.layout("tools", u.t("tools.title")),
        tabs,
        rows,
        may_keep: u.may(Permission::ManageTools),
        f,
        errors,
        form_errors,
        empty,
    })
}

fn show_of(p: &super::extract::Pairs) -> &'static str {
    match p.filled("show") {
        Some("overdue") => "overdue",
        Some("calibration_due") => "calibration_due",
        Some("checked_out") => "checked_out",
        Some("retired") => "retired",
        _ => "",
    }
}

/// `GET /tools?show=overdue|calibration_due|checked_out|retired`: the register (keepers);
/// a technician is sent to their own tools.
pub async fn list(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    if !may_keep_tools(u.user.role) && u.may(Permission::DoFieldWork) {
        return Ok(see_other("/tools/mine"));
    }
    if !u.may(Permission::ManageTools) {
        return Err(Error::Forbidden.into());
    }
    let page = list_page(
        &state,
        &u,
        show_of(&p),
        Typed::default(),
        &FieldErrors::new(),
    )
    .await?;
    render(&page)
}

/// `POST /tools`: register a tool; problems come back on the register with what was typed.
pub async fn register(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let f = Typed {
        status: String::new(),
        ..Typed::read(&form)
    };
    match app::tools::register(&state, &u.user, &f.input(), state.now()).await {
        Ok(t) => Ok(see_other(&format!("/tools/{}?saved=registered", t.id))),
        Err(Error::Validation(errs)) => {
            let page = list_page(&state, &u, "", f, &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// A technician's own tools.

#[derive(Template)]
#[template(path = "tools_mine.html")]
struct MinePage {
    l: Layout,
    rows: Vec<Row>,
    today: String,
}

/// `GET /tools/mine`: the tools I hold, overdue ones first, with the day each is due back.
pub async fn mine(State(state): State<AppState>, u: WebUser) -> WebResult<Response> {
    let now = state.now();
    let filter = ToolFilter {
        holder: Some(u.user.id),
        ..ToolFilter::default()
    };
    let mut views = app::tools::tools(&state, &u.user, &filter, app::tools::LIST_MAX, now).await?;
    views.sort_by_key(|v| v.open.as_ref().map(|c| c.expected_return_on));
    let day = today(now);
    render(&MinePage {
        l: u.layout("tools_mine", u.t("tools.mine_title")),
        rows: views.iter().map(|v| Row::new(&u, v, day)).collect(),
        today: day.to_string(),
    })
}

// ---------------------------------------------------------------------------------------
// A tool's page.

/// What the forms of a tool's page hold: as typed when one comes back with problems.
#[derive(Default)]
struct Forms {
    /// The form the problems are about: `checkout`, `checkin`, `calibration`, `edit`,
    /// `retire`.
    which: &'static str,
    holder_id: String,
    job_id: String,
    purpose: String,
    out_on: String,
    expected: String,
    condition: String,
    remark: String,
    calibrated_on: String,
    next_due_on: String,
    note: String,
    reason: String,
    edit: Option<Typed>,
    errors: FieldErrors,
    /// A change refused because the tool changed or stands otherwise (409).
    conflict: bool,
}

struct HistoryRow {
    holder: String,
    out_on: String,
    expected: String,
    purpose: String,
    job_href: Option<String>,
    job: Option<String>,
    out_by: String,
    returned: Option<String>,
    condition: Option<&'static str>,
    damaged: bool,
    remark: String,
    overdue: bool,
}

struct CalibrationRow {
    calibrated_on: String,
    next_due_on: String,
    note: String,
    by: String,
}

#[derive(Template)]
#[template(path = "tools_detail.html")]
struct DetailPage {
    l: Layout,
    id: i64,
    r: Row,
    serial_no: String,
    interval: String,
    version: i64,
    retired: Option<(String, String)>,
    saved: Option<&'static str>,
    conflict: bool,
    may_keep: bool,
    can_check_out: bool,
    can_check_in: bool,
    can_calibrate: bool,
    can_retire: bool,
    cal_blocks: bool,
    holders: Vec<Choice>,
    conditions: Vec<Choice>,
    statuses: Vec<Choice>,
    f: Forms,
    e: Typed,
    errors: Messages,
    form_errors: ErrorSummary,
    history: Vec<HistoryRow>,
    calibrations: Vec<CalibrationRow>,
    today: String,
}

async fn detail_page(
    state: &AppState,
    u: &WebUser,
    id: ToolId,
    saved: Option<&'static str>,
    f: Forms,
) -> WebResult<DetailPage> {
    let v = app::tools::tool(state, &u.user, id).await?;
    let (outs, cals) = app::tools::history(state, &u.user, id).await?;
    let now = state.now();
    let day = today(now);
    let t = &v.tool;
    let may_keep = u.may(Permission::ManageTools);
    let holders = if may_keep {
        let mut h = vec![Choice::new("", u.t("tools.holder_choose"), &f.holder_id)];
        h.extend(
            app::tools::holders(state, &u.user)
                .await?
                .into_iter()
                .map(|p| Choice::new(p.id.to_string(), p.display_name, &f.holder_id)),
        );
        h
    } else {
        Vec::new()
    };
    let conditions = Condition::ALL
        .iter()
        .map(|c| Choice::new(c.as_str(), condition_label(u.lang, *c), &f.condition))
        .collect();
    let e = f.edit.clone().unwrap_or_else(|| Typed {
        asset_code: t.asset_code.clone(),
        name: t.name.clone(),
        category: t.category.clone().unwrap_or_default(),
        serial_no: t.serial_no.clone().unwrap_or_default(),
        location: t.location.clone().unwrap_or_default(),
        interval: t
            .calibration_interval_months
            .map(|m| m.to_string())
            .unwrap_or_default(),
        due: t
            .calibration_due_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
        status: t.status.as_str().to_string(),
    });
    let statuses = [
        ToolStatus::Available,
        ToolStatus::InCalibration,
        ToolStatus::NeedsRepair,
    ]
    .iter()
    .map(|s| Choice::new(s.as_str(), status_label(u.lang, *s), &e.status))
    .collect();
    let errors = Messages::new(u.lang, &f.errors);
    let mut fields = vec![
        FormField::new("holder_id", "holder_id", u.t("tools.holder")),
        FormField::new("job_id", "job_id", u.t("tools.job_id")),
        FormField::new("purpose", "purpose", u.t("tools.purpose")),
        FormField::new("out_on", "out_on", u.t("tools.out_on")),
        FormField::new(
            "expected_return_on",
            "expected_return_on",
            u.t("tools.expected_return_on"),
        ),
        FormField::new("condition", "condition-good", u.t("tools.condition")),
        FormField::new("remark", "remark", u.t("tools.remark")),
        FormField::new("calibrated_on", "calibrated_on", u.t("tools.calibrated_on")),
        FormField::new("next_due_on", "next_due_on", u.t("tools.next_due_on")),
        FormField::new("note", "note", u.t("tools.note")),
        FormField::new("reason", "reason", u.t("tools.reason")),
    ];
    if f.which == "edit" {
        fields.extend(tool_fields(u, "edit-"));
    } else {
        fields.push(FormField::new(
            "calibration_due_on",
            "",
            u.t("tools.calibration_due_on"),
        ));
    }
    let form_errors = ErrorSummary::new(u.lang, &errors, &fields, None);
    let history = outs
        .iter()
        .map(|c| {
            let k = &c.checkout;
            HistoryRow {
                holder: c.holder_name.clone(),
                out_on: k.out_on.to_string(),
                expected: k.expected_return_on.to_string(),
                purpose: k.purpose.clone().unwrap_or_default(),
                job_href: k.job_id.map(|j| format!("/field/jobs/{j}")),
                job: k.job_id.map(|j| u.lang.f("tools.job_n", &[("id", &j)])),
                out_by: c.out_by_name.clone(),
                returned: k.returned_at.map(|at| {
                    format!(
                        "{} · {}",
                        full_time(at),
                        c.returned_by_name.clone().unwrap_or_default()
                    )
                }),
                condition: k.condition.map(|x| condition_label(u.lang, x)),
                damaged: k.condition == Some(Condition::Damaged),
                remark: k.remark.clone().unwrap_or_default(),
                overdue: k.is_overdue(day),
            }
        })
        .collect();
    let calibrations = cals
        .iter()
        .map(|k| CalibrationRow {
            calibrated_on: k.calibration.calibrated_on.to_string(),
            next_due_on: k.calibration.next_due_on.to_string(),
            note: k.calibration.note.clone().unwrap_or_default(),
            by: format!(
                "{} · {}",
                k.recorded_by_name,
                full_time(k.calibration.recorded_at)
            ),
        })
        .collect();
    let r = Row::new(u, &v, day);
    Ok(DetailPage {
        l: u.layout(
            if may_keep { "tools" } else { "tools_mine" },
            format!("{} · {}", t.asset_code, t.name),
        ),
        id: id.0,
        serial_no: t.serial_no.clone().unwrap_or_default(),
        interval: t
            .calibration_interval_months
            .map(|m| u.lang.f("tools.months", &[("n", &m)]))
            .unwrap_or_default(),
        version: t.version,
        retired: t
            .retired_reason
            .clone()
            .map(|why| (why, t.retired_at.map(full_time).unwrap_or_default())),
        saved,
        conflict: f.conflict,
        may_keep,
        can_check_out: may_keep && t.status == ToolStatus::Available,
        can_check_in: may_keep && t.status == ToolStatus::CheckedOut,
        can_calibrate: may_keep
            && !matches!(t.status, ToolStatus::CheckedOut | ToolStatus::Retired),
        can_retire: may_keep && !matches!(t.status, ToolStatus::CheckedOut | ToolStatus::Retired),
        cal_blocks: matches!(t.calibration(day), CalibrationState::Overdue { .. }),
        holders,
        conditions,
        statuses,
        e,
        f,
        errors,
        form_errors,
        history,
        calibrations,
        today: day.to_string(),
        r,
    })
}

/// `GET /tools/{id}`
pub async fn detail(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let id = id_of(&id)?;
    let saved = match p.filled("saved") {
        Some("registered") => Some(u.t("tools.saved.registered")),
        Some("checked_out") => Some(u.t("tools.saved.checked_out")),
        Some("checked_in") => Some(u.t("tools.saved.checked_in")),
        Some("calibrated") => Some(u.t("tools.saved.calibrated")),
        Some("edited") => Some(u.t("tools.saved.edited")),
        Some("retired") => Some(u.t("tools.saved.retired")),
        _ => None,
    };
    render(&detail_page(&state, &u, id, saved, Forms::default()).await?)
}

/// After a step: back on the tool's page with what was saved; problems (422) or a tool
/// that changed meanwhile (409) come back on the page with what was typed.
async fn after_step(
    state: &AppState,
    u: &WebUser,
    id: ToolId,
    result: Result<(), Error>,
    saved: &str,
    mut f: Forms,
) -> WebResult<Response> {
    match result {
        Ok(()) => Ok(see_other(&format!("/tools/{id}?saved={saved}"))),
        Err(Error::Validation(errs)) => {
            f.errors = errs;
            let page = detail_page(state, u, id, None, f).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(Error::Conflict(why)) => {
            tracing::info!(tool_id = id.0, %why, "tool step refused");
            f.conflict = true;
            let page = detail_page(state, u, id, None, f).await?;
            render_with(StatusCode::CONFLICT, &page)
        }
        Err(e) => Err(e.into()),
    }
}

fn version(form: &super::extract::Pairs) -> i64 {
    form.text("version").trim().parse().unwrap_or(0)
}

/// `POST /tools/{id}/checkout`
pub async fn check_out(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = id_of(&id)?;
    let f = Forms {
        which: "checkout",
        holder_id: form.text("holder_id"),
        job_id: form.text("job_id"),
        purpose: form.text("purpose"),
        out_on: form.text("out_on"),
        expected: form.text("expected_return_on"),
        ..Forms::default()
    };
    let input = CheckoutInput {
        holder_id: opt_id(&f.holder_id).map(UserId),
        job_id: opt_id(&f.job_id).map(JobId),
        purpose: Some(f.purpose.clone()),
        out_on: Some(f.out_on.clone()),
        expected_return_on: Some(f.expected.clone()),
    };
    let mut early = FieldErrors::new();
    if !f.job_id.trim().is_empty() && input.job_id.is_none() {
        early.add("job_id", sanbao_domain::Problem::invalid("a job's number"));
    }
    let result = if early.is_empty() {
        app::tools::check_out(&state, &u.user, id, version(&form), &input, state.now())
            .await
            .map(|_| ())
    } else {
        Err(Error::Validation(early))
    };
    after_step(&state, &u, id, result, "checked_out", f).await
}

/// `POST /tools/{id}/checkin`
pub async fn check_in(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = id_of(&id)?;
    let f = Forms {
        which: "checkin",
        condition: form.text("condition"),
        remark: form.text("remark"),
        ..Forms::default()
    };
    let result = app::tools::check_in(
        &state,
        &u.user,
        id,
        version(&form),
        Some(f.condition.as_str()),
        Some(f.remark.as_str()),
        state.now(),
    )
    .await
    .map(|_| ());
    after_step(&state, &u, id, result, "checked_in", f).await
}

/// `POST /tools/{id}/calibration`
pub async fn calibrate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = id_of(&id)?;
    let f = Forms {
        which: "calibration",
        calibrated_on: form.text("calibrated_on"),
        next_due_on: form.text("next_due_on"),
        note: form.text("note"),
        ..Forms::default()
    };
    let input = CalibrationInput {
        calibrated_on: Some(f.calibrated_on.clone()),
        next_due_on: Some(f.next_due_on.clone()),
        note: Some(f.note.clone()),
    };
    let result =
        app::tools::record_calibration(&state, &u.user, id, version(&form), &input, state.now())
            .await
            .map(|_| ());
    after_step(&state, &u, id, result, "calibrated", f).await
}

/// `POST /tools/{id}/edit`
pub async fn edit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = id_of(&id)?;
    let typed = Typed::read(&form);
    let result = app::tools::edit(
        &state,
        &u.user,
        id,
        version(&form),
        &typed.input(),
        state.now(),
    )
    .await
    .map(|_| ());
    let f = Forms {
        which: "edit",
        edit: Some(typed),
        ..Forms::default()
    };
    after_step(&state, &u, id, result, "edited", f).await
}

/// `POST /tools/{id}/retire`
pub async fn retire(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = id_of(&id)?;
    let f = Forms {
        which: "retire",
        reason: form.text("reason"),
        ..Forms::default()
    };
    let result = app::tools::retire(&state, &u.user, id, version(&form), &f.reason, state.now())
        .await
        .map(|_| ());
    after_step(&state, &u, id, result, "retired", f).await
}
