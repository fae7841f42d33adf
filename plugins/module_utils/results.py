# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-control result record shared by every hisops audit/enforce module.

Every module that checks rulebook controls returns, under the key ``hisops_controls``,
a list of records built here. The recording callback and the reports read exactly this
structure, so it is defined once.

A record::

    {
      "id": "HIM-5.4-games",          # control ID from the catalog
      "status": "fail",               # one of STATUSES
      "severity": "high",             # from the catalog
      "evidence": ["package sl installed"],   # what was found (strings, never secrets)
      "changes": ["remove package sl"],       # what was (or, in check mode, would be) changed
      "message": "2 game packages installed",  # one line for a technician
    }
"""

from __future__ import annotations

from typing import Any
from collections.abc import Iterable


RESULT_KEY = "hisops_controls"
SCHEMA_VERSION = 1

PASS = "pass"
FAIL = "fail"
FIXED = "fixed"
EXEMPT = "exempt"
ERROR = "error"
STATUSES = (PASS, FAIL, FIXED, EXEMPT, ERROR)
SEVERITIES = ("low", "medium", "high", "critical")

# Maximum evidence lines kept per control: evidence is for a human to read, and a host
# with thousands of findings must not blow up the results store.
MAX_EVIDENCE = 50


def control_result(
    control_id: str,
    status: str,
    severity: str = "medium",
    evidence: Iterable[str] | None = None,
    changes: Iterable[str] | None = None,
    message: str = "",
) -> dict[str, Any]:
    """Build one validated control result record."""
    if status not in STATUSES:
        raise ValueError("unknown control status %r (expected one of %s)" % (status, ", ".join(STATUSES)))
    if severity not in SEVERITIES:
        raise ValueError("unknown severity %r (expected one of %s)" % (severity, ", ".join(SEVERITIES)))
    ev = [str(e) for e in (evidence or [])]
    if len(ev) > MAX_EVIDENCE:
        ev = [*ev[:MAX_EVIDENCE], "... and %d more" % (len(ev) - MAX_EVIDENCE)]
    return {
        "id": str(control_id),
        "status": status,
        "severity": severity,
        "evidence": ev,
        "changes": [str(c) for c in (changes or [])],
        "message": str(message),
    }


def validate_record(record: Any) -> list[str]:
    """Return the problems with a record received from a module (empty when valid)."""
    problems: list[str] = []
    if not isinstance(record, dict):
        return ["control result is not a mapping: %r" % (record,)]
    if not record.get("id"):
        problems.append("control result has no id")
    if record.get("status") not in STATUSES:
        problems.append("control %s: unknown status %r" % (record.get("id"), record.get("status")))
    for key in ("evidence", "changes"):
        if key in record and not isinstance(record[key], list):
            problems.append("control %s: %s must be a list" % (record.get("id"), key))
    return problems


def summarize(records: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Count records by status (every status present, zero when absent)."""
    counts = {s: 0 for s in STATUSES}
    for rec in records:
        counts[rec["status"]] = counts.get(rec["status"], 0) + 1
    return counts


def any_changed(records: Iterable[dict[str, Any]]) -> bool:
    """True when at least one control was fixed (the module changed the host)."""
    return any(rec["status"] == FIXED for rec in records)
