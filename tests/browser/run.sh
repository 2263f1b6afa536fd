#!/usr/bin/env bash
# Drives Swagger UI in headless Chromium against a fresh demo-api: authorizes with
# JWT, Basic and OAuth2 and calls an operation with each (see swagger-authorize.cjs).
# Needs chromium, node and npm; without them it says so and exits 0, unless
# REQUIRE_BROWSER=1 (as .ci/run sets it): then a check that cannot run fails.
# SWAGGER_ARTIFACTS=dir keeps a screenshot and the HTML of a failing step there.
# Usage: tests/browser/run.sh [path/to/demo-api]
set -euo pipefail
skip() {
  if [ "${REQUIRE_BROWSER:-0}" = 1 ]; then
    echo "swagger authorize: FAILED: $1 (REQUIRE_BROWSER=1)"
    exit 1
  fi
  echo "swagger authorize: skipped ($1)"
  exit 0
}
here="$(cd "$(dirname "$0")" && pwd)"
demo="${1:-${CARGO_TARGET_DIR:-$here/../../target}/debug/demo-api}"
chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
if [ -z "$chromium" ] || ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  skip "needs chromium, node and npm"
fi
if [ ! -x "$demo" ]; then
  skip "no demo-api binary at $demo"
fi
work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
cp "$here/swagger-authorize.cjs" "$work/"
if ! (cd "$work" && timeout 300 npm install --loglevel=error --no-audit --no-fund playwright-core@1 >"$work/npm.log" 2>&1); then
  tail -n 20 "$work/npm.log"
  skip "playwright-core could not be installed from npm"
fi
export DATABASE_URL="sqlite://$work/demo.sqlite3" NO_COLOR=1
setup_failed() { echo "swagger authorize: FAILED: $1"; cat "$work/setup.err"; exit 1; }
"$demo" createsuperuser --username swagger --email "" --password swagger-pass-123 \
  >/dev/null 2>>"$work/setup.err" || setup_failed "demo-api createsuperuser"
app="$("$demo" create-oauth-app --name "Swagger UI" --client-type confidential --grant-type password \
  2>>"$work/setup.err")" || setup_failed "demo-api create-oauth-app"
field() { printf '%s' "$app" | sed -n "s/.*\"$1\": \"\([^\"]*\)\".*/\1/p"; }
"$demo" serve --bind 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 1 100); do
  base="$(sed -n 's/^serving on \(http:\/\/[^ ]*\).*/\1/p' "$work/serve.out")"
  [ -n "$base" ] && break
  sleep 0.1
done
[ -n "$base" ] || { echo "swagger authorize: FAILED: the demo did not start"; cat "$work/serve.err"; exit 1; }
rc=0
CHROMIUM="$chromium" NODE_PATH="$work/node_modules" timeout 120 \
  node "$work/swagger-authorize.cjs" "$base" "$(field client_id)" "$(field client_secret)" || rc=$?
if [ "$rc" != 0 ]; then
  [ "$rc" = 124 ] && echo "swagger authorize: FAILED: killed after 120 s"
  echo "-- the demo's log (last lines):"
  tail -n 20 "$work/serve.err"
  exit "$rc"
fi
