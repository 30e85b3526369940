//! The salesperson's monthly follow-ups (R3.1), who held each customer since when, the
//! month's closing of the collation and the reminders sent.

use crate::{Db, Tx, at, db_err, internal, ms, on_tx, parse, read};
use chrono::NaiveDate;
use sanbao_domain::followup::{
    Closing, CustomerHolding, FollowUp, FollowUpFilter, FollowUpView, Method, NewFollowUp,
    RemarkClass,
};
use sanbao_domain::ids::FollowUpId;
use sanbao_domain::time::Month;
use sanbao_domain::{CustomerId, Error, TicketId, UserId};
use tracing::instrument;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    customer_id: i64,
    salesperson_id: i64,
    visited_on: String,
    method: String,
    met: Option<String>,
    usage: Option<String>,
    remarks: Option<String>,
    remark_class: Option<String>,
    requests: Option<String>,
    ticket_id: Option<i64>,
    late: bool,
    created_at: i64,
    customer_name: String,
    salesperson_name: String,
    ticket_status: Option<String>,
}

const SELECT: &str = "SELECT f.id, f.customer_id, f.salesperson_id, f.visited_on, f.method,
       f.met, f.usage, f.remarks, f.remark_class, f.requests, f.ticket_id, f.late,
       f.created_at, c.name AS customer_name, u.display_name AS salesperson_name,
       t.status AS ticket_status
     FROM follow_ups f JOIN customers c ON c.id = f.customer_id
       JOIN users u ON u.id = f.salesperson_id
       LEFT JOIN tickets t ON t.id = f.ticket_id";

fn date(s: &str) -> Result<NaiveDate, Error> {
    parse("follow-up date", s, |v| {
        NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()
    })
}

impl TryFrom<Row> for FollowUpView {
    type Error = Error;
    fn try_from(r: Row) -> Result<FollowUpView, Error> {
        Ok(FollowUpView {
            follow_up: FollowUp {
                id: FollowUpId(r.id),
                customer_id: CustomerId(r.customer_id),
                salesperson_id: UserId(r.salesperson_id),
                date: date(&r.visited_on)?,
                method: parse("follow-up method", &r.method, Method::parse)?,
                met: r.met,
                usage: r.usage,
                remarks: r.remarks,
                remark_class: r
                    .remark_class
                    .map(|c| parse("remark class", &c, RemarkClass::parse))
                    .transpose()?,
                requests: r.requests,
                ticket_id: r.ticket_id.map(TicketId),
                late: r.late,
                created_at: at(r.created_at),
            },
            customer_name: r.customer_name,
            salesperson_name: r.salesperson_name,
            ticket_done: matches!(
                r.ticket_status.as_deref(),
                Some("resolved" | "closed" | "cancelled")
            ),
        })
    }
}

#[derive(sqlx::FromRow)]
struct ClosingRow {
    month: String,
    closed_by: i64,
    closed_at: i64,
    owed: i64,
    done: i64,
}

impl From<ClosingRow> for Closing {
    fn from(r: ClosingRow) -> Closing {
        Closing {
            month: r.month,
            closed_by: UserId(r.closed_by),
            closed_at: at(r.closed_at),
            owed: r.owed,
            done: r.done,
        }
    }
}

fn holdings_of(
    customers: Vec<(i64, String, i64)>,
    history: Vec<(i64, Option<i64>, i64)>,
) -> Vec<CustomerHolding> {
    customers
        .into_iter()
        .map(|(id, name, created)| CustomerHolding {
            customer_id: CustomerId(id),
            customer_name: name,
            created_at: at(created),
            salespeople: history
                .iter()
                .filter(|(c, _, _)| *c == id)
                .map(|(_, s, from)| (at(*from), s.map(UserId)))
                .collect(),
        })
        .collect()
}

const CUSTOMERS: &str = "SELECT id, name, created_at FROM customers ORDER BY name, id";
const HISTORY: &str = "SELECT customer_id, salesperson_id, from_at FROM customer_salespeople
     ORDER BY customer_id, from_at, id";
const DATES: &str = "SELECT customer_id, visited_on FROM follow_ups
     WHERE visited_on >= $1 AND visited_on < $2";

fn month_range(m: Month) -> (String, String) {
    (m.first_day().to_string(), m.next().first_day().to_string())
}

impl Tx {
    /// Write a checked follow-up.
    #[instrument(skip_all, fields(customer_id = %n.customer_id))]
    pub async fn insert_follow_up(&mut self, n: &NewFollowUp) -> Result<FollowUp, Error> {
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO follow_ups (customer_id, salesperson_id, visited_on, method, met, usage,
                   remarks, remark_class, requests, late, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id")
            .bind(n.customer_id.0)
            .bind(n.salesperson_id.0)
            .bind(n.date.to_string())
            .bind(n.method.as_str())
            .bind(&n.met)
            .bind(&n.usage)
            .bind(&n.remarks)
            .bind(n.remark_class.map(RemarkClass::as_str))
            .bind(&n.requests)
            .bind(n.late)
            .bind(ms(n.created_at))
            .fetch_one(c)
            .await
            .map_err(db_err))?;
        Ok(FollowUp {
            id: FollowUpId(id),
            customer_id: n.customer_id,
            salesperson_id: n.salesperson_id,
            date: n.date,
            method: n.method,
            met: n.met.clone(),
            usage: n.usage.clone(),
            remarks: n.remarks.clone(),
            remark_class: n.remark_class,
            requests: n.requests.clone(),
            ticket_id: None,
            late: n.late,
            created_at: n.created_at,
        })
    }

    /// A follow-up as this transaction sees it.
    pub async fn follow_up(&mut self, id: FollowUpId) -> Result<Option<FollowUpView>, Error> {
        let sql = format!("{SELECT} WHERE f.id = $1");
        let row: Option<Row> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(c).await.map_err(internal))?;
        row.map(FollowUpView::try_from).transpose()
    }

    /// Link the ticket made from the follow-up's remark; refused if one is linked already.
    pub async fn link_follow_up_ticket(
        &mut self,
        id: FollowUpId,
        ticket: TicketId,
    ) -> Result<(), Error> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE follow_ups SET ticket_id = $1 WHERE id = $2 AND ticket_id IS NULL")
            .bind(ticket.0)
            .bind(id.0)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        if n == 1 {
            Ok(())
        } else {
            Err(Error::Conflict(
                "this remark has already been turned into a ticket".into(),
            ))
        }
    }

    /// The month's closing, as this transaction sees it.
    pub async fn follow_up_closing(&mut self, month: Month) -> Result<Option<Closing>, Error> {
        let row: Option<ClosingRow> = on_tx!(self, c => sqlx::query_as(
            "SELECT month, closed_by, closed_at, owed, done FROM follow_up_closings WHERE month = $1")
            .bind(month.to_string()).fetch_optional(c).await.map_err(internal))?;
        Ok(row.map(Closing::from))
    }

    /// Close a month; a second closing is refused (409).
    pub async fn insert_follow_up_closing(&mut self, k: &Closing) -> Result<(), Error> {
        let n = on_tx!(self, c => sqlx::query(
            "INSERT INTO follow_up_closings (month, closed_by, closed_at, owed, done)
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT (month) DO NOTHING")
            .bind(&k.month)
            .bind(k.closed_by.0)
            .bind(ms(k.closed_at))
            .bind(k.owed)
            .bind(k.done)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        if n == 1 {
            Ok(())
        } else {
            Err(Error::Conflict(format!(
                "the collation of {} is already closed",
                k.month
            )))
        }
    }

    /// Note that the salesperson was reminded of the month: true the first time only.
    pub async fn mark_follow_up_reminded(
        &mut self,
        month: Month,
        salesperson: UserId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, Error> {
        let n = on_tx!(self, c => sqlx::query(
            "INSERT INTO follow_up_reminders (month, salesperson_id, sent_at) VALUES ($1, $2, $3)
               ON CONFLICT (month, salesperson_id) DO NOTHING")
            .bind(month.to_string())
            .bind(salesperson.0)
            .bind(ms(now))
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        Ok(n == 1)
    }
}

impl Db {
    #[instrument(skip_all, fields(%id))]
    pub async fn follow_up(&self, id: FollowUpId) -> Result<Option<FollowUpView>, Error> {
        let sql = format!("{SELECT} WHERE f.id = $1");
        let row: Option<Row> = read!(self, p => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(p).await.map_err(internal))?;
        row.map(FollowUpView::try_from).transpose()
    }

    /// Follow-ups, the latest date first; `limit` rows at most.
    #[instrument(skip_all)]
    pub async fn follow_ups(
        &self,
        f: &FollowUpFilter,
        limit: i64,
    ) -> Result<Vec<FollowUpView>, Error> {
        let (from, to) = f
            .month
            .map(month_range)
            .unwrap_or_else(|| (String::new(), "9999".into()));
        let sql = format!(
            "{SELECT} WHERE f.visited_on >= $1 AND f.visited_on < $2
               AND ($3 = 0 OR c.salesperson_id = $3 OR f.salesperson_id = $3)
               AND ($4 = 0 OR f.customer_id = $4)
             ORDER BY f.visited_on DESC, f.id DESC LIMIT $5"
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(&sql)
            .bind(from)
            .bind(to)
            .bind(f.salesperson.map_or(0, |u| u.0))
            .bind(f.customer.map_or(0, |c| c.0))
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Every customer with who held it since when (oldest first).
    #[instrument(skip_all)]
    pub async fn customer_holdings(&self) -> Result<Vec<CustomerHolding>, Error> {
        let customers: Vec<(i64, String, i64)> = read!(self, p => sqlx::query_as(CUSTOMERS)
            .fetch_all(p).await.map_err(internal))?;
        let history: Vec<(i64, Option<i64>, i64)> = read!(self, p => sqlx::query_as(HISTORY)
            .fetch_all(p).await.map_err(internal))?;
        Ok(holdings_of(customers, history))
    }

    /// The customers and dates of the month's follow-ups.
    #[instrument(skip_all)]
    pub async fn follow_up_dates(
        &self,
        month: Month,
    ) -> Result<Vec<(CustomerId, NaiveDate)>, Error> {
        let (from, to) = month_range(month);
        let rows: Vec<(i64, String)> = read!(self, p => sqlx::query_as(DATES)
            .bind(from).bind(to).fetch_all(p).await.map_err(internal))?;
        rows.into_iter()
            .map(|(c, d)| Ok((CustomerId(c), date(&d)?)))
            .collect()
    }

    /// The month's closing, if it is closed.
    pub async fn follow_up_closing(&self, month: Month) -> Result<Option<Closing>, Error> {
        let row: Option<ClosingRow> = read!(self, p => sqlx::query_as(
            "SELECT month, closed_by, closed_at, owed, done FROM follow_up_closings WHERE month = $1")
            .bind(month.to_string()).fetch_optional(p).await.map_err(internal))?;
        Ok(row.map(Closing::from))
    }
}
