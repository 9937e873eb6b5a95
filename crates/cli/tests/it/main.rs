//! The `openinfusion` binary as an operator uses it: migrate, create users and tokens, verify the audit trail, start
//! and stop the server; and the one-line errors for bad configuration.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use testkit::spawn::{Backend, TestDb, postgres_not_configured};

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_openinfusion"))
}

fn run(args: &[&str], stdin: Option<&str>) -> Result<Output> {
    let mut child = binary()
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(input) = stdin {
        child.stdin.take().context("stdin")?.write_all(input.as_bytes())?;
    }
    drop(child.stdin.take());
    Ok(child.wait_with_output()?)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_database_that_cannot_be_opened_is_one_clear_line() -> Result<()> {
    for url in ["postgres://nobody@127.0.0.1:1/none", "mysql://x/y", "sqlite:///nonexistent-dir/sub/x.db"] {
        let out = run(&["migrate", "--database-url", url], None)?;
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{url}: must fail");
        assert_eq!(stderr.trim().lines().count(), 1, "{url}: one line, got {stderr:?}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{stderr}");
    }
    let out = run(&["serve", "--bind", "not-an-address", "--database-url", "sqlite:///tmp/x.db"], None)?;
    assert!(!out.status.success() && text(&out.stderr).contains("--bind"));
    Ok(())
}

fn operator_story(backend: Backend) -> Result<()> {
    let Some(db) = TestDb::new(backend)? else {
        postgres_not_configured("operator_story");
        return Ok(());
    };
    let url = db.url.as_str();
    assert!(run(&["migrate", "--database-url", url], None)?.status.success());
    let created = run(
        &[
            "admin",
            "create-user",
            "--database-url",
            url,
            "--username",
            "ops-admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some("operator-password-1\n"),
    )?;
    assert!(created.status.success(), "{}", text(&created.stderr));
    let weak = run(
        &["admin", "create-user", "--database-url", url, "--username", "weak", "--role", "nurse", "--password-stdin"],
        Some("short"),
    )?;
    assert!(!weak.status.success());
    assert!(text(&weak.stderr).contains("password: must be at least 12 characters"), "{}", text(&weak.stderr));
    let bad_role = run(&["admin", "create-user", "--username", "x", "--role", "wizard", "--password-stdin"], None)?;
    assert!(!bad_role.status.success() && text(&bad_role.stderr).contains("must be one of"));

    let token = run(&["admin", "create-token", "--database-url", url, "--username", "ops-admin"], None)?;
    assert!(token.status.success());
    let stdout = text(&token.stdout);
    assert_eq!(stdout.lines().count(), 1, "only the token on stdout: {stdout:?}");
    assert!(stdout.starts_with("oit_") && stdout.trim().len() > 40);

    let verified = run(&["admin", "verify-audit", "--database-url", url], None)?;
    assert!(
        verified.status.success(),
        "verify-audit: {:?}, stdout {:?}, stderr {:?}",
        verified.status,
        text(&verified.stdout),
        text(&verified.stderr)
    );
    assert!(text(&verified.stdout).contains("audit chain intact"));

    // Tamper with a row (after removing the append-only trigger) and the command names it.
    let pool = store::open_pool(&store::DatabaseUrl::parse(url)?, 1)?;
    let mut conn = pool.get()?;
    use diesel::connection::SimpleConnection;
    match backend {
        Backend::Sqlite => conn.batch_execute("DROP TRIGGER audit_events_no_update")?,
        Backend::Postgres => conn.batch_execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update")?,
    }
    conn.batch_execute("UPDATE audit_events SET reason = 'edited' WHERE seq = 2")?;
    drop(conn);
    let broken = run(&["admin", "verify-audit", "--database-url", url], None)?;
    assert!(!broken.status.success());
    assert!(text(&broken.stderr).contains("broken at event 2"), "{}", text(&broken.stderr));
    Ok(())
}

#[test]
fn operator_story_sqlite() -> Result<()> {
    operator_story(Backend::Sqlite)
}

#[test]
fn operator_story_postgres() -> Result<()> {
    operator_story(Backend::Postgres)
}

#[test]
fn serve_prints_its_address_and_stops_gracefully_on_sigterm() -> Result<()> {
    let db = TestDb::new(Backend::Sqlite)?.context("sqlite")?;
    let started = Instant::now();
    let mut child = binary()
        .args(["serve", "--database-url", &db.url, "--bind", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().context("stdout")?).read_line(&mut line)?;
    let startup = started.elapsed();
    let address = line.trim().strip_prefix("openinfusion listening on ").context(line.clone())?.to_owned();
    assert!(address.starts_with("http://127.0.0.1:"), "{address}");
    assert!(startup < Duration::from_secs(10), "start-up took {startup:?}");
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status()?;
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(exit) = child.try_wait()? {
            assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
            break;
        }
        assert!(Instant::now() < deadline, "did not stop within 10 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}
