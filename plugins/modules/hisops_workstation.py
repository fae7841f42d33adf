#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the hisops_workstation action (the work is done by plugins/action/hisops_workstation.py,
which runs hisops_workstation_linux or hisops_workstation_windows)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: hisops_workstation
short_description: Audit and enforce the workstation rules on a Linux or Windows PC in one round trip
description:
  - Runs M(hisops.him.hisops_workstation_linux) or M(hisops.him.hisops_workstation_windows) by
    O(platform), with the controller-side work of that module's action plugin; the options are theirs.
  - One task for every workstation of a play, whatever its platform (the
    R(workstation policy role,ansible_collections.hisops.him.workstation_policy_role) uses it); a task
    per platform skipped on the other platform's hosts costs the controller a forked worker per host.
version_added: "0.1.0"
author: hisops contributors (@hisops)
extends_documentation_fragment: [hisops.him.hisops_workstation]
options:
  platform:
    description: The host's platform, the module that runs.
    type: str
    required: true
    choices: [linux, windows]
  connection_user:
    description: The account Ansible connects with; it always keeps login and administrator rights.
    type: str
    default: root
notes:
  - Supports check mode and diff mode, as the platform's module.
"""

EXAMPLES = r"""
- name: HIM | AUDIT+ENFORCE | all selected controls in one round trip
  hisops.him.hisops_workstation:
    platform: "{{ hisops_workstation_platform }}"
    controls: "{{ hisops_workstation_module_controls }}"
    policy: "{{ hisops_workstation_policy_data }}"
    department: "{{ hisops_department }}"
"""

RETURN = r"""
hisops_controls:
  description: One record per evaluated control (see M(hisops.him.hisops_workstation_linux)).
  returned: always
  type: list
  elements: dict
summary:
  description: Number of controls per status.
  returned: always
  type: dict
"""
