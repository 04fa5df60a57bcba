#!/usr/bin/env bash
# The query CLI as a .NET tool: `dotnet pack` into artifacts/ (sysops-fast.<version>.nupkg), then
# `dotnet tool install` from that folder alone (a generated nuget.config that lists nothing else;
# as root, inside a network namespace with no network at all, so it proves the install is offline)
# into a throwaway tool path, and the installed tool runs: --version, and the headline query over a
# generated fleet on a redis-server this script starts, checked against the generator's answer; and
# the package's metadata states its license (Apache-2.0).
#   packaging/test-tool.sh [OUT-DIR]     (default: artifacts)
# Exits 1 at the first failure, with one line saying which.
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=test-tool
. packaging/common.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
out=$(realpath -m "${1:-artifacts}")

version=$(dotnet msbuild src/SysopsFast.Cli -getProperty:Version)
mkdir -p "$out"
rm -f "$out/sysops-fast.$version.nupkg"
dotnet pack src/SysopsFast.Cli -c Release -o "$out" -v q -nologo >/dev/null || fail "dotnet pack src/SysopsFast.Cli"
nupkg=$out/sysops-fast.$version.nupkg
[ -f "$nupkg" ] || fail "dotnet pack made no $nupkg"
unzip -p "$nupkg" sysops-fast.nuspec | grep -q '<license type="expression">Apache-2.0</license>' || fail "the package's metadata states no Apache-2.0 license"

work=$(mktemp -d)
REDIS_PID=""
trap '[ -z "$REDIS_PID" ] || kill "$REDIS_PID" 2>/dev/null || true; rm -rf "$work"' EXIT
cat >"$work/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="artifacts" value="$out" />
  </packageSources>
</configuration>
EOF
install=(dotnet tool install --tool-path "$work/tools" --configfile "$work/nuget.config" --version "$version" sysops-fast)
if [ "$(id -u)" -eq 0 ] && unshare --net true 2>/dev/null; then
  where="offline (a network namespace with no network)"
  unshare --net "${install[@]}" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "dotnet tool install with no network"; }
else
  where="from $out alone (not root: no network namespace to prove it offline)"
  "${install[@]}" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "dotnet tool install"; }
fi
tool=$work/tools/sysops-fast
[ -x "$tool" ] || fail "the install made no $tool"
settings=$(find "$work/tools/.store" -name DotnetToolSettings.xml | head -1)
grep -q 'Runner="dotnet"' "$settings" || fail "the tool is not the framework-dependent one (Runner=\"dotnet\" in DotnetToolSettings.xml)"
echo "$NAME: ok: $(basename "$nupkg") ($(du -h "$nupkg" | cut -f1)) installed $where"

said=$("$tool" --version) || fail "sysops-fast --version exits $?"
[[ $said == "$version" || $said == "$version+"* ]] || fail "the tool's --version says '$said', not $version"
start_redis
server=127.0.0.1:$REDIS_PORT
"$tool" fleet generate --hosts 50 --seed 11 --server "$server" --expected "$work/expected" >/dev/null 2>&1 || fail "the tool's fleet generate into $server"
"$tool" grep sysctl-a net.core.netdev_budget --uniq --server "$server" >"$work/answer" || fail "the tool's headline query against $server"
cmp -s "$work/answer" "$work/expected" || fail "the tool's answer is not the generator's: $(diff "$work/expected" "$work/answer" | head -3 | tr '\n' ' ')"
echo "$NAME: ok: the installed tool says $said and answers the headline query over 50 generated hosts exactly"
