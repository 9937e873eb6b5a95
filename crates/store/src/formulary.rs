//! Formulary entries: the live copy of each entry as a JSON document with a row version, and every version kept.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::formulary::FormularyEntry;

use crate::schema::{formulary_entries, formulary_entry_versions};
use crate::{DbConn, StoreError, from_db_time, to_db_time};

/// What changes whenever the formulary does: (number of entries, latest change).
pub type Stamp = (i64, Option<chrono::NaiveDateTime>);

/// An entry as stored, with who changed it last.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEntry {
    pub entry: FormularyEntry,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// One kept version of an entry.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryVersion {
    pub version: i64,
    pub entry: FormularyEntry,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
    pub reason: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = formulary_entries)]
struct EntryRow {
    code: String,
    version: i64,
    name: String,
    therapy_class: String,
    document: String,
    updated_at: chrono::NaiveDateTime,
    updated_by: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = formulary_entry_versions)]
struct VersionRow {
    code: String,
    version: i64,
    document: String,
    changed_at: chrono::NaiveDateTime,
    changed_by: String,
    reason: String,
}

const T: &str = "formulary_entries";

fn document(entry: &FormularyEntry) -> Result<String, StoreError> {
    serde_json::to_string(entry).map_err(|e| StoreError::corrupt(T, "document", e.to_string()))
}

fn parse(text: &str) -> Result<FormularyEntry, StoreError> {
    serde_json::from_str(text)
        .map_err(|_| StoreError::corrupt(T, "document", text.chars().take(80).collect::<String>()))
}

impl EntryRow {
    fn into_stored(self) -> Result<StoredEntry, StoreError> {
        Ok(StoredEntry {
            entry: parse(&self.document)?,
            version: self.version,
            updated_at: from_db_time(self.updated_at),
            updated_by: self.updated_by,
        })
    }
}

pub struct FormularyRepository<'a> {
    conn: &'a mut DbConn,
}

impl<'a> FormularyRepository<'a> {
    pub fn new(conn: &'a mut DbConn) -> Self {
        Self { conn }
    }

    /// What changes whenever the formulary does (an entry added or edited): the number of entries and the latest
    /// change. A cache of parsed entries stays valid while this stays the same.
    pub fn stamp(&mut self) -> Result<Stamp, StoreError> {
        use diesel::dsl::{count_star, max};
        Ok(formulary_entries::table.select((count_star(), max(formulary_entries::updated_at))).first(self.conn)?)
    }

    pub fn codes(&mut self) -> Result<Vec<String>, StoreError> {
        Ok(formulary_entries::table.select(formulary_entries::code).load(self.conn)?)
    }

    /// Every entry, by name.
    pub fn list(&mut self) -> Result<Vec<StoredEntry>, StoreError> {
        let rows: Vec<EntryRow> =
            formulary_entries::table.select(EntryRow::as_select()).order(formulary_entries::name).load(self.conn)?;
        rows.into_iter().map(EntryRow::into_stored).collect()
    }

    pub fn find(&mut self, code: &str) -> Result<StoredEntry, StoreError> {
        let row: EntryRow = formulary_entries::table.find(code).select(EntryRow::as_select()).first(self.conn)?;
        row.into_stored()
    }

    /// Adds a new entry as version 1 and keeps that version.
    pub fn insert(
        &mut self,
        entry: &FormularyEntry,
        at: DateTime<Utc>,
        by: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let doc = document(entry)?;
        diesel::insert_into(formulary_entries::table)
            .values(EntryRow {
                code: entry.code.clone(),
                version: 1,
                name: entry.name.clone(),
                therapy_class: entry.therapy_class.to_string(),
                document: doc.clone(),
                updated_at: to_db_time(at),
                updated_by: by.to_owned(),
            })
            .execute(self.conn)?;
        self.keep(entry, 1, doc, at, by, reason)
    }

    /// Replaces the entry if its stored version is `version - 1`, and keeps the new version.
    pub fn update(
        &mut self,
        entry: &FormularyEntry,
        version: i64,
        at: DateTime<Utc>,
        by: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let doc = document(entry)?;
        let changed = diesel::update(formulary_entries::table)
            .filter(formulary_entries::code.eq(&entry.code))
            .filter(formulary_entries::version.eq(version - 1))
            .set((
                formulary_entries::version.eq(version),
                formulary_entries::name.eq(&entry.name),
                formulary_entries::therapy_class.eq(entry.therapy_class.as_str()),
                formulary_entries::document.eq(&doc),
                formulary_entries::updated_at.eq(to_db_time(at)),
                formulary_entries::updated_by.eq(by),
            ))
            .execute(self.conn)?;
        if changed == 0 {
            return Err(StoreError::StaleVersion);
        }
        self.keep(entry, version, doc, at, by, reason)
    }

    fn keep(
        &mut self,
        entry: &FormularyEntry,
        version: i64,
        document: String,
        at: DateTime<Utc>,
        by: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        diesel::insert_into(formulary_entry_versions::table)
            .values(VersionRow {
                code: entry.code.clone(),
                version,
                document,
                changed_at: to_db_time(at),
                changed_by: by.to_owned(),
                reason: reason.to_owned(),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// Every kept version of an entry, newest first.
    pub fn history(&mut self, code: &str) -> Result<Vec<EntryVersion>, StoreError> {
        let rows: Vec<VersionRow> = formulary_entry_versions::table
            .filter(formulary_entry_versions::code.eq(code))
            .order(formulary_entry_versions::version.desc())
            .select(VersionRow::as_select())
            .load(self.conn)?;
        rows.into_iter()
            .map(|r| {
                Ok(EntryVersion {
                    version: r.version,
                    entry: parse(&r.document)?,
                    changed_at: from_db_time(r.changed_at),
                    changed_by: r.changed_by,
                    reason: r.reason,
                })
            })
            .collect()
    }
}
