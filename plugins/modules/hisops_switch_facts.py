#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only facts from a switch over SSH (netmiko)."""

from __future__ import annotations


DOCUMENTATION = r"""
---
module: hisops_switch_facts
short_description: Read a switch's identity (model, serial, software) over SSH
description:
  - Connects to a switch with netmiko from the control node and reads its prompt and
    software version, and on Huawei VRP (C(display esn)) and H3C Comware
    (C(display device manuinfo)) its serial number. Changes nothing on the switch.
  - Returns the switch's model, serial number, software version and host name as Ansible
    network facts (C(ansible_net_*), the names C(cisco.ios.ios_facts) uses), which the
    hisops_recorder callback stores in the equipment register (rulebook 八.1(4)).
  - Used by the compliance run (asset facts), the lab smoke test and evidence collection.
extends_documentation_fragment: [hisops.him.hisops_switch_connection]
options:
  evidence:
    description:
      - Also read the running configuration, the interface status and the log buffer
        (rulebook 七.5 - keep the scene). Still read-only.
    type: bool
    default: false
author: hisops contributors (@hisops)
"""

EXAMPLES = r"""
- name: Read switch facts
  hisops.him.hisops_switch_facts:
    host: "{{ ansible_host }}"
    port: "{{ ansible_port }}"
    vendor: "{{ hisops_switch_vendor }}"
    username: "{{ hisops_switch_username }}"
    password: "{{ hisops_switch_password }}"
    secret: "{{ hisops_switch_secret }}"
"""

RETURN = r"""
ansible_facts:
  description: The switch's identity. A value the switch does not show is left out.
  returned: success
  type: dict
  contains:
    ansible_net_vendor: {description: "Manufacturer (Cisco, Ruijie, Huawei, H3C).", type: str, sample: Huawei}
    ansible_net_system: {description: "Operating system (IOS, RGOS, VRP, Comware).", type: str, sample: VRP}
    ansible_net_hostname: {description: Host name from the CLI prompt., type: str, sample: sw-hw-01}
    ansible_net_model: {description: Model., type: str, sample: S5735-L24T4S-A}
    ansible_net_serialnum: {description: Serial number (ESN on Huawei)., type: str, sample: 2102353169DMKB000123}
    ansible_net_version: {description: Software version., type: str, sample: V200R019C10SPC500}
    ansible_net_mgmt_ipv4:
      description: The IPv4 address hisops reached the switch on (hisops addition).
      type: str
      sample: 10.10.0.2
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

from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ..module_utils import switchfacts
from ..module_utils.netdev import (
    CONNECTION_SPEC,
    PROFILES,
    SwitchConnectionError,
    close,
    connect,
    running_config,
    show,
)


def build_module() -> AnsibleModule:
    spec = dict(CONNECTION_SPEC)
    spec["evidence"] = {"type": "bool", "default": False}
    return AnsibleModule(argument_spec=spec, supports_check_mode=True)


def read(conn: Any, vendor: str, host: str, evidence: bool) -> dict[str, Any]:
    """Everything the module returns, read over an open session (read-only commands)."""
    profile = PROFILES[vendor]
    result: dict[str, Any] = {"prompt": conn.find_prompt(), "version": show(conn, profile.show_version)}
    serial_text = show(conn, profile.show_serial) if profile.show_serial else ""
    result["ansible_facts"] = switchfacts.facts(vendor, result["prompt"], result["version"], serial_text, host)
    if evidence:
        result["config"] = running_config(conn, vendor)
        result["interfaces"] = show(conn, profile.interface_status)
        result["logs"] = show(conn, profile.logs)
    return result


def main() -> None:
    from netmiko.exceptions import ReadTimeout

    module = build_module()
    params = module.params
    try:
        conn = connect(params)
    except SwitchConnectionError as exc:
        module.fail_json(msg=str(exc))
    try:
        result = read(conn, params["vendor"], params["host"], params["evidence"])
    except (ReadTimeout, OSError, EOFError) as exc:
        module.fail_json(
            msg="switch %s:%s stopped answering while its facts were read (%s): check it, or raise "
            "hisops_switch_command_timeout"
            % (params["host"], params["port"], str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        )
    finally:
        close(conn, params["vendor"])
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
