"""Reading the results store: the query API (periods, latest records, compliance counts, trend)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import counts, trend
from .base import StoreError, counts_with_rate, to_store_time
from .connection import StoreConnection
from .writer import checked_table


class StoreQueries(StoreConnection):
    """The read API; every method returns plain dicts."""

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

    def trend(
        self,
        start: Any = None,
        end: Any = None,
        by: str = "run",
        catalog: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> list[dict[str, Any]]:
        """The compliance trend of the period's headline runs, one point per run, day, week or month
        (the definition, shared with the reports: ``plugin_utils.store.trend``)."""
        if by not in trend.BUCKETS:
            raise StoreError("trend: by must be one of %s, got %r" % (", ".join(trend.BUCKETS), by))
        runs = self.runs(start, end)
        data = self.cube([int(r["id"]) for r in runs if trend.is_headline(r)], catalog)
        return trend.points(runs, trend.run_counts(data), by)

    def cube(self, run_ids: Sequence[int], catalog: Mapping[str, Mapping[str, Any]] | None = None) -> trend.Cube:
        """Status counts per (run, department, control) of the given runs, with the controls due and
        not recorded as ``not_checked`` when a catalog is given (``plugin_utils.store.trend``)."""
        if not run_ids:
            return {}
        marks = ", ".join(["?"] * len(run_ids))
        tables = self.tables()
        sql = trend.COUNTS_SQL if counts.TABLE in tables else trend.CUBE_SQL
        rows = self._tuples(sql % marks, run_ids)
        scope = self._query(trend.SCOPE_SQL % marks, run_ids) if catalog and "run_hosts" in tables else []
        return trend.cube(rows, scope, catalog)

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
        if checked_table(table) not in self.tables():
            return 0
        where, params = self._period(start, end)
        rows = self._query(
            "SELECT COUNT(*) AS n FROM %s t JOIN runs r ON r.id = t.run_id WHERE %s" % (table, where), params
        )
        return int(rows[0]["n"])

    def _existing(self, table: str) -> str:
        if checked_table(table) not in self.tables():
            raise StoreError("the results store %s has no table %r" % (self.location.display, table))
        return table
