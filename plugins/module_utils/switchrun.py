"""One switch-configuration run against one switch: back up, diff, push, save, verify, roll back.

Shared by the modules ``hisops_switch_config`` (one switch per Ansible host) and
``hisops_switch_config_fleet`` (many switches from one task: ``run_parallel``).
"""

from __future__ import annotations

import math
import multiprocessing
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ansible_collections.hisops.him.plugins.module_utils import cfgbackup, netdev, results, switchcfg

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
        path, _written = cfgbackup.write_backup(
            self.p["backup_dir"], self.name, text, self.p["backup_keep"], volatile=netdev.PROFILES[self.vendor].volatile
        )
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

    def _apply(self, intended: str, strict: bool) -> switchcfg.Diff:
        """Push what takes the switch to ``intended``; roll back and raise on any failure."""
        target = switchcfg.target(intended, self.vendor, strict=strict)
        before = self._running()
        self._backup(before)
        diff = switchcfg.compute(before, target, self.vendor)
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
            netdev.push(self.conn, diff.commands, self.vendor)
        except netdev.SwitchCommandError as exc:
            self._rollback(before)
            raise SwitchConfigFailed(
                "switch %s rejected a command (%s); the configuration before the push was restored: %s"
                % (self.name, exc, "yes" if self.result["rolled_back"] else "NO - check the switch by hand"),
                **self.result,
            ) from exc
        after = self._running()
        left = switchcfg.compute(after, target, self.vendor)
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
        # the verified configuration is the new version: saving rewrites only volatile lines
        # (a timestamp), so reading it again would cost a slow "show running-config" for nothing
        self._backup(after)
        return diff

    def _rollback(self, before: str) -> None:
        """Push the pre-push configuration back (managed blocks) and check it took."""
        try:
            target = switchcfg.target(before, self.vendor, strict=False)
            back = switchcfg.compute(self._running(), target, self.vendor)
            netdev.push(self.conn, back.commands, self.vendor)
            self.result["rolled_back"] = not switchcfg.compute(self._running(), target, self.vendor).changed
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
            netdev.close(self.conn, self.vendor)
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


# ------------------------------------------------------------------ many switches ------
# A process handles at least this many switches: below it, forking costs more than it saves.
MIN_SWITCHES_PER_PROCESS = 8


def run_switch(params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """One switch's run as a result dict; a failure is reported, never raised."""
    try:
        result = SwitchConfig(params, check_mode, diff).run()
        result["failed"] = False
    except RUN_ERRORS as exc:
        result = failure_result(params["name"], exc)
    if not diff:
        result.pop("diff", None)
    return result


def _run_threads(
    items: list[dict[str, Any]], check_mode: bool, diff: bool, threads: int
) -> list[tuple[str, dict[str, Any]]]:
    """Switches of one process, ``threads`` at once (each mostly waits for its switch)."""
    with ThreadPoolExecutor(max_workers=max(1, min(threads, len(items)))) as pool:
        results = pool.map(lambda item: run_switch(item, check_mode, diff), items)
        return [(item["name"], result) for item, result in zip(items, results, strict=True)]


def plan_processes(switches: int, processes: int = 0) -> int:
    """How many processes share the switches: ``processes`` (at most one per switch), or by
    default one per CPU core with at least MIN_SWITCHES_PER_PROCESS switches each."""
    if switches < 1:
        return 1
    if processes > 0:
        return min(processes, switches)
    return max(1, min(os.cpu_count() or 1, math.ceil(switches / MIN_SWITCHES_PER_PROCESS)))


def _lost_result(name: str, why: str) -> dict[str, Any]:
    msg = "the worker process running this switch ended abnormally (%s); check the switch, then run it again" % why
    return {"failed": True, "msg": "switch %s: %s" % (name, msg), "changed": False, **unreachable_result(name, msg)}


def _worker(share: list[dict[str, Any]], check_mode: bool, diff: bool, threads: int, out: Any) -> None:
    """A forked worker: run its switches, send ("ok", results) or ("bug", traceback) back."""
    try:
        message: tuple[str, Any] = ("ok", _run_threads(share, check_mode, diff, threads))
    except Exception:  # a bug: the parent re-raises it with this traceback
        import traceback

        message = ("bug", traceback.format_exc())
    out.send(message)
    out.close()


def run_parallel(
    items: list[dict[str, Any]], check_mode: bool, diff: bool, parallel: int, processes: int = 0
) -> dict[str, dict[str, Any]]:
    """Every switch's run, ``parallel`` at once, spread over worker processes.

    Threads of one process share one interpreter lock: with dozens of switches the SSH
    packet handling and the configuration parsing keep one core busy while the other
    waits. Switches are dealt round-robin to ``plan_processes`` forked workers (fork: a
    worker inherits the loaded module, whose file is not importable by name), each running
    its share in threads, ``parallel`` in all. Results come back in ``items`` order.

    Workers are independent processes, not a pool: a worker that dies (out of memory,
    killed) costs its own switches an error result, while the others finish their pushes
    (a pool would stop them mid-push).
    """
    workers = plan_processes(len(items), processes)
    if workers == 1 or "fork" not in multiprocessing.get_all_start_methods():
        return dict(_run_threads(items, check_mode, diff, max(1, parallel)))
    threads = max(1, math.ceil(max(1, parallel) / workers))
    ctx = multiprocessing.get_context("fork")
    running = []
    for share in (items[i::workers] for i in range(workers)):
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_worker, args=(share, check_mode, diff, threads, send), daemon=True)
        proc.start()
        send.close()  # the worker holds the only sending end: its death is an EOF here
        running.append((share, proc, receive))
    done: dict[str, dict[str, Any]] = {}
    bugs: list[str] = []
    for share, proc, receive in running:
        try:
            kind, payload = receive.recv()
        except EOFError:
            kind, payload = "lost", None
        proc.join()
        if kind == "ok":
            done.update(payload)
        elif kind == "bug":
            bugs.append(payload)
        else:
            why = "exit code %s" % proc.exitcode
            done.update((item["name"], _lost_result(item["name"], why)) for item in share)
    if bugs:
        raise RuntimeError("a switch worker failed:\n%s" % "\n".join(bugs))
    return {item["name"]: done[item["name"]] for item in items}
