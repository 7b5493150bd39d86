#!/usr/bin/env bash
# Keep the init node's apt repository signed with the init node's own key.
# Usage: sign-repository.sh ROOT [--check]
#   ROOT/signing              GnuPG home (0700) holding the key pair, generated once
#   ROOT/index/*/*/Release    each bundle's index per release (index-bundle.sh), signed into
#                             InRelease and Release.gpg whenever Release or the key changed since
#                             the last signature (.seed-signed beside it)
#   ROOT/www/seed-offline.asc the public key, for people; nodes get it through Ansible
# Prints "generated KEY" and "signed index/ID/RELEASE/Release" for what it changed, "fingerprint FPR", then the
# public key. With --check it changes nothing and prints "would ..." instead.
set -euo pipefail
root=$1 check=${2:-}
home=$root/signing public=$root/www/seed-offline.asc
export GNUPGHOME=$home
trap 'gpgconf --kill gpg-agent >/dev/null 2>&1 || true' EXIT

fingerprint() {
  gpg --batch --with-colons --list-secret-keys 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }'
}

fpr=""
[[ -d "$home" ]] && fpr=$(fingerprint)
if [[ -z "$fpr" ]]; then
  if [[ -n "$check" ]]; then
    echo "would generate a signing key in $home"
    exit 0
  fi
  install -d -m 0700 "$home"
  gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
    --quick-generate-key "seed.kubeadm offline repository ($(hostname))" ed25519 sign never 2>/dev/null
  fpr=$(fingerprint)
  [[ -n "$fpr" ]] || { echo "gpg made no key in $home" >&2; exit 1; }
  echo "generated $fpr"
fi

shopt -s nullglob
for release in "$root"/index/*/*/Release; do
  repo=$(dirname "$release")
  stamp="$fpr $(sha256sum "$repo/Release" | cut -d' ' -f1)"
  if [[ ! -f "$repo/InRelease" || ! -f "$repo/Release.gpg" || "$(cat "$repo/.seed-signed" 2>/dev/null)" != "$stamp" ]]; then
    if [[ -n "$check" ]]; then
      echo "would sign ${repo#"$root"/}/Release"
    else
      gpg --batch --yes --quiet --local-user "$fpr" --digest-algo SHA512 --clearsign \
        --output "$repo/InRelease.new" "$repo/Release"
      gpg --batch --yes --quiet --local-user "$fpr" --digest-algo SHA512 --armor --detach-sign \
        --output "$repo/Release.gpg.new" "$repo/Release"
      mv -f "$repo/InRelease.new" "$repo/InRelease"
      mv -f "$repo/Release.gpg.new" "$repo/Release.gpg"
      echo "$stamp" > "$repo/.seed-signed"
      echo "signed ${repo#"$root"/}/Release"
    fi
  fi
done

key=$(gpg --batch --armor --export "$fpr")
if [[ "$(cat "$public" 2>/dev/null)" != "$key" ]]; then
  if [[ -n "$check" ]]; then
    echo "would write $public"
  else
    install -d -m 0755 "$(dirname "$public")"
    printf '%s\n' "$key" > "$public.new" && chmod 0644 "$public.new" && mv -f "$public.new" "$public"
    echo "wrote $public"
  fi
fi
echo "fingerprint $fpr"
printf '%s\n' "$key"
