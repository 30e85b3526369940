//! The administrator's page of where notifications go (`/settings/notifications`): the
//! mail server, the chat robots (the department's group or one person's), people's
//! e-mail addresses, and a test message per channel. A password or secret is never put
//! back into the page: it shows only that one is set, and an empty field keeps it.

use super::extract::Pairs;
use super::view::{Choice, ErrorSummary, FormField, Messages};
use super::{
    Layout, QueryParams, WebError, WebForm, WebResult, WebUser, render, render_with, see_other,
};
use crate::app::{self, AppState};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::notify::{
    MailSettings, MailSettingsInput, RobotInput, RobotKind, SmtpSecurity, masked_url,
};
use sanbao_domain::{Error, FieldErrors, Permission, UserId};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/settings/notifications", get(page))
        .route("/settings/notifications/test", post(test_notice))
        .route("/settings/notifications/mail", post(save_mail))
        .route("/settings/notifications/mail/test", post(test_mail))
        .route("/settings/notifications/robots", post(add_robot))
        .route(
            "/settings/notifications/robots/{id}/enabled",
            post(robot_enabled),
        )
        .route(
            "/settings/notifications/robots/{id}/delete",
            post(remove_robot),
        )
        .route("/settings/notifications/robots/{id}/test", post(test_robot))
        .route("/settings/notifications/users/{id}/email", post(set_email))
}

const HERE: &str = "/settings/notifications";

fn kind_label(lang: Lang, k: RobotKind) -> &'static str {
    match k {
        RobotKind::Wecom => lang.t("notify.kind.wecom"),
        RobotKind::Dingtalk => lang.t("notify.kind.dingtalk"),
        RobotKind::Feishu => lang.t("notify.kind.feishu"),
    }
}

fn security_label(lang: Lang, s: SmtpSecurity) -> &'static str {
    match s {
        SmtpSecurity::Starttls => lang.t("notify.security.starttls"),
        SmtpSecurity::Tls => lang.t("notify.security.tls"),
        SmtpSecurity::None => lang.t("notify.security.none"),
    }
}

/// The mail form's fields as typed (or as stored).
#[derive(Default)]
struct MailTyped {
    host: String,
    port: String,
    security: String,
    username: String,
    from_address: String,
    site_url: String,
    enabled: bool,
}

impl MailTyped {
    fn stored(s: Option<&MailSettings>) -> Self {
        match s {
            None => MailTyped {
                port: "587".into(),
                security: "starttls".into(),
                enabled: true,
                ..MailTyped::default()
            },
            Some(s) => MailTyped {
                host: s.host.clone(),
                port: s.port.to_string(),
                security: s.security.as_str().into(),
                username: s.username.clone().unwrap_or_default(),
                from_address: s.from_address.clone(),
                site_url: s.site_url.clone().unwrap_or_default(),
                enabled: s.enabled,
            },
        }
    }

    fn from_form(f: &Pairs) -> Self {
        MailTyped {
            host: f.text("host"),
            port: f.text("port"),
            security: f.text("security"),
            username: f.text("username"),
            from_address: f.text("from_address"),
            site_url: f.text("site_url"),
            enabled: f.filled("enabled").is_some(),
        }
    }
}

/// The new robot's fields as typed.
struct RobotTyped {
    kind: String,
    name: String,
    url: String,
    who: String,
    enabled: bool,
}

impl Default for RobotTyped {
    fn default() -> Self {
        RobotTyped {
            kind: "dingtalk".into(),
            name: String::new(),
            url: String::new(),
            who: String::new(),
            enabled: true,
        }
    }
}

/// What was typed into one of the page's forms, sent back with its problems.
#[derive(Default)]
struct Typed {
    mail: Option<MailTyped>,
    robot: RobotTyped,
    test_to: Option<String>,
    /// The person whose address was typed, and what.
    email: Option<(i64, String)>,
    errors: Messages,
}

struct RobotLine {
    id: i64,
    name: String,
    kind_label: &'static str,
    who: String,
    url: String,
    secret_set: bool,
    enabled: bool,
}

struct PersonLine {
    id: i64,
    name: String,
    username: String,
    role: String,
    email: String,
    /// The row the error belongs to.
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "notify_settings.html")]
struct SettingsPage {
    l: Layout,
    done: Option<&'static str>,
    mail: MailTyped,
    securities: Vec<Choice>,
    password_set: bool,
    configured: bool,
    test_to: String,
    robots: Vec<RobotLine>,
    robot: RobotTyped,
    kinds: Vec<Choice>,
    whos: Vec<Choice>,
    people: Vec<PersonLine>,
    errors: Messages,
    form_errors: ErrorSummary,
}

async fn settings_page(
    state: &AppState,
    u: &WebUser,
    typed: Typed,
    done: Option<&'static str>,
) -> WebResult<SettingsPage> {
    let lang = u.lang;
    let s = app::notify_settings::settings(state, &u.user).await?;
    let mail = typed
        .mail
        .unwrap_or_else(|| MailTyped::stored(s.mail.as_ref()));
    let securities = SmtpSecurity::ALL
        .iter()
        .map(|k| Choice::new(k.as_str(), security_label(lang, *k), &mail.security))
        .collect();
    let kinds = RobotKind::ALL
        .iter()
        .map(|k| Choice::new(k.as_str(), kind_label(lang, *k), &typed.robot.kind))
        .collect();
    let mut whos = vec![Choice::new(
        "",
        lang.t("notify.who.department"),
        &typed.robot.who,
    )];
    whos.extend(
        s.people
            .iter()
            .filter(|(p, _)| p.active)
            .map(|(p, _)| Choice::new(p.id.0.to_string(), &p.display_name, &typed.robot.who)),
    );
    let name_of = |id: UserId| {
        s.people
            .iter()
            .find(|(p, _)| p.id == id)
            .map_or_else(String::new, |(p, _)| p.display_name.clone())
    };
    let robots = s
        .robots
        .iter()
        .map(|r| RobotLine {
            id: r.id,
            name: r.name.clone(),
            kind_label: kind_label(lang, r.kind),
            who: r
                .user_id
                .map_or_else(|| lang.t("notify.who.department").to_string(), name_of),
            url: masked_url(&r.url),
            secret_set: r.secret_set,
            enabled: r.enabled,
        })
        .collect();
    let people = s
        .people
        .iter()
        .map(|(p, e)| {
            let typed_here = typed.email.as_ref().filter(|(id, _)| *id == p.id.0);
            PersonLine {
                id: p.id.0,
                name: p.display_name.clone(),
                username: p.username.clone(),
                role: lang.t(&format!("role.{}", p.role.as_str())).to_string(),
                email: typed_here.map_or_else(|| e.clone().unwrap_or_default(), |(_, t)| t.clone()),
                error: typed_here.and_then(|_| typed.errors.get("email").map(str::to_string)),
            }
        })
        .collect();
    let own_email = s
        .people
        .iter()
        .find(|(p, _)| p.id == u.user.id)
        .and_then(|(_, e)| e.clone())
        .unwrap_or_default();
    let fields = [
        FormField::new("host", "host", u.t("notify.host")),
        FormField::new("port", "port", u.t("notify.port")),
        FormField::new("security", "security", u.t("notify.security")),
        FormField::new("username", "username", u.t("notify.username")),
        FormField::new("password", "password", u.t("notify.password")),
        FormField::new("from_address", "from_address", u.t("notify.from_address")),
        FormField::new("site_url", "site_url", u.t("notify.site_url")),
        FormField::new("to", "test_to", u.t("notify.test_to")),
        FormField::new("kind", "robot_kind", u.t("notify.robot_kind")),
        FormField::new("name", "robot_name", u.t("notify.robot_name")),
        FormField::new("url", "robot_url", u.t("notify.robot_url")),
        FormField::new("secret", "robot_secret", u.t("notify.robot_secret")),
        FormField::new("user_id", "robot_who", u.t("notify.robot_who")),
        FormField::new(
            "email",
            typed
                .email
                .as_ref()
                .map_or_else(String::new, |(id, _)| format!("email-{id}")),
            u.t("inbox.email"),
        ),
    ];
    let form_errors = ErrorSummary::new(lang, &typed.errors, &fields, None);
    Ok(SettingsPage {
        l: u.layout("notify", u.t("notify.title")),
        done: done.map(|k| u.t(k)),
        password_set: s.mail.as_ref().is_some_and(|m| m.password_set),
        configured: s.mail.is_some(),
        test_to: typed.test_to.unwrap_or(own_email),
        mail,
        securities,
        robots,
        robot: typed.robot,
        kinds,
        whos,
        people,
        errors: typed.errors,
        form_errors,
    })
}

fn guard(u: &WebUser) -> WebResult<()> {
    if u.may(Permission::ManageNotifications) {
        Ok(())
    } else {
        Err(Error::Forbidden.into())
    }
}

/// `GET /settings/notifications`
pub async fn page(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    guard(&u)?;
    let done = match p.filled("done") {
        Some("mail") => Some("notify.done.mail"),
        Some("mail_test") => Some("notify.done.mail_test"),
        Some("robot") => Some("notify.done.robot"),
        Some("robot_test") => Some("notify.done.robot_test"),
        Some("robot_on") => Some("notify.done.robot_on"),
        Some("robot_off") => Some("notify.done.robot_off"),
        Some("robot_removed") => Some("notify.done.robot_removed"),
        Some("email") => Some("notify.done.email"),
        Some("notice") => Some("notify.done.notice"),
        _ => None,
    };
    render(&settings_page(&state, &u, Typed::default(), done).await?)
}

/// Problems in one of the forms: the page again, with what was typed (422).
async fn sent_back(
    state: &AppState,
    mut u: WebUser,
    mut typed: Typed,
    errs: &FieldErrors,
) -> WebResult<Response> {
    u.unread = app::inbox::unread(state, u.user.id).await?;
    typed.errors = Messages::new(u.lang, errs);
    let page = settings_page(state, &u, typed, None).await?;
    render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// `POST /settings/notifications/mail`
pub async fn save_mail(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    guard(&u)?;
    let typed = MailTyped::from_form(&form);
    let parsed = MailSettingsInput::parse(
        &typed.host,
        &typed.port,
        &typed.security,
        &typed.username,
        form.get("password").unwrap_or_default(),
        &typed.from_address,
        typed.enabled,
        &typed.site_url,
    );
    let res = match parsed {
        Ok(input) => app::notify_settings::save_mail(&state, &u.user, &input, state.now()).await,
        Err(errs) => Err(Error::Validation(errs)),
    };
    match res {
        Ok(()) => Ok(see_other(&format!("{HERE}?done=mail"))),
        Err(Error::Validation(errs)) => {
            let t = Typed {
                mail: Some(typed),
                ..Typed::default()
            };
            sent_back(&state, u, t, &errs).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /settings/notifications/test`: a test notice to the administrator, on every
/// channel they have.
pub async fn test_notice(
    State(state): State<AppState>,
    WebForm { user: u, .. }: WebForm,
) -> WebResult<Response> {
    guard(&u)?;
    app::notify_settings::test_notice(&state, &u.user, state.now()).await?;
    Ok(see_other(&format!("{HERE}?done=notice")))
}

/// `POST /settings/notifications/mail/test`: a test mail to `to`.
pub async fn test_mail(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    guard(&u)?;
    let to = form.text("to");
    match app::notify_settings::test_mail(&state, &u.user, &to, state.now()).await {
        Ok(()) => Ok(see_other(&format!("{HERE}?done=mail_test"))),
        Err(Error::Validation(errs)) => {
            let t = Typed {
                test_to: Some(to),
                ..Typed::default()
            };
            sent_back(&state, u, t, &errs).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /settings/notifications/robots`: add a robot.
pub async fn add_robot(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    guard(&u)?;
    let typed = RobotTyped {
        kind: form.text("kind"),
        name: form.text("name"),
        url: form.text("url"),
        who: form.text("user_id"),
        enabled: form.filled("enabled").is_some(),
    };
    let who = match form.filled("user_id") {
        None => Ok(None),
        Some(s) => s.parse::<i64>().map(|n| Some(UserId(n))).map_err(|_| {
            FieldErrors::single("user_id", sanbao_domain::Problem::invalid("not a person"))
        }),
    };
    let parsed = who.and_then(|who| {
        RobotInput::parse(
            &typed.kind,
            &typed.name,
            &typed.url,
            form.get("secret").unwrap_or_default(),
            who,
            typed.enabled,
        )
    });
    let res = match parsed {
        Ok(input) => app::notify_settings::add_robot(&state, &u.user, &input, state.now())
            .await
            .map(|_| ()),
        Err(errs) => Err(Error::Validation(errs)),
    };
    match res {
        Ok(()) => Ok(see_other(&format!("{HERE}?done=robot#robots"))),
        Err(Error::Validation(errs)) => {
            let t = Typed {
                robot: typed,
                ..Typed::default()
            };
            sent_back(&state, u, t, &errs).await
        }
        Err(e) => Err(e.into()),
    }
}

fn robot_id(s: &str) -> WebResult<i64> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| WebError::not_found("robot"))
}

/// `POST /settings/notifications/robots/{id}/enabled`: `enabled` is `1` or `0`.
pub async fn robot_enabled(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    guard(&u)?;
    let on = form.filled("enabled") == Some("1");
    app::notify_settings::set_robot_enabled(&state, &u.user, robot_id(&id)?, on, state.now())
        .await?;
    let done = if on { "robot_on" } else { "robot_off" };
    Ok(see_other(&format!("{HERE}?done={done}#robots")))
}

/// `POST /settings/notifications/robots/{id}/delete`
pub async fn remove_robot(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, .. }: WebForm,
) -> WebResult<Response> {
    guard(&u)?;
    app::notify_settings::remove_robot(&state, &u.user, robot_id(&id)?, state.now()).await?;
    Ok(see_other(&format!("{HERE}?done=robot_removed#robots")))
}

/// `POST /settings/notifications/robots/{id}/test`
pub async fn test_robot(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, .. }: WebForm,
) -> WebResult<Response> {
    guard(&u)?;
    app::notify_settings::test_robot(&state, &u.user, robot_id(&id)?, state.now()).await?;
    Ok(see_other(&format!("{HERE}?done=robot_test#robots")))
}

/// `POST /settings/notifications/users/{id}/email`: a person's address (empty removes it).
pub async fn set_email(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    guard(&u)?;
    let id = id.parse::<i64>().map_err(|_| WebError::not_found("user"))?;
    let typed = form.text("email");
    match app::inbox::set_email(&state, &u.user, UserId(id), &typed, state.now()).await {
        Ok(()) => Ok(see_other(&format!("{HERE}?done=email#people"))),
        Err(Error::Validation(errs)) => {
            let t = Typed {
                email: Some((id, typed)),
                ..Typed::default()
            };
            sent_back(&state, u, t, &errs).await
        }
        Err(e) => Err(e.into()),
    }
}
