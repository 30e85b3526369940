//! The quality engineer's pages (R7.1, R7.2): `/quality?month=&status=` the month's review
//! (every item, its status, the actions carried over from earlier months, close the month
//! once every item is investigated and acted upon) and `/quality/items/{id}` (classify,
//! investigate, add actions, verify their effect, merge the same problem); `POST
//! /quality/make` turns a source record into an item in one step.

use super::Layout;
use super::view::{Choice, ErrorSummary, FormField, Messages, full_time};
use super::{QueryParams, WebError, WebForm, WebResult, WebUser, render, render_with, see_other};
use crate::app;
use crate::app::AppState;
use crate::app::quality::{ItemView, Review};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::field::form::Responsibility;
use sanbao_domain::ids::{QualityActionId, QualityItemId};
use sanbao_domain::quality::{
    ActionInput, ActionKind, ClassifyInput, ItemStatus, Method, QualityAction, QualityItem,
    SourceKind,
};
use sanbao_domain::time::{Month, local_date};
use sanbao_domain::{Error, FieldErrors, Permission, UserId};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/quality", get(review))
        .route("/quality/close", post(close))
        .route("/quality/make", post(make))
        .route("/quality/items/{id}", get(item).post(classify))
        .route("/quality/items/{id}/actions", post(add_action))
        .route(
            "/quality/items/{id}/actions/{action_id}/verify",
            post(verify),
        )
        .route("/quality/items/{id}/merge", post(merge))
}

pub fn status_label(lang: Lang, s: ItemStatus) -> String {
    lang.t(match s {
        ItemStatus::Open => "quality.status.open",
        ItemStatus::Acting => "quality.status.acting",
        ItemStatus::Done => "quality.status.done",
        ItemStatus::Merged => "quality.status.merged",
    })
    .to_string()
}

pub fn source_label(lang: Lang, s: SourceKind) -> String {
    lang.t(match s {
        SourceKind::Complaint => "quality.source.complaint",
        SourceKind::FieldForm => "quality.source.field_form",
        SourceKind::FaultyPart => "quality.source.faulty_part",
        SourceKind::FollowUp => "quality.source.follow_up",
        SourceKind::Return => "quality.source.return",
    })
    .to_string()
}

pub fn method_label(lang: Lang, m: Method) -> String {
    lang.t(match m {
        Method::FiveWhy => "quality.method.five_why",
        Method::Man => "quality.method.man",
        Method::Machine => "quality.method.machine",
        Method::Material => "quality.method.material",
        Method::Method => "quality.method.method",
        Method::Measurement => "quality.method.measurement",
        Method::Environment => "quality.method.environment",
    })
    .to_string()
}

fn kind_label(lang: Lang, k: ActionKind) -> String {
    lang.t(match k {
        ActionKind::Corrective => "quality.action.corrective",
        ActionKind::Preventive => "quality.action.preventive",
    })
    .to_string()
}

fn responsibility_label(lang: Lang, r: Responsibility) -> String {
    lang.t(match r {
        Responsibility::ProductDesign => "form.responsibility.product_design",
        Responsibility::Manufacturing => "form.responsibility.manufacturing",
        Responsibility::PurchasedComponent => "form.responsibility.purchased_component",
        Responsibility::Transport => "form.responsibility.transport",
        Responsibility::Installation => "form.responsibility.installation",
        Responsibility::CustomerOperation => "form.responsibility.customer_operation",
        Responsibility::External => "form.responsibility.external",
        Responsibility::Undetermined => "form.responsibility.undetermined",
    })
    .to_string()
}

/// Where the item's source is read.
fn source_href(i: &QualityItem) -> Option<String> {
    match i.source_kind {
        SourceKind::Complaint => Some(format!("/tickets/{}", i.source_id)),
        SourceKind::FieldForm => Some(format!("/field/forms/{}", i.source_id)),
        SourceKind::FollowUp => Some(format!("/follow-ups/{}", i.source_id)),
        SourceKind::Return => Some(format!("/returns/{}", i.source_id)),
        SourceKind::FaultyPart => None,
    }
}

struct ActionRow {
    id: i64,
    item_href: String,
    verify_action: String,
    version: i64,
    month: String,
    kind: String,
    description: String,
    owner: String,
    due_on: String,
    overdue: bool,
    verified: Option<String>,
}

fn action_row(u: &WebUser, a: &QualityAction, today: chrono::NaiveDate) -> ActionRow {
    ActionRow {
        id: a.id.0,
        item_href: format!("/quality/items/{}", a.item_id),
        verify_action: format!("/quality/items/{}/actions/{}/verify", a.item_id, a.id),
        version: a.version,
        month: a.month.clone(),
        kind: kind_label(u.lang, a.kind),
        description: a.description.clone(),
        owner: a
            .owner_name
            .clone()
            .or_else(|| a.owner_department.clone())
            .unwrap_or_default(),
        due_on: a.due_on.to_string(),
        overdue: a.overdue(today),
        verified: a.verified_at.map(|at| {
            format!(
                "{} · {}",
                full_time(at),
                a.verification_note.clone().unwrap_or_default()
            )
        }),
    }
}

struct ItemRow {
    id: i64,
    href: String,
    source: String,
    summary: String,
    model: String,
    cause: String,
    responsibility: String,
    root_cause: String,
    status: &'static str,
    status_label: String,
    actions: usize,
}

fn item_row(u: &WebUser, i: &QualityItem, status: ItemStatus, actions: usize) -> ItemRow {
    ItemRow {
        id: i.id.0,
        href: format!("/quality/items/{}", i.id),
        source: format!("{} #{}", source_label(u.lang, i.source_kind), i.source_id),
        summary: i.summary.clone(),
        model: i.product_model.clone().unwrap_or_default(),
        cause: i.cause.clone().unwrap_or_default(),
        responsibility: i
            .responsibility
            .map(|r| responsibility_label(u.lang, r))
            .unwrap_or_default(),
        root_cause: i.root_cause.clone().unwrap_or_default(),
        status: status.as_str(),
        status_label: status_label(u.lang, status),
        actions,
    }
}

#[derive(Template)]
#[template(path = "quality_review.html")]
struct ReviewPage {
    l: Layout,
    month: String,
    previous: String,
    next: String,
    statuses: Vec<Choice>,
    rows: Vec<ItemRow>,
    total: usize,
    carried: Vec<ActionRow>,
    blocked: Option<String>,
    closed: Option<String>,
    close_error: Option<String>,
    just_closed: bool,
}

fn month_link(m: Month, status: &str) -> String {
    super::url_with("/quality", &[("month", &m.to_string()), ("status", status)])
}

fn review_page(
    state: &AppState,
    u: &WebUser,
    m: Month,
    status: &str,
    r: Review,
    close_error: Option<String>,
    just_closed: bool,
) -> ReviewPage {
    let today = local_date(state.now());
    let mut statuses = vec![Choice::new("", u.t("quality.status.all"), status)];
    statuses.extend(
        ItemStatus::ALL
            .iter()
            .map(|s| Choice::new(s.as_str(), status_label(u.lang, *s), status)),
    );
    let total = r.rows.len();
    let rows = r
        .rows
        .iter()
        .filter(|row| status.is_empty() || row.status.as_str() == status)
        .map(|row| item_row(u, &row.item, row.status, row.actions.len()))
        .collect();
    let blocked = (!r.blockers.is_empty()).then(|| {
        u.lang.f(
            "quality.blocked",
            &[
                ("uninvestigated", &r.blockers.uninvestigated.len()),
                ("without_action", &r.blockers.without_action.len()),
            ],
        )
    });
    ReviewPage {
        l: u.layout("quality", u.t("quality.title")),
        previous: month_link(m.previous(), status),
        next: month_link(m.next(), status),
        statuses,
        rows,
        total,
        carried: r
            .carried_over
            .iter()
            .map(|a| action_row(u, a, today))
            .collect(),
        blocked,
        closed: r.closing.as_ref().map(|k| {
            u.lang.f(
                "quality.closed_at",
                &[("at", &full_time(k.closed_at)), ("items", &k.items)],
            )
        }),
        close_error,
        just_closed,
        month: m.to_string(),
    }
}

fn month_param(state: &AppState, s: Option<&str>) -> WebResult<Month> {
    match s {
        None => Ok(Month::of(state.now())),
        Some(s) => Ok(Month::parse(s).map_err(|e| Error::field("month", e))?),
    }
}

/// `GET /quality?month=YYYY-MM&status=`: the month's review.
pub async fn review(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let m = month_param(&state, p.filled("month"))?;
    let status = p
        .filled("status")
        .and_then(ItemStatus::parse)
        .map(ItemStatus::as_str)
        .unwrap_or("");
    let r = app::quality::review(&state, &u.user, m).await?;
    render(&review_page(
        &state,
        &u,
        m,
        status,
        r,
        None,
        p.filled("closed").is_some(),
    ))
}

/// `POST /quality/close` (`month`): close the month once; refused while items lack
/// investigation or action (the page again, saying why).
pub async fn close(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let m = Month::parse(&form.text("month")).map_err(|e| Error::field("month", e))?;
    match app::quality::close(&state, &u.user, m, state.now()).await {
        Ok(_) => Ok(see_other(&super::url_with(
            "/quality",
            &[("month", &m.to_string()), ("closed", "1")],
        ))),
        Err(Error::Validation(_)) => {
            let r = app::quality::review(&state, &u.user, m).await?;
            let msg = u.t("quality.close_refused").to_string();
            render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &review_page(&state, &u, m, "", r, Some(msg), false),
            )
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /quality/make` (`source_kind`, `source_id`): a source made an item in one step
/// (once: sent again, the item already made is shown).
pub async fn make(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = form.text("source_id").trim().parse::<i64>().ok();
    let kind = form.text("source_kind");
    let (item, _) = app::quality::make_item(&state, &u.user, Some(&kind), id, state.now()).await?;
    Ok(see_other(&format!("/quality/items/{}?made=1", item.id)))
}

// ---------------------------------------------------------------------------------------
// One item.

#[derive(Default)]
struct Typed {
    product_model: String,
    component: String,
    fault_category: String,
    cause: String,
    responsibility: String,
    summary: String,
    root_cause: String,
    method: String,
}

impl Typed {
    fn of(i: &QualityItem) -> Typed {
        Typed {
            product_model: i.product_model.clone().unwrap_or_default(),
            component: i.component.clone().unwrap_or_default(),
            fault_category: i.fault_category.clone().unwrap_or_default(),
            cause: i.cause.clone().unwrap_or_default(),
            responsibility: i
                .responsibility
                .map(|r| r.as_str().to_string())
                .unwrap_or_default(),
            summary: i.summary.clone(),
            root_cause: i.root_cause.clone().unwrap_or_default(),
            method: i.method.map(|m| m.as_str().to_string()).unwrap_or_default(),
        }
    }
}

#[derive(Default)]
struct TypedAction {
    kind: String,
    description: String,
    owner_department: String,
    owner_user_id: String,
    due_on: String,
}

#[derive(Template)]
#[template(path = "quality_item.html")]
struct ItemPage {
    l: Layout,
    id: i64,
    version: i64,
    month: String,
    review_href: String,
    source: String,
    source_href: Option<String>,
    status: &'static str,
    status_label: String,
    merged_into: Option<String>,
    merged: Vec<ItemRow>,
    closed: bool,
    f: Typed,
    a: TypedAction,
    responsibilities: Vec<Choice>,
    methods: Vec<Choice>,
    kinds: Vec<Choice>,
    people: Vec<Choice>,
    actions: Vec<ActionRow>,
    errors: Messages,
    form_errors: ErrorSummary,
    notice: Option<String>,
}

fn fields(u: &WebUser) -> Vec<FormField> {
    vec![
        FormField::new("summary", "summary", u.t("quality.summary")),
        FormField::new("product_model", "product_model", u.t("quality.model")),
        FormField::new("component", "component", u.t("quality.component")),
        FormField::new(
            "fault_category",
            "fault_category",
            u.t("quality.fault_category"),
        ),
        FormField::new("cause", "cause", u.t("quality.cause")),
        FormField::new(
            "responsibility",
            "responsibility",
            u.t("quality.responsibility"),
        ),
        FormField::new("root_cause", "root_cause", u.t("quality.root_cause")),
        FormField::new("method", "method", u.t("quality.method")),
        FormField::new("kind", "kind", u.t("quality.action_kind")),
        FormField::new("description", "description", u.t("quality.action_text")),
        FormField::new("owner", "owner_department", u.t("quality.owner")),
        FormField::new(
            "owner_department",
            "owner_department",
            u.t("quality.owner_department"),
        ),
        FormField::new(
            "owner_user_id",
            "owner_user_id",
            u.t("quality.owner_person"),
        ),
        FormField::new("due_on", "due_on", u.t("quality.due_on")),
        FormField::new("note", "", u.t("quality.verify_note")),
        FormField::new("items", "items", u.t("quality.merge_items")),
        FormField::new("version", "", u.t("quality.version")),
    ]
}

async fn item_page(
    state: &AppState,
    u: &WebUser,
    v: ItemView,
    f: Option<Typed>,
    a: TypedAction,
    errs: &FieldErrors,
    notice: Option<String>,
) -> WebResult<ItemPage> {
    let today = local_date(state.now());
    let i = &v.item;
    let f = f.unwrap_or_else(|| Typed::of(i));
    let mut responsibilities = vec![Choice::new("", u.t("quality.none"), &f.responsibility)];
    responsibilities.extend(Responsibility::ALL.iter().map(|r| {
        Choice::new(
            r.as_str(),
            responsibility_label(u.lang, *r),
            &f.responsibility,
        )
    }));
    let mut methods = vec![Choice::new("", u.t("quality.none"), &f.method)];
    methods.extend(
        Method::ALL
            .iter()
            .map(|m| Choice::new(m.as_str(), method_label(u.lang, *m), &f.method)),
    );
    let kind = if a.kind.is_empty() {
        "corrective"
    } else {
        a.kind.as_str()
    };
    let kinds = ActionKind::ALL
        .iter()
        .map(|k| Choice::new(k.as_str(), kind_label(u.lang, *k), kind))
        .collect();
    let mut people = vec![Choice::new("", u.t("quality.none"), &a.owner_user_id)];
    let mut staff = app::users::users(state, &u.user, None).await?;
    staff.retain(|p| p.role.is_staff());
    sanbao_domain::people::sort_by_pinyin(&mut staff, |p| p.display_name.as_str());
    people.extend(
        staff
            .iter()
            .map(|p| Choice::new(p.id.0.to_string(), p.display_name.clone(), &a.owner_user_id)),
    );
    let errors = Messages::new(u.lang, errs);
    let form_errors = ErrorSummary::new(u.lang, &errors, &fields(u), None);
    Ok(ItemPage {
        l: u.layout("quality", u.lang.f("quality.item_title", &[("id", &i.id)])),
        id: i.id.0,
        version: i.version,
        month: i.month.clone(),
        review_href: super::url_with("/quality", &[("month", &i.month)]),
        source: format!("{} #{}", source_label(u.lang, i.source_kind), i.source_id),
        source_href: source_href(i),
        status: v.status.as_str(),
        status_label: status_label(u.lang, v.status),
        merged_into: i.merged_into.map(|m| format!("/quality/items/{m}")),
        merged: v
            .merged
            .iter()
            .map(|m| item_row(u, m, ItemStatus::Merged, 0))
            .collect(),
        closed: v.closed,
        f,
        a,
        responsibilities,
        methods,
        kinds,
        people,
        actions: v.actions.iter().map(|x| action_row(u, x, today)).collect(),
        errors,
        form_errors,
        notice,
    })
}

fn id_of(s: &str) -> WebResult<QualityItemId> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(QualityItemId)
        .ok_or_else(|| WebError::not_found("quality item"))
}

/// `GET /quality/items/{id}`.
pub async fn item(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let v = app::quality::item(&state, &u.user, id_of(&id)?).await?;
    let notice = ["made", "saved", "acted", "verified", "merged"]
        .iter()
        .find(|k| p.filled(k).is_some())
        .map(|k| {
            u.t(match *k {
                "made" => "quality.notice.made",
                "saved" => "quality.notice.saved",
                "acted" => "quality.notice.acted",
                "verified" => "quality.notice.verified",
                _ => "quality.notice.merged",
            })
            .to_string()
        });
    let page = item_page(
        &state,
        &u,
        v,
        None,
        TypedAction::default(),
        &FieldErrors::new(),
        notice,
    )
    .await?;
    render(&page)
}

async fn again(
    state: &AppState,
    u: &WebUser,
    id: QualityItemId,
    f: Option<Typed>,
    a: TypedAction,
    e: Error,
) -> WebResult<Response> {
    match e {
        Error::Validation(errs) => {
            let v = app::quality::item(state, &u.user, id).await?;
            let page = item_page(state, u, v, f, a, &errs, None).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        e => Err(e.into()),
    }
}

/// `POST /quality/items/{id}`: classify and investigate, on the version read.
pub async fn classify(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = id_of(&id)?;
    let f = Typed {
        product_model: form.text("product_model"),
        component: form.text("component"),
        fault_category: form.text("fault_category"),
        cause: form.text("cause"),
        responsibility: form.text("responsibility"),
        summary: form.text("summary"),
        root_cause: form.text("root_cause"),
        method: form.text("method"),
    };
    let input = ClassifyInput {
        product_model: Some(f.product_model.clone()),
        component: Some(f.component.clone()),
        fault_category: Some(f.fault_category.clone()),
        cause: Some(f.cause.clone()),
        responsibility: Some(f.responsibility.clone()),
        summary: Some(f.summary.clone()),
        root_cause: Some(f.root_cause.clone()),
        method: Some(f.method.clone()),
    };
    let version = form.text("version").trim().parse::<i64>().unwrap_or(0);
    match app::quality::classify(&state, &u.user, id, version, &input, state.now()).await {
        Ok(_) => Ok(see_other(&format!("/quality/items/{id}?saved=1"))),
        Err(e) => again(&state, &u, id, Some(f), TypedAction::default(), e).await,
    }
}

/// `POST /quality/items/{id}/actions`: add an action.
pub async fn add_action(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = id_of(&id)?;
    let a = TypedAction {
        kind: form.text("kind"),
        description: form.text("description"),
        owner_department: form.text("owner_department"),
        owner_user_id: form.text("owner_user_id"),
        due_on: form.text("due_on"),
    };
    let input = ActionInput {
        kind: Some(a.kind.clone()),
        description: Some(a.description.clone()),
        owner_department: Some(a.owner_department.clone()),
        owner_user_id: a.owner_user_id.trim().parse::<i64>().ok().map(UserId),
        due_on: Some(a.due_on.clone()),
    };
    match app::quality::add_action(&state, &u.user, id, &input, state.now()).await {
        Ok(_) => Ok(see_other(&format!("/quality/items/{id}?acted=1"))),
        Err(e) => again(&state, &u, id, None, a, e).await,
    }
}

/// `POST /quality/items/{id}/actions/{action_id}/verify`: the verification of its effect.
pub async fn verify(
    State(state): State<AppState>,
    Path((id, action_id)): Path<(String, String)>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = id_of(&id)?;
    let action_id = action_id
        .parse::<i64>()
        .map(QualityActionId)
        .map_err(|_| WebError::not_found("quality action"))?;
    let version = form.text("version").trim().parse::<i64>().unwrap_or(0);
    let note = form.text("note");
    match app::quality::verify_action(
        &state,
        &u.user,
        action_id,
        version,
        Some(&note),
        state.now(),
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!("/quality/items/{id}?verified=1"))),
        Err(e) => again(&state, &u, id, None, TypedAction::default(), e).await,
    }
}

/// `POST /quality/items/{id}/merge` (`items`: the numbers of the same problem's items).
pub async fn merge(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = id_of(&id)?;
    let text = form.text("items");
    let mut others = Vec::new();
    for part in text
        .split([',', '，', ' '])
        .filter(|s| !s.trim().is_empty())
    {
        match part.trim().trim_start_matches('#').parse::<i64>() {
            Ok(n) => others.push(QualityItemId(n)),
            Err(_) => {
                let e = Error::field(
                    "items",
                    sanbao_domain::Problem::invalid("item numbers separated by commas"),
                );
                return again(&state, &u, id, None, TypedAction::default(), e).await;
            }
        }
    }
    match app::quality::merge(&state, &u.user, id, &others, state.now()).await {
        Ok(_) => Ok(see_other(&format!("/quality/items/{id}?merged=1"))),
        Err(e) => again(&state, &u, id, None, TypedAction::default(), e).await,
    }
}

/// Whether the "make a quality item" button shows for a user.
pub fn may_make(u: &WebUser) -> bool {
    u.may(Permission::ReviewQuality)
}
