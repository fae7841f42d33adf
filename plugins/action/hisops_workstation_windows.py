# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of hisops_workstation_windows: the policy check the PowerShell module cannot run."""

from __future__ import annotations

from .hisops_workstation_linux import ActionModule as LinuxActionModule


class ActionModule(LinuxActionModule):
    """Validate the Windows policy data on the controller, then run the PowerShell module."""

    PLATFORM = "windows"
    CHECKS_POLICY = True  # the PowerShell module does not check the policy data itself
