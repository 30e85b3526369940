//! Requisitions on the desk (R1.5): `/parts/requisitions`, the queue (waiting for the
//! manager first, then approved and waiting for the store, then the rest), and
//! `/parts/requisitions/{id}`, one requisition with what the store holds of each line and
//! the buttons of whoever acts next: the manager approves with a note or refuses with a
//! reason, the store clerk issues it, who asked withdraws it.

use super::view::{Messages, full_time};
use super::{Layout, QueryParams, WebForm, WebResult, WebUser, render_with, see_other, url_with};
use crate::app;
use crate::app::AppState;
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::parts::{RequisitionFilter, RequisitionStatus, RequisitionView};
use sanbao_domain::{Error, FieldErrors, Permission, RequisitionId, UserId};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/parts/requisitions", get(list))
        .route("/parts/requisitions/{id}", get(detail))
        .route("/parts/requisitions/{id}/approve", post(approve))
        .route("/parts/requisitions/{id}/refuse", post(refuse))
        .route("/parts/requisitions/{id}/issue", post(issue))
        .route("/parts/requisitions/{id}/cancel", post(cancel))
}

/// Whether the queue is in one's navigation: those who approve or keep stock.
pub fn in_nav(u: &WebUser) -> bool {
    u.may(Permission::ApproveRequisitions) || u.may(Permission::KeepStock)
}

pub(crate) fn status_label(lang: Lang, s: RequisitionStatus) -> &'static str {
    lang.t(match s {
        RequisitionStatus::Requested => "parts.req.status.requested",
        RequisitionStatus::Approved => "parts.req.status.approved",
        RequisitionStatus::Refused => "parts.req.status.refused",
        RequisitionStatus::Issued => "parts.req.status.issued",
        RequisitionStatus::Cancelled => "parts.req.status.cancelled",
    })
}

/// Queue order: waiting for the manager, then for the store, then the rest.
fn rank(s: RequisitionStatus) -> u8 {
    match s {
        RequisitionStatus::Requested => 0,
        RequisitionStatus::Approved => 1,
        _ => 2,
    }
}

fn req_id(s: &str) -> WebResult<RequisitionId> {
    s.parse::<i64>()
        .map(RequisitionId)
        .map_err(|_| super::WebError::not_found("requisition"))
}

// ---------------------------------------------------------------------------------------
// The queue.

struct Row {
    id: i64,
    href: String,
    status: &'static str,
    status_label: String,
    holder: String,
    requested_by: String,
    job: Option<(String, String)>,
    lines: String,
    created: String,
    note: String,
}

struct Opt {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "requisitions_list.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    statuses: Vec<Opt>,
    holders: Vec<Opt>,
    /// The department sees everyone's; others their own.
    all: bool,
}

fn row(lang: Lang, v: &RequisitionView) -> Row {
    let r = &v.requisition;
    Row {
        id: r.id.0,
        href: format!("/parts/requisitions/{}", r.id.0),
        status: r.status.as_str(),
        status_label: status_label(lang, r.status).to_string(),
        holder: v.holder_name.clone(),
        requested_by: v.requested_by_name.clone(),
        job: r
            .job_id
            .map(|j| (format!("/field/jobs/{}/parts", j.0), format!("#{}", j.0))),
        lines: v
            .lines
            .iter()
            .map(|l| format!("{} {} × {}{}", l.code, l.name, l.quantity, l.unit))
            .collect::<Vec<_>>()
            .join("; "),
        created: full_time(r.created_at),
        note: r.note.clone().unwrap_or_default(),
    }
}

/// `GET /parts/requisitions?status=&holder=`
pub async fn list(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let status = p.filled("status").and_then(RequisitionStatus::parse);
    let holder = p
        .filled("holder")
        .and_then(|h| h.parse::<i64>().ok())
        .map(UserId);
    let f = RequisitionFilter {
        status,
        holder,
        ..RequisitionFilter::default()
    };
    let mut found = app::parts::requisitions(&state, &u.user, &f, app::parts::LIST_MAX).await?;
    // Within a group, the oldest waiting first; the finished ones newest first.
    found.sort_by_key(|v| {
        let r = &v.requisition;
        let k = rank(r.status);
        let at = r.created_at.timestamp_millis();
        (k, if k < 2 { at } else { -at })
    });
    let all = u.may(Permission::KeepStock);
    let mut statuses = vec![Opt {
        value: String::new(),
        label: u.t("parts.req.all_statuses").to_string(),
        selected: status.is_none(),
    }];
    statuses.extend(RequisitionStatus::ALL.iter().map(|s| Opt {
        value: s.as_str().to_string(),
        label: status_label(u.lang, *s).to_string(),
        selected: status == Some(*s),
    }));
    let mut holders = Vec::new();
    if all {
        holders.push(Opt {
            value: String::new(),
            label: u.t("parts.req.all_holders").to_string(),
            selected: holder.is_none(),
        });
        for t in app::people::technicians(&state, &u.user).await? {
            holders.push(Opt {
                value: t.id.0.to_string(),
                label: t.display_name.clone(),
                selected: holder == Some(t.id),
            });
        }
    }
    render_with(
        StatusCode::OK,
        &ListPage {
            rows: found.iter().map(|v| row(u.lang, v)).collect(),
            statuses,
            holders,
            all,
            l: u.layout("requisitions", u.t("parts.req.title")),
        },
    )
}

// ---------------------------------------------------------------------------------------
// One requisition.

struct LineRow {
    code: String,
    name: String,
    quantity: i64,
    unit: String,
    in_store: i64,
    short: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "requisitions_detail.html")]
struct DetailPage {
    l: Layout,
    r: Row,
    version: i64,
    lines: Vec<LineRow>,
    decided: Option<String>,
    decision_note: String,
    issued: Option<String>,
    may_decide: bool,
    may_issue: bool,
    may_cancel: bool,
    notice: Option<String>,
    warning: Option<String>,
    note: String,
    reason: String,
    note_error: Option<String>,
    reason_error: Option<String>,
}

#[derive(Default)]
struct Said {
    notice: Option<String>,
    warning: Option<String>,
    note: String,
    reason: String,
    errors: FieldErrors,
}

async fn detail_page(
    state: &AppState,
    u: &WebUser,
    id: RequisitionId,
    said: Said,
) -> WebResult<DetailPage> {
    let v = app::parts::requisition(state, &u.user, id).await?;
    let r = &v.requisition;
    let messages = Messages::new(u.lang, &said.errors);
    let open = r.status == RequisitionStatus::Requested;
    let lines = v
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| LineRow {
            code: l.code.clone(),
            name: l.name.clone(),
            quantity: l.quantity,
            unit: l.unit.clone(),
            in_store: l.in_store,
            short: r.status == RequisitionStatus::Approved && l.in_store < l.quantity,
            error: messages
                .get(&format!("lines[{i}].quantity"))
                .or_else(|| messages.get(&format!("lines[{i}].part_id")))
                .map(|_| {
                    u.lang.f(
                        "parts.req.line_short",
                        &[("code", &l.code), ("n", &l.in_store)],
                    )
                }),
        })
        .collect();
    Ok(DetailPage {
        r: row(u.lang, &v),
        version: r.version,
        lines,
        decided: r.decided_at.map(|at| {
            format!(
                "{} · {}",
                v.decided_by_name.clone().unwrap_or_default(),
                full_time(at)
            )
        }),
        decision_note: r.decision_note.clone().unwrap_or_default(),
        issued: r.issued_at.map(full_time),
        may_decide: open && u.may(Permission::ApproveRequisitions),
        may_issue: r.status == RequisitionStatus::Approved && u.may(Permission::KeepStock),
        may_cancel: r.status.is_open()
            && (r.requested_by == u.user.id || u.may(Permission::ApproveRequisitions)),
        notice: said.notice,
        warning: said.warning,
        note: said.note,
        reason: said.reason,
        note_error: messages.get("note").map(str::to_string),
        reason_error: messages.get("reason").map(str::to_string),
        l: u.layout(
            "requisitions",
            u.lang.f("parts.req.number", &[("id", &r.id.0)]),
        ),
    })
}

/// `GET /parts/requisitions/{id}?done=approve`
pub async fn detail(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let id = req_id(&id)?;
    let notice = match p.get("done") {
        Some("approve") => Some(u.t("parts.req.done.approve").to_string()),
        Some("refuse") => Some(u.t("parts.req.done.refuse").to_string()),
        Some("issue") => Some(u.t("parts.req.done.issue").to_string()),
        Some("cancel") => Some(u.t("parts.req.done.cancel").to_string()),
        _ => None,
    };
    let said = Said {
        notice,
        ..Said::default()
    };
    render_with(StatusCode::OK, &detail_page(&state, &u, id, said).await?)
}

#[derive(Clone, Copy)]
enum Act {
    Approve,
    Refuse,
    Issue,
    Cancel,
}

impl Act {
    fn name(self) -> &'static str {
        match self {
            Act::Approve => "approve",
            Act::Refuse => "refuse",
            Act::Issue => "issue",
            Act::Cancel => "cancel",
        }
    }
}

async fn act(state: AppState, form: WebForm, id: &str, act: Act) -> WebResult<Response> {
    let WebForm { user: u, form } = form;
    let id = req_id(id)?;
    let now = state.now();
    let version = form
        .filled("version")
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or_default();
    let note = form.text("note");
    let reason = form.text("reason");
    let result = match act {
        Act::Approve => {
            app::parts::approve(&state, &u.user, id, version, Some(note.as_str()), now).await
        }
        Act::Refuse => {
            app::parts::refuse(&state, &u.user, id, version, Some(reason.as_str()), now).await
        }
        Act::Issue => app::parts::issue(&state, &u.user, id, version, now).await,
        Act::Cancel => app::parts::cancel_requisition(&state, &u.user, id, version, now).await,
    };
    match result {
        Ok(_) => Ok(see_other(&url_with(
            &format!("/parts/requisitions/{}", id.0),
            &[("done", act.name())],
        ))),
        Err(Error::Validation(errors)) => {
            let warning = match act {
                Act::Issue => Some(u.t("parts.req.short_warning").to_string()),
                _ => None,
            };
            let said = Said {
                warning,
                note,
                reason,
                errors,
                ..Said::default()
            };
            render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &detail_page(&state, &u, id, said).await?,
            )
        }
        Err(Error::Conflict(why)) => {
            tracing::info!(requisition_id = id.0, %why, "requisition step refused");
            let said = Said {
                warning: Some(u.t("parts.req.overtaken").to_string()),
                ..Said::default()
            };
            render_with(
                StatusCode::CONFLICT,
                &detail_page(&state, &u, id, said).await?,
            )
        }
        Err(e) => Err(super::WebError::from(e).back(format!("/parts/requisitions/{}", id.0))),
    }
}

/// `POST /parts/requisitions/{id}/approve` with `version`, `note`.
pub async fn approve(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm,
) -> WebResult<Response> {
    act(state, form, &id, Act::Approve).await
}

/// `POST /parts/requisitions/{id}/refuse` with `version`, `reason`.
pub async fn refuse(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm,
) -> WebResult<Response> {
    act(state, form, &id, Act::Refuse).await
}

/// `POST /parts/requisitions/{id}/issue` with `version`.
pub async fn issue(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm,
) -> WebResult<Response> {
    act(state, form, &id, Act::Issue).await
}

/// `POST /parts/requisitions/{id}/cancel` with `version`.
pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm,
) -> WebResult<Response> {
    act(state, form, &id, Act::Cancel).await
}
