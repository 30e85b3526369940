//! Web pages: server-rendered HTML (askama templates compiled into the binary), working
//! without JavaScript. Each feature has its own module; the shared frame, the HTML error
//! adapter and the extractors live beside them.

pub mod assets;
pub mod board;
pub mod customers;
pub mod dashboard;
pub mod deadlines;
pub mod deliveries;
// ---- dispatch (issue 8) ----
pub mod dispatch;
// ---- end dispatch ----
pub mod error;
pub mod export;
pub mod extract;
// ---- The technician's phone (issue 8) ----
pub mod field_phone;
// ---- end the technician's phone ----
// ---- field form ----
pub mod forms;
// ---- end field form ----
pub mod imports;
// ---- Where notifications go ----
pub mod inbox;
pub mod notify_settings;
// ---- end where notifications go ----
pub mod login;
// ---- parts field ----
pub mod parts_field;
pub mod requisitions;
// ---- end parts field ----
pub mod replies;
// --- service requests (issue 8, part 1) ---
pub mod requests;
// --- end service requests ---
// ---- parts desk ----
pub mod parts;
// ---- end parts desk ----
pub mod returns;
// ---- settlement (issue 9, part 5) ----
pub mod settlement;
// ---- follow-ups ----
pub mod followups;
pub mod quality;
// ---- end follow-ups ----
// ---- end settlement ----
pub mod tickets;
// ---- campaigns ----
pub mod campaigns;
// ---- end campaigns ----
// ---- tools ----
pub mod tools;
pub mod users;
// ---- end tools ----
// ---- training ----
pub mod training;
// ---- end training ----
pub mod charts;
pub mod life;
// ---- reliability ----
pub mod reliability;
// ---- end reliability ----
pub mod report;
// ---- similar cases ----
pub mod similar;
// ---- end similar cases ----
pub mod units;
pub mod view;
pub mod visits;
// ---- survey and daily report (issue 8) ----
pub mod daily_reports;
pub mod field_archive;
pub mod surveys;
// ---- end survey and daily report ----

use crate::app::AppState;
use crate::i18n::Lang;
use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{Html, IntoResponse, Response};
pub use error::{WebError, WebResult};
pub use extract::{QueryParams, WebForm, WebUser};

/// The pages: every feature's routes, the static files, and the 404 page.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(login::router())
        .merge(dashboard::router())
        .merge(customers::router())
        .merge(export::router())
        .merge(tickets::router())
        .merge(units::router())
        .merge(life::router())
        // ---- reliability ----
        .merge(reliability::router())
        // ---- end reliability ----
        .merge(report::router())
        .merge(returns::router())
        // --- service requests (issue 8, part 1) ---
        .merge(requests::router())
        // --- end service requests ---
        .merge(deliveries::router())
        .merge(imports::router())
        // ---- Where notifications go ----
        .merge(inbox::router())
        .merge(notify_settings::router())
        .merge(users::router())
        // ---- end where notifications go ----
        // --- replies and visits (issue 7, parts 4-6) ---
        .merge(replies::router())
        .merge(visits::router())
        // --- end replies and visits ---
        .merge(deadlines::router())
        // The manager's board (R6.1–R6.3).
        .merge(board::router())
        // ---- The technician's phone (issue 8) ----
        .merge(field_phone::router())
        // ---- end the technician's phone ----
        // ---- dispatch (issue 8) ----
        .merge(dispatch::router())
        // ---- end dispatch ----
        // ---- field form ----
        .merge(forms::router())
        // ---- end field form ----
        // ---- survey and daily report (issue 8) ----
        .merge(surveys::router())
        .merge(daily_reports::router())
        .merge(field_archive::router())
        // ---- end survey and daily report ----
        // ---- parts desk ----
        .merge(parts::router())
        // ---- end parts desk ----
        // ---- settlement (issue 9, part 5) ----
        .merge(settlement::router())
        // ---- follow-ups ----
        .merge(followups::router())
        .merge(quality::router())
        // ---- end follow-ups ----
        // ---- end settlement ----
        // ---- parts field ----
        .merge(requisitions::router())
        .merge(parts_field::router())
        // ---- end parts field ----
        // ---- campaigns ----
        .merge(campaigns::router())
        // ---- end campaigns ----
        // ---- tools ----
        .merge(tools::router())
        // ---- end tools ----
        // ---- training ----
        .merge(training::router())
        // ---- end training ----
        .merge(assets::router())
        .fallback(unknown_address)
        .layer(middleware::from_fn(error::pages))
}

/// An address nothing answers: a 404 page, or the API's JSON problem under `/api/`.
async fn unknown_address(uri: axum::http::Uri, headers: axum::http::HeaderMap) -> Response {
    if uri.path().starts_with("/api/") {
        use crate::http::api::error::{ApiError, lang_of};
        return ApiError(sanbao_domain::Error::NotFound("resource")).response_in(lang_of(&headers));
    }
    WebError::not_found("page").into_response()
}

/// The signed-in person as the page frame shows them.
pub struct LayoutUser {
    pub name: String,
    pub role: String,
    pub csrf: String,
    pub may_open_tickets: bool,
    /// The product models page is in the navigation (service manager, admin).
    pub may_manage_products: bool,
    pub may_track_deliveries: bool,
    /// The import page is in the navigation (service manager, admin).
    pub may_import: bool,
    // ---- Where notifications go ----
    /// Unread messages in the person's inbox (the bell's count).
    pub unread: i64,
    /// The notification settings are in the navigation (admin).
    pub may_manage_notifications: bool,
    // ---- end where notifications go ----
    /// The accounts page is in the navigation (admin).
    pub may_manage_users: bool,
    /// The deadline policy page is in the navigation (service manager, admin).
    pub may_manage_deadline_policy: bool,
    /// The manager's board is in the navigation (admin, service manager, quality engineer).
    pub may_watch_deadlines: bool,
    // ---- The technician's phone (issue 8) ----
    /// Goes on site: "my jobs today" is in the navigation, and the desk is one tap away.
    pub may_do_field_work: bool,
    // ---- end the technician's phone ----
    // ---- dispatch (issue 8) ----
    /// The dispatch page is in the navigation (admin, service manager, clerk).
    pub may_dispatch: bool,
    /// Sees the feedback forms waiting for review (R1.2).
    pub may_review_forms: bool,
    // ---- end dispatch ----
    // --- service requests (issue 8, part 1) ---
    /// Service requests are in the navigation (salespeople, the department).
    pub may_see_requests: bool,
    // --- end service requests ---
    // ---- survey and daily report (issue 8) ----
    /// "My daily report" is in the navigation (technician, senior engineer).
    pub may_submit_daily_reports: bool,
    /// "Daily reports" (who has not submitted) is in the navigation (the department).
    pub may_see_daily_reports: bool,
    // ---- end survey and daily report ----
    // ---- parts desk ----
    /// The parts desk is in the navigation (the store: admin, service manager, clerk).
    pub may_keep_stock: bool,
    // ---- end parts desk ----
    // ---- settlement (issue 9, part 5) ----
    /// The month's settlement is in the navigation, and a job's page links its settlement.
    pub may_view_settlements: bool,
    // ---- end settlement ----
    // ---- follow-ups ----
    /// The salesperson's follow-ups page is in the navigation.
    pub may_record_follow_ups: bool,
    /// The month's collation is in the navigation (the department).
    pub may_collate: bool,
    // ---- end follow-ups ----
    // ---- quality ----
    /// The month's quality review is in the navigation (the quality engineer).
    pub may_review_quality: bool,
    // ---- end quality ----
    // ---- parts field ----
    /// The requisition queue is in the navigation (who approves or keeps stock).
    pub may_handle_requisitions: bool,
    // ---- end parts field ----
    // ---- campaigns ----
    /// The yearly campaigns are in the navigation (who records campaign responses).
    pub may_see_campaigns: bool,
    // ---- end campaigns ----
    // ---- tools ----
    /// The tools register is in the navigation (admin, service manager, clerk).
    pub may_keep_tools: bool,
    /// "My tools" is in the navigation (technician, senior engineer).
    pub may_hold_tools: bool,
    // ---- end tools ----
    // ---- training ----
    /// Training records and who is missing a topic are in the navigation; the others
    /// see their own history.
    pub may_view_training: bool,
    /// Where one's own training history is.
    pub my_training_href: String,
    // ---- end training ----
    // ---- training 2 ----
    /// The training requirement settings are in the navigation (admin, service manager).
    pub may_manage_training_requirements: bool,
    // ---- end training 2 ----
}

/// What the frame of every page (`base.html`) needs: language, title, navigation.
pub struct Layout {
    pub lang: Lang,
    pub title: String,
    /// Which navigation entry is current: `dashboard`, `customers`, `tickets`, `new_ticket`.
    pub nav: &'static str,
    pub user: Option<LayoutUser>,
    /// This page's address, for the language switch to come back to.
    pub here: String,
    pub css: &'static str,
    pub js: &'static str,
    pub icon: &'static str,
}

impl Layout {
    /// A frame without a signed-in person (sign-in page, error pages).
    pub fn anonymous(lang: Lang, title: String, here: String) -> Layout {
        Layout {
            lang,
            title,
            nav: "",
            user: None,
            here,
            css: assets::css_url(),
            js: assets::js_url(),
            icon: assets::favicon_url(),
        }
    }

    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        self.lang.t(key)
    }

    /// `class` value of a navigation entry.
    pub fn nav_class(&self, entry: &str) -> &'static str {
        if self.nav == entry { "active" } else { "" }
    }

    /// Class of a navigation group's heading: `active` when the page is one of its
    /// `entries` (space-separated), so the group of the open page stands out.
    pub fn group_class(&self, entries: &str) -> &'static str {
        if entries.split_whitespace().any(|e| e == self.nav) {
            "active"
        } else {
            ""
        }
    }

    /// `aria-current` value of a navigation entry.
    pub fn nav_current(&self, entry: &str) -> &'static str {
        if self.nav == entry { "page" } else { "false" }
    }

    /// The session's CSRF token, for the page's forms (empty before signing in).
    pub fn csrf(&self) -> &str {
        self.user.as_ref().map_or("", |u| u.csrf.as_str())
    }

    pub fn is_lang(&self, code: &str) -> bool {
        self.lang.code() == code
    }
}

/// Render a page with a status.
pub fn render_with<T: Template>(status: StatusCode, page: &T) -> WebResult<Response> {
    match page.render() {
        Ok(html) => Ok((status, Html(html)).into_response()),
        Err(e) => Err(WebError::internal(format!("template: {e}"))),
    }
}

/// Render a page (200).
pub fn render<T: Template>(page: &T) -> WebResult<Response> {
    render_with(StatusCode::OK, page)
}

/// Render a partial to a string, to be placed in a page with `|safe` (it is escaped
/// itself).
pub fn render_partial<T: Template>(partial: &T) -> WebResult<String> {
    partial
        .render()
        .map_err(|e| WebError::internal(format!("template: {e}")))
}

/// A 303 to `to`: after a POST, the browser loads the result with a GET.
pub fn see_other(to: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(axum::http::header::LOCATION, to.to_string())],
    )
        .into_response()
}

/// A local address to go back to: a path on this site, never another site (`//host`,
/// `/\host`, `https://…`).
pub fn safe_next(next: Option<&str>) -> String {
    match next.map(str::trim) {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// `path?k=v&…` with the non-empty pairs, URL-encoded.
pub fn url_with(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    let q = s.finish();
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{q}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/tickets/4?x=1")), "/tickets/4?x=1");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "",
            "tickets",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn urls_carry_only_given_filters() {
        assert_eq!(
            url_with("/customers", &[("q", "王 工"), ("region", "")]),
            "/customers?q=%E7%8E%8B+%E5%B7%A5"
        );
        assert_eq!(url_with("/tickets", &[]), "/tickets");
    }
}
