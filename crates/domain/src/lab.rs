//! Laboratory results: LOINC code, value with UCUM unit, and when the specimen was collected. Serum creatinine
//! (LOINC 2160-0) drives renal dosing, so its unit and range are checked strictly.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::codes::{Loinc, clean_text};
use crate::patient::{non_empty, string_or_number};
use crate::time::parse_past_instant;
use crate::{LabResultId, PatientId, Validation, ValidationErrors};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabInput {
    pub loinc: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub value: Option<String>,
    pub unit: Option<String>,
    pub collected_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LabFields {
    pub loinc: Loinc,
    #[schema(value_type = String, example = "0.9")]
    pub value: Decimal,
    pub unit: String,
    pub collected_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LabResult {
    pub id: LabResultId,
    pub patient_id: PatientId,
    #[serde(flatten)]
    pub fields: LabFields,
    pub recorded_at: DateTime<Utc>,
}

/// Display names of the LOINC codes the product itself reasons with.
pub fn loinc_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "2160-0" => "Creatinine, serum/plasma",
        "3094-0" => "Urea nitrogen (BUN), serum/plasma",
        "6690-2" => "Leukocytes (WBC), blood",
        "2823-3" => "Potassium, serum/plasma",
        "4092-3" => "Vancomycin trough, serum/plasma",
        "4090-7" => "Vancomycin peak, serum/plasma",
        "20578-1" => "Vancomycin random, serum/plasma",
        "1988-5" => "C reactive protein, serum/plasma",
        "718-7" => "Hemoglobin, blood",
        "777-3" => "Platelets, blood",
        "2345-7" => "Glucose, serum/plasma",
        "1742-6" => "ALT, serum/plasma",
        _ => return None,
    })
}

/// The drug-level LOINC codes precision dosing reads as measured concentrations of `drug` (a formulary code).
/// Only codes whose meaning we have confirmed are listed; other drugs' levels are entered on the dosing page.
pub fn level_loincs(drug: &str) -> &'static [&'static str] {
    match drug {
        "vancomycin" => &["4092-3", "4090-7", "20578-1"],
        _ => &[],
    }
}

impl LabInput {
    pub fn validate(&self, zone: Tz, now: DateTime<Utc>) -> Result<LabFields, ValidationErrors> {
        let mut v = Validation::new();
        let loinc = v.check("loinc", Loinc::parse(self.loinc.as_deref().unwrap_or_default()));
        let value = v.check("value", parse_decimal(self.value.as_deref()));
        let unit = v.check("unit", parse_unit(self.unit.as_deref()));
        if let (Some(loinc), Some(value), Some(unit)) = (&loinc, value, &unit)
            && loinc.as_str() == Loinc::SERUM_CREATININE
        {
            check_creatinine(&mut v, value, unit);
        }
        let collected_at = v.check("collected_at", parse_past_instant(self.collected_at.as_deref(), zone, now));
        v.finish(|| Some(LabFields { loinc: loinc?, value: value?, unit: unit?, collected_at: collected_at? }))
    }
}

/// Serum creatinine in mg/dL (0.1–30) or µmol/L (9–2650; 1 mg/dL = 88.42 µmol/L).
fn check_creatinine(v: &mut Validation, value: Decimal, unit: &str) {
    let (low, high) = match unit {
        "mg/dL" => (Decimal::new(1, 1), Decimal::new(30, 0)),
        "umol/L" => (Decimal::new(9, 0), Decimal::new(2650, 0)),
        _ => {
            v.error("unit", "must be \"mg/dL\" or \"umol/L\" for serum creatinine");
            return;
        }
    };
    if value < low || value > high {
        v.error("value", format!("must be between {low} and {high} {unit} for serum creatinine"));
    }
}

fn parse_decimal(text: Option<&str>) -> Result<Decimal, String> {
    let text = non_empty(text).ok_or("is required")?;
    let value: Decimal = text.parse().map_err(|_| "must be a decimal number such as 0.9".to_owned())?;
    Ok(value.normalize())
}

/// A UCUM unit expression as sent: printable, no spaces, at most 20 characters.
fn parse_unit(text: Option<&str>) -> Result<String, String> {
    let unit = clean_text(text.unwrap_or_default(), 20)?;
    if unit.contains(char::is_whitespace) {
        return Err("must be a UCUM unit without spaces, such as mg/dL".into());
    }
    Ok(unit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn check(loinc: &str, value: &str, unit: &str) -> Result<LabFields, ValidationErrors> {
        let input = LabInput {
            loinc: Some(loinc.into()),
            value: Some(value.into()),
            unit: Some(unit.into()),
            collected_at: Some("2026-11-20T07:00:00Z".into()),
        };
        input.validate(chrono_tz::UTC, Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap())
    }

    #[test]
    fn drug_level_codes_are_well_formed_and_named() {
        for drug in ["vancomycin"] {
            for code in level_loincs(drug) {
                assert!(Loinc::parse(code).is_ok(), "{code}");
                assert!(loinc_name(code).is_some_and(|n| n.to_lowercase().contains(drug)), "{code}");
            }
        }
        assert!(level_loincs("cefazolin").is_empty());
    }

    #[test]
    fn creatinine_has_strict_units_and_range() {
        assert!(check("2160-0", "0.9", "mg/dL").is_ok());
        assert!(check("2160-0", "80", "umol/L").is_ok());
        assert!(check("2160-0", "0.9", "mmol/L").unwrap_err().message_for("unit").is_some());
        assert!(check("2160-0", "45", "mg/dL").unwrap_err().message_for("value").is_some());
        assert!(check("6690-2", "7.4", "10*3/uL").is_ok());
        assert_eq!(check("2160-3", "1", "mg/dL").unwrap_err().message_for("loinc"), Some("has a wrong check digit"));
    }
}
