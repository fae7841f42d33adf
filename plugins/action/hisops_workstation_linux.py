# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of hisops_workstation_linux / hisops_workstation_windows.

Fills in ``host``, ``groups``, ``connection_user`` and ``today`` from the play and runs the
module. For Windows it first validates the policy data on the controller (unknown control IDs,
malformed allowlist entries, exceptions without approver or expiry, a department without a
login group) and fails BEFORE anything is sent to the host, naming the host and the field; the
Linux module makes that check itself.
Afterwards it sets the fact ``hisops_workstation_results`` (the records) and fails the host
when a control ended in ``error`` and ``fail_on_error`` is true.
"""

from __future__ import annotations

import datetime
from typing import Any

from ansible.plugins.action import ActionBase
from ..module_utils.workstation_policy import controls_problems, policy_problems


class ActionModule(ActionBase):
    """Validate on the controller, then run the module of the same name."""

    PLATFORM = "linux"
    # The policy data is checked twice: for every host of the play before any is touched (the
    # role's validate.yml, filter hisops_workstation_all_hosts_problems), then authoritatively
    # by the module itself. The Linux module runs that check (module_utils.workstation_policy);
    # the PowerShell module cannot, so for Windows this plugin runs it in the module's stead.
    CHECKS_POLICY = False
    TRANSFERS_FILES = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        module, args = self.module_and_args()
        args.setdefault("host", task_vars.get("inventory_hostname"))
        args.setdefault("groups", list(task_vars.get("group_names") or []))
        args.setdefault(
            "connection_user",
            self._play_context.remote_user or task_vars.get("ansible_user") or "root",
        )
        args.setdefault("today", datetime.date.today().isoformat())
        host = str(args["host"])
        if not args.get("controls"):
            # --tags or the host's selection left no workstation control: no round trip (the
            # role's task has no `when` for this: templating the selection twice per host costs
            # the controller more than this check; bench/workstation_scale.py)
            result.update(skipped=True, changed=False, skip_reason="no workstation control selected for host %s" % host)
            return result
        problems = self.CHECKS_POLICY and (
            controls_problems(host, args.get("controls"))
            + policy_problems(host, args.get("policy") or {}, args.get("department"), args["connection_user"])
        )
        if problems:
            result.update(
                failed=True,
                changed=False,
                problems=problems,
                msg="workstation policy data is wrong, nothing was changed: " + "; ".join(problems),
            )
            return result
        result.update(self._execute_module(module_name=module, module_args=args, task_vars=task_vars))
        self.complete(result, args)
        records = result.get("hisops_controls")
        if isinstance(records, list):
            # kept for the compliance report, without another task per host
            result["ansible_facts"] = {"hisops_workstation_results": records}
            errors = [r for r in records if isinstance(r, dict) and r.get("status") == "error"]
            if errors and args.get("fail_on_error", True):
                result["failed"] = True
                result["msg"] = "host %s: %d control(s) could not be fixed: %s" % (
                    args["host"],
                    len(errors),
                    "; ".join("%s: %s" % (r.get("id"), r.get("message")) for r in errors),
                )
        return result

    def module_and_args(self) -> tuple[str, dict[str, Any]]:
        """The module to run (the task's own) and the task's arguments."""
        return self._task.action, dict(self._task.args)

    def complete(self, result: dict[str, Any], args: dict[str, Any]) -> None:
        """What the controller adds to the module's result before it is recorded (nothing on Linux)."""
