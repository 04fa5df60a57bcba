#!/usr/bin/env bash
# fleet generate --codec line-delta, two binaries A/B interleaved (old, new, old, new…), each into a
# redis-server of its own that this script starts and flushes before every run: wall, user and
# system CPU seconds, peak RSS; then the two fleets' records compared form by form (codec, base or
# dictionary id, payload; the header's insertion time differs by run) by record-forms.py.
#   bench/macro/generate-cpu.sh OLD_CLI NEW_CLI [HOSTS=100000] [RUNS=5] [OUT=perf-results/<date>-generate-cpu-<hosts>.txt]
# OLD_CLI/NEW_CLI: a sysops-fast executable each (a build's apphost, or a Native AOT publish).
set -euo pipefail
cd "$(dirname "$0")/../.."
OLD=$1
NEW=$2
HOSTS=${3:-100000}
RUNS=${4:-5}
OUT=${5:-perf-results/$(date -u +%Y-%m-%d)-generate-cpu-${HOSTS}.txt}
PORTS=(${MACRO_PORTS:-6510 6511})
WORK=bench/macro/work
mkdir -p "$WORK"

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
for port in "${PORTS[@]}"; do
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --loglevel warning --dir "$PWD/$WORK" >"$WORK/redis-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
done

{
  echo "fleet generate --hosts $HOSTS --seed 1 --codec line-delta --ttl 0, $RUNS runs each, interleaved"
  echo "A (old): $OLD into port ${PORTS[0]}; B (new): $NEW into port ${PORTS[1]}"
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); nproc $(nproc); redis $(redis-server --version | cut -d' ' -f3); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "run binary wall_s user_s sys_s user+sys_s peak_rss_kb load1"
} | tee "$OUT"
for run in $(seq "$RUNS"); do
  for side in 0 1; do
    cli=$OLD; name=A
    [ "$side" -eq 1 ] && cli=$NEW && name=B
    port=${PORTS[$side]}
    redis-cli -p "$port" flushall >/dev/null
    /usr/bin/time -f '%e %U %S %M' -o "$WORK/generate-cpu.t" "$cli" fleet generate --hosts "$HOSTS" --seed 1 --codec line-delta --ttl 0 \
      --server "127.0.0.1:$port" --expected "$WORK/generate-cpu-expected-$name.txt" >/dev/null 2>"$WORK/generate-cpu-$name.log"
    read -r wall user sys rss <"$WORK/generate-cpu.t"
    echo "$run $name $wall $user $sys $(echo "$user + $sys" | bc) $rss $(cut -d' ' -f1 /proc/loadavg)" | tee -a "$OUT"
  done
done
awk 'NR>4 {n[$2]++; w[$2]+=$3; c[$2]+=$6} END {for (b in n) printf "mean %s: wall %.1f s, user+sys %.1f s (%d runs)\n", b, w[b]/n[b], c[b]/n[b], n[b]}' "$OUT" | sort | tee -a "$OUT"
cmp -s "$WORK/generate-cpu-expected-A.txt" "$WORK/generate-cpu-expected-B.txt" && echo "expected answers: identical" | tee -a "$OUT"
python3 bench/macro/record-forms.py "${PORTS[0]}" "${PORTS[1]}" | tee -a "$OUT"
