# Sourced by the macro benchmarks: installs what they need, publishes the CLI as shipped, and starts
# a redis-server of their own on $PORT (stopped on exit). Sets CLI, WORK and mem().
# A script that needs less sets MACRO_BUILD first: "cli" (no baselines) or "" (neither).
WORK=bench/macro/work
MACRO_BUILD=${MACRO_BUILD-cli baselines}
mkdir -p "$WORK"

need_apt=""
command -v redis-server >/dev/null && command -v redis-cli >/dev/null || need_apt="$need_apt redis-server redis-tools"
[ -x /usr/bin/time ] || need_apt="$need_apt time"
# Native AOT (the CLI's publish) links with clang and needs zlib's headers. grep without -q: quitting
# at the first match kills compgen with SIGPIPE, which pipefail took as "no clang" (about half the runs).
compgen -c | grep -E '^clang(-[0-9]+)?$' >/dev/null || need_apt="$need_apt clang"
[ -e /usr/include/zlib.h ] || need_apt="$need_apt zlib1g-dev"
if [ -n "$need_apt" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need_apt >/dev/null
fi

# The shipped form: published with Native AOT (see README), not the JIT-only build output.
case " $MACRO_BUILD " in *" cli "*) dotnet publish src/SysopsFast.Cli -c Release -r linux-x64 -v q -nologo -o "$WORK/bin" >/dev/null ;; esac
CLI=$WORK/bin/sysops-fast
# The baselines (the original algorithm, the transfer floor); bz2 comes from the system's libbz2.
[ -e /usr/lib/x86_64-linux-gnu/libbz2.so.1.0 ] || [ -e /lib/x86_64-linux-gnu/libbz2.so.1.0 ] || need_bz2=1
if [ -n "${need_bz2:-}" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libbz2-1.0 >/dev/null
fi
case " $MACRO_BUILD " in *" baselines "*) dotnet build bench/SysopsFast.Baselines -c Release -v q -nologo -o "$WORK/baselines" >/dev/null ;; esac
BASELINES="dotnet $WORK/baselines/SysopsFast.Baselines.dll"

redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --loglevel warning --enable-debug-command local --dir "$PWD/$WORK" >"$WORK/redis-$PORT.log" 2>&1 &
REDIS_PID=$!
trap 'kill "$REDIS_PID" 2>/dev/null || true' EXIT
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$PORT" flushall >/dev/null

# Redis used_memory in MB.
mem() { redis-cli -p "$PORT" info memory | awk -F: '/^used_memory:/{printf "%.0f", $2/1e6}'; }
