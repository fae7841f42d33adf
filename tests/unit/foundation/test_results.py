"""The shared per-control result record."""

from __future__ import annotations

import pytest
from ansible_collections.hisops.him.plugins.module_utils import results

pytestmark = pytest.mark.unit


def test_record_has_every_field() -> None:
    rec = results.control_result("HIM-5.4-games", "fail", "high", ["sl installed"], ["remove sl"], "1 game")
    assert rec == {
        "id": "HIM-5.4-games",
        "status": "fail",
        "severity": "high",
        "evidence": ["sl installed"],
        "changes": ["remove sl"],
        "message": "1 game",
    }
    assert results.validate_record(rec) == []


@pytest.mark.parametrize(("status", "severity"), [("passed", "high"), ("pass", "urgent")])
def test_unknown_status_or_severity_is_refused(status: str, severity: str) -> None:
    with pytest.raises(ValueError, match="unknown"):
        results.control_result("X", status, severity)


def test_evidence_is_capped() -> None:
    rec = results.control_result("X", "fail", evidence=[str(i) for i in range(results.MAX_EVIDENCE + 7)])
    assert len(rec["evidence"]) == results.MAX_EVIDENCE + 1
    assert rec["evidence"][-1] == "... and 7 more"


def test_validate_record_names_the_problem() -> None:
    assert results.validate_record({"id": "X", "status": "ok", "evidence": "x"}) == [
        "control X: unknown status 'ok'",
        "control X: evidence must be a list",
    ]
    assert results.validate_record("nope")[0].startswith("control result is not a mapping")


def test_summarize_and_changed() -> None:
    recs = [results.control_result("A", "pass"), results.control_result("B", "fixed")]
    assert results.summarize(recs) == {"pass": 1, "fail": 0, "fixed": 1, "exempt": 0, "error": 0}
    assert results.any_changed(recs)
    assert not results.any_changed(recs[:1])
