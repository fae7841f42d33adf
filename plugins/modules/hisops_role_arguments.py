#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the hisops_role_arguments action (the work is done by plugins/action/hisops_role_arguments.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: hisops_role_arguments
short_description: Check a role's arguments for every host of the play in one task
description:
  - Runs on the control node, once for the play (C(run_once)), before a role of this collection
    (O(role)) or inside one. Checks each host's variables, as a task of the role sees them (role
    defaults, inventory and facts, play vars, role vars, extra vars), against the role's
    C(meta/argument_specs.yml), the same spec Ansible checks per host when the role is imported
    with C(rolespec_validate) on.
  - Fails with every host's problems in one list, each naming the host and the variable, before
    any task of the role reaches a host. Hosts with the same values are checked once.
  - For a fleet playbook that then imports the role with C(rolespec_validate=false), since Ansible's
    own check is a forked task per host (C(playbooks/workstation_policy.yml) does this for
    R(the workstation policy role,ansible_collections.hisops.him.workstation_policy_role)).
version_added: "0.1.0"
options:
  role:
    description: The role of this collection whose spec is checked (default the role this task is in).
    type: str
  hosts:
    description: The hosts to check (default the play's hosts, C(ansible_play_hosts)).
    type: list
    elements: str
  entry_point:
    description: The role's entry point whose options are checked.
    type: str
    default: main
attributes:
  check_mode: {support: full, description: Reads only.}
  diff_mode: {support: none, description: Changes nothing.}
author: hisops contributors (@hisops)
"""

EXAMPLES = r"""
- name: Workstation policy
  hosts: workstations
  gather_facts: false
  tasks:
    - name: Workstation policy | the role's variables of every host, once
      hisops.him.hisops_role_arguments:
        role: hisops.him.workstation_policy
      run_once: true
      any_errors_fatal: true
      tags: [always]

    - name: Workstation policy role
      ansible.builtin.import_role:
        name: hisops.him.workstation_policy
        rolespec_validate: false
"""

RETURN = r"""
problems:
  description: Every problem found, one line each naming the host (empty when every host's variables are valid).
  returned: always
  type: list
  elements: str
failed_hosts:
  description:
    - Per host whose variables are wrong, its result (C(failed), C(msg) with its problems); the
      results recorder records each under its host (C(hisops_results_per_host) names this key).
  returned: always
  type: dict
hosts:
  description: How many hosts were checked.
  returned: always
  type: int
"""
