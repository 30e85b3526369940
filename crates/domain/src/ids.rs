//! Typed identifiers: a ticket id cannot be passed where a customer id is wanted.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($($(#[$m:meta])* $name:ident),* $(,)?) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    /// A staff or customer account.
    UserId,
    /// A customer in the archive (R5.2).
    CustomerId,
    /// A contact person of a customer.
    ContactId,
    /// A service ticket: one recorded contact and the work it starts.
    TicketId,
    /// A place of a customer where units are installed: substation, plant, building.
    SiteId,
    /// A product model the company makes.
    ProductModelId,
    /// A version of a product line's warranty policy.
    PolicyId,
    /// One installed unit: a model with a serial number, at a site.
    UnitId,
    /// A shipment of units to a customer's site, tracked to acceptance (R3.2).
    DeliveryId,
    /// A customer's request to return a unit (R2.2, R2.5).
    ReturnId,
    /// A visit or a customer training received by a senior engineer (R3.6).
    VisitId,
    // --- field service (issue 8) ---
    /// An on-site job on a ticket (R4.3): one or more trips to site.
    JobId,
    /// One trip of a job to site: its crew, departure and arrival.
    TripId,
    // --- service requests (issue 8, part 1) ---
    /// A salesperson's service request (R4.2), filed with its ticket.
    RequestId,
    // --- field form (issue 8) ---
    /// A feedback form filled on site and signed by the customer (R1.2, R4.5).
    FormId,
    /// A stored file: a photo, a drawn signature, a stamp.
    FileId,
    // --- parts, materials and tools (issue 9) ---
    /// A part or material in the catalogue (R1.5).
    PartId,
    /// Where stock is held: the central store, a technician's van, inspection.
    LocationId,
    /// One row of the parts ledger: a movement of stock, never edited.
    MoveId,
    /// A request for parts, for a job or for van stock, approved by the manager.
    RequisitionId,
    /// A service tool with its identifier.
    ToolId,
    /// A tool checked out to a technician and (later) back.
    CheckoutId,
    /// A quotation given to a customer before paid work.
    QuoteId,
    /// A salesperson's monthly follow-up of a customer (R3.1).
    FollowUpId,
    /// A yearly customer visit campaign (R3.9).
    CampaignId,
    /// A training session given to staff or to a customer (R1.6, R1.7).
    TrainingId,
    /// A controlled document of the library, with its versions.
    DocumentId,
    // ---- quality ----
    /// A quality item of the monthly review (R7.1).
    QualityItemId,
    /// A corrective or preventive action of a quality item (R7.2).
    QualityActionId,
    // ---- end quality ----
);
