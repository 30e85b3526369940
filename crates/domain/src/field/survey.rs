//! The customer's satisfaction survey of a job (R5.3).
//!
//! Once the customer has signed the job's feedback form they rate the service: a few fixed
//! questions, each scored 1 to 5, and a comment. They answer on the technician's phone
//! (the crew hands it over), or later through a link the crew or the department gives
//! them: a random token of which only the SHA-256 is kept, that works once, expires after
//! [`LINK_VALID`] and opens only the survey of its own job.

use super::{Job, JobStatus};
use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{JobId, UserId};
use crate::role::{Permission, Role};
use crate::terms::str_enum;
use crate::text::optional;
use crate::time::to_store_precision;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// How long a survey link works after it is issued.
pub const LINK_VALID: Duration = Duration::days(14);

/// The longest comment, in characters.
pub const COMMENT_MAX: usize = 1000;

/// The lowest and the highest score of a question.
pub const SCORES: (i64, i64) = (1, 5);

str_enum!(
    /// The fixed questions, in the order they are asked.
    Question {
        /// The technician arrived when promised.
        OnTime = "on_time",
        /// Courtesy and attitude.
        Attitude = "attitude",
        /// Technical competence.
        Competence = "competence",
        /// The problem was solved.
        Solved = "solved",
        /// Overall satisfaction.
        Overall = "overall",
    }
);

str_enum!(
    /// Where the customer answered.
    AnsweredVia {
        Phone = "phone",
        Link = "link",
    }
);

/// A survey as submitted: a score per question (by its name) and a comment.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SurveyInput {
    #[serde(default)]
    pub scores: BTreeMap<String, i64>,
    pub comment: Option<String>,
}

/// The customer's answers, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answers {
    /// Every question, in [`Question::ALL`] order, with its score.
    pub scores: Vec<(Question, u8)>,
    pub comment: Option<String>,
}

impl Answers {
    /// Every question must be scored 1 to 5; each one missing or out of range is named
    /// by its own field (`on_time`, …), a question that does not exist by its name.
    pub fn parse(input: &SurveyInput) -> Result<Answers, Error> {
        let mut errs = FieldErrors::new();
        for k in input.scores.keys() {
            if Question::parse(k).is_none() {
                errs.add(k.clone(), Problem::invalid("not a question of the survey"));
            }
        }
        let mut scores = Vec::new();
        for q in Question::ALL {
            match input.scores.get(q.as_str()) {
                None => errs.add(q.as_str(), Problem::required()),
                Some(s) if !(SCORES.0..=SCORES.1).contains(s) => errs.add(
                    q.as_str(),
                    Problem::invalid(format!("a score from {} to {}", SCORES.0, SCORES.1)),
                ),
                Some(s) => scores.push((*q, u8::try_from(*s).unwrap_or(0))),
            }
        }
        let comment = errs
            .take("comment", optional(input.comment.as_deref(), COMMENT_MAX))
            .flatten();
        errs.into_result()?;
        Ok(Answers { scores, comment })
    }

    pub fn score(&self, q: Question) -> Option<u8> {
        self.scores.iter().find(|(k, _)| *k == q).map(|(_, s)| *s)
    }

    /// The scores as the store keeps them: `{"on_time": 5, …}`.
    pub fn scores_json(&self) -> String {
        let map: BTreeMap<&str, u8> = self.scores.iter().map(|(q, s)| (q.as_str(), *s)).collect();
        serde_json::to_string(&map).unwrap_or_else(|_| "{}".into())
    }

    /// The scores back from the store; questions it does not know are left out.
    pub fn scores_from_json(s: &str) -> Result<Vec<(Question, u8)>, Error> {
        let map: BTreeMap<String, u8> =
            serde_json::from_str(s).map_err(|e| Error::Internal(format!("survey answers: {e}")))?;
        Ok(Question::ALL
            .iter()
            .filter_map(|q| map.get(q.as_str()).map(|s| (*q, *s)))
            .collect())
    }
}

/// Whether a job's survey may be answered: its feedback form is signed.
pub fn may_be_answered(status: JobStatus) -> bool {
    matches!(
        status,
        JobStatus::Submitted | JobStatus::Returned | JobStatus::Done
    )
}

/// Who may hand out a link: the department (dispatch, review) and the job's crew.
pub fn may_issue_link(job: &Job, user: UserId, role: Role) -> bool {
    role.may(Permission::DispatchTechnicians)
        || role.may(Permission::ReviewFeedbackForms)
        || (role.may(Permission::DoFieldWork) && job.crew_member(user))
}

/// What a survey link is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// It opens its survey.
    Open,
    /// No such link: never issued, or replaced by a newer one.
    Unknown,
    /// Issued more than [`LINK_VALID`] ago.
    Expired,
    /// Already used, or the survey was answered another way.
    Used,
}

/// A job's survey: issued links and, once answered, the answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Survey {
    pub id: i64,
    pub job_id: JobId,
    pub answers: Option<Answers>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_via: Option<AnsweredVia>,
    #[serde(skip)]
    pub token_hash: Option<String>,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub token_used_at: Option<DateTime<Utc>>,
    pub issued_by: Option<UserId>,
    pub issued_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

fn not_signed(job: &Job) -> Error {
    Error::Conflict(format!(
        "the survey comes after the feedback form is signed; the job is {}",
        job.status.as_str()
    ))
}

fn answered_already() -> Error {
    Error::Conflict("the survey was already answered".into())
}

impl Survey {
    /// A job's survey before anything happened to it (not yet written: id 0).
    pub fn blank(job_id: JobId, now: DateTime<Utc>) -> Survey {
        Survey {
            id: 0,
            job_id,
            answers: None,
            answered_at: None,
            answered_via: None,
            token_hash: None,
            token_expires_at: None,
            token_used_at: None,
            issued_by: None,
            issued_at: None,
            created_at: to_store_precision(now),
            version: 0,
        }
    }

    pub fn is_answered(&self) -> bool {
        self.answered_at.is_some()
    }

    fn answered(&self, answers: Answers, via: AnsweredVia, now: DateTime<Utc>) -> Survey {
        let mut s = self.clone();
        s.answers = Some(answers);
        s.answered_at = Some(now);
        s.answered_via = Some(via);
        s.version += 1;
        s
    }

    /// The customer answers on the technician's phone: only a member of the job's crew
    /// holds it, once the form is signed, and only once.
    pub fn answer_on_phone(
        &self,
        job: &Job,
        user: UserId,
        role: Role,
        input: &SurveyInput,
        now: DateTime<Utc>,
    ) -> Result<Survey, Error> {
        if !role.may(Permission::DoFieldWork) || !job.crew_member(user) {
            return Err(Error::Forbidden);
        }
        if !may_be_answered(job.status) {
            return Err(not_signed(job));
        }
        if self.is_answered() {
            return Err(answered_already());
        }
        let answers = Answers::parse(input)?;
        let now = to_store_precision(now);
        let mut s = self.answered(answers, AnsweredVia::Phone, now);
        // A link handed out earlier has nothing left to open.
        if s.token_hash.is_some() && s.token_used_at.is_none() {
            s.token_used_at = Some(now);
        }
        Ok(s)
    }

    /// Hand out a link: a new token (its hash given here) replaces any earlier one, and
    /// works until [`LINK_VALID`] from now.
    pub fn issue_link(
        &self,
        job: &Job,
        user: UserId,
        role: Role,
        token_hash: String,
        now: DateTime<Utc>,
    ) -> Result<Survey, Error> {
        if !may_issue_link(job, user, role) {
            return Err(Error::Forbidden);
        }
        if !may_be_answered(job.status) {
            return Err(not_signed(job));
        }
        if self.is_answered() {
            return Err(answered_already());
        }
        let now = to_store_precision(now);
        let mut s = self.clone();
        s.token_hash = Some(token_hash);
        s.token_expires_at = Some(now + LINK_VALID);
        s.token_used_at = None;
        s.issued_by = Some(user);
        s.issued_at = Some(now);
        s.version += 1;
        Ok(s)
    }

    /// What the link with this token hash is for this survey now.
    pub fn link_state(&self, token_hash: &str, now: DateTime<Utc>) -> LinkState {
        if self.token_hash.as_deref() != Some(token_hash) {
            return LinkState::Unknown;
        }
        if self.token_used_at.is_some() || self.is_answered() {
            return LinkState::Used;
        }
        match self.token_expires_at {
            Some(until) if now < until => LinkState::Open,
            _ => LinkState::Expired,
        }
    }

    /// The customer answers through the link: only an open link of this very survey.
    pub fn answer_by_link(
        &self,
        token_hash: &str,
        input: &SurveyInput,
        now: DateTime<Utc>,
    ) -> Result<Survey, Error> {
        match self.link_state(token_hash, now) {
            LinkState::Open => {}
            LinkState::Unknown => return Err(Error::NotFound("survey link")),
            LinkState::Expired => return Err(Error::Conflict("the link has expired".into())),
            LinkState::Used => return Err(Error::Conflict("the link was already used".into())),
        }
        let answers = Answers::parse(input)?;
        let now = to_store_precision(now);
        let mut s = self.answered(answers, AnsweredVia::Link, now);
        s.token_used_at = Some(now);
        Ok(s)
    }

    /// The fields an audit record compares (R1.4); never the token's hash.
    pub fn audit_view(&self) -> Value {
        json!({
            "job_id": self.job_id,
            "scores": self.answers.as_ref().map(|a| a.scores.iter().map(|(q, s)| (q.as_str().to_string(), json!(s))).collect::<serde_json::Map<_, _>>()),
            "comment": self.answers.as_ref().and_then(|a| a.comment.clone()),
            "answered_at": self.answered_at,
            "answered_via": self.answered_via,
            "link_expires_at": self.token_expires_at,
            "link_used_at": self.token_used_at,
            "issued_by": self.issued_by,
        })
    }
}

/// The month's answers, per question: how many answered and the mean score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionSummary {
    pub question: Question,
    pub answered: usize,
    pub average: Option<f64>,
}

/// Per question, the mean of the answered surveys' scores (two decimals).
pub fn averages(surveys: &[Survey]) -> Vec<QuestionSummary> {
    Question::ALL
        .iter()
        .map(|q| {
            let scores: Vec<f64> = surveys
                .iter()
                .filter_map(|s| s.answers.as_ref()?.score(*q))
                .map(f64::from)
                .collect();
            let n = scores.len();
            let average =
                (n > 0).then(|| (scores.iter().sum::<f64>() / n as f64 * 100.0).round() / 100.0);
            QuestionSummary {
                question: *q,
                answered: n,
                average,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{CrewMember, Trip};
    use crate::ids::{CustomerId, TicketId, TripId};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 6, 0, 0).unwrap()
    }

    fn job(id: i64, status: JobStatus) -> Job {
        Job {
            id: JobId(id),
            ticket_id: TicketId(id),
            job_type: super::super::JobType::Repair,
            status,
            customer_id: CustomerId(1),
            site_id: None,
            unit_id: None,
            model_code: None,
            contact_name: "王工".into(),
            contact_phone: "13800000000".into(),
            problem: "不制冷".into(),
            trips: vec![Trip {
                id: TripId(1),
                ordinal: 1,
                reason: None,
                crew: vec![CrewMember {
                    user_id: UserId(7),
                    name: "李师傅".into(),
                    lead: true,
                }],
                dispatched_at: None,
                dispatched_by: None,
                expected_at: None,
                departed_at: None,
                arrived_at: None,
                arrived_by: None,
                position: None,
                created_at: now(),
            }],
            created_by: UserId(1),
            created_at: now(),
            updated_at: now(),
            version: 1,
        }
    }

    fn full() -> SurveyInput {
        SurveyInput {
            scores: Question::ALL
                .iter()
                .map(|q| (q.as_str().to_string(), 5))
                .collect(),
            comment: Some("很好".into()),
        }
    }

    fn issued(j: &Job, hash: &str) -> Survey {
        Survey::blank(j.id, now())
            .issue_link(j, UserId(2), Role::ServiceClerk, hash.into(), now())
            .unwrap()
    }

    #[test]
    fn r5_3_every_question_is_scored_one_to_five_and_named_when_not() {
        let mut input = full();
        input.scores.insert("on_time".into(), 0);
        input.scores.insert("overall".into(), 6);
        input.scores.remove("solved");
        input.scores.insert("colour".into(), 3);
        input.comment = Some("长".repeat(COMMENT_MAX + 1));
        let Err(Error::Validation(errs)) = Answers::parse(&input) else {
            panic!("refused");
        };
        for f in ["on_time", "overall", "solved", "colour", "comment"] {
            assert!(errs.get(f).is_some(), "{f} named: {errs:?}");
        }
        assert!(errs.get("attitude").is_none());
        let a = Answers::parse(&full()).unwrap();
        assert_eq!(a.scores.len(), Question::ALL.len());
        assert_eq!(
            Answers::scores_from_json(&a.scores_json()).unwrap(),
            a.scores
        );
    }

    #[test]
    fn r5_3_survey_only_after_the_form_is_signed() {
        for status in JobStatus::ALL {
            let j = job(1, *status);
            let r = Survey::blank(j.id, now()).answer_on_phone(
                &j,
                UserId(7),
                Role::Technician,
                &full(),
                now(),
            );
            assert_eq!(r.is_ok(), may_be_answered(*status), "{status}");
        }
    }

    #[test]
    fn r5_3_only_the_crew_hands_over_the_phone() {
        let j = job(1, JobStatus::Submitted);
        let s = Survey::blank(j.id, now());
        assert_eq!(
            s.answer_on_phone(&j, UserId(8), Role::Technician, &full(), now()),
            Err(Error::Forbidden)
        );
        assert_eq!(
            s.answer_on_phone(&j, UserId(7), Role::ServiceClerk, &full(), now()),
            Err(Error::Forbidden)
        );
        let done = s
            .answer_on_phone(&j, UserId(7), Role::Technician, &full(), now())
            .unwrap();
        assert_eq!(done.answered_via, Some(AnsweredVia::Phone));
        assert!(matches!(
            done.answer_on_phone(&j, UserId(7), Role::Technician, &full(), now()),
            Err(Error::Conflict(_))
        ));
    }

    #[test]
    fn r5_3_survey_link_works_once() {
        let j = job(1, JobStatus::Done);
        let s = issued(&j, "h1");
        assert_eq!(s.link_state("h1", now()), LinkState::Open);
        let answered = s.answer_by_link("h1", &full(), now()).unwrap();
        assert_eq!(answered.answered_via, Some(AnsweredVia::Link));
        assert_eq!(answered.link_state("h1", now()), LinkState::Used);
        assert!(matches!(
            answered.answer_by_link("h1", &full(), now()),
            Err(Error::Conflict(_))
        ));
        // A link issued, then the survey answered on the phone: the link is spent.
        let phone = issued(&j, "h2")
            .answer_on_phone(&j, UserId(7), Role::Technician, &full(), now())
            .unwrap();
        assert_eq!(phone.link_state("h2", now()), LinkState::Used);
    }

    #[test]
    fn r5_3_survey_link_expires() {
        let j = job(1, JobStatus::Submitted);
        let s = issued(&j, "h");
        let last = now() + LINK_VALID - Duration::seconds(1);
        assert_eq!(s.link_state("h", last), LinkState::Open);
        assert_eq!(s.link_state("h", now() + LINK_VALID), LinkState::Expired);
        assert!(s.answer_by_link("h", &full(), now() + LINK_VALID).is_err());
    }

    #[test]
    fn r5_3_link_opens_only_its_own_survey() {
        let (a, b) = (job(1, JobStatus::Done), job(2, JobStatus::Done));
        let (sa, sb) = (issued(&a, "ha"), issued(&b, "hb"));
        assert_eq!(sb.link_state("ha", now()), LinkState::Unknown);
        assert_eq!(
            sb.answer_by_link("ha", &full(), now()),
            Err(Error::NotFound("survey link"))
        );
        assert_eq!(sa.link_state("ha", now()), LinkState::Open);
        // A new link replaces the old one.
        let again = sa
            .issue_link(&a, UserId(2), Role::ServiceClerk, "ha2".into(), now())
            .unwrap();
        assert_eq!(again.link_state("ha", now()), LinkState::Unknown);
        assert_eq!(again.link_state("ha2", now()), LinkState::Open);
    }

    #[test]
    fn r5_3_the_department_or_the_crew_issues_a_link() {
        let j = job(1, JobStatus::Submitted);
        let s = Survey::blank(j.id, now());
        for (user, role, ok) in [
            (UserId(2), Role::ServiceClerk, true),
            (UserId(2), Role::ServiceManager, true),
            (UserId(7), Role::Technician, true),
            (UserId(8), Role::Technician, false),
            (UserId(9), Role::Salesperson, false),
        ] {
            assert_eq!(
                s.issue_link(&j, user, role, "h".into(), now()).is_ok(),
                ok,
                "{role:?}"
            );
        }
    }

    #[test]
    fn r5_3_averages_per_question() {
        let j = job(1, JobStatus::Done);
        let mut low = full();
        low.scores.insert("on_time".into(), 2);
        let a = Survey::blank(j.id, now())
            .answer_on_phone(&j, UserId(7), Role::Technician, &full(), now())
            .unwrap();
        let b = Survey::blank(j.id, now())
            .answer_on_phone(&j, UserId(7), Role::Technician, &low, now())
            .unwrap();
        let avg = averages(&[a, b, Survey::blank(j.id, now())]);
        assert_eq!(avg[0].question, Question::OnTime);
        assert_eq!((avg[0].answered, avg[0].average), (2, Some(3.5)));
        assert_eq!(avg[4].average, Some(5.0));
    }
}
