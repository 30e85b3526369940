//! The words of the ticket workflow: what a contact is about, how it came, where it
//! stands, which deadlines it carries and which steps move it. Tickets and the deadline
//! engine both speak them.

use serde::{Deserialize, Serialize};

/// A string enum with `ALL`, `as_str`, `parse`, serde in snake_case.
macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),* }
            }
            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use str_enum;

str_enum!(
    /// What the contact is about (R1.1, R3.3–R3.7).
    TicketKind {
        Consultation = "consultation",
        Correspondence = "correspondence",
        ComplaintQuality = "complaint_quality",
        ComplaintOther = "complaint_other",
        Emergency = "emergency",
        Repair = "repair",
        Installation = "installation",
        TechnicalGuidance = "technical_guidance",
        Training = "training",
        ReturnRequest = "return_request",
    }
);

str_enum!(
    /// How the contact reached the company.
    Channel {
        Phone = "phone",
        Email = "email",
        Letter = "letter",
        Visit = "visit",
        Portal = "portal",
        Salesperson = "salesperson",
    }
);

str_enum!(
    /// Where a ticket stands in its workflow.
    TicketStatus {
        /// Recorded; nobody has acted yet.
        Open = "open",
        /// Someone owns it, has given an opinion or a reply.
        InProgress = "in_progress",
        /// A technician is on the way.
        Dispatched = "dispatched",
        /// The technician has checked in on site.
        OnSite = "on_site",
        /// Waiting for the customer (their parts, their answer, access to the site): the
        /// deadlines whose policy says so are paused.
        Waiting = "waiting",
        Resolved = "resolved",
        Closed = "closed",
        Cancelled = "cancelled",
    }
);

str_enum!(
    /// The deadlines the policy promises.
    DeadlineKind {
        /// R3.3: a complaint's handling opinion.
        HandlingOpinion = "handling_opinion",
        /// R3.4: an emergency's technician on site.
        Arrival = "arrival",
        /// R3.5, R3.7: a consultation's answer, a letter's reply.
        Reply = "reply",
    }
);

str_enum!(
    /// Every step of the workflow, as `POST /api/v1/tickets/{id}/events` names it.
    EventType {
        Assign = "assign",
        GiveOpinion = "give_opinion",
        Reply = "reply",
        Dispatch = "dispatch",
        CheckIn = "check_in",
        Note = "note",
        Resolve = "resolve",
        Close = "close",
        Reopen = "reopen",
        Cancel = "cancel",
        LinkUnit = "link_unit",
        Pause = "pause",
        Resume = "resume",
        Reclassify = "reclassify",
        // --- replies: complaints' responses, quality flag, reply review (issue 7, parts 4-5) ---
        RespondToOpinion = "respond_to_opinion",
        FlagQuality = "flag_quality",
        ReviewReply = "review_reply",
        // --- end replies ---
    }
);

impl TicketKind {
    pub fn is_complaint(self) -> bool {
        matches!(
            self,
            TicketKind::ComplaintQuality | TicketKind::ComplaintOther
        )
    }
    /// Answered by reply rather than by work on site.
    pub fn is_answered_by_reply(self) -> bool {
        matches!(self, TicketKind::Consultation | TicketKind::Correspondence)
    }
}

impl TicketStatus {
    /// No more work: deadlines no longer run.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            TicketStatus::Resolved | TicketStatus::Closed | TicketStatus::Cancelled
        )
    }
}
