//! Body measurements over time (weight, height) with their units; the latest of each is derivable, and a dosing
//! weight is computed from them in `clinical`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::patient::{non_empty, parse_required_enum, string_or_number};
use crate::time::parse_past_instant;
use crate::{MeasurementId, PatientId, Validation, ValidationErrors};

crate::text_enum! {
    pub enum MeasurementKind { Weight => "weight", Height => "height" }
}

crate::text_enum! {
    /// UCUM units accepted for body measurements.
    pub enum MeasurementUnit { Kilogram => "kg", Gram => "g", Pound => "[lb_av]", Centimetre => "cm", Metre => "m", Inch => "[in_i]" }
}

impl MeasurementUnit {
    pub fn kind(self) -> MeasurementKind {
        match self {
            Self::Kilogram | Self::Gram | Self::Pound => MeasurementKind::Weight,
            Self::Centimetre | Self::Metre | Self::Inch => MeasurementKind::Height,
        }
    }

    /// Factor to the kind's base unit (kg for weight, cm for height). 1 lb = 0.45359237 kg and 1 in = 2.54 cm exactly
    /// (International yard and pound agreement, 1959).
    fn to_base(self) -> Decimal {
        match self {
            Self::Kilogram | Self::Centimetre => Decimal::ONE,
            Self::Gram => Decimal::new(1, 3),
            Self::Pound => Decimal::new(45_359_237, 8),
            Self::Metre => Decimal::ONE_HUNDRED,
            Self::Inch => Decimal::new(254, 2),
        }
    }
}

impl MeasurementKind {
    /// Plausible range in the base unit: weight 0.3–500 kg (a preterm neonate to the heaviest recorded), height
    /// 20–260 cm.
    fn plausible(self) -> (Decimal, Decimal, &'static str) {
        match self {
            Self::Weight => (Decimal::new(3, 1), Decimal::new(500, 0), "must be between 0.3 and 500 kg"),
            Self::Height => (Decimal::new(20, 0), Decimal::new(260, 0), "must be between 20 and 260 cm"),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasurementInput {
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub value: Option<String>,
    pub unit: Option<String>,
    pub measured_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MeasurementFields {
    pub kind: MeasurementKind,
    #[schema(value_type = String, example = "72.5")]
    pub value: Decimal,
    pub unit: MeasurementUnit,
    pub measured_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Measurement {
    pub id: MeasurementId,
    pub patient_id: PatientId,
    #[serde(flatten)]
    pub fields: MeasurementFields,
    pub recorded_at: DateTime<Utc>,
}

impl MeasurementFields {
    /// The value in kg (weight) or cm (height).
    pub fn in_base_unit(&self) -> Decimal {
        self.value * self.unit.to_base()
    }
}

impl MeasurementInput {
    pub fn validate(&self, zone: Tz, now: DateTime<Utc>) -> Result<MeasurementFields, ValidationErrors> {
        let mut v = Validation::new();
        let kind = v.check(
            "kind",
            parse_required_enum(self.kind.as_deref(), MeasurementKind::parse, MeasurementKind::expected),
        );
        let unit = v.check(
            "unit",
            parse_required_enum(self.unit.as_deref(), MeasurementUnit::parse, MeasurementUnit::expected),
        );
        let value = v.check("value", parse_positive_decimal(self.value.as_deref()));
        if let (Some(kind), Some(unit)) = (kind, unit) {
            if unit.kind() != kind {
                v.error("unit", format!("is not a unit of {kind}"));
            } else if let Some(value) = value {
                let (low, high, message) = kind.plausible();
                let base = value * unit.to_base();
                if base < low || base > high {
                    v.error("value", message);
                }
            }
        }
        let measured_at = v.check("measured_at", parse_past_instant(self.measured_at.as_deref(), zone, now));
        v.finish(|| Some(MeasurementFields { kind: kind?, value: value?, unit: unit?, measured_at: measured_at? }))
    }
}

/// A decimal number greater than zero, at most 6 decimal places.
pub fn parse_positive_decimal(text: Option<&str>) -> Result<Decimal, String> {
    let text = non_empty(text).ok_or("is required")?;
    let value: Decimal = text.parse().map_err(|_| "must be a decimal number such as 72.5".to_owned())?;
    if value <= Decimal::ZERO {
        return Err("must be greater than 0".into());
    }
    if value.scale() > 6 {
        return Err("must have at most 6 decimal places".into());
    }
    Ok(value.normalize())
}

/// The most recent measurement of a kind.
pub fn latest(measurements: &[Measurement], kind: MeasurementKind) -> Option<&Measurement> {
    measurements.iter().filter(|m| m.fields.kind == kind).max_by_key(|m| (m.fields.measured_at, m.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn input(kind: &str, value: &str, unit: &str) -> MeasurementInput {
        MeasurementInput {
            kind: Some(kind.into()),
            value: Some(value.into()),
            unit: Some(unit.into()),
            measured_at: Some("2026-11-20T09:00:00Z".into()),
        }
    }

    fn check(i: MeasurementInput) -> Result<MeasurementFields, ValidationErrors> {
        i.validate(chrono_tz::UTC, Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap())
    }

    #[test]
    fn pounds_convert_exactly_and_ranges_are_enforced() {
        let weight = check(input("weight", "154.32", "[lb_av]")).unwrap();
        assert_eq!(weight.in_base_unit().round_dp(3), Decimal::new(69_998, 3));
        assert_eq!(
            check(input("weight", "600", "kg")).unwrap_err().message_for("value"),
            Some("must be between 0.3 and 500 kg")
        );
        assert_eq!(
            check(input("height", "70", "kg")).unwrap_err().message_for("unit"),
            Some("is not a unit of height")
        );
        assert_eq!(
            check(input("height", "-1", "cm")).unwrap_err().message_for("value"),
            Some("must be greater than 0")
        );
        assert_eq!(check(input("height", "1.72", "m")).unwrap().in_base_unit(), Decimal::new(172, 0));
    }
}
