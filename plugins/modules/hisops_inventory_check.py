#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the hisops_inventory_check action (the work is done by plugins/action/hisops_inventory_check.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: hisops_inventory_check
short_description: Check the whole inventory before any host is touched
description:
  - The first task of every hisops playbook (C(playbooks/validate_inventory.yml)). Runs on the
    control node and fails with EVERY problem of the inventory in one list, one line each naming
    the host, the field and the file, before any host is contacted.
  - Checks, in this order, stopping after the first step that finds problems
    1) the YAML syntax of every C(group_vars)/C(host_vars) file next to the inventory sources and
    the playbooks (file, line and column);
    2) that the inventory has hosts;
    3) each host's department data (rulebook 七.2), each switch's data (vendor, model, VLAN plan,
    ports; an access port's VLAN must be in the VLAN plan), and variables that cannot be read
    (an undefined secret names the vault file it belongs in);
    4) the workstation policy data of every workstation.
version_added: "0.1.0"
options:
  require_groups:
    description: Groups that must have hosts (the groups the playbook's plays work on).
    type: list
    elements: str
    default: []
attributes:
  check_mode: {support: full, description: Reads only.}
  diff_mode: {support: none, description: Changes nothing.}
author: hisops contributors (@hisops)
"""

EXAMPLES = r"""
- name: Validate | the whole inventory, before any host is touched
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Validate | every host's data, all problems in one list
      hisops.him.hisops_inventory_check:
"""

RETURN = r"""
problems:
  description: Every problem found, one line each (empty when the inventory is valid).
  returned: always
  type: list
  elements: str
  sample: ["switch sw-mz-01: hisops_switch_ports[3].vlan 999 is not in the VLAN plan (hisops_vlans)"]
hosts:
  description: How many hosts the inventory has.
  returned: always
  type: int
  sample: 12
msg:
  description: The problems, one per line, or that the inventory is valid.
  returned: always
  type: str
  sample: the inventory is valid (12 hosts)
"""

from ansible.module_utils.basic import AnsibleModule


def build_module() -> AnsibleModule:
    return AnsibleModule(
        argument_spec={"require_groups": {"type": "list", "elements": "str", "default": []}},
        supports_check_mode=True,
    )


def main() -> None:
    module = build_module()
    module.fail_json(msg="hisops_inventory_check runs on the control node through its action plugin")


if __name__ == "__main__":
    main()
