#!/usr/bin/env bash
# What `verify` reads once it compares histories (issue 19): a fleet of HOSTS hosts whose every
# object has VERSIONS versions kept (the generated fleet dumped, then each file changed by one line
# and imported again, VERSIONS times in all), copied to a second database as the core's twin, then
# `verify --cost` over the two: the bytes each server sent (headers + history lists) against the
# headers alone (120 bytes a key). Byte counts, not timings: they do not depend on the machine's load.
#   bench/macro/verify-history-cost.sh [HOSTS=2000] [VERSIONS=8]
# VERIFY_CLI=path uses that CLI instead of publishing one (e.g. "dotnet src/SysopsFast.Cli/bin/Release/net10.0/sysops-fast.dll").
set -euo pipefail
cd "$(dirname "$0")/../.."
HOSTS=${1:-2000}
VERSIONS=${2:-8}
PORT=${MACRO_PORT:-6511}
MACRO_BUILD=${VERIFY_CLI:+none}
MACRO_BUILD=${MACRO_BUILD:-cli}
. bench/macro/setup.sh
CLI=${VERIFY_CLI:-$CLI}
# A loaded machine may take longer than setup's wait to start redis-server.
for _ in $(seq 300); do redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
S="127.0.0.1:$PORT/0"
TREE=$WORK/verify-history-tree
rm -rf "$TREE"

$CLI fleet generate --hosts "$HOSTS" --seed 1 --server "$S" --ttl 0 --codec lz4 --expected /dev/null 2>"$WORK/verify-generate.log"
$CLI dump "$TREE" --server "$S" 2>"$WORK/verify-dump.log"
redis-cli -p "$PORT" -n 0 flushdb >/dev/null
for round in $(seq "$VERSIONS"); do
  if [ "$round" -gt 1 ]; then
    find "$TREE" -type f -print0 | xargs -0 -n 500 sed -i "\$a # round $round"
  fi
  $CLI import "$TREE" --server "$S" --codec lz4 --history "$VERSIONS" 2>>"$WORK/verify-import.log"
done
# The twin: the same records and lists, copied.
redis-cli -p "$PORT" -n 1 flushdb >/dev/null
redis-cli -p "$PORT" -n 0 --scan | awk '{printf "COPY \"%s\" \"%s\" DB 1 REPLACE\n", $0, $0}' | redis-cli -p "$PORT" -n 0 >/dev/null

TOPOLOGY=$WORK/verify-history.toml
printf 'local = "eat1/core0"\n\n[sites.eat1.cores.core0]\nservers = ["redis://127.0.0.1:%s/0", "redis://127.0.0.1:%s/1"]\n' "$PORT" "$PORT" >"$TOPOLOGY"
records=$(redis-cli -p "$PORT" -n 0 --scan | grep -vc '^#')
lists=$(redis-cli -p "$PORT" -n 0 --scan --pattern '#history:*' | wc -l)
set +e
$CLI verify --topology "$TOPOLOGY" --cost >"$WORK/verify-history.out" 2>"$WORK/verify-history.err"
echo "exit $?"
set -e
echo "hosts $HOSTS, versions kept $VERSIONS, records $records, history lists $lists"
echo "headers alone: $(( records * 120 )) bytes a server (records x 120)"
cat "$WORK/verify-history.err"
