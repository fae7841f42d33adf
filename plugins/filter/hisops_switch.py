# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for switch configuration: check the switch data, and plan what to render.

``hisops_switch_problems`` lists everything wrong with one switch's data (VLAN ids out of
1-4094, duplicate VLAN ids, ports the model does not have, unknown vendor or model,
unknown departments, text a switch CLI cannot take), one line each naming the switch and
the field. The role asserts the list is empty for every switch before any switch is
touched. ``hisops_switch_plan`` turns the same data into the list of VLANs and interfaces
the vendor templates print.
"""

from __future__ import annotations

import re
from typing import Any

from ..module_utils import netdev, switchcfg

VENDORS = tuple(netdev.VENDORS)  # the vendor registry
RANGE = re.compile(r"^(?P<prefix>.*?)(?P<lo>\d+)-(?P<hi>\d+)$")
# What a switch CLI takes in a description or name: printable ASCII without '?' (help key)
TEXT = re.compile(r"^[\x20-\x3e\x40-\x7e]+$")
MAX_DESCRIPTION = 80
BANNER = re.compile(r"^[\x20-\x7e]*$")
BANNER_FORBIDDEN = '#%"?'
VLAN_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,31}$")


def expand_ports(specs: list[str]) -> list[str]:
    """``["GigabitEthernet0/0/1-3"]`` -> GigabitEthernet0/0/1, .../2, .../3 (order kept)."""
    ports: list[str] = []
    for spec in specs or []:
        m = RANGE.match(str(spec))
        if m:
            ports.extend("%s%d" % (m.group("prefix"), n) for n in range(int(m.group("lo")), int(m.group("hi")) + 1))
        else:
            ports.append(str(spec))
    return ports


def _is_vlan_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 4094


def _vlan_problems(host: str, vlans: Any) -> list[str]:
    if not isinstance(vlans, dict) or not vlans:
        return ["switch %s: hisops_vlans is missing or empty (department code -> {id, name})" % host]
    problems: list[str] = []
    seen: dict[int, str] = {}
    for dept, vlan in vlans.items():
        field = "hisops_vlans.%s" % dept
        if not isinstance(vlan, dict):
            problems.append("switch %s: %s must be a mapping with id and name" % (host, field))
            continue
        vid = vlan.get("id")
        if not _is_vlan_id(vid):
            problems.append("switch %s: %s.id %r is not a VLAN id (1-4094)" % (host, field, vid))
        elif vid == 1:
            problems.append("switch %s: %s.id 1 is the default VLAN and cannot be a department VLAN" % (host, field))
        elif vid in seen:
            problems.append(
                "switch %s: %s.id %d is also the VLAN of department %s (duplicate VLAN id)"
                % (host, field, vid, seen[vid])
            )
        else:
            seen[vid] = dept
        if not VLAN_NAME.match(str(vlan.get("name", ""))):
            problems.append(
                "switch %s: %s.name %r must be 1-31 characters A-Z a-z 0-9 _ . -" % (host, field, vlan.get("name"))
            )
    return problems


def _port_problems(host: str, data: dict[str, Any], known: list[str] | None) -> list[str]:
    problems: list[str] = []
    vlans = data.get("vlans") if isinstance(data.get("vlans"), dict) else {}
    vlan_ids = {v.get("id") for v in vlans.values() if isinstance(v, dict)}
    used: dict[str, str] = {}
    for kind, field in (("ports", "hisops_switch_ports"), ("uplinks", "hisops_switch_uplinks")):
        items = data.get(kind) or []
        if not isinstance(items, list):
            problems.append("switch %s: %s must be a list" % (host, field))
            continue
        for i, item in enumerate(items):
            where = "%s[%d]" % (field, i)
            if not isinstance(item, dict) or not item.get("port"):
                problems.append("switch %s: %s has no port" % (host, where))
                continue
            port = str(item["port"])
            if known is not None and port not in known:
                problems.append(
                    "switch %s: %s.port %r does not exist on model %s" % (host, where, port, data.get("model"))
                )
            if port in used:
                problems.append("switch %s: %s.port %r is already configured by %s" % (host, where, port, used[port]))
            used[port] = where
            for key in ("room", "host", "description"):
                if key in item and not TEXT.match(str(item[key])):
                    problems.append(
                        "switch %s: %s.%s %r must be printable ASCII without '?'" % (host, where, key, item[key])
                    )
            text = item.get("description") or " ".join(str(item.get(k, "")) for k in ("room", "host", "department"))
            if len(text) > MAX_DESCRIPTION:
                problems.append(
                    "switch %s: %s: the port description %r is longer than %d characters"
                    % (host, where, text, MAX_DESCRIPTION)
                )
            if kind == "ports":
                if item.get("department") not in vlans:
                    problems.append(
                        "switch %s: %s.department %r has no VLAN in hisops_vlans"
                        % (host, where, item.get("department"))
                    )
                if "vlan" in item and not _is_vlan_id(item["vlan"]):
                    problems.append("switch %s: %s.vlan %r is not a VLAN id (1-4094)" % (host, where, item["vlan"]))
                elif "vlan" in item and item["vlan"] not in vlan_ids:
                    problems.append(
                        "switch %s: %s.vlan %d is not in the VLAN plan (hisops_vlans)" % (host, where, item["vlan"])
                    )
            else:
                allowed = item.get("vlans", "all")
                if allowed != "all":
                    if not isinstance(allowed, list):
                        problems.append("switch %s: %s.vlans must be 'all' or a list of VLAN ids" % (host, where))
                    else:
                        for vid in allowed:
                            if not _is_vlan_id(vid):
                                problems.append(
                                    "switch %s: %s.vlans: %r is not a VLAN id (1-4094)" % (host, where, vid)
                                )
                            elif vid not in vlan_ids:
                                problems.append(
                                    "switch %s: %s.vlans: VLAN %d is not in hisops_vlans" % (host, where, vid)
                                )
    return problems


def switch_problems(data: dict[str, Any], host: str) -> list[str]:
    """Everything wrong with one switch's data, one line each naming the switch and field."""
    problems: list[str] = []
    vendor = data.get("vendor")
    if vendor not in VENDORS:
        problems.append(
            "switch %s: hisops_switch_vendor %r is not supported (one of %s)" % (host, vendor, ", ".join(VENDORS))
        )
    models = data.get("models") or {}
    model = data.get("model")
    known: list[str] | None = None
    if model not in models:
        problems.append(
            "switch %s: hisops_switch_model %r has no port list (known models: %s)"
            % (host, model, ", ".join(sorted(models)))
        )
    else:
        known = expand_ports(models[model].get("ports", []))
        if vendor in VENDORS and models[model].get("vendor") not in (None, vendor):
            problems.append(
                "switch %s: hisops_switch_model %s is a %s model, but hisops_switch_vendor is %s"
                % (host, model, models[model].get("vendor"), vendor)
            )
    banner = str(data.get("banner") or "")
    if not BANNER.match(banner) or any(c in banner for c in BANNER_FORBIDDEN):
        problems.append('switch %s: hisops_switch_banner must be one line of printable ASCII without # %% " ?' % host)
    problems += _vlan_problems(host, data.get("vlans"))
    problems += _port_problems(host, data, known)
    return problems


def _text(*parts: Any) -> str:
    return " ".join(str(p) for p in parts if p not in (None, ""))


def switch_plan(data: dict[str, Any]) -> dict[str, Any]:
    """What to render: VLANs (sorted by id) and every interface of the model, in port order.

    Each interface has ``mode`` access (department port), trunk (uplink) or unused (shut down).
    """
    vlans = data["vlans"]
    all_ids = sorted(v["id"] for v in vlans.values())
    ports = {str(p["port"]): p for p in data.get("ports") or []}
    uplinks = {str(u["port"]): u for u in data.get("uplinks") or []}
    interfaces: list[dict[str, Any]] = []
    for name in expand_ports(data["models"][data["model"]]["ports"]):
        if name in uplinks:
            up = uplinks[name]
            allowed = all_ids if up.get("vlans", "all") == "all" else sorted(up["vlans"])
            interfaces.append(
                {"name": name, "mode": "trunk", "description": up.get("description") or "uplink", "vlans": allowed}
            )
        elif name in ports:
            p = ports[name]
            dept = p["department"]
            interfaces.append(
                {
                    "name": name,
                    "mode": "access",
                    "description": p.get("description") or _text(p.get("room"), p.get("host"), dept),
                    "vlan": p.get("vlan", vlans[dept]["id"]),
                    "port_security": p.get("port_security", True),
                }
            )
        else:
            interfaces.append({"name": name, "mode": "unused"})
    return {
        "vlans": [
            {"id": v["id"], "name": v["name"], "department": d}
            for d, v in sorted(vlans.items(), key=lambda kv: kv[1]["id"])
        ],
        "interfaces": interfaces,
    }


def vlan_list(vlans: list[int], style: str = "cisco") -> str:
    """A VLAN list the vendor's way: cisco ``10,20-22``; vrp ``10 20 to 22``."""
    return switchcfg.format_vlan_list(list(vlans), style)


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "hisops_switch_problems": switch_problems,
            "hisops_switch_plan": switch_plan,
            "hisops_switch_ports_expand": expand_ports,
            "hisops_vlan_list": vlan_list,
        }
