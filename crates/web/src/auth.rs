//! Who is calling: `ApiCaller` from an `Authorization: Bearer` token (the JSON API), `PageSession` from the session
//! cookie (the UI), plus the CSRF check every state-changing form passes.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

use app::{AppError, Caller};

use crate::error::{ApiError, PageError};
use crate::form::FormData;
use crate::{AppState, REQUEST_ID};

pub const SESSION_COOKIE: &str = "oi_session";
/// Double-submit token for the sign-in form, which has no session yet.
pub const LOGIN_CSRF_COOKIE: &str = "oi_login_csrf";
pub const CSRF_FIELD: &str = "csrf_token";

fn request_id(parts: &Parts) -> Option<String> {
    parts.headers.get(REQUEST_ID).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Whether the client reached us over TLS (directly or through a proxy that says so).
pub fn is_https(parts_headers: &axum::http::HeaderMap) -> bool {
    parts_headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// A cookie with the house attributes: HttpOnly, SameSite=Lax, path /, Secure behind TLS.
pub fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value)).http_only(true).same_site(SameSite::Lax).path("/").secure(secure).build()
}

/// The caller of a JSON API request, authenticated by bearer token.
pub struct ApiCaller(pub Caller);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::from(AppError::Unauthenticated))?;
        let request_id = request_id(parts);
        let caller = state.run(move |app| app.token_caller(&token, request_id)).await?;
        Ok(ApiCaller(caller))
    }
}

/// A signed-in UI user: their caller, the session token and its CSRF token.
pub struct PageSession {
    pub caller: Caller,
    pub csrf_token: String,
    pub token: String,
}

impl PageSession {
    /// Refuses a form whose CSRF token is not this session's (403).
    fn verify_csrf(&self, form: &FormData) -> Result<(), PageError> {
        let sent = form.get(CSRF_FIELD).unwrap_or_default();
        if constant_time_eq(sent.as_bytes(), self.csrf_token.as_bytes()) {
            Ok(())
        } else {
            Err(PageError::Status(
                StatusCode::FORBIDDEN,
                "The form has expired or did not come from this site. Reload the page and try again.".into(),
            ))
        }
    }

    pub fn user(&self) -> Option<&domain::user::User> {
        self.caller.user.as_ref()
    }
}

impl FromRequestParts<AppState> for PageSession {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let next = parts.uri.path_and_query().map_or("/".to_owned(), |p| p.as_str().to_owned());
        let jar = CookieJar::from_headers(&parts.headers);
        let token =
            jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()).ok_or(PageError::SignIn { next: next.clone() })?;
        let request_id = request_id(parts);
        let lookup = token.clone();
        match state.run(move |app| app.session(&lookup, request_id)).await {
            Ok(context) => Ok(PageSession { caller: context.caller, csrf_token: context.csrf_token, token }),
            Err(AppError::Unauthenticated) => Err(PageError::SignIn { next }),
            Err(other) => Err(other.into()),
        }
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && !a.is_empty() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A state-changing form from a signed-in user whose CSRF token is the session's: the only way a UI handler
/// receives a POST, so no handler can forget the check.
pub struct PostedForm {
    pub session: PageSession,
    pub form: FormData,
}

impl axum::extract::FromRequest<AppState> for PostedForm {
    type Rejection = PageError;

    async fn from_request(request: axum::extract::Request, state: &AppState) -> Result<Self, PageError> {
        let (mut parts, body) = request.into_parts();
        let session = PageSession::from_request_parts(&mut parts, state).await?;
        let form = FormData::from_request(axum::extract::Request::from_parts(parts, body), state).await?;
        session.verify_csrf(&form)?;
        Ok(PostedForm { session, form })
    }
}
