//! The daily work report (R4.6): each technician and senior engineer submits the day's
//! report, prefilled from the trips they were on; the department sees who has not.
//! Submissions and amendments are audited as entity "daily_report".

use super::idempotency::{Answer, Once, complete, replayed};
use super::require;
use crate::app::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::field::report::{
    COMPANY_BASE, DailyReport, ReportInput, ReportLine, day_bounds, prefill, submit,
};
use sanbao_domain::people::sort_by_pinyin;
use sanbao_domain::time::local_date;
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission, UserId};

/// A person's report of a day as their page shows it: the one submitted, else the lines
/// prefilled from the day's trips.
pub struct Draft {
    pub day: NaiveDate,
    pub submitted: Option<DailyReport>,
    /// From the trips (for a submitted report: as they are now, to compare).
    pub prefilled: Vec<ReportLine>,
}

/// The department: who may see everyone's reports (not whoever reports, not a
/// salesperson).
pub fn is_department(actor: &User) -> bool {
    sanbao_domain::field::report::sees_everyones_reports(actor.role)
}

fn require_department(actor: &User) -> Result<(), Error> {
    require(actor, Permission::ViewServiceDesk)?;
    if is_department(actor) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// The lines of `user`'s `day`, prefilled from the trips they were on; the first trip's
/// distance counts from their base (see `/settings/technicians`).
pub async fn prefilled(
    state: &AppState,
    user: UserId,
    day: NaiveDate,
) -> Result<Vec<ReportLine>, Error> {
    let (from, to) = day_bounds(day);
    let trips = state.db.day_trips(user, from, to).await?;
    // Distances count from the technician's base as dispatch knows it, else the company's.
    let base = state
        .db
        .technician_profiles()
        .await?
        .into_iter()
        .find(|p| p.user_id == user)
        .and_then(|p| p.base_address);
    Ok(prefill(
        day,
        &trips,
        base.as_deref().unwrap_or(COMPANY_BASE),
    ))
}

/// The actor's own report of `day` (today when none is given).
pub async fn mine(
    state: &AppState,
    actor: &User,
    day: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<Draft, Error> {
    require(actor, Permission::SubmitDailyReports)?;
    let day = day.unwrap_or_else(|| local_date(now));
    let submitted = state.db.daily_report(actor.id, day).await?;
    let prefilled = prefilled(state, actor.id, day).await?;
    Ok(Draft {
        day,
        submitted,
        prefilled,
    })
}

/// Submit or amend the actor's report of `day`, in one transaction with its audit entry.
pub async fn save(
    state: &AppState,
    actor: &User,
    day: NaiveDate,
    input: &ReportInput,
    now: DateTime<Utc>,
) -> Result<DailyReport, Error> {
    save_once(state, actor, day, input, None, now)
        .await
        .map(|a| a.value)
}

/// [`save`], done once per `Idempotency-Key`: sent again, the first answer.
pub async fn save_once(
    state: &AppState,
    actor: &User,
    day: NaiveDate,
    input: &ReportInput,
    once: Option<&Once>,
    now: DateTime<Utc>,
) -> Result<Answer<DailyReport>, Error> {
    require(actor, Permission::SubmitDailyReports)?;
    let mut tx = state.db.begin().await?;
    if let Some(o) = once
        && replayed(&mut tx, actor.id, o, "daily_reports.put", now)
            .await?
            .is_some()
    {
        let r = tx
            .daily_report(actor.id, day)
            .await?
            .ok_or(Error::NotFound("daily report"))?;
        return Ok(Answer::replay(r));
    }
    let before = tx.daily_report(actor.id, day).await?;
    let report = submit(
        before.as_ref(),
        actor.id,
        &actor.display_name,
        actor.role,
        day,
        input,
        now,
    )?;
    let written = tx.save_daily_report(before.as_ref(), &report).await?;
    let entry = match &before {
        None => Some(NewAuditEntry::created(
            "daily_report",
            written.id,
            actor.id,
            now,
            written.audit_view(),
        )),
        Some(b) => NewAuditEntry::changed(
            "daily_report",
            written.id,
            "amend",
            actor.id,
            now,
            None,
            &b.audit_view(),
            &written.audit_view(),
        ),
    };
    if let Some(e) = entry {
        tx.audit(&e).await?;
    }
    if let Some(o) = once {
        complete(&mut tx, actor.id, o, &written.id.to_string()).await?;
    }
    tx.commit().await?;
    tracing::info!(user_id = actor.id.0, %day, "daily report submitted");
    Ok(Answer::new(written))
}

/// Everyone's reports of a day (the department).
pub async fn of_day(
    state: &AppState,
    actor: &User,
    day: NaiveDate,
) -> Result<Vec<DailyReport>, Error> {
    require_department(actor)?;
    state.db.daily_reports(day).await
}

/// Who of the active technicians and senior engineers has not reported a day, and the
/// reports of those who have — both by pinyin.
pub struct Roll {
    pub missing: Vec<User>,
    pub submitted: Vec<(User, DailyReport)>,
}

pub async fn roll(state: &AppState, actor: &User, day: NaiveDate) -> Result<Roll, Error> {
    require_department(actor)?;
    let mut people: Vec<User> = state
        .db
        .users(None)
        .await?
        .into_iter()
        .filter(|u| u.active && u.role.may(Permission::SubmitDailyReports))
        .collect();
    sort_by_pinyin(&mut people, |u| u.display_name.as_str());
    let mut reports = state.db.daily_reports(day).await?;
    let mut roll = Roll {
        missing: Vec::new(),
        submitted: Vec::new(),
    };
    for u in people {
        match reports.iter().position(|r| r.user_id == u.id) {
            Some(i) => roll.submitted.push((u, reports.swap_remove(i))),
            None => roll.missing.push(u),
        }
    }
    Ok(roll)
}

/// The reports of `crew` on `days` that are about `job` (their lines of it), for the
/// job's archive.
pub async fn covering(
    state: &AppState,
    crew: &[UserId],
    days: &[NaiveDate],
) -> Result<Vec<DailyReport>, Error> {
    let mut out = Vec::new();
    for day in days {
        for r in state.db.daily_reports(*day).await? {
            if crew.contains(&r.user_id) {
                out.push(r);
            }
        }
    }
    Ok(out)
}
