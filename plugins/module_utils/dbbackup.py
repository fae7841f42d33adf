# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Database backups (rulebook 三.5, 八.2(6)): the backup register and control HIM-8.2.6.

The engine boundary: each engine's driver turns its tool's own account of its backups into
``Backup`` entries and its repositories into ``Repository`` entries; everything after that
(the register rows, freshness per level, the second copy, the restore test, the control
record) is engine-neutral. PostgreSQL/pgBackRest is the one driver now
(``parse_pgbackrest_info``); MariaDB (mariadb-backup + restic), SQL Server and Oracle add a
parser each and reuse the rest.

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
        data = json.loads(text)
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
) -> list[dict[str, Any]]:
    """The backup register (备份登记): one row per backup copy, newest first."""
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
            }
        )
    return rows


def evaluate(
    backups: list[Backup],
    repos: list[Repository],
    verifications: list[dict[str, Any]],
    policy: dict[str, Any],
    grace_hours: float,
    now: float,
    database_up: bool,
) -> Evaluation:
    """Control HIM-8.2.6 from the evidence: service up, fresh backups per level in every
    repository, second copy not older than the first, last restore test of each level passed."""
    ev = Evaluation()
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
