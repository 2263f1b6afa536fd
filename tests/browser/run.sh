#!/usr/bin/env bash
# Drives Swagger UI in headless Chromium against a fresh demo-api (see
# swagger-authorize.cjs). Needs chromium and npm; without them it says so and exits 0.
# Usage: tests/browser/run.sh [path/to/demo-api]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
demo="${1:-${CARGO_TARGET_DIR:-$here/../../target}/debug/demo-api}"
chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
if [ -z "$chromium" ] || ! command -v npm >/dev/null 2>&1; then
  echo "swagger authorize: skipped (needs chromium and npm)"
  exit 0
fi
if [ ! -x "$demo" ]; then
  echo "swagger authorize: skipped (no demo-api binary at $demo)"
  exit 0
fi
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$here/swagger-authorize.cjs" "$work/"
if ! (cd "$work" && timeout 300 npm install --silent --no-audit --no-fund playwright-core@1 >/dev/null 2>&1); then
  echo "swagger authorize: skipped (playwright-core could not be installed from npm)"
  exit 0
fi
export DATABASE_URL="sqlite://$work/demo.sqlite3"
"$demo" createsuperuser --username swagger --email "" --password swagger-pass-123 >/dev/null
app="$("$demo" create-oauth-app --name "Swagger UI" --client-type confidential --grant-type password)"
field() { printf '%s' "$app" | sed -n "s/.*\"$1\": \"\([^\"]*\)\".*/\1/p"; }
"$demo" serve --bind 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 1 100); do
  base="$(sed -n 's/^serving on \(http:\/\/[^ ]*\).*/\1/p' "$work/serve.out")"
  [ -n "$base" ] && break
  sleep 0.1
done
[ -n "$base" ] || { echo "swagger authorize: FAILED: the demo did not start"; cat "$work/serve.err"; exit 1; }
CHROMIUM="$chromium" NODE_PATH="$work/node_modules" timeout 120 node "$work/swagger-authorize.cjs" "$base" "$(field client_id)" "$(field client_secret)"
