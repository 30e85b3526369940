//! Dispatch (issue 8): technicians' profiles and the travel settings (the service manager's),
//! and the dispatcher's board — the jobs waiting for a crew, most urgent arrival deadline
//! first, each with the technicians proposed by [`travel::rank`], and the crews on their
//! way. Sending a crew is [`super::field::dispatch`], with the arrival the chosen
//! technicians imply.

use super::require;
use crate::app::AppState;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::dispatch::{
    CurrentJob, ProfileFields, TechnicianProfile, candidate, crew_eta, urgency,
};
use sanbao_domain::field::{DispatchInput, Job, JobFilter, JobStatus};
use sanbao_domain::people::sort_by_pinyin;
use sanbao_domain::terms::DeadlineKind;
use sanbao_domain::ticket::{Ticket, may_go_on_site};
use sanbao_domain::time::to_store_precision;
use sanbao_domain::travel::{self, Located, Proposal, TravelSettings};
use sanbao_domain::user::User;
use sanbao_domain::{CustomerId, Error, JobId, Permission, UserId};
use serde_json::json;
use std::collections::HashMap;

/// At most this many unfinished jobs are read for the board.
const BOARD_JOBS: i64 = 2000;

/// A technician as the profiles page shows them.
pub struct TechnicianLine {
    pub user: User,
    pub profile: TechnicianProfile,
}

/// Everyone who may be sent to site (active), with their profile (blank when never saved),
/// by the pinyin of their names.
pub async fn technicians(state: &AppState, actor: &User) -> Result<Vec<TechnicianLine>, Error> {
    require(actor, Permission::ManageTechnicians)?;
    let profiles = state.db.technician_profiles().await?;
    Ok(people(state)
        .await?
        .into_iter()
        .map(|user| {
            let profile = profiles
                .iter()
                .find(|p| p.user_id == user.id)
                .cloned()
                .unwrap_or_else(|| TechnicianProfile::blank(user.id));
            TechnicianLine { user, profile }
        })
        .collect())
}

async fn people(state: &AppState) -> Result<Vec<User>, Error> {
    let mut found: Vec<User> = state
        .db
        .users(None)
        .await?
        .into_iter()
        .filter(|u| u.active && may_go_on_site(u.role))
        .collect();
    sort_by_pinyin(&mut found, |u| u.display_name.as_str());
    Ok(found)
}

/// The product lines a technician may be skilled for: those the product models name.
pub async fn product_lines(state: &AppState, actor: &User) -> Result<Vec<String>, Error> {
    require(actor, Permission::ManageTechnicians)?;
    state.db.product_lines().await
}

/// Write a technician's base and lines (audited as "technician"). `version`, when given,
/// must be the profile's current one (0 for one never saved).
pub async fn save_technician(
    state: &AppState,
    actor: &User,
    id: UserId,
    version: Option<i64>,
    base_address: Option<&str>,
    product_lines: &[String],
    now: DateTime<Utc>,
) -> Result<TechnicianLine, Error> {
    require(actor, Permission::ManageTechnicians)?;
    let who = state
        .db
        .user(id)
        .await?
        .filter(|u| may_go_on_site(u.role))
        .ok_or(Error::NotFound("technician"))?;
    let known = state.db.product_lines().await?;
    let fields = ProfileFields::parse(base_address, product_lines, &known)?;
    let mut tx = state.db.begin().await?;
    let before = tx
        .technician_profile(who.id)
        .await?
        .unwrap_or_else(|| TechnicianProfile::blank(who.id));
    if let Some(v) = version
        && v != before.version
    {
        return Err(Error::Conflict(format!(
            "technician {} is at version {}, not {v}: reload and try again",
            who.id.0, before.version
        )));
    }
    let after = before.with(fields, actor.id, now);
    tx.save_technician_profile(&before, &after).await?;
    let entry = if before.version == 0 {
        Some(NewAuditEntry::created(
            "technician",
            who.id.0,
            actor.id,
            now,
            after.audit_view(),
        ))
    } else {
        NewAuditEntry::changed(
            "technician",
            who.id.0,
            "update",
            actor.id,
            now,
            None,
            &before.audit_view(),
            &after.audit_view(),
        )
    };
    if let Some(entry) = entry {
        tx.audit(&entry).await?;
    }
    tx.commit().await?;
    tracing::info!(technician = who.id.0, "technician profile saved");
    Ok(TechnicianLine {
        user: who,
        profile: after,
    })
}

/// The travel settings in force and their version (0: the defaults, never saved).
pub async fn field_settings(
    state: &AppState,
    actor: &User,
) -> Result<(TravelSettings, i64), Error> {
    require(actor, Permission::ManageTechnicians)?;
    settings_in_force(state).await
}

async fn settings_in_force(state: &AppState) -> Result<(TravelSettings, i64), Error> {
    Ok(state
        .db
        .field_settings()
        .await?
        .map_or((TravelSettings::default(), 0), |s| (s.settings, s.version)))
}

fn settings_view(s: &TravelSettings) -> serde_json::Value {
    json!({ "road_kmh": s.road_kmh, "road_factor_pct": s.road_factor_pct,
            "setup_minutes": s.setup_minutes })
}

/// Write the travel settings (audited as "field_settings"); answers the new version.
pub async fn save_field_settings(
    state: &AppState,
    actor: &User,
    version: Option<i64>,
    settings: &TravelSettings,
    now: DateTime<Utc>,
) -> Result<i64, Error> {
    require(actor, Permission::ManageTechnicians)?;
    let mut tx = state.db.begin().await?;
    let before = tx.field_settings().await?;
    let (was, v) = before
        .as_ref()
        .map_or((TravelSettings::default(), 0), |s| (s.settings, s.version));
    if let Some(asked) = version
        && asked != v
    {
        return Err(Error::Conflict(format!(
            "the travel settings are at version {v}, not {asked}: reload and try again"
        )));
    }
    let version = tx.save_field_settings(v, settings, actor.id, now).await?;
    let entry = NewAuditEntry::changed(
        "field_settings",
        1,
        if v == 0 { "create" } else { "update" },
        actor.id,
        now,
        None,
        &settings_view(&was),
        &settings_view(settings),
    );
    if let Some(entry) = entry {
        tx.audit(&entry).await?;
    }
    tx.commit().await?;
    Ok(version)
}

/// One technician proposed for a job, with their name.
#[derive(Debug, Clone)]
pub struct Proposed {
    pub name: String,
    pub proposal: Proposal,
}

/// A job waiting for a crew, as the dispatcher sees it.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub job: Job,
    pub ticket: Ticket,
    pub customer_name: String,
    /// Where the crew goes: the site's address, else the customer's.
    pub address: Option<String>,
    /// The place [`travel::locate`] finds there.
    pub place: Option<Located>,
    /// (serial number, model code) of the unit, when named.
    pub unit: Option<(String, String)>,
    /// The product line of the unit's (or the named) model.
    pub line: Option<String>,
    /// The ticket's unmet arrival deadline.
    pub deadline: Option<DateTime<Utc>>,
    /// Best first.
    pub proposals: Vec<Proposed>,
}

/// A crew sent and not yet there.
#[derive(Debug, Clone)]
pub struct OnTheWay {
    pub job: Job,
    pub ticket: Ticket,
    pub customer_name: String,
    pub address: Option<String>,
    pub deadline: Option<DateTime<Utc>>,
}

/// The dispatcher's board.
pub struct Board {
    pub waiting: Vec<Waiting>,
    pub on_the_way: Vec<OnTheWay>,
    pub settings: TravelSettings,
}

/// What the board reads once and looks up per job.
struct Lookups {
    customers: HashMap<CustomerId, (String, String)>,
}

impl Lookups {
    /// The customer's name and address.
    async fn customer(
        &mut self,
        state: &AppState,
        id: CustomerId,
    ) -> Result<(String, String), Error> {
        if let Some(c) = self.customers.get(&id) {
            return Ok(c.clone());
        }
        let c = state
            .db
            .customer(id)
            .await?
            .map(|c| (c.fields.name, c.fields.address))
            .unwrap_or_default();
        self.customers.insert(id, c.clone());
        Ok(c)
    }

    /// Where the job is: its site's address, else its customer's.
    async fn address(&mut self, state: &AppState, job: &Job) -> Result<Option<String>, Error> {
        if let Some(site) = job.site_id
            && let Some(s) = state.db.site(site).await?
        {
            return Ok(Some(s.fields.address));
        }
        let (_, address) = self.customer(state, job.customer_id).await?;
        Ok(Some(address).filter(|a| !a.trim().is_empty()))
    }
}

fn arrival_deadline(t: &Ticket) -> Option<DateTime<Utc>> {
    t.deadlines
        .iter()
        .find(|d| d.kind == DeadlineKind::Arrival && d.met_at.is_none())
        .map(|d| d.due_at)
}

/// The board: jobs waiting for a crew (most urgent arrival deadline first, then oldest),
/// each with every technician ranked; and the crews on their way (expected first).
pub async fn board(state: &AppState, actor: &User, now: DateTime<Utc>) -> Result<Board, Error> {
    require(actor, Permission::DispatchTechnicians)?;
    board_of(state, None, to_store_precision(now)).await
}

async fn board_of(
    state: &AppState,
    only: Option<JobId>,
    now: DateTime<Utc>,
) -> Result<Board, Error> {
    let (settings, _) = settings_in_force(state).await?;
    let jobs = state
        .db
        .jobs(
            &JobFilter {
                open_only: true,
                ..JobFilter::default()
            },
            BOARD_JOBS,
            None,
        )
        .await?;
    let techs = people(state).await?;
    let profiles = state.db.technician_profiles().await?;
    let models = state.db.models().await?;
    let mut look = Lookups {
        customers: HashMap::new(),
    };
    // Each technician's jobs, from the crews of the current trips.
    let mut current: HashMap<UserId, Vec<CurrentJob>> = HashMap::new();
    for j in jobs.iter().filter(|j| j.status != JobStatus::Open) {
        let Some(trip) = j.current_trip() else {
            continue;
        };
        if trip.crew.is_empty() {
            continue;
        }
        let address = if j.status.is_out() {
            look.address(state, j).await?
        } else {
            None
        };
        for c in &trip.crew {
            current.entry(c.user_id).or_default().push(CurrentJob {
                status: j.status,
                address: address.clone(),
                dispatched_at: trip.dispatched_at,
                expected_at: trip.expected_at,
            });
        }
    }
    let mut waiting = Vec::new();
    let mut on_the_way = Vec::new();
    for j in jobs {
        if only.is_some_and(|id| id != j.id) {
            continue;
        }
        let waits = j.status == JobStatus::Open;
        let coming = matches!(j.status, JobStatus::Dispatched | JobStatus::Underway);
        if !waits && !coming {
            continue;
        }
        let Some(ticket) = state.db.ticket(j.ticket_id).await? else {
            continue;
        };
        let (customer_name, _) = look.customer(state, j.customer_id).await?;
        let address = look.address(state, &j).await?;
        let deadline = arrival_deadline(&ticket);
        if coming {
            on_the_way.push(OnTheWay {
                job: j,
                ticket,
                customer_name,
                address,
                deadline,
            });
            continue;
        }
        let unit = match j.unit_id {
            Some(u) => state.db.unit(u).await?,
            None => None,
        };
        let line = match (&unit, &j.model_code) {
            (Some(u), _) => Some(u.product_line.clone()),
            (None, Some(code)) => models
                .iter()
                .find(|m| m.fields.code.eq_ignore_ascii_case(code))
                .map(|m| m.fields.product_line.clone()),
            (None, None) => None,
        };
        let place = address.as_deref().and_then(travel::locate);
        let candidates: Vec<_> = techs
            .iter()
            .map(|t| {
                let profile = profiles
                    .iter()
                    .find(|p| p.user_id == t.id)
                    .cloned()
                    .unwrap_or_else(|| TechnicianProfile::blank(t.id));
                let mine = current.get(&t.id).map_or(&[][..], Vec::as_slice);
                candidate(&profile, mine, line.as_deref(), now)
            })
            .collect();
        let proposals = travel::rank(
            place.map(|p| p.coord),
            deadline,
            now,
            &candidates,
            &settings,
        )
        .into_iter()
        .map(|proposal| Proposed {
            name: techs
                .iter()
                .find(|t| t.id == proposal.technician)
                .map(|t| t.display_name.clone())
                .unwrap_or_default(),
            proposal,
        })
        .collect();
        waiting.push(Waiting {
            unit: unit.map(|u| (u.serial_no, u.model_code)),
            job: j,
            ticket,
            customer_name,
            address,
            place,
            line,
            deadline,
            proposals,
        });
    }
    waiting.sort_by_key(|w| urgency(w.deadline, w.job.created_at));
    on_the_way.sort_by_key(|o| o.job.current_trip().and_then(|t| t.expected_at));
    Ok(Board {
        waiting,
        on_the_way,
        settings,
    })
}

/// Send the chosen technicians on a waiting job: the lead is `lead` (else the first
/// chosen), and the arrival expected is the latest eta among them as ranked now (the crew
/// arrives together; none when anyone's is unknown).
pub async fn send_crew(
    state: &AppState,
    actor: &User,
    id: JobId,
    version: i64,
    chosen: &[UserId],
    lead: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<Job, Error> {
    require(actor, Permission::DispatchTechnicians)?;
    let board = board_of(state, Some(id), to_store_precision(now)).await?;
    let etas: Vec<_> = match board.waiting.first() {
        Some(w) => chosen
            .iter()
            .map(|c| {
                w.proposals
                    .iter()
                    .find(|p| p.proposal.technician == *c)
                    .and_then(|p| p.proposal.eta)
            })
            .collect(),
        None => Vec::new(),
    };
    let input = DispatchInput {
        technician_ids: chosen.to_vec(),
        lead_id: lead,
        expected_at: crew_eta(&etas),
    };
    super::field::dispatch(state, actor, id, version, &input, now).await
}
