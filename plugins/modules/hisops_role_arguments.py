#!/usr/bin/python
# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the hisops_role_arguments action (the work is done by plugins/action/hisops_role_arguments.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: hisops_role_arguments
short_description: Check a role's arguments for every host of the play in one task
description:
  - Runs on the control node, inside a role, once for the play (C(run_once)). Checks each host's
    variables, as a task of the role sees them (role defaults, inventory and facts, play vars, role
    vars, extra vars), against the role's C(meta/argument_specs.yml), the same spec Ansible checks
    per host when the role is imported with C(rolespec_validate) on.
  - Fails with every host's problems in one list, each naming the host and the variable, before
    any task of the role reaches a host. Hosts with the same values are checked once.
  - For a fleet playbook that imports the role with C(rolespec_validate=false) (Ansible's check is
    a forked task per host; R(the workstation policy role,ansible_collections.hisops.him.workstation_policy_role)
    uses this instead).
version_added: "0.1.0"
options:
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
- name: Validate | the role's variables of every host, once
  hisops.him.hisops_role_arguments:
  run_once: true
  any_errors_fatal: true
"""

RETURN = r"""
problems:
  description: Every problem found, one line each naming the host (empty when every host's variables are valid).
  returned: always
  type: list
  elements: str
hosts:
  description: How many hosts were checked.
  returned: always
  type: int
"""
