# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that check hisops' inventory model before anything changes."""

from __future__ import annotations

from typing import Any

from ..plugin_utils.inventory_model import (
    CODE,
    DEPARTMENT_GROUP,
    DEPARTMENT_PREFIX,
    department_group,
)

REQUIRED_TEXT = ("code", "name_zh", "name_en", "login_group")
CUSTODIAN_FIELDS = ("name", "staff_id", "certificate")


def department_problems(dept: Any, host: str, dept_groups: list[str]) -> list[str]:
    """Everything wrong with one host's department data, as one line each."""
    problems: list[str] = []
    if len(dept_groups) != 1:
        return [
            "host %s: must be in exactly one department group (%s*), is in %s"
            % (host, DEPARTMENT_PREFIX, dept_groups or "none")
        ]
    group = dept_groups[0]
    if not DEPARTMENT_GROUP.match(group):
        problems.append(
            "host %s: department group %r must be ASCII: %s then a-z, 0-9, _" % (host, group, DEPARTMENT_PREFIX)
        )
    if not isinstance(dept, dict):
        return [*problems, "host %s: hisops_department is not set for group %s (group_vars/%s)" % (host, group, group)]
    for key in REQUIRED_TEXT:
        if not isinstance(dept.get(key), str) or not dept[key].strip():
            problems.append("host %s: hisops_department.%s is missing or empty (group %s)" % (host, key, group))
    if isinstance(dept.get("code"), str) and not CODE.match(dept["code"]):
        problems.append("host %s: hisops_department.code %r must be a-z, 0-9, _" % (host, dept["code"]))
    if isinstance(dept.get("code"), str) and group != department_group(dept["code"]):
        problems.append("host %s: hisops_department.code %r does not match its group %s" % (host, dept["code"], group))
    custodian = dept.get("custodian")
    if not isinstance(custodian, dict):
        problems.append("host %s: hisops_department.custodian (person in charge, rulebook 七.2) is missing" % host)
    else:
        for key in CUSTODIAN_FIELDS:
            if not str(custodian.get(key) or "").strip():
                problems.append("host %s: hisops_department.custodian.%s is missing or empty" % (host, key))
    return problems


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"hisops_department_problems": department_problems}
