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

Schema (the migrations: ``plugin_utils.migrations``)
----------------------------------------------------
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
- ``trend(start, end, by="run"|"day"|"week"|"month", catalog=None)``: the headline runs' counts
  pooled per run (``key`` = run uuid), local day, ISO week or month (``plugin_utils.store.trend``,
  the one definition the reports and the tests share); ``cube(run_ids, catalog=None)``: the counts
  per (run, department, control) behind it.
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

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..migrations import MIGRATIONS, Migration

from .base import (
    COMPLIANT,
    CONTROL_STATUSES,
    HOST_STATUSES,
    JSON_COLUMNS,
    RUN_STATUSES,
    TIME_FORMAT,
    StoreError,
    counts_with_rate,
    local_day,
    now_text,
    to_store_time,
)
from .connection import SQLITE_RECOVERY, connect_postgresql, connect_sqlite
from .location import DEFAULT_PATH, ENV_VAR, Location, resolve_location
from .queries import StoreQueries
from .writer import (
    ASSET_COLUMNS,
    CHANGE_COLUMNS,
    CONTROL_COLUMNS,
    HOST_COLUMNS,
    RUN_COLUMNS,
    RUN_OWNER_COLUMNS,
    Batch,
    StoreWriter,
)


class Store(StoreQueries, StoreWriter):
    """An open results store (SQLite or PostgreSQL). Use ``open_store()`` to get one."""


def open_store(
    location: str | os.PathLike[str] | None = None,
    *,
    migrations: Sequence[Migration] = MIGRATIONS,
    migrate: bool = True,
    check_tables: Sequence[str] | None = None,
) -> Store:
    """Open (and by default create/migrate) the results store named by ``location``/$HISOPS_STORE.

    An existing SQLite file is checked for damage first: the whole file, or only ``check_tables``
    (a reader that writes to these tables only: ``connect_sqlite``)."""
    loc = resolve_location(location)
    conn = connect_sqlite(loc.target, check_tables) if loc.kind == "sqlite" else connect_postgresql(loc)
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
    "ASSET_COLUMNS",
    "CHANGE_COLUMNS",
    "COMPLIANT",
    "CONTROL_COLUMNS",
    "CONTROL_STATUSES",
    "DEFAULT_PATH",
    "ENV_VAR",
    "HOST_COLUMNS",
    "HOST_STATUSES",
    "JSON_COLUMNS",
    "RUN_COLUMNS",
    "RUN_OWNER_COLUMNS",
    "RUN_STATUSES",
    "SQLITE_RECOVERY",
    "TIME_FORMAT",
    "Batch",
    "Location",
    "Store",
    "StoreError",
    "counts_with_rate",
    "iter_chunks",
    "local_day",
    "now_text",
    "open_store",
    "resolve_location",
    "to_store_time",
]
