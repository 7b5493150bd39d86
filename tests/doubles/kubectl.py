#!/usr/bin/python3
"""Test double of kubectl (TEST ONLY; packaged as /usr/bin/kubectl by tests/doubles/build.sh).

Emulated: ``kubectl version --client`` with the text, ``-o json`` and ``-o yaml`` output of upstream
kubectl 1.28+ (staging/src/k8s.io/kubectl/pkg/cmd/version): the baked client version and the
kustomize version built into that minor. Build metadata (gitCommit, buildDate, goVersion) cannot be
known for a double: gitCommit is a stable digest of the version, buildDate a fixed date.

Everything else (including ``kubectl version`` without ``--client``, which needs a server) exits 1
with ``error: seed test double: 'kubectl <cmd>' is not emulated`` on stderr.
"""

import hashlib
import json
import re
import sys

import yaml

try:
    from seed_doubles import calls
except ImportError:  # running from the source tree
    import os
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from seed_doubles import calls

VERSION = "v0.0.0"

# Kustomize and Go versions of upstream kubectl releases per minor (vendored kustomize).
KUSTOMIZE = {29: "v5.0.4-0.20230601165947-6ce0bf390ce3", 30: "v5.0.4-0.20230601165947-6ce0bf390ce3",
             31: "v5.4.2", 32: "v5.5.0", 33: "v5.6.0", 34: "v5.7.1", 35: "v5.7.1"}
GO = {29: "go1.21", 30: "go1.22", 31: "go1.22", 32: "go1.23", 33: "go1.24", 34: "go1.24", 35: "go1.25"}


def client_info(version=None):
    version = version or VERSION
    match = re.match(r"v(\d+)\.(\d+)\.(\d+)", version)
    major, minor = (match.group(1), match.group(2)) if match else ("0", "0")
    return {
        "major": major, "minor": minor, "gitVersion": version,
        "gitCommit": hashlib.sha1(version.encode()).hexdigest(), "gitTreeState": "clean",
        "buildDate": "1970-01-01T00:00:00Z", "goVersion": GO.get(int(minor), "go1.24"),
        "compiler": "gc", "platform": "linux/amd64",
    }


def kustomize_version(version=None):
    match = re.match(r"v\d+\.(\d+)", version or VERSION)
    return KUSTOMIZE.get(int(match.group(1)) if match else 0, "v5.7.1")


def not_emulated(words):
    sys.stderr.write("error: seed test double: 'kubectl %s' is not emulated\n" % " ".join(words))
    return 1


def version_cmd(args):
    client_only, output = False, ""
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg in ("--client", "--client=true"):
            client_only = True
        elif arg == "--client=false":
            client_only = False
        elif arg in ("-o", "--output"):
            if i >= len(args):
                sys.stderr.write("error: flag needs an argument: '%s' in %s\n" % (arg.lstrip("-")[:1], arg))
                return 1
            output = args[i]
            i += 1
        elif arg.startswith("--output=") or arg.startswith("-o="):
            output = arg.split("=", 1)[1]
        elif arg.startswith("-o") and len(arg) > 2:
            output = arg[2:]
        else:
            return not_emulated(["version"] + args)
    if not client_only:
        return not_emulated(["version"] + args)
    if output not in ("", "json", "yaml"):
        sys.stderr.write("error: --output must be 'yaml' or 'json'\n")
        return 1
    doc = {"clientVersion": client_info(), "kustomizeVersion": kustomize_version()}
    if output == "json":
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    elif output == "yaml":
        sys.stdout.write(yaml.safe_dump(doc, default_flow_style=False, sort_keys=False))
    else:
        sys.stdout.write("Client Version: %s\nKustomize Version: %s\n" % (VERSION, doc["kustomizeVersion"]))
    return 0


def main(argv):
    words = [a for a in argv if not a.startswith("-")]
    if words and words[0] == "version":
        idx = argv.index("version")
        return version_cmd(argv[:idx] + argv[idx + 1:])
    return not_emulated(words[:1] or argv[:1] or [""])


if __name__ == "__main__":
    calls.run_recorded("kubectl", sys.argv[1:], main)
