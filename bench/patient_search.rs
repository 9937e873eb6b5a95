//! `patient-search`: how fast patient search answers over a large synthetic population, on SQLite and, when
//! `OPENINFUSION_TEST_POSTGRES_URL` is set (e.g. `postgres://postgres@127.0.0.1:5432/test`), on PostgreSQL.
//!
//! It measures twice: the app layer — `App::search_patients`, the function `GET /api/v1/patients` calls — and the
//! whole HTTP request `GET /api/v1/patients?q=…&limit=50` with a bearer token against the real router on a loopback
//! port (JSON encoding, authentication and the token lookup included). Per backend: a fresh database (a temp SQLite file; a new PostgreSQL
//! database `bench_<uuid>`, created through the given URL and dropped at the end), migrations, a bulk load of N
//! synthetic patients (`testkit::demo::load_bulk_patients`: no audit rows, a fixture only), an intake user holding
//! both branches, then 100 warm-up and 2,000 timed searches from a fixed mix of realistic queries. PostgreSQL gets
//! an `ANALYZE` after the load (what autovacuum does soon after in production); SQLite does not, as the app never
//! runs one.
//!
//! Run: `cargo run --release -p bench --bin patient-search [-- --patients N]` (default 100,000). With
//! `BENCH_KEEP_DATABASE` set, the PostgreSQL database is kept for `EXPLAIN ANALYZE`.

mod common;

use common::{ms, percentile, splitmix64};

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use app::patients::PatientSearch;
use app::users::CreateUser;
use app::{App, AuthMethod, Caller, SecurityConfig, SystemClock};
use diesel::connection::SimpleConnection;
use domain::role::Role;
use domain::user::{RoleGrant, UserInput};
use testkit::synthetic::{HOME_INFUSION_BRANCH, INFUSION_CENTRE_BRANCH, generate_patients};

const SEED: u64 = 20_260_101;
const WARM_UP: usize = 100;
const QUERIES: usize = 2_000;
const PAGE: i64 = 50;
const POSTGRES_ENV: &str = "OPENINFUSION_TEST_POSTGRES_URL";

/// What a search looks like, with its share of the mix in percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The first page of the unfiltered list.
    Empty,
    /// The first three letters of a family name, as typed while the list narrows.
    FamilyPrefix,
    FamilyName,
    /// "Given Family".
    GivenFamily,
    /// The first 5–7 characters of an MRN.
    MrnPrefix,
    /// Text no patient matches.
    Miss,
}

const MIX: [(Kind, u64, &str); 6] = [
    (Kind::Empty, 10, "empty q"),
    (Kind::FamilyPrefix, 30, "family prefix (3)"),
    (Kind::FamilyName, 25, "family name"),
    (Kind::GivenFamily, 20, "given + family"),
    (Kind::MrnPrefix, 10, "MRN prefix"),
    (Kind::Miss, 5, "miss"),
];

const MISSES: [&str; 4] = ["zzyzx", "qxj", "H9999", "Xylophone Quartz"];

struct Timed {
    kind: Kind,
    took: Duration,
    rows: usize,
}

struct Figures {
    backend: &'static str,
    load: Duration,
    timed: Vec<Timed>,
    http: Vec<Timed>,
}

fn main() -> anyhow::Result<()> {
    let patients = parse_args()?;
    let queries = build_queries(patients);
    eprintln!("patient-search: {patients} patients, {QUERIES} queries after {WARM_UP} warm-up (app layer, no HTTP)");
    let mut results = vec![run_sqlite(patients, &queries)?];
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.trim().is_empty() => results
            .push(common::with_scratch_postgres(url.trim(), |url| run_backend("postgres", url, patients, &queries))?),
        _ => eprintln!("{POSTGRES_ENV} is not set: PostgreSQL was not measured"),
    }
    print_report(patients, &results);
    Ok(())
}

fn parse_args() -> anyhow::Result<usize> {
    let mut patients = 100_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--patients" => {
                let value = args.next().context("--patients needs a number")?;
                patients = value.replace('_', "").parse().with_context(|| format!("--patients {value}"))?;
            }
            "-h" | "--help" => {
                println!(
                    "usage: patient-search [--patients N]   (default 100000; PostgreSQL too when {POSTGRES_ENV} is set)"
                );
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} (usage: patient-search [--patients N])"),
        }
    }
    if patients < 2 {
        bail!("--patients must be at least 2");
    }
    Ok(patients)
}

/// Warm-up plus timed queries, drawn deterministically from the first patients the bulk load inserts (the same
/// seed and indexes), so names and MRNs exist in the database.
fn build_queries(patients: usize) -> Vec<(Kind, String)> {
    let now = chrono::Utc::now().naive_utc();
    let per_branch = (patients / 2).clamp(1, 500);
    let mut sample = generate_patients(SEED, &HOME_INFUSION_BRANCH, per_branch, 0, now);
    sample.extend(generate_patients(SEED, &INFUSION_CENTRE_BRANCH, per_branch, 0, now));
    let total: u64 = MIX.iter().map(|m| m.1).sum();
    (0..(WARM_UP + QUERIES) as u64)
        .map(|i| {
            let kind = pick_kind(splitmix64(i) % total);
            let draw = splitmix64(i ^ 0x5EED);
            let p = &sample[(draw % sample.len() as u64) as usize];
            let q = match kind {
                Kind::Empty => String::new(),
                Kind::FamilyPrefix => p.family_name.chars().take(3).collect(),
                Kind::FamilyName => p.family_name.clone(),
                Kind::GivenFamily => format!("{} {}", p.given_name, p.family_name),
                Kind::MrnPrefix => p.mrn.chars().take(5 + (draw >> 32) as usize % 3).collect(),
                Kind::Miss => MISSES[(draw >> 32) as usize % MISSES.len()].to_owned(),
            };
            (kind, q)
        })
        .collect()
}

/// The kind whose share of the mix `roll` (below the total share) falls into.
fn pick_kind(mut roll: u64) -> Kind {
    for (kind, share, _) in MIX {
        if roll < share {
            return kind;
        }
        roll -= share;
    }
    Kind::Empty
}

fn run_sqlite(patients: usize, queries: &[(Kind, String)]) -> anyhow::Result<Figures> {
    let dir = std::env::temp_dir().join(format!("openinfusion-bench-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let result = run_backend("sqlite", &url, patients, queries);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_backend(
    backend: &'static str,
    url: &str,
    patients: usize,
    queries: &[(Kind, String)],
) -> anyhow::Result<Figures> {
    let pool = store::open_pool(&store::DatabaseUrl::parse(url)?, 8)?;
    let app = App::new(pool.clone(), Arc::new(SystemClock), SecurityConfig::default());
    app.migrate(chrono_tz::America::New_York).context("migrating")?;

    eprintln!("{backend}: loading {patients} patients …");
    let started = Instant::now();
    testkit::demo::load_bulk_patients(&app, &pool, patients, SEED)?;
    let load = started.elapsed();
    if backend == "postgres" {
        // Planner statistics, as autovacuum would gather them within a minute of a bulk change in production;
        // without them PostgreSQL sorts every row for the unfiltered list. SQLite gets none: nothing in the app
        // runs ANALYZE there.
        pool.get()?.batch_execute("ANALYZE").context("analyzing")?;
    }

    let grants = app.list_branches()?.iter().map(|b| RoleGrant { branch_id: b.id, role: Role::Intake }).collect();
    let input = UserInput {
        username: Some("bench-intake".into()),
        display_name: None,
        password: Some("bench-intake-password".into()),
    };
    let user = app.create_user(&Caller::cli(), CreateUser { input, grants, home_branch: None })?;
    let caller = Caller::user(user, AuthMethod::Session, None);

    eprintln!("{backend}: searching …");
    let mut timed = Vec::with_capacity(QUERIES);
    for (i, (kind, q)) in queries.iter().enumerate() {
        let search = PatientSearch { q: Some(q.clone()), cursor: None, limit: Some(PAGE) };
        let started = Instant::now();
        let page = app.search_patients(&caller, &search).with_context(|| format!("searching {q:?}"))?;
        let took = started.elapsed();
        if i >= WARM_UP {
            timed.push(Timed { kind: *kind, took, rows: page.items.len() });
        }
    }
    let mut unmatched: Vec<&str> = queries[WARM_UP..]
        .iter()
        .zip(&timed)
        .filter(|((kind, _), t)| *kind != Kind::Miss && t.rows == 0)
        .map(|((_, q), _)| q.as_str())
        .collect();
    unmatched.sort_unstable();
    unmatched.dedup();
    if !unmatched.is_empty() {
        eprintln!("{backend}: these queries for existing patients found nobody: {unmatched:?}");
    }
    eprintln!("{backend}: searching over HTTP …");
    let token = app.create_api_token(&Caller::cli(), "bench-intake", "bench")?.token;
    let http = search_over_http(&app, &token, queries)?;
    Ok(Figures { backend, load, timed, http })
}

/// The same queries as `GET /api/v1/patients` against the real router on 127.0.0.1, one at a time.
fn search_over_http(app: &App, token: &str, queries: &[(Kind, String)]) -> anyhow::Result<Vec<Timed>> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}/api/v1/patients", listener.local_addr()?);
        let router = web::router(web::AppState::new(app.clone()));
        let server = tokio::spawn(async move { axum::serve(listener, router).await });
        let client = reqwest::Client::new();
        let mut timed = Vec::with_capacity(QUERIES);
        for (i, (kind, q)) in queries.iter().enumerate() {
            let started = Instant::now();
            let response =
                client.get(&base).query(&[("q", q.as_str()), ("limit", "50")]).bearer_auth(token).send().await?;
            anyhow::ensure!(response.status().is_success(), "GET {q:?} answered {}", response.status());
            let body: serde_json::Value = response.json().await?;
            let took = started.elapsed();
            if i >= WARM_UP {
                let rows = body["items"].as_array().map_or(0, Vec::len);
                timed.push(Timed { kind: *kind, took, rows });
            }
        }
        server.abort();
        Ok(timed)
    })
}

fn print_report(patients: usize, results: &[Figures]) {
    println!();
    println!("patient search, app layer (App::search_patients, no HTTP): {patients} patients, limit {PAGE},");
    println!("{QUERIES} timed queries after {WARM_UP} warm-up, one thread");
    println!();
    println!(
        "{:<9} {:>8} {:>11} {:>8} {:>8} {:>8} {:>8} {:>10} {:>10}",
        "backend", "load s", "load rows/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "queries/s", "rows/s"
    );
    for f in results {
        let mut times: Vec<Duration> = f.timed.iter().map(|t| t.took).collect();
        times.sort_unstable();
        let total: Duration = times.iter().sum();
        let rows: usize = f.timed.iter().map(|t| t.rows).sum();
        println!(
            "{:<9} {:>8.2} {:>11.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>10.0} {:>10.0}",
            f.backend,
            f.load.as_secs_f64(),
            patients as f64 / f.load.as_secs_f64(),
            ms(percentile(&times, 0.50)),
            ms(percentile(&times, 0.90)),
            ms(percentile(&times, 0.99)),
            ms(times.last().copied().unwrap_or_default()),
            times.len() as f64 / total.as_secs_f64(),
            rows as f64 / total.as_secs_f64(),
        );
    }
    println!();
    println!("GET /api/v1/patients?q=…&limit={PAGE} over loopback HTTP with a bearer token (same queries):");
    println!("{:<9} {:>8} {:>8} {:>8} {:>8} {:>10}", "backend", "p50 ms", "p90 ms", "p99 ms", "max ms", "requests/s");
    for f in results {
        let mut times: Vec<Duration> = f.http.iter().map(|t| t.took).collect();
        times.sort_unstable();
        let total: Duration = times.iter().sum();
        println!(
            "{:<9} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>10.0}",
            f.backend,
            ms(percentile(&times, 0.50)),
            ms(percentile(&times, 0.90)),
            ms(percentile(&times, 0.99)),
            ms(times.last().copied().unwrap_or_default()),
            times.len() as f64 / total.as_secs_f64(),
        );
    }
    println!();
    println!("app layer by query kind: p50 / p99 / max ms, mean rows returned (of {PAGE}), queries with no result");
    let mut header = format!("{:<18} {:>5}", "kind", "n");
    for f in results {
        header.push_str(&format!("  {:<36}", f.backend));
    }
    println!("{}", header.trim_end());
    for (kind, _, label) in MIX {
        let mut line = String::new();
        for (i, f) in results.iter().enumerate() {
            let of_kind: Vec<&Timed> = f.timed.iter().filter(|t| t.kind == kind).collect();
            if i == 0 {
                line = format!("{label:<18} {:>5}", of_kind.len());
            }
            let mut times: Vec<Duration> = of_kind.iter().map(|t| t.took).collect();
            times.sort_unstable();
            let rows: usize = of_kind.iter().map(|t| t.rows).sum();
            let empty = of_kind.iter().filter(|t| t.rows == 0).count();
            let cell = format!(
                "{:.2} / {:.2} / {:.2}, {:.1} rows, {empty} empty",
                ms(percentile(&times, 0.50)),
                ms(percentile(&times, 0.99)),
                ms(times.last().copied().unwrap_or_default()),
                rows as f64 / of_kind.len().max(1) as f64,
            );
            line.push_str(&format!("  {cell:<36}"));
        }
        println!("{}", line.trim_end());
    }
}
