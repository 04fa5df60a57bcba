#!/usr/bin/env bash
# The headline query over TLS against plain TCP, on one fleet held by one redis-server that serves
# both: setup.sh's server gets a TLS port (CONFIG SET) with a throwaway CA and server certificate
# made by openssl for 127.0.0.1. Rows: the headline plain, over TLS, over TLS with a client
# certificate the server requires; and a header-only query (search --md5sum) plain and over TLS.
# Every answer is checked.
#   bench/macro/tls.sh [HOSTS=24000] [RUNS=5] [OUT=perf-results/<date>-tls-<hosts>.md]
set -euo pipefail
cd "$(dirname "$0")/../.."
HOSTS=${1:-24000}
RUNS=${2:-5}
OUT=${3:-perf-results/$(date -u +%Y-%m-%d)-tls-${HOSTS}.md}
PORT=${MACRO_PORT:-6504}
TLS_PORT=${MACRO_TLS_PORT:-6505}
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

rows=()
row() { rows+=("| $1 | \`$2\` | $3 | $4–$5 | $(awk -v a="$3" -v b="$6" 'BEGIN{printf "%.2f", a/b}') | $7 |"); }
HEADLINE="grep sysctl-a net.core.netdev_budget --uniq"
read -r p_med p_min p_max p_ok <<<"$(time_runs plain "$CLI $HEADLINE $PLAIN" uniq)"
row "headline, plain TCP" "$HEADLINE $PLAIN" "$p_med" "$p_min" "$p_max" "$p_med" "$p_ok"
read -r t_med t_min t_max t_ok <<<"$(time_runs tls "$CLI $HEADLINE $TLS" uniq)"
row "headline, TLS" "$HEADLINE $TLS" "$t_med" "$t_min" "$t_max" "$p_med" "$t_ok"
redis-cli -p "$PORT" config set tls-auth-clients yes >/dev/null
read -r m_med m_min m_max m_ok <<<"$(time_runs mutual "$CLI $HEADLINE $MUTUAL" uniq)"
row "headline, TLS with a client certificate" "$HEADLINE $MUTUAL" "$m_med" "$m_min" "$m_max" "$p_med" "$m_ok"
redis-cli -p "$PORT" config set tls-auth-clients no >/dev/null
METADATA="search sysctl-a --md5sum"
read -r sp_med sp_min sp_max sp_ok <<<"$(time_runs md5-plain "$CLI $METADATA $PLAIN" "$HOSTS")"
row "headers only, plain TCP" "$METADATA $PLAIN" "$sp_med" "$sp_min" "$sp_max" "$sp_med" "$sp_ok"
read -r st_med st_min st_max st_ok <<<"$(time_runs md5-tls "$CLI $METADATA $TLS" "$HOSTS")"
row "headers only, TLS" "$METADATA $TLS" "$st_med" "$st_min" "$st_max" "$sp_med" "$st_ok"

mkdir -p "$(dirname "$OUT")"
{
  echo "# TLS against plain TCP, $HOSTS hosts"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: nproc $(nproc); $(uname -r); $(openssl version)"
  echo "- redis: $(redis-server --version | cut -d' ' -f3), one server: plain port $PORT and TLS port $TLS_PORT (ECDSA P-256 certificates, TLS 1.3 as negotiated), no persistence"
  echo "- command: \`bench/macro/tls.sh $HOSTS $RUNS\`; the AOT-published CLI; median of $RUNS runs, wall time from process start to exit"
  echo "- fleet: \`sysops-fast fleet generate --hosts $HOSTS --seed 1\` (codec zstddictionary)"
  echo
  echo "| query | command | median s | min–max s | vs plain | answer |"
  echo "|---|---|---:|---:|---:|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "Answer checks: the --uniq rows equal the generator's expected answer (count padding removed, sorted);"
  echo "search --md5sum prints one line per host ($HOSTS). \"vs plain\" divides by the same query over plain TCP."
} >"$OUT"
cat "$OUT"
