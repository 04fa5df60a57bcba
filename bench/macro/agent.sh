#!/usr/bin/env bash
# The push agent as a host runs it, every 10 minutes: what it costs to install (the AOT binary, the
# .deb), to start (`sysops-fast --version`), and to push one host's 10 objects (those of a synthetic
# fleet host, dumped to files: a 49 KB sysctl -a, a package list, netstat, /etc/passwd, /etc/hosts...;
# the command outputs as files, the /etc files as symlinks, as an agent's outgoing directory holds
# them) to a local redis-server: wall time and peak RSS (GNU time) of a first push (every object
# written, no ledger) and of an unchanged push (the ledger: expiries refreshed only), median of RUNS.
# Writes a markdown report to perf-results/.
#   bench/macro/agent.sh [RUNS=21] [OUT=perf-results/<date>-agent.md]
#   DEB=path/to.deb (default: artifacts/sysops-fast_<version>_amd64.deb, built by packaging/build-deb.sh when missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${1:-21}
OUT=${2:-perf-results/$(date -u +%Y-%m-%d)-agent.md}
PORT=${MACRO_PORT:-6507}
MACRO_BUILD="cli" # the AOT CLI; no baselines
. bench/macro/setup.sh

version=$(dotnet msbuild src/SysopsFast.Cli -getProperty:Version)
DEB=${DEB:-artifacts/sysops-fast_${version}_amd64.deb}
[ -f "$DEB" ] || packaging/build-deb.sh --out "$(dirname "$DEB")" >/dev/null
S="127.0.0.1:$PORT"

# One host's objects, as its outgoing directory holds them.
a=$WORK/agent
rm -rf "$a" && mkdir -p "$a/files" "$a/outgoing"
# LZ4: the contents are what matter (dump gives them back raw), and zstddictionary, the default,
# stops with an internal error below 8 hosts.
"$CLI" fleet generate --hosts 1 --seed 1 --codec lz4 --server "$S/9" --expected /dev/null >/dev/null 2>&1
"$CLI" dump "$a/files" --server "$S/9" 2>/dev/null
host=$(ls "$a/files")
# dump's tree (docs/FORMAT.md): command outputs under '#cmd/', absolute paths as they are.
for f in "$a/files/$host"/'#cmd'/*; do cp "$f" "$a/outgoing/"; done
for f in $(cd "$a/files/$host" && find . -path './#cmd' -prune -o -type f -print); do
  ln -s "$(realpath "$a/files/$host/$f")" "$a/outgoing/$(basename "$f")"
done
[ "$(ls "$a/outgoing" | wc -l)" = 10 ] || { echo "agent.sh: expected 10 objects in $a/outgoing" >&2; exit 1; }
bytes=$(cat "$a/outgoing"/* | wc -c)

median() { sort -n | awk '{v[NR]=$1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s %s %s", m, v[1], v[NR]}'; }
# run NAME CMD...: wall ms and peak RSS KiB of one run, appended to $a/NAME.ms and $a/NAME.kib; stdout to $a/NAME.out.
run() {
  local name=$1 t0 t1
  shift
  t0=$EPOCHREALTIME
  /usr/bin/time -f %M -o "$a/$name.t" "$@" >"$a/$name.out" 2>"$a/$name.err"
  t1=$EPOCHREALTIME
  echo "$t0 $t1" | awk '{printf "%.1f\n", ($2 - $1) * 1000}' >>"$a/$name.ms"
  tail -1 "$a/$name.t" >>"$a/$name.kib"
}
rm -f "$a"/*.ms "$a"/*.kib
check=ok
for _ in $(seq "$RUNS"); do
  run version "$CLI" --version
  redis-cli -p "$PORT" -n 0 flushdb >/dev/null
  rm -f "$a/pushed.json"
  run first "$CLI" push --dir "$a/outgoing" --server "$S/0" --hostname agent.example.com --ledger "$a/pushed.json"
  grep -q ': ok, 10 written, 0 unchanged' "$a/first.out" || check="WRONG (first push: $(cat "$a/first.out" "$a/first.err"))"
  run unchanged "$CLI" push --dir "$a/outgoing" --server "$S/0" --hostname agent.example.com --ledger "$a/pushed.json"
  grep -q ': ok, 0 written, 10 unchanged' "$a/unchanged.out" || check="WRONG (unchanged push: $(cat "$a/unchanged.out" "$a/unchanged.err"))"
done

row() { # label name
  read -r m lo hi < <(median <"$a/$2.ms")
  read -r rss rlo rhi < <(median <"$a/$2.kib")
  printf '| %s | %s | %s–%s | %.1f | %.1f–%.1f |\n' "$1" "$m" "$lo" "$hi" "$(echo "$rss" | awk '{print $1/1024}')" "$(echo "$rlo" | awk '{print $1/1024}')" "$(echo "$rhi" | awk '{print $1/1024}')"
}
deb_binary=$(dpkg-deb --fsys-tarfile "$DEB" | tar -xOf - ./usr/bin/sysops-fast | wc -c)
server_kib=$(dpkg-deb --fsys-tarfile "$DEB" | tar -tvf - ./usr/lib/sysops-fast | awk '{s += $3} END {printf "%.0f", s / 1024}')
mkdir -p "$(dirname "$OUT")"
cat >"$OUT" <<EOF
# The push agent: size, start-up, one host's push

- date: $(date -u '+%Y-%m-%d %H:%M UTC')
- machine: nproc $(nproc); $(free -h | awk '/^Mem:/ {print $2}') memory; $(uname -r)
- redis: $(redis-server --version | grep -o 'v=[0-9.]*'), one server on loopback, no persistence
- command: \`bench/macro/agent.sh $RUNS\`; the AOT-published CLI ($CLI), version $version; $RUNS runs of each, median (min–max)
- objects: the 10 of one synthetic fleet host (\`fleet generate --hosts 1 --seed 1 --codec lz4\`, dumped), $bytes bytes in all; command outputs as files, /etc files as symlinks

| what | bytes |
|---|---:|
| /usr/bin/sysops-fast in the .deb (Native AOT, stripped) | $deb_binary |
| $(basename "$DEB") | $(stat -c %s "$DEB") |
| installed (dpkg Installed-Size) | $(($(dpkg-deb -f "$DEB" Installed-Size) * 1024)) |
| of which /usr/lib/sysops-fast (sysops-fast-server, self-contained; not used by the agent) | $((server_kib * 1024)) |

| run | wall ms | min–max ms | peak RSS MiB | min–max MiB |
|---|---:|---:|---:|---:|
$(row '`sysops-fast --version`' version)
$(row 'first push: 10 objects written, no ledger' first)
$(row 'unchanged push: 10 expiries refreshed (ledger)' unchanged)

Check: $check (each first push printed "ok, 10 written, 0 unchanged", each unchanged one "ok, 0 written, 10 unchanged").
Wall time is the process's, from bash (\$EPOCHREALTIME) around GNU time, which gives the peak RSS.
EOF
echo "agent.sh: wrote $OUT (check: $check)"
[ "$check" = ok ]
