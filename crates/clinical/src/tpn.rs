//! Parenteral nutrition (PN/TPN): what a compounded bag delivers (energy, glucose infusion rate, estimated osmolarity,
//! calcium and phosphate concentrations) and the screening checks a pharmacist reviews before it is compounded.
//!
//! Thresholds are for adults. Children and neonates have other limits (GIR, calcium–phosphate), which these checks
//! do not encode.

use domain::formulary::Severity;
use rust_decimal::{Decimal, RoundingStrategy};

/// kcal per g of dextrose monohydrate, the form in PN dextrose injections (Boullata JI, Gilbert K, Sacks G, et al.
/// A.S.P.E.N. clinical guidelines: parenteral nutrition ordering, order review, compounding, labeling, and
/// dispensing. JPEN 2014;38:334–377; A.S.P.E.N. Adult Nutrition Support Core Curriculum).
pub const KCAL_PER_G_DEXTROSE: Decimal = Decimal::from_parts(34, 0, 0, false, 1);
/// kcal per g of amino acids (same sources as [`KCAL_PER_G_DEXTROSE`]).
pub const KCAL_PER_G_AMINO_ACIDS: Decimal = Decimal::from_parts(4, 0, 0, false, 0);
/// kcal per g of fat given as a 20 % lipid injectable emulsion: 2 kcal/mL ÷ 0.2 g/mL, the glycerol and egg
/// phospholipid included (same sources; 20 % soybean-oil emulsion labelling). Pure fat alone is 9 kcal/g.
pub const KCAL_PER_G_LIPID: Decimal = Decimal::from_parts(10, 0, 0, false, 0);

/// Osmolarity estimate, mOsm per g of dextrose monohydrate (198 g/mol: 1000 ÷ 198 ≈ 5). This and the factors below
/// are the per-ingredient contributions taught for estimating PN osmolarity (A.S.P.E.N. Safe Practices for
/// Parenteral Nutrition, Mirtallo J et al. JPEN 2004;28:S39–S70; the A.S.P.E.N. Adult Nutrition Support Core
/// Curriculum).
pub const MOSM_PER_G_DEXTROSE: Decimal = Decimal::from_parts(5, 0, 0, false, 0);
/// Osmolarity estimate, mOsm per g of amino acids.
pub const MOSM_PER_G_AMINO_ACIDS: Decimal = Decimal::from_parts(10, 0, 0, false, 0);
/// Osmolarity estimate, mOsm per g of fat from a 20 % emulsion: about 260 mOsm/L of emulsion (mostly its glycerol,
/// per the 20 % soybean-oil emulsion labelling) ÷ 200 g fat/L = 1.3.
pub const MOSM_PER_G_LIPID: Decimal = Decimal::from_parts(13, 0, 0, false, 1);
/// Osmolarity estimate, mOsm per mEq of sodium or potassium: the cation and its monovalent partner anion (chloride,
/// acetate, or the phosphate of a phosphate salt), so 2.
pub const MOSM_PER_MEQ_SODIUM_POTASSIUM: Decimal = Decimal::from_parts(2, 0, 0, false, 0);
/// Osmolarity estimate, mOsm per mEq of calcium as calcium gluconate (½ mmol Ca²⁺ + 1 mmol gluconate, less
/// incomplete dissociation): 1.4.
pub const MOSM_PER_MEQ_CALCIUM: Decimal = Decimal::from_parts(14, 0, 0, false, 1);
/// Osmolarity estimate, mOsm per mEq of magnesium as magnesium sulfate (½ mmol Mg²⁺ + ½ mmol SO₄²⁻): 1.
pub const MOSM_PER_MEQ_MAGNESIUM: Decimal = Decimal::ONE;

/// The highest estimated osmolarity for a peripheral vein, mOsm/L (Boullata 2014, question 2: "PN with an
/// osmolarity up to 900 mOsm/L can be safely infused peripherally").
pub const PERIPHERAL_MAX_OSMOLARITY_MOSM_L: Decimal = Decimal::from_parts(900, 0, 0, false, 0);
/// The highest final dextrose concentration for a peripheral vein, % w/v: peripheral PN solutions contain 5–10 %
/// dextrose (Mattox TW, Crill CM, "Parenteral Nutrition", in DiPiro JT et al., Pharmacotherapy: A Pathophysiologic
/// Approach; A.S.P.E.N. Adult Nutrition Support Core Curriculum, peripheral PN).
pub const PERIPHERAL_MAX_DEXTROSE_PERCENT: Decimal = Decimal::from_parts(10, 0, 0, false, 0);
/// Glucose infusion rate above which an adult warning is raised, mg/kg/min: above 5 mg/kg/min glucose exceeds the
/// maximal oxidation rate and hyperglycaemia becomes common (Rosmarin DK, Wardlaw GM, Mirtallo J. Hyperglycemia
/// associated with high, continuous infusion rates of total parenteral nutrition dextrose. Nutr Clin Pract
/// 1996;11:151–156: none of the patients at ≤ 4 mg/kg/min and about half of those at > 5 became hyperglycaemic;
/// ESPEN parenteral nutrition guidance: glucose should probably not exceed 5 mg/kg/min).
pub const ADULT_MAX_GIR_MG_KG_MIN: Decimal = Decimal::from_parts(5, 0, 0, false, 0);
/// Calcium (mEq/L) + phosphate (mmol/L) above which the calcium–phosphate warning is raised. A screening
/// heuristic, not a solubility limit: solubility depends on the amino acid product and concentration, pH,
/// temperature, the salts and the order of mixing, and A.S.P.E.N. makes no single-number recommendation but refers
/// to the published solubility curves for the specific products (Boullata 2014, question 7).
pub const CA_PHOS_SUM_SCREEN: Decimal = Decimal::from_parts(45, 0, 0, false, 0);
/// How far, in percent, the 24-hour PN volume may exceed the prescriber's fluid goal before a warning.
pub const FLUID_GOAL_TOLERANCE_PERCENT: Decimal = Decimal::from_parts(10, 0, 0, false, 0);

/// One PN bag as ordered. Amounts are per bag; a bag is one day's infusion (hung for at most 24 h), and a bag
/// infused over more than 24 h is prorated to 24 h for the per-day values.
#[derive(Debug, Clone, PartialEq)]
pub struct TpnFormula {
    /// Final volume of the admixture, lipid included for a 3-in-1 (total nutrient admixture).
    pub volume_ml: Decimal,
    /// Hours over which the bag is infused (24 continuous, 10–14 cycled).
    pub infusion_hours: Decimal,
    /// Dextrose monohydrate, g.
    pub dextrose_g: Decimal,
    pub amino_acids_g: Decimal,
    /// Fat from a 20 % lipid injectable emulsion, g (mL of 20 % × 0.2).
    pub lipid_g: Decimal,
    /// Total sodium, including that of sodium phosphate.
    pub sodium_meq: Decimal,
    /// Total potassium, including that of potassium phosphate.
    pub potassium_meq: Decimal,
    pub calcium_meq: Decimal,
    pub magnesium_meq: Decimal,
    pub phosphate_mmol: Decimal,
}

/// What a bag delivers. Energy is per bag; per-kg values are per day; concentrations are in the final admixture.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct TpnAnalysis {
    /// kcal, whole.
    pub kcal_dextrose: Decimal,
    pub kcal_protein: Decimal,
    pub kcal_lipid: Decimal,
    pub kcal_total: Decimal,
    /// kcal/kg/day, 1 dp; `None` without a positive weight.
    pub kcal_per_kg: Option<Decimal>,
    /// Glucose infusion rate, mg/kg/min over the infusion hours, 2 dp; `None` without a positive weight and hours.
    pub gir_mg_kg_min: Option<Decimal>,
    /// Estimated osmolarity, mOsm/L, whole (see [`analyse`]).
    pub osmolarity_mosm_l: Decimal,
    /// mEq/L, 1 dp.
    pub calcium_meq_l: Decimal,
    /// mmol/L, 1 dp.
    pub phosphate_mmol_l: Decimal,
    /// Calcium mEq/L + phosphate mmol/L, 1 dp.
    pub ca_phos_sum: Decimal,
    /// Calcium mEq/L × phosphate mmol/L, 1 dp.
    pub ca_phos_product: Decimal,
    /// Final dextrose concentration, % w/v (g/100 mL), 2 dp.
    pub dextrose_percent: Decimal,
    /// Final amino acid concentration, % w/v, 2 dp.
    pub amino_acid_percent: Decimal,
    /// mL/kg/day, 1 dp; `None` without a positive weight.
    pub volume_ml_per_kg_day: Option<Decimal>,
}

/// A finding of [`check`], in the shape of a decision-support alert.
#[derive(Debug, Clone, PartialEq)]
pub struct TpnFinding {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub source: &'static str,
}

/// Analyses a bag for a patient of `weight_kg` (the dosing weight; `None` when unknown).
///
/// - Energy: dextrose g × 3.4 + amino acids g × 4 + lipid g × 10 kcal ([`KCAL_PER_G_DEXTROSE`] and following).
/// - GIR, mg/kg/min = dextrose g × 1000 / weight kg / (infusion hours × 60).
/// - Osmolarity, mOsm/L = (dextrose g × 5 + amino acids g × 10 + lipid g × 1.3 + (Na + K) mEq × 2 +
///   Ca mEq × 1.4 + Mg mEq × 1) / volume L ([`MOSM_PER_G_DEXTROSE`] and following). Phosphate adds nothing of its
///   own: it comes as a sodium or potassium salt whose cation, counted at 2 mOsm/mEq, carries its anion. Vitamins,
///   trace elements and other additives are left out. It is an estimate: measured osmolality of compounded PN runs
///   higher.
///
/// Never panics: a zero volume gives zero concentrations, and a zero weight or zero hours gives `None` for the
/// per-kg values.
pub fn analyse(formula: &TpnFormula, weight_kg: Option<Decimal>) -> TpnAnalysis {
    let f = formula;
    let kcal_dextrose = f.dextrose_g * KCAL_PER_G_DEXTROSE;
    let kcal_protein = f.amino_acids_g * KCAL_PER_G_AMINO_ACIDS;
    let kcal_lipid = f.lipid_g * KCAL_PER_G_LIPID;
    let kcal_total = kcal_dextrose + kcal_protein + kcal_lipid;
    let weight = weight_kg.filter(|w| *w > Decimal::ZERO);
    let per_day = bags_per_day(f.infusion_hours);

    let gir = match weight {
        Some(w) if f.infusion_hours > Decimal::ZERO => {
            (f.dextrose_g * Decimal::ONE_THOUSAND).checked_div(w * f.infusion_hours * Decimal::from(60))
        }
        _ => None,
    };
    let mosm = f.dextrose_g * MOSM_PER_G_DEXTROSE
        + f.amino_acids_g * MOSM_PER_G_AMINO_ACIDS
        + f.lipid_g * MOSM_PER_G_LIPID
        + (f.sodium_meq + f.potassium_meq) * MOSM_PER_MEQ_SODIUM_POTASSIUM
        + f.calcium_meq * MOSM_PER_MEQ_CALCIUM
        + f.magnesium_meq * MOSM_PER_MEQ_MAGNESIUM;
    let litres = f.volume_ml / Decimal::ONE_THOUSAND;
    let per_litre = |amount: Decimal| amount.checked_div(litres).unwrap_or(Decimal::ZERO);
    let calcium_meq_l = per_litre(f.calcium_meq);
    let phosphate_mmol_l = per_litre(f.phosphate_mmol);
    let percent = |grams: Decimal| (grams * Decimal::ONE_HUNDRED).checked_div(f.volume_ml).unwrap_or(Decimal::ZERO);

    TpnAnalysis {
        kcal_dextrose: round(kcal_dextrose, 0),
        kcal_protein: round(kcal_protein, 0),
        kcal_lipid: round(kcal_lipid, 0),
        kcal_total: round(kcal_total, 0),
        kcal_per_kg: weight.and_then(|w| (kcal_total * per_day).checked_div(w)).map(|v| round(v, 1)),
        gir_mg_kg_min: gir.map(|v| round(v, 2)),
        osmolarity_mosm_l: round(per_litre(mosm), 0),
        calcium_meq_l: round(calcium_meq_l, 1),
        phosphate_mmol_l: round(phosphate_mmol_l, 1),
        ca_phos_sum: round(calcium_meq_l + phosphate_mmol_l, 1),
        ca_phos_product: round(calcium_meq_l * phosphate_mmol_l, 1),
        dextrose_percent: round(percent(f.dextrose_g), 2),
        amino_acid_percent: round(percent(f.amino_acids_g), 2),
        volume_ml_per_kg_day: weight.and_then(|w| (f.volume_ml * per_day).checked_div(w)).map(|v| round(v, 1)),
    }
}

const SOURCE_OSMOLARITY: &str = "A.S.P.E.N. clinical guidelines: parenteral nutrition ordering, order review, \
    compounding, labeling, and dispensing (Boullata JI et al. JPEN 2014;38:334-377): PN up to 900 mOsm/L can be \
    infused peripherally";
const SOURCE_DEXTROSE: &str = "Peripheral PN solutions contain 5-10% dextrose (Mattox TW, Crill CM. Parenteral \
    Nutrition. In: DiPiro JT et al. Pharmacotherapy: A Pathophysiologic Approach; A.S.P.E.N. Adult Nutrition \
    Support Core Curriculum)";
const SOURCE_GIR: &str = "Rosmarin DK, Wardlaw GM, Mirtallo J. Nutr Clin Pract 1996;11:151-156 (hyperglycemia \
    above 5 mg/kg/min); ESPEN parenteral nutrition guidance: glucose probably not above 5 mg/kg/min in adults";
const SOURCE_CA_PHOS: &str = "Screening heuristic (Ca mEq/L + PO4 mmol/L > 45), not a solubility limit; A.S.P.E.N. \
    2014 (Boullata JI et al. JPEN 2014;38:334-377) refers to the published Ca-P solubility curves for the specific \
    amino acid product";
const SOURCE_VOLUME: &str = "Prescriber's daily fluid goal; OpenInfusion flags a PN volume more than 10% above it";

/// Screens an analysed bag. `peripheral_line` is true when the access is peripheral (a short peripheral or midline
/// catheter, not a central venous catheter); `fluid_goal_ml_day` is the prescriber's daily fluid goal, if any.
///
/// - `tpn_osmolarity`, hard stop: peripheral and estimated osmolarity > 900 mOsm/L.
/// - `tpn_dextrose_concentration`, warning: peripheral and final dextrose > 10 %.
/// - `tpn_gir`, warning: GIR > 5 mg/kg/min (adults). No hard stop: no source gives an adult ceiling.
/// - `tpn_ca_phos`, warning: calcium mEq/L + phosphate mmol/L > 45. No hard stop: no single limit is published.
/// - `tpn_volume`, warning: the 24-hour volume exceeds a positive fluid goal by more than 10 %.
///
/// A value the analysis could not compute (no weight) is skipped, not reported.
pub fn check(
    formula: &TpnFormula,
    analysis: &TpnAnalysis,
    peripheral_line: bool,
    fluid_goal_ml_day: Option<Decimal>,
) -> Vec<TpnFinding> {
    let mut findings = Vec::new();
    if peripheral_line && analysis.osmolarity_mosm_l > PERIPHERAL_MAX_OSMOLARITY_MOSM_L {
        findings.push(TpnFinding {
            code: "tpn_osmolarity",
            severity: Severity::HardStop,
            message: format!(
                "Estimated osmolarity {} mOsm/L is above the {} mOsm/L limit for a peripheral line; use central \
                 access or dilute the formula.",
                analysis.osmolarity_mosm_l, PERIPHERAL_MAX_OSMOLARITY_MOSM_L
            ),
            source: SOURCE_OSMOLARITY,
        });
    }
    if peripheral_line && analysis.dextrose_percent > PERIPHERAL_MAX_DEXTROSE_PERCENT {
        findings.push(TpnFinding {
            code: "tpn_dextrose_concentration",
            severity: Severity::Warning,
            message: format!(
                "Final dextrose {}% is above the {}% usual for peripheral PN.",
                analysis.dextrose_percent.normalize(),
                PERIPHERAL_MAX_DEXTROSE_PERCENT
            ),
            source: SOURCE_DEXTROSE,
        });
    }
    if let Some(gir) = analysis.gir_mg_kg_min.filter(|gir| *gir > ADULT_MAX_GIR_MG_KG_MIN) {
        findings.push(TpnFinding {
            code: "tpn_gir",
            severity: Severity::Warning,
            message: format!(
                "Glucose infusion rate {gir} mg/kg/min over {} h is above {} mg/kg/min (adults); risk of \
                 hyperglycaemia and lipogenesis.",
                formula.infusion_hours.normalize(),
                ADULT_MAX_GIR_MG_KG_MIN
            ),
            source: SOURCE_GIR,
        });
    }
    if analysis.ca_phos_sum > CA_PHOS_SUM_SCREEN {
        findings.push(TpnFinding {
            code: "tpn_ca_phos",
            severity: Severity::Warning,
            message: format!(
                "Calcium {} mEq/L + phosphate {} mmol/L = {} is above the screening value {}; check the amino acid \
                 product's calcium-phosphate solubility curve before compounding.",
                analysis.calcium_meq_l, analysis.phosphate_mmol_l, analysis.ca_phos_sum, CA_PHOS_SUM_SCREEN
            ),
            source: SOURCE_CA_PHOS,
        });
    }
    if let Some(goal) = fluid_goal_ml_day.filter(|goal| *goal > Decimal::ZERO) {
        let daily = formula.volume_ml * bags_per_day(formula.infusion_hours);
        let limit = goal * (Decimal::ONE_HUNDRED + FLUID_GOAL_TOLERANCE_PERCENT) / Decimal::ONE_HUNDRED;
        if daily > limit {
            findings.push(TpnFinding {
                code: "tpn_volume",
                severity: Severity::Warning,
                message: format!(
                    "PN volume {} mL/day exceeds the fluid goal of {} mL/day by more than {}%.",
                    round(daily, 0),
                    goal.normalize(),
                    FLUID_GOAL_TOLERANCE_PERCENT
                ),
                source: SOURCE_VOLUME,
            });
        }
    }
    findings
}

/// One bag a day, or 24/hours of a bag when it runs longer than a day.
fn bags_per_day(infusion_hours: Decimal) -> Decimal {
    let day = Decimal::from(24);
    if infusion_hours > day { day / infusion_hours } else { Decimal::ONE }
}

fn round(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(units: i64, scale: u32) -> Decimal {
        Decimal::new(units, scale)
    }

    fn n(value: i64) -> Decimal {
        Decimal::from(value)
    }

    /// A bag of only macronutrients (no electrolytes), for the energy and boundary tests.
    fn bag(
        volume_ml: Decimal,
        hours: i64,
        dextrose_g: Decimal,
        amino_acids_g: Decimal,
        lipid_g: Decimal,
    ) -> TpnFormula {
        TpnFormula {
            volume_ml,
            infusion_hours: n(hours),
            dextrose_g,
            amino_acids_g,
            lipid_g,
            sodium_meq: Decimal::ZERO,
            potassium_meq: Decimal::ZERO,
            calcium_meq: Decimal::ZERO,
            magnesium_meq: Decimal::ZERO,
            phosphate_mmol: Decimal::ZERO,
        }
    }

    fn codes(findings: &[TpnFinding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn two_litre_three_in_one_for_70_kg_over_24_h_by_hand() {
        // 2 L with 250 g dextrose, 100 g amino acids, 50 g lipid; Na 80, K 60, Ca 10, Mg 16 mEq; PO4 30 mmol.
        let formula = TpnFormula {
            sodium_meq: n(80),
            potassium_meq: n(60),
            calcium_meq: n(10),
            magnesium_meq: n(16),
            phosphate_mmol: n(30),
            ..bag(n(2000), 24, n(250), n(100), n(50))
        };
        let a = analyse(&formula, Some(n(70)));
        // 250 × 3.4 = 850; 100 × 4 = 400; 50 × 10 = 500; total 1750 kcal = 25.0 kcal/kg.
        assert_eq!((a.kcal_dextrose, a.kcal_protein, a.kcal_lipid, a.kcal_total), (n(850), n(400), n(500), n(1750)));
        assert_eq!(a.kcal_per_kg, Some(d(250, 1)));
        // GIR = 250 000 mg / 70 kg / 1440 min = 2.480 → 2.48 mg/kg/min.
        assert_eq!(a.gir_mg_kg_min, Some(d(248, 2)));
        // mOsm = 1250 + 1000 + 65 + (80 + 60) × 2 + 10 × 1.4 + 16 = 2625; ÷ 2 L = 1312.5 → 1313 mOsm/L.
        assert_eq!(a.osmolarity_mosm_l, n(1313));
        // Ca 5.0 mEq/L, PO4 15.0 mmol/L: sum 20.0, product 75.0.
        assert_eq!((a.calcium_meq_l, a.phosphate_mmol_l), (d(50, 1), d(150, 1)));
        assert_eq!((a.ca_phos_sum, a.ca_phos_product), (d(200, 1), d(750, 1)));
        assert_eq!((a.dextrose_percent, a.amino_acid_percent), (d(1250, 2), d(500, 2)));
        // 2000 mL / 70 kg = 28.57 → 28.6 mL/kg/day.
        assert_eq!(a.volume_ml_per_kg_day, Some(d(286, 1)));
        // Central line, no fluid goal: nothing to report.
        assert!(check(&formula, &a, false, None).is_empty());
        // Peripheral: 1313 mOsm/L and 12.5 % dextrose are both too much.
        assert_eq!(codes(&check(&formula, &a, true, None)), ["tpn_osmolarity", "tpn_dextrose_concentration"]);
    }

    #[test]
    fn energy_from_base_solution_volumes_krause_box_18_5_b() {
        // Krause's Food & the Nutrition Care Process, Box 18.5 "Determining Parenteral Nutrition Prescription", B:
        // 357 mL D70 (249.9 g) = 850 kcal, 1200 mL AA10 (120 g) = 480 kcal, 250 mL 20 % lipid (50 g) = 500 kcal;
        // total 1830 kcal.
        let a = analyse(&bag(n(1807), 24, d(2499, 1), n(120), n(50)), None);
        assert_eq!((a.kcal_dextrose, a.kcal_protein, a.kcal_lipid, a.kcal_total), (n(850), n(480), n(500), n(1830)));
        assert_eq!((a.kcal_per_kg, a.gir_mg_kg_min, a.volume_ml_per_kg_day), (None, None, None));
    }

    #[test]
    fn energy_from_final_concentrations_krause_box_18_5_a() {
        // Krause Box 18.5 A: D25 AA4.25 L3.0 at 2400 mL/day = 600 g dextrose (2040 kcal), 102 g amino acids
        // (408 kcal), 72 g lipid. Krause prices the lipid at 9 kcal/g (648 kcal); we use 10 kcal/g of 20 % emulsion,
        // which counts its glycerol and phospholipid (720 kcal).
        let a = analyse(&bag(n(2400), 24, n(600), n(102), n(72)), Some(n(80)));
        assert_eq!((a.kcal_dextrose, a.kcal_protein, a.kcal_lipid), (n(2040), n(408), n(720)));
        assert_eq!((a.dextrose_percent, a.amino_acid_percent), (d(2500, 2), d(425, 2)));
        // 3168 kcal / 80 kg = 39.6 kcal/kg; GIR 600 000 / 80 / 1440 = 5.208 → 5.21 mg/kg/min, above 5.
        assert_eq!(a.kcal_per_kg, Some(d(396, 1)));
        assert_eq!(a.gir_mg_kg_min, Some(d(521, 2)));
        let findings = check(&bag(n(2400), 24, n(600), n(102), n(72)), &a, false, None);
        assert_eq!(codes(&findings), ["tpn_gir"]);
        assert_eq!(findings[0].severity, Severity::Warning);
    }

    #[test]
    fn peripheral_osmolarity_boundary_at_900() {
        // 1 L: 100 g dextrose (500) + 30 g amino acids (300) + Na 30 mEq (60) + K 20 mEq (40) = 900 mOsm/L.
        let at_limit = TpnFormula { sodium_meq: n(30), potassium_meq: n(20), ..bag(n(1000), 24, n(100), n(30), n(0)) };
        let a = analyse(&at_limit, Some(n(70)));
        assert_eq!(a.osmolarity_mosm_l, n(900));
        assert!(check(&at_limit, &a, true, None).is_empty(), "900 is allowed; 10.00 % dextrose is allowed");
        let over = TpnFormula { sodium_meq: n(31), ..at_limit };
        let a = analyse(&over, Some(n(70)));
        assert_eq!(a.osmolarity_mosm_l, n(902));
        let findings = check(&over, &a, true, None);
        assert_eq!(codes(&findings), ["tpn_osmolarity"]);
        assert_eq!(findings[0].severity, Severity::HardStop);
        assert!(findings[0].message.contains("902 mOsm/L"), "{}", findings[0].message);
        assert!(check(&over, &a, false, None).is_empty(), "a central line takes it");
    }

    #[test]
    fn lipid_dilutes_a_peripheral_three_in_one() {
        // Adding 250 mL of 20 % lipid (50 g, 65 mOsm) to the 900 mOsm/L litre above: 965 mOsm / 1.25 L = 772.
        let formula = TpnFormula { sodium_meq: n(30), potassium_meq: n(20), ..bag(n(1250), 24, n(100), n(30), n(50)) };
        let a = analyse(&formula, None);
        assert_eq!((a.osmolarity_mosm_l, a.dextrose_percent), (n(772), d(800, 2)));
        assert!(check(&formula, &a, true, None).is_empty());
    }

    #[test]
    fn peripheral_dextrose_boundary_at_10_percent() {
        let ten = bag(n(1000), 24, n(100), n(0), n(0));
        assert!(check(&ten, &analyse(&ten, None), true, None).is_empty(), "500 mOsm/L, 10 %");
        let over = bag(n(1000), 24, n(101), n(0), n(0));
        let a = analyse(&over, None);
        assert_eq!(a.dextrose_percent, d(1010, 2));
        assert_eq!(codes(&check(&over, &a, true, None)), ["tpn_dextrose_concentration"]);
        assert!(check(&over, &a, false, None).is_empty());
    }

    #[test]
    fn gir_boundary_at_5_mg_kg_min() {
        // 5 mg/kg/min × 70 kg × 1440 min = 504 g: exactly 5.00, no warning; 505 g = 5.01, warning.
        let at = bag(n(2500), 24, n(504), n(0), n(0));
        let a = analyse(&at, Some(n(70)));
        assert_eq!(a.gir_mg_kg_min, Some(d(500, 2)));
        assert!(check(&at, &a, false, None).is_empty());
        let over = bag(n(2500), 24, n(505), n(0), n(0));
        let a = analyse(&over, Some(n(70)));
        assert_eq!(a.gir_mg_kg_min, Some(d(501, 2)));
        assert_eq!(codes(&check(&over, &a, false, None)), ["tpn_gir"]);
        // Cycled: 350 g over 12 h for 70 kg = 350 000 / 70 / 720 = 6.94 mg/kg/min, though only 3.47 over 24 h.
        let cycled = bag(n(2000), 12, n(350), n(0), n(0));
        let a = analyse(&cycled, Some(n(70)));
        assert_eq!(a.gir_mg_kg_min, Some(d(694, 2)));
        assert_eq!(codes(&check(&cycled, &a, false, None)), ["tpn_gir"]);
    }

    #[test]
    fn calcium_phosphate_screen_boundary_at_45() {
        // 1 L with Ca 20 mEq and PO4 25 mmol: 20 + 25 = 45, allowed; PO4 26 mmol: 46, warning.
        let at = TpnFormula { calcium_meq: n(20), phosphate_mmol: n(25), ..bag(n(1000), 24, n(150), n(50), n(0)) };
        let a = analyse(&at, None);
        assert_eq!((a.ca_phos_sum, a.ca_phos_product), (d(450, 1), d(5000, 1)));
        assert!(check(&at, &a, false, None).is_empty());
        let over = TpnFormula { phosphate_mmol: n(26), ..at };
        let findings = check(&over, &analyse(&over, None), false, None);
        assert_eq!(codes(&findings), ["tpn_ca_phos"]);
        assert_eq!(findings[0].severity, Severity::Warning);
        assert!(findings[0].message.contains("solubility curve"));
    }

    #[test]
    fn volume_boundary_at_ten_percent_over_the_fluid_goal() {
        let goal = Some(n(2000));
        let at = bag(n(2200), 24, n(200), n(80), n(0));
        assert!(check(&at, &analyse(&at, None), false, goal).is_empty(), "2200 is exactly 10 % over");
        let over = bag(n(2201), 24, n(200), n(80), n(0));
        let findings = check(&over, &analyse(&over, None), false, goal);
        assert_eq!(codes(&findings), ["tpn_volume"]);
        assert!(findings[0].message.contains("2201 mL/day"), "{}", findings[0].message);
        // A cycled bag is still one bag a day; a bag hung for 48 h counts half its volume per day.
        let cycled = bag(n(2300), 12, n(200), n(80), n(0));
        assert_eq!(codes(&check(&cycled, &analyse(&cycled, None), false, goal)), ["tpn_volume"]);
        let two_days = bag(n(4000), 48, n(200), n(80), n(0));
        let a = analyse(&two_days, Some(n(50)));
        assert!(check(&two_days, &a, false, goal).is_empty());
        assert_eq!(a.volume_ml_per_kg_day, Some(d(400, 1)), "2000 mL/day / 50 kg");
        // No goal, or a nonsensical one, checks nothing.
        assert!(check(&over, &analyse(&over, None), false, None).is_empty());
        assert!(check(&over, &analyse(&over, None), false, Some(Decimal::ZERO)).is_empty());
    }

    #[test]
    fn zero_weight_hours_or_volume_do_not_panic() {
        let zero_hours = bag(n(1000), 0, n(100), n(50), n(20));
        let a = analyse(&zero_hours, Some(n(70)));
        assert_eq!(a.gir_mg_kg_min, None);
        assert_eq!(a.kcal_per_kg, Some(d(106, 1)), "(340 + 200 + 200) kcal / 70 kg = 10.57");
        let a = analyse(&bag(n(1000), 24, n(100), n(50), n(20)), Some(Decimal::ZERO));
        assert_eq!((a.kcal_per_kg, a.gir_mg_kg_min, a.volume_ml_per_kg_day), (None, None, None));
        let empty = TpnFormula { calcium_meq: n(10), ..bag(Decimal::ZERO, 0, n(100), n(50), n(20)) };
        let a = analyse(&empty, Some(Decimal::ZERO));
        assert_eq!((a.osmolarity_mosm_l, a.calcium_meq_l, a.dextrose_percent), (n(0), n(0), n(0)));
        assert_eq!(a.kcal_total, n(740));
        assert!(check(&empty, &a, true, Some(n(2000))).is_empty());
    }
}
