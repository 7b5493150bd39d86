#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
module: repo_key
short_description: Install a package repository's signing key only when its fingerprint is pinned
version_added: 0.1.0
description:
  - Downloads the OpenPGP public key of a package repository (for example pkgs.k8s.io's
    C(Release.key) or Docker's C(gpg)), reads every primary key in it and writes it to O(dest) only
    when each of them has one of the pinned O(fingerprints). A mirror or a man in the middle that
    serves another key is refused before apt or dnf would trust it.
  - The key is read in Python (armor checksum, packets, version 4 fingerprints); gpg is not needed
    on the host. What is written is the checked key material itself, encoded again as one armored
    block (binary for a C(.gpg) O(dest)), so apt reads exactly the keys that were checked. A file
    with other armor (another label, a block the check would skip) or with packets that do not
    belong in a public key file (a secret key, compressed data) is refused.
  - Without pins the download must use C(https://) and end there (a redirect to C(http://) is
    refused); a plain C(http://) key is refused, since nothing would then tell a forged key from the
    real one.
  - Network failures are retried O(retries) times, O(delay) seconds apart.
author:
  - Seed developers (!UNKNOWN)
extends_documentation_fragment:
  - seed.kubeadm.attributes
attributes:
  check_mode:
    support: full
    details: The key is downloaded and checked; the file is not written.
  diff_mode:
    support: none
options:
  url:
    description: Where the key is published (C(https://), C(http://) with pins, or C(file://)).
    type: str
    required: true
  dest:
    description:
      - The keyring file to write, for example C(/etc/apt/keyrings/docker.asc). Armored, or binary when the name ends in C(.gpg)
        (apt tells the two apart by the extension).
    type: path
    required: true
  fingerprints:
    description:
      - The fingerprints every primary key of the download must have (40 hexadecimal digits;
        spaces and lower case allowed). Empty to accept any key, which requires an C(https://) O(url).
    type: list
    elements: str
    default: []
  pins_variable:
    description: The name of the variable the pins come from, named in the error when the key is not pinned.
    type: str
    default: fingerprints
  mode:
    description: Permissions of O(dest).
    type: raw
    default: '0644'
  timeout:
    description: Seconds one download attempt may take.
    type: int
    default: 30
  retries:
    description: Further attempts after a failed download.
    type: int
    default: 3
  delay:
    description: Seconds between attempts.
    type: int
    default: 5
  validate_certs:
    description: Whether to verify the server's TLS certificate.
    type: bool
    default: true
seealso:
  - name: apt's signed-by option
    description: How apt ties a repository to its key (sources.list(5)).
    link: https://manpages.debian.org/stable/apt/sources.list.5.en.html
"""

EXAMPLES = r"""
- name: Install Docker's repository key, pinned by fingerprint
  seed.kubeadm.repo_key:
    url: https://download.docker.com/linux/debian/gpg
    dest: /etc/apt/keyrings/docker.asc
    fingerprints: [9DC8 5822 9FC7 DD38 854A E2D8 8D81 803C 0EBF CD88]

- name: Install the key of a mirror served over plain HTTP (a pin is required then)
  seed.kubeadm.repo_key:
    url: http://mirror.example.internal/kubernetes/core/stable/v1.35/deb/Release.key
    dest: /etc/apt/keyrings/kubernetes-v1.35.asc
    fingerprints: [DE15B14486CD377B9E876E1A234654DA9A296436]
    pins_variable: kube_packages_repo_key_fingerprints
"""

RETURN = r"""
fingerprints:
  description: Fingerprints of the primary keys found in the download.
  returned: success
  type: list
  elements: str
  sample: [9DC858229FC7DD38854AE2D88D81803C0EBFCD88]
user_ids:
  description: User IDs of those keys.
  returned: success
  type: list
  elements: str
  sample: ['Docker Release (CE deb) <docker@docker.com>']
dest:
  description: The keyring file.
  returned: always
  type: str
  sample: /etc/apt/keyrings/docker.asc
attempts:
  description: Download attempts made.
  returned: always
  type: int
  sample: 1
"""

import os
import time

from urllib.parse import urlparse
from urllib.request import url2pathname

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import fetch_url

from ansible_collections.seed.kubeadm.plugins.module_utils.openpgp import PgpError, armor, normalize_fingerprint
from ansible_collections.seed.kubeadm.plugins.module_utils.openpgp import public_packets, read_keys, unpinned


def download(module, url, timeout, retries, delay):
    """(bytes, attempts); fails the module naming the URL and the last error after the retries."""
    attempts, error = 0, ""
    while attempts <= retries:
        if attempts:
            time.sleep(delay)
        attempts += 1
        if url.lower().startswith("file://"):
            parsed = urlparse(url)
            try:
                with open(url2pathname(parsed.path), "rb") as handle:
                    return handle.read(), attempts
            except OSError as exc:
                error = str(exc)
                break  # a local file does not come back by waiting
        response, info = fetch_url(module, url, timeout=timeout, method="GET")
        final = str(info.get("url") or url)
        if response is not None and not module.params["fingerprints"] and not final.lower().startswith("https://"):
            module.fail_json(msg="url %s was redirected to %s, which is not https://, and %s is empty; pin the key's "
                                 "fingerprint or give the final https:// URL" % (url, final, module.params["pins_variable"]),
                             dest=module.params["dest"], attempts=attempts)
        if response is not None and info.get("status") == 200:
            try:
                return response.read(), attempts
            except Exception as exc:  # pylint: disable=broad-except
                # a connection cut while reading the body
                error = str(exc)
                continue
        error = "HTTP %s: %s" % (info.get("status"), info.get("msg"))
        if isinstance(info.get("status"), int) and 400 <= info["status"] < 500 and info["status"] not in (408, 429):
            break  # the server answered that the key is not there: another try changes nothing
    module.fail_json(msg="could not download the repository key %s (%d attempt%s): %s"
                     % (url, attempts, "" if attempts == 1 else "s", error), dest=module.params["dest"], attempts=attempts)
    return None, attempts


def main():
    module = AnsibleModule(
        argument_spec={
            "url": {"type": "str", "required": True},
            "dest": {"type": "path", "required": True},
            "fingerprints": {"type": "list", "elements": "str", "default": []},
            "pins_variable": {"type": "str", "default": "fingerprints"},
            "mode": {"type": "raw", "default": "0644"},
            "timeout": {"type": "int", "default": 30},
            "retries": {"type": "int", "default": 3},
            "delay": {"type": "int", "default": 5},
            "validate_certs": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    p = module.params
    url, dest, variable = p["url"], p["dest"], p["pins_variable"]
    try:
        pins = [normalize_fingerprint(pin) for pin in p["fingerprints"]]
    except PgpError as exc:
        module.fail_json(msg="%s: %s" % (variable, exc), dest=dest, attempts=0)
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in ("https", "http", "file"):
        module.fail_json(msg="url %r: give an https://, http:// or file:// URL of the repository key" % url, dest=dest, attempts=0)
    if scheme == "http" and not pins:
        module.fail_json(msg="url %s is plain HTTP and %s is empty: anybody on the way could hand out another key. "
                             "Pin the key's fingerprint in %s or use https://" % (url, variable, variable), dest=dest, attempts=0)
    for name in ("timeout", "retries", "delay"):
        if p[name] < (1 if name == "timeout" else 0):
            module.fail_json(msg="%s must be %s, not %d" % (name, "at least 1" if name == "timeout" else "0 or more", p[name]),
                             dest=dest, attempts=0)

    data, attempts = download(module, url, p["timeout"], p["retries"], p["delay"])
    try:
        keys = read_keys(data)
        packets = public_packets(data)
    except PgpError as exc:
        module.fail_json(msg="%s is not an OpenPGP public key: %s" % (url, exc), dest=dest, attempts=attempts)
    found = [key["fingerprint"] for key in keys]
    if pins:
        foreign = unpinned(keys, pins)
        if foreign:
            module.fail_json(msg="the key at %s has fingerprint %s, which %s does not pin (%s). If the repository really "
                                 "changed its key, check the new fingerprint with its publisher and add it to %s"
                             % (url, ", ".join(foreign), variable, ", ".join(pins), variable),
                             dest=dest, attempts=attempts, fingerprints=found)

    # What apt reads is what was checked: the checked packets, encoded again.
    wanted = packets if dest.endswith(".gpg") else armor(packets).encode("ascii")
    try:
        with open(dest, "rb") as handle:
            current = handle.read()
    except OSError:
        current = None
    changed = current != wanted
    if changed and not module.check_mode:
        directory = os.path.dirname(dest) or "."
        if not os.path.isdir(directory):
            module.fail_json(msg="the directory of dest %s does not exist" % dest, dest=dest, attempts=attempts)
        temp = os.path.join(directory, ".%s.seed-new" % os.path.basename(dest))
        try:
            with open(temp, "wb") as handle:
                handle.write(wanted)
            module.atomic_move(temp, dest)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
    file_args = module.load_file_common_arguments({"path": dest, "mode": p["mode"]})
    if not module.check_mode or not changed:
        changed = module.set_fs_attributes_if_different(file_args, changed)
    module.exit_json(changed=changed, dest=dest, attempts=attempts, fingerprints=found,
                     user_ids=[uid for key in keys for uid in key["user_ids"]])


if __name__ == "__main__":
    main()
