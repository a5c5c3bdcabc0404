#!/usr/bin/env bash
# Independent MVT check of riskmap-server over a whole dataset's tile pyramid.
#
#   tests/tiles/run.sh DATASET_DIR [PORT]
#
# Starts riskmap-server on DATASET_DIR at 127.0.0.1:PORT (default 18471), waits for
# /health, runs check_tiles.py (mapbox-vector-tile 2.2 and flatgeobuf 0.3 in .venv),
# and stops the server. The server binary is built with cargo profile $PROFILE
# (default dev; scripts/test.sh uses ci). If DATASET_DIR holds no dataset, a tile test
# dataset is made there from data/yunnan (layers/examples/tiles_testdata.rs).
source "$(dirname "$0")/../../scripts/lib/common.sh"

dataset="${1:?usage: tests/tiles/run.sh DATASET_DIR [PORT]}"
port="${2:-18471}"
profile="${PROFILE:-dev}"
dir="$([ "$profile" = dev ] && echo debug || echo "$profile")"
target="${CARGO_TARGET_DIR:-$ROOT/target}"

ensure_apt curl
ensure_venv 'mapbox-vector-tile==2.2.0' 'flatgeobuf==0.3.1'
cd "$ROOT"
cargo build --profile "$profile" --quiet -p riskmap-server

if [ ! -f "$dataset/manifest.json" ]; then
  log "no dataset at $dataset: making the tile test dataset there from data/yunnan"
  cargo run --profile "$profile" --quiet -p riskmap-layers --example tiles_testdata -- \
    "$ROOT/data/yunnan" "$dataset" >/dev/null
fi

logfile="$(mktemp)"
"$target/$dir/riskmap-server" --dataset "$dataset" --listen "127.0.0.1:$port" \
  --styles "$ROOT/styles" --log warn >"$logfile" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$logfile"; }
trap cleanup EXIT
if ! wait_healthy "127.0.0.1:$port" 300; then
  cat "$logfile" >&2
  die "riskmap-server did not become healthy"
fi

"$ROOT/.venv/bin/python" "$ROOT/tests/tiles/check_tiles.py" --self-test
"$ROOT/.venv/bin/python" "$ROOT/tests/tiles/check_tiles.py" --url "http://127.0.0.1:$port" --dataset "$dataset"
