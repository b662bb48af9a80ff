#!/usr/bin/env bash
# Run the whole Tessera test suite: set up the tools, then every cargo test in the workspace.
#
# The Verilator models are built at run time and cached by content hash under target/verilator-cache/,
# so a second run is much faster than the first. TESSERA_SEED=N fixes the random seed of the
# randomized tests; TESSERA_TRACE=1 writes a VCD for every simulation (target/vcd/).
# tests/fpga_flow.rs runs one small FPGA build (iCE40, the tiny skid buffer) with the YoWASP tools
# that setup.sh --fpga installs into .venv/; the larger builds are in scripts/fpga-results.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Tessera tests: checking tools (scripts/setup.sh --fpga: also the pinned YoWASP FPGA tools)"
scripts/setup.sh --fpga

echo "== Building (cargo, test profile)"
cargo build --workspace --tests --benches --profile test --quiet

echo "== Running the test suite (cargo test --workspace)"
start=$(date +%s)
cargo test --workspace --no-fail-fast "$@"
echo "== Test suite finished in $(( $(date +%s) - start )) s"
