//! The formulary: every drug and product an order can name, with what decision support needs to check a dose —
//! ingredients and classes, packages (NDC, HCPCS), routes, standard concentrations, stability, dose limits, renal
//! adjustments, infusion rate and concentration limits, immune-globulin titration, hazardous and controlled status.
//!
//! The reviewed source is `data/formulary/*.toml` (one file per therapy class); every limit carries the label section
//! or guideline it comes from. The same structure is stored per entry (JSON) when an administrator edits it.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::allergy::DrugClass;
use crate::{Validation, ValidationErrors};

crate::text_enum! {
    /// The therapy classes an infusion provider's work is organised by.
    pub enum TherapyClass {
        AntiInfective => "anti_infective",
        Chemotherapy => "chemotherapy",
        ImmuneTherapy => "immune_therapy",
        PainManagement => "pain_management",
        ParenteralNutrition => "parenteral_nutrition",
        EnteralNutrition => "enteral_nutrition",
        Hydration => "hydration",
        Inotrope => "inotrope",
        GeneralNursing => "general_nursing",
    }
}

impl TherapyClass {
    pub fn label(self) -> &'static str {
        match self {
            Self::AntiInfective => "Anti-infective",
            Self::Chemotherapy => "Chemotherapy",
            Self::ImmuneTherapy => "Immune therapy",
            Self::PainManagement => "Pain management",
            Self::ParenteralNutrition => "Parenteral nutrition",
            Self::EnteralNutrition => "Enteral nutrition",
            Self::Hydration => "Hydration",
            Self::Inotrope => "Inotrope",
            Self::GeneralNursing => "General nursing",
        }
    }
}

crate::text_enum! {
    pub enum Route {
        Iv => "iv",
        Subcutaneous => "subcutaneous",
        Intramuscular => "intramuscular",
        Enteral => "enteral",
        Epidural => "epidural",
        Intrathecal => "intrathecal",
    }
}

crate::text_enum! {
    /// Units a dose is written in (UCUM codes). Mass units convert into each other; the others only to themselves.
    pub enum DoseUnit {
        Microgram => "ug",
        Milligram => "mg",
        Gram => "g",
        Millilitre => "mL",
        InternationalUnit => "[iU]",
        Millimole => "mmol",
        Milliequivalent => "meq",
    }
}

impl DoseUnit {
    /// The factor that turns an amount in `self` into `to`, when the two measure the same thing.
    pub fn factor_to(self, to: DoseUnit) -> Option<Decimal> {
        let micrograms = |unit: DoseUnit| match unit {
            DoseUnit::Microgram => Some(Decimal::ONE),
            DoseUnit::Milligram => Some(Decimal::ONE_THOUSAND),
            DoseUnit::Gram => Some(Decimal::from(1_000_000)),
            _ => None,
        };
        if self == to {
            return Some(Decimal::ONE);
        }
        Some(micrograms(self)? / micrograms(to)?)
    }

    /// What a person reads: "units" rather than the UCUM code `[iU]`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Microgram => "mcg",
            Self::Milligram => "mg",
            Self::Gram => "g",
            Self::Millilitre => "mL",
            Self::InternationalUnit => "units",
            Self::Millimole => "mmol",
            Self::Milliequivalent => "mEq",
        }
    }
}

crate::text_enum! {
    /// How severe an alert is; a hard stop needs a pharmacist's override with a reason.
    pub enum Severity { Info => "info", Warning => "warning", HardStop => "hard_stop" }
}

crate::text_enum! {
    pub enum Population { Adult => "adult", Pediatric => "pediatric", All => "all" }
}

impl Population {
    /// Adult is 18 years or older (FDA pediatric labelling: birth to 16 years, many labels to 17; we use < 18).
    pub fn applies_to(self, age_years: u32) -> bool {
        match self {
            Self::Adult => age_years >= 18,
            Self::Pediatric => age_years < 18,
            Self::All => true,
        }
    }
}

crate::text_enum! {
    /// What a dose limit is measured against. Per-kg and per-m² limits are in the entry's dose unit per kg or m².
    pub enum LimitBasis {
        Dose => "dose",
        Daily => "daily",
        PerKgDose => "per_kg_dose",
        PerKgDaily => "per_kg_daily",
        PerM2Dose => "per_m2_dose",
        PerM2Daily => "per_m2_daily",
        /// Cumulative over a lifetime, per m² (anthracyclines, bleomycin in units).
        LifetimePerM2 => "lifetime_per_m2",
        /// Target AUC in mg·min/mL (carboplatin by Calvert).
        AucTarget => "auc_target",
    }
}

crate::text_enum! {
    pub enum ControlledSchedule { CII => "CII", CIII => "CIII", CIV => "CIV", CV => "CV" }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormularyEntry {
    /// Stable code: the lowercase generic name for single-ingredient drugs, a slug for products.
    pub code: String,
    pub name: String,
    pub therapy_class: TherapyClass,
    #[serde(default)]
    pub drug_classes: Vec<DrugClass>,
    /// Lowercase generic names of the active ingredients (allergy and interaction checks match on these).
    pub ingredients: Vec<String>,
    pub routes: Vec<Route>,
    /// The unit its doses and limits are written in.
    pub dose_unit: DoseUnit,
    /// Cleared mainly by the kidney: a creatinine within 7 days is needed to check the dose.
    #[serde(default)]
    pub renally_cleared: bool,
    #[serde(default)]
    pub hazardous: Option<Hazardous>,
    #[serde(default)]
    pub controlled_schedule: Option<ControlledSchedule>,
    #[serde(default)]
    pub hcpcs: Option<Hcpcs>,
    #[serde(default)]
    pub packages: Vec<Package>,
    #[serde(default)]
    pub concentrations: Vec<StandardConcentration>,
    #[serde(default)]
    pub stability: Option<Stability>,
    #[serde(default)]
    pub limits: Vec<DoseLimit>,
    #[serde(default)]
    pub renal: Vec<RenalAdjustment>,
    #[serde(default)]
    pub infusion: Option<InfusionLimits>,
    #[serde(default)]
    pub titration: Option<Titration>,
}

/// On the NIOSH List of Hazardous Drugs in Healthcare Settings (2016, or 2024 where it changed a drug's status).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Hazardous {
    /// NIOSH table: 1 (antineoplastic), 2 (non-antineoplastic meeting the criteria), 3 (reproductive risk only).
    pub niosh_table: u8,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Hcpcs {
    pub code: String,
    /// The billing unit as the HCPCS descriptor gives it, e.g. "500 mg".
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Package {
    /// 11-digit NDC in 5-4-2 form, e.g. "00409-6509-01".
    pub ndc: String,
    pub description: String,
    /// Where the NDC was read (DailyMed SPL, FDA NDC directory).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandardConcentration {
    /// Amount of drug (in the entry's dose unit) per mL.
    #[schema(value_type = String)]
    pub per_ml: Decimal,
    pub diluents: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Stability {
    /// Storage before preparation, e.g. "20–25 °C" or "2–8 °C, protect from light".
    pub storage: String,
    /// How long the prepared product stays stable, when the label or a study gives it.
    #[serde(default)]
    pub room_hours: Option<u32>,
    #[serde(default)]
    pub refrigerated_hours: Option<u32>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoseLimit {
    pub basis: LimitBasis,
    pub population: Population,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub min: Option<Decimal>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub max: Option<Decimal>,
    /// Severity when the order falls outside: usual ranges warn, absolute caps are hard stops.
    pub severity: Severity,
    pub source: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// A renal adjustment band: applies when `crcl_at_least ≤ CrCl < crcl_below` (mL/min, Cockcroft–Gault).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenalAdjustment {
    #[schema(value_type = String)]
    pub crcl_below: Decimal,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub crcl_at_least: Option<Decimal>,
    /// Largest single dose in the band (entry's dose unit).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub max_dose: Option<Decimal>,
    /// Largest total per 24 h in the band.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub max_daily: Option<Decimal>,
    /// Shortest dosing interval in the band, hours.
    #[serde(default)]
    pub min_interval_hours: Option<u32>,
    /// Not to be used in this band (e.g. a drug contraindicated below a CrCl).
    #[serde(default)]
    pub avoid: bool,
    pub advice: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InfusionLimits {
    /// Fastest administration, entry's dose unit per minute.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub max_rate_per_min: Option<Decimal>,
    /// Shortest infusion time, minutes.
    #[serde(default)]
    pub min_minutes: Option<u32>,
    /// Highest concentration in the final container (dose unit per mL) on a peripheral line.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub max_concentration_peripheral: Option<Decimal>,
    /// Highest concentration on a central line.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub max_concentration_central: Option<Decimal>,
    /// Vesicant: a peripheral line is a warning (extravasation).
    #[serde(default)]
    pub vesicant: bool,
    pub source: String,
}

/// Immune globulin rate titration, mL/kg/h of the product as supplied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Titration {
    /// Product concentration in g per mL (0.1 for a 10 % product), to turn a dose in g into mL.
    #[schema(value_type = String)]
    pub grams_per_ml: Decimal,
    /// The steps, in order: rate and minutes at that rate before the next step (the last step has no minutes).
    pub steps: Vec<TitrationStep>,
    #[schema(value_type = String)]
    pub max_ml_per_kg_h: Decimal,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TitrationStep {
    #[schema(value_type = String)]
    pub ml_per_kg_h: Decimal,
    #[serde(default)]
    pub minutes: Option<u32>,
}

/// A curated drug–drug interaction between two groups of ingredients or drug classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Interaction {
    /// Each side: ingredient names, or `class:<drug class>`.
    pub left: Vec<String>,
    pub right: Vec<String>,
    pub severity: Severity,
    pub effect: String,
    pub management: String,
    pub source: String,
}

impl Interaction {
    /// Whether a drug with these ingredients and classes falls on one side.
    pub fn side_matches(side: &[String], ingredients: &[String], classes: &[DrugClass]) -> bool {
        side.iter().any(|selector| match selector.strip_prefix("class:") {
            Some(class) => classes.iter().any(|c| c.as_str() == class),
            None => ingredients.iter().any(|i| i == selector),
        })
    }
}

/// Shape of a formulary data file: `[[entry]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormularyFile {
    #[serde(default)]
    pub entry: Vec<FormularyEntry>,
}

/// Shape of the interaction data file: `[[interaction]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InteractionFile {
    #[serde(default)]
    pub interaction: Vec<Interaction>,
}

/// A formulary code: 2–80 lowercase letters, digits and hyphens, starting with a letter.
pub fn parse_code(raw: &str) -> Result<String, String> {
    let code = raw.trim();
    if code.len() < 2 || code.len() > 80 {
        return Err("must be 2 to 80 characters".into());
    }
    if !code.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err("must start with a lowercase letter".into());
    }
    if !code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') || code.contains("--") {
        return Err("may contain only lowercase letters, digits and single hyphens".into());
    }
    Ok(code.to_owned())
}

/// An 11-digit NDC written 5-4-2 (the HIPAA billing form; 10-digit label NDCs are padded with a leading zero in
/// the segment that is short).
pub fn parse_ndc11(raw: &str) -> Result<String, String> {
    let parts: Vec<&str> = raw.trim().split('-').collect();
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    match parts.as_slice() {
        [a, b, c] if a.len() == 5 && b.len() == 4 && c.len() == 2 && [a, b, c].iter().all(|s| digits(s)) => {
            Ok(raw.trim().to_owned())
        }
        [one] if one.len() == 11 && digits(one) => Ok(format!("{}-{}-{}", &one[..5], &one[5..9], &one[9..])),
        _ => Err("must be an 11-digit NDC in 5-4-2 form, e.g. 00409-6509-01".into()),
    }
}

/// A HCPCS Level II code: a letter and four digits (J3370), or a CPT-style five-digit code.
pub fn parse_hcpcs(raw: &str) -> Result<String, String> {
    let code = raw.trim().to_ascii_uppercase();
    let ok = code.len() == 5
        && (code.chars().all(|c| c.is_ascii_digit())
            || (code.starts_with(|c: char| c.is_ascii_alphabetic()) && code[1..].chars().all(|c| c.is_ascii_digit())));
    if ok { Ok(code) } else { Err("must be a letter and four digits, e.g. J3370".into()) }
}

impl FormularyEntry {
    /// Checks what serde cannot: code and code formats, ranges that make sense, a source on every limit.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut v = Validation::new();
        v.check("code", parse_code(&self.code));
        if self.name.trim().is_empty() {
            v.error("name", "is required");
        }
        if self.ingredients.is_empty() {
            v.error("ingredients", "needs at least one ingredient");
        }
        for (i, ingredient) in self.ingredients.iter().enumerate() {
            if ingredient.trim().is_empty() || ingredient.chars().any(|c| c.is_ascii_uppercase()) {
                v.error(&format!("ingredients[{i}]"), "must be a lowercase generic name");
            }
        }
        if self.routes.is_empty() {
            v.error("routes", "needs at least one route");
        }
        if let Some(hazardous) = &self.hazardous {
            if !(1..=3).contains(&hazardous.niosh_table) {
                v.error("hazardous.niosh_table", "must be 1, 2 or 3");
            }
            require_source(&mut v, "hazardous.source", &hazardous.source);
        }
        if let Some(hcpcs) = &self.hcpcs {
            v.check("hcpcs.code", parse_hcpcs(&hcpcs.code));
        }
        for (i, package) in self.packages.iter().enumerate() {
            v.check(&format!("packages[{i}].ndc"), parse_ndc11(&package.ndc));
            require_source(&mut v, &format!("packages[{i}].source"), &package.source);
        }
        for (i, c) in self.concentrations.iter().enumerate() {
            if c.per_ml <= Decimal::ZERO {
                v.error(&format!("concentrations[{i}].per_ml"), "must be greater than 0");
            }
        }
        if let Some(stability) = &self.stability {
            require_source(&mut v, "stability.source", &stability.source);
        }
        for (i, limit) in self.limits.iter().enumerate() {
            let field = format!("limits[{i}]");
            if limit.min.is_none() && limit.max.is_none() {
                v.error(&field, "needs a min or a max");
            }
            if let (Some(min), Some(max)) = (limit.min, limit.max)
                && min > max
            {
                v.error(&format!("{field}.min"), "must not be greater than max");
            }
            if limit.min.is_some_and(|m| m < Decimal::ZERO) || limit.max.is_some_and(|m| m <= Decimal::ZERO) {
                v.error(&field, "limits must be positive");
            }
            require_source(&mut v, &format!("{field}.source"), &limit.source);
        }
        for (i, band) in self.renal.iter().enumerate() {
            let field = format!("renal[{i}]");
            if let Some(low) = band.crcl_at_least
                && low >= band.crcl_below
            {
                v.error(&format!("{field}.crcl_at_least"), "must be below crcl_below");
            }
            if !band.avoid && band.max_dose.is_none() && band.max_daily.is_none() && band.min_interval_hours.is_none() {
                v.error(&field, "needs max_dose, max_daily, min_interval_hours or avoid");
            }
            require_source(&mut v, &format!("{field}.source"), &band.source);
        }
        if let Some(infusion) = &self.infusion {
            require_source(&mut v, "infusion.source", &infusion.source);
        }
        if let Some(titration) = &self.titration {
            if titration.steps.is_empty() {
                v.error("titration.steps", "needs at least one step");
            }
            if titration.steps.iter().any(|s| s.ml_per_kg_h > titration.max_ml_per_kg_h) {
                v.error("titration.steps", "no step may exceed max_ml_per_kg_h");
            }
            if titration.grams_per_ml <= Decimal::ZERO || titration.grams_per_ml > Decimal::ONE {
                v.error("titration.grams_per_ml", "must be between 0 and 1");
            }
            require_source(&mut v, "titration.source", &titration.source);
        }
        v.finish(|| Some(()))
    }

    pub fn limits_for(&self, basis: LimitBasis, age_years: u32) -> impl Iterator<Item = &DoseLimit> {
        self.limits.iter().filter(move |l| l.basis == basis && l.population.applies_to(age_years))
    }

    pub fn is_hazardous(&self) -> bool {
        self.hazardous.is_some()
    }
}

fn require_source(v: &mut Validation, field: &str, source: &str) {
    if source.trim().len() < 5 {
        v.error(field, "must cite its source (label section, guideline or paper)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndc_accepts_5_4_2_and_plain_11_digits_only() {
        assert_eq!(parse_ndc11("00409-6509-01").unwrap(), "00409-6509-01");
        assert_eq!(parse_ndc11("00409650901").unwrap(), "00409-6509-01");
        assert!(parse_ndc11("0409-6509-01").is_err());
        assert!(parse_ndc11("00409-6509-1").is_err());
        assert!(parse_ndc11("0040965090").is_err());
        assert!(parse_ndc11("00409-65O9-01").is_err());
    }

    #[test]
    fn hcpcs_and_code_formats() {
        assert_eq!(parse_hcpcs("j3370").unwrap(), "J3370");
        assert!(parse_hcpcs("J337").is_err());
        assert!(parse_code("immune-globulin-gammagard-liquid").is_ok());
        assert!(parse_code("Vancomycin").is_err());
        assert!(parse_code("a--b").is_err());
    }

    #[test]
    fn mass_units_convert_and_others_do_not() {
        assert_eq!(DoseUnit::Gram.factor_to(DoseUnit::Milligram), Some(Decimal::ONE_THOUSAND));
        assert_eq!(DoseUnit::Microgram.factor_to(DoseUnit::Milligram), Some(Decimal::new(1, 3)));
        assert_eq!(DoseUnit::Millilitre.factor_to(DoseUnit::Milligram), None);
        assert_eq!(DoseUnit::InternationalUnit.factor_to(DoseUnit::InternationalUnit), Some(Decimal::ONE));
    }

    #[test]
    fn validate_names_each_broken_field() {
        let entry = FormularyEntry {
            code: "Bad Code".into(),
            name: "X".into(),
            therapy_class: TherapyClass::AntiInfective,
            drug_classes: vec![],
            ingredients: vec![],
            routes: vec![Route::Iv],
            dose_unit: DoseUnit::Milligram,
            renally_cleared: false,
            hazardous: None,
            controlled_schedule: None,
            hcpcs: None,
            packages: vec![],
            concentrations: vec![],
            stability: None,
            limits: vec![DoseLimit {
                basis: LimitBasis::Dose,
                population: Population::Adult,
                min: Some(Decimal::TEN),
                max: Some(Decimal::ONE),
                severity: Severity::Warning,
                source: "".into(),
                note: None,
            }],
            renal: vec![],
            infusion: None,
            titration: None,
        };
        let errors = entry.validate().unwrap_err();
        for field in ["code", "ingredients", "limits[0].min", "limits[0].source"] {
            assert!(errors.message_for(field).is_some(), "{field}: {errors}");
        }
    }
}
