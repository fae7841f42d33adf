"""Each control record's predecessor, written with the record (migration ``V11_PREVIOUS_STATUS``).

``previous_status`` is the status of the record before it of the same host and control ('' when
there is none), ``previous_run_id`` that record's run. "Before" is the store's order of records
(``control_results.id``): the writer looks the predecessor up in the same transaction that inserts
the record, so the order holds while several runs record at once (SQLite's writers are serialised
by ``BEGIN IMMEDIATE``; on PostgreSQL the writer takes ``HISTORY_LOCK``).

A report's fixes by hand (a pass right after a fail or error) are then read from the records of
the period alone (``report.source.FIXES_SQL``), never by searching each record's history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

COLUMNS = ("previous_status", "previous_run_id")
HISTORY_LOCK = 4855302  # pg_advisory_xact_lock key of the writers of control records
LAST_SQL = "SELECT status, run_id FROM control_results WHERE host = ? AND control_id = ? ORDER BY id DESC LIMIT 1"


def with_previous(
    rows: Sequence[dict[str, Any]], run_id: int, last: Callable[[str, str], tuple[str, int | None]]
) -> list[dict[str, Any]]:
    """The rows (in the order they are inserted) with ``previous_status`` and ``previous_run_id``;
    ``last(host, control)``: the status and run of the latest stored record ('' and None when none)."""
    known: dict[tuple[str, str], tuple[str, int | None]] = {}
    out = []
    for row in rows:
        key = (str(row.get("host", "")), str(row.get("control_id", "")))
        if key not in known:
            known[key] = last(*key)
        status, previous_run = known[key]
        out.append(row | {"previous_status": status, "previous_run_id": previous_run})
        known[key] = (str(row.get("status", "")), run_id)
    return out
