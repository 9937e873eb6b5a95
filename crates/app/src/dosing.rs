//! The stateless dosing calculator (issue 6): list the population models, and fit one to a dosing history and
//! measured levels (Bayesian MAP, or a priori without levels) answering individual parameters, AUC windows, regimen
//! suggestions for a target AUC24 and the predicted curve. Nothing is stored; every engine error becomes a 422
//! naming its input field.

use std::collections::BTreeMap;

use domain::role::Permission;
use dosing::model::Param;
use dosing::{Covariate, Covariates, Dose, DoseSearch, DosingError, Level, PkParams, PopModel, Sex};
use serde::{Deserialize, Serialize};

use crate::{App, AppError, Caller};

/// At most this many doses, and as many levels, in one request.
pub const MAX_DOSES: usize = 200;
pub const MAX_LEVELS: usize = 200;
pub const MAX_AUC_INTERVALS: usize = 100;
/// The predicted curve runs this long past the last dose end or level, in at most `CURVE_MAX_STEPS` steps of a
/// multiple of `CURVE_STEP_H`.
const CURVE_TAIL_H: f64 = 48.0;
const CURVE_STEP_H: f64 = 0.5;
const CURVE_MAX_STEPS: f64 = 500.0;

/// A fit request: the model, the patient's covariates, the doses given, the levels measured, the AUC windows
/// wanted and the AUC24 target of the suggestions. Hours on one clock (any origin).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EstimateInput {
    /// A model id from `GET /api/v1/dosing/models`, e.g. `vancomycin-goti-2018`.
    pub model: String,
    pub covariates: CovariatesInput,
    #[serde(default)]
    pub doses: Vec<DoseInput>,
    /// Measured concentrations; none gives the a priori (population) prediction.
    #[serde(default)]
    pub levels: Vec<LevelInput>,
    /// `[from_h, to_h]` windows for the AUC, counting every dose given.
    #[serde(default)]
    #[schema(value_type = Vec<Vec<f64>>)]
    pub auc_intervals: Vec<[f64; 2]>,
    /// Steady-state AUC0–24 window of the suggestions; 400–600 mg·h/L when absent.
    #[serde(default)]
    pub target: Option<TargetInput>,
}

/// Patient covariates; each model names those it needs.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CovariatesInput {
    pub weight_kg: f64,
    pub crcl_ml_min: Option<f64>,
    /// Required by models with a haemodialysis covariate (never assumed).
    pub dialysis: Option<bool>,
    pub age_years: Option<f64>,
    pub scr_mg_dl: Option<f64>,
    pub sex: Option<SexInput>,
    pub height_cm: Option<f64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SexInput {
    Female,
    Male,
}

/// One infusion: starts at `time_h`, lasts `duration_h` (0 = bolus).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoseInput {
    pub time_h: f64,
    pub amount_mg: f64,
    pub duration_h: f64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LevelInput {
    pub time_h: f64,
    pub concentration_mg_l: f64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetInput {
    pub auc24_min: f64,
    pub auc24_max: f64,
}

/// The fit: parameters, η, objective, AUC windows, suggestions and the curve.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EstimateOutput {
    pub model: ModelRef,
    /// Individual (MAP) parameters; equal to `typical` without levels.
    pub individual: PkParamsOutput,
    /// Population parameters for these covariates.
    pub typical: PkParamsOutput,
    /// η per parameter it scales (`cl`, `v1`, `q`, `v2`).
    pub eta: BTreeMap<String, f64>,
    /// Objective function value at η (0 without levels).
    pub objective: f64,
    pub levels_used: usize,
    pub auc: Vec<AucOutput>,
    /// Regimens predicted inside the target at steady state, one per interval, the recommended one first: the
    /// longest interval whose steady-state peak is at most 3 × its trough, then shorter ones, then the rest.
    pub suggestions: Vec<SuggestionOutput>,
    /// The individual prediction from the first dose to 48 h past the last dose or level.
    pub curve: Vec<CurvePoint>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ModelRef {
    pub id: String,
    pub drug: String,
    pub citation: String,
}

/// Clearance and volumes; `v2_l` and `q_l_h` are null for one-compartment models.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct PkParamsOutput {
    pub cl_l_h: f64,
    pub v1_l: f64,
    pub v2_l: Option<f64>,
    pub q_l_h: Option<f64>,
}

#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct AucOutput {
    pub from_h: f64,
    pub to_h: f64,
    pub mg_h_per_l: f64,
}

#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct SuggestionOutput {
    pub amount_mg: f64,
    pub interval_h: f64,
    pub duration_h: f64,
    pub auc24: f64,
    /// Just before the next dose, at steady state.
    pub trough_mg_l: f64,
    /// At the end of the infusion, at steady state.
    pub peak_mg_l: f64,
}

#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct CurvePoint {
    pub time_h: f64,
    pub concentration_mg_l: f64,
}

/// A population model as listed to clients.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ModelInfo {
    pub id: String,
    pub drug: String,
    /// `adult` or `paediatric`.
    pub population: String,
    /// The population the model was built in, as published.
    pub population_detail: String,
    pub compartments: u8,
    pub covariates: Vec<CovariateInfo>,
    pub citation: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CovariateInfo {
    /// The field under `covariates` in the estimate request.
    pub name: String,
    pub required: bool,
}

/// Whether any population model is for this drug (a formulary code).
pub fn has_model_for(drug_code: &str) -> bool {
    dosing::models::all().iter().any(|m| m.drug == drug_code)
}

impl App {
    /// Every population model with its covariates and citation.
    pub fn dosing_models(&self, caller: &Caller) -> Result<Vec<ModelInfo>, AppError> {
        caller.require(Permission::DosingUse)?;
        Ok(dosing::models::all().iter().map(model_info).collect())
    }

    /// Fits the model to the history and answers AUC windows, suggestions and the curve. Pure computation.
    #[tracing::instrument(skip_all, fields(model = %input.model))]
    pub fn dosing_estimate(&self, caller: &Caller, input: &EstimateInput) -> Result<EstimateOutput, AppError> {
        caller.require(Permission::DosingUse)?;
        estimate(input)
    }
}

fn invalid(error: DosingError) -> AppError {
    AppError::invalid(error.field(), error.to_string())
}

fn model_info(m: &PopModel) -> ModelInfo {
    let paediatric = m.ranges.iter().any(|&(c, _, max)| c == Covariate::AgeYears && max <= 18.0);
    let compartments = match m.typical(&Covariates::default()) {
        PkParams::OneCompartment { .. } => 1,
        PkParams::TwoCompartment { .. } => 2,
    };
    ModelInfo {
        id: m.id.into(),
        drug: m.drug.into(),
        population: if paediatric { "paediatric" } else { "adult" }.into(),
        population_detail: m.population.into(),
        compartments,
        covariates: m
            .covariates
            .iter()
            .map(|c| CovariateInfo { name: c.field().trim_start_matches("covariates.").into(), required: true })
            .collect(),
        citation: m.citation.into(),
    }
}

fn params_output(p: &PkParams) -> PkParamsOutput {
    PkParamsOutput { cl_l_h: p.cl_l_h(), v1_l: p.v1_l(), v2_l: p.v2_l(), q_l_h: p.q_l_h() }
}

fn eta_name(param: Param) -> &'static str {
    match param {
        Param::Cl => "cl",
        Param::V1 => "v1",
        Param::Q => "q",
        Param::V2 => "v2",
    }
}

fn covariates(model: &PopModel, c: &CovariatesInput) -> Result<Covariates, AppError> {
    if model.covariates.contains(&Covariate::Dialysis) && c.dialysis.is_none() {
        return Err(invalid(DosingError::MissingCovariate {
            field: Covariate::Dialysis.field().into(),
            model: model.id,
        }));
    }
    Ok(Covariates {
        weight_kg: c.weight_kg,
        crcl_ml_min: c.crcl_ml_min,
        dialysis: c.dialysis.unwrap_or(false),
        age_years: c.age_years,
        scr_mg_dl: c.scr_mg_dl,
        sex: c.sex.map(|s| match s {
            SexInput::Female => Sex::Female,
            SexInput::Male => Sex::Male,
        }),
        height_cm: c.height_cm,
    })
}

fn too_many(field: &str, len: usize, max: usize) -> Result<(), AppError> {
    if len > max { Err(AppError::invalid(field, format!("at most {max} entries (got {len})"))) } else { Ok(()) }
}

pub(crate) fn estimate(input: &EstimateInput) -> Result<EstimateOutput, AppError> {
    let model = dosing::models::by_id(&input.model).map_err(invalid)?;
    too_many("doses", input.doses.len(), MAX_DOSES)?;
    too_many("levels", input.levels.len(), MAX_LEVELS)?;
    too_many("auc_intervals", input.auc_intervals.len(), MAX_AUC_INTERVALS)?;
    let covariates = covariates(model, &input.covariates)?;
    let doses = engine_doses(input);
    let levels: Vec<Level> = input.levels.iter().map(|l| Level::new(l.time_h, l.concentration_mg_l)).collect();
    let fit = dosing::estimate(model, &covariates, &doses, &levels).map_err(invalid)?;
    let windows: Vec<(f64, f64)> = input.auc_intervals.iter().map(|w| (w[0], w[1])).collect();
    let auc = dosing::auc_windows(&fit.individual, &doses, &windows).map_err(invalid)?;
    let target = input.target.unwrap_or(TargetInput { auc24_min: 400.0, auc24_max: 600.0 });
    let search = DoseSearch { auc24_min: target.auc24_min, auc24_max: target.auc24_max, ..DoseSearch::default() };
    let suggestions = dosing::suggest(&fit.individual, &search).map_err(invalid)?;
    let curve = curve(&fit.individual, &doses, &levels).map_err(invalid)?;
    Ok(EstimateOutput {
        model: ModelRef { id: model.id.into(), drug: model.drug.into(), citation: model.citation.into() },
        individual: params_output(&fit.individual),
        typical: params_output(&fit.typical),
        eta: model.etas.iter().zip(&fit.eta).map(|(p, e)| (eta_name(*p).to_owned(), *e)).collect(),
        objective: fit.objective,
        levels_used: fit.levels_used,
        auc: auc.into_iter().map(|w| AucOutput { from_h: w.from_h, to_h: w.to_h, mg_h_per_l: w.mg_h_per_l }).collect(),
        suggestions: suggestions
            .into_iter()
            .map(|s| SuggestionOutput {
                amount_mg: s.amount_mg,
                interval_h: s.interval_h,
                duration_h: s.duration_h,
                auc24: s.auc24,
                trough_mg_l: s.trough_mg_l,
                peak_mg_l: s.peak_mg_l,
            })
            .collect(),
        curve,
    })
}

/// The individual prediction from the first dose to `CURVE_TAIL_H` past the last dose end or level, every 0.5 h
/// (coarser, in 0.5 h multiples, when that would exceed `CURVE_MAX_STEPS`). Empty without doses.
fn curve(params: &PkParams, doses: &[Dose], levels: &[Level]) -> Result<Vec<CurvePoint>, DosingError> {
    let Some(from_h) = doses.iter().map(|d| d.time_h).reduce(f64::min) else { return Ok(Vec::new()) };
    let last =
        doses.iter().map(|d| d.time_h + d.duration_h).chain(levels.iter().map(|l| l.time_h)).fold(from_h, f64::max);
    let to_h = last + CURVE_TAIL_H;
    let step_h = ((to_h - from_h) / CURVE_MAX_STEPS / CURVE_STEP_H).ceil().max(1.0) * CURVE_STEP_H;
    let points = dosing::curve(&params.disposition(), doses, from_h, to_h, step_h)?;
    Ok(curve_points(points))
}

fn params_from(p: &PkParamsOutput) -> PkParams {
    match (p.q_l_h, p.v2_l) {
        (Some(q_l_h), Some(v2_l)) => PkParams::TwoCompartment { cl_l_h: p.cl_l_h, v1_l: p.v1_l, q_l_h, v2_l },
        _ => PkParams::OneCompartment { cl_l_h: p.cl_l_h, v_l: p.v1_l },
    }
}

/// The individual prediction over `[start_h, start_h + span_h]` when `regimen` starts at `start_h` after the doses
/// of `input`, every 0.5 h.
pub(crate) fn projection(
    input: &EstimateInput,
    output: &EstimateOutput,
    regimen: &SuggestionOutput,
    start_h: f64,
    span_h: f64,
) -> Result<Vec<CurvePoint>, AppError> {
    let mut doses = engine_doses(input);
    let mut t = start_h;
    while t < start_h + span_h {
        doses.push(Dose::new(t, regimen.amount_mg, regimen.duration_h));
        t += regimen.interval_h;
    }
    let disposition = params_from(&output.individual).disposition();
    let points = dosing::curve(&disposition, &doses, start_h, start_h + span_h, CURVE_STEP_H).map_err(invalid)?;
    Ok(curve_points(points))
}

/// The individual prediction at each level's time (the fitted value beside the observed one).
pub(crate) fn predictions_at_levels(input: &EstimateInput, output: &EstimateOutput) -> Vec<f64> {
    let doses = engine_doses(input);
    let disposition = params_from(&output.individual).disposition();
    input.levels.iter().map(|l| disposition.concentration(&doses, l.time_h)).collect()
}

/// The request's doses as the engine takes them.
fn engine_doses(input: &EstimateInput) -> Vec<Dose> {
    input.doses.iter().map(|d| Dose::new(d.time_h, d.amount_mg, d.duration_h)).collect()
}

fn curve_points(points: Vec<(f64, f64)>) -> Vec<CurvePoint> {
    points.into_iter().map(|(time_h, concentration_mg_l)| CurvePoint { time_h, concentration_mg_l }).collect()
}
