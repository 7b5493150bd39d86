"""Recording of every CLI double invocation as one JSON line, with secrets redacted."""

import json
import os
import re
import socket
import time

LOG_FILE = os.environ.get("SEED_DOUBLES_LOG", "/var/log/seed-doubles/calls.jsonl")
# TEST INSTRUMENTATION, not an upstream behaviour: every secret value a double made or was handed
# (bootstrap tokens, certificate keys, encryption keys), one JSON line each, so that a test can look
# for the real values in what the collection printed. 0600 in the doubles' log directory.
SECRETS_FILE = os.environ.get("SEED_DOUBLES_SECRETS", os.devnull if LOG_FILE == os.devnull
                              else os.path.join(os.path.dirname(LOG_FILE), "secrets.jsonl"))
REDACTED = "<redacted>"

# Values that are secret wherever they appear in an argv.
_TOKEN = re.compile(r"\b([a-z0-9]{6})\.[a-z0-9]{16}\b")
_HEX64 = re.compile(r"\b[0-9a-f]{64}\b")
# Flags whose value is always a secret (as --flag=value or --flag value).
SECRET_FLAGS = ("--token", "--certificate-key", "--tls-bootstrap-token", "--discovery-token",
                "--password")


def redact_argv(argv):
    """argv with every secret value replaced by REDACTED.

    Bootstrap tokens (``abcdef.0123456789abcdef``) anywhere, the values of SECRET_FLAGS, a 64-hex
    certificate key anywhere except after ``sha256:`` (a CA hash is public), and the positional
    token of ``kubeadm token create/delete``.
    """
    out = []
    expect_secret = False
    for arg in argv:
        arg = str(arg)
        if expect_secret:
            out.append(REDACTED)
            expect_secret = False
            continue
        flag, eq, _ = arg.partition("=")
        if flag in SECRET_FLAGS:
            if eq:
                out.append(flag + "=" + REDACTED)
            else:
                out.append(arg)
                expect_secret = True
            continue
        arg = _TOKEN.sub(REDACTED, arg)
        if "sha256:" not in arg:
            arg = _HEX64.sub(REDACTED, arg)
        out.append(arg)
    return out


def record(tool, argv, rc, extra=None):
    """Append one call to LOG_FILE; never raises (a double must not fail because of its log)."""
    entry = {
        "tool": tool,
        "argv": redact_argv(argv),
        "rc": rc,
        "host": socket.gethostname(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "epoch": round(time.time(), 3),
        "pid": os.getpid(),
    }
    if extra:
        entry.update(extra)
    try:
        os.makedirs(os.path.dirname(LOG_FILE), exist_ok=True)
        with open(LOG_FILE, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
    except OSError:
        pass


def record_secret(kind, value):
    """Append one secret value to SECRETS_FILE (0600); never raises."""
    if not value or SECRETS_FILE == os.devnull:
        return
    try:
        os.makedirs(os.path.dirname(SECRETS_FILE), exist_ok=True)
        fd = os.open(SECRETS_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"kind": kind, "value": str(value), "pid": os.getpid()}, sort_keys=True) + "\n")
    except OSError:
        pass


def run_recorded(tool, argv, main):
    """Run ``main(argv) -> rc``, record the call (also on SystemExit and crashes), exit with rc."""
    rc = 1
    started = round(time.time(), 3)
    try:
        rc = main(argv)
        rc = 0 if rc is None else int(rc)
    except SystemExit as exc:
        code = exc.code
        rc = code if isinstance(code, int) else (0 if code is None else 1)
        if not isinstance(code, int) and code is not None:
            import sys
            sys.stderr.write(str(code) + "\n")
    finally:
        record(tool, argv, rc, {"start": started})
    raise SystemExit(rc)
