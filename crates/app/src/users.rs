//! User administration: create, disable or enable, reset a password, and set roles per branch.

use domain::audit::AuditAction;
use domain::role::{Permission, Role};
use domain::user::{NewUserFields, RoleGrant, User, UserInput, check_password};
use domain::{BranchId, UserId};
use serde_json::json;
use store::security::SecurityRepository;
use store::user::{UserCredentials, UserRepository};
use store::{StoreError, write_tx};

use crate::auth::hash_password;
use crate::{App, AppError, AuditEntry, Caller};

pub struct CreateUser {
    pub input: UserInput,
    pub grants: Vec<RoleGrant>,
    /// Defaults to the branch of the first grant, else the main branch.
    pub home_branch: Option<BranchId>,
}

fn user_json(user: &User) -> serde_json::Value {
    json!({
        "username": user.username,
        "display_name": user.display_name,
        "disabled": user.disabled,
        "totp_enabled": user.totp_enabled,
        "home_branch_id": user.home_branch_id,
        "roles": user.grants.iter().map(|g| format!("{}@{}", g.role, g.branch_id)).collect::<Vec<_>>(),
    })
}

fn user_entry<'a>(
    action: AuditAction,
    user: &User,
    before: serde_json::Value,
    reason: Option<&'a str>,
) -> AuditEntry<'a> {
    AuditEntry {
        action,
        entity_type: "user",
        entity_id: user.id.to_string(),
        branch_id: Some(user.home_branch_id),
        patient_id: None,
        before,
        after: user_json(user),
        reason,
    }
}

impl App {
    pub fn create_user(&self, caller: &Caller, request: CreateUser) -> Result<User, AppError> {
        caller.require(Permission::UserAdmin)?;
        let NewUserFields { username, display_name, password } = request.input.validate()?;
        if request.grants.is_empty() {
            return Err(AppError::invalid("roles", "give the user at least one role"));
        }
        let home_branch_id = match request.home_branch.or(request.grants.first().map(|g| g.branch_id)) {
            Some(branch) => branch,
            None => self.main_branch()?.id,
        };
        let password_hash = hash_password(&password)?;
        let mut grants = request.grants;
        grants.sort();
        grants.dedup();
        let user = User {
            id: UserId::new(),
            version: 1,
            username,
            display_name,
            disabled: false,
            totp_enabled: false,
            home_branch_id,
            grants,
            created_at: self.now(),
        };
        let credentials = UserCredentials { user: user.clone(), password_hash, totp_secret: None };
        let mut conn = self.conn()?;
        write_tx(&mut conn, |c| {
            UserRepository::new(c).insert(&credentials).map_err(|e| match e {
                StoreError::UniqueViolation(_) => AppError::invalid("username", "is already taken"),
                StoreError::ForeignKeyViolation(_) => AppError::invalid("roles", "names a branch that does not exist"),
                other => other.into(),
            })?;
            self.audit(c, caller, user_entry(AuditAction::Create, &user, serde_json::Value::Null, None))
        })?;
        Ok(user)
    }

    pub fn list_users(&self, caller: &Caller) -> Result<Vec<User>, AppError> {
        caller.require(Permission::UserAdmin)?;
        Ok(UserRepository::new(&mut *self.conn()?).list()?)
    }

    pub fn get_user(&self, caller: &Caller, id: UserId) -> Result<User, AppError> {
        caller.require(Permission::UserAdmin)?;
        Ok(UserRepository::new(&mut *self.conn()?).find(id).map_err(AppError::not_found_as("user"))?.user)
    }

    /// Looks a user up by name for the CLI and admin forms.
    pub fn find_user_by_username(&self, caller: &Caller, username: &str) -> Result<User, AppError> {
        caller.require(Permission::UserAdmin)?;
        let found = UserRepository::new(&mut *self.conn()?).find_by_username(&username.trim().to_ascii_lowercase())?;
        found.map(|c| c.user).ok_or(AppError::NotFound("user"))
    }

    /// Disables (ending every session) or re-enables an account. An administrator cannot disable themself.
    pub fn set_user_disabled(
        &self,
        caller: &Caller,
        id: UserId,
        disabled: bool,
        reason: Option<&str>,
    ) -> Result<User, AppError> {
        caller.require(Permission::UserAdmin)?;
        if disabled && caller.user.as_ref().is_some_and(|u| u.id == id) {
            return Err(AppError::Conflict("you cannot disable your own account".into()));
        }
        self.change_user(caller, id, if disabled { AuditAction::Disable } else { AuditAction::Enable }, reason, |c| {
            c.user.disabled = disabled;
            Ok(())
        })
    }

    /// Sets a new password and ends the user's sessions.
    pub fn reset_password(&self, caller: &Caller, id: UserId, password: &str) -> Result<User, AppError> {
        caller.require(Permission::UserAdmin)?;
        let password = check_password(Some(password)).map_err(|m| AppError::invalid("password", m))?;
        let hash = hash_password(&password)?;
        self.change_user(caller, id, AuditAction::ResetPassword, None, move |c| {
            c.password_hash = hash;
            Ok(())
        })
    }

    /// Replaces the user's roles per branch.
    pub fn set_user_roles(&self, caller: &Caller, id: UserId, grants: Vec<RoleGrant>) -> Result<User, AppError> {
        caller.require(Permission::UserAdmin)?;
        if grants.is_empty() {
            return Err(AppError::invalid("roles", "give the user at least one role"));
        }
        let removes_own_admin =
            caller.user.as_ref().is_some_and(|u| u.id == id) && !grants.iter().any(|g| g.role == Role::Admin);
        if removes_own_admin {
            return Err(AppError::Conflict("you cannot remove your own administrator role".into()));
        }
        self.change_user(caller, id, AuditAction::Update, None, move |c| {
            let mut grants = grants;
            grants.sort();
            grants.dedup();
            c.user.grants = grants;
            Ok(())
        })
    }

    fn change_user(
        &self,
        caller: &Caller,
        id: UserId,
        action: AuditAction,
        reason: Option<&str>,
        change: impl FnOnce(&mut UserCredentials) -> Result<(), AppError>,
    ) -> Result<User, AppError> {
        let mut conn = self.conn()?;
        let now = self.now();
        write_tx(&mut conn, |c| {
            let mut repo = UserRepository::new(c);
            let mut credentials = repo.find(id).map_err(AppError::not_found_as("user"))?;
            let before = user_json(&credentials.user);
            change(&mut credentials)?;
            credentials.user.version += 1;
            repo.update(&credentials, now).map_err(|e| match e {
                StoreError::ForeignKeyViolation(_) => AppError::invalid("roles", "names a branch that does not exist"),
                other => other.into(),
            })?;
            if credentials.user.disabled || action == AuditAction::ResetPassword {
                SecurityRepository::new(c).delete_sessions_of(id)?;
            }
            self.audit(c, caller, user_entry(action, &credentials.user, before, reason))?;
            Ok(credentials.user)
        })
    }
}
