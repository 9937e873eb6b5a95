//! `/api/v1/formulary`: the formulary entries (read by everyone who works with orders; maintained by pharmacists,
//! every edit a new version with a reason).

use app::formulary_types::StoredEntry;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use domain::formulary::FormularyEntry;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, IfMatch, ListPage, etag};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, Problem};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_formulary))
        .routes(routes!(get_formulary_entry, replace_formulary_entry))
        .routes(routes!(formulary_history))
}

/// An entry with its row version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FormularyItem {
    pub id: String,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    #[serde(flatten)]
    pub entry: FormularyEntry,
}

impl From<StoredEntry> for FormularyItem {
    fn from(s: StoredEntry) -> Self {
        FormularyItem {
            id: s.entry.code.clone(),
            version: s.version,
            updated_at: s.updated_at,
            updated_by: s.updated_by,
            entry: s.entry,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormularyChange {
    pub entry: FormularyEntry,
    /// Why it changes (the P&T decision, the label update).
    pub reason: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FormularyVersion {
    pub version: i64,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
    pub reason: String,
    pub entry: FormularyEntry,
}

/// Every formulary entry, by name.
#[utoipa::path(get, path = "/api/v1/formulary", tag = "formulary",
    responses((status = 200, body = ListPage<FormularyItem>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_formulary(State(state): State<AppState>, ApiCaller(caller): ApiCaller) -> Result<Response, ApiError> {
    let entries = state.run(move |app| app.list_formulary(&caller)).await?;
    let items: Vec<FormularyItem> = entries.into_iter().map(FormularyItem::from).collect();
    Ok(axum::Json(ListPage { items, next_cursor: None }).into_response())
}

/// One entry by its code; `ETag` carries its version.
#[utoipa::path(get, path = "/api/v1/formulary/{code}", tag = "formulary", params(("code" = String, Path)),
    responses((status = 200, body = FormularyItem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_formulary_entry(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let stored = state.run(move |app| app.get_formulary_entry(&caller, &code)).await?;
    Ok((etag(stored.version), axum::Json(FormularyItem::from(stored))).into_response())
}

/// Replace an entry with a reviewed new version (pharmacists). Needs `If-Match: "<version>"` and a reason.
#[utoipa::path(put, path = "/api/v1/formulary/{code}", tag = "formulary", params(("code" = String, Path)), request_body = FormularyChange,
    responses((status = 200, body = FormularyItem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)))]
pub async fn replace_formulary_entry(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(code): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(change): ApiJson<FormularyChange>,
) -> Result<Response, ApiError> {
    let stored =
        state.run(move |app| app.update_formulary_entry(&caller, &code, version, change.entry, &change.reason)).await?;
    Ok((etag(stored.version), axum::Json(FormularyItem::from(stored))).into_response())
}

/// Every kept version of an entry, newest first.
#[utoipa::path(get, path = "/api/v1/formulary/{code}/versions", tag = "formulary", params(("code" = String, Path)),
    responses((status = 200, body = ListPage<FormularyVersion>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn formulary_history(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let versions = state.run(move |app| app.formulary_history(&caller, &code)).await?;
    let items = versions
        .into_iter()
        .map(|v| FormularyVersion {
            version: v.version,
            changed_at: v.changed_at,
            changed_by: v.changed_by,
            reason: v.reason,
            entry: v.entry,
        })
        .collect();
    Ok(axum::Json(ListPage { items, next_cursor: None }).into_response())
}
