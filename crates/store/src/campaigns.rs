//! The yearly customer visit campaign (R3.9): campaigns and their targets.

use crate::{Db, Tx, at, changed_one, db_err, internal, ms, on_tx, parse, read};
use sanbao_domain::campaign::{
    Campaign, CampaignFields, CampaignStatus, Candidate, Channel, Question, Response, Target,
    Targeting,
};
use sanbao_domain::{CampaignId, CustomerId, Error, ProductModelId, Region, UserId};
use std::collections::BTreeMap;
use tracing::instrument;

#[derive(sqlx::FromRow)]
struct CampaignRow {
    id: i64,
    year: i64,
    name: String,
    definition: String,
    status: String,
    created_by: i64,
    launched_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

const SELECT_CAMPAIGN: &str = "SELECT id, year, name, definition, status, created_by, \
     launched_at, created_at, updated_at, version FROM campaigns";

impl TryFrom<CampaignRow> for Campaign {
    type Error = Error;
    fn try_from(r: CampaignRow) -> Result<Campaign, Error> {
        let bad = |e: serde_json::Error| internal(format!("campaign definition: {e}"));
        let mut d: serde_json::Value = serde_json::from_str(&r.definition).map_err(bad)?;
        let mut take = |k: &str| {
            d.get_mut(k)
                .map(serde_json::Value::take)
                .unwrap_or_default()
        };
        let channels: Vec<Channel> = serde_json::from_value(take("channels")).map_err(bad)?;
        let targeting: Targeting = serde_json::from_value(take("targeting")).map_err(bad)?;
        let questions: Vec<Question> = serde_json::from_value(take("questions")).map_err(bad)?;
        Ok(Campaign {
            id: CampaignId(r.id),
            fields: CampaignFields {
                year: i32::try_from(r.year).map_err(internal)?,
                name: r.name,
                channels,
                targeting,
                questions,
            },
            status: parse("campaign status", &r.status, CampaignStatus::parse)?,
            created_by: UserId(r.created_by),
            launched_at: r.launched_at.map(at),
            created_at: at(r.created_at),
            updated_at: at(r.updated_at),
            version: r.version,
        })
    }
}

fn definition(f: &CampaignFields) -> Result<String, Error> {
    serde_json::to_string(&serde_json::json!({
        "channels": f.channels,
        "targeting": f.targeting,
        "questions": f.questions,
    }))
    .map_err(|e| Error::Internal(format!("campaign definition: {e}")))
}

#[derive(sqlx::FromRow)]
struct TargetRow {
    id: i64,
    campaign_id: i64,
    customer_id: i64,
    customer_name: String,
    region: String,
    assignee_id: Option<i64>,
    assignee_name: Option<String>,
    response: Option<String>,
    token_hash: Option<String>,
    token_expires_at: Option<i64>,
    version: i64,
}

const SELECT_TARGET: &str = "SELECT t.id, t.campaign_id, t.customer_id, c.name AS customer_name, \
     t.region, t.assignee_id, u.display_name AS assignee_name, t.response, t.token_hash, \
     t.token_expires_at, t.version \
     FROM campaign_targets t JOIN customers c ON c.id = t.customer_id \
     LEFT JOIN users u ON u.id = t.assignee_id";

impl TryFrom<TargetRow> for Target {
    type Error = Error;
    fn try_from(r: TargetRow) -> Result<Target, Error> {
        let response: Option<Response> = match r.response {
            Some(s) => Some(
                serde_json::from_str(&s)
                    .map_err(|e| internal(format!("campaign response: {e}")))?,
            ),
            None => None,
        };
        Ok(Target {
            id: r.id,
            campaign_id: CampaignId(r.campaign_id),
            customer_id: CustomerId(r.customer_id),
            customer_name: r.customer_name,
            region: parse("region", &r.region, Region::parse)?,
            assignee_id: r.assignee_id.map(UserId),
            assignee_name: r.assignee_name,
            response,
            token_hash: r.token_hash,
            token_expires_at: r.token_expires_at.map(at),
            version: r.version,
        })
    }
}

/// One target as launch writes it.
pub struct NewTarget {
    pub customer_id: CustomerId,
    pub region: Region,
    pub assignee_id: Option<UserId>,
}

impl Tx {
    /// Write a new campaign; it comes back with its id and version 1.
    #[instrument(skip_all)]
    pub async fn insert_campaign(&mut self, c: &Campaign) -> Result<Campaign, Error> {
        let def = definition(&c.fields)?;
        let id: i64 = on_tx!(self, x => sqlx::query_scalar(
            "INSERT INTO campaigns (year, name, definition, status, created_by, launched_at,
               created_at, updated_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1) RETURNING id")
            .bind(i64::from(c.fields.year))
            .bind(&c.fields.name)
            .bind(&def)
            .bind(c.status.as_str())
            .bind(c.created_by.0)
            .bind(c.launched_at.map(ms))
            .bind(ms(c.created_at))
            .bind(ms(c.updated_at))
            .fetch_one(x)
            .await
            .map_err(db_err))?;
        let mut out = c.clone();
        out.id = CampaignId(id);
        out.version = 1;
        Ok(out)
    }

    /// A campaign as this transaction sees it.
    pub async fn campaign(&mut self, id: CampaignId) -> Result<Option<Campaign>, Error> {
        let sql = format!("{SELECT_CAMPAIGN} WHERE id = $1");
        let row: Option<CampaignRow> = on_tx!(self, x => sqlx::query_as(&sql)
            .bind(id.0)
            .fetch_optional(x)
            .await
            .map_err(internal))?;
        row.map(Campaign::try_from).transpose()
    }

    /// Write `after` over `before`, whose version must still be current.
    pub async fn update_campaign(
        &mut self,
        before: &Campaign,
        after: &Campaign,
    ) -> Result<Campaign, Error> {
        let def = definition(&after.fields)?;
        let n = on_tx!(self, x => sqlx::query(
            "UPDATE campaigns SET year = $1, name = $2, definition = $3, status = $4,
               launched_at = $5, updated_at = $6, version = version + 1
             WHERE id = $7 AND version = $8")
            .bind(i64::from(after.fields.year))
            .bind(&after.fields.name)
            .bind(&def)
            .bind(after.status.as_str())
            .bind(after.launched_at.map(ms))
            .bind(ms(after.updated_at))
            .bind(before.id.0)
            .bind(before.version)
            .execute(x)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        changed_one(n, &format!("campaign {}", before.id), before.version)?;
        let mut out = after.clone();
        out.version = before.version + 1;
        Ok(out)
    }

    /// Every customer as the targeting rule sees it, with the models of its units, by id.
    pub async fn campaign_candidates(&mut self) -> Result<Vec<Candidate>, Error> {
        let rows: Vec<(i64, String, Option<i64>)> = on_tx!(self, x => sqlx::query_as(
            "SELECT id, region, salesperson_id FROM customers ORDER BY id")
            .fetch_all(x)
            .await
            .map_err(internal))?;
        let models: Vec<(i64, i64)> = on_tx!(self, x => sqlx::query_as(
            "SELECT DISTINCT customer_id, model_id FROM units ORDER BY customer_id, model_id")
            .fetch_all(x)
            .await
            .map_err(internal))?;
        let mut by_customer: BTreeMap<i64, Vec<ProductModelId>> = BTreeMap::new();
        for (c, m) in models {
            by_customer.entry(c).or_default().push(ProductModelId(m));
        }
        rows.into_iter()
            .map(|(id, region, sp)| {
                Ok(Candidate {
                    customer_id: CustomerId(id),
                    region: parse("region", &region, Region::parse)?,
                    salesperson_id: sp.map(UserId),
                    model_ids: by_customer.remove(&id).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Write a launched campaign's targets.
    pub async fn insert_campaign_targets(
        &mut self,
        campaign: CampaignId,
        targets: &[NewTarget],
    ) -> Result<(), Error> {
        for t in targets {
            on_tx!(self, x => sqlx::query(
                "INSERT INTO campaign_targets (campaign_id, customer_id, region, assignee_id, version)
                 VALUES ($1, $2, $3, $4, 1)")
                .bind(campaign.0)
                .bind(t.customer_id.0)
                .bind(t.region.as_str())
                .bind(t.assignee_id.map(|u| u.0))
                .execute(x)
                .await
                .map(|_| ())
                .map_err(db_err))?;
        }
        Ok(())
    }

    /// A campaign's target for one customer, as this transaction sees it.
    pub async fn campaign_target(
        &mut self,
        campaign: CampaignId,
        customer: CustomerId,
    ) -> Result<Option<Target>, Error> {
        let sql = format!("{SELECT_TARGET} WHERE t.campaign_id = $1 AND t.customer_id = $2");
        let row: Option<TargetRow> = on_tx!(self, x => sqlx::query_as(&sql)
            .bind(campaign.0)
            .bind(customer.0)
            .fetch_optional(x)
            .await
            .map_err(internal))?;
        row.map(Target::try_from).transpose()
    }

    // ---- campaigns 2 ----
    /// A campaign's targets as this transaction sees them, by customer name.
    pub async fn campaign_targets(&mut self, id: CampaignId) -> Result<Vec<Target>, Error> {
        let sql = format!("{SELECT_TARGET} WHERE t.campaign_id = $1 ORDER BY c.name, t.id");
        let rows: Vec<TargetRow> = on_tx!(self, x => sqlx::query_as(&sql)
            .bind(id.0)
            .fetch_all(x)
            .await
            .map_err(internal))?;
        rows.into_iter().map(Target::try_from).collect()
    }
    // ---- end campaigns 2 ----

    /// The target a link's token (by its hash) opens.
    pub async fn campaign_target_by_token(
        &mut self,
        token_hash: &str,
    ) -> Result<Option<Target>, Error> {
        let sql = format!("{SELECT_TARGET} WHERE t.token_hash = $1");
        let row: Option<TargetRow> = on_tx!(self, x => sqlx::query_as(&sql)
            .bind(token_hash)
            .fetch_optional(x)
            .await
            .map_err(internal))?;
        row.map(Target::try_from).transpose()
    }

    /// Write `after` over `before`, whose version must still be current; a response is
    /// written once (a second one, even from a stale read, changes nothing).
    pub async fn update_campaign_target(
        &mut self,
        before: &Target,
        after: &Target,
    ) -> Result<Target, Error> {
        let response = match &after.response {
            Some(r) => Some(
                serde_json::to_string(r)
                    .map_err(|e| Error::Internal(format!("campaign response: {e}")))?,
            ),
            None => None,
        };
        let n = on_tx!(self, x => sqlx::query(
            "UPDATE campaign_targets SET assignee_id = $1, response = $2, responded_at = $3,
               token_hash = $4, token_expires_at = $5, version = version + 1
             WHERE id = $6 AND version = $7 AND response IS NULL")
            .bind(after.assignee_id.map(|u| u.0))
            .bind(&response)
            .bind(after.response.as_ref().map(|r| ms(r.recorded_at)))
            .bind(&after.token_hash)
            .bind(after.token_expires_at.map(ms))
            .bind(before.id)
            .bind(before.version)
            .execute(x)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        changed_one(
            n,
            &format!(
                "the target {} of campaign {}",
                before.customer_id, before.campaign_id
            ),
            before.version,
        )?;
        let mut out = after.clone();
        out.version = before.version + 1;
        Ok(out)
    }
}

impl Db {
    /// Every campaign, newest year first.
    pub async fn campaigns(&self) -> Result<Vec<Campaign>, Error> {
        let sql = format!("{SELECT_CAMPAIGN} ORDER BY year DESC, id DESC");
        let rows: Vec<CampaignRow> = read!(self, p => sqlx::query_as(&sql)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter().map(Campaign::try_from).collect()
    }

    /// One campaign.
    pub async fn campaign(&self, id: CampaignId) -> Result<Option<Campaign>, Error> {
        let sql = format!("{SELECT_CAMPAIGN} WHERE id = $1");
        let row: Option<CampaignRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(id.0)
            .fetch_optional(p)
            .await
            .map_err(internal))?;
        row.map(Campaign::try_from).transpose()
    }

    /// A campaign's targets, by customer name.
    pub async fn campaign_targets(&self, id: CampaignId) -> Result<Vec<Target>, Error> {
        let sql = format!("{SELECT_TARGET} WHERE t.campaign_id = $1 ORDER BY c.name, t.id");
        let rows: Vec<TargetRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(id.0)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter().map(Target::try_from).collect()
    }

    /// The target a link's token (by its hash) opens.
    pub async fn campaign_target_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<Target>, Error> {
        let sql = format!("{SELECT_TARGET} WHERE t.token_hash = $1");
        let row: Option<TargetRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(token_hash)
            .fetch_optional(p)
            .await
            .map_err(internal))?;
        row.map(Target::try_from).transpose()
    }
}
