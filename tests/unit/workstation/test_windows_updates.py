"""HIM-7.7-updates on Windows: the PowerShell module reports the date of the last successful update
installation, the action plugin applies the policy's limit (hisops_workstation_update_max_age_days,
the same value as on Linux). The controller side, run here (there is no PowerShell on this machine)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from ansible_collections.hisops.him.plugins.action.hisops_workstation_windows import (
    LAST_UPDATE_KEY,
    complete_update_age,
)
from ansible_collections.hisops.him.plugins.module_utils.results import control_result, summarize
from ansible_collections.hisops.him.plugins.module_utils.workstation_policy import windows_update_age

from .data import MECHANISM

pytestmark = pytest.mark.unit

TODAY = datetime.date(2026, 11, 27)


def _record(status: str = "pass") -> dict[str, Any]:
    return control_result("HIM-7.7-updates", status, "high", [], [], "automatic updates enforced")


@pytest.mark.parametrize(
    ("status", "last", "limit", "expected", "line"),
    [
        ("pass", "2026-11-20", 7, "pass", "2026-11-20, 7 day(s) ago (limit 7)"),
        ("pass", "2026-11-19", 7, "fail", "2026-11-19, 8 day(s) ago (limit 7)"),
        ("fixed", "2026-10-01", 30, "fail", "57 day(s) ago (limit 30)"),
        ("pass", None, 7, "fail", "no successful Windows Update installation found"),
        ("pass", "2027-01-01", 7, "pass", "0 day(s) ago"),  # clock wrong: counts as today
        ("fail", "2026-11-26", 7, "fail", "1 day(s) ago"),  # the policy itself is not set
        ("exempt", "2020-01-01", 7, "exempt", None),
        ("error", None, 7, "error", None),
    ],
)
def test_update_age_against_the_limit(
    status: str, last: str | None, limit: int, expected: str, line: str | None
) -> None:
    out = windows_update_age(_record(status), last, limit, TODAY)
    assert out["status"] == expected
    if line is None:
        assert out["evidence"] == []
    else:
        assert any(line in e for e in out["evidence"]), out["evidence"]
    if expected == "fail" and status != "fail":
        assert out["message"].startswith("updates not installed for more than %d day(s)" % limit)


def test_the_action_plugin_applies_the_policy_and_recounts() -> None:
    other = control_result("HIM-5.4-games", "pass", "high", [], [], "no game software")
    result = {"hisops_controls": [other, _record()], LAST_UPDATE_KEY: "2026-11-01", "summary": {}}
    complete_update_age(result, {"policy": {"update_max_age_days": 14}, "today": TODAY.isoformat()})
    assert [r["status"] for r in result["hisops_controls"]] == ["pass", "fail"]
    assert result["summary"] == summarize(result["hisops_controls"]) and result["summary"]["fail"] == 1
    assert result["hisops_controls"][0] is other


def test_without_the_date_the_records_are_left_alone() -> None:
    """A run that did not check HIM-7.7-updates has no date: nothing to judge."""
    result = {"hisops_controls": [_record()]}
    complete_update_age(result, {"policy": {}, "today": TODAY.isoformat()})
    assert result == {"hisops_controls": [_record()]}


def test_the_module_reads_the_history_size_from_the_mechanism() -> None:
    assert MECHANISM["windows"]["HIM-7.7-updates"]["history_entries"] > 0
