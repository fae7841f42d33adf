"""One switch-configuration run against one switch: back up, diff, push, save, verify, roll back.

Shared by the modules ``hisops_switch_config`` (one switch per Ansible host) and
``hisops_switch_config_fleet`` (many switches from one task: ``run_parallel``).
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from . import cfgbackup, netdev, results, switchcfg

CONFIG_CONTROL = "HIM-3.4-switch-config"
BACKUP_CONTROL = "HIM-3.7-switch-backup"
SEVERITY = "high"


# Set by SIGINT/SIGTERM (``stop_on_signals``): no new switch starts, no further command
# group is sent, and each switch in the middle of a push is restored from this run's backup.
STOP = threading.Event()
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_HANDLERS = {"installed": False}


def stop_on_signals(forward_to: list[Any] | None = None) -> None:
    """Install the handlers that set STOP (and pass the signal on to worker processes)."""

    def handler(signum: int, _frame: Any) -> None:
        STOP.set()
        STOP.signum = signum  # type: ignore[attr-defined]
        for proc in forward_to or []:
            if proc.is_alive() and proc.pid:
                os.kill(proc.pid, signal.SIGTERM)

    for sig in STOP_SIGNALS:
        signal.signal(sig, handler)
    _HANDLERS["installed"] = True


def _stop_name() -> str:
    signum = getattr(STOP, "signum", signal.SIGTERM)
    return signal.Signals(signum).name


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
        # redacted at rest: the secrets live in Vault only; a restore leaves them as they are
        path, _written = cfgbackup.write_backup(
            self.p["backup_dir"],
            self.name,
            switchcfg.mask_secrets(text),
            self.p["backup_keep"],
            volatile=netdev.PROFILES[self.vendor].volatile,
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

    def _versions(self, track: bool) -> switchcfg.SecretVersions | None:
        """The secret versions last pushed to this switch (None: compare hashed secrets by presence)."""
        if not track:
            return None
        if self.check_mode and not cfgbackup.has_version_key(self.p["backup_dir"]):
            # check mode writes nothing: without a key nothing was recorded, every secret would be pushed
            return switchcfg.SecretVersions(b"")
        key = cfgbackup.version_key(self.p["backup_dir"])
        return switchcfg.SecretVersions(key, cfgbackup.read_versions(self.p["backup_dir"], self.name))

    def _check_drift(self, running: str, last_backup: str) -> None:
        """Report a switch whose configuration differs from both its last backup and the intended one.

        After a verified push the last backup IS the intended configuration; a push that was
        killed (SIGKILL, power loss) leaves the switch between the two, as does a change by
        hand. Reported before this run pushes, with the backup that holds the earlier state.
        """
        _name, text = cfgbackup.read_backup(self.p["backup_dir"], self.name, last_backup)
        if cfgbackup.same_version(text, switchcfg.mask_secrets(running), netdev.PROFILES[self.vendor].volatile):
            return  # the usual case, without parsing both
        since = switchcfg.compute(running, switchcfg.target(text, self.vendor, strict=False), self.vendor)
        if since.changed:
            self.result["drift"] = (
                "switch %s: its running configuration differs from its last backup %s and from the intended "
                "configuration (an interrupted push or a change by hand: %s); the backup holds the earlier "
                "state, the running one is backed up before this push"
                % (self.name, last_backup, switchcfg.mask_secrets("; ".join(since.commands[:5])))
            )
            self.result.setdefault("warnings", []).append(self.result["drift"])

    def _show_diff(self, diff: switchcfg.Diff) -> None:
        self.result["commands"] = [switchcfg.mask_secrets(c) for c in diff.commands]
        if self.want_diff:
            self.result["diff"] = {
                "before": switchcfg.mask_secrets(diff.before),
                "after": switchcfg.mask_secrets(diff.after),
                "before_header": "%s running" % self.name,
                "after_header": "%s intended" % self.name,
            }

    def _apply(self, intended: str, strict: bool, track_secrets: bool = False) -> switchcfg.Diff:
        """Push what takes the switch to ``intended``; roll back and raise on any failure.

        ``track_secrets``: hashed secrets are compared by the version last pushed (an
        intended configuration with clear-text secrets, not a backup).
        """
        versions = self._versions(track_secrets)
        before_records = dict(versions.records) if versions is not None else {}
        target = switchcfg.target(intended, self.vendor, strict=strict, versions=versions)
        before = self._running()
        drift_from = self._backups()[-1:] if track_secrets else []
        self._backup(before)
        diff = switchcfg.compute(before, target, self.vendor, versions=versions)
        if drift_from and diff.changed:
            self._check_drift(before, drift_from[0])
        self._show_diff(diff)
        if not diff.changed:
            self.result["verified"] = True
            return diff
        self.result["changed"] = True
        if self.check_mode:
            return diff
        try:
            netdev.push(self.conn, diff.commands, self.vendor, stop=STOP.is_set)
        except netdev.PushInterrupted as exc:
            self._rollback(before)
            self.result["interrupted"] = True
            raise SwitchConfigFailed(
                "switch %s: the run was stopped (%s) in the middle of the push; the configuration before the "
                "push (backup %s) was restored: %s"
                % (
                    self.name,
                    _stop_name(),
                    os.path.basename(self.result["backup_file"]),
                    "yes" if self.result["rolled_back"] else "NO - check the switch by hand",
                ),
                **self.result,
            ) from exc
        except netdev.SwitchCommandError as exc:
            self._rollback(before)
            raise SwitchConfigFailed(
                "switch %s rejected a command (%s); the configuration before the push was restored: %s"
                % (
                    self.name,
                    switchcfg.mask_secrets(str(exc)),
                    "yes" if self.result["rolled_back"] else "NO - check the switch by hand",
                ),
                **self.result,
            ) from exc
        after = self._running()
        if versions is not None:
            versions = switchcfg.record_pushed(versions, target, diff.running_prepared, after, self.vendor)
        left = switchcfg.compute(after, target, self.vendor, versions=versions)
        if left.changed:
            self._rollback(before)
            raise SwitchConfigFailed(
                "switch %s took the commands without an error but its configuration still differs (%s); the "
                "configuration before the push was restored: %s"
                % (
                    self.name,
                    switchcfg.mask_secrets("; ".join(left.commands[:5])),
                    "yes" if self.result["rolled_back"] else "NO",
                ),
                **self.result,
            )
        self.result["verified"] = True
        if versions is not None:
            cfgbackup.write_versions(self.p["backup_dir"], self.name, versions.records)
            self.result["secret_versions"] = pushed_versions(before_records, versions.records)
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
        diff = self._apply(self.p["intended_config"], strict=True, track_secrets=True)
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
        if self.result.get("drift"):
            msg = "%s; %s" % (self.result["drift"], msg)
        self.result[results.RESULT_KEY] = [
            results.control_result(
                CONFIG_CONTROL,
                status,
                SEVERITY,
                ([self.result["drift"]] if self.result.get("drift") else []) + self.result["commands"],
                self.result["commands"] if status == results.FIXED else [],
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


def pushed_versions(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """The secret versions a verified push set (``secret_versions`` of the result): which secret
    (its masked line), which version (a keyed fingerprint), never the secret itself."""
    return [
        {"secret": switchcfg.mask_secrets(key), "version": record["version"], "verified": bool(record.get("verified"))}
        for key, record in sorted(after.items())
        if before.get(key, {}).get("version") != record["version"] or before[key].get("stored") != record.get("stored")
    ]


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
    if STOP.is_set():
        msg = "not started: the run was stopped (%s) before this switch; it was not changed" % _stop_name()
        return {"failed": True, "msg": "switch %s: %s" % (params["name"], msg), "changed": False,
                "interrupted": True, **unreachable_result(params["name"], msg)}  # fmt: skip
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


def start_forked(target: Any, args: tuple[Any, ...], daemon: bool = True) -> tuple[Any, Any]:
    """A forked process running ``target(*args, send)``: (the process, the receiving end).

    ``target`` sends one message back (``report``). ``daemon=False`` for a process that forks
    processes of its own (a daemonic one may not).
    """
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=target, args=(*args, send), daemon=daemon)
    proc.start()
    send.close()  # the process holds the only sending end: its death is an EOF here
    return proc, receive


def report(out: Any, work: Any, *args: Any) -> None:
    """In a forked process: send ("ok", work(*args)) or ("bug", traceback) back, once."""
    try:
        message: tuple[str, Any] = ("ok", work(*args))
    except Exception:  # a bug: the parent reports it with this traceback
        import traceback

        message = ("bug", traceback.format_exc())
    with contextlib.suppress(OSError):  # the parent is gone (its run was stopped): nothing to report to
        out.send(message)
    out.close()


def finish_forked(proc: Any, receive: Any) -> tuple[str, Any]:
    """(kind, payload) a forked process sent, or ("lost", None) if it died first; waits for its end."""
    try:
        kind, payload = receive.recv()
    except EOFError:
        kind, payload = "lost", None
    proc.join()
    return kind, payload


def _worker(share: list[dict[str, Any]], check_mode: bool, diff: bool, threads: int, out: Any) -> None:
    """A forked worker: run its switches, send ("ok", results) or ("bug", traceback) back."""
    report(out, _run_threads, share, check_mode, diff, threads)


def preload() -> None:
    """Import what every switch's run needs (netmiko, paramiko, hier-config) once, before forking.

    Each worker process would otherwise import them itself after the fork: the same second of
    CPU once per worker, while the switches wait.
    """
    netdev.driver_class("cisco_ios")
    switchcfg.build_driver("cisco_ios")


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
    preload()
    running = []
    procs: list[Any] = []
    for share in (items[i::workers] for i in range(workers)):
        proc, receive = start_forked(_worker, (share, check_mode, diff, threads))
        running.append((share, proc, receive))
        procs.append(proc)
    if _HANDLERS["installed"]:
        stop_on_signals(forward_to=procs)  # a SIGTERM to this process reaches the workers too
    done: dict[str, dict[str, Any]] = {}
    bugs: list[str] = []
    for share, proc, receive in running:
        kind, payload = finish_forked(proc, receive)
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
