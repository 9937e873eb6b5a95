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
    dosing_page_fits_and_changes_the_order => dosing_page_fits_and_changes_the_order;
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

/// The form of a page as a browser would post it: inputs, selected options and textareas.
fn form_values(html: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let sel = |css: &str| scraper::Selector::parse(css).expect("valid selector");
    let mut values = Vec::new();
    for input in doc.select(&sel("form input")) {
        let (Some(name), value) = (input.value().attr("name"), input.value().attr("value")) else { continue };
        values.push((name.to_owned(), value.unwrap_or_default().to_owned()));
    }
    for select in doc.select(&sel("form select")) {
        let name = select.value().attr("name").unwrap_or_default();
        let chosen = select.select(&sel("option[selected]")).next().and_then(|o| o.value().attr("value"));
        values.push((name.to_owned(), chosen.unwrap_or_default().to_owned()));
    }
    for area in doc.select(&sel("form textarea")) {
        let name = area.value().attr("name").unwrap_or_default();
        values.push((name.to_owned(), area.text().collect()));
    }
    values
}

fn set(values: &mut Vec<(String, String)>, name: &str, value: &str) {
    values.retain(|(k, _)| k != name);
    values.push((name.to_owned(), value.to_owned()));
}

fn choices(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("button[name=choice]").expect("valid selector");
    doc.select(&sel).filter_map(|b| b.value().attr("value").map(str::to_owned)).collect()
}

/// A verified vancomycin order (1000 mg q12h over 60 min, started 36 h ago) for an 80 kg patient with a trough
/// and a post-distribution level among the labs. The dosing page opens with the schedule's doses and both levels,
/// asks for the dialysis status it may not assume, fits and draws the curve, and applying the recommended regimen
/// supersedes the order with a new version awaiting verification, with the fit kept in the audit trail.
async fn dosing_page_fits_and_changes_the_order(app: TestApp) -> Result<()> {
    let pharmacist = app.token_for(Role::Pharmacist).await?;
    let patient = create_patient(&app, &pharmacist, "Dosing").await?;
    let patient_id = id_of(&patient);
    let base = format!("/api/v1/patients/{patient_id}");
    let start = chrono::Utc::now() - chrono::Duration::hours(36);
    let at = |h: f64| (start + chrono::Duration::minutes((h * 60.0) as i64)).to_rfc3339();
    for (collection, body) in [
        ("measurements", json!({"kind": "weight", "value": "80", "unit": "kg", "measured_at": at(0.0)})),
        ("measurements", json!({"kind": "height", "value": "175", "unit": "cm", "measured_at": at(0.0)})),
        ("labs", json!({"loinc": "2160-0", "value": "1.1", "unit": "mg/dL", "collected_at": at(0.0)})),
        ("labs", json!({"loinc": "4092-3", "value": "9.5", "unit": "mg/L", "collected_at": at(11.5)})),
        ("labs", json!({"loinc": "20578-1", "value": "24", "unit": "mg/L", "collected_at": at(14.0)})),
    ] {
        expect_status(post_json(&app, &pharmacist, &format!("{base}/{collection}"), &body).await?, StatusCode::CREATED)
            .await?;
    }
    let order = expect_status(
        post_json(
            &app,
            &pharmacist,
            "/api/v1/orders",
            &json!({"patient_id": patient_id, "prescriber_name": "Dr Synthetic Prescriber",
                    "prescriber_npi": "1234567893", "drug_code": "vancomycin", "dose": {"value": "1000", "unit": "mg"},
                    "route": "iv", "frequency": "q12h", "infusion_minutes": 60, "duration_days": 7,
                    "start_at": start.to_rfc3339()}),
        )
        .await?,
        StatusCode::CREATED,
    )
    .await?;
    let order_id = id_of(&order);
    let verified = app
        .client
        .post(app.url(&format!("/api/v1/orders/{order_id}/transitions")))
        .bearer_auth(&pharmacist)
        .header("If-Match", "\"1\"")
        .json(&json!({"action": "verify"}))
        .send()
        .await?;
    let verified = expect_status(verified, StatusCode::OK).await?;
    assert_eq!(verified["status"], "verified");

    app.sign_in_as(Role::Pharmacist).await?;
    let page_url = app.url(&format!("/orders/{order_id}/dosing"));
    let show = app.client.get(app.url(&format!("/orders/{order_id}"))).send().await?.text().await?;
    assert!(show.contains(&format!("href=\"/orders/{order_id}/dosing\"")), "the order links to its dosing page");
    let opened = app.client.get(page_url.clone()).send().await?;
    assert_eq!(opened.status(), StatusCode::OK);
    let html = opened.text().await?;
    let mut form = form_values(&html);
    let value = |form: &[(String, String)], name: &str| {
        form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    // Starts 36 h ago, q12h: doses at 0, 12, 24 and 36 h (the last one due now), each 1000 mg over 60 min.
    let doses = value(&form, "doses");
    assert_eq!(doses.lines().filter(|l| l.ends_with(", 1000, 60")).count(), 4, "{doses}");
    let levels = value(&form, "levels");
    assert_eq!(levels.lines().count(), 2, "both drug levels from the labs: {levels}");
    assert!(levels.contains(", 9.5") && levels.contains(", 24"), "{levels}");
    assert_eq!(value(&form, "weight_kg"), "80");
    assert!(html.contains("id=\"dialysis-error\""), "dialysis status is asked, never assumed");
    assert!(!html.contains("<svg"), "no fit until it is answered");

    // A bad dose line is named inline and nothing is fitted.
    let mut bad = form.clone();
    set(&mut bad, "dialysis", "no");
    set(&mut bad, "doses", "yesterday, lots, 60");
    let refused = app.client.post(page_url.clone()).form(&bad).send().await?;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = refused.text().await?;
    assert!(text.contains("id=\"doses-error\"") && text.contains("line 1"), "inline error naming the line");

    set(&mut form, "dialysis", "no");
    let fitted = app.client.post(page_url.clone()).form(&form).send().await?;
    assert_eq!(fitted.status(), StatusCode::OK);
    let html = fitted.text().await?;
    assert!(html.contains("<svg") && html.contains("class=\"fitted\"") && html.contains("class=\"projected\""));
    assert_eq!(html.matches("class=\"level\"").count(), 2, "both levels drawn");
    assert!(html.contains("Target AUC24 400–600 mg·h/L = average 16.7–25.0 mg/L"), "target window drawn");
    assert!(html.contains("Recommended:") && html.contains("Levels: observed and fitted"));
    let offered = choices(&html);
    assert!(!offered.is_empty(), "suggestions to apply");
    let parts: Vec<f64> = offered[0].split(':').filter_map(|p| p.parse().ok()).collect();
    let (amount, interval) = (parts[1], parts[2]);

    // A choice that no longer matches the fit is refused, not applied unseen.
    let mut stale = form.clone();
    set(&mut stale, "choice", "0:99999:12");
    let apply_url = app.url(&format!("/orders/{order_id}/dosing/apply"));
    let refused = app.client.post(apply_url.clone()).form(&stale).send().await?;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await?.contains("the fit changed"));

    let mut apply = form.clone();
    set(&mut apply, "choice", &offered[0]);
    set(&mut apply, "note", "levels reviewed");
    let applied = app.client.post(apply_url).form(&apply).send().await?;
    assert_eq!(applied.status(), StatusCode::SEE_OTHER, "opens the new version");
    let location = applied.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default();
    let new_id = location.trim_start_matches("/orders/").to_owned();
    assert_ne!(new_id, order_id, "a verified order changes by a new version");

    let new = expect_status(get(&app, &pharmacist, &format!("/api/v1/orders/{new_id}")).await?, StatusCode::OK).await?;
    assert_eq!(new["status"], "pending_verification");
    assert_eq!(new["previous_id"], order_id.as_str());
    assert_eq!(new["dose"]["unit"], "mg");
    assert_eq!(new["dose"]["value"].as_str().and_then(|v| v.parse::<f64>().ok()), Some(amount));
    assert_eq!(new["frequency"], format!("q{interval}h"));
    let reason = new["change_reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("Precision dosing:") && reason.ends_with("levels reviewed"), "{reason}");
    let old =
        expect_status(get(&app, &pharmacist, &format!("/api/v1/orders/{order_id}")).await?, StatusCode::OK).await?;
    assert_eq!(old["status"], "superseded");

    let auditor = app.token_for(Role::Auditor).await?;
    let trail = expect_status(
        get(&app, &auditor, &format!("/api/v1/audit-events?patient_id={patient_id}")).await?,
        StatusCode::OK,
    )
    .await?;
    let items = trail["items"].as_array().cloned().unwrap_or_default();
    let applied = items.iter().find(|e| e["action"] == "apply_dosing").cloned().unwrap_or_default();
    assert_eq!(applied["entity_id"], new_id.as_str());
    assert_eq!(applied["diff"]["model"]["to"], "vancomycin-goti-2018");
    assert!(applied["diff"]["individual"]["to"]["cl_l_h"].is_number(), "{applied}");
    assert_eq!(applied["diff"]["levels"]["to"].as_array().map(Vec::len), Some(2));
    Ok(())
}
