//! The stateless dosing API (issue 6): the issue's example fits with plausible figures and a level pulls the
//! prediction toward itself, the model list cites its publications, impossible input is a 422 naming the field,
//! and only pharmacists may use it.

use anyhow::Result;
use domain::role::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::spawn::TestApp;

use crate::helpers::*;

testkit::on_both_backends! {
    issue_example_fits_and_suggests => issue_example_fits_and_suggests;
    models_are_listed_with_citations => models_are_listed_with_citations;
    impossible_input_names_the_field => impossible_input_names_the_field;
    only_pharmacists_use_the_calculator => only_pharmacists_use_the_calculator;
}

const ESTIMATE: &str = "/api/v1/dosing/estimate";

/// The request body of issue 6, verbatim.
fn example() -> Value {
    json!({"model": "vancomycin-goti-2018",
           "covariates": {"weight_kg": 70, "crcl_ml_min": 65, "dialysis": false},
           "doses": [{"time_h": 0, "amount_mg": 2000, "duration_h": 2}],
           "levels": [{"time_h": 13, "concentration_mg_l": 12.0}],
           "auc_intervals": [[0, 24], [24, 48]],
           "target": {"auc24_min": 400, "auc24_max": 600}})
}

fn num(value: &Value) -> f64 {
    value.as_f64().unwrap_or(f64::NAN)
}

/// The curve's concentration at `time_h`.
fn curve_at(fit: &Value, time_h: f64) -> f64 {
    fit["curve"]
        .as_array()
        .and_then(|c| c.iter().find(|p| (num(&p["time_h"]) - time_h).abs() < 1e-9))
        .map_or(f64::NAN, |p| num(&p["concentration_mg_l"]))
}

async fn issue_example_fits_and_suggests(app: TestApp) -> Result<()> {
    let token = app.token_for(Role::Pharmacist).await?;
    let fit = expect_status(post_json(&app, &token, ESTIMATE, &example()).await?, StatusCode::OK).await?;
    let cl = num(&fit["individual"]["cl_l_h"]);
    assert!((0.5..=10.0).contains(&cl), "individual CL {cl} L/h");
    assert!(num(&fit["individual"]["v2_l"]) > 0.0 && num(&fit["individual"]["q_l_h"]) > 0.0, "two compartments");
    assert!(num(&fit["typical"]["v1_l"]) > 0.0);
    assert!(fit["eta"]["cl"].is_number() && fit["eta"]["v1"].is_number() && fit["eta"]["v2"].is_number(), "{fit}");
    assert!(num(&fit["objective"]).is_finite());
    assert_eq!(fit["model"]["id"], "vancomycin-goti-2018");
    let auc = fit["auc"].as_array().cloned().unwrap_or_default();
    assert_eq!(auc.len(), 2, "{auc:?}");
    assert_eq!((num(&auc[1]["from_h"]), num(&auc[1]["to_h"])), (24.0, 48.0));
    assert!(num(&auc[0]["mg_h_per_l"]) > num(&auc[1]["mg_h_per_l"]), "one dose: the first day has more exposure");
    let suggestions = fit["suggestions"].as_array().cloned().unwrap_or_default();
    assert!(!suggestions.is_empty(), "{fit}");
    for s in &suggestions {
        let auc24 = num(&s["auc24"]);
        assert!((400.0..=600.0).contains(&auc24), "suggestion {s}");
        assert_eq!(num(&s["amount_mg"]) % 250.0, 0.0, "250 mg steps: {s}");
        assert!([8.0, 12.0, 24.0, 36.0, 48.0].contains(&num(&s["interval_h"])), "{s}");
        assert!(num(&s["peak_mg_l"]) > num(&s["trough_mg_l"]), "{s}");
    }
    let first = &suggestions[0];
    assert_eq!((num(&first["amount_mg"]), num(&first["interval_h"])), (1500.0, 24.0), "recommended first: {first}");
    let curve = fit["curve"].as_array().cloned().unwrap_or_default();
    assert!(!curve.is_empty() && curve.len() <= 501, "{} points", curve.len());
    assert_eq!(num(&curve[curve.len() - 1]["time_h"]), 13.0 + 48.0, "48 h past the last level");

    let mut a_priori = example();
    a_priori["levels"] = json!([]);
    let prior = expect_status(post_json(&app, &token, ESTIMATE, &a_priori).await?, StatusCode::OK).await?;
    assert_eq!(prior["individual"], prior["typical"], "no level: the population prediction");
    assert_eq!(num(&prior["objective"]), 0.0);
    let (fitted, predicted) = (curve_at(&fit, 13.0), curve_at(&prior, 13.0));
    assert!(
        (fitted - 12.0).abs() < (predicted - 12.0).abs(),
        "the level pulls the prediction toward 12 mg/L: a priori {predicted}, fitted {fitted}"
    );
    Ok(())
}

async fn models_are_listed_with_citations(app: TestApp) -> Result<()> {
    let token = app.token_for(Role::Pharmacist).await?;
    let page = expect_status(get(&app, &token, "/api/v1/dosing/models").await?, StatusCode::OK).await?;
    assert!(page["next_cursor"].is_null());
    let items = page["items"].as_array().cloned().unwrap_or_default();
    let goti = items.iter().find(|m| m["id"] == "vancomycin-goti-2018").cloned().unwrap_or_default();
    assert!(goti["citation"].as_str().is_some_and(|c| c.contains("Goti") && c.contains("Ther Drug Monit")), "{goti}");
    assert_eq!(goti["compartments"], 2);
    assert_eq!(goti["population"], "adult");
    let names: Vec<&str> =
        goti["covariates"].as_array().into_iter().flatten().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names, ["weight_kg", "crcl_ml_min", "dialysis"]);
    assert!(items.iter().any(|m| m["population"] == "paediatric"), "a paediatric model is listed");
    assert!(items.iter().any(|m| m["compartments"] == 1), "a one-compartment model is listed");
    assert!(items.iter().all(|m| m["citation"].as_str().is_some_and(|c| !c.is_empty())), "every model cites");
    Ok(())
}

/// An edit of the example body that makes it impossible.
type Change = fn(&mut Value);

async fn impossible_input_names_the_field(app: TestApp) -> Result<()> {
    let token = app.token_for(Role::Pharmacist).await?;
    let cases: &[(&str, Change)] = &[
        ("doses[0].amount_mg", |b| b["doses"][0]["amount_mg"] = json!(-1)),
        ("doses[0].time_h", |b| b["doses"][0]["time_h"] = json!(-2)),
        ("levels[0].time_h", |b| b["doses"][0]["time_h"] = json!(14)),
        ("model", |b| b["model"] = json!("vancomycin-nobody-1999")),
        ("covariates.weight_kg", |b| b["covariates"]["weight_kg"] = json!(900)),
        ("covariates.crcl_ml_min", |b| b["covariates"]["crcl_ml_min"] = json!(-5)),
        ("covariates.dialysis", |b| b["covariates"]["dialysis"] = Value::Null),
        ("nickname", |b| b["nickname"] = json!("x")),
        ("auc_intervals[1]", |b| b["auc_intervals"][1] = json!([48, 24])),
        ("auc_intervals[0]", |b| b["auc_intervals"][0] = json!([12, 12])),
        ("target.auc24_max", |b| b["target"] = json!({"auc24_min": 600, "auc24_max": 400})),
        ("levels", |b| b["levels"] = json!(vec![json!({"time_h": 13, "concentration_mg_l": 12}); 201])),
        ("doses", |b| b["doses"] = json!(vec![json!({"time_h": 0, "amount_mg": 1, "duration_h": 1}); 201])),
    ];
    for (field, change) in cases {
        let mut body = example();
        change(&mut body);
        let response = post_json(&app, &token, ESTIMATE, &body).await?;
        let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let problem = expect_status(response, StatusCode::UNPROCESSABLE_ENTITY).await?;
        assert_eq!(content_type.as_deref(), Some("application/problem+json"), "{field}");
        assert_eq!(error_fields(&problem), [*field], "{problem}");
    }
    Ok(())
}

async fn only_pharmacists_use_the_calculator(app: TestApp) -> Result<()> {
    for role in [Role::Nurse, Role::Intake] {
        let token = app.token_for(role).await?;
        let response = post_json(&app, &token, ESTIMATE, &example()).await?;
        expect_status(response, StatusCode::FORBIDDEN).await?;
        expect_status(get(&app, &token, "/api/v1/dosing/models").await?, StatusCode::FORBIDDEN).await?;
    }
    let anonymous = app.client.post(app.url(ESTIMATE)).json(&example()).send().await?;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    Ok(())
}
