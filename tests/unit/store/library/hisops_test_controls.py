#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only module: returns the control records it is given, as a hisops audit module would."""

from __future__ import annotations

import time

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: hisops_test_controls
short_description: Return given hisops control records (tests of the recording callback only)
options:
  records: {description: Records returned under hisops_controls., type: list, elements: raw, default: []}
  changed: {description: Report a change., type: bool, default: false}
  fail: {description: Fail after building the records., type: bool, default: false}
  sleep: {description: Seconds to sleep first (interrupt tests)., type: float, default: 0}
  diff_after: {description: Text returned as the diff's after side when changed., type: str, default: ""}
"""
RETURN = r"""
hisops_controls: {description: The records given., returned: always, type: list, elements: dict}
"""


def build_module() -> AnsibleModule:
    return AnsibleModule(
        argument_spec={
            "records": {"type": "list", "elements": "raw", "default": []},
            "changed": {"type": "bool", "default": False},
            "fail": {"type": "bool", "default": False},
            "sleep": {"type": "float", "default": 0},
            "diff_after": {"type": "str", "default": ""},
        },
        supports_check_mode=True,
    )


def main() -> None:
    module = build_module()
    time.sleep(module.params["sleep"])
    result = {"changed": module.params["changed"], "hisops_controls": module.params["records"]}
    if module.params["changed"] and module.params["diff_after"]:
        result["diff"] = {"before": "", "after": module.params["diff_after"], "after_header": "/etc/test.conf"}
    if module.params["fail"]:
        module.fail_json(msg="test failure requested", **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
