# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options shared by the Linux and Windows workstation policy modules."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  catalog:
    description: The control catalog (C(hisops_control_catalog)); only workstation controls are used.
    type: dict
    required: true
  controls:
    description: Control IDs to evaluate; all workstation controls of the catalog when empty.
    type: list
    elements: str
    default: []
  skip_controls:
    description: Control IDs not to evaluate.
    type: list
    elements: str
    default: []
  policy:
    description:
    - The site policy, keys C(software_allowlist), C(department_allowlist), C(remove_unapproved),
      C(exceptions), C(screenlock_minutes), C(shutdown_time), C(admins), C(login_always_allow)
      (see C(group_vars/all/workstation_policy.yml)).
    type: dict
    default: {}
  department:
    description: The host's C(hisops_department); C(login_group) is required.
    type: dict
    required: true
  host:
    description: The inventory hostname, for messages and host-scoped exceptions.
    type: str
    required: true
  groups:
    description: The host's inventory groups, for group-scoped exceptions.
    type: list
    elements: str
    default: []
  clinical_24h:
    description: The host is a 24-hour clinical station (no after-hours shutdown).
    type: bool
    default: false
  enforce:
    description: Fix violations (false = audit only).
    type: bool
    default: false
  today:
    description: The date exceptions are compared with (YYYY-MM-DD); the host's date when empty.
    type: str
    default: ''
  fail_on_error:
    description:
    - Fail the task when a control ends in status C(error) (a fix that did not work). Applied by the action
      plugin, which also sets the fact C(ansible_facts.hisops_workstation_results).
    type: bool
    default: true
"""
