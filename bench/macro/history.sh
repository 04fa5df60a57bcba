#!/usr/bin/env bash
# Issue 19's figures for history: Redis memory with 8 versions kept against none (target ≤ 1.3×),
# and --as-of queries against the same queries on the latest data (target within 1.5×).
#   bench/macro/history.sh [HOSTS=24000] [ROUNDS=8] [RUNS=5] [OUT=perf-results/<date>-history-<hosts>.md]
#   PHASE=all (default) | build | queries    MACRO_CLI=path (a binary instead of publishing this tree's)
#
# Phase "build", twice on a fresh redis-server of its own: --history 8 (versions kept) and
# --history 1 (none), same seed, same changes. The fleet: `fleet generate --codec line-delta
# --ttl 0` (issue 18's record form, dictionaries and bases current). Then ROUNDS push rounds, each
# a bench/SysopsFast.PushStorm run (`--after-round R-1 --rounds 1`): every host pushes its 10
# objects through the library's push path (PushAgent.PushAsync, so HistoryWriter writes as push
# does; unchanged objects found by their stored md5 and only refreshed), 5% of the objects
# changed since the round before: a trailer line `push-storm.changed = R` added, or edited where a
# change is not its first (a key = value line, so kv sees it; the headline's lines never change).
# Why the storm and not import or 24,000 push processes: import rewrites every record of the tree
# (it retrains dictionaries, so each round every record changes dictionary and is written again
# through a history transaction), which is not how a fleet writes; a push process per host costs
# the process start 24,000 times a round. Each storm run checks every host's latest record and the
# headline answer, and that it wrote exactly the objects that changed (push timeout 60 s: on a
# loaded machine some pushes took over the default 10 s, and a failed push fails the round).
# Between rounds the script waits past a whole second T, so that `--as-of T` asks for the fleet as
# that round left it; the rounds' end times and T go to the report. Redis used_memory (minus the
# empty server's) after round 1 and round ROUNDS, and where the history bytes go (a Lua scan of the
# lists: entries relative vs self-contained, their bytes; MEMORY USAGE of a sample of lists).
# The servers are saved (RDB) after round ROUNDS (history kept) and after round ROUNDS-1 (none).
#
# Phase "queries" (re-runnable alone once "build" has run): the two RDBs loaded into two fresh
# servers. Checked, untimed: each query's --as-of T(ROUNDS-1) answer on the history server equals
# the same query's answer on the history-less server saved after round ROUNDS-1 (byte for byte;
# grep's lines sorted); and differs from the latest answer where the change shows (search --md5sum,
# kv, compare-all). Timed, interleaved (the form that goes first alternates), RUNS each: the query
# on the latest data vs with --as-of T, for the headline, search --md5sum, kv, compare-all and
# list-files; then search and kv with --changed-since T vs without (skipped with a note when the
# binary refuses the option). Wall, user+sys CPU (/usr/bin/time) and peak RSS, medians.
set -euo pipefail
cd "$(dirname "$0")/../.."
HOSTS=${1:-24000}
ROUNDS=${2:-8}
RUNS=${3:-5}
OUT=${4:-perf-results/$(date -u +%Y-%m-%d)-history-${HOSTS}.md}
PHASE=${PHASE:-all}
PORT=${MACRO_PORT:-6551}
[ "$ROUNDS" -ge 2 ] || { echo "history.sh: ROUNDS must be at least 2 (as-of asks between rounds ROUNDS-1 and ROUNDS)" >&2; exit 2; }
case $PHASE in all|build|queries) ;; *) echo "history.sh: PHASE is all, build or queries, not '$PHASE'" >&2; exit 2 ;; esac
if [ -n "${MACRO_CLI:-}" ]; then MACRO_BUILD=""; else MACRO_BUILD=cli; fi
. bench/macro/setup.sh
CLI=${MACRO_CLI:-$CLI}
DIR=$WORK/history-$HOSTS
mkdir -p "$DIR"
MODES=(8 1)
declare -A SERVER_PORT=([8]=$((PORT + 1)) [1]=$((PORT + 2)))
SERVER_PIDS=()
trap 'kill "$REDIS_PID" "${SERVER_PIDS[@]}" 2>/dev/null || true' EXIT

# A redis-server of this script's own on port $1, loading $DIR/$2 when it exists (its RDB file).
start_server() {
  redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --loglevel warning \
    --dir "$PWD/$DIR" --dbfilename "$2" >"$DIR/redis-$1.log" 2>&1 &
  SERVER_PIDS+=($!)
  for _ in $(seq 600); do redis-cli -p "$1" ping 2>/dev/null | grep -q PONG && return 0; sleep 0.1; done
  echo "history.sh: redis-server on port $1 did not start (see $DIR/redis-$1.log)" >&2; exit 1
}
stop_server() { # port pid
  redis-cli -p "$1" shutdown nosave >/dev/null 2>&1 || true
  wait "$2" 2>/dev/null || true
}
used() { redis-cli -p "$1" info memory | awk -F: '/^used_memory:/{print $2+0}'; }
save_as() { # port file: the server's data to $DIR/file (a server started on scratch-<port>.rdb; Redis 7 may not rename it)
  redis-cli -p "$1" save >/dev/null
  mv "$DIR/scratch-$1.rdb" "$DIR/$2"
}
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# --- build ------------------------------------------------------------------------------------
# Where the history bytes go, one scan of the lists on the server (Lua: one round trip).
HISTORY_SCAN='
local lists, entries, rel, relBytes, self, selfBytes, cursor = 0, 0, 0, 0, 0, 0, "0"
local byCodec = {[0] = {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}}
repeat
  local page = redis.call("SCAN", cursor, "MATCH", "#history:*", "COUNT", 10000)
  cursor = page[1]
  for _, k in ipairs(page[2]) do
    lists = lists + 1
    for _, e in ipairs(redis.call("LRANGE", k, 0, -1)) do
      entries = entries + 1
      if string.byte(e, 7) % 4 >= 2 then rel = rel + 1; relBytes = relBytes + #e else
        self = self + 1; selfBytes = selfBytes + #e
        local c = byCodec[string.byte(e, 6)]
        if c then c[1] = c[1] + 1; c[2] = c[2] + #e end
      end
    end
  end
until cursor == "0"
local out = {lists, entries, rel, relBytes, self, selfBytes}
for codec = 0, 4 do table.insert(out, byCodec[codec][1]); table.insert(out, byCodec[codec][2]) end
return out'

build_mode() { # versions kept
  local m=$1 port=${SERVER_PORT[$1]} rounds=$DIR/rounds-$1.tsv empty end t
  rm -f "$DIR/history-$m.rdb" "$DIR/history-$m-round"*.rdb "$DIR/scratch-$port.rdb"
  start_server "$port" "scratch-$port.rdb"
  local pid=${SERVER_PIDS[-1]}
  redis-cli -p "$port" flushall >/dev/null
  empty=$(used "$port")
  /usr/bin/time -f "%e" -o "$DIR/generate-$m.t" "$CLI" fleet generate --hosts "$HOSTS" --seed 1 --codec line-delta \
    --server "127.0.0.1:$port/0" --ttl 0 --expected /dev/null >"$DIR/generate-$m.log" 2>&1
  printf 'round\tended\tas_of\tused_memory\tseconds\n0\t%s\t-\t%s\t%s\n' "$(iso "$(date +%s)")" "$(( $(used "$port") - empty ))" "$(tail -1 "$DIR/generate-$m.t")" >"$rounds"
  t=$(( $(date +%s) + 1 ))
  for r in $(seq "$ROUNDS"); do
    # Every version of round r is stored after T(r-1): the push starts a whole second past it.
    while [ "$(date +%s)" -le "$t" ]; do sleep 0.2; done
    /usr/bin/time -f "%e" -o "$DIR/storm.t" dotnet "$WORK/storm/SysopsFast.PushStorm.dll" --hosts "$HOSTS" --after-round $((r - 1)) \
      --rounds 1 --history "$m" --kv-trailer --query-every 0 --idle-queries 1 --ttl 0 --seed 1 --timeout 60 \
      --server "127.0.0.1:$port/0" --out "$DIR/storm-$m-round$r.md" >/dev/null 2>"$DIR/storm-$m-round$r.err" \
      || { echo "history.sh: the storm of round $r (--history $m) failed its checks: $DIR/storm-$m-round$r.md" >&2; exit 1; }
    end=$(date +%s)
    t=$((end + 1))
    printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$(iso "$end")" "$(iso "$t")" "$(( $(used "$port") - empty ))" "$(tail -1 "$DIR/storm.t")" >>"$rounds"
    [ "$m" = 1 ] && [ "$r" = $((ROUNDS - 1)) ] && save_as "$port" "history-$m-round$r.rdb"
  done
  echo "$empty" >"$DIR/empty-$m"
  if [ "$m" != 1 ]; then
    redis-cli -p "$port" eval "$HISTORY_SCAN" 0 | paste -sd' ' >"$DIR/scan-$m"
    sample_lists "$port" >"$DIR/sample-$m"
  fi
  redis-cli -p "$port" dbsize >"$DIR/dbsize-$m"
  [ "$m" = 1 ] || save_as "$port" "history-$m.rdb"
  stop_server "$port" "$pid"
}

# MEMORY USAGE of 10 history lists (the first the scan meets) and of their records: bytes, entries.
sample_lists() {
  { redis-cli -p "$1" --scan --pattern '#history:*' || true; } | head -10 | while IFS= read -r k; do
    local record=${k#\#history:\{????\}:}
    printf '%s\t%s\t%s\t%s\n' "$record" "$(redis-cli -p "$1" llen "$k")" "$(redis-cli -p "$1" memory usage "$k" samples 0)" "$(redis-cli -p "$1" memory usage "$record")"
  done
}

build() {
  dotnet build bench/SysopsFast.PushStorm -c Release -v q -nologo -o "$WORK/storm" >/dev/null
  for m in "${MODES[@]}"; do build_mode "$m"; done
  build_report >"$DIR/build.md"
}

mb() { awk -v b="$1" 'BEGIN{printf "%.1f", b/1e6}'; }
at_round() { awk -F'\t' -v r="$2" '$1 == r {print $4}' "$DIR/rounds-$1.tsv"; }

build_report() {
  local k1 n1 kr nr lists entries rel relBytes self selfBytes
  k1=$(at_round 8 1); n1=$(at_round 1 1); kr=$(at_round 8 "$ROUNDS"); nr=$(at_round 1 "$ROUNDS")
  local codecs
  read -r lists entries rel relBytes self selfBytes codecs <"$DIR/scan-8"
  echo "## Memory (phase build)"
  echo
  echo "- fleet: \`fleet generate --hosts $HOSTS --seed 1 --codec line-delta --ttl 0\` ($(tail -1 "$DIR/generate-8.t") s), then $ROUNDS push rounds, each \`SysopsFast.PushStorm --after-round R-1 --rounds 1 --history N --kv-trailer --ttl 0\` (every host pushes; 5% of objects changed, a trailer line added or edited)"
  echo "- used_memory of the empty server subtracted: $(mb "$(cat "$DIR/empty-8")") MB (history 8), $(mb "$(cat "$DIR/empty-1")") MB (history 1); keys at the end: $(cat "$DIR/dbsize-8") / $(cat "$DIR/dbsize-1")"
  echo
  echo "| | --history 8 (kept) MB | --history 1 (none) MB | ratio |"
  echo "|---|---:|---:|---:|"
  echo "| generated fleet (round 0) | $(mb "$(at_round 8 0)") | $(mb "$(at_round 1 0)") | $(awk -v a="$(at_round 8 0)" -v b="$(at_round 1 0)" 'BEGIN{printf "%.3f", a/b}') |"
  echo "| after round 1 | $(mb "$k1") | $(mb "$n1") | $(awk -v a="$k1" -v b="$n1" 'BEGIN{printf "%.3f", a/b}') |"
  echo "| after round $ROUNDS | $(mb "$kr") | $(mb "$nr") | **$(awk -v a="$kr" -v b="$nr" 'BEGIN{printf "%.3f", a/b}')** (target ≤ 1.3) |"
  echo
  echo "Where the history bytes go after round $ROUNDS (--history 8): $lists lists, $entries entries:"
  echo "$rel relative ($(mb "$relBytes") MB, $(awk -v a="$relBytes" -v n="$rel" 'BEGIN{printf "%.0f", n ? a/n : 0}') bytes each) and"
  echo "$self self-contained ($(mb "$selfBytes") MB, $(awk -v a="$selfBytes" -v n="$self" 'BEGIN{printf "%.0f", n ? a/n : 0}') bytes each; by codec, count/bytes: $(echo "$codecs" | awk '{for (c = 0; c < 5; c++) printf "%s%d: %d/%d", c ? ", " : "", c, $(2*c+1), $(2*c+2)}')); the rest of the"
  echo "$(mb $((kr - nr))) MB difference, $(awk -v d=$((kr - nr)) -v e=$((relBytes + selfBytes)) -v l="$lists" 'BEGIN{printf "%.0f", l ? (d - e)/l : 0}') bytes a list, is the lists' own overhead (the key, its dict entry, the list's encoding)."
  echo
  echo "MEMORY USAGE of a sample of lists (\`MEMORY USAGE <list> SAMPLES 0\`) and their records:"
  echo
  echo "| record key | entries | list bytes | record bytes |"
  echo "|---|---:|---:|---:|"
  awk -F'\t' '{printf "| `%s` | %s | %s | %s |\n", $1, $2, $3, $4}' "$DIR/sample-8"
  echo
  for m in "${MODES[@]}"; do
    echo "Rounds, --history $m (used_memory minus the empty server's; \`as_of\`: the whole second after the round ended, before the next began):"
    echo '```'
    cat "$DIR/rounds-$m.tsv"
    echo '```'
  done
  echo "Each storm run's report (every host's latest record checked, exactly the changed objects written, headline answer exact): $DIR/storm-<N>-round<R>.md; all passed."
}

# --- queries ----------------------------------------------------------------------------------
QUERIES=(headline md5sum kv compare-all list-files)
query() { # name -> the command's words (without --server)
  case $1 in
    headline) echo "grep sysctl-a net.core.netdev_budget --uniq" ;;
    md5sum) echo "search sysctl-a --md5sum -H" ;;
    kv) echo "kv sysctl.conf *" ;;
    compare-all) echo "compare-all sysctl.conf" ;;
    list-files) echo "list-files" ;;
    search) echo "search sysctl-a" ;;
    kv-drift) echo "kv sysctl.conf *" ;;
  esac
}
# `set -f` while a query runs: kv's * is the key glob, not the shell's.
run() { # port name extra-args... (stdout: the answer)
  local port=$1 name=$2; shift 2
  set -f; "$CLI" $(query "$name") --server "127.0.0.1:$port/0" "$@"; local rc=$?; set +f; return $rc
}
ordered() { if [ "$1" = headline ]; then LC_ALL=C sort; else cat; fi; }
# The md5 of an answer and the exit code: port name extra-args...
answer() { local sum; sum=$( (run "$@" || echo "exit $?") | ordered "$2" | md5sum | cut -c1-32); echo "$sum"; }

timed() { # file port name extra-args...: appends "wall user sys peakKB"
  local file=$1; shift
  set -f
  if ! /usr/bin/time -f "%e %U %S %M" -o "$DIR/q.t" "$CLI" $(query "$2") --server "127.0.0.1:$1/0" "${@:3}" >/dev/null 2>"$DIR/q.err"; then
    failed="$failed $2($*)"
  fi
  set +f
  tail -1 "$DIR/q.t" >>"$file"
}

median() { sort -g | awk '{a[NR]=$1} END{m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }
col_wall() { awk '{print $1}' "$1" | median; }
col_cpu() { awk '{print $2+$3}' "$1" | median; }
col_rss() { awk '{print $4}' "$1" | sort -n | tail -1 | awk '{printf "%.0f", $1/1024}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }

# A/B of one query: latest vs with the extra option(s), RUNS each, the first alternating.
ab() { # name label-of-B args-of-B...
  local name=$1 a=$DIR/t-$1-latest b=$DIR/t-$1-$2; shift 2
  : >"$a"; : >"$b"
  for i in $(seq "$RUNS"); do
    if [ $((i % 2)) = 1 ]; then
      timed "$a" "$HP" "$name"; timed "$b" "$HP" "$name" "$@"
    else
      timed "$b" "$HP" "$name" "$@"; timed "$a" "$HP" "$name"
    fi
  done
}

queries() {
  [ -f "$DIR/history-8.rdb" ] && [ -f "$DIR/history-1-round$((ROUNDS - 1)).rdb" ] && [ -f "$DIR/rounds-8.tsv" ] \
    || { echo "history.sh: run PHASE=build first (no saved servers in $DIR)" >&2; exit 2; }
  HP=${SERVER_PORT[8]}; NP=${SERVER_PORT[1]}
  start_server "$HP" "history-8.rdb"
  start_server "$NP" "history-1-round$((ROUNDS - 1)).rdb"
  T=$(awk -F'\t' -v r=$((ROUNDS - 1)) '$1 == r {print $3}' "$DIR/rounds-8.tsv")
  failed=""
  local checks="" q asof ref latest
  for q in "${QUERIES[@]}"; do
    asof=$(answer "$HP" "$q" --as-of "$T" 2>"$DIR/asof-$q.err")
    ref=$(answer "$NP" "$q" 2>/dev/null)
    latest=$(answer "$HP" "$q" 2>/dev/null)
    local verdict=DIFFERENT; [ "$asof" = "$ref" ] && verdict=equal
    checks="$checks- $q: --as-of T on the history server $verdict to the history-less server after round $((ROUNDS - 1)) (md5 $asof); the latest answer $([ "$latest" = "$asof" ] && echo "is the same (the change does not show in this query)" || echo "differs"); stderr of --as-of: $(tr '\n' ' ' <"$DIR/asof-$q.err" | cut -c1-200)"$'\n'
  done
  for q in "${QUERIES[@]}"; do ab "$q" as-of --as-of "$T"; done
  # --changed-since: only when this binary takes it (another branch adds it).
  local cs_note="" n
  for q in search kv-drift; do
    local rc=0
    run "$HP" "$q" --changed-since "$T" >"$DIR/changed-$q.out" 2>"$DIR/changed-$q.err" || rc=$?
    if [ "$rc" = 2 ] && grep -q "unrecognized option '--changed-since'" "$DIR/changed-$q.err"; then
      cs_note="$cs_note $q: skipped, the binary refused --changed-since ($(head -1 "$DIR/changed-$q.err" | cut -c1-160));"
    else
      n=$(wc -l <"$DIR/changed-$q.out")
      checks="$checks- $q --changed-since T: exit $rc, $n lines of output; stderr: $(tr '\n' ' ' <"$DIR/changed-$q.err" | cut -c1-200)"$'\n'
      ab "$q" changed-since --changed-since "$T"
    fi
  done
  queries_report "$checks" "$cs_note" >"$DIR/queries.md"
}

queries_report() {
  echo "## Queries (phase queries)"
  echo
  echo "- servers: the history server after round $ROUNDS (RDB), and the history-less one after round $((ROUNDS - 1)); T = $T (after round $((ROUNDS - 1)) ended, before round $ROUNDS began: the keys changed in round $ROUNDS, 5%, read their history)"
  echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other engineers' builds share the 2 cores: compare CPU seconds)"
  echo "- $RUNS rounds; each runs the query on the latest data and with the option, back to back, the first alternating; standard output to /dev/null"
  echo
  echo "| query | form | median wall s | median user+sys s | max peak RSS MB | wall ratio | CPU ratio |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  local q f
  for q in "${QUERIES[@]}" search kv-drift; do
    for f in as-of changed-since; do
      [ -s "$DIR/t-$q-$f" ] || continue
      echo "| \`$(query "$q")\` | latest | $(col_wall "$DIR/t-$q-latest") | $(col_cpu "$DIR/t-$q-latest") | $(col_rss "$DIR/t-$q-latest") | | |"
      echo "| | --$f T | $(col_wall "$DIR/t-$q-$f") | $(col_cpu "$DIR/t-$q-$f") | $(col_rss "$DIR/t-$q-$f") | $(ratio "$(col_wall "$DIR/t-$q-$f")" "$(col_wall "$DIR/t-$q-latest")") | $(ratio "$(col_cpu "$DIR/t-$q-$f")" "$(col_cpu "$DIR/t-$q-latest")") |"
    done
  done
  echo
  [ -n "$2" ] && echo "--changed-since:$2" && echo
  echo "Checks (untimed, before the timed runs; answers compared byte for byte, grep's lines sorted):"
  printf "%s" "$1"
  echo "- timed runs that exited non-zero: ${failed:-none}"
  echo
  echo "Every run (\`wall user sys peak-KB\`):"
  echo '```'
  for q in "${QUERIES[@]}" search kv-drift; do
    for f in latest as-of changed-since; do [ -s "$DIR/t-$q-$f" ] && { echo "$q $f"; cat "$DIR/t-$q-$f"; }; done
  done
  echo '```'
}

case $PHASE in all|build) build ;; esac
case $PHASE in all|queries) queries ;; esac

mkdir -p "$(dirname "$OUT")"
{
  echo "# History: Redis memory with versions kept, and --as-of queries, $HOSTS hosts × $ROUNDS rounds (issue 19)"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: nproc $(nproc), $(free -g | awk '/^Mem:/{print $2}') GB RAM; redis-server $(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-) on loopback"
  echo "- command: \`PHASE=$PHASE bench/macro/history.sh $HOSTS $ROUNDS $RUNS\`; CLI: ${MACRO_CLI:-the Native AOT binary published from this tree}"
  echo
  [ -f "$DIR/build.md" ] && cat "$DIR/build.md" && echo
  [ -f "$DIR/queries.md" ] && cat "$DIR/queries.md"
} >"$OUT"
cat "$OUT"
if [ -f "$DIR/queries.md" ] && grep -q 'DIFFERENT\|exited non-zero: [^n]' "$DIR/queries.md"; then echo "a check failed: see $DIR" >&2; exit 1; fi
exit 0
