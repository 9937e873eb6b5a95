//! The user list (roles per branch, status, two-factor) and the new-user form: username, display name, password,
//! home branch and the roles-per-branch grid.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::branch::Branch;
use domain::role::Permission;
use domain::user::{User, UserInput};
use domain::{BranchId, Validation, ValidationErrors};

use app::AppError;
use app::users::CreateUser;

use super::grants::{GrantGrid, describe_grants, parse_grants};
use crate::AppState;
use crate::auth::{PageSession, PostedForm};
use crate::error::PageError;
use crate::form::{Field, FormData, InputKind, fill, unplaced_errors};
use crate::ui::Layout;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list_users).post(create_user))
        .route("/admin/users/new", get(new_user).post(create_user))
}

/// One row of the list, preformatted.
pub struct UserRow {
    pub href: String,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub enabled: bool,
    pub totp: bool,
}

impl UserRow {
    fn new(user: &User, branches: &[Branch]) -> Self {
        UserRow {
            href: format!("/admin/users/{}", user.id),
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            roles: describe_grants(&user.grants, branches),
            enabled: !user.disabled,
            totp: user.totp_enabled,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users/list.html")]
pub struct UserListPage {
    pub layout: Option<Layout>,
    pub rows: Vec<UserRow>,
}

pub async fn list_users(State(state): State<AppState>, session: PageSession) -> Result<UserListPage, PageError> {
    let caller = session.caller.clone();
    let (users, branches) = state.run(move |app| Ok((app.list_users(&caller)?, app.list_branches()?))).await?;
    Ok(UserListPage {
        layout: Some(Layout::new(&session, "/admin/users")),
        rows: users.iter().map(|u| UserRow::new(u, &branches)).collect(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users/new.html")]
pub struct NewUserPage {
    pub layout: Option<Layout>,
    pub fields: Vec<Field>,
    pub grid: GrantGrid,
    pub errors: Vec<String>,
}

fn user_fields(branches: &[Branch]) -> Vec<Field> {
    use InputKind::*;
    let branch_options = branches.iter().map(|b| (b.id.to_string(), format!("{} — {}", b.code, b.name))).collect();
    vec![
        Field::new("username", "Username", Text)
            .required()
            .hint("3–40 lower-case letters, digits, dots, hyphens or underscores"),
        Field::new("display_name", "Display name", Text)
            .hint("Shown in the header and the audit trail; defaults to the username"),
        Field::new("password", "Password", Password)
            .required()
            .autocomplete("new-password")
            .hint("At least 12 characters"),
        Field::new("home_branch", "Home branch", Select(branch_options))
            .hint("Records the user creates default to it; blank: the branch of the first role"),
    ]
}

/// The new-user form, refilled with what was posted (never the password) and its errors.
fn render(
    session: &PageSession,
    branches: &[Branch],
    form: &FormData,
    errors: Option<&ValidationErrors>,
) -> NewUserPage {
    let mut fields = user_fields(branches);
    let mut values = form.to_map();
    values.remove("password");
    fill(&mut fields, &values, errors);
    let grid_error = errors.and_then(|e| e.message_for("roles")).map(str::to_owned);
    let others = errors.map(|e| ValidationErrors(e.0.iter().filter(|fe| fe.field != "roles").cloned().collect()));
    NewUserPage {
        layout: Some(Layout::new(session, "/admin/users")),
        errors: unplaced_errors(&fields, others.as_ref()),
        grid: GrantGrid::new(branches, &GrantGrid::posted(&form.all("grant")), grid_error),
        fields,
    }
}

pub async fn new_user(State(state): State<AppState>, session: PageSession) -> Result<NewUserPage, PageError> {
    session.caller.require(Permission::UserAdmin).map_err(PageError::from)?;
    let branches = state.run(|app| app.list_branches()).await?;
    Ok(render(&session, &branches, &FormData::default(), None))
}

/// The use case's input from the posted form; grants and home branch are read here, the rest in `app`.
fn create_request(form: &FormData) -> Result<CreateUser, ValidationErrors> {
    let mut v = Validation::new();
    let grants = v.check("roles", parse_grants(&form.all("grant")));
    let home_branch = v.check(
        "home_branch",
        match form.opt("home_branch") {
            None => Ok(None),
            Some(text) => BranchId::parse(&text).map(Some).ok_or_else(|| "is not a branch of this server".to_owned()),
        },
    );
    let input = UserInput {
        username: form.opt("username"),
        display_name: form.opt("display_name"),
        password: form.get("password").filter(|p| !p.is_empty()).map(str::to_owned),
    };
    // Every fault at once: the fields `app` checks too.
    if v.has_errors()
        && let Err(errors) = input.validate()
    {
        errors.0.into_iter().for_each(|e| v.error(&e.field, e.message));
    }
    v.finish(|| Some(CreateUser { input, grants: grants?, home_branch: home_branch? }))
}

pub async fn create_user(
    State(state): State<AppState>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    let caller = session.caller.clone();
    let request = create_request(&form);
    let (result, branches) = state
        .run(move |app| {
            let result = request.map_err(AppError::from).and_then(|request| app.create_user(&caller, request));
            Ok((result, app.list_branches()?))
        })
        .await?;
    match result {
        Ok(user) => Ok(Redirect::to(&format!("/admin/users/{}", user.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&session, &branches, &form, Some(&errors))).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn create_request_reads_grants_and_home_branch() {
        let branch = BranchId::new();
        let grant = format!("{branch}:nurse");
        let request = create_request(&form(&[
            ("username", " ana "),
            ("password", " pw "),
            ("grant", &grant),
            ("home_branch", ""),
        ]))
        .expect("valid form");
        assert_eq!(request.input.username.as_deref(), Some("ana"));
        assert_eq!(request.input.password.as_deref(), Some(" pw "), "passwords are not trimmed");
        assert_eq!(request.grants.len(), 1);
        assert_eq!(request.home_branch, None);

        let errors =
            create_request(&form(&[("grant", "x:nurse"), ("home_branch", "main")])).err().expect("invalid form");
        for field in ["roles", "home_branch", "username", "password"] {
            assert!(errors.message_for(field).is_some(), "{field}: {errors:?}");
        }
    }
}
