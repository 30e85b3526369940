//! Field reliability (R5.1): per product model, the units in service, failures by months in
//! service, the failure rate per 1,000 units in service, the Weibull fit and the early-life
//! alarm, and the units behind each figure. Reading needs `WatchDeadlines` (admin, service
//! manager, quality engineer: those who watch the department's figures).

use super::require;
use super::state::AppState;
use chrono::NaiveDate;
use sanbao_domain::reliability::{
    EarlyLifeSetting, ModelRef, ModelReliability, UnitBehind, analyse, months_in_service,
};
use sanbao_domain::time::local_date;
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission};

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
