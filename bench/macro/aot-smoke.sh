#!/usr/bin/env bash
# The shipped (Native AOT) binary through the paths that StackExchange.Redis serves and that the
# query benchmark does not: push, grep of what was pushed, dump, import, topology doctor.
# Run by .ci/run after the macro benchmark (which covers fleet generate and the grep fast path).
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${MACRO_PORT:-6504}
. bench/macro/setup.sh

dir=$(mktemp -d)
trap 'rm -rf "$dir"; kill "$REDIS_PID" 2>/dev/null || true' EXIT
mkdir -p "$dir/out"
printf 'net.core.somaxconn = 4096\n' >"$dir/out/sysctl-conf"
fail() { echo "aot smoke: FAILED: $*" >&2; exit 1; }

"$CLI" push --dir "$dir/out" --server "127.0.0.1:$PORT" --hostname smoke.example.com >"$dir/push.log" || fail "push ($(cat "$dir/push.log"))"
[ "$("$CLI" grep sysctl-conf somaxconn -H --server "127.0.0.1:$PORT")" = "smoke.example.com:net.core.somaxconn = 4096" ] || fail "grep after push"
"$CLI" dump "$dir/dump" --server "127.0.0.1:$PORT" 2>/dev/null || fail "dump"
cmp -s "$dir/out/sysctl-conf" "$dir/dump/smoke.example.com/#cmd/sysctl-conf" || fail "dump did not give the pushed bytes back"
"$CLI" import "$dir/dump" --server "127.0.0.1:$PORT/2" 2>/dev/null || fail "import"
[ "$("$CLI" grep sysctl-conf somaxconn --server "127.0.0.1:$PORT/2")" = "net.core.somaxconn = 4096" ] || fail "grep after import"
"$CLI" topology --server "127.0.0.1:$PORT" >/dev/null || fail "topology"
# The agent's own parts (db 6: db 4 is the original layout's, below): agent.toml (Tomlyn), a command it runs (setsid, process group), the JSON file.
printf '{"lldp-xml": "<lldp/>\\n"}' >"$dir/hw.json"
printf 'servers = ["127.0.0.1:%s/6"]\nhostname = "agent.example.com"\nledger = "pushed.json"\nhardware_identification = "hw.json"\n[commands.uname-a]\nrun = "echo agent smoke"\n' "$PORT" >"$dir/agent.toml"
chmod 600 "$dir/agent.toml"   # the agent refuses a configuration others may change
"$CLI" push --config "$dir/agent.toml" >"$dir/push.log" 2>&1 || fail "push --config ($(cat "$dir/push.log"))"
[ "$("$CLI" grep uname-a smoke -H --server "127.0.0.1:$PORT/6")" = "agent.example.com:agent smoke" ] || fail "grep of a command the agent ran"
[ "$("$CLI" grep lldp-xml lldp --server "127.0.0.1:$PORT/6")" = "<lldp/>" ] || fail "grep of the hardware identification file"

# The query commands of issue 8, on the standalone server and then on a 3-primary Redis Cluster.
queries() { # server label
  local S=$1 what=$2 k
  [ "$("$CLI" search sysctl-a --server "$S" | wc -l)" = 40 ] || fail "$what: search"
  k=$("$CLI" search sysctl-a --server "$S" | head -1)
  "$CLI" search "$k" --md5sum -H --server "$S" | grep -qE "^$k +[0-9a-f]{32}$" || fail "$what: search --md5sum -H"
  "$CLI" search sysctl-a --stat --json --server "$S" | head -1 | grep -q '"stored_bytes":' || fail "$what: search --stat --json"
  [ "$("$CLI" list-files --server "$S" | wc -l)" = 10 ] || fail "$what: list-files"
  "$CLI" compare-all sysctl.conf --json --server "$S" | head -1 | grep -q '"majority":true' || fail "$what: compare-all"
  "$CLI" compare "$k" sysctl-a --md5sum --server "$S" >/dev/null || fail "$what: compare"
  "$CLI" info --json --server "$S" | grep -q '"redis_version"' || fail "$what: info"
  "$CLI" search sysctl-a --md5sum --cost --server "$S" 2>&1 >/dev/null | grep -q '^cost: total' || fail "$what: --cost"
  [ "$("$CLI" extract --search sysctl-a --md5sum --server "$S" | wc -l)" = 40 ] || fail "$what: extract"
  set +e; "$CLI" search no-such-object --server "$S"; rc=$?; set -e
  [ "$rc" = 1 ] || fail "$what: search of nothing exits $rc, not 1"
}
"$CLI" fleet generate --hosts 40 --seed 3 --server "127.0.0.1:$PORT/3" --expected /dev/null 2>/dev/null || fail "generate"
queries "127.0.0.1:$PORT/3" standalone

# migrate: the original layout (bz2 lists, as the baselines tool writes it) into records.
$BASELINES load-original 40 3 "127.0.0.1:$PORT" 4 2>/dev/null || fail "load-original"
"$CLI" migrate --from "redis://127.0.0.1:$PORT/4" --server "127.0.0.1:$PORT/5" 2>"$dir/migrate.log" || fail "migrate ($(cat "$dir/migrate.log"))"
[ "$("$CLI" grep sysctl-a net.core.netdev_budget --uniq --server "127.0.0.1:$PORT/5")" = "$("$CLI" grep sysctl-a net.core.netdev_budget --uniq --server "127.0.0.1:$PORT/3")" ] || fail "migrate: answers differ"

cluster_pids=()
trap 'rm -rf "$dir"; kill "$REDIS_PID" "${cluster_pids[@]}" 2>/dev/null || true' EXIT
for i in 1 2 3; do
  p=$((PORT + 10 + i))
  mkdir -p "$dir/c$p"
  (cd "$dir/c$p" && exec redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file nodes.conf --save '' --appendonly no --loglevel warning) >/dev/null 2>&1 &
  cluster_pids+=($!)
done
for i in 1 2 3; do for _ in $(seq 50); do redis-cli -p $((PORT + 10 + i)) ping >/dev/null 2>&1 && break; sleep 0.1; done; done
redis-cli --cluster create "127.0.0.1:$((PORT + 11))" "127.0.0.1:$((PORT + 12))" "127.0.0.1:$((PORT + 13))" --cluster-replicas 0 --cluster-yes >/dev/null 2>&1 || fail "cluster create"
for _ in $(seq 100); do redis-cli -p $((PORT + 11)) cluster info | grep -q 'cluster_state:ok' && break; sleep 0.1; done
"$CLI" fleet generate --hosts 40 --seed 3 --server "127.0.0.1:$((PORT + 11))" --expected /dev/null 2>/dev/null || fail "generate into the cluster"
queries "127.0.0.1:$((PORT + 12))" cluster
[ "$("$CLI" info --server "127.0.0.1:$((PORT + 11))" | wc -l)" = 3 ] || fail "cluster: info of 3 primaries"

echo "aot smoke: ok (push, grep, dump, import, topology, search, list-files, compare, compare-all, info, --cost, extract, migrate; standalone and a 3-primary cluster, with the Native AOT binary)"
