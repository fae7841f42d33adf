"""When an existing SQLite store needs the whole-file damage check (``PRAGMA quick_check``).

The whole-file check reads every page: 13 s of CPU on a 3 GiB store (a year of daily runs of 1,000
hosts), paid by the recorder at every run and by every task that opens the store in it. What damages
a file is outside SQLite: a disk error, a copy taken mid-write or restored over it, a truncation, a
process killed while its changes were not yet in the main file. So the check runs in full only when
the file may have met one of them since it was last checked:

- the last connection that closed the store cleanly (no ``-wal`` file left: SQLite folded it into the
  main file and removed it) writes a marker beside it, ``<store>-hisops-clean``: the main file's
  identity (device, inode, size, modification time in ns) and when the whole file was last checked;
- an open checks the whole file when there is no marker, when the file is not the one the marker
  names (replaced, truncated, written by anything that did not close cleanly), when a ``-wal`` file
  with content is there (a writer killed, or one still writing that did not check the file itself),
  or when the whole-file check is older than ``FULL_CHECK_DAYS`` (a disk error in place changes no
  identity: found within that many days, or as soon as SQLite reads the damaged page);
- the recorder, once it checked the file (or found the marker valid), exports ``VERIFIED_ENV`` with
  the file's device and inode: the tasks of its run (processes it starts) open the store the
  recorder checked without checking it again.

Otherwise an open checks only the small ``runs`` table and the tables its caller names (``PRAGMA
quick_check(TABLE)``). A connection that did not check the file itself (a report's partial check
with no valid marker) writes no marker when it closes.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
from pathlib import Path
from typing import Any

MARKER_SUFFIX = "-hisops-clean"
VERIFIED_ENV = "HISOPS_STORE_VERIFIED"
FULL_CHECK_DAYS = 7
SMOKE_TABLES = ("runs",)
# path (as given) -> (when its whole file was last checked, ISO UTC; its device and inode then), for the
# files this process verified: a file put in its place since is not vouched for
VERIFIED: dict[str, tuple[str, int, int]] = {}


def identity(path: str) -> list[int] | None:
    """The main file's device, inode, size and modification time (ns); None when it is not a file."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _read_marker(path: str) -> dict[str, Any]:
    try:
        marker = json.loads(Path(path + MARKER_SUFFIX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return marker if isinstance(marker, dict) else {}


def _recent(checked_at: Any, now: datetime.datetime) -> bool:
    try:
        at = datetime.datetime.fromisoformat(str(checked_at))
    except ValueError:
        return False
    return at.tzinfo is not None and datetime.timedelta(0) <= now - at <= datetime.timedelta(days=FULL_CHECK_DAYS)


def _wal_in_use(path: str) -> bool:
    try:
        return os.path.getsize(path + "-wal") > 0
    except OSError:
        return False


def last_full_check(path: str, now: datetime.datetime | None = None) -> str | None:
    """When the whole file was last checked, if that still vouches for it now (else None: check it)."""
    now = now or _now()
    ident = identity(path)
    if ident is None:
        return None
    inherited = os.environ.get(VERIFIED_ENV, "").split("|")
    if (
        len(inherited) == 3
        and inherited[0] != str(os.getpid())
        and inherited[1] == "%d:%d" % (ident[0], ident[1])
        and _recent(inherited[2], now)
    ):
        return inherited[2]  # the process that started this one (the run's recorder) checked this very file
    if _wal_in_use(path):
        return None
    marker = _read_marker(path)
    if marker.get("identity") != ident or not _recent(marker.get("full_check"), now):
        return None
    return str(marker["full_check"])


def verified(path: str, full_check: str | None = None) -> None:
    """This process checked the file (``full_check`` None: in full, now) or found it vouched for."""
    at = full_check or _now().isoformat()
    ident = identity(path)
    if ident is not None:
        VERIFIED[path] = (at, ident[0], ident[1])


def share_with_tasks(path: str) -> None:
    """The recorder: let the tasks of its run (the processes it starts) open the file it checked
    without checking it again (``VERIFIED_ENV``). Nothing else exports it: a process that checked
    a file long before its children run must not vouch for it."""
    seen = VERIFIED.get(path)
    if seen is not None:
        os.environ[VERIFIED_ENV] = "%d|%d:%d|%s" % (os.getpid(), seen[1], seen[2], seen[0])


def closed(path: str) -> None:
    """After a connection closed: the last one out (no -wal left) of a verified file writes the marker."""
    seen = VERIFIED.get(path)
    ident = identity(path)
    if seen is None or ident is None or seen[1:] != (ident[0], ident[1]) or os.path.exists(path + "-wal"):
        return
    at = seen[0]
    marker = Path(path + MARKER_SUFFIX)
    temp = marker.with_name(marker.name + ".%d" % os.getpid())
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"identity": ident, "full_check": at}, out)
        os.replace(temp, marker)
    except OSError:  # a read-only directory: the next open checks the whole file, as before
        with contextlib.suppress(OSError):
            temp.unlink()
