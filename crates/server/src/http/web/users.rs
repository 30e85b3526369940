//! Accounts: the administrator's list of people who sign in (`/settings/users`), adding
//! one, changing one (name, role, deactivation, a new password) with its history; and
//! everyone's own password (`/account/password`).

use super::view::{
    Choice, ErrorSummary, FormField, HistoryLine, Messages, full_time,
    history_lines as history_lines_in,
};
use super::{Layout, QueryParams, WebForm, WebResult, WebUser, render, render_with, see_other};
use crate::app::{self, AppState};
use crate::http::session::{ClientAddress, token};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use sanbao_domain::audit::AuditEntry;
use sanbao_domain::user::{NewUser, User, UserChange};
use sanbao_domain::{Error, FieldErrors, Permission, Problem, Role, UserId};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/settings/users", get(list).post(create))
        .route("/settings/users/{id}", get(detail).post(change))
        .route(
            "/account/password",
            get(password_page).post(change_password),
        )
}

const HERE: &str = "/settings/users";

fn guard(u: &WebUser) -> WebResult<()> {
    if u.may(Permission::ManageUsers) {
        Ok(())
    } else {
        Err(Error::Forbidden.into())
    }
}

fn role_label(lang: Lang, r: Role) -> String {
    lang.t(&format!("role.{}", r.as_str())).to_string()
}

fn role_choices(lang: Lang, current: &str) -> Vec<Choice> {
    Role::ALL
        .iter()
        .filter(|r| r.is_staff())
        .map(|r| Choice::new(r.as_str(), role_label(lang, *r), current))
        .collect()
}

struct UserLine {
    id: i64,
    name: String,
    username: String,
    role: String,
    active: bool,
    created: String,
}

/// The new account's fields as typed.
#[derive(Default)]
struct NewTyped {
    username: String,
    display_name: String,
    role: String,
}

#[derive(Template)]
#[template(path = "users_list.html")]
struct ListPage {
    l: Layout,
    done: Option<&'static str>,
    users: Vec<UserLine>,
    active_count: usize,
    typed: NewTyped,
    roles: Vec<Choice>,
    errors: Messages,
    form_errors: ErrorSummary,
}

async fn list_page(
    state: &AppState,
    u: &WebUser,
    typed: NewTyped,
    errors: Messages,
    done: Option<&'static str>,
) -> WebResult<ListPage> {
    let lang = u.lang;
    let all = app::users::all_users(state, &u.user).await?;
    let users: Vec<UserLine> = all
        .iter()
        .filter(|p| p.role.is_staff())
        .map(|p| UserLine {
            id: p.id.0,
            name: p.display_name.clone(),
            username: p.username.clone(),
            role: role_label(lang, p.role),
            active: p.active,
            created: full_time(p.created_at),
        })
        .collect();
    let fields = [
        FormField::new("username", "username", u.t("users.username")),
        FormField::new("display_name", "display_name", u.t("users.display_name")),
        FormField::new("role", "role", u.t("users.role")),
        FormField::new("password", "password", u.t("users.initial_password")),
    ];
    let form_errors = ErrorSummary::new(lang, &errors, &fields, None);
    Ok(ListPage {
        l: u.layout("users", u.t("users.title")),
        done: done.map(|k| u.t(k)),
        active_count: users.iter().filter(|p| p.active).count(),
        users,
        roles: role_choices(lang, &typed.role),
        typed,
        errors,
        form_errors,
    })
}

/// `GET /settings/users`
pub async fn list(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    guard(&u)?;
    let done = match p.filled("done") {
        Some("created") => Some("users.done.created"),
        Some("changed") => Some("users.done.changed"),
        _ => None,
    };
    let typed = NewTyped {
        role: Role::ServiceClerk.as_str().into(),
        ..NewTyped::default()
    };
    render(&list_page(&state, &u, typed, Messages::default(), done).await?)
}

/// `POST /settings/users`: add an account.
pub async fn create(
    State(state): State<AppState>,
    WebForm { user: mut u, form }: WebForm,
) -> WebResult<Response> {
    guard(&u)?;
    let typed = NewTyped {
        username: form.text("username"),
        display_name: form.text("display_name"),
        role: form.text("role"),
    };
    let password = form.get("password").unwrap_or_default();
    let res = match NewUser::parse(&typed.username, &typed.display_name, &typed.role, password) {
        Ok(new) => app::users::create_user(&state, &u.user, &new, password, state.now()).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(_) => Ok(see_other(&format!("{HERE}?done=created"))),
        Err(Error::Validation(errs)) => {
            u.unread = app::inbox::unread(&state, u.user.id).await?;
            let errors = Messages::new(u.lang, &errs);
            let page = list_page(&state, &u, typed, errors, None).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// An account's history in words: roles and states named, notes told.
fn history_lines(lang: Lang, trail: Vec<AuditEntry>) -> Vec<HistoryLine> {
    let value = |field: &str, v: &serde_json::Value| -> String {
        match (field, v) {
            (_, serde_json::Value::Null) => lang.t("common.none").to_string(),
            ("role", serde_json::Value::String(r)) => lang.t(&format!("role.{r}")).to_string(),
            ("active", serde_json::Value::Bool(b)) => lang
                .t(if *b { "users.active" } else { "users.inactive" })
                .to_string(),
            (_, serde_json::Value::String(s)) => s.clone(),
            (_, other) => other.to_string(),
        }
    };
    history_lines_in(
        trail,
        lang.t("users.by_system"),
        |action| lang.t(&format!("users.action.{action}")).to_string(),
        |note| note_words(lang, note),
        |field, b, a| {
            format!(
                "{}: {} → {}",
                lang.t(&format!("users.field.{field}")),
                value(field, b),
                value(field, a)
            )
        },
    )
}

/// An account history's note in words: its parts are `password_reset` and
/// `sessions_ended=N`; anything else is shown as written.
fn note_words(lang: Lang, note: &str) -> String {
    note.split(';')
        .map(str::trim)
        .map(|part| match part.split_once('=') {
            Some(("sessions_ended", n)) => lang.f("users.note.sessions_ended", &[("n", &n)]),
            None if part == "password_reset" => lang.t("users.note.password_reset").to_string(),
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The account form's fields as typed (or as stored).
struct ChangeTyped {
    display_name: String,
    role: String,
    active: bool,
}

#[derive(Template)]
#[template(path = "users_detail.html")]
struct DetailPage {
    l: Layout,
    id: i64,
    username: String,
    version: i64,
    is_self: bool,
    typed: ChangeTyped,
    roles: Vec<Choice>,
    history: Vec<HistoryLine>,
    errors: Messages,
    form_errors: ErrorSummary,
}

async fn detail_page(
    state: &AppState,
    u: &WebUser,
    target: &User,
    typed: Option<ChangeTyped>,
    errors: Messages,
) -> WebResult<DetailPage> {
    let lang = u.lang;
    let typed = typed.unwrap_or_else(|| ChangeTyped {
        display_name: target.display_name.clone(),
        role: target.role.as_str().into(),
        active: target.active,
    });
    let trail = app::users::history(state, &u.user, target.id).await?;
    let fields = [
        FormField::new("display_name", "display_name", u.t("users.display_name")),
        FormField::new("role", "role", u.t("users.role")),
        FormField::new("active", "active", u.t("users.may_sign_in")),
        FormField::new("password", "password", u.t("users.new_password")),
    ];
    let form_errors = ErrorSummary::new(lang, &errors, &fields, None);
    Ok(DetailPage {
        l: u.layout("users", target.display_name.clone()),
        id: target.id.0,
        username: target.username.clone(),
        version: target.version,
        is_self: target.id == u.user.id,
        roles: role_choices(lang, &typed.role),
        typed,
        history: history_lines(lang, trail),
        errors,
        form_errors,
    })
}

/// `GET /settings/users/{id}`
pub async fn detail(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    guard(&u)?;
    let target = app::users::user(&state, &u.user, UserId(id)).await?;
    render(&detail_page(&state, &u, &target, None, Messages::default()).await?)
}

/// `POST /settings/users/{id}`: change the account at the version shown.
pub async fn change(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    WebForm { user: mut u, form }: WebForm,
) -> WebResult<Response> {
    guard(&u)?;
    let typed = ChangeTyped {
        display_name: form.text("display_name"),
        role: form.text("role"),
        active: form.filled("active").is_some(),
    };
    let version = form
        .filled("version")
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| Error::field("version", Problem::invalid("not a version")))?;
    let password = form.filled("password");
    let res = app::users::change_user(
        &state,
        &u.user,
        UserId(id),
        version,
        |target| {
            UserChange::parse(
                target,
                Some(&typed.display_name),
                Some(&typed.role),
                Some(typed.active),
                password,
            )
        },
        state.now(),
    )
    .await;
    match res {
        Ok(_) => Ok(see_other(&format!("{HERE}?done=changed"))),
        Err(Error::Validation(errs)) => {
            u.unread = app::inbox::unread(&state, u.user.id).await?;
            let target = app::users::user(&state, &u.user, UserId(id)).await?;
            let errors = Messages::new(u.lang, &errs);
            let page = detail_page(&state, &u, &target, Some(typed), errors).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "users_password.html")]
struct PasswordPage {
    l: Layout,
    done: bool,
    errors: Messages,
    form_errors: ErrorSummary,
}

fn password_form(u: &WebUser, done: bool, errors: Messages) -> PasswordPage {
    let fields = [
        FormField::new(
            "current_password",
            "current_password",
            u.t("users.current_password"),
        ),
        FormField::new("new_password", "new_password", u.t("users.new_password")),
        FormField::new("repeat", "repeat", u.t("users.repeat_password")),
    ];
    let form_errors = ErrorSummary::new(u.lang, &errors, &fields, None);
    PasswordPage {
        l: u.layout("account", u.t("users.password_title")),
        done,
        errors,
        form_errors,
    }
}

/// `GET /account/password`
pub async fn password_page(u: WebUser, QueryParams(p): QueryParams) -> WebResult<Response> {
    render(&password_form(
        &u,
        p.filled("done").is_some(),
        Messages::default(),
    ))
}

/// `POST /account/password`: change one's own password; other sessions end.
pub async fn change_password(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    WebForm { user: mut u, form }: WebForm,
) -> WebResult<Response> {
    let current = form.get("current_password").unwrap_or_default();
    let new = form.get("new_password").unwrap_or_default();
    let res = if new != form.get("repeat").unwrap_or_default() {
        Err(Error::field(
            "repeat",
            Problem::new("mismatch", "the two new passwords differ"),
        ))
    } else {
        let session = token(&headers).map(|(t, _)| app::sessions::token_hash(&t));
        app::sessions::change_password(
            &state,
            &u.user,
            session.as_deref().unwrap_or_default(),
            current,
            new,
            &address,
            state.now(),
        )
        .await
    };
    match res {
        Ok(()) => Ok(see_other("/account/password?done=1")),
        Err(Error::Validation(errs)) => sent_back(&state, &mut u, &errs).await,
        Err(Error::TooManyAttempts { .. }) => {
            let errs = FieldErrors::single(
                "current_password",
                Problem::new("too_many", "too many wrong passwords; wait and try again"),
            );
            sent_back(&state, &mut u, &errs).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn sent_back(state: &AppState, u: &mut WebUser, errs: &FieldErrors) -> WebResult<Response> {
    u.unread = app::inbox::unread(state, u.user.id).await?;
    let page = password_form(u, false, Messages::new(u.lang, errs));
    render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accounts_history_reads_in_words() {
        let lang = Lang::En;
        let at =
            chrono::DateTime::<chrono::Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let entry = |action: &str, before, after, note: Option<&str>| AuditEntry {
            id: 1,
            entity: "user".into(),
            entity_id: 2,
            action: action.into(),
            actor_id: None,
            actor_name: Some("管理员".into()),
            at,
            note: note.map(str::to_string),
            before,
            after,
        };
        let lines = history_lines(
            lang,
            vec![
                entry(
                    "create",
                    serde_json::Value::Null,
                    serde_json::json!({}),
                    None,
                ),
                entry(
                    "deactivate",
                    serde_json::json!({"active": true, "role": "service_clerk"}),
                    serde_json::json!({"active": false, "role": "technician"}),
                    Some("password_reset;sessions_ended=2"),
                ),
            ],
        );
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].action, "Deactivated");
        assert_eq!(
            lines[0].changes,
            [
                "May sign in: Active → Deactivated",
                "Role: Service clerk → Technician"
            ]
        );
        assert_eq!(
            lines[0].note.as_deref(),
            Some("A new password was set; 2 sessions ended")
        );
        assert_eq!(lines[1].action, "Created");
        assert!(lines[1].changes.is_empty());
    }
}
