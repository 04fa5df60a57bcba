#!/usr/bin/env bash
# The whole test suite: unit tests and integration tests against a real redis-server (started by the
# test fixtures on loopback ports of their own) and the embedded Garnet server.
set -euo pipefail
cd "$(dirname "$0")"

# Integration tests need Debian's redis-server binary; install it when it is missing.
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  echo "test.sh: installing Debian's redis-server package" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server redis-tools >/dev/null
fi

dotnet test SysopsFast.sln -c Release "$@"
