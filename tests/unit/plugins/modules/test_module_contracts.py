# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module promises in its DOCUMENTATION is what its AnsibleModule accepts.

Users read the documented options (type, default, choices, required, elements, aliases) and the
check-mode attribute; the argument spec decides what really happens. Each module's main() is run up
to the construction of AnsibleModule, whose keyword arguments are compared with the documentation
(including the options of its documentation fragments). Options that carry secrets must be no_log.
"""

from __future__ import annotations

import importlib
import os

import pytest
import yaml

from ansible.module_utils import basic

from unit_helpers import REPO

# cluster_facts is documentation only: its action plugin does the work (test_cluster_facts_action).
MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(REPO, "plugins", "modules"))
                 if name.endswith(".py") and not name.startswith("_") and name != "cluster_facts.py")
# Spec keys ansible-core's argument spec knows; anything else is a typo that ansible-core ignores.
SPEC_KEYS = {"type", "required", "default", "choices", "elements", "no_log", "aliases", "options",
             "apply_defaults", "fallback", "removed_in_version", "removed_at_date", "removed_from_collection",
             "deprecated_aliases", "mutually_exclusive", "required_if", "required_together",
             "required_one_of", "required_by"}
MODULE_KEYS = {"argument_spec", "supports_check_mode", "mutually_exclusive", "required_if",
               "required_together", "required_one_of", "required_by", "add_file_common_args", "bypass_checks"}
# Options whose values are secrets (bootstrap tokens, certificate keys, configurations holding them).
SECRET_OPTIONS = {
    ("kubeadm_certificate_key", "certificate_key"),
    ("kubeadm_join", "config_content"),
    ("kubeadm_token", "token"),
}


class _Built(Exception):
    """Raised instead of building the AnsibleModule: its keyword arguments are what is checked."""


def module_kwargs(name, monkeypatch):
    module = importlib.import_module("ansible_collections.seed.kubeadm.plugins.modules." + name)
    seen = {}

    def capture(self, *args, **kwargs):  # pylint: disable=unused-argument
        seen.update(kwargs)
        if args:
            seen["argument_spec"] = args[0]
        raise _Built()
    monkeypatch.setattr(basic.AnsibleModule, "__init__", capture)
    with pytest.raises(_Built):
        module.main()
    return module, seen


def fragment_options(module):
    """Options of the module's documentation plus those of its seed.kubeadm fragments."""
    doc = yaml.safe_load(module.DOCUMENTATION)
    options = dict(doc.get("options") or {})
    for fragment in doc.get("extends_documentation_fragment") or []:
        parts = fragment.split(".")
        assert parts[:2] == ["seed", "kubeadm"], fragment
        source = importlib.import_module("ansible_collections.seed.kubeadm.plugins.doc_fragments." + parts[2])
        text = getattr(source.ModuleDocFragment, parts[3].upper() if len(parts) > 3 else "DOCUMENTATION")
        options.update((yaml.safe_load(text) or {}).get("options") or {})
    return doc, options


def compare(spec, options, where):
    """Differences between an argument spec and documented options, as readable strings."""
    problems = []
    for name in sorted(set(spec) | set(options)):
        if name not in options:
            problems.append("%s%s: accepted but not documented" % (where, name))
            continue
        if name not in spec:
            problems.append("%s%s: documented but not accepted" % (where, name))
            continue
        got, doc = spec[name], options[name]
        if "type" not in got:
            # The argument spec states every type, as the documentation does (readers compare the two).
            problems.append("%s%s: the argument spec does not state its type" % (where, name))
        unknown = set(got) - SPEC_KEYS
        if unknown:
            problems.append("%s%s: unknown argument spec keys %s" % (where, name, sorted(unknown)))
        checks = (
            ("type", got.get("type", "str"), doc.get("type", "str")),
            ("required", bool(got.get("required", False)), bool(doc.get("required", False))),
            ("default", got.get("default"), doc.get("default")),
            ("choices", got.get("choices"), doc.get("choices")),
            ("elements", got.get("elements"), doc.get("elements")),
            ("aliases", sorted(got.get("aliases") or []), sorted(doc.get("aliases") or [])),
        )
        for key, accepted, documented in checks:
            if accepted != documented:
                problems.append("%s%s: %s is %r, documented %r" % (where, name, key, accepted, documented))
        if got.get("options") or doc.get("suboptions"):
            problems += compare(got.get("options") or {}, doc.get("suboptions") or {}, "%s%s." % (where, name))
    return problems


@pytest.mark.parametrize("name", MODULES)
def test_argument_spec_is_the_documentation(name, monkeypatch):
    module, kwargs = module_kwargs(name, monkeypatch)
    assert set(kwargs) <= MODULE_KEYS, "unknown AnsibleModule arguments: %s" % sorted(set(kwargs) - MODULE_KEYS)
    doc, options = fragment_options(module)
    assert compare(kwargs["argument_spec"], options, "") == []
    support = ((doc.get("attributes") or {}).get("check_mode") or {}).get("support")
    if support is None:
        # The read_only fragment documents full check-mode support.
        fragments = doc.get("extends_documentation_fragment") or []
        support = "full" if "seed.kubeadm.attributes.read_only" in fragments else "none"
    assert bool(kwargs.get("supports_check_mode", False)) == (support in ("full", "partial")), support


@pytest.mark.parametrize("name", MODULES)
def test_secret_options_are_no_log(name, monkeypatch):
    _module, kwargs = module_kwargs(name, monkeypatch)
    hidden = {option for option, spec in kwargs["argument_spec"].items() if spec.get("no_log")}
    assert hidden == {option for module, option in SECRET_OPTIONS if module == name}


def test_every_module_is_checked():
    # A module whose main() does not build an AnsibleModule first would escape the checks above.
    assert len(MODULES) >= 12 and "kubeadm_token" in MODULES


@pytest.mark.parametrize("name, args", [
    ("kubeadm_certs_info", {}),
    ("kubeadm_certs_renew", {}),
    ("kubeadm_token", {"state": "present", "kubeadm_path": "/bin/true"}),
])
def test_without_cryptography_the_module_says_so(name, args, monkeypatch):
    import kubeadm_testlib  # pylint: disable=import-outside-toplevel
    from ansible_collections.seed.kubeadm.plugins.module_utils import pki  # pylint: disable=import-outside-toplevel
    module = importlib.import_module("ansible_collections.seed.kubeadm.plugins.modules." + name)
    monkeypatch.setattr(pki, "HAS_CRYPTOGRAPHY", False)
    monkeypatch.setattr(pki, "CRYPTOGRAPHY_IMPORT_ERROR", "Traceback: no cryptography")
    result, rc = kubeadm_testlib.run_module(module, args)
    # (ansible-core 2.19 keeps the import traceback out of the result unless asked for it.)
    assert rc == 1 and result["msg"] == basic.missing_required_lib("cryptography")
