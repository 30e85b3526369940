//! The salesperson's monthly follow-ups (R3.1) and the service department's month-end
//! collation.
//!
//! Every customer's salesperson owes at least one follow-up a month: a visit, a phone
//! call, a WeChat conversation or a meeting, with who was met, how the products are used
//! and run, quality remarks (classified: quality, delivery, service, commercial, other)
//! and the customer's requests. A quality remark can be turned into a ticket in one step.
//!
//! The due rule (decided here, tested below):
//! - A customer is owed a follow-up in a month when it was in the archive before the
//!   month began (company calendar, +08:00). A customer created mid-month is owed one
//!   from the next month: nobody can be late on a customer they had for a few days.
//! - The salesperson who owes it is the one assigned at the month's end (for the current
//!   month: now). A salesperson changed mid-month hands the month over: the new one owes
//!   it, and any follow-up of the customer recorded for that month (whoever recorded it)
//!   covers it. The assignment history is kept by the database whenever a customer's
//!   salesperson changes (`customer_salespeople`), so past months are judged by who held
//!   the customer then.
//! - A follow-up counts in the month of its date on the company calendar; a date left
//!   empty is the company's date at the moment it is recorded (so 16:30 UTC on the 30th
//!   of a 31-day month is still that month, 23:59 UTC on its last day is the next).
//! - Done: a follow-up of the month exists. Due: none yet and the month has not ended.
//!   Overdue: none and the month has ended.
//! - Once the month's collation is closed, a follow-up recorded afterwards for that month
//!   is marked late; it still counts for coverage.

use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{CustomerId, FollowUpId, TicketId, UserId};
use crate::terms::str_enum;
use crate::text::optional;
use crate::time::{Month, local_date, to_store_precision};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Each free text of a follow-up at most this long.
pub const TEXT_MAX: usize = 2000;
/// Who was met, at most this long.
pub const MET_MAX: usize = 200;

str_enum!(
    /// How the customer was followed up (R3.1).
    Method {
        Visit = "visit",
        Phone = "phone",
        Wechat = "wechat",
        Meeting = "meeting",
    }
);

str_enum!(
    /// What a remark is about, for the month-end collation (R3.11).
    RemarkClass {
        Quality = "quality",
        Delivery = "delivery",
        Service = "service",
        Commercial = "commercial",
        Other = "other",
    }
);

/// A follow-up as typed, not yet checked.
#[derive(Debug, Clone, Default)]
pub struct FollowUpInput {
    pub customer_id: Option<CustomerId>,
    /// `YYYY-MM-DD` on the company calendar; empty means today.
    pub date: Option<String>,
    pub method: Option<String>,
    pub met: Option<String>,
    pub usage: Option<String>,
    pub remarks: Option<String>,
    pub remark_class: Option<String>,
    pub requests: Option<String>,
}

/// A follow-up checked and ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFollowUp {
    pub customer_id: CustomerId,
    pub salesperson_id: UserId,
    pub date: NaiveDate,
    pub method: Method,
    pub met: Option<String>,
    pub usage: Option<String>,
    pub remarks: Option<String>,
    pub remark_class: Option<RemarkClass>,
    pub requests: Option<String>,
    pub late: bool,
    pub created_at: DateTime<Utc>,
}

/// A follow-up as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUp {
    pub id: FollowUpId,
    pub customer_id: CustomerId,
    /// Who recorded it.
    pub salesperson_id: UserId,
    pub date: NaiveDate,
    pub method: Method,
    pub met: Option<String>,
    pub usage: Option<String>,
    pub remarks: Option<String>,
    pub remark_class: Option<RemarkClass>,
    pub requests: Option<String>,
    /// The ticket the remark was turned into.
    pub ticket_id: Option<TicketId>,
    /// Recorded after the month's collation was closed.
    pub late: bool,
    pub created_at: DateTime<Utc>,
}

/// A follow-up with the names shown beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUpView {
    pub follow_up: FollowUp,
    pub customer_name: String,
    pub salesperson_name: String,
    /// The linked ticket is resolved, closed or cancelled.
    pub ticket_done: bool,
}

impl FollowUp {
    pub fn month(&self) -> Month {
        month_of_date(self.date)
    }

    /// What the audit log keeps of it.
    pub fn audit_view(&self) -> Value {
        json!({
            "customer_id": self.customer_id,
            "salesperson_id": self.salesperson_id,
            "date": self.date.to_string(),
            "method": self.method.as_str(),
            "met": self.met,
            "usage": self.usage,
            "remarks": self.remarks,
            "remark_class": self.remark_class.map(RemarkClass::as_str),
            "requests": self.requests,
            "ticket_id": self.ticket_id,
            "late": self.late,
        })
    }

    /// Whether the remark may be turned into a ticket: there is one, and no ticket yet.
    pub fn check_ticketable(&self) -> Result<&str, Error> {
        if self.ticket_id.is_some() {
            return Err(Error::Conflict(
                "this remark has already been turned into a ticket".into(),
            ));
        }
        match self.remarks.as_deref() {
            Some(r) if !r.trim().is_empty() => Ok(r),
            _ => Err(Error::field(
                "remarks",
                Problem::new("required", "there is no remark to turn into a ticket"),
            )),
        }
    }
}

/// The month a calendar date falls in.
pub fn month_of_date(d: NaiveDate) -> Month {
    Month {
        year: chrono::Datelike::year(&d),
        month: chrono::Datelike::month(&d),
    }
}

impl NewFollowUp {
    /// Check a follow-up, naming every problem by its field: the customer and the method
    /// are required; the date is today or earlier (empty: today, company calendar); a
    /// remark needs its class; a follow-up says something (who was met, use, remarks or
    /// requests). `closed` says whether the collation of the date's month is closed: then
    /// it is marked late.
    pub fn parse(
        input: &FollowUpInput,
        by: UserId,
        closed: impl Fn(Month) -> bool,
        now: DateTime<Utc>,
    ) -> Result<NewFollowUp, Error> {
        let mut errs = FieldErrors::new();
        if input.customer_id.is_none() {
            errs.add("customer_id", Problem::required());
        }
        let today = local_date(now);
        let date = match input.date.as_deref().map(str::trim) {
            None | Some("") => Some(today),
            Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) if d > today => {
                    errs.add(
                        "date",
                        Problem::invalid("a follow-up cannot be in the future"),
                    );
                    None
                }
                Ok(d) if d.year() < 2000 => {
                    errs.add("date", Problem::invalid("not a date"));
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    errs.add("date", Problem::invalid("a date is written YYYY-MM-DD"));
                    None
                }
            },
        };
        let method = match input.method.as_deref().map(str::trim) {
            None | Some("") => {
                errs.add("method", Problem::required());
                None
            }
            Some(s) => {
                let m = Method::parse(s);
                if m.is_none() {
                    errs.add(
                        "method",
                        Problem::invalid("visit, phone, wechat or meeting"),
                    );
                }
                m
            }
        };
        let met = errs
            .take("met", optional(input.met.as_deref(), MET_MAX))
            .flatten();
        let usage = errs
            .take("usage", optional(input.usage.as_deref(), TEXT_MAX))
            .flatten();
        let remarks = errs
            .take("remarks", optional(input.remarks.as_deref(), TEXT_MAX))
            .flatten();
        let requests = errs
            .take("requests", optional(input.requests.as_deref(), TEXT_MAX))
            .flatten();
        let remark_class = match input.remark_class.as_deref().map(str::trim) {
            None | Some("") => {
                if remarks.is_some() {
                    errs.add(
                        "remark_class",
                        Problem::new("required", "say what the remark is about"),
                    );
                }
                None
            }
            Some(s) => {
                let c = RemarkClass::parse(s);
                if c.is_none() {
                    errs.add(
                        "remark_class",
                        Problem::invalid("quality, delivery, service, commercial or other"),
                    );
                }
                // A class without a remark classifies nothing.
                c.filter(|_| remarks.is_some())
            }
        };
        if met.is_none()
            && usage.is_none()
            && remarks.is_none()
            && requests.is_none()
            && errs.is_empty()
        {
            errs.add(
                "usage",
                Problem::new(
                    "required",
                    "say who was met, how the products run, a remark or a request",
                ),
            );
        }
        errs.into_result()?;
        let (Some(customer_id), Some(date), Some(method)) = (input.customer_id, date, method)
        else {
            return Err(Error::Internal("follow-up checked but missing".into()));
        };
        Ok(NewFollowUp {
            customer_id,
            salesperson_id: by,
            date,
            method,
            met,
            usage,
            remarks,
            remark_class,
            requests,
            late: closed(month_of_date(date)),
            created_at: to_store_precision(now),
        })
    }
}

/// One customer as the due rule needs it: when it came into the archive and who held it
/// since (oldest first; `None` while nobody was assigned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerHolding {
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub created_at: DateTime<Utc>,
    pub salespeople: Vec<(DateTime<Utc>, Option<UserId>)>,
}

str_enum!(
    /// Where a customer's follow-up for a month stands.
    DueState {
        Done = "done",
        Due = "due",
        Overdue = "overdue",
    }
);

/// A customer owed a follow-up in a month, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owed {
    pub customer_id: CustomerId,
    pub customer_name: String,
    /// Who owes it (`None`: the customer has no salesperson: the department's to assign).
    pub salesperson_id: Option<UserId>,
    pub state: DueState,
    /// The follow-ups of the month for this customer.
    pub done: usize,
}

/// Whether the customer is owed a follow-up in `month` (see the module's doc).
pub fn owed_in(created_at: DateTime<Utc>, month: Month) -> bool {
    created_at < month.start()
}

/// Who held the customer at the month's end, or now for a month not yet over.
pub fn holder_in(
    salespeople: &[(DateTime<Utc>, Option<UserId>)],
    month: Month,
    now: DateTime<Utc>,
) -> Option<UserId> {
    let until = month.end().min(now);
    salespeople
        .iter()
        .rfind(|(from, _)| *from < until)
        .and_then(|(_, who)| *who)
}

/// Where a month stands for a customer with `done` follow-ups.
pub fn due_state(done: usize, month: Month, now: DateTime<Utc>) -> DueState {
    if done > 0 {
        DueState::Done
    } else if now >= month.end() {
        DueState::Overdue
    } else {
        DueState::Due
    }
}

/// The month's status of every customer owed a follow-up: `dates` are the customers'
/// follow-up dates (any month; only the month's count).
pub fn month_status(
    customers: &[CustomerHolding],
    dates: &[(CustomerId, NaiveDate)],
    month: Month,
    now: DateTime<Utc>,
) -> Vec<Owed> {
    customers
        .iter()
        .filter(|c| owed_in(c.created_at, month))
        .map(|c| {
            let done = dates
                .iter()
                .filter(|(id, d)| *id == c.customer_id && month_of_date(*d) == month)
                .count();
            Owed {
                customer_id: c.customer_id,
                customer_name: c.customer_name.clone(),
                salesperson_id: holder_in(&c.salespeople, month, now),
                state: due_state(done, month, now),
                done,
            }
        })
        .collect()
}

/// One salesperson's coverage in a month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub salesperson_id: Option<UserId>,
    pub owed: usize,
    pub done: usize,
    pub due: usize,
    pub overdue: usize,
}

impl Coverage {
    /// Done of owed, in whole percent (100 when nothing is owed).
    pub fn percent(&self) -> u32 {
        (self.done * 100)
            .checked_div(self.owed)
            .map_or(100, |p| u32::try_from(p).unwrap_or(100))
    }
}

/// Coverage per salesperson (the unassigned last), from a month's status.
pub fn coverage(owed: &[Owed]) -> Vec<Coverage> {
    let mut out: Vec<Coverage> = Vec::new();
    for o in owed {
        let i = match out
            .iter()
            .position(|c| c.salesperson_id == o.salesperson_id)
        {
            Some(i) => i,
            None => {
                out.push(Coverage {
                    salesperson_id: o.salesperson_id,
                    ..Coverage::default()
                });
                out.len() - 1
            }
        };
        let c = &mut out[i];
        c.owed += 1;
        match o.state {
            DueState::Done => c.done += 1,
            DueState::Due => c.due += 1,
            DueState::Overdue => c.overdue += 1,
        }
    }
    out.sort_by_key(|c| (c.salesperson_id.is_none(), c.salesperson_id));
    out
}

/// A month's collation as closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Closing {
    pub month: String,
    pub closed_by: UserId,
    pub closed_at: DateTime<Utc>,
    pub owed: i64,
    pub done: i64,
}

/// A month may be closed once it has ended, and only once.
pub fn check_close(month: Month, already: bool, now: DateTime<Utc>) -> Result<(), Error> {
    if already {
        return Err(Error::Conflict(format!(
            "the collation of {month} is already closed"
        )));
    }
    if now < month.end() {
        return Err(Error::field(
            "month",
            Problem::invalid("a month can be closed once it has ended"),
        ));
    }
    Ok(())
}

/// From the 25th of the month (company calendar) the salespeople are reminded of what is
/// still due.
pub const REMIND_FROM_DAY: u32 = 25;

/// Whether reminders go out at `now` for its month.
pub fn reminding(now: DateTime<Utc>) -> bool {
    local_date(now).day() >= REMIND_FROM_DAY
}

/// Which follow-ups a list shows.
#[derive(Debug, Clone, Default)]
pub struct FollowUpFilter {
    pub month: Option<Month>,
    /// Those of this salesperson's customers (as they are assigned now), or recorded by them.
    pub salesperson: Option<UserId>,
    pub customer: Option<CustomerId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }
    fn m(s: &str) -> Month {
        Month::parse(s).unwrap_or(Month {
            year: 2000,
            month: 1,
        })
    }
    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn input() -> FollowUpInput {
        FollowUpInput {
            customer_id: Some(CustomerId(1)),
            date: None,
            method: Some("visit".into()),
            met: Some("Chief engineer Wang".into()),
            usage: Some("Both transformers run at 60% load".into()),
            remarks: None,
            remark_class: None,
            requests: None,
        }
    }

    #[test]
    fn r3_1_a_customer_created_mid_month_is_owed_from_the_next_month() {
        // (created at, month, owed)
        let table = [
            ("2026-02-28T15:59:59Z", "2026-03", true), // 23:59 local on Feb 28
            ("2026-02-28T16:00:00Z", "2026-03", false), // 00:00 local on Mar 1
            ("2026-03-15T02:00:00Z", "2026-03", false),
            ("2026-03-15T02:00:00Z", "2026-04", true),
        ];
        for (created, month, want) in table {
            assert_eq!(owed_in(t(created), m(month)), want, "{created} {month}");
        }
    }

    #[test]
    fn r3_1_a_salesperson_changed_mid_month_hands_the_month_to_the_new_one() {
        let (a, b) = (UserId(7), UserId(8));
        let history = vec![
            (t("2025-01-01T00:00:00Z"), Some(a)),
            (t("2026-03-10T04:00:00Z"), Some(b)),
        ];
        // (month, now, who owes it)
        let table = [
            ("2026-02", "2026-03-20T00:00:00Z", Some(a)),
            ("2026-03", "2026-03-05T00:00:00Z", Some(a)), // not changed yet
            ("2026-03", "2026-03-20T00:00:00Z", Some(b)),
            ("2026-03", "2026-05-01T00:00:00Z", Some(b)),
        ];
        for (month, now, want) in table {
            assert_eq!(holder_in(&history, m(month), t(now)), want, "{month} {now}");
        }
        // A follow-up recorded by the old salesperson before the change still covers
        // the customer for the month.
        let c = CustomerHolding {
            customer_id: CustomerId(1),
            customer_name: "Plant".into(),
            created_at: t("2025-01-01T00:00:00Z"),
            salespeople: history,
        };
        let s = month_status(
            &[c],
            &[(CustomerId(1), d("2026-03-03"))],
            m("2026-03"),
            t("2026-04-02T00:00:00Z"),
        );
        assert_eq!(s[0].salesperson_id, Some(b));
        assert_eq!(s[0].state, DueState::Done);
    }

    #[test]
    fn r3_1_done_due_and_overdue() {
        let month = m("2026-03");
        // (follow-ups, now, state)
        let table = [
            (1, "2026-03-20T00:00:00Z", DueState::Done),
            (0, "2026-03-20T00:00:00Z", DueState::Due),
            (0, "2026-03-31T15:59:59Z", DueState::Due),
            (0, "2026-03-31T16:00:00Z", DueState::Overdue),
            (2, "2026-05-01T00:00:00Z", DueState::Done),
        ];
        for (done, now, want) in table {
            assert_eq!(due_state(done, month, t(now)), want, "{done} {now}");
        }
    }

    #[test]
    fn r3_1_a_visit_on_the_months_last_day_after_16_utc_counts_in_that_month() {
        // Recorded with the date left empty: the company's date at that instant.
        // (recorded at, month it counts in)
        let table = [
            ("2026-03-30T16:30:00Z", "2026-03"), // 00:30 on the 31st, +08:00
            ("2026-03-31T15:59:00Z", "2026-03"), // 23:59 on the 31st
            ("2026-03-31T16:00:00Z", "2026-04"), // midnight: April
        ];
        for (at, want) in table {
            let n = NewFollowUp::parse(&input(), UserId(7), |_| false, t(at));
            assert_eq!(n.map(|n| month_of_date(n.date)).ok(), Some(m(want)), "{at}");
        }
        let c = CustomerHolding {
            customer_id: CustomerId(1),
            customer_name: "Plant".into(),
            created_at: t("2025-01-01T00:00:00Z"),
            salespeople: vec![(t("2025-01-01T00:00:00Z"), Some(UserId(7)))],
        };
        let s = month_status(
            &[c],
            &[(CustomerId(1), d("2026-03-31"))],
            m("2026-03"),
            t("2026-04-01T01:00:00Z"),
        );
        assert_eq!(s[0].state, DueState::Done);
    }

    #[test]
    fn r3_1_a_follow_up_recorded_after_the_month_is_closed_is_late() {
        let now = t("2026-04-03T02:00:00Z");
        let mut i = input();
        i.date = Some("2026-03-30".into());
        let closed = |mo: Month| mo == m("2026-03");
        assert!(NewFollowUp::parse(&i, UserId(7), closed, now).is_ok_and(|n| n.late));
        i.date = Some("2026-04-02".into());
        assert!(NewFollowUp::parse(&i, UserId(7), closed, now).is_ok_and(|n| !n.late));
    }

    #[test]
    fn r3_1_bad_follow_ups_name_their_fields() {
        let now = t("2026-04-03T02:00:00Z");
        let fields = |i: FollowUpInput| match NewFollowUp::parse(&i, UserId(7), |_| false, now) {
            Err(Error::Validation(f)) => f.0.keys().cloned().collect::<Vec<_>>(),
            _ => vec![],
        };
        // (change, fields named)
        type Change = fn(&mut FollowUpInput);
        let table: [(Change, &[&str]); 7] = [
            (|i| i.customer_id = None, &["customer_id"]),
            (|i| i.method = None, &["method"]),
            (|i| i.method = Some("fax".into()), &["method"]),
            (|i| i.date = Some("2026-04-04".into()), &["date"]),
            (|i| i.date = Some("3 April".into()), &["date"]),
            (
                |i| i.remarks = Some("Oil leak on unit 2".into()),
                &["remark_class"],
            ),
            (
                |i| {
                    i.met = None;
                    i.usage = None;
                },
                &["usage"],
            ),
        ];
        for (change, want) in table {
            let mut i = input();
            change(&mut i);
            assert_eq!(fields(i), want.to_vec());
        }
    }

    #[test]
    fn r3_1_coverage_per_salesperson_and_closing_once_after_month_end() {
        let o = |sp: Option<i64>, state| Owed {
            customer_id: CustomerId(1),
            customer_name: String::new(),
            salesperson_id: sp.map(UserId),
            state,
            done: 0,
        };
        let c = coverage(&[
            o(Some(8), DueState::Done),
            o(None, DueState::Overdue),
            o(Some(7), DueState::Overdue),
            o(Some(8), DueState::Overdue),
        ]);
        assert_eq!(
            c.iter()
                .map(|c| (c.salesperson_id, c.owed, c.done, c.percent()))
                .collect::<Vec<_>>(),
            vec![
                (Some(UserId(7)), 1, 0, 0),
                (Some(UserId(8)), 2, 1, 50),
                (None, 1, 0, 0)
            ]
        );
        let march = m("2026-03");
        assert!(check_close(march, false, t("2026-03-31T15:00:00Z")).is_err());
        assert!(check_close(march, false, t("2026-03-31T16:00:00Z")).is_ok());
        assert!(matches!(
            check_close(march, true, t("2026-04-02T00:00:00Z")),
            Err(Error::Conflict(_))
        ));
    }

    #[test]
    fn r3_1_reminders_from_the_25th() {
        assert!(!reminding(t("2026-03-24T15:59:00Z")));
        assert!(reminding(t("2026-03-24T16:00:00Z")));
    }
}
