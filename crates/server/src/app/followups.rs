//! The salesperson's monthly follow-ups (R3.1) and the service department's month-end
//! collation: record (a salesperson for their own customers only; a phone sends an
//! `Idempotency-Key`), list, the month's status, a quality remark turned into a ticket in
//! one step, reminders from the 25th (once per salesperson and month), the collation
//! (coverage per salesperson, remarks by class, requests still open), closing the month
//! once, and the month's report as CSV or XLSX. The due rule is the domain's
//! (`sanbao_domain::followup`).

use super::export::{ExportKind, Sheet};
use super::idempotency::{self, Answer, Once};
use super::notify::{Notice, notify};
use super::require;
use crate::app::AppState;
use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::followup::FollowUpFilter;
use sanbao_domain::followup::{
    Closing, Coverage, DueState, FollowUp, FollowUpInput, FollowUpView, Method, NewFollowUp, Owed,
    RemarkClass, check_close, coverage, month_status, reminding,
};
use sanbao_domain::ids::FollowUpId;
use sanbao_domain::role::may_for_customer;
use sanbao_domain::ticket::{Channel, NewTicket, TicketInput, TicketKind};
use sanbao_domain::time::Month;
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission, Problem, Role, TicketId, UserId};
use std::collections::HashMap;

/// At most this many follow-ups in a list.
pub const LIST_MAX: i64 = 500;

/// What an idempotency key of a recording is claimed under.
const SCOPE_RECORD: &str = "follow_ups.record";

fn no_such_customer() -> Error {
    Error::field("customer_id", Problem::new("not_found", "no such customer"))
}

/// Record a follow-up: a salesperson only for their own customers (403 otherwise), the
/// department for any; every bad field named and nothing written. Recorded after its
/// month's collation was closed, it is marked late. With `once`, the same submission sent
/// again answers the first follow-up and records nothing.
pub async fn record(
    state: &AppState,
    actor: &User,
    input: &FollowUpInput,
    once: Option<&Once>,
    now: DateTime<Utc>,
) -> Result<Answer<FollowUp>, Error> {
    require(actor, Permission::RecordFollowUps)?;
    let mut tx = state.db.begin().await?;
    if let Some(once) = once
        && let Some(done) =
            idempotency::replayed(&mut tx, actor.id, once, SCOPE_RECORD, now).await?
    {
        let id = FollowUpId(idempotency::result_id(&done)?);
        let f = tx
            .follow_up(id)
            .await?
            .ok_or(Error::NotFound("follow-up"))?;
        tx.rollback().await?;
        return Ok(Answer::replay(f.follow_up));
    }
    let mut missing = false;
    if let Some(id) = input.customer_id {
        match tx.customer(id).await? {
            Some(c) => {
                if !may_for_customer(
                    actor.role,
                    Permission::RecordFollowUps,
                    actor.id,
                    c.fields.salesperson_id,
                ) {
                    tracing::info!(
                        user_id = actor.id.0,
                        customer_id = id.0,
                        "not their customer"
                    );
                    return Err(Error::Forbidden);
                }
            }
            None => missing = true,
        }
    }
    // Whether the month named is closed is read before the check (the date may be bad).
    let month = input
        .date
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .map(sanbao_domain::followup::month_of_date)
        .unwrap_or_else(|| Month::of(now));
    let closed = tx.follow_up_closing(month).await?.is_some();
    let new = match NewFollowUp::parse(input, actor.id, |m| m == month && closed, now) {
        Ok(n) if !missing => n,
        Ok(_) => return Err(no_such_customer()),
        Err(Error::Validation(mut errs)) => {
            if missing {
                errs.0.remove("customer_id");
                errs.add("customer_id", Problem::new("not_found", "no such customer"));
            }
            return Err(Error::Validation(errs));
        }
        Err(e) => return Err(e),
    };
    let f = tx.insert_follow_up(&new).await?;
    tx.audit(&NewAuditEntry::created(
        "follow_up",
        f.id.0,
        actor.id,
        f.created_at,
        f.audit_view(),
    ))
    .await?;
    if let Some(once) = once {
        idempotency::complete(&mut tx, actor.id, once, &f.id.0.to_string()).await?;
    }
    tx.commit().await?;
    tracing::info!(follow_up_id = f.id.0, late = f.late, "follow-up recorded");
    Ok(Answer::new(f))
}

/// Whether the actor sees the follow-up: the department every one, a salesperson those of
/// their customers and those they recorded.
fn may_see(actor: &User, v: &FollowUpView, holder: Option<UserId>) -> bool {
    if !actor.role.bound_to_own_customers() {
        return true;
    }
    v.follow_up.salesperson_id == actor.id || holder == Some(actor.id)
}

fn may_view(actor: &User) -> bool {
    actor.role.may(Permission::ViewFollowUps)
}

/// One follow-up (404 for a salesperson when it is another's).
pub async fn follow_up(
    state: &AppState,
    actor: &User,
    id: FollowUpId,
) -> Result<FollowUpView, Error> {
    if !may_view(actor) {
        return Err(Error::Forbidden);
    }
    let v = state
        .db
        .follow_up(id)
        .await?
        .ok_or(Error::NotFound("follow-up"))?;
    let holder = state
        .db
        .customer(v.follow_up.customer_id)
        .await?
        .and_then(|c| c.fields.salesperson_id);
    if !may_see(actor, &v, holder) {
        return Err(Error::NotFound("follow-up"));
    }
    Ok(v)
}

/// Follow-ups, latest first; a salesperson's narrowed to their own.
pub async fn follow_ups(
    state: &AppState,
    actor: &User,
    filter: &FollowUpFilter,
    limit: i64,
) -> Result<Vec<FollowUpView>, Error> {
    if !may_view(actor) {
        return Err(Error::Forbidden);
    }
    let mut filter = filter.clone();
    if actor.role.bound_to_own_customers() {
        filter.salesperson = Some(actor.id);
    }
    state.db.follow_ups(&filter, limit.clamp(1, LIST_MAX)).await
}

/// A customer owed a follow-up, with the name of who owes it.
#[derive(Debug, Clone)]
pub struct OwedView {
    pub owed: Owed,
    pub salesperson_name: Option<String>,
}

/// The month's status of every customer owed a follow-up (a salesperson: their own).
pub async fn due(
    state: &AppState,
    actor: &User,
    month: Month,
    now: DateTime<Utc>,
) -> Result<Vec<OwedView>, Error> {
    if !may_view(actor) {
        return Err(Error::Forbidden);
    }
    let mut all = status(state, month, now).await?;
    if actor.role.bound_to_own_customers() {
        all.retain(|o| o.owed.salesperson_id == Some(actor.id));
    }
    Ok(all)
}

async fn names(state: &AppState) -> Result<HashMap<UserId, String>, Error> {
    Ok(state
        .db
        .users(None)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

pub(crate) async fn status(
    state: &AppState,
    month: Month,
    now: DateTime<Utc>,
) -> Result<Vec<OwedView>, Error> {
    let held = state.db.customer_holdings().await?;
    let dates = state.db.follow_up_dates(month).await?;
    let names = names(state).await?;
    let mut out: Vec<OwedView> = month_status(&held, &dates, month, now)
        .into_iter()
        .map(|owed| OwedView {
            salesperson_name: owed.salesperson_id.and_then(|u| names.get(&u).cloned()),
            owed,
        })
        .collect();
    // Overdue first, then due, then done; by name within.
    out.sort_by_key(|o| {
        (
            match o.owed.state {
                DueState::Overdue => 0,
                DueState::Due => 1,
                DueState::Done => 2,
            },
            o.owed.customer_name.clone(),
        )
    });
    Ok(out)
}

/// Turn the follow-up's remark into a ticket in one step: a complaint (about quality for a
/// quality remark) for the customer, channel `salesperson`, with the remark as its summary,
/// linked to the follow-up; a second time is refused (409).
pub async fn to_ticket(
    state: &AppState,
    actor: &User,
    id: FollowUpId,
    now: DateTime<Utc>,
) -> Result<(FollowUp, TicketId), Error> {
    require(actor, Permission::RecordFollowUps)?;
    require(actor, Permission::OpenTickets)?;
    let before = follow_up(state, actor, id).await?.follow_up;
    let kind = match before.remark_class {
        Some(RemarkClass::Quality) | None => TicketKind::ComplaintQuality,
        Some(_) => TicketKind::ComplaintOther,
    };
    before.check_ticketable()?;
    let owner = super::tickets::intake_owner(state, actor, kind, None).await?;
    let mut tx = state.db.begin().await?;
    let current = tx
        .follow_up(id)
        .await?
        .ok_or(Error::NotFound("follow-up"))?
        .follow_up;
    let remark = current.check_ticketable()?.to_string();
    let place = tx.ticket_place(current.customer_id, None, None).await?;
    let policy = tx.current_policy().await?;
    let mut ticket = NewTicket::parse(
        TicketInput {
            kind,
            channel: Channel::Salesperson,
            customer_id: current.customer_id,
            unit_id: None,
            site_id: None,
            unit_text: None,
            summary: remark,
            received_at: now,
        },
        &place,
        &policy,
        actor.id,
        now,
    )
    .map_err(|e| match e {
        Error::Validation(_) => Error::field(
            "remarks",
            Problem::invalid("this remark cannot be a ticket's summary"),
        ),
        other => other,
    })?;
    ticket.assignee_id = owner;
    let opened = tx
        .insert_tickets(&[&ticket])
        .await?
        .pop()
        .ok_or_else(|| Error::Internal("no ticket written".into()))?;
    tx.link_follow_up_ticket(id, opened.id).await?;
    let after = FollowUp {
        ticket_id: Some(opened.id),
        ..current.clone()
    };
    if let Some(entry) = NewAuditEntry::changed(
        "follow_up",
        id.0,
        "to_ticket",
        actor.id,
        now,
        None,
        &current.audit_view(),
        &after.audit_view(),
    ) {
        tx.audit(&entry).await?;
    }
    tx.commit().await?;
    state.desk.changed();
    tracing::info!(
        follow_up_id = id.0,
        ticket_id = opened.id.0,
        "remark made a ticket"
    );
    Ok((after, opened.id))
}

/// One salesperson's coverage with their name.
#[derive(Debug, Clone)]
pub struct CoverageView {
    pub coverage: Coverage,
    pub salesperson_name: Option<String>,
}

/// The month's collation, as the department reads it.
#[derive(Debug, Clone)]
pub struct Collation {
    pub month: Month,
    pub coverage: Vec<CoverageView>,
    /// Customers whose follow-up is overdue (or still due, before month end).
    pub missing: Vec<OwedView>,
    /// The month's remarks by class, every class listed.
    pub remarks: Vec<(RemarkClass, Vec<FollowUpView>)>,
    /// Follow-ups whose requests are still open: no ticket made, or its ticket not done.
    pub open_requests: Vec<FollowUpView>,
    pub follow_ups: Vec<FollowUpView>,
    pub closing: Option<(Closing, String)>,
    /// The month has ended and is not closed yet.
    pub may_close: bool,
}

/// The collation of a month (the department).
pub async fn collation(
    state: &AppState,
    actor: &User,
    month: Month,
    now: DateTime<Utc>,
) -> Result<Collation, Error> {
    require(actor, Permission::CollateFollowUps)?;
    let status = status(state, month, now).await?;
    let names = names(state).await?;
    let owed: Vec<Owed> = status.iter().map(|o| o.owed.clone()).collect();
    let coverage = coverage(&owed)
        .into_iter()
        .map(|c| CoverageView {
            salesperson_name: c.salesperson_id.and_then(|u| names.get(&u).cloned()),
            coverage: c,
        })
        .collect();
    let follow_ups = state
        .db
        .follow_ups(
            &FollowUpFilter {
                month: Some(month),
                ..FollowUpFilter::default()
            },
            LIST_MAX,
        )
        .await?;
    let remarks = RemarkClass::ALL
        .iter()
        .map(|k| {
            (
                *k,
                follow_ups
                    .iter()
                    .filter(|f| f.follow_up.remark_class == Some(*k))
                    .cloned()
                    .collect(),
            )
        })
        .collect();
    let open_requests = follow_ups
        .iter()
        .filter(|f| f.follow_up.requests.is_some() && !f.ticket_done)
        .cloned()
        .collect();
    let closing = state.db.follow_up_closing(month).await?.map(|k| {
        let by = names.get(&k.closed_by).cloned().unwrap_or_default();
        (k, by)
    });
    Ok(Collation {
        month,
        coverage,
        missing: status
            .into_iter()
            .filter(|o| o.owed.state != DueState::Done)
            .collect(),
        remarks,
        open_requests,
        may_close: closing.is_none() && now >= month.end(),
        closing,
        follow_ups,
    })
}

/// Close the month's collation: once, after the month has ended; recorded with the
/// month's figures and audited. Follow-ups recorded for it afterwards are marked late.
pub async fn close(
    state: &AppState,
    actor: &User,
    month: Month,
    now: DateTime<Utc>,
) -> Result<Closing, Error> {
    require(actor, Permission::CollateFollowUps)?;
    let status = status(state, month, now).await?;
    let closing = Closing {
        month: month.to_string(),
        closed_by: actor.id,
        closed_at: sanbao_domain::time::to_store_precision(now),
        owed: i64::try_from(status.len()).unwrap_or(i64::MAX),
        done: i64::try_from(
            status
                .iter()
                .filter(|o| o.owed.state == DueState::Done)
                .count(),
        )
        .unwrap_or(i64::MAX),
    };
    let mut tx = state.db.begin().await?;
    let already = tx.follow_up_closing(month).await?.is_some();
    check_close(month, already, now)?;
    tx.insert_follow_up_closing(&closing).await?;
    tx.audit(&NewAuditEntry::created(
        "follow_up_collation",
        i64::from(month.year) * 100 + i64::from(month.month),
        actor.id,
        closing.closed_at,
        serde_json::json!({
            "month": closing.month,
            "owed": closing.owed,
            "done": closing.done,
        }),
    ))
    .await?;
    tx.commit().await?;
    tracing::info!(month = %month, "follow-up collation closed");
    Ok(closing)
}

/// From the 25th, tell each salesperson once a month of their customers still due.
/// Returns how many salespeople were told.
pub async fn sweep(state: &AppState, now: DateTime<Utc>) -> Result<usize, Error> {
    if !reminding(now) {
        return Ok(0);
    }
    let month = Month::of(now);
    let lang = Lang::default();
    let status = status(state, month, now).await?;
    let mut by: HashMap<UserId, Vec<String>> = HashMap::new();
    for o in status.iter().filter(|o| o.owed.state == DueState::Due) {
        if let Some(s) = o.owed.salesperson_id {
            by.entry(s).or_default().push(o.owed.customer_name.clone());
        }
    }
    let mut told = 0;
    let mut people: Vec<_> = by.into_iter().collect();
    people.sort_by_key(|(u, _)| u.0);
    for (sp, customers) in people {
        let mut tx = state.db.begin().await?;
        if !tx.mark_follow_up_reminded(month, sp, now).await? {
            tx.rollback().await?;
            continue;
        }
        let count = customers.len();
        let list = customers.join("、");
        let (subject, body) = {
            let args: [(&str, &dyn std::fmt::Display); 3] =
                [("month", &month), ("count", &count), ("customers", &list)];
            (
                lang.f("followup.notice_due_subject", &args),
                lang.f("followup.notice_due_body", &args),
            )
        };
        notify(
            &mut tx,
            &[sp],
            &Notice {
                subject,
                body: Some(body),
                link: Some("/follow-ups".into()),
                urgent: false,
            },
            &format!("follow-ups:due:{month}:{}", sp.0),
            now,
        )
        .await?;
        tx.commit().await?;
        told += 1;
    }
    Ok(told)
}

/// How a follow-up was made, in words.
pub fn method_label(lang: Lang, m: Method) -> String {
    lang.t(match m {
        Method::Visit => "followup.method.visit",
        Method::Phone => "followup.method.phone",
        Method::Wechat => "followup.method.wechat",
        Method::Meeting => "followup.method.meeting",
    })
    .to_string()
}

/// What a remark is about, in words.
pub fn class_label(lang: Lang, c: RemarkClass) -> String {
    lang.t(match c {
        RemarkClass::Quality => "followup.class.quality",
        RemarkClass::Delivery => "followup.class.delivery",
        RemarkClass::Service => "followup.class.service",
        RemarkClass::Commercial => "followup.class.commercial",
        RemarkClass::Other => "followup.class.other",
    })
    .to_string()
}

/// Where a customer's month stands, in words.
pub fn state_label(lang: Lang, s: DueState) -> String {
    lang.t(match s {
        DueState::Done => "followup.state.done",
        DueState::Due => "followup.state.due",
        DueState::Overdue => "followup.state.overdue",
    })
    .to_string()
}

const REPORT_HEADERS: [&str; 12] = [
    "日期",
    "客户",
    "业务员",
    "方式",
    "会见人员",
    "产品使用运行情况",
    "质量意见",
    "意见分类",
    "客户要求",
    "工单",
    "补录",
    "记录时间",
];

/// The month's follow-up report: one row per follow-up (the department).
pub async fn report_sheet(
    state: &AppState,
    actor: &User,
    month: Month,
    lang: Lang,
) -> Result<Sheet, Error> {
    require(actor, Permission::CollateFollowUps)?;
    let rows = state
        .db
        .follow_ups(
            &FollowUpFilter {
                month: Some(month),
                ..FollowUpFilter::default()
            },
            LIST_MAX,
        )
        .await?;
    let yes = lang.t("followup.late");
    let rows = rows
        .into_iter()
        .rev()
        .map(|v| {
            let f = v.follow_up;
            vec![
                f.date.to_string(),
                v.customer_name,
                v.salesperson_name,
                method_label(lang, f.method),
                f.met.unwrap_or_default(),
                f.usage.unwrap_or_default(),
                f.remarks.unwrap_or_default(),
                f.remark_class
                    .map(|c| class_label(lang, c))
                    .unwrap_or_default(),
                f.requests.unwrap_or_default(),
                f.ticket_id
                    .map(sanbao_domain::ticket::ticket_number)
                    .unwrap_or_default(),
                if f.late {
                    yes.to_string()
                } else {
                    String::new()
                },
                sanbao_domain::time::local(f.created_at)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
            ]
        })
        .collect();
    tracing::info!(user_id = actor.id.0, month = %month, "follow-up report exported");
    Ok(Sheet {
        kind: ExportKind::FollowUps,
        headers: REPORT_HEADERS.to_vec(),
        rows,
    })
}

/// Whether a role collates (for the pages' navigation).
pub fn collates(role: Role) -> bool {
    role.may(Permission::CollateFollowUps)
}
