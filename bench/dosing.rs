//! `dosing`: how fast the pure precision-dosing engine (crate `dosing`) answers, one thread, no I/O.
//!
//! Three measurements, all deterministic (a fixed seed drives every random draw; change it with `--seed`):
//!
//! 1. Bayesian MAP fit (`dosing::estimate`) with the two-compartment Goti 2018 vancomycin model and, for
//!    comparison, the one-compartment Buelga 2005 model. 50 synthetic patients, each with their own covariates
//!    (weight 50–120 kg, CrCl 40–140 mL/min, no dialysis), six doses of 1,000–1,500 mg over 1–1.5 h at q12h ± 1 h,
//!    and four levels at varied times (a peak after dose 2, a trough before dose 3, a mid-interval level after
//!    dose 4 or 5 and one after dose 6). Levels are simulated per model: a known η drawn from the model's Ω, the
//!    exact concentration from the individual parameters, plus noise from the model's own residual error
//!    (floored at 0.5 mg/L). 200 warm-up and 2,000 timed fits cycle through the 50 patients. The target
//!    is p99 ≤ 5 ms per fit; the CL recovery (MAP vs the simulated truth, and the prior alone) is printed so a
//!    fast but wrong optimiser would show.
//! 2. Probability of target attainment (`dosing::pta`), Goti model, 70 kg, CrCl 100 mL/min, 1,000 mg q12h over
//!    1 h (eight doses), AUC over 72–96 h within 400–600 mg·h/L, 10,000 subjects: one warm-up and 20 timed
//!    runs with the same seed (target ≤ 2 s per run; the runs must agree exactly).
//! 3. Dose search (`dosing::suggest`, default vancomycin `DoseSearch`) from the individual parameters of the Goti
//!    MAP fits above: 50 warm-up and 500 timed searches; `auc_windows` (the last two 24 h windows of the history)
//!    timed alongside for scale.
//!
//! Percentiles are nearest-rank over the timed runs. Run:
//! `cargo run --release -p bench --bin dosing [-- --fits N] [--subjects N] [--seed N]`.

#[allow(dead_code)] // the scratch-PostgreSQL helper serves the storage benchmarks, not this one
mod common;

use common::nearest_rank;
use common::{ms, percentile, splitmix64};

use std::hint::black_box;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use dosing::models::{BUELGA_2005, GOTI_2018, by_id};
use dosing::{Covariates, Dose, DoseSearch, Level, PkParams, PopModel, PtaInput, auc_windows, estimate, pta, suggest};

const SEED: u64 = 20_260_101;
const PATIENTS: usize = 50;
const DOSES: usize = 6;
const FIT_WARM_UP: usize = 200;
const FITS: usize = 2_000;
const FIT_TARGET_P99_MS: f64 = 5.0;
const PTA_RUNS: usize = 20;
const PTA_SUBJECTS: usize = 10_000;
const PTA_TARGET_S: f64 = 2.0;
const SUGGEST_WARM_UP: usize = 50;
const SUGGESTS: usize = 500;
/// Simulated levels below this are reported as this (a lower limit of quantification, mg/L).
const FLOOR_MG_L: f64 = 0.5;

/// One synthetic patient: covariates, a dose history and the times levels were drawn (shared by both models).
struct Patient {
    covariates: Covariates,
    doses: Vec<Dose>,
    level_times: [f64; 4],
}

/// A patient's levels as one model would produce them, with the η that produced them.
struct Case<'a> {
    patient: &'a Patient,
    levels: Vec<Level>,
    true_params: PkParams,
}

struct Args {
    fits: usize,
    subjects: usize,
    seed: u64,
}

struct FitFigures {
    model: &'static PopModel,
    compartments: usize,
    times: Vec<Duration>,
    floored: usize,
    /// |CL/CL_true − 1| per patient: MAP, and the typical (prior) value.
    cl_error_map: Vec<f64>,
    cl_error_prior: Vec<f64>,
    /// Individual parameters of each patient's fit (for the dose search).
    fitted: Vec<PkParams>,
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let patients = build_patients(args.seed);
    eprintln!(
        "dosing: {PATIENTS} patients, {} timed MAP fits after {FIT_WARM_UP} warm-up per model, {} build",
        args.fits,
        if cfg!(debug_assertions) { "debug (numbers are not representative: use --release)" } else { "release" }
    );
    let goti = by_id(GOTI_2018)?;
    let buelga = by_id(BUELGA_2005)?;
    let fits = [fit_bench(goti, &patients, &args, 1)?, fit_bench(buelga, &patients, &args, 2)?];

    eprintln!("dosing: PTA, {PTA_RUNS} runs of {} subjects …", args.subjects);
    let (pta_times, pta_result, pta_input) = pta_bench(goti, &args)?;

    eprintln!("dosing: dose search …");
    let (suggest_times, auc_times, suggested) = suggest_bench(&fits[0].fitted, &patients)?;

    print_fits(&args, &fits);
    print_pta(&pta_times, &pta_result, &pta_input);
    print_suggest(&suggest_times, &auc_times, suggested, fits[0].fitted.len());
    Ok(())
}

fn parse_args() -> anyhow::Result<Args> {
    let usage = "usage: dosing [--fits N] [--subjects N] [--seed N]   (defaults 2000, 10000, 20260101)";
    let mut out = Args { fits: FITS, subjects: PTA_SUBJECTS, seed: SEED };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> anyhow::Result<u64> {
            let value = args.next().with_context(|| format!("{name} needs a number"))?;
            value.replace('_', "").parse().with_context(|| format!("{name} {value}"))
        };
        match arg.as_str() {
            "--fits" => out.fits = number("--fits")? as usize,
            "--subjects" => out.subjects = number("--subjects")? as usize,
            "--seed" => out.seed = number("--seed")?,
            "-h" | "--help" => {
                println!("{usage}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?} ({usage})"),
        }
    }
    ensure!(out.fits >= 1, "--fits must be at least 1");
    ensure!(out.subjects >= 1, "--subjects must be at least 1");
    Ok(out)
}

/// The 50 patients: covariates, six doses at q12h ± 1 h, and four level times relative to those doses.
fn build_patients(seed: u64) -> Vec<Patient> {
    let mut rng = Rng::new(seed);
    (0..PATIENTS)
        .map(|_| {
            let covariates = Covariates {
                weight_kg: round_to(rng.uniform(50.0, 120.0), 0.1),
                crcl_ml_min: Some(round_to(rng.uniform(40.0, 140.0), 1.0)),
                dialysis: false,
                age_years: Some(round_to(rng.uniform(25.0, 85.0), 1.0)),
                ..Default::default()
            };
            let doses: Vec<Dose> = (0..DOSES)
                .map(|k| {
                    let time_h = if k == 0 { 0.0 } else { round_to(12.0 * k as f64 + rng.uniform(-1.0, 1.0), 0.05) };
                    let amount_mg = 1000.0 + 250.0 * rng.below(3) as f64;
                    let duration_h = 1.0 + 0.25 * rng.below(3) as f64;
                    Dose::new(time_h, amount_mg, duration_h)
                })
                .collect();
            let end = |k: usize| doses[k].time_h + doses[k].duration_h;
            let mid = 3 + rng.below(2) as usize;
            let level_times = [
                end(1) + rng.uniform(0.5, 1.5),
                doses[2].time_h - rng.uniform(0.1, 1.0),
                end(mid) + rng.uniform(1.0, 9.0),
                end(5) + rng.uniform(0.5, 11.0),
            ]
            .map(|t| round_to(t, 0.05));
            Patient { covariates, doses, level_times }
        })
        .collect()
}

/// Levels for each patient under `model`: η ~ N(0, Ω) and residual noise from the model's error model.
fn simulate<'a>(model: &PopModel, patients: &'a [Patient], seed: u64) -> (Vec<Case<'a>>, usize) {
    let mut rng = Rng::new(seed);
    let mut floored = 0;
    let cases = patients
        .iter()
        .map(|patient| {
            let z: Vec<f64> = (0..model.omega.dim()).map(|_| rng.normal()).collect();
            let eta = model.omega.correlate(&z);
            let true_params = model.individual(&model.typical(&patient.covariates), &eta);
            let disp = true_params.disposition();
            let levels = patient
                .level_times
                .iter()
                .map(|&t| {
                    let f = disp.concentration(&patient.doses, t);
                    let y = f + model.error.sd(f) * rng.normal();
                    if y < FLOOR_MG_L {
                        floored += 1;
                    }
                    Level::new(t, round_to(y.max(FLOOR_MG_L), 0.1))
                })
                .collect();
            Case { patient, levels, true_params }
        })
        .collect();
    (cases, floored)
}

fn fit_bench(model: &'static PopModel, patients: &[Patient], args: &Args, stream: u64) -> anyhow::Result<FitFigures> {
    let (cases, floored) = simulate(model, patients, args.seed ^ splitmix64(stream));
    for case in &cases {
        model.validate(&case.patient.covariates).with_context(|| format!("{}: covariates", model.id))?;
    }
    eprintln!("dosing: {} MAP fits …", model.id);
    let mut times = Vec::with_capacity(args.fits);
    let mut fitted = vec![None; cases.len()];
    for i in 0..FIT_WARM_UP + args.fits {
        let case = &cases[i % cases.len()];
        let started = Instant::now();
        let fit = estimate(model, &case.patient.covariates, &case.patient.doses, black_box(&case.levels))
            .with_context(|| format!("{}: fitting patient {}", model.id, i % cases.len()))?;
        let took = started.elapsed();
        if i >= FIT_WARM_UP {
            times.push(took);
        }
        fitted[i % cases.len()].get_or_insert(black_box(fit));
    }
    times.sort_unstable();
    let fitted: Vec<_> = fitted.into_iter().map(|f| f.expect("every patient is fitted at least once")).collect();
    let rel = |a: f64, b: f64| (a / b - 1.0).abs();
    let mut cl_error_map: Vec<f64> =
        cases.iter().zip(&fitted).map(|(c, f)| rel(f.individual.cl_l_h(), c.true_params.cl_l_h())).collect();
    let mut cl_error_prior: Vec<f64> =
        cases.iter().zip(&fitted).map(|(c, f)| rel(f.typical.cl_l_h(), c.true_params.cl_l_h())).collect();
    cl_error_map.sort_by(f64::total_cmp);
    cl_error_prior.sort_by(f64::total_cmp);
    let compartments = if matches!(fitted[0].individual, PkParams::TwoCompartment { .. }) { 2 } else { 1 };
    Ok(FitFigures {
        model,
        compartments,
        times,
        floored,
        cl_error_map,
        cl_error_prior,
        fitted: fitted.into_iter().map(|f| f.individual).collect(),
    })
}

fn pta_bench(model: &PopModel, args: &Args) -> anyhow::Result<(Vec<Duration>, dosing::PtaResult, PtaInput)> {
    let covariates = Covariates { weight_kg: 70.0, crcl_ml_min: Some(100.0), ..Default::default() };
    let input = PtaInput {
        doses: dosing::history::repeated_doses(0.0, 1000.0, 1.0, 12.0, 8),
        from_h: 72.0,
        to_h: 96.0,
        auc_min: 400.0,
        auc_max: 600.0,
        subjects: args.subjects,
        seed: args.seed,
    };
    let first = pta(model, &covariates, &input).context("PTA")?;
    let mut times = Vec::with_capacity(PTA_RUNS);
    for _ in 0..PTA_RUNS {
        let started = Instant::now();
        let result = pta(model, &covariates, black_box(&input)).context("PTA")?;
        times.push(started.elapsed());
        ensure!(result == first, "PTA with the same seed gave a different answer: {result:?} vs {first:?}");
    }
    times.sort_unstable();
    Ok((times, first, input))
}

/// Times `suggest` over the fitted individuals, and `auc_windows` over each patient's last two days.
fn suggest_bench(fitted: &[PkParams], patients: &[Patient]) -> anyhow::Result<(Vec<Duration>, Vec<Duration>, usize)> {
    let search = DoseSearch::default();
    let mut suggest_times = Vec::with_capacity(SUGGESTS);
    let mut auc_times = Vec::with_capacity(SUGGESTS);
    let mut with_suggestion = vec![false; fitted.len()];
    for i in 0..SUGGEST_WARM_UP + SUGGESTS {
        let j = i % fitted.len();
        let params = &fitted[j];
        let started = Instant::now();
        let found = suggest(black_box(params), &search).context("suggest")?;
        let took = started.elapsed();
        with_suggestion[j] = !black_box(found).is_empty();

        let doses = &patients[j].doses;
        let last = doses[DOSES - 1].time_h + 12.0;
        let windows = [(last - 48.0, last - 24.0), (last - 24.0, last)];
        let started = Instant::now();
        let aucs = auc_windows(black_box(params), doses, &windows).context("auc_windows")?;
        let auc_took = started.elapsed();
        black_box(aucs);
        if i >= SUGGEST_WARM_UP {
            suggest_times.push(took);
            auc_times.push(auc_took);
        }
    }
    suggest_times.sort_unstable();
    auc_times.sort_unstable();
    Ok((suggest_times, auc_times, with_suggestion.iter().filter(|&&s| s).count()))
}

fn print_fits(args: &Args, fits: &[FitFigures]) {
    println!();
    println!("1. MAP fit (dosing::estimate): {} timed fits after {FIT_WARM_UP} warm-up, cycling over", args.fits);
    println!("   {PATIENTS} synthetic patients (6 doses, 4 noisy levels each), one thread; target p99 ≤ 5 ms");
    println!();
    println!(
        "{:<24} {:>3} {:>3} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7}",
        "model", "cmt", "η", "p50 ms", "p90 ms", "p99 ms", "max ms", "fits/s", "target"
    );
    for f in fits {
        let total: Duration = f.times.iter().sum();
        let p99 = ms(percentile(&f.times, 0.99));
        println!(
            "{:<24} {:>3} {:>3} {:>8.3} {:>8.3} {:>8.3} {:>8.3} {:>8.0} {:>7}",
            f.model.id,
            f.compartments,
            f.model.omega.dim(),
            ms(percentile(&f.times, 0.50)),
            ms(percentile(&f.times, 0.90)),
            p99,
            ms(f.times.last().copied().unwrap_or_default()),
            f.times.len() as f64 / total.as_secs_f64(),
            if p99 <= FIT_TARGET_P99_MS { "met" } else { "MISSED" },
        );
    }
    println!();
    println!("   fit quality over the {PATIENTS} patients: |CL / simulated true CL − 1|, median / p90");
    println!("{:<24} {:>17} {:>17} {:>16}", "model", "MAP", "prior (typical)", "levels floored");
    for f in fits {
        println!(
            "{:<24} {:>7.1} / {:>5.1} % {:>7.1} / {:>5.1} % {:>9} of {:>3}",
            f.model.id,
            100.0 * nearest_rank(&f.cl_error_map, 0.5).unwrap_or(f64::NAN),
            100.0 * nearest_rank(&f.cl_error_map, 0.9).unwrap_or(f64::NAN),
            100.0 * nearest_rank(&f.cl_error_prior, 0.5).unwrap_or(f64::NAN),
            100.0 * nearest_rank(&f.cl_error_prior, 0.9).unwrap_or(f64::NAN),
            f.floored,
            4 * PATIENTS,
        );
    }
}

fn print_pta(times: &[Duration], result: &dosing::PtaResult, input: &PtaInput) {
    println!();
    println!(
        "2. PTA (dosing::pta), {GOTI_2018}, 70 kg, CrCl 100 mL/min, 1000 mg q12h over 1 h ×{},",
        input.doses.len()
    );
    println!(
        "   AUC {}–{} h within {}–{} mg·h/L, {} subjects, seed {}: {PTA_RUNS} timed runs after 1 warm-up",
        input.from_h, input.to_h, input.auc_min, input.auc_max, input.subjects, input.seed
    );
    println!();
    let (p50, max) = (percentile(times, 0.50), times.last().copied().unwrap_or_default());
    let total: Duration = times.iter().sum();
    println!("{:>12} {:>8} {:>8} {:>12} {:>7}", "all runs ms", "p50 ms", "max ms", "subjects/s", "target");
    println!(
        "{:>12.1} {:>8.1} {:>8.1} {:>12.0} {:>7}",
        ms(total),
        ms(p50),
        ms(max),
        input.subjects as f64 / p50.as_secs_f64(),
        if max.as_secs_f64() <= PTA_TARGET_S { "met" } else { "MISSED" }
    );
    println!();
    println!(
        "   PTA {:.4} ({} of {} attained; every run identical); AUC72–96 p05 / p50 / p95: {:.0} / {:.0} / {:.0} mg·h/L",
        result.probability, result.attained, result.subjects, result.auc_p05, result.auc_p50, result.auc_p95
    );
}

fn print_suggest(suggest_times: &[Duration], auc_times: &[Duration], suggested: usize, patients: usize) {
    println!();
    println!("3. Dose search (dosing::suggest, default DoseSearch: AUC24 400–600, q8–48 h) from the individual");
    println!("   parameters of the {GOTI_2018} MAP fits: {SUGGESTS} timed runs after {SUGGEST_WARM_UP} warm-up");
    println!();
    println!("{:<30} {:>8} {:>8} {:>8} {:>8}", "call", "p50 µs", "p90 µs", "p99 µs", "max µs");
    for (label, times) in [("suggest", suggest_times), ("auc_windows (2 × 24 h)", auc_times)] {
        println!(
            "{:<30} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            label,
            us(percentile(times, 0.50)),
            us(percentile(times, 0.90)),
            us(percentile(times, 0.99)),
            us(times.last().copied().unwrap_or_default()),
        );
    }
    println!();
    println!("   {suggested} of {patients} fitted patients got at least one suggestion");
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000_000.0
}

fn round_to(x: f64, step: f64) -> f64 {
    (x / step).round() * step
}

/// A small deterministic generator (splitmix64 stream; Box–Muller normals): the bench needs reproducible draws,
/// not cryptographic or statistical-suite quality.
struct Rng {
    state: u64,
}

impl Rng {
    fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix64(self.state)
    }

    /// Uniform in [0, 1), 53 bits.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Standard normal (Box–Muller, one of the pair).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}
