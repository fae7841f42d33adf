"""The same report from a PostgreSQL store as from a SQLite store holding the same data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ..store.conftest import postgres_db, postgres_server  # noqa: F401 - fixtures of a real PostgreSQL 15
from .conftest import run_cli
from .reportdata import make_store

pytestmark = pytest.mark.component


def _tables(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {t["key"]: t for s in doc["sections"] for t in s["tables"]}


def _comparable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without the columns that differ by nature (record times of the runs' end)."""
    return [{k: v for k, v in r.items() if k not in ("ended", "id")} for r in rows]


@pytest.mark.parametrize("period", ["2026-11", "2026-Q4"])
def test_postgresql_report_equals_sqlite(postgres_db: str, tmp_path: Path, period: str) -> None:  # noqa: F811
    lite = make_store(tmp_path / "results.sqlite")
    make_store(postgres_db)
    reports = {}
    for name, store in (("sqlite", lite), ("postgresql", postgres_db)):
        out = tmp_path / name
        code, files, err = run_cli("--store", store, "--period", period, "--format", "json,html", "--out", str(out))
        assert code == 0, err
        reports[name] = next(p for p in files if p.suffix == ".json")
    kinds = {name: json.loads(p.read_text(encoding="utf-8"))["meta"]["store_kind"] for name, p in reports.items()}
    assert kinds == {"sqlite": "sqlite", "postgresql": "postgresql"}
    lite_tables, pg_tables = _tables(reports["sqlite"]), _tables(reports["postgresql"])
    assert set(lite_tables) == set(pg_tables)
    for key, table in lite_tables.items():
        assert table["total"] == pg_tables[key]["total"], key
        assert _comparable(table["rows"]) == _comparable(pg_tables[key]["rows"]), key
    assert lite_tables["findings"]["total"] > 0 and lite_tables["hosts"]["total"] == 6


def test_period_statistics_from_postgresql_equal_sqlite(postgres_db: str, tmp_path: Path) -> None:  # noqa: F811
    """The trend with not-checked controls from the scope rows (JSONB groups), the fixes and the
    findings' history: the same on both back-ends (a quarter of the year of daily runs)."""
    from . import yeardata

    runs = [r for r in yeardata.history() if r.started < "2026-04"]
    catalog = yeardata.write_catalog(tmp_path)
    docs = {}
    for name, location in (("sqlite", str(tmp_path / "q1.sqlite")), ("postgresql", postgres_db)):
        yeardata.fill(location, runs)
        code, files, err = run_cli("--store", location, "--catalog", catalog, "--period", "2026-Q1",
                                   "--format", "json", "--out", str(tmp_path / name))  # fmt: skip
        assert code == 0, err
        docs[name] = _tables(files[0])
    assert set(docs["sqlite"]) == set(docs["postgresql"])
    for key, table in docs["sqlite"].items():
        assert _comparable(table["rows"]) == _comparable(docs["postgresql"][key]["rows"]), key
    assert docs["sqlite"]["trend"]["rows"] and docs["sqlite"]["fixes"]["total"] > 0
    assert any(r["not_checked"] for r in docs["sqlite"]["trend"]["rows"])
