//! Exposure and regimen design from individual parameters: AUC over requested windows of a real history, dose and
//! interval search for a target steady-state AUC0–24 window with practical rounding, and loading doses.
//! Linear PK throughout, so steady-state AUCτ = D/CL exactly (Gibaldi & Perrier ch. 3); default target
//! 400–600 mg·h/L from the 2020 ASHP/IDSA/PIDS/SIDP vancomycin guideline (Rybak MJ et al., Am J Health Syst
//! Pharm 2020;77:835–864).

use crate::error::{DosingError, non_negative, positive};
use crate::history::{Dose, validate_doses};
use crate::pk::PkParams;

/// AUC of the superposed individual curve over one window of the history's clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AucWindow {
    pub from_h: f64,
    pub to_h: f64,
    pub mg_h_per_l: f64,
}

/// Exact AUC over each `[from_h, to_h]` (hours on the doses' clock), counting every dose given.
pub fn auc_windows(params: &PkParams, doses: &[Dose], windows: &[(f64, f64)]) -> Result<Vec<AucWindow>, DosingError> {
    validate_doses(doses)?;
    let disp = params.disposition();
    windows
        .iter()
        .enumerate()
        .map(|(i, &(from_h, to_h))| {
            non_negative(|| format!("auc_intervals[{i}][0]"), from_h)?;
            non_negative(|| format!("auc_intervals[{i}][1]"), to_h)?;
            if to_h <= from_h {
                return Err(DosingError::Unsupported {
                    field: format!("auc_intervals[{i}]"),
                    reason: "end must be after start",
                });
            }
            Ok(AucWindow { from_h, to_h, mg_h_per_l: disp.auc(doses, from_h, to_h) })
        })
        .collect()
}

/// Target steady-state AUC0–24 window and the practical constraints of a suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseSearch {
    pub auc24_min: f64,
    pub auc24_max: f64,
    /// Amounts are multiples of this (e.g. 250 mg).
    pub amount_step_mg: f64,
    pub min_amount_mg: f64,
    pub max_amount_mg: f64,
    /// Candidate intervals, hours.
    pub intervals_h: Vec<f64>,
    /// Infusion time is amount / rate rounded up to `duration_step_h`, at least `min_duration_h`.
    pub max_rate_mg_per_h: f64,
    pub min_duration_h: f64,
    pub duration_step_h: f64,
    /// Ranking: the recommended regimen is the one with the longest interval whose steady-state peak is at most
    /// this multiple of its trough (fewest infusions without a long low period).
    pub max_peak_trough_ratio: f64,
}

impl Default for DoseSearch {
    /// Vancomycin defaults: AUC24 400–600 mg·h/L (Rybak 2020), 250 mg steps up to 4,500 mg, q8–48 h,
    /// infused no faster than 1,000 mg/h and over at least 1 h, in 30-min steps (Rybak 2020 infusion-rate advice).
    /// Peak:trough at most 3 for the recommended one: a practical choice a little tighter than the 4 of the Matzke
    /// nomogram, which was built to give steady-state peaks of 30 and troughs of 7.5 mg/L (Matzke GR et al.
    /// Antimicrob Agents Chemother 1984;25(4):433–437; Bauer LA, Applied Clinical Pharmacokinetics, ch. 5).
    fn default() -> Self {
        DoseSearch {
            auc24_min: 400.0,
            auc24_max: 600.0,
            amount_step_mg: 250.0,
            min_amount_mg: 250.0,
            max_amount_mg: 4500.0,
            intervals_h: vec![8.0, 12.0, 24.0, 36.0, 48.0],
            max_rate_mg_per_h: 1000.0,
            min_duration_h: 1.0,
            duration_step_h: 0.5,
            max_peak_trough_ratio: 3.0,
        }
    }
}

/// A regimen predicted to land in the window at steady state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Suggestion {
    pub amount_mg: f64,
    pub interval_h: f64,
    pub duration_h: f64,
    pub auc24: f64,
    /// Just before the next dose.
    pub trough_mg_l: f64,
    /// At the end of the infusion.
    pub peak_mg_l: f64,
}

impl DoseSearch {
    fn validate(&self) -> Result<(), DosingError> {
        positive(|| "target.auc24_min".into(), self.auc24_min)?;
        positive(|| "target.auc24_max".into(), self.auc24_max)?;
        if self.auc24_max < self.auc24_min {
            return Err(DosingError::Unsupported { field: "target.auc24_max".into(), reason: "must be ≥ auc24_min" });
        }
        positive(|| "amount_step_mg".into(), self.amount_step_mg)?;
        positive(|| "max_rate_mg_per_h".into(), self.max_rate_mg_per_h)?;
        positive(|| "duration_step_h".into(), self.duration_step_h)?;
        if self.max_peak_trough_ratio.is_nan() || self.max_peak_trough_ratio < 1.0 {
            return Err(DosingError::Unsupported { field: "max_peak_trough_ratio".into(), reason: "must be ≥ 1" });
        }
        non_negative(|| "min_duration_h".into(), self.min_duration_h)?;
        for (i, t) in self.intervals_h.iter().enumerate() {
            positive(|| format!("intervals_h[{i}]"), *t)?;
        }
        Ok(())
    }

    /// Infusion duration for an amount under the rate limit, rounded up to the duration step.
    pub fn duration_for(&self, amount_mg: f64) -> f64 {
        let raw = (amount_mg / self.max_rate_mg_per_h).max(self.min_duration_h);
        (raw / self.duration_step_h - 1e-9).ceil() * self.duration_step_h
    }
}

/// For each interval, the rounded amount whose steady-state AUC24 = 24·D/(τ·CL) is nearest the window's middle;
/// ties go to the lower amount;
/// kept only if inside the window and the infusion fits the interval. Peak and trough come from the closed-form
/// steady state. Ranked so the first is the one to recommend: regimens whose peak:trough stays within
/// `max_peak_trough_ratio` come first, longest interval first (fewest infusions, which matters at home); then the
/// others, shortest interval first (the smallest swing). Within an interval there is one amount.
pub fn suggest(params: &PkParams, search: &DoseSearch) -> Result<Vec<Suggestion>, DosingError> {
    search.validate()?;
    let disp = params.disposition();
    let cl = params.cl_l_h();
    let mid = 0.5 * (search.auc24_min + search.auc24_max);
    let mut out = Vec::new();
    for &tau in &search.intervals_h {
        let ideal = mid * cl * tau / 24.0;
        let step = search.amount_step_mg;
        let candidates = [(ideal / step).round() * step, (ideal / step).floor() * step, (ideal / step).ceil() * step];
        let best = candidates
            .into_iter()
            .filter(|&a| a >= search.min_amount_mg && a <= search.max_amount_mg)
            .map(|a| (a, 24.0 * disp.steady_state_auc_interval(a) / tau))
            .filter(|&(_, auc)| auc >= search.auc24_min && auc <= search.auc24_max)
            .min_by(|x, y| {
                // Nearest the middle; a tie (within 1e-9 mg·h/L) goes to the lower, safer amount.
                let (dx, dy) = ((x.1 - mid).abs(), (y.1 - mid).abs());
                if (dx - dy).abs() < 1e-9 { x.0.total_cmp(&y.0) } else { dx.total_cmp(&dy) }
            });
        let Some((amount, auc24)) = best else { continue };
        let duration = search.duration_for(amount);
        if duration > tau {
            continue;
        }
        out.push(Suggestion {
            amount_mg: amount,
            interval_h: tau,
            duration_h: duration,
            auc24,
            trough_mg_l: disp.steady_state_concentration(amount, duration, tau, tau),
            peak_mg_l: disp.steady_state_concentration(amount, duration, tau, duration),
        });
    }
    let rank = |s: &Suggestion| {
        let steady = s.peak_mg_l <= search.max_peak_trough_ratio * s.trough_mg_l;
        (!steady, if steady { -s.interval_h } else { s.interval_h })
    };
    out.sort_by(|a, b| {
        let (ka, kb) = (rank(a), rank(b));
        ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
    });
    Ok(out)
}

/// Loading dose that reaches, at the end of its own infusion, the steady-state peak of the maintenance regimen
/// `maintenance` (so the first day starts at the plateau): LD = Cpeak,ss / c₁(T), where c₁(T) is the concentration
/// per mg at the end of a T-hour infusion — the superposition form of LD = C·V (Rowland & Tozer ch. 11). Rounded
/// to `search.amount_step_mg` and capped at `search.max_amount_mg`; the duration follows the rate limit.
pub fn loading_dose(params: &PkParams, maintenance: &Suggestion, search: &DoseSearch) -> Result<Dose, DosingError> {
    search.validate()?;
    let disp = params.disposition();
    let target = maintenance.peak_mg_l;
    positive(|| "maintenance.peak_mg_l".into(), target)?;
    // Duration depends on the amount; two passes settle it (the second uses the first pass's duration).
    let mut duration = search.duration_for(maintenance.amount_mg);
    let mut amount = 0.0;
    for _ in 0..3 {
        let per_mg = disp.concentration(&[Dose::new(0.0, 1.0, duration)], duration);
        amount = ((target / per_mg) / search.amount_step_mg).round() * search.amount_step_mg;
        amount = amount.clamp(search.min_amount_mg, search.max_amount_mg);
        duration = search.duration_for(amount);
    }
    Ok(Dose::new(0.0, amount, duration))
}

/// The next dose: amount of one infusion starting at `time_h` (lasting `duration_h`) that, added to the history,
/// gives exactly `target` for the window AUC [from_h, to_h]. Linear superposition makes this closed-form:
/// D = (target − AUC_history) / AUC_per_mg. Returns `None` when the history alone already exceeds the target or
/// the new dose cannot reach the window.
pub fn amount_for_window_auc(
    params: &PkParams,
    history: &[Dose],
    time_h: f64,
    duration_h: f64,
    (from_h, to_h): (f64, f64),
    target_mg_h_l: f64,
) -> Result<Option<f64>, DosingError> {
    validate_doses(history)?;
    validate_doses(&[Dose::new(time_h, 0.0, duration_h)])?;
    positive(|| "target.auc_mg_h_l".into(), target_mg_h_l)?;
    let disp = params.disposition();
    let base = disp.auc(history, from_h, to_h);
    let per_mg = disp.auc(&[Dose::new(time_h, 1.0, duration_h)], from_h, to_h);
    Ok((per_mg > 0.0 && base < target_mg_h_l).then(|| (target_mg_h_l - base) / per_mg))
}

/// The next dose: amount of one infusion at `time_h` (lasting `duration_h`) that makes the concentration at
/// `at_h` equal `target_mg_l`, by the same linear superposition. `None` when unreachable.
pub fn amount_for_concentration(
    params: &PkParams,
    history: &[Dose],
    time_h: f64,
    duration_h: f64,
    at_h: f64,
    target_mg_l: f64,
) -> Result<Option<f64>, DosingError> {
    validate_doses(history)?;
    validate_doses(&[Dose::new(time_h, 0.0, duration_h)])?;
    positive(|| "target.concentration_mg_l".into(), target_mg_l)?;
    let disp = params.disposition();
    let base = disp.concentration(history, at_h);
    let per_mg = disp.concentration(&[Dose::new(time_h, 1.0, duration_h)], at_h);
    Ok((per_mg > 0.0 && base < target_mg_l).then(|| (target_mg_l - base) / per_mg))
}

#[cfg(test)]
mod tests;
