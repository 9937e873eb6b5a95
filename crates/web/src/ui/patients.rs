//! Patient pages: the searchable list (plain GET form, live results with htmx), register, view the chart, edit.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::PatientId;
use domain::ValidationErrors;
use domain::patient::{Patient, PatientInput, PatientStatus, Sex, SiteOfCare};
use domain::role::Permission;

use app::AppError;
use app::patients::{PatientChange, PatientSearch};

use crate::AppState;
use crate::auth::{PageSession, PostedForm};
use crate::error::PageError;
use crate::form::{Field, FormData, InputKind, fill, input_values, options, unplaced_errors};
use crate::ui::{Layout, parse_id};

pub mod chart;
pub mod records;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/patients", get(list_patients).post(create_patient))
        .route("/patients/new", get(new_patient))
        .route("/patients/{id}", get(chart::show_patient).post(update_patient))
        .route("/patients/{id}/edit", get(edit_patient))
        .merge(records::router())
}

/// One row of the list, preformatted.
pub struct PatientRow {
    pub href: String,
    pub name: String,
    pub mrn: String,
    pub birth_date: String,
    pub sex: &'static str,
    pub status: &'static str,
    pub site_of_care: &'static str,
    pub branch_code: String,
    pub possible_duplicate: bool,
}

impl From<&Patient> for PatientRow {
    fn from(p: &Patient) -> Self {
        PatientRow {
            href: format!("/patients/{}", p.id),
            name: p.display_name(),
            mrn: p.fields.mrn.to_string(),
            birth_date: p.fields.birth_date.to_string(),
            sex: p.fields.sex.label(),
            status: p.fields.status.label(),
            site_of_care: p.fields.site_of_care.label(),
            branch_code: p.branch_code.clone(),
            possible_duplicate: p.possible_duplicate_of.is_some(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "patients/list.html")]
pub struct PatientListPage {
    pub layout: Option<Layout>,
    pub q: String,
    pub rows: Vec<PatientRow>,
    pub next_href: Option<String>,
    pub can_register: bool,
}

/// The results table alone, for htmx requests.
#[derive(Template, WebTemplate)]
#[template(path = "patients/_results.html")]
pub struct PatientResults {
    pub q: String,
    pub rows: Vec<PatientRow>,
    pub next_href: Option<String>,
}

pub async fn list_patients(
    State(state): State<AppState>,
    session: PageSession,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let q = query.get("q").cloned().unwrap_or_default();
    let search = PatientSearch { q: Some(q.clone()), cursor: query.get("cursor").cloned(), limit: Some(50) };
    let caller = session.caller.clone();
    let page = state.run(move |app| app.search_patients(&caller, &search)).await?;
    let rows = page.items.iter().map(PatientRow::from).collect();
    let next_href = page.next_cursor.map(|c| format!("/patients?q={}&cursor={}", crate::filters::url_encode(&q), c));
    if headers.contains_key("hx-request") {
        return Ok(PatientResults { q, rows, next_href }.into_response());
    }
    Ok(PatientListPage {
        can_register: session.caller.can(Permission::PatientWrite),
        layout: Some(Layout::new(&session, "/patients")),
        q,
        rows,
        next_href,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "patients/form.html")]
pub struct PatientFormPage {
    pub layout: Option<Layout>,
    pub heading: String,
    pub action: String,
    pub submit: &'static str,
    pub version: Option<i64>,
    pub fields: Vec<Field>,
    pub errors: Vec<String>,
    pub cancel_href: String,
}

/// The patient form's fields, in the order a registration is typed.
fn patient_fields(branch_codes: Vec<(String, String)>) -> Vec<Field> {
    use InputKind::*;
    vec![
        Field::new("mrn", "MRN", Text).required().hint("Medical record number: letters, digits and hyphens"),
        Field::new("given_name", "Given name", Text).required(),
        Field::new("middle_name", "Middle name", Text),
        Field::new("family_name", "Family name", Text).required(),
        Field::new("birth_date", "Birth date", Date).required(),
        Field::new("sex", "Sex", Select(options(Sex::ALL, Sex::as_str, Sex::label))).required(),
        Field::new("language", "Preferred language", Text).hint("BCP 47 tag, e.g. en, es, vi, zh-Hant"),
        Field::new("phone", "Phone", Tel).autocomplete("off"),
        Field::new("email", "Email", Email),
        Field::new("address_line1", "Address line 1", Text),
        Field::new("address_line2", "Address line 2", Text),
        Field::new("city", "City", Text),
        Field::new("region", "State / region", Text),
        Field::new("postal_code", "Postal code", Text),
        Field::new("country", "Country", Text).hint("Two-letter ISO code, e.g. US"),
        Field::new("latitude", "Latitude", Number).hint("Decimal degrees, for visit routing"),
        Field::new("longitude", "Longitude", Number),
        Field::new("emergency_contact_name", "Emergency contact name", Text),
        Field::new("emergency_contact_relationship", "Emergency contact relationship", Text),
        Field::new("emergency_contact_phone", "Emergency contact phone", Tel),
        Field::new(
            "status",
            "Status",
            Select(options(PatientStatus::ALL, PatientStatus::as_str, PatientStatus::label)),
        ),
        Field::new(
            "site_of_care",
            "Site of care",
            Select(options(SiteOfCare::ALL, SiteOfCare::as_str, SiteOfCare::label)),
        ),
        Field::new("branch_code", "Branch", Select(branch_codes)),
    ]
}

/// The patient input a form posts.
fn input_from_form(form: &FormData) -> PatientInput {
    PatientInput {
        mrn: form.opt("mrn"),
        given_name: form.opt("given_name"),
        middle_name: form.opt("middle_name"),
        family_name: form.opt("family_name"),
        birth_date: form.opt("birth_date"),
        sex: form.opt("sex"),
        language: form.opt("language"),
        phone: form.opt("phone"),
        email: form.opt("email"),
        address_line1: form.opt("address_line1"),
        address_line2: form.opt("address_line2"),
        city: form.opt("city"),
        region: form.opt("region"),
        postal_code: form.opt("postal_code"),
        country: form.opt("country"),
        latitude: form.opt("latitude"),
        longitude: form.opt("longitude"),
        emergency_contact_name: form.opt("emergency_contact_name"),
        emergency_contact_relationship: form.opt("emergency_contact_relationship"),
        emergency_contact_phone: form.opt("emergency_contact_phone"),
        status: form.opt("status"),
        site_of_care: form.opt("site_of_care"),
        branch_code: form.opt("branch_code"),
    }
}

/// Branches the caller may register patients at, as select options.
async fn writable_branches(state: &AppState, session: &PageSession) -> Result<Vec<(String, String)>, PageError> {
    let caller = session.caller.clone();
    let branches = state.run(|app| app.list_branches()).await?;
    Ok(branches
        .into_iter()
        .filter(|b| caller.can_at(Permission::PatientWrite, b.id))
        .map(|b| (b.code.clone(), format!("{} — {}", b.code, b.name)))
        .collect())
}

struct FormSpec {
    heading: String,
    action: String,
    submit: &'static str,
    version: Option<i64>,
    cancel_href: String,
}

async fn form_page(
    state: &AppState,
    session: &PageSession,
    spec: FormSpec,
    values: HashMap<String, String>,
    errors: Option<&ValidationErrors>,
) -> Result<PatientFormPage, PageError> {
    let mut fields = patient_fields(writable_branches(state, session).await?);
    fill(&mut fields, &values, errors);
    Ok(PatientFormPage {
        layout: Some(Layout::new(session, "/patients")),
        errors: unplaced_errors(&fields, errors),
        heading: spec.heading,
        action: spec.action,
        submit: spec.submit,
        version: spec.version,
        fields,
        cancel_href: spec.cancel_href,
    })
}

fn new_spec() -> FormSpec {
    FormSpec {
        heading: "Register patient".into(),
        action: "/patients".into(),
        submit: "Register patient",
        version: None,
        cancel_href: "/patients".into(),
    }
}

pub async fn new_patient(State(state): State<AppState>, session: PageSession) -> Result<Response, PageError> {
    session.caller.require(Permission::PatientWrite).map_err(PageError::from)?;
    let home = session.user().map(|u| u.home_branch_id);
    let branches = state.run(|app| app.list_branches()).await?;
    let mut values =
        HashMap::from([("status".to_owned(), "referral".to_owned()), ("site_of_care".to_owned(), "home".to_owned())]);
    if let Some(branch) = branches.iter().find(|b| Some(b.id) == home) {
        values.insert("branch_code".into(), branch.code.clone());
    }
    Ok(form_page(&state, &session, new_spec(), values, None).await?.into_response())
}

pub async fn create_patient(
    State(state): State<AppState>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    let input = input_from_form(&form);
    let caller = session.caller.clone();
    let attempt = input.clone();
    match state.run(move |app| app.create_patient(&caller, &attempt)).await {
        Ok(patient) => Ok(Redirect::to(&format!("/patients/{}", patient.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = form_page(&state, &session, new_spec(), input_values(&input), Some(&errors)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

fn edit_spec(id: PatientId, version: i64, name: &str) -> FormSpec {
    FormSpec {
        heading: format!("Edit {name}"),
        action: format!("/patients/{id}"),
        submit: "Save changes",
        version: Some(version),
        cancel_href: format!("/patients/{id}"),
    }
}

pub async fn edit_patient(
    State(state): State<AppState>,
    session: PageSession,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id::<PatientId>(&id, "patient")?;
    session.caller.require(Permission::PatientWrite).map_err(PageError::from)?;
    let caller = session.caller.clone();
    let patient = state.run(move |app| app.get_patient(&caller, id)).await?;
    let spec = edit_spec(id, patient.version, &patient.display_name());
    Ok(form_page(&state, &session, spec, input_values(&patient.to_input()), None).await?.into_response())
}

pub async fn update_patient(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    let id = parse_id::<PatientId>(&id, "patient")?;
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let input = input_from_form(&form);
    let caller = session.caller.clone();
    let attempt = input.clone();
    match state
        .run(move |app| app.update_patient(&caller, id, version, PatientChange::Replace(Box::new(attempt))))
        .await
    {
        Ok(patient) => Ok(Redirect::to(&format!("/patients/{}", patient.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let name = format!(
                "{}, {}",
                input.family_name.clone().unwrap_or_default(),
                input.given_name.clone().unwrap_or_default()
            );
            let page =
                form_page(&state, &session, edit_spec(id, version, &name), input_values(&input), Some(&errors)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(AppError::StaleVersion { current, .. }) => {
            let message = ValidationErrors::single(
                "version",
                format!(
                    "Someone else changed this patient while you were editing (now version {current}). Your changes were not saved: reload the patient and apply them again."
                ),
            );
            let page =
                form_page(&state, &session, edit_spec(id, version, "patient"), input_values(&input), Some(&message))
                    .await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
