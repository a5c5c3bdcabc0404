#!/usr/bin/env bash
# Run every fuzz target for a bounded time (default 60 s each):
#   fuzz/run.sh [SECONDS] [TARGET...]
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). cargo-fuzz wants nightly
# flags; RUSTC_BOOTSTRAP lets this stable toolchain accept them. Seeds live in
# fuzz/seeds/<target>, token dictionaries in fuzz/dicts/<target>.dict, the growing
# corpus in fuzz/corpus/<target> (not committed). A crash leaves its input in
# fuzz/artifacts/<target>/ and fails the run (after the other targets have run); full
# output in fuzz/logs/<target>.log; fixed
# findings are kept as regression tests beside the code they broke.
set -euo pipefail
cd "$(dirname "$0")"
SECS="${1:-60}"; shift || true
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || mapfile -t TARGETS < <(cargo fuzz list)
export RUSTC_BOOTSTRAP=1
failed=()
for t in "${TARGETS[@]}"; do
  mkdir -p "corpus/$t"
  [ -d "seeds/$t" ] && cp -n "seeds/$t"/* "corpus/$t"/ 2>/dev/null || true
  echo "== $t for ${SECS}s"
  dict=(); [ -f "dicts/$t.dict" ] && dict=(-dict="dicts/$t.dict")
  # -timeout: one input taking over 10 s is a finding (a request that hangs the server).
  mkdir -p logs
  if cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$SECS" -timeout=10 \
    -rss_limit_mb=4096 -print_final_stats=1 "${dict[@]}" > "logs/$t.log" 2>&1; then
    grep -E "^(Done|stat::(average_exec|new_units|peak_rss))" "logs/$t.log"
  else
    grep -E "ERROR|panicked|SUMMARY|Test unit written|#[0-9]+ .* in " "logs/$t.log" | head -n 20
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
echo "fuzz: ${#TARGETS[@]} targets, ${SECS}s each, nothing found"
