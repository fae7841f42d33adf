"""What every part of the results store shares: its error, statuses, time text and JSON columns."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any

from ...module_utils import results

RUN_STATUSES = ("running", "ok", "failed", "interrupted")
HOST_STATUSES = ("ok", "failed", "unreachable", "skipped")
# The control statuses are those of the modules' result record (plugins/module_utils/results.py).
CONTROL_STATUSES: tuple[str, ...] = results.STATUSES
COMPLIANT: tuple[str, ...] = (results.PASS, results.FIXED, results.EXEMPT)
JSON_COLUMNS = frozenset({"stats", "evidence", "changes", "facts", "groups", "controls"})
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class StoreError(Exception):
    """A problem with the results store, as one line a technician can act on."""


# ---------------------------------------------------------------------------- time helpers
def now_text() -> str:
    """The current time as store text (UTC)."""
    return datetime.now(UTC).strftime(TIME_FORMAT)


def to_store_time(value: date | datetime | str | None) -> str | None:
    """Convert a period bound to store text; local time for dates and naive datetimes."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = (
                datetime.fromisoformat(text.replace("Z", "+00:00"))
                if "T" in text or " " in text
                else date.fromisoformat(text)
            )
        except ValueError:
            raise StoreError("invalid date or time %r: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS" % value) from None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    if value.tzinfo is None:
        value = value.astimezone()  # naive = the controller's local time
    return value.astimezone(UTC).strftime(TIME_FORMAT)


def local_day(stored: str) -> str:
    """The controller-local calendar day (YYYY-MM-DD) of a store time."""
    return datetime.strptime(stored, TIME_FORMAT).replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d")


def encode_value(column: str, value: Any) -> Any:
    """A value as the store writes it (JSON columns as JSON text)."""
    if column in JSON_COLUMNS:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return value


def decode_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row as read, its JSON columns decoded."""
    for key in JSON_COLUMNS.intersection(row):
        if isinstance(row[key], str):
            row[key] = json.loads(row[key])
    return row


def counts_with_rate(counts: dict[str, int]) -> dict[str, Any]:
    """Add total/compliant/rate to status counts (every status key present)."""
    out: dict[str, Any] = {s: int(counts.get(s, 0)) for s in CONTROL_STATUSES}
    out["total"] = sum(out[s] for s in CONTROL_STATUSES)
    out["compliant"] = sum(out[s] for s in COMPLIANT)
    out["rate"] = round(out["compliant"] / out["total"], 4) if out["total"] else None
    return out
