#!/usr/bin/env bash
# End-to-end tests of the analyst viewer (/) and the wall screen (/wall) in Debian's
# headless Chromium driven by playwright-core. Installs what it needs (chromium,
# fonts-noto-cjk, node/npm and the npm packages), builds the viewer's assets, starts
# riskmap-server on a free loopback port over a copy of the dataset (the wall test
# swaps in a new dataset version), runs the tests, stops the server. Screenshots go to
# artifacts/screenshots/.
#
#   tests/browser/run.sh <dataset-dir>
source "$(dirname "$0")/../../scripts/lib/common.sh"

DATASET="${1:?usage: tests/browser/run.sh <prepared-dataset-dir>}"
[ -f "$DATASET/manifest.json" ] || die "$DATASET has no manifest.json (prepare one with riskmap-prep demo)"
HERE="$ROOT/tests/browser"

ensure_apt chromium fonts-noto-cjk
ensure_node
build_viewer_assets
log "installing browser-test npm packages"
(cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)

TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN=""
for p in ${PROFILE:-} ci release debug; do
  if [ -x "$TARGET/$p/riskmap-server" ]; then BIN="$TARGET/$p/riskmap-server"; break; fi
done
[ -n "$BIN" ] || die "no riskmap-server binary under $TARGET/{ci,release,debug}: build it first"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# A copy the tests may re-version, an admin key for publishing to the wall and for
# issuing events, and a fresh events database (SQLite under state_dir) per run.
cp -r "$DATASET" "$WORK/dataset"
ADMIN_KEY="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
DIGEST="$(printf '%s' "$ADMIN_KEY" | sha256sum | cut -d' ' -f1)"
cat > "$WORK/server.toml" <<TOML
watch = true
state_dir = "$WORK/state"

[[keys]]
name = "browser-tests"
role = "admin"
sha256 = "$DIGEST"
TOML
PORT="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
EXTRA=()
# Until styles are part of the configuration on every branch, pass the directory when
# this binary takes it as a flag.
if "$BIN" --help 2>/dev/null | grep -q -- '--styles'; then EXTRA+=(--styles "$ROOT/styles"); fi

log "starting $BIN on 127.0.0.1:$PORT"
(cd "$ROOT" && exec "$BIN" --config "$WORK/server.toml" --dataset "$WORK/dataset" --listen "127.0.0.1:$PORT" \
  --assets "$ROOT/web-viewer/dist" "${EXTRA[@]}" >"$WORK/server.log" 2>&1) &
SERVER_PID=$!
if ! wait_healthy "127.0.0.1:$PORT" 300; then
  tail -n 40 "$WORK/server.log" >&2
  die "riskmap-server did not become healthy"
fi

log "browser tests against http://127.0.0.1:$PORT"
mkdir -p "$ROOT/artifacts/screenshots"
status=0
RISKMAP_URL="http://127.0.0.1:$PORT" RISKMAP_TEST_ADMIN_KEY="$ADMIN_KEY" RISKMAP_TEST_DATASET_DIR="$WORK/dataset" \
  ARTIFACTS="$ROOT/artifacts/screenshots" \
  node --test --test-concurrency=1 "$HERE"/*.test.mjs || status=$?
if [ "$status" != 0 ]; then
  log "server log (last 40 lines)"
  tail -n 40 "$WORK/server.log" >&2
fi
exit "$status"
