# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of hisops_audit_trail: HIM-7.6 checked on the control node, no connection to the host."""

from __future__ import annotations

import os
from typing import Any


from ..plugin_utils.controller_action import ControllerAction
from ..plugin_utils.recording import RECORDER, RUN_UUID_ENV, recorder_store
from ..plugin_utils.store import StoreError, open_store

CONTROL_ID = "HIM-7.6-audit-trail"


def _record(status: str, severity: str, evidence: list[str], message: str) -> dict[str, Any]:
    return {
        "id": CONTROL_ID,
        "status": status,
        "severity": severity,
        "evidence": evidence,
        "changes": [],
        "message": message,
    }


def audit_trail_record(host: str, severity: str) -> dict[str, Any]:
    """The HIM-7.6 control record for ``host``: is this run being recorded, and is the record readable?"""
    run_uuid = os.environ.get(RUN_UUID_ENV, "")
    if not run_uuid:
        return _record(
            "fail",
            severity,
            ["the %s callback did not start recording this run" % RECORDER],
            "runs are not recorded: enable the %s callback (ansible.cfg callbacks_enabled)" % RECORDER,
        )
    try:
        with open_store(recorder_store() or None) as store:
            run = store.run(run_uuid)
            if run is None:
                return _record(
                    "fail",
                    severity,
                    ["run %s is not in the results store %s" % (run_uuid, store.location.display)],
                    "this run is not recorded in the results store",
                )
            evidence = [
                "this run is recorded as %s in %s (schema version %d)"
                % (run_uuid, store.location.display, store.schema_version()),
                "run by %s on %s, playbook %s, %s mode"
                % (run["user_name"], run["controller"], run["playbook"], run["mode"]),
            ]
            previous = store.host_results(end=run["started"], host=host)
            if previous:
                evidence.append("previous run on this host: %s (%s)" % (previous[0]["started"], previous[0]["status"]))
    except StoreError as exc:
        return _record("fail", severity, [str(exc)], "the results store cannot be opened: runs are not recorded")
    return _record("pass", severity, evidence, "every run on this host is recorded (who, what, when, result)")


class ActionModule(ControllerAction):
    """Return the HIM-7.6 record for the host; never connects to it."""

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        catalog = task_vars.get("hisops_control_catalog") or {}
        severity = (catalog.get(CONTROL_ID) or {}).get("severity", "medium")
        record = audit_trail_record(task_vars.get("inventory_hostname", ""), severity)
        result.update(changed=False, hisops_controls=[record], msg=record["message"])
        return result
