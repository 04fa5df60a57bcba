# Sourced by the packaging scripts: installing what they need, and a redis-server of their own.
# Each script sets NAME (its name in messages) first.

fail() { echo "$NAME: FAILED: $*" >&2; exit 1; }

# apt_install PACKAGE...: Debian's packages, installed only when some are missing (the caller checks).
# It needs root (or sudo) and the network, and says so first; another apt (unattended-upgrades, a
# second terminal) holding its lock is waited for, up to APT_LOCK_WAIT seconds (default 600).
apt_install() {
  [ "$#" -gt 0 ] || return 0
  echo "$NAME: installing Debian's $* package(s): this needs root (or sudo) and the network" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  apt_locked $sudo apt-get update -qq
  apt_locked $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# apt_locked COMMAND...: runs an apt-get command, waiting for a lock another apt holds rather than
# failing at once. DPkg::Lock::Timeout makes apt wait for dpkg's lock itself; the package lists'
# and archives' locks it does not cover, so a run that could not get one is retried.
apt_locked() {
  local wait=${APT_LOCK_WAIT:-600} start=$SECONDS out said=""
  while :; do
    if out=$("$@" -o "DPkg::Lock::Timeout=$wait" 2>&1); then
      [ -z "$out" ] || printf '%s\n' "$out"
      return 0
    fi
    if ! grep -q 'Could not get lock' <<<"$out" || [ $((SECONDS - start)) -ge "$wait" ]; then
      printf '%s\n' "$out" >&2
      return 1
    fi
    [ -n "$said" ] || echo "$NAME: another apt holds its lock; waiting for it (up to ${wait} s)" >&2
    said=1
    sleep 5
  done
}

# A loopback port nothing listens on (other builds share this machine, so no fixed port).
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  fail "no free loopback port found"
}

# start_redis: a redis-server on a free loopback port, stopped by its PID on exit (EXIT trap of
# the caller's cleanup). Sets REDIS_PORT and REDIS_PID.
start_redis() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || apt_install redis-server redis-tools
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --loglevel warning >/dev/null 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 100); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0
    kill -0 "$REDIS_PID" 2>/dev/null || break
    sleep 0.1
  done
  fail "redis-server did not start on 127.0.0.1:$REDIS_PORT"
}
