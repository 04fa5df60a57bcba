#!/usr/bin/env bash
# Issue 18's target for queries that need whole contents: no slower with line delta records (codec 4)
# than with zstd-dictionary records (codec 3), within 10%, same run. One fleet seed generated twice
# into this script's redis-server: db 0 with --codec zstd-dictionary, db 1 with --codec line-delta.
# Then, interleaved (the codec that goes first alternates), RUNS times each per codec:
#   grep sysctl-a net.core -H               (the lines printed; to /dev/null)
#   search sysctl-a --contents -H           (every host's whole contents; to /dev/null)
#   compare <host 0>#cmd/sysctl-a sysctl-a  (compare's fleet form: one diff per other host; to /dev/null)
#   dump DIR                                (the whole fleet, 10 objects a host, to files)
# Checked, untimed, before the timed runs: each query's output is byte-identical across the two
# codecs (md5 of the whole output; grep's lines sorted first, as its hosts come in any order); the
# two dumps' trees are identical (diff -r). The timed runs'
# exit codes must be 0. Reports median wall, user+sys CPU and peak RSS per query and codec, and
# the ratio line-delta / zstd-dictionary (median of the per-round ratios as well as of the medians).
#   bench/macro/contents.sh [HOSTS=24000] [RUNS=5] [OUT=perf-results/<date>-contents-<hosts>.md]
# MACRO_CLI=path runs that binary instead of publishing this tree's (e.g. to time a build kept
# aside); MACRO_DUMP_DIR puts the dumps elsewhere (default /dev/shm/…: two trees of HOSTS × 10
# files, ~2.4 GB each at 24,000 hosts, deleted at the end).
set -euo pipefail
cd "$(dirname "$0")/../.."
HOSTS=${1:-24000}
RUNS=${2:-5}
OUT=${3:-perf-results/$(date -u +%Y-%m-%d)-contents-${HOSTS}.md}
PORT=${MACRO_PORT:-6541}
if [ -n "${MACRO_CLI:-}" ]; then MACRO_BUILD=""; else MACRO_BUILD=cli; fi
. bench/macro/setup.sh
CLI=${MACRO_CLI:-$CLI}
# tmpfs where there is one: a dump is HOSTS × 10 files, and on a disk shared with other work
# creating and deleting them took minutes, timing the file system instead of the reader.
if [ -d /dev/shm ]; then DUMP=${MACRO_DUMP_DIR:-/dev/shm/sysops-fast-contents-$PORT}; else DUMP=${MACRO_DUMP_DIR:-$WORK/dump}; fi
# The dumps go too on any exit (tmpfs holds them in memory).
trap 'kill "$REDIS_PID" 2>/dev/null || true; rm -rf "${DUMP:?}"' EXIT
CODECS=(zstd-dictionary line-delta)
declare -A DB=([zstd-dictionary]=0 [line-delta]=1)

gen() { # codec -> "seconds MB" (Redis used_memory the codec's fleet added)
  local before; before=$(mem)
  /usr/bin/time -f "%e" -o "$WORK/contents-gen.t" "$CLI" fleet generate --hosts "$HOSTS" --seed 1 --codec "$1" \
    --server "127.0.0.1:$PORT/${DB[$1]}" --ttl 0 --expected /dev/null 2>>"$WORK/contents-generate.log"
  echo "$(tail -1 "$WORK/contents-gen.t") $(( $(mem) - before ))"
}
: >"$WORK/contents-generate.log"
declare -A GEN
for c in "${CODECS[@]}"; do GEN[$c]=$(gen "$c"); done

HOST0=$(redis-cli -p "$PORT" -n 0 --scan --pattern '*#cmd/sysctl-a' | sort | awk 'NR == 1')
[ -n "$HOST0" ] || { echo "no sysctl-a key in db 0" >&2; exit 1; }
QUERIES=(grep search compare dump)
query() { # name codec -> the command line
  local s="127.0.0.1:$PORT/${DB[$2]}"
  case $1 in
    grep) echo "$CLI grep sysctl-a net.core -H --server $s" ;;
    search) echo "$CLI search sysctl-a --contents -H --server $s" ;;
    compare) echo "$CLI compare $HOST0 sysctl-a --server $s" ;;
    dump) echo "$CLI dump $DUMP/$2 --server $s" ;;
  esac
}
# grep, search and compare print to stdout; dump writes its tree (cleared before every run).
prepare() { [ "$1" = dump ] && rm -rf "${DUMP:?}/$2"; return 0; }

# grep prints each record's lines as its worker finishes it, so hosts come in another order from
# run to run (docs/OUTPUT.md): its lines are compared sorted. search and compare print in key order.
ordered() { if [ "$1" = grep ]; then LC_ALL=C sort; else cat; fi; }

# The checks: same output (and exit code) from both codecs, and a codec 4 fleet that holds codec 4 records.
checks=""
for q in grep search compare; do
  for c in "${CODECS[@]}"; do
    set +e; $(query "$q" "$c") 2>"$WORK/contents-$q-$c.err" | ordered "$q" | md5sum >"$WORK/contents-$q-$c.md5"; rc=${PIPESTATUS[0]}; set -e
    echo "$rc" >>"$WORK/contents-$q-$c.md5"
  done
  if cmp -s "$WORK/contents-$q-zstd-dictionary.md5" "$WORK/contents-$q-line-delta.md5"; then r=identical; else r=DIFFERENT; fi
  checks="$checks- $q: output $r across codecs (md5 $(head -c 32 "$WORK/contents-$q-zstd-dictionary.md5"), exit $(tail -1 "$WORK/contents-$q-zstd-dictionary.md5") / $(tail -1 "$WORK/contents-$q-line-delta.md5"))"$'\n'
done
for c in "${CODECS[@]}"; do prepare dump "$c"; $(query dump "$c") 2>"$WORK/contents-dump-$c.err"; done
files=$(find "$DUMP/zstd-dictionary" -type f | wc -l)
if diff -r "$DUMP/zstd-dictionary" "$DUMP/line-delta" >"$WORK/contents-dump.diff"; then r=identical; else r=DIFFERENT; fi
checks="$checks- dump: the two trees (diff -r) $r, $files files"$'\n'
# Codec 4 records really were read: grep --verbose counts the records it read from their ops.
delta_line=$("$CLI" grep sysctl-a net.core -c --server "127.0.0.1:$PORT/1" --verbose 2>&1 >/dev/null | grep -io '[0-9,]* line delta[^;,)]*' | head -1 || true)
bases=$(redis-cli -p "$PORT" -n 1 zcard '#catalog:bases')

# The timed runs: round i runs every query with both codecs, the first codec alternating.
for q in "${QUERIES[@]}"; do for c in "${CODECS[@]}"; do : >"$WORK/contents-$q-$c.times"; done; done
failed=""
for i in $(seq "$RUNS"); do
  if [ $((i % 2)) = 1 ]; then order=("${CODECS[@]}"); else order=("${CODECS[1]}" "${CODECS[0]}"); fi
  for q in "${QUERIES[@]}"; do
    for c in "${order[@]}"; do
      prepare "$q" "$c"
      if ! /usr/bin/time -f "%e %U %S %M" -o "$WORK/contents.t" $(query "$q" "$c") >/dev/null 2>"$WORK/contents-run.err"; then
        failed="$failed $q/$c/run$i"
      fi
      tail -1 "$WORK/contents.t" >>"$WORK/contents-$q-$c.times"
    done
  done
done
rm -rf "${DUMP:?}"

median() { sort -g | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m}'; }
wall() { awk '{print $1}' "$WORK/contents-$1-$2.times" | median; }
cpu() { awk '{print $2+$3}' "$WORK/contents-$1-$2.times" | median; }
rss() { awk '{print $4}' "$WORK/contents-$1-$2.times" | sort -n | tail -1 | awk '{printf "%.0f", $1/1024}'; }
# The ratio of each round (run i of delta over run i of zstd, measured moments apart), median over rounds.
paired() { # query column-expression
  paste "$WORK/contents-$1-line-delta.times" "$WORK/contents-$1-zstd-dictionary.times" | awk "{print $2}" | median
}

mkdir -p "$(dirname "$OUT")"
{
  echo "# Queries that need whole contents: line delta vs zstd-dictionary records, $HOSTS hosts (issue 18)"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: nproc $(nproc), $(free -g | awk '/^Mem:/{print $2}') GB RAM; redis-server $(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-) on loopback"
  echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other engineers' builds share the 2 cores: compare CPU seconds)"
  echo "- command: \`bench/macro/contents.sh $HOSTS $RUNS\`; CLI: ${MACRO_CLI:-the Native AOT binary published from this tree}"
  for c in "${CODECS[@]}"; do
    read -r s mb <<<"${GEN[$c]}"
    echo "- db ${DB[$c]}: \`fleet generate --hosts $HOSTS --seed 1 --codec $c\`: $s s, Redis used_memory +$mb MB"
  done
  echo "- codec 4 in db 1: $bases bases listed; grep --verbose: ${delta_line:-no line delta count printed}"
  echo "- queries (standard output to /dev/null; dump to $DUMP/<codec>, cleared before each run):"
  for q in "${QUERIES[@]}"; do echo "  - $q: \`$(query "$q" line-delta | sed "s|$CLI|sysops-fast|")\`"; done
  echo "- $RUNS rounds; each round runs each query once per codec, back to back, the first codec alternating"
  echo
  echo "| query | codec | median wall s | median user+sys s | max peak RSS MB |"
  echo "|---|---|---:|---:|---:|"
  for q in "${QUERIES[@]}"; do
    for c in "${CODECS[@]}"; do echo "| $q | $c | $(wall "$q" "$c") | $(cpu "$q" "$c") | $(rss "$q" "$c") |"; done
  done
  echo
  echo "| query | line-delta / zstd-dictionary, wall (medians) | per-round median | CPU (medians) | per-round median |"
  echo "|---|---:|---:|---:|---:|"
  for q in "${QUERIES[@]}"; do
    echo "| $q | $(awk -v a="$(wall "$q" line-delta)" -v b="$(wall "$q" zstd-dictionary)" 'BEGIN{printf "%.2f", a/b}') | $(paired "$q" '$1/$5') | $(awk -v a="$(cpu "$q" line-delta)" -v b="$(cpu "$q" zstd-dictionary)" 'BEGIN{printf "%.2f", a/b}') | $(paired "$q" '($2+$3)/($6+$7)') |"
  done
  echo
  echo "Checks (untimed, before the timed runs):"
  printf "%s" "$checks"
  echo "- timed runs that exited non-zero: ${failed:-none}"
  echo
  echo "Every run (\`wall user sys peak-KB\`), line-delta | zstd-dictionary:"
  echo '```'
  for q in "${QUERIES[@]}"; do echo "$q"; paste -d'|' "$WORK/contents-$q-line-delta.times" "$WORK/contents-$q-zstd-dictionary.times"; done
  echo '```'
} >"$OUT"
cat "$OUT"
if [ -n "$failed" ] || printf "%s" "$checks" | grep -q DIFFERENT; then echo "a check failed: see $WORK/contents-*" >&2; exit 1; fi
exit 0
