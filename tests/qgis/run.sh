#!/usr/bin/env bash
# QGIS as a client: Debian's QGIS 3.22 (qgis, python3-qgis), headless under xvfb-run with
# the offscreen Qt platform, against riskmap-server on the dataset as a public caller.
# tests/qgis/check_qgis.py:
#   - opens every OGC API – Features collection with QGIS's OAPIF provider: feature
#     count = the server's numberMatched, fields typed as the collection's queryables
#     say, no field the manifest marks non-public;
#   - converts the served /styles/onemap.json and /styles/wall.json with QGIS's own
#     MapLibre converter (QgsMapBoxGlStyleConverter): any warning fails, so does a
#     converted rule QGIS cannot parse or a hidden style layer QGIS would draw;
#   - renders Chuxiong (532300) from the composite vector tiles with the converted
#     onemap style and counts the pixels of each census-grade colour (grades 1–4, the
#     style's own colours over its admin fill): each must cover ≥ 2% of the prefecture,
#     none may be washed out under the admin fill, no feature may fall back to grey.
#     The image goes to artifacts/screenshots/qgis-onemap-532300.png.
# Needs: the Debian packages below (installed if missing), a built riskmap-server.
# Takes about a minute once the packages are installed.
#
#   tests/qgis/run.sh DATASET_DIR [PORT]
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
  --out "$ROOT/artifacts/screenshots/qgis-onemap-532300.png"
