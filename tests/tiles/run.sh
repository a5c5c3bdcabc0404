#!/usr/bin/env bash
# Independent MVT check of riskmap-server over a whole dataset's tile pyramid.
#
#   tests/tiles/run.sh DATASET_DIR [PORT]
#
# Builds riskmap-server (debug, or the cargo profile in PROFILE), starts it on DATASET_DIR at
# 127.0.0.1:PORT (default 18471), waits for /health, runs check_tiles.py in a venv
# with mapbox-vector-tile 2.2 and flatgeobuf 0.3 (created under .venv on first use),
# and stops the server. Needs python3 with venv, and curl. Exit status is the checker's.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dataset="${1:?usage: tests/tiles/run.sh DATASET_DIR [PORT]}"
port="${2:-18471}"
profile="${PROFILE:-debug}"
venv="${VENV:-$root/.venv}"

[ -f "$dataset/manifest.json" ] || { echo "no manifest.json in $dataset" >&2; exit 2; }

if ! "$venv/bin/python" -c 'import mapbox_vector_tile, shapely, flatgeobuf' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet 'mapbox-vector-tile==2.2.*' 'flatgeobuf==0.3.*'
fi

cd "$root"
case "$profile" in
    debug) cargo build -p riskmap-server --quiet ;;
    *) cargo build --profile "$profile" -p riskmap-server --quiet ;;
esac
target="${CARGO_TARGET_DIR:-$root/target}"
server="$target/$profile/riskmap-server"

log="$(mktemp)"
"$server" --dataset "$dataset" --listen "127.0.0.1:$port" --styles "$root/styles" >"$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT

for _ in $(seq 1 300); do
    if curl -sf "http://127.0.0.1:$port/health" >/dev/null; then break; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "riskmap-server exited:" >&2; cat "$log" >&2; exit 1; fi
    sleep 0.5
done
curl -sf "http://127.0.0.1:$port/health" >/dev/null || { echo "server not healthy after 150 s" >&2; cat "$log" >&2; exit 1; }

"$venv/bin/python" "$here/check_tiles.py" --self-test
"$venv/bin/python" "$here/check_tiles.py" --url "http://127.0.0.1:$port" --dataset "$dataset"
