#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation and argument spec of hisops_department_password (its action plugin does the work)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: hisops_department_password
short_description: Rotate, apply and audit department passwords (HIM-7.2), like Windows LAPS
description:
  - Rulebook 七.2 and 八.1(1) ask that a department's password be changed when its person in charge
    (custodian) changes, and periodically. Each department has one administrative account on its
    computers; this action keeps its password in a password store on the control node (one Ansible
    Vault-encrypted file per department, current password plus a history of 12) and sets it on the
    department's Linux hosts.
  - O(state=prepare) (once, on the control node) decides per department whether the password must
    rotate (no password yet, older than C(max_age_days) of O(policy), custodian different from the one
    recorded at the last rotation, read out longer than C(read_grace_hours) of O(policy) ago, or named in
    O(rotate)), generates a new one from the operating system's CSPRNG and writes it to the store as
    C(pending) BEFORE any host is changed. A department with a pending rotation is resumed with the
    SAME password; no new one is generated.
  - O(state=apply) (per host) makes sure the department account exists with O(account_groups) and
    carries the pending (else current) password, set as a SHA-512 crypt hash, and verifies it by
    comparing the host's /etc/shadow hash with the stored password on the control node.
  - O(state=finalize) (once, on the control node) promotes the pending password to current for each
    department whose every host in O(hosts) verified it, keeps it pending otherwise (the task then
    fails, naming the hosts; the next run retries them), and records each department in the results
    store's password register (version, fingerprint, trigger, custodians, who, hosts done and
    pending; never a password).
  - O(state=audit) (per host, read-only) returns the C(HIM-7.2-password-rotation) record of the host.
  - Passwords never appear in results, diffs, logs or the results store.
version_added: "0.1.0"
options:
  state:
    description: Which step to run (see the description).
    type: str
    required: true
    choices: [prepare, apply, finalize, audit]
  store_dir:
    description: Directory of the password store on the control node (one C(<department>.vault) file per department).
    type: path
    required: true
  vault_id:
    description:
      - Vault id the store files are encrypted with. Empty means the first id of C(vault_identity_list)
        in C(ansible.cfg) (the lab's C(lab); a site puts its own first).
    type: str
    default: ""
  policy:
    description:
      - Password policy, keys C(length) (8..128, default 20), C(classes) (of C(lower), C(upper), C(digit),
        C(symbol)), C(min_each) (characters of each class, default 1), C(exclude) (look-alike characters
        never used), C(symbols), C(max_age_days) (default 90) and C(read_grace_hours) (default 24).
      - A policy that cannot be satisfied (length 4 with 4 classes of 2 each) fails before anything changes.
    type: dict
    default: {}
  now:
    description: The time to judge ages by (ISO 8601); empty means now. For tests and for planning.
    type: str
    default: ""
  hosts:
    description:
      - O(state=prepare) the hosts whose departments are considered. O(state=finalize) every host that must
        carry the new password before a rotation is complete (the whole target group, not only the limited play).
    type: list
    elements: str
    default: []
  scope:
    description: O(state=finalize) the hosts of this run (their departments are finalized); empty means O(hosts).
    type: list
    elements: str
    default: []
  results_var:
    description: O(state=finalize) the variable the apply step was registered as, on each host.
    type: str
    default: discovered_department_password
  rotate:
    description:
      - O(state=prepare) departments (codes) to rotate now on request (trigger C(manual), recorded with who ran it).
    type: list
    elements: str
    default: []
  switch_limits:
    description:
      - O(state=prepare) limits of the switches' CLIs, C(max_length) and C(symbols) (the symbols allowed); a
        department with a host in the C(switches) group gets a password within them.
    type: dict
    default: {}
  department:
    description: O(state=apply) and O(state=audit) the host's C(hisops_department) (code and custodian).
    type: dict
  account:
    description: The department account's name; empty means C(<code>_admin).
    type: str
    default: ""
  account_groups:
    description: Supplementary groups of the department account (added, never removed).
    type: list
    elements: str
    default: []
  platform:
    description:
      - Platform of the host. C(linux) sets a SHA-512 crypt hash with M(ansible.builtin.user) and verifies the
        /etc/shadow hash; C(windows) sets the password with M(ansible.windows.win_user) and verifies it by a
        logon check (M(ansible.windows.win_powershell) with the password as a SecureString sensitive parameter).
    type: str
    default: linux
    choices: [linux, windows]
  record:
    description: Write the rotation register in the results store (the recorder's run must be recorded).
    type: bool
    default: true
attributes:
  check_mode: {support: full, description: "Nothing is generated, written or set; the result says what would rotate."}
  diff_mode: {support: none, description: "A password has no diff to show; results carry versions and fingerprints."}
notes:
  - The store files are read and written with the vault secrets of the run (C(vault_identity_list), C(--vault-id)).
  - Writes are atomic (temporary file, fsync, rename, fsync of the directory). A store file that does not
    decrypt or parse, or is not vault-encrypted, is refused and never overwritten.
seealso:
  - name: docs/passwords.md
    description: The password store, the rotation protocol, faults and the HashiCorp Vault / OpenBao interface.
    link: https://github.com/hisops/hisops/blob/main/docs/passwords.md
author: hisops contributors (@hisops)
"""

EXAMPLES = r"""
- name: HIM-7.2 | ENFORCE | new department passwords into the store first
  hisops.him.hisops_department_password:
    state: prepare
    store_dir: /srv/hisops/passwords
    hosts: "{{ ansible_play_hosts_all }}"
    rotate: [outpatient]
  run_once: true
  delegate_to: localhost

- name: HIM-7.2 | ENFORCE | department account carries the department password
  hisops.him.hisops_department_password:
    state: apply
    store_dir: /srv/hisops/passwords
    department: "{{ hisops_department }}"
    account_groups: [sudo]
  register: discovered_department_password
"""

RETURN = r"""
departments:
  description: O(state=prepare) and O(state=finalize) per department code, what happens (never a password).
  returned: when state is prepare or finalize
  type: dict
  sample: {"outpatient": {"action": "rotate", "trigger": "custodian",
                          "pending": {"version": 3, "fingerprint": "9f2c0a1b7d3e4f55"}}}
department:
  description: O(state=apply) the host's department code.
  returned: when state is apply
  type: str
  sample: outpatient
account:
  description: O(state=apply) the department account's name.
  returned: when state is apply
  type: str
  sample: outpatient_admin
version:
  description: O(state=apply) the password version the host was set to (0 when the store has none yet).
  returned: when state is apply
  type: int
  sample: 3
fingerprint:
  description: O(state=apply) keyed fingerprint of that version (HMAC, not the password).
  returned: when state is apply and the store has a password
  type: str
  sample: 9f2c0a1b7d3e4f55
verified:
  description: O(state=apply) whether the host's shadow hash was checked against that version.
  returned: when state is apply
  type: bool
  sample: true
hisops_controls:
  description: O(state=audit) one record for C(HIM-7.2-password-rotation).
  returned: when state is audit
  type: list
  elements: dict
  sample: [{"id": "HIM-7.2-password-rotation", "status": "pass", "severity": "high", "evidence": [], "changes": [],
            "message": "department password current and carried by this host"}]
msg:
  description: What was done, or why it failed (naming the field, host or department).
  returned: always
  type: str
  sample: "department(s) to rotate: outpatient (custodian)"
"""

from ansible.module_utils.basic import AnsibleModule


RESULTS_VAR = "discovered_department_password"
ARGUMENT_SPEC = {
    "state": {"type": "str", "required": True, "choices": ["prepare", "apply", "finalize", "audit"]},
    "store_dir": {"type": "path", "required": True},
    "vault_id": {"type": "str", "default": ""},
    "policy": {"type": "dict", "default": {}},
    "now": {"type": "str", "default": ""},
    "hosts": {"type": "list", "elements": "str", "default": []},
    "scope": {"type": "list", "elements": "str", "default": []},
    "results_var": {"type": "str", "default": RESULTS_VAR},
    "rotate": {"type": "list", "elements": "str", "default": []},
    "switch_limits": {"type": "dict", "default": {}},
    "department": {"type": "dict"},
    "account": {"type": "str", "default": ""},
    "account_groups": {"type": "list", "elements": "str", "default": []},
    "platform": {"type": "str", "default": "linux", "choices": ["linux", "windows"]},
    "record": {"type": "bool", "default": True},
}


def build_module() -> AnsibleModule:
    """The module's argument spec (the action plugin validates its arguments with the same spec)."""
    return AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)


def main() -> None:
    module = build_module()
    module.fail_json(msg="hisops_department_password runs on the control node through its action plugin")


if __name__ == "__main__":
    main()
