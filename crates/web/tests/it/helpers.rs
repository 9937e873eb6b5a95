//! Request helpers shared by the integration tests.

use anyhow::{Context, Result};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use testkit::spawn::TestApp;

/// A valid patient body with a unique MRN; `family` lets tests find it again.
pub fn patient_body(family: &str) -> Value {
    let mrn = format!("T{}", &uuid::Uuid::now_v7().simple().to_string()[22..]);
    json!({
        "mrn": mrn,
        "given_name": "Ada",
        "family_name": family,
        "birth_date": "1961-04-12",
        "sex": "female",
        "address_line1": "12 Elm Street",
        "city": "Columbus",
        "region": "OH",
        "postal_code": "43215",
        "country": "US",
        "latitude": 39.9612,
        "longitude": -82.9988
    })
}

pub async fn post_json(app: &TestApp, token: &str, path: &str, body: &Value) -> Result<Response> {
    Ok(app.client.post(app.url(path)).bearer_auth(token).json(body).send().await?)
}

pub async fn get(app: &TestApp, token: &str, path: &str) -> Result<Response> {
    Ok(app.client.get(app.url(path)).bearer_auth(token).send().await?)
}

pub async fn patch_json(
    app: &TestApp,
    token: &str,
    path: &str,
    version: Option<i64>,
    body: &Value,
) -> Result<Response> {
    let mut request = app.client.patch(app.url(path)).bearer_auth(token).json(body);
    if let Some(v) = version {
        request = request.header("If-Match", format!("\"{v}\""));
    }
    Ok(request.send().await?)
}

/// Creates a patient through the API and returns its JSON.
pub async fn create_patient(app: &TestApp, token: &str, family: &str) -> Result<Value> {
    let response = post_json(app, token, "/api/v1/patients", &patient_body(family)).await?;
    expect_status(response, StatusCode::CREATED).await
}

/// Asserts the status (showing the body when it differs) and returns the JSON body.
pub async fn expect_status(response: Response, status: StatusCode) -> Result<Value> {
    let actual = response.status();
    let text = response.text().await?;
    anyhow::ensure!(actual == status, "expected {status}, got {actual}: {text}");
    if text.is_empty() {
        Ok(Value::Null)
    } else {
        serde_json::from_str(&text).with_context(|| format!("not JSON: {text}"))
    }
}

/// The field names of a problem's `errors`.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["field"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

pub fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap_or_default().to_owned()
}
