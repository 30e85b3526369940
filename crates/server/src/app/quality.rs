//! Quality items and the monthly quality review (R7.1, R7.2, R3.11): an item made from its
//! source without retyping (automatically by the use case that records a quality source,
//! or in one step by the quality engineer), classified and investigated on the version
//! read, acted upon, verified, merged; the month's review with the actions carried over
//! from earlier months, closed once when every item is done; overdue actions warn their
//! owner once. The rules are the domain's (`sanbao_domain::quality`).

use super::notify::{Notice, notify};
use super::require;
use crate::app::AppState;
use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::ids::{QualityActionId, QualityItemId};
use sanbao_domain::quality::{
    ActionInput, Blockers, Classification, ClassifyInput, Closing, ItemStatus, NewAction,
    QualityAction, QualityItem, SourceKind, blockers, carried_over, check_close, check_merge,
};
use sanbao_domain::time::{Month, local_date, to_store_precision};
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission, Problem, UserId};
use sanbao_store::Tx;

fn audit_item(item: &QualityItem, actor: UserId) -> NewAuditEntry {
    NewAuditEntry::created(
        "quality_item",
        item.id.0,
        actor,
        item.created_at,
        item.audit_view(),
    )
}

/// Make the item of a quality source inside the caller's transaction, if the source is a
/// quality record of its kind and has none yet; anything else is left alone. Called by the
/// use cases that record a quality source (a complaint flagged for the review, an accepted
/// form with the company's responsibility, a faulty part returned, an approved return).
pub async fn capture(
    tx: &mut Tx,
    kind: SourceKind,
    source_id: i64,
    by: UserId,
    now: DateTime<Utc>,
) -> Result<Option<QualityItem>, Error> {
    let Some(facts) = tx.quality_source(kind, source_id).await? else {
        return Ok(None);
    };
    if facts.check_qualifies(kind).is_err() {
        return Ok(None);
    }
    let new = facts.into_item(kind, source_id, by, to_store_precision(now));
    let made = tx.insert_quality_item_once(&new).await?;
    if let Some(item) = &made {
        tx.audit(&audit_item(item, by)).await?;
        tracing::info!(quality_item_id = item.id.0, kind = %kind, source_id, "quality item made");
    }
    Ok(made)
}

/// Make a quality item from a source in one step (the quality engineer's button): the
/// source must exist (404 names `source_id`) and be a quality record of its kind (422);
/// made once — sent again, it answers the item already made (`false`).
pub async fn make_item(
    state: &AppState,
    actor: &User,
    kind: Option<&str>,
    source_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(QualityItem, bool), Error> {
    require(actor, Permission::ReviewQuality)?;
    let mut errs = sanbao_domain::FieldErrors::new();
    let kind = match kind.map(str::trim) {
        None | Some("") => {
            errs.add("source_kind", Problem::required());
            None
        }
        Some(s) => {
            let k = SourceKind::parse(s);
            if k.is_none() {
                errs.add(
                    "source_kind",
                    Problem::invalid("complaint, field_form, faulty_part, follow_up or return"),
                );
            }
            k
        }
    };
    if source_id.is_none() {
        errs.add("source_id", Problem::required());
    }
    errs.into_result()?;
    let (Some(kind), Some(source_id)) = (kind, source_id) else {
        return Err(Error::Internal("source checked without its fields".into()));
    };
    let mut tx = state.db.begin().await?;
    if let Some(done) = tx.quality_item_of_source(kind, source_id).await? {
        tx.rollback().await?;
        return Ok((done, false));
    }
    let facts = tx
        .quality_source(kind, source_id)
        .await?
        .ok_or_else(|| Error::field("source_id", Problem::new("not_found", "no such record")))?;
    facts.check_qualifies(kind)?;
    let new = facts.into_item(kind, source_id, actor.id, to_store_precision(now));
    match tx.insert_quality_item_once(&new).await? {
        Some(item) => {
            tx.audit(&audit_item(&item, actor.id)).await?;
            tx.commit().await?;
            tracing::info!(quality_item_id = item.id.0, kind = %kind, source_id, "quality item made");
            Ok((item, true))
        }
        None => {
            // Made by another request in between: answer that one.
            tx.rollback().await?;
            let done = state
                .db
                .begin()
                .await?
                .quality_item_of_source(kind, source_id)
                .await?
                .ok_or(Error::NotFound("quality item"))?;
            Ok((done, false))
        }
    }
}

/// An item with its actions and the items merged into it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ItemView {
    pub item: QualityItem,
    pub status: ItemStatus,
    pub actions: Vec<QualityAction>,
    pub merged: Vec<QualityItem>,
    /// Whether its month's review is closed.
    pub closed: bool,
}

pub async fn item(state: &AppState, actor: &User, id: QualityItemId) -> Result<ItemView, Error> {
    require(actor, Permission::ReviewQuality)?;
    let item = state
        .db
        .quality_item(id)
        .await?
        .ok_or(Error::NotFound("quality item"))?;
    let actions = state.db.quality_actions_of_item(id).await?;
    let merged = state.db.quality_items_merged_into(id).await?;
    let closed = match Month::parse(&item.month) {
        Ok(m) => state.db.quality_closing(m).await?.is_some(),
        Err(_) => false,
    };
    Ok(ItemView {
        status: item.status(&actions),
        item,
        actions,
        merged,
        closed,
    })
}

/// Classify and investigate an item on the version read (409 when stale); every bad field
/// named and nothing written.
pub async fn classify(
    state: &AppState,
    actor: &User,
    id: QualityItemId,
    version: i64,
    input: &ClassifyInput,
    now: DateTime<Utc>,
) -> Result<QualityItem, Error> {
    require(actor, Permission::ReviewQuality)?;
    let k = Classification::parse(input)?;
    let mut tx = state.db.begin().await?;
    let before = tx
        .quality_item(id)
        .await?
        .ok_or(Error::NotFound("quality item"))?;
    tx.classify_quality_item(id, version, &k, to_store_precision(now))
        .await?;
    let after = tx
        .quality_item(id)
        .await?
        .ok_or(Error::NotFound("quality item"))?;
    if let Some(e) = NewAuditEntry::changed(
        "quality_item",
        id.0,
        "classify",
        actor.id,
        to_store_precision(now),
        None,
        &before.audit_view(),
        &after.audit_view(),
    ) {
        tx.audit(&e).await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Add a corrective or preventive action to an item (not to a merged one); a person named
/// as owner must be a staff account (422 on `owner_user_id`).
pub async fn add_action(
    state: &AppState,
    actor: &User,
    id: QualityItemId,
    input: &ActionInput,
    now: DateTime<Utc>,
) -> Result<QualityAction, Error> {
    require(actor, Permission::ReviewQuality)?;
    let checked = NewAction::parse(input);
    let owner_ok = match input.owner_user_id {
        Some(u) => state.db.user(u).await?.is_some_and(|u| u.role.is_staff()),
        None => true,
    };
    let a = match (checked, owner_ok) {
        (Ok(a), true) => a,
        (Ok(_), false) => {
            return Err(Error::field(
                "owner_user_id",
                Problem::new("not_found", "no such person"),
            ));
        }
        (Err(Error::Validation(mut errs)), false) => {
            errs.add("owner_user_id", Problem::new("not_found", "no such person"));
            return Err(Error::Validation(errs));
        }
        (Err(e), _) => return Err(e),
    };
    let mut tx = state.db.begin().await?;
    let item = tx
        .quality_item(id)
        .await?
        .ok_or(Error::NotFound("quality item"))?;
    if item.merged_into.is_some() {
        return Err(Error::Conflict(
            "this item is merged: act on the item it was merged into".into(),
        ));
    }
    let now = to_store_precision(now);
    let action = tx.insert_quality_action(id, &a, actor.id, now).await?;
    tx.audit(&NewAuditEntry::created(
        "quality_action",
        action.id.0,
        actor.id,
        now,
        action.audit_view(),
    ))
    .await?;
    tx.commit().await?;
    Ok(action)
}

/// Record the verification of an action's effect (who and when: the actor, now), once, on
/// the version read.
pub async fn verify_action(
    state: &AppState,
    actor: &User,
    id: QualityActionId,
    version: i64,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<QualityAction, Error> {
    require(actor, Permission::ReviewQuality)?;
    let mut tx = state.db.begin().await?;
    let before = tx
        .quality_action(id)
        .await?
        .ok_or(Error::NotFound("quality action"))?;
    let note = before.check_verifiable(note)?;
    let now = to_store_precision(now);
    tx.verify_quality_action(id, version, actor.id, &note, now)
        .await?;
    let after = tx
        .quality_action(id)
        .await?
        .ok_or(Error::NotFound("quality action"))?;
    if let Some(e) = NewAuditEntry::changed(
        "quality_action",
        id.0,
        "verify",
        actor.id,
        now,
        None,
        &before.audit_view(),
        &after.audit_view(),
    ) {
        tx.audit(&e).await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Merge items found to be the same problem into the one kept: they leave the review and
/// point to it.
pub async fn merge(
    state: &AppState,
    actor: &User,
    into: QualityItemId,
    others: &[QualityItemId],
    now: DateTime<Utc>,
) -> Result<QualityItem, Error> {
    require(actor, Permission::ReviewQuality)?;
    let mut tx = state.db.begin().await?;
    let survivor = tx
        .quality_item(into)
        .await?
        .ok_or(Error::NotFound("quality item"))?;
    let mut merged = Vec::new();
    for o in others {
        match tx.quality_item(*o).await? {
            Some(i) => merged.push(i),
            None => {
                return Err(Error::field(
                    "items",
                    Problem::new("not_found", format!("no item {o}")),
                ));
            }
        }
    }
    check_merge(&survivor, &merged)?;
    let now = to_store_precision(now);
    for o in &merged {
        tx.merge_quality_item(o.id, into, now).await?;
        tx.audit(&NewAuditEntry {
            entity: "quality_item",
            entity_id: o.id.0,
            action: "merge".into(),
            actor_id: Some(actor.id),
            at: now,
            note: None,
            before: serde_json::json!({ "merged_into": null }),
            after: serde_json::json!({ "merged_into": into }),
        })
        .await?;
    }
    tx.commit().await?;
    Ok(survivor)
}

/// One row of the month's review.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReviewRow {
    pub item: QualityItem,
    pub status: ItemStatus,
    pub actions: Vec<QualityAction>,
}

/// A month's review: its items, the actions carried over from earlier months, what stands
/// in the way of closing it, and its closing.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Review {
    pub month: String,
    pub rows: Vec<ReviewRow>,
    pub carried_over: Vec<QualityAction>,
    pub blockers: Blockers,
    pub closing: Option<Closing>,
}

pub async fn review(state: &AppState, actor: &User, month: Month) -> Result<Review, Error> {
    require(actor, Permission::ReviewQuality)?;
    let items = state.db.quality_items(month).await?;
    let actions = state.db.quality_actions_for_review(month).await?;
    let carried = carried_over(&actions, month)
        .into_iter()
        .cloned()
        .collect::<Vec<_>>();
    let blockers = blockers(&items, &actions);
    let rows = items
        .into_iter()
        .map(|item| {
            let mine: Vec<QualityAction> = actions
                .iter()
                .filter(|a| a.item_id == item.id)
                .cloned()
                .collect();
            ReviewRow {
                status: item.status(&mine),
                item,
                actions: mine,
            }
        })
        .collect();
    Ok(Review {
        month: month.to_string(),
        rows,
        carried_over: carried,
        blockers,
        closing: state.db.quality_closing(month).await?,
    })
}

/// Close a month's review, once: refused while an item lacks its investigation or an
/// action (422 on `month`); audited.
pub async fn close(
    state: &AppState,
    actor: &User,
    month: Month,
    now: DateTime<Utc>,
) -> Result<Closing, Error> {
    require(actor, Permission::ReviewQuality)?;
    let mut tx = state.db.begin().await?;
    let items = tx.quality_items_of_month(month).await?;
    let actions = tx.quality_actions_of_month(month).await?;
    let already = tx.quality_closing(month).await?.is_some();
    check_close(&items, &actions, already)?;
    let closing = Closing {
        month: month.to_string(),
        closed_by: actor.id,
        closed_at: to_store_precision(now),
        items: i64::try_from(items.iter().filter(|i| i.merged_into.is_none()).count())
            .unwrap_or(i64::MAX),
    };
    tx.insert_quality_closing(&closing).await?;
    tx.audit(&NewAuditEntry::created(
        "quality_review",
        i64::from(month.year) * 100 + i64::from(month.month),
        actor.id,
        closing.closed_at,
        serde_json::json!({ "month": closing.month, "items": closing.items }),
    ))
    .await?;
    tx.commit().await?;
    tracing::info!(month = %month, "quality review closed");
    Ok(closing)
}

/// Warn the owner (a person) of every action past its due date and not verified, once per
/// action. Returns how many were warned.
pub async fn sweep(state: &AppState, now: DateTime<Utc>) -> Result<usize, Error> {
    let today = local_date(now);
    let lang = Lang::default();
    let mut told = 0;
    for a in state.db.overdue_quality_actions(today).await? {
        let Some(owner) = a.owner_user_id else {
            continue;
        };
        if !a.warns(today) {
            continue;
        }
        let mut tx = state.db.begin().await?;
        if !tx.mark_quality_action_warned(a.id, now).await? {
            tx.rollback().await?;
            continue;
        }
        let (subject, body) = {
            let due = a.due_on.to_string();
            let args: [(&str, &dyn std::fmt::Display); 2] =
                [("due", &due), ("action", &a.description)];
            (
                lang.f("quality.notice_overdue_subject", &args),
                lang.f("quality.notice_overdue_body", &args),
            )
        };
        notify(
            &mut tx,
            &[owner],
            &Notice {
                subject,
                body: Some(body),
                link: Some(format!("/quality/items/{}", a.item_id)),
                urgent: false,
            },
            &format!("quality:overdue:{}", a.id),
            now,
        )
        .await?;
        tx.commit().await?;
        told += 1;
    }
    Ok(told)
}
