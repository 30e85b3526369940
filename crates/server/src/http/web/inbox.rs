//! The in-app inbox (`/inbox`): a person's messages, newest first, each linking to what it
//! is about; opening one marks it read, as does its button; "mark all read"; and the
//! person's own e-mail address, where mail notices go.

use super::view::{ErrorSummary, FormField, Messages, full_time};
use super::{
    Layout, QueryParams, WebError, WebForm, WebResult, WebUser, render, render_with, safe_next,
    see_other, url_with,
};
use crate::app::{self, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::Error;
use sanbao_domain::notify::InboxEntry;

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/inbox", get(page))
        .route("/inbox/read-all", post(read_all))
        .route("/inbox/email", post(set_email))
        .route("/inbox/{id}/read", post(read))
}

const PAGE: i64 = 30;

/// A message as the page shows it.
struct Item {
    id: i64,
    subject: String,
    body: Option<String>,
    link: Option<String>,
    at: String,
    unread: bool,
}

impl From<InboxEntry> for Item {
    fn from(m: InboxEntry) -> Self {
        Item {
            id: m.id,
            subject: m.subject,
            body: m.body,
            link: m.link,
            at: full_time(m.created_at),
            unread: m.read_at.is_none(),
        }
    }
}

#[derive(Template)]
#[template(path = "inbox_list.html")]
struct InboxPage {
    l: Layout,
    items: Vec<Item>,
    unread: i64,
    unread_text: String,
    older_href: Option<String>,
    newest_href: Option<String>,
    done: Option<&'static str>,
    email: String,
    errors: Messages,
    form_errors: ErrorSummary,
}

async fn inbox_page(
    state: &AppState,
    u: &WebUser,
    before: Option<i64>,
    email: Option<String>,
    errors: Messages,
    done: Option<&'static str>,
) -> WebResult<InboxPage> {
    let mut rows = app::inbox::messages(state, &u.user, before, PAGE + 1).await?;
    let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > PAGE;
    rows.truncate(usize::try_from(PAGE).unwrap_or(0));
    let older_href = if more {
        rows.last()
            .map(|m| url_with("/inbox", &[("before", &m.id.to_string())]))
    } else {
        None
    };
    let email = match email {
        Some(typed) => typed,
        None => app::inbox::own_email(state, &u.user)
            .await?
            .unwrap_or_default(),
    };
    let fields = [FormField::new("email", "email", u.t("inbox.email"))];
    let form_errors = ErrorSummary::new(u.lang, &errors, &fields, None);
    Ok(InboxPage {
        l: u.layout("inbox", u.t("inbox.title")),
        items: rows.into_iter().map(Item::from).collect(),
        unread: u.unread,
        unread_text: if u.unread > 0 {
            u.lang.f("inbox.unread_n", &[("n", &u.unread)])
        } else {
            u.t("inbox.all_read").to_string()
        },
        older_href,
        newest_href: before.map(|_| "/inbox".to_string()),
        done: done.map(|k| u.t(k)),
        email,
        errors,
        form_errors,
    })
}

/// `GET /inbox`, `?before=ID` for older messages.
pub async fn page(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let before = p.filled("before").and_then(|b| b.parse::<i64>().ok());
    let done = match p.filled("done") {
        Some("all") => Some("inbox.done.all"),
        Some("email") => Some("inbox.done.email"),
        _ => None,
    };
    render(&inbox_page(&state, &u, before, None, Messages::default(), done).await?)
}

/// `POST /inbox/{id}/read`: with `open`, on to the page the message is about; otherwise
/// back to the inbox.
pub async fn read(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = id
        .parse::<i64>()
        .map_err(|_| WebError::not_found("message"))?;
    let m = app::inbox::mark_read(&state, &u.user, id, state.now()).await?;
    match (form.filled("open"), m.link) {
        (Some(_), Some(link)) => Ok(see_other(&safe_next(Some(&link)))),
        _ => Ok(see_other(&format!("/inbox#m-{id}"))),
    }
}

/// `POST /inbox/read-all`
pub async fn read_all(
    State(state): State<AppState>,
    WebForm { user: u, .. }: WebForm,
) -> WebResult<Response> {
    app::inbox::mark_all_read(&state, &u.user, state.now()).await?;
    Ok(see_other("/inbox?done=all"))
}

/// `POST /inbox/email`: the person's own address (empty removes it).
pub async fn set_email(
    State(state): State<AppState>,
    WebForm { user: mut u, form }: WebForm,
) -> WebResult<Response> {
    let typed = form.text("email");
    match app::inbox::set_email(&state, &u.user, u.user.id, &typed, state.now()).await {
        Ok(()) => Ok(see_other("/inbox?done=email")),
        Err(Error::Validation(errs)) => {
            u.unread = app::inbox::unread(&state, u.user.id).await?;
            let errors = Messages::new(u.lang, &errs);
            let page = inbox_page(&state, &u, None, Some(typed), errors, None).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
