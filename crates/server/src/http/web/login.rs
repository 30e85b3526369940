//! Signing in and out, and the language switch.
//!
//! Before signing in there is no session to hold a CSRF token, so the sign-in form uses a
//! double-submit cookie: `sanbao_login_csrf` carries a random token that the form must
//! send back as `_csrf`.

use super::error::LANG_COOKIE;
use super::extract::{LangPref, Pairs, QueryParams, WebForm};
use super::view::{ErrorSummary, FormField, Messages};
use super::{Layout, WebResult, render_with, safe_next, see_other};
use crate::app::AppState;
use crate::app::sessions as auth;
use crate::http::session::{ClientAddress, SESSION_COOKIE, cookie, current, session_cookie};
use crate::i18n::Lang;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sanbao_domain::Error;

/// `/login`, `/logout`, `/lang`.
pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/login", get(form).post(submit))
        .route("/logout", post(logout))
        .route("/lang", post(set_lang))
}

pub const LOGIN_CSRF_COOKIE: &str = "sanbao_login_csrf";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    csrf: String,
    next: String,
    username: String,
    message: Option<String>,
    info: Option<String>,
    errors: Messages,
    form_errors: ErrorSummary,
}

fn login_csrf_cookie(token: &str, secure: bool) -> String {
    format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=7200{}",
        if secure { "; Secure" } else { "" }
    )
}

/// What the sign-in page says besides its form.
#[derive(Default)]
struct Said {
    username: String,
    message: Option<String>,
    info: Option<String>,
    errors: Messages,
}

/// The sign-in page, with a fresh token in its cookie and its form.
fn login_page(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    next: &str,
    said: Said,
) -> WebResult<Response> {
    let token = auth::random_token();
    let here = super::url_with("/login", &[("next", next)]);
    let fields = [
        FormField::new("username", "username", lang.t("login.username")),
        FormField::new("password", "password", lang.t("login.password")),
    ];
    let page = LoginPage {
        l: Layout::anonymous(lang, lang.t("login.title").to_string(), here),
        form_errors: ErrorSummary::new(lang, &said.errors, &fields, None),
        csrf: token.clone(),
        next: next.to_string(),
        username: said.username,
        message: said.message,
        info: said.info,
        errors: said.errors,
    };
    let mut res = render_with(status, &page)?;
    if let Ok(v) = HeaderValue::from_str(&login_csrf_cookie(&token, state.config.secure_cookies)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// `GET /login`: the form; someone already signed in goes straight on.
pub async fn form(
    State(state): State<AppState>,
    LangPref(lang): LangPref,
    QueryParams(q): QueryParams,
    req: Request,
) -> WebResult<Response> {
    let (mut parts, _) = req.into_parts();
    let next = safe_next(q.get("next"));
    if let Some(c) = current(&mut parts, &state).await?
        && c.user.role.is_staff()
    {
        return Ok(see_other(&next));
    }
    let info = q.get("bye").map(|_| lang.t("login.signed_out").to_string());
    login_page(
        &state,
        lang,
        StatusCode::OK,
        &next,
        Said {
            info,
            ..Said::default()
        },
    )
}

fn with_retry_after(mut res: Response, secs: i64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// `POST /login`: check the name and password; start a session; go where the person
/// was going.
pub async fn submit(
    State(state): State<AppState>,
    LangPref(lang): LangPref,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    body: Bytes,
) -> WebResult<Response> {
    let form = Pairs::parse_checked(&body)?;
    let next = safe_next(form.get("next"));
    let username = form.text("username");
    let sent = form.get("_csrf").unwrap_or_default();
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if expected.is_empty() || !auth::same_token(sent, &expected) {
        let msg = lang.t("login.expired").to_string();
        let said = Said {
            username,
            message: Some(msg),
            ..Said::default()
        };
        return login_page(&state, lang, StatusCode::FORBIDDEN, &next, said);
    }
    let now = state.now();
    match auth::login(&state, &username, &form.text("password"), &address, now).await {
        Ok(user) => {
            let (token, _session) = auth::start_session(&state, &user, now).await?;
            let secure = state.config.secure_cookies;
            let max_age = state.config.session_hours * 3600;
            // ---- The technician's phone (issue 8) ----
            // Sent nowhere in particular, whoever goes on site lands on their jobs today.
            let next = if next == "/" && user.role.may(sanbao_domain::Permission::DoFieldWork) {
                super::field_phone::TODAY.to_string()
            } else {
                next
            };
            // ---- end the technician's phone ----
            let mut res = see_other(&next);
            let h = res.headers_mut();
            for c in [
                session_cookie(&token, max_age, secure),
                format!("{LOGIN_CSRF_COOKIE}=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0"),
            ] {
                if let Ok(v) = HeaderValue::from_str(&c) {
                    h.append(header::SET_COOKIE, v);
                }
            }
            Ok(res)
        }
        Err(Error::Unauthenticated) => {
            let msg = lang.t("login.failed").to_string();
            let said = Said {
                username,
                message: Some(msg),
                ..Said::default()
            };
            login_page(&state, lang, StatusCode::UNAUTHORIZED, &next, said)
        }
        Err(Error::TooManyAttempts { retry_after_secs }) => {
            let said = Said {
                username,
                message: Some(lang.f("login.too_many", &[("n", &retry_after_secs)])),
                ..Said::default()
            };
            let res = login_page(&state, lang, StatusCode::TOO_MANY_REQUESTS, &next, said)?;
            Ok(with_retry_after(res, retry_after_secs))
        }
        Err(Error::Busy { retry_after_secs }) => {
            let said = Said {
                username,
                message: Some(lang.f("login.busy", &[("n", &retry_after_secs)])),
                ..Said::default()
            };
            let res = login_page(&state, lang, StatusCode::SERVICE_UNAVAILABLE, &next, said)?;
            Ok(with_retry_after(res, retry_after_secs))
        }
        Err(Error::Validation(f)) => {
            let said = Said {
                username,
                errors: Messages::new(lang, &f),
                ..Said::default()
            };
            login_page(&state, lang, StatusCode::UNPROCESSABLE_ENTITY, &next, said)
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /logout`: the session ends here and in the browser.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    WebForm { user, .. }: WebForm,
) -> WebResult<Response> {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        // Signing out has no use case of its own: it forgets the session, as the API does.
        auth::end_session(&state, &token).await?;
    }
    tracing::info!(user_id = user.user.id.0, "signed out");
    let mut res = see_other("/login?bye=1");
    let expired = session_cookie("", 0, state.config.secure_cookies);
    if let Ok(v) = HeaderValue::from_str(&expired) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// `POST /lang`: remember the chosen language for a year; back to the page.
///
/// It changes nothing but the browser's own preference cookie, so it needs no session and
/// works on the sign-in page too.
pub async fn set_lang(body: Bytes) -> Response {
    let form = Pairs::parse(&body);
    let next = safe_next(form.get("next"));
    let Some(lang) = form.get("lang").and_then(Lang::parse) else {
        return see_other(&next);
    };
    let mut res = see_other(&next);
    let c = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.code()
    );
    if let Ok(v) = HeaderValue::from_str(&c) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res.into_response()
}
