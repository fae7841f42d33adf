#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only facts from a switch over SSH (netmiko)."""

from __future__ import annotations


DOCUMENTATION = r"""
---
module: hisops_switch_facts
short_description: Read a switch's prompt and software version over SSH
description:
  - Connects to a switch with netmiko from the control node and reads its prompt and
    software version. Changes nothing on the switch.
  - Used by the lab smoke test and as the first step of evidence collection.
extends_documentation_fragment: [hisops_switch_connection]
options:
  evidence:
    description:
      - Also read the running configuration, the interface status and the log buffer
        (rulebook 七.5 - keep the scene). Still read-only.
    type: bool
    default: false
author: hisops contributors
"""

EXAMPLES = r"""
- name: Read switch facts
  hisops_switch_facts:
    host: "{{ ansible_host }}"
    port: "{{ ansible_port }}"
    vendor: "{{ hisops_switch_vendor }}"
    username: "{{ hisops_switch_username }}"
    password: "{{ hisops_switch_password }}"
    secret: "{{ hisops_switch_secret }}"
"""

RETURN = r"""
prompt:
  description: The switch's CLI prompt (usually its hostname).
  returned: success
  type: str
  sample: "sw-core-01#"
version:
  description: Output of the vendor's show/display version command.
  returned: success
  type: str
  sample: "Cisco IOS Software, C2960 Software ..."
config:
  description: Running configuration (show running-config / display current-configuration).
  returned: when evidence is true
  type: str
  sample: "vlan 110\n name MZ-OUTPATIENT"
interfaces:
  description: Interface status (show interfaces status / display interface brief).
  returned: when evidence is true
  type: str
  sample: "Interface  PHY  Protocol ..."
logs:
  description: Log buffer (show logging / display logbuffer).
  returned: when evidence is true
  type: str
  sample: "%%01SHELL/5/LOGIN ..."
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.hisops.netdev import (
    CONNECTION_SPEC,
    PROFILES,
    SHOW_VERSION,
    SwitchConnectionError,
    connect,
    running_config,
)


def build_module() -> AnsibleModule:
    spec = dict(CONNECTION_SPEC)
    spec["evidence"] = {"type": "bool", "default": False}
    return AnsibleModule(argument_spec=spec, supports_check_mode=True)


def main() -> None:
    module = build_module()
    try:
        conn = connect(module.params)
    except SwitchConnectionError as exc:
        module.fail_json(msg=str(exc))
    vendor = module.params["vendor"]
    result = {}
    try:
        result["prompt"] = conn.find_prompt()
        result["version"] = conn.send_command(SHOW_VERSION[vendor])
        if module.params["evidence"]:
            result["config"] = running_config(conn, vendor)
            result["interfaces"] = conn.send_command(PROFILES[vendor].interface_status)
            result["logs"] = conn.send_command(PROFILES[vendor].logs)
    finally:
        conn.disconnect()
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
