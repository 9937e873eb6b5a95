//! Forms for a patient's records (one generic form per kind: allergies, measurements, labs, diagnoses, coverages,
//! access devices), and the chart's record tables.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono_tz::Tz;
use domain::ValidationErrors;
use domain::access_device::AccessDeviceKind;
use domain::allergy::{AllergyKind, AllergySeverity, AllergyStatus, DrugClass};
use domain::measurement::{MeasurementKind, MeasurementUnit};
use domain::role::Permission;
use serde::de::DeserializeOwned;

use app::AppError;
use app::patient_records::{NewRecord, PatientChart, RecordChange};

use super::chart::{RecordRow, Section};
use crate::AppState;
use crate::auth::{PageSession, PostedForm};
use crate::error::PageError;
use crate::filters::local_time;
use crate::form::{Field, FormData, InputKind, fill, input_values, options, unplaced_errors};
use crate::ui::Layout;
use crate::ui::parse_id;
use domain::PatientId;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/patients/{id}/records/{kind}/new", get(new_record).post(create_record))
        .route("/patients/{id}/records/{kind}/{record_id}", get(edit_record).post(change_record))
}

/// The kinds of record, by their path segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Allergies,
    Measurements,
    Labs,
    Diagnoses,
    Coverages,
    AccessDevices,
}

impl Kind {
    fn parse(segment: &str) -> Result<Self, PageError> {
        Ok(match segment {
            "allergies" => Kind::Allergies,
            "measurements" => Kind::Measurements,
            "labs" => Kind::Labs,
            "diagnoses" => Kind::Diagnoses,
            "coverages" => Kind::Coverages,
            "access-devices" => Kind::AccessDevices,
            _ => {
                return Err(PageError::Status(StatusCode::NOT_FOUND, "There is no such kind of record.".into()));
            }
        })
    }

    fn segment(self) -> &'static str {
        match self {
            Kind::Allergies => "allergies",
            Kind::Measurements => "measurements",
            Kind::Labs => "labs",
            Kind::Diagnoses => "diagnoses",
            Kind::Coverages => "coverages",
            Kind::AccessDevices => "access-devices",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Allergies => "allergy or intolerance",
            Kind::Measurements => "weight or height",
            Kind::Labs => "lab result",
            Kind::Diagnoses => "diagnosis",
            Kind::Coverages => "coverage",
            Kind::AccessDevices => "access device",
        }
    }

    fn fields(self) -> Vec<Field> {
        use InputKind::*;
        let classes = DrugClass::ALL.iter().map(|c| (c.as_str().to_owned(), c.as_str().replace('_', " "))).collect();
        let units = MeasurementUnit::ALL.iter().map(|u| (u.as_str().to_owned(), u.as_str().to_owned())).collect();
        match self {
            Kind::Allergies => vec![
                Field::new("substance", "Substance", Text).hint("e.g. penicillin, latex"),
                Field::new("drug_class", "Drug class", Select(classes)).hint("Used for cross-sensitivity checks"),
                Field::new("reaction", "Reaction", Text),
                Field::new(
                    "severity",
                    "Severity",
                    Select(options(AllergySeverity::ALL, AllergySeverity::as_str, AllergySeverity::as_str)),
                ),
                Field::new("kind", "Type", Select(options(AllergyKind::ALL, AllergyKind::as_str, AllergyKind::as_str))),
                Field::new(
                    "status",
                    "Status",
                    Select(options(AllergyStatus::ALL, AllergyStatus::as_str, AllergyStatus::as_str)),
                ),
            ],
            Kind::Measurements => vec![
                Field::new(
                    "kind",
                    "Measurement",
                    Select(options(MeasurementKind::ALL, MeasurementKind::as_str, MeasurementKind::as_str)),
                )
                .required(),
                Field::new("value", "Value", Number).required(),
                Field::new("unit", "Unit", Select(units))
                    .required()
                    .hint("kg, g or [lb_av] for weight; cm, m or [in_i] for height"),
                Field::new("measured_at", "Measured at", DateTime).required().hint("Local time of the branch"),
            ],
            Kind::Labs => vec![
                Field::new("loinc", "LOINC code", Text).required().hint("e.g. 2160-0 serum creatinine"),
                Field::new("value", "Value", Number).required(),
                Field::new("unit", "Unit", Text).required().hint("UCUM, e.g. mg/dL"),
                Field::new("collected_at", "Collected at", DateTime).required().hint("Local time of the branch"),
            ],
            Kind::Diagnoses => vec![
                Field::new("icd10", "ICD-10-CM code", Text).required().hint("e.g. M86.171"),
                Field::new("description", "Description", Text),
                Field::new("primary", "Primary diagnosis", Checkbox),
                Field::new("onset_date", "Onset date", Date),
            ],
            Kind::Coverages => vec![
                Field::new("payer_name", "Payer", Text).required(),
                Field::new("member_id", "Member ID", Text).required(),
                Field::new("group_number", "Group number", Text),
                Field::new(
                    "priority",
                    "Priority",
                    Select(vec![
                        ("1".into(), "Primary".into()),
                        ("2".into(), "Secondary".into()),
                        ("3".into(), "Tertiary".into()),
                    ]),
                ),
                Field::new("effective_from", "Effective from", Date).required(),
                Field::new("effective_to", "Effective to", Date),
            ],
            Kind::AccessDevices => vec![
                Field::new(
                    "kind",
                    "Device",
                    Select(options(AccessDeviceKind::ALL, AccessDeviceKind::as_str, AccessDeviceKind::label)),
                )
                .required(),
                Field::new("lumens", "Lumens", Number),
                Field::new("site", "Site", Text).required().hint("e.g. right basilic vein"),
                Field::new("inserted_on", "Inserted on", Date).required(),
                Field::new("removed_on", "Removed on", Date),
            ],
        }
    }

    /// Only these can be changed after they are written.
    /// What adding or changing this kind needs (coverage is billing's business, the rest clinical).
    fn permission(self) -> Permission {
        if self == Kind::Coverages { Permission::CoverageWrite } else { Permission::ClinicalRecordWrite }
    }

    fn changeable(self) -> bool {
        matches!(self, Kind::Allergies | Kind::Coverages | Kind::AccessDevices)
    }
}

/// Builds a domain input from the posted fields of a kind (blank fields are absent).
fn input_from<T: DeserializeOwned>(form: &FormData, fields: &[Field]) -> Result<T, AppError> {
    let map: serde_json::Map<String, serde_json::Value> = fields
        .iter()
        .filter_map(|f| form.opt(f.name).map(|v| (f.name.to_owned(), serde_json::Value::String(v))))
        .collect();
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| AppError::invalid("body", e.to_string()))
}

fn new_record_of(kind: Kind, form: &FormData, fields: &[Field]) -> Result<NewRecord, AppError> {
    Ok(match kind {
        Kind::Allergies => NewRecord::Allergy(input_from(form, fields)?),
        Kind::Measurements => NewRecord::Measurement(input_from(form, fields)?),
        Kind::Labs => NewRecord::Lab(input_from(form, fields)?),
        Kind::Diagnoses => NewRecord::Diagnosis(input_from(form, fields)?),
        Kind::Coverages => NewRecord::Coverage(input_from(form, fields)?),
        Kind::AccessDevices => NewRecord::AccessDevice(input_from(form, fields)?),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "patients/record_form.html")]
pub struct RecordFormPage {
    pub layout: Option<Layout>,
    pub heading: String,
    pub patient_name: String,
    pub patient_href: String,
    pub action: String,
    pub version: Option<i64>,
    pub fields: Vec<Field>,
    pub errors: Vec<String>,
}

struct FormContext {
    kind: Kind,
    patient_name: String,
    patient_href: String,
    action: String,
    version: Option<i64>,
    heading: String,
}

fn render(
    session: &PageSession,
    context: FormContext,
    values: &HashMap<String, String>,
    errors: Option<&ValidationErrors>,
) -> RecordFormPage {
    let mut fields = context.kind.fields();
    fill(&mut fields, values, errors);
    RecordFormPage {
        layout: Some(Layout::new(session, "/patients")),
        errors: unplaced_errors(&fields, errors),
        heading: context.heading,
        patient_name: context.patient_name,
        patient_href: context.patient_href,
        action: context.action,
        version: context.version,
        fields,
    }
}

async fn new_context(
    state: &AppState,
    session: &PageSession,
    id: &str,
    kind: &str,
) -> Result<(FormContext, Tz), PageError> {
    let kind = Kind::parse(kind)?;
    let patient_id = parse_id::<PatientId>(id, "patient")?;
    session.caller.require(kind.permission())?;
    let caller = session.caller.clone();
    let (patient, zone) = state
        .run(move |app| {
            let patient = app.get_patient(&caller, patient_id)?;
            let zone = app.get_branch(patient.branch_id)?.time_zone;
            Ok((patient, zone))
        })
        .await?;
    let context = FormContext {
        kind,
        patient_name: patient.display_name(),
        patient_href: format!("/patients/{patient_id}"),
        action: format!("/patients/{patient_id}/records/{}/new", kind.segment()),
        version: None,
        heading: format!("Add {}", kind.noun()),
    };
    Ok((context, zone))
}

pub async fn new_record(
    State(state): State<AppState>,
    session: PageSession,
    Path((id, kind)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (context, zone) = new_context(&state, &session, &id, &kind).await?;
    let now = state.app.now().with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string();
    let defaults = HashMap::from([("measured_at".to_owned(), now.clone()), ("collected_at".to_owned(), now)]);
    Ok(render(&session, context, &defaults, None).into_response())
}

pub async fn create_record(
    State(state): State<AppState>,
    Path((id, kind)): Path<(String, String)>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    let (context, _) = new_context(&state, &session, &id, &kind).await?;
    let patient_id = parse_id::<PatientId>(&id, "patient")?;
    let fields = context.kind.fields();
    let caller = session.caller.clone();
    let new = new_record_of(context.kind, &form, &fields);
    let result = match new {
        Ok(new) => state.run(move |app| app.add_patient_record(&caller, patient_id, new)).await.map(|_| ()),
        Err(e) => Err(e),
    };
    respond(result, &session, context, &form)
}

fn respond(
    result: Result<(), AppError>,
    session: &PageSession,
    context: FormContext,
    form: &FormData,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&context.patient_href).into_response()),
        Err(AppError::Invalid(errors)) => {
            let page = render(session, context, &form.to_map(), Some(&errors));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(AppError::StaleVersion { current, .. }) => {
            let errors = ValidationErrors::single(
                "version",
                format!(
                    "Someone else changed this record (now version {current}); reload it and apply your change again."
                ),
            );
            Ok((StatusCode::CONFLICT, render(session, context, &form.to_map(), Some(&errors))).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

async fn edit_context(
    state: &AppState,
    session: &PageSession,
    id: &str,
    kind: &str,
    record_id: &str,
) -> Result<(FormContext, HashMap<String, String>), PageError> {
    let kind = Kind::parse(kind)?;
    if !kind.changeable() {
        return Err(PageError::Status(
            StatusCode::NOT_FOUND,
            "This kind of record cannot be changed; add a new one instead.".into(),
        ));
    }
    let patient_id = parse_id::<PatientId>(id, "patient")?;
    session.caller.require(kind.permission())?;
    let caller = session.caller.clone();
    let chart = state.run(move |app| app.patient_chart(&caller, patient_id)).await?;
    let (version, values) = match kind {
        Kind::Allergies => find(
            &chart.records.allergies,
            record_id,
            |r| r.id.to_string(),
            |r| (r.version, input_values(&r.to_input())),
        )?,
        Kind::Coverages => find(
            &chart.records.coverages,
            record_id,
            |r| r.id.to_string(),
            |r| (r.version, input_values(&r.to_input())),
        )?,
        _ => find(
            &chart.records.access_devices,
            record_id,
            |r| r.id.to_string(),
            |r| (r.version, input_values(&r.to_input())),
        )?,
    };
    let context = FormContext {
        kind,
        patient_name: chart.patient.display_name(),
        patient_href: format!("/patients/{patient_id}"),
        action: format!("/patients/{patient_id}/records/{}/{record_id}", kind.segment()),
        version: Some(version),
        heading: format!("Change {}", kind.noun()),
    };
    Ok((context, values))
}

fn find<T, R>(items: &[T], id: &str, id_of: impl Fn(&T) -> String, pick: impl Fn(&T) -> R) -> Result<R, PageError> {
    items
        .iter()
        .find(|r| id_of(r) == id)
        .map(pick)
        .ok_or_else(|| PageError::Status(StatusCode::NOT_FOUND, "There is no such record.".into()))
}

pub async fn edit_record(
    State(state): State<AppState>,
    session: PageSession,
    Path((id, kind, record_id)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (context, values) = edit_context(&state, &session, &id, &kind, &record_id).await?;
    Ok(render(&session, context, &values, None).into_response())
}

pub async fn change_record(
    State(state): State<AppState>,
    Path((id, kind, record_id)): Path<(String, String, String)>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    let (mut context, _) = edit_context(&state, &session, &id, &kind, &record_id).await?;
    let patient_id = parse_id::<PatientId>(&id, "patient")?;
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    context.version = Some(version);
    let fields = context.kind.fields();
    let change = match context.kind {
        Kind::Allergies => input_from(&form, &fields).map(RecordChange::Allergy),
        Kind::Coverages => input_from(&form, &fields).map(RecordChange::Coverage),
        _ => input_from(&form, &fields).map(RecordChange::AccessDevice),
    };
    let caller = session.caller.clone();
    let result = match change {
        Ok(change) => state
            .run(move |app| app.change_patient_record(&caller, patient_id, &record_id, version, change))
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    respond(result, &session, context, &form)
}

/// The chart's record tables; add links only where the caller may add.
pub fn sections(chart: &PatientChart, zone: Tz, can_clinical: bool, can_coverage: bool) -> Vec<Section> {
    let id = chart.patient.id;
    let r = &chart.records;
    let add = |allowed: bool, kind: Kind| allowed.then(|| format!("/patients/{id}/records/{}/new", kind.segment()));
    let edit = |allowed: bool, kind: Kind, record: String| {
        allowed.then(|| format!("/patients/{id}/records/{}/{record}", kind.segment()))
    };
    let dash = |v: Option<String>| v.unwrap_or_else(|| "—".into());
    let plain = |cells: Vec<String>| RecordRow { cells, edit_href: None };
    vec![
        Section {
            id: "allergies",
            title: "Allergies and intolerances",
            headings: vec!["Substance", "Class", "Reaction", "Severity", "Type", "Status"],
            rows: r
                .allergies
                .iter()
                .map(|a| {
                    let f = &a.fields;
                    RecordRow {
                        cells: vec![
                            dash(f.substance.clone()),
                            dash(f.drug_class.map(|c| c.as_str().replace('_', " "))),
                            dash(f.reaction.clone()),
                            f.severity.to_string(),
                            f.kind.to_string(),
                            f.status.to_string(),
                        ],
                        edit_href: edit(can_clinical, Kind::Allergies, a.id.to_string()),
                    }
                })
                .collect(),
            add_href: add(can_clinical, Kind::Allergies),
        },
        Section {
            id: "measurements",
            title: "Weights and heights",
            headings: vec!["Measured at", "Measurement", "Value"],
            rows: r
                .measurements
                .iter()
                .map(|m| {
                    plain(vec![
                        local_time(m.fields.measured_at, zone),
                        m.fields.kind.to_string(),
                        format!("{} {}", m.fields.value, m.fields.unit),
                    ])
                })
                .collect(),
            add_href: add(can_clinical, Kind::Measurements),
        },
        Section {
            id: "labs",
            title: "Lab results",
            headings: vec!["Collected at", "Test", "Value"],
            rows: r
                .labs
                .iter()
                .map(|l| {
                    let name = domain::lab::loinc_name(l.fields.loinc.as_str())
                        .map_or_else(|| l.fields.loinc.to_string(), |n| format!("{n} ({})", l.fields.loinc));
                    plain(vec![
                        local_time(l.fields.collected_at, zone),
                        name,
                        format!("{} {}", l.fields.value, l.fields.unit),
                    ])
                })
                .collect(),
            add_href: add(can_clinical, Kind::Labs),
        },
        Section {
            id: "diagnoses",
            title: "Diagnoses",
            headings: vec!["ICD-10-CM", "Description", "Primary", "Onset"],
            rows: r
                .diagnoses
                .iter()
                .map(|d| {
                    plain(vec![
                        d.fields.icd10.to_string(),
                        dash(d.fields.description.clone()),
                        if d.fields.primary { "yes".into() } else { "".into() },
                        dash(d.fields.onset_date.map(|o| o.to_string())),
                    ])
                })
                .collect(),
            add_href: add(can_clinical, Kind::Diagnoses),
        },
        Section {
            id: "coverages",
            title: "Coverage",
            headings: vec!["Priority", "Payer", "Member ID", "Group", "Effective"],
            rows: r
                .coverages
                .iter()
                .map(|c| {
                    let f = &c.fields;
                    RecordRow {
                        cells: vec![
                            f.priority.to_string(),
                            f.payer_name.clone(),
                            f.member_id.clone(),
                            dash(f.group_number.clone()),
                            format!(
                                "{} – {}",
                                f.effective_from,
                                f.effective_to.map(|d| d.to_string()).unwrap_or_else(|| "open".into())
                            ),
                        ],
                        edit_href: edit(can_coverage, Kind::Coverages, c.id.to_string()),
                    }
                })
                .collect(),
            add_href: add(can_coverage, Kind::Coverages),
        },
        Section {
            id: "devices",
            title: "Vascular access devices",
            headings: vec!["Device", "Lumens", "Site", "Inserted", "Removed"],
            rows: r
                .access_devices
                .iter()
                .map(|d| {
                    let f = &d.fields;
                    RecordRow {
                        cells: vec![
                            f.kind.label().to_owned(),
                            f.lumens.to_string(),
                            f.site.clone(),
                            f.inserted_on.to_string(),
                            f.removed_on.map(|d| d.to_string()).unwrap_or_else(|| "in place".into()),
                        ],
                        edit_href: edit(can_clinical, Kind::AccessDevices, d.id.to_string()),
                    }
                })
                .collect(),
            add_href: add(can_clinical, Kind::AccessDevices),
        },
    ]
}
