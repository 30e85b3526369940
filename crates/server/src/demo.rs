//! Data that is not the customers' own: a realistic demo data set, loaded by
//! `serve --demo` on an empty database so a newcomer sees a living service desk, and a
//! bulk data set for load tests (`sanbao bench-seed`, in [`bulk`]).
//!
//! The demo data set is data: `crates/server/demo/demo.toml`, embedded at build time,
//! read and checked as a whole ([`data`]), then replayed through the same use cases as
//! real work, each record by the person the file names, at the moment it would have
//! happened. Deadlines are never computed here: the domain computes them from each
//! ticket's kind, region and time of receipt. The calls to the use cases are in the
//! `replay_*` functions below, one per kind of record.

mod bulk;
mod data;

pub use bulk::{BenchSeeded, bench_seed};

use crate::app;
use crate::app::AppState;
use crate::app::customers::CorrectionInput;
use chrono::{DateTime, Utc};
use data::{Plan, PlannedCustomer, PlannedTicket, Who};
use sanbao_domain::customer::Customer;
use sanbao_domain::customer::CustomerFilter;
use sanbao_domain::ticket::{Ticket, TicketInput};
use sanbao_domain::unit::UnitInput;
use sanbao_domain::user::{NewUser, User};
use sanbao_domain::{CustomerId, Error, UnitId};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "sanbao-demo";

/// The demo data set.
const DATA: &str = include_str!("../demo/demo.toml");

/// Load the demo data unless the database already has customers.
pub async fn load_if_empty(state: &AppState) -> Result<(), String> {
    match load(state, state.now()).await {
        Ok(Some(summary)) => {
            println!("{summary}");
            Ok(())
        }
        Ok(None) => {
            tracing::info!("database already has customers: demo data not loaded");
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Load the demo data as if `now` were the present, unless the database already has
/// customers. Returns what to tell the person who asked for it (the accounts and their
/// password), or `None` when nothing was loaded.
pub async fn load(state: &AppState, now: DateTime<Utc>) -> Result<Option<String>, Error> {
    load_from(state, DATA, now).await
}

/// [`load`] with the data set read from `source` (in the format of `demo/demo.toml`).
/// The whole of `source` is checked before anything is written: a mistake in it is an
/// error naming the record, and the database is left as it was.
pub async fn load_from(
    state: &AppState,
    source: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, Error> {
    let plan = data::plan(source, DEMO_PASSWORD, now)
        .map_err(|e| Error::Internal(format!("demo data: {e}")))?;
    if has_customers(state).await? {
        return Ok(None);
    }
    let started = std::time::Instant::now();
    let staff = replay_staff(state, &plan, now).await?;
    let mut customers = Vec::with_capacity(plan.customers.len());
    for c in &plan.customers {
        customers.push(replay_customer(state, &staff, c).await?.id);
    }
    // The product models, by the first service manager; then the installed units.
    if let Some(manager) = staff
        .iter()
        .find(|u| u.role == sanbao_domain::Role::ServiceManager)
    {
        for m in &plan.models {
            app::units::create_model(state, manager, m, now)
                .await
                .map_err(|e| Error::Internal(format!("demo data: model {}: {e}", m.code)))?;
        }
    }
    let mut units = Vec::with_capacity(plan.units.len());
    for u in &plan.units {
        let customer_id = customers
            .get(u.customer.0)
            .copied()
            .ok_or_else(|| Error::Internal(format!("demo data: {}: no such customer", u.label)))?;
        let input = UnitInput {
            customer_id: Some(customer_id),
            ..u.input.clone()
        };
        let unit = app::units::create_unit(state, account(&staff, u.by)?, &input, now)
            .await
            .map_err(|e| Error::Internal(format!("demo data: {}: {e}", u.label)))?;
        units.push(unit.id);
    }
    for t in &plan.tickets {
        replay_ticket(state, &staff, &customers, &units, t).await?;
    }
    for d in &plan.deliveries {
        replay_delivery(state, &staff, &customers, d).await?;
    }
    for r in &plan.returns {
        replay_return(state, &staff, &units, r).await?;
    }
    tracing::info!(
        customers = customers.len(),
        tickets = plan.tickets.len(),
        ms = started.elapsed().as_millis(),
        "demo data loaded"
    );
    review_quality(state, &staff, now).await?;
    // ---- similar cases: the demo's finished cases are found like any other ----
    crate::app::similar::reindex(state).await?;
    // ---- end similar cases ----
    let mut out = format!(
        "\n  Demo data loaded: {} customers, {} tickets.\n  Demo accounts, each with the password \"{DEMO_PASSWORD}\":\n",
        customers.len(),
        plan.tickets.len()
    );
    for user in &staff {
        out.push_str(&format!(
            "    {:<14} {:<17} {}\n",
            user.username,
            user.role.as_str(),
            user.display_name
        ));
    }
    Ok(Some(out))
}

/// What the quality engineer found for one demo quality item, and the action taken.
struct Finding {
    component: &'static str,
    fault: &'static str,
    cause: &'static str,
    responsibility: &'static str,
    root_cause: &'static str,
    method: &'static str,
    action: &'static str,
    department: &'static str,
}

/// The findings given to the demo's quality items, in turn.
const FINDINGS: [Finding; 4] = [
    Finding {
        component: "断路器操作机构",
        fault: "拒合",
        cause: "机构润滑不足",
        responsibility: "manufacturing",
        root_cause: "装配工序漏涂润滑脂，出厂检验未覆盖",
        method: "five_why",
        action: "装配工序增加润滑检查点，出厂检验加测合闸",
        department: "生产部",
    },
    Finding {
        component: "母排连接",
        fault: "过热",
        cause: "螺栓扭矩不足",
        responsibility: "manufacturing",
        root_cause: "紧固工具未定期校准",
        method: "machine",
        action: "扭矩扳手纳入周检，连接点加贴测温片",
        department: "生产部",
    },
    Finding {
        component: "密封圈",
        fault: "渗漏",
        cause: "来料硬度超差",
        responsibility: "purchased_component",
        root_cause: "供应商更换原料批次未通知",
        method: "material",
        action: "密封圈来料增加硬度抽检，供应商变更须报备",
        department: "采购部",
    },
    Finding {
        component: "柜门",
        fault: "变形",
        cause: "钣金厚度不足",
        responsibility: "product_design",
        root_cause: "设计选用 1.5 mm 板材，运输振动下变形",
        method: "five_why",
        action: "柜门改用 2.0 mm 板材并加强筋",
        department: "技术部",
    },
];

/// The quality engineer's review of the demo month: every quality item but the last two
/// classified, investigated and given an action, so the review and the monthly report show
/// work done and work still to do.
async fn review_quality(state: &AppState, staff: &[User], now: DateTime<Utc>) -> Result<(), Error> {
    use sanbao_domain::quality::{ActionInput, ClassifyInput};
    let Some(qe) = staff
        .iter()
        .find(|u| u.role == sanbao_domain::Role::QualityEngineer)
    else {
        return Ok(());
    };
    // The demo's tickets lie in the last weeks: this month's items and last month's.
    let month = sanbao_domain::time::Month::of(now);
    let items = state
        .db
        .quality_items_between(month.previous(), month)
        .await?;
    let due = (sanbao_domain::time::local_date(now) + chrono::Duration::days(30)).to_string();
    for (i, item) in items.iter().enumerate().take(items.len().saturating_sub(2)) {
        let f = &FINDINGS[i % FINDINGS.len()];
        let input = ClassifyInput {
            product_model: item.product_model.clone(),
            component: Some(f.component.into()),
            fault_category: Some(f.fault.into()),
            cause: Some(f.cause.into()),
            responsibility: Some(f.responsibility.into()),
            summary: Some(item.summary.clone()),
            root_cause: Some(f.root_cause.into()),
            method: Some(f.method.into()),
        };
        app::quality::classify(state, qe, item.id, item.version, &input, now).await?;
        let action = ActionInput {
            kind: Some("corrective".into()),
            description: Some(f.action.into()),
            owner_department: Some(f.department.into()),
            due_on: Some(due.clone()),
            ..ActionInput::default()
        };
        app::quality::add_action(state, qe, item.id, &action, now).await?;
    }
    Ok(())
}

async fn has_customers(state: &AppState) -> Result<bool, Error> {
    Ok(!state
        .db
        .customers(&CustomerFilter::default(), 1, None)
        .await?
        .is_empty())
}

/// The account of a member of the demo staff (every [`Who`] the plan holds indexes the
/// staff it was checked against, and [`replay_staff`] creates them all).
fn account(staff: &[User], who: Who) -> Result<&User, Error> {
    staff
        .get(who.0)
        .ok_or_else(|| Error::Internal(format!("demo data: no account number {}", who.0)))
}

// ---------------------------------------------------------------------------------------
// Replay: the only calls to the use cases, one function per kind of record

/// Create the accounts, in the plan's order (hashing the passwords in parallel: Argon2 is
/// slow on purpose). An account whose username is already taken is reused as it is.
async fn replay_staff(
    state: &AppState,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Result<Vec<User>, Error> {
    let mut jobs = tokio::task::JoinSet::new();
    for (i, new) in plan.staff.iter().enumerate() {
        let (state, new): (AppState, NewUser) = (state.clone(), new.clone());
        jobs.spawn(async move {
            if let Some((user, _)) = state.db.user_for_login(&new.username).await? {
                return Ok((i, user));
            }
            app::users::add_user(&state, &new, DEMO_PASSWORD, now)
                .await
                .map(|u| (i, u))
        });
    }
    let mut users: Vec<Option<User>> = vec![None; plan.staff.len()];
    while let Some(done) = jobs.join_next().await {
        let (i, user) = done.map_err(|e| Error::Internal(e.to_string()))??;
        if let Some(slot) = users.get_mut(i) {
            *slot = Some(user);
        }
    }
    users
        .into_iter()
        .collect::<Option<Vec<User>>>()
        .ok_or_else(|| Error::Internal("demo data: an account was not created".into()))
}

/// Record a customer, and correct its region by hand afterwards if the file says so.
async fn replay_customer(
    state: &AppState,
    staff: &[User],
    c: &PlannedCustomer,
) -> Result<Customer, Error> {
    let named = |e: Error| Error::Internal(format!("demo data: {}: {e}", c.label));
    let mut input = c.input.clone();
    input.salesperson_id = match c.salesperson {
        Some(who) => Some(account(staff, who)?.id),
        None => None,
    };
    let by = account(staff, c.by)?;
    let customer =
        app::customers::create_customer(state, by, &input, &CorrectionInput::default(), c.at)
            .await
            .map_err(named)?;
    let Some(k) = &c.correction else {
        return Ok(customer);
    };
    let correction = CorrectionInput {
        region: Some(k.region.as_str().into()),
        reason: Some(k.reason.clone()),
    };
    app::customers::update_customer(
        state,
        account(staff, k.by)?,
        customer.id,
        customer.version,
        &input,
        &correction,
        k.at,
    )
    .await
    .map_err(named)
}

/// Request a return at its moment, then decide it an hour later and record its losses a
/// day after that (never after now).
async fn replay_return(
    state: &AppState,
    staff: &[User],
    units: &[UnitId],
    r: &data::PlannedReturn,
) -> Result<(), Error> {
    let fail = |e: Error| Error::Internal(format!("demo data: {}: {e}", r.label));
    let unit = units
        .get(r.unit.0)
        .copied()
        .ok_or_else(|| Error::Internal(format!("demo data: {}: no such unit", r.label)))?;
    let now = state.now();
    let mut req =
        app::returns::request_return(state, account(staff, r.by)?, unit, &r.input, r.at.min(now))
            .await
            .map_err(fail)?;
    if let Some((by, approve, reason)) = &r.decision {
        let at = (r.at + chrono::Duration::hours(1)).min(now);
        req = app::returns::decide_return(
            state,
            account(staff, *by)?,
            req.id,
            req.version,
            *approve,
            reason,
            at,
        )
        .await
        .map_err(fail)?;
        if let Some(losses) = &r.losses {
            let at = (r.at + chrono::Duration::days(1)).min(now);
            app::returns::record_losses(
                state,
                account(staff, *by)?,
                req.id,
                req.version,
                losses,
                at,
            )
            .await
            .map_err(fail)?;
        }
    }
    Ok(())
}

/// Open a ticket a minute after its contact came in and replay its steps at the moments
/// they happened.
async fn replay_ticket(
    state: &AppState,
    staff: &[User],
    customers: &[CustomerId],
    units: &[UnitId],
    t: &PlannedTicket,
) -> Result<Ticket, Error> {
    let customer_id = customers.get(t.customer.0).copied().ok_or_else(|| {
        Error::Internal(format!(
            "demo data: {}: no customer number {}",
            t.label, t.customer.0
        ))
    })?;
    let input = TicketInput {
        kind: t.kind,
        channel: t.channel,
        customer_id,
        unit_id: t.unit_ref.and_then(|u| units.get(u.0).copied()),
        site_id: None,
        unit_text: t.unit.clone(),
        summary: t.summary.clone(),
        received_at: t.received_at,
    };
    let mut ticket = app::tickets::open_ticket(state, account(staff, t.by)?, input, t.opened_at)
        .await
        .map_err(|e| Error::Internal(format!("demo data: {}: {e}", t.label)))?;
    for step in &t.steps {
        let input = step
            .action
            .event(|who| account(staff, who).map(|u| u.id), step.at)?;
        ticket = app::tickets::record_event(
            state,
            account(staff, step.by)?,
            ticket.id,
            ticket.version,
            &input,
            step.at,
        )
        .await
        .map_err(|e| Error::Internal(format!("demo data: {}: {e}", step.label)))?;
    }
    Ok(ticket)
}

/// Record a delivery when it was shipped and replay its steps at the moments they happened.
async fn replay_delivery(
    state: &AppState,
    staff: &[User],
    customers: &[CustomerId],
    d: &data::PlannedDelivery,
) -> Result<(), Error> {
    let named = |e: Error| Error::Internal(format!("demo data: {}: {e}", d.label));
    let mut input = d.input.clone();
    input.customer_id = Some(customers.get(d.customer.0).copied().ok_or_else(|| {
        Error::Internal(format!(
            "demo data: {}: no customer number {}",
            d.label, d.customer.0
        ))
    })?);
    let by = account(staff, d.by)?;
    let mut delivery = app::deliveries::create_delivery(state, by, &input, d.at)
        .await
        .map_err(named)?;
    for (at, step) in &d.steps {
        delivery =
            app::deliveries::record_step(state, by, delivery.id, delivery.version, step, *at)
                .await
                .map_err(named)?;
    }
    Ok(())
}
