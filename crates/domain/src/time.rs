//! Instants from users: RFC 3339 with an offset is exact; a local date-time without offset (an HTML
//! `datetime-local` field) is read in the branch's time zone. Stored UTC, truncated to microseconds (both backends
//! keep microseconds, see notes/storage.md).

use chrono::{DateTime, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// How far a clinical time may lie ahead of the server clock (clock skew between devices).
pub const FUTURE_TOLERANCE_MINUTES: i64 = 5;

pub fn truncate_to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    at.with_nanosecond(at.nanosecond() / 1_000 * 1_000).unwrap_or(at)
}

/// Parses an instant that must not lie in the future (beyond the tolerance).
pub fn parse_past_instant(text: Option<&str>, zone: Tz, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = crate::patient::non_empty(text).ok_or("is required")?;
    let at = parse_instant(text, zone)?;
    if at > now + chrono::Duration::minutes(FUTURE_TOLERANCE_MINUTES) {
        return Err("must not be in the future".into());
    }
    Ok(at)
}

/// Parses an instant with an offset, or a local date-time read in `zone`.
pub fn parse_instant(text: &str, zone: Tz) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(truncate_to_micros(at.with_timezone(&Utc)));
    }
    let local = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .ok_or("must be a date and time such as 2026-11-01T08:30:00Z")?;
    let at = zone
        .from_local_datetime(&local)
        .earliest()
        .ok_or("does not exist in the branch's time zone (daylight-saving gap)")?;
    Ok(truncate_to_micros(at.with_timezone(&Utc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 15, 0, 0).unwrap()
    }

    #[test]
    fn offsets_and_local_times() {
        let z = chrono_tz::America::New_York;
        let exact = parse_past_instant(Some("2026-11-01T08:30:00-05:00"), z, now()).unwrap();
        assert_eq!(exact, Utc.with_ymd_and_hms(2026, 11, 1, 13, 30, 0).unwrap());
        let local = parse_past_instant(Some("2026-11-01T08:30"), z, now()).unwrap();
        assert_eq!(local, exact, "New York is UTC-5 on 1 November 2026 (EST from that day)");
        assert_eq!(
            parse_past_instant(Some("2026-11-24T00:00:00Z"), z, now()).unwrap_err(),
            "must not be in the future"
        );
        assert!(parse_past_instant(Some("yesterday"), z, now()).is_err());
        assert_eq!(parse_past_instant(None, z, now()).unwrap_err(), "is required");
    }
}
