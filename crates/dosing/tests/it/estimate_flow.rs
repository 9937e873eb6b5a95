//! One request's worth of work, with the shapes the API maps field by field.

use dosing::{Covariates, Dose, DoseSearch, DosingError, Level, auc_windows, curve, estimate, models, suggest};

fn request() -> (Covariates, Vec<Dose>, Vec<Level>) {
    let cov = Covariates { weight_kg: 85.0, crcl_ml_min: Some(75.0), dialysis: false, ..Default::default() };
    let doses = vec![
        Dose::new(0.0, 2000.0, 2.0),
        Dose::new(12.0, 1250.0, 1.5),
        Dose::new(24.0, 1250.0, 1.5),
        Dose::new(36.0, 1250.0, 1.5),
    ];
    let levels = vec![Level::new(38.5, 31.0), Level::new(47.9, 14.0)];
    (cov, doses, levels)
}

#[test]
fn estimate_then_auc_then_suggestions_then_curve() {
    let (cov, doses, levels) = request();
    let model = models::by_id("vancomycin-goti-2018").unwrap();
    let fit = estimate(model, &cov, &doses, &levels).unwrap();
    assert_eq!(fit.eta.len(), model.etas.len());
    assert!(fit.individual.q_l_h().is_some() && fit.individual.v2_l().is_some());
    let auc = auc_windows(&fit.individual, &doses, &[(0.0, 24.0), (24.0, 48.0)]).unwrap();
    assert!(auc.iter().all(|w| w.mg_h_per_l > 0.0));
    let search = DoseSearch { auc24_min: 400.0, auc24_max: 600.0, ..DoseSearch::default() };
    let s = suggest(&fit.individual, &search).unwrap();
    assert!(s.iter().all(|x| (400.0..=600.0).contains(&x.auc24)));
    let c = curve(&fit.individual.disposition(), &doses, 0.0, 48.0, 0.5).unwrap();
    assert_eq!(c.len(), 97);
    // The individual curve passes closer to the levels than the a priori one.
    let prior = estimate(model, &cov, &doses, &[]).unwrap();
    let sse = |p: &dosing::PkParams| -> f64 {
        levels.iter().map(|l| (p.disposition().concentration(&doses, l.time_h) - l.concentration_mg_l).powi(2)).sum()
    };
    assert!(sse(&fit.individual) < sse(&prior.individual));
}

#[test]
fn every_listed_model_answers_an_a_priori_request() {
    let cov = Covariates {
        weight_kg: 70.0,
        crcl_ml_min: Some(80.0),
        age_years: Some(40.0),
        scr_mg_dl: Some(0.9),
        sex: Some(dosing::Sex::Female),
        height_cm: Some(165.0),
        ..Default::default()
    };
    let child = Covariates { weight_kg: 20.0, age_years: Some(6.0), scr_mg_dl: Some(0.4), ..cov };
    let doses = [Dose::new(0.0, 1000.0, 1.0)];
    for m in models::all() {
        let c = if m.population.starts_with("children") { child } else { cov };
        let fit = estimate(m, &c, &doses, &[]).unwrap_or_else(|e| panic!("{}: {e}", m.id));
        let c12 = fit.individual.disposition().concentration(&doses, 12.0);
        assert!(c12.is_finite() && c12 > 0.0, "{}: {c12}", m.id);
        println!(
            "{} ({}; {}): CL {:.2} L/h, V1 {:.1} L, C(12 h) {c12:.2} mg/L",
            m.id,
            m.drug,
            m.citation,
            fit.individual.cl_l_h(),
            fit.individual.v1_l()
        );
    }
}

#[test]
fn errors_name_the_request_field() {
    let (cov, doses, levels) = request();
    assert_eq!(models::by_id("nope").unwrap_err().field(), "model");
    let m = models::by_id("vancomycin-goti-2018").unwrap();
    let bad = Covariates { crcl_ml_min: Some(0.5), ..cov };
    assert_eq!(estimate(m, &bad, &doses, &levels).unwrap_err().field(), "covariates.crcl_ml_min");
    let e = estimate(m, &cov, &doses, &[Level::new(-2.0, 5.0)]).unwrap_err();
    assert!(matches!(e, DosingError::InvalidValue { .. }));
    assert_eq!(e.field(), "levels[0].time_h");
    assert_eq!(curve(&m.typical(&cov).disposition(), &doses, 0.0, 10.0, 0.0).unwrap_err().field(), "curve.step_h");
}
