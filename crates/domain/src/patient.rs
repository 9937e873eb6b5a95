//! The patient: demographics, contact, address, status and site of care. `PatientInput` is what a form or JSON body
//! says; `PatientInput::validate` turns it into `PatientFields` or reports every field rule broken.

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::{CountryCode, Email, Language, Mrn, Phone, PostalCode, clean_text, optional_text};
use crate::{BranchId, PatientId, Validation, ValidationErrors};

crate::text_enum! {
    /// Administrative sex (FHIR `AdministrativeGender`).
    pub enum Sex { Female => "female", Male => "male", Other => "other", Unknown => "unknown" }
}

crate::text_enum! {
    /// Where the patient is in the service: referred, on service, paused, or discharged.
    pub enum PatientStatus { Referral => "referral", Active => "active", OnHold => "on_hold", Discharged => "discharged" }
}

crate::text_enum! {
    /// Where infusions are given.
    pub enum SiteOfCare {
        Home => "home",
        AmbulatoryInfusionCentre => "ambulatory_infusion_centre",
        AmbulatorySurgicalCentre => "ambulatory_surgical_centre",
        HospitalClinic => "hospital_clinic",
        Mobile => "mobile",
    }
}

impl Sex {
    pub fn label(self) -> &'static str {
        match self {
            Sex::Female => "Female",
            Sex::Male => "Male",
            Sex::Other => "Other",
            Sex::Unknown => "Unknown",
        }
    }
}

impl PatientStatus {
    pub fn label(self) -> &'static str {
        match self {
            PatientStatus::Referral => "Referral",
            PatientStatus::Active => "Active",
            PatientStatus::OnHold => "On hold",
            PatientStatus::Discharged => "Discharged",
        }
    }
}

impl SiteOfCare {
    pub fn label(self) -> &'static str {
        match self {
            SiteOfCare::Home => "Home",
            SiteOfCare::AmbulatoryInfusionCentre => "Ambulatory infusion centre",
            SiteOfCare::AmbulatorySurgicalCentre => "Ambulatory surgical centre",
            SiteOfCare::HospitalClinic => "Hospital clinic",
            SiteOfCare::Mobile => "Mobile unit",
        }
    }
}

/// The oldest birth date accepted, in years before today.
pub const MAX_AGE_YEARS: u32 = 130;

/// A patient as a form or JSON body gives it: every field optional text, nothing trusted yet. Unknown JSON fields
/// are refused. `latitude`/`longitude` accept a JSON number or a decimal string.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatientInput {
    pub mrn: Option<String>,
    pub given_name: Option<String>,
    pub middle_name: Option<String>,
    pub family_name: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub language: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    #[serde(default, deserialize_with = "crate::patient::string_or_number")]
    pub latitude: Option<String>,
    #[serde(default, deserialize_with = "crate::patient::string_or_number")]
    pub longitude: Option<String>,
    pub emergency_contact_name: Option<String>,
    pub emergency_contact_relationship: Option<String>,
    pub emergency_contact_phone: Option<String>,
    pub status: Option<String>,
    pub site_of_care: Option<String>,
    pub branch_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Address {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: PostalCode,
    pub country: CountryCode,
}

/// WGS 84 coordinates in decimal degrees (used for routing home visits, not a dose).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Coordinates {
    pub latitude: f64,
    pub longitude: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EmergencyContact {
    pub name: String,
    pub relationship: Option<String>,
    pub phone: Option<Phone>,
}

/// A validated patient, ready to store.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PatientFields {
    pub mrn: Mrn,
    pub given_name: String,
    pub middle_name: Option<String>,
    pub family_name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub language: Language,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub address: Option<Address>,
    pub coordinates: Option<Coordinates>,
    pub emergency_contact: Option<EmergencyContact>,
    pub status: PatientStatus,
    pub site_of_care: SiteOfCare,
}

/// A stored patient.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Patient {
    pub id: PatientId,
    pub version: i64,
    pub branch_id: BranchId,
    pub branch_code: String,
    #[serde(flatten)]
    pub fields: PatientFields,
    /// Set on create when another patient has the same given name, family name and birth date.
    pub possible_duplicate_of: Option<PatientId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PatientInput {
    /// Checks every field; `today` is the branch's local date (birth dates may not lie after it).
    pub fn validate(&self, today: NaiveDate) -> Result<PatientFields, ValidationErrors> {
        let mut v = Validation::new();
        let mrn = v.check("mrn", Mrn::parse(self.mrn.as_deref().unwrap_or_default()));
        let given_name = v.check("given_name", clean_text(self.given_name.as_deref().unwrap_or_default(), 100));
        let middle_name = v.check("middle_name", optional_text(self.middle_name.as_deref(), 100));
        let family_name = v.check("family_name", clean_text(self.family_name.as_deref().unwrap_or_default(), 100));
        let birth_date = v.check("birth_date", parse_birth_date(self.birth_date.as_deref(), today));
        let sex = v.check("sex", parse_required_enum(self.sex.as_deref(), Sex::parse, Sex::expected));
        let language = v.check(
            "language",
            match non_empty(self.language.as_deref()) {
                None => Ok(Language::english()),
                Some(text) => Language::parse(text),
            },
        );
        let phone = v.check("phone", optional(self.phone.as_deref(), Phone::parse));
        let email = v.check("email", optional(self.email.as_deref(), Email::parse));
        let address = self.validate_address(&mut v);
        let coordinates = self.validate_coordinates(&mut v);
        let emergency_contact = self.validate_emergency_contact(&mut v);
        let status = v.check(
            "status",
            parse_enum_or(
                self.status.as_deref(),
                PatientStatus::Referral,
                PatientStatus::parse,
                PatientStatus::expected,
            ),
        );
        let site_of_care = v.check(
            "site_of_care",
            parse_enum_or(self.site_of_care.as_deref(), SiteOfCare::Home, SiteOfCare::parse, SiteOfCare::expected),
        );
        v.finish(|| {
            Some(PatientFields {
                mrn: mrn?,
                given_name: given_name?,
                middle_name: middle_name?,
                family_name: family_name?,
                birth_date: birth_date?,
                sex: sex?,
                language: language?,
                phone: phone?,
                email: email?,
                address: address?,
                coordinates: coordinates?,
                emergency_contact: emergency_contact?,
                status: status?,
                site_of_care: site_of_care?,
            })
        })
    }

    /// All address parts or none: a partial address cannot be visited.
    fn validate_address(&self, v: &mut Validation) -> Option<Option<Address>> {
        let parts =
            [&self.address_line1, &self.address_line2, &self.city, &self.region, &self.postal_code, &self.country];
        if parts.iter().all(|p| non_empty(p.as_deref()).is_none()) {
            return Some(None);
        }
        let line1 = v.check("address_line1", clean_text(self.address_line1.as_deref().unwrap_or_default(), 200));
        let line2 = v.check("address_line2", optional_text(self.address_line2.as_deref(), 200));
        let city = v.check("city", clean_text(self.city.as_deref().unwrap_or_default(), 100));
        let region = v.check("region", optional_text(self.region.as_deref(), 100));
        let postal_code = v.check("postal_code", PostalCode::parse(self.postal_code.as_deref().unwrap_or_default()));
        let country = v.check("country", CountryCode::parse(self.country.as_deref().unwrap_or_default()));
        Some(Some(Address {
            line1: line1?,
            line2: line2?,
            city: city?,
            region: region?,
            postal_code: postal_code?,
            country: country?,
        }))
    }

    fn validate_coordinates(&self, v: &mut Validation) -> Option<Option<Coordinates>> {
        let latitude = non_empty(self.latitude.as_deref());
        let longitude = non_empty(self.longitude.as_deref());
        if latitude.is_none() && longitude.is_none() {
            return Some(None);
        }
        let latitude = v.check("latitude", parse_degrees(latitude, 90.0, "longitude"));
        let longitude = v.check("longitude", parse_degrees(longitude, 180.0, "latitude"));
        Some(Some(Coordinates { latitude: latitude?, longitude: longitude? }))
    }

    fn validate_emergency_contact(&self, v: &mut Validation) -> Option<Option<EmergencyContact>> {
        let given = [&self.emergency_contact_name, &self.emergency_contact_relationship, &self.emergency_contact_phone];
        if given.iter().all(|p| non_empty(p.as_deref()).is_none()) {
            return Some(None);
        }
        let name = v.check(
            "emergency_contact_name",
            clean_text(self.emergency_contact_name.as_deref().unwrap_or_default(), 100),
        );
        let relationship = v
            .check("emergency_contact_relationship", optional_text(self.emergency_contact_relationship.as_deref(), 50));
        let phone = v.check("emergency_contact_phone", optional(self.emergency_contact_phone.as_deref(), Phone::parse));
        Some(Some(EmergencyContact { name: name?, relationship: relationship?, phone: phone? }))
    }
}

impl Patient {
    /// The patient as input again, for edit forms and for applying a PATCH on top of the stored values.
    pub fn to_input(&self) -> PatientInput {
        let f = &self.fields;
        let address = f.address.as_ref();
        let contact = f.emergency_contact.as_ref();
        PatientInput {
            mrn: Some(f.mrn.to_string()),
            given_name: Some(f.given_name.clone()),
            middle_name: f.middle_name.clone(),
            family_name: Some(f.family_name.clone()),
            birth_date: Some(f.birth_date.to_string()),
            sex: Some(f.sex.to_string()),
            language: Some(f.language.to_string()),
            phone: f.phone.as_ref().map(ToString::to_string),
            email: f.email.as_ref().map(ToString::to_string),
            address_line1: address.map(|a| a.line1.clone()),
            address_line2: address.and_then(|a| a.line2.clone()),
            city: address.map(|a| a.city.clone()),
            region: address.and_then(|a| a.region.clone()),
            postal_code: address.map(|a| a.postal_code.to_string()),
            country: address.map(|a| a.country.to_string()),
            latitude: f.coordinates.map(|c| c.latitude.to_string()),
            longitude: f.coordinates.map(|c| c.longitude.to_string()),
            emergency_contact_name: contact.map(|c| c.name.clone()),
            emergency_contact_relationship: contact.and_then(|c| c.relationship.clone()),
            emergency_contact_phone: contact.and_then(|c| c.phone.as_ref().map(ToString::to_string)),
            status: Some(f.status.to_string()),
            site_of_care: Some(f.site_of_care.to_string()),
            branch_code: Some(self.branch_code.clone()),
        }
    }

    /// "Family, Given Middle" as lists and headings show it.
    pub fn display_name(&self) -> String {
        let f = &self.fields;
        match &f.middle_name {
            Some(middle) => format!("{}, {} {}", f.family_name, f.given_name, middle),
            None => format!("{}, {}", f.family_name, f.given_name),
        }
    }

    /// Age in whole years on `today`.
    pub fn age_on(&self, today: NaiveDate) -> u32 {
        today.years_since(self.fields.birth_date).unwrap_or(0)
    }
}

pub(crate) fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

pub(crate) fn optional<T>(
    text: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    non_empty(text).map(parse).transpose()
}

pub(crate) fn parse_required_enum<T>(
    text: Option<&str>,
    parse: impl FnOnce(&str) -> Option<T>,
    expected: fn() -> String,
) -> Result<T, String> {
    match non_empty(text) {
        None => Err("is required".into()),
        Some(text) => parse(text).ok_or_else(|| format!("must be one of {}", expected())),
    }
}

pub(crate) fn parse_enum_or<T>(
    text: Option<&str>,
    default: T,
    parse: impl FnOnce(&str) -> Option<T>,
    expected: fn() -> String,
) -> Result<T, String> {
    match non_empty(text) {
        None => Ok(default),
        Some(_) => parse_required_enum(text, parse, expected),
    }
}

/// An ISO 8601 calendar date (`YYYY-MM-DD`).
pub(crate) fn parse_date(text: Option<&str>) -> Result<NaiveDate, String> {
    let text = non_empty(text).ok_or("is required")?;
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| "must be a date in the form YYYY-MM-DD".to_owned())
}

fn parse_birth_date(text: Option<&str>, today: NaiveDate) -> Result<NaiveDate, String> {
    let date = parse_date(text)?;
    if date > today {
        return Err("must not be in the future".into());
    }
    let oldest = today.checked_sub_months(Months::new(12 * MAX_AGE_YEARS)).unwrap_or(NaiveDate::MIN);
    if date < oldest {
        return Err(format!("must be within the last {MAX_AGE_YEARS} years"));
    }
    Ok(date)
}

fn parse_degrees(text: Option<&str>, limit: f64, other: &str) -> Result<f64, String> {
    let text = text.ok_or_else(|| format!("is required when {other} is given"))?;
    let value: f64 = text.parse().map_err(|_| "must be a number of decimal degrees".to_owned())?;
    if !value.is_finite() || value.abs() > limit {
        return Err(format!("must be between -{limit} and {limit}"));
    }
    Ok(value)
}

/// Deserialises a JSON string or number into text, so `"latitude": 39.96` and `"latitude": "39.96"` both work.
pub fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(Option::<Raw>::deserialize(d)?.map(|raw| match raw {
        Raw::Text(text) => text,
        Raw::Number(number) => number.to_string(),
    }))
}

#[cfg(test)]
#[path = "patient_tests.rs"]
mod tests;
