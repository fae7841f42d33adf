# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many switches from one task: the options of ``hisops_switch_config_fleet`` and one run of them.

Shared by the module (run by Ansible as any module) and its action plugin, which runs the same
engine in a process forked on the control node (no module payload to build, no interpreter to
start): both validate the options with ``FLEET_SPEC`` and report with ``fleet_result``.
"""

from __future__ import annotations

from typing import Any

from . import netdev
from .switchrun import run_parallel

SWITCH_SPEC: dict[str, Any] = {
    "name": {"type": "str", "required": True},
    "host": {"type": "str", "required": True},
    "port": {"type": "int", "default": 22},
    "vendor": {"type": "str", "required": True, "choices": sorted(netdev.VENDORS)},
    "username": {"type": "str", "required": True},
    "password": {"type": "str", "required": True, "no_log": True},
    "secret": {"type": "str", "default": "", "no_log": True},
    "intended_config": {"type": "str", "required": True},
    "secrets": {"type": "list", "elements": "str", "default": [], "no_log": True},
}

FLEET_SPEC: dict[str, Any] = {
    "switches": {"type": "list", "elements": "dict", "options": SWITCH_SPEC},
    "hosts": {"type": "list", "elements": "str"},  # consumed by the action plugin
    "parallel": {"type": "int", "default": 50},
    "processes": {"type": "int", "default": 0},
    "conn_timeout": {"type": "float", "default": 10.0},
    "command_timeout": {"type": "float", "default": 30.0},
    "known_hosts": {"type": "path", "default": ""},
    "backup_dir": {"type": "path", "required": True},
    "backup_keep": {"type": "int", "default": 30},
    "save": {"type": "bool", "default": True},
    "fail_on_any": {"type": "bool", "default": False},
}
REQUIRED_ONE_OF = [("switches", "hosts")]
MUTUALLY_EXCLUSIVE = [("switches", "hosts")]

# smallest accepted value of the numeric options
LEAST = {"parallel": 1, "processes": 0}


def option_problems(params: dict[str, Any]) -> list[str]:
    """What is wrong with validated options beyond their types (a technician's sentence each)."""
    problems = [
        "%s must be %d or more (got %d)" % (f, least, params[f]) for f, least in LEAST.items() if params[f] < least
    ]
    if params["switches"] is None:  # hosts reach here only without the action plugin
        problems.append("hosts needs the action plugin hisops_switch_config_fleet (plugins/action)")
    return problems


def secret_values(params: dict[str, Any]) -> set[str]:
    """Every no_log value of the options (masked in the result, as Ansible masks a module's)."""
    values: set[str] = set()
    for switch in params.get("switches") or []:
        values.update(v for v in (switch.get("password"), switch.get("secret"), *(switch.get("secrets") or [])) if v)
    return values


def run_fleet(params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, dict[str, Any]]:
    common = {
        k: params[k] for k in ("conn_timeout", "command_timeout", "known_hosts", "backup_dir", "backup_keep", "save")
    }
    items = [{**common, **s, "state": "present", "backup_version": "latest"} for s in params["switches"]]
    return run_parallel(items, check_mode, diff, params["parallel"], params["processes"])


def fleet_result(per_switch: dict[str, dict[str, Any]], fail_on_any: bool) -> dict[str, Any]:
    """The task's result: every switch's own, the names of those that failed, failed when asked."""
    failed = sorted(name for name, r in per_switch.items() if r["failed"])
    result = {
        "changed": any(r.get("changed") for r in per_switch.values()),
        "switches": per_switch,
        "failed_switches": failed,
        "failed": bool(failed and fail_on_any),
    }
    if result["failed"]:
        result["msg"] = "switches failed: %s" % ", ".join(failed)
    return result
