//! API tokens: the list with a revoke button per active token, and the create form whose answer shows the new
//! bearer token once (it is stored only as a hash).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::{ApiTokenId, ValidationErrors};

use app::AppError;
use app::auth::ApiTokenView;

use super::{Notice, parse_id};
use crate::AppState;
use crate::auth::{PageSession, PostedForm};
use crate::error::PageError;
use crate::form::{Field, FormData, InputKind, fill, unplaced_errors};
use crate::ui::Layout;
use crate::ui::audit::utc_time;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/tokens", get(list_tokens).post(create_token))
        .route("/admin/tokens/{id}/revoke", post(revoke_token))
}

pub struct TokenRow {
    pub name: String,
    pub owner: String,
    pub created: String,
    pub last_used: String,
    /// When it was revoked; `None` while active.
    pub revoked: Option<String>,
    pub revoke_action: String,
}

impl From<&ApiTokenView> for TokenRow {
    fn from(view: &ApiTokenView) -> Self {
        let t = &view.token;
        TokenRow {
            name: t.name.clone(),
            owner: view.username.clone(),
            created: utc_time(t.created_at),
            last_used: t.last_used_at.map_or_else(|| "never".to_owned(), utc_time),
            revoked: t.revoked_at.map(utc_time),
            revoke_action: format!("/admin/tokens/{}/revoke", t.id),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/tokens/list.html")]
pub struct TokenListPage {
    pub layout: Option<Layout>,
    pub rows: Vec<TokenRow>,
    pub fields: Vec<Field>,
    pub errors: Vec<String>,
    pub notice: Option<Notice>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/tokens/created.html")]
pub struct TokenCreatedPage {
    pub layout: Option<Layout>,
    pub name: String,
    pub owner: String,
    pub token: String,
}

/// The list and the create form, refilled with `form` and its errors. Owners come from the user list when the
/// caller may read it, else the owner is typed.
async fn render(
    state: &AppState,
    session: &PageSession,
    form: Option<&FormData>,
    errors: Option<&ValidationErrors>,
    notice: Option<Notice>,
) -> Result<TokenListPage, PageError> {
    let caller = session.caller.clone();
    let (tokens, users) = state
        .run(move |app| {
            let tokens = app.list_api_tokens(&caller)?;
            let users = match app.list_users(&caller) {
                Ok(users) => Some(users),
                Err(AppError::Forbidden(_)) => None,
                Err(other) => return Err(other),
            };
            Ok((tokens, users))
        })
        .await?;
    let owner = match users {
        Some(users) => InputKind::Select(
            users
                .into_iter()
                .filter(|u| !u.disabled)
                .map(|u| (u.username.clone(), format!("{} ({})", u.username, u.display_name)))
                .collect(),
        ),
        None => InputKind::Text,
    };
    let mut fields = vec![
        Field::new("username", "Owner", owner).required().hint("The token acts as this user, with their roles"),
        Field::new("name", "Token name", InputKind::Text).required().hint("What uses it, e.g. pharmacy-robot"),
    ];
    fill(&mut fields, &form.map(FormData::to_map).unwrap_or_default(), errors);
    Ok(TokenListPage {
        layout: Some(Layout::new(session, "/admin/tokens")),
        rows: tokens.iter().map(TokenRow::from).collect(),
        errors: unplaced_errors(&fields, errors),
        fields,
        notice,
    })
}

pub async fn list_tokens(State(state): State<AppState>, session: PageSession) -> Result<TokenListPage, PageError> {
    render(&state, &session, None, None, None).await
}

pub async fn create_token(
    State(state): State<AppState>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    let caller = session.caller.clone();
    let owner = form.opt("username").unwrap_or_default();
    let name = form.opt("name").unwrap_or_default();
    let (attempt_owner, attempt_name) = (owner.clone(), name.clone());
    match state.run(move |app| app.create_api_token(&caller, &attempt_owner, &attempt_name)).await {
        Ok(created) => {
            let page = TokenCreatedPage {
                layout: Some(Layout::new(&session, "/admin/tokens")),
                name,
                owner,
                token: created.token,
            };
            Ok(([(header::CACHE_CONTROL, "no-store")], page).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let page = render(&state, &session, Some(&form), Some(&errors), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { session, .. }: PostedForm,
) -> Result<Response, PageError> {
    let id: ApiTokenId = parse_id(&id, "API token")?;
    let caller = session.caller.clone();
    match state.run(move |app| app.revoke_api_token(&caller, id)).await {
        Ok(()) => Ok(Redirect::to("/admin/tokens").into_response()),
        Err(AppError::Conflict(message)) => {
            let page = render(&state, &session, None, None, Some(Notice::error(&message))).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
