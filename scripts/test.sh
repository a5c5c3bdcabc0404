#!/usr/bin/env bash
# Quick start, command 2: run every test. Installs what the tests need (Debian
# packages, a Python venv for the independent MVT decoder, npm packages and Chromium
# for the browser tests), builds once with the `ci` profile, prepares the Chuxiong
# demo, then runs: formatting and lint checks, the Rust tests, the tile pyramid check
# and the browser end-to-end tests.
#
#   ./scripts/test.sh [--quick]   (--quick: Rust tests only)
source "$(dirname "$0")/lib/common.sh"

QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
export CARGO_TERM_PROGRESS_WHEN=never
PROFILE=ci
export PROFILE
BIN="$ROOT/target/$PROFILE"
cd "$ROOT"

ensure_build_deps
ensure_apt curl python3

log "cargo fmt --check"
cargo fmt --all -- --check
log "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

log "architecture: the core's run-time dependencies; no module cycle in any crate"
python3 scripts/checks/core_deps.py riskmap-layers
python3 scripts/checks/module_cycles.py layers/src server/src data-prep/src

log "cargo doc (the core's module docs and their links)"
RUSTDOCFLAGS="-D warnings" cargo doc --profile "$PROFILE" --quiet --no-deps -p riskmap-layers

log "building binaries (profile $PROFILE)"
cargo build --profile "$PROFILE" --quiet -p riskmap-prep -p riskmap-server

# The demo dataset the end-to-end tests run against, prepared through the real
# build path (the demo writes sources, then builds them).
export RISKMAP_TEST_DATASET="$ROOT/target/test-data/chuxiong"
if "$BIN/riskmap-prep" demo --help >/dev/null 2>&1; then
  log "preparing the Chuxiong demo dataset for the tests"
  "$BIN/riskmap-prep" demo --out "$RISKMAP_TEST_DATASET" --seed 42 --scale chuxiong --no-progress
fi

log "Rust tests"
cargo test --workspace --profile "$PROFILE" --quiet

[ "$QUICK" = 1 ] && { log "quick run: Rust tests passed"; exit 0; }

for suite in tests/*/run.sh; do
  [ -x "$suite" ] || continue
  log "suite $suite"
  "$suite" "$RISKMAP_TEST_DATASET"
done
log "all tests passed"
