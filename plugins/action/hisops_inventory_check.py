# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of hisops_inventory_check: the whole inventory checked on the control node, one list of problems."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from ..filter.hisops_inventory import department_problems, staff_across_departments
from ..filter.hisops_switch import switch_problems
from ..filter.hisops_workstation import all_hosts_problems
from ..plugin_utils.asset_inventory import ASSET_VAR, asset_problems, duplicate_asset_ids
from ..plugin_utils.controller_action import ControllerAction
from ..plugin_utils.inventory_model import (
    SWITCHES_GROUP,
    WORKSTATIONS_GROUP,
    department_groups,
)
from ..plugin_utils.project import project_relative
from ..plugin_utils.vars_files import inventory_yaml_problems

_PLUGINS = Path(__file__).resolve().parent.parent

# the switch_config role's own defaults (used when the inventory sets none) and vars (the built-in models)
SWITCH_ROLE_DEFAULTS = _PLUGINS.parent / "roles" / "switch_config" / "defaults" / "main.yml"
SWITCH_ROLE_VARS = _PLUGINS.parent / "roles" / "switch_config" / "vars" / "main.yml"
# Secrets a run needs: read (never shown) so that one missing from the vault is found now, per host.
SECRET_VARS = ("ansible_password", "ansible_become_password", "hisops_switch_password", "hisops_switch_secret")


def _guarded(host: str, hv: Mapping[str, Any], check: Callable[[], list[str]]) -> list[str]:
    """Run one host's check; a variable that cannot be templated (an undefined secret) is a problem too."""
    try:
        return check()
    except Exception as exc:  # AnsibleUndefinedVariable and other templating errors
        first = " ".join(str(exc).split())[:300]
        where = _where(hv)
        hint = ""
        if "vault_" in first:
            hint = " (a secret: put it in a vault file of its group, group_vars/GROUP/vault.yml; docs/inventory.md)"
        return ["host %s: a variable cannot be read: %s%s [%s]" % (host, first, hint, where)]


def host_problems(host: str, hv: Mapping[str, Any], role: Mapping[str, Any]) -> list[str]:
    """Everything wrong with one host's inventory data: department, asset register, switch data."""
    groups = list(hv.get("group_names") or [])
    problems = _guarded(
        host,
        hv,
        lambda: department_problems(hv.get("hisops_department"), host, department_groups(groups)),
    )
    problems += _guarded(host, hv, lambda: asset_problems(hv.get(ASSET_VAR), host))
    if SWITCHES_GROUP in groups:
        problems += _guarded(host, hv, lambda: switch_problems(_switch_data(hv, role), host))
    for name in SECRET_VARS:
        problems += _guarded(host, hv, lambda name=name: _readable(hv, name))
    where = _where(hv)
    return [p if p.endswith("]") else "%s [%s]" % (p, where) for p in problems]


def _readable(hv: Mapping[str, Any], name: str) -> list[str]:
    """Template a variable (its value is not kept): raises when it names an undefined secret."""
    hv.get(name)
    return []


def _where(hv: Mapping[str, Any]) -> str:
    """Where a host's data is: its inventory file, and its host_vars and group_vars beside it."""
    try:
        inventory = Path(project_relative(str(Path(str(hv.get("inventory_file") or "")).resolve())))
    except Exception:
        return "the inventory"
    return "%s, or %s/host_vars, group_vars" % (inventory, inventory.parent)


def switch_role() -> dict[str, Any]:
    """The switch_config role's defaults and vars files, as one mapping (vars win, as in Ansible)."""
    role: dict[str, Any] = {}
    for path in (SWITCH_ROLE_DEFAULTS, SWITCH_ROLE_VARS):
        role.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return role


def _switch_data(hv: Mapping[str, Any], role: Mapping[str, Any]) -> dict[str, Any]:
    """The switch_config role's hisops_switch_data, from the host's variables and the role's defaults."""

    def var(name: str) -> Any:
        return hv[name] if name in hv else role[name]

    return {
        "vendor": hv.get("hisops_switch_vendor"),
        "model": hv.get("hisops_switch_model"),
        "models": dict(role["hisops_switch_models_builtin"]) | dict(var("hisops_switch_models") or {}),
        "vlans": hv.get("hisops_vlans") or {},
        "ports": var("hisops_switch_ports"),
        "uplinks": var("hisops_switch_uplinks"),
        "banner": var("hisops_switch_banner"),
    }


def inventory_problems(task_vars: Mapping[str, Any], require_groups: list[str] | None = None) -> list[str]:
    """Every problem of the inventory, in one list: YAML errors first (then nothing else is read)."""
    sources = task_vars.get("ansible_inventory_sources") or []
    problems = inventory_yaml_problems(sources, str(task_vars.get("playbook_dir") or "."))
    if problems:
        return problems
    hosts = list((task_vars.get("groups") or {}).get("all") or [])
    if not hosts:
        return ["the inventory %s has no host: check that it parses and names hosts" % ", ".join(sources)]
    for group in require_groups or []:
        if not (task_vars.get("groups") or {}).get(group):
            problems.append(
                "the inventory %s has no host in group %s, which this playbook works on" % (", ".join(sources), group)
            )
    role = switch_role()
    hostvars = task_vars["hostvars"]
    for host in hosts:
        problems += host_problems(host, hostvars[host], role)
    if not problems:
        problems += _guarded("(departments)", {}, lambda: staff_across_departments(hostvars, hosts))
    workstations = [h for h in (task_vars.get("groups") or {}).get(WORKSTATIONS_GROUP) or [] if h in hosts]
    if workstations and not problems:
        problems += _guarded("(workstations)", {}, lambda: all_hosts_problems(hostvars, workstations))
    return problems + _guarded("(assets)", {}, lambda: duplicate_asset_ids(hostvars, hosts))


class ActionModule(ControllerAction):
    """Check the whole inventory on the control node; fail with every problem in one list."""

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        problems = inventory_problems(task_vars or {}, list(self._task.args.get("require_groups") or []))
        hosts = len(((task_vars or {}).get("groups") or {}).get("all") or [])
        if problems:
            msg = "the inventory has %d problem(s); nothing was changed:\n%s" % (len(problems), "\n".join(problems))
        else:
            msg = "the inventory is valid (%d hosts)" % hosts
        result.update(changed=False, failed=bool(problems), problems=problems, hosts=hosts, msg=msg)
        return result
