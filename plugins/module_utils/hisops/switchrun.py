"""One switch-configuration run against one switch: back up, diff, push, save, verify, roll back.

Shared by the modules ``hisops_switch_config`` (one switch per Ansible host) and
``hisops_switch_config_fleet`` (many switches from one task, in threads).
"""

from __future__ import annotations

import os
from typing import Any

from ansible.module_utils.hisops import cfgbackup, netdev, results, switchcfg

CONFIG_CONTROL = "HIM-3.4-switch-config"
BACKUP_CONTROL = "HIM-3.7-switch-backup"
SEVERITY = "high"


class SwitchConfigFailed(Exception):
    """The run failed; carries what to report."""

    def __init__(self, msg: str, **result: Any) -> None:
        super().__init__(msg)
        self.result = result


class SwitchConfig:
    """One run against one switch."""

    def __init__(self, params: dict[str, Any], check_mode: bool = False, diff: bool = False) -> None:
        self.p = params
        self.check_mode = check_mode
        self.want_diff = diff
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
        if self.want_diff:
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


def failure_result(name: str, exc: Exception) -> dict[str, Any]:
    """The result of a run that failed (unreachable, rejected and rolled back, bad input)."""
    if isinstance(exc, SwitchConfigFailed):
        result = dict(exc.result)
        result[results.RESULT_KEY] = [
            results.control_result(
                CONFIG_CONTROL, results.ERROR, SEVERITY, result.get("commands", []), message=str(exc)
            )
        ]
        return {"failed": True, "msg": str(exc), **result}
    if isinstance(exc, netdev.SwitchConnectionError):
        return {
            "failed": True,
            "msg": str(exc),
            "unreachable": True,
            "changed": False,
            **unreachable_result(name, str(exc)),
        }
    return {"failed": True, "msg": "switch %s: %s" % (name, exc), "changed": False}


# what a run can fail with and report (anything else is a bug and shows its traceback)
RUN_ERRORS = (
    SwitchConfigFailed,
    netdev.SwitchConnectionError,
    netdev.SwitchCommandError,
    switchcfg.ConfigError,
    cfgbackup.BackupError,
    OSError,
)
