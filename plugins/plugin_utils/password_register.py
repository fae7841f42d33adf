"""The register of department password rotations in the results store (HIM-7.2, table
``password_rotations``, migration ``V8_PASSWORD_ROTATIONS``).

Every rotation event (started, completed, still pending on some hosts) and every read-out of a
password is one row, linked to the run that did it (the recorder's run). A row never holds a
password: the version number and a keyed fingerprint (``DepartmentPasswords.fingerprint``) tell
the versions apart. The reports read it through ``Store.records("password_rotations", ...)``.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable
from typing import Any

from .store import Store, StoreError, now_text, open_store

TABLE = "password_rotations"
EVENTS = ("started", "completed", "pending", "read")
COLUMNS = (
    "department",
    "event",
    "trigger_reason",
    "version",
    "fingerprint",
    "previous_custodian",
    "custodian",
    "by_user",
    "hosts_done",
    "hosts_pending",
)
SEPARATOR = ", "


def host_list(hosts: Iterable[str]) -> str:
    return SEPARATOR.join(sorted(set(hosts)))


def rotation_row(
    department: str,
    event: str,
    entry: dict[str, Any] | None,
    hosts_done: Iterable[str] = (),
    hosts_pending: Iterable[str] = (),
    by_user: str = "",
) -> dict[str, Any]:
    """One register row from a store entry (its password is never read)."""
    if event not in EVENTS:
        raise ValueError("unknown rotation event %r (expected one of %s)" % (event, ", ".join(EVENTS)))
    entry = entry or {}
    return {
        "department": department,
        "event": event,
        "trigger_reason": str(entry.get("trigger", "")),
        "version": int(entry.get("version", 0)),
        "fingerprint": str(entry.get("fingerprint", "")),
        "previous_custodian": str(entry.get("previous_custodian", "")),
        "custodian": str(entry.get("custodian", "")),
        "by_user": by_user or str(entry.get("by", "")),
        "hosts_done": host_list(hosts_done),
        "hosts_pending": host_list(hosts_pending),
    }


def write_rows(store: Store, run_uuid: str, rows: list[dict[str, Any]]) -> int:
    """Append ``rows`` to the register for the run ``run_uuid`` in one transaction."""
    if not rows:
        return 0
    if TABLE not in store.tables():
        raise StoreError("the results store %s has no table %s (schema too old)" % (store.location.display, TABLE))
    run = store.run(run_uuid)
    if run is None:
        raise StoreError("run %s is not in the results store %s" % (run_uuid, store.location.display))
    host = socket.gethostname()
    recorded = now_text()
    sql = store.sql(
        "INSERT INTO %s (run_id, host, %s, recorded_at) VALUES (?, ?, %s, ?)"
        % (TABLE, ", ".join(COLUMNS), ", ".join("?" * len(COLUMNS)))
    )
    conn = store.connection
    cur = conn.cursor()
    try:
        if store.kind == "sqlite":
            cur.execute("BEGIN IMMEDIATE")  # the store's SQLite connection is in autocommit mode
        for row in rows:
            cur.execute(sql, (run["id"], host, *(row[c] for c in COLUMNS), recorded))
        conn.commit() if store.kind == "postgresql" else cur.execute("COMMIT")
    except BaseException:
        conn.rollback()
        raise
    finally:
        cur.close()
    return len(rows)


def latest_by_department(store: Store) -> dict[str, dict[str, Any]]:
    """The newest register row of each department (any run), for the audit."""
    if TABLE not in store.tables():
        return {}
    out: dict[str, dict[str, Any]] = {}
    for row in store.records(TABLE):
        out[row["department"]] = row
    return out


def who() -> str:
    """Who runs this (the login name; SUDO_USER when run through sudo)."""
    for var in ("SUDO_USER", "USER", "LOGNAME"):
        if os.environ.get(var):
            return os.environ[var]
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return str(os.getuid())


def record_read(results_store: str | None, department: str, entry: dict[str, Any], by: str, command: str) -> str:
    """A read-out (``hisops-password show`` or ``slip``): one run of its own with one ``read`` row;
    returns the run's uuid."""
    run_uuid = str(uuid.uuid4())
    with open_store(results_store or None) as store:
        store.start_run(
            {
                "uuid": run_uuid,
                "mode": "enforce",
                "user_name": by,
                "controller": socket.gethostname(),
                "playbook": "hisops-password %s %s" % (command, department),
            }
        )
        write_rows(store, run_uuid, [rotation_row(department, "read", entry, by_user=by)])
        store.finish_run(run_uuid, "ok")
    return run_uuid
