#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Back up, diff, push, save, verify and roll back a switch configuration (netmiko)."""

from __future__ import annotations


DOCUMENTATION = r"""
---
module: hisops_switch_config
short_description: Keep a switch's configuration at its baseline, with backups and rollback
description:
  - Runs on the control node and reaches the switch over SSH with netmiko (Cisco IOS,
    Ruijie RGOS, Huawei VRP, H3C Comware).
  - C(state=present) backs up the running configuration, computes the block-level
    difference to O(intended_config) with hier-config, and pushes only the commands
    that remedy it. It saves only when something changed, reads the configuration back
    and checks that nothing is left to change. When the switch rejects a command or the
    check fails, the pre-push configuration is pushed back and the task fails.
  - In check mode nothing is sent to the switch and no backup is written; the commands
    that would be sent are returned, and with C(--diff) the configuration diff is shown.
  - C(state=backup) stores the running configuration; C(state=restore) pushes a stored
    backup back (managed blocks only); C(state=list) lists stored backups without
    connecting.
  - Backups are kept on the control node under O(backup_dir)/<name>/<UTC timestamp>.cfg,
    written atomically; a new version is stored only when the configuration differs
    from the newest one; the newest O(backup_keep) versions are kept.
  - Returns the control records C(HIM-3.4-switch-config) and C(HIM-3.7-switch-backup)
    under C(hisops_controls).
extends_documentation_fragment: [hisops.him.hisops_switch_connection]
options:
  name: {description: Switch name (the inventory hostname); names its backup folder., type: str, required: true}
  state:
    description: What to do.
    type: str
    choices: [present, backup, restore, list]
    default: present
  intended_config:
    description: The intended configuration (required for C(state=present)), in the vendor's running-config form.
    type: str
  secrets:
    description: Secret values inside O(intended_config); masked in every output.
    type: list
    elements: str
    default: []
  backup_dir: {description: Folder that holds one backup folder per switch., type: path, required: true}
  backup_keep: {description: Number of backup versions kept per switch., type: int, default: 30}
  backup_version:
    description: Backup to restore (C(state=restore)) - a file name, C(latest), or C(-N) (N-th newest).
    type: str
    default: latest
  save:
    description: Save the running configuration to the start-up configuration when something changed.
    type: bool
    default: true
author: hisops contributors (@hisops)
"""

EXAMPLES = r"""
- name: Push the intended configuration
  hisops.him.hisops_switch_config:
    name: "{{ inventory_hostname }}"
    host: "{{ ansible_host }}"
    port: "{{ ansible_port }}"
    vendor: huawei_vrp
    username: "{{ hisops_switch_username }}"
    password: "{{ hisops_switch_password }}"
    intended_config: "{{ lookup('ansible.builtin.template', 'huawei_vrp.j2') }}"
    secrets: ["{{ hisops_switch_snmp_community }}"]
    backup_dir: backups/switches

- name: Restore the backup before the newest one
  hisops.him.hisops_switch_config:
    name: "{{ inventory_hostname }}"
    host: "{{ ansible_host }}"
    vendor: cisco_ios
    username: "{{ hisops_switch_username }}"
    password: "{{ hisops_switch_password }}"
    secret: "{{ hisops_switch_secret }}"
    state: restore
    backup_version: "-2"
    backup_dir: backups/switches
"""

RETURN = r"""
commands:
  description: Commands sent to the switch (or, in check mode, that would be sent); secrets masked.
  returned: always
  type: list
  elements: str
  sample: ["interface FastEthernet0/1", "switchport access vlan 120", "exit"]
backup_file:
  description: Path of the newest backup of this switch on the control node (empty when none).
  returned: always
  type: str
  sample: backups/switches/sw-mz-01/20261125T231502.123456Z.cfg
backups:
  description: File names of this switch's stored backups, oldest first.
  returned: always
  type: list
  elements: str
  sample: ["20261125T231502.123456Z.cfg"]
saved:
  description: Whether the configuration was saved to the start-up configuration.
  returned: always
  type: bool
  sample: true
verified:
  description: Whether the configuration read back after the push matched the intended one.
  returned: always
  type: bool
  sample: true
rolled_back:
  description: Whether the pre-push configuration was pushed back after a failure.
  returned: always
  type: bool
  sample: false
drift:
  description:
    - Set when the switch's running configuration differed, before this push, from both its last
      backup and the intended configuration (an interrupted push, or a change by hand).
  returned: when such a difference was found (state=present)
  type: str
  sample: "switch sw-mz-01: its running configuration differs from its last backup ..."
secret_versions:
  description:
    - The hashed secrets (local-user passwords, SNMP communities) this push set and verified, by
      their masked line, with the version now on the switch (a keyed fingerprint of the intended
      line, never the secret). The recorder keeps them in the results store (table
      switch_secret_versions); the source of truth stays the file beside the switch's backups.
  returned: when a push changed a secret (state=present)
  type: list
  elements: dict
  sample: [{"secret": "username netadmin privilege 15 secret <hashed>", "version": "0f3a9c2b...", "verified": true}]
restored_from:
  description: Backup file name pushed back (state=restore).
  returned: when state is restore
  type: str
  sample: 20261125T231502.123456Z.cfg
hisops_controls:
  description: Control records HIM-3.4-switch-config and HIM-3.7-switch-backup (see module_utils/results.py).
  returned: always
  type: list
  elements: dict
  sample: [{"id": "HIM-3.4-switch-config", "status": "fixed", "severity": "high",
            "evidence": ["interface FastEthernet0/1"], "changes": ["switchport access vlan 120"], "message": "..."}]
"""

from ansible.module_utils.basic import AnsibleModule
from ..module_utils import netdev
from ..module_utils.switchrun import (
    RUN_ERRORS,
    SwitchConfig,
    SwitchConfigFailed,
    failure_result,
    stop_on_signals,
)

__all__ = ["SwitchConfig", "SwitchConfigFailed", "build_module"]


def build_module() -> AnsibleModule:
    spec = dict(netdev.CONNECTION_SPEC)
    spec.update(
        name={"type": "str", "required": True},
        state={"type": "str", "choices": ["present", "backup", "restore", "list"], "default": "present"},
        intended_config={"type": "str"},
        secrets={"type": "list", "elements": "str", "default": [], "no_log": True},
        backup_dir={"type": "path", "required": True},
        backup_keep={"type": "int", "default": 30},
        backup_version={"type": "str", "default": "latest"},
        save={"type": "bool", "default": True},
    )
    return AnsibleModule(
        argument_spec=spec,
        required_if=[("state", "present", ["intended_config"])],
        supports_check_mode=True,
    )


def main() -> None:
    module = build_module()
    stop_on_signals()  # SIGINT/SIGTERM: stop sending, restore the switch from this run's backup
    run = SwitchConfig(module.params, module.check_mode, module._diff)
    try:
        result = run.run()
    except RUN_ERRORS as exc:
        failed = failure_result(module.params["name"], exc)
        if not isinstance(exc, (SwitchConfigFailed, netdev.SwitchConnectionError)):
            failed = {**run.result, **failed}
        failed.pop("failed")
        msg = failed.pop("msg")
        if not module._diff:
            failed.pop("diff", None)
        module.fail_json(msg=msg, **failed)
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
