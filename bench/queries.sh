#!/usr/bin/env bash
# Query benchmarks (not tests): in-process nearest-k / transfer / earthquake, and HTTP
# throughput of /api/v1/point. Results go to stdout; copy them into bench/RESULTS.md.
#
#   bench/queries.sh [DATASET_DIR]
#
# DATASET_DIR: a prepared dataset (e.g. `riskmap-prep demo --out DIR`, or with
# `--scale yunnan`). Without it, the data/yunnan fixture is used and written out as a
# dataset for the HTTP part. Needs wrk (or oha) for the HTTP part.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
DURATION="${DURATION:-10s}"
PORT="${PORT:-18089}"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== $(date -u +%FT%TZ) on $(uname -n): $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
cargo build --release -q -p riskmap-layers --example bench_queries
cargo build --release -q -p riskmap-server
BIN="$CARGO_TARGET_DIR/release"

if [[ $# -ge 1 ]]; then
  DATASET="$1"
  echo "== in process, dataset $DATASET"
  "$BIN/examples/bench_queries" --dataset "$DATASET"
else
  DATASET="$WORK/chuxiong"
  echo "== in process, data/yunnan fixture (Chuxiong grids and facilities)"
  "$BIN/examples/bench_queries" --scale chuxiong --write-dataset "$DATASET"
  echo "== in process, data/yunnan fixture at province scale (--scale yunnan)"
  "$BIN/examples/bench_queries" --scale yunnan
fi

echo "== HTTP /api/v1/point, $DURATION, loopback"
"$BIN/riskmap-server" --dataset "$DATASET" --listen "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  sleep 0.5
done
URL="http://127.0.0.1:$PORT/api/v1/point?lon=101.53&lat=25.03"
curl -fs "$URL" >/dev/null
if command -v oha >/dev/null; then
  oha -z "$DURATION" -c 64 --no-tui "$URL"
elif command -v wrk >/dev/null; then
  wrk -t2 -c64 -d"$DURATION" --latency "$URL"
else
  echo "neither oha nor wrk found: HTTP part skipped" >&2
fi
