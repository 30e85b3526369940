//! Sanbao's domain: the after-sales policy as types and pure rules.
//!
//! Nothing here does I/O. Every rule of `REQUIREMENTS.md` that the system computes lives in
//! exactly one place in this crate: deadlines ([`deadline::compute`]), regions
//! ([`Region::of_address`]), warranty coverage ([`coverage::coverage_on`]), who may do what ([`role::Role::may`]), the ticket workflow
//! ([`ticket::Ticket::apply`]).

pub mod audit;
// ---- campaigns ----
pub mod campaign;
// ---- end campaigns ----
pub mod coverage;
pub mod customer;
pub mod deadline;
pub mod delivery;
// ---- training ----
pub mod documents;
pub mod training;
// ---- end training ----
pub mod dispatch;
pub mod error;
pub mod export;
pub mod field;
// ---- follow-ups ----
pub mod followup;
// ---- end follow-ups ----
pub mod idempotency;
pub mod ids;
pub mod notify;
pub mod parts;
pub mod people;
pub mod product;
pub mod region;
pub mod replies;
// --- service requests (issue 8, part 1) ---
pub mod request;
// --- end service requests ---
pub mod returns;
pub mod role;
// ---- settlement (issue 9, part 5) ----
pub mod settlement;
// ---- end settlement ----
pub mod site;
pub mod terms;
pub mod text;
pub mod ticket;
pub mod time;
// ---- tools ----
pub mod tools;
// ---- end tools ----
pub mod travel;
pub mod unit;
pub mod user;
pub mod visit;

pub use error::{Error, FieldErrors, Problem};
// ---- campaigns ----
pub use ids::CampaignId;
// ---- end campaigns ----
pub use ids::{
    CheckoutId, ContactId, CustomerId, DeliveryId, FileId, FormId, JobId, LocationId, MoveId,
    PartId, PolicyId, ProductModelId, QuoteId, RequestId, RequisitionId, ReturnId, SiteId,
    TicketId, ToolId, TripId, UnitId, UserId, VisitId,
};
// ---- training ----
pub use ids::{DocumentId, TrainingId};
// ---- end training ----
pub use region::Region;
pub use role::{Permission, Role};
