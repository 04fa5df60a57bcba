#!/usr/bin/env bash
# Issue 18's fleet: HOSTS hosts (default 1,000,000) × the generator's 10 objects written by
# `fleet generate` into a local Redis Cluster of 6 primaries that this script starts, then each
# target query RUNS times with the AOT CLI, wall time and peak RSS per run:
#   grep sysctl-a net.core.netdev_budget --uniq   (checked against the generator's exact answer)
#   search sysctl-a --md5sum                      (checked: one line per host)
#   compare-all sysctl.conf                       (checked: every run prints the same answer)
#   kv sysctl-a 'net.core.*'                      (checked: every run prints the same answer)
# and one --verbose timeline of the headline (where the time goes per stage), and per query the CPU
# seconds of the client and of the 6 servers (from /proc), to show which side the wall time is spent on.
#   bench/macro/million.sh [HOSTS=1000000] [RUNS=5] [OUT=perf-results/<date>-million-<hosts>.md]
# MACRO_CODEC picks the generator's codec (default line-delta, issue 18's form; zstd-dictionary is the one before).
# Needs ~4 GB of RAM per million hosts for the cluster; meant for a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
HOSTS=${1:-1000000}
RUNS=${2:-5}
OUT=${3:-perf-results/$(date -u +%Y-%m-%d)-million-${HOSTS}.md}
BASE=${MACRO_CLUSTER_PORT:-7301}
MACRO_BUILD=${MACRO_BUILD-cli}
PORT=${MACRO_PORT:-6511}
CODEC=${MACRO_CODEC:-line-delta}
. bench/macro/setup.sh

# The cluster: 6 primaries, no replicas, each a redis-server of this script's (stopped by PID on exit).
CLUSTER_DIR=$WORK/cluster
rm -rf "$CLUSTER_DIR"; mkdir -p "$CLUSTER_DIR"
PIDS=("$REDIS_PID")
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
ADDRESSES=()
for i in 0 1 2 3 4 5; do
  p=$((BASE + i))
  redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --loglevel warning \
    --cluster-enabled yes --cluster-config-file "$PWD/$CLUSTER_DIR/nodes-$p.conf" --cluster-node-timeout 5000 \
    --dir "$PWD/$CLUSTER_DIR" >"$CLUSTER_DIR/redis-$p.log" 2>&1 &
  PIDS+=($!)
  ADDRESSES+=("127.0.0.1:$p")
done
for a in "${ADDRESSES[@]}"; do
  for _ in $(seq 50); do redis-cli -p "${a#*:}" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
out=$(redis-cli --cluster create "${ADDRESSES[@]}" --cluster-replicas 0 --cluster-yes 2>&1) || true
case $out in *"All 16384 slots covered"*) ;; *) echo "cluster create failed: $out" >&2; exit 1 ;; esac
for _ in $(seq 100); do redis-cli -p "$BASE" cluster info | grep -q 'cluster_state:ok' && break; sleep 0.1; done
SEED=${ADDRESSES[0]}
cluster_mb() { local sum=0 a m; for a in "${ADDRESSES[@]}"; do m=$(redis-cli -p "${a#*:}" info memory | awk -F: '/^used_memory:/{print $2}' | tr -d '\r'); sum=$((sum + m)); done; echo $((sum / 1000000)); }

# CPU seconds (user + system) the cluster's servers have used so far, from /proc/PID/stat.
servers_cpu() {
  local p total=0 f
  for p in "${PIDS[@]:1}"; do f=$(sed 's/^.*) //' "/proc/$p/stat"); total=$((total + $(awk '{print $12 + $13}' <<<"$f"))); done
  awk -v t="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", t / hz}'
}

base_mb=$(cluster_mb)
gen_cpu0=$(servers_cpu)
/usr/bin/time -f "%e %M %U %S" -o "$WORK/generate.t" "$CLI" fleet generate --hosts "$HOSTS" --seed 1 --codec "$CODEC" --server "$SEED" --ttl 0 --expected "$WORK/expected.txt" 2>"$WORK/generate.log"
read -r gen_s gen_kb gen_user gen_sys <<<"$(tail -1 "$WORK/generate.t")"
gen_servers=$(awk -v a="$gen_cpu0" -v b="$(servers_cpu)" 'BEGIN{printf "%.1f", b - a}')
fleet_mb=$(( $(cluster_mb) - base_mb ))

norm() { sed -E 's/^ *([0-9]+) /\1 /' "$1" | sort; }
norm "$WORK/expected.txt" >"$WORK/expected.norm"

run() { # name check command… -> "seconds peak_kb client_cpu servers_cpu" per run in $WORK/name.times; each answer checked
  local name=$1 check=$2 i c0 c1; shift 2
  : >"$WORK/$name.times"; : >"$WORK/$name.checks"
  for i in $(seq "$RUNS"); do
    c0=$(servers_cpu)
    /usr/bin/time -f "%e %M %U %S" -o "$WORK/$name.t" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || true
    c1=$(servers_cpu)
    tail -1 "$WORK/$name.t" | awk -v a="$c0" -v b="$c1" '{printf "%s %s %.2f %.2f\n", $1, $2, $3 + $4, b - a}' >>"$WORK/$name.times"
    if $check "$name" "$i"; then echo ok >>"$WORK/$name.checks"; else echo WRONG >>"$WORK/$name.checks"; fi
  done
}
exact() { norm "$WORK/$1.out" | cmp -s - "$WORK/expected.norm"; }
per_host() { [ "$(wc -l <"$WORK/$1.out")" -eq "$HOSTS" ]; }
# The first run's answer is kept; every later run must print the same (a non-empty answer, exit 0/1).
same() { if [ "$2" = 1 ]; then cp "$WORK/$1.out" "$WORK/$1.first"; [ -s "$WORK/$1.first" ]; else cmp -s "$WORK/$1.out" "$WORK/$1.first"; fi; }
stats() { sort -n "$1" | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f %.2f %.2f", m, a[1], a[NR]}'; }
rss() { sort -k2 -n "$1" | tail -1 | awk '{printf "%.0f", $2/1024}'; }
column_median() { awk -v c="$2" '{print $c}' "$1" | sort -n | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }

run headline exact "$CLI" grep sysctl-a net.core.netdev_budget --uniq --server "$SEED"
run md5sum per_host "$CLI" search sysctl-a --md5sum --server "$SEED"
run compare_all same "$CLI" compare-all sysctl.conf --server "$SEED"
run kv same "$CLI" kv sysctl-a 'net.core.*' --server "$SEED"
"$CLI" grep sysctl-a net.core.netdev_budget --uniq --server "$SEED" --verbose >/dev/null 2>"$WORK/headline.verbose" || true

mkdir -p "$(dirname "$OUT")"
{
  echo "# A Redis Cluster of 6 primaries, $HOSTS hosts (issue 18)"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: nproc $(nproc), $(free -g | awk '/^Mem:/{print $2}') GB; load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- command: \`bench/macro/million.sh $HOSTS $RUNS\` (the AOT CLI as shipped; redis-server $(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-))"
  echo "- fleet: \`fleet generate --hosts $HOSTS --seed 1 --codec $CODEC\` into the cluster: ${gen_s} s, client peak RSS $((gen_kb / 1024)) MB, CPU $(awk -v u="$gen_user" -v s="$gen_sys" 'BEGIN{printf "%.1f", u + s}') s in the client and $gen_servers s in the servers; Redis used_memory over the 6 primaries: $fleet_mb MB ($(awk -v m="$fleet_mb" -v h="$HOSTS" 'BEGIN{printf "%.0f", m*1e6/h}') bytes per host)"
  echo
  echo "| query | median s | min | max | client peak RSS MB | client CPU s | servers' CPU s | checks |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
  for q in headline md5sum compare_all kv; do
    read -r med min max <<<"$(stats "$WORK/$q.times")"
    echo "| $q | $med | $min | $max | $(rss "$WORK/$q.times") | $(column_median "$WORK/$q.times" 3) | $(column_median "$WORK/$q.times" 4) | $(sort -u "$WORK/$q.checks" | tr '\n' ' ')|"
  done
  echo
  echo "CPU columns are medians of user + system seconds: the client's (GNU time) and the 6 servers' together"
  echo "(/proc/PID/stat). On $(nproc) cores, a query whose two CPU figures add up to about $(nproc)× its wall time is"
  echo "bound by the cores, not by waiting."
  echo
  echo "Checks: headline = the generator's exact answer; md5sum = one line per host; compare_all and"
  echo "kv = every run's answer equal to the first (non-empty)."
  echo
  echo "The headline's timeline (\`--verbose\`):"
  echo '```'
  cat "$WORK/headline.verbose"
  echo '```'
} >"$OUT"
echo "wrote $OUT"
grep -q WRONG "$WORK"/*.checks && { echo "a wrong answer: see $WORK/*.out" >&2; exit 1; }
exit 0
