//! Administration: users and their roles per branch, branches, and API tokens. The `app` use cases check the
//! permissions (`UserAdmin`, `BranchAdmin`, `TokenAdmin`); these pages render their results.

pub mod branches;
pub mod grants;
pub mod tokens;
pub mod user_detail;
pub mod users;

use axum::Router;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().merge(users::router()).merge(user_detail::router()).merge(branches::router()).merge(tokens::router())
}

/// A message above a page's content: the outcome of an action, or why it was refused.
pub struct Notice {
    pub text: String,
    pub is_error: bool,
}

impl Notice {
    pub fn ok(text: impl Into<String>) -> Self {
        Self { text: text.into(), is_error: false }
    }

    /// An application message as a sentence: capitalised, with a full stop.
    pub fn error(text: &str) -> Self {
        let mut chars = text.chars();
        let mut sentence: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
        if !sentence.ends_with(['.', '!', '?']) {
            sentence.push('.');
        }
        Self { text: sentence, is_error: true }
    }

    /// Used for template rendering: the notice's class.
    pub fn class(&self) -> &'static str {
        if self.is_error { "error" } else { "ok" }
    }
}

pub use super::parse_id;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_notices_read_as_sentences() {
        assert_eq!(Notice::error("you cannot disable your own account").text, "You cannot disable your own account.");
        assert_eq!(Notice::error("Done!").text, "Done!");
        assert!(Notice::error("x").is_error && !Notice::ok("y").is_error);
    }
}
