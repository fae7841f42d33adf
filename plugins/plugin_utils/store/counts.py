"""Each run's control records counted by department, control and status, kept by the writer
(migration ``V12_CONTROL_COUNTS``, table ``control_counts``).

The trend, the period average, the month tables and the comparisons read these counts
(``trend.COUNTS_SQL``: a few hundred thousand rows for a year of daily runs) instead of counting
every record of the period again (``trend.CUBE_SQL``: 14.6 million index entries for a year of
daily runs of 1,000 hosts). The writer adds a batch's counts in the transaction that inserts its
records, so the two never disagree; a store without the table is counted from its records.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..migrations import V12_CONTROL_COUNTS

TABLE = "control_counts"
# Counts every record: the migration fills the table from the records written before it, and the
# bench (bench/report_scale.py) from the records it inserted in bulk.
FILL_SQL = V12_CONTROL_COUNTS.statements[1]
ADD_SQL = (
    "INSERT INTO control_counts (run_id, department, control_id, status, n) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (run_id, department, control_id, status) DO UPDATE SET n = control_counts.n + excluded.n"
)
TABLE_SQL = {
    "sqlite": "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'control_counts'",
    "postgresql": "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
    "AND table_name = 'control_counts'",
}


def batch_counts(run_id: int, rows: Iterable[dict[str, Any]]) -> list[tuple[int, str, str, str, int]]:
    """The rows ``ADD_SQL`` adds for a batch of control records of one run."""
    acc: dict[tuple[str, str, str], int] = {}
    for row in rows:
        key = (str(row.get("department") or ""), str(row["control_id"]), str(row["status"]))
        acc[key] = acc.get(key, 0) + 1
    return [(run_id, *key, n) for key, n in sorted(acc.items())]
