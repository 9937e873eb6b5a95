//! The audit trail for administrators and auditors (`AuditRead`, checked in `app`): a GET filter form, the events
//! newest first with a compact diff, "Older events" paging that keeps the filters, and a button that verifies the
//! hash chain.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Days, NaiveDate, Utc};
use domain::{PatientId, Validation, ValidationErrors};
use serde_json::Value;

use app::audit::AuditQuery;
use app::{AppError, AuditEvent};

use crate::AppState;
use crate::auth::{PageSession, PostedForm};
use crate::error::PageError;
use crate::form::{Field, InputKind, fill, unplaced_errors};
use crate::ui::Layout;
use crate::ui::admin::Notice;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(list_events)).route("/audit/verify", post(verify_chain))
}

const PAGE_SIZE: i64 = 50;
/// The longest value a diff line shows.
const MAX_VALUE_CHARS: usize = 80;
/// The filter's query parameters, in form order.
const FILTERS: [&str; 6] = ["actor", "patient_id", "entity_id", "entity_type", "from", "to"];

/// `2026-11-23 14:30:05 UTC`: the trail spans branches, so it is shown in UTC.
pub fn utc_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn truncate(text: &str) -> String {
    if text.chars().count() > MAX_VALUE_CHARS {
        format!("{}…", text.chars().take(MAX_VALUE_CHARS).collect::<String>())
    } else {
        text.to_owned()
    }
}

fn show_value(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(text)) => truncate(text),
        Some(other) => truncate(&other.to_string()),
    }
}

/// `field: from → to`, one line per changed field, from the stored `{"field": {"from": …, "to": …}}`.
pub fn diff_lines(diff: &str) -> Vec<String> {
    match serde_json::from_str::<Value>(diff) {
        Ok(Value::Object(fields)) => fields
            .iter()
            .map(|(field, change)| match change {
                Value::Object(c) if c.contains_key("from") || c.contains_key("to") => {
                    format!("{field}: {} → {}", show_value(c.get("from")), show_value(c.get("to")))
                }
                other => format!("{field}: {}", show_value(Some(other))),
            })
            .collect(),
        Ok(Value::Null) => Vec::new(),
        Ok(other) => vec![show_value(Some(&other))],
        Err(_) if diff.trim().is_empty() => Vec::new(),
        Err(_) => vec![truncate(diff)],
    }
}

fn parse_date(text: Option<&String>) -> Result<Option<NaiveDate>, String> {
    match text.map(|t| t.trim()).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => {
            NaiveDate::parse_from_str(t, "%Y-%m-%d").map(Some).map_err(|_| "must be a date (YYYY-MM-DD)".to_owned())
        }
    }
}

/// The use case's query from the filter parameters. Dates are whole UTC days, both included.
pub fn audit_query(params: &HashMap<String, String>) -> Result<AuditQuery, ValidationErrors> {
    let mut v = Validation::new();
    let text = |name: &str| params.get(name).map(|t| t.trim()).filter(|t| !t.is_empty()).map(str::to_owned);
    let from = v.check("from", parse_date(params.get("from")));
    let to = v.check("to", parse_date(params.get("to")));
    if let (Some(Some(from)), Some(Some(to))) = (from, to)
        && to < from
    {
        v.error("to", "must be on or after the from date");
    }
    let patient_id = text("patient_id");
    if patient_id.as_deref().is_some_and(|p| PatientId::parse(p).is_none()) {
        v.error("patient_id", "must be a patient id (a UUID, as in the patient's address)");
    }
    v.finish(|| {
        let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        Some(AuditQuery {
            actor: text("actor"),
            patient_id,
            entity_id: text("entity_id"),
            entity_type: text("entity_type"),
            from: from?.and_then(midnight),
            to: to?.and_then(|d| d.checked_add_days(Days::new(1))).and_then(midnight),
            cursor: text("cursor"),
            limit: Some(PAGE_SIZE),
        })
    })
}

/// The "Older events" address: the filters that are set, then the cursor.
fn older_href(params: &HashMap<String, String>, cursor: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = FILTERS
        .iter()
        .filter_map(|name| params.get(*name).map(|v| (*name, v.trim())).filter(|(_, v)| !v.is_empty()))
        .collect();
    pairs.push(("cursor", cursor));
    format!("/audit?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
}

pub struct AuditRow {
    pub seq: i64,
    pub time: String,
    pub actor: String,
    pub roles: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub entity_href: Option<String>,
    pub diff: Vec<String>,
    pub reason: String,
}

impl From<&AuditEvent> for AuditRow {
    fn from(e: &AuditEvent) -> Self {
        AuditRow {
            seq: e.seq,
            time: utc_time(e.occurred_at_utc()),
            actor: e.actor_name.clone(),
            roles: e.actor_roles.replace(',', ", "),
            action: e.action.clone(),
            entity_type: e.entity_type.clone(),
            entity_href: (e.entity_type == "patient" && PatientId::parse(&e.entity_id).is_some())
                .then(|| format!("/patients/{}", e.entity_id)),
            entity_id: e.entity_id.clone(),
            diff: diff_lines(&e.diff),
            reason: e.reason.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "audit/list.html")]
pub struct AuditPage {
    pub layout: Option<Layout>,
    pub fields: Vec<Field>,
    pub errors: Vec<String>,
    /// `None` when the filters are invalid and nothing was read.
    pub rows: Option<Vec<AuditRow>>,
    pub older_href: Option<String>,
    pub notice: Option<Notice>,
}

fn filter_fields() -> Vec<Field> {
    use InputKind::*;
    vec![
        Field::new("actor", "Actor (username)", Text),
        Field::new("patient_id", "Patient id", Text).hint("The id in the patient's address, /patients/…"),
        Field::new("entity_id", "Entity id", Text),
        Field::new("entity_type", "Entity type", Text).hint("e.g. patient, allergy, user, branch, api_token"),
        Field::new("from", "From date", Date).hint("UTC, included"),
        Field::new("to", "To date", Date).hint("UTC, included"),
    ]
}

fn render(session: &PageSession, params: &HashMap<String, String>, errors: Option<&ValidationErrors>) -> AuditPage {
    let mut fields = filter_fields();
    let values =
        params.iter().filter(|(k, _)| FILTERS.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
    fill(&mut fields, &values, errors);
    AuditPage {
        layout: Some(Layout::new(session, "/audit")),
        errors: unplaced_errors(&fields, errors),
        fields,
        rows: None,
        older_href: None,
        notice: None,
    }
}

pub async fn list_events(
    State(state): State<AppState>,
    session: PageSession,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let query = match audit_query(&params) {
        Ok(query) => query,
        Err(errors) => {
            session.caller.require(domain::role::Permission::AuditRead).map_err(PageError::from)?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&session, &params, Some(&errors))).into_response());
        }
    };
    let caller = session.caller.clone();
    match state.run(move |app| app.list_audit_events(&caller, &query)).await {
        Ok(page) => {
            let mut view = render(&session, &params, None);
            view.rows = Some(page.items.iter().map(AuditRow::from).collect());
            view.older_href = page.next_cursor.map(|c| older_href(&params, &c));
            Ok(view.into_response())
        }
        Err(AppError::Invalid(errors)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&session, &params, Some(&errors))).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn verify_chain(
    State(state): State<AppState>,
    PostedForm { session, .. }: PostedForm,
) -> Result<AuditPage, PageError> {
    let caller = session.caller.clone();
    let query = AuditQuery { limit: Some(PAGE_SIZE), ..AuditQuery::default() };
    let (verdict, page) =
        state.run(move |app| Ok((app.verify_audit(&caller)?, app.list_audit_events(&caller, &query)?))).await?;
    let params = HashMap::new();
    let mut view = render(&session, &params, None);
    view.notice = Some(match verdict {
        Ok(count) => Notice::ok(format!("Chain intact: {count} events")),
        Err(broken) => {
            Notice { text: format!("Chain broken at event {}: {}", broken.seq, broken.reason), is_error: true }
        }
    });
    view.rows = Some(page.items.iter().map(AuditRow::from).collect());
    view.older_href = page.next_cursor.map(|c| older_href(&params, &c));
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn diffs_render_one_changed_field_per_line() {
        let diff = r#"{"family_name":{"from":"Smith","to":"Smyth"},"lumens":{"from":null,"to":2},"tags":{"from":[],"to":["a"]}}"#;
        assert_eq!(diff_lines(diff), ["family_name: Smith → Smyth", "lumens: — → 2", r#"tags: [] → ["a"]"#]);
        assert!(diff_lines("{}").is_empty() && diff_lines("null").is_empty() && diff_lines("").is_empty());
        assert_eq!(diff_lines("not json"), ["not json"]);
    }

    #[test]
    fn long_values_are_cut_at_80_characters() {
        let long = "é".repeat(100);
        let line = &diff_lines(&serde_json::json!({"note": {"from": null, "to": long}}).to_string())[0];
        assert_eq!(line, &format!("note: — → {}…", "é".repeat(80)));
        assert_eq!(truncate(&"x".repeat(80)), "x".repeat(80));
    }

    #[test]
    fn filters_become_a_query_with_whole_days() {
        let query = audit_query(&params(&[
            ("actor", " ana "),
            ("from", "2026-03-01"),
            ("to", "2026-03-01"),
            ("entity_type", ""),
        ]))
        .unwrap();
        assert_eq!(query.actor.as_deref(), Some("ana"));
        assert_eq!(query.entity_type, None);
        assert_eq!(query.from.map(utc_time).as_deref(), Some("2026-03-01 00:00:00 UTC"));
        assert_eq!(query.to.map(utc_time).as_deref(), Some("2026-03-02 00:00:00 UTC"));
    }

    #[test]
    fn bad_filters_name_their_field() {
        let errors = audit_query(&params(&[("from", "2026-02-30"), ("patient_id", "123")])).unwrap_err();
        assert!(errors.message_for("from").is_some() && errors.message_for("patient_id").is_some(), "{errors:?}");
        let errors = audit_query(&params(&[("from", "2026-03-02"), ("to", "2026-03-01")])).unwrap_err();
        assert_eq!(errors.message_for("to"), Some("must be on or after the from date"));
    }

    #[test]
    fn older_link_keeps_the_filters() {
        let href = older_href(&params(&[("actor", "ana b"), ("to", ""), ("cursor", "99"), ("other", "x")]), "42");
        assert_eq!(href, "/audit?actor=ana+b&cursor=42");
    }
}
