"""The compliance trend, defined once: for the store's query API, the reports and the tests' oracle.

- **Headline runs.** The trend follows the full compliance runs only: check mode, no ``--limit``,
  no ``--tags``, finished (``ok`` or ``failed``: a failed run is a full run in which a host failed).
  Enforce runs (they change the hosts they check), subset runs (``--limit``/``--tags``) and
  interrupted or running runs are kept out of it; the reports list them with the runs.
- **A run's counts.** The status of every control record the run wrote (a check run writes one
  per host and control), grouped by department and control (``CUBE_SQL``: one index-only pass
  with the index ``control_results_run_cube``), or as the writer keeps them (``COUNTS_SQL``, table
  ``control_counts``: ``plugin_utils.store.counts``). When the control catalog is known, the controls due
  on the run's hosts (table ``run_hosts``: the automated controls that apply to each host's groups)
  that the run did not record are ``not_checked``: per department and control, ``due - recorded``
  (never below 0). They count in the total and against the rate, as in the headline (``plugin_utils.coverage``).
- **A point.** The runs of one bucket of controller-local time (``run``, ``day``, ISO ``week``
  ``YYYY-Www``, ``month`` ``YYYY-MM``) pooled: their counts summed, the rate
  ``(pass + fixed + exempt) / total``. The **period average** is the same pooling over every
  headline run of the period (each check of a host's control weighs the same).
- **Granularity.** A month is shown by week, a quarter or a year by month, dates by day (up to
  31 days), week (up to 92 days) or month: never one point per run of a daily schedule.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from .. import coverage

from .base import CONTROL_STATUSES, TIME_FORMAT, StoreError, counts_with_rate

NOT_CHECKED = coverage.NOT_CHECKED
STATUSES: tuple[str, ...] = (*CONTROL_STATUSES, NOT_CHECKED)
BUCKETS = ("run", "day", "week", "month")
HEADLINE_RUN_STATUSES = ("ok", "failed")
# The per-run status counts by department and control (``?`` = a comma list of run ids).
CUBE_SQL = (
    "SELECT run_id, department, control_id, status, COUNT(*) AS n FROM control_results "
    "WHERE run_id IN (%s) GROUP BY run_id, department, control_id, status"
)
# The same counts as the writer keeps them (``plugin_utils.store.counts``, table control_counts).
COUNTS_SQL = "SELECT run_id, department, control_id, status, n FROM control_counts WHERE run_id IN (%s)"
# The run's hosts by department and inventory groups (hosts in the same groups share a row).
SCOPE_SQL = (
    "SELECT run_id, department, groups, COUNT(*) AS n FROM run_hosts WHERE run_id IN (%s) "
    "GROUP BY run_id, department, groups"
)

Cube = dict[tuple[int, str, str], dict[str, int]]  # (run id, department, control) -> status counts


def is_headline(run: Mapping[str, Any]) -> bool:
    """Is the run a full compliance run (check mode, no --limit, no --tags, finished)?"""
    return (
        run.get("mode") == "check"
        and not str(run.get("limit_expr") or "").strip()
        and not str(run.get("tags") or "").strip()
        and run.get("status") in HEADLINE_RUN_STATUSES
    )


def with_rate(counts: Mapping[str, Any]) -> dict[str, Any]:
    """Status counts with total, compliant and rate; controls not checked count in the total."""
    out = counts_with_rate(dict(counts))
    out[NOT_CHECKED] = int(counts.get(NOT_CHECKED) or 0)
    out["total"] += out[NOT_CHECKED]
    out["rate"] = round(out["compliant"] / out["total"], 4) if out["total"] else None
    return out


def local(stored: str) -> datetime:
    """A store time in the controller's local time zone."""
    return datetime.strptime(stored, TIME_FORMAT).replace(tzinfo=UTC).astimezone()


def bucket(started: str, by: str) -> str:
    """The key of the bucket a run that started at ``started`` (store time) falls in."""
    when = local(started)
    if by == "day":
        return when.strftime("%Y-%m-%d")
    if by == "week":
        year, week, _day = when.isocalendar()
        return "%04d-W%02d" % (year, week)
    if by == "month":
        return when.strftime("%Y-%m")
    raise StoreError("trend: by must be one of %s, got %r" % (", ".join(BUCKETS), by))


def granularity(kind: str, days: int) -> str:
    """The bucket of a report period's trend: month by week; quarter and year by month; dates by size."""
    if kind == "month":
        return "week"
    if kind in ("quarter", "year"):
        return "month"
    return "day" if days <= 31 else "week" if days <= 92 else "month"


def cube(
    rows: Iterable[Sequence[Any]],
    scope: Iterable[Mapping[str, Any]] = (),
    catalog: Mapping[str, Mapping[str, Any]] | None = None,
) -> Cube:
    """Counts per (run, department, control) from ``CUBE_SQL`` or ``COUNTS_SQL`` rows (tuples: run id,
    department, control, status, n), with the controls due and not recorded as ``not_checked`` (from
    ``SCOPE_SQL`` rows, when a catalog is given)."""
    out: Cube = {}
    for run_id, department, control, status, n in rows:
        counts = out.setdefault((int(run_id), str(department or ""), str(control)), {})
        counts[status] = counts.get(status, 0) + int(n)
    if not catalog:
        return out
    due: dict[tuple[int, str, str], int] = {}
    applies: dict[str, list[str]] = {}
    for row in scope:
        groups = row["groups"]
        text = groups if isinstance(groups, str) else json.dumps(groups)
        if text not in applies:
            applies[text] = coverage.applicable(catalog, json.loads(text) if text else [])
        for control in applies[text]:
            key = (int(row["run_id"]), str(row["department"] or ""), control)
            due[key] = due.get(key, 0) + int(row["n"])
    for key, n in due.items():
        counts = out.setdefault(key, {})
        missing = n - sum(counts.values())
        if missing > 0:
            counts[NOT_CHECKED] = missing
    return out


def run_counts(data: Cube) -> dict[int, dict[str, int]]:
    """Status counts per run (summed over departments and controls)."""
    out: dict[int, dict[str, int]] = {}
    for (run_id, _dept, _control), counts in data.items():
        acc = out.setdefault(run_id, {})
        for status, n in counts.items():
            acc[status] = acc.get(status, 0) + n
    return out


def points(runs: Sequence[Mapping[str, Any]], counts: Mapping[int, Mapping[str, int]], by: str) -> list[dict[str, Any]]:
    """The trend: one point per bucket of the headline runs that recorded something, oldest first.

    ``runs``: run rows, oldest first; ``counts``: status counts per run id (``run_counts``).
    A point: ``key`` (the run's uuid when ``by`` is ``run``), ``started`` (its first run),
    ``runs``, the summed counts, ``total``, ``compliant`` and ``rate``.
    """
    out: dict[str, dict[str, Any]] = {}
    for run in runs:
        run_id = int(run["id"])
        if not is_headline(run) or not counts.get(run_id):
            continue
        key = str(run["uuid"]) if by == "run" else bucket(str(run["started"]), by)
        point = out.setdefault(key, {"key": key, "started": run["started"], "runs": 0, "counts": {}})
        point["runs"] += 1
        for status, n in counts[run_id].items():
            point["counts"][status] = point["counts"].get(status, 0) + int(n)
    return [
        {"key": p["key"], "started": p["started"], "runs": p["runs"]} | with_rate(p["counts"]) for p in out.values()
    ]


def average(points_: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The period average: the points' counts pooled (``runs`` summed)."""
    acc: dict[str, int] = {}
    runs = 0
    for point in points_:
        runs += int(point["runs"])
        for status in STATUSES:
            acc[status] = acc.get(status, 0) + int(point.get(status) or 0)
    return {"runs": runs} | with_rate(acc)


def by_bucket_and(
    runs: Sequence[Mapping[str, Any]], data: Cube, by: str, dimension: str
) -> dict[tuple[str, str], dict[str, Any]]:
    """Pooled counts per (bucket, department) or (bucket, control) over the headline runs."""
    if dimension not in ("department", "control_id"):
        raise StoreError("trend: dimension must be department or control_id, got %r" % dimension)
    keys = {int(r["id"]): bucket(str(r["started"]), by) for r in runs if is_headline(r)}
    acc: dict[tuple[str, str], dict[str, int]] = {}
    for (run_id, dept, control), counts in data.items():
        if run_id not in keys:
            continue
        cell = acc.setdefault((keys[run_id], dept if dimension == "department" else control), {})
        for status, n in counts.items():
            cell[status] = cell.get(status, 0) + n
    return {key: with_rate(counts) for key, counts in acc.items()}
