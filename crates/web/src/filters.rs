//! Template helpers: URL encoding and branch-local time formatting.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Percent-encodes a query parameter value.
pub fn url_encode(text: &str) -> String {
    serde_urlencoded::to_string([("v", text)]).map(|s| s[2..].to_owned()).unwrap_or_default()
}

/// `2026-11-23 09:30 EST` in the branch's zone.
pub fn local_time(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%Y-%m-%d %H:%M %Z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_formats() {
        assert_eq!(url_encode("/patients?q=a b&c"), "%2Fpatients%3Fq%3Da+b%26c");
        let at = DateTime::parse_from_rfc3339("2026-11-23T14:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(local_time(at, chrono_tz::America::New_York), "2026-11-23 09:30 EST");
    }
}
