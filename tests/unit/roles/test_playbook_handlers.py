# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every play of the collection's playbooks runs its notified handlers even when a later task fails.

A configuration file written, then another task failing on that host, must still restart the
service (force_handlers); a run killed before the handlers ran is covered by the pending-restart
markers of node_state (test_restarts_kept.py).
"""

from __future__ import annotations

import glob
import os

import pytest

from unit_helpers import REPO, load_yaml

PLAYBOOKS = sorted(glob.glob(os.path.join(REPO, "playbooks", "*.yml")))


@pytest.mark.parametrize("path", PLAYBOOKS, ids=os.path.basename)
def test_every_play_forces_its_handlers(path):
    plays = [p for p in load_yaml(path) or [] if "hosts" in p]
    assert plays or "import_playbook" in open(path, encoding="utf-8").read()
    missing = [p.get("name") for p in plays if p.get("force_handlers") is not True]
    assert missing == [], "plays without force_handlers: true"
