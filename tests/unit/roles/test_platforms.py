# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platforms the roles and README claim: no EL 8 (haproxy 1.8 lacks "http-check send", cgroup v1)."""

from __future__ import annotations

import glob
import os
import re

import pytest
import yaml

from role_render import REPO, ROLES

METAS = sorted(glob.glob(os.path.join(ROLES, "*", "meta", "main.yml")))


@pytest.mark.parametrize("path", METAS, ids=lambda p: p.split(os.sep)[-3])
def test_no_role_claims_el8(path):
    with open(path, encoding="utf-8") as handle:
        platforms = yaml.safe_load(handle)["galaxy_info"]["platforms"]
    el = [p for p in platforms if p["name"] == "EL"]
    assert all("8" not in [str(v) for v in p["versions"]] for p in el)
    debian = [p for p in platforms if p["name"] == "Debian"]
    assert debian and set(debian[0]["versions"]) >= {"bookworm", "trixie"}


def test_readme_support_matrix():
    """Supported means tested here (Debian); Ubuntu and the RHEL family are listed as untested; EL 8 not at all."""
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        lines = handle.readlines()
    header = [line for line in lines if line.startswith("| what |")][0].split("|")
    row = [line for line in lines if line.startswith("| OS |")][0].split("|")
    assert "supported" in header[2] and "untested" in header[3]
    assert "Debian 12" in row[2] and "Debian 13" in row[2]
    assert "Ubuntu" not in row[2] and "RHEL" not in row[2]
    assert "Ubuntu" in row[3] and "RHEL" in row[3]
    assert not re.search(r"\b8/9\b|\b8\b", "|".join(row))
