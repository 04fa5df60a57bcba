#!/usr/bin/env bash
# The library as a package user gets it: `dotnet pack src/SysopsFast` into a throwaway folder feed,
# then, restored from that feed and the global packages folder alone (as root: inside a network
# namespace with no network, so the restore is offline), two programs that reference the package by
# version, run against a redis-server this script starts:
# - the embedding example of the package README (src/SysopsFast/PACKAGE.md) and of README.md, each
#   compiled as written but for the server address, over a generated fleet: the generator's answer;
# - samples/DriftWatcher for 2 rounds over a 3-host fleet whose values change between the rounds
#   (two databases swapped after round 1): round 1 lists the drifting keys, round 2 what changed.
#   samples/run-sample.sh
# Exits 1 at the first failure, with one line saying which.
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=run-sample
. packaging/common.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
repo=$PWD

version=$(dotnet msbuild src/SysopsFast -getProperty:Version)
grep -q "Include=\"SysopsFast\" Version=\"$version\"" samples/DriftWatcher/DriftWatcher.csproj ||
  fail "samples/DriftWatcher/DriftWatcher.csproj does not reference SysopsFast $version, the library's version (Directory.Build.props)"
global=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
[ -d "$global" ] || fail "no global packages folder ($global): build the repository once first"

work=$(mktemp -d)
REDIS_PID="" WATCHER_PID=""
trap '[ -z "$WATCHER_PID" ] || kill "$WATCHER_PID" 2>/dev/null || true; [ -z "$REDIS_PID" ] || kill "$REDIS_PID" 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet pack src/SysopsFast -c Release -o "$work/feed" -v q -nologo >"$work/pack.log" 2>&1 || { cat "$work/pack.log" >&2; fail "dotnet pack src/SysopsFast"; }
nupkg=$work/feed/SysopsFast.$version.nupkg
[ -f "$nupkg" ] || fail "dotnet pack made no $(basename "$nupkg")"
nuspec=$(unzip -p "$nupkg" SysopsFast.nuspec) files=$(unzip -Z1 "$nupkg")
[[ $nuspec == *'<readme>PACKAGE.md</readme>'* && $files == *PACKAGE.md* ]] || fail "the package carries no README"
[[ $files == *lib/net10.0/SysopsFast.xml* ]] || fail "the package holds no XML documentation"

# SysopsFast from the new feed only; every other package from the global packages folder, read as a
# folder feed. Restored into a packages folder of its own: the machine's would keep an older pack
# of the same version. The sample's own nuget.config (for users) names ../../artifacts instead.
cat >"$work/nuget.config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config><add key="globalPackagesFolder" value="$work/packages" /></config>
  <packageSources>
    <clear />
    <add key="feed" value="$work/feed" />
    <add key="global-packages" value="$global" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="feed"><package pattern="SysopsFast" /></packageSource>
    <packageSource key="global-packages"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
EOF
mkdir -p "$work/samples"
cp -r samples/DriftWatcher samples/Directory.Build.props samples/Directory.Packages.props "$work/samples/"
rm -rf "$work/samples/DriftWatcher/bin" "$work/samples/DriftWatcher/obj"
cp "$work/nuget.config" "$work/samples/DriftWatcher/nuget.config"

# The fleets, written by the CLI of this tree.
dotnet build src/SysopsFast.Cli -c Release -v q -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; fail "dotnet build src/SysopsFast.Cli"; }
cli() { dotnet "$repo/src/SysopsFast.Cli/bin/Release/net10.0/sysops-fast.dll" "$@"; }
start_redis
server=127.0.0.1:$REDIS_PORT
# The headline's fleet for the README examples (database 0), and two states of a 3-host fleet for
# drift-watcher (databases 1 and 2, swapped after its first round).
cli fleet generate --hosts 50 --seed 11 --server "$server" --expected "$work/expected" >/dev/null 2>&1 || fail "fleet generate into $server"
# fleet STATE HOST KEY=VALUE...: a host's sysctl-a in that state of the fleet.
fleet() {
  local dir=$work/fleet-$1 host=$2
  mkdir -p "$dir/$host/#cmd"
  printf '%s\n' "${@:3}" >"$dir/$host/#cmd/sysctl-a"
}
fleet a web1 "net.core.somaxconn = 128" "net.core.rmem_max = 212992" "net.ipv4.tcp_syncookies = 1" "vm.swappiness = 60"
fleet a web2 "net.core.somaxconn = 128" "net.core.rmem_max = 212992" "net.ipv4.tcp_syncookies = 1" "vm.swappiness = 60"
fleet a web3 "net.core.somaxconn = 4096" "net.core.rmem_max = 16777216" "net.ipv4.tcp_syncookies = 1" "vm.swappiness = 10"
fleet b web1 "net.core.somaxconn = 128" "net.core.rmem_max = 212992" "net.ipv4.tcp_syncookies = 1" "vm.swappiness = 60"
fleet b web2 "net.core.somaxconn = 4096" "net.core.rmem_max = 212992" "net.ipv4.tcp_syncookies = 1" "vm.swappiness = 10"
fleet b web3 "net.core.somaxconn = 4096" "net.core.rmem_max = 212992" "net.ipv4.tcp_syncookies = 0" "vm.swappiness = 10"
# lz4: no compression dictionaries, which a query keeps by id across rounds and databases.
cli import "$work/fleet-a" --server "redis://$server/1" --codec lz4 >/dev/null 2>&1 || fail "import of the first fleet"
cli import "$work/fleet-b" --server "redis://$server/2" --codec lz4 >/dev/null 2>&1 || fail "import of the second fleet"

# snippet NAME FILE: FILE's first csharp block as a program of its own, asking our server.
snippet() {
  local dir=$work/samples/$1
  mkdir -p "$dir"
  awk '/^```csharp$/ {on=1; next} on && /^```$/ {exit} on' "$2" | sed "s/\"127\\.0\\.0\\.1:6379\"/\"$server\"/" >"$dir/Program.cs"
  grep -q "\"$server\"" "$dir/Program.cs" || fail "$2's first csharp block does not connect to \"127.0.0.1:6379\""
  cp "$work/nuget.config" "$dir/"
  cat >"$dir/$1.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageReference Include="SysopsFast" Version="$version" /></ItemGroup>
</Project>
EOF
}
snippet PackageReadme src/SysopsFast/PACKAGE.md
snippet Readme README.md
projects=(DriftWatcher PackageReadme)
cmp -s "$work/samples/PackageReadme/Program.cs" "$work/samples/Readme/Program.cs" || projects+=(Readme)

offline=""
where="from the feed and the global packages folder alone (not root: no network namespace to prove it offline)"
if [ "$(id -u)" -eq 0 ] && unshare --net true 2>/dev/null; then
  offline="unshare --net"
  where="offline (a network namespace with no network)"
fi
for p in "${projects[@]}"; do
  $offline dotnet restore "$work/samples/$p" -v q >"$work/restore.log" 2>&1 || { cat "$work/restore.log" >&2; fail "restoring samples/$p $where"; }
  dotnet build "$work/samples/$p" -c Release --no-restore -v q -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; fail "building samples/$p against the package"; }
done
echo "$NAME: ok: $(basename "$nupkg") packed; ${projects[*]} restored $where and built"

# run PROJECT ASSEMBLY ARGS...: a built sample, stopped after 2 minutes should it hang.
run() { timeout 120 dotnet "$work/samples/$1/bin/Release/net10.0/$2.dll" "${@:3}"; }
for p in "${projects[@]:1}"; do
  run "$p" "$p" >"$work/answer" 2>"$work/said" || fail "the $p example exits $?: $(head -3 "$work/said")"
  cmp -s "$work/answer" "$work/expected" || fail "the $p example's answer is not the generator's: $(diff "$work/expected" "$work/answer" | head -3 | tr '\n' ' ')"
  grep -qx '50 records, 0 corrupt' "$work/said" || fail "the $p example says '$(head -1 "$work/said")', not '50 records, 0 corrupt'"
done
echo "$NAME: ok: the README examples (${projects[*]:1}) compiled against the package answer the headline query exactly"

said=$(run DriftWatcher drift-watcher --server "$server" --object sysctl-a --interval 0 2>&1) && fail "drift-watcher took --interval 0"
[[ $said == "drift-watcher: --interval takes a whole number above 0, not '0'"$'\n'usage:* ]] || fail "drift-watcher's answer to --interval 0: $said"
# Started without the function, so that $! is timeout's own PID (a function would run in a subshell).
timeout 120 dotnet "$work/samples/DriftWatcher/bin/Release/net10.0/drift-watcher.dll" --server "redis://$server/1" --object sysctl-a --key-glob 'net.*' --interval 3 --rounds 2 >"$work/watch" 2>&1 &
WATCHER_PID=$!
for _ in $(seq 600); do
  grep -q '^round 1 ' "$work/watch" && break
  kill -0 "$WATCHER_PID" 2>/dev/null || break
  sleep 0.1
done
grep -q '^round 1 ' "$work/watch" || fail "drift-watcher printed no first round: $(head -3 "$work/watch")"
redis-cli -p "$REDIS_PORT" swapdb 1 2 >/dev/null || fail "SWAPDB on $server"
wait "$WATCHER_PID" || fail "drift-watcher exits $?: $(tail -3 "$work/watch")"
WATCHER_PID=""
sed -E 's/ at [0-9:]{8} / /' "$work/watch" >"$work/watched"
cat >"$work/want" <<'EOF'
round 1 (3 records read): 2 drifting
  drifts  net.core.rmem_max: 212992 on 2 (web1, web2); 16777216 on 1 (web3)
  drifts  net.core.somaxconn: 128 on 2 (web1, web2); 4096 on 1 (web3)
round 2 (3 records read): 3 changed, 2 drifting
  changed net.core.somaxconn: 4096 on 2 (web2, web3); 128 on 1 (web1)  (was 128 on 2 (web1, web2); 4096 on 1 (web3))
  new     net.ipv4.tcp_syncookies: 1 on 2 (web1, web2); 0 on 1 (web3)
  settled net.core.rmem_max
EOF
diff "$work/want" "$work/watched" >"$work/diff" || fail "drift-watcher's rounds are not the expected ones: $(head -6 "$work/diff" | tr '\n' ' ')"
echo "$NAME: ok: drift-watcher, built on the package, reported round 1's drift and round 2's changes exactly"
