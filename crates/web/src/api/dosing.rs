//! `/api/v1/dosing`: the stateless Bayesian dosing calculator for other systems — the population models, and a fit
//! of one to doses and levels with AUC windows, regimen suggestions and the predicted curve (pharmacists).

use app::dosing::{EstimateInput, EstimateOutput, ModelInfo};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ListPage};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, Problem};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_dosing_models)).routes(routes!(estimate_dosing))
}

/// The population PK models, each with the covariates it needs and its publication.
#[utoipa::path(get, path = "/api/v1/dosing/models", tag = "dosing",
    responses((status = 200, body = ListPage<ModelInfo>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_dosing_models(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
) -> Result<Response, ApiError> {
    let items = state.run(move |app| app.dosing_models(&caller)).await?;
    Ok(axum::Json(ListPage { items, next_cursor: None }).into_response())
}

/// Fit a population model to a dosing history and measured levels (Bayesian MAP; the a priori prediction without
/// levels): individual parameters, η, AUC over the requested windows, regimens for the AUC24 target (default
/// 400–600 mg·h/L) and the predicted curve. Nothing is stored. Impossible input → 422 naming the field.
#[utoipa::path(post, path = "/api/v1/dosing/estimate", tag = "dosing", request_body = EstimateInput,
    responses((status = 200, body = EstimateOutput), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 422, body = Problem)))]
pub async fn estimate_dosing(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<EstimateInput>,
) -> Result<Response, ApiError> {
    let output = state.run(move |app| app.dosing_estimate(&caller, &input)).await?;
    Ok(axum::Json(output).into_response())
}
