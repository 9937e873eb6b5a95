//! Diagnoses coded in ICD-10-CM, one of them primary.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::{Icd10Code, optional_text};
use crate::patient::{non_empty, optional, parse_date};
use crate::{DiagnosisId, PatientId, Validation, ValidationErrors};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiagnosisInput {
    pub icd10: Option<String>,
    pub description: Option<String>,
    /// `true`/`false` (JSON) or `"on"` (an HTML checkbox).
    #[serde(default, deserialize_with = "bool_or_text")]
    pub primary: Option<String>,
    pub onset_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DiagnosisFields {
    pub icd10: Icd10Code,
    pub description: Option<String>,
    pub primary: bool,
    pub onset_date: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Diagnosis {
    pub id: DiagnosisId,
    pub patient_id: PatientId,
    #[serde(flatten)]
    pub fields: DiagnosisFields,
    pub recorded_at: DateTime<Utc>,
}

impl DiagnosisInput {
    pub fn validate(&self, today: NaiveDate) -> Result<DiagnosisFields, ValidationErrors> {
        let mut v = Validation::new();
        let icd10 = v.check("icd10", Icd10Code::parse(self.icd10.as_deref().unwrap_or_default()));
        let description = v.check("description", optional_text(self.description.as_deref(), 200));
        let primary = v.check(
            "primary",
            match non_empty(self.primary.as_deref()) {
                None | Some("false") => Ok(false),
                Some("true" | "on") => Ok(true),
                Some(_) => Err("must be true or false".into()),
            },
        );
        let onset_date = v.check(
            "onset_date",
            optional(self.onset_date.as_deref(), |text| {
                let date = parse_date(Some(text))?;
                if date > today { Err("must not be in the future".into()) } else { Ok(date) }
            }),
        );
        v.finish(|| {
            Some(DiagnosisFields {
                icd10: icd10?,
                description: description?,
                primary: primary?,
                onset_date: onset_date?,
            })
        })
    }
}

/// Deserialises a JSON boolean or text into text.
pub fn bool_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Flag(bool),
        Text(String),
    }
    Ok(Option::<Raw>::deserialize(d)?.map(|raw| match raw {
        Raw::Flag(flag) => flag.to_string(),
        Raw::Text(text) => text,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_flags() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let ok = DiagnosisInput { icd10: Some("g6181".into()), primary: Some("on".into()), ..Default::default() };
        let fields = ok.validate(today).unwrap();
        assert_eq!((fields.icd10.as_str(), fields.primary), ("G61.81", true));
        let bad = DiagnosisInput {
            icd10: Some("XYZ".into()),
            primary: Some("maybe".into()),
            onset_date: Some("2027-01-01".into()),
            ..Default::default()
        };
        let errors = bad.validate(today).unwrap_err();
        for field in ["icd10", "primary", "onset_date"] {
            assert!(errors.message_for(field).is_some(), "{field}");
        }
    }
}
