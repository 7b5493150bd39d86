# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small helpers shared by the unit tests: repository paths, YAML files, fake inventories and facts.

Import them by module name (``from unit_helpers import ...``): tests/unit/conftest.py puts
tests/unit/utils on sys.path. The other helpers there: role_render (role variables and templates
through ansible-core's Templar), kubeadm_testlib (PKI, fake kubeadm, in-process module runner),
ansible_compat (the same test code on ansible-core 2.16 - 2.19).
"""

from __future__ import annotations

import errno
import os
import re

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLES = os.path.join(REPO, "roles")


def repo_path(*parts):
    """A path inside the repository."""
    return os.path.join(REPO, *parts)


def load_yaml(path, default=None):
    """The YAML file ``path`` (absolute, or relative to the repository root) as plain data.

    ``default`` is returned for a missing or empty file when given; a missing file raises otherwise.
    """
    full = path if os.path.isabs(path) else repo_path(path)
    if default is not None and not os.path.exists(full):
        return default
    with open(full, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return default if data is None and default is not None else data


def load_yaml_documents(text):
    """Every non-empty document of a multi-document YAML text (a rendered manifest, a kubeadm config)."""
    return [doc for doc in yaml.safe_load_all(text) if doc]


def by_kind(docs):
    """{kind: document} of Kubernetes-style documents (the last one wins for a repeated kind)."""
    return {doc["kind"]: doc for doc in docs if doc}


def hostvars(hosts, **common):
    """Fake ``hostvars``: {name: {"inventory_hostname": name, "ansible_host": address, **common}}.

    ``hosts`` maps an inventory name to its ansible_host, or to a dict of host variables.
    """
    out = {}
    for name, value in hosts.items():
        entry = {"inventory_hostname": name}
        entry.update(common)
        entry.update(value if isinstance(value, dict) else {"ansible_host": value})
        out[name] = entry
    return out


def groups(**members):
    """Fake ``groups``: the given groups plus ``all`` (every member, first appearance order)."""
    out = {name: list(hosts) for name, hosts in members.items()}
    everyone = []
    for hosts in out.values():
        everyone.extend(h for h in hosts if h not in everyone)
    out.setdefault("all", everyone)
    return out


def group_names(host, inventory_groups):
    """The ``group_names`` of ``host`` in ``inventory_groups`` (``all`` left out, as Ansible does)."""
    return sorted(name for name, hosts in inventory_groups.items() if host in hosts and name != "all")


def network_facts(address="172.30.1.11", prefix="24", netmask="255.255.255.0", interface="eth0", **extra):
    """``ansible_facts`` of the network subset for a host whose default IPv4 is ``address``.

    Besides the default interface (with an IPv4 secondary and an IPv6 address) it has a loopback,
    an interface whose name holds a dash (facts key br_1) and an entry that is not a dict, as real
    facts may. ``extra`` adds or replaces facts.
    """
    facts = {
        "interfaces": ["lo", interface, "br-1", "weird"],
        "default_ipv4": {"address": address, "prefix": prefix, "netmask": netmask, "interface": interface},
        "lo": {"ipv4": {"address": "127.0.0.1", "prefix": "8"}},
        interface: {
            "ipv4": {"address": address, "prefix": prefix, "netmask": netmask},
            "ipv4_secondaries": [{"address": "192.168.50.3", "netmask": "255.255.255.128"}],
            "ipv6": [{"address": "fd00:1::11", "prefix": "64"}],
        },
        "br_1": {"ipv4": {"address": "10.10.0.1", "prefix": "16"}},
        "weird": "not a dict",
    }
    facts.update(extra)
    return facts


def filter_names(filter_module):
    """The names a FilterModule class (or instance) exports; every one must be callable."""
    instance = filter_module() if isinstance(filter_module, type) else filter_module
    filters = instance.filters()
    not_callable = sorted(name for name, function in filters.items() if not callable(function))
    assert not not_callable, "filters that are not callable: %s" % ", ".join(not_callable)
    return set(filters)


def raises_exactly(exception, message):
    """``pytest.raises`` for exactly this message: users read the whole of it, not a fragment."""
    return pytest.raises(exception, match="^%s$" % re.escape(message))


class CommandRecorder(object):
    """A ``run(args) -> (rc, stdout)`` that records each command line and answers ``answer``."""

    def __init__(self, answer=(0, "")):
        self.answer = answer
        self.seen = []

    def __call__(self, args):
        self.seen.append(list(args))
        return self.answer


def run_for_real(args):
    """A ``run(args) -> (rc, stdout)`` that runs the command on this host."""
    import subprocess
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    return proc.returncode, proc.stdout


def dpkg_field(package, field):
    """``${field}`` of an installed package, as this host's dpkg-query prints it."""
    return run_for_real(["dpkg-query", "-W", "-f", "${%s}" % field, package])[1]


def closed_port():
    """A loopback TCP port nobody listens on (bound, then released)."""
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# What connecting to a closed port raises, as this platform words it.
REFUSED = "[Errno %d] %s" % (errno.ECONNREFUSED, os.strerror(errno.ECONNREFUSED))


def task_files(repo=None):
    """Every task file of the roles (tasks/, handlers/) and every playbook of playbooks/."""
    for base in ("roles", "playbooks"):
        for root, _dirs, files in os.walk(os.path.join(repo or repo_path(), base)):
            if base == "roles" and os.path.basename(root) not in ("tasks", "handlers"):
                continue
            for name in sorted(files):
                if name.endswith((".yml", ".yaml")):
                    yield os.path.join(root, name)


def tasks_of(items, where):
    """Every task (blocks opened) of a task list or a playbook."""
    for item in items or []:
        if not isinstance(item, dict):
            continue
        if "hosts" in item or "import_playbook" in item or "ansible.builtin.import_playbook" in item:
            for section in ("pre_tasks", "tasks", "post_tasks", "handlers"):
                yield from tasks_of(item.get(section), where)
            continue
        if any(key in item for key in ("block", "rescue", "always")):
            for section in ("block", "rescue", "always"):
                yield from tasks_of(item.get(section), where)
            continue
        yield where, item
