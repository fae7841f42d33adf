"""Shared pytest set-up: make the project's plugins importable as Ansible would load them."""

from __future__ import annotations

import sys
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
