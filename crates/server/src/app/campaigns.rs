//! The yearly customer visit campaign (R3.9): the manager defines and launches it, each
//! target's assignee (or the department) records the customer's response, a customer may
//! answer through a link that needs no sign-in and works once, and the results are
//! summarised per question and per region. Audited as entities "campaign" and
//! "campaign_target".

use super::require;
use super::sessions::{random_token, token_hash};
use crate::app::AppState;
use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::campaign::{
    Campaign, CampaignFields, CampaignInput, CampaignStatus, LinkState, Response, ResponseInput,
    Summary, Target, may_record, summarize,
};
use sanbao_domain::time::local_date;
use sanbao_domain::user::User;
use sanbao_domain::{CampaignId, CustomerId, Error, Permission, Problem, UserId};
use sanbao_store::{NewTarget, Tx};

/// The department: sees every target and the summary.
fn department(actor: &User) -> bool {
    actor.role.may(Permission::SeeAllCampaignTargets)
}

#[allow(clippy::too_many_arguments)]
async fn audit_change(
    tx: &mut Tx,
    entity: &'static str,
    id: i64,
    action: &str,
    actor: Option<UserId>,
    now: DateTime<Utc>,
    note: Option<String>,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<(), Error> {
    if let Some(mut e) = NewAuditEntry::changed(
        entity,
        id,
        action,
        actor.unwrap_or(UserId(0)),
        now,
        note,
        &before,
        &after,
    ) {
        if actor.is_none() {
            e.actor_id = None;
        }
        tx.audit(&e).await?;
    }
    Ok(())
}

/// Every campaign (whoever records responses).
pub async fn list(state: &AppState, actor: &User) -> Result<Vec<Campaign>, Error> {
    require(actor, Permission::RecordCampaignResponses)?;
    state.db.campaigns().await
}

/// A campaign and the targets the actor sees: all of them for the department, else those
/// assigned to the actor.
pub async fn get(
    state: &AppState,
    actor: &User,
    id: CampaignId,
) -> Result<(Campaign, Vec<Target>), Error> {
    require(actor, Permission::RecordCampaignResponses)?;
    let c = state
        .db
        .campaign(id)
        .await?
        .ok_or(Error::NotFound("campaign"))?;
    let mut targets = state.db.campaign_targets(id).await?;
    if !department(actor) {
        targets.retain(|t| t.assignee_id == Some(actor.id));
    }
    Ok((c, targets))
}

/// Define a campaign (the manager): a draft.
pub async fn create(
    state: &AppState,
    actor: &User,
    input: &CampaignInput,
    now: DateTime<Utc>,
) -> Result<Campaign, Error> {
    require(actor, Permission::ManageCampaigns)?;
    let fields = CampaignFields::parse(input)?;
    let mut tx = state.db.begin().await?;
    let c = tx
        .insert_campaign(&Campaign::new(fields, actor.id, now))
        .await?;
    tx.audit(&NewAuditEntry::created(
        "campaign",
        c.id.0,
        actor.id,
        c.created_at,
        c.audit_view(),
    ))
    .await?;
    tx.commit().await?;
    tracing::info!(campaign_id = c.id.0, "campaign defined");
    Ok(c)
}

/// Change a draft's definition, on the version read.
pub async fn edit(
    state: &AppState,
    actor: &User,
    id: CampaignId,
    version: i64,
    input: &CampaignInput,
    now: DateTime<Utc>,
) -> Result<Campaign, Error> {
    require(actor, Permission::ManageCampaigns)?;
    let fields = CampaignFields::parse(input)?;
    let mut tx = state.db.begin().await?;
    let mut before = tx.campaign(id).await?.ok_or(Error::NotFound("campaign"))?;
    if before.version != version {
        return Err(Error::Conflict(format!(
            "campaign {id} was changed by someone else since version {version}"
        )));
    }
    before.version = version;
    let after = before.edited(fields, now)?;
    let written = tx.update_campaign(&before, &after).await?;
    audit_change(
        &mut tx,
        "campaign",
        id.0,
        "edit",
        Some(actor.id),
        now,
        None,
        before.audit_view(),
        written.audit_view(),
    )
    .await?;
    tx.commit().await?;
    Ok(written)
}

/// Launch a draft: compute its targets now (each assigned to the customer's salesperson)
/// and store them.
pub async fn launch(
    state: &AppState,
    actor: &User,
    id: CampaignId,
    now: DateTime<Utc>,
) -> Result<(Campaign, usize), Error> {
    require(actor, Permission::ManageCampaigns)?;
    let mut tx = state.db.begin().await?;
    let before = tx.campaign(id).await?.ok_or(Error::NotFound("campaign"))?;
    let candidates = tx.campaign_candidates().await?;
    let targets: Vec<NewTarget> = candidates
        .iter()
        .filter(|c| before.fields.targeting.matches(c))
        .map(|c| NewTarget {
            customer_id: c.customer_id,
            region: c.region,
            assignee_id: c.salesperson_id,
        })
        .collect();
    let after = before.launched(targets.len(), now)?;
    let written = tx.update_campaign(&before, &after).await?;
    tx.insert_campaign_targets(id, &targets).await?;
    audit_change(
        &mut tx,
        "campaign",
        id.0,
        "launch",
        Some(actor.id),
        now,
        Some(format!("{} customers targeted", targets.len())),
        before.audit_view(),
        written.audit_view(),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        campaign_id = id.0,
        targets = targets.len(),
        "campaign launched"
    );
    Ok((written, targets.len()))
}

async fn target_in(
    tx: &mut Tx,
    id: CampaignId,
    customer: CustomerId,
) -> Result<(Campaign, Target), Error> {
    let c = tx.campaign(id).await?.ok_or(Error::NotFound("campaign"))?;
    let t = tx
        .campaign_target(id, customer)
        .await?
        .ok_or(Error::NotFound("target"))?;
    Ok((c, t))
}

/// Assign a target to a person (the manager), on the target's version read when one is
/// given (the API always gives it).
pub async fn assign(
    state: &AppState,
    actor: &User,
    id: CampaignId,
    customer: CustomerId,
    assignee: UserId,
    version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Target, Error> {
    require(actor, Permission::ManageCampaigns)?;
    let Some(person) = state
        .db
        .user(assignee)
        .await?
        .filter(|u| u.active && u.role.may(Permission::RecordCampaignResponses))
    else {
        return Err(Error::field(
            "assignee_id",
            Problem::invalid("an active person who records campaign responses"),
        ));
    };
    let mut tx = state.db.begin().await?;
    let (c, before) = target_in(&mut tx, id, customer).await?;
    if let Some(v) = version.filter(|v| *v != before.version) {
        return Err(Error::Conflict(format!(
            "the target {customer} of campaign {id} was changed by someone else since version {v}"
        )));
    }
    let mut after = before.assigned(&c, assignee)?;
    after.assignee_name = Some(person.display_name);
    let written = tx.update_campaign_target(&before, &after).await?;
    audit_change(
        &mut tx,
        "campaign_target",
        before.id,
        "assign",
        Some(actor.id),
        now,
        None,
        before.audit_view(),
        written.audit_view(),
    )
    .await?;
    tx.commit().await?;
    Ok(written)
}

/// Record a customer's response: the target's assignee, or the department.
pub async fn record_response(
    state: &AppState,
    actor: &User,
    id: CampaignId,
    customer: CustomerId,
    input: &ResponseInput,
    now: DateTime<Utc>,
) -> Result<Target, Error> {
    require(actor, Permission::RecordCampaignResponses)?;
    let mut tx = state.db.begin().await?;
    let (c, before) = target_in(&mut tx, id, customer).await?;
    if !may_record(&before, actor.id, actor.role) {
        tracing::info!(user_id = actor.id.0, "refused: not the target's assignee");
        return Err(Error::Forbidden);
    }
    // A closed campaign says so before any answer is checked.
    c.running()?;
    let r = Response::parse(&c, input, Some(actor.id), local_date(now), now)?;
    let after = before.answered(&c, r)?;
    let written = tx.update_campaign_target(&before, &after).await?;
    audit_change(
        &mut tx,
        "campaign_target",
        before.id,
        "respond",
        Some(actor.id),
        now,
        None,
        before.audit_view(),
        written.audit_view(),
    )
    .await?;
    tx.commit().await?;
    Ok(written)
}

/// A link handed out: the token (shown once, never stored) and until when it works.
pub struct IssuedLink {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Issue a questionnaire link for a target (who may record its response); an earlier link
/// stops working.
pub async fn issue_link(
    state: &AppState,
    actor: &User,
    id: CampaignId,
    customer: CustomerId,
    now: DateTime<Utc>,
) -> Result<IssuedLink, Error> {
    require(actor, Permission::RecordCampaignResponses)?;
    let token = random_token();
    let mut tx = state.db.begin().await?;
    let (c, before) = target_in(&mut tx, id, customer).await?;
    if !may_record(&before, actor.id, actor.role) {
        return Err(Error::Forbidden);
    }
    let after = before.link_issued(&c, token_hash(&token), now)?;
    let written = tx.update_campaign_target(&before, &after).await?;
    audit_change(
        &mut tx,
        "campaign_target",
        before.id,
        "issue_link",
        Some(actor.id),
        now,
        Some("questionnaire link issued".into()),
        before.audit_view(),
        written.audit_view(),
    )
    .await?;
    tx.commit().await?;
    Ok(IssuedLink {
        token,
        expires_at: written.token_expires_at.unwrap_or(now),
    })
}

/// What a link shows the customer.
pub enum LinkView {
    Open {
        campaign: Box<Campaign>,
        target: Box<Target>,
    },
    Closed(LinkState),
}

/// The questionnaire a link opens, without signing in: only its own, only while open.
pub async fn open_link(
    state: &AppState,
    token: &str,
    now: DateTime<Utc>,
) -> Result<LinkView, Error> {
    let hash = token_hash(token);
    let Some(target) = state.db.campaign_target_by_token(&hash).await? else {
        return Ok(LinkView::Closed(LinkState::Unknown));
    };
    let campaign = state
        .db
        .campaign(target.campaign_id)
        .await?
        .ok_or(Error::NotFound("campaign"))?;
    match target.link_state(&campaign, &hash, now) {
        LinkState::Open => Ok(LinkView::Open {
            campaign: Box::new(campaign),
            target: Box::new(target),
        }),
        other => Ok(LinkView::Closed(other)),
    }
}

/// The customer answers through the link. A link that is not open answers why
/// (`Err(state)`), and nothing is written; of two answers at once one is kept.
pub async fn answer_by_link(
    state: &AppState,
    token: &str,
    input: &ResponseInput,
    now: DateTime<Utc>,
) -> Result<Result<Target, LinkState>, Error> {
    let hash = token_hash(token);
    let mut tx = state.db.begin().await?;
    let Some(before) = tx.campaign_target_by_token(&hash).await? else {
        return Ok(Err(LinkState::Unknown));
    };
    let c = tx
        .campaign(before.campaign_id)
        .await?
        .ok_or(Error::NotFound("campaign"))?;
    match before.link_state(&c, &hash, now) {
        LinkState::Open => {}
        other => return Ok(Err(other)),
    }
    let r = Response::parse(&c, input, None, local_date(now), now)?;
    let after = before.answered(&c, r)?;
    let written = match tx.update_campaign_target(&before, &after).await {
        Ok(w) => w,
        // The other answer of two at once won: this link is used.
        Err(Error::Conflict(_)) => return Ok(Err(LinkState::Used)),
        Err(e) => return Err(e),
    };
    audit_change(
        &mut tx,
        "campaign_target",
        before.id,
        "respond",
        None,
        now,
        Some("answered by the customer through the link".into()),
        before.audit_view(),
        written.audit_view(),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        campaign_id = c.id.0,
        "campaign questionnaire answered by link"
    );
    Ok(Ok(written))
}

/// The campaign's results (the department).
pub async fn summary(
    state: &AppState,
    actor: &User,
    id: CampaignId,
) -> Result<(Campaign, Summary), Error> {
    require(actor, Permission::RecordCampaignResponses)?;
    if !department(actor) {
        return Err(Error::Forbidden);
    }
    let (c, targets) = get(state, actor, id).await?;
    let s = summarize(&c, &targets);
    Ok((c, s))
}

// ---- campaigns 2 ----

/// Who closed a campaign and when (its audit entry).
#[derive(Debug, Clone)]
pub struct Closing {
    pub by: Option<String>,
    pub at: DateTime<Utc>,
}

/// A closed campaign's closing, from its audit trail; `None` while it is not closed.
pub async fn closing(state: &AppState, c: &Campaign) -> Result<Option<Closing>, Error> {
    if c.status != CampaignStatus::Closed {
        return Ok(None);
    }
    let trail = state.db.audit_trail("campaign", c.id.0).await?;
    Ok(trail
        .into_iter()
        .rev()
        .find(|e| e.action == "close")
        .map(|e| Closing {
            by: e.actor_name,
            at: e.at,
        }))
}

/// Close a running campaign (the manager), on the version read: no response, assignment
/// or link after it, and an open link answers that the campaign has ended. The audit
/// entry keeps the final coverage (answered / targeted).
pub async fn close(
    state: &AppState,
    actor: &User,
    id: CampaignId,
    version: i64,
    now: DateTime<Utc>,
) -> Result<(Campaign, Summary), Error> {
    require(actor, Permission::ManageCampaigns)?;
    let mut tx = state.db.begin().await?;
    let before = tx.campaign(id).await?.ok_or(Error::NotFound("campaign"))?;
    if before.version != version {
        return Err(Error::Conflict(format!(
            "campaign {id} was changed by someone else since version {version}"
        )));
    }
    let after = before.closed(now)?;
    let written = tx.update_campaign(&before, &after).await?;
    let targets = tx.campaign_targets(id).await?;
    let s = summarize(&written, &targets);
    audit_change(
        &mut tx,
        "campaign",
        id.0,
        "close",
        Some(actor.id),
        now,
        Some(format!(
            "closed: {} of {} customers answered",
            s.responded, s.targets
        )),
        before.audit_view(),
        written.audit_view(),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        campaign_id = id.0,
        responded = s.responded,
        targets = s.targets,
        "campaign closed"
    );
    Ok((written, s))
}

/// The campaign's results as rows (the department): one per target customer — customer,
/// region, assignee, channel, date, each question's answer in its own column, the
/// suggestions word for word. Headers in Chinese as every export; values in `lang`.
pub async fn export(
    state: &AppState,
    actor: &User,
    id: CampaignId,
    lang: Lang,
) -> Result<(Vec<String>, Vec<Vec<String>>), Error> {
    require(actor, Permission::RecordCampaignResponses)?;
    if !department(actor) {
        return Err(Error::Forbidden);
    }
    let (c, targets) = get(state, actor, id).await?;
    let mut headers: Vec<String> = ["客户", "区域", "负责人", "方式", "日期"]
        .iter()
        .map(|h| (*h).to_string())
        .collect();
    headers.extend(c.fields.questions.iter().map(|q| q.label.clone()));
    headers.push("建议".into());
    let rows = targets
        .iter()
        .map(|t| {
            let r = t.response.as_ref();
            let mut row = vec![
                t.customer_name.clone(),
                lang.t(&format!("region.{}", t.region.as_str())).to_string(),
                t.assignee_name.clone().unwrap_or_default(),
                r.map(|r| {
                    lang.t(&format!("campaign.channel.{}", r.channel.as_str()))
                        .to_string()
                })
                .unwrap_or_default(),
                r.map(|r| r.date.to_string()).unwrap_or_default(),
            ];
            row.extend(c.fields.questions.iter().map(|q| {
                r.and_then(|r| r.answers.get(&q.key).cloned())
                    .unwrap_or_default()
            }));
            row.push(r.and_then(|r| r.suggestions.clone()).unwrap_or_default());
            row
        })
        .collect();
    tracing::info!(
        user_id = actor.id.0,
        campaign_id = id.0,
        "campaign results exported"
    );
    Ok((headers, rows))
}
// ---- end campaigns 2 ----
