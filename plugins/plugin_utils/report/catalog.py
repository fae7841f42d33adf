"""Control metadata (group_vars/all/controls.yml) and department data (the inventory) for reports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_CATALOG = ROOT / "group_vars" / "all" / "controls.yml"
CATALOG_VAR = "hisops_control_catalog"


class CatalogError(ValueError):
    """The control catalog or the inventory cannot be read."""


def load_catalog(path: str | os.PathLike[str] | None = None) -> dict[str, dict[str, Any]]:
    """The control catalog keyed by control ID (titles zh/en, rule citations, severity, kind)."""
    file = Path(path) if path else DEFAULT_CATALOG
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise CatalogError("cannot read the control catalog %s: %s" % (file, exc.strerror)) from None
    except yaml.YAMLError as exc:
        raise CatalogError("the control catalog %s is not valid YAML: %s" % (file, exc)) from None
    catalog = data.get(CATALOG_VAR)
    if not isinstance(catalog, dict):
        raise CatalogError("the control catalog %s has no mapping %r" % (file, CATALOG_VAR))
    return catalog


def rules_text(control: dict[str, Any] | None) -> str:
    """The rule citations of a control, e.g. '五.4, 七.4'."""
    rule = (control or {}).get("rule") or []
    return ", ".join(str(r) for r in (rule if isinstance(rule, list) else [rule]))


def _plain(value: Any) -> Any:
    """Unwrap ansible-inventory's {"__ansible_unsafe": text} (data an inventory plugin read)."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def inventory_list(inventory: str, ansible_inventory: str | None = None) -> dict[str, Any]:
    """``ansible-inventory --list`` of an inventory, as plain data."""
    exe = ansible_inventory or shutil.which("ansible-inventory")
    if not exe:
        raise CatalogError("ansible-inventory not found: put the venv's bin on PATH to read --inventory")
    try:
        proc = subprocess.run(
            [exe, "-i", inventory, "--list"], capture_output=True, text=True, check=False, timeout=300
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CatalogError("cannot run ansible-inventory for %s: %s" % (inventory, exc)) from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise CatalogError("ansible-inventory -i %s failed: %s" % (inventory, last))
    return _plain(json.loads(proc.stdout))


def inventory_hostvars(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every host's variables from ``inventory_list`` data, with ``group_names`` (every group it is
    in, parents included, as Ansible's magic variable has them)."""
    hostvars = {h: dict(v) for h, v in data.get("_meta", {}).get("hostvars", {}).items()}

    def members(group: str, seen: frozenset[str]) -> set[str]:
        entry = data.get(group) or {}
        hosts = set(entry.get("hosts") or [])
        for child in entry.get("children") or []:
            if child not in seen:
                hosts |= members(child, seen | {child})
        return hosts

    for group in data:
        if group in ("_meta", "all", "ungrouped"):
            continue
        for host in members(group, frozenset({group})):
            hostvars.setdefault(host, {}).setdefault("group_names", []).append(group)
    return hostvars


def inventory_departments(
    inventory: str | dict[str, Any], ansible_inventory: str | None = None
) -> dict[str, dict[str, str]]:
    """Department code -> names and custodian, from ``ansible-inventory --list`` of an inventory
    (a path, or ``inventory_list`` data).

    Reads every host's ``hisops_department`` (group_vars of the dept_* groups). Used to fill in
    departments the store has no asset record for.
    """
    data = inventory_list(inventory, ansible_inventory) if isinstance(inventory, str) else inventory
    out: dict[str, dict[str, str]] = {}
    for hostvars in data.get("_meta", {}).get("hostvars", {}).values():
        dept = hostvars.get("hisops_department")
        if isinstance(dept, dict) and dept.get("code"):
            custodian = dept.get("custodian") or {}
            out.setdefault(
                str(dept["code"]),
                {
                    "name_zh": str(dept.get("name_zh") or ""),
                    "name_en": str(dept.get("name_en") or ""),
                    "custodian": str(custodian.get("name") or ""),
                    "staff_id": str(custodian.get("staff_id") or ""),
                },
            )
    return out
