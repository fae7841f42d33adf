"""The asset register's report tables: devices by kind, department and location, and the devices
added to and removed from the inventory in the period (rulebook 四.4, 八.2(4); docs/reports.md).

The register's data (device kind, asset number, location, purchase date: ``plugin_utils.asset_inventory``)
comes with the latest asset record of each host in the period (store migration 14; a store written
before it has none, and the kind, location and purchase date read '' there). The inventory at a
moment is the hosts a run recorded in ``run_hosts`` (every inventory host of the run, whatever
``--limit`` said): devices added = in the inventory of the period's last run and not in that of the
last run before the period (or, with no run before it, of the period's first run); removed = the
reverse.
"""

from __future__ import annotations

from typing import Any

from ..asset_inventory import STORE_COLUMNS
from .source import ASSETS, PERIOD_RUNS, ReportSource

UNKNOWN = "?"


def has_register(src: ReportSource) -> bool:
    """Does the store's asset table hold the register's columns (migration 14)?"""
    if not src.has_table("assets"):
        return False
    cur = src.store.connection.cursor()
    try:
        cur.execute("SELECT * FROM assets WHERE 1 = 0")
        return set(STORE_COLUMNS) <= {d[0] for d in cur.description}
    finally:
        cur.close()


def totals(src: ReportSource, dimensions: tuple[str, ...]) -> list[dict[str, Any]]:
    """Hosts per value of ``dimensions`` (columns of the latest asset records: device_kind,
    department, location), '' read as '?'; the department's recorded name as ``name``."""
    if not has_register(src):
        return []
    cols = ", ".join(dimensions)
    rows = src.rows(
        "SELECT %s, MAX(department_name) AS name, COUNT(*) AS hosts FROM %s GROUP BY %s ORDER BY %s"
        % (cols, ASSETS, cols, cols)
    )
    for row in rows:
        for dim in dimensions:
            if dim != "department":
                row[dim] = row[dim] or UNKNOWN
        row["hosts"] = int(row["hosts"])
    return rows


def inventory_changes(src: ReportSource) -> list[dict[str, Any]]:
    """The hosts added to and removed from the inventory in the period (``change``: added | removed),
    each with its latest asset record up to the end of the period; by change, host."""
    if not src.has_table("run_hosts") or not src.run_ids:
        return []
    last = _one(src, "SELECT MAX(run_id) AS id FROM run_hosts WHERE run_id IN (SELECT id FROM %s)" % PERIOD_RUNS)
    before = _one(
        src,
        "SELECT MAX(r.id) AS id FROM runs r WHERE r.started < ? AND EXISTS "
        "(SELECT 1 FROM run_hosts h WHERE h.run_id = r.id)",
        (src.start or "",),
    )
    if before is None:
        before = _one(src, "SELECT MIN(run_id) AS id FROM run_hosts WHERE run_id IN (SELECT id FROM %s)" % PERIOD_RUNS)
    if last is None or before is None or last == before:
        return []
    sql = (
        "SELECT ? AS change, h.host, h.department, h.kind FROM run_hosts h WHERE h.run_id = ? AND NOT EXISTS "
        "(SELECT 1 FROM run_hosts o WHERE o.run_id = ? AND o.host = h.host)"
    )
    rows = src.rows(sql + " ORDER BY h.host", ("added", last, before))
    rows += src.rows(sql + " ORDER BY h.host", ("removed", before, last))
    register = has_register(src)
    for row in rows:
        row.update(_last_asset(src, row["host"], last, register))
    return rows


def _one(src: ReportSource, sql: str, params: tuple[Any, ...] = ()) -> int | None:
    found = src.rows(sql, params)
    return int(found[0]["id"]) if found and found[0]["id"] is not None else None


def _last_asset(src: ReportSource, host: str, last_run: int, register: bool) -> dict[str, Any]:
    """The host's latest asset record up to the run ``last_run`` (its register data and serial)."""
    if not src.has_table("assets"):
        return {}
    cols = "serial, department_name" + (", " + ", ".join(STORE_COLUMNS) if register else "")
    found = src.rows(
        "SELECT %s FROM assets WHERE host = ? AND run_id <= ? ORDER BY run_id DESC LIMIT 1" % cols, (host, last_run)
    )
    return found[0] if found else {}
