//! Dosing history and measured levels: the inputs every prediction starts from. Times are hours on one clock
//! (any origin); a dose is a zero-order infusion of `amount_mg` over `duration_h` (0 = bolus). Validation here
//! is the only place that rejects negative times/amounts and levels dated before the first dose.

use crate::error::{DosingError, non_negative};

/// One administration: zero-order infusion starting at `time_h`, lasting `duration_h` (0 means IV bolus).
/// A continuous infusion is one long dose (e.g. 2,000 mg over 24 h).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dose {
    pub time_h: f64,
    pub amount_mg: f64,
    pub duration_h: f64,
}

impl Dose {
    pub fn new(time_h: f64, amount_mg: f64, duration_h: f64) -> Self {
        Dose { time_h, amount_mg, duration_h }
    }
}

/// One measured concentration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    pub time_h: f64,
    pub concentration_mg_l: f64,
}

impl Level {
    pub fn new(time_h: f64, concentration_mg_l: f64) -> Self {
        Level { time_h, concentration_mg_l }
    }
}

/// A regular schedule: `count` doses of `amount_mg` over `duration_h`, every `interval_h`, first at `start_h`.
pub fn repeated_doses(start_h: f64, amount_mg: f64, duration_h: f64, interval_h: f64, count: usize) -> Vec<Dose> {
    (0..count).map(|i| Dose::new(start_h + i as f64 * interval_h, amount_mg, duration_h)).collect()
}

/// Rejects negative or non-finite times, amounts and durations (field `doses[i].…`).
pub fn validate_doses(doses: &[Dose]) -> Result<(), DosingError> {
    for (i, d) in doses.iter().enumerate() {
        non_negative(|| format!("doses[{i}].time_h"), d.time_h)?;
        non_negative(|| format!("doses[{i}].amount_mg"), d.amount_mg)?;
        non_negative(|| format!("doses[{i}].duration_h"), d.duration_h)?;
    }
    Ok(())
}

/// Rejects negative times or concentrations and any level dated at or before the first dose start
/// (field `levels[i].…`). With no doses every level is "before the first dose".
pub fn validate_levels(levels: &[Level], doses: &[Dose]) -> Result<(), DosingError> {
    let first = doses.iter().map(|d| d.time_h).fold(f64::INFINITY, f64::min);
    for (i, l) in levels.iter().enumerate() {
        non_negative(|| format!("levels[{i}].time_h"), l.time_h)?;
        non_negative(|| format!("levels[{i}].concentration_mg_l"), l.concentration_mg_l)?;
        if l.time_h <= first {
            return Err(DosingError::LevelBeforeFirstDose { field: format!("levels[{i}].time_h"), time_h: l.time_h });
        }
    }
    Ok(())
}
