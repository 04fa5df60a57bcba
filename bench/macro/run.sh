#!/usr/bin/env bash
# End-to-end macro benchmark: the headline query on a generated fleet in a local redis-server,
# against the ways it was done before, in the same run, on the same data:
#   - by hand: redis-cli --scan | xargs redis-cli mget | grep | sort | uniq -c | sort -rn (plain copy, db 1)
#   - the original sysops-api algorithm (MACRO_ORIGINAL=1): its layout (a LIST of five bz2 strings
#     per key, db 2), KEYS, one pipeline of LINDEX, bz2, then grep | sort | uniq -c | sort -rn
#   - the raw transfer floor: a minimal pipelined MGET of the stored bytes, discarded
#   bench/macro/run.sh [HOSTS=24000] [RUNS=5] [OUT=perf-results/<date>-macro-<hosts>.md]
# MACRO_BASELINE_RUNS sets the runs of the slow baselines (default RUNS). With MACRO_MIN_RATIO=N
# (CI), it fails unless every answer is exact and sysops-fast is at least N times faster than by
# hand, both measured in this run.
set -euo pipefail
cd "$(dirname "$0")/../.."
HOSTS=${1:-24000}
RUNS=${2:-5}
OUT=${3:-perf-results/$(date -u +%Y-%m-%d)-macro-${HOSTS}.md}
BASELINE_RUNS=${MACRO_BASELINE_RUNS:-$RUNS}
ORIGINAL=${MACRO_ORIGINAL:-0}
PORT=${MACRO_PORT:-6501}
. bench/macro/setup.sh

base_mb=$(mem)
# Records (the default codec) in db 0; the same contents as plain strings in db 1 for redis-cli.
"$CLI" fleet generate --hosts "$HOSTS" --seed 1 --server "127.0.0.1:$PORT/0" --ttl 0 --expected "$WORK/expected.txt" 2>"$WORK/generate.log"
records_mb=$(( $(mem) - base_mb ))
"$CLI" fleet generate --hosts "$HOSTS" --seed 1 --server "127.0.0.1:$PORT/1" --ttl 0 --plain --expected /dev/null 2>>"$WORK/generate.log"
plain_mb=$(( $(mem) - base_mb - records_mb ))
original_mb="not loaded"
if [ "$ORIGINAL" = 1 ]; then
  before=$(mem)
  $BASELINES load-original "$HOSTS" 1 "127.0.0.1:$PORT" 2 2>"$WORK/load-original.log"
  original_mb="$(( $(mem) - before )) MB"
fi

OURS="sysops-fast grep sysctl-a net.core.netdev_budget --uniq --server 127.0.0.1:$PORT/0"
BYHAND="redis-cli -p $PORT -n 1 --scan --pattern '*sysctl-a*' | xargs redis-cli -p $PORT -n 1 mget | grep net.core.netdev_budget | sort | uniq -c | sort -rn"
ORIGINAL_CMD="original sysctl-a 127.0.0.1:$PORT 2 | grep net.core.netdev_budget | sort | uniq -c | sort -rn"

# Normalised answers: "count line" with the padding removed, sorted, so both outputs compare exactly.
norm() { sed -E 's/^ *([0-9]+) /\1 /' "$1" | sort; }
norm "$WORK/expected.txt" >"$WORK/expected.norm"

run() { # name runs command -> appends "seconds peak_kb" per run to $WORK/name.times, checks each answer
  local name=$1 runs=$2 cmd=$3 i
  : >"$WORK/$name.times"
  for i in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$WORK/$name.t" bash -c "$cmd" >"$WORK/$name.out" 2>"$WORK/$name.err" || true
    cat "$WORK/$name.t" >>"$WORK/$name.times"
    if norm "$WORK/$name.out" | cmp -s - "$WORK/expected.norm"; then echo ok >>"$WORK/$name.checks"; else echo WRONG >>"$WORK/$name.checks"; fi
  done
}
stats() { # file -> "median min max" of column 1
  sort -n "$1" | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f %.2f %.2f", m, a[1], a[NR]}'
}
rss() { sort -k2 -n "$1" | tail -1 | awk '{printf "%.0f", $2/1024}'; }
check() { sort -u "$WORK/$1.checks" | tr '\n' ' '; }

rm -f "$WORK"/*.checks
run ours "$RUNS" "${OURS/sysops-fast/$CLI}"
run byhand "$BASELINE_RUNS" "$BYHAND"
[ "$ORIGINAL" = 1 ] && run original "$BASELINE_RUNS" "$BASELINES $ORIGINAL_CMD"
# The floor: best of three, for the records (db 0) and for the plain copy (db 1).
floor() { for _ in 1 2 3; do $BASELINES floor cmd/sysctl-a "127.0.0.1:$PORT" "$1"; done | sort -t' ' -k7 -n | head -1; }
floor_records=$(floor 0)
floor_plain=$(floor 1)

read -r o_med o_min o_max <<<"$(stats "$WORK/ours.times")"
read -r b_med b_min b_max <<<"$(stats "$WORK/byhand.times")"
ratio=$(awk -v b="$b_med" -v o="$o_med" 'BEGIN{printf "%.1f", b/o}')

mkdir -p "$(dirname "$OUT")"
{
  echo "# Macro benchmark: headline query, $HOSTS hosts"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: nproc $(nproc); $(uname -r)"
  echo "- memory (free -h):"
  echo '```'
  free -h
  echo '```'
  echo "- redis: $(redis-server --version | cut -d' ' -f3), loopback port $PORT, no persistence"
  echo "- .NET: $(dotnet --version)"
  echo "- command: \`bench/macro/run.sh $HOSTS $RUNS\` (MACRO_BASELINE_RUNS=$BASELINE_RUNS, MACRO_ORIGINAL=$ORIGINAL)"
  echo "- fleet: \`sysops-fast fleet generate --hosts $HOSTS --seed 1\` ($(grep -o 'wrote.*' "$WORK/generate.log" | head -1))"
  echo "- Redis memory for the whole fleet (10 objects a host; INFO used_memory deltas): records ${records_mb} MB, plain strings ${plain_mb} MB, original bz2 layout ${original_mb}"
  echo
  echo "| way | command | median s | min–max s | peak RSS MB | answer |"
  echo "|---|---|---:|---:|---:|---|"
  echo "| sysops-fast | \`$OURS\` | $o_med | $o_min–$o_max | $(rss "$WORK/ours.times") | $(check ours)($RUNS runs) |"
  if [ "$ORIGINAL" = 1 ]; then
    read -r g_med g_min g_max <<<"$(stats "$WORK/original.times")"
    echo "| original algorithm (re-implemented) | \`${ORIGINAL_CMD//|/\\|}\` | $g_med | $g_min–$g_max | $(rss "$WORK/original.times") (largest process) | $(check original)($BASELINE_RUNS runs) |"
  fi
  echo "| by hand | \`${BYHAND//|/\\|}\` | $b_med | $b_min–$b_max | $(rss "$WORK/byhand.times") (largest process) | $(check byhand)($BASELINE_RUNS runs) |"
  echo
  echo "sysops-fast is ${ratio}× faster than by hand (median over median), both measured in this run."
  [ "$ORIGINAL" = 1 ] && echo "sysops-fast is $(awk -v g="$g_med" -v o="$o_med" 'BEGIN{printf "%.1f", g/o}')× faster than the original algorithm (median over median), both measured in this run."
  echo "Wall time is process start to exit (\`/usr/bin/time\`), including .NET start-up."
  echo
  echo "Raw transfer floor (a minimal pipelined MGET of every cmd/sysctl-a value, ~1 MiB a batch, two in flight, values discarded; best of 3; keys taken from the catalog beforehand):"
  echo "- records (db 0): $floor_records"
  echo "- plain strings (db 1): $floor_plain"
  echo
  echo "Answer check: each run's output, with count padding removed and sorted, is compared byte for"
  echo "byte with the generator's expected answer (computed from its seeded choices, not by grepping):"
  echo '```'
  cat "$WORK/expected.txt"
  echo '```'
} >"$OUT"
cat "$OUT"

if [ -n "${MACRO_MIN_RATIO:-}" ]; then
  if [ "$(check ours)" != "ok " ] || [ "$(check byhand)" != "ok " ]; then
    echo "macro benchmark: FAILED: an answer differs from the expected one (sysops-fast: $(check ours); by hand: $(check byhand))" >&2
    exit 1
  fi
  if ! awk -v r="$ratio" -v m="$MACRO_MIN_RATIO" 'BEGIN{exit !(r >= m)}'; then
    echo "macro benchmark: FAILED: sysops-fast is ${ratio}x faster than by hand; at least ${MACRO_MIN_RATIO}x is required" >&2
    exit 1
  fi
  echo "macro benchmark: ok: exact answers, ${ratio}x faster than by hand (required: ${MACRO_MIN_RATIO}x)"
fi
