#!/usr/bin/env bash
# List the images kubeadm of one version asks for, by running that kubeadm: unpacked from the
# bundle's own package (with the packages it depends on), never installed on this host.
# Usage: kubeadm-images.sh DEBS VERSION
#   DEBS     directory holding kubeadm_<VERSION>-*.deb and its dependencies
#   VERSION  X.Y.Z
# Prints one upstream image name per line (imageRepository registry.k8s.io, kubeadm's defaults).
set -euo pipefail
debs=$1 version=${2#v}
shopt -s nullglob
matches=("$debs"/kubeadm_"$version"-*.deb)
[[ ${#matches[@]} -ge 1 ]] || { echo "no kubeadm $version package among the downloaded packages in $debs" >&2; exit 1; }
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "${matches[-1]}" "$root"
# The packages kubeadm depends on (one level: a static binary needs none, a script its libraries).
for dep in $(dpkg-deb -f "${matches[-1]}" Depends | tr ',' '\n' | sed -E 's/^ *([^ (|]+).*/\1/'); do
  for deb in "$debs"/"$dep"_*.deb; do dpkg-deb -x "$deb" "$root"; done
done
PATH="$root/usr/bin:$root/usr/local/bin:$PATH" PYTHONPATH="$root/usr/lib/python3/dist-packages" \
  kubeadm config images list --kubernetes-version "v$version" --image-repository registry.k8s.io
