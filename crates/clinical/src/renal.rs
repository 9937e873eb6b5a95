//! Kidney function from serum creatinine: Cockcroft–Gault creatinine clearance (mL/min, for drug dosing) and the
//! race-free CKD-EPI 2021 eGFR (mL/min/1.73 m²), with the creatinine unit conversion they both need.

use domain::patient::Sex;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};

/// µmol/L of creatinine in 1 mg/dL: 10 mg/L ÷ 113.12 g/mol = 88.4 µmol/L (the factor the CKD-EPI 2021 paper and the
/// NKF/KDIGO conversion use).
pub const CREATININE_UMOL_L_PER_MG_DL: Decimal = Decimal::from_parts(884, 0, 0, false, 1);

/// Serum creatinine in mg/dL from a lab value in one of the units `domain::lab` accepts for serum creatinine (LOINC
/// 2160-0): exactly `"mg/dL"` (returned unchanged) or `"umol/L"` (÷ 88.4, see [`CREATININE_UMOL_L_PER_MG_DL`]).
/// Not rounded, so a calculator rounds once, at its own output. `None` for any other unit or a non-positive value.
pub fn scr_mg_dl_from(value: Decimal, unit: &str) -> Option<Decimal> {
    if value <= Decimal::ZERO {
        return None;
    }
    match unit {
        "mg/dL" => Some(value),
        "umol/L" => Some(value / CREATININE_UMOL_L_PER_MG_DL),
        _ => None,
    }
}

/// Cockcroft–Gault creatinine clearance, mL/min = (140 − age) × weight kg / (72 × SCr mg/dL), × 0.85 if female,
/// rounded half away from zero to 1 dp (Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum
/// creatinine. Nephron 1976;16:31–41).
///
/// The weight is whichever the caller chooses and must say so beside the result: the equation was derived on total
/// body weight; [`crate::body::BodySize::dosing_weight_kg`] gives actual or adjusted weight by the project's rule.
///
/// `None` when the equation does not apply: age under 18 (it was derived in adults; children need a paediatric
/// equation) or 140 and over, weight or SCr not positive, or sex `Other`/`Unknown`. For the last, the equation has
/// only the two sex terms and choosing one silently is a clinical decision; the caller reports the missing datum and
/// the pharmacist decides (the same rule as Devine IBW in [`crate::body`] and CKD-EPI below).
pub fn cockcroft_gault_ml_min(age_years: u32, weight_kg: Decimal, scr_mg_dl: Decimal, sex: Sex) -> Option<Decimal> {
    if !(18..140).contains(&age_years) || weight_kg <= Decimal::ZERO || scr_mg_dl <= Decimal::ZERO {
        return None;
    }
    let sex_factor = match sex {
        Sex::Male => Decimal::ONE,
        Sex::Female => Decimal::new(85, 2),
        Sex::Other | Sex::Unknown => return None,
    };
    let clearance = Decimal::from(140 - age_years) * weight_kg / (Decimal::from(72) * scr_mg_dl) * sex_factor;
    Some(clearance.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero))
}

/// CKD-EPI 2021 race-free eGFR, mL/min/1.73 m² = 142 × min(SCr/κ, 1)^α × max(SCr/κ, 1)^−1.200 × 0.9938^age
/// × 1.012 if female, with κ = 0.7 (female) / 0.9 (male) and α = −0.241 (female) / −0.302 (male), rounded half away
/// from zero to a whole number (Inker LA, Eneanya ND, Coresh J, et al. New creatinine- and cystatin C–based equations
/// to estimate GFR without race. N Engl J Med 2021;385:1737–1749).
///
/// `None` for age under 18 (the equation is for adults), SCr not positive, or sex `Other`/`Unknown` (the equation
/// has no term for them).
pub fn ckd_epi_2021_ml_min_1_73(age_years: u32, scr_mg_dl: Decimal, sex: Sex) -> Option<Decimal> {
    if age_years < 18 || scr_mg_dl <= Decimal::ZERO {
        return None;
    }
    let (kappa, alpha, sex_factor) = match sex {
        Sex::Female => (0.7, -0.241, 1.012),
        Sex::Male => (0.9, -0.302, 1.0),
        Sex::Other | Sex::Unknown => return None,
    };
    let ratio = scr_mg_dl.to_f64()? / kappa;
    let egfr = 142.0
        * ratio.min(1.0).powf(alpha)
        * ratio.max(1.0).powf(-1.200)
        * 0.9938_f64.powi(i32::try_from(age_years).ok()?)
        * sex_factor;
    Decimal::from_f64(egfr).map(|v| v.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(units: i64, scale: u32) -> Decimal {
        Decimal::new(units, scale)
    }

    #[test]
    fn cockcroft_gault_worked_example_60_year_old_72_kg_man() {
        // Cockcroft & Gault 1976 equation by hand: (140 − 60) × 72 / (72 × 1.0) = 80.0 mL/min; female × 0.85 = 68.0.
        assert_eq!(cockcroft_gault_ml_min(60, d(72, 0), d(10, 1), Sex::Male), Some(d(800, 1)));
        assert_eq!(cockcroft_gault_ml_min(60, d(72, 0), d(10, 1), Sex::Female), Some(d(680, 1)));
        // (140 − 45) × 80 / (72 × 1.2) = 7600 / 86.4 = 87.96 → 88.0; (140 − 85) × 55 / (72 × 1.8) = 23.34 → 23.3.
        assert_eq!(cockcroft_gault_ml_min(45, d(80, 0), d(12, 1), Sex::Male), Some(d(880, 1)));
        assert_eq!(cockcroft_gault_ml_min(85, d(55, 0), d(18, 1), Sex::Male), Some(d(233, 1)));
    }

    #[test]
    fn cockcroft_gault_does_not_apply_outside_its_domain() {
        let (kg, scr) = (d(70, 0), d(10, 1));
        assert_eq!(cockcroft_gault_ml_min(140, kg, scr, Sex::Male), None);
        assert_eq!(cockcroft_gault_ml_min(139, kg, scr, Sex::Male), Some(d(10, 1)), "(1 × 70) / 72 = 0.97 → 1.0");
        assert_eq!(cockcroft_gault_ml_min(17, kg, scr, Sex::Male), None, "a child");
        assert_eq!(cockcroft_gault_ml_min(60, Decimal::ZERO, scr, Sex::Male), None);
        assert_eq!(cockcroft_gault_ml_min(60, kg, Decimal::ZERO, Sex::Male), None);
        assert_eq!(cockcroft_gault_ml_min(60, kg, d(-1, 0), Sex::Female), None);
        assert_eq!(cockcroft_gault_ml_min(60, kg, scr, Sex::Other), None);
        assert_eq!(cockcroft_gault_ml_min(60, kg, scr, Sex::Unknown), None);
    }

    #[test]
    fn ckd_epi_2021_seventy_year_olds_with_scr_0_8() {
        // Inker 2021. Male: κ 0.9, SCr/κ = 0.889 < 1, so 142 × 0.889^−0.302 × 0.9938^70 = 142 × 1.0362 × 0.6470
        // = 95.2 → 95. Female: κ 0.7, SCr/κ = 1.143 > 1, so 142 × 0.8519 × 0.6470 × 1.012 = 79.2 → 79.
        assert_eq!(ckd_epi_2021_ml_min_1_73(70, d(8, 1), Sex::Male), Some(d(95, 0)));
        assert_eq!(ckd_epi_2021_ml_min_1_73(70, d(8, 1), Sex::Female), Some(d(79, 0)));
    }

    #[test]
    fn ckd_epi_2021_other_cases() {
        // At SCr = κ both power terms are 1: male 50 y, SCr 0.9 → 142 × 0.9938^50 = 142 × 0.7327 = 104.0 → 104.
        assert_eq!(ckd_epi_2021_ml_min_1_73(50, d(9, 1), Sex::Male), Some(d(104, 0)));
        // Male 50 y, SCr 1.0: 142 × (1.0/0.9)^−1.2 × 0.7327 = 142 × 0.8812 × 0.7327 = 91.7 → 92.
        assert_eq!(ckd_epi_2021_ml_min_1_73(50, d(10, 1), Sex::Male), Some(d(92, 0)));
        // Female 50 y, SCr 1.0: 142 × (1.0/0.7)^−1.2 × 0.7327 × 1.012 = 142 × 0.6518 × 0.7327 × 1.012 = 68.6 → 69.
        assert_eq!(ckd_epi_2021_ml_min_1_73(50, d(10, 1), Sex::Female), Some(d(69, 0)));
        assert_eq!(ckd_epi_2021_ml_min_1_73(17, d(8, 1), Sex::Male), None, "not for children");
        assert_eq!(ckd_epi_2021_ml_min_1_73(70, Decimal::ZERO, Sex::Male), None);
        assert_eq!(ckd_epi_2021_ml_min_1_73(70, d(8, 1), Sex::Other), None);
        assert_eq!(ckd_epi_2021_ml_min_1_73(70, d(8, 1), Sex::Unknown), None);
    }

    #[test]
    fn creatinine_units_are_the_ones_lab_validation_accepts() {
        assert_eq!(scr_mg_dl_from(d(12, 1), "mg/dL"), Some(d(12, 1)));
        // 88.4 µmol/L = 1 mg/dL; 176.8 µmol/L = 2 mg/dL.
        assert_eq!(scr_mg_dl_from(d(884, 1), "umol/L"), Some(Decimal::ONE));
        assert_eq!(scr_mg_dl_from(d(1768, 1), "umol/L"), Some(Decimal::TWO));
        // 80 µmol/L = 0.905 mg/dL, which CKD-EPI takes as is: male 70 y → 142 × (0.905/0.9)^−1.2 × 0.6470 = 91.3 → 91.
        let scr = scr_mg_dl_from(d(80, 0), "umol/L").unwrap();
        assert_eq!(scr.round_dp(3), d(905, 3));
        assert_eq!(ckd_epi_2021_ml_min_1_73(70, scr, Sex::Male), Some(d(91, 0)));
        for unit in ["mg/dl", "µmol/L", "mmol/L", "umol/l", ""] {
            assert_eq!(scr_mg_dl_from(d(80, 0), unit), None, "{unit:?} is not accepted by domain::lab");
        }
        assert_eq!(scr_mg_dl_from(Decimal::ZERO, "mg/dL"), None);
    }
}
