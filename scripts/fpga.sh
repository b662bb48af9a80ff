#!/usr/bin/env bash
# Build an FPGA bitstream and its report from the generated Verilog with the open flow
# (yosys + nextpnr + ecppack/icepack, pinned YoWASP builds from PyPI in .venv/).
#
#   scripts/fpga.sh --board ulx3s [--unit ttu] [--preset small] [--out DIR]
#   scripts/fpga.sh --board icebreaker
#
# Every option is passed to `tessera fpga build`; see `tessera fpga build --help`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --fpga
echo "[fpga] building the tessera tool (cargo, release)"
cargo build --release --quiet
exec target/release/tessera fpga build "$@"
