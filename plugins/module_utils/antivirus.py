# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ClamAV on a Linux workstation: settings validation, state parsing and the HIM-7.7 verdict.

Pure functions (parsers, the verdict) and one ``Reader`` that reads the host's files below a
root directory and runs its commands through a runner, so the unit tests run the same code on
a planted directory tree with canned command output.

The settings mapping (built by the ``antivirus`` role from ``hisops_antivirus_*`` variables)::

    mirror_url: http://nc-01            # the hospital's signature mirror, the ONLY source
    official_databases: []              # main, daily, bytecode: fetched via PrivateMirror when listed
    custom_databases: [hospital.hdb]    # the hospital's own, fetched via DatabaseCustomURL
    max_age_hours: 48                   # signatures older than this fail the control
    scan_max_age_hours: 26              # the last scheduled scan may be this old
    checks_per_day: 24                  # freshclam's update checks
    quarantine_dir: /var/lib/hisops/clamav-quarantine
    scan_log: /var/log/hisops/clamav-scan.log
    quick_scan: {time: "12:30", paths: [/home], exclude: []}
    full_scan: {weekday: Sat, time: "13:00", paths: [/], exclude: [/proc, /sys, /dev, /run]}
    onaccess: false                     # clamonacc must run (opt-in per department)
    platform: linux                     # windows: Defender, from windows_update_source (share | wsus)
    windows_update_source: share        # and windows_share, a UNC path
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from collections.abc import Callable, Collection
from typing import Any

TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
UNC = re.compile(r"^\\\\[^\\/\s]+\\[^\\/]+")
URL = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+(/[A-Za-z0-9._~%/\-]*)?$")
DB_TYPES = ("hdb", "hsb", "hdu", "hsu", "mdb", "msb", "ndb", "ndu", "ldb", "ldu", "cdb", "idb", "fp", "sfp", "ign2")
DB_TYPES += ("ftm", "pdb", "wdb", "yar", "yara", "cvd", "cld", "cud")
DB_NAME = re.compile(r"^[A-Za-z0-9_\-]+\.(%s)$" % "|".join(DB_TYPES))
OFFICIAL = ("main", "daily", "bytecode")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DB_EXTENSIONS = tuple("." + t for t in DB_TYPES)
PACKAGES = ("clamav", "clamav-daemon", "clamav-freshclam", "clamdscan")
CLAMD_UNIT = "clamav-daemon.service"
STATE_KEY = "antivirus"  # the module's result key of the facts its verdict is made of (the recorder stores them)
FRESHCLAM_UNIT = "clamav-freshclam.service"
ONACCESS_UNIT = "clamav-clamonacc.service"
# freshclam.conf keys that may appear several times
MULTI_KEYS = frozenset(("DatabaseMirror", "PrivateMirror", "DatabaseCustomURL", "ExcludeDatabase", "ExtraDatabase"))
# keys that name a signature source: the mirror-only check compares exactly these
SOURCE_KEYS = ("DatabaseMirror", "PrivateMirror", "DatabaseCustomURL", "ExcludeDatabase", "ExtraDatabase")
LOG_TIME = "%a %b %d %H:%M:%S %Y"
SETTINGS_DEFAULTS: dict[str, Any] = {
    "mirror_url": "",
    "official_databases": [],
    "custom_databases": ["hospital.hdb"],
    "max_age_hours": 48,
    "scan_max_age_hours": 26,
    "checks_per_day": 24,
    "quarantine_dir": "/var/lib/hisops/clamav-quarantine",
    "scan_log": "/var/log/hisops/clamav-scan.log",
    "quick_scan": {"time": "12:30", "paths": ["/home"], "exclude": []},
    "full_scan": {"weekday": "Sat", "time": "13:00", "paths": ["/"], "exclude": []},
    "onaccess": False,
    "platform": "linux",
    "windows_update_source": "share",
    "windows_share": "",
}


# ---- settings ------------------------------------------------------------------------------


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _abs_paths_problems(host: str, var: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        return ["host %s: %s must be a non-empty list of absolute paths" % (host, var)]
    return [
        "host %s: %s[%d] = %r is not an absolute path" % (host, var, i, p)
        for i, p in enumerate(value)
        if not isinstance(p, str) or not p.startswith("/") or "\n" in p
    ]


def _scan_problems(host: str, name: str, scan: Any, weekly: bool) -> list[str]:
    var = "hisops_antivirus_%s" % name
    if not isinstance(scan, dict):
        return ["host %s: %s must be a mapping (time, paths, exclude)" % (host, var)]
    problems = []
    if not isinstance(scan.get("time"), str) or not TIME.match(scan["time"]):
        problems.append("host %s: %s.time = %r must be HH:MM (24 h)" % (host, var, scan.get("time")))
    if weekly and scan.get("weekday") not in WEEKDAYS:
        problems.append(
            "host %s: %s.weekday = %r must be one of %s" % (host, var, scan.get("weekday"), ", ".join(WEEKDAYS))
        )
    problems += _abs_paths_problems(host, var + ".paths", scan.get("paths"))
    exclude = scan.get("exclude", [])
    if exclude:
        problems += _abs_paths_problems(host, var + ".exclude", exclude)
    elif not isinstance(exclude, list):
        problems.append("host %s: %s.exclude must be a list of absolute path globs" % (host, var))
    return problems


def _windows_problems(host: str, s: dict[str, Any]) -> list[str]:
    if s["windows_update_source"] not in ("share", "wsus"):
        return [
            "host %s: hisops_antivirus_windows_update_source = %r must be share or wsus"
            % (host, s["windows_update_source"])
        ]
    share = s["windows_share"]
    if (
        s["platform"] == "windows"
        and s["windows_update_source"] == "share"
        and not (isinstance(share, str) and UNC.match(share))
    ):
        return ["host %s: hisops_antivirus_windows_share = %r must be a UNC path (\\\\server\\share)" % (host, share)]
    return []


def settings_problems(host: str, settings: Any) -> list[str]:
    """Everything wrong with one host's antivirus settings, each line naming the variable."""
    if not isinstance(settings, dict):
        return ["host %s: the antivirus settings must be a mapping" % host]
    s = {**SETTINGS_DEFAULTS, **settings}
    problems = []
    if not isinstance(s["mirror_url"], str) or not URL.match(s["mirror_url"]):
        problems.append(
            "host %s: hisops_antivirus_mirror_url = %r must be an http:// or https:// URL of the hospital's "
            "signature mirror" % (host, s["mirror_url"])
        )
    for key in ("max_age_hours", "scan_max_age_hours"):
        if not _positive(s[key]):
            problems.append("host %s: hisops_antivirus_%s = %r must be a number above 0" % (host, key, s[key]))
    checks = s["checks_per_day"]
    if not isinstance(checks, int) or isinstance(checks, bool) or not 1 <= checks <= 50:
        problems.append("host %s: hisops_antivirus_checks_per_day = %r must be 1..50" % (host, checks))
    official = s["official_databases"]
    if not isinstance(official, list) or any(d not in OFFICIAL for d in official):
        problems.append(
            "host %s: hisops_antivirus_official_databases = %r must list only %s"
            % (host, official, ", ".join(OFFICIAL))
        )
    custom = s["custom_databases"]
    if not isinstance(custom, list) or any(not isinstance(d, str) or not DB_NAME.match(d) for d in custom):
        problems.append(
            "host %s: hisops_antivirus_custom_databases = %r must list ClamAV database file names "
            "(for example hospital.hdb)" % (host, custom)
        )
    elif not custom and not official:
        problems.append(
            "host %s: hisops_antivirus_official_databases and hisops_antivirus_custom_databases are both empty: "
            "there would be no signatures" % host
        )
    for key in ("quarantine_dir", "scan_log"):
        value = s[key]
        if not isinstance(value, str) or not value.startswith("/") or value.rstrip("/") in ("", "/tmp", "/home"):
            problems.append(
                "host %s: hisops_antivirus_%s = %r must be an absolute path (not / or /tmp)" % (host, key, value)
            )
    if not isinstance(s["onaccess"], bool):
        problems.append("host %s: hisops_antivirus_onaccess = %r must be true or false" % (host, s["onaccess"]))
    problems += _windows_problems(host, s)
    problems += _scan_problems(host, "quick_scan", s["quick_scan"], False)
    problems += _scan_problems(host, "full_scan", s["full_scan"], True)
    return problems


# ---- freshclam.conf --------------------------------------------------------------------------


def parse_freshclam_conf(text: str) -> dict[str, list[str]]:
    """``Key value`` lines as {key: [values]} (every key a list; comments and blanks ignored)."""
    conf: dict[str, list[str]] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _sep, value = line.partition(" ")
        conf.setdefault(key, []).append(value.strip())
    return conf


def render_freshclam_conf(settings: dict[str, Any], database_dir: str, log_file: str) -> str:
    """The freshclam.conf that fetches ONLY from the hospital's mirror."""
    s = {**SETTINGS_DEFAULTS, **settings}
    mirror = s["mirror_url"].rstrip("/")
    lines = [
        "# Managed by hisops (HIM-7.7-antivirus): signatures come only from the hospital's mirror.",
        "DatabaseOwner clamav",
        "DatabaseDirectory %s" % database_dir,
        "UpdateLogFile %s" % log_file,
        "LogTime true",
        "LogVerbose false",
        "LogRotate true",
        "Foreground false",
        "MaxAttempts 3",
        "ConnectTimeout 30",
        "ReceiveTimeout 300",
        "TestDatabases yes",
        "ScriptedUpdates no",
        "Bytecode %s" % ("true" if "bytecode" in s["official_databases"] else "false"),
        "NotifyClamd /etc/clamav/clamd.conf",
        "Checks %d" % s["checks_per_day"],
        "PrivateMirror %s" % mirror,
    ]
    lines += ["ExcludeDatabase %s" % d for d in OFFICIAL if d not in s["official_databases"]]
    lines += ["DatabaseCustomURL %s/%s" % (mirror, d) for d in s["custom_databases"]]
    return "\n".join(lines) + "\n"


def source_differences(actual: dict[str, list[str]], expected: dict[str, list[str]]) -> list[str]:
    """How the configured signature sources differ from the mirror-only ones (empty = mirror-only)."""
    out = []
    for key in SOURCE_KEYS:
        have, want = set(actual.get(key, [])), set(expected.get(key, []))
        out += ["freshclam.conf: unexpected %s %s" % (key, v) for v in sorted(have - want)]
        out += ["freshclam.conf: missing %s %s" % (key, v) for v in sorted(want - have)]
    return out


# ---- databases -------------------------------------------------------------------------------


@dataclass
class Database:
    name: str
    version: str
    build_time: float  # epoch seconds (CVD header, else the file's modification time)
    signatures: int | None


def parse_cvd_header(header: bytes) -> tuple[str, float, int] | None:
    """(version, build time, signatures) from a CVD/CLD header, None when it is not one.

    Header: ``ClamAV-VDB:build date:version:signatures:flevel:md5:dsig:builder:build time``.
    """
    text = header[:512].decode("ascii", "replace").rstrip("\x00 ")
    fields = text.split(":")
    if len(fields) < 9 or fields[0] != "ClamAV-VDB":
        return None
    try:
        return fields[2], float(fields[8].split()[0]), int(fields[3])
    except (ValueError, IndexError):
        return None


# ---- freshclam.log and the scan log ----------------------------------------------------------


@dataclass
class FreshclamState:
    last_run: float | None = None
    last_ok: float | None = None
    last_errors: list[str] = field(default_factory=list)


def _log_time(line: str) -> float | None:
    """The time of a ``LogTime true`` line: freshclam writes the host's local time (ctime)."""
    stamp = line.split(" -> ", 1)[0].strip()
    try:
        return time.mktime(time.strptime(stamp, LOG_TIME))
    except (ValueError, OverflowError):
        return None


RUN_START = "ClamAV update process started at"
# the separator every freshclam process writes when it opens the log, and the daemon after each run
RUN_END = "-" * 38
RUN_FAILED = " -> ERROR: Update failed."  # the last line of a failed run (one-shot or daemon)
TERMINATED = "Update process terminated"  # SIGTERM/SIGINT: the daemon stopped, or a run cut short
DB_CURRENT = re.compile(r" -> (?P<name>[A-Za-z0-9_\-]+)\.[a-z0-9]+(?: database)? (?:is up-to-date|updated \()")


@dataclass
class UpdateRun:
    start: float | None
    errors: list[str] = field(default_factory=list)
    current: set[str] = field(default_factory=set)  # databases reported current in this run


def parse_freshclam_log(text: str, databases: Collection[str] = ()) -> FreshclamState:
    """The last finished update run of freshclam.log (LogTime true) and the last one without an error.

    A run is over at ``Update failed.`` (its last line when it fails), at a separator (the daemon
    writes one after each run, and every freshclam process one when it starts: that closes a
    one-shot ``freshclam`` run, which writes none), or, at the end of the log, once every database
    in ``databases`` (names without extension) was reported current in it (a one-shot run by hand
    or by cron with nothing after it). A run stopped before it finished (``Update process
    terminated``) and a run still in progress (the daemon retrying a mirror it cannot reach, 5 s
    between attempts, with warnings only) say nothing: neither a success nor a failure.
    """
    state = FreshclamState()
    run: UpdateRun | None = None

    def close(finished: UpdateRun) -> None:
        state.last_run, state.last_errors = finished.start, finished.errors[-3:]
        if not finished.errors:
            state.last_ok = finished.start

    for line in text.splitlines():
        current = DB_CURRENT.search(line)
        if RUN_START in line:
            run = UpdateRun(_log_time(line))
        elif TERMINATED in line:
            run = None
        elif run is None:
            continue
        elif line.rstrip().endswith(RUN_END):
            close(run)
            run = None
        elif " -> ERROR: " in line:
            run.errors.append(line.split(" -> ERROR: ", 1)[1].strip())
            if line.rstrip().endswith(RUN_FAILED):
                close(run)
                run = None
        elif current:
            run.current.add(current.group("name"))
    if run is not None and not run.errors and databases and set(databases) <= run.current:
        close(run)
    return state


@dataclass
class ScanState:
    kind: str = ""
    start: float | None = None
    end: float | None = None
    rc: int | None = None
    found: list[str] = field(default_factory=list)  # "path: signature"
    unhandled: list[str] = field(default_factory=list)  # found, not moved to quarantine


def _fields(line: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)


def parse_scan_log(text: str) -> ScanState | None:
    """The last complete scan of the hisops scan log (None when no scan has finished).

    The scan script writes ``HISOPS-SCAN-START kind=K time=EPOCH``, clamdscan's output
    (``PATH: SIG FOUND``, ``PATH: moved to 'DEST'``) and ``HISOPS-SCAN-END ... rc=N``.
    """
    last: ScanState | None = None
    current: ScanState | None = None
    moved: set[str] = set()
    for line in text.splitlines():
        if line.startswith("HISOPS-SCAN-START"):
            f = _fields(line)
            current, moved = ScanState(kind=f.get("kind", ""), start=_float(f.get("time"))), set()
        elif current is None:
            continue
        elif line.startswith("HISOPS-SCAN-END"):
            f = _fields(line)
            current.end, current.rc = _float(f.get("time")), _int(f.get("rc"))
            current.unhandled = [d for d in current.found if d.rsplit(": ", 1)[0] not in moved]
            last, current = current, None
        elif line.endswith(" FOUND") and ": " in line:
            current.found.append(line[: -len(" FOUND")])
        elif ": moved to " in line:
            moved.add(line.split(": moved to ", 1)[0])
    return last


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


# ---- the host ----------------------------------------------------------------------------------


class Reader:
    """Reads the host's files (below ``root``) and runs commands through ``runner``."""

    def __init__(self, runner: Callable[[list[str]], tuple[int, str, str]], root: str = "/") -> None:
        self.runner = runner
        self.root = root

    def path(self, path: str) -> str:
        return os.path.join(self.root, path.lstrip("/"))

    def read(self, path: str) -> str | None:
        try:
            with open(self.path(path), encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except FileNotFoundError:
            return None

    def packages(self) -> dict[str, str]:
        """Installed versions of the ClamAV packages (absent ones left out)."""
        _rc, out, _err = self.runner(
            ["dpkg-query", "-W", "-f", "${Package} ${db:Status-Status} ${Version}\n", *PACKAGES]
        )
        found = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] == "installed":
                found[parts[0]] = parts[2]
        return found

    def units(self, units: list[str]) -> dict[str, dict[str, str]]:
        """systemd's LoadState, ActiveState, SubState and ConditionResult of each unit."""
        props = "Id,LoadState,ActiveState,SubState,ConditionResult"
        _rc, out, _err = self.runner(["systemctl", "show", "-p", props, *units])
        states: dict[str, dict[str, str]] = {}
        for block in out.strip().split("\n\n"):
            kv = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
            if kv.get("Id"):
                states[kv["Id"]] = kv
        return states

    def databases(self, database_dir: str) -> list[Database]:
        directory = self.path(database_dir)
        found = []
        for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
            full = os.path.join(directory, name)
            if not name.endswith(DB_EXTENSIONS) or not os.path.isfile(full):
                continue
            with open(full, "rb") as handle:
                header = parse_cvd_header(handle.read(512))
            if header:
                found.append(Database(name, header[0], header[1], header[2]))
            else:
                found.append(Database(name, "custom", os.path.getmtime(full), None))
        return found

    def listdir(self, path: str) -> list[str]:
        full = self.path(path)
        return sorted(os.listdir(full)) if os.path.isdir(full) else []


def settings_of(values: dict[str, Any] | None) -> dict[str, Any]:
    """The settings with the defaults for every key missing or None (a variable not set)."""
    return {**SETTINGS_DEFAULTS, **{k: v for k, v in (values or {}).items() if v is not None}}


def set_values(values: dict[str, Any] | None) -> dict[str, Any]:
    """The settings a site set (keys whose value is None are not set): what ``settings_problems`` checks."""
    return {k: v for k, v in (values or {}).items() if v is not None}


def update_databases(settings: dict[str, Any]) -> list[str]:
    """The databases (names without extension) an update run must report current to be a success."""
    custom = [os.path.splitext(name)[0] for name in settings["custom_databases"]]
    return custom + list(settings["official_databases"])


def read_state(reader: Reader, settings: dict[str, Any], paths: dict[str, str]) -> State:
    """Everything the verdict needs, read from the host: ``paths`` has ``database_dir``,
    ``freshclam_conf`` and ``freshclam_log``. Reads files and runs dpkg-query, systemctl show and
    clamd --version; changes nothing."""
    conf = reader.read(paths["freshclam_conf"]) or ""
    expected = render_freshclam_conf(settings, paths["database_dir"], paths["freshclam_log"])
    rc, out, _err = reader.runner(["clamd", "--version"])
    return State(
        packages=reader.packages(),
        units=reader.units([CLAMD_UNIT, FRESHCLAM_UNIT, ONACCESS_UNIT]),
        conf_differences=source_differences(parse_freshclam_conf(conf), parse_freshclam_conf(expected)),
        databases=reader.databases(paths["database_dir"]),
        freshclam=parse_freshclam_log(reader.read(paths["freshclam_log"]) or "", update_databases(settings)),
        scan=parse_scan_log(reader.read(settings["scan_log"]) or ""),
        quarantined=reader.listdir(settings["quarantine_dir"]),
        engine=out.strip().split("/")[0] if rc == 0 else "",
    )


# ---- the verdict -----------------------------------------------------------------------------


@dataclass
class State:
    packages: dict[str, str]
    units: dict[str, dict[str, str]]
    conf_differences: list[str]
    databases: list[Database]
    freshclam: FreshclamState
    scan: ScanState | None
    quarantined: list[str]
    engine: str = ""


@dataclass
class Verdict:
    evidence: list[str]
    problems: list[str]  # each one fails the control
    signature_age_hours: float | None
    needs: set[str]  # what enforcement would do: config, update, clamd, freshclam, onaccess, scan
    detections: int = 0  # found by the last scan


def _hours(seconds: float) -> float:
    return round(seconds / 3600.0, 2)


def _stamp(epoch: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch)) if epoch else "never"


def unit_running(state: dict[str, str] | None) -> tuple[bool, str]:
    """(running, description): a unit systemd skipped on a failed condition is NOT running."""
    if not state or state.get("LoadState") == "not-found":
        return False, "not installed"
    active, sub = state.get("ActiveState", "?"), state.get("SubState", "?")
    if active == "active":
        return True, "%s (%s)" % (active, sub)
    if state.get("ConditionResult") == "no":
        return False, "%s: skipped by systemd, a start condition failed (no databases?)" % active
    return False, "%s (%s)" % (active, sub)


def signature_age(settings: dict[str, Any], state: State, now: float) -> tuple[float | None, str]:
    """Hours since the signatures were known current (not rounded: the limit is compared with it), and how
    that was measured.

    Official databases carry their build time: the age is that of the newest daily (or main).
    The hospital's own databases have none: their age is the time since freshclam last
    confirmed them against the mirror (its last update run without an error).
    """
    by_stem = {os.path.splitext(d.name)[0]: d for d in state.databases}
    for stem in ("daily", "main"):
        if stem in settings["official_databases"] and stem in by_stem:
            return (now - by_stem[stem].build_time) / 3600.0, "build time of %s" % by_stem[stem].name
    if settings["official_databases"]:
        return None, "official database missing"
    if state.freshclam.last_ok is None:
        return None, "freshclam never updated from the mirror"
    return (now - state.freshclam.last_ok) / 3600.0, "last successful freshclam update"


def verdict(settings: dict[str, Any], state: State, now: float) -> Verdict:
    """The HIM-7.7-antivirus evidence and the problems that fail it."""
    s = {**SETTINGS_DEFAULTS, **settings}
    evidence = ["engine: %s" % (state.engine or "unknown")]
    problems: list[str] = []
    needs: set[str] = set()
    missing = [p for p in PACKAGES if p not in state.packages]
    if missing:
        problems.append("packages not installed: %s" % ", ".join(missing))
    units = [(CLAMD_UNIT, "clamd"), (FRESHCLAM_UNIT, "freshclam")] + (
        [(ONACCESS_UNIT, "onaccess")] if s["onaccess"] else []
    )
    for unit, need in units:
        running, desc = unit_running(state.units.get(unit))
        evidence.append("%s: %s" % (unit, desc))
        if not running:
            problems.append("%s is not running (%s)" % (unit, desc))
            needs.add(need)
    if state.conf_differences:
        problems += state.conf_differences
        needs.update(("config", "update"))
    for db in state.databases:
        sigs = "" if db.signatures is None else ", %d signatures" % db.signatures
        when = ("built %s" if db.signatures is not None else "fetched %s") % _stamp(db.build_time)
        evidence.append("database %s: version %s, %s%s" % (db.name, db.version, when, sigs))
    names = {d.name for d in state.databases}
    stems = {os.path.splitext(n)[0] for n in names}
    absent = [d for d in s["custom_databases"] if d not in names] + [
        d for d in s["official_databases"] if d not in stems
    ]
    if absent:
        problems.append("databases missing: %s" % ", ".join(absent))
        needs.add("update")
    fc = state.freshclam
    evidence.append(
        "freshclam: last run %s %s, last success %s"
        % (_stamp(fc.last_run), "failed: " + "; ".join(fc.last_errors) if fc.last_errors else "ok", _stamp(fc.last_ok))
    )
    age, basis = signature_age(s, state, now)
    shown = None if age is None else round(age, 2)  # rounded only to be read: 0.004 h is still past 0.0001 h
    evidence.append(
        "signature age: %s h (%s), limit %s h" % ("unknown" if age is None else shown, basis, s["max_age_hours"])
    )
    if age is None or age > s["max_age_hours"]:
        problems.append(
            "signatures %s (limit %s h)" % ("of unknown age" if age is None else "%s h old" % shown, s["max_age_hours"])
        )
        needs.add("update")
    _scan_verdict(s, state, now, evidence, problems, needs)
    return Verdict(evidence, problems, shown, needs, len(state.scan.found) if state.scan else 0)


def _scan_verdict(
    s: dict[str, Any], state: State, now: float, evidence: list[str], problems: list[str], needs: set[str]
) -> None:
    scan = state.scan
    if scan is None or scan.end is None:
        evidence.append("last scan: none finished")
        problems.append("no scan has finished")
        needs.add("scan")
    else:
        result = {0: "clean", 1: "detections"}.get(scan.rc or 0, "error (rc=%s)" % scan.rc)
        evidence.append(
            "last scan (%s): %s, %s, %d detection(s)" % (scan.kind, _stamp(scan.end), result, len(scan.found))
        )
        evidence += ["detected: %s" % d for d in scan.found]
        if now - scan.end > s["scan_max_age_hours"] * 3600:
            problems.append("last scan is %s h old (limit %s h)" % (_hours(now - scan.end), s["scan_max_age_hours"]))
            needs.add("scan")
        elif scan.rc not in (0, 1):
            problems.append("last scan ended with an error (rc=%s)" % scan.rc)
            needs.add("scan")
        if scan.unhandled:
            problems.append("detections not quarantined: %s" % ", ".join(scan.unhandled))
    evidence.append("quarantine %s: %d file(s)" % (s["quarantine_dir"], len(state.quarantined)))


def summary(result: Verdict) -> str:
    """The control's message: what fails it, or what a passing host looks like."""
    return "; ".join(result.problems) or "ClamAV running, signatures %s h old%s" % (
        result.signature_age_hours,
        ", %d detection(s) quarantined by the last scan" % result.detections if result.detections else "",
    )


def state_facts(settings: dict[str, Any], state: State, result: Verdict) -> dict[str, Any]:
    """The facts the verdict is made of, under ``STATE_KEY`` in a module's result: the recorder
    stores them in ``antivirus_states`` (plugin_utils.antivirus_register) for the report."""
    scan = state.scan
    return {
        "engine": state.engine,
        "protection_on": unit_running(state.units.get(CLAMD_UNIT))[0],
        "signature_age_hours": result.signature_age_hours,
        "max_age_hours": settings["max_age_hours"],
        "databases": [db.__dict__ for db in state.databases],
        "freshclam_last_ok": state.freshclam.last_ok,
        "freshclam_errors": state.freshclam.last_errors,
        "last_scan": scan.__dict__ if scan else None,
        "detections": scan.found if scan else [],
        "quarantined": len(state.quarantined),
    }
