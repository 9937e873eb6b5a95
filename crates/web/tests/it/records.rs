//! A patient's sub-collections over the API: add and list each kind, change the versioned ones with If-Match, and
//! the validation of each.

use anyhow::Result;
use domain::role::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::spawn::TestApp;

use crate::helpers::*;

testkit::on_both_backends! {
    add_list_and_change_records => add_list_and_change_records;
}

async fn add_list_and_change_records(app: TestApp) -> Result<()> {
    let intake = app.token_for(Role::Intake).await?;
    let patient = create_patient(&app, &intake, "Records").await?;
    let base = format!("/api/v1/patients/{}", id_of(&patient));
    let now = chrono::Utc::now().to_rfc3339();
    let good: Vec<(&str, Value)> = vec![
        (
            "allergies",
            json!({"substance": "sulfamethoxazole", "drug_class": "sulfonamides", "reaction": "rash", "severity": "moderate"}),
        ),
        ("measurements", json!({"kind": "weight", "value": "72.5", "unit": "kg", "measured_at": now})),
        ("measurements", json!({"kind": "height", "value": 170, "unit": "cm", "measured_at": now})),
        ("labs", json!({"loinc": "2160-0", "value": "0.9", "unit": "mg/dL", "collected_at": now})),
        (
            "diagnoses",
            json!({"icd10": "M86.171", "description": "Other acute osteomyelitis, right ankle and foot", "primary": true}),
        ),
        (
            "coverages",
            json!({"payer_name": "Acme Health Plan", "member_id": "XK4471902", "priority": 1, "effective_from": "2026-01-01"}),
        ),
        (
            "access-devices",
            json!({"kind": "picc", "lumens": 2, "site": "right basilic vein", "inserted_on": "2026-11-01"}),
        ),
    ];
    for (collection, body) in &good {
        expect_status(post_json(&app, &intake, &format!("{base}/{collection}"), body).await?, StatusCode::CREATED)
            .await?;
    }
    let bad: Vec<(&str, Value, &str)> = vec![
        ("allergies", json!({"reaction": "hives"}), "substance"),
        ("allergies", json!({"drug_class": "penicilins"}), "drug_class"),
        ("measurements", json!({"kind": "weight", "value": "700", "unit": "kg", "measured_at": now}), "value"),
        ("measurements", json!({"kind": "weight", "value": "70", "unit": "cm", "measured_at": now}), "unit"),
        (
            "measurements",
            json!({"kind": "weight", "value": "70", "unit": "kg", "measured_at": "2999-01-01T00:00:00Z"}),
            "measured_at",
        ),
        ("labs", json!({"loinc": "2160-1", "value": "0.9", "unit": "mg/dL", "collected_at": now}), "loinc"),
        ("labs", json!({"loinc": "2160-0", "value": "0.9", "unit": "mmol/L", "collected_at": now}), "unit"),
        ("diagnoses", json!({"icd10": "U07.1"}), "icd10"),
        ("coverages", json!({"payer_name": "Acme", "member_id": "X 1", "effective_from": "2026-01-01"}), "member_id"),
        (
            "coverages",
            json!({"payer_name": "Acme", "member_id": "X1", "effective_from": "2026-02-01", "effective_to": "2026-01-01"}),
            "effective_to",
        ),
        (
            "access-devices",
            json!({"kind": "peripheral", "lumens": 2, "site": "left forearm", "inserted_on": "2026-11-01"}),
            "lumens",
        ),
        (
            "access-devices",
            json!({"kind": "picc", "site": "arm", "inserted_on": "2026-11-01", "removed_on": "2026-10-01"}),
            "removed_on",
        ),
        ("allergies", json!({"substance": "latex", "colour": "red"}), "colour"),
    ];
    for (collection, body, field) in bad {
        let problem = expect_status(
            post_json(&app, &intake, &format!("{base}/{collection}"), &body).await?,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await?;
        assert!(
            error_fields(&problem).contains(&field.to_owned()),
            "{collection} {body}: expected {field} in {problem}"
        );
    }
    for (collection, count) in
        [("allergies", 1), ("measurements", 2), ("labs", 1), ("diagnoses", 1), ("coverages", 1), ("access-devices", 1)]
    {
        let list = expect_status(get(&app, &intake, &format!("{base}/{collection}")).await?, StatusCode::OK).await?;
        assert_eq!(list["items"].as_array().map(Vec::len), Some(count), "{collection}: {list}");
    }
    let device =
        expect_status(get(&app, &intake, &format!("{base}/access-devices")).await?, StatusCode::OK).await?["items"][0]
            .clone();
    let device_path = format!("{base}/access-devices/{}", id_of(&device));
    let today = chrono::Utc::now().date_naive().to_string();
    let removed = expect_status(
        patch_json(&app, &intake, &device_path, Some(1), &json!({"removed_on": today})).await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!((removed["version"].as_i64(), removed["site"].as_str()), (Some(2), Some("right basilic vein")));
    expect_status(
        patch_json(&app, &intake, &device_path, Some(1), &json!({"site": "left"})).await?,
        StatusCode::PRECONDITION_FAILED,
    )
    .await?;
    expect_status(
        patch_json(&app, &intake, &device_path, None, &json!({"site": "left"})).await?,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await?;
    let other = create_patient(&app, &intake, "Other").await?;
    let wrong_owner = format!("/api/v1/patients/{}/access-devices/{}", id_of(&other), id_of(&device));
    expect_status(
        patch_json(&app, &intake, &wrong_owner, Some(2), &json!({"site": "x"})).await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    Ok(())
}
