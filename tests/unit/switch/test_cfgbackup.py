"""Backups with history on the control node (module_utils/cfgbackup.py)."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from ansible_collections.hisops.him.plugins.module_utils import cfgbackup

pytestmark = pytest.mark.unit

T0 = datetime.datetime(2026, 11, 25, 23, 0, 0, tzinfo=datetime.UTC)


def at(minutes: int) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def test_versions_accumulate_and_identical_ones_are_not_stored(tmp_path: Path) -> None:
    p1, w1 = cfgbackup.write_backup(str(tmp_path), "sw1", "v1\n", 5, at(0))
    _, w2 = cfgbackup.write_backup(str(tmp_path), "sw1", "v1\n", 5, at(1))
    p3, w3 = cfgbackup.write_backup(str(tmp_path), "sw1", "v2\n", 5, at(2))
    assert (w1, w2, w3) == (True, False, True)
    assert cfgbackup.list_backups(str(tmp_path), "sw1") == [os.path.basename(p1), os.path.basename(p3)]
    assert Path(p1).read_text() == "v1\n"
    assert oct(os.stat(p1).st_mode & 0o777) == "0o600"


def test_only_the_newest_keep_versions_remain_and_no_temp_file_is_left(tmp_path: Path) -> None:
    for i in range(6):
        cfgbackup.write_backup(str(tmp_path), "sw1", "v%d\n" % i, 3, at(i))
    names = cfgbackup.list_backups(str(tmp_path), "sw1")
    assert len(names) == 3
    assert [cfgbackup.read_backup(str(tmp_path), "sw1", n)[1] for n in names] == ["v3\n", "v4\n", "v5\n"]
    assert sorted(os.listdir(tmp_path / "sw1")) == names


def test_read_by_name_latest_and_steps_back(tmp_path: Path) -> None:
    for i in range(3):
        cfgbackup.write_backup(str(tmp_path), "sw1", "v%d\n" % i, 10, at(i))
    names = cfgbackup.list_backups(str(tmp_path), "sw1")
    assert cfgbackup.read_backup(str(tmp_path), "sw1", "latest") == (names[-1], "v2\n")
    assert cfgbackup.read_backup(str(tmp_path), "sw1", "-2") == (names[1], "v1\n")
    assert cfgbackup.read_backup(str(tmp_path), "sw1", names[0][: -len(".cfg")]) == (names[0], "v0\n")
    with pytest.raises(cfgbackup.BackupError, match="only 3 backups"):
        cfgbackup.read_backup(str(tmp_path), "sw1", "-4")
    with pytest.raises(cfgbackup.BackupError, match="no backup 2000"):
        cfgbackup.read_backup(str(tmp_path), "sw1", "20000101T000000.000000Z")


def test_no_backup_and_bad_names_are_reported(tmp_path: Path) -> None:
    with pytest.raises(cfgbackup.BackupError, match="has no configuration backup"):
        cfgbackup.read_backup(str(tmp_path), "sw1", "latest")
    with pytest.raises(cfgbackup.BackupError, match="cannot be used"):
        cfgbackup.write_backup(str(tmp_path), "../etc", "x", 3)
    with pytest.raises(cfgbackup.BackupError, match="at least 1"):
        cfgbackup.write_backup(str(tmp_path), "sw1", "x", 0)


def test_a_failed_write_keeps_the_previous_backup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfgbackup.write_backup(str(tmp_path), "sw1", "v1\n", 3, at(0))

    def boom(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        cfgbackup.write_backup(str(tmp_path), "sw1", "v2\n", 3, at(1))
    names = cfgbackup.list_backups(str(tmp_path), "sw1")
    assert len(names) == 1 and os.listdir(tmp_path / "sw1") == names
    assert cfgbackup.read_backup(str(tmp_path), "sw1", "latest")[1] == "v1\n"


def test_a_timestamp_the_switch_rewrites_is_not_a_new_version(tmp_path: Path) -> None:
    from ansible_collections.hisops.him.plugins.module_utils import netdev

    volatile = netdev.PROFILES["cisco_ios"].volatile
    v1 = (
        "!\n! Last configuration change at 10:00:01 UTC Thu Nov 26 2026 by admin\n"
        "! NVRAM config last updated at 10:00:05\nvlan 10\n"
    )
    saved_again = v1.replace("10:00:05", "11:30:00").replace("10:00:01", "11:29:58")
    changed = saved_again.replace("vlan 10", "vlan 20")
    p1, w1 = cfgbackup.write_backup(str(tmp_path), "sw1", v1, 5, at(0), volatile=volatile)
    p2, w2 = cfgbackup.write_backup(str(tmp_path), "sw1", saved_again, 5, at(1), volatile=volatile)
    assert (w1, w2, p2) == (True, False, p1)
    _, w3 = cfgbackup.write_backup(str(tmp_path), "sw1", changed, 5, at(2), volatile=volatile)
    assert w3 is True
    assert cfgbackup.read_backup(str(tmp_path), "sw1", "latest")[1] == changed  # stored whole, timestamps kept
    # without the vendor's pattern every byte counts
    _, w4 = cfgbackup.write_backup(str(tmp_path), "sw1", changed.replace("11:30:00", "12:00:00"), 5, at(3))
    assert w4 is True
