//! Branches table.

use diesel::prelude::*;
use domain::BranchId;
use domain::branch::{Branch, BranchKind};

use crate::schema::branches;
use crate::{DbConn, StoreError, from_db_time, parse_id, parse_text, to_db_time};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = branches)]
pub struct BranchRow {
    pub id: String,
    pub version: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub time_zone: String,
    pub is_main: bool,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl BranchRow {
    pub(crate) fn into_domain(self) -> Result<Branch, StoreError> {
        Ok(Branch {
            id: parse_id("branches", "id", &self.id)?,
            version: self.version,
            kind: parse_text("branches", "kind", &self.kind, BranchKind::parse)?,
            time_zone: self
                .time_zone
                .parse()
                .map_err(|_| StoreError::corrupt("branches", "time_zone", &self.time_zone))?,
            code: self.code,
            name: self.name,
            is_main: self.is_main,
            created_at: from_db_time(self.created_at),
        })
    }

    fn from_domain(branch: &Branch, updated_at: chrono::DateTime<chrono::Utc>) -> Self {
        BranchRow {
            id: branch.id.to_string(),
            version: branch.version,
            code: branch.code.clone(),
            name: branch.name.clone(),
            kind: branch.kind.to_string(),
            time_zone: branch.time_zone.name().to_owned(),
            is_main: branch.is_main,
            created_at: to_db_time(branch.created_at),
            updated_at: to_db_time(updated_at),
        }
    }
}

pub struct BranchRepository<'a> {
    conn: &'a mut DbConn,
}

impl<'a> BranchRepository<'a> {
    pub fn new(conn: &'a mut DbConn) -> Self {
        Self { conn }
    }

    pub fn insert(&mut self, branch: &Branch) -> Result<(), StoreError> {
        diesel::insert_into(branches::table)
            .values(BranchRow::from_domain(branch, branch.created_at))
            .execute(self.conn)?;
        Ok(())
    }

    /// Writes `branch` (whose `version` is already the new one) if the stored version is `version - 1`.
    pub fn update(&mut self, branch: &Branch, now: chrono::DateTime<chrono::Utc>) -> Result<(), StoreError> {
        let row = BranchRow::from_domain(branch, now);
        let changed = diesel::update(branches::table)
            .filter(branches::id.eq(&row.id))
            .filter(branches::version.eq(branch.version - 1))
            .set(&row)
            .execute(self.conn)?;
        if changed == 1 { Ok(()) } else { Err(StoreError::StaleVersion) }
    }

    pub fn find(&mut self, id: BranchId) -> Result<Branch, StoreError> {
        branches::table.find(id.to_string()).select(BranchRow::as_select()).first(self.conn)?.into_domain()
    }

    pub fn find_by_code(&mut self, code: &str) -> Result<Option<Branch>, StoreError> {
        branches::table
            .filter(branches::code.eq(code))
            .select(BranchRow::as_select())
            .first(self.conn)
            .optional()?
            .map(BranchRow::into_domain)
            .transpose()
    }

    pub fn main(&mut self) -> Result<Option<Branch>, StoreError> {
        branches::table
            .filter(branches::is_main.eq(true))
            .order(branches::id)
            .select(BranchRow::as_select())
            .first(self.conn)
            .optional()?
            .map(BranchRow::into_domain)
            .transpose()
    }

    pub fn list(&mut self) -> Result<Vec<Branch>, StoreError> {
        branches::table
            .order((branches::code, branches::id))
            .select(BranchRow::as_select())
            .load(self.conn)?
            .into_iter()
            .map(BranchRow::into_domain)
            .collect()
    }
}
