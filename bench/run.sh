#!/usr/bin/env bash
# The benchmark: what authentication costs per request, as ratios against a no-auth
# baseline measured in the same run, on the same server process.
#
#   bench/run.sh                        # SQLite, 10 s per case, 64 connections
#   bench/run.sh --postgres postgres://postgres@127.0.0.1:5432/test
#   bench/run.sh --duration 5 --connections 32 --quick
#
# Builds demo-api in release mode, installs wrk if it is missing (Debian's package),
# and writes bench/results/latest.{json,md} and docs/performance.svg.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk (Debian package)"
  if [ "$(id -u)" = 0 ]; then apt-get install -y -q wrk >/dev/null; else sudo apt-get install -y -q wrk >/dev/null; fi
fi
command -v python3 >/dev/null 2>&1 || { echo "python3 is needed"; exit 1; }

cargo build --release -q -p demo-api
exec python3 bench/bench.py --binary "${CARGO_TARGET_DIR:-target}/release/demo-api" "$@"
