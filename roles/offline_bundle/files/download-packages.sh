#!/usr/bin/env bash
# Download the .deb closure that a bare node of this host's release needs for the given packages.
# Usage: download-packages.sh WORK SOURCES OUT RETRIES SPEC...
#   WORK     scratch directory (package lists per source set, an empty dpkg status)
#   SOURCES  directory of apt source files (.list / .sources) to resolve against
#   OUT      directory the .deb files go to (files already there are not downloaded again)
#   SPEC     name, name=version or name=version-glob (as the roles install them)
# apt resolves against an EMPTY dpkg status: the closure is what a freshly installed node lacks,
# whatever this builder host has installed. Prints "downloaded N" (new files), apt's errors name the
# package and the source that failed.
set -euo pipefail
work=$1 sources=$2 out=$3 retries=$4
shift 4
lists=$work/lists/$(basename "$sources")
mkdir -p "$lists/partial" "$out/partial"
: > "$work/empty-status"
opts=(-q -y
  -o Dir::State::status="$work/empty-status"
  -o Dir::State::Lists="$lists"
  -o Dir::Etc::SourceList=/dev/null
  -o Dir::Etc::SourceParts="$sources"
  -o Dir::Etc::Preferences=/dev/null
  -o Dir::Etc::PreferencesParts=/dev/null
  -o Dir::Cache::archives="$out"
  -o Debug::NoLocking=1
  -o APT::Install-Recommends=false
  -o APT::Sandbox::User=root
  -o Acquire::Retries="$retries")
if ! apt-get "${opts[@]}" update >"$work/update.log" 2>&1 || grep -qE '^(E|W): (Failed|Some index)' "$work/update.log"; then
  echo "reading the package indexes failed (sources in $sources):" >&2
  grep -E '^(E|W):' "$work/update.log" >&2 || cat "$work/update.log" >&2
  exit 1
fi
before=$(find "$out" -maxdepth 1 -name '*.deb' | wc -l)
if ! apt-get "${opts[@]}" install --download-only "$@" >"$work/install.log" 2>&1; then
  echo "downloading failed for: $*" >&2
  grep -E '^(E|W):' "$work/install.log" >&2 || tail -20 "$work/install.log" >&2
  exit 1
fi
rm -rf "$out/partial" "$out/lock"
after=$(find "$out" -maxdepth 1 -name '*.deb' | wc -l)
echo "downloaded $((after - before))"
