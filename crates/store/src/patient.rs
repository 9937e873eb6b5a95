//! Patients table: insert, optimistic update, lookup, duplicate detection and name/MRN search with keyset cursors.

use diesel::prelude::*;
use domain::codes::{CountryCode, Email, Language, Mrn, Phone, PostalCode};
use domain::patient::{Address, Coordinates, EmergencyContact, Patient, PatientFields, PatientStatus, Sex, SiteOfCare};
use domain::{BranchId, PatientId};

use crate::conn::MultiBackend;
use crate::schema::{branches, patient_search_terms as terms, patients};

diesel::alias!(terms as other_terms: OtherTerms);
use crate::{DbConn, StoreError, from_db_time, parse_checked, parse_id, parse_text, to_db_time};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = patients, treat_none_as_null = true)]
pub struct PatientRow {
    pub id: String,
    pub version: i64,
    pub branch_id: String,
    pub mrn: String,
    pub given_name: String,
    pub middle_name: Option<String>,
    pub family_name: String,
    pub given_key: String,
    pub family_key: String,
    pub birth_date: chrono::NaiveDate,
    pub sex: String,
    pub language: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub emergency_contact_name: Option<String>,
    pub emergency_contact_relationship: Option<String>,
    pub emergency_contact_phone: Option<String>,
    pub status: String,
    pub site_of_care: String,
    pub possible_duplicate_of: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// The search key of a name: lower-cased with Unicode rules, so search is case-insensitive on both backends.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// The words of a name or a search text, the way terms are cut: at white space and hyphens, lower-cased.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == '-').map(name_key).filter(|w| !w.is_empty()).collect()
}

const T: &str = "patients";

impl PatientRow {
    fn from_domain(p: &Patient) -> Self {
        let f = &p.fields;
        let address = f.address.as_ref();
        let contact = f.emergency_contact.as_ref();
        PatientRow {
            id: p.id.to_string(),
            version: p.version,
            branch_id: p.branch_id.to_string(),
            mrn: f.mrn.to_string(),
            given_name: f.given_name.clone(),
            middle_name: f.middle_name.clone(),
            family_name: f.family_name.clone(),
            given_key: name_key(&f.given_name),
            family_key: name_key(&f.family_name),
            birth_date: f.birth_date,
            sex: f.sex.to_string(),
            language: f.language.to_string(),
            phone: f.phone.as_ref().map(ToString::to_string),
            email: f.email.as_ref().map(ToString::to_string),
            address_line1: address.map(|a| a.line1.clone()),
            address_line2: address.and_then(|a| a.line2.clone()),
            city: address.map(|a| a.city.clone()),
            region: address.and_then(|a| a.region.clone()),
            postal_code: address.map(|a| a.postal_code.to_string()),
            country: address.map(|a| a.country.to_string()),
            latitude: f.coordinates.map(|c| c.latitude),
            longitude: f.coordinates.map(|c| c.longitude),
            emergency_contact_name: contact.map(|c| c.name.clone()),
            emergency_contact_relationship: contact.and_then(|c| c.relationship.clone()),
            emergency_contact_phone: contact.and_then(|c| c.phone.as_ref().map(ToString::to_string)),
            status: f.status.to_string(),
            site_of_care: f.site_of_care.to_string(),
            possible_duplicate_of: p.possible_duplicate_of.map(|id| id.to_string()),
            created_at: to_db_time(p.created_at),
            updated_at: to_db_time(p.updated_at),
        }
    }

    fn into_domain(self, branch_code: String) -> Result<Patient, StoreError> {
        let address = match (self.address_line1, self.city, self.postal_code, self.country) {
            (Some(line1), Some(city), Some(postal_code), Some(country)) => Some(Address {
                line1,
                line2: self.address_line2,
                city,
                region: self.region,
                postal_code: parse_checked(T, "postal_code", &postal_code, PostalCode::parse)?,
                country: parse_checked(T, "country", &country, CountryCode::parse)?,
            }),
            _ => None,
        };
        let coordinates = match (self.latitude, self.longitude) {
            (Some(latitude), Some(longitude)) => Some(Coordinates { latitude, longitude }),
            _ => None,
        };
        let emergency_contact = match self.emergency_contact_name {
            Some(name) => Some(EmergencyContact {
                name,
                relationship: self.emergency_contact_relationship,
                phone: self
                    .emergency_contact_phone
                    .map(|p| parse_checked(T, "emergency_contact_phone", &p, Phone::parse))
                    .transpose()?,
            }),
            None => None,
        };
        let fields = PatientFields {
            mrn: parse_checked(T, "mrn", &self.mrn, Mrn::parse)?,
            given_name: self.given_name,
            middle_name: self.middle_name,
            family_name: self.family_name,
            birth_date: self.birth_date,
            sex: parse_text(T, "sex", &self.sex, Sex::parse)?,
            language: parse_checked(T, "language", &self.language, Language::parse)?,
            phone: self.phone.map(|p| parse_checked(T, "phone", &p, Phone::parse)).transpose()?,
            email: self.email.map(|e| parse_checked(T, "email", &e, Email::parse)).transpose()?,
            address,
            coordinates,
            emergency_contact,
            status: parse_text(T, "status", &self.status, PatientStatus::parse)?,
            site_of_care: parse_text(T, "site_of_care", &self.site_of_care, SiteOfCare::parse)?,
        };
        Ok(Patient {
            id: parse_id(T, "id", &self.id)?,
            version: self.version,
            branch_id: parse_id(T, "branch_id", &self.branch_id)?,
            branch_code,
            fields,
            possible_duplicate_of: self
                .possible_duplicate_of
                .map(|id| parse_id(T, "possible_duplicate_of", &id))
                .transpose()?,
            created_at: from_db_time(self.created_at),
            updated_at: from_db_time(self.updated_at),
        })
    }
}

/// Where a page of search results continues: the sort key of the last row shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientCursor {
    pub family_key: String,
    pub given_key: String,
    pub id: String,
}

#[derive(Debug, Clone, Default)]
pub struct PatientFilter {
    /// Lower-cased words; each must be the start of a word of the patient's names or of the MRN.
    pub words: Vec<String>,
    /// Only patients of these branches (the caller's readable branches).
    pub branch_ids: Vec<BranchId>,
    pub after: Option<PatientCursor>,
    pub limit: i64,
}

pub struct PatientRepository<'a> {
    conn: &'a mut DbConn,
}

type PatientWithBranch = (PatientRow, String);

impl<'a> PatientRepository<'a> {
    pub fn new(conn: &'a mut DbConn) -> Self {
        Self { conn }
    }

    pub fn insert(&mut self, patient: &Patient) -> Result<(), StoreError> {
        diesel::insert_into(patients::table).values(PatientRow::from_domain(patient)).execute(self.conn)?;
        insert_terms(self.conn, std::slice::from_ref(patient))
    }

    /// Writes `patient` (its `version` already the new one) if the stored version is the one before; a stale or
    /// missing row is `StaleVersion` / `NotFound`.
    pub fn update(&mut self, patient: &Patient) -> Result<(), StoreError> {
        let row = PatientRow::from_domain(patient);
        let changed = diesel::update(patients::table)
            .filter(patients::id.eq(&row.id))
            .filter(patients::version.eq(patient.version - 1))
            .set(&row)
            .execute(self.conn)?;
        match changed {
            1 => {
                diesel::delete(terms::table.filter(terms::patient_id.eq(&row.id))).execute(self.conn)?;
                insert_terms(self.conn, std::slice::from_ref(patient))
            }
            _ if self.exists(patient.id)? => Err(StoreError::StaleVersion),
            _ => Err(StoreError::NotFound),
        }
    }

    pub fn exists(&mut self, id: PatientId) -> Result<bool, StoreError> {
        Ok(diesel::select(diesel::dsl::exists(patients::table.find(id.to_string()))).get_result(self.conn)?)
    }

    pub fn find(&mut self, id: PatientId) -> Result<Patient, StoreError> {
        let (row, code): PatientWithBranch = patients::table
            .inner_join(branches::table)
            .filter(patients::id.eq(id.to_string()))
            .select((PatientRow::as_select(), branches::code))
            .first(self.conn)?;
        row.into_domain(code)
    }

    /// A patient, their branch and the formulary's stamp (see `FormularyRepository::stamp`) in one round trip:
    /// what decision support needs before it reads the records.
    pub fn find_for_checks(
        &mut self,
        id: PatientId,
    ) -> Result<(Patient, domain::branch::Branch, crate::formulary::Stamp), StoreError> {
        use crate::schema::formulary_entries as f;
        use diesel::dsl::{count_star, max};
        let entries = f::table.select(count_star()).single_value();
        let latest = f::table.select(max(f::updated_at)).single_value();
        let (row, branch, count, latest): (
            PatientRow,
            crate::branch::BranchRow,
            Option<i64>,
            Option<chrono::NaiveDateTime>,
        ) = patients::table
            .inner_join(branches::table)
            .filter(patients::id.eq(id.to_string()))
            .select((PatientRow::as_select(), crate::branch::BranchRow::as_select(), entries, latest))
            .first(self.conn)?;
        let patient = row.into_domain(branch.code.clone())?;
        Ok((patient, branch.into_domain()?, (count.unwrap_or(0), latest)))
    }

    /// The patients with these ids (those that exist).
    pub fn find_many(&mut self, ids: &[PatientId]) -> Result<Vec<Patient>, StoreError> {
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let rows: Vec<PatientWithBranch> = patients::table
            .inner_join(branches::table)
            .filter(patients::id.eq_any(ids))
            .select((PatientRow::as_select(), branches::code))
            .load(self.conn)?;
        rows.into_iter().map(|(row, code)| row.into_domain(code)).collect()
    }

    pub fn find_by_mrn(&mut self, mrn: &Mrn) -> Result<Option<PatientId>, StoreError> {
        let id: Option<String> =
            patients::table.filter(patients::mrn.eq(mrn.as_str())).select(patients::id).first(self.conn).optional()?;
        id.map(|id| parse_id(T, "id", &id)).transpose()
    }

    /// The earliest other patient with the same names (case-insensitive) and birth date.
    pub fn find_same_identity(
        &mut self,
        fields: &PatientFields,
        except: Option<PatientId>,
    ) -> Result<Option<PatientId>, StoreError> {
        let except = except.map(|id| id.to_string()).unwrap_or_default();
        let id: Option<String> = patients::table
            .filter(patients::family_key.eq(name_key(&fields.family_name)))
            .filter(patients::given_key.eq(name_key(&fields.given_name)))
            .filter(patients::birth_date.eq(fields.birth_date))
            .filter(patients::id.ne(except))
            .order(patients::id)
            .select(patients::id)
            .first(self.conn)
            .optional()?;
        id.map(|id| parse_id(T, "id", &id)).transpose()
    }

    /// One page of patients in name order; `limit + 1` rows are read so the caller knows whether more follow.
    pub fn search(&mut self, filter: &PatientFilter) -> Result<Vec<Patient>, StoreError> {
        let rows = match filter.words.iter().enumerate().max_by_key(|(_, w)| w.chars().count()) {
            None => self.page_by_name(filter)?,
            Some((driver, _)) => self.page_by_terms(filter, driver)?,
        };
        let codes: Vec<(String, String)> = branches::table.select((branches::id, branches::code)).load(self.conn)?;
        rows.into_iter()
            .map(|row| {
                let code =
                    codes.iter().find(|(id, _)| *id == row.branch_id).map(|(_, code)| code.clone()).unwrap_or_default();
                row.into_domain(code)
            })
            .collect()
    }

    /// Without search words: the name index in order. No join and no index on the branch (a low-selectivity
    /// filter), so SQLite walks the name index without planner statistics.
    fn page_by_name(&mut self, filter: &PatientFilter) -> Result<Vec<PatientRow>, StoreError> {
        let branch_ids: Vec<String> = filter.branch_ids.iter().map(ToString::to_string).collect();
        let mut query = patients::table
            .select(PatientRow::as_select())
            .filter(patients::branch_id.eq_any(branch_ids))
            .into_boxed::<MultiBackend>();
        if let Some(after) = &filter.after {
            let (family, given, id) = (after.family_key.clone(), after.given_key.clone(), after.id.clone());
            query = query.filter(patients::family_key.gt(family.clone()).or(patients::family_key.eq(family).and(
                patients::given_key.gt(given.clone()).or(patients::given_key.eq(given).and(patients::id.gt(id))),
            )));
        }
        Ok(query
            .order((patients::family_key, patients::given_key, patients::id))
            .limit(filter.limit + 1)
            .load(self.conn)?)
    }

    /// With search words: the page is chosen from the covering term index (the longest word drives the range, the
    /// others must match too), then only its rows are read from `patients`.
    fn page_by_terms(&mut self, filter: &PatientFilter, driver: usize) -> Result<Vec<PatientRow>, StoreError> {
        let branch_ids: Vec<String> = filter.branch_ids.iter().map(ToString::to_string).collect();
        let word = &filter.words[driver];
        let mut query = terms::table
            .select((terms::family_key, terms::given_key, terms::patient_id))
            .distinct()
            .filter(terms::term.ge(word.clone()))
            .filter(terms::term.lt(prefix_successor(word)))
            .filter(terms::branch_id.eq_any(branch_ids))
            .into_boxed::<MultiBackend>();
        for (_, other) in filter.words.iter().enumerate().filter(|(i, _)| *i != driver) {
            let matching = other_terms
                .filter(other_terms.field(terms::term).ge(other.clone()))
                .filter(other_terms.field(terms::term).lt(prefix_successor(other)))
                .select(other_terms.field(terms::patient_id));
            query = query.filter(terms::patient_id.eq_any(matching));
        }
        if let Some(after) = &filter.after {
            let (family, given, id) = (after.family_key.clone(), after.given_key.clone(), after.id.clone());
            query =
                query.filter(terms::family_key.gt(family.clone()).or(terms::family_key.eq(family).and(
                    terms::given_key.gt(given.clone()).or(terms::given_key.eq(given).and(terms::patient_id.gt(id))),
                )));
        }
        let keys: Vec<(String, String, String)> = query
            .order((terms::family_key, terms::given_key, terms::patient_id))
            .limit(filter.limit + 1)
            .load(self.conn)?;
        let ids: Vec<String> = keys.into_iter().map(|(_, _, id)| id).collect();
        let mut rows: Vec<PatientRow> =
            patients::table.filter(patients::id.eq_any(&ids)).select(PatientRow::as_select()).load(self.conn)?;
        rows.sort_by_key(|row| ids.iter().position(|id| *id == row.id));
        Ok(rows)
    }

    pub fn count(&mut self) -> Result<i64, StoreError> {
        Ok(patients::table.count().get_result(self.conn)?)
    }
}

/// The cursor that continues after `patient`.
pub fn cursor_after(patient: &Patient) -> PatientCursor {
    PatientCursor {
        family_key: name_key(&patient.fields.family_name),
        given_key: name_key(&patient.fields.given_name),
        id: patient.id.to_string(),
    }
}

/// The least string greater than every string that starts with `prefix` (in code point order, which is byte order
/// for UTF-8 on both backends: SQLite BINARY, PostgreSQL `COLLATE "C"`), so `term >= prefix AND term < successor`
/// is a prefix match an index can answer.
pub fn prefix_successor(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return chars.into_iter().collect();
        }
    }
    char::MAX.to_string()
}

/// The search terms of a patient: each lower-cased word of the given, middle and family names (split at spaces and
/// hyphens), and the lower-cased MRN.
pub fn search_terms(patient: &Patient) -> Vec<String> {
    let f = &patient.fields;
    let names = [Some(&f.given_name), f.middle_name.as_ref(), Some(&f.family_name)];
    let mut terms: Vec<String> = names.into_iter().flatten().flat_map(|name| words(name)).collect();
    terms.push(f.mrn.as_str().to_lowercase());
    terms.sort();
    terms.dedup();
    terms
}

/// A search term row: the term, and the patient's id, branch and sort keys.
#[derive(Insertable)]
#[diesel(table_name = terms)]
struct TermRow {
    term: String,
    patient_id: String,
    branch_id: String,
    family_key: String,
    given_key: String,
}

fn insert_terms(conn: &mut DbConn, patients: &[Patient]) -> Result<(), StoreError> {
    let rows: Vec<TermRow> = patients
        .iter()
        .flat_map(|p| {
            search_terms(p).into_iter().map(|term| TermRow {
                term,
                patient_id: p.id.to_string(),
                branch_id: p.branch_id.to_string(),
                family_key: name_key(&p.fields.family_name),
                given_key: name_key(&p.fields.given_name),
            })
        })
        .collect();
    for values in rows.chunks(1_000) {
        // Multi-row VALUES is not expressible on the MultiBackend; each backend takes it natively.
        match conn {
            DbConn::Pg(pg) => diesel::insert_into(terms::table).values(values).execute(pg)?,
            DbConn::Sqlite(lite) => diesel::insert_into(terms::table).values(values).execute(lite)?,
        };
    }
    Ok(())
}

/// Batch insert for synthetic data loads (demo, benchmarks): one statement per chunk.
pub fn insert_many(conn: &mut DbConn, patients: &[Patient]) -> Result<(), StoreError> {
    let rows: Vec<PatientRow> = patients.iter().map(PatientRow::from_domain).collect();
    for chunk in rows.chunks(500) {
        // Multi-row VALUES is not expressible on the MultiBackend; each backend takes it natively.
        match conn {
            DbConn::Pg(pg) => diesel::insert_into(patients::table).values(chunk).execute(pg)?,
            DbConn::Sqlite(lite) => diesel::insert_into(patients::table).values(chunk).execute(lite)?,
        };
    }
    insert_terms(conn, patients)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successor_bounds_every_string_with_the_prefix() {
        assert_eq!(prefix_successor("smi"), "smj");
        assert_eq!(prefix_successor("zz"), "z{");
        assert_eq!(prefix_successor("á"), "â");
        assert_eq!(prefix_successor("a\u{D7FF}"), "a\u{E000}", "skips the surrogate range");
        for word in ["smith", "smi", "smiz", "smi\u{10FFFF}"] {
            assert!(word >= "smi" && word < prefix_successor("smi").as_str(), "{word}");
        }
        assert!("smj" >= prefix_successor("smi").as_str());
    }
}
