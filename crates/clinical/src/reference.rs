//! The reviewed reference data under `data/`, compiled into the binary: the formulary (one file per therapy class)
//! and the curated drug–drug interaction table. `openinfusion migrate` seeds the database from these; the tests here
//! hold every entry to the rules of `FormularyEntry::validate` and the coverage the product promises.

use domain::formulary::{FormularyEntry, FormularyFile, Interaction, InteractionFile};

/// The formulary data files, by name, as compiled in.
pub const FORMULARY_FILES: &[(&str, &str)] = &[
    ("anti_infectives.toml", include_str!("../../../data/formulary/anti_infectives.toml")),
    ("chemotherapy.toml", include_str!("../../../data/formulary/chemotherapy.toml")),
    ("immune_therapy.toml", include_str!("../../../data/formulary/immune_therapy.toml")),
    ("pain_management.toml", include_str!("../../../data/formulary/pain_management.toml")),
    ("parenteral_nutrition.toml", include_str!("../../../data/formulary/parenteral_nutrition.toml")),
    ("enteral_nutrition.toml", include_str!("../../../data/formulary/enteral_nutrition.toml")),
    ("hydration_and_flushes.toml", include_str!("../../../data/formulary/hydration_and_flushes.toml")),
    ("inotropes.toml", include_str!("../../../data/formulary/inotropes.toml")),
];

pub const INTERACTIONS_FILE: &str = include_str!("../../../data/interactions.toml");

#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: entry {code}: {message}")]
    Invalid { file: String, code: String, message: String },
    #[error("formulary code {0} appears more than once")]
    Duplicate(String),
}

/// Parses one formulary file and validates each entry.
pub fn parse_formulary_file(file: &str, text: &str) -> Result<Vec<FormularyEntry>, ReferenceError> {
    let parsed: FormularyFile =
        toml::from_str(text).map_err(|e| ReferenceError::Parse { file: file.to_owned(), message: e.to_string() })?;
    for entry in &parsed.entry {
        entry.validate().map_err(|e| ReferenceError::Invalid {
            file: file.to_owned(),
            code: entry.code.clone(),
            message: e.to_string(),
        })?;
    }
    Ok(parsed.entry)
}

/// Every formulary entry of the compiled-in data files, codes unique.
pub fn formulary() -> Result<Vec<FormularyEntry>, ReferenceError> {
    let mut entries = Vec::new();
    for (file, text) in FORMULARY_FILES {
        entries.extend(parse_formulary_file(file, text)?);
    }
    let mut codes: Vec<&str> = entries.iter().map(|e| e.code.as_str()).collect();
    codes.sort_unstable();
    if let Some(pair) = codes.windows(2).find(|w| w[0] == w[1]) {
        return Err(ReferenceError::Duplicate(pair[0].to_owned()));
    }
    Ok(entries)
}

/// The curated interaction table.
pub fn interactions() -> Result<Vec<Interaction>, ReferenceError> {
    let parsed: InteractionFile = toml::from_str(INTERACTIONS_FILE)
        .map_err(|e| ReferenceError::Parse { file: "interactions.toml".into(), message: e.to_string() })?;
    for (i, interaction) in parsed.interaction.iter().enumerate() {
        let bad = |message: &str| ReferenceError::Invalid {
            file: "interactions.toml".into(),
            code: format!("interaction[{i}]"),
            message: message.to_owned(),
        };
        if interaction.left.is_empty() || interaction.right.is_empty() {
            return Err(bad("left and right need at least one ingredient or class"));
        }
        for selector in interaction.left.iter().chain(&interaction.right) {
            if let Some(class) = selector.strip_prefix("class:")
                && domain::allergy::DrugClass::parse(class).is_none()
            {
                return Err(bad(&format!("unknown drug class {class}")));
            }
        }
        if interaction.source.trim().len() < 5 {
            return Err(bad("must cite its source"));
        }
    }
    Ok(parsed.interaction)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::formulary::TherapyClass;

    #[test]
    fn every_data_file_parses_and_every_entry_validates() {
        let entries = formulary().unwrap();
        assert!(entries.len() >= 80, "the formulary has {} entries, at least 80 are promised", entries.len());
    }

    #[test]
    fn every_therapy_class_is_covered() {
        let entries = formulary().unwrap();
        for class in TherapyClass::ALL {
            assert!(entries.iter().any(|e| e.therapy_class == *class), "no entry of {class}");
        }
    }

    #[test]
    fn the_drugs_the_issue_names_are_present() {
        let entries = formulary().unwrap();
        let codes: Vec<&str> = entries.iter().map(|e| e.code.as_str()).collect();
        for code in [
            "vancomycin",
            "cefazolin",
            "ceftriaxone",
            "cefepime",
            "piperacillin-tazobactam",
            "meropenem",
            "ertapenem",
            "daptomycin",
            "gentamicin",
            "tobramycin",
            "amikacin",
            "acyclovir",
            "ganciclovir",
            "micafungin",
            "amphotericin-b-liposomal",
            "fluconazole",
            "immune-globulin-gammagard-liquid",
            "immune-globulin-privigen",
            "immune-globulin-octagam-10",
            "immune-globulin-gamunex-c",
            "immune-globulin-hizentra",
            "infliximab",
            "ocrelizumab",
            "natalizumab",
            "vedolizumab",
            "doxorubicin",
            "cyclophosphamide",
            "carboplatin",
            "cisplatin",
            "paclitaxel",
            "vincristine",
            "fluorouracil",
            "methotrexate",
            "morphine",
            "hydromorphone",
            "fentanyl",
            "milrinone",
            "dobutamine",
            "heparin",
            "sodium-chloride-0-9-flush",
        ] {
            assert!(codes.contains(&code), "formulary lacks {code}");
        }
    }

    #[test]
    fn the_interaction_table_parses_and_cites_its_sources() {
        let table = interactions().unwrap();
        assert!(table.len() >= 15, "{} interactions", table.len());
    }
}
