#!/usr/bin/env bash
# Build a local systemd "host" image for Molecule scenarios and the lab.
# No registry is needed: the root filesystem is made with debootstrap and imported.
# Usage: scripts/build-host-image.sh [bookworm|trixie] [--force]
set -euo pipefail
suite="${1:-bookworm}"
force="${2:-}"
image="seed-kubeadm-host:${suite}"
mirror="${SEED_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if [[ "$force" != "--force" ]] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "image $image present"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "debootstrap missing: apt-get install -y debootstrap" >&2; exit 1; }

rootfs="$(mktemp -d /var/tmp/seed-rootfs.XXXXXX)"
trap 'rm -rf "$rootfs"' EXIT
echo "building $image with debootstrap ($suite) ..."
debootstrap --variant=minbase \
  --include=systemd,systemd-sysv,python3,python3-apt,iproute2,sudo,dbus,procps,ca-certificates \
  "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || { tail -20 "$rootfs.log" >&2; exit 1; }
rm -f "$rootfs.log"
# Hosts are containers: no getty, no udev triggers, a clean machine-id generated at first boot.
rm -f "$rootfs/etc/machine-id" && : >"$rootfs/etc/machine-id"
for unit in getty.target systemd-udevd.service systemd-udev-trigger.service; do
  ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done
rm -rf "$rootfs"/var/cache/apt/archives/*.deb
tar -C "$rootfs" -c . | docker import -c 'CMD ["/sbin/init"]' -c 'ENV container=docker' - "$image" >/dev/null
echo "image $image built"
