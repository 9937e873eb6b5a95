//! Chemotherapy dose calculations: carboplatin by target AUC (Calvert).

use rust_decimal::{Decimal, RoundingStrategy};

/// The highest GFR the Calvert formula may use, mL/min. With it the largest dose is target AUC × (125 + 25) = AUC × 150
/// mg, e.g. 900 mg for AUC 6 (NCI CTEP, "Follow-up for information letter regarding AUC-based dosing of carboplatin",
/// October 2010; carboplatin injection prescribing information, section 2).
pub const CALVERT_MAX_GFR_ML_MIN: Decimal = Decimal::from_parts(125, 0, 0, false, 0);

/// Carboplatin's non-renal clearance in the Calvert formula, mL/min.
const CALVERT_NON_RENAL_ML_MIN: Decimal = Decimal::from_parts(25, 0, 0, false, 0);

/// A carboplatin dose by the Calvert formula and the GFR it was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calvert {
    /// Total dose in mg (not per m²), whole mg.
    pub dose_mg: Decimal,
    /// The GFR put into the formula: the given one, or 125 mL/min when that was higher.
    pub gfr_used_ml_min: Decimal,
    /// Whether the given GFR was above 125 mL/min and was capped.
    pub gfr_capped: bool,
}

/// Carboplatin dose, mg = target AUC (mg/mL·min) × (GFR mL/min + 25), with GFR capped at 125 mL/min, rounded half away
/// from zero to a whole mg (Calvert AH, Newell DR, Gumbrell LA, et al. Carboplatin dosage: prospective evaluation of a
/// simple formula based on renal function. J Clin Oncol 1989;7:1748–1756; cap: NCI CTEP letter 2010 and the
/// carboplatin prescribing information, section 2 — see [`CALVERT_MAX_GFR_ML_MIN`]).
///
/// The GFR may be measured or estimated (the caller says which; an estimate from Cockcroft–Gault is
/// [`crate::renal::cockcroft_gault_ml_min`]). `None` unless both the AUC and the GFR are positive.
pub fn calvert_carboplatin(target_auc: Decimal, gfr_ml_min: Decimal) -> Option<Calvert> {
    if target_auc <= Decimal::ZERO || gfr_ml_min <= Decimal::ZERO {
        return None;
    }
    let gfr_capped = gfr_ml_min > CALVERT_MAX_GFR_ML_MIN;
    let gfr_used_ml_min = gfr_ml_min.min(CALVERT_MAX_GFR_ML_MIN);
    let dose = target_auc * (gfr_used_ml_min + CALVERT_NON_RENAL_ML_MIN);
    Some(Calvert {
        dose_mg: dose.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero),
        gfr_used_ml_min,
        gfr_capped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(units: i64, scale: u32) -> Decimal {
        Decimal::new(units, scale)
    }

    #[test]
    fn calvert_auc_5_gfr_100_is_625_mg() {
        // Calvert 1989: 5 × (100 + 25) = 625 mg.
        let dose = calvert_carboplatin(d(5, 0), d(100, 0)).unwrap();
        assert_eq!(dose, Calvert { dose_mg: d(625, 0), gfr_used_ml_min: d(100, 0), gfr_capped: false });
        // 5 × (90 + 25) = 575 mg; 4.5 × (61.3 + 25) = 388.35 → 388 mg.
        assert_eq!(calvert_carboplatin(d(5, 0), d(90, 0)).unwrap().dose_mg, d(575, 0));
        assert_eq!(calvert_carboplatin(d(45, 1), d(613, 1)).unwrap().dose_mg, d(388, 0));
        // Half a mg rounds up: 4.5 × (76 + 25) = 454.5 → 455 mg.
        assert_eq!(calvert_carboplatin(d(45, 1), d(76, 0)).unwrap().dose_mg, d(455, 0));
    }

    #[test]
    fn gfr_above_125_is_capped_so_auc_6_gives_at_most_900_mg() {
        // NCI CTEP 2010: maximum dose = target AUC × 150 mg, so AUC 6 → 900 mg, AUC 5 → 750 mg.
        let dose = calvert_carboplatin(d(6, 0), d(150, 0)).unwrap();
        assert_eq!(dose, Calvert { dose_mg: d(900, 0), gfr_used_ml_min: d(125, 0), gfr_capped: true });
        assert_eq!(calvert_carboplatin(d(5, 0), d(140, 0)).unwrap().dose_mg, d(750, 0));
        // Exactly 125 is used as given, not capped; 125.1 is capped.
        let at_cap = calvert_carboplatin(d(6, 0), d(125, 0)).unwrap();
        assert_eq!((at_cap.dose_mg, at_cap.gfr_capped), (d(900, 0), false));
        let over = calvert_carboplatin(d(6, 0), d(1251, 1)).unwrap();
        assert_eq!((over.dose_mg, over.gfr_used_ml_min, over.gfr_capped), (d(900, 0), d(125, 0), true));
    }

    #[test]
    fn non_positive_inputs_have_no_dose() {
        assert_eq!(calvert_carboplatin(Decimal::ZERO, d(100, 0)), None);
        assert_eq!(calvert_carboplatin(d(5, 0), Decimal::ZERO), None);
        assert_eq!(calvert_carboplatin(d(-5, 0), d(100, 0)), None);
        assert_eq!(calvert_carboplatin(d(5, 0), d(-10, 0)), None);
    }
}
