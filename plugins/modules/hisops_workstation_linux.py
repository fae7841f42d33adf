#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: hisops_workstation_linux
short_description: Audit and enforce the workstation rules on a Debian-family Linux PC in one round trip
description:
  - Checks every selected workstation control of the hisops control catalog (games, unapproved
    software, removable storage and automount, screen lock and idle shells, system settings,
    effective administrator rights and su, department-only login on every PAM login service,
    after-hours shutdown, automatic security updates) and returns one result record per
    control under C(hisops_controls).
  - The antivirus area (C(HIM-7.7-antivirus), check C(antivirus)) is audited in the same round trip
    with the code of M(hisops.him.hisops_antivirus), ClamAV's engine and database versions, the
    signature age, the daemon and freshclam state, the last scan, detections and quarantine. Its
    facts are returned under C(antivirus) (the recorder stores them for the report). It is audit
    only here, also with O(enforce=true); the C(hisops.him.antivirus) role enforces it.
  - What the host needs to run (Essential and Priority required/important packages, the
    display manager, the desktop, and their dependencies) is never reported nor removed.
  - With O(enforce=true) it fixes each violation and checks again (status C(fixed)); in check mode
    or with O(enforce=false) nothing changes and violations are C(fail), with the changes that
    would be made. C(--diff) shows file contents, package and group membership changes.
  - The mechanism of each control (file paths, block lists, dconf keys, polkit actions) comes in
    O(controls), as the role keeps it (C(roles/workstation_policy/vars/main/linux.yml)); the site
    policy (allowlists, exceptions, minutes, times) in O(policy). Bad input fails before anything
    changes, naming the host and the field.
  - The action plugin of the same name validates the input on the controller first.
version_added: "0.1.0"
author: hisops contributors (@hisops)
extends_documentation_fragment: [hisops.him.hisops_workstation]
options:
  connection_user:
    description: The account Ansible connects with; it always keeps login and administrator rights.
    type: str
    default: root
notes:
  - Supports check mode and diff mode.
  - An audit runs no command on the host (it reads files only), except the antivirus area's
    C(dpkg-query), C(systemctl show) and C(clamd --version).
"""

EXAMPLES = r"""
- name: HIM | AUDIT | one control
  hisops.him.hisops_workstation_linux:
    controls:
      - id: HIM-7.1-settings
        severity: medium
        mechanism:
          check: settings
          polkit_file: /etc/polkit-1/rules.d/49-hisops-settings.rules
          admin_group: sudo
          polkit_actions: [org.freedesktop.timedate1.]
          polkit: {package: polkitd, daemons: [/usr/lib/polkit-1/polkitd]}
    policy: {software_allowlist: ["python3*"], screenlock_minutes: 5}
    department: "{{ hisops_department }}"
    host: "{{ inventory_hostname }}"
  register: discovered_workstation

- name: HIM | ENFORCE | everything but the shutdown timer, as the role sends it
  hisops.him.hisops_workstation_linux:
    controls: >-
      {{ hisops_control_catalog | hisops.him.hisops_workstation_selected_controls(
           hisops_workstation_linux_mechanism, hisops_workstation_tagged, [], ['HIM-6.5-power']) }}
    policy: "{{ hisops_workstation_policy_data }}"
    department: "{{ hisops_department }}"
    host: "{{ inventory_hostname }}"
    enforce: true
"""

RETURN = r"""
hisops_controls:
  description: One record per evaluated control (see module_utils/results.py).
  returned: always
  type: list
  elements: dict
  sample:
    - id: HIM-5.4-games
      status: fixed
      severity: high
      evidence: ["game package installed: sl"]
      changes: ["purge packages (games): sl"]
      message: "1 game package(s), 0 game file(s) found"
summary:
  description: Number of controls per status.
  returned: always
  type: dict
  sample: {pass: 6, fail: 1, fixed: 1, exempt: 0, error: 0}
changed:
  description: True when at least one control was fixed.
  returned: always
  type: bool
antivirus:
  description: The facts of the HIM-7.7-antivirus verdict (engine, databases, signature age, scan, detections).
  returned: when HIM-7.7-antivirus was checked
  type: dict
  sample: {signature_age_hours: 1.5, max_age_hours: 48, protection_on: true, engine: "ClamAV 1.4.3", detections: [],
           quarantined: 0}
diff:
  description: Before/after of every change (files, package lists, group members), with --diff.
  returned: when diff mode is on and something would change
  type: list
  elements: dict
"""

import datetime

from ansible.module_utils.basic import AnsibleModule
from ..module_utils.results import ERROR, RESULT_KEY, any_changed, summarize
from ..module_utils.workstation_antivirus import antivirus_problems
from ..module_utils.workstation_host import Host
from ..module_utils.workstation_linux import CHECKS, run_controls
from ..module_utils.workstation_policy import (
    controls_problems,
    parse_date,
    policy_problems,
)

ARGUMENT_SPEC = dict(
    controls=dict(type="list", elements="dict", required=True),
    policy=dict(type="dict", default={}),
    department=dict(type="dict", required=True),
    host=dict(type="str", required=True),
    groups=dict(type="list", elements="str", default=[]),
    connection_user=dict(type="str", default="root"),
    clinical_24h=dict(type="bool", default=False),
    enforce=dict(type="bool", default=False),
    today=dict(type="str", default=""),
    fail_on_error=dict(type="bool", default=True),
)


def build_module() -> AnsibleModule:
    return AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)


class WorkstationLinux:
    """One audit/enforce round trip over all selected controls."""

    def __init__(self, module: AnsibleModule, root: str = "/") -> None:
        self.module = module
        self.host = Host(self._run, root)

    def _run(self, argv: list[str]) -> tuple[int, str, str]:
        env = {"DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"}
        try:
            return self.module.run_command(argv, environ_update=env, handle_exceptions=False)
        except OSError as exc:  # a command that is not installed (clamd on a host without ClamAV)
            return 127, "", str(exc)

    def main(self) -> dict:
        p = self.module.params
        problems = controls_problems(p["host"], p["controls"], CHECKS) + policy_problems(
            p["host"], p["policy"], p["department"], p["connection_user"]
        )
        problems += antivirus_problems(p["host"], p["controls"], p["policy"]) if not problems else []
        if problems:
            self.module.fail_json(
                msg="workstation policy data is wrong, nothing was changed: " + "; ".join(problems), problems=problems
            )
        today = parse_date(p["today"]) if p["today"] else datetime.date.today()
        if today is None:
            self.module.fail_json(msg="host %s: today = %r is not a date (YYYY-MM-DD)" % (p["host"], p["today"]))
        enforce = p["enforce"] and not self.module.check_mode
        extra: dict = {}
        records, diffs = run_controls(self.host, p["controls"], p, enforce, today, extra)
        result = {
            **extra,  # the antivirus state (HIM-7.7-antivirus), which the recorder stores
            "changed": any_changed(records) or (self.module.check_mode and p["enforce"] and bool(diffs)),
            RESULT_KEY: records,
            "summary": summarize(records),
        }
        if self.module._diff and diffs:
            result["diff"] = diffs
        errors = [r for r in records if r["status"] == ERROR]
        if errors:
            result["msg"] = "; ".join("%s: %s" % (r["id"], r["message"]) for r in errors)
        return result


def main() -> None:
    module = build_module()
    module.exit_json(**WorkstationLinux(module).main())


if __name__ == "__main__":
    main()
