#!/usr/bin/env bash
# Tile benchmark (issue 3): riskmap-server's composite tiles, cache off and on, against
# Martin serving the same layers from GeoJSON; loopback only, every run bounded in time.
#
#   bench/tiles.sh [DURATION_SECONDS=10]      (SCALES="chuxiong yunnan" by default)
#
# Datasets: the Chuxiong demo and the Yunnan-scale demo (`riskmap-prep demo --scale
# yunnan`) when riskmap-prep has `demo`; otherwise the tile test datasets
# (layers/examples/tiles_testdata.rs, Chuxiong and `yunnan` scale) stand in for them.
# Tile lists: bench/tiles-<dataset>.txt, recorded once by bench/make_tile_list.py and
# replayed by wrk (bench/tiles.lua) per zoom band. Martin: `martin` on PATH or
# $MARTIN (cargo install martin@1.14.0 --locked); skipped if absent.
# Output: a Markdown report on stdout (paste into bench/RESULTS.md).
source "$(dirname "$0")/../scripts/lib/common.sh"
DURATION="${1:-10}"
THREADS=2 CONNS=16
PORT=18391 MPORT=18392
ensure_build_deps
ensure_apt wrk curl
ensure_venv 'flatgeobuf==0.3.1'
cd "$ROOT"
target="${CARGO_TARGET_DIR:-$ROOT/target}"
cargo build --release --quiet -p riskmap-server -p riskmap-prep
SERVER="$target/release/riskmap-server"
PREP="$target/release/riskmap-prep"
MARTIN="${MARTIN:-$(command -v martin || true)}"
WORK="$target/bench-tiles"
mkdir -p "$WORK"
PY="$ROOT/.venv/bin/python"

datasets=()
if "$PREP" demo --help >/dev/null 2>&1; then
  for scale in ${SCALES:-chuxiong yunnan}; do
    [ -f "$WORK/$scale/manifest.json" ] || "$PREP" demo --out "$WORK/$scale" --seed 42 --scale "$scale" --no-progress >/dev/null \
      || { log "demo --scale $scale failed; skipped"; continue; }
    datasets+=("$scale")
  done
else
  for scale in chuxiong yunnan; do
    name=$([ "$scale" = chuxiong ] && echo testdata || echo yunnan-testdata)
    [ -f "$WORK/$name/manifest.json" ] || cargo run --release --quiet -p riskmap-layers --example tiles_testdata -- \
      "$ROOT/data/yunnan" "$WORK/$name" "$scale" >/dev/null
    datasets+=("$name")
  done
  log "riskmap-prep has no demo yet: benchmarking the tile test datasets (Chuxiong and Yunnan scale)"
fi

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# start_ours DATASET CACHE_BYTES -> sets PID, STARTUP_MS
start_ours() {
  local t0 t1
  t0=$(date +%s%N)
  "$SERVER" --dataset "$1" --listen "127.0.0.1:$PORT" --tile-cache-bytes "$2" --log warn >"$WORK/server.log" 2>&1 &
  PID=$!
  wait_healthy "127.0.0.1:$PORT" 600 || { cat "$WORK/server.log" >&2; die "riskmap-server did not start"; }
  t1=$(date +%s%N)
  STARTUP_MS=$(( (t1 - t0) / 1000000 ))
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
trap 'stop "${PID:-}"; stop "${MPID:-}"' EXIT

# run_wrk LIST PORT PREFIX SUFFIX -> "tiles/s p50 p99" (latencies in ms)
run_wrk() {
  TILE_LIST="$1" TILE_PREFIX="$3" TILE_SUFFIX="$4" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency \
    -s "$ROOT/bench/tiles.lua" "http://127.0.0.1:$2" > "$WORK/wrk.out" 2>&1 || true
  "$PY" - "$WORK/wrk.out" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(label):
    m = re.search(r"^\s*" + label + r"%\s+([\d.]+)(us|ms|s)\b", t, re.M)
    if not m: return float("nan")
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
rps = re.search(r"Requests/sec:\s+([\d.]+)", t)
errs = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print(f"{float(rps.group(1)) if rps else float('nan'):.0f} {ms('50'):.2f} {ms('99'):.2f} {errs.group(1) if errs else 0}")
PY
}

bands=("6-8" "9-11" "12-14" "6-14")
split_list() { # LIST -> LIST.6-8 etc.
  for b in "${bands[@]}"; do
    awk -F/ -v lo="${b%-*}" -v hi="${b#*-}" '$1 >= lo && $1 <= hi' "$1" > "$1.$b"
  done
}

echo "## Tiles benchmark ($(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/model name/ {sub(/.*: /, ""); print; exit}' /proc/cpuinfo))"
echo
echo "wrk -t$THREADS -c$CONNS -d${DURATION}s per row, Accept-Encoding: gzip, loopback; latencies in ms."
for ds in "${datasets[@]}"; do
  dir="$WORK/$ds"
  list="$ROOT/bench/tiles-$ds.txt"
  [ -f "$list" ] || "$PY" "$ROOT/bench/make_tile_list.py" "$dir" "$list" >&2
  cp "$list" "$WORK/list-$ds.txt"
  split_list "$WORK/list-$ds.txt"
  echo
  echo "### $ds ($(wc -l < "$list") tiles in the list)"
  echo
  echo "| server | cache | zooms | tiles/s | p50 | p99 | non-2xx |"
  echo "|---|---|---|---|---|---|---|"
  declare -A ours_cold=() martin=()
  for cache in 0 $((256 << 20)); do
    start_ours "$dir" "$cache"
    [ "$cache" = 0 ] && { startup=$STARTUP_MS; }
    if [ "$cache" != 0 ]; then # warm the cache with one pass over the list
      xargs -P 4 -I{} curl -s -o /dev/null -H 'Accept-Encoding: gzip' "http://127.0.0.1:$PORT/tiles/onemap/{}.mvt" < "$list"
    fi
    for b in "${bands[@]}"; do
      read -r rps p50 p99 errs < <(run_wrk "$WORK/list-$ds.txt.$b" "$PORT" /tiles/onemap/ .mvt)
      echo "| riskmap | $([ "$cache" = 0 ] && echo off || echo on) | $b | $rps | $p50 | $p99 | $errs |"
      [ "$cache" = 0 ] && ours_cold[$b]=$rps
    done
    rss=$(rss_kb "$PID")
    if [ "$cache" = 0 ]; then
      # Largest tile per zoom over the list (uncompressed bytes).
      sizes=$("$PY" - "$list" "$PORT" <<'PY'
import sys, urllib.request, collections
big = collections.defaultdict(int)
for line in open(sys.argv[1]):
    z = int(line.split("/")[0])
    with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[2]}/tiles/onemap/{line.strip()}.mvt") as r:
        big[z] = max(big[z], len(r.read()))
print(", ".join(f"z{z} {big[z] / 1024:.0f} KB" for z in sorted(big)))
PY
)
      cold_rss=$rss
    fi
    stop "$PID"; PID=
  done
  if [ -n "$MARTIN" ]; then
    # The same layers, public fields only, as GeoJSON files for Martin.
    gj="$WORK/$ds-geojson"
    mkdir -p "$gj"
    ids=$("$PY" "$ROOT/bench/export_geojson.py" "$dir" "$gj")
    t0=$(date +%s%N)
    "$MARTIN" --listen-addresses "127.0.0.1:$MPORT" --cache-size 0 "$gj" >"$WORK/martin.log" 2>&1 &
    MPID=$!
    for _ in $(seq 1 1200); do curl -fs "http://127.0.0.1:$MPORT/health" >/dev/null 2>&1 && break; sleep 0.5; done
    mstart=$(( ($(date +%s%N) - t0) / 1000000 ))
    for b in "${bands[@]}"; do
      read -r rps p50 p99 errs < <(run_wrk "$WORK/list-$ds.txt.$b" "$MPORT" "/$ids/" "")
      echo "| Martin 1.14 | off | $b | $rps | $p50 | $p99 | $errs |"
      martin[$b]=$rps
    done
    mrss=$(rss_kb "$MPID")
    stop "$MPID"; MPID=
  fi
  echo
  echo "- start-up (process start to healthy, tiles prepared): riskmap ${startup} ms$([ -n "$MARTIN" ] && echo ", Martin ${mstart} ms")"
  echo "- RSS after the cold runs: riskmap $((cold_rss / 1024)) MiB; with the cache warm $((rss / 1024)) MiB$([ -n "$MARTIN" ] && echo "; Martin $((mrss / 1024)) MiB")"
  echo "- largest composite tile per zoom (uncompressed): $sizes"
  if [ -n "$MARTIN" ]; then
    echo -n "- riskmap cold / Martin tiles/s:"
    for b in "${bands[@]}"; do
      echo -n " $b $("$PY" -c "print(f'{${ours_cold[$b]} / max(${martin[$b]}, 1):.1f}x')")"
    done
    echo
  fi
done
