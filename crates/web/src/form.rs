//! Form handling: `FormData` (the posted fields), and `Field`, the view model the form templates render — label,
//! input type, value, and the inline error next to the field.

use std::collections::HashMap;

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use domain::ValidationErrors;

use crate::error::PageError;

/// Posted form fields (`application/x-www-form-urlencoded`). Repeated names keep every value.
#[derive(Debug, Default, Clone)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// A field as `Option<String>`: absent or blank is `None`.
    pub fn opt(&self, name: &str) -> Option<String> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    pub fn to_map(&self) -> HashMap<String, String> {
        self.0.iter().cloned().collect()
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| PageError::Status(e.status(), "The form could not be read.".into()))?;
        serde_urlencoded::from_bytes(&bytes)
            .map(FormData)
            .map_err(|_| PageError::Status(StatusCode::BAD_REQUEST, "The form could not be read.".into()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputKind {
    Text,
    Date,
    DateTime,
    Number,
    Email,
    Tel,
    Password,
    Select(Vec<(String, String)>),
    Checkbox,
}

/// One input of a rendered form.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: InputKind,
    pub value: String,
    pub error: Option<String>,
    pub hint: Option<&'static str>,
    pub required: bool,
    pub autocomplete: &'static str,
}

impl Field {
    pub fn new(name: &'static str, label: &'static str, kind: InputKind) -> Self {
        Self { name, label, kind, value: String::new(), error: None, hint: None, required: false, autocomplete: "off" }
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }

    pub fn autocomplete(mut self, value: &'static str) -> Self {
        self.autocomplete = value;
        self
    }

    /// Used for template rendering.
    pub fn input_type(&self) -> &'static str {
        match self.kind {
            InputKind::Text | InputKind::Select(_) => "text",
            InputKind::Date => "date",
            InputKind::DateTime => "datetime-local",
            InputKind::Number => "text",
            InputKind::Email => "email",
            InputKind::Tel => "tel",
            InputKind::Password => "password",
            InputKind::Checkbox => "checkbox",
        }
    }

    /// Used for template rendering.
    pub fn options(&self) -> &[(String, String)] {
        match &self.kind {
            InputKind::Select(options) => options,
            _ => &[],
        }
    }

    /// Used for template rendering.
    pub fn is_select(&self) -> bool {
        matches!(self.kind, InputKind::Select(_))
    }

    /// Used for template rendering.
    pub fn is_checkbox(&self) -> bool {
        matches!(self.kind, InputKind::Checkbox)
    }

    /// Used for template rendering.
    pub fn inputmode(&self) -> &'static str {
        if self.kind == InputKind::Number { "decimal" } else { "" }
    }

    /// Used for template rendering: `aria-describedby` ids.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.name));
        }
        ids.join(" ")
    }
}

/// Select options from a text enum: (value, label).
pub fn options<T: Copy>(
    all: &[T],
    value: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter().map(|item| (value(*item).to_owned(), label(*item).to_owned())).collect()
}

/// The text fields of a domain input (`PatientInput`, `AllergyInput`, …) as form values, for edit forms.
pub fn input_values<T: serde::Serialize>(input: &T) -> HashMap<String, String> {
    match serde_json::to_value(input) {
        Ok(serde_json::Value::Object(map)) => {
            map.into_iter().filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned()))).collect()
        }
        _ => HashMap::new(),
    }
}

/// Fills values from a map and errors from validation, so a re-rendered form keeps what the user typed.
pub fn fill(fields: &mut [Field], values: &HashMap<String, String>, errors: Option<&ValidationErrors>) {
    for field in fields.iter_mut() {
        if let Some(value) = values.get(field.name) {
            field.value = value.clone();
        }
        field.error = errors.and_then(|e| e.message_for(field.name)).map(str::to_owned);
    }
}

/// Errors that name no field of the form, shown above it.
pub fn unplaced_errors(fields: &[Field], errors: Option<&ValidationErrors>) -> Vec<String> {
    errors
        .map(|e| {
            e.0.iter()
                .filter(|fe| !fields.iter().any(|f| f.name == fe.field))
                .map(|fe| format!("{}: {}", fe.field.replace('_', " "), fe.message))
                .collect()
        })
        .unwrap_or_default()
}
