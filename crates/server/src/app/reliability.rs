//! Field reliability (R5.1): per product model, the units in service, failures by months in
//! service, the failure rate per 1,000 units in service, the Weibull fit and the early-life
//! alarm, and the units behind each figure. Reading needs `WatchDeadlines` (admin, service
//! manager, quality engineer: those who watch the department's figures).

use super::require;
use super::state::AppState;
use chrono::{Datelike, NaiveDate};
use sanbao_domain::reliability::{
    EarlyLifeSetting, ModelRef, ModelReliability, UnitBehind, analyse, months_in_service,
};
use sanbao_domain::settlement::{Settlement, WarrantyCost, is_warranty_cost, warranty_cost};
use sanbao_domain::time::Month;
use sanbao_domain::time::local_date;
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission};
use sanbao_domain::{JobId, Problem, UnitId};

/// One model's figures.
#[derive(Debug, Clone)]
pub struct ModelFigures {
    pub model: ModelRef,
    pub figures: ModelReliability,
}

/// The whole page: every model with commissioned units, by code.
#[derive(Debug, Clone)]
pub struct Report {
    pub today: NaiveDate,
    pub setting: EarlyLifeSetting,
    pub models: Vec<ModelFigures>,
}

/// The figures of every model on today's date.
pub async fn report(
    state: &AppState,
    actor: &User,
    setting: EarlyLifeSetting,
) -> Result<Report, Error> {
    require(actor, Permission::WatchDeadlines)?;
    let today = local_date(state.now());
    let models = state.db.reliability_models().await?;
    let mut facts = state.db.reliability_facts().await?;
    let models = models
        .into_iter()
        .filter_map(|model| {
            let f = facts.remove(&model.id)?;
            Some(ModelFigures {
                figures: analyse(&f, today, setting),
                model,
            })
        })
        .collect();
    Ok(Report {
        today,
        setting,
        models,
    })
}

/// Which units are behind a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behind {
    /// In service this month.
    InService,
    /// Every failure; with `Some(k)`, those in month k of service; with `early`, those in
    /// the first months of the setting.
    Failures {
        month: Option<u32>,
        within: Option<u32>,
    },
}

/// The most units a list behind a figure shows.
pub const UNITS_MAX: i64 = 500;

/// The model of `code` and the units behind one of its figures.
pub async fn units_behind(
    state: &AppState,
    actor: &User,
    code: &str,
    behind: Behind,
) -> Result<(ModelRef, Vec<UnitBehind>), Error> {
    require(actor, Permission::WatchDeadlines)?;
    let model = state
        .db
        .reliability_models()
        .await?
        .into_iter()
        .find(|m| m.code == code.trim())
        .ok_or(Error::NotFound("product model"))?;
    let today = local_date(state.now());
    let units = match behind {
        Behind::InService => {
            state
                .db
                .reliability_units(model.id, false, today, UNITS_MAX)
                .await?
        }
        Behind::Failures { month, within } => {
            // Failures are the events (far fewer than the units): read them all and keep
            // those of the month in service asked for.
            let all = state
                .db
                .reliability_units(model.id, true, today, i64::MAX)
                .await?;
            all.into_iter()
                .filter(|u| {
                    let k = u
                        .failed_on
                        .and_then(|on| months_in_service(u.commissioned_on, on));
                    k.is_some()
                        && u.failed_on.is_some_and(|on| on <= today)
                        && month.is_none_or(|m| k == Some(m))
                        && within.is_none_or(|w| k.is_some_and(|k| k < w))
                })
                .take(UNITS_MAX as usize)
                .collect()
        }
    };
    Ok((model, units))
}

/// A year's warranty cost: per product model what the company bore on the warranty and
/// free-repair jobs begun in the year, and those jobs.
#[derive(Debug, Clone)]
pub struct YearCost {
    pub year: i32,
    /// By model code; a job naming no model under the empty code.
    pub models: Vec<WarrantyCost>,
    /// The jobs counted, oldest first, with their model code.
    pub jobs: Vec<CostedJob>,
}

/// One job counted in a year's warranty cost.
#[derive(Debug, Clone)]
pub struct CostedJob {
    pub job: JobId,
    pub ticket_number: String,
    pub customer_name: String,
    pub model_code: String,
    pub unit: Option<(UnitId, String)>,
    pub on: NaiveDate,
    pub borne_fen: i64,
}

/// The years the warranty-cost page offers: this one and the four before.
pub fn cost_years(today: NaiveDate) -> Vec<i32> {
    let y = today.year();
    (0..5).map(|k| y - k).collect()
}

/// The warranty cost per model of `year` (R5.1), counted month by month with the month's
/// own settlement (so a year never holds more than a month of jobs at once). Needs
/// `WatchDeadlines` and `ViewSettlements`; a year outside [`cost_years`] names `year`.
pub async fn warranty_year(state: &AppState, actor: &User, year: i32) -> Result<YearCost, Error> {
    require(actor, Permission::WatchDeadlines)?;
    require(actor, Permission::ViewSettlements)?;
    let today = local_date(state.now());
    if !cost_years(today).contains(&year) {
        return Err(Error::field(
            "year",
            Problem::invalid("one of this year and the four before"),
        ));
    }
    let mut jobs = Vec::new();
    let mut keyed: Vec<(String, Settlement)> = Vec::new();
    for m in 1..=12 {
        let month = Month { year, month: m };
        if month.start() > state.now() {
            break;
        }
        for j in super::settlement::month(state, actor, month).await?.jobs {
            if !is_warranty_cost(&j.settlement) {
                continue;
            }
            let model = j.model_code.clone().unwrap_or_default();
            jobs.push(CostedJob {
                job: j.job.id,
                ticket_number: j.ticket_number.clone(),
                customer_name: j.customer_name.clone(),
                model_code: model.clone(),
                unit: j.job.unit_id.zip(j.serial_no.clone()),
                on: j.on,
                borne_fen: j.settlement.borne_fen,
            });
            keyed.push((model, j.settlement));
        }
    }
    let refs: Vec<(String, &Settlement)> = keyed.iter().map(|(m, s)| (m.clone(), s)).collect();
    Ok(YearCost {
        year,
        models: warranty_cost(&refs),
        jobs,
    })
}
