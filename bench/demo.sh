#!/usr/bin/env bash
# Demo generation benchmark (issue 2): `riskmap-prep demo` at Chuxiong and Yunnan
# scale in release, through the full path (generate, write sources, build). Prints the
# phase times the tool logs, wall/CPU time, peak RSS and the feature counts.
# Targets: Chuxiong well under a minute; Yunnan under ~10 minutes on 2 cores.
#
#   bench/demo.sh [SCALES="chuxiong yunnan"] [SEED=20240630]
source "$(dirname "$0")/../scripts/lib/common.sh"
SCALES="${1:-chuxiong yunnan}" SEED="${2:-20240630}"
ensure_build_deps
ensure_apt time
cd "$ROOT"
cargo build --release --quiet -p riskmap-prep
WORK="$ROOT/target/bench-demo"
mkdir -p "$WORK"
for scale in $SCALES; do
  rm -rf "$WORK/$scale" "$WORK/$scale.sources"
  log "riskmap-prep demo --scale $scale"
  /usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KB" \
    target/release/riskmap-prep demo --out "$WORK/$scale" --scale "$scale" --seed "$SEED" --no-progress \
    2> >(sed 's/\x1b\[[0-9;]*m//g' | grep -E "demo data generated|demo sources written|demo dataset built|wall " >&2) \
    | grep -E "^(admin|evacuation_grids|hazard_zones|hazard_points|shelters|water_sources|depots) "
done
