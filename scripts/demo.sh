#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build, prepare the Chuxiong demo
# dataset and serve it with the viewer. Prints the URL to open.
#
#   ./scripts/demo.sh [--listen ADDR] [--seed N] [--scale chuxiong|yunnan] [--rebuild]
source "$(dirname "$0")/lib/common.sh"

LISTEN=127.0.0.1:8080 SEED=42 SCALE=chuxiong REBUILD=0
while [ $# -gt 0 ]; do
  case "$1" in
    --listen) LISTEN="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --scale) SCALE="$2"; shift 2 ;;
    --rebuild) REBUILD=1; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) die "unknown option $1" ;;
  esac
done

ensure_build_deps
ensure_apt curl
log "building riskmap (release)"
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" -p riskmap-prep -p riskmap-server
build_viewer_assets

DATASET="$ROOT/demo-data/$SCALE"
if [ "$REBUILD" = 1 ] || [ ! -f "$DATASET/manifest.json" ]; then
  log "preparing the $SCALE demo dataset (seed $SEED) in demo-data/$SCALE"
  "$ROOT/target/release/riskmap-prep" demo --out "$DATASET" --seed "$SEED" --scale "$SCALE"
fi

log "starting riskmap-server on http://$LISTEN  (viewer: http://$LISTEN/ , wall screen: http://$LISTEN/wall)"
exec "$ROOT/target/release/riskmap-server" --dataset "$DATASET" --listen "$LISTEN"
