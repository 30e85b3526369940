//! Complaints, consultations and correspondence after the first answer (R1.3, R3.3, R3.5,
//! R3.7, R3.10): the customer's response to a handling opinion, the flag for the quality
//! review, how a reply was sent and its review, who owns new work by load, and the monthly
//! reply rates.
//!
//! Decisions kept here:
//! - **Owner at intake (R3.10).** A complaint recorded without an owner is owned at once by
//!   an active service manager; a consultation or a letter by an active senior engineer
//!   (R3.5, R3.7). When several fit, the one with the fewest open pieces of that work
//!   (complaints, or unanswered consultations and letters) is chosen; ties go by the
//!   pinyin of the name, then by the account's number. See [`pick_by_load`].
//! - **Disputed opinion.** A customer who disputes the handling opinion lets a new opinion
//!   be given; the new opinion replaces the ticket's current one and waits for its own
//!   response; the audit trail keeps every opinion and every response. The handling-opinion
//!   deadline was met by the first opinion and stays met.
//! - **Reviewer (R3.7).** A reply is reviewed by the service manager or the quality
//!   engineer (or an administrator), never by its author; once, correct or not, with a
//!   comment.
//! - **Reply medium.** A reply says how it was sent; when the desk does not say, it went
//!   back the way the contact came in (a phone consultation is answered by phone).

use crate::ids::{TicketId, UserId};
use crate::people::pinyin_key;
use crate::role::Role;
use crate::terms::str_enum;
use crate::ticket::{Channel, TicketKind};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// How a reply reached the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyMedium {
    Phone,
    Email,
    Letter,
    Wechat,
    InPerson,
    Fax,
}

impl ReplyMedium {
    pub const ALL: &'static [ReplyMedium] = &[
        ReplyMedium::Phone,
        ReplyMedium::Email,
        ReplyMedium::Letter,
        ReplyMedium::Wechat,
        ReplyMedium::InPerson,
        ReplyMedium::Fax,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyMedium::Phone => "phone",
            ReplyMedium::Email => "email",
            ReplyMedium::Letter => "letter",
            ReplyMedium::Wechat => "wechat",
            ReplyMedium::InPerson => "in_person",
            ReplyMedium::Fax => "fax",
        }
    }
    pub fn parse(s: &str) -> Option<ReplyMedium> {
        Self::ALL.iter().copied().find(|m| m.as_str() == s)
    }
    /// The way back when the desk does not say: the way the contact came in.
    pub fn answering(channel: Channel) -> ReplyMedium {
        match channel {
            Channel::Phone | Channel::Salesperson => ReplyMedium::Phone,
            Channel::Email | Channel::Portal => ReplyMedium::Email,
            Channel::Letter => ReplyMedium::Letter,
            Channel::Visit => ReplyMedium::InPerson,
        }
    }
}

impl fmt::Display for ReplyMedium {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The customer's answer to a handling opinion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpinionResponse {
    Accepted,
    Disputed,
}

impl OpinionResponse {
    pub const ALL: &'static [OpinionResponse] =
        &[OpinionResponse::Accepted, OpinionResponse::Disputed];
    pub fn as_str(self) -> &'static str {
        match self {
            OpinionResponse::Accepted => "accepted",
            OpinionResponse::Disputed => "disputed",
        }
    }
    pub fn parse(s: &str) -> Option<OpinionResponse> {
        Self::ALL.iter().copied().find(|m| m.as_str() == s)
    }
}

/// The customer's response to the current opinion, as the desk recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpinionReception {
    pub response: OpinionResponse,
    pub text: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// A complaint flagged for the monthly quality review (R3.11, R7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QualityFlag {
    /// Why, when the owner marked it; none when the complaint was about quality from intake.
    pub reason: Option<String>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// A reviewer's verdict on a reply (R3.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplyReview {
    pub correct: bool,
    pub comment: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// What follows a ticket's first answer: kept beside the ticket, empty for most.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Answers {
    /// The customer's response to the current handling opinion.
    pub opinion_response: Option<OpinionReception>,
    /// Flagged for the quality review.
    pub quality_review: Option<QualityFlag>,
    /// How the reply was sent.
    pub reply_sent_via: Option<ReplyMedium>,
    /// Who recorded the reply: the reviewer must be someone else.
    pub reply_by: Option<UserId>,
    pub reply_review: Option<ReplyReview>,
}

impl Answers {
    /// What a new ticket starts with: a complaint about product quality is flagged for the
    /// quality review from the moment it is recorded.
    pub fn at_intake(kind: TicketKind, by: UserId, at: DateTime<Utc>) -> Answers {
        Answers {
            quality_review: Answers::flagged_at_intake(kind).then_some(QualityFlag {
                reason: None,
                by,
                at,
            }),
            ..Answers::default()
        }
    }

    /// Whether a ticket of `kind` is flagged for the quality review as it is recorded.
    pub fn flagged_at_intake(kind: TicketKind) -> bool {
        kind == TicketKind::ComplaintQuality
    }

    pub fn is_empty(&self) -> bool {
        *self == Answers::default()
    }

    /// The customer disputed the current opinion: a new one may be given.
    pub fn opinion_disputed(&self) -> bool {
        self.opinion_response
            .as_ref()
            .is_some_and(|r| r.response == OpinionResponse::Disputed)
    }
}

/// Who may review a reply (besides the rule that the author may not).
pub fn may_review_replies(role: Role) -> bool {
    role.may(crate::role::Permission::ReviewReplies)
}

/// The role that owns a kind of work at intake when the desk names nobody: complaints the
/// service manager (R3.10), consultations and letters a senior engineer (R3.5, R3.7).
pub fn intake_owner_role(kind: TicketKind) -> Option<Role> {
    if kind.is_complaint() {
        Some(Role::ServiceManager)
    } else if kind.is_answered_by_reply() {
        Some(Role::SeniorEngineer)
    } else {
        None
    }
}

/// A person who could own new work, with how much of that work they hold open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: UserId,
    pub name: String,
    pub load: i64,
}

/// The owner proposed by load: the fewest open pieces of that work; ties by the pinyin of
/// the name, then by the account's number. None when nobody fits.
pub fn pick_by_load(candidates: &[Candidate]) -> Option<UserId> {
    candidates
        .iter()
        .min_by(|a, b| {
            a.load
                .cmp(&b.load)
                .then_with(|| pinyin_key(&a.name).cmp(&pinyin_key(&b.name)))
                .then_with(|| a.id.cmp(&b.id))
        })
        .map(|c| c.id)
}

/// A reply waiting for its review (R3.7), as the review queue lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewItem {
    pub ticket_id: TicketId,
    pub kind: TicketKind,
    pub customer_name: String,
    pub summary: String,
    pub reply: String,
    pub sent_via: Option<ReplyMedium>,
    pub reply_by: UserId,
    pub reply_by_name: String,
    pub replied_at: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    pub version: i64,
}

pub const RESPONSE_MAX: usize = 4000;
pub const COMMENT_MAX: usize = 2000;

// ---------------------------------------------------------------------------------------
// Monthly reply rates (R3.5, R3.7, R6.2).

pub use crate::time::Month;

/// One consultation or letter received in the month, as the store reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyFact {
    pub ticket_id: TicketId,
    pub kind: TicketKind,
    /// The engineer who owns it (R3.5, R3.7); the figures are theirs.
    pub owner: Option<UserId>,
    pub received_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub replied_at: Option<DateTime<Utc>>,
    /// The review's verdict, once reviewed.
    pub correct: Option<bool>,
    /// Cancelled as recorded by mistake: not counted.
    pub cancelled: bool,
}

/// The counts behind the rates, and the rates themselves.
///
/// - **reply rate** = replied / received: of the consultations and letters received in the
///   month (cancelled ones left out), those replied to at all (whenever).
/// - **on-time reply rate** = replied by the due time / received.
/// - **correct-reply rate** = reviewed correct / reviewed: of the month's replies that a
///   reviewer has judged, those judged correct; `awaiting_review` counts the rest.
///
/// A rate whose denominator is zero is `None` (shown as "—"), never 100%.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReplyCounts {
    pub received: i64,
    pub replied: i64,
    pub on_time: i64,
    pub reviewed: i64,
    pub correct: i64,
    pub awaiting_review: i64,
}

str_enum!(
    /// Which of a month's counts a reply fact adds to: the figures' own words, and the
    /// drill-down's filter.
    ReplyMeasure {
        Received = "received",
        Replied = "replied",
        OnTime = "on_time",
        Reviewed = "reviewed",
        Correct = "correct",
        AwaitingReview = "awaiting_review",
    }
);

impl ReplyMeasure {
    /// Whether `f` (counted in its month) adds to this count.
    pub fn counts(self, f: &ReplyFact) -> bool {
        match self {
            ReplyMeasure::Received => true,
            ReplyMeasure::Replied => f.replied_at.is_some(),
            ReplyMeasure::OnTime => f.replied_at.is_some_and(|at| at <= f.due_at),
            ReplyMeasure::Reviewed => f.replied_at.is_some() && f.correct.is_some(),
            ReplyMeasure::Correct => f.replied_at.is_some() && f.correct == Some(true),
            ReplyMeasure::AwaitingReview => f.replied_at.is_some() && f.correct.is_none(),
        }
    }
}

/// Whether a fact counts in `month`'s figures at all: a consultation or letter received in
/// the month and not cancelled.
pub fn counted(f: &ReplyFact, month: Month) -> bool {
    let (start, end) = month.bounds();
    !f.cancelled && f.received_at >= start && f.received_at < end && f.kind.is_answered_by_reply()
}

impl ReplyCounts {
    fn add(&mut self, f: &ReplyFact) {
        let n = |m: ReplyMeasure| i64::from(m.counts(f));
        self.received += n(ReplyMeasure::Received);
        self.replied += n(ReplyMeasure::Replied);
        self.on_time += n(ReplyMeasure::OnTime);
        self.reviewed += n(ReplyMeasure::Reviewed);
        self.correct += n(ReplyMeasure::Correct);
        self.awaiting_review += n(ReplyMeasure::AwaitingReview);
    }

    /// The count of `m`.
    pub fn get(&self, m: ReplyMeasure) -> i64 {
        match m {
            ReplyMeasure::Received => self.received,
            ReplyMeasure::Replied => self.replied,
            ReplyMeasure::OnTime => self.on_time,
            ReplyMeasure::Reviewed => self.reviewed,
            ReplyMeasure::Correct => self.correct,
            ReplyMeasure::AwaitingReview => self.awaiting_review,
        }
    }
    pub fn reply_rate(&self) -> Option<f64> {
        ratio(self.replied, self.received)
    }
    pub fn on_time_rate(&self) -> Option<f64> {
        ratio(self.on_time, self.received)
    }
    pub fn correct_rate(&self) -> Option<f64> {
        ratio(self.correct, self.reviewed)
    }
}

fn ratio(n: i64, d: i64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (d > 0).then(|| n as f64 / d as f64)
}

/// A month's reply figures: for the department, per consultation/letter kind, and per
/// engineer (by owner; `None` is work nobody owned).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplyRates {
    pub month: String,
    pub all: ReplyCounts,
    pub consultation: ReplyCounts,
    pub correspondence: ReplyCounts,
    pub per_engineer: Vec<(Option<UserId>, ReplyCounts)>,
}

/// The month's figures from the facts of the contacts received in it.
pub fn reply_rates(month: Month, facts: &[ReplyFact]) -> ReplyRates {
    let mut all = ReplyCounts::default();
    let mut consultation = ReplyCounts::default();
    let mut correspondence = ReplyCounts::default();
    let mut per: BTreeMap<Option<UserId>, ReplyCounts> = BTreeMap::new();
    for f in facts.iter().filter(|f| counted(f, month)) {
        all.add(f);
        match f.kind {
            TicketKind::Consultation => consultation.add(f),
            _ => correspondence.add(f),
        }
        per.entry(f.owner).or_default().add(f);
    }
    ReplyRates {
        month: month.to_string(),
        all,
        consultation,
        correspondence,
        per_engineer: per.into_iter().collect(),
    }
}

/// A rate as people read it: `93.3%`, or `—` with no denominator.
pub fn percent(r: Option<f64>) -> String {
    match r {
        Some(v) => {
            let tenths = (v * 1000.0).round() / 10.0;
            if (tenths - tenths.round()).abs() < f64::EPSILON {
                format!("{tenths:.0}%")
            } else {
                format!("{tenths:.1}%")
            }
        }
        None => "—".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn fact(
        id: i64,
        kind: TicketKind,
        owner: Option<i64>,
        received: &str,
        replied: Option<&str>,
        correct: Option<bool>,
    ) -> ReplyFact {
        let received_at = t(received);
        let hours = if kind == TicketKind::Consultation {
            12
        } else {
            24
        };
        ReplyFact {
            ticket_id: TicketId(id),
            kind,
            owner: owner.map(UserId),
            received_at,
            due_at: received_at + chrono::Duration::hours(hours),
            replied_at: replied.map(t),
            correct,
            cancelled: false,
        }
    }

    #[test]
    fn r3_7_rates_count_against_contacts_received_in_the_month() {
        use TicketKind::{Consultation as C, Correspondence as L};
        let m = Month::parse("2026-11").unwrap_or(Month { year: 0, month: 0 });
        let facts = vec![
            // on time, reviewed correct
            fact(
                1,
                C,
                Some(7),
                "2026-11-02T01:00:00Z",
                Some("2026-11-02T05:00:00Z"),
                Some(true),
            ),
            // late (12 h 1 min), reviewed wrong
            fact(
                2,
                C,
                Some(7),
                "2026-11-03T01:00:00Z",
                Some("2026-11-03T13:01:00Z"),
                Some(false),
            ),
            // letter on time, not reviewed yet
            fact(
                3,
                L,
                Some(8),
                "2026-11-04T01:00:00Z",
                Some("2026-11-05T01:00:00Z"),
                None,
            ),
            // never replied
            fact(4, L, None, "2026-11-05T01:00:00Z", None, None),
            // received 2026-12-01 00:30 Beijing time = 2026-11-30 16:30 UTC: December's
            fact(5, C, Some(7), "2026-11-30T16:30:00Z", None, None),
            // received 2026-11-01 00:10 Beijing time = 2026-10-31 16:10 UTC: November's
            fact(
                6,
                C,
                Some(8),
                "2026-10-31T16:10:00Z",
                Some("2026-10-31T17:00:00Z"),
                Some(true),
            ),
            // a complaint is not a reply's work
            fact(
                7,
                TicketKind::ComplaintOther,
                Some(7),
                "2026-11-02T01:00:00Z",
                None,
                None,
            ),
        ];
        let mut cancelled = fact(8, C, Some(7), "2026-11-02T02:00:00Z", None, None);
        cancelled.cancelled = true;
        let mut facts = facts;
        facts.push(cancelled);
        let r = reply_rates(m, &facts);
        // (received, replied, on time, reviewed, correct, awaiting)
        let c = |x: ReplyCounts| {
            (
                x.received,
                x.replied,
                x.on_time,
                x.reviewed,
                x.correct,
                x.awaiting_review,
            )
        };
        assert_eq!(c(r.all), (5, 4, 3, 3, 2, 1));
        assert_eq!(c(r.consultation), (3, 3, 2, 3, 2, 0));
        assert_eq!(c(r.correspondence), (2, 1, 1, 0, 0, 1));
        let per: Vec<_> = r.per_engineer.iter().map(|(u, x)| (*u, c(*x))).collect();
        assert_eq!(
            per,
            vec![
                (None, (1, 0, 0, 0, 0, 0)),
                (Some(UserId(7)), (2, 2, 1, 2, 1, 0)),
                (Some(UserId(8)), (2, 2, 2, 1, 1, 1)),
            ]
        );
        assert_eq!(percent(r.all.reply_rate()), "80%");
        assert_eq!(percent(r.all.on_time_rate()), "60%");
        assert_eq!(percent(r.all.correct_rate()), "66.7%");
        assert_eq!(percent(r.correspondence.correct_rate()), "—");
    }

    #[test]
    fn r3_5_a_reply_exactly_at_the_due_time_is_on_time() {
        let m = Month {
            year: 2026,
            month: 11,
        };
        let f = fact(
            1,
            TicketKind::Consultation,
            Some(1),
            "2026-11-10T00:00:00Z",
            Some("2026-11-10T12:00:00Z"),
            None,
        );
        assert_eq!(reply_rates(m, &[f]).all.on_time, 1);
        let empty = reply_rates(m, &[]);
        assert_eq!(
            (empty.all.reply_rate(), empty.all.on_time_rate()),
            (None, None)
        );
    }

    #[test]
    fn months_parse_and_bound_in_company_time() {
        for bad in [
            "", "2026", "2026-13", "2026-1", "26-11", "1999-12", "2026-00", "x-11",
        ] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
        let dec = Month::parse("2026-12").unwrap_or(Month { year: 0, month: 0 });
        assert_eq!(dec.next().to_string(), "2027-01");
        assert_eq!(dec.previous().to_string(), "2026-11");
        assert_eq!(
            Month {
                year: 2027,
                month: 1
            }
            .previous()
            .to_string(),
            "2026-12"
        );
        let (s, e) = dec.bounds();
        assert_eq!(s, t("2026-11-30T16:00:00Z"));
        assert_eq!(e, t("2026-12-31T16:00:00Z"));
        assert_eq!(Month::of(t("2026-11-30T16:00:00Z")), dec);
        assert_eq!(Month::of(t("2026-11-30T15:59:59Z")).to_string(), "2026-11");
    }

    #[test]
    fn r3_10_owner_by_load_then_pinyin_then_number() {
        let c = |id, name: &str, load| Candidate {
            id: UserId(id),
            name: name.into(),
            load,
        };
        // (candidates, chosen)
        let table: Vec<(Vec<Candidate>, Option<i64>)> = vec![
            (vec![], None),
            (vec![c(3, "王丽", 2)], Some(3)),
            (vec![c(3, "王丽", 2), c(4, "赵敏", 1)], Some(4)),
            // equal load: 李 (li) before 王 (wang)
            (vec![c(3, "王丽", 1), c(4, "李军", 1)], Some(4)),
            // same name: the lower number
            (vec![c(9, "陈工", 0), c(5, "陈工", 0)], Some(5)),
        ];
        for (cands, want) in table {
            assert_eq!(pick_by_load(&cands), want.map(UserId), "{cands:?}");
        }
    }

    #[test]
    fn r3_10_complaints_go_to_the_manager_replies_to_senior_engineers() {
        use TicketKind as K;
        let table = [
            (K::ComplaintQuality, Some(Role::ServiceManager)),
            (K::ComplaintOther, Some(Role::ServiceManager)),
            (K::Consultation, Some(Role::SeniorEngineer)),
            (K::Correspondence, Some(Role::SeniorEngineer)),
            (K::Emergency, None),
            (K::Repair, None),
        ];
        for (k, r) in table {
            assert_eq!(intake_owner_role(k), r, "{k}");
        }
    }

    #[test]
    fn r3_3_quality_complaints_are_flagged_at_intake() {
        let at = t("2026-11-02T01:00:00Z");
        assert!(
            Answers::at_intake(TicketKind::ComplaintQuality, UserId(1), at)
                .quality_review
                .is_some()
        );
        for k in [TicketKind::ComplaintOther, TicketKind::Consultation] {
            assert!(Answers::at_intake(k, UserId(1), at).is_empty(), "{k}");
        }
    }

    #[test]
    fn r3_7_replies_go_back_the_way_they_came_unless_said() {
        let table = [
            (Channel::Phone, ReplyMedium::Phone),
            (Channel::Email, ReplyMedium::Email),
            (Channel::Letter, ReplyMedium::Letter),
            (Channel::Visit, ReplyMedium::InPerson),
            (Channel::Portal, ReplyMedium::Email),
        ];
        for (c, m) in table {
            assert_eq!(ReplyMedium::answering(c), m, "{c}");
        }
        for m in ReplyMedium::ALL {
            assert_eq!(ReplyMedium::parse(m.as_str()), Some(*m));
        }
    }
}
