"""The recording of one run in the results store: what the ``hisops_recorder`` callback records.

The callback (``plugins/callback/hisops_recorder.py``) only translates Ansible's events into
calls of :class:`RunRecording`, which keeps the run's rows (hosts, control results, changes,
assets, scope, problems) until the callback writes them to the store in one transaction.

Its contract with modules and actions (stable: every control of every role relies on it):

- a task result's ``hisops_controls`` (``module_utils.results.RESULT_KEY``), at the top level
  or in each loop item's result, holds one control result record or a list of them
  (``module_utils.results``); an invalid record is stored as ``error`` with the reason;
- a task that handled many hosts at once names under ``hisops_results_per_host`` the key of
  its result that holds one result per host; each is recorded under its own host;
- a task with the variable ``hisops_controller_task`` is the run's own task on the control
  node (validation, coverage): its failure fails the run, and its message is the run's problem;
- ``ansible_facts`` of any task fill the asset register (``plugin_utils.assets``);
- a backup audit's register rows (``module_utils.dbbackup.REGISTER_KEY``) fill ``backup_register``;
- an antivirus audit's state (``module_utils.antivirus.STATE_KEY``) fills ``antivirus_states``;
- a switch push's secret versions (``plugin_utils.switch_secrets``) fill ``switch_secret_versions``;
- the staff account changes (``module_utils.staff_accounts.EVENTS_KEY``) fill ``staff_account_events``.

The callback exports the uuid of the run it records (``HISOPS_RUN_UUID``) when it starts
recording; the actions that read the store back (HIM-7.6, the run's coverage check) find the
store through the callback's own options (ini, env, default).
"""

from __future__ import annotations

import difflib
import getpass
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..module_utils import results
from ..module_utils.antivirus import STATE_KEY as ANTIVIRUS_KEY
from ..module_utils.dbbackup import REGISTER_KEY
from ..module_utils.staff_accounts import EVENTS_KEY as STAFF_EVENTS_KEY
from . import antivirus_register, backup_register, staff_register, switch_secrets
from .assets import asset_columns
from .inventory_model import department_code, host_kind
from .project import COLLECTION_ROOT, project_relative
from .redaction import shorten
from .store import Batch, now_text

RECORDER = "hisops.him.hisops_recorder"
RUN_UUID_ENV = "HISOPS_RUN_UUID"  # exported by the recorder when it starts recording a run
# A task that handles many hosts at once (hisops_switch_config_fleet, run once) names under this
# key the key of its result that holds one result per host: each is recorded under its own host.
PER_HOST_KEY = "hisops_results_per_host"
# A task variable: the run's own task on the control node, not a managed host's.
CONTROLLER_TASK_VAR = "hisops_controller_task"
COUNTERS = ("ok", "changed", "failed", "ignored", "skipped", "unreachable")
# Host outcome precedence: a host that was unreachable once is unreachable for the run.
HOST_RANK = {"skipped": 0, "ok": 1, "failed": 2, "unreachable": 3}
MAX_DIFF_LINES = 40
MAX_PROBLEM = 2000

DepartmentLookup = Callable[[], dict[str, str]]


def recorder_store() -> str:
    """The store setting of the recorder callback (its own options: ini, env, default)."""
    from ansible.plugins.loader import callback_loader

    plugin = callback_loader.get(RECORDER)
    if plugin is None:
        return ""
    plugin.set_options()
    return plugin.get_option("store") or ""


def host_identity(name: str, groups: Iterable[str]) -> dict[str, str]:
    """A host's name, department code and kind (plugin_utils.inventory_model)."""
    groups = list(groups)
    return {"host": name, "department": department_code(groups), "kind": host_kind(groups)}


def playbook_name(path: str) -> str:
    """How a run's playbook is recorded: relative to the project, else a playbook of the installed
    collection by its name (hisops.him.compliance_audit), never a machine path of the collection."""
    shown = project_relative(path)
    if not Path(shown).is_absolute():
        return shown
    try:
        inside = Path(path).resolve().relative_to(COLLECTION_ROOT / "playbooks")
    except ValueError:
        return shown
    return "hisops.him." + str(inside.with_suffix("")).replace("/", ".")


def run_user() -> str:
    """Who ran it: HISOPS_RUN_USER (set by a scheduler), else the sudo user, else the login user."""
    for env in ("HISOPS_RUN_USER", "SUDO_USER"):
        if os.environ.get(env):
            return os.environ[env]
    try:
        return getpass.getuser()
    except Exception:
        return str(os.getuid())


def change_outcome(data: dict[str, Any], outcome: str, check: bool) -> str:
    """What became of a task's change (store column changes.outcome): 'check' (check mode: what it
    would change), 'rolled_back' (a switch push undone after an error and verified undone),
    'failed' (the task failed after changing something) or 'changed'."""
    if check:
        return "check"
    if data.get("rolled_back") is True:
        return "rolled_back"
    return "failed" if outcome in ("failed", "ignored", "unreachable") else "changed"


def change_summary(data: dict[str, Any]) -> str:
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
            lines.extend(changed_lines(diff["before"], diff["after"]))
    if not lines and data.get("msg"):
        lines.append(str(data["msg"]))
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], "... %d more lines" % (len(lines) - MAX_DIFF_LINES)]
    return shorten("\n".join(lines))


def changed_lines(before: str, after: str) -> list[str]:
    """The added and removed lines between two texts (no context, no file headers)."""
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def antivirus_status(item: dict[str, Any]) -> str:
    """The HIM-7.7-antivirus status a task result carries beside its antivirus state ('' when none)."""
    records = item.get(results.RESULT_KEY)
    for rec in records if isinstance(records, list) else [records]:
        if isinstance(rec, dict) and rec.get("id") == "HIM-7.7-antivirus":
            return str(rec.get("status") or "")
    return ""


def control_row(host: dict[str, Any], task_name: str, rec: Any) -> tuple[dict[str, Any] | None, list[str]]:
    """The control_results row of one record a task returned, and what is wrong with the record.

    An invalid record that names its control is stored as ``error`` with the reason; one that
    does not is dropped (the problems say why)."""
    problems = results.validate_record(rec)
    if problems:
        if not isinstance(rec, dict) or not rec.get("id"):
            return None, problems
        rec = {"id": rec["id"], "status": results.ERROR, "message": "invalid result: " + "; ".join(problems)}
    severity = rec.get("severity") if rec.get("severity") in results.SEVERITIES else "medium"
    limit = results.MAX_EVIDENCE + 1
    row = {
        "host": host["host"],
        "department": host["department"],
        "control_id": shorten(rec["id"], 200),
        "status": rec["status"],
        "severity": severity,
        "evidence": [shorten(e, 1000, True) for e in (rec.get("evidence") or [])][:limit],
        "changes": [shorten(c, 1000, True) for c in (rec.get("changes") or [])][:limit],
        "message": shorten(rec.get("message"), 1000, True),
        "task": task_name,
        "recorded_at": now_text(),
    }
    return row, problems


class RunRecording:
    """One run's rows, buffered between writes: per-host outcomes and counters, control results,
    changes, assets, the run's scope and its problems. ``warnings`` collects what the callback
    should show (an invalid control record)."""

    def __init__(self, run_uuid: str) -> None:
        self.run_uuid = run_uuid
        self.hosts: dict[str, dict[str, Any]] = {}
        self.assets: dict[str, dict[str, Any]] = {}
        self.batch = Batch(run_uuid)
        self.dirty_hosts: set[str] = set()
        self.dirty_assets: set[str] = set()
        self.warnings: list[str] = []

    # -- hosts -------------------------------------------------------------------------
    def host_state(self, name: str, groups: Iterable[str]) -> dict[str, Any]:
        if name not in self.hosts:
            self.hosts[name] = host_identity(name, groups) | {
                "status": "skipped",
                "message": "",
                **dict.fromkeys(COUNTERS, 0),
            }
        return self.hosts[name]

    def record_result(
        self,
        name: str,
        groups: Iterable[str],
        data: dict[str, Any],
        outcome: str,
        task: tuple[str, str],
        changed: bool,
        department: DepartmentLookup,
        check: bool = False,
    ) -> None:
        """One task's result on one host. ``outcome``: ok, failed, ignored, unreachable or
        skipped; ``task``: (task name, module); ``department``: the host's department and asset
        register columns; ``check``: the task ran in check mode (its 'changed' is what it would do)."""
        task_name, module = task
        host = self.host_state(name, groups)
        host[outcome] += 1
        if outcome == "ignored":  # as in Ansible's recap: an ignored failure also counts as ok
            host["ok"] += 1
        if outcome == "ok" and changed:
            host["changed"] += 1
        status = {"ignored": "ok"}.get(outcome, outcome)
        if HOST_RANK[status] > HOST_RANK[host["status"]]:
            host["status"] = status
        if outcome in ("failed", "unreachable"):
            host["message"] = shorten(data.get("msg") or data.get("censored") or outcome, 500)
        self.dirty_hosts.add(name)
        for item in [data, *[r for r in data.get("results") or [] if isinstance(r, dict)]]:
            self.record_controls(host, task_name, item.get(results.RESULT_KEY))
            if item.get(REGISTER_KEY):  # the backup register (hisops_db_backup_audit)
                self.batch.extra.setdefault(backup_register.TABLE, []).extend(
                    backup_register.store_rows(name, host["department"], item[REGISTER_KEY], now_text())
                )
            if isinstance(item.get(ANTIVIRUS_KEY), dict):  # the antivirus state (hisops_antivirus)
                self.batch.extra.setdefault(antivirus_register.TABLE, []).extend(
                    antivirus_register.store_rows(
                        name, host["department"], item[ANTIVIRUS_KEY], antivirus_status(item), now_text()
                    )
                )
            if item.get(STAFF_EVENTS_KEY):  # staff accounts created or disabled (hisops_staff_accounts)
                self.batch.extra.setdefault(staff_register.TABLE, []).extend(
                    staff_register.store_rows(name, host["department"], item[STAFF_EVENTS_KEY], now_text())
                )
            secret_rows = switch_secrets.rows(name, item, now_text())
            if secret_rows:  # which secret version a switch got (never the secret)
                self.batch.extra.setdefault(switch_secrets.TABLE, []).extend(secret_rows)
            if isinstance(item.get("ansible_facts"), dict):
                self.record_facts(name, item["ansible_facts"], department)
        if changed and outcome != "skipped":
            self.batch.changes.append(
                {
                    "host": name,
                    "task": task_name,
                    "module": module,
                    "changed": 1,
                    "outcome": change_outcome(data, outcome, check),
                    "summary": change_summary(data),
                    "recorded_at": now_text(),
                }
            )

    def record_controls(self, host: dict[str, Any], task_name: str, records: Any) -> None:
        if records is None:
            return
        for rec in records if isinstance(records, list) else [records]:
            row, problems = control_row(host, task_name, rec)
            if problems:
                self.warnings.append("task %r on %s: %s" % (task_name, host["host"], "; ".join(problems)))
            if row is not None:
                self.batch.controls.append(row)

    def record_facts(self, name: str, facts: dict[str, Any], department: DepartmentLookup) -> None:
        columns = asset_columns(facts)
        if not columns:
            return
        state = self.hosts[name]
        if name not in self.assets:
            self.assets[name] = {"host": name, "department": state["department"], **department()}
        asset = self.assets[name]
        asset.update(columns)
        asset["facts"] = {k: v for k, v in asset.items() if k not in ("facts", "recorded_at")}
        asset["recorded_at"] = now_text()
        self.dirty_assets.add(name)

    # -- the run -----------------------------------------------------------------------
    def record_scope(self, name: str, groups: list[str], in_scope: bool, controls: list[str]) -> None:
        """One inventory host of the run: its groups, whether --limit included it, its selected controls."""
        identity = host_identity(name, groups)
        self.batch.extra.setdefault("run_hosts", []).append(
            {
                "host": name,
                "department": identity["department"],
                "kind": identity["kind"],
                "groups": sorted(groups),
                "in_scope": int(in_scope),
                "controls": controls if in_scope else [],
                "recorded_at": now_text(),
            }
        )

    def record_problem(self, problem: str, host: str = "") -> None:
        """Why the run failed outside a host's task (an inventory that does not parse, the check's list)."""
        self.batch.extra.setdefault("run_problems", []).append(
            {"host": host, "problem": shorten(problem, MAX_PROBLEM), "recorded_at": now_text()}
        )

    def hosts_failed(self) -> bool:
        return any(h["status"] in ("failed", "unreachable") for h in self.hosts.values())

    def stats(self) -> dict[str, dict[str, int]]:
        return {h: {k: s[k] for k in COUNTERS} for h, s in self.hosts.items()}

    # -- writing -----------------------------------------------------------------------
    def pending_rows(self) -> int:
        b = self.batch
        extra = sum(len(rows) for rows in b.extra.values())
        return len(b.controls) + len(b.changes) + len(self.dirty_hosts) + len(self.dirty_assets) + extra

    def take_batch(self) -> Batch:
        """The rows to write now (an empty batch when there are none); the buffer starts again."""
        batch, self.batch = self.batch, Batch(self.run_uuid)
        batch.hosts = [dict(self.hosts[h], recorded_at=now_text()) for h in sorted(self.dirty_hosts)]
        batch.assets = [dict(self.assets[h]) for h in sorted(self.dirty_assets)]
        self.dirty_hosts.clear()
        self.dirty_assets.clear()
        return batch
