//! Probability of target attainment (PTA): seeded, reproducible Monte Carlo over a model's population. Each
//! simulated subject draws η ~ N(0, Ω) (η = L·z, z standard normal from a ChaCha8 stream seeded by the caller),
//! and attains the target when its exact AUC over the window lies inside [auc_min, auc_max]
//! (method: Mouton JW et al., J Antimicrob Chemother 2005;55:601–607; Monte Carlo PTA as in Drusano GL,
//! Nat Rev Microbiol 2004;2:289–300).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::error::{DosingError, non_negative, positive};
use crate::history::{Dose, validate_doses};
use crate::model::{Covariates, PopModel};

/// What to simulate and what counts as attained.
#[derive(Debug, Clone, PartialEq)]
pub struct PtaInput {
    pub doses: Vec<Dose>,
    pub from_h: f64,
    pub to_h: f64,
    /// AUC over the window must be ≥ this (mg·h/L).
    pub auc_min: f64,
    /// …and ≤ this (use `f64::INFINITY` for no upper bound).
    pub auc_max: f64,
    pub subjects: usize,
    pub seed: u64,
}

/// Fraction attained and AUC percentiles (5th, 50th, 95th) over the window.
#[derive(Debug, Clone, PartialEq)]
pub struct PtaResult {
    pub subjects: usize,
    pub attained: usize,
    pub probability: f64,
    pub auc_p05: f64,
    pub auc_p50: f64,
    pub auc_p95: f64,
}

/// Runs the simulation; the same input and seed give the same result on every platform (ChaCha8 is portable).
pub fn pta(model: &PopModel, covariates: &Covariates, input: &PtaInput) -> Result<PtaResult, DosingError> {
    model.validate(covariates)?;
    validate_doses(&input.doses)?;
    if input.subjects == 0 {
        return Err(DosingError::Unsupported { field: "subjects".into(), reason: "must be at least 1" });
    }
    non_negative(|| "from_h".into(), input.from_h)?;
    non_negative(|| "to_h".into(), input.to_h)?;
    if input.to_h <= input.from_h {
        return Err(DosingError::Unsupported { field: "to_h".into(), reason: "window must satisfy 0 ≤ from < to" });
    }
    positive(|| "auc_min".into(), input.auc_min)?;
    let typical = model.typical(covariates);
    let n = model.omega.dim();
    let mut rng = ChaCha8Rng::seed_from_u64(input.seed);
    let mut z = vec![0.0; n];
    let mut aucs: Vec<f64> = (0..input.subjects)
        .map(|_| {
            for v in z.iter_mut() {
                *v = StandardNormal.sample(&mut rng);
            }
            let eta = model.omega.correlate(&z);
            model.individual(&typical, &eta).disposition().auc(&input.doses, input.from_h, input.to_h)
        })
        .collect();
    let attained = aucs.iter().filter(|&&a| a >= input.auc_min && a <= input.auc_max).count();
    aucs.sort_by(f64::total_cmp);
    let pct = |p: f64| aucs[((aucs.len() - 1) as f64 * p).round() as usize];
    Ok(PtaResult {
        subjects: input.subjects,
        attained,
        probability: attained as f64 / input.subjects as f64,
        auc_p05: pct(0.05),
        auc_p50: pct(0.5),
        auc_p95: pct(0.95),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::repeated_doses;
    use crate::models::{BUELGA_2005, GOTI_2018, by_id};

    fn cov() -> Covariates {
        Covariates {
            weight_kg: 70.0,
            crcl_ml_min: Some(100.0),
            dialysis: false,
            age_years: None,
            scr_mg_dl: None,
            ..Default::default()
        }
    }

    /// Standard normal CDF via erf (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7).
    fn phi(x: f64) -> f64 {
        let t = 1.0 / (1.0 + 0.3275911 * x.abs() / 2f64.sqrt());
        let y = 1.0
            - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592)
                * t
                * (-(x * x) / 2.0).exp();
        if x >= 0.0 { 0.5 * (1.0 + y) } else { 0.5 * (1.0 - y) }
    }

    /// One compartment: AUC0–∞ of one dose = D/(CL·e^η), so P(AUC ≥ T) = Φ(ln(D/(CL·T))/ω) exactly.
    #[test]
    fn monte_carlo_matches_the_analytic_probability() {
        let m = by_id(BUELGA_2005).unwrap();
        let cl = m.typical(&cov()).cl_l_h();
        let (dose, target) = (1000.0, 180.0);
        let input = PtaInput {
            doses: vec![Dose::new(0.0, dose, 1.0)],
            from_h: 0.0,
            to_h: 5000.0,
            auc_min: target,
            auc_max: f64::INFINITY,
            subjects: 10_000,
            seed: 42,
        };
        let r = pta(m, &cov(), &input).unwrap();
        let exact = phi((dose / (cl * target)).ln() / m.omega.variance(0).sqrt());
        let se = (exact * (1.0 - exact) / 10_000.0).sqrt();
        println!("PTA {:.4} vs analytic {exact:.4} (SE {se:.4})", r.probability);
        assert!((r.probability - exact).abs() < 4.0 * se, "{} vs {exact}", r.probability);
    }

    #[test]
    fn same_seed_same_answer_and_timed_at_10000_subjects() {
        let m = by_id(GOTI_2018).unwrap();
        let input = PtaInput {
            doses: repeated_doses(0.0, 1250.0, 1.5, 12.0, 8),
            from_h: 72.0,
            to_h: 96.0,
            auc_min: 400.0,
            auc_max: 600.0,
            subjects: 10_000,
            seed: 7,
        };
        let t = std::time::Instant::now();
        let a = pta(m, &cov(), &input).unwrap();
        println!(
            "PTA 10,000 subjects ({} build): {:.1} ms; {a:?}",
            if cfg!(debug_assertions) { "debug" } else { "release" },
            t.elapsed().as_secs_f64() * 1e3
        );
        assert_eq!(a, pta(m, &cov(), &input).unwrap());
        let b = pta(m, &cov(), &PtaInput { seed: 8, ..input.clone() }).unwrap();
        assert_ne!(a.attained, b.attained);
        assert!(a.auc_p05 < a.auc_p50 && a.auc_p50 < a.auc_p95);
        assert_eq!(pta(m, &cov(), &PtaInput { subjects: 0, ..input }).unwrap_err().field(), "subjects");
    }
}
