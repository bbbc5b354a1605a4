#!/usr/bin/env bash
# `make bench`: starts a throwaway PostgreSQL cluster and the release server on it, fills the
# acme tenant with a million orders, ingests events through the HTTP API from concurrent
# clients (single events, then 1,000-event batches, then single events again while another tenant lists its orders: fair share), times the order list, and runs pgbench's
# built-in TPC-B-like script at the same concurrency on the same cluster.
# Settings: BENCH_CLIENTS (default 8), BENCH_SECONDS (default 20), BENCH_ORDERS (1000000),
# BENCH_POOL (the server's database connections, default 3 per core).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh test
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
. scripts/pg.sh
CLIENTS="${BENCH_CLIENTS:-8}"
SECONDS_EACH="${BENCH_SECONDS:-20}"
ORDERS="${BENCH_ORDERS:-1000000}"
RUN="$(mktemp -d /tmp/throughline-bench.XXXXXX)"
chmod 755 "$RUN"
PGPORT=$(( 20000 + RANDOM % 20000 ))
PORT=$(( 40000 + RANDOM % 10000 ))
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  stop_pg "$RUN"
  rm -rf "$RUN"
}
trap cleanup EXIT

echo "==> building the release server and the load generator"
cargo build --release -p throughline --bin throughline --example ingest_bench
echo "==> PostgreSQL on port $PGPORT (fsync on, as in production)"
PG_EXTRA_OPTS="-c fsync=on -c shared_buffers=256MB" start_pg "$RUN" "$PGPORT"
PSQL="psql -h 127.0.0.1 -p $PGPORT -U postgres -q -v ON_ERROR_STOP=1"
$PSQL -c "CREATE DATABASE throughline" postgres
URL="postgres://postgres@127.0.0.1:$PGPORT/throughline"

# Database connections of the server: about three per core keeps the cores busy without
# PostgreSQL backends fighting over them (measured here: 6 beat 4, 8 and 12 on 2 cores).
POOL="${BENCH_POOL:-$(( $(nproc) * 3 ))}"
echo "==> starting the server (migrates and seeds the demo tenants), $POOL database connections"
THROUGHLINE_DEMO=true DATABASE_URL="$URL" THROUGHLINE_DATA_DIR="$RUN/data" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site \
  THROUGHLINE_DB_POOL=$POOL THROUGHLINE_API_RATE_PER_CLIENT=1000000 THROUGHLINE_LOG=warn ./target/release/throughline serve > "$RUN/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || { cat "$RUN/server.log"; exit 1; }

echo "==> filling tenant acme with $ORDERS orders (bench data, inserted directly)"
$PSQL throughline <<SQL
SET search_path TO tenant_acme;
INSERT INTO orders (id, number, customer_id, po_number, channel, status, status_at, currency, total_minor, ordered_at, created_at, updated_at)
SELECT gen_random_uuid(), 'FILL-' || g, (SELECT id FROM customers ORDER BY external_id OFFSET (g % 30) LIMIT 1), 'FPO-' || g,
       (ARRAY['edi','api','portal','inside_sales'])[1 + g % 4],
       (ARRAY['accepted','released','allocated','shipped','delivered','invoiced','paid'])[1 + g % 7],
       now() - make_interval(secs => g * 3), 'USD', 1000 + g % 50000, now() - make_interval(secs => g * 3), now(), now()
FROM generate_series(1, $ORDERS) g;
ANALYZE orders;
SQL

echo "==> ingesting through HTTP: $CLIENTS clients, ${SECONDS_EACH}s each for single events and for 1,000-event batches"
./target/release/examples/ingest_bench "http://127.0.0.1:$PORT" "acme.localhost" "$CLIENTS" "$SECONDS_EACH" | tee "$RUN/http.txt"

echo "==> pgbench TPC-B-like, $CLIENTS clients, ${SECONDS_EACH}s, on the same cluster"
$PSQL -c "CREATE DATABASE pgbench" postgres
pgbench -h 127.0.0.1 -p "$PGPORT" -U postgres -i -s 10 -q pgbench > "$RUN/pgbench-init.log" 2>&1
pgbench -h 127.0.0.1 -p "$PGPORT" -U postgres -c "$CLIENTS" -j 2 -T "$SECONDS_EACH" -b tpcb-like pgbench > "$RUN/pgbench.txt" 2>&1
TPS=$(grep -E '^tps' "$RUN/pgbench.txt" | head -1 | sed -E 's/tps = ([0-9.]+).*/\1/')
SINGLE=$(grep -oE 'single_events_per_sec=[0-9]+' "$RUN/http.txt" | cut -d= -f2)
BATCH=$(grep -oE 'batch_events_per_sec=[0-9]+' "$RUN/http.txt" | cut -d= -f2)
echo
echo "Results ($CLIENTS clients, $ORDERS filler orders, $(nproc) cores)"
echo "  pgbench TPC-B-like:         $TPS tps"
echo "  single-event ingestion:     $SINGLE events/s  (ratio to pgbench: $(awk "BEGIN{printf \"%.2f\", $SINGLE/$TPS}"); target >= 0.5)"
echo "  1,000-event batches:        $BATCH events/s  (ratio to pgbench: $(awk "BEGIN{printf \"%.2f\", $BATCH/$TPS}"); target >= 1.5)"
FAIR=$(grep -oE 'fair_other_tenant_list_p99_ms=[0-9.]+' "$RUN/http.txt" | cut -d= -f2)
echo "  fair share:                 bluegrass order list p99 $FAIR ms while acme ingests flat out (target < 50 ms)"
grep -E 'p50' "$RUN/http.txt" | sed 's/^/  /'
