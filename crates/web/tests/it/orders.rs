//! Orders over the API: decision support raises each alert code with its severity on a synthetic patient, a hard
//! stop blocks verification until a pharmacist overrides it with a reason (audited), the state machine refuses
//! invalid moves with 409 naming the state, changes after verification make a linked new version, and two
//! pharmacists verifying at once: one wins, the other is told.

use anyhow::Result;
use domain::role::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use testkit::spawn::TestApp;

use crate::helpers::*;

testkit::on_both_backends! {
    each_check_raises_its_alert => each_check_raises_its_alert;
    hard_stop_needs_an_override_to_verify => hard_stop_needs_an_override_to_verify;
    state_machine_changes_and_renewals => state_machine_changes_and_renewals;
    concurrent_verification_has_one_winner => concurrent_verification_has_one_winner;
    orders_are_validated_field_by_field => orders_are_validated_field_by_field;
    formulary_edits_are_versioned_audited_and_used_at_once => formulary_edits_are_versioned_audited_and_used_at_once;
}

/// A 65-year-old woman (synthetic), 72 kg, 170 cm, creatinine `scr` mg/dL today, allergic to penicillin, with a
/// peripheral IV and a PICC. Returns (patient id, peripheral id, picc id).
async fn context_patient(app: &TestApp, token: &str, scr: &str, weight: bool) -> Result<(String, String, String)> {
    let patient = create_patient(app, token, "Orders").await?;
    let base = format!("/api/v1/patients/{}", id_of(&patient));
    let now = chrono::Utc::now().to_rfc3339();
    let mut records = vec![
        ("measurements", json!({"kind": "height", "value": "170", "unit": "cm", "measured_at": now})),
        ("labs", json!({"loinc": "2160-0", "value": scr, "unit": "mg/dL", "collected_at": now})),
        ("allergies", json!({"substance": "penicillin", "reaction": "anaphylaxis", "severity": "severe"})),
    ];
    if weight {
        records.push(("measurements", json!({"kind": "weight", "value": "72", "unit": "kg", "measured_at": now})));
    }
    for (collection, body) in records {
        expect_status(post_json(app, token, &format!("{base}/{collection}"), &body).await?, StatusCode::CREATED)
            .await?;
    }
    let peripheral = expect_status(
        post_json(
            app,
            token,
            &format!("{base}/access-devices"),
            &json!({"kind": "peripheral", "site": "left forearm", "inserted_on": chrono::Utc::now().date_naive().to_string()}),
        )
        .await?,
        StatusCode::CREATED,
    )
    .await?;
    let picc = expect_status(
        post_json(
            app,
            token,
            &format!("{base}/access-devices"),
            &json!({"kind": "picc", "lumens": 2, "site": "right basilic", "inserted_on": "2026-11-01"}),
        )
        .await?,
        StatusCode::CREATED,
    )
    .await?;
    Ok((id_of(&patient), id_of(&peripheral), id_of(&picc)))
}

fn order_body(patient: &str, drug: &str, value: &str, unit: &str, frequency: &str) -> Value {
    json!({
        "patient_id": patient,
        "prescriber_name": "Dr Synthetic Prescriber",
        "prescriber_npi": "1234567893",
        "drug_code": drug,
        "dose": {"value": value, "unit": unit},
        "route": "iv",
        "frequency": frequency,
        "duration_days": 7,
        "start_at": (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339(),
    })
}

fn merged(mut body: Value, extra: Value) -> Value {
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    body
}

async fn check(app: &TestApp, token: &str, body: &Value) -> Result<Value> {
    expect_status(post_json(app, token, "/api/v1/orders/check", body).await?, StatusCode::OK).await
}

fn has(result: &Value, code: &str, severity: &str) -> bool {
    result["alerts"].as_array().is_some_and(|alerts| {
        alerts.iter().any(|a| {
            a["code"] == code && a["severity"] == severity && a["source"].as_str().is_some_and(|s| !s.is_empty())
        })
    })
}

async fn each_check_raises_its_alert(app: TestApp) -> Result<()> {
    let pharmacist = app.token_for(Role::Pharmacist).await?;
    let (patient, peripheral, picc) = context_patient(&app, &pharmacist, "0.9", true).await?;
    let p = patient.as_str();

    // Calculations: Cockcroft–Gault (140−65)·72/(72·0.9)·0.85 = 70.8 mL/min; Mosteller √(170·72/3600) = 1.84 m².
    let plain = check(&app, &pharmacist, &order_body(p, "vancomycin", "1250", "mg", "q12h")).await?;
    assert_eq!(plain["calculations"]["crcl_ml_min"], "70.8", "{plain}");
    assert_eq!(plain["calculations"]["bsa_mosteller_m2"], "1.84");
    assert_eq!(plain["calculations"]["dose_per_kg"], "17.36");

    let cases: Vec<(Value, &str, &str)> = vec![
        // 2500 mg / 72 kg = 34.7 mg/kg per dose, above 20 (Rybak 2020).
        (order_body(p, "vancomycin", "2500", "mg", "q12h"), "dose_range", "warning"),
        // Vincristine 3 mg, above the 2 mg cap.
        (order_body(p, "vincristine", "3", "mg", "once"), "max_dose", "hard_stop"),
        // Cumulative doxorubicin: 60 mg/m² every 21 days for 210 days = 11 doses = 660 mg/m².
        (
            merged(
                order_body(p, "doxorubicin", "60", "mg", "q21d"),
                json!({"dose_basis": "per_m2", "duration_days": 210}),
            ),
            "cumulative_dose",
            "hard_stop",
        ),
        // Penicillin allergy: piperacillin is a penicillin (hard stop), cefazolin a cephalosporin (cross-reactivity).
        (order_body(p, "piperacillin-tazobactam", "4.5", "g", "q8h"), "allergy", "hard_stop"),
        (order_body(p, "cefazolin", "2000", "mg", "q8h"), "allergy", "warning"),
        // Vancomycin 1500 mg over 60 min = 25 mg/min, above 10 mg/min.
        (merged(order_body(p, "vancomycin", "1500", "mg", "q12h"), json!({"infusion_minutes": 60})), "rate", "warning"),
        // 1500 mg in 100 mL = 15 mg/mL through a peripheral IV, above 5 mg/mL.
        (
            merged(
                order_body(p, "vancomycin", "1500", "mg", "q12h"),
                json!({"final_volume_ml": 100, "infusion_minutes": 150, "access_device_id": peripheral}),
            ),
            "concentration",
            "hard_stop",
        ),
        // Peripheral parenteral nutrition: 250 g dextrose + 100 g amino acids in 2 L ≈ 1,300 mOsm/L.
        (
            merged(
                order_body(p, "parenteral-nutrition-admixture", "2000", "mL", "cyclic_12h"),
                json!({"access_device_id": peripheral, "tpn": {"volume_ml": 2000, "infusion_hours": 12, "dextrose_g": 250,
                       "amino_acids_g": 100, "lipid_g": 50, "sodium_meq": 80, "potassium_meq": 60, "calcium_meq": 10,
                       "magnesium_meq": 16, "phosphate_mmol": 20}}),
            ),
            "tpn_osmolarity",
            "hard_stop",
        ),
        // Calcium 60 mEq + phosphate 60 mmol in 2 L: 30 + 30 = 60 > 45 per litre.
        (
            merged(
                order_body(p, "parenteral-nutrition-admixture", "2000", "mL", "q24h"),
                json!({"access_device_id": picc, "tpn": {"volume_ml": 2000, "infusion_hours": 24, "dextrose_g": 200,
                       "amino_acids_g": 80, "calcium_meq": 60, "phosphate_mmol": 60}}),
            ),
            "tpn_ca_phos",
            "warning",
        ),
        // 700 g dextrose over 12 h for 72 kg = 13.5 mg/kg/min.
        (
            merged(
                order_body(p, "parenteral-nutrition-admixture", "2000", "mL", "cyclic_12h"),
                json!({"access_device_id": picc, "tpn": {"volume_ml": 2000, "infusion_hours": 12, "dextrose_g": 700,
                       "amino_acids_g": 80}}),
            ),
            "tpn_gir",
            "warning",
        ),
    ];
    for (body, code, severity) in &cases {
        let result = check(&app, &pharmacist, body).await?;
        assert!(has(&result, code, severity), "expected {code}/{severity} for {body}: {result}");
    }

    // Duplicate therapy and interaction need another current order: a vancomycin order in the queue.
    let vanco = order_body(p, "vancomycin", "1250", "mg", "q12h");
    expect_status(post_json(&app, &pharmacist, "/api/v1/orders", &vanco).await?, StatusCode::CREATED).await?;
    let again = check(&app, &pharmacist, &vanco).await?;
    assert!(has(&again, "duplicate_therapy", "warning"), "{again}");
    let pip = check(&app, &pharmacist, &order_body(p, "piperacillin-tazobactam", "4.5", "g", "q8h")).await?;
    assert!(pip["alerts"].as_array().unwrap().iter().any(|a| a["code"] == "interaction"), "{pip}");

    // Renal: creatinine 1.4 → CrCl 45.5 mL/min; cefepime 2 g q8h exceeds the 30–60 band (2 g q12h at most).
    let (renal_patient, _, _) = context_patient(&app, &pharmacist, "1.4", true).await?;
    let renal = check(&app, &pharmacist, &order_body(&renal_patient, "cefepime", "2000", "mg", "q8h")).await?;
    assert!(has(&renal, "renal", "warning"), "{renal}");

    // Missing data: no weight for a per-kg dose is a hard stop; nothing passes silently.
    let (no_weight, _, _) = context_patient(&app, &pharmacist, "0.9", false).await?;
    let missing = check(
        &app,
        &pharmacist,
        &merged(order_body(&no_weight, "vancomycin", "15", "mg", "q12h"), json!({"dose_basis": "per_kg"})),
    )
    .await?;
    assert!(has(&missing, "missing_data", "hard_stop"), "{missing}");
    Ok(())
}

async fn transition(app: &TestApp, token: &str, order: &str, version: i64, body: Value) -> Result<reqwest::Response> {
    Ok(app
        .client
        .post(app.url(&format!("/api/v1/orders/{order}/transitions")))
        .bearer_auth(token)
        .header("If-Match", format!("\"{version}\""))
        .json(&body)
        .send()
        .await?)
}

async fn hard_stop_needs_an_override_to_verify(app: TestApp) -> Result<()> {
    let intake = app.token_for(Role::Intake).await?;
    let pharmacist = app.token_for(Role::Pharmacist).await?;
    let (patient, _, _) = context_patient(&app, &intake, "0.9", true).await?;
    let order = expect_status(
        post_json(&app, &intake, "/api/v1/orders", &order_body(&patient, "vincristine", "3", "mg", "once")).await?,
        StatusCode::CREATED,
    )
    .await?;
    assert_eq!(order["status"], "pending_verification");
    assert!(order["rx_number"].as_str().unwrap().starts_with("RX-"));
    let id = id_of(&order);
    // An intake coordinator cannot verify.
    let forbidden = transition(&app, &intake, &id, 1, json!({"action": "verify"})).await?;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    // Without the override: 422 naming the hard stop; nothing changes.
    let refused = expect_status(
        transition(&app, &pharmacist, &id, 1, json!({"action": "verify"})).await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert_eq!(error_fields(&refused), vec!["overrides"]);
    let message = refused["errors"][0]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("max_dose"), "{message}");
    let key = message.split_whitespace().nth(2).unwrap().to_owned();
    // A reason that says nothing is refused too.
    let short =
        transition(&app, &pharmacist, &id, 1, json!({"action": "verify", "overrides": [{"key": key, "reason": "ok"}]}))
            .await?;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let verified = expect_status(
        transition(
            &app,
            &pharmacist,
            &id,
            1,
            json!({"action": "verify", "overrides": [{"key": key, "reason": "Protocol dose confirmed with the oncologist by phone"}]}),
        )
        .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(verified["status"], "verified");
    let verifications =
        expect_status(get(&app, &pharmacist, &format!("/api/v1/orders/{id}/verifications")).await?, StatusCode::OK)
            .await?;
    let v = &verifications["items"][0];
    assert_eq!(v["outcome"], "verified");
    assert_eq!(v["overrides"][0]["key"], key);
    assert!(v["alerts"].as_array().unwrap().iter().any(|a| a["code"] == "max_dose"));
    // The override is in the audit trail with who, when and why.
    let auditor = app.token_for(Role::Auditor).await?;
    let events =
        expect_status(get(&app, &auditor, &format!("/api/v1/audit-events?entity_id={id}")).await?, StatusCode::OK)
            .await?;
    let override_event =
        events["items"].as_array().unwrap().iter().find(|e| e["action"] == "override").expect("an override event");
    assert_eq!(override_event["reason"], "Protocol dose confirmed with the oncologist by phone");
    assert!(override_event["actor"].as_str().unwrap().starts_with("pharmacist-"));
    Ok(())
}

async fn state_machine_changes_and_renewals(app: TestApp) -> Result<()> {
    let pharmacist = app.token_for(Role::Pharmacist).await?;
    let (patient, _, _) = context_patient(&app, &pharmacist, "0.9", true).await?;
    let draft = expect_status(
        post_json(
            &app,
            &pharmacist,
            "/api/v1/orders?draft=true",
            &order_body(&patient, "cefazolin", "2000", "mg", "q8h"),
        )
        .await?,
        StatusCode::CREATED,
    )
    .await?;
    let id = id_of(&draft);
    assert_eq!(draft["status"], "draft");
    // A draft cannot be verified or started: 409 naming the state.
    let conflict = expect_status(
        transition(&app, &pharmacist, &id, 1, json!({"action": "activate"})).await?,
        StatusCode::CONFLICT,
    )
    .await?;
    assert!(conflict["detail"].as_str().unwrap().contains("draft"), "{conflict}");
    // Edit in place before verification.
    let edited = expect_status(
        patch_json(
            &app,
            &pharmacist,
            &format!("/api/v1/orders/{id}"),
            Some(1),
            &json!({"notes": "Cefazolin for MSSA"}),
        )
        .await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!((edited["version"].as_i64(), edited["notes"].as_str()), (Some(2), Some("Cefazolin for MSSA")));
    expect_status(transition(&app, &pharmacist, &id, 2, json!({"action": "submit"})).await?, StatusCode::OK).await?;
    // Cefazolin raises only a warning (penicillin allergy cross-reactivity): verify without overrides.
    expect_status(transition(&app, &pharmacist, &id, 3, json!({"action": "verify"})).await?, StatusCode::OK).await?;
    let verified_again = transition(&app, &pharmacist, &id, 4, json!({"action": "verify"})).await?;
    assert_eq!(verified_again.status(), StatusCode::CONFLICT);
    // Hold needs a reason.
    let no_reason = expect_status(
        transition(&app, &pharmacist, &id, 4, json!({"action": "hold"})).await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert_eq!(error_fields(&no_reason), vec!["reason"]);
    // A change after verification: a new version linked to the old, which is superseded; the reason is required.
    let unexplained =
        patch_json(&app, &pharmacist, &format!("/api/v1/orders/{id}"), Some(4), &json!({"frequency": "q12h"})).await?;
    assert_eq!(unexplained.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let changed = expect_status(
        patch_json(
            &app,
            &pharmacist,
            &format!("/api/v1/orders/{id}"),
            Some(4),
            &json!({"frequency": "q12h", "change_reason": "CrCl fell to 45 mL/min"}),
        )
        .await?,
        StatusCode::CREATED,
    )
    .await?;
    assert_eq!(changed["previous_id"], id.as_str());
    assert_eq!(changed["lineage_id"], id.as_str());
    assert_eq!(changed["status"], "pending_verification");
    assert_eq!(changed["change_reason"], "CrCl fell to 45 mL/min");
    let old = expect_status(get(&app, &pharmacist, &format!("/api/v1/orders/{id}")).await?, StatusCode::OK).await?;
    assert_eq!(old["status"], "superseded");
    let new_id = id_of(&changed);
    expect_status(transition(&app, &pharmacist, &new_id, 1, json!({"action": "verify"})).await?, StatusCode::OK)
        .await?;
    expect_status(transition(&app, &pharmacist, &new_id, 2, json!({"action": "activate"})).await?, StatusCode::OK)
        .await?;
    // Renewal: a new pending version starting when this one ends.
    let renewal = expect_status(
        post_json(&app, &pharmacist, &format!("/api/v1/orders/{new_id}/renew"), &json!({"duration_days": 14})).await?,
        StatusCode::CREATED,
    )
    .await?;
    assert_eq!((renewal["previous_id"].as_str(), renewal["duration_days"].as_i64()), (Some(new_id.as_str()), Some(14)));
    assert_eq!(renewal["change_reason"], "renewal");
    let listed =
        expect_status(get(&app, &pharmacist, &format!("/api/v1/orders?patient_id={patient}")).await?, StatusCode::OK)
            .await?;
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);
    Ok(())
}

async fn concurrent_verification_has_one_winner(app: TestApp) -> Result<()> {
    let intake = app.token_for(Role::Intake).await?;
    let first = app.token_for(Role::Pharmacist).await?;
    let second = app.token_for(Role::Pharmacist).await?;
    let (patient, _, _) = context_patient(&app, &intake, "0.9", true).await?;
    for round in 0..3 {
        let order = expect_status(
            post_json(&app, &intake, "/api/v1/orders", &order_body(&patient, "micafungin", "100", "mg", "q24h"))
                .await?,
            StatusCode::CREATED,
        )
        .await?;
        let id = id_of(&order);
        let (a, b) = tokio::join!(
            transition(&app, &first, &id, 1, json!({"action": "verify"})),
            transition(&app, &second, &id, 1, json!({"action": "verify"})),
        );
        let mut statuses = [a?.status(), b?.status()];
        statuses.sort();
        assert_eq!(statuses[0], StatusCode::OK, "round {round}: {statuses:?}");
        assert!(
            statuses[1] == StatusCode::CONFLICT || statuses[1] == StatusCode::PRECONDITION_FAILED,
            "round {round}: the loser is told: {statuses:?}"
        );
        let verifications =
            expect_status(get(&app, &intake, &format!("/api/v1/orders/{id}/verifications")).await?, StatusCode::OK)
                .await?;
        assert_eq!(verifications["items"].as_array().unwrap().len(), 1, "one decision recorded");
    }
    Ok(())
}

async fn orders_are_validated_field_by_field(app: TestApp) -> Result<()> {
    let pharmacist = app.token_for(Role::Pharmacist).await?;
    let (patient, _, _) = context_patient(&app, &pharmacist, "0.9", true).await?;
    let cases: Vec<(Value, &str)> = vec![
        (
            merged(order_body(&patient, "vancomycin", "1000", "mg", "q12h"), json!({"prescriber_npi": "1234567890"})),
            "prescriber_npi",
        ),
        (order_body(&patient, "vancomycinn", "1000", "mg", "q12h"), "drug_code"),
        (order_body(&patient, "vancomycin", "1000", "mgs", "q12h"), "dose.unit"),
        (order_body(&patient, "vancomycin", "-1", "mg", "q12h"), "dose.value"),
        (order_body(&patient, "vancomycin", "1000", "mg", "q5h"), "frequency"),
        (merged(order_body(&patient, "vancomycin", "1000", "mg", "q12h"), json!({"route": "enteral"})), "route"),
        (order_body(&patient, "parenteral-nutrition-admixture", "2000", "mL", "q24h"), "tpn"),
        (
            merged(
                order_body(&patient, "vancomycin", "1000", "mg", "q12h"),
                json!({"access_device_id": uuid::Uuid::now_v7().to_string()}),
            ),
            "access_device_id",
        ),
        (merged(order_body(&patient, "vancomycin", "1000", "mg", "q12h"), json!({"colour": "red"})), "colour"),
        (merged(order_body("not-an-id", "vancomycin", "1000", "mg", "q12h"), json!({})), "patient_id"),
    ];
    for (body, field) in cases {
        for path in ["/api/v1/orders", "/api/v1/orders/check"] {
            let problem =
                expect_status(post_json(&app, &pharmacist, path, &body).await?, StatusCode::UNPROCESSABLE_ENTITY)
                    .await?;
            assert!(error_fields(&problem).contains(&field.to_owned()), "{path} {field}: {problem}");
        }
    }
    let listed =
        expect_status(get(&app, &pharmacist, &format!("/api/v1/orders?patient_id={patient}")).await?, StatusCode::OK)
            .await?;
    assert!(listed["items"].as_array().unwrap().is_empty(), "no half-written order");
    let bad_status = get(&app, &pharmacist, "/api/v1/orders?status=pending").await?;
    assert_eq!(bad_status.status(), StatusCode::UNPROCESSABLE_ENTITY);
    Ok(())
}

async fn formulary_edits_are_versioned_audited_and_used_at_once(app: TestApp) -> Result<()> {
    let pharmacist = app.token_for(Role::Pharmacist).await?;
    let nurse = app.token_for(Role::Nurse).await?;
    let (patient, _, _) = context_patient(&app, &pharmacist, "0.9", true).await?;
    let body = order_body(&patient, "micafungin", "150", "mg", "q24h");
    let before = check(&app, &pharmacist, &body).await?;
    assert!(!has(&before, "max_dose", "hard_stop"), "{before}");

    let stored = expect_status(get(&app, &nurse, "/api/v1/formulary/micafungin").await?, StatusCode::OK).await?;
    let mut entry = stored.clone();
    for key in ["id", "version", "updated_at", "updated_by"] {
        entry.as_object_mut().map(|o| o.remove(key));
    }
    let limit = json!({"basis": "dose", "population": "adult", "max": "120", "severity": "hard_stop",
                       "source": "Local P&T committee decision 2026-11 (test)"});
    if !entry["limits"].is_array() {
        entry["limits"] = json!([]);
    }
    entry["limits"].as_array_mut().unwrap().push(limit);
    let put = |token: String, version: i64, body: Value| {
        let app = &app;
        async move {
            app.client
                .put(app.url("/api/v1/formulary/micafungin"))
                .bearer_auth(token)
                .header("If-Match", format!("\"{version}\""))
                .json(&body)
                .send()
                .await
        }
    };
    let change = json!({"entry": entry, "reason": "P&T: cap micafungin at 120 mg"});
    assert_eq!(put(nurse.clone(), 1, change.clone()).await?.status(), StatusCode::FORBIDDEN);
    let no_reason = put(pharmacist.clone(), 1, json!({"entry": entry, "reason": ""})).await?;
    assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut unsourced = entry.clone();
    unsourced["limits"].as_array_mut().unwrap().last_mut().unwrap()["source"] = json!("");
    let refused = expect_status(
        put(pharmacist.clone(), 1, json!({"entry": unsourced, "reason": "no source"})).await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert!(error_fields(&refused).iter().any(|f| f.ends_with(".source")), "{refused}");
    let saved = expect_status(put(pharmacist.clone(), 1, change.clone()).await?, StatusCode::OK).await?;
    assert_eq!(saved["version"], 2);
    assert_eq!(put(pharmacist.clone(), 1, change).await?.status(), StatusCode::PRECONDITION_FAILED);

    // The next check uses the new version at once.
    let after = check(&app, &pharmacist, &body).await?;
    assert!(has(&after, "max_dose", "hard_stop"), "{after}");
    let versions =
        expect_status(get(&app, &nurse, "/api/v1/formulary/micafungin/versions").await?, StatusCode::OK).await?;
    assert_eq!(versions["items"][0]["reason"], "P&T: cap micafungin at 120 mg");
    assert_eq!(versions["items"][1]["version"], 1);
    let auditor = app.token_for(Role::Auditor).await?;
    let events =
        expect_status(get(&app, &auditor, "/api/v1/audit-events?entity_id=micafungin").await?, StatusCode::OK).await?;
    assert_eq!(events["items"][0]["reason"], "P&T: cap micafungin at 120 mg");
    Ok(())
}
