# Sourced by test.sh and bench.sh: free_port picks a port, start_pg DIR PORT starts a throwaway PostgreSQL cluster
# (as the postgres user when run as root) and stop_pg DIR stops it.
PGBIN="$(dirname "$(command -v initdb 2>/dev/null || echo /usr/lib/postgresql/15/bin/initdb)")"
# free_port prints a port below the kernel's ephemeral range (32768 and up, where outgoing
# connections take their local ports) that nothing listens on now and that is not among its
# arguments (the ports already picked).
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 12000 ))
    case " $* " in *" $port "*) continue ;; esac
    python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', $port))" 2>/dev/null && { echo "$port"; return 0; }
  done
  echo "no free port found between 20000 and 32000" >&2; return 1
}
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
