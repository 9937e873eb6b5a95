//! Reading the audit trail (administrators and auditors) and verifying its hash chain.

use chrono::{DateTime, Utc};
use domain::role::Permission;
use store::audit::{AuditEvent, AuditFilter, AuditRepository, BrokenLink};

use crate::patients::{Page, page_size};
use crate::{App, AppError, Caller};

#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub entity_id: Option<String>,
    pub entity_type: Option<String>,
    pub patient_id: Option<String>,
    pub actor: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

impl App {
    /// Audit events, newest first.
    pub fn list_audit_events(&self, caller: &Caller, query: &AuditQuery) -> Result<Page<AuditEvent>, AppError> {
        caller.require(Permission::AuditRead)?;
        let limit = page_size(query.limit)?;
        let before_seq = match non_empty(&query.cursor) {
            None => None,
            Some(text) => Some(
                text.parse::<i64>().map_err(|_| AppError::invalid("cursor", "is not a cursor this server issued"))?,
            ),
        };
        if let (Some(from), Some(to)) = (query.from, query.to)
            && to <= from
        {
            return Err(AppError::invalid("to", "must be after from"));
        }
        let filter = AuditFilter {
            entity_id: non_empty(&query.entity_id),
            entity_type: non_empty(&query.entity_type),
            patient_id: non_empty(&query.patient_id),
            actor_name: non_empty(&query.actor).map(|a| a.to_ascii_lowercase()),
            from: query.from,
            to: query.to,
            before_seq,
            limit,
        };
        let mut items = AuditRepository::new(&mut *self.conn()?).list(&filter)?;
        let more = items.len() as i64 > limit;
        items.truncate(limit as usize);
        let next_cursor = if more { items.last().map(|e| e.seq.to_string()) } else { None };
        Ok(Page { items, next_cursor })
    }

    /// Checks the whole hash chain: the number of rows, or the first broken one.
    pub fn verify_audit(&self, caller: &Caller) -> Result<Result<i64, BrokenLink>, AppError> {
        caller.require(Permission::AuditRead)?;
        Ok(AuditRepository::new(&mut *self.conn()?).verify()?)
    }
}
