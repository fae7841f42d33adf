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
import os
import signal
import time
import uuid
from typing import Any

from ansible import context
from ansible.plugins.callback import CallbackBase
from ansible.release import __version__ as ansible_version
from ansible.template import Templar

from ..plugin_utils import coverage
from ..plugin_utils.asset_inventory import ASSET_VAR, register_columns
from ..plugin_utils.assets import department_columns
from ..plugin_utils.project import project_relative
from ..plugin_utils.recording import (
    CONTROLLER_TASK_VAR,
    PER_HOST_KEY,
    RUN_UUID_ENV,
    RunRecording,
    playbook_name,
    run_user,
)
from ..plugin_utils.report.catalog import CATALOG_VAR, CatalogError, load_catalog
from ..plugin_utils.stale_runs import close_stale_runs, closed_message, run_owner
from ..plugin_utils.store import Store, StoreError, now_text, open_store
from ..plugin_utils.store import clean_marker
from ..plugin_utils.vars_files import inventory_yaml_problems


class CallbackModule(CallbackBase):
    """Record the run in the hisops results store (see DOCUMENTATION): Ansible's events in,
    plugin_utils.recording's rows out, written once per task."""

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
        self._rec = RunRecording(self._run_uuid)
        self._started_at = time.monotonic()
        self._playbook = ""
        self._run_started = False
        self._finished = False
        self._modes: set[str] = set()
        self._current_play: Any = None
        self._controller_failed = False
        self._problems: list[str] = []

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
        if self._store.kind == "sqlite":  # the run's tasks open the file the recorder just checked
            clean_marker.share_with_tasks(self._store.location.target)
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
        self._playbook = playbook_name(getattr(playbook, "_file_name", "") or "")
        self._check_inventory_files(getattr(playbook, "_basedir", "") or ".")
        if not self._open() or self._previous_handlers:
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous_handlers[signum] = signal.getsignal(signum)
            signal.signal(signum, self._on_signal)
        atexit.register(self._finish_at_exit)

    def _check_inventory_files(self, playbook_dir: str) -> None:
        """Name the file and line of a YAML error in the inventory's files: a hosts file that does
        not parse leaves the run without hosts, and Ansible's own error for group_vars/host_vars
        names neither (a broken group_vars/all stops the run before any task). Such a run fails."""
        self._problems = inventory_yaml_problems(context.CLIARGS.get("inventory") or (), playbook_dir)
        for problem in self._problems:
            self._display.error("hisops_recorder: %s" % problem)

    def _finish_at_exit(self) -> None:
        """A run still open when ansible-playbook exits: it stopped on an error (failed) or was interrupted."""
        self._finish("failed" if self._problems or self._controller_failed else "interrupted")

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
                "user_name": run_user(),
                "playbook": self._playbook,
                "inventory": ",".join(project_relative(i) for i in inventory),
                "mode": "check" if self._modes == {"check"} else "enforce",
                "limit_expr": context.CLIARGS.get("subset") or "",
                "tags": ",".join(t for t in (context.CLIARGS.get("tags") or ()) if t != "all"),
                "ansible_version": ansible_version,
            }
        )
        self._run_started = True
        for problem in self._problems:
            self._rec.record_problem(problem)
        self._record_scope(play)
        # Tasks of this run (forked after this point) can tell that and where the run is recorded:
        # the HIM-7.6 audit-trail action reads it.
        os.environ[RUN_UUID_ENV] = self._run_uuid

    def _record_scope(self, play: Any) -> None:
        """One run_hosts row per inventory host: its groups, whether --limit included it and the
        controls --tags/--skip-tags selected (the reports' "not checked", plugin_utils.coverage)."""
        inventory = play.get_variable_manager()._inventory
        hosts = inventory.get_hosts("all", ignore_limits=True, ignore_restrictions=True)
        catalog = self._catalog(play, hosts[:1])
        limited = {h.get_name() for h in inventory.get_hosts("all")}
        tags = list(context.CLIARGS.get("tags") or ())
        skip_tags = list(context.CLIARGS.get("skip_tags") or ())
        for host in hosts:
            groups = _group_names(host)
            in_scope = host.get_name() in limited
            controls = self._scope_controls(play, host, catalog, groups, tags, skip_tags) if in_scope else []
            self._rec.record_scope(host.get_name(), groups, in_scope, controls)
        self._flush()

    def _scope_controls(
        self, play: Any, host: Any, catalog: dict[str, Any], groups: list[str], tags: list[str], skip_tags: list[str]
    ) -> list[str]:
        """The controls this run selects for a host; its selection variables are read only when
        a workstation control is among them (reading a host's variables costs controller time)."""
        controls = coverage.scope_controls(catalog, groups, tags, skip_tags)
        if not coverage.has_workstation_control(catalog, controls):
            return controls
        return coverage.scope_controls(catalog, groups, tags, skip_tags, self._selection_vars(play, host))

    def _selection_vars(self, play: Any, host: Any) -> dict[str, Any]:
        """The host's hisops_workstation_controls/_skip_controls (inventory, group_vars, -e), templated."""
        manager = play.get_variable_manager()
        try:
            hostvars = manager.get_vars(play=play, host=host, include_hostvars=False)
            templar = Templar(loader=manager._loader, variables=hostvars)
            return {name: templar.template(hostvars[name]) for name in coverage.SELECTION_VARS if name in hostvars}
        except Exception as exc:  # a scope row without them beats no record at all
            self._display.warning("hisops_recorder: %s: control selection variables unreadable: %s" % (host, exc))
            return {}

    def _catalog(self, play: Any, hosts: list[Any]) -> dict[str, Any]:
        """The control catalog this run's hosts get (group_vars/all, wherever the project keeps it),
        else the project's group_vars/all/controls.yml file."""
        for host in hosts:
            try:
                hostvars = play.get_variable_manager().get_vars(play=play, host=host, include_hostvars=False)
            except Exception:  # a variable that does not load: the validation task names it
                break
            if isinstance(hostvars.get(CATALOG_VAR), dict):
                return dict(hostvars[CATALOG_VAR])
        try:
            return load_catalog()
        except CatalogError as exc:
            self._display.warning("hisops_recorder: %s; controls without results are not listed" % exc)
            return {}

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
        data = result.result
        if getattr(result.host, "implicit", False) or _controller_task(result.task):
            # Ansible's implicit localhost (the controller, e.g. writing a report) is not a
            # managed host: recording it would count a host with no department in the reports.
            # Its failure (a report not written, a run's final check) fails the run, and its
            # message is recorded as the run's problem.
            if outcome in ("failed", "unreachable"):
                self._controller_failed = True
                self._rec.record_problem("%s: %s" % (result.task.get_name(), data.get("msg") or outcome))
            return
        task = (str(result.task.get_name())[:500], str(result.task.action or ""))  # names: not redacted
        if isinstance(data.get(data.get(PER_HOST_KEY) or ""), dict):
            self._record_per_host(data[data[PER_HOST_KEY]], task, _check_mode(result.task))
        else:
            self._record_host(result.host, data, outcome, task, result.is_changed(), _check_mode(result.task))
        for warning in self._rec.warnings:
            self._display.warning("hisops_recorder: " + warning)
        self._rec.warnings.clear()
        if self._rec.pending_rows() >= self._batch_rows:
            self._flush()

    def _record_per_host(self, per_host: dict[str, Any], task: tuple[str, str], check: bool) -> None:
        """One task that handled many hosts (hisops_switch_config_fleet): each host's own result."""
        inventory = self._current_play.get_variable_manager()._inventory if self._current_play else None
        for name, one in per_host.items():
            host = inventory.get_host(name) if inventory is not None else None
            if host is None or not isinstance(one, dict):
                continue
            outcome = "unreachable" if one.get("unreachable") else "failed" if one.get("failed") else "ok"
            self._record_host(host, one, outcome, task, bool(one.get("changed")), check)

    def _record_host(
        self, host: Any, data: dict[str, Any], outcome: str, task: tuple[str, str], changed: bool, check: bool
    ) -> None:
        self._rec.record_result(
            host.get_name(), _group_names(host), data, outcome, task, changed, lambda: self._department_of(host), check
        )

    def _department_of(self, host: Any) -> dict[str, str]:
        """Department name and custodian (hisops_department) and the asset register's data
        (hisops_asset) from the inventory, for the host's asset row."""
        play = self._current_play
        try:
            if play is None:
                return {}
            hostvars = play.get_variable_manager().get_vars(play=play, host=host, include_hostvars=False)
            return department_columns(hostvars.get("hisops_department")) | register_columns(hostvars.get(ASSET_VAR))
        except Exception:  # the asset row is still useful without the department's names
            return {}

    # -- writing -----------------------------------------------------------------------
    def _flush(self) -> None:
        """Write the buffered rows of the run in one transaction."""
        if self._store is None or self._writing:
            return
        batch = self._rec.take_batch()
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
                    stats=self._rec.stats(),
                    mode="check" if self._modes == {"check"} else "enforce",
                )
        except Exception as exc:
            self._display.error("hisops_recorder: could not close run %s: %s" % (self._run_uuid, exc))
        finally:
            self._store.close()
            self._store = None

    def v2_playbook_on_stats(self, stats: Any) -> None:
        failed = bool(self._problems) or self._controller_failed or self._rec.hosts_failed()
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
    variable hisops_controller_task (plugin_utils.recording)."""
    try:
        return bool((task.vars or {}).get(CONTROLLER_TASK_VAR))
    except Exception:
        return False


def _check_mode(task: Any) -> bool:
    """Did the task run in check mode (--check, or check_mode: true on the task, its block or play)?
    Its 'changed' is then what it would change, not a change."""
    try:
        return task.check_mode is True
    except Exception:
        return bool(context.CLIARGS.get("check"))


def _group_names(host: Any) -> list[str]:
    return [g.get_name() for g in host.get_groups()]
