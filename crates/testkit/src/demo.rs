//! The demo data set `openinfusion serve --demo` loads into an empty database: two branches in different time zones,
//! a user for every role and 250 synthetic patients with their records, all written through the use cases so the
//! audit trail is complete. Also the bulk patient fixture the benchmarks load straight into the table.

use std::collections::BTreeMap;

use anyhow::{Context, anyhow, bail};
use app::patient_records::NewRecord;
use app::patients::PatientSearch;
use app::users::CreateUser;
use app::{App, AppError, Caller};
use chrono::{NaiveDateTime, SecondsFormat};
use domain::access_device::AccessDeviceInput;
use domain::allergy::AllergyInput;
use domain::branch::{Branch, BranchInput};
use domain::coverage::CoverageInput;
use domain::diagnosis::DiagnosisInput;
use domain::lab::LabInput;
use domain::measurement::MeasurementInput;
use domain::patient::{Patient, PatientInput};
use domain::role::Role;
use domain::user::{RoleGrant, UserInput};
use domain::{PatientId, ValidationErrors};
use store::DbPool;

use crate::synthetic::{
    BranchProfile, HOME_INFUSION_BRANCH, INFUSION_CENTRE_BRANCH, SyntheticPatient, generate_patients,
};

/// The password every demo user shares; `openinfusion serve --demo` prints it with the usernames.
pub const DEMO_PASSWORD: &str = "openinfusion-demo";
/// Seed of the demo patients, so every demo database holds the same people.
pub const DEMO_SEED: u64 = 2026;
/// Code of the ambulatory infusion centre the demo creates. The home-infusion pharmacy is the main branch, whose
/// code (`MAIN`, from `migrate`) is permanent.
pub const CENTRE_CODE: &str = "AIC";

const MAIN_PATIENTS: usize = 160;
const CENTRE_PATIENTS: usize = 90;
/// The share of synthetic records domain validation may refuse before the load fails: more means the generator and
/// the validators disagree, which is a bug to fix in one of them.
const MAX_REFUSED_PERCENT: usize = 1;
/// Rows per write transaction in the bulk fixture.
const BULK_CHUNK: usize = 1_000;

/// A demo account, for printing at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub username: String,
    pub password: String,
    pub role: Role,
    /// The user's home branch.
    pub branch_code: String,
}

/// Loads the demo data set when the database has neither patients nor users (`Ok(None)` otherwise, so a restart
/// with `--demo` never loads twice) and returns the demo logins. `migrate` must have run.
///
/// The main branch becomes the Columbus home-infusion pharmacy (America/New_York; its code stays `MAIN`) and
/// `AIC`, the Denver ambulatory infusion centre (America/Denver), is created. Users `demo-<role>` hold each role
/// at the main branch (admin, auditor, intake and pharmacist at `AIC` too) and `demo-aic-nurse` is a nurse at
/// `AIC`. 160 home-infusion and 90 infusion-centre synthetic patients are registered with `create_patient` and
/// every allergy, measurement, lab, diagnosis, coverage and access device with `add_patient_record`. A record the
/// domain refuses is skipped and logged; more than 1% refused is an error listing them.
pub fn load_demo(app: &App) -> anyhow::Result<Option<Vec<DemoLogin>>> {
    Ok(load(app)?.map(|(logins, _)| logins))
}

/// [`load_demo`], also returning what validation refused (the unit test wants none).
fn load(app: &App) -> anyhow::Result<Option<(Vec<DemoLogin>, Tally)>> {
    let cli = Caller::cli();
    let one = PatientSearch { limit: Some(1), ..PatientSearch::default() };
    let patients = app.search_patients(&cli, &one).context("looking for patients")?;
    let users = app.list_users(&cli).context("looking for users")?;
    if !patients.items.is_empty() || !users.is_empty() {
        return Ok(None);
    }
    let (main, centre) = set_up_branches(app, &cli)?;
    let logins = create_users(app, &cli, &main, &centre)?;
    let now = app.now().naive_utc();
    let mut tally = Tally::default();
    let batches = [(&HOME_INFUSION_BRANCH, MAIN_PATIENTS, &main), (&INFUSION_CENTRE_BRANCH, CENTRE_PATIENTS, &centre)];
    for (profile, count, branch) in batches {
        for patient in generate_patients(DEMO_SEED, profile, count, 0, now) {
            load_patient(app, &cli, &patient, &branch.code, &mut tally)?;
        }
    }
    tally.check()?;
    load_orders(app, &cli).context("placing the demo orders")?;
    Ok(Some((logins, tally)))
}

/// A typical adult cyclic parenteral-nutrition bag (2 L over 12 h: 250 g dextrose, 100 g amino acids, 50 g lipid,
/// standard electrolytes) — about 1,300 mOsm/L, so central-line only.
pub fn sample_tpn(fluid_goal_ml_day: Option<&str>) -> domain::order::TpnInput {
    let v = |s: &str| Some(s.to_owned());
    domain::order::TpnInput {
        volume_ml: v("2000"),
        infusion_hours: v("12"),
        dextrose_g: v("250"),
        amino_acids_g: v("100"),
        lipid_g: v("50"),
        sodium_meq: v("80"),
        potassium_meq: v("60"),
        calcium_meq: v("10"),
        magnesium_meq: v("16"),
        phosphate_mmol: v("20"),
        fluid_goal_ml_day: fluid_goal_ml_day.map(str::to_owned),
    }
}

/// Demo orders (one per regimen, rotating over the patients): most wait in the pharmacist's queue, every third is
/// verified (hard stops passed with a recorded reason) and started. Some regimens raise alerts on purpose — a
/// vancomycin rate above 10 mg/min, a vincristine dose above the 2 mg cap for larger patients — so the queue shows
/// decision support at work.
fn load_orders(app: &App, cli: &Caller) -> anyhow::Result<usize> {
    use domain::order::{OrderAction, OrderInput, QuantityInput};
    struct Regimen {
        drug: &'static str,
        dose: &'static str,
        unit: &'static str,
        basis: &'static str,
        frequency: &'static str,
        minutes: Option<&'static str>,
        volume: Option<&'static str>,
        period: Option<&'static str>,
        tpn: bool,
    }
    let r = |drug, dose, unit, basis, frequency, minutes, volume| Regimen {
        drug,
        dose,
        unit,
        basis,
        frequency,
        minutes,
        volume,
        period: None,
        tpn: false,
    };
    let regimens = [
        r("vancomycin", "1250", "mg", "fixed", "q12h", Some("60"), Some("250")),
        r("cefazolin", "2", "g", "fixed", "q8h", Some("30"), Some("100")),
        r("ertapenem", "1", "g", "fixed", "q24h", Some("30"), Some("100")),
        r("daptomycin", "6", "mg", "per_kg", "q24h", Some("30"), Some("50")),
        r("micafungin", "100", "mg", "fixed", "q24h", Some("60"), Some("100")),
        r("immune-globulin-privigen", "0.4", "g", "per_kg", "q28d", None, None),
        r("infliximab", "5", "mg", "per_kg", "q168h", Some("120"), Some("250")),
        r("vincristine", "1.4", "mg", "per_m2", "q21d", Some("10"), Some("50")),
        r("carboplatin", "5", "mg", "auc", "q21d", Some("60"), Some("250")),
        Regimen { period: Some("min"), ..r("milrinone", "0.375", "ug", "per_kg", "continuous", None, None) },
        Regimen { tpn: true, ..r("parenteral-nutrition-admixture", "2000", "mL", "fixed", "cyclic_12h", None, None) },
        r("acyclovir", "10", "mg", "per_kg", "q8h", Some("60"), Some("250")),
    ];
    let page = app.search_patients(cli, &PatientSearch { limit: Some(200), ..PatientSearch::default() })?;
    let mut placed = 0;
    for (i, patient) in page.items.iter().enumerate().take(60) {
        let regimen = &regimens[i % regimens.len()];
        let records = app.patient_records(cli, patient.id)?;
        let device = records.access_devices.iter().find(|d| d.fields.removed_on.is_none()).map(|d| d.id.to_string());
        // The first vancomycin course started 36 h ago and has two levels, so precision dosing has a case to fit.
        let monitored = i == 0;
        let start = if monitored {
            app.now() - chrono::Duration::hours(36)
        } else {
            app.now() + chrono::Duration::hours(4 + 6 * (i as i64 % 8))
        };
        let input = OrderInput {
            patient_id: Some(patient.id.to_string()),
            prescriber_name: Some(["Dr Imani Okafor", "Dr Lucas Brandt", "Dr Mei Tanaka"][i % 3].to_owned()),
            prescriber_npi: Some("1234567893".to_owned()),
            drug_code: Some(regimen.drug.to_owned()),
            dose: Some(QuantityInput { value: Some(regimen.dose.to_owned()), unit: Some(regimen.unit.to_owned()) }),
            dose_basis: Some(regimen.basis.to_owned()),
            dose_period: regimen.period.map(str::to_owned),
            route: Some("iv".to_owned()),
            frequency: Some(regimen.frequency.to_owned()),
            duration_days: Some(if regimen.frequency == "q21d" { "63" } else { "14" }.to_owned()),
            infusion_minutes: regimen.minutes.map(str::to_owned),
            final_volume_ml: regimen.volume.map(str::to_owned),
            diluent: regimen.volume.map(|_| "NS".to_owned()),
            access_device_id: device,
            site_of_care: Some(patient.fields.site_of_care.to_string()),
            start_at: Some(start.to_rfc3339()),
            priority: Some(
                if i % 7 == 0 {
                    "stat"
                } else if i % 5 == 0 {
                    "urgent"
                } else {
                    "routine"
                }
                .to_owned(),
            ),
            tpn: regimen.tpn.then(|| sample_tpn(Some("2200"))),
            ..OrderInput::default()
        };
        let order = app
            .create_order(cli, &input, true)
            .with_context(|| format!("placing a demo {} order for {}", regimen.drug, patient.fields.mrn))?;
        placed += 1;
        if i % 3 == 0 {
            let check = app.check_order(cli, &input)?.result;
            let overrides: Vec<app::orders::Override> = check
                .hard_stops()
                .map(|a| app::orders::Override {
                    key: a.key.clone(),
                    reason: "Demo: reviewed with the prescriber".into(),
                })
                .collect();
            let verified = app.verify_order(cli, order.id, order.version, &overrides)?;
            app.transition_order(cli, order.id, verified.version, OrderAction::Activate, None)?;
        }
        if monitored {
            for (loinc, hours, value) in [("4092-3", 11.5, "11.2"), ("20578-1", 26.0, "27.5")] {
                let collected = start + chrono::Duration::minutes((hours * 60.0) as i64);
                let lab = LabInput {
                    loinc: Some(loinc.to_owned()),
                    value: Some(value.to_owned()),
                    unit: Some("mg/L".to_owned()),
                    collected_at: Some(collected.to_rfc3339()),
                };
                app.add_patient_record(cli, patient.id, NewRecord::Lab(lab))
                    .with_context(|| format!("adding a demo vancomycin level for {}", patient.fields.mrn))?;
            }
        }
    }
    Ok(placed)
}

/// The main branch as the home-infusion pharmacy, and the infusion centre (created, or brought in line if an
/// administrator already made one).
fn set_up_branches(app: &App, cli: &Caller) -> anyhow::Result<(Branch, Branch)> {
    let input = |code: &str, name: &str, kind: &str, zone: &str| BranchInput {
        code: Some(code.to_owned()),
        name: Some(name.to_owned()),
        kind: Some(kind.to_owned()),
        time_zone: Some(zone.to_owned()),
    };
    let main = app.main_branch().context("finding the main branch (run migrate first)")?;
    let pharmacy = input(&main.code, "Columbus Home Infusion Pharmacy", "home_infusion_pharmacy", "America/New_York");
    let main = app
        .update_branch(cli, main.id, main.version, &pharmacy)
        .context("turning the main branch into the home-infusion pharmacy")?;
    let centre =
        input(CENTRE_CODE, "Denver Ambulatory Infusion Centre", "ambulatory_infusion_centre", "America/Denver");
    let centre = match app.find_branch_by_code(CENTRE_CODE)? {
        Some(existing) => app.update_branch(cli, existing.id, existing.version, &centre),
        None => app.create_branch(cli, &centre),
    }
    .context("creating the ambulatory infusion centre")?;
    Ok((main, centre))
}

fn create_users(app: &App, cli: &Caller, main: &Branch, centre: &Branch) -> anyhow::Result<Vec<DemoLogin>> {
    let grant = |branch: &Branch, role| RoleGrant { branch_id: branch.id, role };
    let mut accounts: Vec<(String, Role, &Branch, Vec<RoleGrant>)> = Role::ALL
        .iter()
        .map(|&role| {
            let mut grants = vec![grant(main, role)];
            if matches!(role, Role::Admin | Role::Auditor | Role::Intake | Role::Pharmacist) {
                grants.push(grant(centre, role));
            }
            (format!("demo-{role}"), role, main, grants)
        })
        .collect();
    let nurse = vec![grant(centre, Role::Nurse)];
    accounts.push(("demo-aic-nurse".to_owned(), Role::Nurse, centre, nurse));
    let mut logins = Vec::with_capacity(accounts.len());
    for (username, role, home, grants) in accounts {
        let input = UserInput {
            username: Some(username.clone()),
            display_name: Some(format!("Demo {} ({})", role.label(), home.code)),
            password: Some(DEMO_PASSWORD.to_owned()),
        };
        let request = CreateUser { input, grants, home_branch: Some(home.id) };
        app.create_user(cli, request).with_context(|| format!("creating demo user {username}"))?;
        logins.push(DemoLogin { username, password: DEMO_PASSWORD.to_owned(), role, branch_code: home.code.clone() });
    }
    Ok(logins)
}

/// Registers one synthetic patient and their records, counting what validation refuses.
fn load_patient(
    app: &App,
    cli: &Caller,
    patient: &SyntheticPatient,
    branch_code: &str,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let records = new_records(patient);
    let created = match app.create_patient(cli, &patient_input(patient, branch_code)) {
        Ok(created) => created,
        Err(AppError::Invalid(errors)) => {
            tally.refuse(&patient.mrn, "patient", &errors);
            // Its records have no patient to belong to.
            tally.records += records.len();
            return Ok(());
        }
        Err(other) => return Err(other).context(format!("registering patient {}", patient.mrn)),
    };
    tally.records += 1;
    for record in records {
        let kind = record_kind(&record);
        tally.records += 1;
        match app.add_patient_record(cli, created.id, record) {
            Ok(_) => {}
            Err(AppError::Invalid(errors)) => tally.refuse(&patient.mrn, kind, &errors),
            Err(other) => {
                return Err(other).context(format!("adding a {kind} to patient {}", patient.mrn));
            }
        }
    }
    Ok(())
}

/// Synthetic records written and refused, grouped by what was refused and why.
#[derive(Default)]
struct Tally {
    records: usize,
    /// (record kind, validation message) → MRNs of the patients concerned.
    refused: BTreeMap<(&'static str, String), Vec<String>>,
}

impl Tally {
    fn refuse(&mut self, mrn: &str, kind: &'static str, errors: &ValidationErrors) {
        let entry = self.refused.entry((kind, errors.to_string())).or_default();
        entry.push(mrn.to_owned());
    }

    fn refused_count(&self) -> usize {
        self.refused.values().map(Vec::len).sum()
    }

    fn report(&self) -> String {
        let lines = self.refused.iter().map(|((kind, why), mrns)| {
            let shown: Vec<&str> = mrns.iter().take(5).map(String::as_str).collect();
            let more = if mrns.len() > shown.len() { ", …" } else { "" };
            format!("  {} × {kind} ({why}): {}{more}", mrns.len(), shown.join(", "))
        });
        lines.collect::<Vec<_>>().join("\n")
    }

    fn check(&self) -> anyhow::Result<()> {
        let refused = self.refused_count();
        if refused == 0 {
            return Ok(());
        }
        if refused * 100 > self.records * MAX_REFUSED_PERCENT {
            bail!(
                "domain validation refused {refused} of {} synthetic demo records (more than {MAX_REFUSED_PERCENT}%), \
                 so the generator and the validators disagree:\n{}",
                self.records,
                self.report()
            );
        }
        tracing::warn!(
            refused,
            records = self.records,
            "domain validation refused synthetic demo records:\n{}",
            self.report()
        );
        Ok(())
    }
}

fn record_kind(record: &NewRecord) -> &'static str {
    match record {
        NewRecord::Allergy(_) => "allergy",
        NewRecord::Measurement(_) => "measurement",
        NewRecord::Lab(_) => "lab",
        NewRecord::Diagnosis(_) => "diagnosis",
        NewRecord::Coverage(_) => "coverage",
        NewRecord::AccessDevice(_) => "access device",
    }
}

/// The registration input for a synthetic patient at the branch with code `branch_code` (no emergency contact:
/// the generator makes none).
pub fn patient_input(patient: &SyntheticPatient, branch_code: &str) -> PatientInput {
    let address = &patient.address;
    PatientInput {
        mrn: Some(patient.mrn.clone()),
        given_name: Some(patient.given_name.clone()),
        middle_name: patient.middle_name.clone(),
        family_name: Some(patient.family_name.clone()),
        birth_date: Some(patient.birth_date.to_string()),
        sex: Some(patient.sex.to_owned()),
        language: Some(patient.language.to_owned()),
        phone: Some(patient.phone.clone()),
        email: patient.email.clone(),
        address_line1: Some(address.line1.clone()),
        address_line2: address.line2.clone(),
        city: Some(address.city.clone()),
        region: Some(address.region.clone()),
        postal_code: Some(address.postal_code.clone()),
        country: Some(address.country.clone()),
        latitude: Some(address.latitude.to_string()),
        longitude: Some(address.longitude.to_string()),
        status: Some(patient.status.to_owned()),
        site_of_care: Some(patient.site_of_care.to_owned()),
        branch_code: Some(branch_code.to_owned()),
        ..PatientInput::default()
    }
}

/// Every record of a synthetic patient as `add_patient_record` inputs: allergies, measurements, labs, diagnoses
/// (the first one primary), coverages, access devices.
pub fn new_records(patient: &SyntheticPatient) -> Vec<NewRecord> {
    let p = patient;
    let allergies = p.allergies.iter().map(|a| {
        NewRecord::Allergy(AllergyInput {
            substance: a.substance.clone(),
            drug_class: a.drug_class.clone(),
            reaction: Some(a.reaction.clone()),
            severity: Some(a.severity.to_owned()),
            kind: Some(a.kind.to_owned()),
            status: Some(a.status.to_owned()),
        })
    });
    let measurements = p.measurements.iter().map(|m| {
        NewRecord::Measurement(MeasurementInput {
            kind: Some(m.kind.to_owned()),
            value: Some(m.value.to_string()),
            unit: Some(m.unit.to_owned()),
            measured_at: Some(rfc3339(m.measured_at)),
        })
    });
    let labs = p.labs.iter().map(|l| {
        NewRecord::Lab(LabInput {
            loinc: Some(l.loinc.to_owned()),
            value: Some(l.value.to_string()),
            unit: Some(l.unit.to_owned()),
            collected_at: Some(rfc3339(l.collected_at)),
        })
    });
    let diagnoses = p.diagnoses.iter().enumerate().map(|(i, d)| {
        NewRecord::Diagnosis(DiagnosisInput {
            icd10: Some(d.icd10.to_owned()),
            description: Some(d.description.to_owned()),
            primary: Some((i == 0).to_string()),
            onset_date: None,
        })
    });
    let coverages = p.coverages.iter().map(|c| {
        NewRecord::Coverage(CoverageInput {
            payer_name: Some(c.payer_name.clone()),
            member_id: Some(c.member_id.clone()),
            group_number: c.group_number.clone(),
            priority: Some(c.priority.to_string()),
            effective_from: Some(c.effective_from.to_string()),
            effective_to: c.effective_to.map(|d| d.to_string()),
        })
    });
    let devices = p.access_devices.iter().map(|d| {
        NewRecord::AccessDevice(AccessDeviceInput {
            kind: Some(d.kind.to_owned()),
            lumens: Some(d.lumens.to_string()),
            site: Some(d.site.clone()),
            inserted_on: Some(d.inserted_on.to_string()),
            removed_on: d.removed_on.map(|r| r.to_string()),
        })
    });
    allergies.chain(measurements).chain(labs).chain(diagnoses).chain(coverages).chain(devices).collect()
}

/// A generator time (UTC) as RFC 3339, e.g. `2026-11-20T09:00:00Z`.
fn rfc3339(at: NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Benchmark fixture, not demo data: inserts `count` synthetic patients (seeded by `seed`) straight into the
/// patients table with `store::patient::insert_many`, in write transactions of 1,000 rows. Half follow the
/// home-infusion profile at the main branch, half the infusion-centre profile at `AIC` (created through `app` if
/// missing). It writes **no audit rows**, no clinical records and no duplicate flags, so it is only for filling a
/// database to measure search; demo and real patients go through `App::create_patient`. MRNs are the generator's
/// from index 0 (`H0000001`, `A0000001`, …): load into a database without synthetic patients. `pool` must be the
/// pool `app` uses.
pub fn load_bulk_patients(app: &App, pool: &DbPool, count: usize, seed: u64) -> anyhow::Result<()> {
    let cli = Caller::cli();
    let main = app.main_branch().context("finding the main branch (run migrate first)")?;
    let centre = match app.find_branch_by_code(CENTRE_CODE)? {
        Some(centre) => centre,
        None => app.create_branch(
            &cli,
            &BranchInput {
                code: Some(CENTRE_CODE.to_owned()),
                name: Some("Denver Ambulatory Infusion Centre".to_owned()),
                kind: Some("ambulatory_infusion_centre".to_owned()),
                time_zone: Some("America/Denver".to_owned()),
            },
        )?,
    };
    let now = app.now();
    let home_total = count - count / 2;
    let centre_total = count / 2;
    let per_profile = BULK_CHUNK / 2;
    let mut conn = pool.get().context("taking a connection")?;
    let mut start = 0;
    while start < home_total.max(centre_total) {
        let mut chunk = Vec::with_capacity(BULK_CHUNK);
        let plan: [(&BranchProfile, usize, &Branch); 2] =
            [(&HOME_INFUSION_BRANCH, home_total, &main), (&INFUSION_CENTRE_BRANCH, centre_total, &centre)];
        for (profile, total, branch) in plan {
            let n = per_profile.min(total.saturating_sub(start));
            let today = app.today_at(branch);
            for synthetic in generate_patients(seed, profile, n, start, now.naive_utc()) {
                let fields = patient_input(&synthetic, &branch.code)
                    .validate(today)
                    .map_err(|e| anyhow!("synthetic patient {} refused: {e}", synthetic.mrn))?;
                chunk.push(Patient {
                    id: PatientId::new(),
                    version: 1,
                    branch_id: branch.id,
                    branch_code: branch.code.clone(),
                    fields,
                    possible_duplicate_of: None,
                    created_at: now,
                    updated_at: now,
                });
            }
        }
        store::write_tx(&mut conn, |c| store::patient::insert_many(c, &chunk))
            .with_context(|| format!("inserting patients {start}.. of each branch"))?;
        start += per_profile;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;
    use std::time::Instant;

    use app::SecurityConfig;
    use app::auth::LoginRequest;
    use store::patient::PatientRepository;

    use super::*;

    /// 03:30 UTC on 24 November 2026, still the 23rd in New York and Denver: dates the generator takes from the
    /// UTC day must not lie after a branch's local day.
    struct EarlyUtcMorning;

    impl app::Clock for EarlyUtcMorning {
        fn now(&self) -> chrono::DateTime<chrono::Utc> {
            chrono::DateTime::from_timestamp(1_795_491_000, 0).unwrap_or_default()
        }
    }

    /// A directory under the system temp dir, removed when dropped (also when the test fails).
    struct TempDir(std::path::PathBuf);

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn patient_count(pool: &DbPool) -> anyhow::Result<i64> {
        let mut conn = pool.get()?;
        Ok(PatientRepository::new(&mut conn).count()?)
    }

    #[test]
    fn demo_loads_once_into_an_empty_sqlite_database() -> anyhow::Result<()> {
        let name = format!("openinfusion-demo-{}", uuid::Uuid::now_v7());
        let dir = TempDir(std::env::temp_dir().join(name));
        std::fs::create_dir_all(&dir.0)?;
        let url = format!("sqlite://{}", dir.0.join("demo.db").display());
        let pool = store::open_pool(&store::DatabaseUrl::parse(&url)?, 8)?;
        let app = App::new(pool.clone(), Arc::new(EarlyUtcMorning), SecurityConfig::default());
        app.migrate(chrono_tz::UTC)?;

        let started = Instant::now();
        let (logins, tally) = load(&app)?.context("an empty database gets the demo")?;
        println!("demo loaded in {:.1} s: {} records through the app", started.elapsed().as_secs_f64(), tally.records);
        assert_eq!(tally.refused_count(), 0, "validation refused:\n{}", tally.report());

        let cli = Caller::cli();
        assert_eq!(patient_count(&pool)?, 250);
        let branches = app.list_branches()?;
        assert_eq!(branches.len(), 2, "{branches:?}");
        assert_ne!(branches[0].time_zone, branches[1].time_zone);
        let codes: HashSet<&str> = branches.iter().map(|b| b.code.as_str()).collect();
        assert_eq!(codes, HashSet::from(["MAIN", CENTRE_CODE]));

        let users = app.list_users(&cli)?;
        for role in Role::ALL {
            assert!(users.iter().any(|u| u.roles().contains(role)), "no user holds {role}");
            assert!(logins.iter().any(|l| l.role == *role && l.username == format!("demo-{role}")));
        }
        assert_eq!(users.len(), logins.len());
        assert!(logins.iter().all(|l| l.password == DEMO_PASSWORD && l.password.len() >= 12));
        let login = LoginRequest {
            username: "demo-pharmacist",
            password: DEMO_PASSWORD,
            totp_code: None,
            remote_addr: "127.0.0.1",
            request_id: None,
        };
        app.login(login).context("demo-pharmacist signs in with the demo password")?;
        let (queue, waiting) = app.verification_queue(&cli, None, Some(50))?;
        assert_eq!(waiting, 40, "60 demo orders, every third verified and started");
        assert!(queue.items.iter().any(|q| q.order.fields.priority == domain::order::Priority::Stat));
        let active = app.list_orders(
            &cli,
            &app::orders::OrderQuery { statuses: vec![domain::order::OrderStatus::Active], ..Default::default() },
        )?;
        assert_eq!(active.items.len(), 20);

        let (mut seen, mut at_centre, mut cursor) = (0, 0, None);
        let (mut allergies, mut diagnoses, mut coverages, mut devices) = (0, 0, 0, 0);
        loop {
            let search = PatientSearch { cursor: cursor.take(), limit: Some(200), ..PatientSearch::default() };
            let page = app.search_patients(&cli, &search)?;
            for patient in &page.items {
                let f = &patient.fields;
                assert!(f.address.is_some() && f.coordinates.is_some(), "{} has no address", f.mrn);
                let records = app.patient_records(&cli, patient.id)?;
                allergies += records.allergies.len();
                diagnoses += records.diagnoses.len();
                coverages += records.coverages.len();
                devices += records.access_devices.len();
                assert!(!records.measurements.is_empty(), "{} has no weight or height", f.mrn);
                at_centre += usize::from(patient.branch_code == CENTRE_CODE);
            }
            seen += page.items.len();
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!((seen, at_centre), (250, 90));
        assert!(allergies > 0 && diagnoses >= 250 && coverages >= 250 && devices > 0);
        assert!(app.verify_audit(&cli)?.is_ok(), "the audit chain holds");

        assert!(load_demo(&app)?.is_none(), "a second load does nothing");
        assert_eq!(patient_count(&pool)?, 250);
        Ok(())
    }
}
