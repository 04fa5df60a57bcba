#!/usr/bin/env bash
# Builds sysops-fast_<version>_amd64.deb with dpkg-deb alone (no debhelper, no source package):
#   /usr/bin/sysops-fast              the CLI, Native AOT (links with clang; zlib1g-dev for the link)
#   /usr/lib/sysops-fast/             sysops-fast-server (Garnet), self-contained: Debian 12 has no
#                                     .NET runtime package; /usr/bin/sysops-fast-server links to it,
#                                     next to the CLI, where `server` and `demo` look for it
#   /lib/systemd/system/              sysops-fast-push.service and .timer (the push agent)
#   /usr/lib/sysusers.d/              the agent's system user
#   /etc/sysops-fast/agent.toml       the agent's example configuration (a conffile)
#   /usr/share/man, bash/zsh completions, /usr/share/doc: generated from the built binary
#
#   packaging/build-deb.sh [--version X.Y.Z[-R]] [--out DIR]    (default: the project's version, artifacts/)
#
# The AOT publish is MSBuild's: when bench/macro (aot-smoke.sh) already published the CLI with the
# same version, nothing is compiled again. SOURCE_DATE_EPOCH (default: the last commit's time) dates
# every file, the man page and the changelog, rather than the time of the build.
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=build-deb
. packaging/common.sh

version="" out=artifacts
while [ "$#" -gt 0 ]; do
  case "$1" in
    --version) version=${2:?--version needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "$NAME: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# A version both Debian and .NET read the same way: X.Y.Z, optionally -R (the package's revision;
# .NET takes it as a pre-release label). It is also what `sysops-fast --version` prints.
props=()
if [ -n "$version" ]; then
  [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]] || { echo "$NAME: --version '$version' is not X.Y.Z or X.Y.Z-R" >&2; exit 2; }
  props=("-p:Version=$version")
else
  version=$(dotnet msbuild src/SysopsFast.Cli -getProperty:Version)
fi

missing=()
compgen -c | grep -E '^clang(-[0-9]+)?$' >/dev/null || missing+=(clang) # not -q: an early exit would fail the pipe (SIGPIPE)
[ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
command -v objdump >/dev/null || missing+=(binutils)
apt_install "${missing[@]}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/root

echo "$NAME: publishing the CLI (Native AOT) and sysops-fast-server (self-contained), version $version" >&2
dotnet publish src/SysopsFast.Cli -c Release -r linux-x64 -v q -nologo -o "$work/cli" "${props[@]}" >"$work/publish.log" 2>&1 ||
  { cat "$work/publish.log" >&2; fail "dotnet publish of the CLI"; }
dotnet publish src/SysopsFast.Server -c Release -r linux-x64 --self-contained -v q -nologo -o "$work/server" "${props[@]}" >"$work/publish.log" 2>&1 ||
  { cat "$work/publish.log" >&2; fail "dotnet publish of sysops-fast-server"; }
said=$("$work/cli/sysops-fast" --version)
[[ $said == "$version" || $said == "$version+"* ]] || fail "the published CLI says '$said', not $version" # +commit, from a git tree

# Files. Everything root-owned (dpkg-deb --root-owner-group), 0644 or 0755.
install -D -m 755 "$work/cli/sysops-fast" "$stage/usr/bin/sysops-fast"
mkdir -p "$stage/usr/lib/sysops-fast"
cp -a "$work/server/." "$stage/usr/lib/sysops-fast/"
rm -f "$stage"/usr/lib/sysops-fast/*.pdb
# Garnet's native storage devices (libaio, io_uring) are built against glibc 2.38, which Debian 12
# (2.36) does not have, so they could never load; the embedded server keeps its data in memory.
rm -f "$stage"/usr/lib/sysops-fast/libnative_device*.so
# Garnet's other native libraries come with their symbols; the runtime's are stripped already.
strip --strip-unneeded --remove-section=.comment "$stage"/usr/lib/sysops-fast/*.so
find "$stage/usr/lib/sysops-fast" -type f -exec chmod 644 {} +
chmod 755 "$stage/usr/lib/sysops-fast/sysops-fast-server"
[ -e "$stage/usr/lib/sysops-fast/createdump" ] && chmod 755 "$stage/usr/lib/sysops-fast/createdump"
# A symlink, not a copy: the apphost finds its runtime and assemblies from its real path.
ln -s ../lib/sysops-fast/sysops-fast-server "$stage/usr/bin/sysops-fast-server"

install -D -m 644 packaging/deb/sysops-fast-push.service "$stage/lib/systemd/system/sysops-fast-push.service"
install -D -m 644 packaging/deb/sysops-fast-push.timer "$stage/lib/systemd/system/sysops-fast-push.timer"
install -D -m 644 packaging/deb/sysusers.conf "$stage/usr/lib/sysusers.d/sysops-fast.conf"
install -D -m 644 packaging/deb/agent.toml "$stage/etc/sysops-fast/agent.toml"

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
mkdir -p "$stage/usr/share/man/man1" "$stage/usr/share/bash-completion/completions" "$stage/usr/share/zsh/vendor-completions" "$stage/usr/share/doc/sysops-fast"
packaging/make-man.sh "$stage/usr/bin/sysops-fast" | gzip -9n >"$stage/usr/share/man/man1/sysops-fast.1.gz"
# The man page says what `sysops-fast-server --help` says (src/SysopsFast.Server/Program.cs), in troff.
gzip -9n >"$stage/usr/share/man/man1/sysops-fast-server.1.gz" <<'EOF'
.TH SYSOPS-FAST-SERVER 1 "" "sysops-fast" "User Commands"
.SH NAME
sysops-fast-server \- the embedded Redis-compatible server (Garnet) of sysops-fast
.SH SYNOPSIS
.B sysops-fast-server
.RB [ \-\-port
.IR P ]
.RB [ \-\-memory
.IR SIZE ]
.br
.B sysops-fast-server \-\-help
.SH DESCRIPTION
Serves RESP on 127.0.0.1:\fIP\fR (default 6379) in the foreground, keeping everything in memory
(\fISIZE\fR, default 4g, must hold the whole fleet), until SIGINT or SIGTERM. It prints one line
once it listens. Any other word is refused (exit 2): nothing is started on a default port by mistake.
.B "sysops-fast server"
and
.B "sysops-fast demo"
start it; it is not needed with real Redis servers.
.SH SEE ALSO
.BR sysops-fast (1)
EOF
"$stage/usr/bin/sysops-fast" completion bash >"$stage/usr/share/bash-completion/completions/sysops-fast"
"$stage/usr/bin/sysops-fast" completion zsh >"$stage/usr/share/zsh/vendor-completions/_sysops-fast"
for f in README.md docs/*.md; do
  gzip -9n <"$f" >"$stage/usr/share/doc/sysops-fast/$(basename "$f").gz"
done

maintainer="${DEBFULLNAME:-SysopsFast maintainers} <${DEBEMAIL:-sysops-fast@localhost}>" # set both for a release
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
{
  printf 'sysops-fast (%s) unstable; urgency=medium\n\n' "$version"
  printf '  * Built from commit %s with packaging/build-deb.sh.\n\n' "$commit"
  printf ' -- %s  %s\n' "$maintainer" "$(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$stage/usr/share/doc/sysops-fast/$(case "$version" in *-*) echo changelog.Debian.gz ;; *) echo changelog.gz ;; esac)" # a version without a revision is a native package's

# copyright (Debian's machine-readable format, packaging/deb/copyright): ours, Apache-2.0, then every
# NuGet package compiled in or shipped (from the publishes' deps.json), with the license its package
# metadata states.
packages=$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p')
runtime=$(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$work/server/sysops-fast-server.runtimeconfig.json" | head -1)
{
  echo "  .NET runtime $runtime (Native AOT in sysops-fast, self-contained in sysops-fast-server): MIT"
  grep -ho '"path": "[^"]*"' src/SysopsFast.Cli/bin/Release/net10.0/linux-x64/sysops-fast.deps.json "$work/server/sysops-fast-server.deps.json" |
    sed 's/"path": "//; s/"$//' | sort -u | while read -r p; do
      nuspec=$(ls "$packages/$p"/*.nuspec 2>/dev/null | head -1)
      [ -n "$nuspec" ] || fail "no .nuspec for the package $p in $packages"
      id=$(sed -n 's:.*<id>\(.*\)</id>.*:\1:p' "$nuspec" | head -1)
      license=$(sed -n 's:.*<license type="expression">\(.*\)</license>.*:\1:p' "$nuspec" | head -1)
      printf '  %s %s: %s\n' "$id" "${p#*/}" "${license:-not stated as an SPDX expression in its NuGet metadata}"
    done
} >"$work/bundled"
year=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y)
# Every bundled line is a continuation line of the header's Comment (one leading space).
sed -e "s/@YEAR@/$year/" -e "/^@BUNDLED@\$/{r $work/bundled" -e 'd}' packaging/deb/copyright >"$stage/usr/share/doc/sysops-fast/copyright"
grep -q '^License: Apache-2.0$' "$stage/usr/share/doc/sysops-fast/copyright" || fail "the copyright file names no Apache-2.0 license"

# Depends: what the package's programs are linked against (every ELF file's NEEDED), libc6 at the
# newest glibc symbol version they use; plus libssl3, which .NET opens at run time (dlopen, so no
# NEEDED): the MD5 of every object push sends, and TLS. An unknown library stops the build here.
declare -A needs=()
glibc=2.0
while IFS= read -r -d '' f; do
  [ "$(od -An -tx1 -N4 "$f" | tr -d ' \n')" = 7f454c46 ] || continue
  # .NET's LTTng tracing provider: the runtime loads it only where liblttng-ust is installed.
  [ "$(basename "$f")" = libcoreclrtraceptprovider.so ] && continue
  for so in $(objdump -p "$f" | awk '$1 == "NEEDED" { print $2 }'); do
    [ -e "$(dirname "$f")/$so" ] && continue # shipped beside it
    case "$so" in
      libc.so.6 | libm.so.6 | libdl.so.2 | libpthread.so.0 | librt.so.1 | ld-linux-x86-64.so.2) needs[libc6]=1 ;;
      libgcc_s.so.1) needs[libgcc-s1]=1 ;;
      libstdc++.so.6) needs[libstdc++6]=1 ;;
      libz.so.1) needs[zlib1g]=1 ;;
      *) fail "$(basename "$f") needs $so: name the Debian package that holds it in packaging/build-deb.sh" ;;
    esac
  done
  v=$(objdump -T "$f" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
  [ -n "$v" ] && glibc=$(printf '%s\n%s\n' "$glibc" "$v" | sort -V | tail -1)
done < <(find "$stage" -type f -print0)
depends="libc6 (>= $glibc)"
for p in $(printf '%s\n' "${!needs[@]}" | grep -v '^libc6$' | sort); do depends+=", $p"; done
depends+=", libssl3"

mkdir -p "$stage/DEBIAN"
cat >"$stage/DEBIAN/control" <<EOF
Package: sysops-fast
Version: $version
Architecture: amd64
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Depends: $depends
Suggests: redis-server
Section: admin
Priority: optional
Description: ask a question about every machine of a fleet, answered in about a second
 Machines push snapshots of their files and command outputs (sysctl -a,
 /etc/passwd, package lists) into Redis, with the push agent this package
 runs every 10 minutes from a systemd timer. The sysops-fast command then
 answers a question about the whole fleet in about a second: which hosts
 have which value of a setting, who talks to an address, which copies of a
 file differ.
 .
 The package also holds sysops-fast-server, an embedded Redis-compatible
 server (Garnet) for trying it out: sysops-fast demo.
EOF
echo /etc/sysops-fast/agent.toml >"$stage/DEBIAN/conffiles"
install -m 755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$stage/DEBIAN/"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
chmod 644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"
find "$stage" -type d -exec chmod 755 {} +
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$out"
deb="$out/sysops-fast_${version}_amd64.deb"
dpkg-deb --root-owner-group --build "$stage" "$deb" >/dev/null
echo "$NAME: $deb ($(du -h "$deb" | cut -f1); Depends: $depends)"
