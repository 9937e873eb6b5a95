//! The formulary: seeded from the reviewed data files, read by everyone who works with orders, maintained by
//! pharmacists. Every edit is a new version with a reason, kept and audited.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use domain::audit::AuditAction;
use domain::formulary::{FormularyEntry, Interaction};
use domain::role::Permission;
use store::formulary::{EntryVersion, FormularyRepository, StoredEntry};
use store::{DbConn, StoreError, write_tx};

use crate::{App, AppError, AuditEntry, Caller, to_json};

/// Who the seeded versions are recorded as changed by.
pub const SEED_AUTHOR: &str = "data/formulary";

/// The curated interaction table, parsed once.
pub fn interactions() -> &'static [Interaction] {
    static TABLE: OnceLock<Vec<Interaction>> = OnceLock::new();
    TABLE.get_or_init(|| clinical::reference::interactions().unwrap_or_default())
}

use store::formulary::Stamp;

/// Parsed formulary entries by code, as of one stamp.
pub type Formulary = Arc<HashMap<String, FormularyEntry>>;

/// The parsed formulary of this process, reused while the database's stamp (entry count, latest change) is the
/// same: every node checks the stamp on each use, so an edit on another node is seen at once. Not state: losing it
/// costs one reload.
#[derive(Default)]
pub struct FormularyCache {
    current: Mutex<Option<(Stamp, Formulary)>>,
}

impl FormularyCache {
    /// The formulary as stored now: one small query when nothing changed, a reload when something did.
    pub(crate) fn get(&self, conn: &mut DbConn) -> Result<Formulary, AppError> {
        let stamp = FormularyRepository::new(conn).stamp()?;
        self.get_at(conn, stamp)
    }

    /// The formulary for a stamp the caller has just read (in the same query as other data it needed).
    pub(crate) fn get_at(&self, conn: &mut DbConn, stamp: Stamp) -> Result<Formulary, AppError> {
        if let Ok(guard) = self.current.lock()
            && let Some((seen, formulary)) = guard.as_ref()
            && *seen == stamp
        {
            return Ok(formulary.clone());
        }
        let entries: HashMap<String, FormularyEntry> =
            FormularyRepository::new(conn).list()?.into_iter().map(|s| (s.entry.code.clone(), s.entry)).collect();
        let formulary = Arc::new(entries);
        if let Ok(mut guard) = self.current.lock() {
            *guard = Some((stamp, formulary.clone()));
        }
        Ok(formulary)
    }
}

/// Adds the entries of the data files that the database does not hold yet; returns how many.
pub(crate) fn seed(app: &App, conn: &mut DbConn) -> Result<usize, AppError> {
    let entries = clinical::reference::formulary().map_err(|e| AppError::Internal(e.to_string()))?;
    let now = app.now();
    write_tx(conn, |c| {
        let existing = FormularyRepository::new(c).codes()?;
        let mut added = 0;
        for entry in entries.iter().filter(|e| !existing.contains(&e.code)) {
            FormularyRepository::new(c).insert(entry, now, SEED_AUTHOR, "seeded from data/formulary")?;
            added += 1;
        }
        Ok::<_, AppError>(added)
    })
}

impl App {
    pub fn list_formulary(&self, caller: &Caller) -> Result<Vec<StoredEntry>, AppError> {
        caller.require(Permission::FormularyRead)?;
        Ok(FormularyRepository::new(&mut *self.conn()?).list()?)
    }

    /// The current formulary by code, from this process's stamp-checked cache: for pages that only need entries
    /// (drug names, the order form's drug list), without reading and parsing every stored document again.
    pub fn formulary(&self, caller: &Caller) -> Result<Formulary, AppError> {
        caller.require(Permission::FormularyRead)?;
        self.formulary.get(&mut *self.conn()?)
    }

    pub fn get_formulary_entry(&self, caller: &Caller, code: &str) -> Result<StoredEntry, AppError> {
        caller.require(Permission::FormularyRead)?;
        FormularyRepository::new(&mut *self.conn()?).find(code).map_err(AppError::not_found_as("formulary entry"))
    }

    pub fn formulary_history(&self, caller: &Caller, code: &str) -> Result<Vec<EntryVersion>, AppError> {
        self.get_formulary_entry(caller, code)?;
        Ok(FormularyRepository::new(&mut *self.conn()?).history(code)?)
    }

    /// Replaces an entry with a reviewed new version if `expected_version` is still the stored one.
    pub fn update_formulary_entry(
        &self,
        caller: &Caller,
        code: &str,
        expected_version: i64,
        entry: FormularyEntry,
        reason: &str,
    ) -> Result<StoredEntry, AppError> {
        caller.require(Permission::FormularyAdmin)?;
        let reason = reason.trim();
        if reason.chars().count() < 5 {
            return Err(AppError::invalid("reason", "say why the entry changes (at least 5 characters)"));
        }
        if entry.code != code {
            return Err(AppError::invalid("code", "cannot be changed; add a new entry instead"));
        }
        entry.validate()?;
        let mut conn = self.conn()?;
        let now = self.now();
        let by = caller.actor_name();
        write_tx(&mut conn, |c| {
            let current = FormularyRepository::new(c).find(code).map_err(AppError::not_found_as("formulary entry"))?;
            if current.version != expected_version {
                return Err(AppError::StaleVersion { entity: "formulary entry", current: current.version });
            }
            let version = current.version + 1;
            FormularyRepository::new(c).update(&entry, version, now, &by, reason).map_err(|e| match e {
                StoreError::StaleVersion => AppError::StaleVersion { entity: "formulary entry", current: version },
                other => other.into(),
            })?;
            self.audit(
                c,
                caller,
                AuditEntry {
                    action: AuditAction::Update,
                    entity_type: "formulary_entry",
                    entity_id: code.to_owned(),
                    branch_id: None,
                    patient_id: None,
                    before: to_json(&current.entry),
                    after: to_json(&entry),
                    reason: Some(reason),
                },
            )?;
            Ok(StoredEntry { entry, version, updated_at: now, updated_by: by.clone() })
        })
    }
}
