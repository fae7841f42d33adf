"""Vendor templates render the intended configuration from inventory data, and the diff of
that configuration against an emulated switch converges (templates + hier-config + emulator)."""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml
from ansible_collections.hisops.him.plugins.filter import hisops_switch
from ansible_collections.hisops.him.plugins.module_utils import switchcfg

from lab.emulators import h3c_comware, huawei_vrp
from lab.emulators.undo_cli import Session

pytestmark = pytest.mark.unit

ROLE = Path(__file__).resolve().parents[3] / "roles" / "switch_config"
DEFAULTS = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text(encoding="utf-8"))
MODELS = yaml.safe_load((ROLE / "vars" / "main.yml").read_text(encoding="utf-8"))["hisops_switch_models_builtin"]
VLANS = {"it": {"id": 100, "name": "XXK-IT"}, "outpatient": {"id": 110, "name": "MZ-OUTPATIENT"}}
SWITCHES: dict[str, dict[str, Any]] = {
    "cisco_ios": {"model": "cisco_2960_24TT_L", "access": "FastEthernet0/1", "uplink": "GigabitEthernet0/1"},
    "ruijie_os": {"model": "ruijie_s2928g", "access": "FastEthernet0/1", "uplink": "GigabitEthernet0/1"},
    "huawei_vrp": {"model": "huawei_s5735_l24t4s", "access": "GigabitEthernet0/0/1", "uplink": "XGigabitEthernet0/0/1"},
    "h3c_comware": {"model": "h3c_s5130_28s", "access": "GigabitEthernet1/0/1", "uplink": "Ten-GigabitEthernet1/0/25"},
}


def render(vendor: str, **overrides: Any) -> str:
    sw = SWITCHES[vendor]
    data = {
        "vendor": vendor,
        "model": sw["model"],
        "models": MODELS,
        "vlans": overrides.pop("vlans", VLANS),
        "ports": [{"port": sw["access"], "department": "outpatient", "room": "MZ-101", "host": "ws-mz-01"}],
        "uplinks": [{"port": sw["uplink"], "description": "uplink sw-core-01"}],
    }
    assert hisops_switch.switch_problems({**data, "banner": DEFAULTS["hisops_switch_banner"]}, "sw1") == []
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(ROLE / "templates")), trim_blocks=True, undefined=jinja2.StrictUndefined
    )
    env.filters["hisops.him.hisops_vlan_list"] = hisops_switch.vlan_list
    variables = copy.deepcopy(DEFAULTS)
    variables.update(
        inventory_hostname="sw1",
        hisops_switch_vendor=vendor,
        hisops_switch_plan_data=hisops_switch.switch_plan(data),
        hisops_switch_ntp_servers=["10.0.0.31"],
        hisops_switch_syslog_servers=["10.0.0.32"],
        hisops_switch_snmp_community="Comm-RO",
        hisops_switch_snmp_location="MACHINE-ROOM",
        hisops_switch_local_users=[{"name": "netadmin", "password": "N3tPass", "privilege": 15}],
    )
    variables.update(overrides)
    return env.get_template(vendor + ".j2").render(**variables)


@pytest.mark.parametrize(
    ("vendor", "expected"),
    [
        (
            "cisco_ios",
            [
                "vlan 110",
                " name MZ-OUTPATIENT",
                "interface FastEthernet0/1",
                " description MZ-101 ws-mz-01 outpatient",
                " switchport access vlan 110",
                " switchport port-security maximum 2",
                " switchport trunk allowed vlan 100,110",
                "interface FastEthernet0/2",
                " shutdown",
                "ntp server 10.0.0.31",
                "logging host 10.0.0.32",
                "snmp-server community Comm-RO RO",
                "username netadmin privilege 15 secret N3tPass",
                "aaa new-model",
                "banner motd #",
            ],
        ),
        ("ruijie_os", ["logging server 10.0.0.32", " switchport access vlan 110"]),
        (
            "huawei_vrp",
            [
                "vlan batch 100 110",
                "interface GigabitEthernet0/0/1",
                " port link-type access",
                " port default vlan 110",
                " port-security max-mac-num 2",
                " port trunk allow-pass vlan 100 110",
                "ntp-service unicast-server 10.0.0.31",
                "info-center loghost 10.0.0.32",
                "snmp-agent community read cipher Comm-RO",
                "aaa",
                " local-user netadmin password irreversible-cipher N3tPass",
            ],
        ),
        (
            "h3c_comware",
            [
                "vlan 110",
                " port access vlan 110",
                " port trunk permit vlan 100 110",
                "local-user netadmin class manage",
                " password simple N3tPass",
                "port-security enable",
                " port-security max-mac-count 2",
            ],
        ),
    ],
)
def test_template_renders_the_baseline(vendor: str, expected: list[str]) -> None:
    lines = render(vendor).splitlines()
    for line in expected:
        assert line in lines, line
    # every port of the model appears once: access, uplink and the rest shut down
    assert sum(1 for x in lines if x.startswith("interface ")) == len(
        hisops_switch.expand_ports(MODELS[SWITCHES[vendor]["model"]]["ports"])
    )


def test_unused_ports_are_left_alone_when_told() -> None:
    assert " shutdown" not in render("cisco_ios", hisops_switch_shutdown_unused=False).splitlines()


def test_port_security_off() -> None:
    text = render("huawei_vrp", hisops_switch_port_security={"enabled": False, "max_mac": 2, "violation": "restrict"})
    assert "port-security" not in text


def test_every_rendered_line_is_in_the_managed_scope() -> None:
    for vendor in SWITCHES:
        switchcfg.prepare(render(vendor), vendor, running=False)  # raises on a line outside the scope


@pytest.mark.parametrize("module", [huawei_vrp, h3c_comware], ids=["huawei_vrp", "h3c_comware"])
def test_push_to_the_emulator_converges(module: Any) -> None:
    """First push from an empty switch, then nothing left; a changed VLAN pushes only its lines."""
    vendor = module.DIALECT.vendor
    core = module.build("sw1", "x")
    out: list[str] = []
    session = Session(core.state, out.append, logging.getLogger("test"))

    def apply(commands: list[str]) -> None:
        out.clear()
        for cmd in ["system-view", *commands, "return"]:
            session.receive(cmd)
        assert not any("Error" in x or "% " in x for x in out), "".join(out)

    intended = render(vendor)
    first = switchcfg.compute(core.state.render(), intended, vendor)
    assert len(first.commands) > 50
    apply(first.commands)
    assert switchcfg.compute(core.state.render(), intended, vendor).commands == []

    moved = render(
        vendor, vlans={"it": {"id": 100, "name": "XXK-IT"}, "outpatient": {"id": 130, "name": "MZ-OUTPATIENT"}}
    )
    second = switchcfg.compute(core.state.render(), moved, vendor)
    assert any("130" in c for c in second.commands)
    apply(second.commands)
    assert switchcfg.compute(core.state.render(), moved, vendor).commands == []
    shown = core.state.render().splitlines()
    assert not [x for x in shown if x.endswith(" vlan 110") or x == "vlan 110" or x.startswith("vlan batch 100 110")]
