#!/usr/bin/env bash
# List the images kubeadm of one version asks for, by running that kubeadm: unpacked from the
# downloaded package (with the downloaded packages it needs that this host lacks), never installed.
# Usage: kubeadm-images.sh DEBS VERSION [CONFIG]
#   DEBS     directory holding kubeadm_<VERSION>-*.deb and its dependencies
#   VERSION  X.Y.Z
#   CONFIG   the ClusterConfiguration kubeadm init gets (kubernetesVersion vVERSION, imageRepository
#            registry.k8s.io), so that custom etcd/CoreDNS images and disabled addons count
# Prints one upstream image name per line (imageRepository registry.k8s.io, kubeadm's defaults).
set -euo pipefail
debs=$1 version=${2#v} config=${3:-}
shopt -s nullglob
matches=("$debs"/kubeadm_"$version"-*.deb)
[[ ${#matches[@]} -ge 1 ]] || { echo "no kubeadm $version package among the downloaded packages in $debs" >&2; exit 1; }
# Unpacked next to DEBS (the builder's work directory), not in /tmp: /tmp is often noexec.
root=$(mktemp -d "$(dirname "$debs")/kubeadm.XXXXXX")
trap 'rm -rf "$root"' EXIT
# Unpack kubeadm, then every package it depends on (recursively) that is downloaded and not
# installed here. A static binary needs none; a program in a script language its libraries.
queue=("${matches[-1]}") done_names=" "
while [[ ${#queue[@]} -gt 0 ]]; do
  deb=${queue[0]} queue=("${queue[@]:1}")
  dpkg-deb -x "$deb" "$root"
  # one field at a time: asked for several, dpkg-deb prefixes each value with its field name
  for dep in $( { dpkg-deb -f "$deb" Depends; dpkg-deb -f "$deb" Pre-Depends; } | tr ',' '\n' \
                | sed -E 's/^ *([^ (|:]+).*/\1/' | sort -u); do
    [[ $done_names == *" $dep "* ]] && continue
    done_names+="$dep "
    dpkg-query -W -f '${Status}' "$dep" 2>/dev/null | grep -q 'install ok installed' && continue
    for found in "$debs"/"$dep"_*.deb; do queue+=("$found"); done
  done
done
if [[ -n $config ]]; then
  set -- --config "$config"  # kubeadm refuses --config mixed with --kubernetes-version
else
  set -- --kubernetes-version "v$version" --image-repository registry.k8s.io
fi
PYTHONPATH="$root/usr/lib/python3/dist-packages" "$root/usr/bin/kubeadm" config images list "$@"
