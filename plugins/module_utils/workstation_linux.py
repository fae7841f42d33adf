# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check and fix the workstation controls on a Debian-family Linux host: the checks by name.

The parts (each a module_utils file, Python 3.8+, standard library only):

- workstation_host: ``Host``, file and command access to the target, dpkg's database;
- workstation_engine: ``Finding``/``Action``/``Context`` and ``run_controls``, which turns
  findings into result records (audit, enforce and check again);
- the checks: workstation_packages (games, software), workstation_desktop (storage, screen
  lock, settings), workstation_accounts (admins, staff only), workstation_services (updates,
  power), workstation_antivirus (the antivirus area, HIM-7.7-antivirus, audit only).

A control's mechanism data (sent by the role, roles/workstation_policy/vars/main/linux.yml)
names its check in ``check``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from . import workstation_engine
from .workstation_accounts import check_admins, check_staff_only
from .workstation_antivirus import check_antivirus
from .workstation_desktop import (
    check_screenlock,
    check_settings,
    check_storage,
)
from .workstation_engine import Context, Finding
from .workstation_host import Host
from .workstation_packages import check_games, check_software
from .workstation_services import check_power, check_updates

CHECKS: dict[str, Callable[[Host, Context], Finding]] = {
    "games": check_games,
    "software": check_software,
    "storage": check_storage,
    "screenlock": check_screenlock,
    "settings": check_settings,
    "admins": check_admins,
    "staff_only": check_staff_only,
    "power": check_power,
    "updates": check_updates,
    "antivirus": check_antivirus,
}


def run_controls(
    host: Host,
    controls: list[dict[str, Any]],
    args: dict[str, Any],
    enforce: bool,
    today: datetime.date,
    results: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Check (and, when ``enforce``, fix) each control ({id, severity, mechanism}): (records, diffs);
    ``results`` receives what the checks add to the module's result (the antivirus state)."""
    return workstation_engine.run_controls(host, controls, args, enforce, today, CHECKS, results)
