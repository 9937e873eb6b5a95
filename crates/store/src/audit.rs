//! The audit trail: append-only rows (database triggers refuse UPDATE and DELETE), each hashed with the hash of the
//! row before it: `hash = sha256(prev_hash ‖ canonical row)`. Appending updates the one `audit_head` row first, which
//! serialises appends across app nodes on PostgreSQL (row lock until commit) and numbers them without gaps.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::conn::MultiBackend;
use crate::schema::{audit_events, audit_head};
use crate::{DbConn, StoreError, from_db_time, to_db_time};

/// What a use case records; `seq`, the hashes and nothing else are added on append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEvent {
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub actor_name: String,
    /// Comma-separated roles the actor held when acting (e.g. `intake,nurse`), or `system`.
    pub actor_roles: String,
    pub branch_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub patient_id: Option<String>,
    /// JSON text of the before/after difference.
    pub diff: String,
    pub reason: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub seq: i64,
    pub occurred_at: chrono::NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub actor_roles: String,
    pub branch_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub patient_id: Option<String>,
    pub diff: String,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEvent {
    pub fn occurred_at_utc(&self) -> DateTime<Utc> {
        from_db_time(self.occurred_at)
    }

    /// The hash this row should carry given its contents and `prev_hash`.
    pub fn expected_hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            self.actor_id,
            self.actor_name,
            self.actor_roles,
            self.branch_id,
            self.action,
            self.entity_type,
            self.entity_id,
            self.patient_id,
            self.diff,
            self.reason,
            self.request_id,
        ]);
        let mut hasher = Sha256::new();
        hasher.update(self.prev_hash.as_bytes());
        hasher.update(canonical.to_string().as_bytes());
        hex::encode(hasher.finalize())
    }
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity_id: Option<String>,
    pub entity_type: Option<String>,
    pub patient_id: Option<String>,
    pub actor_name: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Newest first: only rows with `seq` below this.
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// The first row where the chain does not hold, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

pub struct AuditRepository<'a> {
    conn: &'a mut DbConn,
}

impl<'a> AuditRepository<'a> {
    pub fn new(conn: &'a mut DbConn) -> Self {
        Self { conn }
    }

    /// Appends one event inside the caller's write transaction and returns it as stored.
    pub fn append(&mut self, event: NewAuditEvent) -> Result<AuditEvent, StoreError> {
        let (seq, prev_hash): (i64, String) = diesel::update(audit_head::table.filter(audit_head::id.eq(1)))
            .set(audit_head::last_seq.eq(audit_head::last_seq + 1))
            .returning((audit_head::last_seq, audit_head::last_hash))
            .get_result(self.conn)?;
        let mut row = AuditEvent {
            seq,
            occurred_at: to_db_time(event.occurred_at),
            actor_id: event.actor_id,
            actor_name: event.actor_name,
            actor_roles: event.actor_roles,
            branch_id: event.branch_id,
            action: event.action,
            entity_type: event.entity_type,
            entity_id: event.entity_id,
            patient_id: event.patient_id,
            diff: event.diff,
            reason: event.reason,
            request_id: event.request_id,
            prev_hash,
            hash: String::new(),
        };
        row.hash = row.expected_hash();
        diesel::insert_into(audit_events::table).values(&row).execute(self.conn)?;
        diesel::update(audit_head::table.filter(audit_head::id.eq(1)))
            .set(audit_head::last_hash.eq(&row.hash))
            .execute(self.conn)?;
        Ok(row)
    }

    /// One page, newest first; `limit + 1` rows are read so the caller knows whether more follow.
    pub fn list(&mut self, filter: &AuditFilter) -> Result<Vec<AuditEvent>, StoreError> {
        let mut query = audit_events::table.select(AuditEvent::as_select()).into_boxed::<MultiBackend>();
        if let Some(entity_id) = &filter.entity_id {
            query = query.filter(audit_events::entity_id.eq(entity_id.clone()));
        }
        if let Some(entity_type) = &filter.entity_type {
            query = query.filter(audit_events::entity_type.eq(entity_type.clone()));
        }
        if let Some(patient_id) = &filter.patient_id {
            query = query.filter(audit_events::patient_id.eq(patient_id.clone()));
        }
        if let Some(actor) = &filter.actor_name {
            query = query.filter(audit_events::actor_name.eq(actor.clone()));
        }
        if let Some(from) = filter.from {
            query = query.filter(audit_events::occurred_at.ge(to_db_time(from)));
        }
        if let Some(to) = filter.to {
            query = query.filter(audit_events::occurred_at.lt(to_db_time(to)));
        }
        if let Some(before) = filter.before_seq {
            query = query.filter(audit_events::seq.lt(before));
        }
        Ok(query.order(audit_events::seq.desc()).limit(filter.limit + 1).load(self.conn)?)
    }

    /// Walks the whole chain in order, in pages, and returns the number of rows or the first broken link: a row
    /// whose hash does not match its contents, whose `prev_hash` is not the hash before it, a gap in `seq`, or a
    /// chain that ends before the head says it does.
    pub fn verify(&mut self) -> Result<Result<i64, BrokenLink>, StoreError> {
        let (head_seq, head_hash): (i64, String) = audit_head::table
            .filter(audit_head::id.eq(1))
            .select((audit_head::last_seq, audit_head::last_hash))
            .first(self.conn)?;
        let mut expected_prev = "0".repeat(64);
        let mut expected_seq = 1_i64;
        loop {
            let page: Vec<AuditEvent> = audit_events::table
                .filter(audit_events::seq.ge(expected_seq))
                .order(audit_events::seq)
                .limit(1000)
                .select(AuditEvent::as_select())
                .load(self.conn)?;
            if page.is_empty() {
                break;
            }
            for row in page {
                let broken = |reason: String| Ok(Err(BrokenLink { seq: row.seq, reason }));
                if row.seq != expected_seq {
                    return Ok(Err(BrokenLink { seq: expected_seq, reason: format!("row {expected_seq} is missing") }));
                }
                if row.prev_hash != expected_prev {
                    return broken("prev_hash does not match the hash of the row before".into());
                }
                if row.hash != row.expected_hash() {
                    return broken("hash does not match the row's contents".into());
                }
                expected_prev = row.hash;
                expected_seq += 1;
            }
        }
        let last = expected_seq - 1;
        if last != head_seq || (last > 0 && expected_prev != head_hash) {
            return Ok(Err(BrokenLink {
                seq: last + 1,
                reason: format!("the chain ends at {last} but the head records {head_seq}"),
            }));
        }
        Ok(Ok(last))
    }
}
