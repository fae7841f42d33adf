"""Read what a report needs from the results store, aggregating in the database.

The store's query API (``plugin_utils.store.Store``) answers each question with its own
"latest record per host and control" subquery. A report asks a dozen such questions; on a
store of 10,000 hosts x 40 controls x 12 runs each subquery scans millions of rows. So a
report computes the latest records ONCE into a temporary table (``hisops_latest``, one row
per host and control: a few hundred thousand rows at most) and every aggregate (by
department, by control, by host, top failing, findings) is a GROUP BY over that table.

Semantics are the store's: the latest record per (host, control) among the runs that
started in the period (the highest ``control_results.id``, i.e. the last one written), and
the compliance rate ``(pass + fixed + exempt) / total`` (``plugin_utils.store.COMPLIANT``).

Every control is accounted for: each automated control of the catalog that applies to a host
of the period's runs (table ``run_hosts``) and has no record is added to the latest records
with the status ``not_checked`` and its reason (``plugin_utils.coverage``); it counts in the
total, so it lowers the compliance rate.

Large tables (hosts, findings, assets) are read through a server-side iteration
(``iter_*``), never loaded whole, so the memory of a report does not grow with the fleet.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from .. import coverage
from ..store import (
    COMPLIANT,
    CONTROL_STATUSES,
    SQLITE_RECOVERY,
    Store,
    StoreError,
    open_store,
    resolve_location,
    to_store_time,
    history,
    trend,
)

from .period import Period

LATEST = "hisops_latest"
PERIOD_RUNS = "hisops_period_runs"
HOST_STATUS = "hisops_host_status"
HOST_COUNTS = "hisops_host_counts"
HOSTS = "hisops_hosts"
ASSETS = "hisops_assets"
NOT_CHECKED = "hisops_not_checked"
FIXES = "hisops_fixes"
HISTORY = "hisops_history"
# The tables a report writes to (``build.close_abandoned_runs``): checked for damage on open.
REPORT_WRITES = ("runs",)
TEMP_TABLES = (HOSTS, LATEST, HOST_STATUS, HOST_COUNTS, PERIOD_RUNS, ASSETS, NOT_CHECKED, FIXES, HISTORY)
# The statuses a report counts: the records' statuses and the controls nobody checked.
REPORT_STATUSES: tuple[str, ...] = (*CONTROL_STATUSES, coverage.NOT_CHECKED)
# Status counts as aggregate FILTERs (SQLite >= 3.30 and PostgreSQL): cheaper than SUM(CASE ...).
STATUS_COUNTS = ", ".join("COUNT(*) FILTER (WHERE status = '%s') AS %s" % (s, s) for s in REPORT_STATUSES)
# A host "with findings": a fail or error among its latest results, or unreachable or failed at
# its last run (an unreachable or failed host is a finding on every control it has).
FAILING_HOST = "(fail + error > 0 OR host_status IN ('unreachable', 'failed'))"
# Fixes in the period: a record 'fixed' (by enforcement) in a run of the period, or a 'pass' in a
# run of the period right after a fail or error of the same host and control (by hand) recorded in
# the period or in the last run before it. {runs}: the period's run ids; {candidates}: those and the
# last run before the period. Each record carries its predecessor's status and run
# (``plugin_utils.store.history``), read through the partial index control_results_fixed_by_hand.
FIXES_ENFORCED_SQL = (
    "SELECT c.host, c.department, c.control_id, c.id, c.run_id, 'enforced' AS how FROM control_results c "
    "WHERE c.run_id IN ({runs}) AND c.status = 'fixed' UNION ALL "
)
FIXES_SQL = FIXES_ENFORCED_SQL + (
    "SELECT c.host, c.department, c.control_id, c.id, c.run_id, 'by_hand' AS how FROM control_results c "
    "WHERE c.run_id IN ({runs}) AND c.status = 'pass' AND c.previous_status IN ('fail', 'error') "
    "AND c.previous_run_id IN ({candidates})"
)
# The same fixes in a store written before the predecessor columns (schema older than
# ``V11_PREVIOUS_STATUS``): each failing record's next record searched (slow on a long history).
FIXES_SEARCH_SQL = FIXES_ENFORCED_SQL + (
    "SELECT n.host, n.department, n.control_id, n.id, n.run_id, 'by_hand' AS how FROM ("
    "SELECT (SELECT MIN(x.id) FROM control_results x WHERE x.host = f.host AND x.control_id = f.control_id "
    "AND x.id > f.id) AS next_id FROM control_results f WHERE f.run_id IN ({candidates}) "
    "AND f.status IN ('fail', 'error')) p JOIN control_results n ON n.id = p.next_id "
    "WHERE n.status = 'pass' AND n.run_id IN ({runs})"
)
# Each finding's history, over every run the store has: the failing streak that ends with its latest
# record (the records after the last compliant one), how many runs it spans and when it began.
HISTORY_SQL = (
    "SELECT h.host, h.control_id, h.streak, r.id AS first_run, r.started AS first_seen FROM ("
    "SELECT s.host, s.control_id, COUNT(DISTINCT c.run_id) AS streak, MIN(c.id) AS first_id FROM ("
    "SELECT l.host, l.control_id, l.id, COALESCE((SELECT MAX(p.id) FROM control_results p WHERE p.host = l.host "
    "AND p.control_id = l.control_id AND p.id < l.id AND p.status NOT IN ('fail', 'error')), 0) AS ok_id "
    "FROM {latest} l WHERE l.status IN ('fail', 'error')) s JOIN control_results c ON c.host = s.host "
    "AND c.control_id = s.control_id AND c.id > s.ok_id AND c.id <= s.id GROUP BY s.host, s.control_id) h "
    "JOIN control_results c ON c.id = h.first_id JOIN runs r ON r.id = c.run_id"
)


# Status counts with total, compliant and rate; controls not checked count in the total.
with_rate = trend.with_rate


class ReportSourceError(Exception):
    """The store cannot be read for a report (missing, unreadable, wrong schema)."""


def damaged_message(exc: BaseException, location: str | None) -> str | None:
    """The one line for a damaged SQLite store found while reading (None for any other error)."""
    if exc.__class__ is not sqlite3.DatabaseError:  # a subclass (locked, read-only) is no damage
        return None
    try:
        loc = resolve_location(location)
    except StoreError:
        return None
    if loc.kind != "sqlite":
        return None
    first = (str(exc).strip().splitlines() or [""])[0]
    return "the results store %s is damaged (%s): %s" % (loc.target, first, SQLITE_RECOVERY % {"path": loc.target})


def open_report_store(location: str | None) -> Store:
    """Open an EXISTING store read-mostly: a report never creates or migrates a store."""
    loc = resolve_location(location)
    if loc.kind == "sqlite" and not os.path.isfile(loc.target):
        raise ReportSourceError(
            "the results store %s does not exist: run a compliance run first (playbooks/compliance_audit.yml) "
            "or give the right --store (a SQLite file or a postgresql:// DSN)" % loc.display
        )
    try:
        # The report writes to the runs table only (closing abandoned runs): that table is checked on
        # open; a damaged page of the results is found as it is read (``damaged_message``).
        store = open_store(location, migrate=False, check_tables=REPORT_WRITES)
    except StoreError as exc:
        raise ReportSourceError(str(exc)) from None
    try:
        version = store.schema_version()
    except Exception as exc:
        store.close()
        raise ReportSourceError("the file %s is not a hisops results store: %s" % (loc.display, exc)) from None
    if version < 1:
        store.close()
        raise ReportSourceError("%s is not a hisops results store (no schema version)" % loc.display)
    return store


class ReportSource:
    """The store seen through one period: aggregates for the report's sections."""

    def __init__(self, store: Store, period: Period, catalog: dict[str, dict[str, Any]] | None = None) -> None:
        self.store = store
        self.catalog = catalog or {}
        self.period = period
        self.kind = store.kind
        self.start = to_store_time(period.start)
        self.end = to_store_time(period.end)
        self._tables = store.tables()
        self._conn = store.connection  # for streaming reads and the report's TEMP tables
        self._run_stats: dict[int, dict[str, Any]] | None = None
        self._cursors = 0
        self._dept_controls: list[dict[str, Any]] | None = None
        self._cube: trend.Cube | None = None
        self._created: list[str] = []
        self.runs = store.runs(period.start, period.end)
        self.run_ids = [int(r["id"]) for r in self.runs]
        self._prepare()

    # -- plumbing --------------------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        return self.store.sql(sql)

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        cur = self._conn.cursor()
        try:
            cur.execute(self._sql(sql), tuple(params))
        finally:
            cur.close()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """All rows of a small query, as dicts."""
        return list(self.iter_rows(sql, params))

    def iter_rows(self, sql: str, params: Sequence[Any] = (), size: int = 2000) -> Iterator[dict[str, Any]]:
        """Rows of a query, fetched in chunks (a named server-side cursor on PostgreSQL)."""
        if self.kind == "postgresql":
            self._cursors += 1
            cur = self._conn.cursor(name="hisops_report_%d" % self._cursors, withhold=True)
            cur.itersize = size
        else:
            cur = self._conn.cursor()
        try:
            cur.execute(self._sql(sql), tuple(params))
            names: list[str] | None = None
            while True:
                chunk = cur.fetchmany(size)
                if not chunk:
                    break
                if names is None:
                    names = [d[0] for d in cur.description]
                for row in chunk:
                    yield dict(zip(names, row, strict=True))
        finally:
            cur.close()

    def has_table(self, table: str) -> bool:
        return table in self._tables

    def _prepare(self) -> None:
        """The period's runs, the latest record per (host, control), per-host counts and the latest
        asset record per host, as temp tables."""
        for table in TEMP_TABLES:
            self._execute("DROP TABLE IF EXISTS %s" % table)
        if self.kind == "sqlite":
            # Sorting and temp tables in memory, a 64 MiB page cache: a report reads a lot, once.
            # (mmap_size measured no faster at 4.8 million results, and it adds the mapped store's
            # pages to the report's resident memory.)
            self._execute("PRAGMA temp_store = MEMORY")
            self._execute("PRAGMA cache_size = -65536")
        self._execute("CREATE TEMP TABLE %s (id INTEGER PRIMARY KEY)" % PERIOD_RUNS)
        if self.run_ids:
            cur = self._conn.cursor()
            try:
                cur.executemany(self._sql("INSERT INTO %s (id) VALUES (?)" % PERIOD_RUNS), [(i,) for i in self.run_ids])
            finally:
                cur.close()
        self._temp_table(LATEST, self._latest_sql(), index="host, control_id")
        self._mark_fixes()
        self._temp_table(HISTORY, HISTORY_SQL.format(latest=LATEST), index="host")
        self._temp_table(HOST_STATUS, self._host_status_sql(), index="host")
        self._add_not_checked()
        self._temp_table(
            HOST_COUNTS,
            "SELECT host, MAX(department) AS department, %s FROM %s GROUP BY host" % (STATUS_COUNTS, LATEST),
            index="host",
        )
        self._temp_table(HOSTS, self._hosts_sql())
        if self.has_table("assets"):
            self._temp_table(ASSETS, self._latest_assets_sql())
        if self.kind == "postgresql":
            for table in (PERIOD_RUNS, *self._created):
                self._execute("ANALYZE %s" % table)
            self._conn.commit()

    def _add_not_checked(self) -> None:
        """The controls that apply to a host of the period's runs and have no record, with their reason,
        as a temp table and as ``not_checked`` rows of the latest records."""
        self._execute(
            "CREATE TEMP TABLE %s (host TEXT, department TEXT, control_id TEXT, severity TEXT, reason TEXT)"
            % NOT_CHECKED
        )
        self._created.append(NOT_CHECKED)
        if not self.has_table("run_hosts") or not self.catalog:
            return
        scope = self.rows(
            "SELECT run_id, host, department, groups, in_scope, controls FROM run_hosts "
            "WHERE run_id IN (SELECT id FROM %s) ORDER BY run_id" % PERIOD_RUNS
        )
        if not scope:  # runs recorded before the scope rows existed: only what was recorded counts
            return
        for row in scope:
            for key in ("groups", "controls"):
                if isinstance(row[key], str):
                    row[key] = json.loads(row[key])
        checked = {(r["host"], r["control_id"]) for r in self.rows("SELECT host, control_id FROM %s" % LATEST)}
        status = {r["host"]: r["status"] for r in self.rows("SELECT host, status FROM %s" % HOST_STATUS)}
        interrupted = {int(r["id"]) for r in self.runs if r.get("status") == "interrupted"}
        rows = coverage.not_checked(self.catalog, scope, checked, status, interrupted)
        if not rows:
            return
        cur = self._conn.cursor()
        try:
            cur.executemany(
                self._sql(
                    "INSERT INTO %s (host, department, control_id, severity, reason) VALUES (?, ?, ?, ?, ?)"
                    % NOT_CHECKED
                ),
                [(r["host"], r["department"], r["control_id"], r["severity"], r["reason"]) for r in rows],
            )
            cur.executemany(
                self._sql(
                    "INSERT INTO %s (id, host, department, control_id, status, severity) "
                    "VALUES (NULL, ?, ?, ?, ?, ?)" % LATEST
                ),
                [(r["host"], r["department"], r["control_id"], coverage.NOT_CHECKED, r["severity"]) for r in rows],
            )
        finally:
            cur.close()

    def _temp_table(self, table: str, select: str, index: str = "") -> None:
        self._execute("CREATE TEMP TABLE %s AS %s" % (table, select))
        self._created.append(table)
        if index:
            self._execute("CREATE INDEX %s_i ON %s (%s)" % (table, table, index))

    def _mark_fixes(self) -> None:
        """The fixes of the period (``FIXES_SQL``); a (host, control) fixed in the period and passing at
        its latest record counts as 'fixed' (已整改), not 'pass': the fix does not vanish from the tables
        when a later run finds the control compliant. The rate is the same (both are compliant)."""
        runs = "SELECT id FROM %s" % PERIOD_RUNS
        before = self.rows(
            "SELECT id FROM runs WHERE started < ? ORDER BY started DESC, id DESC LIMIT 1", (self.start or "",)
        )
        candidates = runs + (" UNION SELECT %d" % int(before[0]["id"]) if before and self.start else "")
        sql = FIXES_SQL if self._has_previous_status() else FIXES_SEARCH_SQL
        self._temp_table(FIXES, sql.format(runs=runs, candidates=candidates), index="host, control_id")
        self._execute(
            "UPDATE %s SET status = 'fixed' WHERE status = 'pass' AND EXISTS (SELECT 1 FROM %s x "
            "WHERE x.host = %s.host AND x.control_id = %s.control_id)" % (LATEST, FIXES, LATEST, LATEST)
        )

    def _has_previous_status(self) -> bool:
        """Do the control records carry their predecessor's status (``plugin_utils.store.history``)?"""
        cur = self._conn.cursor()
        try:
            cur.execute("SELECT * FROM control_results WHERE 1 = 0")
            names = {d[0] for d in cur.description}
        finally:
            cur.close()
        return set(history.COLUMNS) <= names

    @staticmethod
    def _host_status_sql() -> str:
        """SELECT of every host's outcome at its latest run of the period."""
        return (
            "SELECT h.host, h.department, h.kind, h.status, h.message, h.recorded_at "
            "FROM host_results h JOIN (SELECT host, MAX(run_id) AS run_id FROM host_results "
            "WHERE run_id IN (SELECT id FROM %s) GROUP BY host) m ON m.host = h.host AND m.run_id = h.run_id"
            % PERIOD_RUNS
        )

    @staticmethod
    def _latest_assets_sql() -> str:
        """SELECT of the latest asset record per host in the period (one per host: (run_id, host) is unique)."""
        return (
            "SELECT a.* FROM assets a JOIN (SELECT host, MAX(run_id) AS run_id FROM assets "
            "WHERE run_id IN (SELECT id FROM %s) GROUP BY host) m ON m.host = a.host AND m.run_id = a.run_id"
            % PERIOD_RUNS
        )

    def run_stats(self) -> dict[int, dict[str, Any]]:
        """Per run of the period: status counts and the id range of its control records."""
        if self._run_stats is None:
            if self._has_run_status_index():
                self._run_stats = self._run_stats_indexed()
            else:
                self._run_stats = self._run_stats_two_pass()
        return self._run_stats

    def _run_stats_indexed(self) -> dict[int, dict[str, Any]]:
        """With an index on (run_id, status): for each run and status, a COUNT(*) over its index
        range (at 4.8 million records, 60 of them took less than half the time of one GROUP BY pass)
        and its lowest and highest id (one index seek each: MIN and MAX in one SELECT would scan)."""
        stats: dict[int, dict[str, Any]] = {}
        where = "FROM control_results WHERE run_id = ? AND status = ?"
        for run_id in self.run_ids:
            acc: dict[str, Any] = {"n": 0} | dict.fromkeys(CONTROL_STATUSES, 0)
            for status in CONTROL_STATUSES:
                n = int(self._scalar("SELECT COUNT(*) AS v %s" % where, (run_id, status)))
                if n:
                    lo = int(self._scalar("SELECT MIN(id) AS v %s" % where, (run_id, status)))
                    hi = int(self._scalar("SELECT MAX(id) AS v %s" % where, (run_id, status)))
                    acc.update(lo=min(acc.get("lo", lo), lo), hi=max(acc.get("hi", hi), hi), n=acc["n"] + n)
                    acc[status] = n
            if acc["n"]:
                stats[run_id] = acc
        return stats

    def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The one value of a one-row query (column ``v``)."""
        return self.rows(sql, params)[0]["v"]

    def _run_stats_two_pass(self) -> dict[int, dict[str, Any]]:
        """Without the (run_id, status) index: two cheap passes instead of one with five CASE
        expressions per record (measured 40 % less CPU on 4.8 million records): the id range and
        count from the (run_id, host) index alone, then the count of each status other than pass
        (pass = count - the others)."""
        sql = (
            "SELECT run_id, MIN(id) AS lo, MAX(id) AS hi, COUNT(*) AS n FROM control_results "
            "WHERE run_id IN (SELECT id FROM %s) GROUP BY run_id" % PERIOD_RUNS
        )
        stats = {int(r["run_id"]): r | dict.fromkeys(CONTROL_STATUSES, 0) for r in self.rows(sql)}
        sql = (
            "SELECT run_id, status, COUNT(*) AS n FROM control_results WHERE run_id IN (SELECT id FROM %s) "
            "AND status <> 'pass' GROUP BY run_id, status" % PERIOD_RUNS
        )
        for row in self.rows(sql):
            stats[int(row["run_id"])][row["status"]] = int(row["n"])
        for row in stats.values():
            row["pass"] = int(row["n"]) - sum(row[s] for s in CONTROL_STATUSES if s != "pass")
        return stats

    def _has_run_status_index(self) -> bool:
        """True when control_results has an index whose first columns are (run_id, status) (SQLite)."""
        if self.kind != "sqlite":
            return False
        for index in self.rows("PRAGMA index_list(control_results)"):
            columns = [r["name"] for r in self.rows("PRAGMA index_info(%s)" % index["name"])]
            if columns[:2] == ["run_id", "status"]:
                return True
        return False

    def _latest_sql(self) -> str:
        """SELECT of the latest control record per (host, control) among the period's runs."""
        columns = "c.id, c.host, c.department, c.control_id, c.status, c.severity"
        if self.kind == "postgresql":
            return (
                "SELECT DISTINCT ON (c.host, c.control_id) %s FROM control_results c JOIN %s p ON p.id = c.run_id "
                "ORDER BY c.host, c.control_id, c.id DESC" % (columns, PERIOD_RUNS)
            )
        stats = self.run_stats().values()
        lo = min((int(r["lo"]) for r in stats), default=0)
        hi = max((int(r["hi"]) for r in stats), default=0)
        n = sum(int(r["n"]) for r in stats)
        if n and n == hi - lo + 1:
            # The period's records are exactly the ids lo..hi (a recorder writes runs one after the
            # other): the highest id <= hi per (host, control) is the latest of the period when it is
            # >= lo. This scans the covering index (host, control_id, id) instead of sorting the table.
            return (
                "SELECT %s FROM (SELECT MAX(id) AS id FROM control_results WHERE +id <= %d "
                "GROUP BY host, control_id HAVING MAX(id) >= %d) m JOIN control_results c ON c.id = m.id"
                % (columns, hi, lo)
            )
        # General case (runs of several periods interleaved): with MAX(), SQLite takes the other
        # (bare) columns from the row holding the maximum.
        return (
            "SELECT MAX(c.id) AS id, c.host, c.department, c.control_id, c.status, c.severity "
            "FROM control_results c WHERE c.run_id IN (SELECT id FROM %s) GROUP BY c.host, c.control_id" % PERIOD_RUNS
        )

    # -- aggregates ------------------------------------------------------------------------
    def _counts(self, group: Sequence[str], extra: str = "") -> list[dict[str, Any]]:
        """Status counts of the latest records grouped by columns, with total/compliant/rate."""
        cols = ", ".join(group)
        sums = STATUS_COUNTS
        if extra:
            sums += ", " + extra
        sql = "SELECT %s, %s FROM %s GROUP BY %s ORDER BY %s" % (cols, sums, LATEST, cols, cols)
        keep = [*group, "severity"] if extra else list(group)
        return [
            {k: row[k] for k in keep} | with_rate({s: int(row[s] or 0) for s in REPORT_STATUSES})
            for row in self.rows(sql)
        ]

    def _host_count_sums(self, group: str = "") -> list[dict[str, Any]]:
        """Status counts summed over the hosts (10,000 rows, not 400,000), with host counts; a host
        without control results (unreachable) counts as a host, with findings."""
        sums = ", ".join("SUM(%s) AS %s" % (s, s) for s in REPORT_STATUSES)
        sql = (
            "SELECT %s COUNT(*) AS hosts, SUM(CASE WHEN %s THEN 1 ELSE 0 END) AS failing_hosts, "
            "SUM(CASE WHEN not_checked = 0 THEN 1 ELSE 0 END) AS fully_checked_hosts, %s FROM %s %s"
        ) % (
            group + "," if group else "",
            FAILING_HOST,
            sums,
            HOSTS,
            ("GROUP BY %s ORDER BY %s" % (group, group)) if group else "",
        )
        out = []
        for row in self.rows(sql):
            counts = with_rate({s: int(row[s] or 0) for s in REPORT_STATUSES})
            hosts, failing = int(row["hosts"] or 0), int(row["failing_hosts"] or 0)
            extra = {group: row[group]} if group else {}
            out.append(
                extra
                | counts
                | {
                    "hosts": hosts,
                    "failing_hosts": failing,
                    "compliant_hosts": hosts - failing,
                    "fully_checked_hosts": int(row["fully_checked_hosts"] or 0),
                }
            )
        return out

    def summary(self) -> dict[str, Any]:
        result = self._host_count_sums()[0]
        by_control = self.department_controls()
        result["controls"] = len({r["control_id"] for r in by_control})
        result["controls_checked"] = len({r["control_id"] for r in by_control if r["total"] > r["not_checked"]})
        result["runs"] = len(self.runs)
        result["unreachable_hosts"] = len(self.unreachable_hosts())
        result["blocking_not_checked"] = int(
            self.rows(
                "SELECT COUNT(*) AS n FROM %s WHERE severity IN (%s)"
                % (NOT_CHECKED, ", ".join("'%s'" % s for s in coverage.BLOCKING_SEVERITIES))
            )[0]["n"]
        )
        return result

    def by_department(self) -> list[dict[str, Any]]:
        """Counts per department; a host counts in the department its records name."""
        return self._host_count_sums("department")

    def department_controls(self) -> list[dict[str, Any]]:
        """Counts per (department, control) of the latest records, with the control's severity."""
        if self._dept_controls is None:
            self._dept_controls = self._counts(["department", "control_id"], extra="MAX(severity) AS severity")
        return self._dept_controls

    def by_control(self) -> list[dict[str, Any]]:
        """Counts per control (summed from department_controls: one pass over the latest records)."""
        per: dict[str, dict[str, Any]] = {}
        for row in self.department_controls():
            acc = per.setdefault(row["control_id"], {"severity": "", "counts": dict.fromkeys(REPORT_STATUSES, 0)})
            acc["severity"] = max(acc["severity"], row["severity"] or "")
            for status in REPORT_STATUSES:
                acc["counts"][status] += row[status]
        return [
            {"control_id": cid, "severity": acc["severity"]} | with_rate(acc["counts"])
            for cid, acc in sorted(per.items())
        ]

    def top_failing(self, limit: int = 10, by_control: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        rows = [r for r in (by_control if by_control is not None else self.by_control()) if r["fail"] + r["error"] > 0]
        rows.sort(key=lambda r: (-(r["fail"] + r["error"]), r["control_id"]))
        return rows[:limit]

    # -- the period over time (plugin_utils.store.trend) ------------------------------------
    def headline_runs(self) -> list[dict[str, Any]]:
        """The period's full compliance runs (check mode, no --limit/--tags, finished)."""
        return [r for r in self.runs if trend.is_headline(r)]

    def cube(self) -> trend.Cube:
        """Counts per (headline run, department, control), controls due and not recorded included."""
        if self._cube is None:
            self._cube = self.store.cube([int(r["id"]) for r in self.headline_runs()], self.catalog)
        return self._cube

    def granularity(self) -> str:
        return trend.granularity(self.period.kind, self.period.days)

    def trend(self, by: str | None = None) -> list[dict[str, Any]]:
        """The headline runs pooled per week (a month), month (a quarter, a year) or ``by``."""
        return trend.points(self.runs, trend.run_counts(self.cube()), by or self.granularity())

    def by_bucket(self, dimension: str) -> dict[tuple[str, str], dict[str, Any]]:
        """Pooled counts per (bucket, department) or (bucket, control) of the headline runs."""
        return trend.by_bucket_and(self.runs, self.cube(), self.granularity(), dimension)

    def average_of(self, period: Period) -> dict[str, Any]:
        """The pooled counts of the headline runs of another period (for 环比 and 同比)."""
        runs = self.store.runs(period.start, period.end)
        data = self.store.cube([int(r["id"]) for r in runs if trend.is_headline(r)], self.catalog)
        return trend.average(trend.points(runs, trend.run_counts(data), "run"))

    # -- hosts and findings ----------------------------------------------------------------
    def not_checked(self) -> list[dict[str, Any]]:
        """Every (host, control) not checked in the period, with its reason; by control, host."""
        return self.rows("SELECT * FROM %s ORDER BY control_id, host" % NOT_CHECKED)

    def unreachable_hosts(self) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM %s WHERE status = 'unreachable' ORDER BY host" % HOST_STATUS)

    def _hosts_sql(self) -> str:
        """Every host of the period: its latest outcome and its counts (hosts without control
        records, e.g. unreachable ones, included)."""
        counts = ", ".join("COALESCE(c.%s, 0) AS %s" % (s, s) for s in REPORT_STATUSES)
        zeros = ", ".join("0 AS %s" % s for s in REPORT_STATUSES)
        return (
            "SELECT c.host, COALESCE(h.department, c.department) AS department, COALESCE(h.kind, '') AS kind, "
            "COALESCE(h.status, '') AS host_status, h.recorded_at AS last_seen, s.failing_since, %s "
            "FROM %s c LEFT JOIN %s h ON h.host = c.host "
            "LEFT JOIN (SELECT host, MIN(first_seen) AS failing_since FROM %s GROUP BY host) s ON s.host = c.host "
            "UNION ALL SELECT h.host, h.department, h.kind, h.status AS host_status, h.recorded_at AS last_seen, "
            "NULL AS failing_since, %s FROM %s h WHERE NOT EXISTS (SELECT 1 FROM %s c WHERE c.host = h.host)"
            % (counts, HOST_COUNTS, HOST_STATUS, HISTORY, zeros, HOST_STATUS, HOST_COUNTS)
        )

    def count_hosts(self) -> int:
        return int(self.rows("SELECT COUNT(*) AS n FROM %s" % HOSTS)[0]["n"])

    def iter_hosts(self, only_failing: bool = False, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Every host of the period with its counts, worst first (most findings, unreachable, then by name)."""
        where = "WHERE " + FAILING_HOST if only_failing else ""
        sql = "SELECT * FROM %s %s ORDER BY (fail + error) DESC, host_status = 'unreachable' DESC, department, host" % (
            HOSTS,
            where,
        )
        sql = limited(sql, limit)
        for row in self.iter_rows(sql):
            yield row | with_rate({s: int(row[s] or 0) for s in REPORT_STATUSES})

    def count_failing_hosts(self) -> int:
        return int(self.rows("SELECT COUNT(*) AS n FROM %s WHERE %s" % (HOSTS, FAILING_HOST))[0]["n"])

    def count_findings(self) -> int:
        return int(
            self.rows("SELECT COUNT(*) AS n FROM %s WHERE status IN ('fail', 'error', 'not_checked')" % LATEST)[0]["n"]
        )

    def iter_findings(self, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """The latest fail/error record of every host and control, with evidence, and every control not
        checked, with its reason (``reason``; ``message`` empty); by department, host, control."""
        sql = (
            "SELECT department, host, control_id, status, severity, reason, message, evidence, recorded_at, "
            "first_seen, streak, since FROM ("
            "SELECT l.department, l.host, l.control_id, l.status, c.severity, '' AS reason, c.message, c.evidence, "
            "c.recorded_at, h.first_seen, h.streak, CASE WHEN h.first_seen >= ? THEN 'new' ELSE 'carried' END "
            "AS since FROM %s l JOIN control_results c ON c.id = l.id LEFT JOIN %s h ON h.host = l.host "
            "AND h.control_id = l.control_id WHERE l.status IN ('fail', 'error') "
            "UNION ALL SELECT n.department, n.host, n.control_id, 'not_checked' AS status, n.severity, n.reason, "
            "'' AS message, NULL AS evidence, NULL AS recorded_at, NULL AS first_seen, NULL AS streak, "
            "'' AS since FROM %s n) f ORDER BY department, host, control_id" % (LATEST, HISTORY, NOT_CHECKED)
        )
        sql = limited(sql, limit)
        for row in self.iter_rows(sql, (self.start or "",)):
            row["evidence"] = _evidence(row["evidence"])
            yield row

    def count_exempt(self) -> int:
        return int(self.rows("SELECT COUNT(*) AS n FROM %s WHERE status = 'exempt'" % LATEST)[0]["n"])

    def iter_exempt(self, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """The hosts and controls exempt at the end of the period, with what the check recorded."""
        sql = (
            "SELECT l.department, l.host, l.control_id, c.message, c.evidence, c.recorded_at FROM %s l "
            "JOIN control_results c ON c.id = l.id WHERE l.status = 'exempt' ORDER BY l.control_id, l.host" % LATEST
        )
        sql = limited(sql, limit)
        for row in self.iter_rows(sql):
            row["evidence"] = _evidence(row["evidence"])
            yield row

    def run_host_counts(self) -> dict[int, dict[str, int]]:
        """Per run of the period: how many hosts were ok, failed, unreachable or skipped."""
        out: dict[int, dict[str, int]] = {}
        sql = (
            "SELECT run_id, status, COUNT(*) AS n FROM host_results WHERE run_id IN (SELECT id FROM %s) "
            "GROUP BY run_id, status" % PERIOD_RUNS
        )
        for row in self.rows(sql):
            out.setdefault(int(row["run_id"]), {})[row["status"]] = int(row["n"])
        return out

    def count_fixes(self) -> int:
        return int(self.rows("SELECT COUNT(*) AS n FROM %s" % FIXES)[0]["n"])

    def iter_fixes(self, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Every fix of the period (``FIXES_SQL``): when, by which run, how, and the status at the end."""
        sql = (
            "SELECT x.department, x.host, x.control_id, x.how, r.id AS run, r.started AS fixed_at, r.mode, "
            "COALESCE(l.status, '') AS status_now FROM %s x JOIN runs r ON r.id = x.run_id LEFT JOIN %s l "
            "ON l.host = x.host AND l.control_id = x.control_id ORDER BY r.started, x.host, x.control_id"
            % (FIXES, LATEST)
        )
        sql = limited(sql, limit)
        yield from self.iter_rows(sql)

    # -- other record kinds ------------------------------------------------------------------
    def count_assets(self) -> int:
        """Hosts with an asset record in the period."""
        if not self.has_table("assets"):
            return 0
        return int(self.rows("SELECT COUNT(*) AS n FROM %s" % ASSETS)[0]["n"])

    def iter_assets(self, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """The latest asset record per host in the period."""
        sql = "SELECT * FROM %s ORDER BY department, host" % ASSETS
        sql = limited(sql, limit)
        yield from self.iter_rows(sql)

    def asset_stats(self) -> list[dict[str, Any]]:
        """Hosts per department and operating system (latest asset record per host)."""
        sql = (
            "SELECT department, MAX(department_name) AS name, os, os_version, COUNT(*) AS hosts FROM %s "
            "GROUP BY department, os, os_version ORDER BY department, os, os_version" % ASSETS
        )
        return self.rows(sql)

    def duplicate_serials(self) -> list[dict[str, Any]]:
        """Serial numbers that more than one host reported (latest asset record per host)."""
        if not self.has_table("assets"):
            return []
        rows = self.rows(
            "SELECT serial, COUNT(*) AS hosts FROM %s WHERE serial <> '' GROUP BY serial HAVING COUNT(*) > 1 "
            "ORDER BY serial" % ASSETS
        )
        for row in rows:
            names = self.rows("SELECT host FROM %s WHERE serial = ? ORDER BY host" % ASSETS, (row["serial"],))
            row["names"] = ", ".join(r["host"] for r in names)
        return rows

    def departments(self) -> dict[str, dict[str, str]]:
        """Department code -> name and custodian, as the latest asset records of the period recorded them."""
        if not self.has_table("assets"):
            return {}
        sql = (
            "SELECT a.department, a.department_name, a.custodian, a.custodian_staff_id FROM assets a "
            "JOIN (SELECT department, MAX(run_id) AS run_id FROM assets WHERE run_id IN (SELECT id FROM %s) "
            "AND department_name <> '' GROUP BY department) m ON m.department = a.department AND m.run_id = a.run_id "
            "WHERE a.department_name <> '' GROUP BY a.department, a.department_name, a.custodian, a.custodian_staff_id "
            "ORDER BY a.department, COUNT(*) DESC" % PERIOD_RUNS
        )
        out: dict[str, dict[str, str]] = {}
        for row in self.rows(sql):
            out.setdefault(
                row["department"],
                {"name": row["department_name"], "custodian": row["custodian"], "staff_id": row["custodian_staff_id"]},
            )
        return out

    def switch_changes(self) -> list[dict[str, Any]]:
        """The changes made to switches by the period's enforce runs."""
        return self.changes("h.kind = 'switch'")

    def host_changes(self) -> list[dict[str, Any]]:
        """The changes made to workstations and servers by the period's enforce runs."""
        return self.changes("h.kind <> 'switch'")

    def changes(self, where: str) -> list[dict[str, Any]]:
        """Changes of the period's enforce runs on the hosts ``where`` selects (SQL over host_results
        ``h``), oldest first, each with its ``outcome`` (store migration 15): changed, rolled back (a
        switch push undone, not a change) or failed. What a task in check mode would change is not a
        change and not listed (nor is any change of a check-mode run, in a store without outcomes)."""
        if not self.has_table("changes"):
            return []
        outcome = "ch.outcome" if self._has_change_outcome() else "'changed'"
        return self.rows(
            "SELECT ch.id, r.id AS run, r.started, r.mode, r.user_name, ch.host, h.department, ch.task, ch.module, "
            "%s AS outcome, ch.summary FROM changes ch JOIN runs r ON r.id = ch.run_id JOIN host_results h "
            "ON h.run_id = ch.run_id AND h.host = ch.host WHERE ch.run_id IN (SELECT id FROM %s) "
            "AND r.mode = 'enforce' AND ch.changed = 1 AND %s <> 'check' AND %s ORDER BY r.started, ch.id"
            % (outcome, PERIOD_RUNS, outcome, where)
        )

    def _has_change_outcome(self) -> bool:
        cur = self._conn.cursor()
        try:
            cur.execute("SELECT * FROM changes WHERE 1 = 0")
            return "outcome" in {d[0] for d in cur.description}
        finally:
            cur.close()

    def count_records(self, table: str) -> int:
        """Rows of a run-linked table (a later record kind) in the period; 0 when the table is absent."""
        return self.store.count(table, self.period.start, self.period.end) if self.has_table(table) else 0

    def close(self) -> None:
        try:
            for table in TEMP_TABLES:
                self._execute("DROP TABLE IF EXISTS %s" % table)
            if self.kind == "postgresql":
                self._conn.commit()
        except Exception:
            pass


def limited(sql: str, limit: int | None) -> str:
    """A query with at most ``limit`` rows (None: all)."""
    return sql if limit is None else sql + " LIMIT %d" % int(limit)


def _evidence(value: Any) -> list[str]:
    """Evidence as read (JSON text on SQLite, a list on PostgreSQL) as a list of lines."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value]
    return [str(e) for e in (value or [])]


__all__ = ["COMPLIANT", "ReportSource", "ReportSourceError", "open_report_store"]
