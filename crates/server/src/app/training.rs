//! Training records (R1.6, R1.7): the desk, the managers and the senior engineers record
//! sessions given to staff or to a customer, with who attended and the materials used;
//! everyone reads their own history; those who keep the records see who is missing a
//! required topic or whose last session is older than its period.

use super::{AppState, require};
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::time::local_date;
use sanbao_domain::training::{
    Gap, NewSession, Session, SessionInput, SessionView, Trainee, gaps, may_see_history,
    may_view_training,
};
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission, Problem, TrainingId, UserId};
use serde_json::json;

/// Record a session with its attendees and materials (audited).
pub async fn record(
    state: &AppState,
    actor: &User,
    input: &SessionInput,
    now: DateTime<Utc>,
) -> Result<SessionView, Error> {
    require(actor, Permission::RecordTraining)?;
    let new = NewSession::parse(input, local_date(now), actor.id, now)?;
    if let Some(c) = new.customer_id
        && state.db.customer(c).await?.is_none()
    {
        return Err(Error::field(
            "customer_id",
            Problem::new("not_found", "no such customer"),
        ));
    }
    for d in &new.document_ids {
        if state.db.document(*d).await?.is_none() {
            return Err(Error::field(
                "document_ids",
                Problem::new("not_found", format!("no document {d}")),
            ));
        }
    }
    let mut tx = state.db.begin().await?;
    let id = tx.insert_session(&new).await?;
    tx.audit(&NewAuditEntry::created(
        "training_session",
        id.0,
        actor.id,
        new.recorded_at,
        json!({
            "audience": new.audience.as_str(),
            "topic": new.topic.as_str(),
            "held_on": new.held_on,
            "trainer": new.trainer,
            "place": new.place,
            "duration_minutes": new.duration_minutes,
            "customer_id": new.customer_id,
            "attendee_ids": new.attendee_ids,
            "attendee_names": new.attendee_names,
            "document_ids": new.document_ids,
        }),
    ))
    .await?;
    tx.commit().await?;
    tracing::info!(training_id = id.0, "training session recorded");
    state
        .db
        .training_session(id)
        .await?
        .ok_or(Error::NotFound("training session"))
}

/// A session (those who keep the records, and its staff attendees).
pub async fn session(state: &AppState, actor: &User, id: TrainingId) -> Result<SessionView, Error> {
    let v = state
        .db
        .training_session(id)
        .await?
        .ok_or(Error::NotFound("training session"))?;
    if may_view_training(actor.role) || v.attendees.iter().any(|a| a.user_id == Some(actor.id)) {
        Ok(v)
    } else {
        Err(Error::Forbidden)
    }
}

/// Every session, newest first, with its number of attendees.
pub async fn sessions(state: &AppState, actor: &User) -> Result<Vec<(Session, i64)>, Error> {
    if !may_view_training(actor.role) {
        return Err(Error::Forbidden);
    }
    state.db.training_sessions().await
}

/// A staff member's history, newest first: their own, or anyone's for those who keep the
/// records.
pub async fn history(
    state: &AppState,
    actor: &User,
    subject: UserId,
) -> Result<(User, Vec<Session>), Error> {
    if !may_see_history(actor.role, actor.id, subject) {
        return Err(Error::Forbidden);
    }
    let person = state
        .db
        .user(subject)
        .await?
        .filter(|u| u.role.is_staff())
        .ok_or(Error::NotFound("user"))?;
    Ok((person, state.db.training_of(subject).await?))
}

/// Who among the active staff is missing a required topic, has it expired, or (a new
/// hire) has it due, as the requirement settings say today.
pub async fn missing(
    state: &AppState,
    actor: &User,
    now: DateTime<Utc>,
) -> Result<Vec<Gap>, Error> {
    if !may_view_training(actor.role) {
        return Err(Error::Forbidden);
    }
    let people: Vec<Trainee> = state
        .db
        .users(None)
        .await?
        .into_iter()
        .filter(|u| u.active && u.role.is_staff())
        .map(|u| Trainee {
            id: u.id,
            name: u.display_name,
            role: u.role,
            joined_on: local_date(u.created_at),
        })
        .collect();
    let reqs = state.db.training_requirements().await?;
    let attended = state.db.staff_attendance().await?;
    Ok(gaps(&people, &reqs, &attended, local_date(now)))
}

/// The active staff, to pick a session's attendees from (those who record sessions).
pub async fn staff(state: &AppState, actor: &User) -> Result<Vec<User>, Error> {
    require(actor, Permission::RecordTraining)?;
    Ok(state
        .db
        .users(None)
        .await?
        .into_iter()
        .filter(|u| u.active && u.role.is_staff())
        .collect())
}

/// The requirement settings (whoever may see a history).
pub async fn requirements(
    state: &AppState,
    actor: &User,
) -> Result<Vec<sanbao_domain::training::Requirement>, Error> {
    if !actor.role.is_staff() {
        return Err(Error::Forbidden);
    }
    state.db.training_requirements().await
}

// ---- training 2 ----

/// Replace the requirement settings with the set typed (admin, service manager): every row
/// checked by the domain, nothing written when one is wrong; one transaction, audited with
/// the set before and after. The "missing" list follows from the next read.
pub async fn save_requirements(
    state: &AppState,
    actor: &User,
    rows: &[sanbao_domain::training::RequirementInput],
    now: DateTime<Utc>,
) -> Result<Vec<sanbao_domain::training::Requirement>, Error> {
    require(actor, Permission::ManageTrainingRequirements)?;
    let set = sanbao_domain::training::parse_requirements(rows)?;
    let before = state.db.training_requirements().await?;
    let mut tx = state.db.begin().await?;
    tx.replace_training_requirements(&set).await?;
    tx.audit(&NewAuditEntry {
        entity: "training_requirement",
        entity_id: 0,
        action: "update".into(),
        actor_id: Some(actor.id),
        at: sanbao_domain::time::to_store_precision(now),
        note: None,
        before: json!(before),
        after: json!(set),
    })
    .await?;
    tx.commit().await?;
    tracing::info!(requirements = set.len(), "training requirements saved");
    Ok(set)
}
// ---- end training 2 ----
