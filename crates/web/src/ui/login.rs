//! Sign-in and sign-out. The sign-in form is protected by a double-submit CSRF cookie (there is no session yet);
//! a new session token is issued at every sign-in.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::Router;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use std::collections::HashMap;
use std::net::SocketAddr;

use app::AppError;
use app::auth::{LoginRequest, random_token};

use crate::auth::{
    CSRF_FIELD, LOGIN_CSRF_COOKIE, PageSession, PostedForm, SESSION_COOKIE, constant_time_eq, cookie, is_https,
};
use crate::error::PageError;
use crate::form::FormData;
use crate::ui::Layout;
use crate::{AppState, REQUEST_ID};

pub fn router() -> Router<AppState> {
    Router::new().route("/login", get(show_login).post(submit_login)).route("/logout", post(logout))
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Option<Layout>,
    pub csrf_token: String,
    pub username: String,
    pub next: String,
    pub ask_code: bool,
    pub error: Option<String>,
}

/// Only local paths are followed after sign-in (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_owned(),
        _ => "/".to_owned(),
    }
}

fn render(jar: CookieJar, headers: &HeaderMap, status: StatusCode, mut page: LoginPage) -> Response {
    let token = random_token();
    page.csrf_token = token.clone();
    let jar = jar.add(cookie(LOGIN_CSRF_COOKIE, token, is_https(headers)));
    (status, jar, page).into_response()
}

pub async fn show_login(jar: CookieJar, headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> Response {
    let page = LoginPage {
        layout: None,
        csrf_token: String::new(),
        username: String::new(),
        next: safe_next(query.get("next").map(String::as_str)),
        ask_code: false,
        error: None,
    };
    render(jar, &headers, StatusCode::OK, page)
}

pub async fn submit_login(
    State(state): State<AppState>,
    jar: CookieJar,
    headers: HeaderMap,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    form: FormData,
) -> Result<Response, PageError> {
    let sent = form.get(CSRF_FIELD).unwrap_or_default();
    let expected = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
    if !constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
        return Err(PageError::Status(
            StatusCode::FORBIDDEN,
            "The sign-in form has expired. Reload the page and try again.".into(),
        ));
    }
    let username = form.get("username").unwrap_or_default().to_owned();
    let password = form.get("password").unwrap_or_default().to_owned();
    let code = form.opt("code");
    let next = safe_next(form.get("next"));
    let remote = connect.map_or_else(|| "unknown".to_owned(), |Extension(ConnectInfo(addr))| addr.ip().to_string());
    let request_id = headers.get(REQUEST_ID).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let attempt_username = username.clone();
    let result = state
        .run(move |app| {
            app.login(LoginRequest {
                username: &attempt_username,
                password: &password,
                totp_code: code.as_deref(),
                remote_addr: &remote,
                request_id,
            })
        })
        .await;
    let mut page = LoginPage {
        layout: None,
        csrf_token: String::new(),
        username,
        next: next.clone(),
        ask_code: false,
        error: None,
    };
    match result {
        Ok(session) => {
            let secure = is_https(&headers);
            let jar = jar.remove(LOGIN_CSRF_COOKIE).add(cookie(SESSION_COOKIE, session.token, secure));
            Ok((jar, Redirect::to(&next)).into_response())
        }
        Err(AppError::SecondFactorRequired) => {
            page.ask_code = true;
            page.error = Some("Enter the 6-digit code from your authenticator app.".into());
            Ok(render(jar, &headers, StatusCode::UNAUTHORIZED, page))
        }
        Err(e @ (AppError::BadCredentials | AppError::RateLimited { .. })) => {
            let status = if matches!(e, AppError::RateLimited { .. }) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            page.ask_code = form.get("code").is_some();
            page.error = Some(e.to_string());
            Ok(render(jar, &headers, status, page))
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    PostedForm { session, .. }: PostedForm,
) -> Result<Response, PageError> {
    let PageSession { caller, token, .. } = session;
    state.run(move |app| app.logout(&token, &caller)).await?;
    Ok((jar.remove(SESSION_COOKIE), Redirect::to("/login")).into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/patients?q=a")), "/patients?q=a");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", "patients"] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
    }
}
