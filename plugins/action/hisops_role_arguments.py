# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of hisops_role_arguments: a role's argument spec checked on the controller for every
host of the play in one task (run_once), each distinct set of values once.

Ansible's own check (a role's ``rolespec_validate``) is a task per host, each on a forked worker:
at a fleet's scale the largest part of the controller's time per host after the module task
itself. A playbook that runs this task and then imports the role with ``rolespec_validate: false``
gets the same check once: the same spec (the role's meta/argument_specs.yml), each host's variables
as a task of the role sees them (role defaults, the host's inventory variables and facts, play
vars, role vars, extra vars), every host's problems in one list, each naming the host and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ansible.errors import AnsibleError

from ..plugin_utils.controller_action import ControllerAction
from ..plugin_utils.recording import PER_HOST_KEY
from ..plugin_utils.role_arguments import RoleArguments, host_variables, role_spec

ROLES = Path(__file__).resolve().parents[2] / "roles"  # this collection's roles


class ActionModule(ControllerAction):
    """Check the role's arguments of every host given; fail with every problem in one list."""

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        hosts = [str(h) for h in self._task.args.get("hosts") or task_vars.get("ansible_play_hosts") or []]
        entry_point = str(self._task.args.get("entry_point") or "main")
        role = self._task.args.get("role")
        role_path = str(ROLES / str(role).rsplit(".", 1)[-1]) if role else task_vars.get("role_path", "")
        spec = role_spec(self._loader, role_path, entry_point)
        if spec is None:
            result.update(
                failed=True, msg="no argument spec (meta/argument_specs.yml) of role %s" % (role or role_path)
            )
            return result
        variables = host_variables(self, task_vars, role_path)
        templar = self._templar.copy_with_new_env()
        per_host = {host: self.host_problems(host, variables(host), spec, templar) for host in hosts}
        problems = [p for host in hosts for p in per_host[host]]
        # the recorder records each host whose variables are wrong under that host (failed, with its
        # problems), not the host this task ran on
        failed_hosts = {
            host: {"failed": True, "changed": False, "msg": "; ".join(found)}
            for host, found in per_host.items()
            if found
        }
        result.update(changed=False, failed=bool(problems), problems=problems, hosts=len(hosts))
        result.update({PER_HOST_KEY: "failed_hosts", "failed_hosts": failed_hosts})
        if problems:
            result["msg"] = "the role's variables are wrong for %d problem(s), nothing was changed: %s" % (
                len(problems),
                "; ".join(problems),
            )
        else:
            result["msg"] = "the role's variables of %d host(s) are valid" % len(hosts)
        return result

    @staticmethod
    def host_problems(host: str, host_vars: dict[str, Any], spec: RoleArguments, templar: Any) -> list[str]:
        """One host's problems with the role's options, each naming the host (a value that cannot be
        templated too)."""
        names = [k for k in spec.names if k in host_vars]
        templar.available_variables = host_vars
        try:
            provided = templar.template({k: host_vars[k] for k in names})
        except AnsibleError as exc:
            return ["host %s: %s" % (host, " ".join(str(exc.message).split())[:500])]
        return ["host %s: %s" % (host, m) for m in spec.problems(provided)]
