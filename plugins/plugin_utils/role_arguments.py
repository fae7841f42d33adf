"""A role's argument spec checked on the controller for many hosts at once, with each host's variables
as a task of the role sees them: shared by the action plugins that check a role's arguments for every
host of the play in ONE task (hisops_switch_config_fleet, hisops_role_arguments) instead of Ansible's
per-host argument-spec task (a forked worker per host)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.utils.vars import load_extra_vars


class RoleArguments:
    """The role's main options (meta/argument_specs.yml). Hosts mostly share their values
    (group_vars): each distinct set of values is checked once, not once per host (the check
    deep-copies every value: a third of the controller's time per switch)."""

    def __init__(self, validator: ArgumentSpecValidator) -> None:
        self.names = validator.argument_spec
        self._validator = validator
        self._checked: dict[str, list[str]] = {}

    def problems(self, values: dict[str, Any]) -> list[str]:
        key = repr(values)  # keeps types apart (1 and "1"); an object without a repr of its own never matches another
        if key not in self._checked:
            self._checked[key] = self._validator.validate(values, validate_role_argument_spec=True).error_messages
        return self._checked[key]


def role_spec(loader: Any, role_path: str, entry_point: str = "main") -> RoleArguments | None:
    """The options of the role's entry point (meta/argument_specs.yml); None when the role has none."""
    path = os.path.join(role_path, "meta", "argument_specs.yml")
    if not role_path or not os.path.exists(path):
        return None
    specs = loader.load_from_file(path) or {}
    options = specs.get("argument_specs", {}).get(entry_point, {}).get("options", {})
    return RoleArguments(ArgumentSpecValidator(options))


def role_vars(loader: Any, role_path: str, folder: str) -> dict[str, Any]:
    """A role's defaults or vars (``defaults/main.yml``, ``vars/main.yml``, or a ``main/`` folder), raw."""
    found: dict[str, Any] = {}
    if not role_path:
        return found
    for path in loader.find_vars_files(os.path.join(role_path, folder), "main"):
        found.update(loader.load_from_file(path, trusted_as_template=True) or {})
    return found


def host_variables(
    action: ActionBase, task_vars: dict[str, Any], role_path: str | None = None
) -> Callable[[str], dict[str, Any]]:
    """A function giving each host's variables as a task of the role sees them (the running action's
    role, or the role at ``role_path``),
    through public interfaces only: the role's defaults < the host's own variables
    (``hostvars.raw_get``: inventory, facts) < the play's vars < the role's vars < extra vars,
    with the play's magic variables (``hostvars``, ``groups``, ``role_path``, ``omit``, ...) of
    this task. Values are raw (templates not rendered)."""
    loader = action._loader
    hostvars = task_vars["hostvars"]
    role_path = task_vars.get("role_path", "") if role_path is None else role_path
    defaults, own_role_vars = role_vars(loader, role_path, "defaults"), role_vars(loader, role_path, "vars")
    play = action._task.get_play()
    play_vars = play.get_vars() if play is not None else {}
    extra = load_extra_vars(loader)
    own = hostvars.raw_get(task_vars["inventory_hostname"])
    # what this task sees beyond the running host's own variables is the same for every host
    magic = {k: v for k, v in task_vars.items() if k not in own and k not in defaults and k not in own_role_vars}
    magic = {k: v for k, v in magic.items() if k not in play_vars}

    def variables(host: str) -> dict[str, Any]:
        return {**defaults, **hostvars.raw_get(host), **play_vars, **own_role_vars, **magic, **extra}

    return variables
