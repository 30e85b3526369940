//! Quality items and the monthly quality review (R7.1, R7.2, R3.11, R5.1).
//!
//! Every quality-related record becomes a quality item without retyping: a complaint
//! flagged for the quality review, an accepted on-site feedback form whose responsibility
//! is the company's (product design, manufacturing, a purchased component), a faulty part
//! returned to inspection, a follow-up remark about quality, an approved return. An item
//! is made once per source (the store enforces it with a unique key); it belongs to the
//! company calendar month of its source.
//!
//! The rules (decided here, tested below):
//! - Each item is classified by the quality engineer (model, component, fault category,
//!   cause, responsibility of R7.1) and needs an investigation (a root cause and how it was
//!   found: 5-why or a fishbone category) and at least one action (corrective or
//!   preventive), each with an owner (a department or a person), a due date and, later, a
//!   verification of its effect.
//! - A month's review closes only when every item of the month that was not merged into
//!   another has its investigation and at least one action. The actions need not be
//!   verified yet: an action still unverified carries over and is shown on every later
//!   month's review until it is verified.
//! - Items found to be the same problem are merged: the others point to the survivor and
//!   leave the review (they stay readable, with their links to their sources).
//! - An action past its due date and not verified warns its owner (when a person) once.

use crate::error::{Error, FieldErrors, Problem};
use crate::field::form::Responsibility;
use crate::ids::{QualityActionId, QualityItemId, UserId};
use crate::terms::str_enum;
use crate::text::{optional, required};
use crate::time::Month;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Short classification texts (model, component, fault category, cause) at most this long.
pub const SHORT_MAX: usize = 200;
/// Longer texts (summary, root cause, action, verification note) at most this long.
pub const TEXT_MAX: usize = 4000;

str_enum!(
    /// What a quality item was made from.
    SourceKind {
        /// A complaint flagged for the quality review (R3.3).
        Complaint = "complaint",
        /// An accepted on-site feedback form with the company's responsibility (R4.5).
        FieldForm = "field_form",
        /// A faulty part returned to inspection (a `faulty_return` ledger row).
        FaultyPart = "faulty_part",
        /// A follow-up remark classed as quality (R3.1).
        FollowUp = "follow_up",
        /// An approved return of a unit (R2.2).
        Return = "return",
    }
);

str_enum!(
    /// How the root cause was found: 5-why, or the fishbone (Ishikawa) category it is in.
    Method {
        FiveWhy = "five_why",
        Man = "man",
        Machine = "machine",
        Material = "material",
        Method = "method",
        Measurement = "measurement",
        Environment = "environment",
    }
);

str_enum!(
    /// What an action does (R7.2).
    ActionKind {
        /// Removes the cause of this problem.
        Corrective = "corrective",
        /// Keeps it from happening elsewhere.
        Preventive = "preventive",
    }
);

str_enum!(
    /// Where an item stands in its month's review: a filter of the review page.
    ItemStatus {
        /// Lacks its investigation or an action.
        Open = "open",
        /// Investigated and acted upon; some action not verified yet.
        Acting = "acting",
        /// Every action verified.
        Done = "done",
        /// Merged into another item.
        Merged = "merged",
    }
);

/// Responsibilities that make an on-site form a quality item: the company's own.
pub fn is_company_responsibility(r: Responsibility) -> bool {
    matches!(
        r,
        Responsibility::ProductDesign
            | Responsibility::Manufacturing
            | Responsibility::PurchasedComponent
    )
}

/// What a source record gives a new item: taken from it, never retyped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQualityItem {
    pub source_kind: SourceKind,
    pub source_id: i64,
    pub month: Month,
    pub product_model: Option<String>,
    pub component: Option<String>,
    pub cause: Option<String>,
    pub responsibility: Option<Responsibility>,
    pub summary: String,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

impl NewQualityItem {
    /// An item from its source's facts; an empty summary says which source it came from.
    #[allow(clippy::too_many_arguments)]
    pub fn from_source(
        source_kind: SourceKind,
        source_id: i64,
        month: Month,
        product_model: Option<String>,
        component: Option<String>,
        cause: Option<String>,
        responsibility: Option<Responsibility>,
        summary: &str,
        by: UserId,
        now: DateTime<Utc>,
    ) -> NewQualityItem {
        let clip = |s: Option<String>, max: usize| {
            s.map(|v| v.trim().chars().take(max).collect::<String>())
                .filter(|v| !v.is_empty())
        };
        let summary = clip(Some(summary.to_string()), TEXT_MAX)
            .unwrap_or_else(|| format!("{} {}", source_kind.as_str(), source_id));
        NewQualityItem {
            source_kind,
            source_id,
            month,
            product_model: clip(product_model, SHORT_MAX),
            component: clip(component, SHORT_MAX),
            cause: clip(cause, SHORT_MAX),
            responsibility,
            summary,
            created_by: by,
            created_at: now,
        }
    }
}

/// What the store reads of a source record, for an item to be made from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFacts {
    pub month: Month,
    pub product_model: Option<String>,
    pub component: Option<String>,
    pub cause: Option<String>,
    pub responsibility: Option<Responsibility>,
    pub summary: String,
    /// The source's state that decides whether it is about quality: the complaint's flag
    /// (`flagged`), the form's status, the ledger row's kind, the remark's class, the
    /// return's status.
    pub state: String,
}

impl SourceFacts {
    /// Whether the source is a quality record of its kind (422 on `source_id` otherwise).
    pub fn check_qualifies(&self, kind: SourceKind) -> Result<(), Error> {
        let ok = match kind {
            SourceKind::Complaint => self.state == "flagged",
            SourceKind::FieldForm => {
                self.state == "accepted"
                    && self.responsibility.is_some_and(is_company_responsibility)
            }
            SourceKind::FaultyPart => self.state == "faulty_return",
            SourceKind::FollowUp => self.state == "quality",
            SourceKind::Return => self.state == "approved" || self.state == "closed",
        };
        if ok {
            Ok(())
        } else {
            Err(Error::field(
                "source_id",
                Problem::invalid("this record is not a quality record of its kind"),
            ))
        }
    }

    pub fn into_item(
        self,
        kind: SourceKind,
        id: i64,
        by: UserId,
        now: DateTime<Utc>,
    ) -> NewQualityItem {
        NewQualityItem::from_source(
            kind,
            id,
            self.month,
            self.product_model,
            self.component,
            self.cause,
            self.responsibility,
            &self.summary,
            by,
            now,
        )
    }
}

/// A quality item as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QualityItem {
    pub id: QualityItemId,
    pub source_kind: SourceKind,
    pub source_id: i64,
    /// `YYYY-MM` of its source on the company calendar.
    pub month: String,
    pub product_model: Option<String>,
    pub component: Option<String>,
    pub fault_category: Option<String>,
    pub cause: Option<String>,
    pub responsibility: Option<Responsibility>,
    pub summary: String,
    pub root_cause: Option<String>,
    pub method: Option<Method>,
    /// The item this one was merged into (the same problem).
    pub merged_into: Option<QualityItemId>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

impl QualityItem {
    pub fn investigated(&self) -> bool {
        self.root_cause.is_some() && self.method.is_some()
    }

    pub fn audit_view(&self) -> Value {
        json!({
            "source_kind": self.source_kind.as_str(),
            "source_id": self.source_id,
            "month": self.month,
            "product_model": self.product_model,
            "component": self.component,
            "fault_category": self.fault_category,
            "cause": self.cause,
            "responsibility": self.responsibility.map(Responsibility::as_str),
            "summary": self.summary,
            "root_cause": self.root_cause,
            "method": self.method.map(Method::as_str),
            "merged_into": self.merged_into,
        })
    }

    /// Where it stands, given its actions.
    pub fn status(&self, actions: &[QualityAction]) -> ItemStatus {
        if self.merged_into.is_some() {
            ItemStatus::Merged
        } else if !self.investigated() || actions.is_empty() {
            ItemStatus::Open
        } else if actions.iter().all(QualityAction::verified) {
            ItemStatus::Done
        } else {
            ItemStatus::Acting
        }
    }
}

/// The classification and investigation as typed, with the version read.
#[derive(Debug, Clone, Default)]
pub struct ClassifyInput {
    pub product_model: Option<String>,
    pub component: Option<String>,
    pub fault_category: Option<String>,
    pub cause: Option<String>,
    pub responsibility: Option<String>,
    pub summary: Option<String>,
    pub root_cause: Option<String>,
    pub method: Option<String>,
}

/// A checked classification and investigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub product_model: Option<String>,
    pub component: Option<String>,
    pub fault_category: Option<String>,
    pub cause: Option<String>,
    pub responsibility: Option<Responsibility>,
    pub summary: String,
    pub root_cause: Option<String>,
    pub method: Option<Method>,
}

impl Classification {
    /// Check every field, naming each problem: the summary is required; a responsibility
    /// is one of R7.1's; a method is 5-why or a fishbone category; a root cause needs its
    /// method and a method its root cause.
    pub fn parse(input: &ClassifyInput) -> Result<Classification, Error> {
        let mut errs = FieldErrors::new();
        let short = |errs: &mut FieldErrors, name: &str, v: &Option<String>| {
            errs.take(name, optional(v.as_deref(), SHORT_MAX)).flatten()
        };
        let product_model = short(&mut errs, "product_model", &input.product_model);
        let component = short(&mut errs, "component", &input.component);
        let fault_category = short(&mut errs, "fault_category", &input.fault_category);
        let cause = short(&mut errs, "cause", &input.cause);
        let summary = errs.take(
            "summary",
            required(input.summary.as_deref().unwrap_or(""), TEXT_MAX),
        );
        let root_cause = errs
            .take(
                "root_cause",
                optional(input.root_cause.as_deref(), TEXT_MAX),
            )
            .flatten();
        let responsibility = match input.responsibility.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => {
                let r = Responsibility::parse(s);
                if r.is_none() {
                    errs.add(
                        "responsibility",
                        Problem::invalid("not a responsibility of R7.1"),
                    );
                }
                r
            }
        };
        let method = match input.method.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => {
                let m = Method::parse(s);
                if m.is_none() {
                    errs.add(
                        "method",
                        Problem::invalid("five_why or a fishbone category"),
                    );
                }
                m
            }
        };
        if root_cause.is_some() && method.is_none() && errs.get("method").is_none() {
            errs.add(
                "method",
                Problem::new("required", "say how the root cause was found"),
            );
        }
        if method.is_some() && root_cause.is_none() && errs.get("root_cause").is_none() {
            errs.add("root_cause", Problem::required());
        }
        errs.into_result()?;
        Ok(Classification {
            product_model,
            component,
            fault_category,
            cause,
            responsibility,
            summary: summary.unwrap_or_default(),
            root_cause,
            method,
        })
    }
}

/// An action as typed.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    pub kind: Option<String>,
    pub description: Option<String>,
    /// A department's name, when the owner is not a person.
    pub owner_department: Option<String>,
    pub owner_user_id: Option<UserId>,
    /// `YYYY-MM-DD`.
    pub due_on: Option<String>,
}

/// A checked action, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAction {
    pub kind: ActionKind,
    pub description: String,
    pub owner_department: Option<String>,
    pub owner_user_id: Option<UserId>,
    pub due_on: NaiveDate,
}

impl NewAction {
    /// Check an action: kind, what is done, exactly one owner (a department or a person)
    /// and a due date are required.
    pub fn parse(input: &ActionInput) -> Result<NewAction, Error> {
        let mut errs = FieldErrors::new();
        let kind = match input.kind.as_deref().map(str::trim) {
            None | Some("") => {
                errs.add("kind", Problem::required());
                None
            }
            Some(s) => {
                let k = ActionKind::parse(s);
                if k.is_none() {
                    errs.add("kind", Problem::invalid("corrective or preventive"));
                }
                k
            }
        };
        let description = errs.take(
            "description",
            required(input.description.as_deref().unwrap_or(""), TEXT_MAX),
        );
        let owner_department = errs
            .take(
                "owner_department",
                optional(input.owner_department.as_deref(), SHORT_MAX),
            )
            .flatten();
        match (&owner_department, input.owner_user_id) {
            (None, None) if errs.get("owner_department").is_none() => errs.add(
                "owner",
                Problem::new("required", "name a department or a person"),
            ),
            (Some(_), Some(_)) => errs.add(
                "owner",
                Problem::invalid("a department or a person, not both"),
            ),
            _ => {}
        }
        let due_on = match input.due_on.as_deref().map(str::trim) {
            None | Some("") => {
                errs.add("due_on", Problem::required());
                None
            }
            Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errs.add("due_on", Problem::invalid("a date is written YYYY-MM-DD"));
                    None
                }
            },
        };
        errs.into_result()?;
        match (kind, description, due_on) {
            (Some(kind), Some(description), Some(due_on)) => Ok(NewAction {
                kind,
                description,
                owner_department,
                owner_user_id: input.owner_user_id,
                due_on,
            }),
            _ => Err(Error::Internal("action checked without its fields".into())),
        }
    }
}

/// An action as stored, with its item's month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QualityAction {
    pub id: QualityActionId,
    pub item_id: QualityItemId,
    /// The month of its item.
    pub month: String,
    pub kind: ActionKind,
    pub description: String,
    pub owner_department: Option<String>,
    pub owner_user_id: Option<UserId>,
    pub owner_name: Option<String>,
    pub due_on: NaiveDate,
    pub verified_by: Option<UserId>,
    pub verified_at: Option<DateTime<Utc>>,
    pub verification_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

impl QualityAction {
    pub fn verified(&self) -> bool {
        self.verified_at.is_some()
    }

    /// Past its due date (company calendar) and not verified.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        !self.verified() && self.due_on < today
    }

    /// Whether the overdue sweep warns its owner: a person, past due, unverified.
    pub fn warns(&self, today: NaiveDate) -> bool {
        self.owner_user_id.is_some() && self.overdue(today)
    }

    pub fn audit_view(&self) -> Value {
        json!({
            "item_id": self.item_id,
            "kind": self.kind.as_str(),
            "description": self.description,
            "owner_department": self.owner_department,
            "owner_user_id": self.owner_user_id,
            "due_on": self.due_on.to_string(),
            "verified_by": self.verified_by,
            "verified_at": self.verified_at,
            "verification_note": self.verification_note,
        })
    }

    /// Record the verification of its effect; a second one is refused.
    pub fn check_verifiable(&self, note: Option<&str>) -> Result<String, Error> {
        if self.verified() {
            return Err(Error::Conflict("this action is already verified".into()));
        }
        required(note.unwrap_or(""), TEXT_MAX).map_err(|p| Error::field("note", p))
    }
}

/// The actions an earlier month left open: those of items of months before `month`, not
/// verified yet. They show on `month`'s review until verified.
pub fn carried_over(actions: &[QualityAction], month: Month) -> Vec<&QualityAction> {
    let m = month.to_string();
    actions
        .iter()
        .filter(|a| !a.verified() && a.month < m)
        .collect()
}

/// Why a month cannot be closed: the items (not merged) lacking an investigation, and
/// those lacking an action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Blockers {
    pub uninvestigated: Vec<QualityItemId>,
    pub without_action: Vec<QualityItemId>,
}

impl Blockers {
    pub fn is_empty(&self) -> bool {
        self.uninvestigated.is_empty() && self.without_action.is_empty()
    }
}

/// What stands in the way of closing the month: every item not merged needs its
/// investigation and at least one action (R7.2).
pub fn blockers(items: &[QualityItem], actions: &[QualityAction]) -> Blockers {
    let mut b = Blockers::default();
    for i in items.iter().filter(|i| i.merged_into.is_none()) {
        if !i.investigated() {
            b.uninvestigated.push(i.id);
        }
        if !actions.iter().any(|a| a.item_id == i.id) {
            b.without_action.push(i.id);
        }
    }
    b
}

/// The gate of closing a month: refused (422 on `month`) while any item lacks its
/// investigation or an action; refused (409) when already closed.
pub fn check_close(
    items: &[QualityItem],
    actions: &[QualityAction],
    already_closed: bool,
) -> Result<(), Error> {
    if already_closed {
        return Err(Error::Conflict(
            "this month's review is already closed".into(),
        ));
    }
    let b = blockers(items, actions);
    if b.is_empty() {
        Ok(())
    } else {
        Err(Error::field(
            "month",
            Problem::invalid(format!(
                "{} item(s) lack an investigation and {} an action",
                b.uninvestigated.len(),
                b.without_action.len()
            )),
        ))
    }
}

/// Whether `others` may be merged into `survivor`: not itself, none merged already, and
/// the survivor not merged.
pub fn check_merge(survivor: &QualityItem, others: &[QualityItem]) -> Result<(), Error> {
    if others.is_empty() {
        return Err(Error::field("items", Problem::required()));
    }
    if survivor.merged_into.is_some() {
        return Err(Error::Conflict(
            "the item kept is itself merged into another".into(),
        ));
    }
    for o in others {
        if o.id == survivor.id {
            return Err(Error::field(
                "items",
                Problem::invalid("an item cannot be merged into itself"),
            ));
        }
        if o.merged_into.is_some() {
            return Err(Error::Conflict(format!("item {} is already merged", o.id)));
        }
    }
    Ok(())
}

/// A month's closing, recorded once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Closing {
    pub month: String,
    pub closed_by: UserId,
    pub closed_at: DateTime<Utc>,
    pub items: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, 2, 0, 0).single().unwrap()
    }

    fn item(id: i64, investigated: bool, merged: Option<i64>) -> QualityItem {
        QualityItem {
            id: QualityItemId(id),
            source_kind: SourceKind::Complaint,
            source_id: id,
            month: "2026-03".into(),
            product_model: None,
            component: None,
            fault_category: None,
            cause: None,
            responsibility: None,
            summary: "s".into(),
            root_cause: investigated.then(|| "loose terminal".into()),
            method: investigated.then_some(Method::FiveWhy),
            merged_into: merged.map(QualityItemId),
            created_by: UserId(1),
            created_at: now(),
            version: 1,
        }
    }

    fn action(item: i64, month: &str, verified: bool) -> QualityAction {
        QualityAction {
            id: QualityActionId(item * 10),
            item_id: QualityItemId(item),
            month: month.into(),
            kind: ActionKind::Corrective,
            description: "torque check".into(),
            owner_department: None,
            owner_user_id: Some(UserId(5)),
            owner_name: None,
            due_on: NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
            verified_by: verified.then_some(UserId(2)),
            verified_at: verified.then(now),
            verification_note: verified.then(|| "no recurrence".into()),
            created_at: now(),
            version: 1,
        }
    }

    #[test]
    fn r7_2_close_gate_table() {
        // (case, items, actions, closes)
        let cases: Vec<(&str, Vec<QualityItem>, Vec<QualityAction>, bool)> = vec![
            ("no items", vec![], vec![], true),
            (
                "an item without an action blocks",
                vec![item(1, true, None)],
                vec![],
                false,
            ),
            (
                "an item without investigation blocks",
                vec![item(1, false, None)],
                vec![action(1, "2026-03", true)],
                false,
            ),
            (
                "a verified action releases",
                vec![item(1, true, None)],
                vec![action(1, "2026-03", true)],
                true,
            ),
            (
                "an unverified action releases too (it carries over)",
                vec![item(1, true, None)],
                vec![action(1, "2026-03", false)],
                true,
            ),
            (
                "merged items don't count",
                vec![item(1, true, None), item(2, false, Some(1))],
                vec![action(1, "2026-03", true)],
                true,
            ),
            (
                "an action of another item does not count",
                vec![item(1, true, None), item(2, true, None)],
                vec![action(1, "2026-03", true)],
                false,
            ),
        ];
        for (case, items, actions, closes) in cases {
            assert_eq!(
                check_close(&items, &actions, false).is_ok(),
                closes,
                "{case}"
            );
        }
        assert!(matches!(
            check_close(&[], &[], true),
            Err(Error::Conflict(_))
        ));
        let b = blockers(&[item(1, false, None)], &[]);
        assert_eq!(b.uninvestigated, vec![QualityItemId(1)]);
        assert_eq!(b.without_action, vec![QualityItemId(1)]);
    }

    #[test]
    fn r7_2_open_actions_carry_over_until_verified() {
        let actions = vec![
            action(1, "2026-01", false),
            action(2, "2026-02", true),
            action(3, "2026-03", false),
            action(4, "2026-02", false),
        ];
        let march: Vec<i64> = carried_over(&actions, Month::parse("2026-03").unwrap())
            .iter()
            .map(|a| a.item_id.0)
            .collect();
        // This month's own actions are not carried over; verified ones drop out.
        assert_eq!(march, vec![1, 4]);
        let feb: Vec<i64> = carried_over(&actions, Month::parse("2026-02").unwrap())
            .iter()
            .map(|a| a.item_id.0)
            .collect();
        assert_eq!(feb, vec![1]);
        assert!(carried_over(&actions, Month::parse("2026-01").unwrap()).is_empty());
        // Across a year's end.
        assert_eq!(
            carried_over(&actions, Month::parse("2027-01").unwrap()).len(),
            3
        );
    }

    #[test]
    fn r7_2_overdue_actions_warn_a_person_owner_only() {
        let today = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        let a = action(1, "2026-03", false);
        assert!(a.warns(today));
        assert!(!a.warns(NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()));
        assert!(!action(1, "2026-03", true).warns(today));
        let mut dept = action(1, "2026-03", false);
        dept.owner_user_id = None;
        dept.owner_department = Some("Production".into());
        assert!(dept.overdue(today) && !dept.warns(today));
    }

    #[test]
    fn r7_2_action_fields_are_checked_and_named() {
        let ok = ActionInput {
            kind: Some("preventive".into()),
            description: Some("add a torque check".into()),
            owner_department: Some("Production".into()),
            owner_user_id: None,
            due_on: Some("2026-04-30".into()),
        };
        assert!(NewAction::parse(&ok).is_ok());
        // (case, mutate, field named)
        type Case = (&'static str, fn(&mut ActionInput), &'static str);
        let cases: Vec<Case> = vec![
            ("no kind", |i| i.kind = None, "kind"),
            ("bad kind", |i| i.kind = Some("later".into()), "kind"),
            ("no description", |i| i.description = None, "description"),
            ("no owner", |i| i.owner_department = None, "owner"),
            ("two owners", |i| i.owner_user_id = Some(UserId(3)), "owner"),
            ("no due date", |i| i.due_on = None, "due_on"),
            ("bad due date", |i| i.due_on = Some("30/4".into()), "due_on"),
        ];
        for (case, f, field) in cases {
            let mut i = ok.clone();
            f(&mut i);
            match NewAction::parse(&i) {
                Err(Error::Validation(e)) => assert!(e.get(field).is_some(), "{case}"),
                other => panic!("{case}: {other:?}"),
            }
        }
    }

    #[test]
    fn r7_1_classification_is_checked_and_named() {
        let ok = ClassifyInput {
            product_model: Some("KYN28".into()),
            component: Some("breaker".into()),
            fault_category: Some("overheating".into()),
            cause: Some("loose terminal".into()),
            responsibility: Some("manufacturing".into()),
            summary: Some("terminal burnt".into()),
            root_cause: Some("torque not checked".into()),
            method: Some("method".into()),
        };
        let c = Classification::parse(&ok).unwrap();
        assert_eq!(c.responsibility, Some(Responsibility::Manufacturing));
        assert_eq!(c.method, Some(Method::Method));
        type Case = (&'static str, fn(&mut ClassifyInput), &'static str);
        let cases: Vec<Case> = vec![
            ("no summary", |i| i.summary = Some(" ".into()), "summary"),
            (
                "bad responsibility",
                |i| i.responsibility = Some("weather".into()),
                "responsibility",
            ),
            ("bad method", |i| i.method = Some("guess".into()), "method"),
            ("root cause without method", |i| i.method = None, "method"),
            (
                "method without root cause",
                |i| i.root_cause = None,
                "root_cause",
            ),
            (
                "long cause",
                |i| i.cause = Some("x".repeat(SHORT_MAX + 1)),
                "cause",
            ),
        ];
        for (case, f, field) in cases {
            let mut i = ok.clone();
            f(&mut i);
            match Classification::parse(&i) {
                Err(Error::Validation(e)) => assert!(e.get(field).is_some(), "{case}"),
                other => panic!("{case}: {other:?}"),
            }
        }
    }

    #[test]
    fn r7_1_only_the_companys_responsibilities_make_an_item_from_a_form() {
        let table = [
            (Responsibility::ProductDesign, true),
            (Responsibility::Manufacturing, true),
            (Responsibility::PurchasedComponent, true),
            (Responsibility::Transport, false),
            (Responsibility::Installation, false),
            (Responsibility::CustomerOperation, false),
            (Responsibility::External, false),
            (Responsibility::Undetermined, false),
        ];
        for (r, want) in table {
            assert_eq!(is_company_responsibility(r), want, "{r:?}");
        }
    }

    #[test]
    fn r7_1_an_item_takes_its_sources_facts() {
        let n = NewQualityItem::from_source(
            SourceKind::FollowUp,
            7,
            Month::parse("2026-03").unwrap(),
            Some("  ".into()),
            None,
            None,
            None,
            "   ",
            UserId(1),
            now(),
        );
        assert_eq!(n.product_model, None);
        assert_eq!(n.summary, "follow_up 7");
    }

    #[test]
    fn r7_1_merge_rules() {
        let keep = item(1, true, None);
        assert!(check_merge(&keep, &[item(2, false, None)]).is_ok());
        assert!(check_merge(&keep, &[]).is_err());
        assert!(check_merge(&keep, &[item(1, true, None)]).is_err());
        assert!(matches!(
            check_merge(&keep, &[item(2, true, Some(3))]),
            Err(Error::Conflict(_))
        ));
        assert!(matches!(
            check_merge(&item(1, true, Some(4)), &[item(2, true, None)]),
            Err(Error::Conflict(_))
        ));
        let mut merged = item(2, false, Some(1));
        assert_eq!(merged.status(&[]), ItemStatus::Merged);
        merged.merged_into = None;
        assert_eq!(merged.status(&[]), ItemStatus::Open);
        assert_eq!(
            keep.status(&[action(1, "2026-03", false)]),
            ItemStatus::Acting
        );
        assert_eq!(keep.status(&[action(1, "2026-03", true)]), ItemStatus::Done);
    }
}
