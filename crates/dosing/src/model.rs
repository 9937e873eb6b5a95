//! Population PK model machinery: typed covariates and their physiological ranges, log-normal between-subject
//! variability (Ω, any lower-triangular covariance), residual-error models, and typical/individual parameters.
//! The concrete published models live in `models.rs`; this file owns only the shapes they share.

use crate::error::{DosingError, non_negative};
use crate::pk::PkParams;

/// Patient covariates, units in the names. Optional ones are required only by the models that use them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Covariates {
    pub weight_kg: f64,
    pub crcl_ml_min: Option<f64>,
    pub dialysis: bool,
    pub age_years: Option<f64>,
    pub scr_mg_dl: Option<f64>,
    pub sex: Option<Sex>,
    pub height_cm: Option<f64>,
}

/// Biological sex, as the covariate models that use it define it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Female,
    Male,
}

/// Physiological ranges every model enforces (a model may narrow them via [`PopModel::ranges`]).
pub const WEIGHT_KG: (f64, f64) = (0.3, 400.0);
pub const CRCL_ML_MIN: (f64, f64) = (1.0, 300.0);
pub const AGE_YEARS: (f64, f64) = (0.0, 120.0);
pub const SCR_MG_DL: (f64, f64) = (0.05, 20.0);
pub const HEIGHT_CM: (f64, f64) = (30.0, 250.0);

/// A covariate a model reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Covariate {
    WeightKg,
    CrclMlMin,
    Dialysis,
    AgeYears,
    ScrMgDl,
    Sex,
    HeightCm,
}

impl Covariate {
    /// The input field name used in errors and in the API.
    pub fn field(self) -> &'static str {
        match self {
            Covariate::WeightKg => "covariates.weight_kg",
            Covariate::CrclMlMin => "covariates.crcl_ml_min",
            Covariate::Dialysis => "covariates.dialysis",
            Covariate::AgeYears => "covariates.age_years",
            Covariate::ScrMgDl => "covariates.scr_mg_dl",
            Covariate::Sex => "covariates.sex",
            Covariate::HeightCm => "covariates.height_cm",
        }
    }
}

/// Which structural parameter an η scales: P_i = P_typical·e^(η).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    Cl,
    V1,
    Q,
    V2,
}

/// Residual error: the standard deviation g of an observation around prediction f (mg/L).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ErrorModel {
    /// g = a + b·f — standard deviations added ("combined1", as in nlmixr2 / posologyr).
    Combined1 { add_mg_l: f64, prop: f64 },
    /// g = √(a² + b²f²) — variances added ("combined2", the NONMEM-style form).
    Combined2 { add_mg_l: f64, prop: f64 },
}

impl ErrorModel {
    /// Standard deviation at prediction `f` (never below 1e-6 so the objective stays finite).
    pub fn sd(&self, f: f64) -> f64 {
        let f = f.abs();
        match *self {
            ErrorModel::Combined1 { add_mg_l, prop } => add_mg_l + prop * f,
            ErrorModel::Combined2 { add_mg_l, prop } => (add_mg_l * add_mg_l + prop * prop * f * f).sqrt(),
        }
        .max(1e-6)
    }
}

/// Covariance of η (log-normal BSV), given as its packed lower triangle row by row
/// ([ω11, ω21, ω22, ω31, ω32, ω33, …]), with its Cholesky factor L (Ω = L·Lᵀ).
#[derive(Debug, Clone, PartialEq)]
pub struct Omega {
    n: usize,
    chol: Vec<f64>,
    packed: Vec<f64>,
}

impl Omega {
    /// Builds Ω from a packed lower triangle; panics if it is not positive definite (model constants only).
    pub fn from_lower(packed: &[f64]) -> Self {
        let n = ((((8 * packed.len() + 1) as f64).sqrt() - 1.0) / 2.0).round() as usize;
        assert_eq!(n * (n + 1) / 2, packed.len(), "packed lower triangle has a triangular length");
        let at = |i: usize, j: usize| packed[i * (i + 1) / 2 + j];
        let mut l = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let s: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
                if i == j {
                    let d = at(i, i) - s;
                    assert!(d > 0.0, "Omega must be positive definite");
                    l[i * n + i] = d.sqrt();
                } else {
                    l[i * n + j] = (at(i, j) - s) / l[j * n + j];
                }
            }
        }
        Omega { n, chol: l, packed: packed.to_vec() }
    }

    /// Ω from standard deviations and the packed strictly-lower correlations ([ρ21, ρ31, ρ32, …]):
    /// ω_ij = ρ_ij·σ_i·σ_j (the NONMEM `STANDARD CORRELATION` form).
    pub fn from_sd_correlation(sd: &[f64], corr: &[f64]) -> Self {
        let n = sd.len();
        assert_eq!(corr.len(), n * (n - 1) / 2, "one correlation per pair");
        let mut packed = Vec::with_capacity(n * (n + 1) / 2);
        for i in 0..n {
            for j in 0..i {
                packed.push(corr[i * (i - 1) / 2 + j] * sd[i] * sd[j]);
            }
            packed.push(sd[i] * sd[i]);
        }
        Omega::from_lower(&packed)
    }

    /// Diagonal Ω from variances.
    pub fn diagonal(variances: &[f64]) -> Self {
        let n = variances.len();
        let mut packed = vec![0.0; n * (n + 1) / 2];
        for (i, v) in variances.iter().enumerate() {
            packed[i * (i + 1) / 2 + i] = *v;
        }
        Omega::from_lower(&packed)
    }

    pub fn dim(&self) -> usize {
        self.n
    }

    /// Variance of η_i (ω²_ii).
    pub fn variance(&self, i: usize) -> f64 {
        self.packed[i * (i + 1) / 2 + i]
    }

    /// ηᵀΩ⁻¹η = |L⁻¹η|², by forward substitution.
    pub fn mahalanobis2(&self, eta: &[f64]) -> f64 {
        let n = self.n;
        let mut z = vec![0.0; n];
        for i in 0..n {
            let s: f64 = (0..i).map(|k| self.chol[i * n + k] * z[k]).sum();
            z[i] = (eta[i] - s) / self.chol[i * n + i];
        }
        z.iter().map(|v| v * v).sum()
    }

    /// η = L·z for standard-normal z (sampling).
    pub fn correlate(&self, z: &[f64]) -> Vec<f64> {
        let n = self.n;
        (0..n).map(|i| (0..=i).map(|k| self.chol[i * n + k] * z[k]).sum()).collect()
    }
}

/// A published population model: covariate model, BSV and residual error, with its citation.
#[derive(Debug, Clone)]
pub struct PopModel {
    /// Registry id, e.g. `vancomycin-goti-2018`.
    pub id: &'static str,
    pub drug: &'static str,
    pub population: &'static str,
    pub citation: &'static str,
    pub covariates: &'static [Covariate],
    /// Model-specific covariate ranges that narrow the global ones: (covariate, min, max).
    pub ranges: &'static [(Covariate, f64, f64)],
    /// Parameter scaled by each η, in Ω order.
    pub etas: &'static [Param],
    pub omega: Omega,
    pub error: ErrorModel,
    pub(crate) typical_fn: fn(&Covariates) -> PkParams,
}

impl PopModel {
    /// Checks every covariate the model reads is present and inside its range; names the field.
    pub fn validate(&self, c: &Covariates) -> Result<(), DosingError> {
        for &cov in self.covariates {
            let (value, (mut min, mut max)) = match cov {
                Covariate::WeightKg => (Some(c.weight_kg), WEIGHT_KG),
                Covariate::CrclMlMin => (c.crcl_ml_min, CRCL_ML_MIN),
                Covariate::AgeYears => (c.age_years, AGE_YEARS),
                Covariate::ScrMgDl => (c.scr_mg_dl, SCR_MG_DL),
                Covariate::HeightCm => (c.height_cm, HEIGHT_CM),
                Covariate::Dialysis => continue,
                Covariate::Sex if c.sex.is_some() => continue,
                Covariate::Sex => {
                    return Err(DosingError::MissingCovariate { field: cov.field().into(), model: self.id });
                }
            };
            let Some(v) = value else {
                return Err(DosingError::MissingCovariate { field: cov.field().into(), model: self.id });
            };
            non_negative(|| cov.field().into(), v)?;
            for &(_, lo, hi) in self.ranges.iter().filter(|r| r.0 == cov) {
                min = min.max(lo);
                max = max.min(hi);
            }
            if v < min || v > max {
                return Err(DosingError::CovariateOutOfRange { field: cov.field().into(), value: v, min, max });
            }
        }
        Ok(())
    }

    /// Typical (population) parameters for these covariates; call [`Self::validate`] first.
    pub fn typical(&self, c: &Covariates) -> PkParams {
        (self.typical_fn)(c)
    }

    /// Individual parameters: each η-scaled parameter multiplied by e^(η).
    pub fn individual(&self, typical: &PkParams, eta: &[f64]) -> PkParams {
        let mut p = *typical;
        for (param, e) in self.etas.iter().zip(eta) {
            let f = e.exp();
            match (&mut p, param) {
                (PkParams::OneCompartment { cl_l_h, .. }, Param::Cl)
                | (PkParams::TwoCompartment { cl_l_h, .. }, Param::Cl) => *cl_l_h *= f,
                (PkParams::OneCompartment { v_l, .. }, Param::V1)
                | (PkParams::TwoCompartment { v1_l: v_l, .. }, Param::V1) => *v_l *= f,
                (PkParams::TwoCompartment { q_l_h, .. }, Param::Q) => *q_l_h *= f,
                (PkParams::TwoCompartment { v2_l, .. }, Param::V2) => *v2_l *= f,
                (PkParams::OneCompartment { .. }, Param::Q | Param::V2) => {}
            }
        }
        p
    }
}
