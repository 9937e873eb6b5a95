//! Sign-in and sign-out, CSRF, the sign-in rate limit, TOTP, and bearer tokens.

use anyhow::Result;
use app::Caller;
use domain::role::Role;
use reqwest::StatusCode;
use testkit::spawn::{TEST_PASSWORD, TestApp, hidden_value};

use crate::helpers::*;

testkit::on_both_backends! {
    sign_in_and_out => sign_in_and_out;
    forms_without_the_session_csrf_token_are_refused => forms_without_the_session_csrf_token_are_refused;
    repeated_failures_lock_the_username => repeated_failures_lock_the_username;
    totp_second_factor => totp_second_factor;
    bearer_tokens => bearer_tokens;
}

async fn sign_in_and_out(app: TestApp) -> Result<()> {
    let page = app.client.get(app.url("/patients")).send().await?;
    assert_eq!(page.status(), StatusCode::SEE_OTHER, "signed out: redirect to sign in");
    assert_eq!(page.headers().get("location").and_then(|v| v.to_str().ok()), Some("/login?next=%2Fpatients"));

    let username = app.create_user(Role::Nurse).await?;
    let wrong = app.post_login(&username, "wrong password!!").await?;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await?.contains("not correct"));

    let ok = app.post_login(&username, TEST_PASSWORD).await?;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let cookie = session_cookie(&ok);
    assert!(
        cookie.contains("oi_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let home = app.client.get(app.url("/")).send().await?;
    assert_eq!(home.status(), StatusCode::OK);
    let html = home.text().await?;
    assert!(html.contains("nav aria-label=\"Main\""));

    // A second sign-in issues a new session token (rotation).
    let again = app.post_login(&username, TEST_PASSWORD).await?;
    let second_cookie = session_cookie(&again);
    assert_ne!(cookie.split(';').next(), second_cookie.split(';').next());

    let csrf =
        hidden_value(&app.client.get(app.url("/")).send().await?.text().await?, "csrf_token").unwrap_or_default();
    let out = app.client.post(app.url("/logout")).form(&[("csrf_token", csrf)]).send().await?;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let after = app.client.get(app.url("/")).send().await?;
    assert_eq!(after.status(), StatusCode::SEE_OTHER, "the session is gone after sign-out");
    Ok(())
}

/// The `Set-Cookie` header that sets the session.
fn session_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("oi_session="))
        .unwrap_or_default()
        .to_owned()
}

async fn forms_without_the_session_csrf_token_are_refused(app: TestApp) -> Result<()> {
    app.sign_in_as(Role::Intake).await?;
    let fields =
        [("mrn", "C1"), ("given_name", "Cy"), ("family_name", "Surf"), ("birth_date", "1970-01-01"), ("sex", "male")];
    let missing = app.client.post(app.url("/patients")).form(&fields).send().await?;
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    let mut forged = fields.to_vec();
    forged.push(("csrf_token", "forged-token-value"));
    assert_eq!(app.client.post(app.url("/patients")).form(&forged).send().await?.status(), StatusCode::FORBIDDEN);
    // Sign-in itself needs the double-submit token.
    let fresh = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let login =
        fresh.post(app.url("/login")).form(&[("username", "x"), ("password", "y"), ("csrf_token", "z")]).send().await?;
    assert_eq!(login.status(), StatusCode::FORBIDDEN);
    // With the right token the same form is accepted.
    let csrf = app.session_csrf().await?;
    let mut good = fields.to_vec();
    good.push(("csrf_token", csrf.as_str()));
    assert_eq!(app.client.post(app.url("/patients")).form(&good).send().await?.status(), StatusCode::SEE_OTHER);
    Ok(())
}

async fn repeated_failures_lock_the_username(app: TestApp) -> Result<()> {
    let username = app.create_user(Role::Pharmacist).await?;
    for attempt in 1..=5 {
        let response = app.post_login(&username, "not the password").await?;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let locked = app.post_login(&username, TEST_PASSWORD).await?;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits out the window");
    assert!(locked.text().await?.contains("too many failed sign-ins"));
    let other = app.create_user(Role::Pharmacist).await?;
    assert_eq!(
        app.post_login(&other, TEST_PASSWORD).await?.status(),
        StatusCode::SEE_OTHER,
        "other users are not locked"
    );
    Ok(())
}

async fn totp_second_factor(app: TestApp) -> Result<()> {
    let username = app.sign_in_as(Role::Nurse).await?;
    let secret = app::auth::new_totp_secret();
    let code = app::auth::totp_code(&secret, chrono::Utc::now()).unwrap_or_default();
    let caller = {
        let a = app.app.clone();
        let name = username.clone();
        tokio::task::spawn_blocking(move || a.find_user_by_username(&Caller::cli(), &name)).await??
    };
    let a = app.app.clone();
    let s = secret.clone();
    tokio::task::spawn_blocking(move || {
        a.enroll_totp(&Caller::user(caller, app::AuthMethod::Session, None), &s, &code)
    })
    .await??;

    let fresh = TestAppClient::new(&app)?;
    let without = fresh.login(&username, TEST_PASSWORD, None).await?;
    assert_eq!(without.0, StatusCode::UNAUTHORIZED);
    assert!(without.1.contains("One-time code"), "the form asks for the code");
    let wrong = fresh.login(&username, TEST_PASSWORD, Some("000000")).await?;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    let code = app::auth::totp_code(&secret, chrono::Utc::now()).unwrap_or_default();
    let right = fresh.login(&username, TEST_PASSWORD, Some(&code)).await?;
    assert_eq!(right.0, StatusCode::SEE_OTHER);
    Ok(())
}

/// A second browser (its own cookies).
struct TestAppClient {
    client: reqwest::Client,
    base: String,
}

impl TestAppClient {
    fn new(app: &TestApp) -> Result<Self> {
        Ok(Self {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            base: app.address.clone(),
        })
    }

    async fn login(&self, username: &str, password: &str, code: Option<&str>) -> Result<(StatusCode, String)> {
        let page = self.client.get(format!("{}/login", self.base)).send().await?.text().await?;
        let csrf = hidden_value(&page, "csrf_token").unwrap_or_default();
        let mut form = vec![("username", username), ("password", password), ("csrf_token", csrf.as_str())];
        if let Some(code) = code {
            form.push(("code", code));
        }
        let response = self.client.post(format!("{}/login", self.base)).form(&form).send().await?;
        Ok((response.status(), response.text().await?))
    }
}

async fn bearer_tokens(app: TestApp) -> Result<()> {
    expect_status(app.client.get(app.url("/api/v1/patients")).send().await?, StatusCode::UNAUTHORIZED).await?;
    expect_status(get(&app, "oit_not-a-real-token", "/api/v1/patients").await?, StatusCode::UNAUTHORIZED).await?;
    let token = app.token_for(Role::Scheduler).await?;
    expect_status(get(&app, &token, "/api/v1/patients").await?, StatusCode::OK).await?;
    // Stored hashed: the token text appears nowhere in the database's token table.
    let a = app.app.clone();
    let tokens = tokio::task::spawn_blocking(move || a.list_api_tokens(&Caller::cli())).await??;
    let id = tokens.iter().find(|t| t.token.revoked_at.is_none()).map(|t| t.token.id).expect("a token");
    let a = app.app.clone();
    tokio::task::spawn_blocking(move || a.revoke_api_token(&Caller::cli(), id)).await??;
    expect_status(get(&app, &token, "/api/v1/patients").await?, StatusCode::UNAUTHORIZED).await?;
    // A disabled user's token stops working too.
    let other = app.create_user(Role::Biller).await?;
    let a = app.app.clone();
    let name = other.clone();
    let other_token = tokio::task::spawn_blocking(move || a.create_api_token(&Caller::cli(), &name, "t")).await??.token;
    expect_status(get(&app, &other_token, "/api/v1/patients").await?, StatusCode::OK).await?;
    let a = app.app.clone();
    tokio::task::spawn_blocking(move || {
        let user = a.find_user_by_username(&Caller::cli(), &other)?;
        a.set_user_disabled(&Caller::cli(), user.id, true, Some("left the organisation"))
    })
    .await??;
    expect_status(get(&app, &other_token, "/api/v1/patients").await?, StatusCode::UNAUTHORIZED).await?;
    Ok(())
}
