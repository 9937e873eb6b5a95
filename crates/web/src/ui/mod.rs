//! The server-rendered UI: sign-in, the start page, patients, administration (users, branches, API tokens), the
//! audit trail and the user's account. Every page gets a `Layout` with the navigation the user's roles allow.

pub mod account;
pub mod admin;
pub mod audit;
pub mod dosing;
pub mod formulary;
pub mod home;
pub mod login;
pub mod orders;
pub mod patients;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use domain::role::Permission;

use crate::AppState;
use crate::auth::PageSession;

pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub current: bool,
}

/// What every signed-in page shows around its content.
pub struct Layout {
    pub nav: Vec<NavItem>,
    pub user_name: String,
    pub roles: String,
    pub csrf_token: String,
}

impl Layout {
    /// Navigation by role: only the sections the user may open.
    pub fn new(session: &PageSession, current: &str) -> Self {
        let caller = &session.caller;
        let mut nav = vec![("Home", "/", true)];
        nav.push(("Patients", "/patients", caller.can(Permission::PatientRead)));
        nav.push(("Verification", "/verification", caller.can(Permission::OrderVerify)));
        nav.push(("Formulary", "/formulary", caller.can(Permission::FormularyRead)));
        nav.push(("Audit trail", "/audit", caller.can(Permission::AuditRead)));
        nav.push(("Users", "/admin/users", caller.can(Permission::UserAdmin)));
        nav.push(("Branches", "/admin/branches", caller.can(Permission::BranchAdmin)));
        nav.push(("API tokens", "/admin/tokens", caller.can(Permission::TokenAdmin)));
        nav.push(("Account", "/account", true));
        let user = session.user();
        Layout {
            nav: nav
                .into_iter()
                .filter(|(_, _, allowed)| *allowed)
                .map(|(label, href, _)| NavItem { label, href, current: href == current })
                .collect(),
            user_name: user.map_or_else(String::new, |u| u.display_name.clone()),
            roles: user
                .map_or_else(String::new, |u| u.roles().iter().map(|r| r.label()).collect::<Vec<_>>().join(", ")),
            csrf_token: session.csrf_token.clone(),
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(login::router())
        .merge(home::router())
        .merge(patients::router())
        .merge(orders::router())
        .merge(dosing::router())
        .merge(formulary::router())
        .merge(admin::router())
        .merge(audit::router())
        .merge(account::router())
        .route(
            "/static/app.css",
            get(|| async { static_file("text/css; charset=utf-8", include_str!("../../static/app.css")) }),
        )
        .route(
            "/static/htmx.min.js",
            get(|| async { static_file("text/javascript; charset=utf-8", include_str!("../../static/htmx.min.js")) }),
        )
}

/// A typed id from a path segment; anything else is "no such …" (404).
pub fn parse_id<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, crate::error::PageError> {
    text.parse().map_err(|_| {
        crate::error::PageError::Status(axum::http::StatusCode::NOT_FOUND, format!("There is no such {what}."))
    })
}

fn static_file(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body)
}
