#!/usr/bin/env bash
# serve (issue 17 §3): RSS over a soak. One warm `serve` over a generated fleet answers a mix of
# queries (the headline, kv, search --md5sum, compare-all, list-files) one after the other for
# SOAK_SECONDS (default 600), with 4 clients at once; its RSS is read from /proc every 10 s. Every
# answer must end with exit 0 in its end line. Writes a perf-results/ page on stdout.
# Needs a quiet machine only for the query rate; RSS does not depend on load.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${MACRO_PORT:-6509}
HOSTS=${HOSTS:-24000}
SOAK_SECONDS=${SOAK_SECONDS:-600}
CLIENTS=${CLIENTS:-4}
HTTP_PORT=${HTTP_PORT:-$((PORT + 1000))}
MACRO_BUILD=${MACRO_BUILD-cli}   # "" with a published binary already in bench/macro/work/bin
. bench/macro/setup.sh

. bench/macro/serve-start.sh soak

API="http://127.0.0.1:$HTTP_PORT/api/v1"
QUERIES=(
  "$API/grep?object=sysctl-a&pattern=net.core.netdev_budget&uniq=true"
  "$API/kv?object=sysctl-a&key-glob=net.core.*"
  "$API/search?pattern=sysctl-a&md5sum=true"
  "$API/compare-all?pattern=sysctl.conf"
  "$API/list-files?pattern=*"
)
rss() { awk '/^VmRSS/{print int($2/1024)}' "/proc/$SERVE_PID/status"; }
: >"$WORK/soak-failures"
end=$(( $(date +%s) + SOAK_SECONDS ))
client() {
  local n=0 i=$1
  while [ "$(date +%s)" -lt "$end" ]; do
    local url=${QUERIES[$(( (n + i) % ${#QUERIES[@]} ))]}
    local last
    last=$(curl -s "$url" | tail -n 1)
    case $last in *'"exit":0'*|*'"exit":1'*) ;; *) echo "$url: $last" >>"$WORK/soak-failures" ;; esac
    n=$((n + 1))
  done
  echo "$n" >"$WORK/soak-count-$i"
}
pids=()
for i in $(seq "$CLIENTS"); do client "$i" & pids+=($!); done
: >"$WORK/soak-rss"
start=$(date +%s)
while [ "$(date +%s)" -lt "$end" ]; do
  echo "$(( $(date +%s) - start )) $(rss)" >>"$WORK/soak-rss"
  sleep 10
done
wait "${pids[@]}"
echo "$(( $(date +%s) - start )) $(rss)" >>"$WORK/soak-rss"
answered=$(cat "$WORK"/soak-count-* | awk '{s+=$1} END{print s}')
failed=$(wc -l <"$WORK/soak-failures")
[ "$failed" -eq 0 ] || { head -3 "$WORK/soak-failures" >&2; echo "serve soak: $failed answers did not end with exit 0 or 1" >&2; exit 1; }

first_minute=$(awk '$1 >= 60 {print $2; exit}' "$WORK/soak-rss")
last=$(tail -n 1 "$WORK/soak-rss" | cut -d' ' -f2)
peak=$(cut -d' ' -f2 "$WORK/soak-rss" | sort -n | tail -n 1)
echo "# serve: RSS over a ${SOAK_SECONDS} s soak ($(date -u +%Y-%m-%d))"
echo
echo "- machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GB", $2/1e6}' /proc/meminfo); load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- fleet: \`sysops-fast fleet generate --hosts $HOSTS --seed 1\`; command: \`bench/macro/serve-soak.sh\` (SOAK_SECONDS=$SOAK_SECONDS, CLIENTS=$CLIENTS)"
echo "- queries, in turn per client: the headline (--uniq), kv sysctl-a 'net.core.*', search sysctl-a --md5sum, compare-all sysctl.conf, list-files '*'"
echo "- check: every answer's end line says exit 0 or 1 ($answered answered, $failed otherwise)"
echo
echo "RSS (MiB): after 1 minute $first_minute, at the end $last, peak $peak."
echo
echo "| seconds | RSS MiB |"
echo "|---:|---:|"
awk 'NR % 6 == 1 {printf "| %s | %s |\n", $1, $2}' "$WORK/soak-rss"
