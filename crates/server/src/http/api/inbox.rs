//! A person's in-app inbox: `GET /api/v1/inbox` (newest first, paged),
//! `POST /api/v1/inbox/{id}/read`, `POST /api/v1/inbox/read-all`. Everyone sees and marks
//! only their own messages; another person's message is "not found".

use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiQuery, ApiUser};
use super::{Page, cursor, ts};
use crate::app::{self, AppState, clamp_limit};
use axum::Json;
use axum::extract::State;
use sanbao_domain::Error;
use sanbao_domain::notify::InboxEntry;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(read))
        .routes(routes!(read_all))
}

#[derive(Serialize, ToSchema)]
pub struct InboxMessageOut {
    pub id: i64,
    pub subject: String,
    pub body: Option<String>,
    /// The page of this site the message is about (`/tickets/42`).
    pub link: Option<String>,
    pub created_at: String,
    /// When it was read; `null` while unread.
    pub read_at: Option<String>,
}

impl From<InboxEntry> for InboxMessageOut {
    fn from(m: InboxEntry) -> Self {
        InboxMessageOut {
            id: m.id,
            subject: m.subject,
            body: m.body,
            link: m.link,
            created_at: ts(m.created_at),
            read_at: m.read_at.map(ts),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InboxPageOut {
    pub items: Vec<InboxMessageOut>,
    pub next_cursor: Option<String>,
    /// How many of the person's messages are unread, all pages together.
    pub unread: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The signed-in person's messages, newest first.
#[utoipa::path(get, path = "/api/v1/inbox", params(InboxQuery), tag = "inbox", security(("bearer" = [])),
    responses((status = 200, body = InboxPageOut), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> ApiResult<Json<InboxPageOut>> {
    let limit = clamp_limit(q.limit);
    let rows =
        app::inbox::messages(&state, &actor, cursor(q.cursor.as_deref())?, limit + 1).await?;
    let items: Vec<InboxMessageOut> = rows.into_iter().map(Into::into).collect();
    let page = Page::from_rows(items, limit, |m| m.id);
    let unread = app::inbox::unread(&state, actor.id).await?;
    Ok(Json(InboxPageOut {
        items: page.items,
        next_cursor: page.next_cursor,
        unread,
    }))
}

/// Mark one of the signed-in person's messages read; answers it.
#[utoipa::path(post, path = "/api/v1/inbox/{id}/read", tag = "inbox", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The message")),
    responses((status = 200, body = InboxMessageOut), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<InboxMessageOut>> {
    let id = id.parse::<i64>().map_err(|_| Error::NotFound("message"))?;
    let m = app::inbox::mark_read(&state, &actor, id, state.now()).await?;
    Ok(Json(m.into()))
}

#[derive(Serialize, ToSchema)]
pub struct ReadAllOut {
    /// How many messages were unread.
    pub marked: u64,
}

/// Mark all of the signed-in person's messages read.
#[utoipa::path(post, path = "/api/v1/inbox/read-all", tag = "inbox", security(("bearer" = [])),
    responses((status = 200, body = ReadAllOut), (status = 401, body = ErrorBody)))]
pub async fn read_all(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> ApiResult<Json<ReadAllOut>> {
    let marked = app::inbox::mark_all_read(&state, &actor, state.now()).await?;
    Ok(Json(ReadAllOut { marked }))
}
