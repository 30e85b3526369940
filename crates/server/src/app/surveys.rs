//! The satisfaction survey of a job (R5.3): answered on the technician's phone, or later
//! through a link that needs no sign-in, works once, expires, and opens only its own job's
//! survey. Every change is audited as entity "survey".

use super::idempotency::{Answer, Once, complete, replayed};
use super::require;
use super::sessions::{random_token, token_hash};
use crate::app::AppState;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::field::Job;
use sanbao_domain::field::survey::{LinkState, QuestionSummary, Survey, SurveyInput, averages};
use sanbao_domain::time::Month;
use sanbao_domain::user::User;
use sanbao_domain::{Error, JobId, Permission, UserId};
use sanbao_store::Tx;

/// A job (if the actor may see it) and its survey, if one was begun.
pub async fn of_job(
    state: &AppState,
    actor: &User,
    job_id: JobId,
) -> Result<(Job, Option<Survey>), Error> {
    let job = super::field::job(state, actor, job_id).await?;
    let survey = state.db.survey_of_job(job_id).await?;
    Ok((job, survey))
}

/// Write the survey's change with its audit entry; `by` answers for it.
async fn save(
    tx: &mut Tx,
    before: &Survey,
    after: &Survey,
    action: &str,
    by: Option<UserId>,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<Survey, Error> {
    let written = tx.save_survey(before, after).await?;
    let actor = by.unwrap_or(UserId(0));
    let entry = if before.id == 0 {
        let mut e = NewAuditEntry::created("survey", written.id, actor, now, written.audit_view());
        e.action = action.into();
        e.note = note;
        Some(e)
    } else {
        NewAuditEntry::changed(
            "survey",
            written.id,
            action,
            actor,
            now,
            note,
            &before.audit_view(),
            &written.audit_view(),
        )
    };
    if let Some(mut e) = entry {
        if by.is_none() {
            e.actor_id = None;
        }
        tx.audit(&e).await?;
    }
    Ok(written)
}

/// The customer answers on the technician's phone: only the job's crew, once the form is
/// signed, once.
pub async fn answer_on_phone(
    state: &AppState,
    actor: &User,
    job_id: JobId,
    input: &SurveyInput,
    now: DateTime<Utc>,
) -> Result<Survey, Error> {
    answer_on_phone_once(state, actor, job_id, input, None, now)
        .await
        .map(|a| a.value)
}

/// [`answer_on_phone`], done once per `Idempotency-Key`: a phone that sends the answers
/// again after losing the reply gets the first answer, never a conflict.
pub async fn answer_on_phone_once(
    state: &AppState,
    actor: &User,
    job_id: JobId,
    input: &SurveyInput,
    once: Option<&Once>,
    now: DateTime<Utc>,
) -> Result<Answer<Survey>, Error> {
    require(actor, Permission::DoFieldWork)?;
    // Not the crew: as if there were no such job.
    super::field::job(state, actor, job_id).await?;
    let mut tx = state.db.begin().await?;
    if let Some(o) = once
        && replayed(&mut tx, actor.id, o, "surveys.answer", now)
            .await?
            .is_some()
    {
        let s = tx
            .survey_of_job(job_id)
            .await?
            .ok_or(Error::NotFound("survey"))?;
        return Ok(Answer::replay(s));
    }
    let job = tx.job(job_id).await?.ok_or(Error::NotFound("job"))?;
    let before = tx
        .survey_of_job(job_id)
        .await?
        .unwrap_or_else(|| Survey::blank(job_id, now));
    let after = before.answer_on_phone(&job, actor.id, actor.role, input, now)?;
    let written = save(
        &mut tx,
        &before,
        &after,
        "answer",
        Some(actor.id),
        Some("answered on the technician's phone".into()),
        now,
    )
    .await?;
    if let Some(o) = once {
        complete(&mut tx, actor.id, o, &written.id.to_string()).await?;
    }
    tx.commit().await?;
    tracing::info!(job_id = job_id.0, "survey answered on the phone");
    Ok(Answer::new(written))
}

/// A link handed out: the token (shown once, never stored) and until when it works.
pub struct IssuedLink {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub survey: Survey,
}

/// Hand out a survey link (the crew or the department): a new random token, of which only
/// the hash is kept; an earlier link stops working.
pub async fn issue_link(
    state: &AppState,
    actor: &User,
    job_id: JobId,
    now: DateTime<Utc>,
) -> Result<IssuedLink, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    super::field::job(state, actor, job_id).await?;
    let token = random_token();
    let mut tx = state.db.begin().await?;
    let job = tx.job(job_id).await?.ok_or(Error::NotFound("job"))?;
    let before = tx
        .survey_of_job(job_id)
        .await?
        .unwrap_or_else(|| Survey::blank(job_id, now));
    let after = before.issue_link(&job, actor.id, actor.role, token_hash(&token), now)?;
    let written = save(
        &mut tx,
        &before,
        &after,
        "issue_link",
        Some(actor.id),
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(job_id = job_id.0, "survey link issued");
    Ok(IssuedLink {
        token,
        expires_at: written.token_expires_at.unwrap_or(now),
        survey: written,
    })
}

/// What a link shows the customer: its job when it is open, else why not.
pub enum LinkView {
    Open { job: Box<Job> },
    Closed(LinkState),
}

/// The survey a link opens, without signing in: only its own job's, only while open.
pub async fn open_link(
    state: &AppState,
    token: &str,
    now: DateTime<Utc>,
) -> Result<LinkView, Error> {
    let Some(survey) = state.db.survey_by_token(&token_hash(token)).await? else {
        return Ok(LinkView::Closed(LinkState::Unknown));
    };
    match survey.link_state(&token_hash(token), now) {
        LinkState::Open => {
            let job = state
                .db
                .job(survey.job_id)
                .await?
                .ok_or(Error::NotFound("job"))?;
            Ok(LinkView::Open { job: Box::new(job) })
        }
        other => Ok(LinkView::Closed(other)),
    }
}

/// The customer answers through the link. A link that is not open answers why
/// (`Err(state)`), and nothing is written.
pub async fn answer_by_link(
    state: &AppState,
    token: &str,
    input: &SurveyInput,
    now: DateTime<Utc>,
) -> Result<Result<Survey, LinkState>, Error> {
    let hash = token_hash(token);
    let mut tx = state.db.begin().await?;
    let Some(before) = tx.survey_by_token(&hash).await? else {
        return Ok(Err(LinkState::Unknown));
    };
    match before.link_state(&hash, now) {
        LinkState::Open => {}
        other => return Ok(Err(other)),
    }
    let after = before.answer_by_link(&hash, input, now)?;
    let written = save(
        &mut tx,
        &before,
        &after,
        "answer",
        None,
        Some("answered by the customer through the link".into()),
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        job_id = written.job_id.0,
        "survey answered through the link"
    );
    Ok(Ok(written))
}

/// The month's answered surveys with their jobs, and the mean score of each question
/// (the department).
pub async fn month(
    state: &AppState,
    actor: &User,
    month: Month,
) -> Result<(Vec<(Survey, Option<Job>)>, Vec<QuestionSummary>), Error> {
    require(actor, Permission::ViewServiceDesk)?;
    if actor.role.may(Permission::DoFieldWork) || actor.role.bound_to_own_customers() {
        return Err(Error::Forbidden);
    }
    let (from, to) = month.bounds();
    let surveys = state.db.surveys_answered(from, to).await?;
    let summary = averages(&surveys);
    let mut out = Vec::new();
    for s in surveys {
        let job = state.db.job(s.job_id).await?;
        out.push((s, job));
    }
    Ok((out, summary))
}
