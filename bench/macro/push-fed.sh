#!/usr/bin/env bash
# Push-fed vs generated: the same synthetic fleet built two ways in a redis-server of this script's
# own, one after the other, then the headline query (the published AOT CLI) RUNS times on each:
#   - generated: `sysops-fast fleet generate` (dictionaries trained on the first 100 hosts);
#   - push-fed: every host pushes through the library's push path (bench/SysopsFast.PushStorm),
#     as production gets its dictionaries: round 1 with LZ4 (none exists yet), then `dict train`'s
#     library call, then the later rounds compress with what it published. CHANGED=0: the contents
#     are exactly the generated fleet's, so the two answers and sizes are comparable.
# Reports the median time and Redis used_memory of both and their ratios (target: push-fed within
# 10% of generated on both), and checks every answer against the generator's; exits 1 when an
# answer is wrong or the push storm's own checks (nothing lost, only expected writes) fail.
#   bench/macro/push-fed.sh [HOSTS=24000] [RUNS=5] [OUT=perf-results/<date>-push-fed-<hosts>.md]
#   ROUNDS=3 (pushes per host; training after the first)  CONCURRENCY=64 (hosts pushing at once)
set -euo pipefail
cd "$(dirname "$0")/../.."
HOSTS=${1:-24000}
RUNS=${2:-5}
OUT=${3:-perf-results/$(date -u +%Y-%m-%d)-push-fed-${HOSTS}.md}
PORT=${MACRO_PORT:-6506}
ROUNDS=${ROUNDS:-3}
CONCURRENCY=${CONCURRENCY:-64}
TTL=21600 # both fleets expire in 6 h (a key with an expiry costs Redis a little more than one without)
MACRO_BUILD=cli # the CLI as shipped; the storm tool is built below
. bench/macro/setup.sh
. bench/macro/timing.sh

dotnet build bench/SysopsFast.PushStorm -c Release -v q -nologo -o "$WORK/storm" >/dev/null
HEADLINE="grep sysctl-a net.core.netdev_budget --uniq --server 127.0.0.1:$PORT/0"
# used_memory in bytes (setup.sh's mem() rounds to MB, too coarse for a small fleet).
used() { redis-cli -p "$PORT" info memory | awk -F: '/^used_memory:/{printf "%d", $2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }

# Generated.
base=$(used)
"$CLI" fleet generate --hosts "$HOSTS" --seed 1 --server "127.0.0.1:$PORT/0" --ttl "$TTL" --expected "$WORK/expected.txt" 2>"$WORK/push-fed-generate.log"
generated_bytes=$(( $(used) - base ))
norm "$WORK/expected.txt" >"$WORK/expected.norm"
read -r g_med g_min g_max g_ok <<<"$(time_runs generated "$CLI $HEADLINE" uniq)"
# One more run with --verbose: where the time goes (connect, listing, fetch, done).
timeline() { "$CLI" $HEADLINE --verbose 2>&1 >/dev/null | grep -o 'timeline.*' | head -1; }
g_timeline=$(timeline)

# Push-fed, into the emptied server.
redis-cli -p "$PORT" flushall >/dev/null
base=$(used)
storm=0
dotnet "$WORK/storm/SysopsFast.PushStorm.dll" --hosts "$HOSTS" --concurrency "$CONCURRENCY" --rounds "$ROUNDS" \
  --server "127.0.0.1:$PORT/0" --no-fill --dictionaries --changed 0 --query-every 0 --ttl "$TTL" \
  --out "$WORK/push-fed-storm.md" --command "bench/macro/push-fed.sh $HOSTS $RUNS (its push-fed fleet)" >/dev/null 2>"$WORK/push-fed-storm.log" || storm=$?
pushed_bytes=$(( $(used) - base ))
read -r p_med p_min p_max p_ok <<<"$(time_runs pushed "$CLI $HEADLINE" uniq)"
p_timeline=$(timeline)
# Diagnosis, not a target: the same records after the server reloads them from a snapshot (DEBUG
# RELOAD lays every value out afresh). Equal to the generated fleet's time: the difference is where
# Redis's allocator left values that were overwritten (round 1 LZ4, then dictionaries), not the records.
reloaded=""
if redis-cli -p "$PORT" debug reload 2>&1 | grep -q '^OK'; then
  read -r r_med r_min r_max r_ok <<<"$(time_runs reloaded "$CLI $HEADLINE" uniq)"
  r_timeline=$(timeline)
  reloaded="| push-fed after DEBUG RELOAD (diagnosis) | $(awk -v b="$(( $(used) - base ))" 'BEGIN{printf "%.1f", b/1e6}') | $r_med | $r_min–$r_max | $r_ok ($RUNS runs) |"
fi

memory_ratio=$(ratio "$pushed_bytes" "$generated_bytes")
time_ratio=$(ratio "$p_med" "$g_med")
within() { awk -v r="$1" 'BEGIN{print (r <= 1.10) ? "yes" : "no"}'; }

mkdir -p "$(dirname "$OUT")"
{
  echo "# Push-fed vs generated fleet: headline query and Redis memory, $HOSTS hosts"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: nproc $(nproc); $(uname -r); redis $(redis-server --version | cut -d' ' -f3), loopback port $PORT, no persistence; .NET $(dotnet --version)"
  echo "- memory (free -h):"; echo '```'; free -h; echo '```'
  echo "- command: \`ROUNDS=$ROUNDS CONCURRENCY=$CONCURRENCY bench/macro/push-fed.sh $HOSTS $RUNS\`"
  echo "- generated: \`sysops-fast fleet generate --hosts $HOSTS --seed 1 --ttl $TTL\` (codec zstddictionary: a dictionary per object trained on its first 100 hosts; $(grep -o 'wrote.*' "$WORK/push-fed-generate.log" | head -1))"
  echo "- push-fed: bench/SysopsFast.PushStorm, $HOSTS hosts pushing $CONCURRENCY at once through \`PushAgent.PushAsync\`, $ROUNDS rounds, TTL $TTL s, the generated fleet's contents (\`--changed 0\`): round 1 LZ4 (no dictionary exists), then \`dict train\`'s library call (FleetQuery.TrainDictionariesAsync), then rounds 2–$ROUNDS compressing with what it published; the tool's own checks: $(grep -o 'result: \*\*[A-Z]*\*\*' "$WORK/push-fed-storm.md" 2>/dev/null || echo "no report (exit $storm)")"
  echo "- Redis memory: INFO used_memory after building each fleet minus before (the server emptied in between); query: \`sysops-fast $HEADLINE\` (published Native AOT binary), wall time from process start to exit, $RUNS runs each"
  echo
  echo "| fleet | Redis used_memory MB | headline median s | min–max s | answer |"
  echo "|---|---:|---:|---:|---|"
  echo "| generated | $(awk -v b="$generated_bytes" 'BEGIN{printf "%.1f", b/1e6}') | $g_med | $g_min–$g_max | $g_ok ($RUNS runs) |"
  echo "| push-fed | $(awk -v b="$pushed_bytes" 'BEGIN{printf "%.1f", b/1e6}') | $p_med | $p_min–$p_max | $p_ok ($RUNS runs) |"
  [ -z "$reloaded" ] || echo "$reloaded"
  echo
  echo "One more run of each with \`--verbose\` (ms from the query's start):"
  echo "- generated: $g_timeline"
  echo "- push-fed: $p_timeline"
  [ -z "$reloaded" ] || echo "- push-fed after DEBUG RELOAD: $r_timeline"
  echo
  echo "Push-fed / generated: memory ${memory_ratio}× (within 10%: $(within "$memory_ratio")), headline time ${time_ratio}× (within 10%: $(within "$time_ratio")), both measured in this run."
  echo
  echo "What \`dict train\` decided after round 1 (held-out samples with LZ4, and with the new dictionary):"
  echo '```'
  awk '/^`dict train`/{f=1; next} f && /^```$/{if (++n == 2) exit; next} f && n == 1' "$WORK/push-fed-storm.md" 2>/dev/null || true
  echo '```'
  echo
  echo "Answer check: each run's output, with count padding removed and sorted, is compared byte for"
  echo "byte with the generator's expected answer:"
  echo '```'
  cat "$WORK/expected.txt"
  echo '```'
} >"$OUT"
cat "$OUT"

if [ "$g_ok" != ok ] || [ "$p_ok" != ok ] || [ "$storm" != 0 ]; then
  echo "push-fed: FAILED: answers generated $g_ok, push-fed $p_ok; push storm exit $storm (its report: $WORK/push-fed-storm.md, log: $WORK/push-fed-storm.log)" >&2
  exit 1
fi
