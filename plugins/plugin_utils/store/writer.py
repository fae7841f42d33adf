"""Writing to the results store: runs, and batches of rows of one run in one transaction
(the recording callback writes through it; so do the tests)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .base import JSON_COLUMNS, RUN_STATUSES, StoreError, encode_value, now_text, to_store_time
from . import counts, history
from ..asset_inventory import STORE_COLUMNS as REGISTER_COLUMNS
from .connection import StoreConnection

IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


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


def checked_table(table: str) -> str:
    """A table name, refused unless it is a plain identifier (it is put into SQL text)."""
    if not IDENT.match(table):
        raise StoreError("invalid table name %r" % table)
    return table


def default_value(column: str) -> Any:
    """The value written for a column a row does not give."""
    if column in JSON_COLUMNS:
        return [] if column in ("evidence", "changes") else {}
    if column == "recorded_at":
        return now_text()
    if column == "severity":
        return "medium"
    if column == "outcome":
        return "changed"
    if column in ("ok", "changed", "failed", "ignored", "skipped", "unreachable"):
        return 0
    if column in ("cpus", "memory_mb", "disks_count", "disk_total_gb", "packages_count"):
        return None
    return ""


class StoreWriter(StoreConnection):
    """Writes runs and their rows."""

    # -- writing -----------------------------------------------------------------------
    def start_run(self, run: dict[str, Any]) -> None:
        """Insert a run (status running unless given). Keys: RUN_COLUMNS and, optionally,
        RUN_OWNER_COLUMNS; uuid and mode required."""
        row = {"status": "running", "started": now_text(), "user_name": "", "controller": "", "playbook": "",
               "inventory": "", "limit_expr": "", "tags": "", "ansible_version": ""} | run  # fmt: skip
        if row.get("mode") not in ("check", "enforce"):
            raise StoreError("run %s: mode must be check or enforce, got %r" % (row.get("uuid"), row.get("mode")))
        columns = RUN_COLUMNS + tuple(c for c in RUN_OWNER_COLUMNS if c in run)
        marks = ", ".join(["?"] * len(columns))
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
            self._upsert(cur, "host_results", HOST_COLUMNS, run_id, batch.hosts)
            self._insert_controls(cur, run_id, batch.controls)
            if batch.changes:
                self._insert(cur, "changes", self._present(cur, "changes", CHANGE_COLUMNS, ("outcome",)), run_id,
                             batch.changes)  # fmt: skip
            if batch.assets:
                self._upsert(cur, "assets", self._present(cur, "assets", ASSET_COLUMNS, REGISTER_COLUMNS), run_id,
                             batch.assets)  # fmt: skip
            for table, rows in batch.extra.items():
                if rows:
                    self._insert(cur, checked_table(table), tuple(rows[0]), run_id, rows)

    def _insert_controls(self, cur: Any, run_id: int, rows: list[dict[str, Any]]) -> None:
        """Control records, each with its predecessor's status and run (``plugin_utils.store.history``),
        and the run's counts (``plugin_utils.store.counts``), when the schema has them (a store at an
        older version is written without)."""
        if not rows:
            return
        if self._has_history(cur):
            if self.kind == "postgresql":
                cur.execute("SELECT pg_advisory_xact_lock(%d)" % history.HISTORY_LOCK)

            def last(host: str, control: str) -> tuple[str, int | None]:
                cur.execute(self._sql(history.LAST_SQL), (host, control))
                found = cur.fetchone()
                return (str(found[0]), int(found[1])) if found else ("", None)

            rows = history.with_previous(rows, run_id, last)
            self._insert(cur, "control_results", CONTROL_COLUMNS + history.COLUMNS, run_id, rows)
        else:
            self._insert(cur, "control_results", CONTROL_COLUMNS, run_id, rows)
        if self._has_counts(cur):
            self._many(cur, counts.ADD_SQL, counts.batch_counts(run_id, rows))

    def _present(self, cur: Any, table: str, columns: Sequence[str], later: Sequence[str]) -> tuple[str, ...]:
        """``columns`` and those of ``later`` (added by a later migration) the store's table has."""
        if table not in self._columns:
            cur.execute("SELECT * FROM %s WHERE 1 = 0" % checked_table(table))
            self._columns[table] = {d[0] for d in cur.description}
        return (*columns, *(c for c in later if c in self._columns[table]))

    def _has_history(self, cur: Any) -> bool:
        if self._history is None:
            cur.execute("SELECT * FROM control_results WHERE 1 = 0")
            self._history = set(history.COLUMNS) <= {d[0] for d in cur.description}
        return self._history

    def _has_counts(self, cur: Any) -> bool:
        """Does the store keep the per-run counts (``plugin_utils.store.counts``)?"""
        if self._counts is None:
            cur.execute(counts.TABLE_SQL[self.kind])
            self._counts = cur.fetchone() is not None
        return self._counts

    def _insert(self, cur: Any, table: str, columns: Sequence[str], run_id: int, rows: list[dict[str, Any]]) -> None:
        sql = "INSERT INTO %s (run_id, %s) VALUES (?, %s)" % (
            table,
            ", ".join(columns),
            ", ".join(["?"] * len(columns)),
        )
        values = [(run_id, *(encode_value(c, r.get(c, default_value(c))) for c in columns)) for r in rows]
        self._many(cur, sql, values)

    def _upsert(self, cur: Any, table: str, columns: Sequence[str], run_id: int, rows: list[dict[str, Any]]) -> None:
        """Insert rows keyed by (run_id, host), replacing a row of the same run and host."""
        updates = ", ".join("%s = excluded.%s" % (c, c) for c in columns if c != "host")
        sql = "INSERT INTO %s (run_id, %s) VALUES (?, %s) ON CONFLICT (run_id, host) DO UPDATE SET %s" % (
            table,
            ", ".join(columns),
            ", ".join(["?"] * len(columns)),
            updates,
        )
        values = [(run_id, *(encode_value(c, r.get(c, default_value(c))) for c in columns)) for r in rows]
        self._many(cur, sql, values)

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
                (status, ended or now_text(), duration, encode_value("stats", stats), mode, uuid),
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
            clauses.append("uuid IN (%s)" % ", ".join(["?"] * len(uuids)))
            params.extend(uuids)
        if not clauses:
            return 0
        sql = "UPDATE runs SET status = 'interrupted' WHERE status = 'running' AND (%s)" % " OR ".join(clauses)
        with self._tx() as cur:
            cur.execute(self._sql(sql), params)
            return int(cur.rowcount)
