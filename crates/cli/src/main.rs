//! The `openinfusion` binary: `serve`, `migrate`, `demo` and `admin …` (DESIGN.md §4). Configuration comes from
//! flags or `OPENINFUSION_*` environment variables; every failure ends with one clear line and a non-zero exit.

mod admin;
mod serve;

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "openinfusion",
    version,
    about = "Open-source infusion pharmacy and alternate-site infusion operations"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives.
#[derive(clap::Args, Clone)]
pub struct DatabaseArgs {
    /// sqlite://PATH (default, a file) or postgres://USER@HOST/DB
    #[arg(long, global = true, env = "OPENINFUSION_DATABASE_URL", default_value = "sqlite://openinfusion.db")]
    pub database_url: String,
    /// IANA time zone of the main branch `migrate` creates (e.g. America/New_York)
    #[arg(long, global = true, env = "OPENINFUSION_TIME_ZONE", default_value = "UTC")]
    pub time_zone: String,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrates first)
    Serve(serve::ServeArgs),
    /// Apply database migrations and create the main branch
    Migrate {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Load the synthetic demo data set into an empty database and print the demo logins
    Demo {
        #[command(flatten)]
        db: DatabaseArgs,
    },
    /// Administration: users, tokens, branches, audit verification
    Admin {
        #[command(flatten)]
        db: DatabaseArgs,
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    init_logging();
    let result = match cli.command {
        Command::Serve(args) => serve::serve(args),
        Command::Migrate { db } => migrate(&db),
        Command::Demo { db } => demo(&db),
        Command::Admin { db, command } => admin::run(&db, command),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr: JSON when `OPENINFUSION_LOG_FORMAT=json` (production), readable text otherwise; the level from
/// `RUST_LOG` (default `info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::env::var("OPENINFUSION_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Opens the database (failing fast with the database's own message) and applies migrations.
pub fn open_app(db: &DatabaseArgs, pool_size: u32) -> anyhow::Result<app::App> {
    let zone: chrono_tz::Tz = db.time_zone.parse().map_err(|_| {
        anyhow::anyhow!("--time-zone {:?} is not an IANA time zone such as America/New_York", db.time_zone)
    })?;
    let url = store::DatabaseUrl::parse(&db.database_url)?;
    let pool = store::open_pool(&url, pool_size)?;
    let app = app::App::new(pool, Arc::new(app::SystemClock), app::SecurityConfig::default());
    let applied = app.migrate(zone)?;
    if applied > 0 {
        tracing::info!(applied, "migrations applied");
    }
    Ok(app)
}

fn migrate(db: &DatabaseArgs) -> anyhow::Result<ExitCode> {
    open_app(db, 2)?;
    println!("database is up to date");
    Ok(ExitCode::SUCCESS)
}

fn demo(db: &DatabaseArgs) -> anyhow::Result<ExitCode> {
    let app = open_app(db, 4)?;
    match testkit::demo::load_demo(&app)? {
        Some(logins) => print_demo_logins(&logins),
        None => println!("the database already holds data; the demo data set was not loaded"),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn print_demo_logins(logins: &[testkit::demo::DemoLogin]) {
    println!("Demo data loaded. Sign in with any of these (synthetic data only):");
    for login in logins {
        println!(
            "  {:<22} password {:<20} {} at {}",
            login.username,
            login.password,
            login.role.label(),
            login.branch_code
        );
    }
}
