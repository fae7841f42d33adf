"""The staff account register in the results store (HIM-8.1.1, rulebook 八.1(1); table
``staff_account_events``, migration ``V16_STAFF_ACCOUNT_EVENTS``).

The module ``hisops.him.hisops_staff_accounts`` returns, under
``module_utils.staff_accounts.EVENTS_KEY``, one ``{event, login, staff_id}`` per account it
created, enabled again, marked, added to the login group or disabled. The recorder turns them into
rows of ``staff_account_events`` (``store_rows``), in the run's own transaction: who did it is the
run's user, when is the run. A row never holds a password or a hash. Read with
``Store.records(TABLE, ...)`` or ``account_history``.
"""

from __future__ import annotations

from typing import Any

from ..module_utils.staff_accounts import KINDS

TABLE = "staff_account_events"
COLUMNS = ("host", "department", "login", "staff_id", "event", "recorded_at")


def store_rows(host: str, department: str, events: Any, recorded_at: str) -> list[dict[str, Any]]:
    """The module's events as ``staff_account_events`` rows (an event that is not one is left out)."""
    if not isinstance(events, list):
        return []
    return [
        {
            "host": host,
            "department": department or "",
            "login": str(e["login"]),
            "staff_id": str(e.get("staff_id") or ""),
            "event": e["event"],
            "recorded_at": recorded_at,
        }
        for e in events
        if isinstance(e, dict) and e.get("event") in KINDS and e.get("login")
    ]


def account_history(store: Any, login: str) -> list[dict[str, Any]]:
    """Every recorded event of one login, oldest run first (any department, any host)."""
    if TABLE not in store.tables():
        return []
    return [r for r in store.records(TABLE) if r["login"] == login]
