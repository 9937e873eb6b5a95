//! Each rule against a worked case whose numbers can be followed by hand; the limits in the fixture are the cited
//! ones of the formulary data (label sections and guidelines named in each `source`).

use chrono::{Duration, TimeZone, Utc};
use domain::allergy::{AllergyKind, AllergySeverity, AllergyStatus};
use domain::order::{Dose, OrderInput, QuantityInput};

use super::*;

const FIXTURE: &str = r#"
[[entry]]
code = "vancomycin"
name = "Vancomycin"
therapy_class = "anti_infective"
drug_classes = ["glycopeptides"]
ingredients = ["vancomycin"]
routes = ["iv"]
dose_unit = "mg"
renally_cleared = true
[[entry.limits]]
basis = "per_kg_dose"
population = "adult"
min = "10"
max = "20"
severity = "warning"
source = "Rybak MJ et al. Am J Health-Syst Pharm 2020;77:835–864 (15–20 mg/kg)"
[[entry.limits]]
basis = "dose"
population = "adult"
max = "3000"
severity = "hard_stop"
source = "Rybak MJ et al. Am J Health-Syst Pharm 2020;77:835–864 (loading doses not above 3,000 mg)"
[[entry.renal]]
crcl_below = "50"
min_interval_hours = 24
advice = "Extend the interval to q24h or longer and dose by AUC"
source = "Vancomycin prescribing information, section 2.4 (renal impairment)"
[entry.infusion]
max_rate_per_min = "10"
min_minutes = 60
max_concentration_peripheral = "5"
source = "Vancomycin prescribing information, section 2.2: ≤ 5 mg/mL, ≤ 10 mg/min, over at least 60 minutes"

[[entry]]
code = "piperacillin-tazobactam"
name = "Piperacillin-tazobactam"
therapy_class = "anti_infective"
drug_classes = ["penicillins"]
ingredients = ["piperacillin", "tazobactam"]
routes = ["iv"]
dose_unit = "mg"

[[entry]]
code = "cefazolin"
name = "Cefazolin"
therapy_class = "anti_infective"
drug_classes = ["cephalosporins"]
ingredients = ["cefazolin"]
routes = ["iv"]
dose_unit = "mg"

[[entry]]
code = "vincristine"
name = "Vincristine"
therapy_class = "chemotherapy"
ingredients = ["vincristine"]
routes = ["iv"]
dose_unit = "mg"
[[entry.limits]]
basis = "dose"
population = "adult"
max = "2"
severity = "hard_stop"
source = "Vincristine sulfate injection prescribing information, section 2 (cap 2 mg per dose in common use)"
[entry.infusion]
vesicant = true
source = "Vincristine prescribing information, boxed warning (fatal if given other routes; vesicant)"

[[entry]]
code = "doxorubicin"
name = "Doxorubicin"
therapy_class = "chemotherapy"
drug_classes = ["anthracyclines"]
ingredients = ["doxorubicin"]
routes = ["iv"]
dose_unit = "mg"
[[entry.limits]]
basis = "lifetime_per_m2"
population = "all"
max = "450"
severity = "warning"
source = "Doxorubicin prescribing information, section 5.1 (cardiomyopathy risk rises with cumulative dose)"

[[entry]]
code = "carboplatin"
name = "Carboplatin"
therapy_class = "chemotherapy"
drug_classes = ["platinum_compounds"]
ingredients = ["carboplatin"]
routes = ["iv"]
dose_unit = "mg"
renally_cleared = true
[[entry.limits]]
basis = "auc_target"
population = "adult"
min = "2"
max = "7"
severity = "warning"
source = "Carboplatin prescribing information, section 2 (Calvert; target AUC 4–6 usual)"

[[entry]]
code = "immune-globulin-privigen"
name = "Privigen"
therapy_class = "immune_therapy"
drug_classes = ["immune_globulins"]
ingredients = ["immune globulin"]
routes = ["iv"]
dose_unit = "g"
[entry.titration]
grams_per_ml = "0.1"
max_ml_per_kg_h = "4.8"
source = "Privigen prescribing information, section 2.3: 0.5 mg/kg/min initial, up to 8 mg/kg/min (PI)"
[[entry.titration.steps]]
ml_per_kg_h = "0.3"
minutes = 30
[[entry.titration.steps]]
ml_per_kg_h = "4.8"

[[entry]]
code = "parenteral-nutrition"
name = "Parenteral nutrition admixture"
therapy_class = "parenteral_nutrition"
ingredients = ["dextrose", "amino acids", "lipid emulsion"]
routes = ["iv"]
dose_unit = "mL"
"#;

const INTERACTIONS: &str = r#"
[[interaction]]
left = ["vancomycin"]
right = ["piperacillin"]
severity = "warning"
effect = "More acute kidney injury than with either alone."
management = "Monitor creatinine daily; consider another beta-lactam."
source = "Luther MK et al. Crit Care Med 2018;46:12–20"
"#;

fn formulary() -> Vec<FormularyEntry> {
    crate::reference::parse_formulary_file("fixture", FIXTURE).unwrap()
}

fn entry(code: &str) -> FormularyEntry {
    formulary().into_iter().find(|e| e.code == code).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 15, 0, 0).unwrap()
}

/// 60-year-old man, 72 kg, 175 cm, creatinine 1.0 mg/dL yesterday: Cockcroft–Gault (140−60)·72/72 = 80 mL/min.
fn patient() -> PatientContext {
    PatientContext {
        age_years: 60,
        sex: Sex::Male,
        body: BodySize {
            weight_kg: Some(Decimal::from(72)),
            weight_measured_at: Some(now() - Duration::days(2)),
            weight_is_current: true,
            height_cm: Some(Decimal::from(175)),
            bmi: None,
            ideal_weight_kg: Some(Decimal::new(705, 1)),
            adjusted_weight_kg: None,
            dosing_weight_kg: Some(Decimal::from(72)),
            dosing_weight_basis: Some(DosingWeightBasis::Actual),
        },
        creatinine: Some((Decimal::ONE, now() - Duration::days(1))),
        allergies: vec![],
        now: now(),
    }
}

fn order(drug: &str, value: &str, unit: &str, frequency: &str) -> OrderFields {
    OrderInput {
        prescriber_name: Some("Dr Synthetic".into()),
        prescriber_npi: Some("1234567893".into()),
        drug_code: Some(drug.into()),
        dose: Some(QuantityInput { value: Some(value.into()), unit: Some(unit.into()) }),
        route: Some("iv".into()),
        frequency: Some(frequency.into()),
        duration_days: Some("7".into()),
        start_at: Some("2026-11-24T08:00:00Z".into()),
        ..OrderInput::default()
    }
    .validate(chrono_tz::UTC, now().date_naive())
    .unwrap()
}

fn run(p: &PatientContext, o: &OrderFields, e: &FormularyEntry) -> CheckResult {
    run_with(p, o, e, None, &[])
}

fn run_with(
    p: &PatientContext,
    o: &OrderFields,
    e: &FormularyEntry,
    device: Option<AccessDeviceKind>,
    others: &[OtherOrder<'_>],
) -> CheckResult {
    let interactions = toml::from_str::<domain::formulary::InteractionFile>(INTERACTIONS).unwrap().interaction;
    check_order(&CheckInput {
        patient: p,
        order: o,
        entry: e,
        access_device: device,
        others,
        interactions: &interactions,
    })
}

fn codes(result: &CheckResult) -> Vec<(&'static str, Severity)> {
    result.alerts.iter().map(|a| (a.code, a.severity)).collect()
}

#[test]
fn calculations_show_the_patient_figures_and_the_dose_per_kg() {
    let result = run(&patient(), &order("vancomycin", "1250", "mg", "q12h"), &entry("vancomycin"));
    let c = &result.calculations;
    assert_eq!(c.crcl_ml_min, Some(Decimal::from(80)), "Cockcroft–Gault (140−60)·72/(72·1.0)");
    assert_eq!(c.dose_per_kg, Some(Decimal::new(1736, 2)), "1250 / 72");
    assert_eq!(c.daily_dose, Some(Decimal::from(2500)));
    assert_eq!(c.bsa_mosteller_m2, Some(Decimal::new(187, 2)), "√(175·72/3600) = 1.871");
    assert!(c.crcl_weight.as_deref().unwrap().contains("actual"));
    assert!(result.alerts.is_empty(), "{:?}", result.alerts);
}

#[test]
fn dose_range_warns_above_20_mg_per_kg_and_the_3_g_cap_is_a_hard_stop() {
    let high = run(&patient(), &order("vancomycin", "2000", "mg", "q12h"), &entry("vancomycin"));
    let alert = high.alerts.iter().find(|a| a.code == "dose_range").unwrap();
    assert_eq!(alert.severity, Severity::Warning);
    assert_eq!(alert.value.as_deref(), Some("27.78 mg/kg"), "2000 / 72");
    let capped = run(&patient(), &order("vancomycin", "3.5", "g", "once"), &entry("vancomycin"));
    assert!(codes(&capped).contains(&("max_dose", Severity::HardStop)), "{:?}", capped.alerts);
}

#[test]
fn vincristine_is_capped_at_2_mg_whatever_the_body_surface() {
    let mut o = order("vincristine", "1.4", "mg", "once");
    o.dose_basis = DoseBasis::PerM2;
    let result = run(&patient(), &o, &entry("vincristine"));
    assert_eq!(result.calculations.dose, Some(Decimal::new(262, 2)), "1.4 mg/m² × 1.87 m²");
    assert!(codes(&result).contains(&("max_dose", Severity::HardStop)), "{:?}", result.alerts);
}

#[test]
fn carboplatin_by_calvert_and_the_gfr_cap() {
    // Calvert AH et al. J Clin Oncol 1989: dose = AUC × (GFR + 25); AUC 5 with CrCl 80 → 525 mg.
    let mut o = order("carboplatin", "5", "mg", "once");
    o.dose_basis = DoseBasis::Auc;
    let result = run(&patient(), &o, &entry("carboplatin"));
    assert_eq!(result.calculations.dose, Some(Decimal::from(525)));
    assert!(result.calculations.dose_calculation.as_deref().unwrap().starts_with("Calvert"));
    // A young man with creatinine 0.5: CrCl (140−25)·72/36 = 230 → capped at 125: AUC 5 → 750 mg.
    let mut young = patient();
    young.age_years = 25;
    young.creatinine = Some((Decimal::new(5, 1), now()));
    let capped = run(&young, &o, &entry("carboplatin"));
    assert_eq!(capped.calculations.dose, Some(Decimal::from(750)));
    assert!(capped.alerts.iter().any(|a| a.key == "renal:calvert_cap"));
    // A fixed 900 mg with CrCl 80 implies AUC 900/105 = 8.57, above 7.
    let fixed = run(&patient(), &order("carboplatin", "900", "mg", "once"), &entry("carboplatin"));
    assert!(
        fixed
            .alerts
            .iter()
            .any(|a| a.code == "dose_range" && a.value.as_deref() == Some("8.57 mg·min/mL (implied by Calvert)"))
    );
}

#[test]
fn a_target_auc_without_a_current_creatinine_is_a_hard_stop() {
    let mut o = order("carboplatin", "5", "mg", "once");
    o.dose_basis = DoseBasis::Auc;
    let mut p = patient();
    p.creatinine = Some((Decimal::ONE, now() - Duration::days(10)));
    let result = run(&p, &o, &entry("carboplatin"));
    assert!(result.alerts.iter().any(|a| a.key == "missing_data:gfr" && a.severity == Severity::HardStop));
}

#[test]
fn renal_band_flags_a_short_interval_and_an_old_creatinine_is_missing_data() {
    let mut p = patient();
    p.creatinine = Some((Decimal::new(20, 1), now())); // CrCl 40 mL/min
    let result = run(&p, &order("vancomycin", "1000", "mg", "q12h"), &entry("vancomycin"));
    let renal = result.alerts.iter().find(|a| a.code == "renal").unwrap();
    assert!(renal.message.contains("CrCl 40"), "{}", renal.message);
    assert_eq!(renal.severity, Severity::Warning);
    let ok = run(&p, &order("vancomycin", "1000", "mg", "q24h"), &entry("vancomycin"));
    assert!(!ok.alerts.iter().any(|a| a.code == "renal"));
    p.creatinine = Some((Decimal::ONE, now() - Duration::days(8)));
    let stale = run(&p, &order("vancomycin", "1000", "mg", "q12h"), &entry("vancomycin"));
    assert!(stale.alerts.iter().any(|a| a.key == "missing_data:creatinine"));
    p.creatinine = None;
    let none = run(&p, &order("vancomycin", "1000", "mg", "q12h"), &entry("vancomycin"));
    assert!(none.alerts.iter().any(|a| a.key == "missing_data:creatinine"));
}

#[test]
fn no_weight_for_a_per_kg_dose_is_a_hard_stop_and_an_old_weight_a_warning() {
    let mut o = order("vancomycin", "15", "mg", "q12h");
    o.dose_basis = DoseBasis::PerKg;
    let mut p = patient();
    p.body.weight_is_current = false;
    let stale = run(&p, &o, &entry("vancomycin"));
    assert_eq!(stale.calculations.dose, Some(Decimal::from(1080)), "15 mg/kg × 72 kg");
    assert!(stale.alerts.iter().any(|a| a.key == "missing_data:weight_stale" && a.severity == Severity::Warning));
    p.body.weight_kg = None;
    p.body.dosing_weight_kg = None;
    let none = run(&p, &o, &entry("vancomycin"));
    assert!(none.alerts.iter().any(|a| a.key == "missing_data:weight" && a.severity == Severity::HardStop));
}

#[test]
fn cumulative_anthracycline_counts_doses_already_given() {
    // BSA 1.87 m². Prior order: 60 mg/m² (112.2 mg fixed) q21d started 100 days ago → doses on days 0, 21, 42, 63,
    // 84 = 5 doses = 561 mg. This course: 112.2 mg once. Total 673.2 mg / 1.87 = 360 mg/m² → under 450.
    let e = entry("doxorubicin");
    let mut prior = order("doxorubicin", "112.2", "mg", "q21d");
    prior.duration_days = None;
    prior.start_at = now() - Duration::days(100);
    let others = [OtherOrder { rx_number: "RX-1".into(), status: OrderStatus::Active, fields: &prior, entry: &e }];
    let this = order("doxorubicin", "112.2", "mg", "once");
    let result = run_with(&patient(), &this, &e, None, &others);
    assert_eq!(result.calculations.cumulative_dose, Some(Decimal::new(6732, 1)));
    assert!(!result.alerts.iter().any(|a| a.code == "cumulative_dose"));
    // Three more cycles in this order (q21d for 63 days = 3 doses) → 561 + 336.6 = 897.6 mg = 480 mg/m² > 450.
    let mut more = order("doxorubicin", "112.2", "mg", "q21d");
    more.duration_days = Some(63);
    let over = run_with(&patient(), &more, &e, None, &others);
    let alert = over.alerts.iter().find(|a| a.code == "cumulative_dose").unwrap();
    assert_eq!(alert.value.as_deref(), Some("480 mg/m²"));
}

#[test]
fn allergy_by_ingredient_class_and_cross_sensitivity() {
    let allergy = |substance: Option<&str>, class: Option<DrugClass>, kind| AllergyFields {
        substance: substance.map(str::to_owned),
        drug_class: class,
        reaction: Some("hives".into()),
        severity: AllergySeverity::Moderate,
        kind,
        status: AllergyStatus::Active,
    };
    let mut p = patient();
    p.allergies = vec![allergy(Some("Vancomycin"), None, AllergyKind::Allergy)];
    let same = run(&p, &order("vancomycin", "1000", "mg", "q12h"), &entry("vancomycin"));
    assert!(codes(&same).contains(&("allergy", Severity::HardStop)));
    p.allergies = vec![allergy(Some("penicillin"), None, AllergyKind::Allergy)];
    let class = run(&p, &order("piperacillin-tazobactam", "4500", "mg", "q8h"), &entry("piperacillin-tazobactam"));
    assert!(class.alerts.iter().any(|a| a.key == "allergy:class:penicillins" && a.severity == Severity::HardStop));
    let cross = run(&p, &order("cefazolin", "2000", "mg", "q8h"), &entry("cefazolin"));
    let alert = cross.alerts.iter().find(|a| a.code == "allergy").unwrap();
    assert_eq!((alert.severity, alert.source.contains("2022")), (Severity::Warning, true));
    p.allergies = vec![allergy(None, Some(DrugClass::Penicillins), AllergyKind::Intolerance)];
    let intolerance =
        run(&p, &order("piperacillin-tazobactam", "4500", "mg", "q8h"), &entry("piperacillin-tazobactam"));
    assert!(codes(&intolerance).contains(&("allergy", Severity::Warning)));
}

#[test]
fn duplicate_therapy_and_interactions_with_current_orders_only() {
    let vanco = entry("vancomycin");
    let pip = entry("piperacillin-tazobactam");
    let other = order("piperacillin-tazobactam", "4500", "mg", "q8h");
    let same = order("vancomycin", "1000", "mg", "q12h");
    let others = [
        OtherOrder { rx_number: "RX-A".into(), status: OrderStatus::Active, fields: &other, entry: &pip },
        OtherOrder { rx_number: "RX-B".into(), status: OrderStatus::Verified, fields: &same, entry: &vanco },
    ];
    let result = run_with(&patient(), &order("vancomycin", "1250", "mg", "q12h"), &vanco, None, &others);
    assert!(result.alerts.iter().any(|a| a.code == "interaction" && a.source.contains("Luther")));
    assert!(result.alerts.iter().any(|a| a.key == "duplicate_therapy:RX-B"));
    let past = [OtherOrder { rx_number: "RX-A".into(), status: OrderStatus::Completed, fields: &other, entry: &pip }];
    let done = run_with(&patient(), &order("vancomycin", "1250", "mg", "q12h"), &vanco, None, &past);
    assert!(done.alerts.is_empty(), "a completed order neither duplicates nor interacts: {:?}", done.alerts);
}

#[test]
fn rate_and_concentration_by_line() {
    // 1400 mg over 60 min = 23.3 mg/min > 10 mg/min: at least 140 min. 1400 mg in 100 mL = 14 mg/mL > 5 mg/mL.
    let mut o = order("vancomycin", "1400", "mg", "q12h");
    o.infusion_minutes = Some(60);
    o.final_volume_ml = Some(Decimal::from(100));
    let result = run_with(&patient(), &o, &entry("vancomycin"), Some(AccessDeviceKind::Peripheral), &[]);
    let rate = result.alerts.iter().find(|a| a.key == "rate:max_per_min").unwrap();
    assert!(rate.message.contains("140 min"), "{}", rate.message);
    let conc = result.alerts.iter().find(|a| a.code == "concentration").unwrap();
    assert_eq!((conc.severity, conc.value.as_deref()), (Severity::HardStop, Some("14 mg/mL")));
    o.final_volume_ml = Some(Decimal::from(300));
    o.infusion_minutes = Some(150);
    let fine = run_with(&patient(), &o, &entry("vancomycin"), Some(AccessDeviceKind::Picc), &[]);
    assert!(fine.alerts.is_empty(), "{:?}", fine.alerts);
}

#[test]
fn vesicant_on_a_peripheral_line_warns() {
    let mut o = order("vincristine", "1.4", "mg", "once");
    o.final_volume_ml = Some(Decimal::from(50));
    let result = run_with(&patient(), &o, &entry("vincristine"), Some(AccessDeviceKind::Peripheral), &[]);
    assert!(result.alerts.iter().any(|a| a.key == "concentration:vesicant"));
}

#[test]
fn immune_globulin_titration_above_the_product_maximum() {
    // Privigen 10 %: 8 mg/kg/min = 4.8 mL/kg/h. A step at 6 mL/kg/h is too fast; without steps the ramp is shown.
    let mut o = order("immune-globulin-privigen", "0.4", "g", "once");
    o.dose_basis = DoseBasis::PerKg;
    o.dose = Dose { value: Decimal::new(4, 1), unit: domain::formulary::DoseUnit::Gram };
    o.titration = vec![domain::order::OrderTitrationStep { ml_per_kg_h: Decimal::from(6), minutes: Some(30) }];
    let result = run(&patient(), &o, &entry("immune-globulin-privigen"));
    assert_eq!(result.calculations.dose, Some(Decimal::new(288, 1)), "0.4 g/kg × 72 kg");
    assert!(result.alerts.iter().any(|a| a.key == "rate:titration:step 1"));
    o.titration.clear();
    let ramp = run(&patient(), &o, &entry("immune-globulin-privigen"));
    let info = ramp.alerts.iter().find(|a| a.key == "rate:titration_default").unwrap();
    assert!(info.message.contains("22 mL/h for 30 min"), "0.3 × 72 = 21.6: {}", info.message);
}

#[test]
fn peripheral_parenteral_nutrition_above_900_mosm_is_a_hard_stop() {
    let mut o = order("parenteral-nutrition", "2000", "mL", "cyclic_12h");
    o.tpn = Some(domain::order::TpnFields {
        volume_ml: Decimal::from(2000),
        infusion_hours: Decimal::from(12),
        dextrose_g: Decimal::from(250),
        amino_acids_g: Decimal::from(100),
        lipid_g: Decimal::from(50),
        sodium_meq: Decimal::from(80),
        potassium_meq: Decimal::from(60),
        calcium_meq: Decimal::from(10),
        magnesium_meq: Decimal::from(16),
        phosphate_mmol: Decimal::from(20),
        fluid_goal_ml_day: None,
    });
    let result = run_with(&patient(), &o, &entry("parenteral-nutrition"), Some(AccessDeviceKind::Midline), &[]);
    assert!(codes(&result).contains(&("tpn_osmolarity", Severity::HardStop)), "{:?}", result.alerts);
    let central = run_with(&patient(), &o, &entry("parenteral-nutrition"), Some(AccessDeviceKind::Port), &[]);
    assert!(!central.alerts.iter().any(|a| a.code == "tpn_osmolarity"));
    assert!(central.calculations.tpn.is_some());
}

#[test]
fn hard_stops_sort_first() {
    let mut p = patient();
    p.body.weight_is_current = false;
    let result = run(&p, &order("vancomycin", "3.5", "g", "q12h"), &entry("vancomycin"));
    assert_eq!(result.alerts[0].severity, Severity::HardStop);
    assert!(result.hard_stops().count() >= 1);
}

#[test]
fn a_per_m2_order_is_judged_on_the_ordered_amount_not_a_rounded_back_calculation() {
    // 1.4 mg/m² × 1.87 m² = 2.618 → 2.62 mg; 2.62 / 1.87 = 1.401 would wrongly exceed a 1.4 mg/m² maximum.
    let mut e = entry("vincristine");
    e.limits.push(DoseLimit {
        basis: LimitBasis::PerM2Dose,
        population: domain::formulary::Population::All,
        min: None,
        max: Some(Decimal::new(14, 1)),
        severity: Severity::Warning,
        source: "Vincristine prescribing information, section 2".into(),
        note: None,
    });
    let mut o = order("vincristine", "1.4", "mg", "once");
    o.dose_basis = DoseBasis::PerM2;
    let result = run(&patient(), &o, &e);
    assert!(!result.alerts.iter().any(|a| a.code == "dose_range"), "{:?}", result.alerts);
    let cap = result.alerts.iter().find(|a| a.code == "max_dose").unwrap();
    assert!(cap.message.contains("above the adult maximum of 2 mg"), "{}", cap.message);
}
