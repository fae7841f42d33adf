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
    restore test the C(pg_backup) role's C(hisops-pg-restore-test) wrote.
  - The control fails when the service is down, a repository is not usable, the newest backup of
    a level in any repository is older than its period plus the grace, the second copy is older
    than the first, or the last restore test of a level is missing or failed.
  - Reads only; the same in check mode.
version_added: "0.2.0"
options:
  engine:
    description: Database engine; C(postgresql) (pgBackRest) is the one driver so far.
    type: str
    choices: [postgresql]
    default: postgresql
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
    description: Medium label of each repository, by repository number (for the register).
    type: dict
    default: {}
  custodian:
    description: The named person who keeps the backup media (the department's person in charge).
    type: str
    default: ""
  state_dir:
    description: Directory where the restore test writes its result.
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

import json
import os
import time

from ansible.module_utils.basic import AnsibleModule
from ..module_utils.dbbackup import (
    CONTROL_ID,
    REGISTER_KEY,
    evaluate,
    parse_pgbackrest_info,
    policy_problems,
    register_rows,
)
from ..module_utils.results import ERROR, FAIL, RESULT_KEY, control_result


def build_module() -> AnsibleModule:
    return AnsibleModule(
        argument_spec={
            "engine": {"type": "str", "choices": ["postgresql"], "default": "postgresql"},
            "stanza": {"type": "str", "default": "main"},
            "run_as": {"type": "str", "default": "postgres"},
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


def read_verifications(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        return list(json.load(handle).get("restores") or [])


def main() -> None:
    module = build_module()
    p = module.params
    problems = policy_problems(p["policy"], p["grace_hours"])
    if problems:
        module.fail_json(msg="hisops_db_backup_audit: " + "; ".join(problems))
    stanza = p["stanza"]
    as_user = [module.get_bin_path("runuser", required=True), "-u", p["run_as"], "--"]
    if module.get_bin_path("pgbackrest") is None:
        record = control_result(
            CONTROL_ID,
            FAIL,
            p["severity"],
            ["pgbackrest: not installed"],
            message="no PostgreSQL backups on this server: pgBackRest is not installed (apply the pg_backup role)",
        )
        module.exit_json(changed=False, msg=record["message"], **{RESULT_KEY: [record], REGISTER_KEY: []})
    rc, out, err = module.run_command([*as_user, "pgbackrest", "--stanza=" + stanza, "--output=json", "info"])
    if rc != 0:
        record = control_result(
            CONTROL_ID,
            ERROR,
            p["severity"],
            ["pgbackrest info failed (exit %d): %s" % (rc, (err or out).strip()[-300:])],
            message="the backup repositories could not be read",
        )
        module.exit_json(changed=False, msg=record["message"], **{RESULT_KEY: [record], REGISTER_KEY: []})
    try:
        repos, backups = parse_pgbackrest_info(out, stanza, by_repo(p["locations"]))
        verifications = read_verifications(os.path.join(p["state_dir"], "pg-%s-restore-test.json" % stanza))
    except (ValueError, KeyError, OSError) as exc:
        module.fail_json(msg="hisops_db_backup_audit: %s" % exc)
    up = module.run_command([*as_user, "pg_isready", "-q"])[0] == 0
    ev = evaluate(backups, repos, verifications, p["policy"], p["grace_hours"], time.time(), up)
    message = (
        "; ".join(ev.problems)
        if ev.problems
        else "backups of every level fresh in %d repositories, restore tests passed" % len(repos)
    )
    record = control_result(CONTROL_ID, ev.status, p["severity"], ev.evidence, message=message)
    rows = register_rows(p["host"], backups, repos, by_repo(p["media"]), p["custodian"], verifications)
    module.exit_json(changed=False, msg=message, **{RESULT_KEY: [record], REGISTER_KEY: rows})


if __name__ == "__main__":
    main()
