//! Who may do what: one table, tested as a whole.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    ServiceManager,
    ServiceClerk,
    SeniorEngineer,
    Technician,
    Salesperson,
    QualityEngineer,
    Customer,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Admin,
        Role::ServiceManager,
        Role::ServiceClerk,
        Role::SeniorEngineer,
        Role::Technician,
        Role::Salesperson,
        Role::QualityEngineer,
        Role::Customer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ServiceManager => "service_manager",
            Role::ServiceClerk => "service_clerk",
            Role::SeniorEngineer => "senior_engineer",
            Role::Technician => "technician",
            Role::Salesperson => "salesperson",
            Role::QualityEngineer => "quality_engineer",
            Role::Customer => "customer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this role holds the permission. The one place that decides it.
    pub fn may(self, permission: Permission) -> bool {
        GRANTS
            .iter()
            .find(|(p, _)| *p == permission)
            .is_some_and(|(_, roles)| roles.contains(&self))
    }

    /// The permission table: each permission with the roles that hold it.
    pub fn grants() -> &'static [(Permission, &'static [Role])] {
        GRANTS
    }

    /// Whether this role acts only for the customers assigned to it (R3.1: the salesperson
    /// owns the account): its lists of their records are narrowed to them, and
    /// [`may_for_customer`] refuses the rest.
    pub fn bound_to_own_customers(self) -> bool {
        self == Role::Salesperson
    }

    /// Staff roles see the service desk; customers only (later) the portal.
    pub fn is_staff(self) -> bool {
        self != Role::Customer
    }
}

/// Whether someone of `role` may do `permission` on a record of a customer whose assigned
/// salesperson is `customer_salesperson`: as the table says, and a salesperson only for
/// the customers assigned to them (R3.1: the salesperson owns the account). The one place
/// that decides it for every record of a customer (deliveries, returns).
pub fn may_for_customer(
    role: Role,
    permission: Permission,
    actor: crate::ids::UserId,
    customer_salesperson: Option<crate::ids::UserId>,
) -> bool {
    role.may(permission) && (!role.bound_to_own_customers() || customer_salesperson == Some(actor))
}

/// Everything the system lets someone do, named by the act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Create accounts, change roles.
    ManageUsers,
    /// Look at the service desk, customers and tickets.
    ViewServiceDesk,
    /// Create and edit customers and their contacts.
    EditCustomers,
    /// Override the region derived from an address (with a reason).
    CorrectRegion,
    /// Record an incoming contact as a ticket.
    OpenTickets,
    /// Make someone the owner of a ticket (R3.10).
    AssignTickets,
    /// Give a complaint's handling opinion (R3.3).
    GiveOpinion,
    /// Answer a consultation or a letter (R3.5, R3.7).
    ReplyToCustomer,
    /// Send a technician to site (R3.4, R4.1).
    DispatchTechnicians,
    /// Record a technician's arrival on site (R3.4).
    CheckInOnSite,
    /// Add a note to a ticket's timeline.
    AddNotes,
    /// Mark a ticket's work as done.
    ResolveTickets,
    /// Close a resolved ticket, or reopen one.
    CloseTickets,
    /// Cancel a ticket recorded by mistake or twice.
    CancelTickets,
    /// Name the unit a ticket is about.
    LinkUnits,
    /// Add product models and warranty policy versions (R2).
    ManageProducts,
    /// Add and edit sites and units of the installed base (R3.8, R5.2).
    EditInstalledBase,
    /// Track deliveries from shipment to acceptance (R3.2).
    TrackDeliveries,
    /// Record a customer's request to return a unit (R2.2, R2.5).
    RequestReturns,
    /// Approve or refuse a return (R2.2, R2.5).
    DecideReturns,
    /// Bring a company's archive in from a file.
    ImportArchive,
    // Deadline engine (R3.3–R3.7, R6.1).
    /// Stop a ticket's clock while it waits for the customer, and start it again.
    PauseDeadlines,
    /// Change what a ticket is about (a complaint found to be about quality).
    ReclassifyTickets,
    /// Save a new version of the deadline policy and its business calendars.
    ManageDeadlinePolicy,
    /// See the manager's board: every open deadline, every person's load, the monthly
    /// figures (R6.1).
    WatchDeadlines,
    // ---- Where notifications go ----
    /// Configure the mail server and the chat robots; set people's e-mail addresses.
    ManageNotifications,
    // ---- end where notifications go ----
    // --- replies and visits (issue 7, parts 4-6) ---
    /// Record the customer's response to a complaint's handling opinion (the desk).
    RecordOpinionResponses,
    /// Mark a complaint for the quality review (its owner, or the manager).
    FlagForQualityReview,
    /// Judge a reply correct or not (R3.7): never the reply's author.
    ReviewReplies,
    /// Register a visit or a customer training with its questions and answers (R3.6).
    RecordVisits,
    // --- end replies and visits ---
    // --- field service (issue 8) ---
    /// Go to site on the jobs one is sent to: set off, arrive, fill in and have signed the
    /// feedback form (R4.4, R4.5). Held on the record: only by the trip's crew.
    DoFieldWork,
    /// File a service request for a customer (R4.2): the salesperson, or the desk for them.
    FileServiceRequests,
    /// Review a signed feedback form: accept it or send it back (R1.2).
    ReviewFeedbackForms,
    /// Keep the technicians' bases and skills and the road speed dispatch estimates with.
    ManageTechnicians,
    /// Submit one's daily work report (R4.6).
    SubmitDailyReports,
    // --- end field service ---
    // --- parts, materials and tools (issue 9) ---
    /// Ask for parts for a job or for one's van stock (R1.5).
    RequisitionParts,
    /// Approve or refuse a requisition (the service manager).
    ApproveRequisitions,
    /// Keep the catalogue and the store: receive, issue, take returns.
    KeepStock,
    /// Write off parts lost or scrapped, correct a count, reverse a ledger row.
    WriteOffParts,
    /// Keep the tools register: tools, check-outs and returns, calibration.
    ManageTools,
    /// See each job's settlement basis and the month's settlement (finance's basis).
    ViewSettlements,
    /// Give a customer a quotation before paid work and record its acceptance.
    QuoteCharges,
    // --- end parts, materials and tools ---
    // ---- follow-ups ----
    /// Record a monthly follow-up of a customer (R3.1): a salesperson for their own.
    RecordFollowUps,
    /// Collate the month's follow-ups, see everyone's coverage, close the month.
    CollateFollowUps,
    /// See follow-ups: whoever records them (a salesperson their own) or collates them.
    ViewFollowUps,
    // ---- end follow-ups ----
    // ---- campaigns ----
    /// Define, launch and assign the yearly customer visit campaign (R3.9).
    ManageCampaigns,
    /// Record a customer's campaign response: the department, or the assignee on the
    /// record (a salesperson only for the customers assigned to them).
    RecordCampaignResponses,
    /// See every target of a campaign and its summary: the department (who manage
    /// campaigns or dispatch technicians), not only one's own assigned targets.
    SeeAllCampaignTargets,
    // ---- end campaigns ----
    // ---- training ----
    /// Record a training session given to staff or to a customer (R1.6, R1.7).
    RecordTraining,
    /// Keep the document library: add documents, publish their versions, retire them.
    ManageDocuments,
    /// Change which topics each staff role must have had, and within how many months.
    ManageTrainingRequirements,
    // ---- end training ----
    // ---- quality ----
    /// Make quality items, classify, investigate and act on them, merge them, verify
    /// actions and close the month's review (R7).
    ReviewQuality,
    // ---- end quality ----
}

use Permission as P;
use Role::{
    Admin as A, QualityEngineer as Q, Salesperson as Sa, SeniorEngineer as E, ServiceClerk as C,
    ServiceManager as M, Technician as T,
};

const STAFF: &[Role] = &[A, M, C, E, T, Sa, Q];

/// The permission table. Customers hold none of these; their portal has its own rules.
const GRANTS: &[(Permission, &[Role])] = &[
    (P::ManageUsers, &[A]),
    (P::ViewServiceDesk, STAFF),
    (P::EditCustomers, &[A, M, C, Sa]),
    (P::CorrectRegion, &[A, M, C]),
    (P::OpenTickets, &[A, M, C, E, Sa]),
    (P::AssignTickets, &[A, M, C]),
    (P::GiveOpinion, &[A, M, C, E, Q]),
    (P::ReplyToCustomer, &[A, M, C, E]),
    (P::DispatchTechnicians, &[A, M, C]),
    (P::CheckInOnSite, &[A, M, C, T]),
    (P::AddNotes, STAFF),
    (P::ResolveTickets, &[A, M, C, E, T]),
    (P::CloseTickets, &[A, M]),
    (P::CancelTickets, &[A, M, C]),
    (P::LinkUnits, &[A, M, C, E, T, Sa]),
    (P::ManageProducts, &[A, M]),
    (P::EditInstalledBase, &[A, M, C, Sa]),
    (P::TrackDeliveries, &[A, M, C, Sa]),
    (P::RequestReturns, &[A, M, C, Sa]),
    (P::DecideReturns, &[A, M]),
    (P::ImportArchive, &[A, M]),
    (P::PauseDeadlines, &[A, M, C, E, T]),
    (P::ReclassifyTickets, &[A, M, C]),
    (P::ManageDeadlinePolicy, &[A, M]),
    (P::WatchDeadlines, &[A, M, Q]),
    // ---- Where notifications go ----
    (P::ManageNotifications, &[A]),
    // ---- end where notifications go ----
    // --- replies and visits (issue 7, parts 4-6) ---
    (P::RecordOpinionResponses, &[A, M, C]),
    (P::FlagForQualityReview, &[A, M, C, E, Q]),
    (P::ReviewReplies, &[A, M, Q]),
    (P::RecordVisits, &[A, M, C, E]),
    // --- end replies and visits ---
    // --- field service (issue 8) ---
    (P::DoFieldWork, &[E, T]),
    (P::FileServiceRequests, &[A, M, C, Sa]),
    (P::ReviewFeedbackForms, &[A, M]),
    (P::ManageTechnicians, &[A, M]),
    (P::SubmitDailyReports, &[E, T]),
    // --- end field service ---
    // --- parts, materials and tools (issue 9) ---
    (P::RequisitionParts, &[A, M, C, E, T]),
    (P::ApproveRequisitions, &[A, M]),
    (P::KeepStock, &[A, M, C]),
    (P::WriteOffParts, &[A, M]),
    (P::ManageTools, &[A, M, C]),
    (P::ViewSettlements, &[A, M, C, Q]),
    (P::QuoteCharges, &[A, M, C]),
    // --- end parts, materials and tools ---
    // ---- follow-ups ----
    (P::RecordFollowUps, &[A, M, C, Sa]),
    (P::CollateFollowUps, &[A, M, C, Q]),
    (P::ViewFollowUps, &[A, M, C, Sa, Q]),
    // ---- end follow-ups ----
    // ---- campaigns ----
    (P::ManageCampaigns, &[A, M]),
    (P::RecordCampaignResponses, &[A, M, C, E, Sa]),
    (P::SeeAllCampaignTargets, &[A, M, C]),
    // ---- end campaigns ----
    // ---- training ----
    (P::RecordTraining, &[A, M, C, E]),
    (P::ManageDocuments, &[A, M]),
    (P::ManageTrainingRequirements, &[A, M]),
    // ---- end training ----
    // ---- quality ----
    (P::ReviewQuality, &[A, M, Q]),
    // ---- end quality ----
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole matrix, row by row: a = admin, m = service manager, c = service clerk,
    /// e = senior engineer, t = technician, s = salesperson, q = quality engineer,
    /// u = customer. A letter means allowed, '.' means refused.
    #[test]
    fn permission_matrix() {
        let table: &[(Permission, &str)] = &[
            (P::ManageUsers, "a......."),
            (P::ViewServiceDesk, "amcetsq."),
            (P::EditCustomers, "amc..s.."),
            (P::CorrectRegion, "amc....."),
            (P::OpenTickets, "amce.s.."),
            (P::AssignTickets, "amc....."),
            (P::GiveOpinion, "amce..q."),
            (P::ReplyToCustomer, "amce...."),
            (P::DispatchTechnicians, "amc....."),
            (P::CheckInOnSite, "amc.t..."),
            (P::AddNotes, "amcetsq."),
            (P::ResolveTickets, "amcet..."),
            (P::CloseTickets, "am......"),
            (P::CancelTickets, "amc....."),
            (P::LinkUnits, "amcets.."),
            (P::ManageProducts, "am......"),
            (P::EditInstalledBase, "amc..s.."),
            (P::TrackDeliveries, "amc..s.."),
            (P::RequestReturns, "amc..s.."),
            (P::DecideReturns, "am......"),
            (P::ImportArchive, "am......"),
            (P::PauseDeadlines, "amcet..."),
            (P::ReclassifyTickets, "amc....."),
            (P::ManageDeadlinePolicy, "am......"),
            (P::WatchDeadlines, "am....q."),
            // ---- Where notifications go ----
            (P::ManageNotifications, "a......."),
            // ---- end where notifications go ----
            (P::RecordOpinionResponses, "amc....."),
            (P::FlagForQualityReview, "amce..q."),
            (P::ReviewReplies, "am....q."),
            (P::RecordVisits, "amce...."),
            // --- field service (issue 8) ---
            (P::DoFieldWork, "...et..."),
            (P::FileServiceRequests, "amc..s.."),
            (P::ReviewFeedbackForms, "am......"),
            (P::ManageTechnicians, "am......"),
            (P::SubmitDailyReports, "...et..."),
            (P::RequisitionParts, "amcet..."),
            (P::ApproveRequisitions, "am......"),
            (P::KeepStock, "amc....."),
            (P::WriteOffParts, "am......"),
            (P::ManageTools, "amc....."),
            (P::ViewSettlements, "amc...q."),
            (P::QuoteCharges, "amc....."),
            // --- end field service ---
            // ---- follow-ups ----
            (P::RecordFollowUps, "amc..s.."),
            (P::CollateFollowUps, "amc...q."),
            (P::ViewFollowUps, "amc..sq."),
            // ---- end follow-ups ----
            // ---- campaigns ----
            (P::ManageCampaigns, "am......"),
            (P::RecordCampaignResponses, "amce.s.."),
            (P::SeeAllCampaignTargets, "amc....."),
            // ---- end campaigns ----
            // ---- training ----
            (P::RecordTraining, "amce...."),
            (P::ManageDocuments, "am......"),
            (P::ManageTrainingRequirements, "am......"),
            // ---- end training ----
            // ---- quality ----
            (P::ReviewQuality, "am....q."),
            // ---- end quality ----
        ];
        assert_eq!(
            table.len(),
            GRANTS.len(),
            "every permission is in the test table"
        );
        for (perm, row) in table {
            for (role, mark) in Role::ALL.iter().zip(row.chars()) {
                assert_eq!(role.may(*perm), mark != '.', "{role:?} {perm:?}");
            }
        }
    }

    #[test]
    fn r3_1_salespeople_act_only_for_their_own_customers() {
        use crate::ids::UserId;
        let (me, other) = (UserId(7), UserId(8));
        let p = Permission::RequestReturns;
        // (role, the customer's salesperson, allowed)
        let table = [
            (Role::Salesperson, Some(me), true),
            (Role::Salesperson, Some(other), false),
            (Role::Salesperson, None, false),
            (Role::ServiceClerk, Some(other), true),
            (Role::ServiceClerk, None, true),
            (Role::Technician, Some(me), false),
        ];
        for (role, owner, want) in table {
            assert_eq!(
                may_for_customer(role, p, me, owner),
                want,
                "{role:?} {owner:?}"
            );
        }
    }

    #[test]
    fn customers_are_not_staff_and_hold_no_staff_permission() {
        assert!(!Role::Customer.is_staff());
        for (perm, _) in GRANTS {
            assert!(!Role::Customer.may(*perm));
        }
    }

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("boss"), None);
    }
}
