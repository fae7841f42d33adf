"""Shared pytest set-up: make the project's plugins importable as Ansible would load them."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import ansible.module_utils

ROOT = Path(__file__).resolve().parent.parent
# Ansible loads plugins/module_utils/hisops as ansible.module_utils.hisops; do the same.
_MU = str(ROOT / "plugins" / "module_utils")
if _MU not in ansible.module_utils.__path__:
    ansible.module_utils.__path__.append(_MU)
for sub in ("modules", "filter", "callback", "inventory", "action", "lib"):
    path = str(ROOT / "plugins" / sub)
    if path not in sys.path:
        sys.path.insert(0, path)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Playbooks that tests run record into a throw-away results store, never the project's
# (results/hisops.sqlite) nor a store configured in the environment.
os.environ["HISOPS_STORE"] = str(Path(tempfile.mkdtemp(prefix="hisops-test-store-")) / "results.sqlite")
