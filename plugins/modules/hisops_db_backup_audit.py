#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check control HIM-8.2.6 (database backups) on a database server and return its backup register."""

from __future__ import annotations

DOCUMENTATION = r"""
module: hisops_db_backup_audit
short_description: Check control HIM-8.2.6 (monthly, weekly, daily database backups) and read the backup register
description:
  - Rulebook 三.5 and 八.2(6) ask for monthly, weekly and daily database backups whose media are
    registered, archived and kept by a named person. This module reads the evidence on the
    database server itself and returns the C(HIM-8.2.6-db-backup) record and the backup register.
  - Evidence, from each tool's own account, C(pgbackrest --output=json info) (the backups of every
    repository, each annotated with its level by the C(pg_backup) role, and whether each
    repository is reachable), C(pg_isready) (the service accepts connections) and the last
    restore test the C(pg_backup) role's C(hisops-pg-restore-test) wrote (with C(pgbackrest verify)
    of each repository); for MariaDB each backup's account and checkpoints file, C(restic snapshots),
    C(mariadb-admin ping) and the last C(hisops-mariadb-backup restore-test) (with C(restic check)).
  - The control fails when the service is down, a repository is not usable or missing (fewer than
    O(copies)), a backup is flagged with errors, the newest backup of a level in any repository is
    older than its period plus the grace, the second copy is older than the first, the last restore
    test of a level is missing or failed, or the tool's own repository check found a problem.
  - Reads only; the same in check mode.
version_added: "0.2.0"
options:
  engines:
    description:
      - Database engines on the server, each audited and registered; one record for the control covers them all.
        C(postgresql) reads pgBackRest (role C(hisops.him.pg_backup)); C(mariadb) reads the backups of role
        C(hisops.him.mariadb_backup) (each backup's account next to mariadb-backup's checkpoints file in the
        backup directory of the role's settings C(/etc/hisops/mariadb-backup.json), C(restic snapshots --json)
        of the second copy, and the restore test's result in the state directory of those settings).
      - SQL Server and Oracle would be further drivers (a parser in C(module_utils/dbbackup.py)); none yet.
    type: list
    elements: str
    choices: [postgresql, mariadb]
    default: [postgresql]
    aliases: [engine]
  copies:
    description:
      - How many copies of the media the policy asks for (repository 1 on the server, 2 on the network-center server).
    type: int
    default: 2
  stanza:
    description: pgBackRest stanza of the cluster.
    type: str
    default: main
  run_as:
    description: Account the backup tool runs as (it owns the repositories and their SSH keys).
    type: str
    default: postgres
  policy:
    description:
      - The backup policy (C(hisops_db_backup_policy)), levels C(monthly), C(weekly) and C(daily),
        each with C(period) in days (C(keep) and C(calendar) are checked too).
    type: dict
    required: true
  grace_hours:
    description: Hours allowed past a level's period before its newest backup counts as missing.
    type: float
    default: 6
  locations:
    description: Where each repository is, by repository number (for the register), e.g. C({1 = db-01, 2 = nc-01}).
    type: dict
    default: {}
  media:
    description:
      - Medium label of each repository, by repository number (for the register), e.g. C({1 = ..., 2 = ...});
        or per engine, C({postgresql = {1 = ..., 2 = ...}, mariadb = {...}}).
      - Without labels for C(mariadb), the register names the backup directory and the restic repository.
    type: dict
    default: {}
  custodian:
    description: The named person who keeps the backup media (the department's person in charge).
    type: str
    default: ""
  state_dir:
    description: Directory where the PostgreSQL restore test writes its result (MariaDB's is in the role's settings).
    type: path
    default: /var/lib/hisops/db-backup
  host:
    description: Name of the database server in the register (the inventory name).
    type: str
    required: true
  severity:
    description: Severity of the control (from the catalog).
    type: str
    choices: [low, medium, high, critical]
    default: critical
attributes:
  check_mode: {support: full, description: Reads only.}
  diff_mode: {support: none, description: Changes nothing.}
author: hisops contributors (@hisops)
"""

EXAMPLES = r"""
- name: HIM-8.2.6 | AUDIT | 数据库备份 / database backups and register
  hisops.him.hisops_db_backup_audit:
    stanza: main
    policy: "{{ hisops_db_backup_policy }}"
    grace_hours: "{{ hisops_db_backup_grace_hours }}"
    locations: {1: "{{ inventory_hostname }}", 2: nc-01}
    media: {1: "{{ inventory_hostname }} /var/lib/pgbackrest", 2: "nc-01 /srv/hisops-backup"}
    custodian: "{{ hisops_department.custodian.name }}"
    host: "{{ inventory_hostname }}"
"""

RETURN = r"""
hisops_controls:
  description: One record for C(HIM-8.2.6-db-backup); the evidence names the database, level and age.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "HIM-8.2.6-db-backup", "status": "pass", "severity": "critical",
            "evidence": ["main daily in repo1: 20261127-020001F_20261127-020502I, 3.1 h old"], "changes": [],
            "message": "backups of every level fresh in 2 repositories, restore tests passed"}]
hisops_backup_register:
  description: The backup register (备份登记), one row per backup copy, newest first.
  returned: success
  type: list
  elements: dict
  contains:
    database:
      description: Database (pgBackRest stanza).
      type: str
      returned: always
      sample: main
    host:
      description: Database server.
      type: str
      returned: always
      sample: db-01
    repo:
      description: Repository number.
      type: int
      returned: always
      sample: 2
    level:
      description: monthly, weekly or daily (empty for a backup made outside the schedule).
      type: str
      returned: always
      sample: daily
    tool:
      description: The backup tool.
      type: str
      returned: always
      sample: pgbackrest
    label:
      description: The tool's id of the backup.
      type: str
      returned: always
      sample: 20261101-010001F
    kind:
      description: The tool's backup type.
      type: str
      returned: always
      sample: full
    start:
      description: Start time (UTC, ISO 8601).
      type: str
      returned: always
      sample: "2026-11-01T01:00:01+00:00"
    stop:
      description: End time (UTC, ISO 8601).
      type: str
      returned: always
      sample: "2026-11-01T01:04:12+00:00"
    size:
      description: Size of the database in bytes.
      type: int
      returned: always
      sample: 1073741824
    size_stored:
      description: Bytes this backup added to the repository (compressed).
      type: int
      returned: always
      sample: 160432128
    error:
      description: The tool flagged the backup as having errors.
      type: bool
      returned: always
      sample: false
    location:
      description: Where the repository is.
      type: str
      returned: always
      sample: nc-01
    medium:
      description: Medium label of the repository.
      type: str
      returned: always
      sample: "nc-01 /srv/hisops-backup"
    custodian:
      description: Who keeps the media.
      type: str
      returned: always
      sample: 王伟
    engine:
      description: Database engine.
      type: str
      returned: always
      sample: postgresql
    retention:
      description: How many backups of this level the policy keeps.
      type: str
      returned: always
      sample: 7 daily
    expires:
      description: When, on schedule, the tool is expected to remove this backup (UTC, ISO 8601; empty if unknown).
      type: str
      returned: always
      sample: "2026-12-04T02:05:00+00:00"
    verified_at:
      description: When a restore test last proved this backup (empty if never).
      type: str
      returned: always
      sample: ""
    verified_ok:
      description: Result of that restore test (null if never tested).
      type: bool
      returned: always
      sample: true
msg:
  description: The record's message.
  returned: always
  type: str
  sample: backups of every level fresh in 2 repositories, restore tests passed
"""

import glob
import json
import os
import time

from ansible.module_utils.basic import AnsibleModule
from ..module_utils.dbbackup import (
    CONTROL_ID,
    REGISTER_KEY,
    Backup,
    Repository,
    evaluate,
    parse_mariadb_accounts,
    parse_pgbackrest_info,
    parse_restic_snapshots,
    policy_problems,
    register_rows,
)
from ..module_utils.results import ERROR, FAIL, PASS, RESULT_KEY, control_result


def build_module() -> AnsibleModule:
    return AnsibleModule(
        argument_spec={
            "engines": {
                "type": "list",
                "elements": "str",
                "choices": ["postgresql", "mariadb"],
                "default": ["postgresql"],
                "aliases": ["engine"],
            },
            "stanza": {"type": "str", "default": "main"},
            "run_as": {"type": "str", "default": "postgres"},
            "copies": {"type": "int", "default": 2},
            "policy": {"type": "dict", "required": True},
            "host": {"type": "str", "required": True},
            "grace_hours": {"type": "float", "default": 6},
            "locations": {"type": "dict", "default": {}},
            "media": {"type": "dict", "default": {}},
            "custodian": {"type": "str", "default": ""},
            "state_dir": {"type": "path", "default": "/var/lib/hisops/db-backup"},
            "severity": {"type": "str", "choices": ["low", "medium", "high", "critical"], "default": "critical"},
        },
        supports_check_mode=True,
    )


def by_repo(mapping: dict) -> dict[int, str]:
    return {int(k): str(v) for k, v in mapping.items()}


def read_restore_test(path: str) -> tuple[list[dict], list[dict]]:
    """The last restore test: its restores and the repository checks (verify / restic check)."""
    if not os.path.exists(path):
        return [], []
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    return list(data.get("restores") or []), list(data.get("repositories") or [])


def stop_with(module: AnsibleModule, status: str, evidence: str, message: str) -> None:
    record = control_result(CONTROL_ID, status, module.params["severity"], [evidence], message=message)
    module.exit_json(changed=False, msg=message, **{RESULT_KEY: [record], REGISTER_KEY: []})


def read_postgresql(module: AnsibleModule) -> tuple[list[Repository], list[Backup], str, bool, dict[int, str]]:
    """pgBackRest's account of the stanza's backups; the restore-test file; pg_isready; no media labels."""
    p = module.params
    as_user = [module.get_bin_path("runuser", required=True), "-u", p["run_as"], "--"]
    if module.get_bin_path("pgbackrest") is None:
        stop_with(
            module,
            FAIL,
            "pgbackrest: not installed",
            "no PostgreSQL backups on this server: pgBackRest is not installed (apply the pg_backup role)",
        )
    rc, out, err = module.run_command([*as_user, "pgbackrest", "--stanza=" + p["stanza"], "--output=json", "info"])
    if rc != 0:
        stop_with(
            module,
            ERROR,
            "pgbackrest info failed (exit %d): %s" % (rc, (err or out).strip()[-300:]),
            "the backup repositories could not be read",
        )
    repos, backups = parse_pgbackrest_info(out, p["stanza"], per_engine(p["locations"], "postgresql"))
    up = module.run_command([*as_user, "pg_isready", "-q"])[0] == 0
    return repos, backups, "pg-%s-restore-test.json" % p["stanza"], up, {}


def read_mariadb(module: AnsibleModule) -> tuple[list[Repository], list[Backup], str, bool, dict[int, str]]:
    """Each backup's account and checkpoints file (repository 1), restic's snapshots (repository 2),
    the restore test's file (absolute, from the role's settings) and the media these are."""
    p = module.params
    settings_path = "/etc/hisops/mariadb-backup.json"
    if not os.path.exists(settings_path):
        stop_with(
            module,
            FAIL,
            "%s: missing" % settings_path,
            "no MariaDB backups on this server: the mariadb_backup role is not applied",
        )
    with open(settings_path, encoding="utf-8") as handle:
        settings = json.load(handle)
    locations = per_engine(p["locations"], "mariadb")
    accounts = []
    backup_dir = settings["dir"]
    media = {1: "%s:%s" % (p["host"], backup_dir)}
    for meta in sorted(glob.glob(os.path.join(backup_dir, "[!.]*", "hisops.json"))):
        with open(meta, encoding="utf-8") as handle:
            account = json.load(handle)
        folder = os.path.dirname(meta)
        account["checkpoints"] = any(
            os.path.exists(os.path.join(folder, "meta", name))
            for name in ("mariadb_backup_checkpoints", "xtrabackup_checkpoints")
        )
        accounts.append(account)
    backups = parse_mariadb_accounts(accounts, "mariadb")
    repos = [Repository(1, locations.get(1, p["host"]), os.path.isdir(backup_dir), backup_dir)]
    if settings.get("restic_repo"):
        env = {"RESTIC_PASSWORD_FILE": "/etc/hisops/restic-password", "RESTIC_REPOSITORY": settings["restic_repo"]}
        rc, out, err = module.run_command(
            ["restic", "snapshots", "--json", "--tag", "hisops", "--no-lock"], environ_update=env
        )
        message = "" if rc == 0 else "restic snapshots failed (exit %d): %s" % (rc, (err or out).strip()[-300:])
        repos.append(Repository(2, locations.get(2, "restic"), rc == 0, message))
        media[2] = "restic %s" % settings["restic_repo"]
        if rc == 0:
            backups += parse_restic_snapshots(out, "mariadb", backups)
    ping = module.get_bin_path("mariadb-admin") or module.get_bin_path("mysqladmin")
    up = bool(ping) and module.run_command([ping, "--no-defaults", "-u", "root", "ping"])[0] == 0
    return repos, backups, os.path.join(settings["state_dir"], "mariadb-restore-test.json"), up, media


def per_engine(mapping: dict, engine: str) -> dict[int, str]:
    """A by-repository mapping, given flat or per engine."""
    inner = mapping.get(engine)
    return by_repo(inner if isinstance(inner, dict) else {k: v for k, v in mapping.items() if str(k).isdigit()})


def main() -> None:
    module = build_module()
    p = module.params
    problems = policy_problems(p["policy"], p["grace_hours"])
    if problems:
        module.fail_json(msg="hisops_db_backup_audit: " + "; ".join(problems))
    evidence, problems, fine, rows = [], [], [], []
    for engine in dict.fromkeys(p["engines"]):
        try:
            reader = read_mariadb if engine == "mariadb" else read_postgresql
            repos, backups, restore_file, up, media = reader(module)
            restores, checks = read_restore_test(os.path.join(p["state_dir"], restore_file))
        except (ValueError, KeyError, OSError) as exc:
            module.fail_json(msg="hisops_db_backup_audit (%s): %s" % (engine, exc))
        ev = evaluate(backups, repos, restores, p["policy"], p["grace_hours"], time.time(), up, checks, p["copies"])
        evidence += ["%s: %s" % (engine, line) for line in ev.evidence]
        problems += ["%s: %s" % (engine, problem) for problem in ev.problems]
        if not ev.problems:
            fine.append(
                "%s backups of every level fresh in %d repositories, restore tests passed" % (engine, len(repos))
            )
        rows += register_rows(
            p["host"], backups, repos, per_engine(p["media"], engine) or media, p["custodian"], restores, p["policy"]
        )
    message = "; ".join(problems or fine)
    record = control_result(CONTROL_ID, FAIL if problems else PASS, p["severity"], evidence, message=message)
    module.exit_json(changed=False, msg=message, **{RESULT_KEY: [record], REGISTER_KEY: rows})


if __name__ == "__main__":
    main()
