//! `/api/v1/patients`: search, register, read and change patients.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::PatientId;
use domain::patient::{Patient, PatientInput};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::patients::{PatientChange, PatientSearch};

use super::{ApiJson, IfMatch, ListPage, created, etag, path_id};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, Problem};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_patients, create_patient)).routes(routes!(get_patient, update_patient))
}

/// `?limit=` as a number, 422 naming the parameter otherwise.
pub fn query_limit(query: &HashMap<String, String>) -> Result<Option<i64>, ApiError> {
    query
        .get("limit")
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "limit", "must be a whole number"))
        })
        .transpose()
}

/// Search patients by name or MRN prefix (each word of `q` must match), in name order.
#[utoipa::path(get, path = "/api/v1/patients", tag = "patients",
    params(("q" = Option<String>, Query, description = "words matching the start of family name, given name or MRN"),
           ("limit" = Option<i64>, Query, description = "1–200, default 50"),
           ("cursor" = Option<String>, Query, description = "next_cursor of the previous page")),
    responses((status = 200, body = ListPage<Patient>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_patients(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let search =
        PatientSearch { q: query.get("q").cloned(), cursor: query.get("cursor").cloned(), limit: query_limit(&query)? };
    let page = state.run(move |app| app.search_patients(&caller, &search)).await?;
    Ok(axum::Json(ListPage::from(page)).into_response())
}

/// Register a patient. A patient with the same names and birth date is flagged in `possible_duplicate_of`.
#[utoipa::path(post, path = "/api/v1/patients", tag = "patients", request_body = PatientInput,
    responses((status = 201, body = Patient), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn create_patient(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<PatientInput>,
) -> Result<Response, ApiError> {
    let patient = state.run(move |app| app.create_patient(&caller, &input)).await?;
    Ok(created(format!("/api/v1/patients/{}", patient.id), patient.version, patient))
}

/// Read one patient; `ETag` carries its version.
#[utoipa::path(get, path = "/api/v1/patients/{id}", tag = "patients", params(("id" = String, Path)),
    responses((status = 200, body = Patient), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_patient(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: PatientId = path_id(&id, "patient")?;
    let patient = state.run(move |app| app.get_patient(&caller, id)).await?;
    Ok((etag(patient.version), axum::Json(patient)).into_response())
}

/// Change a patient: a JSON merge patch of patient fields (`null` clears one). Needs `If-Match: "<version>"`.
#[utoipa::path(patch, path = "/api/v1/patients/{id}", tag = "patients", params(("id" = String, Path)), request_body = PatientInput,
    responses((status = 200, body = Patient), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)))]
pub async fn update_patient(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(patch): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> Result<Response, ApiError> {
    let id: PatientId = path_id(&id, "patient")?;
    let patient = state.run(move |app| app.update_patient(&caller, id, version, PatientChange::Merge(patch))).await?;
    Ok((etag(patient.version), axum::Json(patient)).into_response())
}
