# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of hisops_workstation: one task for every workstation, whatever its platform.

Runs hisops_workstation_linux or hisops_workstation_windows by the host's ``platform``, with the
controller-side work of that module's own action plugin (the Windows policy check, the update age).
The role's one task per host instead of a task per platform whose ``when`` skips it on the other
platform's hosts: a skipped task still costs the controller a forked worker per host.
"""

from __future__ import annotations

from typing import Any

from .hisops_workstation_linux import ActionModule as LinuxActionModule
from .hisops_workstation_windows import ActionModule as WindowsActionModule
from .hisops_workstation_windows import complete_update_age

PLATFORMS: dict[str, type[LinuxActionModule]] = {"linux": LinuxActionModule, "windows": WindowsActionModule}
MODULE = "hisops.him.hisops_workstation_%s"


class ActionModule(LinuxActionModule):
    """hisops_workstation_linux or hisops_workstation_windows, by the task's ``platform``."""

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        platform = self._task.args.get("platform")
        if platform not in PLATFORMS:
            result = super(LinuxActionModule, self).run(tmp, task_vars)
            result.update(
                failed=True,
                changed=False,
                msg="host %s: hisops_workstation_platform is %r, must be one of %s"
                % ((task_vars or {}).get("inventory_hostname"), platform, ", ".join(PLATFORMS)),
            )
            return result
        self.PLATFORM = platform
        self.CHECKS_POLICY = PLATFORMS[platform].CHECKS_POLICY
        return super().run(tmp, task_vars)

    def module_and_args(self) -> tuple[str, dict[str, Any]]:
        """The platform's module, and the task's arguments but ``platform``."""
        args = dict(self._task.args)
        return MODULE % args.pop("platform"), args

    def complete(self, result: dict[str, Any], args: dict[str, Any]) -> None:
        """What the platform's own action plugin adds (Windows: the update age)."""
        if self.PLATFORM == "windows":
            complete_update_age(result, args)
