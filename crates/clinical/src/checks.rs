//! Decision support on one order: the figures a pharmacist checks (age, body size, BSA, renal function, the dose
//! per kg and per m², daily and cumulative totals, Calvert, parenteral-nutrition analysis) and every alert with its
//! severity, the numbers behind it and its source. Pure: the caller gathers the patient's context.
//!
//! Rules: dose ranges and absolute caps from the formulary entry (each limit cites its label or guideline), renal
//! bands, cumulative lifetime dose, allergy by ingredient and by class cross-sensitivity, duplicate therapy,
//! curated interactions, infusion rate and immune-globulin titration, concentration by line type, missing data,
//! parenteral nutrition. Missing data is an alert, never a silent pass.

use chrono::{DateTime, Duration, Utc};
use domain::access_device::AccessDeviceKind;
use domain::allergy::{AllergyFields, AllergyKind, DrugClass};
use domain::formulary::{DoseLimit, FormularyEntry, Interaction, LimitBasis, Severity};
use domain::order::{DoseBasis, Frequency, OrderFields, OrderStatus};
use domain::patient::Sex;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::body::{BodySize, DosingWeightBasis};
use crate::{bsa, chemo, renal, tpn};

/// A creatinine older than this does not count for renal dosing.
pub const CREATININE_CURRENT_DAYS: i64 = 7;

/// The patient as decision support sees them.
#[derive(Debug, Clone)]
pub struct PatientContext {
    pub age_years: u32,
    pub sex: Sex,
    pub body: BodySize,
    /// Latest serum creatinine in mg/dL and when it was collected.
    pub creatinine: Option<(Decimal, DateTime<Utc>)>,
    /// Active allergies and intolerances.
    pub allergies: Vec<AllergyFields>,
    pub now: DateTime<Utc>,
}

/// Another order of the patient, with its formulary entry.
#[derive(Debug, Clone)]
pub struct OtherOrder<'a> {
    pub rx_number: String,
    pub status: OrderStatus,
    pub fields: &'a OrderFields,
    pub entry: &'a FormularyEntry,
}

/// Everything one check needs.
pub struct CheckInput<'a> {
    pub patient: &'a PatientContext,
    pub order: &'a OrderFields,
    pub entry: &'a FormularyEntry,
    /// The line the order runs through, if it names one.
    pub access_device: Option<AccessDeviceKind>,
    /// The patient's other orders (any status; current ones count for duplicates and interactions, given doses of
    /// all count for cumulative totals). Versions of the order being checked are left out by the caller.
    pub others: &'a [OtherOrder<'a>],
    pub interactions: &'a [Interaction],
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Alert {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub source: String,
    /// Stable within one order's check: an override names the alert by it.
    pub key: String,
    /// The order's figure the rule compared, with its unit.
    pub value: Option<String>,
    /// The limit it was compared with.
    pub limit: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Calculations {
    pub age_years: u32,
    #[schema(value_type = Option<String>)]
    pub weight_kg: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub dosing_weight_kg: Option<Decimal>,
    /// "actual" or "adjusted".
    pub dosing_weight_basis: Option<&'static str>,
    pub weight_measured_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>)]
    pub height_cm: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub ideal_weight_kg: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub adjusted_weight_kg: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub bsa_mosteller_m2: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub bsa_dubois_m2: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub serum_creatinine_mg_dl: Option<Decimal>,
    pub creatinine_collected_at: Option<DateTime<Utc>>,
    /// Cockcroft–Gault with the dosing weight (stated in `crcl_weight`).
    #[schema(value_type = Option<String>)]
    pub crcl_ml_min: Option<Decimal>,
    pub crcl_weight: Option<String>,
    #[schema(value_type = Option<String>)]
    pub egfr_ckd_epi_2021: Option<Decimal>,
    /// One dose in the formulary unit (for per-kg, per-m² and AUC orders, the calculated dose).
    #[schema(value_type = Option<String>)]
    pub dose: Option<Decimal>,
    pub dose_unit: String,
    /// How the dose was calculated, in words with the numbers.
    pub dose_calculation: Option<String>,
    #[schema(value_type = Option<String>)]
    pub dose_per_kg: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub dose_per_m2: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub daily_dose: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub cumulative_dose: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub rate_per_min: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub concentration_per_ml: Option<Decimal>,
    pub line: Option<&'static str>,
    pub tpn: Option<tpn::TpnAnalysis>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CheckResult {
    pub calculations: Calculations,
    pub alerts: Vec<Alert>,
}

impl CheckResult {
    pub fn hard_stops(&self) -> impl Iterator<Item = &Alert> {
        self.alerts.iter().filter(|a| a.severity == Severity::HardStop)
    }
}

const SRC_WEIGHT: &str = "OpenInfusion policy: a weight within 30 days for weight-based doses (ASHP Guidelines on \
                          Preventing Medication Errors with Chemotherapy and Biotherapy, 2015)";
const SRC_CREATININE: &str = "OpenInfusion policy: a serum creatinine within 7 days for renally cleared drugs \
                              (renal dosing tables of the product labels assume current renal function)";

struct Ctx<'a> {
    input: &'a CheckInput<'a>,
    calc: Calculations,
    alerts: Vec<Alert>,
}

impl Ctx<'_> {
    #[allow(clippy::too_many_arguments)]
    fn alert(
        &mut self,
        code: &'static str,
        severity: Severity,
        key: String,
        message: String,
        source: &str,
        value: Option<String>,
        limit: Option<String>,
    ) {
        if self.alerts.iter().any(|a| a.key == key) {
            return;
        }
        self.alerts.push(Alert { code, severity, message, source: source.to_owned(), key, value, limit });
    }
}

fn fmt(value: Decimal) -> String {
    value.round_dp(2).normalize().to_string()
}

/// Runs every rule on the order.
pub fn check_order(input: &CheckInput<'_>) -> CheckResult {
    let mut ctx = Ctx { input, calc: Calculations::default(), alerts: Vec::new() };
    patient_figures(&mut ctx);
    let dose = single_dose(&mut ctx);
    ctx.calc.dose = dose;
    ctx.calc.dose_unit = input.entry.dose_unit.label().to_owned();
    daily_and_per_size(&mut ctx);
    dose_limits(&mut ctx);
    renal_rules(&mut ctx);
    cumulative(&mut ctx);
    allergies(&mut ctx);
    duplicates_and_interactions(&mut ctx);
    rate_and_concentration(&mut ctx);
    titration(&mut ctx);
    parenteral_nutrition(&mut ctx);
    let mut alerts = ctx.alerts;
    alerts.sort_by_key(|a| std::cmp::Reverse(a.severity));
    CheckResult { calculations: ctx.calc, alerts }
}

fn patient_figures(ctx: &mut Ctx<'_>) {
    let p = ctx.input.patient;
    let body = &p.body;
    let c = &mut ctx.calc;
    c.age_years = p.age_years;
    c.weight_kg = body.weight_kg;
    c.dosing_weight_kg = body.dosing_weight_kg;
    c.dosing_weight_basis = body.dosing_weight_basis.map(|b| match b {
        DosingWeightBasis::Actual => "actual",
        DosingWeightBasis::Adjusted => "adjusted",
    });
    c.weight_measured_at = body.weight_measured_at;
    c.height_cm = body.height_cm;
    c.ideal_weight_kg = body.ideal_weight_kg;
    c.adjusted_weight_kg = body.adjusted_weight_kg;
    if let (Some(h), Some(w)) = (body.height_cm, body.weight_kg) {
        c.bsa_mosteller_m2 = bsa::mosteller_m2(h, w);
        c.bsa_dubois_m2 = bsa::dubois_m2(h, w);
    }
    if let Some((scr, at)) = p.creatinine {
        c.serum_creatinine_mg_dl = Some(scr);
        c.creatinine_collected_at = Some(at);
        if let Some(weight) = body.dosing_weight_kg {
            c.crcl_ml_min = renal::cockcroft_gault_ml_min(p.age_years, weight, scr, p.sex);
            c.crcl_weight =
                Some(format!("{} kg ({} body weight)", fmt(weight), c.dosing_weight_basis.unwrap_or("actual")));
        }
        c.egfr_ckd_epi_2021 = renal::ckd_epi_2021_ml_min_1_73(p.age_years, scr, p.sex);
    }
}

fn creatinine_is_current(p: &PatientContext) -> bool {
    p.creatinine.is_some_and(|(_, at)| p.now - at <= Duration::days(CREATININE_CURRENT_DAYS))
}

/// One dose in the entry's unit, calculated from the order's basis. Missing figures raise hard stops: a dose that
/// cannot be calculated cannot be checked.
fn single_dose(ctx: &mut Ctx<'_>) -> Option<Decimal> {
    let order = ctx.input.order;
    let entry = ctx.input.entry;
    let Some(factor) = order.dose.unit.factor_to(entry.dose_unit) else {
        ctx.alert(
            "dose_range",
            Severity::HardStop,
            "dose_range:unit".into(),
            format!(
                "{} is dosed in {}; the order's {} cannot be compared",
                entry.name,
                entry.dose_unit.label(),
                order.dose.unit.label()
            ),
            "Formulary entry dose unit",
            Some(order.dose.unit.label().into()),
            Some(entry.dose_unit.label().into()),
        );
        return None;
    };
    let amount = order.dose.value * factor;
    let unit = entry.dose_unit.label();
    match order.dose_basis {
        DoseBasis::Fixed => Some(amount),
        DoseBasis::PerKg => {
            let weight = weight_for_dose(ctx)?;
            let dose = (amount * weight).round_dp(2);
            ctx.calc.dose_calculation =
                Some(format!("{} {unit}/kg × {} kg = {} {unit}", fmt(amount), fmt(weight), fmt(dose)));
            Some(dose)
        }
        DoseBasis::PerM2 => {
            let Some(area) = ctx.calc.bsa_mosteller_m2 else {
                ctx.alert(
                    "missing_data",
                    Severity::HardStop,
                    "missing_data:bsa".into(),
                    "The dose is per m² but the patient has no current weight and height: the dose cannot be calculated".into(),
                    SRC_WEIGHT,
                    None,
                    None,
                );
                return None;
            };
            stale_weight(ctx);
            let dose = (amount * area).round_dp(2);
            ctx.calc.dose_calculation =
                Some(format!("{} {unit}/m² × {} m² (Mosteller) = {} {unit}", fmt(amount), fmt(area), fmt(dose)));
            Some(dose)
        }
        DoseBasis::Auc => {
            let Some(crcl) = ctx.calc.crcl_ml_min.filter(|_| creatinine_is_current(ctx.input.patient)) else {
                ctx.alert(
                    "missing_data",
                    Severity::HardStop,
                    "missing_data:gfr".into(),
                    "The dose is a target AUC but there is no creatinine within 7 days and a weight to estimate GFR: the carboplatin dose cannot be calculated".into(),
                    SRC_CREATININE,
                    None,
                    None,
                );
                return None;
            };
            let calvert = chemo::calvert_carboplatin(order.dose.value, crcl)?;
            let dose = calvert.dose_mg * DoseUnitFactor::mg_to(entry);
            ctx.calc.dose_calculation = Some(format!(
                "Calvert: AUC {} × (GFR {} + 25) = {} mg{}",
                fmt(order.dose.value),
                fmt(calvert.gfr_used_ml_min),
                fmt(calvert.dose_mg),
                if calvert.gfr_capped { format!(" (GFR capped at 125 from {})", fmt(crcl)) } else { String::new() }
            ));
            if calvert.gfr_capped {
                ctx.alert(
                    "renal",
                    Severity::Info,
                    "renal:calvert_cap".into(),
                    format!("Estimated GFR {} mL/min was capped at 125 mL/min for the Calvert formula", fmt(crcl)),
                    "NCI CTEP, carboplatin dosing letter (2010); carboplatin prescribing information section 2",
                    Some(format!("{} mL/min", fmt(crcl))),
                    Some("125 mL/min".into()),
                );
            }
            Some(dose)
        }
    }
}

struct DoseUnitFactor;

impl DoseUnitFactor {
    fn mg_to(entry: &FormularyEntry) -> Decimal {
        domain::formulary::DoseUnit::Milligram.factor_to(entry.dose_unit).unwrap_or(Decimal::ONE)
    }
}

fn stale_weight(ctx: &mut Ctx<'_>) {
    let body = &ctx.input.patient.body;
    if body.weight_kg.is_some() && !body.weight_is_current {
        let at = body.weight_measured_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default();
        ctx.alert(
            "missing_data",
            Severity::Warning,
            "missing_data:weight_stale".into(),
            format!("The latest weight ({at}) is older than 30 days; weigh the patient before a weight-based dose"),
            SRC_WEIGHT,
            Some(at),
            Some("30 days".into()),
        );
    }
}

fn weight_for_dose(ctx: &mut Ctx<'_>) -> Option<Decimal> {
    match ctx.input.patient.body.dosing_weight_kg {
        Some(weight) => {
            stale_weight(ctx);
            Some(weight)
        }
        None => {
            ctx.alert(
                "missing_data",
                Severity::HardStop,
                "missing_data:weight".into(),
                "The dose is per kg but the patient has no weight: the dose cannot be calculated".into(),
                SRC_WEIGHT,
                None,
                None,
            );
            None
        }
    }
}

fn daily_and_per_size(ctx: &mut Ctx<'_>) {
    let order = ctx.input.order;
    let Some(dose) = ctx.calc.dose else { return };
    ctx.calc.daily_dose = match (&order.frequency, order.dose_period) {
        (Frequency::Continuous, Some(period)) => Some(dose * period.per_day()),
        (f, _) => f.doses_per_day().map(|n| (dose * n).round_dp(2)),
    };
    if let Some(weight) = ctx.input.patient.body.dosing_weight_kg {
        ctx.calc.dose_per_kg = Some((dose / weight).round_dp(2));
    }
    if let Some(area) = ctx.calc.bsa_mosteller_m2 {
        ctx.calc.dose_per_m2 = Some((dose / area).round_dp(2));
    }
}

/// The figure of the order a limit is measured against; `None` (with a missing-data alert where that matters)
/// when the patient's size is unknown.
fn figure_for(ctx: &mut Ctx<'_>, limit: &DoseLimit) -> Option<(Decimal, String)> {
    let unit = ctx.input.entry.dose_unit.label();
    let continuous = ctx.input.order.frequency == Frequency::Continuous;
    let weight = ctx.input.patient.body.dosing_weight_kg;
    let need = |ctx: &mut Ctx<'_>, what: &str| {
        ctx.alert(
            "missing_data",
            Severity::Warning,
            format!("missing_data:{what}"),
            format!("The {what} limits of {} cannot be checked without the patient's {what}", ctx.input.entry.name),
            SRC_WEIGHT,
            None,
            None,
        );
    };
    let c = &ctx.calc;
    match limit.basis {
        LimitBasis::Dose if continuous => None,
        LimitBasis::Dose => c.dose.map(|d| (d, unit.to_owned())),
        LimitBasis::Daily => c.daily_dose.map(|d| (d, format!("{unit}/day"))),
        LimitBasis::PerKgDose | LimitBasis::PerKgDaily => {
            let Some(weight) = weight else {
                need(ctx, "weight");
                return None;
            };
            let c = &ctx.calc;
            if limit.basis == LimitBasis::PerKgDose {
                if continuous {
                    return None;
                }
                // An order written per kg is judged on what was ordered, not on a rounded back-calculation.
                if let Some(per_kg) = ordered_per(ctx, DoseBasis::PerKg) {
                    return Some((per_kg, format!("{unit}/kg")));
                }
                c.dose.map(|d| ((d / weight).round_dp(3), format!("{unit}/kg")))
            } else {
                c.daily_dose.map(|d| ((d / weight).round_dp(3), format!("{unit}/kg/day")))
            }
        }
        LimitBasis::PerM2Dose | LimitBasis::PerM2Daily => {
            let Some(area) = c.bsa_mosteller_m2 else {
                need(ctx, "height");
                return None;
            };
            let c = &ctx.calc;
            if limit.basis == LimitBasis::PerM2Dose {
                if let Some(per_m2) = ordered_per(ctx, DoseBasis::PerM2) {
                    return Some((per_m2, format!("{unit}/m²")));
                }
                c.dose.map(|d| ((d / area).round_dp(3), format!("{unit}/m²")))
            } else {
                c.daily_dose.map(|d| ((d / area).round_dp(3), format!("{unit}/m²/day")))
            }
        }
        LimitBasis::AucTarget => {
            let order = ctx.input.order;
            if order.dose_basis == DoseBasis::Auc {
                return Some((order.dose.value, "mg·min/mL".into()));
            }
            // A fixed carboplatin dose: the AUC it amounts to by Calvert, if GFR is known.
            let gfr = c.crcl_ml_min?.min(Decimal::from(125));
            let mg = c.dose? / DoseUnitFactor::mg_to(ctx.input.entry);
            Some(((mg / (gfr + Decimal::from(25))).round_dp(2), "mg·min/mL (implied by Calvert)".into()))
        }
        LimitBasis::LifetimePerM2 => None,
    }
}

/// The ordered amount per kg or per m² in the entry's unit, when the order is written that way.
fn ordered_per(ctx: &Ctx<'_>, basis: DoseBasis) -> Option<Decimal> {
    let order = ctx.input.order;
    (order.dose_basis == basis).then_some(())?;
    Some(order.dose.value * order.dose.unit.factor_to(ctx.input.entry.dose_unit)?)
}

fn population_word(limit: &DoseLimit) -> &'static str {
    match limit.population {
        domain::formulary::Population::Adult => "adult ",
        domain::formulary::Population::Pediatric => "paediatric ",
        domain::formulary::Population::All => "",
    }
}

fn dose_limits(ctx: &mut Ctx<'_>) {
    let entry = ctx.input.entry;
    let age = ctx.input.patient.age_years;
    for (i, limit) in entry.limits.iter().enumerate() {
        if !limit.population.applies_to(age) || limit.basis == LimitBasis::LifetimePerM2 {
            continue;
        }
        let Some((value, unit)) = figure_for(ctx, limit) else { continue };
        let what = match limit.basis {
            LimitBasis::Dose => "single dose",
            LimitBasis::Daily => "daily dose",
            LimitBasis::PerKgDose => "dose per kg",
            LimitBasis::PerKgDaily => "daily dose per kg",
            LimitBasis::PerM2Dose => "dose per m²",
            LimitBasis::PerM2Daily => "daily dose per m²",
            LimitBasis::AucTarget => "target AUC",
            LimitBasis::LifetimePerM2 => "lifetime dose",
        };
        let note = limit.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
        if let Some(max) = limit.max
            && value > max
        {
            let code = if limit.severity == Severity::HardStop { "max_dose" } else { "dose_range" };
            ctx.alert(
                code,
                limit.severity,
                format!("{code}:{}:{}:{i}", limit.basis, limit.population),
                format!(
                    "{} {what} {} {unit} is above the {}maximum of {} {unit}{note}",
                    entry.name,
                    fmt(value),
                    population_word(limit),
                    fmt(max)
                ),
                &limit.source,
                Some(format!("{} {unit}", fmt(value))),
                Some(format!("≤ {} {unit}", fmt(max))),
            );
        }
        if let Some(min) = limit.min
            && value < min
        {
            ctx.alert(
                "dose_range",
                Severity::Warning,
                format!("dose_range:{}:{}:{i}:low", limit.basis, limit.population),
                format!(
                    "{} {what} {} {unit} is below the usual {}minimum of {} {unit}{note}",
                    entry.name,
                    fmt(value),
                    population_word(limit),
                    fmt(min)
                ),
                &limit.source,
                Some(format!("{} {unit}", fmt(value))),
                Some(format!("≥ {} {unit}", fmt(min))),
            );
        }
    }
}

fn renal_rules(ctx: &mut Ctx<'_>) {
    let entry = ctx.input.entry;
    let p = ctx.input.patient;
    if !entry.renally_cleared && entry.renal.is_empty() {
        return;
    }
    if !creatinine_is_current(p) {
        let message = match p.creatinine {
            None => format!("{} is renally cleared and the patient has no serum creatinine on file", entry.name),
            Some((_, at)) => format!(
                "{} is renally cleared and the latest creatinine ({}) is older than 7 days",
                entry.name,
                at.format("%Y-%m-%d")
            ),
        };
        ctx.alert(
            "missing_data",
            Severity::Warning,
            "missing_data:creatinine".into(),
            message,
            SRC_CREATININE,
            None,
            Some("7 days".into()),
        );
        return;
    }
    let Some(crcl) = ctx.calc.crcl_ml_min else {
        ctx.alert(
            "missing_data",
            Severity::Warning,
            "missing_data:crcl".into(),
            format!(
                "{} is renally cleared but CrCl cannot be estimated by Cockcroft–Gault (age under 18, sex not male or \
                 female, or no weight): check the renal dose by hand",
                entry.name
            ),
            "Cockcroft DW, Gault MH. Nephron 1976;16:31–41 (derived in adults)",
            None,
            None,
        );
        return;
    };
    let unit = entry.dose_unit.label();
    let order = ctx.input.order;
    for (i, band) in entry.renal.iter().enumerate() {
        let inside = crcl < band.crcl_below && band.crcl_at_least.is_none_or(|low| crcl >= low);
        if !inside {
            continue;
        }
        let range = match band.crcl_at_least {
            Some(low) => format!("{}–{} mL/min", fmt(low), fmt(band.crcl_below)),
            None => format!("< {} mL/min", fmt(band.crcl_below)),
        };
        let basis = format!(
            "CrCl {} mL/min (Cockcroft–Gault, {})",
            fmt(crcl),
            ctx.calc.crcl_weight.clone().unwrap_or_default()
        );
        let mut problems = Vec::new();
        if band.avoid {
            ctx.alert(
                "renal",
                Severity::HardStop,
                format!("renal:{i}:avoid"),
                format!("{basis}: {} should not be used with CrCl {range}. {}", entry.name, band.advice),
                &band.source,
                Some(format!("{} mL/min", fmt(crcl))),
                Some(range.clone()),
            );
            continue;
        }
        if let (Some(max), Some(dose)) = (band.max_dose, ctx.calc.dose)
            && dose > max
        {
            problems.push(format!("dose {} {unit} > {} {unit}", fmt(dose), fmt(max)));
        }
        if let (Some(max), Some(daily)) = (band.max_daily, ctx.calc.daily_dose)
            && daily > max
        {
            problems.push(format!("daily {} {unit} > {} {unit}", fmt(daily), fmt(max)));
        }
        if let (Some(min), Some(interval)) = (band.min_interval_hours, order.frequency.interval_hours())
            && interval < min
        {
            problems.push(format!("every {interval} h, more often than every {min} h"));
        }
        if !problems.is_empty() {
            ctx.alert(
                "renal",
                Severity::Warning,
                format!("renal:{i}"),
                format!("{basis}: {} ({range}) — {}. {}", entry.name, problems.join("; "), band.advice),
                &band.source,
                Some(format!("{} mL/min", fmt(crcl))),
                Some(range),
            );
        }
    }
}

fn shares_ingredient(a: &FormularyEntry, b: &FormularyEntry) -> bool {
    a.ingredients.iter().any(|i| b.ingredients.contains(i))
}

/// Cumulative lifetime dose per m²: doses already given under the patient's other orders of the same ingredient
/// (counted from their schedules up to now) plus the whole course of this order.
fn cumulative(ctx: &mut Ctx<'_>) {
    let entry = ctx.input.entry;
    let limits: Vec<(usize, &DoseLimit)> = entry
        .limits
        .iter()
        .enumerate()
        .filter(|(_, l)| l.basis == LimitBasis::LifetimePerM2 && l.population.applies_to(ctx.input.patient.age_years))
        .collect();
    if limits.is_empty() {
        return;
    }
    let (Some(area), Some(dose)) = (ctx.calc.bsa_mosteller_m2, ctx.calc.dose) else {
        ctx.alert(
            "missing_data",
            Severity::Warning,
            "missing_data:cumulative".into(),
            format!("The lifetime dose of {} cannot be totalled without the patient's weight and height", entry.name),
            SRC_WEIGHT,
            None,
            None,
        );
        return;
    };
    let now = ctx.input.patient.now;
    let mut prior = Decimal::ZERO;
    for other in ctx.input.others.iter().filter(|o| shares_ingredient(o.entry, entry)) {
        if matches!(
            other.status,
            OrderStatus::Draft
                | OrderStatus::Rejected
                | OrderStatus::PendingVerification
                | OrderStatus::ClarificationRequested
        ) {
            continue;
        }
        let Some(factor) = other.fields.dose.unit.factor_to(entry.dose_unit) else { continue };
        let per_dose = match other.fields.dose_basis {
            DoseBasis::Fixed => other.fields.dose.value * factor,
            DoseBasis::PerM2 => other.fields.dose.value * factor * area,
            DoseBasis::PerKg => match ctx.input.patient.body.dosing_weight_kg {
                Some(w) => other.fields.dose.value * factor * w,
                None => continue,
            },
            DoseBasis::Auc => continue,
        };
        prior += per_dose * other.fields.doses_given_until(now);
    }
    let course = dose * ctx.input.order.doses_in_course();
    let total = prior + course;
    ctx.calc.cumulative_dose = Some(total.round_dp(1));
    let per_m2 = (total / area).round_dp(1);
    let unit = entry.dose_unit.label();
    for (i, limit) in limits {
        if let Some(max) = limit.max
            && per_m2 > max
        {
            ctx.alert(
                "cumulative_dose",
                limit.severity,
                format!("cumulative_dose:{i}"),
                format!(
                    "Lifetime {} would reach {} {unit}/m² ({} {unit} given before + {} {unit} this course, BSA {} m²), above {} {unit}/m²",
                    entry.name,
                    fmt(per_m2),
                    fmt(prior),
                    fmt(course),
                    fmt(area),
                    fmt(max)
                ),
                &limit.source,
                Some(format!("{} {unit}/m²", fmt(per_m2))),
                Some(format!("≤ {} {unit}/m²", fmt(max))),
            );
        }
    }
}

/// Cross-sensitivity between drug classes for a patient allergic to the first: (allergy class, drug class,
/// severity, what is known).
const CROSS_SENSITIVITY: &[(DrugClass, DrugClass, Severity, &str)] = &[
    (
        DrugClass::Penicillins,
        DrugClass::Cephalosporins,
        Severity::Warning,
        "cross-reactivity about 1–2 %, mostly through similar R1 side chains; cefazolin shares none",
    ),
    (
        DrugClass::Cephalosporins,
        DrugClass::Penicillins,
        Severity::Warning,
        "cross-reactivity about 1–2 %, mostly through similar R1 side chains",
    ),
    (DrugClass::Penicillins, DrugClass::Carbapenems, Severity::Warning, "cross-reactivity under 1 %"),
    (DrugClass::Cephalosporins, DrugClass::Carbapenems, Severity::Warning, "cross-reactivity under 1 %"),
];
const SRC_CROSS: &str = "Khan DA et al. Drug allergy: a 2022 practice parameter update. J Allergy Clin Immunol \
                         2022;150:1333–1393";

/// Allergy text that names a class rather than a drug ("penicillin", "sulfa").
fn class_named_by(substance: &str) -> Option<DrugClass> {
    let s = substance.trim().to_lowercase();
    let table: &[(&str, DrugClass)] = &[
        ("penicillin", DrugClass::Penicillins),
        ("cephalosporin", DrugClass::Cephalosporins),
        ("carbapenem", DrugClass::Carbapenems),
        ("sulfa", DrugClass::Sulfonamides),
        ("sulfonamide", DrugClass::Sulfonamides),
        ("aminoglycoside", DrugClass::Aminoglycosides),
        ("fluoroquinolone", DrugClass::Fluoroquinolones),
        ("opioid", DrugClass::Opioids),
        ("opiate", DrugClass::Opioids),
        ("nsaid", DrugClass::Nsaids),
        ("heparin", DrugClass::Heparins),
        ("iodinated contrast", DrugClass::IodinatedContrast),
    ];
    table.iter().find(|(word, _)| s == *word || s == format!("{word}s")).map(|(_, c)| *c)
}

fn allergies(ctx: &mut Ctx<'_>) {
    let entry = ctx.input.entry;
    let allergies = ctx.input.patient.allergies.clone();
    for allergy in &allergies {
        let severity = if allergy.kind == AllergyKind::Intolerance { Severity::Warning } else { Severity::HardStop };
        let reaction = allergy.reaction.as_deref().map(|r| format!(" (reaction: {r})")).unwrap_or_default();
        let kind = allergy.kind.as_str();
        if let Some(substance) = &allergy.substance {
            let s = substance.trim().to_lowercase();
            if entry.ingredients.iter().any(|i| *i == s || entry.name.to_lowercase() == s || entry.code == s) {
                ctx.alert(
                    "allergy",
                    severity,
                    format!("allergy:ingredient:{s}"),
                    format!("Documented {kind} to {substance}{reaction}: {} contains it", entry.name),
                    "Patient's allergy record",
                    Some(substance.clone()),
                    None,
                );
            }
        }
        let classes: Vec<DrugClass> =
            allergy.drug_class.into_iter().chain(allergy.substance.as_deref().and_then(class_named_by)).collect();
        for class in classes {
            if entry.drug_classes.contains(&class) {
                ctx.alert(
                    "allergy",
                    severity,
                    format!("allergy:class:{class}"),
                    format!("Documented {kind} to {class}{reaction}: {} is one of them", entry.name),
                    "Patient's allergy record; drug class from the formulary",
                    Some(class.to_string()),
                    None,
                );
            }
            for (from, to, cross_severity, what) in CROSS_SENSITIVITY {
                if *from == class && entry.drug_classes.contains(to) {
                    ctx.alert(
                        "allergy",
                        *cross_severity,
                        format!("allergy:cross:{class}:{to}"),
                        format!(
                            "Documented {kind} to {class}{reaction}; {} is a {}: {what}",
                            entry.name,
                            to.as_str().trim_end_matches('s')
                        ),
                        SRC_CROSS,
                        Some(class.to_string()),
                        None,
                    );
                }
            }
        }
    }
}

fn duplicates_and_interactions(ctx: &mut Ctx<'_>) {
    let entry = ctx.input.entry;
    for other in ctx.input.others.iter().filter(|o| o.status.is_current()) {
        if shares_ingredient(entry, other.entry) {
            ctx.alert(
                "duplicate_therapy",
                Severity::Warning,
                format!("duplicate_therapy:{}", other.rx_number),
                format!(
                    "{} duplicates {} of {} ({})",
                    entry.name,
                    other.entry.name,
                    other.rx_number,
                    other.status.label()
                ),
                "Same ingredient in two current orders",
                Some(other.rx_number.clone()),
                None,
            );
        } else if let Some(class) = entry.drug_classes.iter().find(|c| other.entry.drug_classes.contains(c)) {
            ctx.alert(
                "duplicate_therapy",
                Severity::Warning,
                format!("duplicate_therapy:{}:{class}", other.rx_number),
                format!("{} and {} ({}) are both {class}", entry.name, other.entry.name, other.rx_number),
                "Same drug class in two current orders",
                Some(other.rx_number.clone()),
                None,
            );
        }
        for (i, interaction) in ctx.input.interactions.iter().enumerate() {
            let here =
                |side: &[String], e: &FormularyEntry| Interaction::side_matches(side, &e.ingredients, &e.drug_classes);
            let hit = (here(&interaction.left, entry) && here(&interaction.right, other.entry))
                || (here(&interaction.right, entry) && here(&interaction.left, other.entry));
            if hit {
                ctx.alert(
                    "interaction",
                    interaction.severity,
                    format!("interaction:{i}:{}", other.rx_number),
                    format!(
                        "{} with {} ({}): {} {}",
                        entry.name, other.entry.name, other.rx_number, interaction.effect, interaction.management
                    ),
                    &interaction.source,
                    Some(other.entry.name.clone()),
                    None,
                );
            }
        }
    }
}

fn infusion_minutes(order: &OrderFields) -> Option<Decimal> {
    match (order.infusion_minutes, order.rate_ml_h, order.final_volume_ml) {
        (Some(m), _, _) => Some(Decimal::from(m)),
        (None, Some(rate), Some(volume)) if rate > Decimal::ZERO => {
            Some((volume / rate * Decimal::from(60)).round_dp(1))
        }
        _ => None,
    }
}

fn rate_and_concentration(ctx: &mut Ctx<'_>) {
    let entry = ctx.input.entry;
    let order = ctx.input.order;
    let unit = entry.dose_unit.label();
    let line = ctx.input.access_device.map(|k| if k.is_central() { "central" } else { "peripheral" });
    ctx.calc.line = line;
    let Some(limits) = &entry.infusion else { return };
    let continuous = order.frequency == Frequency::Continuous;
    if let (Some(dose), Some(minutes), false) = (ctx.calc.dose, infusion_minutes(order), continuous) {
        let rate = (dose / minutes).round_dp(2);
        ctx.calc.rate_per_min = Some(rate);
        if let Some(max) = limits.max_rate_per_min
            && rate > max
        {
            let needed = (dose / max).ceil();
            ctx.alert(
                "rate",
                Severity::Warning,
                "rate:max_per_min".into(),
                format!(
                    "{} {} {unit} over {} min is {} {unit}/min, above {} {unit}/min: infuse over at least {} min",
                    entry.name,
                    fmt(dose),
                    fmt(minutes),
                    fmt(rate),
                    fmt(max),
                    needed
                ),
                &limits.source,
                Some(format!("{} {unit}/min", fmt(rate))),
                Some(format!("≤ {} {unit}/min", fmt(max))),
            );
        }
        if let Some(min) = limits.min_minutes
            && minutes < Decimal::from(min)
        {
            ctx.alert(
                "rate",
                Severity::Warning,
                "rate:min_minutes".into(),
                format!(
                    "{} over {} min is faster than the shortest infusion time of {min} min",
                    entry.name,
                    fmt(minutes)
                ),
                &limits.source,
                Some(format!("{} min", fmt(minutes))),
                Some(format!("≥ {min} min")),
            );
        }
    }
    let Some(volume) = order.final_volume_ml else { return };
    let Some(dose) = ctx.calc.dose.filter(|_| !continuous) else { return };
    let concentration = (dose / volume).round_dp(3);
    ctx.calc.concentration_per_ml = Some(concentration);
    let over = |max: Option<Decimal>| max.filter(|m| concentration > *m);
    match line {
        Some("central") => {
            if let Some(max) = over(limits.max_concentration_central) {
                ctx.alert(
                    "concentration",
                    Severity::HardStop,
                    "concentration:central".into(),
                    format!(
                        "{} {} {unit}/mL is above the central-line maximum of {} {unit}/mL",
                        entry.name,
                        fmt(concentration),
                        fmt(max)
                    ),
                    &limits.source,
                    Some(format!("{} {unit}/mL", fmt(concentration))),
                    Some(format!("≤ {} {unit}/mL", fmt(max))),
                );
            }
        }
        _ => {
            let assumed = if line.is_none() { " (no line on the order: peripheral limits apply)" } else { "" };
            if let Some(max) = over(limits.max_concentration_peripheral) {
                let severity =
                    if over(limits.max_concentration_central).is_some() || limits.max_concentration_central.is_none() {
                        Severity::HardStop
                    } else {
                        Severity::Warning
                    };
                ctx.alert(
                    "concentration",
                    severity,
                    "concentration:peripheral".into(),
                    format!("{} {} {unit}/mL is above the peripheral maximum of {} {unit}/mL{assumed}; a central line is needed", entry.name, fmt(concentration), fmt(max)),
                    &limits.source,
                    Some(format!("{} {unit}/mL", fmt(concentration))),
                    Some(format!("≤ {} {unit}/mL", fmt(max))),
                );
            }
            if limits.vesicant && line == Some("peripheral") {
                ctx.alert(
                    "concentration",
                    Severity::Warning,
                    "concentration:vesicant".into(),
                    format!("{} is a vesicant given through a peripheral line: extravasation risk", entry.name),
                    &limits.source,
                    None,
                    None,
                );
            }
        }
    }
}

/// Immune globulin: each titration step (and the plain rate) against the product's maximum mL/kg/h.
fn titration(ctx: &mut Ctx<'_>) {
    let entry = ctx.input.entry;
    let order = ctx.input.order;
    let Some(product) = &entry.titration else { return };
    let Some(weight) = ctx.input.patient.body.weight_kg else {
        ctx.alert(
            "missing_data",
            Severity::Warning,
            "missing_data:weight_titration".into(),
            format!("{}'s infusion rates are per kg: they cannot be checked without a weight", entry.name),
            &product.source,
            None,
            None,
        );
        return;
    };
    let mut rates: Vec<(String, Decimal)> =
        order.titration.iter().enumerate().map(|(i, s)| (format!("step {}", i + 1), s.ml_per_kg_h)).collect();
    if let Some(rate) = order.rate_ml_h {
        rates.push(("ordered rate".into(), (rate / weight).round_dp(2)));
    }
    for (what, rate) in rates {
        if rate > product.max_ml_per_kg_h {
            ctx.alert(
                "rate",
                Severity::Warning,
                format!("rate:titration:{what}"),
                format!(
                    "{} {what} runs at {} mL/kg/h ({} mL/h for {} kg), above the product's maximum of {} mL/kg/h",
                    entry.name,
                    fmt(rate),
                    fmt(rate * weight),
                    fmt(weight),
                    fmt(product.max_ml_per_kg_h)
                ),
                &product.source,
                Some(format!("{} mL/kg/h", fmt(rate))),
                Some(format!("≤ {} mL/kg/h", fmt(product.max_ml_per_kg_h))),
            );
        }
    }
    if order.titration.is_empty() && order.rate_ml_h.is_none() {
        let ramp: Vec<String> = product
            .steps
            .iter()
            .map(|s| {
                let ml_h = (s.ml_per_kg_h * weight).round_dp(0);
                match s.minutes {
                    Some(m) => format!("{} mL/h for {m} min", fmt(ml_h)),
                    None => format!("then up to {} mL/h", fmt(ml_h)),
                }
            })
            .collect();
        ctx.alert(
            "rate",
            Severity::Info,
            "rate:titration_default".into(),
            format!("No titration on the order: the product's ramp for {} kg is {}", fmt(weight), ramp.join(", ")),
            &product.source,
            None,
            None,
        );
    }
}

fn parenteral_nutrition(ctx: &mut Ctx<'_>) {
    let Some(formula) = &ctx.input.order.tpn else { return };
    let weight = ctx.input.patient.body.dosing_weight_kg;
    if weight.is_none() {
        ctx.alert(
            "missing_data",
            Severity::Warning,
            "missing_data:weight_tpn".into(),
            "Parenteral nutrition per kg (GIR, kcal/kg, mL/kg) cannot be checked without a weight".into(),
            SRC_WEIGHT,
            None,
            None,
        );
    }
    let f = tpn::TpnFormula {
        volume_ml: formula.volume_ml,
        infusion_hours: formula.infusion_hours,
        dextrose_g: formula.dextrose_g,
        amino_acids_g: formula.amino_acids_g,
        lipid_g: formula.lipid_g,
        sodium_meq: formula.sodium_meq,
        potassium_meq: formula.potassium_meq,
        calcium_meq: formula.calcium_meq,
        magnesium_meq: formula.magnesium_meq,
        phosphate_mmol: formula.phosphate_mmol,
    };
    let analysis = tpn::analyse(&f, weight);
    let central = ctx.input.access_device.is_some_and(AccessDeviceKind::is_central);
    for finding in tpn::check(&f, &analysis, !central, formula.fluid_goal_ml_day) {
        ctx.alert(
            finding.code,
            finding.severity,
            format!("{}:tpn", finding.code),
            finding.message,
            finding.source,
            None,
            None,
        );
    }
    ctx.calc.tpn = Some(analysis);
}

#[cfg(test)]
#[path = "checks_tests.rs"]
mod tests;
