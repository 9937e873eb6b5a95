//! Precision dosing: dose histories, closed-form one- and two-compartment IV models, classical two-level
//! calculations, population models with Bayesian MAP estimation, AUC, dose search and probability of target
//! attainment. Pure: no I/O, no async, plain `f64` math inside, unit-named fields at the edges.

pub mod classical;
pub mod error;
pub mod estimate;
pub mod history;
pub mod model;
pub mod models;
pub mod pk;
pub mod pta;
pub mod regimen;

pub use error::DosingError;
pub use estimate::{Estimate, estimate};
pub use history::{Dose, Level};
pub use model::{Covariate, Covariates, ErrorModel, PopModel, Sex};
pub use pk::{Disposition, PkParams, curve};
pub use pta::{PtaInput, PtaResult, pta};
pub use regimen::{
    AucWindow, DoseSearch, Suggestion, amount_for_concentration, amount_for_window_auc, auc_windows, loading_dose,
    suggest,
};
