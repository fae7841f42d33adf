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
options:
  name: {description: Switch name (the inventory hostname); names its backup folder., type: str, required: true}
  host: {description: Address of the switch., type: str, required: true}
  port: {description: SSH port., type: int, default: 22}
  vendor:
    description: Switch operating system.
    type: str
    required: true
    choices: [cisco_ios, h3c_comware, huawei_vrp, ruijie_os]
  username: {description: Login user., type: str, required: true}
  password: {description: Login password (keep it in Ansible Vault)., type: str, required: true}
  secret: {description: Enable secret (Cisco)., type: str, default: ""}
  conn_timeout: {description: Seconds to wait for the SSH connection., type: float, default: 10}
  command_timeout: {description: Seconds to wait for a command's output., type: float, default: 30}
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
author: hisops contributors
"""

EXAMPLES = r"""
- name: Push the intended configuration
  hisops_switch_config:
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
  hisops_switch_config:
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
restored_from:
  description: Backup file name pushed back (state=restore).
  returned: when state is restore
  type: str
  sample: 20261125T231502.123456Z.cfg
hisops_controls:
  description: Control records HIM-3.4-switch-config and HIM-3.7-switch-backup (see module_utils/hisops/results.py).
  returned: always
  type: list
  elements: dict
  sample: [{"id": "HIM-3.4-switch-config", "status": "fixed", "severity": "high",
            "evidence": ["interface FastEthernet0/1"], "changes": ["switchport access vlan 120"], "message": "..."}]
"""

import os
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.hisops import cfgbackup, netdev, results, switchcfg

CONFIG_CONTROL = "HIM-3.4-switch-config"
BACKUP_CONTROL = "HIM-3.7-switch-backup"
SEVERITY = "high"


class SwitchConfigFailed(Exception):
    """The run failed; carries what to report."""

    def __init__(self, msg: str, **result: Any) -> None:
        super().__init__(msg)
        self.result = result


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


class SwitchConfig:
    """One run against one switch."""

    def __init__(self, params: dict[str, Any], check_mode: bool = False) -> None:
        self.p = params
        self.check_mode = check_mode
        self.vendor: str = params["vendor"]
        self.name: str = params["name"]
        self.conn: Any = None
        self.result: dict[str, Any] = {
            "changed": False,
            "commands": [],
            "backup_file": "",
            "backups": [],
            "saved": False,
            "verified": False,
            "rolled_back": False,
        }

    # ---------------------------------------------------------------- helpers ---------
    def _backups(self) -> list[str]:
        return cfgbackup.list_backups(self.p["backup_dir"], self.name)

    def _backup(self, text: str) -> None:
        """Store the running configuration (not in check mode: nothing is written then)."""
        if self.check_mode:
            names = self._backups()
            self.result["backup_file"] = os.path.join(self.p["backup_dir"], self.name, names[-1]) if names else ""
            return
        path, _written = cfgbackup.write_backup(self.p["backup_dir"], self.name, text, self.p["backup_keep"])
        self.result["backup_file"] = path

    def _backup_control(self) -> dict[str, Any]:
        names = self._backups()
        self.result["backups"] = names
        if names:
            return results.control_result(
                BACKUP_CONTROL,
                results.PASS,
                SEVERITY,
                ["%d backups, newest %s" % (len(names), names[-1])],
                message="switch %s has a configuration backup to roll back to" % self.name,
            )
        return results.control_result(
            BACKUP_CONTROL,
            results.FAIL,
            SEVERITY,
            ["no backup in %s" % self.p["backup_dir"]],
            message="switch %s has no configuration backup" % self.name,
        )

    def _running(self) -> str:
        return netdev.running_config(self.conn, self.vendor)

    def _apply(self, target: str, strict: bool) -> switchcfg.Diff:
        """Push what takes the switch to ``target``; roll back and raise on any failure."""
        before = self._running()
        self._backup(before)
        diff = switchcfg.compute(before, target, self.vendor, strict=strict)
        self.result["commands"] = diff.commands
        self.result["diff"] = {
            "before": diff.before,
            "after": diff.after,
            "before_header": "%s running" % self.name,
            "after_header": "%s intended" % self.name,
        }
        if not diff.changed:
            self.result["verified"] = True
            return diff
        self.result["changed"] = True
        if self.check_mode:
            return diff
        try:
            netdev.push(self.conn, diff.commands)
        except netdev.SwitchCommandError as exc:
            self._rollback(before)
            raise SwitchConfigFailed(
                "switch %s rejected a command (%s); the configuration before the push was restored: %s"
                % (self.name, exc, "yes" if self.result["rolled_back"] else "NO - check the switch by hand"),
                **self.result,
            ) from exc
        left = switchcfg.compute(self._running(), target, self.vendor, strict=strict)
        if left.changed:
            self._rollback(before)
            raise SwitchConfigFailed(
                "switch %s accepted the commands but its configuration still differs (%s); the configuration "
                "before the push was restored: %s"
                % (self.name, "; ".join(left.commands[:5]), "yes" if self.result["rolled_back"] else "NO"),
                **self.result,
            )
        self.result["verified"] = True
        if self.p["save"]:
            netdev.save(self.conn, self.vendor)
            self.result["saved"] = True
        self._backup(self._running())
        return diff

    def _rollback(self, before: str) -> None:
        """Push the pre-push configuration back (managed blocks) and check it took."""
        try:
            back = switchcfg.compute(self._running(), before, self.vendor, strict=False)
            netdev.push(self.conn, back.commands)
            self.result["rolled_back"] = not switchcfg.compute(
                self._running(), before, self.vendor, strict=False
            ).changed
        except (netdev.SwitchCommandError, switchcfg.ConfigError, OSError) as exc:
            self.result["rollback_error"] = str(exc)
            self.result["rolled_back"] = False

    # ---------------------------------------------------------------- states ----------
    def present(self) -> None:
        diff = self._apply(self.p["intended_config"], strict=True)
        if not diff.changed:
            status, msg = results.PASS, "switch %s matches its baseline configuration" % self.name
        elif self.check_mode:
            status, msg = (
                results.FAIL,
                "switch %s differs from its baseline: %d commands would be sent" % (self.name, len(diff.commands)),
            )
        else:
            status, msg = (
                results.FIXED,
                "switch %s brought to its baseline: %d commands sent%s"
                % (self.name, len(diff.commands), ", saved" if self.result["saved"] else ""),
            )
        self.result[results.RESULT_KEY] = [
            results.control_result(
                CONFIG_CONTROL,
                status,
                SEVERITY,
                diff.commands if diff.changed else [],
                diff.commands if status == results.FIXED else [],
                msg,
            ),
            self._backup_control(),
        ]

    def restore(self) -> None:
        name, text = cfgbackup.read_backup(self.p["backup_dir"], self.name, self.p["backup_version"])
        self.result["restored_from"] = name
        self._apply(text, strict=False)
        self.result[results.RESULT_KEY] = [self._backup_control()]

    def backup(self) -> None:
        before = self.result["backups"] = self._backups()
        self._backup(self._running())
        self.result["changed"] = not self.check_mode and self._backups() != before
        self.result[results.RESULT_KEY] = [self._backup_control()]

    def run(self) -> dict[str, Any]:
        state = self.p["state"]
        if state == "list":
            self.result[results.RESULT_KEY] = [self._backup_control()]
            return self.result
        self.conn = netdev.connect(self.p)
        try:
            getattr(self, state)()
        finally:
            self.conn.disconnect()
        return self.result


def unreachable_result(name: str, msg: str) -> dict[str, Any]:
    return {
        results.RESULT_KEY: [
            results.control_result(
                CONFIG_CONTROL, results.ERROR, SEVERITY, [msg], message="switch %s: %s" % (name, msg)
            )
        ]
    }


def main() -> None:
    module = build_module()
    run = SwitchConfig(module.params, module.check_mode)
    try:
        result = run.run()
    except netdev.SwitchConnectionError as exc:
        module.fail_json(msg=str(exc), unreachable=True, **unreachable_result(module.params["name"], str(exc)))
    except SwitchConfigFailed as exc:
        exc.result[results.RESULT_KEY] = [
            results.control_result(
                CONFIG_CONTROL, results.ERROR, SEVERITY, exc.result.get("commands", []), message=str(exc)
            )
        ]
        module.fail_json(msg=str(exc), **exc.result)
    except (switchcfg.ConfigError, cfgbackup.BackupError, netdev.SwitchCommandError) as exc:
        module.fail_json(msg="switch %s: %s" % (module.params["name"], exc), **run.result)
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
