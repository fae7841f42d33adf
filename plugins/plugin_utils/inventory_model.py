"""hisops' inventory model, in one place: how a host's department and kind follow from its groups.

- A host's department is its ONE department group, ``dept_<code>`` (child of ``departments``),
  whose ``group_vars`` hold ``hisops_department`` (rulebook 七.2); ``code`` is a-z, 0-9, _.
- A host's kind: ``switch`` in group ``switches``, ``workstation`` in ``workstations``, else
  ``server``.

The asset-register inventory plugin builds these groups, the whole-inventory check and its
filter validate them, and the recorder files each host's results under them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

DEPARTMENT_PREFIX = "dept_"
DEPARTMENTS_GROUP = "departments"
SWITCHES_GROUP = "switches"
WORKSTATIONS_GROUP = "workstations"
CODE = re.compile(r"^[a-z0-9_]+$")
DEPARTMENT_GROUP = re.compile(r"^%s[a-z0-9_]+$" % DEPARTMENT_PREFIX)


def department_group(code: str) -> str:
    """The group of the department with this code."""
    return DEPARTMENT_PREFIX + code


def department_groups(groups: Iterable[str]) -> list[str]:
    """The department groups among a host's groups (the model wants exactly one), sorted."""
    return sorted(g for g in groups if g.startswith(DEPARTMENT_PREFIX))


def department_code(groups: Iterable[str]) -> str:
    """The department code of a host with these groups ('' when it is in no department group)."""
    depts = department_groups(groups)
    return depts[0][len(DEPARTMENT_PREFIX) :] if depts else ""


def host_kind(groups: Iterable[str]) -> str:
    """switch, workstation or server."""
    names = set(groups)
    return "switch" if SWITCHES_GROUP in names else "workstation" if WORKSTATIONS_GROUP in names else "server"
