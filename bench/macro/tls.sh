#!/usr/bin/env bash
# The headline query over TLS against plain TCP, on one fleet held by one redis-server that serves
# both: setup.sh's server gets a TLS port (CONFIG SET) with a throwaway CA and server certificate
# made by openssl for 127.0.0.1. Runs are interleaved (plain, TLS, plain, TLS…; with BASE_CLI, the
# old binary's pair follows the new one's in each round) so that load on a shared machine falls on
# every variant alike; each run's wall time and user+sys CPU seconds are kept and the medians
# reported, with the TLS/plain ratio of each. Rows: the headline, and a header-only query
# (search --md5sum); the headline with a client certificate once, as a check. Every answer is checked.
#   bench/macro/tls.sh [HOSTS=24000] [PAIRS=7] [OUT=perf-results/<date>-tls-<hosts>.md]
#   BASE_CLI=path/to/old/sysops-fast bench/macro/tls.sh …   # before/after in the same run
set -euo pipefail
cd "$(dirname "$0")/../.."
HOSTS=${1:-24000}
PAIRS=${2:-7}
OUT=${3:-perf-results/$(date -u +%Y-%m-%d)-tls-${HOSTS}.md}
PORT=${MACRO_PORT:-6504}
TLS_PORT=${MACRO_TLS_PORT:-6505}
BASE_CLI=${BASE_CLI:-}
MACRO_BUILD=${MACRO_BUILD-cli}
. bench/macro/setup.sh
. bench/macro/timing.sh
if ! command -v openssl >/dev/null; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openssl >/dev/null
fi

# A throwaway CA, a server certificate for 127.0.0.1 and a client certificate, all signed by it (ECDSA P-256).
CERTS=$WORK/tls
rm -rf "$CERTS"; mkdir -p "$CERTS"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$CERTS/$1.key" 2>/dev/null; chmod 600 "$CERTS/$1.key"; }
key ca
openssl req -x509 -new -key "$CERTS/ca.key" -out "$CERTS/ca.crt" -days 2 -subj "/CN=sysops-fast macro CA" 2>/dev/null
issue() { # name subject extensions
  key "$1"
  openssl req -new -key "$CERTS/$1.key" -out "$CERTS/$1.csr" -subj "$2" 2>/dev/null
  printf '%s\n' "$3" >"$CERTS/$1.ext"
  openssl x509 -req -in "$CERTS/$1.csr" -CA "$CERTS/ca.crt" -CAkey "$CERTS/ca.key" -CAcreateserial -days 2 -out "$CERTS/$1.crt" -extfile "$CERTS/$1.ext" 2>/dev/null
}
issue server "/CN=127.0.0.1" "subjectAltName=IP:127.0.0.1"
issue client "/CN=sysops-fast macro client" "extendedKeyUsage=clientAuth"
redis-cli -p "$PORT" config set tls-cert-file "$PWD/$CERTS/server.crt" tls-key-file "$PWD/$CERTS/server.key" tls-ca-cert-file "$PWD/$CERTS/ca.crt" tls-auth-clients no >/dev/null
redis-cli -p "$PORT" config set tls-port "$TLS_PORT" >/dev/null

PLAIN="--server 127.0.0.1:$PORT/0"
TLS="--server rediss://127.0.0.1:$TLS_PORT/0 --tls-ca $CERTS/ca.crt"
MUTUAL="$TLS --tls-cert $CERTS/client.crt --tls-key $CERTS/client.key"
"$CLI" fleet generate --hosts "$HOSTS" --seed 1 --server "127.0.0.1:$PORT/0" --ttl 0 --expected "$WORK/expected.txt" 2>"$WORK/generate.log"
norm "$WORK/expected.txt" >"$WORK/expected.norm"
HEADLINE="grep sysctl-a net.core.netdev_budget --uniq"
METADATA="search sysctl-a --md5sum"

# One run of a variant: appends "wall user+sys maxrss_kb" to $WORK/<name>.runs; a wrong answer is counted.
run_once() { # name command check
  local name=$1 cmd=$2 check=$3
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/$name.t" bash -c "$cmd" >"$WORK/$name.out" 2>"$WORK/$name.err" || true
  awk '{printf "%.3f %.3f %d\n", $1, $2 + $3, $4}' "$WORK/$name.t" >>"$WORK/$name.runs"
  if [ "$check" = uniq ]; then norm "$WORK/$name.out" | cmp -s - "$WORK/expected.norm" || echo "$name" >>"$WORK/wrong"
  else [ "$(wc -l <"$WORK/$name.out")" = "$check" ] || echo "$name" >>"$WORK/wrong"; fi
}
median() { sort -n | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
col() { awk -v c="$2" '{print $c}' "$WORK/$1.runs"; }

variants=(new)
[ -n "$BASE_CLI" ] && variants+=(base)
bin() { if [ "$1" = base ]; then echo "$BASE_CLI"; else echo "$CLI"; fi; }
rm -f "$WORK"/*.runs; : >"$WORK/wrong"
# One untimed round first: page cache and the server's first TLS context are warm for every variant.
for v in "${variants[@]}"; do
  "$(bin "$v")" $HEADLINE $PLAIN >/dev/null; "$(bin "$v")" $HEADLINE $TLS >/dev/null
done
for i in $(seq "$PAIRS"); do
  for v in "${variants[@]}"; do
    b=$(bin "$v")
    # The order within a pair alternates, so neither kind always runs second.
    if [ $((i % 2)) = 1 ]; then
      run_once "$v-headline-plain" "$b $HEADLINE $PLAIN" uniq; run_once "$v-headline-tls" "$b $HEADLINE $TLS" uniq
      run_once "$v-md5-plain" "$b $METADATA $PLAIN" "$HOSTS"; run_once "$v-md5-tls" "$b $METADATA $TLS" "$HOSTS"
    else
      run_once "$v-headline-tls" "$b $HEADLINE $TLS" uniq; run_once "$v-headline-plain" "$b $HEADLINE $PLAIN" uniq
      run_once "$v-md5-tls" "$b $METADATA $TLS" "$HOSTS"; run_once "$v-md5-plain" "$b $METADATA $PLAIN" "$HOSTS"
    fi
  done
done
redis-cli -p "$PORT" config set tls-auth-clients yes >/dev/null
run_once new-headline-mutual "$CLI $HEADLINE $MUTUAL" uniq
redis-cli -p "$PORT" config set tls-auth-clients no >/dev/null

rows=()
row() { # variant query
  local v=$1 q=$2 pw pc tw tc
  pw=$(col "$v-$q-plain" 1 | median); pc=$(col "$v-$q-plain" 2 | median)
  tw=$(col "$v-$q-tls" 1 | median); tc=$(col "$v-$q-tls" 2 | median)
  rows+=("| $v | $q | $pw | $tw | $(awk -v a="$tw" -v b="$pw" 'BEGIN{printf "%.3f", a/b}') | $pc | $tc | $(awk -v a="$tc" -v b="$pc" 'BEGIN{printf "%.3f", a/b}') | $(col "$v-$q-tls" 3 | median | cut -d. -f1) |")
}
for v in "${variants[@]}"; do row "$v" headline; row "$v" md5; done
wrong=$(sort -u "$WORK/wrong" | tr '\n' ' ')

mkdir -p "$(dirname "$OUT")"
{
  echo "# TLS against plain TCP, $HOSTS hosts"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); load after the runs: $(uptime | sed 's/.*load average/load average/')"
  echo "- machine: nproc $(nproc); $(uname -r); $(openssl version)"
  echo "- redis: $(redis-server --version | cut -d' ' -f3), one server: plain port $PORT and TLS port $TLS_PORT (ECDSA P-256 certificates, TLS 1.3 as negotiated), no persistence"
  echo "- command: \`${BASE_CLI:+BASE_CLI=$BASE_CLI }bench/macro/tls.sh $HOSTS $PAIRS\`; the AOT-published CLI (\"new\"${BASE_CLI:+; \"base\": $BASE_CLI}); $PAIRS interleaved rounds, medians; wall from process start to exit, CPU = user+sys of the client process"
  echo "- headline: \`$HEADLINE\`; headers only: \`$METADATA\`; fleet: \`sysops-fast fleet generate --hosts $HOSTS --seed 1\`"
  echo
  echo "| binary | query | plain wall s | TLS wall s | TLS/plain wall | plain CPU s | TLS CPU s | TLS/plain CPU | TLS max RSS KB |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Answer checks: every headline run (plain, TLS, and once with a client certificate the server requires)"
  echo "equals the generator's expected answer (count padding removed, sorted); every search --md5sum run prints"
  echo "one line per host ($HOSTS). Wrong answers: ${wrong:-none}."
} >"$OUT"
cat "$OUT"
