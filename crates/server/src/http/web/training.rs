//! Training records and the document library as pages: `/training` (sessions, who is
//! missing a topic or has it expired, a new session), `/training/{id}`,
//! `/people/{id}/training` (a person's history; a technician sees their own),
//! `/documents` (the library by kind and model, each with its current version) and
//! `/documents/{id}` (its versions, publishing a new one).

use super::view::{ErrorSummary, FormField, Messages, full_time};
use super::{QueryParams, WebError, WebForm, WebResult, WebUser, render, render_with, see_other};
use crate::app;
use crate::app::AppState;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::documents::{
    DocKind, DocumentInput, DocumentView, MAX_DOCUMENT_BYTES, VersionInput,
};
use sanbao_domain::time::local_date;
use sanbao_domain::training::{
    Audience, SessionInput, Standing, Topic, may_see_history, may_view_training,
};
use sanbao_domain::{DocumentId, Error, FieldErrors, Permission, Problem, TrainingId, UserId};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/training", get(list).post(record))
        .route("/training/{id}", get(detail))
        .route("/people/{id}/training", get(person))
        .route("/documents", get(library).post(create))
        .route("/documents/{id}", get(document))
        .route(
            "/documents/{id}/versions",
            post(publish).layer(DefaultBodyLimit::max(MAX_DOCUMENT_BYTES + 64 * 1024)),
        )
        .route("/documents/{id}/versions/{n}/file", get(download))
        // ---- training 2 ----
        .route("/settings/training", get(settings).post(save_settings))
        .route("/documents/{id}/retire", post(retire))
    // ---- end training 2 ----
}

fn id_of(s: &str) -> WebResult<i64> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| WebError::not_found("record"))
}

/// The words of a topic.
pub fn topic_label(u: &WebUser, t: Topic) -> &'static str {
    u.lang.t(match t {
        Topic::ServiceAwareness => "training.topic.service_awareness",
        Topic::QualityAwareness => "training.topic.quality_awareness",
        Topic::TechnicalSpecification => "training.topic.technical_specification",
        Topic::ManagementMethods => "training.topic.management_methods",
        Topic::ProductPerformance => "training.topic.product_performance",
        Topic::ProductUse => "training.topic.product_use",
        Topic::RoutineMaintenance => "training.topic.routine_maintenance",
    })
}

/// The words of a kind of document.
pub fn kind_label(u: &WebUser, k: DocKind) -> &'static str {
    u.lang.t(match k {
        DocKind::ServiceProcedure => "doc.kind.service_procedure",
        DocKind::TechnicalSpecification => "doc.kind.technical_specification",
        DocKind::ProductManual => "doc.kind.product_manual",
        DocKind::TrainingMaterial => "doc.kind.training_material",
        DocKind::Other => "doc.kind.other",
    })
}

fn audience_label(u: &WebUser, a: Audience) -> &'static str {
    u.lang.t(match a {
        Audience::Staff => "training.audience.staff",
        Audience::Customer => "training.audience.customer",
    })
}

struct Opt {
    value: String,
    label: String,
    on: bool,
}

struct SessionRow {
    href: String,
    held_on: String,
    topic: String,
    audience: String,
    trainer: String,
    place: String,
    minutes: i64,
    who: String,
}

struct GapRow {
    href: String,
    name: String,
    role: String,
    topic: String,
    standing: &'static str,
    standing_label: &'static str,
    last_on: String,
    due_on: String,
}

/// A session form as typed.
#[derive(Default)]
struct Typed {
    audience: String,
    topic: String,
    held_on: String,
    trainer: String,
    place: String,
    minutes: String,
    customer_id: String,
    /// The customer search as typed (a customer training).
    cq: String,
    attendee_ids: Vec<i64>,
    names: String,
    document_ids: Vec<i64>,
    note: String,
}

impl Typed {
    fn read(f: &super::extract::Pairs) -> Typed {
        let ids = |name: &str| {
            f.0.iter()
                .filter(|(k, _)| k == name)
                .filter_map(|(_, v)| v.trim().parse::<i64>().ok())
                .collect::<Vec<_>>()
        };
        Typed {
            audience: f.text("audience"),
            topic: f.text("topic"),
            held_on: f.text("held_on"),
            trainer: f.text("trainer"),
            place: f.text("place"),
            minutes: f.text("duration_minutes"),
            customer_id: f.text("customer_id"),
            cq: f.text("cq"),
            attendee_ids: ids("attendee_ids"),
            names: f.text("attendee_names"),
            document_ids: ids("document_ids"),
            note: f.text("note"),
        }
    }
    fn input(&self) -> Result<SessionInput, Error> {
        let customer_id = match self.customer_id.trim() {
            "" => None,
            s => Some(s.parse::<i64>().map_err(|_| {
                Error::field("customer_id", Problem::invalid("a customer's number"))
            })?),
        };
        Ok(SessionInput {
            audience: self.audience.clone(),
            topic: self.topic.clone(),
            held_on: self.held_on.clone(),
            trainer: self.trainer.clone(),
            place: self.place.clone(),
            duration_minutes: self.minutes.clone(),
            customer_id,
            attendee_ids: self.attendee_ids.clone(),
            attendee_names: self.names.lines().map(str::to_string).collect(),
            document_ids: self.document_ids.clone(),
            note: Some(self.note.clone()),
        })
    }
}

#[derive(Template)]
#[template(path = "training_list.html")]
struct ListPage {
    l: super::Layout,
    sessions: Vec<SessionRow>,
    gaps: Vec<GapRow>,
    may_record: bool,
    f: Typed,
    audiences: Vec<Opt>,
    topics: Vec<Opt>,
    staff: Vec<Opt>,
    materials: Vec<Opt>,
    errors: Messages,
    form_errors: ErrorSummary,
    /// The customer chosen for a customer training.
    picked: Option<PickedCustomer>,
    /// The results of a customer search made without script.
    matches: String,
    may_manage_requirements: bool,
}

/// The customer of a customer training as the form shows it once chosen.
struct PickedCustomer {
    href: String,
    name: String,
    address: String,
    badge: super::view::RegionBadge,
}

fn session_fields(u: &WebUser) -> Vec<FormField> {
    [
        ("audience", "t-audience", "training.audience"),
        ("topic", "t-topic", "training.topic"),
        ("held_on", "t-held_on", "training.held_on"),
        ("trainer", "t-trainer", "training.trainer"),
        ("place", "t-place", "training.place"),
        ("duration_minutes", "t-duration", "training.duration"),
        ("customer_id", "cq", "training.customer"),
        ("attendee_ids", "t-attendees", "training.attendees"),
        ("attendee_names", "t-names", "training.attendee_names"),
        ("document_ids", "t-materials", "training.materials"),
        ("note", "t-note", "training.note"),
    ]
    .into_iter()
    .map(|(n, id, k)| FormField::new(n, id, u.t(k)))
    .collect()
}

async fn list_page(
    state: &AppState,
    u: &WebUser,
    f: Typed,
    errs: &FieldErrors,
) -> WebResult<ListPage> {
    let now = state.now();
    let sessions = app::training::sessions(state, &u.user).await?;
    let gaps = app::training::missing(state, &u.user, now).await?;
    let may_record = u.may(Permission::RecordTraining);
    let (staff, materials) = if may_record {
        let people = app::training::staff(state, &u.user).await?;
        let docs = app::documents::library(state, &u.user, None, false).await?;
        (
            people
                .into_iter()
                .filter(|p| p.active && p.role.is_staff())
                .map(|p| Opt {
                    on: f.attendee_ids.contains(&p.id.0),
                    value: p.id.0.to_string(),
                    label: p.display_name,
                })
                .collect(),
            docs.into_iter()
                .map(|d| Opt {
                    on: f.document_ids.contains(&d.document.id.0),
                    value: d.document.id.0.to_string(),
                    label: format!("{} {}", d.document.code, d.document.title),
                })
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let picked = match f.customer_id.trim().parse::<i64>() {
        Ok(id) if id > 0 => {
            match app::customers::customer(state, &u.user, sanbao_domain::CustomerId(id)).await {
                Ok(c) => Some(PickedCustomer {
                    href: format!("/customers/{}", c.id),
                    name: c.fields.name,
                    address: c.fields.address,
                    badge: super::view::RegionBadge::new(
                        u.lang,
                        c.region,
                        c.region_correction.is_some(),
                    ),
                }),
                Err(Error::NotFound(_)) => None,
                Err(e) => return Err(e.into()),
            }
        }
        _ => None,
    };
    let l = u.layout("training", u.t("training.title"));
    let matches = if may_record && picked.is_none() {
        super::tickets::customer_matches_html(state, u, &l, &f.cq).await?
    } else {
        String::new()
    };
    let errors = Messages::new(u.lang, errs);
    let form_errors = ErrorSummary::new(u.lang, &errors, &session_fields(u), None);
    Ok(ListPage {
        l,
        picked,
        matches,
        may_manage_requirements: u.may(Permission::ManageTrainingRequirements),
        sessions: sessions
            .into_iter()
            .map(|(s, n)| SessionRow {
                href: format!("/training/{}", s.id),
                held_on: s.held_on.to_string(),
                topic: topic_label(u, s.topic).into(),
                audience: audience_label(u, s.audience).into(),
                trainer: s.trainer,
                place: s.place,
                minutes: s.duration_minutes,
                who: match s.customer_name {
                    Some(c) => u
                        .lang
                        .f("training.who_customer", &[("name", &c), ("n", &n)]),
                    None => u.lang.f("training.who_staff", &[("n", &n)]),
                },
            })
            .collect(),
        gaps: gaps
            .into_iter()
            .filter(|g| !matches!(g.standing, Standing::Current { .. }))
            .map(|g| {
                let (last, due) = match g.standing {
                    Standing::Current { last, due_on } | Standing::Expired { last, due_on } => {
                        (last.to_string(), due_on.to_string())
                    }
                    Standing::NewHire { due_on } => (String::new(), due_on.to_string()),
                    Standing::Missing => (String::new(), String::new()),
                };
                GapRow {
                    href: format!("/people/{}/training", g.user_id),
                    name: g.name,
                    role: u.t(&format!("role.{}", g.role.as_str())).to_string(),
                    topic: topic_label(u, g.topic).into(),
                    standing: g.standing.as_str(),
                    standing_label: u.lang.t(match g.standing {
                        Standing::Expired { .. } => "training.standing.expired",
                        Standing::Missing => "training.standing.missing",
                        _ => "training.standing.new_hire",
                    }),
                    last_on: last,
                    due_on: due,
                }
            })
            .collect(),
        may_record,
        audiences: [Audience::Staff, Audience::Customer]
            .into_iter()
            .map(|a| Opt {
                on: f.audience == a.as_str(),
                value: a.as_str().into(),
                label: audience_label(u, a).into(),
            })
            .collect(),
        topics: Topic::ALL
            .into_iter()
            .map(|t| Opt {
                on: f.topic == t.as_str(),
                value: t.as_str().into(),
                label: format!(
                    "{} · {}",
                    audience_label(u, t.audience()),
                    topic_label(u, t)
                ),
            })
            .collect(),
        staff,
        materials,
        f,
        errors,
        form_errors,
    })
}

/// `GET /training`: sessions, who is missing or expired, a new session. A technician is
/// sent to their own history.
pub async fn list(State(state): State<AppState>, u: WebUser) -> WebResult<Response> {
    if !may_view_training(u.user.role) {
        return Ok(see_other(&format!("/people/{}/training", u.user.id)));
    }
    let page = list_page(
        &state,
        &u,
        Typed {
            audience: "staff".into(),
            held_on: local_date(state.now()).to_string(),
            ..Typed::default()
        },
        &FieldErrors::new(),
    )
    .await?;
    render(&page)
}

/// `POST /training`: record a session; problems come back with what was typed.
pub async fn record(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let mut f = Typed::read(&form);
    // The customer search's buttons come here too, to work without script: a search, a
    // customer picked, another customer; each shows the form again with everything kept.
    let intent = form.filled("intent").unwrap_or("save");
    if let Some(id) = form.filled("pick") {
        f.customer_id = id.to_string();
        f.cq.clear();
    } else if intent == "search" || intent == "change_customer" {
        f.customer_id.clear();
    }
    // Enter in the search box sends the form: without a customer, that is a search.
    let searching = f.audience == Audience::Customer.as_str()
        && f.customer_id.trim().is_empty()
        && !f.cq.trim().is_empty();
    if form.filled("pick").is_some() || intent != "save" || searching {
        return render(&list_page(&state, &u, f, &FieldErrors::new()).await?);
    }
    let result = match f.input() {
        Ok(input) => app::training::record(&state, &u.user, &input, state.now()).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(v) => Ok(see_other(&format!("/training/{}?saved=1", v.session.id))),
        Err(Error::Validation(errs)) => {
            let page = list_page(&state, &u, f, &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "training_detail.html")]
struct DetailPage {
    l: super::Layout,
    saved: bool,
    topic: String,
    audience: String,
    held_on: String,
    trainer: String,
    place: String,
    minutes: i64,
    customer: Option<(String, String)>,
    note: String,
    attendees: Vec<(Option<String>, String)>,
    materials: Vec<(String, String, String)>,
}

/// `GET /training/{id}`: a session with its attendees and materials.
pub async fn detail(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let v = app::training::session(&state, &u.user, TrainingId(id_of(&id)?)).await?;
    let s = v.session;
    let show_people = may_view_training(u.user.role);
    render(&DetailPage {
        l: u.layout("training", u.t("training.session_title")),
        saved: p.get("saved").is_some(),
        topic: topic_label(&u, s.topic).into(),
        audience: audience_label(&u, s.audience).into(),
        held_on: s.held_on.to_string(),
        trainer: s.trainer,
        place: s.place,
        minutes: s.duration_minutes,
        customer: s.customer_id.map(|c| {
            (
                format!("/customers/{c}"),
                s.customer_name.unwrap_or_default(),
            )
        }),
        note: s.note.unwrap_or_default(),
        attendees: v
            .attendees
            .into_iter()
            .map(|a| {
                (
                    a.user_id
                        .filter(|_| show_people)
                        .map(|id| format!("/people/{id}/training")),
                    a.name,
                )
            })
            .collect(),
        materials: v
            .materials
            .into_iter()
            .map(|(id, code, title)| (format!("/documents/{id}"), code, title))
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "training_person.html")]
struct PersonPage {
    l: super::Layout,
    name: String,
    role: String,
    rows: Vec<SessionRow>,
    gaps: Vec<GapRow>,
}

/// `GET /people/{id}/training`: a person's history and what they lack (their own, or
/// anyone's for those who keep the records).
pub async fn person(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let subject = UserId(id_of(&id)?);
    let (who, sessions) = app::training::history(&state, &u.user, subject).await?;
    let gaps = if may_see_history(u.user.role, u.user.id, subject) {
        let people = vec![sanbao_domain::training::Trainee {
            id: who.id,
            name: who.display_name.clone(),
            role: who.role,
            joined_on: local_date(who.created_at),
        }];
        let attended: Vec<_> = sessions
            .iter()
            .filter(|s| s.audience == Audience::Staff)
            .map(|s| (who.id, s.topic, s.held_on))
            .collect();
        let reqs = app::training::requirements(&state, &u.user).await?;
        sanbao_domain::training::gaps(&people, &reqs, &attended, local_date(state.now()))
    } else {
        Vec::new()
    };
    render(&PersonPage {
        l: u.layout(
            if u.user.id == subject {
                "training_mine"
            } else {
                "training"
            },
            u.t("training.person_title"),
        ),
        role: u.t(&format!("role.{}", who.role.as_str())).to_string(),
        name: who.display_name,
        rows: sessions
            .into_iter()
            .map(|s| SessionRow {
                href: format!("/training/{}", s.id),
                held_on: s.held_on.to_string(),
                topic: topic_label(&u, s.topic).into(),
                audience: audience_label(&u, s.audience).into(),
                trainer: s.trainer,
                place: s.place,
                minutes: s.duration_minutes,
                who: String::new(),
            })
            .collect(),
        gaps: gaps
            .into_iter()
            .map(|g| {
                let (last, due) = match g.standing {
                    Standing::Expired { last, due_on } => (last.to_string(), due_on.to_string()),
                    Standing::NewHire { due_on } => (String::new(), due_on.to_string()),
                    _ => (String::new(), String::new()),
                };
                GapRow {
                    href: String::new(),
                    name: String::new(),
                    role: String::new(),
                    topic: topic_label(&u, g.topic).into(),
                    standing: g.standing.as_str(),
                    standing_label: u.lang.t(match g.standing {
                        Standing::Expired { .. } => "training.standing.expired",
                        Standing::Missing => "training.standing.missing",
                        _ => "training.standing.new_hire",
                    }),
                    last_on: last,
                    due_on: due,
                }
            })
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------
// The document library.

struct DocRow {
    href: String,
    kind: String,
    code: String,
    title: String,
    model: String,
    current: Option<(String, String, String)>,
    versions: usize,
}

fn doc_row(u: &WebUser, d: &DocumentView, today: chrono::NaiveDate) -> DocRow {
    DocRow {
        href: format!("/documents/{}", d.document.id),
        kind: kind_label(u, d.document.kind).into(),
        code: d.document.code.clone(),
        title: d.document.title.clone(),
        model: d.document.model_code.clone().unwrap_or_default(),
        current: d.current_on(today).map(|v| {
            (
                format!("/documents/{}/versions/{}/file", d.document.id, v.n),
                v.label.clone(),
                v.effective_on.to_string(),
            )
        }),
        versions: d.versions.len(),
    }
}

#[derive(Default)]
struct DocTyped {
    kind: String,
    code: String,
    title: String,
    model_code: String,
}

#[derive(Template)]
#[template(path = "documents_list.html")]
struct LibraryPage {
    l: super::Layout,
    rows: Vec<DocRow>,
    kinds: Vec<Opt>,
    model: String,
    /// Listing the retired documents.
    retired: bool,
    may_manage: bool,
    f: DocTyped,
    new_kinds: Vec<Opt>,
    errors: Messages,
    form_errors: ErrorSummary,
}

async fn library_page(
    state: &AppState,
    u: &WebUser,
    p: &super::extract::Pairs,
    f: DocTyped,
    errs: &FieldErrors,
) -> WebResult<LibraryPage> {
    let kind = p.filled("kind").and_then(DocKind::parse);
    let model = p.filled("model").unwrap_or_default().to_string();
    let retired = p.filled("retired").is_some();
    let docs = app::documents::library(state, &u.user, Some(&model), retired).await?;
    let today = local_date(state.now());
    let errors = Messages::new(u.lang, errs);
    let fields: Vec<FormField> = [
        ("kind", "d-kind", "doc.kind"),
        ("code", "d-code", "doc.code"),
        ("title", "d-title", "doc.title_field"),
        ("model_code", "d-model", "doc.model"),
    ]
    .into_iter()
    .map(|(n, id, k)| FormField::new(n, id, u.t(k)))
    .collect();
    let form_errors = ErrorSummary::new(u.lang, &errors, &fields, None);
    Ok(LibraryPage {
        l: u.layout("documents", u.t("doc.title")),
        rows: docs
            .iter()
            .filter(|d| kind.is_none_or(|k| d.document.kind == k))
            .map(|d| doc_row(u, d, today))
            .collect(),
        kinds: DocKind::ALL
            .into_iter()
            .map(|k| Opt {
                on: kind == Some(k),
                value: k.as_str().into(),
                label: kind_label(u, k).into(),
            })
            .collect(),
        model,
        retired,
        may_manage: u.may(Permission::ManageDocuments),
        new_kinds: DocKind::ALL
            .into_iter()
            .map(|k| Opt {
                on: f.kind == k.as_str(),
                value: k.as_str().into(),
                label: kind_label(u, k).into(),
            })
            .collect(),
        f,
        errors,
        form_errors,
    })
}

/// `GET /documents`: the library, by kind and model.
pub async fn library(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let page = library_page(&state, &u, &p, DocTyped::default(), &FieldErrors::new()).await?;
    render(&page)
}

/// `POST /documents`: add a document; problems come back with what was typed.
pub async fn create(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let f = DocTyped {
        kind: form.text("kind"),
        code: form.text("code"),
        title: form.text("title"),
        model_code: form.text("model_code"),
    };
    let input = DocumentInput {
        kind: f.kind.clone(),
        code: f.code.clone(),
        title: f.title.clone(),
        model_code: Some(f.model_code.clone()),
    };
    match app::documents::create(&state, &u.user, &input, state.now()).await {
        Ok(d) => Ok(see_other(&format!("/documents/{}", d.document.id))),
        Err(Error::Validation(errs)) => {
            let page =
                library_page(&state, &u, &super::extract::Pairs::default(), f, &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

struct VersionRow {
    n: i64,
    href: String,
    label: String,
    effective_on: String,
    file_name: String,
    size_kb: i64,
    by: String,
    at: String,
    /// `current`, `future`, `superseded`, `retired` (the one last in force of a retired
    /// document).
    state: &'static str,
    state_label: &'static str,
}

#[derive(Template)]
#[template(path = "documents_detail.html")]
struct DocPage {
    l: super::Layout,
    id: i64,
    kind: String,
    code: String,
    title: String,
    model: String,
    versions: Vec<VersionRow>,
    may_manage: bool,
    label: String,
    effective_on: String,
    errors: Messages,
    form_errors: ErrorSummary,
    /// Retired: (when, by whom, why).
    retired: Option<(String, String, String)>,
    reason: String,
}

async fn doc_page(
    state: &AppState,
    u: &WebUser,
    id: DocumentId,
    label: String,
    effective_on: String,
    errs: &FieldErrors,
) -> WebResult<DocPage> {
    doc_page_with(state, u, id, label, effective_on, String::new(), errs).await
}

async fn doc_page_with(
    state: &AppState,
    u: &WebUser,
    id: DocumentId,
    label: String,
    effective_on: String,
    reason: String,
    errs: &FieldErrors,
) -> WebResult<DocPage> {
    let d = app::documents::document(state, &u.user, id).await?;
    let today = local_date(state.now());
    let current = d.current_on(today).map(|v| v.n);
    let errors = Messages::new(u.lang, errs);
    let fields: Vec<FormField> = [
        ("label", "v-label", "doc.version_label"),
        ("effective_on", "v-effective", "doc.effective_on"),
        ("file", "v-file", "doc.file"),
        ("reason", "r-reason", "doc.retire_reason"),
    ]
    .into_iter()
    .map(|(n, id, k)| FormField::new(n, id, u.t(k)))
    .collect();
    let form_errors = ErrorSummary::new(u.lang, &errors, &fields, None);
    Ok(DocPage {
        l: u.layout("documents", u.t("doc.document_title")),
        id: d.document.id.0,
        kind: kind_label(u, d.document.kind).into(),
        code: d.document.code.clone(),
        title: d.document.title.clone(),
        model: d.document.model_code.clone().unwrap_or_default(),
        versions: d
            .versions
            .iter()
            .rev()
            .map(|v| {
                let state = if Some(v.n) == current && d.document.retired.is_some() {
                    "retired"
                } else if Some(v.n) == current {
                    "current"
                } else if v.effective_on > today {
                    "future"
                } else {
                    "superseded"
                };
                VersionRow {
                    n: v.n,
                    href: format!("/documents/{}/versions/{}/file", v.document_id, v.n),
                    label: v.label.clone(),
                    effective_on: v.effective_on.to_string(),
                    file_name: v.file_name.clone(),
                    size_kb: (v.size + 999) / 1000,
                    by: v.published_by_name.clone(),
                    at: full_time(v.published_at),
                    state,
                    state_label: u.lang.t(match state {
                        "current" => "doc.state.current",
                        "future" => "doc.state.future",
                        "retired" => "doc.state.retired",
                        _ => "doc.state.superseded",
                    }),
                }
            })
            .collect(),
        may_manage: u.may(Permission::ManageDocuments),
        label,
        effective_on,
        errors,
        form_errors,
        retired: d
            .document
            .retired
            .as_ref()
            .map(|r| (full_time(r.at), r.by_name.clone(), r.reason.clone())),
        reason,
    })
}

/// `GET /documents/{id}`: a document's versions, newest first, and (for the managers) the
/// form to publish one.
pub async fn document(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = DocumentId(id_of(&id)?);
    let today = local_date(state.now()).to_string();
    render(&doc_page(&state, &u, id, String::new(), today, &FieldErrors::new()).await?)
}

/// `POST /documents/{id}/versions`: publish a version from a file chosen on the page.
pub async fn publish(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    mut multipart: Multipart,
) -> WebResult<Response> {
    let id = DocumentId(id_of(&id)?);
    let mut csrf = String::new();
    let mut input = VersionInput::default();
    let mut bytes = Vec::new();
    let mut errs = FieldErrors::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                errs.add("file", Problem::new("too_large", e.body_text()));
                break;
            }
        };
        match field.name().unwrap_or_default() {
            "_csrf" => csrf = field.text().await.unwrap_or_default(),
            "label" => input.label = field.text().await.unwrap_or_default(),
            "effective_on" => input.effective_on = field.text().await.unwrap_or_default(),
            "file" => {
                input.file_name = field.file_name().unwrap_or_default().to_string();
                match field.bytes().await {
                    Ok(b) => bytes = b.to_vec(),
                    Err(e) => errs.add("file", Problem::new("too_large", e.body_text())),
                }
            }
            _ => {}
        }
    }
    if !crate::app::sessions::same_token(&csrf, &u.csrf) {
        return Err(WebError::csrf());
    }
    if !u.may(Permission::ManageDocuments) {
        return Err(WebError::from(Error::Forbidden));
    }
    let result = if errs.is_empty() {
        app::documents::publish(&state, &u.user, id, &input, bytes, state.now()).await
    } else {
        Err(Error::Validation(errs))
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/documents/{id}"))),
        Err(Error::Validation(errs)) => {
            let page = doc_page(&state, &u, id, input.label, input.effective_on, &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /documents/{id}/versions/{n}/file`: a version's file, as an attachment.
pub async fn download(
    State(state): State<AppState>,
    u: WebUser,
    Path((id, n)): Path<(String, String)>,
) -> WebResult<Response> {
    let (v, bytes) =
        app::documents::file(&state, &u.user, DocumentId(id_of(&id)?), id_of(&n)?).await?;
    Ok(crate::http::api::documents::file_response(&v, bytes))
}

// ---------------------------------------------------------------------------------------
// ---- training 2: the requirement settings, retiring a document ----

/// The roles the settings page offers, in the order shown.
const TRAINED_ROLES: [sanbao_domain::Role; 4] = [
    sanbao_domain::Role::Technician,
    sanbao_domain::Role::SeniorEngineer,
    sanbao_domain::Role::ServiceClerk,
    sanbao_domain::Role::ServiceManager,
];

/// One row of the settings as shown: a requirement kept (its role and topic fixed, the
/// period editable, a box to remove it) or the row to add one.
struct ReqRow {
    i: usize,
    fixed: bool,
    role: String,
    role_label: String,
    topic: String,
    topic_label: String,
    roles: Vec<Opt>,
    topics: Vec<Opt>,
    period: String,
    remove: bool,
    role_error: Option<String>,
    topic_error: Option<String>,
    period_error: Option<String>,
}

/// A row as typed.
#[derive(Default, Clone)]
struct ReqTyped {
    fixed: bool,
    role: String,
    topic: String,
    period: String,
    remove: bool,
}

#[derive(Template)]
#[template(path = "training_settings.html")]
struct SettingsPage {
    l: super::Layout,
    rows: Vec<ReqRow>,
    saved: bool,
    hint: String,
    form_errors: ErrorSummary,
}

fn role_label(u: &WebUser, r: sanbao_domain::Role) -> String {
    u.t(&format!("role.{}", r.as_str())).to_string()
}

fn settings_page(
    u: &WebUser,
    typed: Vec<ReqTyped>,
    saved: bool,
    errs: &FieldErrors,
) -> SettingsPage {
    let errors = Messages::new(u.lang, errs);
    let staff_topics: Vec<Topic> = Topic::ALL
        .into_iter()
        .filter(|t| t.audience() == Audience::Staff)
        .collect();
    let mut fields = Vec::new();
    let rows: Vec<ReqRow> = typed
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let role = sanbao_domain::Role::parse(t.role.trim());
            let topic = Topic::parse(&t.topic);
            let role_name = role.map(|r| role_label(u, r)).unwrap_or_default();
            let topic_name = topic
                .map(|x| topic_label(u, x).to_string())
                .unwrap_or_default();
            let what = if t.fixed {
                format!("{role_name} · {topic_name}")
            } else {
                u.t("training.req.new_row").to_string()
            };
            for (name, id, key) in [
                ("role", format!("rq-{i}-role"), "training.role"),
                ("topic", format!("rq-{i}-topic"), "training.topic"),
                (
                    "period_months",
                    format!("rq-{i}-period"),
                    "training.req.period",
                ),
            ] {
                fields.push(FormField::new(
                    format!("requirements[{i}].{name}"),
                    if t.fixed && name != "period_months" {
                        String::new()
                    } else {
                        id
                    },
                    format!("{what} · {}", u.t(key)),
                ));
            }
            let err = |name: &str| {
                errors
                    .get(&format!("requirements[{i}].{name}"))
                    .map(str::to_string)
            };
            ReqRow {
                i,
                fixed: t.fixed,
                role_label: role_name,
                topic_label: topic_name,
                roles: TRAINED_ROLES
                    .into_iter()
                    .map(|r| Opt {
                        on: role == Some(r),
                        value: r.as_str().into(),
                        label: role_label(u, r),
                    })
                    .collect(),
                topics: staff_topics
                    .iter()
                    .map(|x| Opt {
                        on: topic == Some(*x),
                        value: x.as_str().into(),
                        label: topic_label(u, *x).into(),
                    })
                    .collect(),
                role_error: err("role"),
                topic_error: err("topic"),
                period_error: err("period_months"),
                role: t.role,
                topic: t.topic,
                period: t.period,
                remove: t.remove,
            }
        })
        .collect();
    let form_errors = ErrorSummary::new(u.lang, &errors, &fields, None);
    SettingsPage {
        l: u.layout("training_settings", u.t("training.req.title")),
        rows,
        saved,
        hint: u.lang.f(
            "training.req.hint",
            &[("max", &sanbao_domain::training::PERIOD_MAX_MONTHS)],
        ),
        form_errors,
    }
}

/// `GET /settings/training`: the requirement settings, to change (admin, service manager).
pub async fn settings(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    app::require(&u.user, Permission::ManageTrainingRequirements)?;
    let mut set = app::training::requirements(&state, &u.user).await?;
    set.sort_by_key(|r| (TRAINED_ROLES.iter().position(|x| *x == r.role), r.topic));
    let mut typed: Vec<ReqTyped> = set
        .into_iter()
        .map(|r| ReqTyped {
            fixed: true,
            role: r.role.as_str().into(),
            topic: r.topic.as_str().into(),
            period: r.period_months.to_string(),
            remove: false,
        })
        .collect();
    typed.push(ReqTyped::default());
    render(&settings_page(
        &u,
        typed,
        p.get("saved").is_some(),
        &FieldErrors::new(),
    ))
}

/// `POST /settings/training`: replace the settings with the rows sent (a row ticked to be
/// removed is left out); problems come back named, with what was typed.
pub async fn save_settings(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    app::require(&u.user, Permission::ManageTrainingRequirements)?;
    let mut typed: Vec<ReqTyped> = Vec::new();
    for (k, v) in &form.0 {
        let Some(rest) = k.strip_prefix("requirements[") else {
            continue;
        };
        let Some((n, field)) = rest.split_once("].") else {
            continue;
        };
        let Ok(i) = n.parse::<usize>() else { continue };
        if i >= 100 {
            continue;
        }
        if typed.len() <= i {
            typed.resize(i + 1, ReqTyped::default());
        }
        let row = &mut typed[i];
        match field {
            "fixed" => row.fixed = true,
            "role" => row.role = v.clone(),
            "topic" => row.topic = v.clone(),
            "period_months" => row.period = v.clone(),
            "remove" => row.remove = true,
            _ => {}
        }
    }
    // A removed row is sent to the rule as an empty one: it is left out, and the other
    // rows keep their places for the problems' names.
    let rows: Vec<sanbao_domain::training::RequirementInput> = typed
        .iter()
        .map(|t| {
            if t.remove {
                sanbao_domain::training::RequirementInput::default()
            } else {
                sanbao_domain::training::RequirementInput {
                    role: t.role.clone(),
                    topic: t.topic.clone(),
                    period_months: t.period.clone(),
                }
            }
        })
        .collect();
    match app::training::save_requirements(&state, &u.user, &rows, state.now()).await {
        Ok(_) => Ok(see_other("/settings/training?saved=1")),
        Err(Error::Validation(errs)) => {
            if typed.last().is_none_or(|t| t.fixed) {
                typed.push(ReqTyped::default());
            }
            render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &settings_page(&u, typed, false, &errs),
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /documents/{id}/retire`: retire a document with a reason (the managers); a
/// missing reason comes back named.
pub async fn retire(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = DocumentId(id_of(&id)?);
    let reason = form.text("reason");
    match app::documents::retire(&state, &u.user, id, &reason, state.now()).await {
        Ok(_) => Ok(see_other(&format!("/documents/{id}"))),
        Err(Error::Validation(errs)) => {
            let today = local_date(state.now()).to_string();
            let page = doc_page_with(&state, &u, id, String::new(), today, reason, &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
// ---- end training 2 ----
