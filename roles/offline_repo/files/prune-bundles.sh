#!/usr/bin/env bash
# Keep the served bundle and the one served before it; remove every other unpacked bundle, its
# index, archives of other names and what an interrupted unpack left behind.
# Usage: prune-bundles.sh ROOT CURRENT_ID ARCHIVE_NAME [PREVIOUS_ID]
# Remembers PREVIOUS_ID in ROOT/bundles/.previous (a re-run with the same bundle keeps it).
# Prints "removed PATH" for each removal.
set -euo pipefail
root=$1 current=$2 archive=$3 previous=${4:-}
[[ $current =~ ^[0-9a-f]{16}$ ]] || { echo "bad bundle id '$current'" >&2; exit 1; }
[[ -z $previous || $previous =~ ^[0-9a-f]{16}$ ]] || previous=""
[[ $previous == "$current" ]] && previous=""
if [[ -n $previous ]]; then
  [[ "$(cat "$root/bundles/.previous" 2>/dev/null)" == "$previous" ]] || printf '%s\n' "$previous" > "$root/bundles/.previous"
fi
shopt -s nullglob dotglob
for path in "$root"/bundles/* "$root"/index/* "$root"/pool/*; do
  name=$(basename "$path")
  case $name in
    "$current"|.previous) continue ;;
    "$previous") [[ -n $previous ]] && continue ;;
  esac
  rm -rf -- "$path"
  echo "removed $path"
done
for path in "$root"/incoming/*; do
  [[ "$(basename "$path")" == "$archive" ]] && continue
  rm -f -- "$path"
  echo "removed $path"
done
