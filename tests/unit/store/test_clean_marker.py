"""The whole-file damage check runs only when the file may have been damaged since it was last checked
(``plugin_utils.store.clean_marker``): no clean close since, the file replaced, truncated or rewritten,
a write-ahead log left with content, or a whole-file check older than a week."""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

import pytest
from ansible_collections.hisops.him.plugins.plugin_utils.store import (
    Batch,
    StoreError,
    clean_marker,
    connection,
    open_store,
)

pytestmark = pytest.mark.unit


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...] | None]:
    """The damage checks run, in order: None for the whole file, else the tables checked."""
    seen: list[tuple[str, ...] | None] = []
    real = connection.check_sqlite

    def spy(conn, path, tables=None):  # type: ignore[no-untyped-def]
        seen.append(tuple(tables) if tables else None)
        real(conn, path, tables)

    monkeypatch.setattr(connection, "check_sqlite", spy)
    monkeypatch.delenv(clean_marker.VERIFIED_ENV, raising=False)
    clean_marker.VERIFIED.clear()
    return seen


def _store(path: Path) -> Path:
    with open_store(path) as store:
        store.start_run({"uuid": "r1", "started": "2026-11-10T02:00:00.000000Z", "mode": "check"})
        store.write(Batch("r1", controls=[{"host": "ws-1", "control_id": "HIM-5.4-games", "status": "pass"}]))
        store.finish_run("r1", "ok")
    return path


def _marker(path: Path) -> dict:
    return json.loads(Path(str(path) + clean_marker.MARKER_SUFFIX).read_text(encoding="utf-8"))


def test_a_clean_close_vouches_for_the_file_until_it_changes(tmp_path: Path, checks: list) -> None:
    path = _store(tmp_path / "results.sqlite")
    assert checks == []  # a new file: nothing to check
    assert _marker(path)["identity"] == clean_marker.identity(str(path))
    assert oct(Path(str(path) + clean_marker.MARKER_SUFFIX).stat().st_mode & 0o777) == "0o600"
    open_store(path).close()
    assert checks == [("runs",)]  # vouched for: the small runs table only
    open_store(path, migrate=False, check_tables=("runs",)).close()
    assert checks[-1] == ("runs", "runs")
    with path.open("r+b") as f:  # written by something else (same size, new modification time)
        byte = f.read(1)
        f.seek(0)
        f.write(byte)
    open_store(path).close()
    assert checks[-1] is None  # the whole file again, and then vouched for again
    open_store(path).close()
    assert checks[-1] == ("runs",)


def test_a_write_ahead_log_left_behind_means_the_whole_file(tmp_path: Path, checks: list) -> None:
    path = _store(tmp_path / "results.sqlite")
    Path(str(path) + "-wal").write_bytes(b"\0" * 100)  # a writer killed (or one that did not check)
    assert clean_marker.last_full_check(str(path)) is None
    Path(str(path) + "-wal").unlink()
    assert clean_marker.last_full_check(str(path)) == _marker(path)["full_check"]


def test_a_week_old_whole_file_check_is_done_again_and_finds_damage_in_place(tmp_path: Path, checks: list) -> None:
    path = _store(tmp_path / "results.sqlite")
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[-4096:] = b"\xa5" * 4096  # a disk error in place: size and modification time as they were
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    marker = _marker(path)
    assert marker["identity"] == clean_marker.identity(str(path))
    old = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=clean_marker.FULL_CHECK_DAYS, hours=1)
    Path(str(path) + clean_marker.MARKER_SUFFIX).write_text(json.dumps(marker | {"full_check": old.isoformat()}))
    with pytest.raises(StoreError, match="is damaged"):
        open_store(path)
    assert checks == [None]


def test_the_recorders_check_is_shared_with_its_tasks_only(tmp_path: Path, checks: list,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    path = _store(tmp_path / "results.sqlite")
    Path(str(path) + clean_marker.MARKER_SUFFIX).unlink()  # no marker: only the recorder's word
    clean_marker.share_with_tasks(str(path))
    shared = os.environ[clean_marker.VERIFIED_ENV]
    assert clean_marker.last_full_check(str(path)) is None  # the recorder's own process: no
    monkeypatch.setenv(clean_marker.VERIFIED_ENV, "1" + shared)  # another process (its task)
    assert clean_marker.last_full_check(str(path)) is not None
    os.replace(_store(tmp_path / "other.sqlite"), path)  # another file put in its place
    assert clean_marker.last_full_check(str(path)) is None
