//! The deadline watcher (R3.3–R3.7, R6.1): one pass claims the deadlines whose next step
//! has come, lets the domain decide each ([`decide`]), and writes every step — its notices
//! through [`notify`], its audit entry, and the deadline's new alarm state — in the
//! transaction that claimed it. A step is therefore sent exactly once: two instances
//! never claim the same row (row locks, skipped by the other), a step already recorded is
//! never decided again, and an instance killed mid-pass commits nothing, so its rows are
//! claimed again by whoever runs next. A deadline met before the pass claims it has no
//! next step and is never escalated.

use super::notify::{Notice, notify};
use super::state::AppState;
use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::deadline::{Alarm, Audience, DeadlinePolicy, decide, owner};
use sanbao_domain::ticket::ticket_number;
use sanbao_domain::{Error, Role, UserId};
use sanbao_store::{Tx, Watched};
use serde_json::json;

/// Deadlines claimed per transaction.
pub const BATCH: i64 = 200;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Deadlines looked at.
    pub looked_at: usize,
    pub warned: usize,
    pub escalated: usize,
    pub escalated_again: usize,
    /// Warnings passed over because the deadline was already breached.
    pub skipped: usize,
}

/// Look at every deadline whose next step has come by `now`, `batch` at a time.
pub async fn pass(state: &AppState, now: DateTime<Utc>, batch: i64) -> Result<Pass, Error> {
    let mut out = Pass::default();
    loop {
        let n = round(state, now, batch, &mut out).await?;
        if n < usize::try_from(batch).unwrap_or(usize::MAX) {
            break;
        }
    }
    if out.warned + out.escalated + out.escalated_again > 0 {
        tracing::info!(
            warned = out.warned,
            escalated = out.escalated,
            escalated_again = out.escalated_again,
            skipped = out.skipped,
            "deadline watcher pass"
        );
    }
    Ok(out)
}

async fn round(
    state: &AppState,
    now: DateTime<Utc>,
    limit: i64,
    out: &mut Pass,
) -> Result<usize, Error> {
    let mut tx = state.db.begin().await?;
    let claimed = tx.claim_alarms(now, limit).await?;
    if claimed.is_empty() {
        tx.commit().await?;
        return Ok(0);
    }
    let policy = tx.current_policy().await?;
    let managers = tx.active_users_with_role(Role::ServiceManager).await?;
    for w in &claimed {
        let d = decide(
            &w.deadline,
            w.status,
            w.ticket_kind,
            policy.watch.quiet.as_ref(),
            now,
        );
        for alarm in &d.send {
            let to = recipients(*alarm, w, &managers, &policy);
            let notice = notice(Lang::default(), *alarm, w, now);
            let key = format!(
                "deadline:{}:{}:{}",
                w.ticket_id.0,
                w.deadline.kind.as_str(),
                alarm.as_str()
            );
            notify(&mut tx, &to, &notice, &key, now).await?;
            audit(&mut tx, *alarm, w, &to, &notice, now).await?;
            match alarm {
                Alarm::Warn => out.warned += 1,
                Alarm::Escalate => out.escalated += 1,
                Alarm::EscalateAgain => out.escalated_again += 1,
            }
        }
        out.skipped += d.skip.len();
        tx.record_alarms(w.ticket_id, w.deadline.kind, &d.alarms, d.next_at)
            .await?;
    }
    tx.commit().await?;
    out.looked_at += claimed.len();
    Ok(claimed.len())
}

/// Who hears of `alarm`: the audience the domain names, as people; nobody twice.
fn recipients(
    alarm: Alarm,
    w: &Watched,
    managers: &[UserId],
    policy: &DeadlinePolicy,
) -> Vec<UserId> {
    let mut to: Vec<UserId> = Vec::new();
    for a in alarm.audience() {
        match a {
            Audience::Owner => match owner(w.deadline.kind, w.assignee_id, w.technician_id) {
                Some(o) => to.push(o),
                // Nobody owns the work yet: the managers must find someone.
                None => to.extend_from_slice(managers),
            },
            Audience::Managers => to.extend_from_slice(managers),
            Audience::Head => match policy.watch.head_id {
                Some(h) => to.push(h),
                None => to.extend_from_slice(managers),
            },
        }
    }
    let mut seen = std::collections::HashSet::new();
    to.retain(|u| seen.insert(*u));
    to
}

/// The notice of a step, in the company's language.
fn notice(lang: Lang, alarm: Alarm, w: &Watched, now: DateTime<Utc>) -> Notice {
    let d = &w.deadline;
    let due = sanbao_domain::time::local(d.due_at)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let (kind, target) = (
        lang.t(&format!("kind.{}", w.ticket_kind)).to_string(),
        lang.t(&format!("deadline.{}", d.kind)).to_string(),
    );
    let args: [(&str, &dyn std::fmt::Display); 6] = [
        ("number", &ticket_number(w.ticket_id)),
        ("kind", &kind),
        ("customer", &w.customer_name),
        ("target", &target),
        ("due", &due),
        (
            "late",
            &lang.duration((now - d.due_at).num_minutes().max(0)),
        ),
    ];
    Notice {
        subject: lang.f(&format!("alarm.{}.subject", alarm.as_str()), &args),
        body: Some(lang.f(
            &format!("alarm.{}.body", alarm.as_str()),
            &[("summary", &w.summary), ("due", &due)],
        )),
        link: Some(format!("/tickets/{}", w.ticket_id.0)),
        urgent: alarm.is_urgent(w.ticket_kind),
    }
}

async fn audit(
    tx: &mut Tx,
    alarm: Alarm,
    w: &Watched,
    to: &[UserId],
    notice: &Notice,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    tx.audit(&NewAuditEntry {
        entity: "ticket",
        entity_id: w.ticket_id.0,
        action: format!("alarm_{}", alarm.as_str()),
        actor_id: None,
        at: now,
        note: Some(notice.subject.clone()),
        before: serde_json::Value::Null,
        after: json!({
            "deadline": w.deadline.kind,
            "due_at": w.deadline.due_at,
            "told": to.iter().map(|u| u.0).collect::<Vec<_>>(),
        }),
    })
    .await
}
