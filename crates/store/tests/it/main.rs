//! Storage tests on both databases: the two migration histories give equivalent schemas, and concurrent writers
//! keep the audit chain whole.

use std::collections::BTreeMap;

use anyhow::Result;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use testkit::spawn::{Backend, TestDb, postgres_not_configured, test_app};

#[derive(QueryableByName, Debug)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Bool)]
    not_null: bool,
}

/// (table, column) → (portable type, not null), read from the database's own catalogue.
fn schema_of(db: &TestDb) -> Result<BTreeMap<(String, String), (String, bool)>> {
    let app = test_app(&db.url)?;
    drop(app);
    let pool = store::open_pool(&store::DatabaseUrl::parse(&db.url)?, 1)?;
    let mut conn = pool.get()?;
    let query = match db.backend {
        Backend::Sqlite => {
            "SELECT m.name AS table_name, p.name AS column_name, lower(p.type) AS data_type, \
             (p.\"notnull\" = 1 OR p.pk > 0) AS not_null \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '__diesel%'"
        }
        Backend::Postgres => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type, \
             (is_nullable = 'NO') AS not_null \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name NOT LIKE '__diesel%' \
             AND table_name IN (SELECT table_name FROM information_schema.tables \
                                WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')"
        }
    };
    let columns: Vec<Column> = diesel::sql_query(query).load(&mut *conn)?;
    Ok(columns
        .into_iter()
        .map(|c| {
            let portable = match c.data_type.as_str() {
                "timestamp without time zone" => "timestamp",
                "double precision" => "double",
                other => other,
            };
            ((c.table_name, c.column_name), (portable.to_owned(), c.not_null))
        })
        .collect())
}

#[test]
fn sqlite_and_postgres_schemas_are_equivalent() -> Result<()> {
    let Some(pg) = TestDb::new(Backend::Postgres)? else {
        postgres_not_configured("sqlite_and_postgres_schemas_are_equivalent");
        return Ok(());
    };
    let sqlite = TestDb::new(Backend::Sqlite)?.expect("sqlite");
    let (lite, postgres) = (schema_of(&sqlite)?, schema_of(&pg)?);
    assert!(lite.len() > 100, "read {} columns", lite.len());
    for (key, pg_column) in &postgres {
        assert_eq!(lite.get(key), Some(pg_column), "{key:?} differs between SQLite and PostgreSQL");
    }
    let only_sqlite: Vec<_> = lite.keys().filter(|k| !postgres.contains_key(*k)).collect();
    assert!(only_sqlite.is_empty(), "columns only on SQLite: {only_sqlite:?}");
    Ok(())
}

fn concurrent_appends_keep_the_chain(backend: Backend) -> Result<()> {
    let Some(db) = TestDb::new(backend)? else {
        postgres_not_configured("concurrent_appends_keep_the_chain");
        return Ok(());
    };
    let app = test_app(&db.url)?;
    let cli = app::Caller::cli();
    let before = app.verify_audit(&cli)?.map_err(|b| anyhow::anyhow!("{b:?}"))?;
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let app = app.clone();
            std::thread::spawn(move || -> Result<()> {
                for i in 0..15 {
                    let input = domain::patient::PatientInput {
                        mrn: Some(format!("C{t}X{i}")),
                        given_name: Some("Con".into()),
                        family_name: Some(format!("Current{t}")),
                        birth_date: Some("1980-02-02".into()),
                        sex: Some("other".into()),
                        ..Default::default()
                    };
                    app.create_patient(&app::Caller::cli(), &input)?;
                }
                Ok(())
            })
        })
        .collect();
    for thread in threads {
        thread.join().map_err(|_| anyhow::anyhow!("writer panicked"))??;
    }
    let after = app.verify_audit(&cli)?.map_err(|b| anyhow::anyhow!("chain broken: {b:?}"))?;
    assert_eq!(after - before, 60, "one audit row per patient, no gaps");
    Ok(())
}

#[test]
fn concurrent_appends_keep_the_chain_sqlite() -> Result<()> {
    concurrent_appends_keep_the_chain(Backend::Sqlite)
}

#[test]
fn concurrent_appends_keep_the_chain_postgres() -> Result<()> {
    concurrent_appends_keep_the_chain(Backend::Postgres)
}

/// Decision support's two-statement read through the views returns exactly what the four table readers return, in
/// the same order.
fn clinical_records_match_the_table_reads(backend: Backend) -> Result<()> {
    use app::patient_records::NewRecord;
    let Some(db) = TestDb::new(backend)? else {
        postgres_not_configured("clinical_records_match_the_table_reads");
        return Ok(());
    };
    let app = test_app(&db.url)?;
    let cli = app::Caller::cli();
    let input = domain::patient::PatientInput {
        mrn: Some("VIEW1".into()),
        given_name: Some("Vi".into()),
        family_name: Some("Ews".into()),
        birth_date: Some("1970-03-04".into()),
        sex: Some("female".into()),
        ..Default::default()
    };
    let patient = app.create_patient(&cli, &input)?;
    let mut records = Vec::new();
    for (kind, value, unit, at) in [
        ("weight", "70", "kg", "2026-11-01T08:00:00Z"),
        ("weight", "71.5", "kg", "2026-11-10T08:00:00Z"),
        ("height", "165", "cm", "2026-10-01T08:00:00Z"),
    ] {
        records.push(NewRecord::Measurement(domain::measurement::MeasurementInput {
            kind: Some(kind.into()),
            value: Some(value.into()),
            unit: Some(unit.into()),
            measured_at: Some(at.into()),
        }));
    }
    for (value, at) in [("0.9", "2026-11-02T08:00:00Z"), ("1.1", "2026-11-12T08:00:00Z")] {
        records.push(NewRecord::Lab(domain::lab::LabInput {
            loinc: Some("2160-0".into()),
            value: Some(value.into()),
            unit: Some("mg/dL".into()),
            collected_at: Some(at.into()),
        }));
    }
    for (substance, class) in [(Some("penicillin"), None), (None, Some("sulfonamides"))] {
        records.push(NewRecord::Allergy(domain::allergy::AllergyInput {
            substance: substance.map(str::to_owned),
            drug_class: class.map(str::to_owned),
            reaction: Some("rash".into()),
            ..Default::default()
        }));
    }
    for (kind, inserted, removed) in [("picc", "2026-10-01", None), ("peripheral", "2026-09-01", Some("2026-09-03"))] {
        records.push(NewRecord::AccessDevice(domain::access_device::AccessDeviceInput {
            kind: Some(kind.into()),
            lumens: Some("1".into()),
            site: Some("arm".into()),
            inserted_on: Some(inserted.into()),
            removed_on: removed.map(str::to_owned),
        }));
    }
    for record in records {
        app.add_patient_record(&cli, patient.id, record)?;
    }
    let pool = store::open_pool(&store::DatabaseUrl::parse(&db.url)?, 2)?;
    let mut conn = pool.get()?;
    let mut repo = store::patient_records::PatientRecordRepository::new(&mut conn);
    let clinical = repo.clinical(patient.id)?;
    assert_eq!(clinical.measurements, repo.measurements(patient.id)?);
    assert_eq!(clinical.labs, repo.labs(patient.id)?);
    assert_eq!(clinical.allergies, repo.allergies(patient.id)?);
    assert_eq!(clinical.access_devices, repo.access_devices(patient.id)?);
    let counts = (clinical.measurements.len(), clinical.labs.len(), clinical.allergies.len());
    assert_eq!((counts, clinical.access_devices.len()), ((3, 2, 2), 2));
    Ok(())
}

#[test]
fn clinical_records_match_the_table_reads_sqlite() -> Result<()> {
    clinical_records_match_the_table_reads(Backend::Sqlite)
}

#[test]
fn clinical_records_match_the_table_reads_postgres() -> Result<()> {
    clinical_records_match_the_table_reads(Backend::Postgres)
}
