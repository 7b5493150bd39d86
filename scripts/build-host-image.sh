#!/usr/bin/env bash
# Build a local systemd "host" image for Molecule scenarios and the lab.
# No registry is needed: the root filesystem is made with debootstrap and imported.
# Usage: scripts/build-host-image.sh [bookworm|trixie] [--force]
set -euo pipefail
suite="${1:-bookworm}"
force="${2:-}"
image="seed-kubeadm-host:${suite}"
mirror="${SEED_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

# The image carries the recipe it was built with: an image of an older recipe is built again.
recipe="$(sha256sum "$0" | cut -c1-16)"
if [[ "$force" != "--force" ]] && [[ "$(docker image inspect -f '{{ index .Config.Labels "seed.recipe" }}' "$image" 2>/dev/null)" == "$recipe" ]]; then
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
# Throwaway test hosts: dpkg skips its fsync per unpacked file (a third of an install's time when
# several scenarios share the disk); a host that crashes mid-install is destroyed, never repaired.
echo force-unsafe-io >"$rootfs/etc/dpkg/dpkg.cfg.d/seed-test-host-unsafe-io"
tar -C "$rootfs" -c . | docker import -c 'CMD ["/sbin/init"]' -c 'ENV container=docker' \
  -c "LABEL seed.recipe=$recipe" - "$image" >/dev/null
echo "image $image built"
