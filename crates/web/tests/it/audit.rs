//! The audit trail: one row per mutation with actor and diff, filters, and tamper detection of the hash chain.

use anyhow::Result;
use app::Caller;
use diesel::connection::SimpleConnection;
use domain::role::Role;
use reqwest::StatusCode;
use serde_json::json;
use testkit::spawn::{Backend, TestApp};

use crate::helpers::*;

testkit::on_both_backends! {
    every_mutation_has_an_audit_row_with_actor_and_diff => every_mutation_has_an_audit_row_with_actor_and_diff;
    a_tampered_row_is_detected => a_tampered_row_is_detected;
}

async fn every_mutation_has_an_audit_row_with_actor_and_diff(app: TestApp) -> Result<()> {
    let intake = app.create_user(Role::Intake).await?;
    let a = app.app.clone();
    let name = intake.clone();
    let token = tokio::task::spawn_blocking(move || a.create_api_token(&Caller::cli(), &name, "t")).await??.token;
    let auditor = app.token_for(Role::Auditor).await?;
    let patient = create_patient(&app, &token, "Audited").await?;
    let id = id_of(&patient);
    let path = format!("/api/v1/patients/{id}");
    expect_status(patch_json(&app, &token, &path, Some(1), &json!({"status": "active"})).await?, StatusCode::OK)
        .await?;
    let allergy = json!({"substance": "penicillin", "drug_class": "penicillins", "severity": "severe"});
    expect_status(post_json(&app, &token, &format!("{path}/allergies"), &allergy).await?, StatusCode::CREATED).await?;
    // A refused change writes nothing.
    expect_status(
        patch_json(&app, &token, &path, Some(1), &json!({"status": "on_hold"})).await?,
        StatusCode::PRECONDITION_FAILED,
    )
    .await?;
    expect_status(
        patch_json(&app, &token, &path, Some(2), &json!({"sex": "x"})).await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;

    let trail =
        expect_status(get(&app, &auditor, &format!("/api/v1/audit-events?patient_id={id}")).await?, StatusCode::OK)
            .await?;
    let items = trail["items"].as_array().cloned().unwrap_or_default();
    let actions: Vec<(&str, &str)> =
        items.iter().map(|e| (e["action"].as_str().unwrap_or(""), e["entity_type"].as_str().unwrap_or(""))).collect();
    assert_eq!(actions, [("create", "allergy"), ("update", "patient"), ("create", "patient")], "newest first");
    for event in &items {
        assert_eq!(event["actor"], intake.as_str());
        assert_eq!(event["actor_roles"], "intake");
    }
    assert_eq!(
        items[1]["diff"],
        json!({"status": {"from": "referral", "to": "active"}, "version": {"from": 1, "to": 2}, "updated_at": items[1]["diff"]["updated_at"]})
    );
    assert_eq!(items[2]["diff"]["family_name"], json!({"from": null, "to": "Audited"}));

    let by_actor = expect_status(
        get(&app, &auditor, &format!("/api/v1/audit-events?actor={intake}&limit=1")).await?,
        StatusCode::OK,
    )
    .await?;
    assert_eq!(by_actor["items"].as_array().map(Vec::len), Some(1));
    let cursor = by_actor["next_cursor"].as_str().unwrap_or_default().to_owned();
    let next = expect_status(
        get(&app, &auditor, &format!("/api/v1/audit-events?actor={intake}&limit=1&cursor={cursor}")).await?,
        StatusCode::OK,
    )
    .await?;
    assert!(next["items"][0]["seq"].as_i64() < by_actor["items"][0]["seq"].as_i64());
    let by_entity =
        expect_status(get(&app, &auditor, &format!("/api/v1/audit-events?entity_id={id}")).await?, StatusCode::OK)
            .await?;
    assert_eq!(by_entity["items"].as_array().map(Vec::len), Some(2));
    let future =
        expect_status(get(&app, &auditor, "/api/v1/audit-events?from=2999-01-01").await?, StatusCode::OK).await?;
    assert_eq!(future["items"].as_array().map(Vec::len), Some(0));
    let bad = expect_status(
        get(&app, &auditor, "/api/v1/audit-events?from=yesterday").await?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await?;
    assert_eq!(error_fields(&bad), vec!["from"]);
    expect_status(get(&app, &token, "/api/v1/audit-events").await?, StatusCode::FORBIDDEN).await?;
    Ok(())
}

async fn a_tampered_row_is_detected(app: TestApp) -> Result<()> {
    let token = app.token_for(Role::Intake).await?;
    for family in ["Chain", "Links", "Hold"] {
        create_patient(&app, &token, family).await?;
    }
    let a = app.app.clone();
    let intact = tokio::task::spawn_blocking(move || a.verify_audit(&Caller::cli())).await??;
    let count = intact.map_err(|b| anyhow::anyhow!("chain broken before tampering: {b:?}"))?;
    assert!(count >= 5, "{count}");

    // The database refuses UPDATE and DELETE on the trail…
    let url = app.db.url.clone();
    let backend = app.backend();
    let refused = tokio::task::spawn_blocking({
        let url = url.clone();
        move || -> Result<bool> {
            let mut conn = raw_connection(&url, backend)?;
            Ok(conn.batch_execute("UPDATE audit_events SET actor_name = 'mallory' WHERE seq = 3").is_err()
                && conn.batch_execute("DELETE FROM audit_events WHERE seq = 3").is_err())
        }
    })
    .await??;
    assert!(refused, "append-only triggers");

    // …so an attacker with database access removes the trigger first; the chain still gives them away.
    tokio::task::spawn_blocking(move || -> Result<()> {
        let mut conn = raw_connection(&url, backend)?;
        match backend {
            Backend::Sqlite => conn.batch_execute("DROP TRIGGER audit_events_no_update")?,
            Backend::Postgres => {
                conn.batch_execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update")?
            }
        }
        conn.batch_execute("UPDATE audit_events SET actor_name = 'mallory' WHERE seq = 3")?;
        Ok(())
    })
    .await??;
    let a = app.app.clone();
    let broken = tokio::task::spawn_blocking(move || a.verify_audit(&Caller::cli())).await??;
    let link = broken.expect_err("tampering must be detected");
    assert_eq!(link.seq, 3);
    assert!(link.reason.contains("hash does not match"), "{}", link.reason);
    Ok(())
}

/// A connection of the test's own, outside the app (as an attacker with database access would have).
fn raw_connection(url: &str, backend: Backend) -> Result<store::PooledConn> {
    let parsed = store::DatabaseUrl::parse(url)?;
    anyhow::ensure!(matches!(
        (parsed.backend(), backend),
        (store::Backend::Sqlite, Backend::Sqlite) | (store::Backend::Postgres, Backend::Postgres)
    ));
    Ok(store::open_pool(&parsed, 1)?.get()?)
}
