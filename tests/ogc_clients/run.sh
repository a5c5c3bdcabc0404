#!/usr/bin/env bash
# OGC API – Features and Tiles as third-party clients read them: GDAL's OGCAPI driver (ogrinfo,
# ogr2ogr, Debian's GDAL) and OWSLib (PyPI, in .venv), against riskmap-server on the
# dataset as a public caller; coordinates in EPSG:4490 and EPSG:4543 are checked
# against PROJ's cs2cs (Debian's proj-bin).
#
#   tests/ogc_clients/run.sh DATASET_DIR [PORT]
source "$(dirname "$0")/../../scripts/lib/common.sh"

dataset="${1:?usage: tests/ogc_clients/run.sh DATASET_DIR [PORT]}"
port="${2:-18493}"
profile="${PROFILE:-dev}"
dir="$([ "$profile" = dev ] && echo debug || echo "$profile")"
target="${CARGO_TARGET_DIR:-$ROOT/target}"
[ -f "$dataset/manifest.json" ] || die "$dataset has no manifest.json"

ensure_apt curl gdal-bin proj-bin
ensure_venv 'OWSLib==0.32.0' 'mapbox-vector-tile==2.2.0'
cd "$ROOT"
cargo build --profile "$profile" --quiet -p riskmap-server

work="$(mktemp -d)"
"$target/$dir/riskmap-server" --dataset "$dataset" --listen "127.0.0.1:$port" --log warn \
  >"$work/server.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
if ! wait_healthy "127.0.0.1:$port" 300; then
  cat "$work/server.log" >&2
  die "riskmap-server did not become healthy"
fi
"$ROOT/.venv/bin/python" "$ROOT/tests/ogc_clients/check_clients.py" \
  --url "http://127.0.0.1:$port" --dataset "$dataset" --work "$work"
