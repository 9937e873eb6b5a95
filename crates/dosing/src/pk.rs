//! Linear one- and two-compartment IV models solved in closed form: concentration at any time by superposition of
//! zero-order infusions, the exact integral (AUC) over any window, and steady-state profiles of a regular regimen.
//! No ODE solver: each dose contributes a sum of exponentials (Gibaldi M, Perrier D. Pharmacokinetics, 2nd ed.,
//! Marcel Dekker 1982, ch. 1–3; superposition as in Rowland M, Tozer TN, Clinical Pharmacokinetics, 4th ed., ch. 11).

use crate::error::{DosingError, non_negative, positive};
use crate::history::Dose;

/// Individual (or typical) parameters of a structural model; clearances in L/h, volumes in L.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PkParams {
    OneCompartment { cl_l_h: f64, v_l: f64 },
    TwoCompartment { cl_l_h: f64, v1_l: f64, q_l_h: f64, v2_l: f64 },
}

impl PkParams {
    /// Elimination clearance, L/h.
    pub fn cl_l_h(&self) -> f64 {
        match *self {
            PkParams::OneCompartment { cl_l_h, .. } | PkParams::TwoCompartment { cl_l_h, .. } => cl_l_h,
        }
    }

    /// Central volume, L.
    pub fn v1_l(&self) -> f64 {
        match *self {
            PkParams::OneCompartment { v_l, .. } => v_l,
            PkParams::TwoCompartment { v1_l, .. } => v1_l,
        }
    }

    /// Inter-compartmental clearance, L/h (two-compartment only).
    pub fn q_l_h(&self) -> Option<f64> {
        match *self {
            PkParams::OneCompartment { .. } => None,
            PkParams::TwoCompartment { q_l_h, .. } => Some(q_l_h),
        }
    }

    /// Peripheral volume, L (two-compartment only).
    pub fn v2_l(&self) -> Option<f64> {
        match *self {
            PkParams::OneCompartment { .. } => None,
            PkParams::TwoCompartment { v2_l, .. } => Some(v2_l),
        }
    }

    /// The unit-impulse response of the central compartment as exponential terms.
    pub fn disposition(&self) -> Disposition {
        Disposition::new(self)
    }
}

/// Central-compartment response to a 1 mg bolus: C(t) = Σ coef_i·e^(−λ_i t), coef in 1/L, λ in 1/h.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Disposition {
    terms: [(f64, f64); 2],
    n: usize,
    cl_l_h: f64,
}

impl Disposition {
    /// One compartment: coef = 1/V, λ = CL/V.
    /// Two compartments (Gibaldi & Perrier ch. 2): k10 = CL/V1, k12 = Q/V1, k21 = Q/V2;
    /// α, β = roots of λ² − (k10 + k12 + k21)λ + k10·k21; A = (α − k21)/(V1(α − β)), B = (k21 − β)/(V1(α − β)).
    /// β is taken as k10·k21/α, which avoids cancellation when β ≪ α.
    pub fn new(p: &PkParams) -> Self {
        match *p {
            PkParams::OneCompartment { cl_l_h, v_l } => {
                Disposition { terms: [(1.0 / v_l, cl_l_h / v_l), (0.0, 0.0)], n: 1, cl_l_h }
            }
            PkParams::TwoCompartment { cl_l_h, v1_l, q_l_h, v2_l } => {
                let (k10, k12, k21) = (cl_l_h / v1_l, q_l_h / v1_l, q_l_h / v2_l);
                let s = k10 + k12 + k21;
                let alpha = 0.5 * (s + (s * s - 4.0 * k10 * k21).max(0.0).sqrt());
                let beta = k10 * k21 / alpha;
                let d = v1_l * (alpha - beta);
                Disposition { terms: [((alpha - k21) / d, alpha), ((k21 - beta) / d, beta)], n: 2, cl_l_h }
            }
        }
    }

    fn terms(&self) -> &[(f64, f64)] {
        &self.terms[..self.n]
    }

    /// Macro-constants (coef 1/L, λ 1/h), fastest first.
    pub fn exponentials(&self) -> Vec<(f64, f64)> {
        self.terms().to_vec()
    }

    /// Concentration (mg/L) at `t_h` from every dose given before it (superposition).
    pub fn concentration(&self, doses: &[Dose], t_h: f64) -> f64 {
        doses.iter().map(|d| self.single(d, t_h - d.time_h)).sum()
    }

    /// Exact AUC (mg·h/L) over [from_h, to_h] of the superposed solution, counting every dose given.
    pub fn auc(&self, doses: &[Dose], from_h: f64, to_h: f64) -> f64 {
        doses
            .iter()
            .map(|d| self.single_integral(d, to_h - d.time_h) - self.single_integral(d, from_h - d.time_h))
            .sum()
    }

    /// One dose's contribution τ hours after its start:
    /// bolus D·Σ A·e^(−λτ); during infusion R·Σ (A/λ)(1 − e^(−λτ)); after it R·Σ (A/λ)(1 − e^(−λT))e^(−λ(τ−T)),
    /// R = D/T (Gibaldi & Perrier ch. 1–2, constant-rate infusion).
    fn single(&self, d: &Dose, tau: f64) -> f64 {
        if tau < 0.0 || (tau == 0.0 && !is_bolus(d)) {
            return 0.0;
        }
        self.terms()
            .iter()
            .map(|&(a, l)| {
                if is_bolus(d) {
                    d.amount_mg * a * (-l * tau).exp()
                } else {
                    let r = d.amount_mg / d.duration_h;
                    if tau <= d.duration_h {
                        r * a / l * one_minus_exp(l * tau)
                    } else {
                        r * a / l * one_minus_exp(l * d.duration_h) * (-l * (tau - d.duration_h)).exp()
                    }
                }
            })
            .sum()
    }

    /// ∫₀^τ of [`Self::single`]: bolus D·A(1 − e^(−λτ))/λ; during infusion R(A/λ)(τ − (1 − e^(−λτ))/λ);
    /// after it the value at T plus R(A/λ)(1 − e^(−λT))(1 − e^(−λ(τ−T)))/λ.
    fn single_integral(&self, d: &Dose, tau: f64) -> f64 {
        if tau <= 0.0 {
            return 0.0;
        }
        self.terms()
            .iter()
            .map(|&(a, l)| {
                if is_bolus(d) {
                    d.amount_mg * a * one_minus_exp(l * tau) / l
                } else {
                    let r = d.amount_mg / d.duration_h;
                    let t = d.duration_h;
                    let during = |x: f64| r * a / l * (x - one_minus_exp(l * x) / l);
                    if tau <= t {
                        during(tau)
                    } else {
                        during(t) + r * a / l * one_minus_exp(l * t) * one_minus_exp(l * (tau - t)) / l
                    }
                }
            })
            .sum()
    }

    /// Steady-state concentration `s_h` hours (0 ≤ s ≤ interval) after the start of a dose of a regimen repeated
    /// forever: the single-dose term plus the geometric tail Σₙ≥₁ e^(−λnτ) = e^(−λτ)/(1 − e^(−λτ)) applied to the
    /// post-infusion decay (Gibaldi & Perrier ch. 3). Requires duration ≤ interval.
    pub fn steady_state_concentration(&self, amount_mg: f64, duration_h: f64, interval_h: f64, s_h: f64) -> f64 {
        let d = Dose::new(0.0, amount_mg, duration_h);
        let first = self.single(&d, s_h);
        let tail: f64 = self
            .terms()
            .iter()
            .map(|&(a, l)| {
                let acc = (-l * interval_h).exp() / one_minus_exp(l * interval_h);
                let post = if is_bolus(&d) {
                    amount_mg * a * (-l * s_h).exp()
                } else {
                    amount_mg / duration_h * a / l * one_minus_exp(l * duration_h) * (-l * (s_h - duration_h)).exp()
                };
                post * acc
            })
            .sum();
        first + tail
    }

    /// Steady-state AUC over one dosing interval = dose / CL (exact for linear models), mg·h/L.
    pub fn steady_state_auc_interval(&self, amount_mg: f64) -> f64 {
        amount_mg / self.cl_l_h
    }
}

fn is_bolus(d: &Dose) -> bool {
    d.duration_h <= 1e-9
}

/// 1 − e^(−x) without cancellation for small x.
fn one_minus_exp(x: f64) -> f64 {
    -(-x).exp_m1()
}

/// Concentrations on a regular grid from `from_h` to `to_h` inclusive, `step_h` apart: (time_h, mg/L).
/// At most 100,000 points; a window that would need more, a non-positive step or an end before the start is
/// refused (field `curve`).
pub fn curve(
    disp: &Disposition,
    doses: &[Dose],
    from_h: f64,
    to_h: f64,
    step_h: f64,
) -> Result<Vec<(f64, f64)>, DosingError> {
    non_negative(|| "curve.from_h".into(), from_h)?;
    non_negative(|| "curve.to_h".into(), to_h)?;
    positive(|| "curve.step_h".into(), step_h)?;
    let n = ((to_h - from_h) / step_h).round();
    if to_h < from_h || n > 100_000.0 {
        return Err(DosingError::Unsupported {
            field: "curve".into(),
            reason: "window must be ordered and ≤ 100,000 steps",
        });
    }
    Ok((0..=n as usize)
        .map(|i| {
            let t = from_h + i as f64 * step_h;
            (t, disp.concentration(doses, t))
        })
        .collect())
}

#[cfg(test)]
mod tests;
