//! `/api/v1/orders`: decision support on a proposed order, create, read, list, change, renew, move through the
//! state machine and verify (with overrides of hard stops).

use std::collections::HashMap;

use app::orders::{OrderQuery, Override};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use clinical::checks::CheckResult;
use domain::OrderId;
use domain::order::{Order, OrderAction, OrderInput, OrderStatus};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::patients::query_limit;
use super::{ApiJson, IfMatch, ListPage, created, etag, path_id};
use crate::AppState;
use crate::auth::ApiCaller;
use crate::error::{ApiError, Problem};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(check_order))
        .routes(routes!(list_orders, create_order))
        .routes(routes!(get_order, change_order))
        .routes(routes!(order_transition))
        .routes(routes!(renew_order))
        .routes(routes!(order_verifications))
}

/// An order with its prescription number.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderBody {
    pub rx_number: String,
    #[serde(flatten)]
    pub order: Order,
}

impl From<Order> for OrderBody {
    fn from(order: Order) -> Self {
        OrderBody { rx_number: order.rx_number(), order }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// submit, verify, reject, request_clarification, activate, hold, resume, complete or discontinue.
    pub action: String,
    /// Required to reject, ask for clarification, hold or discontinue.
    pub reason: Option<String>,
    /// Verify only: one per hard stop, naming the alert's `key`.
    #[serde(default)]
    pub overrides: Vec<Override>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewRequest {
    pub duration_days: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VerificationBody {
    pub id: String,
    pub order_version: i64,
    pub outcome: String,
    pub pharmacist: String,
    pub occurred_at: DateTime<Utc>,
    pub reason: Option<String>,
    /// The alerts the pharmacist saw, as decision support gave them.
    pub alerts: serde_json::Value,
    pub overrides: serde_json::Value,
}

/// Decision support on a proposed order without saving it: the calculations and every alert with its severity,
/// numbers and source.
#[utoipa::path(post, path = "/api/v1/orders/check", tag = "orders", request_body = OrderInput,
    responses((status = 200, body = CheckResult), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn check_order(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(input): ApiJson<OrderInput>,
) -> Result<Response, ApiError> {
    let check = state.run(move |app| app.check_order(&caller, &input)).await?;
    Ok(axum::Json(check.result).into_response())
}

fn statuses(query: &HashMap<String, String>) -> Result<Vec<OrderStatus>, ApiError> {
    match query.get("status").map(String::as_str).filter(|s| !s.is_empty()) {
        None => Ok(Vec::new()),
        Some(text) => text
            .split(',')
            .map(|s| {
                OrderStatus::parse(s.trim()).ok_or_else(|| {
                    ApiError::field(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "status",
                        format!("must be one or more of {}, separated by commas", OrderStatus::expected()),
                    )
                })
            })
            .collect(),
    }
}

/// Orders of a patient (`patient_id`, newest first), or at the caller's branches in queue order (priority, then
/// waiting time); `status` filters (comma-separated).
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders",
    params(("patient_id" = Option<String>, Query), ("status" = Option<String>, Query, description = "e.g. pending_verification,verified"),
           ("limit" = Option<i64>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = ListPage<OrderBody>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn list_orders(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let patient_id = match query.get("patient_id").filter(|p| !p.is_empty()) {
        Some(p) => Some(
            p.parse()
                .map_err(|_| ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "patient_id", "is not a patient id"))?,
        ),
        None => None,
    };
    let order_query = OrderQuery {
        patient_id,
        statuses: statuses(&query)?,
        cursor: query.get("cursor").cloned(),
        limit: query_limit(&query)?,
    };
    let page = state.run(move |app| app.list_orders(&caller, &order_query)).await?;
    let items = page.items.into_iter().map(OrderBody::from).collect();
    Ok(axum::Json(ListPage { items, next_cursor: page.next_cursor }).into_response())
}

/// Create an order; it goes to the pharmacist's queue (`pending_verification`) unless `?draft=true`.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = OrderInput,
    params(("draft" = Option<bool>, Query, description = "save as a draft instead of submitting for verification")),
    responses((status = 201, body = OrderBody), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_order(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Query(query): Query<HashMap<String, String>>,
    ApiJson(input): ApiJson<OrderInput>,
) -> Result<Response, ApiError> {
    let draft = match query.get("draft").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "draft", "must be true or false")),
    };
    let order = state.run(move |app| app.create_order(&caller, &input, !draft)).await?;
    Ok(created(format!("/api/v1/orders/{}", order.id), order.version, OrderBody::from(order)))
}

/// Read one order version; `ETag` carries its row version.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = OrderBody), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_order(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: OrderId = path_id(&id, "order")?;
    let view = state.run(move |app| app.get_order(&caller, id)).await?;
    Ok((etag(view.order.version), axum::Json(OrderBody::from(view.order))).into_response())
}

/// Change an order: a JSON merge patch of order fields plus `change_reason`. Before verification the order changes
/// in place; a verified, active or held order gets a new version (pending verification, `previous_id` linking it)
/// and needs `change_reason`. Needs `If-Match`.
#[utoipa::path(patch, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = String, Path)), request_body = OrderInput,
    responses((status = 200, body = OrderBody), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)))]
pub async fn change_order(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(mut patch): ApiJson<serde_json::Map<String, serde_json::Value>>,
) -> Result<Response, ApiError> {
    let id: OrderId = path_id(&id, "order")?;
    let reason = match patch.remove("change_reason") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(text)) => Some(text),
        Some(_) => {
            return Err(ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "change_reason", "must be a string"));
        }
    };
    let order = state
        .run(move |app| {
            let view = app.get_order(&caller, id)?;
            let zone = app.branch_zone(view.order.branch_id)?;
            let current = view.order.fields.to_input(view.order.patient_id, zone);
            let input = app::merge_patch(&current, patch, "an order")?;
            app.change_order(&caller, id, version, &input, reason.as_deref())
        })
        .await?;
    let status = if order.id == id { StatusCode::OK } else { StatusCode::CREATED };
    let mut response = (etag(order.version), axum::Json(OrderBody::from(order.clone()))).into_response();
    *response.status_mut() = status;
    if status == StatusCode::CREATED
        && let Ok(value) = axum::http::HeaderValue::from_str(&format!("/api/v1/orders/{}", order.id))
    {
        response.headers_mut().insert(axum::http::header::LOCATION, value);
    }
    Ok(response)
}

/// Move an order through its states: submit, verify (with `overrides` for hard stops), reject, request_clarification,
/// activate, hold, resume, complete, discontinue. A move the state machine does not allow is 409 naming the current
/// state. Needs `If-Match`.
#[utoipa::path(post, path = "/api/v1/orders/{id}/transitions", tag = "orders", params(("id" = String, Path)), request_body = TransitionRequest,
    responses((status = 200, body = OrderBody), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 412, body = Problem), (status = 422, body = Problem), (status = 428, body = Problem)))]
pub async fn order_transition(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    IfMatch(version): IfMatch,
    ApiJson(request): ApiJson<TransitionRequest>,
) -> Result<Response, ApiError> {
    let id: OrderId = path_id(&id, "order")?;
    let action = OrderAction::parse(request.action.trim()).ok_or_else(|| {
        ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "action",
            format!("must be one of {}", OrderAction::expected()),
        )
    })?;
    if action != OrderAction::Verify && !request.overrides.is_empty() {
        return Err(ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "overrides", "apply to verify only"));
    }
    let order = state
        .run(move |app| match action {
            OrderAction::Verify => app.verify_order(&caller, id, version, &request.overrides),
            other => app.transition_order(&caller, id, version, other, request.reason.as_deref()),
        })
        .await?;
    Ok((etag(order.version), axum::Json(OrderBody::from(order))).into_response())
}

/// Renew a verified, active or completed order: a new version starting when it ends, pending verification.
#[utoipa::path(post, path = "/api/v1/orders/{id}/renew", tag = "orders", params(("id" = String, Path)), request_body = RenewRequest,
    responses((status = 201, body = OrderBody), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn renew_order(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<RenewRequest>,
) -> Result<Response, ApiError> {
    let id: OrderId = path_id(&id, "order")?;
    let order = state.run(move |app| app.renew_order(&caller, id, request.duration_days)).await?;
    Ok(created(format!("/api/v1/orders/{}", order.id), order.version, OrderBody::from(order)))
}

/// The pharmacists' decisions on an order, with the alerts they saw and the overrides they gave.
#[utoipa::path(get, path = "/api/v1/orders/{id}/verifications", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = ListPage<VerificationBody>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn order_verifications(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: OrderId = path_id(&id, "order")?;
    let view = state.run(move |app| app.get_order(&caller, id)).await?;
    let items = view
        .verifications
        .into_iter()
        .map(|v| VerificationBody {
            id: v.id,
            order_version: v.order_version,
            outcome: v.outcome,
            pharmacist: v.pharmacist_name,
            occurred_at: v.occurred_at,
            reason: v.reason,
            alerts: serde_json::from_str(&v.alerts).unwrap_or_default(),
            overrides: serde_json::from_str(&v.overrides).unwrap_or_default(),
        })
        .collect();
    Ok(axum::Json(ListPage { items, next_cursor: None }).into_response())
}
