//! Insurance coverage: payer, member and group ids, priority (1 primary, 2 secondary, 3 tertiary) and the dates it
//! is in force.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::{clean_text, optional_text};
use crate::patient::{non_empty, optional, parse_date, string_or_number};
use crate::{CoverageId, PatientId, Validation, ValidationErrors};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoverageInput {
    pub payer_name: Option<String>,
    pub member_id: Option<String>,
    pub group_number: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub priority: Option<String>,
    pub effective_from: Option<String>,
    pub effective_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CoverageFields {
    pub payer_name: String,
    pub member_id: String,
    pub group_number: Option<String>,
    pub priority: u8,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    pub id: CoverageId,
    pub version: i64,
    pub patient_id: PatientId,
    #[serde(flatten)]
    pub fields: CoverageFields,
    pub recorded_at: DateTime<Utc>,
}

impl CoverageFields {
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.effective_from <= day && self.effective_to.is_none_or(|to| day <= to)
    }
}

impl CoverageInput {
    pub fn validate(&self) -> Result<CoverageFields, ValidationErrors> {
        let mut v = Validation::new();
        let payer_name = v.check("payer_name", clean_text(self.payer_name.as_deref().unwrap_or_default(), 100));
        let member_id = v.check("member_id", parse_identifier(self.member_id.as_deref()));
        let group_number = v.check("group_number", optional_text(self.group_number.as_deref(), 30));
        let priority = v.check(
            "priority",
            match non_empty(self.priority.as_deref()) {
                None => Ok(1),
                Some(text) => text
                    .parse::<u8>()
                    .ok()
                    .filter(|p| (1..=3).contains(p))
                    .ok_or_else(|| "must be 1 (primary), 2 (secondary) or 3 (tertiary)".to_owned()),
            },
        );
        let effective_from = v.check("effective_from", parse_date(self.effective_from.as_deref()));
        let effective_to = v.check("effective_to", optional(self.effective_to.as_deref(), |t| parse_date(Some(t))));
        if let (Some(from), Some(Some(to))) = (effective_from, effective_to)
            && to < from
        {
            v.error("effective_to", "must not be before effective_from");
        }
        v.finish(|| {
            Some(CoverageFields {
                payer_name: payer_name?,
                member_id: member_id?,
                group_number: group_number?,
                priority: priority?,
                effective_from: effective_from?,
                effective_to: effective_to?,
            })
        })
    }
}

impl Coverage {
    pub fn to_input(&self) -> CoverageInput {
        let f = &self.fields;
        CoverageInput {
            payer_name: Some(f.payer_name.clone()),
            member_id: Some(f.member_id.clone()),
            group_number: f.group_number.clone(),
            priority: Some(f.priority.to_string()),
            effective_from: Some(f.effective_from.to_string()),
            effective_to: f.effective_to.map(|d| d.to_string()),
        }
    }
}

/// A member id: 1–30 letters, digits or hyphens.
fn parse_identifier(text: Option<&str>) -> Result<String, String> {
    let id = clean_text(text.unwrap_or_default(), 30)?;
    if id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Ok(id)
    } else {
        Err("may contain only letters, digits and hyphens".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_and_dates() {
        let input = CoverageInput {
            payer_name: Some("Acme Health Plan".into()),
            member_id: Some("XK4471902".into()),
            priority: Some("4".into()),
            effective_from: Some("2026-01-01".into()),
            effective_to: Some("2025-12-31".into()),
            ..Default::default()
        };
        let errors = input.validate().unwrap_err();
        assert!(errors.message_for("priority").is_some());
        assert_eq!(errors.message_for("effective_to"), Some("must not be before effective_from"));
        let fields = CoverageInput { priority: None, effective_to: None, ..input }.validate().unwrap();
        assert_eq!(fields.priority, 1);
        assert!(fields.in_force_on(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()));
    }
}
