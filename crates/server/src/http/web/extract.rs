//! Extractors of the pages: the signed-in staff member, a form checked against CSRF, and
//! query parameters read leniently.

use super::error::{WebError, lang_of};
use super::{Layout, LayoutUser, assets};
use crate::app::AppState;
use crate::http::BODY_LIMIT;
use crate::http::session::{Current, current};
use crate::i18n::Lang;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use sanbao_domain::user::User;
use sanbao_domain::{Permission, Role};
use std::convert::Infallible;

/// A signed-in member of staff. Not signed in: a 303 to `/login?next=…`. A customer
/// account: 403 (the portal is elsewhere).
pub struct WebUser {
    pub user: User,
    /// The session's CSRF token, which every form of the page carries as `_csrf`.
    pub csrf: String,
    pub lang: Lang,
    /// This page's address.
    pub here: String,
    // ---- Where notifications go ----
    /// Unread inbox messages, counted for pages (GET) only.
    pub unread: i64,
    // ---- end where notifications go ----
}

impl WebUser {
    /// The frame of a page for this person.
    pub fn layout(&self, nav: &'static str, title: impl Into<String>) -> Layout {
        Layout {
            lang: self.lang,
            title: title.into(),
            nav,
            user: Some(LayoutUser {
                name: self.user.display_name.clone(),
                role: self
                    .lang
                    .t(&format!("role.{}", self.user.role.as_str()))
                    .to_string(),
                csrf: self.csrf.clone(),
                may_open_tickets: self.may(Permission::OpenTickets),
                may_manage_products: self.may(Permission::ManageProducts),
                may_track_deliveries: self.may(Permission::TrackDeliveries),
                may_import: self.may(Permission::ImportArchive),
                // ---- Where notifications go ----
                unread: self.unread,
                may_manage_notifications: self.may(Permission::ManageNotifications),
                // ---- end where notifications go ----
                may_manage_users: self.may(Permission::ManageUsers),
                may_manage_deadline_policy: self.may(Permission::ManageDeadlinePolicy),
                may_watch_deadlines: self.may(Permission::WatchDeadlines),
                // ---- The technician's phone (issue 8) ----
                may_do_field_work: self.may(Permission::DoFieldWork),
                // ---- end the technician's phone ----
                // ---- dispatch (issue 8) ----
                may_dispatch: self.may(Permission::DispatchTechnicians),
                may_review_forms: self.may(Permission::ReviewFeedbackForms),
                // ---- end dispatch ----
                // --- service requests (issue 8, part 1) ---
                may_see_requests: sanbao_domain::request::may_view_requests(self.user.role),
                // --- end service requests ---
                // ---- survey and daily report (issue 8) ----
                may_submit_daily_reports: self.may(Permission::SubmitDailyReports),
                may_see_daily_reports: crate::app::daily_reports::is_department(&self.user),
                // ---- end survey and daily report ----
                // ---- parts desk ----
                may_keep_stock: self.may(Permission::KeepStock),
                // ---- end parts desk ----
                // ---- settlement (issue 9, part 5) ----
                may_view_settlements: self.may(Permission::ViewSettlements),
                // ---- end settlement ----
                // ---- follow-ups ----
                may_record_follow_ups: self.may(Permission::RecordFollowUps),
                may_collate: self.may(Permission::CollateFollowUps),
                // ---- quality ----
                may_review_quality: self.may(Permission::ReviewQuality),
                // ---- end quality ----
                // ---- end follow-ups ----
                // ---- parts field ----
                may_handle_requisitions: super::requisitions::in_nav(self),
                // ---- end parts field ----
                // ---- campaigns ----
                may_see_campaigns: self.may(Permission::RecordCampaignResponses),
                // ---- end campaigns ----
                // ---- tools ----
                may_keep_tools: sanbao_domain::tools::may_keep_tools(self.user.role),
                may_hold_tools: sanbao_domain::tools::may_hold_tools(self.user.role),
                // ---- end tools ----
                // ---- training ----
                may_view_training: sanbao_domain::training::may_view_training(self.user.role),
                my_training_href: format!("/people/{}/training", self.user.id),
                // ---- end training ----
                // ---- training 2 ----
                may_manage_training_requirements: self.may(Permission::ManageTrainingRequirements),
                // ---- end training 2 ----
            }),
            here: self.here.clone(),
            css: assets::css_url(),
            js: assets::js_url(),
            icon: assets::favicon_url(),
        }
    }

    pub fn may(&self, p: Permission) -> bool {
        self.user.role.may(p)
    }

    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        self.lang.t(key)
    }
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let lang = lang_of(&parts.headers);
        let here = if parts.method == Method::GET {
            parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string()
        } else {
            // A form sent back after a POST: the page it was sent from.
            referring_page(&parts.headers).unwrap_or_else(|| "/".into())
        };
        let Some(Current { session, user, .. }) = current(parts, state).await? else {
            return Err(WebError::login(here));
        };
        if user.role == Role::Customer || !user.role.is_staff() {
            return Err(sanbao_domain::Error::Forbidden.into());
        }
        // ---- Where notifications go ----
        // The bell's count: one indexed count per page shown; forms and fragments skip it.
        let unread = if parts.method == Method::GET {
            crate::app::inbox::unread(state, user.id).await?
        } else {
            0
        };
        // ---- end where notifications go ----
        Ok(WebUser {
            user,
            csrf: session.csrf_token,
            lang,
            here,
            unread,
        })
    }
}

/// The path and query of the `Referer`, when it is a page of this site.
fn referring_page(headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let rest = referer.split_once("://")?.1;
    let (authority, path) = rest.split_at(rest.find('/')?);
    (authority == host).then(|| super::safe_next(Some(path)))
}

/// The language of a page seen before signing in.
pub struct LangPref(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for LangPref {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(LangPref(lang_of(&parts.headers)))
    }
}

/// Name/value pairs, in order, as a form or a query string sends them.
#[derive(Debug, Clone, Default)]
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    pub fn parse(bytes: &[u8]) -> Pairs {
        Pairs(form_urlencoded::parse(bytes).into_owned().collect())
    }

    /// As [`Pairs::parse`], refusing (422 naming the field) a name or value with a control
    /// character, a search text over its limit or any value over `PARAM_MAX`: such input
    /// never reaches a handler or the database.
    pub fn parse_checked(bytes: &[u8]) -> Result<Pairs, sanbao_domain::Error> {
        let pairs = Pairs::parse(bytes);
        for (k, v) in &pairs.0 {
            if let Err((code, why)) = crate::http::api::extract::check_param(k, v) {
                let field = if sanbao_domain::text::has_control(k) {
                    "form"
                } else {
                    k.as_str()
                };
                return Err(sanbao_domain::Error::field(
                    field,
                    sanbao_domain::Problem::new(
                        if code == "too_long" {
                            "too_long"
                        } else {
                            "invalid"
                        },
                        why,
                    ),
                ));
            }
        }
        Ok(pairs)
    }

    /// The first value of `name`, if sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name`, or empty.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_string()
    }

    /// The value of `name` trimmed, if sent and not blank.
    pub fn filled(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|s| !s.is_empty())
    }
}

/// Query parameters; a control character or an over-long value is a 422 naming the
/// parameter (see [`Pairs::parse_checked`]).
pub struct QueryParams(pub Pairs);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, WebError> {
        Ok(QueryParams(Pairs::parse_checked(
            parts.uri.query().unwrap_or_default().as_bytes(),
        )?))
    }
}

/// A submitted form from a signed-in member of staff whose `_csrf` matches the session's;
/// anything else is refused before the handler runs (403 page, nothing written).
pub struct WebForm {
    pub user: WebUser,
    pub form: Pairs,
}

impl FromRequest<AppState> for WebForm {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, WebError> {
        let (mut parts, body) = req.into_parts();
        let user = WebUser::from_request_parts(&mut parts, state).await?;
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let bytes = axum::body::to_bytes(body, BODY_LIMIT)
            .await
            .map_err(|_| WebError::bad_request())?;
        let form = if is_form {
            Pairs::parse(&bytes)
        } else {
            Pairs::default()
        };
        let sent = form.get("_csrf").unwrap_or_default();
        if !crate::app::sessions::same_token(sent, &user.csrf) {
            tracing::warn!(
                user_id = user.user.id.0,
                "form refused: CSRF token missing or wrong"
            );
            return Err(WebError::csrf());
        }
        // Each form checks its own fields and shows them again with every problem named
        // (a control character in text among them): no blanket refusal here.
        Ok(WebForm { user, form })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(referer: &str, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::REFERER, referer.parse().unwrap());
        h.insert(header::HOST, host.parse().unwrap());
        h
    }

    #[test]
    fn a_form_sent_back_remembers_the_page_of_this_site_it_came_from() {
        let h = headers(
            "http://desk.local:8080/tickets/7?done=note",
            "desk.local:8080",
        );
        assert_eq!(referring_page(&h).as_deref(), Some("/tickets/7?done=note"));
        let other = headers("https://evil.example/tickets/7", "desk.local:8080");
        assert_eq!(referring_page(&other), None);
        assert_eq!(referring_page(&HeaderMap::new()), None);
    }
}
