//! Test databases and the real app on a random port. `TestDb` is a fresh SQLite file or a fresh PostgreSQL schema
//! (when `OPENINFUSION_TEST_POSTGRES_URL` is set), removed on drop; `spawn_app` migrates it and serves the real
//! router on 127.0.0.1:0; `TestApp` has helpers named after what a user does.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use app::users::CreateUser;
use app::{App, Caller, SecurityConfig, SystemClock};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use domain::BranchId;
use domain::role::Role;
use domain::user::{RoleGrant, UserInput};

pub const POSTGRES_ENV: &str = "OPENINFUSION_TEST_POSTGRES_URL";
pub const TEST_PASSWORD: &str = "test-password-123";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    sqlite_path: Option<std::path::PathBuf>,
    pg_schema: Option<(String, String)>,
}

impl TestDb {
    /// A fresh database of `backend`; `None` for PostgreSQL when the environment names none (the caller prints
    /// that it did not run). A set URL that cannot connect is an error, never a skip.
    pub fn new(backend: Backend) -> Result<Option<Self>> {
        let name = format!("t_{}", uuid::Uuid::now_v7().simple());
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("openinfusion-{name}.db"));
                Ok(Some(TestDb {
                    url: format!("sqlite://{}", path.display()),
                    backend,
                    sqlite_path: Some(path),
                    pg_schema: None,
                }))
            }
            Backend::Postgres => {
                let Ok(base) = std::env::var(POSTGRES_ENV) else {
                    return Ok(None);
                };
                let mut conn = PgConnection::establish(&base)
                    .with_context(|| format!("{POSTGRES_ENV} is set but cannot connect"))?;
                conn.batch_execute(&format!("CREATE SCHEMA {name}")).context("cannot create the test schema")?;
                let separator = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{separator}options=-csearch_path%3D{name}");
                Ok(Some(TestDb { url, backend, sqlite_path: None, pg_schema: Some((base, name)) }))
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(path) = &self.sqlite_path {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        if let Some((base, schema)) = &self.pg_schema
            && let Ok(mut conn) = PgConnection::establish(base)
        {
            let _ = conn.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}

/// An app over a migrated test database, without HTTP.
pub fn test_app(url: &str) -> Result<App> {
    let url = store::DatabaseUrl::parse(url)?;
    let pool = store::open_pool(&url, 8)?;
    let app = App::new(pool, Arc::new(SystemClock), SecurityConfig::default());
    app.migrate(chrono_tz::America::New_York)?;
    Ok(app)
}

/// The real application on a random port.
pub struct TestApp {
    pub address: String,
    pub app: App,
    /// Keeps cookies, follows no redirects.
    pub client: reqwest::Client,
    pub main_branch: BranchId,
    pub db: TestDb,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Starts the app on a fresh database of `backend`; `None` when PostgreSQL is not configured.
pub async fn spawn_app(backend: Backend) -> Result<Option<TestApp>> {
    let Some(db) = TestDb::new(backend)? else {
        return Ok(None);
    };
    let url = db.url.clone();
    let app = tokio::task::spawn_blocking(move || test_app(&url)).await??;
    let main_branch = {
        let app = app.clone();
        tokio::task::spawn_blocking(move || app.main_branch()).await??.id
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = format!("http://{}", listener.local_addr()?);
    let router = web::router(web::AppState::new(app.clone()));
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    Ok(Some(TestApp { address, app, client, main_branch, db, server }))
}

/// Prints that the PostgreSQL half of a test did not run (so it never passes silently).
pub fn postgres_not_configured(test: &str) {
    eprintln!("{test}: PostgreSQL not run ({POSTGRES_ENV} is unset)");
}

/// Runs one async test body against a backend, reporting a missing PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident => $body:ident;)+) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() -> anyhow::Result<()> {
                let app = $crate::spawn::spawn_app($crate::spawn::Backend::Sqlite).await?.expect("sqlite is always available");
                super::$body(app).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() -> anyhow::Result<()> {
                match $crate::spawn::spawn_app($crate::spawn::Backend::Postgres).await? {
                    Some(app) => super::$body(app).await,
                    None => {
                        $crate::spawn::postgres_not_configured(concat!(module_path!(), "::postgres"));
                        Ok(())
                    }
                }
            }
        }
    )+};
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn backend(&self) -> Backend {
        self.db.backend
    }

    /// Creates a user holding `role` at the main branch; returns the username (password [`TEST_PASSWORD`]).
    pub async fn create_user(&self, role: Role) -> Result<String> {
        self.create_user_at(role, self.main_branch).await
    }

    pub async fn create_user_at(&self, role: Role, branch: BranchId) -> Result<String> {
        let username = format!("{}-{}", role.as_str(), &uuid::Uuid::now_v7().simple().to_string()[20..]);
        let app = self.app.clone();
        let name = username.clone();
        tokio::task::spawn_blocking(move || {
            app.create_user(
                &Caller::cli(),
                CreateUser {
                    input: UserInput { username: Some(name), display_name: None, password: Some(TEST_PASSWORD.into()) },
                    grants: vec![RoleGrant { branch_id: branch, role }],
                    home_branch: Some(branch),
                },
            )
        })
        .await??;
        Ok(username)
    }

    /// A bearer token for a new user with `role`.
    pub async fn token_for(&self, role: Role) -> Result<String> {
        let username = self.create_user(role).await?;
        let app = self.app.clone();
        Ok(tokio::task::spawn_blocking(move || app.create_api_token(&Caller::cli(), &username, "test")).await??.token)
    }

    /// The CSRF token of the sign-in form (and its cookie, kept by the client).
    pub async fn get_login_csrf(&self) -> Result<String> {
        let html = self.client.get(self.url("/login")).send().await?.text().await?;
        hidden_value(&html, "csrf_token").context("the sign-in page has no csrf_token")
    }

    /// Signs in through the form; returns the response (303 on success).
    pub async fn post_login(&self, username: &str, password: &str) -> Result<reqwest::Response> {
        let csrf = self.get_login_csrf().await?;
        Ok(self
            .client
            .post(self.url("/login"))
            .form(&[("username", username), ("password", password), ("csrf_token", csrf.as_str())])
            .send()
            .await?)
    }

    /// Signs in as a new user with `role`; fails unless the sign-in redirects.
    pub async fn sign_in_as(&self, role: Role) -> Result<String> {
        let username = self.create_user(role).await?;
        let response = self.post_login(&username, TEST_PASSWORD).await?;
        if response.status() != reqwest::StatusCode::SEE_OTHER {
            bail!("sign-in as {username} answered {}", response.status());
        }
        Ok(username)
    }

    /// The CSRF token of the signed-in session, read from a page's form.
    pub async fn session_csrf(&self) -> Result<String> {
        let html = self.client.get(self.url("/patients/new")).send().await?.text().await?;
        hidden_value(&html, "csrf_token").context("no csrf_token on /patients/new (is the user signed in and allowed?)")
    }
}

/// The value of the first hidden input named `name`.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(&format!("input[name=\"{name}\"]")).ok()?;
    document.select(&selector).next().and_then(|e| e.value().attr("value")).map(str::to_owned)
}
