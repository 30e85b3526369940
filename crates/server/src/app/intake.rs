//! Recording a contact from a customer who is not in the archive yet: the customer and the
//! ticket in one submission, both checked before either is written.

use super::customers::{CorrectionInput, create_customer};
use super::require;
use super::tickets::open_ticket;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use sanbao_domain::customer::{Customer, CustomerFields, CustomerInput};
use sanbao_domain::ticket::{NewTicket, Ticket, TicketInput};
use sanbao_domain::user::User;
use sanbao_domain::{Error, FieldErrors, Permission, Region};

/// Prefix of the new customer's fields in the problems this answers with
/// (`customer.name`, `customer.contacts[0].phone`); the ticket's keep their own names.
pub const CUSTOMER_PREFIX: &str = "customer.";

/// The new customer's problems, named `customer.…`: none when it may be written.
pub fn customer_problems(input: &CustomerInput) -> FieldErrors {
    let mut out = FieldErrors::new();
    if let Err(Error::Validation(errs)) = CustomerFields::parse(input) {
        for (field, problem) in errs.0 {
            out.add(format!("{CUSTOMER_PREFIX}{field}"), problem);
        }
    }
    out
}

/// Add the customer, then record the contact for it. `ticket.customer_id` is ignored. Bad
/// input anywhere writes nothing and names every problem, the customer's and the ticket's.
pub async fn open_ticket_for_new_customer(
    state: &AppState,
    actor: &User,
    customer: &CustomerInput,
    ticket: TicketInput,
    now: DateTime<Utc>,
) -> Result<(Customer, Ticket), Error> {
    require(actor, Permission::EditCustomers)?;
    require(actor, Permission::OpenTickets)?;
    let mut errs = customer_problems(customer);
    let region = Region::of_address(&customer.address);
    if let Err(Error::Validation(more)) = NewTicket::parse(ticket.clone(), region, actor.id, now) {
        errs.0.extend(more.0);
    }
    if !errs.is_empty() {
        return Err(Error::Validation(errs));
    }
    let created = create_customer(state, actor, customer, &CorrectionInput::default(), now)
        .await
        .map_err(|e| match e {
            Error::Validation(f) => {
                let mut out = FieldErrors::new();
                for (field, problem) in f.0 {
                    out.add(format!("{CUSTOMER_PREFIX}{field}"), problem);
                }
                Error::Validation(out)
            }
            other => other,
        })?;
    tracing::info!(
        customer_id = created.id.0,
        "customer added while recording a contact"
    );
    let ticket = TicketInput {
        customer_id: created.id,
        ..ticket
    };
    let opened = open_ticket(state, actor, ticket, now).await?;
    Ok((created, opened))
}
