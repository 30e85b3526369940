//! Visitors and customer trainees (R3.6): each visit is registered and archived — who
//! came, from where, when, hosted by which senior engineer, why, and the questions asked
//! with the answers given.

use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{CustomerId, UserId, VisitId};
use crate::replies::Month;
use crate::role::Role;
use crate::text;
use crate::ticket::CLOCK_SKEW;
use crate::time::to_store_precision;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why they came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitPurpose {
    /// A visit: to see the plant, discuss a product or a problem.
    Visit,
    /// Customer training in the product's performance, use and maintenance (R1.7).
    Training,
}

impl VisitPurpose {
    pub const ALL: &'static [VisitPurpose] = &[VisitPurpose::Visit, VisitPurpose::Training];
    pub fn as_str(self) -> &'static str {
        match self {
            VisitPurpose::Visit => "visit",
            VisitPurpose::Training => "training",
        }
    }
    pub fn parse(s: &str) -> Option<VisitPurpose> {
        Self::ALL.iter().copied().find(|p| p.as_str() == s)
    }
}

impl fmt::Display for VisitPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who receives visitors and trainees (R3.6): a senior engineer.
pub fn may_host(role: Role) -> bool {
    role == Role::SeniorEngineer
}

pub const VISITORS_MAX: usize = 200;
pub const ORGANISATION_MAX: usize = 200;
pub const QUESTION_MAX: usize = 2000;
pub const ANSWER_MAX: usize = 4000;
/// Questions one visit records at most.
pub const QAS_MAX: usize = 50;

/// A question asked and the answer given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionAnswer {
    pub question: String,
    pub answer: String,
}

/// A visit as submitted.
#[derive(Debug, Clone, Default)]
pub struct VisitInput {
    /// The visitors' names, as the desk writes them.
    pub visitors: String,
    pub organisation: Option<String>,
    pub customer_id: Option<CustomerId>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub left_at: Option<DateTime<Utc>>,
    pub host_id: Option<UserId>,
    pub purpose: Option<String>,
    pub qas: Vec<QuestionAnswer>,
}

/// A checked visit, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVisit {
    pub visitors: String,
    pub organisation: Option<String>,
    pub customer_id: Option<CustomerId>,
    pub arrived_at: DateTime<Utc>,
    pub left_at: Option<DateTime<Utc>>,
    pub host_id: UserId,
    pub purpose: VisitPurpose,
    pub qas: Vec<QuestionAnswer>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

impl NewVisit {
    /// Every field checked; problems named by field (`qas[1].answer`). Rows of the
    /// questions left wholly empty are dropped. The host's role is checked by the caller
    /// with [`may_host`].
    pub fn parse(input: &VisitInput, by: UserId, now: DateTime<Utc>) -> Result<NewVisit, Error> {
        let now = to_store_precision(now);
        let mut errs = FieldErrors::new();
        let visitors = errs.take("visitors", text::required(&input.visitors, VISITORS_MAX));
        let organisation = errs.take(
            "organisation",
            text::optional(input.organisation.as_deref(), ORGANISATION_MAX),
        );
        if matches!(organisation, Some(None)) && input.customer_id.is_none() {
            errs.add(
                "organisation",
                Problem::new("required", "name the organisation or the customer"),
            );
        }
        let arrived_at = input.arrived_at.map(to_store_precision);
        match arrived_at {
            None => errs.add("arrived_at", Problem::required()),
            Some(a) if a > now + CLOCK_SKEW => {
                errs.add(
                    "arrived_at",
                    Problem::new("in_future", "must not be in the future"),
                );
            }
            Some(a) if a.timestamp() < 946_684_800 => {
                errs.add("arrived_at", Problem::invalid("must be after 2000-01-01"));
            }
            Some(_) => {}
        }
        let left_at = input.left_at.map(to_store_precision);
        if let (Some(l), Some(a)) = (left_at, arrived_at) {
            if l < a {
                errs.add(
                    "left_at",
                    Problem::invalid("must not be before the arrival"),
                );
            } else if l > now + CLOCK_SKEW {
                errs.add(
                    "left_at",
                    Problem::new("in_future", "must not be in the future"),
                );
            }
        }
        if input.host_id.is_none() {
            errs.add("host_id", Problem::required());
        }
        let purpose = match input.purpose.as_deref().map(str::trim) {
            None | Some("") => {
                errs.add("purpose", Problem::required());
                None
            }
            Some(p) => VisitPurpose::parse(p).or_else(|| {
                errs.add("purpose", Problem::invalid("visit or training"));
                None
            }),
        };
        let mut qas = Vec::new();
        let kept: Vec<&QuestionAnswer> = input
            .qas
            .iter()
            .filter(|qa| !(qa.question.trim().is_empty() && qa.answer.trim().is_empty()))
            .collect();
        if kept.len() > QAS_MAX {
            errs.add(
                "qas",
                Problem::invalid(format!("at most {QAS_MAX} questions")),
            );
        }
        for (i, qa) in input.qas.iter().enumerate() {
            if qa.question.trim().is_empty() && qa.answer.trim().is_empty() {
                continue;
            }
            let q = errs.take(
                &format!("qas[{i}].question"),
                text::required(&qa.question, QUESTION_MAX),
            );
            let a = errs.take(
                &format!("qas[{i}].answer"),
                text::required(&qa.answer, ANSWER_MAX),
            );
            if let (Some(question), Some(answer)) = (q, a) {
                qas.push(QuestionAnswer { question, answer });
            }
        }
        match (visitors, organisation, arrived_at, input.host_id, purpose) {
            (
                Some(visitors),
                Some(organisation),
                Some(arrived_at),
                Some(host_id),
                Some(purpose),
            ) if errs.is_empty() => Ok(NewVisit {
                visitors,
                organisation,
                customer_id: input.customer_id,
                arrived_at,
                left_at,
                host_id,
                purpose,
                qas,
                created_by: by,
                created_at: now,
            }),
            _ => Err(Error::Validation(errs)),
        }
    }
}

/// A registered visit, with the names lists show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Visit {
    pub id: VisitId,
    pub visitors: String,
    pub organisation: Option<String>,
    pub customer_id: Option<CustomerId>,
    pub customer_name: Option<String>,
    pub arrived_at: DateTime<Utc>,
    pub left_at: Option<DateTime<Utc>>,
    pub host_id: UserId,
    pub host_name: String,
    pub purpose: VisitPurpose,
    pub qas: Vec<QuestionAnswer>,
    /// How many questions were recorded (lists leave `qas` empty and say this).
    pub questions: i64,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

impl Visit {
    /// Where they came from, as a list shows it: the customer, else the organisation.
    pub fn from_where(&self) -> &str {
        self.customer_name
            .as_deref()
            .or(self.organisation.as_deref())
            .unwrap_or_default()
    }

    /// The fields an audit record keeps (R1.4).
    pub fn audit_view(&self) -> serde_json::Value {
        serde_json::json!({
            "visitors": self.visitors,
            "organisation": self.organisation,
            "customer_id": self.customer_id,
            "arrived_at": self.arrived_at,
            "left_at": self.left_at,
            "host_id": self.host_id,
            "purpose": self.purpose,
            "qas": self.qas,
        })
    }
}

/// Which visits a list shows: newest first, by month of arrival and host.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VisitFilter {
    pub month: Option<Month>,
    pub host_id: Option<UserId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn good() -> VisitInput {
        VisitInput {
            visitors: "李工、张工".into(),
            organisation: Some("嘉兴供电公司".into()),
            customer_id: None,
            arrived_at: Some(t("2026-11-20T01:30:00Z")),
            left_at: Some(t("2026-11-20T04:00:00Z")),
            host_id: Some(UserId(5)),
            purpose: Some("training".into()),
            qas: vec![
                QuestionAnswer {
                    question: "柜门联锁怎么解除？".into(),
                    answer: "先断开主开关，再用专用钥匙。".into(),
                },
                QuestionAnswer::default(),
            ],
        }
    }

    fn problems(input: &VisitInput) -> Vec<(String, &'static str)> {
        match NewVisit::parse(input, UserId(1), t("2026-11-27T00:00:00Z")) {
            Ok(_) => vec![],
            Err(Error::Validation(f)) => f.0.into_iter().map(|(k, p)| (k, p.code)).collect(),
            Err(e) => vec![(e.to_string(), "other")],
        }
    }

    #[test]
    fn r3_6_a_visit_keeps_its_questions_and_drops_empty_rows() {
        let v = NewVisit::parse(&good(), UserId(1), t("2026-11-27T00:00:00Z"));
        let v = v.ok().map(|v| (v.qas.len(), v.purpose));
        assert_eq!(v, Some((1, VisitPurpose::Training)));
    }

    #[test]
    fn r3_6_every_bad_field_is_named() {
        fn qa(q: &str, a: &str) -> QuestionAnswer {
            QuestionAnswer {
                question: q.into(),
                answer: a.into(),
            }
        }
        type Change = fn(&mut VisitInput);
        let table: Vec<(Change, Vec<(&str, &str)>)> = vec![
            (|v| v.visitors = " ".into(), vec![("visitors", "required")]),
            (
                |v| v.visitors = "x".repeat(201),
                vec![("visitors", "too_long")],
            ),
            (
                |v| v.visitors = "a\u{0}b".into(),
                vec![("visitors", "invalid")],
            ),
            (
                |v| v.organisation = None,
                vec![("organisation", "required")],
            ),
            (
                |v| {
                    v.organisation = None;
                    v.customer_id = Some(CustomerId(3));
                },
                vec![],
            ),
            (|v| v.arrived_at = None, vec![("arrived_at", "required")]),
            (
                |v| v.arrived_at = Some(t("2026-11-28T00:00:00Z")),
                vec![("arrived_at", "in_future"), ("left_at", "invalid")],
            ),
            (
                |v| v.left_at = Some(t("2026-11-20T01:00:00Z")),
                vec![("left_at", "invalid")],
            ),
            (|v| v.left_at = None, vec![]),
            (|v| v.host_id = None, vec![("host_id", "required")]),
            (
                |v| v.purpose = Some("party".into()),
                vec![("purpose", "invalid")],
            ),
            (|v| v.purpose = None, vec![("purpose", "required")]),
            (
                |v| v.qas = vec![qa("为什么跳闸？", "")],
                vec![("qas[0].answer", "required")],
            ),
            (
                |v| v.qas = vec![qa("", ""), qa("", "答")],
                vec![("qas[1].question", "required")],
            ),
            (|v| v.qas = vec![qa("q", "a"); 51], vec![("qas", "invalid")]),
        ];
        for (i, (change, want)) in table.into_iter().enumerate() {
            let mut v = good();
            change(&mut v);
            let want: Vec<(String, &str)> =
                want.into_iter().map(|(k, c)| (k.to_string(), c)).collect();
            assert_eq!(problems(&v), want, "case {i}");
        }
    }

    #[test]
    fn r3_6_only_senior_engineers_host() {
        for r in Role::ALL {
            assert_eq!(may_host(r), r == Role::SeniorEngineer, "{r:?}");
        }
    }
}
