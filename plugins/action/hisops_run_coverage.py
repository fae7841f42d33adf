# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of hisops_run_coverage: fail the run when a control that applies to a host was not checked."""

from __future__ import annotations

import os
from typing import Any

from ..plugin_utils import coverage
from ..plugin_utils.controller_action import ControllerAction
from ..plugin_utils.recording import RECORDER, RUN_UUID_ENV, recorder_store
from ..plugin_utils.report.catalog import CatalogError, load_catalog
from ..plugin_utils.store import StoreError, open_store

REASON_TEXT = {
    coverage.UNREACHABLE: "host unreachable",
    coverage.PLAY_FAILED: "a task failed on the host",
    coverage.NOT_RUN: "no play checked it",
    coverage.NOT_IMPLEMENTED: "not implemented yet",
    coverage.FILTERED: "filtered out (--limit, --tags or the host's control selection)",
    coverage.INTERRUPTED: "run interrupted",
}


NOT_RECORDED = (
    "this run is NOT recorded%s; nothing is changed by a run without its record (rulebook 七.6). Fix: enable the "
    "%s callback (ansible.cfg callbacks_enabled) and give it a writable, sound results store (HISOPS_STORE or "
    "[hisops_recorder] store; see the error above and docs/reports.md), then run again"
)


def _not_recorded(why: str) -> dict[str, Any]:
    return {"failed": True, "not_checked": [], "faults": 0, "msg": NOT_RECORDED % (why, RECORDER)}


def recording_result() -> dict[str, Any]:
    """The result of ``scope: recording``: failed unless this run is being recorded in a store that opens."""
    run_uuid = os.environ.get(RUN_UUID_ENV, "")
    if not run_uuid:
        return _not_recorded("")
    try:
        with open_store(recorder_store() or None, migrate=False) as store:
            run = store.run(run_uuid)
            where = store.location.display
    except StoreError as exc:
        return _not_recorded(": %s" % exc)
    if run is None or run["status"] != "running":
        return _not_recorded(": run %s is not open in the results store %s" % (run_uuid, where))
    msg = "this run is recorded as %s in %s" % (run_uuid, where)
    return {"failed": False, "not_checked": [], "faults": 0, "msg": msg}


def coverage_result(catalog: dict[str, Any], max_lines: int) -> dict[str, Any]:
    """The result of the task: failed when this run is not recorded or left a control unchecked."""
    run_uuid = os.environ.get(RUN_UUID_ENV, "")
    if not run_uuid:
        return _not_recorded("")
    try:
        with open_store(recorder_store() or None, migrate=False) as store:
            rows = coverage.run_not_checked(store, run_uuid, catalog)
    except (StoreError, LookupError) as exc:
        return _not_recorded(": %s" % exc)
    faults = [r for r in rows if r["reason"] in coverage.RUN_FAULTS]
    lines = ["%s %s (%s)" % (r["host"], r["control_id"], REASON_TEXT[r["reason"]]) for r in faults[:max_lines]]
    if len(faults) > max_lines:
        lines.append("... and %d more (see the report's findings)" % (len(faults) - max_lines))
    others = len(rows) - len(faults)
    tail = "; %d more not checked by choice or not implemented yet (listed in the report)" % others if others else ""
    if faults:
        msg = "%d controls were not checked: %s%s" % (len(faults), "; ".join(lines), tail)
    else:
        msg = "every control in scope was checked on every host%s" % tail
    return {"failed": bool(faults), "not_checked": rows, "faults": len(faults), "msg": msg}


class ActionModule(ControllerAction):
    """Check, on the control node, that this recorded run checked every control it should have."""

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        if self._task.args.get("scope", "controls") == "recording":
            result.update(changed=False, **recording_result())
            return result
        max_lines = int(self._task.args.get("max_lines", 20))
        try:
            # the inventory's catalog (group_vars/all), else the project's
            catalog = task_vars.get("hisops_control_catalog") or load_catalog()
        except CatalogError as exc:
            result.update(failed=True, msg=str(exc))
            return result
        result.update(changed=False, **coverage_result(catalog, max_lines))
        return result
