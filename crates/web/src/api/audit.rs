//! `/api/v1/audit-events`: the audit trail for administrators and auditors, newest first.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::audit::AuditQuery;

use super::ListPage;
use super::patients::query_limit;
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, Problem};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit_events))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEventBody {
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    pub actor_roles: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub patient_id: Option<String>,
    /// `{"field": {"from": …, "to": …}}`
    #[schema(value_type = Object)]
    pub diff: serde_json::Value,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    pub hash: String,
}

impl From<app::AuditEvent> for AuditEventBody {
    fn from(e: app::AuditEvent) -> Self {
        AuditEventBody {
            seq: e.seq,
            occurred_at: e.occurred_at_utc(),
            diff: serde_json::from_str(&e.diff).unwrap_or(serde_json::Value::String(e.diff)),
            actor: e.actor_name,
            actor_roles: e.actor_roles,
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            patient_id: e.patient_id,
            reason: e.reason,
            request_id: e.request_id,
            hash: e.hash,
        }
    }
}

/// A `from`/`to` bound: an RFC 3339 instant or a date (midnight UTC).
pub fn parse_bound(field: &str, text: Option<&String>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(text) = text.map(|t| t.trim()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(at.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| Some(d.and_utc()))
        .ok_or_else(|| {
            ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, field, "must be a date (YYYY-MM-DD) or an RFC 3339 time")
        })
}

/// Audit events filtered by entity, patient, actor and time, newest first.
#[utoipa::path(get, path = "/api/v1/audit-events", tag = "audit",
    params(("entity_id" = Option<String>, Query), ("entity_type" = Option<String>, Query), ("patient_id" = Option<String>, Query),
           ("actor" = Option<String>, Query, description = "username"), ("from" = Option<String>, Query), ("to" = Option<String>, Query),
           ("limit" = Option<i64>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = ListPage<AuditEventBody>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_audit_events(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let query = AuditQuery {
        entity_id: q.get("entity_id").cloned(),
        entity_type: q.get("entity_type").cloned(),
        patient_id: q.get("patient_id").cloned(),
        actor: q.get("actor").cloned(),
        from: parse_bound("from", q.get("from"))?,
        to: parse_bound("to", q.get("to"))?,
        cursor: q.get("cursor").cloned(),
        limit: query_limit(&q)?,
    };
    let page = state.run(move |app| app.list_audit_events(&caller, &query)).await?;
    let body =
        ListPage { items: page.items.into_iter().map(AuditEventBody::from).collect(), next_cursor: page.next_cursor };
    Ok(axum::Json(body).into_response())
}
