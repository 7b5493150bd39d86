# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lint rule: every task that handles a secret has ``no_log`` (ansible-lint does not check this).

A task handles a secret when
- it runs a module whose arguments or result carry one (bootstrap tokens, the certificate key,
  join and init configurations): SECRET_MODULES;
- it reads a file that holds one (``slurp`` of a key, a kubeconfig, a token or password file);
- any of its arguments, loop or messages (not its ``when``/``changed_when``/``failed_when``, which
  Ansible never prints with values) refers to a variable named like a secret (token, certificate
  key, password, auth_pass, secret, private key), or to the registered result of a task that
  handles a secret, anywhere in the roles and playbooks (the names are role-prefixed, so unique).
The rule fails listing each such task without ``no_log: true`` (or a ``no_log`` expression).
"""

from __future__ import annotations

import os
import re

import pytest
import yaml

from unit_helpers import task_files as _task_files, tasks_of as _tasks

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

SECRET_MODULES = {
    "seed.kubeadm.kubeadm_token", "seed.kubeadm.kubeadm_certificate_key", "seed.kubeadm.kubeadm_join",
    "seed.kubeadm.kubeadm_init",
}
# Files whose content is a secret when read into a variable.
SECRET_FILE = re.compile(r"(\.key|\.conf|kubeconfig|token|password|auth_pass|secret)[\"'}\s]*$", re.I)
# A variable named like a secret; names of paths, lengths and lifetimes of secrets are not secrets.
SECRET_NAME = re.compile(r"(token|certificate_key|cert_key|password|passwd|auth_pass|secret|private_key)", re.I)
NOT_SECRET_NAME = re.compile(r"(_file|_path|_dir|_ttl|_length|_chars|_description|_usages|_groups|_files)$|^getent_passwd$", re.I)
# Actions that hand values on without printing them (include_role's vars are not logged).
NOT_LOGGING = {"ansible.builtin.include_role", "ansible.builtin.import_role", "ansible.builtin.include_tasks",
               "ansible.builtin.import_tasks", "include_role", "import_role", "include_tasks", "import_tasks"}
# Tasks the taint reaches although they print no secret, with the reason (file, task name).
ALLOWED = {
    ("roles/control_plane/tasks/config_errors.yml", "Compute the strict-model errors of the kubeadm configuration"):
        "runs before the token and the certificate key exist: the join documents hold placeholders",
    ("roles/worker/tasks/config_errors.yml", "Compute the strict-model errors of the kubeadm join configuration"):
        "runs in preflight, before the token exists: the join documents hold placeholders",
    ("roles/control_plane/tasks/main.yml", "Check the kubeadm configuration against the strict model"):
        "the errors are computed before the token exists (placeholders); hiding them would hide the fix",
    ("roles/worker/tasks/main.yml", "Check the kubeadm join configuration against the strict model"):
        "the errors are computed over placeholder secrets, before the token is created",
    ("roles/keepalived/tasks/main.yml", "Check the VRRP instances and their secrets"):
        "seed.kubeadm.keepalived_problems only measures the secrets' length; hiding its sentences would hide the fix",
    ("roles/preflight/tasks/vrrp.yml", "Keep what keepalived would refuse here"):
        "keeps keepalived_problems, sentences that only measure the secrets' length; hiding them would hide the fix",
}
JINJA_NAME = re.compile(r"(?<![\w.'\"])([A-Za-z_]\w*(?:\.\w+|\[['\"]\w+['\"]\])*)")
JINJA_BLOCK = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}", re.S)
TASK_KEYWORDS = {
    "name", "when", "changed_when", "failed_when", "register", "loop", "loop_control", "with_items", "vars",
    "no_log", "tags", "become", "become_user", "delegate_to", "delegate_facts", "run_once", "notify",
    "ignore_errors", "check_mode", "diff", "environment", "args", "until", "retries", "delay", "throttle",
    "any_errors_fatal", "block", "rescue", "always", "listen", "timeout", "async", "poll", "module_defaults",
    "collections", "connection", "ignore_unreachable", "debugger", "port", "remote_user",
}
NOT_PRINTED = {"name", "when", "changed_when", "failed_when", "until", "register", "tags", "no_log", "notify",
               "listen", "delegate_to", "run_once", "become", "check_mode", "loop_control"}


def _action(task):
    return next((key for key in task if key not in TASK_KEYWORDS), None)


def _names(value):
    """Variable references (with their attribute chain) in the Jinja of a value, recursively."""
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _names(sub)
    elif isinstance(value, list):
        for sub in value:
            yield from _names(sub)
    elif isinstance(value, str):
        for expr, stmt in JINJA_BLOCK.findall(value):
            code = re.sub(r"'[^']*'|\"[^\"]*\"", "''", expr or stmt)
            yield from JINJA_NAME.findall(code)


def _secret_name(ref, registered):
    head = re.split(r"[.\[]", ref, maxsplit=1)[0]
    if head in registered:
        return True
    last = re.split(r"[.\[\]'\"]+", ref.strip("]'\""))[-1] or head
    for part in (head, last):
        if SECRET_NAME.search(part) and not NOT_SECRET_NAME.search(part):
            return True
    return False


def _printed(task):
    return {key: value for key, value in task.items() if key not in NOT_PRINTED}


def _handles_secret(task, registered):
    action = _action(task)
    if action in NOT_LOGGING:
        return ""
    if action in SECRET_MODULES:
        return "module %s" % action
    args = task.get(action)
    if action in ("ansible.builtin.slurp", "slurp") and isinstance(args, dict):
        if SECRET_FILE.search(str(args.get("src") or args.get("path") or "")):
            return "reads %s" % args.get("src") or args.get("path")
    refs = sorted({ref for ref in _names(_printed(task)) if _secret_name(ref, registered)})
    if refs:
        return "uses %s" % ", ".join(refs)
    return ""


def _role_vars():
    """Variables of the roles' vars/main.yml (computed values; a value built from a secret is one)."""
    out = {}
    for role in sorted(os.listdir(os.path.join(REPO, "roles"))):
        path = os.path.join(REPO, "roles", role, "vars", "main.yml")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                out.update(yaml.safe_load(handle) or {})
    return out


def _tainted(task, registered):
    """Names a secret-handling task makes secret: what it registers, the facts it sets."""
    if not _handles_secret(task, registered):
        return set()
    names = {task["register"]} if task.get("register") else set()
    if _action(task) in ("ansible.builtin.set_fact", "set_fact") and isinstance(task.get(_action(task)), dict):
        names |= {key for key in task[_action(task)] if key != "cacheable"}
    return names


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def scan(mutate=None):
    """(file, task name, why) of each task handling a secret without no_log; `mutate(path, data)`
    may change a file's tasks first (the rule's own mutation tests)."""
    tasks = []
    for path in _task_files():
        data = _load(path)
        if mutate:
            data = mutate(os.path.relpath(path, REPO), data)
        if isinstance(data, list):
            tasks.extend(_tasks(data, os.path.relpath(path, REPO)))
    role_vars = _role_vars()
    registered = set()
    while True:  # results, facts and role vars built from secrets are secrets too, wherever used
        found = set().union(*(_tainted(t, registered) for _where, t in tasks))
        found |= {name for name, value in role_vars.items()
                  if any(_secret_name(ref, registered) for ref in _names(value))}
        if found <= registered:
            break
        registered |= found
    return [(where, task.get("name", "?"), why) for where, task in tasks
            for why in [_handles_secret(task, registered)]
            if why and not task.get("no_log") and (where, task.get("name")) not in ALLOWED]


def test_every_task_that_handles_a_secret_has_no_log():
    missing = scan()
    assert not missing, "tasks handling a secret without no_log:\n" + "\n".join(
        "  %s: %r (%s)" % item for item in missing)


@pytest.mark.parametrize("task, expected", [
    ({"name": "t", "seed.kubeadm.kubeadm_token": {"state": "present"}}, "module seed.kubeadm.kubeadm_token"),
    ({"name": "t", "ansible.builtin.slurp": {"src": "/etc/kubernetes/admin.conf"}}, "reads /etc/kubernetes/admin.conf"),
    ({"name": "t", "ansible.builtin.debug": {"msg": "{{ join.token }}"}}, "uses join.token"),
    ({"name": "t", "ansible.builtin.copy": {"content": "{{ keepalived_auth_pass }}", "dest": "/x"}},
     "uses keepalived_auth_pass"),
    ({"name": "t", "ansible.builtin.debug": {"msg": "{{ item }}"}, "loop": "{{ vrrp_secret_list }}"},
     "uses vrrp_secret_list"),
    ({"name": "t", "ansible.builtin.debug": {"msg": "{{ apiserver_lb_auth_pass_file }}"}}, ""),
    ({"name": "t", "ansible.builtin.debug": {"msg": "{{ control_plane_join_token_ttl }}"}}, ""),
    ({"name": "t", "ansible.builtin.debug": {"msg": "x"}, "when": "token is defined"}, ""),
    ({"name": "t", "ansible.builtin.slurp": {"src": "/etc/hosts"}}, ""),
])
def test_the_rule_itself(task, expected):
    assert _handles_secret(task, set()) == expected


def test_secret_names_spread_through_set_fact():
    task = {"name": "t", "ansible.builtin.set_fact": {"joined": "{{ vrrp_password }}"}}
    assert _tainted(task, set()) == {"joined"}
    assert _tainted({"name": "t", "ansible.builtin.set_fact": {"x": "1"}}, set()) == set()


def test_a_registered_secret_taints_its_users():
    assert _handles_secret({"name": "t", "ansible.builtin.copy": {"content": "{{ slurped.content | b64decode }}"}},
                           {"slurped"}) == "uses slurped.content"


def test_the_allowed_tasks_still_exist():
    names = {(where, task.get("name")) for path in _task_files() for where, task in
             _tasks(_load(path) if isinstance(_load(path), list) else [], os.path.relpath(path, REPO))}
    assert set(ALLOWED) <= names


@pytest.mark.parametrize("path, name", [
    ("roles/worker/tasks/main.yml", "Create a short-lived bootstrap token on the control-plane host"
     " - tries at most {{ cluster_network_tries }}"),
    ("roles/control_plane/tasks/controller_kubeconfig.yml", "Write the admin kubeconfig on the controller (0600, server = the API endpoint)"),
    ("roles/keepalived/tasks/main.yml", "Read or generate the VRRP authentication secrets"),
    ("roles/control_plane/tasks/kubeadm.yml", "Upload the control-plane certificates with a fresh certificate key"
     " - tries at most {{ cluster_network_tries }}"),
])
def test_a_task_that_loses_no_log_is_caught(path, name):
    def drop_no_log(where, data):
        if where == path:
            for _where, task in _tasks(data, where):
                if task.get("name") == name:
                    task.pop("no_log")
        return data
    assert [item[:2] for item in scan(drop_no_log)] == [(path, name)]
