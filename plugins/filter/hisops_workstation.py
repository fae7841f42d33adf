# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the workstation_policy role: validate the policy data, select controls by tag."""

from __future__ import annotations

from typing import Any

from ..module_utils.workstation_policy import (
    POLICY_DEFAULTS,
    policy_problems,
    workstation_controls,
)


GLOBAL_TAGS = {"all", "workstation_policy", "tagged"}


def workstation_problems(
    catalog: Any,
    host: str,
    policy: Any,
    department: Any,
    controls: Any = None,
    skip_controls: Any = None,
    platform: str = "linux",
    connection_user: Any = "root",
) -> list[str]:
    return policy_problems(
        host, catalog, policy, department, controls or None, skip_controls, platform, connection_user
    )


def host_platform(hv: Any) -> str:
    """linux or windows, as the role's default of hisops_workstation_platform derives it."""
    if hv.get("hisops_workstation_platform") in ("linux", "windows"):
        return str(hv["hisops_workstation_platform"])
    windows = hv.get("ansible_connection") in ("winrm", "psrp") or "workstations_windows" in (
        hv.get("group_names") or []
    )
    return "windows" if windows else "linux"


def all_hosts_problems(hostvars: Any, hosts: list[str]) -> list[str]:
    """The problems of every host of the play (one controller task validates them all).

    Reads each host's inventory variables (role defaults are not in hostvars: the policy
    defaults are module_utils' POLICY_DEFAULTS, which the role's defaults repeat).
    """
    problems: list[str] = []
    for host in hosts:
        hv = hostvars[host]
        policy = {key: hv.get("hisops_workstation_" + key, default) for key, default in POLICY_DEFAULTS.items()}
        problems += policy_problems(
            host,
            hv.get("hisops_control_catalog"),
            policy,
            hv.get("hisops_department"),
            hv.get("hisops_workstation_controls") or None,
            hv.get("hisops_workstation_skip_controls") or [],
            host_platform(hv),
            hv.get("ansible_user") or "root",
        )
    return problems


def tag_selection(
    catalog: dict[str, Any], controls: list[str], skip: list[str], run_tags: list[str], skip_tags: list[str]
) -> dict[str, Any]:
    """Merge the variable lists with --tags/--skip-tags (a control's tag is its ID in lower case).

    Returns ``run`` (false when --tags names neither the role nor one of its controls),
    ``controls`` and ``skip_controls`` for the module.
    """
    ids = workstation_controls(catalog)
    by_tag = {cid.lower(): cid for cid in ids}
    run = {t.lower() for t in run_tags or ["all"]}
    tagged = [by_tag[t] for t in sorted(run) if t in by_tag]
    chosen = list(controls or [])
    pool = chosen or ids
    if tagged and not run & GLOBAL_TAGS:
        # --tags him-5.4-games: only the tagged controls (within the variable's list, if set)
        pool = chosen = [c for c in pool if c in tagged]
    skipped = list(skip or []) + [by_tag[t.lower()] for t in skip_tags or [] if t.lower() in by_tag]
    wanted = [c for c in pool if c not in skipped]
    return {
        "run": bool(run & GLOBAL_TAGS or tagged) and bool(wanted),
        "controls": chosen,
        "skip_controls": sorted(set(skipped)),
    }


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "hisops_workstation_problems": workstation_problems,
            "hisops_workstation_all_hosts_problems": all_hosts_problems,
            "hisops_workstation_tag_selection": tag_selection,
        }
