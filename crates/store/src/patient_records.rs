//! A patient's clinical records: allergies, body measurements, lab results, diagnoses, coverages and vascular access
//! devices. Each converts between its row and its `domain` type; versioned records update optimistically.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use domain::PatientId;
use domain::access_device::{AccessDevice, AccessDeviceFields, AccessDeviceKind};
use domain::allergy::{Allergy, AllergyFields, AllergyKind, AllergySeverity, AllergyStatus, DrugClass};
use domain::codes::{Icd10Code, Loinc};
use domain::coverage::{Coverage, CoverageFields};
use domain::diagnosis::{Diagnosis, DiagnosisFields};
use domain::lab::{LabFields, LabResult};
use domain::measurement::{Measurement, MeasurementFields, MeasurementKind, MeasurementUnit};

use crate::schema::{
    patient_access_devices as devices, patient_allergies as allergies, patient_coverages as coverages,
    patient_diagnoses as diagnoses, patient_labs as labs, patient_measurements as measurements,
};
use crate::{DbConn, StoreError, from_db_time, parse_checked, parse_id, parse_text, to_db_time};

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = allergies, treat_none_as_null = true)]
struct AllergyRow {
    id: String,
    version: i64,
    patient_id: String,
    substance: Option<String>,
    drug_class: Option<String>,
    reaction: Option<String>,
    severity: String,
    kind: String,
    status: String,
    recorded_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = measurements)]
struct MeasurementRow {
    id: String,
    patient_id: String,
    kind: String,
    value: String,
    unit: String,
    measured_at: NaiveDateTime,
    recorded_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = labs)]
struct LabRow {
    id: String,
    patient_id: String,
    loinc: String,
    value: String,
    unit: String,
    collected_at: NaiveDateTime,
    recorded_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = diagnoses)]
struct DiagnosisRow {
    id: String,
    patient_id: String,
    icd10: String,
    description: Option<String>,
    is_primary: bool,
    onset_date: Option<NaiveDate>,
    recorded_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = coverages, treat_none_as_null = true)]
struct CoverageRow {
    id: String,
    version: i64,
    patient_id: String,
    payer_name: String,
    member_id: String,
    group_number: Option<String>,
    priority: i32,
    effective_from: NaiveDate,
    effective_to: Option<NaiveDate>,
    recorded_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = devices, treat_none_as_null = true)]
struct DeviceRow {
    id: String,
    version: i64,
    patient_id: String,
    kind: String,
    lumens: i32,
    site: String,
    inserted_on: NaiveDate,
    removed_on: Option<NaiveDate>,
    recorded_at: NaiveDateTime,
}

/// A row of the view `patient_allergies_and_devices`: an allergy or an access device.
#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::schema::patient_allergies_and_devices)]
struct AllergyOrDeviceRow {
    source: String,
    id: String,
    version: i64,
    patient_id: String,
    substance: Option<String>,
    drug_class: Option<String>,
    reaction: Option<String>,
    severity: Option<String>,
    allergy_kind: Option<String>,
    status: Option<String>,
    device_kind: Option<String>,
    lumens: Option<i32>,
    site: Option<String>,
    inserted_on: Option<NaiveDate>,
    removed_on: Option<NaiveDate>,
    recorded_at: NaiveDateTime,
}

fn row_source() -> String {
    "a row that is neither an allergy nor a device".to_owned()
}

impl AllergyOrDeviceRow {
    /// The allergy row (`Ok`) or the device row (`Err`); `None` when a required column of its kind is missing.
    fn split(self) -> Option<Result<AllergyRow, DeviceRow>> {
        match self.source.as_str() {
            "a" => Some(Ok(AllergyRow {
                id: self.id,
                version: self.version,
                patient_id: self.patient_id,
                substance: self.substance,
                drug_class: self.drug_class,
                reaction: self.reaction,
                severity: self.severity?,
                kind: self.allergy_kind?,
                status: self.status?,
                recorded_at: self.recorded_at,
            })),
            "d" => Some(Err(DeviceRow {
                id: self.id,
                version: self.version,
                patient_id: self.patient_id,
                kind: self.device_kind?,
                lumens: self.lumens?,
                site: self.site?,
                inserted_on: self.inserted_on?,
                removed_on: self.removed_on,
                recorded_at: self.recorded_at,
            })),
            _ => None,
        }
    }
}

fn decimal(table: &'static str, text: &str) -> Result<rust_decimal::Decimal, StoreError> {
    text.parse().map_err(|_| StoreError::corrupt(table, "value", text))
}

impl AllergyRow {
    fn from_domain(a: &Allergy) -> Self {
        let f = &a.fields;
        AllergyRow {
            id: a.id.to_string(),
            version: a.version,
            patient_id: a.patient_id.to_string(),
            substance: f.substance.clone(),
            drug_class: f.drug_class.map(|c| c.to_string()),
            reaction: f.reaction.clone(),
            severity: f.severity.to_string(),
            kind: f.kind.to_string(),
            status: f.status.to_string(),
            recorded_at: to_db_time(a.recorded_at),
        }
    }

    fn into_domain(self) -> Result<Allergy, StoreError> {
        const T: &str = "patient_allergies";
        Ok(Allergy {
            id: parse_id(T, "id", &self.id)?,
            version: self.version,
            patient_id: parse_id(T, "patient_id", &self.patient_id)?,
            fields: AllergyFields {
                substance: self.substance,
                drug_class: self.drug_class.map(|c| parse_text(T, "drug_class", &c, DrugClass::parse)).transpose()?,
                reaction: self.reaction,
                severity: parse_text(T, "severity", &self.severity, AllergySeverity::parse)?,
                kind: parse_text(T, "kind", &self.kind, AllergyKind::parse)?,
                status: parse_text(T, "status", &self.status, AllergyStatus::parse)?,
            },
            recorded_at: from_db_time(self.recorded_at),
        })
    }
}

impl MeasurementRow {
    fn from_domain(m: &Measurement) -> Self {
        MeasurementRow {
            id: m.id.to_string(),
            patient_id: m.patient_id.to_string(),
            kind: m.fields.kind.to_string(),
            value: m.fields.value.to_string(),
            unit: m.fields.unit.to_string(),
            measured_at: to_db_time(m.fields.measured_at),
            recorded_at: to_db_time(m.recorded_at),
        }
    }

    fn into_domain(self) -> Result<Measurement, StoreError> {
        const T: &str = "patient_measurements";
        Ok(Measurement {
            id: parse_id(T, "id", &self.id)?,
            patient_id: parse_id(T, "patient_id", &self.patient_id)?,
            fields: MeasurementFields {
                kind: parse_text(T, "kind", &self.kind, MeasurementKind::parse)?,
                value: decimal(T, &self.value)?,
                unit: parse_text(T, "unit", &self.unit, MeasurementUnit::parse)?,
                measured_at: from_db_time(self.measured_at),
            },
            recorded_at: from_db_time(self.recorded_at),
        })
    }
}

impl LabRow {
    fn from_domain(l: &LabResult) -> Self {
        LabRow {
            id: l.id.to_string(),
            patient_id: l.patient_id.to_string(),
            loinc: l.fields.loinc.to_string(),
            value: l.fields.value.to_string(),
            unit: l.fields.unit.clone(),
            collected_at: to_db_time(l.fields.collected_at),
            recorded_at: to_db_time(l.recorded_at),
        }
    }

    fn into_domain(self) -> Result<LabResult, StoreError> {
        const T: &str = "patient_labs";
        Ok(LabResult {
            id: parse_id(T, "id", &self.id)?,
            patient_id: parse_id(T, "patient_id", &self.patient_id)?,
            fields: LabFields {
                loinc: parse_checked(T, "loinc", &self.loinc, Loinc::parse)?,
                value: decimal(T, &self.value)?,
                unit: self.unit,
                collected_at: from_db_time(self.collected_at),
            },
            recorded_at: from_db_time(self.recorded_at),
        })
    }
}

impl DiagnosisRow {
    fn from_domain(d: &Diagnosis) -> Self {
        DiagnosisRow {
            id: d.id.to_string(),
            patient_id: d.patient_id.to_string(),
            icd10: d.fields.icd10.to_string(),
            description: d.fields.description.clone(),
            is_primary: d.fields.primary,
            onset_date: d.fields.onset_date,
            recorded_at: to_db_time(d.recorded_at),
        }
    }

    fn into_domain(self) -> Result<Diagnosis, StoreError> {
        const T: &str = "patient_diagnoses";
        Ok(Diagnosis {
            id: parse_id(T, "id", &self.id)?,
            patient_id: parse_id(T, "patient_id", &self.patient_id)?,
            fields: DiagnosisFields {
                icd10: parse_checked(T, "icd10", &self.icd10, Icd10Code::parse)?,
                description: self.description,
                primary: self.is_primary,
                onset_date: self.onset_date,
            },
            recorded_at: from_db_time(self.recorded_at),
        })
    }
}

impl CoverageRow {
    fn from_domain(c: &Coverage) -> Self {
        let f = &c.fields;
        CoverageRow {
            id: c.id.to_string(),
            version: c.version,
            patient_id: c.patient_id.to_string(),
            payer_name: f.payer_name.clone(),
            member_id: f.member_id.clone(),
            group_number: f.group_number.clone(),
            priority: i32::from(f.priority),
            effective_from: f.effective_from,
            effective_to: f.effective_to,
            recorded_at: to_db_time(c.recorded_at),
        }
    }

    fn into_domain(self) -> Result<Coverage, StoreError> {
        const T: &str = "patient_coverages";
        Ok(Coverage {
            id: parse_id(T, "id", &self.id)?,
            version: self.version,
            patient_id: parse_id(T, "patient_id", &self.patient_id)?,
            fields: CoverageFields {
                payer_name: self.payer_name,
                member_id: self.member_id,
                group_number: self.group_number,
                priority: u8::try_from(self.priority)
                    .map_err(|_| StoreError::corrupt(T, "priority", self.priority.to_string()))?,
                effective_from: self.effective_from,
                effective_to: self.effective_to,
            },
            recorded_at: from_db_time(self.recorded_at),
        })
    }
}

impl DeviceRow {
    fn from_domain(d: &AccessDevice) -> Self {
        let f = &d.fields;
        DeviceRow {
            id: d.id.to_string(),
            version: d.version,
            patient_id: d.patient_id.to_string(),
            kind: f.kind.to_string(),
            lumens: i32::from(f.lumens),
            site: f.site.clone(),
            inserted_on: f.inserted_on,
            removed_on: f.removed_on,
            recorded_at: to_db_time(d.recorded_at),
        }
    }

    fn into_domain(self) -> Result<AccessDevice, StoreError> {
        const T: &str = "patient_access_devices";
        Ok(AccessDevice {
            id: parse_id(T, "id", &self.id)?,
            version: self.version,
            patient_id: parse_id(T, "patient_id", &self.patient_id)?,
            fields: AccessDeviceFields {
                kind: parse_text(T, "kind", &self.kind, AccessDeviceKind::parse)?,
                lumens: u8::try_from(self.lumens)
                    .map_err(|_| StoreError::corrupt(T, "lumens", self.lumens.to_string()))?,
                site: self.site,
                inserted_on: self.inserted_on,
                removed_on: self.removed_on,
            },
            recorded_at: from_db_time(self.recorded_at),
        })
    }
}

/// Every record of a patient, newest first within each kind.
#[derive(Debug, Clone, Default)]
pub struct PatientRecords {
    pub allergies: Vec<Allergy>,
    pub measurements: Vec<Measurement>,
    pub labs: Vec<LabResult>,
    pub diagnoses: Vec<Diagnosis>,
    pub coverages: Vec<Coverage>,
    pub access_devices: Vec<AccessDevice>,
}

pub struct PatientRecordRepository<'a> {
    conn: &'a mut DbConn,
}

/// Checks that an optimistic update touched exactly one row.
fn one_row(changed: usize) -> Result<(), StoreError> {
    if changed == 1 { Ok(()) } else { Err(StoreError::StaleVersion) }
}

impl<'a> PatientRecordRepository<'a> {
    pub fn new(conn: &'a mut DbConn) -> Self {
        Self { conn }
    }

    pub fn insert_allergy(&mut self, a: &Allergy) -> Result<(), StoreError> {
        diesel::insert_into(allergies::table).values(AllergyRow::from_domain(a)).execute(self.conn)?;
        Ok(())
    }

    pub fn insert_measurement(&mut self, m: &Measurement) -> Result<(), StoreError> {
        diesel::insert_into(measurements::table).values(MeasurementRow::from_domain(m)).execute(self.conn)?;
        Ok(())
    }

    pub fn insert_lab(&mut self, l: &LabResult) -> Result<(), StoreError> {
        diesel::insert_into(labs::table).values(LabRow::from_domain(l)).execute(self.conn)?;
        Ok(())
    }

    pub fn insert_diagnosis(&mut self, d: &Diagnosis) -> Result<(), StoreError> {
        diesel::insert_into(diagnoses::table).values(DiagnosisRow::from_domain(d)).execute(self.conn)?;
        Ok(())
    }

    pub fn insert_coverage(&mut self, c: &Coverage) -> Result<(), StoreError> {
        diesel::insert_into(coverages::table).values(CoverageRow::from_domain(c)).execute(self.conn)?;
        Ok(())
    }

    pub fn insert_access_device(&mut self, d: &AccessDevice) -> Result<(), StoreError> {
        diesel::insert_into(devices::table).values(DeviceRow::from_domain(d)).execute(self.conn)?;
        Ok(())
    }

    /// Writes the allergy (its `version` already the new one) if the stored version is the one before.
    pub fn update_allergy(&mut self, a: &Allergy) -> Result<(), StoreError> {
        let row = AllergyRow::from_domain(a);
        one_row(
            diesel::update(
                allergies::table.filter(allergies::id.eq(&row.id)).filter(allergies::version.eq(a.version - 1)),
            )
            .set(&row)
            .execute(self.conn)?,
        )
    }

    pub fn update_coverage(&mut self, c: &Coverage) -> Result<(), StoreError> {
        let row = CoverageRow::from_domain(c);
        one_row(
            diesel::update(
                coverages::table.filter(coverages::id.eq(&row.id)).filter(coverages::version.eq(c.version - 1)),
            )
            .set(&row)
            .execute(self.conn)?,
        )
    }

    pub fn update_access_device(&mut self, d: &AccessDevice) -> Result<(), StoreError> {
        let row = DeviceRow::from_domain(d);
        one_row(
            diesel::update(devices::table.filter(devices::id.eq(&row.id)).filter(devices::version.eq(d.version - 1)))
                .set(&row)
                .execute(self.conn)?,
        )
    }

    pub fn find_allergy(&mut self, id: &str) -> Result<Allergy, StoreError> {
        allergies::table.find(id).select(AllergyRow::as_select()).first(self.conn)?.into_domain()
    }

    pub fn find_coverage(&mut self, id: &str) -> Result<Coverage, StoreError> {
        coverages::table.find(id).select(CoverageRow::as_select()).first(self.conn)?.into_domain()
    }

    pub fn find_access_device(&mut self, id: &str) -> Result<AccessDevice, StoreError> {
        devices::table.find(id).select(DeviceRow::as_select()).first(self.conn)?.into_domain()
    }

    pub fn allergies(&mut self, patient: PatientId) -> Result<Vec<Allergy>, StoreError> {
        allergies::table
            .filter(allergies::patient_id.eq(patient.to_string()))
            .order(allergies::id.desc())
            .select(AllergyRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(AllergyRow::into_domain)
            .collect()
    }

    pub fn measurements(&mut self, patient: PatientId) -> Result<Vec<Measurement>, StoreError> {
        measurements::table
            .filter(measurements::patient_id.eq(patient.to_string()))
            .order((measurements::measured_at.desc(), measurements::id.desc()))
            .select(MeasurementRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(MeasurementRow::into_domain)
            .collect()
    }

    pub fn labs(&mut self, patient: PatientId) -> Result<Vec<LabResult>, StoreError> {
        labs::table
            .filter(labs::patient_id.eq(patient.to_string()))
            .order((labs::collected_at.desc(), labs::id.desc()))
            .select(LabRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(LabRow::into_domain)
            .collect()
    }

    pub fn diagnoses(&mut self, patient: PatientId) -> Result<Vec<Diagnosis>, StoreError> {
        diagnoses::table
            .filter(diagnoses::patient_id.eq(patient.to_string()))
            .order((diagnoses::is_primary.desc(), diagnoses::id))
            .select(DiagnosisRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(DiagnosisRow::into_domain)
            .collect()
    }

    pub fn coverages(&mut self, patient: PatientId) -> Result<Vec<Coverage>, StoreError> {
        coverages::table
            .filter(coverages::patient_id.eq(patient.to_string()))
            .order((coverages::priority, coverages::id))
            .select(CoverageRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(CoverageRow::into_domain)
            .collect()
    }

    pub fn access_devices(&mut self, patient: PatientId) -> Result<Vec<AccessDevice>, StoreError> {
        devices::table
            .filter(devices::patient_id.eq(patient.to_string()))
            .order((devices::inserted_on.desc(), devices::id))
            .select(DeviceRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(DeviceRow::into_domain)
            .collect()
    }

    /// The records decision support reads (allergies, measurements, labs, access devices) in two statements, through
    /// the views `patient_observations` and `patient_allergies_and_devices`, each list in the order its own reader
    /// returns; diagnoses and coverages are left empty.
    pub fn clinical(&mut self, patient: PatientId) -> Result<PatientRecords, StoreError> {
        use crate::schema::{patient_allergies_and_devices as ad, patient_observations as ob};
        let id = patient.to_string();
        type Observation = (String, String, String, String, String, String, NaiveDateTime, NaiveDateTime);
        let observations: Vec<Observation> = ob::table
            .filter(ob::patient_id.eq(&id))
            .select((
                ob::source,
                ob::id,
                ob::patient_id,
                ob::code,
                ob::value,
                ob::unit,
                ob::observed_at,
                ob::recorded_at,
            ))
            .load(self.conn)?;
        let (mut measurements, mut labs) = (Vec::new(), Vec::new());
        for (source, id, patient_id, code, value, unit, at, recorded_at) in observations {
            if source == "m" {
                let row = MeasurementRow { id, patient_id, kind: code, value, unit, measured_at: at, recorded_at };
                measurements.push(row.into_domain()?);
            } else {
                let row = LabRow { id, patient_id, loinc: code, value, unit, collected_at: at, recorded_at };
                labs.push(row.into_domain()?);
            }
        }
        measurements.sort_by_key(|m| std::cmp::Reverse((m.fields.measured_at, m.id.to_string())));
        labs.sort_by_key(|l| std::cmp::Reverse((l.fields.collected_at, l.id.to_string())));
        let rows: Vec<AllergyOrDeviceRow> =
            ad::table.filter(ad::patient_id.eq(&id)).select(AllergyOrDeviceRow::as_select()).load(self.conn)?;
        let (mut allergies, mut access_devices) = (Vec::new(), Vec::new());
        for row in rows {
            match row.split() {
                Some(Ok(a)) => allergies.push(a.into_domain()?),
                Some(Err(d)) => access_devices.push(d.into_domain()?),
                None => return Err(StoreError::corrupt("patient_allergies_and_devices", "source", row_source())),
            }
        }
        allergies.sort_by_key(|a: &Allergy| std::cmp::Reverse(a.id.to_string()));
        access_devices.sort_by_key(|d: &AccessDevice| (std::cmp::Reverse(d.fields.inserted_on), d.id.to_string()));
        Ok(PatientRecords {
            allergies,
            measurements,
            labs,
            diagnoses: Vec::new(),
            coverages: Vec::new(),
            access_devices,
        })
    }

    pub fn all(&mut self, patient: PatientId) -> Result<PatientRecords, StoreError> {
        Ok(PatientRecords {
            allergies: self.allergies(patient)?,
            measurements: self.measurements(patient)?,
            labs: self.labs(patient)?,
            diagnoses: self.diagnoses(patient)?,
            coverages: self.coverages(patient)?,
            access_devices: self.access_devices(patient)?,
        })
    }
}
