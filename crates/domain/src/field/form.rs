//! The service feedback form (R1.2, R4.5): what was done on site, why it failed, who is
//! responsible, the parts replaced, photos, the customer's signature, and the supervisor's
//! review.
//!
//! A form is filled by the crew of the job's current trip while they are on site. Once the
//! customer signs it, it is locked: nothing on it changes again. A mistake found later is
//! put right by a *correction*: a new form that refers to the signed one (`corrects`),
//! filled by the crew and signed again. When the customer can no longer sign (the crew has
//! left the site), the correction is submitted with `customer_absent`: it carries no
//! signature of its own, the corrected form's signature stays where it was, and the print
//! says so — a reviewer sees plainly that the customer did not sign the correction.
//!
//! Signing hands the job to the department (`submitted`); the reviewer (never the form's
//! author) accepts it (the job is `done`, unless a follow-up trip was asked meanwhile) or
//! returns it with a reason the technician sees (the job is `returned`).

use super::{Job, JobStatus, JobType};
use crate::error::{Error, FieldErrors, Problem};
use crate::ids::{FileId, FormId, JobId, TripId, UserId};
use crate::role::{Permission, Role};
use crate::terms::str_enum;
use crate::text::{optional, required};
use crate::time::to_store_precision;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[cfg(test)]
mod tests;

/// A phone's clock may run ahead of the server's by this much.
pub const CLOCK_SKEW: Duration = Duration::minutes(10);
/// Photos on one form.
pub const MAX_PHOTOS: usize = 12;
/// A photo, after the phone resized it.
pub const MAX_PHOTO_BYTES: usize = 1_500_000;
/// A drawn signature (PNG).
pub const MAX_SIGNATURE_BYTES: usize = 300_000;
/// Lines in the parts table.
pub const MAX_PARTS: usize = 30;
/// Text fields of the form.
pub const MAX_TEXT: usize = 4000;
pub const MAX_SERIAL: usize = 50;

str_enum!(
    /// Who is responsible for a fault (R7.1).
    Responsibility {
        ProductDesign = "product_design",
        Manufacturing = "manufacturing",
        PurchasedComponent = "purchased_component",
        Transport = "transport",
        Installation = "installation",
        CustomerOperation = "customer_operation",
        /// Outside the company and the customer: the grid, lightning, flooding.
        External = "external",
        Undetermined = "undetermined",
    }
);

str_enum!(
    /// Where a form stands.
    FormStatus {
        /// Being filled by the crew.
        Draft = "draft",
        /// Signed by the customer (or submitted as a correction): locked, waiting for review.
        Signed = "signed",
        Accepted = "accepted",
        /// Sent back by the reviewer with a reason; a correction follows.
        Returned = "returned",
    }
);

impl FormStatus {
    /// Nothing on the form changes any more.
    pub fn is_locked(self) -> bool {
        self != FormStatus::Draft
    }
}

/// One line of the parts table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartLine {
    pub name: String,
    pub quantity: i64,
    pub faulty_serial: Option<String>,
    pub replacement_serial: Option<String>,
}

/// A photo on a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhotoRef {
    pub file_id: FileId,
    pub caption: Option<String>,
}

/// The customer's drawn signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signature {
    pub signer_name: String,
    pub file_id: FileId,
    pub signed_at: DateTime<Utc>,
}

/// The supervisor's review (R1.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    pub accepted: bool,
    /// Why it was sent back (required then).
    pub reason: Option<String>,
    pub by: UserId,
    pub at: DateTime<Utc>,
}

/// A service feedback form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedbackForm {
    pub id: FormId,
    pub job_id: JobId,
    pub trip_id: TripId,
    /// The signed form this one corrects.
    pub corrects: Option<FormId>,
    pub status: FormStatus,
    pub service_content: String,
    pub fault_cause: String,
    pub cause_analysis: String,
    pub handling: String,
    pub responsibility: Option<Responsibility>,
    pub parts: Vec<PartLine>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub photos: Vec<PhotoRef>,
    pub signature: Option<Signature>,
    /// Submitted as a correction without the customer's new signature.
    pub customer_absent: bool,
    pub customer_opinion: Option<String>,
    pub stamp_file_id: Option<FileId>,
    pub review: Option<Review>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// The form's fields as typed on the phone (a draft save).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FormInput {
    pub service_content: Option<String>,
    pub fault_cause: Option<String>,
    pub cause_analysis: Option<String>,
    pub handling: Option<String>,
    pub responsibility: Option<String>,
    #[serde(default)]
    pub parts: Vec<PartInput>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// A parts line as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PartInput {
    pub name: Option<String>,
    pub quantity: Option<i64>,
    pub faulty_serial: Option<String>,
    pub replacement_serial: Option<String>,
}

/// The form's fields, checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FormFields {
    pub service_content: String,
    pub fault_cause: String,
    pub cause_analysis: String,
    pub handling: String,
    pub responsibility: Option<Responsibility>,
    pub parts: Vec<PartLine>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

fn text(errs: &mut FieldErrors, field: &str, s: Option<&str>) -> String {
    errs.take(field, optional(s, MAX_TEXT))
        .flatten()
        .unwrap_or_default()
}

impl FormFields {
    /// Every field checked and named: lengths, each parts line (`parts[0].quantity`: 1 to
    /// 999; serials at most 50 characters), the start not after the end and neither in the
    /// future beyond [`CLOCK_SKEW`]. Nothing is required while drafting: see
    /// [`FeedbackForm::sign`].
    pub fn parse(input: &FormInput, now: DateTime<Utc>) -> Result<FormFields, Error> {
        let mut errs = FieldErrors::new();
        let service_content = text(
            &mut errs,
            "service_content",
            input.service_content.as_deref(),
        );
        let fault_cause = text(&mut errs, "fault_cause", input.fault_cause.as_deref());
        let cause_analysis = text(&mut errs, "cause_analysis", input.cause_analysis.as_deref());
        let handling = text(&mut errs, "handling", input.handling.as_deref());
        let responsibility = match input.responsibility.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => {
                let r = Responsibility::parse(s);
                if r.is_none() {
                    errs.add(
                        "responsibility",
                        Problem::invalid("not a responsibility of R7.1"),
                    );
                }
                r
            }
        };
        if input.parts.len() > MAX_PARTS {
            errs.add(
                "parts",
                Problem::invalid(format!("at most {MAX_PARTS} lines")),
            );
        }
        let mut parts = Vec::new();
        for (i, p) in input.parts.iter().enumerate() {
            let blank = p.name.as_deref().is_none_or(|s| s.trim().is_empty())
                && p.faulty_serial
                    .as_deref()
                    .is_none_or(|s| s.trim().is_empty())
                && p.replacement_serial
                    .as_deref()
                    .is_none_or(|s| s.trim().is_empty());
            if blank {
                continue; // an empty line added and never filled
            }
            let name = errs.take(
                &format!("parts[{i}].name"),
                required(p.name.as_deref().unwrap_or(""), 200),
            );
            let quantity = p.quantity.unwrap_or(1);
            if !(1..=999).contains(&quantity) {
                errs.add(
                    format!("parts[{i}].quantity"),
                    Problem::invalid("a quantity is 1 to 999"),
                );
            }
            let faulty_serial = errs
                .take(
                    &format!("parts[{i}].faulty_serial"),
                    optional(p.faulty_serial.as_deref(), MAX_SERIAL),
                )
                .flatten();
            let replacement_serial = errs
                .take(
                    &format!("parts[{i}].replacement_serial"),
                    optional(p.replacement_serial.as_deref(), MAX_SERIAL),
                )
                .flatten();
            if let Some(name) = name {
                parts.push(PartLine {
                    name,
                    quantity,
                    faulty_serial,
                    replacement_serial,
                });
            }
        }
        let latest = now + CLOCK_SKEW;
        if input.started_at.is_some_and(|s| s > latest) {
            errs.add("started_at", Problem::invalid("not in the future"));
        }
        if input.ended_at.is_some_and(|e| e > latest) {
            errs.add("ended_at", Problem::invalid("not in the future"));
        }
        if let (Some(s), Some(e)) = (input.started_at, input.ended_at)
            && s > e
        {
            errs.add(
                "ended_at",
                Problem::invalid("the work ends after it starts"),
            );
        }
        errs.into_result()?;
        Ok(FormFields {
            service_content,
            fault_cause,
            cause_analysis,
            handling,
            responsibility,
            parts,
            started_at: input.started_at.map(to_store_precision),
            ended_at: input.ended_at.map(to_store_precision),
        })
    }
}

/// A form about to be written: a blank draft for the current trip, or a correction that
/// starts as a copy of the form it corrects.
#[derive(Debug, Clone, PartialEq)]
pub struct NewForm {
    pub job_id: JobId,
    pub trip_id: TripId,
    pub corrects: Option<FormId>,
    pub fields: FormFields,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

fn may_fill(job: &Job, user: UserId, role: Role) -> Result<(), Error> {
    if !job.may_work(user, role) {
        return Err(Error::Forbidden);
    }
    Ok(())
}

impl NewForm {
    /// Only the current trip's crew starts a form: a new one while the job is on site, a
    /// correction of a locked form of the same job while on site or after it was returned.
    pub fn start(
        job: &Job,
        corrects: Option<&FeedbackForm>,
        user: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<NewForm, Error> {
        may_fill(job, user, role)?;
        let trip = job
            .current_trip()
            .ok_or_else(|| Error::Internal("a job without a trip".into()))?;
        let fields = match corrects {
            None => {
                if job.status != JobStatus::OnSite {
                    return Err(Error::Conflict(format!(
                        "a form is filled on site; the job is {}",
                        job.status.as_str()
                    )));
                }
                FormFields {
                    started_at: trip.arrived_at,
                    ..FormFields::default()
                }
            }
            Some(old) => {
                if old.job_id != job.id {
                    return Err(Error::field(
                        "corrects",
                        Problem::invalid("a form of another job"),
                    ));
                }
                if !old.status.is_locked() {
                    return Err(Error::field(
                        "corrects",
                        Problem::invalid("a draft is edited, not corrected"),
                    ));
                }
                if !matches!(job.status, JobStatus::OnSite | JobStatus::Returned) {
                    return Err(Error::Conflict(format!(
                        "a correction is made on site or after the form was returned; the job is {}",
                        job.status.as_str()
                    )));
                }
                old.fields()
            }
        };
        Ok(NewForm {
            job_id: job.id,
            trip_id: trip.id,
            corrects: corrects.map(|f| f.id),
            fields,
            created_by: user,
            created_at: to_store_precision(now),
        })
    }

    /// The form as written, with its id.
    pub fn into_form(self, id: FormId) -> FeedbackForm {
        let f = self.fields;
        FeedbackForm {
            id,
            job_id: self.job_id,
            trip_id: self.trip_id,
            corrects: self.corrects,
            status: FormStatus::Draft,
            service_content: f.service_content,
            fault_cause: f.fault_cause,
            cause_analysis: f.cause_analysis,
            handling: f.handling,
            responsibility: f.responsibility,
            parts: f.parts,
            started_at: f.started_at,
            ended_at: f.ended_at,
            photos: Vec::new(),
            signature: None,
            customer_absent: false,
            customer_opinion: None,
            stamp_file_id: None,
            review: None,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.created_at,
            version: 1,
        }
    }
}

/// The customer's step, checked by [`FeedbackForm::sign`].
#[derive(Debug, Clone, Default)]
pub struct SignInput {
    pub signer_name: Option<String>,
    /// The stored signature image, when one was drawn.
    pub signature: Option<FileId>,
    pub customer_opinion: Option<String>,
    pub stamp: Option<FileId>,
    /// A correction submitted when the customer can no longer sign.
    pub customer_absent: bool,
}

fn locked(f: &FeedbackForm) -> Error {
    Error::Conflict(format!(
        "form {} is {}: a signed form is not changed; make a correction",
        f.id,
        f.status.as_str()
    ))
}

impl FeedbackForm {
    /// The fields as they stand, to start a correction from.
    pub fn fields(&self) -> FormFields {
        FormFields {
            service_content: self.service_content.clone(),
            fault_cause: self.fault_cause.clone(),
            cause_analysis: self.cause_analysis.clone(),
            handling: self.handling.clone(),
            responsibility: self.responsibility,
            parts: self.parts.clone(),
            started_at: self.started_at,
            ended_at: self.ended_at,
        }
    }

    /// Whether `fields` is what the form already holds (a save sent twice).
    pub fn holds(&self, fields: &FormFields) -> bool {
        self.fields() == *fields
    }

    fn stepped(mut self, now: DateTime<Utc>) -> FeedbackForm {
        self.version += 1;
        self.updated_at = to_store_precision(now);
        self
    }

    /// A draft is edited only by the current trip's crew; a locked form never (409).
    fn require_draft(&self, job: &Job, user: UserId, role: Role) -> Result<(), Error> {
        may_fill(job, user, role)?;
        if self.status.is_locked() {
            return Err(locked(self));
        }
        Ok(())
    }

    /// Save the draft's fields.
    pub fn edit(
        &self,
        fields: FormFields,
        job: &Job,
        user: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<FeedbackForm, Error> {
        self.require_draft(job, user, role)?;
        let mut f = self.clone();
        f.service_content = fields.service_content;
        f.fault_cause = fields.fault_cause;
        f.cause_analysis = fields.cause_analysis;
        f.handling = fields.handling;
        f.responsibility = fields.responsibility;
        f.parts = fields.parts;
        f.started_at = fields.started_at;
        f.ended_at = fields.ended_at;
        Ok(f.stepped(now))
    }

    /// Whether another photo may be added.
    pub fn may_add_photo(&self, job: &Job, user: UserId, role: Role) -> Result<(), Error> {
        self.require_draft(job, user, role)?;
        if self.photos.len() >= MAX_PHOTOS {
            return Err(Error::field(
                "photo",
                Problem::invalid(format!("at most {MAX_PHOTOS} photos on a form")),
            ));
        }
        Ok(())
    }

    /// Add a stored photo (checked by [`FeedbackForm::may_add_photo`] first).
    pub fn add_photo(
        &self,
        file_id: FileId,
        caption: Option<&str>,
        job: &Job,
        user: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<FeedbackForm, Error> {
        self.may_add_photo(job, user, role)?;
        let caption = optional(caption, 200).map_err(|p| Error::field("caption", p))?;
        let mut f = self.clone();
        f.photos.push(PhotoRef { file_id, caption });
        Ok(f.stepped(now))
    }

    /// Take a photo off a draft.
    pub fn remove_photo(
        &self,
        file_id: FileId,
        job: &Job,
        user: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<FeedbackForm, Error> {
        self.require_draft(job, user, role)?;
        if !self.photos.iter().any(|p| p.file_id == file_id) {
            return Err(Error::NotFound("photo"));
        }
        let mut f = self.clone();
        f.photos.retain(|p| p.file_id != file_id);
        Ok(f.stepped(now))
    }

    /// The customer signs: the signer's name and a drawn signature are needed, and the
    /// form must say what was done (and, for a repair or an inspection, who is
    /// responsible). The times default to the trip's arrival and now. The form is locked.
    ///
    /// A correction may instead be submitted with `customer_absent` and no signature.
    pub fn sign(
        &self,
        input: &SignInput,
        job: &Job,
        user: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<FeedbackForm, Error> {
        self.require_draft(job, user, role)?;
        let now = to_store_precision(now);
        let mut errs = FieldErrors::new();
        if self.service_content.trim().is_empty() {
            errs.add("service_content", Problem::required());
        }
        if matches!(job.job_type, JobType::Repair | JobType::Inspection)
            && self.responsibility.is_none()
        {
            errs.add("responsibility", Problem::required());
        }
        let opinion = errs
            .take(
                "customer_opinion",
                optional(input.customer_opinion.as_deref(), 2000),
            )
            .flatten();
        let absent = input.customer_absent;
        if absent && self.corrects.is_none() {
            errs.add(
                "customer_absent",
                Problem::invalid("only a correction is submitted without the customer"),
            );
        }
        let mut signature = None;
        if !absent {
            let name = errs.take(
                "signer_name",
                required(input.signer_name.as_deref().unwrap_or(""), 100),
            );
            match input.signature {
                None => errs.add("signature", Problem::required()),
                Some(file_id) => {
                    if let Some(signer_name) = name {
                        signature = Some(Signature {
                            signer_name,
                            file_id,
                            signed_at: now,
                        });
                    }
                }
            }
        }
        errs.into_result()?;
        let mut f = self.clone();
        let arrived = job
            .trips
            .iter()
            .find(|t| t.id == self.trip_id)
            .and_then(|t| t.arrived_at);
        f.started_at = f.started_at.or(arrived).or(Some(now));
        f.ended_at = f.ended_at.or(Some(now));
        f.signature = signature;
        f.customer_absent = absent;
        f.customer_opinion = opinion;
        f.stamp_file_id = input.stamp;
        f.status = FormStatus::Signed;
        Ok(f.stepped(now))
    }

    /// The supervisor's review: only someone who reviews forms, never the form's author;
    /// a form sent back says why.
    pub fn review(
        &self,
        accept: bool,
        reason: Option<&str>,
        user: UserId,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<FeedbackForm, Error> {
        if !role.may(Permission::ReviewFeedbackForms) {
            return Err(Error::Forbidden);
        }
        if self.created_by == user {
            return Err(Error::Forbidden);
        }
        if self.status != FormStatus::Signed {
            return Err(Error::Conflict(format!(
                "form {} is {}: only a signed form is reviewed",
                self.id,
                self.status.as_str()
            )));
        }
        let reason = if accept {
            optional(reason, 2000).map_err(|p| Error::field("reason", p))?
        } else {
            Some(required(reason.unwrap_or(""), 2000).map_err(|p| Error::field("reason", p))?)
        };
        let now = to_store_precision(now);
        let mut f = self.clone();
        f.review = Some(Review {
            accepted: accept,
            reason,
            by: user,
            at: now,
        });
        f.status = if accept {
            FormStatus::Accepted
        } else {
            FormStatus::Returned
        };
        Ok(f.stepped(now))
    }

    /// Files on the form: photos, signature, stamp.
    pub fn files(&self) -> Vec<FileId> {
        let mut v: Vec<FileId> = self.photos.iter().map(|p| p.file_id).collect();
        v.extend(self.signature.as_ref().map(|s| s.file_id));
        v.extend(self.stamp_file_id);
        v
    }

    /// The fields an audit record compares (R1.4).
    pub fn audit_view(&self) -> Value {
        json!({
            "job_id": self.job_id,
            "trip_id": self.trip_id,
            "corrects": self.corrects,
            "status": self.status,
            "service_content": self.service_content,
            "fault_cause": self.fault_cause,
            "cause_analysis": self.cause_analysis,
            "handling": self.handling,
            "responsibility": self.responsibility,
            "parts": self.parts,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "photos": self.photos,
            "signature": self.signature,
            "customer_absent": self.customer_absent,
            "customer_opinion": self.customer_opinion,
            "stamp_file_id": self.stamp_file_id,
            "review": self.review,
        })
    }
}

/// The job once its form is signed: handed to the department.
pub fn job_submitted(job: &Job, now: DateTime<Utc>) -> Result<Job, Error> {
    if !matches!(job.status, JobStatus::OnSite | JobStatus::Returned) {
        return Err(Error::Conflict(format!(
            "a form is signed on site or as a correction; the job is {}",
            job.status.as_str()
        )));
    }
    let mut j = job.clone();
    j.status = JobStatus::Submitted;
    j.version += 1;
    j.updated_at = to_store_precision(now);
    Ok(j)
}

/// The job once its form was reviewed: done when accepted, returned when sent back. A job
/// that has since been given a follow-up trip stays open for it.
pub fn job_reviewed(job: &Job, accepted: bool, now: DateTime<Utc>) -> Option<Job> {
    if job.status != JobStatus::Submitted {
        return None;
    }
    let mut j = job.clone();
    j.status = if accepted {
        JobStatus::Done
    } else {
        JobStatus::Returned
    };
    j.version += 1;
    j.updated_at = to_store_precision(now);
    Some(j)
}

str_enum!(
    /// The image formats accepted, told by their first bytes, never by the declared type.
    ImageKind {
        Jpeg = "image/jpeg",
        Png = "image/png",
        Webp = "image/webp",
    }
);

impl ImageKind {
    /// The format the bytes are in, if an accepted one.
    pub fn sniff(b: &[u8]) -> Option<ImageKind> {
        if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else if b.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(ImageKind::Png)
        } else if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
            Some(ImageKind::Webp)
        } else {
            None
        }
    }
}

fn be16(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from(*b.get(i)?) << 8 | u32::from(*b.get(i + 1)?))
}

fn le16(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from(*b.get(i)?) | u32::from(*b.get(i + 1)?) << 8)
}

fn le24(b: &[u8], i: usize) -> Option<u32> {
    Some(le16(b, i)? | u32::from(*b.get(i + 2)?) << 16)
}

/// Width and height read from the image's header, when it has a readable one.
pub fn dimensions(kind: ImageKind, b: &[u8]) -> Option<(u32, u32)> {
    match kind {
        ImageKind::Png => {
            if b.get(12..16)? != b"IHDR" {
                return None;
            }
            let w = u32::from_be_bytes(b.get(16..20)?.try_into().ok()?);
            let h = u32::from_be_bytes(b.get(20..24)?.try_into().ok()?);
            Some((w, h))
        }
        ImageKind::Jpeg => {
            let mut i = 2;
            while i + 9 < b.len() {
                if b[i] != 0xFF {
                    return None;
                }
                let marker = b[i + 1];
                if marker == 0xFF {
                    i += 1;
                    continue;
                }
                let len = be16(b, i + 2)? as usize;
                let sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
                if sof {
                    let h = be16(b, i + 5)?;
                    let w = be16(b, i + 7)?;
                    return Some((w, h));
                }
                i += 2 + len;
            }
            None
        }
        ImageKind::Webp => match b.get(12..16)? {
            b"VP8X" => Some((le24(b, 24)? + 1, le24(b, 27)? + 1)),
            b"VP8 " => Some((le16(b, 26)? & 0x3FFF, le16(b, 28)? & 0x3FFF)),
            b"VP8L" => {
                let v = u32::from_le_bytes(b.get(21..25)?.try_into().ok()?);
                Some(((v & 0x3FFF) + 1, ((v >> 14) & 0x3FFF) + 1))
            }
            _ => None,
        },
    }
}

/// What an uploaded file is for: each has its limit and its field name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilePurpose {
    Photo,
    Signature,
    Stamp,
}

impl FilePurpose {
    pub fn field(self) -> &'static str {
        match self {
            FilePurpose::Photo => "photo",
            FilePurpose::Signature => "signature",
            FilePurpose::Stamp => "stamp",
        }
    }
    pub fn limit(self) -> usize {
        match self {
            FilePurpose::Signature => MAX_SIGNATURE_BYTES,
            FilePurpose::Photo | FilePurpose::Stamp => MAX_PHOTO_BYTES,
        }
    }
}

/// A file about to be stored, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFile {
    pub kind: ImageKind,
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
}

/// Why an upload was refused; `TooLarge` answers 413, `NotAnImage` 422, both naming the
/// field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadProblem {
    Empty,
    TooLarge { limit: usize },
    NotAnImage,
    NotPng,
}

impl NewFile {
    /// Check an upload: an accepted image by its bytes (a signature must be a PNG), within
    /// its purpose's limit.
    pub fn check(
        purpose: FilePurpose,
        bytes: Vec<u8>,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<NewFile, UploadProblem> {
        if bytes.is_empty() {
            return Err(UploadProblem::Empty);
        }
        if bytes.len() > purpose.limit() {
            return Err(UploadProblem::TooLarge {
                limit: purpose.limit(),
            });
        }
        let kind = ImageKind::sniff(&bytes).ok_or(UploadProblem::NotAnImage)?;
        if purpose == FilePurpose::Signature && kind != ImageKind::Png {
            return Err(UploadProblem::NotPng);
        }
        let dims = dimensions(kind, &bytes);
        let sha256 = hex(&Sha256::digest(&bytes));
        Ok(NewFile {
            kind,
            sha256,
            width: dims.map(|d| d.0),
            height: dims.map(|d| d.1),
            bytes,
            created_by: by,
            created_at: to_store_precision(now),
        })
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl UploadProblem {
    /// The problem as a field error of `purpose`'s field.
    pub fn into_error(self, purpose: FilePurpose) -> Error {
        let problem = match self {
            UploadProblem::Empty => Problem::required(),
            UploadProblem::TooLarge { limit } => {
                Problem::new("too_large", format!("at most {} kB", limit / 1000))
            }
            UploadProblem::NotAnImage => Problem::invalid("not an image (JPEG, PNG or WebP)"),
            UploadProblem::NotPng => Problem::invalid("a signature is a PNG image"),
        };
        Error::field(purpose.field(), problem)
    }
}

/// A stored file as served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub id: FileId,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub created_by: UserId,
}
