#!/usr/bin/env bash
# Issue 19, --as-of composed from line delta ops: two binaries (OLD, NEW) alternating, RUNS each,
# on the headline query on the latest data and with --as-of T, against a server that history.sh
# built (its phase "build" leaves history-8.rdb and T in rounds-8.tsv). Prints each run's
# user+sys CPU seconds and the medians; checks that both binaries give the same --as-of answer.
#   bench/macro/asof-ab.sh OLD NEW RDB-DIR T [RUNS=5] [PORT=6781]
#   e.g. bench/macro/asof-ab.sh /tmp/main/sysops-fast bench/macro/work/bin/sysops-fast \
#          bench/macro/work/history-24000 2026-12-07T21:48:01Z
set -euo pipefail
OLD=$1 NEW=$2 DIR=$3 T=$4 RUNS=${5:-5} PORT=${6:-6781}
OUT=$(mktemp -d)
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --loglevel warning \
  --dir "$(cd "$DIR" && pwd)" --dbfilename history-8.rdb >"$OUT/redis.log" 2>&1 &
REDIS_PID=$!
trap 'kill "$REDIS_PID" 2>/dev/null || true' EXIT
for _ in $(seq 600); do redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
echo "load: $(cat /proc/loadavg)"
for _ in $(seq "$RUNS"); do
  for b in old new; do
    bin=$OLD; [ "$b" = new ] && bin=$NEW
    for form in latest as-of; do
      as_of=(); [ "$form" = as-of ] && as_of=(--as-of "$T")
      /usr/bin/time -f "$b $form %e %U %S" -a -o "$OUT/times" "$bin" grep sysctl-a net.core.netdev_budget --uniq \
        "${as_of[@]}" --server "127.0.0.1:$PORT" >"$OUT/$b-$form.out"
    done
  done
done
cmp -s "$OUT/old-as-of.out" "$OUT/new-as-of.out" && echo "--as-of answers: the same" || { echo "--as-of answers differ" >&2; exit 1; }
echo "binary form: user+sys CPU s per run; median (wall medians after)"
awk '{k=$1" "$2; c[k]=c[k]" "($4+$5); w[k]=w[k]" "$3} END {for (k in c) print k ":" c[k] " | wall" w[k]}' "$OUT/times" | sort |
while IFS= read -r line; do
  cpu=$(echo "${line#*:}" | cut -d'|' -f1 | tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$line  median CPU $cpu"
done
rm -rf "$OUT"
