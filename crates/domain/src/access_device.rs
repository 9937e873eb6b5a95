//! Vascular access devices: kind, lumens, site, insertion and removal dates. Central lines (PICC, port, tunneled
//! CVC) matter for concentration limits and line-infection (CLABSI) outcomes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::clean_text;
use crate::patient::{non_empty, optional, parse_date, parse_required_enum, string_or_number};
use crate::{AccessDeviceId, PatientId, Validation, ValidationErrors};

crate::text_enum! {
    pub enum AccessDeviceKind {
        Picc => "picc",
        Port => "port",
        TunneledCvc => "tunneled_cvc",
        Midline => "midline",
        Peripheral => "peripheral",
    }
}

impl AccessDeviceKind {
    /// Whether the tip lies in a central vein (CDC/NHSN central line definition).
    pub fn is_central(self) -> bool {
        matches!(self, Self::Picc | Self::Port | Self::TunneledCvc)
    }

    /// Most lumens made for this kind of device (INS Infusion Therapy Standards of Practice, 9th ed., 2024).
    pub fn max_lumens(self) -> u8 {
        match self {
            Self::Picc | Self::TunneledCvc => 3,
            Self::Port | Self::Midline => 2,
            Self::Peripheral => 1,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Picc => "PICC",
            Self::Port => "Implanted port",
            Self::TunneledCvc => "Tunneled CVC",
            Self::Midline => "Midline",
            Self::Peripheral => "Peripheral IV",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessDeviceInput {
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub lumens: Option<String>,
    pub site: Option<String>,
    pub inserted_on: Option<String>,
    pub removed_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AccessDeviceFields {
    pub kind: AccessDeviceKind,
    pub lumens: u8,
    pub site: String,
    pub inserted_on: NaiveDate,
    pub removed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AccessDevice {
    pub id: AccessDeviceId,
    pub version: i64,
    pub patient_id: PatientId,
    #[serde(flatten)]
    pub fields: AccessDeviceFields,
    pub recorded_at: DateTime<Utc>,
}

impl AccessDeviceInput {
    pub fn validate(&self, today: NaiveDate) -> Result<AccessDeviceFields, ValidationErrors> {
        let mut v = Validation::new();
        let kind = v.check(
            "kind",
            parse_required_enum(self.kind.as_deref(), AccessDeviceKind::parse, AccessDeviceKind::expected),
        );
        let lumens = v.check(
            "lumens",
            match non_empty(self.lumens.as_deref()) {
                None => Ok(1),
                Some(text) => text
                    .parse::<u8>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| "must be a whole number of at least 1".to_owned()),
            },
        );
        if let (Some(kind), Some(lumens)) = (kind, lumens)
            && lumens > kind.max_lumens()
        {
            v.error("lumens", format!("must be at most {} for a {}", kind.max_lumens(), kind.label()));
        }
        let site = v.check("site", clean_text(self.site.as_deref().unwrap_or_default(), 100));
        let inserted_on = v.check("inserted_on", not_after(parse_date(self.inserted_on.as_deref()), today));
        let removed_on =
            v.check("removed_on", optional(self.removed_on.as_deref(), |t| not_after(parse_date(Some(t)), today)));
        if let (Some(inserted), Some(Some(removed))) = (inserted_on, removed_on)
            && removed < inserted
        {
            v.error("removed_on", "must not be before inserted_on");
        }
        v.finish(|| {
            Some(AccessDeviceFields {
                kind: kind?,
                lumens: lumens?,
                site: site?,
                inserted_on: inserted_on?,
                removed_on: removed_on?,
            })
        })
    }
}

impl AccessDevice {
    pub fn to_input(&self) -> AccessDeviceInput {
        let f = &self.fields;
        AccessDeviceInput {
            kind: Some(f.kind.to_string()),
            lumens: Some(f.lumens.to_string()),
            site: Some(f.site.clone()),
            inserted_on: Some(f.inserted_on.to_string()),
            removed_on: f.removed_on.map(|d| d.to_string()),
        }
    }
}

fn not_after(date: Result<NaiveDate, String>, today: NaiveDate) -> Result<NaiveDate, String> {
    date.and_then(|d| if d > today { Err("must not be in the future".into()) } else { Ok(d) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lumens_by_kind_and_removal_after_insertion() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let input = AccessDeviceInput {
            kind: Some("peripheral".into()),
            lumens: Some("2".into()),
            site: Some("left forearm".into()),
            inserted_on: Some("2026-11-10".into()),
            removed_on: Some("2026-11-01".into()),
        };
        let errors = input.validate(today).unwrap_err();
        assert_eq!(errors.message_for("lumens"), Some("must be at most 1 for a Peripheral IV"));
        assert_eq!(errors.message_for("removed_on"), Some("must not be before inserted_on"));
        let picc = AccessDeviceInput { kind: Some("picc".into()), removed_on: None, ..input }.validate(today).unwrap();
        assert!(picc.kind.is_central());
    }
}
