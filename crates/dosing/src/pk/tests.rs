//! Closed-form PK checked against hand formulas, superposition and a fine-step RK4 of the ODEs (test-only).

use super::*;
use crate::history::repeated_doses;

fn rel(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
}

/// RK4 of the two-compartment ODEs dA1/dt = R(t) − (k10 + k12)A1 + k21·A2, dA2/dt = k12·A1 − k21·A2,
/// stepping exactly on infusion starts/ends so the input is piecewise constant within a step.
fn rk4_two_cpt(cl: f64, v1: f64, q: f64, v2: f64, doses: &[Dose], t_end: f64, h: f64) -> Vec<(f64, f64)> {
    let (k10, k12, k21) = (cl / v1, q / v1, q / v2);
    let rate = |t: f64| -> f64 {
        doses.iter().filter(|d| t >= d.time_h && t < d.time_h + d.duration_h).map(|d| d.amount_mg / d.duration_h).sum()
    };
    let f = |a1: f64, a2: f64, r: f64| (r - (k10 + k12) * a1 + k21 * a2, k12 * a1 - k21 * a2);
    let (mut a1, mut a2, mut t) = (0.0_f64, 0.0_f64, 0.0_f64);
    let mut out = vec![(0.0, 0.0)];
    while t < t_end - 1e-12 {
        // Midpoint of the step decides the rate: steps are aligned to dose boundaries via h dividing them.
        let r = rate(t + 0.5 * h);
        let (k1a, k1b) = f(a1, a2, r);
        let (k2a, k2b) = f(a1 + 0.5 * h * k1a, a2 + 0.5 * h * k1b, r);
        let (k3a, k3b) = f(a1 + 0.5 * h * k2a, a2 + 0.5 * h * k2b, r);
        let (k4a, k4b) = f(a1 + h * k3a, a2 + h * k3b, r);
        a1 += h / 6.0 * (k1a + 2.0 * k2a + 2.0 * k3a + k4a);
        a2 += h / 6.0 * (k1b + 2.0 * k2b + 2.0 * k3b + k4b);
        t += h;
        out.push((t, a1 / v1));
    }
    out
}

#[test]
fn one_compartment_bolus_is_mono_exponential() {
    let p = PkParams::OneCompartment { cl_l_h: 5.0, v_l: 50.0 };
    let c = p.disposition().concentration(&[Dose::new(0.0, 1000.0, 0.0)], 3.0);
    let expected = 1000.0 / 50.0 * (-0.1_f64 * 3.0).exp();
    assert!(rel(c, expected) < 1e-12, "{c} vs {expected}");
}

#[test]
fn one_compartment_infusion_matches_textbook_formula() {
    // C = R/CL·(1 − e^(−kT))·e^(−k(t−T)) after a 1 h infusion (Gibaldi & Perrier ch. 1).
    let (cl, v) = (4.0, 40.0);
    let k = cl / v;
    let disp = PkParams::OneCompartment { cl_l_h: cl, v_l: v }.disposition();
    let d = [Dose::new(2.0, 1000.0, 1.0)];
    let during = disp.concentration(&d, 2.5);
    assert!(rel(during, 1000.0 / cl * (1.0 - (-k * 0.5_f64).exp())) < 1e-12);
    let after = disp.concentration(&d, 8.0);
    assert!(rel(after, 1000.0 / cl * (1.0 - (-k).exp()) * (-k * 5.0_f64).exp()) < 1e-12);
    assert_eq!(disp.concentration(&d, 1.9), 0.0);
}

#[test]
fn superposition_adds_irregular_doses_and_a_loading_dose() {
    let disp = PkParams::TwoCompartment { cl_l_h: 4.5, v1_l: 58.4, q_l_h: 6.5, v2_l: 38.4 }.disposition();
    let doses = [Dose::new(0.0, 2000.0, 2.0), Dose::new(11.0, 1000.0, 1.0), Dose::new(25.5, 1250.0, 1.5)];
    let t = 30.0;
    let sum: f64 = doses.iter().map(|d| disp.concentration(std::slice::from_ref(d), t)).sum();
    assert!(rel(disp.concentration(&doses, t), sum) < 1e-14);
}

#[test]
fn two_compartment_closed_form_matches_rk4_within_0_1_percent() {
    let (cl, v1, q, v2) = (4.5, 58.4, 6.5, 38.4);
    let doses = [
        Dose::new(0.0, 2000.0, 2.0),
        Dose::new(12.0, 1000.0, 1.0),
        Dose::new(24.0, 1000.0, 1.0),
        Dose::new(30.0, 0.0, 0.0),
        Dose::new(36.0, 1500.0, 1.5),
    ];
    let disp = PkParams::TwoCompartment { cl_l_h: cl, v1_l: v1, q_l_h: q, v2_l: v2 }.disposition();
    let h = 0.001;
    let mut worst = 0.0_f64;
    for (t, c_ode) in rk4_two_cpt(cl, v1, q, v2, &doses, 60.0, h).into_iter().skip(1).step_by(250) {
        let c = disp.concentration(&doses, t);
        worst = worst.max(rel(c, c_ode));
    }
    println!("two-compartment closed form vs RK4 (h = {h} h): worst relative difference {:.2e}", worst);
    assert!(worst < 1e-3, "worst relative difference {worst}");
}

#[test]
fn auc_is_the_exact_integral_and_totals_dose_over_clearance() {
    let p = PkParams::TwoCompartment { cl_l_h: 3.0, v1_l: 30.0, q_l_h: 5.0, v2_l: 40.0 };
    let disp = p.disposition();
    let doses = [Dose::new(0.0, 1000.0, 1.0), Dose::new(8.0, 500.0, 0.0), Dose::new(20.0, 1000.0, 2.0)];
    // Composite Simpson, 20,000 panels per piece, split at every dose start and infusion end so the bolus jump
    // and the infusion kinks sit on piece boundaries (tolerance of the check: 1e-6 relative).
    let simpson_piece = |a: f64, b: f64| {
        let n = 20_000;
        let h = (b - a) / n as f64;
        // Evaluate just inside the piece so a bolus at `a` counts and one at `b` does not.
        let c = |t: f64| disp.concentration(&doses, t.clamp(a + 1e-12, b - 1e-12));
        let mut s = c(a) + c(b);
        for i in 1..n {
            s += if i % 2 == 1 { 4.0 } else { 2.0 } * c(a + i as f64 * h);
        }
        s * h / 3.0
    };
    let simpson = |a: f64, b: f64| {
        let mut cuts: Vec<f64> = doses.iter().flat_map(|d| [d.time_h, d.time_h + d.duration_h]).collect();
        cuts.retain(|&t| t > a && t < b);
        cuts.push(a);
        cuts.push(b);
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        cuts.windows(2).map(|w| simpson_piece(w[0], w[1])).sum::<f64>()
    };
    for (a, b) in [(0.0, 24.0), (0.5, 8.0), (8.0, 21.5), (24.0, 48.0)] {
        let exact = disp.auc(&doses, a, b);
        assert!(rel(exact, simpson(a, b)) < 1e-6, "[{a},{b}] {exact} vs {}", simpson(a, b));
    }
    let total = disp.auc(&doses, 0.0, 10_000.0);
    assert!(rel(total, 2500.0 / 3.0) < 1e-9, "AUC0-inf {total}");
}

#[test]
fn steady_state_closed_form_equals_many_superposed_doses() {
    let disp = PkParams::TwoCompartment { cl_l_h: 4.5, v1_l: 58.4, q_l_h: 6.5, v2_l: 38.4 }.disposition();
    let doses = repeated_doses(0.0, 1000.0, 1.0, 12.0, 200);
    let last = 199.0 * 12.0;
    for s in [0.0, 0.5, 1.0, 4.0, 11.99] {
        let ss = disp.steady_state_concentration(1000.0, 1.0, 12.0, s);
        assert!(rel(ss, disp.concentration(&doses, last + s)) < 1e-9, "s = {s}");
    }
    assert!(rel(disp.auc(&doses, last, last + 12.0), disp.steady_state_auc_interval(1000.0)) < 1e-9);
}

#[test]
fn continuous_infusion_approaches_rate_over_clearance() {
    let disp = PkParams::OneCompartment { cl_l_h: 5.0, v_l: 50.0 }.disposition();
    let c = disp.concentration(&[Dose::new(0.0, 240.0 * 100.0, 240.0)], 200.0);
    assert!(rel(c, 100.0 / 5.0) < 1e-6, "{c}");
}
