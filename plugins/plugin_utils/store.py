"""The hisops results store: every run, host outcome, control result, change and asset.

Where it is
-----------
One setting, ``HISOPS_STORE`` (the recorder's ``store`` option, the reports' ``--store``):

- unset: the SQLite file ``results/hisops.sqlite`` in the project directory (git-ignored);
- a file path (relative paths are taken from the project directory), or ``sqlite:///RELATIVE``
  / ``sqlite:////ABSOLUTE`` (SQLAlchemy's spelling);
- ``postgresql://user:password@host:port/dbname`` (or ``postgres://``): a PostgreSQL database.

Anything else fails with one line naming the setting and what is accepted (``StoreError``).
The schema is created and migrated when the store is opened (table ``schema_version``;
the migrations are in ``plugin_utils.migrations``).

Schema (version 5)
------------------
Times are UTC text ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; JSON columns are decoded on read.

- ``runs``: id, uuid, started, ended, status (running|ok|failed|interrupted; failed = at least
  one host failed or was unreachable; running = in progress; interrupted = stopped by SIGINT or
  SIGTERM, or found abandoned by ``close_stale_runs`` (then without ``ended``)), user_name,
  controller (host name), controller_pid and controller_process (the recording process, see
  ``plugin_utils.stale_runs``), playbook, inventory, mode (check|enforce), limit_expr, tags,
  duration (s), ansible_version, stats (JSON: Ansible's per-host counters).
- ``host_results``: run_id, host, department (code), kind (workstation|switch|server|''),
  status (ok|failed|unreachable|skipped), ok, changed, failed, ignored, skipped, unreachable
  (task counts), message (last failure), recorded_at.
- ``control_results``: id, run_id, host, department, control_id, status
  (pass|fail|fixed|exempt|error), severity, evidence (JSON list), changes (JSON list),
  message, task, recorded_at.
- ``changes``: id, run_id, host, task, module, changed (0/1), summary (no secrets), recorded_at.
- ``assets``: run_id, host, department, department_name, custodian, custodian_staff_id,
  vendor, product, serial, os, os_version, kernel, arch, cpus, memory_mb, ipv4, mac,
  disks_count, disk_total_gb, packages_count, facts (JSON), recorded_at.
- ``run_hosts``: run_id, host, department, kind, groups (JSON list of inventory groups),
  in_scope (1 when --limit included the host), controls (JSON list: the applicable controls
  the run's --tags/--skip-tags selected), recorded_at (``plugin_utils.coverage``).
- ``run_problems``: run_id, host ('' for the run), problem (why the run failed outside a host's
  task: an inventory that does not parse, the whole-inventory check's list), recorded_at.

Query API (stable; every method returns a list of plain dicts unless noted)
--------------------------------------------------------------------------
Periods are half-open ``[start, end)`` on ``runs.started``; ``start``/``end`` may be None
(unbounded), a ``date``, a ``datetime`` or an ISO string. Dates, date strings and naive
datetimes are in the controller's local time zone (the hospital's); aware ones are converted.

- ``runs(start, end, status=None)``: runs that started in the period, oldest first.
- ``run(uuid)``: one run (dict) or None.
- ``host_results(start, end, host=None)``: latest outcome per host in the period (+ ``run_uuid``,
  ``started``).
- ``run_host_results(uuid)`` / ``run_control_results(uuid)``: everything of one run.
- ``control_results(start, end, department=None, host=None, control_id=None)``: the latest
  record per (host, control) in the period (+ ``run_uuid``, ``started``).
- ``compliance_by_department(start, end)`` / ``compliance_by_control(start, end)`` /
  ``compliance_by_host(start, end)``: counts of the latest statuses: keys ``department`` |
  ``control_id`` | ``host`` (+ ``department``), ``total``, one key per status, ``compliant``
  and ``rate`` (``compliant / total``, 0..1, None when total is 0; compliant = pass + fixed + exempt).
- ``compliance_summary(start, end)``: the same counts over everything (one dict).
- ``trend(start, end, by="run"|"day")``: the counts per run (``key`` = run uuid, ``started``)
  or per local day (``key`` = ``YYYY-MM-DD``, latest per host/control within that day).
- ``top_failing_controls(start, end, limit=10)``: controls with most fail/error hosts
  (``control_id``, ``failing``, ``hosts``, ``severity``).
- ``assets(start, end)``: the latest asset row per host in the period (+ ``run_uuid``).
- ``changes(start, end, host=None, kind=None)``: change rows (+ ``run_uuid``, ``started``,
  ``mode``, host ``kind`` and ``department``), oldest first.
- ``switch_changes(start, end)``: ``changes`` of hosts whose kind is ``switch``.
- ``tables()``: set of table names; ``schema_version()``: int.
- ``connection`` (DB-API connection) and ``sql(text)`` (``?`` placeholders to the back-end's
  style): for bulk reads the API does not cover (streaming, TEMP tables); never write through them.
- ``records(table, start, end)`` / ``count(table, start, end)``: rows of ANY table that
  follows the run_id convention (a record kind added by a later migration, e.g. a backup
  register), so a report can show a section only when ``count(...) > 0``.

Writing (the recording callback; tests)
---------------------------------------
``start_run(run)``, ``write(batch)`` (a ``Batch`` of rows, one transaction),
``finish_run(uuid, status, ended=None, duration=None, stats=None, mode=None)``,
``close_stale_runs(before=None, uuids=())`` (the policy deciding which runs are abandoned is
``plugin_utils.stale_runs``). Writes are batched by the caller: one commit per batch,
SQLite in WAL mode with ``synchronous=NORMAL`` (no fsync per row).

Both back-ends give the same answers for the same data (tests/unit/store/test_postgres.py);
text columns sort by the database's collation, so create a PostgreSQL store database with
``LC_COLLATE 'C'`` (or ``--no-locale``) for the byte order SQLite uses.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .migrations import MIGRATIONS, Migration
from .project import project_path
from ..module_utils import results

ENV_VAR = "HISOPS_STORE"
DEFAULT_PATH = Path("results") / "hisops.sqlite"  # in the project directory (plugin_utils.project)

RUN_STATUSES = ("running", "ok", "failed", "interrupted")
HOST_STATUSES = ("ok", "failed", "unreachable", "skipped")
# The control statuses are those of the modules' result record (plugins/module_utils/results.py).
CONTROL_STATUSES: tuple[str, ...] = results.STATUSES
COMPLIANT: tuple[str, ...] = (results.PASS, results.FIXED, results.EXEMPT)
JSON_COLUMNS = frozenset({"stats", "evidence", "changes", "facts", "groups", "controls"})
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")

_DIALECT_TYPES = {
    "sqlite": {"ID": "INTEGER PRIMARY KEY", "JSON": "TEXT", "REAL": "REAL"},
    "postgresql": {
        "ID": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        "JSON": "JSONB",
        "REAL": "DOUBLE PRECISION",
    },
}


class StoreError(Exception):
    """A problem with the results store, as one line a technician can act on."""


# What to do with a damaged SQLite store (docs/reports.md, "A damaged results store").
SQLITE_RECOVERY = (
    "nothing was written to it. Recover: stop scheduled runs, move the file and its -wal/-shm files aside "
    "(mv %(path)s %(path)s.damaged), then either restore the last backup or salvage it with "
    "sqlite3 %(path)s.damaged .recover | sqlite3 %(path)s, and run again"
)


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


# ---------------------------------------------------------------------------- location
@dataclass(frozen=True)
class Location:
    """Where the store is: kind ``sqlite`` (target = file path) or ``postgresql`` (target = DSN)."""

    kind: str
    target: str

    @property
    def display(self) -> str:
        """The location for messages and reports, without a password."""
        if self.kind == "sqlite":
            return self.target
        parts = urlsplit(self.target)
        if parts.password:
            netloc = parts.netloc.replace(":" + parts.password + "@", ":***@")
            return urlunsplit(parts._replace(netloc=netloc))
        return self.target


def resolve_location(location: str | os.PathLike[str] | None = None) -> Location:
    """Turn the store setting (argument, else $HISOPS_STORE, else the default) into a Location."""
    raw = str(location) if location not in (None, "") else os.environ.get(ENV_VAR, "")
    if not raw:
        return Location("sqlite", str(project_path(DEFAULT_PATH)))
    if "://" in raw:
        scheme = raw.split("://", 1)[0].lower()
        if scheme in ("postgresql", "postgres"):
            return Location("postgresql", raw)
        if scheme == "sqlite":
            rest = raw.split("://", 1)[1]
            path = rest[1:] if rest.startswith("/") else rest  # sqlite:///rel, sqlite:////abs
            if not path:
                raise StoreError("results store %r has no file path: use sqlite:///PATH" % raw)
            return Location("sqlite", str(project_path(path)))
        raise StoreError(
            "unknown results store scheme %r in %s: use a file path, sqlite:///PATH or postgresql://USER@HOST/DB"
            % (scheme + "://", ENV_VAR)
        )
    return Location("sqlite", str(project_path(raw)))


# ---------------------------------------------------------------------------- rows to write
@dataclass
class Batch:
    """Rows for one run, written in one transaction. Each row is a dict of column values."""

    run_uuid: str
    hosts: list[dict[str, Any]] = field(default_factory=list)
    controls: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    assets: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.hosts or self.controls or self.changes or self.assets or any(self.extra.values()))


HOST_COLUMNS = (
    "host",
    "department",
    "kind",
    "status",
    "ok",
    "changed",
    "failed",
    "ignored",
    "skipped",
    "unreachable",
    "message",
    "recorded_at",
)
CONTROL_COLUMNS = (
    "host",
    "department",
    "control_id",
    "status",
    "severity",
    "evidence",
    "changes",
    "message",
    "task",
    "recorded_at",
)
CHANGE_COLUMNS = ("host", "task", "module", "changed", "summary", "recorded_at")
ASSET_COLUMNS = (
    "host",
    "department",
    "department_name",
    "custodian",
    "custodian_staff_id",
    "vendor",
    "product",
    "serial",
    "os",
    "os_version",
    "kernel",
    "arch",
    "cpus",
    "memory_mb",
    "ipv4",
    "mac",
    "disks_count",
    "disk_total_gb",
    "packages_count",
    "facts",
    "recorded_at",
)
RUN_COLUMNS = (
    "uuid",
    "started",
    "status",
    "user_name",
    "controller",
    "playbook",
    "inventory",
    "mode",
    "limit_expr",
    "tags",
    "ansible_version",
)
# Written by start_run only when given (a store opened at an older schema version has no such columns).
RUN_OWNER_COLUMNS = ("controller_pid", "controller_process")


def _encode(column: str, value: Any) -> Any:
    if column in JSON_COLUMNS:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return value


def _decode_row(row: dict[str, Any]) -> dict[str, Any]:
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


# ---------------------------------------------------------------------------- the store
class Store:
    """An open results store (SQLite or PostgreSQL). Use ``open_store()`` to get one."""

    def __init__(self, location: Location, conn: Any) -> None:
        self.location = location
        self.kind = location.kind
        self._conn = conn
        self._lock = threading.RLock()
        self._run_ids: dict[str, int] = {}

    # -- plumbing ----------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> Any:
        """The DB-API connection, for bulk reads the query API does not cover (reports stream rows,
        build TEMP tables). Never write to the store's tables through it."""
        if self._conn is None:
            raise StoreError("the results store %s is closed" % self.location.display)
        return self._conn

    def sql(self, sql: str) -> str:
        """``sql`` written with ``?`` placeholders, in the back-end's placeholder style."""
        return self._sql(sql)

    def _sql(self, sql: str) -> str:
        if self.kind == "postgresql":
            return sql.replace("%", "%%").replace("?", "%s")
        return sql

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        """One transaction; yields a cursor. Rolls back on error."""
        with self._lock:
            if self._conn is None:
                raise StoreError("the results store %s is closed" % self.location.display)
            cur = self._conn.cursor()
            try:
                if self.kind == "sqlite":
                    cur.execute("BEGIN IMMEDIATE")
                yield cur
                self._conn.commit() if self.kind == "postgresql" else cur.execute("COMMIT")
            except BaseException:
                self._conn.rollback()
                raise
            finally:
                cur.close()

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            if self._conn is None:
                raise StoreError("the results store %s is closed" % self.location.display)
            cur = self._conn.cursor()
            try:
                cur.execute(self._sql(sql), tuple(params))
                names = [d[0] for d in cur.description]
                rows = [_decode_row(dict(zip(names, r, strict=True))) for r in cur.fetchall()]
            finally:
                cur.close()
            if self.kind == "postgresql":
                self._conn.rollback()  # end the read transaction
            return rows

    def _many(self, cur: Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.kind == "postgresql":
            from psycopg2.extras import execute_batch

            execute_batch(cur, self._sql(sql), rows, page_size=500)
        else:
            cur.executemany(sql, rows)

    # -- schema ------------------------------------------------------------------------
    def tables(self) -> set[str]:
        if self.kind == "sqlite":
            rows = self._query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        else:
            rows = self._query(
                "SELECT table_name AS name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
        return {r["name"] for r in rows}

    def schema_version(self) -> int:
        if "schema_version" not in self.tables():
            return 0
        rows = self._query("SELECT MAX(version) AS v FROM schema_version")
        return int(rows[0]["v"] or 0)

    def migrate(self, migrations: Sequence[Migration] = MIGRATIONS) -> list[int]:
        """Apply the migrations not applied yet, each in its own transaction; return their versions."""
        versions = [m.version for m in migrations]
        if versions != list(range(1, len(versions) + 1)):
            raise StoreError("migrations must be numbered 1, 2, ... in order (got %s)" % versions)
        applied: list[int] = []
        with self._tx() as cur:
            self._lock_schema(cur)
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                "applied_at TEXT NOT NULL)"
            )
        current = self.schema_version()
        if current > (versions[-1] if versions else 0):
            raise StoreError(
                "the results store %s has schema version %d, newer than this hisops (%d): update hisops"
                % (self.location.display, current, versions[-1] if versions else 0)
            )
        types = _DIALECT_TYPES[self.kind]
        for mig in migrations:
            with self._tx() as cur:
                self._lock_schema(cur)
                cur.execute(self._sql("SELECT 1 FROM schema_version WHERE version = ?"), (mig.version,))
                if cur.fetchone():
                    continue
                for statement in mig.statements:
                    cur.execute(statement.format(**types))
                cur.execute(
                    self._sql("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)"),
                    (mig.version, mig.name, now_text()),
                )
                applied.append(mig.version)
        return applied

    def _lock_schema(self, cur: Any) -> None:
        if self.kind == "postgresql":  # SQLite's BEGIN IMMEDIATE already serialises writers
            cur.execute("SELECT pg_advisory_xact_lock(4855301)")

    # -- writing -----------------------------------------------------------------------
    def start_run(self, run: dict[str, Any]) -> None:
        """Insert a run (status running unless given). Keys: RUN_COLUMNS and, optionally,
        RUN_OWNER_COLUMNS; uuid and mode required."""
        row = {"status": "running", "started": now_text(), "user_name": "", "controller": "", "playbook": "",
               "inventory": "", "limit_expr": "", "tags": "", "ansible_version": ""} | run  # fmt: skip
        if row.get("mode") not in ("check", "enforce"):
            raise StoreError("run %s: mode must be check or enforce, got %r" % (row.get("uuid"), row.get("mode")))
        columns = RUN_COLUMNS + tuple(c for c in RUN_OWNER_COLUMNS if c in run)
        marks = ", ".join("?" for _ in columns)
        with self._tx() as cur:
            cur.execute(
                self._sql("INSERT INTO runs (%s) VALUES (%s)" % (", ".join(columns), marks)), [row[c] for c in columns]
            )

    def _run_id(self, cur: Any, uuid: str) -> int:
        if uuid not in self._run_ids:
            cur.execute(self._sql("SELECT id FROM runs WHERE uuid = ?"), (uuid,))
            found = cur.fetchone()
            if not found:
                raise StoreError("run %s is not in the results store %s" % (uuid, self.location.display))
            self._run_ids[uuid] = int(found[0])
        return self._run_ids[uuid]

    def write(self, batch: Batch) -> None:
        """Write a batch of rows of one run in one transaction (host rows are upserted)."""
        if not batch:
            return
        with self._tx() as cur:
            run_id = self._run_id(cur, batch.run_uuid)
            self._upsert_hosts(cur, run_id, batch.hosts)
            self._insert(cur, "control_results", CONTROL_COLUMNS, run_id, batch.controls)
            self._insert(cur, "changes", CHANGE_COLUMNS, run_id, batch.changes)
            self._upsert_assets(cur, run_id, batch.assets)
            for table, rows in batch.extra.items():
                if rows:
                    self._insert(cur, _checked_table(table), tuple(rows[0]), run_id, rows)

    def _insert(self, cur: Any, table: str, columns: Sequence[str], run_id: int, rows: list[dict[str, Any]]) -> None:
        sql = "INSERT INTO %s (run_id, %s) VALUES (?, %s)" % (
            table,
            ", ".join(columns),
            ", ".join("?" for _ in columns),
        )
        values = [(run_id, *(_encode(c, r.get(c, _default(c))) for c in columns)) for r in rows]
        self._many(cur, sql, values)

    def _upsert_hosts(self, cur: Any, run_id: int, rows: list[dict[str, Any]]) -> None:
        updates = ", ".join("%s = excluded.%s" % (c, c) for c in HOST_COLUMNS if c != "host")
        sql = "INSERT INTO host_results (run_id, %s) VALUES (?, %s) ON CONFLICT (run_id, host) DO UPDATE SET %s" % (
            ", ".join(HOST_COLUMNS),
            ", ".join("?" for _ in HOST_COLUMNS),
            updates,
        )
        self._many(cur, sql, [(run_id, *(r.get(c, _default(c)) for c in HOST_COLUMNS)) for r in rows])

    def _upsert_assets(self, cur: Any, run_id: int, rows: list[dict[str, Any]]) -> None:
        updates = ", ".join("%s = excluded.%s" % (c, c) for c in ASSET_COLUMNS if c != "host")
        sql = "INSERT INTO assets (run_id, %s) VALUES (?, %s) ON CONFLICT (run_id, host) DO UPDATE SET %s" % (
            ", ".join(ASSET_COLUMNS),
            ", ".join("?" for _ in ASSET_COLUMNS),
            updates,
        )
        self._many(cur, sql, [(run_id, *(_encode(c, r.get(c, _default(c))) for c in ASSET_COLUMNS)) for r in rows])

    def finish_run(
        self,
        uuid: str,
        status: str,
        ended: str | None = None,
        duration: float | None = None,
        stats: dict[str, Any] | None = None,
        mode: str | None = None,
    ) -> None:
        """Close a run with its final status (ok, failed or interrupted) and, if given, its final mode."""
        if status not in RUN_STATUSES:
            raise StoreError("run %s: unknown status %r (expected one of %s)" % (uuid, status, ", ".join(RUN_STATUSES)))
        if mode not in (None, "check", "enforce"):
            raise StoreError("run %s: mode must be check or enforce, got %r" % (uuid, mode))
        with self._tx() as cur:
            cur.execute(
                self._sql(
                    "UPDATE runs SET status = ?, ended = ?, duration = ?, stats = ?, mode = COALESCE(?, mode) "
                    "WHERE uuid = ?"
                ),
                (status, ended or now_text(), duration, _encode("stats", stats), mode, uuid),
            )

    def close_stale_runs(self, before: date | datetime | str | None = None, uuids: Iterable[str] = ()) -> int:
        """Mark as interrupted the runs still 'running' that started before ``before`` or whose uuid
        is in ``uuids`` (their recording process is gone: killed with SIGKILL, power lost). Their
        ``ended`` stays empty: when they stopped is not known. Returns how many were closed."""
        clauses, params = [], []
        if before is not None:
            clauses.append("started < ?")
            params.append(to_store_time(before))
        uuids = list(uuids)
        if uuids:
            clauses.append("uuid IN (%s)" % ", ".join("?" for _ in uuids))
            params.extend(uuids)
        if not clauses:
            return 0
        sql = "UPDATE runs SET status = 'interrupted' WHERE status = 'running' AND (%s)" % " OR ".join(clauses)
        with self._tx() as cur:
            cur.execute(self._sql(sql), params)
            return int(cur.rowcount)

    # -- reading -----------------------------------------------------------------------
    @staticmethod
    def _period(start: Any, end: Any, column: str = "r.started") -> tuple[str, list[Any]]:
        clauses, params = ["1 = 1"], []
        if start is not None:
            clauses.append("%s >= ?" % column)
            params.append(to_store_time(start))
        if end is not None:
            clauses.append("%s < ?" % column)
            params.append(to_store_time(end))
        return " AND ".join(clauses), params

    def runs(self, start: Any = None, end: Any = None, status: str | None = None) -> list[dict[str, Any]]:
        where, params = self._period(start, end)
        if status:
            where += " AND r.status = ?"
            params.append(status)
        return self._query("SELECT r.* FROM runs r WHERE %s ORDER BY r.started, r.id" % where, params)

    def run(self, uuid: str) -> dict[str, Any] | None:
        rows = self._query("SELECT * FROM runs WHERE uuid = ?", (uuid,))
        return rows[0] if rows else None

    def run_host_results(self, uuid: str) -> list[dict[str, Any]]:
        return self._query(
            "SELECT h.* FROM host_results h JOIN runs r ON r.id = h.run_id WHERE r.uuid = ? ORDER BY h.host", (uuid,)
        )

    def run_control_results(self, uuid: str) -> list[dict[str, Any]]:
        return self._query(
            "SELECT c.* FROM control_results c JOIN runs r ON r.id = c.run_id WHERE r.uuid = ? "
            "ORDER BY c.host, c.control_id, c.id",
            (uuid,),
        )

    def host_results(self, start: Any = None, end: Any = None, host: str | None = None) -> list[dict[str, Any]]:
        where, params = self._period(start, end)
        if host is not None:
            where += " AND h2.host = ?"
            params.append(host)
        return self._query(
            "SELECT h.*, r.uuid AS run_uuid, r.started FROM host_results h JOIN runs r ON r.id = h.run_id "
            "JOIN (SELECT h2.host, MAX(h2.run_id) AS run_id FROM host_results h2 JOIN runs r ON r.id = h2.run_id "
            "WHERE %s GROUP BY h2.host) m ON m.host = h.host AND m.run_id = h.run_id ORDER BY h.host" % where,
            params,
        )

    def _latest_controls_sql(self, where: str) -> str:
        """SQL selecting the ids of the latest control record per (host, control) of the runs matched."""
        return (
            "SELECT MAX(c2.id) AS id FROM control_results c2 JOIN runs r ON r.id = c2.run_id "
            "WHERE %s GROUP BY c2.host, c2.control_id" % where
        )

    def control_results(
        self,
        start: Any = None,
        end: Any = None,
        department: str | None = None,
        host: str | None = None,
        control_id: str | None = None,
    ) -> list[dict[str, Any]]:
        where, params = self._period(start, end)
        for column, value in (("c2.department", department), ("c2.host", host), ("c2.control_id", control_id)):
            if value is not None:
                where += " AND %s = ?" % column
                params.append(value)
        return self._query(
            "SELECT c.*, r.uuid AS run_uuid, r.started FROM control_results c JOIN runs r ON r.id = c.run_id "
            "JOIN (%s) m ON m.id = c.id ORDER BY c.department, c.host, c.control_id" % self._latest_controls_sql(where),
            params,
        )

    def _latest_counts(self, group: str, where: str, params: list[Any]) -> list[dict[str, Any]]:
        rows = self._query(
            "SELECT %s, c.status, COUNT(*) AS n FROM control_results c JOIN (%s) m ON m.id = c.id "
            "GROUP BY %s, c.status" % (group, self._latest_controls_sql(where), group),
            params,
        )
        keys = [g.split(".")[-1] for g in group.split(", ")]
        grouped: dict[tuple[Any, ...], dict[str, int]] = {}
        for row in rows:
            grouped.setdefault(tuple(row[k] for k in keys), {})[row["status"]] = int(row["n"])
        return [dict(zip(keys, key, strict=True)) | counts_with_rate(c) for key, c in sorted(grouped.items())]

    def compliance_by_department(self, start: Any = None, end: Any = None) -> list[dict[str, Any]]:
        where, params = self._period(start, end)
        return self._latest_counts("c.department", where, params)

    def compliance_by_control(self, start: Any = None, end: Any = None) -> list[dict[str, Any]]:
        where, params = self._period(start, end)
        return self._latest_counts("c.control_id", where, params)

    def compliance_by_host(self, start: Any = None, end: Any = None) -> list[dict[str, Any]]:
        where, params = self._period(start, end)
        return self._latest_counts("c.department, c.host", where, params)

    def compliance_summary(self, start: Any = None, end: Any = None) -> dict[str, Any]:
        where, params = self._period(start, end)
        rows = self._query(
            "SELECT c.status, COUNT(*) AS n FROM control_results c JOIN (%s) m ON m.id = c.id GROUP BY c.status"
            % self._latest_controls_sql(where),
            params,
        )
        return counts_with_rate({r["status"]: int(r["n"]) for r in rows})

    def trend(self, start: Any = None, end: Any = None, by: str = "run") -> list[dict[str, Any]]:
        if by not in ("run", "day"):
            raise StoreError("trend: by must be 'run' or 'day', got %r" % by)
        where, params = self._period(start, end)
        if by == "run":
            rows = self._query(
                "SELECT r.uuid, r.started, c.status, COUNT(*) AS n FROM control_results c "
                "JOIN runs r ON r.id = c.run_id "
                "JOIN (SELECT MAX(c2.id) AS id FROM control_results c2 JOIN runs r ON r.id = c2.run_id WHERE %s "
                "GROUP BY c2.run_id, c2.host, c2.control_id) m ON m.id = c.id GROUP BY r.uuid, r.started, c.status"
                % where,
                params,
            )
            per_run: dict[tuple[str, str], dict[str, int]] = {}
            for row in rows:
                per_run.setdefault((row["started"], row["uuid"]), {})[row["status"]] = int(row["n"])
            return [{"key": uuid, "started": st} | counts_with_rate(c) for (st, uuid), c in sorted(per_run.items())]
        days: dict[str, list[int]] = {}
        for run in self.runs(start, end):
            days.setdefault(local_day(run["started"]), []).append(int(run["id"]))
        out = []
        for day, ids in sorted(days.items()):
            marks = ", ".join("?" for _ in ids)
            summary = self._query(
                "SELECT c.status, COUNT(*) AS n FROM control_results c JOIN (%s) m ON m.id = c.id GROUP BY c.status"
                % self._latest_controls_sql("r.id IN (%s)" % marks),
                ids,
            )
            out.append({"key": day} | counts_with_rate({r["status"]: int(r["n"]) for r in summary}))
        return out

    def top_failing_controls(self, start: Any = None, end: Any = None, limit: int = 10) -> list[dict[str, Any]]:
        rows = [r for r in self.compliance_by_control(start, end) if r["fail"] + r["error"] > 0]
        severity = {
            r["control_id"]: r["severity"]
            for r in self._query(
                "SELECT c.control_id, MAX(c.severity) AS severity FROM control_results c "
                "JOIN (%s) m ON m.id = c.id GROUP BY c.control_id"
                % self._latest_controls_sql(self._period(start, end)[0]),
                self._period(start, end)[1],
            )
        }
        ranked = sorted(rows, key=lambda r: (-(r["fail"] + r["error"]), r["control_id"]))[:limit]
        return [
            {
                "control_id": r["control_id"],
                "failing": r["fail"] + r["error"],
                "hosts": r["total"],
                "severity": severity.get(r["control_id"], ""),
            }
            for r in ranked
        ]

    def assets(self, start: Any = None, end: Any = None) -> list[dict[str, Any]]:
        where, params = self._period(start, end)
        return self._query(
            "SELECT a.*, r.uuid AS run_uuid FROM assets a JOIN runs r ON r.id = a.run_id "
            "JOIN (SELECT a2.host, MAX(a2.run_id) AS run_id FROM assets a2 JOIN runs r ON r.id = a2.run_id "
            "WHERE %s GROUP BY a2.host) m ON m.host = a.host AND m.run_id = a.run_id ORDER BY a.department, a.host"
            % where,
            params,
        )

    def changes(
        self, start: Any = None, end: Any = None, host: str | None = None, kind: str | None = None
    ) -> list[dict[str, Any]]:
        where, params = self._period(start, end)
        if host is not None:
            where += " AND ch.host = ?"
            params.append(host)
        if kind is not None:
            where += " AND h.kind = ?"
            params.append(kind)
        return self._query(
            "SELECT ch.*, r.uuid AS run_uuid, r.started, r.mode, r.user_name, COALESCE(h.kind, '') AS kind, "
            "COALESCE(h.department, '') AS department FROM changes ch JOIN runs r ON r.id = ch.run_id "
            "LEFT JOIN host_results h ON h.run_id = ch.run_id AND h.host = ch.host WHERE %s "
            "ORDER BY r.started, ch.host, ch.id" % where,
            params,
        )

    def switch_changes(self, start: Any = None, end: Any = None) -> list[dict[str, Any]]:
        return self.changes(start, end, kind="switch")

    def records(self, table: str, start: Any = None, end: Any = None) -> list[dict[str, Any]]:
        """Rows of any run-linked table (run_id, host, recorded_at), with run_uuid and started."""
        table = self._existing(table)
        where, params = self._period(start, end)
        return self._query(
            "SELECT t.*, r.uuid AS run_uuid, r.started FROM %s t JOIN runs r ON r.id = t.run_id WHERE %s "
            "ORDER BY r.started, t.host" % (table, where),
            params,
        )

    def count(self, table: str, start: Any = None, end: Any = None) -> int:
        """How many rows of a run-linked table belong to runs of the period (0 when the table is absent)."""
        if _checked_table(table) not in self.tables():
            return 0
        where, params = self._period(start, end)
        rows = self._query(
            "SELECT COUNT(*) AS n FROM %s t JOIN runs r ON r.id = t.run_id WHERE %s" % (table, where), params
        )
        return int(rows[0]["n"])

    def _existing(self, table: str) -> str:
        if _checked_table(table) not in self.tables():
            raise StoreError("the results store %s has no table %r" % (self.location.display, table))
        return table


def _checked_table(table: str) -> str:
    if not _IDENT.match(table):
        raise StoreError("invalid table name %r" % table)
    return table


def _default(column: str) -> Any:
    if column in JSON_COLUMNS:
        return [] if column in ("evidence", "changes") else {}
    if column == "recorded_at":
        return now_text()
    if column == "severity":
        return "medium"
    if column in ("ok", "changed", "failed", "ignored", "skipped", "unreachable"):
        return 0
    if column in ("cpus", "memory_mb", "disks_count", "disk_total_gb", "packages_count"):
        return None
    return ""


# ---------------------------------------------------------------------------- opening
def _connect_sqlite(path: str) -> sqlite3.Connection:
    target = Path(path)
    existing = target.is_file() and target.stat().st_size > 0
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # the store holds evidence, custodians' names and staff ids: owner only (SQLite gives its
        # -wal and -shm files the database file's permissions)
        os.close(os.open(target, os.O_RDWR | os.O_CREAT, 0o600))
        if target.stat().st_uid == os.getuid():
            os.chmod(target, target.stat().st_mode & 0o700)
        conn = sqlite3.connect(str(target), timeout=30, isolation_level=None, check_same_thread=False)
        if existing:
            _check_sqlite(conn, path)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        # a subclass (OperationalError: permissions, locks) is no sign of damage; only the base class is
        if not existing or exc.__class__ is not sqlite3.DatabaseError:
            raise StoreError(
                "cannot open the results store %s: %s (set %s to a writable file or a postgresql:// DSN)"
                % (path, exc, ENV_VAR)
            ) from None
        raise StoreError(
            "the results store %s is damaged (%s): %s" % (path, exc, SQLITE_RECOVERY % {"path": path})
        ) from None
    except (OSError, sqlite3.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise StoreError(
            "cannot open the results store %s: %s (set %s to a writable file or a postgresql:// DSN)"
            % (path, reason, ENV_VAR)
        ) from None
    return conn


def _check_sqlite(conn: sqlite3.Connection, path: str) -> None:
    """Refuse a damaged file before anything reads or writes it (PRAGMA quick_check: every page and
    index entry, without the slower cross-checks of integrity_check)."""
    problems = [str(r[0]) for r in conn.execute("PRAGMA quick_check(3)").fetchall()]
    if problems != ["ok"]:
        conn.close()
        first = " ".join(problems[0].split())[:200]
        raise sqlite3.DatabaseError("PRAGMA quick_check: %s" % first)


def _connect_postgresql(location: Location) -> Any:
    try:
        import psycopg2
    except ImportError:
        raise StoreError(
            "the results store is PostgreSQL but psycopg2 is not installed (pip install psycopg2-binary)"
        ) from None
    try:
        return psycopg2.connect(location.target, connect_timeout=10, application_name="hisops")
    except psycopg2.Error as exc:
        first = (str(exc).strip().splitlines() or ["unknown error"])[0]
        raise StoreError("cannot connect to the results store %s: %s" % (location.display, first)) from None


def open_store(
    location: str | os.PathLike[str] | None = None,
    *,
    migrations: Sequence[Migration] = MIGRATIONS,
    migrate: bool = True,
) -> Store:
    """Open (and by default create/migrate) the results store named by ``location``/$HISOPS_STORE."""
    loc = resolve_location(location)
    conn = _connect_sqlite(loc.target) if loc.kind == "sqlite" else _connect_postgresql(loc)
    store = Store(loc, conn)
    if migrate:
        try:
            store.migrate(migrations)
        except StoreError:
            store.close()
            raise
        except Exception as exc:  # a read-only file, a PostgreSQL user without CREATE, ...
            store.close()
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise StoreError("cannot prepare the results store %s: %s" % (loc.display, first)) from None
    return store


def iter_chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Split rows into lists of at most ``size`` (for callers writing large batches)."""
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


__all__ = [
    "CONTROL_STATUSES",
    "DEFAULT_PATH",
    "ENV_VAR",
    "HOST_STATUSES",
    "RUN_STATUSES",
    "Batch",
    "Location",
    "Store",
    "StoreError",
    "counts_with_rate",
    "local_day",
    "now_text",
    "open_store",
    "resolve_location",
    "to_store_time",
]
