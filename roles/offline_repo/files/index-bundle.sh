#!/usr/bin/env bash
# Index an unpacked, verified bundle as one flat apt repository per distribution release.
# Usage: index-bundle.sh ROOT BUNDLE_ID
#   ROOT/bundles/ID/debian/RELEASE/*.deb   the bundle's packages (unpacked by seed.kubeadm.offline_bundle)
#   ROOT/pool/ID                           written here: a link to ROOT/bundles/ID/debian (only the
#                                          packages of a bundle are reachable over HTTP)
#   ROOT/index/ID/RELEASE/                 written here: Packages, Packages.gz, Release, and the link
#                                          pool -> ROOT/pool, so the package paths in Packages
#                                          (pool/ID/RELEASE/x.deb) name the bundle they are in and
#                                          still resolve through the index of a newer bundle
# An index is written once per bundle (its files never change afterwards: the bundle is immutable);
# the signatures are added by sign-repository.sh, the served link is switched by the role.
# Prints "indexed ID RELEASE" for each index it wrote.
set -euo pipefail
root=$1 id=$2
bundle=$root/bundles/$id
[[ -d "$bundle" ]] || { echo "no unpacked bundle $bundle" >&2; exit 1; }
shopt -s nullglob
mkdir -p "$root/pool"
[[ "$(readlink "$root/pool/$id" 2>/dev/null)" == "../bundles/$id/debian" ]] || ln -sfn "../bundles/$id/debian" "$root/pool/$id"
for dir in "$bundle"/debian/*/; do
  release=$(basename "$dir")
  [[ $release =~ ^[a-z][a-z0-9.-]*$ ]] || { echo "bundle $id: debian/$release is not a release name" >&2; exit 1; }
  index=$root/index/$id/$release
  [[ -f "$index/Release" ]] && continue
  rm -rf "$index.new" && mkdir -p "$index.new"
  ln -s ../../../pool "$index.new/pool"
  (
    cd "$index.new"
    apt-ftparchive packages "pool/$id/$release" > Packages
    gzip -9nk Packages
    apt-ftparchive -o APT::FTPArchive::Release::Origin=seed.kubeadm \
      -o APT::FTPArchive::Release::Label="seed.kubeadm offline bundle $id" \
      -o APT::FTPArchive::Release::Suite="$release" release . > Release.tmp
    mv Release.tmp Release
  )
  rm -rf "$index" && mv "$index.new" "$index"
  echo "indexed $id $release"
done
