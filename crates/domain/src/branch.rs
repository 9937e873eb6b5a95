//! Branches: the organisation's sites (a home-infusion pharmacy, an ambulatory infusion centre, …), each with an
//! IANA time zone in which its times are shown and its days begin.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::codes::clean_text;
use crate::patient::{non_empty, parse_required_enum};
use crate::{BranchId, Validation, ValidationErrors};

crate::text_enum! {
    pub enum BranchKind {
        HomeInfusionPharmacy => "home_infusion_pharmacy",
        AmbulatoryInfusionCentre => "ambulatory_infusion_centre",
        AmbulatorySurgicalCentre => "ambulatory_surgical_centre",
        HospitalClinic => "hospital_clinic",
    }
}

impl BranchKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::HomeInfusionPharmacy => "Home infusion pharmacy",
            Self::AmbulatoryInfusionCentre => "Ambulatory infusion centre",
            Self::AmbulatorySurgicalCentre => "Ambulatory surgical centre",
            Self::HospitalClinic => "Hospital clinic",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Branch {
    pub id: BranchId,
    pub version: i64,
    pub code: String,
    pub name: String,
    pub kind: BranchKind,
    #[schema(value_type = String, example = "America/New_York")]
    pub time_zone: Tz,
    pub is_main: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BranchInput {
    pub code: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BranchFields {
    pub code: String,
    pub name: String,
    pub kind: BranchKind,
    pub time_zone: Tz,
}

impl BranchInput {
    pub fn validate(&self) -> Result<BranchFields, ValidationErrors> {
        let mut v = Validation::new();
        let code = v.check("code", parse_branch_code(self.code.as_deref()));
        let name = v.check("name", clean_text(self.name.as_deref().unwrap_or_default(), 100));
        let kind = v.check("kind", parse_required_enum(self.kind.as_deref(), BranchKind::parse, BranchKind::expected));
        let time_zone = v.check("time_zone", parse_time_zone(self.time_zone.as_deref()));
        v.finish(|| Some(BranchFields { code: code?, name: name?, kind: kind?, time_zone: time_zone? }))
    }
}

impl Branch {
    pub fn to_input(&self) -> BranchInput {
        BranchInput {
            code: Some(self.code.clone()),
            name: Some(self.name.clone()),
            kind: Some(self.kind.to_string()),
            time_zone: Some(self.time_zone.name().to_owned()),
        }
    }
}

/// 2–10 upper-case letters or digits, e.g. `HIP`.
pub fn parse_branch_code(text: Option<&str>) -> Result<String, String> {
    let code = non_empty(text).ok_or("is required")?.to_ascii_uppercase();
    if (2..=10).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(code)
    } else {
        Err("must be 2–10 letters or digits, e.g. HIP".into())
    }
}

/// An IANA time zone name such as `America/New_York` or `Australia/Sydney`.
pub fn parse_time_zone(text: Option<&str>) -> Result<Tz, String> {
    let name = non_empty(text).ok_or("is required")?;
    name.parse().map_err(|_| "must be an IANA time zone such as America/New_York".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_zones() {
        let input = BranchInput {
            code: Some("hip".into()),
            name: Some("Columbus Home Infusion".into()),
            kind: Some("home_infusion_pharmacy".into()),
            time_zone: Some("America/New_York".into()),
        };
        let fields = input.validate().unwrap();
        assert_eq!(fields.code, "HIP");
        assert_eq!(fields.time_zone, chrono_tz::America::New_York);
        let bad = BranchInput { code: Some("H".into()), time_zone: Some("Mars/Olympus".into()), ..input };
        let errors = bad.validate().unwrap_err();
        assert!(errors.message_for("code").is_some() && errors.message_for("time_zone").is_some());
    }
}
