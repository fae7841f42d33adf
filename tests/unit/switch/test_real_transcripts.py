"""The switch parsers on output captured from real devices (ntc-templates' test data), not only
on the lab's emulators: switchfacts (model, serial, software) and switchcfg (running configuration).

The transcripts and ntc-templates' own parse of them (TextFSM, an independent oracle) are under
tests/fixtures/ntc-templates (Apache-2.0, origin in its README). Where hisops' facts mean the
same as ntc-templates' fields they are compared with them; where the meaning differs, the
expected value is written out here with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible_collections.hisops.him.plugins.module_utils import switchcfg, switchfacts

pytestmark = pytest.mark.unit

NTC = Path(__file__).resolve().parents[2] / "fixtures" / "ntc-templates"


def transcripts(folder: str) -> list[Path]:
    found = sorted((NTC / folder).glob("*.raw"))
    assert found, "no transcripts under %s" % (NTC / folder)  # an empty folder must not pass
    return found


def ntc_parse(raw: Path) -> dict[str, Any]:
    """ntc-templates' parse of RAW: its first record (the device itself), or {}."""
    records = yaml.safe_load(raw.with_suffix(".yml").read_text(encoding="utf-8"))["parsed_sample"]
    return records[0] if records else {}


# Cisco IOS XE prints two versions: "Cisco IOS XE Software, Version 16.09.03" first, then the IOS
# line "... Version 16.9.3". hisops reports the first, as ios_facts does; ntc-templates the second.
IOS_XE_VERSION = {
    "cisco_ios_show_version4.raw": "16.09.03",
    "cisco_ios_show_version5.raw": "16.12.04",
    "cisco_ios_show_version_special_build.raw": "V169_5_SR689355441_2",
}


@pytest.mark.parametrize("raw", transcripts("cisco_ios/show_version"), ids=lambda p: p.name)
def test_cisco_show_version(raw: Path) -> None:
    ntc = ntc_parse(raw)
    got = switchfacts.parse("cisco_ios", raw.read_text(encoding="utf-8"))
    # a stack lists every member: the switch's own model and serial are the first
    assert got == {
        "model": ntc["hardware"][0],
        "serial": ntc["serial"][0],
        "version": IOS_XE_VERSION.get(raw.name, ntc["version"]),
    }


# The model as the register shows it: the type, without the product-line words that follow it
# ("Terabit Routing Switch", "Router"); ntc-templates keeps those words in one case.
HUAWEI_MODEL = {
    "huawei_vrp_display_version.raw": "NE40E-X2-M8A",
    "huawei_vrp_display_version1.raw": "CX600-M2E",
    "huawei_vrp_display_version2.raw": "ATN 910C-B",
    "huawei_vrp_display_version3.raw": "AR6280",
    "huawei_vrp_display_version4.raw": "AR617VW-LTE4EA",
    "huawei_vrp_display_version5.raw": "S7706",  # "Quidway S7706 Terabit Routing Switch uptime is"
    "huawei_vrp_display_version6.raw": "AR617VW-LTE4EA",
}


@pytest.mark.parametrize("raw", transcripts("huawei_vrp/display_version"), ids=lambda p: p.name)
def test_huawei_display_version(raw: Path) -> None:
    ntc = ntc_parse(raw)
    got = switchfacts.parse("huawei_vrp", raw.read_text(encoding="utf-8"))
    # the software is the product version (V200R019C10SPC500), not the VRP platform's (5.170)
    assert got == {"model": HUAWEI_MODEL[raw.name], "version": ntc["product_version"].split()[-1]}
    assert ntc["model"].startswith(got["model"])


@pytest.mark.parametrize("raw", transcripts("hp_comware/display_device_manuinfo"), ids=lambda p: p.name)
def test_comware_display_device_manuinfo(raw: Path) -> None:
    """The switch's own name and serial: the chassis's, else the first board's; never a board's
    serial for a chassis that cannot describe itself (ntc-templates then parses nothing)."""
    ntc = ntc_parse(raw)
    got = switchfacts.parse("h3c_comware", "", raw.read_text(encoding="utf-8"))
    want = {"model": ntc["device_name"], "serial": ntc["device_serial_number"]}
    assert got == {k: v for k, v in want.items() if v}


def test_comware_chassis_that_cannot_describe_itself_gives_no_serial() -> None:
    raw = NTC / "hp_comware/display_device_manuinfo/hp_comware_display_device_manuinfo_cw5_only-new-chassis.raw"
    text = raw.read_text(encoding="utf-8")
    assert "DEVICE_SERIAL_NUMBER : 21023LMAOPOPB113000172" in text  # a board's, under "Slot 0"
    assert switchfacts.parse("h3c_comware", "", text) == {}


RUNNING = NTC / "cisco_ios/show_running-config_interface/cisco_ios_show_running-config_interface.raw"


def test_cisco_running_config_is_parsed_block_by_block() -> None:
    text = RUNNING.read_text(encoding="utf-8")
    running = switchcfg.compute(text, text, "cisco_ios").running
    records = yaml.safe_load(RUNNING.with_suffix(".yml").read_text(encoding="utf-8"))["parsed_sample"]
    assert len(records) == 6
    for record in records:
        block = running.get_child(equals="interface " + record["interface"])
        assert block is not None, record["interface"]
        # hier_config compares lines with runs of blanks collapsed ("DISTRIBUTION  | 2048K")
        assert block.get_child(equals=" ".join(["description", *record["description"].split()])) is not None
        assert block.get_child(equals="ip address %s %s" % (record["ip_address"], record["netmask"])) is not None


def test_cisco_running_config_against_itself_needs_no_command() -> None:
    text = RUNNING.read_text(encoding="utf-8")
    assert switchcfg.compute(text, text, "cisco_ios").commands == []


def test_cisco_running_config_change_is_remedied_in_its_block_only() -> None:
    text = RUNNING.read_text(encoding="utf-8")
    intended = text.replace(" description PEOPLE | 100M\n", " description PEOPLE | 1G\n")
    assert switchcfg.compute(text, intended, "cisco_ios").commands == [
        "interface GigabitEthernet2/0/4.223427",
        "description PEOPLE | 1G",
        "exit",
    ]
    # a "no ..." line removed from the intended configuration is undone by its positive form
    intended = text.replace(" no ip proxy-arp\n", "", 1)
    assert switchcfg.compute(text, intended, "cisco_ios").commands == [
        "interface GigabitEthernet2/0/4.223415",
        "ip proxy-arp",
        "exit",
    ]
