//! One user: their facts, the roles-per-branch grid, disable or enable with a reason, and a password reset. Each
//! form posts to its own route and comes back here (303), or re-renders with its errors (422) or the refusal (409).

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::UserId;
use domain::ValidationErrors;
use domain::branch::Branch;
use domain::user::User;

use app::AppError;

use super::grants::{GrantGrid, describe_grants, parse_grants};
use super::{Notice, parse_id};
use crate::AppState;
use crate::auth::{PageSession, PostedForm};
use crate::error::PageError;
use crate::form::{Field, FormData, InputKind, fill, unplaced_errors};
use crate::ui::Layout;
use crate::ui::audit::utc_time;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users/{id}", get(show_user))
        .route("/admin/users/{id}/roles", post(set_roles))
        .route("/admin/users/{id}/disable", post(disable_user))
        .route("/admin/users/{id}/enable", post(enable_user))
        .route("/admin/users/{id}/password", post(reset_password))
}

/// What a successful form did, named in the redirect so the page can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Saved {
    Roles,
    Disabled,
    Enabled,
    Password,
}

impl Saved {
    const ALL: [Saved; 4] = [Saved::Roles, Saved::Disabled, Saved::Enabled, Saved::Password];

    fn as_str(self) -> &'static str {
        match self {
            Saved::Roles => "roles",
            Saved::Disabled => "disabled",
            Saved::Enabled => "enabled",
            Saved::Password => "password",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Saved::Roles => "Roles saved.",
            Saved::Disabled => "Account disabled; the user's sessions were ended.",
            Saved::Enabled => "Account enabled.",
            Saved::Password => "Password reset; the user's sessions were ended.",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Saved::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user_detail.html")]
pub struct UserDetailPage {
    pub layout: Option<Layout>,
    pub href: String,
    pub username: String,
    pub display_name: String,
    pub enabled: bool,
    pub totp: bool,
    pub home_branch: String,
    pub created: String,
    pub roles: Vec<String>,
    pub grid: GrantGrid,
    /// The reason field of the disable or enable form.
    pub reason_fields: Vec<Field>,
    pub password_fields: Vec<Field>,
    pub notice: Option<Notice>,
    pub errors: Vec<String>,
}

/// What a failed form sends back into the page.
#[derive(Default)]
struct Posted<'a> {
    form: Option<&'a FormData>,
    roles_form: bool,
    errors: Option<&'a ValidationErrors>,
    notice: Option<Notice>,
}

fn render(session: &PageSession, user: &User, branches: &[Branch], posted: Posted<'_>) -> UserDetailPage {
    let values = posted.form.map(FormData::to_map).unwrap_or_default();
    let mut reason_fields =
        vec![Field::new("reason", "Reason (optional)", InputKind::Text).hint("Recorded in the audit trail")];
    fill(&mut reason_fields, &values, posted.errors);
    let mut password_fields = vec![
        Field::new("password", "New password", InputKind::Password)
            .required()
            .autocomplete("new-password")
            .hint("At least 12 characters; the user's sessions end"),
    ];
    fill(&mut password_fields, &HashMap::new(), posted.errors);
    let selected = match posted.form {
        Some(form) if posted.roles_form => GrantGrid::posted(&form.all("grant")),
        _ => GrantGrid::selected(&user.grants),
    };
    let grid_error = posted.errors.and_then(|e| e.message_for("roles")).map(str::to_owned);
    let mut placed = reason_fields.clone();
    placed.extend(password_fields.iter().cloned());
    placed.push(Field::new("roles", "Roles", InputKind::Text));
    UserDetailPage {
        layout: Some(Layout::new(session, "/admin/users")),
        href: format!("/admin/users/{}", user.id),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        enabled: !user.disabled,
        totp: user.totp_enabled,
        home_branch: branches
            .iter()
            .find(|b| b.id == user.home_branch_id)
            .map_or_else(|| user.home_branch_id.to_string(), |b| format!("{} — {}", b.code, b.name)),
        created: utc_time(user.created_at),
        roles: describe_grants(&user.grants, branches),
        grid: GrantGrid::new(branches, &selected, grid_error),
        reason_fields,
        password_fields,
        notice: posted.notice,
        errors: unplaced_errors(&placed, posted.errors),
    }
}

async fn load(state: &AppState, session: &PageSession, id: UserId) -> Result<(User, Vec<Branch>), PageError> {
    let caller = session.caller.clone();
    Ok(state.run(move |app| Ok((app.get_user(&caller, id)?, app.list_branches()?))).await?)
}

pub async fn show_user(
    State(state): State<AppState>,
    session: PageSession,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<UserDetailPage, PageError> {
    let id = parse_id(&id, "user")?;
    let (user, branches) = load(&state, &session, id).await?;
    let notice = query.get("saved").and_then(|s| Saved::parse(s)).map(|s| Notice::ok(s.message()));
    Ok(render(&session, &user, &branches, Posted { notice, ..Posted::default() }))
}

/// Redirects after success; re-renders with the errors (422) or the refusal (409) otherwise.
async fn respond(
    state: &AppState,
    session: &PageSession,
    id: UserId,
    result: Result<(), AppError>,
    saved: Saved,
    form: &FormData,
) -> Result<Response, PageError> {
    let (status, errors, notice) = match result {
        Ok(()) => {
            return Ok(Redirect::to(&format!("/admin/users/{id}?saved={}", saved.as_str())).into_response());
        }
        Err(AppError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, Some(errors), None),
        Err(AppError::Conflict(message)) => (StatusCode::CONFLICT, None, Some(Notice::error(&message))),
        Err(other) => return Err(other.into()),
    };
    let (user, branches) = load(state, session, id).await?;
    let posted = Posted { form: Some(form), roles_form: saved == Saved::Roles, errors: errors.as_ref(), notice };
    Ok((status, render(session, &user, &branches, posted)).into_response())
}

pub async fn set_roles(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "user")?;
    let caller = session.caller.clone();
    let grants = parse_grants(&form.all("grant")).map_err(|m| AppError::invalid("roles", m));
    let result = state.run(move |app| Ok(grants.and_then(|g| app.set_user_roles(&caller, id, g)).map(|_| ()))).await?;
    respond(&state, &session, id, result, Saved::Roles, &form).await
}

async fn set_disabled(
    state: AppState,
    session: PageSession,
    id: String,
    form: FormData,
    disabled: bool,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "user")?;
    let caller = session.caller.clone();
    let reason = form.opt("reason");
    let result =
        state.run(move |app| Ok(app.set_user_disabled(&caller, id, disabled, reason.as_deref()).map(|_| ()))).await?;
    let saved = if disabled { Saved::Disabled } else { Saved::Enabled };
    respond(&state, &session, id, result, saved, &form).await
}

pub async fn disable_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    set_disabled(state, session, id, form, true).await
}

pub async fn enable_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    set_disabled(state, session, id, form, false).await
}

pub async fn reset_password(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "user")?;
    let caller = session.caller.clone();
    let password = form.get("password").unwrap_or_default().to_owned();
    let result = state.run(move |app| Ok(app.reset_password(&caller, id, &password).map(|_| ()))).await?;
    respond(&state, &session, id, result, Saved::Password, &form).await
}

#[cfg(test)]
mod tests {
    use super::Saved;

    #[test]
    fn saved_outcomes_round_trip_through_the_redirect() {
        for saved in Saved::ALL {
            assert_eq!(Saved::parse(saved.as_str()), Some(saved));
        }
        assert_eq!(Saved::parse("<script>"), None);
    }
}
