#!/usr/bin/env bash
# Tiles against the setups a bureau would deploy instead (issue 14): the same demo
# layers, public fields only, loaded with ogr2ogr from the prepared dataset into
# PostgreSQL 15 + PostGIS 3.3 (Debian's, started here as the unprivileged postgres user)
# and served by Martin 1.14 from those tables, cache off and on; Martin serving
# riskmap's own PMTiles export; nginx serving one tile file (the static floor); and
# riskmap-server cold and cached. One recorded composite tile list, replayed by wrk per
# zoom band; loopback only, every run bounded in time.
#
#   bench/peers.sh [DURATION_SECONDS=10]     (SCALES="chuxiong" by default; add yunnan)
#
# Martin: `martin` on PATH or $MARTIN, built with
#   cargo install martin@1.14.0 --locked --no-default-features --features postgres,mbtiles,pmtiles
# Output: a Markdown report on stdout (paste into bench/RESULTS.md).
source "$(dirname "$0")/../scripts/lib/common.sh"
source "$ROOT/scripts/lib/postgres.sh"
DURATION="${1:-10}"
THREADS=2 CONNS=16
PGPORT=18541 PORT=18391 MPORT=18392 NPORT=18393
ensure_build_deps
ensure_apt wrk curl nginx gdal-bin python3 "${PG_PACKAGES[@]}"
cd "$ROOT"
target="${CARGO_TARGET_DIR:-$ROOT/target}"
cargo build --release --quiet -p riskmap-server -p riskmap-prep
SERVER="$target/release/riskmap-server"
PREP="$target/release/riskmap-prep"
MARTIN="${MARTIN:-$(command -v martin || echo "$HOME/.cargo/bin/martin")}"
[ -x "$MARTIN" ] || die "no martin: cargo install martin@1.14.0 --locked --no-default-features --features postgres,mbtiles,pmtiles"
WORK="$target/bench-peers"
mkdir -p "$WORK"
chmod 755 "$WORK" "$target"
LIB="$ROOT/bench/peers_lib.py"
PW="bench-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"

PID= MPID= NPID=
stop() { [ -n "$1" ] || return 0; kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
trap 'stop "$PID"; stop "$MPID"; stop "$NPID"; pg_stop "$WORK/pg"' EXIT
rss_mb() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$1/status"; }
pg_pids() { pgrep -f "postgres.*$WORK/pg" | tr '\n' ' '; }
wait_url() { for _ in $(seq 1 1200); do curl -fs -o /dev/null "$1" && return 0; sleep 0.25; done; return 1; }

# run_wrk LIST PORT PREFIX SUFFIX -> "tiles/s p50 p99 non2xx socket_errors"
run_wrk() {
  TILE_LIST="$1" TILE_PREFIX="$3" TILE_SUFFIX="$4" wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" \
    --timeout 30s --latency -s "$ROOT/bench/tiles.lua" "http://127.0.0.1:$2" >"$WORK/wrk.out" 2>&1 || true
  python3 "$LIB" wrk "$WORK/wrk.out"
}
bands=("6-8" "9-11" "12-14" "6-14")
declare -A R=() # R[server,band] = "tiles/s p50 p99 non2xx errors"
measure() { # NAME PORT PREFIX SUFFIX
  for b in "${bands[@]}"; do R[$1,$b]=$(run_wrk "$LIST.$b" "$2" "$3" "$4"); done
}
cell() { read -r rps p50 p99 bad err <<<"${R[$1,$2]}"; echo -n "$rps ($p50 / $p99)$([ "$bad$err" = 00 ] || echo " ⚠ $bad non-2xx, $err errors")"; }
ratio() { python3 -c "a, b = ${1%% *}, ${2%% *}; print(f'{a / b:.1f}×' if b else '∞')"; }

echo "## Tiles against peers ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(awk '/model name/ {sub(/.*: /, ""); print; exit}' /proc/cpuinfo), load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "wrk -t$THREADS -c$CONNS -d${DURATION}s --timeout 30s per cell, Accept-Encoding: gzip, loopback. Cells: tiles/s (p50 / p99 ms)."
echo "$("$MARTIN" --version 2>&1 | head -1); $(psql --version); PostGIS $(dpkg-query -W -f '${Version}' postgresql-15-postgis-3); $(nginx -v 2>&1)."

for scale in ${SCALES:-chuxiong}; do
  ds="$WORK/$scale"
  [ -f "$ds/manifest.json" ] || "$PREP" demo --out "$ds" --seed 42 --scale "$scale" --no-progress >/dev/null
  LIST="$WORK/list-$scale.txt"
  cp "$ROOT/bench/tiles-$scale.txt" "$LIST"
  for b in "${bands[@]}"; do awk -F/ -v lo="${b%-*}" -v hi="${b#*-}" '$1 >= lo && $1 <= hi' "$LIST" >"$LIST.$b"; done

  # PostGIS, loaded as an operator would: ogr2ogr from the prepared FlatGeobuf files,
  # public fields only (what a public map may show), GiST index, EPSG:4326.
  pg_stop "$WORK/pg"; rm -rf "$WORK/pg"
  pg_start "$WORK/pg" "$PGPORT" "$PW"
  conn="PG:host=127.0.0.1 port=$PGPORT dbname=riskmap user=riskmap password=$PW"
  ids=() t0=$(date +%s%N)
  while IFS=$'\t' read -r id file fields; do
    ogr2ogr -f PostgreSQL "$conn" "$file" -nln "$id" -select "$fields" -lco GEOMETRY_NAME=geom \
      -nlt GEOMETRY -a_srs EPSG:4326 -gt 65536 2>>"$WORK/ogr2ogr.log" || die "ogr2ogr $id failed: $(tail -3 "$WORK/ogr2ogr.log")"
    ids+=("$id")
  done < <(python3 "$LIB" layers "$ds")
  PGPASSWORD="$PW" psql -h 127.0.0.1 -p "$PGPORT" -U riskmap -d riskmap -qAt -c "VACUUM ANALYZE" >/dev/null
  load_s=$(( ($(date +%s%N) - t0) / 1000000000 ))
  composite=$(IFS=,; echo "${ids[*]}")

  # The PMTiles export of the same composite, timed.
  t0=$(date +%s%N)
  "$PREP" tiles "$ds" --out "$WORK/$scale.pmtiles" --no-progress >"$WORK/pmtiles.txt"
  pm_s=$(python3 -c "print(f'{($(date +%s%N) - $t0) / 1e9:.1f}')")
  pm_mb=$(( $(stat -c %s "$WORK/$scale.pmtiles") / 1048576 ))

  echo
  echo "### $scale ($(wc -l <"$LIST") tiles in the list; $(wc -l <"$LIST.6-8") at z6–8, $(wc -l <"$LIST.9-11") at z9–11, $(wc -l <"$LIST.12-14") at z12–14)"
  echo
  echo "- PostGIS load with ogr2ogr: ${#ids[@]} tables in ${load_s} s; composite source \`/${composite}/{z}/{x}/{y}\`"
  echo "- \`riskmap-prep tiles\` z0–14: ${pm_s} s, ${pm_mb} MiB ($(tr '\n' ' ' <"$WORK/pmtiles.txt" | sed 's/ *$//'))"

  # Martin on PostGIS, cache off: every tile is a query.
  "$MARTIN" --listen-addresses "127.0.0.1:$MPORT" --cache-size 0 \
    "postgres://riskmap:$PW@127.0.0.1:$PGPORT/riskmap" >"$WORK/martin-pg.log" 2>&1 &
  MPID=$!
  wait_url "http://127.0.0.1:$MPORT/health" || die "Martin did not start: $(tail "$WORK/martin-pg.log")"
  measure martin_pg_cold "$MPORT" "/$composite/" ""
  martin_cold_rss=$(rss_mb "$MPID") pg_pss=$(python3 "$LIB" pss $(pg_pids))
  stop "$MPID"
  # Cache on (Martin's default 512 MB): one pass over the list warms it and records
  # each tile's size and single-request time.
  "$MARTIN" --listen-addresses "127.0.0.1:$MPORT" --cache-size 1024 \
    "postgres://riskmap:$PW@127.0.0.1:$PGPORT/riskmap" >>"$WORK/martin-pg.log" 2>&1 &
  MPID=$!
  wait_url "http://127.0.0.1:$MPORT/health" || die "Martin did not start"
  t0=$(date +%s)
  python3 "$LIB" fetch "http://127.0.0.1:$MPORT/$composite/" "" "$LIST" "$WORK/martin-sizes.json" 900
  warm_s=$(( $(date +%s) - t0 ))
  measure martin_pg_cached "$MPORT" "/$composite/" ""
  martin_cached_rss=$(rss_mb "$MPID")
  stop "$MPID"; MPID=
  pg_stop "$WORK/pg"

  # Martin serving riskmap's PMTiles export; its tiles must be riskmap's.
  cp "$WORK/$scale.pmtiles" "$WORK/onemap.pmtiles"
  "$MARTIN" --listen-addresses "127.0.0.1:$MPORT" "$WORK/onemap.pmtiles" >"$WORK/martin-pm.log" 2>&1 &
  MPID=$!
  wait_url "http://127.0.0.1:$MPORT/health" || die "Martin (PMTiles) did not start: $(tail "$WORK/martin-pm.log")"
  measure martin_pmtiles "$MPORT" "/onemap/" ""
  martin_pm_rss=$(rss_mb "$MPID")

  # riskmap, cold (tile cache off: z0–11 of the composite are built at load, the rest
  # rendered per request) and cached (one pass warms it).
  t0=$(date +%s%N)
  "$SERVER" --dataset "$ds" --listen "127.0.0.1:$PORT" --tile-cache-bytes 0 --log warn >"$WORK/server.log" 2>&1 &
  PID=$!
  wait_healthy "127.0.0.1:$PORT" 900 || die "riskmap-server did not start: $(tail "$WORK/server.log")"
  startup_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  same=$(python3 "$LIB" same "http://127.0.0.1:$PORT/tiles/onemap/" .mvt "http://127.0.0.1:$MPORT/onemap/" "$LIST" 300 2>&1 | tail -1)
  stop "$MPID"; MPID=
  measure riskmap_cold "$PORT" /tiles/onemap/ .mvt
  ours_cold_rss=$(rss_mb "$PID")
  stop "$PID"
  "$SERVER" --dataset "$ds" --listen "127.0.0.1:$PORT" --tile-cache-bytes $((512 << 20)) --log warn >"$WORK/server.log" 2>&1 &
  PID=$!
  wait_healthy "127.0.0.1:$PORT" 900 || die "riskmap-server did not start"
  python3 "$LIB" fetch "http://127.0.0.1:$PORT/tiles/onemap/" .mvt "$LIST" "$WORK/riskmap-sizes.json" 900
  measure riskmap_cached "$PORT" /tiles/onemap/ .mvt
  ours_cached_rss=$(rss_mb "$PID")

  # The static floor: nginx serving one gzip tile file, against riskmap's cache and
  # Martin's PMTiles on that same tile.
  one=$(python3 "$LIB" pick "$WORK/riskmap-sizes.json" 3400)
  curl -fsS -H 'Accept-Encoding: gzip' -o "$WORK/one.mvt.gz" "http://127.0.0.1:$PORT/tiles/onemap/$one.mvt"
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx;
  server {
    listen 127.0.0.1:$NPORT;
    location = /one.mvt {
      alias $WORK/one.mvt.gz;
      default_type application/vnd.mapbox-vector-tile;
      add_header Content-Encoding gzip;
    }
  }
}
CONF
  nginx -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
  NPID=$!
  wait_url "http://127.0.0.1:$NPORT/one.mvt" || die "nginx did not start"
  one_wrk() { # NAME URL
    wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -H 'Accept-Encoding: gzip' "$2" >"$WORK/wrk.out" 2>&1 || true
    R[$1,one]=$(python3 "$LIB" wrk "$WORK/wrk.out")
  }
  one_wrk nginx "http://127.0.0.1:$NPORT/one.mvt"
  one_wrk riskmap_cached "http://127.0.0.1:$PORT/tiles/onemap/$one.mvt"
  stop "$NPID"; NPID=
  stop "$PID"; PID=
  "$MARTIN" --listen-addresses "127.0.0.1:$MPORT" "$WORK/onemap.pmtiles" >>"$WORK/martin-pm.log" 2>&1 &
  MPID=$!
  wait_url "http://127.0.0.1:$MPORT/health" || die "Martin (PMTiles) did not start"
  one_wrk martin_pmtiles "http://127.0.0.1:$MPORT/onemap/$one"
  stop "$MPID"; MPID=

  echo "- Martin serving the PMTiles export, 300 sampled distinct tiles (gunzipped) against riskmap-server's: $same"
  echo
  echo "| zooms | Martin + PostGIS, cache off | Martin + PostGIS, cached | Martin, PMTiles | riskmap cold | riskmap cached | riskmap cold ÷ Martin-PostGIS cold | riskmap cached ÷ Martin-PostGIS cached |"
  echo "|---|---|---|---|---|---|---|---|"
  for b in "${bands[@]}"; do
    echo "| $b | $(cell martin_pg_cold "$b") | $(cell martin_pg_cached "$b") | $(cell martin_pmtiles "$b") | $(cell riskmap_cold "$b") | $(cell riskmap_cached "$b") | $(ratio "${R[riskmap_cold,$b]}" "${R[martin_pg_cold,$b]}") | $(ratio "${R[riskmap_cached,$b]}" "${R[martin_pg_cached,$b]}") |"
  done
  echo
  echo "One tile (\`$one\`, $(stat -c %s "$WORK/one.mvt.gz") bytes gzip), the same file or cache entry over and over:"
  echo
  echo "| server | tiles/s (p50 / p99 ms) | ÷ nginx |"
  echo "|---|---|---|"
  for s in nginx riskmap_cached martin_pmtiles; do
    echo "| $s | $(cell "$s" one) | $(ratio "${R[$s,one]}" "${R[nginx,one]}") |"
  done
  echo
  echo "Tile sizes over the list, gzip KB mean / max (one pass over the list's $(sort -u "$LIST" | wc -l) distinct tiles, 4 at a time; Martin's pass also warmed its cache in ${warm_s} s):"
  echo
  echo "| zooms | riskmap | Martin + PostGIS | riskmap ÷ Martin |"
  echo "|---|---|---|---|"
  python3 "$LIB" sizes "$WORK/riskmap-sizes.json" "$WORK/martin-sizes.json"
  echo
  echo "- single-request time during the warm-up pass, mean / max ms: $(python3 - "$WORK/martin-sizes.json" "$WORK/riskmap-sizes.json" <<'PY'
import json, sys
out = []
for name, p in (("Martin + PostGIS (cold)", sys.argv[1]), ("riskmap (cold)", sys.argv[2])):
    rows = json.load(open(p))
    for lo, hi in ((6, 8), (9, 11), (12, 14)):
        ok = [r["ms"] for t, r in rows.items() if lo <= int(t.split("/")[0]) <= hi and r.get("status") == 200]
        if ok:
            out.append(f"{name} z{lo}–{hi} {sum(ok) / len(ok):.0f} / {max(ok):.0f}")
print("; ".join(out))
PY
)"
  echo "- RSS: Martin + PostGIS cache off ${martin_cold_rss} MiB (+ PostgreSQL ${pg_pss} MiB PSS), cached ${martin_cached_rss} MiB; Martin on PMTiles ${martin_pm_rss} MiB; riskmap cold ${ours_cold_rss} MiB, cached ${ours_cached_rss} MiB (start-up to healthy ${startup_ms} ms)"
done
