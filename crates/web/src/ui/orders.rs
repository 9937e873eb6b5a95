//! Order pages: the order form with live decision support (htmx posts the form to `/orders/check` as it is
//! typed), the order page with its actions, the pharmacist's verification queue and the verification page (order,
//! patient context and every alert side by side; verify with overrides, reject, or ask the prescriber).

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono_tz::Tz;
use domain::formulary::{DoseUnit, Route, Severity};
use domain::order::{
    DoseBasis, DosePeriod, Order, OrderAction, OrderInput, OrderStatus, Priority, QuantityInput, TpnInput,
};
use domain::patient::SiteOfCare;
use domain::role::Permission;
use domain::{OrderId, PatientId, ValidationErrors};

use app::AppError;
use app::clinical::checks::{Alert, CheckResult};
use app::orders::Override;

use crate::AppState;
use crate::auth::{PageSession, PostedForm};
use crate::error::PageError;
use crate::filters::local_time;
use crate::form::{Field, FormData, InputKind, fill, options, unplaced_errors};
use crate::ui::patients::chart::Fact;
use crate::ui::{Layout, parse_id};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orders", post(create_order))
        .route("/orders/new", get(new_order))
        .route("/orders/check", post(check_order))
        .route("/orders/{id}", get(show_order))
        .route("/orders/{id}/actions", post(order_action))
        .route("/verification", get(queue))
        .route("/verification/{id}", get(verify_page))
        .route("/verification/{id}", post(verify_action))
}

/// An alert as shown: severity class, code, message, the numbers, the source.
pub struct AlertView {
    pub key: String,
    pub code: &'static str,
    pub severity: &'static str,
    pub css: &'static str,
    pub message: String,
    pub numbers: String,
    pub source: String,
    pub hard_stop: bool,
}

impl From<&Alert> for AlertView {
    fn from(a: &Alert) -> Self {
        let numbers = match (&a.value, &a.limit) {
            (Some(v), Some(l)) => format!("{v} (limit {l})"),
            (Some(v), None) => v.clone(),
            (None, Some(l)) => format!("limit {l}"),
            (None, None) => String::new(),
        };
        AlertView {
            key: a.key.clone(),
            code: a.code,
            severity: match a.severity {
                Severity::HardStop => "Hard stop",
                Severity::Warning => "Warning",
                Severity::Info => "Info",
            },
            css: match a.severity {
                Severity::HardStop => "error",
                Severity::Warning => "warn",
                Severity::Info => "ok",
            },
            message: a.message.clone(),
            numbers,
            source: a.source.clone(),
            hard_stop: a.severity == Severity::HardStop,
        }
    }
}

/// The calculations as labelled facts.
fn calculation_facts(result: &CheckResult, zone: Tz) -> Vec<Fact> {
    let c = &result.calculations;
    let d = |v: Option<rust_decimal::Decimal>, unit: &str| v.map(|v| format!("{} {unit}", v.normalize()));
    // " (2026-11-20 08:00 EST)": when a figure was measured, in the branch's zone.
    let when = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map(|t| format!(" ({})", local_time(t, zone))).unwrap_or_default()
    };
    let mut facts = vec![Fact { label: "Age", value: format!("{} years", c.age_years) }];
    let mut push = |label: &'static str, value: Option<String>| {
        if let Some(value) = value {
            facts.push(Fact { label, value });
        }
    };
    push("Weight", c.weight_kg.map(|w| format!("{} kg{}", w.normalize(), when(c.weight_measured_at))));
    push(
        "Dosing weight",
        c.dosing_weight_kg.map(|w| format!("{} kg ({})", w.normalize(), c.dosing_weight_basis.unwrap_or("actual"))),
    );
    push("Height", d(c.height_cm, "cm"));
    push("Ideal body weight (Devine)", d(c.ideal_weight_kg, "kg"));
    push("Adjusted body weight", d(c.adjusted_weight_kg, "kg"));
    push("BSA (Mosteller)", d(c.bsa_mosteller_m2, "m²"));
    push("BSA (DuBois)", d(c.bsa_dubois_m2, "m²"));
    push(
        "Serum creatinine",
        c.serum_creatinine_mg_dl.map(|v| format!("{} mg/dL{}", v.normalize(), when(c.creatinine_collected_at))),
    );
    push(
        "CrCl (Cockcroft–Gault)",
        c.crcl_ml_min
            .map(|v| format!("{} mL/min, weight {}", v.normalize(), c.crcl_weight.clone().unwrap_or_default())),
    );
    push("eGFR (CKD-EPI 2021)", d(c.egfr_ckd_epi_2021, "mL/min/1.73 m²"));
    push("Dose", c.dose.map(|v| format!("{} {}", v.normalize(), c.dose_unit)));
    push("Dose calculation", c.dose_calculation.clone());
    push("Dose per kg", c.dose_per_kg.map(|v| format!("{} {}/kg", v.normalize(), c.dose_unit)));
    push("Dose per m²", c.dose_per_m2.map(|v| format!("{} {}/m²", v.normalize(), c.dose_unit)));
    push("Daily dose", c.daily_dose.map(|v| format!("{} {}/day", v.normalize(), c.dose_unit)));
    push("Lifetime total (incl. this course)", c.cumulative_dose.map(|v| format!("{} {}", v.normalize(), c.dose_unit)));
    push("Rate", c.rate_per_min.map(|v| format!("{} {}/min", v.normalize(), c.dose_unit)));
    push("Concentration", c.concentration_per_ml.map(|v| format!("{} {}/mL", v.normalize(), c.dose_unit)));
    push("Line", c.line.map(str::to_owned));
    if let Some(t) = &c.tpn {
        push(
            "PN energy",
            Some(format!(
                "{} kcal (dextrose {}, protein {}, lipid {}){}",
                t.kcal_total,
                t.kcal_dextrose,
                t.kcal_protein,
                t.kcal_lipid,
                t.kcal_per_kg.map(|k| format!(", {k} kcal/kg/day")).unwrap_or_default()
            )),
        );
        push("PN glucose infusion rate", t.gir_mg_kg_min.map(|g| format!("{g} mg/kg/min")));
        push("PN osmolarity (estimate)", Some(format!("{} mOsm/L", t.osmolarity_mosm_l)));
        push(
            "PN calcium + phosphate",
            Some(format!("Ca {} mEq/L + PO₄ {} mmol/L = {}", t.calcium_meq_l, t.phosphate_mmol_l, t.ca_phos_sum)),
        );
    }
    facts
}

#[derive(Template, WebTemplate)]
#[template(path = "orders/_alerts.html")]
pub struct AlertsPanel {
    pub facts: Vec<Fact>,
    pub alerts: Vec<AlertView>,
    pub problem: Option<String>,
}

impl AlertsPanel {
    fn from_result(result: &CheckResult, zone: Tz) -> Self {
        AlertsPanel {
            facts: calculation_facts(result, zone),
            alerts: result.alerts.iter().map(AlertView::from).collect(),
            problem: None,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "orders/form.html")]
pub struct OrderFormPage {
    pub layout: Option<Layout>,
    pub heading: String,
    pub patient_id: String,
    pub patient_name: String,
    pub fields: Vec<Field>,
    pub tpn_fields: Vec<Field>,
    pub errors: Vec<String>,
    pub panel: AlertsPanel,
}

fn order_fields(drugs: Vec<(String, String)>, devices: Vec<(String, String)>) -> Vec<Field> {
    use InputKind::*;
    vec![
        Field::new("drug_code", "Drug", Select(drugs)).required(),
        Field::new("dose.value", "Dose", Number).required(),
        Field::new("dose.unit", "Dose unit", Select(options(DoseUnit::ALL, DoseUnit::as_str, DoseUnit::label)))
            .required(),
        Field::new(
            "dose_basis",
            "Dose basis",
            Select(vec![
                ("fixed".into(), "Fixed amount".into()),
                ("per_kg".into(), "Per kg (dosing weight)".into()),
                ("per_m2".into(), "Per m² (Mosteller BSA)".into()),
                ("auc".into(), "Target AUC (carboplatin, Calvert)".into()),
            ]),
        ),
        Field::new(
            "dose_period",
            "Continuous: dose per",
            Select(options(DosePeriod::ALL, DosePeriod::as_str, |p| match p {
                DosePeriod::Minute => "minute",
                DosePeriod::Hour => "hour",
                DosePeriod::Day => "day",
            })),
        ),
        Field::new("route", "Route", Select(options(Route::ALL, Route::as_str, Route::as_str))).required(),
        Field::new("frequency", "Frequency", Text)
            .required()
            .hint("q6h, q8h, q12h, q24h, q36h, q48h, q21d, once, continuous, cyclic_12h, weekdays:mon,wed,fri"),
        Field::new("duration_days", "Duration (days)", Number),
        Field::new("stop_date", "Or stop date", Date),
        Field::new("infusion_minutes", "Infusion time (minutes)", Number),
        Field::new("rate_ml_h", "Rate (mL/h)", Number),
        Field::new("diluent", "Diluent", Text).hint("e.g. NS, D5W"),
        Field::new("final_volume_ml", "Final volume (mL)", Number),
        Field::new("access_device_id", "Access device", Select(devices)),
        Field::new(
            "site_of_care",
            "Site of care",
            Select(options(SiteOfCare::ALL, SiteOfCare::as_str, SiteOfCare::label)),
        ),
        Field::new("start_at", "Start", DateTime).required().hint("In the branch's local time"),
        Field::new("priority", "Priority", Select(options(Priority::ALL, Priority::as_str, Priority::as_str))),
        Field::new("prn", "As needed (PRN)", Checkbox),
        Field::new("prn_reason", "PRN reason", Text),
        Field::new("prescriber_name", "Prescriber", Text).required(),
        Field::new("prescriber_npi", "Prescriber NPI", Text).required().hint("10 digits with its check digit"),
        Field::new("notes", "Notes", Text),
    ]
}

const TPN_FIELDS: [(&str, &str); 11] = [
    ("tpn.volume_ml", "Bag volume (mL)"),
    ("tpn.infusion_hours", "Infused over (hours)"),
    ("tpn.dextrose_g", "Dextrose (g)"),
    ("tpn.amino_acids_g", "Amino acids (g)"),
    ("tpn.lipid_g", "Lipid (g)"),
    ("tpn.sodium_meq", "Sodium (mEq)"),
    ("tpn.potassium_meq", "Potassium (mEq)"),
    ("tpn.calcium_meq", "Calcium (mEq)"),
    ("tpn.magnesium_meq", "Magnesium (mEq)"),
    ("tpn.phosphate_mmol", "Phosphate (mmol)"),
    ("tpn.fluid_goal_ml_day", "Fluid goal (mL/day)"),
];

fn tpn_fields() -> Vec<Field> {
    TPN_FIELDS.iter().map(|(name, label)| Field::new(name, label, InputKind::Number)).collect()
}

/// The order a form posts.
fn input_from_form(form: &FormData) -> OrderInput {
    let tpn_given = TPN_FIELDS.iter().any(|(name, _)| form.opt(name).is_some());
    OrderInput {
        patient_id: form.opt("patient_id"),
        prescriber_name: form.opt("prescriber_name"),
        prescriber_npi: form.opt("prescriber_npi"),
        drug_code: form.opt("drug_code"),
        dose: Some(QuantityInput { value: form.opt("dose.value"), unit: form.opt("dose.unit") }),
        dose_basis: form.opt("dose_basis"),
        dose_period: form.opt("dose_period"),
        route: form.opt("route"),
        frequency: form.opt("frequency"),
        duration_days: form.opt("duration_days"),
        stop_date: form.opt("stop_date"),
        infusion_minutes: form.opt("infusion_minutes"),
        rate_ml_h: form.opt("rate_ml_h"),
        diluent: form.opt("diluent"),
        final_volume_ml: form.opt("final_volume_ml"),
        access_device_id: form.opt("access_device_id"),
        site_of_care: form.opt("site_of_care"),
        start_at: form.opt("start_at"),
        prn: Some(form.get("prn").is_some_and(|v| v == "true" || v == "on")),
        prn_reason: form.opt("prn_reason"),
        priority: form.opt("priority"),
        titration: None,
        tpn: tpn_given.then(|| TpnInput {
            volume_ml: form.opt("tpn.volume_ml"),
            infusion_hours: form.opt("tpn.infusion_hours"),
            dextrose_g: form.opt("tpn.dextrose_g"),
            amino_acids_g: form.opt("tpn.amino_acids_g"),
            lipid_g: form.opt("tpn.lipid_g"),
            sodium_meq: form.opt("tpn.sodium_meq"),
            potassium_meq: form.opt("tpn.potassium_meq"),
            calcium_meq: form.opt("tpn.calcium_meq"),
            magnesium_meq: form.opt("tpn.magnesium_meq"),
            phosphate_mmol: form.opt("tpn.phosphate_mmol"),
            fluid_goal_ml_day: form.opt("tpn.fluid_goal_ml_day"),
        }),
        notes: form.opt("notes"),
    }
}

async fn form_page(
    state: &AppState,
    session: &PageSession,
    patient_id: PatientId,
    values: HashMap<String, String>,
    errors: Option<&ValidationErrors>,
    panel: AlertsPanel,
) -> Result<OrderFormPage, PageError> {
    let caller = session.caller.clone();
    let (chart, formulary) =
        state.run(move |app| Ok((app.patient_chart(&caller, patient_id)?, app.formulary(&caller)?))).await?;
    let mut drugs: Vec<(String, String)> = formulary.values().map(|e| (e.code.clone(), e.name.clone())).collect();
    drugs.sort_by(|a, b| a.1.cmp(&b.1));
    let devices = chart
        .records
        .access_devices
        .iter()
        .filter(|d| d.fields.removed_on.is_none())
        .map(|d| (d.id.to_string(), format!("{} — {}", d.fields.kind.label(), d.fields.site)))
        .collect();
    let mut fields = order_fields(drugs, devices);
    fill(&mut fields, &values, errors);
    let mut tpn = tpn_fields();
    fill(&mut tpn, &values, errors);
    let mut all: Vec<Field> = fields.clone();
    all.extend(tpn.iter().cloned());
    Ok(OrderFormPage {
        layout: Some(Layout::new(session, "/patients")),
        heading: "New order".into(),
        patient_id: patient_id.to_string(),
        patient_name: chart.patient.display_name(),
        errors: unplaced_errors(&all, errors),
        fields,
        tpn_fields: tpn,
        panel,
    })
}

pub async fn new_order(
    State(state): State<AppState>,
    session: PageSession,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    session.caller.require(Permission::OrderWrite).map_err(PageError::from)?;
    let patient_id = parse_id::<PatientId>(query.get("patient_id").map_or("", String::as_str), "patient")?;
    let values = HashMap::from([
        ("dose_basis".to_owned(), "fixed".to_owned()),
        ("route".to_owned(), "iv".to_owned()),
        ("site_of_care".to_owned(), "home".to_owned()),
        ("priority".to_owned(), "routine".to_owned()),
        ("dose.unit".to_owned(), "mg".to_owned()),
    ]);
    let panel = AlertsPanel {
        facts: vec![],
        alerts: vec![],
        problem: Some("Alerts appear here as the order is typed.".into()),
    };
    Ok(form_page(&state, &session, patient_id, values, None, panel).await?.into_response())
}

/// Decision support on the form as typed: the alerts panel alone (htmx).
pub async fn check_order(
    State(state): State<AppState>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    let input = input_from_form(&form);
    let caller = session.caller.clone();
    let result = state.run(move |app| Ok(app.check_order(&caller, &input))).await?;
    Ok(match result {
        Ok(check) => AlertsPanel::from_result(&check.result, check.time_zone).into_response(),
        Err(AppError::Invalid(errors)) => AlertsPanel {
            facts: vec![],
            alerts: vec![],
            problem: Some(format!(
                "Not checked yet — complete the order: {}",
                errors
                    .0
                    .iter()
                    .map(|e| format!("{} {}", e.field.replace('_', " "), e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
        }
        .into_response(),
        Err(other) => return Err(other.into()),
    })
}

pub async fn create_order(
    State(state): State<AppState>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    session.caller.require(Permission::OrderWrite).map_err(PageError::from)?;
    let input = input_from_form(&form);
    let patient_id = parse_id::<PatientId>(input.patient_id.as_deref().unwrap_or_default(), "patient")?;
    let submit = form.get("save") != Some("draft");
    let caller = session.caller.clone();
    let attempt = input.clone();
    match state.run(move |app| app.create_order(&caller, &attempt, submit)).await {
        Ok(order) => Ok(Redirect::to(&format!("/orders/{}", order.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let panel =
                AlertsPanel { facts: vec![], alerts: vec![], problem: Some("Correct the order to check it.".into()) };
            let page = form_page(&state, &session, patient_id, form.to_map(), Some(&errors), panel).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// The order's content as labelled facts.
fn order_facts(order: &Order, drug_name: &str, zone: Tz) -> Vec<Fact> {
    let f = &order.fields;
    let basis = match f.dose_basis {
        DoseBasis::Fixed => String::new(),
        DoseBasis::PerKg => "/kg".into(),
        DoseBasis::PerM2 => "/m²".into(),
        DoseBasis::Auc => " (target AUC mg·min/mL)".into(),
    };
    let period = f.dose_period.map(|p| format!(" per {p}")).unwrap_or_default();
    let mut facts = vec![
        Fact { label: "Rx number", value: order.rx_number() },
        Fact { label: "Status", value: order.status.label().into() },
        Fact { label: "Drug", value: drug_name.to_owned() },
        Fact {
            label: "Dose",
            value: if f.dose_basis == DoseBasis::Auc {
                format!("AUC {}{basis}", f.dose.value.normalize())
            } else {
                format!("{} {}{basis}{period}", f.dose.value.normalize(), f.dose.unit.label())
            },
        },
        Fact { label: "Route", value: f.route.to_string() },
        Fact { label: "Frequency", value: f.frequency.as_text() },
        Fact { label: "Start", value: local_time(f.start_at, zone) },
        Fact { label: "Priority", value: f.priority.to_string() },
        Fact { label: "Prescriber", value: format!("{} (NPI {})", f.prescriber_name, f.prescriber_npi) },
        Fact { label: "Site of care", value: f.site_of_care.label().into() },
    ];
    let mut push = |label: &'static str, value: Option<String>| {
        if let Some(value) = value {
            facts.push(Fact { label, value });
        }
    };
    push("Duration", f.duration_days.map(|d| format!("{d} days")));
    push("Stop date", f.stop_date.map(|d| d.to_string()));
    push("Infusion time", f.infusion_minutes.map(|m| format!("{m} min")));
    push("Rate", f.rate_ml_h.map(|r| format!("{} mL/h", r.normalize())));
    push("Diluent", f.diluent.clone());
    push("Final volume", f.final_volume_ml.map(|v| format!("{} mL", v.normalize())));
    push("PRN", f.prn.then(|| f.prn_reason.clone().unwrap_or_default()));
    push("Notes", f.notes.clone());
    push("Status reason", order.status_reason.clone());
    push("Change reason", order.change_reason.clone());
    if let Some(t) = &f.tpn {
        push(
            "PN formula",
            Some(format!(
                "{} mL over {} h: dextrose {} g, amino acids {} g, lipid {} g, Na {} mEq, K {} mEq, Ca {} mEq, Mg {} mEq, PO₄ {} mmol",
                t.volume_ml,
                t.infusion_hours,
                t.dextrose_g,
                t.amino_acids_g,
                t.lipid_g,
                t.sodium_meq,
                t.potassium_meq,
                t.calcium_meq,
                t.magnesium_meq,
                t.phosphate_mmol
            )),
        );
    }
    facts
}

/// An action button on the order page.
pub struct ActionButton {
    pub action: &'static str,
    pub label: &'static str,
    pub needs_reason: bool,
}

pub struct VerificationRow {
    pub when: String,
    pub who: String,
    pub outcome: String,
    pub reason: String,
    pub overrides: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "orders/show.html")]
pub struct OrderPage {
    pub layout: Option<Layout>,
    pub id: String,
    pub version: i64,
    pub title: String,
    pub patient_href: String,
    pub patient_name: String,
    pub facts: Vec<Fact>,
    pub actions: Vec<ActionButton>,
    pub verify_href: Option<String>,
    pub dosing_href: Option<String>,
    pub previous_href: Option<String>,
    pub verifications: Vec<VerificationRow>,
    pub message: Option<String>,
}

async fn order_page(
    state: &AppState,
    session: &PageSession,
    id: OrderId,
    message: Option<String>,
) -> Result<OrderPage, PageError> {
    let caller = session.caller.clone();
    let (view, zone) = state
        .run(move |app| {
            let view = app.get_order(&caller, id)?;
            let zone = app.branch_zone(view.order.branch_id)?;
            Ok((view, zone))
        })
        .await?;
    let order = &view.order;
    let caller = &session.caller;
    let can_write = caller.can_at(Permission::OrderWrite, order.branch_id);
    let can_verify = caller.can_at(Permission::OrderVerify, order.branch_id);
    let actions = OrderAction::ALL
        .iter()
        .filter(|a| a.next(order.status).is_some())
        .filter(|a| match a {
            OrderAction::Verify | OrderAction::Reject | OrderAction::RequestClarification => false,
            _ => can_write,
        })
        .map(|a| ActionButton { action: a.as_str(), label: a.label(), needs_reason: a.needs_reason() })
        .collect();
    Ok(OrderPage {
        layout: Some(Layout::new(session, "/patients")),
        id: id.to_string(),
        version: order.version,
        title: format!("{} — {}", view.entry.name, order.rx_number()),
        patient_href: format!("/patients/{}", order.patient_id),
        patient_name: view.patient.display_name(),
        facts: order_facts(order, &view.entry.name, zone),
        actions,
        verify_href: (can_verify && order.status == OrderStatus::PendingVerification)
            .then(|| format!("/verification/{id}")),
        dosing_href: (caller.can_at(Permission::DosingUse, order.branch_id)
            && app::dosing::has_model_for(&order.fields.drug_code))
        .then(|| format!("/orders/{id}/dosing")),
        previous_href: order.previous_id.map(|p| format!("/orders/{p}")),
        verifications: verification_rows(&view.verifications, zone),
        message,
    })
}

fn verification_rows(rows: &[app::Verification], zone: Tz) -> Vec<VerificationRow> {
    rows.iter()
        .map(|v| {
            let overrides: Vec<Override> = serde_json::from_str(&v.overrides).unwrap_or_default();
            VerificationRow {
                when: local_time(v.occurred_at, zone),
                who: v.pharmacist_name.clone(),
                outcome: v.outcome.replace('_', " "),
                reason: v.reason.clone().unwrap_or_default(),
                overrides: overrides.iter().map(|o| format!("{}: {}", o.key, o.reason)).collect::<Vec<_>>().join("; "),
            }
        })
        .collect()
}

pub async fn show_order(
    State(state): State<AppState>,
    session: PageSession,
    Path(id): Path<String>,
) -> Result<OrderPage, PageError> {
    let id = parse_id::<OrderId>(&id, "order")?;
    order_page(&state, &session, id, None).await
}

/// A state change from the order page (start, hold, resume, complete, discontinue, submit).
pub async fn order_action(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    session.caller.require(Permission::OrderWrite).map_err(PageError::from)?;
    let id = parse_id::<OrderId>(&id, "order")?;
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let Some(action) = form.get("action").and_then(OrderAction::parse) else {
        return Err(PageError::Status(StatusCode::UNPROCESSABLE_ENTITY, "Choose an action.".into()));
    };
    let reason = form.opt("reason");
    let caller = session.caller.clone();
    match state.run(move |app| app.transition_order(&caller, id, version, action, reason.as_deref())).await {
        Ok(order) => Ok(Redirect::to(&format!("/orders/{}", order.id)).into_response()),
        Err(AppError::Invalid(e)) => {
            let message = e.0.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ");
            Ok((StatusCode::UNPROCESSABLE_ENTITY, order_page(&state, &session, id, Some(message)).await?)
                .into_response())
        }
        Err(e @ (AppError::Conflict(_) | AppError::StaleVersion { .. })) => {
            let message = format!("Not done: {e}. The page now shows the order as it is.");
            Ok((StatusCode::CONFLICT, order_page(&state, &session, id, Some(message)).await?).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

pub struct QueueRow {
    pub href: String,
    pub priority: &'static str,
    pub urgent: bool,
    pub waiting: String,
    pub patient: String,
    pub mrn: String,
    pub drug: String,
    pub dose: String,
    pub rx: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "orders/queue.html")]
pub struct QueuePage {
    pub layout: Option<Layout>,
    /// "12 orders", or "1,000+ orders" past the count's cap.
    pub waiting: String,
    pub rows: Vec<QueueRow>,
    pub next_href: Option<String>,
}

fn waiting(minutes: i64) -> String {
    match minutes {
        m if m < 60 => format!("{m} min"),
        m if m < 60 * 48 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} days", m / (60 * 24)),
    }
}

pub async fn queue(
    State(state): State<AppState>,
    session: PageSession,
    Query(query): Query<HashMap<String, String>>,
) -> Result<QueuePage, PageError> {
    let caller = session.caller.clone();
    let cursor = query.get("cursor").cloned();
    let (page, total) = state.run(move |app| app.verification_queue(&caller, cursor.as_deref(), Some(50))).await?;
    let rows = page
        .items
        .iter()
        .map(|item| {
            let f = &item.order.fields;
            QueueRow {
                href: format!("/verification/{}", item.order.id),
                priority: f.priority.as_str(),
                urgent: f.priority != Priority::Routine,
                waiting: waiting(item.waiting_minutes),
                patient: item.patient_name.clone(),
                mrn: item.mrn.clone(),
                drug: item.drug_name.clone(),
                dose: format!("{} {} {}", f.dose.value.normalize(), f.dose.unit.label(), f.frequency.as_text()),
                rx: item.order.rx_number(),
            }
        })
        .collect();
    let waiting = match total {
        1 => "1 order".to_owned(),
        n if n > app::orders::QUEUE_COUNT_CAP => format!("More than {} orders", app::orders::QUEUE_COUNT_CAP),
        n => format!("{n} orders"),
    };
    Ok(QueuePage {
        layout: Some(Layout::new(&session, "/verification")),
        waiting,
        rows,
        next_href: page.next_cursor.map(|c| format!("/verification?cursor={c}")),
    })
}

pub struct ContextSection {
    pub title: &'static str,
    pub items: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "orders/verify.html")]
pub struct VerifyPage {
    pub layout: Option<Layout>,
    pub id: String,
    pub version: i64,
    pub title: String,
    pub patient_href: String,
    pub patient_name: String,
    pub order_facts: Vec<Fact>,
    pub context: Vec<ContextSection>,
    pub panel: AlertsPanel,
    pub pending: bool,
    pub message: Option<String>,
    pub reasons: HashMap<String, String>,
}

impl VerifyPage {
    /// Used for template rendering: what the pharmacist already typed for an override.
    pub fn reason_for(&self, index: &usize) -> &str {
        self.reasons.get(&format!("override_reason_{index}")).map_or("", String::as_str)
    }
}

async fn verify_view(
    state: &AppState,
    session: &PageSession,
    id: OrderId,
    message: Option<String>,
    reasons: HashMap<String, String>,
) -> Result<VerifyPage, PageError> {
    session.caller.require(Permission::OrderVerify).map_err(PageError::from)?;
    let caller = session.caller.clone();
    let (ctx, zone) = state
        .run(move |app| {
            let ctx = app.verification_context(&caller, id)?;
            let zone = app.branch_zone(ctx.view.order.branch_id)?;
            Ok((ctx, zone))
        })
        .await?;
    let order = &ctx.view.order;
    let r = &ctx.records;
    let mut context = vec![
        ContextSection {
            title: "Allergies",
            items: r
                .allergies
                .iter()
                .filter(|a| a.fields.status == domain::allergy::AllergyStatus::Active)
                .map(|a| {
                    format!(
                        "{}{} — {} {}{}",
                        a.fields.substance.clone().unwrap_or_default(),
                        a.fields.drug_class.map(|c| format!(" [{c}]")).unwrap_or_default(),
                        a.fields.severity,
                        a.fields.kind,
                        a.fields.reaction.as_ref().map(|x| format!(": {x}")).unwrap_or_default()
                    )
                })
                .collect(),
        },
        ContextSection {
            title: "Weights and heights",
            items: r
                .measurements
                .iter()
                .rev()
                .take(6)
                .map(|m| {
                    format!(
                        "{} {} {} — {}",
                        m.fields.kind,
                        m.fields.value.normalize(),
                        m.fields.unit,
                        local_time(m.fields.measured_at, zone)
                    )
                })
                .collect(),
        },
        ContextSection {
            title: "Labs",
            items: r
                .labs
                .iter()
                .rev()
                .take(8)
                .map(|l| {
                    format!(
                        "{} {} {} — {}",
                        domain::lab::loinc_name(l.fields.loinc.as_str()).unwrap_or(l.fields.loinc.as_str()),
                        l.fields.value.normalize(),
                        l.fields.unit,
                        local_time(l.fields.collected_at, zone)
                    )
                })
                .collect(),
        },
        ContextSection {
            title: "Access devices",
            items: r
                .access_devices
                .iter()
                .filter(|d| d.fields.removed_on.is_none())
                .map(|d| {
                    format!(
                        "{} ({} lumen) — {}, inserted {}",
                        d.fields.kind.label(),
                        d.fields.lumens,
                        d.fields.site,
                        d.fields.inserted_on
                    )
                })
                .collect(),
        },
    ];
    context.push(ContextSection {
        title: "Other current orders",
        items: ctx
            .other_orders
            .iter()
            .map(|(o, name)| {
                format!(
                    "{name} {} {} {} — {} ({})",
                    o.fields.dose.value.normalize(),
                    o.fields.dose.unit.label(),
                    o.fields.frequency.as_text(),
                    o.status.label(),
                    o.rx_number()
                )
            })
            .collect(),
    });
    Ok(VerifyPage {
        layout: Some(Layout::new(session, "/verification")),
        id: id.to_string(),
        version: order.version,
        title: format!("Verify {} — {}", ctx.view.entry.name, order.rx_number()),
        patient_href: format!("/patients/{}", order.patient_id),
        patient_name: ctx.view.patient.display_name(),
        order_facts: order_facts(order, &ctx.view.entry.name, zone),
        context,
        panel: AlertsPanel::from_result(&ctx.check, zone),
        pending: order.status == OrderStatus::PendingVerification,
        message,
        reasons,
    })
}

pub async fn verify_page(
    State(state): State<AppState>,
    session: PageSession,
    Path(id): Path<String>,
) -> Result<VerifyPage, PageError> {
    let id = parse_id::<OrderId>(&id, "order")?;
    verify_view(&state, &session, id, None, HashMap::new()).await
}

/// Verify (with an override reason for each hard stop), reject, or ask the prescriber.
pub async fn verify_action(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    session.caller.require(Permission::OrderVerify).map_err(PageError::from)?;
    let id = parse_id::<OrderId>(&id, "order")?;
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let decision = form.get("decision").unwrap_or_default().to_owned();
    let reason = form.opt("reason");
    let mut overrides = Vec::new();
    for (name, key) in form.0.iter().filter(|(k, _)| k.starts_with("override_key_")) {
        let index = &name["override_key_".len()..];
        if let Some(text) = form.opt(&format!("override_reason_{index}")) {
            overrides.push(Override { key: key.clone(), reason: text });
        }
    }
    let caller = session.caller.clone();
    let result = state
        .run(move |app| match decision.as_str() {
            "verify" => app.verify_order(&caller, id, version, &overrides),
            "reject" => app.transition_order(&caller, id, version, OrderAction::Reject, reason.as_deref()),
            "clarify" => {
                app.transition_order(&caller, id, version, OrderAction::RequestClarification, reason.as_deref())
            }
            _ => Err(AppError::invalid("decision", "choose verify, reject or ask the prescriber")),
        })
        .await;
    let reasons = form.to_map();
    match result {
        Ok(order) => Ok(Redirect::to(&format!("/orders/{}", order.id)).into_response()),
        Err(AppError::Invalid(e)) => {
            let message = e.0.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join(" ");
            let page = verify_view(&state, &session, id, Some(message), reasons).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e @ (AppError::Conflict(_) | AppError::StaleVersion { .. })) => {
            let message = format!(
                "Not done: {e}. Another pharmacist or a change got there first; the page now shows the order as it is."
            );
            let page = verify_view(&state, &session, id, Some(message), HashMap::new()).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
