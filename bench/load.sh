#!/usr/bin/env bash
# Load test under live reloads (issue 6): wrk drives a mix of tiles and API calls at
# riskmap-server on loopback while the dataset is swapped and reloaded 10 times.
# Reports total requests, failures (must be 0), p99 and peak RSS.
#
#   bench/load.sh [DURATION_SECONDS=60] [CONNECTIONS=32]
source "$(dirname "$0")/../scripts/lib/common.sh"
DURATION="${1:-60}" CONNS="${2:-32}"
ensure_build_deps
ensure_apt wrk curl
cd "$ROOT"
cargo build --release --quiet -p riskmap-prep -p riskmap-server
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"
WORK="$ROOT/target/bench-load"
mkdir -p "$WORK"
for seed in 42 43; do
  [ -f "$WORK/ds$seed/manifest.json" ] || "$BIN/riskmap-prep" demo --out "$WORK/ds$seed" --seed "$seed" --no-progress >/dev/null
done
ln -sfn "$WORK/ds42" "$WORK/live"

KEY=$("$BIN/riskmap-server" --gen-key | sed -n 's/^key.*: //p')
DIGEST=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)
cat > "$WORK/server.toml" <<TOML
listen = "127.0.0.1:18181"
dataset = "$WORK/live"
[log]
level = "warn"
[[keys]]
name = "load-test"
role = "admin"
sha256 = "$DIGEST"
TOML
"$BIN/riskmap-server" --config "$WORK/server.toml" & PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
wait_healthy 127.0.0.1:18181 120 || die "server did not come up"

# The request mix: the tile list recorded for the tile benchmark plus point queries
# spread over the dataset's extent.
python3 - "$WORK/ds42/manifest.json" > "$WORK/paths.txt" <<'PY'
import json, math, random, sys
m = json.load(open(sys.argv[1]))
boxes = [l["bbox"] for l in m["layers"] if l.get("bbox") and l["schema"]["id"] == "admin"]
w, s, e, n = boxes[0] if boxes else (100.7, 24.2, 102.5, 26.5)
rnd = random.Random(7)
def tile(lon, lat, z):
    x = int((lon + 180) / 360 * 2**z)
    y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * 2**z)
    return x, y
for _ in range(3000):
    lon, lat = rnd.uniform(w, e), rnd.uniform(s, n)
    r = rnd.random()
    if r < 0.6:
        z = rnd.randint(6, 14)
        x, y = tile(lon, lat, z)
        print(f"/tiles/onemap/{z}/{x}/{y}.mvt")
    elif r < 0.75:
        z = rnd.randint(8, 14)
        x, y = tile(lon, lat, z)
        print(f"/tiles/{rnd.choice(['hazard_zones','evacuation_grids','shelters','water_sources'])}/{z}/{x}/{y}.mvt")
    elif r < 0.95:
        print(f"/api/v1/point?lon={lon:.5f}&lat={lat:.5f}")
    else:
        print(f"/api/v1/nearest?layer=shelters&lon={lon:.5f}&lat={lat:.5f}&k=5")
PY

# Ten reloads spread over the run, alternating two dataset versions.
(
  sleep 3
  for i in $(seq 1 10); do
    if [ $((i % 2)) = 1 ]; then target="$WORK/ds43"; else target="$WORK/ds42"; fi
    ln -sfn "$target" "$WORK/live.next" && mv -T "$WORK/live.next" "$WORK/live"
    curl -fsS -X POST -H "Authorization: Bearer $KEY" http://127.0.0.1:18181/admin/reload >/dev/null \
      && echo "reload $i ok" || echo "reload $i FAILED"
    sleep $(( (DURATION - 6) / 10 ))
  done
) > "$WORK/reloads.log" 2>&1 &
RELOADER=$!

LOAD_PATHS="$WORK/paths.txt" wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s bench/load.lua http://127.0.0.1:18181 > "$WORK/wrk.txt"
wait $RELOADER || true
PEAK_KB=$(awk '/VmHWM/ {print $2}' /proc/$PID/status)
RESULT=$(grep '^RESULT' "$WORK/wrk.txt")
RELOADS_OK=$(grep -c ' ok$' "$WORK/reloads.log" || true)
echo "$RESULT reloads_ok=$RELOADS_OK/10 peak_rss_mb=$((PEAK_KB / 1024)) duration_s=$DURATION connections=$CONNS"
failures=$(echo "$RESULT" | sed -E 's/.*errors_connect=([0-9]+) errors_read=([0-9]+) errors_write=([0-9]+) errors_timeout=([0-9]+) status_2xx=[0-9]+ status_3xx=[0-9]+ status_4xx=([0-9]+) status_5xx=([0-9]+).*/\1 \2 \3 \4 \5 \6/' | awk '{print $1+$2+$3+$4+$5+$6}')
[ "$failures" = 0 ] && [ "$RELOADS_OK" = 10 ] || { echo "FAILURES: $failures, reloads ok: $RELOADS_OK/10"; exit 1; }
