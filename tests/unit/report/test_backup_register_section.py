"""The backup register in the results store (migration, plugin_utils.backup_register) and its report section."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from ansible_collections.hisops.him.plugins.plugin_utils import backup_register
from ansible_collections.hisops.him.plugins.plugin_utils.migrations import MIGRATIONS
from ansible_collections.hisops.him.plugins.plugin_utils.report import i18n
from ansible_collections.hisops.him.plugins.plugin_utils.report.backups import FRESHNESS_COLUMNS, REGISTER_COLUMNS
from ansible_collections.hisops.him.plugins.plugin_utils.store import Batch, open_store

from .conftest import month_report, sections_of_a_run_without_records

pytestmark = pytest.mark.unit


def module_row(label: str, repo: int, level: str, stop: str, verified: bool | None, **extra: Any) -> dict[str, Any]:
    """A row as hisops_db_backup_audit returns it."""
    return {
        "database": "main", "host": "db-01", "repo": repo, "level": level, "tool": "pgbackrest", "label": label,
        "kind": "full", "start": stop, "stop": stop, "size": 52_428_800, "size_stored": 10_485_760, "error": False,
        "location": "db-01" if repo == 1 else "nc-01", "medium": "repo%d" % repo, "custodian": "王伟",
        "verified_at": "2026-11-20T05:00:00+00:00" if verified is not None else "", "verified_ok": verified,
        "engine": "postgresql", "retention": "12 monthly", "expires": "2027-11-01T01:00:00+00:00", **extra,
    }  # fmt: skip


def fill(path: Path) -> None:
    with open_store(path) as store:
        assert backup_register.TABLE in store.tables()
        assert store.schema_version() == MIGRATIONS[-1].version
        for uuid, started, rows in (
            (
                "r-1",
                "2026-11-10T01:00:00.000000Z",
                [module_row("OLD", 1, "monthly", "2026-11-01T01:00:00+00:00", True)],
            ),
            (
                "r-2",
                "2026-11-20T01:00:00.000000Z",
                [
                    module_row("F1", 1, "monthly", "2026-11-01T01:00:00+00:00", True),
                    module_row("F1", 2, "monthly", "2026-11-01T01:05:00+00:00", None),
                    module_row("I1", 1, "daily", "2026-11-19T02:00:00+00:00", False, error=True),
                ],
            ),
        ):
            store.start_run({"uuid": uuid, "started": started, "mode": "check"})
            rows = backup_register.store_rows("db-01", "it", rows, started)
            store.write(Batch(uuid, extra={backup_register.TABLE: rows}))


def test_rows_keep_every_column_and_the_verification_as_tristate() -> None:
    rows = backup_register.store_rows("db-01", "it", [module_row("F1", 2, "monthly", "x", None), "junk"], "now")
    assert list(rows[0]) == list(backup_register.COLUMNS) and len(rows) == 1
    assert rows[0]["verified_ok"] is None and rows[0]["database_name"] == "main" and rows[0]["size_bytes"] == 52_428_800


def test_the_register_of_a_period_is_the_last_run_per_host(tmp_path: Path) -> None:
    fill(tmp_path / "s.sqlite")
    with open_store(tmp_path / "s.sqlite") as store:
        rows = backup_register.latest_register(store, "2026-11-01", "2026-12-01")
        assert [(r["label"], r["repo"]) for r in rows] == [("I1", 1), ("F1", 2), ("F1", 1)]
        assert all(r["run_uuid"] == "r-2" for r in rows)
        fresh = backup_register.freshness(rows, datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    by_key = {(r["level"], r["repo"]): r for r in fresh}
    assert by_key[("monthly", 1)]["verified_ok"] is True and by_key[("monthly", 1)]["age_hours"] == 457.0
    assert by_key[("monthly", 2)]["verified_ok"] is None
    # a backup the tool flags with errors is never the newest good one
    assert by_key[("daily", 1)]["newest"] == "" and by_key[("daily", 1)]["age_hours"] is None


def test_report_section_lists_the_register_in_both_languages(tmp_path: Path) -> None:
    fill(tmp_path / "s.sqlite")
    for lang, title in (("zh", "数据库备份登记"), ("en", "Database backup register")):
        html, data = month_report(tmp_path / "s.sqlite", tmp_path / lang, lang)
        doc = lxml.html.fromstring(html)
        assert "backup_register" in [s.get("id") for s in doc.iter("section")]
        assert title in doc.text_content()
        text = json.dumps(data, ensure_ascii=False)
        assert "I1" in text and "OLD" not in text  # the last run's register only
    for column in [*FRESHNESS_COLUMNS, *REGISTER_COLUMNS]:
        assert all(i18n.CATALOG[column.label]), column.label


def test_no_register_rows_no_section(tmp_path: Path) -> None:
    assert backup_register.TABLE not in sections_of_a_run_without_records(tmp_path)
