"""The results store: migrations, queries, bad input (SQLite; the PostgreSQL twin is test_postgres.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from ansible_collections.hisops.him.plugins.plugin_utils import migrations as mig
from ansible_collections.hisops.him.plugins.plugin_utils.store import (
    Batch,
    StoreError,
    open_store,
    resolve_location,
    to_store_time,
)

from . import dataset

pytestmark = pytest.mark.unit

LATER_RECORDS = mig.Migration(
    len(mig.MIGRATIONS) + 1,
    "media handover (a new kind of record, as a later issue would add it)",
    (
        """CREATE TABLE media_handover (
            id {ID},
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            host TEXT NOT NULL,
            medium TEXT NOT NULL,
            location TEXT NOT NULL,
            custodian TEXT NOT NULL,
            checksum TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        )""",
    ),
)


def test_migrate_from_empty(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.sqlite") as store:
        assert store.schema_version() == len(mig.MIGRATIONS)
        assert {"runs", "host_results", "control_results", "changes", "assets", "schema_version"} <= store.tables()
    conn = sqlite3.connect(tmp_path / "s.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")]
    assert versions == [m.version for m in mig.MIGRATIONS]


def test_migrate_from_v1_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with open_store(path, migrations=mig.MIGRATIONS[:1]) as store:
        assert store.schema_version() == 1 and "assets" not in store.tables()
        store.start_run({"uuid": "old", "started": "2026-01-01T00:00:00.000000Z", "mode": "check"})
        store.write(Batch("old", controls=[{"host": "h", "control_id": "HIM-5.4-games", "status": "fail"}]))
        store.finish_run("old", "ok")
    with open_store(path) as store:
        assert store.schema_version() == len(mig.MIGRATIONS)
        assert "assets" in store.tables()
        assert [r["status"] for r in store.control_results()] == ["fail"]
        assert store.run("old")["status"] == "ok"
        assert store.migrate() == []  # already current: nothing applied twice


def test_new_record_kind_is_a_migration(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with open_store(path) as store:
        dataset.fill(store)
        assert store.count("media_handover") == 0  # absent table: no section, no error
    with open_store(path, migrations=(*mig.MIGRATIONS, LATER_RECORDS)) as store:
        assert store.schema_version() == LATER_RECORDS.version
        row = {"host": "db-01", "medium": "NAS", "location": "机房A", "custodian": "王伟", "checksum": "ab12"}
        store.write(Batch("run-3", extra={"media_handover": [row | {"recorded_at": "2026-11-02T08:00:00.000000Z"}]}))
        assert store.count("media_handover", "2026-11-01", "2026-12-01") == 1
        assert store.count("media_handover", "2026-10-01", "2026-11-01") == 0
        (rec,) = store.records("media_handover")
        assert rec["run_uuid"] == "run-3" and rec["location"] == "机房A"
        assert len(store.control_results()) == 6  # older data untouched
    with pytest.raises(StoreError, match="newer than this hisops"):
        open_store(path)  # an older hisops must not write into a newer schema


def test_migrations_must_be_numbered_in_order(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="numbered 1, 2"):
        open_store(tmp_path / "s.sqlite", migrations=(mig.V1_CORE, LATER_RECORDS))


@pytest.fixture
def filled(tmp_path: Path):
    with open_store(tmp_path / "q.sqlite") as store:
        dataset.fill(store)
        yield store


def test_runs_in_period(filled) -> None:
    assert [r["uuid"] for r in filled.runs()] == ["run-1", "run-2", "run-3"]
    nov = filled.runs(to_store_time("2026-11-01T00:00:00Z"), to_store_time("2026-12-01T00:00:00Z"))
    assert [r["uuid"] for r in nov] == ["run-2", "run-3"]
    assert filled.run("run-1")["mode"] == "check" and filled.run("nope") is None


def test_latest_status_per_host_and_control(filled) -> None:
    latest = {(r["host"], r["control_id"]): r["status"] for r in filled.control_results()}
    assert latest == {
        ("ws-mz-01", "HIM-5.4-games"): "pass",  # run-3 wins
        ("ws-mz-02", "HIM-5.4-games"): "pass",
        ("ws-zy-01", "HIM-5.4-games"): "fixed",
        ("ws-mz-01", "HIM-7.1-screenlock"): "fail",
        ("ws-mz-02", "HIM-7.1-screenlock"): "exempt",
        ("sw-zy-01", "HIM-3.4-switch-config"): "fixed",
    }
    only_run1 = filled.control_results("2026-10-31T00:00:00Z", "2026-11-01T00:00:00Z", department="inpatient")
    assert {(r["host"], r["status"]) for r in only_run1} == {("ws-zy-01", "fail"), ("sw-zy-01", "fail")}
    evidence = filled.control_results(host="ws-zy-01")[0]["evidence"]
    assert evidence == ["HIM-5.4-games on ws-zy-01 in run-2"]  # JSON decoded


def test_compliance_by_department_and_control(filled) -> None:
    by_dept = {r["department"]: r for r in filled.compliance_by_department()}
    assert (by_dept["outpatient"]["total"], by_dept["outpatient"]["compliant"]) == (4, 3)
    assert by_dept["outpatient"]["rate"] == 0.75
    assert (by_dept["inpatient"]["total"], by_dept["inpatient"]["fixed"], by_dept["inpatient"]["rate"]) == (2, 2, 1.0)
    by_control = {r["control_id"]: r for r in filled.compliance_by_control()}
    assert by_control["HIM-7.1-screenlock"]["fail"] == 1 and by_control["HIM-7.1-screenlock"]["exempt"] == 1
    assert filled.compliance_summary()["total"] == 6
    top = filled.top_failing_controls()
    assert top == [{"control_id": "HIM-7.1-screenlock", "failing": 1, "hosts": 2, "severity": "high"}]
    hosts = {(r["department"], r["host"]): r["rate"] for r in filled.compliance_by_host()}
    assert hosts[("outpatient", "ws-mz-01")] == 0.5


def test_trend_per_run_and_per_day(filled) -> None:
    """The trend follows the headline runs (plugin_utils.store.trend): run-2 enforces, so it is left out."""
    per_run = filled.trend(by="run")
    assert [(t["key"], t["runs"], t["total"], t["compliant"]) for t in per_run] == [
        ("run-1", 1, 5, 1),
        ("run-3", 1, 3, 2),
    ]
    per_day = filled.trend("2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z", by="day")
    assert [(d["runs"], d["total"], d["fail"], d["exempt"]) for d in per_day] == [(1, 3, 1, 1)]
    per_month = filled.trend(by="month")
    assert sum(p["runs"] for p in per_month) == 2 and sum(p["total"] for p in per_month) == 8
    with pytest.raises(StoreError, match="by must be"):
        filled.trend(by="fortnight")


def test_assets_hosts_and_changes(filled) -> None:
    assets = {a["host"]: a for a in filled.assets()}
    assert assets["ws-mz-01"]["serial"] == "SN-ws-mz-01-run-3"
    assert assets["sw-zy-01"]["run_uuid"] == "run-2"
    assert assets["ws-mz-01"]["facts"] == {"os": "Debian", "run": "run-3"}
    hosts = {h["host"]: h for h in filled.host_results()}
    assert hosts["ws-zy-01"]["status"] == "failed" or hosts["ws-zy-01"]["run_uuid"] == "run-2"
    assert [c["host"] for c in filled.switch_changes()] == ["sw-zy-01"]
    assert len(filled.changes(kind="workstation")) == 2
    assert filled.run_host_results("run-3")[0]["host"] == "ws-mz-01"
    assert len(filled.run_control_results("run-1")) == 5


def test_control_statuses_come_from_the_modules_record() -> None:
    """One definition of the control statuses: plugins/module_utils/results.py, which the modules and
    the controller side (store, recorder) import alike, ansible_collections.hisops.him.plugins.module_utils.results."""
    import re

    from ansible_collections.hisops.him.plugins.module_utils import results
    from ansible_collections.hisops.him.plugins.plugin_utils import store
    from ansible_collections.hisops.him.plugins.plugin_utils.store import base

    assert base.results is results
    assert store.CONTROL_STATUSES is results.STATUSES
    assert set(store.COMPLIANT) == {results.PASS, results.FIXED, results.EXEMPT}
    # The store's CHECK constraint (migration 1, never edited) names the same statuses: a new
    # status needs a migration.
    ddl = next(s for s in mig.V1_CORE.statements if s.startswith("CREATE TABLE control_results"))
    check = re.search(r"status IN \(([^)]*)\)", ddl)
    assert check and tuple(v.strip(" '") for v in check.group(1).split(",")) == results.STATUSES


def test_stale_running_runs_are_closed(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.sqlite") as store:
        store.start_run({"uuid": "killed", "started": "2026-01-01T00:00:00.000000Z", "mode": "check"})
        store.start_run({"uuid": "live", "mode": "check"})
        assert store.close_stale_runs("2026-06-01") == 1
        assert store.run("killed")["status"] == "interrupted" and store.run("live")["status"] == "running"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("mysql://u@h/db", "unknown results store scheme 'mysql://'"),
        ("sqlite://", "has no file path"),
    ],
)
def test_bad_store_setting(setting: str, message: str) -> None:
    with pytest.raises(StoreError, match=message) as err:
        open_store(setting)
    assert "\n" not in str(err.value)


def test_store_path_that_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match=r"cannot open the results store .*a-file/results\.sqlite") as err:
        open_store(blocker / "results.sqlite")
    assert "\n" not in str(err.value)
    with pytest.raises(StoreError, match="cannot"):
        open_store(tmp_path)  # a directory is not a database file


def test_locations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HISOPS_STORE", raising=False)
    assert resolve_location().target.endswith("results/hisops.sqlite")
    assert resolve_location("sqlite:////var/lib/hisops.sqlite").target == "/var/lib/hisops.sqlite"
    pg = resolve_location("postgresql://hisops:topsecret@db/hisops")
    assert pg.kind == "postgresql" and "topsecret" not in pg.display
    monkeypatch.setenv("HISOPS_STORE", "postgres://db/x")
    assert resolve_location().kind == "postgresql"
    with pytest.raises(StoreError, match="invalid date"):
        to_store_time("last month")
