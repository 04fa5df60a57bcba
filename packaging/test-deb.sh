#!/usr/bin/env bash
# Checks a .deb from build-deb.sh without touching this machine's own system: lists it, installs it
# into a throwaway root (dpkg --root, maintainer scripts run chrootless with DPKG_ROOT set), runs the
# installed programs (a query against a redis-server it starts, a push, the embedded server through
# /usr/bin/sysops-fast-server), renders the man page, verifies the systemd units, then removes and
# purges the package there. Exits 1 at the first failure, with one line saying which.
#   packaging/test-deb.sh artifacts/sysops-fast_<version>_amd64.deb
# As root it installs with dpkg; otherwise it unpacks with dpkg -x and says that the maintainer
# scripts were not run (dpkg --root needs to create root-owned files).
set -euo pipefail
NAME=test-deb
. "$(dirname "$0")/common.sh"
deb=$(realpath "${1:?usage: test-deb.sh path/to/sysops-fast_<version>_amd64.deb}")
[ -f "$deb" ] || fail "no file $deb"

work=$(mktemp -d)
REDIS_PID=""
trap '[ -z "$REDIS_PID" ] || kill "$REDIS_PID" 2>/dev/null || true; rm -rf "$work"' EXIT
root=$work/root
ok() { echo "$NAME: ok: $*"; }

# 1. What it holds.
dpkg-deb -I "$deb" >"$work/info" || fail "dpkg-deb -I cannot read $deb"
dpkg-deb -c "$deb" >"$work/contents" || fail "dpkg-deb -c cannot list $deb"
version=$(dpkg-deb -f "$deb" Version)
[ "$(dpkg-deb -f "$deb" Package)" = sysops-fast ] || fail "the package is not named sysops-fast"
[ "$(dpkg-deb -f "$deb" Architecture)" = amd64 ] || fail "the package is not for amd64"
[[ $(dpkg-deb -f "$deb" Depends) == *"libc6 (>= "* ]] || fail "Depends names no libc6 version: $(dpkg-deb -f "$deb" Depends)"
for path in ./usr/bin/sysops-fast ./usr/lib/sysops-fast/sysops-fast-server ./lib/systemd/system/sysops-fast-push.service \
  ./lib/systemd/system/sysops-fast-push.timer ./usr/lib/sysusers.d/sysops-fast.conf ./etc/sysops-fast/agent.toml \
  ./usr/share/man/man1/sysops-fast.1.gz ./usr/share/man/man1/sysops-fast-server.1.gz ./usr/share/doc/sysops-fast/copyright \
  ./usr/share/bash-completion/completions/sysops-fast; do
  grep -q " $path\$" "$work/contents" || fail "$path is not in the package"
done
grep -qE ' ./usr/share/doc/sysops-fast/changelog(\.Debian)?\.gz$' "$work/contents" || fail "no changelog in /usr/share/doc/sysops-fast"
grep -q ' ./usr/bin/sysops-fast-server -> ../lib/sysops-fast/sysops-fast-server$' "$work/contents" || fail "/usr/bin/sysops-fast-server is not the symlink to /usr/lib/sysops-fast"
awk '$2 != "root/root" { bad = 1 } END { exit bad }' "$work/contents" || fail "some files are not owned by root/root"
grep -qE '^-rwxr-xr-x .* ./usr/bin/sysops-fast$' "$work/contents" || fail "/usr/bin/sysops-fast is not 0755"
dpkg-deb -e "$deb" "$work/control"
[ "$(cat "$work/control/conffiles")" = /etc/sysops-fast/agent.toml ] || fail "conffiles does not list exactly /etc/sysops-fast/agent.toml"
for s in postinst prerm postrm; do [ -x "$work/control/$s" ] || fail "no executable $s"; done
(cd "$work" && mkdir x && dpkg-deb -x "$deb" x && cd x && md5sum --quiet -c "$work/control/md5sums") || fail "md5sums do not match the files"
ok "version $version; $(wc -l <"$work/contents") entries; conffiles: /etc/sysops-fast/agent.toml; Depends: $(dpkg-deb -f "$deb" Depends)"

# 2. Installed into a throwaway root with an admin directory of its own.
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
passwd_before=$(md5sum </etc/passwd)
if [ "$(id -u)" -eq 0 ]; then
  # --force-depends: the root holds no libc6 &c. (the programs run with this machine's);
  # --force-script-chrootless: the scripts run here with DPKG_ROOT=$root, which they honour.
  dpkg --root="$root" --log=/dev/null --force-depends --force-script-chrootless --no-triggers -i "$deb" >"$work/dpkg.log" 2>&1 ||
    { cat "$work/dpkg.log" >&2; fail "dpkg --root -i"; }
  [ "$(dpkg --root="$root" -s sysops-fast | sed -n 's/^Status: //p')" = "install ok installed" ] || fail "dpkg does not see sysops-fast as installed in the root"
  dpkg --root="$root" -s sysops-fast >"$work/status"
  grep -q '^ /etc/sysops-fast/agent.toml [0-9a-f]\{32\}$' "$work/status" || fail "dpkg did not record agent.toml as a conffile"
  if command -v systemd-sysusers >/dev/null; then
    grep -q '^sysops-fast:' "$root/etc/passwd" || fail "postinst did not create the user sysops-fast in the root's /etc/passwd"
  else
    echo "$NAME: skipped: the user check (no systemd-sysusers here, and adduser does not work in another root)"
  fi
  [ -z "$(find "$root/etc/systemd" -name 'sysops-fast*' 2>/dev/null)" ] || fail "postinst enabled the timer in a root that runs no systemd"
  [ "$(md5sum </etc/passwd)" = "$passwd_before" ] || fail "installing into the root changed this machine's /etc/passwd"
  ok "installed into $root by dpkg --root (postinst: user created there, nothing enabled or started)"
else
  dpkg-deb -x "$deb" "$root"
  echo "$NAME: not root: unpacked with dpkg -x; the maintainer scripts were not run"
fi

# The licence: Debian's machine-readable copyright file, Apache-2.0 by the system's copy of its text.
copyright=$root/usr/share/doc/sysops-fast/copyright
[ -f "$copyright" ] || fail "/usr/share/doc/sysops-fast/copyright is not installed"
head -1 "$copyright" | grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/$' || fail "the copyright file is not in Debian's copyright format (no Format: line first)"
grep -q '^License: Apache-2.0$' "$copyright" || fail "the copyright file gives no License: Apache-2.0"
grep -q '/usr/share/common-licenses/Apache-2.0' "$copyright" || fail "the copyright file does not point to /usr/share/common-licenses/Apache-2.0"
! grep -q '@[A-Z]*@' "$copyright" || fail "the copyright file has an unfilled placeholder: $(grep -m1 '@[A-Z]*@' "$copyright")"
ok "copyright: Debian format, Apache-2.0 (/usr/share/common-licenses/Apache-2.0)"

# 3. The installed programs.
cli=$root/usr/bin/sysops-fast
said=$("$cli" --version) || fail "sysops-fast --version exits $?"
[[ $said == "$version" || $said == "$version+"* ]] || fail "sysops-fast --version says '$said', not $version"
said=$("$cli" --help) || fail "sysops-fast --help exits $?"
grep -q '^  push ' <<<"$said" || fail "sysops-fast --help lists no push command"
said=$("$cli" push --help) || fail "sysops-fast push --help exits $?"
grep -q -- '--dir' <<<"$said" || fail "sysops-fast push --help has no --dir"
start_redis
server=127.0.0.1:$REDIS_PORT
"$cli" fleet generate --hosts 50 --seed 7 --server "$server" --expected "$work/expected" >/dev/null 2>&1 || fail "fleet generate into $server"
"$cli" grep sysctl-a net.core.netdev_budget --uniq --server "$server" >"$work/answer" || fail "the headline query against $server"
cmp -s "$work/answer" "$work/expected" || fail "the headline query's answer is not the generator's: $(diff "$work/expected" "$work/answer" | head -3 | tr '\n' ' ')"
mkdir -p "$work/outgoing"
printf 'net.core.somaxconn = 4096\n' >"$work/outgoing/sysctl-a"
"$cli" push --dir "$work/outgoing" --server "$server/1" --hostname deb.example.com --ledger "$work/pushed.json" >"$work/push.log" 2>&1 || fail "push ($(cat "$work/push.log"))"
[ "$("$cli" grep sysctl-a somaxconn -H --server "$server/1")" = "deb.example.com:net.core.somaxconn = 4096" ] || fail "grep of what the installed binary pushed"
ok "--version, --help, push --help; the headline query over 50 generated hosts matches the generator's answer; push then grep"
port=$(free_port)
"$cli" demo --hosts 50 --port "$port" --check-only >"$work/demo.log" 2>&1 || { tail -5 "$work/demo.log" >&2; fail "demo (the embedded server through /usr/bin/sysops-fast-server)"; }
grep -q 'Answer checked: exact match' "$work/demo.log" || fail "demo did not check its answer"
ok "demo: the embedded server (self-contained, through the /usr/bin symlink) answered exactly"

# 4. The man pages, rendered as man shows them, without a warning.
render() { # page.gz out.txt
  if command -v man >/dev/null; then
    LC_ALL=C.UTF-8 MANWIDTH=100 man -l "$1" >"$2" 2>"$2.err" || fail "man -l cannot render $(basename "$1") ($(head -1 "$2.err"))"
  else
    zcat "$1" | LC_ALL=C.UTF-8 groff -man -Tutf8 -ww >"$2" 2>"$2.err" || fail "groff cannot render $(basename "$1")"
  fi
  [ ! -s "$2.err" ] || fail "$(basename "$1") renders with warnings: $(head -1 "$2.err")"
}
if command -v man >/dev/null || command -v groff >/dev/null; then
  render "$root/usr/share/man/man1/sysops-fast.1.gz" "$work/man.txt"
  for want in 'SYSOPS-FAST(1)' 'sysops-fast push \[options\]' 'sysops-fast fleet generate' 'EXIT STATUS'; do
    grep -q "$want" "$work/man.txt" || fail "the rendered man page has no '$want'"
  done
  render "$root/usr/share/man/man1/sysops-fast-server.1.gz" "$work/man-server.txt"
  grep -q 'SYSOPS-FAST-SERVER(1)' "$work/man-server.txt" || fail "the rendered sysops-fast-server page has no title"
  ok "man pages render (sysops-fast(1): $(wc -l <"$work/man.txt") lines; sysops-fast-server(1))"
else
  echo "$NAME: skipped: the man page rendering (neither man-db nor groff is installed)"
fi

# 5. The systemd units, against the installed files (ExecStart, the man page of Documentation=).
if command -v systemd-analyze >/dev/null; then
  # The root holds no systemd: the units the timer and service depend on come from this machine.
  cp -an /lib/systemd/system/. "$root/lib/systemd/system/" 2>/dev/null || true
  MANPATH=$root/usr/share/man systemd-analyze verify --root="$root" sysops-fast-push.timer sysops-fast-push.service >"$work/verify.log" 2>&1 ||
    { cat "$work/verify.log" >&2; fail "systemd-analyze verify"; }
  [ ! -s "$work/verify.log" ] || { cat "$work/verify.log" >&2; fail "systemd-analyze verify has warnings"; }
  ok "systemd-analyze verify: sysops-fast-push.service and .timer"
else
  echo "$NAME: skipped: systemd-analyze verify (no systemd-analyze on this machine)"
fi

# 6. Remove keeps the conffile, purge removes it and the agent's state.
if [ "$(id -u)" -eq 0 ]; then
  mkdir -p "$root/var/lib/sysops-fast/outgoing" && touch "$root/var/lib/sysops-fast/pushed.json"
  dpkg --root="$root" --log=/dev/null --force-depends --force-script-chrootless --no-triggers -r sysops-fast >>"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg --root -r"; }
  [ ! -e "$cli" ] || fail "remove left /usr/bin/sysops-fast"
  [ -f "$root/etc/sysops-fast/agent.toml" ] || fail "remove did not keep the conffile agent.toml"
  dpkg --root="$root" --log=/dev/null --force-depends --force-script-chrootless --no-triggers -P sysops-fast >>"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg --root -P"; }
  [ ! -e "$root/etc/sysops-fast/agent.toml" ] || fail "purge left agent.toml"
  [ ! -e "$root/var/lib/sysops-fast" ] || fail "purge left /var/lib/sysops-fast"
  [ ! -e "$root/usr/lib/sysops-fast" ] || fail "purge left /usr/lib/sysops-fast"
  ok "remove keeps agent.toml; purge removes it, /var/lib/sysops-fast and every file"
fi
echo "$NAME: ok: $(basename "$deb")"
