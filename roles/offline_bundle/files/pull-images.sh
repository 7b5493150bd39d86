#!/usr/bin/env bash
# Save images from their source registry as docker-archive files, skipping archives already saved.
# Usage: pull-images.sh OUT RETRIES ARCHIVE=SOURCE=IMAGE=TLS_VERIFY...
#   ARCHIVE  file name under OUT
#   SOURCE   where to pull from (upstream name, or the mirror's name for it)
#   IMAGE    the upstream name stored in the archive (what the init node serves it as)
#   TLS_VERIFY  true, or false for a plain-HTTP or self-signed source
# Prints "saved IMAGE" per new archive; a failed pull names the image and the source.
set -euo pipefail
out=$1 retries=$2
shift 2
mkdir -p "$out"
for entry in "$@"; do
  IFS='=' read -r archive source image tls <<<"$entry"
  [[ -s "$out/$archive" ]] && continue
  if ! skopeo copy --quiet --retry-times "$retries" --src-tls-verify="$tls" \
       "docker://$source" "docker-archive:$out/$archive.part:$image" 2>"$out/.error"; then
    rm -f "$out/$archive.part"
    echo "pulling $image from $source failed: $(cat "$out/.error")" >&2
    exit 1
  fi
  mv -f "$out/$archive.part" "$out/$archive"
  echo "saved $image"
done
rm -f "$out/.error"
