# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HIM-7.7-antivirus as an area of the Linux workstation audit (same module round trip).

The checks and the evidence are module_utils.antivirus' (the ``antivirus`` role's module
``hisops_antivirus`` uses the same code): ClamAV installed and running, freshclam fed only from
the hospital's mirror, signatures within the age limit, a recent scan, detections quarantined.
Here it is audit only: enforcement (packages, configuration, timers, starting what is stopped,
updating) is the ``antivirus`` role's (playbooks/antivirus.yml), so a violation is reported
with no change. The facts the verdict is made of go to the module's result under
``antivirus.STATE_KEY`` (the recorder stores them in ``antivirus_states``).

Mechanism (roles/workstation_policy/vars/main/linux.yml): ``database_path``, ``freshclam_conf``,
``freshclam_log``; the site's settings come in the policy's ``antivirus`` mapping (the
``hisops_antivirus_*`` variables; unset ones are None and take module_utils.antivirus' defaults).
"""

from __future__ import annotations

import time
from typing import Any

from .antivirus import (
    STATE_KEY,
    Reader,
    read_state,
    set_values,
    settings_of,
    settings_problems,
    state_facts,
    summary,
    verdict,
)
from .workstation_engine import Context, Finding
from .workstation_host import Host

CHECK = "antivirus"
POLICY_KEY = "antivirus"  # the policy mapping's key of the antivirus settings
# the settings the audit reads (module_utils.antivirus' keys; the role sends hisops_antivirus_<key>)
SETTINGS_KEYS = (
    "mirror_url",
    "official_databases",
    "custom_databases",
    "max_age_hours",
    "scan_max_age_hours",
    "quarantine_dir",
    "scan_log",
    "onaccess",
)


def check_antivirus(host: Host, ctx: Context) -> Finding:
    """HIM-7.7-antivirus: evidence and verdict; ``ctx.results`` gets the state the recorder keeps."""
    settings = settings_of(ctx.policy.get(POLICY_KEY))
    paths = {
        "database_dir": ctx.mech["database_path"],
        "freshclam_conf": ctx.mech["freshclam_conf"],
        "freshclam_log": ctx.mech["freshclam_log"],
    }
    state = read_state(Reader(host.runner, host.root), settings, paths)
    result = verdict(settings, state, time.time())
    ctx.results[STATE_KEY] = state_facts(settings, state, result)
    message = summary(result)
    if result.problems:
        message += " (enforced by the antivirus role: playbooks/antivirus.yml)"
    return Finding(evidence=result.evidence, violation=bool(result.problems), report_only=True, message=message)


def antivirus_problems(host: str, controls: list[dict[str, Any]], policy: dict[str, Any]) -> list[str]:
    """The antivirus settings' problems when a control of ``controls`` checks the antivirus area."""
    if not any(isinstance(c, dict) and (c.get("mechanism") or {}).get("check") == CHECK for c in controls):
        return []
    return settings_problems(host, set_values((policy or {}).get(POLICY_KEY)))
