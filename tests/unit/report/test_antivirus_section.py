"""Antivirus states in the results store (migration, recorder, plugin_utils.antivirus_register) and the
report's antivirus section per department, on a store with known figures, in Chinese and English."""

from __future__ import annotations

import calendar
from pathlib import Path
from typing import Any

import lxml.html
import pytest
import yaml
from ansible_collections.hisops.him.plugins.module_utils.antivirus import STATE_KEY
from ansible_collections.hisops.him.plugins.modules import hisops_antivirus_windows
from ansible_collections.hisops.him.plugins.plugin_utils import antivirus_register as reg
from ansible_collections.hisops.him.plugins.plugin_utils.migrations import MIGRATIONS
from ansible_collections.hisops.him.plugins.plugin_utils.recording import RunRecording
from ansible_collections.hisops.him.plugins.plugin_utils.report import i18n
from ansible_collections.hisops.him.plugins.plugin_utils.report.section_antivirus import (
    DEPARTMENT_COLUMNS,
    DETECTION_COLUMNS,
    HOST_COLUMNS,
)
from ansible_collections.hisops.him.plugins.plugin_utils.store import Batch, open_store

from .conftest import month_report, sections_of_a_run_without_records

pytestmark = pytest.mark.unit


def epoch(text: str) -> float:
    return float(calendar.timegm(tuple(int(x) for x in text.replace("T", "-").replace(":", "-").split("-"))))


def module_state(age: float | None, on: bool = True, scan: str = "", found: tuple[str, ...] = ()) -> dict[str, Any]:
    """What hisops_antivirus returns under STATE_KEY (the parts the store keeps)."""
    return {
        "engine": "ClamAV 1.4.3",
        "protection_on": on,
        "signature_age_hours": age,
        "max_age_hours": 48,
        "last_scan": {"kind": "quick", "end": epoch(scan), "rc": 1 if found else 0} if scan else None,
        "detections": list(found),
        "quarantined": len(found),
    }


EICAR_A = "/home/a/Downloads/x.com: eicar.com.UNOFFICIAL"
EICAR_B = "/home/b/y.exe: eicar.com.UNOFFICIAL"
# (run, started, host, department, control status, state)
RUNS = [
    ("r-oct", "2026-10-30T01:00:00.000000Z", "ws-mz-01", "mz", "fail",
     module_state(1, scan="2026-10-30T00:30:00", found=("/home/old/z.com: eicar.com.UNOFFICIAL",))),
    ("r-1", "2026-11-05T04:00:00.000000Z", "ws-mz-01", "mz", "pass",
     module_state(2, scan="2026-11-05T03:00:00", found=(EICAR_A,))),
    ("r-1", "2026-11-05T04:00:00.000000Z", "ws-mz-02", "mz", "fail", module_state(60)),
    ("r-1", "2026-11-05T04:00:00.000000Z", "ws-zy-01", "zy", "pass",
     module_state(1, scan="2026-10-31T23:00:00", found=("/home/c/before.com: eicar.com.UNOFFICIAL",))),
    ("r-1", "2026-11-05T04:00:00.000000Z", "ws-zy-02", "zy", "fail", module_state(5, on=False)),
    # the same detection again (the next audit before the next scan), then a new scan's
    ("r-2", "2026-11-05T09:00:00.000000Z", "ws-mz-01", "mz", "pass",
     module_state(7, scan="2026-11-05T03:00:00", found=(EICAR_A,))),
    ("r-3", "2026-11-20T04:00:00.000000Z", "ws-mz-01", "mz", "pass",
     module_state(3, scan="2026-11-20T03:00:00", found=(EICAR_B,))),
    ("r-3", "2026-11-20T04:00:00.000000Z", "ws-mz-02", "mz", "fail", module_state(70)),
    ("r-3", "2026-11-20T04:00:00.000000Z", "ws-zy-01", "zy", "fail", module_state(None)),
]  # fmt: skip
# the figures of November 2026, counted by hand from RUNS
DEPARTMENTS = [
    {"department": "mz", "hosts": 2, "current": 1, "stale": 1, "off": 0, "oldest_age_hours": 70.0,
     "unknown_age": 0, "detections": 2},
    {"department": "zy", "hosts": 2, "current": 0, "stale": 1, "off": 1, "oldest_age_hours": 5.0,
     "unknown_age": 1, "detections": 0},
]  # fmt: skip


def fill(path: Path) -> None:
    with open_store(path) as store:
        assert reg.TABLE in store.tables() and store.schema_version() == MIGRATIONS[-1].version
        started: dict[str, str] = {}
        for uuid, start, host, dept, status, state in RUNS:
            if uuid not in started:
                store.start_run({"uuid": uuid, "started": start, "mode": "check"})
                started[uuid] = start
            store.write(Batch(uuid, extra={reg.TABLE: reg.store_rows(host, dept, state, status, start)}))


def test_the_recorder_stores_the_modules_state_with_the_controls_status() -> None:
    rec = RunRecording("u-1")
    data = {
        "hisops_controls": [{"id": "HIM-7.7-antivirus", "status": "fail", "severity": "critical", "evidence": []}],
        STATE_KEY: module_state(50.5, on=False, scan="2026-11-05T03:00:00", found=(EICAR_A,)),
    }
    rec.record_result("ws-mz-01", ["dept_mz", "workstations"], data, "ok", ("HIM-7.7", "m"), False, dict)
    (row,) = rec.take_batch().extra[reg.TABLE]
    assert list(row) == list(reg.COLUMNS)
    assert (row["department"], row["status"], row["protection_on"], row["signature_age_hours"]) == (
        "mz",
        "fail",
        0,
        50.5,
    )
    assert (row["last_scan_at"], row["detections"], row["quarantined"]) == ("2026-11-05T03:00:00Z", EICAR_A, 1)
    assert reg.store_rows("h", "d", "not a mapping", "pass", "now") == []


def test_hosts_are_classed_by_their_last_state() -> None:
    assert reg.host_class({"protection_on": 1, "signature_age_hours": 48.0, "max_age_hours": 48.0}) == "current"
    assert reg.host_class({"protection_on": 1, "signature_age_hours": 48.1, "max_age_hours": 48.0}) == "stale"
    assert reg.host_class({"protection_on": None, "signature_age_hours": None, "max_age_hours": 48.0}) == "stale"
    assert reg.host_class({"protection_on": 0, "signature_age_hours": 1.0, "max_age_hours": 48.0}) == "off"


def test_the_figures_per_department(tmp_path: Path) -> None:
    fill(tmp_path / "s.sqlite")
    with open_store(tmp_path / "s.sqlite") as store:
        latest, rows = reg.latest_states(store, "2026-11-01", "2026-12-01")
    assert [(r["host"], r["run_uuid"]) for r in latest] == [
        ("ws-mz-01", "r-3"), ("ws-mz-02", "r-3"), ("ws-zy-01", "r-3"), ("ws-zy-02", "r-1"),
    ]  # fmt: skip
    found = reg.detections_in_period(rows, "2026-11-01T00:00:00")
    assert [(d["host"], d["scan_at"], d["detection"]) for d in found] == [
        ("ws-mz-01", "2026-11-05T03:00:00Z", EICAR_A),
        ("ws-mz-01", "2026-11-20T03:00:00Z", EICAR_B),
    ]
    assert reg.department_summary(latest, found) == DEPARTMENTS


def report_json(tmp_path: Path, lang: str) -> tuple[dict[str, Any], str]:
    html, data = month_report(tmp_path / "s.sqlite", tmp_path / lang, lang)
    (section,) = [s for s in data["sections"] if s["key"] == reg.TABLE]
    return section, html


@pytest.mark.parametrize(
    ("lang", "title", "stale", "off"),
    [("zh", "防病毒（七.7）", "病毒库过期", "未运行"), ("en", "Antivirus (rule 七.7)", "stale", "off")],
)
def test_report_section_in_both_languages(tmp_path: Path, lang: str, title: str, stale: str, off: str) -> None:
    fill(tmp_path / "s.sqlite")
    section, html = report_json(tmp_path, lang)
    assert section["title"] == title
    assert section["kpis"] == {"hosts": 4, "av_current": 1, "av_stale": 2, "av_off": 1, "av_detections": 2}
    tables = {t["key"]: t["rows"] for t in section["tables"]}
    keys = [c.key for c in DEPARTMENT_COLUMNS if c.key != "department_name"]
    assert [{k: r[k] for k in keys} for r in tables["antivirus_departments"]] == DEPARTMENTS
    states = {r["host"]: r["state"] for r in tables["antivirus_hosts"]}
    assert states == {"ws-mz-01": states["ws-mz-01"], "ws-mz-02": stale, "ws-zy-01": stale, "ws-zy-02": off}
    assert [r["detection"] for r in tables["antivirus_detections"]] == [EICAR_A, EICAR_B]
    doc = lxml.html.fromstring(html)
    assert reg.TABLE in [s.get("id") for s in doc.iter("section")] and title in doc.text_content()
    for column in [*DEPARTMENT_COLUMNS, *HOST_COLUMNS, *DETECTION_COLUMNS]:
        assert all(i18n.CATALOG[column.label]), column.label


def test_no_antivirus_states_no_section(tmp_path: Path) -> None:
    assert reg.TABLE not in sections_of_a_run_without_records(tmp_path)


def test_a_windows_hosts_defender_state_is_stored_and_classed_like_a_linux_hosts() -> None:
    """The Windows module documents what it returns under STATE_KEY (its RETURN sample): through the
    recorder that state gives the same row, so Windows hosts are counted in the report's section."""
    sample = yaml.safe_load(hisops_antivirus_windows.RETURN)[STATE_KEY]["sample"]
    rec = RunRecording("u-win")
    data = {
        "hisops_controls": [{"id": "HIM-7.7-antivirus", "status": "fail", "severity": "critical", "evidence": []}],
        STATE_KEY: sample,
    }
    rec.record_result("pc-mz-07", ["dept_mz", "workstations"], data, "ok", ("HIM-7.7", "m"), False, dict)
    (row,) = rec.take_batch().extra[reg.TABLE]
    assert (row["department"], row["engine"], row["protection_on"], row["signature_age_hours"]) == (
        "mz",
        "Defender 1.1.24090.11",
        0,
        60.5,
    )
    assert (row["last_scan_at"], row["quarantined"]) == ("2026-11-29T22:00:00Z", 1)
    assert row["detections"] == "file:_C:\\Users\\zhang\\Downloads\\eicar.com: threat 2147519003"
    assert reg.host_class(row) == "off"
    (dept,) = reg.department_summary([row], reg.detections_in_period([row]))
    assert (dept["hosts"], dept["off"], dept["oldest_age_hours"], dept["detections"]) == (1, 1, 60.5, 1)
