//! Allergies and intolerances: to a substance, to a drug class (for cross-sensitivity checks), or both.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::optional_text;
use crate::patient::parse_enum_or;
use crate::{AllergyId, PatientId, Validation, ValidationErrors};

crate::text_enum! {
    pub enum AllergySeverity { Mild => "mild", Moderate => "moderate", Severe => "severe", Unknown => "unknown" }
}

crate::text_enum! {
    pub enum AllergyKind { Allergy => "allergy", Intolerance => "intolerance" }
}

crate::text_enum! {
    pub enum AllergyStatus { Active => "active", Inactive => "inactive", Resolved => "resolved" }
}

crate::text_enum! {
    /// Drug classes the allergy and duplicate-therapy checks reason with.
    pub enum DrugClass {
        Penicillins => "penicillins",
        Cephalosporins => "cephalosporins",
        Carbapenems => "carbapenems",
        Monobactams => "monobactams",
        Aminoglycosides => "aminoglycosides",
        Glycopeptides => "glycopeptides",
        Lipopeptides => "lipopeptides",
        Fluoroquinolones => "fluoroquinolones",
        Macrolides => "macrolides",
        Tetracyclines => "tetracyclines",
        Sulfonamides => "sulfonamides",
        Lincosamides => "lincosamides",
        Oxazolidinones => "oxazolidinones",
        AzoleAntifungals => "azole_antifungals",
        Echinocandins => "echinocandins",
        Polyenes => "polyenes",
        NucleosideAntivirals => "nucleoside_antivirals",
        Opioids => "opioids",
        Nsaids => "nsaids",
        Heparins => "heparins",
        ImmuneGlobulins => "immune_globulins",
        MonoclonalAntibodies => "monoclonal_antibodies",
        PlatinumCompounds => "platinum_compounds",
        Taxanes => "taxanes",
        Anthracyclines => "anthracyclines",
        IodinatedContrast => "iodinated_contrast",
        LipidEmulsions => "lipid_emulsions",
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllergyInput {
    pub substance: Option<String>,
    pub drug_class: Option<String>,
    pub reaction: Option<String>,
    pub severity: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AllergyFields {
    pub substance: Option<String>,
    pub drug_class: Option<DrugClass>,
    pub reaction: Option<String>,
    pub severity: AllergySeverity,
    pub kind: AllergyKind,
    pub status: AllergyStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Allergy {
    pub id: AllergyId,
    pub version: i64,
    pub patient_id: PatientId,
    #[serde(flatten)]
    pub fields: AllergyFields,
    pub recorded_at: DateTime<Utc>,
}

impl AllergyInput {
    pub fn validate(&self) -> Result<AllergyFields, ValidationErrors> {
        let mut v = Validation::new();
        let substance =
            v.check("substance", optional_text(self.substance.as_deref(), 100).map(|s| s.map(|s| s.to_lowercase())));
        let drug_class = v.check(
            "drug_class",
            crate::patient::optional(self.drug_class.as_deref(), |text| {
                DrugClass::parse(text).ok_or_else(|| format!("must be one of {}", DrugClass::expected()))
            }),
        );
        if matches!((&substance, &drug_class), (Some(None), Some(None))) {
            v.error("substance", "give a substance, a drug class, or both");
        }
        let reaction = v.check("reaction", optional_text(self.reaction.as_deref(), 200));
        let severity = v.check(
            "severity",
            parse_enum_or(
                self.severity.as_deref(),
                AllergySeverity::Unknown,
                AllergySeverity::parse,
                AllergySeverity::expected,
            ),
        );
        let kind = v.check(
            "kind",
            parse_enum_or(self.kind.as_deref(), AllergyKind::Allergy, AllergyKind::parse, AllergyKind::expected),
        );
        let status = v.check(
            "status",
            parse_enum_or(self.status.as_deref(), AllergyStatus::Active, AllergyStatus::parse, AllergyStatus::expected),
        );
        v.finish(|| {
            Some(AllergyFields {
                substance: substance?,
                drug_class: drug_class?,
                reaction: reaction?,
                severity: severity?,
                kind: kind?,
                status: status?,
            })
        })
    }
}

impl Allergy {
    pub fn to_input(&self) -> AllergyInput {
        let f = &self.fields;
        AllergyInput {
            substance: f.substance.clone(),
            drug_class: f.drug_class.map(|c| c.to_string()),
            reaction: f.reaction.clone(),
            severity: Some(f.severity.to_string()),
            kind: Some(f.kind.to_string()),
            status: Some(f.status.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substance_or_class_is_required_and_class_comes_from_the_vocabulary() {
        let empty = AllergyInput::default().validate().unwrap_err();
        assert_eq!(empty.message_for("substance"), Some("give a substance, a drug class, or both"));
        let bad_class = AllergyInput { drug_class: Some("penicilins".into()), ..Default::default() };
        assert!(bad_class.validate().unwrap_err().message_for("drug_class").unwrap().contains("\"penicillins\""));
        let ok = AllergyInput {
            substance: Some("Penicillin G".into()),
            drug_class: Some("penicillins".into()),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(ok.substance.as_deref(), Some("penicillin g"));
        assert_eq!(
            (ok.severity, ok.kind, ok.status),
            (AllergySeverity::Unknown, AllergyKind::Allergy, AllergyStatus::Active)
        );
    }
}
