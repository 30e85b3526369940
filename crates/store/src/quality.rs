//! Quality items, their actions and the month's closing of the review (R7.1, R7.2): an item
//! made once per source record, the facts read from each kind of source, classification on
//! the version read, merging, actions verified once, overdue warnings noted once.

use crate::{Db, Tx, at, changed_one, db_err, internal, ms, on_tx, parse, read};
use chrono::{DateTime, NaiveDate, Utc};
use sanbao_domain::field::form::Responsibility;
use sanbao_domain::ids::{QualityActionId, QualityItemId};
use sanbao_domain::quality::{
    ActionKind, Classification, Closing, Method, NewAction, NewQualityItem, QualityAction,
    QualityItem, SourceFacts, SourceKind,
};
use sanbao_domain::time::Month;
use sanbao_domain::{Error, UserId};
use tracing::instrument;

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    source_kind: String,
    source_id: i64,
    month: String,
    product_model: Option<String>,
    component: Option<String>,
    fault_category: Option<String>,
    cause: Option<String>,
    responsibility: Option<String>,
    summary: String,
    root_cause: Option<String>,
    method: Option<String>,
    merged_into: Option<i64>,
    created_by: i64,
    created_at: i64,
    version: i64,
}

const ITEM: &str = "SELECT id, source_kind, source_id, month, product_model, component,
       fault_category, cause, responsibility, summary, root_cause, method, merged_into,
       created_by, created_at, version FROM quality_items";

impl TryFrom<ItemRow> for QualityItem {
    type Error = Error;
    fn try_from(r: ItemRow) -> Result<QualityItem, Error> {
        Ok(QualityItem {
            id: QualityItemId(r.id),
            source_kind: parse("quality source kind", &r.source_kind, SourceKind::parse)?,
            source_id: r.source_id,
            month: r.month,
            product_model: r.product_model,
            component: r.component,
            fault_category: r.fault_category,
            cause: r.cause,
            responsibility: r
                .responsibility
                .map(|s| parse("responsibility", &s, Responsibility::parse))
                .transpose()?,
            summary: r.summary,
            root_cause: r.root_cause,
            method: r
                .method
                .map(|s| parse("quality method", &s, Method::parse))
                .transpose()?,
            merged_into: r.merged_into.map(QualityItemId),
            created_by: UserId(r.created_by),
            created_at: at(r.created_at),
            version: r.version,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ActionRow {
    id: i64,
    item_id: i64,
    month: String,
    kind: String,
    description: String,
    owner_department: Option<String>,
    owner_user_id: Option<i64>,
    owner_name: Option<String>,
    due_on: String,
    verified_by: Option<i64>,
    verified_at: Option<i64>,
    verification_note: Option<String>,
    created_at: i64,
    version: i64,
}

const ACTION: &str = "SELECT a.id, a.item_id, i.month, a.kind, a.description, a.owner_department,
       a.owner_user_id, u.display_name AS owner_name, a.due_on, a.verified_by, a.verified_at,
       a.verification_note, a.created_at, a.version
     FROM quality_actions a JOIN quality_items i ON i.id = a.item_id
       LEFT JOIN users u ON u.id = a.owner_user_id";

fn date(s: &str) -> Result<NaiveDate, Error> {
    parse("due date", s, |v| {
        NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()
    })
}

impl TryFrom<ActionRow> for QualityAction {
    type Error = Error;
    fn try_from(r: ActionRow) -> Result<QualityAction, Error> {
        Ok(QualityAction {
            id: QualityActionId(r.id),
            item_id: QualityItemId(r.item_id),
            month: r.month,
            kind: parse("action kind", &r.kind, ActionKind::parse)?,
            description: r.description,
            owner_department: r.owner_department,
            owner_user_id: r.owner_user_id.map(UserId),
            owner_name: r.owner_name,
            due_on: date(&r.due_on)?,
            verified_by: r.verified_by.map(UserId),
            verified_at: r.verified_at.map(at),
            verification_note: r.verification_note,
            created_at: at(r.created_at),
            version: r.version,
        })
    }
}

/// The facts of a source as read: an instant or a date gives the month.
type FactsRow = (
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
);

fn source_sql(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Complaint => {
            "SELECT t.received_at, NULL, pm.code, NULL, NULL, NULL, t.summary,
               CASE WHEN a.quality_flagged_at IS NOT NULL THEN 'flagged' ELSE t.kind END
             FROM tickets t LEFT JOIN ticket_answers a ON a.ticket_id = t.id
               LEFT JOIN units u ON u.id = t.unit_id
               LEFT JOIN product_models pm ON pm.id = u.model_id
             WHERE t.id = $1"
        }
        SourceKind::FieldForm => {
            "SELECT COALESCE(f.reviewed_at, f.updated_at), NULL, COALESCE(pm.code, j.model_code),
               NULL, NULLIF(f.fault_cause, ''), f.responsibility,
               COALESCE(NULLIF(f.cause_analysis, ''), j.problem), f.status
             FROM feedback_forms f JOIN jobs j ON j.id = f.job_id
               LEFT JOIN units u ON u.id = j.unit_id
               LEFT JOIN product_models pm ON pm.id = u.model_id
             WHERE f.id = $1"
        }
        SourceKind::FaultyPart => {
            "SELECT m.at, NULL, pm.code, p.name, NULL, NULL,
               COALESCE(m.reason, p.name), m.kind
             FROM part_moves m JOIN parts p ON p.id = m.part_id
               LEFT JOIN units u ON u.id = m.unit_id
               LEFT JOIN product_models pm ON pm.id = u.model_id
             WHERE m.id = $1"
        }
        SourceKind::FollowUp => {
            "SELECT NULL, f.visited_on, NULL, NULL, NULL, NULL, COALESCE(f.remarks, ''),
               COALESCE(f.remark_class, '')
             FROM follow_ups f WHERE f.id = $1"
        }
        SourceKind::Return => {
            "SELECT COALESCE(r.decided_at, r.created_at), NULL, pm.code, NULL, NULL, NULL,
               r.description, r.status
             FROM returns r JOIN units u ON u.id = r.unit_id
               JOIN product_models pm ON pm.id = u.model_id
             WHERE r.id = $1"
        }
    }
}

fn facts(row: FactsRow) -> Result<SourceFacts, Error> {
    let (instant, day, model, component, cause, resp, summary, state) = row;
    let month = match (instant, day) {
        (Some(i), _) => Month::of(at(i)),
        (None, Some(d)) => {
            let d = date(&d)?;
            sanbao_domain::followup::month_of_date(d)
        }
        (None, None) => return Err(Error::Internal("a source without a date".into())),
    };
    Ok(SourceFacts {
        month,
        product_model: model,
        component,
        cause,
        // A responsibility the domain does not know is no responsibility of R7.1.
        responsibility: resp.as_deref().and_then(Responsibility::parse),
        summary,
        state,
    })
}

impl Tx {
    /// The facts of a source record, as this transaction sees it.
    pub async fn quality_source(
        &mut self,
        kind: SourceKind,
        id: i64,
    ) -> Result<Option<SourceFacts>, Error> {
        let row: Option<FactsRow> = on_tx!(self, c => sqlx::query_as(source_sql(kind))
            .bind(id).fetch_optional(c).await.map_err(internal))?;
        row.map(facts).transpose()
    }

    /// Write an item unless its source already has one: `None` then (made once).
    #[instrument(skip_all, fields(kind = %n.source_kind, source_id = n.source_id))]
    pub async fn insert_quality_item_once(
        &mut self,
        n: &NewQualityItem,
    ) -> Result<Option<QualityItem>, Error> {
        let id: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO quality_items (source_kind, source_id, month, product_model, component,
                   cause, responsibility, summary, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
                 ON CONFLICT (source_kind, source_id) DO NOTHING RETURNING id")
            .bind(n.source_kind.as_str())
            .bind(n.source_id)
            .bind(n.month.to_string())
            .bind(&n.product_model)
            .bind(&n.component)
            .bind(&n.cause)
            .bind(n.responsibility.map(Responsibility::as_str))
            .bind(&n.summary)
            .bind(n.created_by.0)
            .bind(ms(n.created_at))
            .fetch_optional(c)
            .await
            .map_err(db_err))?;
        match id {
            Some(id) => self.quality_item(QualityItemId(id)).await,
            None => Ok(None),
        }
    }

    pub async fn quality_item(&mut self, id: QualityItemId) -> Result<Option<QualityItem>, Error> {
        let sql = format!("{ITEM} WHERE id = $1");
        let row: Option<ItemRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(c).await.map_err(internal))?;
        row.map(QualityItem::try_from).transpose()
    }

    /// The item made from a source, if any.
    pub async fn quality_item_of_source(
        &mut self,
        kind: SourceKind,
        id: i64,
    ) -> Result<Option<QualityItem>, Error> {
        let sql = format!("{ITEM} WHERE source_kind = $1 AND source_id = $2");
        let row: Option<ItemRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(kind.as_str()).bind(id).fetch_optional(c).await.map_err(internal))?;
        row.map(QualityItem::try_from).transpose()
    }

    /// Classify and investigate an item on the version read (409 when stale).
    pub async fn classify_quality_item(
        &mut self,
        id: QualityItemId,
        version: i64,
        k: &Classification,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE quality_items SET product_model = $1, component = $2, fault_category = $3,
                 cause = $4, responsibility = $5, summary = $6, root_cause = $7, method = $8,
                 updated_at = $9, version = version + 1
               WHERE id = $10 AND version = $11")
            .bind(&k.product_model)
            .bind(&k.component)
            .bind(&k.fault_category)
            .bind(&k.cause)
            .bind(k.responsibility.map(Responsibility::as_str))
            .bind(&k.summary)
            .bind(&k.root_cause)
            .bind(k.method.map(Method::as_str))
            .bind(ms(now))
            .bind(id.0)
            .bind(version)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        changed_one(n, "the quality item", version)
    }

    /// Point an item to the one kept (it must not be merged yet).
    pub async fn merge_quality_item(
        &mut self,
        id: QualityItemId,
        into: QualityItemId,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE quality_items SET merged_into = $1, updated_at = $2, version = version + 1
               WHERE id = $3 AND merged_into IS NULL")
            .bind(into.0)
            .bind(ms(now))
            .bind(id.0)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        if n == 1 {
            Ok(())
        } else {
            Err(Error::Conflict(format!("item {id} is already merged")))
        }
    }

    pub async fn insert_quality_action(
        &mut self,
        item: QualityItemId,
        a: &NewAction,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<QualityAction, Error> {
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO quality_actions (item_id, kind, description, owner_department,
                   owner_user_id, due_on, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
            .bind(item.0)
            .bind(a.kind.as_str())
            .bind(&a.description)
            .bind(&a.owner_department)
            .bind(a.owner_user_id.map(|u| u.0))
            .bind(a.due_on.to_string())
            .bind(by.0)
            .bind(ms(now))
            .fetch_one(c)
            .await
            .map_err(db_err))?;
        self.quality_action(QualityActionId(id))
            .await?
            .ok_or(Error::NotFound("quality action"))
    }

    pub async fn quality_action(
        &mut self,
        id: QualityActionId,
    ) -> Result<Option<QualityAction>, Error> {
        let sql = format!("{ACTION} WHERE a.id = $1");
        let row: Option<ActionRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(c).await.map_err(internal))?;
        row.map(QualityAction::try_from).transpose()
    }

    /// Record the verification of an action's effect, once, on the version read.
    pub async fn verify_quality_action(
        &mut self,
        id: QualityActionId,
        version: i64,
        by: UserId,
        note: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE quality_actions SET verified_by = $1, verified_at = $2,
                 verification_note = $3, version = version + 1
               WHERE id = $4 AND version = $5 AND verified_at IS NULL")
            .bind(by.0)
            .bind(ms(now))
            .bind(note)
            .bind(id.0)
            .bind(version)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        changed_one(n, "the action", version)
    }

    /// The items of a month (merged ones included), as this transaction sees them.
    pub async fn quality_items_of_month(
        &mut self,
        month: Month,
    ) -> Result<Vec<QualityItem>, Error> {
        let sql = format!("{ITEM} WHERE month = $1 ORDER BY id");
        let rows: Vec<ItemRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(month.to_string()).fetch_all(c).await.map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// The actions of a month's items, as this transaction sees them.
    pub async fn quality_actions_of_month(
        &mut self,
        month: Month,
    ) -> Result<Vec<QualityAction>, Error> {
        let sql = format!("{ACTION} WHERE i.month = $1 ORDER BY a.id");
        let rows: Vec<ActionRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(month.to_string()).fetch_all(c).await.map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    pub async fn quality_closing(&mut self, month: Month) -> Result<Option<Closing>, Error> {
        let row: Option<(String, i64, i64, i64)> = on_tx!(self, c => sqlx::query_as(
            "SELECT month, closed_by, closed_at, items FROM quality_closings WHERE month = $1")
            .bind(month.to_string()).fetch_optional(c).await.map_err(internal))?;
        Ok(row.map(closing))
    }

    /// Close a month's review; a second closing is refused (409).
    pub async fn insert_quality_closing(&mut self, k: &Closing) -> Result<(), Error> {
        let n = on_tx!(self, c => sqlx::query(
            "INSERT INTO quality_closings (month, closed_by, closed_at, items)
               VALUES ($1, $2, $3, $4) ON CONFLICT (month) DO NOTHING")
            .bind(&k.month)
            .bind(k.closed_by.0)
            .bind(ms(k.closed_at))
            .bind(k.items)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        if n == 1 {
            Ok(())
        } else {
            Err(Error::Conflict(format!(
                "the quality review of {} is already closed",
                k.month
            )))
        }
    }

    /// Note that an overdue action's owner was warned: true the first time only.
    pub async fn mark_quality_action_warned(
        &mut self,
        id: QualityActionId,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE quality_actions SET warned_at = $1 WHERE id = $2 AND warned_at IS NULL")
            .bind(ms(now))
            .bind(id.0)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        Ok(n == 1)
    }
}

fn closing((month, by, at_ms, items): (String, i64, i64, i64)) -> Closing {
    Closing {
        month,
        closed_by: UserId(by),
        closed_at: at(at_ms),
        items,
    }
}

impl Db {
    #[instrument(skip_all, fields(%id))]
    pub async fn quality_item(&self, id: QualityItemId) -> Result<Option<QualityItem>, Error> {
        let sql = format!("{ITEM} WHERE id = $1");
        let row: Option<ItemRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(p).await.map_err(internal))?;
        row.map(QualityItem::try_from).transpose()
    }

    /// The items of a month (merged ones included), oldest first.
    #[instrument(skip_all, fields(%month))]
    pub async fn quality_items(&self, month: Month) -> Result<Vec<QualityItem>, Error> {
        let sql = format!("{ITEM} WHERE month = $1 ORDER BY id");
        let rows: Vec<ItemRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(month.to_string()).fetch_all(p).await.map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// The items of the months `first` to `last`, both included (merged ones too), oldest
    /// first: the window the monthly report looks for recurring problems in.
    #[instrument(skip_all, fields(%first, %last))]
    pub async fn quality_items_between(
        &self,
        first: Month,
        last: Month,
    ) -> Result<Vec<QualityItem>, Error> {
        let sql = format!("{ITEM} WHERE month >= $1 AND month <= $2 ORDER BY id");
        let rows: Vec<ItemRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(first.to_string()).bind(last.to_string()).fetch_all(p).await.map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// The items merged into an item.
    pub async fn quality_items_merged_into(
        &self,
        id: QualityItemId,
    ) -> Result<Vec<QualityItem>, Error> {
        let sql = format!("{ITEM} WHERE merged_into = $1 ORDER BY id");
        let rows: Vec<ItemRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(id.0).fetch_all(p).await.map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// The actions of an item.
    pub async fn quality_actions_of_item(
        &self,
        id: QualityItemId,
    ) -> Result<Vec<QualityAction>, Error> {
        let sql = format!("{ACTION} WHERE a.item_id = $1 ORDER BY a.id");
        let rows: Vec<ActionRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(id.0).fetch_all(p).await.map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// The actions a month's review shows: those of its items, and those of earlier months
    /// not verified yet (the domain's `carried_over` picks the latter).
    pub async fn quality_actions_for_review(
        &self,
        month: Month,
    ) -> Result<Vec<QualityAction>, Error> {
        let sql = format!(
            "{ACTION} WHERE i.month = $1 OR (i.month < $1 AND a.verified_at IS NULL)
             ORDER BY i.month, a.id"
        );
        let rows: Vec<ActionRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(month.to_string()).fetch_all(p).await.map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Unverified actions owned by a person, due before `today`, whose owner was not warned.
    pub async fn overdue_quality_actions(
        &self,
        today: NaiveDate,
    ) -> Result<Vec<QualityAction>, Error> {
        let sql = format!(
            "{ACTION} WHERE a.verified_at IS NULL AND a.due_on < $1
               AND a.owner_user_id IS NOT NULL AND a.warned_at IS NULL ORDER BY a.id"
        );
        let rows: Vec<ActionRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(today.to_string()).fetch_all(p).await.map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    pub async fn quality_closing(&self, month: Month) -> Result<Option<Closing>, Error> {
        let row: Option<(String, i64, i64, i64)> = read!(self, p => sqlx::query_as(
            "SELECT month, closed_by, closed_at, items FROM quality_closings WHERE month = $1")
            .bind(month.to_string()).fetch_optional(p).await.map_err(internal))?;
        Ok(row.map(closing))
    }
}
