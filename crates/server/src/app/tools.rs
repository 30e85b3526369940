//! The tools register (R1.5): the keepers (admin, service manager, clerk) register tools,
//! lend them to technicians and take them back, record calibrations and retire tools; a
//! technician sees the tools they hold. Every change is written with its audit entry in
//! one transaction, on the version the person read.
//!
//! The sweep ([`sweep`], run every few minutes by the jobs runner) tells a holder and the
//! managers when a tool is overdue, and the keepers when a calibration falls due within
//! the warning window — each occasion once: it is claimed and marked in the transaction
//! that enqueues its notice, under a key of its own.

use super::notify::{Notice, notify};
use super::{AppState, require};
use crate::i18n::Lang;
use chrono::{DateTime, NaiveDate, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::time::local_date;
use sanbao_domain::tools::{
    CalibrationInput, CalibrationState, CalibrationView, Checkout, CheckoutInput, CheckoutView,
    Condition, NewTool, Tool, ToolFilter, ToolInput, ToolStatus, ToolView, calibration_window_end,
    may_keep_tools, may_see_tool, may_view_tools,
};
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission, Role, ToolId, UserId};
use sanbao_store::Tx;
use serde_json::json;

/// At most this many tools in a list.
pub const LIST_MAX: i64 = 500;
/// Occasions the sweep handles per pass (the rest wait for the next pass).
pub const SWEEP_BATCH: i64 = 200;

/// The company's day now.
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    local_date(now)
}

fn stale(t: &Tool, version: i64) -> Result<(), Error> {
    if t.version != version {
        return Err(Error::Conflict(format!(
            "tool {} was changed by someone else since version {version}",
            t.asset_code
        )));
    }
    Ok(())
}

async fn load(tx: &mut Tx, id: ToolId) -> Result<ToolView, Error> {
    tx.tool(id).await?.ok_or(Error::NotFound("tool"))
}

async fn audit_tool(
    tx: &mut Tx,
    action: &str,
    actor: &User,
    now: DateTime<Utc>,
    note: Option<String>,
    before: &Tool,
    after: &Tool,
) -> Result<(), Error> {
    if let Some(e) = NewAuditEntry::changed(
        "tool",
        before.id.0,
        action,
        actor.id,
        now,
        note,
        &before.audit_view(),
        &after.audit_view(),
    ) {
        tx.audit(&e).await?;
    }
    Ok(())
}

/// Register a tool (a keeper); an identifier already used is named.
pub async fn register(
    state: &AppState,
    actor: &User,
    input: &ToolInput,
    now: DateTime<Utc>,
) -> Result<Tool, Error> {
    require(actor, Permission::ManageTools)?;
    let new = NewTool::parse(input, actor.id, actor.role, now)?;
    let mut tx = state.db.begin().await?;
    let tool = tx.insert_tool(&new).await?;
    tx.audit(&NewAuditEntry::created(
        "tool",
        tool.id.0,
        actor.id,
        tool.created_at,
        tool.audit_view(),
    ))
    .await?;
    tx.commit().await?;
    tracing::info!(tool_id = tool.id.0, "tool registered");
    Ok(tool)
}

/// A tool, if the actor may see it: the keepers every one, a holder the ones they hold
/// (another's is answered as missing).
pub async fn tool(state: &AppState, actor: &User, id: ToolId) -> Result<ToolView, Error> {
    if !may_view_tools(actor.role) {
        return Err(Error::Forbidden);
    }
    let v = state.db.tool(id).await?.ok_or(Error::NotFound("tool"))?;
    if !may_see_tool(actor.role, actor.id, v.open.as_ref().map(|c| c.holder_id)) {
        return Err(Error::NotFound("tool"));
    }
    Ok(v)
}

/// A tool's check-outs and calibrations, newest first (whoever may see the tool).
pub async fn history(
    state: &AppState,
    actor: &User,
    id: ToolId,
) -> Result<(Vec<CheckoutView>, Vec<CalibrationView>), Error> {
    tool(state, actor, id).await?;
    state.db.tool_history(id).await
}

/// The tools the filter names; a holder's narrowed to the tools they hold.
pub async fn tools(
    state: &AppState,
    actor: &User,
    filter: &ToolFilter,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Vec<ToolView>, Error> {
    if !may_view_tools(actor.role) {
        return Err(Error::Forbidden);
    }
    let mut f = *filter;
    if !may_keep_tools(actor.role) {
        f.holder = Some(actor.id);
    }
    let today = today(now);
    state
        .db
        .tools(
            &f,
            today,
            calibration_window_end(today),
            limit.clamp(1, LIST_MAX),
        )
        .await
}

/// Edit the register fields, on the version read.
pub async fn edit(
    state: &AppState,
    actor: &User,
    id: ToolId,
    version: i64,
    input: &ToolInput,
    now: DateTime<Utc>,
) -> Result<Tool, Error> {
    require(actor, Permission::ManageTools)?;
    let mut tx = state.db.begin().await?;
    let before = load(&mut tx, id).await?.tool;
    let after = before.edit(input, actor.role, now)?;
    stale(&before, version)?;
    tx.update_tool(&before, &after).await?;
    audit_tool(&mut tx, "update", actor, now, None, &before, &after).await?;
    tx.commit().await?;
    Ok(after)
}

/// Lend a tool: a keeper to a technician or senior engineer, or one of them to themself.
/// Two clerks lending the same tool at once: one succeeds, the other gets a 409.
pub async fn check_out(
    state: &AppState,
    actor: &User,
    id: ToolId,
    version: i64,
    input: &CheckoutInput,
    now: DateTime<Utc>,
) -> Result<(Tool, Checkout), Error> {
    if !may_view_tools(actor.role) {
        return Err(Error::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    let before = load(&mut tx, id).await?.tool;
    let holder_id = input
        .holder_id
        .or_else(|| (!may_keep_tools(actor.role)).then_some(actor.id));
    let holder = match holder_id {
        Some(h) => tx.holder(h).await?,
        None => None,
    };
    let job_exists = match input.job_id {
        Some(j) => tx.job_exists(j).await?,
        None => false,
    };
    let (after, new) = before.check_out(
        input,
        holder.as_ref(),
        job_exists,
        actor.id,
        actor.role,
        today(now),
        now,
    )?;
    stale(&before, version)?;
    tx.update_tool(&before, &after).await?;
    let checkout = tx.insert_checkout(&new).await?;
    audit_tool(
        &mut tx,
        "check_out",
        actor,
        now,
        Some(format!(
            "holder {} until {}",
            checkout.holder_id, checkout.expected_return_on
        )),
        &before,
        &after,
    )
    .await?;
    tx.audit(&NewAuditEntry::created(
        "tool_checkout",
        checkout.id.0,
        actor.id,
        checkout.out_at,
        checkout.audit_view(),
    ))
    .await?;
    tx.commit().await?;
    tracing::info!(
        tool_id = id.0,
        checkout_id = checkout.id.0,
        "tool checked out"
    );
    Ok((after, checkout))
}

/// Take a tool back (a keeper), with the condition it came back in.
pub async fn check_in(
    state: &AppState,
    actor: &User,
    id: ToolId,
    version: i64,
    condition: Option<&str>,
    remark: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(Tool, Checkout), Error> {
    require(actor, Permission::ManageTools)?;
    let mut tx = state.db.begin().await?;
    let v = load(&mut tx, id).await?;
    let before = v.tool;
    let Some(open) = v.open else {
        return Err(Error::Conflict(format!(
            "tool {} is not checked out",
            before.asset_code
        )));
    };
    let (after, closed) = before.check_in(&open, condition, remark, actor.id, actor.role, now)?;
    stale(&before, version)?;
    tx.update_tool(&before, &after).await?;
    tx.close_checkout(&closed).await?;
    audit_tool(
        &mut tx,
        "check_in",
        actor,
        now,
        closed.remark.clone(),
        &before,
        &after,
    )
    .await?;
    if let Some(e) = NewAuditEntry::changed(
        "tool_checkout",
        closed.id.0,
        "check_in",
        actor.id,
        now,
        None,
        &open.audit_view(),
        &closed.audit_view(),
    ) {
        tx.audit(&e).await?;
    }
    tx.commit().await?;
    Ok((after, closed))
}

/// Record a calibration (a keeper): the next due date from the tool's interval unless
/// given.
pub async fn record_calibration(
    state: &AppState,
    actor: &User,
    id: ToolId,
    version: i64,
    input: &CalibrationInput,
    now: DateTime<Utc>,
) -> Result<Tool, Error> {
    require(actor, Permission::ManageTools)?;
    let mut tx = state.db.begin().await?;
    let before = load(&mut tx, id).await?.tool;
    let (after, cal) = before.calibrated(input, actor.id, actor.role, today(now), now)?;
    stale(&before, version)?;
    tx.update_tool(&before, &after).await?;
    tx.insert_calibration(&cal).await?;
    audit_tool(
        &mut tx,
        "calibrate",
        actor,
        now,
        Some(format!(
            "calibrated on {}, next due {}",
            cal.calibrated_on, cal.next_due_on
        )),
        &before,
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Retire a tool for good, with the reason (a keeper).
pub async fn retire(
    state: &AppState,
    actor: &User,
    id: ToolId,
    version: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Tool, Error> {
    require(actor, Permission::ManageTools)?;
    let mut tx = state.db.begin().await?;
    let before = load(&mut tx, id).await?.tool;
    let after = before.retire(reason, actor.role, now)?;
    stale(&before, version)?;
    tx.update_tool(&before, &after).await?;
    audit_tool(
        &mut tx,
        "retire",
        actor,
        now,
        after.retired_reason.clone(),
        &before,
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The people a tool may be lent to, by name (for the check-out form).
pub async fn holders(state: &AppState, actor: &User) -> Result<Vec<User>, Error> {
    require(actor, Permission::ManageTools)?;
    let mut users: Vec<User> = Vec::new();
    for role in [Role::Technician, Role::SeniorEngineer] {
        users.extend(
            state
                .db
                .users(Some(role))
                .await?
                .into_iter()
                .filter(|u| u.active),
        );
    }
    users.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    Ok(users)
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Overdue check-outs whose holder (and the managers) were told.
    pub overdue: usize,
    /// Calibrations falling due that the keepers were warned of.
    pub calibrations: usize,
}

/// Tell of what is overdue or falling due, each occasion once (see the module's doc).
pub async fn sweep(state: &AppState, now: DateTime<Utc>) -> Result<Sweep, Error> {
    let lang = Lang::default();
    let today = today(now);
    let mut out = Sweep::default();
    let mut tx = state.db.begin().await?;
    let managers = tx.active_users_with_role(Role::ServiceManager).await?;
    for o in tx.claim_overdue_tools(today, SWEEP_BATCH).await? {
        if !tx.mark_overdue_notified(o.checkout_id, now).await? {
            continue;
        }
        let (subject, body) = {
            let days = (today - o.expected_return_on).num_days();
            let args: [(&str, &dyn std::fmt::Display); 5] = [
                ("code", &o.asset_code),
                ("name", &o.name),
                ("holder", &o.holder_name),
                ("expected", &o.expected_return_on),
                ("days", &days),
            ];
            (
                lang.f("tools.notice_overdue_subject", &args),
                Some(lang.f("tools.notice_overdue_body", &args)),
            )
        };
        let key = format!("tools:overdue:{}", o.checkout_id);
        notify(
            &mut tx,
            &[o.holder_id],
            &Notice {
                subject: subject.clone(),
                body: body.clone(),
                link: Some("/tools/mine".into()),
                urgent: false,
            },
            &format!("{key}:holder"),
            now,
        )
        .await?;
        notify(
            &mut tx,
            &managers,
            &Notice {
                subject: subject.clone(),
                body,
                link: Some(format!("/tools/{}", o.tool_id)),
                urgent: false,
            },
            &key,
            now,
        )
        .await?;
        let mut told = vec![o.holder_id];
        told.extend_from_slice(&managers);
        sweep_audit(&mut tx, o.tool_id, "overdue_notice", subject, &told, now).await?;
        out.overdue += 1;
    }
    let mut keepers = managers.clone();
    keepers.extend(tx.active_users_with_role(Role::ServiceClerk).await?);
    for d in tx
        .claim_calibrations_due(calibration_window_end(today), SWEEP_BATCH)
        .await?
    {
        if !tx.mark_calibration_warned(d.tool_id, d.due_on).await? {
            continue;
        }
        let state_now = sanbao_domain::tools::calibration_state(Some(d.due_on), today);
        let key = match state_now {
            CalibrationState::Overdue { .. } => "tools.notice_calibration_overdue_subject",
            _ => "tools.notice_calibration_subject",
        };
        let (subject, body) = {
            let days = (d.due_on - today).num_days().abs();
            let args: [(&str, &dyn std::fmt::Display); 4] = [
                ("code", &d.asset_code),
                ("name", &d.name),
                ("due", &d.due_on),
                ("days", &days),
            ];
            (
                lang.f(key, &args),
                Some(lang.f("tools.notice_calibration_body", &args)),
            )
        };
        notify(
            &mut tx,
            &keepers,
            &Notice {
                subject: subject.clone(),
                body,
                link: Some(format!("/tools/{}", d.tool_id)),
                urgent: false,
            },
            &format!("tools:calibration:{}:{}", d.tool_id, d.due_on),
            now,
        )
        .await?;
        sweep_audit(
            &mut tx,
            d.tool_id,
            "calibration_notice",
            subject,
            &keepers,
            now,
        )
        .await?;
        out.calibrations += 1;
    }
    tx.commit().await?;
    if out.overdue + out.calibrations > 0 {
        tracing::info!(
            overdue = out.overdue,
            calibrations = out.calibrations,
            "tools sweep"
        );
    }
    Ok(out)
}

async fn sweep_audit(
    tx: &mut Tx,
    tool: ToolId,
    action: &str,
    subject: String,
    told: &[UserId],
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.audit(&NewAuditEntry {
        entity: "tool",
        entity_id: tool.0,
        action: action.into(),
        actor_id: None,
        at: now,
        note: Some(subject),
        before: serde_json::Value::Null,
        after: json!({ "told": told.iter().map(|u| u.0).collect::<Vec<_>>() }),
    })
    .await
}

/// Where a tool stands, in words.
pub fn status_label(lang: Lang, s: ToolStatus) -> &'static str {
    match s {
        ToolStatus::Available => lang.t("tools.status.available"),
        ToolStatus::CheckedOut => lang.t("tools.status.checked_out"),
        ToolStatus::InCalibration => lang.t("tools.status.in_calibration"),
        ToolStatus::NeedsRepair => lang.t("tools.status.needs_repair"),
        ToolStatus::Retired => lang.t("tools.status.retired"),
    }
}

/// The condition a tool came back in, in words.
pub fn condition_label(lang: Lang, c: Condition) -> &'static str {
    match c {
        Condition::Good => lang.t("tools.condition.good"),
        Condition::Damaged => lang.t("tools.condition.damaged"),
    }
}
