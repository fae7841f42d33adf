#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the hisops_audit_trail action (the work is done by plugins/action/hisops_audit_trail.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: hisops_audit_trail
short_description: Check control HIM-7.6 (every run recorded) for a host
description:
  - Rulebook 七.6, 八.1(2), 八.1(4) ask to know who did what, when, with what result.
    hisops records every run with the C(hisops_recorder) callback; this action checks, on the
    control node, that the callback is enabled and that its results store opens at the current
    schema, and returns the C(HIM-7.6-audit-trail) record for the host with that evidence.
  - Runs on the control node only (an action plugin); it never connects to the host, so an
    unreachable host still gets the record.
version_added: "0.1.0"
options: {}
attributes:
  check_mode: {support: full, description: Reads only.}
  diff_mode: {support: none, description: Changes nothing.}
author: hisops contributors (@hisops)
"""

EXAMPLES = r"""
- name: HIM-7.6 | AUDIT | 操作留痕 / every run recorded
  hisops.him.hisops_audit_trail:
"""

RETURN = r"""
hisops_controls:
  description: One record for C(HIM-7.6-audit-trail) (status pass or fail, evidence names the store).
  returned: always
  type: list
  elements: dict
  sample: [{"id": "HIM-7.6-audit-trail", "status": "pass", "severity": "medium",
            "evidence": ["results store results/hisops.sqlite, schema version 2"], "changes": [],
            "message": "every run on this host is recorded (who, what, when, result)"}]
msg:
  description: The record's message.
  returned: always
  type: str
  sample: every run on this host is recorded (who, what, when, result)
"""

from ansible.module_utils.basic import AnsibleModule


def build_module() -> AnsibleModule:
    return AnsibleModule(argument_spec={}, supports_check_mode=True)


def main() -> None:
    module = build_module()
    module.fail_json(
        msg="hisops_audit_trail runs on the control node through its action plugin: check action_plugins in ansible.cfg"
    )


if __name__ == "__main__":
    main()
