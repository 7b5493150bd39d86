#!/usr/bin/env bash
# Build the test doubles (TEST ONLY) as Debian packages and container image archives, laid out as an
# offline bundle the offline_repo role serves:
#   OUTDIR/debian/seed-doubles-common_1.0_all.deb
#   OUTDIR/debian/{kubeadm,kubelet,kubectl}_<X.Y.Z>-1.1_<arch>.deb
#   OUTDIR/images/<name>_<tag>.tar      docker-archive of each image kubeadm lists for the version
#   OUTDIR/images.yml                   - {archive: <file>, image: <ref>} for every archive
#
# Usage: build.sh [--force] [--debs-only] VERSION OUTDIR
#        build.sh [--force] [--debs-only] --versions X.Y.Z,X.Y.Z,... OUTDIR
#   VERSION     X.Y.Z or vX.Y.Z
#   --versions  several versions into the same OUTDIR (one apt repository, one images.yml)
#   --debs-only only the packages (no docker needed)
#   --force     rebuild what exists (otherwise a package is rebuilt only when its inputs changed,
#               an image archive only when it is missing)
#
# Needs: bash, dpkg-deb, python3 (with PyYAML); for the images also docker, apt-get and ldd (Debian's
# etcd-server / etcd-client packages provide etcd and etcdctl, busybox-static the shell of the etcd
# tool wrappers; the C library they load is copied from this machine). Reproducible where possible:
# files, package members and image layers get mtime SOURCE_DATE_EPOCH and sorted, root-owned tar
# entries (docker import still stamps its own creation time into the image config).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1704067200}
export LC_ALL=C
umask 022

die() { echo "build.sh: error: $*" >&2; exit 1; }
note() { echo "build.sh: $*" >&2; }

force=0 debs_only=0 versions=""
positional=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --force) force=1 ;;
    --debs-only) debs_only=1 ;;
    --versions) [[ $# -ge 2 ]] || die "--versions needs a value"; versions=$2; shift ;;
    --versions=*) versions=${1#*=} ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) positional+=("$1") ;;
  esac
  shift
done
if [[ -n $versions ]]; then
  [[ ${#positional[@]} -eq 1 ]] || die "usage: build.sh [--force] [--debs-only] --versions X.Y.Z,... OUTDIR"
  IFS=, read -r -a version_list <<<"$versions"
  outdir=${positional[0]}
else
  [[ ${#positional[@]} -eq 2 ]] || die "usage: build.sh [--force] [--debs-only] VERSION OUTDIR"
  version_list=("${positional[0]}")
  outdir=${positional[1]}
fi
for i in "${!version_list[@]}"; do
  v=${version_list[$i]#v}
  [[ $v =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "version '${version_list[$i]}' is not X.Y.Z"
  version_list[$i]=$v
done

command -v dpkg-deb >/dev/null || die "dpkg-deb is required"
command -v python3 >/dev/null || die "python3 is required"
if [[ $debs_only -eq 0 ]]; then
  command -v docker >/dev/null || die "docker is required to build the images (use --debs-only for the packages alone)"
  docker info >/dev/null 2>&1 || die "docker is not usable here (daemon not running or no permission); use --debs-only for the packages alone"
fi

arch=$(dpkg --print-architecture)
mkdir -p "$outdir/debian" "$outdir/images" "$outdir/.stamps"
outdir=$(cd "$outdir" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Normalise a staging tree: fixed mtimes, no group/other write bits.
normalise() {
  find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# Digest of the build inputs of one artifact (files given), to rebuild only on a change.
inputs_digest() {
  { echo "$SOURCE_DATE_EPOCH"; for f in "$@"; do echo "== $f"; cat "$f"; done; } | sha256sum | cut -d' ' -f1
}

# up_to_date ARTIFACT DIGEST: the artifact exists and was built from these inputs.
up_to_date() {
  local artifact=$1 digest=$2 stamp
  stamp="$outdir/.stamps/$(basename "$artifact").sha256"
  [[ $force -eq 0 && -e $artifact && -e $stamp && $(cat "$stamp") == "$digest" ]]
}

stamp() { echo "$2" >"$outdir/.stamps/$(basename "$1").sha256"; }

# fill_control TEMPLATE VERSION UPSTREAM > control
fill_control() {
  sed -e "s/@VERSION@/$2/g" -e "s/@ARCH@/$arch/g" -e "s/@UPSTREAM@/$3/g" "$1"
}

# Copy a double into place with its baked version; exactly one VERSION line must exist.
bake() {
  local src=$1 dest=$2 version=$3 count
  count=$(grep -c '^VERSION = "v0.0.0"$' "$src" || true)
  [[ $count -eq 1 ]] || die "$src must contain the line VERSION = \"v0.0.0\" exactly once (found $count)"
  install -D -m 0755 /dev/null "$dest"
  sed "s/^VERSION = \"v0.0.0\"\$/VERSION = \"v$version\"/" "$src" >"$dest"
}

# build_deb STAGING OUTPUT
build_deb() {
  local staging=$1 output=$2
  normalise "$staging"
  dpkg-deb --root-owner-group -Zxz --build "$staging" "$output.tmp" >/dev/null
  mv "$output.tmp" "$output"
  note "built $(basename "$output")"
}

doc_file() {  # doc_file STAGING PACKAGE TEXT
  install -D -m 0644 /dev/null "$1/usr/share/doc/$2/README.Debian"
  printf '%s\n' "$3" >"$1/usr/share/doc/$2/README.Debian"
}

build_common() {
  local deb="$outdir/debian/seed-doubles-common_1.0_all.deb" digest staging f
  local inputs=("$HERE/packaging/control/seed-doubles-common.control" "$HERE/packaging/pods-helper")
  for f in "$HERE"/seed_doubles/*.py; do inputs+=("$f"); done
  digest=$(inputs_digest "${inputs[@]}")
  if up_to_date "$deb" "$digest"; then note "up to date: $(basename "$deb")"; return; fi
  staging="$work/seed-doubles-common"
  rm -rf "$staging"
  mkdir -p "$staging/DEBIAN" "$staging/usr/lib/python3/dist-packages/seed_doubles"
  for f in "$HERE"/seed_doubles/*.py; do
    install -m 0644 "$f" "$staging/usr/lib/python3/dist-packages/seed_doubles/"
  done
  install -D -m 0755 "$HERE/packaging/pods-helper" "$staging/usr/lib/seed-doubles/pods"
  doc_file "$staging" seed-doubles-common "Shared code of the seed.kubeadm test doubles. Test only."
  fill_control "$HERE/packaging/control/seed-doubles-common.control" 1.0 "" >"$staging/DEBIAN/control"
  build_deb "$staging" "$deb"
  stamp "$deb" "$digest"
}

build_tool_deb() {  # build_tool_deb NAME VERSION
  local name=$1 version=$2 src deb digest staging pkgver="$2-1.1"
  src="$HERE/$name.py"
  [[ -f $src ]] || die "$src is missing: the $name double must exist before its package can be built"
  deb="$outdir/debian/${name}_${pkgver}_${arch}.deb"
  local inputs=("$src" "$HERE/packaging/control/$name.control")
  case $name in
    kubeadm) inputs+=("$HERE/packaging/10-kubeadm.conf" "$HERE/packaging/control/kubeadm.postinst") ;;
    kubelet) inputs+=("$HERE/packaging/kubelet.service" "$HERE/packaging/kubelet.default"
                      "$HERE/packaging/control/kubelet.postinst" "$HERE/packaging/control/kubelet.prerm"
                      "$HERE/packaging/control/kubelet.postrm" "$HERE/packaging/control/kubelet.conffiles") ;;
  esac
  digest=$(inputs_digest "${inputs[@]}")
  if up_to_date "$deb" "$digest"; then note "up to date: $(basename "$deb")"; return; fi
  staging="$work/$name-$version"
  rm -rf "$staging"
  mkdir -p "$staging/DEBIAN"
  bake "$src" "$staging/usr/bin/$name" "$version"
  doc_file "$staging" "$name" "Test double of $name v$version for the seed.kubeadm collection's tests. Not a Kubernetes component."
  fill_control "$HERE/packaging/control/$name.control" "$pkgver" "v$version" >"$staging/DEBIAN/control"
  case $name in
    kubeadm)
      install -D -m 0644 "$HERE/packaging/10-kubeadm.conf" "$staging/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"
      install -m 0755 "$HERE/packaging/control/kubeadm.postinst" "$staging/DEBIAN/postinst"
      ;;
    kubelet)
      install -D -m 0644 "$HERE/packaging/kubelet.service" "$staging/usr/lib/systemd/system/kubelet.service"
      install -D -m 0644 "$HERE/packaging/kubelet.default" "$staging/etc/default/kubelet"
      install -D -m 0644 /dev/null "$staging/var/lib/kubelet/.kubelet-keep"
      install -D -m 0644 /dev/null "$staging/etc/kubernetes/manifests/.kubelet-keep"
      local script
      for script in postinst prerm postrm; do
        install -m 0755 "$HERE/packaging/control/kubelet.$script" "$staging/DEBIAN/$script"
      done
      install -m 0644 "$HERE/packaging/control/kubelet.conffiles" "$staging/DEBIAN/conffiles"
      ;;
  esac
  build_deb "$staging" "$deb"
  stamp "$deb" "$digest"
}

# Image list of a version: the kubeadm double's `config images list`, else upstream's constants.
image_list() {
  local version=$1 minor
  if [[ -f $HERE/kubeadm.py ]]; then
    local baked="$work/kubeadm-$version.py"
    bake "$HERE/kubeadm.py" "$baked" "$version"
    # The baked copy lives outside the source tree: give it the shared package on its path.
    PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}" SEED_DOUBLES_LOG=/dev/null \
      python3 "$baked" config images list --kubernetes-version "v$version" \
      || die "kubeadm double failed: config images list --kubernetes-version v$version"
    return
  fi
  note "WARNING: $HERE/kubeadm.py does not exist yet: image list of v$version from the fallback table"
  minor=$(cut -d. -f2 <<<"$version")
  local pause etcd coredns
  # Fallback (cmd/kubeadm/app/constants: PauseVersion, SupportedEtcdVersion, CoreDNSVersion):
  # the shared pin table when it exists, else a table of the latest patch releases.
  if [[ -f $HERE/seed_doubles/versions.py ]] && pins=$(PYTHONPATH="$HERE" python3 -c \
      'import sys; from seed_doubles import versions; print(*versions.pins(sys.argv[1]))' "v$version"); then
    read -r etcd coredns pause <<<"$pins"
  else case $minor in
    29|30) pause=3.9; etcd=3.5.12-0; coredns=v1.11.1 ;;
    31) pause=3.10; etcd=3.5.15-0; coredns=v1.11.3 ;;
    32) pause=3.10; etcd=3.5.16-0; coredns=v1.11.3 ;;
    33) pause=3.10; etcd=3.5.21-0; coredns=v1.12.0 ;;
    34) pause=3.10.1; etcd=3.6.4-0; coredns=v1.12.1 ;;
    *) pause=3.10.1; etcd=3.6.6-0; coredns=v1.13.1 ;;
  esac; fi
  local c
  for c in kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do
    echo "registry.k8s.io/$c:v$version"
  done
  echo "registry.k8s.io/coredns/coredns:$coredns"
  echo "registry.k8s.io/pause:$pause"
  echo "registry.k8s.io/etcd:$etcd"
}

etcd_bins=""
fetch_etcd() {
  [[ -n $etcd_bins ]] && return
  command -v ldd >/dev/null || die "ldd is required to build the etcd image (it finds the libraries etcd needs)"
  etcd_bins="$work/etcd-debs"
  mkdir -p "$etcd_bins/x"
  chmod 0755 "$work" "$etcd_bins"  # apt-get download runs as the _apt user
  local sandbox=()
  [[ $(id -u) -eq 0 ]] && sandbox=(-o APT::Sandbox::User=root)
  (cd "$etcd_bins" && apt-get "${sandbox[@]}" download etcd-server etcd-client busybox-static >/dev/null) \
    || die "apt-get download etcd-server etcd-client busybox-static failed (run apt-get update first?)"
  local deb
  for deb in "$etcd_bins"/*.deb; do dpkg-deb -x "$deb" "$etcd_bins/x"; done
  [[ -x $etcd_bins/x/usr/bin/etcd && -x $etcd_bins/x/usr/bin/etcdctl ]] \
    || die "etcd / etcdctl not found in Debian's etcd-server / etcd-client packages"
  [[ -x $etcd_bins/x/bin/busybox ]] || die "busybox not found in Debian's busybox-static package"
}

# copy_libs ROOTFS BINARY...: the ELF interpreter and the shared libraries the binaries load (as ldd
# resolves them here), copied to the same paths inside ROOTFS, so the binaries run chrooted there.
copy_libs() {
  local rootfs=$1 bin out lib
  shift
  local libs=()
  for bin in "$@"; do
    out=$(ldd "$bin" 2>&1) || {
      [[ $out == *"not a dynamic executable"* || $out == *"statically linked"* ]] && continue
      die "ldd $bin failed: $out"
    }
    [[ $out != *"not found"* ]] || die "a library of $bin is missing here: $out"
    mapfile -t -O "${#libs[@]}" libs < <(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<<"$out")
  done
  [[ ${#libs[@]} -gt 0 ]] || return 0
  while read -r lib; do
    install -D -m 0755 "$(readlink -f "$lib")" "$rootfs$lib"
  done < <(printf '%s\n' "${libs[@]}" | sort -u)
}

# etcd_series TAG: the etcd minor whose tools an etcd image offers (3.5 or 3.6).
etcd_series() {
  local minor
  minor=$(cut -d. -f1,2 <<<"$1")
  case $minor in
    3.[0-5]) echo 3.5 ;;
    *) echo 3.6 ;;
  esac
}

# etcd_official TAG: true when the tag is a copy of etcd's own release image (3.5.23-0 and later
# 3.5 tags, 3.6.5-0 and later) rather than one Kubernetes built (distroless + bash-static, no
# etcdutl). Simplified: 3.6.1-0 to 3.6.4-0, built by Kubernetes, are made like the later 3.6 tags.
etcd_official() {
  local version=${1%%-*} minor patch
  minor=$(cut -d. -f1,2 <<<"$version")
  patch=$(cut -d. -f3 <<<"$version")
  case $minor in
    3.[0-4]) return 1 ;;
    3.5) [[ $patch -ge 23 ]] ;;
    *) return 0 ;;
  esac
}

# Archive file name of an image reference: <last path element>_<tag>.tar
archive_name() {
  local ref=$1 name tag
  name=${ref##*/}; tag=${name##*:}; name=${name%%:*}
  echo "${name}_${tag}.tar"
}

build_image() {  # build_image REF VERSION
  local ref=$1 version=$2 archive rootfs component tag src
  archive="$outdir/images/$(archive_name "$ref")"
  component=${ref##*/}; tag=${component##*:}; component=${component%%:*}
  local digest inputs=("$HERE/build.sh")
  [[ -f $HERE/${component//-/_}.py ]] && inputs+=("$HERE/${component//-/_}.py")
  local libc=""
  if [[ $component == etcd ]]; then
    inputs+=("$HERE/packaging/etcd-wrapper" "$HERE/packaging/etcd-tools-wrapper")
    # the C library copied into the image comes from this machine
    libc=$(dpkg-query -W -f='${Version}' libc6 2>/dev/null || true)
  fi
  digest=$({ echo "$ref"; [[ -z $libc ]] || echo "libc6 $libc"; cat "${inputs[@]}"; } | sha256sum | cut -d' ' -f1)
  if up_to_date "$archive" "$digest"; then note "up to date: images/$(basename "$archive")"; return; fi
  rootfs="$work/rootfs-$(basename "$archive" .tar)"
  rm -rf "$rootfs"
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc"
  printf 'seed.kubeadm test double image %s\n' "$ref" >"$rootfs/etc/seed-doubles-image"
  local entry="" changes_extra=()
  case $component in
    kube-apiserver|kube-controller-manager|kube-scheduler)
      src="$HERE/${component//-/_}.py"
      [[ -f $src ]] || die "$src is missing: needed for image $ref"
      install -m 0755 "$src" "$rootfs/usr/local/bin/$component"
      entry="/usr/local/bin/$component"
      ;;
    etcd)
      fetch_etcd
      # Debian's etcd 3.4 behind a wrapper that adapts the 3.5/3.6 command line kubeadm writes
      # (the double kubelet runs it on the host, with the host's python3).
      install -m 0755 "$etcd_bins/x/usr/bin/etcd" "$rootfs/usr/local/bin/etcd-3.4"
      install -m 0755 "$HERE/packaging/etcd-wrapper" "$rootfs/usr/local/bin/etcd"
      # etcd's tools as the tag's etcd offers them (run with `ctr run` inside the image): Debian's
      # etcdctl 3.4 behind a POSIX sh wrapper run by a static busybox that is not on PATH.
      install -m 0755 "$etcd_bins/x/usr/bin/etcdctl" "$rootfs/usr/local/bin/etcdctl-3.4"
      install -D -m 0755 "$etcd_bins/x/bin/busybox" "$rootfs/usr/lib/seed-doubles/busybox"
      local series tools=(etcdctl) tool
      series=$(etcd_series "$tag")
      etcd_official "$tag" && tools+=(etcdutl)
      [[ $(grep -c '^SERIES="3.6"$' "$HERE/packaging/etcd-tools-wrapper") -eq 1 ]] \
        || die "$HERE/packaging/etcd-tools-wrapper must contain the line SERIES=\"3.6\" exactly once"
      for tool in "${tools[@]}"; do
        sed "s/^SERIES=\"3.6\"\$/SERIES=\"$series\"/" "$HERE/packaging/etcd-tools-wrapper" \
          >"$rootfs/usr/local/bin/$tool"
        chmod 0755 "$rootfs/usr/local/bin/$tool"
      done
      # ...and the dynamic loader and C library the Debian binaries need, as nothing else is there.
      copy_libs "$rootfs" "$rootfs/usr/local/bin/etcd-3.4" "$rootfs/usr/local/bin/etcdctl-3.4"
      install -d -m 1777 "$rootfs/tmp"
      if etcd_official "$tag"; then
        # etcd's release image: distroless static, no shell, WORKDIR /var/lib/etcd/, CMD etcd
        install -d -m 0755 "$rootfs/var/lib/etcd"
        changes_extra=(-c "WORKDIR /var/lib/etcd/" -c 'CMD ["/usr/local/bin/etcd"]')
      else
        # Kubernetes' build: distroless static plus bash-static as /bin/sh, no ENTRYPOINT / CMD
        install -d -m 0755 "$rootfs/bin"
        ln -s ../usr/lib/seed-doubles/busybox "$rootfs/bin/sh"
      fi
      ;;
    pause)
      printf 'pause image stand-in: nothing runs from it\n' >"$rootfs/pause"
      ;;
    *)
      printf '%s image stand-in (not run by the doubles)\n' "$component" >"$rootfs/usr/local/bin/$component.marker"
      ;;
  esac
  normalise "$rootfs"
  tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    -C "$rootfs" -cf "$rootfs.tar" .
  local changes=(-c "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
  [[ -n $entry ]] && changes+=(-c "ENTRYPOINT [\"$entry\"]")
  changes+=(${changes_extra[@]+"${changes_extra[@]}"})
  docker import "${changes[@]}" -m "seed.kubeadm test double $ref" "$rootfs.tar" "$ref" >/dev/null
  docker save -o "$archive.tmp" "$ref"
  docker image rm "$ref" >/dev/null 2>&1 || true
  chmod 0644 "$archive.tmp"
  mv "$archive.tmp" "$archive"
  stamp "$archive" "$digest"
  note "built images/$(basename "$archive") ($ref)"
}

write_images_yml() {
  python3 - "$outdir" "$@" <<'PY'
import os
import sys

import yaml

outdir, pairs = sys.argv[1], sys.argv[2:]
path = os.path.join(outdir, "images.yml")
entries = {}
if os.path.exists(path):
    with open(path, encoding="utf-8") as handle:
        for item in yaml.safe_load(handle) or []:
            entries[item["image"]] = item["archive"]
for pair in pairs:
    archive, _, image = pair.partition("=")
    entries[image] = archive
with open(path + ".tmp", "w", encoding="utf-8") as handle:
    for image in sorted(entries):
        handle.write("- {archive: %s, image: %s}\n" % (entries[image], image))
os.replace(path + ".tmp", path)
PY
}

build_common
for version in "${version_list[@]}"; do
  for tool in kubeadm kubelet kubectl; do
    build_tool_deb "$tool" "$version"
  done
done
if [[ $debs_only -eq 1 ]]; then
  note "--debs-only: images skipped"
  exit 0
fi
pairs=()
for version in "${version_list[@]}"; do
  listed=$(image_list "$version")
  mapfile -t refs <<<"$listed"
  [[ -n $listed ]] || die "no image listed for v$version"
  for ref in "${refs[@]}"; do
    [[ -n $ref ]] || continue
    [[ $ref =~ ^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9./_-]+:[A-Za-z0-9._-]+$ ]] \
      || die "'$ref' (listed for v$version) is not an image reference with registry and tag"
    build_image "$ref" "$version"
    pairs+=("$(archive_name "$ref")=$ref")
  done
done
write_images_yml "${pairs[@]}"
note "done: $outdir"
