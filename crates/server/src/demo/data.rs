//! The demo data file (`crates/server/demo/demo.toml`): its format, and the check that
//! turns it into a [`Plan`] of records to replay. The whole file is read and checked
//! before anything is written, so a mistake in it (a username or a customer key that is
//! not there, an unknown kind, a malformed moment) stops the load with a message naming
//! the record, and leaves the database as it was.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use sanbao_domain::customer::{ContactInput, CustomerFields, CustomerInput, RegionCorrection};
use sanbao_domain::delivery::{CountInput, DeliveryFields, DeliveryInput, LineInput, StepInput};
use sanbao_domain::product::{ModelFields, ModelInput};
use sanbao_domain::returns::{LossesInput, ReturnFields, ReturnInput};
use sanbao_domain::ticket::{
    Channel, EventInput, EventType, NewTicket, TicketEvent, TicketInput, TicketKind,
};
use sanbao_domain::unit::{TicketPlace, UnitFields, UnitInput};
use sanbao_domain::user::NewUser;
use sanbao_domain::{CustomerId, Permission, Region, Role, UserId, time};
use serde::Deserialize;
use std::collections::HashMap;

// ---------------------------------------------------------------------------------------
// The file as written

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    staff: Vec<StaffEntry>,
    #[serde(default)]
    customers: Vec<CustomerEntry>,
    #[serde(default)]
    tickets: Vec<TicketEntry>,
    #[serde(default)]
    deliveries: Vec<DeliveryEntry>,
    #[serde(default)]
    returns: Vec<ReturnEntry>,
    #[serde(default)]
    models: Vec<ModelEntry>,
    #[serde(default)]
    units: Vec<UnitEntry>,
}

/// A return request on a unit of [[units]] (by serial number), and the manager's
/// decision and the losses, when it got that far.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReturnEntry {
    unit: String,
    by: String,
    requested: String,
    ground: String,
    description: String,
    confirmation: Option<String>,
    decided_by: Option<String>,
    approve: Option<bool>,
    reason: Option<String>,
    losses_fen: Option<i64>,
    losses_note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelEntry {
    code: String,
    name: String,
    product_line: String,
}

/// A unit installed at one of a customer's sites; its dates are moments (`-800d`) taken
/// as the company's calendar date.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitEntry {
    customer: String,
    by: String,
    model: String,
    serial: String,
    site_address: Option<String>,
    shipped: Option<String>,
    accepted: Option<String>,
    commissioned: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StaffEntry {
    username: String,
    name: String,
    role: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerEntry {
    key: String,
    recorded: String,
    by: String,
    name: String,
    address: String,
    salesperson: Option<String>,
    notes: Option<String>,
    #[serde(default)]
    contacts: Vec<ContactEntry>,
    correction: Option<CorrectionEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactEntry {
    name: String,
    position: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CorrectionEntry {
    after: String,
    by: String,
    region: String,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TicketEntry {
    received: String,
    by: String,
    customer: String,
    kind: String,
    channel: String,
    unit: Option<String>,
    /// The serial number of one of the customer's units in [[units]].
    unit_serial: Option<String>,
    summary: String,
    #[serde(default)]
    steps: Vec<StepEntry>,
}

/// `after`, `by` and exactly one of the actions.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepEntry {
    after: String,
    by: String,
    assign: Option<String>,
    give_opinion: Option<String>,
    reply: Option<String>,
    dispatch: Option<String>,
    check_in: Option<bool>,
    note: Option<String>,
    resolve: Option<String>,
    close: Option<bool>,
    reopen: Option<String>,
    cancel: Option<String>,
    pause: Option<String>,
    resume: Option<bool>,
}

/// A delivery (R3.2): shipped at `shipped`, then — as far as it got — arrived, counted
/// and accepted, each `after` the step before it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryEntry {
    customer: String,
    by: String,
    shipped: String,
    reference: String,
    site_address: Option<String>,
    notes: Option<String>,
    lines: Vec<LineEntry>,
    arrived: Option<String>,
    counted: Option<String>,
    #[serde(default)]
    count: Vec<CountEntry>,
    accepted: Option<String>,
    confirmed_by: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LineEntry {
    model_code: Option<String>,
    description: Option<String>,
    quantity: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CountEntry {
    received: i64,
    damaged: Option<i64>,
    note: Option<String>,
}

// ---------------------------------------------------------------------------------------
// The plan: every reference resolved, every moment computed

/// A member of the demo staff: the index of their account in [`Plan::staff`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Who(pub(super) usize);

/// A customer of the demo archive: the index of its record in [`Plan::customers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CustomerRef(pub(super) usize);

/// Everything the file describes, checked, in the order to replay it.
#[derive(Debug)]
pub(super) struct Plan {
    pub(super) staff: Vec<NewUser>,
    /// In the file's order (the order they were recorded).
    pub(super) customers: Vec<PlannedCustomer>,
    /// Oldest first, so ticket numbers follow time.
    pub(super) tickets: Vec<PlannedTicket>,
    pub(super) models: Vec<ModelInput>,
    /// Recorded before the tickets, which may name them.
    pub(super) units: Vec<PlannedUnit>,
    pub(super) deliveries: Vec<PlannedDelivery>,
    pub(super) returns: Vec<PlannedReturn>,
}

/// A delivery recorded when shipped, then stepped as far as the file says.
#[derive(Debug)]
pub(super) struct PlannedDelivery {
    pub(super) label: String,
    pub(super) by: Who,
    pub(super) customer: CustomerRef,
    pub(super) at: DateTime<Utc>,
    /// The customer's id is filled in at replay.
    pub(super) input: DeliveryInput,
    /// Each step and its moment, in order.
    pub(super) steps: Vec<(DateTime<Utc>, StepInput)>,
}

#[derive(Debug)]
pub(super) struct PlannedUnit {
    pub(super) label: String,
    pub(super) by: Who,
    pub(super) customer: CustomerRef,
    /// Everything but the customer's id, known once it is written.
    pub(super) input: UnitInput,
}

#[derive(Debug)]
pub(super) struct PlannedReturn {
    pub(super) label: String,
    pub(super) by: Who,
    pub(super) unit: UnitRef,
    pub(super) at: DateTime<Utc>,
    pub(super) input: ReturnInput,
    /// Who decided, approving or not, and why.
    pub(super) decision: Option<(Who, bool, String)>,
    pub(super) losses: Option<LossesInput>,
}

/// A unit of the demo: the index of its record in [`Plan::units`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct UnitRef(pub(super) usize);

#[derive(Debug)]
pub(super) struct PlannedCustomer {
    /// How error messages name the record.
    pub(super) label: String,
    pub(super) by: Who,
    pub(super) at: DateTime<Utc>,
    /// Everything but the salesperson, whose account id is known only once created.
    pub(super) input: CustomerInput,
    pub(super) salesperson: Option<Who>,
    pub(super) correction: Option<PlannedCorrection>,
}

#[derive(Debug)]
pub(super) struct PlannedCorrection {
    pub(super) by: Who,
    pub(super) at: DateTime<Utc>,
    pub(super) region: Region,
    pub(super) reason: String,
}

#[derive(Debug)]
pub(super) struct PlannedTicket {
    pub(super) label: String,
    pub(super) by: Who,
    pub(super) customer: CustomerRef,
    pub(super) kind: TicketKind,
    pub(super) channel: Channel,
    pub(super) unit: Option<String>,
    pub(super) unit_ref: Option<UnitRef>,
    pub(super) summary: String,
    pub(super) received_at: DateTime<Utc>,
    /// When the desk recorded it: a minute after it came in (never after now).
    pub(super) opened_at: DateTime<Utc>,
    pub(super) steps: Vec<PlannedStep>,
}

#[derive(Debug)]
pub(super) struct PlannedStep {
    pub(super) label: String,
    pub(super) by: Who,
    /// Never after now, never before the step before.
    pub(super) at: DateTime<Utc>,
    pub(super) action: Action,
}

/// One step of a ticket's workflow, as the file names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Action {
    Assign(Who),
    GiveOpinion(String),
    Reply(String),
    Dispatch(Who),
    CheckIn,
    Note(String),
    Resolve(String),
    Close,
    Reopen(String),
    Cancel(String),
    Pause(String),
    Resume,
}

impl Action {
    /// The event as the use case takes it, with the accounts' ids from `id`.
    pub(super) fn event<E>(
        &self,
        id: impl Fn(Who) -> Result<UserId, E>,
        at: DateTime<Utc>,
    ) -> Result<EventInput, E> {
        let mut e = EventInput::default();
        let ty = match self {
            Action::Assign(who) => {
                e.assignee_id = Some(id(*who)?);
                EventType::Assign
            }
            Action::GiveOpinion(text) => {
                e.opinion = Some(text.clone());
                EventType::GiveOpinion
            }
            Action::Reply(text) => {
                e.reply = Some(text.clone());
                EventType::Reply
            }
            Action::Dispatch(who) => {
                e.technician_id = Some(id(*who)?);
                EventType::Dispatch
            }
            Action::CheckIn => {
                e.at = Some(at);
                EventType::CheckIn
            }
            Action::Note(text) => {
                e.text = Some(text.clone());
                EventType::Note
            }
            Action::Resolve(text) => {
                e.resolution = Some(text.clone());
                EventType::Resolve
            }
            Action::Close => EventType::Close,
            Action::Reopen(reason) => {
                e.reason = Some(reason.clone());
                EventType::Reopen
            }
            Action::Cancel(reason) => {
                e.reason = Some(reason.clone());
                EventType::Cancel
            }
            Action::Pause(reason) => {
                e.reason = Some(reason.clone());
                EventType::Pause
            }
            Action::Resume => EventType::Resume,
        };
        e.event_type = Some(ty);
        Ok(e)
    }
}

// ---------------------------------------------------------------------------------------
// Reading and checking

/// Read `source` and check every record, with moments relative to `now`. `password` is
/// the demo accounts' password (checked against the password rules). The error names the
/// record at fault.
pub(super) fn plan(source: &str, password: &str, now: DateTime<Utc>) -> Result<Plan, String> {
    let file: File = toml::from_str(source).map_err(|e| e.to_string())?;

    let mut staff = Vec::with_capacity(file.staff.len());
    let mut who: HashMap<&str, Who> = HashMap::new();
    for (i, s) in file.staff.iter().enumerate() {
        let label = format!("staff {} ({:?})", i + 1, s.username);
        let user = NewUser::parse(&s.username, &s.name, &s.role, password)
            .map_err(|e| format!("{label}: {e}"))?;
        if who.insert(s.username.as_str(), Who(i)).is_some() {
            return Err(format!("{label}: the username is given twice"));
        }
        staff.push(user);
    }
    let find = |username: &str| {
        who.get(username)
            .copied()
            .ok_or_else(|| format!("unknown user {username:?} (not in [[staff]])"))
    };

    let mut customers = Vec::with_capacity(file.customers.len());
    let mut keys: HashMap<&str, CustomerRef> = HashMap::new();
    for (i, c) in file.customers.iter().enumerate() {
        let label = format!("customer {} ({:?})", i + 1, c.key);
        if keys.insert(c.key.as_str(), CustomerRef(i)).is_some() {
            return Err(format!("{label}: the key is given twice"));
        }
        let at = moment(&c.recorded, now).map_err(|e| format!("{label}: recorded: {e}"))?;
        let input = CustomerInput {
            name: c.name.clone(),
            address: c.address.clone(),
            salesperson_id: None,
            notes: c.notes.clone(),
            contacts: c
                .contacts
                .iter()
                .map(|k| ContactInput {
                    name: k.name.clone(),
                    phone: k.phone.clone(),
                    email: k.email.clone(),
                    position: k.position.clone(),
                })
                .collect(),
        };
        CustomerFields::parse(&input).map_err(|e| format!("{label}: {e}"))?;
        let correction = match &c.correction {
            None => None,
            Some(k) => {
                let label = format!("{label}, correction");
                let checked = RegionCorrection::parse(&k.region, &k.reason)
                    .map_err(|e| format!("{label}: {e}"))?;
                Some(PlannedCorrection {
                    by: find(&k.by).map_err(|e| format!("{label}: by: {e}"))?,
                    at: at + span(&k.after).map_err(|e| format!("{label}: after: {e}"))?,
                    region: checked.region,
                    reason: checked.reason,
                })
            }
        };
        customers.push(PlannedCustomer {
            by: find(&c.by).map_err(|e| format!("{label}: by: {e}"))?,
            at,
            input,
            salesperson: c
                .salesperson
                .as_deref()
                .map(find)
                .transpose()
                .map_err(|e| format!("{label}: salesperson: {e}"))?,
            correction,
            label,
        });
    }

    let mut models = Vec::with_capacity(file.models.len());
    for (i, m) in file.models.iter().enumerate() {
        let input = ModelInput {
            code: m.code.clone(),
            name: m.name.clone(),
            product_line: m.product_line.clone(),
        };
        ModelFields::parse(&input).map_err(|e| format!("model {} ({:?}): {e}", i + 1, m.code))?;
        models.push(input);
    }
    let mut units = Vec::with_capacity(file.units.len());
    let mut serials: HashMap<&str, (UnitRef, CustomerRef)> = HashMap::new();
    for (i, u) in file.units.iter().enumerate() {
        let label = format!("unit {} ({:?})", i + 1, u.serial);
        let customer = keys
            .get(u.customer.as_str())
            .copied()
            .ok_or_else(|| format!("{label}: unknown customer {:?}", u.customer))?;
        if !file
            .models
            .iter()
            .any(|m| m.code.eq_ignore_ascii_case(&u.model))
        {
            return Err(format!(
                "{label}: unknown model {:?} (not in [[models]])",
                u.model
            ));
        }
        let date = |what: &str, v: &Option<String>| -> Result<Option<String>, String> {
            v.as_deref()
                .map(|m| {
                    moment(m, now)
                        .map(|at| time::local_date(at).to_string())
                        .map_err(|e| format!("{label}: {what}: {e}"))
                })
                .transpose()
        };
        let input = UnitInput {
            customer_id: Some(CustomerId(0)),
            model_code: u.model.clone(),
            serial_no: u.serial.clone(),
            site_id: None,
            site_address: u.site_address.clone(),
            shipped_on: date("shipped", &u.shipped)?,
            accepted_on: date("accepted", &u.accepted)?,
            commissioned_on: date("commissioned", &u.commissioned)?,
            notes: None,
        };
        UnitFields::parse(&input, time::local_date(now)).map_err(|e| format!("{label}: {e}"))?;
        if serials
            .insert(u.serial.as_str(), (UnitRef(i), customer))
            .is_some()
        {
            return Err(format!("{label}: the serial number is given twice"));
        }
        units.push(PlannedUnit {
            by: find(&u.by).map_err(|e| format!("{label}: by: {e}"))?,
            customer,
            input,
            label,
        });
    }

    let mut tickets = Vec::with_capacity(file.tickets.len());
    for (i, t) in file.tickets.iter().enumerate() {
        let label = format!("ticket {} ({:?})", i + 1, short(&t.summary));
        let received_at =
            moment(&t.received, now).map_err(|e| format!("{label}: received: {e}"))?;
        let kind = TicketKind::parse(&t.kind).ok_or_else(|| {
            format!(
                "{label}: unknown kind {:?}; {}",
                t.kind,
                one_of(TicketKind::ALL)
            )
        })?;
        let channel = Channel::parse(&t.channel).ok_or_else(|| {
            format!(
                "{label}: unknown channel {:?}; {}",
                t.channel,
                one_of(Channel::ALL)
            )
        })?;
        let customer = keys.get(t.customer.as_str()).copied().ok_or_else(|| {
            format!(
                "{label}: unknown customer {:?} (not a key in [[customers]])",
                t.customer
            )
        })?;
        let by = find(&t.by).map_err(|e| format!("{label}: by: {e}"))?;
        let unit_ref = match t.unit_serial.as_deref() {
            None => None,
            Some(serial) => match serials.get(serial) {
                Some((u, c)) if *c == customer => Some(*u),
                Some(_) => {
                    return Err(format!("{label}: unit {serial:?} is another customer's"));
                }
                None => {
                    return Err(format!(
                        "{label}: unknown unit {serial:?} (not in [[units]])"
                    ));
                }
            },
        };
        let opened_at = (received_at + Duration::minutes(1)).min(now);
        // The ticket as the use case will check it (the region and the creator do not
        // change what is valid).
        let input = TicketInput {
            kind,
            channel,
            customer_id: CustomerId(0),
            unit_id: None,
            site_id: None,
            unit_text: t.unit.clone(),
            summary: t.summary.clone(),
            received_at,
        };
        NewTicket::parse(
            input,
            &TicketPlace::region_only(Region::Unknown),
            &sanbao_domain::deadline::DeadlinePolicy::company(),
            UserId(0),
            opened_at,
        )
        .map_err(|e| format!("{label}: {e}"))?;

        let mut steps = Vec::with_capacity(t.steps.len());
        let mut last = opened_at;
        for (n, s) in t.steps.iter().enumerate() {
            let label = format!("{label}, step {}", n + 1);
            let after = span(&s.after).map_err(|e| format!("{label}: after: {e}"))?;
            let at = (received_at + after).min(now).max(last);
            last = at;
            let action = action(s, find).map_err(|e| format!("{label}: {e}"))?;
            let Ok(event) = action.event(|_| Ok::<_, std::convert::Infallible>(UserId(0)), at);
            TicketEvent::parse(&event, now).map_err(|e| format!("{label}: {e}"))?;
            steps.push(PlannedStep {
                by: find(&s.by).map_err(|e| format!("{label}: by: {e}"))?,
                at,
                action,
                label,
            });
        }
        tickets.push(PlannedTicket {
            label,
            by,
            customer,
            kind,
            channel,
            unit: t.unit.clone(),
            unit_ref,
            summary: t.summary.clone(),
            received_at,
            opened_at,
            steps,
        });
    }
    // Oldest first; the file's order among tickets received at the same moment.
    tickets.sort_by_key(|t| t.received_at);

    let mut deliveries = Vec::with_capacity(file.deliveries.len());
    for (i, d) in file.deliveries.iter().enumerate() {
        let label = format!("delivery {} ({:?})", i + 1, d.reference);
        deliveries.push(
            planned_delivery(d, &label, &keys, &customers, &staff, find, now)
                .map_err(|e| format!("{label}: {e}"))?,
        );
    }

    let mut returns = Vec::with_capacity(file.returns.len());
    for (i, r) in file.returns.iter().enumerate() {
        let label = format!("return {} ({:?})", i + 1, r.unit);
        let unit = serials
            .get(r.unit.as_str())
            .map(|(u, _)| *u)
            .ok_or_else(|| format!("{label}: unknown unit {:?} (not in [[units]])", r.unit))?;
        let at = moment(&r.requested, now).map_err(|e| format!("{label}: requested: {e}"))?;
        let input = ReturnInput {
            ground: r.ground.clone(),
            description: r.description.clone(),
            confirmation: r.confirmation.clone(),
            ticket_id: None,
            requested_on: None,
        };
        ReturnFields::parse(&input, time::local_date(at)).map_err(|e| format!("{label}: {e}"))?;
        let decision = match (&r.decided_by, r.approve, &r.reason) {
            (None, None, None) => None,
            (Some(by), Some(approve), Some(reason)) => Some((
                find(by).map_err(|e| format!("{label}: decided_by: {e}"))?,
                approve,
                reason.clone(),
            )),
            _ => {
                return Err(format!(
                    "{label}: a decision needs decided_by, approve and reason together"
                ));
            }
        };
        let losses = match (r.losses_fen, &r.losses_note) {
            (None, None) => None,
            (amount, Some(note)) if decision.is_some() => Some(LossesInput {
                amount_fen: amount,
                note: note.clone(),
                borne_by: None,
            }),
            _ => return Err(format!("{label}: losses need a note and a decision")),
        };
        returns.push(PlannedReturn {
            by: find(&r.by).map_err(|e| format!("{label}: by: {e}"))?,
            unit,
            at,
            input,
            decision,
            losses,
            label,
        });
    }

    Ok(Plan {
        staff,
        customers,
        tickets,
        models,
        units,
        deliveries,
        returns,
    })
}

/// A delivery checked as the use cases will check it: its fields, its steps in order and
/// none after now, and a salesperson only on their own customer's delivery.
fn planned_delivery(
    d: &DeliveryEntry,
    label: &str,
    keys: &HashMap<&str, CustomerRef>,
    customers: &[PlannedCustomer],
    staff: &[NewUser],
    find: impl Fn(&str) -> Result<Who, String>,
    now: DateTime<Utc>,
) -> Result<PlannedDelivery, String> {
    let customer = keys.get(d.customer.as_str()).copied().ok_or_else(|| {
        format!(
            "unknown customer {:?} (not a key in [[customers]])",
            d.customer
        )
    })?;
    let by = find(&d.by).map_err(|e| format!("by: {e}"))?;
    let role = staff.get(by.0).map(|u| u.role);
    let theirs = customers.get(customer.0).and_then(|c| c.salesperson);
    if role.is_some_and(|r| !r.may(Permission::TrackDeliveries)) {
        return Err(format!("by: {:?} does not track deliveries", d.by));
    }
    if role == Some(Role::Salesperson) && theirs != Some(by) {
        return Err(format!("by: {:?} is not the customer's salesperson", d.by));
    }
    let at = moment(&d.shipped, now).map_err(|e| format!("shipped: {e}"))?;
    let input = DeliveryInput {
        customer_id: None,
        site_id: None,
        site_address: d.site_address.clone(),
        reference: d.reference.clone(),
        shipped_on: time::local_date(at).to_string(),
        notes: d.notes.clone(),
        lines: d
            .lines
            .iter()
            .map(|l| LineInput {
                model_code: l.model_code.clone(),
                description: l.description.clone(),
                quantity: Some(l.quantity),
            })
            .collect(),
        units: Vec::new(),
    };
    DeliveryFields::parse(
        &DeliveryInput {
            customer_id: Some(CustomerId(0)),
            ..input.clone()
        },
        time::local_date(now),
    )
    .map_err(|e| e.to_string())?;
    let mut steps = Vec::new();
    let mut last = at;
    let mut step = |name: &str, after: &Option<String>, input: StepInput| {
        let Some(after) = after else {
            return Ok(false);
        };
        let at = (last + span(after).map_err(|e| format!("{name}: {e}"))?).min(now);
        last = at;
        steps.push((at, input));
        Ok::<bool, String>(true)
    };
    let arrived = step(
        "arrived",
        &d.arrived,
        StepInput {
            kind: "arrive".into(),
            ..StepInput::default()
        },
    )?;
    let count = StepInput {
        kind: "count".into(),
        lines: d
            .count
            .iter()
            .map(|c| CountInput {
                received: Some(c.received),
                damaged: c.damaged,
                note: c.note.clone(),
            })
            .collect(),
        confirmed_by: None,
    };
    let counted = step("counted", &d.counted, count)?;
    let accepted = step(
        "accepted",
        &d.accepted,
        StepInput {
            kind: "accept".into(),
            confirmed_by: d.confirmed_by.clone(),
            ..StepInput::default()
        },
    )?;
    if (counted && !arrived) || (accepted && !counted) {
        return Err("steps go arrived, counted, accepted: none is skipped".into());
    }
    Ok(PlannedDelivery {
        label: label.to_string(),
        by,
        customer,
        at,
        input,
        steps,
    })
}

/// An action that carries a text.
type TextAction = fn(String) -> Action;

/// The one action a step names.
fn action(s: &StepEntry, find: impl Fn(&str) -> Result<Who, String>) -> Result<Action, String> {
    let mut found: Vec<Action> = Vec::new();
    if let Some(u) = &s.assign {
        found.push(Action::Assign(find(u).map_err(|e| format!("assign: {e}"))?));
    }
    if let Some(u) = &s.dispatch {
        found.push(Action::Dispatch(
            find(u).map_err(|e| format!("dispatch: {e}"))?,
        ));
    }
    let texts: [(&Option<String>, TextAction); 7] = [
        (&s.give_opinion, Action::GiveOpinion),
        (&s.reply, Action::Reply),
        (&s.note, Action::Note),
        (&s.resolve, Action::Resolve),
        (&s.reopen, Action::Reopen),
        (&s.cancel, Action::Cancel),
        (&s.pause, Action::Pause),
    ];
    for (text, make) in texts {
        if let Some(t) = text {
            found.push(make(t.clone()));
        }
    }
    if s.check_in == Some(true) {
        found.push(Action::CheckIn);
    }
    if s.close == Some(true) {
        found.push(Action::Close);
    }
    if s.resume == Some(true) {
        found.push(Action::Resume);
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(format!(
            "names no action; give one of {}",
            ACTIONS.join(", ")
        )),
        n => Err(format!(
            "names {n} actions; a step is one of {}",
            ACTIONS.join(", ")
        )),
    }
}

const ACTIONS: [&str; 12] = [
    "assign",
    "give_opinion",
    "reply",
    "dispatch",
    "check_in = true",
    "note",
    "resolve",
    "close = true",
    "reopen",
    "cancel",
    "pause",
    "resume = true",
];

fn one_of<T: std::fmt::Display>(all: &[T]) -> String {
    let names: Vec<String> = all.iter().map(ToString::to_string).collect();
    format!("one of {}", names.join(", "))
}

/// The first words of a summary, to name a ticket.
fn short(summary: &str) -> String {
    const MAX: usize = 24;
    if summary.chars().count() <= MAX {
        summary.to_string()
    } else {
        summary.chars().take(MAX).chain(['…']).collect()
    }
}

/// A moment before `now`: `"-3h20m"` is that long before, `"-2d 09:15"` is two calendar
/// days before today (company time) at 09:15.
fn moment(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let wrong = || {
        format!(
            "{s:?} is not a moment: write how long before now (\"-3h20m\") or days before today and the time of day (\"-2d 09:15\")"
        )
    };
    let rest = s.trim().strip_prefix('-').ok_or_else(wrong)?;
    match rest.split_once(' ') {
        None => Ok(now - span(rest).map_err(|_| wrong())?),
        Some((days, clock)) => {
            let days: i64 = days
                .strip_suffix('d')
                .and_then(|d| d.parse().ok())
                .filter(|d| *d >= 1)
                .ok_or_else(wrong)?;
            let clock = NaiveTime::parse_from_str(clock.trim(), "%H:%M").map_err(|_| wrong())?;
            let date = time::local_date(now) - Duration::days(days);
            time::company_offset()
                .from_local_datetime(&date.and_time(clock))
                .single()
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(wrong)
        }
    }
}

/// A length of time: days, hours and minutes, largest first (`"1d2h"`, `"45m"`).
fn span(s: &str) -> Result<Duration, String> {
    let wrong = || format!("{s:?} is not a length of time such as \"45m\", \"2h30m\" or \"1d2h\"");
    let mut total = Duration::zero();
    let mut number = String::new();
    let mut units_left = "dhm";
    for c in s.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().map_err(|_| wrong())?;
        number.clear();
        let at = units_left.find(c).ok_or_else(wrong)?;
        units_left = units_left.get(at + 1..).unwrap_or("");
        total += match c {
            'd' => Duration::days(n),
            'h' => Duration::hours(n),
            _ => Duration::minutes(n),
        };
    }
    if !number.is_empty() || s.trim().is_empty() {
        return Err(wrong());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        // 13:37 in Beijing.
        DateTime::parse_from_rfc3339("2026-03-10T05:37:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn lengths_and_moments() {
        assert_eq!(span("45m"), Ok(Duration::minutes(45)));
        assert_eq!(span("3d1h20m"), Ok(Duration::minutes(4400)));
        assert_eq!(span("2h"), Ok(Duration::hours(2)));
        for bad in ["", "45", "m", "1h2d", "1h1h", "1w", "-3m", "1 h"] {
            assert!(span(bad).is_err(), "{bad:?}");
        }
        assert_eq!(moment("-3h20m", now()), Ok(now() - Duration::minutes(200)));
        let yesterday = moment("-1d 09:12", now()).map(|t| time::local(t).to_rfc3339());
        assert_eq!(yesterday.as_deref(), Ok("2026-03-09T09:12:00+08:00"));
        for bad in ["3h", "-0d 09:00", "-1d 25:00", "-1d9:00x", "-1x 09:00", "-"] {
            assert!(moment(bad, now()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_embedded_file_is_sound() {
        let plan = plan(super::super::DATA, super::super::DEMO_PASSWORD, now());
        let plan = plan.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (plan.staff.len(), plan.customers.len(), plan.tickets.len()),
            (10, 26, 63)
        );
        assert!(
            plan.tickets
                .windows(2)
                .all(|w| w[0].received_at <= w[1].received_at)
        );
        assert!(
            plan.tickets
                .iter()
                .flat_map(|t| &t.steps)
                .all(|s| s.at <= now())
        );
    }

    #[test]
    fn a_step_names_exactly_one_action() {
        let base = "[[staff]]\nusername = \"a.b\"\nname = \"王丽\"\nrole = \"service_clerk\"\n\
            [[customers]]\nkey = \"c\"\nrecorded = \"-9d 10:00\"\nby = \"a.b\"\nname = \"某公司\"\naddress = \"杭州市西湖区文三路1号\"\n\
            [[tickets]]\nreceived = \"-1h\"\nby = \"a.b\"\ncustomer = \"c\"\nkind = \"repair\"\nchannel = \"phone\"\nsummary = \"坏了\"\n";
        let two = format!(
            "{base}steps = [{{ after = \"5m\", by = \"a.b\", note = \"x\", close = true }}]\n"
        );
        let none = format!("{base}steps = [{{ after = \"5m\", by = \"a.b\" }}]\n");
        let ok = format!("{base}steps = [{{ after = \"5m\", by = \"a.b\", note = \"x\" }}]\n");
        let e = plan(&two, "sanbao-demo", now()).unwrap_err();
        assert!(
            e.starts_with("ticket 1 (\"坏了\"), step 1: names 2 actions"),
            "{e}"
        );
        let e = plan(&none, "sanbao-demo", now()).unwrap_err();
        assert!(e.contains("step 1: names no action"), "{e}");
        let p = plan(&ok, "sanbao-demo", now()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.tickets[0].steps[0].action, Action::Note("x".into()));
        assert_eq!(p.tickets[0].steps[0].at, now() - Duration::minutes(55));
    }
}
