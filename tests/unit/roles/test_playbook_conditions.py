"""A condition of an entry playbook's own task is evaluated before any role of that task is loaded,
so a role default it reads (a cluster_* setting the inventory may leave out) must carry the same
default there: `cluster_source | default('online')`. A setting left out of the inventory otherwise
fails the run with "'cluster_source' is undefined" (found on a scenario whose inventory did not set
cluster_kubelet_serving_certificates)."""
import os
import re

import pytest

from unit_helpers import REPO, load_yaml

CLUSTER_DEFAULTS = load_yaml(os.path.join(REPO, "roles", "cluster", "defaults", "main.yml"))
PLAYBOOKS = sorted(os.path.join(REPO, "playbooks", n) for n in os.listdir(os.path.join(REPO, "playbooks")) if n.endswith(".yml"))
NAME = re.compile(r"\b(cluster_[a-z0-9_]+)\b(\s*\|\s*default\()?")


def _conditions(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "when":
                for cond in value if isinstance(value, list) else [value]:
                    yield str(cond)
            else:
                yield from _conditions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _conditions(item)


@pytest.mark.parametrize("path", PLAYBOOKS, ids=os.path.basename)
def test_conditions_give_cluster_settings_their_default(path):
    bare = sorted({m.group(1) for cond in _conditions(load_yaml(path)) for m in NAME.finditer(cond)
                   if m.group(1) in CLUSTER_DEFAULTS and not m.group(2)})
    assert bare == [], "%s: conditions read %s without | default(...)" % (os.path.basename(path), bare)


def test_the_check_finds_a_bare_setting():
    found = [m.group(1) for m in NAME.finditer("cluster_source == 'offline' and cluster_cni | default('flannel')") if not m.group(2)]
    assert found == ["cluster_source"]
