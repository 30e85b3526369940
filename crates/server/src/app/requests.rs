//! Service requests (R4.1–R4.3): the salesperson files one from the customer's plant, and
//! its ticket is opened with it in one transaction; the department sends someone (the
//! ticket's on-site job) or answers remotely and records how.

use super::idempotency::{self, Answer, Once};
use super::require;
use crate::app::AppState;
use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::customer::{Customer, CustomerFilter, CustomerSummary};
use sanbao_domain::field::{Job, JobInput};
use sanbao_domain::request::{
    NamedPlaces, NewRequest, RemoteMethod, RequestFilter, RequestInput, RequestKind, RequestStatus,
    RequestView, ServiceRequest, UnitPlace, may_see, may_view_requests,
};
use sanbao_domain::role::may_for_customer;
use sanbao_domain::site::Site;
use sanbao_domain::ticket::{
    Channel, NewTicket, Ticket, TicketEvent, TicketInput, TicketStatus, may_own_kind,
};
use sanbao_domain::unit::{UnitFilter, UnitSummary};
use sanbao_domain::user::User;
use sanbao_domain::{CustomerId, Error, FieldErrors, Permission, Problem, RequestId};
use sanbao_store::Tx;

/// At most this many requests in a list, and customers or units offered on the form.
pub const LIST_MAX: i64 = 200;

/// Refused unless the actor may act for this customer (a salesperson only for their own).
fn for_customer(actor: &User, permission: Permission, c: &Customer) -> Result<(), Error> {
    if may_for_customer(actor.role, permission, actor.id, c.fields.salesperson_id) {
        return Ok(());
    }
    tracing::info!(
        user_id = actor.id.0,
        customer_id = c.id.0,
        "not their customer"
    );
    Err(Error::Forbidden)
}

/// What an idempotency key of a filing is claimed under.
const SCOPE_FILE: &str = "service_requests.file";

/// File a request and open its ticket (channel `salesperson`, deadlines from now), both in
/// one transaction with their audit entries. Another salesperson's customer is refused;
/// bad input names every field and writes nothing. With `once`, a phone that sends the
/// same request again gets the first request back (marked replayed) and files nothing.
pub async fn file_request(
    state: &AppState,
    actor: &User,
    input: &RequestInput,
    once: Option<&Once>,
    now: DateTime<Utc>,
) -> Result<Answer<ServiceRequest>, Error> {
    require(actor, Permission::FileServiceRequests)?;
    require(actor, Permission::OpenTickets)?;
    let kind = input
        .kind
        .as_deref()
        .and_then(|k| RequestKind::parse(k.trim()));
    let owner = match kind {
        Some(k) => super::tickets::intake_owner(state, actor, k.ticket_kind(), None).await?,
        None => None,
    };
    let mut tx = state.db.begin().await?;
    if let Some(once) = once
        && let Some(done) = idempotency::replayed(&mut tx, actor.id, once, SCOPE_FILE, now).await?
    {
        let id = RequestId(idempotency::result_id(&done)?);
        let filed = tx
            .request(id)
            .await?
            .ok_or(Error::NotFound("service request"))?;
        tx.rollback().await?;
        return Ok(Answer::replay(filed.request));
    }
    let mut customer_missing = false;
    if let Some(id) = input.customer_id {
        match tx.customer(id).await? {
            Some(c) => for_customer(actor, Permission::FileServiceRequests, &c)?,
            None => customer_missing = true,
        }
    }
    let places = named_places(&mut tx, input).await?;
    let new = match NewRequest::parse(input, &places, actor.id, now) {
        Ok(n) if !customer_missing => n,
        Ok(_) => return Err(no_such_customer()),
        Err(Error::Validation(mut errs)) => {
            if customer_missing {
                errs.0.remove("customer_id");
                errs.add("customer_id", Problem::new("not_found", "no such customer"));
            }
            return Err(Error::Validation(errs));
        }
        Err(e) => return Err(e),
    };
    let place = tx
        .ticket_place(new.customer_id, new.unit_id, new.site_id)
        .await?;
    let policy = tx.current_policy().await?;
    let mut ticket = NewTicket::parse(
        TicketInput {
            kind: new.kind.ticket_kind(),
            channel: Channel::Salesperson,
            customer_id: new.customer_id,
            unit_id: new.unit_id,
            site_id: new.site_id,
            unit_text: new.model_code.clone(),
            summary: new.problem.clone(),
            received_at: now,
        },
        &place,
        &policy,
        actor.id,
        now,
    )
    .map_err(|e| rename(e, "summary", "problem"))?;
    ticket.assignee_id = owner;
    let opened = tx
        .insert_tickets(&[&ticket])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal("no ticket written".into()))?;
    let request = tx.insert_request(&new, opened.id).await?;
    tx.audit(&NewAuditEntry::created(
        "service_request",
        request.id.0,
        actor.id,
        request.created_at,
        request.audit_view(),
    ))
    .await?;
    if let Some(once) = once {
        idempotency::complete(&mut tx, actor.id, once, &request.id.0.to_string()).await?;
    }
    tx.commit().await?;
    state.desk.changed();
    tracing::info!(
        request_id = request.id.0,
        ticket_id = opened.id.0,
        "service request filed"
    );
    Ok(Answer::new(request))
}

fn no_such_customer() -> Error {
    Error::field("customer_id", Problem::new("not_found", "no such customer"))
}

fn rename(e: Error, from: &str, to: &str) -> Error {
    match e {
        Error::Validation(f) => {
            let mut out = FieldErrors::new();
            for (k, p) in f.0 {
                out.add(if k == from { to.to_string() } else { k }, p);
            }
            Error::Validation(out)
        }
        other => other,
    }
}

/// What the archive holds of the site and unit a request names, read in its transaction.
async fn named_places(tx: &mut Tx, input: &RequestInput) -> Result<NamedPlaces, Error> {
    let site_customer = match input.site_id {
        Some(id) => tx.site(id).await?.map(|s| s.customer_id),
        None => None,
    };
    let unit = match input.unit_id {
        Some(id) => tx.unit(id).await?.map(|u| UnitPlace {
            customer_id: u.customer_id,
            site_id: u.site_id,
            model_code: u.model_code,
        }),
        None => None,
    };
    Ok(NamedPlaces {
        site_customer,
        unit,
    })
}

/// A request, if the actor may see it: the department every one, a salesperson only their
/// own customers' — another's is answered as missing.
pub async fn request(state: &AppState, actor: &User, id: RequestId) -> Result<RequestView, Error> {
    if !may_view_requests(actor.role) {
        return Err(Error::Forbidden);
    }
    let v = state
        .db
        .request(id)
        .await?
        .ok_or(Error::NotFound("service request"))?;
    if !may_see(actor.role, actor.id, v.salesperson_id) {
        return Err(Error::NotFound("service request"));
    }
    Ok(v)
}

/// New requests first, then the rest; a salesperson's narrowed to their own customers.
pub async fn requests(
    state: &AppState,
    actor: &User,
    filter: &RequestFilter,
    limit: i64,
) -> Result<Vec<RequestView>, Error> {
    if !may_view_requests(actor.role) {
        return Err(Error::Forbidden);
    }
    let mut filter = filter.clone();
    if actor.role.bound_to_own_customers() {
        filter.salesperson = Some(actor.id);
    }
    state.db.requests(&filter, limit.clamp(1, LIST_MAX)).await
}

/// The customers a request may be filed for, matching `q`: a salesperson's own only.
pub async fn customers_for(
    state: &AppState,
    actor: &User,
    q: Option<&str>,
    limit: i64,
) -> Result<Vec<CustomerSummary>, Error> {
    require(actor, Permission::FileServiceRequests)?;
    let filter = CustomerFilter {
        q: q.map(str::to_string),
        region: None,
        salesperson_id: actor.role.bound_to_own_customers().then_some(actor.id),
    };
    state.db.customers(&filter, limit, None).await
}

/// A customer's sites and units, for the form: refused for another salesperson's customer.
pub async fn places_of(
    state: &AppState,
    actor: &User,
    id: CustomerId,
) -> Result<(Customer, Vec<Site>, Vec<UnitSummary>), Error> {
    require(actor, Permission::FileServiceRequests)?;
    let c = state
        .db
        .customer(id)
        .await?
        .ok_or(Error::NotFound("customer"))?;
    for_customer(actor, Permission::FileServiceRequests, &c)?;
    let sites = state.db.sites_of(id).await?;
    let units = state
        .db
        .units(
            &UnitFilter {
                customer_id: Some(id),
                ..UnitFilter::default()
            },
            LIST_MAX,
            None,
        )
        .await?;
    Ok((c, sites, units))
}

/// Send someone (R4.3): the ticket's on-site job is opened with the request's contact,
/// phone, problem and model, and the request carried on by it, in one transaction.
pub async fn send_on_site(
    state: &AppState,
    actor: &User,
    id: RequestId,
    now: DateTime<Utc>,
) -> Result<(ServiceRequest, Job), Error> {
    require(actor, Permission::DispatchTechnicians)?;
    let mut tx = state.db.begin().await?;
    let before = tx
        .request(id)
        .await?
        .ok_or(Error::NotFound("service request"))?
        .request;
    let ticket = tx
        .ticket(before.ticket_id)
        .await?
        .ok_or(Error::NotFound("ticket"))?;
    // Checked before the job is written: a request already answered opens no job. A
    // ticket with a job still open is refused by the store's one-open-job rule.
    let after_check = before.sent_on_site(sanbao_domain::JobId(0), actor.role, now)?;
    let input = JobInput {
        job_type: None,
        contact_name: Some(before.contact_name.clone()),
        contact_phone: Some(before.contact_phone.clone()),
        problem: Some(before.problem.clone()),
        model_code: before.model_code.clone(),
    };
    let job = super::field::open_job_in(&mut tx, actor, &ticket, &input, now).await?;
    let after = ServiceRequest {
        job_id: Some(job.id),
        ..after_check
    };
    tx.update_request(&before, &after).await?;
    if let Some(entry) = NewAuditEntry::changed(
        "service_request",
        id.0,
        "send_on_site",
        actor.id,
        now,
        None,
        &before.audit_view(),
        &after.audit_view(),
    ) {
        tx.audit(&entry).await?;
    }
    tx.commit().await?;
    tracing::info!(request_id = id.0, job_id = job.id.0, "request sent on site");
    Ok((after, job))
}

/// What answering remotely did to the ticket.
#[derive(Debug, Clone)]
pub struct RemoteOutcome {
    pub request: ServiceRequest,
    pub ticket: Ticket,
    /// The ticket was resolved with the answer; otherwise it stays open (an emergency's
    /// arrival deadline still stands, or its workflow does not allow it yet).
    pub resolved: bool,
}

/// Answered remotely (R4.1): the answer and how it was given are recorded on the request
/// and as a note on the ticket's timeline; the ticket is resolved with it where its
/// workflow allows (a new ticket is first taken by whoever answers), otherwise left open.
pub async fn answer_remotely(
    state: &AppState,
    actor: &User,
    id: RequestId,
    method: Option<&str>,
    answer: &str,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<RemoteOutcome, Error> {
    require(actor, Permission::DispatchTechnicians)?;
    let mut tx = state.db.begin().await?;
    let before = tx
        .request(id)
        .await?
        .ok_or(Error::NotFound("service request"))?
        .request;
    let after = before.answered_remotely(method, answer, actor.id, actor.role, now)?;
    let Some(remote) = after.remote.clone() else {
        return Err(Error::Internal("answered without an answer".into()));
    };
    let ticket = tx
        .ticket(before.ticket_id)
        .await?
        .ok_or(Error::NotFound("ticket"))?;
    let policy = tx.current_policy().await?;
    let note = lang.f(
        "request.note_remote",
        &[
            ("method", &method_label(lang, remote.method)),
            ("answer", &remote.answer),
        ],
    );
    let mut steps = vec![(
        TicketEvent::Note { text: note },
        ticket.apply(
            &TicketEvent::Note {
                text: String::new(),
            },
            actor.role,
            now,
            &policy,
        )?,
    )];
    // Resolve where the workflow allows: all or nothing beyond the note.
    let mut resolving: Vec<(TicketEvent, Ticket)> = Vec::new();
    let mut current = steps[0].1.clone();
    let mut allowed = true;
    if current.status == TicketStatus::Open {
        let who = current
            .assignee_id
            .or_else(|| may_own_kind(actor.role, current.kind).then_some(actor.id));
        match who {
            Some(assignee) => {
                let ev = TicketEvent::Assign { assignee };
                match current.apply(&ev, actor.role, now, &policy) {
                    Ok(t) => {
                        current = t.clone();
                        resolving.push((ev, t));
                    }
                    Err(_) => allowed = false,
                }
            }
            None => allowed = false,
        }
    }
    if allowed {
        let ev = TicketEvent::Resolve {
            resolution: remote.answer.clone(),
        };
        match current.apply(&ev, actor.role, now, &policy) {
            Ok(t) => resolving.push((ev, t)),
            Err(_) => allowed = false,
        }
    }
    if allowed {
        steps.extend(resolving);
    }
    let mut prev = ticket;
    for (ev, next) in &steps {
        tx.update_ticket(&prev, next).await?;
        if let Some(entry) = NewAuditEntry::changed(
            "ticket",
            prev.id.0,
            ev.event_type().as_str(),
            actor.id,
            now,
            ev.text().map(str::to_string),
            &prev.audit_view(),
            &next.audit_view(),
        ) {
            tx.audit(&entry).await?;
        }
        prev = next.clone();
    }
    tx.update_request(&before, &after).await?;
    if let Some(entry) = NewAuditEntry::changed(
        "service_request",
        id.0,
        "answer_remotely",
        actor.id,
        now,
        Some(remote.answer.clone()),
        &before.audit_view(),
        &after.audit_view(),
    ) {
        tx.audit(&entry).await?;
    }
    tx.commit().await?;
    state.desk.changed();
    tracing::info!(
        request_id = id.0,
        resolved = allowed,
        "request answered remotely"
    );
    Ok(RemoteOutcome {
        request: after,
        ticket: prev,
        resolved: allowed,
    })
}

/// How an answer was given, in words.
pub fn method_label(lang: Lang, m: RemoteMethod) -> &'static str {
    match m {
        RemoteMethod::Phone => lang.t("request.method.phone"),
        RemoteMethod::Document => lang.t("request.method.document"),
        RemoteMethod::Video => lang.t("request.method.video"),
        RemoteMethod::Email => lang.t("request.method.email"),
        RemoteMethod::Wechat => lang.t("request.method.wechat"),
    }
}

/// The kind of work asked for, in words.
pub fn kind_label(lang: Lang, k: RequestKind) -> &'static str {
    match k {
        RequestKind::Emergency => lang.t("request.kind.emergency"),
        RequestKind::Repair => lang.t("request.kind.repair"),
        RequestKind::Installation => lang.t("request.kind.installation"),
        RequestKind::TechnicalGuidance => lang.t("request.kind.technical_guidance"),
        RequestKind::Training => lang.t("request.kind.training"),
    }
}

/// Where a request stands, in words.
pub fn status_label(lang: Lang, s: RequestStatus) -> &'static str {
    match s {
        RequestStatus::New => lang.t("request.status.new"),
        RequestStatus::OnSite => lang.t("request.status.on_site"),
        RequestStatus::AnsweredRemotely => lang.t("request.status.answered_remotely"),
        RequestStatus::Withdrawn => lang.t("request.status.withdrawn"),
    }
}
