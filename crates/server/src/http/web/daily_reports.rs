//! The daily work report (R4.6): `/field/reports` — a technician's or senior engineer's
//! report of a day, prefilled from the trips they were on and completed by hand — and
//! `/field/reports/missing`, where the department sees who has not submitted.

use super::extract::Pairs;
use super::view::{ErrorSummary, FormField, Messages, full_time};
use super::{Layout, QueryParams, WebForm, WebResult, WebUser, render, render_with, see_other};
use crate::app;
use crate::app::AppState;
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use sanbao_domain::field::report::{
    DailyReport, ReportInput, ReportLine, estimated_total_km, parse_day,
};
use sanbao_domain::time::local_date;
use sanbao_domain::{Error, FieldErrors, Permission, Problem};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/field/reports", get(page).post(submit))
        .route("/field/reports/missing", get(missing))
}

/// Blank rows for other work the form offers.
const EXTRA_ROWS: usize = 3;

/// A trip line as the form shows it.
pub struct TripRow {
    pub i: usize,
    pub ticket: String,
    pub job_href: String,
    pub job_type: String,
    pub customer: String,
    pub place: String,
    pub problem: String,
    pub departed: String,
    pub arrived: String,
    pub travel: String,
    pub est_km: String,
    pub work: String,
    pub error: Option<String>,
}

pub struct ExtraRow {
    pub i: usize,
    pub place: String,
    pub work: String,
    pub error: Option<String>,
}

fn job_type_label(u_lang: crate::i18n::Lang, code: Option<&str>) -> String {
    code.and_then(sanbao_domain::field::JobType::parse)
        .map(|t| u_lang.t(super::surveys::job_type_key(t)).to_string())
        .unwrap_or_default()
}

pub fn trip_row(lang: crate::i18n::Lang, i: usize, l: &ReportLine) -> TripRow {
    TripRow {
        i,
        ticket: l.ticket.clone().unwrap_or_default(),
        job_href: l
            .job_id
            .map(|j| format!("/field/jobs/{j}"))
            .unwrap_or_default(),
        job_type: job_type_label(lang, l.job_type.as_deref()),
        customer: l.customer.clone().unwrap_or_default(),
        place: l.place.clone(),
        problem: l.problem.clone().unwrap_or_default(),
        departed: l.departed.clone().unwrap_or_else(|| "—".into()),
        arrived: l.arrived.clone().unwrap_or_else(|| "—".into()),
        travel: l
            .travel_minutes
            .map(|m| lang.duration(m))
            .unwrap_or_else(|| "—".into()),
        est_km: l
            .est_km
            .map(|k| format!("≈ {k:.0} km"))
            .unwrap_or_else(|| "—".into()),
        work: l.work.clone(),
        error: None,
    }
}

/// The form as typed (or as the report stands).
struct Typed {
    works: Vec<String>,
    extras: Vec<(String, String)>,
    travel_km: String,
    notes: String,
    late_reason: String,
}

impl Typed {
    fn read(p: &Pairs, trips: usize) -> Typed {
        let mut extras = Vec::new();
        for i in 0..sanbao_domain::field::report::LINES_MAX {
            let (pl, w) = (
                p.get(&format!("extra[{i}].place")),
                p.get(&format!("extra[{i}].work")),
            );
            if pl.is_none() && w.is_none() {
                break;
            }
            extras.push((
                pl.unwrap_or_default().to_string(),
                w.unwrap_or_default().to_string(),
            ));
        }
        Typed {
            works: (0..trips)
                .map(|i| p.text(&format!("lines[{i}].work")))
                .collect(),
            extras,
            travel_km: p.text("travel_km"),
            notes: p.text("notes"),
            late_reason: p.text("late_reason"),
        }
    }

    /// The form for a report: as submitted, else blank with the estimated kilometres.
    fn of(prefilled: &[ReportLine], submitted: Option<&DailyReport>) -> Typed {
        match submitted {
            None => Typed {
                works: vec![String::new(); prefilled.len()],
                extras: Vec::new(),
                travel_km: format!("{:.0}", estimated_total_km(prefilled)),
                notes: String::new(),
                late_reason: String::new(),
            },
            Some(r) => {
                let mut trip_lines: Vec<&ReportLine> =
                    r.lines.iter().filter(|l| l.is_trip()).collect();
                let works = prefilled
                    .iter()
                    .map(|p| {
                        match trip_lines
                            .iter()
                            .position(|l| l.job_id == p.job_id && l.departed == p.departed)
                            .or_else(|| trip_lines.iter().position(|l| l.job_id == p.job_id))
                        {
                            Some(i) => trip_lines.remove(i).work.clone(),
                            None => String::new(),
                        }
                    })
                    .collect();
                Typed {
                    works,
                    extras: r
                        .lines
                        .iter()
                        .filter(|l| !l.is_trip())
                        .map(|l| (l.place.clone(), l.work.clone()))
                        .collect(),
                    travel_km: r.travel_km.map(|k| format!("{k}")).unwrap_or_default(),
                    notes: r.notes.clone().unwrap_or_default(),
                    late_reason: r.late_reason.clone().unwrap_or_default(),
                }
            }
        }
    }

    /// The report as the use case takes it, with what could not be read.
    fn input(&self, prefilled: &[ReportLine]) -> (ReportInput, FieldErrors) {
        let mut errs = FieldErrors::new();
        let mut lines: Vec<ReportLine> = prefilled
            .iter()
            .zip(&self.works)
            .map(|(p, w)| ReportLine {
                work: w.clone(),
                ..p.clone()
            })
            .collect();
        for (place, work) in &self.extras {
            lines.push(ReportLine {
                place: place.clone(),
                work: work.clone(),
                ..ReportLine::default()
            });
        }
        let travel_km = match self.travel_km.trim() {
            "" => None,
            s => s.replace(',', ".").parse::<f64>().ok().or_else(|| {
                errs.add("travel_km", Problem::invalid("a number of kilometres"));
                None
            }),
        };
        (
            ReportInput {
                lines,
                travel_km,
                notes: Some(self.notes.clone()),
                late_reason: Some(self.late_reason.clone()),
            },
            errs,
        )
    }
}

#[derive(Template)]
#[template(path = "field_reports.html")]
struct ReportPage {
    l: Layout,
    day: String,
    today: String,
    late: bool,
    trips: Vec<TripRow>,
    extras: Vec<ExtraRow>,
    travel_km: String,
    travel_hint: String,
    notes: String,
    late_reason: String,
    submitted_at: Option<String>,
    /// The form may be sent: not submitted yet, or submitted today (amended).
    may_send: bool,
    errors: Messages,
    form_errors: ErrorSummary,
    notice: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn report_page(
    u: &WebUser,
    day: NaiveDate,
    today: NaiveDate,
    prefilled: &[ReportLine],
    submitted: Option<&DailyReport>,
    typed: Typed,
    errors: &FieldErrors,
    notice: Option<String>,
) -> ReportPage {
    let messages = Messages::new(u.lang, errors);
    let trips: Vec<TripRow> = prefilled
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut r = trip_row(u.lang, i, l);
            r.work = typed.works.get(i).cloned().unwrap_or_default();
            r.error = messages
                .get(&format!("lines[{i}].work"))
                .map(str::to_string);
            r
        })
        .collect();
    let mut extras: Vec<(String, String)> = typed.extras.clone();
    while extras.len() < EXTRA_ROWS || extras.iter().all(|(p, w)| !p.is_empty() || !w.is_empty()) {
        extras.push((String::new(), String::new()));
        if extras.len() >= sanbao_domain::field::report::LINES_MAX {
            break;
        }
    }
    let n = trips.len();
    let extras: Vec<ExtraRow> = extras
        .into_iter()
        .enumerate()
        .map(|(i, (place, work))| ExtraRow {
            i,
            place,
            work,
            error: messages
                .get(&format!("lines[{}].work", n + i))
                .map(str::to_string),
        })
        .collect();
    let mut fields = vec![
        FormField::new("day", "day", u.t("report.day")),
        FormField::new("late_reason", "late_reason", u.t("report.late_reason")),
        FormField::new("travel_km", "travel_km", u.t("report.travel_km")),
        FormField::new("notes", "notes", u.t("report.notes")),
        FormField::new("lines", "travel_km", u.t("report.lines")),
    ];
    for t in &trips {
        fields.push(FormField::new(
            format!("lines[{}].work", t.i),
            format!("work-{}", t.i),
            format!("{} {}", t.ticket, u.t("report.work")),
        ));
    }
    for e in &extras {
        fields.push(FormField::new(
            format!("lines[{}].work", n + e.i),
            format!("extra-work-{}", e.i),
            u.t("report.other_work").to_string(),
        ));
    }
    let may_send = match submitted.and_then(|r| r.submitted_at) {
        None => day <= today,
        Some(at) => local_date(at) == today,
    };
    ReportPage {
        form_errors: ErrorSummary::new(u.lang, &messages, &fields, None),
        l: u.layout("reports", u.t("report.title")),
        day: day.to_string(),
        today: today.to_string(),
        late: day < today,
        travel_hint: u.lang.f(
            "report.travel_km_hint",
            &[("km", &format!("{:.0}", estimated_total_km(prefilled)))],
        ),
        trips,
        extras,
        travel_km: typed.travel_km,
        notes: typed.notes,
        late_reason: typed.late_reason,
        submitted_at: submitted.and_then(|r| r.submitted_at).map(full_time),
        may_send,
        errors: messages,
        notice,
    }
}

fn day_param(p: &Pairs, today: NaiveDate) -> NaiveDate {
    p.filled("day")
        .and_then(|d| parse_day(d).ok())
        .unwrap_or(today)
}

/// `GET /field/reports?day=YYYY-MM-DD`: my report of the day (today by default).
pub async fn page(
    axum::extract::State(state): axum::extract::State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let now = state.now();
    let today = local_date(now);
    let day = day_param(&p, today);
    let draft = app::daily_reports::mine(&state, &u.user, Some(day), now).await?;
    let typed = Typed::of(&draft.prefilled, draft.submitted.as_ref());
    let notice = p
        .get("submitted")
        .map(|_| u.t("report.submitted").to_string());
    render(&report_page(
        &u,
        day,
        today,
        &draft.prefilled,
        draft.submitted.as_ref(),
        typed,
        &FieldErrors::new(),
        notice,
    ))
}

/// `POST /field/reports`: submit (or amend) the report of `day`.
pub async fn submit(
    axum::extract::State(state): axum::extract::State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    app::require(&u.user, Permission::SubmitDailyReports)?;
    let now = state.now();
    let today = local_date(now);
    let day = day_param(&form, today);
    let draft = app::daily_reports::mine(&state, &u.user, Some(day), now).await?;
    let typed = Typed::read(&form, draft.prefilled.len());
    let (input, errs) = typed.input(&draft.prefilled);
    let result = if errs.is_empty() {
        app::daily_reports::save(&state, &u.user, day, &input, now).await
    } else {
        Err(Error::Validation(errs))
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/field/reports?day={day}&submitted=1"))),
        Err(Error::Validation(errs)) => {
            let page = report_page(
                &u,
                day,
                today,
                &draft.prefilled,
                draft.submitted.as_ref(),
                typed,
                &errs,
                None,
            );
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

pub struct Person {
    pub id: i64,
    pub name: String,
    pub role: String,
}

pub struct Submitted {
    pub id: i64,
    pub name: String,
    pub at: String,
    pub late_reason: Option<String>,
    pub trips: Vec<TripRow>,
    pub extras: Vec<(String, String)>,
    pub travel_km: String,
    pub notes: Option<String>,
}

#[derive(Template)]
#[template(path = "field_reports_missing.html")]
struct MissingPage {
    l: Layout,
    day: String,
    previous: String,
    next: Option<String>,
    missing: Vec<Person>,
    submitted: Vec<Submitted>,
}

/// `GET /field/reports/missing?day=`: who has not reported the day (the department).
pub async fn missing(
    axum::extract::State(state): axum::extract::State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let today = local_date(state.now());
    let day = day_param(&p, today);
    let roll = app::daily_reports::roll(&state, &u.user, day).await?;
    render(&MissingPage {
        l: u.layout("reports", u.t("report.missing_title")),
        day: day.to_string(),
        previous: day.pred_opt().unwrap_or(day).to_string(),
        next: (day < today).then(|| day.succ_opt().unwrap_or(day).to_string()),
        missing: roll
            .missing
            .into_iter()
            .map(|p| Person {
                id: p.id.0,
                role: u.t(&format!("role.{}", p.role.as_str())).to_string(),
                name: p.display_name,
            })
            .collect(),
        submitted: roll
            .submitted
            .into_iter()
            .map(|(p, r)| Submitted {
                id: p.id.0,
                name: p.display_name,
                at: r.submitted_at.map(full_time).unwrap_or_default(),
                late_reason: r.late_reason.clone(),
                trips: r
                    .lines
                    .iter()
                    .filter(|l| l.is_trip())
                    .enumerate()
                    .map(|(i, l)| trip_row(u.lang, i, l))
                    .collect(),
                extras: r
                    .lines
                    .iter()
                    .filter(|l| !l.is_trip())
                    .map(|l| (l.place.clone(), l.work.clone()))
                    .collect(),
                travel_km: r
                    .travel_km
                    .map(|k| format!("{k} km"))
                    .unwrap_or_else(|| "—".into()),
                notes: r.notes,
            })
            .collect(),
    })
}
