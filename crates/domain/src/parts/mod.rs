//! Parts, materials and their ledger (R1.5): the catalogue, where stock is held, every
//! movement of stock as one ledger row never edited, requisitions, and each job's
//! reconciliation ("如數帶回": issued = used + returned, per job).

use crate::ids::PartId;
use serde::Serialize;

/// A part as used on a job, all its uses on the job together (net of reversals), with
/// what it costs the company and what the price list asks of a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsedPart {
    pub part_id: PartId,
    pub code: String,
    pub name: String,
    /// Unit of measure: 个, 米, 套.
    pub unit: String,
    pub quantity: i64,
    /// What one costs the company, in fen.
    pub unit_cost_fen: i64,
    /// What one costs a customer per the price list, in fen.
    pub list_price_fen: i64,
}
