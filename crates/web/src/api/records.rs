//! The sub-collections of a patient: `/allergies`, `/measurements`, `/labs`, `/diagnoses`, `/coverages`,
//! `/access-devices` (list and add), and `PATCH` with `If-Match` for the records that change (allergies, coverages,
//! access devices).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use domain::PatientId;
use domain::access_device::{AccessDevice, AccessDeviceInput};
use domain::allergy::{Allergy, AllergyInput};
use domain::coverage::{Coverage, CoverageInput};
use domain::diagnosis::{Diagnosis, DiagnosisInput};
use domain::lab::{LabInput, LabResult};
use domain::measurement::{Measurement, MeasurementInput};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::patient_records::{NewRecord, RecordChange};

use super::{ApiJson, IfMatch, ListPage, created, etag, path_id};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, Problem};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_allergies, add_allergy))
        .routes(routes!(update_allergy))
        .routes(routes!(list_measurements, add_measurement))
        .routes(routes!(list_labs, add_lab))
        .routes(routes!(list_diagnoses, add_diagnosis))
        .routes(routes!(list_coverages, add_coverage))
        .routes(routes!(update_coverage))
        .routes(routes!(list_access_devices, add_access_device))
        .routes(routes!(update_access_device))
}

async fn add(
    state: AppState,
    caller: app::Caller,
    id: String,
    collection: &'static str,
    new: NewRecord,
) -> Result<Response, ApiError> {
    let patient_id: PatientId = path_id(&id, "patient")?;
    let record = state.run(move |app| app.add_patient_record(&caller, patient_id, new)).await?;
    let location = format!("/api/v1/patients/{patient_id}/{collection}/{}", record.id());
    Ok(created(location, record.version(), record))
}

async fn list<T: serde::Serialize + utoipa::ToSchema + Send + 'static>(
    state: AppState,
    caller: app::Caller,
    id: String,
    pick: fn(app::PatientRecords) -> Vec<T>,
) -> Result<Response, ApiError> {
    let patient_id: PatientId = path_id(&id, "patient")?;
    let records = state.run(move |app| app.patient_records(&caller, patient_id)).await?;
    Ok(axum::Json(ListPage { items: pick(records), next_cursor: None }).into_response())
}

async fn change(
    state: AppState,
    caller: app::Caller,
    id: String,
    record_id: String,
    version: i64,
    change: RecordChange,
) -> Result<Response, ApiError> {
    let patient_id: PatientId = path_id(&id, "patient")?;
    let record =
        state.run(move |app| app.change_patient_record(&caller, patient_id, &record_id, version, change)).await?;
    Ok((etag(record.version()), axum::Json(record)).into_response())
}

macro_rules! collection {
    ($list:ident, $add:ident, $path:literal, $collection:literal, $item:ty, $input:ty, $variant:ident, $field:ident, $tag:literal) => {
        #[doc = concat!("List the patient's ", $collection, ".")]
        #[utoipa::path(get, path = $path, tag = $tag, params(("id" = String, Path)),
            responses((status = 200, body = ListPage<$item>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
        pub async fn $list(State(state): State<AppState>, ApiCaller(caller): ApiCaller, Path(id): Path<String>) -> Result<Response, ApiError> {
            list(state, caller, id, |r| r.$field).await
        }

        #[doc = concat!("Add to the patient's ", $collection, ".")]
        #[utoipa::path(post, path = $path, tag = $tag, params(("id" = String, Path)), request_body = $input,
            responses((status = 201, body = $item), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
        pub async fn $add(State(state): State<AppState>, ApiCaller(caller): ApiCaller, Path(id): Path<String>, ApiJson(input): ApiJson<$input>) -> Result<Response, ApiError> {
            add(state, caller, id, $collection, NewRecord::$variant(input)).await
        }
    };
}

macro_rules! changeable {
    ($update:ident, $path:literal, $item:ty, $input:ty, $variant:ident, $tag:literal) => {
        /// Change fields of the record (the fields sent replace the stored ones). Needs `If-Match: "<version>"`.
        #[utoipa::path(patch, path = $path, tag = $tag, params(("id" = String, Path), ("record_id" = String, Path)), request_body = $input,
            responses((status = 200, body = $item), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
                      (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)))]
        pub async fn $update(
            State(state): State<AppState>,
            ApiCaller(caller): ApiCaller,
            Path((id, record_id)): Path<(String, String)>,
            IfMatch(version): IfMatch,
            ApiJson(input): ApiJson<$input>,
        ) -> Result<Response, ApiError> {
            change(state, caller, id, record_id, version, RecordChange::$variant(input)).await
        }
    };
}

collection!(
    list_allergies,
    add_allergy,
    "/api/v1/patients/{id}/allergies",
    "allergies",
    Allergy,
    AllergyInput,
    Allergy,
    allergies,
    "allergies"
);
collection!(
    list_measurements,
    add_measurement,
    "/api/v1/patients/{id}/measurements",
    "measurements",
    Measurement,
    MeasurementInput,
    Measurement,
    measurements,
    "measurements"
);
collection!(list_labs, add_lab, "/api/v1/patients/{id}/labs", "labs", LabResult, LabInput, Lab, labs, "labs");
collection!(
    list_diagnoses,
    add_diagnosis,
    "/api/v1/patients/{id}/diagnoses",
    "diagnoses",
    Diagnosis,
    DiagnosisInput,
    Diagnosis,
    diagnoses,
    "diagnoses"
);
collection!(
    list_coverages,
    add_coverage,
    "/api/v1/patients/{id}/coverages",
    "coverages",
    Coverage,
    CoverageInput,
    Coverage,
    coverages,
    "coverages"
);
collection!(
    list_access_devices,
    add_access_device,
    "/api/v1/patients/{id}/access-devices",
    "access-devices",
    AccessDevice,
    AccessDeviceInput,
    AccessDevice,
    access_devices,
    "access devices"
);
changeable!(update_allergy, "/api/v1/patients/{id}/allergies/{record_id}", Allergy, AllergyInput, Allergy, "allergies");
changeable!(
    update_coverage,
    "/api/v1/patients/{id}/coverages/{record_id}",
    Coverage,
    CoverageInput,
    Coverage,
    "coverages"
);
changeable!(
    update_access_device,
    "/api/v1/patients/{id}/access-devices/{record_id}",
    AccessDevice,
    AccessDeviceInput,
    AccessDevice,
    "access devices"
);
