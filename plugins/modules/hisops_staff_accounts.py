#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: hisops_staff_accounts
short_description: A department's staff accounts on a Linux workstation (rulebook 八.1(1), HIM-8.1.1)
description:
  - Rulebook 八.1(1) asks administrators to register users, set their passwords and grant rights. The
    inventory lists each department's staff (C(hisops_department.staff)); on each Linux workstation of the
    department every listed person gets an account in the department's C(login_group), created with a
    random first password (generated and kept in the department's vault-encrypted staff password store on
    the control node) that must be changed at first login (C(chage -d 0)).
  - An account hisops created for a person who is no longer listed in the host's department (left, or moved
    to another department) is disabled, never deleted - locked, expired, shell O(nologin_shell); its
    home is kept. A listed person's disabled account is enabled again with a first password to change.
  - Accounts hisops manages carry C(hisops-staff <staff id> <department>) in their GECOS field. A human
    account (UID O(min_uid)..O(max_uid)) that is neither listed, nor the department account, nor in
    O(allowed_accounts), nor marked is reported as unexplained (a finding), never changed.
  - O(state=prepare) (once, on the control node, through the action plugin) makes sure every listed person of
    the departments of O(hosts) has a first password in the store, BEFORE any host changes.
  - O(state=enforce) creates, enables and disables accounts (check mode and C(--diff) show which);
    O(state=audit) only reports. Both return the C(HIM-8.1.1-staff-accounts) record under C(hisops_controls).
  - Passwords never reach the host nor any result. The action plugin sends SHA-512 crypt hashes (through
    C(chpasswd -e)'s standard input, not the command line), only for the accounts it creates or enables.
version_added: "0.1.0"
author: hisops contributors (@hisops)
options:
  state:
    description: Which step to run (see the description).
    type: str
    default: audit
    choices: [prepare, audit, enforce]
  department:
    description:
      - The host's C(hisops_department) (C(code), C(login_group), C(staff)). O(state=prepare) does not use it.
    type: dict
    default: {}
  admin_account:
    description: The department account (never reported); empty means C(<code>_admin).
    type: str
    default: ""
  allowed_accounts:
    description: Other human accounts approved on the host (never reported), e.g. the connection user.
    type: list
    elements: str
    default: []
  shell:
    description: Login shell of the staff accounts.
    type: str
    default: /bin/bash
  nologin_shell:
    description: Shell of a disabled account.
    type: str
    default: /usr/sbin/nologin
  min_uid:
    description: Lowest UID of a human account (C(UID_MIN) of C(/etc/login.defs)).
    type: int
    default: 1000
  max_uid:
    description: Highest UID of a human account (C(UID_MAX) of C(/etc/login.defs)).
    type: int
    default: 60000
  today:
    description: The day to judge account expiry by (YYYY-MM-DD); empty means today. For tests.
    type: str
    default: ""
  first_passwords:
    description:
      - Set by the action plugin, never by a playbook. SHA-512 crypt hashes of the first passwords of the
        accounts to create or enable, by login.
    type: dict
    default: {}
  store_dir:
    description:
      - Directory of the password store on the control node; the staff passwords are in its C(staff/) folder
        (one C(<department>.vault) file per department). Used by the action plugin.
    type: path
    default: ""
  vault_id:
    description: Vault id of the store files; empty means the first id of C(vault_identity_list) (C(ansible.cfg)).
    type: str
    default: ""
  policy:
    description: Password policy of the first passwords (as for M(hisops.him.hisops_department_password)).
    type: dict
    default: {}
  hosts:
    description: O(state=prepare) the hosts whose departments' staff need first passwords.
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    description: Nothing is generated, written or changed; the result says what would change.
  diff_mode:
    support: full
    description: Each account to create, enable, mark or disable, before and after (never a hash).
notes:
  - Reads C(/etc/passwd), C(/etc/shadow) and C(/etc/group); changes them only through C(useradd), C(usermod),
    C(groupadd), C(chpasswd) and C(chage).
  - Read a first password to hand it over with C(ansible-vault view passwords/staff/<department>.vault).
seealso:
  - module: hisops.him.hisops_department_password
  - name: docs/passwords.md
    description: The password store, the staff accounts and their first passwords.
    link: https://github.com/hisops/hisops/blob/main/docs/passwords.md
"""

EXAMPLES = r"""
- name: HIM-8.1.1 | ENFORCE | first passwords into the store before any host
  hisops.him.hisops_staff_accounts:
    state: prepare
    store_dir: /srv/hisops/passwords
    hosts: "{{ ansible_play_hosts_all }}"
  run_once: true
  delegate_to: localhost

- name: HIM-8.1.1 | ENFORCE | the department's staff accounts
  hisops.him.hisops_staff_accounts:
    state: enforce
    store_dir: /srv/hisops/passwords
    department: "{{ hisops_department }}"

- name: HIM-8.1.1 | AUDIT | staff accounts and unexplained accounts
  hisops.him.hisops_staff_accounts:
    state: audit
    department: "{{ hisops_department }}"
"""

RETURN = r"""
hisops_controls:
  description: One record for C(HIM-8.1.1-staff-accounts).
  returned: when state is audit or enforce
  type: list
  elements: dict
  sample: [{"id": "HIM-8.1.1-staff-accounts", "status": "fail", "severity": "high",
            "evidence": ["unexplained account: guest (uid 1001, shell /bin/bash): ..."],
            "changes": ["create mz0102 (MZ0102) in group mz_staff, first password to change at first login"],
            "message": "1 account(s) to change, 1 unexplained"}]
accounts:
  description: Per kind, the logins created, enabled, marked, added to the group or disabled (would be, in check mode).
  returned: when state is audit or enforce
  type: dict
  sample: {"create": ["mz0102"], "enable": [], "adopt": [], "join": [], "disable": ["mz0105"]}
create_group:
  description: Whether the department's login group is missing on the host (created when enforcing).
  returned: when state is audit or enforce
  type: bool
  sample: false
unexplained:
  description: Human accounts no inventory entry explains (reported, never changed).
  returned: when state is audit or enforce
  type: list
  elements: str
  sample: ["guest (uid 1001, shell /bin/bash): in no staff list of department outpatient, ..."]
hisops_staff_events:
  description:
    - What was changed, one entry per account (kind, login, staff id); the recorder writes them to the
      results store's staff account register (table C(staff_account_events)).
  returned: when state is enforce
  type: list
  elements: dict
  sample: [{"event": "create", "login": "mz0102", "staff_id": "MZ0102"}]
need_password:
  description: Logins that need a first password (to create or enable).
  returned: when state is audit or enforce
  type: list
  elements: str
  sample: ["mz0102"]
departments:
  description: O(state=prepare) per department, the logins that got a first password now (never the password).
  returned: when state is prepare
  type: dict
  sample: {"outpatient": {"generated": ["mz0102"], "kept": ["mz0101"]}}
msg:
  description: What was done, or why it failed.
  returned: always
  type: str
  sample: "1 account(s) to change, 0 unexplained"
"""

import datetime
from typing import Any

from ansible.module_utils.basic import AnsibleModule

from ..module_utils.results import ERROR, FAIL, FIXED, PASS, RESULT_KEY, control_result
from ..module_utils.staff_accounts import (
    EVENTS_KEY,
    KINDS,
    NEEDS_PASSWORD,
    HostAccounts,
    Plan,
    Settings,
    apply,
    diff,
    listed_people,
    plan,
)

CONTROL_ID = "HIM-8.1.1-staff-accounts"
ARGUMENT_SPEC: dict[str, Any] = dict(
    state=dict(type="str", default="audit", choices=["prepare", "audit", "enforce"]),
    department=dict(type="dict", default={}),
    admin_account=dict(type="str", default=""),
    allowed_accounts=dict(type="list", elements="str", default=[]),
    shell=dict(type="str", default="/bin/bash"),
    nologin_shell=dict(type="str", default="/usr/sbin/nologin"),
    min_uid=dict(type="int", default=1000),
    max_uid=dict(type="int", default=60000),
    today=dict(type="str", default=""),
    first_passwords=dict(type="dict", default={}, no_log=True),
    store_dir=dict(type="path", default=""),
    vault_id=dict(type="str", default=""),
    policy=dict(type="dict", default={}),
    hosts=dict(type="list", elements="str", default=[]),
)


def build_module() -> AnsibleModule:
    return AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)


def settings_of(params: dict[str, Any]) -> Settings:
    dept = params["department"]
    return Settings(
        department=str(dept["code"]),
        login_group=str(dept["login_group"]),
        admin_account=params["admin_account"] or "%s_admin" % dept["code"],
        allowed=tuple(params["allowed_accounts"]),
        shell=params["shell"],
        nologin_shell=params["nologin_shell"],
        min_uid=params["min_uid"],
        max_uid=params["max_uid"],
    )


def epoch_day(text: str) -> int | None:
    try:
        day = datetime.date.fromisoformat(text) if text else datetime.date.today()
    except ValueError:
        return None
    return (day - datetime.date(1970, 1, 1)).days


def summary(result: Plan) -> dict[str, list[str]]:
    return {kind: result.logins(kind) for kind in KINDS}


def record(
    result: Plan, settings: Settings, status: str, severity: str, message: str = "", applied: bool = False
) -> dict[str, Any]:
    """The control record: findings as evidence, account changes (made or to make) as changes."""
    evidence = ["login group %s missing on the host" % settings.login_group] if result.create_group else []
    evidence += ["unexplained account: %s" % u for u in result.unexplained]
    evidence += ["conflict: %s" % c for c in result.conflicts]
    evidence += ["active: %s" % ", ".join(result.active)] if result.active else []
    evidence += ["disabled former staff (home kept): %s" % ", ".join(result.disabled)] if result.disabled else []
    changes = ["create group %s" % settings.login_group] if result.create_group else []
    changes += [s.describe(settings) for s in result.steps]
    if not message and status == PASS:
        message = "%d staff account(s) active, none unexplained" % len(result.active)
    elif not message:
        message = "%d account change(s) %s, %d unexplained account(s), %d conflict(s)" % (
            len(changes),
            "made" if applied else "to make",
            len(result.unexplained),
            len(result.conflicts),
        )
    return control_result(CONTROL_ID, status, severity, evidence, changes, message)


class StaffAccounts:
    """One round trip: read the account files, plan, apply (enforce), check again."""

    def __init__(self, module: AnsibleModule, root: str = "/") -> None:
        self.module = module
        self.root = root.rstrip("/")

    def read(self, path: str) -> str:
        try:
            with open(self.root + path, encoding="utf-8", errors="replace") as fh:
                return fh.read()
        except FileNotFoundError:
            return ""

    def runner(self, argv: list[str], data: str | None) -> tuple[int, str, str]:
        return self.module.run_command(argv, data=data, environ_update={"LC_ALL": "C"})

    def host(self) -> HostAccounts:
        return HostAccounts.parse(self.read("/etc/passwd"), self.read("/etc/shadow"), self.read("/etc/group"))

    def main(self) -> dict[str, Any]:
        p = self.module.params
        if p["state"] == "prepare":
            self.module.fail_json(msg="state=prepare runs on the control node (through the action plugin)")
        dept = p["department"]
        missing = [k for k in ("code", "login_group") if not dept.get(k)]
        if missing:
            self.module.fail_json(msg="hisops_department.%s is missing or empty, nothing was changed" % missing[0])
        today = epoch_day(p["today"])
        if today is None:
            self.module.fail_json(msg="today = %r is not a date (YYYY-MM-DD)" % p["today"])
        settings = settings_of(p)
        people = listed_people(dept)
        found = plan(people, self.host(), settings, today)
        severity = "high"
        out: dict[str, Any] = {
            "changed": False,
            "accounts": summary(found),
            "create_group": found.create_group,
            "unexplained": found.unexplained,
            "need_password": found.logins(*NEEDS_PASSWORD),
            EVENTS_KEY: [],
        }
        if self.module._diff and found.changes:
            out["diff"] = diff(found, settings, "this host")
        clean = not found.unexplained and not found.conflicts
        if p["state"] == "audit" or not found.changes or self.module.check_mode:
            out["changed"] = p["state"] == "enforce" and found.changes
            status = PASS if clean and not found.changes else FAIL
            out[RESULT_KEY] = [record(found, settings, status, severity)]
            out["msg"] = out[RESULT_KEY][0]["message"]
            return out
        failed = apply(self.runner, found, settings, p["first_passwords"])
        broken = {step.login for step, _error in failed}
        out["changed"] = True
        out[EVENTS_KEY] = [
            {"event": s.kind, "login": s.login, "staff_id": s.staff_id} for s in found.steps if s.login not in broken
        ]
        again = plan(people, self.host(), settings, today)
        if failed or again.changes:
            errors = [error for _step, error in failed] + [
                "still to do after the fix: %s" % s.describe(settings) for s in again.steps if s.login not in broken
            ]
            message = "; ".join(errors)
            out[RESULT_KEY] = [record(found, settings, ERROR, severity, message, applied=True)]
            out["failed"] = True
            out["msg"] = message
            return out
        status = FIXED if clean else FAIL
        out[RESULT_KEY] = [record(found, settings, status, severity, applied=True)]
        out["msg"] = out[RESULT_KEY][0]["message"]
        return out


def main() -> None:
    module = build_module()
    module.exit_json(**StaffAccounts(module).main())


if __name__ == "__main__":
    main()
