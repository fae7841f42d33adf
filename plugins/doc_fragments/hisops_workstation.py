# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options shared by the Linux and Windows workstation policy modules."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  controls:
    description:
    - The controls to check, in order, each with C(id), C(severity) and C(mechanism), this platform's
      mechanism data of the control (the role sends only the controls selected for the host; see
      the filter P(hisops.him.hisops_workstation_selected_controls#filter)).
    type: list
    elements: dict
    required: true
  policy:
    description:
    - The site policy, keys C(software_allowlist), C(department_allowlist), C(remove_unapproved),
      C(exceptions), C(screenlock_minutes), C(shutdown_time), C(admins), C(login_always_allow),
      C(shell_idle_minutes), C(ssh_client_alive_interval), C(ssh_client_alive_count_max),
      C(su_group), C(update_max_age_days) (see C(group_vars/all/workstation_policy.yml)).
    - On Linux also C(antivirus), the settings of the antivirus area (HIM-7.7-antivirus), keys as the
      C(hisops_antivirus_*) variables without the prefix (see C(group_vars/all/antivirus.yml)); a key
      that is None takes the default.
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
