//! Field reliability (R5.1): `/reliability`, per product model the units in service,
//! failures, the failure rate per 1,000 units in service, failures by months in service
//! (a table and a bar chart drawn here as SVG), the Weibull fit read in plain words and the
//! early-life alarm; `/reliability/units` lists the units behind each figure.

use super::{QueryParams, WebError, WebResult, WebUser, render_with, url_with};
use crate::app;
use crate::app::AppState;
use crate::app::reliability::{Behind, ModelFigures};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::reliability::{EarlyLifeSetting, NoFit, Reading, UnitBehind};
use sanbao_domain::ticket::ticket_number;
use sanbao_domain::{Error, FieldErrors};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/reliability", get(page))
        .route("/reliability/units", get(units))
        .route("/reliability/warranty", get(warranty))
}

/// A rate per 1,000 with one decimal, or a dash.
fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_string(), |r| format!("{r:.1}"))
}

/// One bar of a model's chart: failures in one month of service.
pub struct Bar {
    pub month: usize,
    pub count: u64,
    pub x: u32,
    pub y: u32,
    pub h: u32,
    pub href: String,
    /// The label under the bar (every bar up to 12, then every sixth).
    pub label: bool,
}

/// Chart geometry: the plot's height and one bar's pitch, in SVG units.
const CHART_H: u32 = 120;
const BAR_PITCH: u32 = 18;
const CHART_LEFT: u32 = 28;

/// One component's line under a model.
pub struct ComponentLine {
    pub part: String,
    pub failures: u64,
    pub per_thousand: String,
    /// Failures by whole months in service, as `k: n` for the months with any.
    pub months: String,
}

pub struct ModelView {
    pub code: String,
    pub name: String,
    pub anchor: String,
    pub units_commissioned: u64,
    pub units_in_service: u64,
    pub in_service_href: String,
    pub failures: u64,
    pub failures_href: String,
    pub failed_units: u64,
    pub rate_12m: String,
    pub early_failures: u64,
    pub early_rate: String,
    pub early_href: String,
    pub alarm: bool,
    pub shape: String,
    pub scale_months: String,
    pub reading: String,
    /// `early_life`, `random`, `wear_out` or `none`: also the CSS class.
    pub reading_class: &'static str,
    pub fit_note: String,
    pub bars: Vec<Bar>,
    pub chart_w: u32,
    pub max_count: u64,
    pub components: Vec<ComponentLine>,
}

fn reading_text(lang: Lang, r: Reading) -> &'static str {
    match r {
        Reading::EarlyLife => lang.t("reliability.reading.early_life"),
        Reading::Random => lang.t("reliability.reading.random"),
        Reading::WearOut => lang.t("reliability.reading.wear_out"),
    }
}

fn no_fit_text(lang: Lang, e: NoFit) -> &'static str {
    match e {
        NoFit::TooFewFailures => lang.t("reliability.no_fit.too_few_failures"),
        NoFit::NoSpread => lang.t("reliability.no_fit.no_spread"),
        NoFit::InvalidTime | NoFit::NotConverged => lang.t("reliability.no_fit.not_converged"),
    }
}

impl ModelView {
    fn new(lang: Lang, m: &ModelFigures) -> Self {
        let f = &m.figures;
        let code = m.model.code.as_str();
        let behind = |pairs: &[(&str, &str)]| {
            let mut all = vec![("model", code)];
            all.extend_from_slice(pairs);
            url_with("/reliability/units", &all)
        };
        let within = f.early_life.months.to_string();
        let max_count = f.by_months.iter().copied().max().unwrap_or(0);
        let bars = f
            .by_months
            .iter()
            .enumerate()
            .map(|(k, &count)| {
                let h = (count * u64::from(CHART_H))
                    .checked_div(max_count)
                    .map_or(0, |h| u32::try_from(h).unwrap_or(CHART_H));
                Bar {
                    month: k,
                    count,
                    x: CHART_LEFT + BAR_PITCH * u32::try_from(k).unwrap_or(0),
                    y: 10 + CHART_H - h,
                    h,
                    href: behind(&[("show", "failures"), ("month", &k.to_string())]),
                    label: k < 12 || k % 6 == 0,
                }
            })
            .collect::<Vec<_>>();
        let chart_w = CHART_LEFT + BAR_PITCH * u32::try_from(bars.len().max(12)).unwrap_or(12) + 8;
        let (shape, scale_months, reading, reading_class, fit_note) = match &f.weibull {
            Ok(w) => (
                format!("{:.2}", w.shape),
                format!("{:.1}", w.scale_months()),
                reading_text(lang, w.reading()).to_string(),
                w.reading().as_str(),
                lang.f(
                    "reliability.fit_from",
                    &[("failures", &w.failures), ("censored", &w.censored)],
                ),
            ),
            Err(e) => (
                "—".into(),
                "—".into(),
                no_fit_text(lang, *e).to_string(),
                "none",
                String::new(),
            ),
        };
        ModelView {
            code: m.model.code.clone(),
            name: m.model.name.clone(),
            anchor: format!("model-{}", m.model.id.0),
            units_commissioned: f.units_commissioned,
            units_in_service: f.units_in_service,
            in_service_href: behind(&[("show", "in_service")]),
            failures: f.failures,
            failures_href: behind(&[("show", "failures")]),
            failed_units: f.failed_units,
            rate_12m: rate(f.rate_12m),
            early_failures: f.early_life.failures,
            early_rate: rate(f.early_life.per_thousand),
            early_href: behind(&[("show", "failures"), ("within", &within)]),
            alarm: f.early_life.alarm,
            shape,
            scale_months,
            reading,
            reading_class,
            fit_note,
            bars,
            chart_w,
            max_count,
            components: f
                .components
                .iter()
                .map(|c| ComponentLine {
                    part: format!("{} {}", c.part_code, c.part_name),
                    failures: c.failures,
                    per_thousand: rate(c.per_thousand),
                    months: c
                        .by_months
                        .iter()
                        .enumerate()
                        .filter(|(_, n)| **n > 0)
                        .map(|(k, n)| format!("{k}: {n}"))
                        .collect::<Vec<_>>()
                        .join(" · "),
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "reliability_page.html")]
struct Page {
    l: super::Layout,
    on: String,
    early_months: String,
    early_limit: String,
    errors: FieldErrors,
    setting_text: String,
    alarms: usize,
    models: Vec<ModelView>,
    may_see_costs: bool,
}

impl Page {
    /// The catalogue's words for a field the setting refused.
    fn error(&self, field: &str) -> Option<&'static str> {
        let key = match field {
            "early_months" => "reliability.error.early_months",
            _ => "reliability.error.early_limit",
        };
        self.errors.get(field).map(|_| self.l.lang.t(key))
    }
}

/// `GET /reliability?early_months=&early_limit=`
pub async fn page(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let early_months = p.text("early_months");
    let early_limit = p.text("early_limit");
    let (setting, errors) = match EarlyLifeSetting::parse(&early_months, &early_limit) {
        Ok(s) => (s, FieldErrors::new()),
        Err(Error::Validation(f)) => (EarlyLifeSetting::default(), f),
        Err(e) => return Err(e.into()),
    };
    let report = app::reliability::report(&state, &u.user, setting).await?;
    let lang = u.lang;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let models: Vec<ModelView> = report
        .models
        .iter()
        .map(|m| ModelView::new(lang, m))
        .collect();
    render_with(
        status,
        &Page {
            may_see_costs: u.user.role.may(sanbao_domain::Permission::ViewSettlements),
            l: u.layout("reliability", lang.t("reliability.title")),
            on: report.today.to_string(),
            setting_text: lang.f(
                "reliability.early_setting_text",
                &[
                    ("months", &setting.months),
                    ("limit", &setting.max_per_thousand),
                ],
            ),
            alarms: models.iter().filter(|m| m.alarm).count(),
            early_months,
            early_limit,
            errors,
            models,
        },
    )
}

pub struct UnitLine {
    pub unit_href: String,
    pub serial_no: String,
    pub customer_href: String,
    pub customer_name: String,
    pub commissioned_on: String,
    pub ticket_href: Option<String>,
    pub ticket_number: String,
    pub failed_on: String,
    pub months: String,
}

impl UnitLine {
    fn new(u: &UnitBehind) -> Self {
        UnitLine {
            unit_href: format!("/units/{}", u.unit.0),
            serial_no: u.serial_no.clone(),
            customer_href: format!("/customers/{}", u.customer_id.0),
            customer_name: u.customer_name.clone(),
            commissioned_on: u.commissioned_on.to_string(),
            ticket_href: u.ticket.map(|t| format!("/tickets/{}", t.0)),
            ticket_number: u.ticket.map(ticket_number).unwrap_or_default(),
            failed_on: u.failed_on.map(|d| d.to_string()).unwrap_or_default(),
            months: u
                .failed_on
                .and_then(|on| sanbao_domain::reliability::months_in_service(u.commissioned_on, on))
                .map(|k| k.to_string())
                .unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "reliability_units.html")]
struct UnitsPage {
    l: super::Layout,
    back_href: String,
    failures: bool,
    what: String,
    rows: Vec<UnitLine>,
    truncated: bool,
}

fn number(p: &super::extract::Pairs, name: &str) -> WebResult<Option<u32>> {
    match p.filled(name) {
        None => Ok(None),
        Some(s) => s
            .trim()
            .parse::<u32>()
            .map(Some)
            .map_err(|_| WebError::not_found("figure")),
    }
}

/// `GET /reliability/units?model=&show=in_service|failures&month=&within=`
pub async fn units(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let code = p.text("model");
    let month = number(&p, "month")?;
    let within = number(&p, "within")?;
    let failures = p.get("show") != Some("in_service");
    let behind = if failures {
        Behind::Failures { month, within }
    } else {
        Behind::InService
    };
    let (model, list) = app::reliability::units_behind(&state, &u.user, &code, behind).await?;
    let lang = u.lang;
    let model_name = format!("{} {}", model.code, model.name);
    let what = match (failures, month, within) {
        (false, _, _) => lang.f("reliability.behind.in_service", &[("model", &model_name)]),
        (true, Some(k), _) => lang.f(
            "reliability.behind.month",
            &[("model", &model_name), ("month", &k)],
        ),
        (true, None, Some(w)) => lang.f(
            "reliability.behind.within",
            &[("model", &model_name), ("months", &w)],
        ),
        (true, None, None) => lang.f("reliability.behind.failures", &[("model", &model_name)]),
    };
    render_with(
        StatusCode::OK,
        &UnitsPage {
            l: u.layout("reliability", what.clone()),
            back_href: format!("/reliability#model-{}", model.id.0),
            failures,
            truncated: list.len() >= app::reliability::UNITS_MAX as usize,
            rows: list.iter().map(UnitLine::new).collect(),
            what,
        },
    )
}

pub struct YearLink {
    pub year: i32,
    pub href: String,
    pub current: bool,
}

pub struct CostRow {
    pub model: String,
    pub href: String,
    pub jobs: i64,
    pub parts: String,
    pub labour: String,
    pub travel: String,
    pub total_cost: String,
    pub total: bool,
}

pub struct CostedJobView {
    pub serial: String,
    pub unit_href: Option<String>,
    pub ticket_number: String,
    pub job_href: String,
    pub customer: String,
    pub on: String,
    pub borne: String,
}

#[derive(Template)]
#[template(path = "reliability_warranty.html")]
struct WarrantyPage {
    l: super::Layout,
    years: Vec<YearLink>,
    year_href: String,
    model: Option<String>,
    rows: Vec<CostRow>,
    chart: String,
    jobs: Vec<CostedJobView>,
}

/// `GET /reliability/warranty?year=&model=`: the warranty cost per model of a year (this
/// one unless asked), each figure opening the jobs and units behind it.
pub async fn warranty(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    use sanbao_domain::settlement::yuan;
    let today = sanbao_domain::time::local_date(state.now());
    let year = match p.get("year").map(str::trim).filter(|s| !s.is_empty()) {
        None => app::reliability::cost_years(today)[0],
        Some(s) => s
            .parse()
            .map_err(|_| Error::field("year", sanbao_domain::Problem::invalid("a year")))?,
    };
    let model = p.get("model").map(str::trim).filter(|s| !s.is_empty());
    let cost = app::reliability::warranty_year(&state, &u.user, year).await?;
    let lang = u.lang;
    let none = lang.t("monthly.no_model").to_string();
    let label = |code: &str| {
        if code.is_empty() {
            none.clone()
        } else {
            code.to_string()
        }
    };
    let key = |code: &str| {
        if code.is_empty() {
            "none".to_string()
        } else {
            code.to_string()
        }
    };
    let href = |code: &str| {
        url_with(
            "/reliability/warranty",
            &[("year", &year.to_string()), ("model", &key(code))],
        )
    };
    let total = sanbao_domain::report::warranty_total(&cost.models);
    let mut rows: Vec<CostRow> = cost
        .models
        .iter()
        .map(|w| CostRow {
            model: label(&w.model_code),
            href: href(&w.model_code),
            jobs: w.jobs,
            parts: yuan(w.parts_fen),
            labour: yuan(w.labour_fen),
            travel: yuan(w.travel_fen),
            total_cost: yuan(w.total_fen),
            total: false,
        })
        .collect();
    if !rows.is_empty() {
        rows.push(CostRow {
            model: lang.t("monthly.total").to_string(),
            href: url_with(
                "/reliability/warranty",
                &[("year", &year.to_string()), ("model", "all")],
            ),
            jobs: total.jobs,
            parts: yuan(total.parts_fen),
            labour: yuan(total.labour_fen),
            travel: yuan(total.travel_fen),
            total_cost: yuan(total.total_fen),
            total: true,
        });
    }
    let chart = super::charts::bars(
        lang.t("reliability.warranty_cost"),
        &cost
            .models
            .iter()
            .map(|w| super::charts::Bar {
                label: label(&w.model_code),
                value: w.total_fen as f64,
                text: format!("¥{}", yuan(w.total_fen)),
                href: href(&w.model_code),
            })
            .collect::<Vec<_>>(),
        0.0,
    );
    let jobs = match model {
        None => Vec::new(),
        Some(m) => cost
            .jobs
            .iter()
            .filter(|j| m == "all" || key(&j.model_code) == m)
            .map(|j| CostedJobView {
                serial: j.unit.as_ref().map(|(_, s)| s.clone()).unwrap_or_default(),
                unit_href: j.unit.as_ref().map(|(id, _)| format!("/units/{}", id.0)),
                ticket_number: j.ticket_number.clone(),
                job_href: format!("/field/jobs/{}", j.job.0),
                customer: j.customer_name.clone(),
                on: j.on.to_string(),
                borne: yuan(j.borne_fen),
            })
            .collect(),
    };
    let title = lang.f("reliability.warranty_title", &[("year", &year)]);
    render_with(
        StatusCode::OK,
        &WarrantyPage {
            years: app::reliability::cost_years(today)
                .into_iter()
                .map(|y| YearLink {
                    year: y,
                    href: url_with("/reliability/warranty", &[("year", &y.to_string())]),
                    current: y == year,
                })
                .collect(),
            year_href: url_with("/reliability/warranty", &[("year", &year.to_string())]),
            model: model.map(|m| match m {
                "all" => lang.t("monthly.total").to_string(),
                "none" => none.clone(),
                m => m.to_string(),
            }),
            rows,
            chart,
            jobs,
            l: u.layout("reliability", title),
        },
    )
}
