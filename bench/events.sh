#!/usr/bin/env bash
# Live events benchmark (issue 11), loopback, bounded in time (about 2 minutes):
#   - CAP ingest to stored analysis for a county-size warning (a CAP <geocode> of one
#     county of the dataset): POST until GET /api/v1/events/{id} says the analysis
#     is done, RUNS times, p50/max;
#   - sustained single-grid feedback PATCHes (wrk, CONNS connections, SECONDS) on
#     SQLite and on PostgreSQL: writes/s and p99 (targets ≥ 1,000/s, p99 ≤ 20 ms);
#     synchronous=FULL and commit-before-ack as always;
#   - SSE fan-out: 200 stream clients, latency from a write's acknowledgement to its
#     delivery on all 200 (target p99 ≤ 500 ms).
# Prints a Markdown block ready to paste into bench/RESULTS.md.
#
#   bench/events.sh [DATASET_DIR=target/test-data/chuxiong] [SECONDS=10] [CONNS=8]
#   PROFILE=ci bench/events.sh ...   # default profile: release
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$ROOT/scripts/lib/postgres.sh"
cd "$ROOT"
dataset="${1:-target/test-data/chuxiong}"
secs="${2:-10}" conns="${3:-8}"
profile="${PROFILE:-release}"
RUNS="${RUNS:-7}" CLIENTS="${CLIENTS:-200}" WRITES="${WRITES:-50}"
pg_port="${PG_PORT:-18128}" http_port="${HTTP_PORT:-18123}"
ensure_apt wrk curl
[ -f "$dataset/manifest.json" ] || die "$dataset is not a prepared dataset (riskmap-prep demo --out $dataset --seed 42 --scale chuxiong)"
cargo build --profile "$profile" --quiet -p riskmap-server
dir="$([ "$profile" = dev ] && echo debug || echo "$profile")"
server="${CARGO_TARGET_DIR:-$ROOT/target}/$dir/riskmap-server"

work="$(mktemp -d)"; chmod 755 "$work"
secret="pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
pid=""
stop() { [ -z "$pid" ] || { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; }; }
trap 'stop; pg_stop "$work/pg"; rm -rf "$work"' EXIT
pg_start "$work/pg" "$pg_port" "$secret"
key="rmk_bench_$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cat >"$work/riskmap.toml" <<TOML
[log]
level = "warn"
[[keys]]
name = "bench"
role = "admin"
sha256 = "$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)"
TOML
base="http://127.0.0.1:$http_port"
start() { # STORE
  local db=()
  [ "$1" = postgres ] && db=(--events-database "postgres://riskmap:$secret@127.0.0.1:$pg_port/riskmap")
  mkdir -p "$work/state-$1"
  "$server" --config "$work/riskmap.toml" --dataset "$dataset" --listen "127.0.0.1:$http_port" \
    --state-dir "$work/state-$1" "${db[@]}" >>"$work/server-$1.log" 2>&1 &
  pid=$!
  wait_healthy "127.0.0.1:$http_port" 120 || { cat "$work/server-$1.log" >&2; die "server did not come up"; }
}
# A county of the dataset's admin layer (6-digit code not ending in 00).
start sqlite
county="$(curl -fs "$base/collections/admin/items?limit=1000" | python3 -c '
import json, sys
fs = json.load(sys.stdin)["features"]
c = [f["properties"]["code"] for f in fs if len(str(f["properties"]["code"])) == 6 and not str(f["properties"]["code"]).endswith("00")]
print(sorted(c)[0])')"
stop

out="$work/results.md"
{
  echo "### Live events, $(date -u +%Y-%m-%d) $(date -u +%H:%M) UTC"
  echo
  echo "\`PROFILE=$profile bench/events.sh $dataset $secs $conns\` (RUNS=$RUNS CLIENTS=$CLIENTS WRITES=$WRITES), $(nproc) cores, $(uname -m)."
  echo "Machine state at start: load average $(cut -d' ' -f1-3 /proc/loadavg); $(pgrep -c -x cargo || true) cargo and $(pgrep -c -x rustc || true) rustc processes running."
  echo
  echo "| store | CAP ingest→analysis p50 / max ms (county $county, $RUNS runs) | feedback writes/s | p50 ms | p99 ms | non-2xx | SSE fan-out to $CLIENTS: all delivered p50 / p99 / max ms |"
  echo "|---|---|---|---|---|---|---|"
} >"$out"
for store in sqlite postgres; do
  log "$store: CAP ingest to stored analysis"
  start "$store"
  ing="$(python3 bench/events_lib.py ingest "$base" "$key" "$county" "$RUNS" | sed -n 's/^RESULT //p')"
  eid="$(python3 bench/events_lib.py setup "$base" "$key" "$work/grids.txt")"
  log "$store: feedback PATCHes, wrk -t2 -c$conns -d${secs}s on $(wc -l <"$work/grids.txt") grids"
  w="$(EVENT="$eid" KEY="$key" GRIDS="$work/grids.txt" wrk -t2 -c"$conns" -d"${secs}s" -s bench/events_patch.lua "$base" | sed -n 's/^RESULT //p')"
  log "$store: SSE fan-out to $CLIENTS clients"
  fan="$(python3 bench/events_lib.py fanout "$base" "$key" "$eid" "$work/grids.txt" "$CLIENTS" "$WRITES" | sed -n 's/^RESULT //p')"
  stop
  v() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" <<<"$1"; }
  echo "| $store | $(v "$ing" p50_ms) / $(v "$ing" max_ms) | $(v "$w" writes_per_s) | $(v "$w" p50_ms) | $(v "$w" p99_ms) | $(v "$w" non2xx) | $(v "$fan" all_delivered_p50_ms) / $(v "$fan" all_delivered_p99_ms) / $(v "$fan" all_delivered_max_ms) |" >>"$out"
  echo "raw $store: $ing | $w | $fan" >>"$work/raw.txt"
done
{
  echo
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  sed 's/^/    /' "$work/raw.txt"
} >>"$out"
cat "$out"
