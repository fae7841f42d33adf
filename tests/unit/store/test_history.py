"""Each control record carries its predecessor's status and run (migration V11_PREVIOUS_STATUS,
``plugin_utils.store.history``) and each run's counts are kept (V12_CONTROL_COUNTS,
``plugin_utils.store.counts``): written by the writer, filled once for older records by the
migrations (issue 17: the yearly report's speed; the report's figures from either are the oracle's:
tests/unit/report/test_period_report.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from ansible_collections.hisops.him.plugins.plugin_utils import migrations as mig
from ansible_collections.hisops.him.plugins.plugin_utils.store import Batch, open_store

pytestmark = pytest.mark.unit

BEFORE = mig.MIGRATIONS[: mig.MIGRATIONS.index(mig.V11_PREVIOUS_STATUS)]
# (run, host, control, status), in the order written; run 3 writes h1/C-1 twice (a check and a fix)
RECORDS = [
    ("r1", "h1", "C-1", "fail"),
    ("r1", "h1", "C-2", "pass"),
    ("r1", "h2", "C-1", "error"),
    ("r2", "h1", "C-1", "fail"),
    ("r2", "h2", "C-1", "pass"),
    ("r3", "h1", "C-1", "fail"),
    ("r3", "h1", "C-1", "fixed"),
    ("r3", "h1", "C-2", "pass"),
    ("r3", "h2", "C-2", "exempt"),
]
# previous_status, previous_run_id (runs numbered 1, 2, 3), per record above
EXPECTED = [
    ("", None), ("", None), ("", None), ("fail", 1), ("error", 1), ("fail", 2), ("fail", 3), ("pass", 1), ("", None),
]  # fmt: skip


def _fill(path: Path, migrations: tuple[mig.Migration, ...] = mig.MIGRATIONS) -> None:
    with open_store(path, migrations=migrations) as store:
        for n, run in enumerate(("r1", "r2", "r3"), start=1):
            store.start_run({"uuid": run, "started": "2026-03-0%dT02:00:00.000000Z" % n, "mode": "check"})
            for host, control, status in [(h, c, s) for r, h, c, s in RECORDS if r == run]:
                store.write(Batch(run, controls=[{"host": host, "control_id": control, "status": status}]))
            store.finish_run(run, "ok")


def _history(path: Path) -> list[tuple[str, int | None]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT previous_status, previous_run_id FROM control_results ORDER BY id")
        return [tuple(r) for r in rows]
    finally:
        conn.close()


def test_the_writer_records_each_records_predecessor(tmp_path: Path) -> None:
    _fill(tmp_path / "s.sqlite")
    assert _history(tmp_path / "s.sqlite") == EXPECTED


def test_one_batch_with_two_records_of_a_control_chains_them(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with open_store(path) as store:
        store.start_run({"uuid": "r1", "started": "2026-03-01T02:00:00.000000Z", "mode": "enforce"})
        rows = [{"host": "h1", "control_id": "C-1", "status": s} for s in ("fail", "fixed", "pass")]
        store.write(Batch("r1", controls=rows))
    assert _history(path) == [("", None), ("fail", 1), ("fixed", 1)]


def test_the_migration_fills_the_records_written_before_it(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _fill(path, BEFORE)
    conn = sqlite3.connect(path)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(control_results)")}
    conn.close()
    assert "previous_status" not in columns  # written without: the schema did not have them
    with open_store(path) as store:
        assert store.schema_version() == mig.MIGRATIONS[-1].version
    assert _history(path) == EXPECTED


def _counts(path: Path) -> list[tuple[int, str, str, int]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT run_id, control_id, status, n FROM control_counts ORDER BY run_id, control_id, status"
        )
        return [tuple(r) for r in rows]
    finally:
        conn.close()


# (run, control, status, n) of RECORDS (every host in department '')
COUNTS = [
    (1, "C-1", "error", 1), (1, "C-1", "fail", 1), (1, "C-2", "pass", 1),
    (2, "C-1", "fail", 1), (2, "C-1", "pass", 1),
    (3, "C-1", "fail", 1), (3, "C-1", "fixed", 1), (3, "C-2", "exempt", 1), (3, "C-2", "pass", 1),
]  # fmt: skip


def test_the_writer_keeps_each_runs_counts(tmp_path: Path) -> None:
    _fill(tmp_path / "s.sqlite")
    assert _counts(tmp_path / "s.sqlite") == COUNTS
    with open_store(tmp_path / "s.sqlite") as store:
        store.write(Batch("r3", controls=[{"host": "h3", "control_id": "C-2", "status": "pass"}]))  # a later batch adds
    assert (3, "C-2", "pass", 2) in _counts(tmp_path / "s.sqlite")


def test_the_counts_migration_counts_the_records_written_before_it(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _fill(path, mig.MIGRATIONS[: mig.MIGRATIONS.index(mig.V12_CONTROL_COUNTS)])
    with open_store(path, migrations=mig.MIGRATIONS[: mig.MIGRATIONS.index(mig.V12_CONTROL_COUNTS)]) as store:
        assert "control_counts" not in store.tables()
    with open_store(path) as store:
        assert store.schema_version() == mig.MIGRATIONS[-1].version
        assert store.cube([1, 2, 3]) == {
            (1, "", "C-1"): {"error": 1, "fail": 1}, (1, "", "C-2"): {"pass": 1},
            (2, "", "C-1"): {"fail": 1, "pass": 1},
            (3, "", "C-1"): {"fail": 1, "fixed": 1}, (3, "", "C-2"): {"exempt": 1, "pass": 1},
        }  # fmt: skip
    assert _counts(path) == COUNTS
