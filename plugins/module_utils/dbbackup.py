# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Database backups (rulebook 三.5, 八.2(6)): the backup register and control HIM-8.2.6.

The engine boundary: each engine's driver turns its tool's own account of its backups into
``Backup`` entries and its repositories into ``Repository`` entries; everything after that
(the register rows, freshness per level, the second copy, the restore test, the control
record) is engine-neutral. PostgreSQL/pgBackRest is the one driver now
(``parse_pgbackrest_info``); MariaDB reads the account mariadb-backup's checkpoints come with
(``parse_mariadb_accounts``) and restic's snapshots of the second copy
(``parse_restic_snapshots``). SQL Server and Oracle add a parser each and reuse the rest.

Nothing here imports Ansible: the module and the unit tests use the same functions.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, UTC
from typing import Any

CONTROL_ID = "HIM-8.2.6-db-backup"
# The key under which a module returns the backup register rows (the recorder's table name).
REGISTER_KEY = "hisops_backup_register"
LEVELS = ("monthly", "weekly", "daily")
LEVEL_ANNOTATION = "hisops-level"
POLICY_KEYS = ("calendar", "keep", "period")


@dataclass(frozen=True)
class Repository:
    key: int
    location: str
    reachable: bool
    message: str


@dataclass(frozen=True)
class Backup:
    database: str
    repo: int
    level: str
    tool: str
    label: str
    kind: str
    start: int
    stop: int
    size: int
    size_stored: int
    error: bool = False
    engine: str = "postgresql"


@dataclass
class Evaluation:
    status: str = "pass"
    evidence: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def policy_problems(policy: Any, grace_hours: Any) -> list[str]:
    """Why a policy cannot be used (empty when it can); each problem names the field."""
    if not isinstance(policy, dict):
        return ["policy must be a mapping of monthly, weekly and daily, got %r" % (policy,)]
    problems = []
    if sorted(policy) != sorted(LEVELS):
        problems.append(
            "policy must have exactly the levels monthly, weekly, daily (got %s)" % ", ".join(map(str, policy))
        )
    for level in LEVELS:
        entry = policy.get(level)
        if not isinstance(entry, dict):
            continue
        for key in ("keep", "period"):
            try:
                ok = int(entry.get(key)) >= 1
            except (TypeError, ValueError):
                ok = False
            if not ok:
                problems.append("policy.%s.%s must be a whole number >= 1, got %r" % (level, key, entry.get(key)))
    try:
        if float(grace_hours) < 0:
            raise ValueError
    except (TypeError, ValueError):
        problems.append("grace_hours must be a number >= 0, got %r" % (grace_hours,))
    return problems


def parse_pgbackrest_info(text: str, stanza: str, locations: dict[int, str]) -> tuple[list[Repository], list[Backup]]:
    """``pgbackrest --stanza=S --output=json info`` -> repositories and backups (levels from annotations)."""
    try:
        # strict=False: a repository's error message may quote raw bytes of an unreadable file
        data = json.loads(text, strict=False)
    except ValueError as exc:
        raise ValueError("pgbackrest info did not return JSON: %s" % exc) from None
    entry = next((s for s in data if isinstance(s, dict) and s.get("name") == stanza), None)
    if entry is None:
        raise ValueError("pgbackrest info knows no stanza %r" % stanza)
    repos = [
        Repository(
            key=int(r["key"]),
            location=locations.get(int(r["key"]), "repo%d" % int(r["key"])),
            reachable=int((r.get("status") or {}).get("code", 1)) == 0,
            message=str((r.get("status") or {}).get("message", "")),
        )
        for r in entry.get("repo") or []
    ]
    backups = []
    for b in entry.get("backup") or []:
        level = (b.get("annotation") or {}).get(LEVEL_ANNOTATION, "")
        info = b.get("info") or {}
        backups.append(
            Backup(
                database=stanza,
                repo=int((b.get("database") or {}).get("repo-key", 1)),
                level=level if level in LEVELS else "",
                tool="pgbackrest",
                label=str(b["label"]),
                kind=str(b.get("type", "")),
                start=int(b["timestamp"]["start"]),
                stop=int(b["timestamp"]["stop"]),
                size=int(info.get("size", 0)),
                size_stored=int((info.get("repository") or {}).get("delta", 0)),
                error=bool(b.get("error", False)),
            )
        )
    return repos, backups


def iso(epoch: int | float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def register_rows(
    host: str,
    backups: list[Backup],
    repos: list[Repository],
    media: dict[int, str],
    custodian: str,
    verifications: list[dict[str, Any]],
    policy: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The backup register (备份登记): one row per backup copy, newest first. With the policy,
    each row says how many of its level are kept and when, on schedule, it is expected to expire
    (the tool removes it when KEEP newer backups of its level exist: about KEEP x period later)."""
    where = {r.key: r.location for r in repos}
    verified = {(int(v["repo"]), str(v["label"])): v for v in verifications}
    rows = []
    for b in sorted(backups, key=lambda b: (b.stop, b.repo), reverse=True):
        v = verified.get((b.repo, b.label))
        rows.append(
            {
                **{k: v2 for k, v2 in asdict(b).items() if k not in ("start", "stop")},
                "host": host,
                "start": iso(b.start),
                "stop": iso(b.stop),
                "location": where.get(b.repo, "repo%d" % b.repo),
                "medium": media.get(b.repo, ""),
                "custodian": custodian,
                "verified_at": v["verified_at"] if v else "",
                "verified_ok": bool(v["ok"]) if v else None,
                **retention(b, policy),
            }
        )
    return rows


def retention(b: Backup, policy: dict[str, Any] | None) -> dict[str, str]:
    """The retention of a backup's level and its expected expiry (empty when unknown)."""
    entry = (policy or {}).get(b.level)
    if not isinstance(entry, dict):
        return {"retention": "", "expires": ""}
    keep, period = int(entry["keep"]), int(entry["period"])
    return {
        "retention": "%d %s" % (keep, b.level),
        "expires": iso(b.stop + keep * period * 86400),
    }


def parse_mariadb_accounts(accounts: list[dict[str, Any]], database: str) -> list[Backup]:
    """The backups of repository 1 (the server's backup directory): each backup's own account
    (hisops.json, written only once mariadb-backup and its checkpoints file are complete); an
    account whose ``checkpoints`` key is false (the file is missing) is flagged as an error."""
    found = []
    for a in accounts:
        level = str(a.get("level", ""))
        found.append(
            Backup(
                database=database,
                repo=1,
                level=level if level in LEVELS else "",
                tool="mariadb-backup",
                label=str(a["label"]),
                kind=str(a.get("kind", "")),
                start=int(a["start"]),
                stop=int(a["stop"]),
                size=int(a.get("size", 0)),
                size_stored=int(a.get("size_stored", 0)),
                error=not a.get("checkpoints", True),
                engine="mariadb",
            )
        )
    return found


def parse_restic_snapshots(text: str, database: str, local: list[Backup]) -> list[Backup]:
    """``restic snapshots --json --tag hisops`` -> the second copies (repository 2), matched to the
    local backups by their ``label=`` tag; a snapshot without a known label is kept, unsized."""
    try:
        snapshots = json.loads(text or "[]")
    except ValueError as exc:
        raise ValueError("restic snapshots did not return JSON: %s" % exc) from None
    by_label = {b.label: b for b in local}
    found = []
    for snap in snapshots or []:
        tags = dict(t.split("=", 1) for t in snap.get("tags") or [] if "=" in t)
        label = tags.get("label", str(snap.get("short_id", "")))
        level = tags.get("level", "")
        twin = by_label.get(label)
        stop = parse_time(str(snap.get("time", "")))
        found.append(
            Backup(
                database=database,
                repo=2,
                level=level if level in LEVELS else "",
                tool="restic",
                label=label,
                kind=twin.kind if twin else "",
                start=twin.start if twin else stop,
                stop=stop,
                size=twin.size if twin else 0,
                size_stored=int((snap.get("summary") or {}).get("data_added_packed", 0))
                or (twin.size_stored if twin else 0),
                engine="mariadb",
            )
        )
    return found


def parse_time(text: str) -> int:
    """restic's RFC 3339 time (nanoseconds, offset) -> epoch seconds."""
    parts = text.partition(".")
    head, rest = parts[0], parts[2]
    offset = ""
    for sign in ("+", "-", "Z"):
        if sign in rest:
            offset = rest[rest.index(sign) :]
            break
    stamp = head + (offset if offset != "Z" else "+00:00") if offset else head
    try:
        return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())
    except ValueError:
        raise ValueError("restic snapshot time %r is not RFC 3339" % text) from None


def evaluate(
    backups: list[Backup],
    repos: list[Repository],
    verifications: list[dict[str, Any]],
    policy: dict[str, Any],
    grace_hours: float,
    now: float,
    database_up: bool,
    checks: list[dict[str, Any]] | None = None,
    copies: int = 2,
) -> Evaluation:
    """Control HIM-8.2.6 from the evidence: service up, ``copies`` repositories (the second copy
    of the media), fresh backups per level in every repository, second copy not older than the
    first, last restore test of each level passed, and the tools' own repository checks
    (``checks``: pgbackrest verify, restic check) without errors."""
    ev = Evaluation()
    if len(repos) < copies:
        ev.problems.append("%d of %d copies of the media: no second repository is configured" % (len(repos), copies))
    for check in checks or []:
        ev.evidence.append("repo%s check: %s" % (check.get("repo"), check.get("message", "")))
        if not check.get("verify_ok"):
            ev.problems.append("repo%s check found a problem: %s" % (check.get("repo"), check.get("message", "")))
    ev.evidence.append(
        "database service %s" % ("accepting connections" if database_up else "NOT accepting connections")
    )
    if not database_up:
        ev.problems.append("the database service is not accepting connections")
    for repo in repos:
        ev.evidence.append(
            "repo%d (%s): %s" % (repo.key, repo.location, "reachable" if repo.reachable else repo.message)
        )
        if not repo.reachable:
            ev.problems.append("repository %d (%s) not usable: %s" % (repo.key, repo.location, repo.message))
    for b in backups:
        if b.error:
            ev.problems.append(
                "%s backup %s in repo%d is flagged with errors by %s" % (b.database, b.label, b.repo, b.tool)
            )
    good = [b for b in backups if not b.error and b.level]
    for level in LEVELS:
        limit = float(policy[level]["period"]) * 86400 + grace_hours * 3600
        newest_per_repo = {}
        for repo in repos:
            mine = [b for b in good if b.level == level and b.repo == repo.key]
            newest_per_repo[repo.key] = max(mine, key=lambda b: b.stop) if mine else None
        for key, b in newest_per_repo.items():
            if b is None:
                ev.problems.append("no %s backup in repo%d" % (level, key))
                continue
            age_h = (now - b.stop) / 3600
            ev.evidence.append("%s %s in repo%d: %s, %.1f h old" % (b.database, level, key, b.label, age_h))
            if now - b.stop > limit:
                ev.problems.append(
                    "%s %s backup in repo%d is %.1f h old (period %s d + %g h grace)"
                    % (b.database, level, key, age_h, policy[level]["period"], grace_hours)
                )
        first = newest_per_repo.get(1)
        for key, b in newest_per_repo.items():
            if key != 1 and first is not None and b is not None and b.stop < first.stop:
                ev.problems.append("second copy of the %s backup in repo%d is older than repo1's" % (level, key))
        tests = [v for v in verifications if v.get("level") == level]
        if not tests:
            ev.problems.append("no restore test of a %s backup" % level)
        for v in tests:
            ev.evidence.append(
                "restore test repo%s %s %s at %s: %s"
                % (v["repo"], level, v["label"], v["verified_at"], "OK" if v["ok"] else "FAILED")
            )
            if not v["ok"]:
                ev.problems.append("restore test of %s %s in repo%s failed" % (level, v["label"], v["repo"]))
    if ev.problems:
        ev.status = "fail"
    return ev
