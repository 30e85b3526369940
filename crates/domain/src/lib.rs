//! Sanbao's domain: the after-sales policy as types and pure rules.
//!
//! Nothing here does I/O. Every rule of `REQUIREMENTS.md` that the system computes lives in
//! exactly one place in this crate: deadlines ([`deadline::compute`]), regions
//! ([`Region::of_address`]), warranty coverage ([`coverage::coverage_on`]), who may do what ([`role::Role::may`]), the ticket workflow
//! ([`ticket::Ticket::apply`]).

pub mod audit;
pub mod campaign;
pub mod coverage;
pub mod customer;
pub mod deadline;
pub mod delivery;
pub mod dispatch;
pub mod documents;
pub mod error;
pub mod export;
pub mod field;
pub mod followup;
pub mod idempotency;
pub mod ids;
pub mod life;
pub mod notify;
pub mod parts;
pub mod people;
pub mod product;
pub mod quality;
pub mod region;
pub mod reliability;
pub mod replies;
pub mod report;
pub mod request;
pub mod returns;
pub mod role;
pub mod settlement;
pub mod signin;
pub mod similar;
pub mod site;
pub mod terms;
pub mod text;
pub mod ticket;
pub mod time;
pub mod tools;
pub mod training;
pub mod travel;
pub mod unit;
pub mod user;
pub mod visit;

pub use error::{Error, FieldErrors, Problem};
pub use ids::CampaignId;
pub use ids::{
    CheckoutId, ContactId, CustomerId, DeliveryId, FileId, FormId, JobId, LocationId, MoveId,
    PartId, PolicyId, ProductModelId, QuoteId, RequestId, RequisitionId, ReturnId, SiteId,
    TicketId, ToolId, TripId, UnitId, UserId, VisitId,
};
pub use ids::{DocumentId, TrainingId};
pub use region::Region;
pub use role::{Permission, Role};
