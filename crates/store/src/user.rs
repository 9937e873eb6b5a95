//! Users and their role grants per branch.

use diesel::prelude::*;
use domain::role::Role;
use domain::user::{RoleGrant, User};
use domain::{BranchId, UserId};

use crate::schema::{user_roles, users};
use crate::{DbConn, StoreError, from_db_time, parse_id, parse_text, to_db_time};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserRow {
    pub id: String,
    pub version: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub disabled: bool,
    pub home_branch_id: String,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// A user with the secrets `app` needs to authenticate them; never leaves `app`.
#[derive(Debug, Clone)]
pub struct UserCredentials {
    pub user: User,
    pub password_hash: String,
    pub totp_secret: Option<String>,
}

impl UserRow {
    fn into_domain(self, grants: Vec<RoleGrant>) -> Result<UserCredentials, StoreError> {
        let user = User {
            id: parse_id("users", "id", &self.id)?,
            version: self.version,
            username: self.username,
            display_name: self.display_name,
            disabled: self.disabled,
            totp_enabled: self.totp_secret.is_some(),
            home_branch_id: parse_id("users", "home_branch_id", &self.home_branch_id)?,
            grants,
            created_at: from_db_time(self.created_at),
        };
        Ok(UserCredentials { user, password_hash: self.password_hash, totp_secret: self.totp_secret })
    }

    fn from_domain(c: &UserCredentials, updated_at: chrono::DateTime<chrono::Utc>) -> Self {
        UserRow {
            id: c.user.id.to_string(),
            version: c.user.version,
            username: c.user.username.clone(),
            display_name: c.user.display_name.clone(),
            password_hash: c.password_hash.clone(),
            totp_secret: c.totp_secret.clone(),
            disabled: c.user.disabled,
            home_branch_id: c.user.home_branch_id.to_string(),
            created_at: to_db_time(c.user.created_at),
            updated_at: to_db_time(updated_at),
        }
    }
}

pub struct UserRepository<'a> {
    conn: &'a mut DbConn,
}

impl<'a> UserRepository<'a> {
    pub fn new(conn: &'a mut DbConn) -> Self {
        Self { conn }
    }

    /// Inserts the user and their grants.
    pub fn insert(&mut self, credentials: &UserCredentials) -> Result<(), StoreError> {
        diesel::insert_into(users::table)
            .values(UserRow::from_domain(credentials, credentials.user.created_at))
            .execute(self.conn)?;
        self.replace_grants(credentials.user.id, &credentials.user.grants)
    }

    /// Writes the user (whose `version` is already the new one) and their grants if the stored version is the one
    /// before.
    pub fn update(
        &mut self,
        credentials: &UserCredentials,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        let row = UserRow::from_domain(credentials, now);
        let changed = diesel::update(users::table)
            .filter(users::id.eq(&row.id))
            .filter(users::version.eq(credentials.user.version - 1))
            .set(&row)
            .execute(self.conn)?;
        if changed != 1 {
            return Err(StoreError::StaleVersion);
        }
        self.replace_grants(credentials.user.id, &credentials.user.grants)
    }

    fn replace_grants(&mut self, user_id: UserId, grants: &[RoleGrant]) -> Result<(), StoreError> {
        diesel::delete(user_roles::table.filter(user_roles::user_id.eq(user_id.to_string()))).execute(self.conn)?;
        let rows: Vec<_> = grants
            .iter()
            .map(|g| {
                (
                    user_roles::user_id.eq(user_id.to_string()),
                    user_roles::branch_id.eq(g.branch_id.to_string()),
                    user_roles::role.eq(g.role.as_str()),
                )
            })
            .collect();
        for row in rows {
            diesel::insert_into(user_roles::table).values(row).execute(self.conn)?;
        }
        Ok(())
    }

    fn grants_of(&mut self, user_ids: &[String]) -> Result<Vec<(String, RoleGrant)>, StoreError> {
        let rows: Vec<(String, String, String)> = user_roles::table
            .filter(user_roles::user_id.eq_any(user_ids))
            .order((user_roles::user_id, user_roles::branch_id, user_roles::role))
            .select((user_roles::user_id, user_roles::branch_id, user_roles::role))
            .load(self.conn)?;
        rows.into_iter()
            .map(|(user_id, branch_id, role)| {
                let branch_id: BranchId = parse_id("user_roles", "branch_id", &branch_id)?;
                let role = parse_text("user_roles", "role", &role, Role::parse)?;
                Ok((user_id, RoleGrant { branch_id, role }))
            })
            .collect()
    }

    fn with_grants(&mut self, rows: Vec<UserRow>) -> Result<Vec<UserCredentials>, StoreError> {
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let grants = self.grants_of(&ids)?;
        rows.into_iter()
            .map(|row| {
                let mine = grants.iter().filter(|(uid, _)| *uid == row.id).map(|(_, g)| *g).collect();
                row.into_domain(mine)
            })
            .collect()
    }

    pub fn find(&mut self, id: UserId) -> Result<UserCredentials, StoreError> {
        let row = users::table.find(id.to_string()).select(UserRow::as_select()).first(self.conn)?;
        self.with_grants(vec![row])?.pop().ok_or(StoreError::NotFound)
    }

    pub fn find_by_username(&mut self, username: &str) -> Result<Option<UserCredentials>, StoreError> {
        let row = users::table
            .filter(users::username.eq(username))
            .select(UserRow::as_select())
            .first(self.conn)
            .optional()?;
        match row {
            Some(row) => Ok(self.with_grants(vec![row])?.pop()),
            None => Ok(None),
        }
    }

    pub fn list(&mut self) -> Result<Vec<User>, StoreError> {
        let rows = users::table.order((users::username, users::id)).select(UserRow::as_select()).load(self.conn)?;
        Ok(self.with_grants(rows)?.into_iter().map(|c| c.user).collect())
    }
}
