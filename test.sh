#!/usr/bin/env bash
# The whole test suite: unit tests and integration tests against a real redis-server (started by the
# test fixtures on loopback ports of their own) and the embedded Garnet server. CI runs it (.ci/run).
# It takes about 9-15 minutes on 2 cores (most of it the integration tests; the first run also
# restores and builds). Extra arguments go to `dotnet test`, e.g. --filter "FullyQualifiedName~Kv".
# Debian packages it needs and does not find are installed first: that needs root (or sudo) and the
# network, and it says so before it starts; a lock held by another apt is waited for.
set -euo pipefail
cd "$(dirname "$0")"
NAME=test.sh
. packaging/common.sh

# Integration tests need Debian's redis-server binary, zsh for the completion tests, GNU time
# for the peak memory of the hostile-input tests, strace and chromium; install what is missing.
packages=()
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  packages+=(redis-server redis-tools)
fi
command -v zsh >/dev/null 2>&1 || packages+=(zsh)
[ -x /usr/bin/time ] || packages+=(time)
# strace shows which files a TLS handshake reads (TlsTests: the system CA store is skipped).
command -v strace >/dev/null 2>&1 || packages+=(strace)
# The page's browser tests (PageTests) drive Debian's chromium; Playwright never downloads a browser.
[ -x /usr/bin/chromium ] || packages+=(chromium)
apt_install "${packages[@]}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

dotnet test SysopsFast.sln -c Release "$@"
