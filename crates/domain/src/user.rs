//! Users and the roles they hold at each branch.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::clean_text;
use crate::patient::non_empty;
use crate::role::{Permission, Role};
use crate::{BranchId, UserId, Validation, ValidationErrors};

/// A role held at one branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
pub struct RoleGrant {
    pub branch_id: BranchId,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: UserId,
    pub version: i64,
    pub username: String,
    pub display_name: String,
    pub disabled: bool,
    pub totp_enabled: bool,
    pub home_branch_id: BranchId,
    pub grants: Vec<RoleGrant>,
    pub created_at: DateTime<Utc>,
}

impl User {
    /// Branches at which one of the user's roles grants `permission`.
    pub fn branches_with(&self, permission: Permission) -> Vec<BranchId> {
        let mut branches: Vec<BranchId> =
            self.grants.iter().filter(|g| g.role.grants(permission)).map(|g| g.branch_id).collect();
        branches.sort();
        branches.dedup();
        branches
    }

    pub fn roles(&self) -> Vec<Role> {
        let mut roles: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        roles.sort();
        roles.dedup();
        roles
    }
}

/// The least length of a password (NIST SP 800-63B §3.1.1.2 asks for at least 8; we ask for 12).
pub const MIN_PASSWORD_LENGTH: usize = 12;

/// A username: 3–40 lower-case letters, digits, dots, hyphens or underscores.
pub fn parse_username(text: Option<&str>) -> Result<String, String> {
    let name = non_empty(text).ok_or("is required")?.to_ascii_lowercase();
    let ok = (3..=40).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if ok { Ok(name) } else { Err("must be 3–40 letters, digits, dots, hyphens or underscores".into()) }
}

/// A password: at least 12 characters, at most 256 (NIST SP 800-63B: length over composition rules).
pub fn check_password(text: Option<&str>) -> Result<String, String> {
    let password = text.unwrap_or_default();
    let length = password.chars().count();
    if length < MIN_PASSWORD_LENGTH {
        return Err(format!("must be at least {MIN_PASSWORD_LENGTH} characters"));
    }
    if length > 256 {
        return Err("must be at most 256 characters".into());
    }
    Ok(password.to_owned())
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub password: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewUserFields {
    pub username: String,
    pub display_name: String,
    pub password: String,
}

impl UserInput {
    pub fn validate(&self) -> Result<NewUserFields, ValidationErrors> {
        let mut v = Validation::new();
        let username = v.check("username", parse_username(self.username.as_deref()));
        let display_name = match non_empty(self.display_name.as_deref()) {
            None => username.clone(),
            Some(name) => v.check("display_name", clean_text(name, 100)),
        };
        let password = v.check("password", check_password(self.password.as_deref()));
        v.finish(|| Some(NewUserFields { username: username?, display_name: display_name?, password: password? }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_and_password_rules() {
        assert_eq!(parse_username(Some("Pharm.Ana")).unwrap(), "pharm.ana");
        assert!(parse_username(Some("ab")).is_err());
        assert!(parse_username(Some("a b c")).is_err());
        assert!(check_password(Some("short")).is_err());
        assert!(check_password(Some("correct horse battery")).is_ok());
    }

    #[test]
    fn permissions_are_per_branch() {
        let (a, b) = (BranchId::new(), BranchId::new());
        let user = User {
            id: UserId::new(),
            version: 1,
            username: "x".into(),
            display_name: "x".into(),
            disabled: false,
            totp_enabled: false,
            home_branch_id: a,
            grants: vec![
                RoleGrant { branch_id: a, role: Role::Intake },
                RoleGrant { branch_id: b, role: Role::Driver },
            ],
            created_at: Utc::now(),
        };
        assert_eq!(user.branches_with(Permission::PatientWrite), vec![a]);
        assert_eq!(user.branches_with(Permission::PatientRead).len(), 2);
        assert!(user.branches_with(Permission::UserAdmin).is_empty());
    }
}
