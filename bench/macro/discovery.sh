#!/usr/bin/env bash
# Issue 18 §3: how many host names the discovery of a bare object word (`sysctl-a`, the glob
# `*sysctl-a*`) reads, without and with the catalog's host-name index, counted by the server
# (INFO commandstats), never timed. HOSTS hosts (default 1,000,000) named as the generator names
# them, each holding cmd/sysctl-a, written as a writer from before the index writes them: the key,
# its catalog entries, no grams. Then, on the same server:
#   1. search sysctl-a                 (no index: the host set is ZSCANned, MATCH *sysctl-a*)
#   2. catalog index                   (reads the host names once, adds the grams, marks the index)
#   3. search sysctl-a                 (the index proves no host name holds the text)
# Each search's answer is checked: one key per host.
#   bench/macro/discovery.sh [HOSTS=1000000] [OUT=perf-results/<date>-discovery-<hosts>.md]
# CLI: the JIT build of this tree (dotnet build src/SysopsFast.Cli -c Release first); counts do not
# depend on how it was compiled. A redis-server of this script's on PORT, stopped by PID on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
HOSTS=${1:-1000000}
OUT=${2:-perf-results/$(date -u +%Y-%m-%d)-discovery-${HOSTS}.md}
PORT=${MACRO_PORT:-6531}
WORK=bench/macro/work
CLI=(dotnet src/SysopsFast.Cli/bin/Release/net10.0/sysops-fast.dll)
mkdir -p "$WORK"

redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --loglevel warning --dir "$PWD/$WORK" >"$WORK/redis-$PORT.log" 2>&1 &
REDIS_PID=$!
trap 'kill "$REDIS_PID" 2>/dev/null || true' EXIT
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$PORT" flushall >/dev/null

# The fleet as RESP, 1,000 members per ZADD (what the generator names its hosts: eat1-app00000.example.com).
python3 - "$HOSTS" <<'EOF' | redis-cli -p "$PORT" --pipe >"$WORK/discovery-load.log"
import sys
hosts = int(sys.argv[1])
out = sys.stdout.buffer
def command(*args):
    out.write(b"*%d\r\n" % len(args))
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out.write(b"$%d\r\n%s\r\n" % (len(a), a))
sites = ["eat1", "lva1", "ltx1"]
names = [f"{sites[i % 3]}-app{i:05d}.example.com" for i in range(hosts)]
objects = ["cmd/sysctl-a", "cmd/uname-a", "cmd/rpm-qa", "cmd/netstat-anp", "cmd/df-h", "/etc/passwd", "/etc/resolv.conf", "/etc/sysctl.conf", "/etc/hosts", "/etc/fstab"]
command("ZADD", "#catalog:objects", *[x for o in objects for x in ("inf", o)])
for start in range(0, hosts, 1000):
    chunk = names[start:start + 1000]
    for n in chunk:
        command("SET", n + "#cmd/sysctl-a", "x")
    members = [x for n in chunk for x in ("inf", n)]
    command("ZADD", "#catalog:hosts", *members)
    command("ZADD", "#catalog:object:cmd/sysctl-a", *members)
EOF

reset() { redis-cli -p "$PORT" config resetstat >/dev/null; }
calls() { redis-cli -p "$PORT" info commandstats | tr -d '\r' | awk -F'[:=,]' -v c="cmdstat_$1" '$1 == c { print $3; found = 1 } END { if (!found) print 0 }'; }
search() { # label -> "zscan zmscore exists lines"
  reset
  "${CLI[@]}" search sysctl-a --server "127.0.0.1:$PORT" >"$WORK/discovery-$1.out" 2>"$WORK/discovery-$1.err"
  local lines; lines=$(wc -l <"$WORK/discovery-$1.out")
  [ "$lines" -eq "$HOSTS" ] || { echo "$1: $lines keys, expected $HOSTS" >&2; exit 1; }
  echo "$(calls zscan) $(calls zmscore) $(calls exists) $lines"
}

read -r z0 m0 e0 l0 <<<"$(search before)"
reset
"${CLI[@]}" catalog index --server "127.0.0.1:$PORT" >"$WORK/discovery-index.out"
index_line=$(cat "$WORK/discovery-index.out")
index_zscan=$(calls zscan); index_zadd=$(calls zadd)
grams=$(redis-cli -p "$PORT" zcard '#catalog:hostgrams')
read -r z1 m1 e1 l1 <<<"$(search after)"
# The host set: its members and how many ZSCAN calls one full sweep of it takes (COUNT 10000, as the reader's).
sweep=0; cursor=0
while :; do
  cursor=$(redis-cli -p "$PORT" zscan '#catalog:hosts' "$cursor" match '*sysctl-a*' count 10000 | head -1)
  sweep=$((sweep + 1)); [ "$cursor" = 0 ] && break
done
hostset=$(redis-cli -p "$PORT" zcard '#catalog:hosts')

cat >"$OUT" <<EOF
# Discovery of \`sysctl-a\` at $HOSTS hosts: host names read without and with the host-name index

- date: $(date -u +%Y-%m-%d), machine: nproc $(nproc), $(free -h | awk '/^Mem:/{print $2}') RAM, redis-server $(redis-server --version | sed -E 's/.*v=([0-9.]+).*/\1/') on loopback
- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other engineers building: counts only, no times)
- script: \`bench/macro/discovery.sh $HOSTS\` (CLI: JIT build of this branch). The fleet: $HOSTS hosts
  named as \`fleet generate\` names them, each with the key \`<host>#cmd/sysctl-a\` and its catalog
  entries, written as a writer from before the index writes them (no grams, no marker); the records
  are not records (\`search\` only checks that each key exists).
- counted by the server: \`CONFIG RESETSTAT\` before each command, then \`INFO commandstats\`.
- checked: each \`search sysctl-a\` printed $HOSTS keys.

| step | ZSCAN calls | ZMSCORE calls | EXISTS calls | keys answered |
|---|---:|---:|---:|---:|
| \`search sysctl-a\`, no index | $z0 | $m0 | $e0 | $l0 |
| \`catalog index\` | $index_zscan | 0 | — | — |
| \`search sysctl-a\`, index complete | $z1 | $m1 | $e1 | $l1 |

- \`#catalog:hosts\` holds $hostset host names; one sweep of it with \`ZSCAN MATCH *sysctl-a* COUNT
  10000\` (what a reader without the index sends) takes $sweep calls and visits every member. Without
  the index the search made $((z0 - z1)) more ZSCAN calls than with it: that sweep, reading all
  $hostset host names on the server for an answer of "none" (it asked ZMSCORE too, but without the
  marker \`#hostgrams:complete\` an index proves nothing). With the index it asked one ZMSCORE
  (the text's six 3-byte pieces; \`sys\` is in no host name) and read no host name; its remaining
  ZSCAN calls are the object names and the $HOSTS hosts of \`cmd/sysctl-a\` (the keys of the answer).
- \`catalog index\`: \`$index_line\`; $index_zadd ZADD calls; the index holds $grams grams.
EOF
cat "$OUT"
