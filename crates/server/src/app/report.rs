//! The monthly report (R6.2, R6.3, R7.3): the month's figures from every part of the
//! service, and the records behind each figure.
//!
//! The report is read by those who watch the department's deadlines (`WatchDeadlines`:
//! admin, manager, quality engineer); the warranty cost only by those who may see the
//! settlement too. Each figure's records come from the same facts the figure was counted
//! from, filtered by the figure's [`Drill`], so the two always agree.

use super::{AppState, require};
use crate::app::followups::OwedView;
use crate::app::settlement::JobSettlement;
use crate::archive::write::{self, Table};
use crate::i18n::Lang;
use chrono::{DateTime, NaiveDate, Utc};
use sanbao_domain::field::survey::Question;
use sanbao_domain::quality::{QualityAction, QualityItem};
use sanbao_domain::report::{
    self, Drill, MonthReport, Section, follow_up_total, warranty_total, window_start,
};
use sanbao_domain::ticket::ticket_number;
use sanbao_domain::time::{Month, local_date};
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission, UserId};
use serde::Serialize;
use std::collections::HashMap;

/// The report with what its page needs besides the figures.
#[derive(Debug, Clone)]
pub struct Report {
    pub report: MonthReport,
    /// The names of the salespeople of the follow-up table.
    pub salespeople: HashMap<UserId, String>,
    /// The open actions themselves, oldest month first.
    pub open_actions: Vec<QualityAction>,
    /// The company's date the overdue actions are counted at.
    pub today: NaiveDate,
}

/// Whether `actor` may read the monthly report at all.
pub fn month_access(actor: &User) -> Result<(), Error> {
    require(actor, Permission::WatchDeadlines)
}

fn may_see_costs(actor: &User) -> bool {
    actor.role.may(Permission::ViewSettlements)
}

async fn follow_up_status(
    state: &AppState,
    month: Month,
    now: DateTime<Utc>,
) -> Result<Vec<OwedView>, Error> {
    super::followups::status(state, month, now).await
}

async fn warranty_jobs(
    state: &AppState,
    actor: &User,
    month: Month,
) -> Result<Option<Vec<JobSettlement>>, Error> {
    if !may_see_costs(actor) {
        return Ok(None);
    }
    Ok(Some(
        super::settlement::month(state, actor, month).await?.jobs,
    ))
}

/// The month's report at `now`.
pub async fn month(
    state: &AppState,
    actor: &User,
    month: Month,
    now: DateTime<Utc>,
) -> Result<Report, Error> {
    require(actor, Permission::WatchDeadlines)?;
    let (from, to) = month.bounds();
    let lines = super::board::month_lines(state, actor, month).await?;
    let facts = state.db.reply_facts(from, to).await?;
    let jobs = state.db.job_facts_begun_between(from, to).await?;
    let surveys = state.db.surveys_answered(from, to).await?;
    let owed = follow_up_status(state, month, now).await?;
    let warranty = if may_see_costs(actor) {
        Some(
            super::settlement::month(state, actor, month)
                .await?
                .warranty_cost,
        )
    } else {
        None
    };
    let items = state
        .db
        .quality_items_between(window_start(month), month)
        .await?;
    let actions = state.db.quality_actions_for_review(month).await?;
    let today = local_date(now);
    let salespeople = owed
        .iter()
        .filter_map(|o| Some((o.owed.salesperson_id?, o.salesperson_name.clone()?)))
        .collect();
    let owed: Vec<_> = owed.into_iter().map(|o| o.owed).collect();
    let rates = sanbao_domain::replies::reply_rates(month, &facts);
    let open_actions = actions
        .iter()
        .filter(|a| report::is_open(a, month))
        .cloned()
        .collect();
    Ok(Report {
        report: MonthReport {
            month: month.to_string(),
            complaints: report::complaints(&lines, now),
            emergencies: report::emergencies(&lines, now),
            replies: report::replies(&rates),
            jobs: report::jobs(&jobs),
            satisfaction: report::satisfaction(&surveys),
            follow_ups: sanbao_domain::followup::coverage(&owed),
            warranty_cost: warranty,
            pareto: report::pareto(&items, month),
            recurring: report::recurring(&items, month),
            open_actions: report::open_actions(&actions, month, today),
        },
        salespeople,
        open_actions,
        today,
    })
}

/// What a record of a drill-down is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Ticket,
    Job,
    Customer,
    QualityItem,
}

/// One record behind a figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    pub kind: RecordKind,
    /// The record's id (of its kind); an action is shown on its item's page.
    pub id: i64,
    /// The number or name people know it by.
    pub reference: String,
    pub customer: Option<String>,
    /// When it counted: the deadline's due time, the reply's receipt, the job's start…
    pub at: Option<DateTime<Utc>>,
    /// What it is, in the catalogue's words (a key of the catalogue when `note_key`).
    pub note: String,
    pub note_key: bool,
    /// Its amount (fen) or score, for the figures that add these up.
    pub value: Option<i64>,
}

/// The records behind one figure of the month, in the order they happened.
pub async fn records(
    state: &AppState,
    actor: &User,
    month: Month,
    drill: &Drill,
    now: DateTime<Utc>,
) -> Result<Vec<Record>, Error> {
    require(actor, Permission::WatchDeadlines)?;
    let (from, to) = month.bounds();
    let out = match drill.section {
        Section::Complaints | Section::Emergencies => {
            super::board::month_lines(state, actor, month)
                .await?
                .into_iter()
                .filter(|l| drill.matches_line(l, now))
                .map(|l| Record {
                    kind: RecordKind::Ticket,
                    id: l.ticket_id.0,
                    reference: l.number(),
                    customer: Some(l.customer_name.clone()),
                    at: Some(l.due_at),
                    note: format!("board.outcome.{}", l.outcome(now).as_str()),
                    note_key: true,
                    value: None,
                })
                .collect()
        }
        Section::Replies => state
            .db
            .reply_facts(from, to)
            .await?
            .into_iter()
            .filter(|f| drill.matches_reply(f, month))
            .map(|f| Record {
                kind: RecordKind::Ticket,
                id: f.ticket_id.0,
                reference: ticket_number(f.ticket_id),
                customer: None,
                at: Some(f.received_at),
                note: format!("kind.{}", f.kind.as_str()),
                note_key: true,
                value: None,
            })
            .collect(),
        Section::Jobs => state
            .db
            .job_facts_begun_between(from, to)
            .await?
            .into_iter()
            .filter(|j| drill.matches_job(j))
            .map(|j| Record {
                kind: RecordKind::Job,
                id: j.job_id.0,
                reference: ticket_number(j.ticket_id),
                customer: Some(j.customer_name),
                at: Some(j.began_at),
                note: format!("dispatch.job_type.{}", j.job_type.as_str()),
                note_key: true,
                value: None,
            })
            .collect(),
        Section::Satisfaction => {
            let question = Question::parse(&drill.measure);
            let surveys: Vec<_> = state
                .db
                .surveys_answered(from, to)
                .await?
                .into_iter()
                .filter(|s| drill.matches_survey(s))
                .collect();
            let ids: Vec<_> = surveys.iter().map(|s| s.job_id).collect();
            let tickets: HashMap<_, _> = state
                .db
                .jobs_by_ids(&ids)
                .await?
                .into_iter()
                .map(|j| (j.id, j.ticket_id))
                .collect();
            let mut out = Vec::new();
            for s in surveys {
                let score = s
                    .answers
                    .as_ref()
                    .and_then(|a| a.score(question.unwrap_or(Question::Overall)));
                out.push(Record {
                    kind: RecordKind::Job,
                    id: s.job_id.0,
                    reference: tickets
                        .get(&s.job_id)
                        .map(|t| ticket_number(*t))
                        .unwrap_or_default(),
                    customer: None,
                    at: s.answered_at,
                    note: s
                        .answers
                        .as_ref()
                        .and_then(|a| a.comment.clone())
                        .unwrap_or_default(),
                    note_key: false,
                    value: score.map(i64::from),
                });
            }
            out
        }
        Section::FollowUps => follow_up_status(state, month, now)
            .await?
            .into_iter()
            .filter(|o| drill.matches_owed(&o.owed))
            .map(|o| Record {
                kind: RecordKind::Customer,
                id: o.owed.customer_id.0,
                reference: o.owed.customer_name.clone(),
                customer: None,
                at: None,
                note: format!("followup.state.{}", o.owed.state.as_str()),
                note_key: true,
                value: None,
            })
            .collect(),
        Section::WarrantyCost => {
            let Some(jobs) = warranty_jobs(state, actor, month).await? else {
                return Err(Error::Forbidden);
            };
            jobs.into_iter()
                .filter(|j| drill.matches_settlement(j.model_code.as_deref(), &j.settlement))
                .map(|j| Record {
                    kind: RecordKind::Job,
                    id: j.job.id.0,
                    reference: j.ticket_number.clone(),
                    customer: Some(j.customer_name.clone()),
                    at: None,
                    note: j.model_code.clone().unwrap_or_default(),
                    note_key: false,
                    value: Some(j.settlement.borne_fen),
                })
                .collect()
        }
        Section::QualityCauses | Section::RecurringCauses => state
            .db
            .quality_items_between(window_start(month), month)
            .await?
            .into_iter()
            .filter(|i| drill.matches_item(i, month))
            .map(item_record)
            .collect(),
        Section::OpenActions => {
            let today = local_date(now);
            state
                .db
                .quality_actions_for_review(month)
                .await?
                .into_iter()
                .filter(|a| drill.matches_action(a, month, today))
                .map(|a| Record {
                    kind: RecordKind::QualityItem,
                    id: a.item_id.0,
                    reference: format!("#{} · {}", a.item_id.0, a.month),
                    customer: a.owner_name.clone().or(a.owner_department.clone()),
                    at: None,
                    note: format!("{} · {}", a.due_on, a.description),
                    note_key: false,
                    value: None,
                })
                .collect()
        }
    };
    Ok(out)
}

fn item_record(i: QualityItem) -> Record {
    Record {
        kind: RecordKind::QualityItem,
        id: i.id.0,
        reference: format!("#{} · {}", i.id.0, i.month),
        customer: i.product_model.clone(),
        at: Some(i.created_at),
        note: i.summary,
        note_key: false,
        value: None,
    }
}

/// A rate in per mille as people read it (`93.3%`), `—` with no denominator.
pub fn permille(p: Option<i64>) -> String {
    #[allow(clippy::cast_precision_loss)]
    sanbao_domain::replies::percent(p.map(|p| p as f64 / 1000.0))
}

/// The report as workbook tables, one per section, in `lang`'s words.
pub fn tables(r: &Report, lang: Lang) -> Vec<(Section, Table)> {
    let t = |k: &str| lang.t(k).to_string();
    let rep = &r.report;
    let mut out = Vec::new();
    let deadline_headers = || {
        vec![
            t("monthly.col.group"),
            t("monthly.col.count"),
            t("board.on_time"),
            t("board.late"),
            t("board.running"),
            t("board.rate"),
        ]
    };
    let deadline_rows = |rows: &[report::DeadlineRow], label: &dyn Fn(&str) -> String| {
        rows.iter()
            .map(|row| {
                let x = row.tally;
                vec![
                    label(&row.group),
                    (x.on_time + x.late + x.running).to_string(),
                    x.on_time.to_string(),
                    x.late.to_string(),
                    x.running.to_string(),
                    permille(x.rate_permille()),
                ]
            })
            .collect()
    };
    out.push((
        Section::Complaints,
        Table {
            name: t("monthly.section.complaints"),
            headers: deadline_headers(),
            rows: deadline_rows(&rep.complaints, &|g| {
                group_label(lang, Section::Complaints, g)
            }),
        },
    ));
    out.push((
        Section::Emergencies,
        Table {
            name: t("monthly.section.emergencies"),
            headers: deadline_headers(),
            rows: deadline_rows(&rep.emergencies, &|g| {
                group_label(lang, Section::Emergencies, g)
            }),
        },
    ));
    out.push((
        Section::Replies,
        Table {
            name: t("monthly.section.replies"),
            headers: vec![
                t("monthly.col.group"),
                t("replies.received"),
                t("replies.replied"),
                t("replies.reply_rate"),
                t("replies.on_time_rate"),
                t("replies.correct_rate"),
                t("replies.awaiting"),
            ],
            rows: rep
                .replies
                .iter()
                .map(|(g, c)| {
                    vec![
                        group_label(lang, Section::Replies, g),
                        c.received.to_string(),
                        c.replied.to_string(),
                        sanbao_domain::replies::percent(c.reply_rate()),
                        sanbao_domain::replies::percent(c.on_time_rate()),
                        sanbao_domain::replies::percent(c.correct_rate()),
                        c.awaiting_review.to_string(),
                    ]
                })
                .collect(),
        },
    ));
    out.push((
        Section::Jobs,
        Table {
            name: t("monthly.section.jobs"),
            headers: vec![t("monthly.col.group"), t("monthly.col.count")],
            rows: rep
                .jobs
                .iter()
                .map(|(g, n)| vec![group_label(lang, Section::Jobs, g), n.to_string()])
                .collect(),
        },
    ));
    out.push((
        Section::Satisfaction,
        Table {
            name: t("monthly.section.satisfaction"),
            headers: vec![
                t("monthly.col.question"),
                t("monthly.col.answered"),
                t("monthly.col.mean"),
            ],
            rows: rep
                .satisfaction
                .questions
                .iter()
                .map(|q| {
                    vec![
                        t(&format!("survey.q.{}", q.question.as_str())),
                        q.answered.to_string(),
                        q.average
                            .map(|a| format!("{a:.2}"))
                            .unwrap_or_else(|| "—".into()),
                    ]
                })
                .collect(),
        },
    ));
    let total = follow_up_total(&rep.follow_ups);
    out.push((
        Section::FollowUps,
        Table {
            name: t("monthly.section.follow_ups"),
            headers: vec![
                t("monthly.col.salesperson"),
                t("monthly.col.owed"),
                t("monthly.col.done"),
                t("monthly.col.due"),
                t("monthly.col.overdue"),
                t("monthly.col.coverage"),
            ],
            rows: rep
                .follow_ups
                .iter()
                .map(|c| (salesperson_label(lang, r, c.salesperson_id), c))
                .chain(std::iter::once((t("monthly.total"), &total)))
                .map(|(name, c)| {
                    vec![
                        name,
                        c.owed.to_string(),
                        c.done.to_string(),
                        c.due.to_string(),
                        c.overdue.to_string(),
                        format!("{}%", c.percent()),
                    ]
                })
                .collect(),
        },
    ));
    if let Some(rows) = &rep.warranty_cost {
        let total = warranty_total(rows);
        out.push((
            Section::WarrantyCost,
            Table {
                name: t("monthly.section.warranty_cost"),
                headers: vec![
                    t("monthly.col.model"),
                    t("monthly.col.jobs"),
                    t("monthly.col.parts"),
                    t("monthly.col.labour"),
                    t("monthly.col.travel"),
                    t("monthly.col.cost"),
                ],
                rows: rows
                    .iter()
                    .chain(std::iter::once(&total))
                    .map(|w| {
                        vec![
                            group_label(lang, Section::WarrantyCost, &model_key(&w.model_code)),
                            w.jobs.to_string(),
                            sanbao_domain::settlement::yuan(w.parts_fen),
                            sanbao_domain::settlement::yuan(w.labour_fen),
                            sanbao_domain::settlement::yuan(w.travel_fen),
                            sanbao_domain::settlement::yuan(w.total_fen),
                        ]
                    })
                    .collect(),
            },
        ));
    }
    out.push((
        Section::QualityCauses,
        Table {
            name: t("monthly.section.quality_causes"),
            headers: vec![
                t("monthly.col.cause"),
                t("monthly.col.items"),
                t("monthly.col.cumulative"),
            ],
            rows: rep
                .pareto
                .iter()
                .map(|b| {
                    vec![
                        group_label(lang, Section::QualityCauses, &report::cause_group(b.cause)),
                        b.items.to_string(),
                        permille(Some(b.cumulative_permille)),
                    ]
                })
                .collect(),
        },
    ));
    out.push((
        Section::RecurringCauses,
        Table {
            name: t("monthly.section.recurring_causes"),
            headers: vec![
                t("monthly.col.model"),
                t("monthly.col.component"),
                t("monthly.col.cause"),
                t("monthly.col.months"),
                t("monthly.col.items"),
            ],
            rows: rep
                .recurring
                .iter()
                .map(|x| {
                    vec![
                        x.key.product_model.clone().unwrap_or_else(|| "—".into()),
                        x.key.component.clone().unwrap_or_else(|| "—".into()),
                        group_label(
                            lang,
                            Section::QualityCauses,
                            &report::cause_group(x.key.responsibility),
                        ),
                        x.months.join(" "),
                        x.items.to_string(),
                    ]
                })
                .collect(),
        },
    ));
    out.push((
        Section::OpenActions,
        Table {
            name: t("monthly.section.open_actions"),
            headers: vec![
                t("monthly.col.item"),
                t("monthly.col.month"),
                t("monthly.col.action"),
                t("monthly.col.owner"),
                t("monthly.col.due_on"),
                t("monthly.col.overdue"),
            ],
            rows: r
                .open_actions
                .iter()
                .map(|a| {
                    vec![
                        format!("#{}", a.item_id.0),
                        a.month.clone(),
                        a.description.clone(),
                        a.owner_name
                            .clone()
                            .or(a.owner_department.clone())
                            .unwrap_or_default(),
                        a.due_on.to_string(),
                        if a.overdue(r.today) {
                            t("monthly.yes")
                        } else {
                            String::new()
                        },
                    ]
                })
                .collect(),
        },
    ));
    out
}

/// The group of a warranty row's model code (`none` for a job naming no model).
pub fn model_key(code: &str) -> String {
    if code == report::ALL {
        code.to_string()
    } else {
        report::model_group(Some(code))
    }
}

/// A salesperson's name in the follow-up table.
pub fn salesperson_label(lang: Lang, r: &Report, id: Option<UserId>) -> String {
    match id {
        Some(u) => r
            .salespeople
            .get(&u)
            .cloned()
            .unwrap_or_else(|| format!("#{}", u.0)),
        None => lang.t("monthly.no_salesperson").to_string(),
    }
}

/// A row's name in `lang`.
pub fn group_label(lang: Lang, section: Section, group: &str) -> String {
    if group == report::ALL {
        return lang.t("monthly.total").to_string();
    }
    let key = match section {
        Section::Complaints | Section::Replies => format!("kind.{group}"),
        Section::Emergencies => format!("region.{group}"),
        Section::Jobs => format!("dispatch.job_type.{group}"),
        Section::QualityCauses if group == report::NONE => "monthly.unclassified".to_string(),
        Section::QualityCauses => format!("form.responsibility.{group}"),
        Section::WarrantyCost if group == report::NONE => "monthly.no_model".to_string(),
        _ => return group.to_string(),
    };
    lang.t(&key).to_string()
}

/// The whole report as one workbook, one sheet per table.
pub async fn workbook(r: &Report, lang: Lang) -> Result<Vec<u8>, Error> {
    let tables: Vec<Table> = tables(r, lang).into_iter().map(|(_, t)| t).collect();
    tokio::task::spawn_blocking(move || write::xlsx_tables(&tables))
        .await
        .map_err(|e| Error::Internal(format!("the report's writer stopped: {e}")))?
        .map_err(|e| Error::Internal(e.to_string()))
}

/// One table of the report as CSV.
pub async fn csv(table: Table) -> Result<Vec<u8>, Error> {
    tokio::task::spawn_blocking(move || {
        let headers: Vec<&str> = table.headers.iter().map(String::as_str).collect();
        write::csv(&headers, &table.rows)
    })
    .await
    .map_err(|e| Error::Internal(format!("the report's writer stopped: {e}")))?
    .map_err(|e| Error::Internal(e.to_string()))
}
