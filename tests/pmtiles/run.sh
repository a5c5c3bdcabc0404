#!/usr/bin/env bash
# The PMTiles export as its users read it: `riskmap-prep tiles` writes the demo's public
# composite z0-14; PyPI's `pmtiles` reader (an independent implementation) checks the
# archive; a sample of its tiles must equal, byte for byte once gunzipped, what
# riskmap-server renders for a public caller; and a second riskmap-server with no
# dataset at all serves the archive from `[tiles.archives]` (a public mirror).
#
#   tests/pmtiles/run.sh DATASET_DIR [PORT]   (uses PORT and PORT+1)
source "$(dirname "$0")/../../scripts/lib/common.sh"

dataset="${1:?usage: tests/pmtiles/run.sh DATASET_DIR [PORT]}"
port="${2:-18551}"
mirror_port=$((port + 1))
profile="${PROFILE:-dev}"
dir="$([ "$profile" = dev ] && echo debug || echo "$profile")"
target="${CARGO_TARGET_DIR:-$ROOT/target}"
[ -f "$dataset/manifest.json" ] || die "$dataset has no manifest.json"

ensure_apt curl
ensure_venv 'pmtiles==3.4.1'
cd "$ROOT"
cargo build --profile "$profile" --quiet -p riskmap-prep -p riskmap-server

work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

log "riskmap-prep tiles: the public composite, z0-14"
"$target/$dir/riskmap-prep" tiles "$dataset" --out "$work/onemap.pmtiles" --no-progress | tee "$work/export.txt"

"$target/$dir/riskmap-server" --dataset "$dataset" --listen "127.0.0.1:$port" --log warn \
  >"$work/server.log" 2>&1 &
pids+=($!)
cat >"$work/mirror.toml" <<TOML
dataset = "$work/no-dataset-here"
[tiles]
archives = { public = "$work/onemap.pmtiles" }
TOML
"$target/$dir/riskmap-server" --config "$work/mirror.toml" --listen "127.0.0.1:$mirror_port" --log warn \
  >"$work/mirror.log" 2>&1 &
pids+=($!)
if ! wait_healthy "127.0.0.1:$port" 300; then
  cat "$work/server.log" >&2
  die "riskmap-server did not become healthy"
fi
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$mirror_port/archives/public.json" && break
  sleep 0.1
done
"$ROOT/.venv/bin/python" "$ROOT/tests/pmtiles/check_pmtiles.py" --archive "$work/onemap.pmtiles" \
  --server "http://127.0.0.1:$port" --mirror "http://127.0.0.1:$mirror_port" \
  --export-summary "$work/export.txt" \
  || { tail -20 "$work/mirror.log" >&2; exit 1; }
