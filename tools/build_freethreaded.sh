#!/usr/bin/env bash
# Build a free-threaded CPython 3.13 (PEP 703, `python3.13t`) for notebook 10 and the CI leg
# that runs the course on it. Debian machines only: the source comes from Debian's archive.
#
#   tools/build_freethreaded.sh [PREFIX]     (default: build/python3.13t)
#
# Reuses an existing build. Needs root for apt (build dependencies, a temporary deb-src list).
set -euo pipefail

prefix="${1:-${FREETHREADED_PREFIX:-$PWD/build/python3.13t}}"
python="$prefix/bin/python3.13t"
if [ -x "$python" ] && "$python" -c 'import sys, ssl; sys.exit(sys._is_gil_enabled())' 2>/dev/null; then
    echo "free-threaded Python already built: $python ($("$python" --version))"
    exit 0
fi
command -v apt-get >/dev/null || { echo "apt-get not found: this script needs Debian/Ubuntu" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run as root (apt-get is needed)" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
deps="build-essential dpkg-dev pkg-config libssl-dev zlib1g-dev libffi-dev libbz2-dev liblzma-dev \
libsqlite3-dev libreadline-dev uuid-dev xz-utils"
missing=$(for p in $deps; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)

sources=/etc/apt/sources.list.d/concurrency-lab-trixie-src.list
cleanup() { rm -f "$sources"; apt-get update -qq >/dev/null 2>&1 || true; rm -rf "${work:-}"; }
work=""
trap cleanup EXIT
echo "deb-src http://deb.debian.org/debian trixie main" > "$sources"
apt-get update -qq
# shellcheck disable=SC2086
[ -z "$missing" ] || apt-get install -y -qq --no-install-recommends $missing

work=$(mktemp -d)
cd "$work"
apt-get source --download-only python3.13 >/dev/null
tarball=$(ls python3.13_*.orig.tar.* | head -n 1)
tar xf "$tarball"
cd Python-3.13*/
log="$work/build.log"
echo "building CPython with --disable-gil into $prefix (a few minutes; log: $log)"
# Installed into a staging folder beside the prefix (DESTDIR keeps the prefix compiled in),
# then renamed into place in one step: .ci/run builds this in the background while notebook
# 10 may look for it, and it must find either no build or a whole one.
stage="$prefix.stage"
rm -rf "$stage"
if ! { ./configure --disable-gil --prefix="$prefix" --with-ensurepip=install \
       && make -j"$(nproc)" && make install DESTDIR="$stage"; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "build failed" >&2
    exit 1
fi
rm -rf "$prefix"
mkdir -p "$(dirname "$prefix")"
mv "$stage$prefix" "$prefix"
rm -rf "$stage"
"$python" -c 'import sys; assert not sys._is_gil_enabled(), "GIL is enabled"; print(sys.version)'
echo "built $python"
