use super::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn valid_input() -> PatientInput {
    PatientInput {
        mrn: Some("h0000123".into()),
        given_name: Some("Ada".into()),
        family_name: Some("Quill".into()),
        birth_date: Some("1961-04-12".into()),
        sex: Some("female".into()),
        ..Default::default()
    }
}

#[test]
fn minimal_patient_gets_defaults() {
    let fields = valid_input().validate(today()).unwrap();
    assert_eq!(fields.mrn.as_str(), "H0000123");
    assert_eq!(fields.language.as_str(), "en");
    assert_eq!(fields.status, PatientStatus::Referral);
    assert_eq!(fields.site_of_care, SiteOfCare::Home);
    assert_eq!(fields.address, None);
}

#[test]
fn every_broken_rule_is_reported_at_once_with_its_field() {
    let input = PatientInput {
        mrn: Some("bad mrn".into()),
        given_name: Some(" ".into()),
        birth_date: Some("2027-01-01".into()),
        sex: Some("f".into()),
        email: Some("nope".into()),
        city: Some("Columbus".into()),
        latitude: Some("91".into()),
        ..Default::default()
    };
    let errors = input.validate(today()).unwrap_err();
    for field in ["mrn", "given_name", "family_name", "birth_date", "sex", "email", "address_line1", "latitude"] {
        assert!(errors.message_for(field).is_some(), "expected an error for {field}: {errors}");
    }
    assert_eq!(errors.message_for("birth_date"), Some("must not be in the future"));
    assert_eq!(errors.message_for("longitude"), Some("is required when latitude is given"));
}

#[test]
fn birth_date_limits() {
    let mut input = valid_input();
    input.birth_date = Some("12/04/1961".into());
    assert_eq!(
        input.validate(today()).unwrap_err().message_for("birth_date"),
        Some("must be a date in the form YYYY-MM-DD")
    );
    input.birth_date = Some("1890-01-01".into());
    assert!(input.validate(today()).is_err());
    input.birth_date = Some("2026-11-23".into());
    assert!(input.validate(today()).is_ok(), "born today is allowed");
}

#[test]
fn to_input_round_trips_a_full_patient() {
    let mut input = valid_input();
    input.address_line1 = Some("12 Elm St".into());
    input.city = Some("Columbus".into());
    input.region = Some("OH".into());
    input.postal_code = Some("43215".into());
    input.country = Some("us".into());
    input.latitude = Some("39.9612".into());
    input.longitude = Some("-82.9988".into());
    input.emergency_contact_name = Some("Bo Quill".into());
    input.phone = Some("+1 614-555-0147".into());
    let fields = input.validate(today()).unwrap();
    let patient = Patient {
        id: PatientId::new(),
        version: 1,
        branch_id: BranchId::new(),
        branch_code: "HIP".into(),
        fields: fields.clone(),
        possible_duplicate_of: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    };
    assert_eq!(patient.to_input().validate(today()).unwrap(), fields);
    assert_eq!(patient.display_name(), "Quill, Ada");
    assert_eq!(patient.age_on(today()), 65);
}

#[test]
fn json_input_refuses_unknown_fields_and_accepts_numeric_coordinates() {
    let err = serde_json::from_str::<PatientInput>(r#"{"mrn":"A1","nickname":"x"}"#).unwrap_err();
    assert!(err.to_string().contains("unknown field `nickname`"), "{err}");
    let input: PatientInput = serde_json::from_str(r#"{"latitude": 39.5, "longitude": "-82.1"}"#).unwrap();
    assert_eq!(input.latitude.as_deref(), Some("39.5"));
}
