#!/usr/bin/env bash
# QGIS as a client: what an analyst's desktop GIS reads from riskmap-server. Debian's
# QGIS 3.22 (qgis, python3-qgis), headless: xvfb-run with Qt's offscreen platform, PyQGIS
# in Debian's own python3, against riskmap-server on the dataset as a public caller
# (tests/qgis/check_qgis.py):
#   - every OGC API – Features collection through QGIS's OAPIF provider: as many
#     features as the server's numberMatched, fields typed as the collection's
#     queryables say, no field the manifest marks non-public;
#   - /styles/onemap.json and /styles/wall.json through QGIS's own MapLibre converter
#     (QgsMapBoxGlStyleConverter): any warning fails, and so does what it does not warn
#     about: a converted rule QGIS cannot parse, a hidden layer QGIS would draw;
#   - Chuxiong (532300) rendered from the composite tiles with the converted onemap
#     style: each census-grade colour (grades 1–4, the style's own, over its admin
#     fill) covers ≥ 2% of the prefecture's pixels, none is washed out under the
#     admin fill, no hazard zone falls back to grey. The map goes to
#     artifacts/screenshots/qgis-onemap-532300.png, the wall style's to
#     qgis-wall-532300.png (for review).
# The styles are written for both MapLibre and this converter: see their metadata
# "riskmap:clients". Needs the Debian packages below (installed if missing) and builds
# riskmap-server; about a minute once both are there, most of it reading the 41k
# evacuation grids through OAPIF.
#
#   tests/qgis/run.sh DATASET_DIR [PORT]     (PORT: a free one if not given)
source "$(dirname "$0")/../../scripts/lib/common.sh"

dataset="${1:?usage: tests/qgis/run.sh DATASET_DIR [PORT]}"
profile="${PROFILE:-dev}"
dir="$([ "$profile" = dev ] && echo debug || echo "$profile")"
target="${CARGO_TARGET_DIR:-$ROOT/target}"
[ -f "$dataset/manifest.json" ] || die "$dataset has no manifest.json"

# fonts-noto-cjk: the styles' label font; without it the converter warns (and labels fall
# back to a font without Chinese glyphs).
ensure_apt curl qgis python3-qgis python3-numpy xvfb xauth fonts-noto-cjk
cd "$ROOT"
cargo build --profile "$profile" --quiet -p riskmap-server
# A free loopback port unless one is given.
port="${2:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"

work="$(mktemp -d)"
extra=()
# Styles from this checkout when the binary takes the directory as a flag.
if "$target/$dir/riskmap-server" --help 2>/dev/null | grep -q -- '--styles'; then extra+=(--styles "$ROOT/styles"); fi
"$target/$dir/riskmap-server" --dataset "$dataset" --listen "127.0.0.1:$port" --log warn "${extra[@]}" \
  >"$work/server.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
if ! wait_healthy "127.0.0.1:$port" 300; then
  cat "$work/server.log" >&2
  die "riskmap-server did not become healthy"
fi

log "QGIS $(dpkg-query -W -f='${Version}' qgis) against http://127.0.0.1:$port"
mkdir -p "$ROOT/artifacts/screenshots"
# Debian's python3 (where python3-qgis lives), not whatever python3 comes first on PATH.
HOME="$work" XDG_RUNTIME_DIR="$work" QT_QPA_PLATFORM=offscreen \
  xvfb-run -a /usr/bin/python3 "$ROOT/tests/qgis/check_qgis.py" \
  --url "http://127.0.0.1:$port" --dataset "$dataset" \
  --out "$ROOT/artifacts/screenshots/qgis-onemap-532300.png" \
  --wall-out "$ROOT/artifacts/screenshots/qgis-wall-532300.png"
