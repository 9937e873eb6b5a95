//! HTTP: the server-rendered UI (askama + htmx) under `/`, the JSON API under `/api/v1` with its OpenAPI document at
//! `/api/openapi.json`, and the operational endpoints. Handlers are thin: extract, call one `app` function, render.

pub mod api;
pub mod auth;
pub mod error;
pub mod filters;
pub mod form;
pub mod ops;
pub mod ui;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use error::{ApiError, PageError};

/// The largest request body accepted (DESIGN: bodies over 1 MiB are refused with 413).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Shared, cheap-to-clone handles.
#[derive(Clone)]
pub struct AppState {
    pub app: app::App,
    pub metrics: Arc<ops::Metrics>,
}

impl AppState {
    pub fn new(app: app::App) -> Self {
        Self { app, metrics: Arc::new(ops::Metrics::new()) }
    }

    /// Runs a blocking use case off the async threads.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&app::App) -> Result<T, app::AppError> + Send + 'static,
    ) -> Result<T, app::AppError> {
        let app = self.app.clone();
        tokio::task::spawn_blocking(move || f(&app))
            .await
            .unwrap_or_else(|e| Err(app::AppError::Internal(format!("the worker of the request failed: {e}"))))
    }
}

/// The whole application router, used by `openinfusion serve` and the tests.
pub fn router(state: AppState) -> Router {
    let (api_router, openapi) = api::router().split_for_parts();
    let openapi = Arc::new(openapi);
    Router::new()
        .merge(ui::router())
        .merge(api_router)
        .merge(ops::router())
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let doc = openapi.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), ops::track))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    // Path only: query strings can carry search words (patient names).
                    let request_id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
                    tracing::info_span!("http", method = %request.method(), path = %request.uri().path(), request_id = %request_id)
                })
                .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .with_state(state)
}
