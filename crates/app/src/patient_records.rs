//! A patient's clinical records (allergies, measurements, labs, diagnoses, coverages, access devices): list, add,
//! and change the versioned ones; plus the chart that gathers them with the derived body-size figures.

use domain::access_device::{AccessDevice, AccessDeviceInput};
use domain::allergy::{Allergy, AllergyInput};
use domain::audit::AuditAction;
use domain::coverage::{Coverage, CoverageInput};
use domain::diagnosis::{Diagnosis, DiagnosisInput};
use domain::lab::{LabInput, LabResult};
use domain::measurement::{Measurement, MeasurementInput};
use domain::patient::Patient;
use domain::role::Permission;
use domain::{AccessDeviceId, AllergyId, CoverageId, DiagnosisId, LabResultId, MeasurementId, PatientId};
use serde::Serialize;
use store::patient_records::{PatientRecordRepository, PatientRecords};
use store::{StoreError, write_tx};

use crate::{App, AppError, AuditEntry, Caller, to_json};

/// A patient with every record and the figures derived from them.
#[derive(Debug, Clone)]
pub struct PatientChart {
    pub patient: Patient,
    pub records: PatientRecords,
    pub body: clinical::body::BodySize,
}

/// A new record of one of the kinds a patient has.
pub enum NewRecord {
    Allergy(AllergyInput),
    Measurement(MeasurementInput),
    Lab(LabInput),
    Diagnosis(DiagnosisInput),
    Coverage(CoverageInput),
    AccessDevice(AccessDeviceInput),
}

/// A stored record, as created.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Record {
    Allergy(Allergy),
    Measurement(Measurement),
    Lab(LabResult),
    Diagnosis(Diagnosis),
    Coverage(Coverage),
    AccessDevice(AccessDevice),
}

/// The versioned records that can be changed after they are written (a status, an end date, a removal).
pub enum RecordChange {
    Allergy(AllergyInput),
    Coverage(CoverageInput),
    AccessDevice(AccessDeviceInput),
}

impl NewRecord {
    /// Which permission adding it needs: coverage is billing's business, the rest clinical.
    fn permission(&self) -> Permission {
        match self {
            NewRecord::Coverage(_) => Permission::CoverageWrite,
            _ => Permission::ClinicalRecordWrite,
        }
    }
}

impl Record {
    pub fn id(&self) -> String {
        match self {
            Record::Allergy(r) => r.id.to_string(),
            Record::Measurement(r) => r.id.to_string(),
            Record::Lab(r) => r.id.to_string(),
            Record::Diagnosis(r) => r.id.to_string(),
            Record::Coverage(r) => r.id.to_string(),
            Record::AccessDevice(r) => r.id.to_string(),
        }
    }

    /// The version an ETag carries: the row version of changeable records, 1 for the append-only ones.
    pub fn version(&self) -> i64 {
        match self {
            Record::Allergy(r) => r.version,
            Record::Coverage(r) => r.version,
            Record::AccessDevice(r) => r.version,
            Record::Measurement(_) | Record::Lab(_) | Record::Diagnosis(_) => 1,
        }
    }

    pub fn entity_type(&self) -> &'static str {
        match self {
            Record::Allergy(_) => "allergy",
            Record::Measurement(_) => "measurement",
            Record::Lab(_) => "lab_result",
            Record::Diagnosis(_) => "diagnosis",
            Record::Coverage(_) => "coverage",
            Record::AccessDevice(_) => "access_device",
        }
    }
}

impl App {
    /// The patient with every record, and latest weight, height, BMI and dosing weight.
    pub fn patient_chart(&self, caller: &Caller, id: PatientId) -> Result<PatientChart, AppError> {
        let patient = self.get_patient(caller, id)?;
        let records = PatientRecordRepository::new(&mut *self.conn()?).all(id)?;
        let branch = self.get_branch(patient.branch_id)?;
        let body = clinical::body::BodySize::from_measurements(
            &records.measurements,
            patient.fields.sex,
            patient.age_on(self.today_at(&branch)),
            self.now(),
        );
        Ok(PatientChart { patient, records, body })
    }

    pub fn patient_records(&self, caller: &Caller, id: PatientId) -> Result<PatientRecords, AppError> {
        self.get_patient(caller, id)?;
        Ok(PatientRecordRepository::new(&mut *self.conn()?).all(id)?)
    }

    /// Validates and stores a new record for the patient.
    pub fn add_patient_record(
        &self,
        caller: &Caller,
        patient_id: PatientId,
        new: NewRecord,
    ) -> Result<Record, AppError> {
        caller.require(new.permission())?;
        let patient = self.get_patient(caller, patient_id)?;
        caller.require_at(new.permission(), patient.branch_id)?;
        let branch = self.get_branch(patient.branch_id)?;
        let (now, zone, today) = (self.now(), branch.time_zone, self.today_at(&branch));
        let record = match new {
            NewRecord::Allergy(input) => Record::Allergy(Allergy {
                id: AllergyId::new(),
                version: 1,
                patient_id,
                fields: input.validate()?,
                recorded_at: now,
            }),
            NewRecord::Measurement(input) => Record::Measurement(Measurement {
                id: MeasurementId::new(),
                patient_id,
                fields: input.validate(zone, now)?,
                recorded_at: now,
            }),
            NewRecord::Lab(input) => Record::Lab(LabResult {
                id: LabResultId::new(),
                patient_id,
                fields: input.validate(zone, now)?,
                recorded_at: now,
            }),
            NewRecord::Diagnosis(input) => Record::Diagnosis(Diagnosis {
                id: DiagnosisId::new(),
                patient_id,
                fields: input.validate(today)?,
                recorded_at: now,
            }),
            NewRecord::Coverage(input) => Record::Coverage(Coverage {
                id: CoverageId::new(),
                version: 1,
                patient_id,
                fields: input.validate()?,
                recorded_at: now,
            }),
            NewRecord::AccessDevice(input) => Record::AccessDevice(AccessDevice {
                id: AccessDeviceId::new(),
                version: 1,
                patient_id,
                fields: input.validate(today)?,
                recorded_at: now,
            }),
        };
        let mut conn = self.conn()?;
        write_tx(&mut conn, |c| {
            let mut repo = PatientRecordRepository::new(c);
            match &record {
                Record::Allergy(r) => repo.insert_allergy(r)?,
                Record::Measurement(r) => repo.insert_measurement(r)?,
                Record::Lab(r) => repo.insert_lab(r)?,
                Record::Diagnosis(r) => repo.insert_diagnosis(r)?,
                Record::Coverage(r) => repo.insert_coverage(r)?,
                Record::AccessDevice(r) => repo.insert_access_device(r)?,
            }
            self.audit(c, caller, record_entry(AuditAction::Create, &patient, &record, serde_json::Value::Null))
        })?;
        Ok(record)
    }

    /// Changes a versioned record if `expected_version` is still the stored one.
    pub fn change_patient_record(
        &self,
        caller: &Caller,
        patient_id: PatientId,
        record_id: &str,
        expected_version: i64,
        change: RecordChange,
    ) -> Result<Record, AppError> {
        let permission = match change {
            RecordChange::Coverage(_) => Permission::CoverageWrite,
            _ => Permission::ClinicalRecordWrite,
        };
        caller.require(permission)?;
        let patient = self.get_patient(caller, patient_id)?;
        caller.require_at(permission, patient.branch_id)?;
        let today = self.today_at(&self.get_branch(patient.branch_id)?);
        let mut conn = self.conn()?;
        write_tx(&mut conn, |c| {
            let mut repo = PatientRecordRepository::new(c);
            let stale = |current: i64| AppError::StaleVersion { entity: "record", current };
            let (before, after) = match change {
                RecordChange::Allergy(input) => {
                    let current = owned(repo.find_allergy(record_id), patient_id, |r| r.patient_id, "allergy")?;
                    if current.version != expected_version {
                        return Err(stale(current.version));
                    }
                    let merged = overlay(current.to_input(), input)?;
                    let updated =
                        Allergy { version: current.version + 1, fields: merged.validate()?, ..current.clone() };
                    repo.update_allergy(&updated)?;
                    (Record::Allergy(current), Record::Allergy(updated))
                }
                RecordChange::Coverage(input) => {
                    let current = owned(repo.find_coverage(record_id), patient_id, |r| r.patient_id, "coverage")?;
                    if current.version != expected_version {
                        return Err(stale(current.version));
                    }
                    let merged = overlay(current.to_input(), input)?;
                    let updated =
                        Coverage { version: current.version + 1, fields: merged.validate()?, ..current.clone() };
                    repo.update_coverage(&updated)?;
                    (Record::Coverage(current), Record::Coverage(updated))
                }
                RecordChange::AccessDevice(input) => {
                    let current =
                        owned(repo.find_access_device(record_id), patient_id, |r| r.patient_id, "access device")?;
                    if current.version != expected_version {
                        return Err(stale(current.version));
                    }
                    let merged = overlay(current.to_input(), input)?;
                    let updated = AccessDevice {
                        version: current.version + 1,
                        fields: merged.validate(today)?,
                        ..current.clone()
                    };
                    repo.update_access_device(&updated)?;
                    (Record::AccessDevice(current), Record::AccessDevice(updated))
                }
            };
            self.audit(c, caller, record_entry(AuditAction::Update, &patient, &after, to_json(&before)))?;
            Ok(after)
        })
    }
}

/// A record found by id that belongs to the patient in the path, else not found.
fn owned<T>(
    found: Result<T, StoreError>,
    patient_id: PatientId,
    of: impl Fn(&T) -> PatientId,
    entity: &'static str,
) -> Result<T, AppError> {
    let record = found.map_err(AppError::not_found_as(entity))?;
    if of(&record) == patient_id { Ok(record) } else { Err(AppError::NotFound(entity)) }
}

/// The stored input with the fields a change sets (non-`None`) laid over it.
fn overlay<T: Serialize + serde::de::DeserializeOwned>(current: T, change: T) -> Result<T, AppError> {
    let mut base = match serde_json::to_value(current) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    if let Ok(serde_json::Value::Object(patch)) = serde_json::to_value(change) {
        for (key, value) in patch.into_iter().filter(|(_, v)| !v.is_null()) {
            base.insert(key, value);
        }
    }
    serde_json::from_value(serde_json::Value::Object(base)).map_err(|e| AppError::invalid("body", e.to_string()))
}

fn record_entry(
    action: AuditAction,
    patient: &Patient,
    record: &Record,
    before: serde_json::Value,
) -> AuditEntry<'static> {
    AuditEntry {
        action,
        entity_type: record.entity_type(),
        entity_id: record.id(),
        branch_id: Some(patient.branch_id),
        patient_id: Some(patient.id.to_string()),
        before,
        after: to_json(record),
        reason: None,
    }
}
