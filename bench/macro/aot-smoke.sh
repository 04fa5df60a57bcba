#!/usr/bin/env bash
# The shipped (Native AOT) binary through the paths that StackExchange.Redis serves and that the
# query benchmark does not: push, grep of what was pushed, dump, import, topology doctor.
# Run by .ci/run after the macro benchmark (which covers fleet generate and the grep fast path).
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${MACRO_PORT:-6504}
. bench/macro/setup.sh

dir=$(mktemp -d)
trap 'rm -rf "$dir"; kill "$REDIS_PID" 2>/dev/null || true' EXIT
mkdir -p "$dir/out"
printf 'net.core.somaxconn = 4096\n' >"$dir/out/sysctl-conf"
fail() { echo "aot smoke: FAILED: $*" >&2; exit 1; }

"$CLI" push --dir "$dir/out" --server "127.0.0.1:$PORT" --hostname smoke.example.com >"$dir/push.log" || fail "push ($(cat "$dir/push.log"))"
[ "$("$CLI" grep sysctl-conf somaxconn -H --server "127.0.0.1:$PORT")" = "smoke.example.com:net.core.somaxconn = 4096" ] || fail "grep after push"
"$CLI" dump "$dir/dump" --server "127.0.0.1:$PORT" 2>/dev/null || fail "dump"
cmp -s "$dir/out/sysctl-conf" "$dir/dump/smoke.example.com/cmd/sysctl-conf" || fail "dump did not give the pushed bytes back"
"$CLI" import "$dir/dump" --server "127.0.0.1:$PORT/2" 2>/dev/null || fail "import"
[ "$("$CLI" grep sysctl-conf somaxconn --server "127.0.0.1:$PORT/2")" = "net.core.somaxconn = 4096" ] || fail "grep after import"
"$CLI" topology --server "127.0.0.1:$PORT" >/dev/null || fail "topology"
echo "aot smoke: ok (push, grep, dump, import, topology with the Native AOT binary)"
