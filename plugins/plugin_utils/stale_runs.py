"""Runs left 'running' by a process that died: who owns a run, and closing abandoned ones.

A run stopped by SIGINT or SIGTERM is closed by the recorder itself (status ``interrupted``).
One killed with SIGKILL, or whose controller lost power, stays ``running`` in the store. So the
recorder writes, with each run, the controller's host name, its process id and an identity of
that process (``process_identity``: the boot and the process's start time, which a reused pid
does not share), and at the start of every recorded run and of every report
``close_stale_runs`` marks as ``interrupted`` each run still ``running`` that is abandoned:

- recorded on THIS controller with a process id: abandoned when that process is gone;
- otherwise (another controller, whose processes cannot be seen from here, or a run recorded
  before the store had these columns): abandoned when it started more than ``max_age_hours``
  ago (default 24; ``HISOPS_STALE_RUN_HOURS``; 0 or less: never by age).

An abandoned run keeps everything it recorded; its ``ended`` stays empty (when it stopped is
not known), which tells it from a run stopped by a signal.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from .store import TIME_FORMAT, Store, StoreError

MAX_AGE_ENV = "HISOPS_STALE_RUN_HOURS"
DEFAULT_MAX_AGE_HOURS = 24.0
_PROC = Path("/proc")


def max_age_hours(value: str | float | None = None) -> float:
    """The maximum age of a run of another controller, in hours: ``value``, else $HISOPS_STALE_RUN_HOURS, else 24."""
    raw = value if value not in (None, "") else os.environ.get(MAX_AGE_ENV, "")
    if raw in (None, ""):
        return DEFAULT_MAX_AGE_HOURS
    try:
        return float(raw)
    except ValueError:
        raise StoreError("%s=%r is not a number of hours (e.g. 24)" % (MAX_AGE_ENV, raw)) from None


def process_identity(pid: int) -> str:
    """``BOOT_ID:START_TICKS`` of a live process, '' when it does not exist, is a zombie or /proc
    cannot tell (not Linux)."""
    try:
        boot = (_PROC / "sys" / "kernel" / "random" / "boot_id").read_text().strip()
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return ""
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (command) ": state is field 3
    if fields[0] in ("Z", "X"):  # killed, not yet reaped by its parent
        return ""
    return "%s:%s" % (boot, fields[19])  # field 22: start time in clock ticks after boot


def run_owner() -> dict[str, Any]:
    """The columns naming this process as the owner of a run it starts recording."""
    pid = os.getpid()
    return {"controller": socket.gethostname(), "controller_pid": pid, "controller_process": process_identity(pid)}


def process_alive(pid: int, identity: str = "") -> bool:
    """Is the process that recorded ``identity`` as ``pid`` still running on this machine?"""
    if identity and process_identity(os.getpid()):  # /proc answers: compare identities
        return process_identity(pid) == identity
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def is_abandoned(run: dict[str, Any], controller: str, started_before: str | None) -> bool:
    """Is a 'running' run abandoned? (rules in the module's docstring; times are store text)."""
    if run.get("controller_pid") and run.get("controller") == controller:
        return not process_alive(int(run["controller_pid"]), run.get("controller_process") or "")
    return started_before is not None and run["started"] < started_before


def closed_message(closed: list[str], hours: str | float | None = None) -> str:
    """One line for the technician naming the runs ``close_stale_runs`` closed."""
    age = max_age_hours(hours)
    why = "their process gone" + (" or started over %g h ago" % age if age > 0 else "")
    return "marked %d abandoned run(s) interrupted (still 'running', %s): %s" % (len(closed), why, ", ".join(closed))


def close_stale_runs(store: Store, hours: str | float | None = None, now: datetime | None = None) -> list[str]:
    """Mark the abandoned runs of ``store`` as interrupted; return their uuids (oldest first)."""
    age = max_age_hours(hours)
    before = None
    if age > 0:
        before = ((now or datetime.now(UTC)) - timedelta(hours=age)).astimezone(UTC).strftime(TIME_FORMAT)
    controller = socket.gethostname()
    abandoned = [r["uuid"] for r in store.runs(status="running") if is_abandoned(r, controller, before)]
    if abandoned:
        store.close_stale_runs(uuids=abandoned)
    return abandoned
