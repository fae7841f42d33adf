"""The asset register's columns, from the facts a run gathers and the inventory's department data."""

from __future__ import annotations

import re
from typing import Any

DISK_SKIP = re.compile(r"^(loop|ram|sr|fd|dm-|zram|md)")
# Servers and workstations: Ansible's setup facts.
HOST_FACTS = {
    "vendor": "system_vendor",
    "product": "product_name",
    "serial": "product_serial",
    "os": "distribution",
    "os_version": "distribution_version",
    "kernel": "kernel",
    "arch": "architecture",
}
# Switches: the network facts hisops_switch_facts returns (the names cisco.ios.ios_facts uses).
NET_FACTS = {
    "vendor": "net_vendor",
    "product": "net_model",
    "serial": "net_serialnum",
    "os": "net_system",
    "os_version": "net_version",
    "ipv4": "net_mgmt_ipv4",
}


def _fact(facts: dict[str, Any], name: str) -> Any:
    return facts.get("ansible_" + name, facts.get(name))


def asset_columns(facts: dict[str, Any]) -> dict[str, Any]:
    """The asset register columns found in gathered facts (setup, package_facts, switch facts)."""
    cols: dict[str, Any] = {}
    for column, name in (*HOST_FACTS.items(), *NET_FACTS.items()):
        value = _fact(facts, name)
        if column not in cols and value not in (None, "", "NA"):
            cols[column] = str(value)
    for column, name in (("cpus", "processor_vcpus"), ("memory_mb", "memtotal_mb")):
        if isinstance(_fact(facts, name), int):
            cols[column] = _fact(facts, name)
    ipv4 = _fact(facts, "default_ipv4")
    if isinstance(ipv4, dict) and ipv4.get("address"):
        cols["ipv4"] = str(ipv4["address"])
        cols["mac"] = str(ipv4.get("macaddress") or "")
    devices = _fact(facts, "devices")
    if isinstance(devices, dict):
        disks = {n: d for n, d in devices.items() if not DISK_SKIP.match(n) and isinstance(d, dict)}
        cols["disks_count"] = len(disks)
        total = sum(int(d.get("sectors") or 0) * int(d.get("sectorsize") or 512) for d in disks.values())
        cols["disk_total_gb"] = round(total / 1e9, 1)
    packages = facts.get("packages")
    if isinstance(packages, dict):
        cols["packages_count"] = len(packages)
    return cols


def department_columns(dept: Any) -> dict[str, str]:
    """Department name and custodian from the inventory's hisops_department ({} when not a mapping)."""
    if not isinstance(dept, dict):
        return {}
    custodian = dept.get("custodian") if isinstance(dept.get("custodian"), dict) else {}
    return {
        "department_name": str(dept.get("name_zh") or dept.get("name_en") or ""),
        "custodian": str(custodian.get("name") or ""),
        "custodian_staff_id": str(custodian.get("staff_id") or ""),
    }
