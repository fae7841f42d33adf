"""Connection helpers (module_utils/hisops/netdev.py): error detection, banner chunks, fast drivers."""

from __future__ import annotations

import pytest
from ansible.module_utils.hisops import netdev

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


def test_comware_driver_verifies_commands() -> None:
    import inspect

    cls = netdev.driver_class("h3c_comware")
    assert "global_cmd_verify" in inspect.getsource(cls.__init__)
    assert netdev.PROFILES["h3c_comware"].save_command == "save force"
    assert netdev.PROFILES["huawei_vrp"].save_confirm is True
