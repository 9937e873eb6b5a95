//! `orders`: how fast order decision support and the pharmacist's verification queue answer, on SQLite and, when
//! `OPENINFUSION_TEST_POSTGRES_URL` is set (e.g. `postgres://postgres@127.0.0.1:5432/test`), on PostgreSQL.
//!
//! Per backend: a fresh database (a temp SQLite file; a new PostgreSQL database `bench_<uuid>`, created through the
//! given URL and dropped at the end), migrations (which seed the formulary), a pharmacist at the main branch, then:
//!
//! 1. **Decision support for one order.** A synthetic adult patient registered through `App::create_patient`, with
//!    weight, height, a creatinine, a penicillin allergy and a PICC (`App::add_patient_record`); 10 current orders
//!    (vancomycin, piperacillin-tazobactam, micafungin, heparin infusion, ondansetron and morphine PRN, doxorubicin
//!    per m², cefazolin, acyclovir per kg, a parenteral-nutrition admixture with its formula), six of them verified
//!    and started, four waiting for verification; and a history of 32 prescriptions moved through the real use
//!    cases (`create_order`, `verify_order` with an override for each hard stop, `transition_order`,
//!    `change_order`): 16 completed, 8 discontinued, 8 changed after verification (superseded, their new version
//!    completed) — 40 finished order rows. Then `App::check_order` for a new vancomycin order (the function
//!    `POST /api/v1/orders/check` calls: permission, patient, validation, records, every order of the patient,
//!    formulary, the rules) 100 warm-up + 2,000 timed calls (target p99 ≤ 2 ms), and the pure engine
//!    `clinical::checks::check_order` on the same input built once (`app::orders::patient_context`), 1,000 warm-up
//!    and 20,000 timed calls; then each store call `App::check_order` makes, timed alone on one connection, to show
//!    where the time goes.
//! 2. **The verification queue.** 10,000 orders pending verification across 2,000 synthetic patients at the main
//!    branch (patients inserted with `store::patient::insert_many` as the patient-search fixture does; orders
//!    through `App::create_order` one by one, an audit row each, unless `--store-load`, which inserts them with
//!    `OrderRepository::insert` in write transactions of 1,000). ~5% stat, ~15% urgent. PostgreSQL gets an
//!    `ANALYZE` after the load. Then, as the pharmacist: `App::verification_queue` (first page of 50, and the
//!    second through its cursor), `GET /api/v1/orders?status=pending_verification&limit=50` with a bearer token
//!    (and its `next_cursor` page), and the HTML queue `GET /verification` with a signed-in session cookie, against
//!    the real router on a loopback port; 20 warm-up + 500 timed each (target ≤ 50 ms).
//!
//! Percentiles are nearest-rank. Run: `cargo run --release -p bench --bin orders [-- --orders N] [--patients N]
//! [--store-load]`. With `BENCH_KEEP_DATABASE` set, the PostgreSQL database is kept for `EXPLAIN ANALYZE`.

mod common;

use common::{ms, percentile, splitmix64};

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use app::orders::Override;
use app::patient_records::{NewRecord, Record};
use app::users::CreateUser;
use app::{App, AuthMethod, Caller, SecurityConfig, SystemClock};
use chrono::{DateTime, SecondsFormat, Utc};
use clinical::checks::{CheckInput, OtherOrder};
use diesel::connection::SimpleConnection;
use domain::access_device::AccessDeviceInput;
use domain::allergy::AllergyInput;
use domain::lab::LabInput;
use domain::measurement::MeasurementInput;
use domain::order::{Order, OrderAction, OrderInput, OrderStatus, QuantityInput};
use domain::patient::Patient;
use domain::role::Role;
use domain::user::{RoleGrant, UserInput};
use domain::{OrderId, PatientId};
use store::order::OrderRepository;
use testkit::synthetic::{HOME_INFUSION_BRANCH, generate_patients};

const SEED: u64 = 20_260_101;
const POSTGRES_ENV: &str = "OPENINFUSION_TEST_POSTGRES_URL";
const PHARMACIST: &str = "bench-pharmacist";
const PASSWORD: &str = "bench-pharmacist-password";
const NPI: &str = "1234567893";

const CHECK_WARM_UP: usize = 100;
const CHECKS: usize = 2_000;
const ENGINE_WARM_UP: usize = 1_000;
const ENGINE_RUNS: usize = 20_000;
const QUEUE_WARM_UP: usize = 20;
const QUEUE_RUNS: usize = 500;
const PAGE: i64 = 50;
const HISTORY_LINEAGES: usize = 32;
const CHECK_TARGET_P99_MS: f64 = 2.0;
const QUEUE_TARGET_MS: f64 = 50.0;
/// Orders per write transaction with `--store-load`.
const STORE_CHUNK: usize = 1_000;

/// Drugs of the queue orders: (code, dose, unit, frequency), all IV.
const QUEUE_DRUGS: [(&str, &str, &str, &str); 10] = [
    ("vancomycin", "1250", "mg", "q12h"),
    ("cefazolin", "2000", "mg", "q8h"),
    ("ceftriaxone", "2000", "mg", "q24h"),
    ("micafungin", "100", "mg", "q24h"),
    ("ondansetron", "8", "mg", "q8h"),
    ("meropenem", "1000", "mg", "q8h"),
    ("daptomycin", "500", "mg", "q24h"),
    ("acyclovir", "700", "mg", "q8h"),
    ("ertapenem", "1000", "mg", "q24h"),
    ("piperacillin-tazobactam", "4.5", "g", "q6h"),
];

struct Args {
    orders: usize,
    patients: usize,
    store_load: bool,
}

/// Sorted durations of one measurement.
struct Series(Vec<Duration>);

impl Series {
    fn new(mut times: Vec<Duration>) -> Self {
        times.sort_unstable();
        Series(times)
    }

    fn p(&self, p: f64) -> f64 {
        ms(percentile(&self.0, p))
    }

    fn max(&self) -> f64 {
        ms(self.0.last().copied().unwrap_or_default())
    }

    fn us(&self, p: f64) -> f64 {
        self.p(p) * 1_000.0
    }
}

struct Figures {
    backend: &'static str,
    /// Registering the decision-support patient and moving its 50 order rows through the use cases.
    ds_setup: Duration,
    ds_rows: usize,
    check_app: Series,
    check_engine: Series,
    /// The store calls of `App::check_order`, each alone.
    check_parts: Vec<(&'static str, Series)>,
    alerts: String,
    load: Duration,
    load_patients: Duration,
    queue_total: i64,
    queue_app: Series,
    queue_app_page2: Series,
    api: Series,
    api_page2: Series,
    /// The HTML queue, or why it was not measured.
    ui: Result<UiFigures, String>,
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    eprintln!(
        "orders: decision support on one patient, then the queue with {} pending orders across {} patients",
        args.orders, args.patients
    );
    let mut results = vec![run_sqlite(&args)?];
    match std::env::var(POSTGRES_ENV) {
        Ok(url) if !url.trim().is_empty() => {
            results.push(common::with_scratch_postgres(url.trim(), |url| run_backend("postgres", url, &args))?)
        }
        _ => eprintln!("{POSTGRES_ENV} is not set: PostgreSQL was not measured"),
    }
    print_report(&args, &results);
    Ok(())
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args { orders: 10_000, patients: 2_000, store_load: false };
    let usage = "usage: orders [--orders N] [--patients N] [--store-load]";
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut number = |name: &str| -> anyhow::Result<usize> {
            let value = it.next().with_context(|| format!("{name} needs a number"))?;
            value.replace('_', "").parse().with_context(|| format!("{name} {value}"))
        };
        match arg.as_str() {
            "--orders" => args.orders = number("--orders")?,
            "--patients" => args.patients = number("--patients")?,
            "--store-load" => args.store_load = true,
            "-h" | "--help" => {
                println!("{usage}   (defaults 10000 orders, 2000 patients; PostgreSQL too when {POSTGRES_ENV} is set)");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} ({usage})"),
        }
    }
    ensure!(args.orders >= 2 * PAGE as usize, "--orders must be at least {}", 2 * PAGE);
    ensure!(args.patients >= 1, "--patients must be at least 1");
    Ok(args)
}

fn run_sqlite(args: &Args) -> anyhow::Result<Figures> {
    let dir = std::env::temp_dir().join(format!("openinfusion-bench-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let result = run_backend("sqlite", &url, args);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_backend(backend: &'static str, url: &str, args: &Args) -> anyhow::Result<Figures> {
    let pool = store::open_pool(&store::DatabaseUrl::parse(url)?, 8)?;
    let app = App::new(pool.clone(), Arc::new(SystemClock), SecurityConfig::default());
    app.migrate(chrono_tz::America::New_York).context("migrating")?;
    let cli = Caller::cli();
    let main = app.main_branch()?;
    let input = UserInput {
        username: Some(PHARMACIST.into()),
        display_name: Some("Bench Pharmacist".into()),
        password: Some(PASSWORD.into()),
    };
    let grants = vec![RoleGrant { branch_id: main.id, role: Role::Pharmacist }];
    let user = app.create_user(&cli, CreateUser { input, grants, home_branch: Some(main.id) })?;
    let pharmacist = Caller::user(user, AuthMethod::Session, None);

    eprintln!("{backend}: decision-support patient and its order history …");
    let started = Instant::now();
    let ds = DsPatient::set_up(&app)?;
    let ds_setup = started.elapsed();

    eprintln!(
        "{backend}: loading {} pending orders across {} patients ({}) …",
        args.orders,
        args.patients,
        if args.store_load { "store layer, batched" } else { "App::create_order, one by one" }
    );
    let started = Instant::now();
    let patients = load_patients(&app, &pool, args.patients)?;
    let load_patients = started.elapsed();
    let started = Instant::now();
    if args.store_load {
        load_orders_store(&app, &pool, &patients, args.orders)?;
    } else {
        load_orders_app(&app, &patients, args.orders)?;
    }
    let load = started.elapsed();
    if backend == "postgres" {
        // Planner statistics, as autovacuum would gather them soon after a bulk change in production.
        pool.get()?.batch_execute("ANALYZE").context("analyzing")?;
    }

    eprintln!("{backend}: App::check_order …");
    let vanco = ds.order("vancomycin", "1250", "mg", "q12h", 2, |o| {
        o.infusion_minutes = Some("120".into());
        o.final_volume_ml = Some("250".into());
        o.access_device_id = Some(ds.picc.clone());
    });
    let mut times = Vec::with_capacity(CHECKS);
    let mut last = None;
    for i in 0..CHECK_WARM_UP + CHECKS {
        let started = Instant::now();
        let result = app.check_order(&pharmacist, &vanco).context("checking the vancomycin order")?.result;
        let took = started.elapsed();
        if i >= CHECK_WARM_UP {
            times.push(took);
        }
        last = Some(result);
    }
    let check_app = Series::new(times);
    let result = last.context("no check ran")?;
    let mut codes: Vec<String> = result.alerts.iter().map(|a| format!("{}/{}", a.code, a.severity)).collect();
    codes.sort_unstable();
    let alerts = codes.join(", ");

    eprintln!("{backend}: clinical::checks::check_order …");
    let check_engine = time_engine(&app, &pool, &ds, &vanco, &result)?;
    let check_parts = breakdown(&pool, &ds)?;

    eprintln!("{backend}: verification queue …");
    let (queue_total, queue_app, queue_app_page2) = time_queue(&app, &pharmacist, args.orders)?;
    let token = app.create_api_token(&cli, PHARMACIST, "bench")?.token;
    let (api, api_page2, ui) = over_http(&app, &token)?;
    Ok(Figures {
        backend,
        ds_setup,
        ds_rows: ds.rows,
        check_app,
        check_engine,
        check_parts,
        alerts,
        load,
        load_patients,
        queue_total,
        queue_app,
        queue_app_page2,
        api,
        api_page2,
        ui,
    })
}

/// The decision-support patient: registered and charted through the use cases, with current orders and history.
struct DsPatient {
    id: PatientId,
    picc: String,
    now: DateTime<Utc>,
    /// Order rows of the patient.
    rows: usize,
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl DsPatient {
    fn set_up(app: &App) -> anyhow::Result<Self> {
        let cli = Caller::cli();
        let main = app.main_branch()?;
        let today = app.today_at(&main);
        let now = app.now();
        // The first adult of a batch far from the queue patients' MRNs.
        let synthetic = generate_patients(SEED ^ 0xD5, &HOME_INFUSION_BRANCH, 20, 900_000, now.naive_utc())
            .into_iter()
            .find(|p| today.years_since(p.birth_date).is_some_and(|age| (40..80).contains(&age)))
            .context("no adult among 20 synthetic patients")?;
        let mut input = testkit::demo::patient_input(&synthetic, &main.code);
        input.status = Some("active".into());
        let patient = app.create_patient(&cli, &input).context("registering the decision-support patient")?;
        let at = rfc3339(now - chrono::Duration::hours(6));
        let records = [
            NewRecord::Measurement(MeasurementInput {
                kind: Some("weight".into()),
                value: Some("78.4".into()),
                unit: Some("kg".into()),
                measured_at: Some(at.clone()),
            }),
            NewRecord::Measurement(MeasurementInput {
                kind: Some("height".into()),
                value: Some("172".into()),
                unit: Some("cm".into()),
                measured_at: Some(at.clone()),
            }),
            NewRecord::Lab(LabInput {
                loinc: Some("2160-0".into()),
                value: Some("1.1".into()),
                unit: Some("mg/dL".into()),
                collected_at: Some(at),
            }),
            NewRecord::Allergy(AllergyInput {
                substance: Some("penicillin".into()),
                reaction: Some("hives".into()),
                severity: Some("moderate".into()),
                ..AllergyInput::default()
            }),
        ];
        for record in records {
            app.add_patient_record(&cli, patient.id, record)?;
        }
        let device = app.add_patient_record(
            &cli,
            patient.id,
            NewRecord::AccessDevice(AccessDeviceInput {
                kind: Some("picc".into()),
                lumens: Some("2".into()),
                site: Some("right basilic".into()),
                inserted_on: Some((today - chrono::Duration::days(10)).to_string()),
                removed_on: None,
            }),
        )?;
        let Record::AccessDevice(device) = device else { bail!("an access device was not stored as one") };
        let mut ds = DsPatient { id: patient.id, picc: device.id.to_string(), now, rows: 0 };
        ds.history(app)?;
        ds.current(app)?;
        ds.rows = app
            .list_orders(&cli, &app::orders::OrderQuery { patient_id: Some(ds.id), ..Default::default() })?
            .items
            .len();
        Ok(ds)
    }

    /// An order for this patient starting `start_hours` from the benchmark's start, before `adjust`.
    fn order(
        &self,
        drug: &str,
        value: &str,
        unit: &str,
        frequency: &str,
        start_hours: i64,
        adjust: impl FnOnce(&mut OrderInput),
    ) -> OrderInput {
        let mut input =
            order_input(self.id, drug, value, unit, frequency, self.now + chrono::Duration::hours(start_hours));
        adjust(&mut input);
        input
    }

    /// 10 current orders: six verified and started, four waiting for verification.
    fn current(&self, app: &App) -> anyhow::Result<()> {
        let picc = self.picc.clone();
        let orders = [
            self.order("vancomycin", "1250", "mg", "q12h", -48, |o| {
                o.infusion_minutes = Some("120".into());
                o.access_device_id = Some(picc.clone());
            }),
            self.order("piperacillin-tazobactam", "4.5", "g", "q8h", -48, |_| {}),
            self.order("micafungin", "100", "mg", "q24h", -24, |_| {}),
            self.order("heparin", "1000", "[iU]", "continuous", -12, |o| {
                o.dose_period = Some("h".into());
                o.rate_ml_h = Some("10".into());
                o.access_device_id = Some(picc.clone());
            }),
            self.order("ondansetron", "8", "mg", "q8h", -12, |o| {
                o.prn = Some(true);
                o.prn_reason = Some("nausea or vomiting".into());
            }),
            self.order("morphine", "2", "mg", "q4h", -12, |o| {
                o.prn = Some(true);
                o.prn_reason = Some("severe pain".into());
            }),
            self.order("doxorubicin", "60", "mg", "q21d", 24, |o| {
                o.dose_basis = Some("per_m2".into());
                o.duration_days = Some("21".into());
                o.access_device_id = Some(picc.clone());
            }),
            self.order("cefazolin", "2000", "mg", "q8h", 6, |_| {}),
            self.order("acyclovir", "10", "mg", "q8h", 6, |o| o.dose_basis = Some("per_kg".into())),
            self.order("parenteral-nutrition-admixture", "2000", "mL", "cyclic_12h", 8, |o| {
                o.access_device_id = Some(picc.clone());
                o.tpn = Some(testkit::demo::sample_tpn(None));
            }),
        ];
        let cli = Caller::cli();
        for (i, input) in orders.iter().enumerate() {
            let order = app.create_order(&cli, input, true).with_context(|| format!("current order {i}"))?;
            if i < 6 {
                let verified = verify(app, &order)?;
                app.transition_order(&cli, verified.id, verified.version, OrderAction::Activate, None)?;
            }
        }
        Ok(())
    }

    /// 32 finished prescriptions: completed, discontinued, or changed after verification (superseded) with the new
    /// version completed.
    fn history(&self, app: &App) -> anyhow::Result<()> {
        let cli = Caller::cli();
        for i in 0..HISTORY_LINEAGES {
            // The queue's drugs, and every eighth an anthracycline so the cumulative-dose rule has history to count.
            let (drug, value, unit, frequency) =
                if i % 8 == 3 { ("doxorubicin", "50", "mg", "q21d") } else { QUEUE_DRUGS[i % QUEUE_DRUGS.len()] };
            let start = -24 * (28 - (i as i64 % 24));
            let input = self.order(drug, value, unit, frequency, start, |o| {
                if drug == "doxorubicin" {
                    o.dose_basis = Some("per_m2".into());
                    o.duration_days = Some("21".into());
                }
            });
            let order = app.create_order(&cli, &input, true).with_context(|| format!("history order {i}"))?;
            let verified = verify(app, &order)?;
            match i % 4 {
                0 | 1 => complete(app, &verified)?,
                2 => {
                    let active =
                        app.transition_order(&cli, verified.id, verified.version, OrderAction::Activate, None)?;
                    app.transition_order(
                        &cli,
                        active.id,
                        active.version,
                        OrderAction::Discontinue,
                        Some("therapy changed by the prescriber"),
                    )?;
                }
                _ => {
                    let mut changed = input.clone();
                    changed.frequency = Some(if frequency == "q8h" { "q12h" } else { "q8h" }.into());
                    if drug == "doxorubicin" {
                        changed.frequency = Some("q14d".into());
                    }
                    let next = app.change_order(
                        &cli,
                        verified.id,
                        verified.version,
                        &changed,
                        Some("interval changed after a level"),
                    )?;
                    ensure!(next.id != verified.id, "a verified order changes as a new version");
                    let next = verify(app, &next)?;
                    complete(app, &next)?;
                }
            }
        }
        Ok(())
    }
}

fn order_input(
    patient: PatientId,
    drug: &str,
    value: &str,
    unit: &str,
    frequency: &str,
    start: DateTime<Utc>,
) -> OrderInput {
    OrderInput {
        patient_id: Some(patient.to_string()),
        prescriber_name: Some("Dr Synthetic Prescriber".into()),
        prescriber_npi: Some(NPI.into()),
        drug_code: Some(drug.into()),
        dose: Some(QuantityInput { value: Some(value.into()), unit: Some(unit.into()) }),
        route: Some("iv".into()),
        frequency: Some(frequency.into()),
        duration_days: Some("7".into()),
        start_at: Some(rfc3339(start)),
        ..OrderInput::default()
    }
}

/// Verifies as the CLI operator, overriding every hard stop decision support raises.
fn verify(app: &App, order: &Order) -> anyhow::Result<Order> {
    let cli = Caller::cli();
    let context = app.verification_context(&cli, order.id)?;
    let overrides: Vec<Override> = context
        .check
        .hard_stops()
        .map(|a| Override { key: a.key.clone(), reason: "benchmark fixture: reviewed with the prescriber".into() })
        .collect();
    Ok(app.verify_order(&cli, order.id, order.version, &overrides)?)
}

fn complete(app: &App, verified: &Order) -> anyhow::Result<()> {
    let cli = Caller::cli();
    let active = app.transition_order(&cli, verified.id, verified.version, OrderAction::Activate, None)?;
    app.transition_order(&cli, active.id, active.version, OrderAction::Complete, None)?;
    Ok(())
}

/// The pure engine on the input `App::check_order` builds, gathered once; checks it gives the same answer.
fn time_engine(
    app: &App,
    pool: &store::DbPool,
    ds: &DsPatient,
    input: &OrderInput,
    expected: &clinical::checks::CheckResult,
) -> anyhow::Result<Series> {
    let cli = Caller::cli();
    let patient: Patient = app.get_patient(&cli, ds.id)?;
    let records = app.patient_records(&cli, ds.id)?;
    let branch = app.main_branch()?;
    let today = app.today_at(&branch);
    let fields = input.validate(branch.time_zone, today).map_err(|e| anyhow::anyhow!("vancomycin order: {e}"))?;
    // What App::check_order reads: the current orders and those of drugs sharing an ingredient.
    let others: Vec<Order> =
        OrderRepository::new(&mut *pool.get()?).relevant_for(ds.id, &current_statuses(), &["vancomycin".into()])?;
    let formulary = app.list_formulary(&cli)?;
    let entry_of = |code: &str| formulary.iter().find(|e| e.entry.code == code).map(|e| &e.entry);
    let entry = entry_of(&fields.drug_code).context("vancomycin is not in the formulary")?;
    let other_orders: Vec<OtherOrder<'_>> = others
        .iter()
        .filter_map(|o| {
            Some(OtherOrder {
                rx_number: o.rx_number(),
                status: o.status,
                fields: &o.fields,
                entry: entry_of(&o.fields.drug_code)?,
            })
        })
        .collect();
    ensure!(other_orders.len() == others.len(), "an order names a drug missing from the formulary");
    let access_device = fields
        .access_device_id
        .and_then(|id| records.access_devices.iter().find(|d| d.id == id))
        .map(|d| d.fields.kind);
    let context = app::orders::patient_context(&patient, &records, app.now(), today);
    let check = CheckInput {
        patient: &context,
        order: &fields,
        entry,
        access_device,
        others: &other_orders,
        interactions: app::formulary::interactions(),
    };
    let first = clinical::checks::check_order(&check);
    let keys = |r: &clinical::checks::CheckResult| r.alerts.iter().map(|a| a.key.clone()).collect::<Vec<_>>();
    ensure!(keys(&first) == keys(expected), "the engine alone raised other alerts than App::check_order");
    let mut times = Vec::with_capacity(ENGINE_RUNS);
    for i in 0..ENGINE_WARM_UP + ENGINE_RUNS {
        let started = Instant::now();
        let result = clinical::checks::check_order(black_box(&check));
        let took = started.elapsed();
        black_box(result);
        if i >= ENGINE_WARM_UP {
            times.push(took);
        }
    }
    Ok(Series::new(times))
}

/// What `App::check_order` spends its time on: each store call it makes, alone, on one connection (the pool
/// checkout on its own), and a bare round trip for scale.
fn breakdown(pool: &store::DbPool, ds: &DsPatient) -> anyhow::Result<Vec<(&'static str, Series)>> {
    const WARM_UP: usize = 50;
    const RUNS: usize = 1_000;
    fn time<T>(mut f: impl FnMut() -> anyhow::Result<T>) -> anyhow::Result<Series> {
        let mut times = Vec::with_capacity(RUNS);
        for i in 0..WARM_UP + RUNS {
            let started = Instant::now();
            black_box(f()?);
            let took = started.elapsed();
            if i >= WARM_UP {
                times.push(took);
            }
        }
        Ok(Series::new(times))
    }
    let mut out = vec![("pool checkout (r2d2, with its validity ping)", time(|| Ok(pool.get()?))?)];
    let mut conn = pool.get()?;
    let c = &mut *conn;
    let (current, related) = (current_statuses(), vec!["vancomycin".to_owned()]);
    out.push(("round trip: SELECT 1", time(|| Ok(c.batch_execute("SELECT 1")?))?));
    out.push((
        "PatientRepository::find_for_checks (+ branch, stamp)",
        time(|| Ok(store::patient::PatientRepository::new(c).find_for_checks(ds.id)?))?,
    ));
    out.push((
        "PatientRecordRepository::clinical (2 view reads)",
        time(|| Ok(store::patient_records::PatientRecordRepository::new(c).clinical(ds.id)?))?,
    ));
    out.push((
        "OrderRepository::relevant_for (current + same drug)",
        time(|| Ok(OrderRepository::new(c).relevant_for(ds.id, &current, &related)?))?,
    ));
    Ok(out)
}

fn current_statuses() -> Vec<OrderStatus> {
    OrderStatus::ALL.iter().copied().filter(|s| s.is_current()).collect()
}

/// The queue patients: synthetic home-infusion patients at the main branch, inserted straight into the table in
/// one transaction per 500 (no audit rows, no records: a fixture, as `testkit::demo::load_bulk_patients`).
fn load_patients(app: &App, pool: &store::DbPool, count: usize) -> anyhow::Result<Vec<PatientId>> {
    let main = app.main_branch()?;
    let now = app.now();
    let today = app.today_at(&main);
    let mut ids = Vec::with_capacity(count);
    let mut conn = pool.get()?;
    let mut start = 0;
    while start < count {
        let n = (count - start).min(500);
        let mut chunk = Vec::with_capacity(n);
        for synthetic in generate_patients(SEED, &HOME_INFUSION_BRANCH, n, start, now.naive_utc()) {
            let fields = testkit::demo::patient_input(&synthetic, &main.code)
                .validate(today)
                .map_err(|e| anyhow::anyhow!("synthetic patient {} refused: {e}", synthetic.mrn))?;
            chunk.push(Patient {
                id: PatientId::new(),
                version: 1,
                branch_id: main.id,
                branch_code: main.code.clone(),
                fields,
                possible_duplicate_of: None,
                created_at: now,
                updated_at: now,
            });
        }
        store::write_tx(&mut conn, |c| store::patient::insert_many(c, &chunk))
            .with_context(|| format!("inserting patients {start}.."))?;
        ids.extend(chunk.iter().map(|p| p.id));
        start += n;
    }
    Ok(ids)
}

/// The body of queue order `k`: a drug of the mix, ~5% stat and ~15% urgent, starting within two days.
fn queue_input(app: &App, patients: &[PatientId], k: usize) -> OrderInput {
    let draw = splitmix64(SEED ^ k as u64);
    let (drug, value, unit, frequency) = QUEUE_DRUGS[(draw % QUEUE_DRUGS.len() as u64) as usize];
    let start = app.now() + chrono::Duration::hours(1 + (draw >> 8) as i64 % 48);
    let mut input = order_input(patients[k % patients.len()], drug, value, unit, frequency, start);
    input.priority = Some(
        match (draw >> 32) % 100 {
            0..5 => "stat",
            5..20 => "urgent",
            _ => "routine",
        }
        .into(),
    );
    input
}

/// `App::create_order` one by one (validation, a write transaction and an audit row each).
fn load_orders_app(app: &App, patients: &[PatientId], count: usize) -> anyhow::Result<()> {
    let cli = Caller::cli();
    let started = Instant::now();
    for k in 0..count {
        app.create_order(&cli, &queue_input(app, patients, k), true).with_context(|| format!("queue order {k}"))?;
        if (k + 1) % 2_000 == 0 {
            eprintln!("  {} orders in {:.1} s", k + 1, started.elapsed().as_secs_f64());
        }
    }
    Ok(())
}

/// Validated as `create_order` does, then `OrderRepository::insert` in write transactions of 1,000 (no audit rows);
/// submitted over the last two days so waiting times differ.
fn load_orders_store(app: &App, pool: &store::DbPool, patients: &[PatientId], count: usize) -> anyhow::Result<()> {
    let main = app.main_branch()?;
    let today = app.today_at(&main);
    let now = app.now();
    let mut conn = pool.get()?;
    for first in (0..count).step_by(STORE_CHUNK) {
        let mut chunk = Vec::with_capacity(STORE_CHUNK);
        for k in first..(first + STORE_CHUNK).min(count) {
            let input = queue_input(app, patients, k);
            let fields = input.validate(main.time_zone, today).map_err(|e| anyhow::anyhow!("queue order {k}: {e}"))?;
            let id = OrderId::new();
            let submitted = now - chrono::Duration::seconds((splitmix64(k as u64) % 172_800) as i64);
            chunk.push(Order {
                id,
                version: 1,
                patient_id: patients[k % patients.len()],
                branch_id: main.id,
                lineage_id: id,
                previous_id: None,
                change_reason: None,
                status: OrderStatus::PendingVerification,
                status_reason: None,
                fields,
                created_by: None,
                created_at: submitted,
                updated_at: submitted,
                submitted_at: Some(submitted),
                verified_by: None,
                verified_at: None,
            });
        }
        store::write_tx(&mut conn, |c| -> Result<(), store::StoreError> {
            let mut repo = OrderRepository::new(c);
            chunk.iter().try_for_each(|o| repo.insert(o))
        })
        .with_context(|| format!("inserting orders {first}.."))?;
    }
    Ok(())
}

/// `App::verification_queue`: the first page, then the second through the first page's cursor.
fn time_queue(app: &App, pharmacist: &Caller, orders: usize) -> anyhow::Result<(i64, Series, Series)> {
    let (first, total) = app.verification_queue(pharmacist, None, Some(PAGE))?;
    ensure!(first.items.len() == PAGE as usize, "the first page holds {} orders", first.items.len());
    // The queue counts up to its cap and then says "more than …".
    let expected = (orders as i64).min(app::orders::QUEUE_COUNT_CAP + 1);
    ensure!(total >= expected, "the queue counts {total} orders, fewer than the {expected} expected");
    let cursor = first.next_cursor.context("a full queue has a second page")?;
    let sorted = first.items.windows(2).all(|w| {
        let key = |o: &Order| (o.fields.priority.rank(), o.submitted_at);
        key(&w[0].order) <= key(&w[1].order)
    });
    ensure!(sorted, "the first page is not in queue order");
    let mut pages = [Vec::with_capacity(QUEUE_RUNS), Vec::with_capacity(QUEUE_RUNS)];
    for (page, times) in pages.iter_mut().enumerate() {
        let cursor = (page == 1).then_some(cursor.as_str());
        for i in 0..QUEUE_WARM_UP + QUEUE_RUNS {
            let started = Instant::now();
            let (result, _) = app.verification_queue(pharmacist, cursor, Some(PAGE))?;
            let took = started.elapsed();
            ensure!(result.items.len() == PAGE as usize, "page {} holds {} orders", page + 1, result.items.len());
            if i >= QUEUE_WARM_UP {
                times.push(took);
            }
        }
    }
    let [one, two] = pages;
    Ok((total, Series::new(one), Series::new(two)))
}

type HttpFigures = (Series, Series, Result<UiFigures, String>);

/// The API queue (both pages) with a bearer token and the HTML queue page with a session, against the real router.
fn over_http(app: &App, token: &str) -> anyhow::Result<HttpFigures> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let router = web::router(web::AppState::new(app.clone()));
        let server = tokio::spawn(async move { axum::serve(listener, router).await });
        let client = reqwest::Client::new();
        let api = format!("{base}/api/v1/orders");
        let first: serde_json::Value = client
            .get(&api)
            .query(&[("status", "pending_verification"), ("limit", "50")])
            .bearer_auth(token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let cursor = first["next_cursor"].as_str().context("the API queue has no next_cursor")?.to_owned();
        let mut pages = [Vec::with_capacity(QUEUE_RUNS), Vec::with_capacity(QUEUE_RUNS)];
        for (page, times) in pages.iter_mut().enumerate() {
            let mut query = vec![("status", "pending_verification"), ("limit", "50")];
            if page == 1 {
                query.push(("cursor", cursor.as_str()));
            }
            for i in 0..QUEUE_WARM_UP + QUEUE_RUNS {
                let started = Instant::now();
                let response = client.get(&api).query(&query).bearer_auth(token).send().await?;
                ensure!(response.status().is_success(), "GET /api/v1/orders answered {}", response.status());
                let body: serde_json::Value = response.json().await?;
                let took = started.elapsed();
                let rows = body["items"].as_array().map_or(0, Vec::len);
                ensure!(rows == PAGE as usize, "API page {} holds {rows} orders", page + 1);
                if i >= QUEUE_WARM_UP {
                    times.push(took);
                }
            }
        }
        let ui = verification_page(&base).await;
        server.abort();
        let [one, two] = pages;
        Ok((Series::new(one), Series::new(two), ui))
    })
}

/// The HTML queue: both pages, the rows on the first, its size.
struct UiFigures {
    page1: Series,
    /// `None` when the first page links no next page.
    page2: Option<Series>,
    rows: usize,
    bytes: usize,
}

/// Signs in through the form and times `GET /verification` and the page its "next" link names; `Err` says why it
/// could not be measured.
async fn verification_page(base: &str) -> Result<UiFigures, String> {
    let run = async {
        let browser =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
        let login = browser.get(format!("{base}/login")).send().await?.text().await?;
        let csrf = hidden_value(&login, "csrf_token").context("no csrf_token on /login")?;
        let signed_in = browser
            .post(format!("{base}/login"))
            .form(&[("username", PHARMACIST), ("password", PASSWORD), ("csrf_token", csrf.as_str())])
            .send()
            .await?;
        ensure!(signed_in.status() == reqwest::StatusCode::SEE_OTHER, "sign-in answered {}", signed_in.status());
        let url = format!("{base}/verification");
        let probe = browser.get(&url).send().await?;
        if probe.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(Err("GET /verification answered 404: the page does not exist yet, not measurable".to_owned()));
        }
        ensure!(probe.status().is_success(), "GET /verification answered {}", probe.status());
        let body = probe.text().await?;
        let rows = body.matches("href=\"/verification/").count();
        let bytes = body.len();
        let next = body
            .find("href=\"/verification?cursor=")
            .and_then(|at| body[at + 6..].split('"').next())
            .map(|path| format!("{base}{}", path.replace("&amp;", "&")));
        let mut pages = Vec::new();
        for url in std::iter::once(url).chain(next) {
            let mut times = Vec::with_capacity(QUEUE_RUNS);
            for i in 0..QUEUE_WARM_UP + QUEUE_RUNS {
                let started = Instant::now();
                let response = browser.get(&url).send().await?;
                ensure!(response.status().is_success(), "GET {url} answered {}", response.status());
                let body = response.text().await?;
                let took = started.elapsed();
                black_box(body);
                if i >= QUEUE_WARM_UP {
                    times.push(took);
                }
            }
            pages.push(Series::new(times));
        }
        let mut pages = pages.into_iter();
        let page1 = pages.next().context("no page timed")?;
        Ok(Ok(UiFigures { page1, page2: pages.next(), rows, bytes }))
    };
    match run.await {
        Ok(result) => result,
        Err(e) => Err(format!("not measured: {e:#}")),
    }
}

/// The `value` of the first `<input>` named `name` (the forms write `name` before `value`, values need no
/// unescaping: the tokens are URL-safe).
fn hidden_value(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\"");
    html.split('<').filter(|tag| tag.starts_with("input") && tag.contains(&needle)).find_map(|tag| {
        let rest = &tag[tag.find("value=\"")? + 7..];
        Some(rest[..rest.find('"')?].to_owned())
    })
}

fn mark(value: f64, target: f64) -> &'static str {
    if value <= target { "" } else { " (over target)" }
}

fn print_queue_row(backend: &str, what: &str, s: &Series) {
    let (p50, p90, p99, max) = (s.p(0.50), s.p(0.90), s.p(0.99), s.max());
    println!("{backend:<9} {what:<44} {p50:>8.2} {p90:>8.2} {p99:>8.2} {max:>8.2}{}", mark(p99, QUEUE_TARGET_MS));
}

fn print_report(args: &Args, results: &[Figures]) {
    println!();
    println!("1. decision support for one order (vancomycin 1250 mg q12h through the PICC), in process, one thread");
    for f in results {
        println!(
            "{}: patient with {} order rows (10 current), set up through the use cases in {:.2} s; alerts: {}",
            f.backend,
            f.ds_rows,
            f.ds_setup.as_secs_f64(),
            f.alerts
        );
    }
    println!();
    println!(
        "App::check_order, {CHECKS} timed after {CHECK_WARM_UP} warm-up (target p99 <= {CHECK_TARGET_P99_MS} ms):"
    );
    println!("{:<9} {:>8} {:>8} {:>8} {:>8}", "backend", "p50 ms", "p90 ms", "p99 ms", "max ms");
    for f in results {
        let s = &f.check_app;
        println!(
            "{:<9} {:>8.3} {:>8.3} {:>8.3} {:>8.3}{}",
            f.backend,
            s.p(0.50),
            s.p(0.90),
            s.p(0.99),
            s.max(),
            mark(s.p(0.99), CHECK_TARGET_P99_MS)
        );
    }
    println!();
    println!("clinical::checks::check_order alone, {ENGINE_RUNS} timed after {ENGINE_WARM_UP} warm-up:");
    println!("{:<9} {:>8} {:>8} {:>8}", "backend", "p50 us", "p99 us", "max us");
    for f in results {
        let s = &f.check_engine;
        println!("{:<9} {:>8.1} {:>8.1} {:>8.1}", f.backend, s.us(0.50), s.us(0.99), s.max() * 1_000.0);
    }
    println!();
    println!("what App::check_order does, each store call alone on one connection (1,000 timed): p50 / p99 ms");
    let mut header = format!("{:<46}", "step");
    for f in results {
        header.push_str(&format!(" {:>17}", f.backend));
    }
    println!("{header}");
    for (i, (what, _)) in results.first().map_or(&[][..], |f| &f.check_parts[..]).iter().enumerate() {
        let mut line = format!("{what:<46}");
        for f in results {
            let s = &f.check_parts[i].1;
            line.push_str(&format!(" {:>17}", format!("{:.3} / {:.3}", s.p(0.50), s.p(0.99))));
        }
        println!("{line}");
    }
    println!();
    println!(
        "2. verification queue: {} pending orders across {} patients at the main branch, pages of {PAGE}, {QUEUE_RUNS} \
         timed after {QUEUE_WARM_UP} warm-up (target <= {QUEUE_TARGET_MS} ms)",
        args.orders, args.patients
    );
    let how = if args.store_load {
        "OrderRepository::insert, 1,000 per transaction, no audit"
    } else {
        "App::create_order one by one, audited"
    };
    for f in results {
        println!(
            "{}: load {:.1} s ({how}; {:.0} orders/s), patients {:.2} s (insert_many); queue count {} (capped at {} + 1)",
            f.backend,
            f.load.as_secs_f64(),
            args.orders as f64 / f.load.as_secs_f64(),
            f.load_patients.as_secs_f64(),
            f.queue_total,
            app::orders::QUEUE_COUNT_CAP
        );
    }
    println!();
    println!("{:<9} {:<44} {:>8} {:>8} {:>8} {:>8}", "backend", "what", "p50 ms", "p90 ms", "p99 ms", "max ms");
    for f in results {
        let rows: [(&str, &Series); 4] = [
            ("App::verification_queue, page 1", &f.queue_app),
            ("App::verification_queue, page 2 (cursor)", &f.queue_app_page2),
            ("GET /api/v1/orders?status=…&limit=50", &f.api),
            ("GET /api/v1/orders … &cursor= (page 2)", &f.api_page2),
        ];
        for (what, s) in rows {
            print_queue_row(f.backend, what, s);
        }
        match &f.ui {
            Ok(ui) => {
                let pages = [
                    ("GET /verification (HTML, session)", Some(&ui.page1)),
                    ("GET /verification?cursor= (page 2)", ui.page2.as_ref()),
                ];
                for (what, s) in pages {
                    match s {
                        Some(s) => print_queue_row(f.backend, what, s),
                        None => println!("{:<9} {:<44} the first page links no next page", f.backend, what),
                    }
                }
                println!("{:<9} (the HTML first page: {} KB, {} order links)", f.backend, ui.bytes / 1024, ui.rows);
            }
            Err(why) => println!("{:<9} {:<44} {why}", f.backend, "GET /verification (HTML, session)"),
        }
    }
}
