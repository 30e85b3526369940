//! The monthly report (R6.2, R6.3, R7.3): one page a month for the departments concerned.
//!
//! Every figure is counted here from the month's facts — the deadlines due in it, the
//! replies' facts, the jobs begun, the surveys answered, the customers owed a follow-up,
//! the jobs' settlements, the quality items and their actions — and every figure carries a
//! [`Drill`]: the key of the records behind it. The drill-down filters the same facts with
//! the same rule (`Drill::matches_*`), so a figure and the list it opens always agree.

use crate::deadline::board::{MonthLine, Outcome, Tally};
use crate::error::{Error, Problem};
use crate::field::form::Responsibility;
use crate::field::survey::{Question, QuestionSummary, Survey, averages};
use crate::field::{JobStatus, JobType};
use crate::followup::{Coverage, DueState, Owed};
use crate::ids::{CustomerId, JobId, TicketId, UserId};
use crate::quality::{QualityAction, QualityItem};
use crate::region::Region;
use crate::replies::{ReplyCounts, ReplyFact, ReplyMeasure, ReplyRates, counted};
use crate::settlement::{Settlement, WarrantyCost, is_warranty_cost};
use crate::terms::DeadlineKind;
use crate::terms::str_enum;
use crate::ticket::TicketKind;
use crate::time::Month;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The group of a table's total row.
pub const ALL: &str = "all";
/// The group of records with no value for the grouping (no salesperson, no model…).
pub const NONE: &str = "none";
/// How many months, the report's own included, the recurring causes look back over.
pub const RECURRENCE_MONTHS: u32 = 6;
/// A drill-down key's longest accepted length.
pub const KEY_MAX: usize = 200;

str_enum!(
    /// The report's tables, in the order the page shows them.
    Section {
        /// Complaints by kind and their handling-opinion on-time rate (R3.3, R6.2).
        Complaints = "complaints",
        /// Emergencies and their arrival on-time rate by region (R3.4, R6.2).
        Emergencies = "emergencies",
        /// Consultation and correspondence reply and correct-reply rates (R3.5, R3.7).
        Replies = "replies",
        /// Jobs by type: those whose work began in the month.
        Jobs = "jobs",
        /// The month's answered satisfaction surveys (R5.3).
        Satisfaction = "satisfaction",
        /// Follow-up coverage per salesperson (R3.1).
        FollowUps = "follow_ups",
        /// What the company bore on warranty and free-repair jobs, per model.
        WarrantyCost = "warranty_cost",
        /// The month's quality items by cause (responsibility), largest first (R7.3).
        QualityCauses = "quality_causes",
        /// Problems seen again in more than one month (R3.11, R7.3).
        RecurringCauses = "recurring_causes",
        /// Corrective and preventive actions not verified yet (R7.2).
        OpenActions = "open_actions",
    }
);

/// Which records a figure stands for: its table, a row of it (`all` for the total), and
/// what is counted. Written `section.group.measure`, e.g. `emergencies.zhejiang.late`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drill {
    pub section: Section,
    pub group: String,
    pub measure: String,
}

/// The measures of each table.
pub fn measures(section: Section) -> Vec<&'static str> {
    match section {
        Section::Complaints | Section::Emergencies => vec![ALL, "on_time", "late", "running"],
        Section::Replies => ReplyMeasure::ALL.iter().map(|m| m.as_str()).collect(),
        Section::Jobs => vec![ALL],
        Section::Satisfaction => std::iter::once("answered")
            .chain(Question::ALL.iter().map(|q| q.as_str()))
            .collect(),
        Section::FollowUps => std::iter::once("owed")
            .chain(DueState::ALL.iter().map(|s| s.as_str()))
            .collect(),
        Section::WarrantyCost => vec!["cost"],
        Section::QualityCauses | Section::RecurringCauses => vec!["items"],
        Section::OpenActions => vec!["open", "overdue"],
    }
}

fn valid_group(section: Section, g: &str) -> bool {
    if g == ALL {
        // A recurring cause is one problem; the table has no total.
        return section != Section::RecurringCauses;
    }
    match section {
        Section::Complaints => COMPLAINT_KINDS.iter().any(|k| k.as_str() == g),
        Section::Emergencies => Region::parse(g).is_some(),
        Section::Replies => matches!(g, "consultation" | "correspondence"),
        Section::Jobs => JobType::parse(g).is_some(),
        Section::Satisfaction | Section::OpenActions => false,
        Section::FollowUps => g == NONE || g.parse::<i64>().is_ok_and(|n| n > 0),
        Section::QualityCauses => g == NONE || Responsibility::parse(g).is_some(),
        Section::WarrantyCost | Section::RecurringCauses => {
            !g.is_empty() && g.chars().all(|c| !c.is_control())
        }
    }
}

impl Drill {
    pub fn new(section: Section, group: impl Into<String>, measure: &str) -> Drill {
        Drill {
            section,
            group: group.into(),
            measure: measure.to_string(),
        }
    }

    /// The key as written in a link: `section.group.measure`.
    pub fn key(&self) -> String {
        format!("{}.{}.{}", self.section, self.group, self.measure)
    }

    /// A key read back from a link; anything else is refused on the field `figure`.
    pub fn parse(key: &str) -> Result<Drill, Error> {
        let bad = |why: &str| Error::field("figure", Problem::invalid(why));
        if key.len() > KEY_MAX {
            return Err(Error::field("figure", Problem::too_long(KEY_MAX)));
        }
        let (section, rest) = key
            .split_once('.')
            .ok_or_else(|| bad("must be section.group.measure"))?;
        let (group, measure) = rest
            .rsplit_once('.')
            .ok_or_else(|| bad("must be section.group.measure"))?;
        let section = Section::parse(section).ok_or_else(|| bad("no such table"))?;
        if !measures(section).contains(&measure) {
            return Err(bad("no such figure in this table"));
        }
        if !valid_group(section, group) {
            return Err(bad("no such row in this table"));
        }
        Ok(Drill::new(section, group, measure))
    }

    fn group_is(&self, g: &str) -> bool {
        self.group == ALL || self.group == g
    }

    /// Whether a deadline of the month is behind this figure (complaints, emergencies).
    pub fn matches_line(&self, l: &MonthLine, now: DateTime<Utc>) -> bool {
        let outcome = l.outcome(now);
        let in_table = match self.section {
            Section::Complaints => is_complaint_line(l) && self.group_is(l.ticket_kind.as_str()),
            Section::Emergencies => is_emergency_line(l) && self.group_is(l.region.as_str()),
            _ => false,
        };
        in_table
            && outcome != Outcome::Void
            && (self.measure == ALL || self.measure == outcome.as_str())
    }

    /// Whether a reply fact is behind this figure.
    pub fn matches_reply(&self, f: &ReplyFact, month: Month) -> bool {
        self.section == Section::Replies
            && counted(f, month)
            && self.group_is(f.kind.as_str())
            && ReplyMeasure::parse(&self.measure).is_some_and(|m| m.counts(f))
    }

    /// Whether a job begun in the month is behind this figure.
    pub fn matches_job(&self, j: &JobFact) -> bool {
        self.section == Section::Jobs && self.group_is(j.job_type.as_str())
    }

    /// Whether an answered survey is behind this figure: all answered, or those that
    /// scored the question.
    pub fn matches_survey(&self, s: &Survey) -> bool {
        self.section == Section::Satisfaction
            && s.answered_at.is_some()
            && (self.measure == "answered"
                || Question::parse(&self.measure)
                    .is_some_and(|q| s.answers.as_ref().and_then(|a| a.score(q)).is_some()))
    }

    /// Whether a customer owed a follow-up is behind this figure.
    pub fn matches_owed(&self, o: &Owed) -> bool {
        self.section == Section::FollowUps
            && self.group_is(&salesperson_group(o.salesperson_id))
            && (self.measure == "owed" || self.measure == o.state.as_str())
    }

    /// Whether a job's settlement is behind this figure.
    pub fn matches_settlement(&self, model_code: Option<&str>, s: &Settlement) -> bool {
        self.section == Section::WarrantyCost
            && is_warranty_cost(s)
            && self.group_is(&model_group(model_code))
    }

    /// Whether a quality item is behind this figure (the report's month's items for the
    /// causes, the window's for a recurring cause).
    pub fn matches_item(&self, i: &QualityItem, month: Month) -> bool {
        if i.merged_into.is_some() {
            return false;
        }
        match self.section {
            Section::QualityCauses => {
                i.month == month.to_string() && self.group_is(&cause_group(i.responsibility))
            }
            Section::RecurringCauses => {
                in_window(&i.month, month)
                    && RecurrenceKey::of(i).is_some_and(|k| self.group == k.group())
            }
            _ => false,
        }
    }

    /// Whether an action is behind this figure.
    pub fn matches_action(&self, a: &QualityAction, month: Month, today: NaiveDate) -> bool {
        self.section == Section::OpenActions
            && is_open(a, month)
            && (self.measure == "open" || a.overdue(today))
    }
}

/// The complaint kinds the report shows, in order.
pub const COMPLAINT_KINDS: [TicketKind; 2] =
    [TicketKind::ComplaintQuality, TicketKind::ComplaintOther];

fn is_complaint_line(l: &MonthLine) -> bool {
    l.kind == DeadlineKind::HandlingOpinion && COMPLAINT_KINDS.contains(&l.ticket_kind)
}

fn is_emergency_line(l: &MonthLine) -> bool {
    l.kind == DeadlineKind::Arrival && l.ticket_kind == TicketKind::Emergency
}

/// A row of a deadline table: its group and the tally of its deadlines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineRow {
    pub group: String,
    pub tally: Tally,
}

fn deadline_rows<'a>(
    groups: impl Iterator<Item = &'a str>,
    lines: &[MonthLine],
    now: DateTime<Utc>,
    section: Section,
) -> Vec<DeadlineRow> {
    let mut rows: Vec<DeadlineRow> = groups
        .chain(std::iter::once(ALL))
        .map(|g| DeadlineRow {
            group: g.to_string(),
            tally: Tally::default(),
        })
        .collect();
    for l in lines {
        let (in_table, group) = match section {
            Section::Complaints => (is_complaint_line(l), l.ticket_kind.as_str()),
            _ => (is_emergency_line(l), l.region.as_str()),
        };
        if !in_table {
            continue;
        }
        let o = l.outcome(now);
        for r in rows
            .iter_mut()
            .filter(|r| r.group == group || r.group == ALL)
        {
            r.tally.add(o);
        }
    }
    rows
}

/// Complaints by kind: the handling-opinion deadlines due in the month (R3.3), the total
/// last.
pub fn complaints(lines: &[MonthLine], now: DateTime<Utc>) -> Vec<DeadlineRow> {
    deadline_rows(
        COMPLAINT_KINDS.iter().map(|k| k.as_str()),
        lines,
        now,
        Section::Complaints,
    )
}

/// Emergencies by region: the arrival deadlines due in the month (R3.4), every region,
/// the total last.
pub fn emergencies(lines: &[MonthLine], now: DateTime<Utc>) -> Vec<DeadlineRow> {
    deadline_rows(
        Region::ALL.iter().map(|r| r.as_str()),
        lines,
        now,
        Section::Emergencies,
    )
}

/// The reply table's rows: consultations, letters, both.
pub fn replies(rates: &ReplyRates) -> Vec<(String, ReplyCounts)> {
    vec![
        ("consultation".to_string(), rates.consultation),
        ("correspondence".to_string(), rates.correspondence),
        (ALL.to_string(), rates.all),
    ]
}

/// A job whose work began in the month (its first arrival on site).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobFact {
    pub job_id: JobId,
    pub ticket_id: TicketId,
    pub job_type: JobType,
    pub status: JobStatus,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub model_code: Option<String>,
    pub began_at: DateTime<Utc>,
}

/// Jobs by type, every type, the total last.
pub fn jobs(facts: &[JobFact]) -> Vec<(String, i64)> {
    JobType::ALL
        .iter()
        .map(|t| t.as_str())
        .chain(std::iter::once(ALL))
        .map(|g| {
            let d = Drill::new(Section::Jobs, g, ALL);
            (
                g.to_string(),
                facts.iter().filter(|f| d.matches_job(f)).count() as i64,
            )
        })
        .collect()
}

/// The month's satisfaction: surveys answered, and each question's mean.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Satisfaction {
    pub answered: i64,
    pub questions: Vec<QuestionSummary>,
}

pub fn satisfaction(surveys: &[Survey]) -> Satisfaction {
    let answered: Vec<Survey> = surveys
        .iter()
        .filter(|s| s.answered_at.is_some())
        .cloned()
        .collect();
    Satisfaction {
        answered: answered.len() as i64,
        questions: averages(&answered),
    }
}

/// The group of a salesperson: their id, or `none`.
pub fn salesperson_group(s: Option<UserId>) -> String {
    s.map_or_else(|| NONE.to_string(), |u| u.0.to_string())
}

/// The group of a product model: its code, or `none`.
pub fn model_group(m: Option<&str>) -> String {
    match m {
        Some(m) if !m.is_empty() => m.to_string(),
        _ => NONE.to_string(),
    }
}

/// The group of a cause: the responsibility, or `none` while unclassified.
pub fn cause_group(r: Option<Responsibility>) -> String {
    r.map_or_else(|| NONE.to_string(), |r| r.as_str().to_string())
}

/// Follow-up coverage with its total (salesperson `None` in the total row means all).
pub fn follow_up_total(rows: &[Coverage]) -> Coverage {
    rows.iter().fold(Coverage::default(), |mut t, c| {
        t.owed += c.owed;
        t.done += c.done;
        t.due += c.due;
        t.overdue += c.overdue;
        t
    })
}

/// The warranty cost's total row.
pub fn warranty_total(rows: &[WarrantyCost]) -> WarrantyCost {
    rows.iter().fold(
        WarrantyCost {
            model_code: ALL.to_string(),
            ..WarrantyCost::default()
        },
        |mut t, w| {
            t.jobs += w.jobs;
            t.parts_fen += w.parts_fen;
            t.labour_fen += w.labour_fen;
            t.travel_fen += w.travel_fen;
            t.total_fen += w.total_fen;
            t
        },
    )
}

/// A bar of the causes' Pareto chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParetoBar {
    /// `None`: not classified yet.
    pub cause: Option<Responsibility>,
    pub items: i64,
    /// The share of the month's items this bar and those before it hold, per mille.
    pub cumulative_permille: i64,
}

/// The month's items (merged ones left out) by cause, largest first; ties in the
/// catalogue's order, the unclassified last.
pub fn pareto(items: &[QualityItem], month: Month) -> Vec<ParetoBar> {
    let m = month.to_string();
    let mine: Vec<&QualityItem> = items
        .iter()
        .filter(|i| i.merged_into.is_none() && i.month == m)
        .collect();
    let order = |c: Option<Responsibility>| {
        c.map_or(usize::MAX, |r| {
            Responsibility::ALL
                .iter()
                .position(|x| *x == r)
                .unwrap_or(usize::MAX - 1)
        })
    };
    let mut counts: BTreeMap<usize, (Option<Responsibility>, i64)> = BTreeMap::new();
    for i in &mine {
        counts
            .entry(order(i.responsibility))
            .or_insert((i.responsibility, 0))
            .1 += 1;
    }
    let mut bars: Vec<(usize, Option<Responsibility>, i64)> =
        counts.into_iter().map(|(o, (c, n))| (o, c, n)).collect();
    bars.sort_by_key(|(o, _, n)| (std::cmp::Reverse(*n), *o));
    let total = mine.len() as i64;
    let mut run = 0;
    bars.into_iter()
        .map(|(_, cause, n)| {
            run += n;
            ParetoBar {
                cause,
                items: n,
                cumulative_permille: if total == 0 {
                    0
                } else {
                    (run * 1000 + total / 2) / total
                },
            }
        })
        .collect()
}

/// What makes two items the same problem for the recurrence count: model, component and
/// responsibility. An item with none of them known is not counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecurrenceKey {
    pub product_model: Option<String>,
    pub component: Option<String>,
    pub responsibility: Option<Responsibility>,
}

impl RecurrenceKey {
    pub fn of(i: &QualityItem) -> Option<RecurrenceKey> {
        let k = RecurrenceKey {
            product_model: i.product_model.clone().filter(|s| !s.trim().is_empty()),
            component: i.component.clone().filter(|s| !s.trim().is_empty()),
            responsibility: i.responsibility,
        };
        (k.product_model.is_some() || k.component.is_some() || k.responsibility.is_some())
            .then_some(k)
    }

    /// The key as a drill-down group: `model~component~responsibility`, `none` for each
    /// part not known.
    pub fn group(&self) -> String {
        format!(
            "{}~{}~{}",
            self.product_model.as_deref().unwrap_or(NONE),
            self.component.as_deref().unwrap_or(NONE),
            cause_group(self.responsibility)
        )
    }
}

/// A problem seen in more than one month of the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recurrence {
    pub key: RecurrenceKey,
    /// The months it was seen in, oldest first (`YYYY-MM`).
    pub months: Vec<String>,
    pub items: i64,
}

/// Whether an item's month (`YYYY-MM`) is in the window ending with `month`.
/// The first month of the window of [`RECURRENCE_MONTHS`] months ending with `month`.
pub fn window_start(month: Month) -> Month {
    (1..RECURRENCE_MONTHS).fold(month, |m, _| m.previous())
}

fn in_window(item_month: &str, month: Month) -> bool {
    item_month >= window_start(month).to_string().as_str()
        && item_month <= month.to_string().as_str()
}

/// The problems of the window of [`RECURRENCE_MONTHS`] months ending with `month` seen in
/// more than one of its months: most months first, then most items.
pub fn recurring(items: &[QualityItem], month: Month) -> Vec<Recurrence> {
    // By the key's group (its written form), so the order of ties is stable.
    let mut by: BTreeMap<String, (RecurrenceKey, BTreeSet<String>, i64)> = BTreeMap::new();
    for i in items
        .iter()
        .filter(|i| i.merged_into.is_none() && in_window(&i.month, month))
    {
        if let Some(k) = RecurrenceKey::of(i) {
            let e = by
                .entry(k.group())
                .or_insert_with(|| (k, BTreeSet::new(), 0));
            e.1.insert(i.month.clone());
            e.2 += 1;
        }
    }
    let mut out: Vec<Recurrence> = by
        .into_values()
        .filter(|(_, months, _)| months.len() > 1)
        .map(|(key, months, items)| Recurrence {
            key,
            months: months.into_iter().collect(),
            items,
        })
        .collect();
    // Most months first, then most items; `by` gave the order of ties (a stable sort).
    out.sort_by(|a, b| {
        b.months
            .len()
            .cmp(&a.months.len())
            .then(b.items.cmp(&a.items))
    });
    out
}

/// Whether an action is open at the report's month: of an item of that month or an earlier
/// one, and not verified yet.
pub fn is_open(a: &QualityAction, month: Month) -> bool {
    !a.verified() && a.month.as_str() <= month.to_string().as_str()
}

/// The open actions' counts: all open, and those past their due date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OpenActions {
    pub open: i64,
    pub overdue: i64,
}

pub fn open_actions(actions: &[QualityAction], month: Month, today: NaiveDate) -> OpenActions {
    let open = Drill::new(Section::OpenActions, ALL, "open");
    let overdue = Drill::new(Section::OpenActions, ALL, "overdue");
    OpenActions {
        open: actions
            .iter()
            .filter(|a| open.matches_action(a, month, today))
            .count() as i64,
        overdue: actions
            .iter()
            .filter(|a| overdue.matches_action(a, month, today))
            .count() as i64,
    }
}

/// How a figure adds up from the records it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sum {
    /// The number of records.
    Count,
    /// The sum of the records' amounts (fen).
    Amount,
    /// The mean of the records' scores, in hundredths.
    MeanCenti,
}

/// One figure of the report with the key of its records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Figure {
    pub figure: String,
    pub value: i64,
    pub sum: Sum,
}

/// The whole month's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthReport {
    pub month: String,
    pub complaints: Vec<DeadlineRow>,
    pub emergencies: Vec<DeadlineRow>,
    pub replies: Vec<(String, ReplyCounts)>,
    pub jobs: Vec<(String, i64)>,
    pub satisfaction: Satisfaction,
    /// Per salesperson, the unassigned last; the total is [`follow_up_total`].
    pub follow_ups: Vec<Coverage>,
    /// `None` for a reader who may not see costs.
    pub warranty_cost: Option<Vec<WarrantyCost>>,
    pub pareto: Vec<ParetoBar>,
    pub recurring: Vec<Recurrence>,
    pub open_actions: OpenActions,
}

impl MonthReport {
    /// Every figure with its drill-down key: what the API lists and the reconciliation
    /// test walks.
    pub fn figures(&self) -> Vec<Figure> {
        let mut out = Vec::new();
        let mut push = |section: Section, group: &str, measure: &str, value: i64, sum: Sum| {
            out.push(Figure {
                figure: Drill::new(section, group, measure).key(),
                value,
                sum,
            });
        };
        for (section, rows) in [
            (Section::Complaints, &self.complaints),
            (Section::Emergencies, &self.emergencies),
        ] {
            for r in rows {
                let t = r.tally;
                push(
                    section,
                    &r.group,
                    ALL,
                    t.on_time + t.late + t.running,
                    Sum::Count,
                );
                push(section, &r.group, "on_time", t.on_time, Sum::Count);
                push(section, &r.group, "late", t.late, Sum::Count);
                push(section, &r.group, "running", t.running, Sum::Count);
            }
        }
        for (g, c) in &self.replies {
            for m in ReplyMeasure::ALL {
                push(Section::Replies, g, m.as_str(), c.get(*m), Sum::Count);
            }
        }
        for (g, n) in &self.jobs {
            push(Section::Jobs, g, ALL, *n, Sum::Count);
        }
        push(
            Section::Satisfaction,
            ALL,
            "answered",
            self.satisfaction.answered,
            Sum::Count,
        );
        for q in &self.satisfaction.questions {
            if let Some(avg) = q.average {
                push(
                    Section::Satisfaction,
                    ALL,
                    q.question.as_str(),
                    (avg * 100.0).round() as i64,
                    Sum::MeanCenti,
                );
            }
        }
        let total = follow_up_total(&self.follow_ups);
        for (g, c) in self
            .follow_ups
            .iter()
            .map(|c| (salesperson_group(c.salesperson_id), c))
            .chain(std::iter::once((ALL.to_string(), &total)))
        {
            push(Section::FollowUps, &g, "owed", c.owed as i64, Sum::Count);
            push(Section::FollowUps, &g, "done", c.done as i64, Sum::Count);
            push(Section::FollowUps, &g, "due", c.due as i64, Sum::Count);
            push(
                Section::FollowUps,
                &g,
                "overdue",
                c.overdue as i64,
                Sum::Count,
            );
        }
        if let Some(rows) = &self.warranty_cost {
            let total = warranty_total(rows);
            for w in rows.iter().chain(std::iter::once(&total)) {
                let g = if w.model_code == ALL {
                    ALL.to_string()
                } else {
                    model_group(Some(&w.model_code))
                };
                push(Section::WarrantyCost, &g, "cost", w.total_fen, Sum::Amount);
            }
        }
        let mut all_items = 0;
        for b in &self.pareto {
            all_items += b.items;
            push(
                Section::QualityCauses,
                &cause_group(b.cause),
                "items",
                b.items,
                Sum::Count,
            );
        }
        push(Section::QualityCauses, ALL, "items", all_items, Sum::Count);
        for r in &self.recurring {
            push(
                Section::RecurringCauses,
                &r.key.group(),
                "items",
                r.items,
                Sum::Count,
            );
        }
        push(
            Section::OpenActions,
            ALL,
            "open",
            self.open_actions.open,
            Sum::Count,
        );
        push(
            Section::OpenActions,
            ALL,
            "overdue",
            self.open_actions.overdue,
            Sum::Count,
        );
        out
    }
}

#[cfg(test)]
mod tests;
