# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of hisops_switch_config_fleet: validate and render every switch of the play on the
controller, then run the module ONCE for all of them.

With ``hosts`` (the role's parallel mode) this one task does what would otherwise be several
tasks per switch (validate, render, report): Ansible spends 20-30 ms per host and task on a
forked worker, more than the push itself. The switch data was checked for every host by the
whole-inventory check that runs before (playbooks/validate_inventory.yml); here every switch's
role arguments are checked; if any switch has a problem, the task fails with every switch's
problems in one list (each naming the switch and the field) and nothing is pushed. Then the
intended configuration of every switch is rendered with the role's vendor template (the same
template lookup as the one-switch path) and the module runs once with all of them. With
``switches`` (items rendered by the caller) the module runs as it is.
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.template import trust_as_template

MODULE = "hisops.him.hisops_switch_config_fleet"
# One switch's item of the module's ``switches`` option: option -> the switch's variable. A variable
# the switch does not set leaves its option out: the module's argument spec holds the defaults.
ITEM_VARS = {
    "host": "ansible_host",
    "port": "ansible_port",
    "vendor": "hisops_switch_vendor",
    "username": "hisops_switch_username",
    "password": "hisops_switch_password",
    "secret": "hisops_switch_secret",
    "secrets": "hisops_switch_secret_values",
}


def _switch_filters() -> Any:
    """The role's checks and plan (filter plugin hisops_switch), shared with the one-switch path."""
    from ..filter import hisops_switch

    return hisops_switch


class Switch(NamedTuple):
    host: str
    host_vars: dict[str, Any]
    templar: Any
    data: dict[str, Any]
    problems: list[str]


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._templates: dict[str, str] = {}  # vendor template path -> text, read once

    def _role_spec(self) -> ArgumentSpecValidator | None:
        """The options of the role's main entry point (meta/argument_specs.yml), checked for every switch."""
        role = self._task._role
        if role is None:
            return None
        path = os.path.join(role.get_role_path(), "meta", "argument_specs.yml")
        if not os.path.exists(path):
            return None
        specs = self._loader.load_from_file(path) or {}
        return ArgumentSpecValidator(specs.get("argument_specs", {}).get("main", {}).get("options", {}))

    @staticmethod
    def _naming(host: str, step: Any, *args: Any) -> Any:
        """Run one step for one switch; an error (an undefined variable, a broken template) names the switch."""
        try:
            return step(*args)
        except AnsibleError as exc:
            raise AnsibleActionFail("switch %s: %s" % (host, exc.message)) from exc

    def _switch(self, host: str, host_vars: dict[str, Any], role_spec: ArgumentSpecValidator | None) -> Switch:
        """One switch's templar, data and problems with the role's arguments. The switch data itself
        was checked for every host by the whole-inventory check that runs first (hisops_inventory_check,
        playbooks/validate_inventory.yml); the module checks its own arguments."""
        templar = self._templar.copy_with_new_env(available_variables=host_vars)
        problems: list[str] = []
        if role_spec:
            provided = templar.template({k: host_vars[k] for k in role_spec.argument_spec if k in host_vars})
            checked = role_spec.validate(provided, validate_role_argument_spec=True)
            problems += ["switch %s: %s" % (host, m) for m in checked.error_messages]
        data = templar.template(host_vars["hisops_switch_data"])
        return Switch(host, host_vars, templar, data, problems)

    def _play_switches(self, hosts: list[str], task_vars: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
        """(every switch's problems, in play order; the module's items when there is none)."""
        # each switch's variables as a task of this role sees them (role defaults and vars included)
        hostvars = task_vars["hostvars"]
        manager, inventory, play = hostvars._variable_manager, hostvars._inventory, self._task.get_play()
        role_spec = self._role_spec()
        switches = [
            self._naming(
                h, self._switch, h, manager.get_vars(play=play, host=inventory.get_host(h), task=self._task), role_spec
            )
            for h in hosts
        ]
        problems = [p for s in switches for p in s.problems]
        if problems:
            return problems, []
        return [], [self._naming(s.host, self._item, s) for s in switches]

    def _item(self, switch: Switch) -> dict[str, Any]:
        """The module's item for one switch, with its intended configuration rendered by the
        role's vendor template (as the template lookup of the one-switch path renders it)."""
        values = {k: switch.host_vars[var] for k, var in ITEM_VARS.items() if var in switch.host_vars}
        item = {"name": switch.host, **switch.templar.template(values)}
        item["host"] = item.get("host") or switch.host
        path = self._find_needle("templates", "%s.j2" % item.get("vendor"))
        if path not in self._templates:
            self._templates[path] = trust_as_template(self._loader.get_text_file_contents(path))
        variables = {
            **switch.host_vars,
            "hisops_switch_plan_data": _switch_filters().switch_plan(switch.data),
        }
        templar = switch.templar.copy_with_new_env(available_variables=variables, searchpath=[os.path.dirname(path)])
        item["intended_config"] = templar.template(self._templates[path], escape_backslashes=False)
        return item

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        if "hosts" in args:
            if "switches" in args:
                raise AnsibleActionFail("hosts and switches are mutually exclusive")
            hosts = [str(h) for h in args.pop("hosts") or []]
            problems, args["switches"] = self._play_switches(hosts, task_vars)
            if problems:
                result.update(
                    failed=True,
                    changed=False,
                    problems=problems,
                    msg="switch data has %d problem(s); no switch was touched: %s"
                    % (len(problems), "; ".join(problems)),
                )
                return result
        result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        if isinstance(result.get("switches"), dict):
            # the recorder (callback hisops_recorder) records each switch's result under its own host
            result["hisops_results_per_host"] = "switches"
        return result
