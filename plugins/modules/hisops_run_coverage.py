#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the hisops_run_coverage action (the work is done by plugins/action/hisops_run_coverage.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: hisops_run_coverage
short_description: Fail the run when a control that applies to a host was not checked
description:
  - The last task of a compliance run. Reads, from the results store, what the C(hisops_recorder)
    callback recorded for THIS run and lists every control of the catalog that applies to a host
    in the run's scope and has no result, with the reason (host unreachable, play failed on the
    host, no play checked it).
  - Fails (so the run exits non-zero and is recorded C(failed)) when there is any such control,
    or when the run is not being recorded at all (the audit trail would be lost).
  - Controls the catalog marks as not implemented (C(implemented) false) and hosts or controls left out by
    C(--limit)/C(--tags) are listed in the result but do not fail the run; the reports show
    them as not checked.
  - Runs on the control node only (an action plugin).
version_added: "0.1.0"
options:
  scope:
    description:
      - C(controls) (the default) checks the run's coverage, at the end of a compliance run.
      - C(recording) only checks that this run is being recorded in a results store that opens
        and is sound; the first task of every playbook that changes hosts, so that a run that
        cannot be recorded changes nothing.
    type: str
    choices: [controls, recording]
    default: controls
  max_lines:
    description: How many not-checked controls the failure message lists (the result holds all).
    type: int
    default: 20
attributes:
  check_mode: {support: full, description: Reads only.}
  diff_mode: {support: none, description: Changes nothing.}
author: hisops contributors (@hisops)
"""

EXAMPLES = r"""
- name: Compliance | every control accounted for
  hosts: localhost
  gather_facts: false
  tasks:
    - name: HIM-7.6 | AUDIT | every control of every host checked
      hisops.him.hisops_run_coverage:
"""

RETURN = r"""
not_checked:
  description: Every (host, control) of the run without a result, with its reason.
  returned: always
  type: list
  elements: dict
  sample: [{"host": "ws-mz-01", "department": "outpatient", "control_id": "HIM-5.4-games",
            "severity": "high", "reason": "unreachable"}]
faults:
  description: How many of them are not checked because of the run (unreachable, play failed, not run).
  returned: always
  type: int
  sample: 8
msg:
  description: One line per fault (up to max_lines), or what was checked.
  returned: always
  type: str
  sample: "8 controls were not checked: ws-mz-01 HIM-5.4-games (host unreachable)"
"""

from ansible.module_utils.basic import AnsibleModule


def build_module() -> AnsibleModule:
    return AnsibleModule(
        argument_spec={
            "scope": {"type": "str", "choices": ["controls", "recording"], "default": "controls"},
            "max_lines": {"type": "int", "default": 20},
        },
        supports_check_mode=True,
    )


def main() -> None:
    module = build_module()
    module.fail_json(
        msg="hisops_run_coverage runs on the control node through its action plugin: see action_plugins in ansible.cfg"
    )


if __name__ == "__main__":
    main()
