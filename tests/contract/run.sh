#!/usr/bin/env bash
# The contract test: schemathesis checks that demo-api answers as its OpenAPI document
# says (every status documented, every body valid against its schema, required fields
# stated, authentication as declared, 405 with Allow), three ways: anonymous, as a user
# by JWT, as an admin by JWT. Any failure fails. The exceptions, each with its reason,
# are in tests/contract/schemathesis.toml and explained in tests/contract/README.md.
#
#   tests/contract/run.sh [path/to/demo-api] [seconds per pass]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
demo="$(realpath "${1:-${CARGO_TARGET_DIR:-$here/../../target}/debug/demo-api}")"
seconds="${2:-${CONTRACT_SECONDS:-90}}"
# Pinned: a version that runs clean here (see README.md).
version="4.32.5"
venv="${CONTRACT_VENV:-/var/tmp/poem-auth-schemathesis-$version}"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
  echo "installing schemathesis $version in $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$version"
fi

work="$(mktemp -d)"
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
export DATABASE_URL="sqlite://$work/demo.sqlite3"
# Schemathesis sends thousands of wrong credentials from one address; the brute-force
# limits would answer 429 to most of them and leave the rest untested. They have their
# own tests (tests/tests/attacks_login.rs); here they are wide.
export AUTH_THROTTLE__LOGIN__FAILURES_PER_USER_AND_ADDRESS="1000000/1m"
export AUTH_THROTTLE__LOGIN__FAILURES_PER_ADDRESS="1000000/1m"
export AUTH_THROTTLE__LOGIN__FAILURES_PER_USER="1000000/1m"
"$demo" createsuperuser --username contract-admin --email "" --password "contract-admin-pass-1" >/dev/null
"$demo" serve --bind 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
base=""
for _ in $(seq 1 100); do
  base="$(sed -n 's/^serving on \(http:\/\/[^ ]*\).*/\1/p' "$work/serve.out")"
  [ -n "$base" ] && break
  sleep 0.1
done
[ -n "$base" ] || { cat "$work/serve.err"; echo "contract: the demo did not start"; exit 1; }

post_json() { curl -sf -X POST "$base$1" -H "Content-Type: application/json" -d "$2"; }
post_json /api/accounts/register/ '{"username": "contract-user", "password": "contract-user-pass-1"}' >/dev/null
token() {
  post_json /api/token/ "{\"username\": \"$1\", \"password\": \"$2\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access"])'
}
user_jwt="$(token contract-user contract-user-pass-1)"
admin_jwt="$(token contract-admin contract-admin-pass-1)"

status=0
run() { # name, [JWT]
  local name="$1" jwt="${2:-}" config="$work/$1.toml"
  cp "$here/schemathesis.toml" "$config"
  if [ -n "$jwt" ]; then
    # The token belongs to the `jwt` scheme, so that schemathesis' checks of missing
    # and wrong credentials change this scheme's credential, not another's.
    printf '\n[auth.openapi.jwt]\nbearer = "%s"\n' "$jwt" >>"$config"
  fi
  echo "== schemathesis, $name ($seconds s)"
  # One worker: with two, schemathesis 4.32 on Python 3.11 once stopped on an internal
  # error of its own ("AST constructor recursion depth mismatch").
  if ! "$venv/bin/schemathesis" --config-file "$config" run "$base/openapi.json" \
      --checks all --workers 1 --max-time "$seconds" --no-color >"$work/$name.txt" 2>&1; then
    status=1
    sed -n '/^=* FAILURES =*$/,/^=* WARNINGS =*$/p' "$work/$name.txt" | cut -c1-300 | head -300
  fi
  # The summary: phases, failures by kind (none when it passes), warnings, test cases,
  # and the closing line.
  sed -n '/^=* SUMMARY =*$/,$p' "$work/$name.txt"
}
run anonymous
run user "$user_jwt"
run admin "$admin_jwt"
exit $status
