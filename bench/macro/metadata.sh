#!/usr/bin/env bash
# Metadata and two-phase queries against the headline query, on the same generated fleet, in the
# same run: search --md5sum / --stat (headers only), compare-all (headers, then one record per md5
# group), and the content query for the same keys (search --contents), with the bytes each moved
# from Redis (--cost). With MIGRATE=1 it also times `migrate` of the original layout of that fleet.
# CODEC=lz4 (default zstddictionary) generates the fleet with that codec (push writes LZ4 today).
# BEFORE_CLI=path times the headline and the header-only queries with that binary too, in the same run (a before/after
# of a change to header reads: each query's runs alternate between the two binaries).
#   bench/macro/metadata.sh [HOSTS=24000] [RUNS=5] [OUT=perf-results/<date>-metadata-<hosts>.md]
set -euo pipefail
cd "$(dirname "$0")/../.."
HOSTS=${1:-24000}
RUNS=${2:-5}
OUT=${3:-perf-results/$(date -u +%Y-%m-%d)-metadata-${HOSTS}-${CODEC:-zstddictionary}.md}
PORT=${MACRO_PORT:-6502}
MIGRATE=${MIGRATE:-0}
CODEC=${CODEC:-zstddictionary}
. bench/macro/setup.sh

S="--server 127.0.0.1:$PORT/0"
"$CLI" fleet generate --hosts "$HOSTS" --seed 1 --server "127.0.0.1:$PORT/0" --ttl 0 --codec "$CODEC" --expected /dev/null 2>"$WORK/generate.log"
"$CLI" fleet generate --hosts "$HOSTS" --seed 1 --server "127.0.0.1:$PORT/1" --ttl 0 --plain --expected /dev/null 2>>"$WORK/generate.log"

time_runs() { # name command -> median min max seconds over RUNS runs; last run's stdout/stderr kept
  local name=$1 cmd=$2 i
  : >"$WORK/$name.times"
  for i in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$WORK/$name.t" bash -c "$cmd" >"$WORK/$name.out" 2>"$WORK/$name.err" || true
    cat "$WORK/$name.t" >>"$WORK/$name.times"
  done
  sort -n "$WORK/$name.times" | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f %.2f %.2f", m, a[1], a[NR]}'
}
fetched_mb() { awk '/^cost: total/{print $4}' "$WORK/$1.err"; }

read -r h_med h_min h_max <<<"$(time_runs headline "$CLI grep sysctl-a net.core.netdev_budget --uniq $S")"
read -r m_med m_min m_max <<<"$(time_runs md5sum "$CLI search sysctl-a --md5sum -H $S --cost")"
read -r s_med s_min s_max <<<"$(time_runs stat "$CLI search sysctl-a --stat -H $S --cost")"
read -r a_med a_min a_max <<<"$(time_runs compareall "$CLI compare-all sysctl.conf $S --cost")"
# A join by host: the headline restricted to the hosts whose package list lacks a line (one pass over rpm-qa first).
JOIN_TEXT=${JOIN_TEXT:-el9_old}
before_rows=""
if [ -n "${BEFORE_CLI:-}" ]; then
  for q in "headline|grep sysctl-a net.core.netdev_budget --uniq" "md5sum|search sysctl-a --md5sum -H" "stat|search sysctl-a --stat -H" "compareall|compare-all sysctl.conf"; do
    name=${q%%|*}; args=${q#*|}
    : >"$WORK/$name.before.times"; : >"$WORK/$name.after.times"
    for _ in $(seq "$RUNS"); do
      /usr/bin/time -f "%e %M" -o "$WORK/t" bash -c "$BEFORE_CLI $args $S" >"$WORK/$name.before.out" 2>/dev/null || true
      tail -n 1 "$WORK/t" >>"$WORK/$name.before.times"
      /usr/bin/time -f "%e %M" -o "$WORK/t" bash -c "$CLI $args $S" >"$WORK/$name.after.out" 2>/dev/null || true
      tail -n 1 "$WORK/t" >>"$WORK/$name.after.times"
    done
    median() { sort -n "$1" | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
    b=$(median "$WORK/$name.before.times"); a=$(median "$WORK/$name.after.times")
    same=$(cmp -s <(sort "$WORK/$name.before.out") <(sort "$WORK/$name.after.out") && echo "identical (sorted)" || echo DIFFERENT)
    before_rows="$before_rows| \`$args\` | $b | $a | $(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", a/b}') | $same |
"
  done
fi
read -r j_med j_min j_max <<<"$(time_runs join "$CLI grep sysctl-a net.core.netdev_budget --uniq --lacking rpm-qa $JOIN_TEXT $S --cost")"
join_hosts=$(awk '/_usecs/{s+=$1} END{print s+0}' "$WORK/join.out")
# What fetching the same records whole moves: the sum of their stored sizes (header + payload, the
# values an MGET returns), from --json's stored_bytes; and a real content query's --cost for scale.
stored_mb() { "$CLI" search "$1" --md5sum --json $S | grep -oE '"stored_bytes":[0-9]+' | awk -F: '{s+=$2} END{printf "%.3f", s/1e6}'; }
contents_sysctl_a=$(stored_mb sysctl-a)
contents_sysctl_conf=$(stored_mb sysctl.conf)
"$CLI" search sysctl-a --contents $S --cost >/dev/null 2>"$WORK/contents-sysctl-a.err"

# Checks: one md5 per host, equal to md5sum of the plain copy for a sample of keys; compare-all's groups add up to every host.
md5_lines=$(wc -l <"$WORK/md5sum.out")
sample_ok=0; sample_n=0
while read -r key md5; do
  plain=$(redis-cli -p "$PORT" -n 1 --raw get "$key" | head -c -1 | md5sum | cut -d' ' -f1)
  sample_n=$((sample_n + 1)); [ "$plain" = "$md5" ] && sample_ok=$((sample_ok + 1))
done < <(awk 'NR % 997 == 1 {print $1, $2}' "$WORK/md5sum.out")
groups=$(grep -cE '^(majority|group [0-9]+ of [0-9]+):' "$WORK/compareall.out" || true)
grouped=$(grep -oE '^(majority|group [0-9]+ of [0-9]+): [0-9]+' "$WORK/compareall.out" | awk '{s+=$NF} END{print s+0}')
diffs=$(grep -c '^+++ ' "$WORK/compareall.out" || true)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", 100*a/b}'; }
mig_line=""
if [ "$MIGRATE" = 1 ]; then
  before=$(date +%s.%N)
  $BASELINES load-original "$HOSTS" 1 "127.0.0.1:$PORT" 2 2>"$WORK/load-original.log"
  /usr/bin/time -f "%e %M" -o "$WORK/migrate.t" "$CLI" migrate --from "redis://127.0.0.1:$PORT/2" --server "127.0.0.1:$PORT/3" >"$WORK/migrate.out" 2>"$WORK/migrate.err" || true
  read -r mig_s mig_kb <"$WORK/migrate.t"
  migrated_answer=$("$CLI" grep sysctl-a net.core.netdev_budget --uniq --server "127.0.0.1:$PORT/3" | md5sum | cut -d' ' -f1)
  generated_answer=$("$CLI" grep sysctl-a net.core.netdev_budget --uniq $S | md5sum | cut -d' ' -f1)
  mig_line="| migrate of the original layout ($((HOSTS * 10)) keys, db 2 → db 3) | \`sysops-fast migrate --from redis://127.0.0.1:$PORT/2 --server 127.0.0.1:$PORT/3\` | $mig_s (1 run) | – | $(awk -v k="$mig_kb" 'BEGIN{printf "%.0f", k/1024}') MB peak RSS; $(tail -1 "$WORK/migrate.err"); headline answer on the migrated data $([ "$migrated_answer" = "$generated_answer" ] && echo identical || echo DIFFERENT) to the generated fleet's |"
fi

mkdir -p "$(dirname "$OUT")"
{
  echo "# Metadata and compare-all queries, $HOSTS hosts"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: nproc $(nproc); $(uname -r)"
  echo "- redis: $(redis-server --version | cut -d' ' -f3), loopback port $PORT, no persistence"
  echo "- command: \`bench/macro/metadata.sh $HOSTS $RUNS\` (MIGRATE=$MIGRATE, CODEC=$CODEC); the AOT-published CLI; median of $RUNS runs, wall time from process start to exit"
  echo "- fleet: \`sysops-fast fleet generate --hosts $HOSTS --seed 1\` (codec $CODEC), /etc/sysctl.conf in 5 variants"
  echo
  echo "| query | command | median s | min–max s | vs headline | MB fetched from Redis |"
  echo "|---|---|---:|---:|---:|---:|"
  echo "| headline (baseline) | \`grep sysctl-a net.core.netdev_budget --uniq\` | $h_med | $h_min–$h_max | 1.00 | – |"
  echo "| md5 of every sysctl-a | \`search sysctl-a --md5sum -H\` | $m_med | $m_min–$m_max | $(ratio "$m_med" "$h_med") | $(fetched_mb md5sum) |"
  echo "| stat of every sysctl-a | \`search sysctl-a --stat -H\` | $s_med | $s_min–$s_max | $(ratio "$s_med" "$h_med") | $(fetched_mb stat) |"
  echo "| compare-all, $groups groups | \`compare-all sysctl.conf\` | $a_med | $a_min–$a_max | $(ratio "$a_med" "$h_med") | $(fetched_mb compareall) |"
  echo "| headline joined by host ($join_hosts hosts lack '$JOIN_TEXT') | \`grep sysctl-a net.core.netdev_budget --uniq --lacking rpm-qa $JOIN_TEXT\` | $j_med | $j_min–$j_max | $(ratio "$j_med" "$h_med") | $(fetched_mb join) |"
  [ -n "$mig_line" ] && echo "$mig_line"
  echo
  if [ -n "$before_rows" ]; then
    echo "Before/after in the same run (runs alternate; before = \`$BEFORE_CLI\`, after = this tree's CLI):"
    echo
    echo "| query | before median s | after median s | after/before | outputs |"
    echo "|---|---:|---:|---:|---|"
    printf '%s' "$before_rows"
    echo
  fi
  echo "Bytes read from Redis by the header-only queries vs fetching the same records whole (the sum of their stored sizes, header + payload):"
  echo "- sysctl-a: --md5sum $(fetched_mb md5sum) MB vs $contents_sysctl_a MB = $(pct "$(fetched_mb md5sum)" "$contents_sysctl_a")% (\`search sysctl-a --contents --cost\`, which reads the headers first, moved $(fetched_mb contents-sysctl-a) MB)"
  echo "- sysctl.conf: compare-all $(fetched_mb compareall) MB (24,000 headers and one record per group) vs $contents_sysctl_conf MB = $(pct "$(fetched_mb compareall)" "$contents_sysctl_conf")%"
  echo
  echo "Checks: --md5sum printed $md5_lines lines for $HOSTS hosts; $sample_ok of $sample_n sampled md5s equal md5sum of the plain copy (db 1);"
  echo "compare-all printed $groups groups covering $grouped keys, with $diffs diffs against the majority."
  echo
  echo "compare-all output (last run):"
  echo '```'
  cat "$WORK/compareall.out"
  echo '```'
} >"$OUT"
cat "$OUT"
