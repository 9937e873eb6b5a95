//! Two writers on one patient with the same version: exactly one wins, the other is told (412), nothing is lost.

use anyhow::Result;
use domain::role::Role;
use reqwest::StatusCode;
use serde_json::json;
use testkit::spawn::TestApp;

use crate::helpers::*;

testkit::on_both_backends! {
    two_concurrent_writers_one_wins => two_concurrent_writers_one_wins;
}

async fn two_concurrent_writers_one_wins(app: TestApp) -> Result<()> {
    let token = app.token_for(Role::Intake).await?;
    for round in 0..5 {
        let patient = create_patient(&app, &token, &format!("Race{round}")).await?;
        let path = format!("/api/v1/patients/{}", id_of(&patient));
        let (phone, email) = (json!({"phone": "+1 614-555-0111"}), json!({"email": "b@example.org"}));
        let (a, b) = tokio::join!(
            patch_json(&app, &token, &path, Some(1), &phone),
            patch_json(&app, &token, &path, Some(1), &email),
        );
        let statuses = [a?.status(), b?.status()];
        let wins = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        let stale = statuses.iter().filter(|s| **s == StatusCode::PRECONDITION_FAILED).count();
        assert_eq!((wins, stale), (1, 1), "round {round}: {statuses:?}");
        let now = expect_status(get(&app, &token, &path).await?, StatusCode::OK).await?;
        assert_eq!(now["version"], 2);
        let applied = [now["phone"].is_string(), now["email"].is_string()];
        assert_eq!(applied.iter().filter(|x| **x).count(), 1, "exactly the winner's change is stored: {now}");
    }
    Ok(())
}
