#!/usr/bin/env bash
# Starts the first app in a fresh directory and calls it as the page says: health,
# a superuser, a JWT from the token view, the admin-only statistics. CI runs it.
set -euo pipefail
bin="$(realpath "$1")"
dir="$(mktemp -d)"
cd "$dir"
"$bin" createsuperuser --username admin --email admin@example.com --password "correct horse battery" >/dev/null
"$bin" > server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do grep -q "serving on" server.log && break; sleep 0.1; done
base="$(grep -o 'http://[0-9.:]*' server.log | head -n1)"
[ -n "$base" ] || { cat server.log; echo "the first app did not start"; exit 1; }
check() { # expected-status what curl-args...
  local want="$1" what="$2"; shift 2
  local got; got="$(curl -s -o body.json -w '%{http_code}' "$@")"
  [ "$got" = "$want" ] || { echo "first app: $what: $got, expected $want: $(cat body.json)"; exit 1; }
}
check 200 "GET /api/health/" "$base/api/health/"
check 401 "GET /api/stats/ without credentials" "$base/api/stats/"
check 200 "POST /api/token/" -X POST "$base/api/token/" -H "Content-Type: application/json" \
  -d '{"username": "admin", "password": "correct horse battery"}'
access="$(python3 -c 'import json; print(json.load(open("body.json"))["access"])')"
check 200 "GET /api/stats/ as the admin" "$base/api/stats/" -H "Authorization: Bearer $access"
check 200 "GET /openapi.json" "$base/openapi.json"
echo "first app: ok (health 200, stats 401 then 200 with a JWT from /api/token/)"
