#!/usr/bin/env bash
# The benchmark: what authentication costs per request, as ratios against a bare
# poem-openapi app (bench/bare) measured in the same run, in paired rounds.
#
#   bench/run.sh                        # SQLite, 3 rounds of 3 s per app and case, 64 connections
#   bench/run.sh --postgres postgres://postgres@127.0.0.1:5432/test
#   bench/run.sh --duration 6 --connections 32 --quick
#
# Builds demo-api and bench-bare in release mode, installs wrk if it is missing
# (Debian's package), and writes bench/results/latest.{json,md} and docs/performance.svg.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null 2>&1; then
  echo "installing wrk (Debian package)"
  if [ "$(id -u)" = 0 ]; then apt-get install -y -q wrk >/dev/null; else sudo apt-get install -y -q wrk >/dev/null; fi
fi
command -v python3 >/dev/null 2>&1 || { echo "python3 is needed"; exit 1; }

cargo build --release -q -p demo-api -p bench-bare
target="${CARGO_TARGET_DIR:-target}/release"
exec python3 bench/bench.py --binary "$target/demo-api" --bare "$target/bench-bare" "$@"
