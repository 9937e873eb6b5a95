//! Body surface area (m²) from height and weight: Mosteller and Du Bois. Chemotherapy doses per m² start here.

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};

/// Mosteller body surface area, m² = √(height cm × weight kg / 3600), rounded half away from zero to 2 dp
/// (Mosteller RD. Simplified calculation of body-surface area. N Engl J Med 1987;317:1098). `None` unless both
/// measurements are positive.
pub fn mosteller_m2(height_cm: Decimal, weight_kg: Decimal) -> Option<Decimal> {
    let (cm, kg) = positive_f64(height_cm, weight_kg)?;
    to_m2((cm * kg / 3600.0).sqrt())
}

/// Du Bois body surface area, m² = 0.007184 × height cm^0.725 × weight kg^0.425, rounded half away from zero to 2 dp
/// (Du Bois D, Du Bois EF. A formula to estimate the approximate surface area if height and weight be known. Arch
/// Intern Med 1916;17:863–871). `None` unless both measurements are positive.
pub fn dubois_m2(height_cm: Decimal, weight_kg: Decimal) -> Option<Decimal> {
    let (cm, kg) = positive_f64(height_cm, weight_kg)?;
    to_m2(0.007184 * cm.powf(0.725) * kg.powf(0.425))
}

fn positive_f64(height_cm: Decimal, weight_kg: Decimal) -> Option<(f64, f64)> {
    if height_cm <= Decimal::ZERO || weight_kg <= Decimal::ZERO {
        return None;
    }
    Some((height_cm.to_f64()?, weight_kg.to_f64()?))
}

fn to_m2(value: f64) -> Option<Decimal> {
    Decimal::from_f64(value).map(|m2| m2.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(units: i64, scale: u32) -> Decimal {
        Decimal::new(units, scale)
    }

    #[test]
    fn mosteller_170_cm_70_kg_is_1_82() {
        // Mosteller 1987: √(170 × 70 / 3600) = √3.3056 = 1.8181 → 1.82 m².
        assert_eq!(mosteller_m2(d(170, 0), d(70, 0)), Some(d(182, 2)));
        // √(180 × 81 / 3600) = √4.05 = 2.0125 → 2.01 m²; √(160 × 90 / 3600) = √4 = 2.00 exactly.
        assert_eq!(mosteller_m2(d(180, 0), d(81, 0)), Some(d(201, 2)));
        assert_eq!(mosteller_m2(d(160, 0), d(90, 0)), Some(d(200, 2)));
    }

    #[test]
    fn dubois_170_cm_70_kg_is_1_81() {
        // Du Bois 1916: 0.007184 × 170^0.725 × 70^0.425 = 0.007184 × 41.41 × 6.084 = 1.8097 → 1.81 m².
        assert_eq!(dubois_m2(d(170, 0), d(70, 0)), Some(d(181, 2)));
        // A 150 cm, 50 kg adult: 0.007184 × 37.82 × 5.273 = 1.4325 → 1.43 m² (Mosteller gives √2.0833 = 1.4434 → 1.44).
        assert_eq!(dubois_m2(d(150, 0), d(50, 0)), Some(d(143, 2)));
        assert_eq!(mosteller_m2(d(150, 0), d(50, 0)), Some(d(144, 2)));
    }

    #[test]
    fn non_positive_measurements_have_no_area() {
        assert_eq!(mosteller_m2(Decimal::ZERO, d(70, 0)), None);
        assert_eq!(mosteller_m2(d(170, 0), d(-1, 0)), None);
        assert_eq!(dubois_m2(d(170, 0), Decimal::ZERO), None);
        assert_eq!(dubois_m2(d(-170, 0), d(70, 0)), None);
    }
}
