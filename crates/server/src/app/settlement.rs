//! The settlement basis of jobs (R1.5): a job's settlement computed from its parts, its
//! visits' times, the daily reports' travel, the unit's coverage on the job's date and the
//! responsibility on its feedback form; quotations before paid work and the customer's
//! answer; the month's settlement for finance and its warranty cost per product model.
//!
//! Reading needs `ViewSettlements` (a job's record-level visibility applies as on the job
//! page); quotations need `QuoteCharges`; the rates are the price list's, kept by whoever
//! keeps the product models and warranty policies (`ManageProducts`: admin, manager).

use super::export::{ExportKind, Sheet};
use super::{AppState, require};
use crate::i18n::Lang;
use chrono::{DateTime, NaiveDate, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::coverage::Coverage;
use sanbao_domain::field::Job;
use sanbao_domain::field::form::FeedbackForm;
use sanbao_domain::field::may_see;
use sanbao_domain::field::report::DailyReport;
use sanbao_domain::parts::UsedPart;
use sanbao_domain::product::WarrantyPolicy;
use sanbao_domain::settlement::{
    self, AnswerInput, Basis, LineKind, NewQuote, Quote, QuoteInput, Rates, RatesInput, Settlement,
    Travel, WarrantyCost, travel_of_job, visits_of, yuan,
};
use sanbao_domain::ticket::ticket_number;
use sanbao_domain::time::{Month, local_date};
use sanbao_domain::unit::Unit;
use sanbao_domain::user::User;
use sanbao_domain::{CustomerId, UnitId, UserId};
use sanbao_domain::{Error, JobId, Permission, QuoteId};
use std::collections::{BTreeSet, HashMap};

/// The rates in force and their version (0: the defaults, never saved).
pub async fn rates(state: &AppState, actor: &User) -> Result<(Rates, i64), Error> {
    if !actor.role.may(Permission::ManageProducts) {
        require(actor, Permission::ViewSettlements)?;
    }
    rates_in_force(state).await
}

async fn rates_in_force(state: &AppState) -> Result<(Rates, i64), Error> {
    Ok(state
        .db
        .rates()
        .await?
        .map_or((Rates::default(), 0), |s| (s.rates, s.version)))
}

/// Write the rates (audited as "settlement_settings"); answers the new version.
pub async fn save_rates(
    state: &AppState,
    actor: &User,
    version: Option<i64>,
    input: &RatesInput,
    now: DateTime<Utc>,
) -> Result<(Rates, i64), Error> {
    require(actor, Permission::ManageProducts)?;
    let rates = Rates::parse(input)?;
    let mut tx = state.db.begin().await?;
    let (was, v) = tx
        .rates()
        .await?
        .map_or((Rates::default(), 0), |s| (s.rates, s.version));
    if let Some(asked) = version
        && asked != v
    {
        return Err(Error::Conflict(format!(
            "the rates are at version {v}, not {asked}: reload and try again"
        )));
    }
    let version = tx.save_rates(v, &rates, actor.id, now).await?;
    if let Some(entry) = NewAuditEntry::changed(
        "settlement_settings",
        1,
        if v == 0 { "create" } else { "update" },
        actor.id,
        now,
        None,
        &was.audit_view(),
        &rates.audit_view(),
    ) {
        tx.audit(&entry).await?;
    }
    tx.commit().await?;
    tracing::info!(user_id = actor.id.0, version, "rates saved");
    Ok((rates, version))
}

/// The parts used on a job (net of reversals), at cost and at list price: the ledger's.
async fn parts_used(state: &AppState, job: JobId) -> Result<Vec<UsedPart>, Error> {
    state.db.parts_used_on_job(job).await
}

/// A job's settlement with what it rests on.
#[derive(Debug, Clone)]
pub struct JobSettlement {
    pub job: Job,
    pub ticket_number: String,
    pub customer_name: String,
    /// The unit's model, else the model named on the job.
    pub model_code: Option<String>,
    pub serial_no: Option<String>,
    /// The job's date: its first arrival on site (company time), else the day it was opened.
    pub on: NaiveDate,
    /// The unit's coverage on that date; none when the job names no unit.
    pub coverage: Option<Coverage>,
    pub settlement: Settlement,
    pub travel: Travel,
    pub rates: Rates,
    /// Newest first.
    pub quotes: Vec<Quote>,
}

/// The job's date: when its work began.
fn job_date(job: &Job) -> NaiveDate {
    local_date(
        job.trips
            .iter()
            .filter_map(|t| t.arrived_at)
            .min()
            .unwrap_or(job.created_at),
    )
}

/// The days a job's trips ran on and its crews: whose daily reports of which days may
/// name it.
fn report_days(job: &Job) -> (BTreeSet<NaiveDate>, BTreeSet<UserId>) {
    let mut days = BTreeSet::new();
    let mut crew = BTreeSet::new();
    for t in &job.trips {
        for at in [t.departed_at, t.arrived_at].into_iter().flatten() {
            days.insert(local_date(at));
        }
        crew.extend(t.crew.iter().map(|c| c.user_id));
    }
    (days, crew)
}

/// Of `reports`, those that may name the job: its crews' reports of the days its trips ran.
fn reports_of_job<'a>(
    job: &Job,
    reports: impl Iterator<Item = &'a DailyReport>,
) -> Vec<DailyReport> {
    let (days, crew) = report_days(job);
    reports
        .filter(|r| days.contains(&r.day) && crew.contains(&r.user_id))
        .cloned()
        .collect()
}

/// What a job's settlement rests on, however it was read.
struct Facts {
    forms: Vec<FeedbackForm>,
    unit: Option<Unit>,
    policies: Vec<WarrantyPolicy>,
    reports: Vec<DailyReport>,
    parts: Vec<UsedPart>,
    customer_name: String,
    quotes: Vec<Quote>,
}

/// The settlement of a job from what it rests on (the one place both the single job's and
/// the many jobs' reads lead to).
fn settle_from(job: Job, f: Facts, rates: Rates) -> JobSettlement {
    let (visits, responsibility) = visits_of(&job, &f.forms);
    let on = job_date(&job);
    let coverage = f.unit.as_ref().map(|u| u.coverage_on(&f.policies, on));
    let travel = travel_of_job(job.id, &f.reports);
    let trips_on_site =
        i64::try_from(job.trips.iter().filter(|t| t.arrived_at.is_some()).count()).unwrap_or(0);
    let settlement = settlement::settle(&Basis {
        coverage: coverage.as_ref().map(|c| c.coverage),
        responsibility,
        has_form: !f.forms.is_empty(),
        parts: &f.parts,
        visits: &visits,
        travel: &travel,
        trips_on_site,
        rates,
    });
    JobSettlement {
        ticket_number: ticket_number(job.ticket_id),
        customer_name: f.customer_name,
        model_code: f
            .unit
            .as_ref()
            .map(|u| u.model_code.clone())
            .or_else(|| job.model_code.clone()),
        serial_no: f.unit.map(|u| u.serial_no),
        on,
        coverage,
        settlement,
        travel,
        rates,
        quotes: f.quotes,
        job,
    }
}

async fn settle_job(state: &AppState, job: Job, rates: Rates) -> Result<JobSettlement, Error> {
    let forms: Vec<FeedbackForm> = state.db.forms_of_job(job.id).await?;
    let unit = match job.unit_id {
        Some(id) => state.db.unit(id).await?,
        None => None,
    };
    let policies = match &unit {
        Some(u) => state.db.policies_of(&u.product_line).await?,
        None => Vec::new(),
    };
    let mut reports = Vec::new();
    for day in report_days(&job).0 {
        reports.extend(state.db.daily_reports(day).await?);
    }
    let reports = reports_of_job(&job, reports.iter());
    let parts = parts_used(state, job.id).await?;
    let customer_name = state
        .db
        .customer(job.customer_id)
        .await?
        .map(|c| c.fields.name)
        .unwrap_or_default();
    let quotes = state.db.quotes_of_job(job.id).await?;
    Ok(settle_from(
        job,
        Facts {
            forms,
            unit,
            policies,
            reports,
            parts,
            customer_name,
            quotes,
        },
        rates,
    ))
}

/// The settlements of many jobs, read in a few queries whatever their number (the month's
/// settlement and warranty cost, the reliability page's cost per year). In the order of
/// `ids`; those that do not exist left out.
pub(crate) async fn settle_jobs(
    state: &AppState,
    ids: &[JobId],
    rates: Rates,
) -> Result<Vec<JobSettlement>, Error> {
    let mut jobs: HashMap<JobId, Job> = state
        .db
        .jobs_by_ids(ids)
        .await?
        .into_iter()
        .map(|j| (j.id, j))
        .collect();
    let mut forms: HashMap<JobId, Vec<FeedbackForm>> = HashMap::new();
    for f in state.db.forms_of_jobs(ids).await? {
        forms.entry(f.job_id).or_default().push(f);
    }
    let unit_ids: Vec<UnitId> = jobs
        .values()
        .filter_map(|j| j.unit_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let units: HashMap<UnitId, Unit> = state
        .db
        .units_by_ids(&unit_ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut policies: HashMap<String, Vec<WarrantyPolicy>> = HashMap::new();
    for line in units
        .values()
        .map(|u| u.product_line.clone())
        .collect::<BTreeSet<_>>()
    {
        let p = state.db.policies_of(&line).await?;
        policies.insert(line, p);
    }
    let days: BTreeSet<NaiveDate> = jobs.values().flat_map(|j| report_days(j).0).collect();
    let reports = match (days.first(), days.last()) {
        (Some(first), Some(last)) => state.db.daily_reports_between(*first, *last).await?,
        _ => Vec::new(),
    };
    let mut reports_by_day: HashMap<NaiveDate, Vec<DailyReport>> = HashMap::new();
    for r in reports {
        reports_by_day.entry(r.day).or_default().push(r);
    }
    let mut parts = state.db.parts_used_on_jobs(ids).await?;
    let customer_ids: Vec<CustomerId> = jobs
        .values()
        .map(|j| j.customer_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let names = state.db.customer_names_of(&customer_ids).await?;
    let mut quotes: HashMap<JobId, Vec<Quote>> = HashMap::new();
    for q in state.db.quotes_of_jobs(ids).await? {
        quotes.entry(q.job_id).or_default().push(q);
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(job) = jobs.remove(id) else { continue };
        let unit = job.unit_id.and_then(|u| units.get(&u).cloned());
        let (days, _) = report_days(&job);
        let reports = reports_of_job(
            &job,
            days.iter().filter_map(|d| reports_by_day.get(d)).flatten(),
        );
        let facts = Facts {
            forms: forms.remove(id).unwrap_or_default(),
            policies: unit
                .as_ref()
                .and_then(|u| policies.get(&u.product_line).cloned())
                .unwrap_or_default(),
            unit,
            reports,
            parts: parts.remove(id).unwrap_or_default(),
            customer_name: names.get(&job.customer_id).cloned().unwrap_or_default(),
            quotes: quotes.remove(id).unwrap_or_default(),
        };
        out.push(settle_from(job, facts, rates));
    }
    Ok(out)
}

/// A job's settlement (404 when the job is not visible to the actor).
pub async fn settlement(
    state: &AppState,
    actor: &User,
    job_id: JobId,
) -> Result<JobSettlement, Error> {
    require(actor, Permission::ViewSettlements)?;
    let job = super::field::job(state, actor, job_id).await?;
    let (rates, _) = rates_in_force(state).await?;
    settle_job(state, job, rates).await
}

/// Give the customer a quotation for a job before paid work (audited as "quote").
pub async fn create_quote(
    state: &AppState,
    actor: &User,
    job_id: JobId,
    input: &QuoteInput,
    now: DateTime<Utc>,
) -> Result<Quote, Error> {
    require(actor, Permission::QuoteCharges)?;
    let job = super::field::job(state, actor, job_id).await?;
    let (rates, _) = rates_in_force(state).await?;
    let new = NewQuote::parse(&job, input, rates, actor.id, now)?;
    let mut tx = state.db.begin().await?;
    let quote = tx.insert_quote(&new).await?;
    tx.audit(&NewAuditEntry::created(
        "quote",
        quote.id.0,
        actor.id,
        now,
        quote.audit_view(),
    ))
    .await?;
    tx.commit().await?;
    tracing::info!(quote_id = quote.id.0, job_id = job_id.0, "quotation given");
    Ok(quote)
}

/// A quotation (its job must be visible to the actor).
pub async fn quote(state: &AppState, actor: &User, id: QuoteId) -> Result<Quote, Error> {
    require(actor, Permission::ViewSettlements)?;
    let q = state.db.quote(id).await?.ok_or(Error::NotFound("quote"))?;
    super::field::job(state, actor, q.job_id)
        .await
        .map_err(|_| Error::NotFound("quote"))?;
    Ok(q)
}

/// Record the customer's acceptance (or refusal) of a quotation: who answered, how, and
/// when; once (audited as "quote", action `accept` or `refuse`).
pub async fn answer_quote(
    state: &AppState,
    actor: &User,
    id: QuoteId,
    accepted: bool,
    input: &AnswerInput,
    now: DateTime<Utc>,
) -> Result<Quote, Error> {
    require(actor, Permission::QuoteCharges)?;
    quote(state, actor, id).await?;
    let mut tx = state.db.begin().await?;
    let before = tx.quote(id).await?.ok_or(Error::NotFound("quote"))?;
    let after = before.answer(accepted, input, actor.id, now)?;
    let written = tx.answer_quote(&before, &after).await?;
    if let Some(entry) = NewAuditEntry::changed(
        "quote",
        id.0,
        if accepted { "accept" } else { "refuse" },
        actor.id,
        now,
        None,
        &before.audit_view(),
        &written.audit_view(),
    ) {
        tx.audit(&entry).await?;
    }
    tx.commit().await?;
    tracing::info!(quote_id = id.0, accepted, "quotation answered");
    Ok(written)
}

/// A month's settlement: every job whose work began in it (its first arrival on site,
/// company time), oldest first, with the month's warranty cost per product model.
#[derive(Debug, Clone)]
pub struct MonthSettlement {
    pub month: Month,
    pub jobs: Vec<JobSettlement>,
    pub warranty_cost: Vec<WarrantyCost>,
}

impl MonthSettlement {
    pub fn charged_fen(&self) -> i64 {
        self.jobs.iter().map(|j| j.settlement.charged_fen).sum()
    }
    pub fn borne_fen(&self) -> i64 {
        self.jobs.iter().map(|j| j.settlement.borne_fen).sum()
    }
}

pub async fn month(state: &AppState, actor: &User, month: Month) -> Result<MonthSettlement, Error> {
    require(actor, Permission::ViewSettlements)?;
    let (rates, _) = rates_in_force(state).await?;
    let ids = state
        .db
        .jobs_begun_between(month.start(), month.end())
        .await?;
    // Every job, as the job page shows it to the roles that may see settlements (none of
    // them acts only for its own customers).
    let jobs: Vec<JobSettlement> = settle_jobs(state, &ids, rates)
        .await?
        .into_iter()
        .filter(|j| may_see(&j.job, actor.id, actor.role, None))
        .collect();
    let keyed: Vec<(String, &Settlement)> = jobs
        .iter()
        .map(|j| (j.model_code.clone().unwrap_or_default(), &j.settlement))
        .collect();
    let warranty_cost = settlement::warranty_cost(&keyed);
    Ok(MonthSettlement {
        month,
        jobs,
        warranty_cost,
    })
}

/// The month's settlement as finance's sheet: one row per job and line.
pub const MONTH_HEADERS: [&str; 18] = [
    "工单号",
    "作业号",
    "日期",
    "客户",
    "型号",
    "出厂编号",
    "三包状态",
    "责任",
    "项目",
    "说明",
    "数量",
    "单位",
    "成本(元)",
    "标价(元)",
    "收费(元)",
    "公司承担(元)",
    "理由",
    "暂定",
];

/// The words of a line's reason in `lang`.
pub fn line_reason(lang: Lang, key: &str, args: &[(&'static str, String)]) -> String {
    let mut rule = String::new();
    let mut coverage = String::new();
    let mut responsibility = String::new();
    for (k, v) in args {
        match *k {
            "rule" => rule = lang.t(v).to_string(),
            "coverage" if !v.is_empty() => {
                coverage = lang.t(&format!("settlement.coverage.{v}")).to_string()
            }
            "responsibility" if !v.is_empty() => {
                responsibility = lang.t(&format!("form.responsibility.{v}")).to_string();
            }
            _ => {}
        }
    }
    lang.f(
        key,
        &[
            ("rule", &rule),
            ("coverage", &coverage),
            ("responsibility", &responsibility),
        ],
    )
}

/// The name of a line's kind in `lang`.
pub fn kind_label(lang: Lang, k: LineKind) -> String {
    lang.t(&format!("settlement.kind.{}", k.as_str()))
        .to_string()
}

/// A quantity in hundredths: `2`, `2.5`, `37.25`.
pub fn qty(centi: i64) -> String {
    let s = yuan(centi);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub async fn month_sheet(state: &AppState, actor: &User, m: Month) -> Result<Sheet, Error> {
    let ms = month(state, actor, m).await?;
    let lang = Lang::Zh;
    let mut rows = Vec::new();
    for j in &ms.jobs {
        let s = &j.settlement;
        let coverage = s
            .coverage
            .map(|c| {
                lang.t(&format!("settlement.coverage.{}", c.as_str()))
                    .to_string()
            })
            .unwrap_or_default();
        let responsibility = s
            .responsibility
            .map(|r| {
                lang.t(&format!("form.responsibility.{}", r.as_str()))
                    .to_string()
            })
            .unwrap_or_default();
        let provisional = s
            .provisional
            .iter()
            .map(|k| lang.t(k).to_string())
            .collect::<Vec<_>>()
            .join("；");
        let head = |rows: &mut Vec<Vec<String>>, line: Vec<String>| {
            let mut r = vec![
                j.ticket_number.clone(),
                j.job.id.0.to_string(),
                j.on.to_string(),
                j.customer_name.clone(),
                j.model_code.clone().unwrap_or_default(),
                j.serial_no.clone().unwrap_or_default(),
                coverage.clone(),
                responsibility.clone(),
            ];
            r.extend(line);
            r.push(provisional.clone());
            rows.push(r);
        };
        if s.lines.is_empty() {
            head(&mut rows, vec![String::new(); 9]);
        }
        for l in &s.lines {
            head(
                &mut rows,
                vec![
                    kind_label(lang, l.kind),
                    l.description.clone(),
                    qty(l.qty_centi),
                    if l.unit.is_empty() {
                        lang.t(&format!("settlement.unit.{}", l.kind.as_str()))
                            .to_string()
                    } else {
                        l.unit.clone()
                    },
                    yuan(l.cost_fen),
                    yuan(l.list_fen),
                    yuan(l.charged_fen),
                    yuan(l.borne_fen()),
                    line_reason(lang, l.reason_key, &l.reason_args),
                ],
            );
        }
    }
    tracing::info!(user_id = actor.id.0, month = %m, "settlement exported");
    Ok(Sheet {
        kind: ExportKind::Settlements,
        headers: MONTH_HEADERS.to_vec(),
        rows,
    })
}
