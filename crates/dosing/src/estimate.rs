//! Bayesian maximum a posteriori (MAP) estimation of individual parameters from a population model, a dosing
//! history and measured levels; with no level it returns the a priori (typical) prediction, η = 0.
//! Objective (Sheiner LB, Beal SL. J Pharmacokinet Biopharm 1982;10:303–319; as in posologyr/NONMEM POSTHOC):
//! OFV(η) = Σ[(y − f)²/g² + ln g²] + ηᵀΩ⁻¹η, minimised with argmin's Nelder–Mead (Nelder JA, Mead R.
//! Comput J 1965;7:308–313) from two simplices around η = 0, then restarted at the best point.

use argmin::core::{CostFunction, Executor, State};
use argmin::solver::neldermead::NelderMead;

use crate::error::DosingError;
use crate::history::{Dose, Level, validate_doses, validate_levels};
use crate::model::{Covariates, PopModel};
use crate::pk::PkParams;

/// The individual fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub typical: PkParams,
    pub individual: PkParams,
    /// η in the model's Ω order (see [`PopModel::etas`]).
    pub eta: Vec<f64>,
    /// OFV at η (0 when there is no level).
    pub objective: f64,
    /// Number of levels used.
    pub levels_used: usize,
}

#[derive(Clone, Copy)]
struct Objective<'a> {
    model: &'a PopModel,
    typical: PkParams,
    doses: &'a [Dose],
    levels: &'a [Level],
}

impl Objective<'_> {
    fn ofv(&self, eta: &[f64]) -> f64 {
        let disp = self.model.individual(&self.typical, eta).disposition();
        let data: f64 = self
            .levels
            .iter()
            .map(|l| {
                let f = disp.concentration(self.doses, l.time_h);
                let g = self.model.error.sd(f);
                let r = l.concentration_mg_l - f;
                r * r / (g * g) + (g * g).ln()
            })
            .sum();
        let v = data + self.model.omega.mahalanobis2(eta);
        if v.is_finite() { v } else { f64::MAX }
    }
}

impl CostFunction for Objective<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, eta: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(self.ofv(eta))
    }
}

/// Validates the inputs, then fits η by MAP (or returns η = 0 when `levels` is empty).
pub fn estimate(
    model: &PopModel,
    covariates: &Covariates,
    doses: &[Dose],
    levels: &[Level],
) -> Result<Estimate, DosingError> {
    model.validate(covariates)?;
    validate_doses(doses)?;
    validate_levels(levels, doses)?;
    let typical = model.typical(covariates);
    let n = model.omega.dim();
    let obj = Objective { model, typical, doses, levels };
    if levels.is_empty() {
        return Ok(Estimate { typical, individual: typical, eta: vec![0.0; n], objective: 0.0, levels_used: 0 });
    }
    let sds: Vec<f64> = (0..n).map(|i| model.omega.variance(i).sqrt()).collect();
    let mut best = (vec![0.0; n], obj.ofv(&vec![0.0; n]));
    // Two starting simplices (+1 SD and −1 SD along each axis from η = 0), then a restart at the best point with
    // a 0.25 SD simplex: restarting guards Nelder–Mead against a collapsed simplex (Press et al., Numerical
    // Recipes 3rd ed. §10.5).
    for sign in [1.0, -1.0] {
        let cand = nelder_mead(&obj, &vec![0.0; n], &sds, sign)?;
        if cand.1 < best.1 {
            best = cand;
        }
    }
    let small: Vec<f64> = sds.iter().map(|s| 0.25 * s).collect();
    let cand = nelder_mead(&obj, &best.0, &small, 1.0)?;
    if cand.1 <= best.1 {
        best = cand;
    }
    let individual = model.individual(&typical, &best.0);
    Ok(Estimate { typical, individual, eta: best.0, objective: best.1, levels_used: levels.len() })
}

fn nelder_mead(obj: &Objective<'_>, centre: &[f64], steps: &[f64], sign: f64) -> Result<(Vec<f64>, f64), DosingError> {
    let mut simplex = vec![centre.to_vec()];
    for (i, s) in steps.iter().enumerate() {
        let mut v = centre.to_vec();
        v[i] += sign * s;
        simplex.push(v);
    }
    let failed = |_| DosingError::Unsupported { field: "levels".into(), reason: "the MAP optimiser failed" };
    let solver = NelderMead::new(simplex).with_sd_tolerance(1e-10).map_err(failed)?;
    let res = Executor::new(*obj, solver).configure(|s| s.max_iters(4000)).run().map_err(failed)?;
    let state = res.state();
    let p = state.get_best_param().cloned().unwrap_or_else(|| centre.to_vec());
    let cost = obj.ofv(&p);
    Ok((p, cost))
}

#[cfg(test)]
mod tests;
