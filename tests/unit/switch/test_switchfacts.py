"""Switch identity (model, serial, software) from the vendors' own output, for the equipment register."""

from __future__ import annotations

import pytest
from ansible_collections.hisops.him.plugins.module_utils import switchfacts

pytestmark = pytest.mark.unit

# Output as the vendors print it (trimmed to the lines that matter and their neighbours).
CISCO_2960 = """Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE11, RELEASE SOFTWARE (fc3)
Technical Support: http://www.cisco.com/techsupport
ROM: Bootstrap program is C2960 boot loader
sw-mz-01 uptime is 3 weeks, 2 days, 4 hours, 1 minute
cisco WS-C2960-24TT-L (PowerPC405) processor (revision B0) with 65536K bytes of memory.
Processor board ID FOC1234X0AB
Base ethernet MAC Address       : 00:1B:2B:AA:BB:CC
Model number                    : WS-C2960-24TT-L
System serial number            : FOC1234X0AB
"""
CISCO_NO_MODEL_LINE = """Cisco IOS Software, C3560 Software (C3560-IPBASEK9-M), Version 12.2(55)SE, RELEASE SOFTWARE
cisco WS-C3560-8PC (PowerPC405) processor (revision B0) with 131072K bytes of memory.
Processor board ID FOC9999Z111
"""
RUIJIE_S2928G = """System description      : Ruijie Gigabit Intelligence Access Switch(S2928G-E) By Ruijie Networks
System start time       : 2026-01-13 10:36:29
System uptime           : 12:3:4:5
System hardware version : 1.20
System software version : S29_RGOS 11.0(5)B1
System patch number     : NA
System serial number    : G1LQ10Q000172
System boot version     : 1.3.7
"""
HUAWEI_VERSION = """Huawei Versatile Routing Platform Software
VRP (R) software, Version 5.170 (S5735 V200R019C10SPC500)
Copyright (C) 2000-2020 HUAWEI TECH CO., LTD
HUAWEI S5735-L24T4S-A Routing Switch uptime is 0 week, 3 days, 1 hour, 2 minutes
"""
HUAWEI_ESN = "ESN of slot 0: 2102353169DMKB000123\n"
H3C_VERSION = """H3C Comware Software, Version 7.1.070, Release 6126P20
Copyright (c) 2004-2021 New H3C Technologies Co., Ltd. All rights reserved.
H3C S5130S-28S-EI uptime is 0 weeks, 3 days, 1 hour, 2 minutes
Last reboot reason : Cold reboot
"""
H3C_MANUINFO = """Slot 1 CPU 0:
DEVICE_NAME          : S5130S-28S-EI
DEVICE_SERIAL_NUMBER : 219801A2YK8193Q00069
MAC_ADDRESS          : 0CDA-41B5-8E60
VENDOR_NAME          : H3C
"""


@pytest.mark.parametrize(
    ("vendor", "version", "serial_text", "expected"),
    [
        ("cisco_ios", CISCO_2960, "",
         {"model": "WS-C2960-24TT-L", "serial": "FOC1234X0AB", "version": "15.0(2)SE11"}),
        ("cisco_ios", CISCO_NO_MODEL_LINE, "",
         {"model": "WS-C3560-8PC", "serial": "FOC9999Z111", "version": "12.2(55)SE"}),
        ("ruijie_os", RUIJIE_S2928G, "",
         {"model": "S2928G-E", "serial": "G1LQ10Q000172", "version": "S29_RGOS 11.0(5)B1"}),
        ("huawei_vrp", HUAWEI_VERSION, HUAWEI_ESN,
         {"model": "S5735-L24T4S-A", "serial": "2102353169DMKB000123", "version": "V200R019C10SPC500"}),
        ("h3c_comware", H3C_VERSION, H3C_MANUINFO,
         {"model": "S5130S-28S-EI", "serial": "219801A2YK8193Q00069", "version": "7.1.070, Release 6126P20"}),
    ],
)  # fmt: skip
def test_identity_from_each_vendors_output(vendor: str, version: str, serial_text: str, expected: dict) -> None:
    assert switchfacts.parse(vendor, version, serial_text) == expected


def test_a_value_the_switch_does_not_show_is_left_out_not_guessed() -> None:
    # Huawei without "display esn" output: no serial; garbage: nothing at all
    assert "serial" not in switchfacts.parse("huawei_vrp", HUAWEI_VERSION)
    assert switchfacts.parse("cisco_ios", "% Invalid input detected at '^' marker.") == {}
    facts = switchfacts.facts("h3c_comware", "<sw-h3c-01>", "Error: Unrecognized command", "", "sw-h3c-01.example")
    assert facts == {"ansible_net_vendor": "H3C", "ansible_net_system": "Comware", "ansible_net_hostname": "sw-h3c-01"}


def test_network_facts_use_ansibles_names() -> None:
    facts = switchfacts.facts("huawei_vrp", "<sw-hw-01>", HUAWEI_VERSION, HUAWEI_ESN, "10.10.0.2")
    assert facts == {
        "ansible_net_vendor": "Huawei",
        "ansible_net_system": "VRP",
        "ansible_net_hostname": "sw-hw-01",
        "ansible_net_model": "S5735-L24T4S-A",
        "ansible_net_serialnum": "2102353169DMKB000123",
        "ansible_net_version": "V200R019C10SPC500",
        "ansible_net_mgmt_ipv4": "10.10.0.2",
    }


@pytest.mark.parametrize(
    ("prompt", "name"),
    [
        ("sw-core-01#", "sw-core-01"),
        ("sw-core-01>", "sw-core-01"),
        ("<sw-hw-01>", "sw-hw-01"),
        ("[sw-hw-01]", "sw-hw-01"),
    ],
)
def test_hostname_from_the_prompt(prompt: str, name: str) -> None:
    assert switchfacts.hostname(prompt) == name


def test_only_huawei_and_comware_need_a_second_command_for_the_serial() -> None:
    from ansible_collections.hisops.him.plugins.module_utils.netdev import PROFILES

    assert [PROFILES[v].show_serial for v in ("cisco_ios", "ruijie_os", "huawei_vrp", "h3c_comware")] == [
        None,
        None,
        "display esn",
        "display device manuinfo",
    ]
