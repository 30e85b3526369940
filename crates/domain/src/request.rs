//! Service requests (R4.1–R4.3): what a salesperson files from a customer's plant, and how
//! the service department answers it.
//!
//! A request names the customer, where the work is (a site, a unit, or the model when the
//! serial is not known), who to meet and their phone, the kind of work and the problem. It
//! is filed together with its ticket (channel `salesperson`), whose deadlines start when
//! the request is received. The department then sends someone (the ticket's on-site job,
//! R4.3) or answers remotely (by phone, a document, video, email or WeChat, R4.1) and
//! records how. States: `new` → `on_site` | `answered_remotely`; `withdrawn` when the
//! customer no longer needs it.

use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{CustomerId, JobId, RequestId, SiteId, TicketId, UnitId, UserId};
use crate::role::{Permission, Role, may_for_customer};
use crate::terms::{TicketKind, str_enum};
use crate::text::{Phone, optional, required};
use crate::time::to_store_precision;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub const PROBLEM_MAX: usize = 4000;
pub const CONTACT_NAME_MAX: usize = 100;
pub const MODEL_CODE_MAX: usize = 50;
pub const ANSWER_MAX: usize = 4000;

str_enum!(
    /// The work a request asks for (R1.1): each is a kind of ticket.
    RequestKind {
        /// A breakdown that stops the customer: the arrival promise runs (R3.4).
        Emergency = "emergency",
        Repair = "repair",
        /// Installation and commissioning.
        Installation = "installation",
        TechnicalGuidance = "technical_guidance",
        Training = "training",
    }
);

impl RequestKind {
    /// The ticket the request is filed as.
    pub fn ticket_kind(self) -> TicketKind {
        match self {
            RequestKind::Emergency => TicketKind::Emergency,
            RequestKind::Repair => TicketKind::Repair,
            RequestKind::Installation => TicketKind::Installation,
            RequestKind::TechnicalGuidance => TicketKind::TechnicalGuidance,
            RequestKind::Training => TicketKind::Training,
        }
    }
}

str_enum!(
    /// Where a request stands.
    RequestStatus {
        /// Filed; the department has not decided yet.
        New = "new",
        /// Someone is sent: the ticket's on-site job carries it.
        OnSite = "on_site",
        /// Answered without going to site (R4.1).
        AnsweredRemotely = "answered_remotely",
        Withdrawn = "withdrawn",
    }
);

str_enum!(
    /// How a request was answered without going to site (R4.1: phone or document).
    RemoteMethod {
        Phone = "phone",
        Document = "document",
        Video = "video",
        Email = "email",
        Wechat = "wechat",
    }
);

/// The answer given without going to site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoteAnswer {
    pub method: RemoteMethod,
    pub answer: String,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// A service request as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceRequest {
    pub id: RequestId,
    pub ticket_id: TicketId,
    pub customer_id: CustomerId,
    pub site_id: Option<SiteId>,
    pub unit_id: Option<UnitId>,
    /// The unit's model, or the model named when the serial is not known.
    pub model_code: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub kind: RequestKind,
    pub problem: String,
    pub status: RequestStatus,
    /// The on-site job, once someone is sent.
    pub job_id: Option<JobId>,
    pub remote: Option<RemoteAnswer>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A request as typed on the phone, not yet checked.
#[derive(Debug, Clone, Default)]
pub struct RequestInput {
    pub customer_id: Option<CustomerId>,
    pub site_id: Option<SiteId>,
    pub unit_id: Option<UnitId>,
    pub model_code: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub kind: Option<String>,
    pub problem: String,
}

/// What the archive holds about the places a request names, read before it is checked:
/// `None` where the named record does not exist.
#[derive(Debug, Clone, Default)]
pub struct NamedPlaces {
    /// The named site's customer.
    pub site_customer: Option<CustomerId>,
    /// The named unit: its customer, its site and its model.
    pub unit: Option<UnitPlace>,
}

/// A unit as a request needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitPlace {
    pub customer_id: CustomerId,
    pub site_id: SiteId,
    pub model_code: String,
}

/// A request checked and ready to be written with its ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub customer_id: CustomerId,
    pub site_id: Option<SiteId>,
    pub unit_id: Option<UnitId>,
    pub model_code: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub kind: RequestKind,
    pub problem: String,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

impl NewRequest {
    /// Check a request, naming every problem by its field: the customer, the kind, the
    /// contact and phone and the problem are required; a unit, or its model when the
    /// serial is not known; the unit and the site must be the customer's, and the unit
    /// at the site named.
    pub fn parse(
        input: &RequestInput,
        places: &NamedPlaces,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<NewRequest, Error> {
        let mut errs = FieldErrors::new();
        if input.customer_id.is_none() {
            errs.add("customer_id", Problem::required());
        }
        let kind = match input.kind.as_deref().map(str::trim) {
            None | Some("") => {
                errs.add("kind", Problem::required());
                None
            }
            Some(s) => {
                let k = RequestKind::parse(s);
                if k.is_none() {
                    errs.add("kind", Problem::invalid("not a kind of service"));
                }
                k
            }
        };
        let contact_name = errs.take(
            "contact_name",
            required(&input.contact_name, CONTACT_NAME_MAX),
        );
        let contact_phone = errs.take("contact_phone", Phone::parse(&input.contact_phone));
        let problem = errs.take("problem", required(&input.problem, PROBLEM_MAX));
        let typed_model = errs
            .take(
                "model_code",
                optional(input.model_code.as_deref(), MODEL_CODE_MAX),
            )
            .flatten();
        let customer = input.customer_id;
        let mut site_id = input.site_id;
        let mut model_code = typed_model.clone();
        if let Some(site) = input.site_id {
            match places.site_customer {
                None => errs.add("site_id", Problem::new("not_found", "no such site")),
                Some(c) if Some(c) != customer && customer.is_some() => errs.add(
                    "site_id",
                    Problem::invalid("this site belongs to another customer"),
                ),
                Some(_) => {}
            }
            site_id = Some(site);
        }
        match (input.unit_id, &places.unit) {
            (Some(_), None) => errs.add("unit_id", Problem::new("not_found", "no such unit")),
            (Some(_), Some(u)) => {
                if customer.is_some() && Some(u.customer_id) != customer {
                    errs.add(
                        "unit_id",
                        Problem::invalid("this unit belongs to another customer"),
                    );
                } else if input.site_id.is_some_and(|s| s != u.site_id) {
                    errs.add("unit_id", Problem::invalid("this unit is at another site"));
                }
                site_id = Some(u.site_id);
                if model_code.is_none() {
                    model_code = Some(u.model_code.clone());
                }
            }
            (None, _) => {
                if typed_model.is_none() && errs.get("model_code").is_none() {
                    errs.add(
                        "unit_id",
                        Problem::new(
                            "required",
                            "name the unit, or its model when the serial is not known",
                        ),
                    );
                }
            }
        }
        errs.into_result()?;
        let (Some(customer_id), Some(kind), Some(contact_name), Some(contact_phone), Some(problem)) =
            (customer, kind, contact_name, contact_phone, problem)
        else {
            return Err(Error::Internal("request fields checked but missing".into()));
        };
        Ok(NewRequest {
            customer_id,
            site_id,
            unit_id: input.unit_id,
            model_code,
            contact_name,
            contact_phone: contact_phone.display,
            kind,
            problem,
            created_by: by,
            created_at: to_store_precision(now),
        })
    }

    /// The request as it is once written beside its ticket.
    pub fn into_request(self, id: RequestId, ticket_id: TicketId) -> ServiceRequest {
        ServiceRequest {
            id,
            ticket_id,
            customer_id: self.customer_id,
            site_id: self.site_id,
            unit_id: self.unit_id,
            model_code: self.model_code,
            contact_name: self.contact_name,
            contact_phone: self.contact_phone,
            kind: self.kind,
            problem: self.problem,
            status: RequestStatus::New,
            job_id: None,
            remote: None,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.created_at,
            version: 1,
        }
    }
}

/// Who may look at service requests at all: whoever files them and the department.
pub fn may_view_requests(role: Role) -> bool {
    role.may(Permission::FileServiceRequests) || role.may(Permission::DispatchTechnicians)
}

/// Who may see this request (the permission on the record): the department every one; a
/// salesperson only their own customers' (R3.1), whoever filed it.
pub fn may_see(role: Role, user: UserId, customer_salesperson: Option<UserId>) -> bool {
    role.may(Permission::DispatchTechnicians)
        || may_for_customer(
            role,
            Permission::FileServiceRequests,
            user,
            customer_salesperson,
        )
}

fn not_new(r: &ServiceRequest) -> Error {
    Error::Conflict(format!(
        "request {} is {}, no longer new",
        r.id,
        r.status.as_str()
    ))
}

impl ServiceRequest {
    /// Someone is sent: the request is carried on by the job (R4.3).
    pub fn sent_on_site(
        &self,
        job: JobId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<ServiceRequest, Error> {
        if !role.may(Permission::DispatchTechnicians) {
            return Err(Error::Forbidden);
        }
        if self.status != RequestStatus::New {
            return Err(not_new(self));
        }
        let mut r = self.clone();
        r.status = RequestStatus::OnSite;
        r.job_id = Some(job);
        r.updated_at = to_store_precision(now);
        r.version += 1;
        Ok(r)
    }

    /// Answered without going to site (R4.1): how, and what was said. Each missing part is
    /// named.
    pub fn answered_remotely(
        &self,
        method: Option<&str>,
        answer: &str,
        by: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<ServiceRequest, Error> {
        if !role.may(Permission::DispatchTechnicians) {
            return Err(Error::Forbidden);
        }
        let mut errs = FieldErrors::new();
        let method = match method.map(str::trim) {
            None | Some("") => {
                errs.add("method", Problem::required());
                None
            }
            Some(s) => {
                let m = RemoteMethod::parse(s);
                if m.is_none() {
                    errs.add("method", Problem::invalid("not a way of answering"));
                }
                m
            }
        };
        let answer = errs.take("answer", required(answer, ANSWER_MAX));
        errs.into_result()?;
        if self.status != RequestStatus::New {
            return Err(not_new(self));
        }
        let (Some(method), Some(answer)) = (method, answer) else {
            return Err(Error::Internal("answer checked but missing".into()));
        };
        let now = to_store_precision(now);
        let mut r = self.clone();
        r.status = RequestStatus::AnsweredRemotely;
        r.remote = Some(RemoteAnswer {
            method,
            answer,
            by,
            at: now,
        });
        r.updated_at = now;
        r.version += 1;
        Ok(r)
    }

    /// What the audit trail records of it.
    pub fn audit_view(&self) -> Value {
        json!({
            "ticket_id": self.ticket_id.0,
            "customer_id": self.customer_id.0,
            "site_id": self.site_id.map(|s| s.0),
            "unit_id": self.unit_id.map(|u| u.0),
            "model_code": self.model_code,
            "contact_name": self.contact_name,
            "contact_phone": self.contact_phone,
            "kind": self.kind.as_str(),
            "problem": self.problem,
            "status": self.status.as_str(),
            "job_id": self.job_id.map(|j| j.0),
            "remote_method": self.remote.as_ref().map(|r| r.method.as_str()),
            "remote_answer": self.remote.as_ref().map(|r| r.answer.clone()),
        })
    }
}

/// Which requests a list shows.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    pub status: Option<RequestStatus>,
    /// Only the requests of customers assigned to this salesperson.
    pub salesperson: Option<UserId>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0).unwrap()
    }

    fn good() -> RequestInput {
        RequestInput {
            customer_id: Some(CustomerId(1)),
            site_id: Some(SiteId(10)),
            unit_id: Some(UnitId(100)),
            model_code: None,
            contact_name: "王工".into(),
            contact_phone: "138 0000 0000".into(),
            kind: Some("repair".into()),
            problem: "开关柜跳闸后无法合闸".into(),
        }
    }

    fn places() -> NamedPlaces {
        NamedPlaces {
            site_customer: Some(CustomerId(1)),
            unit: Some(UnitPlace {
                customer_id: CustomerId(1),
                site_id: SiteId(10),
                model_code: "KYN28-12".into(),
            }),
        }
    }

    fn fields(e: Error) -> Vec<String> {
        match e {
            Error::Validation(f) => {
                let mut v: Vec<String> = f.0.into_keys().collect();
                v.sort();
                v
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn r4_2_a_complete_request_is_accepted_with_the_units_model() {
        let r = NewRequest::parse(&good(), &places(), UserId(5), now()).unwrap();
        assert_eq!(r.kind, RequestKind::Repair);
        assert_eq!(r.site_id, Some(SiteId(10)));
        assert_eq!(r.model_code.as_deref(), Some("KYN28-12"));
        assert_eq!(r.contact_phone, "138 0000 0000");
    }

    #[test]
    fn r4_2_request_names_every_missing_field() {
        let e = NewRequest::parse(
            &RequestInput::default(),
            &NamedPlaces::default(),
            UserId(5),
            now(),
        )
        .unwrap_err();
        assert_eq!(
            fields(e),
            [
                "contact_name",
                "contact_phone",
                "customer_id",
                "kind",
                "problem",
                "unit_id"
            ]
        );
    }

    #[test]
    fn r4_2_the_model_stands_in_for_an_unknown_serial() {
        let input = RequestInput {
            unit_id: None,
            site_id: None,
            model_code: Some("ZW32-12".into()),
            ..good()
        };
        let r = NewRequest::parse(&input, &NamedPlaces::default(), UserId(5), now()).unwrap();
        assert_eq!(r.unit_id, None);
        assert_eq!(r.model_code.as_deref(), Some("ZW32-12"));
    }

    #[test]
    fn r4_2_unit_must_belong_to_the_customer() {
        let table = [
            // (unit's customer, unit's site, site's customer, fields named)
            (1, 10, Some(1), vec![]),
            (2, 10, Some(1), vec!["unit_id"]),
            (1, 11, Some(1), vec!["unit_id"]),
            (1, 10, Some(2), vec!["site_id"]),
            (1, 10, None, vec!["site_id"]),
        ];
        for (unit_customer, unit_site, site_customer, want) in table {
            let places = NamedPlaces {
                site_customer: site_customer.map(CustomerId),
                unit: Some(UnitPlace {
                    customer_id: CustomerId(unit_customer),
                    site_id: SiteId(unit_site),
                    model_code: "KYN28-12".into(),
                }),
            };
            let got = match NewRequest::parse(&good(), &places, UserId(5), now()) {
                Ok(_) => vec![],
                Err(e) => fields(e),
            };
            assert_eq!(
                got, want,
                "unit of {unit_customer} at {unit_site}, site of {site_customer:?}"
            );
        }
        let missing = NamedPlaces {
            unit: None,
            ..places()
        };
        let e = NewRequest::parse(&good(), &missing, UserId(5), now()).unwrap_err();
        assert_eq!(fields(e), ["unit_id"]);
    }

    #[test]
    fn r4_2_an_unknown_kind_is_named() {
        let input = RequestInput {
            kind: Some("painting".into()),
            ..good()
        };
        let e = NewRequest::parse(&input, &places(), UserId(5), now()).unwrap_err();
        assert_eq!(fields(e), ["kind"]);
    }

    fn filed() -> ServiceRequest {
        NewRequest::parse(&good(), &places(), UserId(5), now())
            .unwrap()
            .into_request(RequestId(1), TicketId(7))
    }

    #[test]
    fn r4_1_a_remote_answer_names_its_method_and_text() {
        let r = filed();
        let e = r
            .answered_remotely(None, " ", UserId(2), Role::ServiceClerk, now())
            .unwrap_err();
        assert_eq!(fields(e), ["answer", "method"]);
        let e = r
            .answered_remotely(Some("fax"), "ok", UserId(2), Role::ServiceClerk, now())
            .unwrap_err();
        assert_eq!(fields(e), ["method"]);
        let a = r
            .answered_remotely(
                Some("phone"),
                "复位后合闸正常",
                UserId(2),
                Role::ServiceClerk,
                now(),
            )
            .unwrap();
        assert_eq!(a.status, RequestStatus::AnsweredRemotely);
        assert_eq!(a.remote.as_ref().unwrap().method, RemoteMethod::Phone);
        assert_eq!(a.version, 2);
        // Answered once: neither answered again nor sent on site afterwards.
        assert!(matches!(
            a.answered_remotely(Some("phone"), "again", UserId(2), Role::ServiceClerk, now()),
            Err(Error::Conflict(_))
        ));
        assert!(matches!(
            a.sent_on_site(JobId(3), Role::ServiceClerk, now()),
            Err(Error::Conflict(_))
        ));
    }

    #[test]
    fn r4_3_only_the_department_sends_someone_or_answers() {
        let r = filed();
        for role in [Role::Salesperson, Role::Technician, Role::SeniorEngineer] {
            assert_eq!(
                r.sent_on_site(JobId(3), role, now()),
                Err(Error::Forbidden),
                "{role:?}"
            );
            assert_eq!(
                r.answered_remotely(Some("phone"), "x", UserId(2), role, now()),
                Err(Error::Forbidden),
                "{role:?}"
            );
        }
        let s = r.sent_on_site(JobId(3), Role::ServiceClerk, now()).unwrap();
        assert_eq!(
            (s.status, s.job_id),
            (RequestStatus::OnSite, Some(JobId(3)))
        );
    }

    #[test]
    fn r3_1_a_salesperson_sees_only_their_customers_requests() {
        let me = UserId(5);
        assert!(may_see(Role::Salesperson, me, Some(me)));
        assert!(!may_see(Role::Salesperson, me, Some(UserId(6))));
        assert!(!may_see(Role::Salesperson, me, None));
        assert!(may_see(Role::ServiceClerk, me, None));
        assert!(!may_see(Role::Technician, me, None));
        assert!(!may_view_requests(Role::Technician));
        assert!(may_view_requests(Role::Salesperson));
    }
}

/// A request as lists and pages show it: with the names of what it refers to, the
/// customer's salesperson (who may see it) and where its ticket and job stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestView {
    pub request: ServiceRequest,
    pub customer_name: String,
    pub salesperson_id: Option<UserId>,
    pub site_name: Option<String>,
    pub site_address: Option<String>,
    pub unit_serial: Option<String>,
    pub created_by_name: String,
    pub remote_by_name: Option<String>,
    pub ticket_status: crate::terms::TicketStatus,
    pub job_status: Option<crate::field::JobStatus>,
}
