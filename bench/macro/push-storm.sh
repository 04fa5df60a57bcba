#!/usr/bin/env bash
# Push storm: HOSTS synthetic hosts push CONCURRENCY at once, ROUNDS times each, against a
# redis-server of this script's own, while the headline query runs every QUERY_EVERY ms. Each push
# is one `push` run's work through the library's push path (bench/SysopsFast.PushStorm: contents
# built, LZ4, md5, PushAgent with the host's own ledger). Then every host's latest record is read
# back and checked (nothing lost); the tool exits 1 when a check fails, and so does this script.
#   bench/macro/push-storm.sh [HOSTS=24000] [CONCURRENCY=64] [ROUNDS=2] [OUT=perf-results/<date>-push-storm-<hosts>.md]
#   QUERY_EVERY=1000 (ms between headline starts; 0: none)  CHANGED=0.05 (objects changed per round)
#   FILL=0: start from an empty server (round 1 writes everything) instead of the generated fleet
#   DICTIONARIES=1: `dict train` runs after round 1 and the later rounds compress with its dictionaries
set -euo pipefail
cd "$(dirname "$0")/../.."
HOSTS=${1:-24000}
CONCURRENCY=${2:-64}
ROUNDS=${3:-2}
OUT=${4:-perf-results/$(date -u +%Y-%m-%d)-push-storm-${HOSTS}.md}
PORT=${MACRO_PORT:-6505}
QUERY_EVERY=${QUERY_EVERY:-1000}
CHANGED=${CHANGED:-0.05}
FILL=${FILL:-1}
DICTIONARIES=${DICTIONARIES:-0}
MACRO_BUILD="" # neither the CLI nor the baselines: the storm tool is all it runs
. bench/macro/setup.sh

dotnet build bench/SysopsFast.PushStorm -c Release -v q -nologo -o "$WORK/storm" >/dev/null
flags=()
[ "$FILL" = 0 ] && flags=(--no-fill)
[ "$DICTIONARIES" = 1 ] && flags+=(--dictionaries)
status=0
rm -f "$OUT"
dotnet "$WORK/storm/SysopsFast.PushStorm.dll" --hosts "$HOSTS" --concurrency "$CONCURRENCY" --rounds "$ROUNDS" \
  --server "127.0.0.1:$PORT/0" --query-every "$QUERY_EVERY" --changed "$CHANGED" "${flags[@]}" --out "$OUT" \
  --command "QUERY_EVERY=$QUERY_EVERY CHANGED=$CHANGED FILL=$FILL DICTIONARIES=$DICTIONARIES bench/macro/push-storm.sh $HOSTS $CONCURRENCY $ROUNDS" >/dev/null || status=$?
[ -f "$OUT" ] && cat "$OUT"
exit "$status"
