# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of hisops_workstation_windows: the same validation as for Linux."""

from __future__ import annotations

import importlib.util
import os

# Load the Linux action plugin from its file (not by module name: plugins/modules holds a
# module of the same name).
_SPEC = importlib.util.spec_from_file_location(
    "hisops_action_workstation_linux",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "hisops_workstation_linux.py"),
)
assert _SPEC is not None and _SPEC.loader is not None
_LINUX = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(_LINUX)


class ActionModule(_LINUX.ActionModule):  # type: ignore[name-defined,misc]
    """Validate the Windows policy data on the controller, then run the PowerShell module."""

    PLATFORM = "windows"
