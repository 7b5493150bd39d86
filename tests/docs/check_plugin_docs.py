# -*- coding: utf-8 -*-
"""Every filter the collection exports has its own documentation: ansible-doc lists it, and the
documentation ansible-doc shows for it carries its own name (a DOCUMENTATION block in a file with
several filters would otherwise be shown for all of them). Needs the collection on
ANSIBLE_COLLECTIONS_PATH (scripts/lib.sh)."""

import glob
import importlib.util
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NS = "seed.kubeadm."


def exported_filters():
    """Names returned by FilterModule().filters() of every plugins/filter/*.py, loaded as the collection."""
    names = set()
    sys.path.insert(0, os.path.join(ROOT, ".collections"))  # ansible_collections.seed.kubeadm
    for path in sorted(glob.glob(os.path.join(ROOT, "plugins", "filter", "*.py"))):
        mod_name = "ansible_collections.seed.kubeadm.plugins.filter." + os.path.basename(path)[:-3]
        spec = importlib.util.spec_from_file_location(mod_name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        names.update(module.FilterModule().filters())
    return names


def ansible_doc(*args):
    proc = subprocess.run(["ansible-doc", "-t", "filter", "--json"] + list(args), capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise SystemExit("ansible-doc %s failed:\n%s" % (" ".join(args), proc.stderr))
    return json.loads(proc.stdout)


def main():
    errors = []
    listed = {name[len(NS):] for name in ansible_doc("-l", "seed.kubeadm")}
    exported = exported_filters()
    for name in sorted(exported - listed):
        errors.append("filter %s is exported but ansible-doc does not list it (no documentation)" % name)
    for name in sorted(listed - exported):
        errors.append("ansible-doc lists %s, which no plugin exports" % name)
    docs = ansible_doc(*sorted(NS + n for n in listed & exported))
    for fqcn, entry in sorted(docs.items()):
        shown = (entry.get("doc") or {}).get("name")
        if shown != fqcn[len(NS):]:
            errors.append("ansible-doc %s shows the documentation of %r" % (fqcn, shown))
    for err in errors:
        print("ERROR: " + err)
    if errors:
        return 1
    print("%d filters, each with its own documentation" % len(exported))
    return 0


if __name__ == "__main__":
    sys.exit(main())
