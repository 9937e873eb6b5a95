//! Body size from a patient's measurements: latest weight and height, BMI, ideal body weight (Devine), adjusted body
//! weight, and the dosing weight a pharmacist would start from.

use chrono::{DateTime, Duration, Utc};
use domain::measurement::{Measurement, MeasurementKind, latest};
use domain::patient::Sex;
use rust_decimal::Decimal;

/// A weight older than this is not current for dosing (the decision-support rule of issue 4 uses the same window).
pub const WEIGHT_CURRENT_DAYS: i64 = 30;

/// Which weight the dosing weight is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DosingWeightBasis {
    /// Total (actual) body weight: children, adults at or below 120 % of IBW, or when IBW is not defined.
    Actual,
    /// Adjusted body weight: adults above 120 % of IBW.
    Adjusted,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BodySize {
    pub weight_kg: Option<Decimal>,
    pub weight_measured_at: Option<DateTime<Utc>>,
    pub weight_is_current: bool,
    pub height_cm: Option<Decimal>,
    pub bmi: Option<Decimal>,
    pub ideal_weight_kg: Option<Decimal>,
    pub adjusted_weight_kg: Option<Decimal>,
    pub dosing_weight_kg: Option<Decimal>,
    pub dosing_weight_basis: Option<DosingWeightBasis>,
}

/// Devine ideal body weight (Devine BJ. Drug Intell Clin Pharm 1974;8:650–655): 50 kg (male) or 45.5 kg (female)
/// plus 2.3 kg per inch over 5 feet. Defined for adults at least 60 inches (152.4 cm) tall and for male or female.
pub fn ideal_body_weight_kg(sex: Sex, height_cm: Decimal) -> Option<Decimal> {
    let base = match sex {
        Sex::Male => Decimal::new(500, 1),
        Sex::Female => Decimal::new(455, 1),
        Sex::Other | Sex::Unknown => return None,
    };
    let inches = height_cm / Decimal::new(254, 2);
    if inches < Decimal::from(60) {
        return None;
    }
    Some((base + Decimal::new(23, 1) * (inches - Decimal::from(60))).round_dp(1))
}

/// Adjusted body weight = IBW + 0.4 × (TBW − IBW) (Bauer LA, Applied Clinical Pharmacokinetics, 3rd ed., ch. 4,
/// aminoglycosides in obesity).
pub fn adjusted_body_weight_kg(ideal: Decimal, total: Decimal) -> Decimal {
    (ideal + Decimal::new(4, 1) * (total - ideal)).round_dp(1)
}

/// Body mass index kg/m² (WHO).
pub fn bmi(weight_kg: Decimal, height_cm: Decimal) -> Option<Decimal> {
    let metres = height_cm / Decimal::ONE_HUNDRED;
    if metres <= Decimal::ZERO {
        return None;
    }
    Some((weight_kg / (metres * metres)).round_dp(1))
}

impl BodySize {
    pub fn from_measurements(measurements: &[Measurement], sex: Sex, age_years: u32, now: DateTime<Utc>) -> Self {
        let weight = latest(measurements, MeasurementKind::Weight);
        let height = latest(measurements, MeasurementKind::Height);
        let weight_kg = weight.map(|m| m.fields.in_base_unit().round_dp(2));
        let height_cm = height.map(|m| m.fields.in_base_unit().round_dp(1));
        let weight_measured_at = weight.map(|m| m.fields.measured_at);
        let ideal_weight_kg = match (age_years >= 18, height_cm) {
            (true, Some(h)) => ideal_body_weight_kg(sex, h),
            _ => None,
        };
        let adjusted_weight_kg = match (ideal_weight_kg, weight_kg) {
            (Some(ibw), Some(tbw)) if tbw > ibw => Some(adjusted_body_weight_kg(ibw, tbw)),
            _ => None,
        };
        let (dosing_weight_kg, dosing_weight_basis) = match (weight_kg, ideal_weight_kg, adjusted_weight_kg) {
            (Some(tbw), Some(ibw), Some(adj)) if tbw > ibw * Decimal::new(12, 1) => {
                (Some(adj), Some(DosingWeightBasis::Adjusted))
            }
            (Some(tbw), _, _) => (Some(tbw), Some(DosingWeightBasis::Actual)),
            (None, _, _) => (None, None),
        };
        BodySize {
            weight_kg,
            weight_measured_at,
            weight_is_current: weight_measured_at.is_some_and(|at| now - at <= Duration::days(WEIGHT_CURRENT_DAYS)),
            height_cm,
            bmi: weight_kg.zip(height_cm).and_then(|(w, h)| bmi(w, h)),
            ideal_weight_kg,
            adjusted_weight_kg,
            dosing_weight_kg,
            dosing_weight_basis,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::measurement::{MeasurementFields, MeasurementUnit};
    use domain::{MeasurementId, PatientId};

    fn measurement(
        kind: MeasurementKind,
        value: i64,
        unit: MeasurementUnit,
        days_ago: i64,
        now: DateTime<Utc>,
    ) -> Measurement {
        Measurement {
            id: MeasurementId::new(),
            patient_id: PatientId::new(),
            fields: MeasurementFields {
                kind,
                value: Decimal::from(value),
                unit,
                measured_at: now - Duration::days(days_ago),
            },
            recorded_at: now,
        }
    }

    #[test]
    fn devine_ideal_weight() {
        // 70 in (177.8 cm) male: 50 + 2.3 × 10 = 73.0 kg; female 64 in (162.56 cm): 45.5 + 2.3 × 4 = 54.7 kg.
        assert_eq!(ideal_body_weight_kg(Sex::Male, Decimal::new(1778, 1)), Some(Decimal::new(730, 1)));
        assert_eq!(ideal_body_weight_kg(Sex::Female, Decimal::new(16256, 2)), Some(Decimal::new(547, 1)));
        assert_eq!(ideal_body_weight_kg(Sex::Female, Decimal::from(150)), None, "under 60 in");
        assert_eq!(ideal_body_weight_kg(Sex::Unknown, Decimal::from(170)), None);
    }

    #[test]
    fn obese_adult_doses_on_adjusted_weight_and_old_weights_are_not_current() {
        let now = Utc::now();
        let ms = [
            measurement(MeasurementKind::Weight, 80, MeasurementUnit::Kilogram, 60, now),
            measurement(MeasurementKind::Weight, 120, MeasurementUnit::Kilogram, 40, now),
            measurement(MeasurementKind::Height, 178, MeasurementUnit::Centimetre, 40, now),
        ];
        let body = BodySize::from_measurements(&ms, Sex::Male, 50, now);
        assert_eq!(body.weight_kg, Some(Decimal::from(120)));
        // IBW(178 cm) = 50 + 2.3 × (70.079 − 60) = 73.2; AdjBW = 73.2 + 0.4 × 46.8 = 91.9.
        assert_eq!(body.ideal_weight_kg, Some(Decimal::new(732, 1)));
        assert_eq!(body.dosing_weight_kg, Some(Decimal::new(919, 1)));
        assert_eq!(body.dosing_weight_basis, Some(DosingWeightBasis::Adjusted));
        assert!(!body.weight_is_current, "40 days old");
        assert_eq!(body.bmi, Some(Decimal::new(379, 1)));
    }

    #[test]
    fn children_dose_on_actual_weight() {
        let now = Utc::now();
        let ms = [
            measurement(MeasurementKind::Weight, 30, MeasurementUnit::Kilogram, 2, now),
            measurement(MeasurementKind::Height, 135, MeasurementUnit::Centimetre, 2, now),
        ];
        let body = BodySize::from_measurements(&ms, Sex::Female, 9, now);
        assert_eq!((body.dosing_weight_kg, body.ideal_weight_kg), (Some(Decimal::from(30)), None));
        assert!(body.weight_is_current);
    }
}
