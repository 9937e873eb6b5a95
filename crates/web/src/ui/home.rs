//! The start page: what the user can do today, by role.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::routing::get;
use domain::role::Permission;

use crate::AppState;
use crate::auth::PageSession;
use crate::ui::Layout;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomePage {
    pub layout: Option<Layout>,
    pub display_name: String,
    pub can_read_patients: bool,
    pub can_write_patients: bool,
    pub can_audit: bool,
    pub can_admin: bool,
}

pub async fn home(session: PageSession) -> HomePage {
    let caller = &session.caller;
    HomePage {
        display_name: session.user().map_or_else(String::new, |u| u.display_name.clone()),
        can_read_patients: caller.can(Permission::PatientRead),
        can_write_patients: caller.can(Permission::PatientWrite),
        can_audit: caller.can(Permission::AuditRead),
        can_admin: caller.can(Permission::UserAdmin),
        layout: Some(Layout::new(&session, "/")),
    }
}
