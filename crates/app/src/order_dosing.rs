//! Precision dosing on a patient's order (issue 6): the page starts from the order's schedule (the doses it called
//! for; administration records do not exist yet), the drug levels among the patient's labs and the covariates
//! decision support already calculated; the pharmacist edits any of them, fits a population model, and turns a
//! suggested regimen into an order change in one step. The fit that justified the change is kept in the audit row.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use domain::audit::AuditAction;
use domain::formulary::DoseUnit;
use domain::order::{DoseBasis, Frequency, Order, QuantityInput};
use domain::patient::Sex;
use domain::role::Permission;
use domain::time::parse_past_instant;
use domain::{OrderId, Validation, ValidationErrors};
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;
use store::write_tx;

use crate::dosing::{
    CovariatesInput, CurvePoint, DoseInput, EstimateInput, EstimateOutput, LevelInput, MAX_DOSES, MAX_LEVELS, SexInput,
    SuggestionOutput, TargetInput,
};
use crate::orders::OrderView;
use crate::{App, AppError, AuditEntry, Caller, to_json};

/// At most this many daily AUC windows are reported (the last ones).
const MAX_DAY_WINDOWS: usize = 14;
/// The projection of a suggested regimen runs this long after its first dose.
const PROJECTION_H: f64 = 72.0;
/// Infusion time assumed for a scheduled dose when the order states neither minutes nor a rate with a volume.
const DEFAULT_INFUSION_MIN: f64 = 60.0;

/// A dose of the history as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoseRow {
    pub start: DateTime<Utc>,
    pub amount_mg: f64,
    pub duration_min: f64,
}

/// A measured level as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelRow {
    pub at: DateTime<Utc>,
    pub concentration_mg_l: f64,
    /// The lab it came from ("Vancomycin trough, serum/plasma"), or empty when typed in.
    pub source: String,
}

/// Covariates as the form shows them (text, so an unknown stays empty rather than becoming 0).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DosingForm {
    pub model: Option<String>,
    pub weight_kg: Option<String>,
    pub crcl_ml_min: Option<String>,
    /// "yes" or "no"; required by models with a dialysis covariate.
    pub dialysis: Option<String>,
    pub age_years: Option<String>,
    pub scr_mg_dl: Option<String>,
    /// "female" or "male".
    pub sex: Option<String>,
    pub height_cm: Option<String>,
    /// One dose per line: local start, amount in mg, infusion minutes (`2026-11-20 08:00, 1000, 60`).
    pub doses: Option<String>,
    /// One level per line: local time of the draw, concentration in mg/L (`2026-11-21 07:30, 14.2`).
    pub levels: Option<String>,
    pub auc24_min: Option<String>,
    pub auc24_max: Option<String>,
}

/// What the dosing page of an order opens with.
#[derive(Debug, Clone)]
pub struct OrderDosingContext {
    pub view: OrderView,
    pub zone: Tz,
    /// Models for the order's drug: (id, label with population and citation).
    pub models: Vec<(String, String)>,
    /// The form filled from the order, the labs and decision support's calculations.
    pub form: DosingForm,
    /// Where each prefilled value came from, in words.
    pub provenance: Vec<String>,
}

/// The suggestion a pharmacist applies: its place in the list and what it said, so a fit that changed since the
/// page was drawn is not applied unseen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice {
    pub index: usize,
    pub amount_mg: f64,
    pub interval_h: f64,
}

impl Choice {
    /// `index:amount_mg:interval_h`, as the page's buttons carry it.
    pub fn parse(text: &str) -> Option<Choice> {
        let mut parts = text.split(':');
        let choice = Choice {
            index: parts.next()?.parse().ok()?,
            amount_mg: parts.next()?.parse().ok()?,
            interval_h: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(choice)
    }
}

/// A fit on the order's clock: hours count from `origin` (the first dose).
#[derive(Debug, Clone)]
pub struct OrderDosingFit {
    pub origin: DateTime<Utc>,
    pub zone: Tz,
    pub now_h: f64,
    pub input: EstimateInput,
    pub output: EstimateOutput,
    /// Predicted steady-state AUC24 of the order's current regimen, when it is a fixed mg dose every N hours.
    pub current_auc24: Option<f64>,
    /// The individual prediction at each level (same order as `input.levels`).
    pub predicted_levels: Vec<f64>,
    /// The first (recommended) suggestion projected from `next_dose_h` on, over the history.
    pub projection: Vec<CurvePoint>,
    pub next_dose_h: f64,
}

impl OrderDosingFit {
    /// The instant `h` hours after the first dose (the inverse of the fit's clock).
    pub fn instant(&self, h: f64) -> DateTime<Utc> {
        self.origin + Duration::milliseconds((h * 3_600_000.0).round() as i64)
    }
}

fn number(v: &mut Validation, field: &str, text: Option<&str>, required: bool) -> Option<f64> {
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    match text {
        None if required => {
            v.error(field, "is required");
            None
        }
        None => None,
        Some(t) => v.check(field, t.parse::<f64>().ok().filter(|x| x.is_finite()).ok_or("must be a number".into())),
    }
}

/// Strips a trailing unit word (`1000 mg`, `60 min`, `14.2 mg/L`) and parses the number.
fn number_with_unit(text: &str, units: &[&str]) -> Result<f64, String> {
    let mut t = text.trim();
    for unit in units {
        if let Some(rest) = t.strip_suffix(unit) {
            t = rest.trim_end();
            break;
        }
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| format!("\"{}\" is not a number", text.trim()))
}

fn lines(text: Option<&str>) -> impl Iterator<Item = (usize, &str)> {
    text.unwrap_or_default().lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| !l.is_empty())
}

/// Parses the dose lines (local times in `zone`, none after `now`).
pub fn parse_doses(text: Option<&str>, zone: Tz, now: DateTime<Utc>) -> Result<Vec<DoseRow>, String> {
    let mut rows = Vec::new();
    for (n, line) in lines(text) {
        let parts: Vec<&str> = line.split(',').map(str::trim).collect();
        let [start, amount, minutes] = parts[..] else {
            return Err(format!("line {n}: write start, amount in mg, infusion minutes separated by commas"));
        };
        let start = parse_past_instant(Some(start), zone, now).map_err(|e| format!("line {n}: start {e}"))?;
        let amount_mg = number_with_unit(amount, &["mg"]).map_err(|e| format!("line {n}: amount {e}"))?;
        let duration_min = number_with_unit(minutes, &["minutes", "min"]).map_err(|e| format!("line {n}: {e}"))?;
        if amount_mg <= 0.0 {
            return Err(format!("line {n}: amount must be above 0 mg"));
        }
        if !(0.0..=24.0 * 60.0).contains(&duration_min) {
            return Err(format!("line {n}: infusion minutes must be between 0 and 1440"));
        }
        rows.push(DoseRow { start, amount_mg, duration_min });
    }
    if rows.is_empty() {
        return Err("at least one dose is needed".into());
    }
    if rows.len() > MAX_DOSES {
        return Err(format!("at most {MAX_DOSES} doses"));
    }
    rows.sort_by_key(|r| r.start);
    Ok(rows)
}

/// Parses the level lines.
pub fn parse_levels(text: Option<&str>, zone: Tz, now: DateTime<Utc>) -> Result<Vec<LevelRow>, String> {
    let mut rows = Vec::new();
    for (n, line) in lines(text) {
        let parts: Vec<&str> = line.split(',').map(str::trim).collect();
        let [at, value] = parts[..] else {
            return Err(format!("line {n}: write the time drawn and the concentration in mg/L separated by a comma"));
        };
        let at = parse_past_instant(Some(at), zone, now).map_err(|e| format!("line {n}: time {e}"))?;
        let concentration_mg_l =
            number_with_unit(value, &["mg/L", "mg/l", "ug/mL"]).map_err(|e| format!("line {n}: {e}"))?;
        if concentration_mg_l <= 0.0 {
            return Err(format!("line {n}: the concentration must be above 0 mg/L"));
        }
        rows.push(LevelRow { at, concentration_mg_l, source: String::new() });
    }
    if rows.len() > MAX_LEVELS {
        return Err(format!("at most {MAX_LEVELS} levels"));
    }
    rows.sort_by_key(|r| r.at);
    Ok(rows)
}

fn local(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string()
}

fn fmt(x: f64) -> String {
    let rounded = (x * 100.0).round() / 100.0;
    format!("{rounded}")
}

fn hours(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds() as f64 / 3_600_000.0
}

/// One dose in mg of a fixed-basis order (or its calculated dose), if the unit is a mass.
fn order_dose_mg(order: &Order, calculated: Option<rust_decimal::Decimal>, unit: &str) -> Option<f64> {
    let value = match order.fields.dose_basis {
        DoseBasis::Fixed => order.fields.dose.value * order.fields.dose.unit.factor_to(DoseUnit::Milligram)?,
        _ => calculated? * DoseUnit::parse(unit)?.factor_to(DoseUnit::Milligram)?,
    }
    .to_f64()?;
    (value > 0.0).then_some(value)
}

/// Infusion minutes of one dose of the order: as ordered, or volume ÷ rate, or 60.
fn order_infusion_min(order: &Order) -> f64 {
    let f = &order.fields;
    if let Some(m) = f.infusion_minutes {
        return f64::from(m);
    }
    match (f.final_volume_ml.and_then(|v| v.to_f64()), f.rate_ml_h.and_then(|r| r.to_f64())) {
        (Some(v), Some(r)) if r > 0.0 => (v / r * 60.0).round(),
        _ => DEFAULT_INFUSION_MIN,
    }
}

/// The doses the order's schedule called for from its start until `now` (the last `MAX_DOSES`).
pub fn scheduled_doses(order: &Order, amount_mg: f64, now: DateTime<Utc>) -> Vec<DoseRow> {
    let f = &order.fields;
    let end = now.min(f.end().unwrap_or(now));
    let duration_min = order_infusion_min(order);
    let step = match f.frequency {
        Frequency::Every { hours } => Duration::hours(i64::from(hours)),
        Frequency::Once => return vec![DoseRow { start: f.start_at, amount_mg, duration_min }],
        _ => return Vec::new(),
    };
    let mut rows = Vec::new();
    let mut at = f.start_at;
    while at <= end {
        rows.push(DoseRow { start: at, amount_mg, duration_min });
        at += step;
    }
    let skip = rows.len().saturating_sub(MAX_DOSES);
    rows.split_off(skip)
}

impl App {
    /// The order, its drug's models and the form filled from the schedule, the labs and the calculations.
    pub fn order_dosing_context(&self, caller: &Caller, id: OrderId) -> Result<OrderDosingContext, AppError> {
        caller.require(Permission::DosingUse)?;
        let context = self.verification_context(caller, id)?;
        caller.require_at(Permission::DosingUse, context.view.order.branch_id)?;
        let zone = self.branch_zone(context.view.order.branch_id)?;
        let order = &context.view.order;
        let models: Vec<(String, String)> = dosing::models::all()
            .iter()
            .filter(|m| m.drug == order.fields.drug_code)
            .map(|m| (m.id.to_owned(), format!("{} — {} ({})", m.id, m.population, m.citation)))
            .collect();
        if models.is_empty() {
            return Err(AppError::invalid(
                "drug_code",
                format!("precision dosing has no population model for {}", context.view.entry.name),
            ));
        }
        let c = &context.check.calculations;
        let mut provenance = Vec::new();
        let d = |x: Option<rust_decimal::Decimal>| x.map(|v| v.normalize().to_string());
        if let Some(w) = c.weight_kg {
            provenance.push(format!(
                "Weight {} kg (total body weight){}",
                w.normalize(),
                c.weight_measured_at.map(|t| format!(", measured {}", local(t, zone))).unwrap_or_default()
            ));
        }
        if let Some(crcl) = c.crcl_ml_min {
            provenance.push(format!(
                "CrCl {} mL/min: Cockcroft–Gault with {}",
                crcl.normalize(),
                c.crcl_weight.clone().unwrap_or_default()
            ));
        }
        let now = self.now();
        let amount = order_dose_mg(order, c.dose, &c.dose_unit);
        let doses = amount.map(|a| scheduled_doses(order, a, now)).unwrap_or_default();
        provenance.push(if doses.is_empty() {
            "No doses from the order's schedule (it has not started, or its frequency has no fixed interval): \
             enter the doses given."
                .to_owned()
        } else {
            format!(
                "{} doses from the order's schedule (no administration records yet): correct them to what was given.",
                doses.len()
            )
        });
        let codes = domain::lab::level_loincs(&order.fields.drug_code);
        let mut levels: Vec<LevelRow> = context
            .records
            .labs
            .iter()
            .filter(|l| codes.contains(&l.fields.loinc.as_str()))
            .filter(|l| matches!(l.fields.unit.as_str(), "mg/L" | "ug/mL"))
            .filter(|l| doses.first().is_some_and(|first| l.fields.collected_at >= first.start))
            .filter_map(|l| {
                Some(LevelRow {
                    at: l.fields.collected_at,
                    concentration_mg_l: l.fields.value.to_f64()?,
                    source: domain::lab::loinc_name(l.fields.loinc.as_str()).unwrap_or_default().to_owned(),
                })
            })
            .collect();
        levels.sort_by_key(|l| l.at);
        if !levels.is_empty() {
            provenance.push(format!("{} levels from the patient's labs since the first dose.", levels.len()));
        }
        let form = DosingForm {
            model: models.first().map(|m| m.0.clone()),
            weight_kg: d(c.weight_kg),
            crcl_ml_min: d(c.crcl_ml_min),
            dialysis: None,
            age_years: Some(c.age_years.to_string()),
            scr_mg_dl: d(c.serum_creatinine_mg_dl),
            sex: match context.view.patient.fields.sex {
                Sex::Female => Some("female".into()),
                Sex::Male => Some("male".into()),
                _ => None,
            },
            height_cm: d(c.height_cm),
            doses: Some(
                doses
                    .iter()
                    .map(|r| format!("{}, {}, {}", local(r.start, zone), fmt(r.amount_mg), fmt(r.duration_min)))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            levels: Some(
                levels
                    .iter()
                    .map(|l| format!("{}, {}", local(l.at, zone), fmt(l.concentration_mg_l)))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            auc24_min: Some("400".into()),
            auc24_max: Some("600".into()),
        };
        Ok(OrderDosingContext { view: context.view, zone, models, form, provenance })
    }

    /// Fits the form's model to its doses and levels on the order's clock. Validation errors name the form field.
    pub fn order_dosing_fit(
        &self,
        caller: &Caller,
        id: OrderId,
        form: &DosingForm,
    ) -> Result<OrderDosingFit, AppError> {
        caller.require(Permission::DosingUse)?;
        let view = self.get_order(caller, id)?;
        caller.require_at(Permission::DosingUse, view.order.branch_id)?;
        let zone = self.branch_zone(view.order.branch_id)?;
        self.fit_for(&view.order, zone, form)
    }

    fn fit_for(&self, order: &Order, zone: Tz, form: &DosingForm) -> Result<OrderDosingFit, AppError> {
        let now = self.now();
        let mut v = Validation::new();
        let model = form.model.as_deref().map(str::trim).filter(|m| !m.is_empty());
        match model.map(dosing::models::by_id) {
            None => v.error("model", "is required"),
            Some(Err(_)) => v.error("model", "is not a model this server knows"),
            Some(Ok(m)) if m.drug != order.fields.drug_code => {
                v.error("model", format!("is a {} model; the order is for {}", m.drug, order.fields.drug_code))
            }
            Some(Ok(_)) => {}
        }
        let weight_kg = number(&mut v, "weight_kg", form.weight_kg.as_deref(), true);
        let crcl = number(&mut v, "crcl_ml_min", form.crcl_ml_min.as_deref(), false);
        let age = number(&mut v, "age_years", form.age_years.as_deref(), false);
        let scr = number(&mut v, "scr_mg_dl", form.scr_mg_dl.as_deref(), false);
        let height = number(&mut v, "height_cm", form.height_cm.as_deref(), false);
        let dialysis = match form.dialysis.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("yes") => Some(true),
            Some("no") => Some(false),
            Some(_) => {
                v.error("dialysis", "must be yes or no");
                None
            }
        };
        let sex = match form.sex.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("female") => Some(SexInput::Female),
            Some("male") => Some(SexInput::Male),
            Some(_) => {
                v.error("sex", "must be female or male");
                None
            }
        };
        let doses = v.check("doses", parse_doses(form.doses.as_deref(), zone, now));
        let levels = v.check("levels", parse_levels(form.levels.as_deref(), zone, now));
        let auc_min = number(&mut v, "auc24_min", form.auc24_min.as_deref(), true);
        let auc_max = number(&mut v, "auc24_max", form.auc24_max.as_deref(), true);
        if v.has_errors() {
            let errors = v.finish(|| None::<()>).err();
            return Err(errors.map_or_else(|| AppError::invalid("form", "is incomplete"), AppError::Invalid));
        }
        let (Some(doses), Some(levels), Some(weight_kg), Some(auc24_min), Some(auc24_max)) =
            (doses, levels, weight_kg, auc_min, auc_max)
        else {
            return Err(AppError::invalid("form", "is incomplete"));
        };
        let origin = doses[0].start;
        let now_h = hours(origin, now);
        let day_windows: Vec<[f64; 2]> =
            (0..).map(|d| [24.0 * d as f64, 24.0 * (d + 1) as f64]).take_while(|w| w[1] <= now_h.max(24.0)).collect();
        let mut auc_intervals: Vec<[f64; 2]> =
            day_windows[day_windows.len().saturating_sub(MAX_DAY_WINDOWS)..].to_vec();
        if now_h > 24.0 && auc_intervals.last().is_none_or(|w| w[1] < now_h) {
            auc_intervals.push([now_h - 24.0, now_h]);
        }
        let input = EstimateInput {
            model: model.unwrap_or_default().to_owned(),
            covariates: CovariatesInput {
                weight_kg,
                crcl_ml_min: crcl,
                dialysis,
                age_years: age,
                scr_mg_dl: scr,
                sex,
                height_cm: height,
            },
            doses: doses
                .iter()
                .map(|d| DoseInput {
                    time_h: hours(origin, d.start),
                    amount_mg: d.amount_mg,
                    duration_h: d.duration_min / 60.0,
                })
                .collect(),
            levels: levels
                .iter()
                .map(|l| LevelInput { time_h: hours(origin, l.at), concentration_mg_l: l.concentration_mg_l })
                .collect(),
            auc_intervals,
            target: Some(TargetInput { auc24_min, auc24_max }),
        };
        let output = crate::dosing::estimate(&input).map_err(|e| form_field(e, &input))?;
        let cl = output.individual.cl_l_h;
        let current_auc24 = match order.fields.frequency {
            Frequency::Every { hours } => order_dose_mg(order, None, "mg").map(|d| 24.0 * d / (f64::from(hours) * cl)),
            _ => None,
        };
        let last = input.doses.last().map_or(0.0, |d| d.time_h);
        let next_dose_h = match order.fields.frequency {
            Frequency::Every { hours } => last + f64::from(hours),
            _ => now_h,
        }
        .max(now_h);
        let projection = match output.suggestions.first() {
            Some(s) => crate::dosing::projection(&input, &output, s, next_dose_h, PROJECTION_H)
                .map_err(|e| form_field(e, &input))?,
            None => Vec::new(),
        };
        let predicted_levels = crate::dosing::predictions_at_levels(&input, &output);
        Ok(OrderDosingFit {
            origin,
            zone,
            now_h,
            input,
            output,
            current_auc24,
            predicted_levels,
            projection,
            next_dose_h,
        })
    }

    /// Turns suggestion `choice` of a fresh fit of `form` into an order change (a new version awaiting
    /// verification when the order was verified), with the fit kept in an `apply_dosing` audit row in the same
    /// transaction.
    pub fn apply_dosing(
        &self,
        caller: &Caller,
        id: OrderId,
        expected_version: i64,
        form: &DosingForm,
        choice: Choice,
        note: Option<&str>,
    ) -> Result<Order, AppError> {
        caller.require(Permission::DosingUse)?;
        caller.require(Permission::OrderWrite)?;
        let view = self.get_order(caller, id)?;
        caller.require_at(Permission::DosingUse, view.order.branch_id)?;
        let zone = self.branch_zone(view.order.branch_id)?;
        let fit = self.fit_for(&view.order, zone, form)?;
        let Some(s) = fit.output.suggestions.get(choice.index).copied() else {
            return Err(AppError::invalid("choice", "is not one of the suggestions of this fit"));
        };
        if (s.amount_mg, s.interval_h) != (choice.amount_mg, choice.interval_h) {
            return Err(AppError::invalid(
                "choice",
                format!(
                    "the fit changed with the edited inputs (suggestion {} is now {} mg every {} h): review it and \
                     apply again",
                    choice.index + 1,
                    fmt(s.amount_mg),
                    fmt(s.interval_h)
                ),
            ));
        }
        let input = regimen_input(&view, zone, &s, fit.instant(fit.next_dose_h));
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > 300) {
            return Err(AppError::invalid("note", "must be at most 300 characters"));
        }
        let reason = format!(
            "Precision dosing: {} mg q{}h over {} min, predicted AUC24 {:.0} mg·h/L (target {}–{}), {} fit CL {:.2} L/h \
             from {} level(s){}",
            fmt(s.amount_mg),
            fmt(s.interval_h),
            fmt(s.duration_h * 60.0),
            s.auc24,
            fmt(fit.input.target.map_or(400.0, |t| t.auc24_min)),
            fmt(fit.input.target.map_or(600.0, |t| t.auc24_max)),
            fit.output.model.id,
            fit.output.individual.cl_l_h,
            fit.output.levels_used,
            note.map(|n| format!(". {n}")).unwrap_or_default()
        );
        let mut conn = self.conn()?;
        write_tx(&mut conn, |c| {
            let changed = self.change_in(c, caller, id, expected_version, &input, Some(&reason))?;
            let evidence = serde_json::json!({
                "from_order_id": id.to_string(),
                "origin": fit.origin,
                "model": fit.output.model.id,
                "covariates": to_json(&fit.input.covariates),
                "doses": fit.input.doses.iter().map(|d| [d.time_h, d.amount_mg, d.duration_h]).collect::<Vec<_>>(),
                "levels": fit.input.levels.iter().map(|l| [l.time_h, l.concentration_mg_l]).collect::<Vec<_>>(),
                "individual": to_json(&fit.output.individual),
                "eta": to_json(&fit.output.eta),
                "objective": fit.output.objective,
                "chosen": to_json(&s),
            });
            self.audit(
                c,
                caller,
                AuditEntry {
                    action: AuditAction::ApplyDosing,
                    entity_type: "order",
                    entity_id: changed.id.to_string(),
                    branch_id: Some(changed.branch_id),
                    patient_id: Some(changed.patient_id.to_string()),
                    before: serde_json::Value::Null,
                    after: evidence,
                    reason: Some(&reason),
                },
            )?;
            Ok(changed)
        })
    }
}

/// The order as it stands with the suggested regimen: a fixed dose in mg, every τ hours, over the suggested time,
/// starting with the next dose due; a course with an end keeps that end (as a stop date).
fn regimen_input(
    view: &OrderView,
    zone: Tz,
    s: &SuggestionOutput,
    next_dose: DateTime<Utc>,
) -> domain::order::OrderInput {
    let fields = &view.order.fields;
    let mut input = fields.to_input(view.order.patient_id, zone);
    input.start_at = Some(next_dose.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string());
    if let Some(end) = fields.end() {
        let last_day = (end - Duration::seconds(1)).with_timezone(&zone).date_naive();
        input.duration_days = None;
        input.stop_date = Some(last_day.to_string());
    }
    input.dose = Some(QuantityInput { value: Some(fmt(s.amount_mg)), unit: Some("mg".into()) });
    input.dose_basis = Some("fixed".into());
    input.frequency = Some(format!("q{}h", fmt(s.interval_h)));
    input.infusion_minutes = Some(fmt(s.duration_h * 60.0));
    // The rate followed from the old amount and time; the new infusion time replaces it.
    input.rate_ml_h = None;
    input
}

/// An engine error on the derived request, named by the form field it came from.
fn form_field(error: AppError, input: &EstimateInput) -> AppError {
    let AppError::Invalid(errors) = error else { return error };
    let renamed = errors
        .0
        .into_iter()
        .map(|mut e| {
            let (field, message) = if let Some(rest) = e.field.strip_prefix("covariates.") {
                (rest.to_owned(), e.message.clone())
            } else if let Some(i) = index_of(&e.field, "doses[") {
                ("doses".to_owned(), format!("dose {} of {}: {}", i + 1, input.doses.len(), e.message))
            } else if let Some(i) = index_of(&e.field, "levels[") {
                ("levels".to_owned(), format!("level {} (sorted by time): {}", i + 1, e.message))
            } else if e.field.starts_with("target.") {
                (e.field.trim_start_matches("target.").to_owned(), e.message.clone())
            } else {
                (e.field.clone(), e.message.clone())
            };
            e.field = field;
            e.message = message;
            e
        })
        .collect();
    AppError::Invalid(ValidationErrors(renamed))
}

fn index_of(field: &str, prefix: &str) -> Option<usize> {
    field.strip_prefix(prefix)?.split(']').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap()
    }

    #[test]
    fn dose_and_level_lines_parse_with_units_and_name_the_bad_line() {
        let zone: Tz = "America/New_York".parse().unwrap();
        let now = at(23, 0);
        let doses = parse_doses(Some("2026-11-20 08:00, 1000 mg, 60 min\n\n2026-11-20 02:00, 750, 90"), zone, now);
        let doses = doses.unwrap();
        assert_eq!(doses.len(), 2);
        assert_eq!(doses[0].start, at(7, 0), "02:00 EST is 07:00 UTC; sorted by time");
        assert_eq!((doses[1].amount_mg, doses[1].duration_min), (1000.0, 60.0));
        assert_eq!(
            parse_doses(Some("2026-11-20 08:00, 1000"), zone, now).unwrap_err().split(':').next(),
            Some("line 1")
        );
        assert!(parse_doses(Some("2026-11-20 08:00, -5, 60"), zone, now).unwrap_err().contains("above 0"));
        assert!(parse_doses(Some("2026-11-21 08:00, 500, 60"), zone, now).unwrap_err().contains("future"));
        assert!(parse_doses(Some(" "), zone, now).unwrap_err().contains("at least one dose"));
        let levels = parse_levels(Some("2026-11-20 12:30, 14.2 mg/L"), zone, now).unwrap();
        assert_eq!((levels[0].at, levels[0].concentration_mg_l), (at(17, 30), 14.2));
        assert!(parse_levels(Some("2026-11-20 12:30, high"), zone, now).unwrap_err().contains("line 1"));
        assert!(parse_levels(None, zone, now).unwrap().is_empty());
    }

    #[test]
    fn engine_fields_become_form_fields() {
        let input = EstimateInput {
            model: "m".into(),
            covariates: CovariatesInput {
                weight_kg: 70.0,
                crcl_ml_min: None,
                dialysis: None,
                age_years: None,
                scr_mg_dl: None,
                sex: None,
                height_cm: None,
            },
            doses: vec![DoseInput { time_h: 0.0, amount_mg: 1.0, duration_h: 1.0 }],
            levels: vec![],
            auc_intervals: vec![],
            target: None,
        };
        let e = form_field(AppError::invalid("levels[0].time_h", "is before the first dose"), &input);
        let AppError::Invalid(errors) = e else { panic!("{e:?}") };
        assert_eq!(errors.message_for("levels"), Some("level 1 (sorted by time): is before the first dose"));
        let e = form_field(AppError::invalid("covariates.crcl_ml_min", "is required"), &input);
        let AppError::Invalid(errors) = e else { panic!("{e:?}") };
        assert_eq!(errors.message_for("crcl_ml_min"), Some("is required"));
    }
}
