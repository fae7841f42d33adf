"""Value formatting shared by the renderers (the same text in HTML, XLSX and CSV)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .i18n import Translator

_TZ_CACHE: dict[str, str] = {}


def local_time(stored: Any) -> str:
    """A store time (UTC, ...Z) as the controller's local 'YYYY-MM-DD HH:MM'."""
    if not stored:
        return ""
    text = str(stored)
    key = text[:16]
    cached = _TZ_CACHE.get(key)
    if cached is not None:
        return cached
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    out = when.astimezone().strftime("%Y-%m-%d %H:%M")
    if len(_TZ_CACHE) < 100000:
        _TZ_CACHE[key] = out
    return out


def local_datetime(stored: Any) -> dt.datetime | None:
    """A store time as a naive datetime in the controller's local time (for spreadsheet cells);
    None when it is not a time."""
    try:
        return dt.datetime.strptime(local_time(stored), "%Y-%m-%d %H:%M")
    except ValueError:
        return None


def percent(rate: Any) -> str:
    return "" if rate is None else "%.1f" % (float(rate) * 100)


# Column kinds whose values are codes translated by i18n (prefix = the kind).
TRANSLATED_KINDS = (
    "status", "severity", "kind", "mode", "reason", "since", "how", "run_status", "exemption", "coverage", "outcome",
    "inventory_change",
)  # fmt: skip


def text_value(kind: str, value: Any, t: Translator) -> str:
    """The text a human reads for a value of a column kind."""
    if value is None:
        return ""
    if kind == "rate":
        return percent(value)
    if kind in TRANSLATED_KINDS:
        return t.value(kind, value)
    if kind == "bool":
        return t("bool.yes") if value else t("bool.no")
    if kind == "list":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if kind == "time":
        return local_time(value)
    if kind == "float":
        return "%g" % float(value)
    return str(value)
