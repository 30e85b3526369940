//! The deadline policy: reading it, saving a new version, and recomputing the running
//! deadlines of open tickets when the policy changes, when a site's region is corrected,
//! or when a unit moves to another site. Closed tickets keep the deadlines they were
//! judged by; deadlines already met are history and never change.

use super::require;
use super::state::AppState;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::deadline::{Deadline, DeadlinePolicy, PolicyInput, arrival_hours, compute};
use sanbao_domain::ticket::TicketKind;
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission, Problem, Region, SiteId, TicketId, UnitId, UserId};
use sanbao_store::{PolicyVersion, Tx};

/// Unfinished tickets read at a time while a new policy is applied.
const RECOMPUTE_BATCH: i64 = 500;

/// The policy in force.
pub async fn policy(state: &AppState, actor: &User) -> Result<DeadlinePolicy, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.current_policy().await
}

/// One version, as it was.
pub async fn policy_version(
    state: &AppState,
    actor: &User,
    version: i64,
) -> Result<DeadlinePolicy, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state
        .db
        .policy_version(version)
        .await?
        .ok_or(Error::NotFound("deadline policy version"))
}

/// Every version, newest first.
pub async fn versions(state: &AppState, actor: &User) -> Result<Vec<PolicyVersion>, Error> {
    require(actor, Permission::ManageDeadlinePolicy)?;
    state.db.policy_versions().await
}

/// A saved version and how many open tickets it recomputed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub policy: DeadlinePolicy,
    pub recomputed: usize,
}

pub const NOTE_MAX: usize = 500;

/// Save `input` as the next version, over `base_version` (the one the editor read: a
/// stale one is refused), and recompute every open ticket's running deadlines under it —
/// all in one transaction, audited.
pub async fn save_policy(
    state: &AppState,
    actor: &User,
    input: &PolicyInput,
    base_version: i64,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Saved, Error> {
    require(actor, Permission::ManageDeadlinePolicy)?;
    let mut policy = input.parse()?;
    let note =
        sanbao_domain::text::optional(note, NOTE_MAX).map_err(|p| Error::field("note", p))?;
    if let Some(head) = policy.watch.head_id {
        match state.db.user(head).await? {
            Some(u) if u.active && u.role.is_staff() => {}
            _ => {
                return Err(Error::field(
                    "head_id",
                    Problem::new("not_found", "no such active member of staff"),
                ));
            }
        }
    }
    let mut tx = state.db.begin().await?;
    // Held until commit: no ticket is written under the old version meanwhile.
    let current = tx.lock_policy().await?;
    if current.version != base_version {
        return Err(Error::Conflict(format!(
            "the deadline policy is at version {} now, not {base_version}: reload and try again",
            current.version
        )));
    }
    policy.version = current.version + 1;
    tx.insert_deadline_policy(&policy, note.as_deref(), actor.id, now)
        .await?;
    tx.audit(&NewAuditEntry {
        entity: "deadline_policy",
        entity_id: policy.version,
        action: "create".into(),
        actor_id: Some(actor.id),
        at: now,
        note: note.clone(),
        before: serde_json::to_value(&current).unwrap_or_default(),
        after: serde_json::to_value(&policy).unwrap_or_default(),
    })
    .await?;
    let mut recomputed = 0;
    let mut after = TicketId(0);
    loop {
        let ids = tx.unfinished_ticket_ids(after, RECOMPUTE_BATCH).await?;
        let Some(last) = ids.last().copied() else {
            break;
        };
        for id in ids {
            recomputed += usize::from(recompute(&mut tx, id, None, &policy, actor.id, now).await?);
        }
        after = last;
    }
    tx.commit().await?;
    tracing::info!(
        version = policy.version,
        recomputed,
        "deadline policy saved"
    );
    state.desk.changed();
    Ok(Saved { policy, recomputed })
}

/// Recompute one ticket's running deadlines under `policy`, at `place` (its new site and
/// region) or where it is. True when anything changed (written and audited).
async fn recompute(
    tx: &mut Tx,
    id: TicketId,
    place: Option<(SiteId, Region)>,
    policy: &DeadlinePolicy,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let Some(before) = tx.ticket(id).await? else {
        return Ok(false);
    };
    let (site, region) = place.map_or((before.site_id, before.site_region), |(s, r)| (Some(s), r));
    let Some(after) = before.relocated(site, region, policy, now) else {
        return Ok(false);
    };
    tx.update_ticket(&before, &after).await?;
    if let Some(entry) = NewAuditEntry::changed(
        "ticket",
        id.0,
        "recompute",
        actor,
        now,
        None,
        &before.audit_view(),
        &after.audit_view(),
    ) {
        tx.audit(&entry).await?;
    }
    Ok(true)
}

/// A site's region was corrected (or its customer's address changed it): the unfinished
/// tickets there follow, in the caller's transaction.
pub async fn follow_site(
    tx: &mut Tx,
    site: SiteId,
    region: Region,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let policy = tx.current_policy().await?;
    let mut n = 0;
    for id in tx.unfinished_tickets_at_site(site).await? {
        n += usize::from(recompute(tx, id, Some((site, region)), &policy, actor, now).await?);
    }
    Ok(n)
}

/// A unit moved to `site`: the unfinished tickets about it go with it, in the caller's
/// transaction.
pub async fn follow_unit(
    tx: &mut Tx,
    unit: UnitId,
    site: SiteId,
    region: Region,
    actor: UserId,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let policy = tx.current_policy().await?;
    let mut n = 0;
    for id in tx.unfinished_tickets_of_unit(unit).await? {
        n += usize::from(recompute(tx, id, Some((site, region)), &policy, actor, now).await?);
    }
    Ok(n)
}

/// The deadlines a ticket of `kind` at a site in `region`, received at `received_at`,
/// would carry under a draft policy, numbered as the version it would be saved as. Nothing
/// is written: the manager tries a calendar before saving it.
pub async fn preview(
    state: &AppState,
    actor: &User,
    input: &PolicyInput,
    kind: TicketKind,
    region: Region,
    received_at: DateTime<Utc>,
) -> Result<Vec<Deadline>, Error> {
    require(actor, Permission::ManageDeadlinePolicy)?;
    let mut policy = input.parse()?;
    policy.version = state.db.current_policy().await?.version + 1;
    Ok(compute(&policy, kind, region, received_at, &[]))
}

/// The promise to be on site for an emergency, per region, under the policy in force:
/// what every page quoting it says, so that a changed policy is quoted everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrivalPromises([i64; 4]);

impl ArrivalPromises {
    /// Minutes to be on site in `region`.
    pub fn minutes(&self, region: Region) -> i64 {
        Region::ALL
            .iter()
            .position(|r| *r == region)
            .map_or(60, |i| self.0[i])
    }
}

/// The arrival promises of the policy in force (a region without one, which the editor
/// does not allow, is quoted the built-in promise).
pub async fn arrival_promises(state: &AppState) -> Result<ArrivalPromises, Error> {
    let policy = state.db.current_policy().await?;
    Ok(ArrivalPromises(Region::ALL.map(|r| {
        policy
            .arrival_minutes(r)
            .unwrap_or_else(|| arrival_hours(r) * 60)
    })))
}

/// The people who may be named department head (told at the second escalation): active
/// staff, by the pinyin of their names.
pub async fn head_candidates(state: &AppState, actor: &User) -> Result<Vec<User>, Error> {
    require(actor, Permission::ManageDeadlinePolicy)?;
    let mut found: Vec<User> = state
        .db
        .users(None)
        .await?
        .into_iter()
        .filter(|u| u.active && u.role.is_staff())
        .collect();
    sanbao_domain::people::sort_by_pinyin(&mut found, |u| u.display_name.as_str());
    Ok(found)
}
