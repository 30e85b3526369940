//! The steps that follow a ticket's first answer and need to know who takes them: the
//! customer's response to a handling opinion, the flag for the quality review, a reply
//! (its author is kept) and its review (never by the author). See [`crate::replies`].

use super::{DeadlinePolicy, EventType, Ticket, TicketEvent, TicketKind, TicketStatus, refuse};
use crate::error::Error;
use crate::ids::UserId;
use crate::replies::{OpinionReception, OpinionResponse, QualityFlag, ReplyReview};
use crate::role::Role;
use crate::time::to_store_precision;
use chrono::{DateTime, Utc};

impl TicketEvent {
    /// Steps applied by [`Ticket::answer`] rather than [`Ticket::apply`].
    pub fn needs_actor(&self) -> bool {
        matches!(
            self,
            TicketEvent::Reply { .. }
                | TicketEvent::RespondToOpinion { .. }
                | TicketEvent::FlagQuality { .. }
                | TicketEvent::ReviewReply { .. }
                | TicketEvent::Reclassify { .. }
        )
    }
}

impl Ticket {
    /// Apply a step that depends on who takes it. Other steps go to [`Ticket::apply`].
    pub fn answer(
        &self,
        event: &TicketEvent,
        actor: UserId,
        role: Role,
        now: DateTime<Utc>,
        policy: &DeadlinePolicy,
    ) -> Result<Ticket, Error> {
        use TicketStatus as S;
        let ty = event.event_type();
        if !role.may(ty.permission()) {
            return Err(Error::Forbidden);
        }
        let now = to_store_precision(now);
        let mut t = self.clone();
        match event {
            TicketEvent::Reply { .. } => {
                let mut t = self.apply(event, role, now, policy)?;
                t.answers.reply_by = Some(actor);
                return Ok(t);
            }
            // A complaint found to be about quality goes to the quality review, as one
            // recorded as such would have.
            TicketEvent::Reclassify { .. } => {
                let mut t = self.apply(event, role, now, policy)?;
                if t.kind == TicketKind::ComplaintQuality && t.answers.quality_review.is_none() {
                    t.answers.quality_review = Some(QualityFlag {
                        reason: event.text().map(str::to_string),
                        by: actor,
                        at: now,
                    });
                }
                return Ok(t);
            }
            TicketEvent::RespondToOpinion { response, text } => {
                let open = matches!(
                    self.status,
                    S::Open | S::InProgress | S::Dispatched | S::OnSite | S::Waiting | S::Resolved
                );
                if !open
                    || !self.kind.is_complaint()
                    || self.opinion.is_none()
                    || self.answers.opinion_response.is_some()
                {
                    return Err(refuse(self, ty));
                }
                t.answers.opinion_response = Some(OpinionReception {
                    response: *response,
                    text: text.clone(),
                    by: actor,
                    at: now,
                });
                // A disputed opinion needs a new one: the work is not done.
                if *response == OpinionResponse::Disputed && self.status == S::Resolved {
                    t.status = S::InProgress;
                }
            }
            TicketEvent::FlagQuality { reason } => {
                if !self.kind.is_complaint()
                    || self.status == S::Cancelled
                    || self.answers.quality_review.is_some()
                {
                    return Err(refuse(self, ty));
                }
                // The owner marks it (R3.10), or the manager for them.
                let manages = matches!(role, Role::ServiceManager | Role::Admin);
                if !manages && self.assignee_id != Some(actor) {
                    return Err(Error::Forbidden);
                }
                t.answers.quality_review = Some(QualityFlag {
                    reason: Some(reason.clone()),
                    by: actor,
                    at: now,
                });
            }
            TicketEvent::ReviewReply { correct, comment } => {
                if !self.kind.is_answered_by_reply()
                    || self.reply.is_none()
                    || self.answers.reply_review.is_some()
                {
                    return Err(refuse(self, ty));
                }
                if self.answers.reply_by == Some(actor) {
                    return Err(Error::Forbidden);
                }
                t.answers.reply_review = Some(ReplyReview {
                    correct: *correct,
                    comment: comment.clone(),
                    by: actor,
                    at: now,
                });
            }
            _ => return self.apply(event, role, now, policy),
        }
        if ty != EventType::Note {
            t.version += 1;
        }
        t.updated_at = now;
        Ok(t)
    }
}
