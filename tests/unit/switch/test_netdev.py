"""Connection helpers (module_utils/netdev.py): error detection, banner chunks, fast drivers."""

from __future__ import annotations

import re

import pytest
from ansible_collections.hisops.him.plugins.module_utils import netdev

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "line",
    [
        "% Invalid input detected at '^' marker.",
        "Error: Unrecognized command found at '^' position.",
        " % Unrecognized command found at '^' position.",
        "% Wrong parameter found at '^' position.",
        "% Incomplete command.",
    ],
)
def test_rejections_are_detected(line: str) -> None:
    assert netdev.rejected("sw1(config)#foo\n%s\nsw1(config)#" % line) == line.strip()


def test_accepted_output_is_not_an_error() -> None:
    assert netdev.rejected("[sw1]vlan 10\n[sw1-vlan10]description error-free room\n") is None


def test_banner_is_sent_as_one_chunk() -> None:
    cmds = ["vlan 10", "exit", "banner motd #", "Authorized only", "#", "ntp server 10.0.0.1"]
    assert netdev._chunks(cmds) == [
        ("plain", ["vlan 10", "exit"]),
        ("banner", ["banner motd #", "Authorized only", "#"]),
        ("plain", ["ntp server 10.0.0.1"]),
    ]


class FakeChannel:
    """Records how a driver reads: a pattern means no 2-second wait for silence."""

    RETURN = "\n"

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.patterns: list[str] = []

    def write_channel(self, data: str) -> None:
        pass

    def read_until_pattern(self, pattern: str = "", **_: object) -> str:
        self.patterns.append(pattern)
        return self.reply

    def read_channel_timing(self, **_: object) -> str:  # the 2-second wait
        raise AssertionError("read_channel_timing (2 s of silence) must not be used")


@pytest.mark.parametrize(
    ("vendor", "reply", "inside"),
    [("huawei_vrp", "\n[sw1-vlan10]", True), ("huawei_vrp", "\n<sw1>", False), ("ruijie_os", "\nsw1(config)#", True)],
)
def test_fast_drivers_read_until_the_prompt(vendor: str, reply: str, inside: bool) -> None:
    cls = netdev.driver_class(vendor)
    chan = FakeChannel(reply)
    driver = cls.__new__(cls)  # no connection: only the reading is under test
    driver.RETURN = chan.RETURN
    driver.write_channel = chan.write_channel
    driver.read_until_pattern = chan.read_until_pattern
    driver.read_channel_timing = chan.read_channel_timing
    assert driver.check_config_mode() is inside
    assert chan.patterns and all(chan.patterns)


def test_comware_driver_reads_each_command_until_its_echo() -> None:
    """netmiko's own Comware driver waits for 2 s of silence after each command; hisops' reads the echo."""
    cls = netdev.driver_class("h3c_comware")
    chan = FakeChannel("vlan 10\n[sw1-vlan10]")
    driver = cls(device_type="hp_comware", host="127.0.0.1", username="u", password="p", auto_connect=False)
    driver.base_prompt = "sw1"
    driver.write_channel = chan.write_channel
    driver.read_until_pattern = chan.read_until_pattern
    driver.read_channel_timing = chan.read_channel_timing  # raises: the 2-second wait
    driver.send_config_set(["vlan 10"], enter_config_mode=False, exit_config_mode=False)
    assert chan.patterns[0] == re.escape("vlan 10")  # read until the command's echo
    assert netdev.PROFILES["h3c_comware"].save_command == "save force"
    assert netdev.PROFILES["huawei_vrp"].save_confirm is True


class FakeSwitch:
    """Answers each line written to it like a CLI: echo, output, prompt (for the pipelined push)."""

    RETURN = "\n"
    base_prompt = "sw1"

    def __init__(self, bad: str = "") -> None:
        self.bad = bad
        self.pending = ""
        self.writes: list[str] = []

    def write_channel(self, data: str) -> None:
        self.writes.append(data)
        for line in data.splitlines():
            self.pending += line + "\n"
            if line == self.bad:
                self.pending += "% Invalid input detected at '^' marker.\n"
            self.pending += "sw1(config)#"

    def read_channel(self) -> str:
        out, self.pending = self.pending, ""
        return out


def test_a_group_is_written_at_once_and_read_until_every_prompt() -> None:
    sw = FakeSwitch()
    out = netdev._send_group(sw, ["vlan 10", "name MZ", "exit"], timeout=2)
    assert sw.writes == ["vlan 10\nname MZ\nexit\n"]
    assert out.count("sw1(config)#") == 3 and netdev._first_rejection(out, ["vlan 10", "name MZ", "exit"]) is None


def test_the_rejected_line_of_a_group_is_named() -> None:
    sw = FakeSwitch(bad="bogus 1")
    lines = ["vlan 10", "bogus 1", "exit"]
    out = netdev._send_group(sw, lines, timeout=2)
    assert netdev._first_rejection(out, lines) == "bogus 1: % Invalid input detected at '^' marker."


def test_a_switch_that_stops_answering_is_reported() -> None:
    class Mute(FakeSwitch):
        def read_channel(self) -> str:
            return ""

    with pytest.raises(netdev.SwitchCommandError, match="stopped answering"):
        netdev._send_group(Mute(), ["vlan 10"], timeout=0.05)
