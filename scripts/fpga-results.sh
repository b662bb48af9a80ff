#!/usr/bin/env bash
# The FPGA benchmark: build every board top and unit of the README's results table with the pinned
# open flow, record each report in fpga/results/ (`--record`) and regenerate the README table
# (`tessera fpga table`). Slow: the ULX3S builds take an hour or more on a 2-core machine.
#
#   scripts/fpga-results.sh            every build below
#   scripts/fpga-results.sh icebreaker only the iCEBreaker builds (a few minutes each)
#   scripts/fpga-results.sh ulx3s      only the ULX3S builds
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --fpga
echo "[fpga-results] building the tessera tool (cargo, release)"
cargo build --release --quiet
t=target/release/tessera
which="${1:-all}"

# A build that does not fit still records its report (what does not fit, by how much); keep going.
build() { "$t" fpga build --record "$@" || echo "[fpga-results] '$*' did not produce a bitstream (see its report)"; }

if [ "$which" = all ] || [ "$which" = icebreaker ]; then
  build --board icebreaker --breakdown                       # tiny's board top: does not fit the UP5K
  build --board icebreaker --config fpga/boards/icebreaker/tiny-1x1.toml
  build --board icebreaker --unit skid_flit
  build --board icebreaker --unit csram
  build --board icebreaker --unit ttu
fi
if [ "$which" = all ] || [ "$which" = ulx3s ]; then
  build --board ulx3s                                        # small's board top
  build --board ulx3s --unit ttu
  build --board ulx3s --unit csram
fi
"$t" fpga table
