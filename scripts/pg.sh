# Sourced by test.sh and bench.sh: start_pg DIR PORT starts a throwaway PostgreSQL cluster
# (as the postgres user when run as root) and stop_pg DIR stops it.
PGBIN="$(dirname "$(command -v initdb 2>/dev/null || echo /usr/lib/postgresql/15/bin/initdb)")"
pgrun() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
start_pg() {
  local dir="$1" port="$2"
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  pgrun "$PGBIN/initdb -D $dir/pg -U postgres -A trust --no-sync -E UTF8" >/dev/null
  pgrun "$PGBIN/pg_ctl -D $dir/pg -l $dir/pg.log -w -o '-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300 ${PG_EXTRA_OPTS:-}' start" >/dev/null
}
stop_pg() {
  local dir="$1"
  [ -f "$dir/pg/postmaster.pid" ] && pgrun "$PGBIN/pg_ctl -D $dir/pg -m immediate stop" >/dev/null 2>&1 || true
}
