//! Training records (R1.6, R1.7): sessions given to staff (service awareness, quality
//! awareness, the technical service specification, management methods) and to customers
//! (the product's performance, use and routine maintenance), who attended, and the
//! requirement rule — which topics each staff role must have had, and how recently.

use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{CustomerId, DocumentId, TrainingId, UserId};
use crate::role::Role;
use crate::text::{optional, required};
use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub const TRAINER_MAX: usize = 100;
pub const PLACE_MAX: usize = 200;
pub const NOTE_MAX: usize = 2000;
pub const NAME_MAX: usize = 100;
/// At most this many attendees on one session.
pub const ATTENDEES_MAX: usize = 200;
/// At most this many materials on one session.
pub const MATERIALS_MAX: usize = 20;
/// A session lasts at most a working week (in minutes).
pub const DURATION_MAX_MINUTES: i64 = 5 * 24 * 60;
/// A new hire who has never had a required topic is given this many months from joining
/// before they count as missing it.
pub const NEW_HIRE_GRACE_MONTHS: u32 = 3;

/// Who a session is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Staff,
    Customer,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Staff => "staff",
            Audience::Customer => "customer",
        }
    }
    pub fn parse(s: &str) -> Option<Audience> {
        [Audience::Staff, Audience::Customer]
            .into_iter()
            .find(|a| a.as_str() == s.trim())
    }
}

/// What a session teaches (R1.6 for staff, R1.7 for customers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    ServiceAwareness,
    QualityAwareness,
    TechnicalSpecification,
    ManagementMethods,
    ProductPerformance,
    ProductUse,
    RoutineMaintenance,
}

impl Topic {
    pub const ALL: [Topic; 7] = [
        Topic::ServiceAwareness,
        Topic::QualityAwareness,
        Topic::TechnicalSpecification,
        Topic::ManagementMethods,
        Topic::ProductPerformance,
        Topic::ProductUse,
        Topic::RoutineMaintenance,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::ServiceAwareness => "service_awareness",
            Topic::QualityAwareness => "quality_awareness",
            Topic::TechnicalSpecification => "technical_specification",
            Topic::ManagementMethods => "management_methods",
            Topic::ProductPerformance => "product_performance",
            Topic::ProductUse => "product_use",
            Topic::RoutineMaintenance => "routine_maintenance",
        }
    }
    pub fn parse(s: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == s.trim())
    }
    /// The audience the topic belongs to.
    pub fn audience(self) -> Audience {
        match self {
            Topic::ServiceAwareness
            | Topic::QualityAwareness
            | Topic::TechnicalSpecification
            | Topic::ManagementMethods => Audience::Staff,
            Topic::ProductPerformance | Topic::ProductUse | Topic::RoutineMaintenance => {
                Audience::Customer
            }
        }
    }
}

/// A session as typed (form or API).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SessionInput {
    pub audience: String,
    pub topic: String,
    pub held_on: String,
    pub trainer: String,
    pub place: String,
    pub duration_minutes: String,
    pub customer_id: Option<i64>,
    /// Staff attendees (audience staff).
    pub attendee_ids: Vec<i64>,
    /// The customer's people who attended, by name (audience customer).
    pub attendee_names: Vec<String>,
    pub document_ids: Vec<i64>,
    pub note: Option<String>,
}

/// A session checked, about to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub audience: Audience,
    pub topic: Topic,
    pub held_on: NaiveDate,
    pub trainer: String,
    pub place: String,
    pub duration_minutes: i64,
    pub customer_id: Option<CustomerId>,
    pub attendee_ids: Vec<UserId>,
    pub attendee_names: Vec<String>,
    pub document_ids: Vec<DocumentId>,
    pub note: Option<String>,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
}

/// A recorded session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    pub id: TrainingId,
    pub audience: Audience,
    pub topic: Topic,
    pub held_on: NaiveDate,
    pub trainer: String,
    pub place: String,
    pub duration_minutes: i64,
    pub customer_id: Option<CustomerId>,
    pub customer_name: Option<String>,
    pub note: Option<String>,
    pub recorded_by: UserId,
    pub recorded_at: DateTime<Utc>,
}

/// One attendee of a session: a staff user, or a customer's person by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attendee {
    pub user_id: Option<UserId>,
    pub name: String,
}

/// A session with its attendees and materials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionView {
    pub session: Session,
    pub attendees: Vec<Attendee>,
    /// (document, its code, its title).
    pub materials: Vec<(DocumentId, String, String)>,
}

pub fn parse_date(s: &str) -> Result<NaiveDate, Problem> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2999).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| Problem::invalid("a date is written YYYY-MM-DD"))
}

fn duration(s: &str) -> Result<i64, Problem> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Problem::required());
    }
    t.parse::<i64>()
        .ok()
        .filter(|m| (1..=DURATION_MAX_MINUTES).contains(m))
        .ok_or_else(|| {
            Problem::invalid(format!(
                "minutes, a whole number from 1 to {DURATION_MAX_MINUTES}"
            ))
        })
}

impl NewSession {
    /// Check a session, naming every problem by its field. A session is held today or
    /// before (`today` is the company's day); staff sessions name staff attendees, customer
    /// sessions the customer and at least one of its people.
    pub fn parse(
        input: &SessionInput,
        today: NaiveDate,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<NewSession, Error> {
        let mut errs = FieldErrors::new();
        let audience = Audience::parse(&input.audience);
        if audience.is_none() {
            errs.add("audience", Problem::invalid("staff or customer"));
        }
        let topic = Topic::parse(&input.topic);
        match (topic, audience) {
            (None, _) => errs.add("topic", Problem::invalid("not a training topic")),
            (Some(t), Some(a)) if t.audience() != a => errs.add(
                "topic",
                Problem::invalid(format!("not a topic of a {} training", a.as_str())),
            ),
            _ => {}
        }
        let held_on = errs.take("held_on", parse_date(&input.held_on));
        if held_on.is_some_and(|d| d > today) {
            errs.add(
                "held_on",
                Problem::invalid("a session is recorded once it was held"),
            );
        }
        let trainer = errs.take("trainer", required(&input.trainer, TRAINER_MAX));
        let place = errs.take("place", required(&input.place, PLACE_MAX));
        let minutes = errs.take("duration_minutes", duration(&input.duration_minutes));
        let note = errs
            .take("note", optional(input.note.as_deref(), NOTE_MAX))
            .flatten();
        let mut ids: Vec<UserId> = Vec::new();
        for id in &input.attendee_ids {
            if !ids.contains(&UserId(*id)) {
                ids.push(UserId(*id));
            }
        }
        let mut names: Vec<String> = Vec::new();
        for (i, n) in input.attendee_names.iter().enumerate() {
            if n.trim().is_empty() {
                continue;
            }
            match required(n, NAME_MAX) {
                Ok(n) if !names.contains(&n) => names.push(n),
                Ok(_) => {}
                Err(p) => errs.add(format!("attendee_names[{i}]"), p),
            }
        }
        let mut customer_id = input.customer_id.map(CustomerId);
        match audience {
            Some(Audience::Staff) => {
                if ids.is_empty() {
                    errs.add("attendee_ids", Problem::required());
                }
                if !names.is_empty() {
                    errs.add(
                        "attendee_names",
                        Problem::invalid("a staff training lists staff accounts"),
                    );
                }
                customer_id = None;
            }
            Some(Audience::Customer) => {
                if customer_id.is_none() {
                    errs.add("customer_id", Problem::required());
                }
                if names.is_empty() {
                    errs.add("attendee_names", Problem::required());
                }
                if !ids.is_empty() {
                    errs.add(
                        "attendee_ids",
                        Problem::invalid("a customer training lists the customer's people"),
                    );
                }
            }
            None => {}
        }
        if ids.len() + names.len() > ATTENDEES_MAX {
            errs.add(
                "attendee_ids",
                Problem::invalid(format!("at most {ATTENDEES_MAX} attendees")),
            );
        }
        let mut docs: Vec<DocumentId> = Vec::new();
        for d in &input.document_ids {
            if !docs.contains(&DocumentId(*d)) {
                docs.push(DocumentId(*d));
            }
        }
        if docs.len() > MATERIALS_MAX {
            errs.add(
                "document_ids",
                Problem::invalid(format!("at most {MATERIALS_MAX} materials")),
            );
        }
        errs.into_result()?;
        match (audience, topic, held_on, trainer, place, minutes) {
            (
                Some(audience),
                Some(topic),
                Some(held_on),
                Some(trainer),
                Some(place),
                Some(duration_minutes),
            ) => Ok(NewSession {
                audience,
                topic,
                held_on,
                trainer,
                place,
                duration_minutes,
                customer_id,
                attendee_ids: ids,
                attendee_names: names,
                document_ids: docs,
                note,
                recorded_by: by,
                recorded_at: crate::time::to_store_precision(now),
            }),
            _ => Err(Error::Internal("session fields checked".into())),
        }
    }
}

/// A requirement of the settings: every staff member of `role` has had `topic` within
/// the last `period_months`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Requirement {
    pub role: Role,
    pub topic: Topic,
    pub period_months: u32,
}

/// The requirements a new installation starts with: every field role has the service and
/// quality awareness and the technical specification every 24 months, the desk the
/// service awareness, the managers the management methods.
pub fn default_requirements() -> Vec<Requirement> {
    let mut v = Vec::new();
    for role in [Role::Technician, Role::SeniorEngineer] {
        for topic in [
            Topic::ServiceAwareness,
            Topic::QualityAwareness,
            Topic::TechnicalSpecification,
        ] {
            v.push(Requirement {
                role,
                topic,
                period_months: 24,
            });
        }
    }
    v.push(Requirement {
        role: Role::ServiceClerk,
        topic: Topic::ServiceAwareness,
        period_months: 24,
    });
    v.push(Requirement {
        role: Role::ServiceManager,
        topic: Topic::ManagementMethods,
        period_months: 24,
    });
    v
}

// ---- training 2: editing the requirement settings ----

/// A requirement's period is at most ten years.
pub const PERIOD_MAX_MONTHS: u32 = 120;

/// The roles a requirement may name: the service department's staff who do field or desk
/// work (technician, senior engineer, clerk, manager). The admin, the salespeople and the
/// quality engineer are not trained under these settings.
pub fn may_be_required(role: Role) -> bool {
    matches!(
        role,
        Role::Technician | Role::SeniorEngineer | Role::ServiceClerk | Role::ServiceManager
    )
}

/// One requirement as typed (a row of the settings page, an item of the API's set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RequirementInput {
    pub role: String,
    pub topic: String,
    pub period_months: String,
}

impl RequirementInput {
    /// A row left wholly empty (the page's "add" row, or a row removed) is no requirement.
    pub fn is_blank(&self) -> bool {
        self.role.trim().is_empty()
            && self.topic.trim().is_empty()
            && self.period_months.trim().is_empty()
    }
}

fn period(s: &str) -> Result<u32, Problem> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Problem::required());
    }
    t.parse::<u32>()
        .ok()
        .filter(|m| (1..=PERIOD_MAX_MONTHS).contains(m))
        .ok_or_else(|| {
            Problem::invalid(format!(
                "months, a whole number from 1 to {PERIOD_MAX_MONTHS}"
            ))
        })
}

/// Check the whole set of requirements as it is to replace the settings. Each problem is
/// named by its row's field (`requirements[2].period_months`): the role must be one that
/// is trained ([`may_be_required`]), the topic a staff topic, the period 1 to
/// [`PERIOD_MAX_MONTHS`] months, and a role names a topic once. Blank rows are left out;
/// an empty set is allowed (nobody is required anything).
pub fn parse_requirements(rows: &[RequirementInput]) -> Result<Vec<Requirement>, Error> {
    let mut errs = FieldErrors::new();
    let mut out: Vec<Requirement> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if r.is_blank() {
            continue;
        }
        let field = |f: &str| format!("requirements[{i}].{f}");
        let role = match r.role.trim() {
            "" => {
                errs.add(field("role"), Problem::required());
                None
            }
            s => match Role::parse(s) {
                Some(role) if may_be_required(role) => Some(role),
                _ => {
                    errs.add(
                        field("role"),
                        Problem::new(
                            "not_allowed",
                            "a technician, senior engineer, clerk or manager",
                        ),
                    );
                    None
                }
            },
        };
        let topic = match r.topic.trim() {
            "" => {
                errs.add(field("topic"), Problem::required());
                None
            }
            s => match Topic::parse(s) {
                Some(t) if t.audience() == Audience::Staff => Some(t),
                _ => {
                    errs.add(
                        field("topic"),
                        Problem::new("not_allowed", "a topic of staff training"),
                    );
                    None
                }
            },
        };
        let months = match period(&r.period_months) {
            Ok(m) => Some(m),
            Err(p) => {
                errs.add(field("period_months"), p);
                None
            }
        };
        if let (Some(role), Some(topic)) = (role, topic)
            && out.iter().any(|o| o.role == role && o.topic == topic)
        {
            errs.add(
                field("topic"),
                Problem::new("taken", "this role has this topic already"),
            );
            continue;
        }
        if let (Some(role), Some(topic), Some(period_months)) = (role, topic, months) {
            out.push(Requirement {
                role,
                topic,
                period_months,
            });
        }
    }
    errs.into_result()?;
    // In the order the settings are read back: by role, then topic, as written.
    out.sort_by_key(|r| (r.role.as_str(), r.topic.as_str()));
    Ok(out)
}

// ---- end training 2 ----

/// Where one person stands on one required topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "standing", rename_all = "snake_case")]
pub enum Standing {
    /// Trained within the period; due again on `due_on`.
    Current { last: NaiveDate, due_on: NaiveDate },
    /// Trained, but longer ago than the period: was due on `due_on`.
    Expired { last: NaiveDate, due_on: NaiveDate },
    /// Never trained on it, and past a new hire's grace.
    Missing,
    /// Never trained on it, joined recently: due by `due_on`.
    NewHire { due_on: NaiveDate },
}

impl Standing {
    /// Whether the person needs the topic now (the "who is missing" list).
    pub fn is_gap(self) -> bool {
        matches!(self, Standing::Expired { .. } | Standing::Missing)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Current { .. } => "current",
            Standing::Expired { .. } => "expired",
            Standing::Missing => "missing",
            Standing::NewHire { .. } => "new_hire",
        }
    }
}

fn plus_months(d: NaiveDate, m: u32) -> NaiveDate {
    d.checked_add_months(Months::new(m))
        .unwrap_or(NaiveDate::MAX)
}

/// The requirement rule for one person and one topic: the last session they attended on
/// it (`last`), the day they joined, and today. The training stays current through the
/// day the period ends (`last` + period); the day after, it has expired. Someone never
/// trained is missing it, unless they joined less than [`NEW_HIRE_GRACE_MONTHS`] ago.
pub fn standing(
    period_months: u32,
    last: Option<NaiveDate>,
    joined_on: NaiveDate,
    today: NaiveDate,
) -> Standing {
    match last {
        Some(last) => {
            let due_on = plus_months(last, period_months);
            if today <= due_on {
                Standing::Current { last, due_on }
            } else {
                Standing::Expired { last, due_on }
            }
        }
        None => {
            let due_on = plus_months(joined_on, NEW_HIRE_GRACE_MONTHS);
            if today <= due_on {
                Standing::NewHire { due_on }
            } else {
                Standing::Missing
            }
        }
    }
}

/// A staff member as the rule sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trainee {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    pub joined_on: NaiveDate,
}

/// One person's standing on one required topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub user_id: UserId,
    pub name: String,
    pub role: Role,
    pub topic: Topic,
    pub period_months: u32,
    pub standing: Standing,
}

/// Every person's standing on every topic their role requires, that is not current
/// (missing, expired, or a new hire's upcoming): `attended` holds (person, topic, date)
/// of every session they attended.
pub fn gaps(
    people: &[Trainee],
    requirements: &[Requirement],
    attended: &[(UserId, Topic, NaiveDate)],
    today: NaiveDate,
) -> Vec<Gap> {
    let mut out = Vec::new();
    for p in people {
        for r in requirements.iter().filter(|r| r.role == p.role) {
            let last = attended
                .iter()
                .filter(|(u, t, d)| *u == p.id && *t == r.topic && *d <= today)
                .map(|(_, _, d)| *d)
                .max();
            let s = standing(r.period_months, last, p.joined_on, today);
            if !matches!(s, Standing::Current { .. }) {
                out.push(Gap {
                    user_id: p.id,
                    name: p.name.clone(),
                    role: p.role,
                    topic: r.topic,
                    period_months: r.period_months,
                    standing: s,
                });
            }
        }
    }
    out
}

/// Who may read the training records and the list of who is missing a topic: those who
/// record sessions, and the quality engineer and managers who watch.
pub fn may_view_training(role: Role) -> bool {
    role.may(crate::Permission::RecordTraining) || role.may(crate::Permission::WatchDeadlines)
}

/// Whether `actor` may read `subject`'s training history: their own (any staff member),
/// or anyone's for those who may read the records.
pub fn may_see_history(role: Role, actor: UserId, subject: UserId) -> bool {
    may_view_training(role) || (role.is_staff() && actor == subject)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r1_6_a_person_reads_their_own_history_and_the_recorders_everyones() {
        let (me, other) = (UserId(1), UserId(2));
        let table = [
            (Role::Technician, me, true),
            (Role::Technician, other, false),
            (Role::Salesperson, other, false),
            (Role::ServiceClerk, other, true),
            (Role::QualityEngineer, other, true),
            (Role::Customer, me, false),
        ];
        for (role, subject, want) in table {
            assert_eq!(
                may_see_history(role, me, subject),
                want,
                "{role:?} {subject:?}"
            );
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn r1_6_requirement_rule_never_trained_expired_just_inside_new_hire() {
        let today = d("2026-11-27");
        let long_ago = d("2020-01-01");
        // (case, last trained, joined, standing)
        let table = [
            ("never trained", None, long_ago, Standing::Missing),
            (
                "expired",
                Some(d("2024-11-26")),
                long_ago,
                Standing::Expired {
                    last: d("2024-11-26"),
                    due_on: d("2026-11-26"),
                },
            ),
            (
                "just inside the period (due today)",
                Some(d("2024-11-27")),
                long_ago,
                Standing::Current {
                    last: d("2024-11-27"),
                    due_on: d("2026-11-27"),
                },
            ),
            (
                "recently trained",
                Some(d("2026-03-01")),
                long_ago,
                Standing::Current {
                    last: d("2026-03-01"),
                    due_on: d("2028-03-01"),
                },
            ),
            (
                "a new hire within the grace",
                None,
                d("2026-10-01"),
                Standing::NewHire {
                    due_on: d("2027-01-01"),
                },
            ),
            (
                "a new hire past the grace",
                None,
                d("2026-08-26"),
                Standing::Missing,
            ),
        ];
        for (case, last, joined, want) in table {
            assert_eq!(standing(24, last, joined, today), want, "{case}");
        }
    }

    #[test]
    fn r1_6_gaps_list_only_required_topics_not_current() {
        let today = d("2026-11-27");
        let people = [
            Trainee {
                id: UserId(1),
                name: "王工".into(),
                role: Role::Technician,
                joined_on: d("2020-01-01"),
            },
            Trainee {
                id: UserId(2),
                name: "李文员".into(),
                role: Role::ServiceClerk,
                joined_on: d("2020-01-01"),
            },
            Trainee {
                id: UserId(3),
                name: "赵销售".into(),
                role: Role::Salesperson,
                joined_on: d("2020-01-01"),
            },
        ];
        let attended = [
            (UserId(1), Topic::ServiceAwareness, d("2026-01-10")),
            (UserId(1), Topic::QualityAwareness, d("2023-01-10")),
            (UserId(1), Topic::QualityAwareness, d("2022-01-10")),
            (UserId(2), Topic::ServiceAwareness, d("2025-05-05")),
            // A session dated after today does not count yet.
            (UserId(1), Topic::TechnicalSpecification, d("2026-12-01")),
        ];
        let g = gaps(&people, &default_requirements(), &attended, today);
        let got: Vec<(i64, Topic, &str)> = g
            .iter()
            .map(|g| (g.user_id.0, g.topic, g.standing.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, Topic::QualityAwareness, "expired"),
                (1, Topic::TechnicalSpecification, "missing"),
            ]
        );
    }

    // ---- training 2 ----
    fn req(role: &str, topic: &str, months: &str) -> RequirementInput {
        RequirementInput {
            role: role.into(),
            topic: topic.into(),
            period_months: months.into(),
        }
    }

    #[test]
    fn r1_6_requirement_settings_are_checked_row_by_row() {
        // (case, rows, the fields named; none when the set is accepted)
        let table: Vec<(&str, Vec<RequirementInput>, Vec<&str>)> = vec![
            (
                "a field and a desk role",
                vec![
                    req("technician", "quality_awareness", "12"),
                    req("service_clerk", "service_awareness", "120"),
                ],
                vec![],
            ),
            ("an empty set", vec![], vec![]),
            (
                "blank rows are left out",
                vec![
                    req("", "", ""),
                    req("senior_engineer", "management_methods", "1"),
                ],
                vec![],
            ),
            (
                "a salesperson is not trained under the settings",
                vec![req("salesperson", "service_awareness", "24")],
                vec!["requirements[0].role"],
            ),
            (
                "nor the admin, nor the quality engineer",
                vec![
                    req("admin", "service_awareness", "24"),
                    req("quality_engineer", "service_awareness", "24"),
                ],
                vec!["requirements[0].role", "requirements[1].role"],
            ),
            (
                "an unknown role",
                vec![req("boss", "service_awareness", "24")],
                vec!["requirements[0].role"],
            ),
            (
                "a customer topic",
                vec![req("technician", "routine_maintenance", "24")],
                vec!["requirements[0].topic"],
            ),
            (
                "an unknown topic",
                vec![req("technician", "cooking", "24")],
                vec!["requirements[0].topic"],
            ),
            (
                "zero months",
                vec![req("technician", "service_awareness", "0")],
                vec!["requirements[0].period_months"],
            ),
            (
                "just past ten years",
                vec![req("technician", "service_awareness", "121")],
                vec!["requirements[0].period_months"],
            ),
            (
                "not a number",
                vec![req("technician", "service_awareness", "two years")],
                vec!["requirements[0].period_months"],
            ),
            (
                "a period missing, a role missing",
                vec![
                    req("technician", "service_awareness", ""),
                    req("", "quality_awareness", "24"),
                ],
                vec!["requirements[0].period_months", "requirements[1].role"],
            ),
            (
                "the same role and topic twice",
                vec![
                    req("technician", "service_awareness", "24"),
                    req("technician", "service_awareness", "12"),
                ],
                vec!["requirements[1].topic"],
            ),
        ];
        for (case, rows, want) in table {
            match parse_requirements(&rows) {
                Ok(set) => {
                    assert!(want.is_empty(), "{case}: accepted {set:?}");
                    assert_eq!(
                        set.len(),
                        rows.iter().filter(|r| !r.is_blank()).count(),
                        "{case}"
                    );
                }
                Err(Error::Validation(f)) => {
                    let mut got: Vec<&str> = f.0.keys().map(String::as_str).collect();
                    got.sort();
                    assert_eq!(got, want, "{case}");
                }
                Err(e) => panic!("{case}: {e:?}"),
            }
        }
    }

    #[test]
    fn r1_6_a_changed_period_changes_who_is_expired() {
        let today = d("2026-11-27");
        let people = [Trainee {
            id: UserId(1),
            name: "王工".into(),
            role: Role::Technician,
            joined_on: d("2020-01-01"),
        }];
        let attended = [(UserId(1), Topic::ServiceAwareness, d("2025-11-01"))];
        let set =
            |m: &str| parse_requirements(&[req("technician", "service_awareness", m)]).unwrap();
        assert!(gaps(&people, &set("24"), &attended, today).is_empty());
        let g = gaps(&people, &set("12"), &attended, today);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].standing.as_str(), "expired");
        assert!(gaps(&people, &set("13"), &attended, today).is_empty());
    }
    // ---- end training 2 ----

    fn staff_input() -> SessionInput {
        SessionInput {
            audience: "staff".into(),
            topic: "service_awareness".into(),
            held_on: "2026-11-20".into(),
            trainer: "张经理".into(),
            place: "二楼会议室".into(),
            duration_minutes: "90".into(),
            attendee_ids: vec![4, 5, 4],
            ..SessionInput::default()
        }
    }

    #[test]
    fn r1_6_a_session_is_checked_field_by_field() {
        let today = d("2026-11-27");
        let now = Utc::now();
        let ok = NewSession::parse(&staff_input(), today, UserId(1), now).unwrap();
        assert_eq!(ok.attendee_ids, vec![UserId(4), UserId(5)]);
        type Edit = fn(&mut SessionInput);
        let table: [(&str, Edit, &str); 8] = [
            ("no audience", |i| i.audience = "boss".into(), "audience"),
            ("unknown topic", |i| i.topic = "cooking".into(), "topic"),
            (
                "customer topic for staff",
                |i| i.topic = "product_use".into(),
                "topic",
            ),
            (
                "future date",
                |i| i.held_on = "2026-12-01".into(),
                "held_on",
            ),
            ("no trainer", |i| i.trainer = " ".into(), "trainer"),
            (
                "zero minutes",
                |i| i.duration_minutes = "0".into(),
                "duration_minutes",
            ),
            ("no attendees", |i| i.attendee_ids.clear(), "attendee_ids"),
            (
                "customer without customer",
                |i| {
                    i.audience = "customer".into();
                    i.topic = "routine_maintenance".into();
                    i.attendee_ids.clear();
                    i.attendee_names = vec!["刘工".into()];
                },
                "customer_id",
            ),
        ];
        for (case, edit, field) in table {
            let mut i = staff_input();
            edit(&mut i);
            match NewSession::parse(&i, today, UserId(1), now) {
                Err(Error::Validation(f)) => assert!(f.get(field).is_some(), "{case}: {f:?}"),
                other => panic!("{case}: {other:?}"),
            }
        }
    }

    #[test]
    fn r1_7_a_customer_training_names_the_customer_and_its_people() {
        let i = SessionInput {
            audience: "customer".into(),
            topic: "routine_maintenance".into(),
            customer_id: Some(9),
            attendee_names: vec!["刘工".into(), "".into(), "陈工".into()],
            attendee_ids: vec![],
            ..staff_input()
        };
        let s = NewSession::parse(&i, d("2026-11-27"), UserId(1), Utc::now()).unwrap();
        assert_eq!(s.customer_id, Some(CustomerId(9)));
        assert_eq!(
            s.attendee_names,
            vec!["刘工".to_string(), "陈工".to_string()]
        );
    }
}
