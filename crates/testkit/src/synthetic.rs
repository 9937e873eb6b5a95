//! Deterministic generator of synthetic, entirely invented infusion patients for demo data and
//! benchmarks. Owns the branch profiles and the name, street, payer, allergy and ICD-10-CM
//! catalogues the patients are assembled from; no real person, phone number or address is used.

use std::f64::consts::{PI, TAU};

use chrono::{Days, Months, NaiveDate, NaiveDateTime, TimeDelta, Timelike};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;

use catalogue::*;

/// Where a branch is, how far its patients live from it and how their MRNs are prefixed.
#[derive(Debug, Clone, PartialEq)]
pub struct BranchProfile {
    pub code: &'static str,
    pub city: &'static str,
    pub region: &'static str,
    pub country: &'static str,
    /// Leading digits of generated postal codes (padded with random digits to 5 characters).
    pub postal_prefix: &'static str,
    pub latitude: f64,
    pub longitude: f64,
    pub radius_km: f64,
    pub mrn_prefix: &'static str,
}

/// Home-infusion pharmacy branch (Columbus, OH); its patients are mostly treated at home.
pub const HOME_INFUSION_BRANCH: BranchProfile = BranchProfile {
    code: "HIP",
    city: "Columbus",
    region: "OH",
    country: "US",
    postal_prefix: "432",
    latitude: 39.9612,
    longitude: -82.9988,
    radius_km: 40.0,
    mrn_prefix: "H",
};

/// Ambulatory infusion centre branch (Denver, CO); its patients mostly come to the centre.
pub const INFUSION_CENTRE_BRANCH: BranchProfile = BranchProfile {
    code: "AIC",
    city: "Denver",
    region: "CO",
    country: "US",
    postal_prefix: "802",
    latitude: 39.7392,
    longitude: -104.9903,
    radius_km: 30.0,
    mrn_prefix: "A",
};

/// One invented patient. Enum-like fields hold strings from these vocabularies:
/// `sex` female|male|other|unknown; `language` (BCP 47) en|es|fr|vi|zh|ko|tl|ar;
/// `status` referral|active|on_hold|discharged; `site_of_care` home|ambulatory_infusion_centre|
/// ambulatory_surgical_centre|hospital_clinic|mobile.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticPatient {
    /// Branch MRN prefix + the 1-based patient index, zero-padded to 7 digits ("H0000123").
    pub mrn: String,
    pub given_name: String,
    pub middle_name: Option<String>,
    pub family_name: String,
    pub birth_date: NaiveDate,
    pub sex: &'static str,
    pub language: &'static str,
    /// "+1 AAA-555-01NN": fictitious 555-0100..0199 numbers under the branch's area codes.
    pub phone: String,
    /// At example.org or example.com.
    pub email: Option<String>,
    pub address: SyntheticAddress,
    pub status: &'static str,
    pub site_of_care: &'static str,
    pub allergies: Vec<SyntheticAllergy>,
    /// Weights (oldest first), then one height.
    pub measurements: Vec<SyntheticMeasurement>,
    /// Serum creatinine first, then any other labs.
    pub labs: Vec<SyntheticLab>,
    pub diagnoses: Vec<SyntheticDiagnosis>,
    /// Priority 1 first.
    pub coverages: Vec<SyntheticCoverage>,
    /// Oldest first; at most one device has no `removed_on`.
    pub access_devices: Vec<SyntheticAccessDevice>,
}

/// Invented street in the branch's city; coordinates within `radius_km` of the branch.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticAddress {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: String,
    pub postal_code: String,
    pub country: String,
    /// Rounded to 6 decimals.
    pub latitude: f64,
    pub longitude: f64,
}

/// `severity` mild|moderate|severe|unknown; `kind` allergy|intolerance;
/// `status` active|inactive|resolved. At least one of `substance` and `drug_class` is set.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticAllergy {
    pub substance: Option<String>,
    pub drug_class: Option<String>,
    pub reaction: String,
    pub severity: &'static str,
    pub kind: &'static str,
    pub status: &'static str,
}

/// `kind` weight (unit "kg") or height (unit "cm"); value has one decimal place.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticMeasurement {
    pub kind: &'static str,
    pub value: Decimal,
    pub unit: &'static str,
    /// UTC, whole seconds, not after `now`.
    pub measured_at: NaiveDateTime,
}

/// A lab result identified by LOINC code, with its UCUM unit.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticLab {
    pub loinc: &'static str,
    pub value: Decimal,
    pub unit: &'static str,
    /// UTC, whole seconds, within the 60 days before `now`.
    pub collected_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticDiagnosis {
    /// Billable ICD-10-CM code with the dot, e.g. "M86.171".
    pub icd10: &'static str,
    /// CMS short description of the code.
    pub description: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticCoverage {
    pub payer_name: String,
    /// 9-12 upper-case letters and digits.
    pub member_id: String,
    pub group_number: Option<String>,
    pub priority: u8,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
}

/// `kind` picc|port|tunneled_cvc|midline|peripheral.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticAccessDevice {
    pub kind: &'static str,
    pub lumens: u8,
    pub site: String,
    pub inserted_on: NaiveDate,
    pub removed_on: Option<NaiveDate>,
}

/// Share of patients (never the first of a call) that reuse an earlier patient's identity.
const DUPLICATE_RATE: f64 = 0.03;
const PAEDIATRIC_RATE: f64 = 0.08;
/// Kilometres per degree of latitude (and of longitude at the equator) on the mean-radius sphere.
const KM_PER_DEGREE: f64 = 6_371.008_8 * PI / 180.0;
const SECONDS_PER_DAY: i64 = 86_400;

/// Generates `count` synthetic patients for `branch`, numbered from `start_index`.
///
/// Deterministic: the same `(seed, branch, count, start_index, now)` always yields identical
/// output. `now` is the UTC clock everything is relative to (ages, measurement and lab times,
/// coverage and device dates); its sub-second part is dropped. Patient `i` of the call gets MRN
/// `mrn_prefix` + `start_index + i + 1` zero-padded to 7 digits, so MRNs are unique as long as
/// batches do not overlap, and the two built-in branches never share one.
///
/// Each patient draws from its own ChaCha8 stream keyed by `(seed, branch, index)`, so batches
/// reproduce one big call, with one deliberate exception: about 3% of patients (never the first
/// of a call) are *possible duplicates* that copy the given name, family name, birth date and
/// sex of a random earlier patient of the same call, under their own MRN and with otherwise
/// independent data, as when a real person gets registered twice.
pub fn generate_patients(
    seed: u64,
    branch: &BranchProfile,
    count: usize,
    start_index: usize,
    now: NaiveDateTime,
) -> Vec<SyntheticPatient> {
    let now = now.with_nanosecond(0).unwrap_or(now);
    let branch_seed = splitmix64(seed ^ fnv1a(branch.code) ^ fnv1a(branch.mrn_prefix).rotate_left(29));
    let mut patients: Vec<SyntheticPatient> = Vec::with_capacity(count);
    for offset in 0..count {
        let index = start_index + offset;
        let mut rng = ChaCha8Rng::seed_from_u64(splitmix64(branch_seed ^ index as u64));
        // Drawn for every patient, so its stream does not depend on its place in the batch.
        let (duplicate_roll, source_draw): (f64, u64) = (rng.random(), rng.random());
        let mut id = new_identity(&mut rng, now.date());
        if offset > 0 && duplicate_roll < DUPLICATE_RATE {
            let source = &patients[(source_draw % offset as u64) as usize];
            id = Identity {
                given: source.given_name.clone(),
                family: source.family_name.clone(),
                sex: source.sex,
                birth_date: source.birth_date,
            };
        }
        patients.push(build_patient(&mut rng, branch, index, id, now));
    }
    patients
}

struct Identity {
    given: String,
    family: String,
    sex: &'static str,
    birth_date: NaiveDate,
}

fn new_identity(rng: &mut ChaCha8Rng, today: NaiveDate) -> Identity {
    let sex = weighted(rng, SEXES);
    let given = given_name(rng, sex).to_string();
    let family = match rng.random_range(0..100) {
        0..3 => format!("{}-{}", pick(rng, FAMILY_NAMES), pick(rng, FAMILY_NAMES)),
        _ => pick(rng, FAMILY_NAMES).to_string(),
    };
    let age = if rng.random_bool(PAEDIATRIC_RATE) {
        rng.random_range(2..=17)
    } else {
        let (lo, hi) = weighted(rng, ADULT_AGE_BANDS);
        rng.random_range(lo..=hi)
    };
    // Any day on which the patient is exactly `age` years old today.
    let latest = today.checked_sub_months(Months::new(12 * age));
    let latest = latest.unwrap_or(today);
    let earliest = today.checked_sub_months(Months::new(12 * (age + 1)));
    let earliest = earliest.map_or(latest, |d| d + Days::new(1));
    let span = u64::try_from((latest - earliest).num_days()).unwrap_or(0);
    Identity { given, family, sex, birth_date: earliest + Days::new(rng.random_range(0..=span)) }
}

fn build_patient(
    rng: &mut ChaCha8Rng,
    branch: &BranchProfile,
    index: usize,
    id: Identity,
    now: NaiveDateTime,
) -> SyntheticPatient {
    let today = now.date();
    let age = today.years_since(id.birth_date).unwrap_or(0);
    let home = branch.code == HOME_INFUSION_BRANCH.code;
    let area_codes: &[&str] = match branch.region {
        "OH" => &["614", "380"],
        "CO" => &["303", "720"],
        _ => &["555"],
    };
    let middle_name = rng.random_bool(0.35).then(|| given_name(rng, id.sex));
    let middle_name = middle_name.filter(|m| *m != id.given);
    let language = weighted(rng, LANGUAGES);
    let area_code = pick(rng, area_codes);
    let phone = format!("+1 {area_code}-555-01{:02}", rng.random_range(0..100));
    let email = rng.random_bool(0.7).then(|| email(rng, &id.given, &id.family));
    let address = address(rng, branch);
    let status = weighted(rng, STATUSES);
    let site_of_care = weighted(rng, if home { HOME_SITES } else { CENTRE_SITES });
    let allergies = allergies(rng);
    let measurements = measurements(rng, age, id.sex, now);
    let dx = pick_diagnoses(rng, age, id.sex);
    let labs = labs(rng, age, id.sex, &dx, now);
    let coverages = coverages(rng, age, today);
    let diagnoses = dx.iter().map(|d| SyntheticDiagnosis { icd10: d.0, description: d.1 });
    SyntheticPatient {
        mrn: format!("{}{:07}", branch.mrn_prefix, index + 1),
        given_name: id.given,
        middle_name: middle_name.map(str::to_string),
        family_name: id.family,
        birth_date: id.birth_date,
        sex: id.sex,
        language,
        phone,
        email,
        address,
        status,
        site_of_care,
        allergies,
        measurements,
        labs,
        diagnoses: diagnoses.collect(),
        coverages,
        access_devices: access_devices(rng, home, status, today),
    }
}

fn given_name(rng: &mut ChaCha8Rng, sex: &str) -> &'static str {
    let female = match sex {
        "female" => true,
        "male" => false,
        _ => rng.random_bool(0.5),
    };
    pick(rng, if female { FEMALE_NAMES } else { MALE_NAMES })
}

fn email(rng: &mut ChaCha8Rng, given: &str, family: &str) -> String {
    let (g, f) = (ascii_fold(given), ascii_fold(family));
    let initial = g.get(..1).unwrap_or("x");
    let domain = pick(rng, &["example.org", "example.org", "example.com"]);
    match rng.random_range(0..4) {
        0 => format!("{g}.{f}@{domain}"),
        1 => format!("{g}{f}@{domain}"),
        2 => format!("{initial}.{f}@{domain}"),
        _ => format!("{g}.{f}{}@{domain}", rng.random_range(1..100)),
    }
}

/// Lower-cases and strips a name down to ASCII letters and digits for an email local part.
fn ascii_fold(name: &str) -> String {
    let fold = |c: char| match c {
        'a'..='z' | '0'..='9' => Some(c),
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => Some('a'),
        'é' | 'è' | 'ê' | 'ë' => Some('e'),
        'í' | 'ì' | 'î' | 'ï' => Some('i'),
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => Some('o'),
        'ú' | 'ù' | 'û' | 'ü' => Some('u'),
        'ñ' => Some('n'),
        'ç' => Some('c'),
        _ => None,
    };
    name.chars().flat_map(char::to_lowercase).filter_map(fold).collect()
}

fn address(rng: &mut ChaCha8Rng, branch: &BranchProfile) -> SyntheticAddress {
    let number = rng.random_range(100..10_000);
    let (head, tail) = (pick(rng, STREET_HEADS), pick(rng, STREET_TAILS));
    let line1 = format!("{number} {head}{tail} {}", pick(rng, STREET_KINDS));
    let line2 = match rng.random_range(0..100) {
        0..12 => Some(format!("Apt {}", rng.random_range(1..400))),
        12..18 => Some(format!("Unit {}", rng.random_range(1..60))),
        18..21 => Some(format!("Suite {}", rng.random_range(100..400))),
        _ => None,
    };
    let mut postal_code = branch.postal_prefix.to_string();
    while postal_code.len() < 5 {
        postal_code.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
    // Uniform in the disc (sqrt for the radius), then km -> degrees, shrinking longitude
    // degrees by cos(latitude) taken at the mid-point of the displacement.
    let r = branch.radius_km * rng.random::<f64>().sqrt();
    let theta = TAU * rng.random::<f64>();
    let dlat = r * theta.cos() / KM_PER_DEGREE;
    let mid_lat = (branch.latitude + dlat / 2.0).to_radians();
    let dlon = r * theta.sin() / (KM_PER_DEGREE * mid_lat.cos());
    SyntheticAddress {
        line1,
        line2,
        city: branch.city.to_string(),
        region: branch.region.to_string(),
        postal_code,
        country: branch.country.to_string(),
        latitude: round6(branch.latitude + dlat),
        longitude: round6(branch.longitude + dlon),
    }
}

fn allergies(rng: &mut ChaCha8Rng) -> Vec<SyntheticAllergy> {
    let count = weighted(rng, ALLERGY_COUNTS);
    let mut chosen: Vec<usize> = Vec::with_capacity(count);
    while chosen.len() < count {
        let i = weighted_index(rng, ALLERGIES, |a| a.4);
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    let allergy = |i: usize| {
        let (substance, class, reactions, kind, _) = ALLERGIES[i];
        let (reaction, severity) = pick(rng, reactions);
        let unknown = rng.random_bool(0.05);
        SyntheticAllergy {
            substance: substance.map(str::to_string),
            drug_class: class.map(str::to_string),
            reaction: reaction.to_string(),
            severity: if unknown { "unknown" } else { severity },
            kind,
            status: weighted(rng, ALLERGY_STATUSES),
        }
    };
    chosen.into_iter().map(allergy).collect()
}

fn measurements(rng: &mut ChaCha8Rng, age: u32, sex: &str, now: NaiveDateTime) -> Vec<SyntheticMeasurement> {
    let a = f64::from(age);
    let (height, bmi, (min_kg, max_kg)) = if age < 18 {
        let teen = TEEN_HEIGHTS_CM[age.saturating_sub(13) as usize];
        let median = match sex {
            _ if age <= 12 => 75.0 + 6.2 * a,
            "female" => teen.0,
            "male" => teen.1,
            _ => (teen.0 + teen.1) / 2.0,
        };
        let bmi = 15.8 + 0.45 * (a - 6.0).max(0.0);
        let height = normal(rng, median, median * 0.04).clamp(80.0, 195.0);
        let bmi = normal(rng, bmi, bmi * 0.12).clamp(12.5, 35.0);
        (height, bmi, (9.0, 120.0))
    } else {
        let (mean, sd) = match sex {
            "female" => (162.0, 7.0),
            "male" => (176.0, 7.5),
            _ => (169.0, 9.0),
        };
        let height = normal(rng, mean, sd).clamp(145.0, 200.0);
        let bmi = normal(rng, 28.0, 6.0).clamp(16.5, 48.0);
        (height, bmi, (45.0, 150.0))
    };
    let base_kg = bmi * (height / 100.0).powi(2);
    // The latest weight is usually from the last 30 days, earlier ones from the last 90.
    let recent = rng.random_bool(0.9);
    let latest: u64 = rng.random_range(if recent { 0..30 } else { 30..89 });
    let earlier = weighted(rng, WEIGHT_COUNTS) - 1;
    let mut days: Vec<u64> = (0..earlier).map(|_| rng.random_range(latest + 1..90)).collect();
    days.push(latest);
    days.sort_unstable_by(|x, y| y.cmp(x));
    days.dedup();
    let mut out = Vec::with_capacity(days.len() + 1);
    for day in days {
        let kg = (base_kg * (1.0 + normal(rng, 0.0, 0.012))).clamp(min_kg, max_kg);
        let secs = day as i64 * SECONDS_PER_DAY + rng.random_range(0..SECONDS_PER_DAY);
        out.push(measurement("weight", kg, now - TimeDelta::seconds(secs)));
    }
    out.push(measurement("height", height, within_days(rng, now, 180)));
    out
}

fn measurement(kind: &'static str, value: f64, at: NaiveDateTime) -> SyntheticMeasurement {
    let unit = if kind == "weight" { "kg" } else { "cm" };
    SyntheticMeasurement { kind, value: dec(value, 1), unit, measured_at: at }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cat {
    Infection,
    Inflammatory,
    Other,
}

/// Who a diagnosis may be given to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Any,
    Adult,
    AdultFemale,
    Pregnancy,
}

/// (code, CMS short description, category, who may have it, relative weight)
type Dx = (&'static str, &'static str, Cat, Who, u32);

fn pick_diagnoses(rng: &mut ChaCha8Rng, age: u32, sex: &str) -> Vec<&'static Dx> {
    let eligible = |who: Who| match who {
        Who::Any => true,
        Who::Adult => age >= 18,
        Who::AdultFemale => age >= 18 && sex == "female",
        Who::Pregnancy => (18..=45).contains(&age) && sex == "female",
    };
    let count = weighted(rng, DX_COUNTS);
    let mut chosen: Vec<&'static Dx> = Vec::with_capacity(count);
    while chosen.len() < count {
        let i = weighted_index(rng, DIAGNOSES, |d| {
            let taken = chosen.iter().any(|c| c.0 == d.0);
            if eligible(d.3) && !taken { d.4 } else { 0 }
        });
        chosen.push(&DIAGNOSES[i]);
    }
    chosen
}

/// (LOINC, unit, decimal places)
type LabKind = (&'static str, &'static str, u32);

fn labs(rng: &mut ChaCha8Rng, age: u32, sex: &str, dx: &[&Dx], now: NaiveDateTime) -> Vec<SyntheticLab> {
    let child = age < 18;
    let infection = dx.iter().any(|d| d.2 == Cat::Infection);
    let inflammatory = dx.iter().any(|d| d.2 == Cat::Inflammatory);
    let mut out = Vec::with_capacity(7);
    for _ in 0..1 + usize::from(rng.random_bool(0.3)) {
        let value = match rng.random_range(0..100) {
            _ if child => rng.random_range(0.4..0.7),
            0..85 if sex == "female" => rng.random_range(0.6..1.1),
            0..85 => rng.random_range(0.7..1.3),
            85..95 => 1.3 + 2.2 * rng.random::<f64>().powi(2),
            _ => rng.random_range(0.4..0.6),
        };
        out.push(lab(rng, now, CREATININE, value));
    }
    if rng.random_bool(if infection { 0.8 } else { 0.55 }) {
        let value = rng.random_range(if infection { 4.0..16.5 } else { 3.8..10.8 });
        out.push(lab(rng, now, WBC, value));
    }
    if rng.random_bool(0.5) {
        let value = normal(rng, 4.2, 0.35).clamp(3.0, 5.8);
        out.push(lab(rng, now, POTASSIUM, value));
    }
    if rng.random_bool(0.45) {
        let value = match rng.random_range(0..10) {
            _ if child => rng.random_range(5.0..18.0),
            0 => rng.random_range(26.0..60.0),
            _ => rng.random_range(7.0..26.0),
        };
        out.push(lab(rng, now, BUN, value));
    }
    if infection && rng.random_bool(0.45) {
        let value = rng.random_range(7.0..22.0);
        out.push(lab(rng, now, VANCOMYCIN_TROUGH, value));
    }
    let (crp_odds, crp) = match (infection, inflammatory) {
        (true, _) => (0.5, 5.0 + 175.0 * rng.random::<f64>().powi(2)),
        (false, true) => (0.3, rng.random_range(2.0..60.0)),
        _ => (0.08, rng.random_range(0.3..10.0)),
    };
    if rng.random_bool(crp_odds) {
        out.push(lab(rng, now, CRP, crp));
    }
    out
}

fn lab(rng: &mut ChaCha8Rng, now: NaiveDateTime, kind: LabKind, value: f64) -> SyntheticLab {
    SyntheticLab { loinc: kind.0, value: dec(value, kind.2), unit: kind.1, collected_at: within_days(rng, now, 60) }
}

fn coverages(rng: &mut ChaCha8Rng, age: u32, today: NaiveDate) -> Vec<SyntheticCoverage> {
    let primary = match rng.random_range(0..100) {
        0..60 if age >= 65 => "Medicare Part B",
        0..35 if age < 18 => "Medicaid",
        _ => pick(rng, PAYERS),
    };
    let mut out = vec![coverage(rng, primary, 1, today)];
    if rng.random_bool(0.3) {
        let mut secondary = pick(rng, PAYERS);
        while secondary == primary {
            secondary = pick(rng, PAYERS);
        }
        out.push(coverage(rng, secondary, 2, today));
    }
    out
}

fn coverage(rng: &mut ChaCha8Rng, payer: &str, priority: u8, today: NaiveDate) -> SyntheticCoverage {
    let government = payer.starts_with("Medicare") || payer == "Medicaid";
    let (len, letters) = (rng.random_range(9..=12), rng.random_range(1..=3));
    let id_char = |i| {
        let (base, span) = if i < letters { (b'A', 26) } else { (b'0', 10) };
        char::from(base + rng.random_range(0..span))
    };
    let member_id = (0..len).map(id_char).collect();
    let group = !government && rng.random_bool(0.7);
    SyntheticCoverage {
        payer_name: payer.to_string(),
        member_id,
        group_number: group.then(|| format!("G{:06}", rng.random_range(0..1_000_000))),
        priority,
        effective_from: today - Days::new(rng.random_range(1..=3650)),
        effective_to: rng.random_bool(0.25).then(|| today + Days::new(rng.random_range(30..=540))),
    }
}

fn access_devices(rng: &mut ChaCha8Rng, home: bool, status: &str, today: NaiveDate) -> Vec<SyntheticAccessDevice> {
    // Device dates end the day before `today` (UTC): a branch west of UTC may still be on that day, and a device
    // cannot go in or come out on a local day that has not begun (access-device validation).
    let last_day = today - Days::new(1);
    let mut devices = Vec::with_capacity(2);
    let had_earlier = rng.random_bool(if home { 0.2 } else { 0.1 });
    let current = rng.random_bool(if home { 0.9 } else { 0.45 }).then(|| {
        let kind = weighted(rng, if home { HOME_DEVICES } else { CENTRE_DEVICES });
        let days_in: u64 = match kind {
            "port" | "tunneled_cvc" => rng.random_range(14..=1000),
            "peripheral" => rng.random_range(1..=3),
            _ => rng.random_range(2..=120),
        };
        let inserted_on = last_day - Days::new(days_in);
        let removed_on = (status == "discharged").then(|| inserted_on + Days::new(rng.random_range(1..=days_in)));
        device(rng, kind, inserted_on, removed_on)
    });
    if had_earlier {
        // Removed on or before the day the current device went in (or the last day), after 3-90 days.
        let anchor = current.as_ref().map_or(last_day, |d| d.inserted_on);
        let removed_on = anchor - Days::new(rng.random_range(0..=60));
        let inserted_on = removed_on - Days::new(rng.random_range(3..=90));
        let kind = weighted(rng, EARLIER_DEVICES);
        devices.push(device(rng, kind, inserted_on, Some(removed_on)));
    }
    devices.extend(current);
    devices
}

fn device(
    rng: &mut ChaCha8Rng,
    kind: &'static str,
    inserted_on: NaiveDate,
    removed_on: Option<NaiveDate>,
) -> SyntheticAccessDevice {
    let (_, lumens, sites) = *DEVICES.iter().find(|d| d.0 == kind).unwrap_or(&DEVICES[0]);
    SyntheticAccessDevice {
        kind,
        lumens: weighted(rng, lumens),
        site: pick(rng, sites).to_string(),
        inserted_on,
        removed_on,
    }
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

fn weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, u32)]) -> T {
    items[weighted_index(rng, items, |item| item.1)].0
}

/// Index into `items` drawn with probability proportional to `weight` (not all zero).
fn weighted_index<T>(rng: &mut ChaCha8Rng, items: &[T], weight: impl Fn(&T) -> u32) -> usize {
    let total: u32 = items.iter().map(&weight).sum();
    let mut roll = rng.random_range(0..total);
    for (i, item) in items.iter().enumerate() {
        let w = weight(item);
        if roll < w {
            return i;
        }
        roll -= w;
    }
    unreachable!("roll is below the total weight")
}

/// Box–Muller normal sample.
fn normal(rng: &mut ChaCha8Rng, mean: f64, sd: f64) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random();
    mean + sd * (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
}

fn within_days(rng: &mut ChaCha8Rng, now: NaiveDateTime, days: i64) -> NaiveDateTime {
    now - TimeDelta::seconds(rng.random_range(0..days * SECONDS_PER_DAY))
}

fn dec(value: f64, scale: u32) -> Decimal {
    Decimal::new((value * 10f64.powi(scale as i32)).round() as i64, scale)
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fnv1a(s: &str) -> u64 {
    let step = |h: u64, b: u8| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
    s.bytes().fold(0xCBF2_9CE4_8422_2325, step)
}

/// Vocabularies, weights and lists. Names, streets and payers are invented or combined at
/// random, so no generated patient corresponds to a real person.
#[rustfmt::skip]
mod catalogue {
    use super::{Cat, Dx, LabKind, Who};

    // (value, relative weight)
    pub(super) const SEXES: &[(&str, u32)] = &[("female", 52), ("male", 46), ("other", 1), ("unknown", 1)];
    pub(super) const ADULT_AGE_BANDS: &[((u32, u32), u32)] = &[((18, 29), 8), ((30, 39), 10), ((40, 49), 14), ((50, 59), 19), ((60, 69), 22), ((70, 79), 18), ((80, 89), 7), ((90, 95), 2)];
    pub(super) const LANGUAGES: &[(&str, u32)] = &[("en", 820), ("es", 90), ("vi", 20), ("zh", 20), ("tl", 15), ("ar", 15), ("ko", 10), ("fr", 10)];
    pub(super) const STATUSES: &[(&str, u32)] = &[("active", 70), ("referral", 12), ("on_hold", 8), ("discharged", 10)];
    pub(super) const HOME_SITES: &[(&str, u32)] = &[("home", 82), ("ambulatory_infusion_centre", 7), ("mobile", 6), ("hospital_clinic", 3), ("ambulatory_surgical_centre", 2)];
    pub(super) const CENTRE_SITES: &[(&str, u32)] = &[("ambulatory_infusion_centre", 80), ("hospital_clinic", 8), ("home", 6), ("ambulatory_surgical_centre", 3), ("mobile", 3)];
    pub(super) const ALLERGY_COUNTS: &[(usize, u32)] = &[(0, 35), (1, 40), (2, 17), (3, 8)];
    pub(super) const ALLERGY_STATUSES: &[(&str, u32)] = &[("active", 88), ("inactive", 6), ("resolved", 6)];
    pub(super) const WEIGHT_COUNTS: &[(usize, u32)] = &[(1, 30), (2, 30), (3, 25), (4, 15)];
    pub(super) const DX_COUNTS: &[(usize, u32)] = &[(1, 55), (2, 33), (3, 12)];
    pub(super) const HOME_DEVICES: &[(&str, u32)] = &[("picc", 75), ("midline", 10), ("port", 10), ("tunneled_cvc", 5)];
    pub(super) const CENTRE_DEVICES: &[(&str, u32)] = &[("port", 40), ("peripheral", 30), ("picc", 20), ("midline", 10)];
    pub(super) const EARLIER_DEVICES: &[(&str, u32)] = &[("picc", 60), ("peripheral", 25), ("midline", 15)];

    /// (kind, lumen weights, insertion sites)
    pub(super) type DeviceKind = (&'static str, &'static [(u8, u32)], &'static [&'static str]);
    pub(super) const DEVICES: &[DeviceKind] = &[
        ("picc", &[(1, 50), (2, 45), (3, 5)], &["right basilic vein", "left basilic vein", "right brachial vein", "left brachial vein", "right cephalic vein", "left cephalic vein"]),
        ("port", &[(1, 85), (2, 15)], &["right subclavian", "left subclavian", "right internal jugular"]),
        ("tunneled_cvc", &[(1, 15), (2, 55), (3, 30)], &["right internal jugular", "left internal jugular", "right subclavian"]),
        ("midline", &[(1, 1)], &["right basilic vein", "left basilic vein", "right cephalic vein"]),
        ("peripheral", &[(1, 1)], &["left forearm", "right forearm", "left antecubital fossa", "right hand"]),
    ];

    /// Median height (cm) at ages 13..=17: (female, male).
    pub(super) const TEEN_HEIGHTS_CM: [(f64, f64); 5] = [(156.0, 156.0), (159.0, 164.0), (161.0, 170.0), (162.0, 173.0), (163.0, 175.0)];

    pub(super) const CREATININE: LabKind = ("2160-0", "mg/dL", 2);
    pub(super) const WBC: LabKind = ("6690-2", "10*3/uL", 1);
    pub(super) const POTASSIUM: LabKind = ("2823-3", "mmol/L", 1);
    pub(super) const BUN: LabKind = ("3094-0", "mg/dL", 0);
    pub(super) const VANCOMYCIN_TROUGH: LabKind = ("4092-3", "ug/mL", 1);
    pub(super) const CRP: LabKind = ("1988-5", "mg/L", 1);

    /// Billable ICD-10-CM (FY2026) codes seen in infusion therapy, with their CMS short
    /// descriptions. MS uses G35.A/G35.D: plain G35 stopped being billable on 2025-10-01.
    pub(super) const DIAGNOSES: &[Dx] = &[
        ("M86.171", "Other acute osteomyelitis, right ankle and foot", Cat::Infection, Who::Any, 3),
        ("M86.172", "Other acute osteomyelitis, left ankle and foot", Cat::Infection, Who::Any, 3),
        ("M86.671", "Other chronic osteomyelitis, right ankle and foot", Cat::Infection, Who::Adult, 2),
        ("M86.9", "Osteomyelitis, unspecified", Cat::Infection, Who::Any, 2),
        ("M46.26", "Osteomyelitis of vertebra, lumbar region", Cat::Infection, Who::Adult, 2),
        ("L03.115", "Cellulitis of right lower limb", Cat::Infection, Who::Any, 3),
        ("L03.116", "Cellulitis of left lower limb", Cat::Infection, Who::Any, 3),
        ("I33.0", "Acute and subacute infective endocarditis", Cat::Infection, Who::Any, 3),
        ("R78.81", "Bacteremia", Cat::Infection, Who::Any, 3),
        ("A41.9", "Sepsis, unspecified organism", Cat::Infection, Who::Any, 3),
        ("A41.01", "Sepsis due to Methicillin susceptible Staphylococcus aureus", Cat::Infection, Who::Any, 2),
        ("N10", "Acute pyelonephritis", Cat::Infection, Who::Any, 2),
        ("N39.0", "Urinary tract infection, site not specified", Cat::Infection, Who::Any, 2),
        ("J18.9", "Pneumonia, unspecified organism", Cat::Infection, Who::Any, 2),
        ("A69.20", "Lyme disease, unspecified", Cat::Infection, Who::Any, 1),
        ("B25.9", "Cytomegaloviral disease, unspecified", Cat::Infection, Who::Any, 1),
        ("T80.212A", "Local infection due to central venous catheter, init encntr", Cat::Infection, Who::Any, 1),
        ("G61.81", "Chronic inflammatory demyelinating polyneuritis", Cat::Inflammatory, Who::Any, 2),
        ("G61.0", "Guillain-Barre syndrome", Cat::Inflammatory, Who::Any, 1),
        ("G35.A", "Relapsing-remitting multiple sclerosis", Cat::Inflammatory, Who::Adult, 2),
        ("G35.D", "Multiple sclerosis, unspecified", Cat::Inflammatory, Who::Adult, 1),
        ("G70.00", "Myasthenia gravis without (acute) exacerbation", Cat::Inflammatory, Who::Any, 1),
        ("K50.90", "Crohn's disease, unspecified, without complications", Cat::Inflammatory, Who::Any, 2),
        ("K51.90", "Ulcerative colitis, unspecified, without complications", Cat::Inflammatory, Who::Any, 2),
        ("D83.9", "Common variable immunodeficiency, unspecified", Cat::Inflammatory, Who::Any, 2),
        ("D80.1", "Nonfamilial hypogammaglobulinemia", Cat::Inflammatory, Who::Any, 1),
        ("M06.9", "Rheumatoid arthritis, unspecified", Cat::Inflammatory, Who::Adult, 2),
        ("L40.50", "Arthropathic psoriasis, unspecified", Cat::Inflammatory, Who::Adult, 1),
        ("M32.9", "Systemic lupus erythematosus, unspecified", Cat::Inflammatory, Who::Any, 1),
        ("D69.3", "Immune thrombocytopenic purpura", Cat::Inflammatory, Who::Any, 1),
        ("I50.22", "Chronic systolic (congestive) heart failure", Cat::Other, Who::Adult, 2),
        ("I50.9", "Heart failure, unspecified", Cat::Other, Who::Adult, 1),
        ("K91.2", "Postsurgical malabsorption, not elsewhere classified", Cat::Other, Who::Any, 1),
        ("K90.829", "Short bowel syndrome, unspecified", Cat::Other, Who::Any, 1),
        ("E86.0", "Dehydration", Cat::Other, Who::Any, 2),
        ("E43", "Unspecified severe protein-calorie malnutrition", Cat::Other, Who::Any, 1),
        ("O21.0", "Mild hyperemesis gravidarum", Cat::Other, Who::Pregnancy, 2),
        ("C50.911", "Malignant neoplasm of unsp site of right female breast", Cat::Other, Who::AdultFemale, 2),
        ("C18.9", "Malignant neoplasm of colon, unspecified", Cat::Other, Who::Adult, 1),
        ("C83.30", "Diffuse large B-cell lymphoma, unspecified site", Cat::Other, Who::Adult, 1),
        ("C90.00", "Multiple myeloma not having achieved remission", Cat::Other, Who::Adult, 1),
        ("E84.0", "Cystic fibrosis with pulmonary manifestations", Cat::Other, Who::Any, 1),
        ("D50.9", "Iron deficiency anemia, unspecified", Cat::Other, Who::Any, 2),
        ("N18.6", "End stage renal disease", Cat::Other, Who::Adult, 1),
        ("M81.0", "Age-related osteoporosis w/o current pathological fracture", Cat::Other, Who::Adult, 1),
    ];

    /// (substance, drug class, [(reaction, severity)], kind, relative weight)
    pub(super) type AllergyTemplate = (
        Option<&'static str>,
        Option<&'static str>,
        &'static [(&'static str, &'static str)],
        &'static str,
        u32,
    );

    pub(super) const ALLERGIES: &[AllergyTemplate] = &[
        (Some("penicillin"), Some("penicillins"), &[("hives", "moderate"), ("rash", "mild"), ("anaphylaxis", "severe")], "allergy", 10),
        (Some("amoxicillin"), Some("penicillins"), &[("rash", "mild"), ("hives", "moderate")], "allergy", 3),
        (Some("sulfamethoxazole"), Some("sulfonamides"), &[("rash", "mild"), ("hives", "moderate"), ("Stevens-Johnson syndrome", "severe")], "allergy", 6),
        (Some("vancomycin"), Some("glycopeptides"), &[("infusion reaction (red man syndrome)", "moderate"), ("flushing and pruritus", "mild")], "intolerance", 4),
        (Some("latex"), None, &[("contact dermatitis", "mild"), ("hives", "moderate"), ("anaphylaxis", "severe")], "allergy", 3),
        (Some("iodinated contrast"), None, &[("hives", "moderate"), ("bronchospasm", "severe")], "allergy", 3),
        (Some("cephalexin"), Some("cephalosporins"), &[("rash", "mild"), ("hives", "moderate")], "allergy", 3),
        (Some("morphine"), Some("opioids"), &[("nausea", "mild"), ("nausea and vomiting", "moderate")], "intolerance", 4),
        (Some("codeine"), Some("opioids"), &[("nausea", "mild"), ("pruritus", "mild")], "intolerance", 3),
        (Some("ciprofloxacin"), Some("fluoroquinolones"), &[("tendon pain", "moderate"), ("rash", "mild")], "intolerance", 2),
        (None, Some("macrolides"), &[("gastrointestinal upset", "mild")], "intolerance", 2),
        (None, Some("tetracyclines"), &[("photosensitivity rash", "mild")], "allergy", 1),
        (Some("ibuprofen"), Some("nsaids"), &[("angioedema", "severe"), ("hives", "moderate")], "allergy", 2),
        (Some("heparin"), None, &[("heparin-induced thrombocytopenia", "severe")], "allergy", 1),
        (Some("adhesive tape"), None, &[("skin irritation", "mild"), ("blistering", "moderate")], "intolerance", 2),
        (Some("chlorhexidine"), None, &[("contact dermatitis", "mild")], "allergy", 1),
        (Some("daptomycin"), None, &[("myalgia with CK elevation", "moderate")], "intolerance", 1),
        (Some("peanut"), None, &[("anaphylaxis", "severe"), ("hives", "moderate")], "allergy", 2),
    ];

    /// Invented payer names plus generic public programme names.
    pub(super) const PAYERS: &[&str] = &[
        "Acme Health Plan", "Northwind Mutual", "Bluebird Health Alliance", "Contoso Care Plus",
        "Fabrikam Health Partners", "Summit Ridge Assurance", "Harborlight Health Plan",
        "Tailspin Benefit Trust", "Prairie Shield Health", "Lakeshore Community Health Plan",
        "Evergreen Cooperative Health", "Keystone Meridian Insurance", "Medicare Part B", "Medicaid",
    ];

    pub(super) const STREET_HEADS: &[&str] = &[
        "Amber", "Birch", "Cinder", "Dapple", "Elder", "Fern", "Glimmer", "Heron", "Indigo", "Juniper",
        "Kestrel", "Lark", "Moss", "Nettle", "Orchard", "Pebble", "Quill", "Rush", "Sorrel", "Thistle",
        "Umber", "Vesper", "Wren", "Yarrow", "Zephyr", "Copper", "Silver", "Bramble", "Marigold", "Tansy",
    ];

    pub(super) const STREET_TAILS: &[&str] = &[
        "brook", "crest", "field", "gate", "haven", "hollow", "knoll", "mere", "ridge", "shire",
        "stone", "wick", "wood", "dale", "fold", "holt", "lea", "thorn",
    ];

    pub(super) const STREET_KINDS: &[&str] = &[
        "Street", "Avenue", "Road", "Lane", "Drive", "Court", "Way", "Boulevard", "Place", "Circle",
        "Terrace", "Trail",
    ];

    pub(super) const FEMALE_NAMES: &[&str] = &[
        "Olivia", "Emma", "Ava", "Sophia", "Isabella", "Mia", "Charlotte", "Amelia", "Harper", "Evelyn",
        "Abigail", "Emily", "Ella", "Grace", "Chloe", "Hannah", "Lily", "Zoe", "Nora", "Ruth",
        "Margaret", "Dorothy", "Linda", "Patricia", "Barbara", "Susan", "Karen", "Nancy", "Sandra", "Donna",
        "Maria", "Guadalupe", "Lucía", "Valentina", "Camila", "Ximena", "Rosa", "Carmen", "Linh", "Mai",
        "Thu", "Mei", "Xiu", "Yan", "Min-ji", "Seo-yeon", "Ji-woo", "Maricel", "Rowena", "Fatima",
        "Aisha", "Layla", "Noor", "Amina", "Priya", "Ananya", "Chiamaka", "Ngozi", "Oksana", "Ingrid",
        "Siobhan", "Renée", "Élodie", "Keiko", "Yuki", "Tamika", "Shanice", "Leilani",
    ];

    pub(super) const MALE_NAMES: &[&str] = &[
        "Liam", "Noah", "Oliver", "James", "William", "Benjamin", "Lucas", "Henry", "Alexander", "Daniel",
        "Michael", "Robert", "John", "David", "Richard", "Joseph", "Thomas", "Charles", "Christopher", "Mark",
        "Gary", "Kenneth", "Steven", "Edward", "Raymond", "José", "Luis", "Carlos", "Juan", "Miguel",
        "Diego", "Mateo", "Santiago", "Minh", "Tuan", "Huy", "Wei", "Jun", "Hao", "Min-jun",
        "Ji-ho", "Seung-woo", "Rodrigo", "Jericho", "Omar", "Ahmed", "Youssef", "Karim", "Arjun", "Rahul",
        "Chinedu", "Kwame", "Tariq", "Dmitri", "Lars", "Seán", "Étienne", "Mathieu", "Kenji", "Hiroshi",
        "Jamal", "Darnell", "Malik", "Kai",
    ];

    pub(super) const FAMILY_NAMES: &[&str] = &[
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
        "Thomas", "Moore", "Jackson", "Martin", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson",
        "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams", "Baker",
        "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards",
        "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed",
        "Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson", "Brooks",
        "Bennett", "Gray", "Hughes", "Price", "Sanders", "Myers", "Long", "Foster", "Garcia", "Rodriguez",
        "Martinez", "Hernandez", "Lopez", "Gonzalez", "Perez", "Sanchez", "Ramirez", "Torres", "Flores", "Rivera",
        "Gomez", "Diaz", "Reyes", "Cruz", "Morales", "Ortiz", "Gutierrez", "Chavez", "Ramos", "Muñoz",
        "Castillo", "Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Chen",
        "Wang", "Li", "Zhang", "Liu", "Huang", "Zhao", "Wu", "Lin", "Kim", "Lee",
        "Park", "Choi", "Jung", "Kang", "Santos", "Dela Cruz", "Bautista", "Villanueva", "Mendoza", "Aquino",
        "Haddad", "Khalil", "Hassan", "Mansour", "Nasser", "Saleh", "Patel", "Shah", "Singh", "Kumar",
        "Okafor", "Adeyemi", "Mensah", "Okonkwo", "Kowalski", "Nowak", "Ivanov", "Petrov", "Novak", "O'Brien",
        "O'Connor", "McCarthy", "Schmidt", "Müller", "Fischer", "Weber", "Dubois", "Lefebvre", "Moreau", "Rossi",
        "Russo", "Bianchi", "Larsen", "Jensen", "Nielsen", "Andersson", "Yamamoto", "Tanaka", "Sato", "Cohen",
        "Levy", "Friedman", "Abebe", "Tesfaye", "Begay", "Yazzie",
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::OnceLock;
    use std::time::Instant;

    fn now() -> NaiveDateTime {
        let day = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
        day.and_hms_nano_opt(14, 30, 5, 123_456_789).unwrap()
    }

    fn hip() -> &'static [SyntheticPatient] {
        static HIP: OnceLock<Vec<SyntheticPatient>> = OnceLock::new();
        HIP.get_or_init(|| generate_patients(42, &HOME_INFUSION_BRANCH, 5_000, 0, now()))
    }

    fn aic() -> &'static [SyntheticPatient] {
        static AIC: OnceLock<Vec<SyntheticPatient>> = OnceLock::new();
        AIC.get_or_init(|| generate_patients(42, &INFUSION_CENTRE_BRANCH, 5_000, 0, now()))
    }

    fn all() -> impl Iterator<Item = &'static SyntheticPatient> {
        hip().iter().chain(aic())
    }

    fn haversine_km(branch: &BranchProfile, a: &SyntheticAddress) -> f64 {
        let (p1, p2) = (branch.latitude.to_radians(), a.latitude.to_radians());
        let dl = (a.longitude - branch.longitude).to_radians();
        let h = ((p2 - p1) / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * 6_371.008_8 * h.sqrt().asin()
    }

    /// `^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$`
    fn icd10_shape_ok(code: &str) -> bool {
        let alnum = |c: &u8| c.is_ascii_digit() || c.is_ascii_uppercase();
        match code.as_bytes() {
            [a, b, c, rest @ ..] if a.is_ascii_uppercase() && *a != b'U' => {
                let tail_ok = match rest {
                    [] => true,
                    [b'.', ext @ ..] => (1..=4).contains(&ext.len()) && ext.iter().all(alnum),
                    _ => false,
                };
                b.is_ascii_digit() && alnum(c) && tail_ok
            }
            _ => false,
        }
    }

    fn share(patients: &[SyntheticPatient], f: impl Fn(&SyntheticPatient) -> bool) -> f64 {
        patients.iter().filter(|p| f(p)).count() as f64 / patients.len() as f64
    }

    #[test]
    fn deterministic_and_batchable() {
        let a = generate_patients(42, &HOME_INFUSION_BRANCH, 600, 0, now());
        assert_eq!(a, generate_patients(42, &HOME_INFUSION_BRANCH, 600, 0, now()));
        assert_eq!(a[..], hip()[..600]);
        let other = generate_patients(43, &HOME_INFUSION_BRANCH, 600, 0, now());
        assert_ne!(a, other);
        let same_name = a.iter().zip(&other).filter(|(x, y)| x.given_name == y.given_name);
        assert!(same_name.count() < 100, "another seed should give other people");
        // A second batch matches the big call except for its possible duplicates.
        let batch = generate_patients(42, &HOME_INFUSION_BRANCH, 300, 300, now());
        assert_eq!(batch[0].mrn, "H0000301");
        let equal = batch.iter().zip(&a[300..]).filter(|(x, y)| x == y).count();
        assert!(equal >= 280, "{equal}/300 equal");
    }

    #[test]
    fn mrns_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for p in all() {
            assert_eq!(p.mrn.len(), 8, "{}", p.mrn);
            assert!(p.mrn[1..].bytes().all(|c| c.is_ascii_digit()));
            assert!(seen.insert(p.mrn.as_str()), "duplicate MRN {}", p.mrn);
        }
        assert_eq!((hip()[122].mrn.as_str(), aic()[0].mrn.as_str()), ("H0000123", "A0000001"));
    }

    #[test]
    fn diagnoses_are_valid_icd10_cm() {
        let codes: HashSet<_> = DIAGNOSES.iter().map(|d| d.0).collect();
        assert_eq!(codes.len(), DIAGNOSES.len(), "duplicate code in the catalogue");
        assert!(codes.len() >= 30);
        for d in DIAGNOSES {
            assert!(icd10_shape_ok(d.0), "{}", d.0);
            assert!(!d.1.is_empty() && d.1.len() <= 60, "short description: {}", d.1);
        }
        assert!(!icd10_shape_ok("G35.") && !icd10_shape_ok("U07.1") && !icd10_shape_ok("m86"));
        for p in all() {
            assert!((1..=3).contains(&p.diagnoses.len()));
            let distinct: HashSet<_> = p.diagnoses.iter().map(|d| d.icd10).collect();
            assert_eq!(distinct.len(), p.diagnoses.len());
            for d in &p.diagnoses {
                assert!(icd10_shape_ok(d.icd10), "{}", d.icd10);
                if matches!(d.icd10, "O21.0" | "C50.911") {
                    assert_eq!(p.sex, "female");
                }
            }
        }
    }

    #[test]
    fn measurements_and_labs_present_and_plausible() {
        let whole_now = now().with_nanosecond(0).unwrap();
        for p in all() {
            let adult = whole_now.date().years_since(p.birth_date).unwrap() >= 18;
            let count = |kind| p.measurements.iter().filter(|m| m.kind == kind).count();
            assert!((1..=4).contains(&count("weight")) && count("height") == 1);
            for m in &p.measurements {
                assert!(m.value.scale() == 1 && m.measured_at.nanosecond() == 0);
                assert!(m.measured_at <= whole_now);
                let v: f64 = m.value.try_into().unwrap();
                let (range, unit) = match (m.kind, adult) {
                    ("weight", true) => (45.0..=150.0, "kg"),
                    ("height", true) => (145.0..=200.0, "cm"),
                    ("weight", false) => (9.0..=120.0, "kg"),
                    _ => (80.0..=195.0, "cm"),
                };
                assert!(range.contains(&v) && m.unit == unit, "{v} {}", m.unit);
                if m.kind == "weight" {
                    assert!(whole_now - m.measured_at < TimeDelta::days(90));
                }
            }
            assert!(p.labs.iter().any(|l| l.loinc == "2160-0"), "no creatinine");
            for l in &p.labs {
                assert!(l.collected_at <= whole_now && l.collected_at.nanosecond() == 0);
                assert!(whole_now - l.collected_at < TimeDelta::days(60));
                if l.loinc == "2160-0" {
                    let v: f64 = l.value.try_into().unwrap();
                    assert!((0.4..=3.5).contains(&v) && l.unit == "mg/dL", "creatinine {v}");
                }
            }
        }
        let normal_creatinine = share(hip(), |p| {
            let v: f64 = p.labs[0].value.try_into().unwrap();
            (0.6..=1.3).contains(&v)
        });
        assert!(normal_creatinine > 0.7, "{normal_creatinine}");
    }

    #[test]
    fn coordinates_fill_the_branch_disc() {
        for (branch, patients) in [(&HOME_INFUSION_BRANCH, hip()), (&INFUSION_CENTRE_BRANCH, aic())] {
            let distances: Vec<f64> = patients.iter().map(|p| haversine_km(branch, &p.address)).collect();
            for (p, d) in patients.iter().zip(&distances) {
                assert!(*d <= branch.radius_km + 0.01, "{d} km from {}", branch.code);
                let a = &p.address;
                assert_eq!((a.latitude * 1e6).round() / 1e6, a.latitude);
                assert!(a.postal_code.starts_with(branch.postal_prefix) && a.postal_code.len() == 5);
                assert_eq!((a.city.as_str(), a.region.as_str()), (branch.city, branch.region));
            }
            // Uniform in the disc: a quarter of the points lie within half the radius.
            let inner = distances.iter().filter(|d| **d < branch.radius_km / 2.0).count();
            assert!((1_000..1_500).contains(&inner), "{inner} in the inner half");
            assert!(distances.iter().any(|d| *d > branch.radius_km * 0.98));
        }
    }

    #[test]
    fn birth_dates_and_demographics_in_range() {
        let today = now().date();
        for p in all() {
            let age = today.years_since(p.birth_date).unwrap();
            assert!((2..=95).contains(&age), "age {age}");
            assert!(["female", "male", "other", "unknown"].contains(&p.sex));
            assert!(["en", "es", "fr", "vi", "zh", "ko", "tl", "ar"].contains(&p.language));
            assert!(["referral", "active", "on_hold", "discharged"].contains(&p.status));
            let area = if p.mrn.starts_with('H') { ["614", "380"] } else { ["303", "720"] };
            let fictitious = area.iter().any(|a| p.phone.starts_with(&format!("+1 {a}-555-01")));
            assert!(fictitious && p.phone.len() == 15, "{}", p.phone);
            if let Some(email) = &p.email {
                assert!(email.ends_with("@example.org") || email.ends_with("@example.com"));
                assert!(email.is_ascii() && !email.starts_with(['@', '.']), "{email}");
            }
        }
        let children = share(aic(), |p| today.years_since(p.birth_date).unwrap() < 18);
        assert!((0.05..0.11).contains(&children), "{children} children");
        assert!(share(aic(), |p| p.sex == "female" || p.sex == "male") > 0.95);
        assert!(share(aic(), |p| p.status == "active") > 0.6);
        assert!(share(aic(), |p| p.language == "en") > 0.75);
        assert!(share(aic(), |p| p.site_of_care == "ambulatory_infusion_centre") > 0.7);
        assert!(share(hip(), |p| p.site_of_care == "home") > 0.7);
    }

    #[test]
    fn access_devices_consistent() {
        let today = now().date();
        for p in all() {
            assert!(p.access_devices.len() <= 2);
            assert!(p.access_devices.iter().filter(|d| d.removed_on.is_none()).count() <= 1);
            for d in &p.access_devices {
                assert!(d.inserted_on < today);
                assert!(d.removed_on.is_none_or(|r| r > d.inserted_on && r <= today));
                assert!(["picc", "port", "tunneled_cvc", "midline", "peripheral"].contains(&d.kind));
                let max_lumens = if matches!(d.kind, "peripheral" | "midline") { 1 } else { 3 };
                assert!((1..=max_lumens).contains(&d.lumens));
            }
        }
        let picc = share(hip(), |p| p.access_devices.iter().any(|d| d.kind == "picc"));
        assert!(picc > 0.5, "{picc} of HIP patients with a PICC");
    }

    #[test]
    fn allergies_and_coverages_well_formed() {
        let today = now().date();
        for p in all() {
            assert!(p.allergies.len() <= 3);
            for a in &p.allergies {
                assert!(a.substance.is_some() || a.drug_class.is_some());
                assert!(["mild", "moderate", "severe", "unknown"].contains(&a.severity));
                assert!(["allergy", "intolerance"].contains(&a.kind));
                assert!(["active", "inactive", "resolved"].contains(&a.status));
            }
            assert!((1..=2).contains(&p.coverages.len()));
            for (i, c) in p.coverages.iter().enumerate() {
                assert_eq!(usize::from(c.priority), i + 1);
                assert!((9..=12).contains(&c.member_id.len()));
                assert!(c.member_id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
                assert!(c.effective_from < today && c.effective_to.is_none_or(|t| t > today));
            }
        }
        let no_allergy = share(hip(), |p| p.allergies.is_empty());
        assert!((0.3..0.4).contains(&no_allergy), "{no_allergy} without allergies");
    }

    #[test]
    fn about_three_percent_possible_duplicates() {
        let mut seen = HashSet::new();
        let key = |p: &'static SyntheticPatient| (&p.given_name, &p.family_name, p.birth_date);
        let dups = hip().iter().filter(|p| !seen.insert(key(p))).count();
        assert!((75..=250).contains(&dups), "{dups} possible duplicates in 5000");
    }

    #[test]
    fn hundred_thousand_patients_quickly() {
        let start = Instant::now();
        let patients = generate_patients(7, &HOME_INFUSION_BRANCH, 100_000, 0, now());
        let elapsed = start.elapsed();
        println!("generated {} patients in {elapsed:?}", patients.len());
        assert_eq!(patients.len(), 100_000);
        assert!(elapsed.as_secs() < 30, "took {elapsed:?}");
    }
}
