//! The tools register (R1.5): service tools with their identifiers, checked out to a
//! technician and back, the overdue rule, and calibration due dates warned of before they
//! fall due.
//!
//! A tool is `available`, `checked_out` (to one technician or senior engineer at a time,
//! with the date it is expected back), `in_calibration` (sent out), `needs_repair` (it came
//! back damaged) or `retired` (with the reason, for good). Its calibration is due on a
//! calendar date; recording a calibration moves the date on by the tool's interval. Days
//! are the company's (Asia/Shanghai): a tool is overdue the day after it was expected back,
//! and a tool past its calibration date may not be checked out.

use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{CheckoutId, JobId, ToolId, UserId};
use crate::role::{Permission, Role};
use crate::terms::str_enum;
use crate::text::{optional, required};
use crate::time::to_store_precision;
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub const ASSET_CODE_MAX: usize = 40;
pub const NAME_MAX: usize = 100;
pub const CATEGORY_MAX: usize = 50;
pub const SERIAL_MAX: usize = 60;
pub const LOCATION_MAX: usize = 200;
pub const PURPOSE_MAX: usize = 200;
pub const REMARK_MAX: usize = 1000;
pub const REASON_MAX: usize = 1000;
pub const NOTE_MAX: usize = 1000;
/// The longest calibration interval accepted: ten years.
pub const INTERVAL_MAX_MONTHS: u32 = 120;
/// The keepers are warned this many days before a calibration falls due.
pub const CALIBRATION_WARNING_DAYS: i64 = 14;
/// A check-out written in the paper register may be recorded up to this many days late.
pub const BACKDATE_MAX_DAYS: i64 = 31;

str_enum!(
    /// Where a tool stands.
    ToolStatus {
        Available = "available",
        CheckedOut = "checked_out",
        /// Sent out to be calibrated.
        InCalibration = "in_calibration",
        /// Came back damaged: not lent until it is repaired.
        NeedsRepair = "needs_repair",
        Retired = "retired",
    }
);

str_enum!(
    /// The state a tool comes back in.
    Condition {
        Good = "good",
        Damaged = "damaged",
    }
);

/// A tool as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tool {
    pub id: ToolId,
    /// The identifier painted or tagged on the tool (`T-0012`); unique.
    pub asset_code: String,
    pub name: String,
    /// What kind of tool: 万用表, 绝缘电阻测试仪, 力矩扳手.
    pub category: Option<String>,
    pub serial_no: Option<String>,
    /// Where it is kept (cabinet, shelf).
    pub location: Option<String>,
    pub calibration_interval_months: Option<u32>,
    /// The date by which it must be calibrated again; `None`: not calibrated.
    pub calibration_due_on: Option<NaiveDate>,
    pub status: ToolStatus,
    pub retired_reason: Option<String>,
    pub retired_at: Option<DateTime<Utc>>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A tool's register fields as typed (a form's or the API's text), not yet checked.
#[derive(Debug, Clone, Default)]
pub struct ToolInput {
    pub asset_code: String,
    pub name: String,
    pub category: Option<String>,
    pub serial_no: Option<String>,
    pub location: Option<String>,
    pub calibration_interval_months: Option<String>,
    pub calibration_due_on: Option<String>,
    /// On an edit only: `available`, `in_calibration` or `needs_repair`; empty keeps it.
    pub status: Option<String>,
}

/// A tool's register fields, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolFields {
    pub asset_code: String,
    pub name: String,
    pub category: Option<String>,
    pub serial_no: Option<String>,
    pub location: Option<String>,
    pub calibration_interval_months: Option<u32>,
    pub calibration_due_on: Option<NaiveDate>,
}

/// A new tool, checked, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTool {
    pub fields: ToolFields,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

/// `YYYY-MM-DD`, or the problem.
pub fn parse_date(s: &str) -> Result<NaiveDate, Problem> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2999).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| Problem::invalid("a date is written YYYY-MM-DD"))
}

fn optional_date(s: Option<&str>) -> Result<Option<NaiveDate>, Problem> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => parse_date(t).map(Some),
    }
}

fn interval(s: Option<&str>) -> Result<Option<u32>, Problem> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => t
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=INTERVAL_MAX_MONTHS).contains(n))
            .map(Some)
            .ok_or_else(|| {
                Problem::invalid(format!("whole months from 1 to {INTERVAL_MAX_MONTHS}"))
            }),
    }
}

impl ToolFields {
    /// Check the register fields, naming every problem by its field.
    pub fn parse(input: &ToolInput) -> Result<ToolFields, Error> {
        let mut errs = FieldErrors::new();
        let asset_code = errs.take("asset_code", required(&input.asset_code, ASSET_CODE_MAX));
        if asset_code
            .as_deref()
            .is_some_and(|c| c.chars().any(char::is_whitespace))
        {
            errs.add(
                "asset_code",
                Problem::invalid("an identifier has no spaces"),
            );
        }
        let name = errs.take("name", required(&input.name, NAME_MAX));
        let category = errs
            .take(
                "category",
                optional(input.category.as_deref(), CATEGORY_MAX),
            )
            .flatten();
        let serial_no = errs
            .take(
                "serial_no",
                optional(input.serial_no.as_deref(), SERIAL_MAX),
            )
            .flatten();
        let location = errs
            .take(
                "location",
                optional(input.location.as_deref(), LOCATION_MAX),
            )
            .flatten();
        let months = errs
            .take(
                "calibration_interval_months",
                interval(input.calibration_interval_months.as_deref()),
            )
            .flatten();
        let due = errs
            .take(
                "calibration_due_on",
                optional_date(input.calibration_due_on.as_deref()),
            )
            .flatten();
        errs.into_result()?;
        let (Some(asset_code), Some(name)) = (asset_code, name) else {
            return Err(Error::Internal("tool fields checked but missing".into()));
        };
        Ok(ToolFields {
            asset_code,
            name,
            category,
            serial_no,
            location,
            calibration_interval_months: months,
            calibration_due_on: due,
        })
    }
}

/// Who keeps the register: registers, lends, takes back, calibrates and retires tools.
pub fn may_keep_tools(role: Role) -> bool {
    role.may(Permission::ManageTools)
}

/// Who may hold a tool: whoever goes on site (technicians, senior engineers).
pub fn may_hold_tools(role: Role) -> bool {
    role.may(Permission::DoFieldWork)
}

/// Who looks at tools at all: the keepers every one, a holder the ones they hold.
pub fn may_view_tools(role: Role) -> bool {
    may_keep_tools(role) || may_hold_tools(role)
}

/// Whether `actor` sees a tool now held by `holder`: the keepers every tool, anyone else
/// only the tools they hold.
pub fn may_see_tool(role: Role, actor: UserId, holder: Option<UserId>) -> bool {
    may_keep_tools(role) || (may_hold_tools(role) && holder == Some(actor))
}

impl NewTool {
    pub fn parse(
        input: &ToolInput,
        by: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<NewTool, Error> {
        if !may_keep_tools(role) {
            return Err(Error::Forbidden);
        }
        Ok(NewTool {
            fields: ToolFields::parse(input)?,
            created_by: by,
            created_at: to_store_precision(now),
        })
    }

    /// The tool as it is once written.
    pub fn into_tool(self, id: ToolId) -> Tool {
        let f = self.fields;
        Tool {
            id,
            asset_code: f.asset_code,
            name: f.name,
            category: f.category,
            serial_no: f.serial_no,
            location: f.location,
            calibration_interval_months: f.calibration_interval_months,
            calibration_due_on: f.calibration_due_on,
            status: ToolStatus::Available,
            retired_reason: None,
            retired_at: None,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.created_at,
            version: 1,
        }
    }
}

/// Where a tool's calibration stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CalibrationState {
    /// No calibration date is kept for it.
    NotTracked,
    Current,
    /// Due within the warning window: `days_left` 0 is today, the last day it may be used.
    DueSoon {
        days_left: i64,
    },
    /// Past its date by `days`: it may not be lent.
    Overdue {
        days: i64,
    },
}

impl CalibrationState {
    pub fn name(self) -> &'static str {
        match self {
            CalibrationState::NotTracked => "not_tracked",
            CalibrationState::Current => "current",
            CalibrationState::DueSoon { .. } => "due_soon",
            CalibrationState::Overdue { .. } => "overdue",
        }
    }

    /// Due soon or overdue: the keepers must act.
    pub fn is_due(self) -> bool {
        matches!(
            self,
            CalibrationState::DueSoon { .. } | CalibrationState::Overdue { .. }
        )
    }
}

/// The calibration rule: overdue the day after its date; due soon within
/// [`CALIBRATION_WARNING_DAYS`] of it (the date itself included).
pub fn calibration_state(due: Option<NaiveDate>, today: NaiveDate) -> CalibrationState {
    let Some(due) = due else {
        return CalibrationState::NotTracked;
    };
    let left = (due - today).num_days();
    if left < 0 {
        CalibrationState::Overdue { days: -left }
    } else if left <= CALIBRATION_WARNING_DAYS {
        CalibrationState::DueSoon { days_left: left }
    } else {
        CalibrationState::Current
    }
}

/// The last day a calibration falls in the warning window: tools due on or before it are
/// "calibration due" on `today`.
pub fn calibration_window_end(today: NaiveDate) -> NaiveDate {
    today + chrono::Duration::days(CALIBRATION_WARNING_DAYS)
}

/// The overdue rule: a tool is overdue once the day it was expected back has passed, on
/// the company's calendar.
pub fn is_overdue(expected_return_on: NaiveDate, today: NaiveDate) -> bool {
    today > expected_return_on
}

/// A check-out: a tool lent to one person, and (later) its return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checkout {
    pub id: CheckoutId,
    pub tool_id: ToolId,
    pub holder_id: UserId,
    /// The job it was taken for, if any.
    pub job_id: Option<JobId>,
    pub purpose: Option<String>,
    /// The day it left the store.
    pub out_on: NaiveDate,
    pub expected_return_on: NaiveDate,
    pub out_by: UserId,
    pub out_at: DateTime<Utc>,
    pub returned_at: Option<DateTime<Utc>>,
    pub returned_by: Option<UserId>,
    pub condition: Option<Condition>,
    pub remark: Option<String>,
}

impl Checkout {
    pub fn is_open(&self) -> bool {
        self.returned_at.is_none()
    }

    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.is_open() && is_overdue(self.expected_return_on, today)
    }

    pub fn audit_view(&self) -> Value {
        json!({
            "tool_id": self.tool_id.0,
            "holder_id": self.holder_id.0,
            "job_id": self.job_id.map(|j| j.0),
            "purpose": self.purpose,
            "out_on": self.out_on.to_string(),
            "expected_return_on": self.expected_return_on.to_string(),
            "returned_at": self.returned_at.map(|t| t.timestamp_millis()),
            "returned_by": self.returned_by.map(|u| u.0),
            "condition": self.condition.map(Condition::as_str),
            "remark": self.remark,
        })
    }
}

/// A check-out as typed.
#[derive(Debug, Clone, Default)]
pub struct CheckoutInput {
    /// Whom it is lent to; a holder taking a tool themself may leave it out.
    pub holder_id: Option<UserId>,
    pub job_id: Option<JobId>,
    pub purpose: Option<String>,
    /// The day it left; empty: today. Earlier days record a paper register late.
    pub out_on: Option<String>,
    pub expected_return_on: Option<String>,
}

/// The person a check-out names, as the archive knows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    pub id: UserId,
    pub role: Role,
    pub active: bool,
}

/// A check-out checked, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCheckout {
    pub tool_id: ToolId,
    pub holder_id: UserId,
    pub job_id: Option<JobId>,
    pub purpose: Option<String>,
    pub out_on: NaiveDate,
    pub expected_return_on: NaiveDate,
    pub out_by: UserId,
    pub out_at: DateTime<Utc>,
}

impl NewCheckout {
    pub fn into_checkout(self, id: CheckoutId) -> Checkout {
        Checkout {
            id,
            tool_id: self.tool_id,
            holder_id: self.holder_id,
            job_id: self.job_id,
            purpose: self.purpose,
            out_on: self.out_on,
            expected_return_on: self.expected_return_on,
            out_by: self.out_by,
            out_at: self.out_at,
            returned_at: None,
            returned_by: None,
            condition: None,
            remark: None,
        }
    }
}

/// A calibration recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Calibration {
    pub tool_id: ToolId,
    pub calibrated_on: NaiveDate,
    pub next_due_on: NaiveDate,
    pub note: Option<String>,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
}

/// A calibration as typed.
#[derive(Debug, Clone, Default)]
pub struct CalibrationInput {
    pub calibrated_on: Option<String>,
    /// Empty: the calibration date plus the tool's interval.
    pub next_due_on: Option<String>,
    /// The certificate's number, the laboratory.
    pub note: Option<String>,
}

fn conflict(t: &Tool, why: &str) -> Error {
    Error::Conflict(format!(
        "tool {} is {}: {why}",
        t.asset_code,
        t.status.as_str()
    ))
}

impl Tool {
    /// Where its calibration stands on `today`.
    pub fn calibration(&self, today: NaiveDate) -> CalibrationState {
        calibration_state(self.calibration_due_on, today)
    }

    fn bumped(&self, now: DateTime<Utc>) -> Tool {
        let mut t = self.clone();
        t.updated_at = to_store_precision(now);
        t.version += 1;
        t
    }

    /// Edit the register fields (and a keeper's status: sent to calibration, needing
    /// repair, available again). A retired tool is not edited; a checked-out one keeps its
    /// status until it is checked in.
    pub fn edit(&self, input: &ToolInput, role: Role, now: DateTime<Utc>) -> Result<Tool, Error> {
        if !may_keep_tools(role) {
            return Err(Error::Forbidden);
        }
        let parsed = ToolFields::parse(input);
        let status = match input.status.as_deref().map(str::trim) {
            None | Some("") => Ok(self.status),
            Some(s) => match ToolStatus::parse(s) {
                Some(v) if v == self.status => Ok(v),
                Some(_) if self.status == ToolStatus::CheckedOut => Err(Problem::new(
                    "not_allowed",
                    "the tool is checked out: check it in first",
                )),
                Some(
                    v @ (ToolStatus::Available
                    | ToolStatus::InCalibration
                    | ToolStatus::NeedsRepair),
                ) => Ok(v),
                _ => Err(Problem::invalid(
                    "available, in_calibration or needs_repair (check-out, check-in and retirement have their own steps)",
                )),
            },
        };
        let (f, status) = match (parsed, status) {
            (Ok(f), Ok(s)) => (f, s),
            (Err(Error::Validation(mut errs)), Err(p)) => {
                errs.add("status", p);
                return Err(Error::Validation(errs));
            }
            (Err(e), _) => return Err(e),
            (Ok(_), Err(p)) => return Err(Error::field("status", p)),
        };
        if self.status == ToolStatus::Retired {
            return Err(conflict(self, "a retired tool is not edited"));
        }
        let mut t = self.bumped(now);
        t.asset_code = f.asset_code;
        t.name = f.name;
        t.category = f.category;
        t.serial_no = f.serial_no;
        t.location = f.location;
        t.calibration_interval_months = f.calibration_interval_months;
        t.calibration_due_on = f.calibration_due_on;
        t.status = status;
        Ok(t)
    }

    /// Lend the tool (the check-out rule): a keeper lends it to a technician or senior
    /// engineer; one of them may take it only for themself. It must be available and not
    /// past its calibration date; it comes back on or after the day it left, which is
    /// today or, written late from the paper register, at most a month ago.
    #[allow(clippy::too_many_arguments)]
    pub fn check_out(
        &self,
        input: &CheckoutInput,
        holder: Option<&Holder>,
        job_exists: bool,
        actor: UserId,
        role: Role,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(Tool, NewCheckout), Error> {
        let keeper = may_keep_tools(role);
        if !keeper && !may_hold_tools(role) {
            return Err(Error::Forbidden);
        }
        let holder_id = input.holder_id.or_else(|| (!keeper).then_some(actor));
        if !keeper && holder_id != Some(actor) {
            // A technician lends nothing to someone else.
            return Err(Error::Forbidden);
        }
        let mut errs = FieldErrors::new();
        match (holder_id, holder) {
            (None, _) => errs.add("holder_id", Problem::required()),
            (Some(_), None) => errs.add("holder_id", Problem::new("not_found", "no such person")),
            (Some(_), Some(h)) if !h.active || !may_hold_tools(h.role) => errs.add(
                "holder_id",
                Problem::invalid("tools are lent to technicians and senior engineers"),
            ),
            _ => {}
        }
        if input.job_id.is_some() && !job_exists {
            errs.add("job_id", Problem::new("not_found", "no such job"));
        }
        let purpose = errs
            .take("purpose", optional(input.purpose.as_deref(), PURPOSE_MAX))
            .flatten();
        let out_on = match errs.take("out_on", optional_date(input.out_on.as_deref())) {
            Some(None) => Some(today),
            Some(Some(d)) if d > today => {
                errs.add("out_on", Problem::new("in_future", "not after today"));
                None
            }
            Some(Some(d)) if (today - d).num_days() > BACKDATE_MAX_DAYS => {
                errs.add(
                    "out_on",
                    Problem::invalid(format!(
                        "at most {BACKDATE_MAX_DAYS} days ago: check out what is lent as it is lent"
                    )),
                );
                None
            }
            Some(d) => d,
            None => None,
        };
        let expected = match input.expected_return_on.as_deref().map(str::trim) {
            None | Some("") => {
                errs.add("expected_return_on", Problem::required());
                None
            }
            Some(s) => errs.take("expected_return_on", parse_date(s)),
        };
        if let (Some(o), Some(e)) = (out_on, expected)
            && e < o
        {
            errs.add(
                "expected_return_on",
                Problem::invalid("it cannot come back before it leaves"),
            );
        }
        errs.into_result()?;
        match self.status {
            ToolStatus::Available => {}
            ToolStatus::CheckedOut => return Err(conflict(self, "it is already checked out")),
            _ => return Err(conflict(self, "only an available tool is lent")),
        }
        if let CalibrationState::Overdue { .. } = self.calibration(today) {
            return Err(Error::field(
                "calibration_due_on",
                Problem::new(
                    "not_allowed",
                    "the tool is past its calibration date: calibrate it before lending it",
                ),
            ));
        }
        let (Some(holder_id), Some(out_on), Some(expected)) = (holder_id, out_on, expected) else {
            return Err(Error::Internal("check-out checked but missing".into()));
        };
        let mut t = self.bumped(now);
        t.status = ToolStatus::CheckedOut;
        Ok((
            t,
            NewCheckout {
                tool_id: self.id,
                holder_id,
                job_id: input.job_id,
                purpose,
                out_on,
                expected_return_on: expected,
                out_by: actor,
                out_at: to_store_precision(now),
            },
        ))
    }

    /// Take the tool back (a keeper): in good condition it is available again; damaged, it
    /// needs repair, and the remark says what is wrong.
    pub fn check_in(
        &self,
        open: &Checkout,
        condition: Option<&str>,
        remark: Option<&str>,
        actor: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<(Tool, Checkout), Error> {
        if !may_keep_tools(role) {
            return Err(Error::Forbidden);
        }
        let mut errs = FieldErrors::new();
        let condition = match condition.map(str::trim) {
            None | Some("") => {
                errs.add("condition", Problem::required());
                None
            }
            Some(s) => {
                let c = Condition::parse(s);
                if c.is_none() {
                    errs.add("condition", Problem::invalid("good or damaged"));
                }
                c
            }
        };
        let remark = errs.take("remark", optional(remark, REMARK_MAX)).flatten();
        if condition == Some(Condition::Damaged) && remark.is_none() && errs.get("remark").is_none()
        {
            errs.add("remark", Problem::new("required", "say what is damaged"));
        }
        errs.into_result()?;
        if self.status != ToolStatus::CheckedOut || !open.is_open() || open.tool_id != self.id {
            return Err(conflict(self, "it is not checked out"));
        }
        let Some(condition) = condition else {
            return Err(Error::Internal("condition checked but missing".into()));
        };
        let now = to_store_precision(now);
        let mut t = self.bumped(now);
        t.status = match condition {
            Condition::Good => ToolStatus::Available,
            Condition::Damaged => ToolStatus::NeedsRepair,
        };
        let mut c = open.clone();
        c.returned_at = Some(now);
        c.returned_by = Some(actor);
        c.condition = Some(condition);
        c.remark = remark;
        Ok((t, c))
    }

    /// Record a calibration (a keeper): the next due date is the one typed, or the
    /// calibration date plus the tool's interval. A tool sent to calibration is available
    /// again. Not while it is lent, nor once retired.
    pub fn calibrated(
        &self,
        input: &CalibrationInput,
        actor: UserId,
        role: Role,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(Tool, Calibration), Error> {
        if !may_keep_tools(role) {
            return Err(Error::Forbidden);
        }
        let mut errs = FieldErrors::new();
        let on = match input.calibrated_on.as_deref().map(str::trim) {
            None | Some("") => {
                errs.add("calibrated_on", Problem::required());
                None
            }
            Some(s) => match errs.take("calibrated_on", parse_date(s)) {
                Some(d) if d > today => {
                    errs.add(
                        "calibrated_on",
                        Problem::new("in_future", "not after today"),
                    );
                    None
                }
                d => d,
            },
        };
        let typed = errs
            .take("next_due_on", optional_date(input.next_due_on.as_deref()))
            .flatten();
        let note = errs
            .take("note", optional(input.note.as_deref(), NOTE_MAX))
            .flatten();
        let next = match (typed, on, self.calibration_interval_months) {
            (Some(d), _, _) => Some(d),
            (None, Some(on), Some(m)) => on.checked_add_months(Months::new(m)),
            (None, Some(_), None) => {
                errs.add(
                    "next_due_on",
                    Problem::new(
                        "required",
                        "the tool has no calibration interval: give the next due date",
                    ),
                );
                None
            }
            (None, None, _) => None,
        };
        if let (Some(on), Some(next)) = (on, next)
            && next <= on
        {
            errs.add(
                "next_due_on",
                Problem::invalid("after the calibration date"),
            );
        }
        errs.into_result()?;
        match self.status {
            ToolStatus::CheckedOut => return Err(conflict(self, "check it in first")),
            ToolStatus::Retired => return Err(conflict(self, "a retired tool is not calibrated")),
            _ => {}
        }
        let (Some(on), Some(next)) = (on, next) else {
            return Err(Error::Internal("calibration checked but missing".into()));
        };
        let now = to_store_precision(now);
        let mut t = self.bumped(now);
        t.calibration_due_on = Some(next);
        if t.status == ToolStatus::InCalibration {
            t.status = ToolStatus::Available;
        }
        Ok((
            t,
            Calibration {
                tool_id: self.id,
                calibrated_on: on,
                next_due_on: next,
                note,
                recorded_by: actor,
                recorded_at: now,
            },
        ))
    }

    /// Retire the tool for good, with the reason (a keeper); not while it is lent.
    pub fn retire(&self, reason: &str, role: Role, now: DateTime<Utc>) -> Result<Tool, Error> {
        if !may_keep_tools(role) {
            return Err(Error::Forbidden);
        }
        let reason = required(reason, REASON_MAX).map_err(|p| Error::field("reason", p))?;
        match self.status {
            ToolStatus::CheckedOut => return Err(conflict(self, "check it in first")),
            ToolStatus::Retired => return Err(conflict(self, "it is retired already")),
            _ => {}
        }
        let now = to_store_precision(now);
        let mut t = self.bumped(now);
        t.status = ToolStatus::Retired;
        t.retired_reason = Some(reason);
        t.retired_at = Some(now);
        Ok(t)
    }

    /// What the audit trail records of it.
    pub fn audit_view(&self) -> Value {
        json!({
            "asset_code": self.asset_code,
            "name": self.name,
            "category": self.category,
            "serial_no": self.serial_no,
            "location": self.location,
            "calibration_interval_months": self.calibration_interval_months,
            "calibration_due_on": self.calibration_due_on.map(|d| d.to_string()),
            "status": self.status.as_str(),
            "retired_reason": self.retired_reason,
        })
    }
}

/// Which tools a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct ToolFilter {
    /// Only the tools this person holds now.
    pub holder: Option<UserId>,
    /// Only the tools checked out and not back by the day expected.
    pub overdue: bool,
    /// Only the tools whose calibration is due within the warning window or past.
    pub calibration_due: bool,
    /// Only the tools checked out now.
    pub checked_out: bool,
    /// Retired tools too (left out otherwise).
    pub retired: bool,
}

/// A tool as lists and pages show it: with its open check-out, if lent, and the names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolView {
    pub tool: Tool,
    pub open: Option<Checkout>,
    pub holder_name: Option<String>,
}

/// A check-out in a tool's history, with the names of who was involved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutView {
    pub checkout: Checkout,
    pub holder_name: String,
    pub out_by_name: String,
    pub returned_by_name: Option<String>,
}

/// A calibration in a tool's history, with who recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalibrationView {
    pub calibration: Calibration,
    pub recorded_by_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        // 2026-11-27 16:00 in Shanghai.
        Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0).unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    fn today() -> NaiveDate {
        d("2026-11-27")
    }

    fn input() -> ToolInput {
        ToolInput {
            asset_code: "T-0012".into(),
            name: "绝缘电阻测试仪".into(),
            category: Some("测量仪表".into()),
            serial_no: Some("FL1507-3321".into()),
            location: Some("工具柜 A-3".into()),
            calibration_interval_months: Some("12".into()),
            calibration_due_on: Some("2027-03-01".into()),
            status: None,
        }
    }

    fn tool() -> Tool {
        NewTool::parse(&input(), UserId(1), Role::ServiceClerk, now())
            .unwrap()
            .into_tool(ToolId(7))
    }

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::Validation(f) => f.0.into_keys().collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn tech() -> Holder {
        Holder {
            id: UserId(5),
            role: Role::Technician,
            active: true,
        }
    }

    fn lend(t: &Tool, expected: &str) -> Result<(Tool, NewCheckout), Error> {
        t.check_out(
            &CheckoutInput {
                holder_id: Some(UserId(5)),
                expected_return_on: Some(expected.into()),
                purpose: Some("萧山变电所年检".into()),
                ..CheckoutInput::default()
            },
            Some(&tech()),
            false,
            UserId(2),
            Role::ServiceClerk,
            today(),
            now(),
        )
    }

    #[test]
    fn r1_5_a_tool_is_registered_available_with_its_fields_checked() {
        let t = tool();
        assert_eq!(t.status, ToolStatus::Available);
        assert_eq!(t.calibration_interval_months, Some(12));
        assert_eq!(t.calibration_due_on, Some(d("2027-03-01")));
        let bad = ToolInput {
            asset_code: "T 1".into(),
            name: " ".into(),
            calibration_interval_months: Some("0".into()),
            calibration_due_on: Some("2027-02-30".into()),
            ..ToolInput::default()
        };
        assert_eq!(
            fields(NewTool::parse(&bad, UserId(1), Role::ServiceClerk, now()).unwrap_err()),
            [
                "asset_code",
                "calibration_due_on",
                "calibration_interval_months",
                "name"
            ]
        );
        for role in [Role::Technician, Role::SeniorEngineer, Role::Salesperson] {
            assert_eq!(
                NewTool::parse(&input(), UserId(1), role, now()),
                Err(Error::Forbidden),
                "{role:?}"
            );
        }
    }

    #[test]
    fn r1_5_overdue_is_the_day_after_the_expected_return_in_shanghai() {
        let table = [
            // (expected back, today, overdue)
            ("2026-11-27", "2026-11-27", false),
            ("2026-11-26", "2026-11-27", true),
            ("2026-11-28", "2026-11-27", false),
            ("2026-12-31", "2027-01-01", true),
        ];
        for (expected, on, want) in table {
            assert_eq!(is_overdue(d(expected), d(on)), want, "{expected} on {on}");
        }
        // 2026-11-27 23:30 UTC is already the 28th in Shanghai.
        let late = Utc.with_ymd_and_hms(2026, 11, 27, 23, 30, 0).unwrap();
        assert!(is_overdue(d("2026-11-27"), crate::time::local_date(late)));
    }

    #[test]
    fn r1_5_calibration_is_due_within_fourteen_days_and_overdue_after_its_date() {
        let table = [
            // (due, today, state)
            (None, "2026-11-27", CalibrationState::NotTracked),
            (Some("2026-12-12"), "2026-11-27", CalibrationState::Current),
            (
                Some("2026-12-11"),
                "2026-11-27",
                CalibrationState::DueSoon { days_left: 14 },
            ),
            (
                Some("2026-11-27"),
                "2026-11-27",
                CalibrationState::DueSoon { days_left: 0 },
            ),
            (
                Some("2026-11-26"),
                "2026-11-27",
                CalibrationState::Overdue { days: 1 },
            ),
        ];
        for (due, on, want) in table {
            assert_eq!(
                calibration_state(due.map(d), d(on)),
                want,
                "{due:?} on {on}"
            );
        }
        assert_eq!(calibration_window_end(d("2026-11-27")), d("2026-12-11"));
    }

    #[test]
    fn r1_5_a_tool_past_its_calibration_date_may_not_be_checked_out() {
        let mut t = tool();
        t.calibration_due_on = Some(d("2026-11-26"));
        let e = lend(&t, "2026-11-30").unwrap_err();
        assert_eq!(fields(e), ["calibration_due_on"]);
        // On its due date it may still go out.
        t.calibration_due_on = Some(d("2026-11-27"));
        assert!(lend(&t, "2026-11-30").is_ok());
    }

    #[test]
    fn r1_5_check_out_lends_an_available_tool_to_someone_who_goes_on_site() {
        let (t, c) = lend(&tool(), "2026-11-30").unwrap();
        assert_eq!(t.status, ToolStatus::CheckedOut);
        assert_eq!(t.version, 2);
        assert_eq!(
            (c.holder_id, c.out_on, c.expected_return_on),
            (UserId(5), today(), d("2026-11-30"))
        );
        // Lent already; in calibration; retired: refused as conflicts.
        for status in [
            ToolStatus::CheckedOut,
            ToolStatus::InCalibration,
            ToolStatus::NeedsRepair,
            ToolStatus::Retired,
        ] {
            let mut x = tool();
            x.status = status;
            assert!(
                matches!(lend(&x, "2026-11-30"), Err(Error::Conflict(_))),
                "{status:?}"
            );
        }
        // Not to a salesperson, nor to someone who has left.
        for h in [
            Holder {
                role: Role::Salesperson,
                ..tech()
            },
            Holder {
                active: false,
                ..tech()
            },
        ] {
            let e = tool()
                .check_out(
                    &CheckoutInput {
                        holder_id: Some(h.id),
                        expected_return_on: Some("2026-11-30".into()),
                        ..CheckoutInput::default()
                    },
                    Some(&h),
                    false,
                    UserId(2),
                    Role::ServiceClerk,
                    today(),
                    now(),
                )
                .unwrap_err();
            assert_eq!(fields(e), ["holder_id"]);
        }
    }

    #[test]
    fn r1_5_check_out_names_every_bad_field() {
        let table = [
            // (out on, expected back, fields named)
            ("", "", vec!["expected_return_on"]),
            ("", "2026-11-26", vec!["expected_return_on"]),
            ("2026-11-28", "2026-11-30", vec!["out_on"]),
            ("2026-10-01", "2026-11-30", vec!["out_on"]),
            ("2026-11-20", "2026-11-25", vec![]),
            ("", "30/11/2026", vec!["expected_return_on"]),
        ];
        for (out_on, expected, want) in table {
            let r = tool().check_out(
                &CheckoutInput {
                    holder_id: Some(UserId(5)),
                    out_on: Some(out_on.into()),
                    expected_return_on: Some(expected.into()),
                    ..CheckoutInput::default()
                },
                Some(&tech()),
                true,
                UserId(2),
                Role::ServiceClerk,
                today(),
                now(),
            );
            let got = match r {
                Ok(_) => vec![],
                Err(e) => fields(e),
            };
            assert_eq!(got, want, "{out_on} → {expected}");
        }
        let e = tool()
            .check_out(
                &CheckoutInput {
                    holder_id: None,
                    job_id: Some(JobId(9)),
                    expected_return_on: Some("2026-11-30".into()),
                    ..CheckoutInput::default()
                },
                None,
                false,
                UserId(2),
                Role::ServiceClerk,
                today(),
                now(),
            )
            .unwrap_err();
        assert_eq!(fields(e), ["holder_id", "job_id"]);
    }

    #[test]
    fn r1_5_a_technician_takes_a_tool_only_for_themself() {
        let me = tech();
        let mine = CheckoutInput {
            expected_return_on: Some("2026-11-30".into()),
            ..CheckoutInput::default()
        };
        let (_, c) = tool()
            .check_out(
                &mine,
                Some(&me),
                false,
                me.id,
                Role::Technician,
                today(),
                now(),
            )
            .unwrap();
        assert_eq!(c.holder_id, me.id);
        let other = CheckoutInput {
            holder_id: Some(UserId(6)),
            ..mine.clone()
        };
        assert_eq!(
            tool().check_out(
                &other,
                Some(&me),
                false,
                me.id,
                Role::Technician,
                today(),
                now()
            ),
            Err(Error::Forbidden)
        );
        assert_eq!(
            tool().check_out(
                &mine,
                Some(&me),
                false,
                UserId(8),
                Role::Salesperson,
                today(),
                now()
            ),
            Err(Error::Forbidden)
        );
    }

    #[test]
    fn r1_5_check_in_damaged_needs_repair_and_says_what() {
        let (out, n) = lend(&tool(), "2026-11-30").unwrap();
        let open = n.into_checkout(CheckoutId(3));
        let (t, c) = out
            .check_in(
                &open,
                Some("good"),
                None,
                UserId(2),
                Role::ServiceClerk,
                now(),
            )
            .unwrap();
        assert_eq!(t.status, ToolStatus::Available);
        assert!(!c.is_open());
        let e = out
            .check_in(
                &open,
                Some("damaged"),
                Some(" "),
                UserId(2),
                Role::ServiceClerk,
                now(),
            )
            .unwrap_err();
        assert_eq!(fields(e), ["remark"]);
        let (t, c) = out
            .check_in(
                &open,
                Some("damaged"),
                Some("表笔断裂"),
                UserId(2),
                Role::ServiceClerk,
                now(),
            )
            .unwrap();
        assert_eq!(t.status, ToolStatus::NeedsRepair);
        assert_eq!(c.condition, Some(Condition::Damaged));
        assert_eq!(
            out.check_in(
                &open,
                Some("good"),
                None,
                UserId(5),
                Role::Technician,
                now()
            ),
            Err(Error::Forbidden)
        );
        // Back already: nothing to check in.
        assert!(matches!(
            t.check_in(&c, Some("good"), None, UserId(2), Role::ServiceClerk, now()),
            Err(Error::Conflict(_))
        ));
    }

    #[test]
    fn r1_5_calibration_moves_the_due_date_on_by_the_interval() {
        let mut t = tool();
        t.status = ToolStatus::InCalibration;
        let (after, cal) = t
            .calibrated(
                &CalibrationInput {
                    calibrated_on: Some("2026-11-20".into()),
                    next_due_on: None,
                    note: Some("证书 JJ-2026-118".into()),
                },
                UserId(2),
                Role::ServiceClerk,
                today(),
                now(),
            )
            .unwrap();
        assert_eq!(after.calibration_due_on, Some(d("2027-11-20")));
        assert_eq!(cal.next_due_on, d("2027-11-20"));
        assert_eq!(after.status, ToolStatus::Available);
        let table = [
            // (interval, calibrated on, next due typed, fields named)
            (Some(6), "2026-08-31", "", vec![]),
            (None, "2026-11-20", "", vec!["next_due_on"]),
            (None, "2026-11-20", "2026-11-20", vec!["next_due_on"]),
            (Some(12), "2026-11-28", "", vec!["calibrated_on"]),
            (Some(12), "", "", vec!["calibrated_on"]),
        ];
        for (months, on, next, want) in table {
            let mut x = tool();
            x.calibration_interval_months = months;
            let r = x.calibrated(
                &CalibrationInput {
                    calibrated_on: Some(on.into()),
                    next_due_on: Some(next.into()),
                    note: None,
                },
                UserId(2),
                Role::ServiceClerk,
                today(),
                now(),
            );
            match r {
                Ok((t, _)) => {
                    assert!(want.is_empty(), "{months:?} {on} {next}");
                    // Six months after the last day of August is the last day of February.
                    assert_eq!(t.calibration_due_on, Some(d("2027-02-28")));
                }
                Err(e) => assert_eq!(fields(e), want, "{months:?} {on} {next}"),
            }
        }
        let (lent, _) = lend(&tool(), "2026-11-30").unwrap();
        assert!(matches!(
            lent.calibrated(
                &CalibrationInput {
                    calibrated_on: Some("2026-11-20".into()),
                    ..CalibrationInput::default()
                },
                UserId(2),
                Role::ServiceClerk,
                today(),
                now()
            ),
            Err(Error::Conflict(_))
        ));
    }

    #[test]
    fn r1_5_retirement_needs_a_reason_and_the_tool_back() {
        let t = tool();
        assert_eq!(
            fields(t.retire(" ", Role::ServiceClerk, now()).unwrap_err()),
            ["reason"]
        );
        let r = t
            .retire("量程漂移，无法校准", Role::ServiceManager, now())
            .unwrap();
        assert_eq!(r.status, ToolStatus::Retired);
        assert!(matches!(
            r.retire("again", Role::ServiceManager, now()),
            Err(Error::Conflict(_))
        ));
        assert!(matches!(
            r.edit(&input(), Role::ServiceManager, now()),
            Err(Error::Conflict(_))
        ));
        let (lent, _) = lend(&t, "2026-11-30").unwrap();
        assert!(matches!(
            lent.retire("lost", Role::ServiceManager, now()),
            Err(Error::Conflict(_))
        ));
        assert_eq!(
            t.retire("lost", Role::Technician, now()),
            Err(Error::Forbidden)
        );
    }

    #[test]
    fn r1_5_an_edit_sets_a_keepers_status_but_not_a_lent_tools() {
        let t = tool();
        let sent = t
            .edit(
                &ToolInput {
                    status: Some("in_calibration".into()),
                    ..input()
                },
                Role::ServiceClerk,
                now(),
            )
            .unwrap();
        assert_eq!(sent.status, ToolStatus::InCalibration);
        let e = t
            .edit(
                &ToolInput {
                    status: Some("checked_out".into()),
                    ..input()
                },
                Role::ServiceClerk,
                now(),
            )
            .unwrap_err();
        assert_eq!(fields(e), ["status"]);
        let (lent, _) = lend(&t, "2026-11-30").unwrap();
        let e = lent
            .edit(
                &ToolInput {
                    status: Some("available".into()),
                    ..input()
                },
                Role::ServiceClerk,
                now(),
            )
            .unwrap_err();
        assert_eq!(fields(e), ["status"]);
        // Its other fields may still be corrected.
        let renamed = lent
            .edit(
                &ToolInput {
                    name: "数字绝缘电阻测试仪".into(),
                    ..input()
                },
                Role::ServiceClerk,
                now(),
            )
            .unwrap();
        assert_eq!(renamed.status, ToolStatus::CheckedOut);
    }

    #[test]
    fn r1_5_a_holder_sees_only_the_tools_they_hold() {
        let me = UserId(5);
        assert!(may_see_tool(Role::Technician, me, Some(me)));
        assert!(!may_see_tool(Role::Technician, me, Some(UserId(6))));
        assert!(!may_see_tool(Role::Technician, me, None));
        assert!(may_see_tool(Role::ServiceClerk, me, None));
        assert!(!may_view_tools(Role::Salesperson));
        assert!(may_view_tools(Role::SeniorEngineer));
    }
}
