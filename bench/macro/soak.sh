#!/usr/bin/env bash
# Soak: the headline query for DURATION seconds in ONE long-lived process (bench/SysopsFast.PushStorm
# soak: one FleetQuery, GrepUniqAsync one query after the other), every answer checked against the
# generator's, the process's RSS and GC heap sampled before and after the first query, every
# SAMPLE_EVERY seconds and at the end, so memory growth across thousands of queries shows. Then the
# shipped (AOT) CLI, one process per query, CLI_RUNS times: each run's max RSS (/usr/bin/time) and answer.
#   bench/macro/soak.sh [HOSTS=24000] [DURATION=600] [OUT=perf-results/<date>-soak-<hosts>.md]
#   SAMPLE_EVERY=60 (s)  CLI_RUNS=100 (0: no CLI part)
set -euo pipefail
cd "$(dirname "$0")/../.."
HOSTS=${1:-24000}
DURATION=${2:-600}
OUT=${3:-perf-results/$(date -u +%Y-%m-%d)-soak-${HOSTS}.md}
PORT=${MACRO_PORT:-6506}
SAMPLE_EVERY=${SAMPLE_EVERY:-60}
CLI_RUNS=${CLI_RUNS:-100}
MACRO_BUILD="cli" # fleet generate and the CLI part; no baselines
. bench/macro/setup.sh

dotnet build bench/SysopsFast.PushStorm -c Release -v q -nologo -o "$WORK/storm" >/dev/null
S="127.0.0.1:$PORT/0"
"$CLI" fleet generate --hosts "$HOSTS" --seed 1 --server "$S" --ttl 0 --expected "$WORK/soak-expected.txt" 2>"$WORK/generate.log"

status=0
rm -f "$OUT"
dotnet "$WORK/storm/SysopsFast.PushStorm.dll" soak --hosts "$HOSTS" --seed 1 --server "$S" --duration "$DURATION" --sample-every "$SAMPLE_EVERY" \
  --out "$OUT" --command "SAMPLE_EVERY=$SAMPLE_EVERY CLI_RUNS=$CLI_RUNS bench/macro/soak.sh $HOSTS $DURATION" >/dev/null || status=$?
[ -f "$OUT" ] || exit "$status"

if [ "$CLI_RUNS" -gt 0 ]; then
  norm() { sed -E 's/^ *([0-9]+) /\1 /' "$1" | sort; }
  norm "$WORK/soak-expected.txt" >"$WORK/soak-expected.norm"
  : >"$WORK/soak-cli.runs"
  wrong=0
  for _ in $(seq "$CLI_RUNS"); do
    /usr/bin/time -f "%M %e" -o "$WORK/soak-cli.t" "$CLI" grep sysctl-a net.core.netdev_budget --uniq --server "$S" >"$WORK/soak-cli.out" 2>/dev/null || true
    tail -1 "$WORK/soak-cli.t" >>"$WORK/soak-cli.runs" # time puts "Command exited with non-zero status" first
    norm "$WORK/soak-cli.out" | cmp -s - "$WORK/soak-expected.norm" || wrong=$((wrong + 1))
  done
  # soak-cli.runs: one line per run, "max-RSS-KiB wall-seconds"; the first and last runs, and each
  # column's median and range.
  pick() { awk -v c="$1" '{print $c}' "$WORK/soak-cli.runs"; }
  stats() { sort -n | awk -v div="$1" -v f="$2" '{a[NR]=$1/div} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf f" "f" "f"\n", m, a[1], a[NR]}'; }
  read -r rss_med rss_min rss_max <<<"$(pick 1 | stats 1024 %.1f)"
  read -r t_med t_min t_max <<<"$(pick 2 | stats 1 %.2f)"
  read -r rss_first t_first <<<"$(head -1 "$WORK/soak-cli.runs")"
  read -r rss_last t_last <<<"$(tail -1 "$WORK/soak-cli.runs")"
  mib() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }
  {
    echo
    echo "## The CLI, one process per query ($CLI_RUNS runs)"
    echo
    echo "\`sysops-fast grep sysctl-a net.core.netdev_budget --uniq --server $S\`, the AOT binary as shipped, run $CLI_RUNS times one after the other; each run's max RSS from \`/usr/bin/time -f %M\`."
    echo
    echo "| run | max RSS MiB | wall s |"
    echo "|---|---:|---:|"
    echo "| first | $(mib "$rss_first") | $t_first |"
    echo "| last | $(mib "$rss_last") | $t_last |"
    echo "| median | $rss_med | $t_med |"
    echo "| min–max | $rss_min–$rss_max | $t_min–$t_max |"
    echo
    echo "Answers: $((CLI_RUNS - wrong)) of $CLI_RUNS equal the generator's expected answer (count padding removed, sorted): **$([ "$wrong" = 0 ] && echo PASSED || echo FAILED)**."
  } >>"$OUT"
  [ "$wrong" = 0 ] || status=1
fi
cat "$OUT"
exit "$status"
