//! Patients over the JSON API: create, read, change with If-Match, search with cursors, and every validation rule.

use anyhow::Result;
use domain::role::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::spawn::TestApp;

use crate::helpers::*;

testkit::on_both_backends! {
    crud_with_versions => crud_with_versions;
    every_field_rule_is_a_422_naming_the_field => every_field_rule_is_a_422_naming_the_field;
    bad_bodies_get_problem_json => bad_bodies_get_problem_json;
    search_by_name_or_mrn_with_cursors => search_by_name_or_mrn_with_cursors;
    duplicates_are_flagged_and_mrn_is_unique => duplicates_are_flagged_and_mrn_is_unique;
}

async fn crud_with_versions(app: TestApp) -> Result<()> {
    let token = app.token_for(Role::Intake).await?;
    let response = post_json(&app, &token, "/api/v1/patients", &patient_body("Quill")).await?;
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let created = expect_status(response, StatusCode::CREATED).await?;
    let id = id_of(&created);
    assert_eq!(location.as_deref(), Some(format!("/api/v1/patients/{id}").as_str()));
    assert_eq!(created["version"], 1);
    assert_eq!(created["branch_code"], "MAIN");
    assert_eq!(created["status"], "referral", "default status");

    let response = get(&app, &token, &format!("/api/v1/patients/{id}")).await?;
    assert_eq!(response.headers().get("etag").and_then(|v| v.to_str().ok()), Some("\"1\""));
    let read = expect_status(response, StatusCode::OK).await?;
    assert_eq!(read["family_name"], "Quill");
    assert_eq!(read["coordinates"]["latitude"], 39.9612);

    let path = format!("/api/v1/patients/{id}");
    let missing = patch_json(&app, &token, &path, None, &json!({"status": "active"})).await?;
    let problem = expect_status(missing, StatusCode::PRECONDITION_REQUIRED).await?;
    assert_eq!(error_fields(&problem), vec!["If-Match"]);

    let changed = expect_status(
        patch_json(&app, &token, &path, Some(1), &json!({"status": "active", "phone": "+1 614-555-0100"})).await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!((changed["version"].as_i64(), changed["status"].as_str()), (Some(2), Some("active")));
    assert_eq!(changed["family_name"], "Quill", "fields not named in the patch are kept");

    let stale = patch_json(&app, &token, &path, Some(1), &json!({"status": "on_hold"})).await?;
    expect_status(stale, StatusCode::PRECONDITION_FAILED).await?;
    let cleared =
        expect_status(patch_json(&app, &token, &path, Some(2), &json!({"phone": null})).await?, StatusCode::OK).await?;
    assert_eq!(cleared["phone"], Value::Null, "null clears a field");

    let unknown = format!("/api/v1/patients/{}", uuid::Uuid::now_v7());
    expect_status(get(&app, &token, &unknown).await?, StatusCode::NOT_FOUND).await?;
    expect_status(get(&app, &token, "/api/v1/patients/not-a-uuid").await?, StatusCode::NOT_FOUND).await?;
    expect_status(
        patch_json(&app, &token, &unknown, Some(1), &json!({"status": "active"})).await?,
        StatusCode::NOT_FOUND,
    )
    .await?;
    Ok(())
}

async fn every_field_rule_is_a_422_naming_the_field(app: TestApp) -> Result<()> {
    let token = app.token_for(Role::Intake).await?;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2)).date_naive().to_string();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("mrn", json!(""), "is required"),
        ("mrn", json!("A 1"), "only letters, digits and hyphens"),
        ("mrn", json!("X".repeat(21)), "at most 20"),
        ("given_name", json!(" "), "is required"),
        ("given_name", json!("x".repeat(101)), "at most 100"),
        ("family_name", json!("bad\u{0007}"), "control characters"),
        ("middle_name", json!("m".repeat(101)), "at most 100"),
        ("birth_date", json!("12/04/1961"), "YYYY-MM-DD"),
        ("birth_date", json!(tomorrow), "future"),
        ("birth_date", json!("1850-01-01"), "within the last 130 years"),
        ("sex", json!("f"), "must be one of"),
        ("language", json!("english"), "BCP 47"),
        ("phone", json!("12345"), "between 7 and 15 digits"),
        ("phone", json!("call me"), "only digits"),
        ("email", json!("not-an-email"), "e-mail address"),
        ("postal_code", json!("43#15"), "letters, digits, spaces or hyphens"),
        ("country", json!("USA"), "two-letter"),
        ("latitude", json!(91), "between -90 and 90"),
        ("longitude", json!("east"), "decimal degrees"),
        ("status", json!("alive"), "must be one of"),
        ("site_of_care", json!("garage"), "must be one of"),
        ("branch_code", json!("NOPE"), "names no branch"),
        ("emergency_contact_phone", json!("1"), "between 7 and 15 digits"),
    ];
    for (field, value, expected) in cases {
        let mut body = patient_body("Rules");
        body[field] = value.clone();
        let problem =
            expect_status(post_json(&app, &token, "/api/v1/patients", &body).await?, StatusCode::UNPROCESSABLE_ENTITY)
                .await?;
        let message = problem["errors"]
            .as_array()
            .and_then(|e| e.iter().find(|x| x["field"] == field))
            .and_then(|x| x["message"].as_str())
            .unwrap_or_default()
            .to_owned();
        assert!(
            message.contains(expected),
            "{field}={value}: expected a message containing {expected:?}, got {problem}"
        );
    }
    // Cross-field rules: a partial address, a latitude without longitude, a contact phone without a name.
    let mut body = patient_body("Rules");
    body["city"] = Value::Null;
    body["longitude"] = Value::Null;
    body["emergency_contact_phone"] = json!("+1 614-555-0101");
    let problem =
        expect_status(post_json(&app, &token, "/api/v1/patients", &body).await?, StatusCode::UNPROCESSABLE_ENTITY)
            .await?;
    let fields = error_fields(&problem);
    for field in ["city", "longitude", "emergency_contact_name"] {
        assert!(fields.contains(&field.to_owned()), "{field} missing in {problem}");
    }
    // Nothing was written by any refused request.
    let list = expect_status(get(&app, &token, "/api/v1/patients?q=rules").await?, StatusCode::OK).await?;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0));
    Ok(())
}

async fn bad_bodies_get_problem_json(app: TestApp) -> Result<()> {
    let token = app.token_for(Role::Intake).await?;
    let url = app.url("/api/v1/patients");
    let malformed = app
        .client
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"mrn\": ")
        .send()
        .await?;
    assert_eq!(malformed.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    expect_status(malformed, StatusCode::BAD_REQUEST).await?;

    let mut body = patient_body("Unknown");
    body["favourite_colour"] = json!("blue");
    let problem =
        expect_status(post_json(&app, &token, "/api/v1/patients", &body).await?, StatusCode::UNPROCESSABLE_ENTITY)
            .await?;
    assert_eq!(error_fields(&problem), vec!["favourite_colour"]);

    let wrong_type = expect_status(
        post_json(&app, &token, "/api/v1/patients", &json!({"mrn": 5})).await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert_eq!(error_fields(&wrong_type), vec!["mrn"]);

    let huge = json!({"mrn": "A1", "given_name": "x".repeat(1_100_000)});
    let response = app.client.post(&url).bearer_auth(&token).json(&huge).send().await?;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));

    let not_json = app.client.post(&url).bearer_auth(&token).body("mrn=A1").send().await?;
    expect_status(not_json, StatusCode::UNSUPPORTED_MEDIA_TYPE).await?;
    let bad_limit =
        expect_status(get(&app, &token, "/api/v1/patients?limit=many").await?, StatusCode::UNPROCESSABLE_ENTITY)
            .await?;
    assert_eq!(error_fields(&bad_limit), vec!["limit"]);
    let bad_cursor =
        expect_status(get(&app, &token, "/api/v1/patients?cursor=zzz").await?, StatusCode::UNPROCESSABLE_ENTITY)
            .await?;
    assert_eq!(error_fields(&bad_cursor), vec!["cursor"]);
    Ok(())
}

async fn search_by_name_or_mrn_with_cursors(app: TestApp) -> Result<()> {
    let token = app.token_for(Role::Intake).await?;
    let mut mrns = Vec::new();
    for family in ["Zephyr", "zebulon", "Zed", "Ziegler", "Zander", "Ávila"] {
        mrns.push(create_patient(&app, &token, family).await?["mrn"].as_str().unwrap_or_default().to_owned());
    }
    // Case-insensitive prefix on both backends, name order, pages of two with a cursor.
    let mut names = Vec::new();
    let mut path = "/api/v1/patients?q=Z&limit=2".to_owned();
    loop {
        let page = expect_status(get(&app, &token, &path).await?, StatusCode::OK).await?;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= 2);
        names.extend(items.iter().map(|p| p["family_name"].as_str().unwrap_or_default().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/patients?q=Z&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(names, ["Zander", "zebulon", "Zed", "Zephyr", "Ziegler"]);
    let accented = expect_status(get(&app, &token, "/api/v1/patients?q=%C3%A1vila").await?, StatusCode::OK).await?;
    assert_eq!(accented["items"][0]["family_name"], "Ávila", "Unicode lower-casing on both backends");
    let by_mrn = expect_status(
        get(&app, &token, &format!("/api/v1/patients?q={}", mrns[2].to_lowercase())).await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(by_mrn["items"][0]["family_name"], "Zed");
    let two_words = expect_status(get(&app, &token, "/api/v1/patients?q=ada%20zep").await?, StatusCode::OK).await?;
    assert_eq!(two_words["items"].as_array().map(Vec::len), Some(1));
    let mut body = patient_body("Dela Cruz");
    body["given_name"] = json!("María José");
    expect_status(post_json(&app, &token, "/api/v1/patients", &body).await?, StatusCode::CREATED).await?;
    for q in ["dela%20cruz", "cruz", "mar%C3%ADa%20cruz", "jos%C3%A9%20dela", "mar%C3%ADa-jos%C3%A9"] {
        let found = expect_status(get(&app, &token, &format!("/api/v1/patients?q={q}")).await?, StatusCode::OK).await?;
        assert_eq!(found["items"][0]["family_name"], "Dela Cruz", "q={q}: {found}");
    }
    // Without a search word the list pages through everyone, in name order, with no repeats.
    let mut everyone = Vec::new();
    let mut path = "/api/v1/patients?limit=3".to_owned();
    loop {
        let page = expect_status(get(&app, &token, &path).await?, StatusCode::OK).await?;
        everyone.extend(page["items"].as_array().cloned().unwrap_or_default().iter().map(id_of));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/patients?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    let mut unique = everyone.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((everyone.len(), unique.len()), (7, 7));
    let wildcard = expect_status(get(&app, &token, "/api/v1/patients?q=%25").await?, StatusCode::OK).await?;
    assert_eq!(wildcard["items"].as_array().map(Vec::len), Some(0), "% is matched literally");
    Ok(())
}

async fn duplicates_are_flagged_and_mrn_is_unique(app: TestApp) -> Result<()> {
    let token = app.token_for(Role::Intake).await?;
    let first = create_patient(&app, &token, "Twin").await?;
    assert_eq!(first["possible_duplicate_of"], Value::Null);
    let mut body = patient_body("TWIN");
    body["given_name"] = json!("ada");
    let second = expect_status(post_json(&app, &token, "/api/v1/patients", &body).await?, StatusCode::CREATED).await?;
    assert_eq!(second["possible_duplicate_of"], first["id"], "same names (any case) and birth date");
    body["mrn"] = first["mrn"].clone();
    let taken =
        expect_status(post_json(&app, &token, "/api/v1/patients", &body).await?, StatusCode::UNPROCESSABLE_ENTITY)
            .await?;
    assert_eq!(error_fields(&taken), vec!["mrn"]);
    Ok(())
}
