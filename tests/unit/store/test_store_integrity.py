"""A damaged store is found on open, said in one line with the recovery, and never written into;
the report never shows a traceback (issue: the recorder wrote into a store corrupted mid-file
and the report crashed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.hisops.him.plugins.plugin_utils.store import Batch, StoreError, open_store

from ..report.conftest import run_cli
from .conftest import run_playbook

# each test carries its layer: unit, or component where it runs an Ansible command


def _store_with_rows(path: Path) -> Path:
    with open_store(path) as store:
        store.start_run({"uuid": "r1", "started": "2026-11-10T02:00:00.000000Z", "mode": "check"})
        batch = Batch("r1")
        batch.controls = [
            {"host": "ws-%04d" % i, "department": "it", "control_id": "HIM-5.4-games", "status": "pass",
             "evidence": ["x" * 200]}
            for i in range(3000)
        ]  # fmt: skip
        store.write(batch)
        store.finish_run("r1", "ok")
    assert not Path(str(path) + "-wal").exists() or Path(str(path) + "-wal").stat().st_size == 0
    return path


def _damage_middle(path: Path) -> bytes:
    """Overwrite one page in the middle of the file (a b-tree page of the results)."""
    data = bytearray(path.read_bytes())
    page = 4096
    middle = (len(data) // page // 2) * page
    data[middle : middle + page] = b"\xa5" * page
    path.write_bytes(bytes(data))
    return bytes(data)


def _files(path: Path) -> dict[str, bytes]:
    """The database and what its write-ahead log holds (reading a WAL-mode file creates an empty -wal/-shm)."""
    wal = Path(str(path) + "-wal")
    return {"db": path.read_bytes(), "wal": wal.read_bytes() if wal.exists() else b""}


@pytest.mark.unit
@pytest.mark.parametrize("damage", ["middle", "garbage", "truncated"])
def test_a_damaged_store_is_refused_in_one_line_and_left_as_it_is(tmp_path: Path, damage: str) -> None:
    path = _store_with_rows(tmp_path / "results.sqlite")
    if damage == "middle":
        _damage_middle(path)
    elif damage == "garbage":
        path.write_bytes(b"this is not a database\n" * 500)
    else:
        path.write_bytes(path.read_bytes()[:1000])
    before = _files(path)
    with pytest.raises(StoreError) as err:
        open_store(path)
    text = str(err.value)
    assert "\n" not in text
    assert "results store %s is damaged" % path in text and "nothing was written to it" in text
    assert ".recover" in text and "mv %s %s.damaged" % (path, path) in text
    assert _files(path) == before
    code, files, said = run_cli("--store", str(path), "--period", "2026-11", "--out", str(tmp_path / "out"))
    assert (code, files) == (2, [])
    assert said.count("\n") == 1 and "Traceback" not in said and "is damaged" in said


@pytest.mark.component
def test_the_recorder_never_writes_into_a_damaged_store(tmp_path: Path) -> None:
    path = _store_with_rows(tmp_path / "results.sqlite")
    _damage_middle(path)
    before = _files(path)
    proc = run_playbook(str(path))
    said = proc.stdout + proc.stderr
    assert "is damaged" in said and "this run is NOT recorded" in said
    assert _files(path) == before


@pytest.mark.unit
def test_a_report_checks_the_table_it_writes_and_finds_damage_elsewhere_as_it_reads(tmp_path: Path) -> None:
    """The whole-file check costs 13 s of CPU on a 3 GiB store: a report checks only ``runs`` (the
    table it writes to) on open, and a damaged page of the results it reads is the same one line."""
    path = _store_with_rows(tmp_path / "results.sqlite")
    _damage_middle(path)
    before = _files(path)
    with pytest.raises(StoreError, match="is damaged"):
        open_store(path, migrate=False)  # the whole file: what the recorder does
    with open_store(path, migrate=False, check_tables=("runs",)) as store:
        assert store.runs()[0]["uuid"] == "r1"  # the runs table is sound
    code, files, said = run_cli("--store", str(path), "--period", "2026-11", "--out", str(tmp_path / "out"))
    assert (code, files) == (2, [])
    assert said.count("\n") == 1 and "results store %s is damaged (" % path in said
    assert "database disk image is malformed" in said and "nothing was written to it" in said
    assert _files(path) == before
