#!/usr/bin/env bash
# Real-browser end-to-end test for OpenInfusion.
#
#   bash e2e/run.sh
#
# Builds (or takes $OPENINFUSION_BIN), migrates a fresh SQLite database in a
# temp dir, creates an intake user, starts the server on a free loopback port,
# and runs the node:test suite in e2e/tests/ against it with playwright-core
# driving Debian's chromium. Exits with the test runner's exit code.
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$E2E_DIR/.." && pwd)"
cd "$REPO_ROOT"

log() { printf '[e2e] %s\n' "$*"; }
die() { printf '[e2e] ERROR: %s\n' "$*" >&2; exit 1; }

E2E_USERNAME="${E2E_USERNAME:-e2e-intake}"
E2E_PASSWORD="${E2E_PASSWORD:-e2e-Secret-pass-1}"
CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
STARTUP_TIMEOUT_S="${E2E_STARTUP_TIMEOUT:-30}"

# ---- Browser ---------------------------------------------------------------
if [[ ! -x "$CHROMIUM_PATH" ]]; then
  if [[ "$CHROMIUM_PATH" != /usr/bin/chromium ]]; then
    die "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable"
  fi
  log "chromium missing: installing Debian's chromium package"
  SUDO=()
  if [[ "$(id -u)" != 0 ]] && command -v sudo >/dev/null 2>&1; then SUDO=(sudo); fi
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [[ -x /usr/bin/chromium ]] || die "apt-get install chromium did not provide /usr/bin/chromium"
fi
log "browser: $CHROMIUM_PATH ($("$CHROMIUM_PATH" --version 2>/dev/null | head -n1 || true))"
export CHROMIUM_PATH

# ---- playwright-core ---------------------------------------------------------
if [[ ! -d "$E2E_DIR/node_modules/playwright-core" ]]; then
  log "installing e2e npm dependencies (npm ci)"
  (cd "$E2E_DIR" && npm ci --no-audit --no-fund --loglevel=error)
fi
log "playwright-core $(node -p "require('$E2E_DIR/node_modules/playwright-core/package.json').version")"

# ---- Server binary -------------------------------------------------------------
if [[ -n "${OPENINFUSION_BIN:-}" ]]; then
  BIN="$OPENINFUSION_BIN"
  log "using OPENINFUSION_BIN=$BIN"
else
  log "building openinfusion (cargo build -p openinfusion)"
  cargo build -p openinfusion
  BIN="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/debug/openinfusion"
fi
[[ -x "$BIN" ]] || die "server binary not found or not executable: $BIN"

# ---- Temp dir, cleanup -----------------------------------------------------------
TMP="$(mktemp -d "${TMPDIR:-/tmp}/openinfusion-e2e.XXXXXX")"
SERVER_LOG="$TMP/server.log"
SERVER_PID=""

print_server_log() {
  if [[ -s "$SERVER_LOG" ]]; then
    printf '[e2e] ---- server log (last 80 lines of %s) ----\n' "$SERVER_LOG" >&2
    tail -n 80 "$SERVER_LOG" >&2 || true
    printf '[e2e] ---- end of server log ----\n' >&2
  fi
}

cleanup() {
  local rc=$?
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 ]]; then
    print_server_log
    log "FAILED (exit $rc); temp dir kept: $TMP"
  else
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

DB_URL="sqlite://$TMP/e2e.db"

# ---- Database + user ---------------------------------------------------------------
log "migrating $DB_URL"
"$BIN" migrate --database-url "$DB_URL"

log "creating user $E2E_USERNAME (role intake)"
printf '%s' "$E2E_PASSWORD" | "$BIN" admin create-user --database-url "$DB_URL" \
  --username "$E2E_USERNAME" --role intake --password-stdin

E2E_PHARMACIST="${E2E_PHARMACIST:-e2e-pharmacist}"
log "creating user $E2E_PHARMACIST (role pharmacist) and an API token for the test's setup calls"
printf '%s' "$E2E_PASSWORD" | "$BIN" admin create-user --database-url "$DB_URL" \
  --username "$E2E_PHARMACIST" --role pharmacist --password-stdin
E2E_PHARMACIST_TOKEN="$("$BIN" admin create-token --database-url "$DB_URL" --username "$E2E_PHARMACIST")"

# ---- Server ------------------------------------------------------------------------
log "starting server (log: $SERVER_LOG)"
"$BIN" serve --database-url "$DB_URL" --bind 127.0.0.1:0 >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

BASE_URL=""
deadline=$((SECONDS + STARTUP_TIMEOUT_S))
while [[ -z "$BASE_URL" ]]; do
  line="$(grep -m1 -E '^openinfusion listening on http://[^[:space:]]+$' "$SERVER_LOG" 2>/dev/null || true)"
  if [[ -n "$line" ]]; then
    BASE_URL="${line#openinfusion listening on }"
    BASE_URL="${BASE_URL%/}"
    break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || die "server exited before it was listening"
  (( SECONDS < deadline )) || die "server did not print 'openinfusion listening on http://...' within ${STARTUP_TIMEOUT_S}s"
  sleep 0.1
done
log "server up at $BASE_URL (pid $SERVER_PID)"

# ---- Tests -----------------------------------------------------------------------------
shopt -s nullglob
TEST_FILES=("$E2E_DIR"/tests/*.test.js)
shopt -u nullglob
(( ${#TEST_FILES[@]} > 0 )) || die "no test files in $E2E_DIR/tests/"

log "running node --test (${#TEST_FILES[@]} file(s))"
set +e
BASE_URL="$BASE_URL" E2E_USERNAME="$E2E_USERNAME" E2E_PASSWORD="$E2E_PASSWORD" \
  E2E_PHARMACIST="$E2E_PHARMACIST" E2E_PHARMACIST_TOKEN="$E2E_PHARMACIST_TOKEN" \
  timeout --kill-after=10 180 node --test --test-reporter=spec "${TEST_FILES[@]}"
rc=$?
set -e

if [[ $rc -eq 0 ]]; then
  log "PASSED"
else
  log "tests failed (exit $rc); screenshots/HTML in $E2E_DIR/test-results/"
fi
exit "$rc"
