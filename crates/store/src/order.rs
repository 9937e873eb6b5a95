//! Orders (one row per version, the content as a JSON document beside the columns the queue and the chart query)
//! and the pharmacist verifications with the alerts seen and the overrides given.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::order::{Order, OrderFields, OrderStatus};
use domain::{BranchId, OrderId, PatientId, UserId};

use crate::schema::{order_verifications, orders};
use crate::{DbConn, StoreError, from_db_time, parse_id, parse_text, to_db_time};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = orders, treat_none_as_null = true)]
struct OrderRow {
    id: String,
    version: i64,
    branch_id: String,
    patient_id: String,
    lineage_id: String,
    previous_id: Option<String>,
    change_reason: Option<String>,
    status: String,
    status_reason: Option<String>,
    priority_rank: i64,
    drug_code: String,
    document: String,
    start_at: chrono::NaiveDateTime,
    created_by: Option<String>,
    created_at: chrono::NaiveDateTime,
    updated_at: chrono::NaiveDateTime,
    submitted_at: Option<chrono::NaiveDateTime>,
    verified_by: Option<String>,
    verified_at: Option<chrono::NaiveDateTime>,
}

const T: &str = "orders";

impl OrderRow {
    fn from_domain(o: &Order) -> Result<Self, StoreError> {
        Ok(OrderRow {
            id: o.id.to_string(),
            version: o.version,
            branch_id: o.branch_id.to_string(),
            patient_id: o.patient_id.to_string(),
            lineage_id: o.lineage_id.to_string(),
            previous_id: o.previous_id.map(|id| id.to_string()),
            change_reason: o.change_reason.clone(),
            status: o.status.to_string(),
            status_reason: o.status_reason.clone(),
            priority_rank: i64::from(o.fields.priority.rank()),
            drug_code: o.fields.drug_code.clone(),
            document: serde_json::to_string(&o.fields)
                .map_err(|e| StoreError::corrupt(T, "document", e.to_string()))?,
            start_at: to_db_time(o.fields.start_at),
            created_by: o.created_by.map(|id| id.to_string()),
            created_at: to_db_time(o.created_at),
            updated_at: to_db_time(o.updated_at),
            submitted_at: o.submitted_at.map(to_db_time),
            verified_by: o.verified_by.map(|id| id.to_string()),
            verified_at: o.verified_at.map(to_db_time),
        })
    }

    fn into_domain(self) -> Result<Order, StoreError> {
        let fields: OrderFields =
            serde_json::from_str(&self.document).map_err(|_| StoreError::corrupt(T, "document", self.id.clone()))?;
        let id = |column: &'static str, text: &str| parse_id::<OrderId>(T, column, text);
        Ok(Order {
            id: id("id", &self.id)?,
            version: self.version,
            patient_id: parse_id(T, "patient_id", &self.patient_id)?,
            branch_id: parse_id(T, "branch_id", &self.branch_id)?,
            lineage_id: id("lineage_id", &self.lineage_id)?,
            previous_id: self.previous_id.as_deref().map(|p| id("previous_id", p)).transpose()?,
            change_reason: self.change_reason,
            status: parse_text(T, "status", &self.status, OrderStatus::parse)?,
            status_reason: self.status_reason,
            fields,
            created_by: self.created_by.as_deref().map(|u| parse_id(T, "created_by", u)).transpose()?,
            created_at: from_db_time(self.created_at),
            updated_at: from_db_time(self.updated_at),
            submitted_at: self.submitted_at.map(from_db_time),
            verified_by: self.verified_by.as_deref().map(|u| parse_id(T, "verified_by", u)).transpose()?,
            verified_at: self.verified_at.map(from_db_time),
        })
    }
}

/// A verification decision as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub id: String,
    pub order_id: OrderId,
    pub order_version: i64,
    /// verified, rejected or clarification_requested.
    pub outcome: String,
    pub pharmacist_id: Option<UserId>,
    pub pharmacist_name: String,
    pub occurred_at: DateTime<Utc>,
    pub reason: Option<String>,
    /// JSON arrays as written by `app`.
    pub alerts: String,
    pub overrides: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = order_verifications)]
struct VerificationRow {
    id: String,
    order_id: String,
    order_version: i64,
    outcome: String,
    pharmacist_id: Option<String>,
    pharmacist_name: String,
    occurred_at: chrono::NaiveDateTime,
    reason: Option<String>,
    alerts: String,
    overrides: String,
}

/// Where a page of the verification queue continues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueCursor {
    pub priority_rank: i64,
    pub submitted_at: chrono::NaiveDateTime,
    pub id: String,
}

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub branch_ids: Vec<BranchId>,
    pub statuses: Vec<OrderStatus>,
    pub patient_id: Option<PatientId>,
    pub after: Option<QueueCursor>,
    pub limit: i64,
}

pub struct OrderRepository<'a> {
    conn: &'a mut DbConn,
}

impl<'a> OrderRepository<'a> {
    pub fn new(conn: &'a mut DbConn) -> Self {
        Self { conn }
    }

    pub fn insert(&mut self, order: &Order) -> Result<(), StoreError> {
        diesel::insert_into(orders::table).values(OrderRow::from_domain(order)?).execute(self.conn)?;
        Ok(())
    }

    /// Writes `order` (its `version` already the new one) if the stored version is the one before.
    pub fn update(&mut self, order: &Order) -> Result<(), StoreError> {
        let row = OrderRow::from_domain(order)?;
        let changed = diesel::update(orders::table)
            .filter(orders::id.eq(&row.id))
            .filter(orders::version.eq(order.version - 1))
            .set(&row)
            .execute(self.conn)?;
        if changed == 0 { Err(StoreError::StaleVersion) } else { Ok(()) }
    }

    pub fn find(&mut self, id: OrderId) -> Result<Order, StoreError> {
        let row: OrderRow = orders::table.find(id.to_string()).select(OrderRow::as_select()).first(self.conn)?;
        row.into_domain()
    }

    /// Every order version of a patient, newest first.
    pub fn for_patient(&mut self, patient: PatientId) -> Result<Vec<Order>, StoreError> {
        let rows: Vec<OrderRow> = orders::table
            .filter(orders::patient_id.eq(patient.to_string()))
            .order((orders::created_at.desc(), orders::id.desc()))
            .select(OrderRow::as_select())
            .load(self.conn)?;
        rows.into_iter().map(OrderRow::into_domain).collect()
    }

    /// Orders in the given states at the given branches by priority, then waiting time (oldest first); one more
    /// than `limit` so the caller knows whether a next page exists.
    pub fn queue(&mut self, filter: &OrderFilter) -> Result<Vec<Order>, StoreError> {
        let mut query = orders::table
            .select(OrderRow::as_select())
            .order((orders::priority_rank, orders::submitted_at, orders::id))
            .limit(filter.limit + 1)
            .into_boxed();
        // One status and one branch as plain equalities: PostgreSQL then reads the queue index in order and stops
        // after a page; `= ANY(...)` makes it sort every matching row (10,000 pending orders: 0.2 ms against 12 ms).
        query = match filter.statuses.as_slice() {
            [one] => query.filter(orders::status.eq(one.as_str())),
            many => query.filter(orders::status.eq_any(many.iter().map(|s| s.as_str()).collect::<Vec<_>>())),
        };
        query = match filter.branch_ids.as_slice() {
            [one] => query.filter(orders::branch_id.eq(one.to_string())),
            many => query.filter(orders::branch_id.eq_any(many.iter().map(ToString::to_string).collect::<Vec<_>>())),
        };
        if let Some(patient) = filter.patient_id {
            query = query.filter(orders::patient_id.eq(patient.to_string()));
        }
        if let Some(after) = &filter.after {
            query = query.filter(
                orders::priority_rank.gt(after.priority_rank).or(orders::priority_rank.eq(after.priority_rank).and(
                    orders::submitted_at
                        .gt(after.submitted_at)
                        .or(orders::submitted_at.eq(after.submitted_at).and(orders::id.gt(&after.id))),
                )),
            );
        }
        let rows: Vec<OrderRow> = query.load(self.conn)?;
        rows.into_iter().map(OrderRow::into_domain).collect()
    }

    /// How many orders are in one state at the given branches, counting at most `cap` (a queue shows "1,000+"
    /// rather than scanning every row to count them).
    pub fn count_up_to(&mut self, branch_ids: &[BranchId], status: OrderStatus, cap: i64) -> Result<i64, StoreError> {
        let branches: Vec<String> = branch_ids.iter().map(ToString::to_string).collect();
        let ids: Vec<String> = orders::table
            .filter(orders::status.eq(status.as_str()))
            .filter(orders::branch_id.eq_any(branches))
            .select(orders::id)
            .limit(cap)
            .load(self.conn)?;
        Ok(ids.len() as i64)
    }

    /// The patient's orders that decision support weighs: the current ones (duplicates, interactions) and any of
    /// `drug_codes` (the drugs sharing an ingredient with the order checked, for cumulative doses), newest first.
    pub fn relevant_for(
        &mut self,
        patient: PatientId,
        current: &[OrderStatus],
        drug_codes: &[String],
    ) -> Result<Vec<Order>, StoreError> {
        let current: Vec<&str> = current.iter().map(|s| s.as_str()).collect();
        let rows: Vec<OrderRow> = orders::table
            .filter(orders::patient_id.eq(patient.to_string()))
            .filter(orders::status.eq_any(current).or(orders::drug_code.eq_any(drug_codes)))
            .order((orders::created_at.desc(), orders::id.desc()))
            .select(OrderRow::as_select())
            .load(self.conn)?;
        rows.into_iter().map(OrderRow::into_domain).collect()
    }

    pub fn insert_verification(&mut self, v: &Verification) -> Result<(), StoreError> {
        diesel::insert_into(order_verifications::table)
            .values(VerificationRow {
                id: v.id.clone(),
                order_id: v.order_id.to_string(),
                order_version: v.order_version,
                outcome: v.outcome.clone(),
                pharmacist_id: v.pharmacist_id.map(|id| id.to_string()),
                pharmacist_name: v.pharmacist_name.clone(),
                occurred_at: to_db_time(v.occurred_at),
                reason: v.reason.clone(),
                alerts: v.alerts.clone(),
                overrides: v.overrides.clone(),
            })
            .execute(self.conn)?;
        Ok(())
    }

    /// The verification decisions on one order version, oldest first.
    pub fn verifications(&mut self, order: OrderId) -> Result<Vec<Verification>, StoreError> {
        let rows: Vec<VerificationRow> = order_verifications::table
            .filter(order_verifications::order_id.eq(order.to_string()))
            .order(order_verifications::occurred_at)
            .select(VerificationRow::as_select())
            .load(self.conn)?;
        rows.into_iter()
            .map(|r| {
                Ok(Verification {
                    order_id: parse_id("order_verifications", "order_id", &r.order_id)?,
                    pharmacist_id: r
                        .pharmacist_id
                        .as_deref()
                        .map(|u| parse_id("order_verifications", "pharmacist_id", u))
                        .transpose()?,
                    id: r.id,
                    order_version: r.order_version,
                    outcome: r.outcome,
                    pharmacist_name: r.pharmacist_name,
                    occurred_at: from_db_time(r.occurred_at),
                    reason: r.reason,
                    alerts: r.alerts,
                    overrides: r.overrides,
                })
            })
            .collect()
    }
}
