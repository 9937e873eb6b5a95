//! Covariate models reproduce their publications' typical values; validation names the offending field.

use super::*;
use crate::model::Sex;

fn adult() -> Covariates {
    Covariates {
        weight_kg: 70.0,
        crcl_ml_min: Some(120.0),
        dialysis: false,
        age_years: Some(50.0),
        scr_mg_dl: None,
        ..Default::default()
    }
}

#[test]
fn goti_typical_values_at_reference_covariates_and_on_dialysis() {
    let m = by_id(GOTI_2018).unwrap();
    assert_eq!(m.typical(&adult()), PkParams::TwoCompartment { cl_l_h: 4.5, v1_l: 58.4, q_l_h: 6.5, v2_l: 38.4 });
    let c = Covariates { weight_kg: 140.0, crcl_ml_min: Some(60.0), dialysis: true, ..adult() };
    let PkParams::TwoCompartment { cl_l_h, v1_l, v2_l, .. } = m.typical(&c) else { panic!("two-compartment") };
    assert!((cl_l_h - 4.5 * 0.5_f64.powf(0.8) * 0.7).abs() < 1e-12);
    assert!((v1_l - 58.4).abs() < 1e-12, "weight ×2 and dialysis ×0.5 cancel");
    assert_eq!(v2_l, 38.4, "V2 is not weight-scaled");
}

#[test]
fn thomson_buelga_and_le_typical_values() {
    let t = by_id(THOMSON_2009).unwrap().typical(&Covariates { crcl_ml_min: Some(66.0), ..adult() });
    assert_eq!(t, PkParams::TwoCompartment { cl_l_h: 2.99, v1_l: 0.675 * 70.0, q_l_h: 2.28, v2_l: 0.732 * 70.0 });
    let b = by_id(BUELGA_2005).unwrap().typical(&Covariates { crcl_ml_min: Some(100.0), ..adult() });
    assert_eq!(b, PkParams::OneCompartment { cl_l_h: 1.08 * 6.0, v_l: 0.98 * 70.0 });
    // Le 2014 reference child: SCr 0.4 mg/dL and ln(age in days) = 7.7 (≈ 6.0 years) → CL = 0.258·WT^0.75.
    let age = 7.7_f64.exp() / 365.0;
    let c = Covariates { weight_kg: 20.0, scr_mg_dl: Some(0.4), age_years: Some(age), ..adult() };
    let l = by_id(LE_2014).unwrap().typical(&c);
    assert!((l.cl_l_h() - 0.258 * 20.0_f64.powf(0.75)).abs() < 1e-12);
    assert!((l.v1_l() - 0.644 * 20.0).abs() < 1e-12);
}

#[test]
fn every_model_is_registered_with_a_citation_and_a_consistent_omega() {
    assert_eq!(all().len(), 5);
    for m in all() {
        assert!(!m.citation.is_empty(), "{}", m.id);
        assert_eq!(m.omega.dim(), m.etas.len(), "{}", m.id);
        assert_eq!(by_id(m.id).unwrap().id, m.id);
    }
}

#[test]
fn validation_names_the_offending_field() {
    let m = by_id(GOTI_2018).unwrap();
    let e = m.validate(&Covariates { weight_kg: 0.1, ..adult() }).unwrap_err();
    assert_eq!(e.field(), "covariates.weight_kg");
    assert!(matches!(e, DosingError::CovariateOutOfRange { .. }));
    let e = m.validate(&Covariates { crcl_ml_min: Some(350.0), ..adult() }).unwrap_err();
    assert_eq!(e.field(), "covariates.crcl_ml_min");
    let e = m.validate(&Covariates { crcl_ml_min: None, ..adult() }).unwrap_err();
    assert!(matches!(e, DosingError::MissingCovariate { .. }));
    let e = m.validate(&Covariates { weight_kg: f64::NAN, ..adult() }).unwrap_err();
    assert_eq!(e.field(), "covariates.weight_kg");
    let e = by_id(LE_2014).unwrap().validate(&Covariates { scr_mg_dl: Some(0.5), age_years: Some(40.0), ..adult() });
    assert_eq!(e.unwrap_err().field(), "covariates.age_years");
    let e = by_id("vancomycin-nobody-1999").unwrap_err();
    assert_eq!(e, DosingError::UnknownModel { id: "vancomycin-nobody-1999".into() });
    assert_eq!(e.field(), "model");
    assert!(m.validate(&adult()).is_ok());
}

#[test]
fn omega_cholesky_round_trips() {
    let o = Omega::from_lower(&[0.0729, 0.01, 0.0225]);
    // η = L·z, and ηᵀΩ⁻¹η = |z|².
    let eta = o.correlate(&[1.0, -2.0]);
    assert!((o.mahalanobis2(&eta) - 5.0).abs() < 1e-12);
    // Diagonal: η²/ω².
    let d = Omega::diagonal(&[0.147, 0.510]);
    assert!((d.mahalanobis2(&[0.3, -0.2]) - (0.09 / 0.147 + 0.04 / 0.510)).abs() < 1e-12);
}

#[test]
fn hennig_tobramycin_reference_adult() {
    // Male, 18 years, SCr 37.2 µmol/L and FFM 70 kg → CL 9.4, V1 25.1, Q 1.5, V2 10 (the model's θ).
    // FFM = 70 kg needs 9270·WT/(6680 + 216·WT/h²) = 70; at h = 1.80 m solve for WT by bisection.
    let ffm = |wt: f64| 9270.0 * wt / (6680.0 + 216.0 * wt / (1.8 * 1.8));
    let (mut lo, mut hi) = (50.0, 150.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if ffm(mid) < 70.0 { lo = mid } else { hi = mid }
    }
    let c = Covariates {
        weight_kg: lo,
        height_cm: Some(180.0),
        sex: Some(Sex::Male),
        age_years: Some(18.0),
        scr_mg_dl: Some(37.2 / 88.42),
        ..Default::default()
    };
    let m = by_id(HENNIG_2013).unwrap();
    m.validate(&c).unwrap();
    let PkParams::TwoCompartment { cl_l_h, v1_l, q_l_h, v2_l } = m.typical(&c) else { panic!("two-compartment") };
    for (got, want) in [(cl_l_h, 9.4), (v1_l, 25.1), (q_l_h, 1.5), (v2_l, 10.0)] {
        assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    }
    let e = m.validate(&Covariates { sex: None, ..c }).unwrap_err();
    assert_eq!(e.field(), "covariates.sex");
    // Ω from SDs and correlations: ω(CL,V1) = 0.658·0.259·0.152.
    let eta = m.omega.correlate(&[1.0, 0.0, 0.0, 0.0]);
    assert!((eta[1] - 0.658 * 0.152).abs() < 1e-12, "L·e1 gives the CL column scaled by sd(CL)");
}
