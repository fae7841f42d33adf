"""The PostgreSQL store: a real PostgreSQL 15 server gives the same answers as SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.hisops.him.plugins.plugin_utils.store import Store, StoreError, open_store

from . import dataset
from .conftest import run_playbook

pytestmark = pytest.mark.component

QUERIES = [
    ("runs", ()),
    ("control_results", ()),
    ("control_results", ("2026-10-31T00:00:00Z", "2026-11-01T00:00:00Z")),
    ("compliance_by_department", ()),
    ("compliance_by_control", ("2026-11-01", "2026-12-01")),
    ("compliance_by_host", ()),
    ("compliance_summary", ()),
    ("trend", ()),
    ("top_failing_controls", ()),
    ("host_results", ()),
    ("assets", ()),
    ("changes", ()),
    ("switch_changes", ()),
]


def _answers(store: Store) -> dict[str, object]:
    out = {"%s%s" % (name, args): getattr(store, name)(*args) for name, args in QUERIES}
    out["trend_day"] = store.trend(by="day")
    out["run_hosts"] = store.run_host_results("run-2")
    return out


def test_same_answers_as_sqlite(postgres_db: str, tmp_path: Path) -> None:
    with open_store(tmp_path / "s.sqlite") as lite, open_store(postgres_db) as pg:
        assert pg.kind == "postgresql" and pg.schema_version() == lite.schema_version()
        dataset.fill(lite)
        dataset.fill(pg)
        lite_answers, pg_answers = _answers(lite), _answers(pg)
    for key, value in lite_answers.items():
        assert pg_answers[key] == value, key


def test_recorder_writes_to_postgresql(postgres_db: str, recorded_sqlite) -> None:
    proc = run_playbook(postgres_db)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # per run by nature: ids, times, and the recording process (plugin_utils.stale_runs)
    volatile = {"id", "run_id", "uuid", "run_uuid", "started", "ended", "duration", "recorded_at"}
    volatile |= {"controller_pid", "controller_process"}

    def stable(rows: list[dict]) -> list[dict]:
        return [{k: v for k, v in r.items() if k not in volatile} for r in rows]

    with open_store(postgres_db) as pg, open_store(recorded_sqlite[0]) as lite:
        (pg_run,), (lite_run,) = pg.runs(), lite.runs()
        assert stable([pg_run]) == stable([lite_run])
        assert stable(pg.run_control_results(pg_run["uuid"])) == stable(lite.run_control_results(lite_run["uuid"]))
        assert stable(pg.run_host_results(pg_run["uuid"])) == stable(lite.run_host_results(lite_run["uuid"]))
        assert stable(pg.changes()) == stable(lite.changes())
        assert pg.compliance_by_department() == lite.compliance_by_department()


def test_unreachable_postgresql_is_one_line(postgres_server: str) -> None:
    bad = postgres_server.rsplit("/", 1)[0] + "/no_such_db"
    with pytest.raises(StoreError, match=r"cannot connect to the results store .*no_such_db") as err:
        open_store(bad)
    assert "\n" not in str(err.value)
