//! The monthly report (R6.2, R6.3, R7.3): `/reports/{month}` — every table of the month
//! with its chart drawn here as SVG, each figure a link to `/reports/{month}/records`
//! listing the records behind it; printed on A4, exported as a workbook (one sheet per
//! table) or one table as CSV.

use super::charts::{self, Bar};
use super::export::download_bytes;
use super::view::full_time;
use super::{QueryParams, WebResult, WebUser, render, url_with};
use crate::app;
use crate::app::AppState;
use crate::app::export::{ExportKind, Format};
use crate::app::report::{Record, RecordKind, Report, group_label, model_key, permille};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use sanbao_domain::replies::percent;
use sanbao_domain::report::{self as rep, ALL, Drill, Section};
use sanbao_domain::settlement::yuan;
use sanbao_domain::time::Month;
use sanbao_domain::{Error, Problem};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/reports", get(latest))
        .route("/reports/{month}", get(month))
        .route("/reports/{month}/records", get(records))
        .route("/reports/{month}/export", get(export))
}

/// Records shown on one page of a drill-down.
const PAGE: usize = 200;

/// `GET /reports`: the last whole month's report.
pub async fn latest(State(state): State<AppState>, u: WebUser) -> WebResult<Response> {
    app::report::month_access(&u.user)?;
    let m = Month::of(state.now()).previous();
    Ok(Redirect::to(&format!("/reports/{m}")).into_response())
}

/// A figure as a link to its records.
pub struct Cell {
    pub text: String,
    pub href: String,
}

pub struct RowView {
    pub label: String,
    pub label_href: String,
    pub cells: Vec<Cell>,
    pub total: bool,
}

pub struct TableView {
    pub id: &'static str,
    pub title: String,
    pub note: String,
    pub headers: Vec<String>,
    pub rows: Vec<RowView>,
    pub chart: String,
    pub csv_href: String,
    pub empty: String,
}

#[derive(Template)]
#[template(path = "report_month.html")]
struct MonthPage {
    l: super::Layout,
    previous_href: String,
    next_href: String,
    xlsx_href: String,
    tables: Vec<TableView>,
}

struct Ctx<'a> {
    lang: Lang,
    month: Month,
    report: &'a Report,
}

impl Ctx<'_> {
    fn t(&self, k: &str) -> String {
        self.lang.t(k).to_string()
    }

    fn href(&self, section: Section, group: &str, measure: &str) -> String {
        url_with(
            &format!("/reports/{}/records", self.month),
            &[("figure", &Drill::new(section, group, measure).key())],
        )
    }

    fn cell(&self, text: impl Into<String>, section: Section, group: &str, measure: &str) -> Cell {
        Cell {
            text: text.into(),
            href: self.href(section, group, measure),
        }
    }

    fn table(
        &self,
        section: Section,
        headers: Vec<String>,
        rows: Vec<RowView>,
        chart: String,
    ) -> TableView {
        TableView {
            id: section.as_str(),
            title: self.t(&format!("monthly.section.{section}")),
            note: self.t(&format!("monthly.note.{section}")),
            headers,
            rows,
            chart,
            csv_href: url_with(
                &format!("/reports/{}/export", self.month),
                &[("format", "csv"), ("table", section.as_str())],
            ),
            empty: self.t("monthly.empty"),
        }
    }

    fn deadlines(&self, section: Section, rows: &[rep::DeadlineRow]) -> TableView {
        let views: Vec<RowView> = rows
            .iter()
            .map(|r| {
                let x = r.tally;
                let g = r.group.as_str();
                RowView {
                    label: group_label(self.lang, section, g),
                    label_href: self.href(section, g, ALL),
                    cells: vec![
                        self.cell(
                            (x.on_time + x.late + x.running).to_string(),
                            section,
                            g,
                            ALL,
                        ),
                        self.cell(x.on_time.to_string(), section, g, "on_time"),
                        self.cell(x.late.to_string(), section, g, "late"),
                        self.cell(x.running.to_string(), section, g, "running"),
                        self.cell(permille(x.rate_permille()), section, g, ALL),
                    ],
                    total: g == ALL,
                }
            })
            .collect();
        let chart = charts::bars(
            &self.t("board.on_time_rate"),
            &rows
                .iter()
                .filter(|r| r.group != ALL)
                .map(|r| Bar {
                    label: group_label(self.lang, section, &r.group),
                    value: r.tally.rate_permille().unwrap_or(0) as f64,
                    text: permille(r.tally.rate_permille()),
                    href: self.href(section, &r.group, ALL),
                })
                .collect::<Vec<_>>(),
            1000.0,
        );
        self.table(
            section,
            vec![
                self.t("monthly.col.group"),
                self.t("monthly.col.count"),
                self.t("board.on_time"),
                self.t("board.late"),
                self.t("board.running"),
                self.t("board.rate"),
            ],
            views,
            chart,
        )
    }

    fn replies(&self) -> TableView {
        let s = Section::Replies;
        let rows = self
            .report
            .report
            .replies
            .iter()
            .map(|(g, c)| RowView {
                label: group_label(self.lang, s, g),
                label_href: self.href(s, g, "received"),
                cells: vec![
                    self.cell(c.received.to_string(), s, g, "received"),
                    self.cell(c.replied.to_string(), s, g, "replied"),
                    self.cell(percent(c.reply_rate()), s, g, "replied"),
                    self.cell(percent(c.on_time_rate()), s, g, "on_time"),
                    self.cell(percent(c.correct_rate()), s, g, "correct"),
                    self.cell(c.awaiting_review.to_string(), s, g, "awaiting_review"),
                ],
                total: g == ALL,
            })
            .collect();
        self.table(
            s,
            vec![
                self.t("monthly.col.group"),
                self.t("replies.received"),
                self.t("replies.replied"),
                self.t("replies.reply_rate"),
                self.t("replies.on_time_rate"),
                self.t("replies.correct_rate"),
                self.t("replies.awaiting"),
            ],
            rows,
            String::new(),
        )
    }

    fn jobs(&self) -> TableView {
        let s = Section::Jobs;
        let jobs = &self.report.report.jobs;
        let rows = jobs
            .iter()
            .map(|(g, n)| RowView {
                label: group_label(self.lang, s, g),
                label_href: self.href(s, g, ALL),
                cells: vec![self.cell(n.to_string(), s, g, ALL)],
                total: g == ALL,
            })
            .collect();
        let chart = charts::bars(
            &self.t("monthly.section.jobs"),
            &jobs
                .iter()
                .filter(|(g, _)| g != ALL)
                .map(|(g, n)| Bar {
                    label: group_label(self.lang, s, g),
                    value: *n as f64,
                    text: n.to_string(),
                    href: self.href(s, g, ALL),
                })
                .collect::<Vec<_>>(),
            0.0,
        );
        self.table(
            s,
            vec![self.t("monthly.col.job_type"), self.t("monthly.col.count")],
            rows,
            chart,
        )
    }

    fn satisfaction(&self) -> TableView {
        let s = Section::Satisfaction;
        let sat = &self.report.report.satisfaction;
        let mut rows = vec![RowView {
            label: self.t("monthly.answered_surveys"),
            label_href: self.href(s, ALL, "answered"),
            cells: vec![
                self.cell(sat.answered.to_string(), s, ALL, "answered"),
                Cell {
                    text: String::new(),
                    href: String::new(),
                },
            ],
            total: false,
        }];
        rows.extend(sat.questions.iter().map(|q| {
            let m = q.question.as_str();
            RowView {
                label: self.t(&format!("survey.q.{m}")),
                label_href: self.href(s, ALL, m),
                cells: vec![
                    self.cell(q.answered.to_string(), s, ALL, m),
                    self.cell(
                        q.average
                            .map_or_else(|| "—".to_string(), |a| format!("{a:.2}")),
                        s,
                        ALL,
                        m,
                    ),
                ],
                total: false,
            }
        }));
        let chart = charts::bars(
            &self.t("monthly.col.mean"),
            &sat.questions
                .iter()
                .map(|q| Bar {
                    label: self.t(&format!("survey.q.{}", q.question.as_str())),
                    value: q.average.unwrap_or(0.0),
                    text: q
                        .average
                        .map_or_else(|| "—".to_string(), |a| format!("{a:.2}")),
                    href: self.href(s, ALL, q.question.as_str()),
                })
                .collect::<Vec<_>>(),
            5.0,
        );
        self.table(
            s,
            vec![
                self.t("monthly.col.question"),
                self.t("monthly.col.answered"),
                self.t("monthly.col.mean"),
            ],
            rows,
            chart,
        )
    }

    fn follow_ups(&self) -> TableView {
        let s = Section::FollowUps;
        let cov = &self.report.report.follow_ups;
        let total = rep::follow_up_total(cov);
        let rows = cov
            .iter()
            .map(|c| {
                (
                    rep::salesperson_group(c.salesperson_id),
                    app::report::salesperson_label(self.lang, self.report, c.salesperson_id),
                    c,
                    false,
                )
            })
            .chain(std::iter::once((
                ALL.to_string(),
                self.t("monthly.total"),
                &total,
                true,
            )))
            .map(|(g, label, c, total)| RowView {
                label,
                label_href: self.href(s, &g, "owed"),
                cells: vec![
                    self.cell(c.owed.to_string(), s, &g, "owed"),
                    self.cell(c.done.to_string(), s, &g, "done"),
                    self.cell(c.due.to_string(), s, &g, "due"),
                    self.cell(c.overdue.to_string(), s, &g, "overdue"),
                    self.cell(format!("{}%", c.percent()), s, &g, "done"),
                ],
                total,
            })
            .collect();
        self.table(
            s,
            vec![
                self.t("monthly.col.salesperson"),
                self.t("monthly.col.owed"),
                self.t("monthly.col.done"),
                self.t("monthly.col.due"),
                self.t("monthly.col.overdue"),
                self.t("monthly.col.coverage"),
            ],
            rows,
            String::new(),
        )
    }

    fn warranty(&self) -> Option<TableView> {
        let s = Section::WarrantyCost;
        let list = self.report.report.warranty_cost.as_ref()?;
        let total = rep::warranty_total(list);
        let rows = list
            .iter()
            .chain(std::iter::once(&total))
            .map(|w| {
                let g = model_key(&w.model_code);
                RowView {
                    label: group_label(self.lang, s, &g),
                    label_href: self.href(s, &g, "cost"),
                    cells: vec![
                        self.cell(w.jobs.to_string(), s, &g, "cost"),
                        self.cell(yuan(w.parts_fen), s, &g, "cost"),
                        self.cell(yuan(w.labour_fen), s, &g, "cost"),
                        self.cell(yuan(w.travel_fen), s, &g, "cost"),
                        self.cell(yuan(w.total_fen), s, &g, "cost"),
                    ],
                    total: g == ALL,
                }
            })
            .collect();
        let chart = charts::bars(
            &self.t("monthly.section.warranty_cost"),
            &list
                .iter()
                .map(|w| {
                    let g = model_key(&w.model_code);
                    Bar {
                        label: group_label(self.lang, s, &g),
                        value: w.total_fen as f64,
                        text: format!("¥{}", yuan(w.total_fen)),
                        href: self.href(s, &g, "cost"),
                    }
                })
                .collect::<Vec<_>>(),
            0.0,
        );
        Some(self.table(
            s,
            vec![
                self.t("monthly.col.model"),
                self.t("monthly.col.jobs"),
                self.t("monthly.col.parts"),
                self.t("monthly.col.labour"),
                self.t("monthly.col.travel"),
                self.t("monthly.col.cost"),
            ],
            rows,
            chart,
        ))
    }

    fn causes(&self) -> TableView {
        let s = Section::QualityCauses;
        let bars = &self.report.report.pareto;
        let all: i64 = bars.iter().map(|b| b.items).sum();
        let mut rows: Vec<RowView> = bars
            .iter()
            .map(|b| {
                let g = rep::cause_group(b.cause);
                RowView {
                    label: group_label(self.lang, s, &g),
                    label_href: self.href(s, &g, "items"),
                    cells: vec![
                        self.cell(b.items.to_string(), s, &g, "items"),
                        self.cell(permille(Some(b.cumulative_permille)), s, &g, "items"),
                    ],
                    total: false,
                }
            })
            .collect();
        if !rows.is_empty() {
            rows.push(RowView {
                label: self.t("monthly.total"),
                label_href: self.href(s, ALL, "items"),
                cells: vec![
                    self.cell(all.to_string(), s, ALL, "items"),
                    Cell {
                        text: String::new(),
                        href: String::new(),
                    },
                ],
                total: true,
            });
        }
        let chart = if bars.is_empty() {
            String::new()
        } else {
            charts::pareto(
                &self.t("monthly.section.quality_causes"),
                &bars
                    .iter()
                    .map(|b| {
                        let g = rep::cause_group(b.cause);
                        charts::ParetoBar {
                            label: group_label(self.lang, s, &g),
                            count: b.items,
                            cumulative_permille: b.cumulative_permille,
                            href: self.href(s, &g, "items"),
                        }
                    })
                    .collect::<Vec<_>>(),
            )
        };
        self.table(
            s,
            vec![
                self.t("monthly.col.cause"),
                self.t("monthly.col.items"),
                self.t("monthly.col.cumulative"),
            ],
            rows,
            chart,
        )
    }

    fn recurring(&self) -> TableView {
        let s = Section::RecurringCauses;
        let rows = self
            .report
            .report
            .recurring
            .iter()
            .map(|r| {
                let g = r.key.group();
                let cause = group_label(
                    self.lang,
                    Section::QualityCauses,
                    &rep::cause_group(r.key.responsibility),
                );
                RowView {
                    label: r.key.product_model.clone().unwrap_or_else(|| "—".into()),
                    label_href: self.href(s, &g, "items"),
                    cells: vec![
                        self.cell(
                            r.key.component.clone().unwrap_or_else(|| "—".into()),
                            s,
                            &g,
                            "items",
                        ),
                        self.cell(cause, s, &g, "items"),
                        self.cell(r.months.join(" · "), s, &g, "items"),
                        self.cell(r.items.to_string(), s, &g, "items"),
                    ],
                    total: false,
                }
            })
            .collect();
        self.table(
            s,
            vec![
                self.t("monthly.col.model"),
                self.t("monthly.col.component"),
                self.t("monthly.col.cause"),
                self.t("monthly.col.months"),
                self.t("monthly.col.items"),
            ],
            rows,
            String::new(),
        )
    }

    fn open_actions(&self) -> TableView {
        let s = Section::OpenActions;
        let o = self.report.report.open_actions;
        let mut rows = vec![RowView {
            label: self.t("monthly.open_actions_count"),
            label_href: self.href(s, ALL, "open"),
            cells: vec![
                self.cell(o.open.to_string(), s, ALL, "open"),
                Cell {
                    text: String::new(),
                    href: String::new(),
                },
                Cell {
                    text: String::new(),
                    href: String::new(),
                },
                self.cell(
                    format!("{} {}", self.t("monthly.col.overdue"), o.overdue),
                    s,
                    ALL,
                    "overdue",
                ),
            ],
            total: true,
        }];
        rows.extend(self.report.open_actions.iter().map(|a| {
            let item = format!("/quality/items/{}", a.item_id.0);
            RowView {
                label: format!("#{} · {}", a.item_id.0, a.month),
                label_href: item.clone(),
                cells: vec![
                    Cell {
                        text: a.description.clone(),
                        href: item.clone(),
                    },
                    Cell {
                        text: a
                            .owner_name
                            .clone()
                            .or(a.owner_department.clone())
                            .unwrap_or_default(),
                        href: item.clone(),
                    },
                    Cell {
                        text: a.due_on.to_string(),
                        href: item.clone(),
                    },
                    Cell {
                        text: if a.overdue(self.report.today) {
                            self.t("monthly.overdue")
                        } else {
                            String::new()
                        },
                        href: item,
                    },
                ],
                total: false,
            }
        }));
        self.table(
            s,
            vec![
                self.t("monthly.col.item"),
                self.t("monthly.col.action"),
                self.t("monthly.col.owner"),
                self.t("monthly.col.due_on"),
                self.t("monthly.col.overdue"),
            ],
            rows,
            String::new(),
        )
    }

    fn all(&self) -> Vec<TableView> {
        let mut out = vec![
            self.deadlines(Section::Complaints, &self.report.report.complaints),
            self.deadlines(Section::Emergencies, &self.report.report.emergencies),
            self.replies(),
            self.jobs(),
            self.satisfaction(),
            self.follow_ups(),
        ];
        out.extend(self.warranty());
        out.push(self.causes());
        out.push(self.recurring());
        out.push(self.open_actions());
        out
    }
}

/// `GET /reports/{month}`
pub async fn month(
    State(state): State<AppState>,
    u: WebUser,
    Path(m): Path<String>,
) -> WebResult<Response> {
    let m = sanbao_domain::time::month_field(&m)?;
    let report = app::report::month(&state, &u.user, m, state.now()).await?;
    let lang = u.lang;
    let ctx = Ctx {
        lang,
        month: m,
        report: &report,
    };
    render(&MonthPage {
        previous_href: format!("/reports/{}", m.previous()),
        next_href: format!("/reports/{}", m.next()),
        xlsx_href: url_with(&format!("/reports/{m}/export"), &[("format", "xlsx")]),
        tables: ctx.all(),
        l: u.layout(
            "monthly_report",
            lang.f("monthly.title", &[("month", &m.to_string())]),
        ),
    })
}

pub struct RecordView {
    pub reference: String,
    pub href: String,
    pub customer: String,
    pub at: String,
    pub note: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "report_records.html")]
struct RecordsPage {
    l: super::Layout,
    back_href: String,
    what: String,
    total: usize,
    shown: usize,
    showing: String,
    rows: Vec<RecordView>,
    previous_href: String,
    next_href: String,
    value_header: String,
}

/// What a drill-down's figure is, in words: the table, its row, what is counted.
fn figure_words(lang: Lang, d: &Drill) -> String {
    let table = lang
        .t(&format!("monthly.section.{}", d.section))
        .to_string();
    let row = if d.section == Section::RecurringCauses {
        d.group.replace('~', " · ")
    } else if d.section == Section::FollowUps && d.group != ALL && d.group != rep::NONE {
        format!("#{}", d.group)
    } else if d.section == Section::FollowUps && d.group == rep::NONE {
        lang.t("monthly.no_salesperson").to_string()
    } else {
        group_label(lang, d.section, &d.group)
    };
    let measure = match sanbao_domain::field::survey::Question::parse(&d.measure) {
        Some(q) if d.section == Section::Satisfaction => {
            lang.t(&format!("survey.q.{q}")).to_string()
        }
        _ => lang
            .t(&format!("monthly.measure.{}", d.measure))
            .to_string(),
    };
    format!("{table} · {row} · {measure}")
}

fn record_href(r: &Record) -> String {
    match r.kind {
        RecordKind::Ticket => format!("/tickets/{}", r.id),
        RecordKind::Job => format!("/field/jobs/{}", r.id),
        RecordKind::Customer => format!("/customers/{}", r.id),
        RecordKind::QualityItem => format!("/quality/items/{}", r.id),
    }
}

/// `GET /reports/{month}/records?figure=&page=`
pub async fn records(
    State(state): State<AppState>,
    u: WebUser,
    Path(m): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let m = sanbao_domain::time::month_field(&m)?;
    let drill = Drill::parse(p.get("figure").unwrap_or(""))?;
    let page: usize = match p.get("page").map(str::trim) {
        None | Some("") => 0,
        Some(s) => s
            .parse()
            .map_err(|_| Error::field("page", Problem::invalid("a page number")))?,
    };
    let all = app::report::records(&state, &u.user, m, &drill, state.now()).await?;
    let lang = u.lang;
    let total = all.len();
    let rows: Vec<RecordView> = all
        .iter()
        .skip(page.saturating_mul(PAGE))
        .take(PAGE)
        .map(|r| RecordView {
            reference: r.reference.clone(),
            href: record_href(r),
            customer: r.customer.clone().unwrap_or_default(),
            at: r.at.map(full_time).unwrap_or_default(),
            note: if r.note_key {
                lang.t(&r.note).to_string()
            } else {
                r.note.clone()
            },
            value: match (drill.section, r.value) {
                (Section::WarrantyCost, Some(v)) => format!("¥{}", yuan(v)),
                (_, Some(v)) => v.to_string(),
                _ => String::new(),
            },
        })
        .collect();
    let key = drill.key();
    let link = |page: usize| {
        url_with(
            &format!("/reports/{m}/records"),
            &[("figure", &key), ("page", &page.to_string())],
        )
    };
    let shown = rows.len();
    render(&RecordsPage {
        back_href: format!("/reports/{m}#{}", drill.section),
        what: figure_words(lang, &drill),
        total,
        shown,
        showing: lang.f(
            "monthly.showing",
            &[
                ("from", &(page * PAGE + 1)),
                ("to", &(page * PAGE + shown)),
                ("total", &total),
            ],
        ),
        previous_href: if page > 0 {
            link(page - 1)
        } else {
            String::new()
        },
        next_href: if (page + 1) * PAGE < total {
            link(page + 1)
        } else {
            String::new()
        },
        value_header: match drill.section {
            Section::WarrantyCost => lang.t("monthly.col.cost").to_string(),
            Section::Satisfaction => lang.t("monthly.col.score").to_string(),
            _ => String::new(),
        },
        rows,
        l: u.layout(
            "monthly_report",
            lang.f("monthly.records_title", &[("month", &m.to_string())]),
        ),
    })
}

/// `GET /reports/{month}/export?format=xlsx` (every table, one sheet each) or
/// `?format=csv&table=` (one table).
pub async fn export(
    State(state): State<AppState>,
    u: WebUser,
    Path(m): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let m = sanbao_domain::time::month_field(&m)?;
    let format = Format::parse(p.get("format"))?;
    let table = match (format, p.get("table")) {
        (Format::Csv, Some(t)) => Some(
            Section::parse(t.trim())
                .ok_or_else(|| Error::field("table", Problem::invalid("no such table")))?,
        ),
        (Format::Csv, None) => {
            return Err(Error::field("table", Problem::required()).into());
        }
        _ => None,
    };
    let report = app::report::month(&state, &u.user, m, state.now()).await?;
    let bytes = match table {
        Some(section) => {
            let t = app::report::tables(&report, Lang::Zh)
                .into_iter()
                .find(|(s, _)| *s == section)
                .map(|(_, t)| t)
                .ok_or_else(|| Error::field("table", Problem::invalid("not in this report")))?;
            app::report::csv(t).await?
        }
        None => app::report::workbook(&report, Lang::Zh).await?,
    };
    download_bytes(&state, &u, ExportKind::MonthlyReport, format, bytes)
}
