"""Switch data checks and the render plan (plugins/filter/hisops_switch.py)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible_collections.hisops.him.plugins.filter import hisops_switch

pytestmark = pytest.mark.unit

MODELS = yaml.safe_load(
    (Path(__file__).resolve().parents[3] / "roles/switch_config/vars/main.yml").read_text(encoding="utf-8")
)["hisops_switch_models_builtin"]

GOOD: dict[str, Any] = {
    "vendor": "cisco_ios",
    "model": "cisco_2960_24TT_L",
    "models": MODELS,
    "banner": "Authorized access only",
    "vlans": {"it": {"id": 100, "name": "XXK-IT"}, "outpatient": {"id": 110, "name": "MZ-OUTPATIENT"}},
    "ports": [{"port": "FastEthernet0/1", "department": "outpatient", "room": "MZ-101", "host": "ws-mz-01"}],
    "uplinks": [{"port": "GigabitEthernet0/1", "description": "uplink sw-core-01"}],
}


def problems_with(path: list[Any], value: Any) -> list[str]:
    data = copy.deepcopy(GOOD)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return hisops_switch.switch_problems(data, "sw-mz-01")


def test_good_data_has_no_problem() -> None:
    assert hisops_switch.switch_problems(GOOD, "sw-mz-01") == []


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (["vlans", "it", "id"], 4095, "switch sw-mz-01: hisops_vlans.it.id 4095 is not a VLAN id (1-4094)"),
        (["vlans", "it", "id"], 0, "switch sw-mz-01: hisops_vlans.it.id 0 is not a VLAN id (1-4094)"),
        (
            ["vlans", "it", "id"],
            110,
            "hisops_vlans.outpatient.id 110 is also the VLAN of department it (duplicate VLAN id)",
        ),
        (
            ["ports", 0, "port"],
            "FastEthernet0/25",
            "hisops_switch_ports[0].port 'FastEthernet0/25' does not exist on model cisco_2960_24TT_L",
        ),
        (["uplinks", 0, "port"], "Gi0/1", "hisops_switch_uplinks[0].port 'Gi0/1' does not exist on model"),
        (["vendor"], "juniper_junos", "switch sw-mz-01: hisops_switch_vendor 'juniper_junos' is not supported"),
        (["model"], "cisco_9999", "switch sw-mz-01: hisops_switch_model 'cisco_9999' has no port list"),
        (["ports", 0, "department"], "radiology", "hisops_switch_ports[0].department 'radiology' has no VLAN"),
        (["ports", 0, "room"], "门诊101", "hisops_switch_ports[0].room '门诊101' must be printable ASCII"),
        (["uplinks", 0, "vlans"], [100, 5000], "hisops_switch_uplinks[0].vlans: 5000 is not a VLAN id (1-4094)"),
        (["vlans", "it", "name"], "IT department", "hisops_vlans.it.name 'IT department' must be 1-31 characters"),
        (["banner"], "a # b", "hisops_switch_banner must be one line"),
    ],
)
def test_each_problem_names_the_switch_and_field(path: list[Any], value: Any, expected: str) -> None:
    found = problems_with(path, value)
    assert any(expected in p for p in found), found
    assert all(p.startswith("switch sw-mz-01: ") for p in found)


def test_port_used_twice_and_model_of_another_vendor() -> None:
    data = copy.deepcopy(GOOD)
    data["ports"].append({"port": "GigabitEthernet0/1", "department": "it"})
    data["vendor"] = "huawei_vrp"
    found = hisops_switch.switch_problems(data, "sw1")
    assert (
        "switch sw1: hisops_switch_uplinks[0].port 'GigabitEthernet0/1' is already configured by hisops_switch_ports[1]"
        in found
    )
    assert any("is a cisco_ios model, but hisops_switch_vendor is huawei_vrp" in p for p in found)


def test_plan_lists_every_port_of_the_model_in_order() -> None:
    plan = hisops_switch.switch_plan(GOOD)
    assert [v["id"] for v in plan["vlans"]] == [100, 110]
    names = [i["name"] for i in plan["interfaces"]]
    assert names[0] == "FastEthernet0/1" and names[-1] == "GigabitEthernet0/2" and len(names) == 26
    first, uplink = plan["interfaces"][0], plan["interfaces"][24]
    assert first == {
        "name": "FastEthernet0/1",
        "mode": "access",
        "description": "MZ-101 ws-mz-01 outpatient",
        "vlan": 110,
        "port_security": True,
    }
    assert uplink == {
        "name": "GigabitEthernet0/1",
        "mode": "trunk",
        "description": "uplink sw-core-01",
        "vlans": [100, 110],
    }
    assert plan["interfaces"][1] == {"name": "FastEthernet0/2", "mode": "unused"}


def test_port_ranges_expand() -> None:
    assert hisops_switch.expand_ports(["Ten-GigabitEthernet1/0/25-27", "Vlanif1"]) == [
        "Ten-GigabitEthernet1/0/25",
        "Ten-GigabitEthernet1/0/26",
        "Ten-GigabitEthernet1/0/27",
        "Vlanif1",
    ]
