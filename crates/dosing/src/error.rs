//! The one error type of the dosing crate. Every variant names the offending input field (JSON-path style, e.g.
//! `doses[2].amount_mg`) so an API layer can map it to a problem+json "invalid-params" entry without guessing.

/// An input the dosing engine refuses, with the field it came from.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DosingError {
    /// A number that must be finite and ≥ 0 (or > 0) is not.
    #[error("{field}: {reason} (got {value})")]
    InvalidValue { field: String, value: f64, reason: &'static str },
    /// A measured level is dated before the first dose, so it cannot be explained by the history.
    #[error("{field}: level at {time_h} h is before the first dose")]
    LevelBeforeFirstDose { field: String, time_h: f64 },
    /// A covariate outside the physiological range the models accept.
    #[error("{field}: {value} is outside {min}–{max}")]
    CovariateOutOfRange { field: String, value: f64, min: f64, max: f64 },
    /// A covariate the chosen model needs was not given.
    #[error("{field}: required by model {model}")]
    MissingCovariate { field: String, model: &'static str },
    /// No model with this id in the registry.
    #[error("model: unknown model id {id:?}")]
    UnknownModel { id: String },
    /// A request that is well-formed but cannot be answered (e.g. an empty AUC interval).
    #[error("{field}: {reason}")]
    Unsupported { field: String, reason: &'static str },
}

impl DosingError {
    /// The input field the error is about (for the API's invalid-params list).
    pub fn field(&self) -> &str {
        match self {
            DosingError::InvalidValue { field, .. }
            | DosingError::LevelBeforeFirstDose { field, .. }
            | DosingError::CovariateOutOfRange { field, .. }
            | DosingError::MissingCovariate { field, .. }
            | DosingError::Unsupported { field, .. } => field,
            DosingError::UnknownModel { .. } => "model",
        }
    }
}

/// Checks `value` is finite and ≥ 0.
pub(crate) fn non_negative(field: impl FnOnce() -> String, value: f64) -> Result<(), DosingError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(DosingError::InvalidValue { field: field(), value, reason: "must be a finite number ≥ 0" })
    }
}

/// Checks `value` is finite and > 0.
pub(crate) fn positive(field: impl FnOnce() -> String, value: f64) -> Result<(), DosingError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(DosingError::InvalidValue { field: field(), value, reason: "must be a finite number > 0" })
    }
}
