#!/usr/bin/env bash
# The whole test suite: unit tests and integration tests against a real redis-server (started by the
# test fixtures on loopback ports of their own) and the embedded Garnet server.
set -euo pipefail
cd "$(dirname "$0")"

# Integration tests need Debian's redis-server binary, zsh for the completion tests, GNU time
# for the peak memory of the hostile-input tests and strace; install what is missing.
packages=()
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  packages+=(redis-server redis-tools)
fi
command -v zsh >/dev/null 2>&1 || packages+=(zsh)
[ -x /usr/bin/time ] || packages+=(time)
# strace shows which files a TLS handshake reads (TlsTests: the system CA store is skipped).
command -v strace >/dev/null 2>&1 || packages+=(strace)
if [ "${#packages[@]}" -gt 0 ]; then
  echo "test.sh: installing Debian's ${packages[*]} package(s)" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${packages[@]}" >/dev/null
fi

dotnet test SysopsFast.sln -c Release "$@"
