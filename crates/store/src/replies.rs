//! What follows a ticket's first answer (`ticket_answers`): the customer's response to
//! the opinion, the quality-review flag, the reply's medium, author and review; the facts
//! behind the monthly reply rates, the review queue, and each owner's open load.

use crate::sql::WORKING_LANES;
use crate::{Db, Tx, at, internal, ms, on_tx, parse, read};
use sanbao_domain::replies::{
    Answers, OpinionReception, OpinionResponse, QualityFlag, ReplyFact, ReplyMedium, ReplyReview,
    ReviewItem,
};
use sanbao_domain::ticket::{DeadlineKind, TicketKind, TicketStatus};
use sanbao_domain::{Error, TicketId, UserId};
use tracing::instrument;

#[derive(sqlx::FromRow, Default)]
pub(crate) struct AnswersRow {
    opinion_response: Option<String>,
    opinion_response_text: Option<String>,
    opinion_response_by: Option<i64>,
    opinion_response_at: Option<i64>,
    quality_flagged_at: Option<i64>,
    quality_flagged_by: Option<i64>,
    quality_reason: Option<String>,
    reply_sent_via: Option<String>,
    reply_by: Option<i64>,
    reply_correct: Option<i64>,
    reply_review_comment: Option<String>,
    reply_reviewed_by: Option<i64>,
    reply_reviewed_at: Option<i64>,
}

/// The answers' columns of `ticket_answers a`, as a ticket's one query joins them.
pub(crate) const ANSWER_COLUMNS: &str = "a.opinion_response, a.opinion_response_text, \
     a.opinion_response_by, a.opinion_response_at, a.quality_flagged_at, a.quality_flagged_by, \
     a.quality_reason, a.reply_sent_via, a.reply_by, a.reply_correct, a.reply_review_comment, \
     a.reply_reviewed_by, a.reply_reviewed_at";

impl TryFrom<AnswersRow> for Answers {
    type Error = Error;
    fn try_from(r: AnswersRow) -> Result<Answers, Error> {
        let opinion_response = match (
            r.opinion_response,
            r.opinion_response_by,
            r.opinion_response_at,
        ) {
            (Some(resp), Some(by), Some(when)) => Some(OpinionReception {
                response: parse("opinion response", &resp, OpinionResponse::parse)?,
                text: r.opinion_response_text.unwrap_or_default(),
                by: UserId(by),
                at: at(when),
            }),
            _ => None,
        };
        let quality_review = match (r.quality_flagged_at, r.quality_flagged_by) {
            (Some(when), Some(by)) => Some(QualityFlag {
                reason: r.quality_reason,
                by: UserId(by),
                at: at(when),
            }),
            _ => None,
        };
        let reply_review = match (r.reply_correct, r.reply_reviewed_by, r.reply_reviewed_at) {
            (Some(c), Some(by), Some(when)) => Some(ReplyReview {
                correct: c != 0,
                comment: r.reply_review_comment.unwrap_or_default(),
                by: UserId(by),
                at: at(when),
            }),
            _ => None,
        };
        Ok(Answers {
            opinion_response,
            quality_review,
            reply_sent_via: r
                .reply_sent_via
                .map(|m| parse("reply medium", &m, ReplyMedium::parse))
                .transpose()?,
            reply_by: r.reply_by.map(UserId),
            reply_review,
        })
    }
}

impl Tx {
    /// Write the ticket's answers as they now are (one row per ticket).
    #[instrument(skip_all, fields(ticket_id = %id))]
    pub(crate) async fn write_answers(&mut self, id: TicketId, a: &Answers) -> Result<(), Error> {
        let resp = a.opinion_response.as_ref();
        let flag = a.quality_review.as_ref();
        let review = a.reply_review.as_ref();
        on_tx!(self, c => sqlx::query(
            "INSERT INTO ticket_answers (ticket_id, opinion_response, opinion_response_text,
               opinion_response_by, opinion_response_at, quality_flagged_at, quality_flagged_by,
               quality_reason, reply_sent_via, reply_by, reply_correct, reply_review_comment,
               reply_reviewed_by, reply_reviewed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (ticket_id) DO UPDATE SET
               opinion_response = excluded.opinion_response,
               opinion_response_text = excluded.opinion_response_text,
               opinion_response_by = excluded.opinion_response_by,
               opinion_response_at = excluded.opinion_response_at,
               quality_flagged_at = excluded.quality_flagged_at,
               quality_flagged_by = excluded.quality_flagged_by,
               quality_reason = excluded.quality_reason,
               reply_sent_via = excluded.reply_sent_via,
               reply_by = excluded.reply_by,
               reply_correct = excluded.reply_correct,
               reply_review_comment = excluded.reply_review_comment,
               reply_reviewed_by = excluded.reply_reviewed_by,
               reply_reviewed_at = excluded.reply_reviewed_at")
            .bind(id.0)
            .bind(resp.map(|r| r.response.as_str()))
            .bind(resp.map(|r| r.text.clone()))
            .bind(resp.map(|r| r.by.0))
            .bind(resp.map(|r| ms(r.at)))
            .bind(flag.map(|f| ms(f.at)))
            .bind(flag.map(|f| f.by.0))
            .bind(flag.and_then(|f| f.reason.clone()))
            .bind(a.reply_sent_via.map(ReplyMedium::as_str))
            .bind(a.reply_by.map(|u| u.0))
            .bind(review.map(|r| i64::from(r.correct)))
            .bind(review.map(|r| r.comment.clone()))
            .bind(review.map(|r| r.by.0))
            .bind(review.map(|r| ms(r.at)))
            .execute(c)
            .await
            .map(|_| ())
            .map_err(crate::db_err))
    }
}

#[derive(sqlx::FromRow)]
struct FactRow {
    id: i64,
    kind: String,
    status: String,
    assignee_id: Option<i64>,
    received_at: i64,
    due_at: i64,
    met_at: Option<i64>,
    reply_correct: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct QueueRow {
    id: i64,
    kind: String,
    customer_name: String,
    summary: String,
    reply: Option<String>,
    reply_sent_via: Option<String>,
    reply_by: i64,
    reply_by_name: String,
    met_at: Option<i64>,
    received_at: i64,
    version: i64,
}

impl Db {
    /// Every consultation and letter received in `[from, to)`, with its reply deadline,
    /// when it was met (the reply) and the review's verdict: the facts behind the month's
    /// reply rates, in one query.
    #[instrument(skip_all)]
    pub async fn reply_facts(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<ReplyFact>, Error> {
        let rows: Vec<FactRow> = read!(self, p => sqlx::query_as(
            "SELECT t.id, t.kind, t.status, t.assignee_id, t.received_at, d.due_at, d.met_at,
                    a.reply_correct
             FROM tickets t JOIN ticket_deadlines d ON d.ticket_id = t.id AND d.kind = $3
               LEFT JOIN ticket_answers a ON a.ticket_id = t.id
             WHERE t.kind IN ($4, $5) AND t.received_at >= $1 AND t.received_at < $2
             ORDER BY t.received_at, t.id")
            .bind(ms(from))
            .bind(ms(to))
            .bind(DeadlineKind::Reply.as_str())
            .bind(TicketKind::Consultation.as_str())
            .bind(TicketKind::Correspondence.as_str())
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter()
            .map(|r| {
                Ok(ReplyFact {
                    ticket_id: TicketId(r.id),
                    kind: parse("ticket kind", &r.kind, TicketKind::parse)?,
                    owner: r.assignee_id.map(UserId),
                    received_at: at(r.received_at),
                    due_at: at(r.due_at),
                    replied_at: r.met_at.map(at),
                    correct: r.reply_correct.map(|c| c != 0),
                    cancelled: parse("ticket status", &r.status, TicketStatus::parse)?
                        == TicketStatus::Cancelled,
                })
            })
            .collect()
    }

    /// Replies not reviewed yet, oldest reply first (R3.7).
    #[instrument(skip_all)]
    pub async fn review_queue(&self, limit: i64) -> Result<Vec<ReviewItem>, Error> {
        let rows: Vec<QueueRow> = read!(self, p => sqlx::query_as(
            "SELECT t.id, t.kind, c.name AS customer_name, t.summary, t.reply, a.reply_sent_via,
                    a.reply_by, u.display_name AS reply_by_name, d.met_at, t.received_at, t.version
             FROM ticket_answers a JOIN tickets t ON t.id = a.ticket_id
               JOIN customers c ON c.id = t.customer_id JOIN users u ON u.id = a.reply_by
               LEFT JOIN ticket_deadlines d ON d.ticket_id = t.id AND d.kind = $1
             WHERE a.reply_by IS NOT NULL AND a.reply_reviewed_at IS NULL AND t.status <> $2
             ORDER BY d.met_at, t.id LIMIT $3")
            .bind(DeadlineKind::Reply.as_str())
            .bind(TicketStatus::Cancelled.as_str())
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter()
            .map(|r| {
                Ok(ReviewItem {
                    ticket_id: TicketId(r.id),
                    kind: parse("ticket kind", &r.kind, TicketKind::parse)?,
                    customer_name: r.customer_name,
                    summary: r.summary,
                    reply: r.reply.unwrap_or_default(),
                    sent_via: r
                        .reply_sent_via
                        .map(|m| parse("reply medium", &m, ReplyMedium::parse))
                        .transpose()?,
                    reply_by: UserId(r.reply_by),
                    reply_by_name: r.reply_by_name,
                    replied_at: r.met_at.map(at),
                    received_at: at(r.received_at),
                    version: r.version,
                })
            })
            .collect()
    }

    /// How many tickets of these kinds each owner holds open: still work on the desk, or,
    /// with `unanswered`, with a deadline still running.
    #[instrument(skip_all)]
    pub async fn owner_load(
        &self,
        kinds: &[TicketKind],
        unanswered: bool,
    ) -> Result<Vec<(UserId, i64)>, Error> {
        let list: Vec<String> = kinds.iter().map(|k| format!("'{}'", k.as_str())).collect();
        if list.is_empty() {
            return Ok(Vec::new());
        }
        let open = if unanswered {
            "t.next_due_at IS NOT NULL".to_string()
        } else {
            format!("t.desk_lane IN {}", *WORKING_LANES)
        };
        let sql = format!(
            "SELECT t.assignee_id, COUNT(*) FROM tickets t
             WHERE t.assignee_id IS NOT NULL AND t.kind IN ({}) AND {open}
             GROUP BY t.assignee_id",
            list.join(", ")
        );
        let rows: Vec<(i64, i64)> = read!(self, p => sqlx::query_as(&sql)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        Ok(rows.into_iter().map(|(u, n)| (UserId(u), n)).collect())
    }
}
