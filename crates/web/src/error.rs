//! Errors to HTTP, once: `ApiError` is RFC 9457 problem+json for `/api`, `PageError` an HTML error page for the UI.
//! Internal failures are logged here with the request id and answered with an opaque body.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::FieldError;
use serde::Serialize;

use app::AppError;
use app::StoreError;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub retry_after: Option<i64>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self { status, detail: detail.into(), errors: Vec::new(), retry_after: None }
    }

    pub fn field(status: StatusCode, field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            status,
            detail: format!("{field}: {message}"),
            errors: vec![FieldError { field: field.to_owned(), message }],
            retry_after: None,
        }
    }
}

/// Status and public detail of an application error; internal ones are logged and hidden.
fn classify(error: &AppError) -> (StatusCode, String) {
    match error {
        AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, "sign-in or a bearer token is required".into()),
        AppError::BadCredentials | AppError::SecondFactorRequired => (StatusCode::UNAUTHORIZED, error.to_string()),
        AppError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, error.to_string()),
        AppError::Forbidden(_) => (StatusCode::FORBIDDEN, error.to_string()),
        AppError::NotFound(_) => (StatusCode::NOT_FOUND, error.to_string()),
        AppError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, error.to_string()),
        AppError::StaleVersion { .. } => (StatusCode::PRECONDITION_FAILED, error.to_string()),
        AppError::Conflict(_) => (StatusCode::CONFLICT, error.to_string()),
        AppError::Store(StoreError::StaleVersion) => (StatusCode::PRECONDITION_FAILED, error.to_string()),
        AppError::Store(StoreError::UniqueViolation(_)) => (StatusCode::CONFLICT, "the record already exists".into()),
        AppError::Internal(_)
        | AppError::Store(
            StoreError::NotFound
            | StoreError::ForeignKeyViolation(_)
            | StoreError::Corrupt { .. }
            | StoreError::Connection(_)
            | StoreError::Pool(_)
            | StoreError::Migration(_)
            | StoreError::Database(_),
        ) => {
            tracing::error!(error = %error, "internal error");
            (StatusCode::INTERNAL_SERVER_ERROR, "an internal error occurred; it has been logged".into())
        }
    }
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        let (status, detail) = classify(&error);
        let errors = match &error {
            AppError::Invalid(v) => v.0.clone(),
            _ => Vec::new(),
        };
        let retry_after = match error {
            AppError::RateLimited { retry_after_minutes } => Some(retry_after_minutes * 60),
            _ => None,
        };
        ApiError { status, detail, errors, retry_after }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error").to_owned();
        let problem = Problem {
            kind: "about:blank".into(),
            title,
            status: self.status.as_u16(),
            detail: self.detail,
            errors: self.errors,
        };
        let mut response = (self.status, axum::Json(problem)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
            headers.insert(header::RETRY_AFTER, seconds);
        }
        response
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub title: String,
    pub detail: String,
}

/// An error on a UI route: an error page with the status, or a redirect to sign in.
#[derive(Debug)]
pub enum PageError {
    SignIn { next: String },
    Status(StatusCode, String),
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Unauthenticated => PageError::SignIn { next: "/".into() },
            other => {
                let (status, detail) = classify(&other);
                PageError::Status(status, detail)
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::SignIn { next } => {
                let target = format!("/login?next={}", crate::filters::url_encode(&next));
                axum::response::Redirect::to(&target).into_response()
            }
            PageError::Status(status, detail) => {
                let page = ErrorPage {
                    status: status.as_u16(),
                    title: status.canonical_reason().unwrap_or("Error").into(),
                    detail,
                };
                (status, page).into_response()
            }
        }
    }
}

/// 404 for unknown routes: problem+json under /api and /fhir, a page elsewhere.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::new(StatusCode::NOT_FOUND, "no such route").into_response()
    } else {
        PageError::Status(StatusCode::NOT_FOUND, "There is no page at this address.".into()).into_response()
    }
}
