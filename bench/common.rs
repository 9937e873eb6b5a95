//! Helpers shared by the benchmark programs (each `mod common;`): nearest-rank percentiles, milliseconds, the
//! splitmix64 mixer for deterministic draws, and a scratch PostgreSQL database per run.

use std::time::Duration;

use anyhow::Context;
use diesel::Connection;
use diesel::connection::SimpleConnection;

/// Nearest-rank percentile of sorted values; `None` when there are none.
pub fn nearest_rank<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

/// Nearest-rank percentile of sorted durations (zero when there are none).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    nearest_rank(sorted, p).unwrap_or_default()
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

/// splitmix64 (Steele, Lea, Flood 2014): a well-mixed 64-bit value from a counter.
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Runs `body` with the URL of a new database `bench_<uuid>` created through `admin_url`, then drops it (kept when
/// `BENCH_KEEP_DATABASE` is set, for `EXPLAIN ANALYZE`).
pub fn with_scratch_postgres<T>(admin_url: &str, body: impl FnOnce(&str) -> anyhow::Result<T>) -> anyhow::Result<T> {
    let name = format!("bench_{}", uuid::Uuid::now_v7().simple());
    let mut admin = diesel::PgConnection::establish(admin_url).context("connecting to PostgreSQL")?;
    admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")).context("creating the benchmark database")?;
    let result = with_database(admin_url, &name).and_then(|url| body(&url));
    if std::env::var_os("BENCH_KEEP_DATABASE").is_some() {
        eprintln!("postgres: kept database {name} (BENCH_KEEP_DATABASE is set)");
        return result;
    }
    let dropped = admin.batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"));
    let value = result?;
    dropped.with_context(|| format!("dropping database {name}"))?;
    Ok(value)
}

/// `url` with its database name replaced by `name` (any `?query` is kept).
fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let host_start = base.find("://").map(|i| i + 3).context("the PostgreSQL URL has no scheme")?;
    let host_end = base[host_start..].find('/').map_or(base.len(), |i| host_start + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    Ok(out)
}
