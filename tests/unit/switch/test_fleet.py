"""The fleet module's engine: per-switch results, a failing switch reported alone."""

from __future__ import annotations

import socket
from pathlib import Path

import hisops_switch_config_fleet as fleet
import pytest

pytestmark = pytest.mark.unit


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_switches_are_reported_each_under_its_name(tmp_path: Path) -> None:
    switch = {"host": "127.0.0.1", "vendor": "cisco_ios", "username": "admin", "password": "pw", "secret": "",
              "intended_config": "vlan 10\n name X\n", "secrets": []}  # fmt: skip
    params = {
        "switches": [{**switch, "name": n, "port": closed_port()} for n in ("sw-a", "sw-b")],
        "parallel": 2, "conn_timeout": 2.0, "command_timeout": 2.0, "backup_dir": str(tmp_path), "backup_keep": 3,
        "save": True,
    }  # fmt: skip
    results = fleet.run_fleet(params, check_mode=False, diff=False)
    assert sorted(results) == ["sw-a", "sw-b"]
    for name, result in results.items():
        assert result["failed"] is True and result["unreachable"] is True, result
        assert result["hisops_controls"][0]["status"] == "error"
        assert name in result["hisops_controls"][0]["message"]
    assert list(tmp_path.iterdir()) == []  # nothing reached, nothing backed up
