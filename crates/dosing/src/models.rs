//! The catalogue of published population models and the registry that finds one by its id string. Each model's
//! parameters are written here with the publication they come from; nothing is loaded at run time.

use std::sync::OnceLock;

use crate::error::DosingError;
use crate::model::{Covariate, Covariates, ErrorModel, Omega, Param, PopModel, Sex};
use crate::pk::PkParams;

/// Vancomycin, hospitalised adults with and without haemodialysis. Goti V, Chaturvedula A, Fossler MJ, Mok S,
/// Jacob JT. Hospitalized patients with and without hemodialysis have markedly different vancomycin
/// pharmacokinetics: a population pharmacokinetic model-based analysis. Ther Drug Monit 2018;40(2):212–221.
/// CL = 4.5·(CrCl/120)^0.8·0.7^dialysis L/h; V1 = 58.4·(WT/70)·0.5^dialysis L; V2 = 38.4 L (not weight-scaled);
/// Q = 6.5 L/h; ω² 0.147 CL, 0.510 V1, 0.282 V2 (diagonal); g = 3.4 mg/L + 0.227·f (combined1).
pub const GOTI_2018: &str = "vancomycin-goti-2018";
/// Vancomycin, adults. Thomson AH, Staatz CE, Tobin CM, Gall M, Lovering AM. Development and evaluation of
/// vancomycin dosage guidelines designed to achieve new target concentrations. J Antimicrob Chemother
/// 2009;63(5):1050–1057. CL = 2.99·(1 + 0.0154·(CrCl − 66)) L/h; V1 = 0.675·WT L; Q = 2.28 L/h; V2 = 0.732·WT L;
/// Ω (CL, V1, Q, V2) and residual error (1.6 mg/L additive, 15 % proportional) as encoded in the PKPDsim model
/// library (InsightRX, `pk_vanco_thomson`): ω² CL 0.0729, cov(CL,V1) 0.01, V1 0.0225, Q 0.2401, V2 1.69.
pub const THOMSON_2009: &str = "vancomycin-thomson-2009";
/// Vancomycin, adults with haematological malignancies. Buelga DS, del Mar Fernández de Gatta M, Herrera EV,
/// Domínguez-Gil A, García MJ. Population pharmacokinetic analysis of vancomycin in patients with hematological
/// malignancies. Antimicrob Agents Chemother 2005;49(12):4934–4941. One compartment: CL = 1.08·CrCl (both L/h)
/// ; V = 0.98·WT L; ω² 0.0793 CL, 0.138 V (diagonal); additive error 3.52 mg/L.
pub const BUELGA_2005: &str = "vancomycin-buelga-2005";
/// Vancomycin, children (3 months–18 years). Le J, Ngu B, Bradley JS, et al. Vancomycin monitoring in children
/// using Bayesian estimation. Ther Drug Monit 2014;36(4):510–518. One compartment:
/// CL = 0.258·WT^0.75·(0.4/SCr)^0.431·(ln(age in days)/7.7)^0.808 L/h; V = 0.644·WT L;
/// Ω [0.1681; 0.001968, 0.0144]; error 1 mg/L additive, 28 % proportional (as in PKPDsim `pk_vanco_le`).
pub const LE_2014: &str = "vancomycin-le-2014";

/// Tobramycin, patients with and without cystic fibrosis (used here for adults 18–90 years). Hennig S, Standing
/// JF, Staatz CE, Thomson AH. Population pharmacokinetics of tobramycin in patients with and without cystic
/// fibrosis. Clin Pharmacokinet 2013;52(4):289–301. Two compartments, fat-free mass (Janmahasatian S et al.,
/// Clin Pharmacokinet 2005;44:1051–1065: FFM = 9270·WT/(6680 + 216·BMI) male, /(8780 + 244·BMI) female):
/// CL = θ·(FFM/70)^0.952·(1 − 0.010·(age − 18))·(37.2/SCr µmol/L)^0.222, θ = 9.4 L/h male, 8.1 female;
/// V1 = θ·FFM/70, θ = 25.1 L male, 20.1 female; Q = 1.5·(FFM/70)^0.952 L/h; V2 = 10·FFM/70 L.
/// BSV SDs CL 0.259, V1 0.152, Q 0.418 (correlations 0.658 CL–V1, 0.711 CL–Q, 0.475 V1–Q), V2 0.585;
/// proportional error 20.4 % — as encoded in Tucuxi's `ch.tucuxi.tobramycin.hennig2013` validation model.
pub const HENNIG_2013: &str = "tobramycin-hennig-2013";

/// SCr mg/dL → µmol/L (creatinine 113.12 g/mol).
const SCR_UMOL_PER_MG_DL: f64 = 88.42;

fn hennig(c: &Covariates) -> PkParams {
    let (wt, ht) = (c.weight_kg, c.height_cm.unwrap_or(f64::NAN) / 100.0);
    let bmi = wt / (ht * ht);
    let male = c.sex == Some(Sex::Male);
    let ffm = if male { 9270.0 * wt / (6680.0 + 216.0 * bmi) } else { 9270.0 * wt / (8780.0 + 244.0 * bmi) };
    let age = c.age_years.unwrap_or(f64::NAN);
    let f_age = 1.0 + if age > 18.0 { -0.010 } else { -0.021 } * (age - 18.0);
    let scr_umol = c.scr_mg_dl.unwrap_or(f64::NAN) * SCR_UMOL_PER_MG_DL;
    let size_cl = (ffm / 70.0).powf(0.952);
    PkParams::TwoCompartment {
        cl_l_h: if male { 9.4 } else { 8.1 } * size_cl * f_age * (37.2 / scr_umol).powf(0.222),
        v1_l: if male { 25.1 } else { 20.1 } * ffm / 70.0,
        q_l_h: 1.5 * size_cl,
        v2_l: 10.0 * ffm / 70.0,
    }
}

fn goti(c: &Covariates) -> PkParams {
    let dial = if c.dialysis { 1 } else { 0 };
    let crcl = c.crcl_ml_min.unwrap_or(f64::NAN);
    PkParams::TwoCompartment {
        cl_l_h: 4.5 * (crcl / 120.0).powf(0.8) * 0.7_f64.powi(dial),
        v1_l: 58.4 * (c.weight_kg / 70.0) * 0.5_f64.powi(dial),
        q_l_h: 6.5,
        v2_l: 38.4,
    }
}

fn thomson(c: &Covariates) -> PkParams {
    let crcl = c.crcl_ml_min.unwrap_or(f64::NAN);
    PkParams::TwoCompartment {
        cl_l_h: 2.99 * (1.0 + 0.0154 * (crcl - 66.0)),
        v1_l: 0.675 * c.weight_kg,
        q_l_h: 2.28,
        v2_l: 0.732 * c.weight_kg,
    }
}

fn buelga(c: &Covariates) -> PkParams {
    // CrCl mL/min → L/h: × 60/1000.
    let crcl_l_h = c.crcl_ml_min.unwrap_or(f64::NAN) * 0.06;
    PkParams::OneCompartment { cl_l_h: 1.08 * crcl_l_h, v_l: 0.98 * c.weight_kg }
}

fn le(c: &Covariates) -> PkParams {
    let age_days = c.age_years.unwrap_or(f64::NAN) * 365.0;
    let scr = c.scr_mg_dl.unwrap_or(f64::NAN);
    PkParams::OneCompartment {
        cl_l_h: 0.258 * c.weight_kg.powf(0.75) * (0.4 / scr).powf(0.431) * (age_days.ln() / 7.7).powf(0.808),
        v_l: 0.644 * c.weight_kg,
    }
}

fn build() -> Vec<PopModel> {
    use Covariate::*;
    vec![
        PopModel {
            id: GOTI_2018,
            drug: "vancomycin",
            population: "hospitalised adults, with or without haemodialysis",
            citation: "Goti V et al. Ther Drug Monit 2018;40(2):212-221",
            covariates: &[WeightKg, CrclMlMin, Dialysis],
            ranges: &[],
            etas: &[Param::Cl, Param::V1, Param::V2],
            omega: Omega::diagonal(&[0.147, 0.510, 0.282]),
            error: ErrorModel::Combined1 { add_mg_l: 3.4, prop: 0.227 },
            typical_fn: goti,
        },
        PopModel {
            id: THOMSON_2009,
            drug: "vancomycin",
            population: "adults",
            citation: "Thomson AH et al. J Antimicrob Chemother 2009;63(5):1050-1057",
            covariates: &[WeightKg, CrclMlMin],
            // The linear CrCl model reaches CL ≤ 0 near 1 mL/min; refuse below 5 mL/min.
            ranges: &[(CrclMlMin, 5.0, 300.0)],
            etas: &[Param::Cl, Param::V1, Param::Q, Param::V2],
            omega: Omega::from_lower(&[0.0729, 0.01, 0.0225, 0.0, 0.0, 0.2401, 0.0, 0.0, 0.0, 1.69]),
            error: ErrorModel::Combined2 { add_mg_l: 1.6, prop: 0.15 },
            typical_fn: thomson,
        },
        PopModel {
            id: BUELGA_2005,
            drug: "vancomycin",
            population: "adults with haematological malignancies",
            citation: "Buelga DS et al. Antimicrob Agents Chemother 2005;49(12):4934-4941",
            covariates: &[WeightKg, CrclMlMin],
            ranges: &[],
            etas: &[Param::Cl, Param::V1],
            omega: Omega::diagonal(&[0.0793, 0.138]),
            error: ErrorModel::Combined1 { add_mg_l: 3.52, prop: 0.0 },
            typical_fn: buelga,
        },
        PopModel {
            id: LE_2014,
            drug: "vancomycin",
            population: "children 3 months to 18 years",
            citation: "Le J et al. Ther Drug Monit 2014;36(4):510-518",
            covariates: &[WeightKg, ScrMgDl, AgeYears],
            ranges: &[(AgeYears, 0.25, 18.0), (WeightKg, 2.0, 150.0)],
            etas: &[Param::Cl, Param::V1],
            omega: Omega::from_lower(&[0.1681, 0.001968, 0.0144]),
            error: ErrorModel::Combined2 { add_mg_l: 1.0, prop: 0.28 },
            typical_fn: le,
        },
        PopModel {
            id: HENNIG_2013,
            drug: "tobramycin",
            population: "adults with and without cystic fibrosis",
            citation: "Hennig S et al. Clin Pharmacokinet 2013;52(4):289-301",
            covariates: &[WeightKg, HeightCm, Sex, AgeYears, ScrMgDl],
            ranges: &[(AgeYears, 18.0, 90.0), (WeightKg, 30.0, 250.0), (HeightCm, 120.0, 230.0)],
            etas: &[Param::Cl, Param::V1, Param::Q, Param::V2],
            omega: Omega::from_sd_correlation(&[0.259, 0.152, 0.418, 0.585], &[0.658, 0.711, 0.475, 0.0, 0.0, 0.0]),
            error: ErrorModel::Combined1 { add_mg_l: 0.0, prop: 0.204 },
            typical_fn: hennig,
        },
    ]
}

/// Every registered model, in a stable order.
pub fn all() -> &'static [PopModel] {
    static MODELS: OnceLock<Vec<PopModel>> = OnceLock::new();
    MODELS.get_or_init(build)
}

/// The model with this id, or `UnknownModel` (field `model`).
pub fn by_id(id: &str) -> Result<&'static PopModel, DosingError> {
    all().iter().find(|m| m.id == id).ok_or_else(|| DosingError::UnknownModel { id: id.to_string() })
}

#[cfg(test)]
mod tests;
