//! Signing in and out, and accounts.

use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser};
use super::ts;
use crate::app;
use crate::app::AppState;
use crate::app::sessions as auth;
use crate::http::session::ClientAddress;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use sanbao_domain::user::{NewUser, User, UserChange};
use sanbao_domain::{Error, Role, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/api/v1/sessions`, `/api/v1/me`, `/api/v1/users`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(delete))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, change_user))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginIn {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: String,
    pub user: UserOut,
}

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// admin, service_manager, service_clerk, senior_engineer, technician, salesperson,
    /// quality_engineer, customer
    pub role: String,
    pub active: bool,
    /// Send back when changing the account.
    pub version: i64,
}

impl From<&User> for UserOut {
    fn from(u: &User) -> Self {
        UserOut {
            id: u.id.0,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.as_str().into(),
            active: u.active,
            version: u.version,
        }
    }
}

/// Sign in: a bearer token for the API.
#[utoipa::path(post, path = "/api/v1/sessions", request_body = LoginIn, tag = "sessions",
    responses((status = 201, body = TokenOut), (status = 401, description = "Wrong user name or password, or the account is not active.", body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(body): ApiJson<LoginIn>,
) -> ApiResult<(StatusCode, Json<TokenOut>)> {
    let now = state.now();
    let user = auth::login(&state, &body.username, &body.password, &address, now).await?;
    let (token, session) = auth::start_session(&state, &user, now).await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenOut {
            token,
            expires_at: ts(session.expires_at),
            user: (&user).into(),
        }),
    ))
}

/// Sign out: the token stops working.
#[utoipa::path(delete, path = "/api/v1/sessions/current", tag = "sessions", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    _user: ApiUser,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let (token, _) =
        crate::http::session::token(&headers).ok_or(ApiError(Error::Unauthenticated))?;
    auth::end_session(&state, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", tag = "sessions", security(("bearer" = [])),
    responses((status = 200, body = UserOut), (status = 401, body = ErrorBody)))]
pub async fn me(ApiUser(user): ApiUser) -> Json<UserOut> {
    Json((&user).into())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UsersQuery {
    /// Only this role.
    pub role: Option<String>,
}

/// Accounts, to pick a salesperson, an owner or a technician.
#[utoipa::path(get, path = "/api/v1/users", params(UsersQuery), tag = "users", security(("bearer" = [])),
    responses((status = 200, body = [UserOut]), (status = 403, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<UsersQuery>,
) -> ApiResult<Json<Vec<UserOut>>> {
    let role = match q.role.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(r) => Some(Role::parse(r).ok_or_else(|| {
            Error::field("role", sanbao_domain::Problem::invalid("not a known role"))
        })?),
    };
    let users = app::users::users(&state, &actor, role).await?;
    Ok(Json(users.iter().map(UserOut::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserIn {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password: String,
}

/// Create an account (administrators).
#[utoipa::path(post, path = "/api/v1/users", request_body = UserIn, tag = "users", security(("bearer" = [])),
    responses((status = 201, body = UserOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<UserIn>,
) -> ApiResult<(StatusCode, Json<UserOut>)> {
    app::require(&actor, sanbao_domain::Permission::ManageUsers)?;
    let new = NewUser::parse(
        &body.username,
        &body.display_name,
        &body.role,
        &body.password,
    )?;
    let user = app::users::create_user(&state, &actor, &new, &body.password, state.now()).await?;
    Ok((StatusCode::CREATED, Json((&user).into())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeIn {
    pub current_password: String,
    /// At least 8 characters, not the user name, not a common password.
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// Change my password. Every other session of the account ends; this one stays.
#[utoipa::path(post, path = "/api/v1/me/password", request_body = PasswordChangeIn, tag = "sessions", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, description = "A field is refused: a wrong `current_password`, or a `new_password` that breaks the rules.", body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PasswordChangeIn>,
) -> ApiResult<StatusCode> {
    let (token, _) =
        crate::http::session::token(&headers).ok_or(ApiError(Error::Unauthenticated))?;
    auth::change_password(
        &state,
        &user,
        &auth::token_hash(&token),
        &body.current_password,
        &body.new_password,
        &address,
        state.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One account (administrators).
#[utoipa::path(get, path = "/api/v1/users/{id}", params(("id" = i64, Path)), tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<UserOut>> {
    let u = app::users::user(&state, &actor, UserId(id)).await?;
    Ok(Json((&u).into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChangeIn {
    /// The version read; a stale one gets 409.
    pub version: i64,
    pub display_name: Option<String>,
    pub role: Option<String>,
    /// `false` deactivates: the account can no longer sign in and its sessions end at
    /// once on every instance.
    pub active: Option<bool>,
    /// A new password set by the administrator; the account's sessions end.
    #[schema(min_length = 8, max_length = 128)]
    pub password: Option<String>,
}

/// Change an account: its name, role, whether it may sign in, or its password
/// (administrators). Audited.
#[utoipa::path(patch, path = "/api/v1/users/{id}", params(("id" = i64, Path)), request_body = UserChangeIn, tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn change_user(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<UserChangeIn>,
) -> ApiResult<Json<UserOut>> {
    let u = app::users::change_user(
        &state,
        &actor,
        UserId(id),
        body.version,
        |target| {
            UserChange::parse(
                target,
                body.display_name.as_deref(),
                body.role.as_deref(),
                body.active,
                body.password.as_deref(),
            )
        },
        state.now(),
    )
    .await?;
    Ok(Json((&u).into()))
}
