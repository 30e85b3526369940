//! The service feedback form (R1.2, R4.5): started, saved and signed by the crew on site,
//! photos attached, reviewed by the department. Each step is one transaction with its
//! audit entries (entity "feedback_form"); signing and reviewing move the job too.
//!
//! Phones retry: starting a form when the trip already has a draft answers that draft, a
//! save of what is already stored answers the form as it is, and signing a form already
//! signed by the same person answers it signed — a retry never makes a second form or a
//! 409.

use super::idempotency::{Answer, Once, complete, replayed};
use super::notify::{Notice, notify};
use super::require;
use crate::app::AppState;
use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::field::form::{
    FeedbackForm, FilePurpose, FormFields, FormInput, FormStatus, NewFile, NewForm, SignInput,
    StoredFile, job_reviewed, job_submitted,
};
use sanbao_domain::field::{Job, may_see};
use sanbao_domain::user::User;
use sanbao_domain::{Error, FileId, FormId, JobId, Permission};
use sanbao_store::Tx;

const ENTITY: &str = "feedback_form";

/// The job a form belongs to, read in `tx`; a job the actor may not see is missing.
async fn visible_job(tx: &mut Tx, state: &AppState, actor: &User, id: JobId) -> Result<Job, Error> {
    let job = tx.job(id).await?.ok_or(Error::NotFound("job"))?;
    let salesperson = if actor.role.bound_to_own_customers() {
        state
            .db
            .customer(job.customer_id)
            .await?
            .and_then(|c| c.fields.salesperson_id)
    } else {
        None
    };
    if !may_see(&job, actor.id, actor.role, salesperson) {
        return Err(Error::NotFound("job"));
    }
    Ok(job)
}

/// A form and its job, read in one transaction; missing when the actor may not see the job.
async fn read(
    state: &AppState,
    actor: &User,
    id: FormId,
) -> Result<(Tx, FeedbackForm, Job), Error> {
    let mut tx = state.db.begin().await?;
    let form = tx.form(id).await?.ok_or(Error::NotFound("form"))?;
    let job = visible_job(&mut tx, state, actor, form.job_id).await?;
    Ok((tx, form, job))
}

async fn audit_change(
    tx: &mut Tx,
    actor: &User,
    action: &str,
    note: Option<String>,
    before: &FeedbackForm,
    after: &FeedbackForm,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if let Some(e) = NewAuditEntry::changed(
        ENTITY,
        before.id.0,
        action,
        actor.id,
        now,
        note,
        &before.audit_view(),
        &after.audit_view(),
    ) {
        tx.audit(&e).await?;
    }
    Ok(())
}

async fn move_job(
    tx: &mut Tx,
    actor: &User,
    action: &str,
    before: &Job,
    after: &Job,
    now: DateTime<Utc>,
) -> Result<Job, Error> {
    let written = tx.update_job(before, after).await?;
    if let Some(e) = NewAuditEntry::changed(
        "job",
        before.id.0,
        action,
        actor.id,
        now,
        None,
        &before.audit_view(),
        &written.audit_view(),
    ) {
        tx.audit(&e).await?;
    }
    Ok(written)
}

/// Start the form of the job's current trip (or a correction of `corrects`). When the
/// trip already has that draft, answers it (`false`: nothing was created).
pub async fn start(
    state: &AppState,
    actor: &User,
    job_id: JobId,
    corrects: Option<FormId>,
    now: DateTime<Utc>,
) -> Result<(FeedbackForm, bool), Error> {
    require(actor, Permission::DoFieldWork)?;
    let mut tx = state.db.begin().await?;
    let job = visible_job(&mut tx, state, actor, job_id).await?;
    let old = match corrects {
        Some(c) => Some(tx.form(c).await?.ok_or_else(|| {
            Error::field(
                "corrects",
                sanbao_domain::Problem::new("not_found", "no such form"),
            )
        })?),
        None => None,
    };
    if let Some(trip) = job.current_trip()
        && let Some(draft) = tx.open_draft(trip.id, corrects).await?
    {
        if !job.may_work(actor.id, actor.role) {
            return Err(Error::Forbidden);
        }
        return Ok((draft, false));
    }
    let new = NewForm::start(&job, old.as_ref(), actor.id, actor.role, now)?;
    let form = tx.insert_form(&new).await?;
    tx.audit(&NewAuditEntry::created(
        ENTITY,
        form.id.0,
        actor.id,
        new.created_at,
        form.audit_view(),
    ))
    .await?;
    tx.commit().await?;
    tracing::info!(form_id = form.id.0, job_id = job_id.0, "form started");
    Ok((form, true))
}

/// A form, if the actor may see its job.
pub async fn form(
    state: &AppState,
    actor: &User,
    id: FormId,
) -> Result<(FeedbackForm, Job), Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let form = state.db.form(id).await?.ok_or(Error::NotFound("form"))?;
    let job = super::field::job(state, actor, form.job_id).await?;
    Ok((form, job))
}

/// A job's forms, oldest first.
pub async fn forms_of_job(
    state: &AppState,
    actor: &User,
    job_id: JobId,
) -> Result<Vec<FeedbackForm>, Error> {
    super::field::job(state, actor, job_id).await?;
    state.db.forms_of_job(job_id).await
}

/// Save a draft's fields (`version` as last read). A save of what is already stored
/// answers the form as it is, whatever its version: the phone sent it twice.
pub async fn save(
    state: &AppState,
    actor: &User,
    id: FormId,
    version: i64,
    input: &FormInput,
    once: Option<&Once>,
    now: DateTime<Utc>,
) -> Result<Answer<FeedbackForm>, Error> {
    require(actor, Permission::DoFieldWork)?;
    let (mut tx, before, job) = read(state, actor, id).await?;
    let fields: FormFields = FormFields::parse(input, now)?;
    if !job.may_work(actor.id, actor.role) {
        return Err(Error::Forbidden);
    }
    // A save sent again with its key after its answer was lost: the form as it is now,
    // not a 409 on the version it was sent with.
    if let Some(once) = once
        && replayed(&mut tx, actor.id, once, "form.save", now)
            .await?
            .is_some()
    {
        return Ok(Answer::replay(before));
    }
    if before.holds(&fields) {
        return Ok(Answer::new(before));
    }
    if before.status == FormStatus::Draft && version != before.version {
        return Err(Error::Conflict(format!(
            "form {} is at version {}, not {version}: reload and try again",
            before.id, before.version
        )));
    }
    let after = before.edit(fields, &job, actor.id, actor.role, now)?;
    let after = tx.update_form(&before, &after).await?;
    audit_change(&mut tx, actor, "update", None, &before, &after, now).await?;
    if let Some(once) = once {
        complete(&mut tx, actor.id, once, &id.0.to_string()).await?;
    }
    tx.commit().await?;
    Ok(Answer::new(after))
}

/// Attach a photo (checked by its bytes, within its limit) to a draft.
///
/// With an `Idempotency-Key` (`once`), a phone that uploads the same photo again after
/// losing the answer gets the form as the first upload left it, never a second photo.
pub async fn add_photo(
    state: &AppState,
    actor: &User,
    id: FormId,
    bytes: Vec<u8>,
    caption: Option<&str>,
    once: Option<&Once>,
    now: DateTime<Utc>,
) -> Result<Answer<FeedbackForm>, Error> {
    require(actor, Permission::DoFieldWork)?;
    let file = NewFile::check(FilePurpose::Photo, bytes, actor.id, now)
        .map_err(|p| p.into_error(FilePurpose::Photo))?;
    let (mut tx, before, job) = read(state, actor, id).await?;
    if let Some(once) = once
        && replayed(&mut tx, actor.id, once, "form.add_photo", now)
            .await?
            .is_some()
    {
        return Ok(Answer::replay(before));
    }
    before.may_add_photo(&job, actor.id, actor.role)?;
    let file_id = tx.insert_file(&file).await?;
    let after = before.add_photo(file_id, caption, &job, actor.id, actor.role, now)?;
    let after = tx.update_form(&before, &after).await?;
    audit_change(&mut tx, actor, "add_photo", None, &before, &after, now).await?;
    if let Some(once) = once {
        complete(&mut tx, actor.id, once, &id.0.to_string()).await?;
    }
    tx.commit().await?;
    Ok(Answer::new(after))
}

/// Take a photo off a draft; its file goes with it.
pub async fn remove_photo(
    state: &AppState,
    actor: &User,
    id: FormId,
    file_id: FileId,
    now: DateTime<Utc>,
) -> Result<FeedbackForm, Error> {
    require(actor, Permission::DoFieldWork)?;
    let (mut tx, before, job) = read(state, actor, id).await?;
    let after = before.remove_photo(file_id, &job, actor.id, actor.role, now)?;
    let after = tx.update_form(&before, &after).await?;
    tx.delete_file(file_id).await?;
    audit_change(&mut tx, actor, "remove_photo", None, &before, &after, now).await?;
    tx.commit().await?;
    Ok(after)
}

/// The customer's step as sent by the phone.
#[derive(Debug, Clone, Default)]
pub struct Signing {
    pub signer_name: Option<String>,
    pub signature_png: Option<Vec<u8>>,
    pub customer_opinion: Option<String>,
    pub stamp: Option<Vec<u8>>,
    pub customer_absent: bool,
}

fn checked(
    purpose: FilePurpose,
    bytes: Option<Vec<u8>>,
    actor: &User,
    now: DateTime<Utc>,
) -> Result<Option<NewFile>, Error> {
    bytes
        .map(|b| NewFile::check(purpose, b, actor.id, now).map_err(|p| p.into_error(purpose)))
        .transpose()
}

/// The customer signs (or a correction is submitted without them): the form is locked and
/// the job handed to the department. Signing again what is already signed by the same
/// person answers the signed form.
pub async fn sign(
    state: &AppState,
    actor: &User,
    id: FormId,
    s: Signing,
    once: Option<&Once>,
    now: DateTime<Utc>,
) -> Result<Answer<FeedbackForm>, Error> {
    require(actor, Permission::DoFieldWork)?;
    let signature = checked(FilePurpose::Signature, s.signature_png, actor, now)?;
    let stamp = checked(FilePurpose::Stamp, s.stamp, actor, now)?;
    let (mut tx, before, job) = read(state, actor, id).await?;
    if !job.may_work(actor.id, actor.role) {
        return Err(Error::Forbidden);
    }
    if let Some(once) = once
        && replayed(&mut tx, actor.id, once, "form.sign", now)
            .await?
            .is_some()
    {
        return Ok(Answer::replay(before));
    }
    if before.status.is_locked() && before.created_by == actor.id {
        let same_signer = before.signature.as_ref().map(|g| g.signer_name.trim())
            == s.signer_name.as_deref().map(str::trim);
        if (same_signer || (before.customer_absent && s.customer_absent))
            && before.status == FormStatus::Signed
        {
            return Ok(Answer::new(before));
        }
    }
    let mut input = SignInput {
        signer_name: s.signer_name,
        signature: None,
        customer_opinion: s.customer_opinion,
        stamp: None,
        customer_absent: s.customer_absent,
    };
    // Check everything before storing the images, so a refused signing writes nothing.
    before.sign(
        &SignInput {
            signature: signature.as_ref().map(|_| FileId(0)),
            ..input.clone()
        },
        &job,
        actor.id,
        actor.role,
        now,
    )?;
    let job_after = job_submitted(&job, now)?;
    if !input.customer_absent
        && let Some(f) = &signature
    {
        input.signature = Some(tx.insert_file(f).await?);
    }
    if let Some(f) = &stamp {
        input.stamp = Some(tx.insert_file(f).await?);
    }
    let after = before.sign(&input, &job, actor.id, actor.role, now)?;
    let after = tx.update_form(&before, &after).await?;
    audit_change(&mut tx, actor, "sign", None, &before, &after, now).await?;
    move_job(&mut tx, actor, "submit_form", &job, &job_after, now).await?;
    if let Some(once) = once {
        complete(&mut tx, actor.id, once, &id.0.to_string()).await?;
    }
    tx.commit().await?;
    tracing::info!(form_id = id.0, "form signed");
    state.desk.changed();
    Ok(Answer::new(after))
}

/// The department reviews a signed form: accepted, the job is done; returned with a
/// reason, the job is returned and its author is told why.
pub async fn review(
    state: &AppState,
    actor: &User,
    id: FormId,
    accept: bool,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<FeedbackForm, Error> {
    require(actor, Permission::ReviewFeedbackForms)?;
    let (mut tx, before, job) = read(state, actor, id).await?;
    let after = before.review(accept, reason, actor.id, actor.role, now)?;
    let after = tx.update_form(&before, &after).await?;
    let note = after.review.as_ref().and_then(|r| r.reason.clone());
    let action = if accept { "accept" } else { "return" };
    audit_change(&mut tx, actor, action, note.clone(), &before, &after, now).await?;
    if let Some(job_after) = job_reviewed(&job, accept, now) {
        if job_after.status.is_finished() {
            // The job closes: not while parts taken for it are still out (R1.5).
            super::parts::require_settled(&mut tx, job.id).await?;
        }
        move_job(&mut tx, actor, action, &job, &job_after, now).await?;
    }
    // ---- quality ----
    // Accepted with the company's responsibility, the form becomes a quality item (R7.1).
    if accept {
        super::quality::capture(
            &mut tx,
            sanbao_domain::quality::SourceKind::FieldForm,
            id.0,
            actor.id,
            now,
        )
        .await?;
    }
    // ---- end quality ----
    // ---- similar cases: an accepted form makes (or completes) its ticket's case ----
    if accept {
        super::similar::index_case(&mut tx, job.ticket_id).await?;
    }
    // ---- end similar cases ----
    if !accept {
        let lang = Lang::default();
        let notice = Notice {
            subject: lang.f("form.notice.returned", &[("id", &id.0.to_string())]),
            body: note,
            link: Some(format!("/field/forms/{}", id.0)),
            urgent: false,
        };
        notify(
            &mut tx,
            &[after.created_by],
            &notice,
            &format!("form:{}:returned:v{}", id.0, after.version),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(form_id = id.0, accept, "form reviewed");
    state.desk.changed();
    Ok(after)
}

/// Signed forms waiting for review, signed longest ago first.
pub async fn to_review(
    state: &AppState,
    actor: &User,
    limit: i64,
) -> Result<Vec<FeedbackForm>, Error> {
    require(actor, Permission::ReviewFeedbackForms)?;
    state.db.forms_to_review(limit).await
}

/// A stored file, for whoever may see a job whose form holds it.
pub async fn file(state: &AppState, actor: &User, id: FileId) -> Result<StoredFile, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    let file = state.db.file(id).await?.ok_or(Error::NotFound("file"))?;
    for job in state.db.jobs_holding_file(id).await? {
        if super::field::job(state, actor, job).await.is_ok() {
            return Ok(file);
        }
    }
    Err(Error::NotFound("file"))
}

/// What a form's page shows of its job besides the job itself: the customer, the place,
/// the unit, the crew.
#[derive(Debug, Clone, Default)]
pub struct JobFacts {
    pub customer: String,
    pub address: String,
    pub model: Option<String>,
    pub serial: Option<String>,
    /// The crew of the form's trip, the lead first.
    pub crew: Vec<String>,
}

/// The facts of `job` for its form's pages (the trip `trip` when given).
pub async fn facts(
    state: &AppState,
    job: &Job,
    trip: Option<sanbao_domain::TripId>,
) -> Result<JobFacts, Error> {
    let customer = state.db.customer(job.customer_id).await?;
    let mut f = JobFacts {
        customer: customer
            .as_ref()
            .map(|c| c.fields.name.clone())
            .unwrap_or_default(),
        address: customer
            .as_ref()
            .map(|c| c.fields.address.clone())
            .unwrap_or_default(),
        model: job.model_code.clone(),
        ..JobFacts::default()
    };
    if let Some(site) = job.site_id
        && let Some(s) = state.db.site(site).await?
    {
        f.address = s.fields.address;
    }
    if let Some(unit) = job.unit_id
        && let Some(u) = state.db.unit(unit).await?
    {
        f.model = Some(format!("{} {}", u.model_code, u.model_name));
        f.serial = Some(u.serial_no);
        f.address = u.site_address;
    }
    let trip = match trip {
        Some(t) => job.trips.iter().find(|x| x.id == t),
        None => job.current_trip(),
    };
    f.crew = trip
        .map(|t| t.crew.iter().map(|c| c.name.clone()).collect())
        .unwrap_or_default();
    Ok(f)
}

/// The form page of a job for its crew: the job, its facts, the draft being filled (if
/// any) and the job's forms.
pub async fn job_page(
    state: &AppState,
    actor: &User,
    job_id: JobId,
) -> Result<(Job, JobFacts, Vec<FeedbackForm>), Error> {
    let job = super::field::job(state, actor, job_id).await?;
    let facts = facts(state, &job, None).await?;
    let forms = state.db.forms_of_job(job_id).await?;
    Ok((job, facts, forms))
}
