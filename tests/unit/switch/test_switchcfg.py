"""hier-config remediation per vendor (module_utils/switchcfg.py), as data in cases.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible_collections.hisops.him.plugins.module_utils import switchcfg

pytestmark = pytest.mark.unit

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "cases.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_remediation(case: dict[str, Any]) -> None:
    diff = switchcfg.compute(case["running"], case["intended"], case["vendor"])
    assert diff.commands == case["commands"]
    assert diff.changed is bool(case["commands"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_intended_against_itself_is_no_change(case: dict[str, Any]) -> None:
    """Idempotence: when the switch already shows the intended text, nothing is pushed."""
    assert switchcfg.compute(case["intended"], case["intended"], case["vendor"]).commands == []


def test_intended_outside_the_managed_scope_is_refused() -> None:
    with pytest.raises(switchcfg.ConfigError, match="router ospf 1"):
        switchcfg.compute("", "router ospf 1\n network 10.0.0.0 0.0.0.255 area 0\n", "cisco_ios")


def test_restore_ignores_blocks_outside_the_scope() -> None:
    backup = "version 12.1\nline vty 0 4\n login\nvlan 110\n name MZ\nend\n"
    diff = switchcfg.compute("vlan 1\n", backup, "cisco_ios", strict=False)
    assert diff.commands == ["vlan 110", "name MZ", "exit"]


def test_diff_before_and_after_hide_hashed_secrets() -> None:
    diff = switchcfg.compute(
        "username a privilege 15 secret 5 $1$x\n", "username a privilege 15 secret Clear1\n", "cisco_ios"
    )
    assert "Clear1" not in diff.after and "$1$x" not in diff.before
    assert diff.before == diff.after


@pytest.mark.parametrize(
    ("text", "vlans"),
    [("10,20-22", [10, 20, 21, 22]), ("10 20 to 22", [10, 20, 21, 22]), ("5", [5]), ("3 1 2", [1, 2, 3])],
)
def test_parse_vlan_list(text: str, vlans: list[int]) -> None:
    assert switchcfg.parse_vlan_list(text) == vlans


@pytest.mark.parametrize(
    ("vlans", "style", "text"),
    [([10, 20, 21, 22], "cisco", "10,20-22"), ([10, 20, 21, 22], "vrp", "10 20 to 22"), ([1, 2], "vrp", "1 2")],
)
def test_format_vlan_list(vlans: list[int], style: str, text: str) -> None:
    assert switchcfg.format_vlan_list(vlans, style) == text
