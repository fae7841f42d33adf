# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of hisops_workstation_windows: the policy check the PowerShell module cannot run,
and the update-age part of HIM-7.7-updates (the module reports the date of the last successful
update installation; the policy's limit is applied here, in Python the unit tests run)."""

from __future__ import annotations

import datetime
from typing import Any

from .hisops_workstation_linux import ActionModule as LinuxActionModule
from ..module_utils.results import RESULT_KEY, summarize
from ..module_utils.workstation_policy import (
    merged_policy,
    parse_date,
    windows_update_age,
)

LAST_UPDATE_KEY = "hisops_windows_last_update"
UPDATES = "HIM-7.7-updates"


class ActionModule(LinuxActionModule):
    """Validate the Windows policy data on the controller, then run the PowerShell module."""

    PLATFORM = "windows"
    CHECKS_POLICY = True  # the PowerShell module does not check the policy data itself

    def complete(self, result: dict[str, Any], args: dict[str, Any]) -> None:
        """HIM-7.7-updates: the age of the last successful update installation against the policy."""
        complete_update_age(result, args)


def complete_update_age(result: dict[str, Any], args: dict[str, Any]) -> None:
    """Apply hisops_workstation_update_max_age_days to the date the module reported (in place)."""
    records = result.get(RESULT_KEY)
    if LAST_UPDATE_KEY not in result or not isinstance(records, list):
        return
    limit = int(merged_policy(args.get("policy"))["update_max_age_days"])
    today = parse_date(args.get("today")) or datetime.date.today()
    result[RESULT_KEY] = [
        windows_update_age(r, result[LAST_UPDATE_KEY], limit, today) if r.get("id") == UPDATES else r for r in records
    ]
    result["summary"] = summarize(result[RESULT_KEY])
