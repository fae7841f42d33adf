"""The catalog and the role's mechanism data, as the workstation tests read them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from ansible_collections.hisops.him.plugins.module_utils.workstation_policy import module_controls, select_controls

ROOT = Path(__file__).resolve().parents[3]
CATALOG: dict[str, Any] = yaml.safe_load((ROOT / "group_vars/all/controls.yml").read_text(encoding="utf-8"))[
    "hisops_control_catalog"
]
ROLE_VARS = ROOT / "roles/workstation_policy/vars/main"
MECHANISM: dict[str, dict[str, Any]] = {
    platform: yaml.safe_load((ROLE_VARS / (platform + ".yml")).read_text(encoding="utf-8"))[
        "hisops_workstation_%s_mechanism" % platform
    ]
    for platform in ("linux", "windows")
}


def controls_for(ids: list[str] | None = None, platform: str = "linux", skip: list[str] | None = None) -> list[dict]:
    """The module's ``controls`` for these control IDs (all workstation controls when None)."""
    return module_controls(CATALOG, MECHANISM[platform], select_controls(CATALOG, ids, skip))
