# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check docs/diagrams/plays.dot against the tree (run by docs/diagrams/render.sh --check).

- its plays (number, name, hosts, roles) are the plays of playbooks/site.yml, in order (imported
  playbooks expanded; a play on localhost without roles, such as the inventory check, is a guard and
  is not drawn);
- its table has one row per role of roles/, and a role's marks are exactly the cluster_facts keys
  the role's files read (``cluster_facts.KEY`` or ``cluster_facts['KEY']`` outside comments, in
  defaults, vars, tasks, handlers and templates). A role that hands the whole ``cluster_facts`` to a
  filter or module may mark more keys (what the Python code reads is not checked here).

Prints what differs and exits 1; exits 0 when the picture tells the truth.
"""

from __future__ import annotations

import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DOT = os.path.join(HERE, "plays.dot")
SITE = os.path.join(REPO, "playbooks", "site.yml")
ROLES = os.path.join(REPO, "roles")
ROLE_DIRS = ("defaults", "vars", "tasks", "handlers", "templates")
COLLECTION = "seed.kubeadm."

FACT_RE = re.compile(r"(?<![\w.)\]])cluster_facts(?:\.(\w+)|\[['\"](\w+)['\"]\])")
# cluster_facts handed over whole (to a filter or module), not a test or a set_fact key.
WHOLE_RE = re.compile(r"(?<![\w.)\]])cluster_facts(?![\w.\[:])(?!\s+is\s)")
JINJA_COMMENT_RE = re.compile(r"\{#.*?#\}")
PLAY_RE = re.compile(r'^\s*(p_\w+) \[label="(\d+) (.+?)\\n\((.+?)\)"\];', re.M)
EDGE_RE = re.compile(r"^\s*(p_\w+) -> m:role_(\w+):w\b", re.M)
ROW_RE = re.compile(r'^\s*<tr><td port="role_(\w+)"[^>]*>.*?</td>((?:<td>.*?</td>)*)</tr>', re.M)
CELL_RE = re.compile(r"<td>(.*?)</td>")
KEY_RE = re.compile(r'<td port="key_(\w+)">')
MARK = "&#9679;"


def role_name(name):
    name = str(name)
    return name[len(COLLECTION):] if name.startswith(COLLECTION) else name


def _plays(path):
    """The plays of a playbook, with ``import_playbook`` entries replaced by the plays they import."""
    with open(path, encoding="utf-8") as handle:
        entries = yaml.safe_load(handle) or []
    plays = []
    for entry in entries:
        imported = entry.get("ansible.builtin.import_playbook") or entry.get("import_playbook")
        if imported:
            plays.extend(_plays(os.path.join(os.path.dirname(path), imported)))
        else:
            plays.append(entry)
    return plays


def site_plays():
    """[(name, hosts, sorted roles)] of playbooks/site.yml: roles: and include_role/import_role tasks."""
    out = []
    for play in _plays(SITE):
        roles = []
        for entry in play.get("roles") or []:
            roles.append(role_name(entry.get("role") or entry.get("name") if isinstance(entry, dict) else entry))
        for section in ("pre_tasks", "tasks", "post_tasks"):
            for task in play.get(section) or []:
                for action in ("ansible.builtin.include_role", "ansible.builtin.import_role", "include_role", "import_role"):
                    if action in task:
                        roles.append(role_name(task[action]["name"]))
        if str(play.get("hosts", "")) == "localhost" and not roles:
            continue  # a guard (playbooks/inventory_check.yml), not a step of the data flow
        out.append((str(play.get("name", "")).split(" - ", maxsplit=1)[0].strip(), str(play.get("hosts", "")), sorted(set(roles))))
    return out


def dot_plays(text):
    nodes = sorted(((int(num), pid, name, hosts) for pid, num, name, hosts in PLAY_RE.findall(text)))
    roles = {}
    for pid, role in EDGE_RE.findall(text):
        roles.setdefault(pid, set()).add(role)
    return [(name, hosts, sorted(roles.get(pid, ()))) for _num, pid, name, hosts in nodes]


def dot_table(text):
    keys = KEY_RE.findall(text)
    rows = {}
    for role, cells in ROW_RE.findall(text):
        marks = CELL_RE.findall(cells)
        rows[role] = {key for key, mark in zip(keys, marks) if mark.strip() == MARK}
        if len(marks) != len(keys):
            rows[role].add("<%d cells for %d keys>" % (len(marks), len(keys)))
    return keys, rows


def role_reads(role):
    """(the cluster_facts keys the files of one role read, whether it hands cluster_facts over whole)."""
    found = set()
    whole = False
    for sub in ROLE_DIRS:
        for base, _dirs, files in os.walk(os.path.join(ROLES, role, sub)):
            for name in files:
                with open(os.path.join(base, name), encoding="utf-8", errors="replace") as handle:
                    for line in handle:
                        if line.lstrip().startswith("#"):
                            continue
                        line = JINJA_COMMENT_RE.sub("", line)
                        for dotted, indexed in FACT_RE.findall(line):
                            found.add(dotted or indexed)
                        whole = whole or bool(WHOLE_RE.search(line))
    return found, whole


def main():
    with open(DOT, encoding="utf-8") as handle:
        text = handle.read()
    problems = []

    want, have = site_plays(), dot_plays(text)
    for index in range(max(len(want), len(have))):
        w = want[index] if index < len(want) else None
        h = have[index] if index < len(have) else None
        if w != h:
            problems.append("play %d: playbooks/site.yml has %s, plays.dot shows %s" % (
                index + 1, "name=%r hosts=%r roles=%s" % w if w else "no such play",
                "name=%r hosts=%r roles=%s" % h if h else "no such play"))

    keys, rows = dot_table(text)
    roles = sorted(d for d in os.listdir(ROLES) if os.path.isdir(os.path.join(ROLES, d)))
    for role in roles:
        if role not in rows:
            problems.append("role %s has no row in the table of plays.dot" % role)
            continue
        reads, whole = role_reads(role)
        unknown = sorted(reads - set(keys))
        if unknown:
            problems.append("role %s reads cluster_facts keys without a column in plays.dot: %s" % (role, ", ".join(unknown)))
        missing = sorted((reads & set(keys)) - rows[role])
        extra = sorted(rows[role] - reads) if not whole else []
        if missing:
            problems.append("role %s reads %s: mark them in its row of plays.dot" % (role, ", ".join(missing)))
        if extra:
            problems.append("role %s does not read %s: remove these marks from its row of plays.dot" % (role, ", ".join(extra)))
    for role in sorted(set(rows) - set(roles)):
        problems.append("plays.dot has a row for role %s, which does not exist" % role)

    for line in problems:
        print("plays.dot: " + line)
    if problems:
        print("plays.dot is out of date with the tree: fix docs/diagrams/plays.dot (and docs/architecture.md), "
              "then run docs/diagrams/render.sh")
        return 1
    print("plays.dot matches playbooks/site.yml and the cluster_facts keys the roles read")
    return 0


if __name__ == "__main__":
    sys.exit(main())
