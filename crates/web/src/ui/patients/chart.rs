//! The patient chart: demographics, the duplicate warning, body size (latest weight and height, BMI, IBW, dosing
//! weight) and every record list with links to add and change records.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use domain::role::Permission;

use app::patient_records::PatientChart;

use crate::AppState;
use crate::auth::PageSession;
use crate::error::PageError;
use crate::ui::Layout;
use crate::ui::parse_id;
use domain::PatientId;

/// A labelled value of the chart.
pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

/// A record table: headings, rows of cells, and per-row edit links for versioned records.
pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    pub headings: Vec<&'static str>,
    pub rows: Vec<RecordRow>,
    pub add_href: Option<String>,
}

impl Section {
    /// Used for template rendering: whether any row can be changed.
    pub fn has_actions(&self) -> bool {
        self.rows.iter().any(|r| r.edit_href.is_some())
    }
}

pub struct RecordRow {
    pub cells: Vec<String>,
    pub edit_href: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "patients/chart.html")]
pub struct ChartPage {
    pub layout: Option<Layout>,
    pub name: String,
    pub edit_href: Option<String>,
    pub duplicate_href: Option<String>,
    pub demographics: Vec<Fact>,
    pub body: Vec<Fact>,
    pub body_warning: Option<String>,
    pub sections: Vec<Section>,
    pub orders: Option<Vec<OrderRow>>,
    pub new_order_href: Option<String>,
}

/// One of the patient's orders on the chart.
pub struct OrderRow {
    pub href: String,
    pub rx: String,
    pub drug: String,
    pub dose: String,
    pub status: &'static str,
    pub start: String,
}

fn opt(value: Option<impl ToString>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| v.to_string())
}

pub async fn show_patient(
    State(state): State<AppState>,
    session: PageSession,
    Path(id): Path<String>,
) -> Result<ChartPage, PageError> {
    let id = parse_id::<PatientId>(&id, "patient")?;
    let caller = session.caller.clone();
    let (chart, branch, today, orders) = state
        .run(move |app| {
            let chart = app.patient_chart(&caller, id)?;
            let branch = app.get_branch(chart.patient.branch_id)?;
            let today = app.today_at(&branch);
            let orders = if caller.can_at(Permission::OrderRead, chart.patient.branch_id) {
                let query = app::orders::OrderQuery { patient_id: Some(id), ..Default::default() };
                let formulary = app.formulary(&caller)?;
                let page = app.list_orders(&caller, &query)?;
                Some(
                    page.items
                        .into_iter()
                        .map(|o| {
                            let drug = formulary
                                .get(&o.fields.drug_code)
                                .map_or_else(|| o.fields.drug_code.clone(), |e| e.name.clone());
                            OrderRow {
                                href: format!("/orders/{}", o.id),
                                rx: o.rx_number(),
                                drug,
                                dose: format!(
                                    "{} {} {}",
                                    o.fields.dose.value.normalize(),
                                    o.fields.dose.unit.label(),
                                    o.fields.frequency.as_text()
                                ),
                                status: o.status.label(),
                                start: crate::filters::local_time(o.fields.start_at, branch.time_zone),
                            }
                        })
                        .collect(),
                )
            } else {
                None
            };
            Ok((chart, branch, today, orders))
        })
        .await?;
    let caller = &session.caller;
    let can_clinical = caller.can_at(Permission::ClinicalRecordWrite, chart.patient.branch_id);
    let can_coverage = caller.can_at(Permission::CoverageWrite, chart.patient.branch_id);
    let can_edit = caller.can_at(Permission::PatientWrite, chart.patient.branch_id);
    Ok(ChartPage {
        layout: Some(Layout::new(&session, "/patients")),
        name: chart.patient.display_name(),
        edit_href: can_edit.then(|| format!("/patients/{id}/edit")),
        duplicate_href: chart.patient.possible_duplicate_of.map(|other| format!("/patients/{other}")),
        demographics: demographics(&chart, &branch, today),
        body: body_facts(&chart),
        body_warning: body_warning(&chart),
        sections: super::records::sections(&chart, branch.time_zone, can_clinical, can_coverage),
        new_order_href: caller
            .can_at(Permission::OrderWrite, chart.patient.branch_id)
            .then(|| format!("/orders/new?patient_id={id}")),
        orders,
    })
}

fn demographics(chart: &PatientChart, branch: &domain::branch::Branch, today: chrono::NaiveDate) -> Vec<Fact> {
    let p = &chart.patient;
    let f = &p.fields;
    let address = f.address.as_ref().map(|a| {
        let mut parts = vec![a.line1.clone()];
        parts.extend(a.line2.clone());
        parts.push(format!("{} {} {}", a.city, a.region.clone().unwrap_or_default(), a.postal_code));
        parts.push(a.country.to_string());
        parts.join(", ")
    });
    let contact = f.emergency_contact.as_ref().map(|c| {
        format!(
            "{}{}{}",
            c.name,
            c.relationship.as_ref().map(|r| format!(" ({r})")).unwrap_or_default(),
            c.phone.as_ref().map(|p| format!(", {p}")).unwrap_or_default()
        )
    });
    vec![
        Fact { label: "MRN", value: f.mrn.to_string() },
        Fact { label: "Birth date", value: format!("{} (age {})", f.birth_date, p.age_on(today)) },
        Fact { label: "Sex", value: f.sex.label().into() },
        Fact { label: "Language", value: f.language.to_string() },
        Fact { label: "Status", value: f.status.label().into() },
        Fact { label: "Site of care", value: f.site_of_care.label().into() },
        Fact { label: "Branch", value: format!("{} — {}", branch.code, branch.name) },
        Fact { label: "Phone", value: opt(f.phone.as_ref()) },
        Fact { label: "Email", value: opt(f.email.as_ref()) },
        Fact { label: "Address", value: opt(address) },
        Fact {
            label: "Coordinates",
            value: opt(f.coordinates.map(|c| format!("{:.6}, {:.6}", c.latitude, c.longitude))),
        },
        Fact { label: "Emergency contact", value: opt(contact) },
    ]
}

fn body_facts(chart: &PatientChart) -> Vec<Fact> {
    let b = &chart.body;
    let basis = match b.dosing_weight_basis {
        Some(app::clinical::body::DosingWeightBasis::Adjusted) => " (adjusted: over 120 % of ideal)",
        Some(app::clinical::body::DosingWeightBasis::Actual) => " (actual)",
        None => "",
    };
    vec![
        Fact { label: "Latest weight", value: opt(b.weight_kg.map(|w| format!("{w} kg"))) },
        Fact { label: "Latest height", value: opt(b.height_cm.map(|h| format!("{h} cm"))) },
        Fact { label: "BMI", value: opt(b.bmi.map(|v| format!("{v} kg/m²"))) },
        Fact { label: "Ideal body weight (Devine)", value: opt(b.ideal_weight_kg.map(|w| format!("{w} kg"))) },
        Fact { label: "Dosing weight", value: opt(b.dosing_weight_kg.map(|w| format!("{w} kg{basis}"))) },
    ]
}

fn body_warning(chart: &PatientChart) -> Option<String> {
    match (chart.body.weight_kg, chart.body.weight_is_current) {
        (None, _) => Some("No weight recorded: weight-based doses cannot be checked.".into()),
        (Some(_), false) => Some(format!(
            "The latest weight is older than {} days: record a current weight before weight-based dosing.",
            app::clinical::body::WEIGHT_CURRENT_DAYS
        )),
        _ => None,
    }
}
