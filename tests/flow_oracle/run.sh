#!/usr/bin/env bash
# Oracle for the transfer's min-cost-flow solver: random small instances solved by
# the Rust solver (layers example flow_solve) and checked against networkx (cost
# optimal, most persons placed, capacities respected). See check_flow.py.
#
#   tests/flow_oracle/run.sh [DATASET_DIR]   (the dataset is not used)
source "$(dirname "$0")/../../scripts/lib/common.sh"

profile="${PROFILE:-dev}"
dir="$([ "$profile" = dev ] && echo debug || echo "$profile")"
target="${CARGO_TARGET_DIR:-$ROOT/target}"

ensure_venv 'networkx==3.6.1'
cd "$ROOT"
cargo build --profile "$profile" --quiet -p riskmap-layers --example flow_solve
"$ROOT/.venv/bin/python" "$ROOT/tests/flow_oracle/check_flow.py" \
  "$target/$dir/examples/flow_solve" "${FLOW_ORACLE_INSTANCES:-400}"
