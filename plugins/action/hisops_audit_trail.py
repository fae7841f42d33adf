# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of hisops_audit_trail: HIM-7.6 checked on the control node, no connection to the host."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ansible import constants as C
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import callback_loader

_LIB = str(Path(__file__).resolve().parent.parent / "lib")
if _LIB not in sys.path:
    sys.path.insert(0, _LIB)

from hisops_lib.store import StoreError, open_store

CONTROL_ID = "HIM-7.6-audit-trail"
RECORDER = "hisops_recorder"


def _recorder_settings() -> tuple[bool, str]:
    """Whether the recorder is enabled for this run, and the store it writes to (its own options)."""
    enabled_names = {str(n).rsplit(".", 1)[-1] for n in (C.CALLBACKS_ENABLED or [])}
    plugin = callback_loader.get(RECORDER)
    if plugin is None:
        return False, ""
    plugin.set_options()
    return RECORDER in enabled_names and bool(plugin.get_option("enabled")), plugin.get_option("store") or ""


def audit_trail_record(host: str, severity: str) -> dict[str, Any]:
    """The HIM-7.6 control record for ``host``: is every run recorded, and is the record readable?"""
    enabled, store_setting = _recorder_settings()
    if not enabled:
        return {
            "id": CONTROL_ID,
            "status": "fail",
            "severity": severity,
            "evidence": ["callback %s is not enabled (ansible.cfg callbacks_enabled)" % RECORDER],
            "changes": [],
            "message": "runs are not recorded: enable the %s callback in ansible.cfg" % RECORDER,
        }
    try:
        with open_store(store_setting or None) as store:
            evidence = ["results store %s, schema version %d" % (store.location.display, store.schema_version())]
            mine = store.host_results(host=host)
            if mine:
                evidence.append("last recorded run for this host: %s (%s)" % (mine[0]["started"], mine[0]["status"]))
            stale = store.runs(status="running")
            if len(stale) > 1:
                evidence.append("%d runs still marked running (this one included)" % len(stale))
    except StoreError as exc:
        return {
            "id": CONTROL_ID,
            "status": "fail",
            "severity": severity,
            "evidence": [str(exc)],
            "changes": [],
            "message": "the results store cannot be opened: runs are not recorded",
        }
    return {
        "id": CONTROL_ID,
        "status": "pass",
        "severity": severity,
        "evidence": evidence,
        "changes": [],
        "message": "every run on this host is recorded (who, what, when, result)",
    }


class ActionModule(ActionBase):
    """Return the HIM-7.6 record for the host; never connects to it."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        catalog = task_vars.get("hisops_control_catalog") or {}
        severity = (catalog.get(CONTROL_ID) or {}).get("severity", "medium")
        record = audit_trail_record(task_vars.get("inventory_hostname", ""), severity)
        result.update(changed=False, hisops_controls=[record], msg=record["message"])
        return result
