#!/usr/bin/env bash
# Replicas: two riskmap-server processes on one dataset directory and one PostgreSQL
# 15 (Debian's, started here as the unprivileged postgres user on a loopback port).
# A client follows server B's /api/v1/events/stream and writes through server A: a
# warning posted with a system key, then a grid's 叫应. Each write must appear on B's
# stream within 1 s of A's acknowledgement (LISTEN/NOTIFY), and B's reads (the event,
# its analysis, the progress) must show it. Then PostgreSQL is restarted: B's
# listener reconnects and tells its readers to resync.
#
#   tests/replicas/run.sh DATASET_DIR [PG_PORT] [HTTP_PORT_A] [HTTP_PORT_B]
source "$(dirname "$0")/../../scripts/lib/common.sh"
source "$ROOT/scripts/lib/postgres.sh"

dataset="${1:?usage: tests/replicas/run.sh DATASET_DIR [PG_PORT] [HTTP_PORT_A] [HTTP_PORT_B]}"
pg_port="${2:-18125}"
port_a="${3:-18120}"
port_b="${4:-18121}"
[ -f "$dataset/manifest.json" ] || die "$dataset is not a prepared dataset (riskmap-prep demo --out $dataset)"
profile="${PROFILE:-dev}"
cd "$ROOT"

work="$(mktemp -d)"
chmod 755 "$work"
secret="pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pg_stop "$work/pg"; rm -rf "$work"
}
trap cleanup EXIT
log "starting PostgreSQL 15 on 127.0.0.1:$pg_port"
pg_start "$work/pg" "$pg_port" "$secret"

dir="$([ "$profile" = dev ] && echo debug || echo "$profile")"
cargo build --profile "$profile" --quiet -p riskmap-server
server="${CARGO_TARGET_DIR:-$ROOT/target}/$dir/riskmap-server"
key="rmk_replicas_$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cat >"$work/riskmap.toml" <<TOML
[[keys]]
name = "warning-release"
role = "system"
sha256 = "$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)"
TOML
db="postgres://riskmap:$secret@127.0.0.1:$pg_port/riskmap"
start() { # NAME PORT
  "$server" --config "$work/riskmap.toml" --dataset "$dataset" --listen "127.0.0.1:$2" \
    --state-dir "$work/state-$1" --events-database "$db" >>"$work/server-$1.log" 2>&1 &
  pids+=($!)
  local pid=$!
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$2/health" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$work/server-$1.log" >&2; die "riskmap-server $1 exited"; }
    sleep 0.1
  done
  cat "$work/server-$1.log" >&2; die "riskmap-server $1 did not become healthy"
}
log "two riskmap-server replicas on $dataset over one PostgreSQL"
start a "$port_a"
start b "$port_b"
for s in a b; do
  grep -q "replicas: publishing and listening" "$work/server-$s.log" || die "server $s is not listening for replicas"
done
python3 "$ROOT/tests/replicas/replica_client.py" "http://127.0.0.1:$port_a" "http://127.0.0.1:$port_b" "$key" \
  || { tail -n 20 "$work"/server-*.log >&2; die "a write through A did not reach B in time"; }

log "restarting PostgreSQL: B's listener reconnects and tells its readers to resync"
curl -sN "http://127.0.0.1:$port_b/api/v1/events/stream" >"$work/stream-b.txt" 2>/dev/null &
pids+=($!)
sleep 0.3
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$work/pg/data" -m fast -w restart >/dev/null
for _ in $(seq 1 150); do grep -q '"type":"resync"' "$work/stream-b.txt" && break; sleep 0.1; done
grep -q '"type":"resync"' "$work/stream-b.txt" || { tail -n 20 "$work/server-b.log" >&2; die "no resync on B's stream after PostgreSQL restarted"; }
# And replication works again after the reconnect.
python3 "$ROOT/tests/replicas/replica_client.py" "http://127.0.0.1:$port_a" "http://127.0.0.1:$port_b" "$key" \
  || die "after PostgreSQL restarted, a write through A did not reach B in time"
log "replicas: ok"
