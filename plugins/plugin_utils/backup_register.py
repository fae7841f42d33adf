"""The backup register (备份登记, rulebook 八.2(6)) in the results store: writing and reading.

The audit module ``hisops.him.hisops_db_backup_audit`` returns, under
``module_utils.dbbackup.REGISTER_KEY``, one row per backup copy as the backup tool itself
accounts for it. The recorder turns those rows into rows of the ``backup_register`` table
(migration 6, ``plugin_utils.migrations``) with ``store_rows``; the report reads the latest
register of each database server in a period with ``latest_register`` and summarises it per
database and level with ``freshness``.

Every compliance run records the whole register again (the tool's account is the truth, and a
backup removed by retention disappears from it): the register of a period is the one of the
last run in that period that recorded each host.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

TABLE = "backup_register"
COLUMNS = (
    "host",
    "department",
    "engine",
    "database_name",
    "level",
    "tool",
    "label",
    "kind",
    "started",
    "stopped",
    "size_bytes",
    "stored_bytes",
    "repo",
    "location",
    "medium",
    "custodian",
    "retention",
    "expires",
    "tool_error",
    "verified_at",
    "verified_ok",
    "recorded_at",
)
TEXT_LIMIT = 500


def _text(value: Any) -> str:
    return "" if value is None else str(value)[:TEXT_LIMIT]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def store_rows(host: str, department: str, rows: Any, recorded_at: str) -> list[dict[str, Any]]:
    """The module's register rows as ``backup_register`` rows (every column, in order); rows that
    are not mappings are left out."""
    out = []
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, dict):
            continue
        verified = row.get("verified_ok")
        out.append(
            {
                "host": _text(row.get("host") or host),
                "department": _text(department),
                "engine": _text(row.get("engine")),
                "database_name": _text(row.get("database")),
                "level": _text(row.get("level")),
                "tool": _text(row.get("tool")),
                "label": _text(row.get("label")),
                "kind": _text(row.get("kind")),
                "started": _text(row.get("start")),
                "stopped": _text(row.get("stop")),
                "size_bytes": _int(row.get("size")),
                "stored_bytes": _int(row.get("size_stored")),
                "repo": _int(row.get("repo")),
                "location": _text(row.get("location")),
                "medium": _text(row.get("medium")),
                "custodian": _text(row.get("custodian")),
                "retention": _text(row.get("retention")),
                "expires": _text(row.get("expires")),
                "tool_error": int(bool(row.get("error"))),
                "verified_at": _text(row.get("verified_at")),
                "verified_ok": None if verified is None else int(bool(verified)),
                "recorded_at": recorded_at,
            }
        )
    return out


def latest_register(store: Any, start: Any = None, end: Any = None) -> list[dict[str, Any]]:
    """The register rows of the last run of the period that recorded each host, newest backup first."""
    if TABLE not in store.tables():
        return []
    rows = store.records(TABLE, start, end)
    last_run: dict[str, str] = {}
    for row in rows:  # oldest run first: the last assignment wins
        last_run[row["host"]] = row["run_uuid"]
    latest = [r for r in rows if last_run.get(r["host"]) == r["run_uuid"]]
    latest.sort(key=lambda r: (r["stopped"], r["repo"] or 0), reverse=True)
    latest.sort(key=lambda r: (r["host"], r["engine"], r["database_name"]))
    return latest


def _age_hours(stopped: str, now: datetime) -> float | None:
    try:
        when = datetime.fromisoformat(stopped.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return round((now - when).total_seconds() / 3600, 1)


def freshness(rows: list[dict[str, Any]], now: datetime | None = None) -> list[dict[str, Any]]:
    """Per host, engine, database, level and repository: how many backups, the newest one, its age
    (hours, at ``now``) and whether a restore test proved it."""
    now = now or datetime.now(UTC)
    groups: dict[tuple[str, str, str, str, int], list[dict[str, Any]]] = {}
    for row in rows:
        key = (row["host"], row["engine"], row["database_name"], row["level"] or "-", int(row["repo"] or 0))
        groups.setdefault(key, []).append(row)
    out = []
    for (host, engine, database, level, repo), mine in sorted(groups.items()):
        good = [r for r in mine if not r["tool_error"]]
        newest = max(good, key=lambda r: r["stopped"]) if good else None
        out.append(
            {
                "host": host,
                "engine": engine,
                "database_name": database,
                "level": level,
                "repo": repo,
                "location": mine[0]["location"],
                "backups": len(mine),
                "newest": newest["stopped"] if newest else "",
                "age_hours": _age_hours(newest["stopped"], now) if newest else None,
                "verified_ok": None if newest is None or newest["verified_ok"] is None else bool(newest["verified_ok"]),
                "custodian": mine[0]["custodian"],
            }
        )
    return out
