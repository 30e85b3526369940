use super::*;
use crate::field::{CrewMember, JobInput, JobTicket, NewJob, Trip};
use crate::ids::{CustomerId, SiteId, TicketId};
use crate::terms::TicketKind;
use chrono::TimeZone;

const TECH: UserId = UserId(10);
const OTHER_TECH: UserId = UserId(11);
const MANAGER: UserId = UserId(3);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 6, 0, 0).unwrap()
}

fn crew(user: UserId) -> CrewMember {
    CrewMember {
        user_id: user,
        name: "李师傅".into(),
        lead: true,
    }
}

fn on_site(kind: TicketKind) -> Job {
    let input = JobInput {
        contact_name: Some("王工".into()),
        contact_phone: Some("138 0000 0000".into()),
        ..JobInput::default()
    };
    let ticket = JobTicket {
        id: TicketId(1),
        kind,
        finished: false,
        customer_id: CustomerId(2),
        site_id: Some(SiteId(3)),
        unit_id: None,
        summary: "trips on load",
    };
    let mut job = NewJob::parse(&input, ticket, UserId(5), t0())
        .unwrap()
        .into_job(JobId(1), TripId(7));
    let trip: &mut Trip = &mut job.trips[0];
    trip.crew = vec![crew(TECH)];
    trip.arrived_at = Some(t0());
    job.status = JobStatus::OnSite;
    job
}

fn draft(job: &Job) -> FeedbackForm {
    NewForm::start(job, None, TECH, Role::Technician, t0())
        .unwrap()
        .into_form(FormId(1))
}

fn filled(job: &Job) -> FeedbackForm {
    let input = FormInput {
        service_content: Some("更换断路器".into()),
        responsibility: Some("manufacturing".into()),
        ..FormInput::default()
    };
    let fields = FormFields::parse(&input, t0()).unwrap();
    draft(job)
        .edit(fields, job, TECH, Role::Technician, t0())
        .unwrap()
}

fn signing() -> SignInput {
    SignInput {
        signer_name: Some("王工".into()),
        signature: Some(FileId(9)),
        ..SignInput::default()
    }
}

fn signed(job: &Job) -> FeedbackForm {
    filled(job)
        .sign(&signing(), job, TECH, Role::Technician, t0())
        .unwrap()
}

#[test]
fn r4_5_only_the_current_crew_fills_a_form() {
    let job = on_site(TicketKind::Repair);
    let table = [
        (TECH, Role::Technician, true),
        (OTHER_TECH, Role::Technician, false),
        (TECH, Role::ServiceClerk, false),
        (MANAGER, Role::ServiceManager, false),
    ];
    for (user, role, ok) in table {
        let r = NewForm::start(&job, None, user, role, t0());
        assert_eq!(r.is_ok(), ok, "{user} {role:?}");
        if !ok {
            assert_eq!(r.unwrap_err(), Error::Forbidden);
        }
    }
    let f = draft(&job);
    assert_eq!(f.started_at, Some(t0()), "starts at the arrival");
    let e = f.edit(
        FormFields::default(),
        &job,
        OTHER_TECH,
        Role::Technician,
        t0(),
    );
    assert_eq!(e.unwrap_err(), Error::Forbidden);
}

#[test]
fn r4_5_a_form_is_started_on_site_only() {
    let mut job = on_site(TicketKind::Repair);
    for status in [
        JobStatus::Dispatched,
        JobStatus::Underway,
        JobStatus::Submitted,
        JobStatus::Done,
    ] {
        job.status = status;
        assert!(
            matches!(
                NewForm::start(&job, None, TECH, Role::Technician, t0()),
                Err(Error::Conflict(_))
            ),
            "{status:?}"
        );
    }
}

#[test]
fn r4_5_every_field_is_checked_and_named() {
    let input = FormInput {
        service_content: Some("x".repeat(MAX_TEXT + 1)),
        responsibility: Some("the weather".into()),
        parts: vec![
            PartInput {
                name: Some("断路器".into()),
                quantity: Some(0),
                faulty_serial: Some("S".repeat(51)),
                replacement_serial: None,
            },
            PartInput {
                name: None,
                quantity: Some(1000),
                faulty_serial: Some("A1".into()),
                replacement_serial: None,
            },
        ],
        started_at: Some(t0() + Duration::hours(2)),
        ended_at: Some(t0() + Duration::hours(1)),
        ..FormInput::default()
    };
    let Err(Error::Validation(f)) = FormFields::parse(&input, t0()) else {
        panic!("expected field errors");
    };
    for field in [
        "service_content",
        "responsibility",
        "parts[0].quantity",
        "parts[0].faulty_serial",
        "parts[1].name",
        "parts[1].quantity",
        "started_at",
        "ended_at",
    ] {
        assert!(f.get(field).is_some(), "{field} named in {f:?}");
    }
}

#[test]
fn r4_5_times_within_clock_skew_and_in_order() {
    let ok = FormInput {
        started_at: Some(t0() - Duration::hours(1)),
        ended_at: Some(t0() + CLOCK_SKEW),
        ..FormInput::default()
    };
    assert!(FormFields::parse(&ok, t0()).is_ok());
    let late = FormInput {
        ended_at: Some(t0() + CLOCK_SKEW + Duration::minutes(1)),
        ..FormInput::default()
    };
    assert!(FormFields::parse(&late, t0()).is_err());
    let blank_line = FormInput {
        parts: vec![PartInput::default()],
        ..FormInput::default()
    };
    assert!(
        FormFields::parse(&blank_line, t0())
            .unwrap()
            .parts
            .is_empty()
    );
}

#[test]
fn r4_5_signing_needs_content_responsibility_and_a_signature() {
    let job = on_site(TicketKind::Repair);
    let Err(Error::Validation(f)) =
        draft(&job).sign(&SignInput::default(), &job, TECH, Role::Technician, t0())
    else {
        panic!("expected field errors");
    };
    for field in [
        "service_content",
        "responsibility",
        "signer_name",
        "signature",
    ] {
        assert!(f.get(field).is_some(), "{field}");
    }
    // Training needs no responsibility.
    let training = on_site(TicketKind::Training);
    let input = FormInput {
        service_content: Some("培训操作人员".into()),
        ..FormInput::default()
    };
    let form = draft(&training)
        .edit(
            FormFields::parse(&input, t0()).unwrap(),
            &training,
            TECH,
            Role::Technician,
            t0(),
        )
        .unwrap();
    assert!(
        form.sign(&signing(), &training, TECH, Role::Technician, t0())
            .is_ok()
    );
}

#[test]
fn r4_5_signed_form_is_locked() {
    let job = on_site(TicketKind::Repair);
    let s = signed(&job);
    assert_eq!(s.status, FormStatus::Signed);
    assert_eq!(s.ended_at, Some(t0()), "ends when signed");
    assert_eq!(s.signature.as_ref().unwrap().signer_name, "王工");
    let tries = [
        s.edit(FormFields::default(), &job, TECH, Role::Technician, t0())
            .err(),
        s.add_photo(FileId(4), None, &job, TECH, Role::Technician, t0())
            .err(),
        s.remove_photo(FileId(4), &job, TECH, Role::Technician, t0())
            .err(),
        s.sign(&signing(), &job, TECH, Role::Technician, t0()).err(),
    ];
    for e in tries {
        assert!(matches!(e, Some(Error::Conflict(_))), "{e:?}");
    }
}

#[test]
fn r4_5_signing_submits_the_job() {
    let job = on_site(TicketKind::Repair);
    let j = job_submitted(&job, t0()).unwrap();
    assert_eq!(j.status, JobStatus::Submitted);
    assert_eq!(j.version, job.version + 1);
    let mut away = job.clone();
    away.status = JobStatus::Dispatched;
    assert!(job_submitted(&away, t0()).is_err());
}

#[test]
fn r4_5_correction_is_a_new_form_referring_to_the_signed_one() {
    let mut job = on_site(TicketKind::Repair);
    let s = signed(&job);
    job.status = JobStatus::Returned;
    let c = NewForm::start(&job, Some(&s), TECH, Role::Technician, t0())
        .unwrap()
        .into_form(FormId(2));
    assert_eq!(c.corrects, Some(s.id));
    assert_eq!(c.status, FormStatus::Draft);
    assert_eq!(c.service_content, s.service_content, "starts as a copy");
    // Not by someone off the crew, not of a draft.
    assert_eq!(
        NewForm::start(&job, Some(&s), OTHER_TECH, Role::Technician, t0()).unwrap_err(),
        Error::Forbidden
    );
    let d = draft(&on_site(TicketKind::Repair));
    assert!(matches!(
        NewForm::start(&job, Some(&d), TECH, Role::Technician, t0()),
        Err(Error::Validation(_))
    ));
    // Signed again by the customer…
    assert!(
        c.sign(&signing(), &job, TECH, Role::Technician, t0())
            .is_ok()
    );
    // …or, the customer gone, submitted without a signature.
    let absent = SignInput {
        customer_absent: true,
        ..SignInput::default()
    };
    let sub = c.sign(&absent, &job, TECH, Role::Technician, t0()).unwrap();
    assert_eq!(sub.status, FormStatus::Signed);
    assert!(sub.signature.is_none() && sub.customer_absent);
}

#[test]
fn r4_5_only_a_correction_goes_without_the_customer() {
    let job = on_site(TicketKind::Repair);
    let absent = SignInput {
        customer_absent: true,
        ..SignInput::default()
    };
    let Err(Error::Validation(f)) = filled(&job).sign(&absent, &job, TECH, Role::Technician, t0())
    else {
        panic!("refused");
    };
    assert!(f.get("customer_absent").is_some());
}

#[test]
fn r1_2_review_by_a_reviewer_never_the_author() {
    let job = on_site(TicketKind::Repair);
    let s = signed(&job);
    assert_eq!(
        s.review(true, None, TECH, Role::Technician, t0())
            .unwrap_err(),
        Error::Forbidden
    );
    assert_eq!(
        s.review(true, None, OTHER_TECH, Role::ServiceClerk, t0())
            .unwrap_err(),
        Error::Forbidden
    );
    // A manager who wrote the form does not review it.
    let mut own = s.clone();
    own.created_by = MANAGER;
    assert_eq!(
        own.review(true, None, MANAGER, Role::ServiceManager, t0())
            .unwrap_err(),
        Error::Forbidden
    );
    let a = s
        .review(true, None, MANAGER, Role::ServiceManager, t0())
        .unwrap();
    assert_eq!(a.status, FormStatus::Accepted);
    assert!(matches!(
        a.review(true, None, MANAGER, Role::ServiceManager, t0()),
        Err(Error::Conflict(_))
    ));
    let d = draft(&job);
    assert!(matches!(
        d.review(true, None, MANAGER, Role::ServiceManager, t0()),
        Err(Error::Conflict(_))
    ));
}

#[test]
fn r1_2_return_needs_a_reason() {
    let job = on_site(TicketKind::Repair);
    let s = signed(&job);
    for reason in [None, Some("  ")] {
        let Err(Error::Validation(f)) =
            s.review(false, reason, MANAGER, Role::ServiceManager, t0())
        else {
            panic!("refused");
        };
        assert!(f.get("reason").is_some());
    }
    let r = s
        .review(false, Some("缺少照片"), MANAGER, Role::ServiceManager, t0())
        .unwrap();
    assert_eq!(r.status, FormStatus::Returned);
    assert_eq!(r.review.unwrap().reason.as_deref(), Some("缺少照片"));
}

#[test]
fn r1_2_review_moves_the_job() {
    let job = job_submitted(&on_site(TicketKind::Repair), t0()).unwrap();
    assert_eq!(
        job_reviewed(&job, true, t0()).unwrap().status,
        JobStatus::Done
    );
    assert_eq!(
        job_reviewed(&job, false, t0()).unwrap().status,
        JobStatus::Returned
    );
    // A follow-up trip was asked meanwhile: the job stays open for it.
    let mut open = job.clone();
    open.status = JobStatus::Open;
    assert!(job_reviewed(&open, true, t0()).is_none());
}

#[test]
fn r4_5_at_most_twelve_photos() {
    let job = on_site(TicketKind::Repair);
    let mut f = draft(&job);
    for i in 0..MAX_PHOTOS {
        f = f
            .add_photo(FileId(i as i64), None, &job, TECH, Role::Technician, t0())
            .unwrap();
    }
    let Err(Error::Validation(e)) =
        f.add_photo(FileId(99), None, &job, TECH, Role::Technician, t0())
    else {
        panic!("refused");
    };
    assert!(e.get("photo").is_some());
    let f = f
        .remove_photo(FileId(0), &job, TECH, Role::Technician, t0())
        .unwrap();
    assert_eq!(f.photos.len(), MAX_PHOTOS - 1);
}

const PNG_1X1: [u8; 33] = [
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0,
    3, 0, 0, 0, 2, 8, 6, 0, 0, 0, 0, 0, 0, 0,
];

#[test]
fn r4_5_uploads_are_told_by_their_bytes_with_limits() {
    let png = PNG_1X1.to_vec();
    let f = NewFile::check(FilePurpose::Photo, png.clone(), TECH, t0()).unwrap();
    assert_eq!(f.kind, ImageKind::Png);
    assert_eq!((f.width, f.height), (Some(3), Some(2)));
    assert_eq!(f.sha256.len(), 64);
    let table: [(FilePurpose, Vec<u8>, UploadProblem); 5] = [
        (
            FilePurpose::Photo,
            b"<html>".to_vec(),
            UploadProblem::NotAnImage,
        ),
        (FilePurpose::Photo, Vec::new(), UploadProblem::Empty),
        (
            FilePurpose::Photo,
            [png.clone(), vec![0; MAX_PHOTO_BYTES]].concat(),
            UploadProblem::TooLarge {
                limit: MAX_PHOTO_BYTES,
            },
        ),
        (
            FilePurpose::Signature,
            [png.clone(), vec![0; MAX_SIGNATURE_BYTES]].concat(),
            UploadProblem::TooLarge {
                limit: MAX_SIGNATURE_BYTES,
            },
        ),
        (
            FilePurpose::Signature,
            vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0],
            UploadProblem::NotPng,
        ),
    ];
    for (purpose, bytes, want) in table {
        assert_eq!(
            NewFile::check(purpose, bytes, TECH, t0()).unwrap_err(),
            want,
            "{purpose:?}"
        );
    }
    let Error::Validation(e) = UploadProblem::NotAnImage.into_error(FilePurpose::Stamp) else {
        panic!()
    };
    assert!(e.get("stamp").is_some());
}

#[test]
fn r4_5_image_kinds_by_magic_bytes() {
    assert_eq!(
        ImageKind::sniff(&[0xFF, 0xD8, 0xFF, 0xDB]),
        Some(ImageKind::Jpeg)
    );
    assert_eq!(
        ImageKind::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
        Some(ImageKind::Webp)
    );
    assert_eq!(ImageKind::sniff(b"GIF89a"), None);
    // A JPEG's size from its SOF0 segment.
    let jpeg = [
        0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 0, 20, 0, 30, 3, 0, 0, 0,
    ];
    assert_eq!(dimensions(ImageKind::Jpeg, &jpeg), Some((30, 20)));
}
