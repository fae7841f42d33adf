# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the workstation_policy role: validate every host's data, build each host's module input."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleError
from jinja2 import Undefined

from ..module_utils.workstation_antivirus import POLICY_KEY, SETTINGS_KEYS, antivirus_problems
from ..module_utils.workstation_policy import (
    POLICY_DEFAULTS,
    controls_problems,
    module_controls,
    policy_problems,
    select_controls,
    selection_problems,
    workstation_controls,
)


def host_platform(hv: Any) -> str:
    """linux or windows, as the role's default of hisops_workstation_platform derives it."""
    if hv.get("hisops_workstation_platform") in ("linux", "windows"):
        return str(hv["hisops_workstation_platform"])
    windows = hv.get("ansible_connection") in ("winrm", "psrp") or "workstations_windows" in (
        hv.get("group_names") or []
    )
    return "windows" if windows else "linux"


def host_problems(hv: Any, host: str, mechanism: dict[str, Any] | None = None) -> list[str]:
    """The problems of one host's workstation data; with ``mechanism`` (the role's
    {linux: {ID: ...}, windows: {ID: ...}}) also a selected control without mechanism data."""
    catalog = hv.get("hisops_control_catalog")
    controls = hv.get("hisops_workstation_controls") or None
    skip = hv.get("hisops_workstation_skip_controls") or []
    problems = selection_problems(host, catalog, controls, skip)
    if problems:
        return problems
    policy = {key: hv.get("hisops_workstation_" + key, default) for key, default in POLICY_DEFAULTS.items()}
    problems = policy_problems(
        host, policy, hv.get("hisops_department"), hv.get("ansible_user") or "root", workstation_controls(catalog)
    )
    if mechanism is not None and not problems:
        platform = host_platform(hv)
        selected = module_controls(catalog, mechanism.get(platform) or {}, select_controls(catalog, controls, skip))
        problems = controls_problems(host, selected) or antivirus_host_problems(hv, host, selected)
    return problems


def antivirus_host_problems(hv: Any, host: str, selected: list[dict[str, Any]]) -> list[str]:
    """The antivirus area's settings (the host's hisops_antivirus_* variables) when it is selected.

    A variable that refers to ``hostvars`` (the lab's mirror URL names nc-01's address) cannot be
    templated when read through hostvars (Ansible does not give hostvars to a host variable read
    that way): it is not checked here but by the module, on its host, before anything is read
    (the antivirus area changes nothing on any host).
    """
    settings: dict[str, Any] = {}
    deferred = []
    for key in SETTINGS_KEYS:
        try:
            value = hv.get("hisops_antivirus_" + key)
        except AnsibleError:
            value = Undefined()
        if isinstance(value, Undefined):  # Ansible's marker of a value it could not template
            deferred.append("hisops_antivirus_%s " % key)
        else:
            settings[key] = value
    problems = antivirus_problems(host, selected, {POLICY_KEY: settings})
    return [p for p in problems if not any(name in p for name in deferred)]


def all_hosts_problems(hostvars: Any, hosts: list[str], mechanism: dict[str, Any] | None = None) -> list[str]:
    """The problems of every host of the play (one controller task validates them all).

    Reads each host's inventory variables (role defaults are not in hostvars: the policy
    defaults are module_utils' POLICY_DEFAULTS, which the role's defaults repeat).
    """
    problems: list[str] = []
    for host in hosts:
        problems += host_problems(hostvars[host], host, mechanism)
    return problems


def selected_controls(
    catalog: dict[str, Any],
    mechanism: dict[str, Any],
    tagged: list[str],
    controls: list[str] | None = None,
    skip: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The module's ``controls`` for one host: the controls the run's tags selected (``tagged``,
    set by the role's one task per control) that the host's variables select, each with its
    ID, severity and this platform's mechanism."""
    wanted = set(tagged or [])
    ids = [cid for cid in select_controls(catalog, controls or None, skip or []) if cid in wanted]
    return module_controls(catalog, mechanism, ids)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "hisops_workstation_all_hosts_problems": all_hosts_problems,
            "hisops_workstation_selected_controls": selected_controls,
        }
