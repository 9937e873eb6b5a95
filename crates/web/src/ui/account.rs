//! The signed-in user's account: username, roles per branch, two-factor status, and turning on two-factor sign-in
//! (TOTP): a fresh secret and its `otpauth://` URI, confirmed with a code from the authenticator app.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::ValidationErrors;

use app::AppError;
use app::auth::{new_totp_secret, totp_uri};

use crate::AppState;
use crate::auth::{PageSession, PostedForm};
use crate::error::PageError;
use crate::form::{Field, InputKind, fill, unplaced_errors};
use crate::ui::Layout;
use crate::ui::admin::Notice;
use crate::ui::admin::grants::describe_grants;

pub fn router() -> Router<AppState> {
    Router::new().route("/account", get(show_account)).route("/account/totp", post(enroll_totp))
}

#[derive(Template, WebTemplate)]
#[template(path = "account/show.html")]
pub struct AccountPage {
    pub layout: Option<Layout>,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub totp_enabled: bool,
    /// The secret being set up (base32) and its URI; empty when two-factor sign-in is on.
    pub secret: String,
    pub uri: String,
    pub fields: Vec<Field>,
    pub errors: Vec<String>,
    pub notice: Option<Notice>,
}

/// The page, with the set-up form for `secret` when two-factor sign-in is off.
async fn render(
    state: &AppState,
    session: &PageSession,
    secret: String,
    code_errors: Option<&ValidationErrors>,
    notice: Option<Notice>,
) -> Result<Response, PageError> {
    let user = session.user().ok_or(AppError::Unauthenticated)?.clone();
    let branches = state.run(|app| app.list_branches()).await?;
    let mut fields = vec![
        Field::new("code", "Code from your app", InputKind::Text)
            .required()
            .autocomplete("one-time-code")
            .hint("The 6-digit code the app shows for OpenInfusion"),
    ];
    fill(&mut fields, &HashMap::new(), code_errors);
    let (secret, uri) = match user.totp_enabled {
        true => (String::new(), String::new()),
        false => {
            let uri = totp_uri(&secret, &user.username).unwrap_or_default();
            (secret, uri)
        }
    };
    let page = AccountPage {
        layout: Some(Layout::new(session, "/account")),
        roles: describe_grants(&user.grants, &branches),
        username: user.username,
        display_name: user.display_name,
        totp_enabled: user.totp_enabled,
        secret,
        uri,
        errors: unplaced_errors(&fields, code_errors),
        fields,
        notice,
    };
    // The page can carry a TOTP secret: never cache it.
    Ok(([(header::CACHE_CONTROL, "no-store")], page).into_response())
}

pub async fn show_account(
    State(state): State<AppState>,
    session: PageSession,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let notice = query
        .contains_key("enrolled")
        .then(|| Notice::ok("Two-factor sign-in is on: sign-ins now ask for a code from your app."));
    render(&state, &session, new_totp_secret(), None, notice).await
}

pub async fn enroll_totp(
    State(state): State<AppState>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    let secret = form.opt("secret").unwrap_or_default();
    let code = form.get("code").unwrap_or_default().to_owned();
    let caller = session.caller.clone();
    let attempt = secret.clone();
    match state.run(move |app| app.enroll_totp(&caller, &attempt, &code)).await {
        Ok(()) => Ok(Redirect::to("/account?enrolled=1").into_response()),
        Err(AppError::Invalid(errors)) => {
            // Keep the secret the app was given, unless it is the faulty part.
            let secret = if errors.message_for("secret").is_some() { new_totp_secret() } else { secret };
            let mut response = render(&state, &session, secret, Some(&errors), None).await?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(AppError::Conflict(message)) => {
            let mut response = render(&state, &session, String::new(), None, Some(Notice::error(&message))).await?;
            *response.status_mut() = StatusCode::CONFLICT;
            Ok(response)
        }
        Err(other) => Err(other.into()),
    }
}
