# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record every run in the hisops results store (rulebook 七.6: who ran what, when, with what result)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: hisops_recorder
type: notification
short_description: Record runs, host outcomes, control results, changes and assets in the hisops results store
description:
  - Writes one row per run (who, when, playbook, inventory, check or enforce, limit, tags, duration,
    final status), one per host (ok, failed, unreachable or skipped, with task counts), every
    per-control result record a task returns under C(hisops_controls), every change (a summary,
    secrets redacted), the asset facts gathered during the run and the backup register rows a task
    returns under C(hisops_backup_register) (M(hisops.him.hisops_db_backup_audit)).
  - A task that handles many hosts at once (M(hisops.him.hisops_switch_config_fleet), run once) is recorded
    per host - each host's outcome, control results and change under that host - when its result
    names under C(hisops_results_per_host) the key that holds one result per host.
  - Rows are buffered and written once per task (one transaction); SQLite runs in WAL mode.
  - A run stopped by SIGINT or SIGTERM is marked C(interrupted); what was recorded before stays valid.
  - Each run records the controller's host name and process; at the start of a run, earlier runs
    still C(running) whose process is gone (killed with SIGKILL, power lost) are marked
    C(interrupted), and so are those of other controllers older than O(stale_run_hours).
  - Results of tasks with C(no_log) are censored by Ansible before they reach this plugin, so
    nothing of them is stored but the host outcome.
requirements:
  - enable it in ansible.cfg (C(callbacks_enabled = hisops.him.hisops_recorder))
options:
  store:
    description:
      - Where the results store is. Empty means C(results/hisops.sqlite) in the project directory.
      - A file path (relative to the project directory), C(sqlite:///RELATIVE), C(sqlite:////ABSOLUTE),
        or C(postgresql://USER:PASSWORD@HOST:PORT/DBNAME).
    type: str
    default: ""
    env:
      - name: HISOPS_STORE
    ini:
      - section: hisops_recorder
        key: store
  enabled:
    description: Set to false to run without recording (the plugin then does nothing).
    type: bool
    default: true
    env:
      - name: HISOPS_RECORDER_ENABLED
    ini:
      - section: hisops_recorder
        key: enabled
  batch_rows:
    description: Write the buffer before the end of a task when it holds this many rows (large inventories).
    type: int
    default: 2000
    env:
      - name: HISOPS_RECORDER_BATCH_ROWS
    ini:
      - section: hisops_recorder
        key: batch_rows
  stale_run_hours:
    description:
      - A run of another controller (or one recorded before the store knew processes) that is still
        C(running) this many hours after it started is taken as abandoned and marked C(interrupted)
        at the start of the next run. 0 turns this off. Runs of this controller are closed as soon
        as their process is gone, whatever their age.
    type: float
    default: 24
    env:
      - name: HISOPS_STALE_RUN_HOURS
    ini:
      - section: hisops_recorder
        key: stale_run_hours
"""

import atexit
import getpass
import os
import re
import signal
import time
import uuid
from pathlib import Path
from typing import Any

from ansible import context
from ansible.plugins.callback import CallbackBase
from ansible.release import __version__ as ansible_version

from ansible_collections.hisops.him.plugins.module_utils import (
    results as _RESULTS,
)  # the record schema the modules return
from ansible_collections.hisops.him.plugins.module_utils.dbbackup import REGISTER_KEY
from ansible_collections.hisops.him.plugins.plugin_utils import backup_register, coverage
from ansible_collections.hisops.him.plugins.plugin_utils.recording import RUN_UUID_ENV
from ansible_collections.hisops.him.plugins.plugin_utils.report.catalog import CatalogError, load_catalog
from ansible_collections.hisops.him.plugins.plugin_utils.stale_runs import close_stale_runs, closed_message, run_owner
from ansible_collections.hisops.him.plugins.plugin_utils.store import (
    PROJECT_ROOT,
    Batch,
    Store,
    StoreError,
    now_text,
    open_store,
)
from ansible_collections.hisops.him.plugins.plugin_utils.vars_files import vars_files, yaml_problems

# A task that handles many hosts at once (hisops_switch_config_fleet, run once) names under this
# key the key of its result that holds one result per host: each is recorded under its own host.
PER_HOST_KEY = "hisops_results_per_host"

# Host outcome precedence: a host that was unreachable once is unreachable for the run.
_HOST_RANK = {"skipped": 0, "ok": 1, "failed": 2, "unreachable": 3}
_MAX_TEXT = 4000
_MAX_DIFF_LINES = 40
# Defence in depth: what a module must never return, masked if one does anyway.
_SECRET_PATTERNS = (
    # key=value / key: value (config files, URLs' query strings, module messages)
    re.compile(r"(?i)\b(\w*(?:password|passwd|pwd|secret|token|api[_-]?key|community|psk)\w*)(\s*[:=]\s*)(\S+)"),
    # network device configuration: `username x password 0 y`, `enable secret 5 y`, `password cipher y`,
    # `snmp-agent community read simple y` (the mode words before the value are skipped)
    re.compile(
        r"(?i)\b(password|secret|community|key-string|pre-shared-key|cipher|irreversible-cipher)\b"
        r"(\s+(?:(?:\d{1,2}|read|write|simple|cipher|hash|irreversible-cipher)\s+)*+)(?![=:]|\*{8})(\S+)"
    ),
    re.compile(r"(?i)(postgres(?:ql)?|mysql|https?)://([^:/@\s]+):([^@\s]+)@"),
)
# Control records (evidence, changes, messages of hisops modules) name files, services and
# packages: `/etc/pam.d/gdm-password`, `password required pam_unix.so` are evidence, not
# secrets. Their secrets can only come from known secret FIELDS (`db_password: x`, a field
# name standing alone, not a word inside a path or a name) or URL credentials; no_log values
# never reach a record (AnsibleModule removes them, Ansible censors no_log tasks).
_SECRET_FIELD = re.compile(
    r"(?i)(?<![\w./-])(\w*(?:password|passwd|pwd|secret|token|api[_-]?key|community|psk)\w*)(\s*[:=]\s*)(?!\*{8})(\S+)"
)
_DISK_SKIP = re.compile(r"^(loop|ram|sr|fd|dm-|zram|md)")


def redact(text: str) -> str:
    """Mask password-looking values in free text (evidence, messages, diff summaries)."""
    for pattern in _SECRET_PATTERNS[:2]:
        text = pattern.sub(lambda m: m.group(1) + m.group(2) + "********", text)
    return _SECRET_PATTERNS[2].sub(lambda m: "%s://%s:********@" % (m.group(1), m.group(2)), text)


def redact_record(text: str) -> str:
    """Mask secrets in a control record's text by where they come from (see _SECRET_FIELD)."""
    text = _SECRET_FIELD.sub(lambda m: m.group(1) + m.group(2) + "********", text)
    return _SECRET_PATTERNS[2].sub(lambda m: "%s://%s:********@" % (m.group(1), m.group(2)), text)


def _short(text: Any, limit: int = _MAX_TEXT, record: bool = False) -> str:
    text = (redact_record if record else redact)(str(text or ""))
    return text if len(text) <= limit else text[:limit] + " ..."


def _fact(facts: dict[str, Any], name: str) -> Any:
    return facts.get("ansible_" + name, facts.get(name))


# Switches: the network facts hisops_switch_facts returns (the names cisco.ios.ios_facts uses).
_NET_FACTS = {
    "vendor": "net_vendor",
    "product": "net_model",
    "serial": "net_serialnum",
    "os": "net_system",
    "os_version": "net_version",
    "ipv4": "net_mgmt_ipv4",
}


def asset_columns(facts: dict[str, Any]) -> dict[str, Any]:
    """The asset register columns found in gathered facts (setup, package_facts, switch facts)."""
    cols: dict[str, Any] = {}
    simple = {
        "vendor": "system_vendor",
        "product": "product_name",
        "serial": "product_serial",
        "os": "distribution",
        "os_version": "distribution_version",
        "kernel": "kernel",
        "arch": "architecture",
    }
    for column, name in (*simple.items(), *_NET_FACTS.items()):
        value = _fact(facts, name)
        if column not in cols and value not in (None, "", "NA"):
            cols[column] = str(value)
    for column, name in (("cpus", "processor_vcpus"), ("memory_mb", "memtotal_mb")):
        if isinstance(_fact(facts, name), int):
            cols[column] = _fact(facts, name)
    ipv4 = _fact(facts, "default_ipv4")
    if isinstance(ipv4, dict) and ipv4.get("address"):
        cols["ipv4"] = str(ipv4["address"])
        cols["mac"] = str(ipv4.get("macaddress") or "")
    devices = _fact(facts, "devices")
    if isinstance(devices, dict):
        disks = {n: d for n, d in devices.items() if not _DISK_SKIP.match(n) and isinstance(d, dict)}
        cols["disks_count"] = len(disks)
        total = sum(int(d.get("sectors") or 0) * int(d.get("sectorsize") or 512) for d in disks.values())
        cols["disk_total_gb"] = round(total / 1e9, 1)
    packages = facts.get("packages")
    if isinstance(packages, dict):
        cols["packages_count"] = len(packages)
    return cols


class CallbackModule(CallbackBase):
    """Record the run in the hisops results store (see DOCUMENTATION)."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "hisops.him.hisops_recorder"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display: Any = None) -> None:
        super().__init__(display=display)
        self._store: Store | None = None
        self._batch_rows = 2000
        self._pid = os.getpid()
        self._previous_handlers: dict[int, Any] = {}
        self._writing = False
        self._pending_signal: int | None = None
        self._new_run()

    def _new_run(self) -> None:
        """Per-run state: Ansible sends playbook_on_start .. playbook_on_stats once per playbook file."""
        self._run_uuid = str(uuid.uuid4())
        self._started_at = time.monotonic()
        self._playbook = ""
        self._run_started = False
        self._finished = False
        self._modes: set[str] = set()
        self._hosts: dict[str, dict[str, Any]] = {}
        self._assets: dict[str, dict[str, Any]] = {}
        self._batch = Batch(self._run_uuid)
        self._dirty_hosts: set[str] = set()
        self._dirty_assets: set[str] = set()
        self._current_play: Any = None
        self._controller_failed = False
        self._vars_broken = False

    # -- set-up ------------------------------------------------------------------------
    def set_options(self, task_keys: Any = None, var_options: Any = None, direct: Any = None) -> None:
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        self._batch_rows = max(1, int(self.get_option("batch_rows")))
        if not self.get_option("enabled"):
            self.disabled = True

    def _open(self) -> bool:
        if self._store is not None:
            return True
        if self.disabled:
            return False
        try:
            self._store = open_store(self.get_option("store") or None)
        except StoreError as exc:
            self._display.error("hisops_recorder: %s; this run is NOT recorded" % exc)
            self.disabled = True
            return False
        self._close_abandoned_runs(self._store)
        return True

    def _close_abandoned_runs(self, store: Store) -> None:
        """Mark earlier runs whose recording process died as interrupted (plugin_utils.stale_runs)."""
        hours = self.get_option("stale_run_hours")
        try:
            closed = close_stale_runs(store, hours)
        except Exception as exc:  # never keep a run from being recorded because of older ones
            self._display.warning("hisops_recorder: could not close abandoned runs: %s" % exc)
            return
        if closed:
            self._display.warning("hisops_recorder: " + closed_message(closed, hours))

    def v2_playbook_on_start(self, playbook: Any) -> None:
        if self._finished:  # `ansible-playbook a.yml b.yml`: one recorded run per playbook
            self._new_run()
        self._playbook = _relative(getattr(playbook, "_file_name", "") or "")
        self._check_vars_files(getattr(playbook, "_basedir", "") or ".")
        if not self._open() or self._previous_handlers:
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous_handlers[signum] = signal.getsignal(signum)
            signal.signal(signum, self._on_signal)
        atexit.register(self._finish_at_exit)

    def _check_vars_files(self, playbook_dir: str) -> None:
        """Name the file and line of a YAML error in group_vars/host_vars (Ansible's own error names
        neither, and a broken group_vars/all stops the run before any task)."""
        problems = yaml_problems(vars_files(context.CLIARGS.get("inventory") or (), playbook_dir))
        for problem in problems:
            self._display.error("hisops_recorder: %s" % problem)
        self._vars_broken = bool(problems)

    def _finish_at_exit(self) -> None:
        """A run still open when ansible-playbook exits: it stopped on an error (failed) or was interrupted."""
        self._finish("failed" if self._vars_broken or self._controller_failed else "interrupted")

    def v2_playbook_on_play_start(self, play: Any) -> None:
        self._flush()
        self._current_play = play
        cli_check = bool(context.CLIARGS.get("check"))
        self._modes.add("check" if cli_check or play.check_mode is True else "enforce")
        if self._store is None or self._run_started:
            return
        inventory = context.CLIARGS.get("inventory") or ()
        self._store.start_run(
            run_owner()
            | {
                "uuid": self._run_uuid,
                "started": now_text(),
                "user_name": _run_user(),
                "playbook": self._playbook,
                "inventory": ",".join(_relative(i) for i in inventory),
                "mode": "check" if self._modes == {"check"} else "enforce",
                "limit_expr": context.CLIARGS.get("subset") or "",
                "tags": ",".join(t for t in (context.CLIARGS.get("tags") or ()) if t != "all"),
                "ansible_version": ansible_version,
            }
        )
        self._run_started = True
        self._record_scope(play)
        # Tasks of this run (forked after this point) can tell that and where the run is recorded:
        # the HIM-7.6 audit-trail action reads it.
        os.environ[RUN_UUID_ENV] = self._run_uuid

    def _record_scope(self, play: Any) -> None:
        """One run_hosts row per inventory host: its groups, whether --limit included it and the
        controls --tags/--skip-tags selected (the reports' "not checked", plugin_utils.coverage)."""
        try:
            catalog = load_catalog()
        except CatalogError as exc:
            self._display.warning("hisops_recorder: %s; controls without results are not listed" % exc)
            catalog = {}
        inventory = play.get_variable_manager()._inventory
        limited = {h.get_name() for h in inventory.get_hosts("all")}
        tags = list(context.CLIARGS.get("tags") or ())
        skip_tags = list(context.CLIARGS.get("skip_tags") or ())
        for host in inventory.get_hosts("all", ignore_limits=True, ignore_restrictions=True):
            state = _host_identity(host)
            groups = sorted(g.get_name() for g in host.get_groups())
            in_scope = host.get_name() in limited
            self._batch.extra.setdefault("run_hosts", []).append(
                {
                    "host": state["host"],
                    "department": state["department"],
                    "kind": state["kind"],
                    "groups": groups,
                    "in_scope": int(in_scope),
                    "controls": coverage.scope_controls(catalog, groups, tags, skip_tags) if in_scope else [],
                    "recorded_at": now_text(),
                }
            )
        self._flush()

    def v2_playbook_on_task_start(self, task: Any, is_conditional: bool) -> None:
        self._flush()

    def v2_playbook_on_handler_task_start(self, task: Any) -> None:
        self._flush()

    # -- the one recording path --------------------------------------------------------
    def v2_runner_on_ok(self, result: Any) -> None:
        self._record(result, "ok")

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._record(result, "ignored" if ignore_errors else "failed")

    def v2_runner_on_unreachable(self, result: Any) -> None:
        self._record(result, "unreachable")

    def v2_runner_on_skipped(self, result: Any) -> None:
        self._record(result, "skipped")

    def _record(self, result: Any, outcome: str) -> None:
        if self._store is None or not self._run_started or self._finished:
            return
        if getattr(result.host, "implicit", False) or _controller_task(result.task):
            # Ansible's implicit localhost (the controller, e.g. writing a report) is not a
            # managed host: recording it would count a host with no department in the reports.
            # Its failure (a report not written, a run's final check) still fails the run.
            self._controller_failed = self._controller_failed or outcome in ("failed", "unreachable")
            return
        task_name = str(result.task.get_name())[:500]  # written by the playbook's author: not redacted
        data = result.result
        if isinstance(data.get(data.get(PER_HOST_KEY) or ""), dict):
            self._record_per_host(data[data[PER_HOST_KEY]], task_name, str(result.task.action or ""))
            return
        self._record_host(result.host, data, outcome, task_name, str(result.task.action or ""), result.is_changed())

    def _record_per_host(self, per_host: dict[str, Any], task_name: str, module: str) -> None:
        """One task that handled many hosts (hisops_switch_config_fleet): each host's own result."""
        inventory = self._current_play.get_variable_manager()._inventory if self._current_play else None
        for name, one in per_host.items():
            host = inventory.get_host(name) if inventory is not None else None
            if host is None or not isinstance(one, dict):
                continue
            outcome = "unreachable" if one.get("unreachable") else "failed" if one.get("failed") else "ok"
            self._record_host(host, one, outcome, task_name, module, bool(one.get("changed")))

    def _record_host(
        self, host_obj: Any, data: dict[str, Any], outcome: str, task_name: str, module: str, changed: bool
    ) -> None:
        host_name = host_obj.get_name()
        host = self._host_state(host_obj)
        host[outcome] += 1
        if outcome == "ignored":  # as in Ansible's recap: an ignored failure also counts as ok
            host["ok"] += 1
        if outcome == "ok" and changed:
            host["changed"] += 1
        status = {"ignored": "ok"}.get(outcome, outcome)
        if _HOST_RANK[status] > _HOST_RANK[host["status"]]:
            host["status"] = status
        if outcome in ("failed", "unreachable"):
            host["message"] = _short(data.get("msg") or data.get("censored") or outcome, 500)
        self._dirty_hosts.add(host_name)
        for item in [data, *[r for r in data.get("results") or [] if isinstance(r, dict)]]:
            self._record_controls(host, task_name, item.get(_RESULTS.RESULT_KEY))
            if item.get(REGISTER_KEY):  # the backup register (hisops_db_backup_audit)
                self._batch.extra.setdefault(backup_register.TABLE, []).extend(
                    backup_register.store_rows(host_name, host["department"], item[REGISTER_KEY], now_text())
                )
            if isinstance(item.get("ansible_facts"), dict):
                self._record_facts(host_obj, item["ansible_facts"])
        if changed and outcome != "skipped":
            self._batch.changes.append(
                {
                    "host": host_name,
                    "task": task_name,
                    "module": module,
                    "changed": 1,
                    "summary": _change_summary(data),
                    "recorded_at": now_text(),
                }
            )
        if self._pending_rows() >= self._batch_rows:
            self._flush()

    def _host_state(self, host: Any) -> dict[str, Any]:
        name = host.get_name()
        if name not in self._hosts:
            self._hosts[name] = _host_identity(host) | {
                "status": "skipped",
                "message": "",
                **dict.fromkeys(("ok", "changed", "failed", "ignored", "skipped", "unreachable"), 0),
            }
        return self._hosts[name]

    def _record_controls(self, host: dict[str, Any], task_name: str, records: Any) -> None:
        if records is None:
            return
        if not isinstance(records, list):
            records = [records]
        for rec in records:
            problems = _RESULTS.validate_record(rec)
            if problems:
                self._display.warning(
                    "hisops_recorder: task %r on %s: %s" % (task_name, host["host"], "; ".join(problems))
                )
                if not isinstance(rec, dict) or not rec.get("id"):
                    continue
                rec = {"id": rec["id"], "status": _RESULTS.ERROR, "message": "invalid result: " + "; ".join(problems)}
            severity = rec.get("severity") if rec.get("severity") in _RESULTS.SEVERITIES else "medium"
            self._batch.controls.append(
                {
                    "host": host["host"],
                    "department": host["department"],
                    "control_id": _short(rec["id"], 200),
                    "status": rec["status"],
                    "severity": severity,
                    "evidence": [_short(e, 1000, True) for e in (rec.get("evidence") or [])][
                        : _RESULTS.MAX_EVIDENCE + 1
                    ],
                    "changes": [_short(c, 1000, True) for c in (rec.get("changes") or [])][: _RESULTS.MAX_EVIDENCE + 1],
                    "message": _short(rec.get("message"), 1000, True),
                    "task": task_name,
                    "recorded_at": now_text(),
                }
            )

    def _record_facts(self, host: Any, facts: dict[str, Any]) -> None:
        columns = asset_columns(facts)
        if not columns:
            return
        name = host.get_name()
        state = self._host_state(host)
        if name not in self._assets:
            self._assets[name] = {"host": name, "department": state["department"], **self._department_of(host)}
        asset = self._assets[name]
        asset.update(columns)
        asset["facts"] = {k: v for k, v in asset.items() if k not in ("facts", "recorded_at")}
        asset["recorded_at"] = now_text()
        self._dirty_assets.add(name)

    def _department_of(self, host: Any) -> dict[str, str]:
        """Department name and custodian from the inventory (hisops_department), for the asset register."""
        play = self._current_play
        dept: Any = None
        try:
            if play is not None:
                dept = (
                    play.get_variable_manager()
                    .get_vars(play=play, host=host, include_hostvars=False)
                    .get("hisops_department")
                )
        except Exception:  # the asset row is still useful without the department's names
            dept = None
        if not isinstance(dept, dict):
            return {}
        custodian = dept.get("custodian") if isinstance(dept.get("custodian"), dict) else {}
        return {
            "department_name": str(dept.get("name_zh") or dept.get("name_en") or ""),
            "custodian": str(custodian.get("name") or ""),
            "custodian_staff_id": str(custodian.get("staff_id") or ""),
        }

    # -- writing -----------------------------------------------------------------------
    def _pending_rows(self) -> int:
        b = self._batch
        return len(b.controls) + len(b.changes) + len(self._dirty_hosts) + len(self._dirty_assets)

    def _flush(self) -> None:
        """Write the buffered rows of the run in one transaction."""
        if self._store is None or self._writing:
            return
        batch, self._batch = self._batch, Batch(self._run_uuid)
        batch.hosts = [dict(self._hosts[h], recorded_at=now_text()) for h in sorted(self._dirty_hosts)]
        batch.assets = [dict(self._assets[h]) for h in sorted(self._dirty_assets)]
        self._dirty_hosts.clear()
        self._dirty_assets.clear()
        if not batch:
            return
        self._writing = True
        try:
            self._store.write(batch)
        except Exception as exc:  # never break the run because the store hiccuped
            self._display.error("hisops_recorder: could not write to %s: %s" % (self._store.location.display, exc))
        finally:
            self._writing = False
        if self._pending_signal is not None:  # a signal came in mid-write: handle it now
            signum, self._pending_signal = self._pending_signal, None
            self._on_signal(signum, None)

    def _finish(self, status: str) -> None:
        if self._finished or self._store is None or os.getpid() != self._pid:
            return
        self._finished = True
        try:
            self._flush()
            if self._run_started:
                self._store.finish_run(
                    self._run_uuid,
                    status,
                    duration=round(time.monotonic() - self._started_at, 3),
                    stats={
                        h: {k: s[k] for k in ("ok", "changed", "failed", "ignored", "skipped", "unreachable")}
                        for h, s in self._hosts.items()
                    },
                    mode="check" if self._modes == {"check"} else "enforce",
                )
        except Exception as exc:
            self._display.error("hisops_recorder: could not close run %s: %s" % (self._run_uuid, exc))
        finally:
            self._store.close()
            self._store = None

    def v2_playbook_on_stats(self, stats: Any) -> None:
        hosts_failed = any(h["status"] in ("failed", "unreachable") for h in self._hosts.values())
        failed = self._vars_broken or self._controller_failed or hosts_failed
        self._finish("failed" if failed else "ok")

    def _on_signal(self, signum: int, frame: Any) -> None:
        if self._writing and os.getpid() == self._pid:
            self._pending_signal = signum  # finish the transaction first (see _flush)
            return
        if os.getpid() == self._pid:
            self._finish("interrupted")
        previous = self._previous_handlers.get(signum)
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_DFL or previous is None:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)


def _controller_task(task: Any) -> bool:
    """A task of the run itself on the control node (validation, coverage), marked with the
    variable hisops_controller_task: its outcome is the run's, not the host's it ran for."""
    try:
        return bool((task.vars or {}).get("hisops_controller_task"))
    except Exception:
        return False


def _host_identity(host: Any) -> dict[str, str]:
    """A host's name, department code (its dept_* group) and kind (switch, workstation or server)."""
    groups = [g.get_name() for g in host.get_groups()]
    depts = sorted(g[5:] for g in groups if g.startswith("dept_"))
    kind = "switch" if "switches" in groups else "workstation" if "workstations" in groups else "server"
    return {"host": host.get_name(), "department": depts[0] if depts else "", "kind": kind}


def _relative(path: str) -> str:
    """A path relative to the project directory when it is inside it (no machine paths in reports)."""
    if not path or "," in path:  # an inline host list, not a file
        return path
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return path


def _run_user() -> str:
    """Who ran it: HISOPS_RUN_USER (set by a scheduler), else the sudo user, else the login user."""
    for env in ("HISOPS_RUN_USER", "SUDO_USER"):
        if os.environ.get(env):
            return os.environ[env]
    try:
        return getpass.getuser()
    except Exception:
        return str(os.getuid())


def _change_summary(data: dict[str, Any]) -> str:
    """A short, redacted description of what changed: diff headers and changed lines, else msg."""
    if data.get("censored"):
        return "(details hidden: no_log)"
    diffs = data.get("diff")
    diffs = diffs if isinstance(diffs, list) else [diffs] if isinstance(diffs, dict) else []
    lines: list[str] = []
    for diff in diffs:
        if not isinstance(diff, dict):
            continue
        header = diff.get("after_header") or diff.get("before_header")
        if header:
            lines.append(str(header))
        if diff.get("prepared"):
            lines.extend(str(diff["prepared"]).splitlines())
        elif isinstance(diff.get("before"), str) and isinstance(diff.get("after"), str):
            lines.extend(_changed_lines(diff["before"], diff["after"]))
    if not lines and data.get("msg"):
        lines.append(str(data["msg"]))
    if len(lines) > _MAX_DIFF_LINES:
        lines = [*lines[:_MAX_DIFF_LINES], "... %d more lines" % (len(lines) - _MAX_DIFF_LINES)]
    return _short("\n".join(lines))


def _changed_lines(before: str, after: str) -> list[str]:
    import difflib

    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
