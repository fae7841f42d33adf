"""Antivirus states (HIM-7.7, rulebook 七.7) in the results store: writing, and the figures per department.

The audit module ``hisops.him.hisops_antivirus`` returns, under ``module_utils.antivirus.STATE_KEY``,
the facts its verdict is made of. The recorder turns them, with the control's status, into one
row of the ``antivirus_states`` table (migration 11, ``plugin_utils.migrations``) per host and
run (``store_rows``). The report reads the last state of each host in a period
(``latest_states``), classes it current / stale / off (``host_class``), sums it up per department
(``department_summary``) and lists the detections of scans that finished in the period
(``detections_in_period``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

TABLE = "antivirus_states"
COLUMNS = (
    "host",
    "department",
    "status",
    "protection_on",
    "signature_age_hours",
    "max_age_hours",
    "engine",
    "last_scan_at",
    "detections",
    "quarantined",
    "recorded_at",
)
CLASSES = ("current", "stale", "off")
TEXT_LIMIT = 500
MAX_DETECTIONS = 200


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _iso(epoch: Any) -> str:
    number = _number(epoch)
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(number)) if number else ""


def store_rows(host: str, department: str, state: Any, status: str, recorded_at: str) -> list[dict[str, Any]]:
    """The module's antivirus facts as one ``antivirus_states`` row (none when they are not a mapping)."""
    if not isinstance(state, dict):
        return []
    scan = state.get("last_scan") if isinstance(state.get("last_scan"), dict) else {}
    found = [str(d)[:TEXT_LIMIT] for d in state.get("detections") or [] if isinstance(d, str)]
    protection = state.get("protection_on")
    quarantined = _number(state.get("quarantined"))
    return [
        {
            "host": host,
            "department": department or "",
            "status": str(status or ""),
            "protection_on": None if protection is None else int(bool(protection)),
            "signature_age_hours": _number(state.get("signature_age_hours")),
            "max_age_hours": _number(state.get("max_age_hours")),
            "engine": str(state.get("engine") or "")[:TEXT_LIMIT],
            "last_scan_at": _iso(scan.get("end")),
            "detections": "\n".join(found[:MAX_DETECTIONS]),
            "quarantined": None if quarantined is None else int(quarantined),
            "recorded_at": recorded_at,
        }
    ]


def latest_states(store: Any, start: Any = None, end: Any = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(the last state of each host in the period, sorted by host; every row of the period)."""
    if TABLE not in store.tables():
        return [], []
    rows = store.records(TABLE, start, end)  # oldest run first: the last row of a host wins
    last = {row["host"]: row for row in rows}
    return [last[h] for h in sorted(last)], rows


def host_class(row: dict[str, Any]) -> str:
    """off: the protection does not run; stale: signatures of unknown age or past the limit; else current."""
    if row.get("protection_on") == 0:
        return "off"
    age, limit = row.get("signature_age_hours"), row.get("max_age_hours")
    if age is None or (limit is not None and age > limit):
        return "stale"
    return "current"


def detections_in_period(rows: Iterable[dict[str, Any]], start: str = "") -> list[dict[str, Any]]:
    """Each detection once (host, scan, path and signature) of the scans that finished at or after
    ``start`` (UTC ISO text; '' for all): a detection is reported by every audit until the next scan."""
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        if not row.get("last_scan_at") or row["last_scan_at"] < start:
            continue
        for found in (row.get("detections") or "").splitlines():
            key = (row["host"], row["last_scan_at"], found)
            seen.setdefault(key, {"host": row["host"], "department": row["department"],
                                  "scan_at": row["last_scan_at"], "detection": found})  # fmt: skip
    return [seen[k] for k in sorted(seen)]


def department_summary(latest: list[dict[str, Any]], detections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per department: hosts current / stale / off, the oldest signature age (hours, of the hosts whose
    age is known) and the detections of the period."""
    out: dict[str, dict[str, Any]] = {}
    for row in latest:
        dept = out.setdefault(
            row["department"],
            {"department": row["department"], "hosts": 0, **dict.fromkeys(CLASSES, 0), "oldest_age_hours": None,
             "unknown_age": 0, "detections": 0},
        )  # fmt: skip
        dept["hosts"] += 1
        dept[host_class(row)] += 1
        age = row.get("signature_age_hours")
        if age is None:
            dept["unknown_age"] += 1
        elif dept["oldest_age_hours"] is None or age > dept["oldest_age_hours"]:
            dept["oldest_age_hours"] = age
    for found in detections:
        if found["department"] in out:
            out[found["department"]]["detections"] += 1
    return [out[k] for k in sorted(out)]
