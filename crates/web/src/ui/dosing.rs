//! The precision-dosing page of an order: the form (model, covariates, doses given, levels, target), the fit with
//! its curve, levels and target window drawn as an SVG, the AUC and the suggested regimens, each of which a
//! pharmacist turns into an order change with one button.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::role::Permission;
use domain::{OrderId, ValidationErrors};

use app::AppError;
use app::order_dosing::{Choice, DosingForm, OrderDosingContext, OrderDosingFit};

use crate::AppState;
use crate::auth::{PageSession, PostedForm};
use crate::error::PageError;
use crate::filters::local_time;
use crate::form::{Field, FormData, InputKind, fill, unplaced_errors};
use crate::ui::{Layout, parse_id};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orders/{id}/dosing", get(dosing_page).post(refit))
        .route("/orders/{id}/dosing/apply", post(apply))
}

// ---- the plot -------------------------------------------------------------------------------------------------

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 36.0;

/// A tick: its pixel position and its label.
pub struct Tick {
    pub at: String,
    pub label: String,
}

/// An observed level as drawn.
pub struct PlotLevel {
    pub x: String,
    pub y: String,
    pub title: String,
}

/// Concentration over time in SVG coordinates: the fitted curve, the projection of the recommended regimen, the
/// observed levels, "now" and the target window shown as the average concentration it means (AUC24 / 24 h).
pub struct Plot {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right_edge: f64,
    pub top: f64,
    pub bottom_edge: f64,
    pub curve: String,
    pub projection: String,
    pub levels: Vec<PlotLevel>,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    /// The band's top y and height, in pixels.
    pub band_y: String,
    pub band_height: String,
    pub band_label: String,
    pub now_x: Option<String>,
    pub description: String,
}

fn nice_step(span: f64, max_ticks: f64, steps: &[f64]) -> f64 {
    steps.iter().copied().find(|s| span / s <= max_ticks).unwrap_or(steps[steps.len() - 1])
}

fn px(v: f64) -> String {
    format!("{v:.1}")
}

impl Plot {
    /// Lays out `curve` and `projection` ((h, mg/L) pairs), the levels, `now_h` and the AUC24 window.
    pub fn new(
        curve: &[(f64, f64)],
        projection: &[(f64, f64)],
        levels: &[(f64, f64)],
        now_h: f64,
        (auc_min, auc_max): (f64, f64),
    ) -> Plot {
        let band = (auc_min / 24.0, auc_max / 24.0);
        let all = curve.iter().chain(projection).chain(levels);
        let x_max = all.clone().map(|p| p.0).fold(now_h.max(24.0), f64::max);
        let y_max = all.map(|p| p.1).fold(band.1, f64::max) * 1.1;
        let x_step = nice_step(x_max, 12.0, &[6.0, 12.0, 24.0, 48.0, 72.0, 168.0]);
        let y_step = nice_step(y_max, 8.0, &[1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]);
        let x_max = (x_max / x_step).ceil() * x_step;
        let y_max = (y_max / y_step).ceil() * y_step;
        let (right_edge, bottom_edge) = (WIDTH - RIGHT, HEIGHT - BOTTOM);
        let sx = |h: f64| LEFT + h / x_max * (right_edge - LEFT);
        let sy = |c: f64| bottom_edge - c / y_max * (bottom_edge - TOP);
        let line = |points: &[(f64, f64)]| {
            points.iter().map(|&(h, c)| format!("{},{}", px(sx(h)), px(sy(c)))).collect::<Vec<_>>().join(" ")
        };
        let ticks = |max: f64, step: f64, to: &dyn Fn(f64) -> f64, unit: &str| {
            let n = (max / step).round() as usize;
            (0..=n)
                .map(|i| {
                    let v = i as f64 * step;
                    Tick { at: px(to(v)), label: format!("{v}{unit}") }
                })
                .collect::<Vec<_>>()
        };
        let observed_peak = levels.iter().map(|l| l.1).fold(0.0, f64::max);
        Plot {
            width: WIDTH,
            height: HEIGHT,
            left: LEFT,
            right_edge,
            top: TOP,
            bottom_edge,
            curve: line(curve),
            projection: line(projection),
            levels: levels
                .iter()
                .map(|&(h, c)| PlotLevel {
                    x: px(sx(h)),
                    y: px(sy(c)),
                    title: format!("Observed {c} mg/L at {h:.1} h"),
                })
                .collect(),
            x_ticks: ticks(x_max, x_step, &sx, " h"),
            y_ticks: ticks(y_max, y_step, &sy, ""),
            band_y: px(sy(band.1)),
            band_height: px(sy(band.0) - sy(band.1)),
            band_label: format!("Target AUC24 {auc_min}–{auc_max} mg·h/L = average {:.1}–{:.1} mg/L", band.0, band.1),
            now_x: (now_h > 0.0 && now_h <= x_max).then(|| px(sx(now_h))),
            description: format!(
                "Predicted concentration from the first dose to {x_max} h; {} observed level(s), highest {observed_peak} \
                 mg/L; target average concentration {:.1}–{:.1} mg/L.",
                levels.len(),
                band.0,
                band.1
            ),
        }
    }
}

// ---- the page -------------------------------------------------------------------------------------------------

pub struct Row {
    pub cells: Vec<String>,
}

pub struct SuggestionRow {
    /// `index:amount:interval`, what the apply button posts.
    pub choice: String,
    pub recommended: bool,
    pub text: String,
    pub auc24: String,
    pub peak: String,
    pub trough: String,
}

/// The fit as shown.
pub struct FitView {
    pub model: String,
    pub citation: String,
    pub parameters: Vec<Row>,
    pub eta: String,
    pub objective: String,
    pub levels: Vec<Row>,
    pub auc: Vec<Row>,
    pub current: Option<String>,
    pub suggestions: Vec<SuggestionRow>,
    pub projection_note: Option<String>,
    pub plot: Plot,
}

#[derive(Template, WebTemplate)]
#[template(path = "orders/dosing.html")]
pub struct DosingPage {
    pub layout: Option<Layout>,
    pub id: String,
    pub version: i64,
    pub title: String,
    pub order_href: String,
    pub patient_href: String,
    pub patient_name: String,
    pub order_summary: String,
    pub provenance: Vec<String>,
    pub fields: Vec<Field>,
    /// The two textareas (rendered by hand; `Field` carries their value and error).
    pub doses: Field,
    pub levels: Field,
    pub zone: String,
    pub errors: Vec<String>,
    pub fit: Option<FitView>,
    pub can_apply: bool,
}

fn form_fields(models: &[(String, String)]) -> Vec<Field> {
    use InputKind::*;
    vec![
        Field::new("model", "Population model", Select(models.to_vec())).required(),
        Field::new("weight_kg", "Weight (kg)", Number).required().hint("Total body weight"),
        Field::new("crcl_ml_min", "CrCl (mL/min)", Number).hint("Cockcroft–Gault, as the model was built"),
        Field::new(
            "dialysis",
            "On haemodialysis",
            Select(vec![("no".into(), "No".into()), ("yes".into(), "Yes".into())]),
        )
        .hint("Required by models with a dialysis covariate; never assumed"),
        Field::new("age_years", "Age (years)", Number),
        Field::new("scr_mg_dl", "Serum creatinine (mg/dL)", Number),
        Field::new("sex", "Sex", Select(vec![("female".into(), "Female".into()), ("male".into(), "Male".into())])),
        Field::new("height_cm", "Height (cm)", Number),
        Field::new("auc24_min", "Target AUC24 from (mg·h/L)", Number).required(),
        Field::new("auc24_max", "to (mg·h/L)", Number).required(),
    ]
}

fn form_from(data: &FormData) -> DosingForm {
    DosingForm {
        model: data.opt("model"),
        weight_kg: data.opt("weight_kg"),
        crcl_ml_min: data.opt("crcl_ml_min"),
        dialysis: data.opt("dialysis"),
        age_years: data.opt("age_years"),
        scr_mg_dl: data.opt("scr_mg_dl"),
        sex: data.opt("sex"),
        height_cm: data.opt("height_cm"),
        doses: data.get("doses").map(str::to_owned),
        levels: data.get("levels").map(str::to_owned),
        auc24_min: data.opt("auc24_min"),
        auc24_max: data.opt("auc24_max"),
    }
}

fn values_of(form: &DosingForm) -> HashMap<String, String> {
    [
        ("model", &form.model),
        ("weight_kg", &form.weight_kg),
        ("crcl_ml_min", &form.crcl_ml_min),
        ("dialysis", &form.dialysis),
        ("age_years", &form.age_years),
        ("scr_mg_dl", &form.scr_mg_dl),
        ("sex", &form.sex),
        ("height_cm", &form.height_cm),
        ("auc24_min", &form.auc24_min),
        ("auc24_max", &form.auc24_max),
        ("doses", &form.doses),
        ("levels", &form.levels),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.clone().map(|v| (k.to_owned(), v)))
    .collect()
}

fn n(x: f64, places: usize) -> String {
    format!("{x:.places$}")
}

fn fit_view(fit: &OrderDosingFit) -> FitView {
    let o = &fit.output;
    let (ind, typ) = (&o.individual, &o.typical);
    let opt = |x: Option<f64>| x.map_or_else(|| "—".to_owned(), |v| n(v, 2));
    let parameters = vec![
        Row { cells: vec!["CL (L/h)".into(), n(ind.cl_l_h, 2), n(typ.cl_l_h, 2)] },
        Row { cells: vec!["V1 (L)".into(), n(ind.v1_l, 1), n(typ.v1_l, 1)] },
        Row { cells: vec!["Q (L/h)".into(), opt(ind.q_l_h), opt(typ.q_l_h)] },
        Row { cells: vec!["V2 (L)".into(), opt(ind.v2_l), opt(typ.v2_l)] },
    ];
    let zone = fit.zone;
    let levels = fit
        .input
        .levels
        .iter()
        .zip(&fit.predicted_levels)
        .map(|(l, p)| Row {
            cells: vec![
                local_time(fit.instant(l.time_h), zone),
                n(l.time_h, 1),
                n(l.concentration_mg_l, 1),
                n(*p, 1),
                format!("{:+.0} %", (p - l.concentration_mg_l) / l.concentration_mg_l * 100.0),
            ],
        })
        .collect();
    let auc = o
        .auc
        .iter()
        .map(|w| Row {
            cells: vec![
                format!("{} → {}", local_time(fit.instant(w.from_h), zone), local_time(fit.instant(w.to_h), zone)),
                format!("{}–{} h", n(w.from_h, 1), n(w.to_h, 1)),
                n(w.mg_h_per_l, 0),
            ],
        })
        .collect();
    let suggestions = o
        .suggestions
        .iter()
        .enumerate()
        .map(|(index, s)| SuggestionRow {
            choice: format!("{index}:{}:{}", s.amount_mg, s.interval_h),
            recommended: index == 0,
            text: format!("{} mg every {} h, infused over {} min", s.amount_mg, s.interval_h, s.duration_h * 60.0),
            auc24: n(s.auc24, 0),
            peak: n(s.peak_mg_l, 1),
            trough: n(s.trough_mg_l, 1),
        })
        .collect();
    let target = fit.input.target.map_or((400.0, 600.0), |t| (t.auc24_min, t.auc24_max));
    // With a projection, the solid curve stops where the dashed one starts (the next dose), so the two never overlap.
    let until = if fit.projection.is_empty() { f64::INFINITY } else { fit.next_dose_h };
    let curve: Vec<(f64, f64)> =
        o.curve.iter().filter(|p| p.time_h <= until).map(|p| (p.time_h, p.concentration_mg_l)).collect();
    let projection: Vec<(f64, f64)> = fit.projection.iter().map(|p| (p.time_h, p.concentration_mg_l)).collect();
    let observed: Vec<(f64, f64)> = fit.input.levels.iter().map(|l| (l.time_h, l.concentration_mg_l)).collect();
    FitView {
        model: o.model.id.clone(),
        citation: o.model.citation.clone(),
        parameters,
        eta: o.eta.iter().map(|(k, v)| format!("η{k} {v:+.3}")).collect::<Vec<_>>().join(", "),
        objective: if o.levels_used == 0 {
            "no levels: the population (a priori) prediction".into()
        } else {
            format!("{} at the MAP estimate from {} level(s)", n(o.objective, 3), o.levels_used)
        },
        levels,
        auc,
        current: fit.current_auc24.map(|a| format!("{} mg·h/L at steady state", n(a, 0))),
        suggestions,
        projection_note: o.suggestions.first().map(|s| {
            format!(
                "Dashed: {} mg every {} h from {} (the next dose due), predicted.",
                s.amount_mg,
                s.interval_h,
                local_time(fit.instant(fit.next_dose_h), zone)
            )
        }),
        plot: Plot::new(&curve, &projection, &observed, fit.now_h, target),
    }
}

struct PageInput<'a> {
    context: &'a OrderDosingContext,
    form: &'a DosingForm,
    errors: Option<&'a ValidationErrors>,
    fit: Option<&'a OrderDosingFit>,
}

fn page(session: &PageSession, input: PageInput<'_>) -> DosingPage {
    let PageInput { context, form, errors, fit } = input;
    let order = &context.view.order;
    let mut fields = form_fields(&context.models);
    let mut textareas =
        [Field::new("doses", "Doses given", InputKind::Text), Field::new("levels", "Measured levels", InputKind::Text)];
    let values = values_of(form);
    fill(&mut fields, &values, errors);
    fill(&mut textareas, &values, errors);
    let placed: Vec<Field> = fields.iter().chain(&textareas).cloned().collect();
    let [doses, levels] = textareas;
    let f = &order.fields;
    DosingPage {
        layout: Some(Layout::new(session, "/patients")),
        id: order.id.to_string(),
        version: order.version,
        title: format!("Precision dosing — {} {}", context.view.entry.name, order.rx_number()),
        order_href: format!("/orders/{}", order.id),
        patient_href: format!("/patients/{}", order.patient_id),
        patient_name: context.view.patient.display_name(),
        order_summary: format!(
            "{} {} {} {}, {} ({})",
            f.dose.value.normalize(),
            f.dose.unit.label(),
            f.route,
            f.frequency.as_text(),
            f.infusion_minutes.map(|m| format!("over {m} min")).unwrap_or_default(),
            order.status.label()
        ),
        provenance: context.provenance.clone(),
        doses,
        levels,
        zone: context.zone.to_string(),
        errors: unplaced_errors(&placed, errors),
        fields,
        fit: fit.map(fit_view),
        can_apply: session.caller.can_at(Permission::OrderWrite, order.branch_id),
    }
}

async fn context_of(state: &AppState, session: &PageSession, id: OrderId) -> Result<OrderDosingContext, PageError> {
    let caller = session.caller.clone();
    Ok(state.run(move |app| app.order_dosing_context(&caller, id)).await?)
}

/// Opens with the form filled from the order and the labs, fitted at once when that is possible.
pub async fn dosing_page(
    State(state): State<AppState>,
    session: PageSession,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    session.caller.require(Permission::DosingUse).map_err(PageError::from)?;
    let id = parse_id::<OrderId>(&id, "order")?;
    let context = context_of(&state, &session, id).await?;
    let form = context.form.clone();
    let caller = session.caller.clone();
    let attempt = form.clone();
    let fit = state.run(move |app| Ok(app.order_dosing_fit(&caller, id, &attempt))).await?;
    // A first fit needs the pharmacist's answers (dialysis, a missing dose): show the form with what is missing.
    let (fit, errors) = match fit {
        Ok(fit) => (Some(fit), None),
        Err(AppError::Invalid(errors)) => (None, Some(errors)),
        Err(other) => return Err(other.into()),
    };
    let input = PageInput { context: &context, form: &form, errors: errors.as_ref(), fit: fit.as_ref() };
    Ok(page(&session, input).into_response())
}

/// Refits with what the pharmacist entered.
pub async fn refit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    session.caller.require(Permission::DosingUse).map_err(PageError::from)?;
    let id = parse_id::<OrderId>(&id, "order")?;
    let context = context_of(&state, &session, id).await?;
    let dosing = form_from(&form);
    let caller = session.caller.clone();
    let attempt = dosing.clone();
    match state.run(move |app| Ok(app.order_dosing_fit(&caller, id, &attempt))).await? {
        Ok(fit) => {
            let input = PageInput { context: &context, form: &dosing, errors: None, fit: Some(&fit) };
            Ok(page(&session, input).into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let input = PageInput { context: &context, form: &dosing, errors: Some(&errors), fit: None };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&session, input)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// Turns the chosen suggestion into an order change and opens the new version.
pub async fn apply(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    session.caller.require(Permission::DosingUse).map_err(PageError::from)?;
    let id = parse_id::<OrderId>(&id, "order")?;
    let dosing = form_from(&form);
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok());
    let choice = form.get("choice").and_then(Choice::parse);
    let note = form.opt("note");
    let caller = session.caller.clone();
    let attempt = dosing.clone();
    let result = state
        .run(move |app| {
            let (Some(version), Some(choice)) = (version, choice) else {
                return Ok(Err(AppError::invalid("choice", "pick one of the suggested regimens")));
            };
            Ok(app.apply_dosing(&caller, id, version, &attempt, choice, note.as_deref()))
        })
        .await?;
    match result {
        Ok(order) => Ok(Redirect::to(&format!("/orders/{}", order.id)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let context = context_of(&state, &session, id).await?;
            let input = PageInput { context: &context, form: &dosing, errors: Some(&errors), fit: None };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&session, input)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plot_maps_hours_and_concentrations_into_the_frame() {
        let curve = [(0.0, 0.0), (1.0, 30.0), (24.0, 8.0), (48.0, 2.0)];
        let plot = Plot::new(&curve, &[], &[(13.0, 12.0)], 30.0, (400.0, 600.0));
        // x: 0–48 h in 6 h ticks fills LEFT..WIDTH-RIGHT; y: 0–35 mg/L (30 × 1.1 = 33 → 35) in 5 mg/L ticks.
        assert_eq!(plot.x_ticks.first().map(|t| t.at.as_str()), Some("48.0"));
        assert_eq!(plot.x_ticks.last().map(|t| (t.at.as_str(), t.label.as_str())), Some(("708.0", "48 h")));
        assert_eq!(plot.y_ticks.last().map(|t| (t.at.as_str(), t.label.as_str())), Some(("12.0", "35")));
        // The first point is the origin; 30 mg/L at 1 h lies 30/35 of the 252 px up: 264 − 216 = 48; x = 48 + 660/48.
        assert!(plot.curve.starts_with("48.0,264.0 61.8,48.0 "), "{}", plot.curve);
        // Target 400–600 mg·h/L is an average 16.7–25 mg/L band: y(25) = 264 − 180 = 84, height 120 − … = 60 px.
        assert_eq!((plot.band_y.as_str(), plot.band_height.as_str()), ("84.0", "60.0"));
        assert!(plot.band_label.contains("16.7–25.0 mg/L"));
        assert_eq!(plot.levels[0].title, "Observed 12 mg/L at 13.0 h");
        assert_eq!(plot.now_x.as_deref(), Some("460.5"));
    }

    #[test]
    fn plot_of_nothing_still_has_a_frame() {
        let plot = Plot::new(&[], &[], &[], 0.0, (400.0, 600.0));
        assert!(plot.curve.is_empty() && plot.levels.is_empty() && plot.now_x.is_none());
        assert!(plot.x_ticks.len() >= 2 && plot.y_ticks.len() >= 2);
    }
}
