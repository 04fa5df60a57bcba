#!/usr/bin/env bash
# serve (issue 17 §3): the headline query over HTTP with a warm server, against the CLI process and
# against the query's own time inside the server (its /metrics histogram), in the same run; then 16
# concurrent clients: throughput and p95. Writes a perf-results/ page on stdout.
# Needs a quiet machine: do not run it while other builds or tests run.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${MACRO_PORT:-6507}
HOSTS=${HOSTS:-24000}
RUNS=${RUNS:-10}
CLIENTS=${CLIENTS:-16}
PER_CLIENT=${PER_CLIENT:-10}
HTTP_PORT=${HTTP_PORT:-$((PORT + 1000))}
MACRO_BUILD=${MACRO_BUILD-cli}   # "" with a published binary already in bench/macro/work/bin
. bench/macro/setup.sh

. bench/macro/serve-start.sh serve

URL="http://127.0.0.1:$HTTP_PORT/api/v1/grep?object=sysctl-a&pattern=net.core.netdev_budget&uniq=true"
# The answers must agree before anything is timed.
"$CLI" grep sysctl-a net.core.netdev_budget --uniq --json --server "127.0.0.1:$PORT" >"$WORK/serve-cli.ndjson"
curl -sf "$URL" | sed '$d' >"$WORK/serve-http.ndjson"
cmp -s "$WORK/serve-cli.ndjson" "$WORK/serve-http.ndjson" || { echo "serve bench: the HTTP answer differs from the CLI's" >&2; exit 1; }

seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN{printf "%.4f\n", e-s}'; }
median() { sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
metric() { curl -sf "http://127.0.0.1:$HTTP_PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
sum0=$(metric 'sysops_fast_query_duration_seconds_sum{command="grep"}')
# Interleaved, so that a change in the machine's load falls on both.
# HTTP: the request as the client sees it (curl's own time_total: connect, request, whole answer),
# not curl's process start (20-35 ms of loading its libraries here, no part of serving); the wall
# time of the curl process is kept beside it.
: >"$WORK/serve-cli.times"; : >"$WORK/serve-http.times"; : >"$WORK/serve-curl.times"
for _ in $(seq "$RUNS"); do
  seconds "$CLI" grep sysctl-a net.core.netdev_budget --uniq --json --server "127.0.0.1:$PORT" >>"$WORK/serve-cli.times"
  s=$(date +%s.%N)
  curl -sf -o /dev/null -w '%{time_total}\n' "$URL" >>"$WORK/serve-http.times"
  e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN{printf "%.4f\n", e-s}' >>"$WORK/serve-curl.times"
done
# The server's own time for the same queries (mean over the timed runs, from its histogram's sum).
inproc=$(awk -v s="$(metric 'sysops_fast_query_duration_seconds_sum{command="grep"}')" -v s0="$sum0" -v n="$RUNS" 'BEGIN{printf "%.4f", (s-s0)/n}')
cli=$(median <"$WORK/serve-cli.times"); http=$(median <"$WORK/serve-http.times"); curlwall=$(median <"$WORK/serve-curl.times")

# 16 clients, each PER_CLIENT queries one after the other; every request's own time, and the wall time.
: >"$WORK/serve-concurrent.times"
start=$(date +%s.%N)
pids=()
for _ in $(seq "$CLIENTS"); do
  ( for _ in $(seq "$PER_CLIENT"); do curl -sf -o /dev/null -w '%{time_total}\n' "$URL"; done >>"$WORK/serve-concurrent.times" ) &
  pids+=($!)
done
wait "${pids[@]}" || true
end=$(date +%s.%N)
total=$((CLIENTS * PER_CLIENT))
p95=$(sort -n "$WORK/serve-concurrent.times" | awk -v n="$total" '{a[NR]=$1} END{i=int(n*0.95); if (i<1) i=1; print a[i]}')
answered=$(wc -l <"$WORK/serve-concurrent.times")

echo "# serve: the headline over HTTP ($(date -u +%Y-%m-%d))"
echo
echo "- machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GB", $2/1e6}' /proc/meminfo); load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- fleet: \`sysops-fast fleet generate --hosts $HOSTS --seed 1\`; command: \`bench/macro/serve.sh\` (RUNS=$RUNS, CLIENTS=$CLIENTS, PER_CLIENT=$PER_CLIENT)"
echo
echo "| way | median s |"
echo "|---|---|"
echo "| CLI process (\`grep … --uniq --json\`) | $cli |"
echo "| HTTP, warm server (the request, curl's time_total) | $http |"
echo "| the curl process, its start included (wall) | $curlwall |"
echo "| in the server (query time, /metrics mean) | $inproc |"
echo
echo "HTTP / CLI: $(awk -v h="$http" -v c="$cli" 'BEGIN{printf "%.2f", h/c}')× (target ≤ 0.9); HTTP − in-server: $(awk -v h="$http" -v i="$inproc" 'BEGIN{printf "%.0f", (h-i)*1000}') ms (target ≤ 10)."
echo
echo "$CLIENTS concurrent clients: $answered of $total answered in $(awk -v s="$start" -v e="$end" 'BEGIN{printf "%.2f", e-s}') s, $(awk -v n="$answered" -v s="$start" -v e="$end" 'BEGIN{printf "%.1f", n/(e-s)}') queries/s, p95 $p95 s."
