#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Documentation of the PowerShell module hisops_workstation_windows.ps1 (as Windows modules do).
from __future__ import annotations

DOCUMENTATION = r"""
---
module: hisops_workstation_windows
short_description: Audit and enforce the workstation rules on a Windows 10/11 PC in one round trip
description:
  - Checks every selected workstation control of the hisops control catalog (games, unapproved
    software, removable storage, screen lock, system settings, administrators, department-only
    login, after-hours shutdown, automatic updates and the age of the last installed update) and returns
    one result record per control under C(hisops_controls).
  - With O(enforce=true) it fixes each violation and checks again (status C(fixed)); in check mode
    or with O(enforce=false) nothing changes and violations are C(fail), with the changes that
    would be made. C(--diff) shows file contents, package and group membership changes.
  - The mechanism of each control (Appx names, registry paths and values, the USBSTOR start type,
    the Administrators group SID, the logon right) comes in O(controls), as the role keeps it
    (C(roles/workstation_policy/vars/main/windows.yml)); the site policy (allowlists, exceptions,
    minutes, times) in O(policy). Bad input fails before anything changes, naming the host and the field.
  - The action plugin of the same name validates the input on the controller first.
version_added: "0.1.0"
author: hisops contributors (@hisops)
extends_documentation_fragment: [hisops.him.hisops_workstation]
options:
  connection_user:
    description: The account Ansible connects with (DOMAIN\\user); it always keeps login and administrator rights.
    type: str
    default: root
notes:
  - Supports check mode and diff mode.
  - Software outside the allowlist is reported only on Windows (uninstallers differ per program).
  - Tested here by syntax and data only; see docs/windows-acceptance.md for the acceptance on a real host.
  - This file holds the documentation; the module is hisops_workstation_windows.ps1.
"""

EXAMPLES = r"""
- name: HIM | AUDIT | all workstation controls (Windows)
  hisops.him.hisops_workstation_windows:
    controls: >-
      {{ hisops_control_catalog | hisops.him.hisops_workstation_selected_controls(
           hisops_workstation_windows_mechanism, hisops_workstation_tagged, [], []) }}
    policy: {windows_software_allowlist: ["Mozilla Firefox*"], screenlock_minutes: 5}
    department: "{{ hisops_department }}"
    host: "{{ inventory_hostname }}"
  register: discovered_workstation
"""

RETURN = r"""
hisops_controls:
  description: One record per evaluated control (the same record as on Linux, module_utils/results.py).
  returned: always
  type: list
  elements: dict
  sample:
    - id: HIM-7.4-storage
      status: fail
      severity: high
      evidence: ["HKLM:\\SYSTEM\\CurrentControlSet\\Services\\USBSTOR\\Start is 3, must be 4"]
      changes: ["set HKLM:\\SYSTEM\\CurrentControlSet\\Services\\USBSTOR\\Start = 4"]
      message: "USB storage allowed"
hisops_windows_last_update:
  description:
    - Date (YYYY-MM-DD) of the newest successful installation in the Windows Update history (else the
      newest hotfix), null when none is found. The action plugin fails HIM-7.7-updates when it is older
      than the policy's C(update_max_age_days).
  returned: when HIM-7.7-updates is checked
  type: str
  sample: "2026-11-20"
summary:
  description: Number of controls per status.
  returned: always
  type: dict
  sample: {pass: 6, fail: 1, fixed: 1, exempt: 0, error: 0}
changed:
  description: True when at least one control was fixed.
  returned: always
  type: bool
diff:
  description: Before/after of registry values, group members, logon rights and the shutdown task.
  returned: when diff mode is on and something would change
  type: dict
"""
