#!/usr/bin/env bash
# Runs every test: unit tests, the integration suite on a throwaway PostgreSQL cluster and
# on SQLite, and the end-to-end suite in headless Chromium against the built server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh test
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
. scripts/pg.sh
RUN="$(mktemp -d /tmp/throughline-test.XXXXXX)"
chmod 755 "$RUN"
PGPORT=$(free_port)
E2E_PORT=$(free_port "$PGPORT")
S3_PORT=$(free_port "$PGPORT" "$E2E_PORT")
# A second instance on a fresh platform (no demo data) sends its e-mail to the browser suite
# that listens on SMTP_PORT (end2end/tests/smtp-sink.mjs).
FRESH_PORT=$(free_port "$PGPORT" "$E2E_PORT" "$S3_PORT")
SMTP_PORT=$(free_port "$PGPORT" "$E2E_PORT" "$S3_PORT" "$FRESH_PORT")
FRESH_PASSWORD="harbor-msp-password-1"
SERVER_PID=""
FRESH_PID=""
S3_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  [ -n "$FRESH_PID" ] && kill "$FRESH_PID" 2>/dev/null || true
  [ -n "$S3_PID" ] && kill "$S3_PID" 2>/dev/null || true
  stop_pg "$RUN"
  rm -rf "$RUN"
}
trap cleanup EXIT

echo "==> starting a throwaway PostgreSQL cluster on port $PGPORT"
start_pg "$RUN" "$PGPORT"
export THROUGHLINE_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"

echo "==> starting an S3-compatible server (moto) on port $S3_PORT"
moto_server -H 127.0.0.1 -p "$S3_PORT" > "$RUN/s3.log" 2>&1 &
S3_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$S3_PORT/" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$S3_PORT/" >/dev/null || { cat "$RUN/s3.log"; exit 1; }
export THROUGHLINE_TEST_S3_ENDPOINT="http://127.0.0.1:$S3_PORT"

echo "==> unit tests and the integration suite on PostgreSQL (documents in S3)"
cargo test --workspace --exclude frontend
echo "==> the integration suite on SQLite (documents in a local folder)"
THROUGHLINE_TEST_DATABASE_URL="" THROUGHLINE_TEST_S3_ENDPOINT="" cargo test -p throughline --tests

echo "==> building the site (server + wasm + css)"
cargo leptos build
echo "==> end-to-end tests in headless Chromium"
mkdir -p "$RUN/e2e-data"
THROUGHLINE_DEMO=true THROUGHLINE_WEBHOOK_ALLOW=127.0.0.1 THROUGHLINE_DATA_DIR="$RUN/e2e-data" LEPTOS_SITE_ADDR="127.0.0.1:$E2E_PORT" LEPTOS_SITE_ROOT=target/site \
  THROUGHLINE_LOG=warn ./target/debug/throughline serve > "$RUN/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$E2E_PORT/healthz" >/dev/null 2>&1 && break; sleep 0.3; done
curl -fs "http://127.0.0.1:$E2E_PORT/healthz" >/dev/null || { cat "$RUN/server.log"; exit 1; }
mkdir -p "$RUN/e2e-fresh"
echo "$FRESH_PASSWORD" | THROUGHLINE_DATA_DIR="$RUN/e2e-fresh" THROUGHLINE_LOG=warn ./target/debug/throughline create-partner --name "Harbor MSP" --admin-email msp@harbor.test --admin-name "Mia Harbor" > "$RUN/fresh.log" 2>&1
THROUGHLINE_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" THROUGHLINE_DATA_DIR="$RUN/e2e-fresh" LEPTOS_SITE_ADDR="127.0.0.1:$FRESH_PORT" LEPTOS_SITE_ROOT=target/site \
  THROUGHLINE_LOG=warn ./target/debug/throughline serve >> "$RUN/fresh.log" 2>&1 &
FRESH_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$FRESH_PORT/healthz" >/dev/null 2>&1 && break; sleep 0.3; done
curl -fs "http://127.0.0.1:$FRESH_PORT/healthz" >/dev/null || { cat "$RUN/fresh.log"; exit 1; }
BASE_PORT=$E2E_PORT FRESH_PORT=$FRESH_PORT FRESH_PASSWORD=$FRESH_PASSWORD SMTP_PORT=$SMTP_PORT node --test end2end/tests/ || { tail -50 "$RUN/server.log"; tail -30 "$RUN/fresh.log"; exit 1; }
