"""The Huawei VRP / H3C Comware emulators' command parser (lab/emulators/undo_cli.py), without SSH."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from lab.emulators import h3c_comware, huawei_vrp
from lab.emulators.undo_cli import Session

pytestmark = pytest.mark.unit


def session(module: Any) -> tuple[Any, Session, list[str]]:
    core = module.build("sw9", "x")
    out: list[str] = []
    return core, Session(core.state, out.append, logging.getLogger("test")), out


def run(sess: Session, out: list[str], *lines: str) -> str:
    out.clear()
    for line in lines:
        sess.receive(line)
    return "".join(out)


def test_huawei_views_and_prompts() -> None:
    _, s, out = session(huawei_vrp)
    assert run(s, out).endswith("") and s.prompt() == "<sw9>"
    assert run(s, out, "system-view").endswith("[sw9]")
    assert run(s, out, "vlan 10").endswith("[sw9-vlan10]")
    assert run(s, out, "quit", "interface GigabitEthernet0/0/1").endswith("[sw9-GigabitEthernet0/0/1]")
    assert run(s, out, "return").endswith("<sw9>")


def test_huawei_vlan_batch_port_and_display() -> None:
    core, s, out = session(huawei_vrp)
    run(
        s,
        out,
        "system-view",
        "vlan batch 10 20 to 22",
        "vlan 10",
        "name MZ",
        "quit",
        "interface GigabitEthernet0/0/1",
        "description MZ-101",
        "port link-type access",
        "port default vlan 10",
        "interface XGigabitEthernet0/0/1",
        "port link-type trunk",
        "port trunk allow-pass vlan 10 20 to 22",
        "undo port trunk allow-pass vlan 21",
        "return",
    )
    text = core.state.render()
    for line in [
        "vlan batch 10 20 to 22",
        "vlan 10\n name MZ",
        "interface GigabitEthernet0/0/1\n description MZ-101\n port link-type access\n port default vlan 10",
        " port trunk allow-pass vlan 10 20 22",
        "return",
    ]:
        assert line in text, line
    assert run(s, out, "display current-configuration") == text + "<sw9>"


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        (["system-view", "vlanx 10"], "Error: Unrecognized command found at '^' position."),
        (["system-view", "interface GigabitEthernet0/0/99"], "Error: Wrong parameter found at '^' position."),
        (["system-view", "vlan 4095"], "Error: Wrong parameter found at '^' position."),
        (
            ["system-view", "interface GigabitEthernet0/0/1", "port link-type access", "port default vlan 30"],
            "Error: The VLAN 30 does not exist.",
        ),
        (
            ["system-view", "interface GigabitEthernet0/0/1", "port trunk allow-pass vlan 10"],
            "Error: Please configure the link-type of the port to trunk first.",
        ),
        (
            [
                "system-view",
                "vlan batch 10",
                "interface GigabitEthernet0/0/1",
                "port link-type access",
                "port default vlan 10",
                "port link-type trunk",
            ],
            "Error: Please renew the default configurations.",
        ),
        (["bogus"], "Error: Unrecognized command found at '^' position."),
    ],
)
def test_huawei_errors(lines: list[str], error: str) -> None:
    _, s, out = session(huawei_vrp)
    assert error in run(s, out, *lines)


def test_huawei_save_asks_and_secrets_are_not_shown() -> None:
    core, s, out = session(huawei_vrp)
    run(
        s,
        out,
        "system-view",
        "snmp-agent community read cipher Comm1",
        "aaa",
        "local-user admin password irreversible-cipher Pass1",
        "return",
    )
    assert "Continue? [Y/N]:" in run(s, out, "save")
    assert core.state.saves == 0
    assert "Save the configuration successfully" in run(s, out, "y")
    assert core.state.saves == 1 and core.state.saved == core.state.render()
    assert "Comm1" not in core.state.render() and "Pass1" not in core.state.render()
    assert "snmp-agent community read cipher %^%#" in core.state.render()


def test_comware_dialect() -> None:
    core, s, out = session(h3c_comware)
    text = run(
        s,
        out,
        "screen-length disable",
        "system-view",
        "vlan 10",
        "name MZ",
        "quit",
        "interface GigabitEthernet1/0/1",
        "port access vlan 10",
        "quit",
        "local-user netadmin class manage",
        "password simple N3t",
        "service-type ssh",
        "return",
    )
    assert "%" not in text
    shown = core.state.render()
    assert "interface GigabitEthernet1/0/1\n port access vlan 10\n" in shown
    assert "local-user netadmin class manage\n password hash $h$6$" in shown and "N3t" not in shown
    assert "% Unrecognized command found at '^' position." in run(s, out, "vlan batch 10")
    assert "Saved the current configuration" in run(s, out, "save force")
    assert core.state.saves == 1


def test_undo_vlan_clears_ports() -> None:
    core, s, out = session(h3c_comware)
    run(
        s,
        out,
        "system-view",
        "vlan 10",
        "quit",
        "interface GigabitEthernet1/0/2",
        "port access vlan 10",
        "quit",
        "undo vlan 10",
    )
    assert "port access vlan 10" not in core.state.render()
    assert "vlan 10" not in core.state.render().splitlines()
