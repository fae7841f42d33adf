#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep many switches at their baseline from ONE task, in threads of a few processes (the role's parallel mode)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: hisops_switch_config_fleet
short_description: Keep many switches at their baseline from one task, in parallel
description:
  - Does for every switch in O(switches) what M(hisops.him.hisops_switch_config) with C(state=present)
    does for one (back up, block-level diff, push, save only when changed, verify, roll back
    on a rejected command), with up to O(parallel) switches at once on the control node.
  - One module run instead of one per Ansible fork. With 50 switches, Ansible forks spend
    most of their time starting Python and importing netmiko (about 1 s of CPU each). Here
    the imports happen once; the switches are dealt to one forked worker process per CPU
    core (O(processes)), each running its share in threads, so SSH and configuration
    parsing use every core instead of one interpreter lock.
  - A switch that fails (unreachable, rejected command rolled back) is reported under its
    name and the others go on; the task fails only when O(fail_on_any) is true.
  - Check mode and diff work as in M(hisops.him.hisops_switch_config).
  - "With O(hosts) instead of O(switches) (the role C(switch_config), parallel mode), the action
    plugin of the same name builds the items on the controller: it checks every host's data
    (the role's argument spec and the switch checks) and fails with every host's problems in
    one list before anything is pushed, then renders each host's configuration with the role's
    vendor template."
  - With the local connection (the switches' own, C(ansible_connection=local)) the action plugin
    runs this module's code in a process forked on the control node instead of sending the
    module (no module payload, no new Python); options, check mode, diff, the masking of
    secrets, and SIGINT/SIGTERM (stop, restore each switch in the middle of a push) are the
    module's own.
options:
  switches:
    description:
      - One item per switch.
      - Required unless O(hosts) is given (then the action plugin builds it).
    type: list
    elements: dict
    suboptions:
      name: {description: Switch name (inventory hostname)., type: str, required: true}
      host: {description: Address of the switch., type: str, required: true}
      port: {description: SSH port., type: int, default: 22}
      vendor:
        description: Switch operating system.
        type: str
        required: true
        choices: [cisco_ios, h3c_comware, huawei_vrp, ruijie_os]
      username: {description: Login user., type: str, required: true}
      password: {description: Login password (Ansible Vault)., type: str, required: true}
      secret: {description: Enable secret (Cisco)., type: str, default: ""}
      intended_config: {description: The intended configuration., type: str, required: true}
      secrets:
        description: Secret values inside intended_config; masked in every output.
        type: list
        elements: str
        default: []
  hosts:
    description:
      - Inventory hostnames of the switches (usually C(ansible_play_batch)), each with the
        variables of the role C(switch_config); the action plugin turns them into O(switches).
      - Mutually exclusive with O(switches).
    type: list
    elements: str
  parallel: {description: Switches handled at once (threads in all worker processes)., type: int, default: 50}
  processes:
    description:
      - Worker processes that share the switches, each running its share in threads.
      - C(0) picks one per CPU core of the control node, with at least 8 switches per process.
      - C(1) runs every switch in threads of the module's own process; C(N) uses N processes
        (at most one per switch).
    type: int
    default: 0
  conn_timeout: {description: Seconds to wait for each SSH connection., type: float, default: 10}
  command_timeout: {description: Seconds to wait for each command's output., type: float, default: 30}
  known_hosts:
    description: Known-hosts file of the switches' SSH host keys, learnt on first use and checked afterwards.
    type: path
    default: ""
  backup_dir: {description: Folder that holds one backup folder per switch., type: path, required: true}
  backup_keep: {description: Number of backup versions kept per switch., type: int, default: 30}
  save: {description: Save when something changed., type: bool, default: true}
  fail_on_any: {description: Fail the task when any switch failed., type: bool, default: false}
author: hisops contributors (@hisops)
"""

EXAMPLES = r"""
- name: Check, render and push every switch of the play from one task (the role's parallel mode)
  hisops_switch_config_fleet:
    hosts: "{{ ansible_play_batch }}"
    parallel: 50
    backup_dir: backups/switches
  run_once: true

- name: Push to every switch of the play at once
  hisops.him.hisops_switch_config_fleet:
    switches: "{{ hisops_switch_fleet_items }}"
    parallel: 50
    backup_dir: backups/switches
  run_once: true
"""

RETURN = r"""
switches:
  description: Result per switch name, with the keys M(hisops.him.hisops_switch_config) returns plus failed and msg.
  returned: always
  type: dict
  sample: {"sw-mz-01": {"changed": true, "failed": false, "commands": ["vlan 130"], "hisops_controls": []}}
problems:
  description: Every switch's data problems, each naming the switch and the field (O(hosts) only; nothing was pushed).
  returned: when the data of any switch has a problem
  type: list
  elements: str
  sample: ["switch sw-mz-01: hisops_vlans.outpatient.id 4095 is not a VLAN id (1-4094)"]
failed_switches:
  description: Names of the switches that failed.
  returned: always
  type: list
  elements: str
  sample: ["sw-core-01"]
"""

from ansible.module_utils.basic import AnsibleModule
from ..module_utils.switchfleet import (
    FLEET_SPEC,
    MUTUALLY_EXCLUSIVE,
    REQUIRED_ONE_OF,
    fleet_result,
    option_problems,
    run_fleet,
)
from ..module_utils.switchrun import stop_on_signals

__all__ = ["build_module", "main", "run_fleet"]


def build_module() -> AnsibleModule:
    return AnsibleModule(
        argument_spec=FLEET_SPEC,
        required_one_of=REQUIRED_ONE_OF,
        mutually_exclusive=MUTUALLY_EXCLUSIVE,
        supports_check_mode=True,
    )


def main() -> None:
    module = build_module()
    problems = option_problems(module.params)
    if problems:
        module.fail_json(msg="; ".join(problems))
    stop_on_signals()  # SIGINT/SIGTERM: stop sending, restore each switch in the middle of a push
    result = fleet_result(run_fleet(module.params, module.check_mode, module._diff), module.params["fail_on_any"])
    if result.pop("failed"):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
