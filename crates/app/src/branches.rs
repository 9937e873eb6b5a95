//! Branches: the main branch `migrate` creates, and the administrator's list, create and edit.

use chrono_tz::Tz;
use domain::BranchId;
use domain::audit::AuditAction;
use domain::branch::{Branch, BranchInput, BranchKind};
use domain::role::Permission;
use store::branch::BranchRepository;
use store::{DbConn, StoreError, write_tx};

use crate::{App, AppError, AuditEntry, Caller, to_json};

/// Creates the main branch (`MAIN`) when no branch exists yet.
pub(crate) fn ensure_main_branch(app: &App, conn: &mut DbConn, time_zone: Tz) -> Result<(), AppError> {
    write_tx(conn, |c| {
        if BranchRepository::new(c).main()?.is_some() {
            return Ok(());
        }
        let branch = Branch {
            id: BranchId::new(),
            version: 1,
            code: "MAIN".into(),
            name: "Main branch".into(),
            kind: BranchKind::HomeInfusionPharmacy,
            time_zone,
            is_main: true,
            created_at: app.now(),
        };
        BranchRepository::new(c).insert(&branch)?;
        app.audit(c, &Caller::cli(), branch_entry(AuditAction::Create, &branch, serde_json::Value::Null))
    })
}

fn branch_entry(action: AuditAction, branch: &Branch, before: serde_json::Value) -> AuditEntry<'static> {
    AuditEntry {
        action,
        entity_type: "branch",
        entity_id: branch.id.to_string(),
        branch_id: Some(branch.id),
        patient_id: None,
        before,
        after: to_json(branch),
        reason: None,
    }
}

impl App {
    /// Every branch (names and time zones are not sensitive; any signed-in user may list them).
    pub fn list_branches(&self) -> Result<Vec<Branch>, AppError> {
        Ok(BranchRepository::new(&mut *self.conn()?).list()?)
    }

    pub fn get_branch(&self, id: BranchId) -> Result<Branch, AppError> {
        BranchRepository::new(&mut *self.conn()?).find(id).map_err(AppError::not_found_as("branch"))
    }

    pub fn main_branch(&self) -> Result<Branch, AppError> {
        BranchRepository::new(&mut *self.conn()?).main()?.ok_or(AppError::NotFound("main branch"))
    }

    pub fn find_branch_by_code(&self, code: &str) -> Result<Option<Branch>, AppError> {
        Ok(BranchRepository::new(&mut *self.conn()?).find_by_code(&code.trim().to_ascii_uppercase())?)
    }

    pub fn create_branch(&self, caller: &Caller, input: &BranchInput) -> Result<Branch, AppError> {
        caller.require(Permission::BranchAdmin)?;
        let fields = input.validate()?;
        let branch = Branch {
            id: BranchId::new(),
            version: 1,
            code: fields.code,
            name: fields.name,
            kind: fields.kind,
            time_zone: fields.time_zone,
            is_main: false,
            created_at: self.now(),
        };
        let mut conn = self.conn()?;
        write_tx(&mut conn, |c| {
            BranchRepository::new(c).insert(&branch).map_err(|e| match e {
                StoreError::UniqueViolation(_) => AppError::invalid("code", "is already used by another branch"),
                other => other.into(),
            })?;
            self.audit(c, caller, branch_entry(AuditAction::Create, &branch, serde_json::Value::Null))
        })?;
        Ok(branch)
    }

    /// Changes a branch's name, kind and time zone (its code is permanent: it is printed on labels and records).
    pub fn update_branch(
        &self,
        caller: &Caller,
        id: BranchId,
        expected_version: i64,
        input: &BranchInput,
    ) -> Result<Branch, AppError> {
        caller.require(Permission::BranchAdmin)?;
        let mut conn = self.conn()?;
        let now = self.now();
        write_tx(&mut conn, |c| {
            let current = BranchRepository::new(c).find(id).map_err(AppError::not_found_as("branch"))?;
            if current.version != expected_version {
                return Err(AppError::StaleVersion { entity: "branch", current: current.version });
            }
            let fields = BranchInput { code: Some(current.code.clone()), ..input.clone() }.validate()?;
            let updated = Branch {
                version: current.version + 1,
                name: fields.name,
                kind: fields.kind,
                time_zone: fields.time_zone,
                ..current.clone()
            };
            BranchRepository::new(c).update(&updated, now)?;
            self.audit(c, caller, branch_entry(AuditAction::Update, &updated, to_json(&current)))?;
            Ok(updated)
        })
    }
}
