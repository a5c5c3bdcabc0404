# A throwaway PostgreSQL 15 + PostGIS cluster for tests and benchmarks: Debian's
# packages, run as the unprivileged `postgres` user from a temporary data folder,
# listening on loopback only, with password (SCRAM) authentication so connection
# strings are tested as deployments write them. Source after lib/common.sh.
#
#   pg_start DIR PORT PASSWORD   # superuser `riskmap` with PASSWORD, database `riskmap` with PostGIS
#   pg_stop DIR

PG_BIN=/usr/lib/postgresql/15/bin
PG_PACKAGES=(postgresql-15 postgresql-15-postgis-3)

pg_start() {
  local dir="$1" port="$2" password="$3"
  ensure_apt "${PG_PACKAGES[@]}"
  # Debian's package starts its own cluster on 5432; ours needs none of it.
  mkdir -p "$dir"
  chown postgres:postgres "$dir"
  local pwfile="$dir/.pw"
  printf '%s\n' "$password" >"$pwfile"
  chown postgres:postgres "$pwfile"
  chmod 600 "$pwfile"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/data" -U riskmap --pwfile="$pwfile" \
    --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  rm -f "$pwfile"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=on" start >/dev/null \
    || { cat "$dir/server.log" >&2; die "PostgreSQL did not start"; }
  PGPASSWORD="$password" psql -h 127.0.0.1 -p "$port" -U riskmap -d postgres -qAt \
    -c "CREATE DATABASE riskmap" >/dev/null
  PGPASSWORD="$password" psql -h 127.0.0.1 -p "$port" -U riskmap -d riskmap -qAt \
    -c "CREATE EXTENSION postgis" >/dev/null
}

pg_stop() {
  local dir="$1"
  [ -d "$dir/data" ] || return 0
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}
