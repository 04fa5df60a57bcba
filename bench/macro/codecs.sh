#!/usr/bin/env bash
# Per payload codec: Redis memory for the fleet and the headline query time (published binary).
#   bench/macro/codecs.sh [HOSTS=24000] [RUNS=5] [OUT=perf-results/<date>-codecs-<hosts>.md]
set -euo pipefail
cd "$(dirname "$0")/../.."
HOSTS=${1:-24000}
RUNS=${2:-5}
OUT=${3:-perf-results/$(date -u +%Y-%m-%d)-codecs-${HOSTS}.md}
PORT=${MACRO_PORT:-6502}
. bench/macro/setup.sh

rows=""
for codec in none lz4 zstd zstddictionary; do
  redis-cli -p "$PORT" flushall >/dev/null
  base=$(mem)
  gen=$( { /usr/bin/time -f "%e" "$CLI" fleet generate --hosts "$HOSTS" --seed 1 --codec "$codec" --ttl 0 --server "127.0.0.1:$PORT" --expected "$WORK/expected-codecs.txt" 2>&1 >/dev/null; } | tail -1)
  used=$(( $(mem) - base ))
  : >"$WORK/codec.times"; checks=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$WORK/codec.t" "$CLI" grep sysctl-a net.core.netdev_budget --uniq --server "127.0.0.1:$PORT" >"$WORK/codec.out" 2>/dev/null || true
    cat "$WORK/codec.t" >>"$WORK/codec.times"
    if cmp -s "$WORK/codec.out" "$WORK/expected-codecs.txt"; then checks="$checks ok"; else checks="$checks WRONG"; fi
  done
  stats=$(sort -n "$WORK/codec.times" | awk '{a[NR]=$1; m=($2>m)?$2:m} END{printf "%.2f | %.2f–%.2f | %.0f", (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2, a[1], a[NR], m/1024}')
  rows="$rows| $codec | $used | $gen | $stats |$(echo "$checks" | tr ' ' '\n' | sort -u | tr '\n' ' ')($RUNS runs) |"$'\n'
done
{
  echo "# Payload codecs: Redis memory and headline query time, $HOSTS hosts"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: nproc $(nproc); redis $(redis-server --version | cut -d' ' -f3); .NET $(dotnet --version)"
  echo "- memory (free -h):"; echo '```'; free -h; echo '```'
  echo "- command: \`bench/macro/codecs.sh $HOSTS $RUNS\`; query: \`sysops-fast grep sysctl-a net.core.netdev_budget --uniq\` (published Native AOT binary), wall time process start to exit"
  echo "- answer check: each run's output compared byte for byte with the generator's expected answer"
  echo
  echo "| codec | Redis used_memory MB (whole 10-object fleet) | generate s | query median s | min–max s | peak RSS MB | answer |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  printf "%s" "$rows"
} >"$OUT"
cat "$OUT"
