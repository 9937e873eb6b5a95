//! Branches: the list, a new branch (code, name, kind, time zone), and editing a branch's name, kind and time zone
//! (its code is permanent). Every page needs `BranchAdmin`; listing is open in `app`, so the pages check it first.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::branch::{Branch, BranchInput, BranchKind};
use domain::role::Permission;
use domain::{BranchId, ValidationErrors};

use app::AppError;

use super::parse_id;
use crate::AppState;
use crate::auth::{PageSession, PostedForm};
use crate::error::PageError;
use crate::form::{Field, FormData, InputKind, fill, options, unplaced_errors};
use crate::ui::Layout;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/branches", get(list_branches).post(create_branch))
        .route("/admin/branches/new", get(new_branch).post(create_branch))
        .route("/admin/branches/{id}", get(edit_branch).post(update_branch))
}

pub struct BranchRow {
    pub href: String,
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub time_zone: &'static str,
    pub is_main: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/branches/list.html")]
pub struct BranchListPage {
    pub layout: Option<Layout>,
    pub rows: Vec<BranchRow>,
}

fn require_admin(session: &PageSession) -> Result<(), PageError> {
    session.caller.require(Permission::BranchAdmin).map_err(PageError::from)
}

pub async fn list_branches(State(state): State<AppState>, session: PageSession) -> Result<BranchListPage, PageError> {
    require_admin(&session)?;
    let branches = state.run(|app| app.list_branches()).await?;
    let rows = branches
        .iter()
        .map(|b| BranchRow {
            href: format!("/admin/branches/{}", b.id),
            code: b.code.clone(),
            name: b.name.clone(),
            kind: b.kind.label(),
            time_zone: b.time_zone.name(),
            is_main: b.is_main,
        })
        .collect();
    Ok(BranchListPage { layout: Some(Layout::new(&session, "/admin/branches")), rows })
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/branches/form.html")]
pub struct BranchFormPage {
    pub layout: Option<Layout>,
    pub heading: String,
    pub action: String,
    pub submit: &'static str,
    /// The permanent code, shown read-only when editing.
    pub code: Option<String>,
    pub version: Option<i64>,
    pub fields: Vec<Field>,
    pub errors: Vec<String>,
}

/// The form's fields; the code only when creating.
fn branch_fields(with_code: bool) -> Vec<Field> {
    use InputKind::*;
    let mut fields = Vec::new();
    if with_code {
        fields.push(
            Field::new("code", "Code", Text)
                .required()
                .hint("2–10 letters or digits, e.g. HIP; printed on labels and cannot change"),
        );
    }
    fields.push(Field::new("name", "Name", Text).required());
    fields.push(
        Field::new("kind", "Kind", Select(options(BranchKind::ALL, BranchKind::as_str, BranchKind::label))).required(),
    );
    fields.push(Field::new("time_zone", "Time zone", Text).required().hint("IANA, e.g. America/New_York"));
    fields
}

fn input_from_form(form: &FormData, with_code: bool) -> BranchInput {
    BranchInput {
        code: if with_code { form.opt("code") } else { None },
        name: form.opt("name"),
        kind: form.opt("kind"),
        time_zone: form.opt("time_zone"),
    }
}

fn input_values(input: &BranchInput) -> HashMap<String, String> {
    [("code", &input.code), ("name", &input.name), ("kind", &input.kind), ("time_zone", &input.time_zone)]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k.to_owned(), v)))
        .collect()
}

/// The new form (no branch) or the edit form of `branch` at `version`.
fn render(
    session: &PageSession,
    branch: Option<(&Branch, i64)>,
    values: &HashMap<String, String>,
    errors: Option<&ValidationErrors>,
) -> BranchFormPage {
    let mut fields = branch_fields(branch.is_none());
    fill(&mut fields, values, errors);
    let errors = unplaced_errors(&fields, errors);
    let layout = Some(Layout::new(session, "/admin/branches"));
    match branch {
        None => BranchFormPage {
            layout,
            heading: "New branch".into(),
            action: "/admin/branches".into(),
            submit: "Create branch",
            code: None,
            version: None,
            fields,
            errors,
        },
        Some((b, version)) => BranchFormPage {
            layout,
            heading: format!("Edit {}", b.name),
            action: format!("/admin/branches/{}", b.id),
            submit: "Save changes",
            code: Some(b.code.clone()),
            version: Some(version),
            fields,
            errors,
        },
    }
}

pub async fn new_branch(State(state): State<AppState>, session: PageSession) -> Result<BranchFormPage, PageError> {
    require_admin(&session)?;
    let main_zone = state.run(|app| app.main_branch()).await.ok().map(|b| b.time_zone.name().to_owned());
    let values = main_zone.map(|zone| HashMap::from([("time_zone".to_owned(), zone)])).unwrap_or_default();
    Ok(render(&session, None, &values, None))
}

pub async fn create_branch(
    State(state): State<AppState>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    let input = input_from_form(&form, true);
    let caller = session.caller.clone();
    let attempt = input.clone();
    match state.run(move |app| app.create_branch(&caller, &attempt)).await {
        Ok(_) => Ok(Redirect::to("/admin/branches").into_response()),
        Err(AppError::Invalid(errors)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&session, None, &input_values(&input), Some(&errors)))
                .into_response())
        }
        Err(other) => Err(other.into()),
    }
}

async fn load(state: &AppState, session: &PageSession, id: &str) -> Result<(BranchId, Branch), PageError> {
    require_admin(session)?;
    let id: BranchId = parse_id(id, "branch")?;
    Ok((id, state.run(move |app| app.get_branch(id)).await?))
}

pub async fn edit_branch(
    State(state): State<AppState>,
    session: PageSession,
    Path(id): Path<String>,
) -> Result<BranchFormPage, PageError> {
    let (_, branch) = load(&state, &session, &id).await?;
    Ok(render(&session, Some((&branch, branch.version)), &input_values(&branch.to_input()), None))
}

pub async fn update_branch(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    let (id, branch) = load(&state, &session, &id).await?;
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let input = input_from_form(&form, false);
    let caller = session.caller.clone();
    let attempt = input.clone();
    let (status, errors) = match state.run(move |app| app.update_branch(&caller, id, version, &attempt)).await {
        Ok(_) => return Ok(Redirect::to("/admin/branches").into_response()),
        Err(AppError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
        Err(AppError::StaleVersion { current, .. }) => (
            StatusCode::CONFLICT,
            ValidationErrors::single(
                "version",
                format!(
                    "Someone else changed this branch while you were editing (now version {current}). Your changes were not saved: reload the branch and apply them again."
                ),
            ),
        ),
        Err(other) => return Err(other.into()),
    };
    Ok((status, render(&session, Some((&branch, version)), &input_values(&input), Some(&errors))).into_response())
}
