#!/usr/bin/env bash
# `make bench`: starts a throwaway PostgreSQL cluster and the release server on it, fills the
# acme tenant with a million orders, ingests events through the HTTP API from concurrent
# clients (single events, then 1,000-event batches, then single events again while another tenant lists its orders: fair share), times the order list, times
# rule-triggering ingestion (credit checks, generated invoices) and event-to-exception latency, times the
# server's job workers draining a backlog of no-op jobs, times the portal, PDFs, webhooks and
# e-mails, times 1,000 tenants (migrating their schemas, a tenant page and the partner console
# with the demo's few and with 1,000), and runs pgbench's built-in TPC-B-like script at the
# same concurrency on the same cluster.
# Settings: BENCH_CLIENTS (default 8), BENCH_SECONDS (default 20), BENCH_ORDERS (1000000),
# BENCH_POOL (the server's database connections, default 3 per core), BENCH_JOBS (no-op jobs,
# default 100000), BENCH_WORKERS and BENCH_JOB_BATCH (the server's job workers and claim size),
# BENCH_TENANTS (1000) and BENCH_TENANT_SECONDS (75: how long a tenant page is timed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh test
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
. scripts/pg.sh
CLIENTS="${BENCH_CLIENTS:-8}"
SECONDS_EACH="${BENCH_SECONDS:-20}"
ORDERS="${BENCH_ORDERS:-1000000}"
JOBS="${BENCH_JOBS:-100000}"
TENANTS="${BENCH_TENANTS:-1000}"
# Each many-tenants page is timed this long (the console a third of it): over a minute, so
# that every tenant's periodic jobs run in it.
TENANT_SECONDS="${BENCH_TENANT_SECONDS:-75}"
RUN="$(mktemp -d /tmp/throughline-bench.XXXXXX)"
chmod 755 "$RUN"
PGPORT=$(free_port)
PORT=$(free_port "$PGPORT")
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  stop_pg "$RUN"
  rm -rf "$RUN"
}
trap cleanup EXIT

echo "==> building the release server, the load generators and the release wasm bundle"
cargo build --release -p throughline --bin throughline --example ingest_bench --example portal_bench --example outbound_bench --example tenants_bench
cargo leptos build --release --frontend-only > "$RUN/frontend.log" 2>&1 || { tail -30 "$RUN/frontend.log"; exit 1; }
# The hydrate bundle a browser downloads: the wasm and its JavaScript glue, gzipped.
BUNDLE_KB=$(cat target/site/pkg/throughline.wasm target/site/pkg/throughline.js | gzip -9 | wc -c | awk '{printf "%.0f", $1/1024}')
echo "==> PostgreSQL on port $PGPORT (fsync on, as in production)"
PG_EXTRA_OPTS="-c fsync=on -c shared_buffers=256MB" start_pg "$RUN" "$PGPORT"
PSQL="psql -h 127.0.0.1 -p $PGPORT -U postgres -q -v ON_ERROR_STOP=1"
$PSQL -c "CREATE DATABASE throughline" postgres
URL="postgres://postgres@127.0.0.1:$PGPORT/throughline"

# Database connections of the server: about three per core keeps the cores busy without
# PostgreSQL backends fighting over them (measured here: 6 beat 4, 8 and 12 on 2 cores).
POOL="${BENCH_POOL:-$(( $(nproc) * 3 ))}"
# Job workers and claims: the fastest measured here (job phase alone, 100,000 no-op jobs, mean
# jobs/s of 3 to 10 runs): 2 workers x claims of 200 (the server's defaults) 26,000; 2 x 1,000
# 30,000; 4 x 1,000 30,000; 4 x 2,000 37,000; 2 x 5,000 41,000; 4 x 5,000 41,000. Bigger claims
# cost fewer statements per job. The worker count matters little: one tenant's backlog is
# drained by one worker at a time until the 2-second poll lets a second one join, so a run
# measures either about 35,000 or about 47,000 (with THROUGHLINE_JOB_POLL_MS=200 every run did).
WORKERS="${BENCH_WORKERS:-4}"
JOB_BATCH="${BENCH_JOB_BATCH:-5000}"
echo "==> starting the server (migrates and seeds the demo tenants), $POOL database connections"
THROUGHLINE_DEMO=true DATABASE_URL="$URL" THROUGHLINE_DATA_DIR="$RUN/data" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site \
  THROUGHLINE_DB_POOL=$POOL THROUGHLINE_WORKERS=$WORKERS THROUGHLINE_JOB_BATCH=$JOB_BATCH THROUGHLINE_API_RATE_PER_CLIENT=1000000 THROUGHLINE_LOG=warn ./target/release/throughline serve > "$RUN/server.log" 2>&1 &
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
-- Plain ingestion runs no rule outcome: the bench customer has no credit limit to check.
UPDATE customers SET credit_limit_minor = NULL WHERE external_id = 'C-1001';
DELETE FROM customer_exposure WHERE customer_id = (SELECT id FROM customers WHERE external_id = 'C-1001');
SQL
# The fill's aftermath is the setup's, not the measurement's (as pgbench -i vacuums after
# loading): without this, autovacuum's pass over a million new orders runs in the timed phases.
$PSQL throughline -c "VACUUM ANALYZE tenant_acme.orders" -c "CHECKPOINT"

echo "==> ingesting through HTTP: $CLIENTS clients, ${SECONDS_EACH}s each for single events and for 1,000-event batches"
./target/release/examples/ingest_bench "http://127.0.0.1:$PORT" "acme.localhost" "$CLIENTS" "$SECONDS_EACH" | tee "$RUN/http.txt"

# Job engine: a backlog of no-op jobs is committed in one transaction while the server's workers
# run (they cannot see it before the commit, so inserting is not timed), its NOTIFY wakes them,
# and the clock runs from the commit until no no-op job is queued or running. One psql session
# polls every 100 ms (a fresh process per poll would cost more CPU than the poll itself).
# First the ingestion's aftermath, so that nothing else runs while this phase measures: the
# jobs it enqueued (if any) are drained, its tables vacuumed now rather than by autovacuum
# during this phase (a manual VACUUM also cancels a running autovacuum), its dirty pages written.
# The jobs table's statistics stay as the server left them (a table of a few rows), as a real
# burst would find them.
echo "==> job engine: $JOBS no-op jobs drained by the server's $WORKERS workers (claims of $JOB_BATCH)"
for _ in $(seq 1 600); do
  [ "$($PSQL -At throughline -c "SELECT EXISTS (SELECT 1 FROM tenant_acme.jobs WHERE status = 'running' OR (status = 'queued' AND run_at <= now()))")" = f ] && break
  sleep 0.1
done
$PSQL throughline -c "VACUUM" -c "CHECKPOINT"
T0=$($PSQL -At throughline <<SQL
SET search_path TO tenant_acme;
BEGIN;
INSERT INTO jobs (id, kind, payload, status, run_at, attempts, max_attempts, created_at, updated_at)
SELECT gen_random_uuid(), 'noop', 'null', 'queued', now(), 0, 20, now(), now() FROM generate_series(1, $JOBS);
NOTIFY throughline_jobs, 'acme';
COMMIT;
SELECT extract(epoch FROM clock_timestamp());
SQL
)
coproc POLL { $PSQL -At throughline; }
POLL_PID=$POLL_PID
T1=""
for _ in $(seq 1 6000); do
  echo "SELECT extract(epoch FROM clock_timestamp()), EXISTS (SELECT 1 FROM tenant_acme.jobs WHERE kind = 'noop' AND status IN ('queued', 'running'));" >&"${POLL[1]}"
  IFS='|' read -r -t 30 at busy <&"${POLL[0]}"
  [ "$busy" = f ] && { T1="$at"; break; }
  sleep 0.1
done
eval "exec ${POLL[1]}>&-"
wait "$POLL_PID" || true
[ -n "$T1" ] || { echo "the job workers did not drain $JOBS jobs in 10 minutes"; tail -20 "$RUN/server.log"; exit 1; }
$PSQL -At throughline -c "SELECT status, count(*) FROM tenant_acme.jobs WHERE kind = 'noop' GROUP BY status" > "$RUN/jobs.txt"
grep -qx "done|$JOBS" "$RUN/jobs.txt" || { echo "not every no-op job is done:"; cat "$RUN/jobs.txt"; exit 1; }
JOB_SECS=$(awk "BEGIN{printf \"%.2f\", $T1 - $T0}")
JOB_RATE=$(awk "BEGIN{printf \"%.0f\", $JOBS / ($T1 - $T0)}")
echo "jobs_drained=$JOBS seconds=$JOB_SECS jobs_per_sec=$JOB_RATE"
# The bench's jobs go, and their dead rows with them, so that no autovacuum of them runs into
# the next phase.
$PSQL throughline -c "DELETE FROM tenant_acme.jobs WHERE kind = 'noop'" -c "VACUUM tenant_acme.jobs"

# SQL for a new version of the billing rule: enabled or not, with these settings.
billing_rule() {
  echo "INSERT INTO rule_versions (id, rule, version, enabled, config, created_by, created_at)
  SELECT gen_random_uuid(), 'billing', COALESCE(MAX(version), 0) + 1, $1, '$2', 'make bench', now() FROM rule_versions WHERE rule = 'billing';"
}
# Runs one phase of the load generator once the server's rule cache (5 s) has the new rules.
ingest_phase() {
  sleep 6
  ./target/release/examples/ingest_bench "http://127.0.0.1:$PORT" "acme.localhost" "$CLIENTS" "$SECONDS_EACH" "$1" | tee "$RUN/$1.txt"
}

# The plain mix: the events of the rules phase below (an order, then its dispatch, per loop),
# with no rule outcome to run: no customer has a credit limit, billing is off. The rules phase
# is held to 0.7x this rate: what the rules cost, on the same events.
echo "==> plain mix: $CLIENTS clients, ${SECONDS_EACH}s (orders and their dispatches, no credit limits, billing off)"
$PSQL throughline <<SQL
SET search_path TO tenant_acme;
UPDATE customers SET credit_limit_minor = NULL;
DELETE FROM customer_exposure;
$(billing_rule false '{"trigger":"dispatch","mode":"mirror","tax_rate_bp":0,"invoice_delay_hours":24}')
SQL
ingest_phase mix

# Rule-triggering ingestion: every order runs the credit check (each customer has a limit and
# its exposure row), every dispatch posts an invoice (billing in generate mode, 8.25 % tax),
# and one order in ten is over its customer's limit (C-1030: 0.01), so it goes on credit hold
# with an exception, whose visibility in the exception API is timed from the order's sending.
echo "==> rule-triggering ingestion: $CLIENTS clients, ${SECONDS_EACH}s (credit check on every order, an invoice per dispatch)"
$PSQL throughline <<SQL
SET search_path TO tenant_acme;
UPDATE customers SET credit_limit_minor = 100000000000, invoicing_hold = false, billing_rule = NULL;
UPDATE customers SET credit_limit_minor = 1 WHERE external_id = 'C-1030';
INSERT INTO customer_exposure (customer_id, open_orders_minor, open_receivables_minor) SELECT id, 0, 0 FROM customers
  ON CONFLICT (customer_id) DO UPDATE SET open_orders_minor = 0, open_receivables_minor = 0;
$(billing_rule true '{"trigger":"dispatch","mode":"generate","tax_rate_bp":825,"invoice_delay_hours":24}')
SQL
ingest_phase rules

# The portal: as many invoices as orders (a third paid), spread over the same 30 customers;
# Initech's buyer walks its order and invoice lists page by page. Then invoice PDFs.
echo "==> portal: a customer's order and invoice lists with $ORDERS orders and $ORDERS invoices in the tenant; invoice PDFs"
$PSQL throughline <<SQL
SET search_path TO tenant_acme;
CREATE TEMP TABLE fill_customers AS SELECT row_number() OVER (ORDER BY external_id) - 1 AS k, id FROM customers ORDER BY external_id LIMIT 30;
INSERT INTO invoices (id, number, order_id, customer_id, currency, issued_on, due_on, subtotal_minor, tax_minor, total_minor, paid_minor, credited_minor, status, status_at, created_at, updated_at)
SELECT gen_random_uuid(), 'FINV-' || g, NULL, c.id, 'USD', (now() - make_interval(secs => g * 30))::date, (now() - make_interval(secs => g * 30))::date + 30,
       1000 + g % 50000, 0, 1000 + g % 50000, CASE WHEN g % 3 = 0 THEN 1000 + g % 50000 ELSE 0 END, 0,
       CASE WHEN g % 3 = 0 THEN 'paid' ELSE 'open' END, now(), now(), now()
FROM generate_series(1, $ORDERS) g JOIN fill_customers c ON c.k = g % 30;
SQL
$PSQL throughline -c "VACUUM ANALYZE tenant_acme.invoices" -c "CHECKPOINT"
./target/release/examples/portal_bench "http://127.0.0.1:$PORT" "acme.localhost" "buyer@initech.test" "throughline-demo" 1000 | tee "$RUN/portal.txt"

# Outbound, with the server stopped (its own delivery loop would compete, and its SSRF guard
# rightly refuses the loopback receivers that this bench allows for itself).
echo "==> outbound: webhook deliveries to a local receiver (ten endpoints, then one hanging); invoice e-mails with PDFs to a local SMTP server"
kill "$SERVER_PID" 2>/dev/null || true
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
# The earlier phases' dead rows vacuumed first (a manual VACUUM also cancels an autovacuum
# that would otherwise run during these phases), their dirty pages written.
$PSQL throughline -c "VACUUM" -c "CHECKPOINT"
./target/release/examples/outbound_bench "$URL" 2000 600 | tee "$RUN/outbound.txt"

# Many tenants, in a database of their own: a server with the demo's tenants is timed on one
# tenant's page (acme's order list, signed in as its admin) and on the partner console; then
# 1,000 tenants in all are created (rows inserted directly, as a partner would create them one
# by one), `throughline migrate` is timed creating and migrating their schemas, each gets 14
# days of health rows, and the server is timed again on the same pages while its job engine
# and webhook sender run for all 1,000 tenants.
echo "==> many tenants: a tenant page and the partner console with the demo's tenants, then with $TENANTS"
$PSQL -c "CREATE DATABASE many" postgres
MANY_URL="postgres://postgres@127.0.0.1:$PGPORT/many"
start_many() {
  THROUGHLINE_DEMO=true DATABASE_URL="$MANY_URL" THROUGHLINE_DATA_DIR="$RUN/many" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT=target/site \
    THROUGHLINE_DB_POOL=$POOL THROUGHLINE_LOG=warn ./target/release/throughline serve >> "$RUN/many.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || { tail -30 "$RUN/many.log"; exit 1; }
}
stop_many() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
start_many
FEW=$($PSQL -At many -c "SELECT count(*) FROM tenants")
# Timed in the steady state: after the first minute, in which each tenant's scheduler pass
# enqueues every periodic job whose slot it has not seen (a start's catch-up, once).
sleep 65
./target/release/examples/tenants_bench "$PORT" few "$TENANT_SECONDS" | tee "$RUN/few.txt"
stop_many
$PSQL many <<SQL
INSERT INTO tenants (id, partner_id, slug, name, product_name, primary_color, logo_svg, active, created_at, updated_at)
SELECT gen_random_uuid(), (SELECT partner_id FROM tenants WHERE slug = 'acme'), 'bench-' || lpad(g::text, 4, '0'), 'Bench Distributor ' || g,
       'Bench Hub', '#1d4ed8', '', true, now(), now()
FROM generate_series(1, $TENANTS - $FEW) g;
SQL
M0=$(date +%s.%N)
DATABASE_URL="$MANY_URL" THROUGHLINE_DATA_DIR="$RUN/many" THROUGHLINE_DB_POOL=$POOL THROUGHLINE_LOG=warn ./target/release/throughline migrate | tee "$RUN/migrate.txt"
M1=$(date +%s.%N)
MIGRATE_SECS=$(awk "BEGIN{printf \"%.0f\", $M1 - $M0}")
# 14 days of health for every tenant, one in ten in some trouble (bench data).
$PSQL many <<SQL
INSERT INTO tenant_health (tenant_id, day, open_exceptions, sla_breaches, oldest_open_at, dead_jobs, webhook_attempts, webhook_failures, undelivered_invoices,
                           last_event_at, events_last_hour, events_day, ingestion_errors, trouble, measured_at)
SELECT t.id, (now() AT TIME ZONE 'UTC')::date - d, (h % 7), CASE WHEN h % 10 = 0 THEN 1 ELSE 0 END, now() - interval '2 hours', 0, 20, h % 3, 0,
       now() - interval '5 minutes', h % 40, 200 + h % 300, 0, CASE WHEN h % 10 = 0 THEN 20 + h % 7 ELSE h % 7 END, now()
FROM (SELECT id, abs(hashtext(slug)) AS h FROM tenants) t CROSS JOIN generate_series(0, 13) d
ON CONFLICT (tenant_id, day) DO NOTHING;
ANALYZE;
SQL
$PSQL many -c "CHECKPOINT"
start_many
sleep 65
./target/release/examples/tenants_bench "$PORT" many "$TENANT_SECONDS" | tee "$RUN/many.txt"
stop_many

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
echo "  jobs drained:               $JOB_RATE jobs/s  (ratio to pgbench: $(awk "BEGIN{printf \"%.2f\", $JOB_RATE/$TPS}"); target >= 1.0; $JOBS no-op jobs in $JOB_SECS s, $WORKERS workers, claims of $JOB_BATCH)"
RULES=$(grep -oE 'rules_events_per_sec=[0-9]+' "$RUN/rules.txt" | cut -d= -f2)
VISIBLE=$(grep -oE 'rules_exception_visible_p99_ms=[0-9.]+' "$RUN/rules.txt" | cut -d= -f2)
MIX=$(grep -oE 'mix_events_per_sec=[0-9]+' "$RUN/mix.txt" | cut -d= -f2)
echo "  plain mix:                  $MIX events/s  (orders and their dispatches, rules off)"
echo "  rule-triggering ingestion:  $RULES events/s  (ratio to the plain mix: $(awk "BEGIN{printf \"%.2f\", $RULES/$MIX}"); target >= 0.7; to plain single events: $(awk "BEGIN{printf \"%.2f\", $RULES/$SINGLE}"))"
echo "  event to exception:         p99 $VISIBLE ms from sending an over-limit order to its credit hold in the exception API, at full rate (target < 1000 ms)"
POL=$(grep -oE 'portal_orders_p99_ms=[0-9.]+' "$RUN/portal.txt" | cut -d= -f2)
PIL=$(grep -oE 'portal_invoices_p99_ms=[0-9.]+' "$RUN/portal.txt" | cut -d= -f2)
PDF99=$(grep -oE 'pdf_p99_ms=[0-9.]+' "$RUN/portal.txt" | cut -d= -f2)
PDFRATE=$(grep -oE 'pdf_renders_per_sec=[0-9]+' "$RUN/portal.txt" | cut -d= -f2)
echo "  portal order list:          p99 $POL ms  (one customer's pages, $ORDERS orders in the tenant; target < 50 ms)"
echo "  portal invoice list:        p99 $PIL ms  (with the aging, $ORDERS invoices in the tenant; target < 50 ms)"
echo "  invoice PDF:                p99 $PDF99 ms per render (3 pages, 120 lines, logo; target < 100 ms), $PDFRATE renders/s on $(nproc) cores"
WH=$(grep -oE 'webhook_deliveries_per_sec=[0-9]+' "$RUN/outbound.txt" | cut -d= -f2)
WH9=$(grep -oE 'webhook_healthy_per_sec_with_one_hanging=[0-9]+' "$RUN/outbound.txt" | cut -d= -f2)
WHR=$(grep -oE 'webhook_healthy_ratio=[0-9.]+' "$RUN/outbound.txt" | cut -d= -f2)
MAILS=$(grep -oE 'emails_per_sec=[0-9]+' "$RUN/outbound.txt" | cut -d= -f2)
echo "  webhook deliveries:         $WH deliveries/s to ten local endpoints (target >= 1000)"
echo "  with one endpoint hanging:  $WH9 deliveries/s to the nine others ($WHR of the rate above; target >= 0.8)"
echo "  invoice e-mails:            $MAILS e-mails/s with the PDF attached, to a local SMTP server (target >= 100)"
F_MEAN=$(grep -oE 'few_tenant_page_mean_ms=[0-9.]+' "$RUN/few.txt" | cut -d= -f2)
M_MEAN=$(grep -oE 'many_tenant_page_mean_ms=[0-9.]+' "$RUN/many.txt" | cut -d= -f2)
F_P99=$(grep -oE 'few_tenant_page_p99_ms=[0-9.]+' "$RUN/few.txt" | cut -d= -f2)
M_P99=$(grep -oE 'many_tenant_page_p99_ms=[0-9.]+' "$RUN/many.txt" | cut -d= -f2)
C_MEAN=$(grep -oE 'many_console_mean_ms=[0-9.]+' "$RUN/many.txt" | cut -d= -f2)
C_P99=$(grep -oE 'many_console_p99_ms=[0-9.]+' "$RUN/many.txt" | cut -d= -f2)
echo "  migrate $TENANTS tenants:       $MIGRATE_SECS s to create and migrate $(( TENANTS - FEW )) new tenant schemas (target < 300 s)"
echo "  tenant page, $TENANTS tenants:  mean $M_MEAN ms (p99 $M_P99 ms) vs $F_MEAN ms (p99 $F_P99 ms) with the demo's $FEW: ratio $(awk "BEGIN{printf \"%.2f\", $M_MEAN/$F_MEAN}") (target <= 1.2)"
echo "  partner console, $TENANTS:     mean $C_MEAN ms, p99 $C_P99 ms for its first page of tenants, sorted by trouble (target < 100 ms)"
echo "  hydrate bundle:             $BUNDLE_KB KB gzipped (wasm + JS; target < 400 KB)"
grep -E 'p50' "$RUN/http.txt" "$RUN/rules.txt" | sed 's/^[^:]*://; s/^/  /'
