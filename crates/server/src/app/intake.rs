//! Recording a contact from a customer who is not in the archive yet: the customer and the
//! ticket in one submission, both checked before either is written.

use super::customers::{self, CorrectionInput};
use super::require;
use crate::app::AppState;
use chrono::{DateTime, Utc};
use sanbao_domain::customer::{Customer, CustomerFields, CustomerInput};
use sanbao_domain::deadline::DeadlinePolicy;
use sanbao_domain::ticket::{NewTicket, Ticket, TicketInput};
use sanbao_domain::unit::TicketPlace;
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
    owner: Option<sanbao_domain::UserId>,
    now: DateTime<Utc>,
) -> Result<(Customer, Ticket), Error> {
    require(actor, Permission::EditCustomers)?;
    require(actor, Permission::OpenTickets)?;
    sanbao_domain::customer::check_ownership(actor.id, actor.role, None, customer.salesperson_id)?;
    let owner = match super::tickets::intake_owner(state, actor, ticket.kind, owner).await {
        Ok(o) => o,
        Err(Error::Validation(f)) => {
            let mut errs = customer_problems(customer);
            errs.0.extend(f.0);
            return Err(Error::Validation(errs));
        }
        Err(e) => return Err(e),
    };
    let mut errs = customer_problems(customer);
    let region = Region::of_address(&customer.address);
    let place = TicketPlace::region_only(region);
    if let Err(Error::Validation(more)) = NewTicket::parse(
        ticket.clone(),
        &place,
        &DeadlinePolicy::company(),
        actor.id,
        now,
    ) {
        errs.0.extend(more.0);
    }
    if !errs.is_empty() {
        return Err(Error::Validation(errs));
    }
    let prefixed = |e: Error| match e {
        Error::Validation(f) => {
            let mut out = FieldErrors::new();
            for (field, problem) in f.0 {
                out.add(format!("{CUSTOMER_PREFIX}{field}"), problem);
            }
            Error::Validation(out)
        }
        other => other,
    };
    let (fields, corr) = customers::check(state, actor, customer, &CorrectionInput::default())
        .await
        .map_err(prefixed)?;
    // One transaction: the customer, the ticket and both audit records, or nothing.
    let mut tx = state.db.begin().await?;
    let created = customers::write_new(&mut tx, actor, &fields, corr.as_ref(), now).await?;
    let ticket = TicketInput {
        customer_id: created.id,
        // A new customer has no units yet: the work is at its first site.
        unit_id: None,
        site_id: None,
        ..ticket
    };
    let place = tx.ticket_place(created.id, None, None).await?;
    let policy = tx.current_policy().await?;
    let mut new = NewTicket::parse(ticket, &place, &policy, actor.id, now)?;
    new.assignee_id = owner;
    let opened = tx
        .insert_tickets(&[&new])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal("no ticket written".into()))?;
    // ---- quality ----
    if opened.answers.quality_review.is_some() {
        super::quality::capture(
            &mut tx,
            sanbao_domain::quality::SourceKind::Complaint,
            opened.id.0,
            actor.id,
            now,
        )
        .await?;
    }
    // ---- end quality ----
    tx.commit().await?;
    state.desk.changed();
    tracing::info!(
        customer_id = created.id.0,
        ticket_id = opened.id.0,
        "customer added while recording a contact"
    );
    Ok((created, opened))
}
