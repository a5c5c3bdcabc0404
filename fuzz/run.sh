#!/usr/bin/env bash
# Run every fuzz target for a bounded time (default 60 s each):
#   fuzz/run.sh [SECONDS] [TARGET...]
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). cargo-fuzz wants nightly
# flags; RUSTC_BOOTSTRAP lets this stable toolchain accept them. Seeds live in
# fuzz/seeds/<target>; the growing corpus in fuzz/corpus/<target> (not committed).
# A crash leaves its input in fuzz/artifacts/<target>/ and fails the run; fixed
# findings are kept as regression tests beside the code they broke.
set -euo pipefail
cd "$(dirname "$0")"
SECS="${1:-60}"; shift || true
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || mapfile -t TARGETS < <(cargo fuzz list)
export RUSTC_BOOTSTRAP=1
for t in "${TARGETS[@]}"; do
  mkdir -p "corpus/$t"
  [ -d "seeds/$t" ] && cp -n "seeds/$t"/* "corpus/$t"/ 2>/dev/null || true
  echo "== $t for ${SECS}s"
  cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$SECS" -rss_limit_mb=4096 -print_final_stats=1 2>&1 | tail -n 12
done
