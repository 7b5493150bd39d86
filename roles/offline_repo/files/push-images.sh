#!/usr/bin/env bash
# Push image archives into the local registry, skipping images it already serves.
# Usage: push-images.sh ARCHIVE_DIR REGISTRY ARCHIVE=IMAGE...
#   IMAGE is a full reference with its registry host (registry.k8s.io/pause:3.10); it is stored
#   as REGISTRY/<registry host>/<path>:<tag>, the layout containerd's offline mirrors expect.
set -euo pipefail
dir=$1 registry=$2
shift 2
for pair in "$@"; do
  archive=${pair%%=*} image=${pair#*=}
  first=${image%%/*}
  if [[ "$image" != */* || ( "$first" != *.* && "$first" != *:* && "$first" != localhost ) ]]; then
    echo "image '$image' must name its registry (e.g. docker.io/library/busybox:1.36)" >&2
    exit 2
  fi
  dest="docker://$registry/$image"
  if skopeo inspect --raw --tls-verify=false "$dest" >/dev/null 2>&1; then
    continue
  fi
  skopeo copy --quiet --dest-tls-verify=false "docker-archive:$dir/$archive" "$dest"
  echo "pushed $image"
done
