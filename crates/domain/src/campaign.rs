//! The yearly customer visit campaign (R3.9).
//!
//! The service manager defines a campaign for a year: its channels (visit, phone,
//! questionnaire, meeting), which customers it targets (by region, by product model — a
//! customer with a unit of that model — and/or by salesperson), and a short questionnaire
//! (ratings 1–5, choices, free text). Launching it fixes the target list; each target is
//! assigned to a person (by default the customer's salesperson), who records the
//! customer's response. A customer may also answer through a link that needs no sign-in:
//! a random token of which only the SHA-256 is kept, that works once and expires after
//! [`LINK_VALID`]. The results are summarised per question and per region, with the
//! verbatim suggestions.

use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{CampaignId, CustomerId, ProductModelId, UserId};
use crate::region::Region;
use crate::role::{Permission, Role};
use crate::terms::str_enum;
use crate::text::{optional, required};
use crate::time::to_store_precision;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How long a questionnaire link works after it is issued.
pub const LINK_VALID: Duration = Duration::days(30);
/// The longest campaign name, question label, choice and free-text answer.
pub const NAME_MAX: usize = 100;
pub const LABEL_MAX: usize = 200;
pub const OPTION_MAX: usize = 60;
pub const TEXT_MAX: usize = 2000;
/// At most this many questions, and this many options of a choice.
pub const QUESTIONS_MAX: usize = 12;
pub const OPTIONS_MAX: usize = 8;
/// The years a campaign may be for.
pub const YEARS: (i32, i32) = (2000, 2100);

str_enum!(
    /// How the customers are reached.
    Channel {
        Visit = "visit",
        Phone = "phone",
        Questionnaire = "questionnaire",
        Meeting = "meeting",
    }
);

str_enum!(
    /// Where a campaign stands.
    CampaignStatus {
        /// Being defined: it may still be edited.
        Draft = "draft",
        /// Launched: its targets are fixed and responses are recorded.
        Running = "running",
        /// Over: no more responses.
        Closed = "closed",
    }
);

str_enum!(
    /// What kind of answer a question takes.
    QuestionKind {
        /// A score from 1 to 5.
        Rating = "rating",
        /// One of the question's options.
        Choice = "choice",
        /// Free text (optional).
        Text = "text",
    }
);

/// A question of the questionnaire; `key` (`q1`, `q2`, …) names its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub key: String,
    pub kind: QuestionKind,
    pub label: String,
    #[serde(default)]
    pub options: Vec<String>,
}

/// Which customers a campaign targets. An empty list does not narrow; the lists that are
/// given must all match (a region among `regions`, a unit of a model among `model_ids`,
/// a salesperson among `salesperson_ids`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targeting {
    #[serde(default)]
    pub regions: Vec<Region>,
    #[serde(default)]
    pub model_ids: Vec<ProductModelId>,
    #[serde(default)]
    pub salesperson_ids: Vec<UserId>,
}

/// A customer as the targeting rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub customer_id: CustomerId,
    pub region: Region,
    pub salesperson_id: Option<UserId>,
    /// The models of the customer's units.
    pub model_ids: Vec<ProductModelId>,
}

impl Targeting {
    /// Whether the campaign targets this customer.
    pub fn matches(&self, c: &Candidate) -> bool {
        (self.regions.is_empty() || self.regions.contains(&c.region))
            && (self.model_ids.is_empty() || c.model_ids.iter().any(|m| self.model_ids.contains(m)))
            && (self.salesperson_ids.is_empty()
                || c.salesperson_id
                    .is_some_and(|s| self.salesperson_ids.contains(&s)))
    }

    /// The customers targeted, in the order given.
    pub fn targets(&self, candidates: &[Candidate]) -> Vec<CustomerId> {
        candidates
            .iter()
            .filter(|c| self.matches(c))
            .map(|c| c.customer_id)
            .collect()
    }
}

/// A question as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QuestionInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub label: String,
    /// The options of a choice question.
    #[serde(default)]
    pub options: Vec<String>,
}

/// A campaign's definition as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CampaignInput {
    #[serde(default)]
    pub year: Option<i64>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub channels: Vec<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub model_ids: Vec<i64>,
    #[serde(default)]
    pub salesperson_ids: Vec<i64>,
    #[serde(default)]
    pub questions: Vec<QuestionInput>,
}

/// A campaign's definition, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignFields {
    pub year: i32,
    pub name: String,
    pub channels: Vec<Channel>,
    pub targeting: Targeting,
    pub questions: Vec<Question>,
}

impl CampaignFields {
    /// Every problem at once, each named by its field (`year`, `name`, `channels`,
    /// `regions`, `questions`, `questions[1].label`, …).
    pub fn parse(input: &CampaignInput) -> Result<CampaignFields, Error> {
        let mut errs = FieldErrors::new();
        let year = match input.year {
            None => {
                errs.add("year", Problem::required());
                0
            }
            Some(y) if !(i64::from(YEARS.0)..=i64::from(YEARS.1)).contains(&y) => {
                errs.add(
                    "year",
                    Problem::invalid(format!("a year from {} to {}", YEARS.0, YEARS.1)),
                );
                0
            }
            Some(y) => i32::try_from(y).unwrap_or(0),
        };
        let name = errs
            .take("name", required(&input.name, NAME_MAX))
            .unwrap_or_default();
        let mut channels = Vec::new();
        for c in &input.channels {
            match Channel::parse(c.trim()) {
                Some(ch) if !channels.contains(&ch) => channels.push(ch),
                Some(_) => {}
                None => errs.add("channels", Problem::invalid(format!("not a channel: {c}"))),
            }
        }
        if input.channels.is_empty() {
            errs.add("channels", Problem::new("required", "at least one channel"));
        }
        let mut regions = Vec::new();
        for r in &input.regions {
            match Region::parse(r.trim()) {
                Some(x) if !regions.contains(&x) => regions.push(x),
                Some(_) => {}
                None => errs.add("regions", Problem::invalid(format!("not a region: {r}"))),
            }
        }
        let mut model_ids: Vec<ProductModelId> =
            input.model_ids.iter().map(|m| ProductModelId(*m)).collect();
        model_ids.dedup();
        let mut salesperson_ids: Vec<UserId> =
            input.salesperson_ids.iter().map(|u| UserId(*u)).collect();
        salesperson_ids.dedup();
        let mut questions = Vec::new();
        if input.questions.is_empty() {
            errs.add(
                "questions",
                Problem::new("required", "at least one question"),
            );
        }
        if input.questions.len() > QUESTIONS_MAX {
            errs.add(
                "questions",
                Problem::invalid(format!("at most {QUESTIONS_MAX} questions")),
            );
        }
        for (i, q) in input.questions.iter().enumerate() {
            let at = |f: &str| format!("questions[{i}].{f}");
            let kind = QuestionKind::parse(q.kind.trim());
            if kind.is_none() {
                errs.add(at("kind"), Problem::invalid("rating, choice or text"));
            }
            let label = errs.take(&at("label"), required(&q.label, LABEL_MAX));
            let options: Vec<String> = q
                .options
                .iter()
                .map(|o| o.trim().to_string())
                .filter(|o| !o.is_empty())
                .collect();
            if kind == Some(QuestionKind::Choice) {
                if options.len() < 2 || options.len() > OPTIONS_MAX {
                    errs.add(
                        at("options"),
                        Problem::invalid(format!("from 2 to {OPTIONS_MAX} options")),
                    );
                } else if options.iter().any(|o| o.chars().count() > OPTION_MAX) {
                    errs.add(at("options"), Problem::too_long(OPTION_MAX));
                }
            }
            if let (Some(kind), Some(label)) = (kind, label) {
                questions.push(Question {
                    key: format!("q{}", i + 1),
                    kind,
                    label,
                    options: if kind == QuestionKind::Choice {
                        options
                    } else {
                        Vec::new()
                    },
                });
            }
        }
        errs.into_result()?;
        Ok(CampaignFields {
            year,
            name,
            channels,
            targeting: Targeting {
                regions,
                model_ids,
                salesperson_ids,
            },
            questions,
        })
    }
}

/// A campaign.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Campaign {
    pub id: CampaignId,
    #[serde(flatten)]
    pub fields: CampaignFields,
    pub status: CampaignStatus,
    pub created_by: UserId,
    pub launched_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

impl Campaign {
    /// A new draft (not yet written: id 0).
    pub fn new(fields: CampaignFields, by: UserId, now: DateTime<Utc>) -> Campaign {
        let now = to_store_precision(now);
        Campaign {
            id: CampaignId(0),
            fields,
            status: CampaignStatus::Draft,
            created_by: by,
            launched_at: None,
            created_at: now,
            updated_at: now,
            version: 0,
        }
    }

    pub fn audit_view(&self) -> serde_json::Value {
        crate::audit::record_view(self)
    }

    /// A new definition: only while it is a draft (its targets are fixed at launch).
    pub fn edited(&self, fields: CampaignFields, now: DateTime<Utc>) -> Result<Campaign, Error> {
        if self.status != CampaignStatus::Draft {
            return Err(Error::Conflict(format!(
                "the campaign is {}; only a draft may be edited",
                self.status
            )));
        }
        Ok(Campaign {
            fields,
            updated_at: to_store_precision(now),
            ..self.clone()
        })
    }

    /// Launched: from a draft, with at least one target.
    pub fn launched(&self, targets: usize, now: DateTime<Utc>) -> Result<Campaign, Error> {
        if self.status != CampaignStatus::Draft {
            return Err(Error::Conflict(format!(
                "the campaign is {}; only a draft may be launched",
                self.status
            )));
        }
        if targets == 0 {
            return Err(Error::field(
                "targeting",
                Problem::new("empty", "no customer matches the targeting"),
            ));
        }
        let now = to_store_precision(now);
        Ok(Campaign {
            status: CampaignStatus::Running,
            launched_at: Some(now),
            updated_at: now,
            ..self.clone()
        })
    }

    /// Closed: from running.
    pub fn closed(&self, now: DateTime<Utc>) -> Result<Campaign, Error> {
        if self.status != CampaignStatus::Running {
            return Err(Error::Conflict(format!(
                "the campaign is {}; only a running one may be closed",
                self.status
            )));
        }
        Ok(Campaign {
            status: CampaignStatus::Closed,
            updated_at: to_store_precision(now),
            ..self.clone()
        })
    }

    /// Whether responses (and assignments, links) are taken: only while it runs. A closed
    /// campaign says so plainly.
    pub fn running(&self) -> Result<(), Error> {
        match self.status {
            CampaignStatus::Running => Ok(()),
            CampaignStatus::Closed => Err(Error::Conflict(
                "the campaign is closed: no more responses are recorded".into(),
            )),
            CampaignStatus::Draft => Err(Error::Conflict(
                "the campaign is a draft: responses are recorded once it is launched".into(),
            )),
        }
    }
}

/// A customer's response as typed: the answers by question key (`q1`, …).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResponseInput {
    #[serde(default)]
    pub channel: Option<String>,
    /// The day of the contact, `YYYY-MM-DD`.
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    /// The customer's suggestions, word for word.
    #[serde(default)]
    pub suggestions: Option<String>,
}

/// A customer's response, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    pub channel: Channel,
    pub date: NaiveDate,
    /// By question key: a rating as "1".."5", a choice as its option, a text as typed.
    pub answers: BTreeMap<String, String>,
    pub suggestions: Option<String>,
    /// Who recorded it; `None` when the customer answered through the link.
    pub recorded_by: Option<UserId>,
    pub recorded_at: DateTime<Utc>,
}

impl Response {
    /// Check a response against the campaign's questions: every rating (1–5) and choice
    /// is required, a text is optional; each problem named by its question key. A link's
    /// answer comes by the questionnaire, on `today`.
    pub fn parse(
        campaign: &Campaign,
        input: &ResponseInput,
        by: Option<UserId>,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Response, Error> {
        let mut errs = FieldErrors::new();
        let channel = if by.is_none() {
            Some(Channel::Questionnaire)
        } else {
            match input.channel.as_deref().map(str::trim).unwrap_or("") {
                "" => {
                    errs.add("channel", Problem::required());
                    None
                }
                c => match Channel::parse(c) {
                    Some(ch) if campaign.fields.channels.contains(&ch) => Some(ch),
                    _ => {
                        errs.add(
                            "channel",
                            Problem::invalid("not a channel of this campaign"),
                        );
                        None
                    }
                },
            }
        };
        let date = if by.is_none() {
            Some(today)
        } else {
            match input.date.as_deref().map(str::trim).unwrap_or("") {
                "" => {
                    errs.add("date", Problem::required());
                    None
                }
                d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                    Ok(d) if d > today => {
                        errs.add("date", Problem::invalid("a day not after today"));
                        None
                    }
                    Ok(d) => Some(d),
                    Err(_) => {
                        errs.add("date", Problem::invalid("a date as YYYY-MM-DD"));
                        None
                    }
                },
            }
        };
        for k in input.answers.keys() {
            if !campaign.fields.questions.iter().any(|q| &q.key == k) {
                errs.add(
                    k.clone(),
                    Problem::invalid("not a question of the campaign"),
                );
            }
        }
        let mut answers = BTreeMap::new();
        for q in &campaign.fields.questions {
            let given = input
                .answers
                .get(&q.key)
                .map(|s| s.trim())
                .filter(|s| !s.is_empty());
            match (q.kind, given) {
                (QuestionKind::Text, None) => {}
                (_, None) => errs.add(q.key.clone(), Problem::required()),
                (QuestionKind::Rating, Some(v)) => match v.parse::<u8>() {
                    Ok(n) if (1..=5).contains(&n) => {
                        answers.insert(q.key.clone(), n.to_string());
                    }
                    _ => errs.add(q.key.clone(), Problem::invalid("a score from 1 to 5")),
                },
                (QuestionKind::Choice, Some(v)) => {
                    if q.options.iter().any(|o| o == v) {
                        answers.insert(q.key.clone(), v.to_string());
                    } else {
                        errs.add(q.key.clone(), Problem::invalid("one of the options"));
                    }
                }
                (QuestionKind::Text, Some(v)) => {
                    if let Some(t) = errs.take(&q.key, optional(Some(v), TEXT_MAX)).flatten() {
                        answers.insert(q.key.clone(), t);
                    }
                }
            }
        }
        let suggestions = errs
            .take(
                "suggestions",
                optional(input.suggestions.as_deref(), TEXT_MAX),
            )
            .flatten();
        errs.into_result()?;
        Ok(Response {
            channel: channel.unwrap_or(Channel::Visit),
            date: date.unwrap_or(today),
            answers,
            suggestions,
            recorded_by: by,
            recorded_at: to_store_precision(now),
        })
    }
}

/// What a questionnaire link is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Open,
    /// Never issued, or replaced by a newer one.
    Unknown,
    Expired,
    /// Already answered (through the link or otherwise).
    Used,
    /// The campaign is no longer running.
    Closed,
}

/// One customer of a launched campaign.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    pub id: i64,
    pub campaign_id: CampaignId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub region: Region,
    pub assignee_id: Option<UserId>,
    pub assignee_name: Option<String>,
    pub response: Option<Response>,
    #[serde(skip)]
    pub token_hash: Option<String>,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// Who may record a target's response: the department, or the target's assignee.
pub fn may_record(target: &Target, actor: UserId, role: Role) -> bool {
    role.may(Permission::RecordCampaignResponses)
        && (role.may(Permission::DispatchTechnicians) || target.assignee_id == Some(actor))
}

impl Target {
    pub fn audit_view(&self) -> serde_json::Value {
        crate::audit::record_view(self)
    }

    /// Assigned to another person (while the campaign runs and the customer has not
    /// answered).
    pub fn assigned(&self, campaign: &Campaign, to: UserId) -> Result<Target, Error> {
        campaign.running()?;
        self.unanswered()?;
        Ok(Target {
            assignee_id: Some(to),
            ..self.clone()
        })
    }

    fn unanswered(&self) -> Result<(), Error> {
        if self.response.is_some() {
            return Err(Error::Conflict(
                "the customer's response was already recorded".into(),
            ));
        }
        Ok(())
    }

    /// The response recorded by a person; a link still open stops working.
    pub fn answered(&self, campaign: &Campaign, response: Response) -> Result<Target, Error> {
        campaign.running()?;
        self.unanswered()?;
        Ok(Target {
            response: Some(response),
            ..self.clone()
        })
    }

    /// A new link (only the hash of its token is kept); an earlier one stops working.
    pub fn link_issued(
        &self,
        campaign: &Campaign,
        token_hash: String,
        now: DateTime<Utc>,
    ) -> Result<Target, Error> {
        campaign.running()?;
        self.unanswered()?;
        if !campaign.fields.channels.contains(&Channel::Questionnaire) {
            return Err(Error::Conflict(
                "the campaign does not use the questionnaire channel".into(),
            ));
        }
        Ok(Target {
            token_hash: Some(token_hash),
            token_expires_at: Some(to_store_precision(now + LINK_VALID)),
            ..self.clone()
        })
    }

    /// What the link of `token_hash` is now.
    pub fn link_state(
        &self,
        campaign: &Campaign,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> LinkState {
        if self.token_hash.as_deref() != Some(token_hash) {
            LinkState::Unknown
        } else if self.response.is_some() {
            LinkState::Used
        } else if campaign.status != CampaignStatus::Running {
            LinkState::Closed
        } else if self.token_expires_at.is_none_or(|e| now >= e) {
            LinkState::Expired
        } else {
            LinkState::Open
        }
    }
}

/// One question's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionSummary {
    pub key: String,
    pub label: String,
    pub kind: QuestionKind,
    /// How many answered it.
    pub count: usize,
    /// The mean score of a rating question.
    pub mean: Option<f64>,
    /// How many gave each score (1..5) or option, in order.
    pub distribution: Vec<(String, usize)>,
    /// The free-text answers, word for word.
    pub texts: Vec<String>,
}

/// One region's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionSummary {
    pub region: Region,
    pub targets: usize,
    pub responded: usize,
    /// The mean of every rating given in the region.
    pub mean_rating: Option<f64>,
}

/// A campaign's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub targets: usize,
    pub responded: usize,
    pub questions: Vec<QuestionSummary>,
    pub regions: Vec<RegionSummary>,
    /// (customer, suggestion), word for word.
    pub suggestions: Vec<(String, String)>,
}

fn mean(xs: &[u8]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let sum: u32 = xs.iter().map(|x| u32::from(*x)).sum();
    Some(f64::from(sum) / xs.len() as f64)
}

/// Summarise the responses per question and per region (regions with targets only, in
/// [`Region::ALL`] order).
pub fn summarize(campaign: &Campaign, targets: &[Target]) -> Summary {
    let answered: Vec<(&Target, &Response)> = targets
        .iter()
        .filter_map(|t| t.response.as_ref().map(|r| (t, r)))
        .collect();
    let questions = campaign
        .fields
        .questions
        .iter()
        .map(|q| {
            let given: Vec<&String> = answered
                .iter()
                .filter_map(|(_, r)| r.answers.get(&q.key))
                .collect();
            let scores: Vec<u8> = given.iter().filter_map(|v| v.parse().ok()).collect();
            let distribution = match q.kind {
                QuestionKind::Rating => (1..=5u8)
                    .map(|s| (s.to_string(), scores.iter().filter(|x| **x == s).count()))
                    .collect(),
                QuestionKind::Choice => q
                    .options
                    .iter()
                    .map(|o| (o.clone(), given.iter().filter(|v| **v == o).count()))
                    .collect(),
                QuestionKind::Text => Vec::new(),
            };
            QuestionSummary {
                key: q.key.clone(),
                label: q.label.clone(),
                kind: q.kind,
                count: given.len(),
                mean: if q.kind == QuestionKind::Rating {
                    mean(&scores)
                } else {
                    None
                },
                distribution,
                texts: if q.kind == QuestionKind::Text {
                    given.iter().map(|s| (*s).clone()).collect()
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    let ratings: Vec<&str> = campaign
        .fields
        .questions
        .iter()
        .filter(|q| q.kind == QuestionKind::Rating)
        .map(|q| q.key.as_str())
        .collect();
    let regions = Region::ALL
        .iter()
        .filter_map(|region| {
            let of: Vec<&Target> = targets.iter().filter(|t| t.region == *region).collect();
            if of.is_empty() {
                return None;
            }
            let scores: Vec<u8> = of
                .iter()
                .filter_map(|t| t.response.as_ref())
                .flat_map(|r| ratings.iter().filter_map(|k| r.answers.get(*k)))
                .filter_map(|v| v.parse().ok())
                .collect();
            Some(RegionSummary {
                region: *region,
                targets: of.len(),
                responded: of.iter().filter(|t| t.response.is_some()).count(),
                mean_rating: mean(&scores),
            })
        })
        .collect();
    let suggestions = answered
        .iter()
        .filter_map(|(t, r)| {
            r.suggestions
                .as_ref()
                .map(|s| (t.customer_name.clone(), s.clone()))
        })
        .collect();
    Summary {
        targets: targets.len(),
        responded: answered.len(),
        questions,
        regions,
        suggestions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 2, 0, 0).unwrap()
    }

    fn input() -> CampaignInput {
        CampaignInput {
            year: Some(2026),
            name: "2026 visits".into(),
            channels: vec!["visit".into(), "questionnaire".into()],
            questions: vec![
                QuestionInput {
                    kind: "rating".into(),
                    label: "Quality".into(),
                    options: vec![],
                },
                QuestionInput {
                    kind: "choice".into(),
                    label: "Would you buy again?".into(),
                    options: vec!["yes".into(), "no".into()],
                },
                QuestionInput {
                    kind: "text".into(),
                    label: "Anything else".into(),
                    options: vec![],
                },
            ],
            ..CampaignInput::default()
        }
    }

    fn running() -> Campaign {
        let c = Campaign::new(CampaignFields::parse(&input()).unwrap(), UserId(1), now());
        c.launched(1, now()).unwrap()
    }

    fn cand(id: i64, region: Region, sp: Option<i64>, models: &[i64]) -> Candidate {
        Candidate {
            customer_id: CustomerId(id),
            region,
            salesperson_id: sp.map(UserId),
            model_ids: models.iter().map(|m| ProductModelId(*m)).collect(),
        }
    }

    #[test]
    fn r3_9_targeting_by_region_model_and_salesperson() {
        use Region::*;
        let cs = [
            cand(1, HangzhouUrban, Some(7), &[10]),
            cand(2, Zhejiang, Some(8), &[11]),
            cand(3, Zhejiang, Some(7), &[10, 11]),
            cand(4, OutOfProvince, None, &[]),
            cand(5, Unknown, Some(7), &[12]),
        ];
        // (regions, models, salespeople, expected customers)
        type Row<'a> = (&'a [Region], &'a [i64], &'a [i64], &'a [i64]);
        let table: &[Row] = &[
            (&[], &[], &[], &[1, 2, 3, 4, 5]),
            (&[Zhejiang], &[], &[], &[2, 3]),
            (&[HangzhouUrban, OutOfProvince], &[], &[], &[1, 4]),
            (&[], &[10], &[], &[1, 3]),
            (&[], &[11, 12], &[], &[2, 3, 5]),
            (&[], &[], &[7], &[1, 3, 5]),
            (&[Zhejiang], &[10], &[], &[3]),
            (&[Zhejiang], &[], &[8], &[2]),
            (&[], &[10], &[8], &[]),
            (&[Zhejiang], &[11], &[7], &[3]),
            (&[OutOfProvince], &[], &[7], &[]),
            (&[Unknown], &[12], &[7], &[5]),
        ];
        for (regions, models, sps, want) in table {
            let t = Targeting {
                regions: regions.to_vec(),
                model_ids: models.iter().map(|m| ProductModelId(*m)).collect(),
                salesperson_ids: sps.iter().map(|u| UserId(*u)).collect(),
            };
            let got: Vec<i64> = t.targets(&cs).into_iter().map(|c| c.0).collect();
            assert_eq!(&got, want, "{regions:?} {models:?} {sps:?}");
        }
    }

    #[test]
    fn r3_9_definition_names_each_bad_field() {
        let bad = CampaignInput {
            year: Some(1990),
            name: " ".into(),
            channels: vec!["fax".into()],
            regions: vec!["mars".into()],
            questions: vec![
                QuestionInput {
                    kind: "slider".into(),
                    label: "x".into(),
                    options: vec![],
                },
                QuestionInput {
                    kind: "choice".into(),
                    label: "".into(),
                    options: vec!["only".into()],
                },
            ],
            ..CampaignInput::default()
        };
        let Err(Error::Validation(e)) = CampaignFields::parse(&bad) else {
            panic!("refused")
        };
        for f in [
            "year",
            "name",
            "channels",
            "regions",
            "questions[0].kind",
            "questions[1].label",
            "questions[1].options",
        ] {
            assert!(e.get(f).is_some(), "{f} named: {e:?}");
        }
        let Err(Error::Validation(e)) = CampaignFields::parse(&CampaignInput::default()) else {
            panic!("refused")
        };
        for f in ["year", "name", "channels", "questions"] {
            assert!(e.get(f).is_some(), "{f} named");
        }
        let ok = CampaignFields::parse(&input()).unwrap();
        assert_eq!(ok.questions[1].key, "q2");
        assert_eq!(ok.channels, vec![Channel::Visit, Channel::Questionnaire]);
    }

    #[test]
    fn r3_9_response_checked_against_the_questionnaire() {
        let c = running();
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let mut answers = BTreeMap::new();
        answers.insert("q1".to_string(), "6".to_string());
        answers.insert("q2".to_string(), "maybe".to_string());
        answers.insert("q9".to_string(), "x".to_string());
        let bad = ResponseInput {
            channel: Some("meeting".into()),
            date: Some("2026-03-02".into()),
            answers,
            suggestions: None,
        };
        let Err(Error::Validation(e)) = Response::parse(&c, &bad, Some(UserId(2)), today, now())
        else {
            panic!("refused")
        };
        for f in ["channel", "date", "q1", "q2", "q9"] {
            assert!(e.get(f).is_some(), "{f} named: {e:?}");
        }
        assert!(e.get("q3").is_none(), "free text is optional");
        let mut answers = BTreeMap::new();
        answers.insert("q1".to_string(), "4".to_string());
        answers.insert("q2".to_string(), "yes".to_string());
        let ok = ResponseInput {
            channel: Some("visit".into()),
            date: Some("2026-02-27".into()),
            answers: answers.clone(),
            suggestions: Some(" Faster spare parts ".into()),
        };
        let r = Response::parse(&c, &ok, Some(UserId(2)), today, now()).unwrap();
        assert_eq!(r.channel, Channel::Visit);
        assert_eq!(r.suggestions.as_deref(), Some("Faster spare parts"));
        // Through the link: the questionnaire, today, whatever was sent.
        let link = ResponseInput {
            answers,
            ..ResponseInput::default()
        };
        let r = Response::parse(&c, &link, None, today, now()).unwrap();
        assert_eq!((r.channel, r.date), (Channel::Questionnaire, today));
    }

    fn target(id: i64, region: Region, assignee: Option<i64>) -> Target {
        Target {
            id,
            campaign_id: CampaignId(1),
            customer_id: CustomerId(id),
            customer_name: format!("C{id}"),
            region,
            assignee_id: assignee.map(UserId),
            assignee_name: None,
            response: None,
            token_hash: None,
            token_expires_at: None,
            version: 1,
        }
    }

    #[test]
    fn r3_9_who_may_record_a_response() {
        let t = target(1, Region::Zhejiang, Some(7));
        // (role, actor, allowed)
        let table = [
            (Role::ServiceManager, 1, true),
            (Role::ServiceClerk, 1, true),
            (Role::Salesperson, 7, true),
            (Role::Salesperson, 8, false),
            (Role::SeniorEngineer, 7, true),
            (Role::SeniorEngineer, 8, false),
            (Role::Technician, 7, false),
            (Role::QualityEngineer, 1, false),
        ];
        for (role, actor, ok) in table {
            assert_eq!(may_record(&t, UserId(actor), role), ok, "{role:?} {actor}");
        }
    }

    #[test]
    fn r3_9_link_works_once_and_expires() {
        let c = running();
        let t = target(1, Region::Zhejiang, Some(7))
            .link_issued(&c, "h".into(), now())
            .unwrap();
        assert_eq!(t.link_state(&c, "h", now()), LinkState::Open);
        assert_eq!(t.link_state(&c, "other", now()), LinkState::Unknown);
        assert_eq!(
            t.link_state(&c, "h", now() + LINK_VALID),
            LinkState::Expired
        );
        let r = Response::parse(
            &c,
            &ResponseInput {
                answers: [
                    ("q1".to_string(), "5".to_string()),
                    ("q2".to_string(), "no".to_string()),
                ]
                .into(),
                ..ResponseInput::default()
            },
            None,
            now().date_naive(),
            now(),
        )
        .unwrap();
        let done = t.answered(&c, r.clone()).unwrap();
        assert_eq!(done.link_state(&c, "h", now()), LinkState::Used);
        assert!(matches!(done.answered(&c, r), Err(Error::Conflict(_))));
        let closed = c.closed(now()).unwrap();
        assert_eq!(t.link_state(&closed, "h", now()), LinkState::Closed);
    }

    #[test]
    fn r3_9_close_only_a_running_campaign() {
        let draft = Campaign::new(CampaignFields::parse(&input()).unwrap(), UserId(1), now());
        let running = draft.launched(2, now()).unwrap();
        let closed = running.closed(now()).unwrap();
        // (campaign, may be closed)
        let table = [(&draft, false), (&running, true), (&closed, false)];
        for (c, ok) in table {
            let later = now() + Duration::hours(1);
            match c.closed(later) {
                Ok(x) => {
                    assert!(ok, "{} closed", c.status);
                    assert_eq!(x.status, CampaignStatus::Closed);
                    assert_eq!(x.updated_at, to_store_precision(later));
                    assert_eq!(
                        (x.fields.clone(), x.launched_at),
                        (c.fields.clone(), c.launched_at)
                    );
                }
                Err(e) => {
                    assert!(!ok, "{} refused", c.status);
                    assert!(matches!(e, Error::Conflict(_)), "{e:?}");
                }
            }
        }
        // After closing: nothing is launched, edited, assigned, answered or linked.
        assert!(closed.launched(2, now()).is_err());
        assert!(closed.edited(closed.fields.clone(), now()).is_err());
        let t = target(1, Region::Zhejiang, Some(7));
        assert!(t.assigned(&closed, UserId(8)).is_err());
        assert!(t.link_issued(&closed, "h".into(), now()).is_err());
        let r = Response {
            channel: Channel::Visit,
            date: now().date_naive(),
            answers: BTreeMap::new(),
            suggestions: None,
            recorded_by: Some(UserId(7)),
            recorded_at: now(),
        };
        let Err(Error::Conflict(why)) = t.answered(&closed, r.clone()) else {
            panic!("a closed campaign takes no response")
        };
        assert!(why.contains("closed"), "{why}");
        assert!(t.answered(&running, r).is_ok());
    }

    #[test]
    fn r3_9_draft_edited_launched_once() {
        let c = Campaign::new(CampaignFields::parse(&input()).unwrap(), UserId(1), now());
        assert!(c.launched(0, now()).is_err(), "no targets");
        let r = c.launched(3, now()).unwrap();
        assert_eq!(r.status, CampaignStatus::Running);
        assert!(matches!(r.launched(3, now()), Err(Error::Conflict(_))));
        assert!(matches!(
            r.edited(c.fields.clone(), now()),
            Err(Error::Conflict(_))
        ));
    }

    #[test]
    fn r3_9_summary_per_question_and_region() {
        let c = running();
        let resp = |q1: &str, q2: &str, q3: Option<&str>, s: Option<&str>| Response {
            channel: Channel::Visit,
            date: now().date_naive(),
            answers: [("q1", q1), ("q2", q2)]
                .into_iter()
                .chain(q3.map(|t| ("q3", t)))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            suggestions: s.map(str::to_string),
            recorded_by: Some(UserId(1)),
            recorded_at: now(),
        };
        let mut a = target(1, Region::Zhejiang, None);
        a.response = Some(resp("5", "yes", Some("good"), Some("More training")));
        let mut b = target(2, Region::Zhejiang, None);
        b.response = Some(resp("3", "yes", None, None));
        let mut d = target(3, Region::HangzhouUrban, None);
        d.response = Some(resp("2", "no", None, Some("Answer faster")));
        let e = target(4, Region::HangzhouUrban, None);
        let s = summarize(&c, &[a, b, d, e]);
        assert_eq!((s.targets, s.responded), (4, 3));
        let q1 = &s.questions[0];
        assert_eq!(q1.count, 3);
        assert!((q1.mean.unwrap() - 10.0 / 3.0).abs() < 1e-9);
        assert_eq!(
            q1.distribution.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
            vec![0, 1, 1, 0, 1]
        );
        assert_eq!(
            s.questions[1].distribution,
            vec![("yes".to_string(), 2), ("no".to_string(), 1)]
        );
        assert_eq!(s.questions[2].texts, vec!["good".to_string()]);
        assert_eq!(s.regions.len(), 2);
        assert_eq!(s.regions[0].region, Region::HangzhouUrban);
        assert_eq!((s.regions[0].targets, s.regions[0].responded), (2, 1));
        assert_eq!(s.regions[0].mean_rating, Some(2.0));
        assert_eq!(s.regions[1].mean_rating, Some(4.0));
        assert_eq!(
            s.suggestions,
            vec![
                ("C1".to_string(), "More training".to_string()),
                ("C3".to_string(), "Answer faster".to_string())
            ]
        );
    }
}
